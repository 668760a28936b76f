//! `directize` beyond the module-pass files (`tests/modules/directize/`):
//!
//! - a seeded wrong devirtualization — slots 0 and 1 swapped, while the
//!   proved invariant of the table's true contents is handed to the
//!   manager — is rejected by the strict check with a counterexample, and
//!   the function is restored;
//! - `prove_module_invariant` refutes a wrong claim about a table's slot
//!   (established fails) and a claim that a function breaks (a
//!   `table.set` in an export: preservation fails), and proves the true
//!   claim without exploring functions that write no table.

use weft_ir::{ControlFlowGraph, DominatorTree, FuncBody, FuncRef, Function, Module, TableRef};
use weft_passes::analysis::dataflow::Dataflow;
use weft_passes::analysis::tables::{SealedTables, devirtualize};
use weft_passes::analysis::value_set::ValueSets;
use weft_passes::{AnyPass, ModuleChanged, ModuleCx, ModulePass, PassInfo, PassManager, Preserved, VerifyMode};
use weft_tests::project_root;
use weft_verify::{Fact, InitialState, ModuleInvariant, Outcome, Precondition, Term, prove_module_invariant};

fn module(wat: &str) -> Module {
    let bytes = wat::parse_str(wat).expect("valid wat");
    weft_frontend::translate_module(&bytes).expect("translates").0
}

fn masked_index() -> Module {
    let path = project_root().join("tests/modules/directize/masked_index.wat");
    module(&std::fs::read_to_string(path).expect("readable"))
}

fn ir(module: &Module, f: FuncRef) -> &Function {
    match module.defined(f).map(|d| &d.body) {
        Some(FuncBody::Ir(func)) => func,
        _ => panic!("fn{} has no IR body", f.as_u32()),
    }
}

/// Devirtualizes the `apply` export's call with slots 0 and 1 swapped.
struct SwappedSlots;

impl ModulePass for SwappedSlots {
    fn run(&self, module: &mut Module, cx: &mut ModuleCx) -> ModuleChanged {
        let mut tables = SealedTables::of(module);
        let f = FuncRef::from_u32(3);
        let func = ir(module, f);
        let domtree = DominatorTree::with_function(func, &ControlFlowGraph::with_function(func));
        let sol = Dataflow::new(func, &ValueSets).with_edge_facts(&domtree).solve();
        let mut sites = tables.sites(func, &sol);
        assert_eq!(sites.len(), 1);
        sites[0].targets.swap(0, 1);
        let proved = tables.invariant(module, sites[0].table).expect("the true contents are proved");
        let Some(FuncBody::Ir(func)) = module.defined_mut(f).map(|d| &mut d.body) else { unreachable!() };
        assert_eq!(devirtualize(func, &sites), 1);
        cx.assume(f, vec![Precondition::Invariant(proved)]);
        ModuleChanged::Yes { functions: vec![f], preserved: Preserved::NONE }
    }
}

static SWAPPED_SLOTS: PassInfo = PassInfo {
    name: "swapped-slots",
    description: "directize with two slots swapped (seeded bug; test)",
    params: &[],
    make: || AnyPass::Module(Box::new(SwappedSlots)),
    make_with_params: None,
};

#[test]
fn a_wrong_devirtualization_is_rejected_with_a_counterexample() {
    let mut module = masked_index();
    let f = FuncRef::from_u32(3);
    let original = weft_ir::write::DisplayFunction(ir(&module, f)).to_string();
    let config = weft_passes::Config { verify: VerifyMode::Strict, ..Default::default() };
    let report = PassManager::new(&[&SWAPPED_SLOTS], config).run_module(&mut module);
    let stats = &report.passes[0];
    assert_eq!((stats.counterexamples, stats.reverted, stats.functions_changed), (1, 1, 0), "{:?}", report.events);
    let event = report.events.iter().find(|e| e.reverted).expect("a reverted event");
    assert!(event.message.contains("counterexample"), "{}", event.message);
    assert!(event.message.contains("(table.get table0 0) == (ref.func fn0)"), "{}", event.message);
    assert_eq!(weft_ir::write::DisplayFunction(ir(&module, f)).to_string(), original, "restored");
}

/// The module's functions with IR bodies.
fn bodies(module: &Module) -> Vec<&Function> {
    module.funcs.iter().map(|d| ir(module, d.index)).collect()
}

fn table_state(slots: Vec<u32>) -> weft_verify::Options {
    let t = TableRef::from_u32(0);
    weft_verify::Options {
        init: InitialState {
            table_sizes: [(t, slots.len() as u32)].into(),
            table_elems: vec![(t, 0, slots)],
            ..InitialState::default()
        },
        ..weft_verify::Options::default()
    }
}

fn slot_is(i: u32, f: u32) -> ModuleInvariant {
    ModuleInvariant {
        facts: vec![Fact::equal(Term::TableElem(TableRef::from_u32(0), i), Term::Handle(Some(FuncRef::from_u32(f))))],
    }
}

#[test]
fn a_wrong_claim_about_a_slot_is_not_established() {
    let m = masked_index();
    // Slot 0 holds $double (fn0), not $inc (fn1).
    let opts = table_state(vec![1, 2, 0, 1, 3]);
    let wrong = prove_module_invariant(&[], &bodies(&m), &slot_is(0, 1), &opts);
    assert!(matches!(wrong.report.outcome, Outcome::Counterexample(_)), "{}", wrong.report.outcome);
    let right = prove_module_invariant(&[], &bodies(&m), &slot_is(0, 0), &opts);
    assert!(right.report.outcome.is_proved(), "{}", right.report.outcome);
}

#[test]
fn a_table_set_breaks_the_claim() {
    let m = module(
        r#"(module
          (type $op (func (param i32) (result i32)))
          (table 2 funcref)
          (elem (i32.const 0) func $double $inc)
          (elem declare func $inc)
          (func $double (type $op) (i32.mul (local.get 0) (i32.const 2)))
          (func $inc (type $op) (i32.add (local.get 0) (i32.const 1)))
          (func (export "swap") (table.set (i32.const 0) (ref.func $inc))))"#,
    );
    let opts = table_state(vec![1, 2]);
    let report = prove_module_invariant(&[], &bodies(&m), &slot_is(0, 0), &opts);
    let Outcome::Counterexample(c) = &report.report.outcome else { panic!("{}", report.report.outcome) };
    assert!(c.query.contains("not preserved"), "{c}");
}

#[test]
fn functions_that_write_no_table_preserve_its_contents_without_a_query() {
    let m = masked_index();
    let opts = table_state(vec![1, 2, 0, 1, 3]);
    let report = prove_module_invariant(&[], &bodies(&m), &slot_is(0, 0), &opts);
    assert!(report.report.outcome.is_proved(), "{}", report.report.outcome);
    // One query: the invariant holds at instantiation; no function writes
    // the table, so none is explored.
    let names: Vec<&str> = report.report.queries.iter().map(|q| q.name.as_str()).collect();
    assert_eq!(names, ["holds at instantiation"], "{names:?}");
}

//! `callback-reachability` beyond the module-pass files
//! (`tests/modules/callback-reachability/`):
//!
//! - a seeded wrong specialization — the callback specialized as if
//!   STREAM_READ could not arrive, while the imports allow it and the
//!   precondition handed to the manager says so — is rejected by the
//!   manager's strict check with a counterexample whose event is 2, and
//!   the callback is restored;
//! - the right specialization is proved only under its precondition;
//! - on `../shared/corpus/p3/*.wat` at `-O2`: which defined functions
//!   disappear, with and without the pass ([`weft_tests::p3reach`]),
//!   printed as a table; every handler the corpus README lists as dead
//!   (in [`DEAD`]) must be gone.

use weft_ir::{ControlFlowGraph, DominatorTree, FuncBody, FuncRef, Module};
use weft_passes::analysis::p3::{EventCode, EventSet, P3Facts};
use weft_passes::callback_reachability::{event_precondition, specialize};
use weft_passes::{AnyPass, ModuleChanged, ModuleCx, ModulePass, PassInfo, PassManager, Preserved, VerifyMode};
use weft_tests::{project_root, shared_dir};

/// The module-pass file whose callback can receive {0, 2, 6}.
fn seq_if() -> Module {
    let path = project_root().join("tests/modules/callback-reachability/seq_if.wat");
    let bytes = wat::parse_file(&path).expect("valid wat");
    weft_frontend::translate_module(&bytes).expect("translates").0
}

fn ir(module: &Module, f: FuncRef) -> &weft_ir::Function {
    match module.funcs.iter().find(|d| d.index == f).map(|d| &d.body) {
        Some(FuncBody::Ir(func)) => func,
        _ => panic!("fn{} has no IR body", f.as_u32()),
    }
}

fn domtree(func: &weft_ir::Function) -> DominatorTree {
    DominatorTree::with_function(func, &ControlFlowGraph::with_function(func))
}

/// Specializes the first callback as if STREAM_READ could not arrive, but
/// tells the manager the true precondition (the events the imports allow).
struct WrongNarrowing;

impl ModulePass for WrongNarrowing {
    fn run(&self, module: &mut Module, cx: &mut ModuleCx) -> ModuleChanged {
        let facts = P3Facts::of(module, cx.assume_events());
        let f = facts.callbacks[0].func;
        let narrow: EventSet = facts.events.iter().filter(|&e| e != EventCode::StreamRead).collect();
        let Some(FuncBody::Ir(func)) = module.defined_mut(f).map(|d| &mut d.body) else { return ModuleChanged::No };
        let dt = domtree(func);
        assert!(specialize(func, &dt, narrow).changed());
        cx.assume(f, vec![event_precondition(facts.events)]);
        ModuleChanged::Yes { functions: vec![f], preserved: Preserved::NONE }
    }
}

static WRONG_NARROWING: PassInfo = PassInfo {
    name: "wrong-narrowing",
    description: "callback-reachability under a narrower event set than it claims (seeded bug; test)",
    params: &[],
    make: || AnyPass::Module(Box::new(WrongNarrowing)),
    make_with_params: None,
};

#[test]
fn a_wrong_specialization_is_rejected_with_the_event_in_the_counterexample() {
    let mut module = seq_if();
    let f = P3Facts::of(&module, None).callbacks[0].func;
    let original = weft_ir::write::DisplayFunction(ir(&module, f)).to_string();
    let config = weft_passes::Config { verify: VerifyMode::Strict, ..Default::default() };
    let report = PassManager::new(&[&WRONG_NARROWING], config).run_module(&mut module);
    let stats = &report.passes[0];
    assert_eq!((stats.counterexamples, stats.reverted, stats.functions_changed), (1, 1, 0), "{:?}", report.events);
    let event = report.events.iter().find(|e| e.reverted).expect("a reverted event");
    println!("{}", event.message);
    assert!(event.message.starts_with("under param v0 ∈ {0, 2, 6}: counterexample"), "{}", event.message);
    assert!(event.message.contains("\n  v0 = 2\n"), "the counterexample's event is 2:\n{}", event.message);
    assert!(event.message.contains("assuming param v0 ∈ {0, 2, 6}"), "{}", event.message);
    assert_eq!(weft_ir::write::DisplayFunction(ir(&module, f)).to_string(), original, "restored");
}

#[test]
fn the_specialization_is_proved_under_its_precondition_only() {
    let module = seq_if();
    let facts = P3Facts::of(&module, None);
    let f = facts.callbacks[0].func;
    let src = ir(&module, f);
    let mut tgt = src.clone();
    assert!(specialize(&mut tgt, &domtree(src), facts.events).changed());
    let plain = weft_verify::check_refinement(src, &tgt, &weft_verify::Options::default());
    assert!(matches!(plain, weft_verify::Outcome::Counterexample(_)), "{plain}");
    let options = weft_verify::Options { preconditions: vec![event_precondition(facts.events)], ..Default::default() };
    let under = weft_verify::check_refinement(src, &tgt, &options);
    assert!(matches!(under, weft_verify::Outcome::Proved), "{under}");
}

/// The corpus README's "Dead:" handlers that `-O2` removes, by module:
/// arms of a direct dispatch on the callback's event, and `kitchen_sink`'s
/// slots of a funcref table that no code changes (its calls made direct),
/// and `meld_trampoline`'s handler of the events its fused callback (no
/// longer exported) cannot get. Not listed: the dead half of a handler
/// that serves two events (`callback_sparse`).
const DEAD: &[(&str, &[&str])] = &[
    ("callback_seq_if", &["on_subtask", "on_stream_write", "on_future_read", "on_future_write"]),
    ("callback_else_if", &["on_subtask", "on_future"]),
    ("callback_br_if", &["on_stream_read", "on_stream_write", "on_future_write", "wake"]),
    ("callback_sparse", &["on_ignored"]),
    ("kitchen_sink", &["h_subtask", "h_future_read", "h_future_write"]),
    ("meld_trampoline", &["b_on_other"]),
];

#[test]
fn p3_corpus_handlers_removed_at_o2() {
    let dir = shared_dir().join("corpus").join("p3");
    let rows = weft_tests::p3reach::survey(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    assert!(rows.len() >= 14, "{}", dir.display());
    println!("{}", weft_tests::p3reach::to_markdown(&rows));
    let mut failures = Vec::new();
    for (stem, dead) in DEAD {
        let Some(row) = rows.iter().find(|r| r.module == *stem) else {
            failures.push(format!("{stem}: not in the corpus"));
            continue;
        };
        for d in dead.iter().filter(|d| !row.removed.contains(**d)) {
            failures.push(format!("{stem}: `{d}` (dead per the corpus README) is still there after -O2"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

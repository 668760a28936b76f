//! Module invariants of init-state constant propagation: the host frame of
//! initialization (`prove_module_invariant_hosted`), the value after
//! initialization (`values_after_init`), and seeded wrong invariants that
//! establishment and preservation each reject with a counterexample.

use weft_ir::{EntityRef, FuncRef, Function, GlobalRef, MemoryRef, Opcode, Type, parse_function};
use weft_verify::{
    Fact, ModuleInvariant, Options, Outcome, Term, prove_module_invariant, prove_module_invariant_hosted,
    values_after_init,
};

fn func(text: &str) -> Function {
    parse_function(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// `_initialize`: clears the flag gv0, then tells the host (fn0, an import).
const INIT_GLOBAL: &str = "function %init() {
    gv0 = global mut i32
    fn0 = (i32)

block0:
    v0 = i32.const 0
    global.set gv0 v0
    call fn0(v0)
    return
}
";

/// An export that refuses work while the flag is set.
const ENTRY_GLOBAL: &str = "function %entry(i32) -> i32 {
    gv0 = global mut i32
    fn1 = (i32) -> i32

block0(v0: i32):
    v1 = global.get gv0
    brif v1, block1, block2
block1:
    v2 = i32.const -1
    return v2
block2:
    v3 = call fn1(v0)
    return v3
}
";

/// An export that sets the flag to 1: a value written outside
/// initialization.
const SETS_ONE: &str = "function %busy() {
    gv0 = global mut i32

block0:
    v0 = i32.const 1
    global.set gv0 v0
    return
}
";

fn flag_is(v: i32) -> ModuleInvariant {
    ModuleInvariant { facts: vec![Fact::equal(Term::Global(GlobalRef::new(0)), Term::i32(v))] }
}

#[test]
fn a_host_call_after_the_write_keeps_the_flag_only_under_the_host_frame() {
    let init = func(INIT_GLOBAL);
    let entry = func(ENTRY_GLOBAL);
    let opts = Options::default();
    // The import call answers any state: establishment fails without the frame.
    let plain = prove_module_invariant(&[&init], &[&entry], &flag_is(0), &opts);
    assert!(plain.proved.is_none(), "{}", plain.report);
    let c = plain.report.outcome.counterexample().unwrap_or_else(|| panic!("{}", plain.report));
    assert!(c.query.contains("not established"), "{c}");
    // fn0 is the host: it leaves gv0 alone.
    let host = [FuncRef::new(0)];
    let framed = prove_module_invariant_hosted(&[&init], &[&entry], &flag_is(0), &host, &opts);
    assert_eq!(framed.report.outcome, Outcome::Proved, "{}", framed.report);
    assert!(framed.proved.is_some());
    // A call of a function that is not the host still answers any state.
    let other = [FuncRef::new(7)];
    let not_host = prove_module_invariant_hosted(&[&init], &[&entry], &flag_is(0), &other, &opts);
    assert!(not_host.proved.is_none(), "{}", not_host.report);
}

#[test]
fn the_value_after_initialization_is_found_by_running_it() {
    let init = func(INIT_GLOBAL);
    let host = [FuncRef::new(0)];
    let opts = Options::default();
    let v = values_after_init(&[&init], &[Term::Global(GlobalRef::new(0))], &host, &opts).expect("a value");
    assert_eq!(v, vec![0]);
    // A term that is not about the state is refused.
    let e = values_after_init(&[&init], &[Term::i32(3)], &host, &opts).unwrap_err();
    assert!(e.contains("not a state term"), "{e}");
    // Initialization that always traps has no value.
    let traps = func("function %init() {\nblock0:\n    trap\n}\n");
    let e = values_after_init(&[&traps], &[Term::Global(GlobalRef::new(0))], &host, &opts).unwrap_err();
    assert!(e.contains("never returns") || e.contains("not declared"), "{e}");
}

#[test]
fn establishment_rejects_the_value_a_non_init_export_sets() {
    // Seeded wrong invariant: the flag holds 1, the value `%busy` (not an
    // initialization function) writes. Initialization leaves 0.
    let init = func(INIT_GLOBAL);
    let entry = func(ENTRY_GLOBAL);
    let busy = func(SETS_ONE);
    let host = [FuncRef::new(0)];
    let r = prove_module_invariant_hosted(&[&init], &[&entry, &busy], &flag_is(1), &host, &Options::default());
    assert!(r.proved.is_none());
    let c = r.report.outcome.counterexample().unwrap_or_else(|| panic!("{}", r.report));
    assert!(c.query.contains("not established by initialization"), "{c}");
    assert!(c.inputs.iter().any(|(k, v)| k.starts_with("gv0") && v == "0"), "{c}");
    // And the right value is not preserved by `%busy`.
    let r = prove_module_invariant_hosted(&[&init], &[&entry, &busy], &flag_is(0), &host, &Options::default());
    let c = r.report.outcome.counterexample().unwrap_or_else(|| panic!("{}", r.report));
    assert!(c.query.contains("not preserved by %busy"), "{c}");
}

/// `_initialize` of a flag in memory: stores 0 at 1024, then tells the host.
const INIT_MEMORY: &str = "function %init() {
    mem0 = memory min=1
    fn0 = ()

block0:
    v0 = i32.const 1024
    v1 = i32.const 0
    i32.store mem0 v0, v1
    call fn0()
    return
}
";

/// An export that reads the flag and stores a job at `4096 + 4 * (v0 & 63)`:
/// never the flag's bytes.
const ENTRY_MEMORY: &str = "function %entry(i32) -> i32 {
    mem0 = memory min=1

block0(v0: i32):
    v1 = i32.const 1024
    v2 = i32.load mem0 v1
    v3 = i32.const 63
    v4 = i32.and v0, v3
    v5 = i32.const 2
    v6 = i32.shl v4, v5
    v7 = i32.const 4096
    v8 = i32.add v6, v7
    i32.store mem0 v8, v0
    return v2
}
";

/// An export that stores at an address it is given: it may alias the flag.
const ALIASING_STORE: &str = "function %poke(i32, i32) {
    mem0 = memory min=1

block0(v0: i32, v1: i32):
    i32.store mem0 v0, v1
    return
}
";

fn cell_is(v: i32) -> ModuleInvariant {
    let mem = MemoryRef::new(0);
    let load = Term::Load { ty: Type::I32, mem, addr: Box::new(Term::i32(1024)), bytes: 4 };
    ModuleInvariant {
        facts: vec![
            Fact::equal(load, Term::i32(v)),
            Fact::holds(Opcode::I32GtU, vec![Term::MemorySize(mem), Term::i32(0)]),
        ],
    }
}

#[test]
fn preservation_rejects_a_store_that_aliases_the_cell() {
    let init = func(INIT_MEMORY);
    let entry = func(ENTRY_MEMORY);
    let host = [FuncRef::new(0)];
    let opts = Options::default();
    // The stores of `%entry` miss the cell: proved.
    let ok = prove_module_invariant_hosted(&[&init], &[&entry], &cell_is(0), &host, &opts);
    assert_eq!(ok.report.outcome, Outcome::Proved, "{}", ok.report);
    // Seeded: `%poke` stores anywhere, the cell included.
    let poke = func(ALIASING_STORE);
    let r = prove_module_invariant_hosted(&[&init], &[&entry, &poke], &cell_is(0), &host, &opts);
    assert!(r.proved.is_none());
    let c = r.report.outcome.counterexample().unwrap_or_else(|| panic!("{}", r.report));
    assert!(c.query.contains("not preserved by %poke"), "{c}");
    assert!(c.source.contains("return"), "{c}");
}

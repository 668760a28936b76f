//! The module check (`weft_verify::module_check`) against seeded bugs.
//!
//! Part one: hand-written (input, output) pairs with the renumbering the
//! editor claims. A correct output passes; every seeded bug — a removal of
//! something reachable, an index that was not renumbered (the funcref
//! global re-emitted verbatim among them), a lying certificate — is
//! rejected with the kind of failure it is and the entity it concerns.
//!
//! Part two: the real editor (`module-dce`, the editable module and the
//! backend) with a bug seeded into its output or into its decisions, and
//! the facade's reaction under `--verify` (the edits are undone).

use weft_ir::{EntityKind, ModuleEntity};
use weft_verify::module_check::{ModuleCheckError, check_module_edit};

/// The certificate of removing `removed` from `before` (every other index
/// shifts down), as the editable module computes it.
fn certificate(before: &[u8], removed: &[ModuleEntity]) -> weft_verify::IndexCertificate {
    let (mut module, _) = weft_frontend::translate_module(before).expect("translates");
    for &e in removed {
        module.remove(e).expect("removable");
    }
    weft::module_check::certificate(&module).expect("maps")
}

fn func(i: u32) -> ModuleEntity {
    EntityKind::Func.entity(i)
}

fn check(before: &str, after: &str, removed: &[ModuleEntity]) -> Result<(), ModuleCheckError> {
    let before = wat::parse_str(before).expect("valid input wat");
    let after = wat::parse_str(after).expect("valid output wat");
    check_module_edit(&before, &after, &certificate(&before, removed)).map(|_| ())
}

/// Asserts a wrong removal of `entity` whose path mentions `via`.
fn wrong_removal(result: Result<(), ModuleCheckError>, entity: &str, via: &str) {
    match result {
        Err(ModuleCheckError::WrongRemoval { entity: e, path }) => {
            assert_eq!(e.to_string(), entity, "{path}");
            assert!(path.contains(via), "path `{path}` does not mention `{via}`");
        }
        other => panic!("expected a wrong removal of {entity}, got {other:?}"),
    }
}

/// Asserts a wrong remap concerning `what`.
fn wrong_remap(result: Result<(), ModuleCheckError>, what: &str) {
    match result {
        Err(ModuleCheckError::WrongRemap { what: w, detail }) => {
            assert!(w.contains(what), "wrong remap of `{w}` ({detail}), expected `{what}`")
        }
        other => panic!("expected a wrong remap of {what}, got {other:?}"),
    }
}

/// fn1 is dead; fn2 is reached only through the funcref global's
/// `ref.func` (the shape Loom miscompiled).
const FUNCREF_GLOBAL: &str = r#"(module
  (type (func (result i32)))
  (table 1 funcref)
  (global funcref (ref.func 2))
  (func (export "run") (result i32)
    (table.set 0 (i32.const 0) (global.get 0))
    (call_indirect (type 0) (i32.const 0)))
  (func (result i32) (i32.const 111))
  (func (result i32) (i32.const 222)))"#;

#[test]
fn a_correct_renumbering_passes() {
    let after = r#"(module
      (type (func (result i32)))
      (table 1 funcref)
      (global funcref (ref.func 1))
      (func (export "run") (result i32)
        (table.set 0 (i32.const 0) (global.get 0))
        (call_indirect (type 0) (i32.const 0)))
      (func (result i32) (i32.const 222)))"#;
    check(FUNCREF_GLOBAL, after, &[func(1)]).expect("a correct edit passes");
}

#[test]
fn a_funcref_global_emitted_verbatim_is_a_wrong_remap() {
    // The global section copied from the input: `ref.func 2` now names
    // nothing (or, with one more function, the wrong one).
    let after = r#"(module
      (type (func (result i32)))
      (table 1 funcref)
      (global funcref (ref.func 2))
      (func (export "run") (result i32)
        (table.set 0 (i32.const 0) (global.get 0))
        (call_indirect (type 0) (i32.const 0)))
      (func (result i32) (i32.const 222))
      (func (result i32) (i32.const 333)))"#;
    let before =
        FUNCREF_GLOBAL.replace("(i32.const 222)))", "(i32.const 222))\n  (func (result i32) (i32.const 333)))");
    wrong_remap(check(&before, after, &[func(1)]), "gv0");
}

#[test]
fn removing_the_function_a_funcref_global_names_is_a_wrong_removal() {
    // fn2 removed, the global pointed at the dead fn1 instead.
    let after = r#"(module
      (type (func (result i32)))
      (table 1 funcref)
      (global funcref (ref.func 1))
      (func (export "run") (result i32)
        (table.set 0 (i32.const 0) (global.get 0))
        (call_indirect (type 0) (i32.const 0)))
      (func (result i32) (i32.const 111)))"#;
    wrong_removal(check(FUNCREF_GLOBAL, after, &[func(2)]), "fn2", "gv0");
}

#[test]
fn removing_an_element_segment_of_a_live_table_is_a_wrong_removal() {
    let before = r#"(module
      (type (func (result i32)))
      (table 2 funcref)
      (func (export "run") (param i32) (result i32) (call_indirect (type 0) (local.get 0)))
      (func (result i32) (i32.const 1))
      (elem (i32.const 0) func 1))"#;
    let after = r#"(module
      (type (func (result i32)))
      (table 2 funcref)
      (func (export "run") (param i32) (result i32) (call_indirect (type 0) (local.get 0))))"#;
    let removed = [func(1), EntityKind::Elem.entity(0)];
    wrong_removal(check(before, after, &removed), "fn1", "table0 -> elem0");
}

#[test]
fn an_active_segment_that_may_trap_stays() {
    // Table 1 is dead, but its segment writes past its 1 element: removing
    // it would let instantiation succeed where it trapped.
    let before = r#"(module
      (table 1 funcref)
      (func (export "run"))
      (func)
      (elem (table 0) (i32.const 1) func 1))"#;
    let after = r#"(module (func (export "run")))"#;
    let removed = [func(1), EntityKind::Table.entity(0), EntityKind::Elem.entity(0)];
    wrong_removal(check(before, after, &removed), "fn1", "an active segment that may trap -> elem0 -> fn1");
    // In bounds, the same removal is right.
    let before = before.replace("(i32.const 1)", "(i32.const 0)");
    check(&before, after, &removed).expect("an in-bounds segment of a dead table may go");
}

#[test]
fn removing_a_data_segment_memory_init_uses_is_a_wrong_removal() {
    let before = r#"(module
      (memory 1)
      (func (export "run") (memory.init 1 (i32.const 0) (i32.const 0) (i32.const 1)))
      (data "a")
      (data "b"))"#;
    let after = r#"(module
      (memory 1)
      (func (export "run") (memory.init 0 (i32.const 0) (i32.const 0) (i32.const 1)))
      (data "a"))"#;
    wrong_removal(check(before, after, &[EntityKind::Data.entity(1)]), "data1", "fn0");
    // Removing the unused one, with `memory.init` renumbered, is right...
    let after_ok = after.replace("(data \"a\")", "(data \"b\")");
    check(before, &after_ok, &[EntityKind::Data.entity(0)]).expect("data0 is unused");
    // ... and without renumbering `memory.init` it is a wrong remap.
    let after_stale = r#"(module
      (memory 1)
      (func (export "run") (memory.init 1 (i32.const 0) (i32.const 0) (i32.const 1)))
      (data "b") (data "c"))"#;
    let before3 = before.replace("(data \"b\"))", "(data \"b\") (data \"c\"))");
    wrong_remap(check(&before3, after_stale, &[EntityKind::Data.entity(0)]), "fn0");
}

#[test]
fn removing_what_the_start_function_calls_is_a_wrong_removal() {
    let before = r#"(module
      (import "env" "h" (func))
      (func (call 0))
      (start 1))"#;
    let after = r#"(module (func) (start 0))"#;
    wrong_removal(check(before, after, &[func(0)]), "fn0", "the start function -> fn1");
}

#[test]
fn stale_indices_anywhere_are_wrong_remaps() {
    let before = r#"(module
      (type (func))
      (table 2 funcref)
      (func)
      (func (export "a") (call 2))
      (func)
      (start 2)
      (elem (i32.const 0) func 2 3)
      (func (export "b") (call_indirect (type 0) (i32.const 1))))"#;
    // Right: fn0 gone, 1..3 become 0..2.
    let right = r#"(module
      (type (func))
      (table 2 funcref)
      (func (export "a") (call 1))
      (func)
      (start 1)
      (elem (i32.const 0) func 1 2)
      (func (export "b") (call_indirect (type 0) (i32.const 1))))"#;
    check(before, right, &[func(0)]).expect("right");
    let cases = [
        ("(call 1)", "(call 2)", "fn1"),
        ("(start 1)", "(start 0)", "the start function"),
        ("func 1 2)", "func 2 2)", "elem0"),
        ("(func (export \"a\") (call 1))\n      (func)", "(func (call 1))\n      (func (export \"a\"))", "export `a`"),
    ];
    for (good, bad, what) in cases {
        let wrong = right.replacen(good, bad, 1);
        assert_ne!(wrong, right, "{good}");
        wrong_remap(check(before, &wrong, &[func(0)]), what);
    }
}

#[test]
fn names_must_follow_their_entities() {
    let before = r#"(module (func $dead) (func $a (export "a")) (func $b (export "b")))"#;
    let right = r#"(module (func $a (export "a")) (func $b (export "b")))"#;
    check(before, right, &[func(0)]).expect("names follow");
    // The name section copied unchanged: `a` is now attached to fn1.
    let before_bytes = wat::parse_str(before).expect("wat");
    let mut wrong = wat::parse_str(r#"(module (func (export "a")) (func (export "b")))"#).expect("wat");
    let names = name_section(&before_bytes).expect("the input has names");
    wrong.extend_from_slice(&names);
    let cert = certificate(&before_bytes, &[func(0)]);
    match check_module_edit(&before_bytes, &wrong, &cert) {
        Err(ModuleCheckError::WrongRemap { what, .. }) => assert!(what.contains("name section"), "{what}"),
        other => panic!("{other:?}"),
    }
}

/// The raw `name` custom section of `bytes` (id, size, payload).
fn name_section(bytes: &[u8]) -> Option<Vec<u8>> {
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        if let Ok(wasmparser::Payload::CustomSection(c)) = payload
            && c.name() == "name"
        {
            let mut payload = Vec::new();
            weft_ir::encode::write_u32_leb(&mut payload, c.name().len() as u32);
            payload.extend_from_slice(c.name().as_bytes());
            payload.extend_from_slice(c.data());
            let mut out = vec![0];
            weft_ir::encode::write_u32_leb(&mut out, payload.len() as u32);
            out.extend_from_slice(&payload);
            return Some(out);
        }
    }
    None
}

#[test]
fn exports_imports_and_certificates() {
    // A removed export is never justified by reachability.
    let before = r#"(module (func (export "a") (export "b")))"#;
    let after = r#"(module (func (export "a")))"#;
    wrong_remap(check(before, after, &[]), "export `b`");
    // A removed import that is called.
    let before = r#"(module (import "env" "f" (func)) (func (export "a") (call 0)))"#;
    let after = r#"(module (func (export "a") (call 0)))"#;
    wrong_removal(check(before, after, &[func(0)]), "fn0", "export `a` -> fn1");
    // An unused import may go.
    let before = r#"(module (import "env" "f" (func)) (func (export "a")))"#;
    let after = r#"(module (func (export "a")))"#;
    check(before, after, &[func(0)]).expect("an unused import may go");
    // A certificate that claims a removal the output does not show.
    let before_bytes = wat::parse_str(r#"(module (func (export "a")) (func))"#).expect("wat");
    let cert = certificate(&before_bytes, &[]);
    let after = wat::parse_str(r#"(module (func (export "a")))"#).expect("wat");
    assert!(matches!(check_module_edit(&before_bytes, &after, &cert), Err(ModuleCheckError::Certificate(_))));
}

#[test]
fn gc_types_are_followed_and_compared() {
    // A recursion group of two structs that name each other, an unused
    // function type before it.
    let before = r#"(module
      (type (func (param f32)))
      (rec (type $a (struct (field (ref null $b)))) (type $b (struct (field (ref null $a)))))
      (func (export "f") (param (ref null $a))))"#;
    let after = r#"(module
      (rec (type $a (struct (field (ref null $b)))) (type $b (struct (field (ref null $a)))))
      (func (export "f") (param (ref null $a))))"#;
    let sig = |i| EntityKind::Type.entity(i);
    check(before, after, &[sig(0)]).expect("the unused type may go");
    // A struct field whose type index was not renumbered (it now names its
    // own type).
    let before = r#"(module
      (type (func (param f32)))
      (type $s (struct (field i32)))
      (type $t (struct (field (ref null $s))))
      (func (export "f") (param (ref null $t))))"#;
    let stale = r#"(module
      (type $s (struct (field i32)))
      (type $t (struct (field (ref null 1))))
      (func (export "f") (param (ref null $t))))"#;
    wrong_remap(check(before, stale, &[sig(0)]), "sig2");
    check(before, &stale.replace("(ref null 1))))", "(ref null 0))))"), &[sig(0)]).expect("renumbered");
    // A type only a kept function's local names.
    let before = r#"(module
      (type (func (param i32)))
      (type (func (param i64)))
      (func (export "g") (local (ref null 0))))"#;
    let after = r#"(module
      (type (func (param i64)))
      (func (export "g") (local (ref null 0))))"#;
    wrong_removal(check(before, after, &[sig(0)]), "sig0", "export `g` -> fn0 -> sig0");
}

// ---------------------------------------------------------------------------
// Part two: the real editor, with seeded faults.

/// A module where `module-dce` removes fn1 and a data segment, and a
/// funcref global names the function after fn1.
const REAL: &str = r#"(module
  (type $r (func (result i32)))
  (table 1 funcref)
  (memory 1)
  (global $fp funcref (ref.func $late))
  (func $run (export "run") (result i32)
    (table.set 0 (i32.const 0) (global.get $fp))
    (memory.init $used (i32.const 0) (i32.const 0) (i32.const 1))
    (call_indirect (type $r) (i32.const 0)))
  (func $dead (result i32) (i32.const 13))
  (func $late (result i32) (i32.const 42))
  (func $other (export "other") (result i32) (i32.const 99))
  (data $unused "x")
  (data $used "y")
  (export "fp" (global $fp)))"#;

fn dce(bytes: &[u8]) -> weft_ir::Module {
    let (mut module, _) = weft_frontend::translate_module(bytes).expect("translates");
    let pm =
        weft_passes::PassManager::new(&[weft_passes::lookup("module-dce").expect("registered")], Default::default());
    let report = pm.run_module(&mut module);
    assert!(report.events.iter().any(|e| e.message.starts_with("removed")), "{:?}", report.events);
    module
}

/// `bytes` with section `id`'s payload replaced by `from`'s.
fn splice_section(bytes: &[u8], from: &[u8], id: u8) -> Vec<u8> {
    let section = |b: &[u8]| -> std::ops::Range<usize> {
        for payload in wasmparser::Parser::new(0).parse_all(b) {
            if let Some((sid, range)) = payload.expect("parses").as_section()
                && sid == id
            {
                return range.start as usize..range.end as usize;
            }
        }
        panic!("no section {id}")
    };
    let (a, b) = (section(bytes), section(from));
    // Each range is the payload; the header (id, minimal LEB128 size, as
    // the backend writes it) precedes it.
    let mut size = Vec::new();
    weft_ir::encode::write_u32_leb(&mut size, a.len() as u32);
    let header_start = a.start - 1 - size.len();
    assert_eq!(bytes[header_start], id);
    let mut out = Vec::new();
    out.extend_from_slice(&bytes[..header_start]);
    out.push(id);
    weft_ir::encode::write_u32_leb(&mut out, b.len() as u32);
    out.extend_from_slice(&from[b.clone()]);
    out.extend_from_slice(&bytes[a.end..]);
    out
}

#[test]
fn the_real_editor_passes_and_a_verbatim_global_section_is_caught() {
    let original = wat::parse_str(REAL).expect("valid wat");
    let module = dce(&original);
    let removed: Vec<String> = module.edits.removed().map(|e| e.to_string()).collect();
    assert_eq!(removed, ["fn1", "data0"]);
    let options = Default::default();
    let report = weft::module_check::check_edits(&module, &options).expect("module-dce's edit passes");
    assert_eq!(report.removed.values().sum::<usize>(), 2);

    // Seed Loom's bug: the global section of the image before the edit
    // written verbatim into the edited module. `ref.func 2` now names
    // `$other`, which inherited the index: a valid module that calls the
    // wrong function.
    let before = weft_backend::emit_module_unedited(&module, &options).expect("emits");
    let after = weft_backend::emit_module(&module).expect("emits");
    const GLOBAL_SECTION: u8 = 6;
    let seeded = splice_section(&after, &before, GLOBAL_SECTION);
    assert_ne!(seeded, after);
    weft_tests::wasmtime_harness::validate(&seeded).expect("the seeded output is a valid module");
    let cert = weft::module_check::certificate(&module).expect("maps");
    wrong_remap(check_module_edit(&before, &seeded, &cert).map(|_| ()), "gv0");
}

#[test]
fn module_dce_on_a_gc_module_passes_the_check() {
    // GC bodies stay opaque; the unused types (one inside a dead
    // recursion group) go, and the live group keeps its shape.
    let wat = r#"(module
      (type $dead_f (func (param f64)))
      (rec (type $x (struct (field i32))) (type $y (struct (field (ref null $x)))))
      (rec (type $a (struct (field (ref null $b)))) (type $b (struct (field (ref null $a)))))
      (func $new (export "new") (result (ref null $a)) (struct.new $a (ref.null $b)))
      (func $dead (type $dead_f)))"#;
    let bytes = wat::parse_str(wat).expect("valid wat");
    let module = dce(&bytes);
    let removed: Vec<String> = module.edits.removed().map(|e| e.to_string()).collect();
    assert_eq!(removed, ["fn1", "sig0", "sig1", "sig2"]);
    weft::module_check::check_edits(&module, &Default::default()).expect("the check follows GC types");
}

#[test]
fn a_seeded_wrong_removal_is_caught_and_undone_by_the_facade() {
    // A wrong decision that leaves a dangling index (the data segment
    // `memory.init` reads) is refused by the backend.
    let original = wat::parse_str(REAL).expect("valid wat");
    let mut module = dce(&original);
    module.remove(EntityKind::Data.entity(1)).expect("recorded");
    let err = weft_backend::emit_module(&module).expect_err("a dangling data index must not be written");
    assert!(err.to_string().contains("data1"), "{err}");

    // A wrong decision the backend can write: the active segment of a live
    // table removed with its function. Only the module check sees it.
    let wat = r#"(module
      (type (func (result i32)))
      (table 1 funcref)
      (func (export "run") (result i32) (call_indirect (type 0) (i32.const 0)))
      (func (result i32) (i32.const 7))
      (elem (i32.const 0) func 1))"#;
    let bytes = wat::parse_str(wat).expect("valid wat");
    let (mut module, _) = weft_frontend::translate_module(&bytes).expect("translates");
    let clean = module.edits.clone();
    module.remove(func(1)).expect("recorded");
    module.remove(EntityKind::Elem.entity(0)).expect("recorded");
    weft_backend::emit_module(&module).expect("the backend writes it");
    let options = Default::default();
    let err = weft::module_check::check_edits(&module, &options).expect_err("a wrong removal");
    assert!(err.contains("wrong removal") && err.contains("table0 -> elem0"), "{err}");
    // Under --verify the facade undoes the pass's edits and says so.
    let event = weft::module_check::check_pass_edits(&mut module, clean, "seeded", &options);
    assert!(event.reverted && event.message.starts_with("module check failed"), "{event:?}");
    assert!(module.edits.is_empty());
}

//! The editable module: entities removed from the middle of a module with
//! every kind of index use — funcref globals, active, passive and
//! declarative element segments, `table.init`/`elem.drop`,
//! `memory.init`/`data.drop`, a start function, exports, the name section,
//! an opaque body calling a later function — are renumbered everywhere:
//! the output validates, behaves like the input under wasmtime (probe calls
//! of every export, host calls traced), keeps every name on its entity, and
//! passes the independent module check. References to removed entities and
//! edits the module cannot take are refused, never guessed.

use weft_ir::{DataRef, ElemRef, FuncBody, FuncRef, GlobalRef, Module, ModuleEntity};
use weft_tests::wasmtime_harness::Harness;

/// fn0 imported; `$dead` (fn2), `$dead_g` (gv1), `$dead_e` (elem1) and
/// `$dead_d` (data0) sit before entities that stay and are used.
const WAT: &str = r#"(module
  (import "env" "log" (func $log (param i32)))
  (type $ii (func (param i32) (result i32)))
  (table $t 4 funcref)
  (memory 1)
  (global $count (mut i32) (i32.const 0))
  (global $dead_g (mut i32) (i32.const 7))
  (global $fp funcref (ref.func $late))
  (func $start (global.set $count (i32.const 100)))
  (func $dead (param i32) (result i32) (global.set $dead_g (local.get 0)) (local.get 0))
  (func $double (type $ii) (i32.mul (local.get 0) (i32.const 2)))
  (func $opaque (export "opaque") (param $x i32) (result i32)
    (call $late (local.get $x)))
  (func $via_global (export "via_global") (param i32) (result i32)
    (table.set $t (i32.const 3) (global.get $fp))
    (call_indirect $t (type $ii) (local.get 0) (i32.const 3)))
  (func $via_elem (export "via_elem") (param i32) (result i32)
    (call_indirect $t (type $ii) (local.get 0) (i32.const 0)))
  (func $init (export "init") (result i32)
    (table.init $t $passive (i32.const 1) (i32.const 0) (i32.const 1))
    (elem.drop $passive)
    (memory.init $pdata (i32.const 16) (i32.const 0) (i32.const 4))
    (data.drop $pdata)
    (call_indirect $t (type $ii) (i32.const 5) (i32.const 1)))
  (func $mem (export "mem") (result i32) (i32.load (i32.const 16)))
  (func $late (type $ii) (call $log (local.get 0)) (i32.add (local.get 0) (global.get $count)))
  (start $start)
  (elem (table $t) (i32.const 0) func $double)
  (elem $dead_e funcref (ref.func $dead))
  (elem $passive func $late)
  (elem declare func $late)
  (data $dead_d "zzzz")
  (data $pdata "\01\02\03\04")
  (export "count" (global $count))
  (export "fp" (global $fp)))"#;

fn dead() -> [ModuleEntity; 4] {
    [
        ModuleEntity::Func(FuncRef::from_u32(2)),
        ModuleEntity::Global(GlobalRef::from_u32(1)),
        ModuleEntity::Elem(ElemRef::from_u32(1)),
        ModuleEntity::Data(DataRef::from_u32(0)),
    ]
}

/// The module with `$opaque` (fn4) kept opaque, as a function the IR
/// cannot model would be.
fn module(bytes: &[u8]) -> Module {
    let (mut module, _) = weft_frontend::translate_module(bytes).expect("translates");
    let opaque = FuncRef::from_u32(4);
    assert_eq!(module.func_name(opaque), Some("opaque"));
    let uses = weft_frontend::original_body_uses(&module, opaque).expect("reads its body");
    module.items.opaque_uses.insert(opaque, uses);
    module.defined_mut(opaque).expect("defined").body = FuncBody::Opaque { reason: "kept by the test".into() };
    module
}

/// Function names by index, from the name section.
fn func_names(bytes: &[u8]) -> Vec<(u32, String)> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        if let wasmparser::Payload::CustomSection(c) = payload.expect("parses")
            && let wasmparser::KnownCustom::Name(names) = c.as_known()
        {
            for name in names {
                if let wasmparser::Name::Function(map) = name.expect("subsection") {
                    out.extend(map.into_iter().map(|n| n.expect("name")).map(|n| (n.index, n.name.to_string())));
                }
            }
        }
    }
    out
}

#[test]
fn removing_entities_in_the_middle_renumbers_every_use() {
    let original = wat::parse_str(WAT).expect("valid wat");
    let mut module = module(&original);
    for e in dead() {
        module.remove(e).expect("removable");
    }
    let edited = weft_backend::emit_module(&module).expect("emits");

    // Fewer entities, and the opaque body was re-encoded (its call moved).
    let (out, _) = weft_frontend::translate_module(&edited).expect("reads back");
    assert_eq!((out.num_funcs(), out.globals.len()), (module.num_funcs() - 1, module.globals.len() - 1));
    assert_eq!((out.items.elems.len(), out.items.datas.len()), (3, 1));

    // Same behaviour: every export probed, the host calls of `$late` traced.
    let harness = Harness::new(Some(1_000_000)).expect("engine");
    let calls = harness.probe_calls(&original, &[0, 7, -3]).expect("probes");
    assert!(calls.len() >= 10, "{calls:?}");
    if let Err(diff) = harness.compare(&original, &edited, &calls) {
        panic!("the edited module behaves differently:\n{diff}");
    }

    // Every name stays on its function.
    let before = func_names(&original);
    let after = func_names(&edited);
    let expected: Vec<(u32, String)> =
        before.iter().filter(|(i, _)| *i != 2).map(|(i, n)| (if *i > 2 { i - 1 } else { *i }, n.clone())).collect();
    assert_eq!(after, expected);

    // The independent check agrees.
    let report = weft::module_check::check_edits(&module, &Default::default()).expect("the module check passes");
    assert_eq!(report.removed.values().sum::<usize>(), 4, "{report}");
}

#[test]
fn a_reference_to_a_removed_entity_is_an_error_naming_it() {
    let original = wat::parse_str(WAT).expect("valid wat");
    // `$late` (fn9) is called by the opaque body, referenced by `$fp`, by
    // two segments and by an IR body: each is a named error.
    let mut module = module(&original);
    module.remove(ModuleEntity::Func(FuncRef::from_u32(9))).expect("the edit itself is recorded");
    let err = weft_backend::emit_module(&module).expect_err("must not write a dangling index").to_string();
    assert!(err.contains("fn9") && err.contains("removed"), "{err}");

    // An opaque body that calls a removed function is not copied raw.
    let mut module = self::module(&original);
    for f in [5, 6, 7, 8, 9] {
        module.defined_mut(FuncRef::from_u32(f)).expect("defined").body =
            FuncBody::Opaque { reason: "kept by the test".into() };
        let uses = weft_frontend::original_body_uses(&module, FuncRef::from_u32(f)).expect("reads its body");
        module.items.opaque_uses.insert(FuncRef::from_u32(f), uses);
    }
    module.remove(ModuleEntity::Global(GlobalRef::from_u32(2))).expect("recorded");
    let err = weft_backend::emit_module(&module).expect_err("gv2 is used").to_string();
    assert!(err.contains("gv2"), "{err}");
}

#[test]
fn edits_the_module_cannot_take_are_refused() {
    let original = wat::parse_str(WAT).expect("valid wat");
    let mut module = module(&original);
    let start = ModuleEntity::Func(FuncRef::from_u32(1));
    assert!(module.remove(start).unwrap_err().to_string().contains("start function"));
    let missing = ModuleEntity::Func(FuncRef::from_u32(99));
    assert!(module.remove(missing).unwrap_err().to_string().contains("no fn99"));
    assert!(module.remove_export("nope").is_err());

    // A custom section that stores indices blocks every edit.
    let mut bytes = original.clone();
    bytes.extend_from_slice(&[0, 8, 7]);
    bytes.extend_from_slice(b"linking");
    let mut module = self::module(&bytes);
    let err = module.remove(dead()[0]).unwrap_err().to_string();
    assert!(err.contains("`linking`"), "{err}");
    assert!(module.edits.is_empty());
}

#[test]
fn removed_exports_and_removed_imports_leave_the_interface() {
    let original = wat::parse_str(WAT).expect("valid wat");
    let mut module = module(&original);
    module.remove_export("mem").expect("exists");
    let out = weft_backend::emit_module(&module).expect("emits");
    let (read, _) = weft_frontend::translate_module(&out).expect("reads back");
    assert!(read.exports.iter().all(|e| e.name != "mem"));
    assert_eq!(read.exports.len(), module.exports.len() - 1);
    // The image before the edits still has it.
    let unedited = weft_backend::emit_module_unedited(&module, &Default::default()).expect("emits");
    let (read, _) = weft_frontend::translate_module(&unedited).expect("reads back");
    assert_eq!(read.exports.len(), module.exports.len());
    // An export removal is outside what the module check can justify.
    let err = weft::module_check::check_edits(&module, &Default::default()).unwrap_err();
    assert!(err.contains("export `mem`"), "{err}");

    // An unused imported function can go; every function index shifts.
    let wat = r#"(module
        (import "env" "unused" (func $u))
        (import "env" "used" (func $h (result i32)))
        (func (export "f") (result i32) (call $h)))"#;
    let original = wat::parse_str(wat).expect("valid wat");
    let (mut module, _) = weft_frontend::translate_module(&original).expect("translates");
    module.remove(ModuleEntity::Func(FuncRef::from_u32(0))).expect("removable");
    let out = weft_backend::emit_module(&module).expect("emits");
    let (read, _) = weft_frontend::translate_module(&out).expect("reads back");
    assert_eq!(read.imported_funcs.len(), 1);
    let harness = Harness::new(Some(100_000)).expect("engine");
    let calls = harness.probe_calls(&original, &[0]).expect("probes");
    if let Err(diff) = harness.compare(&original, &out, &calls) {
        panic!("{diff}");
    }
    weft::module_check::check_edits(&module, &Default::default()).expect("the module check passes");
}

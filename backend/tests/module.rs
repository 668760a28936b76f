//! `emit_module`: sections re-encoded, names and custom sections kept,
//! opaque bodies copied byte for byte, errors named by function.

mod common;
use common::{Instance, print};
use weft_ir::{FuncBody, Module};

const WAT: &str = r#"(module
  (import "env" "mem" (memory 1))
  (global $g (mut i32) (i32.const 5))
  (func $sum (export "sum") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    (block $done (loop $next
      (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
      (local.set $acc (i32.add (local.get $acc) (local.get $i)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32.add (local.get $acc) (global.get $g)))
  (func $kept (export "kept") (param i32) (result i32)
    (local $unused i64)
    local.get 0
    i32.const 3
    i32.mul)
  (func $twice (export "twice") (param $x i32) (result i32)
    (call $kept (call $kept (local.get $x))))
  (@custom "weft-test" "payload")
)"#;

fn frontend(bytes: &[u8]) -> Module {
    weft_frontend::translate_module(bytes).expect("translates").0
}

fn instance(bytes: &[u8]) -> Instance {
    let engine = common::engine();
    let module = wasmtime::Module::new(&engine, bytes).expect("compiles");
    let mut store = wasmtime::Store::new(&engine, ());
    let mem = wasmtime::Memory::new(&mut store, wasmtime::MemoryType::new(1, None)).expect("memory");
    let instance = wasmtime::Instance::new(&mut store, &module, &[mem.into()]).expect("instantiates");
    Instance { store, instance }
}

/// (index, name) pairs.
type NameList = Vec<(u32, String)>;

/// Function names, and local names per function.
fn names(bytes: &[u8]) -> (NameList, Vec<(u32, NameList)>) {
    let mut funcs = Vec::new();
    let mut locals = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        if let wasmparser::Payload::CustomSection(c) = payload.expect("parses")
            && let wasmparser::KnownCustom::Name(reader) = c.as_known()
        {
            for sub in reader {
                match sub.expect("subsection") {
                    wasmparser::Name::Function(map) => {
                        funcs =
                            map.into_iter().map(|n| n.expect("name")).map(|n| (n.index, n.name.to_string())).collect();
                    }
                    wasmparser::Name::Local(map) => {
                        for f in map {
                            let f = f.expect("names");
                            let ls = f.names.map(|n| n.expect("name")).map(|n| (n.index, n.name.to_string()));
                            locals.push((f.index, ls.collect()));
                        }
                    }
                    _ => {}
                }
            }
        }
    }
    (funcs, locals)
}

fn custom(bytes: &[u8], name: &str) -> Option<Vec<u8>> {
    wasmparser::Parser::new(0).parse_all(bytes).find_map(|p| match p.expect("parses") {
        wasmparser::Payload::CustomSection(c) if c.name() == name => Some(c.data().to_vec()),
        _ => None,
    })
}

fn bodies(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut out = Vec::new();
    for p in wasmparser::Parser::new(0).parse_all(bytes) {
        if let wasmparser::Payload::CodeSectionEntry(body) = p.expect("parses") {
            let r = body.range();
            out.push(bytes[r.start as usize..r.end as usize].to_vec());
        }
    }
    out
}

#[test]
fn sections_names_and_opaque_bodies_survive() {
    let original = wat::parse_str(WAT).expect("valid wat");
    let mut module = frontend(&original);
    // Keep `kept` (function 1) opaque: its bytes must come through as they were.
    module.funcs[1].body = FuncBody::Opaque { reason: "kept by the test".into() };
    let out = weft_backend::emit_module(&module).expect("emits");

    let (a, b) = (bodies(&original), bodies(&out));
    assert_eq!(a.len(), b.len());
    assert_eq!(a[1], b[1], "the opaque body is copied byte for byte");
    assert_ne!(a[0], b[0], "the IR body is re-emitted");
    assert_eq!(custom(&out, "weft-test").as_deref(), Some(&b"payload"[..]));

    let (funcs, locals) = names(&out);
    assert_eq!(funcs, names(&original).0, "function names are kept");
    // `sum` was re-emitted: only its parameter keeps its name. `kept` was
    // copied: all its local names stay.
    let sum = locals.iter().find(|(f, _)| *f == 0).map(|(_, l)| l.clone()).unwrap_or_default();
    assert_eq!(sum, vec![(0, "n".to_string())], "{}", print(&out));
    let kept = locals.iter().find(|(f, _)| *f == 1).map(|(_, l)| l.clone()).unwrap_or_default();
    assert_eq!(kept.len(), 1, "{}", print(&out));

    let mut run = instance(&out);
    for n in [0, 1, 10] {
        assert_eq!(run.i32("sum", &[n]), (0..n).sum::<i32>() + 5);
        assert_eq!(run.i32("twice", &[n]), 9 * n);
    }
}

#[test]
fn emitting_twice_gives_identical_bytes() {
    let original = wat::parse_str(WAT).expect("valid wat");
    let module = frontend(&original);
    let a = weft_backend::emit_module(&module).expect("emits");
    let b = weft_backend::emit_module(&module.clone()).expect("emits");
    assert_eq!(a, b);
}

#[test]
fn a_function_list_that_does_not_match_the_code_section_is_an_error() {
    let original = wat::parse_str(WAT).expect("valid wat");
    let mut module = frontend(&original);
    module.funcs.pop();
    match weft_backend::emit_module(&module) {
        Err(weft_backend::BackendError::Module { message }) => assert!(message.contains("code section"), "{message}"),
        other => panic!("expected a module error, got {other:?}"),
    }
    let mut module = frontend(&original);
    module.original.clear();
    assert!(matches!(weft_backend::emit_module(&module), Err(weft_backend::BackendError::Module { .. })));
}

#[test]
fn invalid_output_is_an_error_naming_the_function() {
    let original = wat::parse_str(WAT).expect("valid wat");
    let mut module = frontend(&original);
    // An operand of the wrong type: the backend does not type-check, so the
    // validator must catch it and name the function.
    let func = weft_ir::parse_function(
        r#"
function %twice(i32) -> i32 {
block0(v0: i32):
    v1 = i64.const 1
    v2 = i32.add v0, v1
    return v2
}
"#,
    )
    .expect("parses");
    module.funcs[2].body = FuncBody::Ir(func);
    match weft_backend::emit_module(&module) {
        Err(weft_backend::BackendError::Invalid { func, offset, message }) => {
            assert!(func.starts_with("func[2]"), "{func}");
            assert!(offset > 0);
            assert!(message.contains("type mismatch"), "{message}");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn a_signature_that_does_not_match_its_type_is_an_error() {
    let original = wat::parse_str(WAT).expect("valid wat");
    let mut module = frontend(&original);
    let func =
        weft_ir::parse_function("function %twice(i64) -> i64 {\nblock0(v0: i64):\n    return v0\n}\n").expect("parses");
    module.funcs[2].body = FuncBody::Ir(func);
    match weft_backend::emit_module(&module) {
        Err(weft_backend::BackendError::Malformed { func, .. }) => assert!(func.starts_with("func[2]"), "{func}"),
        other => panic!("expected a malformed error, got {other:?}"),
    }
}

#[test]
fn an_entry_block_that_heads_a_loop_is_emitted() {
    // The verifier forbids branches to the entry block; the backend copes
    // anyway: the parameters are loop-carried and no zero stores are elided.
    let funcs = common::parse(
        r#"
function %countdown(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.eqz v0
    brif v2, block1, block2
block1:
    return v1
block2:
    v3 = i32.const 1
    v4 = i32.sub v0, v3
    v5 = i32.add v1, v0
    jump block0(v4, v5)
}
"#,
    );
    let bytes = common::build_module(&funcs);
    let mut run = Instance::new(&bytes);
    for n in [0, 1, 5, 100] {
        assert_eq!(run.i32("countdown", &[n, 7]), 7 + (1..=n).sum::<i32>());
    }
}

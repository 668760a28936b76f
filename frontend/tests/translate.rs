//! Hand-written WAT translated to IR, checked against the printed IR: the
//! SSA must have block parameters only where values really merge (trivial
//! ones removed), unreachable code must be gone, and every function must
//! pass the IR verifier.

mod common;

use weft_frontend::{Diagnostic, parse_wat_or_wasm, translate_module};
use weft_ir::verifier::verify_function;
use weft_ir::{ExportKind, FuncBody, FuncRef, Module};

/// Translates `wat`; every IR function must verify.
fn translate(wat: &str) -> (Module, Vec<Diagnostic>) {
    let wasm = parse_wat_or_wasm(wat.as_bytes()).expect("valid WAT");
    let (module, diags) = translate_module(&wasm).expect("translates");
    for f in &module.funcs {
        if let FuncBody::Ir(func) = &f.body {
            if let Err(e) = verify_function(func) {
                panic!("{} fails the verifier: {e:?}\n{}", func.name, func.display());
            }
            let trivial = common::trivial_params(func);
            assert!(trivial.is_empty(), "{} keeps trivial block parameters {trivial:?}", func.name);
        }
    }
    (module, diags)
}

/// The printed IR of every translated function of `wat`, in order.
fn ir(wat: &str) -> String {
    let (module, diags) = translate(wat);
    assert!(diags.is_empty(), "unexpected diagnostics: {diags:?}");
    module
        .funcs
        .iter()
        .map(|f| match &f.body {
            FuncBody::Ir(func) => func.display().to_string(),
            FuncBody::Opaque { reason } => panic!("{} is opaque: {reason}", f.index),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Compares line by line, printing both on mismatch.
fn assert_ir(wat: &str, expected: &str) {
    let got = ir(wat);
    let expected = expected.trim_start_matches('\n');
    assert!(got == expected, "IR mismatch\n--- got ---\n{got}\n--- expected ---\n{expected}");
}

#[test]
fn loop_with_locals_gets_header_params_only_for_changed_locals() {
    assert_ir(
        r#"(module
          (func $sum (param $n i32) (result i32) (local $i i32) (local $acc i32)
            (block $done
              (loop $top
                (br_if $done (i32.ge_s (local.get $i) (local.get $n)))
                (local.set $acc (i32.add (local.get $acc) (local.get $i)))
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br $top)))
            (local.get $acc)))"#,
        r#"
function %sum(i32) -> i32 {
block0(v0: i32):
    v8 = i32.const 0
    jump block1(v8, v8)
block1(v1: i32, v4: i32):
    v3 = i32.ge_s v1, v0
    brif v3, block2, block3
block3:
    v5 = i32.add v4, v1
    v6 = i32.const 1
    v7 = i32.add v1, v6
    jump block1(v7, v5)
block2:
    return v4
}
"#,
    );
}

#[test]
fn loop_invariant_locals_are_not_header_params() {
    assert_ir(
        r#"(module
          (func $invariant (param $n i32) (param $k i32) (result i32) (local $i i32)
            (loop $l
              (local.set $i (i32.add (local.get $i) (local.get $k)))
              (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
            (local.get $i))
          (func $nested_loops (param $n i32) (result i32) (local $i i32) (local $j i32) (local $s i32)
            (loop $outer
              (local.set $j (i32.const 0))
              (loop $inner
                (local.set $s (i32.add (local.get $s) (local.get $j)))
                (local.set $j (i32.add (local.get $j) (i32.const 1)))
                (br_if $inner (i32.lt_u (local.get $j) (local.get $i))))
              (local.set $i (i32.add (local.get $i) (i32.const 1)))
              (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
            (local.get $s)))"#,
        r#"
function %invariant(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v7 = i32.const 0
    jump block1(v7)
block1(v2: i32):
    v4 = i32.add v2, v1
    v6 = i32.lt_u v4, v0
    brif v6, block1(v4), block2
block2:
    return v4
}

function %nested_loops(i32) -> i32 {
block0(v0: i32):
    v16 = i32.const 0
    jump block1(v16, v16)
block1(v9: i32, v10: i32):
    v1 = i32.const 0
    jump block2(v9, v1)
block2(v2: i32, v3: i32):
    v4 = i32.add v2, v3
    v5 = i32.const 1
    v6 = i32.add v3, v5
    v8 = i32.lt_u v6, v10
    brif v8, block2(v4, v6), block3
block3:
    v11 = i32.const 1
    v12 = i32.add v10, v11
    v15 = i32.lt_u v12, v0
    brif v15, block1(v4, v12), block4
block4:
    return v4
}
"#,
    );
}

#[test]
fn loop_with_two_back_edges() {
    assert_ir(
        r#"(module
          (func $continue (param $n i32) (result i32) (local $i i32) (local $odd i32)
            (block $exit
              (loop $l
                (local.set $i (i32.add (local.get $i) (i32.const 1)))
                (br_if $exit (i32.ge_u (local.get $i) (local.get $n)))
                (br_if $l (i32.and (local.get $i) (i32.const 1)))
                (local.set $odd (i32.add (local.get $odd) (i32.const 1)))
                (br $l)))
            (local.get $odd)))"#,
        r#"
function %continue(i32) -> i32 {
block0(v0: i32):
    v11 = i32.const 0
    jump block1(v11, v11)
block1(v1: i32, v8: i32):
    v2 = i32.const 1
    v3 = i32.add v1, v2
    v5 = i32.ge_u v3, v0
    brif v5, block2, block3
block3:
    v6 = i32.const 1
    v7 = i32.and v3, v6
    brif v7, block1(v3, v8), block4
block4:
    v9 = i32.const 1
    v10 = i32.add v8, v9
    jump block1(v3, v10)
block2:
    return v8
}
"#,
    );
}

#[test]
fn if_else_with_results_and_if_without_else() {
    assert_ir(
        r#"(module
          (func $max (param i32 i32) (result i32)
            (if (result i32) (i32.gt_s (local.get 0) (local.get 1))
              (then (local.get 0)) (else (local.get 1))))
          (func $noelse (param i32) (result i32) (local i32)
            (if (local.get 0) (then (local.set 1 (i32.const 5))))
            (local.get 1)))"#,
        r#"
function %max(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.gt_s v0, v1
    brif v2, block1, block2
block1:
    jump block3(v0)
block2:
    jump block3(v1)
block3(v3: i32):
    return v3
}

function %noelse(i32) -> i32 {
block0(v0: i32):
    v3 = i32.const 0
    brif v0, block1, block3(v3)
block1:
    v1 = i32.const 5
    jump block3(v1)
block3(v2: i32):
    return v2
}
"#,
    );
}

#[test]
fn nested_blocks_and_multi_value() {
    assert_ir(
        r#"(module
          (type $pair (func (param i32 i32) (result i32 i32)))
          (func $nested (param i32) (result i32)
            (block $outer (result i32)
              (block $inner
                (br_if $inner (local.get 0))
                (br $outer (i32.const 1)))
              (i32.const 2)))
          (func $swap (param i32 i32) (result i32 i32)
            (local.get 0) (local.get 1)
            (block (type $pair) (param i32 i32) (result i32 i32)
              (local.set 0) (local.set 1) (local.get 0) (local.get 1)))
          (func $loopparams (param i32) (result i32)
            (i32.const 0)
            (loop $l (param i32) (result i32)
              (i32.const 1) (i32.add)
              (local.tee 0 (i32.sub (local.get 0) (i32.const 1)))
              (br_if $l (i32.eqz))))
          (func $ifparams (param i32 i32) (result i32)
            (local.get 1)
            (if (param i32) (result i32) (local.get 0)
              (then (i32.const 1) (i32.add))
              (else (i32.const 2) (i32.mul)))))"#,
        r#"
function %nested(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2
block2:
    v1 = i32.const 1
    jump block3(v1)
block1:
    v3 = i32.const 2
    jump block3(v3)
block3(v2: i32):
    return v2
}

function %swap(i32, i32) -> i32, i32 {
block0(v0: i32, v1: i32):
    return v1, v0
}

function %loopparams(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 0
    jump block1(v1, v0)
block1(v2: i32, v5: i32):
    v3 = i32.const 1
    v4 = i32.add v2, v3
    v6 = i32.const 1
    v7 = i32.sub v5, v6
    v8 = i32.eqz v7
    brif v8, block1(v4, v7), block2
block2:
    return v4
}

function %ifparams(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    brif v0, block1, block2
block1:
    v2 = i32.const 1
    v3 = i32.add v1, v2
    jump block3(v3)
block2:
    v5 = i32.const 2
    v6 = i32.mul v1, v5
    jump block3(v6)
block3(v4: i32):
    return v4
}
"#,
    );
}

#[test]
fn br_table_and_br_if_with_values() {
    assert_ir(
        r#"(module
          (func $table (param i32) (result i32)
            (block $a (result i32)
              (block $b (result i32)
                (block $c (result i32)
                  (i32.const 7) (local.get 0)
                  (br_table $a $b $c $b))
                (i32.const 3) (i32.add))
              (i32.const 4) (i32.add)))
          (func $brifval (param i32) (result i32)
            (block $b (result i32)
              (i32.const 10)
              (br_if $b (local.get 0))
              (drop)
              (i32.const 20))))"#,
        r#"
function %table(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 7
    br_table v0, block1(v1), [block2(v1), block1(v1), block3]
block3:
    v5 = i32.const 3
    v6 = i32.add v1, v5
    jump block1(v6)
block1(v2: i32):
    v7 = i32.const 4
    v8 = i32.add v2, v7
    jump block2(v8)
block2(v3: i32):
    return v3
}

function %brifval(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 10
    brif v0, block1(v1), block2
block2:
    v3 = i32.const 20
    jump block1(v3)
block1(v2: i32):
    return v2
}
"#,
    );
}

#[test]
fn unreachable_code_is_skipped() {
    assert_ir(
        r#"(module
          (func $dead (param i32) (result i32)
            (block $b
              (br $b)
              (block (loop (if (local.get 0) (then (unreachable)) (else (nop)))))
              (local.set 0 (i32.const 9)))
            (if (local.get 0) (then (return (i32.const 1))) (else (unreachable)))
            (i32.const 5)
            (drop)
            (local.get 0))
          (func $retfromnested (param i32) (result i32)
            (block (block (drop (br_if 2 (i32.const 3) (local.get 0)))))
            (block (br 1 (i32.const 4)))
            (i32.const 0)))"#,
        r#"
function %dead(i32) -> i32 {
block0(v0: i32):
    jump block1
block1:
    brif v0, block2, block3
block2:
    v1 = i32.const 1
    return v1
block3:
    trap
}

function %retfromnested(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 3
    brif v0, block1, block2
block2:
    v3 = i32.const 4
    return v3
block1:
    return v1
}
"#,
    );
}

#[test]
fn select_memory_calls_globals() {
    assert_ir(
        r#"(module
          (import "env" "log" (func $log (param i32)))
          (import "env" "g" (global $imported i64))
          (type $bin (func (param i32 i32) (result i32)))
          (memory $m0 1 2)
          (memory $m1 1)
          (table $t 4 funcref)
          (global $counter (mut i32) (i32.const 0))
          (elem (table $t) (i32.const 0) func $add)
          (func $add (type $bin) (i32.add (local.get 0) (local.get 1)))
          (func $mem (param $p i32) (result i32)
            (i32.store offset=8 (local.get $p) (i32.load8_u offset=3 align=1 (local.get $p)))
            (i64.store32 $m1 (local.get $p) (i64.const -1))
            (drop (memory.grow $m1 (memory.size)))
            (memory.copy $m1 $m0 (local.get $p) (i32.const 0) (i32.const 16))
            (i32.load $m1 offset=4 (local.get $p)))
          (func $calls (param i32) (result i32)
            (call $log (local.get 0))
            (call_indirect $t (type $bin) (local.get 0) (i32.const 1) (i32.const 0)))
          (func $globals (result i64)
            (global.set $counter (i32.add (global.get $counter) (i32.const 1)))
            (global.get $imported))
          (func $sel (param i32 f64 f64) (result f64 i32)
            (select (local.get 1) (local.get 2) (local.get 0))
            (select (result i32) (i32.const 1) (i32.const 2) (local.get 0)))
          (func $tail (param i32) (result i32)
            (return_call $add (local.get 0) (i32.const 2)))
          (func $refs (result i32)
            (ref.is_null (table.get $t (i32.const 0)))
            (drop (ref.func $add))))"#,
        r#"
function %add(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.add v0, v1
    return v2
}

function %mem(i32) -> i32 {
    mem0 = memory min=1 max=2
    mem1 = memory min=1

block0(v0: i32):
    v1 = i32.load8_u mem0+3 v0
    i32.store mem0+8 v0, v1
    v2 = i64.const -1
    i64.store32 mem1 v0, v2
    v3 = memory.size mem0
    v4 = memory.grow mem1 v3
    v5 = i32.const 0
    v6 = i32.const 16
    memory.copy mem1 mem0 v0, v5, v6
    v7 = i32.load mem1+4 v0
    return v7
}

function %calls(i32) -> i32 {
    sig0 = (i32, i32) -> i32
    fn0 = "env.log" (i32)
    table0 = table funcref min=4

block0(v0: i32):
    call fn0(v0)
    v1 = i32.const 1
    v2 = i32.const 0
    v3 = call_indirect sig0 table0 v2(v0, v1)
    return v3
}

function %globals() -> i64 {
    gv0 = global i64
    gv1 = global mut i32

block0:
    v0 = global.get gv1
    v1 = i32.const 1
    v2 = i32.add v0, v1
    global.set gv1 v2
    v3 = global.get gv0
    return v3
}

function %sel(i32, f64, f64) -> f64, i32 {
block0(v0: i32, v1: f64, v2: f64):
    v3 = select v1, v2, v0
    v4 = i32.const 1
    v5 = i32.const 2
    v6 = select v4, v5, v0
    return v3, v6
}

function %tail(i32) -> i32 {
    fn1 = "add" (i32, i32) -> i32

block0(v0: i32):
    v1 = i32.const 2
    return_call fn1(v0, v1)
}

function %refs() -> i32 {
    fn1 = "add" (i32, i32) -> i32
    table0 = table funcref min=4

block0:
    v0 = i32.const 0
    v1 = table.get table0 v0
    v2 = ref.is_null v1
    v3 = ref.func fn1
    return v2
}
"#,
    );
}

#[test]
fn declared_locals_start_at_zero_of_their_type() {
    assert_ir(
        r#"(module
          (func $zeros (result i32 i64 f32 f64 v128 funcref externref i32)
            (local i32 i64 f32 f64 v128 funcref externref i32)
            (local.get 0) (local.get 1) (local.get 2) (local.get 3) (local.get 4) (local.get 5) (local.get 6)
            (local.get 7)))"#,
        r#"
function %zeros() -> i32, i64, f32, f64, v128, funcref, externref, i32 {
block0:
    v0 = i32.const 0
    v1 = i64.const 0
    v2 = f32.const 0.0
    v3 = f64.const 0.0
    v4 = v128.const 0x00000000000000000000000000000000
    v5 = ref.null funcref
    v6 = ref.null externref
    return v0, v1, v2, v3, v4, v5, v6, v0
}
"#,
    );
}

#[test]
fn simd_operators() {
    assert_ir(
        r#"(module
          (memory 1 2)
          (func $simd (param v128 i32) (result i32)
            (v128.const i32x4 1 2 3 4)
            (local.get 0)
            (i8x16.shuffle 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31)
            (v128.load8_lane offset=2 5 (local.get 1) (local.get 0))
            (i32x4.add)
            (i8x16.extract_lane_s 3)))"#,
        r#"
function %simd(v128, i32) -> i32 {
    mem0 = memory min=1 max=2

block0(v0: v128, v1: i32):
    v2 = v128.const 0x00000004000000030000000200000001
    v3 = i8x16.shuffle [0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31] v2, v0
    v4 = v128.load8_lane mem0+2 5 v1, v0
    v5 = i32x4.add v3, v4
    v6 = i8x16.extract_lane_s 3 v5
    return v6
}
"#,
    );
}

#[test]
fn unsupported_functions_are_opaque_with_diagnostics() {
    let wat = r#"(module
      (type $s (struct (field i32)))
      (memory 1 1 shared)
      (memory $big i64 1)
      (func $ok (param i32) (result i32) (local.get 0))
      (func $gc (result i32) (struct.get $s 0 (struct.new $s (i32.const 1))))
      (func $atomic (param i32) (result i32) (i32.atomic.load (local.get 0)))
      (func $m64 (param i64) (result i32) (i32.load $big (local.get 0)))
      (func $gcparam (param (ref null $s)))
      (func $anyref_local (local anyref))
      (func $relaxed (param v128 v128) (result v128) (i8x16.relaxed_swizzle (local.get 0) (local.get 1)))
      (func $deadgc (result i32) (return (i32.const 1)) (drop (struct.new $s (i32.const 1))) (i32.const 0)))"#;
    let wasm = parse_wat_or_wasm(wat.as_bytes()).expect("valid WAT");
    let (module, diags) = translate(wat);
    let opaque: Vec<u32> =
        module.funcs.iter().filter(|f| matches!(f.body, FuncBody::Opaque { .. })).map(|f| f.index.as_u32()).collect();
    assert_eq!(opaque, [1, 2, 3, 4, 5, 6], "opaque functions");
    let funcs: Vec<u32> = diags.iter().map(|d| d.func.as_u32()).collect();
    assert_eq!(funcs, [1, 2, 3, 4, 5, 6], "one diagnostic per opaque function");
    let expect = [
        ("StructNew", 0x20u8),
        ("I32AtomicLoad", 0xfe),
        ("I32Load", 0x28),
        ("(type 4)", 0),
        ("anyref", 0),
        ("I8x16RelaxedSwizzle", 0xfd),
    ];
    for (d, (word, prefix)) in diags.iter().zip(expect) {
        assert!(d.message.contains(word), "{d}: expected it to mention {word}");
        if prefix != 0 {
            // The offset points at the operator's first byte (GC ops are 0xfb-prefixed).
            let byte = wasm[d.offset];
            let want = if word == "StructNew" { 0xfb } else { prefix };
            assert_eq!(byte, want, "{d}: offset does not point at the operator");
        }
    }
    let reason = match &module.funcs[1].body {
        FuncBody::Opaque { reason } => reason.clone(),
        FuncBody::Ir(_) => unreachable!(),
    };
    assert!(reason.contains("StructNew") && reason.contains(&format!("{:#x}", diags[0].offset)), "{reason}");
    // The function after an unsupported one, and one with unsupported
    // operators only in dead code, still translate.
    assert!(matches!(module.funcs[0].body, FuncBody::Ir(_)));
    assert!(matches!(module.funcs[7].body, FuncBody::Ir(_)));
    assert_eq!(module.memories[0].map(|m| m.min), Some(1));
    assert_eq!(module.memories[1], None, "memory64 is not modeled");
}

#[test]
fn module_facts_are_recorded() {
    let wat = r#"(module
      (import "env" "f" (func $imp (param i32) (result i32)))
      (import "env" "t" (table 1 externref))
      (import "env" "m" (memory 2))
      (import "env" "g" (global $g (mut f64)))
      (type $unused (func (param i64)))
      (table $ft 3 10 funcref)
      (global $h i32 (i32.const 7))
      (global $fr funcref (ref.func $b))
      (func $a (export "run") (param i32) (result i32) (call $imp (local.get 0)))
      (func $b)
      (func (param i32))
      (elem (table $ft) (i32.const 0) func $a $a)
      (export "mem" (memory 0))
      (export "h" (global $h))
      (start $b))"#;
    let wasm = parse_wat_or_wasm(wat.as_bytes()).expect("valid WAT");
    let (module, _) = translate(wat);
    assert_eq!(module.original, wasm);
    assert_eq!(module.types.len(), 4);
    assert_eq!(module.imported_funcs.len(), 1);
    assert_eq!(module.imported_funcs[0].field, "f");
    let kinds: Vec<(ExportKind, u32)> = module.imports.iter().map(|i| (i.kind, i.index)).collect();
    assert_eq!(
        kinds,
        [(ExportKind::Func, 0), (ExportKind::Table, 0), (ExportKind::Memory, 0), (ExportKind::Global, 0)]
    );
    assert_eq!(module.num_funcs(), 4);
    assert_eq!(module.func_names, ["imp", "a", "b", "f3"]);
    assert_eq!(module.tables.len(), 2);
    assert_eq!(module.tables[1].map(|t| (t.min, t.max)), Some((3, Some(10))));
    assert_eq!(module.memories.len(), 1);
    assert_eq!(module.globals.len(), 3);
    assert!(module.globals[0].is_some_and(|g| g.mutable));
    assert_eq!(module.start, Some(FuncRef::from_u32(2)));
    assert_eq!(module.elem_funcs, [FuncRef::from_u32(1), FuncRef::from_u32(2)]);
    let exports: Vec<(&str, ExportKind, u32)> =
        module.exports.iter().map(|e| (e.name.as_str(), e.kind, e.index)).collect();
    assert_eq!(exports, [("run", ExportKind::Func, 1), ("mem", ExportKind::Memory, 0), ("h", ExportKind::Global, 1)]);
    for f in &module.funcs {
        let body = &wasm[f.original_range.clone()];
        assert_eq!(body.last(), Some(&0x0b), "{}: a body ends with `end`", f.index);
        assert_eq!(wasm[f.original_range.start - 1] as usize, body.len(), "{}: size prefix precedes it", f.index);
    }
    let FuncBody::Ir(a) = &module.funcs[0].body else { panic!("$a is opaque") };
    assert_eq!(a.name, "a");
    let FuncBody::Ir(f3) = &module.funcs[2].body else { panic!("f3 is opaque") };
    assert_eq!(f3.name, "f3");
    assert_eq!(module.func_sig(FuncRef::from_u32(0)).map(|s| s.to_string()), Some("(i32) -> i32".to_string()));
}

/// Long chains of blocks and deep nesting: the SSA builder must not recurse
/// per block, and translation stays fast.
#[test]
fn long_chains_and_deep_nesting() {
    let n = 20_000;
    let mut wat = String::from("(module (func $chain (param i32) (result i32) (local $x i32)\n");
    for i in 0..n {
        wat.push_str(&format!("(if (i32.eq (local.get 0) (i32.const {i})) (then (local.set $x (i32.const {i}))))\n"));
    }
    wat.push_str("(local.get $x))\n(func $deep (param i32) (result i32) (local $y i32)\n");
    let depth = 5_000;
    for _ in 0..depth {
        wat.push_str("(block (br_if 0 (local.get 0))\n");
    }
    wat.push_str("(local.set $y (i32.const 1))");
    for _ in 0..depth {
        wat.push(')');
    }
    wat.push_str("(local.get $y)))");
    let start = std::time::Instant::now();
    let wasm = parse_wat_or_wasm(wat.as_bytes()).expect("valid WAT");
    let (module, diags) = translate_module(&wasm).expect("translates");
    let elapsed = start.elapsed();
    assert!(diags.is_empty());
    let FuncBody::Ir(chain) = &module.funcs[0].body else { panic!("opaque") };
    // One merge block per `if`, each with one parameter for $x.
    let params: usize = chain.layout.blocks().map(|b| chain.dfg.block_params(b).len()).sum();
    assert_eq!(params, 1 + n, "entry parameter plus one $x parameter per merge");
    let FuncBody::Ir(deep) = &module.funcs[1].body else { panic!("opaque") };
    let params: usize = deep.layout.blocks().map(|b| deep.dfg.block_params(b).len()).sum();
    assert_eq!(params, 1 + depth, "entry parameter plus one $y parameter per merge");
    println!("translated {} bytes in {elapsed:?}", wasm.len());
}

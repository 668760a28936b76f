//! The fuzz targets: a `wasm-smith` module built from fuzzer bytes goes
//! through weft — the round trip alone ([`roundtrip`], [`WeftRoundtrip`]) or
//! the whole `-O2` pipeline ([`optimize_o2`], [`WeftOptimize`]) — the output
//! is validated, and both modules run under wasmtime with the same
//! deterministic calls to every exported function ([`Harness::compare`]).
//!
//! The translation-validation target ([`pass_tv`]) takes the functions of
//! such a module to IR and sweeps every registered pass and every pipeline
//! over them ([`crate::sweep`]): the verifier, canonical text, idempotence,
//! the interpreter before and after, and the Z3 refinement check of each
//! change. A counterexample is a pass bug; a panic anywhere is a bug.
//!
//! [`vector_loops`] generates loops of the shape `loop-vectorize` takes
//! (random element types, operations, trip counts and overlapping
//! buffers) and compares them after `-O2` the same way.
//!
//! This module owns the `wasm-smith` configuration that matches weft's
//! feature set ([`smith_config`]) and the bodies shared by the cargo-fuzz
//! targets (`fuzz/fuzz_targets/{roundtrip,optimize,pass_tv}.rs`) and the
//! `fuzz_smoke` test. Any disagreement is a panic: that is what a fuzzer
//! detects.

use std::sync::OnceLock;

use weft_ir::FuncBody;

use crate::sweep::{self, CorpusFunction, SweepOptions};
use crate::wasmtime_harness::{Harness, Transform, WeftOptimize, WeftRoundtrip, validate};

/// Fuel every wasmtime call of the original gets.
pub const HARNESS_FUEL: u64 = 1_000_000;

/// Fuel `wasm-smith`'s termination global starts with: each loop iteration
/// and function entry costs one unit, and running out traps the same way in
/// both modules.
pub const SMITH_FUEL: u32 = 1_000;

/// Argument seeds for [`Harness::probe_calls`].
pub const PROBE_SEEDS: [i64; 2] = [0, 7];

/// The `wasm-smith` configuration for weft's feature set: wasm 2.0 (simd,
/// bulk memory, reference types, multi-value, sign extension, saturating
/// conversions) plus tail calls and multi-memory; no GC, exceptions,
/// threads, memory64, relaxed simd, custom page sizes, wide arithmetic or
/// extended constants. Generated code does not trap (`disallow_traps`) and
/// every item is exported.
pub fn smith_config() -> wasm_smith::Config {
    wasm_smith::Config {
        simd_enabled: true,
        bulk_memory_enabled: true,
        reference_types_enabled: true,
        multi_value_enabled: true,
        tail_call_enabled: true,
        saturating_float_to_int_enabled: true,
        sign_extension_ops_enabled: true,
        max_memories: 2,
        max_tables: 2,
        gc_enabled: false,
        exceptions_enabled: false,
        threads_enabled: false,
        shared_everything_threads_enabled: false,
        memory64_enabled: false,
        relaxed_simd_enabled: false,
        custom_page_sizes_enabled: false,
        wide_arithmetic_enabled: false,
        extended_const_enabled: false,
        compact_imports_enabled: false,
        custom_descriptors_enabled: false,
        allow_invalid_funcs: false,
        disallow_traps: true,
        export_everything: true,
        min_funcs: 1,
        max_funcs: 8,
        max_instructions: 200,
        max_memory32_bytes: 4 << 16,
        max_table_elements: 1_000,
        ..wasm_smith::Config::default()
    }
}

/// The shared harness (creating a wasmtime engine per input would dominate
/// the run time).
fn harness() -> &'static Harness {
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    HARNESS.get_or_init(|| Harness::new(Some(HARNESS_FUEL)).unwrap_or_else(|e| panic!("cannot create harness: {e}")))
}

/// Builds a module from `data` and checks weft's round trip on it: the
/// transform succeeds, its output validates under weft's features, and
/// original and output agree on every exported function called with
/// [`PROBE_SEEDS`] arguments (results, traps, host calls, exported globals,
/// tables and memories). Panics with the failing stage and the module's
/// size on any disagreement; returns quietly when `wasm-smith` cannot build
/// a module from `data` or the original falls outside weft's features.
/// Returns whether the module was checked (`false` for those early returns).
pub fn roundtrip(data: &[u8]) -> bool {
    check(data, "round trip", &|bytes| WeftRoundtrip::new().apply(bytes))
}

/// Like [`roundtrip`], through the whole `-O2` pipeline (the facade `weft
/// opt -O2` uses, structural verifier after every pass, no Z3: the
/// differential execution is the check; a function the verifier rejects
/// after a pass is a failure, see [`WeftOptimize`]).
pub fn optimize_o2(data: &[u8]) -> bool {
    check(data, "-O2", &|bytes| WeftOptimize::new(weft::OptLevel::O2).apply(bytes))
}

/// Like [`optimize_o2`] at `-Os`: the size-preferring switch lowering and
/// the backend's size-preferring encoding (`EmitOptions::prefer_size`).
pub fn optimize_os(data: &[u8]) -> bool {
    check(data, "-Os", &|bytes| WeftOptimize::new(weft::OptLevel::Os).apply(bytes))
}

/// Builds a module from `data` and sweeps every registered pass and every
/// pipeline over the functions weft translates to IR ([`crate::sweep`],
/// with the refinement check of every change under the sweep's Z3
/// resource limit). Panics listing the failures: a function the verifier
/// rejects after a pass, output that is not canonical, a pass that is not
/// idempotent, a difference under the interpreter, or a counterexample.
/// `Unknown` and bounded verdicts are not failures (the sweep counts them).
/// Returns whether any function was swept.
pub fn pass_tv(data: &[u8]) -> bool {
    let Some(original) = smith_module(data) else { return false };
    let (module, _) = weft_frontend::translate_module(&original)
        .unwrap_or_else(|e| panic!("the frontend rejects a valid {}-byte module: {e}", original.len()));
    let corpus: Vec<CorpusFunction> = module
        .funcs
        .into_iter()
        .filter_map(|f| match f.body {
            FuncBody::Ir(func) => Some(CorpusFunction { name: format!("%{}", func.name), func }),
            FuncBody::Opaque { .. } => None,
        })
        .collect();
    if corpus.is_empty() {
        return false;
    }
    let options = SweepOptions { refine: true, check: sweep::check_options() };
    let summary = sweep::sweep(&corpus, &sweep::subjects(), &options);
    if !summary.failures.is_empty() {
        panic!(
            "pass-tv: {} failures on a {}-byte module:\n{}",
            summary.failures.len(),
            original.len(),
            summary.failures.join("\n")
        );
    }
    true
}

/// The `wasm-smith` module built from `data` (with its termination fuel),
/// if it builds and validates under weft's features.
fn smith_module(data: &[u8]) -> Option<Vec<u8>> {
    let mut u = arbitrary::Unstructured::new(data);
    let mut module = wasm_smith::Module::new(smith_config(), &mut u).ok()?;
    module.ensure_termination(SMITH_FUEL).ok()?;
    let bytes = module.to_bytes();
    validate(&bytes).ok()?;
    Some(bytes)
}

/// The body of the fuzz targets: `transform` named `what`.
fn check(data: &[u8], what: &str, transform: &Transform<'_>) -> bool {
    let Some(original) = smith_module(data) else { return false };
    let transformed =
        transform(&original).unwrap_or_else(|e| panic!("{what} failed on a valid {}-byte module: {e}", original.len()));
    if let Err(e) = validate(&transformed) {
        panic!("{what} output is invalid ({} bytes in, {} out): {e}", original.len(), transformed.len());
    }
    let harness = harness();
    let calls = harness
        .probe_calls(&original, &PROBE_SEEDS)
        .unwrap_or_else(|e| panic!("original ({} bytes) does not compile under wasmtime: {e}", original.len()));
    if let Err(diff) = harness.compare(&original, &transformed, &calls) {
        panic!("{what} changed behaviour ({} bytes, {} calls):\n{diff}", original.len(), calls.len());
    }
    true
}

/// A loop `loop-vectorize` can take, in the shape a C compiler leaves:
/// pointers stepping by the element size, a down-counter tested after the
/// body, a map (`out[i] = f(a[i], b[i])`) or a reduction (`acc = acc op
/// f(a[i], b[i])`). `data` picks the element type (u8, i16, i32, f32), the
/// operations, the trip count (0, 1, around the vector factor and the
/// interleaved trip, or up to 300) and where the three buffers start, so
/// that output and inputs may overlap at any distance. The module, with a
/// `test()` export that fills memory and runs the loop, is returned as WAT.
pub fn vector_loop_wat(data: &[u8]) -> String {
    let mut u = arbitrary::Unstructured::new(data);
    let mut pick = |n: u32| -> u32 { u.int_in_range(0..=n.saturating_sub(1)).unwrap_or(0) };
    let (size, load, store, ty) = match pick(4) {
        0 => (1, "i32.load8_u", "i32.store8", "i32"),
        1 => (2, "i32.load16_s", "i32.store16", "i32"),
        2 => (4, "i32.load", "i32.store", "i32"),
        _ => (4, "f32.load", "f32.store", "f32"),
    };
    let vf = 16 / size;
    let interleaved = vf * weft_passes::loop_vectorize::INTERLEAVE;
    let trips = match pick(8) {
        0 => 0,
        1 => 1,
        2 => vf - 1,
        3 => vf + 1,
        4 => interleaved - 1,
        5 => interleaved,
        6 => interleaved + 1,
        _ => pick(300),
    };
    // Buffers in 8 KiB of memory: the output may start anywhere near the
    // inputs, before or after, overlapping or not.
    let a = 1024 + size * pick(64);
    let b = 3072 + size * pick(64);
    let out = match pick(3) {
        0 => a,
        1 => (a + size * pick(48)).saturating_sub(size * 24),
        _ => 5120 + size * pick(16),
    };
    let int_ops = ["i32.add", "i32.sub", "i32.xor", "i32.and", "i32.or", "i32.mul"];
    let float_ops = ["f32.add", "f32.sub", "f32.mul", "f32.min"];
    let ops: &[&str] = if ty == "f32" { &float_ops } else { &int_ops };
    let op = ops[pick(ops.len() as u32) as usize];
    let mut x = format!("({op} ({load} (local.get $a)) ({load} (local.get $b)))");
    if ty == "i32" && pick(2) == 0 {
        // A compare and a select, or a shift by a constant.
        x = match pick(3) {
            0 => format!("(select (i32.const -32) (i32.const 0) (i32.lt_u {x} (i32.const 26)))"),
            1 => format!("(i32.shl {x} (i32.const {}))", pick(12)),
            _ => format!("(i32.shr_u {x} (i32.const {}))", pick(12)),
        };
    }
    let reduce = pick(3) == 0;
    let step = |p: &str| format!("(local.set ${p} (i32.add (local.get ${p}) (i32.const {size})))");
    let body = if reduce {
        let r = if ty == "f32" { "f32.add" } else { ["i32.add", "i32.xor", "i32.or"][pick(3) as usize] };
        format!("(local.set $acc ({r} (local.get $acc) {x}))")
    } else {
        format!("({store} (local.get $out) {x})")
    };
    format!(
        r#"(module
  (memory (export "memory") 1)
  (func $kernel (param $out i32) (param $a i32) (param $b i32) (param $n i32) (result {ty})
    (local $acc {ty})
    (if (i32.lt_s (local.get $n) (i32.const 1)) (then (return (local.get $acc))))
    (loop $l
      {body}
      {sa} {sb} {so}
      (br_if $l (local.tee $n (i32.add (local.get $n) (i32.const -1)))))
    (local.get $acc))
  (func (export "test") (result {ty})
    (local $i i32) (local $h i32)
    (local.set $h (i32.const {seed}))
    (loop $fill
      (local.set $h (i32.add (i32.mul (local.get $h) (i32.const 1664525)) (i32.const 1013904223)))
      (i32.store8 (local.get $i) (i32.shr_u (local.get $h) (i32.const 24)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $fill (i32.lt_u (local.get $i) (i32.const 8192))))
    (call $kernel (i32.const {out}) (i32.const {a}) (i32.const {b}) (i32.const {trips}))))
"#,
        sa = step("a"),
        sb = step("b"),
        so = step("out"),
        seed = pick(1 << 20),
    )
}

/// Builds [`vector_loop_wat`]'s module from `data`, optimizes it with `-O2`
/// and compares the two under wasmtime (the result of `test()` and the
/// exported memory). Panics on a difference. Returns whether a module was
/// checked (always, unless weft cannot read its own generated text).
pub fn vector_loops(data: &[u8]) -> bool {
    let wat = vector_loop_wat(data);
    let Ok(original) = weft_frontend::parse_wat_or_wasm(wat.as_bytes()) else { return false };
    let transformed = WeftOptimize::new(weft::OptLevel::O2)
        .apply(&original)
        .unwrap_or_else(|e| panic!("-O2 failed on a vectorizable loop: {e}\n{wat}"));
    if let Err(e) = validate(&transformed) {
        panic!("-O2 output is invalid: {e}\n{wat}");
    }
    let calls = vec![crate::wasmtime_harness::Call::new("test", Vec::new())];
    if let Err(diff) = harness().compare(&original, &transformed, &calls) {
        panic!("-O2 changed a vectorizable loop's behaviour:\n{diff}\n{wat}");
    }
    true
}

/// Does `-O2` vectorize [`vector_loop_wat`]'s loop for `data` (a `v128`
/// load in the output)? For the smoke test's check that the generator
/// mostly makes loops the pass takes.
pub fn vector_loop_is_vectorized(data: &[u8]) -> bool {
    let wat = vector_loop_wat(data);
    let Ok(original) = weft_frontend::parse_wat_or_wasm(wat.as_bytes()) else { return false };
    let Ok(out) = WeftOptimize::new(weft::OptLevel::O2).apply(&original) else { return false };
    let Ok((module, _)) = weft_frontend::translate_module(&out) else { return false };
    module.funcs.iter().any(|f| match &f.body {
        FuncBody::Ir(func) => func
            .layout
            .blocks()
            .any(|b| func.layout.block_insts(b).any(|i| func.dfg.insts[i].opcode() == weft_ir::Opcode::V128Load)),
        FuncBody::Opaque { .. } => false,
    })
}

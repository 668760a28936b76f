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

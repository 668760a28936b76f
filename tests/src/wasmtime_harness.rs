//! Differential execution under wasmtime: the oracle that says whether a
//! transformed module behaves like its original.
//!
//! This module owns:
//! - the transform under test ([`Transform`]: wasm bytes in, wasm bytes out),
//!   the [`identity`] transform, weft's round trip ([`WeftRoundtrip`]:
//!   `weft_frontend::translate_module` then `weft_backend::emit_module`) and
//!   weft's optimization pipeline ([`WeftOptimize`]: `-O2` by default,
//!   through `weft::optimize_core_module`, the code path of `weft opt -O2`);
//! - the feature set weft supports ([`weft_features`]: wasm 2.0 — MVP,
//!   mutable globals, sign extension, saturating conversions, multi-value,
//!   bulk memory, reference types, simd128 — plus tail calls and
//!   multi-memory) and the wasmtime engines configured with exactly that set
//!   ([`engine`]);
//! - running a module under wasmtime ([`Harness::run`]): every import is
//!   satisfied (the `spectest` host module, a [`MockHost`] for other function
//!   imports, fresh default memories/tables/globals for the rest), calls are
//!   made in order, and the [`Outcome`] records each call's results or trap,
//!   every call the module made to its imports, the final value of every
//!   exported global, the size of every exported table and a hash of every
//!   exported memory;
//! - comparing two outcomes ([`Harness::compare`], [`Outcome::diff`]) into a
//!   readable [`Diff`].
//!
//! # Value equivalence
//!
//! wasm leaves NaN payloads nondeterministic, so two float results are equal
//! when their bits are equal **or both are NaN**. A `v128` result has no type
//! beyond its bits, so two `v128` values are equal when their bits are equal,
//! or when, viewed as `f32x4`, every lane is bitwise equal or NaN in both, or
//! when the same holds viewed as `f64x2`. (An integer vector whose lanes
//! happen to be distinct NaN patterns in one of those views is therefore
//! also accepted: the harness cannot know the lane interpretation.)
//! Function references compare by nullness and signature (two instances
//! never share functions); external references by their host payload.
//! Memories compare by size and by FNV-1a hashes of every 64 KiB page.
//!
//! # Determinism
//!
//! NaN canonicalization is off (the NaN rule above makes it unnecessary).
//! Fuel bounds every call when the harness is created with a budget: a call
//! that runs out of fuel in the original makes the rest of the comparison
//! inconclusive (reported, not hidden); the transformed module gets
//! [`TRANSFORMED_FUEL_FACTOR`] times the budget, so running out of fuel there
//! while the original finished is a difference.
//!
//! # Verification mode of [`WeftOptimize`]
//!
//! The pipeline runs with [`weft::VerifyMode::Off`], like `weft opt -O2`
//! without `--verify`: the IR's structural verifier checks every function
//! after every pass, Z3 is not called. Refinement checking of every function
//! of the spec testsuite and of sightglass would take far longer than a CI
//! run allows; there, executing every assertion (every program) against the
//! optimized module is the differential check. A function the structural
//! verifier rejects after a pass is a pass bug: the facade restores the
//! function and reports it, and [`WeftOptimize::apply`] turns that report
//! into an error, so the module counts as failed.
//!
//! It owns no compiler logic: weft's crates are only called through
//! [`WeftRoundtrip`] and [`WeftOptimize`].

use std::any::Any;
use std::collections::BTreeMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

use wasmtime::{
    AsContext, AsContextMut, Config, Engine, ExternRef, ExternType, Func, FuncType, Global, GlobalType, HeapType,
    Instance, Linker, Memory, MemoryType, Module, Mutability, Ref, RefType, Store, Table, TableType, Trap, V128, Val,
    ValType,
};

/// The transform under test: wasm bytes in, wasm bytes (or a message) out.
pub type Transform<'a> = dyn Fn(&[u8]) -> Result<Vec<u8>, String> + Sync + 'a;

/// The identity transform: returns its input.
pub fn identity(bytes: &[u8]) -> Result<Vec<u8>, String> {
    Ok(bytes.to_vec())
}

/// Runs `transform` on `bytes`, turning a panic into an `Err` that says so.
pub fn apply_transform(transform: &Transform<'_>, bytes: &[u8]) -> Result<Vec<u8>, String> {
    match catch_unwind(AssertUnwindSafe(|| transform(bytes))) {
        Ok(result) => result,
        Err(payload) => Err(format!("PANIC: {}", panic_message(payload.as_ref()))),
    }
}

/// The message of a caught panic.
pub fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "(non-string panic payload)".to_string()
    }
}

/// weft's round trip, `emit_module(translate_module(bytes)?.0)`, counting
/// the functions it translated and the functions the frontend kept opaque.
#[derive(Debug, Default)]
pub struct WeftRoundtrip {
    functions: AtomicUsize,
    opaque: AtomicUsize,
}

impl WeftRoundtrip {
    /// A round trip with zeroed counters.
    pub fn new() -> Self {
        Self::default()
    }

    /// Translates `bytes` to IR and writes it back to wasm. Errors carry the
    /// frontend's or backend's message (with its byte offset / function).
    pub fn apply(&self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        let (module, _diagnostics) = weft_frontend::translate_module(bytes).map_err(|e| format!("frontend: {e}"))?;
        let opaque = module.funcs.iter().filter(|f| matches!(f.body, weft_ir::FuncBody::Opaque { .. })).count();
        self.functions.fetch_add(module.funcs.len(), Ordering::Relaxed);
        self.opaque.fetch_add(opaque, Ordering::Relaxed);
        weft_backend::emit_module(&module).map_err(|e| format!("backend: {e}"))
    }

    /// Defined functions seen so far (over every successful translation).
    pub fn functions(&self) -> usize {
        self.functions.load(Ordering::Relaxed)
    }

    /// Functions the frontend kept opaque so far.
    pub fn opaque_functions(&self) -> usize {
        self.opaque.load(Ordering::Relaxed)
    }
}

/// weft's optimization pipeline as `weft opt -O<level>` runs it
/// (`weft::optimize_core_module`; the structural verifier after every pass,
/// no Z3 — see the module docs), with the output validated under
/// [`weft_features`]. Entities a module pass removes are re-checked by the
/// module check (`weft::module_check`) after that pass, always. Counts the functions it optimized and the functions
/// the frontend kept opaque, and sums the pass reports of every module it
/// optimized.
#[derive(Debug)]
pub struct WeftOptimize {
    config: weft::Config,
    functions: AtomicUsize,
    report: Mutex<weft::Report>,
}

impl Default for WeftOptimize {
    /// The `-O2` pipeline.
    fn default() -> Self {
        Self::new(weft::OptLevel::O2)
    }
}

impl WeftOptimize {
    /// The pipeline of `level`, with zeroed counters.
    pub fn new(level: weft::OptLevel) -> Self {
        let config =
            weft::Config { opt_level: level, passes: None, verify: weft::VerifyMode::Off, ..Default::default() };
        WeftOptimize { config, functions: AtomicUsize::new(0), report: Mutex::new(weft::Report::default()) }
    }

    /// The facade configuration it runs.
    pub fn config(&self) -> &weft::Config {
        &self.config
    }

    /// Optimizes the core module `bytes`. Errors: the facade's (invalid
    /// input, backend failure), a function the structural verifier rejected
    /// after a pass (a pass bug, named with the pass and the function), a
    /// removal the module check rejects, or output that does not validate.
    pub fn apply(&self, bytes: &[u8]) -> Result<Vec<u8>, String> {
        // Every module pass's edits are checked, whatever the verify mode;
        // a failed check undoes them and is an event that reverted something.
        let manager = weft::manager(&self.config)
            .map_err(|e| format!("weft opt: {e}"))?
            .with_module_edit_check(weft::module_edit_check(&self.config));
        let (out, report) =
            weft::optimize_core_module_with(bytes, &self.config, &manager, &mut weft_passes::manager::NoHook)
                .map_err(|e| format!("weft opt: {e}"))?;
        // An event that did not revert anything is information (what a
        // module pass removed, what the module check established), not a bug.
        let pass_bugs: Vec<String> = report
            .events
            .iter()
            .filter(|e| e.reverted)
            .map(|e| format!("pass `{}` on %{}: {}", e.pass, e.function, e.message))
            .collect();
        self.functions.fetch_add(defined_functions(&out), Ordering::Relaxed);
        self.report.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).merge(report);
        if !pass_bugs.is_empty() {
            return Err(format!("weft opt: {} pass bug(s): {}", pass_bugs.len(), pass_bugs.join("; ")));
        }
        validate(&out).map_err(|e| format!("weft opt: output {e}"))?;
        Ok(out)
    }

    /// Defined functions of every module the facade accepted so far.
    pub fn functions(&self) -> usize {
        self.functions.load(Ordering::Relaxed)
    }

    /// Functions the frontend kept opaque (skipped by every pass), over
    /// every module the facade accepted so far.
    pub fn opaque_functions(&self) -> usize {
        self.report.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).opaque_functions
    }

    /// The pass reports of every module the facade accepted so far, merged
    /// (per-pass totals in pipeline order; events appended).
    pub fn report(&self) -> weft::Report {
        self.report.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone()
    }

    /// A table of the merged report (`weft opt --stats`'s table: per pass,
    /// the functions it changed, the instructions before and after it, its
    /// time summed over every function, the refinement outcomes and
    /// reverts), then the pass-bug count.
    pub fn pass_table(&self) -> String {
        let report = self.report();
        let mut s = weft::stats_table(&report);
        let bugs = report.events.iter().filter(|e| e.reverted).count();
        s.push_str(&format!("pass bugs (functions the structural verifier rejected): {bugs}\n"));
        s
    }
}

/// The number of functions defined in the core module `bytes` (0 if it has
/// no code section or does not parse).
pub fn defined_functions(bytes: &[u8]) -> usize {
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload {
            Ok(wasmparser::Payload::CodeSectionStart { count, .. }) => return count as usize,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    0
}

/// The wasm features weft supports, as `wasmparser` (the workspace version)
/// spells them: wasm 2.0, tail calls, multi-memory.
pub fn weft_features() -> wasmparser::WasmFeatures {
    use wasmparser::WasmFeatures as F;
    F::WASM2 | F::MULTI_MEMORY | F::TAIL_CALL
}

/// Validates `bytes` as a core module under [`weft_features`]; the error
/// names the byte offset.
pub fn validate(bytes: &[u8]) -> Result<(), String> {
    wasmparser::Validator::new_with_features(weft_features())
        .validate_all(bytes)
        .map(|_| ())
        .map_err(|e| format!("invalid at offset {:#x}: {}", e.offset(), e.message()))
}

/// Validates `bytes` with every feature `wasmparser` knows.
pub fn validate_all_features(bytes: &[u8]) -> Result<(), String> {
    wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
        .validate_all(bytes)
        .map(|_| ())
        .map_err(|e| format!("invalid at offset {:#x}: {}", e.offset(), e.message()))
}

/// How an [`engine`] bounds execution.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Limits {
    /// No bound.
    #[default]
    None,
    /// Fuel (deterministic; the budget is set per call on the store).
    Fuel,
    /// Epoch interruption (for long programs; the caller ticks the epoch).
    Epoch,
}

/// Maximum wasm stack of every engine: 1 MiB. Threads that run wasm need a
/// larger native stack (see [`run_on_big_stack`]).
pub const MAX_WASM_STACK: usize = 1 << 20;

/// A wasmtime engine with exactly weft's feature set (plus wasmtime's
/// `GC_TYPES` pseudo-feature, which non-null `externref` values need at run
/// time; it admits no new syntax without the GC proposal).
pub fn engine(limits: Limits) -> Result<Engine, String> {
    use wasmtime::WasmFeatures as F;
    let mut config = Config::new();
    config.wasm_features(F::all(), false);
    config.wasm_features(F::WASM2 | F::MULTI_MEMORY | F::TAIL_CALL | F::GC_TYPES, true);
    config.cranelift_nan_canonicalization(false);
    config.max_wasm_stack(MAX_WASM_STACK);
    match limits {
        Limits::None => {}
        Limits::Fuel => {
            config.consume_fuel(true);
            config.operator_cost(operator_cost());
        }
        Limits::Epoch => {
            config.epoch_interruption(true);
        }
    }
    Engine::new(&config).map_err(|e| format!("cannot create the wasmtime engine: {e:#}"))
}

/// wasmtime's default fuel costs, except that bulk operations cost the same
/// whatever their length: by default `memory.copy` & co. charge per byte
/// before their bounds check, so a trapping 4 GiB copy would exhaust any
/// budget instead of trapping.
fn operator_cost() -> wasmtime::OperatorCost {
    let mut cost = wasmtime::OperatorCost::new();
    cost.variable = wasmtime::VariableOperatorCost {
        memory_copy_per_byte: 0,
        memory_fill_per_byte: 0,
        memory_init_per_byte: 0,
        memory_grow_per_page: 0,
        table_copy_per_element: 0,
        table_fill_per_element: 0,
        table_init_per_element: 0,
        table_grow_per_element: 0,
        array_copy_per_element: 0,
        array_fill_per_element: 0,
        array_new_data_per_element: 0,
        array_init_data_per_element: 0,
        array_new_elem_per_element: 0,
        array_init_elem_per_element: 0,
        array_new_default_per_element: 0,
        array_new_per_element: 0,
    };
    cost
}

/// Runs `f` on a new thread with a 32 MiB stack (wasmtime needs native
/// stack beyond [`MAX_WASM_STACK`]) and returns its result; a panic in `f`
/// is propagated.
pub fn run_on_big_stack<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> R {
    let handle =
        std::thread::Builder::new().stack_size(32 << 20).spawn(f).expect("cannot spawn a thread for wasm execution");
    match handle.join() {
        Ok(r) => r,
        Err(payload) => std::panic::resume_unwind(payload),
    }
}

/// A wasm value, comparable across two instances (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum WasmValue {
    /// `i32`.
    I32(i32),
    /// `i64`.
    I64(i64),
    /// `f32`, as bits.
    F32(u32),
    /// `f64`, as bits.
    F64(u64),
    /// `v128`, as bits (lane 0 in the low bits).
    V128(u128),
    /// `funcref`: `None` for null, else the function's signature.
    FuncRef(Option<String>),
    /// `externref`: `None` for null, else the host payload (a `u32`; other
    /// payloads read as `u32::MAX`).
    ExternRef(Option<u32>),
}

impl WasmValue {
    /// Whether `self` and `other` are the same value under the harness's
    /// equivalence (NaN ≅ NaN; see the module docs for `v128`).
    pub fn equivalent(&self, other: &WasmValue) -> bool {
        match (self, other) {
            (WasmValue::F32(a), WasmValue::F32(b)) => f32_same(*a, *b),
            (WasmValue::F64(a), WasmValue::F64(b)) => f64_same(*a, *b),
            (WasmValue::V128(a), WasmValue::V128(b)) => v128_same(*a, *b),
            _ => self == other,
        }
    }

    /// The zero (or null) value of `ty`, if it has one the harness models.
    pub fn zero(ty: &ValType) -> Option<WasmValue> {
        Some(match ty {
            ValType::I32 => WasmValue::I32(0),
            ValType::I64 => WasmValue::I64(0),
            ValType::F32 => WasmValue::F32(0),
            ValType::F64 => WasmValue::F64(0),
            ValType::V128 => WasmValue::V128(0),
            ValType::Ref(r) if r.heap_type().is_extern() => WasmValue::ExternRef(None),
            ValType::Ref(r) if r.heap_type().is_func() => WasmValue::FuncRef(None),
            ValType::Ref(_) => return None,
        })
    }

    /// Converts to a wasmtime value in `store` (creating the `externref`).
    pub fn to_val(&self, mut store: impl AsContextMut) -> Result<Val, String> {
        Ok(match self {
            WasmValue::I32(v) => Val::I32(*v),
            WasmValue::I64(v) => Val::I64(*v),
            WasmValue::F32(v) => Val::F32(*v),
            WasmValue::F64(v) => Val::F64(*v),
            WasmValue::V128(v) => Val::V128(V128::from(*v)),
            WasmValue::FuncRef(None) => Val::FuncRef(None),
            WasmValue::FuncRef(Some(sig)) => {
                return Err(format!("cannot pass a non-null funcref ({sig}) from the host"));
            }
            WasmValue::ExternRef(None) => Val::ExternRef(None),
            WasmValue::ExternRef(Some(n)) => Val::ExternRef(Some(
                ExternRef::new(&mut store, *n).map_err(|e| format!("cannot create externref {n}: {e:#}"))?,
            )),
        })
    }

    /// Reads a wasmtime value from `store`.
    pub fn from_val(val: &Val, store: impl AsContext) -> Result<WasmValue, String> {
        Ok(match val {
            Val::I32(v) => WasmValue::I32(*v),
            Val::I64(v) => WasmValue::I64(*v),
            Val::F32(v) => WasmValue::F32(*v),
            Val::F64(v) => WasmValue::F64(*v),
            Val::V128(v) => WasmValue::V128(v.as_u128()),
            Val::FuncRef(None) => WasmValue::FuncRef(None),
            Val::FuncRef(Some(f)) => WasmValue::FuncRef(Some(func_type_text(&f.ty(&store)))),
            Val::ExternRef(None) => WasmValue::ExternRef(None),
            Val::ExternRef(Some(r)) => {
                let data = r.data(store.as_context()).map_err(|e| format!("cannot read externref: {e:#}"))?;
                let n = data.and_then(|d| d.downcast_ref::<u32>().copied()).unwrap_or(u32::MAX);
                WasmValue::ExternRef(Some(n))
            }
            other => return Err(format!("value outside weft's feature set: {other:?}")),
        })
    }
}

impl fmt::Display for WasmValue {
    /// `i32:5`, `f32:0x7fc00000`, `v128:0x…`, `funcref:null`, `externref:3`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WasmValue::I32(v) => write!(f, "i32:{v}"),
            WasmValue::I64(v) => write!(f, "i64:{v}"),
            WasmValue::F32(v) => write!(f, "f32:{}({v:#010x})", f32::from_bits(*v)),
            WasmValue::F64(v) => write!(f, "f64:{}({v:#018x})", f64::from_bits(*v)),
            WasmValue::V128(v) => write!(f, "v128:{v:#034x}"),
            WasmValue::FuncRef(None) => write!(f, "funcref:null"),
            WasmValue::FuncRef(Some(sig)) => write!(f, "funcref:{sig}"),
            WasmValue::ExternRef(None) => write!(f, "externref:null"),
            WasmValue::ExternRef(Some(n)) => write!(f, "externref:{n}"),
        }
    }
}

fn f32_same(a: u32, b: u32) -> bool {
    a == b || (f32::from_bits(a).is_nan() && f32::from_bits(b).is_nan())
}

fn f64_same(a: u64, b: u64) -> bool {
    a == b || (f64::from_bits(a).is_nan() && f64::from_bits(b).is_nan())
}

fn v128_same(a: u128, b: u128) -> bool {
    a == b
        || (0..4).all(|i| f32_same((a >> (32 * i)) as u32, (b >> (32 * i)) as u32))
        || (0..2).all(|i| f64_same((a >> (64 * i)) as u64, (b >> (64 * i)) as u64))
}

fn values_text(values: &[WasmValue]) -> String {
    let items: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    format!("[{}]", items.join(", "))
}

fn func_type_text(ty: &FuncType) -> String {
    let params: Vec<String> = ty.params().map(|t| t.to_string()).collect();
    let results: Vec<String> = ty.results().map(|t| t.to_string()).collect();
    format!("({}) -> ({})", params.join(", "), results.join(", "))
}

/// One call of an exported function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Call {
    /// The export's name.
    pub export: String,
    /// The arguments.
    pub args: Vec<WasmValue>,
}

impl Call {
    /// A call of `export` with `args`.
    pub fn new(export: &str, args: Vec<WasmValue>) -> Self {
        Call { export: export.to_string(), args }
    }
}

impl fmt::Display for Call {
    /// `name(i32:1, i32:2)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let args: Vec<String> = self.args.iter().map(|v| v.to_string()).collect();
        write!(f, "{}({})", self.export, args.join(", "))
    }
}

/// Why a call or an instantiation did not complete.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// A wasm trap, by wasmtime's trap message
    /// (`integer divide by zero`, `out of bounds memory access`, ...).
    Trap(String),
    /// Any other error (link error, missing export, host error).
    Error(String),
}

impl Failure {
    /// Classifies a wasmtime error.
    pub fn from_error(e: &wasmtime::Error) -> Failure {
        match e.downcast_ref::<Trap>() {
            Some(trap) => Failure::Trap(trap.to_string()),
            None => Failure::Error(format!("{e:#}")),
        }
    }

    fn is_out_of_fuel(&self) -> bool {
        *self == Failure::Trap(Trap::OutOfFuel.to_string())
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Trap(m) => write!(f, "trap: {m}"),
            Failure::Error(m) => write!(f, "error: {m}"),
        }
    }
}

/// One call the module made to an import.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostCall {
    /// Import module name.
    pub module: String,
    /// Import field name.
    pub field: String,
    /// Arguments.
    pub args: Vec<WasmValue>,
    /// [`memory_hash`] of the caller's exported `memory` at the call, if
    /// any (only for the first [`TRACE_LIMIT`] calls).
    pub memory_hash: Option<u64>,
}

impl HostCall {
    fn equivalent(&self, other: &HostCall) -> bool {
        self.module == other.module
            && self.field == other.field
            && self.memory_hash == other.memory_hash
            && self.args.len() == other.args.len()
            && self.args.iter().zip(&other.args).all(|(a, b)| a.equivalent(b))
    }
}

impl fmt::Display for HostCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let args: Vec<String> = self.args.iter().map(|v| v.to_string()).collect();
        write!(f, "{}.{}({})", self.module, self.field, args.join(", "))?;
        if let Some(h) = self.memory_hash {
            write!(f, " [memory {h:#018x}]")?;
        }
        Ok(())
    }
}

/// The behaviour of function imports that nothing else defines. One value
/// per run; it sees every call (in order) and writes the results.
pub trait MockHost: Send {
    /// Handles a call of `module.field` with `args`; `memory` is the
    /// caller's exported `memory`, if any. Fill `results` (pre-set to
    /// zeros) or return an error, which becomes a trap-like failure.
    fn call(
        &mut self,
        module: &str,
        field: &str,
        args: &[WasmValue],
        results: &mut [WasmValue],
        memory: Option<&mut [u8]>,
    ) -> Result<(), String>;
}

/// The default [`MockHost`]: every import returns zeros (null references).
#[derive(Clone, Copy, Debug, Default)]
pub struct ZeroHost;

impl MockHost for ZeroHost {
    fn call(
        &mut self,
        _module: &str,
        _field: &str,
        _args: &[WasmValue],
        _results: &mut [WasmValue],
        _memory: Option<&mut [u8]>,
    ) -> Result<(), String> {
        Ok(())
    }
}

/// How many import calls per call (and per instantiation) are recorded in
/// full, with a hash of memory; later calls only feed
/// [`HostTrace::digest`] (name and arguments, no memory hash), so that a
/// loop making millions of import calls stays cheap.
pub const TRACE_LIMIT: usize = 4096;

/// The import calls made during one call (or one instantiation).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct HostTrace {
    /// The first [`TRACE_LIMIT`] calls, in order.
    pub calls: Vec<HostCall>,
    /// How many calls were made in all.
    pub count: u64,
    /// A digest of every call's module, field and arguments (NaNs
    /// canonicalized; `v128` lanes as `f32x4`).
    pub digest: u64,
}

impl HostTrace {
    fn record(&mut self, call: HostCall) {
        self.count += 1;
        let mut bytes = Vec::with_capacity(64);
        bytes.extend_from_slice(call.module.as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(call.field.as_bytes());
        bytes.push(0);
        for a in &call.args {
            match a {
                WasmValue::I32(v) => bytes.extend_from_slice(&v.to_le_bytes()),
                WasmValue::I64(v) => bytes.extend_from_slice(&v.to_le_bytes()),
                WasmValue::F32(v) => bytes.extend_from_slice(&canonical_f32(*v).to_le_bytes()),
                WasmValue::F64(v) => {
                    let v = if f64::from_bits(*v).is_nan() { 0x7ff8_0000_0000_0000 } else { *v };
                    bytes.extend_from_slice(&v.to_le_bytes())
                }
                WasmValue::V128(v) => {
                    for i in 0..4 {
                        bytes.extend_from_slice(&canonical_f32((*v >> (32 * i)) as u32).to_le_bytes());
                    }
                }
                other => bytes.extend_from_slice(other.to_string().as_bytes()),
            }
            bytes.push(0xff);
        }
        self.digest = fnv1a64(&bytes) ^ self.digest.rotate_left(5).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        if self.calls.len() < TRACE_LIMIT {
            self.calls.push(call);
        }
    }

    fn equivalent(&self, other: &HostTrace) -> bool {
        self.count == other.count
            && self.digest == other.digest
            && self.calls.len() == other.calls.len()
            && self.calls.iter().zip(&other.calls).all(|(a, b)| a.equivalent(b))
    }
}

fn canonical_f32(bits: u32) -> u32 {
    if f32::from_bits(bits).is_nan() { 0x7fc0_0000 } else { bits }
}

/// Store data of a [`Harness`] run.
pub struct HostState {
    host: Box<dyn MockHost>,
    trace: HostTrace,
    limits: wasmtime::StoreLimits,
}

/// The most bytes one linear memory may grow to in the harness: a
/// `memory.grow` past it returns -1, the same in the original and the
/// transformed module (a generated module may ask for gigabytes).
pub const MAX_MEMORY_BYTES: usize = 1 << 30;

/// The most elements one table may grow to in the harness (like
/// [`MAX_MEMORY_BYTES`]; a `table.grow` of a billion elements would
/// allocate gigabytes).
pub const MAX_TABLE_ELEMENTS: usize = 1 << 20;

impl HostState {
    /// State with `host`, an empty trace, and the harness's memory and
    /// table limits ([`MAX_MEMORY_BYTES`], [`MAX_TABLE_ELEMENTS`]).
    pub fn new(host: Box<dyn MockHost>) -> Self {
        let limits = wasmtime::StoreLimitsBuilder::new()
            .memory_size(MAX_MEMORY_BYTES)
            .table_elements(MAX_TABLE_ELEMENTS)
            .build();
        HostState { host, trace: HostTrace::default(), limits }
    }

    /// The import calls recorded so far.
    pub fn trace(&self) -> &HostTrace {
        &self.trace
    }
}

/// 64-bit FNV-1a.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h
}

/// A fast 64-bit hash of a memory image: FNV-1a's scheme over 8-byte words
/// (the tail bytes one by one), then the length.
pub fn memory_hash(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let words = bytes.chunks_exact(8);
    let tail = words.remainder();
    for w in words {
        let w = u64::from_le_bytes([w[0], w[1], w[2], w[3], w[4], w[5], w[6], w[7]]);
        h = (h ^ w).wrapping_mul(0x0000_0100_0000_01b3);
        h ^= h >> 29;
    }
    for b in tail {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3);
    }
    (h ^ bytes.len() as u64).wrapping_mul(0x0000_0100_0000_01b3)
}

/// A summary of a linear memory's contents.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemoryImage {
    /// Size in bytes.
    pub len: usize,
    /// [`memory_hash`] of each 64 KiB page, in order.
    pub page_hashes: Vec<u64>,
}

impl MemoryImage {
    /// Summarizes `data`.
    pub fn of(data: &[u8]) -> Self {
        MemoryImage { len: data.len(), page_hashes: data.chunks(1 << 16).map(memory_hash).collect() }
    }

    /// A hash of the whole memory.
    pub fn hash(&self) -> u64 {
        let bytes: Vec<u8> = self.page_hashes.iter().flat_map(|h| h.to_le_bytes()).collect();
        fnv1a64(&bytes)
    }
}

/// The outcome of one call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CallOutcome {
    /// The call.
    pub call: Call,
    /// Results, or why there are none.
    pub result: Result<Vec<WasmValue>, Failure>,
    /// The import calls made during the call.
    pub host_calls: HostTrace,
}

/// Everything observable about one run of a module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Whether instantiation (segments, start function) succeeded.
    pub instantiation: Result<(), Failure>,
    /// Import calls made during instantiation (by the start function).
    pub start_host_calls: HostTrace,
    /// One entry per call made (none if instantiation failed).
    pub calls: Vec<CallOutcome>,
    /// Final value of every exported global, by export name.
    pub globals: BTreeMap<String, WasmValue>,
    /// Final size (elements) of every exported table, by export name.
    pub tables: BTreeMap<String, u64>,
    /// Final contents of every exported memory, by export name.
    pub memories: BTreeMap<String, MemoryImage>,
}

/// A readable list of differences between two [`Outcome`]s.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diff {
    /// One line per difference.
    pub differences: Vec<String>,
    /// A note when part of the comparison was inconclusive (fuel).
    pub inconclusive: Option<String>,
    /// How many calls were compared (all of them unless inconclusive).
    pub calls_compared: usize,
}

impl Diff {
    /// Whether no difference was found.
    pub fn is_empty(&self) -> bool {
        self.differences.is_empty()
    }
}

impl fmt::Display for Diff {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.differences {
            writeln!(f, "  - {d}")?;
        }
        if let Some(note) = &self.inconclusive {
            writeln!(f, "  (inconclusive: {note})")?;
        }
        Ok(())
    }
}

fn result_text(r: &Result<Vec<WasmValue>, Failure>) -> String {
    match r {
        Ok(v) => format!("returned {}", values_text(v)),
        Err(f) => f.to_string(),
    }
}

fn results_equivalent(a: &Result<Vec<WasmValue>, Failure>, b: &Result<Vec<WasmValue>, Failure>) -> bool {
    match (a, b) {
        (Ok(x), Ok(y)) => x.len() == y.len() && x.iter().zip(y).all(|(p, q)| p.equivalent(q)),
        (Err(x), Err(y)) => x == y,
        _ => false,
    }
}

fn trace_diff(what: &str, ta: &HostTrace, tb: &HostTrace, out: &mut Vec<String>) {
    if ta.equivalent(tb) {
        return;
    }
    let (a, b) = (&ta.calls, &tb.calls);
    if let Some(i) = (0..a.len().max(b.len())).find(|&i| match (a.get(i), b.get(i)) {
        (Some(x), Some(y)) => !x.equivalent(y),
        _ => true,
    }) {
        let show = |c: Option<&HostCall>| c.map_or("(no call)".to_string(), |c| c.to_string());
        out.push(format!(
            "{what}: import call #{i} differs: original {}, transformed {} ({} vs {} calls)",
            show(a.get(i)),
            show(b.get(i)),
            ta.count,
            tb.count
        ));
    } else {
        out.push(format!(
            "{what}: import calls differ after the first {} recorded: original made {} (digest {:#018x}), transformed {} (digest {:#018x})",
            a.len(),
            ta.count,
            ta.digest,
            tb.count,
            tb.digest
        ));
    }
}

impl Outcome {
    /// Every trap of the outcome as the same trap (see
    /// [`Harness::ignoring_trap_kinds`]); out of fuel stays what it is.
    fn erase_trap_kinds(&mut self) {
        let erase = |f: &mut Failure| {
            if matches!(f, Failure::Trap(_)) && !f.is_out_of_fuel() {
                *f = Failure::Trap("a trap (its kind is not compared)".into());
            }
        };
        if let Err(f) = &mut self.instantiation {
            erase(f);
        }
        for c in &mut self.calls {
            if let Err(f) = &mut c.result {
                erase(f);
            }
        }
    }

    /// Differences between `self` (the original) and `other` (the
    /// transformed run). A call that ran out of fuel in the original ends
    /// the comparison there (final state is then not compared).
    pub fn diff(&self, other: &Outcome) -> Diff {
        let mut d = Diff::default();
        if self.instantiation != other.instantiation {
            let show = |r: &Result<(), Failure>| match r {
                Ok(()) => "succeeded".to_string(),
                Err(f) => f.to_string(),
            };
            d.differences.push(format!(
                "instantiation: original {}, transformed {}",
                show(&self.instantiation),
                show(&other.instantiation)
            ));
        }
        trace_diff("instantiation", &self.start_host_calls, &other.start_host_calls, &mut d.differences);
        for (i, a) in self.calls.iter().enumerate() {
            if matches!(&a.result, Err(f) if f.is_out_of_fuel()) {
                d.inconclusive = Some(format!("call #{i} `{}` ran out of fuel in the original", a.call));
                return d;
            }
            let Some(b) = other.calls.get(i) else { break };
            d.calls_compared += 1;
            if !results_equivalent(&a.result, &b.result) {
                d.differences.push(format!(
                    "call #{i} `{}`: original {}, transformed {}",
                    a.call,
                    result_text(&a.result),
                    result_text(&b.result)
                ));
            }
            trace_diff(&format!("call #{i} `{}`", a.call), &a.host_calls, &b.host_calls, &mut d.differences);
        }
        if self.calls.len() != other.calls.len() {
            d.differences.push(format!(
                "number of calls made: original {}, transformed {}",
                self.calls.len(),
                other.calls.len()
            ));
        }
        diff_maps("global", &self.globals, &other.globals, |a, b| a.equivalent(b), &mut d.differences);
        diff_maps("table size", &self.tables, &other.tables, |a, b| a == b, &mut d.differences);
        for (name, a) in &self.memories {
            match other.memories.get(name) {
                None => d.differences.push(format!("memory `{name}`: missing in transformed")),
                Some(b) if a != b => {
                    let page = (0..a.page_hashes.len().max(b.page_hashes.len()))
                        .find(|&p| a.page_hashes.get(p) != b.page_hashes.get(p))
                        .unwrap_or(0);
                    d.differences.push(format!(
                        "memory `{name}`: original {} bytes (hash {:#018x}), transformed {} bytes (hash {:#018x}); first difference in bytes {:#x}..{:#x}",
                        a.len,
                        a.hash(),
                        b.len,
                        b.hash(),
                        page << 16,
                        (page + 1) << 16
                    ));
                }
                Some(_) => {}
            }
        }
        for name in other.memories.keys().filter(|n| !self.memories.contains_key(*n)) {
            d.differences.push(format!("memory `{name}`: only in transformed"));
        }
        d
    }
}

fn diff_maps<V: fmt::Debug>(
    what: &str,
    a: &BTreeMap<String, V>,
    b: &BTreeMap<String, V>,
    same: impl Fn(&V, &V) -> bool,
    out: &mut Vec<String>,
) {
    for (name, x) in a {
        match b.get(name) {
            None => out.push(format!("{what} `{name}`: missing in transformed")),
            Some(y) if !same(x, y) => out.push(format!("{what} `{name}`: original {x:?}, transformed {y:?}")),
            Some(_) => {}
        }
    }
    for name in b.keys().filter(|n| !a.contains_key(*n)) {
        out.push(format!("{what} `{name}`: only in transformed"));
    }
}

/// Defines the `spectest` host module in `linker`: `print*` functions
/// (no-ops), `global_i32` = 666, `global_i64` = 666, `global_f32` = 666.6,
/// `global_f64` = 666.6, `table` (10..20 funcref), `memory` (1..2 pages).
pub fn define_spectest<T: 'static>(linker: &mut Linker<T>, store: &mut Store<T>) -> Result<(), String> {
    let err = |e: wasmtime::Error| format!("cannot define spectest: {e:#}");
    let engine = store.engine().clone();
    let prints: [(&str, &[ValType]); 7] = [
        ("print", &[]),
        ("print_i32", &[ValType::I32]),
        ("print_i64", &[ValType::I64]),
        ("print_f32", &[ValType::F32]),
        ("print_f64", &[ValType::F64]),
        ("print_i32_f32", &[ValType::I32, ValType::F32]),
        ("print_f64_f64", &[ValType::F64, ValType::F64]),
    ];
    for (name, params) in prints {
        let ty = FuncType::new(&engine, params.iter().cloned(), []);
        linker.func_new("spectest", name, ty, |_, _, _| Ok(())).map_err(err)?;
    }
    let globals = [
        ("global_i32", ValType::I32, Val::I32(666)),
        ("global_i64", ValType::I64, Val::I64(666)),
        ("global_f32", ValType::F32, Val::F32(666.6f32.to_bits())),
        ("global_f64", ValType::F64, Val::F64(666.6f64.to_bits())),
    ];
    for (name, ty, val) in globals {
        let g = Global::new(&mut *store, GlobalType::new(ty, Mutability::Const), val).map_err(err)?;
        linker.define(&mut *store, "spectest", name, g).map_err(err)?;
    }
    let table =
        Table::new(&mut *store, TableType::new(RefType::FUNCREF, 10, Some(20)), Ref::Func(None)).map_err(err)?;
    linker.define(&mut *store, "spectest", "table", table).map_err(err)?;
    let memory = Memory::new(&mut *store, MemoryType::new(1, Some(2))).map_err(err)?;
    linker.define(&mut *store, "spectest", "memory", memory).map_err(err)?;
    Ok(())
}

/// Defines, for every import of `module` that `linker` cannot satisfy, a
/// stand-in: functions call the store's [`MockHost`] and are recorded;
/// memories, tables and globals are fresh with their minimum size / zero
/// value.
pub fn define_missing_imports(
    linker: &mut Linker<HostState>,
    store: &mut Store<HostState>,
    module: &Module,
) -> Result<(), String> {
    let imports: Vec<_> = module.imports().collect();
    for import in imports {
        if linker.get_by_import(&mut *store, &import).is_some() {
            continue;
        }
        let (m, n) = (import.module().to_string(), import.name().to_string());
        let err = |e: wasmtime::Error| format!("cannot define import {m}.{n}: {e:#}");
        match import.ty() {
            ExternType::Func(ty) => {
                let (module_name, field) = (m.clone(), n.clone());
                let result_types: Vec<ValType> = ty.results().collect();
                linker
                    .func_new(&m, &n, ty, move |mut caller, params, results| {
                        let args = params
                            .iter()
                            .map(|v| WasmValue::from_val(v, &caller))
                            .collect::<Result<Vec<_>, _>>()
                            .map_err(wasmtime::Error::msg)?;
                        let mut outs = result_types
                            .iter()
                            .map(|t| {
                                WasmValue::zero(t)
                                    .ok_or_else(|| wasmtime::Error::msg(format!("cannot produce a {t} result")))
                            })
                            .collect::<Result<Vec<_>, _>>()?;
                        let memory = caller.get_export("memory").and_then(|e| e.into_memory());
                        let full = caller.data().trace.calls.len() < TRACE_LIMIT;
                        let memory_hash = memory.filter(|_| full).map(|mem| memory_hash(mem.data(&caller)));
                        caller.data_mut().trace.record(HostCall {
                            module: module_name.clone(),
                            field: field.clone(),
                            args: args.clone(),
                            memory_hash,
                        });
                        let (data, state) = match memory {
                            Some(mem) => {
                                let (d, s) = mem.data_and_store_mut(&mut caller);
                                (Some(d), s)
                            }
                            None => (None, caller.data_mut()),
                        };
                        state.host.call(&module_name, &field, &args, &mut outs, data).map_err(wasmtime::Error::msg)?;
                        for (slot, v) in results.iter_mut().zip(&outs) {
                            *slot = match v {
                                WasmValue::I32(x) => Val::I32(*x),
                                WasmValue::I64(x) => Val::I64(*x),
                                WasmValue::F32(x) => Val::F32(*x),
                                WasmValue::F64(x) => Val::F64(*x),
                                WasmValue::V128(x) => Val::V128(V128::from(*x)),
                                WasmValue::FuncRef(None) => Val::FuncRef(None),
                                WasmValue::ExternRef(None) => Val::ExternRef(None),
                                other => {
                                    return Err(wasmtime::Error::msg(format!("mock host cannot return {other}")));
                                }
                            };
                        }
                        Ok(())
                    })
                    .map_err(err)?;
            }
            ExternType::Memory(ty) => {
                let mem = Memory::new(&mut *store, ty).map_err(err)?;
                linker.define(&mut *store, &m, &n, mem).map_err(err)?;
            }
            ExternType::Table(ty) => {
                let init = Ref::null(ty.element().heap_type());
                let table = Table::new(&mut *store, ty, init).map_err(err)?;
                linker.define(&mut *store, &m, &n, table).map_err(err)?;
            }
            ExternType::Global(ty) => {
                let zero = WasmValue::zero(ty.content())
                    .ok_or_else(|| format!("import {m}.{n}: no zero value for {}", ty.content()))?;
                let val = zero.to_val(&mut *store)?;
                let g = Global::new(&mut *store, ty, val).map_err(err)?;
                linker.define(&mut *store, &m, &n, g).map_err(err)?;
            }
            other => return Err(format!("import {m}.{n}: unsupported kind {other:?}")),
        }
    }
    Ok(())
}

/// How many times the original's fuel budget the transformed run gets.
pub const TRANSFORMED_FUEL_FACTOR: u64 = 4;

/// Runs modules under wasmtime and compares their outcomes.
pub struct Harness {
    engine: Engine,
    fuel: Option<u64>,
    trap_kinds: bool,
}

impl Harness {
    /// A harness; with `fuel`, every call (and the instantiation) of the
    /// original gets that budget.
    pub fn new(fuel: Option<u64>) -> Result<Self, String> {
        let limits = if fuel.is_some() { Limits::Fuel } else { Limits::None };
        Ok(Harness { engine: engine(limits)?, fuel, trap_kinds: true })
    }

    /// The same harness, except that [`Harness::compare`] takes any two
    /// traps as the same outcome, whatever wasmtime calls them. The
    /// refinement semantics (`design/VERIFICATION.md`) observes that a
    /// call traps, and the state then, not which trap it is: a pass that
    /// replaces a trapping `call_indirect` by `unreachable` is correct.
    pub fn ignoring_trap_kinds(&self) -> Harness {
        Harness { engine: self.engine.clone(), fuel: self.fuel, trap_kinds: false }
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Instantiates `bytes` and makes `calls` in order; an error means the
    /// module does not compile (or the host could not be set up).
    pub fn run(
        &self,
        bytes: &[u8],
        calls: &[Call],
        host: Box<dyn MockHost>,
        fuel: Option<u64>,
    ) -> Result<Outcome, String> {
        let module = Module::new(&self.engine, bytes).map_err(|e| format!("does not compile: {e:#}"))?;
        let mut store = Store::new(&self.engine, HostState::new(host));
        store.limiter(|state| &mut state.limits);
        let mut linker = Linker::new(&self.engine);
        let set_fuel = |store: &mut Store<HostState>| -> Result<(), String> {
            match fuel {
                Some(f) => store.set_fuel(f).map_err(|e| format!("cannot set fuel: {e:#}")),
                None => Ok(()),
            }
        };
        define_spectest(&mut linker, &mut store)?;
        define_missing_imports(&mut linker, &mut store, &module)?;
        set_fuel(&mut store)?;
        let mut outcome = Outcome {
            instantiation: Ok(()),
            start_host_calls: HostTrace::default(),
            calls: Vec::new(),
            globals: BTreeMap::new(),
            tables: BTreeMap::new(),
            memories: BTreeMap::new(),
        };
        let instance = linker.instantiate(&mut store, &module);
        outcome.start_host_calls = std::mem::take(&mut store.data_mut().trace);
        let instance = match instance {
            Ok(i) => i,
            Err(e) => {
                outcome.instantiation = Err(Failure::from_error(&e));
                return Ok(outcome);
            }
        };
        for call in calls {
            set_fuel(&mut store)?;
            let result = call_export(&mut store, &instance, call);
            let host_calls = std::mem::take(&mut store.data_mut().trace);
            outcome.calls.push(CallOutcome { call: call.clone(), result, host_calls });
        }
        snapshot_exports(&mut store, &instance, &mut outcome)?;
        Ok(outcome)
    }

    /// Runs `original` and `transformed` with the same calls (each with a
    /// fresh host from `host`) and returns the original's outcome, or the
    /// differences. An original that does not compile is an error too.
    pub fn compare_with_host(
        &self,
        original: &[u8],
        transformed: &[u8],
        calls: &[Call],
        host: &dyn Fn() -> Box<dyn MockHost>,
    ) -> Result<(Outcome, Diff), Diff> {
        let fail = |m: String| Diff { differences: vec![m], inconclusive: None, calls_compared: 0 };
        let a = self.run(original, calls, host(), self.fuel).map_err(|e| fail(format!("original: {e}")))?;
        // A call that exhausts the original's fuel ends the comparison: the
        // transformed module does not run it (nor anything after it).
        let conclusive =
            a.calls.iter().position(|c| matches!(&c.result, Err(f) if f.is_out_of_fuel())).unwrap_or(calls.len());
        let b = self
            .run(transformed, &calls[..conclusive], host(), self.fuel.map(|f| f * TRANSFORMED_FUEL_FACTOR))
            .map_err(|e| fail(format!("transformed: {e}")))?;
        let (mut a, mut b) = (a, b);
        if !self.trap_kinds {
            a.erase_trap_kinds();
            b.erase_trap_kinds();
        }
        let d = a.diff(&b);
        if d.is_empty() { Ok((a, d)) } else { Err(d) }
    }

    /// [`Harness::compare_with_host`] with the [`ZeroHost`].
    pub fn compare(&self, original: &[u8], transformed: &[u8], calls: &[Call]) -> Result<(Outcome, Diff), Diff> {
        self.compare_with_host(original, transformed, calls, &|| Box::new(ZeroHost))
    }

    /// Deterministic probe calls for every exported function of `bytes`:
    /// `_initialize` first (once, if exported), then each other exported
    /// function (in export order) once per argument seed. Arguments are
    /// derived from the seed per parameter type; functions with reference
    /// parameters get null references.
    pub fn probe_calls(&self, bytes: &[u8], seeds: &[i64]) -> Result<Vec<Call>, String> {
        let module = Module::new(&self.engine, bytes).map_err(|e| format!("does not compile: {e:#}"))?;
        let mut calls = Vec::new();
        let funcs: Vec<(String, FuncType)> = module
            .exports()
            .filter_map(|e| match e.ty() {
                ExternType::Func(f) => Some((e.name().to_string(), f)),
                _ => None,
            })
            .collect();
        if let Some((name, _)) = funcs.iter().find(|(n, ty)| n == "_initialize" && ty.params().len() == 0) {
            calls.push(Call::new(name, Vec::new()));
        }
        for (name, ty) in funcs.iter().filter(|(n, _)| n != "_initialize") {
            for (k, seed) in seeds.iter().enumerate() {
                let args = ty.params().enumerate().map(|(j, t)| seeded_value(&t, *seed, j)).collect::<Option<Vec<_>>>();
                if let Some(args) = args {
                    calls.push(Call::new(name, args));
                }
                if ty.params().len() == 0 && k == 0 {
                    break;
                }
            }
        }
        Ok(calls)
    }
}

fn seeded_value(ty: &ValType, seed: i64, position: usize) -> Option<WasmValue> {
    let v = seed.wrapping_add(position as i64 * 0x9E37);
    Some(match ty {
        ValType::I32 => WasmValue::I32(v as i32),
        ValType::I64 => WasmValue::I64(v),
        ValType::F32 => WasmValue::F32((v as f32).to_bits()),
        ValType::F64 => WasmValue::F64((v as f64).to_bits()),
        ValType::V128 => WasmValue::V128((v as u128).wrapping_mul(0x0101_0101_0101_0101_0101)),
        other => return WasmValue::zero(other),
    })
}

/// Calls `call.export` on `instance`; a missing export or wrong arity is a
/// [`Failure::Error`].
pub fn call_export<T: 'static>(
    store: &mut Store<T>,
    instance: &Instance,
    call: &Call,
) -> Result<Vec<WasmValue>, Failure> {
    let func: Func = instance
        .get_func(&mut *store, &call.export)
        .ok_or_else(|| Failure::Error(format!("no exported function `{}`", call.export)))?;
    let ty = func.ty(&*store);
    if ty.params().len() != call.args.len() {
        return Err(Failure::Error(format!(
            "`{}` takes {} arguments, {} given",
            call.export,
            ty.params().len(),
            call.args.len()
        )));
    }
    let args =
        call.args.iter().map(|a| a.to_val(&mut *store)).collect::<Result<Vec<_>, _>>().map_err(Failure::Error)?;
    let mut results: Vec<Val> = ty.results().map(|t| Val::default_for_ty(&t).unwrap_or(Val::I32(0))).collect();
    func.call(&mut *store, &args, &mut results).map_err(|e| Failure::from_error(&e))?;
    results.iter().map(|v| WasmValue::from_val(v, &*store)).collect::<Result<_, _>>().map_err(Failure::Error)
}

fn snapshot_exports<T: 'static>(
    store: &mut Store<T>,
    instance: &Instance,
    outcome: &mut Outcome,
) -> Result<(), String> {
    let exports: Vec<(String, wasmtime::Extern)> =
        instance.exports(&mut *store).map(|e| (e.name().to_string(), e.into_extern())).collect();
    for (name, ext) in exports {
        match ext {
            wasmtime::Extern::Global(g) => {
                let v = g.get(&mut *store);
                outcome.globals.insert(name, WasmValue::from_val(&v, &*store)?);
            }
            wasmtime::Extern::Memory(m) => {
                outcome.memories.insert(name, MemoryImage::of(m.data(&*store)));
            }
            wasmtime::Extern::Table(t) => {
                outcome.tables.insert(name, t.size(&*store));
            }
            _ => {}
        }
    }
    Ok(())
}

/// Whether `ty`'s heap type is `func`-like or `extern`-like, for building
/// null references (`None` for other hierarchies).
pub fn null_ref_for(heap: &HeapType) -> Option<WasmValue> {
    if heap.is_extern() {
        Some(WasmValue::ExternRef(None))
    } else if heap.is_func() {
        Some(WasmValue::FuncRef(None))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wat(text: &str) -> Vec<u8> {
        wat::parse_str(text).expect("test WAT parses")
    }

    #[test]
    fn nan_equivalence() {
        assert!(WasmValue::F32(0x7fc0_0000).equivalent(&WasmValue::F32(0xffc0_0001)));
        assert!(!WasmValue::F32(0x7fc0_0000).equivalent(&WasmValue::F32(0)));
        assert!(!WasmValue::F32(0x8000_0000).equivalent(&WasmValue::F32(0)));
        assert!(WasmValue::F64(0x7ff8_0000_0000_0000).equivalent(&WasmValue::F64(0x7ff0_0000_0000_0001)));
        let nan4 = 0x7fc0_0000_7fc0_0000_7fc0_0000_7fc0_0000u128;
        let nan4b = 0xffc0_0000_7fc0_0001_7fc0_0000_7fc0_0000u128;
        assert!(WasmValue::V128(nan4).equivalent(&WasmValue::V128(nan4b)));
        assert!(!WasmValue::V128(nan4).equivalent(&WasmValue::V128(nan4 ^ 1 << 64 ^ 0x7fc0_0000 << 64)));
        assert!(!WasmValue::V128(1).equivalent(&WasmValue::V128(2)));
    }

    const MODULE: &str = r#"(module
        (import "env" "log" (func $log (param i32)))
        (memory (export "memory") 1)
        (global $g (export "g") (mut i32) (i32.const 0))
        (func (export "div") (param i32 i32) (result i32)
            (call $log (local.get 0))
            (global.set $g (i32.add (global.get $g) (i32.const 1)))
            (i32.store (i32.const 16) (local.get 1))
            (i32.div_s (local.get 0) (local.get 1)))
        (func (export "fnan") (result f32) (f32.div (f32.const 0) (f32.const 0)))
        (func (export "spin") (loop (br 0))))"#;

    #[test]
    fn identical_modules_agree() {
        let h = Harness::new(Some(1_000_000)).unwrap();
        let bytes = wat(MODULE);
        let calls = vec![
            Call::new("div", vec![WasmValue::I32(7), WasmValue::I32(2)]),
            Call::new("div", vec![WasmValue::I32(7), WasmValue::I32(0)]),
            Call::new("fnan", vec![]),
        ];
        let (outcome, diff) = h.compare(&bytes, &bytes, &calls).unwrap();
        assert!(diff.is_empty());
        assert_eq!(outcome.calls[0].result, Ok(vec![WasmValue::I32(3)]));
        assert_eq!(outcome.calls[1].result, Err(Failure::Trap(Trap::IntegerDivisionByZero.to_string())));
        assert_eq!(outcome.calls[0].host_calls.count, 1);
        assert_eq!(outcome.globals["g"], WasmValue::I32(2));
    }

    #[test]
    fn differences_are_reported() {
        let h = Harness::new(Some(1_000_000)).unwrap();
        let a = wat(MODULE);
        let b = wat(&MODULE.replace("i32.div_s", "i32.div_u").replace("(i32.const 16)", "(i32.const 20)"));
        let calls = vec![Call::new("div", vec![WasmValue::I32(-8), WasmValue::I32(2)])];
        let diff = h.compare(&a, &b, &calls).unwrap_err();
        let text = diff.to_string();
        assert!(text.contains("call #0 `div(i32:-8, i32:2)`"), "{text}");
        assert!(text.contains("memory `memory`"), "{text}");
        let c = wat(&MODULE.replace("(call $log (local.get 0))", "(call $log (local.get 1))"));
        let text = h.compare(&a, &c, &calls).unwrap_err().to_string();
        assert!(text.contains("import call #0 differs"), "{text}");
    }

    #[test]
    fn fuel_bounds_loops() {
        let h = Harness::new(Some(100_000)).unwrap();
        let bytes = wat(MODULE);
        let calls = vec![Call::new("spin", vec![]), Call::new("fnan", vec![])];
        let (outcome, diff) = h.compare(&bytes, &bytes, &calls).unwrap();
        assert!(diff.inconclusive.is_some());
        assert!(outcome.calls[0].result.as_ref().unwrap_err().is_out_of_fuel());
    }

    #[test]
    fn probes_cover_exports() {
        let h = Harness::new(None).unwrap();
        let calls = h.probe_calls(&wat(MODULE), &[0, 5]).unwrap();
        let names: Vec<&str> = calls.iter().map(|c| c.export.as_str()).collect();
        assert_eq!(names, ["div", "div", "fnan", "spin"]);
    }

    #[test]
    fn weft_optimize_runs_the_o2_pipeline() {
        let original = wat(r#"(module
            (func (export "f") (param i32) (result i32)
                (if (result i32) (i32.eq (i32.const 3) (i32.const 3))
                    (then (i32.add (local.get 0) (i32.const 1)))
                    (else (i32.mul (local.get 0) (i32.const 7))))))"#);
        let o2 = WeftOptimize::default();
        assert_eq!(o2.config().opt_level, weft::OptLevel::O2);
        let out = o2.apply(&original).unwrap();
        assert!(validate(&out).is_ok());
        assert!(out.len() < original.len(), "the constant branch is folded: {} -> {} bytes", original.len(), out.len());
        assert_eq!(o2.functions(), 1);
        let report = o2.report();
        let names: Vec<&str> = report.passes.iter().map(|p| p.name).collect();
        assert_eq!(names, weft_passes::pipelines::pipeline_names(weft::OptLevel::O2));
        assert!(report.passes.iter().any(|p| p.functions_changed == 1));
        assert!(o2.pass_table().contains("sccp"));
        let h = Harness::new(Some(1_000_000)).unwrap();
        let calls = h.probe_calls(&original, &[0, -1, 41]).unwrap();
        h.compare(&original, &out, &calls).unwrap();
        let invalid = wat("(module (func (result i32) (i64.const 0)))");
        assert!(o2.apply(&invalid).is_err());
        assert!(o2.apply(b"not wasm").is_err());
    }

    #[test]
    fn feature_set_rejects_gc() {
        let gc = wat("(module (type (struct)))");
        assert!(validate(&gc).is_err());
        assert!(Module::validate(&engine(Limits::None).unwrap(), &gc).is_err());
        let simd = wat("(module (func (result v128) (v128.const i32x4 1 2 3 4)))");
        assert!(validate(&simd).is_ok());
        assert!(Module::validate(&engine(Limits::None).unwrap(), &simd).is_ok());
    }
}

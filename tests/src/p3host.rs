//! The mock Component Model async ("P3") host of `../shared/corpus/p3` and
//! the driver that runs one corpus case under wasmtime.
//!
//! This module owns:
//! - the mock host state ([`MockState`]) and its data generator, exactly as
//!   the "Mock host contract" of `corpus/p3/README.md` defines them;
//! - the mapping from an import's (module, name) to a mock behaviour
//!   ([`Behaviour::resolve`]): canonical `[stream-read-N]` / `[stream-write-N]`
//!   / `[stream-new-N]` / drops / `[future-read-N]` / `[async-lower]get` /
//!   `[task-return]`, the `$root` builtins and the `pulseengine:async`
//!   host-intrinsic fallback, names matched by prefix (fusion may append
//!   `$N`), the element kind taken from the interface name;
//! - [`linker`]: links every import of a module to its behaviour, or fails
//!   naming the import that nothing matches (or whose type is wrong);
//! - [`run_case`]: a fresh store and state, instantiation (the start
//!   function runs), `_initialize` when exported, then one call of an export
//!   with i32 arguments; the [`Outcome`] records the result or trap, the log
//!   (task-return calls, drops, joins), the bytes written per stream end,
//!   the backpressure counter, every host call in order and a hash of every
//!   exported memory;
//! - the text form of the `expected.tsv` columns ([`Outcome::result_column`]
//!   & co., [`ExpectedRow`]) and the field-by-field comparison of two
//!   outcomes ([`Outcome::first_difference`]).
//!
//! Every pointer the host writes or reads refers to the memory exported as
//! `memory`; a host access outside it traps with a [`HostError`]. All
//! arithmetic the contract defines is wrapping `u32` arithmetic.

use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

use wasmtime::ValType::{I32, I64};
use wasmtime::{Caller, Engine, Extern, ExternType, FuncType, Instance, Linker, Module, Store, Trap, Val, ValType};

/// Per-read element limits: the first read of an end is unbounded, the
/// second returns at most 1001 elements, the third at most 13, later reads
/// report DROPPED.
pub const LIMITS: [u32; 3] = [u32::MAX, 1001, 13];

/// `FNV-1a-32` offset basis.
const FNV32_OFFSET: u32 = 0x811c_9dc5;
/// `FNV-1a-64` offset basis.
const FNV64_OFFSET: u64 = 0xcbf2_9ce4_8422_2325;

/// FNV-1a-32 of `bytes` (the hash `expected.tsv` prints for written data).
pub fn fnv1a32(bytes: &[u8]) -> u32 {
    bytes.iter().fold(FNV32_OFFSET, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// FNV-1a-64 of `bytes`, continuing from `h`.
fn fnv1a64_from(h: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(h, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3))
}

/// The element type of a stream, given by its interface.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElementKind {
    /// One byte: `(next >> 16) & 0xFF`.
    U8,
    /// Four bytes LE: `next`.
    U32,
    /// Four bytes LE: `f32((next >> 16) & 0xFFFF) / 256.0` (exact).
    F32,
}

impl ElementKind {
    /// The kind for an interface (an import module name without a leading
    /// `[export]`), or `None` for an interface the contract does not type.
    pub fn of_interface(iface: &str) -> Option<ElementKind> {
        match iface {
            "corpus:p3/bytes" | "pulseengine:async" => Some(ElementKind::U8),
            "corpus:p3/words" => Some(ElementKind::U32),
            "corpus:p3/floats" => Some(ElementKind::F32),
            _ => None,
        }
    }

    /// Bytes per element.
    pub fn size(self) -> u32 {
        match self {
            ElementKind::U8 => 1,
            ElementKind::U32 | ElementKind::F32 => 4,
        }
    }
}

/// A value crossing the host boundary, as its bit pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HostVal {
    /// `i32`.
    I32(u32),
    /// `i64`.
    I64(u64),
    /// `f32` bits.
    F32(u32),
    /// `f64` bits.
    F64(u64),
}

impl HostVal {
    /// The host value of a wasm value (`None` for v128 and references,
    /// which no mock import takes).
    pub fn from_val(v: &Val) -> Option<HostVal> {
        match *v {
            Val::I32(x) => Some(HostVal::I32(x as u32)),
            Val::I64(x) => Some(HostVal::I64(x as u64)),
            Val::F32(x) => Some(HostVal::F32(x)),
            Val::F64(x) => Some(HostVal::F64(x)),
            _ => None,
        }
    }

    /// The value as a wasm value.
    pub fn to_val(self) -> Val {
        match self {
            HostVal::I32(x) => Val::I32(x as i32),
            HostVal::I64(x) => Val::I64(x as i64),
            HostVal::F32(x) => Val::F32(x),
            HostVal::F64(x) => Val::F64(x),
        }
    }
}

impl fmt::Display for HostVal {
    /// 32-bit values as `0x%08x`, 64-bit values as `0x%016x`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            HostVal::I32(x) | HostVal::F32(x) => write!(f, "{x:#010x}"),
            HostVal::I64(x) | HostVal::F64(x) => write!(f, "{x:#018x}"),
        }
    }
}

/// Formats a tuple as `(a,b,…)`.
fn tuple(vals: &[HostVal]) -> String {
    let parts: Vec<String> = vals.iter().map(HostVal::to_string).collect();
    format!("({})", parts.join(","))
}

/// One entry of the mock's log: the host-visible effects that return
/// nothing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogEntry {
    /// A `[task-return]` call with its flattened arguments.
    TaskReturn {
        /// `module::name` of the import.
        import: Arc<str>,
        /// The arguments.
        args: Vec<HostVal>,
    },
    /// A stream or future end dropped.
    Drop {
        /// `module::name` of the import.
        import: Arc<str>,
        /// The end.
        end: u32,
    },
    /// `[waitable-join](waitable, set)`.
    Join {
        /// The waitable.
        waitable: u32,
        /// The set.
        set: u32,
    },
    /// `[waitable-set-drop](set)`.
    WaitableSetDrop(u32),
    /// `[subtask-drop](subtask)`.
    SubtaskDrop(u32),
}

impl fmt::Display for LogEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogEntry::TaskReturn { import, args } => write!(f, "task-return {import}{}", tuple(args)),
            LogEntry::Drop { import, end } => write!(f, "drop {import}({end:#x})"),
            LogEntry::Join { waitable, set } => write!(f, "join({waitable:#x}, {set:#x})"),
            LogEntry::WaitableSetDrop(s) => write!(f, "waitable-set-drop({s:#x})"),
            LogEntry::SubtaskDrop(s) => write!(f, "subtask-drop({s:#x})"),
        }
    }
}

/// One call the module made to the mock, in order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostCall {
    /// `module::name` of the import.
    pub import: Arc<str>,
    /// The arguments.
    pub args: Vec<HostVal>,
    /// The result, or `None` for an import without one or a call that
    /// trapped in the host.
    pub result: Option<HostVal>,
}

impl fmt::Display for HostCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.import, tuple(&self.args))?;
        if let Some(r) = self.result {
            write!(f, " -> {r}")?;
        }
        Ok(())
    }
}

/// The mock host's per-instance state (fresh per case).
#[derive(Clone, Debug)]
pub struct MockState {
    /// Context slot 0.
    pub ctx0: u32,
    /// The backpressure counter.
    pub bp: i32,
    /// The next waitable set `[waitable-set-new]` returns.
    pub next_set: u32,
    /// Streams created so far (shared by `[stream-new-N]` and `stream_new`).
    pub streams_created: u32,
    /// Read calls per end (shared by every read import).
    pub reads: BTreeMap<u32, u32>,
    /// Generator state per end (seeded with the end on first use).
    pub lcg: BTreeMap<u32, u32>,
    /// Bytes written per end.
    pub written: BTreeMap<u32, Vec<u8>>,
    /// Task-return calls, drops and joins, in order.
    pub log: Vec<LogEntry>,
    /// Every host call, in order.
    pub trace: Vec<HostCall>,
}

impl Default for MockState {
    fn default() -> Self {
        MockState {
            ctx0: 0,
            bp: 0,
            next_set: 1,
            streams_created: 0,
            reads: BTreeMap::new(),
            lcg: BTreeMap::new(),
            written: BTreeMap::new(),
            log: Vec::new(),
            trace: Vec::new(),
        }
    }
}

impl MockState {
    /// A fresh state.
    pub fn new() -> Self {
        Self::default()
    }

    /// The generator: `lcg[end] = lcg[end] * 1103515245 + 12345`.
    pub fn next(&mut self, end: u32) -> u32 {
        let s = self.lcg.entry(end).or_insert(end);
        *s = s.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        *s
    }

    /// The next element of `kind` for `end`, as its little-endian bytes
    /// (1 or 4 of the returned 4 are meaningful).
    fn next_element(&mut self, end: u32, kind: ElementKind) -> [u8; 4] {
        let v = self.next(end);
        match kind {
            ElementKind::U8 => [(v >> 16) as u8, 0, 0, 0],
            ElementKind::U32 => v.to_le_bytes(),
            ElementKind::F32 => (((v >> 16) & 0xFFFF) as f32 / 256.0).to_le_bytes(),
        }
    }

    /// `[stream-new-N]` / `stream_new`: `(writable << 32) | readable`.
    fn stream_new(&mut self) -> u64 {
        let k = self.streams_created;
        self.streams_created = k.wrapping_add(1);
        let readable = 1000u32.wrapping_add(k.wrapping_mul(2));
        let writable = readable.wrapping_add(1);
        (u64::from(writable) << 32) | u64::from(readable)
    }
}

/// An error raised by the mock host (a bad pointer, a missing `memory`
/// export); it traps the wasm call that made the host call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HostError(pub String);

impl fmt::Display for HostError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "mock host: {}", self.0)
    }
}

impl std::error::Error for HostError {}

/// What the mock does for one import.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    /// `[stream-read-N]f` (`packed`: returns `n << 4` / DROPPED 1) or
    /// `stream_read` (returns `n` / 0; takes a fourth `mem_idx` argument).
    StreamRead {
        /// Element kind of the stream.
        kind: ElementKind,
        /// Canonical (packed) result, or the byte-count convention.
        packed: bool,
    },
    /// `[stream-write-N]f` (packed) or `stream_write` (byte counts).
    StreamWrite {
        /// Element kind of the stream.
        kind: ElementKind,
        /// Canonical (packed) result, or the byte-count convention.
        packed: bool,
    },
    /// `[stream-new-N]f` / `stream_new`.
    StreamNew,
    /// Drops of stream/future ends (log only).
    Drop,
    /// `[future-read-N]f`: stores `end * 0x9E3779B1`, returns COMPLETED.
    FutureRead,
    /// `[async-lower]get` of `corpus:p3/kv`: stores `key * 31 + 7`,
    /// returns RETURNED (subtask 0).
    AsyncLowerGet,
    /// `[task-return]f`: logs the flattened results.
    TaskReturn,
    /// `[waitable-set-new]`.
    WaitableSetNew,
    /// `[waitable-set-poll]` / `[waitable-set-wait]`: 12 zero bytes, NONE.
    WaitableSetPoll,
    /// `[waitable-join]` (log only).
    WaitableJoin,
    /// `[waitable-set-drop]` (log only).
    WaitableSetDrop,
    /// `[subtask-drop]` (log only).
    SubtaskDrop,
    /// `[context-get-0]`.
    ContextGet,
    /// `[context-set-0]`.
    ContextSet,
    /// `[backpressure-inc]`.
    BackpressureInc,
    /// `[backpressure-dec]`.
    BackpressureDec,
    /// `[backpressure-set]` (absolute: `bp = (arg != 0)`).
    BackpressureSet,
}

/// `name` starts with `[op-N]` for some decimal N.
fn is_canon(name: &str, op: &str) -> bool {
    let Some(rest) = name.strip_prefix('[').and_then(|r| r.strip_prefix(op)).and_then(|r| r.strip_prefix('-')) else {
        return false;
    };
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    digits > 0 && rest[digits..].starts_with(']')
}

impl Behaviour {
    /// The behaviour for the import `module`.`name`, or an error naming it.
    pub fn resolve(module: &str, name: &str) -> Result<Behaviour, String> {
        let unknown = |why: &str| Err(format!("import \"{module}\" \"{name}\": {why}"));
        if module == "$root" {
            const ROOT: [(&str, Behaviour); 11] = [
                ("[waitable-set-new]", Behaviour::WaitableSetNew),
                ("[waitable-set-poll]", Behaviour::WaitableSetPoll),
                ("[waitable-set-wait]", Behaviour::WaitableSetPoll),
                ("[waitable-join]", Behaviour::WaitableJoin),
                ("[waitable-set-drop]", Behaviour::WaitableSetDrop),
                ("[subtask-drop]", Behaviour::SubtaskDrop),
                ("[context-get-0]", Behaviour::ContextGet),
                ("[context-set-0]", Behaviour::ContextSet),
                ("[backpressure-inc]", Behaviour::BackpressureInc),
                ("[backpressure-dec]", Behaviour::BackpressureDec),
                ("[backpressure-set]", Behaviour::BackpressureSet),
            ];
            if let Some((_, b)) = ROOT.iter().find(|(prefix, _)| name.starts_with(prefix)) {
                return Ok(*b);
            }
        }
        if module == "pulseengine:async" {
            const FALLBACK: [(&str, Behaviour); 5] = [
                ("stream_new", Behaviour::StreamNew),
                ("stream_read", Behaviour::StreamRead { kind: ElementKind::U8, packed: false }),
                ("stream_write", Behaviour::StreamWrite { kind: ElementKind::U8, packed: false }),
                ("stream_drop_readable", Behaviour::Drop),
                ("stream_drop_writable", Behaviour::Drop),
            ];
            return match FALLBACK.iter().find(|(prefix, _)| name.starts_with(prefix)) {
                Some((_, b)) => Ok(*b),
                None => unknown("not a host-intrinsic the mock provides"),
            };
        }
        if let Some(iface) = module.strip_prefix("[export]") {
            if name.starts_with("[task-return]") && !iface.is_empty() {
                return Ok(Behaviour::TaskReturn);
            }
            return unknown("the mock provides only [task-return] from an [export] module");
        }
        let kind = || {
            ElementKind::of_interface(module)
                .ok_or_else(|| format!("import \"{module}\" \"{name}\": no element kind for interface `{module}`"))
        };
        if is_canon(name, "stream-read") {
            return Ok(Behaviour::StreamRead { kind: kind()?, packed: true });
        }
        if is_canon(name, "stream-write") {
            return Ok(Behaviour::StreamWrite { kind: kind()?, packed: true });
        }
        if is_canon(name, "stream-new") {
            return Ok(Behaviour::StreamNew);
        }
        if ["stream-drop-readable", "stream-drop-writable", "future-drop-readable"].iter().any(|op| is_canon(name, op))
        {
            return Ok(Behaviour::Drop);
        }
        if is_canon(name, "future-read") {
            return Ok(Behaviour::FutureRead);
        }
        if module == "corpus:p3/kv" && name.starts_with("[async-lower]get") {
            return Ok(Behaviour::AsyncLowerGet);
        }
        unknown("no mock behaviour matches this import")
    }

    /// The signature the behaviour implements: `None` for `[task-return]`,
    /// which takes any flattened results.
    fn signature(self) -> Option<(&'static [ValType], &'static [ValType])> {
        Some(match self {
            Behaviour::StreamRead { packed: true, .. } | Behaviour::StreamWrite { packed: true, .. } => {
                (&[I32, I32, I32], &[I32])
            }
            Behaviour::StreamRead { packed: false, .. } | Behaviour::StreamWrite { packed: false, .. } => {
                (&[I32, I32, I32, I32], &[I32])
            }
            Behaviour::StreamNew => (&[], &[I64]),
            Behaviour::Drop
            | Behaviour::WaitableSetDrop
            | Behaviour::SubtaskDrop
            | Behaviour::ContextSet
            | Behaviour::BackpressureSet => (&[I32], &[]),
            Behaviour::FutureRead | Behaviour::AsyncLowerGet | Behaviour::WaitableSetPoll => (&[I32, I32], &[I32]),
            Behaviour::WaitableJoin => (&[I32, I32], &[]),
            Behaviour::WaitableSetNew | Behaviour::ContextGet => (&[], &[I32]),
            Behaviour::BackpressureInc | Behaviour::BackpressureDec => (&[], &[]),
            Behaviour::TaskReturn => return None,
        })
    }
}

/// `a` and `b` are the same value types.
fn same_types(a: impl ExactSizeIterator<Item = ValType>, b: &[ValType]) -> bool {
    a.len() == b.len() && a.zip(b).all(|(x, y)| ValType::eq(&x, y))
}

/// Formats a list of value types.
fn types(tys: impl Iterator<Item = ValType>) -> String {
    let parts: Vec<String> = tys.map(|t| t.to_string()).collect();
    format!("[{}]", parts.join(" "))
}

/// A linker for `module` under `engine`: every import of the module is
/// linked to its mock behaviour. Fails naming the first import that no
/// behaviour matches, that is not a function, or whose type differs from
/// the behaviour's.
pub fn linker(engine: &Engine, module: &Module) -> Result<Linker<MockState>, String> {
    let mut linker = Linker::new(engine);
    for import in module.imports() {
        let (m, n) = (import.module(), import.name());
        let ExternType::Func(ty) = import.ty() else {
            return Err(format!("import \"{m}\" \"{n}\": the mock host provides only functions"));
        };
        let behaviour = Behaviour::resolve(m, n)?;
        match behaviour.signature() {
            Some((params, results)) => {
                if !same_types(ty.params(), params) || !same_types(ty.results(), results) {
                    return Err(format!(
                        "import \"{m}\" \"{n}\": type {} -> {} does not match the mock's {} -> {}",
                        types(ty.params()),
                        types(ty.results()),
                        types(params.iter().cloned()),
                        types(results.iter().cloned()),
                    ));
                }
            }
            None => {
                if ty.results().len() != 0 || ty.params().any(|t| t.is_v128() || t.is_ref()) {
                    return Err(format!(
                        "import \"{m}\" \"{n}\": a [task-return] takes numeric results and returns nothing, not {} -> {}",
                        types(ty.params()),
                        types(ty.results())
                    ));
                }
            }
        }
        let label: Arc<str> = Arc::from(format!("{m}::{n}"));
        linker
            .func_new(m, n, ty, move |caller, params, results| host_call(caller, behaviour, &label, params, results))
            .map_err(|e| format!("import \"{m}\" \"{n}\": cannot define it: {e:#}"))?;
    }
    Ok(linker)
}

/// The `memory` export of the calling instance, as bytes, with the state.
fn memory<'a>(caller: &'a mut Caller<'_, MockState>) -> Result<(&'a mut [u8], &'a mut MockState), HostError> {
    match caller.get_export("memory") {
        Some(Extern::Memory(mem)) => Ok(mem.data_and_store_mut(caller)),
        _ => Err(HostError("the module exports no memory named `memory`".into())),
    }
}

/// The byte range `[ptr, ptr + len)` of `mem`, or an error.
fn range(mem: &[u8], ptr: u32, len: u64, what: &str) -> Result<std::ops::Range<usize>, HostError> {
    let start = u64::from(ptr);
    let end = start + len;
    if end > mem.len() as u64 {
        return Err(HostError(format!("{what}: {len} bytes at {ptr:#x} are outside the {}-byte memory", mem.len())));
    }
    Ok(start as usize..end as usize)
}

/// The `i`-th argument as `u32`.
fn arg(params: &[Val], i: usize) -> u32 {
    params.get(i).and_then(Val::i32).unwrap_or(0) as u32
}

/// One host call: records it in the trace, then performs it.
fn host_call(
    mut caller: Caller<'_, MockState>,
    behaviour: Behaviour,
    label: &Arc<str>,
    params: &[Val],
    results: &mut [Val],
) -> wasmtime::Result<()> {
    let args: Vec<HostVal> = params.iter().filter_map(HostVal::from_val).collect();
    let index = caller.data().trace.len();
    caller.data_mut().trace.push(HostCall { import: label.clone(), args: args.clone(), result: None });
    let result = perform(&mut caller, behaviour, label, &args, params).map_err(wasmtime::Error::new)?;
    if let (Some(r), Some(slot)) = (result, results.first_mut()) {
        *slot = r.to_val();
    }
    caller.data_mut().trace[index].result = result;
    Ok(())
}

/// The fallback's `mem_idx` (fourth argument) must name memory 0, the
/// `memory` export.
fn check_mem_idx(behaviour: Behaviour, params: &[Val]) -> Result<(), HostError> {
    match behaviour {
        Behaviour::StreamRead { packed: false, .. } | Behaviour::StreamWrite { packed: false, .. }
            if arg(params, 3) != 0 =>
        {
            Err(HostError(format!("mem_idx {} is not 0 (the `memory` export)", arg(params, 3))))
        }
        _ => Ok(()),
    }
}

/// What `behaviour` does with `params`; the result, if any.
fn perform(
    caller: &mut Caller<'_, MockState>,
    behaviour: Behaviour,
    label: &Arc<str>,
    args: &[HostVal],
    params: &[Val],
) -> Result<Option<HostVal>, HostError> {
    let i32r = |x: u32| Ok(Some(HostVal::I32(x)));
    check_mem_idx(behaviour, params)?;
    match behaviour {
        Behaviour::StreamRead { kind, packed } => {
            let (end, ptr, count) = (arg(params, 0), arg(params, 1), arg(params, 2));
            if count == 0 {
                return i32r(0);
            }
            let (mem, st) = memory(caller)?;
            let k = {
                let r = st.reads.entry(end).or_insert(0);
                let k = *r;
                *r = r.wrapping_add(1);
                k
            };
            if k >= 3 {
                return i32r(if packed { 1 } else { 0 });
            }
            let n = count.min(LIMITS[k as usize]);
            let size = kind.size();
            let r = range(mem, ptr, u64::from(n) * u64::from(size), "stream read buffer")?;
            for chunk in mem[r].chunks_exact_mut(size as usize) {
                let bytes = st.next_element(end, kind);
                chunk.copy_from_slice(&bytes[..size as usize]);
            }
            i32r(if packed { n.wrapping_shl(4) } else { n })
        }
        Behaviour::StreamWrite { kind, packed } => {
            let (end, ptr, count) = (arg(params, 0), arg(params, 1), arg(params, 2));
            let (mem, st) = memory(caller)?;
            let r = range(mem, ptr, u64::from(count) * u64::from(kind.size()), "stream write buffer")?;
            st.written.entry(end).or_default().extend_from_slice(&mem[r]);
            i32r(if packed { count.wrapping_shl(4) } else { count })
        }
        Behaviour::StreamNew => Ok(Some(HostVal::I64(caller.data_mut().stream_new()))),
        Behaviour::Drop => {
            caller.data_mut().log.push(LogEntry::Drop { import: label.clone(), end: arg(params, 0) });
            Ok(None)
        }
        Behaviour::FutureRead => {
            let (end, ptr) = (arg(params, 0), arg(params, 1));
            let (mem, _) = memory(caller)?;
            let r = range(mem, ptr, 4, "future value slot")?;
            mem[r].copy_from_slice(&end.wrapping_mul(0x9E37_79B1).to_le_bytes());
            i32r(0)
        }
        Behaviour::AsyncLowerGet => {
            let (key, retptr) = (arg(params, 0), arg(params, 1));
            let (mem, _) = memory(caller)?;
            let r = range(mem, retptr, 4, "return pointer")?;
            mem[r].copy_from_slice(&key.wrapping_mul(31).wrapping_add(7).to_le_bytes());
            i32r(2)
        }
        Behaviour::TaskReturn => {
            caller.data_mut().log.push(LogEntry::TaskReturn { import: label.clone(), args: args.to_vec() });
            Ok(None)
        }
        Behaviour::WaitableSetNew => {
            let st = caller.data_mut();
            let s = st.next_set;
            st.next_set = s.wrapping_add(1);
            i32r(s)
        }
        Behaviour::WaitableSetPoll => {
            let ptr = arg(params, 1);
            let (mem, _) = memory(caller)?;
            let r = range(mem, ptr, 12, "event pointer")?;
            mem[r].fill(0);
            i32r(0)
        }
        Behaviour::WaitableJoin => {
            let entry = LogEntry::Join { waitable: arg(params, 0), set: arg(params, 1) };
            caller.data_mut().log.push(entry);
            Ok(None)
        }
        Behaviour::WaitableSetDrop => {
            caller.data_mut().log.push(LogEntry::WaitableSetDrop(arg(params, 0)));
            Ok(None)
        }
        Behaviour::SubtaskDrop => {
            caller.data_mut().log.push(LogEntry::SubtaskDrop(arg(params, 0)));
            Ok(None)
        }
        Behaviour::ContextGet => i32r(caller.data().ctx0),
        Behaviour::ContextSet => {
            caller.data_mut().ctx0 = arg(params, 0);
            Ok(None)
        }
        Behaviour::BackpressureInc => {
            let st = caller.data_mut();
            st.bp = st.bp.wrapping_add(1);
            Ok(None)
        }
        Behaviour::BackpressureDec => {
            let st = caller.data_mut();
            st.bp = st.bp.wrapping_sub(1);
            Ok(None)
        }
        Behaviour::BackpressureSet => {
            caller.data_mut().bp = i32::from(arg(params, 0) != 0);
            Ok(None)
        }
    }
}

/// When a case failed: where, and how.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Failure {
    /// `start` (instantiation), `_initialize` or `call`.
    pub phase: &'static str,
    /// The wasm trap code, the mock host's error, or another message.
    pub message: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "trap in {}: {}", self.phase, self.message)
    }
}

/// Describes a failed call: the trap code when wasm trapped, the host's
/// message when the mock failed, else the whole error.
fn failure(phase: &'static str, e: &wasmtime::Error) -> Failure {
    let message = if let Some(t) = e.downcast_ref::<Trap>() {
        t.to_string()
    } else if let Some(h) = e.downcast_ref::<HostError>() {
        h.to_string()
    } else {
        format!("{e:#}")
    };
    Failure { phase, message }
}

/// Everything observable about one case.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// The export's results, or where and how it trapped.
    pub result: Result<Vec<HostVal>, Failure>,
    /// The mock's log (task-return calls, drops, joins).
    pub log: Vec<LogEntry>,
    /// Bytes written per stream end.
    pub written: BTreeMap<u32, Vec<u8>>,
    /// The final backpressure counter.
    pub bp: i32,
    /// Every host call, in order (including start and `_initialize`).
    pub trace: Vec<HostCall>,
    /// FNV-1a-64 over every exported memory (name, size, bytes), in export
    /// order, after the call (after the trap, if it trapped); 0 when
    /// instantiation failed.
    pub memory_hash: u64,
    /// The contents of the memory exported as `memory` after the call
    /// (empty when there is none).
    pub memory: Vec<u8>,
    /// Fuel consumed by all steps (instantiation, `_initialize`, the call),
    /// when run with fuel. Not part of [`Outcome::first_difference`].
    pub fuel_used: Option<u64>,
    /// The final value of every exported mutable `i64` global, in export
    /// order (the counters of an instrumented module). Not part of
    /// [`Outcome::first_difference`].
    pub counters: Vec<(String, i64)>,
}

impl Outcome {
    /// The task-return calls, in order.
    pub fn task_returns(&self) -> impl Iterator<Item = &[HostVal]> {
        self.log.iter().filter_map(|e| match e {
            LogEntry::TaskReturn { args, .. } => Some(args.as_slice()),
            _ => None,
        })
    }

    /// The `result` column: `0x%08x` for a single i32 result, `trap`.
    pub fn result_column(&self) -> String {
        match &self.result {
            Err(_) => "trap".to_string(),
            Ok(vals) if vals.len() == 1 => vals[0].to_string(),
            Ok(vals) => tuple(vals),
        }
    }

    /// The `task_return_calls` column: space-separated tuples, `-` if none.
    pub fn task_return_column(&self) -> String {
        let calls: Vec<String> = self.task_returns().map(tuple).collect();
        if calls.is_empty() { "-".to_string() } else { calls.join(" ") }
    }

    /// The `written(end:bytes:fnv1a32)` column: per end (ascending), total
    /// bytes and FNV-1a-32, space-separated; `-` if none.
    pub fn written_column(&self) -> String {
        let ends: Vec<String> =
            self.written.iter().map(|(end, bytes)| format!("{end}:{}:{:#010x}", bytes.len(), fnv1a32(bytes))).collect();
        if ends.is_empty() { "-".to_string() } else { ends.join(" ") }
    }

    /// FNV-1a-32 of bytes `range` of the `memory` export, or `None` if the
    /// range is outside it.
    pub fn memory_fnv1a32(&self, range: std::ops::Range<usize>) -> Option<u32> {
        self.memory.get(range).map(fnv1a32)
    }

    /// The first field in which `self` and `other` differ, described with
    /// both values; `None` if they are identical. Fields in order: result,
    /// log, written, backpressure counter, host-call trace, memory hash.
    pub fn first_difference(&self, other: &Outcome) -> Option<String> {
        if self.result != other.result {
            let show = |r: &Result<Vec<HostVal>, Failure>| match r {
                Ok(v) => tuple(v),
                Err(f) => f.to_string(),
            };
            return Some(format!("result: {} vs {}", show(&self.result), show(&other.result)));
        }
        if let Some(d) = first_diff_in("log", &self.log, &other.log) {
            return Some(d);
        }
        if self.written != other.written {
            let keys: std::collections::BTreeSet<&u32> = self.written.keys().chain(other.written.keys()).collect();
            for end in keys {
                let (a, b) = (self.written.get(end), other.written.get(end));
                if a != b {
                    let show = |w: Option<&Vec<u8>>| match w {
                        None => "nothing".to_string(),
                        Some(w) => format!("{} bytes fnv {:#010x}", w.len(), fnv1a32(w)),
                    };
                    let at = match (a, b) {
                        (Some(a), Some(b)) => a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len())),
                        _ => 0,
                    };
                    return Some(format!(
                        "written to end {end}: {} vs {} (first difference at byte {at})",
                        show(a),
                        show(b)
                    ));
                }
            }
        }
        if self.bp != other.bp {
            return Some(format!("backpressure counter: {} vs {}", self.bp, other.bp));
        }
        if let Some(d) = first_diff_in("host-call trace", &self.trace, &other.trace) {
            return Some(d);
        }
        if self.memory_hash != other.memory_hash {
            let at = self.memory.iter().zip(&other.memory).position(|(x, y)| x != y);
            let detail = match at {
                Some(at) => format!(
                    "; `memory` first differs at byte {at:#x}: {:#04x} vs {:#04x}",
                    self.memory[at], other.memory[at]
                ),
                None if self.memory.len() != other.memory.len() => {
                    format!("; `memory` sizes {} vs {}", self.memory.len(), other.memory.len())
                }
                None => String::new(),
            };
            return Some(format!("memory hash: {:#018x} vs {:#018x}{detail}", self.memory_hash, other.memory_hash));
        }
        None
    }
}

/// The first differing element of two sequences, described.
fn first_diff_in<T: PartialEq + fmt::Display>(what: &str, a: &[T], b: &[T]) -> Option<String> {
    if a == b {
        return None;
    }
    let i = a.iter().zip(b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
    let show = |v: Option<&T>| v.map_or_else(|| "(end)".to_string(), T::to_string);
    Some(format!(
        "{what} (lengths {} vs {}) differs at entry #{i}: {} vs {}",
        a.len(),
        b.len(),
        show(a.get(i)),
        show(b.get(i))
    ))
}

/// FNV-1a-64 over every exported memory of `instance`, and the contents of
/// the one exported as `memory`.
fn memories(store: &mut Store<MockState>, instance: &Instance) -> (u64, Vec<u8>) {
    let mems: Vec<(String, wasmtime::Memory)> = instance
        .exports(&mut *store)
        .filter_map(|e| {
            let name = e.name().to_string();
            e.into_memory().map(|m| (name, m))
        })
        .collect();
    let mut h = FNV64_OFFSET;
    let mut memory = Vec::new();
    for (name, mem) in mems {
        let data = mem.data(&*store);
        h = fnv1a64_from(h, name.as_bytes());
        h = fnv1a64_from(h, &(data.len() as u64).to_le_bytes());
        h = fnv1a64_from(h, data);
        if name == "memory" {
            memory = data.to_vec();
        }
    }
    (h, memory)
}

/// Runs one case the README's way: a fresh store and mock state, link and
/// instantiate `module` (the start function runs), call `_initialize` if
/// exported, then call `export` with the i32 `args`. With `fuel`, each of
/// the three steps gets that budget (running out is a trap). An `Err` means
/// the case could not be set up (an import the mock cannot satisfy, a
/// missing export, a signature that is not all-i32 parameters); traps are
/// part of the [`Outcome`].
pub fn run_case(
    engine: &Engine,
    module: &Module,
    export: &str,
    args: &[u32],
    fuel: Option<u64>,
) -> Result<Outcome, String> {
    let linker = linker(engine, module)?;
    let mut store = Store::new(engine, MockState::new());
    if let Some(f) = fuel {
        store.set_fuel(f).map_err(|e| format!("cannot set fuel: {e:#}"))?;
    }
    let mut run = Run { store, fuel, used: 0 };
    let instance = match linker.instantiate(&mut run.store, module) {
        Ok(i) => i,
        Err(e) if e.downcast_ref::<Trap>().is_some() || e.downcast_ref::<HostError>().is_some() => {
            return run.finish(None, Err(failure("start", &e)));
        }
        Err(e) => return Err(format!("cannot instantiate: {e:#}")),
    };
    if let Some(init) = instance.get_func(&mut run.store, "_initialize") {
        run.refuel()?;
        let ty = init.ty(&run.store);
        if ty.params().len() != 0 || ty.results().len() != 0 {
            return Err(format!("`_initialize` has type {ty:?}, expected [] -> []"));
        }
        if let Err(e) = init.call(&mut run.store, &[], &mut []) {
            return run.finish(Some(&instance), Err(failure("_initialize", &e)));
        }
    }
    let func = instance.get_func(&mut run.store, export).ok_or_else(|| format!("no exported function `{export}`"))?;
    let ty: FuncType = func.ty(&run.store);
    if ty.params().len() != args.len() || ty.params().any(|t| !matches!(t, I32)) {
        return Err(format!("`{export}` takes {}, not {} i32 arguments", types(ty.params()), args.len()));
    }
    let params: Vec<Val> = args.iter().map(|&a| Val::I32(a as i32)).collect();
    let mut results: Vec<Val> = ty.results().map(|t| t.default_value().unwrap_or(Val::I32(0))).collect();
    run.refuel()?;
    let result = match func.call(&mut run.store, &params, &mut results) {
        Ok(()) => Ok(results
            .iter()
            .map(|v| HostVal::from_val(v).ok_or_else(|| format!("`{export}` returned a non-numeric value {v:?}")))
            .collect::<Result<Vec<_>, String>>()?),
        Err(e) => Err(failure("call", &e)),
    };
    run.finish(Some(&instance), result)
}

/// A store being driven through the steps of a case, with its fuel count.
struct Run {
    store: Store<MockState>,
    fuel: Option<u64>,
    used: u64,
}

impl Run {
    /// Counts the fuel the previous step consumed and refills the budget.
    fn refuel(&mut self) -> Result<(), String> {
        if let Some(f) = self.fuel {
            self.used += f - self.store.get_fuel().map_err(|e| format!("cannot read fuel: {e:#}"))?.min(f);
            self.store.set_fuel(f).map_err(|e| format!("cannot set fuel: {e:#}"))?;
        }
        Ok(())
    }

    /// The outcome: `result`, the mock's state and the exported memories.
    fn finish(mut self, instance: Option<&Instance>, result: Result<Vec<HostVal>, Failure>) -> Result<Outcome, String> {
        self.refuel()?;
        let (memory_hash, memory) = match instance {
            Some(i) => memories(&mut self.store, i),
            None => (0, Vec::new()),
        };
        let counters = match instance {
            Some(i) => crate::sightglass::i64_globals(&mut self.store, i),
            None => Vec::new(),
        };
        let fuel_used = self.fuel.map(|_| self.used);
        let st = self.store.into_data();
        Ok(Outcome {
            result,
            log: st.log,
            written: st.written,
            bp: st.bp,
            trace: st.trace,
            memory_hash,
            memory,
            fuel_used,
            counters,
        })
    }
}

/// One row of `expected.tsv`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedRow {
    /// 1-based line number in the file.
    pub line: usize,
    /// Module stem (`callback_seq_if`).
    pub module: String,
    /// Export to call.
    pub export: String,
    /// The i32 arguments.
    pub args: Vec<u32>,
    /// `result` column (`0x%08x` or `trap`).
    pub result: String,
    /// `task_return_calls` column.
    pub task_returns: String,
    /// `written(end:bytes:fnv1a32)` column.
    pub written: String,
    /// `backpressure_counter` column.
    pub bp: i32,
}

/// Parses an argument: decimal or `0x` hex, as its u32 pattern.
pub fn parse_u32(s: &str) -> Result<u32, String> {
    let s = s.trim();
    let parsed = match s.strip_prefix("0x") {
        Some(hex) => u32::from_str_radix(hex, 16),
        None => s.parse::<u32>(),
    };
    parsed.map_err(|e| format!("`{s}` is not a u32: {e}"))
}

/// Parses `expected.tsv` (a header line, then tab-separated rows).
pub fn parse_expected(text: &str) -> Result<Vec<ExpectedRow>, String> {
    let mut rows = Vec::new();
    let mut lines = text.lines().enumerate();
    match lines.next() {
        Some((_, header)) if header.starts_with("module\texport\targs") => {}
        _ => return Err("line 1: expected the header `module\\texport\\targs…`".into()),
    }
    for (i, line) in lines {
        let line_no = i + 1;
        if line.trim().is_empty() {
            continue;
        }
        let cols: Vec<&str> = line.split('\t').collect();
        if cols.len() != 7 {
            return Err(format!("line {line_no}: {} columns, expected 7", cols.len()));
        }
        let args = cols[2]
            .split(',')
            .map(parse_u32)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| format!("line {line_no}: {e}"))?;
        let bp = cols[6].parse::<i32>().map_err(|e| format!("line {line_no}: backpressure `{}`: {e}", cols[6]))?;
        rows.push(ExpectedRow {
            line: line_no,
            module: cols[0].to_string(),
            export: cols[1].to_string(),
            args,
            result: cols[3].to_string(),
            task_returns: cols[4].to_string(),
            written: cols[5].to_string(),
            bp,
        });
    }
    Ok(rows)
}

impl ExpectedRow {
    /// The call, as `export(a, b)` with hex arguments.
    pub fn call(&self) -> String {
        call_text(&self.export, &self.args)
    }

    /// The first column `outcome` gets wrong, described; `None` if every
    /// column matches.
    pub fn mismatch(&self, outcome: &Outcome) -> Option<String> {
        let cols = [
            ("result", &self.result, outcome.result_column()),
            ("task_return_calls", &self.task_returns, outcome.task_return_column()),
            ("written", &self.written, outcome.written_column()),
            ("backpressure_counter", &self.bp.to_string(), outcome.bp.to_string()),
        ];
        cols.into_iter()
            .find(|(_, want, got)| *want != got)
            .map(|(name, want, got)| format!("column {name}: expected `{want}`, got `{got}`"))
    }
}

/// `export(a, b)` with hex arguments.
pub fn call_text(export: &str, args: &[u32]) -> String {
    let parts: Vec<String> = args.iter().map(|a| format!("{a:#x}")).collect();
    format!("{export}({})", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_resolve_by_prefix_with_fusion_suffixes() {
        assert_eq!(Behaviour::resolve("$root", "[waitable-set-new]$3"), Ok(Behaviour::WaitableSetNew));
        assert_eq!(Behaviour::resolve("$root", "[backpressure-set]"), Ok(Behaviour::BackpressureSet));
        assert_eq!(
            Behaviour::resolve("corpus:p3/words", "[stream-read-12]tally$1"),
            Ok(Behaviour::StreamRead { kind: ElementKind::U32, packed: true })
        );
        assert_eq!(
            Behaviour::resolve("corpus:p3/floats", "[stream-write-0]x"),
            Ok(Behaviour::StreamWrite { kind: ElementKind::F32, packed: true })
        );
        assert_eq!(Behaviour::resolve("[export]corpus:p3/bytes", "[task-return]digest"), Ok(Behaviour::TaskReturn));
        assert_eq!(
            Behaviour::resolve("pulseengine:async", "stream_read"),
            Ok(Behaviour::StreamRead { kind: ElementKind::U8, packed: false })
        );
        assert_eq!(Behaviour::resolve("corpus:p3/cache", "[future-drop-readable-1]x"), Ok(Behaviour::Drop));
    }

    #[test]
    fn unknown_imports_are_named() {
        let e = Behaviour::resolve("$root", "[thread-yield]").unwrap_err();
        assert!(e.contains("\"$root\" \"[thread-yield]\""), "{e}");
        let e = Behaviour::resolve("corpus:p3/other", "[stream-read-0]f").unwrap_err();
        assert!(e.contains("no element kind"), "{e}");
        assert!(Behaviour::resolve("corpus:p3/bytes", "[stream-read-]f").is_err());
        assert!(Behaviour::resolve("corpus:p3/bytes", "[stream-readx-0]f").is_err());
    }

    #[test]
    fn linker_rejects_unknown_import_and_wrong_type() {
        let engine = Engine::default();
        let wat = r#"(module (import "env" "f" (func)))"#;
        let module = Module::new(&engine, wat).unwrap();
        let e = linker(&engine, &module).err().unwrap();
        assert!(e.contains("\"env\" \"f\""), "{e}");
        let wat = r#"(module (import "$root" "[waitable-set-new]" (func (result i64))))"#;
        let module = Module::new(&engine, wat).unwrap();
        let e = linker(&engine, &module).err().unwrap();
        assert!(e.contains("does not match"), "{e}");
    }

    #[test]
    fn generator_and_reads_follow_the_contract() {
        let mut st = MockState::new();
        // Seeded with the end: 7 * 1103515245 + 12345.
        assert_eq!(st.next(7), 7u32.wrapping_mul(1_103_515_245).wrapping_add(12_345));
        let engine = Engine::default();
        let wat = r#"(module
            (import "corpus:p3/bytes" "[stream-read-0]f" (func $r (param i32 i32 i32) (result i32)))
            (memory (export "memory") 1)
            (func (export "go") (param i32) (result i32)
              (i32.add (i32.add (call $r (local.get 0) (i32.const 0) (i32.const 4096))
                                (call $r (local.get 0) (i32.const 0) (i32.const 4096)))
                       (i32.add (call $r (local.get 0) (i32.const 0) (i32.const 4096))
                                (call $r (local.get 0) (i32.const 0) (i32.const 4096))))))"#;
        let module = Module::new(&engine, wat).unwrap();
        let out = run_case(&engine, &module, "go", &[5], None).unwrap();
        // 4096 << 4 + 1001 << 4 + 13 << 4 + DROPPED.
        assert_eq!(out.result, Ok(vec![HostVal::I32((4096 + 1001 + 13) << 4 | 1)]));
        assert_eq!(out.trace.len(), 4);
        let mut st = MockState::new();
        for _ in 0..4096 + 1001 {
            st.next(5);
        }
        let want: Vec<u8> = (0..13).map(|_| (st.next(5) >> 16) as u8).collect();
        assert_eq!(&out.memory[..13], &want[..]);
    }

    #[test]
    fn first_difference_names_the_field() {
        let engine = Engine::default();
        let run = |body: &str| {
            let wat = format!(
                r#"(module
                (import "$root" "[backpressure-inc]" (func $inc))
                (import "$root" "[context-set-0]" (func $set (param i32)))
                (import "[export]corpus:p3/bytes" "[task-return]f" (func $ret (param i32 i64 f32)))
                (memory (export "memory") 1)
                (func (export "go") (param i32) (result i32) {body}))"#
            );
            let module = Module::new(&engine, wat).unwrap();
            run_case(&engine, &module, "go", &[3], None).unwrap()
        };
        let base = run("(call $inc) (call $set (i32.const 1)) (local.get 0)");
        assert_eq!(base.first_difference(&base.clone()), None);
        let d = base.first_difference(&run("(call $inc) (call $set (i32.const 1)) (i32.const 4)")).unwrap();
        assert!(d.starts_with("result"), "{d}");
        let d = base.first_difference(&run("(call $set (i32.const 1)) (call $inc) (local.get 0)")).unwrap();
        assert!(d.contains("host-call trace") && d.contains("entry #0"), "{d}");
        let d = base.first_difference(&run("(call $inc) (call $set (i32.const 2)) (local.get 0)")).unwrap();
        assert!(d.contains("host-call trace") && d.contains("entry #1"), "{d}");
        let d = base.first_difference(&run("(call $set (i32.const 1)) (local.get 0)")).unwrap();
        assert!(d.starts_with("backpressure counter: 1 vs 0"), "{d}");
        let d = base
            .first_difference(&run(
                "(call $inc) (call $set (i32.const 1)) (i32.store8 (i32.const 77) (i32.const 1)) (local.get 0)",
            ))
            .unwrap();
        assert!(d.contains("memory hash") && d.contains("0x4d"), "{d}");
        let ret = run("(call $ret (i32.const 1) (i64.const -1) (f32.const 1.5)) (local.get 0)");
        assert_eq!(ret.task_return_column(), "(0x00000001,0xffffffffffffffff,0x3fc00000)");
        let d = base.first_difference(&ret).unwrap();
        assert!(d.starts_with("log"), "{d}");
        let trapped = run("(call $inc) (call $set (i32.const 1)) unreachable");
        assert_eq!(trapped.result_column(), "trap");
        assert!(base.first_difference(&trapped).unwrap().starts_with("result"));
    }

    #[test]
    fn host_writes_outside_memory_trap() {
        let engine = Engine::default();
        let wat = r#"(module
            (import "corpus:p3/kv" "[async-lower]get" (func $g (param i32 i32) (result i32)))
            (memory (export "memory") 1)
            (func (export "go") (param i32) (result i32) (call $g (i32.const 1) (local.get 0))))"#;
        let module = Module::new(&engine, wat).unwrap();
        let out = run_case(&engine, &module, "go", &[65534], None).unwrap();
        let f = out.result.unwrap_err();
        assert!(f.message.contains("outside"), "{f}");
        let out = run_case(&engine, &module, "go", &[8], None).unwrap();
        assert_eq!(out.result, Ok(vec![HostVal::I32(2)]));
        assert_eq!(&out.memory[8..12], &38u32.to_le_bytes());
    }
}

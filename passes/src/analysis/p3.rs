//! The P3 (Component Model async) fact model: what a core module's names
//! say about the events its callbacks can receive.
//!
//! This is an analysis shared by passes, not a pass: it changes no code,
//! so it has no verification obligation of its own. A pass that uses its
//! facts (`callback-reachability`) carries the obligation: its rewrite is
//! checked under the precondition `event ∈ S` it relied on. It reads only names
//! and signatures (`../shared/design/P3-ABI.md`, "Names and signatures"
//! and "Which events can reach a callback"):
//!
//! - a **callback** is a function exported as
//!   `[callback][async-lift]<iface>#<func>`; its parameters are
//!   `(event, p1, p2)` and it returns the packed callback code, so its
//!   signature must be `(i32, i32, i32) -> i32` — a callback with another
//!   signature is listed with the reason and no fact is derived for it;
//! - an **import** is classified by its field name: an `[async-lower]`
//!   prefix marks an async-lowered call (and is stripped before the rest is
//!   matched); `[stream-read-N]`, `[stream-write-N]`, `[future-read-N]`,
//!   `[future-write-N]` are the intrinsics whose waitables deliver the
//!   stream and future events, and so are the bare names fusion runtimes
//!   give their host intrinsics (`pulseengine:async` `stream_read`); a
//!   fusion tool's `$N` suffix does not matter;
//! - the **events that can reach a callback** are then: SUBTASK (1) only if
//!   some `[async-lower]` function is imported; STREAM_READ (2),
//!   STREAM_WRITE (3), FUTURE_READ (4), FUTURE_WRITE (5) only if the
//!   matching intrinsic (or its async-lowered form) is imported;
//!   TASK_CANCELLED (6) and NONE (0) always (NONE follows a `YIELD`, which
//!   this model does not try to rule out). Codes above 6 are never
//!   delivered.
//!
//! Two more kinds of facts serve init-state constant propagation
//! (`init-constprop`), each named and overridable
//! ([`HostFacts`]):
//!
//! - the **backpressure builtins** `[backpressure-set]` (absolute),
//!   `[backpressure-inc]`, `[backpressure-dec]` and the older
//!   `task.backpressure` ([`ImportRole::Backpressure`]): a module that calls
//!   them may mirror the host's backpressure in its own state, a flag that
//!   initialization sets;
//! - **host writes** (F8 of the corpus contract, [`HostWrite::of`]): the
//!   host never writes a module's private globals
//!   ([`HostFacts::private_globals`]), and writes linear memory only inside
//!   buffers the module handed it ([`HostFacts::handed_buffers`]): the
//!   pointer given to `[stream-read-N]` or `[future-read-N]`, the 12-byte
//!   event record of `[waitable-set-wait]`/`[waitable-set-poll]`, the
//!   parameter and result areas of an `[async-lower]` call (any `i32`
//!   argument), the return pointer of any other import (any `i32`
//!   argument), and what an exported `cabi_realloc` returns. Builtins that
//!   only read memory or none (`[task-return]`, `[stream-write-N]`,
//!   `[waitable-join]`, drops, context, backpressure) write nothing.
//!
//! One more kind serves range analysis: the **progress bound** (F5 of the
//! corpus contract, P3-ABI.md's CopyResult): a stream copy
//! (`[stream-read-N]`/`[stream-write-N]` `(end, ptr, count)`) returns
//! BLOCKED (`0xFFFF_FFFF`) or `(progress << 4) | result` with
//! `progress <= count` ([`copy_result_facts`]), and an event's `p2` is such
//! a result for a copy the module started, a subtask state (at most 4), a
//! future's copy result (progress at most 1) or 0 ([`payload_bound`]).
//!
//! The caller may replace the derived set ([`P3Facts::of`] with an
//! assumption, `weft opt --assume-events=...`): the assumption is used as
//! given, narrower or wider than the derived one, and both are reported.
//! A pass that specializes a callback under `event ∈ S` hands `S` to the
//! refinement check as a named precondition, so the proof states exactly
//! which fact it relied on.

use std::fmt;
use std::str::FromStr;

use weft_ir::{ExportKind, FuncBody, FuncRef, Function, Imm, InstructionData, Module, Opcode, Type, Value};

use super::interval_set::IntervalSet;
use super::value_set::ValueSet;

/// The event codes of the canonical ABI.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum EventCode {
    /// 0: delivered after the callback returned `YIELD`.
    None,
    /// 1: an async-lowered call made progress.
    Subtask,
    /// 2: a stream read completed.
    StreamRead,
    /// 3: a stream write completed.
    StreamWrite,
    /// 4: a future read completed.
    FutureRead,
    /// 5: a future write completed.
    FutureWrite,
    /// 6: the task was cancelled.
    TaskCancelled,
}

impl EventCode {
    /// Every event code, in numeric order.
    pub const ALL: [EventCode; 7] = [
        EventCode::None,
        EventCode::Subtask,
        EventCode::StreamRead,
        EventCode::StreamWrite,
        EventCode::FutureRead,
        EventCode::FutureWrite,
        EventCode::TaskCancelled,
    ];

    /// The numeric code.
    pub fn code(self) -> u32 {
        self as u32
    }

    /// The kebab-case name (`stream-read`), as `--assume-events` takes it.
    pub fn name(self) -> &'static str {
        match self {
            EventCode::None => "none",
            EventCode::Subtask => "subtask",
            EventCode::StreamRead => "stream-read",
            EventCode::StreamWrite => "stream-write",
            EventCode::FutureRead => "future-read",
            EventCode::FutureWrite => "future-write",
            EventCode::TaskCancelled => "task-cancelled",
        }
    }

    /// The event with this numeric code, if it is one.
    pub fn from_code(code: u32) -> Option<EventCode> {
        EventCode::ALL.get(usize::try_from(code).ok()?).copied()
    }
}

impl fmt::Display for EventCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name(), self.code())
    }
}

/// A set of event codes.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct EventSet(u8);

impl EventSet {
    /// No event.
    pub const EMPTY: EventSet = EventSet(0);

    /// Every event code.
    pub fn all() -> EventSet {
        EventCode::ALL.into_iter().collect()
    }

    /// Does the set hold `e`?
    pub fn contains(self, e: EventCode) -> bool {
        self.0 & (1 << e.code()) != 0
    }

    /// Adds `e`.
    pub fn insert(&mut self, e: EventCode) {
        self.0 |= 1 << e.code();
    }

    /// The events in the set, in numeric order.
    pub fn iter(self) -> impl Iterator<Item = EventCode> {
        EventCode::ALL.into_iter().filter(move |&e| self.contains(e))
    }

    /// The numeric codes in the set, in order.
    pub fn codes(self) -> Vec<u32> {
        self.iter().map(EventCode::code).collect()
    }

    /// Is the set empty?
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl FromIterator<EventCode> for EventSet {
    fn from_iter<I: IntoIterator<Item = EventCode>>(iter: I) -> Self {
        let mut s = EventSet::EMPTY;
        for e in iter {
            s.insert(e);
        }
        s
    }
}

impl fmt::Display for EventSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<String> = self.iter().map(|e| e.to_string()).collect();
        write!(f, "{{{}}}", names.join(", "))
    }
}

/// A name in an event list that is neither an event name nor a code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownEvent {
    /// The item as written.
    pub item: String,
}

impl fmt::Display for UnknownEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let valid: Vec<String> = EventCode::ALL.iter().map(|e| format!("{} ({})", e.name(), e.code())).collect();
        write!(f, "unknown event `{}`; valid events: {}", self.item, valid.join(", "))
    }
}

impl std::error::Error for UnknownEvent {}

impl FromStr for EventSet {
    type Err = UnknownEvent;

    /// A comma-separated list of event names or codes
    /// (`stream-read,task-cancelled`, `2,6`); names are case-insensitive and
    /// `_` may stand for `-`. An empty list is the empty set.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let mut set = EventSet::EMPTY;
        for item in s.split(',').map(str::trim).filter(|i| !i.is_empty()) {
            let norm = item.to_ascii_lowercase().replace('_', "-");
            let event = match norm.parse::<u32>() {
                Ok(code) => EventCode::from_code(code),
                Err(_) => EventCode::ALL.into_iter().find(|e| e.name() == norm),
            };
            set.insert(event.ok_or_else(|| UnknownEvent { item: item.to_string() })?);
        }
        Ok(set)
    }
}

/// The export name prefix of a callback.
pub const CALLBACK_PREFIX: &str = "[callback][async-lift]";

/// The import name prefix of an async-lowered call.
pub const ASYNC_LOWER_PREFIX: &str = "[async-lower]";

/// What an imported function is, for the event model.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ImportRole {
    /// An async-lowered call (`[async-lower]…` other than an intrinsic
    /// below): it returns a subtask.
    AsyncLower,
    /// `[stream-read-N]…` (or its async-lowered form).
    StreamRead,
    /// `[stream-write-N]…` (or its async-lowered form).
    StreamWrite,
    /// `[future-read-N]…` (or its async-lowered form).
    FutureRead,
    /// `[future-write-N]…` (or its async-lowered form).
    FutureWrite,
    /// A backpressure builtin.
    Backpressure(BackpressureOp),
    /// Anything else (other builtins, plain imports).
    Other,
}

/// What a backpressure builtin does to the host's backpressure.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum BackpressureOp {
    /// `[backpressure-set]` (and the older `task.backpressure`): sets it on
    /// (non-zero argument) or off.
    Set,
    /// `[backpressure-inc]`: one more hold.
    Inc,
    /// `[backpressure-dec]`: one hold less.
    Dec,
}

impl ImportRole {
    /// Classifies an import by its field name: the canonical
    /// `[stream-read-N]name` (after an optional `[async-lower]`), and, as
    /// conservatively, the bare forms fusion runtimes import their host
    /// intrinsics under (`stream_read`, `future-write`; any `$N` suffix and
    /// `-N` index ignored). Over-recognising only keeps more events alive.
    pub fn of(field: &str) -> ImportRole {
        let (lowered, rest) = match field.strip_prefix(ASYNC_LOWER_PREFIX) {
            Some(rest) => (true, rest),
            None => (false, field),
        };
        let kind = match rest.strip_prefix('[') {
            Some(r) => r.split_once(']').map_or(r, |(k, _)| k),
            None => rest,
        };
        let kind = kind.split('$').next().unwrap_or(kind).to_ascii_lowercase().replace('_', "-");
        let kind = match kind.rsplit_once('-') {
            Some((k, n)) if !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) => k,
            _ => kind.as_str(),
        };
        match kind {
            "backpressure-set" | "task.backpressure" | "task-backpressure" => {
                ImportRole::Backpressure(BackpressureOp::Set)
            }
            "backpressure-inc" => ImportRole::Backpressure(BackpressureOp::Inc),
            "backpressure-dec" => ImportRole::Backpressure(BackpressureOp::Dec),
            "stream-read" => ImportRole::StreamRead,
            "stream-write" => ImportRole::StreamWrite,
            "future-read" => ImportRole::FutureRead,
            "future-write" => ImportRole::FutureWrite,
            _ if lowered => ImportRole::AsyncLower,
            _ => ImportRole::Other,
        }
    }

    /// The event this role makes possible, if any.
    pub fn event(self) -> Option<EventCode> {
        match self {
            ImportRole::AsyncLower => Some(EventCode::Subtask),
            ImportRole::StreamRead => Some(EventCode::StreamRead),
            ImportRole::StreamWrite => Some(EventCode::StreamWrite),
            ImportRole::FutureRead => Some(EventCode::FutureRead),
            ImportRole::FutureWrite => Some(EventCode::FutureWrite),
            ImportRole::Backpressure(_) | ImportRole::Other => None,
        }
    }
}

/// Where the host may write linear memory because of one import (see the
/// module docs, "host writes").
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HostWrite {
    /// Nothing: the import only reads memory, or none.
    Nothing,
    /// Inside buffers that start at the listed parameters (`i32` pointers):
    /// `bytes` bytes from each, or, when `None`, any number.
    Buffers {
        /// The parameters that are buffer pointers.
        params: Vec<usize>,
        /// The buffer length, when the builtin fixes it.
        bytes: Option<u64>,
    },
}

impl HostWrite {
    /// The host writes of import `field` with parameter types `params`.
    pub fn of(field: &str, params: &[Type]) -> HostWrite {
        let pointers = || params.iter().enumerate().filter(|(_, t)| **t == Type::I32).map(|(i, _)| i).collect();
        let lowered = field.starts_with(ASYNC_LOWER_PREFIX);
        match ImportRole::of(field) {
            ImportRole::StreamRead | ImportRole::FutureRead if params.len() >= 2 => {
                HostWrite::Buffers { params: vec![1], bytes: None }
            }
            ImportRole::StreamWrite | ImportRole::FutureWrite | ImportRole::Backpressure(_) if !lowered => {
                HostWrite::Nothing
            }
            _ if lowered => HostWrite::Buffers { params: pointers(), bytes: None },
            _ => {
                let kind = builtin_kind(field);
                if delivers_events(field) {
                    HostWrite::Buffers { params: vec![1], bytes: Some(12) }
                } else if field.starts_with("[task-return]") || READS_ONLY.iter().any(|k| kind.starts_with(k)) {
                    HostWrite::Nothing
                } else {
                    HostWrite::Buffers { params: pointers(), bytes: None }
                }
            }
        }
    }
}

/// Builtins (by the name between brackets, or a bare host intrinsic's
/// name) that write no memory.
const READS_ONLY: [&str; 20] = [
    "waitable-join",
    "waitable-set-new",
    "waitable-set-drop",
    "subtask-drop",
    "subtask-cancel",
    "context-get",
    "context-set",
    "stream-new",
    "future-new",
    "stream-drop",
    "future-drop",
    "stream-cancel",
    "future-cancel",
    "stream-close",
    "future-close",
    "resource-drop",
    "task-cancel",
    "yield",
    "thread-yield",
    "error-context-drop",
];

/// The builtin's name: what stands between the first brackets, else the
/// whole field; lower case, `_` read as `-`.
/// Does import `field` deliver an event, writing its record at its pointer
/// argument (`[waitable-set-wait]`, `[waitable-set-poll]`, also a bare
/// `waitable_set_poll`, with any `$N` suffix)?
pub fn delivers_events(field: &str) -> bool {
    let kind = builtin_kind(field);
    kind.starts_with("waitable-set-wait") || kind.starts_with("waitable-set-poll")
}

fn builtin_kind(field: &str) -> String {
    let kind = match field.strip_prefix('[') {
        Some(r) => r.split_once(']').map_or(r, |(k, _)| k),
        None => field,
    };
    kind.to_ascii_lowercase().replace('_', "-")
}

/// The host facts a pass may rely on (module docs); each is on by default
/// and can be turned off (`init-constprop<host-globals=any>`).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct HostFacts {
    /// The host never writes a global the module neither exports nor
    /// imports.
    pub private_globals: bool,
    /// The host writes linear memory only inside buffers the module handed
    /// it ([`HostWrite`]).
    pub handed_buffers: bool,
}

impl Default for HostFacts {
    fn default() -> Self {
        HostFacts { private_globals: true, handed_buffers: true }
    }
}

/// Does the module export a `cabi_realloc` (whose results the host
/// writes)?
pub fn exports_realloc(module: &Module) -> bool {
    module.exports.iter().any(|e| e.kind == ExportKind::Func && e.name.starts_with("cabi_realloc"))
}

/// One callback export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Callback {
    /// The export name (`[callback][async-lift]<iface>#<func>`).
    pub export: String,
    /// The exported function.
    pub func: FuncRef,
    /// Why no fact is derived for it (a signature other than
    /// `(i32, i32, i32) -> i32`), if so.
    pub declined: Option<String>,
}

/// Where the event set of the module's callbacks comes from.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum EventSource {
    /// Derived from the imports.
    Derived,
    /// Given by the caller (`--assume-events`).
    Assumed,
}

/// The P3 facts of one core module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct P3Facts {
    /// The callback exports, in export order.
    pub callbacks: Vec<Callback>,
    /// The events the imports allow.
    pub derived: EventSet,
    /// For each event the imports allow beyond NONE and TASK_CANCELLED, the
    /// first import that allows it (`module::field`).
    pub evidence: Vec<(EventCode, String)>,
    /// The events a callback can receive: the caller's assumption when
    /// given, else [`P3Facts::derived`].
    pub events: EventSet,
    /// Where [`P3Facts::events`] comes from.
    pub source: EventSource,
}

impl P3Facts {
    /// The facts of `module`; `assumed` replaces the derived event set.
    pub fn of(module: &Module, assumed: Option<EventSet>) -> P3Facts {
        let mut derived: EventSet = [EventCode::None, EventCode::TaskCancelled].into_iter().collect();
        let mut evidence = Vec::new();
        for import in &module.imported_funcs {
            let Some(event) = ImportRole::of(&import.field).event() else { continue };
            if !derived.contains(event) {
                derived.insert(event);
                evidence.push((event, format!("{}::{}", import.module, import.field)));
            }
        }
        evidence.sort_by_key(|(e, _)| *e);
        let callbacks = module
            .exports
            .iter()
            .filter(|e| e.kind == ExportKind::Func && e.name.starts_with(CALLBACK_PREFIX))
            .map(|e| {
                let func = FuncRef::from_u32(e.index);
                let declined = match module.func_sig(func) {
                    Some(sig) if sig.params == [Type::I32; 3] && sig.results == [Type::I32] => None,
                    Some(sig) => Some(format!(
                        "signature ({}) -> ({}) is not (i32, i32, i32) -> i32",
                        join(&sig.params),
                        join(&sig.results)
                    )),
                    None => Some("the exported function has no known signature".to_string()),
                };
                Callback { export: e.name.clone(), func, declined }
            })
            .collect();
        let (events, source) = match assumed {
            Some(s) => (s, EventSource::Assumed),
            None => (derived, EventSource::Derived),
        };
        P3Facts { callbacks, derived, evidence, events, source }
    }

    /// Does the module export a callback?
    pub fn has_callbacks(&self) -> bool {
        !self.callbacks.is_empty()
    }

    /// The facts as lines for `--stats` and the report: the event set and
    /// where it comes from, then each callback (and why one is declined).
    pub fn lines(&self) -> Vec<String> {
        let mut out = Vec::new();
        let why: Vec<String> = self.evidence.iter().map(|(e, imp)| format!("{} via {imp}", e.name())).collect();
        let derived = if why.is_empty() {
            format!("events from imports {} (no import allows more than none and task-cancelled)", self.derived)
        } else {
            format!("events from imports {} ({})", self.derived, why.join("; "))
        };
        match self.source {
            EventSource::Derived => out.push(derived),
            EventSource::Assumed => {
                out.push(format!("events assumed {} (--assume-events)", self.events));
                out.push(derived);
            }
        }
        for cb in &self.callbacks {
            match &cb.declined {
                None => out.push(format!(
                    "callback `{}` (function {}): event ∈ {}",
                    cb.export,
                    cb.func.as_u32(),
                    self.events
                )),
                Some(reason) => {
                    out.push(format!("callback `{}` (function {}): no fact: {reason}", cb.export, cb.func.as_u32()))
                }
            }
        }
        out
    }
}

fn join(tys: &[Type]) -> String {
    tys.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")
}

/// A call of a stream copy intrinsic (`(end, ptr, count) -> i32`).
struct StreamCopy {
    /// [`ImportRole::StreamRead`] or [`ImportRole::StreamWrite`].
    role: ImportRole,
    /// Async-lowered (it returns a subtask, not a copy result).
    lowered: bool,
    /// The count, when it is a constant and the signature is the canonical
    /// one.
    count: Option<u64>,
}

/// The stream copy `func`'s instruction `inst` calls, if it calls one.
fn stream_copy(module: &Module, func: &Function, inst: weft_ir::Inst) -> Option<StreamCopy> {
    let InstructionData::Op { opcode: Opcode::Call, imm: Imm::Func(f), .. } = func.dfg.insts[inst] else {
        return None;
    };
    let import = module.imported_funcs.get(f.as_u32() as usize)?;
    let role = ImportRole::of(&import.field);
    if !matches!(role, ImportRole::StreamRead | ImportRole::StreamWrite) {
        return None;
    }
    let args = func.dfg.inst_args(inst);
    let canonical = module.func_sig(f).is_some_and(|sig| sig.params == [Type::I32; 3] && sig.results == [Type::I32]);
    let count = args.get(2).filter(|_| canonical).and_then(|&c| func.dfg.int_const(c)).map(|c| u64::from(c as u32));
    Some(StreamCopy { role, lowered: import.field.starts_with(ASYNC_LOWER_PREFIX), count })
}

/// The largest count the stream copies of `module` pass — its writes
/// (`writes`) or its reads, async-lowered or not — when every one passes a
/// constant; `None` when one does not, when a body is not IR, or when
/// there is none.
pub fn max_stream_count(module: &Module, writes: bool) -> Option<u64> {
    let want = if writes { ImportRole::StreamWrite } else { ImportRole::StreamRead };
    let mut max: Option<u64> = None;
    for d in &module.funcs {
        let FuncBody::Ir(func) = &d.body else { return None };
        for inst in func.layout.blocks().flat_map(|b| func.layout.block_insts(b)) {
            match stream_copy(module, func, inst) {
                Some(copy) if copy.role == want => {
                    let c = copy.count?;
                    max = Some(max.map_or(c, |m| m.max(c)));
                }
                _ => {}
            }
        }
    }
    max
}

/// The largest copy result (`(progress << 4) | result`) of a copy of at
/// most `count` elements.
fn copy_result_max(count: u64) -> u64 {
    (count.min(u64::from(u32::MAX) >> 4) << 4) | 0xF
}

/// The facts of the results of `func`'s stream copies with a constant
/// count `c` (not async-lowered: those return a subtask): BLOCKED, or at
/// most `(c << 4) | 0xF` — progress at most the count, with any result
/// code in the low four bits.
pub fn copy_result_facts(module: &Module, func: &Function) -> Vec<(Value, ValueSet)> {
    let mut out = Vec::new();
    for inst in func.layout.blocks().flat_map(|b| func.layout.block_insts(b)) {
        let Some(StreamCopy { lowered: false, count: Some(count), .. }) = stream_copy(module, func, inst) else {
            continue;
        };
        let Some(&result) = func.dfg.inst_results(inst).first() else { continue };
        let set = IntervalSet::from_ranges(32, vec![(0, copy_result_max(count)), (0xFFFF_FFFF, 0xFFFF_FFFF)]);
        out.push((result, ValueSet::of(set)));
    }
    out
}

/// The largest `p2` a callback of `module` can receive with event `e`
/// (module docs): `None` for a stream event when the module's copies of
/// that direction do not all pass a constant count.
pub fn payload_bound(module: &Module, e: EventCode) -> Option<u64> {
    Some(match e {
        EventCode::Subtask => 4,
        EventCode::StreamRead => copy_result_max(max_stream_count(module, false)?),
        EventCode::StreamWrite => copy_result_max(max_stream_count(module, true)?),
        EventCode::FutureRead | EventCode::FutureWrite => copy_result_max(1),
        EventCode::None | EventCode::TaskCancelled => 0,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_are_classified_by_prefix() {
        assert_eq!(ImportRole::of("[stream-read-0]read"), ImportRole::StreamRead);
        assert_eq!(ImportRole::of("[async-lower][stream-read-12]x$3"), ImportRole::StreamRead);
        assert_eq!(ImportRole::of("[stream-write-1]w"), ImportRole::StreamWrite);
        assert_eq!(ImportRole::of("[future-read-0]f"), ImportRole::FutureRead);
        assert_eq!(ImportRole::of("[future-write-2]f"), ImportRole::FutureWrite);
        assert_eq!(ImportRole::of("[async-lower]get"), ImportRole::AsyncLower);
        assert_eq!(ImportRole::of("[async-lower][waitable-set-wait]"), ImportRole::AsyncLower);
        // The bare forms of fusion runtimes' host intrinsics.
        assert_eq!(ImportRole::of("stream_write"), ImportRole::StreamWrite);
        assert_eq!(ImportRole::of("future-read$1"), ImportRole::FutureRead);
        assert_eq!(ImportRole::of("[stream-read]x"), ImportRole::StreamRead);
        // Not intrinsics: other builtins, other names.
        assert_eq!(ImportRole::of("[stream-new-0]s"), ImportRole::Other);
        assert_eq!(ImportRole::of("[stream-read-x]x"), ImportRole::Other);
        assert_eq!(ImportRole::of("[stream-cancel-read-0]x"), ImportRole::Other);
        assert_eq!(ImportRole::of("stream_drop_readable"), ImportRole::Other);
        assert_eq!(ImportRole::of("stream_read_all"), ImportRole::Other);
        assert_eq!(ImportRole::of("[waitable-set-poll]$2"), ImportRole::Other);
        assert_eq!(ImportRole::of("fd_write"), ImportRole::Other);
        // Backpressure builtins, the older name included.
        assert_eq!(ImportRole::of("[backpressure-set]"), ImportRole::Backpressure(BackpressureOp::Set));
        assert_eq!(ImportRole::of("[backpressure-inc]"), ImportRole::Backpressure(BackpressureOp::Inc));
        assert_eq!(ImportRole::of("[backpressure-dec]$1"), ImportRole::Backpressure(BackpressureOp::Dec));
        assert_eq!(ImportRole::of("task.backpressure"), ImportRole::Backpressure(BackpressureOp::Set));
        assert_eq!(ImportRole::of("[backpressure-get]"), ImportRole::Other);
    }

    #[test]
    fn host_writes_only_handed_buffers() {
        use Type::{I32, I64};
        let buf = |params: Vec<usize>, bytes| HostWrite::Buffers { params, bytes };
        assert_eq!(HostWrite::of("[stream-read-0]f", &[I32, I32, I32]), buf(vec![1], None));
        assert_eq!(HostWrite::of("stream_read", &[I32, I32, I32, I32]), buf(vec![1], None));
        assert_eq!(HostWrite::of("[future-read-1]f", &[I32, I32]), buf(vec![1], None));
        assert_eq!(HostWrite::of("[waitable-set-poll]", &[I32, I32]), buf(vec![1], Some(12)));
        assert_eq!(HostWrite::of("[waitable-set-wait]$2", &[I32, I32]), buf(vec![1], Some(12)));
        assert_eq!(HostWrite::of("[async-lower]get", &[I32, I64, I32]), buf(vec![0, 2], None));
        assert_eq!(HostWrite::of("[async-lower][stream-write-0]f", &[I32, I32, I32]), buf(vec![0, 1, 2], None));
        assert_eq!(HostWrite::of("fd_read", &[I32, I32, I32, I32]), buf(vec![0, 1, 2, 3], None));
        for reads in [
            "[task-return]submit",
            "[stream-write-0]f",
            "stream_write",
            "[backpressure-set]",
            "[backpressure-inc]",
            "[waitable-join]",
            "[context-set-0]",
            "[stream-drop-readable-0]f",
            "stream_drop_writable",
            "[subtask-drop]",
        ] {
            assert_eq!(HostWrite::of(reads, &[I32, I32]), HostWrite::Nothing, "{reads}");
        }
    }

    #[test]
    fn event_lists_parse_names_and_codes() {
        let s: EventSet = "stream-read, task_cancelled,0".parse().unwrap();
        assert_eq!(s.codes(), vec![0, 2, 6]);
        let s: EventSet = "1,5,FUTURE-WRITE".parse().unwrap();
        assert_eq!(s.codes(), vec![1, 5]);
        assert_eq!("".parse::<EventSet>().unwrap(), EventSet::EMPTY);
        let e = "stream-read,7".parse::<EventSet>().unwrap_err();
        assert_eq!(e.item, "7");
        let msg = "sream-read".parse::<EventSet>().unwrap_err().to_string();
        assert!(msg.contains("unknown event `sream-read`"), "{msg}");
        assert!(msg.contains("stream-read (2)") && msg.contains("task-cancelled (6)"), "{msg}");
        assert_eq!(EventSet::all().codes(), vec![0, 1, 2, 3, 4, 5, 6]);
        assert_eq!(s_display(), "{none (0), task-cancelled (6)}");
    }

    fn s_display() -> String {
        [EventCode::TaskCancelled, EventCode::None].into_iter().collect::<EventSet>().to_string()
    }
}

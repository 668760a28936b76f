//! The spec testsuite runner: every module of a `.wast` script goes through
//! the transform under test, and the script's commands run against the
//! transformed module under wasmtime.
//!
//! This module owns:
//! - reading `.wast` scripts with the `wast` crate and executing their
//!   directives ([`run_wast_file`], [`run_wast_text`]): `module` (also
//!   `module definition` / `module instance`), `register`, `invoke`, `get`,
//!   `assert_return` (with `nan:canonical` / `nan:arithmetic` patterns, lane
//!   by lane for `v128`), `assert_trap` (on calls and on instantiation),
//!   `assert_exhaustion`, `assert_unlinkable` against the **transformed**
//!   modules, with the `spectest` host module
//!   ([`crate::wasmtime_harness::define_spectest`]);
//! - checking `assert_invalid` / `assert_malformed` against the transform
//!   ([`RejectPolicy`]): the original bytes are invalid, so the transform
//!   must return `Err` (never panic), or, for transforms that are not
//!   validators (the identity), at least must not produce a valid module;
//! - classifying every module: round-tripped, out of weft's feature set
//!   (wasmtime configured with [`crate::wasmtime_harness::weft_features`]
//!   rejects the original, or it imports from such a module), failed (the
//!   transform errs or panics, the output is invalid, or a command against
//!   it fails) or blocked (it depends on a failed module) — nothing is
//!   skipped silently: every directive that does not run is counted with its
//!   reason ([`FileReport`], [`SuiteReport`]);
//! - running a whole folder of scripts in parallel ([`run_suite`]).
//!
//! Trap messages of the testsuite are matched against wasmtime's trap codes
//! ([`trap_matches`]).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use wasmtime::{Engine, Instance, Linker, Module, Store, Trap};
use wast::core::{AbstractHeapType, HeapType, NanPattern, V128Pattern, WastArgCore, WastRetCore};
use wast::parser::{self, ParseBuffer};
use wast::token::{Id, Span};
use wast::{QuoteWat, Wast, WastArg, WastDirective, WastExecute, WastInvoke, WastRet, Wat};

use crate::wasmtime_harness::{
    Call, Failure, Limits, Transform, WasmValue, apply_transform, call_export, define_spectest, engine, validate,
    validate_all_features,
};

/// The results of a call, or why there are none.
type CallResult = Result<Vec<WasmValue>, Failure>;

/// Fuel for every command (and every instantiation): enough for every
/// script of the testsuite, small enough that a transform that makes a loop
/// infinite fails in about a second.
pub const COMMAND_FUEL: u64 = 200_000_000;

/// What `assert_invalid` / `assert_malformed` require of the transform.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RejectPolicy {
    /// The transform must return `Err` (weft's round trip: the frontend
    /// validates its input).
    MustErr,
    /// The transform may return bytes, but they must not validate (for the
    /// identity transform).
    MustNotProduceValid,
}

/// Which trap an `assert_trap` accepts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TrapKinds {
    /// The trap the script names ([`trap_matches`]).
    Exact,
    /// As [`TrapKinds::Exact`], except that where the script expects one of
    /// the traps of a `call_indirect` (`undefined element`, `uninitialized
    /// element`, `indirect call type mismatch`), an `unreachable` trap
    /// passes too, counted in [`FileReport::indirect_traps_as_unreachable`].
    /// For optimized modules: `directize` replaces an indirect call through
    /// a table that never changes by direct calls and `unreachable` for the
    /// indices that trap. Wasm's semantics (and weft's refinement, see
    /// `design/VERIFICATION.md`) has one trap; the kind is the engine's
    /// message.
    IndirectCallMayBeUnreachable,
}

/// One failed check, with its place in the script.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SpecFailure {
    /// 1-based line of the directive.
    pub line: usize,
    /// 1-based column of the directive.
    pub col: usize,
    /// What went wrong.
    pub message: String,
}

/// The counts and failures of one script.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FileReport {
    /// The script's file name.
    pub file: String,
    /// Set when `wast` cannot parse the script at all (nothing ran).
    pub parse_error: Option<String>,
    /// Modules that went through the transform and whose commands passed.
    pub modules_roundtripped: usize,
    /// In-set modules whose transformed bytes equal the original bytes.
    pub modules_unchanged: usize,
    /// Modules outside weft's feature set (not transformed), by reason.
    pub out_of_set: BTreeMap<String, usize>,
    /// Modules with a failure.
    pub modules_failed: usize,
    /// Modules not run because they import from a failed module.
    pub modules_blocked: usize,
    /// Commands (`invoke`, `get`, assertions) that ran and passed.
    pub commands_passed: usize,
    /// Commands not run, by reason (out-of-set module, threads, exceptions,
    /// custom-section assertions, ...).
    pub commands_not_run: BTreeMap<String, usize>,
    /// `assert_invalid` / `assert_malformed` modules the transform handled
    /// as required by the [`RejectPolicy`].
    pub rejections_checked: usize,
    /// `assert_invalid` / `assert_malformed` modules that are text-level
    /// errors (no binary exists to give the transform).
    pub rejections_text_only: usize,
    /// `assert_invalid` / `assert_malformed` modules that `wasmparser` (every
    /// feature) accepts: a validator disagreement, reported not failed.
    pub validator_disagreements: Vec<SpecFailure>,
    /// The failures.
    pub failures: Vec<SpecFailure>,
    /// `assert_trap`s of an indirect call's trap that passed with an
    /// `unreachable` trap ([`TrapKinds::IndirectCallMayBeUnreachable`]).
    pub indirect_traps_as_unreachable: usize,
}

impl FileReport {
    /// Modules outside the feature set.
    pub fn modules_out_of_set(&self) -> usize {
        self.out_of_set.values().sum()
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Status {
    Ok,
    OutOfSet,
    Failed,
    Blocked,
}

/// A module, instantiated or not.
#[derive(Clone)]
struct Target {
    record: usize,
    instance: Option<Instance>,
}

/// A compiled (transformed) module from `module definition`.
#[derive(Clone)]
struct Definition {
    record: usize,
    module: Option<Module>,
}

struct Script<'a> {
    text: &'a str,
    engine: Engine,
    transform: &'a Transform<'a>,
    policy: RejectPolicy,
    traps: TrapKinds,
    store: Store<()>,
    linker: Linker<()>,
    records: Vec<Status>,
    instances: BTreeMap<String, Target>,
    current: Option<Target>,
    definitions: BTreeMap<String, Definition>,
    last_definition: Option<Definition>,
    /// Registered name → module record.
    registered: BTreeMap<String, usize>,
    report: FileReport,
}

enum Prepared {
    Ready(usize, Module),
    NotReady(usize),
}

fn strip_offset(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message);
    match first.find(" (at offset") {
        Some(i) => first[..i].to_string(),
        None => first.to_string(),
    }
}

/// The import module names of a core module (empty if it does not parse).
fn import_modules(bytes: &[u8]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let Ok(payload) = payload else { break };
        if let wasmparser::Payload::ImportSection(reader) = payload {
            for imports in reader.into_iter().flatten() {
                match imports {
                    wasmparser::Imports::Single(_, i) => {
                        names.insert(i.module.to_string());
                    }
                    wasmparser::Imports::Compact1 { module, .. } | wasmparser::Imports::Compact2 { module, .. } => {
                        names.insert(module.to_string());
                    }
                }
            }
        }
    }
    names
}

impl<'a> Script<'a> {
    fn linecol(&self, span: Span) -> (usize, usize) {
        let (l, c) = span.linecol_in(self.text);
        (l + 1, c + 1)
    }

    fn fail(&mut self, record: Option<usize>, span: Span, message: String) {
        let (line, col) = self.linecol(span);
        self.report.failures.push(SpecFailure { line, col, message });
        if let Some(r) = record {
            self.records[r] = Status::Failed;
        }
    }

    fn not_run(&mut self, reason: &str) {
        *self.report.commands_not_run.entry(reason.to_string()).or_insert(0) += 1;
    }

    fn set_fuel(&mut self) {
        // The engine consumes fuel, so setting it cannot fail.
        let _ = self.store.set_fuel(COMMAND_FUEL);
    }

    fn new_record(&mut self) -> usize {
        self.records.push(Status::Ok);
        self.records.len() - 1
    }

    fn out_of_set(&mut self, record: usize, reason: String) -> Prepared {
        self.records[record] = Status::OutOfSet;
        *self.report.out_of_set.entry(reason).or_insert(0) += 1;
        Prepared::NotReady(record)
    }

    /// Encodes, classifies, transforms, validates and compiles one module.
    fn prepare(&mut self, span: Span, encoded: Result<Vec<u8>, String>) -> Prepared {
        let record = self.new_record();
        let bytes = match encoded {
            Ok(b) => b,
            Err(e) => return self.out_of_set(record, format!("wast cannot encode it: {}", strip_offset(&e))),
        };
        if let Err(e) = Module::validate(&self.engine, &bytes) {
            return self.out_of_set(record, strip_offset(&format!("{e:#}")));
        }
        if let Err(e) = validate(&bytes) {
            // wasmtime's (older) wasmparser accepts it, the workspace's
            // wasmparser with weft's features does not.
            return self
                .out_of_set(record, format!("wasmparser 0.263: {}", e.split_once(": ").map_or(e.as_str(), |p| p.1)));
        }
        for name in import_modules(&bytes) {
            match self.registered.get(&name).map(|r| self.records[*r].clone()) {
                Some(Status::OutOfSet) => {
                    return self.out_of_set(record, "imports from an out-of-set module".to_string());
                }
                Some(Status::Failed | Status::Blocked) => {
                    self.records[record] = Status::Blocked;
                    return Prepared::NotReady(record);
                }
                _ => {}
            }
        }
        let transformed = match apply_transform(self.transform, &bytes) {
            Ok(t) => t,
            Err(e) => {
                self.fail(Some(record), span, format!("transform failed on a valid in-set module: {e}"));
                return Prepared::NotReady(record);
            }
        };
        if transformed == bytes {
            self.report.modules_unchanged += 1;
        }
        if let Err(e) = validate(&transformed) {
            self.fail(Some(record), span, format!("transformed module does not validate: {e}"));
            return Prepared::NotReady(record);
        }
        match Module::new(&self.engine, &transformed) {
            Ok(m) => Prepared::Ready(record, m),
            Err(e) => {
                self.fail(Some(record), span, format!("wasmtime cannot compile the transformed module: {e:#}"));
                Prepared::NotReady(record)
            }
        }
    }

    fn instantiate(&mut self, module: &Module) -> Result<Instance, Failure> {
        self.set_fuel();
        self.linker.instantiate(&mut self.store, module).map_err(|e| Failure::from_error(&e))
    }

    fn bind(&mut self, name: Option<Id<'_>>, target: Target) {
        if let Some(id) = name {
            self.instances.insert(id.name().to_string(), target.clone());
        }
        self.current = Some(target);
    }

    fn module_directive(&mut self, mut quote: QuoteWat<'_>) {
        let span = quote.span();
        let name = quote.name();
        let encoded = encode_quote(&mut quote);
        let target = match self.prepare(span, encoded) {
            Prepared::Ready(record, module) => match self.instantiate(&module) {
                Ok(instance) => Target { record, instance: Some(instance) },
                Err(e) => {
                    self.fail(Some(record), span, format!("transformed module failed to instantiate: {e}"));
                    Target { record, instance: None }
                }
            },
            Prepared::NotReady(record) => Target { record, instance: None },
        };
        self.bind(name, target);
    }

    fn definition_directive(&mut self, mut quote: QuoteWat<'_>) {
        let span = quote.span();
        let name = quote.name();
        let encoded = encode_quote(&mut quote);
        let def = match self.prepare(span, encoded) {
            Prepared::Ready(record, module) => Definition { record, module: Some(module) },
            Prepared::NotReady(record) => Definition { record, module: None },
        };
        if let Some(id) = name {
            self.definitions.insert(id.name().to_string(), def.clone());
        }
        self.last_definition = Some(def);
    }

    fn instance_directive(&mut self, span: Span, instance: Option<Id<'_>>, module: Option<Id<'_>>) {
        let def = match module {
            Some(id) => self.definitions.get(id.name()).cloned(),
            None => self.last_definition.clone(),
        };
        let Some(def) = def else {
            self.fail(None, span, "`module instance` names no known module definition".to_string());
            return;
        };
        let target = match &def.module {
            Some(m) => match self.instantiate(m) {
                Ok(i) => Target { record: def.record, instance: Some(i) },
                Err(e) => {
                    self.fail(Some(def.record), span, format!("transformed module failed to instantiate: {e}"));
                    Target { record: def.record, instance: None }
                }
            },
            None => Target { record: def.record, instance: None },
        };
        self.bind(instance, target);
    }

    fn resolve(&mut self, span: Span, module: Option<Id<'_>>) -> Option<Target> {
        let found = match module {
            Some(id) => self.instances.get(id.name()).cloned(),
            None => self.current.clone(),
        };
        if found.is_none() {
            self.fail(None, span, format!("no module {:?} to run the command against", module.map(|i| i.name())));
        }
        found
    }

    /// The live instance of `target`, or `None` after counting the command
    /// as not run (with the reason).
    fn live(&mut self, target: &Target) -> Option<Instance> {
        match (&target.instance, &self.records[target.record]) {
            (Some(i), _) => Some(*i),
            (None, Status::OutOfSet) => {
                self.not_run("command against an out-of-set module");
                None
            }
            (None, _) => {
                self.not_run("command against a failed or blocked module");
                None
            }
        }
    }

    fn invoke(&mut self, invoke: &WastInvoke<'_>) -> Option<(usize, CallResult)> {
        let target = self.resolve(invoke.span, invoke.module)?;
        let instance = self.live(&target)?;
        let mut args = Vec::new();
        for a in &invoke.args {
            match arg_value(a) {
                Ok(v) => args.push(v),
                Err(e) => {
                    self.fail(Some(target.record), invoke.span, format!("argument not supported: {e}"));
                    return None;
                }
            }
        }
        self.set_fuel();
        let call = Call::new(invoke.name, args);
        Some((target.record, call_export(&mut self.store, &instance, &call)))
    }

    /// Runs an `assert_*` execution; `None` when it did not run (counted).
    fn execute(&mut self, exec: &mut WastExecute<'_>) -> Option<(Option<usize>, CallResult)> {
        match exec {
            WastExecute::Invoke(invoke) => self.invoke(invoke).map(|(r, res)| (Some(r), res)),
            WastExecute::Get { span, module, global } => {
                let target = self.resolve(*span, *module)?;
                let instance = self.live(&target)?;
                let result = match instance.get_global(&mut self.store, global) {
                    Some(g) => {
                        let v = g.get(&mut self.store);
                        WasmValue::from_val(&v, &self.store).map(|v| vec![v]).map_err(Failure::Error)
                    }
                    None => Err(Failure::Error(format!("no exported global `{global}`"))),
                };
                Some((Some(target.record), result))
            }
            WastExecute::Wat(wat) => {
                let span = wat.span();
                let encoded = encode_wat(wat);
                match self.prepare(span, encoded) {
                    Prepared::Ready(record, module) => {
                        let r = self.instantiate(&module).map(|_| Vec::new());
                        Some((Some(record), r))
                    }
                    Prepared::NotReady(record) => {
                        if self.records[record] == Status::OutOfSet {
                            self.not_run("instantiation of an out-of-set module");
                        } else if self.records[record] == Status::Blocked {
                            self.not_run("command against a failed or blocked module");
                        }
                        None
                    }
                }
            }
        }
    }

    fn assert_return(&mut self, span: Span, exec: &mut WastExecute<'_>, expected: &[WastRet<'_>]) {
        let Some((record, result)) = self.execute(exec) else { return };
        match result {
            Ok(values) => match match_results(&values, expected) {
                Ok(()) => self.report.commands_passed += 1,
                Err(e) => self.fail(record, span, format!("assert_return: {e}")),
            },
            Err(f) => self.fail(record, span, format!("assert_return: expected results, got {f}")),
        }
    }

    fn assert_trap(&mut self, span: Span, exec: &mut WastExecute<'_>, message: &str) {
        let Some((record, result)) = self.execute(exec) else { return };
        match result {
            Err(f) if trap_matches(&f, message) => self.report.commands_passed += 1,
            Err(f)
                if self.traps == TrapKinds::IndirectCallMayBeUnreachable
                    && ["undefined element", "uninitialized element", "indirect call type mismatch"]
                        .iter()
                        .any(|p| message.starts_with(p))
                    && trap_matches(&f, "unreachable") =>
            {
                self.report.commands_passed += 1;
                self.report.indirect_traps_as_unreachable += 1;
            }
            Err(f) => self.fail(record, span, format!("assert_trap: expected trap `{message}`, got {f}")),
            Ok(v) => self.fail(
                record,
                span,
                format!("assert_trap: expected trap `{message}`, got results {}", values_text(&v)),
            ),
        }
    }

    fn assert_exhaustion(&mut self, span: Span, invoke: &WastInvoke<'_>, message: &str) {
        let Some((record, result)) = self.invoke(invoke) else { return };
        match result {
            Err(f @ Failure::Trap(_)) if trap_matches(&f, message) => self.report.commands_passed += 1,
            other => self.fail(
                Some(record),
                span,
                format!("assert_exhaustion: expected `{message}`, got {}", result_or_failure(&other)),
            ),
        }
    }

    fn assert_unlinkable(&mut self, span: Span, wat: &mut Wat<'_>, message: &str) {
        let encoded = encode_wat(wat);
        match self.prepare(span, encoded) {
            Prepared::Ready(record, module) => match self.instantiate(&module) {
                Err(Failure::Error(_)) => self.report.commands_passed += 1,
                Err(f) => self.fail(Some(record), span, format!("assert_unlinkable: expected `{message}`, got {f}")),
                Ok(_) => self.fail(
                    Some(record),
                    span,
                    format!("assert_unlinkable: expected `{message}`, but the transformed module linked"),
                ),
            },
            Prepared::NotReady(record) => {
                if self.records[record] == Status::OutOfSet {
                    self.not_run("instantiation of an out-of-set module");
                }
            }
        }
    }

    /// `assert_invalid` / `assert_malformed`.
    fn assert_rejected(&mut self, kind: &str, span: Span, quote: &mut QuoteWat<'_>, message: &str) {
        let bytes = match encode_quote(quote) {
            Ok(b) => b,
            Err(_) => {
                self.report.rejections_text_only += 1;
                return;
            }
        };
        let (line, col) = self.linecol(span);
        if validate_all_features(&bytes).is_ok() {
            self.report.validator_disagreements.push(SpecFailure {
                line,
                col,
                message: format!("{kind} `{message}`: wasmparser (all features) accepts the module"),
            });
            return;
        }
        match apply_transform(self.transform, &bytes) {
            Err(e) if e.starts_with("PANIC") => {
                self.fail(None, span, format!("{kind} `{message}`: transform panicked: {e}"))
            }
            Err(_) => self.report.rejections_checked += 1,
            Ok(out) => match self.policy {
                RejectPolicy::MustErr => {
                    self.fail(None, span, format!("{kind} `{message}`: the transform accepted an invalid module"))
                }
                RejectPolicy::MustNotProduceValid => {
                    if validate_all_features(&out).is_ok() {
                        self.fail(
                            None,
                            span,
                            format!("{kind} `{message}`: the transform produced a valid module from an invalid one"),
                        );
                    } else {
                        self.report.rejections_checked += 1;
                    }
                }
            },
        }
    }

    fn register(&mut self, span: Span, name: &str, module: Option<Id<'_>>) {
        let Some(target) = self.resolve(span, module) else { return };
        self.registered.insert(name.to_string(), target.record);
        if let Some(instance) = target.instance {
            if let Err(e) = self.linker.instance(&mut self.store, name, instance) {
                self.fail(Some(target.record), span, format!("register `{name}`: {e:#}"));
                return;
            }
            self.report.commands_passed += 1;
        } else {
            self.live(&target);
        }
    }

    fn directive(&mut self, directive: WastDirective<'_>) {
        match directive {
            WastDirective::Module(quote) => self.module_directive(quote),
            WastDirective::ModuleDefinition(quote) => self.definition_directive(quote),
            WastDirective::ModuleInstance { span, instance, module } => self.instance_directive(span, instance, module),
            WastDirective::Register { span, name, module } => self.register(span, name, module),
            WastDirective::Invoke(invoke) => {
                if let Some((record, result)) = self.invoke(&invoke) {
                    match result {
                        Ok(_) => self.report.commands_passed += 1,
                        Err(f) => self.fail(Some(record), invoke.span, format!("invoke `{}`: {f}", invoke.name)),
                    }
                }
            }
            WastDirective::AssertReturn { span, mut exec, results } => self.assert_return(span, &mut exec, &results),
            WastDirective::AssertTrap { span, mut exec, message } => self.assert_trap(span, &mut exec, message),
            WastDirective::AssertExhaustion { span, call, message } => self.assert_exhaustion(span, &call, message),
            WastDirective::AssertUnlinkable { span, mut module, message } => {
                self.assert_unlinkable(span, &mut module, message)
            }
            WastDirective::AssertInvalid { span, mut module, message } => {
                self.assert_rejected("assert_invalid", span, &mut module, message)
            }
            WastDirective::AssertMalformed { span, mut module, message } => {
                self.assert_rejected("assert_malformed", span, &mut module, message)
            }
            WastDirective::AssertInvalidCustom { .. } | WastDirective::AssertMalformedCustom { .. } => {
                self.not_run("custom-section assertion (sections pass through untouched)")
            }
            WastDirective::AssertException { .. } => self.not_run("assert_exception (exceptions are out of set)"),
            WastDirective::AssertSuspension { .. } => self.not_run("assert_suspension (stack switching is out of set)"),
            WastDirective::Thread(_) | WastDirective::Wait { .. } => {
                self.not_run("thread / wait (threads are out of set)")
            }
        }
    }
}

fn encode_quote(quote: &mut QuoteWat<'_>) -> Result<Vec<u8>, String> {
    match quote {
        QuoteWat::QuoteComponent(..) | QuoteWat::Wat(Wat::Component(_)) => {
            Err("a component, not a core module".to_string())
        }
        _ => quote.encode().map_err(|e| e.to_string()),
    }
}

fn encode_wat(wat: &mut Wat<'_>) -> Result<Vec<u8>, String> {
    match wat {
        Wat::Component(_) => Err("a component, not a core module".to_string()),
        Wat::Module(_) => wat.encode().map_err(|e| e.to_string()),
    }
}

fn values_text(values: &[WasmValue]) -> String {
    let items: Vec<String> = values.iter().map(|v| v.to_string()).collect();
    format!("[{}]", items.join(", "))
}

fn result_or_failure(r: &Result<Vec<WasmValue>, Failure>) -> String {
    match r {
        Ok(v) => format!("results {}", values_text(v)),
        Err(f) => f.to_string(),
    }
}

/// A script argument as a [`WasmValue`].
pub fn arg_value(arg: &WastArg<'_>) -> Result<WasmValue, String> {
    let WastArg::Core(core) = arg else { return Err("component-model value".to_string()) };
    Ok(match core {
        WastArgCore::I32(v) => WasmValue::I32(*v),
        WastArgCore::I64(v) => WasmValue::I64(*v),
        WastArgCore::F32(v) => WasmValue::F32(v.bits),
        WastArgCore::F64(v) => WasmValue::F64(v.bits),
        WastArgCore::V128(v) => WasmValue::V128(u128::from_le_bytes(v.to_le_bytes())),
        WastArgCore::RefNull(heap) => match heap_kind(heap) {
            Some(RefKind::Func) => WasmValue::FuncRef(None),
            Some(RefKind::Extern) => WasmValue::ExternRef(None),
            None => return Err(format!("ref.null {heap:?}")),
        },
        WastArgCore::RefExtern(n) => WasmValue::ExternRef(Some(*n)),
        WastArgCore::RefHost(n) => return Err(format!("ref.host {n}")),
    })
}

enum RefKind {
    Func,
    Extern,
}

fn heap_kind(heap: &HeapType<'_>) -> Option<RefKind> {
    match heap {
        HeapType::Abstract { shared: false, ty: AbstractHeapType::Func | AbstractHeapType::NoFunc } => {
            Some(RefKind::Func)
        }
        HeapType::Abstract { shared: false, ty: AbstractHeapType::Extern | AbstractHeapType::NoExtern } => {
            Some(RefKind::Extern)
        }
        _ => None,
    }
}

fn f32_matches(bits: u32, pattern: &NanPattern<wast::token::F32>) -> bool {
    match pattern {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff == 0x7fc0_0000,
        NanPattern::ArithmeticNan => bits & 0x7fc0_0000 == 0x7fc0_0000,
        NanPattern::Value(v) => bits == v.bits,
    }
}

fn f64_matches(bits: u64, pattern: &NanPattern<wast::token::F64>) -> bool {
    match pattern {
        NanPattern::CanonicalNan => bits & 0x7fff_ffff_ffff_ffff == 0x7ff8_0000_0000_0000,
        NanPattern::ArithmeticNan => bits & 0x7ff8_0000_0000_0000 == 0x7ff8_0000_0000_0000,
        NanPattern::Value(v) => bits == v.bits,
    }
}

fn v128_matches(bits: u128, pattern: &V128Pattern) -> bool {
    let lane = |i: usize, width: usize| -> u128 { (bits >> (i * width)) & ((1u128 << width) - 1) };
    match pattern {
        V128Pattern::I8x16(l) => l.iter().enumerate().all(|(i, v)| lane(i, 8) == u128::from(*v as u8)),
        V128Pattern::I16x8(l) => l.iter().enumerate().all(|(i, v)| lane(i, 16) == u128::from(*v as u16)),
        V128Pattern::I32x4(l) => l.iter().enumerate().all(|(i, v)| lane(i, 32) == u128::from(*v as u32)),
        V128Pattern::I64x2(l) => l.iter().enumerate().all(|(i, v)| lane(i, 64) == u128::from(*v as u64)),
        V128Pattern::F32x4(l) => l.iter().enumerate().all(|(i, p)| f32_matches(lane(i, 32) as u32, p)),
        V128Pattern::F64x2(l) => l.iter().enumerate().all(|(i, p)| f64_matches(lane(i, 64) as u64, p)),
    }
}

/// Whether `actual` matches the pattern `expected`; `Err` for patterns
/// outside the feature set (GC references).
pub fn value_matches(actual: &WasmValue, expected: &WastRetCore<'_>) -> Result<bool, String> {
    Ok(match (expected, actual) {
        (WastRetCore::I32(e), WasmValue::I32(a)) => e == a,
        (WastRetCore::I64(e), WasmValue::I64(a)) => e == a,
        (WastRetCore::F32(p), WasmValue::F32(a)) => f32_matches(*a, p),
        (WastRetCore::F64(p), WasmValue::F64(a)) => f64_matches(*a, p),
        (WastRetCore::V128(p), WasmValue::V128(a)) => v128_matches(*a, p),
        (WastRetCore::RefNull(heap), a) => match (heap.as_ref().and_then(heap_kind), a) {
            (Some(RefKind::Func), WasmValue::FuncRef(None)) => true,
            (Some(RefKind::Extern), WasmValue::ExternRef(None)) => true,
            (None, WasmValue::FuncRef(None) | WasmValue::ExternRef(None)) => heap.is_none(),
            _ => false,
        },
        (WastRetCore::RefExtern(e), WasmValue::ExternRef(Some(a))) => e.is_none_or(|e| e == *a),
        (WastRetCore::RefFunc(_), WasmValue::FuncRef(Some(_))) => true,
        (WastRetCore::Either(options), a) => {
            for o in options {
                if value_matches(a, o)? {
                    return Ok(true);
                }
            }
            false
        }
        (
            WastRetCore::RefHost(_)
            | WastRetCore::RefAny
            | WastRetCore::RefEq
            | WastRetCore::RefArray
            | WastRetCore::RefStruct
            | WastRetCore::RefI31
            | WastRetCore::RefI31Shared,
            _,
        ) => return Err(format!("result pattern outside the feature set: {expected:?}")),
        _ => false,
    })
}

fn match_results(actual: &[WasmValue], expected: &[WastRet<'_>]) -> Result<(), String> {
    if actual.len() != expected.len() {
        return Err(format!("expected {} results, got {}", expected.len(), values_text(actual)));
    }
    for (i, (a, e)) in actual.iter().zip(expected).enumerate() {
        let WastRet::Core(e) = e else { return Err("component-model result pattern".to_string()) };
        if !value_matches(a, e)? {
            return Err(format!("result {i}: expected {e:?}, got {a} (all results {})", values_text(actual)));
        }
    }
    Ok(())
}

/// Whether a failure is the trap the testsuite names with `expected`
/// (`"integer divide by zero"`, `"undefined element"`, ...): by a table of
/// the testsuite's messages and wasmtime's trap codes, or failing that by
/// one message containing the other.
pub fn trap_matches(failure: &Failure, expected: &str) -> bool {
    let Failure::Trap(actual) = failure else { return false };
    const TABLE: &[(&str, &[Trap])] = &[
        ("unreachable", &[Trap::UnreachableCodeReached]),
        ("integer divide by zero", &[Trap::IntegerDivisionByZero]),
        ("integer overflow", &[Trap::IntegerOverflow]),
        ("invalid conversion to integer", &[Trap::BadConversionToInteger]),
        ("out of bounds memory access", &[Trap::MemoryOutOfBounds]),
        ("out of bounds table access", &[Trap::TableOutOfBounds]),
        ("undefined element", &[Trap::TableOutOfBounds]),
        ("uninitialized element", &[Trap::IndirectCallToNull]),
        ("indirect call type mismatch", &[Trap::BadSignature]),
        ("call stack exhausted", &[Trap::StackOverflow]),
        ("null", &[Trap::NullReference, Trap::IndirectCallToNull]),
    ];
    for (prefix, traps) in TABLE {
        if expected.starts_with(prefix) {
            return traps.iter().any(|t| t.to_string() == *actual);
        }
    }
    actual.contains(expected) || expected.contains(actual.as_str())
}

/// Runs the script `text` (named `file` in the report).
pub fn run_wast_text(
    file: &str,
    text: &str,
    engine: &Engine,
    transform: &Transform<'_>,
    policy: RejectPolicy,
    traps: TrapKinds,
) -> FileReport {
    let mut report = FileReport { file: file.to_string(), ..FileReport::default() };
    let mut lexer = wast::lexer::Lexer::new(text);
    lexer.allow_confusing_unicode(true);
    let buf = match ParseBuffer::new_with_lexer(lexer) {
        Ok(b) => b,
        Err(e) => {
            report.parse_error = Some(e.to_string());
            return report;
        }
    };
    let wast = match parser::parse::<Wast<'_>>(&buf) {
        Ok(w) => w,
        Err(mut e) => {
            e.set_text(text);
            report.parse_error = Some(e.to_string());
            return report;
        }
    };
    let mut store = Store::new(engine, ());
    let mut linker = Linker::new(engine);
    linker.allow_shadowing(true);
    if let Err(e) = define_spectest(&mut linker, &mut store) {
        report.parse_error = Some(e);
        return report;
    }
    let mut script = Script {
        text,
        engine: engine.clone(),
        transform,
        policy,
        traps,
        store,
        linker,
        records: Vec::new(),
        instances: BTreeMap::new(),
        current: None,
        definitions: BTreeMap::new(),
        last_definition: None,
        registered: BTreeMap::new(),
        report,
    };
    for directive in wast.directives {
        script.directive(directive);
    }
    let mut report = script.report;
    for status in &script.records {
        match status {
            Status::Ok => report.modules_roundtripped += 1,
            Status::OutOfSet => {}
            Status::Failed => report.modules_failed += 1,
            Status::Blocked => report.modules_blocked += 1,
        }
    }
    report
}

/// Runs one `.wast` file.
pub fn run_wast_file(
    path: &Path,
    engine: &Engine,
    transform: &Transform<'_>,
    policy: RejectPolicy,
    traps: TrapKinds,
) -> FileReport {
    let file = path.file_name().map_or_else(|| path.display().to_string(), |n| n.to_string_lossy().into_owned());
    match std::fs::read_to_string(path) {
        Ok(text) => run_wast_text(&file, &text, engine, transform, policy, traps),
        Err(e) => FileReport { file, parse_error: Some(format!("cannot read: {e}")), ..FileReport::default() },
    }
}

/// The reports of a folder of scripts, in file-name order.
#[derive(Clone, Debug, Default)]
pub struct SuiteReport {
    /// One report per script.
    pub files: Vec<FileReport>,
}

impl SuiteReport {
    /// Modules round-tripped, over every script.
    pub fn roundtripped(&self) -> usize {
        self.files.iter().map(|f| f.modules_roundtripped).sum()
    }

    /// Modules out of the feature set, over every script.
    pub fn out_of_set(&self) -> usize {
        self.files.iter().map(|f| f.modules_out_of_set()).sum()
    }

    /// Modules that failed, over every script.
    pub fn failed(&self) -> usize {
        self.files.iter().map(|f| f.modules_failed).sum()
    }

    /// Modules blocked by a failed module, over every script.
    pub fn blocked(&self) -> usize {
        self.files.iter().map(|f| f.modules_blocked).sum()
    }

    /// Every failure (including checks not tied to a module, such as
    /// `assert_invalid`), over every script.
    pub fn failure_count(&self) -> usize {
        self.files.iter().map(|f| f.failures.len()).sum()
    }

    /// Scripts `wast` could not parse.
    pub fn unparsed(&self) -> Vec<&FileReport> {
        self.files.iter().filter(|f| f.parse_error.is_some()).collect()
    }
}

fn merge(into: &mut BTreeMap<String, usize>, from: &BTreeMap<String, usize>) {
    for (k, v) in from {
        *into.entry(k.clone()).or_insert(0) += v;
    }
}

impl fmt::Display for SuiteReport {
    /// A summary (counts, reasons) then every failure with file:line:col.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut reasons = BTreeMap::new();
        let mut not_run = BTreeMap::new();
        for r in &self.files {
            merge(&mut reasons, &r.out_of_set);
            merge(&mut not_run, &r.commands_not_run);
        }
        let sum = |g: fn(&FileReport) -> usize| -> usize { self.files.iter().map(g).sum() };
        writeln!(f, "scripts: {} ({} not parseable by wast)", self.files.len(), self.unparsed().len())?;
        for r in self.unparsed() {
            writeln!(
                f,
                "  not parsed: {}: {}",
                r.file,
                r.parse_error.as_deref().unwrap_or("").lines().next().unwrap_or("")
            )?;
        }
        writeln!(
            f,
            "modules: {} round-tripped, {} opaque-or-out-of-set, {} failed ({} more blocked by a failed module)",
            self.roundtripped(),
            self.out_of_set(),
            self.failed(),
            self.blocked()
        )?;
        writeln!(f, "  ({} transformed modules are byte-identical to their original)", sum(|r| r.modules_unchanged))?;
        let mut reasons: Vec<(String, usize)> = reasons.into_iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        writeln!(f, "out-of-set reasons ({} distinct):", reasons.len())?;
        for (reason, n) in reasons.iter().take(15) {
            writeln!(f, "  {n:5}  {reason}")?;
        }
        if reasons.len() > 15 {
            let rest: usize = reasons[15..].iter().map(|r| r.1).sum();
            writeln!(f, "  {rest:5}  (other reasons)")?;
        }
        writeln!(f, "commands: {} passed", sum(|r| r.commands_passed))?;
        let unreachable = sum(|r| r.indirect_traps_as_unreachable);
        if unreachable > 0 {
            writeln!(f, "  {unreachable:5} of them: an indirect call's trap expected, `unreachable` trapped")?;
        }
        for (reason, n) in &not_run {
            writeln!(f, "  {n:5} not run: {reason}")?;
        }
        writeln!(
            f,
            "invalid/malformed: {} rejected as required, {} text-only (no binary), {} accepted by wasmparser too (validator disagreement)",
            sum(|r| r.rejections_checked),
            sum(|r| r.rejections_text_only),
            sum(|r| r.validator_disagreements.len())
        )?;
        for r in &self.files {
            for d in &r.validator_disagreements {
                writeln!(f, "  disagreement {}:{}:{}: {}", r.file, d.line, d.col, d.message)?;
            }
        }
        writeln!(f, "failures: {}", self.failure_count())?;
        for r in self.files.iter().filter(|r| !r.failures.is_empty()) {
            writeln!(f, "  {} ({} failures, {} modules failed):", r.file, r.failures.len(), r.modules_failed)?;
            for fail in &r.failures {
                writeln!(f, "    {}:{}:{}: {}", r.file, fail.line, fail.col, fail.message)?;
            }
        }
        Ok(())
    }
}

/// The `.wast` files directly in `dir`, sorted by name.
pub fn wast_files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("cannot read {}: {e}", dir.display()))?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().is_some_and(|x| x == "wast"))
        .collect();
    files.sort();
    Ok(files)
}

/// Runs every `.wast` file directly in `dir` (in parallel, on threads with
/// stacks large enough for wasm) and returns the reports in file order.
pub fn run_suite(
    dir: &Path,
    transform: &Transform<'_>,
    policy: RejectPolicy,
    traps: TrapKinds,
) -> Result<SuiteReport, String> {
    let files = wast_files(dir)?;
    let engine = engine(Limits::Fuel)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(32 << 20)
        .build()
        .map_err(|e| format!("cannot build the thread pool: {e}"))?;
    let files = pool
        .install(|| files.par_iter().map(|p| run_wast_file(p, &engine, transform, policy, traps)).collect::<Vec<_>>());
    Ok(SuiteReport { files })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wasmtime_harness::identity;

    fn run(text: &str, transform: &Transform<'_>, policy: RejectPolicy) -> FileReport {
        let engine = engine(Limits::Fuel).unwrap();
        run_wast_text("test.wast", text, &engine, transform, policy, TrapKinds::Exact)
    }

    const SCRIPT: &str = r#"
        (module $m
          (import "spectest" "global_i32" (global $g i32))
          (global (export "g") i32 (global.get $g))
          (func (export "div") (param i32 i32) (result i32) (i32.div_s (local.get 0) (local.get 1)))
          (func (export "nan") (result f32) (f32.div (f32.const 0) (f32.const 0)))
          (func (export "lanes") (result v128) (v128.const i32x4 1 2 3 4))
          (func $r (export "rec") (call $r)))
        (register "M" $m)
        (module (import "M" "div" (func $d (param i32 i32) (result i32)))
          (func (export "call") (result i32) (call $d (i32.const 9) (i32.const 3))))
        (assert_return (invoke "call") (i32.const 3))
        (assert_return (invoke $m "div" (i32.const -8) (i32.const 2)) (i32.const -4))
        (assert_trap (invoke $m "div" (i32.const 7) (i32.const 0)) "integer divide by zero")
        (assert_return (invoke $m "nan") (f32.const nan:canonical))
        (assert_return (invoke $m "lanes") (v128.const i32x4 1 2 3 4))
        (assert_return (get $m "g") (i32.const 666))
        (assert_exhaustion (invoke $m "rec") "call stack exhausted")
        (assert_invalid (module (func (result i32))) "type mismatch")
        (assert_malformed (module quote "(func") "unexpected end")
        (assert_unlinkable (module (import "M" "nope" (func))) "unknown import")
        (module (type (struct)))
        (assert_trap (module (memory 1) (data (i32.const 70000) "x")) "out of bounds memory access")
    "#;

    #[test]
    fn identity_passes_a_script() {
        let r = run(SCRIPT, &identity, RejectPolicy::MustNotProduceValid);
        assert_eq!(r.failures, vec![], "{r:?}");
        assert_eq!(r.modules_roundtripped, 4, "{r:?}");
        assert_eq!(r.modules_out_of_set(), 1, "{r:?}");
        assert_eq!(r.commands_passed, 10, "{r:?}");
        assert_eq!(r.rejections_checked, 1);
        assert_eq!(r.rejections_text_only, 1);
    }

    #[test]
    fn wrong_results_fail() {
        let flip = |b: &[u8]| -> Result<Vec<u8>, String> {
            // Rewrites the module with i32.div_u instead of i32.div_s.
            let text = wasmprinter_free_flip(b);
            Ok(text)
        };
        let r = run(SCRIPT, &flip, RejectPolicy::MustNotProduceValid);
        assert!(r.failures.iter().any(|f| f.message.contains("assert_return")), "{r:?}");
        assert!(r.modules_failed >= 1);
        let r = run(SCRIPT, &identity, RejectPolicy::MustErr);
        assert!(r.failures.iter().any(|f| f.message.contains("accepted an invalid module")), "{r:?}");
        let erring = |_: &[u8]| -> Result<Vec<u8>, String> { Err("nope".to_string()) };
        let r = run(SCRIPT, &erring, RejectPolicy::MustErr);
        assert_eq!(r.modules_roundtripped, 0);
        assert!(r.modules_blocked >= 1, "{r:?}");
        let panicking = |_: &[u8]| -> Result<Vec<u8>, String> { panic!("boom") };
        let r =
            run("(assert_invalid (module (func (result i32))) \"type mismatch\")", &panicking, RejectPolicy::MustErr);
        assert!(r.failures[0].message.contains("panicked"), "{r:?}");
    }

    /// Replaces the opcode byte of `i32.div_s` (0x6d) by `i32.div_u` (0x6e)
    /// wherever it follows two `local.get`s (enough for the test module).
    fn wasmprinter_free_flip(bytes: &[u8]) -> Vec<u8> {
        let mut out = bytes.to_vec();
        for i in 4..out.len() {
            if out[i] == 0x6d && out[i - 2] == 0x20 && out[i - 4] == 0x20 {
                out[i] = 0x6e;
            }
        }
        out
    }

    #[test]
    fn trap_messages() {
        let t = |trap: Trap| Failure::Trap(trap.to_string());
        assert!(trap_matches(&t(Trap::UnreachableCodeReached), "unreachable"));
        assert!(trap_matches(&t(Trap::TableOutOfBounds), "undefined element"));
        assert!(trap_matches(&t(Trap::IndirectCallToNull), "uninitialized element 2"));
        assert!(!trap_matches(&t(Trap::IntegerOverflow), "integer divide by zero"));
        assert!(!trap_matches(&Failure::Error("x".into()), "unreachable"));
    }
}

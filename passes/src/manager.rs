//! The pass manager: runs passes, keeps their analyses, checks each changed
//! function, reverts on failure, and reports.
//!
//! Each pass gets a context ([`crate::context`]) from which it requests the
//! analyses it needs; they are computed on first request and cached per
//! function for the whole run. After a pass changes a function, the
//! manager
//! 1. (with debug assertions) recomputes every cached analysis the pass
//!    claimed to preserve and compares it with the cached one — a
//!    difference is a bug of the pass: the function is restored to its
//!    state before the pass and the event names the pass and the analysis;
//! 2. runs the structural verifier — a failure is a bug of the pass: the
//!    function is restored and the event is reported;
//! 3. with [`VerifyMode::Lenient`] or [`VerifyMode::Strict`], asks
//!    `weft-verify` whether the new function refines the old one.
//!    A counterexample reverts the function in both modes; `Unknown` reverts
//!    it in strict mode; `ProvedBounded(k)` is kept in lenient mode and
//!    reverted in strict mode. Every outcome is counted in the report;
//! 4. keeps the analyses the pass preserved and forgets the others (all of
//!    them when the function was restored).
//!
//! So the output is verified or it is the input, per function and per pass.
//! A rejected change is remembered (IR text before and after, and the
//! verdict) by the manager, or by every manager sharing one
//! [`RejectedChanges`]: when a later pass proposes exactly the same change
//! to exactly the same function — the pipelines run `simplify-cfg` up to
//! three times, and a reverted function is the same input each time — the
//! verdict is reused instead of running Z3 again, counted as before, and the
//! event says so.
//!
//! Consecutive function passes form a group that runs on each function in
//! turn, in parallel across functions (rayon); results are collected in
//! function order and an [`AfterPassHook`] is told about each pass in
//! pipeline order afterwards, so output does not depend on thread count.
//! A module pass runs alone, with a [`ModuleCx`] (the call graph and each
//! function's analyses), and every function it reports changed is checked
//! like a function pass's — under the preconditions the pass recorded for
//! it with [`ModuleCx::assume`], if any: they are added to that check's
//! [`Options::preconditions`], part of what identifies a rejected change,
//! and every such check reports an event naming them with its verdict (a
//! counterexample lists them and the input values, the event among them).

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use weft_ir::{CallGraph, DefinedFunc, FuncBody, FuncRef, Function, Module};
use weft_verify::{Certificate, Options, Outcome, Precondition, check_refinement};

use crate::context::{Changed, ModuleChanged, ModuleCx, PassCx, Preserved};
use crate::registry::{AnyPass, PassInfo, PassSpec, PassSpecError};

/// Whether and how strictly passes are checked with Z3.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum VerifyMode {
    /// Structural verifier only.
    #[default]
    Off,
    /// Revert on counterexample; keep `ProvedBounded` and `Unknown`.
    Lenient,
    /// Keep only `Proved` results.
    Strict,
}

/// Pass manager configuration.
#[derive(Clone, Debug, Default)]
pub struct Config {
    /// Refinement checking.
    pub verify: VerifyMode,
    /// Options of each refinement query.
    pub verify_options: Options,
    /// The events P3 callbacks can receive, replacing what the imports
    /// allow (`weft opt --assume-events`); module passes read it from
    /// [`ModuleCx::assume_events`].
    pub assume_events: Option<crate::analysis::p3::EventSet>,
}

/// Per-pass totals.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PassStats {
    /// The pass.
    pub name: &'static str,
    /// Functions the pass changed (and kept).
    pub functions_changed: usize,
    /// Instructions before the pass, over the functions it ran on.
    pub insts_before: usize,
    /// Instructions after the pass (after reverts).
    pub insts_after: usize,
    /// Time spent in the pass and its checks.
    pub time: Duration,
    /// Refinement outcomes.
    pub proved: usize,
    /// `ProvedBounded` outcomes.
    pub proved_bounded: usize,
    /// Counterexamples (each a pass bug).
    pub counterexamples: usize,
    /// `Unknown` outcomes.
    pub unknown: usize,
    /// Functions restored to their state before the pass.
    pub reverted: usize,
    /// What became of each change the pass made, one entry per changed
    /// function, in the order the changes were settled.
    pub verdicts: Vec<Verdict>,
}

/// What became of one pass's change to one function: the per-function
/// contract of an embedder that keeps proved changes and reverts the rest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Verdict {
    /// The function's name.
    pub function: String,
    /// Kept or reverted, and whether proved.
    pub status: VerdictStatus,
    /// Why (empty for a plain proof): the checker's reason for an unproved
    /// or reverted change, the preconditions assumed.
    pub reason: String,
}

/// Whether a change was kept, and on what grounds.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum VerdictStatus {
    /// Kept: the checker proved that the function refines its original.
    Proved,
    /// Kept without a proof: verification off, or lenient mode kept a
    /// bounded or undecided result.
    KeptUnproved,
    /// Restored to the function before the pass: a counterexample, an
    /// undecided check in strict mode, verifier errors, or a false claim
    /// about preserved analyses.
    Reverted,
}

/// Something worth telling about one function and one pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassEvent {
    /// The pass.
    pub pass: &'static str,
    /// The function's name (`module` for what a module pass did to the
    /// module: the entities it removed, why it declined).
    pub function: String,
    /// What happened (verifier errors, a counterexample, an unknown reason).
    pub message: String,
    /// Was the function reverted?
    pub reverted: bool,
}

/// What happened to one function.
#[derive(Clone, Debug, Default)]
pub struct FunctionReport {
    /// One entry per pass, in pipeline order.
    pub passes: Vec<PassStats>,
    /// Events, in order.
    pub events: Vec<PassEvent>,
    /// The certificates passes handed the checks of the changes they kept
    /// ([`PassCx::certify`]), in pipeline order: each is about the function
    /// as that pass found it.
    pub certificates: Vec<(&'static str, Certificate)>,
}

/// What happened to a module.
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Totals per pass, in pipeline order.
    pub passes: Vec<PassStats>,
    /// Events, in function order then pass order.
    pub events: Vec<PassEvent>,
    /// Functions kept opaque (not in IR), skipped by every pass.
    pub opaque_functions: usize,
}

impl PassStats {
    /// Adds `other`'s counts and time to `self` (same pass).
    pub fn add(&mut self, other: &PassStats) {
        self.functions_changed += other.functions_changed;
        self.insts_before += other.insts_before;
        self.insts_after += other.insts_after;
        self.time += other.time;
        self.proved += other.proved;
        self.proved_bounded += other.proved_bounded;
        self.counterexamples += other.counterexamples;
        self.unknown += other.unknown;
        self.reverted += other.reverted;
        self.verdicts.extend_from_slice(&other.verdicts);
    }
}

impl Report {
    fn add_passes(&mut self, passes: Vec<PassStats>) {
        if self.passes.is_empty() {
            self.passes = passes;
        } else {
            for (total, p) in self.passes.iter_mut().zip(&passes) {
                total.add(p);
            }
        }
    }

    /// Adds another report of the same pipeline (another core module of a
    /// component): per-pass totals by position, events appended.
    pub fn merge(&mut self, more: Report) {
        self.add_passes(more.passes);
        self.events.extend(more.events);
        self.opaque_functions += more.opaque_functions;
    }
}

/// Changes that a check rejected, by IR text before and after, with the
/// verdict (see the module docs). Clones share one store, so the managers
/// of a pipeline run one pass at a time can share it
/// ([`PassManager::with_rejected_changes`]).
#[derive(Clone, Debug, Default)]
pub struct RejectedChanges(Arc<Mutex<HashMap<(String, String), Outcome>>>);

impl RejectedChanges {
    fn store(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Outcome>> {
        // Nothing panics while holding the lock; a poisoned store is still whole.
        self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn get(&self, texts: &(String, String)) -> Option<Outcome> {
        self.store().get(texts).cloned()
    }

    fn insert(&self, texts: (String, String), outcome: Outcome) {
        self.store().insert(texts, outcome);
    }

    /// How many rejected changes are remembered.
    pub fn len(&self) -> usize {
        self.store().len()
    }

    /// Is nothing remembered?
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The IR text of a function: equal texts are the same function.
fn function_text(func: &Function) -> String {
    let mut s = String::new();
    // Writing to a `String` cannot fail.
    let _ = weft_ir::write::write_function(&mut s, func);
    s
}

/// The event of a pass that claimed to preserve analyses it changed (a bug
/// of the pass; the function is reverted).
fn lie_event(info: &'static PassInfo, function: &str, stale: Preserved) -> PassEvent {
    PassEvent {
        pass: info.name,
        function: function.to_string(),
        message: format!(
            "claims to preserve {} but changed it (pass bug): recomputed after the pass, it differs",
            stale.names().join(", ")
        ),
        reverted: true,
    }
}

/// Told about each pass of a [`PassManager::run_module_with`] run, in
/// pipeline order, once the pass has run on every function: for
/// `--print-ir`, reports and progress. Function passes run in parallel
/// across functions; the calls for a group of them are made afterwards, in
/// pipeline order, so what a hook sees does not depend on thread count.
pub trait AfterPassHook {
    /// Does [`Self::after_pass`] want the functions as `pass` left them?
    /// When it does, the manager keeps a copy of each function after that
    /// pass. The default: no.
    fn wants_functions(&self, pass: &'static PassInfo) -> bool {
        let _ = pass;
        false
    }

    /// Pass number `index` of the pipeline, `pass`, has run: `stats` are its
    /// totals; `functions` are the module's defined functions as the pass
    /// left them (after reverts), in module order, when
    /// [`Self::wants_functions`] said so, else empty.
    fn after_pass(&mut self, index: usize, pass: &'static PassInfo, stats: &PassStats, functions: &[DefinedFunc]);
}

/// A hook that does nothing.
pub struct NoHook;

impl AfterPassHook for NoHook {
    fn after_pass(&mut self, _: usize, _: &'static PassInfo, _: &PassStats, _: &[DefinedFunc]) {}
}

/// Runs a sequence of passes.
pub struct PassManager {
    passes: Vec<(&'static PassInfo, AnyPass)>,
    config: Config,
    rejected: RejectedChanges,
    module_edit_check: Option<ModuleEditCheck>,
}

/// The module-level check of a module pass's edits (entities removed), run
/// after every module pass that edited the module, when one is installed
/// ([`PassManager::with_module_edit_check`]; the facade installs it when
/// verification is on):
/// given the module and its edits before the pass, it establishes the edits
/// independently of the pass (or undoes them) and says what it found. The
/// facade supplies it (`weft::module_check`): it needs the backend, which
/// this crate does not depend on.
pub type ModuleEditCheck = Arc<dyn Fn(&mut Module, weft_ir::ModuleEdits, &'static str) -> PassEvent + Send + Sync>;

/// What a pass says about its change of one function: the analyses still
/// valid, the facts about the function's inputs it relied on, and the
/// certificate it handed the check.
struct Claim<'a> {
    preserved: Preserved,
    preconditions: &'a [Precondition],
    certificate: Certificate,
    /// Functions whose calls the check executes with these bodies.
    callees: BTreeMap<FuncRef, Function>,
}

/// One function's outcome in a group of function passes: its report, and
/// its copies after the passes the hook wants to see.
struct GroupRun {
    report: FunctionReport,
    copies: Vec<Option<Function>>,
    changed: bool,
}

impl PassManager {
    /// A manager running `passes` in order, each with its default
    /// parameters.
    pub fn new(passes: &[&'static PassInfo], config: Config) -> Self {
        PassManager {
            passes: passes.iter().map(|p| (*p, (p.make)())).collect(),
            config,
            rejected: RejectedChanges::default(),
            module_edit_check: None,
        }
    }

    /// Checks every module pass's edits with `check`.
    pub fn with_module_edit_check(mut self, check: ModuleEditCheck) -> Self {
        self.module_edit_check = Some(check);
        self
    }

    /// Remembers rejected changes in `rejected` (shared with other managers)
    /// instead of a store of its own.
    pub fn with_rejected_changes(mut self, rejected: RejectedChanges) -> Self {
        self.rejected = rejected;
        self
    }

    /// A manager running `specs` (passes with parameters) in order.
    pub fn from_specs(specs: &[PassSpec], config: Config) -> Result<Self, PassSpecError> {
        let passes = specs
            .iter()
            .map(|s| {
                s.try_instantiate()
                    .map(|p| (s.info, p))
                    .map_err(|message| PassSpecError::Invalid { spec: s.to_string(), message })
            })
            .collect::<Result<_, _>>()?;
        Ok(PassManager { passes, config, rejected: RejectedChanges::default(), module_edit_check: None })
    }

    /// The names of the passes, in order.
    pub fn pass_names(&self) -> Vec<&'static str> {
        self.passes.iter().map(|(i, _)| i.name).collect()
    }

    /// Runs the function passes on one function (module passes are skipped:
    /// they need the module). This is the per-function entry point for
    /// embedders that optimize functions one at a time.
    pub fn run_function(&self, func: &mut Function) -> FunctionReport {
        let mut report = FunctionReport::default();
        let mut cx = PassCx::new();
        for (info, pass) in &self.passes {
            if let AnyPass::Function(pass) = pass {
                let (stats, events) = self.run_one(info, pass.as_ref(), func, &mut cx, Some(&mut report.certificates));
                report.passes.push(stats);
                report.events.extend(events);
            }
        }
        report
    }

    /// Runs every pass over the module. Consecutive function passes form a
    /// group that runs on each function in turn, in parallel across
    /// functions; module passes run alone, in their place in the sequence,
    /// and every function they change is checked like a function pass's.
    /// Analyses are cached per function across the whole run.
    pub fn run_module(&self, module: &mut Module) -> Report {
        self.run_module_with(module, &mut NoHook)
    }

    /// [`Self::run_module`], telling `hook` about each pass.
    pub fn run_module_with(&self, module: &mut Module, hook: &mut dyn AfterPassHook) -> Report {
        let mut report = Report {
            opaque_functions: module.funcs.iter().filter(|f| matches!(f.body, FuncBody::Opaque { .. })).count(),
            ..Report::default()
        };
        let mut cx = ModuleCx::with_assume_events(self.config.assume_events);
        let mut i = 0;
        while i < self.passes.len() {
            let start = i;
            while i < self.passes.len() && matches!(self.passes[i].1, AnyPass::Function(_)) {
                i += 1;
            }
            if i > start {
                self.run_group(start, &self.passes[start..i], module, &mut cx, hook, &mut report);
            }
            if i < self.passes.len() {
                let (info, pass) = &self.passes[i];
                if let AnyPass::Module(pass) = pass {
                    let (stats, events) = self.run_module_pass(info, pass.as_ref(), module, &mut cx);
                    let functions = if hook.wants_functions(info) { module.funcs.as_slice() } else { &[] };
                    hook.after_pass(i, info, &stats, functions);
                    report.passes.push(stats);
                    report.events.extend(events);
                }
                i += 1;
            }
        }
        report
    }

    /// Runs a group of function passes (pipeline positions `first..`) on
    /// every function, in parallel, then tells `hook` about each pass.
    fn run_group(
        &self,
        first: usize,
        group: &[(&'static PassInfo, AnyPass)],
        module: &mut Module,
        cx: &mut ModuleCx,
        hook: &mut dyn AfterPassHook,
        report: &mut Report,
    ) {
        let wants: Vec<bool> = group.iter().map(|(info, _)| hook.wants_functions(info)).collect();
        let mut caches: Vec<PassCx> = module.funcs.iter().map(|f| cx.take_function(f.index)).collect();
        let runs: Vec<GroupRun> = module
            .funcs
            .par_iter_mut()
            .zip(caches.par_iter_mut())
            .map(|(f, fcx)| {
                let mut run = GroupRun { report: FunctionReport::default(), copies: Vec::new(), changed: false };
                let FuncBody::Ir(func) = &mut f.body else {
                    run.report.passes =
                        group.iter().map(|(info, _)| PassStats { name: info.name, ..Default::default() }).collect();
                    return run;
                };
                for ((info, pass), &want) in group.iter().zip(&wants) {
                    if let AnyPass::Function(pass) = pass {
                        let (stats, events) = self.run_one(info, pass.as_ref(), func, fcx, None);
                        run.changed |= stats.functions_changed > 0;
                        run.report.passes.push(stats);
                        run.report.events.extend(events);
                    }
                    run.copies.push(want.then(|| func.clone()));
                }
                run
            })
            .collect();
        for (f, fcx) in module.funcs.iter().zip(caches) {
            if matches!(f.body, FuncBody::Ir(_)) {
                cx.put_function(f.index, fcx);
            }
        }
        // A changed function may call differently.
        if runs.iter().any(|r| r.changed) {
            cx.invalidate_call_graph();
        }
        let mut totals: Vec<PassStats> =
            group.iter().map(|(info, _)| PassStats { name: info.name, ..Default::default() }).collect();
        for run in &runs {
            for (total, p) in totals.iter_mut().zip(&run.report.passes) {
                total.add(p);
            }
        }
        for (k, ((info, _), stats)) in group.iter().zip(&totals).enumerate() {
            let functions: Vec<DefinedFunc> = if wants[k] {
                module
                    .funcs
                    .iter()
                    .zip(&runs)
                    .map(|(f, run)| match run.copies.get(k).cloned().flatten() {
                        Some(func) => DefinedFunc { body: FuncBody::Ir(func), ..f.clone() },
                        None => f.clone(),
                    })
                    .collect()
            } else {
                Vec::new()
            };
            hook.after_pass(first + k, info, stats, &functions);
        }
        report.passes.extend(totals);
        for run in runs {
            report.events.extend(run.report.events);
        }
    }

    fn run_module_pass(
        &self,
        info: &'static PassInfo,
        pass: &dyn crate::ModulePass,
        module: &mut Module,
        cx: &mut ModuleCx,
    ) -> (PassStats, Vec<PassEvent>) {
        let t0 = Instant::now();
        let before: BTreeMap<FuncRef, Function> = module
            .funcs
            .iter()
            .filter_map(|f| match &f.body {
                FuncBody::Ir(func) => Some((f.index, func.clone())),
                FuncBody::Opaque { .. } => None,
            })
            .collect();
        let mut stats = PassStats { name: info.name, ..Default::default() };
        stats.insts_before = before.values().map(Function::num_layout_insts).sum();
        cx.sync_functions(module);
        let edits_before = module.edits.clone();
        let notes = module.notes.len();
        let changed = pass.run(module, cx);
        let assumptions = cx.take_assumptions();
        let callee_bodies = cx.take_callee_bodies();
        // What the pass says it did or why it declined.
        let mut events: Vec<PassEvent> = module
            .notes
            .drain(notes.min(module.notes.len())..)
            .map(|message| PassEvent { pass: info.name, function: "module".into(), message, reverted: false })
            .collect();
        if module.edits != edits_before
            && let Some(check) = &self.module_edit_check
        {
            let event = check(module, edits_before, info.name);
            if event.reverted {
                cx.invalidate_call_graph();
            }
            events.push(event);
        }
        if let ModuleChanged::Yes { mut functions, preserved } = changed {
            functions.sort_unstable();
            functions.dedup();
            let mut reverted_any = false;
            if cfg!(debug_assertions) && preserved.contains(Preserved::CALL_GRAPH) && cx.has_call_graph() {
                let fresh = CallGraph::with_module(module);
                if *cx.call_graph(module) != fresh {
                    events.push(lie_event(info, "(module)", Preserved::CALL_GRAPH));
                    for &f in &functions {
                        if let (Some(old), Some(FuncBody::Ir(new))) =
                            (before.get(&f), module.defined_mut(f).map(|d| &mut d.body))
                        {
                            *new = old.clone();
                            stats.reverted += 1;
                        }
                        if let Some(fcx) = cx.function_mut(f) {
                            fcx.invalidate(Preserved::NONE);
                        }
                    }
                    functions.clear();
                    reverted_any = true;
                }
            }
            for f in functions {
                let Some(old) = before.get(&f) else { continue };
                let Some(FuncBody::Ir(new)) = module.defined_mut(f).map(|d| &mut d.body) else { continue };
                let pre = assumptions.get(&f).map_or(&[][..], Vec::as_slice);
                let certificate = cx.function_mut(f).map(PassCx::take_certificate).unwrap_or_default();
                let callees = callee_bodies
                    .get(&f)
                    .into_iter()
                    .flatten()
                    .filter_map(|g| before.get(g).map(|body| (*g, body.clone())))
                    .collect();
                let claim = Claim { preserved, preconditions: pre, certificate, callees };
                let (kept, event) = self.settle(info, old, new, cx.function_mut(f), claim, &mut stats);
                reverted_any |= !kept;
                events.extend(event);
            }
            if reverted_any || !preserved.contains(Preserved::CALL_GRAPH) {
                cx.invalidate_call_graph();
            }
        }
        stats.insts_after = module
            .funcs
            .iter()
            .filter_map(|f| if let FuncBody::Ir(func) = &f.body { Some(func.num_layout_insts()) } else { None })
            .sum();
        stats.time = t0.elapsed();
        (stats, events)
    }

    /// Runs one function pass on one function: checks the analyses it
    /// claims to preserve (with debug assertions), then the function, and
    /// keeps or reverts it; `cx` keeps what is still valid.
    fn run_one(
        &self,
        info: &'static PassInfo,
        pass: &dyn crate::FunctionPass,
        func: &mut Function,
        cx: &mut PassCx,
        certificates: Option<&mut Vec<(&'static str, Certificate)>>,
    ) -> (PassStats, Option<PassEvent>) {
        let t0 = Instant::now();
        let mut stats = PassStats { name: info.name, insts_before: func.num_layout_insts(), ..Default::default() };
        let snapshot = func.clone();
        let mut event = None;
        let changed = pass.run(func, cx);
        let certificate = cx.take_certificate();
        if let Changed::Yes(preserved) = changed {
            let kept_certificate = certificates.filter(|_| !certificate.is_empty()).map(|c| (c, certificate.clone()));
            let claim = Claim { preserved, preconditions: &[], certificate, callees: BTreeMap::new() };
            let (kept, e) = self.settle(info, &snapshot, func, Some(cx), claim, &mut stats);
            event = e;
            if let (true, Some((list, cert))) = (kept, kept_certificate) {
                list.push((info.name, cert));
            }
        }
        stats.insts_after = func.num_layout_insts();
        stats.time = t0.elapsed();
        (stats, event)
    }

    /// Settles a pass's change of `old` into `new`: with debug assertions,
    /// the cached analyses of `cx` it claims to preserve must still hold;
    /// then [`Self::check`] (assuming the claim's preconditions). A kept
    /// change counts as changed and `cx` keeps what the pass preserved;
    /// otherwise `new` is restored to `old`, counted as reverted, and `cx`
    /// keeps nothing. Returns whether the change was kept, and the event to
    /// report.
    fn settle(
        &self,
        info: &'static PassInfo,
        old: &Function,
        new: &mut Function,
        cx: Option<&mut PassCx>,
        claim: Claim<'_>,
        stats: &mut PassStats,
    ) -> (bool, Option<PassEvent>) {
        let stale = match &cx {
            Some(cx) if cfg!(debug_assertions) => cx.stale(new, claim.preserved),
            _ => Preserved::NONE,
        };
        let proved_before = stats.proved;
        let (keep, event) = if stale != Preserved::NONE {
            (false, Some(lie_event(info, &new.name, stale)))
        } else {
            self.check(info, old, new, &claim, stats)
        };
        let status = match (keep, stats.proved > proved_before) {
            (false, _) => VerdictStatus::Reverted,
            (true, true) => VerdictStatus::Proved,
            (true, false) => VerdictStatus::KeptUnproved,
        };
        let reason = match &event {
            Some(e) => e.message.clone(),
            None if status == VerdictStatus::KeptUnproved => "not checked (verification off)".to_string(),
            None => String::new(),
        };
        stats.verdicts.push(Verdict { function: new.name.clone(), status, reason });
        if keep {
            stats.functions_changed += 1;
        } else {
            *new = old.clone();
            stats.reverted += 1;
        }
        if let Some(cx) = cx {
            cx.invalidate(if keep { claim.preserved } else { Preserved::NONE });
        }
        (keep, event)
    }

    /// Checks `new` against `old`, assuming the claim's preconditions,
    /// proving then using its certificate, and executing calls of its
    /// callees with their bodies; returns whether to keep `new`. A change rejected
    /// before (under the same preconditions and certificate) gets its
    /// recorded verdict; a change this check rejects is recorded. With
    /// preconditions, the event always comes and names them.
    fn check(
        &self,
        info: &'static PassInfo,
        old: &Function,
        new: &Function,
        Claim { preconditions, certificate, callees, .. }: &Claim<'_>,
        stats: &mut PassStats,
    ) -> (bool, Option<PassEvent>) {
        let assumed: Vec<String> = preconditions.iter().map(|p| p.describe(old)).collect();
        let under = if assumed.is_empty() { String::new() } else { format!("under {}: ", assumed.join(", ")) };
        let event = |message: String, reverted: bool| PassEvent {
            pass: info.name,
            function: new.name.clone(),
            message: format!("{under}{message}"),
            reverted,
        };
        if let Err(errs) = weft_ir::verifier::verify_function(new) {
            let msg =
                format!("verifier errors after pass (pass bug):\n{}", weft_ir::verifier::pretty_errors(new, &errs));
            return (false, Some(event(msg, true)));
        }
        if self.config.verify == VerifyMode::Off {
            return (true, (!assumed.is_empty()).then(|| event("not checked (verification off)".into(), false)));
        }
        let strict = self.config.verify == VerifyMode::Strict;
        let mut texts = (function_text(old), function_text(new));
        for a in &assumed {
            texts.1.push_str(&format!("; assume: {a}\n"));
        }
        if !certificate.is_empty() {
            texts.1.push_str(&format!("; certificate: {certificate:?}\n"));
        }
        for (g, body) in callees {
            texts.1.push_str(&format!("; callee: {g}\n{}", function_text(body)));
        }
        let (outcome, reused) = match self.rejected.get(&texts) {
            Some(outcome) => (outcome, " (the same change was checked before; verdict reused)"),
            None if preconditions.is_empty() && certificate.is_empty() && callees.is_empty() => {
                (check_refinement(old, new, &self.config.verify_options), "")
            }
            None => {
                let mut options = self.config.verify_options.clone();
                options.preconditions.extend_from_slice(preconditions);
                options.certificate.extend(certificate.clone());
                options.callees.extend(callees.iter().map(|(g, body)| (*g, body.clone())));
                (check_refinement(old, new, &options), "")
            }
        };
        let kept = match &outcome {
            Outcome::Proved => true,
            Outcome::ProvedBounded(_) | Outcome::Unknown(_) => !strict,
            Outcome::Counterexample(_) => false,
        };
        if !kept && reused.is_empty() {
            self.rejected.insert(texts, outcome.clone());
        }
        let event = |message: String, reverted: bool| event(format!("{message}{reused}"), reverted);
        match outcome {
            Outcome::Proved => {
                stats.proved += 1;
                (true, (!assumed.is_empty()).then(|| event("proved".into(), false)))
            }
            Outcome::ProvedBounded(k) => {
                stats.proved_bounded += 1;
                (!strict, Some(event(format!("proved only up to {k} loop iterations"), strict)))
            }
            Outcome::Counterexample(cex) => {
                stats.counterexamples += 1;
                (false, Some(event(format!("counterexample (pass bug):\n{cex}"), true)))
            }
            Outcome::Unknown(reason) => {
                stats.unknown += 1;
                (!strict, Some(event(format!("unknown: {reason}"), strict)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registry::lookup;
    use crate::{FunctionPass, ModulePass};
    use std::sync::Mutex;
    use weft_ir::cfg_edit::make_jump;
    use weft_ir::{Edge, InstructionData, Opcode};

    /// `block1` only jumps on: `simplify-cfg` threads it.
    const THREADABLE: &str = "function %f(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2
block1:
    jump block2
block2:
    return v0
}
";

    fn strict(verify_options: Options) -> Config {
        Config { verify: VerifyMode::Strict, verify_options, assume_events: None }
    }

    /// Whether each event of `events` says its verdict was reused.
    fn reused(events: &[PassEvent]) -> Vec<bool> {
        events.iter().map(|e| e.message.contains("verdict reused")).collect()
    }

    #[test]
    fn a_rejected_change_proposed_again_reuses_the_verdict() {
        let cfg = lookup("simplify-cfg").expect("registered");
        let input = weft_ir::parse_function(THREADABLE).expect("parses");
        // A spent budget makes every check `Unknown`, so strict mode reverts.
        let spent = Options { budget_ms: Some(0), ..Options::default() };
        let pm = PassManager::new(&[cfg, cfg, cfg], strict(spent.clone()));
        let mut func = input.clone();
        let report = pm.run_function(&mut func);
        assert_eq!(function_text(&func), function_text(&input));
        assert_eq!(report.passes.iter().map(|p| (p.unknown, p.reverted)).collect::<Vec<_>>(), vec![(1, 1); 3]);
        assert_eq!(reused(&report.events), vec![false, true, true], "{:?}", report.events);
        assert!(report.events.iter().all(|e| e.reverted && e.message.contains("time budget")), "{:?}", report.events);
        // With a budget the same pipeline proves the change once and keeps it.
        let pm = PassManager::new(&[cfg, cfg, cfg], strict(Options::default()));
        let mut func = input.clone();
        let report = pm.run_function(&mut func);
        assert_eq!(report.passes[0].proved, 1, "{:?}", report.events);
        assert!(report.events.is_empty(), "{:?}", report.events);
    }

    #[test]
    fn managers_run_one_pass_at_a_time_share_rejected_changes() {
        let cfg = lookup("simplify-cfg").expect("registered");
        let spent = Options { budget_ms: Some(0), ..Options::default() };
        let run = |shared: Option<&RejectedChanges>| {
            let mut module = Module::default();
            module.funcs.push(DefinedFunc {
                index: FuncRef::from_u32(0),
                type_index: 0,
                body: FuncBody::Ir(weft_ir::parse_function(THREADABLE).expect("parses")),
                original_range: 0..0,
            });
            let mut events = Vec::new();
            for _ in 0..3 {
                let mut pm = PassManager::new(&[cfg], strict(spent.clone()));
                if let Some(r) = shared {
                    pm = pm.with_rejected_changes(r.clone());
                }
                events.extend(pm.run_module(&mut module).events);
            }
            events
        };
        let shared = RejectedChanges::default();
        assert_eq!(reused(&run(Some(&shared))), vec![false, true, true]);
        assert_eq!(shared.len(), 1);
        assert_eq!(reused(&run(None)), vec![false, false, false]);
    }

    // ------------------------------------------------------------ analyses

    /// A diamond: folding the entry's `brif` changes the CFG and the
    /// dominator tree (`block2` becomes unreachable, `block3`'s immediate
    /// dominator becomes `block1`).
    const DIAMOND: &str = "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 5
    brif v0, block1, block2
block1:
    jump block3
block2:
    jump block3
block3:
    return v0
}
";

    /// Uses the dominator tree, then folds the entry's `brif` to its
    /// then-edge and claims `claim` is preserved.
    struct FoldEntry {
        claim: Preserved,
    }

    impl FunctionPass for FoldEntry {
        fn run(&self, func: &mut Function, cx: &mut PassCx) -> Changed {
            let Some(entry) = func.entry_block() else { return Changed::No };
            assert!(cx.domtree(func).is_reachable(entry));
            let Some(inst) = func.terminator(entry) else { return Changed::No };
            Changed::from_bool(make_jump(func, Edge { inst, slot: 0 }), self.claim)
        }
    }

    static LIES_ABOUT_DOMTREE: PassInfo = PassInfo {
        name: "lies-about-domtree",
        description: "folds the entry's brif and claims the dominator tree is preserved (test)",
        params: &[],
        make: || AnyPass::Function(Box::new(FoldEntry { claim: Preserved::DOMTREE })),
        make_with_params: None,
    };

    static TELLS_THE_TRUTH: PassInfo = PassInfo {
        name: "tells-the-truth",
        description: "folds the entry's brif and claims nothing is preserved (test)",
        params: &[],
        make: || AnyPass::Function(Box::new(FoldEntry { claim: Preserved::NONE })),
        make_with_params: None,
    };

    #[test]
    #[cfg(debug_assertions)]
    fn a_pass_lying_about_the_dominator_tree_is_caught_and_reverted() {
        let input = weft_ir::parse_function(DIAMOND).expect("parses");
        let mut func = input.clone();
        let report = PassManager::new(&[&LIES_ABOUT_DOMTREE], Config::default()).run_function(&mut func);
        assert_eq!(function_text(&func), function_text(&input), "the lie is reverted");
        assert_eq!(report.passes[0].reverted, 1);
        let [event] = report.events.as_slice() else { panic!("{:?}", report.events) };
        assert_eq!(event.pass, "lies-about-domtree");
        assert!(event.reverted && event.message.contains("claims to preserve domtree"), "{}", event.message);
        // The same rewrite, honestly reported, is kept.
        let mut func = input.clone();
        let report = PassManager::new(&[&TELLS_THE_TRUTH], Config::default()).run_function(&mut func);
        assert!(report.events.is_empty(), "{:?}", report.events);
        assert_eq!(report.passes[0].functions_changed, 1);
        assert!(function_text(&func).contains("jump block1"));
    }

    /// What [`Probe`] passes saw in their context: which analyses were
    /// cached when they ran.
    static PROBED: Mutex<Vec<Preserved>> = Mutex::new(Vec::new());

    /// Records the cached analyses, then asks for the dominator tree;
    /// changes nothing.
    struct Probe;

    impl FunctionPass for Probe {
        fn run(&self, func: &mut Function, cx: &mut PassCx) -> Changed {
            PROBED.lock().unwrap_or_else(std::sync::PoisonError::into_inner).push(cx.cached());
            cx.domtree(func);
            Changed::No
        }
    }

    static PROBE: PassInfo = PassInfo {
        name: "probe",
        description: "records the cached analyses (test)",
        params: &[],
        make: || AnyPass::Function(Box::new(Probe)),
        make_with_params: None,
    };

    #[test]
    fn analyses_are_cached_across_passes_until_a_pass_does_not_preserve_them() {
        let dce = lookup("dce").expect("registered");
        let cfg = lookup("simplify-cfg").expect("registered");
        // dce removes `v1` and keeps the CFG; simplify-cfg changes it.
        let pm = PassManager::new(&[&PROBE, &PROBE, dce, &PROBE, cfg, &PROBE], Config::default());
        let mut func = weft_ir::parse_function(DIAMOND).expect("parses");
        let report = pm.run_function(&mut func);
        assert!(report.events.is_empty(), "{:?}", report.events);
        assert_eq!(report.passes.iter().map(|p| p.functions_changed).collect::<Vec<_>>(), [0, 0, 1, 0, 1, 0]);
        let probed = std::mem::take(&mut *PROBED.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
        let tree = Preserved::CFG | Preserved::DOMTREE;
        assert_eq!(probed, [Preserved::NONE, tree, tree, Preserved::NONE]);
    }

    // -------------------------------------------------------- module passes

    /// A module of three functions: `fn0` (exported) calls `fn1`; `fn2` is
    /// called by nobody. Each holds a dead `i32.const 7`.
    fn three_functions() -> Module {
        let text = |name: &str, call: bool| {
            let (decl, body) = if call {
                ("    fn1 = (i32) -> i32\n\n", "    v2 = call fn1(v0)\n    return v2\n")
            } else {
                ("", "    return v0\n")
            };
            format!("function %{name}(i32) -> i32 {{\n{decl}block0(v0: i32):\n    v1 = i32.const 7\n{body}}}\n")
        };
        let mut module = Module::default();
        module.types.push(Some(weft_ir::Signature::new([weft_ir::Type::I32], [weft_ir::Type::I32])));
        for (i, (name, call)) in [("f0", true), ("f1", false), ("f2", false)].into_iter().enumerate() {
            module.funcs.push(DefinedFunc {
                index: FuncRef::from_u32(i as u32),
                type_index: 0,
                body: FuncBody::Ir(weft_ir::parse_function(&text(name, call)).expect("parses")),
                original_range: 0..0,
            });
        }
        module.exports.push(weft_ir::Export { name: "f0".into(), kind: weft_ir::ExportKind::Func, index: 0 });
        module
    }

    /// Removes unused constants from the functions the call graph reaches
    /// from the roots, and reports them by index.
    struct TrimReachable;

    impl ModulePass for TrimReachable {
        fn run(&self, module: &mut Module, cx: &mut ModuleCx) -> ModuleChanged {
            let reachable = cx.call_graph(module).reachable();
            assert!(cx.has_call_graph());
            let mut functions = Vec::new();
            for f in reachable {
                let Some(FuncBody::Ir(func)) = module.defined_mut(f).map(|d| &mut d.body) else { continue };
                assert!(cx.function(f).is_some(), "every IR function has a context");
                let uses = weft_ir::cfg_edit::use_counts(func);
                let dead: Vec<weft_ir::Inst> = func
                    .layout
                    .blocks()
                    .flat_map(|b| func.layout.block_insts(b))
                    .filter(|&i| {
                        matches!(func.dfg.insts[i], InstructionData::Op { opcode: Opcode::I32Const, .. })
                            && uses[func.dfg.first_result(i)] == 0
                    })
                    .collect();
                for &inst in &dead {
                    func.layout.remove_inst(inst);
                }
                if !dead.is_empty() {
                    functions.push(f);
                }
            }
            ModuleChanged::Yes { functions, preserved: Preserved::CONTROL_FLOW | Preserved::CALL_GRAPH }
        }
    }

    /// Makes every function it reaches return 0: wrong for each one.
    struct ReturnZero;

    impl ModulePass for ReturnZero {
        fn run(&self, module: &mut Module, _cx: &mut ModuleCx) -> ModuleChanged {
            let mut functions = Vec::new();
            for def in &mut module.funcs {
                let FuncBody::Ir(func) = &mut def.body else { continue };
                let Some(entry) = func.entry_block() else { continue };
                let Some(ret) = func.terminator(entry) else { continue };
                let zero = func.dfg.make_op(Opcode::I32Const, &[], weft_ir::Imm::I32(0));
                let v = func.dfg.append_result(zero, weft_ir::Type::I32);
                func.layout.insert_inst(zero, ret);
                let args = weft_ir::ValueList::from_slice(&[v], &mut func.dfg.value_lists);
                func.dfg.replace_inst_data(
                    ret,
                    InstructionData::Op { opcode: Opcode::Return, args, imm: weft_ir::Imm::None },
                );
                functions.push(def.index);
            }
            ModuleChanged::Yes { functions, preserved: Preserved::CONTROL_FLOW }
        }
    }

    static TRIM_REACHABLE: PassInfo = PassInfo {
        name: "trim-reachable",
        description: "removes unused constants from functions reachable in the call graph (test)",
        params: &[],
        make: || AnyPass::Module(Box::new(TrimReachable)),
        make_with_params: None,
    };

    static RETURN_ZERO: PassInfo = PassInfo {
        name: "return-zero",
        description: "makes every function return 0 (a wrong module pass; test)",
        params: &[],
        make: || AnyPass::Module(Box::new(ReturnZero)),
        make_with_params: None,
    };

    /// Records which passes it was told about, with their totals, and the
    /// functions' text after `dce`.
    #[derive(Default)]
    struct Recorder {
        seen: Vec<(usize, &'static str, usize)>,
        after_dce: Vec<String>,
    }

    impl AfterPassHook for Recorder {
        fn wants_functions(&self, pass: &'static PassInfo) -> bool {
            pass.name == "dce"
        }

        fn after_pass(&mut self, index: usize, pass: &'static PassInfo, stats: &PassStats, functions: &[DefinedFunc]) {
            self.seen.push((index, pass.name, stats.functions_changed));
            if pass.name == "dce" {
                self.after_dce = functions
                    .iter()
                    .filter_map(|f| if let FuncBody::Ir(func) = &f.body { Some(function_text(func)) } else { None })
                    .collect();
            } else {
                assert!(functions.is_empty(), "{}", pass.name);
            }
        }
    }

    #[test]
    fn module_passes_run_with_the_call_graph_and_are_checked() {
        let dce = lookup("dce").expect("registered");
        let copy_prop = lookup("copy-prop").expect("registered");
        let lenient = Config { verify: VerifyMode::Lenient, verify_options: Options::default(), assume_events: None };
        let pm = PassManager::new(&[&TRIM_REACHABLE, copy_prop, &RETURN_ZERO, dce], lenient);
        let mut module = three_functions();
        let mut hook = Recorder::default();
        let report = pm.run_module_with(&mut module, &mut hook);
        let texts: Vec<String> = module
            .funcs
            .iter()
            .map(|f| if let FuncBody::Ir(func) = &f.body { function_text(func) } else { String::new() })
            .collect();
        // trim-reachable changed fn0 and fn1 (both proved); fn2 is not reachable.
        let trim = &report.passes[0];
        assert_eq!((trim.name, trim.functions_changed, trim.proved, trim.reverted), ("trim-reachable", 2, 2, 0));
        assert!(!texts[0].contains("i32.const 7") && !texts[1].contains("i32.const 7"));
        // return-zero is wrong for every function: each one is reverted.
        let zero = &report.passes[2];
        assert_eq!((zero.functions_changed, zero.counterexamples, zero.reverted), (0, 3, 3));
        let reverted: Vec<&str> =
            report.events.iter().filter(|e| e.pass == "return-zero").map(|e| e.function.as_str()).collect();
        assert_eq!(reverted, ["f0", "f1", "f2"]);
        assert!(texts.iter().all(|t| !t.contains("i32.const 0")), "{texts:?}");
        // dce then removes fn2's constant; the hook saw every pass in order
        // and the functions after dce as they are now.
        assert!(!texts[2].contains("i32.const 7"));
        assert_eq!(hook.seen, [(0, "trim-reachable", 2), (1, "copy-prop", 0), (2, "return-zero", 0), (3, "dce", 1)]);
        assert_eq!(hook.after_dce, texts);
    }

    /// `%f` returns 7 when `v0 == 1`, else `v0`: folding the test to its
    /// else edge is right only for `v0 ≠ 1`.
    const TEST_ONE: &str = "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 1
    v2 = i32.eq v0, v1
    brif v2, block1, block2
block1:
    v3 = i32.const 7
    return v3
block2:
    return v0
}
";

    /// Folds the entry's `brif` to its else edge; with `assume`, hands the
    /// manager `v0 ∈ {0, 2}`.
    struct FoldUnder {
        assume: bool,
    }

    impl ModulePass for FoldUnder {
        fn run(&self, module: &mut Module, cx: &mut ModuleCx) -> ModuleChanged {
            let f = FuncRef::from_u32(0);
            let Some(FuncBody::Ir(func)) = module.defined_mut(f).map(|d| &mut d.body) else { return ModuleChanged::No };
            let Some(inst) = func.entry_block().and_then(|b| func.terminator(b)) else { return ModuleChanged::No };
            make_jump(func, Edge { inst, slot: 1 });
            weft_ir::cfg_edit::remove_unreachable_blocks(func);
            if self.assume {
                cx.assume(f, vec![Precondition::ParamIn { param: 0, values: vec![0, 2] }]);
            }
            ModuleChanged::Yes { functions: vec![f], preserved: Preserved::NONE }
        }
    }

    static FOLD_ASSUMING: PassInfo = PassInfo {
        name: "fold-assuming",
        description: "folds a test under a precondition it hands the manager (test)",
        params: &[],
        make: || AnyPass::Module(Box::new(FoldUnder { assume: true })),
        make_with_params: None,
    };

    static FOLD_BLINDLY: PassInfo = PassInfo {
        name: "fold-blindly",
        description: "folds a test that a precondition would decide, without stating it (test)",
        params: &[],
        make: || AnyPass::Module(Box::new(FoldUnder { assume: false })),
        make_with_params: None,
    };

    #[test]
    fn a_module_pass_precondition_is_assumed_by_that_check_only_and_reported() {
        let module = || {
            let mut m = Module::default();
            m.funcs.push(DefinedFunc {
                index: FuncRef::from_u32(0),
                type_index: 0,
                body: FuncBody::Ir(weft_ir::parse_function(TEST_ONE).expect("parses")),
                original_range: 0..0,
            });
            m
        };
        let text = |m: &Module| match &m.funcs[0].body {
            FuncBody::Ir(func) => function_text(func),
            FuncBody::Opaque { .. } => String::new(),
        };
        let strict = strict(Options::default());
        // Under the precondition the fold is proved, and the event says so.
        let mut m = module();
        let report = PassManager::new(&[&FOLD_ASSUMING], strict.clone()).run_module(&mut m);
        assert_eq!((report.passes[0].proved, report.passes[0].functions_changed), (1, 1), "{:?}", report.events);
        let [event] = report.events.as_slice() else { panic!("{:?}", report.events) };
        assert_eq!((event.function.as_str(), event.reverted), ("f", false));
        assert_eq!(event.message, "under param v0 ∈ {0, 2}: proved");
        assert!(!text(&m).contains("brif"));
        // Without it the same change is a counterexample at v0 = 1, reverted;
        // a shared store of rejected changes does not reuse that verdict for
        // the change made under the precondition.
        let rejected = RejectedChanges::default();
        let mut m = module();
        let pm = PassManager::new(&[&FOLD_BLINDLY], strict.clone()).with_rejected_changes(rejected.clone());
        let report = pm.run_module(&mut m);
        assert_eq!((report.passes[0].counterexamples, report.passes[0].reverted), (1, 1), "{:?}", report.events);
        assert!(report.events[0].message.contains("v0 = 1"), "{}", report.events[0].message);
        assert_eq!(text(&m), text(&module()));
        let mut m = module();
        let pm = PassManager::new(&[&FOLD_ASSUMING], strict.clone()).with_rejected_changes(rejected);
        let report = pm.run_module(&mut m);
        assert_eq!(report.passes[0].proved, 1, "{:?}", report.events);
        // With verification off the change is kept and the assumption named.
        let mut m = module();
        let report = PassManager::new(&[&FOLD_ASSUMING], Config::default()).run_module(&mut m);
        assert_eq!(report.events[0].message, "under param v0 ∈ {0, 2}: not checked (verification off)");
    }
}

#[cfg(test)]
mod certificate_tests {
    use super::*;
    use crate::FunctionPass;
    use weft_ir::cfg_edit::{make_jump, remove_unreachable_blocks};
    use weft_ir::{DefinedFunc, Edge};
    use weft_verify::{HeaderFact, Side};

    /// A loop that checks `i >=u len` on every trip, after the entry
    /// checked `n <=u len` and while the loop runs for `i <u n`.
    const CHECKED: &str = "function %checked(i32, i32, i32) -> i32 {
    mem0 = memory min=1

block0(v0: i32, v1: i32, v2: i32):
    v3 = i32.gt_u v1, v2
    brif v3, block4, block5
block4:
    trap
block5:
    v4 = i32.const 0
    jump block1(v4, v4)
block1(v5: i32, v6: i32):
    v7 = i32.lt_u v5, v1
    brif v7, block2, block3
block2:
    v8 = i32.ge_u v5, v2
    brif v8, block6, block7
block6:
    trap
block7:
    v9 = i32.const 2
    v10 = i32.shl v5, v9
    v11 = i32.add v0, v10
    v12 = i32.load mem0 v11
    v13 = i32.add v6, v12
    v14 = i32.const 1
    v15 = i32.add v5, v14
    jump block1(v15, v13)
block3:
    return v6
}
";

    /// Removes the check in `block2` and certifies `fact` at `block1`.
    struct FoldCertified {
        fact: Option<&'static str>,
    }

    impl FunctionPass for FoldCertified {
        fn run(&self, func: &mut Function, cx: &mut PassCx) -> Changed {
            let block2 = weft_ir::Block::from_u32(2);
            let Some(inst) = func.terminator(block2) else { return Changed::No };
            if let Some(text) = self.fact {
                let fact = weft_verify::text::parse_fact(text, Some(Side::Src)).expect("fact parses");
                let block = weft_ir::Block::from_u32(1);
                cx.certify(Certificate {
                    header_facts: vec![HeaderFact { side: Side::Src, block, fact }],
                    ..Default::default()
                });
            }
            make_jump(func, Edge { inst, slot: 1 });
            remove_unreachable_blocks(func);
            Changed::Yes(Preserved::NONE)
        }
    }

    fn run(fact: Option<&'static str>) -> (Report, String) {
        static NAME: &str = "fold-certified";
        let info: &'static PassInfo = Box::leak(Box::new(PassInfo {
            name: NAME,
            description: "removes a loop's check, certifying a header fact (test)",
            params: &[],
            make: || AnyPass::Module(Box::new(NoModulePass)),
            make_with_params: None,
        }));
        let mut m = Module::default();
        m.funcs.push(DefinedFunc {
            index: FuncRef::from_u32(0),
            type_index: 0,
            body: FuncBody::Ir(weft_ir::parse_function(CHECKED).expect("parses")),
            original_range: 0..0,
        });
        let mut pm = PassManager::new(&[], Config { verify: VerifyMode::Strict, ..Config::default() });
        pm.passes.push((info, AnyPass::Function(Box::new(FoldCertified { fact }))));
        let report = pm.run_module(&mut m);
        let FuncBody::Ir(func) = &m.funcs[0].body else { panic!("opaque") };
        (report, function_text(func))
    }

    struct NoModulePass;
    impl crate::ModulePass for NoModulePass {
        fn run(&self, _: &mut Module, _: &mut ModuleCx) -> ModuleChanged {
            ModuleChanged::No
        }
    }

    #[test]
    fn a_certificate_a_function_pass_hands_the_check_is_proved_then_used() {
        // The right invariant: proved, and the check is gone.
        let (report, text) = run(Some("(i32.le_u v1 v2)"));
        assert_eq!((report.passes[0].proved, report.passes[0].reverted), (1, 0), "{:?}", report.events);
        assert!(!text.contains("brif v8"), "{text}");
        // Without it the induction sees an arbitrary header state: not
        // proved, reverted in strict mode.
        let (report, text) = run(None);
        assert_eq!((report.passes[0].proved, report.passes[0].reverted), (0, 1), "{:?}", report.events);
        assert!(text.contains("brif v8"), "{text}");
        // A wrong invariant is refuted at its establishment, never trusted.
        let (report, text) = run(Some("(i32.lt_u v1 v2)"));
        assert_eq!(report.passes[0].reverted, 1, "{:?}", report.events);
        assert!(text.contains("brif v8"), "{text}");
        let message = &report.events[0].message;
        assert!(message.contains("certificate") && message.contains("established"), "{message}");
    }
}

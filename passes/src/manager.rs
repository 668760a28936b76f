//! The pass manager: runs passes, checks each changed function, reverts on
//! failure, and reports.
//!
//! After a pass changes a function, the manager
//! 1. runs the structural verifier — a failure is a bug of the pass: the
//!    function is restored to its state before the pass and the event is
//!    reported;
//! 2. with [`VerifyMode::Lenient`] or [`VerifyMode::Strict`], asks
//!    `weft-verify` whether the new function refines the old one.
//!    A counterexample reverts the function in both modes; `Unknown` reverts
//!    it in strict mode; `ProvedBounded(k)` is kept in lenient mode and
//!    reverted in strict mode. Every outcome is counted in the report.
//!
//! So the output is verified or it is the input, per function and per pass.
//! A rejected change is remembered (IR text before and after, and the
//! verdict) by the manager, or by every manager sharing one
//! [`RejectedChanges`]: when a later pass proposes exactly the same change
//! to exactly the same function — the pipelines run `simplify-cfg` up to
//! three times, and a reverted function is the same input each time — the
//! verdict is reused instead of running Z3 again, counted as before, and the
//! event says so.
//! Function passes run in parallel across functions (rayon); results are
//! collected in function order, so output does not depend on thread count.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use weft_ir::{FuncBody, Function, Module};
use weft_verify::{Options, Outcome, check_refinement};

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

    fn absorb(&mut self, f: FunctionReport) {
        self.add_passes(f.passes);
        self.events.extend(f.events);
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

/// Runs a sequence of passes.
pub struct PassManager {
    passes: Vec<(&'static PassInfo, AnyPass)>,
    config: Config,
    rejected: RejectedChanges,
}

impl PassManager {
    /// A manager running `passes` in order.
    pub fn new(passes: &[&'static PassInfo], config: Config) -> Self {
        PassManager {
            passes: passes.iter().map(|p| (*p, (p.make)())).collect(),
            config,
            rejected: RejectedChanges::default(),
        }
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
        Ok(PassManager { passes, config, rejected: RejectedChanges::default() })
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
        for (info, pass) in &self.passes {
            if let AnyPass::Function(pass) = pass {
                let (stats, event) = self.run_one(info, pass.as_ref(), func);
                report.passes.push(stats);
                report.events.extend(event);
            }
        }
        report
    }

    /// Runs every pass over the module. Function passes run in parallel
    /// across functions; module passes run alone, in their place in the
    /// sequence, and every function they change is checked like a function
    /// pass's.
    pub fn run_module(&self, module: &mut Module) -> Report {
        let mut report = Report {
            opaque_functions: module.funcs.iter().filter(|f| matches!(f.body, FuncBody::Opaque { .. })).count(),
            ..Report::default()
        };
        let mut i = 0;
        while i < self.passes.len() {
            // A maximal run of function passes is applied per function in parallel.
            let start = i;
            while i < self.passes.len() && matches!(self.passes[i].1, AnyPass::Function(_)) {
                i += 1;
            }
            if i > start {
                let group = &self.passes[start..i];
                let reports: Vec<FunctionReport> = module
                    .funcs
                    .par_iter_mut()
                    .map(|f| {
                        let mut r = FunctionReport::default();
                        if let FuncBody::Ir(func) = &mut f.body {
                            for (info, pass) in group {
                                if let AnyPass::Function(pass) = pass {
                                    let (stats, event) = self.run_one(info, pass.as_ref(), func);
                                    r.passes.push(stats);
                                    r.events.extend(event);
                                }
                            }
                        } else {
                            r.passes = group
                                .iter()
                                .map(|(info, _)| PassStats { name: info.name, ..Default::default() })
                                .collect();
                        }
                        r
                    })
                    .collect();
                let mut group_report = Report::default();
                for r in reports {
                    group_report.absorb(r);
                }
                if group_report.passes.is_empty() {
                    group_report.passes =
                        group.iter().map(|(info, _)| PassStats { name: info.name, ..Default::default() }).collect();
                }
                report.passes.extend(group_report.passes);
                report.events.extend(group_report.events);
            }
            if i < self.passes.len() {
                let (info, pass) = &self.passes[i];
                if let AnyPass::Module(pass) = pass {
                    let (stats, events) = self.run_module_pass(info, pass.as_ref(), module);
                    report.passes.push(stats);
                    report.events.extend(events);
                }
                i += 1;
            }
        }
        report
    }

    fn run_module_pass(
        &self,
        info: &'static PassInfo,
        pass: &dyn crate::ModulePass,
        module: &mut Module,
    ) -> (PassStats, Vec<PassEvent>) {
        let t0 = Instant::now();
        let before: Vec<Option<Function>> = module
            .funcs
            .iter()
            .map(|f| match &f.body {
                FuncBody::Ir(func) => Some(func.clone()),
                FuncBody::Opaque { .. } => None,
            })
            .collect();
        let mut stats = PassStats { name: info.name, ..Default::default() };
        stats.insts_before = before.iter().flatten().map(Function::num_insts).sum();
        let notes = module.notes.len();
        let mut changed = pass.run(module);
        changed.sort_unstable();
        changed.dedup();
        let mut events: Vec<PassEvent> = module
            .notes
            .drain(notes.min(module.notes.len())..)
            .map(|message| PassEvent { pass: info.name, function: "module".into(), message, reverted: false })
            .collect();
        for idx in changed {
            let (Some(Some(old)), Some(f)) = (before.get(idx), module.funcs.get_mut(idx)) else { continue };
            let FuncBody::Ir(new) = &mut f.body else { continue };
            let (keep, event) = self.check(info, old, new, &mut stats);
            if keep {
                stats.functions_changed += 1;
            } else {
                *new = old.clone();
                stats.reverted += 1;
            }
            events.extend(event);
        }
        stats.insts_after = module
            .funcs
            .iter()
            .filter_map(|f| if let FuncBody::Ir(func) = &f.body { Some(func.num_insts()) } else { None })
            .sum();
        stats.time = t0.elapsed();
        (stats, events)
    }

    fn run_one(
        &self,
        info: &'static PassInfo,
        pass: &dyn crate::FunctionPass,
        func: &mut Function,
    ) -> (PassStats, Option<PassEvent>) {
        let t0 = Instant::now();
        let mut stats = PassStats { name: info.name, insts_before: func.num_insts(), ..Default::default() };
        let snapshot = func.clone();
        let mut event = None;
        if pass.run(func) {
            let (keep, ev) = self.check(info, &snapshot, func, &mut stats);
            event = ev;
            if keep {
                stats.functions_changed = 1;
            } else {
                *func = snapshot;
                stats.reverted = 1;
            }
        }
        stats.insts_after = func.num_insts();
        stats.time = t0.elapsed();
        (stats, event)
    }

    /// Checks `new` against `old`; returns whether to keep `new`. A change
    /// rejected before gets its recorded verdict; a change this check
    /// rejects is recorded.
    fn check(
        &self,
        info: &'static PassInfo,
        old: &Function,
        new: &Function,
        stats: &mut PassStats,
    ) -> (bool, Option<PassEvent>) {
        let event = |message: String, reverted: bool| PassEvent {
            pass: info.name,
            function: new.name.clone(),
            message,
            reverted,
        };
        if let Err(errs) = weft_ir::verifier::verify_function(new) {
            let msg =
                format!("verifier errors after pass (pass bug):\n{}", weft_ir::verifier::pretty_errors(new, &errs));
            return (false, Some(event(msg, true)));
        }
        if self.config.verify == VerifyMode::Off {
            return (true, None);
        }
        let strict = self.config.verify == VerifyMode::Strict;
        let texts = (function_text(old), function_text(new));
        let (outcome, reused) = match self.rejected.get(&texts) {
            Some(outcome) => (outcome, " (the same change was checked before; verdict reused)"),
            None => (check_refinement(old, new, &self.config.verify_options), ""),
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
                (true, None)
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
        Config { verify: VerifyMode::Strict, verify_options }
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
            module.funcs.push(weft_ir::DefinedFunc {
                index: weft_ir::FuncRef::from_u32(0),
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
}

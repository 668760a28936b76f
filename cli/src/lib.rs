//! weft as a library: optimize a module, a component, or one function.
//!
//! ```no_run
//! let bytes = std::fs::read("in.wasm").unwrap();
//! let config = weft::Config::default(); // -O2, structural verifier only
//! let (out, report) = weft::optimize(&bytes, &config).unwrap();
//! # let _ = (out, report);
//! ```
//!
//! Embedders that work one function at a time (Loom-style optimizers that
//! revert on a failed proof) call [`optimize_function`] on an IR function
//! they built or parsed: every pass is checked as configured, and a
//! function whose check fails is restored to its state before that pass.
//!
//! This crate owns the facade and the `weft` command; components are walked
//! here (each nested core module is optimized in place, every other byte of
//! the component is kept). With verification on, the entities a module
//! pass removes are checked by [`module_check`].
#![deny(missing_docs)]

pub mod component;
pub mod loom;
pub mod module_check;

use weft_ir::Function;
use weft_passes::analysis::guards::{GuardCounts, PanicShape, shape_index};
pub use weft_passes::pipelines::OptLevel;
pub use weft_passes::{AfterPassHook, FunctionReport, Report, Verdict, VerdictStatus, VerifyMode};

/// What to run and how to check it.
#[derive(Clone, Debug)]
pub struct Config {
    /// The pipeline, when `passes` is `None`.
    pub opt_level: OptLevel,
    /// An explicit pass list (overrides `opt_level`).
    pub passes: Option<Vec<String>>,
    /// Refinement checking of every pass.
    pub verify: VerifyMode,
    /// Z3 options (timeout per query, unroll bound).
    pub verify_options: weft_verify::Options,
    /// The events a P3 callback can receive, replacing the set derived from
    /// the imports (`weft_passes::p3`); `None` derives it.
    pub assume_events: Option<weft_passes::analysis::p3::EventSet>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            opt_level: OptLevel::O2,
            passes: None,
            verify: VerifyMode::Off,
            verify_options: Default::default(),
            assume_events: None,
        }
    }
}

/// Why weft could not produce output.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Malformed, invalid or unreadable input.
    #[error("{0}")]
    Input(String),
    /// A pass name that does not exist, or bad pass parameters.
    #[error(transparent)]
    PassSpec(#[from] weft_passes::PassSpecError),
    /// The backend could not write valid wasm (a weft bug; nothing is written).
    #[error("internal error: {0}")]
    Backend(#[from] weft_backend::BackendError),
}

impl From<weft_frontend::FrontendError> for Error {
    fn from(e: weft_frontend::FrontendError) -> Self {
        Error::Input(e.to_string())
    }
}

/// The passes `config` asks for, with their parameters (`--passes` items
/// may be written `name<key=value;...>`).
pub fn pass_specs(config: &Config) -> Result<Vec<weft_passes::PassSpec>, weft_passes::PassSpecError> {
    match &config.passes {
        Some(names) => names.iter().map(|n| weft_passes::PassSpec::parse(n)).collect(),
        None => Ok(weft_passes::pipelines::pipeline(config.opt_level)?.into_iter().map(Into::into).collect()),
    }
}

/// The passes `config` asks for, without their parameters (see
/// [`pass_specs`]).
pub fn pass_list(config: &Config) -> Result<Vec<&'static weft_passes::PassInfo>, weft_passes::PassSpecError> {
    Ok(pass_specs(config)?.into_iter().map(|s| s.info).collect())
}

/// The per-pass table of `--stats`: functions changed, instructions in
/// and out, time, refinement outcomes and reverts, then the number of
/// opaque functions and what module passes did to the module (what they
/// removed or why they declined, and the module check's verdict).
pub fn stats_table(report: &Report) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<22} {:>8} {:>10} {:>10} {:>10} {:>7} {:>7} {:>5} {:>7} {:>8}",
        "pass", "changed", "insts in", "insts out", "time ms", "proved", "bounded", "cex", "unknown", "reverted"
    );
    for p in &report.passes {
        let _ = writeln!(
            s,
            "{:<22} {:>8} {:>10} {:>10} {:>10.2} {:>7} {:>7} {:>5} {:>7} {:>8}",
            p.name,
            p.functions_changed,
            p.insts_before,
            p.insts_after,
            p.time.as_secs_f64() * 1e3,
            p.proved,
            p.proved_bounded,
            p.counterexamples,
            p.unknown,
            p.reverted
        );
    }
    let _ = writeln!(s, "opaque functions (left untouched): {}", report.opaque_functions);
    for e in report.events.iter().filter(|e| e.function == "module") {
        let _ = writeln!(s, "{}: {}", e.pass, e.message);
    }
    s
}

/// The checks of a core module or a component (binary or text), summed
/// over its core modules: every `brif` with one side that only traps or
/// calls a never-returning function
/// ([`weft_passes::analysis::guards`]), by how it fails.
pub fn count_checks(bytes: &[u8]) -> Result<GuardCounts, Error> {
    let bytes = weft_frontend::parse_wat_or_wasm(bytes)?;
    let mut total = GuardCounts::default();
    for range in weft_frontend::core_module_ranges(&bytes)? {
        let (module, _diagnostics) = weft_frontend::translate_module(&bytes[range])?;
        total += &GuardCounts::of_module(&module);
    }
    Ok(total)
}

/// The table of `--count-checks`: checks per kind before and after.
pub fn checks_table(before: &GuardCounts, after: &GuardCounts) -> String {
    use std::fmt::Write as _;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{:<32} {:>8} {:>8} {:>12} {:>12}",
        "checks (guards)", "before", "after", "calls before", "calls after"
    );
    let sites = |g: &GuardCounts, shape: PanicShape| g.call_sites[shape_index(shape)];
    let mut rows = vec![("trap".to_string(), before.traps, after.traps, None)];
    for shape in PanicShape::ALL {
        let calls = Some((sites(before, shape), sites(after, shape)));
        rows.push((format!("call {}", shape.label()), before.panic(shape), after.panic(shape), calls));
    }
    let calls = Some((before.bounds_call_sites(), after.bounds_call_sites()));
    rows.push(("bounds panics (the 6 above)".to_string(), before.bounds_panics(), after.bounds_panics(), calls));
    rows.push(("total".to_string(), before.total(), after.total(), None));
    for (name, a, b, calls) in rows {
        let _ = write!(s, "{name:<32} {a:>8} {b:>8}");
        if let Some((c, d)) = calls {
            let _ = write!(s, " {c:>12} {d:>12}");
        }
        let _ = writeln!(s);
    }
    s.push_str("(calls: every call of the function, guarded or not)\n");
    s
}

/// The pass manager's configuration for `config`.
fn manager_config(config: &Config) -> weft_passes::Config {
    weft_passes::Config {
        verify: config.verify,
        verify_options: config.verify_options.clone(),
        assume_events: config.assume_events,
    }
}

/// The pass manager for `config`: its passes, each checked as configured.
/// A pass manager for `config`. With verification on, every module pass's
/// edits are checked by [`module_check`] (undone if the check fails).
pub fn manager(config: &Config) -> Result<weft_passes::PassManager, Error> {
    let manager = weft_passes::PassManager::from_specs(&pass_specs(config)?, manager_config(config))?;
    Ok(if config.verify == VerifyMode::Off {
        manager
    } else {
        manager.with_module_edit_check(module_edit_check(config))
    })
}

/// The module-level check of module passes' edits, as the pass manager
/// calls it ([`module_check::check_pass_edits`]).
pub fn module_edit_check(config: &Config) -> weft_passes::manager::ModuleEditCheck {
    let emit = emit_options(config);
    std::sync::Arc::new(move |module, before, pass| module_check::check_pass_edits(module, before, pass, &emit))
}

/// How the backend writes modules for `config` (`-Os` prefers size).
fn emit_options(config: &Config) -> weft_backend::EmitOptions {
    weft_backend::EmitOptions { prefer_size: config.opt_level == OptLevel::Os }
}

/// Optimizes one core module (wasm bytes).
pub fn optimize_core_module(bytes: &[u8], config: &Config) -> Result<(Vec<u8>, Report), Error> {
    optimize_core_module_with(bytes, config, &manager(config)?, &mut weft_passes::manager::NoHook)
}

/// Optimizes one core module with `manager` (built by [`manager`] from
/// `config`), telling `hook` about each pass (for `--print-ir`, progress).
pub fn optimize_core_module_with(
    bytes: &[u8],
    config: &Config,
    manager: &weft_passes::PassManager,
    hook: &mut dyn AfterPassHook,
) -> Result<(Vec<u8>, Report), Error> {
    let (mut module, _diagnostics) = weft_frontend::translate_module(bytes)?;
    let facts = weft_passes::analysis::p3::P3Facts::of(&module, config.assume_events);
    let mut report = manager.run_module_with(&mut module, hook);
    if facts.has_callbacks() || config.assume_events.is_some() {
        let events = facts.lines().into_iter().map(|message| weft_passes::PassEvent {
            pass: "p3-facts",
            function: "module".to_string(),
            message,
            reverted: false,
        });
        report.events.splice(0..0, events);
    }
    let emit = emit_options(config);
    let out = weft_backend::emit_module_with(&module, &emit)?;
    Ok((out, report))
}

/// Optimizes a core module or a component (binary or text). For a
/// component, every nested core module is optimized in place and the
/// reports are merged in order.
pub fn optimize(bytes: &[u8], config: &Config) -> Result<(Vec<u8>, Report), Error> {
    let bytes = weft_frontend::parse_wat_or_wasm(bytes)?;
    let manager = manager(config)?;
    let mut hook = weft_passes::manager::NoHook;
    if component::is_component(&bytes) {
        let mut total = Report::default();
        let out = component::rewrite_core_modules(&bytes, &mut |m| {
            let (out, report) = optimize_core_module_with(m, config, &manager, &mut hook)?;
            merge(&mut total, report);
            Ok(out)
        })?;
        Ok((out, total))
    } else {
        optimize_core_module_with(&bytes, config, &manager, &mut hook)
    }
}

/// Adds `more` to `total` (per-pass totals by position; events appended).
pub fn merge(total: &mut Report, more: Report) {
    total.merge(more);
}

/// Optimizes one IR function in place with the configured passes (module
/// passes are skipped). Each pass is checked; a failed check restores the
/// function to its state before that pass and is recorded in the report.
pub fn optimize_function(func: &mut Function, config: &Config) -> Result<FunctionReport, Error> {
    Ok(manager(config)?.run_function(func))
}

/// What the passes did to one function, over the whole run: the
/// per-function contract of an embedder that keeps proved changes and
/// reverts the rest (Loom's), in the order the changes were settled.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FunctionOutcome {
    /// The function's name.
    pub function: String,
    /// Passes whose change was proved and kept.
    pub proved: Vec<&'static str>,
    /// Passes whose change was kept without a proof, with the reason
    /// (verification off, or lenient mode keeping an undecided check).
    pub unproved: Vec<(&'static str, String)>,
    /// Passes whose change was reverted, with the reason.
    pub reverted: Vec<(&'static str, String)>,
}

impl FunctionOutcome {
    /// The function's status: [`VerdictStatus::KeptUnproved`]
    /// if any kept change is unproved, else `Proved` if a change was kept,
    /// else `Reverted` (every change was undone: the function is as it was
    /// read).
    pub fn status(&self) -> VerdictStatus {
        if !self.unproved.is_empty() {
            VerdictStatus::KeptUnproved
        } else if !self.proved.is_empty() {
            VerdictStatus::Proved
        } else {
            VerdictStatus::Reverted
        }
    }
}

/// The outcome of every function some pass changed, by name, in the order
/// functions were first settled. Functions no pass changed are not listed:
/// they are as they were read.
pub fn function_outcomes(report: &Report) -> Vec<FunctionOutcome> {
    let mut out: Vec<FunctionOutcome> = Vec::new();
    let mut index: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for pass in &report.passes {
        for v in &pass.verdicts {
            let i = *index.entry(v.function.clone()).or_insert_with(|| {
                out.push(FunctionOutcome { function: v.function.clone(), ..Default::default() });
                out.len() - 1
            });
            let o = &mut out[i];
            match v.status {
                VerdictStatus::Proved => o.proved.push(pass.name),
                VerdictStatus::KeptUnproved => o.unproved.push((pass.name, v.reason.clone())),
                VerdictStatus::Reverted => o.reverted.push((pass.name, v.reason.clone())),
            }
        }
    }
    out
}

/// One line: how many changed functions are proved, kept unproved and
/// reverted ([`function_outcomes`]).
pub fn verdict_summary(report: &Report) -> String {
    let outcomes = function_outcomes(report);
    let count = |s: VerdictStatus| outcomes.iter().filter(|o| o.status() == s).count();
    format!(
        "functions changed: {} ({} proved, {} kept unproved, {} reverted)\n",
        outcomes.len(),
        count(VerdictStatus::Proved),
        count(VerdictStatus::KeptUnproved),
        count(VerdictStatus::Reverted)
    )
}

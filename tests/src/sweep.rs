//! The pass sweep: every registered pass, and every pipeline, over every
//! function of the filetest corpus.
//!
//! The subjects are each pass of [`weft_passes::passes`] with its default
//! parameters, and the pipelines of [`OptLevel`] (one subject per distinct
//! pass list), so a newly registered pass is swept without a change here.
//! A module pass does not run on a lone function; it is listed as skipped.
//! The corpus is every function of every `tests/filetests/**/*.ir` file that
//! parses and verifies (inputs, expected outputs, the targets of `test
//! refine` pairs alike).
//!
//! For each subject and function, the subject runs through the pass manager
//! (the structural verifier after each pass) and:
//!
//! 1. a function the manager reverted (the verifier rejected a pass's
//!    output) is a failure;
//! 2. when no pass reports a change, the function must be unchanged;
//! 3. the output must be canonical text: printing, parsing and printing
//!    again gives the same text;
//! 4. a single pass must be idempotent: run again on its output, it
//!    reports no change;
//! 5. the interpreter runs the function before and after on a few sample
//!    arguments: results (or the trap), the trace of calls and the final
//!    memory, globals and tables must agree (runs out of fuel are skipped);
//! 6. the Z3 refinement check of the output against the input: a
//!    counterexample is a failure; `Unknown` and `ProvedBounded` are
//!    counted and listed in the [`Summary`], never dropped silently.
//!
//! The refinement check is the expensive part, so it is asked only what is
//! new: a subject that leaves a function unchanged is not checked, and an
//! output already checked for the same input (two subjects making the same
//! change, `-O2` and a single pass agreeing) reuses the verdict (the check
//! is listed under the first subject that asked it).
//!
//! Each query is limited by a Z3 resource limit ([`QUERY_RLIMIT`]) rather
//! than by time, so which checks end `Unknown` does not depend on the
//! machine or its load; the time limits of [`check_options`] are a backstop
//! only.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use rayon::prelude::*;
use weft_ir::interpreter::{CallEvent, State, Trace, Trap, Val, run};
use weft_ir::{Function, Type};
use weft_passes::pipelines::{OptLevel, pipeline};
use weft_passes::{PassManager, PassSpec};
use weft_verify::Outcome;

/// What is swept: a name and the passes it runs.
#[derive(Clone, Debug)]
pub struct Subject {
    /// The pass name, or the pipeline's flag (`-O2`).
    pub name: String,
    /// The passes, in order.
    pub specs: Vec<PassSpec>,
    /// A single pass (held to idempotence), not a pipeline.
    pub single: bool,
}

/// Every registered pass with its default parameters, then every distinct
/// pipeline.
pub fn subjects() -> Vec<Subject> {
    let mut out: Vec<Subject> = weft_passes::passes()
        .iter()
        .map(|info| Subject { name: info.name.to_string(), specs: vec![PassSpec::from(info)], single: true })
        .collect();
    for (flag, level) in [("-O1", OptLevel::O1), ("-O2", OptLevel::O2), ("-O3", OptLevel::O3), ("-Os", OptLevel::Os)] {
        let Ok(infos) = pipeline(level) else { continue };
        let specs: Vec<PassSpec> = infos.into_iter().map(PassSpec::from).collect();
        if specs.is_empty() || out.iter().any(|s| !s.single && s.specs == specs) {
            continue;
        }
        out.push(Subject { name: flag.to_string(), specs, single: false });
    }
    out
}

/// One function of the corpus.
pub struct CorpusFunction {
    /// `file:%name`.
    pub name: String,
    /// The function.
    pub func: Function,
}

/// Every function of every filetest under `root` that parses and verifies.
pub fn corpus(root: &Path) -> Vec<CorpusFunction> {
    let mut out = Vec::new();
    for path in weft_filetest::discover(root) {
        let Ok(text) = std::fs::read_to_string(&path) else { continue };
        let Ok(funcs) = weft_filetest::parse_file_functions(&text) else { continue };
        let rel = path.strip_prefix(root).unwrap_or(&path).display().to_string();
        for func in funcs {
            if weft_ir::verifier::verify_function(&func).is_ok() {
                out.push(CorpusFunction { name: format!("{rel}:%{}", func.name), func });
            }
        }
    }
    out
}

/// The Z3 resource limit of each query of the sweep's checks. The hardest
/// query of the corpus (simplify-cfg on `forwarding.ir`'s `%fwd_rename`)
/// is `unknown` at 300,000 and decided at 1,000,000; about 1,500 units
/// pass per millisecond, so a query stops after a few seconds.
pub const QUERY_RLIMIT: u32 = 5_000_000;

/// The options of the sweep's refinement checks: [`QUERY_RLIMIT`] per
/// query, the default timeouts (10 s per query, 30 s per check) as a
/// backstop.
pub fn check_options() -> weft_verify::Options {
    weft_verify::Options { query_rlimit: Some(QUERY_RLIMIT), ..weft_verify::Options::default() }
}

/// How to sweep.
#[derive(Clone, Debug)]
pub struct SweepOptions {
    /// Run the Z3 refinement check of every changed function.
    pub refine: bool,
    /// Options of each refinement check.
    pub check: weft_verify::Options,
}

/// One refinement check the sweep ran.
#[derive(Clone, Debug)]
pub struct CheckRecord {
    /// The subject's name.
    pub subject: String,
    /// `subject on function`.
    pub what: String,
    /// The verdict, in words.
    pub outcome: String,
    /// Was it `Proved`?
    pub proved: bool,
    /// Was it `Unknown`?
    pub unknown: bool,
    /// How long it took.
    pub time: Duration,
}

/// What a sweep found.
#[derive(Debug, Default)]
pub struct Summary {
    /// Functions in the corpus.
    pub functions: usize,
    /// Per subject: its name and how many functions it changed.
    pub changed: Vec<(String, usize)>,
    /// Subjects that did not run (module passes).
    pub skipped: Vec<String>,
    /// Every refinement check run, in (function, subject) order.
    pub checks: Vec<CheckRecord>,
    /// Checks answered by an earlier identical check.
    pub reused: usize,
    /// Failures, in (function, subject) order.
    pub failures: Vec<String>,
}

impl Summary {
    /// The checks that ended `Unknown`.
    pub fn unknown(&self) -> impl Iterator<Item = &CheckRecord> {
        self.checks.iter().filter(|c| c.unknown)
    }

    /// The checks that ended `ProvedBounded`.
    pub fn bounded(&self) -> impl Iterator<Item = &CheckRecord> {
        self.checks.iter().filter(|c| !c.proved && !c.unknown)
    }

    /// A report: functions and changes per subject, check counts and times
    /// (median, p99, max, total), then every check that did not end
    /// `Proved` and every failure.
    pub fn render(&self) -> String {
        use std::fmt::Write as _;
        let mut s = String::new();
        let changed: Vec<String> = self.changed.iter().map(|(n, c)| format!("{n} {c}")).collect();
        let _ = writeln!(s, "sweep: {} functions; changed per subject: {}", self.functions, changed.join(", "));
        if !self.skipped.is_empty() {
            let _ = writeln!(s, "sweep: module passes not swept on lone functions: {}", self.skipped.join(", "));
        }
        let mut times: Vec<Duration> = self.checks.iter().map(|c| c.time).collect();
        times.sort();
        let pct = |p: usize| times.get((times.len() * p).div_ceil(100).saturating_sub(1)).copied().unwrap_or_default();
        let _ = writeln!(
            s,
            "sweep: {} refinement checks ({} reused), {} proved, {} bounded, {} unknown; \
             median {:.1} ms, p99 {:.1} ms, max {:.1} ms, total {:.2} s",
            self.checks.len(),
            self.reused,
            self.checks.iter().filter(|c| c.proved).count(),
            self.bounded().count(),
            self.unknown().count(),
            pct(50).as_secs_f64() * 1e3,
            pct(99).as_secs_f64() * 1e3,
            times.last().copied().unwrap_or_default().as_secs_f64() * 1e3,
            times.iter().sum::<Duration>().as_secs_f64(),
        );
        let per_subject: Vec<String> = self
            .changed
            .iter()
            .map(|(name, _)| {
                let mine = self.checks.iter().filter(|c| c.subject == *name);
                let (n, t) = mine.fold((0, Duration::ZERO), |(n, t), c| (n + 1, t + c.time));
                format!("{name} {n} ({:.2} s)", t.as_secs_f64())
            })
            .collect();
        let _ = writeln!(s, "sweep: checks per subject: {}", per_subject.join(", "));
        for c in self.checks.iter().filter(|c| !c.proved) {
            let _ = writeln!(s, "sweep: {}: {} ({:.1} ms)", c.what, c.outcome, c.time.as_secs_f64() * 1e3);
        }
        for f in &self.failures {
            let _ = writeln!(s, "FAIL {f}");
        }
        s
    }
}

/// Integer samples for arguments (floats use halves and quarters of them).
const SAMPLES: [i64; 7] = [0, 1, -1, 7, 100, i32::MIN as i64, 3];

/// Fuel for one interpreter run; a run that needs more is skipped. The
/// corpus's functions are small: a run either ends within a few hundred
/// steps or does not end at all (a loop on a sample argument), and a traced
/// call in such a loop hashes every memory, so fuel is what the
/// differential costs.
const FUEL: u64 = 2_000;

fn sample(ty: Type, k: usize) -> Val {
    let x = SAMPLES[k % SAMPLES.len()];
    match ty {
        Type::I32 => Val::I32(x as i32),
        Type::I64 => Val::I64(x),
        Type::F32 => Val::F32(weft_ir::Ieee32::from_f32(x as f32 * 0.5)),
        Type::F64 => Val::F64(weft_ir::Ieee64::from_f64(x as f64 * 0.25)),
        Type::V128 => Val::V128(weft_ir::V128Imm::from_u128((x as u128).wrapping_mul(0x0101_0101_0101_0101))),
        t => Val::zero(t),
    }
}

/// What a run shows: its results (a NaN written by its type only) or its
/// trap, the calls it made, and the final state.
#[derive(PartialEq)]
struct Behaviour {
    results: Result<Vec<String>, String>,
    calls: Vec<CallEvent>,
    state: State,
}

impl std::fmt::Display for Behaviour {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:?}, calls {:?}, state digest {}", self.results, self.calls, self.state.digest())
    }
}

/// How `func` behaves on `args`; `None` when the run ran out of fuel (or the
/// state cannot be set up).
fn behaviour(func: &Function, args: &[Val]) -> Option<Behaviour> {
    let mut state = State::for_function(func).ok()?;
    let mut env = Trace::new(&func.dfg.decls);
    let r = run(func, args, &mut state, &mut env, FUEL);
    if matches!(r, Err(Trap::OutOfFuel)) {
        return None;
    }
    let results = r
        .map(|vs| vs.iter().map(|v| if v.is_nan() { format!("nan:{}", v.ty()) } else { format!("{v:?}") }).collect())
        .map_err(|t| t.to_string());
    Some(Behaviour { results, calls: env.events, state })
}

/// The sample arguments of `func`'s `k`-th run.
fn sample_args(func: &Function, k: usize) -> Vec<Val> {
    func.sig.params.iter().enumerate().map(|(i, &t)| sample(t, k + i)).collect()
}

/// The sweep of one function: failures and checks, in subject order.
#[derive(Default)]
struct FunctionSweep {
    changed: Vec<bool>,
    skipped: Vec<bool>,
    checks: Vec<CheckRecord>,
    reused: usize,
    failures: Vec<String>,
}

/// A manager running `subject` with the structural verifier only.
fn manager(subject: &Subject) -> Result<PassManager, String> {
    PassManager::from_specs(&subject.specs, weft_passes::Config::default()).map_err(|e| e.to_string())
}

fn sweep_function(cf: &CorpusFunction, subjects: &[Subject], options: &SweepOptions) -> FunctionSweep {
    let mut out = FunctionSweep::default();
    let before = cf.func.display().to_string();
    // Verdicts by output text: the input is the same for every subject.
    let mut verdicts: HashMap<String, String> = HashMap::new();
    // The input's behaviour on the samples, run once when first needed.
    let mut before_runs: Option<Vec<Option<Behaviour>>> = None;
    for subject in subjects {
        let what = format!("{} on {}", subject.name, cf.name);
        let Ok(manager) = manager(subject) else {
            out.changed.push(false);
            out.skipped.push(false);
            continue;
        };
        let mut func = cf.func.clone();
        let report = manager.run_function(&mut func);
        out.skipped.push(report.passes.is_empty());
        let claimed = report.passes.iter().any(|p| p.functions_changed > 0);
        out.changed.push(claimed);
        if let Some(e) = report.events.iter().find(|e| e.reverted) {
            out.failures.push(format!("{what}: pass {} reverted: {}", e.pass, e.message));
            continue;
        }
        let after = func.display().to_string();
        if !claimed {
            if after != before {
                out.failures.push(format!("{what}: reported no change but changed the function:\n{after}"));
            }
            continue;
        }
        match weft_ir::parse_function(&after) {
            Ok(again) if again.display().to_string() == after => {}
            Ok(again) => out.failures.push(format!(
                "{what}: output not stable under print(parse(..)):\n{after}\nthen:\n{}",
                again.display()
            )),
            Err(e) => out.failures.push(format!("{what}: output does not parse: {e}\n{after}")),
        }
        if subject.single {
            let mut again = func.clone();
            let second = manager.run_function(&mut again);
            if second.passes.iter().any(|p| p.functions_changed > 0) {
                out.failures.push(format!("{what}: not idempotent:\n{after}\nthen:\n{}", again.display()));
            }
        }
        if after == before {
            continue;
        }
        let before_runs = before_runs.get_or_insert_with(|| {
            (0..SAMPLES.len()).map(|k| behaviour(&cf.func, &sample_args(&cf.func, k))).collect()
        });
        for (k, expected) in before_runs.iter().enumerate() {
            let args = sample_args(&cf.func, k);
            if let (Some(a), Some(b)) = (expected, behaviour(&func, &args))
                && *a != b
            {
                out.failures.push(format!("{what}: args {args:?}: before {a}, after {b}\n{after}"));
            }
        }
        if !options.refine {
            continue;
        }
        if verdicts.contains_key(&after) {
            out.reused += 1;
            continue;
        }
        let start = Instant::now();
        // A single pass's certificate is about the function it was given,
        // the input; a pipeline's are about intermediate functions.
        let outcome = match report.certificates.as_slice() {
            [(_, cert)] if subject.single => {
                let mut check = options.check.clone();
                check.certificate.extend(cert.clone());
                weft_verify::check_refinement(&cf.func, &func, &check)
            }
            _ => weft_verify::check_refinement(&cf.func, &func, &options.check),
        };
        let time = start.elapsed();
        let (proved, unknown) = (matches!(outcome, Outcome::Proved), matches!(outcome, Outcome::Unknown(_)));
        let words = match &outcome {
            Outcome::Proved => "proved".to_string(),
            Outcome::ProvedBounded(k) => format!("proved up to {k} loop iterations"),
            Outcome::Unknown(why) => format!("unknown: {why}"),
            Outcome::Counterexample(_) => "counterexample".to_string(),
        };
        if let Outcome::Counterexample(cex) = &outcome {
            out.failures.push(format!("{what}: counterexample:\n{cex}\noutput:\n{after}"));
        }
        verdicts.insert(after, words.clone());
        out.checks.push(CheckRecord { subject: subject.name.clone(), what, outcome: words, proved, unknown, time });
    }
    out
}

/// Sweeps `subjects` over `corpus`, functions in parallel; the summary is
/// in corpus order whatever the thread count.
pub fn sweep(corpus: &[CorpusFunction], subjects: &[Subject], options: &SweepOptions) -> Summary {
    let mut summary = Summary {
        functions: corpus.len(),
        changed: subjects.iter().map(|s| (s.name.clone(), 0)).collect(),
        ..Summary::default()
    };
    for s in subjects {
        if let Err(e) = manager(s) {
            summary.failures.push(format!("{}: the pass manager cannot run it: {e}", s.name));
        }
    }
    let swept: Vec<FunctionSweep> = corpus.par_iter().map(|cf| sweep_function(cf, subjects, options)).collect();
    let mut skipped = vec![!corpus.is_empty(); subjects.len()];
    for f in swept {
        for (i, (&changed, &skip)) in f.changed.iter().zip(&f.skipped).enumerate() {
            summary.changed[i].1 += usize::from(changed);
            skipped[i] &= skip;
        }
        summary.checks.extend(f.checks);
        summary.reused += f.reused;
        summary.failures.extend(f.failures);
    }
    summary.skipped = subjects.iter().zip(&skipped).filter(|(_, s)| **s).map(|(s, _)| s.name.clone()).collect();
    summary
}

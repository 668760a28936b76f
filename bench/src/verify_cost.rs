//! Verification cost on real code: the distribution of per-check times of
//! the `-O2` pipeline checked by `weft-verify` in strict mode, over every
//! function of every core module of the corpus groups given (by default
//! `jco-p3` and `p3`; `.wasm` files, and `.wat` files, which is what `p3`
//! holds).
//!
//! For each function the `-O2` passes run one at a time, as the pass
//! manager runs them under `--verify=strict`: a pass runs unchecked, and if
//! it changed the function, [`weft_verify::check_refinement_report`]
//! checks the change against the function before it, with the facade's
//! default check options (`weft::Config::default().verify_options`); the
//! change is kept only when it is `Proved`. Each such check is one row: its
//! wall time and verdict. Checks run one at a time (no parallelism), so a
//! row's time is that check's alone. [`render`] writes the median, p90,
//! p99 and maximum check time, the share of checks proved, the slowest
//! checks and the totals per file.

use std::fmt::Write;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use weft_ir::{FuncBody, Function};
use weft_verify::{Method, Outcome};

use crate::Error;

/// The corpus groups measured by default.
pub const DEFAULT_GROUPS: [&str; 2] = ["jco-p3", "p3"];

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// The corpus folder (`../shared/corpus`).
    pub root: PathBuf,
    /// Sub-folders of `root` to measure (every `.wasm` file below each).
    pub groups: Vec<String>,
    /// The pipeline and check options (`opt_level`, `verify_options`).
    pub check: weft::Config,
    /// At most this many files per group (the smallest first), if set.
    pub limit: Option<usize>,
    /// Append every check as a tab-separated line (file, function, pass,
    /// instructions, milliseconds, verdict, method) to this file, as it is
    /// measured.
    pub raw: Option<PathBuf>,
}

impl Options {
    /// The default groups under `root`, `-O2`, default check options.
    pub fn new(root: PathBuf) -> Options {
        Options {
            root,
            groups: DEFAULT_GROUPS.iter().map(|g| g.to_string()).collect(),
            check: weft::Config::default(),
            limit: None,
            raw: None,
        }
    }
}

/// How a check ended.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// Proved for all inputs (kept).
    Proved,
    /// Proved up to a loop bound (reverted in strict mode).
    Bounded,
    /// Undecided (reverted).
    Unknown,
    /// A counterexample: a pass bug (reverted).
    Counterexample,
}

impl Kind {
    fn of(outcome: &Outcome) -> Kind {
        match outcome {
            Outcome::Proved => Kind::Proved,
            Outcome::ProvedBounded(_) => Kind::Bounded,
            Outcome::Unknown(_) => Kind::Unknown,
            Outcome::Counterexample(_) => Kind::Counterexample,
        }
    }

    /// The verdict named by [`Kind::name`], if it is one.
    pub fn from_name(name: &str) -> Option<Kind> {
        [Kind::Proved, Kind::Bounded, Kind::Unknown, Kind::Counterexample].into_iter().find(|k| k.name() == name)
    }

    /// The verdict in one word, as in the raw rows.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Proved => "proved",
            Kind::Bounded => "bounded",
            Kind::Unknown => "unknown",
            Kind::Counterexample => "counterexample",
        }
    }
}

/// One check.
#[derive(Clone, Debug)]
pub struct Check {
    /// The file, relative to the corpus folder.
    pub file: String,
    /// The function's name.
    pub function: String,
    /// The pass whose change was checked.
    pub pass: String,
    /// Instructions in the function before the pass.
    pub insts: usize,
    /// Wall time of the check.
    pub time: Duration,
    /// Its verdict.
    pub kind: Kind,
    /// How it was reached, in words (`loop-free`, `induction`, ...).
    pub method: String,
    /// The verdict's first line.
    pub detail: String,
}

/// The whole section's measurements.
#[derive(Clone, Debug, Default)]
pub struct Results {
    /// Every check, in file, function and pass order.
    pub checks: Vec<Check>,
    /// Files measured (relative to the corpus folder) and the wall time
    /// of each (translation, passes, checks).
    pub files: Vec<(String, Duration)>,
    /// The per-query timeout, in milliseconds.
    pub timeout_ms: u32,
    /// Wall time of the whole section.
    pub elapsed: Duration,
}

fn ir_text(func: &Function) -> String {
    let mut s = String::new();
    // Writing to a `String` cannot fail.
    let _ = weft_ir::write::write_function(&mut s, func);
    s
}

fn method_text(m: &Method) -> String {
    match m {
        Method::LoopFree => "loop-free".into(),
        Method::Inductive { loops } => format!("induction ({loops} loops)"),
        Method::Relational { pairs, facts, .. } => format!("induction ({pairs} pairs, {facts} facts)"),
        Method::Unrolled { bound, .. } => format!("unrolled to {bound}"),
        Method::None => "-".into(),
    }
}

/// Runs the passes of `specs` on `func` one at a time, checking each change
/// as strict mode does; appends a row per check and shows `on_check` each
/// row with the function before and after the pass (the pair checked).
pub fn check_function(
    file: &str,
    func: &mut Function,
    specs: &[weft_passes::PassSpec],
    options: &weft_verify::Options,
    out: &mut Vec<Check>,
    on_check: &mut dyn FnMut(&Check, &Function, &Function),
) -> Result<(), Error> {
    for spec in specs {
        let manager = weft_passes::PassManager::from_specs(std::slice::from_ref(spec), weft_passes::Config::default())
            .map_err(|e| Error::new(e.to_string()))?;
        let before = func.clone();
        let mut after = func.clone();
        let report = manager.run_function(&mut after);
        if report.events.iter().any(|e| e.reverted) || ir_text(&before) == ir_text(&after) {
            continue;
        }
        let start = Instant::now();
        let r = weft_verify::check_refinement_report(&before, &after, options);
        let time = start.elapsed();
        let kind = Kind::of(&r.outcome);
        let check = Check {
            file: file.to_string(),
            function: func.name.clone(),
            pass: spec.to_string(),
            insts: before.num_layout_insts(),
            time,
            kind,
            method: method_text(&r.method),
            detail: r.outcome.to_string().lines().next().unwrap_or("").to_string(),
        };
        on_check(&check, &before, &after);
        out.push(check);
        if kind == Kind::Proved {
            *func = after;
        }
    }
    Ok(())
}

/// Measures every file of the groups of `options`; `log` gets a line per
/// file.
pub fn run(options: &Options, log: &mut dyn FnMut(String)) -> Result<Results, Error> {
    let started = Instant::now();
    let specs = weft::pass_specs(&options.check).map_err(|e| Error::new(e.to_string()))?;
    let mut results = Results { timeout_ms: options.check.verify_options.timeout_ms, ..Results::default() };
    for group in &options.groups {
        let dir = options.root.join(group);
        if !dir.is_dir() {
            return Err(Error::new(format!("the corpus group {} is missing", dir.display())));
        }
        let mut files = Vec::new();
        crate::corpus::files_with_ext(&dir, &["wasm", "wat"], &mut files)?;
        files.sort();
        if let Some(limit) = options.limit {
            files.sort_by_key(|p| std::fs::metadata(p).map(|m| m.len()).unwrap_or(u64::MAX));
            files.truncate(limit);
            files.sort();
        }
        for path in files {
            let name = path.strip_prefix(&options.root).unwrap_or(&path).display().to_string();
            let bytes = std::fs::read(&path).map_err(|e| Error::new(format!("{name}: {e}")))?;
            let bytes = if path.extension().is_some_and(|e| e == "wat") {
                wat::parse_bytes(&bytes).map_err(|e| Error::new(format!("{name}: {e}")))?.into_owned()
            } else {
                bytes
            };
            let file_start = Instant::now();
            let first = results.checks.len();
            let ranges = weft_frontend::core_module_ranges(&bytes).map_err(|e| Error::new(format!("{name}: {e}")))?;
            for range in ranges {
                let (module, _) =
                    weft_frontend::translate_module(&bytes[range]).map_err(|e| Error::new(format!("{name}: {e}")))?;
                for f in &module.funcs {
                    if let FuncBody::Ir(func) = &f.body {
                        let mut func = func.clone();
                        check_function(
                            &name,
                            &mut func,
                            &specs,
                            &options.check.verify_options,
                            &mut results.checks,
                            &mut |_, _, _| {},
                        )?;
                    }
                }
            }
            let took = file_start.elapsed();
            let mine = &results.checks[first..];
            if let Some(raw) = &options.raw {
                use std::io::Write as _;
                let mut f = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(raw)
                    .map_err(|e| Error::new(format!("{}: {e}", raw.display())))?;
                for c in mine {
                    let _ = writeln!(
                        f,
                        "{}\t{}\t{}\t{}\t{}\t{}\t{}",
                        c.file,
                        c.function.replace('\t', " "),
                        c.pass,
                        c.insts,
                        c.time.as_millis(),
                        c.kind.name(),
                        c.method
                    );
                }
            }
            let proved = mine.iter().filter(|c| c.kind == Kind::Proved).count();
            log(format!("verify-cost: {name}: {} checks, {proved} proved, {:.1} s", mine.len(), took.as_secs_f64()));
            results.files.push((name, took));
        }
    }
    results.elapsed = started.elapsed();
    Ok(results)
}

impl Results {
    /// The results a run wrote as raw rows (`Options::raw`: file, function,
    /// pass, instructions, milliseconds, verdict, method; a row per line)
    /// and as its log (`verify-cost: FILE: … checks, … proved, SECONDS s`,
    /// a line per file, which gives the files and their wall times), so an
    /// interrupted or long run can be rendered. A row's detail is its
    /// verdict (the raw rows do not keep the first line of the verdict).
    pub fn from_raw(raw: &str, log: &str, timeout_ms: u32) -> Result<Results, Error> {
        let mut results = Results { timeout_ms, ..Results::default() };
        for (n, line) in raw.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
            let bad = || Error::new(format!("raw row {}: `{line}`", n + 1));
            let cols: Vec<&str> = line.split('\t').collect();
            let [file, function, pass, insts, millis, verdict, method] = cols.as_slice() else {
                return Err(bad());
            };
            let kind = Kind::from_name(verdict).ok_or_else(bad)?;
            results.checks.push(Check {
                file: file.to_string(),
                function: function.to_string(),
                pass: pass.to_string(),
                insts: insts.parse().map_err(|_| bad())?,
                time: Duration::from_millis(millis.parse().map_err(|_| bad())?),
                kind,
                method: method.to_string(),
                detail: verdict.to_string(),
            });
        }
        for line in log.lines() {
            let Some(rest) = line.strip_prefix("verify-cost: ") else { continue };
            let (Some((file, counts)), Some(secs)) = (rest.split_once(": "), rest.rsplit(", ").next()) else {
                continue;
            };
            let Some(secs) = secs.strip_suffix(" s").and_then(|s| s.parse::<f64>().ok()) else { continue };
            if counts.contains("checks") {
                results.files.push((file.to_string(), Duration::from_secs_f64(secs)));
            }
        }
        results.elapsed = results.files.iter().map(|(_, d)| *d).sum();
        Ok(results)
    }
}

/// The `q`-quantile (nearest rank) of sorted `xs`.
fn quantile(xs: &[Duration], q: f64) -> Duration {
    if xs.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((xs.len() as f64) * q).ceil() as usize;
    xs[rank.clamp(1, xs.len()) - 1]
}

fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1e3;
    if v < 10.0 { format!("{v:.1} ms") } else { format!("{v:.0} ms") }
}

/// Summary numbers of a set of checks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Summary {
    /// Checks.
    pub checks: usize,
    /// Of which proved.
    pub proved: usize,
    /// Bounded.
    pub bounded: usize,
    /// Unknown.
    pub unknown: usize,
    /// Counterexamples.
    pub counterexamples: usize,
    /// Median check time.
    pub median: Duration,
    /// 90th percentile.
    pub p90: Duration,
    /// 99th percentile.
    pub p99: Duration,
    /// Slowest check.
    pub max: Duration,
    /// Sum of check times.
    pub total: Duration,
}

impl Summary {
    /// The summary of `checks`.
    pub fn of<'a>(checks: impl Iterator<Item = &'a Check>) -> Summary {
        let checks: Vec<&Check> = checks.collect();
        let mut times: Vec<Duration> = checks.iter().map(|c| c.time).collect();
        times.sort();
        let count = |k: Kind| checks.iter().filter(|c| c.kind == k).count();
        Summary {
            checks: checks.len(),
            proved: count(Kind::Proved),
            bounded: count(Kind::Bounded),
            unknown: count(Kind::Unknown),
            counterexamples: count(Kind::Counterexample),
            median: quantile(&times, 0.5),
            p90: quantile(&times, 0.9),
            p99: quantile(&times, 0.99),
            max: times.last().copied().unwrap_or_default(),
            total: times.iter().sum(),
        }
    }

    /// Share of checks proved, in percent.
    pub fn proved_percent(&self) -> f64 {
        if self.checks == 0 { 100.0 } else { 100.0 * self.proved as f64 / self.checks as f64 }
    }
}

/// The goals the section is measured against: median, p99, share proved.
pub const GOAL_MEDIAN: Duration = Duration::from_millis(200);
/// p99 goal.
pub const GOAL_P99: Duration = Duration::from_secs(5);
/// Share-proved goal, in percent.
pub const GOAL_PROVED_PERCENT: f64 = 99.0;

/// Writes the section.
pub fn render(w: &mut String, results: &Result<&Results, String>) {
    let _ = writeln!(w, "## Verification cost on the P3 corpus (`weft opt -O2 --verify`)\n");
    let r = match results {
        Ok(r) => *r,
        Err(reason) => {
            let _ = writeln!(w, "Not measured: {reason}.\n");
            return;
        }
    };
    let profile = if cfg!(debug_assertions) { "a **debug** build" } else { "the release build" };
    let groups: Vec<String> = {
        let mut g: Vec<String> = r.files.iter().map(|(f, _)| f.split('/').next().unwrap_or("").to_string()).collect();
        g.dedup();
        g
    };
    let _ = writeln!(
        w,
        "Every function of every core module of {} ({} files), through the `-O2` passes one at a time; each change \
         a pass makes is checked by `weft-verify` as `--verify=strict` does (kept only when proved) with the default \
         options (Z3 timeout {} s per query), one check at a time, in {profile}. A row is one check. Section wall \
         time {:.0} s.\n",
        groups.iter().map(|g| format!("`{g}`")).collect::<Vec<_>>().join(" and "),
        r.files.len(),
        r.timeout_ms / 1000,
        r.elapsed.as_secs_f64()
    );
    let _ = writeln!(
        w,
        "| set | checks | proved | bounded | unknown | counterexample | median | p90 | p99 | max | total |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let mut sets: Vec<(String, Summary)> = groups
        .iter()
        .map(|g| (g.clone(), Summary::of(r.checks.iter().filter(|c| c.file.starts_with(&format!("{g}/"))))))
        .collect();
    sets.push(("all".into(), Summary::of(r.checks.iter())));
    for (name, s) in &sets {
        let _ = writeln!(
            w,
            "| {name} | {} | {} ({:.1}%) | {} | {} | {} | {} | {} | {} | {} | {:.1} s |",
            s.checks,
            s.proved,
            s.proved_percent(),
            s.bounded,
            s.unknown,
            s.counterexamples,
            ms(s.median),
            ms(s.p90),
            ms(s.p99),
            ms(s.max),
            s.total.as_secs_f64()
        );
    }
    let _ = writeln!(w);
    if let Some((_, all)) = sets.iter().find(|(n, _)| n == "all") {
        let mark = |ok: bool| if ok { "met" } else { "**not met**" };
        let _ = writeln!(
            w,
            "Goals: median ≤ {} — {} ({}); p99 ≤ {} — {} ({}); ≥ {GOAL_PROVED_PERCENT}% proved — {} ({:.1}%).\n",
            ms(GOAL_MEDIAN),
            mark(all.median <= GOAL_MEDIAN),
            ms(all.median),
            ms(GOAL_P99),
            mark(all.p99 <= GOAL_P99),
            ms(all.p99),
            mark(all.proved_percent() >= GOAL_PROVED_PERCENT),
            all.proved_percent()
        );
    }
    let mut slow: Vec<&Check> = r.checks.iter().collect();
    slow.sort_by_key(|c| std::cmp::Reverse(c.time));
    let _ = writeln!(w, "The slowest checks and every check that was not proved:\n");
    let _ = writeln!(w, "| time | verdict | method | pass | function | insts | file |");
    let _ = writeln!(w, "|---:|---|---|---|---|---:|---|");
    let mut shown = 0;
    for c in slow {
        if shown >= 10 && c.kind == Kind::Proved {
            continue;
        }
        shown += 1;
        let verdict = if c.kind == Kind::Proved { c.kind.name().to_string() } else { c.detail.replace('|', "\\|") };
        let verdict: String = verdict.chars().take(140).collect();
        let _ = writeln!(
            w,
            "| {} | {verdict} | {} | {} | `{}` | {} | {} |",
            ms(c.time),
            c.method,
            c.pass,
            c.function.chars().take(60).collect::<String>().replace('|', "\\|"),
            c.insts,
            c.file
        );
    }
    let _ = writeln!(w);
    let _ = writeln!(w, "Per file:\n");
    let _ = writeln!(w, "| file | checks | proved | median | max | checks total | file wall time |");
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|");
    for (file, wall) in &r.files {
        let s = Summary::of(r.checks.iter().filter(|c| &c.file == file));
        let _ = writeln!(
            w,
            "| {file} | {} | {} | {} | {} | {:.1} s | {:.1} s |",
            s.checks,
            s.proved,
            ms(s.median),
            ms(s.max),
            s.total.as_secs_f64(),
            wall.as_secs_f64()
        );
    }
    let _ = writeln!(w);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_from_raw_rows_and_log() {
        let raw = "g/a.wasm\tf\tsccp\t12\t40\tproved\tloop-free\n\
                   g/a.wasm\th\tdce\t80\t2500\tunknown\t-\n\
                   g/b.wasm\tf\tdce\t5\t7\tbounded\tunrolled to 16\n";
        let log = "noise\nverify-cost: g/a.wasm: 2 checks, 1 proved, 3.5 s\n";
        let r = Results::from_raw(raw, log, 10_000).expect("well-formed");
        assert_eq!(r.checks.len(), 3);
        assert_eq!(r.checks[1].kind, Kind::Unknown);
        assert_eq!(r.checks[1].time, Duration::from_millis(2500));
        assert_eq!(r.checks[2].method, "unrolled to 16");
        assert_eq!(r.files, vec![("g/a.wasm".to_string(), Duration::from_millis(3500))]);
        let s = Summary::of(r.checks.iter());
        assert_eq!((s.proved, s.bounded, s.unknown), (1, 1, 1));
        assert_eq!(s.median, Duration::from_millis(40));
        assert!(Results::from_raw("g/a.wasm\tf\tsccp\t12\tforty\tproved\t-\n", "", 1).is_err());
        assert!(Results::from_raw("g/a.wasm\tf\tsccp\t12\t40\tmaybe\t-\n", "", 1).is_err());
    }
}

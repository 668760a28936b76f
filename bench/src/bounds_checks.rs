//! The "Bounds checks", "Sightglass speed" and "Compile time" sections.
//!
//! - **Bounds checks**: the checks of each module
//!   ([`weft_passes::analysis::guards`]: a `brif` with one side that only
//!   traps, or only calls a never-returning function such as Rust's
//!   `panic_bounds_check`), counted statically (per kind, before and after
//!   weft `-O2`) and dynamically (executions, by runs of the module
//!   instrumented with [`weft_tests::check_counts`]; the `-O2` output is
//!   instrumented after optimizing, so its counts are of the optimized
//!   code's checks). Dynamic counts come from the sightglass programs (their
//!   WASI run, whose output must match the uninstrumented original's) and
//!   from the P3 stream modules of `corpus/p3` (every `expected.tsv` case of
//!   the module under the mock host, whose outcome must match between
//!   before and after). The jco P3 components are counted statically only:
//!   running them needs jco and Node.js.
//! - **Sightglass speed**: the wall-clock time of `_start` of each
//!   sightglass program under wasmtime — the original, weft `-O2` and
//!   `wasm-opt -O3` — interleaved in one run, median of the repetitions;
//!   every timed run's output must match the original's.
//! - **Compile time**: weft `-O2` (in process) against `wasm-opt -O2`
//!   (a process; its start-up time subtracted) on `regex` and `bz2`,
//!   median of the repetitions.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use weft_passes::analysis::guards::GuardCounts;
use weft_tests::check_counts::{instrument, read_counters};
use weft_tests::sightglass::{Program, Runner, discover};

use crate::Error;
use crate::variants::WasmOpt;

/// The P3 modules of the section: the stream modules, the bridge and the
/// kitchen sink.
pub fn is_stream_module(stem: &str) -> bool {
    stem.starts_with("stream_") || stem == "kitchen_sink"
}

/// The programs whose compile time is measured.
pub const COMPILE_TIME_PROGRAMS: [&str; 2] = ["regex", "bz2"];

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// The corpus folder (`../shared/corpus`).
    pub root: PathBuf,
    /// `wasm-opt` (speed and compile-time columns), if available.
    pub wasm_opt: Option<WasmOpt>,
    /// Scratch folder for wasm-opt's files.
    pub scratch: PathBuf,
    /// Timed runs per variant in the speed and compile-time sections.
    pub reps: usize,
    /// Wall-clock limit of one sightglass run.
    pub timeout: Duration,
    /// Only the first `limit` sightglass programs (a quick run).
    pub limit: Option<usize>,
}

/// Counts before and after `-O2`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Of the original module.
    pub before: GuardCounts,
    /// Of weft `-O2`'s output.
    pub after: GuardCounts,
}

/// One module (or group of components) of the bounds-check section.
#[derive(Clone, Debug)]
pub struct Row {
    /// `sightglass`, `p3` or `jco-p3`.
    pub group: &'static str,
    /// The program, module or folder.
    pub name: String,
    /// Static counts.
    pub statics: Result<Counts, String>,
    /// Dynamic counts (`None`: not run).
    pub dynamic: Option<Result<Counts, String>>,
}

/// One sightglass program's speed.
#[derive(Clone, Debug)]
pub struct Speed {
    /// The program.
    pub name: String,
    /// Median wall-clock time of `_start`: original, weft `-O2`,
    /// `wasm-opt -O3`.
    pub times: Result<(Duration, Duration, Option<Duration>), String>,
}

/// One module's compile time.
#[derive(Clone, Debug)]
pub struct CompileTime {
    /// The program.
    pub name: String,
    /// Median time of weft `-O2`.
    pub weft: Result<Duration, String>,
    /// Median time of `wasm-opt -O2`.
    pub wasm_opt: Option<Result<Duration, String>>,
}

/// Everything the three sections show.
#[derive(Clone, Debug, Default)]
pub struct Results {
    /// The bounds-check rows, sightglass first.
    pub rows: Vec<Row>,
    /// Per sightglass program.
    pub speed: Vec<Speed>,
    /// `regex` and `bz2`.
    pub compile: Vec<CompileTime>,
    /// Timed runs per variant.
    pub reps: usize,
    /// wasm-opt's version line, if it was available.
    pub wasm_opt: Option<String>,
    /// The sections' own run time.
    pub elapsed: Duration,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn optimize(bytes: &[u8]) -> Result<Vec<u8>, String> {
    weft::optimize(bytes, &weft::Config::default()).map(|(out, _)| out).map_err(|e| e.to_string())
}

fn statics(bytes: &[u8], optimized: &[u8]) -> Result<Counts, String> {
    let before = weft::count_checks(bytes).map_err(|e| e.to_string())?;
    let after = weft::count_checks(optimized).map_err(|e| e.to_string())?;
    Ok(Counts { before, after })
}

/// Runs `program`'s instrumented `wasm` and returns its counts; its output
/// must be `expected_stdout`.
fn count_run(
    runner: &Runner,
    program: &Program,
    wasm: &[u8],
    expected: &[u8],
    timeout: Duration,
) -> Result<GuardCounts, String> {
    let instrumented = instrument(wasm)?;
    let run = runner.run(&instrumented.wasm, &program.dir, timeout)?;
    if run.stdout != expected {
        return Err(format!("the instrumented run printed something else ({:?})", run.exit));
    }
    Ok(read_counters(&run.counters))
}

/// The sightglass part: counts, speed and (for [`COMPILE_TIME_PROGRAMS`])
/// compile time.
fn sightglass(options: &Options, results: &mut Results, progress: &mut dyn FnMut(&str)) -> Result<(), Error> {
    let mut programs = discover(&options.root.join("sightglass")).map_err(Error::new)?;
    if let Some(limit) = options.limit {
        programs.truncate(limit);
    }
    let runner = Runner::new().map_err(Error::new)?;
    for program in &programs {
        progress(&format!("bounds checks: {}", program.name));
        let bytes = std::fs::read(&program.wasm).map_err(|e| Error::new(format!("{}: {e}", program.wasm.display())))?;
        let optimized = optimize(&bytes);
        let statics = optimized.as_ref().map_err(Clone::clone).and_then(|o| statics(&bytes, o));
        let original = runner.run(&bytes, &program.dir, options.timeout);
        let dynamic = match (&original, &optimized) {
            (Ok(run), Ok(o)) => {
                let before = count_run(&runner, program, &bytes, &run.stdout, options.timeout);
                let after = count_run(&runner, program, o, &run.stdout, options.timeout);
                before.and_then(|before| after.map(|after| Counts { before, after }))
            }
            (Err(e), _) | (_, Err(e)) => Err(e.clone()),
        };
        results.rows.push(Row { group: "sightglass", name: program.name.clone(), statics, dynamic: Some(dynamic) });
        let times = match (&original, &optimized) {
            (Ok(run), Ok(o)) => speed(options, &runner, program, [&bytes, o], &run.stdout),
            (Err(e), _) | (_, Err(e)) => Err(e.clone()),
        };
        results.speed.push(Speed { name: program.name.clone(), times });
        if COMPILE_TIME_PROGRAMS.contains(&program.name.as_str()) {
            results.compile.push(compile_time(options, &program.name, &bytes));
        }
    }
    Ok(())
}

/// Median `_start` times of the original, weft `-O2` and `wasm-opt -O3`,
/// interleaved.
fn speed(
    options: &Options,
    runner: &Runner,
    program: &Program,
    [original, weft]: [&Vec<u8>; 2],
    expected: &[u8],
) -> Result<(Duration, Duration, Option<Duration>), String> {
    let wasm_opt = match &options.wasm_opt {
        Some(w) => Some(w.run(original, &options.scratch, &program.name).map_err(|e| e.to_string())?.bytes),
        None => None,
    };
    let mut variants: Vec<&[u8]> = vec![original, weft];
    variants.extend(wasm_opt.as_deref());
    let mut times = vec![Vec::new(); variants.len()];
    for _ in 0..options.reps.max(1) {
        for (i, wasm) in variants.iter().enumerate() {
            let run = runner.run(wasm, &program.dir, options.timeout)?;
            if run.stdout != expected || run.exit != Ok(0) {
                return Err(format!("variant {i} printed something else or failed ({:?})", run.exit));
            }
            times[i].push(run.elapsed);
        }
    }
    let mut medians = times.into_iter().map(median);
    let (a, b) = (medians.next().unwrap_or_default(), medians.next().unwrap_or_default());
    Ok((a, b, medians.next()))
}

/// Median times of weft `-O2` and `wasm-opt -O2` on `bytes`.
fn compile_time(options: &Options, name: &str, bytes: &[u8]) -> CompileTime {
    let mut weft_times = Vec::new();
    let mut weft = Ok(Duration::ZERO);
    for _ in 0..options.reps.max(1) {
        let start = Instant::now();
        if let Err(e) = optimize(bytes) {
            weft = Err(e);
            break;
        }
        weft_times.push(start.elapsed());
    }
    let weft = weft.map(|_| median(weft_times));
    let wasm_opt = options.wasm_opt.as_ref().map(|w| {
        let mut times = Vec::new();
        for _ in 0..options.reps.max(1) {
            times.push(
                w.run_flags(&["-O2", "--all-features"], bytes, &options.scratch, name).map_err(|e| e.to_string())?.time,
            );
        }
        Ok(median(times))
    });
    CompileTime { name: name.to_string(), weft, wasm_opt }
}

/// The P3 stream modules: static counts and the counts of every
/// `expected.tsv` case.
fn p3(options: &Options, results: &mut Results, progress: &mut dyn FnMut(&str)) -> Result<(), Error> {
    let dir = options.root.join("p3");
    let table =
        std::fs::read_to_string(dir.join("expected.tsv")).map_err(|e| Error::new(format!("{}: {e}", dir.display())))?;
    let cases = weft_tests::p3host::parse_expected(&table).map_err(Error::new)?;
    let engine =
        weft_tests::wasmtime_harness::engine(weft_tests::wasmtime_harness::Limits::Fuel).map_err(Error::new)?;
    for path in weft_tests::files_with_ext(&dir, "wat", false) {
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        if !is_stream_module(&stem) {
            continue;
        }
        progress(&format!("bounds checks: p3/{stem}"));
        let counted = (|| -> Result<(Counts, Counts), String> {
            let bytes = wat::parse_file(&path).map_err(|e| e.to_string())?;
            let optimized = optimize(&bytes)?;
            let statics = statics(&bytes, &optimized)?;
            let mut dynamic = Counts::default();
            let compile = |wasm: &[u8]| -> Result<wasmtime::Module, String> {
                let instrumented = instrument(wasm)?;
                wasmtime::Module::new(&engine, &instrumented.wasm).map_err(|e| format!("{e:#}"))
            };
            let (before, after) = (compile(&bytes)?, compile(&optimized)?);
            for case in cases.iter().filter(|c| c.module == stem) {
                let a = weft_tests::p3host::run_case(&engine, &before, &case.export, &case.args, Some(P3_FUEL))?;
                let b = weft_tests::p3host::run_case(&engine, &after, &case.export, &case.args, Some(P3_FUEL))?;
                if let Some(d) = a.first_difference(&b) {
                    return Err(format!("{}: the optimized module differs: {d}", case.call()));
                }
                dynamic.before += &read_counters(&a.counters);
                dynamic.after += &read_counters(&b.counters);
            }
            Ok((statics, dynamic))
        })();
        let (statics, dynamic) = match counted {
            Ok((s, d)) => (Ok(s), Ok(d)),
            Err(e) => (Err(e.clone()), Err(e)),
        };
        results.rows.push(Row { group: "p3", name: stem, statics, dynamic: Some(dynamic) });
    }
    Ok(())
}

/// Fuel per step of a P3 case.
const P3_FUEL: u64 = 100_000_000;

/// The jco P3 components, summed per folder (static counts only).
fn jco(options: &Options, results: &mut Results, progress: &mut dyn FnMut(&str)) -> Result<(), Error> {
    let dir = options.root.join("jco-p3");
    let mut folders: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| Error::new(format!("{}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    folders.sort();
    for folder in folders {
        let name = folder.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        progress(&format!("bounds checks: jco-p3/{name}"));
        let files = weft_tests::files_with_ext(&folder, "wasm", true);
        let mut sum = Counts::default();
        let mut statics = Ok(());
        for file in &files {
            let counted = std::fs::read(file)
                .map_err(|e| e.to_string())
                .and_then(|bytes| optimize(&bytes).and_then(|o| self::statics(&bytes, &o)));
            match counted {
                Ok(c) => {
                    sum.before += &c.before;
                    sum.after += &c.after;
                }
                Err(e) => {
                    statics = Err(format!("{}: {e}", file.display()));
                    break;
                }
            }
        }
        let name = format!("{name} ({} components)", files.len());
        results.rows.push(Row { group: "jco-p3", name, statics: statics.map(|()| sum), dynamic: None });
    }
    Ok(())
}

/// Measures the three sections.
pub fn run(options: &Options, progress: &mut dyn FnMut(&str)) -> Result<Results, Error> {
    let started = Instant::now();
    let mut results = Results {
        reps: options.reps.max(1),
        wasm_opt: options.wasm_opt.as_ref().map(|w| w.version.clone()),
        ..Results::default()
    };
    sightglass(options, &mut results, progress)?;
    p3(options, &mut results, progress)?;
    jco(options, &mut results, progress)?;
    results.elapsed = started.elapsed();
    Ok(results)
}

/// `part` of `whole` removed, as a percentage (`-` when `whole` is 0).
fn removed(before: u64, after: u64) -> String {
    if before == 0 {
        return "-".to_string();
    }
    format!("{:.1} %", 100.0 * (before as f64 - after as f64) / before as f64)
}

/// The geometric mean of positive ratios.
fn geomean(v: &[f64]) -> f64 {
    (v.iter().map(|x| x.ln()).sum::<f64>() / v.len().max(1) as f64).exp()
}

fn ms(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e3)
}

fn ratio(a: Duration, b: Duration) -> String {
    if b.is_zero() { "-".to_string() } else { format!("{:.3}", a.as_secs_f64() / b.as_secs_f64()) }
}

/// Static columns of one row: traps, bounds panics, other panics, bounds
/// panic call sites, each before → after.
fn static_cells(c: &Counts) -> String {
    let pair = |a: u64, b: u64| format!("{a} → {b}");
    let other = |g: &GuardCounts| g.all_panics() - g.bounds_panics();
    format!(
        "{} | {} | {} | {}",
        pair(c.before.traps, c.after.traps),
        pair(c.before.bounds_panics(), c.after.bounds_panics()),
        pair(other(&c.before), other(&c.after)),
        pair(c.before.bounds_call_sites(), c.after.bounds_call_sites()),
    )
}

/// Writes the three sections.
pub fn render(w: &mut String, results: &Result<&Results, String>) {
    use std::fmt::Write as _;
    let results = match results {
        Ok(r) => *r,
        Err(e) => {
            let _ = writeln!(w, "## Bounds checks\n\nNot measured: {e}\n");
            return;
        }
    };
    let _ = writeln!(w, "## Bounds checks\n");
    let _ = writeln!(
        w,
        "A *check* is a `brif` one of whose sides only traps (an explicit check) or only calls a function that \
         never returns, with nothing observable before the failure (`passes/src/analysis/guards.rs`). *Bounds \
         panics* are calls of Rust's `panic_bounds_check`, `slice_index_order_fail`, `slice_start_index_len_fail`, \
         `slice_end_index_len_fail`, `str_index_overflow_fail` and `str` `slice_error_fail`; *other panics* are \
         every other never-returning callee (`core::panicking::panic`, `unwrap_failed`, `handle_error`, C `abort`, \
         ...). *Call sites* counts every call of a bounds panic, guarded or not (several checks often share one \
         failing call). Counts are `original → weft -O2`, summed over the module's functions (jco-p3: over every \
         core module of the folder's components).\n"
    );
    let _ = writeln!(w, "### Static\n");
    let _ = writeln!(
        w,
        "| group | module | trap checks | bounds-panic checks | other-panic checks | bounds-panic call sites |"
    );
    let _ = writeln!(w, "|---|---|---:|---:|---:|---:|");
    table_rows(w, results.rows.iter().map(|r| (r, Some(&r.statics))), static_cells, "not counted");
    let _ = writeln!(w, "\n### Dynamic\n");
    let _ = writeln!(
        w,
        "Executions of the checks in one run of each sightglass program (its default input) and, for the P3 \
         modules, summed over every case of `corpus/p3/expected.tsv` for that module under the mock host; the \
         original against weft `-O2` (each instrumented after optimizing). The jco-p3 components are not run \
         here (they need jco and Node.js).\n"
    );
    let _ = writeln!(
        w,
        "| group | module | trap checks executed | bounds-panic checks executed | other-panic checks executed | checks removed (dynamic) |"
    );
    let _ = writeln!(w, "|---|---|---:|---:|---:|---:|");
    let dyn_totals = table_rows(w, results.rows.iter().map(|r| (r, r.dynamic.as_ref())), dynamic_cells, "not run");
    let checks = |g: &GuardCounts| g.traps + g.bounds_panics();
    let all = dyn_totals.iter().fold(Counts::default(), |mut acc, (_, t)| {
        acc.before += &t.before;
        acc.after += &t.after;
        acc
    });
    let by_group: Vec<String> =
        dyn_totals.iter().map(|(g, t)| format!("{g} {}", removed(checks(&t.before), checks(&t.after)))).collect();
    let _ = writeln!(
        w,
        "\nDynamic fraction of checks (trap and bounds-panic checks) removed by weft -O2: **{}** over every run \
         above ({} → {} executions; {}). ABCD (Bodík, Gupta, Sarkar, PLDI 2000) removed 45 % of the dynamic \
         bounds checks of its Java benchmarks.\n",
        removed(checks(&all.before), checks(&all.after)),
        checks(&all.before),
        checks(&all.after),
        by_group.join(", "),
    );

    let _ = writeln!(w, "## Sightglass speed\n");
    let _ = writeln!(
        w,
        "Wall-clock time of `_start` under wasmtime (Cranelift, the test harness's configuration, deterministic \
         WASI clocks), median of {} runs per variant, the variants interleaved in one run; every run's output \
         matched the original's. A ratio below 1 is faster than the original. wasm-opt: {}.\n",
        results.reps,
        results.wasm_opt.as_deref().unwrap_or("not available")
    );
    let _ = writeln!(
        w,
        "| program | original ms | weft -O2 ms | wasm-opt -O3 ms | weft / original | wasm-opt / original |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|");
    for s in &results.speed {
        match &s.times {
            Ok((o, weft, wo)) => {
                let (wo_ms, wo_ratio) = match wo {
                    Some(t) => (ms(*t), ratio(*t, *o)),
                    None => ("n/a".to_string(), "n/a".to_string()),
                };
                let _ = writeln!(
                    w,
                    "| {} | {} | {} | {} | {} | {} |",
                    s.name,
                    ms(*o),
                    ms(*weft),
                    wo_ms,
                    ratio(*weft, *o),
                    wo_ratio
                );
            }
            Err(e) => {
                let _ = writeln!(w, "| {} | not measured: {} | | | | |", s.name, e.replace('|', "\\|"));
            }
        }
    }
    let ratios: Vec<(f64, Option<f64>)> = results
        .speed
        .iter()
        .filter_map(|s| s.times.as_ref().ok())
        .filter(|(o, _, _)| !o.is_zero())
        .map(|(o, weft, wo)| {
            let r = |t: &Duration| t.as_secs_f64() / o.as_secs_f64();
            (r(weft), wo.as_ref().map(r))
        })
        .collect();
    if !ratios.is_empty() {
        let weft: Vec<f64> = ratios.iter().map(|r| r.0).collect();
        let wasm_opt: Option<Vec<f64>> = ratios.iter().map(|r| r.1).collect();
        let _ = writeln!(
            w,
            "\nGeometric mean over the {} programs: weft / original {:.3}, wasm-opt / original {}.",
            weft.len(),
            geomean(&weft),
            wasm_opt.map_or_else(|| "n/a".to_string(), |v| format!("{:.3}", geomean(&v)))
        );
    }
    let _ = writeln!(w, "\n## Compile time\n");
    let _ = writeln!(
        w,
        "weft `-O2` (in process, this build of weft) against `wasm-opt -O2 --all-features` (its wall time less \
         its start-up), median of {} runs.\n",
        results.reps
    );
    let _ = writeln!(w, "| module | weft -O2 ms | wasm-opt -O2 ms | weft / wasm-opt |");
    let _ = writeln!(w, "|---|---:|---:|---:|");
    for c in &results.compile {
        let weft = c.weft.as_ref().map(|d| ms(*d)).unwrap_or_else(|e| format!("failed: {e}"));
        let (wo, r) = match (&c.wasm_opt, &c.weft) {
            (Some(Ok(t)), Ok(wt)) => (ms(*t), ratio(*wt, *t)),
            (Some(Ok(t)), Err(_)) => (ms(*t), "-".to_string()),
            (Some(Err(e)), _) => (format!("failed: {e}"), "-".to_string()),
            (None, _) => ("n/a".to_string(), "-".to_string()),
        };
        let _ = writeln!(w, "| {} | {weft} | {wo} | {r} |", c.name);
    }
    let _ = writeln!(w, "\nThese sections took {:.0} s.\n", results.elapsed.as_secs_f64());
}

/// Writes a row per module (`cells` gives its counts' columns; rows
/// without counts are skipped) and a total per group; returns the totals.
fn table_rows<'a>(
    w: &mut String,
    rows: impl Iterator<Item = (&'a Row, Option<&'a Result<Counts, String>>)>,
    cells: fn(&Counts) -> String,
    failed: &str,
) -> Vec<(&'static str, Counts)> {
    use std::fmt::Write as _;
    let mut totals: Vec<(&'static str, Counts)> = Vec::new();
    for (row, counts) in rows {
        match counts {
            None => {}
            Some(Ok(c)) => {
                let _ = writeln!(w, "| {} | {} | {} |", row.group, row.name, cells(c));
                match totals.iter_mut().find(|(g, _)| *g == row.group) {
                    Some((_, t)) => {
                        t.before += &c.before;
                        t.after += &c.after;
                    }
                    None => totals.push((row.group, c.clone())),
                }
            }
            Some(Err(e)) => {
                let _ = writeln!(w, "| {} | {} | {failed}: {} | | | |", row.group, row.name, e.replace('|', "\\|"));
            }
        }
    }
    for (group, t) in &totals {
        let _ = writeln!(w, "| **{group}** | **total** | {} |", cells(t));
    }
    totals
}

/// Dynamic columns of one row.
fn dynamic_cells(c: &Counts) -> String {
    let pair = |a: u64, b: u64| format!("{a} → {b}");
    let other = |g: &GuardCounts| g.all_panics() - g.bounds_panics();
    let checks = |g: &GuardCounts| g.traps + g.bounds_panics();
    format!(
        "{} | {} | {} | {}",
        pair(c.before.traps, c.after.traps),
        pair(c.before.bounds_panics(), c.after.bounds_panics()),
        pair(other(&c.before), other(&c.after)),
        removed(checks(&c.before), checks(&c.after)),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use weft_passes::analysis::guards::PanicShape;

    fn counts(traps: u64, bounds: u64) -> GuardCounts {
        let mut g = GuardCounts { traps, ..GuardCounts::default() };
        g.panics[weft_passes::analysis::guards::shape_index(PanicShape::BoundsCheck)] = bounds;
        g
    }

    #[test]
    fn render_totals_fractions_and_means() {
        let row = |group, name: &str, before: (u64, u64), after: (u64, u64)| Row {
            group,
            name: name.to_string(),
            statics: Ok(Counts { before: counts(1, 2), after: counts(1, 1) }),
            dynamic: Some(Ok(Counts { before: counts(before.0, before.1), after: counts(after.0, after.1) })),
        };
        let ms = Duration::from_millis;
        let results = Results {
            rows: vec![
                row("sightglass", "a", (10, 30), (10, 30)),
                row("p3", "b", (40, 0), (10, 0)),
                Row { group: "jco-p3", name: "c".into(), statics: Err("bad | input".into()), dynamic: None },
            ],
            speed: vec![
                Speed { name: "a".into(), times: Ok((ms(100), ms(50), Some(ms(200)))) },
                Speed { name: "b".into(), times: Ok((ms(100), ms(200), Some(ms(50)))) },
            ],
            compile: vec![CompileTime { name: "a".into(), weft: Ok(ms(10)), wasm_opt: Some(Ok(ms(40))) }],
            reps: 3,
            wasm_opt: Some("wasm-opt version 108".into()),
            elapsed: Duration::from_secs(7),
        };
        let mut w = String::new();
        render(&mut w, &Ok(&results));
        assert!(w.contains("| sightglass | a | 10 → 10 | 30 → 30 | 0 → 0 | 0.0 % |"), "{w}");
        assert!(w.contains("| p3 | b | 40 → 10 | 0 → 0 | 0 → 0 | 75.0 % |"), "{w}");
        assert!(w.contains("| jco-p3 | c | not counted: bad \\| input | | | |"), "{w}");
        assert!(w.contains("**37.5 %** over every run above (80 → 50 executions; sightglass 0.0 %, p3 75.0 %)"), "{w}");
        assert!(w.contains("weft / original 1.000, wasm-opt / original 1.000"), "{w}");
        assert!(w.contains("| a | 10.0 | 40.0 | 0.250 |"), "{w}");
        assert!(!w.contains("| **jco-p3** | **total**"), "no total for a group with no counts: {w}");
    }
}

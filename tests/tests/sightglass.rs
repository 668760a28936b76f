//! Every sightglass program (`../shared/corpus/sightglass/`) through weft,
//! twice: the round trip (frontend then backend) and the whole `-O2`
//! pipeline ([`WeftOptimize`]: `weft::optimize_core_module`, the code path of
//! `weft opt -O2`, structural verifier after every pass, no Z3). Each
//! transformed program must print exactly what the corpus expects (or what
//! the original prints, where nothing is expected). Prints the run time of
//! each program and the code-section size ratio; the `-O2` run also prints
//! its size against the round trip's and how many functions each pass
//! changed.
//!
//! The two runs are separate tests (they run concurrently): a round-trip
//! failure points at the frontend or the backend, an `-O2`-only failure at a
//! pass, and the passes could hide a round-trip bug. Sharing work between
//! them would save little: all but two programs come out of `-O2` different
//! from the round trip, and running the programs is most of the cost (about
//! 30 s of CPU per run; the passes themselves take a few seconds).

use std::time::{Duration, Instant};

use rayon::prelude::*;
use weft_tests::shared_dir;
use weft_tests::sightglass::{Program, ProgramReport, Runner, check_program, code_section_size, discover};
use weft_tests::wasmtime_harness::{Transform, WeftOptimize, WeftRoundtrip};

/// Per-run wall-clock limit: far above every program's run time, so only a
/// transform that breaks termination reaches it.
const TIMEOUT: Duration = Duration::from_secs(120);

fn programs() -> Vec<Program> {
    let programs = discover(&shared_dir().join("corpus").join("sightglass")).unwrap_or_else(|e| panic!("{e}"));
    assert!(programs.len() >= 29, "expected the 29 sightglass programs, found {}", programs.len());
    programs
}

/// Checks every program through `transform`, in parallel, and prints a
/// table (with `extra(report)` as a last column) and a summary line.
fn run_all(
    label: &str,
    programs: &[Program],
    transform: &Transform<'_>,
    extra: (&str, &dyn Fn(&ProgramReport) -> String),
) -> Vec<ProgramReport> {
    let runner = Runner::new().unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new().stack_size(32 << 20).build().expect("thread pool");
    let reports: Vec<ProgramReport> =
        pool.install(|| programs.par_iter().map(|p| check_program(&runner, p, transform, TIMEOUT)).collect());
    let secs = |d: Option<Duration>| d.map_or("-".to_string(), |d| format!("{:.2}s", d.as_secs_f64()));
    println!("==== {label}");
    println!(
        "{:<24} {:>10} {:>10} {:>11} {:>10} {:>7} {:>7}  verdict",
        "program", "transform", "original", "transformed", "code", "ratio", extra.0
    );
    for r in &reports {
        println!(
            "{:<24} {:>10} {:>10} {:>11} {:>10} {:>7.3} {:>7}  {}",
            r.name,
            secs(Some(r.transform_time)),
            secs(r.original_time),
            secs(r.transformed_time),
            r.code_sizes.0,
            r.code_sizes.1 as f64 / r.code_sizes.0.max(1) as f64,
            (extra.1)(r),
            match &r.verdict {
                Ok(()) => "ok".to_string(),
                Err(e) => format!("FAIL: {e}"),
            }
        );
    }
    let (before, after) = reports.iter().fold((0, 0), |(a, b), r| (a + r.code_sizes.0, b + r.code_sizes.1));
    println!(
        "{label}: {} programs, {} ok, {} failed, code sections {} -> {} bytes (ratio {:.3}), total {:.1}s",
        reports.len(),
        reports.iter().filter(|r| r.verdict.is_ok()).count(),
        reports.iter().filter(|r| r.verdict.is_err()).count(),
        before,
        after,
        after as f64 / before.max(1) as f64,
        started.elapsed().as_secs_f64()
    );
    reports
}

fn assert_all_ok(label: &str, reports: &[ProgramReport]) {
    let failed: Vec<String> =
        reports.iter().filter_map(|r| r.verdict.as_ref().err().map(|e| format!("{}: {e}", r.name))).collect();
    assert!(failed.is_empty(), "{label}: {} programs failed:\n{}", failed.len(), failed.join("\n"));
}

#[test]
fn sightglass_weft_roundtrip() {
    let programs = programs();
    let roundtrip = WeftRoundtrip::new();
    let transform = |bytes: &[u8]| roundtrip.apply(bytes);
    let reports = run_all("weft round trip", &programs, &transform, ("", &|_| String::new()));
    println!("weft round trip: {} functions ({} opaque)", roundtrip.functions(), roundtrip.opaque_functions());
    assert_all_ok("weft round trip", &reports);
}

#[test]
fn sightglass_weft_o2() {
    let programs = programs();
    let o2 = WeftOptimize::new(weft::OptLevel::O2);
    let transform = |bytes: &[u8]| o2.apply(bytes);
    // The round trip's code size of each program, for the `vs rt` column:
    // what the passes themselves gained or lost.
    let pool = rayon::ThreadPoolBuilder::new().stack_size(32 << 20).build().expect("thread pool");
    let rt_sizes: Vec<(String, Option<usize>)> = pool.install(|| {
        programs
            .par_iter()
            .map(|p| {
                let size = std::fs::read(&p.wasm)
                    .ok()
                    .and_then(|bytes| WeftRoundtrip::new().apply(&bytes).ok())
                    .map(|out| code_section_size(&out));
                (p.name.clone(), size)
            })
            .collect()
    });
    let rt_size = |name: &str| rt_sizes.iter().find(|(n, _)| n == name).and_then(|(_, s)| *s);
    let vs_rt = |r: &ProgramReport| match rt_size(&r.name) {
        Some(rt) if r.code_sizes.1 > 0 => format!("{:.3}", r.code_sizes.1 as f64 / rt.max(1) as f64),
        _ => "-".to_string(),
    };
    let reports = run_all("weft -O2", &programs, &transform, ("vs rt", &vs_rt));
    let rt_total: usize = rt_sizes.iter().filter_map(|(_, s)| *s).sum();
    let o2_total: usize = reports.iter().map(|r| r.code_sizes.1).sum();
    println!(
        "weft -O2: {} functions ({} opaque), code sections {} bytes against {} after the round trip alone (ratio {:.3})",
        o2.functions(),
        o2.opaque_functions(),
        o2_total,
        rt_total,
        o2_total as f64 / rt_total.max(1) as f64
    );
    print!("{}", o2.pass_table());
    assert_all_ok("weft -O2", &reports);
    // The pipeline that ran is -O2's, and it changed code.
    let report = o2.report();
    let names: Vec<&str> = report.passes.iter().map(|p| p.name).collect();
    assert_eq!(names, weft_passes::pipelines::pipeline_names(weft::OptLevel::O2), "weft -O2: pass list");
    assert!(report.passes.iter().any(|p| p.functions_changed > 0), "weft -O2 changed no function of sightglass");
}

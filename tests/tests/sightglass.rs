//! Every sightglass program (`../shared/corpus/sightglass/`) through weft's
//! round trip: the transformed program must print exactly what the corpus
//! expects (or what the original prints, where nothing is expected).
//! Prints the run time of each program and the code-section size ratio.

use std::time::{Duration, Instant};

use rayon::prelude::*;
use weft_tests::shared_dir;
use weft_tests::sightglass::{ProgramReport, Runner, check_program, discover};
use weft_tests::wasmtime_harness::WeftRoundtrip;

/// Per-run wall-clock limit: far above every program's run time, so only a
/// transform that breaks termination reaches it.
const TIMEOUT: Duration = Duration::from_secs(120);

#[test]
fn sightglass_weft_roundtrip() {
    let programs = discover(&shared_dir().join("corpus").join("sightglass")).unwrap_or_else(|e| panic!("{e}"));
    assert!(programs.len() >= 29, "expected the 29 sightglass programs, found {}", programs.len());
    let runner = Runner::new().unwrap_or_else(|e| panic!("{e}"));
    let roundtrip = WeftRoundtrip::new();
    let transform = |bytes: &[u8]| roundtrip.apply(bytes);
    let started = Instant::now();
    let pool = rayon::ThreadPoolBuilder::new().stack_size(32 << 20).build().expect("thread pool");
    let reports: Vec<ProgramReport> =
        pool.install(|| programs.par_iter().map(|p| check_program(&runner, p, &transform, TIMEOUT)).collect());
    let secs = |d: Option<Duration>| d.map_or("-".to_string(), |d| format!("{:.2}s", d.as_secs_f64()));
    println!(
        "{:<24} {:>10} {:>10} {:>10} {:>10} {:>7}  verdict",
        "program", "transform", "original", "transformed", "code", "ratio"
    );
    for r in &reports {
        println!(
            "{:<24} {:>10} {:>10} {:>10} {:>10} {:>7.3}  {}",
            r.name,
            secs(Some(r.transform_time)),
            secs(r.original_time),
            secs(r.transformed_time),
            r.code_sizes.0,
            r.code_sizes.1 as f64 / r.code_sizes.0.max(1) as f64,
            match &r.verdict {
                Ok(()) => "ok".to_string(),
                Err(e) => format!("FAIL: {e}"),
            }
        );
    }
    let (before, after) = reports.iter().fold((0, 0), |(a, b), r| (a + r.code_sizes.0, b + r.code_sizes.1));
    println!(
        "sightglass: {} programs, {} failed, code sections {} -> {} bytes (ratio {:.3}), {} functions ({} opaque), total {:.1}s",
        reports.len(),
        reports.iter().filter(|r| r.verdict.is_err()).count(),
        before,
        after,
        after as f64 / before.max(1) as f64,
        roundtrip.functions(),
        roundtrip.opaque_functions(),
        started.elapsed().as_secs_f64()
    );
    let failed: Vec<String> =
        reports.iter().filter_map(|r| r.verdict.as_ref().err().map(|e| format!("{}: {e}", r.name))).collect();
    assert!(failed.is_empty(), "{} programs failed:\n{}", failed.len(), failed.join("\n"));
}

//! The spec testsuite (`../shared/testsuite/*.wast`, plus the `proposals/*`
//! and `legacy/` folders, which are almost entirely outside weft's feature
//! set) through the transform under test, executed under wasmtime.
//!
//! Three runs, each a test of its own:
//! - the identity transform (the harness itself must agree with the
//!   testsuite);
//! - weft's round trip (frontend then backend), which must round-trip every
//!   in-set module with all its assertions passing, and must reject (`Err`,
//!   never panic) every `assert_invalid` / `assert_malformed` binary;
//! - weft's whole `-O2` pipeline ([`WeftOptimize`]: `weft::optimize_core_module`,
//!   the code path of `weft opt -O2`), under the same rules: every in-set
//!   module optimized, its output valid and all its assertions passing,
//!   every invalid/malformed binary rejected, except that where a script
//!   expects an indirect call's trap an `unreachable` trap passes too
//!   (`TrapKinds::IndirectCallMayBeUnreachable`: `directize` calls a
//!   table that never changes directly and traps with `unreachable` where
//!   the indirect call trapped; the report counts them). The passes run with the
//!   structural verifier only (no Z3: proving every function of the suite
//!   would not fit in CI); executing every assertion against the optimized
//!   module is the differential check. It prints how many functions each
//!   pass changed.
//!
//! The round trip and `-O2` stay separate runs: a run of the whole suite
//! costs about five seconds of CPU (the `-O2` run added about 5 s of CPU
//! and 6 s of wall time to this test binary when measured), and a
//! round-trip failure points at the frontend or the backend while an
//! `-O2`-only failure points at a pass (the passes could also hide a
//! round-trip bug by rewriting the code that shows it).

use std::path::PathBuf;
use std::time::Instant;

use weft_tests::shared_dir;
use weft_tests::spec::{RejectPolicy, SuiteReport, TrapKinds, run_suite};
use weft_tests::wasmtime_harness::{Transform, WeftOptimize, WeftRoundtrip, identity};

/// The top-level folder, then every folder below `proposals/`, then `legacy/`.
fn suite_dirs() -> Vec<PathBuf> {
    let root = shared_dir().join("testsuite");
    let mut dirs = vec![root.clone()];
    if let Ok(entries) = std::fs::read_dir(root.join("proposals")) {
        let mut proposals: Vec<PathBuf> =
            entries.filter_map(|e| e.ok().map(|e| e.path())).filter(|p| p.is_dir()).collect();
        proposals.sort();
        dirs.extend(proposals);
    }
    if root.join("legacy").is_dir() {
        dirs.push(root.join("legacy"));
    }
    dirs
}

fn run_all(
    label: &str,
    transform: &Transform<'_>,
    policy: RejectPolicy,
    traps: TrapKinds,
) -> Vec<(PathBuf, SuiteReport)> {
    let mut reports = Vec::new();
    for dir in suite_dirs() {
        let start = Instant::now();
        let report = run_suite(&dir, transform, policy, traps).unwrap_or_else(|e| panic!("{e}"));
        println!("==== {label}: {} ({:.1}s)", dir.display(), start.elapsed().as_secs_f64());
        println!("{report}");
        reports.push((dir, report));
    }
    reports
}

fn assert_clean(label: &str, reports: &[(PathBuf, SuiteReport)]) {
    let top = &reports[0].1;
    assert!(
        top.roundtripped() > 1000,
        "{label}: only {} modules went through the transform and passed in the top-level suite",
        top.roundtripped()
    );
    for (dir, report) in reports {
        assert!(
            report.failed() == 0 && report.failure_count() == 0,
            "{label}: {}: {} modules failed, {} failures (see the report above)",
            dir.display(),
            report.failed(),
            report.failure_count()
        );
    }
}

#[test]
fn spec_testsuite_identity() {
    let reports = run_all("identity", &identity, RejectPolicy::MustNotProduceValid, TrapKinds::Exact);
    assert_clean("identity", &reports);
}

#[test]
fn spec_testsuite_weft_roundtrip() {
    let roundtrip = WeftRoundtrip::new();
    let transform = |bytes: &[u8]| roundtrip.apply(bytes);
    let reports = run_all("weft round trip", &transform, RejectPolicy::MustErr, TrapKinds::Exact);
    println!(
        "weft round trip: {} functions translated, {} kept opaque",
        roundtrip.functions(),
        roundtrip.opaque_functions()
    );
    assert_clean("weft round trip", &reports);
}

#[test]
fn spec_testsuite_weft_o2() {
    let o2 = WeftOptimize::new(weft::OptLevel::O2);
    let transform = |bytes: &[u8]| o2.apply(bytes);
    let started = Instant::now();
    let reports = run_all("weft -O2", &transform, RejectPolicy::MustErr, TrapKinds::IndirectCallMayBeUnreachable);
    let sum = |g: fn(&SuiteReport) -> usize| -> usize { reports.iter().map(|(_, r)| g(r)).sum() };
    println!(
        "weft -O2: {} modules optimized (all assertions passed), {} opaque-or-out-of-set, {} failed ({} blocked), \
         {} functions ({} kept opaque), {:.1}s",
        sum(SuiteReport::roundtripped),
        sum(SuiteReport::out_of_set),
        sum(SuiteReport::failed),
        sum(SuiteReport::blocked),
        o2.functions(),
        o2.opaque_functions(),
        started.elapsed().as_secs_f64()
    );
    print!("{}", o2.pass_table());
    assert_clean("weft -O2", &reports);
    // The pipeline that ran is -O2's, and it changed code.
    let report = o2.report();
    let names: Vec<&str> = report.passes.iter().map(|p| p.name).collect();
    assert_eq!(names, weft_passes::pipelines::pipeline_names(weft::OptLevel::O2), "weft -O2: pass list");
    assert!(
        report.passes.iter().any(|p| p.functions_changed > 0),
        "weft -O2 changed no function of the spec testsuite"
    );
}

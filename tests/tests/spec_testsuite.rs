//! The spec testsuite (`../shared/testsuite/*.wast`, plus the `proposals/*`
//! and `legacy/` folders, which are almost entirely outside weft's feature
//! set) through the transform under test, executed under wasmtime.
//!
//! Two runs: the identity transform (the harness itself must agree with the
//! testsuite) and weft's round trip (frontend then backend), which must
//! round-trip every in-set module with all its assertions passing, and must
//! reject (`Err`, never panic) every `assert_invalid` / `assert_malformed`
//! binary.

use std::path::PathBuf;
use std::time::Instant;

use weft_tests::shared_dir;
use weft_tests::spec::{RejectPolicy, SuiteReport, run_suite};
use weft_tests::wasmtime_harness::{Transform, WeftRoundtrip, identity};

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

fn run_all(label: &str, transform: &Transform<'_>, policy: RejectPolicy) -> Vec<(PathBuf, SuiteReport)> {
    let mut reports = Vec::new();
    for dir in suite_dirs() {
        let start = Instant::now();
        let report = run_suite(&dir, transform, policy).unwrap_or_else(|e| panic!("{e}"));
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
        "{label}: only {} modules round-tripped in the top-level suite",
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
    let reports = run_all("identity", &identity, RejectPolicy::MustNotProduceValid);
    assert_clean("identity", &reports);
}

#[test]
fn spec_testsuite_weft_roundtrip() {
    let roundtrip = WeftRoundtrip::new();
    let transform = |bytes: &[u8]| roundtrip.apply(bytes);
    let reports = run_all("weft round trip", &transform, RejectPolicy::MustErr);
    println!(
        "weft round trip: {} functions translated, {} kept opaque",
        roundtrip.functions(),
        roundtrip.opaque_functions()
    );
    assert_clean("weft round trip", &reports);
}

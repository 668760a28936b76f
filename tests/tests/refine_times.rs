//! Check-time statistics of the `test refine` suite: runs the Z3 refinement
//! check on every (source, target) pair of every `test refine` file under
//! `tests/filetests/refine/` and prints how many checks ran, the median and
//! p99 check time and the three slowest pairs. Times are printed, not
//! asserted; the test asserts only that the suite is there (at least 60
//! pairs) and that every verdict is the kind its `; expect:` line names.
//!
//! `WEFT_REFINE_FILTER=TEXT` restricts the run to files whose name contains
//! TEXT and prints every check's report with its query timings (for
//! looking at one slow case); the pair-count assertion is then skipped.

use weft_tests::filetest::{Command, FileTest, check_refine_pairs, discover};
use weft_verify::Outcome;

/// One timed check.
struct Timed {
    file: String,
    pair: String,
    millis: f64,
    verdict: &'static str,
}

fn verdict(outcome: &Outcome) -> &'static str {
    match outcome {
        Outcome::Proved => "proved",
        Outcome::ProvedBounded(_) => "bounded",
        Outcome::Counterexample(_) => "counterexample",
        Outcome::Unknown(_) => "unknown",
    }
}

/// The `p`-th percentile (0..=100) of sorted times, nearest rank.
fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((sorted.len() as f64 * p / 100.0).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

#[test]
fn refine_times() {
    let root = weft_tests::project_root().join("tests").join("filetests").join("refine");
    let mut timed = Vec::new();
    let mut mismatched = Vec::new();
    let filter = std::env::var("WEFT_REFINE_FILTER").ok();
    for path in discover(&root) {
        let rel = path.strip_prefix(&root).unwrap_or(&path).display().to_string();
        if filter.as_ref().is_some_and(|f| !rel.contains(f.as_str())) {
            continue;
        }
        let test = FileTest::read(&path).unwrap_or_else(|e| panic!("{rel}: {e}"));
        if test.command != Command::Refine {
            continue;
        }
        let (pairs, _) = check_refine_pairs(&test.text).unwrap_or_else(|e| panic!("{rel}: {e}"));
        for pair in pairs {
            let report = &pair.report;
            if filter.is_some() {
                println!("{rel} {} ({:.1} ms): {report}", pair.name, pair.millis);
                for q in &report.queries {
                    println!("    {:>7} ms  {:7}  {}", q.millis, q.result, q.name);
                }
            }
            if !pair.as_expected() {
                mismatched.push(format!("{rel} {}: expected {:?}, got {}", pair.name, pair.expect, report.outcome));
            }
            timed.push(Timed {
                file: rel.clone(),
                pair: pair.name,
                millis: pair.millis,
                verdict: verdict(&report.outcome),
            });
        }
    }
    let mut times: Vec<f64> = timed.iter().map(|t| t.millis).collect();
    times.sort_by(f64::total_cmp);
    let count = |v: &str| timed.iter().filter(|t| t.verdict == v).count();
    println!(
        "refine: {} checks ({} counterexample, {} proved, {} bounded, {} unknown)",
        timed.len(),
        count("counterexample"),
        count("proved"),
        count("bounded"),
        count("unknown")
    );
    if !times.is_empty() {
        println!(
            "refine: median {:.1} ms, p99 {:.1} ms, total {:.1} ms",
            percentile(&times, 50.0),
            percentile(&times, 99.0),
            times.iter().sum::<f64>()
        );
    }
    timed.sort_by(|a, b| b.millis.total_cmp(&a.millis));
    for t in timed.iter().take(3) {
        println!("refine: slow {:8.1} ms  {}  {} ({})", t.millis, t.file, t.pair, t.verdict);
    }
    for m in &mismatched {
        eprintln!("MISMATCH {m}");
    }
    assert!(
        filter.is_some() || timed.len() >= 60,
        "expected at least 60 (source, target) pairs, found {}",
        timed.len()
    );
    assert!(mismatched.is_empty(), "{} verdicts differ from their `; expect:` lines", mismatched.len());
}

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

use std::time::Instant;

use weft_tests::filetest::{Command, FileTest, discover, split_functions};
use weft_verify::{Options, Outcome, check_refinement_report};

/// One timed check.
struct Timed {
    file: String,
    pair: String,
    millis: f64,
    verdict: &'static str,
}

/// The text with the `test` header line blanked (line numbers kept), as the
/// filetest runner parses it.
fn without_header(text: &str) -> String {
    let mut seen = false;
    text.lines()
        .map(|l| {
            if !seen && l.trim_start().starts_with("test ") {
                seen = true;
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Does `outcome` match the `; expect:` text?
fn matches(expect: &str, outcome: &Outcome) -> bool {
    match (expect.split_whitespace().next(), outcome) {
        (Some("proved"), Outcome::Proved) => true,
        (Some("bounded"), Outcome::ProvedBounded(_)) => true,
        (Some("counterexample"), Outcome::Counterexample(c)) => {
            c.query.contains(expect["counterexample".len()..].trim())
        }
        _ => false,
    }
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
        let sources = split_functions(&test.text);
        let funcs = weft_ir::parse_functions(&without_header(&test.text))
            .unwrap_or_else(|e| panic!("{rel}: parse error at {e}"));
        assert_eq!(funcs.len(), sources.len(), "{rel}: functions parsed vs `function` lines");
        assert!(funcs.len().is_multiple_of(2), "{rel}: functions must come in (source, target) pairs");
        for (pair, srcs) in funcs.chunks(2).zip(sources.chunks(2)) {
            let expect: Vec<&str> =
                srcs[1].comments.iter().filter_map(|c| c.trim().strip_prefix("expect:")).map(str::trim).collect();
            let name = format!("%{} / %{}", pair[0].name, pair[1].name);
            let start = Instant::now();
            let report = check_refinement_report(&pair[0], &pair[1], &Options::default());
            let millis = start.elapsed().as_secs_f64() * 1000.0;
            if filter.is_some() {
                println!("{rel} {name} ({millis:.1} ms): {report}");
                for q in &report.queries {
                    println!("    {:>7} ms  {:7}  {}", q.millis, q.result, q.name);
                }
            }
            if !matches!(expect.as_slice(), [e] if matches(e, &report.outcome)) {
                mismatched.push(format!("{rel} {name}: expected {expect:?}, got {}", report.outcome));
            }
            timed.push(Timed { file: rel.clone(), pair: name, millis, verdict: verdict(&report.outcome) });
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

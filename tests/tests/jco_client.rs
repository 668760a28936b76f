//! The jco client (`weft_tests::jco`): the P3 components of
//! `../shared/corpus/jco-p3/` that run to a clean exit under jco + Node 24
//! with the WASI P2/P3 shims (`tests/jco/components.tsv`) run identically
//! before and after weft `-O2`: stdout, stderr and exit status, after the
//! normalizations the module documents (ephemeral ports, the variant's
//! folder). `-O2` is weft's pipeline on every core module of the component,
//! in process (`weft::component::rewrite_core_modules` over
//! `WeftOptimize`, the code path of `weft opt -O2`, plus: a function the
//! structural verifier rejects after a pass fails the component).
//!
//! `WEFT_JCO=TEXT[,TEXT...]` runs only the components whose path contains
//! one of the TEXTs (`WEFT_JCO=sockets/,readdir`).
//!
//! Needs the client installed by `bash scripts/jco-setup.sh` (a missing or
//! stale cache fails with a message naming it). Stages: transform every
//! component, transpile originals and transformed components, run both
//! variants of every component, judge; two threads, two Node processes at a
//! time. A failure keeps the work directory under the cache and names it.
//!
//! `jco_client_catches_a_miscompilation` runs one component through a
//! deliberately wrong transform and checks that the comparison fails, with
//! a readable difference.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use weft_tests::jco::{
    self, Client, Component, ComponentReport, Workspace, cache_dir, parse_components, parse_not_runnable, spec_dir,
    swap_run_entry_branch,
};
use weft_tests::wasmtime_harness::{Transform, WeftOptimize};
use weft_tests::{files_with_ext, shared_dir};

/// Per-run wall-clock limit: far above every component's run time (the
/// slowest, p3-readdir, takes about 10 s on a loaded 2-core machine), so
/// only a transformed component that hangs reaches it.
const TIMEOUT: Duration = Duration::from_secs(120);

/// Threads (and Node processes at a time): the machine's two cores.
const THREADS: usize = 2;

fn corpus() -> PathBuf {
    shared_dir().join("corpus").join("jco-p3")
}

fn read_list(name: &str) -> String {
    let path = spec_dir().join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()))
}

fn components() -> Vec<Component> {
    parse_components(&read_list("components.tsv")).unwrap_or_else(|e| panic!("tests/jco/components.tsv: {e}"))
}

fn client() -> Client {
    let cache = cache_dir().unwrap_or_else(|e| panic!("{e}"));
    Client::open(&cache).unwrap_or_else(|e| panic!("{e}"))
}

/// Runs `components` through `transform` (see `weft_tests::jco::differential`)
/// on two threads and prints a table and the time of each stage. The
/// workspace is returned so that a caller can keep it.
fn differential(label: &str, components: &[Component], transform: &Transform<'_>) -> (Workspace, Vec<ComponentReport>) {
    let ws = client().workspace().unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    let (reports, times) =
        jco::differential(&ws, &corpus(), components, transform, THREADS, TIMEOUT).unwrap_or_else(|e| panic!("{e}"));
    let secs = |d: Option<Duration>| d.map_or("-".to_string(), |d| format!("{:.2}s", d.as_secs_f64()));
    println!("==== {label}");
    println!("{:<50} {:>9} {:>9} {:>11}  verdict", "component", "transform", "original", "transformed");
    for r in &reports {
        println!(
            "{:<50} {:>9} {:>9} {:>11}  {}",
            r.name,
            secs(Some(r.transform_time)),
            secs(r.original_time),
            secs(r.transformed_time),
            match &r.verdict {
                Ok(()) if r.unchanged => "ok (the transform left it unchanged)".to_string(),
                Ok(()) => "ok".to_string(),
                Err(e) => format!("FAIL: {e}"),
            }
        );
    }
    println!(
        "{label}: {} components, {} ok, {} failed; transform {:.1}s, transpile {:.1}s, run {:.1}s, total {:.1}s (wall)",
        reports.len(),
        reports.iter().filter(|r| r.verdict.is_ok()).count(),
        reports.iter().filter(|r| r.verdict.is_err()).count(),
        times.transform.as_secs_f64(),
        times.transpile.as_secs_f64(),
        times.run.as_secs_f64(),
        started.elapsed().as_secs_f64(),
    );
    (ws, reports)
}

/// Every component of the corpus is in exactly one of the two lists, and
/// every listed component exists: a new component cannot go untested
/// silently.
#[test]
fn the_lists_cover_the_corpus() {
    let corpus = corpus();
    let found: Vec<String> = files_with_ext(&corpus, "wasm", true)
        .iter()
        .map(|path| path.strip_prefix(&corpus).expect("under the corpus").to_string_lossy().replace('\\', "/"))
        .collect();
    let not_runnable = parse_not_runnable(&read_list("not-runnable.tsv"))
        .unwrap_or_else(|e| panic!("tests/jco/not-runnable.tsv: {e}"));
    let mut listed: Vec<String> =
        components().into_iter().map(|c| c.path).chain(not_runnable.into_iter().map(|(path, _)| path)).collect();
    listed.sort();
    let duplicates: Vec<&String> = listed.windows(2).filter(|w| w[0] == w[1]).map(|w| &w[0]).collect();
    assert!(duplicates.is_empty(), "listed twice in tests/jco/*.tsv: {duplicates:?}");
    let missing: Vec<&String> = found.iter().filter(|f| !listed.contains(f)).collect();
    let extra: Vec<&String> = listed.iter().filter(|l| !found.contains(l)).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "tests/jco/components.tsv and not-runnable.tsv must list every component of {} once: \
         not listed: {missing:?}; listed but not in the corpus: {extra:?}",
        corpus.display()
    );
}

/// The components `WEFT_JCO=TEXT[,TEXT...]` selects (those whose path
/// contains one of the TEXTs), or all of them; a filter that selects
/// nothing fails.
fn selected_components() -> Vec<Component> {
    let all = components();
    let Some(filter) = std::env::var("WEFT_JCO").ok().filter(|f| !f.is_empty()) else { return all };
    let texts: Vec<&str> = filter.split(',').filter(|t| !t.is_empty()).collect();
    let selected: Vec<Component> = all.into_iter().filter(|c| texts.iter().any(|t| c.path.contains(t))).collect();
    assert!(!selected.is_empty(), "WEFT_JCO={filter} selects no component of tests/jco/components.tsv");
    selected
}

#[test]
fn jco_client_o2() {
    let components = selected_components();
    let o2 = WeftOptimize::new(weft::OptLevel::O2);
    let transform = |bytes: &[u8]| {
        weft::component::rewrite_core_modules(bytes, &mut |core| o2.apply(core).map_err(weft::Error::Input))
            .map_err(|e| e.to_string())
    };
    let (mut ws, reports) = differential("jco client, weft -O2", &components, &transform);
    print!("{}", o2.pass_table());
    let failed: Vec<String> =
        reports.iter().filter_map(|r| r.verdict.as_ref().err().map(|e| format!("{}: {e}", r.name))).collect();
    if !failed.is_empty() {
        ws.keep();
        panic!(
            "jco client, weft -O2: {} of {} components failed (work directory kept: {}):\n{}",
            failed.len(),
            reports.len(),
            ws.dir().display(),
            failed.join("\n")
        );
    }
    // -O2 changed code: the comparison saw transformed components.
    let changed: usize = o2.report().passes.iter().map(|p| p.functions_changed).sum();
    assert!(changed > 0, "weft -O2 changed no function of the jco components");
    assert!(reports.iter().all(|r| !r.unchanged), "weft -O2 left a component byte-identical");
}

/// The comparison catches a miscompilation: the run export's first branch
/// swapped makes the component report an allocation failure and abort.
#[test]
fn jco_client_catches_a_miscompilation() {
    let component = components()
        .into_iter()
        .find(|c| c.name() == "p3-cli-hello-stdout")
        .expect("p3-cli-hello-stdout is in tests/jco/components.tsv");
    let (_ws, reports) = differential("jco client, a wrong transform", &[component], &swap_run_entry_branch);
    let verdict = &reports[0].verdict;
    let diff = verdict.as_ref().expect_err("the comparison accepted a miscompiled component");
    println!("the expected failure:\n{diff}");
    assert!(diff.starts_with("transformed differs from original:"), "{diff}");
    assert!(diff.contains("exit: original exit status 0, transformed exit status 1"), "{diff}");
    assert!(diff.contains("stdout differs (13 bytes, 0 bytes):\n    -    1 | \"hello, world\\n\""), "{diff}");
    assert!(diff.contains("memory allocation of 148 bytes failed"), "{diff}");
}

//! `bounds-check-elim` on the P3 stream corpus, through `-O2` with strict
//! verification: the checks the corpus README calls redundant inside a
//! function go, each removal proved (a loop's with the header facts the
//! pass certifies), and the checks that can fail stay. (That the optimized
//! modules behave identically under the mock host, the trapping
//! `stream_map_i32` `test-raw(1025)` included, is `p3_corpus.rs`'s `-O2`
//! comparison.)

use weft_ir::{FuncBody, Function, Module};
use weft_passes::Report;
mod common;
use common::o2;

/// The IR body of the function named `name`.
fn body<'a>(module: &'a Module, name: &str) -> &'a Function {
    module
        .funcs
        .iter()
        .find_map(|d| match &d.body {
            FuncBody::Ir(f) if f.name == name => Some(f),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no function {name}"))
}

/// How many `trap`s `func` has.
fn traps(func: &Function) -> usize {
    func.display().to_string().lines().filter(|l| l.trim() == "trap").count()
}

/// `bounds-check-elim` changed `functions` (at least), every change was
/// proved (not bounded), and nothing was reverted.
fn proved(report: &Report, at_least: usize) {
    let stats = report.passes.iter().find(|p| p.name == "bounds-check-elim").expect("the pass ran");
    assert!(stats.functions_changed >= at_least, "{stats:?}");
    assert_eq!(stats.proved, stats.functions_changed, "{stats:?} {:#?}", report.events);
    assert_eq!((stats.reverted, stats.proved_bounded, stats.unknown), (0, 0, 0), "{:#?}", report.events);
}

/// `passes` (a comma-separated list) with strict verification on a corpus
/// module.
fn run(stem: &str, passes: &str) -> (Module, Report) {
    let specs = weft_passes::parse_pass_list(passes).expect("pass list");
    let config = weft_passes::Config { verify: weft_passes::VerifyMode::Strict, ..weft_passes::Config::default() };
    let mut module = common::p3_module(stem);
    let manager = weft_passes::PassManager::from_specs(&specs, config).expect("manager");
    let report = manager.run_module(&mut module);
    (module, report)
}

#[test]
fn the_per_element_checks_of_the_u8_map_go_on_their_own_and_the_slice_check_with_the_progress_bound() {
    // Alone, after the cleanups: the two per-element checks (`i >=u 4096`
    // before the load and the store) are implied by the loop test and the
    // slice check `n >u 4096`, which can fail for a caller that passes
    // more.
    let (module, report) = run("stream_read_loop_u8", "sccp,simplify-cfg,bounds-check-elim");
    proved(&report, 1);
    let upper = body(&module, "upper_chunk");
    assert_eq!(traps(upper), 1, "{}", upper.display());
    // In `-O2`, callback-reachability first specializes `upper_chunk` under
    // `n ∈ [0, 4096]`: every caller passes the progress of a 4096-byte read
    // (`r >>u 4` of a `[stream-read-0]` result that is not BLOCKED, or of a
    // STREAM_READ event's payload), so the slice check goes as well.
    let (module, report) = o2("stream_read_loop_u8");
    let upper = body(&module, "upper_chunk");
    assert_eq!(traps(upper), 0, "{}", upper.display());
    assert!(
        report.events.iter().any(|e| e.pass == "callback-reachability"
            && e.function == "upper_chunk"
            && e.message == "under param v0 ∈ [0, 4096] (unsigned): proved"),
        "{:#?}",
        report.events
    );
}

#[test]
fn the_f32_stream_loops_lose_their_checks_with_the_progress_bound() {
    let (module, report) = o2("stream_sum_f32");
    assert!(!report.events.iter().any(|e| e.reverted), "{:#?}", report.events);
    for name in ["sum_f32", "sum_bits"] {
        let f = body(&module, name);
        assert_eq!(traps(f), 0, "{}", f.display());
    }
}

#[test]
fn the_store_check_of_the_i32_map_goes_and_the_load_check_stays() {
    let (module, report) = o2("stream_map_i32");
    proved(&report, 1);
    // `i >=u OUT_CAP` before the store (OUT_CAP an immutable global of
    // 1024, folded by init-constprop) follows `i >=u 1024` before the load;
    // the load check can fail (`test-raw(1025)`) and stays.
    let map = body(&module, "map_chunk");
    assert_eq!(traps(map), 1, "{}", map.display());
    let text = map.display().to_string();
    assert!(!text.contains("global.get"), "{text}");
    assert!(
        report.events.iter().any(|e| e.pass == "init-constprop"
            && e.function == "map_chunk"
            && e.message.contains("under module invariant")
            && e.message.ends_with("proved")),
        "{:#?}",
        report.events
    );
}

#[test]
fn nothing_the_pass_does_on_the_other_stream_modules_is_reverted() {
    for stem in ["stream_read_loop_u8", "stream_bridge", "kitchen_sink"] {
        let (_, report) = o2(stem);
        let stats = report.passes.iter().find(|p| p.name == "bounds-check-elim").expect("the pass ran");
        assert_eq!((stats.reverted, stats.proved), (0, stats.functions_changed), "{stem}: {:#?}", report.events);
    }
}

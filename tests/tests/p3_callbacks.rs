//! Switch recovery on every callback of `../shared/corpus/p3/callback_*.wat`
//! (the switch-recovery mission pass): the survey of `weft_tests::p3callbacks` at `-O2` and `-Os`,
//! printed as a markdown table, and its acceptance checks:
//!
//! - every `callback_*.wat` has a `[callback]` export, and every surveyed
//!   function (callbacks and exported dispatch helpers) has at least one
//!   chain found by switch-recovery — a missed dispatch is a failure;
//! - every chain the pass rewrote is `Proved` by `check_refinement` and the
//!   level's whole pipeline with `VerifyMode::Strict` keeps the change;
//!   every chain it left is left for a cost-model reason (printed);
//! - the reference recomputation of each chain (its tests and clusters,
//!   from the IR, independently of the pass) agrees with the pass's report,
//!   and the decision agrees with what `SwitchConfig::default()` (`-O2`) or
//!   `SwitchConfig::size()` (`-Os`) implies for those clusters; at `-Os` a
//!   rewrite must make the function's encoded body smaller;
//! - every `expected.tsv` row of every file behaves identically on the
//!   original and on the `weft` output at that level, both matching the row.

use std::collections::BTreeSet;
use std::time::Instant;

use weft_passes::pipelines::OptLevel;
use weft_passes::switch_recovery::Decision;
use weft_tests::p3callbacks::{CallbackRow, Role, agrees, expected_decision, level_name, survey, to_markdown};
use weft_tests::shared_dir;

/// Every acceptance check on the rows of one level; returns the failures.
fn check(rows: &[CallbackRow]) -> Vec<String> {
    let mut failures = Vec::new();
    for row in rows {
        let who = format!("{} {} {} (fn{})", level_name(row.level), row.file, row.function, row.index);
        let mut finding = false;
        if row.chains.is_empty() {
            failures.push(format!("{who}: switch-recovery found no chain (missed dispatch)"));
            finding = true;
        }
        let rewritten = row.chains.iter().any(|c| !matches!(c.report.decision, Decision::Left(_)));
        if rewritten {
            if !row.refinement.is_proved() {
                failures.push(format!("{who}: the rewrite is not Proved: {}", row.refinement.short()));
                finding = true;
            }
            if !row.strict.kept {
                failures.push(format!(
                    "{who}: the strict pipeline did not keep switch-recovery's change (reverted: {:?}; events: {:?})",
                    row.strict.reverted_passes, row.strict.events
                ));
                finding = true;
            }
        }
        let config = row.config();
        for c in &row.chains {
            if let Decision::Left(why) = c.report.decision {
                println!("{who}: chain at {} left: {why}", c.report.head);
            }
            match &c.reference {
                Err(e) => {
                    failures.push(format!("{who}: chain at {}: cannot recompute its meaning: {e}", c.report.head));
                    finding = true;
                }
                Ok(r) => {
                    if r.tests.len() != c.report.tests || r.clusters.len() != c.report.clusters {
                        failures.push(format!(
                            "{who}: chain at {}: the pass reports {} tests / {} clusters, the reference {} tests {:?} / {} clusters {:?}",
                            c.report.head,
                            c.report.tests,
                            c.report.clusters,
                            r.tests.len(),
                            r.tests,
                            r.clusters.len(),
                            r.clusters
                        ));
                        finding = true;
                    }
                    if let Err(e) = agrees(&expected_decision(r, &config), &c.report.decision) {
                        failures.push(format!("{who}: chain at {}: {e}", c.report.head));
                        finding = true;
                    }
                }
            }
        }
        if config.prefer_size && rewritten {
            match &row.sizes {
                Ok(z) if z.with_switch < z.without_switch => {}
                Ok(z) => {
                    failures.push(format!(
                        "{who}: -Os rewrote a chain but the body is not smaller: {} bytes with switch-recovery, {} without",
                        z.with_switch, z.without_switch
                    ));
                    finding = true;
                }
                Err(e) => failures.push(format!("{who}: sizes: {e}")),
            }
        }
        if !row.differential.all_identical() {
            failures.push(format!(
                "{who}: mock host: {}/{} cases identical:\n  {}",
                row.differential.identical,
                row.differential.cases,
                row.differential.failures.join("\n  ")
            ));
        }
        if finding {
            println!("---- {who}: IR before switch-recovery\n{}", row.ir_before);
            println!("---- {who}: IR after switch-recovery\n{}", row.ir_after);
        }
    }
    failures
}

#[test]
fn every_p3_callback_dispatch_is_recovered_proved_and_differential_tested() {
    let t0 = Instant::now();
    let shared = shared_dir();
    let dir = shared.join("corpus").join("p3");
    let files: BTreeSet<String> = std::fs::read_dir(&dir)
        .expect("read corpus/p3")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .filter(|n| n.starts_with("callback_") && n.ends_with(".wat"))
        .collect();
    assert!(files.len() >= 5, "only {} callback_*.wat files in {}", files.len(), dir.display());

    let mut failures = Vec::new();
    let mut all = Vec::new();
    for level in [OptLevel::O2, OptLevel::Os] {
        let t = Instant::now();
        let rows = survey(&shared, level).unwrap_or_else(|e| panic!("survey at {}: {e}", level_name(level)));
        println!("survey at {}: {} functions, {:.1} s", level_name(level), rows.len(), t.elapsed().as_secs_f64());
        let with_callback: BTreeSet<String> =
            rows.iter().filter(|r| r.role == Role::Callback).map(|r| r.file.clone()).collect();
        for f in files.difference(&with_callback) {
            failures.push(format!("{} {f}: no [callback] export found", level_name(level)));
        }
        failures.extend(check(&rows));
        all.push(rows);
    }
    // Both levels survey the same functions and find the same chains.
    let key = |rows: &[CallbackRow]| -> Vec<(String, u32, Vec<String>)> {
        rows.iter()
            .map(|r| (r.file.clone(), r.index, r.chains.iter().map(|c| c.report.head.to_string()).collect()))
            .collect()
    };
    if key(&all[0]) != key(&all[1]) {
        failures.push(format!("-O2 and -Os find different chains:\n{:?}\n{:?}", key(&all[0]), key(&all[1])));
    }
    let rows: Vec<CallbackRow> = all.into_iter().flatten().collect();
    println!("{}", to_markdown(&rows));
    let chains: usize = rows.iter().map(|r| r.chains.len()).sum();
    // Mock-host cases: per level, each file once (its rows share them).
    let per_file: std::collections::BTreeMap<(&str, &str), usize> =
        rows.iter().map(|r| ((level_name(r.level), r.file.as_str()), r.differential.cases)).collect();
    let cases: usize = per_file.values().sum();
    println!(
        "{} function rows, {chains} chains, {cases} mock-host cases (expected.tsv rows x levels), each on the original and the optimized module, {:.1} s",
        rows.len(),
        t0.elapsed().as_secs_f64()
    );
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// The functions of `tests/filetests/passes/switch-recovery/*.ir`.
fn switch_filetest_functions() -> Vec<(String, weft_ir::Function)> {
    let dir = weft_tests::project_root().join("tests/filetests/passes/switch-recovery");
    let mut paths: Vec<_> = std::fs::read_dir(&dir)
        .expect("read the switch-recovery filetests")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "ir"))
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("read filetest");
        let body: String = text.lines().filter(|l| !l.starts_with("test ")).map(|l| format!("{l}\n")).collect();
        let funcs = weft_ir::parse_functions(&body).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stem = path.file_stem().expect("stem").to_string_lossy().into_owned();
        out.extend(funcs.into_iter().map(|f| (format!("{stem}.ir %{}", f.name), f)));
    }
    out
}

/// The reference recomputation (`reference_chain`) against the pass on the
/// hand-written shapes of the switch-recovery filetests (signed and `>u`
/// ranges, `i64` selectors, sequential ifs, holes, duplicated constants):
/// same tests, same number of clusters, and decisions that agree with the
/// thresholds of both configurations. `%grade` is checked value by value:
/// negatives (the widest range) are the default, then 0, 1..2, 3..4, 5,
/// 6..7 and 8..2^31-1, as its filetest describes.
#[test]
fn reference_recomputation_agrees_with_the_pass_on_the_filetests() {
    use weft_passes::switch_recovery::{SwitchConfig, SwitchRecovery};
    use weft_tests::p3callbacks::reference_chain;
    let funcs = switch_filetest_functions();
    assert!(funcs.len() >= 19, "only {} functions in the switch-recovery filetests", funcs.len());
    let mut failures = Vec::new();
    let mut chains = 0;
    for (config, name) in [(SwitchConfig::default(), "default"), (SwitchConfig::size(), "size")] {
        for (what, func) in &funcs {
            let mut after = func.clone();
            let mut reports = Vec::new();
            SwitchRecovery::with_config(config).run_with_report(&mut after, &mut reports);
            for rep in reports {
                chains += 1;
                match reference_chain(func, rep.head) {
                    Err(e) => failures.push(format!("{what} [{name}] chain at {}: {e}", rep.head)),
                    Ok(r) => {
                        if r.tests.len() != rep.tests || r.clusters.len() != rep.clusters {
                            failures.push(format!(
                                "{what} [{name}] chain at {}: pass {} tests / {} clusters, reference {:?} / {:?}",
                                rep.head, rep.tests, rep.clusters, r.tests, r.clusters
                            ));
                        }
                        if let Err(e) = agrees(&expected_decision(&r, &config), &rep.decision) {
                            failures.push(format!("{what} [{name}] chain at {}: {e}", rep.head));
                        }
                    }
                }
            }
        }
    }
    println!("{chains} chains of the filetests recomputed");
    assert!(chains >= 20, "only {chains} chains in the filetests");
    let (_, grade) = funcs.iter().find(|(w, _)| w.ends_with("%grade")).expect("%grade in range_tests.ir");
    let head = grade.layout.entry_block().expect("entry");
    let r = reference_chain(grade, head).expect("recompute %grade");
    assert_eq!(r.clusters, vec![(0, 0), (1, 2), (3, 4), (5, 5), (6, 7), (8, 0x7fff_ffff)], "%grade clusters");
    assert_eq!(r.tests.len(), 6, "%grade tests");
    assert!(!r.sequential, "%grade is an else-if ladder");
    assert!(failures.is_empty(), "{} disagreements:\n{}", failures.len(), failures.join("\n"));
}

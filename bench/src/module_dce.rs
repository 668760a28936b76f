//! The `module-dce` section: on every core module of the sightglass
//! programs and of the jco P3 components (the nested core modules,
//! extracted with `weft_frontend::core_module_ranges`), what `module-dce`
//! removes, side by side with `wasm-opt --remove-unused-module-elements`.
//!
//! Each optimizer's bytes removed are measured against its own round trip,
//! so that re-encoding differences do not count: weft `--passes module-dce`
//! against weft `-O0`, and `wasm-opt --all-features
//! --remove-unused-module-elements` against `wasm-opt --all-features` with
//! no pass. Entities removed are counted per kind (weft from its edits,
//! wasm-opt by comparing the index-space sizes of its two outputs). Also
//! measured: `module-dce<remove-imports=true>` (what wasm-opt does with
//! imports), and what `module-dce` removes at the end of `-O2` (the
//! pipeline with and without it). Every weft output is validated by the
//! backend, and every edit is re-checked by `weft_verify::module_check`.
//! A sightglass program from which anything was removed is run, before and
//! after, with the sightglass runner (stdout, stderr and exit status
//! compared with the expected output). The hand-written module-pass tests
//! (`tests/modules/module-dce`), where there is something to remove, are
//! compared too, and both optimizers' outputs run against the input under
//! the differential harness.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::Error;
use crate::variants::WasmOpt;

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// The corpus folder (`../shared/corpus`).
    pub root: PathBuf,
    /// `wasm-opt`, when one runs.
    pub wasm_opt: Option<WasmOpt>,
    /// Scratch directory for `wasm-opt`'s files.
    pub scratch: PathBuf,
    /// Only the first `limit` files of each group, when set.
    pub limit: Option<usize>,
    /// The hand-written module-pass tests (`tests/modules/module-dce`),
    /// compared too, with both outputs run against the input.
    pub handwritten: Option<PathBuf>,
}

/// One weft configuration on one core module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WeftRun {
    /// Output size.
    pub bytes: usize,
    /// Entities removed, per kind (`functions`, `globals`, ...).
    pub removed: BTreeMap<String, usize>,
    /// The module check's verdict on the edit (`Ok` also when nothing was
    /// removed).
    pub check: Result<(), String>,
}

/// wasm-opt on one core module.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WasmOptRun {
    /// Output size of the round trip (no pass).
    pub roundtrip: usize,
    /// Output size with `--remove-unused-module-elements`.
    pub bytes: usize,
    /// Entities removed, per kind.
    pub removed: BTreeMap<String, usize>,
}

/// One core module.
#[derive(Clone, Debug)]
pub struct Row {
    /// `sightglass` or `jco-p3`.
    pub group: &'static str,
    /// File (relative to the corpus) and, in a component, `#k`.
    pub name: String,
    /// Input size.
    pub input: usize,
    /// weft `-O0`.
    pub roundtrip: Result<usize, String>,
    /// weft `--passes module-dce`.
    pub dce: Result<WeftRun, String>,
    /// weft `--passes module-dce<remove-imports=true>`.
    pub dce_imports: Result<WeftRun, String>,
    /// weft `-O2` without `module-dce` (size).
    pub o2_without: Result<usize, String>,
    /// weft `-O2` (with `module-dce` last).
    pub o2: Result<WeftRun, String>,
    /// wasm-opt (`None`: not available).
    pub wasm_opt: Option<Result<WasmOptRun, String>>,
    /// Sightglass programs with something removed: the runner's verdict on
    /// the `module-dce` output and on the `-O2` output; hand-written
    /// modules: the differential harness's verdict on the `module-dce`
    /// output.
    pub behaviour: Option<Result<(), String>>,
    /// Hand-written modules: the harness's verdict on wasm-opt's output.
    pub wasm_opt_behaviour: Option<Result<(), String>>,
}

/// The section's measurements.
#[derive(Clone, Debug, Default)]
pub struct Results {
    /// Core modules, sightglass first, in path order.
    pub rows: Vec<Row>,
    /// Wall time.
    pub elapsed: Duration,
}

/// Runs `passes` (or `-O0` when empty and `level` is `None`) on one core
/// module; the removed entities are those of the module's edits after the
/// last pass, re-checked by the module check.
fn weft_run(bytes: &[u8], passes: Option<Vec<String>>, level: weft::OptLevel) -> Result<(Vec<u8>, WeftRun), String> {
    let config = weft::Config { passes, opt_level: level, ..weft::Config::default() };
    let mut removed = BTreeMap::new();
    let mut check = Ok(());
    let options = weft_backend::EmitOptions { prefer_size: level == weft::OptLevel::Os };
    let (mut module, _) = weft_frontend::translate_module(bytes).map_err(|e| e.to_string())?;
    let manager = weft::manager(&config).map_err(|e| e.to_string())?;
    manager.run_module_with(&mut module, &mut weft_passes::manager::NoHook);
    for e in module.edits.removed() {
        *removed.entry(e.kind().plural().to_string()).or_insert(0) += 1;
    }
    if !module.edits.is_empty() {
        check = weft::module_check::check_edits(&module, &options).map(|_| ());
    }
    let out = weft_backend::emit_module_with(&module, &options).map_err(|e| e.to_string())?;
    Ok((out.clone(), WeftRun { bytes: out.len(), removed, check }))
}

/// Index-space sizes of a module, by the kind names weft uses.
fn counts(bytes: &[u8]) -> Result<BTreeMap<String, usize>, String> {
    let mut c: BTreeMap<String, usize> = BTreeMap::new();
    let mut add = |k: &str, n: usize| *c.entry(k.to_string()).or_insert(0) += n;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| e.to_string())? {
            wasmparser::Payload::ImportSection(r) => {
                for i in r.into_imports() {
                    match i.map_err(|e| e.to_string())?.ty {
                        wasmparser::TypeRef::Func(_) | wasmparser::TypeRef::FuncExact(_) => add("functions", 1),
                        wasmparser::TypeRef::Table(_) => add("tables", 1),
                        wasmparser::TypeRef::Memory(_) => add("memories", 1),
                        wasmparser::TypeRef::Global(_) => add("globals", 1),
                        wasmparser::TypeRef::Tag(_) => {}
                    }
                }
            }
            wasmparser::Payload::TypeSection(r) => {
                for g in r {
                    add("types", g.map_err(|e| e.to_string())?.types().len());
                }
            }
            wasmparser::Payload::FunctionSection(r) => add("functions", r.count() as usize),
            wasmparser::Payload::TableSection(r) => add("tables", r.count() as usize),
            wasmparser::Payload::MemorySection(r) => add("memories", r.count() as usize),
            wasmparser::Payload::GlobalSection(r) => add("globals", r.count() as usize),
            wasmparser::Payload::ElementSection(r) => add("element segments", r.count() as usize),
            wasmparser::Payload::DataSection(r) => add("data segments", r.count() as usize),
            _ => {}
        }
    }
    Ok(c)
}

fn wasm_opt_run(w: &WasmOpt, bytes: &[u8], scratch: &Path) -> Result<WasmOptRun, String> {
    wasm_opt_outputs(w, bytes, scratch).map(|(run, _)| run)
}

/// wasm-opt's measurements and its `--remove-unused-module-elements` output.
fn wasm_opt_outputs(w: &WasmOpt, bytes: &[u8], scratch: &Path) -> Result<(WasmOptRun, Vec<u8>), String> {
    std::fs::create_dir_all(scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    let input = scratch.join("module-dce.in.wasm");
    std::fs::write(&input, bytes).map_err(|e| e.to_string())?;
    let run = |flags: &[&str]| -> Result<Vec<u8>, String> {
        let output = scratch.join("module-dce.out.wasm");
        let out = Command::new(&w.path)
            .arg("--all-features")
            .args(flags)
            .arg(&input)
            .arg("-o")
            .arg(&output)
            .output()
            .map_err(|e| format!("cannot run {}: {e}", w.path.display()))?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            return Err(format!("wasm-opt {flags:?} failed: {}", stderr.lines().next().unwrap_or("").trim()));
        }
        let bytes = std::fs::read(&output).map_err(|e| e.to_string())?;
        let _ = std::fs::remove_file(&output);
        Ok(bytes)
    };
    let roundtrip = run(&[])?;
    let removed_out = run(&["--remove-unused-module-elements"])?;
    let _ = std::fs::remove_file(&input);
    let (before, after) = (counts(&roundtrip)?, counts(&removed_out)?);
    let removed = before
        .iter()
        .filter_map(|(k, &n)| {
            let m = after.get(k).copied().unwrap_or(0);
            (n > m).then(|| (k.clone(), n - m))
        })
        .collect();
    Ok((WasmOptRun { roundtrip: roundtrip.len(), bytes: removed_out.len(), removed }, removed_out))
}

/// The `-O2` pass list without `module-dce`.
fn o2_without_dce() -> Vec<String> {
    weft_passes::pipelines::pipeline_names(weft::OptLevel::O2)
        .iter()
        .filter(|&&n| n != "module-dce")
        .map(|n| n.to_string())
        .collect()
}

fn anything(run: &Result<WeftRun, String>) -> bool {
    matches!(run, Ok(r) if !r.removed.is_empty())
}

/// Runs the section. `progress` receives one line per core module.
pub fn run(options: &Options, progress: &mut dyn FnMut(&str)) -> Result<Results, Error> {
    let started = Instant::now();
    let mut results = Results::default();
    let sightglass = weft_tests::sightglass::discover(&options.root.join("sightglass")).map_err(Error::new)?;
    let runner = weft_tests::sightglass::Runner::new().map_err(Error::new)?;
    for (group, component) in [("sightglass", false), ("jco-p3", true)] {
        let mut paths = Vec::new();
        crate::corpus::wasm_files(&options.root.join(group), &mut paths)?;
        paths.sort();
        if let Some(limit) = options.limit {
            paths.truncate(limit);
        }
        for path in paths {
            let bytes = std::fs::read(&path).map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
            let rel = path.strip_prefix(&options.root).unwrap_or(&path).display().to_string();
            let ranges = if component {
                weft_frontend::core_module_ranges(&bytes).map_err(|e| Error::new(format!("{rel}: {e}")))?
            } else {
                core::iter::once(0..bytes.len()).collect()
            };
            for (k, range) in ranges.iter().enumerate() {
                let module = &bytes[range.clone()];
                let name = if component { format!("{rel}#{k}") } else { rel.clone() };
                let roundtrip = weft_run(module, None, weft::OptLevel::O0).map(|(_, r)| r.bytes);
                let dce = weft_run(module, Some(vec!["module-dce".into()]), weft::OptLevel::O2);
                let dce_imports =
                    weft_run(module, Some(vec!["module-dce<remove-imports=true>".into()]), weft::OptLevel::O2)
                        .map(|(_, r)| r);
                let o2_without = weft_run(module, Some(o2_without_dce()), weft::OptLevel::O2).map(|(_, r)| r.bytes);
                let o2 = weft_run(module, None, weft::OptLevel::O2);
                let wasm_opt = options.wasm_opt.as_ref().map(|w| wasm_opt_run(w, module, &options.scratch));
                let behaviour = match sightglass.iter().find(|p| p.wasm == path) {
                    Some(program)
                        if !component
                            && (anything(&dce.clone().map(|r| r.1)) || anything(&o2.clone().map(|r| r.1))) =>
                    {
                        let mut verdict = Ok(());
                        for (what, out) in [("module-dce", &dce), ("-O2", &o2)] {
                            let Ok((out, _)) = out else { continue };
                            let out = out.clone();
                            let transform = move |_: &[u8]| -> Result<Vec<u8>, String> { Ok(out.clone()) };
                            let report = weft_tests::sightglass::check_program(
                                &runner,
                                program,
                                &transform,
                                Duration::from_secs(120),
                            );
                            if let Err(e) = report.verdict {
                                verdict = Err(format!("{what}: {e}"));
                            }
                        }
                        Some(verdict)
                    }
                    _ => None,
                };
                let row = Row {
                    group,
                    name,
                    input: module.len(),
                    roundtrip,
                    dce: dce.map(|(_, r)| r),
                    dce_imports,
                    o2_without,
                    o2: o2.map(|(_, r)| r),
                    wasm_opt,
                    behaviour,
                    wasm_opt_behaviour: None,
                };
                progress(&format!("module-dce {}: {}", row.name, summary(&row)));
                results.rows.push(row);
            }
        }
    }
    if let Some(dir) = &options.handwritten {
        handwritten(options, dir, &mut results, progress)?;
    }
    results.elapsed = started.elapsed();
    Ok(results)
}

/// The hand-written module-pass tests: each with its own pass, both
/// optimizers' outputs run against the input (probe calls of every export).
fn handwritten(
    options: &Options,
    dir: &Path,
    results: &mut Results,
    progress: &mut dyn FnMut(&str),
) -> Result<(), Error> {
    let harness = weft_tests::wasmtime_harness::Harness::new(Some(1_000_000)).map_err(Error::new)?;
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::new(format!("{}: {e}", dir.display())))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "wat"))
        .collect();
    paths.sort();
    for path in paths {
        let text = std::fs::read_to_string(&path).map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
        let bytes = wat::parse_str(&text).map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
        let pass = text
            .lines()
            .find_map(|l| l.trim_start_matches(';').trim().strip_prefix("test module-pass ").map(str::to_string))
            .unwrap_or_else(|| "module-dce".into());
        let behaves = |out: &[u8]| -> Result<(), String> {
            let calls = harness.probe_calls(&bytes, &[0, 1, -5])?;
            harness.compare(&bytes, out, &calls).map(|_| ()).map_err(|d| d.to_string())
        };
        let dce = weft_run(&bytes, Some(vec![pass]), weft::OptLevel::O2);
        let wasm_opt = options.wasm_opt.as_ref().map(|w| wasm_opt_outputs(w, &bytes, &options.scratch));
        let row = Row {
            group: "hand-written",
            name: path.file_name().map_or(String::new(), |n| n.to_string_lossy().into_owned()),
            input: bytes.len(),
            roundtrip: weft_run(&bytes, None, weft::OptLevel::O0).map(|(_, r)| r.bytes),
            behaviour: dce.as_ref().ok().map(|(out, _)| behaves(out)),
            dce: dce.map(|(_, r)| r),
            dce_imports: Err("not measured".into()),
            o2_without: Err("not measured".into()),
            o2: Err("not measured".into()),
            wasm_opt_behaviour: wasm_opt.as_ref().and_then(|w| w.as_ref().ok()).map(|(_, out)| behaves(out)),
            wasm_opt: wasm_opt.map(|w| w.map(|(run, _)| run)),
        };
        progress(&format!("module-dce {}: {}", row.name, summary(&row)));
        results.rows.push(row);
    }
    Ok(())
}

fn removed_text(removed: &BTreeMap<String, usize>) -> String {
    if removed.is_empty() {
        return "—".into();
    }
    removed.iter().map(|(k, n)| format!("{n} {k}")).collect::<Vec<_>>().join(", ")
}

/// Bytes weft's `module-dce` removed (against weft's round trip).
fn weft_saved(row: &Row) -> Option<i64> {
    Some(*row.roundtrip.as_ref().ok()? as i64 - row.dce.as_ref().ok()?.bytes as i64)
}

/// Bytes wasm-opt removed (against its round trip).
fn wasm_opt_saved(row: &Row) -> Option<i64> {
    let w = row.wasm_opt.as_ref()?.as_ref().ok()?;
    Some(w.roundtrip as i64 - w.bytes as i64)
}

fn o2_saved(row: &Row) -> Option<i64> {
    Some(*row.o2_without.as_ref().ok()? as i64 - row.o2.as_ref().ok()?.bytes as i64)
}

fn summary(row: &Row) -> String {
    let show = |r: &Result<WeftRun, String>| match r {
        Ok(r) => removed_text(&r.removed),
        Err(e) => format!("error: {e}"),
    };
    format!(
        "module-dce {} ({:?} B); wasm-opt {:?} B; -O2 {}",
        show(&row.dce),
        weft_saved(row),
        wasm_opt_saved(row),
        show(&row.o2)
    )
}

fn cell(x: Option<i64>) -> String {
    x.map_or("n/a".into(), |b| b.to_string())
}

/// Writes the section.
pub fn render(w: &mut String, results: &Result<&Results, String>) {
    let _ = writeln!(w, "## module-dce and wasm-opt's remove-unused-module-elements\n");
    let r = match results {
        Ok(r) => *r,
        Err(reason) => {
            let _ = writeln!(w, "Not measured: {reason}.\n");
            return;
        }
    };
    let _ = writeln!(
        w,
        "Every core module of the sightglass programs and of the jco P3 components (each component's nested \
         core modules, `#k` in order). Bytes removed are each optimizer's output against its own round trip: \
         weft `--passes module-dce` against weft `-O0`, wasm-opt `--all-features \
         --remove-unused-module-elements` against wasm-opt `--all-features` without a pass (wasm-opt drops the \
         name section, weft keeps it). Entities: weft's edits; wasm-opt's index spaces compared. Also: \
         `module-dce<remove-imports=true>`, and `-O2` (which ends with `module-dce`) against the same pipeline \
         without it. Every weft edit is re-checked by `weft_verify::module_check` ({:.1} s).\n",
        r.elapsed.as_secs_f64()
    );
    let errors: Vec<String> = r
        .rows
        .iter()
        .flat_map(|row| {
            let mut e = Vec::new();
            let runs: &[(&str, &Result<WeftRun, String>)] = if row.group == "hand-written" {
                &[("module-dce", &row.dce)]
            } else {
                &[("module-dce", &row.dce), ("remove-imports", &row.dce_imports), ("-O2", &row.o2)]
            };
            for &(what, run) in runs {
                match run {
                    Err(x) => e.push(format!("{} {what}: {x}", row.name)),
                    Ok(run) => {
                        if let Err(x) = &run.check {
                            e.push(format!("{} {what}: module check: {x}", row.name))
                        }
                    }
                }
            }
            if let (Some(Err(x)), false) = (&row.wasm_opt, row.group == "hand-written") {
                e.push(format!("{} wasm-opt: {x}", row.name));
            }
            if let Some(Err(x)) = &row.behaviour {
                e.push(format!("{} behaviour: {x}", row.name));
            }
            e
        })
        .collect();
    for group in ["sightglass", "jco-p3"] {
        let rows: Vec<&Row> = r.rows.iter().filter(|row| row.group == group).collect();
        let total = |f: &dyn Fn(&Row) -> Option<i64>| rows.iter().filter_map(|row| f(row)).sum::<i64>();
        let fewer = rows
            .iter()
            .filter(|row| matches!((weft_saved(row), wasm_opt_saved(row)), (Some(a), Some(b)) if a < b))
            .count();
        let with_wasm_opt = rows.iter().filter(|row| wasm_opt_saved(row).is_some()).count();
        let _ = writeln!(
            w,
            "**{group}**: {} core modules. module-dce removed {} bytes in all, wasm-opt {} bytes{}; \
             with `remove-imports=true` {} modules lose entities; at the end of `-O2` module-dce removes {} bytes. \
             {}\n",
            rows.len(),
            total(&weft_saved),
            if with_wasm_opt == 0 { "n/a".to_string() } else { total(&wasm_opt_saved).to_string() },
            if with_wasm_opt == 0 { " (wasm-opt not run)".to_string() } else { String::new() },
            rows.iter().filter(|row| anything(&row.dce_imports)).count(),
            total(&o2_saved),
            if with_wasm_opt == 0 {
                String::new()
            } else if fewer == 0 {
                format!("module-dce removes at least as many bytes as wasm-opt on all {with_wasm_opt} modules.")
            } else {
                format!("module-dce removes fewer bytes than wasm-opt on {fewer} of {with_wasm_opt} modules.")
            }
        );
        let interesting: Vec<&&Row> = rows
            .iter()
            .filter(|row| {
                anything(&row.dce)
                    || anything(&row.dce_imports)
                    || anything(&row.o2)
                    || wasm_opt_saved(row).is_some_and(|b| b != 0)
                    || matches!(&row.wasm_opt, Some(Ok(x)) if !x.removed.is_empty())
            })
            .collect();
        if interesting.is_empty() {
            let _ = writeln!(w, "Neither optimizer removes anything from any of them.\n");
            continue;
        }
        let _ = writeln!(
            w,
            "The modules where either removes something (the others: nothing removed by either):\n\n\
             | module | input B | module-dce removes | B | wasm-opt removes | B | remove-imports=true | -O2's module-dce | B | runs |\n\
             |---|---:|---|---:|---|---:|---|---|---:|---|"
        );
        for row in interesting {
            let show = |run: &Result<WeftRun, String>| match run {
                Ok(run) => removed_text(&run.removed),
                Err(_) => "error".into(),
            };
            let wo = match &row.wasm_opt {
                Some(Ok(x)) => removed_text(&x.removed),
                Some(Err(_)) => "error".into(),
                None => "n/a".into(),
            };
            let runs = match &row.behaviour {
                None => "—",
                Some(Ok(())) => "identical",
                Some(Err(_)) => "**differs**",
            };
            let _ = writeln!(
                w,
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                row.name,
                row.input,
                show(&row.dce),
                cell(weft_saved(row)),
                wo,
                cell(wasm_opt_saved(row)),
                show(&row.dce_imports),
                show(&row.o2),
                cell(o2_saved(row)),
                runs
            );
        }
        let _ = writeln!(w);
    }
    handwritten_table(w, &r.rows);
    if errors.is_empty() {
        let _ = writeln!(
            w,
            "Every weft output validated, every edit passed the module check, and every sightglass program that \
             lost anything ran with the expected output.\n"
        );
    } else {
        let _ = writeln!(w, "**Problems:**\n");
        for e in errors {
            let _ = writeln!(w, "- {e}");
        }
        let _ = writeln!(w);
    }
}

fn verdict(v: &Option<Result<(), String>>) -> String {
    match v {
        None => "n/a".into(),
        Some(Ok(())) => "same".into(),
        Some(Err(e)) => format!("**differs**: {}", e.lines().next().unwrap_or("").replace('|', "/")),
    }
}

/// The hand-written module-pass tests, both optimizers side by side.
fn handwritten_table(w: &mut String, rows: &[Row]) {
    let rows: Vec<&Row> = rows.iter().filter(|r| r.group == "hand-written").collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        w,
        "**hand-written** (`tests/modules/module-dce`, each with its own pass; both outputs run against the \
         input with probe calls of every export, instantiation included):\n\n\
         | module | module-dce removes | B | runs | wasm-opt removes | B | runs |\n|---|---|---:|---|---|---:|---|"
    );
    for row in rows {
        let (wo, wo_bytes) = match &row.wasm_opt {
            Some(Ok(x)) => (removed_text(&x.removed), cell(wasm_opt_saved(row))),
            Some(Err(e)) => (format!("fails: {}", e.replace('|', "/")), "n/a".into()),
            None => ("n/a".into(), "n/a".into()),
        };
        let weft = match &row.dce {
            Ok(r) => removed_text(&r.removed),
            Err(e) => format!("error: {e}"),
        };
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} |",
            row.name,
            weft,
            cell(weft_saved(row)),
            verdict(&row.behaviour),
            wo,
            wo_bytes,
            verdict(&row.wasm_opt_behaviour)
        );
    }
    let _ = writeln!(w);
}

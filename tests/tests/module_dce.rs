//! Module-pass tests: every `tests/modules/<pass>/*.wat` file.
//!
//! A file is a WAT module whose leading `;;` comments say what it is for
//! and carry directives:
//! - `;; test module-pass NAME<params>` — the pass to run (alone), or
//!   several, comma-separated, run in that order;
//! - `;; removed: fn2 gv1 ...` — exactly the entities it must remove, as
//!   weft prints them (input indices), or `nothing` for a module it must
//!   leave alone;
//! - `;; changed: fn3 ...` (optional) — exactly the functions whose body
//!   the passes changed (kept after the check), or `nothing`;
//! - `;; note: TEXT` (optional, repeatable) — a note of a module pass
//!   (what it did or why it declined) must contain TEXT;
//! - `;; assume-events: 0,6` (optional) — `--assume-events`;
//! - `;; probe-seeds: 0 2 6` (optional) — the seeds of the probe calls
//!   (default `0 1 -5`): an export's first parameter is the seed, the
//!   others follow from it. A module specialized under a precondition on
//!   its exports' inputs is probed only with inputs that satisfy it;
//! - `;; trap-kinds: ignored` (optional) — the differential run takes any
//!   two traps as the same outcome (the refinement semantics observes that
//!   a call traps, not which trap; a pass that turns a trapping
//!   `call_indirect` into `unreachable` changes wasmtime's message only);
//! - `;; check:`, `;; not:`, ... — `filecheck` lines against the output
//!   printed by `wasmprinter` (names follow their entities); a `$` is
//!   literal (WAT names), so filecheck variables are not available.
//!
//! The pass runs through the facade with `--verify=strict`, so the module
//! check (`weft_verify::module_check`) re-establishes every removal and
//! renumbering; the output must validate, and behave like the input under
//! wasmtime (probe calls of every export, instantiation included).

use std::path::{Path, PathBuf};

use weft_tests::project_root;
use weft_tests::wasmtime_harness::{Harness, validate};

struct Case {
    passes: Vec<String>,
    removed: Vec<String>,
    changed: Option<Vec<String>>,
    notes: Vec<String>,
    assume_events: Option<weft_passes::analysis::p3::EventSet>,
    seeds: Vec<i64>,
    checks: Vec<String>,
    trap_kinds: bool,
    bytes: Vec<u8>,
}

/// A list of names, where `nothing` is the empty list.
fn name_list(s: &str) -> Vec<String> {
    let list: Vec<String> = s.split_whitespace().map(str::to_string).collect();
    if list == ["nothing"] { Vec::new() } else { list }
}

fn read(path: &Path) -> Result<Case, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut passes = None;
    let mut removed = None;
    let mut changed = None;
    let mut notes = Vec::new();
    let mut assume_events = None;
    let mut seeds = vec![0, 1, -5];
    let mut checks = Vec::new();
    let mut trap_kinds = true;
    for line in text.lines().map(str::trim).take_while(|l| l.starts_with(";;")) {
        let body = line.trim_start_matches(';').trim();
        if let Some(p) = body.strip_prefix("test module-pass ") {
            passes = Some(p.split(',').map(|p| p.trim().to_string()).collect());
        } else if let Some(r) = body.strip_prefix("removed:") {
            removed = Some(name_list(r));
        } else if let Some(c) = body.strip_prefix("changed:") {
            changed = Some(name_list(c));
        } else if let Some(n) = body.strip_prefix("note:") {
            notes.push(n.trim().to_string());
        } else if let Some(e) = body.strip_prefix("assume-events:") {
            assume_events = Some(e.trim().parse().map_err(|e| format!("bad assume-events: {e}"))?);
        } else if let Some(t) = body.strip_prefix("trap-kinds:") {
            if t.trim() != "ignored" {
                return Err(format!("bad trap-kinds `{}` (only `ignored`)", t.trim()));
            }
            trap_kinds = false;
        } else if let Some(list) = body.strip_prefix("probe-seeds:") {
            seeds = list
                .split_whitespace()
                .map(|x| x.parse().map_err(|e| format!("bad probe seed `{x}`: {e}")))
                .collect::<Result<_, String>>()?;
        } else if ["check:", "not:", "nextln:", "sameln:", "unordered:", "regex:"].iter().any(|d| body.starts_with(d)) {
            // WAT names start with `$`, which filecheck reads as a variable.
            checks.push(body.replace('$', "$$"));
        }
    }
    let bytes = wat::parse_str(&text).map_err(|e| format!("invalid wat: {e}"))?;
    Ok(Case {
        passes: passes.ok_or("no `;; test module-pass NAME` line")?,
        removed: removed.ok_or("no `;; removed:` line")?,
        changed,
        notes,
        assume_events,
        seeds,
        checks,
        trap_kinds,
        bytes,
    })
}

fn run(path: &Path, harness: &Harness) -> Result<(), String> {
    let case = read(path)?;
    let config = weft::Config {
        passes: Some(case.passes.clone()),
        verify: weft::VerifyMode::Strict,
        assume_events: case.assume_events,
        ..weft::Config::default()
    };
    let (mut module, _) = weft_frontend::translate_module(&case.bytes).map_err(|e| e.to_string())?;
    let bodies = |m: &weft_ir::Module| -> Vec<(String, String)> {
        m.funcs
            .iter()
            .filter_map(|f| match &f.body {
                weft_ir::FuncBody::Ir(func) => {
                    Some((format!("fn{}", f.index.as_u32()), weft_ir::write::DisplayFunction(func).to_string()))
                }
                weft_ir::FuncBody::Opaque { .. } => None,
            })
            .collect()
    };
    let before = bodies(&module);
    let manager = weft::manager(&config).map_err(|e| e.to_string())?;
    let report = manager.run_module_with(&mut module, &mut weft_passes::manager::NoHook);
    let removed: Vec<String> = module.edits.removed().map(|e| e.to_string()).collect();
    if let Some(expected) = &case.changed {
        let after = bodies(&module);
        let changed: Vec<String> = before.iter().filter(|b| !after.contains(b)).map(|(name, _)| name.clone()).collect();
        if &changed != expected {
            return Err(format!("changed {changed:?}, expected {expected:?}; events: {:?}", report.events));
        }
    }
    for note in &case.notes {
        if !report.events.iter().any(|e| e.function == "module" && e.message.contains(note.as_str())) {
            return Err(format!("no module note contains `{note}`: {:?}", report.events));
        }
    }
    let out = weft_backend::emit_module(&module).map_err(|e| e.to_string())?;
    if let Some(e) = report.events.iter().find(|e| e.reverted) {
        return Err(format!("{}: {}", e.pass, e.message));
    }
    if removed != case.removed {
        return Err(format!("removed {removed:?}, expected {:?}", case.removed));
    }
    if !removed.is_empty() && !report.events.iter().any(|e| e.message.starts_with("module check: ")) {
        return Err(format!("the module check did not run: {:?}", report.events));
    }
    validate(&out)?;
    let text = wasmprinter::print_bytes(&out).map_err(|e| e.to_string())?;
    if !case.checks.is_empty() {
        let mut builder = filecheck::CheckerBuilder::new();
        for c in &case.checks {
            builder.directive(c).map_err(|e| format!("bad directive `{c}`: {e}"))?;
        }
        let (ok, explain) = builder.finish().explain(&text, filecheck::NO_VARIABLES).map_err(|e| e.to_string())?;
        if !ok {
            return Err(format!("check failed on output:\n{text}\nexplanation:\n{explain}"));
        }
    }
    let calls = harness.probe_calls(&case.bytes, &case.seeds)?;
    let compared = if case.trap_kinds {
        harness.compare(&case.bytes, &out, &calls)
    } else {
        harness.ignoring_trap_kinds().compare(&case.bytes, &out, &calls)
    };
    compared.map_err(|d| format!("behaves differently:\n{d}"))?;
    Ok(())
}

#[test]
fn module_pass_files() {
    let dir = project_root().join("tests").join("modules");
    let mut files: Vec<PathBuf> = Vec::new();
    for pass_dir in std::fs::read_dir(&dir).expect("tests/modules exists").filter_map(|e| e.ok()) {
        for f in std::fs::read_dir(pass_dir.path()).expect("readable").filter_map(|e| e.ok()) {
            if f.path().extension().is_some_and(|x| x == "wat") {
                files.push(f.path());
            }
        }
    }
    files.sort();
    assert!(files.len() >= 10, "expected the module-dce files in {}", dir.display());
    let harness = Harness::new(Some(1_000_000)).expect("engine");
    let failures: Vec<String> =
        files.iter().filter_map(|f| run(f, &harness).err().map(|e| format!("{}: {e}", f.display()))).collect();
    println!("module-pass files: {} passed, {} failed", files.len() - failures.len(), failures.len());
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

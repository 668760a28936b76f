//! Module-pass tests: every `tests/modules/<pass>/*.wat` file.
//!
//! A file is a WAT module whose leading `;;` comments say what it is for
//! and carry directives:
//! - `;; test module-pass NAME<params>` — the pass to run (alone);
//! - `;; removed: fn2 gv1 ...` — exactly the entities it must remove, as
//!   weft prints them (input indices), or `nothing` for a module it must
//!   leave alone;
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
    pass: String,
    removed: Vec<String>,
    checks: Vec<String>,
    bytes: Vec<u8>,
}

fn read(path: &Path) -> Result<Case, String> {
    let text = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
    let mut pass = None;
    let mut removed = None;
    let mut checks = Vec::new();
    for line in text.lines().map(str::trim).take_while(|l| l.starts_with(";;")) {
        let body = line.trim_start_matches(';').trim();
        if let Some(p) = body.strip_prefix("test module-pass ") {
            pass = Some(p.trim().to_string());
        } else if let Some(r) = body.strip_prefix("removed:") {
            let list: Vec<String> = r.split_whitespace().map(str::to_string).collect();
            removed = Some(if list == ["nothing"] { Vec::new() } else { list });
        } else if ["check:", "not:", "nextln:", "sameln:", "unordered:", "regex:"].iter().any(|d| body.starts_with(d)) {
            // WAT names start with `$`, which filecheck reads as a variable.
            checks.push(body.replace('$', "$$"));
        }
    }
    let bytes = wat::parse_str(&text).map_err(|e| format!("invalid wat: {e}"))?;
    Ok(Case {
        pass: pass.ok_or("no `;; test module-pass NAME` line")?,
        removed: removed.ok_or("no `;; removed:` line")?,
        checks,
        bytes,
    })
}

fn run(path: &Path, harness: &Harness) -> Result<(), String> {
    let case = read(path)?;
    let config = weft::Config {
        passes: Some(vec![case.pass.clone()]),
        verify: weft::VerifyMode::Strict,
        ..weft::Config::default()
    };
    let (mut module, _) = weft_frontend::translate_module(&case.bytes).map_err(|e| e.to_string())?;
    let manager = weft::manager(&config).map_err(|e| e.to_string())?;
    let report = manager.run_module_with(&mut module, &mut weft_passes::manager::NoHook);
    let removed: Vec<String> = module.edits.removed().map(|e| e.to_string()).collect();
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
    let calls = harness.probe_calls(&case.bytes, &[0, 1, -5])?;
    harness.compare(&case.bytes, &out, &calls).map_err(|d| format!("behaves differently:\n{d}"))?;
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

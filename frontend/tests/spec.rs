//! Runs the frontend over every module of the WebAssembly spec testsuite
//! (`../shared/testsuite`): valid modules must translate (functions outside
//! the IR opaque) and every translated function must pass the IR verifier;
//! invalid and malformed modules must give an error, never a panic.

use std::path::{Path, PathBuf};
use wast::parser::{self, ParseBuffer};
use wast::{QuoteWat, Wast, WastDirective, Wat};
use weft_frontend::translate_module;
mod common;

use weft_ir::FuncBody;
use weft_ir::verifier::verify_function;

fn testsuite_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/testsuite");
    assert!(
        dir.is_dir(),
        "the spec testsuite is missing: expected it at {} (the project root's ../shared/testsuite)",
        dir.display()
    );
    dir
}

fn wast_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut work = vec![dir.to_path_buf()];
    while let Some(d) = work.pop() {
        for entry in std::fs::read_dir(&d).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                work.push(path);
            } else if path.extension().is_some_and(|e| e == "wast") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[derive(Default, Debug)]
struct Counts {
    valid: usize,
    funcs: usize,
    opaque_funcs: usize,
    modules_with_opaque: usize,
    rejected: usize,
    invalid_accepted: usize,
    not_encodable: usize,
    newer_than_wasmparser: usize,
    reasons: std::collections::BTreeMap<String, usize>,
    components: usize,
    unparsable_files: usize,
}

fn is_component(q: &QuoteWat<'_>) -> bool {
    matches!(q, QuoteWat::QuoteComponent(..) | QuoteWat::Wat(Wat::Component(_)))
}

fn check_valid(name: &str, wasm: &[u8], counts: &mut Counts) {
    // A proposal newer than this wasmparser (custom descriptors, ...) is not
    // the frontend's to judge: count what wasmparser itself rejects.
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    if let Err(e) = validator.validate_all(wasm) {
        println!("{name}: wasmparser rejects it: {e}");
        counts.newer_than_wasmparser += 1;
        return;
    }
    let (module, diags) = translate_module(wasm).unwrap_or_else(|e| panic!("{name}: valid module rejected: {e}"));
    counts.valid += 1;
    let mut opaque = 0;
    for f in &module.funcs {
        counts.funcs += 1;
        match &f.body {
            FuncBody::Ir(func) => {
                if let Err(errors) = verify_function(func) {
                    panic!("{name}: {} fails the verifier:\n{errors:?}\n{}", func.name, func.display());
                }
                let trivial = common::trivial_params(func);
                assert!(
                    trivial.is_empty(),
                    "{name}: {} keeps trivial block parameters {trivial:?}\n{}",
                    func.name,
                    func.display()
                );
            }
            FuncBody::Opaque { .. } => opaque += 1,
        }
    }
    assert_eq!(opaque, diags.len(), "{name}: one diagnostic per opaque function");
    for d in &diags {
        // An operator of the opcode table never makes a function opaque.
        if let Some(op) =
            d.message.strip_suffix("` is not in the opcode table").and_then(|m| m.strip_prefix("operator `"))
        {
            assert!(
                !weft_ir::Opcode::ALL.iter().any(|o| format!("{o:?}") == op),
                "{name}: {op} is in the table but was reported unsupported: {d}"
            );
        }
        let key = d.message.split(" (").next().unwrap_or(&d.message).to_string();
        *counts.reasons.entry(key).or_default() += 1;
    }
    counts.opaque_funcs += opaque;
    counts.modules_with_opaque += usize::from(opaque > 0);
}

#[test]
fn spec_testsuite_modules_translate() {
    let mut counts = Counts::default();
    for path in wast_files(&testsuite_dir()) {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(&path).expect("readable");
        let Ok(buf) = ParseBuffer::new(&text) else {
            counts.unparsable_files += 1;
            continue;
        };
        let Ok(wast) = parser::parse::<Wast<'_>>(&buf) else {
            println!("{name}: not parsable by the wast crate");
            counts.unparsable_files += 1;
            continue;
        };
        for (i, directive) in wast.directives.into_iter().enumerate() {
            let name = format!("{name} (directive {i})");
            match directive {
                WastDirective::Module(mut q) | WastDirective::ModuleDefinition(mut q) => {
                    if is_component(&q) {
                        counts.components += 1;
                        continue;
                    }
                    match q.encode() {
                        Ok(wasm) => check_valid(&name, &wasm, &mut counts),
                        Err(_) => counts.not_encodable += 1,
                    }
                }
                WastDirective::AssertInvalid { module: mut q, .. }
                | WastDirective::AssertMalformed { module: mut q, .. } => {
                    if is_component(&q) {
                        counts.components += 1;
                        continue;
                    }
                    // Must not panic; with every feature enabled a few
                    // "invalid" modules of older proposals are valid.
                    match q.encode() {
                        Ok(wasm) => match translate_module(&wasm) {
                            Ok(_) => counts.invalid_accepted += 1,
                            Err(e) => {
                                assert!(!e.message.is_empty(), "{name}: empty error message");
                                counts.rejected += 1;
                            }
                        },
                        Err(_) => counts.not_encodable += 1,
                    }
                }
                _ => {}
            }
        }
    }
    let mut reasons: Vec<(&String, &usize)> = counts.reasons.iter().collect();
    reasons.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    for (reason, n) in reasons.iter().take(15) {
        println!("{n:6} opaque: {reason}");
    }
    counts.reasons.clear();
    println!("{counts:#?}");
    assert!(counts.valid > 1000, "too few modules translated: {counts:?}");
    assert!(counts.rejected > 500, "too few invalid modules rejected: {counts:?}");
}

//! Translates every module of the shared corpus: the hand-written P3 WAT
//! modules, the core modules inside the jco P3 components, and the
//! sightglass programs. Every function must translate (or be reported
//! opaque) and every translated function must pass the IR verifier.

use std::path::{Path, PathBuf};
use weft_frontend::{core_module_ranges, parse_wat_or_wasm, translate_module};
mod common;

use weft_ir::FuncBody;
use weft_ir::verifier::verify_function;

/// `../shared/corpus` relative to the project root.
fn corpus_dir() -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let dir = root.join("../shared/corpus");
    assert!(
        dir.is_dir(),
        "the shared corpus is missing: expected it at {} (the project root's ../shared/corpus)",
        dir.display()
    );
    dir
}

/// Every file under `dir` (recursively) with extension `ext`, sorted.
fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut work = vec![dir.to_path_buf()];
    while let Some(d) = work.pop() {
        for entry in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("reading {}: {e}", d.display())) {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                work.push(path);
            } else if path.extension().is_some_and(|e| e == ext) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[derive(Default)]
struct Counts {
    modules: usize,
    funcs: usize,
    opaque: usize,
    insts: usize,
    bytes: usize,
    translate_time: std::time::Duration,
}

/// Translates one core module, verifies every IR function, and adds to the
/// counts. Panics with the module's name on any error.
fn check_module(name: &str, wasm: &[u8], counts: &mut Counts) {
    let start = std::time::Instant::now();
    let (module, diags) = translate_module(wasm).unwrap_or_else(|e| panic!("{name}: {e}"));
    counts.translate_time += start.elapsed();
    counts.bytes += wasm.len();
    counts.modules += 1;
    let mut opaque = 0;
    for f in &module.funcs {
        counts.funcs += 1;
        match &f.body {
            FuncBody::Ir(func) => {
                counts.insts += func.num_layout_insts();
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
            FuncBody::Opaque { reason } => {
                opaque += 1;
                println!("  {name}: {} opaque: {reason}", f.index);
            }
        }
    }
    assert_eq!(opaque, diags.len(), "{name}: one diagnostic per opaque function");
    counts.opaque += opaque;
}

fn report(what: &str, counts: &Counts) {
    println!(
        "{what}: {} modules, {} functions, {} opaque, {} instructions; {} bytes translated in {:?}",
        counts.modules, counts.funcs, counts.opaque, counts.insts, counts.bytes, counts.translate_time
    );
}

#[test]
fn p3_wat_modules_translate() {
    let mut counts = Counts::default();
    let paths = files(&corpus_dir().join("p3"), "wat");
    assert!(!paths.is_empty(), "no .wat files in the p3 corpus");
    for path in paths {
        let text = std::fs::read(&path).expect("readable");
        let wasm = parse_wat_or_wasm(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        check_module(&path.display().to_string(), &wasm, &mut counts);
    }
    report("p3", &counts);
    assert_eq!(counts.opaque, 0, "the P3 corpus uses only modeled features");
}

#[test]
fn jco_p3_core_modules_translate() {
    let mut counts = Counts::default();
    let paths = files(&corpus_dir().join("jco-p3"), "wasm");
    assert!(!paths.is_empty(), "no components in the jco-p3 corpus");
    for path in &paths {
        let bytes = std::fs::read(path).expect("readable");
        let ranges = core_module_ranges(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(!ranges.is_empty(), "{}: no core modules", path.display());
        for (i, range) in ranges.into_iter().enumerate() {
            check_module(&format!("{}#{i}", path.display()), &bytes[range], &mut counts);
        }
    }
    report("jco-p3", &counts);
}

#[test]
fn sightglass_modules_translate() {
    let mut counts = Counts::default();
    let paths = files(&corpus_dir().join("sightglass"), "wasm");
    assert!(!paths.is_empty(), "no sightglass programs");
    for path in &paths {
        let bytes = std::fs::read(path).expect("readable");
        check_module(&path.display().to_string(), &bytes, &mut counts);
    }
    report("sightglass", &counts);
}

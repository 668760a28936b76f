mod common;
use std::path::{Path, PathBuf};
use weft_frontend::{core_module_ranges, parse_wat_or_wasm, translate_module};

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut work = vec![dir.to_path_buf()];
    while let Some(d) = work.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() { work.push(path); } else if path.extension().is_some_and(|e| e == ext) { out.push(path); }
        }
    }
    out.sort();
    out
}

fn one(name: &str, wasm: &[u8], tot: &mut (usize, usize)) {
    let (module, _d) = translate_module(wasm).unwrap_or_else(|e| panic!("{name}: {e}"));
    let t0 = std::time::Instant::now();
    let out = match weft_backend::emit_module(&module) {
        Ok(o) => o,
        Err(e) => { println!("{name}: ERROR {e}"); return; }
    };
    let a = common::code_section_size(wasm);
    let b = common::code_section_size(&out);
    tot.0 += a; tot.1 += b;
    println!("{name}: code {a} -> {b} ({:.3}) in {:?}", b as f64 / a.max(1) as f64, t0.elapsed());
}

#[test]
fn corpus() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    let mut tot = (0, 0);
    for p in files(&root.join("p3"), "wat") {
        let wasm = parse_wat_or_wasm(&std::fs::read(&p).unwrap()).unwrap();
        one(&p.display().to_string(), &wasm, &mut tot);
    }
    for p in files(&root.join("sightglass"), "wasm") {
        one(&p.display().to_string(), &std::fs::read(&p).unwrap(), &mut tot);
    }
    for p in files(&root.join("jco-p3"), "wasm").iter().take(8) {
        let bytes = std::fs::read(p).unwrap();
        for (i, r) in core_module_ranges(&bytes).unwrap().into_iter().enumerate() {
            one(&format!("{}#{i}", p.display()), &bytes[r], &mut tot);
        }
    }
    println!("TOTAL {} -> {} ({:.3})", tot.0, tot.1, tot.1 as f64 / tot.0 as f64);
}

//! Corpus round trips through weft (frontend then backend):
//! - every `../shared/corpus/p3/*.wat` module round-trips, validates under
//!   weft's features, keeps its imports and exports, and behaves like the
//!   original under wasmtime (probe calls of every export, the zero mock
//!   host, fuel-bounded; see `weft_tests::wasmtime_harness`);
//! - every core module nested in the `../shared/corpus/jco-p3/**/*.wasm`
//!   components round-trips, validates and keeps its imports and exports;
//! - the code-section size ratio (transformed / original) over the
//!   sightglass and jco-p3 modules is printed, not asserted.

use std::ops::Range;

use wasmparser::{Parser, Payload};
use weft_tests::sightglass::code_section_size;
use weft_tests::wasmtime_harness::{Harness, WeftRoundtrip, apply_transform, validate};
use weft_tests::{files_with_ext, shared_dir};

/// Byte ranges of every core module nested (at any depth) in a component.
fn core_modules(bytes: &[u8]) -> Result<Vec<Range<usize>>, String> {
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload {
            Ok(Payload::ModuleSection { unchecked_range: r, .. }) => out.push(r.start as usize..r.end as usize),
            Ok(_) => {}
            Err(e) => return Err(format!("at offset {:#x}: {}", e.offset(), e.message())),
        }
    }
    Ok(out)
}

/// The imports and exports of a core module, as comparable text.
fn interface(bytes: &[u8]) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| e.message().to_string())? {
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let i = import.map_err(|e| e.message().to_string())?;
                    out.push(format!("import {}.{}: {:?}", i.module, i.name, i.ty));
                }
            }
            Payload::ExportSection(reader) => {
                for export in reader {
                    let e = export.map_err(|e| e.message().to_string())?;
                    out.push(format!("export {}: {:?} {}", e.name, e.kind, e.index));
                }
            }
            _ => {}
        }
    }
    Ok(out)
}

/// Round-trips one core module: transform, validate, same interface.
fn roundtrip_one(roundtrip: &WeftRoundtrip, what: &str, bytes: &[u8]) -> Result<Vec<u8>, String> {
    let out =
        apply_transform(&|b: &[u8]| roundtrip.apply(b), bytes).map_err(|e| format!("{what}: transform failed: {e}"))?;
    validate(&out).map_err(|e| format!("{what}: transformed module does not validate: {e}"))?;
    let (a, b) = (interface(bytes)?, interface(&out)?);
    if a != b {
        let first = a.iter().zip(&b).position(|(x, y)| x != y).unwrap_or(a.len().min(b.len()));
        return Err(format!(
            "{what}: imports/exports changed at entry {first}: {:?} vs {:?}",
            a.get(first),
            b.get(first)
        ));
    }
    Ok(out)
}

#[test]
fn p3_modules_roundtrip_and_agree() {
    let files = files_with_ext(&shared_dir().join("corpus").join("p3"), "wat", false);
    assert!(files.len() >= 14, "expected the p3 corpus, found {} files", files.len());
    let roundtrip = WeftRoundtrip::new();
    let harness = Harness::new(Some(10_000_000)).unwrap_or_else(|e| panic!("{e}"));
    let mut failures = Vec::new();
    let mut calls_compared = 0;
    for path in &files {
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let original = wat::parse_file(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        validate(&original).unwrap_or_else(|e| panic!("{name}: the corpus module is outside weft's feature set: {e}"));
        let started = std::time::Instant::now();
        let transformed = roundtrip_one(&roundtrip, &name, &original);
        let transform_secs = started.elapsed().as_secs_f64();
        let transformed = match transformed {
            Ok(t) => t,
            Err(e) => {
                failures.push(e);
                continue;
            }
        };
        let calls = harness.probe_calls(&original, &[0, 1, 7, 12345, -1]).unwrap_or_else(|e| panic!("{name}: {e}"));
        match harness.compare(&original, &transformed, &calls) {
            Ok((_, diff)) => {
                calls_compared += diff.calls_compared;
                println!(
                    "{name}: transform {transform_secs:.2}s, {} calls agree{}",
                    diff.calls_compared,
                    diff.inconclusive.map_or(String::new(), |n| format!(" (then inconclusive: {n})"))
                );
            }
            Err(diff) => failures.push(format!("{name}: transformed behaves differently:\n{diff}")),
        }
    }
    println!(
        "p3: {} modules, {} failed, {calls_compared} calls compared, {} functions ({} opaque)",
        files.len(),
        failures.len(),
        roundtrip.functions(),
        roundtrip.opaque_functions()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn jco_components_and_sightglass_roundtrip() {
    let roundtrip = WeftRoundtrip::new();
    let mut failures = Vec::new();
    let mut out_of_set = Vec::new();
    let mut sizes = [(0usize, 0usize); 2];
    let components = files_with_ext(&shared_dir().join("corpus").join("jco-p3"), "wasm", true);
    assert!(components.len() >= 46, "expected the 46 jco-p3 components, found {}", components.len());
    let mut modules = 0;
    for path in &components {
        let name = path.strip_prefix(shared_dir()).unwrap_or(path).display().to_string();
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let ranges = core_modules(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert!(!ranges.is_empty(), "{name}: no core module found");
        for (i, range) in ranges.into_iter().enumerate() {
            let module = &bytes[range.clone()];
            let what = format!("{name} core module #{i} (bytes {:#x}..{:#x})", range.start, range.end);
            modules += 1;
            if let Err(e) = validate(module) {
                out_of_set.push(format!("{what}: {e}"));
                continue;
            }
            match roundtrip_one(&roundtrip, &what, module) {
                Ok(out) => {
                    sizes[0].0 += code_section_size(module);
                    sizes[0].1 += code_section_size(&out);
                }
                Err(e) => failures.push(e),
            }
        }
    }
    let sightglass = files_with_ext(&shared_dir().join("corpus").join("sightglass"), "wasm", true);
    for path in &sightglass {
        let name = path.strip_prefix(shared_dir()).unwrap_or(path).display().to_string();
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{name}: {e}"));
        match roundtrip_one(&roundtrip, &name, &bytes) {
            Ok(out) => {
                sizes[1].0 += code_section_size(&bytes);
                sizes[1].1 += code_section_size(&out);
            }
            Err(e) => failures.push(e),
        }
    }
    for o in &out_of_set {
        println!("out of set: {o}");
    }
    let ratio = |(a, b): (usize, usize)| b as f64 / a.max(1) as f64;
    println!(
        "jco-p3: {} components, {modules} core modules ({} out of set), code sections {} -> {} bytes (ratio {:.3})",
        components.len(),
        out_of_set.len(),
        sizes[0].0,
        sizes[0].1,
        ratio(sizes[0])
    );
    println!(
        "sightglass: {} modules, code sections {} -> {} bytes (ratio {:.3})",
        sightglass.len(),
        sizes[1].0,
        sizes[1].1,
        ratio(sizes[1])
    );
    let total = (sizes[0].0 + sizes[1].0, sizes[0].1 + sizes[1].1);
    println!(
        "code-section size ratio over sightglass + jco-p3: {:.3} ({} -> {} bytes); {} functions ({} opaque); {} failures",
        ratio(total),
        total.0,
        total.1,
        roundtrip.functions(),
        roundtrip.opaque_functions(),
        failures.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

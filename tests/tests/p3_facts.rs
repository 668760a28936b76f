//! The P3 fact model (`weft_passes::p3`) on the P3 corpus: for every module
//! of `../shared/corpus/p3/README.md`'s table that names its live events,
//! the events derived from the module's imports are exactly that set, and
//! its callbacks are recognised with the callback signature; on every core
//! module of the jco P3 components, every callback export is recognised
//! and none is declined. Hand-written modules cover what the corpus does
//! not: a callback with a wrong signature, the async-lower and future
//! intrinsics, an assumption replacing the derived set.

use std::collections::BTreeMap;

use weft_passes::analysis::p3::{EventSet, EventSource, P3Facts};

fn facts_of_wat(text: &str, assumed: Option<EventSet>) -> P3Facts {
    let bytes = weft_frontend::parse_wat_or_wasm(text.as_bytes()).expect("valid wat");
    let (module, _) = weft_frontend::translate_module(&bytes).expect("translates");
    P3Facts::of(&module, assumed)
}

/// The `Live events` column of the corpus README's table: file → codes.
fn readme_live_events(readme: &str) -> BTreeMap<String, Vec<u32>> {
    let mut header: Option<usize> = None;
    let mut out = BTreeMap::new();
    for line in readme.lines().filter(|l| l.trim_start().starts_with('|')) {
        let cells: Vec<&str> = line.trim().trim_matches('|').split('|').map(str::trim).collect();
        if let Some(i) = cells.iter().position(|c| *c == "Live events") {
            header = Some(i);
            continue;
        }
        let (Some(col), Some(file)) = (header, cells.first()) else { continue };
        let file = file.trim_matches('`');
        let Some(set) = cells.get(col).and_then(|c| c.strip_prefix('{')).and_then(|c| c.strip_suffix('}')) else {
            continue;
        };
        let codes: Option<Vec<u32>> = set.split(',').map(|c| c.trim().parse().ok()).collect();
        if let (true, Some(codes)) = (file.ends_with(".wat"), codes) {
            out.insert(file.to_string(), codes);
        }
    }
    out
}

#[test]
fn derived_events_match_the_corpus_readme() {
    let dir = weft_tests::shared_dir().join("corpus").join("p3");
    let readme = std::fs::read_to_string(dir.join("README.md"))
        .unwrap_or_else(|e| panic!("{}: {e} (the shared corpus is missing)", dir.display()));
    let table = readme_live_events(&readme);
    assert!(table.len() >= 5, "only {} modules with live events in the README table", table.len());
    let mut lines = Vec::new();
    for (file, codes) in &table {
        let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let facts = facts_of_wat(&text, None);
        assert!(facts.has_callbacks(), "{file}: no callback export recognised");
        for cb in &facts.callbacks {
            assert_eq!(cb.declined, None, "{file}: {}", cb.export);
        }
        assert_eq!(facts.derived.codes(), *codes, "{file}: derived {} vs the README's {codes:?}", facts.derived);
        assert_eq!(facts.source, EventSource::Derived);
        lines.push(format!("{file}: {}", facts.derived));
    }
    eprintln!("{}", lines.join("\n"));
}

#[test]
fn every_jco_p3_callback_is_recognised() {
    let root = weft_tests::shared_dir().join("corpus").join("jco-p3");
    assert!(root.is_dir(), "{}: missing (the shared corpus)", root.display());
    let files = weft_tests::files_with_ext(&root, "wasm", true);
    let (mut modules, mut callbacks) = (0, 0);
    for path in &files {
        let bytes = std::fs::read(path).unwrap();
        let ranges = weft_frontend::core_module_ranges(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        for range in ranges {
            let (module, _) = weft_frontend::translate_module(&bytes[range]).unwrap();
            let facts = P3Facts::of(&module, None);
            let exported = module.exports.iter().filter(|e| e.name.starts_with("[callback][async-lift]")).count();
            assert_eq!(facts.callbacks.len(), exported, "{}", path.display());
            for cb in &facts.callbacks {
                assert_eq!(cb.declined, None, "{}: {}", path.display(), cb.export);
            }
            modules += 1;
            callbacks += facts.callbacks.len();
        }
    }
    assert!(callbacks > 0, "no callback in {modules} core modules of {} components", files.len());
    eprintln!("{} components, {modules} core modules, {callbacks} callbacks", files.len());
}

#[test]
fn hand_written_imports_signatures_and_assumptions() {
    let wat = r#"(module
        (import "$root" "[async-lower]fetch" (func (param i32) (result i32)))
        (import "wasi:io" "[future-read-3]get$2" (func (param i32 i32) (result i32)))
        (import "$root" "[future-write-0]put" (func (param i32 i32) (result i32)))
        (import "$root" "[stream-new-0]" (func (result i64)))
        (func (export "[callback][async-lift]a#f") (param i32 i32 i32) (result i32) i32.const 0)
        (func (export "[callback][async-lift]a#g") (param i32 i32) (result i32) i32.const 0))"#;
    let facts = facts_of_wat(wat, None);
    assert_eq!(facts.derived.codes(), vec![0, 1, 4, 5, 6]);
    assert_eq!(facts.events, facts.derived);
    assert_eq!(facts.callbacks.len(), 2);
    assert_eq!(facts.callbacks[0].declined, None);
    let why = facts.callbacks[1].declined.as_deref().expect("a two-parameter callback is declined");
    assert!(why.contains("is not (i32, i32, i32) -> i32"), "{why}");
    let lines = facts.lines().join("\n");
    assert!(lines.contains("subtask via $root::[async-lower]fetch"), "{lines}");
    assert!(lines.contains("future-read via wasi:io::[future-read-3]get$2"), "{lines}");

    let assumed: EventSet = "stream-read,6".parse().unwrap();
    let facts = facts_of_wat(wat, Some(assumed));
    assert_eq!(facts.events.codes(), vec![2, 6]);
    assert_eq!(facts.derived.codes(), vec![0, 1, 4, 5, 6]);
    assert_eq!(facts.source, EventSource::Assumed);

    let none = facts_of_wat("(module (func (export \"run\")))", None);
    assert!(!none.has_callbacks());
    assert_eq!(none.derived.codes(), vec![0, 6]);
}

//! The P3 corpus under the mock host (`weft_tests::p3host`):
//! - every row of `../shared/corpus/p3/expected.tsv` is reproduced, column
//!   by column, by the ORIGINAL module (compiled from its WAT): this proves
//!   the mock host implements the README's contract;
//! - every module after weft's round trip (frontend then backend, no
//!   passes) and after `-O2` (`weft::optimize` with the default config)
//!   behaves IDENTICALLY to the original on every row and on `test(seed)`
//!   for a few more seeds: result or trap, the mock's log (task-return
//!   calls, drops, joins), bytes written per end, backpressure counter, the
//!   full host-call trace and the hash of exported memory;
//! - `stream_map_i32` `test-raw(1025)` traps after writing `out[0..1023]`
//!   (bytes 8192..12287 hash to `0x91dd12be`) in every variant.
//!
//! Modules are compiled once per test binary and the original outcomes are
//! computed once; cases run on a 2-thread pool with big stacks.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::OnceLock;

use rayon::prelude::*;
use wasmtime::{Engine, Module};
use weft_tests::p3host::{ExpectedRow, Outcome, call_text, parse_expected, run_case};
use weft_tests::shared_dir;
use weft_tests::wasmtime_harness::{Limits, engine};

/// Seeds run on `test` in addition to the rows of `expected.tsv`.
const EXTRA_SEEDS: [u32; 4] = [2, 3, 99, 4096];

/// Fuel per step (instantiate, `_initialize`, call): at least four times
/// what the costliest original case uses in all its steps (checked; about
/// 0.8 M today), so only a transformed module that loops or got much slower
/// runs out, and it does so quickly.
const FUEL: u64 = 20_000_000;

/// One compiled variant of a module.
type Compiled = Result<Module, String>;

/// One corpus module, its variants and its cases.
struct CorpusModule {
    stem: String,
    original: Module,
    roundtrip: Compiled,
    o2: Compiled,
    /// (export, args): the expected rows first (in file order), then the
    /// extra `test` seeds that no row covers.
    cases: Vec<(String, Vec<u32>)>,
    /// The original's outcome for each case.
    original_outcomes: Vec<Result<Outcome, String>>,
}

struct Corpus {
    engine: Engine,
    rows: Vec<ExpectedRow>,
    wat_stems: Vec<String>,
    modules: Vec<CorpusModule>,
}

fn p3_dir() -> PathBuf {
    shared_dir().join("corpus").join("p3")
}

fn pool() -> &'static rayon::ThreadPool {
    static POOL: OnceLock<rayon::ThreadPool> = OnceLock::new();
    POOL.get_or_init(|| {
        rayon::ThreadPoolBuilder::new().num_threads(2).stack_size(32 << 20).build().expect("cannot build a thread pool")
    })
}

/// weft's round trip: frontend then backend, no passes.
fn roundtrip(bytes: &[u8]) -> Result<Vec<u8>, String> {
    let (module, _) = weft_frontend::translate_module(bytes).map_err(|e| format!("frontend: {e}"))?;
    weft_backend::emit_module(&module).map_err(|e| format!("backend: {e}"))
}

/// `-O2` through the library facade.
fn optimize(bytes: &[u8]) -> Result<Vec<u8>, String> {
    weft::optimize(bytes, &weft::Config::default()).map(|(out, _)| out).map_err(|e| format!("weft -O2: {e}"))
}

/// Transforms and compiles; a panic in weft is an error that says so.
fn compile_variant(engine: &Engine, bytes: &[u8], transform: fn(&[u8]) -> Result<Vec<u8>, String>) -> Compiled {
    let out = std::panic::catch_unwind(|| transform(bytes))
        .map_err(|p| format!("PANIC: {}", weft_tests::wasmtime_harness::panic_message(p.as_ref())))??;
    Module::new(engine, &out).map_err(|e| format!("output does not compile: {e:#}"))
}

fn corpus() -> &'static Corpus {
    static CORPUS: OnceLock<Corpus> = OnceLock::new();
    CORPUS.get_or_init(|| {
        let dir = p3_dir();
        let engine = engine(Limits::Fuel).expect("engine");
        let text = std::fs::read_to_string(dir.join("expected.tsv")).expect("read expected.tsv");
        let rows = parse_expected(&text).unwrap_or_else(|e| panic!("expected.tsv: {e}"));
        let mut wat_stems: Vec<String> = std::fs::read_dir(&dir)
            .expect("read corpus/p3")
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.extension().is_some_and(|x| x == "wat"))
            .map(|p| p.file_stem().expect("stem").to_string_lossy().into_owned())
            .collect();
        wat_stems.sort();
        let modules = pool().install(|| {
            wat_stems
                .par_iter()
                .map(|stem| {
                    let path = dir.join(format!("{stem}.wat"));
                    let bytes = wat::parse_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                    let original = Module::new(&engine, &bytes).unwrap_or_else(|e| panic!("{stem}: {e:#}"));
                    let roundtrip = compile_variant(&engine, &bytes, roundtrip);
                    let o2 = compile_variant(&engine, &bytes, optimize);
                    let mut cases: Vec<(String, Vec<u32>)> =
                        rows.iter().filter(|r| r.module == *stem).map(|r| (r.export.clone(), r.args.clone())).collect();
                    for seed in EXTRA_SEEDS {
                        let case = ("test".to_string(), vec![seed]);
                        if !cases.contains(&case) {
                            cases.push(case);
                        }
                    }
                    let original_outcomes =
                        cases.par_iter().map(|(e, a)| run_case(&engine, &original, e, a, Some(FUEL))).collect();
                    CorpusModule { stem: stem.clone(), original, roundtrip, o2, cases, original_outcomes }
                })
                .collect()
        });
        Corpus { engine, rows, wat_stems, modules }
    })
}

/// Every row of `expected.tsv` names a corpus module and every module has
/// rows; the original module reproduces every column of every row.
#[test]
fn original_modules_reproduce_expected_tsv() {
    let c = corpus();
    let row_modules: BTreeSet<&str> = c.rows.iter().map(|r| r.module.as_str()).collect();
    let wat: BTreeSet<&str> = c.wat_stems.iter().map(String::as_str).collect();
    assert_eq!(row_modules, wat, "expected.tsv modules vs corpus/p3/*.wat");
    assert!(c.rows.len() >= 80, "only {} rows in expected.tsv", c.rows.len());
    let mut failures = Vec::new();
    for row in &c.rows {
        let m = c.modules.iter().find(|m| m.stem == row.module).expect("module of row");
        let i = m.cases.iter().position(|(e, a)| *e == row.export && *a == row.args).expect("case of row");
        match &m.original_outcomes[i] {
            Err(e) => failures.push(format!("line {}: {} {}: cannot run: {e}", row.line, row.module, row.call())),
            Ok(out) => {
                if let Some(d) = row.mismatch(out) {
                    failures.push(format!("line {}: {} {}: {d}", row.line, row.module, row.call()));
                }
            }
        }
    }
    println!(
        "expected.tsv: {} rows, {} reproduced by the original modules",
        c.rows.len(),
        c.rows.len() - failures.len()
    );
    assert!(failures.is_empty(), "{} rows not reproduced:\n{}", failures.len(), failures.join("\n"));
}

/// The cases of `m` on `variant` vs the original: (identical, failures).
fn compare(c: &Corpus, m: &CorpusModule, name: &str, variant: &Compiled) -> (usize, Vec<String>) {
    let module = match variant {
        Ok(module) => module,
        Err(e) => return (0, vec![format!("{} [{name}]: no module: {e}", m.stem)]),
    };
    let outcomes: Vec<Result<Outcome, String>> =
        m.cases.par_iter().map(|(e, a)| run_case(&c.engine, module, e, a, Some(FUEL))).collect();
    let mut identical = 0;
    let mut failures = Vec::new();
    for (((export, args), original), got) in m.cases.iter().zip(&m.original_outcomes).zip(&outcomes) {
        let what = format!("{} [{name}] {}", m.stem, call_text(export, args));
        match (original, got) {
            (Err(e), _) => failures.push(format!("{what}: the original cannot run: {e}")),
            (Ok(_), Err(e)) => failures.push(format!("{what}: cannot run: {e}")),
            (Ok(a), Ok(b)) => match a.first_difference(b) {
                None => identical += 1,
                Some(d) => failures.push(format!("{what}: original vs {name}: {d}")),
            },
        }
    }
    (identical, failures)
}

/// The round trip and `-O2` behave identically to the original on every
/// case of every module.
#[test]
fn roundtrip_and_o2_match_the_original() {
    let c = corpus();
    // Per module: (identical, failures) for the round trip, then for -O2.
    type Comparison = (usize, Vec<String>);
    let results: Vec<(Comparison, Comparison)> = pool().install(|| {
        c.modules.iter().map(|m| (compare(c, m, "roundtrip", &m.roundtrip), compare(c, m, "-O2", &m.o2))).collect()
    });
    println!("{:<24} {:>6} {:>10} {:>10}", "module", "cases", "roundtrip", "-O2");
    let mut failures = Vec::new();
    let (mut total, mut total_rt, mut total_o2) = (0, 0, 0);
    for (m, ((rt_ok, rt_fail), (o2_ok, o2_fail))) in c.modules.iter().zip(results) {
        println!("{:<24} {:>6} {:>10} {:>10}", m.stem, m.cases.len(), rt_ok, o2_ok);
        total += m.cases.len();
        total_rt += rt_ok;
        total_o2 += o2_ok;
        failures.extend(rt_fail);
        failures.extend(o2_fail);
    }
    println!("{:<24} {:>6} {:>10} {:>10}", "total", total, total_rt, total_o2);
    let max_fuel = c
        .modules
        .iter()
        .flat_map(|m| m.original_outcomes.iter().flatten())
        .map(|o| o.fuel_used.expect("run with fuel"))
        .max()
        .unwrap_or(0);
    println!("most fuel used by an original case: {max_fuel} (budget {FUEL} per step)");
    assert!(max_fuel <= FUEL / 4, "an original case used {max_fuel} fuel: raise FUEL ({FUEL})");
    assert!(total >= c.rows.len() + c.modules.len(), "only {total} cases");
    assert!(failures.is_empty(), "{} differences:\n{}", failures.len(), failures.join("\n"));
}

/// `stream_map_i32` `test-raw(1025)` traps after writing `out[0..1023]`,
/// in every variant: the bytes 8192..12287 are those `test-raw(1024)`
/// leaves (FNV-1a-32 `0x91dd12be`).
#[test]
fn stream_map_i32_trap_keeps_the_written_prefix() {
    const REGION: std::ops::Range<usize> = 8192..12288;
    const WANT: u32 = 0x91dd_12be;
    let c = corpus();
    let m = c.modules.iter().find(|m| m.stem == "stream_map_i32").expect("stream_map_i32 in the corpus");
    let full = run_case(&c.engine, &m.original, "test-raw", &[1024], Some(FUEL)).expect("run test-raw(1024)");
    assert!(full.result.is_ok(), "test-raw(1024) trapped: {:?}", full.result);
    assert_eq!(full.memory_fnv1a32(REGION), Some(WANT), "test-raw(1024) region hash");
    for (name, variant) in
        [("original", Ok(m.original.clone())), ("roundtrip", m.roundtrip.clone()), ("-O2", m.o2.clone())]
    {
        let module = variant.unwrap_or_else(|e| panic!("stream_map_i32 [{name}]: no module: {e}"));
        let out = run_case(&c.engine, &module, "test-raw", &[1025], Some(FUEL)).expect("run test-raw(1025)");
        assert!(out.result.is_err(), "stream_map_i32 [{name}] test-raw(0x401) did not trap: {:?}", out.result);
        let got = out.memory_fnv1a32(REGION);
        assert_eq!(
            got,
            Some(WANT),
            "stream_map_i32 [{name}] test-raw(0x401): bytes 8192..12287 hash {got:#x?}, expected {WANT:#010x}"
        );
        assert_eq!(
            out.memory[REGION], full.memory[REGION],
            "stream_map_i32 [{name}]: region differs from test-raw(1024)"
        );
    }
}

//! The whole markdown report rendered from fixed, synthetic inputs and
//! compared byte for byte with `tests/report/*.md`: one run where every
//! section of `weft_bench::report` has measurements (wasm-opt present, a
//! cached and a failed corpus entry, a failed variant, a reverted pass, the
//! density sweep) and one where everything optional is missing (`Err`,
//! checksum mismatches, a distribution not timed).
//!
//! The expected files hold what `report::render` writes; the numbers in
//! them are made up. After an intended change of the report's text, rerun
//! with `WEFT_BLESS=1` to rewrite them, and read the diff.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use weft_bench::corpus::{self, Entry, Outcome, Sizes};
use weft_bench::density::{self, Point};
use weft_bench::dispatch::{self, CaseResult, Kind, Stats, VariantResult};
use weft_bench::machine::Machine;
use weft_bench::modules::{Dist, Layout, Shape};
use weft_bench::report::{self, Inputs};
use weft_bench::variants::{Lowering, WasmOpt};
use weft_bench::wasm::OpCounts;

const SIZES: [u32; 5] = [2, 4, 16, 24, 64];
const SHAPES: [Shape; 4] = [Shape::SeqIf, Shape::ElseIf, Shape::BrIf, Shape::BrTable];

fn stats(median: f64) -> Stats {
    Stats { median, min: median * 0.97, max: median * 1.06 }
}

/// One dense dispatch variant: its time per distribution from the
/// dispatch part `cost` over the baseline `base` (skewed codes shrink a
/// chain's part, not a table's), byte-identical outputs sharing a
/// fingerprint and differing by a small deterministic jitter.
fn variant(kind: Kind, n: u32, fingerprint: u64, base: f64, cost: f64, table: bool) -> VariantResult {
    let rank = match kind {
        Kind::Baseline => 0,
        Kind::JumpFloor => 1,
        Kind::Original => 2,
        Kind::Weft(l) => 3 + Lowering::ALL.iter().position(|&x| x == l).unwrap_or(0) as u32,
        Kind::WasmOpt => 8,
    };
    let jitter = 1.0 + 0.015 * f64::from((n + rank) % 4);
    let mut ns = BTreeMap::new();
    ns.insert(Dist::Uniform, stats((base + cost) * jitter));
    let skew = if table { 0.9 } else { 0.2 };
    ns.insert(Dist::Skewed, stats((base + cost * skew) * jitter));
    VariantResult {
        kind,
        code_bytes: 900 + fingerprint as usize * 10 + n as usize,
        ops: OpCounts { br_table: usize::from(table), cond_branches: if table { 2 } else { n as usize + 2 } },
        fingerprint,
        ns,
        error: None,
        events: Vec::new(),
    }
}

fn case(n: u32, shape: Shape, wasm_opt: bool) -> CaseResult {
    let base = 5.0 + f64::from(n) * 0.05;
    let nf = f64::from(n);
    let original = match shape {
        Shape::SeqIf => 0.9 * nf,
        Shape::ElseIf => 0.45 * nf,
        Shape::BrIf => 0.4 * nf + 0.3,
        Shape::BrTable => 3.0,
    };
    let compares = if shape == Shape::SeqIf { 0.45 * nf + 0.2 } else { original };
    let (compares_fp, table_fp) = if shape == Shape::SeqIf { (12, 10) } else { (1, 10) };
    let search = 1.2 * nf.log2() + 0.5;
    let is_table = shape == Shape::BrTable;
    let mut variants = vec![variant(Kind::Baseline, n, 100, base, 0.0, false)];
    if shape == Shape::SeqIf {
        variants.push(variant(Kind::JumpFloor, n, 101, base, 2.8, true));
    }
    variants.push(variant(Kind::Original, n, 1, base, original, is_table));
    let (o2_fp, o2_cost, o2_table) =
        if n >= 20 || is_table { (table_fp, 3.1, true) } else { (compares_fp, compares, false) };
    variants.push(variant(Kind::Weft(Lowering::CostModel), n, o2_fp, base, o2_cost, o2_table));
    variants.push(variant(Kind::Weft(Lowering::Table), n, table_fp, base, 3.1, true));
    variants.push(variant(Kind::Weft(Lowering::Search), n, 11, base, search, is_table));
    variants.push(variant(Kind::Weft(Lowering::Compares), n, compares_fp, base, compares, is_table));
    variants.push(variant(Kind::Weft(Lowering::Chain), n, 1, base, original, is_table));
    if wasm_opt {
        variants.push(variant(Kind::WasmOpt, n, 20, base, original * 0.8, is_table || n >= 16));
    }
    CaseResult { n, shape, variants }
}

fn dispatch_results() -> dispatch::Results {
    let mut cases = Vec::new();
    for n in SIZES {
        for shape in SHAPES {
            cases.push(case(n, shape, n != 2));
        }
    }
    // A variant that failed to run, and a reverted pass.
    for c in &mut cases {
        for v in &mut c.variants {
            if c.n == 16 && c.shape == Shape::BrIf && v.kind == Kind::Weft(Lowering::Search) {
                v.error = Some("wasmtime: unreachable | trap".into());
                v.ns.clear();
                v.code_bytes = 0;
            }
            if c.n == 4 && c.shape == Shape::ElseIf && v.kind == Kind::Weft(Lowering::CostModel) {
                v.events.push("gvn: invalid IR, reverted".into());
            }
        }
    }
    dispatch::Results {
        cases,
        iterations: SIZES.iter().map(|&n| (n, 20_000 / n)).collect(),
        reps: SIZES.iter().map(|&n| (n, if n == 2 || n == 24 { 5 } else { 9 })).collect(),
        mismatches: Vec::new(),
        elapsed: Duration::from_millis(41_250),
        timed_wall: Duration::from_millis(30_000),
        timed_cpu: Duration::from_millis(24_000),
    }
}

/// A strided point: the table's time grows with the span, the chain's
/// does not; over the span most calls miss and are cheaper.
fn point(n: u32, stride: u32, shape: Shape) -> Point {
    let layout = Layout::new(n, stride).unwrap();
    let span = f64::from(layout.span());
    let chain = if n == 64 { 25.0 } else { 21.0 } + if shape == Shape::ElseIf { 0.3 } else { 0.0 };
    let table = 20.0 + 0.004 * span;
    let o2_table = layout.density() >= 0.1 && n >= 20 && layout.span() <= 1024;
    let both = |kind, fingerprint: u64, uniform: f64, bytes: usize, br_table: usize| {
        let mut ns = BTreeMap::new();
        ns.insert(Dist::Uniform, stats(uniform));
        ns.insert(Dist::Span, stats(uniform * if br_table > 0 { 0.9 } else { 0.6 }));
        VariantResult {
            kind,
            code_bytes: bytes,
            ops: OpCounts { br_table, cond_branches: 4 },
            fingerprint,
            ns,
            error: None,
            events: Vec::new(),
        }
    };
    let table_bytes = 200 + layout.span() as usize;
    let (o2_fp, o2_ns, o2_bytes, o2_br) =
        if o2_table { (3, table * 1.01, table_bytes, 1) } else { (2, chain * 1.02, 300, 0) };
    Point {
        layout,
        case: CaseResult {
            n,
            shape,
            variants: vec![
                both(Kind::Original, 1, chain * 1.5, 400, 0),
                both(Kind::Weft(Lowering::CostModel), o2_fp, o2_ns, o2_bytes, o2_br),
                both(Kind::Weft(Lowering::Table), 3, table, table_bytes, 1),
                both(Kind::Weft(Lowering::Search), 4, chain * 1.2, 320, 0),
                both(Kind::Weft(Lowering::Compares), 2, chain, 300, 0),
            ],
        },
    }
}

fn density_results() -> density::Results {
    let mut points = Vec::new();
    for shape in density::SHAPES {
        for stride in [1, 2, 8, 32] {
            points.push(point(64, stride, shape));
        }
        for stride in [1, 2, 4] {
            points.push(point(24, stride, shape));
        }
    }
    density::Results {
        points,
        iterations: [(24, 800), (64, 400)].into_iter().collect(),
        reps: 3,
        mismatches: Vec::new(),
        elapsed: Duration::from_millis(12_500),
        timed_wall: Duration::from_millis(9_000),
        timed_cpu: Duration::from_millis(8_000),
    }
}

fn outcome(ms: u64, file: usize, code: usize, cached: bool) -> Outcome {
    Outcome { time: Duration::from_millis(ms), sizes: Sizes { file, code }, cached }
}

fn corpus_results() -> corpus::Results {
    let entry = |group, path: &str, modules, file, code, weft, wasm_opt| Entry {
        group,
        path: path.into(),
        modules,
        original: Sizes { file, code },
        weft,
        wasm_opt,
    };
    corpus::Results {
        entries: vec![
            entry(
                "sightglass",
                "sightglass/blake3.wasm",
                1,
                40_000,
                30_000,
                Ok(outcome(120, 38_000, 28_100, false)),
                Some(Ok(outcome(900, 37_500, 27_800, false))),
            ),
            entry(
                "sightglass",
                "sightglass/regex.wasm",
                1,
                150_000,
                120_000,
                Err("frontend: unsupported opcode 0xfd".into()),
                Some(Ok(outcome(2_400, 140_000, 111_000, true))),
            ),
            entry(
                "jco-p3",
                "jco/p3/http.component.wasm",
                3,
                800_000,
                500_000,
                Ok(outcome(1_900, 760_000, 470_000, false)),
                Some(Ok(outcome(6_100, 755_000, 466_000, true))),
            ),
            entry(
                "jco-p3",
                "jco/p3/cli.component.wasm",
                2,
                300_000,
                200_000,
                Ok(outcome(700, 290_000, 190_000, false)),
                Some(Err("wasm-opt exited 1: [parse] a | b".into())),
            ),
        ],
        skipped: 1,
        elapsed: Duration::from_millis(64_000),
    }
}

fn machine() -> Machine {
    Machine {
        nproc: 2,
        cpu: "Synthetic CPU @ 3.0GHz".into(),
        load: "1.50 1.20 0.90".into(),
        date: "2025-01-02 03:04 UTC".into(),
        rustc: "rustc 1.95.0".into(),
        revision: "abc1234".into(),
    }
}

/// A section the run was told to skip (`--no-<flag>`).
fn skipped<T>(flag: &str) -> Result<&'static T, String> {
    Err(format!("--no-{flag} was given"))
}

/// The rendered report, with the build kind (the one fact the test
/// binary's profile changes) spelled as in a debug build.
fn render(inputs: &Inputs<'_>) -> String {
    report::render(inputs).replace("(release build)", "(debug build)")
}

fn check(name: &str, actual: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/report").join(name);
    if std::env::var_os("WEFT_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if actual != expected {
        let line = actual.lines().zip(expected.lines()).position(|(a, b)| a != b).map_or_else(
            || format!("the texts differ in length ({} vs {} lines)", actual.lines().count(), expected.lines().count()),
            |i| {
                format!(
                    "first difference at line {}:\n  actual:   {}\n  expected: {}",
                    i + 1,
                    actual.lines().nth(i).unwrap_or(""),
                    expected.lines().nth(i).unwrap_or("")
                )
            },
        );
        panic!("the report differs from {} ({line}); rerun with WEFT_BLESS=1 if intended", path.display());
    }
}

#[test]
fn report_with_every_section_measured() {
    let machine = machine();
    let d = dispatch_results();
    let density = density_results();
    let corpus = corpus_results();
    let wasm_opt = WasmOpt {
        path: PathBuf::from("/opt/node_modules/binaryen/bin/wasm-opt"),
        version: "wasm-opt version 123".into(),
        startup: Duration::from_millis(180),
        cache: None,
    };
    let text = render(&Inputs {
        machine: &machine,
        load_after: "1.80 1.30 0.95".into(),
        mode: "full",
        command: "weft-bench --out bench/report.md",
        wasm_opt: Some(&wasm_opt),
        wasm_opt_missing: None,
        reps: 9,
        dispatch: &d,
        density: Ok(&density),
        proof: skipped("proof"),
        corpus: Ok(&corpus),
        module_dce: skipped("module-dce"),
        verify_cost: skipped("verify-cost"),
        callbacks: Ok("| callback | decision |\n|---|---|\n| callback_a | table |\n".into()),
        reachability: Ok("| module | events | removed at -O2 | of which only with callback-reachability |\n|---|---|---|---|\n| callback_a | {0,2,6} | `on_subtask` | `on_subtask` |\n".into()),
        elapsed: Duration::from_millis(183_400),
    });
    check("measured.md", &text);
}

#[test]
fn report_with_everything_optional_missing() {
    let machine = machine();
    let mut d = dispatch_results();
    d.mismatches.push("n = 4, seq-if, weft -O2: checksum 17 != 42".into());
    // One distribution not timed for -O2 at N = 64, and no jump floor at 16.
    for c in &mut d.cases {
        if c.n == 64 && c.shape == Shape::SeqIf {
            for v in &mut c.variants {
                if v.kind == Kind::Weft(Lowering::CostModel) {
                    v.ns.remove(&Dist::Skewed);
                }
            }
        }
        if c.n == 16 {
            c.variants.retain(|v| v.kind != Kind::JumpFloor);
        }
        c.variants.retain(|v| v.kind != Kind::WasmOpt);
    }
    d.reps = BTreeMap::new();
    let text = render(&Inputs {
        machine: &machine,
        load_after: "2.00 1.50 1.00".into(),
        mode: "quick",
        command: "weft-bench --quick",
        wasm_opt: None,
        wasm_opt_missing: Some("not on PATH"),
        reps: 3,
        dispatch: &d,
        density: skipped("density"),
        proof: skipped("proof"),
        corpus: Err("../shared/corpus is missing".into()),
        module_dce: skipped("module-dce"),
        verify_cost: skipped("verify-cost"),
        callbacks: Err("the P3 corpus is missing".into()),
        reachability: Err("the P3 corpus is missing".into()),
        elapsed: Duration::from_millis(700),
    });
    check("missing.md", &text);
}

/// No N = 64, no sweep-only size, weft -O2 always fastest, a density
/// sweep with no table win and no layout beyond the span limit, and a
/// corpus without wasm-opt where every file failed.
#[test]
fn report_with_few_sizes_and_no_wins() {
    let machine = machine();
    let mut d = dispatch_results();
    d.cases.retain(|c| c.n == 4 || c.n == 16);
    d.iterations.retain(|&n, _| n == 4 || n == 16);
    d.reps.retain(|&n, _| n == 4 || n == 16);
    for c in &mut d.cases {
        c.variants.retain(|v| v.kind != Kind::WasmOpt && v.error.is_none());
        for dist in Dist::ALL {
            let fastest = [Kind::Original, Kind::Weft(Lowering::Table)]
                .iter()
                .filter_map(|&k| c.ns(k, dist))
                .fold(f64::INFINITY, f64::min);
            for v in &mut c.variants {
                if v.kind == Kind::Weft(Lowering::CostModel) {
                    v.ns.insert(dist, stats(fastest * 0.9));
                }
            }
        }
    }
    let mut density = density_results();
    density.points.retain(|p| p.layout.n == 24 && p.layout.stride <= 2);
    density.iterations.retain(|&n, _| n == 24);
    let mut corpus = corpus_results();
    for e in &mut corpus.entries {
        e.weft = Err("frontend: no".into());
        e.wasm_opt = None;
    }
    corpus.skipped = 0;
    let text = render(&Inputs {
        machine: &machine,
        load_after: "0.10 0.10 0.10".into(),
        mode: "full",
        command: "weft-bench --sizes 4,16",
        wasm_opt: None,
        wasm_opt_missing: None,
        reps: 9,
        dispatch: &d,
        density: Ok(&density),
        proof: skipped("proof"),
        corpus: Ok(&corpus),
        module_dce: skipped("module-dce"),
        verify_cost: skipped("verify-cost"),
        callbacks: Ok(String::new()),
        reachability: Ok(String::new()),
        elapsed: Duration::from_millis(12_000),
    });
    check("few.md", &text);
}

//! Dispatch benchmarks: every variant of every dispatch module, timed under
//! wasmtime, every result checked against the Rust model.
//!
//! For each handler count `n`, the hand-written `br_table` module is timed
//! once to choose the iterations of one call (about `target` long); every
//! variant of every shape then runs that many iterations, so their model
//! checksums are shared. Every shape's series also times the *baseline*
//! module of `n` handlers ([`modules::baseline_module`]: the same driver and
//! handlers, `$dispatch` a plain `call $h0`), so that each variant's
//! dispatch cost — its time less the baseline's — is a difference within
//! one interleaved series. The `seq-if` series ([`FLOOR_SERIES`]) also
//! times the *jump floor* ([`modules::jump_floor_module`]: the hand-written
//! `br_table` with every arm calling `$h0`, checked against the baseline's
//! checksum), whose dispatch cost is that of the table jump alone, with no
//! handler diversity. Each variant is compiled and instantiated three
//! times (see [`INSTANCES`]), each instance called once to warm up, then
//! the variant is called `reps` times per distribution, cycling through its
//! instances, the variants interleaved (rotating which goes first) so that
//! a change of machine load affects them alike. A time
//! is the thread CPU time (`CLOCK_THREAD_CPUTIME_ID`) of one `run_*` call
//! divided by its iterations: the LCG step, the dispatch and one handler.
//! CPU time rather than wall time, because on a shared machine a call's
//! wall time includes the time it waited for a core (the totals of both
//! are kept, to report that waiting). The median over repetitions is
//! reported, with min and max.

use std::collections::BTreeMap;
use std::hash::{Hash, Hasher};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use cpu_time::ThreadTime;

use wasmtime::{Engine, Instance, Module, Store, TypedFunc};

use crate::Error;
use crate::modules::{self, Dist, Layout, Shape};
use crate::variants::{self, Lowering, WasmOpt};
use crate::wasm;

/// The shape whose series also times the jump floor
/// ([`Kind::JumpFloor`]): the shape of acceptance (a).
pub const FLOOR_SERIES: Shape = Shape::SeqIf;

/// The handler counts switch-recovery's acceptance names: every measurement at full length,
/// `wasm-opt` included.
pub const HEADLINE_SIZES: [u32; 4] = [4, 7, 16, 64];

/// The default handler counts: the headline sizes and a sweep around them
/// that places the `br_table` threshold.
pub const DEFAULT_SIZES: [u32; 13] = [2, 3, 4, 7, 10, 13, 16, 20, 24, 32, 48, 64, 128];

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// Handler counts.
    pub sizes: Vec<u32>,
    /// Approximate duration of one timed call.
    pub target: Duration,
    /// Timed calls per variant and distribution.
    pub reps: usize,
    /// Handler counts that are only part of the threshold sweep (not the
    /// issue's headline sizes): they get `sweep_reps` timed calls, and no
    /// `wasm-opt` variant.
    pub sweep_only: Vec<u32>,
    /// Timed calls per variant and distribution at the `sweep_only` sizes.
    pub sweep_reps: usize,
    /// `wasm-opt`, when one runs.
    pub wasm_opt: Option<WasmOpt>,
    /// Scratch directory for `wasm-opt`'s files.
    pub scratch: PathBuf,
}

/// Which optimizer produced a variant.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Kind {
    /// The baseline module of the same handler count: the dispatch is a
    /// plain `call $h0` (not a variant of the shape; timed in its series).
    Baseline,
    /// The jump floor of the same handler count
    /// ([`modules::jump_floor_module`]): the hand-written `br_table`
    /// dispatch with every arm calling `$h0`, so it computes the baseline's
    /// checksum (not a variant of the shape; timed in the `seq-if` series).
    JumpFloor,
    /// The generated module.
    Original,
    /// A weft pipeline.
    Weft(Lowering),
    /// `wasm-opt -O3`.
    WasmOpt,
}

impl Kind {
    /// The variant's name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Kind::Baseline => "baseline",
            Kind::JumpFloor => "jump floor (br_table, one handler)",
            Kind::Original => "original",
            Kind::Weft(l) => l.name(),
            Kind::WasmOpt => "wasm-opt -O3",
        }
    }
}

impl Kind {
    /// Does this variant compute the baseline's checksum
    /// ([`modules::baseline_checksum`]: handler 0 on every event) rather
    /// than the dispatch model's? True of the baseline and the jump floor.
    pub fn computes_baseline(self) -> bool {
        matches!(self, Kind::Baseline | Kind::JumpFloor)
    }
}

/// Median, min and max of a series of times.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Stats {
    /// Median, ns per call.
    pub median: f64,
    /// Fastest, ns per call.
    pub min: f64,
    /// Slowest, ns per call.
    pub max: f64,
}

impl Stats {
    /// The statistics of `samples` (`None` when empty).
    pub fn of(samples: &[f64]) -> Option<Stats> {
        let mut s: Vec<f64> = samples.iter().copied().filter(|x| x.is_finite()).collect();
        if s.is_empty() {
            return None;
        }
        s.sort_by(f64::total_cmp);
        let mid = s.len() / 2;
        let median = if s.len() % 2 == 1 { s[mid] } else { (s[mid - 1] + s[mid]) / 2.0 };
        Some(Stats { median, min: s[0], max: s[s.len() - 1] })
    }

    /// (max − min) / median.
    pub fn spread(&self) -> f64 {
        if self.median > 0.0 { (self.max - self.min) / self.median } else { 0.0 }
    }
}

/// One variant of one dispatch module.
#[derive(Clone, Debug)]
pub struct VariantResult {
    /// Who produced it.
    pub kind: Kind,
    /// Code section size in bytes.
    pub code_bytes: usize,
    /// Branches in the output.
    pub ops: wasm::OpCounts,
    /// A hash of the output bytes: equal outputs have equal fingerprints.
    pub fingerprint: u64,
    /// ns per call, by distribution (absent when the variant failed).
    pub ns: BTreeMap<Dist, Stats>,
    /// Why the variant could not be built or run, if so.
    pub error: Option<String>,
    /// Pass manager events (weft bugs).
    pub events: Vec<String>,
}

/// Every variant of one module.
#[derive(Clone, Debug)]
pub struct CaseResult {
    /// Handlers.
    pub n: u32,
    /// Source shape.
    pub shape: Shape,
    /// Variants, original first.
    pub variants: Vec<VariantResult>,
}

impl CaseResult {
    /// The variant of `kind`, if it was built.
    pub fn variant(&self, kind: Kind) -> Option<&VariantResult> {
        self.variants.iter().find(|v| v.kind == kind)
    }

    /// Median ns per call of `kind` under `dist`.
    pub fn ns(&self, kind: Kind, dist: Dist) -> Option<f64> {
        self.variant(kind)?.ns.get(&dist).map(|s| s.median)
    }

    /// The dispatch cost of `kind` under `dist`: its median ns per call
    /// less the baseline's, both from this series.
    pub fn dispatch_ns(&self, kind: Kind, dist: Dist) -> Option<f64> {
        Some(self.ns(kind, dist)? - self.ns(Kind::Baseline, dist)?)
    }
}

/// The whole dispatch benchmark.
#[derive(Clone, Debug, Default)]
pub struct Results {
    /// One entry per handler count and shape.
    pub cases: Vec<CaseResult>,
    /// Iterations of one timed call, by handler count.
    pub iterations: BTreeMap<u32, u32>,
    /// Timed calls per variant and distribution, by handler count.
    pub reps: BTreeMap<u32, usize>,
    /// Checksum mismatches against the model: each is a miscompilation.
    pub mismatches: Vec<String>,
    /// Wall time of the whole dispatch benchmark.
    pub elapsed: Duration,
    /// Wall time of the timed calls, summed.
    pub timed_wall: Duration,
    /// Thread CPU time of the timed calls, summed.
    pub timed_cpu: Duration,
}

impl Results {
    /// The case for `n` handlers in `shape`.
    pub fn case(&self, n: u32, shape: Shape) -> Option<&CaseResult> {
        self.cases.iter().find(|c| c.n == n && c.shape == shape)
    }
}

type RunFunc = TypedFunc<(i32, i64), i32>;

/// One compiled and instantiated module, with its driver functions.
pub(crate) struct Instantiated {
    store: Store<()>,
    funcs: BTreeMap<Dist, RunFunc>,
}

impl Instantiated {
    /// Compiles and instantiates `bytes`, which must export the driver of
    /// each of `dists`.
    pub(crate) fn new(engine: &Engine, bytes: &[u8], dists: &[Dist]) -> Result<Instantiated, Error> {
        let module = Module::new(engine, bytes).map_err(|e| Error::new(format!("wasmtime cannot compile: {e:#}")))?;
        let mut store = Store::new(engine, ());
        let instance = Instance::new(&mut store, &module, &[])
            .map_err(|e| Error::new(format!("wasmtime cannot instantiate: {e:#}")))?;
        let mut funcs = BTreeMap::new();
        for &dist in dists {
            let f = instance
                .get_typed_func::<(i32, i64), i32>(&mut store, dist.export())
                .map_err(|e| Error::new(format!("export `{}`: {e:#}", dist.export())))?;
            funcs.insert(dist, f);
        }
        Ok(Instantiated { store, funcs })
    }

    /// Calls the driver; returns the checksum, the thread CPU time and
    /// the wall time.
    pub(crate) fn call(&mut self, dist: Dist, iterations: u32, seed: u64) -> Result<(i32, Duration, Duration), Error> {
        let f =
            self.funcs.get(&dist).ok_or_else(|| Error::new(format!("the module has no `{}` driver", dist.export())))?;
        let clock_err = |e: std::io::Error| Error::new(format!("cannot read the thread CPU clock: {e}"));
        let cpu_start = ThreadTime::try_now().map_err(clock_err)?;
        let start = Instant::now();
        let r = f.call(&mut self.store, (iterations as i32, seed as i64));
        let wall = start.elapsed();
        let cpu = cpu_start.try_elapsed().map_err(clock_err)?;
        r.map(|c| (c, cpu, wall)).map_err(|e| Error::new(format!("`{}` trapped: {e:#}", dist.export())))
    }
}

/// Separately compiled instances of each variant; repetition `r` runs on
/// instance `r % INSTANCES`, so that one instance's unlucky placement (of
/// its code or its data, which can cost tens of percent in a loop this
/// tight) moves a minority of the samples, not the median.
pub const INSTANCES: usize = 3;

/// Iterations of the correctness check run before timing.
pub(crate) const CHECK_ITERATIONS: u32 = 10_000;
/// Seed of the correctness check.
pub(crate) const CHECK_SEED: u64 = 0x5eed;
/// Seed of timed repetition `i` is `TIMING_SEED + i`.
pub(crate) const TIMING_SEED: u64 = 1;

/// A hash of `bytes` (stable within a run).
fn fingerprint(bytes: &[u8]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    h.finish()
}

/// One built variant: who made it, its bytes or why it failed, and the
/// pass manager's events.
pub(crate) type Built = (Kind, Result<Vec<u8>, Error>, Vec<String>);

/// Builds the variants of one module: the baseline (when given), the
/// original, the weft variants of `lowerings` and, when `wasm_opt` is
/// given, `wasm-opt -O3` (run through files in the scratch folder). Each
/// is its bytes, or why it failed.
pub(crate) fn build_variants(
    baseline: Option<&[u8]>,
    original: &[u8],
    lowerings: &[Lowering],
    wasm_opt: Option<(&WasmOpt, &std::path::Path)>,
    name: &str,
) -> Vec<Built> {
    let mut out = Vec::new();
    if let Some(b) = baseline {
        out.push((Kind::Baseline, Ok(b.to_vec()), Vec::new()));
    }
    out.push((Kind::Original, Ok(original.to_vec()), Vec::new()));
    for &lowering in lowerings {
        match variants::run_weft(original, lowering) {
            Ok(run) => {
                let valid = wasm::validate(&run.bytes).map(|()| run.bytes);
                out.push((Kind::Weft(lowering), valid, run.events));
            }
            Err(e) => out.push((Kind::Weft(lowering), Err(e), Vec::new())),
        }
    }
    if let Some((w, scratch)) = wasm_opt {
        out.push((Kind::WasmOpt, w.run(original, scratch, name).map(|r| r.bytes), Vec::new()));
    }
    out
}

/// The iterations of one call of about `target` on `bytes` (its
/// `run_uniform` timed over 200 000 iterations after a warm-up).
pub(crate) fn calibrate(engine: &Engine, bytes: &[u8], dists: &[Dist], target: Duration) -> Result<u32, Error> {
    let mut inst = Instantiated::new(engine, bytes, dists)?;
    inst.call(Dist::Uniform, 100_000, TIMING_SEED)?;
    let (_, t, _) = inst.call(Dist::Uniform, 200_000, TIMING_SEED)?;
    let per_call = t.as_secs_f64() / 200_000.0;
    Ok((target.as_secs_f64() / per_call.max(1e-10)).clamp(20_000.0, 200_000_000.0) as u32)
}

/// The expected checksums of one series, by (baseline?, distribution,
/// seed): the check run's and every timed repetition's.
pub(crate) type Expected = BTreeMap<(bool, Dist, u64), i32>;

/// The checksums `layout`'s modules (and, for a dense layout, its
/// baseline) must return under `dists`, for the check run and `reps`
/// timed calls of `iterations`.
pub(crate) fn expected(layout: Layout, dists: &[Dist], iterations: u32, reps: usize, baseline: bool) -> Expected {
    let mut expected = Expected::new();
    for &dist in dists {
        for base in [false, true] {
            if base && !baseline {
                continue;
            }
            let model = |iterations: u32, seed: u64| {
                if base {
                    modules::baseline_checksum(layout.n, dist, iterations, seed)
                } else {
                    modules::model_checksum(layout, dist, iterations, seed)
                }
            };
            expected.insert((base, dist, CHECK_SEED), model(CHECK_ITERATIONS, CHECK_SEED));
            for rep in 0..reps as u64 {
                let seed = TIMING_SEED + rep;
                expected.insert((base, dist, seed), model(iterations, seed));
            }
        }
    }
    expected
}

/// The variants of one series, measured, with the checksum mismatches and
/// the timed calls' total wall and CPU time.
pub(crate) struct Measured {
    /// One per built variant, in the order given.
    pub variants: Vec<VariantResult>,
    /// Checksum mismatches (miscompilations), each naming the variant.
    pub mismatches: Vec<String>,
    /// Wall time of the timed calls.
    pub wall: Duration,
    /// Thread CPU time of the timed calls.
    pub cpu: Duration,
}

/// Checks, warms up and times one series: each built variant compiled
/// [`INSTANCES`] times, checked against `expected` (a wrong checksum leaves
/// the variant untimed), warmed up, then called `reps` times per
/// distribution, the variants interleaved (rotating which goes first).
/// `label` ("n = 4, seq-if") names the series in mismatch messages.
pub(crate) fn measure(
    engine: &Engine,
    built: Vec<Built>,
    dists: &[Dist],
    iterations: u32,
    reps: usize,
    expected: &Expected,
    label: &str,
) -> Result<Measured, Error> {
    let mut out = Measured { variants: Vec::new(), mismatches: Vec::new(), wall: Duration::ZERO, cpu: Duration::ZERO };
    let mut live: Vec<(usize, Vec<Instantiated>)> = Vec::new();
    let want = |kind: Kind, dist: Dist, seed: u64| -> Result<i32, Error> {
        expected
            .get(&(kind.computes_baseline(), dist, seed))
            .copied()
            .ok_or_else(|| Error::new(format!("{label}: no expected checksum for {}, seed {seed}", dist.name())))
    };
    for (kind, bytes, events) in built {
        let mut v = VariantResult {
            kind,
            code_bytes: 0,
            ops: wasm::OpCounts::default(),
            fingerprint: 0,
            ns: BTreeMap::new(),
            error: None,
            events,
        };
        let inst = bytes.and_then(|b| {
            v.code_bytes = wasm::code_section_size(&b)?;
            v.ops = wasm::op_counts(&b)?;
            v.fingerprint = fingerprint(&b);
            (0..INSTANCES).map(|_| Instantiated::new(engine, &b, dists)).collect::<Result<Vec<_>, Error>>()
        });
        match inst {
            Ok(mut insts) => {
                // Correctness first, then a warm-up call.
                let mut ok = true;
                for &dist in dists {
                    let want = want(kind, dist, CHECK_SEED)?;
                    match insts[0].call(dist, CHECK_ITERATIONS, CHECK_SEED) {
                        Ok((got, _, _)) if got == want => {}
                        Ok((got, _, _)) => {
                            ok = false;
                            out.mismatches.push(format!(
                                "{label}, {}, {}: checksum {got:#010x}, expected {want:#010x}",
                                kind.name(),
                                dist.name()
                            ));
                        }
                        Err(e) => {
                            ok = false;
                            out.mismatches.push(format!("{label}, {}, {}: {e}", kind.name(), dist.name()));
                        }
                    }
                }
                if ok {
                    for inst in &mut insts {
                        for &dist in dists {
                            inst.call(dist, iterations / 4 + 1, TIMING_SEED)?;
                        }
                    }
                    live.push((out.variants.len(), insts));
                } else {
                    v.error = Some("wrong checksum (see the mismatches section)".into());
                }
            }
            Err(e) => v.error = Some(e.to_string()),
        }
        out.variants.push(v);
    }
    // Timed, interleaved repetitions.
    let mut samples: BTreeMap<(usize, Dist), Vec<f64>> = BTreeMap::new();
    for &dist in dists {
        for rep in 0..reps {
            let seed = TIMING_SEED + rep as u64;
            let len = live.len();
            for j in 0..len {
                let (index, insts) = &mut live[(j + rep) % len];
                let kind = out.variants[*index].kind;
                let want = want(kind, dist, seed)?;
                let count = insts.len();
                let (got, time, wall) = insts[rep % count].call(dist, iterations, seed)?;
                out.cpu += time;
                out.wall += wall;
                if got != want {
                    out.mismatches.push(format!(
                        "{label}, {}, {}, seed {seed}: checksum {got:#010x}, expected {want:#010x}",
                        kind.name(),
                        dist.name()
                    ));
                }
                samples.entry((*index, dist)).or_default().push(time.as_secs_f64() * 1e9 / f64::from(iterations));
            }
        }
    }
    for ((index, dist), s) in samples {
        if let Some(stats) = Stats::of(&s) {
            out.variants[index].ns.insert(dist, stats);
        }
    }
    Ok(out)
}

/// Runs the dispatch benchmark. `progress` receives one line per module.
pub fn run(options: &Options, progress: &mut dyn FnMut(&str)) -> Result<Results, Error> {
    let started = Instant::now();
    let engine = Engine::default();
    let mut results = Results::default();
    for &n in &options.sizes {
        // Calibrate on the hand-written br_table module.
        let reference = modules::dispatch_module(n, Shape::BrTable)?;
        let iterations = calibrate(&engine, &reference, &Dist::ALL, options.target)?;
        results.iterations.insert(n, iterations);
        let sweep_only = options.sweep_only.contains(&n);
        let reps = if sweep_only { options.sweep_reps } else { options.reps }.max(1);
        results.reps.insert(n, reps);
        let expected = expected(Layout::dense(n), &Dist::ALL, iterations, reps, true);
        let baseline = modules::baseline_module(n)?;
        let floor = modules::jump_floor_module(n)?;
        for shape in Shape::ALL {
            let original = modules::dispatch_module(n, shape)?;
            let name = format!("dispatch-{n}-{}", shape.name().split(' ').next().unwrap_or("x"));
            let wasm_opt = options.wasm_opt.as_ref().filter(|_| !sweep_only).map(|w| (w, options.scratch.as_path()));
            let mut built = build_variants(Some(&baseline), &original, &Lowering::ALL, wasm_opt, &name);
            if shape == FLOOR_SERIES {
                // Right after the baseline, so that the floor is timed
                // interleaved with the baseline and the variants of (a).
                built.insert(1, (Kind::JumpFloor, Ok(floor.clone()), Vec::new()));
            }
            let label = format!("n = {n}, {}", shape.name());
            let m = measure(&engine, built, &Dist::ALL, iterations, reps, &expected, &label)?;
            results.mismatches.extend(m.mismatches);
            results.timed_cpu += m.cpu;
            results.timed_wall += m.wall;
            let case = CaseResult { n, shape, variants: m.variants };
            progress(&format!(
                "dispatch n={n:<3} {:<24} {}",
                shape.name(),
                case.variants
                    .iter()
                    .map(|v| match v.ns.get(&Dist::Uniform) {
                        Some(s) => format!("{:.2}", s.median),
                        None => "-".into(),
                    })
                    .collect::<Vec<_>>()
                    .join(" ")
            ));
            results.cases.push(case);
        }
    }
    results.elapsed = started.elapsed();
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_of_samples() {
        let s = Stats::of(&[3.0, 1.0, 2.0]).unwrap();
        assert_eq!((s.median, s.min, s.max), (2.0, 1.0, 3.0));
        assert_eq!(Stats::of(&[4.0, 1.0, 2.0, 3.0]).unwrap().median, 2.5);
        assert!(Stats::of(&[]).is_none());
        assert!((s.spread() - 1.0).abs() < 1e-12);
    }

    /// Every shape computes the model's checksum under wasmtime, before
    /// and after weft (no timing is asserted).
    #[test]
    fn shapes_and_weft_variants_match_the_model() {
        let engine = Engine::default();
        for n in [2, 7] {
            for shape in Shape::ALL {
                let original = modules::dispatch_module(n, shape).unwrap();
                let mut modules = vec![original.clone()];
                for lowering in Lowering::ALL {
                    modules.push(variants::run_weft(&original, lowering).unwrap().bytes);
                }
                for bytes in modules {
                    let mut inst = Instantiated::new(&engine, &bytes, &Dist::ALL).unwrap();
                    for dist in Dist::ALL {
                        let (got, _, _) = inst.call(dist, 3000, 9).unwrap();
                        let want = modules::model_checksum(Layout::dense(n), dist, 3000, 9);
                        assert_eq!(got, want, "n = {n}, {shape:?}, {dist:?}");
                    }
                }
            }
            let mut inst = Instantiated::new(&engine, &modules::baseline_module(n).unwrap(), &Dist::ALL).unwrap();
            for dist in Dist::ALL {
                let (got, _, _) = inst.call(dist, 3000, 9).unwrap();
                assert_eq!(got, modules::baseline_checksum(n, dist, 3000, 9), "baseline, n = {n}, {dist:?}");
            }
        }
    }

    /// The jump floor computes the baseline's checksum (not the dispatch
    /// model's) under wasmtime, and the harness expects exactly that of it.
    #[test]
    fn jump_floor_computes_the_baseline_checksum() {
        let engine = Engine::default();
        for n in [4, 16, 64] {
            let bytes = modules::jump_floor_module(n).unwrap();
            wasm::validate(&bytes).unwrap();
            let mut inst = Instantiated::new(&engine, &bytes, &Dist::ALL).unwrap();
            let expected = expected(Layout::dense(n), &Dist::ALL, 3000, 2, true);
            for dist in Dist::ALL {
                for seed in [CHECK_SEED, TIMING_SEED, TIMING_SEED + 1] {
                    let iterations = if seed == CHECK_SEED { CHECK_ITERATIONS } else { 3000 };
                    let (got, _, _) = inst.call(dist, iterations, seed).unwrap();
                    let want = modules::baseline_checksum(n, dist, iterations, seed);
                    assert_eq!(got, want, "jump floor, n = {n}, {dist:?}, seed {seed}");
                    assert_eq!(expected[&(Kind::JumpFloor.computes_baseline(), dist, seed)], want);
                    // The dispatch computes something else (n > 1).
                    assert_ne!(got, modules::model_checksum(Layout::dense(n), dist, iterations, seed));
                }
            }
        }
        assert!(Kind::Baseline.computes_baseline() && Kind::JumpFloor.computes_baseline());
        assert!(!Kind::Original.computes_baseline() && !Kind::Weft(Lowering::CostModel).computes_baseline());
    }

    /// `measure` checks the jump floor against the baseline's checksum:
    /// it times it without a mismatch, and a floor that computed the
    /// dispatch model's checksum instead would be flagged.
    #[test]
    fn measure_checks_the_floor_against_the_baseline_model() {
        let engine = Engine::default();
        let n = 7;
        let (iterations, reps) = (2000, 2);
        let expected = expected(Layout::dense(n), &Dist::ALL, iterations, reps, true);
        let built: Vec<Built> = vec![
            (Kind::Baseline, Ok(modules::baseline_module(n).unwrap()), Vec::new()),
            (Kind::JumpFloor, Ok(modules::jump_floor_module(n).unwrap()), Vec::new()),
            (Kind::Original, Ok(modules::dispatch_module(n, Shape::SeqIf).unwrap()), Vec::new()),
        ];
        let m = measure(&engine, built, &Dist::ALL, iterations, reps, &expected, "test").unwrap();
        assert!(m.mismatches.is_empty(), "{:?}", m.mismatches);
        let floor = m.variants.iter().find(|v| v.kind == Kind::JumpFloor).unwrap();
        assert!(floor.error.is_none() && floor.ns.len() == Dist::ALL.len());
        assert_eq!(floor.ops.br_table, 1);
        // The hand-written table (the dispatch model's checksum) posing as
        // the floor is a mismatch.
        let wrong: Vec<Built> =
            vec![(Kind::JumpFloor, Ok(modules::dispatch_module(n, Shape::BrTable).unwrap()), Vec::new())];
        let m = measure(&engine, wrong, &Dist::ALL, iterations, reps, &expected, "test").unwrap();
        assert_eq!(m.mismatches.len(), Dist::ALL.len(), "{:?}", m.mismatches);
        assert!(m.variants[0].error.is_some());
    }
}

//! The density sweep: where a `br_table` stops paying as the cases spread
//! out, to place `switch-recovery`'s `min_density` and `max_table_span`.
//!
//! For every case count N of [`Options::sizes`] and stride s of
//! [`Options::strides`], the strided module ([`modules::strided_module`]:
//! case constants 0, s, 2s, …, (N − 1)s; density N / ((N − 1)s + 1)) is
//! written in the [`SHAPES`] (`seq-if`, `else-if`) and run as the original
//! and the weft variants of [`LOWERINGS`]: `-O2` (the cost model), and
//! `switch-recovery` forced to a `br_table` over the whole span (density
//! and span unlimited), to a search tree, and to a compare chain. Each is
//! driven with codes uniform over the cases ([`Dist::Uniform`]: every call
//! hits a case, as on the hot path of a real sparse switch) and uniform
//! over the span ([`Dist::Span`]: most calls of a sparse layout miss every
//! case and take the default). Every series is checked and timed by
//! [`dispatch::measure`], like the dispatch benchmark (interleaved calls,
//! [`dispatch::INSTANCES`] instances per variant, thread CPU time), without
//! a baseline: the sweep compares variants within one series only.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use wasmtime::Engine;

use crate::Error;
use crate::dispatch::{self, CaseResult};
use crate::modules::{self, Dist, Layout, Shape};
use crate::variants::Lowering;

/// The case counts of a full run: 24 (just above the table threshold of
/// dense cases) and 64 (where a dense table wins clearly).
pub const DEFAULT_SIZES: [u32; 2] = [24, 64];

/// The strides of a full run: densities from 100 % to about 3 %; at N = 64
/// the stride 32 spans 2017 values, beyond the default `max_table_span`.
pub const DEFAULT_STRIDES: [u32; 8] = [1, 2, 3, 4, 6, 8, 16, 32];

/// The case counts of a `--quick` run.
pub const QUICK_SIZES: [u32; 1] = [64];

/// The strides of a `--quick` run.
pub const QUICK_STRIDES: [u32; 4] = [1, 3, 8, 32];

/// The source shapes of the sweep: one that runs every test, one that
/// stops at its case.
pub const SHAPES: [Shape; 2] = [Shape::SeqIf, Shape::ElseIf];

/// The weft variants of the sweep (the original is timed too).
pub const LOWERINGS: [Lowering; 4] = [Lowering::CostModel, Lowering::Table, Lowering::Search, Lowering::Compares];

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// Case counts.
    pub sizes: Vec<u32>,
    /// Strides (1: dense).
    pub strides: Vec<u32>,
    /// Approximate duration of one timed call.
    pub target: Duration,
    /// Timed calls per variant and distribution.
    pub reps: usize,
}

/// Every variant of one strided module.
#[derive(Clone, Debug)]
pub struct Point {
    /// Where its case constants lie.
    pub layout: Layout,
    /// Its variants (`case.n` is `layout.n`, `case.shape` the shape).
    pub case: CaseResult,
}

/// The whole density sweep.
#[derive(Clone, Debug, Default)]
pub struct Results {
    /// One entry per case count, stride and shape.
    pub points: Vec<Point>,
    /// Iterations of one timed call, by case count.
    pub iterations: BTreeMap<u32, u32>,
    /// Timed calls per variant and distribution.
    pub reps: usize,
    /// Checksum mismatches against the model: each is a miscompilation.
    pub mismatches: Vec<String>,
    /// Wall time of the whole sweep.
    pub elapsed: Duration,
    /// Wall time of the timed calls, summed.
    pub timed_wall: Duration,
    /// Thread CPU time of the timed calls, summed.
    pub timed_cpu: Duration,
}

impl Results {
    /// The point for `n` cases at `stride` in `shape`.
    pub fn point(&self, n: u32, stride: u32, shape: Shape) -> Option<&Point> {
        self.points.iter().find(|p| p.layout.n == n && p.layout.stride == stride && p.case.shape == shape)
    }

    /// The case counts measured, ascending.
    pub fn sizes(&self) -> Vec<u32> {
        let mut v: Vec<u32> = self.points.iter().map(|p| p.layout.n).collect();
        v.sort_unstable();
        v.dedup();
        v
    }

    /// The layouts measured with `n` cases, densest first.
    pub fn layouts(&self, n: u32) -> Vec<Layout> {
        let mut v: Vec<Layout> = self.points.iter().filter(|p| p.layout.n == n).map(|p| p.layout).collect();
        v.sort_unstable_by_key(|l| l.stride);
        v.dedup();
        v
    }
}

/// Runs the density sweep. `progress` receives one line per module. An
/// invalid size or stride ([`Layout::new`]) is an error before anything
/// is timed.
pub fn run(options: &Options, progress: &mut dyn FnMut(&str)) -> Result<Results, Error> {
    let started = Instant::now();
    let mut sizes = options.sizes.clone();
    sizes.sort_unstable();
    sizes.dedup();
    let mut strides = options.strides.clone();
    strides.sort_unstable();
    strides.dedup();
    let layouts: Vec<Layout> = sizes
        .iter()
        .flat_map(|&n| strides.iter().map(move |&s| (n, s)))
        .map(|(n, s)| Layout::new(n, s))
        .collect::<Result<_, _>>()?;
    let engine = Engine::default();
    let reps = options.reps.max(1);
    let mut results = Results { reps, ..Results::default() };
    for &n in &sizes {
        // One call length per case count, calibrated (as in the dispatch
        // benchmark) on the dense hand-written table.
        let reference = modules::dispatch_module(n, Shape::BrTable)?;
        let iterations = dispatch::calibrate(&engine, &reference, &Dist::ALL, options.target)?;
        results.iterations.insert(n, iterations);
        for &layout in layouts.iter().filter(|l| l.n == n) {
            let expected = dispatch::expected(layout, &Dist::STRIDED, iterations, reps, false);
            for shape in SHAPES {
                let original = modules::strided_module(layout, shape)?;
                let label = format!("n = {n}, stride {}, {}", layout.stride, shape.name());
                let built = dispatch::build_variants(None, &original, &LOWERINGS, None, &label);
                let m = dispatch::measure(&engine, built, &Dist::STRIDED, iterations, reps, &expected, &label)?;
                results.mismatches.extend(m.mismatches);
                results.timed_cpu += m.cpu;
                results.timed_wall += m.wall;
                let case = CaseResult { n, shape, variants: m.variants };
                progress(&format!(
                    "density n={n:<3} stride={:<3} {:<8} {}",
                    layout.stride,
                    shape.name(),
                    case.variants
                        .iter()
                        .map(|v| {
                            Dist::STRIDED
                                .iter()
                                .map(|d| v.ns.get(d).map_or("-".into(), |s| format!("{:.2}", s.median)))
                                .collect::<Vec<_>>()
                                .join("/")
                        })
                        .collect::<Vec<_>>()
                        .join(" ")
                ));
                results.points.push(Point { layout, case });
            }
        }
    }
    results.elapsed = started.elapsed();
    Ok(results)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dispatch::{Instantiated, Kind};
    use crate::variants;

    /// Every strided shape, and every weft variant of the sweep, computes
    /// the model's checksum under wasmtime with both distributions; the
    /// forced table forms a `br_table` over the sparse span and the other
    /// forced variants form none.
    #[test]
    fn strided_variants_match_the_model() {
        let engine = Engine::default();
        for (n, stride) in [(3, 1), (5, 3), (21, 4)] {
            let layout = Layout::new(n, stride).unwrap();
            for shape in Shape::ALL {
                let original = modules::strided_module(layout, shape).unwrap();
                let mut outputs = vec![(Kind::Original, original.clone())];
                for lowering in LOWERINGS {
                    outputs.push((Kind::Weft(lowering), variants::run_weft(&original, lowering).unwrap().bytes));
                }
                for (kind, bytes) in outputs {
                    let ops = crate::wasm::op_counts(&bytes).unwrap();
                    match kind {
                        _ if !shape.is_chain() => {}
                        Kind::Weft(Lowering::Table) => assert!(ops.br_table >= 1, "{layout:?} {shape:?}"),
                        Kind::Weft(Lowering::Search | Lowering::Compares) => {
                            assert_eq!(ops.br_table, 0, "{layout:?} {shape:?} {kind:?}")
                        }
                        _ => {}
                    }
                    let mut inst = Instantiated::new(&engine, &bytes, &Dist::STRIDED).unwrap();
                    for dist in Dist::STRIDED {
                        let (got, _, _) = inst.call(dist, 4000, 17).unwrap();
                        let want = modules::model_checksum(layout, dist, 4000, 17);
                        assert_eq!(got, want, "{layout:?}, {shape:?}, {kind:?}, {dist:?}");
                    }
                }
            }
        }
    }

    /// A tiny sweep end to end: every point measured, every variant timed
    /// under both distributions, no mismatch (no time is asserted).
    #[test]
    fn a_tiny_sweep_runs() {
        let options = Options { sizes: vec![3], strides: vec![4, 1], target: Duration::from_micros(200), reps: 1 };
        let r = run(&options, &mut |_| {}).unwrap();
        assert!(r.mismatches.is_empty(), "{:?}", r.mismatches);
        assert_eq!(r.points.len(), 4);
        assert_eq!(r.sizes(), vec![3]);
        assert_eq!(r.layouts(3).iter().map(|l| l.stride).collect::<Vec<_>>(), vec![1, 4]);
        for p in &r.points {
            assert_eq!(p.case.variants.len(), 1 + LOWERINGS.len());
            for v in &p.case.variants {
                assert!(v.error.is_none(), "{:?}", v.error);
                assert_eq!(v.ns.keys().copied().collect::<Vec<_>>(), Dist::STRIDED.to_vec());
            }
        }
        assert!(r.point(3, 4, Shape::ElseIf).is_some() && r.point(3, 2, Shape::ElseIf).is_none());
        let bad = Options { sizes: vec![3], strides: vec![0], ..options };
        assert!(run(&bad, &mut |_| {}).is_err());
    }
}

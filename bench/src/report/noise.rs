//! How far apart byte-identical outputs measured: the noise every verdict
//! of the report is judged against, per row and over the run.

use super::{p90, rel};
use crate::dispatch::{self, CaseResult};
use crate::modules::Dist;

/// The noise of one row (one module's series under one distribution): the
/// largest relative difference between byte-identical variants timed in
/// it. `None` when the row has no byte-identical pair.
pub fn row_noise(case: &CaseResult, dist: Dist) -> Option<f64> {
    identical_pairs(case, dist).into_iter().reduce(f64::max)
}

/// The relative distances between the medians of every pair of
/// byte-identical variants timed in one module's series under `dist`.
pub(super) fn identical_pairs(case: &CaseResult, dist: Dist) -> Vec<f64> {
    let timed: Vec<(u64, f64)> = case
        .variants
        .iter()
        .filter(|v| v.code_bytes > 0)
        .filter_map(|v| Some((v.fingerprint, v.ns.get(&dist)?.median)))
        .collect();
    let mut out = Vec::new();
    for (i, a) in timed.iter().enumerate() {
        for b in &timed[i + 1..] {
            if a.0 == b.0 {
                out.push(rel(a.1, b.1));
            }
        }
    }
    out
}

/// How far apart byte-identical outputs measured (see [`noise_floor`]).
#[derive(Clone, Debug, PartialEq)]
pub struct NoiseFloor {
    /// Median relative distance over all pairs.
    pub median: f64,
    /// 90th percentile (nearest rank).
    pub p90: f64,
    /// The largest distance.
    pub max: f64,
    /// Where the largest distance was.
    pub worst: String,
    /// Number of pairs.
    pub pairs: usize,
}

/// How far apart byte-identical outputs measured, over every pair of
/// variants with the same handler count and the same bytes, per
/// distribution: pairs within one module's interleaved series (weft
/// variants that agree: what the ratios are subject to) when `across` is
/// false, pairs from the series of different shapes (e.g. the baselines or
/// the forced tables of two shapes: what comparing absolute times across
/// shapes is subject to) when it is true.
pub fn noise_floor(d: &dispatch::Results, across: bool) -> Option<NoiseFloor> {
    let mut all: Vec<f64> = Vec::new();
    let mut worst: Option<(f64, String)> = None;
    let runs: Vec<(&CaseResult, &dispatch::VariantResult)> =
        d.cases.iter().flat_map(|c| c.variants.iter().map(move |v| (c, v))).filter(|(_, v)| v.code_bytes > 0).collect();
    for dist in Dist::ALL {
        for (i, &(ca, a)) in runs.iter().enumerate() {
            for &(cb, b) in &runs[i + 1..] {
                if ca.n != cb.n || a.fingerprint != b.fingerprint || (ca.shape != cb.shape) != across {
                    continue;
                }
                let (Some(x), Some(y)) = (a.ns.get(&dist), b.ns.get(&dist)) else { continue };
                let r = rel(x.median, y.median);
                all.push(r);
                if worst.as_ref().is_none_or(|(w, _)| r > *w) {
                    let what = format!(
                        "N = {}, {}: {} of {} vs {} of {}",
                        ca.n,
                        dist.name(),
                        a.kind.name(),
                        ca.shape.name(),
                        b.kind.name(),
                        cb.shape.name()
                    );
                    worst = Some((r, what));
                }
            }
        }
    }
    let (max, what) = worst?;
    all.sort_by(f64::total_cmp);
    Some(NoiseFloor { median: all[all.len() / 2], p90: p90(&all), max, worst: what, pairs: all.len() })
}

/// The noise a row's comparisons are judged against: the row's own
/// ([`row_noise`]) when it has a byte-identical pair and that is larger
/// than `floor` (the run's 90th-percentile within-series noise: one pair
/// can land close by chance), else `floor`. The flag says whether the
/// row's own figure was used.
pub(super) fn noise_of(case: &CaseResult, dist: Dist, floor: f64) -> (f64, bool) {
    match row_noise(case, dist) {
        Some(x) if x > floor => (x, true),
        _ => (floor, false),
    }
}

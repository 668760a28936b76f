//! The density sweep: strided layouts of the dispatch modules, each
//! through weft -O2, the forced table, the forced search tree and the
//! forced compare chain, under codes over the cases and codes over the
//! span. This file writes the section's introduction, noise and tables;
//! [`super::density_findings`] computes what they say about `min_density`
//! and `max_table_span`.

use std::collections::BTreeMap;
use std::fmt::Write;

use weft_passes::switch_recovery::SwitchConfig;

use super::density_findings;
use super::noise::identical_pairs;
use super::thresholds::Verdict;
use super::{MARGIN, cells, list, lowering_seen, measured, p90, pct, plain, ratio, ratios, secs};
use crate::density::{self, Results};
use crate::dispatch::{self, Kind};
use crate::modules::{Dist, Layout};
use crate::variants::{self, Lowering};

/// The density sweep's distributions as its section names them.
pub(super) fn draw_name(dist: Dist) -> &'static str {
    match dist {
        Dist::Span => "codes over the span",
        Dist::Uniform | Dist::Skewed => "codes over the cases",
    }
}

/// A density as a percentage (one decimal below 10 %).
pub(super) fn density_text(x: f64) -> String {
    if x < 0.1 { format!("{:.1}%", x * 100.0) } else { format!("{:.0}%", x * 100.0) }
}

/// "stride 8 (density 13%, span 505)".
pub(super) fn layout_text(l: Layout) -> String {
    format!("stride {} (density {}, span {})", l.stride, density_text(l.density()), l.span())
}

/// The geometric mean of the present values (`None` when none is).
pub(super) fn geomean(xs: &[Option<f64>]) -> Option<f64> {
    let v: Vec<f64> = xs.iter().flatten().copied().filter(|x| *x > 0.0).collect();
    (!v.is_empty()).then(|| (v.iter().map(|x| x.ln()).sum::<f64>() / v.len() as f64).exp())
}

/// What the sweep's tables collect for the findings, per (distribution,
/// case count), each list in layout order.
#[derive(Default)]
pub(super) struct Sweep {
    /// The table against the chain.
    pub(super) verdicts: BTreeMap<(Dist, u32), Vec<(Layout, Verdict)>>,
    /// The search tree against the chain.
    pub(super) tree_verdicts: BTreeMap<(Dist, u32), Vec<(Layout, Verdict)>>,
    /// The table's time over the densest table's (the slower shape).
    pub(super) table_vs_dense: BTreeMap<(Dist, u32), Vec<(Layout, f64)>>,
    /// The chain's time over the densest chain's (the slower shape).
    pub(super) chain_vs_dense: BTreeMap<(Dist, u32), Vec<(Layout, f64)>>,
    /// Table / chain, the shapes' geometric mean.
    pub(super) trends: BTreeMap<(Dist, u32), Vec<(Layout, f64)>>,
}

/// The forced variants the sweep compares, and weft -O2.
const O2: Kind = Kind::Weft(Lowering::CostModel);
pub(super) const TABLE: Kind = Kind::Weft(Lowering::Table);
const SEARCH: Kind = Kind::Weft(Lowering::Search);
pub(super) const COMPARES: Kind = Kind::Weft(Lowering::Compares);

/// Writes the section "Density sweep" (`Err`: not measured, with the
/// reason).
pub(super) fn write(w: &mut String, density: &Result<&Results, String>) {
    let _ = writeln!(w, "## Density sweep: `min_density` and `max_table_span` (computed)\n");
    let Some(d) = measured(w, density) else { return };
    intro(w, d);
    noise(w, d);
    let mut sweep = Sweep::default();
    for dist in Dist::STRIDED {
        for n in d.sizes() {
            table(w, d, dist, n, &mut sweep);
        }
    }
    let _ = writeln!(
        w,
        "-O2 chose: the forced variant whose output is byte-identical to -O2's (for `else-if`, \"compare \
         chain\" is the chain as written).\n"
    );
    density_findings::write(w, d, &sweep);
}

/// The shapes' names as the columns list them.
fn shape_names() -> String {
    density::SHAPES.map(|s| s.name()).join(" / ")
}

/// The modules, the variants, the two distributions and the timing.
fn intro(w: &mut String, d: &Results) {
    let defaults = SwitchConfig::default();
    let _ = writeln!(
        w,
        "Modules of N cases whose constants are spread with a stride s: `$dispatch(e)` calls handler k when \
         e = k·s (codes 0, s, 2s, …, (N−1)s; density N / span, span (N−1)s + 1), and does nothing for any \
         other code (the default). Same handlers and driver as the dispatch benchmark, shapes {}. \
         Each module runs as the original, weft -O2 (the cost model, `min_density` = {}, `max_table_span` = \
         {}), and weft -O2 with switch-recovery forced to a `br_table` over the whole span (`min_density` \
         0, `max_table_span` {}: holes go to the default), to a search tree, and to a compare chain (for \
         `else-if` the chain as written; for `seq-if` an early-exit compare chain in source order). The \
         **chain** of this section is that forced compare chain: what the cost model emits when it rejects \
         the table.\n",
        shape_names(),
        defaults.min_density,
        defaults.max_table_span,
        variants::force_table().max_table_span
    );
    let _ = writeln!(
        w,
        "Two code distributions: **codes over the cases** — each call draws one of the N case constants \
         uniformly, so every call hits a case, as on the hot path of a real sparse switch (assuming, as the \
         cost model must without a profile, that the values switched on are mostly its case values) — and **codes over the span** — \
         uniform over [0, (N−1)s], so at stride s about (s−1)/s of the calls miss every case and take the \
         default (which does nothing here, so those iterations are shorter). A time is one driver call's \
         thread CPU time per iteration, the median of {} interleaved calls of {} iterations (N = {}) over \
         {} separately compiled instances per variant, as in the dispatch benchmark; there is no baseline: \
         only ratios within one module's series are used, except the \"table / densest table\" column, \
         which compares series of different modules (subject to the across-series noise). The table wins, \
         ties or loses (\"chain wins\") as in the thresholds section: by more than {} for both shapes \
         together. Sweep wall time: {} (timed calls' wall time {} their CPU time).\n",
        d.reps,
        d.iterations.values().map(u32::to_string).collect::<Vec<_>>().join(" / "),
        list(&d.iterations.keys().copied().collect::<Vec<_>>()),
        dispatch::INSTANCES,
        pct(MARGIN),
        secs(d.elapsed),
        ratio(d.timed_wall.as_secs_f64(), d.timed_cpu.as_secs_f64())
    );
}

/// The sweep's own noise: byte-identical variants within one series
/// (weft -O2 equals one of the forced variants).
fn noise(w: &mut String, d: &Results) {
    let mut pairs: Vec<f64> = d
        .points
        .iter()
        .flat_map(|p| Dist::STRIDED.iter().flat_map(move |&dist| identical_pairs(&p.case, dist)))
        .collect();
    pairs.sort_by(f64::total_cmp);
    if !pairs.is_empty() {
        let _ = writeln!(
            w,
            "Noise: over {} pairs of byte-identical variants in one series, {} apart typically (median), {} \
             at the 90th percentile, {} at worst.\n",
            pairs.len(),
            pct(pairs[pairs.len() / 2]),
            pct(p90(&pairs)),
            pct(pairs[pairs.len() - 1])
        );
    }
}

/// The table of case count `n` under `dist`, a row per layout, recorded
/// in `sweep`.
fn table(w: &mut String, d: &Results, dist: Dist, n: u32, sweep: &mut Sweep) {
    let layouts = d.layouts(n);
    let Some(&densest) = layouts.first() else { return };
    let _ = writeln!(w, "### N = {n}, {}\n", draw_name(dist));
    let _ = writeln!(
        w,
        "Columns list {}; ratios are to the chain of the same shape; \"table − chain \
         bytes\" is the difference of the whole modules' code sections.\n",
        shape_names()
    );
    let _ = writeln!(
        w,
        "| stride | density | span | chain ns | table ns (ratio) | search tree ns (ratio) | table vs chain | tree vs chain | table / densest table | table − chain bytes | -O2 chose |\n\
         |---:|---:|---:|---|---|---|---|---|---|---|---|"
    );
    for &layout in &layouts {
        row(w, d, (dist, n), layout, densest, sweep);
    }
    let _ = writeln!(w);
}

/// The medians of `kind` under `dist`, one per shape, at `n` cases and
/// `stride`.
fn times(d: &Results, n: u32, stride: u32, kind: Kind, dist: Dist) -> Vec<Option<f64>> {
    density::SHAPES.iter().map(|&s| d.point(n, stride, s).and_then(|p| p.case.ns(kind, dist))).collect()
}

/// One layout's row of the table of `key` = (distribution, case count).
fn row(w: &mut String, d: &Results, key: (Dist, u32), layout: Layout, densest: Layout, sweep: &mut Sweep) {
    let (dist, n) = key;
    let get = |kind: Kind, stride: u32| times(d, n, stride, kind, dist);
    let (chains, tables, trees) = (get(COMPARES, layout.stride), get(TABLE, layout.stride), get(SEARCH, layout.stride));
    let dense_tables = get(TABLE, densest.stride);
    let tv = Verdict::of(&ratios(&tables, &chains));
    let sv = Verdict::of(&ratios(&trees, &chains));
    sweep.verdicts.entry(key).or_default().push((layout, tv));
    sweep.tree_verdicts.entry(key).or_default().push((layout, sv));
    if let Some(r) = geomean(&ratios(&tables, &chains)) {
        sweep.trends.entry(key).or_default().push((layout, r));
    }
    let vs_dense = ratios(&tables, &dense_tables);
    if let Some(worst) = vs_dense.iter().flatten().copied().reduce(f64::max) {
        sweep.table_vs_dense.entry(key).or_default().push((layout, worst));
    }
    let chains_vs_dense = ratios(&chains, &get(COMPARES, densest.stride));
    if let Some(worst) = chains_vs_dense.iter().flatten().copied().reduce(f64::max) {
        sweep.chain_vs_dense.entry(key).or_default().push((layout, worst));
    }
    let bytes = density::SHAPES
        .iter()
        .map(|&s| {
            let p = d.point(n, layout.stride, s);
            let size = |k: Kind| p.and_then(|p| p.case.variant(k)).map(|v| v.code_bytes).filter(|&b| b > 0);
            match (size(TABLE), size(COMPARES)) {
                (Some(t), Some(c)) => format!("{:+}", t as i64 - c as i64),
                _ => "–".into(),
            }
        })
        .collect::<Vec<_>>()
        .join(" / ");
    let chose = density::SHAPES
        .iter()
        .map(|&s| d.point(n, layout.stride, s).map_or("?", |p| lowering_seen(&p.case, O2)))
        .collect::<Vec<_>>()
        .join(" / ");
    let _ = writeln!(
        w,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {bytes} | {chose} |",
        layout.stride,
        density_text(layout.density()),
        layout.span(),
        plain(&chains),
        cells(&tables, &chains),
        cells(&trees, &chains),
        tv.name(),
        sv.name(),
        vs_dense.iter().map(|r| r.map_or("–".into(), |r| format!("{r:.2}×"))).collect::<Vec<_>>().join(" / ")
    );
}

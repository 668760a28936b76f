//! What the density sweep's tables say: the density crossover of each
//! case count ([`density_crossover`]), the search tree against the chain,
//! the `min_density` values the run supports ([`supported_min_density`])
//! against the current one, and what the span costs against
//! `max_table_span`.

use std::collections::BTreeMap;
use std::fmt::Write;

use weft_passes::switch_recovery::SwitchConfig;

use super::density::{COMPARES, Sweep, TABLE, density_text, draw_name, layout_text};
use super::thresholds::Verdict;
use super::{MARGIN, list, pct, ratio, ratio_range};
use crate::density::{self, Results};
use crate::modules::{Dist, Layout};

/// Where, going from the densest layout to sparser ones, the table stops
/// winning against the chain (see [`density_crossover`]).
#[derive(Copy, Clone, Debug, PartialEq)]
pub enum DensityCrossover {
    /// The table wins at no layout measured.
    NoWin,
    /// The table wins at the sparsest layout measured.
    WinsAtSparsest {
        /// The sparsest layout measured.
        sparsest: Layout,
    },
    /// The table wins at `last_win` and at no sparser layout measured;
    /// `first_miss` is the next sparser one.
    StopsBelow {
        /// The sparsest layout where the table wins.
        last_win: Layout,
        /// The next sparser layout measured.
        first_miss: Layout,
    },
}

/// The density crossover of one case count: `series` holds a verdict (the
/// table against the chain) per layout, in any order; `None` when empty.
/// The table *stops winning* below the sparsest layout where it wins: a
/// tie or loss at a denser layout (the table's margin near the 5 % line)
/// is not a crossover when the table wins again at a sparser one.
pub fn density_crossover(series: &[(Layout, Verdict)]) -> Option<DensityCrossover> {
    let mut s = series.to_vec();
    s.sort_by(|a, b| b.0.density().total_cmp(&a.0.density()));
    if s.is_empty() {
        return None;
    }
    match s.iter().rposition(|(_, v)| *v == Verdict::TableWins) {
        None => Some(DensityCrossover::NoWin),
        Some(i) if i + 1 == s.len() => Some(DensityCrossover::WinsAtSparsest { sparsest: s[i].0 }),
        Some(i) => Some(DensityCrossover::StopsBelow { last_win: s[i].0, first_miss: s[i + 1].0 }),
    }
}

/// The `min_density` values a set of crossovers supports: `(above, up_to)`
/// — a threshold `t` with `above < t <= up_to` admits a table at the
/// sparsest layout where it wins, for every case count, and at none where
/// it has stopped winning. `above` is 0 when no case count stopped
/// winning; `None` when no case count's table won anywhere.
pub fn supported_min_density(crossovers: &[DensityCrossover]) -> Option<(f64, f64)> {
    let mut above: f64 = 0.0;
    let mut up_to: Option<f64> = None;
    for c in crossovers {
        let low = match *c {
            DensityCrossover::NoWin => continue,
            DensityCrossover::WinsAtSparsest { sparsest } => sparsest.density(),
            DensityCrossover::StopsBelow { last_win, first_miss } => {
                above = above.max(first_miss.density());
                last_win.density()
            }
        };
        up_to = Some(up_to.map_or(low, |u: f64| u.min(low)));
    }
    Some((above, up_to?))
}

/// One case count's findings: the crossover, the verdicts (`s=2 (51%):
/// tie`), and the table/chain ratio's trend over density (`trend`: the
/// ratio, both shapes' geometric mean, per layout).
pub(super) fn density_crossover_sentence(n: u32, series: &[(Layout, Verdict)], trend: &[(Layout, f64)]) -> String {
    let mut sorted = series.to_vec();
    sorted.sort_by_key(|(l, _)| l.stride);
    let seq = sorted
        .iter()
        .map(|(l, v)| format!("s={} ({}): {}", l.stride, density_text(l.density()), v.name().trim_matches('*')))
        .collect::<Vec<_>>()
        .join(", ");
    let mut t = trend.to_vec();
    t.sort_by_key(|(l, _)| l.stride);
    let trend_text = match (t.first(), t.last()) {
        (Some(&(d, a)), Some(&(s, b))) if t.len() > 1 => {
            let (lo, hi) = ratio_range(&t);
            format!(
                " Table / chain (geometric mean of the shapes): {a:.2}× at {}, {b:.2}× at {}, {lo:.2}–{hi:.2}× \
                 in between.",
                density_text(d.density()),
                density_text(s.density())
            )
        }
        _ => String::new(),
    };
    // Layouts denser than the last win where the table did not win.
    let misses_above = |last: Layout| -> String {
        let m: Vec<String> = sorted
            .iter()
            .filter(|(l, v)| l.density() > last.density() && *v != Verdict::TableWins)
            .map(|(l, v)| format!("{} at {}", v.name().trim_matches('*'), density_text(l.density())))
            .collect();
        if m.is_empty() {
            String::new()
        } else {
            format!(
                "; at denser layouts it does not win everywhere ({}), which, with a win at a sparser layout, is \
                 the table's margin near the {} line rather than a density effect",
                m.join(", "),
                pct(MARGIN)
            )
        }
    };
    match density_crossover(series) {
        None => format!("N = {n}: not measured."),
        Some(DensityCrossover::NoWin) => format!(
            "N = {n}: the table wins at no density measured, so at this N the case count, not the density, \
             decides: it places no density threshold ({seq}).{trend_text}"
        ),
        Some(DensityCrossover::WinsAtSparsest { sparsest }) => format!(
            "N = {n}: the table still wins at the sparsest layout measured, {}: no density crossover down to \
             {}{} ({seq}).{trend_text}",
            layout_text(sparsest),
            density_text(sparsest.density()),
            misses_above(sparsest)
        ),
        Some(DensityCrossover::StopsBelow { last_win, first_miss }) => {
            let below: Vec<Verdict> =
                sorted.iter().filter(|(l, _)| l.density() < last_win.density()).map(|&(_, v)| v).collect();
            let count = |v: Verdict| below.iter().filter(|&&x| x == v).count();
            format!(
                "N = {n}: the table stops winning below {}: it does not win at {} or any sparser layout (ties \
                 {}, loses {} of {}), so the crossover lies in ({}, {}]{} ({seq}).{trend_text}",
                layout_text(last_win),
                layout_text(first_miss),
                count(Verdict::Tie),
                count(Verdict::ChainWins),
                below.len(),
                density_text(first_miss.density()),
                density_text(last_win.density()),
                misses_above(last_win)
            )
        }
    }
}

/// Writes the sweep's findings from the tables' `sweep`.
pub(super) fn write(w: &mut String, d: &Results, sweep: &Sweep) {
    let _ = writeln!(w, "### Findings (computed from the tables above)\n");
    for dist in Dist::STRIDED {
        let _ = writeln!(w, "The table against the chain, {}:\n", draw_name(dist));
        for n in d.sizes() {
            if let Some(series) = sweep.verdicts.get(&(dist, n)) {
                let trend = sweep.trends.get(&(dist, n)).map_or(&[][..], |t| t.as_slice());
                let _ = writeln!(w, "- {}", density_crossover_sentence(n, series, trend));
            }
        }
        let _ = writeln!(w);
    }
    for dist in Dist::STRIDED {
        tree_sentence(w, sweep, dist);
    }
    min_density(w, sweep);
    for n in d.sizes() {
        span_cost(w, sweep, n);
    }
    max_table_span(w, d, sweep);
    let _ = writeln!(w);
}

/// The search tree against the chain under `dist`, over every layout.
fn tree_sentence(w: &mut String, sweep: &Sweep, dist: Dist) {
    let of_dist = || sweep.tree_verdicts.iter().filter(move |((dd, _), _)| *dd == dist);
    let wins: Vec<String> = of_dist()
        .flat_map(|((_, n), s)| {
            s.iter().filter(|(_, v)| *v == Verdict::TableWins).map(move |(l, _)| format!("N = {n} s = {}", l.stride))
        })
        .collect();
    let losses = of_dist().map(|(_, s)| s.iter().filter(|(_, v)| *v == Verdict::ChainWins).count()).sum::<usize>();
    let total = of_dist().map(|(_, s)| s.len()).sum::<usize>();
    let _ = writeln!(
        w,
        "- The search tree against the chain, {}: it wins at {} of {total} layouts{}, and loses at {losses}. \
         (`min_cases_for_search` = {} keeps the tree away from these N either way.)",
        draw_name(dist),
        wins.len(),
        if wins.is_empty() { String::new() } else { format!(" ({})", wins.join(", ")) },
        SwitchConfig::default().min_cases_for_search
    );
}

/// Does the current configuration allow a table for `n` cases at layout
/// `l` but for its density: enough cases, and within the span limit?
fn eligible(n: u32, l: Layout) -> bool {
    let defaults = SwitchConfig::default();
    (n as usize) >= defaults.min_cases_for_table && u64::from(l.span()) <= defaults.max_table_span
}

/// Every (case count, layout, verdict) under codes over the cases.
fn uniform_rows(sweep: &Sweep) -> Vec<(u32, Layout, Verdict)> {
    sweep
        .verdicts
        .iter()
        .filter(|((dist, _), _)| *dist == Dist::Uniform)
        .flat_map(|((_, n), s)| s.iter().map(move |&(l, v)| (*n, l, v)))
        .collect()
}

/// The measured `min_density`, from the codes over the cases: the range
/// the crossovers support and the current value against it; then the
/// layouts where the current value admits a table that loses.
fn min_density(w: &mut String, sweep: &Sweep) {
    let crossovers: Vec<(u32, DensityCrossover)> = sweep
        .verdicts
        .iter()
        .filter(|((dist, _), _)| *dist == Dist::Uniform)
        .filter_map(|((_, n), s)| Some((*n, density_crossover(s)?)))
        .collect();
    let no_win: Vec<u32> =
        crossovers.iter().filter(|(_, c)| matches!(c, DensityCrossover::NoWin)).map(|&(n, _)| n).collect();
    let only: Vec<DensityCrossover> = crossovers.iter().map(|&(_, c)| c).collect();
    let current = SwitchConfig::default().min_density;
    let rows = uniform_rows(sweep);
    let sentence = match supported_min_density(&only) {
        None => format!(
            "- **`min_density`**: no case count's table won at any density{} (codes over the cases), so this \
             run places no density threshold; `min_density` = {current} stands unmeasured.",
            if no_win.is_empty() { String::new() } else { format!(" (N = {})", list(&no_win)) }
        ),
        Some((above, up_to)) if above >= up_to => format!(
            "- **`min_density`**: the case counts disagree (codes over the cases): one stops winning at {} \
             while another still wins at {}; no single threshold fits both, so this run does not settle \
             `min_density` = {current}.",
            density_text(above),
            density_text(up_to)
        ),
        Some((above, up_to)) => {
            let range = if above > 0.0 {
                format!("a `min_density` in ({}, {}]", density_text(above), density_text(up_to))
            } else {
                format!(
                    "any `min_density` down to {} (the table wins at the sparsest layout measured; nothing \
                     sparser was measured, so the lower end is open)",
                    density_text(up_to)
                )
            };
            let verdict = if current > above && current <= up_to {
                format!("the current {current} is consistent with it")
            } else if current > up_to {
                format!(
                    "the current {current} is too high for speed: it rejects tables that win ({})",
                    rejected(&rows, current).join("; ")
                )
            } else {
                format!(
                    "the current {current} is too low: it admits tables where the table has stopped winning ({})",
                    stopped(&rows, &crossovers, current).join(", ")
                )
            };
            format!(
                "- **`min_density`, measured** (codes over the cases, the hot path; the pass has no profile, \
                 so it cannot know how often a sparse switch misses): {range} follows this run{}; {verdict}.",
                if no_win.is_empty() {
                    String::new()
                } else {
                    format!(" (N = {} places no bound: its table wins at no density)", list(&no_win))
                }
            )
        }
    };
    let _ = writeln!(w, "{sentence}");
    let losses: Vec<String> = rows
        .iter()
        .filter(|&&(n, l, v)| v == Verdict::ChainWins && l.density() >= current && eligible(n, l))
        .map(|(n, l, _)| format!("N = {n} at {}", density_text(l.density())))
        .collect();
    if !losses.is_empty() {
        let _ = writeln!(
            w,
            "- The current `min_density` = {current} admits a table that is slower than the chain (codes over \
             the cases): {}.",
            losses.join(", ")
        );
    }
}

/// Layouts (codes over the cases, enough cases for a table) where the
/// table wins though `current` rejects it, grouped by case count: "N = 24
/// at 17%, 3.3%; N = 64 at 3.2% [span 2017, beyond `max_table_span` too]".
fn rejected(rows: &[(u32, Layout, Verdict)], current: f64) -> Vec<String> {
    let mut groups: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for &(n, l, v) in rows {
        if v == Verdict::TableWins
            && l.density() < current
            && (n as usize) >= SwitchConfig::default().min_cases_for_table
        {
            let beyond = if eligible(n, l) {
                String::new()
            } else {
                format!(" [span {}, beyond `max_table_span` too]", l.span())
            };
            groups.entry(n).or_default().push(format!("{}{beyond}", density_text(l.density())));
        }
    }
    groups.into_iter().map(|(n, v)| format!("N = {n} at {}", v.join(", "))).collect()
}

/// Layouts `current` admits (within the span limit) at or below where a
/// case count's table has stopped winning.
fn stopped(rows: &[(u32, Layout, Verdict)], crossovers: &[(u32, DensityCrossover)], current: f64) -> Vec<String> {
    crossovers
        .iter()
        .filter_map(|&(n, c)| match c {
            DensityCrossover::StopsBelow { first_miss, .. } => Some((n, first_miss.density())),
            _ => None,
        })
        .flat_map(|(n, miss)| {
            rows.iter()
                .filter(move |&&(m, l, _)| m == n && l.density() <= miss && l.density() >= current && eligible(m, l))
                .map(|(n, l, v)| format!("N = {n} at {} ({})", density_text(l.density()), v.name().trim_matches('*')))
        })
        .collect()
}

/// What the span costs the forced table itself at `n` cases (and the
/// chain, for comparison), codes over the cases.
fn span_cost(w: &mut String, sweep: &Sweep, n: u32) {
    let Some(rs) = sweep.table_vs_dense.get(&(Dist::Uniform, n)) else { return };
    let (lo, hi) = ratio_range(rs);
    let spans: Vec<u32> = rs.iter().map(|(l, _)| l.span()).collect();
    let _ = writeln!(
        w,
        "- The forced table's own time at N = {n} (codes over the cases; the slower shape): {:.2}–{:.2}× \
         the densest table's over spans {}–{}{} (separate modules' series: subject to the across-series \
         noise; what the span costs the table itself is the part the chain does not share).",
        lo,
        hi,
        spans.iter().min().unwrap_or(&0),
        spans.iter().max().unwrap_or(&0),
        sweep.chain_vs_dense.get(&(Dist::Uniform, n)).map_or(String::new(), |c| {
            let (a, b) = ratio_range(c);
            format!("; the chain's own time over the same layouts: {a:.2}–{b:.2}× the densest chain's")
        })
    );
}

/// `max_table_span`: every layout measured beyond it, what the table does
/// there, and where the limit binds.
fn max_table_span(w: &mut String, d: &Results, sweep: &Sweep) {
    let defaults = SwitchConfig::default();
    let (limit, current) = (defaults.max_table_span, defaults.min_density);
    let beyond: Vec<(u32, Layout)> = d
        .sizes()
        .into_iter()
        .flat_map(|n| d.layouts(n).into_iter().map(move |l| (n, l)))
        .filter(|(_, l)| u64::from(l.span()) > limit)
        .collect();
    if beyond.is_empty() {
        let _ = writeln!(
            w,
            "- **`max_table_span`** = {limit}: no layout wider than that was measured, so this run does not test it."
        );
        return;
    }
    let pays = beyond.iter().any(|&(n, l)| verdict_at(sweep, Dist::Uniform, n, l) == Verdict::TableWins);
    let rows: Vec<String> = beyond.iter().map(|&(n, l)| beyond_row(d, sweep, n, l)).collect();
    let needed = (current * (limit + 1) as f64).ceil();
    let _ = writeln!(
        w,
        "- **`max_table_span`** = {limit}, beyond it: {}. {} The limit does not bind under `min_density` = \
         {current}: a table wider than {limit} entries at that density needs at least {needed:.0} cases; \
         under a lower `min_density` t it binds from ⌈t·{}⌉ cases on. What grows with the span for certain \
         is size: the wasm `br_table` spends an entry per value of the span (one byte while the targets \
         are fewer than 128), and the compiled jump table an entry per value.",
        rows.join("; "),
        if pays {
            "So the span limit forbids a table that wins on speed over the cases here; what argues for \
             it is the size, and the table's own time at that span against the densest table's (above)."
        } else {
            "Beyond the limit the table does not win over the cases, so the limit costs no speed here."
        },
        limit + 1
    );
}

/// The table's verdict against the chain at `n` cases, layout `l`.
fn verdict_at(sweep: &Sweep, dist: Dist, n: u32, l: Layout) -> Verdict {
    sweep.verdicts.get(&(dist, n)).and_then(|s| s.iter().find(|(x, _)| *x == l)).map_or(Verdict::Missing, |&(_, v)| v)
}

/// One layout beyond `max_table_span`: the verdicts, the table / chain
/// ratios, the table's growth and its extra bytes.
fn beyond_row(d: &Results, sweep: &Sweep, n: u32, l: Layout) -> String {
    // The table's time over the chain's, per shape, codes over the cases.
    let vs_chain: Vec<String> = density::SHAPES
        .iter()
        .filter_map(|&s| {
            let c = &d.point(n, l.stride, s)?.case;
            Some(ratio(c.ns(TABLE, Dist::Uniform)?, c.ns(COMPARES, Dist::Uniform)?))
        })
        .collect();
    let growth = sweep
        .table_vs_dense
        .get(&(Dist::Uniform, n))
        .and_then(|rs| rs.iter().find(|(x, _)| *x == l))
        .map_or("–".into(), |&(_, r)| format!("{r:.2}×"));
    let extra = density::SHAPES
        .iter()
        .filter_map(|&s| {
            let c = &d.point(n, l.stride, s)?.case;
            let (t, k) = (c.variant(TABLE)?.code_bytes, c.variant(COMPARES)?.code_bytes);
            (t > 0 && k > 0).then(|| t as i64 - k as i64)
        })
        .max();
    format!(
        "N = {n}, {}: the table {} against the chain ({}; table / chain {}), {} ({}); its time {} \
         the densest table's; {} bytes of code against the chain",
        layout_text(l),
        verdict_at(sweep, Dist::Uniform, n, l).name().trim_matches('*'),
        draw_name(Dist::Uniform),
        vs_chain.join(" / "),
        verdict_at(sweep, Dist::Span, n, l).name().trim_matches('*'),
        draw_name(Dist::Span),
        growth,
        extra.map_or("–".into(), |b| format!("{b:+}"))
    )
}

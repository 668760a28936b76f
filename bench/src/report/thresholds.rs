//! What the dense measurements say about switch-recovery's case-count
//! thresholds: the forced table and search tree against the chain at
//! every N (early-exit chains, then sequential ifs), the verdicts
//! ([`Verdict`], [`crossover`]) and the computed findings on
//! `min_cases_for_table` and `min_cases_for_search`.

use std::fmt::Write;

use weft_passes::switch_recovery::SwitchConfig;

use super::noise::noise_floor;
use super::{Inputs, MARGIN, cells, config_text, list, lowering_seen, pct, plain, ratios};
use crate::dispatch::{self, Kind};
use crate::modules::{Dist, Shape};
use crate::variants::Lowering;

/// One comparison series of the thresholds section: a verdict per (N,
/// distribution).
struct Series {
    /// What wins when the verdict is [`Verdict::TableWins`].
    subject: &'static str,
    /// What it is compared with.
    against: &'static str,
    verdicts: Vec<(Dist, u32, Verdict)>,
}

impl Series {
    fn new(subject: &'static str, against: &'static str) -> Series {
        Series { subject, against, verdicts: Vec::new() }
    }

    fn pick(&self, dist: Dist) -> Vec<(u32, Verdict)> {
        self.verdicts.iter().filter(|(d2, _, _)| *d2 == dist).map(|&(_, n, v)| (n, v)).collect()
    }
}

/// The forced variants the thresholds compare, and weft -O2.
const CHAIN: Kind = Kind::Weft(Lowering::Chain);
const COMPARES: Kind = Kind::Weft(Lowering::Compares);
const TABLE: Kind = Kind::Weft(Lowering::Table);
const SEARCH: Kind = Kind::Weft(Lowering::Search);
const O2: Kind = Kind::Weft(Lowering::CostModel);

/// Writes the section on the cost model's thresholds.
pub(super) fn write(w: &mut String, inputs: &Inputs<'_>) {
    let d = inputs.dispatch;
    let defaults = SwitchConfig::default();
    let _ = writeln!(w, "## What this says about the switch-recovery cost model thresholds\n");
    let _ = writeln!(
        w,
        "Current defaults: `{}` (`SwitchConfig::default()`). All cases measured in this section are dense \
         (density 1.0), so only the case-count thresholds are tested here: `min_cases_for_table` = {} \
         decides between a table and a compare chain, `min_cases_for_search` = {} between a search tree \
         and a compare chain where no table is allowed. {}\n",
        config_text(&defaults),
        defaults.min_cases_for_table,
        defaults.min_cases_for_search,
        if inputs.density.is_ok() {
            "`min_density` and `max_table_span` are placed by the density sweep (next section)."
        } else {
            "`min_density` and `max_table_span` are not tested by this run (the density sweep was not run)."
        }
    );
    let _ = writeln!(
        w,
        "Every time here is the same source through weft -O2 with switch-recovery forced one way, so each \
         comparison is within one series. A table (or tree) *wins* at N when it is more than {m} faster \
         than the chain (whole iteration) for every shape judged together, *loses* (\"chain wins\") when \
         more than {m} slower for all of them, and ties otherwise.\n",
        m = pct(MARGIN)
    );
    let [table_early, tree_early] = early_exit(w, d);
    let [table_seq, tree_seq, table_written] = sequential(w, d);
    unformed(w, d);
    let _ = writeln!(w, "### Findings (computed from the tables above)\n");
    if let Some(f) = noise_floor(d, false) {
        let _ = writeln!(
            w,
            "- The margin ({}) against the run's within-series noise ({} typically, {} at the 90th \
             percentile): {}.",
            pct(MARGIN),
            pct(f.median),
            pct(f.p90),
            if f.p90 <= MARGIN {
                "a win or loss is larger than nine in ten distances between identical code"
            } else {
                "the margin is within the noise of some rows, so a single verdict is weak evidence; a run of \
                 consistent verdicts over consecutive N is not"
            }
        );
    }
    for series in [&table_early, &table_seq, &table_written, &tree_early, &tree_seq] {
        for dist in Dist::ALL {
            let _ = writeln!(
                w,
                "- {} vs {}, {}: {}",
                series.subject,
                series.against,
                dist.name(),
                crossover_sentence(series.subject, series.against, &series.pick(dist))
            );
        }
    }
    threshold_findings(w, &table_early, &table_seq, &tree_early);
}

/// The early-exit chains' table (`else-if`, `br_if run` judged together);
/// returns the table's and the tree's verdicts against the chain.
fn early_exit(w: &mut String, d: &dispatch::Results) -> [Series; 2] {
    let early = [Shape::ElseIf, Shape::BrIf];
    let _ = writeln!(
        w,
        "### Early-exit chains (`else-if`, `br_if run`)\n\nA call stops at its case. The chain is the shape \
         through weft -O2 without switch-recovery; columns list else-if / br_if run; ratios are to the chain \
         of the same shape.\n"
    );
    let _ = writeln!(
        w,
        "| N | codes | chain ns | table ns (ratio) | search tree ns (ratio) | table vs chain | tree vs chain | -O2 chose |\n\
         |---:|---|---|---|---|---|---|---|"
    );
    let mut table_early = Series::new("the br_table", "the early-exit chain");
    let mut tree_early = Series::new("the search tree", "the early-exit chain");
    for dist in Dist::ALL {
        for &n in d.iterations.keys() {
            let get = |kind: Kind| -> Vec<Option<f64>> {
                early.iter().map(|&s| d.case(n, s).and_then(|c| c.ns(kind, dist))).collect()
            };
            let (chains, tables, searches) = (get(CHAIN), get(TABLE), get(SEARCH));
            let tv = Verdict::of(&ratios(&tables, &chains));
            let sv = Verdict::of(&ratios(&searches, &chains));
            table_early.verdicts.push((dist, n, tv));
            tree_early.verdicts.push((dist, n, sv));
            let chose = early
                .iter()
                .map(|&s| d.case(n, s).map_or("?", |c| lowering_seen(c, O2)))
                .collect::<Vec<_>>()
                .join(" / ");
            let _ = writeln!(
                w,
                "| {n} | {} | {} | {} | {} | {} | {} | {chose} |",
                dist.name(),
                plain(&chains),
                cells(&tables, &chains),
                cells(&searches, &chains),
                tv.name(),
                sv.name()
            );
        }
    }
    let _ = writeln!(w);
    [table_early, tree_early]
}

/// The sequential ifs' table; returns the table's and the tree's verdicts
/// against the compare chain, and the table's against the ifs as written.
fn sequential(w: &mut String, d: &dispatch::Results) -> [Series; 3] {
    let _ = writeln!(
        w,
        "### Sequential ifs (`seq-if`)\n\nEvery test runs on every call as written. Below the table \
         threshold the cost model rewrites it into an early-exit compare chain in source order (the forced \
         compare chain variant: switch-recovery allowed neither a table nor a tree); so the table's \
         threshold is placed against that compare chain, and the original shape is shown for scale. Ratios \
         are to the compare chain, except the compare chain's own (to the seq-if as written).\n"
    );
    let _ = writeln!(
        w,
        "| N | codes | as written ns | compare chain ns (ratio) | table ns (ratio) | search tree ns (ratio) | table vs compare chain | tree vs compare chain | table vs as written | -O2 chose |\n\
         |---:|---|---:|---:|---:|---:|---|---|---|---|"
    );
    let mut table_seq = Series::new("the br_table", "the seq-if compare chain");
    let mut tree_seq = Series::new("the search tree", "the seq-if compare chain");
    let mut table_written = Series::new("the br_table", "the seq-if as written");
    for dist in Dist::ALL {
        for &n in d.iterations.keys() {
            let case = d.case(n, Shape::SeqIf);
            let get = |kind: Kind| -> Vec<Option<f64>> { vec![case.and_then(|c| c.ns(kind, dist))] };
            let (written, comp, tables, searches) = (get(CHAIN), get(COMPARES), get(TABLE), get(SEARCH));
            let tv = Verdict::of(&ratios(&tables, &comp));
            let sv = Verdict::of(&ratios(&searches, &comp));
            let wv = Verdict::of(&ratios(&tables, &written));
            table_seq.verdicts.push((dist, n, tv));
            tree_seq.verdicts.push((dist, n, sv));
            table_written.verdicts.push((dist, n, wv));
            let _ = writeln!(
                w,
                "| {n} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
                dist.name(),
                plain(&written),
                cells(&comp, &written),
                cells(&tables, &comp),
                cells(&searches, &comp),
                tv.name(),
                sv.name(),
                wv.name(),
                case.map_or("?", |c| lowering_seen(c, O2))
            );
        }
    }
    let _ = writeln!(w);
    [table_seq, tree_seq, table_written]
}

/// Forced tables that did not form are worth saying.
fn unformed(w: &mut String, d: &dispatch::Results) {
    let unformed: Vec<String> = d
        .cases
        .iter()
        .filter(|c| c.shape.is_chain() && lowering_seen(c, TABLE) != "table")
        .map(|c| format!("n = {}, {}", c.n, c.shape.name()))
        .collect();
    if !unformed.is_empty() {
        let _ = writeln!(
            w,
            "**switch-recovery forced to `br_table` did not form a table for:** {} — the pass does not \
             recognize that chain, so the rows above compare a chain with itself there.\n",
            unformed.join("; ")
        );
    }
}

/// What the uniform-codes verdicts say about each threshold.
fn threshold_findings(w: &mut String, table_early: &Series, table_seq: &Series, tree_early: &Series) {
    let defaults = SwitchConfig::default();
    let (table, search) = (defaults.min_cases_for_table, defaults.min_cases_for_search);
    for (name, current, what, chains, series, after) in [
        ("min_cases_for_table", table, "a table", "early-exit chains", table_early, ""),
        ("min_cases_for_table", table, "a table", "sequential ifs (against their compare chain)", table_seq, ""),
        (
            "min_cases_for_search",
            search,
            "a search tree",
            "early-exit chains",
            tree_early,
            " On dense cases a table is formed whenever one is allowed, so `min_cases_for_search` only \
             decides switches too sparse for a table, which this run does not measure; the tree-vs-chain \
             comparison above is what it should follow.",
        ),
    ] {
        let _ =
            writeln!(w, "- {}{after}", threshold_sentence(name, what, chains, &series.pick(Dist::Uniform), current));
    }
    let _ = writeln!(
        w,
        "- The pass has no profile, so it cannot tell a skewed switch from a uniform one; under skew the \
         chain's first test is the hot one and the table's gain shrinks or reverses (compare the two \
         distributions above). A threshold chosen on uniform codes is the one the cost model can use.\n"
    );
}

/// Table (or tree) against chain at one N.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Faster by more than the margin for every chain shape.
    TableWins,
    /// Slower by more than the margin for every chain shape.
    ChainWins,
    /// Within the margin, or the shapes disagree.
    Tie,
    /// Not measured.
    Missing,
}

impl Verdict {
    /// The verdict from the table/chain time ratios of the chain shapes.
    pub fn of(ratios: &[Option<f64>]) -> Verdict {
        let Some(rs) = ratios.iter().copied().collect::<Option<Vec<f64>>>() else { return Verdict::Missing };
        if rs.is_empty() {
            Verdict::Missing
        } else if rs.iter().all(|&r| r < 1.0 - MARGIN) {
            Verdict::TableWins
        } else if rs.iter().all(|&r| r > 1.0 + MARGIN) {
            Verdict::ChainWins
        } else {
            Verdict::Tie
        }
    }

    pub(super) fn name(self) -> &'static str {
        match self {
            Verdict::TableWins => "**wins**",
            Verdict::ChainWins => "chain wins",
            Verdict::Tie => "tie",
            Verdict::Missing => "not measured",
        }
    }
}

/// The smallest N from which the table wins at every larger measured N.
pub fn crossover(series: &[(u32, Verdict)]) -> Option<u32> {
    let mut from = None;
    for &(n, v) in series.iter().rev() {
        if v == Verdict::TableWins {
            from = Some(n);
        } else {
            break;
        }
    }
    from
}

pub(super) fn crossover_sentence(subject: &str, against: &str, series: &[(u32, Verdict)]) -> String {
    let seq =
        series.iter().map(|(n, v)| format!("N={n}: {}", v.name().trim_matches('*'))).collect::<Vec<_>>().join(", ");
    let Some(n) = crossover(series) else {
        let wins: Vec<u32> = series.iter().filter(|(_, v)| *v == Verdict::TableWins).map(|&(n, _)| n).collect();
        return if wins.is_empty() {
            format!("{subject} beats {against} at no N measured ({seq}).")
        } else {
            format!(
                "{subject} does not beat {against} at the largest N measured; it won only at N = {} ({seq}).",
                list(&wins)
            )
        };
    };
    let below = series.iter().rev().find(|&&(m, _)| m < n).map(|&(m, _)| m);
    match below {
        None => format!("{subject} beats {against} at every N measured, from N = {n} ({seq})."),
        Some(m) => format!(
            "{subject} beats {against} from N = {n} on, and not at N = {m}: the crossover lies in ({m}, {n}] ({seq})."
        ),
    }
}

/// Handler counts from `m` to `n` for a finer sweep: both ends and up to
/// three evenly spaced points between them, comma-separated.
pub(super) fn sweep(m: u32, n: u32) -> String {
    let mut points: Vec<u32> = (0..=4).map(|i| m + (n - m) * i / 4).collect();
    points.dedup();
    points.iter().map(u32::to_string).collect::<Vec<_>>().join(",")
}

/// What the uniform-codes verdicts say about threshold `name` (current
/// value `current`), deciding for `what` ("a table") against `chains`.
pub(super) fn threshold_sentence(
    name: &str,
    what: &str,
    chains: &str,
    uniform: &[(u32, Verdict)],
    current: usize,
) -> String {
    let at = |n: u32| (n as usize) >= current;
    match crossover(uniform) {
        Some(n) if (n as usize) <= current => {
            let earlier: Vec<u32> = uniform
                .iter()
                .filter(|&&(m, v)| m >= n && !at(m) && v == Verdict::TableWins)
                .map(|&(m, _)| m)
                .collect();
            if earlier.is_empty() {
                format!(
                    "`{name}` = {current} is consistent with this run for {chains}: with uniform codes {what} wins at every measured N ≥ {current}, and not below."
                )
            } else {
                format!(
                    "`{name}` = {current} is conservative for {chains}: with uniform codes {what} already wins from N = {n}; lowering it to {n} would be supported by this run."
                )
            }
        }
        Some(n) => {
            let m = uniform.iter().rev().find(|&&(m, _)| m < n).map_or(0, |&(m, _)| m);
            let between: Vec<(u32, Verdict)> = uniform.iter().filter(|&&(k, _)| at(k) && k < n).copied().collect();
            let slower: Vec<u32> = between.iter().filter(|(_, v)| *v == Verdict::ChainWins).map(|&(k, _)| k).collect();
            let cost = if slower.is_empty() {
                format!("{what} there is not faster, but not slower either (ties within {})", pct(MARGIN))
            } else {
                format!("{what} there is slower at N = {}", list(&slower))
            };
            format!(
                "`{name}` = {current} is too low for {chains} on this machine: with uniform codes {what} wins only from N = {n} (not at N = {m}), so {chains} of {current} to {m} cases get {what} that does not pay: {cost}. A value in ({m}, {n}] follows this run; a finer sweep (`--sizes {}`) would place it.",
                sweep(m, n)
            )
        }
        None => format!(
            "with uniform codes {what} does not win over {chains} consistently up to the largest N measured, so this run gives no support for `{name}` = {current}: it supports {what} only above N = {}, if at all.",
            uniform.last().map_or(0, |&(n, _)| n)
        ),
    }
}

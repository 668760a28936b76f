//! The jump floor: the hand-written `br_table` whose every arm calls the
//! same handler, timed beside acceptance (a). Its time bounds the ratio any
//! lowering of the dispatch can reach; this file writes that bound at
//! [`super::ACCEPT_N`] (with what the floor assumes and the run's own
//! evidence on it) and at every N.

use std::fmt::Write;

use super::acceptance::{SpeedUp, measurably_slower, speed_row};
use super::noise::{noise_floor, noise_of};
use super::{ACCEPT_SPEEDUP, capitalize, speed_text};
use crate::dispatch::{self, CaseResult, Kind};
use crate::modules::{Dist, Shape};
use crate::variants::Lowering;

/// What the jump floor is, for the report.
const FLOOR_TEXT: &str = "The **jump floor** (\"br_table, one handler\") is the hand-written `br_table` \
     dispatch of the same N cases whose every arm calls `$h0` with the event code, as the baseline does: it \
     computes the baseline's checksum (checked on every run) and differs from the baseline only by the \
     table jump — the bounds check, the indirect jump and, when the codes are unpredictable, its \
     misprediction — with no handler diversity. It is timed in the `seq-if` series, interleaved with the \
     baseline and the variants of (a).";

/// The best ratios any lowering can reach over the original, bounded by
/// the jump floor: original ÷ floor on the whole iteration, and the
/// original's dispatch cost ÷ the floor's (both from one series).
/// `None` unless the original, the floor and the baseline were timed.
pub fn floor_bound(case: &CaseResult, dist: Dist) -> Option<SpeedUp> {
    let (o, f, b) = (case.ns(Kind::Original, dist)?, case.ns(Kind::JumpFloor, dist)?, case.ns(Kind::Baseline, dist)?);
    Some(SpeedUp::of(o, f, b))
}

/// "reachable" / "**not reachable**" for a bound against a target.
fn reachable(bound: f64, target: f64) -> &'static str {
    if bound >= target { "yes" } else { "**no**" }
}

/// The one computed sentence on whether `target` is reachable at all: the
/// bound on both measures, and whether the noise in its favour (original
/// up, floor down by `noise`) would change the answer.
pub fn reachability_sentence(codes: &str, bound: SpeedUp, favour: SpeedUp, target: f64) -> String {
    let on = |x: f64, y: f64, what: &str| -> String {
        match (x >= target, y >= target) {
            (true, _) => format!("reachable on {what} (up to {})", speed_text(x)),
            (false, true) => format!(
                "not reachable on {what} on the medians ({}) but within noise ({} with the noise in its favour)",
                speed_text(x),
                speed_text(y)
            ),
            (false, false) => format!(
                "not reachable on {what} (at most {}; {} even with the noise in its favour)",
                speed_text(x),
                speed_text(y)
            ),
        }
    };
    let any = bound.whole >= target || bound.dispatch >= target;
    let near = favour.whole >= target || favour.dispatch >= target;
    format!(
        "{}: {target:.0}× is {} in this run — it is {} and {}.",
        capitalize(codes),
        if any {
            "reachable"
        } else if near {
            "not reachable on the medians, only within noise"
        } else {
            "**not reachable at all**"
        },
        on(bound.whole, favour.whole, "the whole iteration"),
        on(bound.dispatch, favour.dispatch, "the dispatch alone")
    )
}

/// The variants of `case` (the original and every optimized one) whose
/// whole-iteration median under `dist` is measurably faster than the jump
/// floor's (by more than the relative `noise`), with their times: where
/// the floor is no bound.
pub fn below_floor(case: &CaseResult, dist: Dist, noise: f64) -> Vec<(Kind, f64)> {
    let Some(f) = case.ns(Kind::JumpFloor, dist) else { return Vec::new() };
    case.variants
        .iter()
        .filter(|v| !v.kind.computes_baseline())
        .filter_map(|v| Some((v.kind, v.ns.get(&dist)?.median)))
        .filter(|&(_, x)| measurably_slower(f, x, noise))
        .collect()
}

/// (a)'s jump-floor table, the reachability sentences and what the floor
/// assumes, with the report's own numbers that test the assumption.
pub(super) fn write(w: &mut String, d: &dispatch::Results, case: &CaseResult, noise_floor: f64) {
    let _ = writeln!(
        w,
        "#### The jump floor: the best ratio any lowering can reach at N = {}
",
        case.n
    );
    let _ = writeln!(
        w,
        "{FLOOR_TEXT}
"
    );
    if Dist::ALL.iter().all(|&dist| case.ns(Kind::JumpFloor, dist).is_none()) {
        let _ = writeln!(w, "Not measured in this run (the floor failed or is missing from the series).\n");
        return;
    }
    let _ = writeln!(
        w,
        "Its time bounds what any lowering of the dispatch can reach: the best whole-iteration ratio is \
         original ÷ floor, the best dispatch-only ratio the original's dispatch cost ÷ the floor's.\n"
    );
    bound_table(w, case, noise_floor);
    let evidence = evidence(d, case, noise_floor);
    let _ = writeln!(
        w,
        "What the floor assumes: with uniform codes each call's handler is one of {n} equally likely targets, \
         so any lowering that selects it by control flow takes at least one unpredictable transfer per call — \
         an indirect jump, or mispredicted conditional branches — and the floor takes exactly one indirect \
         jump and nothing else. Where that could be wrong:\n",
        n = case.n
    );
    for e in &evidence {
        let _ = writeln!(w, "- {e};");
    }
    let _ = writeln!(
        w,
        "- a rewrite that is not a lowering of the dispatch escapes the bound: the handlers here differ only \
         in their constants, so merging them into one handler that loads its constants from tables indexed \
         by the code would replace the transfer by data loads (weft has no such pass; switch-recovery is about \
         switch lowering);\n\
         - with skewed codes the floor's jump is mostly predicted, so it bounds little there: the table above \
         gives its numbers for completeness.\n"
    );
}

/// The bound per distribution and whether the target is reachable, then
/// one sentence each.
fn bound_table(w: &mut String, case: &CaseResult, noise_floor: f64) {
    let _ = writeln!(
        w,
        "| codes | original ns | jump floor ns | baseline ns | best whole-iteration ratio | {t:.0}× reachable? | \
         original dispatch cost | floor dispatch cost | best dispatch-only ratio | {t:.0}× reachable? | \
         weft -O2 dispatch cost / floor's | row noise |\n\
         |---|---:|---:|---:|---:|---|---:|---:|---:|---|---:|---:|",
        t = ACCEPT_SPEEDUP
    );
    let o2 = Kind::Weft(Lowering::CostModel);
    let mut sentences = Vec::new();
    for dist in Dist::ALL {
        let (Some(o), Some(f), Some(b)) =
            (case.ns(Kind::Original, dist), case.ns(Kind::JumpFloor, dist), case.ns(Kind::Baseline, dist))
        else {
            let _ = writeln!(w, "| {} | not measured | | | | | | | | | | |", dist.name());
            continue;
        };
        let noise = noise_of(case, dist, noise_floor);
        let bound = SpeedUp::of(o, f, b);
        let favour = SpeedUp::against(o, f, b, -noise.0);
        let weft_share = match case.dispatch_ns(o2, dist) {
            Some(x) if f - b > 0.0 => format!("{:.2}× | ", x / (f - b)),
            _ => "– | ".into(),
        };
        speed_row(w, dist, [o, f, b], reachable, &weft_share, noise);
        sentences.push(reachability_sentence(dist.name(), bound, favour, ACCEPT_SPEEDUP));
    }
    let _ = writeln!(w);
    for s in &sentences {
        let _ = writeln!(w, "- {s}");
    }
    let _ = writeln!(w);
}

/// The run's own numbers on where the floor's assumption could be wrong:
/// a conditional branch's mispredict, the branch-based lowerings' costs,
/// and the handler diversity the floor leaves out (uniform codes).
fn evidence(d: &dispatch::Results, case: &CaseResult, noise_floor: f64) -> Vec<String> {
    let u = Dist::Uniform;
    let floor_cost = case.dispatch_ns(Kind::JumpFloor, u);
    let mut evidence = Vec::new();
    // A conditional branch's mispredict: the N = 2 `else-if` original tests
    // `e == 0` once, taken half the time at random.
    if let Some(c) = d.case(2, Shape::ElseIf).and_then(|c| c.dispatch_ns(Kind::Original, u)) {
        evidence.push(format!(
            "a conditional branch mispredicts more cheaply than the indirect jump: the N = 2 `else-if` original \
             (one random two-way test per call, mispredicted about half the time) costs {c:.2} ns of dispatch, \
             about {:.1} ns per mispredict against the floor's {} ns per call",
            2.0 * c,
            floor_cost.map_or("–".into(), |f| format!("{f:.2}"))
        ));
    }
    evidence.extend(branch_lowerings(case, floor_cost, noise_floor));
    // Handler diversity: the hand-written table less the floor.
    if let Some(h) = d.case(case.n, Shape::BrTable).and_then(|c| c.dispatch_ns(Kind::Original, u))
        && let Some(f) = floor_cost
    {
        evidence.push(format!(
            "a real dispatch also pays for calling {n} different handlers, which the floor does not: the \
             hand-written `br_table`'s dispatch cost is {h:.2} ns against the floor's {f:.2} ns ({:+.2} ns; its \
             own series, so subject to the across-series noise) — the floor is a lower bound, not a prediction",
            h - f,
            n = case.n
        ));
    }
    evidence
}

/// The compare-based lowerings measured in the floor's series against it
/// (`None` when none was timed).
fn branch_lowerings(case: &CaseResult, floor_cost: Option<f64>, noise_floor: f64) -> Option<String> {
    let u = Dist::Uniform;
    let others: Vec<String> = [Lowering::Compares, Lowering::Search, Lowering::Chain]
        .iter()
        .filter_map(|&l| {
            let c = case.dispatch_ns(Kind::Weft(l), u)?;
            Some(format!(
                "{} {c:.2} ns{}",
                l.name(),
                floor_cost.filter(|&f| f > 0.0).map_or(String::new(), |f| format!(" ({:.2}× the floor's)", c / f))
            ))
        })
        .collect();
    if others.is_empty() {
        return None;
    }
    let below = below_floor(case, u, noise_of(case, u, noise_floor).0)
        .into_iter()
        .filter(|&(k, _)| !is_table(case, k))
        .map(|(k, x)| format!("{} ({x:.2} ns whole iteration)", k.name()))
        .collect::<Vec<_>>();
    Some(format!(
        "but a two-way branch only halves the candidates, so selecting one of {} equally likely handlers \
         takes at least log2 {} ≈ {:.1} of them per call, about half mispredicted; this series' uniform \
         dispatch costs of the branch-based lowerings: {}. {}",
        case.n,
        case.n,
        f64::from(case.n).log2(),
        others.join(", "),
        if below.is_empty() {
            "No branch-based variant (no `br_table`) measured here is faster than the floor by more than the \
             row's noise"
                .to_string()
        } else {
            format!(
                "Faster than the floor by more than the row's noise, so the floor is **not** a bound in this \
                 run: {}",
                below.join(", ")
            )
        }
    ))
}

/// The jump floor at every N (the `seq-if` series): its dispatch cost and
/// the bound it sets on the ratio over the original.
pub(super) fn at_every_n(w: &mut String, d: &dispatch::Results) {
    let rows: Vec<&CaseResult> =
        d.cases.iter().filter(|c| c.shape == dispatch::FLOOR_SERIES && c.variant(Kind::JumpFloor).is_some()).collect();
    if rows.is_empty() {
        return;
    }
    let _ = writeln!(
        w,
        "### The jump floor at every N (`{}` series)
",
        dispatch::FLOOR_SERIES.name()
    );
    let _ = writeln!(
        w,
        "{FLOOR_TEXT} The best ratio over the original `{s}` a lowering can reach is original ÷ floor (whole \
         iteration) and the original's dispatch cost ÷ the floor's (dispatch only); see (a) for what that \
         assumes.\n",
        s = dispatch::FLOOR_SERIES.name()
    );
    let _ = writeln!(
        w,
        "| N | codes | baseline | jump floor | floor dispatch cost | original dispatch cost | weft -O2 dispatch \
         cost | best whole-iteration ratio | best dispatch-only ratio |\n\
         |---:|---|---:|---:|---:|---:|---:|---:|---:|"
    );
    let p90 = noise_floor(d, false).map_or(0.0, |f| f.p90);
    let (mut no_bound, mut table_below): (Vec<String>, Vec<String>) = (Vec::new(), Vec::new());
    for dist in Dist::ALL {
        for case in &rows {
            let below = below_floor(case, dist, noise_of(case, dist, p90).0);
            let fastest = |table: bool| {
                below
                    .iter()
                    .filter(|&&(k, _)| is_table(case, k) == table)
                    .min_by(|a, b| a.1.total_cmp(&b.1))
                    .map(|(k, x)| format!("N = {} ({} {x:.2} ns)", case.n, k.name()))
            };
            if dist == Dist::Uniform {
                no_bound.extend(fastest(false));
                table_below.extend(fastest(true));
            }
            every_n_row(w, case, dist);
        }
    }
    let _ = writeln!(w);
    below_sentence(w, &no_bound, &table_below);
}

/// One row of the floor's table at every N.
fn every_n_row(w: &mut String, case: &CaseResult, dist: Dist) {
    let cell = |x: Option<f64>| x.map_or("–".into(), |x| format!("{x:.2}"));
    let bound = floor_bound(case, dist);
    let _ = writeln!(
        w,
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        case.n,
        dist.name(),
        cell(case.ns(Kind::Baseline, dist)),
        cell(case.ns(Kind::JumpFloor, dist)),
        cell(case.dispatch_ns(Kind::JumpFloor, dist)),
        cell(case.dispatch_ns(Kind::Original, dist)),
        cell(case.dispatch_ns(Kind::Weft(Lowering::CostModel), dist)),
        bound.map_or("–".into(), |b| speed_text(b.whole)),
        bound.map_or("–".into(), |b| speed_text(b.dispatch))
    );
}

/// Where (uniform codes) a variant measured faster than its floor:
/// branch-based ones (`no_bound`: the floor is no bound there) and table
/// ones (`table_below`: noise).
fn below_sentence(w: &mut String, no_bound: &[String], table_below: &[String]) {
    let _ = writeln!(
        w,
        "{}{}\n",
        if no_bound.is_empty() {
            "With uniform codes no branch-based variant of any N measured faster than its floor by more than the \
             row's noise."
                .to_string()
        } else {
            format!(
                "With uniform codes the floor is **no bound** where a branch-based variant (no `br_table`) of the \
                 same series measured faster than it by more than the row's noise — a few conditional branches, \
                 mispredicted less than the indirect jump costs, are cheaper there; the fastest such variant: {}.",
                no_bound.join("; ")
            )
        },
        if table_below.is_empty() {
            String::new()
        } else {
            format!(
                " A table variant also measured faster than the floor by more than the row's noise at {}: it takes \
                 the same jump and calls different handlers besides, so that gap is this run's noise, not a way \
                 under the floor.",
                table_below.join("; ")
            )
        }
    );
}

/// Does `kind`'s output in `case` dispatch through a `br_table` (the
/// drivers and handlers have none)?
fn is_table(case: &CaseResult, kind: Kind) -> bool {
    case.variant(kind).is_some_and(|v| v.ops.br_table > 0)
}

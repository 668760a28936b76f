//! The verdicts on switch-recovery's acceptance targets: the
//! noise estimates the verdicts are judged against, (a) the speed-up of
//! weft -O2 over the original `seq-if` at [`ACCEPT_N`] handlers (with the
//! jump floor of [`super::floor`]), and (b) at every N, shape and
//! distribution, weft -O2 against the faster of the original and the
//! forced `br_table`.

use std::fmt::Write;

use super::dispatch_tables::BASELINE_TEXT;
use super::noise::{noise_floor, noise_of};
use super::{ACCEPT_N, ACCEPT_SPEEDUP, bullets, capitalize, floor, pct, ratio, speed_text};
use crate::dispatch::{self, CaseResult, Kind};
use crate::modules::{Dist, Shape};
use crate::variants::Lowering;

/// A rewritten dispatch's speed-up over the original, on the whole
/// iteration and on the dispatch alone (each time less the baseline's).
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct SpeedUp {
    /// original ns / optimized ns.
    pub whole: f64,
    /// (original − baseline) / (optimized − baseline): infinite when the
    /// optimized dispatch costs nothing measurable (≤ 0) and the original's
    /// does; NaN when neither does.
    pub dispatch: f64,
}

impl SpeedUp {
    /// The speed-ups from the three medians.
    pub fn of(original: f64, optimized: f64, baseline: f64) -> SpeedUp {
        let whole = if optimized > 0.0 { original / optimized } else { f64::NAN };
        let (co, cw) = (original - baseline, optimized - baseline);
        let dispatch = if cw > 0.0 && co > 0.0 {
            co / cw
        } else if co > 0.0 {
            f64::INFINITY
        } else {
            f64::NAN
        };
        SpeedUp { whole, dispatch }
    }

    /// The speed-ups with the original moved down and the optimized time
    /// up by the relative `noise`: what still holds if the noise went
    /// against the claim.
    pub fn against(original: f64, optimized: f64, baseline: f64, noise: f64) -> SpeedUp {
        SpeedUp::of(original * (1.0 - noise), optimized * (1.0 + noise), baseline)
    }
}

fn pass(x: f64, target: f64) -> &'static str {
    if x >= target { "**PASS**" } else { "**FAIL**" }
}

/// Is `optimized` measurably slower than `reference`: slower by more than
/// the relative `noise`?
pub fn measurably_slower(optimized: f64, reference: f64, noise: f64) -> bool {
    optimized / reference - 1.0 > noise
}

/// A table row of one distribution's speed-up of `times` = [original,
/// optimized, baseline]: the three medians, the whole-iteration speed-up
/// and its `mark` against the target, both dispatch costs, the
/// dispatch-only speed-up and its mark, `extra` cells, and the row's
/// `noise` (marked † when it is the run's floor, not the row's own).
pub(super) fn speed_row(
    w: &mut String,
    dist: Dist,
    times: [f64; 3],
    mark: fn(f64, f64) -> &'static str,
    extra: &str,
    noise: (f64, bool),
) {
    let [o, x, b] = times;
    let s = SpeedUp::of(o, x, b);
    let _ = writeln!(
        w,
        "| {} | {o:.2} | {x:.2} | {b:.2} | {} | {} | {:.2} | {:.2} | {} | {} | {extra}{}{} |",
        dist.name(),
        speed_text(s.whole),
        mark(s.whole, ACCEPT_SPEEDUP),
        o - b,
        x - b,
        speed_text(s.dispatch),
        mark(s.dispatch, ACCEPT_SPEEDUP),
        pct(noise.0),
        if noise.1 { "" } else { " †" }
    );
}

/// weft -O2 of the `seq-if` module, the row that acceptance (a) judges.
const O2: Kind = Kind::Weft(Lowering::CostModel);

/// Writes the section "Acceptance of #6 (computed)".
pub(super) fn write(w: &mut String, d: &dispatch::Results) {
    let _ = writeln!(w, "## Acceptance of #6 (computed)\n");
    let _ = writeln!(
        w,
        "Issue #6 asks: (a) \"At N = {ACCEPT_N} the recovered dispatch is ≥ {ACCEPT_SPEEDUP:.0}× faster than \
         the original sequential-if chain\"; (b) \"at every N it is never measurably slower than the faster \
         of (original, `br_table`)\". Both are judged below from this run's medians; \"the recovered \
         dispatch\" is the `seq-if` module (or, for (b), each shape) through weft -O2.\n"
    );
    let _ = writeln!(
        w,
        "Two measures are used. The **whole iteration** is one driver call's CPU time per event (LCG step, \
         the call to `$dispatch`, the dispatch, one handler): the honest end-to-end figure. The **dispatch \
         cost** is that time less the **baseline**'s. {}\n",
        BASELINE_TEXT
    );
    let (floor, typical) = noise(w, d);
    let _ = writeln!(w, "### (a) N = {ACCEPT_N}: weft -O2 of `seq-if` against the original `seq-if`\n");
    match d.case(ACCEPT_N, Shape::SeqIf) {
        None => {
            let _ = writeln!(w, "Not measured: N = {ACCEPT_N} is not among this run's sizes (`--sizes`).\n");
        }
        Some(case) => {
            target_a(w, d, case, floor);
            floor::write(w, d, case, floor);
        }
    }
    target_b(w, d, floor, typical);
}

/// The noise paragraph; returns the within-series 90th percentile (the
/// floor of a row's noise) and median (the typical noise).
fn noise(w: &mut String, d: &dispatch::Results) -> (f64, f64) {
    let within = noise_floor(d, false);
    let across = noise_floor(d, true);
    let floor = within.as_ref().map_or(0.0, |f| f.p90);
    let typical = within.as_ref().map_or(0.0, |f| f.median);
    let _ = writeln!(w, "**Noise** (the harness's estimate: how far apart byte-identical outputs measured):\n");
    match &within {
        Some(f) => {
            let _ = writeln!(
                w,
                "- within one module's interleaved series (what the ratios of a row are subject to), over {} \
                 pairs: {} apart typically (median), {} at the 90th percentile, {} at worst ({});",
                f.pairs,
                pct(f.median),
                pct(f.p90),
                pct(f.max),
                f.worst
            );
        }
        None => {
            let _ = writeln!(w, "- within one module's series: no byte-identical pair was timed, so no estimate;");
        }
    }
    if let Some(f) = &across {
        let _ = writeln!(
            w,
            "- across the series of different shapes (e.g. the baseline timed in each shape's series; what \
             comparing absolute times between shapes is subject to): {} typically, {} at the 90th \
             percentile, {} at worst ({});",
            pct(f.median),
            pct(f.p90),
            pct(f.max),
            f.worst
        );
    }
    let _ = writeln!(
        w,
        "- **a row's noise**, used for the verdicts below: the largest distance between byte-identical \
         variants timed in that row's own series (weft -O2 usually equals one of the forced variants, and \
         the forced compare chain equals the chain as written for the early-exit shapes), but at least the \
         run's 90th-percentile within-series figure ({}), since a single pair can land close by chance; a \
         row that takes that floor is marked †. With the median ({}) as the bar instead, about half of \
         the rows comparing equally fast code would read \"slower\".\n",
        pct(floor),
        pct(typical)
    );
    (floor, typical)
}

/// (a)'s table, one verdict sentence per distribution, and the
/// hand-written table's times for scale.
fn target_a(w: &mut String, d: &dispatch::Results, case: &CaseResult, floor: f64) {
    let _ = writeln!(
        w,
        "| codes | original ns | weft -O2 ns | baseline ns | whole-iteration speed-up | ≥ {t:.0}×? | \
         original dispatch cost | weft -O2 dispatch cost | dispatch-only speed-up | ≥ {t:.0}×? | row noise |\n\
         |---|---:|---:|---:|---:|---|---:|---:|---:|---|---:|",
        t = ACCEPT_SPEEDUP
    );
    let mut sentences = Vec::new();
    for dist in Dist::ALL {
        let (Some(o), Some(x), Some(b)) =
            (case.ns(Kind::Original, dist), case.ns(O2, dist), case.ns(Kind::Baseline, dist))
        else {
            let _ = writeln!(w, "| {} | not measured (a variant failed) | | | | | | | | | |", dist.name());
            sentences.push(format!("{}: not measured.", dist.name()));
            continue;
        };
        let noise = noise_of(case, dist, floor);
        speed_row(w, dist, [o, x, b], pass, "", noise);
        sentences.push(a_sentence(dist, o, x, b, noise.0));
    }
    let _ = writeln!(w);
    for s in sentences {
        let _ = writeln!(w, "- {s}");
    }
    if let Some(hand) = d.case(ACCEPT_N, Shape::BrTable) {
        scale(w, case, hand);
    }
    let _ = writeln!(
        w,
        "\n\"With the noise against it\": the original's time moved down and weft's up by the row's \
         noise (\"in its favour\": the other way); a verdict that flips under that move is within \
         noise.\n"
    );
}

/// (a)'s verdict under `dist` from the original's, weft -O2's and the
/// baseline's medians: each measure passes or fails, and whether that
/// holds with the row's `noise` moved against it (a pass) or in its
/// favour (a failure).
fn a_sentence(dist: Dist, o: f64, x: f64, b: f64, noise: f64) -> String {
    let s = SpeedUp::of(o, x, b);
    let (wp, dp) = (s.whole >= ACCEPT_SPEEDUP, s.dispatch >= ACCEPT_SPEEDUP);
    let which = match (wp, dp) {
        (true, true) => "both measures pass".to_string(),
        (false, true) => "only the dispatch-only measure passes".to_string(),
        (true, false) => "only the whole-iteration measure passes".to_string(),
        (false, false) => "neither measure passes".to_string(),
    };
    // A passing measure is tested with the noise against it, a
    // failing one with the noise in its favour.
    let (against, favour) = (SpeedUp::against(o, x, b, noise), SpeedUp::against(o, x, b, -noise));
    let robust = |ok: bool, moved: f64| -> String {
        match (ok, moved >= ACCEPT_SPEEDUP) {
            (true, true) => format!("holds with the noise against it: {}", speed_text(moved)),
            (true, false) => format!("within noise: {} with the noise against it", speed_text(moved)),
            (false, false) => format!("still fails with the noise in its favour: {}", speed_text(moved)),
            (false, true) => format!("within noise: {} with the noise in its favour", speed_text(moved)),
        }
    };
    format!(
        "{}: whole iteration {} — {} ({}); dispatch only {} — {} ({}). {}.",
        dist.name(),
        speed_text(s.whole),
        if wp { "PASS" } else { "FAIL" },
        robust(wp, if wp { against.whole } else { favour.whole }),
        speed_text(s.dispatch),
        if dp { "PASS" } else { "FAIL" },
        robust(dp, if dp { against.dispatch } else { favour.dispatch }),
        capitalize(&which)
    )
}

/// For scale: the hand-written table against the original chain.
fn scale(w: &mut String, case: &CaseResult, hand: &CaseResult) {
    let scale: Vec<String> = Dist::ALL
        .iter()
        .filter_map(|&dist| {
            let (o, b) = (case.ns(Kind::Original, dist)?, case.ns(Kind::Baseline, dist)?);
            let (h, hb) = (hand.ns(Kind::Original, dist)?, hand.ns(Kind::Baseline, dist)?);
            let s = SpeedUp { whole: o / h, dispatch: if h - hb > 0.0 { (o - b) / (h - hb) } else { f64::INFINITY } };
            Some(format!(
                "{}: {h:.2} ns (dispatch cost {:.2} ns), so the original `seq-if` is {} slower on the \
                 whole iteration and {} on the dispatch",
                dist.name(),
                h - hb,
                speed_text(s.whole),
                speed_text(s.dispatch)
            ))
        })
        .collect();
    if !scale.is_empty() {
        let _ = writeln!(
            w,
            "- For scale, the hand-written `br_table` module at N = {ACCEPT_N} (its own series, so \
             subject to the across-series noise) — {}. The hand-written table differs from the baseline \
             in two ways, the table jump and calling {ACCEPT_N} different handlers; the jump floor below \
             measures the first alone.",
            scale.join("; ")
        );
    }
}

/// What (b) found over all rows.
#[derive(Default)]
struct TargetB {
    /// Rows where weft -O2 is measurably slower.
    failures: Vec<String>,
    /// Rows slower by more than the typical noise but not the row's.
    within_noise: Vec<String>,
    /// Rows judged.
    checked: usize,
}

/// (b): the table over every N, shape and distribution, then the verdict.
fn target_b(w: &mut String, d: &dispatch::Results, floor: f64, typical: f64) {
    let _ = writeln!(
        w,
        "### (b) Every N, shape and distribution: weft -O2 against the faster of (original, forced `br_table`)\n"
    );
    let _ = writeln!(
        w,
        "The `br_table` of a row is the same source through weft -O2 with switch-recovery forced to a table \
         (same shape, same series); the hand-written `br_table` module of the same N is listed too (timed in \
         its own series, so comparing with it is subject to the across-series noise). weft -O2 is \
         *measurably slower* when its whole-iteration time exceeds the faster reference by more than the \
         row's noise; the difference in ns is the same on the dispatch cost, since both times in a row have \
         the same baseline subtracted.\n"
    );
    let _ = writeln!(
        w,
        "| N | shape | codes | weft -O2 | original | forced br_table | hand-written br_table | faster | weft -O2 / faster | row noise | verdict |\n\
         |---:|---|---|---:|---:|---:|---:|---|---:|---:|---|"
    );
    let mut found = TargetB::default();
    for dist in Dist::ALL {
        for case in &d.cases {
            b_row(w, d, case, dist, (floor, typical), &mut found);
        }
    }
    let _ = writeln!(w);
    let _ = writeln!(w, "The hand-written column's ratio is weft -O2 / hand-written.\n");
    b_verdict(w, &found, typical);
}

/// One row of (b)'s table, recorded in `found`; `noise` is the run's
/// (floor, typical) within-series noise.
fn b_row(w: &mut String, d: &dispatch::Results, case: &CaseResult, dist: Dist, noise: (f64, f64), found: &mut TargetB) {
    let (floor, typical) = noise;
    let hand = d.case(case.n, Shape::BrTable).and_then(|c| c.ns(Kind::Original, dist));
    let hand_cell = hand.map_or("–".into(), |h| format!("{h:.2}"));
    let (Some(x), Some(o)) = (case.ns(O2, dist), case.ns(Kind::Original, dist)) else {
        let _ = writeln!(
            w,
            "| {} | {} | {} | – | – | – | {hand_cell} | – | – | – | not measured |",
            case.n,
            case.shape.name(),
            dist.name()
        );
        return;
    };
    let t = case.ns(Kind::Weft(Lowering::Table), dist);
    let (faster, name) = match t {
        Some(t) if t < o => (t, "forced br_table"),
        _ => (o, "original"),
    };
    let (noise, own) = noise_of(case, dist, floor);
    let slower = measurably_slower(x, faster, noise);
    let gray = !slower && measurably_slower(x, faster, typical);
    found.checked += 1;
    if gray {
        found.within_noise.push(format!("N = {} {} {} ({})", case.n, case.shape.name(), dist.name(), ratio(x, faster)));
    }
    if slower {
        found.failures.push(format!(
            "N = {}, {}, {}: weft -O2 {x:.2} ns vs {name} {faster:.2} ns ({}, {:.2} ns slower; row noise {})",
            case.n,
            case.shape.name(),
            dist.name(),
            ratio(x, faster),
            x - faster,
            pct(noise)
        ));
    }
    let _ = writeln!(
        w,
        "| {} | {} | {} | {x:.2} | {o:.2} | {} | {hand_cell}{} | {name} | {} | {}{} | {} |",
        case.n,
        case.shape.name(),
        dist.name(),
        t.map_or("–".into(), |t| format!("{t:.2}")),
        hand.map_or(String::new(), |h| format!(" ({})", ratio(x, h))),
        ratio(x, faster),
        pct(noise),
        if own { "" } else { " †" },
        if slower {
            "**slower**"
        } else if gray {
            "slower, within noise"
        } else {
            "ok"
        }
    );
}

/// (b)'s verdict: it holds, or the rows where it fails; and the rows
/// slower only within noise.
fn b_verdict(w: &mut String, found: &TargetB, typical: f64) {
    let checked = found.checked;
    if found.failures.is_empty() {
        let _ = writeln!(
            w,
            "**(b) holds: no row fails.** In none of the {checked} rows is weft -O2 slower than the faster of \
             (original, forced `br_table`) by more than the row's noise.\n"
        );
    } else {
        let title = format!(
            "**(b) fails in {} of {checked} rows** (weft -O2 slower than the faster of (original, forced \
             `br_table`) by more than the row's noise):",
            found.failures.len()
        );
        bullets(w, &title, &found.failures);
    }
    if !found.within_noise.is_empty() {
        let _ = writeln!(
            w,
            "Slower by more than the typical noise ({}) but not by more than the row's noise, so not counted \
             (\"slower, within noise\"): {}.\n",
            pct(typical),
            found.within_noise.join("; ")
        );
    }
}

//! The dispatch section: how the modules and the timing work, the sizes,
//! whether one baseline serves every optimizer, then per distribution the
//! whole-iteration table, the dispatch-cost table (less the baseline), the
//! original shapes against the hand-written `br_table`, and the jump floor
//! at every N.

use std::fmt::Write;

use super::{Inputs, floor, kind_columns, kinds, list, ratio, reps_text, secs};
use crate::dispatch::{self, CaseResult, Kind};
use crate::modules::{self, Dist, Shape};
use crate::variants::Lowering;

/// What the baseline is and why subtracting it leaves the dispatch's cost.
pub(super) const BASELINE_TEXT: &str = "The baseline is the module of the same N with the same driver loop, LCG and \
     handlers (every handler runs the same instructions; only its constants differ), whose `$dispatch(e)` \
     is a plain `call $h0` with no test, timed in every shape's series interleaved with the variants. \
     Everything it executes is also executed, instruction for instruction, by every variant of that N, so \
     a variant's time less the baseline's is what its dispatch adds to an iteration: the tests, the \
     branches and their mispredictions.";

/// Writes the section "Dispatch: ns per call".
pub(super) fn write(w: &mut String, inputs: &Inputs<'_>) {
    let d = inputs.dispatch;
    let has_wasm_opt = d.cases.iter().any(|c| c.variant(Kind::WasmOpt).is_some());
    let _ = writeln!(w, "## Dispatch: ns per call\n");
    intro(w, inputs);
    sizes(w, inputs, has_wasm_opt);
    let _ = writeln!(w, "{BASELINE_TEXT}\n");
    cleanup(w, d);
    let ks = kinds(has_wasm_opt);
    for dist in Dist::ALL {
        whole_iteration(w, d, &ks, dist);
    }
    let _ = writeln!(
        w,
        "`spread` is the largest (max − min) / median over the row's series (baseline included): the range \
         of single calls, wider than the uncertainty of a median (see the noise figures above). `–`: not \
         measured at this N.\n"
    );
    for dist in Dist::ALL {
        dispatch_cost(w, d, &ks, dist);
    }
    for dist in Dist::ALL {
        shapes_against_table(w, d, dist);
    }
    floor::at_every_n(w, d);
}

/// The modules, the driver and how a time is taken.
fn intro(w: &mut String, inputs: &Inputs<'_>) {
    let d = inputs.dispatch;
    let _ = writeln!(
        w,
        "Each module has N handlers (`$h_k` mixes its argument into a global in {} rounds of add, xor, \
         rotate and multiply with constants that depend on k, and bumps a counter in memory: the same \
         instructions in every handler) and a `$dispatch(e)` in one of four shapes: `seq-if` (`if (e == k) \
         h_k(e)` for every k — every test runs on every call), `else-if` (a ladder of nested `if/else`), \
         `br_if run` (a run of `br_if` out of nested blocks, Binaryen's tablify shape) and the hand-written \
         `br_table` reference. The driver loop runs inside wasm: a 64-bit LCG draws the event code, uniform \
         over [0, N) or skewed ({:.0}% code 0, the first case tested), and calls `$dispatch`. A time is one \
         driver call's thread CPU time divided by its iterations, the median of {} interleaved repetitions \
         after a warm-up call; the ratio in parentheses is against the original module of the same shape, \
         measured in the same run. CPU time, not wall time: on this shared machine the timed calls' wall \
         time was {} their CPU time (the rest is waiting for a core). Dispatch benchmark wall time: {}.\n",
        modules::ROUNDS,
        modules::skew_fraction() * 100.0,
        reps_text(inputs).replace(" calls each", ""),
        ratio(d.timed_wall.as_secs_f64(), d.timed_cpu.as_secs_f64()),
        secs(d.elapsed)
    );
}

/// The headline sizes and the threshold sweep's, when there is one.
fn sizes(w: &mut String, inputs: &Inputs<'_>, has_wasm_opt: bool) {
    let d = inputs.dispatch;
    let headline: Vec<u32> = d.iterations.keys().copied().filter(|n| dispatch::HEADLINE_SIZES.contains(n)).collect();
    let sweep: Vec<u32> = d.iterations.keys().copied().filter(|n| !dispatch::HEADLINE_SIZES.contains(n)).collect();
    if sweep.is_empty() {
        return;
    }
    // Fewer repetitions at the sweep-only sizes, if any.
    let sweep_reps: Vec<usize> =
        sweep.iter().filter_map(|n| d.reps.get(n).copied()).filter(|&r| r != inputs.reps).collect();
    let no_wasm_opt: Vec<u32> = d
        .iterations
        .keys()
        .copied()
        .filter(|&n| has_wasm_opt && d.cases.iter().filter(|c| c.n == n).all(|c| c.variant(Kind::WasmOpt).is_none()))
        .collect();
    let _ = writeln!(
        w,
        "Sizes: the issue's N = {}; N = {} are the sweep that places the thresholds{}{}.\n",
        if headline.is_empty() { "(none measured)".to_string() } else { list(&headline) },
        list(&sweep),
        match sweep_reps.first() {
            Some(r) =>
                format!(", measured with {r} timed calls per variant instead of {} to keep the run short", inputs.reps),
            None => format!(", measured like them ({} timed calls per variant)", inputs.reps),
        },
        if no_wasm_opt.is_empty() {
            String::new()
        } else {
            format!(
                "; wasm-opt -O3 is left out at N = {} (it plays no part in the thresholds, and each of its \
                 runs costs seconds)",
                list(&no_wasm_opt)
            )
        }
    );
}

/// Is one baseline fair to the optimized variants? On the hand-written
/// br_table, an optimizer changes only the code around the dispatch.
fn cleanup(w: &mut String, d: &dispatch::Results) {
    let around = |kind: Kind, dist: Dist| -> Option<f64> {
        let mut r: Vec<f64> = d
            .cases
            .iter()
            .filter(|c| c.shape == Shape::BrTable)
            .filter_map(|c| Some(c.ns(kind, dist)? / c.ns(Kind::Original, dist)?))
            .collect();
        r.sort_by(f64::total_cmp);
        r.get(r.len() / 2).copied()
    };
    let cleanup: Vec<String> = Dist::ALL
        .iter()
        .filter_map(|&dist| around(Kind::Weft(Lowering::CostModel), dist).map(|r| format!("{r:.2}× ({})", dist.name())))
        .collect();
    if cleanup.is_empty() {
        return;
    }
    let _ = writeln!(
        w,
        "The baseline is the original module; the optimizers also rewrite the code around the dispatch. On \
         the hand-written `br_table` module, where the dispatch is already a table, weft -O2 ran at {} of \
         the original (median over N), so the same baseline serves weft's variants{}.\n",
        cleanup.join(", "),
        match (around(Kind::WasmOpt, Dist::Uniform), around(Kind::WasmOpt, Dist::Skewed)) {
            (Some(u), Some(s)) => format!(
                "; wasm-opt -O3 ran at {u:.2}× (uniform) and {s:.2}× (skewed) there, and that change of the \
                 surrounding code is part of its dispatch cost below"
            ),
            _ => String::new(),
        }
    );
}

/// The whole-iteration table under `dist`: every variant's median and its
/// ratio to the original's, and the row's spread.
fn whole_iteration(w: &mut String, d: &dispatch::Results, ks: &[Kind], dist: Dist) {
    let _ = writeln!(w, "### Whole iteration, {} event codes\n", dist.name());
    kind_columns(
        w,
        ks,
        "| N | shape | iterations/call | calls | baseline |",
        " spread |",
        "|---:|---|---:|---:|---:|",
        "---:|",
    );
    for case in &d.cases {
        let _ = write!(
            w,
            "| {} | {} | {} | {} |",
            case.n,
            case.shape.name(),
            d.iterations.get(&case.n).map_or("–".into(), |i| i.to_string()),
            d.reps.get(&case.n).map_or("–".into(), |r| r.to_string())
        );
        let spread = whole_iteration_cells(w, case, ks, dist);
        let _ = writeln!(w, " {:.0}% |", spread * 100.0);
    }
    let _ = writeln!(w);
}

/// The baseline's and every variant's cell of one whole-iteration row;
/// returns the row's spread.
fn whole_iteration_cells(w: &mut String, case: &CaseResult, ks: &[Kind], dist: Dist) -> f64 {
    let orig = case.ns(Kind::Original, dist);
    let mut spread: f64 = 0.0;
    for k in std::iter::once(Kind::Baseline).chain(ks.iter().copied()) {
        match case.variant(k).map(|v| v.ns.get(&dist)) {
            Some(Some(s)) => {
                spread = spread.max(s.spread());
                if matches!(k, Kind::Original | Kind::Baseline) {
                    let _ = write!(w, " {:.2} |", s.median);
                } else {
                    let _ = write!(w, " {:.2} ({}) |", s.median, orig.map_or("–".into(), |o| ratio(s.median, o)));
                }
            }
            Some(None) => {
                let _ = write!(w, " failed |");
            }
            None => {
                let _ = write!(w, " – |");
            }
        }
    }
    spread
}

/// The dispatch-cost table under `dist`: every variant's median less the
/// baseline's, with its ratio to the original's.
fn dispatch_cost(w: &mut String, d: &dispatch::Results, ks: &[Kind], dist: Dist) {
    let _ = writeln!(w, "### Dispatch cost (ns per call less the baseline's), {} event codes\n", dist.name());
    let _ = writeln!(
        w,
        "Each cell is the variant's median less the baseline's median from the same series; the ratio is \
         to the original's dispatch cost (shown when both are positive).\n"
    );
    kind_columns(w, ks, "| N | shape | baseline ns |", "", "|---:|---|---:|", "");
    for case in &d.cases {
        let _ = write!(
            w,
            "| {} | {} | {} |",
            case.n,
            case.shape.name(),
            case.ns(Kind::Baseline, dist).map_or("–".into(), |b| format!("{b:.2}"))
        );
        let orig = case.dispatch_ns(Kind::Original, dist);
        for &k in ks {
            match case.dispatch_ns(k, dist) {
                Some(c) if k == Kind::Original => {
                    let _ = write!(w, " {c:.2} |");
                }
                Some(c) => match orig {
                    Some(o) if o > 0.0 && c > 0.0 => {
                        let _ = write!(w, " {c:.2} ({}) |", ratio(c, o));
                    }
                    _ => {
                        let _ = write!(w, " {c:.2} |");
                    }
                },
                None => {
                    let _ = write!(w, " – |");
                }
            }
        }
        let _ = writeln!(w);
    }
    let _ = writeln!(w);
}

/// The original chains against the hand-written table under `dist`.
fn shapes_against_table(w: &mut String, d: &dispatch::Results, dist: Dist) {
    let _ = writeln!(
        w,
        "### Original shapes against the hand-written `br_table`, {} event codes\n\nWhole-iteration \
         ratio / dispatch-cost ratio (each shape timed in its own series: subject to the across-series \
         noise):\n",
        dist.name()
    );
    let _ = writeln!(w, "| N | seq-if / br_table | else-if / br_table | br_if run / br_table |\n|---:|---:|---:|---:|");
    for &n in d.iterations.keys() {
        let hand = d.case(n, Shape::BrTable);
        let table = hand.and_then(|c| c.ns(Kind::Original, dist));
        let table_cost = hand.and_then(|c| c.dispatch_ns(Kind::Original, dist));
        let _ = write!(w, "| {n} |");
        for shape in [Shape::SeqIf, Shape::ElseIf, Shape::BrIf] {
            let c = d.case(n, shape);
            let chain = c.and_then(|c| c.ns(Kind::Original, dist));
            let cost = c.and_then(|c| c.dispatch_ns(Kind::Original, dist));
            let whole = match (chain, table) {
                (Some(c), Some(t)) => ratio(c, t),
                _ => "–".into(),
            };
            let disp = match (cost, table_cost) {
                (Some(c), Some(t)) if c > 0.0 && t > 0.0 => ratio(c, t),
                _ => "–".into(),
            };
            let _ = write!(w, " {whole} / {disp} |");
        }
        let _ = writeln!(w);
    }
    let _ = writeln!(w);
}

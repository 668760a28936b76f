//! The correctness section: whether every timed run returned the checksum
//! of the Rust model (a mismatch is a miscompilation, said in bold), which
//! variants could not be built or run, and which passes the pass manager
//! reverted.

use std::fmt::Write;

use super::{Inputs, bullets, reps_text};
use crate::density;
use crate::dispatch::CaseResult;

/// Writes the section "Correctness".
pub(super) fn write(w: &mut String, inputs: &Inputs<'_>) {
    let _ = writeln!(w, "## Correctness\n");
    let sweep = inputs.density.as_ref().ok().copied();
    checksums(w, inputs, sweep);
    let all = labelled_series(inputs, sweep);
    let failed: Vec<String> = all
        .iter()
        .flat_map(|(label, c)| {
            c.variants.iter().filter_map(move |v| v.error.as_ref().map(|e| format!("{label}, {}: {e}", v.kind.name())))
        })
        .collect();
    let events: Vec<String> = all
        .iter()
        .flat_map(|(label, c)| {
            c.variants.iter().flat_map(move |v| v.events.iter().map(move |e| format!("{label}: {e}")))
        })
        .collect();
    if !failed.is_empty() {
        bullets(w, "**Variants that could not be built or run:**", &failed);
    }
    if !events.is_empty() {
        bullets(w, "**Pass manager events (a pass produced invalid IR and was reverted):**", &events);
    }
}

/// The number of timed series of `cases`.
fn timed_series(cases: &mut dyn Iterator<Item = &CaseResult>) -> usize {
    cases.map(|c| c.variants.iter().map(|v| v.ns.len()).sum::<usize>()).sum()
}

/// The checksum verdict: every series agreed with the model, or the
/// mismatches in bold.
fn checksums(w: &mut String, inputs: &Inputs<'_>, sweep: Option<&density::Results>) {
    let d = inputs.dispatch;
    let mismatches: Vec<&String> =
        d.mismatches.iter().chain(sweep.into_iter().flat_map(|s| s.mismatches.iter())).collect();
    if mismatches.is_empty() {
        let _ = writeln!(
            w,
            "Every variant of every dispatch module returned the checksum the Rust model computes (the \
             baseline and jump-floor modules the baseline model's), on the check run and on every timed run ({} timed \
             series, {}{}): the checksums are identical across all variants.\n",
            timed_series(&mut d.cases.iter()),
            reps_text(inputs),
            match sweep {
                Some(s) => format!(
                    "; and {} timed series of the density sweep's strided modules, {} calls each",
                    timed_series(&mut s.points.iter().map(|p| &p.case)),
                    s.reps
                ),
                None => String::new(),
            }
        );
    } else {
        let _ = writeln!(
            w,
            "**CHECKSUM MISMATCH — a miscompilation.** These variants did not compute what the original \
             computes (a weft bug when the variant is a weft one); their timings are left out:\n"
        );
        for line in &mismatches {
            let _ = writeln!(w, "- **{line}**");
        }
        let _ = writeln!(w);
    }
}

/// Every series: the dense ones, then the sweep's (named with their
/// stride).
fn labelled_series<'a>(inputs: &Inputs<'a>, sweep: Option<&'a density::Results>) -> Vec<(String, &'a CaseResult)> {
    inputs
        .dispatch
        .cases
        .iter()
        .map(|c| (format!("n = {}, {}", c.n, c.shape.name()), c))
        .chain(sweep.into_iter().flat_map(|s| {
            s.points
                .iter()
                .map(|p| (format!("n = {}, stride {}, {}", p.layout.n, p.layout.stride, p.case.shape.name()), &p.case))
        }))
        .collect()
}

//! Proof cost: what checking `switch-recovery` with Z3 costs, measured.
//!
//! For every chain shape of [`SHAPES`] (`seq-if`, `else-if`, `br_if run`)
//! and handler count N of [`Options::sizes`], the dispatch module
//! ([`modules::dispatch_module`]) is optimized by the weft variants of
//! [`LOWERINGS`] — `switch-recovery` forced to a `br_table` (so a table is
//! made at every N) and the `-O2` pipeline as it is (the cost model
//! decides) — with every pass checked by `weft-verify` in strict mode
//! ([`VerifyMode::Strict`]: only `Proved` is kept; a bounded proof, an
//! unknown or a counterexample reverts the function), with the facade's
//! default check options (`weft::Config::default().verify_options`, whose
//! per-query timeout the report states). The pipelines are those of
//! [`variants::passes`], the same as the dispatch benchmark's (which runs
//! them with verification off).
//!
//! Each row records the `switch-recovery` pass's refinement outcomes and
//! reverts (from the pass manager's [`Report`]), that pass's time (the
//! transformation and its check), the whole pipeline's wall time
//! (translation, every pass with its check, emission), the checks of the
//! other passes, and the `br_table`s of the output. One run per row: these
//! are seconds, not nanoseconds. [`render`] writes the report section and
//! its findings, computed from the rows.

use std::fmt::Write;
use std::time::{Duration, Instant};

use weft_passes::{PassStats, Report, VerifyMode};

use crate::Error;
use crate::modules::{self, Shape};
use crate::variants::{self, Lowering};

/// The handler counts of a full run.
pub const DEFAULT_SIZES: [u32; 7] = [4, 7, 16, 32, 64, 128, 256];

/// The handler counts of a `--quick` run.
pub const QUICK_SIZES: [u32; 3] = [4, 16, 64];

/// The source shapes measured: the chains `switch-recovery` recovers.
pub const SHAPES: [Shape; 3] = [Shape::SeqIf, Shape::ElseIf, Shape::BrIf];

/// The weft variants measured, in report order: a table at every N, then
/// what `-O2` does.
pub const LOWERINGS: [Lowering; 2] = [Lowering::Table, Lowering::CostModel];

/// The pass whose proof is measured.
pub const PASS: &str = "switch-recovery";

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// Handler counts (sorted and deduplicated by [`run`]).
    pub sizes: Vec<u32>,
    /// Source shapes (normally [`SHAPES`]).
    pub shapes: Vec<Shape>,
    /// How to check: its `verify` mode and `verify_options` are used (its
    /// pipeline is not: the variants are [`LOWERINGS`]).
    pub check: weft::Config,
}

/// Strict checking with the facade's default check options (what
/// `weft --verify` does).
pub fn strict() -> weft::Config {
    weft::Config { verify: VerifyMode::Strict, ..weft::Config::default() }
}

impl Default for Options {
    fn default() -> Self {
        Options { sizes: DEFAULT_SIZES.to_vec(), shapes: SHAPES.to_vec(), check: strict() }
    }
}

/// What the strict check made of `switch-recovery` on one module.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Verdict {
    /// Every change was proved and kept.
    Proved,
    /// Proved only up to a loop bound (reverted in strict mode).
    Bounded,
    /// The solver gave no answer (a timeout or a limit; reverted).
    Unknown,
    /// A counterexample: a pass bug (reverted).
    Counterexample,
    /// Reverted by the structural verifier before any Z3 check (a pass bug).
    Rejected,
    /// The pass changed nothing, so nothing was checked.
    Unchanged,
}

impl Verdict {
    /// The verdict of a pass from its totals: the worst outcome counted.
    pub fn of(stats: &PassStats) -> Verdict {
        if stats.counterexamples > 0 {
            Verdict::Counterexample
        } else if stats.unknown > 0 {
            Verdict::Unknown
        } else if stats.proved_bounded > 0 {
            Verdict::Bounded
        } else if stats.reverted > 0 {
            Verdict::Rejected
        } else if stats.proved > 0 {
            Verdict::Proved
        } else {
            Verdict::Unchanged
        }
    }

    /// The verdict's name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Verdict::Proved => "proved",
            Verdict::Bounded => "bounded (reverted)",
            Verdict::Unknown => "unknown (reverted)",
            Verdict::Counterexample => "**counterexample** (reverted)",
            Verdict::Rejected => "**structural error** (reverted)",
            Verdict::Unchanged => "unchanged (no check)",
        }
    }
}

/// One module through one variant, checked.
#[derive(Clone, Debug)]
pub struct Row {
    /// Handlers.
    pub n: u32,
    /// Source shape.
    pub shape: Shape,
    /// The variant.
    pub lowering: Lowering,
    /// `switch-recovery`'s totals over every function (summed if the
    /// pipeline runs it more than once): outcomes, reverts and its time.
    pub switch: PassStats,
    /// Every other pass's totals, summed (their checks are part of
    /// [`Row::pipeline`]).
    pub others: PassStats,
    /// Wall time of the whole pipeline: translation, every pass and its
    /// check, emission.
    pub pipeline: Duration,
    /// `br_table`s in the output.
    pub br_tables: usize,
    /// The first line of each of `switch-recovery`'s events (why a check
    /// was not a proof).
    pub events: Vec<String>,
}

impl Row {
    /// `switch-recovery`'s verdict.
    pub fn verdict(&self) -> Verdict {
        Verdict::of(&self.switch)
    }

    /// Checks of the other passes that were not proofs.
    pub fn others_not_proved(&self) -> usize {
        self.others.proved_bounded + self.others.unknown + self.others.counterexamples
    }
}

/// The whole section's measurements.
#[derive(Clone, Debug, Default)]
pub struct Results {
    /// One row per shape, N and variant, in that order.
    pub rows: Vec<Row>,
    /// The per-query Z3 timeout used, in milliseconds.
    pub timeout_ms: u32,
    /// Wall time of the whole section.
    pub elapsed: Duration,
}

impl Results {
    /// The row of `shape`, `n` and `lowering`.
    pub fn row(&self, shape: Shape, n: u32, lowering: Lowering) -> Option<&Row> {
        self.rows.iter().find(|r| r.shape == shape && r.n == n && r.lowering == lowering)
    }

    /// The rows of `shape` and `lowering`, by ascending N.
    pub fn series(&self, shape: Shape, lowering: Lowering) -> Vec<&Row> {
        let mut v: Vec<&Row> = self.rows.iter().filter(|r| r.shape == shape && r.lowering == lowering).collect();
        v.sort_by_key(|r| r.n);
        v
    }
}

/// Sums the stats of the passes of `report` that `pick` selects.
fn total(report: &Report, pick: impl Fn(&str) -> bool) -> PassStats {
    let mut sum = PassStats::default();
    for p in report.passes.iter().filter(|p| pick(p.name)) {
        sum.add(p);
    }
    sum
}

/// Optimizes the `shape` module with `n` handlers through `lowering`, every
/// pass checked as `check` says.
pub fn measure(n: u32, shape: Shape, lowering: Lowering, check: &weft::Config) -> Result<Row, Error> {
    let bytes = modules::dispatch_module(n, shape)?;
    let passes = variants::passes(lowering)?;
    let what = || format!("{} of {} (N = {n})", lowering.name(), shape.name());
    let config = weft_passes::Config {
        verify: check.verify,
        verify_options: check.verify_options.clone(),
        assume_events: check.assume_events,
    };
    let start = Instant::now();
    let (mut module, _) =
        weft_frontend::translate_module(&bytes).map_err(|e| Error::new(format!("{}: {e}", what())))?;
    let report = weft_passes::PassManager::new(&passes, config).run_module(&mut module);
    let out = weft_backend::emit_module(&module).map_err(|e| Error::new(format!("{}: {e}", what())))?;
    let pipeline = start.elapsed();
    crate::wasm::validate(&out).map_err(|e| Error::new(format!("{}: {e}", what())))?;
    let br_tables = crate::wasm::op_counts(&out).map_err(|e| Error::new(format!("{}: {e}", what())))?.br_table;
    let mut switch = total(&report, |name| name == PASS);
    switch.name = PASS;
    let others = total(&report, |name| name != PASS);
    let events = report
        .events
        .iter()
        .filter(|e| e.pass == PASS)
        .map(|e| format!("`{}`: {}", e.function, e.message.lines().next().unwrap_or("").trim()))
        .collect();
    Ok(Row { n, shape, lowering, switch, others, pipeline, br_tables, events })
}

/// Measures every shape, N and variant of `options`. `progress` receives
/// one line per row. An N outside the dispatch modules' range is an error
/// before anything is measured.
pub fn run(options: &Options, progress: &mut dyn FnMut(&str)) -> Result<Results, Error> {
    let started = Instant::now();
    let mut sizes = options.sizes.clone();
    sizes.sort_unstable();
    sizes.dedup();
    if let Some(&bad) = sizes.iter().find(|&&n| n == 0 || n > modules::MAX_HANDLERS) {
        return Err(Error::new(format!("proof cost: {bad} handlers is outside 1..={}", modules::MAX_HANDLERS)));
    }
    let mut results = Results { timeout_ms: options.check.verify_options.timeout_ms, ..Results::default() };
    for &shape in &options.shapes {
        for &n in &sizes {
            for lowering in LOWERINGS {
                let row = measure(n, shape, lowering, &options.check)?;
                progress(&format!(
                    "proof: {} N = {n}, {}: {} ({} in switch-recovery, {} in all)",
                    shape.name(),
                    lowering.name(),
                    row.verdict().name(),
                    secs(row.switch.time),
                    secs(row.pipeline)
                ));
                results.rows.push(row);
            }
        }
    }
    results.elapsed = started.elapsed();
    Ok(results)
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// How a time grows with N: the factor per doubling of N between two
/// measured sizes.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct Growth {
    /// The smaller N.
    pub from: u32,
    /// The larger N.
    pub to: u32,
    /// Time at `to` over time at `from`, per doubling of N:
    /// `(t_to / t_from) ^ (1 / log2(to / from))`.
    pub factor: f64,
}

impl Growth {
    /// The exponent k of `time ∝ N^k` that the factor implies (`log2`).
    pub fn exponent(&self) -> f64 {
        self.factor.log2()
    }
}

/// The growth per doubling of N between the two largest N of `points`
/// (N, seconds) with a positive time; `None` with fewer than two.
pub fn growth_per_doubling(points: &[(u32, f64)]) -> Option<Growth> {
    let mut p: Vec<(u32, f64)> = points.iter().copied().filter(|&(n, t)| n > 0 && t > 0.0 && t.is_finite()).collect();
    p.sort_by_key(|&(n, _)| n);
    p.dedup_by_key(|&mut (n, _)| n);
    let [.., (n1, t1), (n2, t2)] = p[..] else { return None };
    let doublings = (f64::from(n2) / f64::from(n1)).log2();
    Some(Growth { from: n1, to: n2, factor: (t2 / t1).powf(1.0 / doublings) })
}

/// The largest N whose verdict is [`Verdict::Proved`].
pub fn largest_proved(series: &[(u32, Verdict)]) -> Option<u32> {
    series.iter().filter(|(_, v)| *v == Verdict::Proved).map(|&(n, _)| n).max()
}

fn ns_text(ns: &[u32]) -> String {
    ns.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

/// The finding for one shape and variant, from its series (N, verdict,
/// `switch-recovery` seconds), in words.
pub fn finding(subject: &str, series: &[(u32, Verdict, f64)]) -> String {
    let mut s: Vec<(u32, Verdict, f64)> = series.to_vec();
    s.sort_by_key(|&(n, _, _)| n);
    if s.is_empty() {
        return format!("{subject}: not measured.");
    }
    let verdicts: Vec<(u32, Verdict)> = s.iter().map(|&(n, v, _)| (n, v)).collect();
    let unchanged: Vec<u32> = verdicts.iter().filter(|(_, v)| *v == Verdict::Unchanged).map(|&(n, _)| n).collect();
    let failed: Vec<(u32, Verdict, f64)> =
        s.iter().copied().filter(|(_, v, _)| !matches!(v, Verdict::Proved | Verdict::Unchanged)).collect();
    let mut text = format!("{subject}: ");
    match largest_proved(&verdicts) {
        None => text.push_str("proved at no N measured"),
        Some(max) if failed.is_empty() && unchanged.is_empty() => {
            let _ = write!(text, "proved at every N measured, up to N = {max}");
        }
        Some(max) if failed.is_empty() => {
            let _ = write!(text, "proved wherever the pass changed the module, up to N = {max}");
        }
        Some(max) => {
            let _ = write!(text, "largest N proved {max}");
        }
    }
    if !failed.is_empty() {
        let items: Vec<String> =
            failed.iter().map(|(n, v, t)| format!("N = {n} {} after {t:.2} s", v.name())).collect();
        let _ = write!(text, "; not proved: {}", items.join(", "));
    }
    if !unchanged.is_empty() {
        let _ = write!(text, "; unchanged (nothing to check) at N = {}", ns_text(&unchanged));
    }
    let points: Vec<(u32, f64)> = s.iter().filter(|(_, v, _)| *v == Verdict::Proved).map(|&(n, _, t)| (n, t)).collect();
    if let Some(g) = growth_per_doubling(&points) {
        let at = points.iter().find(|&&(n, _)| n == g.to).map_or(0.0, |&(_, t)| t);
        let _ = write!(
            text,
            "; switch-recovery time ×{:.1} per doubling of N from N = {} to {} (≈ N^{:.1}), {:.2} s at N = {}",
            g.factor,
            g.from,
            g.to,
            g.exponent(),
            at,
            g.to
        );
    }
    text.push('.');
    text
}

/// Writes the report section "Proof cost" (`Err`: not measured, with the
/// reason).
pub fn render(w: &mut String, proof: &Result<&Results, String>) {
    let _ = writeln!(w, "## Proof cost: switch-recovery under Z3 (`--verify`)\n");
    let r = match proof {
        Ok(r) => *r,
        Err(reason) => {
            let _ = writeln!(w, "Not measured: {reason}.\n");
            return;
        }
    };
    let profile =
        if cfg!(debug_assertions) { "a **debug** build (not the release build's times)" } else { "the release build" };
    let sizes = {
        let mut v: Vec<u32> = r.rows.iter().map(|row| row.n).collect();
        v.sort_unstable();
        v.dedup();
        v
    };
    let switch_total: Duration = r.rows.iter().map(|row| row.switch.time).sum();
    let pipeline_total: Duration = r.rows.iter().map(|row| row.pipeline).sum();
    let _ = writeln!(
        w,
        "Each chain shape at N = {} through `{}` and `{}`, every pass checked by `weft-verify` in **strict** mode \
         (`VerifyMode::Strict`, as `weft --verify`: only a proof is kept; a bounded proof, an unknown or a \
         counterexample reverts the function) with the default check options: a Z3 timeout of **{} s per query** \
         (a check makes several queries, so one check can take longer; the timeout is wall time, so on a \
         loaded machine a check close to it can be unknown in one run and proved in the next — the load average \
         is in the machine table). The variants are the dispatch \
         benchmark's pipelines, which it runs with verification off. *switch-recovery* is the verdict and \
         outcome counts of that pass from the pass manager's report, *pass s* its time (the transformation and \
         its check), *pipeline s* the whole optimization's wall time (translation, every pass and its check, \
         emission), *others not proved* the other passes' checks that were not proofs. One run per row (seconds, \
         not nanoseconds), on {profile}.\n",
        ns_text(&sizes),
        Lowering::Table.name(),
        Lowering::CostModel.name(),
        f64::from(r.timeout_ms) / 1000.0,
    );
    let _ = writeln!(
        w,
        "This section took **{:.1} s** (a full run is longer by that much; `--no-proof` skips it): {:.1} s in \
         switch-recovery and its checks, {:.1} s in the pipelines in all.\n",
        r.elapsed.as_secs_f64(),
        switch_total.as_secs_f64(),
        pipeline_total.as_secs_f64()
    );
    let _ = writeln!(
        w,
        "| shape | N | variant | switch-recovery | proved | bounded | unknown | cex | reverted | `br_table`s out | \
         pass s | pipeline s | others not proved |"
    );
    let _ = writeln!(w, "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let shapes: Vec<Shape> = SHAPES.into_iter().filter(|s| r.rows.iter().any(|row| row.shape == *s)).collect();
    for &shape in &shapes {
        for &n in &sizes {
            for lowering in LOWERINGS {
                let Some(row) = r.row(shape, n, lowering) else { continue };
                let s = &row.switch;
                let _ = writeln!(
                    w,
                    "| {} | {n} | {} | {} | {} | {} | {} | {} | {} | {} | {:.2} | {:.2} | {} |",
                    shape.name(),
                    lowering.name(),
                    row.verdict().name(),
                    s.proved,
                    s.proved_bounded,
                    s.unknown,
                    s.counterexamples,
                    s.reverted,
                    row.br_tables,
                    s.time.as_secs_f64(),
                    row.pipeline.as_secs_f64(),
                    row.others_not_proved()
                );
            }
        }
    }
    let _ = writeln!(w);
    let why: Vec<String> = r
        .rows
        .iter()
        .filter(|row| !matches!(row.verdict(), Verdict::Proved | Verdict::Unchanged))
        .flat_map(|row| {
            row.events
                .iter()
                .map(move |e| format!("- {} N = {}, {}: {e}", row.shape.name(), row.n, row.lowering.name()))
        })
        .collect();
    if !why.is_empty() {
        let _ = writeln!(w, "Why a check was not a proof (the pass manager's events, first line):\n");
        for line in why {
            let _ = writeln!(w, "{line}");
        }
        let _ = writeln!(w);
    }
    let _ = writeln!(w, "### Findings (computed from the table above)\n");
    for &shape in &shapes {
        for lowering in LOWERINGS {
            let series: Vec<(u32, Verdict, f64)> = r
                .series(shape, lowering)
                .iter()
                .map(|row| (row.n, row.verdict(), row.switch.time.as_secs_f64()))
                .collect();
            let subject = format!("`{}`, {}", shape.name(), lowering.name());
            let _ = writeln!(w, "- {}", finding(&subject, &series));
        }
    }
    let others: usize = r.rows.iter().map(Row::others_not_proved).sum();
    if others > 0 {
        let _ = writeln!(
            w,
            "- The other passes' checks were not proofs {others} times (the column *others not proved*); each \
             reverted its function, so switch-recovery may have seen a different input there."
        );
    }
    let _ = writeln!(w);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats(proved: usize, bounded: usize, unknown: usize, cex: usize, reverted: usize) -> PassStats {
        PassStats {
            name: PASS,
            proved,
            proved_bounded: bounded,
            unknown,
            counterexamples: cex,
            reverted,
            ..PassStats::default()
        }
    }

    #[test]
    fn verdict_is_the_worst_outcome() {
        assert_eq!(Verdict::of(&stats(0, 0, 0, 0, 0)), Verdict::Unchanged);
        assert_eq!(Verdict::of(&stats(3, 0, 0, 0, 0)), Verdict::Proved);
        assert_eq!(Verdict::of(&stats(3, 1, 0, 0, 1)), Verdict::Bounded);
        assert_eq!(Verdict::of(&stats(3, 1, 1, 0, 2)), Verdict::Unknown);
        assert_eq!(Verdict::of(&stats(0, 0, 1, 1, 2)), Verdict::Counterexample);
        // Reverted with no Z3 outcome: the structural verifier refused it.
        assert_eq!(Verdict::of(&stats(2, 0, 0, 0, 1)), Verdict::Rejected);
    }

    #[test]
    fn growth_per_doubling_uses_the_two_largest_sizes() {
        let g = growth_per_doubling(&[(64, 0.5), (256, 12.0), (128, 2.0)]).unwrap();
        assert_eq!((g.from, g.to), (128, 256));
        assert!((g.factor - 6.0).abs() < 1e-9, "{g:?}");
        // Two doublings from 16 to 64: ×16 in all is ×4 per doubling, N^2.
        let g = growth_per_doubling(&[(16, 0.25), (64, 4.0)]).unwrap();
        assert!((g.factor - 4.0).abs() < 1e-9 && (g.exponent() - 2.0).abs() < 1e-9, "{g:?}");
        // Zero times (too short to measure) are left out.
        let g = growth_per_doubling(&[(4, 0.0), (8, 1.0), (16, 3.0)]).unwrap();
        assert_eq!((g.from, g.to), (8, 16));
        assert_eq!(growth_per_doubling(&[(4, 0.0), (8, 1.0)]), None);
        assert_eq!(growth_per_doubling(&[]), None);
    }

    #[test]
    fn findings_are_computed_from_the_series() {
        let all = [(4, Verdict::Proved, 0.01), (128, Verdict::Proved, 2.0), (256, Verdict::Proved, 12.0)];
        let text = finding("`seq-if`, t", &all);
        assert!(text.starts_with("`seq-if`, t: proved at every N measured, up to N = 256;"), "{text}");
        assert!(text.contains("×6.0 per doubling of N from N = 128 to 256 (≈ N^2.6), 12.00 s at N = 256"), "{text}");
        let failing = [(4, Verdict::Proved, 0.01), (64, Verdict::Proved, 0.5), (128, Verdict::Unknown, 30.0)];
        let text = finding("s", &failing);
        assert!(text.contains("largest N proved 64; not proved: N = 128 unknown (reverted) after 30.00 s;"), "{text}");
        // The unknown's time is not a proof's: the growth is 4 → 64.
        assert!(text.contains("from N = 4 to 64"), "{text}");
        let partial = [(4, Verdict::Unchanged, 0.0), (7, Verdict::Unchanged, 0.0), (16, Verdict::Proved, 0.1)];
        let text = finding("s", &partial);
        assert!(text.contains("proved wherever the pass changed the module, up to N = 16"), "{text}");
        assert!(text.contains("unchanged (nothing to check) at N = 4, 7") && !text.contains("doubling"), "{text}");
        assert_eq!(
            finding("s", &[(4, Verdict::Counterexample, 0.1)]),
            format!("s: proved at no N measured; not proved: N = 4 {} after 0.10 s.", Verdict::Counterexample.name())
        );
        assert_eq!(finding("s", &[]), "s: not measured.");
    }

    fn row(n: u32, shape: Shape, lowering: Lowering, switch: PassStats, secs: f64) -> Row {
        Row {
            n,
            shape,
            lowering,
            switch: PassStats { time: Duration::from_secs_f64(secs), ..switch },
            others: stats(5, 0, 1, 0, 1),
            pipeline: Duration::from_secs_f64(secs * 2.0),
            br_tables: 1,
            events: vec!["`dispatch`: unknown: timeout".into()],
        }
    }

    #[test]
    fn section_lists_every_row_and_its_findings() {
        let results = Results {
            rows: vec![
                row(4, Shape::SeqIf, Lowering::Table, stats(1, 0, 0, 0, 0), 0.02),
                row(4, Shape::SeqIf, Lowering::CostModel, stats(1, 0, 0, 0, 0), 0.03),
                row(8, Shape::SeqIf, Lowering::Table, stats(0, 0, 1, 0, 1), 1.5),
                row(8, Shape::SeqIf, Lowering::CostModel, stats(1, 0, 0, 0, 0), 0.12),
            ],
            timeout_ms: 2500,
            elapsed: Duration::from_millis(4321),
        };
        let mut w = String::new();
        render(&mut w, &Ok(&results));
        assert!(w.starts_with("## Proof cost: switch-recovery under Z3 (`--verify`)"), "{w}");
        assert!(w.contains("N = 4, 8 through") && w.contains("**2.5 s per query**"), "{w}");
        assert!(
            w.contains("This section took **4.3 s**")
                && w.contains("1.7 s in switch-recovery and its checks, 3.3 s in the pipelines"),
            "{w}"
        );
        assert!(w.contains("| seq-if | 8 | weft -O2, forced br_table | unknown (reverted) | 0 | 0 | 1 | 0 | 1 | 1 | 1.50 | 3.00 | 1 |"), "{w}");
        assert!(w.contains("- seq-if N = 8, weft -O2, forced br_table: `dispatch`: unknown: timeout"), "{w}");
        assert!(!w.contains("N = 4, weft -O2, forced br_table: `dispatch`"), "{w}");
        assert!(
            w.contains(
                "- `seq-if`, weft -O2: proved at every N measured, up to N = 8; switch-recovery time ×4.0 per doubling"
            ),
            "{w}"
        );
        assert!(w.contains("not proofs 4 times"), "{w}");
        assert!(!w.contains("else-if"), "{w}");
        let mut w = String::new();
        render(&mut w, &Err("--no-proof was given".into()));
        assert!(w.contains("Not measured: --no-proof was given."), "{w}");
    }

    /// A real check: the forced table of the smallest seq-if chain is made
    /// and proved, and -O2's pipeline proves whatever it changes.
    #[test]
    fn the_smallest_chain_is_proved() {
        let check = strict();
        let table = measure(4, Shape::SeqIf, Lowering::Table, &check).unwrap();
        assert_eq!(table.verdict(), Verdict::Proved, "{table:?}");
        assert!(table.switch.proved >= 1 && table.switch.reverted == 0 && table.br_tables >= 1, "{table:?}");
        assert!(table.pipeline >= table.switch.time, "{table:?}");
        let o2 = measure(4, Shape::ElseIf, Lowering::CostModel, &check).unwrap();
        assert!(matches!(o2.verdict(), Verdict::Proved | Verdict::Unchanged), "{o2:?}");
        let none = run(&Options { sizes: vec![4, 0], ..Options::default() }, &mut |_| {});
        assert!(none.unwrap_err().to_string().contains("0 handlers"));
    }
}

//! The markdown report (`bench/report.md`): machine, correctness, the
//! verdicts on switch-recovery's acceptance targets, the dispatch tables (whole-iteration
//! time and dispatch cost), what each variant emitted, what the
//! measurements say about `switch-recovery`'s thresholds, the density
//! sweep, what proving `switch-recovery` costs, and the corpus tables.
//! Every number, verdict and crossover in it is computed from the
//! measurements of the run.
//!
//! One file per section, written in this order by [`render`]:
//! [`header`] (command and machine), [`correctness`], [`acceptance`]
//! (with the jump floor of [`floor`]), [`dispatch_tables`], [`emitted`],
//! [`thresholds`], [`density`]; then the proof-cost, verification-cost,
//! corpus ([`corpus`]) and module-dce sections. The noise estimates all
//! verdicts use are in [`noise`]; this file holds the inputs, the number
//! formatting and the table helpers the sections share.

use std::fmt::Write;
use std::time::Duration;

use weft_passes::switch_recovery::SwitchConfig;

use crate::dispatch::{self, CaseResult, Kind};
use crate::machine::Machine;
use crate::variants::{Lowering, WasmOpt};
use crate::{corpus as corpus_bench, density as density_bench, proof};

mod acceptance;
mod corpus;
mod correctness;
mod density;
mod density_findings;
mod dispatch_tables;
mod emitted;
mod floor;
mod header;
mod noise;
#[cfg(test)]
mod tests;
mod thresholds;

pub use acceptance::{SpeedUp, measurably_slower};
pub use corpus::dead_handlers;
pub use density_findings::{DensityCrossover, density_crossover, supported_min_density};
pub use floor::{below_floor, floor_bound, reachability_sentence};
pub use noise::{NoiseFloor, noise_floor, row_noise};
pub use thresholds::{Verdict, crossover};

/// A table/chain time ratio below `1 - MARGIN` counts as the table winning
/// (and above `1 + MARGIN` as the chain winning); in between is a tie.
pub const MARGIN: f64 = 0.05;

/// The handler count of switch-recovery's acceptance target (a).
pub const ACCEPT_N: u32 = 64;

/// The speed-up over the original sequential-if chain that acceptance (a)
/// asks for at [`ACCEPT_N`].
pub const ACCEPT_SPEEDUP: f64 = 3.0;

/// Everything the report is made of.
pub struct Inputs<'a> {
    /// Where and when.
    pub machine: &'a Machine,
    /// Load average when the run ended.
    pub load_after: String,
    /// `"full"` or `"quick"`.
    pub mode: &'a str,
    /// The command line that produced the report.
    pub command: &'a str,
    /// The `wasm-opt` used, if any.
    pub wasm_opt: Option<&'a WasmOpt>,
    /// Why there is no `wasm-opt`, when there is none.
    pub wasm_opt_missing: Option<&'a str>,
    /// Timed calls per variant and distribution at the headline sizes
    /// (the sweep-only sizes' count is in [`dispatch::Results::reps`]).
    pub reps: usize,
    /// Dispatch results.
    pub dispatch: &'a dispatch::Results,
    /// Density sweep results (`Err`: not measured, with the reason).
    pub density: Result<&'a density_bench::Results, String>,
    /// Proof-cost results (`Err`: not measured, with the reason).
    pub proof: Result<&'a proof::Results, String>,
    /// Corpus results (`None`: not measured, with the reason).
    pub corpus: Result<&'a corpus_bench::Results, String>,
    /// The module-dce section (`Err`: not measured, with the reason).
    pub module_dce: Result<&'a crate::module_dce::Results, String>,
    /// Verification cost on the P3 corpora (`Err`: not measured, with the
    /// reason).
    pub verify_cost: Result<&'a crate::verify_cost::Results, String>,
    /// The P3 callback survey as markdown (`weft_tests::p3callbacks`), or
    /// why it is missing.
    pub callbacks: Result<String, String>,
    /// The dead-handler survey of the P3 corpus as markdown
    /// (`weft_tests::p3reach`), or why it is missing.
    pub reachability: Result<String, String>,
    /// Wall time of the whole run.
    pub elapsed: Duration,
}

/// Writes the report.
pub fn render(inputs: &Inputs<'_>) -> String {
    let mut w = String::new();
    header::write(&mut w, inputs);
    correctness::write(&mut w, inputs);
    acceptance::write(&mut w, inputs.dispatch);
    dispatch_tables::write(&mut w, inputs);
    emitted::write(&mut w, inputs.dispatch);
    thresholds::write(&mut w, inputs);
    density::write(&mut w, &inputs.density);
    proof::render(&mut w, &inputs.proof);
    crate::verify_cost::render(&mut w, &inputs.verify_cost);
    corpus::write(&mut w, inputs);
    crate::module_dce::render(&mut w, &inputs.module_dce);
    w
}

/// The variants of a shape, in column order (the baseline is apart).
fn kinds(wasm_opt: bool) -> Vec<Kind> {
    let mut k = vec![Kind::Original];
    k.extend(Lowering::ALL.map(Kind::Weft));
    if wasm_opt {
        k.push(Kind::WasmOpt);
    }
    k
}

fn ratio(a: f64, b: f64) -> String {
    if b > 0.0 { format!("{:.2}×", a / b) } else { "–".into() }
}

fn pct(x: f64) -> String {
    format!("{:.0}%", x * 100.0)
}

fn kib(bytes: usize) -> String {
    format!("{:.1}", bytes as f64 / 1024.0)
}

fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s < 1.0 { format!("{:.0} ms", s * 1000.0) } else { format!("{s:.2} s") }
}

fn list(ns: &[u32]) -> String {
    ns.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

/// A configuration as the report shows it (`usize::MAX` spelled out).
fn config_text(c: &SwitchConfig) -> String {
    format!("{c:?}").replace(&usize::MAX.to_string(), "usize::MAX")
}

/// Relative distance of two times: larger / smaller − 1.
fn rel(a: f64, b: f64) -> f64 {
    a.max(b) / a.min(b) - 1.0
}

/// chain", "table", "search tree"), or "other".
fn lowering_seen(case: &CaseResult, kind: Kind) -> &'static str {
    let Some(v) = case.variant(kind) else { return "?" };
    if v.code_bytes == 0 {
        return "failed";
    }
    for (lowering, name) in [
        (Lowering::Chain, "as written"),
        (Lowering::Compares, "compare chain"),
        (Lowering::Table, "table"),
        (Lowering::Search, "search tree"),
    ] {
        if case.variant(Kind::Weft(lowering)).is_some_and(|f| f.code_bytes > 0 && f.fingerprint == v.fingerprint) {
            return name;
        }
    }
    if v.ops.br_table > case.variant(Kind::Original).map_or(0, |o| o.ops.br_table) { "table (other)" } else { "other" }
}

/// `t / c` for each pair (None where either is missing).
fn ratios(num: &[Option<f64>], den: &[Option<f64>]) -> Vec<Option<f64>> {
    num.iter().zip(den).map(|(t, c)| Some(t.as_ref()? / c.as_ref()?)).collect()
}

/// "15 calls each" or "15 calls each at N = 4, 7; 11 at N = 2, 3".
fn reps_text(inputs: &Inputs<'_>) -> String {
    let d = inputs.dispatch;
    let mut groups: Vec<(usize, Vec<u32>)> = Vec::new();
    for (&n, &r) in &d.reps {
        match groups.iter_mut().find(|(g, _)| *g == r) {
            Some((_, ns)) => ns.push(n),
            None => groups.push((r, vec![n])),
        }
    }
    match groups.len() {
        0 => format!("{} calls each", inputs.reps),
        1 => format!("{} calls each", groups[0].0),
        _ => groups.iter().map(|(r, ns)| format!("{r} calls each at N = {}", list(ns))).collect::<Vec<_>>().join("; "),
    }
}

/// A speed-up ("2.50×"; "–" when undefined; ∞ spelled out).
fn speed_text(x: f64) -> String {
    if x.is_infinite() {
        "∞ (no measurable dispatch cost left)".into()
    } else if x.is_nan() {
        "–".into()
    } else {
        format!("{x:.2}×")
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    c.next().map_or(String::new(), |f| f.to_uppercase().chain(c).collect())
}

/// The 90th percentile (nearest rank) of sorted, non-empty `xs`.
fn p90(xs: &[f64]) -> f64 {
    xs[(xs.len() * 9).div_ceil(10).max(1) - 1]
}

/// The smallest and largest ratio of `rs` (∞ and 0 when empty).
fn ratio_range<T>(rs: &[(T, f64)]) -> (f64, f64) {
    rs.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &(_, r)| (lo.min(r), hi.max(r)))
}

/// Times of one row's shapes, "12.00 / 13.00", each with its ratio to the
/// same shape's `base`.
fn cells(xs: &[Option<f64>], base: &[Option<f64>]) -> String {
    xs.iter()
        .zip(base)
        .map(|(x, c)| match (x, c) {
            (Some(x), Some(c)) => format!("{x:.2} ({})", ratio(*x, *c)),
            (Some(x), None) => format!("{x:.2}"),
            _ => "–".into(),
        })
        .collect::<Vec<_>>()
        .join(" / ")
}

/// Times of one row's shapes, "12.00 / 13.00".
fn plain(xs: &[Option<f64>]) -> String {
    xs.iter().map(|x| x.map_or("–".into(), |v| format!("{v:.2}"))).collect::<Vec<_>>().join(" / ")
}

/// A bold `title`, then `lines` as a bullet list.
fn bullets(w: &mut String, title: &str, lines: &[String]) {
    let _ = writeln!(w, "{title}\n");
    for line in lines {
        let _ = writeln!(w, "- {line}");
    }
    let _ = writeln!(w);
}

/// A table's header with a right-aligned column per variant of `ks`
/// between the leading columns `head` (aligned by `align`) and `tail`
/// (aligned by `align_tail`).
fn kind_columns(w: &mut String, ks: &[Kind], head: &str, tail: &str, align: &str, align_tail: &str) {
    let _ = write!(w, "{head}");
    for k in ks {
        let _ = write!(w, " {} |", k.name());
    }
    let _ = write!(w, "{tail}\n{align}");
    for _ in ks {
        let _ = write!(w, "---:|");
    }
    let _ = writeln!(w, "{align_tail}");
}

/// The measurements of an optional section, or `None` after writing why
/// it was not measured.
fn measured<'a, T>(w: &mut String, results: &Result<&'a T, String>) -> Option<&'a T> {
    match results {
        Ok(r) => Some(*r),
        Err(reason) => {
            let _ = writeln!(w, "Not measured: {reason}.\n");
            None
        }
    }
}

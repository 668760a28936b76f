//! Unit tests of the report's computed verdicts and sections.

use super::acceptance::{SpeedUp, measurably_slower};
use super::density::geomean;
use super::density_findings::{DensityCrossover, density_crossover, density_crossover_sentence, supported_min_density};
use super::floor::{below_floor, floor_bound, reachability_sentence};
use super::lowering_seen;
use super::noise::{noise_floor, noise_of, row_noise};
use super::thresholds::{Verdict, crossover, crossover_sentence, sweep, threshold_sentence};
use super::{density as density_section, floor};
use crate::density;
use crate::dispatch::{self, CaseResult, Kind};
use crate::dispatch::{Stats, VariantResult};
use crate::modules::{Dist, Layout, Shape};
use crate::variants::Lowering;
use std::collections::BTreeMap;

#[test]
fn verdicts_and_crossovers() {
    assert_eq!(Verdict::of(&[Some(0.8), Some(0.9)]), Verdict::TableWins);
    assert_eq!(Verdict::of(&[Some(0.8), Some(1.0)]), Verdict::Tie);
    assert_eq!(Verdict::of(&[Some(1.2), Some(1.1)]), Verdict::ChainWins);
    assert_eq!(Verdict::of(&[Some(0.8), None]), Verdict::Missing);
    let s = [(2, Verdict::ChainWins), (4, Verdict::TableWins), (7, Verdict::Tie), (16, Verdict::TableWins)];
    assert_eq!(crossover(&s), Some(16));
    let s = [(2, Verdict::Tie), (4, Verdict::TableWins), (7, Verdict::TableWins)];
    assert_eq!(crossover(&s), Some(4));
    assert_eq!(crossover(&[(4, Verdict::ChainWins)]), None);
    assert!(threshold_sentence("t", "a table", "chains", &s, 4).contains("consistent"));
    assert!(threshold_sentence("t", "a table", "chains", &s, 7).contains("conservative"));
    let late = [(2, Verdict::ChainWins), (4, Verdict::Tie), (7, Verdict::TableWins)];
    let too_low = threshold_sentence("t", "a table", "chains", &late, 2);
    assert!(too_low.contains("too low") && too_low.contains("`--sizes 4,5,6,7`"), "{too_low}");
    assert!(too_low.contains("slower at N = 2"), "{too_low}");
    assert!(threshold_sentence("t", "a table", "chains", &late, 4).contains("not slower either"));
    assert!(threshold_sentence("t", "a table", "chains", &[(4, Verdict::Tie)], 4).contains("no support"));
    assert_eq!(sweep(16, 64), "16,28,40,52,64");
    assert_eq!(sweep(2, 4), "2,3,4");
    assert!(crossover_sentence("t", "c", &s).contains("lies in (2, 4]"));
    assert!(crossover_sentence("t", "c", &[(4, Verdict::TableWins)]).contains("every N measured"));
    assert!(crossover_sentence("t", "c", &[(4, Verdict::Tie)]).contains("at no N measured"));
    let once = [(4, Verdict::TableWins), (7, Verdict::Tie)];
    assert!(crossover_sentence("t", "c", &once).contains("won only at N = 4"));
}

#[test]
fn speed_ups_whole_and_dispatch_only() {
    // 43 ns original, 20 ns optimized, 15 ns baseline: 2.15x whole,
    // 28 / 5 = 5.6x on the dispatch alone.
    let s = SpeedUp::of(43.0, 20.0, 15.0);
    assert!((s.whole - 2.15).abs() < 1e-9);
    assert!((s.dispatch - 5.6).abs() < 1e-9);
    assert!(SpeedUp::of(43.0, 14.0, 15.0).dispatch.is_infinite());
    assert!(SpeedUp::of(14.0, 14.0, 15.0).dispatch.is_nan());
    let c = SpeedUp::against(43.0, 20.0, 15.0, 0.1);
    assert!(c.whole < s.whole && c.dispatch < s.dispatch);
    assert!(SpeedUp::against(43.0, 20.0, 15.0, -0.1).dispatch > s.dispatch);
    assert!(measurably_slower(1.2, 1.0, 0.1));
    assert!(!measurably_slower(1.05, 1.0, 0.1));
    assert!(!measurably_slower(0.9, 1.0, 0.0));
}

fn variant(kind: Kind, fingerprint: u64, uniform: f64) -> VariantResult {
    let mut ns = BTreeMap::new();
    ns.insert(Dist::Uniform, Stats { median: uniform, min: uniform, max: uniform });
    VariantResult {
        kind,
        code_bytes: 10,
        ops: crate::wasm::OpCounts::default(),
        fingerprint,
        ns,
        error: None,
        events: Vec::new(),
    }
}

#[test]
fn row_noise_and_dispatch_cost() {
    let case = CaseResult {
        n: 4,
        shape: Shape::SeqIf,
        variants: vec![
            variant(Kind::Baseline, 1, 10.0),
            variant(Kind::Original, 2, 20.0),
            variant(Kind::Weft(Lowering::CostModel), 3, 12.0),
            variant(Kind::Weft(Lowering::Table), 3, 12.6),
            variant(Kind::Weft(Lowering::Chain), 4, 19.0),
        ],
    };
    assert!((row_noise(&case, Dist::Uniform).unwrap() - 0.05).abs() < 1e-9);
    assert_eq!(row_noise(&case, Dist::Skewed), None);
    assert_eq!(noise_of(&case, Dist::Skewed, 0.02), (0.02, false));
    assert_eq!(noise_of(&case, Dist::Uniform, 0.08), (0.08, false));
    assert!(noise_of(&case, Dist::Uniform, 0.01).1);
    assert!((case.dispatch_ns(Kind::Original, Dist::Uniform).unwrap() - 10.0).abs() < 1e-9);
    assert_eq!(case.dispatch_ns(Kind::WasmOpt, Dist::Uniform), None);
    assert_eq!(lowering_seen(&case, Kind::Weft(Lowering::CostModel)), "table");
}

/// The floor's bound is original ÷ floor and the ratio of the dispatch
/// costs; the reachability sentence follows the numbers, noise
/// included; the section flags a lowering below the floor.
#[test]
fn jump_floor_bound_and_reachability() {
    let mut case = CaseResult {
        n: 64,
        shape: Shape::SeqIf,
        variants: vec![
            variant(Kind::Baseline, 1, 5.0),
            variant(Kind::JumpFloor, 2, 24.0),
            variant(Kind::Original, 3, 60.0),
            variant(Kind::Weft(Lowering::CostModel), 4, 24.5),
            variant(Kind::Weft(Lowering::Table), 4, 24.6),
            variant(Kind::Weft(Lowering::Compares), 5, 40.0),
        ],
    };
    let b = floor_bound(&case, Dist::Uniform).unwrap();
    assert!((b.whole - 2.5).abs() < 1e-9);
    assert!((b.dispatch - 55.0 / 19.0).abs() < 1e-9);
    assert_eq!(floor_bound(&case, Dist::Skewed), None);
    let favour = SpeedUp::against(60.0, 24.0, 5.0, -0.01);
    assert!(favour.whole > b.whole && favour.dispatch > b.dispatch);
    let no = reachability_sentence("uniform", b, favour, 3.0);
    assert!(no.starts_with("Uniform: 3× is **not reachable at all**"), "{no}");
    assert!(no.contains("at most 2.50×") && no.contains("at most 2.89×"), "{no}");
    // 2.89× moved by 3% in its favour crosses 3× (the dispatch-only
    // ratio amplifies the move): within noise.
    let near = reachability_sentence("uniform", b, SpeedUp::against(60.0, 24.0, 5.0, -0.03), 3.0);
    assert!(near.starts_with("Uniform: 3× is not reachable on the medians, only within noise"), "{near}");
    assert!(near.contains("(3.11× with the noise in its favour)"), "{near}");
    let yes = reachability_sentence("skewed", SpeedUp::of(50.0, 6.0, 5.0), SpeedUp::of(50.0, 6.0, 5.0), 3.0);
    assert!(yes.starts_with("Skewed: 3× is reachable") && yes.contains("up to 8.33×"), "{yes}");

    let d = dispatch::Results { cases: vec![case.clone()], ..Default::default() };
    let mut w = String::new();
    floor::write(&mut w, &d, &case, 0.03);
    assert!(
        w.contains("| uniform | 60.00 | 24.00 | 5.00 | 2.50× | **no** | 55.00 | 19.00 | 2.89× | **no** | 1.03× |"),
        "{w}"
    );
    assert!(w.contains("No branch-based variant (no `br_table`) measured here is faster"), "{w}");
    assert!(w.contains("weft -O2, forced compare chain 35.00 ns (1.84× the floor's)"), "{w}");
    // A lowering well below the floor: the floor is not a bound.
    case.variants.push(variant(Kind::Weft(Lowering::Search), 6, 15.0));
    let mut w = String::new();
    floor::write(&mut w, &d, &case, 0.03);
    assert!(
        w.contains("the floor is **not** a bound in this run: weft -O2, forced search tree (15.00 ns whole"),
        "{w}"
    );
    assert_eq!(below_floor(&case, Dist::Uniform, 0.03), vec![(Kind::Weft(Lowering::Search), 15.0)]);
    // 24 / 15 − 1 = 60%: within a 70% noise the search tree is no faster.
    assert!(below_floor(&case, Dist::Uniform, 0.7).is_empty());
    assert!(below_floor(&case, Dist::Skewed, 0.0).is_empty());
    let mut table = String::new();
    floor::at_every_n(&mut table, &dispatch::Results { cases: vec![case.clone()], ..Default::default() });
    assert!(table.contains("| 64 | uniform | 5.00 | 24.00 | 19.00 | 55.00 | 19.50 | 2.50× | 2.89× |"), "{table}");
    assert!(table.contains("**no bound**") && table.contains("N = 64 (weft -O2, forced search tree 15.00 ns)."));
    assert!(!table.contains("A table variant"), "{table}");
    // The same fast variant emitting a br_table is noise, not a way under.
    for v in &mut case.variants {
        if v.kind == Kind::Weft(Lowering::Search) {
            v.ops.br_table = 1;
        }
    }
    let mut table = String::new();
    floor::at_every_n(&mut table, &dispatch::Results { cases: vec![case.clone()], ..Default::default() });
    assert!(!table.contains("**no bound**") && table.contains("A table variant also measured faster"), "{table}");
    let mut w = String::new();
    floor::write(&mut w, &d, &case, 0.03);
    assert!(w.contains("No branch-based variant"), "{w}");
    // No floor timed: said so, no table.
    case.variants.retain(|v| v.kind != Kind::JumpFloor);
    let mut w = String::new();
    floor::write(&mut w, &d, &case, 0.03);
    assert!(w.contains("Not measured") && !w.contains("| codes |"), "{w}");
    let mut w = String::new();
    floor::at_every_n(&mut w, &dispatch::Results { cases: vec![case], ..Default::default() });
    assert!(w.is_empty());
}

#[test]
fn density_crossovers_and_supported_thresholds() {
    use DensityCrossover::*;
    use Verdict::*;
    let l = |s| Layout::new(64, s).unwrap();
    let all = [(l(1), TableWins), (l(4), TableWins), (l(32), TableWins)];
    assert_eq!(density_crossover(&all), Some(WinsAtSparsest { sparsest: l(32) }));
    // Any order; a tie between wins is the margin, not a crossover.
    let margin = [(l(8), Tie), (l(1), TableWins), (l(32), TableWins), (l(2), TableWins)];
    assert_eq!(density_crossover(&margin), Some(WinsAtSparsest { sparsest: l(32) }));
    // The table stops winning below its sparsest win.
    let stops = [(l(8), Tie), (l(1), TableWins), (l(32), ChainWins), (l(2), TableWins)];
    assert_eq!(density_crossover(&stops), Some(StopsBelow { last_win: l(2), first_miss: l(8) }));
    assert_eq!(density_crossover(&[(l(2), Tie), (l(1), ChainWins)]), Some(NoWin));
    assert_eq!(density_crossover(&[]), None);
    let trend = [(l(1), 0.75), (l(2), 0.8), (l(8), 0.97), (l(32), 1.1)];
    let sentence = density_crossover_sentence(64, &stops, &trend);
    assert!(sentence.contains("lies in (13%, 50%]"), "{sentence}");
    assert!(sentence.contains("ties 1, loses 1 of 2"), "{sentence}");
    assert!(sentence.contains("0.75× at 100%, 1.10× at 3.2%, 0.75–1.10× in between"), "{sentence}");
    let sentence = density_crossover_sentence(64, &margin, &[]);
    assert!(sentence.contains("no density crossover down to 3.2%"), "{sentence}");
    assert!(sentence.contains("(tie at 13%)"), "{sentence}");
    assert!(density_crossover_sentence(64, &[(l(1), Tie)], &[]).contains("places no density threshold"));
    // Supported thresholds: above every first miss, up to the lowest
    // last win over the case counts.
    let a = StopsBelow { last_win: l(2), first_miss: l(8) };
    let b = WinsAtSparsest { sparsest: Layout::new(24, 4).unwrap() };
    let (above, up_to) = supported_min_density(&[a, b]).unwrap();
    assert!((above - 64.0 / 505.0).abs() < 1e-12 && (up_to - 24.0 / 93.0).abs() < 1e-12);
    let (above, up_to) = supported_min_density(&[b, NoWin]).unwrap();
    assert!(above == 0.0 && (up_to - 24.0 / 93.0).abs() < 1e-12);
    // Disagreement: one stops winning above where another still wins.
    let c = StopsBelow { last_win: l(1), first_miss: l(2) };
    let (above, up_to) = supported_min_density(&[c, b]).unwrap();
    assert!(above > up_to);
    assert_eq!(supported_min_density(&[NoWin]), None);
    assert!((geomean(&[Some(0.5), None, Some(2.0)]).unwrap() - 1.0).abs() < 1e-12);
    assert_eq!(geomean(&[None]), None);
}

/// A strided point whose table runs `table` ns and chain `chain` ns
/// under both distributions (weft -O2 equal to the chain).
fn point(n: u32, stride: u32, shape: Shape, table: f64, chain: f64) -> density::Point {
    let layout = Layout::new(n, stride).unwrap();
    let both = |kind, fingerprint, ns: f64, bytes: usize| {
        let mut v = variant(kind, fingerprint, ns);
        v.ns.insert(Dist::Span, Stats { median: ns, min: ns, max: ns });
        v.code_bytes = bytes;
        v
    };
    let span = layout.span() as usize;
    density::Point {
        layout,
        case: CaseResult {
            n,
            shape,
            variants: vec![
                both(Kind::Original, 1, chain * 1.5, 400),
                both(Kind::Weft(Lowering::CostModel), 2, chain, 300),
                both(Kind::Weft(Lowering::Table), 3, table, 200 + span),
                both(Kind::Weft(Lowering::Search), 4, chain * 1.2, 320),
                both(Kind::Weft(Lowering::Compares), 2, chain, 300),
            ],
        },
    }
}

#[test]
fn density_section_computes_its_findings() {
    let mut points = Vec::new();
    for shape in density::SHAPES {
        for stride in [1, 2, 32] {
            points.push(point(64, stride, shape, 20.0, 25.0)); // table wins everywhere
        }
        points.push(point(24, 1, shape, 20.0, 20.5)); // ties when dense
        points.push(point(24, 2, shape, 20.0, 19.0));
    }
    let d = density::Results { points, reps: 3, ..Default::default() };
    let mut w = String::new();
    density_section::write(&mut w, &Ok(&d));
    assert!(w.contains("### N = 64, codes over the cases") && w.contains("### N = 24, codes over the span"));
    assert!(w.contains("N = 24: the table wins at no density measured"), "{w}");
    assert!(w.contains("N = 64: the table still wins at the sparsest layout measured, stride 32"), "{w}");
    // 0.40 rejects the table at 3.2% density, where it wins.
    assert!(w.contains("it rejects tables that win (N = 64 at 3.2% [span 2017, beyond `max_table_span` too])"), "{w}");
    assert!(w.contains("any `min_density` down to 3.2%"), "{w}");
    assert!(w.contains("(N = 24 places no bound"), "{w}");
    // N = 24 loses at stride 2 (table 20 ns, chain 19 ns; density 51%).
    assert!(w.contains("admits a table that is slower than the chain (codes over the cases): N = 24 at 51%"), "{w}");
    // Span 2017 is beyond the default limit, and the table wins there.
    assert!(w.contains("forbids a table that wins on speed"), "{w}");
    assert!(w.contains("table / chain 0.80× / 0.80×"), "{w}");
    assert!(w.contains("+1917 bytes of code against the chain"), "{w}");
    // -O2 is byte-identical to the forced compare chain; the table
    // is the span's size plus 200 against 300.
    assert!(w.contains("| 32 | 3.2% | 2017 |") && w.contains("| +1917 / +1917 | compare chain / compare chain |"));
    let mut w = String::new();
    density_section::write(&mut w, &Err("--no-density was given".into()));
    assert!(w.contains("Not measured: --no-density was given."));
}

#[test]
fn noise_floor_within_and_across_series() {
    let case = |shape, scale: f64| CaseResult {
        n: 4,
        shape,
        variants: vec![
            variant(Kind::Baseline, 1, 10.0 * scale),
            variant(Kind::Weft(Lowering::CostModel), 3, 12.0),
            variant(Kind::Weft(Lowering::Table), 3, 12.6),
            variant(Kind::Weft(Lowering::Search), 3, 12.0),
        ],
    };
    let d = dispatch::Results { cases: vec![case(Shape::SeqIf, 1.0), case(Shape::ElseIf, 1.2)], ..Default::default() };
    // Within: per shape the pairs 5%, 0%, 5%.
    let within = noise_floor(&d, false).unwrap();
    assert_eq!(within.pairs, 6);
    assert!((within.median - 0.05).abs() < 1e-9 && (within.max - 0.05).abs() < 1e-9);
    assert!((within.p90 - 0.05).abs() < 1e-9);
    // Across: the two baselines (20%) and the weft outputs of the
    // two shapes (0% or 5%).
    let across = noise_floor(&d, true).unwrap();
    assert!((across.max - 0.2).abs() < 1e-9, "{across:?}");
    assert!(across.worst.contains("baseline"));
    assert!(noise_floor(&dispatch::Results::default(), false).is_none());
}

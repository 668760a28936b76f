use super::*;
use weft_ir::Rng;

fn members(s: &IntervalSet, probe: &[u64]) -> Vec<u64> {
    probe.iter().copied().filter(|&x| s.contains(x)).collect()
}

#[test]
fn complement_round_trips_and_covers_edges() {
    let s = IntervalSet::from_ranges(32, vec![(0, 3), (10, 10), (0xffff_fff0, 0xffff_ffff)]);
    let c = s.complement();
    assert_eq!(c.ranges(), &[(4, 9), (11, 0xffff_ffef)]);
    assert_eq!(c.complement(), s);
    assert_eq!(IntervalSet::empty(64).complement(), IntervalSet::full(64));
    assert_eq!(IntervalSet::full(32).count(), 1u128 << 32);
    assert_eq!(IntervalSet::full(64).count(), 1u128 << 64);
}

#[test]
fn adjacent_ranges_merge() {
    let s = IntervalSet::single(32, 4).union(&IntervalSet::single(32, 5)).union(&IntervalSet::range(32, 6, 9));
    assert_eq!(s.ranges(), &[(4, 9)]);
}

#[test]
fn intersect_and_subtract() {
    let a = IntervalSet::range(32, 0, 100);
    let b = IntervalSet::from_ranges(32, vec![(50, 60), (90, 200)]);
    assert_eq!(a.intersect(&b).ranges(), &[(50, 60), (90, 100)]);
    assert_eq!(a.subtract(&b).ranges(), &[(0, 49), (61, 89)]);
    assert!(IntervalSet::range(32, 52, 55).is_subset(&b));
    assert!(!a.is_subset(&b));
}

#[test]
fn signed_ranges_map_to_unsigned() {
    // v <s 0 is the upper half of the domain.
    let neg = IntervalSet::signed_range(32, i128::MIN, -1);
    assert_eq!(neg.ranges(), &[(0x8000_0000, 0xffff_ffff)]);
    // -2 <= v <= 1 wraps around zero.
    let s = IntervalSet::signed_range(64, -2, 1);
    assert_eq!(s.ranges(), &[(0, 1), (u64::MAX - 1, u64::MAX)]);
    assert_eq!(to_signed(0xffff_ffff, 32), -1);
    assert_eq!(to_signed(u64::MAX, 64), -1);
    assert_eq!((s.signed_min(), s.signed_max()), (Some(-2), Some(1)));
    assert_eq!((neg.signed_min(), neg.signed_max()), (Some(-(1 << 31)), Some(-1)));
}

#[test]
fn shift_down_wraps() {
    // (v - 4) <u 2 selects 4 and 5; as a set of x = v - 4 it is [0, 1].
    let x = IntervalSet::range(32, 0, 1);
    assert_eq!(x.shift_down(0u64.wrapping_sub(4) & 0xffff_ffff).ranges(), &[(4, 5)]);
    // v + 1 == 0 selects v = 2^32 - 1.
    let s = IntervalSet::single(32, 0).shift_down(1);
    assert_eq!(members(&s, &[0, 0xffff_ffff]), vec![0xffff_ffff]);
    // A range that crosses zero splits.
    let t = IntervalSet::range(32, 0, 9).shift_down(5);
    assert_eq!(t.ranges(), &[(0, 4), (0xffff_fffb, 0xffff_ffff)]);
}

#[test]
fn coarsen_fills_the_smallest_gaps() {
    let s = IntervalSet::from_ranges(32, vec![(0, 0), (2, 2), (10, 10), (100, 100)]);
    assert_eq!(s.coarsen(3).ranges(), &[(0, 2), (10, 10), (100, 100)]);
    assert_eq!(s.coarsen(2).ranges(), &[(0, 10), (100, 100)]);
    assert_eq!(s.coarsen(1).ranges(), &[(0, 100)]);
    assert_eq!(s.coarsen(4), s);
}

// ------------------------------------------------------------ properties

/// A random non-empty set of `width`-bit values: one to four ranges near
/// zero, near the signed boundary, near the top, or anywhere.
pub(crate) fn random_set(rng: &mut Rng, width: u32) -> IntervalSet {
    let max = max_value(width);
    let half = 1u64 << (width - 1);
    let mut ranges = Vec::new();
    for _ in 0..1 + rng.index(4) {
        let base = match rng.below(4) {
            0 => 0,
            1 => half.wrapping_sub(8),
            2 => max - 16,
            _ => rng.next_u64() & max,
        };
        let l = base.wrapping_add(rng.below(16)) & max;
        let len = match rng.below(3) {
            0 => 0,
            1 => rng.below(8),
            _ => rng.next_u64() & max >> rng.below(u64::from(width)),
        };
        ranges.push((l, l.saturating_add(len).min(max)));
    }
    IntervalSet::from_ranges(width, ranges)
}

/// Members of `s` to try: the ends of every range and random members.
pub(crate) fn samples(rng: &mut Rng, s: &IntervalSet) -> Vec<u64> {
    let mut out: Vec<u64> = s.ranges().iter().flat_map(|&(l, h)| [l, h]).collect();
    for _ in 0..16 {
        let (l, h) = s.ranges()[rng.index(s.ranges().len())];
        out.push(l + rng.next_u64() % (h - l).saturating_add(1).max(1));
    }
    out
}

/// The unary operations of `IntervalSet` next to their concrete meaning
/// (on `width`-bit values), and whether the set operation is exact.
type Unary = (&'static str, fn(&IntervalSet) -> IntervalSet, fn(u64, u32) -> u64, bool);

fn unary_ops() -> Vec<Unary> {
    vec![
        ("neg", |s| s.neg(), |x, w| x.wrapping_neg() & max_value(w), true),
        ("offset 5", |s| s.offset(5), |x, w| x.wrapping_add(5) & max_value(w), true),
        ("offset -3", |s| s.offset(u64::MAX - 2), |x, w| x.wrapping_sub(3) & max_value(w), true),
        ("low_bits 3", |s| s.low_bits(3), |x, _| x & 7, true),
        ("shl 3", |s| s.shl(3), |x, w| (x << 3) & max_value(w), false),
        ("shr_u 2", |s| s.shr_u(2), |x, _| x >> 2, true),
        ("shr_s 2", |s| s.shr_s(2), |x, w| from_signed(to_signed(x, w) >> 2, w), true),
        ("div_u 3", |s| s.div_u(3), |x, _| x / 3, true),
        ("rem_u 6", |s| s.rem_u(6), |x, _| x % 6, true),
        ("sign_extend 4", |s| s.sign_extend(4, s.width()), |x, w| from_signed(to_signed(x & 15, 4), w), true),
        ("hull", |s| s.hull(), |x, _| x, false),
        ("coarsen 1", |s| s.coarsen(1), |x, _| x, false),
    ]
}

type Binary = (&'static str, fn(&IntervalSet, &IntervalSet) -> IntervalSet, fn(u64, u64, u32) -> u64);

fn binary_ops() -> Vec<Binary> {
    vec![
        ("add", |a, b| a.add(b), |x, y, w| x.wrapping_add(y) & max_value(w)),
        ("sub", |a, b| a.sub(b), |x, y, w| x.wrapping_sub(y) & max_value(w)),
        ("mul", |a, b| a.mul(b), |x, y, w| x.wrapping_mul(y) & max_value(w)),
        ("and", |a, b| a.and(b), |x, y, _| x & y),
        ("or", |a, b| a.or(b), |x, y, _| x | y),
        ("xor", |a, b| a.xor(b), |x, y, _| x ^ y),
    ]
}

/// Every operation on every subset-shaped input of the 6-bit domain,
/// against brute force: the result contains every image, and equals the
/// image where the operation is documented exact.
#[test]
fn unary_operations_are_sound_and_exact_on_a_small_domain() {
    let mut rng = Rng::new(1);
    for (name, op, f, exact) in unary_ops() {
        for _ in 0..300 {
            let s = random_set(&mut rng, 6);
            let image =
                IntervalSet::from_ranges(6, s.values(64).unwrap().iter().map(|&x| (f(x, 6), f(x, 6))).collect());
            let got = op(&s);
            assert!(image.is_subset(&got), "{name} of {s:?}: {got:?} misses some of {image:?}");
            if exact {
                assert_eq!(got, image, "{name} of {s:?}");
            }
        }
    }
}

#[test]
fn binary_operations_are_sound_on_a_small_domain() {
    let mut rng = Rng::new(2);
    for (name, op, f) in binary_ops() {
        for i in 0..300 {
            let a = random_set(&mut rng, 6);
            // Every third right operand is one value: the exact cases.
            let b = if i % 3 == 0 { IntervalSet::single(6, rng.below(64)) } else { random_set(&mut rng, 6) };
            let got = op(&a, &b);
            for &x in &a.values(64).unwrap() {
                for &y in &b.values(64).unwrap() {
                    assert!(got.contains(f(x, y, 6)), "{name}: {x} {y} not in {got:?} ({a:?}, {b:?})");
                }
            }
        }
    }
}

#[test]
fn operations_are_sound_on_wide_domains() {
    let mut rng = Rng::new(3);
    for width in [32, 64] {
        for (name, op, f, _) in unary_ops() {
            for _ in 0..200 {
                let s = random_set(&mut rng, width);
                let got = op(&s);
                for x in samples(&mut rng, &s) {
                    assert!(got.contains(f(x, width)), "{name} w{width}: {x:#x} of {s:?} gives {got:?}");
                }
            }
        }
        for (name, op, f) in binary_ops() {
            for i in 0..200 {
                let a = random_set(&mut rng, width);
                let b =
                    if i % 3 == 0 { IntervalSet::single(width, rng.next_u64()) } else { random_set(&mut rng, width) };
                let got = op(&a, &b);
                for (x, y) in samples(&mut rng, &a).into_iter().zip(samples(&mut rng, &b)) {
                    assert!(got.contains(f(x, y, width)), "{name} w{width}: {x:#x} {y:#x} not in {got:?}");
                }
            }
        }
    }
}

/// Width changes: truncation, zero and sign extension, exact.
#[test]
fn width_changes_are_exact() {
    let mut rng = Rng::new(4);
    for _ in 0..300 {
        let s = random_set(&mut rng, 8);
        let all = s.values(256).unwrap();
        let image =
            |f: &dyn Fn(u64) -> u64, w| IntervalSet::from_ranges(w, all.iter().map(|&x| (f(x), f(x))).collect());
        assert_eq!(s.truncate(5), image(&|x| x & 31, 5), "{s:?}");
        assert_eq!(s.zero_extend(12), image(&|x| x, 12), "{s:?}");
        assert_eq!(s.sign_extend(8, 12), image(&|x| from_signed(to_signed(x, 8), 12), 12), "{s:?}");
        assert_eq!(s.sign_extend(5, 8), image(&|x| from_signed(to_signed(x & 31, 5), 8), 8), "{s:?}");
    }
}

/// `satisfying` and `compare` against every pair of a small domain.
#[test]
fn compares_are_exact() {
    use Opcode::*;
    let mut rng = Rng::new(5);
    // The 6-bit domain read through the i32 opcodes' meaning at width 6.
    let holds = |op: Opcode, x: u64, y: u64| -> bool {
        let (sx, sy) = (to_signed(x, 6), to_signed(y, 6));
        match op {
            I32Eq => x == y,
            I32Ne => x != y,
            I32LtU => x < y,
            I32LeU => x <= y,
            I32GtU => x > y,
            I32GeU => x >= y,
            I32LtS => sx < sy,
            I32LeS => sx <= sy,
            I32GtS => sx > sy,
            I32GeS => sx >= sy,
            _ => unreachable!(),
        }
    };
    for op in [I32Eq, I32Ne, I32LtU, I32LeU, I32GtU, I32GeU, I32LtS, I32LeS, I32GtS, I32GeS] {
        for _ in 0..200 {
            let (a, b) = (random_set(&mut rng, 6), random_set(&mut rng, 6));
            let (av, bv) = (a.values(64).unwrap(), b.values(64).unwrap());
            let want: Vec<(u64, u64)> =
                (0..64).filter(|&x| bv.iter().any(|&y| holds(op, x, y))).map(|x| (x, x)).collect();
            assert_eq!(IntervalSet::satisfying(op, &b).unwrap(), IntervalSet::from_ranges(6, want), "{op} {b:?}");
            let may_true = av.iter().any(|&x| bv.iter().any(|&y| holds(op, x, y)));
            let may_false = av.iter().any(|&x| bv.iter().any(|&y| !holds(op, x, y)));
            assert_eq!(IntervalSet::compare(op, &a, &b), Some((may_true, may_false)), "{op} {a:?} {b:?}");
        }
    }
    assert_eq!(IntervalSet::satisfying(I32Add, &IntervalSet::full(32)), None);
}

//! Sets of integers as sorted, disjoint, non-adjacent inclusive ranges over
//! the unsigned domain `[0, 2^width - 1]` (`width` 1 to 64; the IR's
//! integers are 32 or 64 bits, narrower widths appear as intermediate
//! steps of extensions).
//!
//! Two users: switch-recovery turns every test of a chain into the set of
//! selector values for which it takes its case edge and computes the
//! chain's meaning with set operations, exactly, for every value of the
//! domain; the [`value_set`](super::value_set) domain of the dataflow
//! framework describes what an `i32`/`i64` value may hold with one set and
//! computes the sets of results with the arithmetic here.
//!
//! Set algebra (union, intersection, complement, membership) is exact.
//! The arithmetic ([`IntervalSet::add`], [`IntervalSet::shl`], ...) returns
//! a superset of `{ f(x) | x ∈ self }`, and the exact set where its doc says
//! so; wrap-around is modular, as in wasm. Every operation is checked
//! against concrete evaluation on sampled members in the unit tests.

use weft_ir::Opcode;

/// A set of `width`-bit unsigned values.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IntervalSet {
    width: u32,
    /// Sorted, disjoint, and no two ranges adjacent.
    ranges: Vec<(u64, u64)>,
}

/// The largest value of a `width`-bit domain.
pub fn max_value(width: u32) -> u64 {
    if width >= 64 { u64::MAX } else { (1u64 << width) - 1 }
}

/// `x` as a `width`-bit signed number.
pub fn to_signed(x: u64, width: u32) -> i128 {
    if width >= 64 {
        i128::from(x as i64)
    } else if x >> (width - 1) & 1 == 1 {
        i128::from(x) - (1i128 << width)
    } else {
        i128::from(x)
    }
}

/// The `width`-bit pattern of the signed number `x` (taken modulo 2^width).
fn from_signed(x: i128, width: u32) -> u64 {
    (x as u64) & max_value(width)
}

/// Pushes the values from `lo` up to `hi` on the circle `[0, max]`: one
/// range, or two when `lo > hi` (the run wraps past `max` to 0).
fn push_circular(lo: u64, hi: u64, max: u64, out: &mut Vec<(u64, u64)>) {
    if lo <= hi {
        out.push((lo, hi));
    } else {
        out.push((lo, max));
        out.push((0, hi));
    }
}

/// The largest value with the bit length of `x` (all ones up to its top bit).
fn ones_below(x: u64) -> u64 {
    if x == 0 { 0 } else { u64::MAX >> x.leading_zeros() }
}

impl IntervalSet {
    /// The empty set.
    pub fn empty(width: u32) -> Self {
        IntervalSet { width, ranges: Vec::new() }
    }

    /// Every value of the domain.
    pub fn full(width: u32) -> Self {
        IntervalSet { width, ranges: vec![(0, max_value(width))] }
    }

    /// `[lo, hi]` (empty when `lo > hi`; `hi` is clamped to the domain).
    pub fn range(width: u32, lo: u64, hi: u64) -> Self {
        let mut s = Self::empty(width);
        let hi = hi.min(max_value(width));
        if lo <= hi {
            s.ranges.push((lo, hi));
        }
        s
    }

    /// One value (taken modulo 2^width).
    pub fn single(width: u32, x: u64) -> Self {
        let x = x & max_value(width);
        Self::range(width, x, x)
    }

    /// The values whose signed reading lies in `[lo, hi]` (empty when
    /// `lo > hi`; bounds are clamped to the signed domain).
    pub fn signed_range(width: u32, lo: i128, hi: i128) -> Self {
        let smin = -(1i128 << (width - 1));
        let smax = (1i128 << (width - 1)) - 1;
        let (lo, hi) = (lo.max(smin), hi.min(smax));
        if lo > hi {
            return Self::empty(width);
        }
        let modulus = 1i128 << width;
        let mut ranges = Vec::new();
        if hi >= 0 {
            ranges.push((lo.max(0) as u64, hi as u64));
        }
        if lo < 0 {
            ranges.push(((lo + modulus) as u64, (hi.min(-1) + modulus) as u64));
        }
        Self::from_ranges(width, ranges)
    }

    /// The union of `ranges` (inclusive, in any order, possibly
    /// overlapping; a range with `lo > hi` is ignored, bounds above the
    /// domain are clamped).
    pub fn from_ranges(width: u32, mut ranges: Vec<(u64, u64)>) -> Self {
        let max = max_value(width);
        ranges.retain(|&(l, h)| l <= h && l <= max);
        for r in &mut ranges {
            r.1 = r.1.min(max);
        }
        ranges.sort_unstable();
        let mut out: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
        for (l, h) in ranges {
            match out.last_mut() {
                Some(last) if l <= last.1.saturating_add(1) => last.1 = last.1.max(h),
                _ => out.push((l, h)),
            }
        }
        IntervalSet { width, ranges: out }
    }

    /// The width of the domain in bits.
    pub fn width(&self) -> u32 {
        self.width
    }

    /// The ranges, sorted.
    pub fn ranges(&self) -> &[(u64, u64)] {
        &self.ranges
    }

    /// Is the set empty?
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// Is every value of the domain in the set?
    pub fn is_full(&self) -> bool {
        self.ranges == [(0, max_value(self.width))]
    }

    /// Is `x` in the set?
    pub fn contains(&self, x: u64) -> bool {
        let i = self.ranges.partition_point(|&(_, h)| h < x);
        self.ranges.get(i).is_some_and(|&(l, _)| l <= x)
    }

    /// The one value of a one-element set.
    pub fn as_single(&self) -> Option<u64> {
        match self.ranges[..] {
            [(l, h)] if l == h => Some(l),
            _ => None,
        }
    }

    /// The number of values (up to 2^64).
    pub fn count(&self) -> u128 {
        self.ranges.iter().map(|&(l, h)| u128::from(h - l) + 1).sum()
    }

    /// The least value (unsigned).
    pub fn min(&self) -> Option<u64> {
        self.ranges.first().map(|r| r.0)
    }

    /// The greatest value (unsigned).
    pub fn max(&self) -> Option<u64> {
        self.ranges.last().map(|r| r.1)
    }

    /// The least value in the signed reading.
    pub fn signed_min(&self) -> Option<i128> {
        let half = 1u64 << (self.width - 1);
        match self.ranges.iter().find(|r| r.1 >= half) {
            Some(&(l, _)) => Some(to_signed(l.max(half), self.width)),
            None => self.min().map(i128::from),
        }
    }

    /// The greatest value in the signed reading.
    pub fn signed_max(&self) -> Option<i128> {
        let half = 1u64 << (self.width - 1);
        match self.ranges.iter().rev().find(|r| r.0 < half) {
            Some(&(_, h)) => Some(i128::from(h.min(half - 1))),
            None => self.max().map(|m| to_signed(m, self.width)),
        }
    }

    /// The values in increasing order, if there are at most `limit`.
    pub fn values(&self, limit: usize) -> Option<Vec<u64>> {
        if self.count() > limit as u128 {
            return None;
        }
        Some(self.ranges.iter().flat_map(|&(l, h)| l..=h).collect())
    }

    /// Every value not in `self`.
    pub fn complement(&self) -> Self {
        let max = max_value(self.width);
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        let mut next = Some(0u64);
        for &(l, h) in &self.ranges {
            if let Some(n) = next
                && n < l
            {
                out.push((n, l - 1));
            }
            next = if h == max { None } else { Some(h + 1) };
        }
        if let Some(n) = next {
            out.push((n, max));
        }
        IntervalSet { width: self.width, ranges: out }
    }

    /// `self ∪ other`.
    pub fn union(&self, other: &Self) -> Self {
        let mut all = self.ranges.clone();
        all.extend_from_slice(&other.ranges);
        Self::from_ranges(self.width, all)
    }

    /// `self ∩ other`.
    pub fn intersect(&self, other: &Self) -> Self {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.ranges.len() && j < other.ranges.len() {
            let (a, b) = (self.ranges[i], other.ranges[j]);
            let (l, h) = (a.0.max(b.0), a.1.min(b.1));
            if l <= h {
                out.push((l, h));
            }
            if a.1 < b.1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        IntervalSet { width: self.width, ranges: out }
    }

    /// `self \ other`.
    pub fn subtract(&self, other: &Self) -> Self {
        self.intersect(&other.complement())
    }

    /// Is every value of `self` in `other`?
    pub fn is_subset(&self, other: &Self) -> bool {
        self.subtract(other).is_empty()
    }

    /// The smallest single range containing the set.
    pub fn hull(&self) -> Self {
        match (self.min(), self.max()) {
            (Some(l), Some(h)) => Self::range(self.width, l, h),
            _ => self.clone(),
        }
    }

    /// A superset of at most `max_ranges` ranges (at least 1): the smallest
    /// gaps between ranges are filled first (the leftmost of equal gaps).
    pub fn coarsen(&self, max_ranges: usize) -> Self {
        let max_ranges = max_ranges.max(1);
        if self.ranges.len() <= max_ranges {
            return self.clone();
        }
        let mut gaps: Vec<(u64, usize)> =
            self.ranges.windows(2).enumerate().map(|(i, w)| (w[1].0 - w[0].1, i)).collect();
        gaps.sort_unstable();
        let mut fill = vec![false; self.ranges.len()];
        for &(_, i) in &gaps[..self.ranges.len() - max_ranges] {
            fill[i] = true;
        }
        let mut out: Vec<(u64, u64)> = Vec::with_capacity(max_ranges);
        let mut join_next = false;
        for (i, &(l, h)) in self.ranges.iter().enumerate() {
            match out.last_mut() {
                Some(last) if join_next => last.1 = h,
                _ => out.push((l, h)),
            }
            join_next = fill[i];
        }
        IntervalSet { width: self.width, ranges: out }
    }

    /// `{ x - k mod 2^width | x ∈ self }`: the values `v` with `v + k ∈ self`.
    pub fn shift_down(&self, k: u64) -> Self {
        self.offset(k.wrapping_neg())
    }

    /// `{ x + k mod 2^width | x ∈ self }` (exact).
    pub fn offset(&self, k: u64) -> Self {
        let max = max_value(self.width);
        let k = k & max;
        if k == 0 {
            return self.clone();
        }
        let add = |x: u64| x.wrapping_add(k) & max;
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        for &(l, h) in &self.ranges {
            push_circular(add(l), add(h), max, &mut out);
        }
        Self::from_ranges(self.width, out)
    }

    /// The integers `[lo, hi]` (`lo <= hi`) reduced modulo 2^width: one or
    /// two ranges, or the full domain when they span 2^width values or
    /// more.
    fn push_modular(width: u32, lo: u128, hi: u128, out: &mut Vec<(u64, u64)>) {
        let modulus = 1u128 << width;
        if hi - lo + 1 >= modulus {
            out.push((0, max_value(width)));
            return;
        }
        push_circular((lo % modulus) as u64, (hi % modulus) as u64, max_value(width), out);
    }

    /// `{ x + y mod 2^width | x ∈ self, y ∈ other }` (exact when either set
    /// has one value, or both have one range).
    pub fn add(&self, other: &Self) -> Self {
        if let Some(k) = other.as_single() {
            return self.offset(k);
        }
        if let Some(k) = self.as_single() {
            return other.offset(k);
        }
        let (a, b) = if self.ranges.len() * other.ranges.len() > 64 {
            (self.hull(), other.hull())
        } else {
            (self.clone(), other.clone())
        };
        let mut out = Vec::new();
        for &(l1, h1) in &a.ranges {
            for &(l2, h2) in &b.ranges {
                Self::push_modular(
                    self.width,
                    u128::from(l1) + u128::from(l2),
                    u128::from(h1) + u128::from(h2),
                    &mut out,
                );
            }
        }
        Self::from_ranges(self.width, out)
    }

    /// `{ -x mod 2^width | x ∈ self }` (exact).
    pub fn neg(&self) -> Self {
        let max = max_value(self.width);
        let neg = |x: u64| x.wrapping_neg() & max;
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        for &(l, h) in &self.ranges {
            if l == 0 {
                out.push((0, 0));
                if h > 0 {
                    out.push((neg(h), max));
                }
            } else {
                out.push((neg(h), neg(l)));
            }
        }
        Self::from_ranges(self.width, out)
    }

    /// `{ x - y mod 2^width | x ∈ self, y ∈ other }`.
    pub fn sub(&self, other: &Self) -> Self {
        self.add(&other.neg())
    }

    /// `{ x * y mod 2^width | x ∈ self, y ∈ other }`: exact for two single
    /// values; the product of the bounds when it does not wrap; a power of
    /// two as a shift; else the full domain.
    pub fn mul(&self, other: &Self) -> Self {
        if self.is_empty() || other.is_empty() {
            return Self::empty(self.width);
        }
        for (a, b) in [(self, other), (other, self)] {
            if let Some(k) = b.as_single() {
                if k == 0 {
                    return Self::single(self.width, 0);
                }
                if k.is_power_of_two() {
                    return a.shl(k.trailing_zeros());
                }
            }
        }
        let (Some(l1), Some(h1), Some(l2), Some(h2)) = (self.min(), self.max(), other.min(), other.max()) else {
            return Self::empty(self.width);
        };
        let hi = u128::from(h1) * u128::from(h2);
        if hi <= u128::from(max_value(self.width)) {
            Self::range(self.width, l1 * l2, hi as u64)
        } else {
            Self::full(self.width)
        }
    }

    /// `{ x mod 2^bits | x ∈ self }`, in the same width (exact).
    pub fn low_bits(&self, bits: u32) -> Self {
        if bits >= self.width {
            return self.clone();
        }
        let modulus = 1u128 << bits;
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        for &(l, h) in &self.ranges {
            if u128::from(h - l) + 1 >= modulus {
                return Self::range(self.width, 0, max_value(bits));
            }
            Self::push_modular(bits, u128::from(l), u128::from(h), &mut out);
        }
        Self::from_ranges(self.width, out)
    }

    /// `{ x mod 2^width' | x ∈ self }` as a set of width `width'` (wrap;
    /// exact).
    pub fn truncate(&self, width: u32) -> Self {
        let low = self.low_bits(width);
        Self::from_ranges(width, low.ranges)
    }

    /// The same values in the wider domain `width` (zero extension; exact).
    pub fn zero_extend(&self, width: u32) -> Self {
        Self::from_ranges(width.max(self.width), self.ranges.clone())
    }

    /// The low `bits` bits of each value read as a signed number and
    /// written in the domain of width `width` (sign extension from `bits`;
    /// exact).
    pub fn sign_extend(&self, bits: u32, width: u32) -> Self {
        let bits = bits.min(self.width);
        let low = self.low_bits(bits);
        let half = 1u64 << (bits - 1);
        let lift = max_value(width) - max_value(bits);
        let mut out = Vec::with_capacity(low.ranges.len() + 1);
        for &(l, h) in &low.ranges {
            if l < half {
                out.push((l, h.min(half - 1)));
            }
            if h >= half {
                out.push((l.max(half) + lift, h + lift));
            }
        }
        Self::from_ranges(width, out)
    }

    /// `{ x << k mod 2^width | x ∈ self }` for `k < width` (the shift amount
    /// already reduced): exact on a range whose image does not wrap more
    /// than once; a range of `2^(width-k)` values or more gives every
    /// multiple of `2^k` (as their hull).
    pub fn shl(&self, k: u32) -> Self {
        let k = k % self.width;
        if k == 0 {
            return self.clone();
        }
        let max = max_value(self.width);
        let span = 1u128 << (self.width - k);
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        for &(l, h) in &self.ranges {
            if u128::from(h - l) + 1 >= span {
                return Self::range(self.width, 0, max - max_value(k));
            }
            push_circular((l << k) & max, (h << k) & max, max, &mut out);
        }
        Self::from_ranges(self.width, out)
    }

    /// `{ x >>u k | x ∈ self }` for `k < width` (exact).
    pub fn shr_u(&self, k: u32) -> Self {
        let k = k % self.width;
        Self::from_ranges(self.width, self.ranges.iter().map(|&(l, h)| (l >> k, h >> k)).collect())
    }

    /// The ranges split where the signed reading wraps (at `2^(width-1)`),
    /// so each piece is increasing in both readings.
    fn signed_pieces(&self) -> Vec<(u64, u64)> {
        let half = 1u64 << (self.width - 1);
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        for &(l, h) in &self.ranges {
            if l < half && h >= half {
                out.push((l, half - 1));
                out.push((half, h));
            } else {
                out.push((l, h));
            }
        }
        out
    }

    /// `{ x >>s k | x ∈ self }` for `k < width` (exact).
    pub fn shr_s(&self, k: u32) -> Self {
        let k = k % self.width;
        let w = self.width;
        let out = self
            .signed_pieces()
            .into_iter()
            .map(|(l, h)| (from_signed(to_signed(l, w) >> k, w), from_signed(to_signed(h, w) >> k, w)))
            .collect();
        Self::from_ranges(w, out)
    }

    /// `{ x /u k | x ∈ self }` (exact; empty for `k == 0`, which traps).
    pub fn div_u(&self, k: u64) -> Self {
        if k == 0 {
            return Self::empty(self.width);
        }
        Self::from_ranges(self.width, self.ranges.iter().map(|&(l, h)| (l / k, h / k)).collect())
    }

    /// `{ x %u k | x ∈ self }` (exact; empty for `k == 0`, which traps).
    pub fn rem_u(&self, k: u64) -> Self {
        if k == 0 {
            return Self::empty(self.width);
        }
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        for &(l, h) in &self.ranges {
            if h - l >= k - 1 {
                return Self::range(self.width, 0, k - 1);
            }
            push_circular(l % k, h % k, k - 1, &mut out);
        }
        Self::from_ranges(self.width, out)
    }

    /// `{ x & y | x ∈ self, y ∈ other }`: exact for a mask of low bits
    /// (`2^n - 1`); otherwise bounded by `[0, min(max x, max y)]`.
    pub fn and(&self, other: &Self) -> Self {
        if self.is_empty() || other.is_empty() {
            return Self::empty(self.width);
        }
        for (a, b) in [(self, other), (other, self)] {
            if let Some(m) = b.as_single()
                && m.wrapping_add(1) & m == 0
            {
                return a.low_bits(m.count_ones());
            }
        }
        let hi = self.max().unwrap_or(0).min(other.max().unwrap_or(0));
        Self::range(self.width, 0, hi)
    }

    /// `{ x | y | x ∈ self, y ∈ other }`, bounded by
    /// `[max(min x, min y), min(max x + max y, all ones to the top bit)]`.
    pub fn or(&self, other: &Self) -> Self {
        let (Some(l1), Some(h1), Some(l2), Some(h2)) = (self.min(), self.max(), other.min(), other.max()) else {
            return Self::empty(self.width);
        };
        if let (Some(a), Some(b)) = (self.as_single(), other.as_single()) {
            return Self::single(self.width, a | b);
        }
        let hi = h1.saturating_add(h2).min(ones_below(h1 | h2)).min(max_value(self.width));
        Self::range(self.width, l1.max(l2), hi)
    }

    /// `{ x ^ y | x ∈ self, y ∈ other }`: exact when one side is a single
    /// value that is zero, all ones (`max - x`) or the sign bit (`x +
    /// 2^(width-1)`); otherwise bounded by all ones to the top bit.
    pub fn xor(&self, other: &Self) -> Self {
        if self.is_empty() || other.is_empty() {
            return Self::empty(self.width);
        }
        let max = max_value(self.width);
        for (a, b) in [(self, other), (other, self)] {
            match b.as_single() {
                Some(0) => return a.clone(),
                Some(m) if m == max => {
                    return Self::from_ranges(self.width, a.ranges.iter().map(|&(l, h)| (max - h, max - l)).collect());
                }
                Some(m) if m == 1 << (self.width - 1) => return a.offset(m),
                _ => {}
            }
        }
        let hi = ones_below(self.max().unwrap_or(0) | other.max().unwrap_or(0));
        Self::range(self.width, 0, hi)
    }

    /// The values `x` for which `x op y` holds for some `y ∈ other`
    /// (`op` an integer comparison of this width; `None` for any other
    /// opcode). Exact.
    pub fn satisfying(op: Opcode, other: &Self) -> Option<Self> {
        use Opcode::*;
        let width = other.width;
        if !op.is_int_compare() {
            return None;
        }
        let (Some(min), Some(max), Some(smin), Some(smax)) =
            (other.min(), other.max(), other.signed_min(), other.signed_max())
        else {
            return Some(Self::empty(width));
        };
        let top = max_value(width);
        let (dmin, dmax) = (-(1i128 << (width - 1)), (1i128 << (width - 1)) - 1);
        Some(match op {
            I32Eq | I64Eq => other.clone(),
            I32Ne | I64Ne => match other.as_single() {
                Some(k) => Self::single(width, k).complement(),
                None => Self::full(width),
            },
            I32LtU | I64LtU if max == 0 => Self::empty(width),
            I32LtU | I64LtU => Self::range(width, 0, max - 1),
            I32LeU | I64LeU => Self::range(width, 0, max),
            I32GtU | I64GtU if min == top => Self::empty(width),
            I32GtU | I64GtU => Self::range(width, min + 1, top),
            I32GeU | I64GeU => Self::range(width, min, top),
            I32LtS | I64LtS => Self::signed_range(width, dmin, smax - 1),
            I32LeS | I64LeS => Self::signed_range(width, dmin, smax),
            I32GtS | I64GtS => Self::signed_range(width, smin + 1, dmax),
            I32GeS | I64GeS => Self::signed_range(width, smin, dmax),
            _ => return None,
        })
    }

    /// Can `x op y` be true, and can it be false, for `x ∈ self`, `y ∈
    /// other`? (`op` an integer comparison; `None` for any other opcode or
    /// an empty set.) Exact.
    pub fn compare(op: Opcode, a: &Self, b: &Self) -> Option<(bool, bool)> {
        if a.is_empty() || b.is_empty() {
            return None;
        }
        let may_true = !a.intersect(&Self::satisfying(op, b)?).is_empty();
        let may_false = !a.intersect(&Self::satisfying(op.inverse_compare()?, b)?).is_empty();
        Some((may_true, may_false))
    }
}

#[cfg(test)]
pub(crate) mod tests;

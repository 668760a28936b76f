//! Sets of selector values as sorted, disjoint, non-adjacent inclusive
//! ranges over the unsigned domain `[0, 2^width - 1]` (`width` 32 or 64).
//!
//! Every test of a switch chain is turned into one of these sets (the
//! values of the selector for which the test takes its case edge); the
//! chain's meaning is then computed with set operations, exactly, for
//! every value of the domain.

/// A set of `width`-bit unsigned values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IntervalSet {
    width: u32,
    /// Sorted, disjoint, and no two ranges adjacent.
    ranges: Vec<(u64, u64)>,
}

/// The largest value of a `width`-bit domain.
pub(crate) fn max_value(width: u32) -> u64 {
    if width >= 64 { u64::MAX } else { (1u64 << width) - 1 }
}

/// `x` as a `width`-bit signed number.
pub(crate) fn to_signed(x: u64, width: u32) -> i128 {
    if width >= 64 {
        i128::from(x as i64)
    } else if x >> (width - 1) & 1 == 1 {
        i128::from(x) - (1i128 << width)
    } else {
        i128::from(x)
    }
}

impl IntervalSet {
    /// The empty set.
    pub(crate) fn empty(width: u32) -> Self {
        IntervalSet { width, ranges: Vec::new() }
    }

    /// Every value of the domain.
    pub(crate) fn full(width: u32) -> Self {
        IntervalSet { width, ranges: vec![(0, max_value(width))] }
    }

    /// `[lo, hi]` (empty when `lo > hi`).
    pub(crate) fn range(width: u32, lo: u64, hi: u64) -> Self {
        let mut s = Self::empty(width);
        if lo <= hi && hi <= max_value(width) {
            s.ranges.push((lo, hi));
        }
        s
    }

    /// One value.
    pub(crate) fn single(width: u32, x: u64) -> Self {
        Self::range(width, x, x)
    }

    /// The values whose signed reading lies in `[lo, hi]` (empty when
    /// `lo > hi`; bounds are clamped to the signed domain).
    pub(crate) fn signed_range(width: u32, lo: i128, hi: i128) -> Self {
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

    fn from_ranges(width: u32, mut ranges: Vec<(u64, u64)>) -> Self {
        ranges.retain(|&(l, h)| l <= h);
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

    /// The ranges, sorted.
    pub(crate) fn ranges(&self) -> &[(u64, u64)] {
        &self.ranges
    }

    /// Is the set empty?
    pub(crate) fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The number of values (up to 2^64).
    #[cfg(test)]
    pub(crate) fn count(&self) -> u128 {
        self.ranges.iter().map(|&(l, h)| u128::from(h - l) + 1).sum()
    }

    /// Every value not in `self`.
    pub(crate) fn complement(&self) -> Self {
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
    pub(crate) fn union(&self, other: &Self) -> Self {
        let mut all = self.ranges.clone();
        all.extend_from_slice(&other.ranges);
        Self::from_ranges(self.width, all)
    }

    /// `self ∩ other`.
    pub(crate) fn intersect(&self, other: &Self) -> Self {
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
    pub(crate) fn subtract(&self, other: &Self) -> Self {
        self.intersect(&other.complement())
    }

    /// Is every value of `self` in `other`?
    pub(crate) fn is_subset(&self, other: &Self) -> bool {
        self.subtract(other).is_empty()
    }

    /// `{ x - k mod 2^width | x ∈ self }`: the values `v` with `v + k ∈ self`.
    pub(crate) fn shift_down(&self, k: u64) -> Self {
        let max = max_value(self.width);
        let k = k & max;
        if k == 0 {
            return self.clone();
        }
        let sub = |x: u64| x.wrapping_sub(k) & max;
        let mut out = Vec::with_capacity(self.ranges.len() + 1);
        for &(l, h) in &self.ranges {
            let (nl, nh) = (sub(l), sub(h));
            if nl <= nh {
                out.push((nl, nh));
            } else {
                out.push((nl, max));
                out.push((0, nh));
            }
        }
        Self::from_ranges(self.width, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members(s: &IntervalSet, probe: &[u64]) -> Vec<u64> {
        probe.iter().copied().filter(|&x| s.ranges().iter().any(|&(l, h)| l <= x && x <= h)).collect()
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
}

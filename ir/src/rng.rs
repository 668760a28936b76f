//! A small deterministic pseudo-random generator (xorshift64*) for tests,
//! property sweeps and generated inputs across the workspace: one
//! implementation, so a seed means the same sequence everywhere. It is not
//! part of the library's API: it exists in this crate's tests and behind
//! the `testing` feature, which other crates enable for their tests only.
//! Not for anything that needs statistical quality or unpredictability.

/// xorshift64* (Vigna): 64 bits of state, never zero.
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator seeded from `seed` (spread by the golden-ratio constant,
    /// so small seeds give unrelated sequences).
    pub fn new(seed: u64) -> Self {
        Rng::from_state(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1)
    }

    /// A generator with exactly this state (`0` is replaced by `1`: the
    /// all-zero state would stay zero).
    pub fn from_state(state: u64) -> Self {
        Rng(if state == 0 { 1 } else { state })
    }

    /// The next 64 bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// Uniform-ish in `0..n` (`n > 0`; modulo bias is irrelevant here).
    pub fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }

    /// [`Rng::below`] for indices.
    pub fn index(&mut self, n: usize) -> usize {
        self.below(n as u64) as usize
    }

    /// One element of `xs` (non-empty).
    pub fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[self.index(xs.len())]
    }

    /// True with probability `percent` / 100.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
}

#[cfg(test)]
mod tests {
    use super::Rng;

    #[test]
    fn sequences_are_deterministic_and_in_range() {
        let (mut a, mut b) = (Rng::from_state(7), Rng::from_state(7));
        for _ in 0..100 {
            assert_eq!(a.next_u64(), b.next_u64());
            assert!(a.below(10) < 10);
            assert!(b.below(10) < 10);
        }
        assert_ne!(Rng::from_state(0).next_u64(), 0, "the zero state is replaced");
    }
}

//! Lane views of `v128` values and the lane-wise building blocks of the
//! simd128 semantics (maps, comparisons to masks, widening, narrowing,
//! pairwise operations, bitmasks).
//!
//! A `v128` is 16 bytes in memory order; lane `i` of an N-byte shape is
//! bytes `i*N .. (i+1)*N`, little-endian. Every helper takes the lane type
//! and count as generic parameters and checks at compile time that they
//! fill exactly 128 bits.

use crate::immediates::V128Imm;

/// A lane type: an integer or float of 1, 2, 4 or 8 bytes.
pub trait Lane: Copy + Default {
    /// Width in bytes.
    const BYTES: usize;
    /// Reads a lane from the first `BYTES` bytes of `b` (little-endian).
    fn read(b: &[u8]) -> Self;
    /// Writes the lane to the first `BYTES` bytes of `b`.
    fn write(self, b: &mut [u8]);
}

macro_rules! impl_lane {
    ($($t:ty = $n:literal),*) => {$(
        impl Lane for $t {
            const BYTES: usize = $n;
            fn read(b: &[u8]) -> Self {
                let mut a = [0u8; $n];
                a.copy_from_slice(&b[..$n]);
                <$t>::from_le_bytes(a)
            }
            fn write(self, b: &mut [u8]) {
                b[..$n].copy_from_slice(&self.to_le_bytes());
            }
        }
    )*};
}

impl_lane!(i8 = 1, u8 = 1, i16 = 2, u16 = 2, i32 = 4, u32 = 4, i64 = 8, u64 = 8, f32 = 4, f64 = 8);

/// The lanes of `v` as `N` values of type `T`.
pub fn lanes<T: Lane, const N: usize>(v: V128Imm) -> [T; N] {
    const { assert!(N * T::BYTES == 16) };
    core::array::from_fn(|i| T::read(&v.0[i * T::BYTES..]))
}

/// A `v128` from `N` lanes of type `T`.
pub fn pack<T: Lane, const N: usize>(l: [T; N]) -> V128Imm {
    const { assert!(N * T::BYTES == 16) };
    let mut out = [0u8; 16];
    for (i, x) in l.into_iter().enumerate() {
        x.write(&mut out[i * T::BYTES..]);
    }
    V128Imm(out)
}

/// Applies `f` to every lane.
pub fn map1<T: Lane, const N: usize>(v: V128Imm, f: impl Fn(T) -> T) -> V128Imm {
    pack::<T, N>(lanes::<T, N>(v).map(f))
}

/// Applies `f` to every pair of corresponding lanes.
pub fn map2<T: Lane, const N: usize>(a: V128Imm, b: V128Imm, f: impl Fn(T, T) -> T) -> V128Imm {
    let (x, y) = (lanes::<T, N>(a), lanes::<T, N>(b));
    pack::<T, N>(core::array::from_fn(|i| f(x[i], y[i])))
}

/// Lane-wise comparison: all ones where `f` holds, zeros elsewhere.
pub fn cmp<T: Lane, const N: usize>(a: V128Imm, b: V128Imm, f: impl Fn(T, T) -> bool) -> V128Imm {
    let (x, y) = (lanes::<T, N>(a), lanes::<T, N>(b));
    let mut out = [0u8; 16];
    for i in 0..N {
        if f(x[i], y[i]) {
            out[i * T::BYTES..(i + 1) * T::BYTES].fill(0xff);
        }
    }
    V128Imm(out)
}

/// Widens the low (or high) half of the `NS` source lanes to `ND = NS / 2`
/// destination lanes with `f`.
pub fn widen<S: Lane, D: Lane, const NS: usize, const ND: usize>(
    v: V128Imm,
    high: bool,
    f: impl Fn(S) -> D,
) -> V128Imm {
    let s = lanes::<S, NS>(v);
    let base = if high { ND } else { 0 };
    pack::<D, ND>(core::array::from_fn(|i| f(s[base + i])))
}

/// Widens the low (or high) halves of two vectors and combines
/// corresponding lanes with `f` (extended multiplication).
pub fn widen2<S: Lane, D: Lane, const NS: usize, const ND: usize>(
    a: V128Imm,
    b: V128Imm,
    high: bool,
    f: impl Fn(S, S) -> D,
) -> V128Imm {
    let (x, y) = (lanes::<S, NS>(a), lanes::<S, NS>(b));
    let base = if high { ND } else { 0 };
    pack::<D, ND>(core::array::from_fn(|i| f(x[base + i], y[base + i])))
}

/// Combines adjacent source lanes `2i`, `2i+1` into destination lane `i`.
pub fn pairwise<S: Lane, D: Lane, const NS: usize, const ND: usize>(v: V128Imm, f: impl Fn(S, S) -> D) -> V128Imm {
    let s = lanes::<S, NS>(v);
    pack::<D, ND>(core::array::from_fn(|i| f(s[2 * i], s[2 * i + 1])))
}

/// Narrows: the lanes of `a` then the lanes of `b`, each through `f`
/// (a saturating conversion), into lanes half as wide.
pub fn narrow<S: Lane, D: Lane, const NS: usize, const ND: usize>(
    a: V128Imm,
    b: V128Imm,
    f: impl Fn(S) -> D,
) -> V128Imm {
    let (x, y) = (lanes::<S, NS>(a), lanes::<S, NS>(b));
    pack::<D, ND>(core::array::from_fn(|i| if i < NS { f(x[i]) } else { f(y[i - NS]) }))
}

/// The bit mask of the lanes for which `neg` holds (lane `i` is bit `i`).
pub fn bitmask<T: Lane, const N: usize>(v: V128Imm, neg: impl Fn(T) -> bool) -> i32 {
    lanes::<T, N>(v).iter().enumerate().fold(0, |m, (i, &x)| if neg(x) { m | 1 << i } else { m })
}

/// Is every lane non-zero?
pub fn all_true<T: Lane + PartialEq, const N: usize>(v: V128Imm) -> bool {
    lanes::<T, N>(v).iter().all(|&x| x != T::default())
}

/// `i8x16.swizzle`: lane `i` is `a[s[i]]`, or 0 when `s[i] >= 16`.
pub fn swizzle(a: V128Imm, s: V128Imm) -> V128Imm {
    V128Imm(core::array::from_fn(|i| a.0.get(s.0[i] as usize).copied().unwrap_or(0)))
}

/// `i8x16.shuffle`: lane `i` is byte `idx[i]` of the 32-byte concatenation
/// `a ++ b`; `None` if an index is 32 or more (rejected by validation).
pub fn shuffle(a: V128Imm, b: V128Imm, idx: [u8; 16]) -> Option<V128Imm> {
    let mut out = [0u8; 16];
    for (o, &k) in out.iter_mut().zip(&idx) {
        *o = match k {
            0..=15 => a.0[k as usize],
            16..=31 => b.0[k as usize - 16],
            _ => return None,
        };
    }
    Some(V128Imm(out))
}

/// `i32x4.dot_i16x8_s`: lane `i` is `a[2i]*b[2i] + a[2i+1]*b[2i+1]`
/// (signed, wrapping in 32 bits).
pub fn dot_i16x8_s(a: V128Imm, b: V128Imm) -> V128Imm {
    let (x, y) = (lanes::<i16, 8>(a), lanes::<i16, 8>(b));
    let prod = |i: usize| i32::from(x[i]) * i32::from(y[i]);
    pack::<i32, 4>(core::array::from_fn(|i| prod(2 * i).wrapping_add(prod(2 * i + 1))))
}

//! Scalar semantics shared by the scalar and the SIMD opcodes: trapping
//! integer division, wasm float `min`/`max`, NaN canonicalization and
//! float-to-integer truncation.
//!
//! NaN policy: every arithmetic float result that is a NaN (`add`, `sqrt`,
//! `min`, `ceil`, `nearest`, `demote`, `promote`, ... and their lane-wise
//! forms) is the positive canonical NaN, as in wasm's deterministic profile,
//! so runs are reproducible on every host. Bit operations (`abs`, `neg`,
//! `copysign`), moves (`select`, loads, stores, `reinterpret`, lane
//! extraction and insertion) and `pmin`/`pmax` (defined as a select) keep
//! the operand's bits exactly, as wasm requires.
//!
//! Canonicalization works on bit patterns: the helpers return `u32`/`u64`
//! bits, never a float, because an optimizer may treat all NaNs as
//! interchangeable and fold `if x.is_nan() { NAN } else { x }` to `x`.

use super::Trap;
use super::value::{CANONICAL_NAN_F32, CANONICAL_NAN_F64};

/// The bits of `x`, or of the canonical NaN if `x` is a NaN.
pub fn canon32(x: f32) -> u32 {
    if x.is_nan() { CANONICAL_NAN_F32 } else { x.to_bits() }
}

/// The bits of `x`, or of the canonical NaN if `x` is a NaN.
pub fn canon64(x: f64) -> u64 {
    if x.is_nan() { CANONICAL_NAN_F64 } else { x.to_bits() }
}

macro_rules! float_min_max {
    ($min:ident, $max:ident, $pmin:ident, $pmax:ident, $t:ty, $bits:ty, $nan:ident) => {
        /// wasm `min` on bit patterns: the canonical NaN if either operand
        /// is NaN; `-0 < +0`.
        pub fn $min(a: $bits, b: $bits) -> $bits {
            let (x, y) = (<$t>::from_bits(a), <$t>::from_bits(b));
            if x.is_nan() || y.is_nan() {
                $nan
            } else if x == 0.0 && y == 0.0 {
                a | b
            } else if x < y {
                a
            } else {
                b
            }
        }

        /// wasm `max` on bit patterns: the canonical NaN if either operand
        /// is NaN; `-0 < +0`.
        pub fn $max(a: $bits, b: $bits) -> $bits {
            let (x, y) = (<$t>::from_bits(a), <$t>::from_bits(b));
            if x.is_nan() || y.is_nan() {
                $nan
            } else if x == 0.0 && y == 0.0 {
                a & b
            } else if x > y {
                a
            } else {
                b
            }
        }

        /// wasm `pmin` on bit patterns: `b < a ? b : a` (operand bits kept).
        pub fn $pmin(a: $bits, b: $bits) -> $bits {
            if <$t>::from_bits(b) < <$t>::from_bits(a) { b } else { a }
        }

        /// wasm `pmax` on bit patterns: `a < b ? b : a` (operand bits kept).
        pub fn $pmax(a: $bits, b: $bits) -> $bits {
            if <$t>::from_bits(a) < <$t>::from_bits(b) { b } else { a }
        }
    };
}

float_min_max!(fmin32, fmax32, pmin32, pmax32, f32, u32, CANONICAL_NAN_F32);
float_min_max!(fmin64, fmax64, pmin64, pmax64, f64, u64, CANONICAL_NAN_F64);

macro_rules! int_div {
    ($div_s:ident, $div_u:ident, $rem_s:ident, $rem_u:ident, $s:ty, $u:ty) => {
        /// Signed division: traps on a zero divisor and on `MIN / -1`.
        pub fn $div_s(a: $s, b: $s) -> Result<$s, Trap> {
            if b == 0 {
                return Err(Trap::IntegerDivideByZero);
            }
            a.checked_div(b).ok_or(Trap::IntegerOverflow)
        }

        /// Unsigned division: traps on a zero divisor.
        pub fn $div_u(a: $s, b: $s) -> Result<$s, Trap> {
            if b == 0 {
                return Err(Trap::IntegerDivideByZero);
            }
            Ok(((a as $u) / (b as $u)) as $s)
        }

        /// Signed remainder (sign of the dividend): traps on a zero divisor;
        /// `MIN % -1` is 0.
        pub fn $rem_s(a: $s, b: $s) -> Result<$s, Trap> {
            if b == 0 {
                return Err(Trap::IntegerDivideByZero);
            }
            Ok(a.wrapping_rem(b))
        }

        /// Unsigned remainder: traps on a zero divisor.
        pub fn $rem_u(a: $s, b: $s) -> Result<$s, Trap> {
            if b == 0 {
                return Err(Trap::IntegerDivideByZero);
            }
            Ok(((a as $u) % (b as $u)) as $s)
        }
    };
}

int_div!(div_s32, div_u32, rem_s32, rem_u32, i32, u32);
int_div!(div_s64, div_u64, rem_s64, rem_u64, i64, u64);

/// Truncates `x` toward zero to a signed integer of `bits` bits (32 or
/// 64): [`Trap::BadConversionToInteger`] for NaN, [`Trap::IntegerOverflow`]
/// when the truncated value does not fit. (`f32` operands are widened to
/// `f64` first, which is exact.)
pub fn trunc_s(x: f64, bits: u32) -> Result<i64, Trap> {
    if x.is_nan() {
        return Err(Trap::BadConversionToInteger);
    }
    let t = x.trunc();
    let bound = pow2(bits - 1);
    if t < -bound || t >= bound {
        return Err(Trap::IntegerOverflow);
    }
    Ok(t as i64)
}

/// Truncates `x` toward zero to an unsigned integer of `bits` bits; traps
/// like [`trunc_s`].
pub fn trunc_u(x: f64, bits: u32) -> Result<u64, Trap> {
    if x.is_nan() {
        return Err(Trap::BadConversionToInteger);
    }
    let t = x.trunc();
    if t <= -1.0 || t >= pow2(bits) {
        return Err(Trap::IntegerOverflow);
    }
    Ok(t as u64)
}

/// `2^n` exactly, for `n <= 64`.
fn pow2(n: u32) -> f64 {
    f64::from_bits(u64::from(1023 + n) << 52)
}

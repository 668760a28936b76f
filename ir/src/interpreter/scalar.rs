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

use super::Trap;
use super::value::{CANONICAL_NAN_F32, CANONICAL_NAN_F64};

/// `x`, or the canonical NaN if `x` is a NaN.
pub fn canon32(x: f32) -> f32 {
    if x.is_nan() { f32::from_bits(CANONICAL_NAN_F32) } else { x }
}

/// `x`, or the canonical NaN if `x` is a NaN.
pub fn canon64(x: f64) -> f64 {
    if x.is_nan() { f64::from_bits(CANONICAL_NAN_F64) } else { x }
}

macro_rules! float_min_max {
    ($min:ident, $max:ident, $t:ty, $canon:ident) => {
        /// wasm `min`: NaN if either operand is NaN; `-0 < +0`.
        pub fn $min(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                $canon(a + b)
            } else if a == 0.0 && b == 0.0 {
                if a.is_sign_negative() { a } else { b }
            } else if a < b {
                a
            } else {
                b
            }
        }

        /// wasm `max`: NaN if either operand is NaN; `-0 < +0`.
        pub fn $max(a: $t, b: $t) -> $t {
            if a.is_nan() || b.is_nan() {
                $canon(a + b)
            } else if a == 0.0 && b == 0.0 {
                if a.is_sign_positive() { a } else { b }
            } else if a > b {
                a
            } else {
                b
            }
        }
    };
}

float_min_max!(fmin32, fmax32, f32, canon32);
float_min_max!(fmin64, fmax64, f64, canon64);

/// wasm `pmin`: `b < a ? b : a` (operand bits kept, NaN in `a` wins).
pub fn pmin32(a: f32, b: f32) -> f32 {
    if b < a { b } else { a }
}

/// wasm `pmax`: `a < b ? b : a`.
pub fn pmax32(a: f32, b: f32) -> f32 {
    if a < b { b } else { a }
}

/// wasm `pmin` for `f64`.
pub fn pmin64(a: f64, b: f64) -> f64 {
    if b < a { b } else { a }
}

/// wasm `pmax` for `f64`.
pub fn pmax64(a: f64, b: f64) -> f64 {
    if a < b { b } else { a }
}

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

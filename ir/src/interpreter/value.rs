//! Runtime values of the interpreter, their text form (used by `; run:`
//! lines) and the NaN-tolerant comparison tests use.
//!
//! Text form, one value per type:
//!
//! | type | printed | also read |
//! |---|---|---|
//! | `i32`, `i64` | signed decimal (`-5`) | unsigned decimal up to 2^N-1, `0x` hex bit patterns, `_` separators |
//! | `f32`, `f64` | as [`Ieee32`]/[`Ieee64`] print (`1.5`, `-0.0`, `inf`, `nan:0x400000`) | `nan`, `-nan` (canonical NaN), integers |
//! | `v128` | `0x` and 32 hex digits, as the printer writes `v128.const` | unsigned decimal; lane form `i32x4 1 -2 3 4` (shapes `i8x16 i16x8 i32x4 i64x2 f32x4 f64x2`) |
//! | `funcref` | `null` or `fnN` | |
//! | `externref` | `null` or `externN` | |

use crate::immediates::{Ieee32, Ieee64, V128Imm};
use crate::opcodes::SimdShape;
use crate::types::Type;
use core::fmt;

/// The canonical `f32` NaN (positive, quiet, no payload).
pub const CANONICAL_NAN_F32: u32 = 0x7fc0_0000;
/// The canonical `f64` NaN (positive, quiet, no payload).
pub const CANONICAL_NAN_F64: u64 = 0x7ff8_0000_0000_0000;

/// A runtime value. Equality (`==`) is bitwise; use [`Val::nan_eq`] or
/// [`Val::nan_eq_lanes`] to compare float results with every NaN equal to
/// every NaN.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Val {
    /// A 32-bit integer.
    I32(i32),
    /// A 64-bit integer.
    I64(i64),
    /// A 32-bit float, as its bit pattern.
    F32(Ieee32),
    /// A 64-bit float, as its bit pattern.
    F64(Ieee64),
    /// A 128-bit vector, bytes in memory order.
    V128(V128Imm),
    /// A function reference: the wasm function index, or null.
    FuncRef(Option<u32>),
    /// An external reference: an opaque host handle, or null.
    ExternRef(Option<u32>),
}

impl Val {
    /// The type of the value.
    pub fn ty(&self) -> Type {
        match self {
            Val::I32(_) => Type::I32,
            Val::I64(_) => Type::I64,
            Val::F32(_) => Type::F32,
            Val::F64(_) => Type::F64,
            Val::V128(_) => Type::V128,
            Val::FuncRef(_) => Type::FuncRef,
            Val::ExternRef(_) => Type::ExternRef,
        }
    }

    /// The zero (or null) value of a type: what wasm initializes locals,
    /// globals and table slots with.
    pub fn zero(ty: Type) -> Val {
        match ty {
            Type::I32 => Val::I32(0),
            Type::I64 => Val::I64(0),
            Type::F32 => Val::F32(Ieee32(0)),
            Type::F64 => Val::F64(Ieee64(0)),
            Type::V128 => Val::V128(V128Imm([0; 16])),
            Type::FuncRef => Val::FuncRef(None),
            Type::ExternRef => Val::ExternRef(None),
        }
    }

    /// The null reference of a reference type (`None` for other types).
    pub fn null(ty: Type) -> Option<Val> {
        match ty {
            Type::FuncRef => Some(Val::FuncRef(None)),
            Type::ExternRef => Some(Val::ExternRef(None)),
            _ => None,
        }
    }

    /// The reference payload of a `funcref`/`externref` (`None` for other
    /// types, `Some(None)` for null).
    pub fn as_ref(&self) -> Option<Option<u32>> {
        match *self {
            Val::FuncRef(r) | Val::ExternRef(r) => Some(r),
            _ => None,
        }
    }

    /// A reference of type `ty` (a reference type) with payload `r`.
    pub fn from_ref(ty: Type, r: Option<u32>) -> Option<Val> {
        match ty {
            Type::FuncRef => Some(Val::FuncRef(r)),
            Type::ExternRef => Some(Val::ExternRef(r)),
            _ => None,
        }
    }

    /// Is this a float NaN?
    pub fn is_nan(&self) -> bool {
        match self {
            Val::F32(x) => x.value().is_nan(),
            Val::F64(x) => x.value().is_nan(),
            _ => false,
        }
    }

    /// Equality for test results: bitwise, except that two float NaNs of the
    /// same type are equal whatever their payloads and signs (wasm leaves NaN
    /// payloads nondeterministic). `v128` values compare bitwise; see
    /// [`Self::nan_eq_lanes`].
    pub fn nan_eq(&self, other: &Val) -> bool {
        self == other || self.ty() == other.ty() && self.is_nan() && other.is_nan()
    }

    /// Like [`Self::nan_eq`], and for `v128` values read as `shape`: float
    /// lanes where both sides are NaN are equal; every other lane compares
    /// bitwise. Integer shapes compare bitwise.
    pub fn nan_eq_lanes(&self, other: &Val, shape: SimdShape) -> bool {
        match (self, other) {
            (Val::V128(a), Val::V128(b)) => lanes_nan_eq(*a, *b, shape),
            _ => self.nan_eq(other),
        }
    }

    /// Reads the text form of a value of type `ty`.
    pub fn parse(text: &str, ty: Type) -> Result<Val, ParseValError> {
        let s = text.trim();
        let err = || ParseValError { text: s.to_string(), ty };
        match ty {
            Type::I32 => parse_int(s, 32).map(|x| Val::I32(x as u32 as i32)).ok_or_else(err),
            Type::I64 => parse_int(s, 64).map(|x| Val::I64(x as i64)).ok_or_else(err),
            Type::F32 => parse_f32(s).map(Val::F32).ok_or_else(err),
            Type::F64 => parse_f64(s).map(Val::F64).ok_or_else(err),
            Type::V128 => parse_v128(s).map(Val::V128).ok_or_else(err),
            Type::FuncRef => parse_ref(s, "fn").map(Val::FuncRef).ok_or_else(err),
            Type::ExternRef => parse_ref(s, "extern").map(Val::ExternRef).ok_or_else(err),
        }
    }

    /// Reads a comma-separated list of values of the given types (the
    /// argument or result list of a `; run:` line). Empty text is the empty
    /// list.
    pub fn parse_list(text: &str, tys: &[Type]) -> Result<Vec<Val>, ParseValError> {
        let text = text.trim();
        let parts: Vec<&str> = if text.is_empty() { Vec::new() } else { text.split(',').collect() };
        if parts.len() != tys.len() {
            return Err(ParseValError {
                text: format!("{text} (expected {} values, found {})", tys.len(), parts.len()),
                ty: tys.first().copied().unwrap_or(Type::I32),
            });
        }
        parts.iter().zip(tys).map(|(p, &ty)| Val::parse(p, ty)).collect()
    }

    /// The lanes of a `v128` in the text form of `shape` (`i32x4 1 2 3 4`),
    /// or the usual text form for other values.
    pub fn display_lanes(&self, shape: SimdShape) -> String {
        let Val::V128(v) = self else { return self.to_string() };
        let mut out = shape.name().to_string();
        let b = &v.0;
        for i in 0..shape.lanes() {
            let at = i * shape.lane_bytes();
            let lane = match shape {
                SimdShape::I8x16 => (b[at] as i8).to_string(),
                SimdShape::I16x8 => i16::from_le_bytes([b[at], b[at + 1]]).to_string(),
                SimdShape::I32x4 => i32::from_le_bytes(bytes4(b, at)).to_string(),
                SimdShape::I64x2 => i64::from_le_bytes(bytes8(b, at)).to_string(),
                SimdShape::F32x4 => Ieee32(u32::from_le_bytes(bytes4(b, at))).to_string(),
                SimdShape::F64x2 => Ieee64(u64::from_le_bytes(bytes8(b, at))).to_string(),
            };
            out.push(' ');
            out.push_str(&lane);
        }
        out
    }
}

fn bytes4(b: &[u8; 16], at: usize) -> [u8; 4] {
    [b[at], b[at + 1], b[at + 2], b[at + 3]]
}

fn bytes8(b: &[u8; 16], at: usize) -> [u8; 8] {
    let mut out = [0; 8];
    out.copy_from_slice(&b[at..at + 8]);
    out
}

fn lanes_nan_eq(a: V128Imm, b: V128Imm, shape: SimdShape) -> bool {
    match shape {
        SimdShape::F32x4 => (0..4).all(|i| {
            let (x, y) = (u32::from_le_bytes(bytes4(&a.0, 4 * i)), u32::from_le_bytes(bytes4(&b.0, 4 * i)));
            x == y || f32::from_bits(x).is_nan() && f32::from_bits(y).is_nan()
        }),
        SimdShape::F64x2 => (0..2).all(|i| {
            let (x, y) = (u64::from_le_bytes(bytes8(&a.0, 8 * i)), u64::from_le_bytes(bytes8(&b.0, 8 * i)));
            x == y || f64::from_bits(x).is_nan() && f64::from_bits(y).is_nan()
        }),
        _ => a == b,
    }
}

/// Parses an integer literal of `bits` bits: signed or unsigned decimal, or
/// `0x` hex (optionally negated); returns the bit pattern.
fn parse_int(s: &str, bits: u32) -> Option<u64> {
    let s: String = s.chars().filter(|&c| c != '_').collect();
    let (neg, body) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s.strip_prefix('+').unwrap_or(&s)),
    };
    let magnitude: u128 = match body.strip_prefix("0x").or_else(|| body.strip_prefix("0X")) {
        Some(hex) => u128::from_str_radix(hex, 16).ok()?,
        None => body.parse::<u128>().ok()?,
    };
    let (umax, smin_mag) = (1u128 << bits, 1u128 << (bits - 1));
    if neg {
        (magnitude <= smin_mag).then(|| (umax - magnitude) as u64 & (umax - 1) as u64)
    } else {
        (magnitude < umax).then_some(magnitude as u64)
    }
}

fn parse_f32(s: &str) -> Option<Ieee32> {
    match s {
        "nan" | "+nan" => Some(Ieee32(CANONICAL_NAN_F32)),
        "-nan" => Some(Ieee32(CANONICAL_NAN_F32 | 0x8000_0000)),
        _ => Ieee32::parse(s),
    }
}

fn parse_f64(s: &str) -> Option<Ieee64> {
    match s {
        "nan" | "+nan" => Some(Ieee64(CANONICAL_NAN_F64)),
        "-nan" => Some(Ieee64(CANONICAL_NAN_F64 | 1 << 63)),
        _ => Ieee64::parse(s),
    }
}

fn parse_v128(s: &str) -> Option<V128Imm> {
    if let Some(hex) = s.strip_prefix("0x") {
        if hex.is_empty() || hex.len() > 32 {
            return None;
        }
        return u128::from_str_radix(hex, 16).ok().map(V128Imm::from_u128);
    }
    if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) {
        return s.parse::<u128>().ok().map(V128Imm::from_u128);
    }
    let mut words = s.split_whitespace();
    let shape = SimdShape::from_name(words.next()?)?;
    let lanes: Vec<&str> = words.collect();
    if lanes.len() != shape.lanes() {
        return None;
    }
    let mut out = [0u8; 16];
    let w = shape.lane_bytes();
    for (i, lane) in lanes.iter().enumerate() {
        let bits: u64 = match shape {
            SimdShape::I8x16 | SimdShape::I16x8 | SimdShape::I32x4 | SimdShape::I64x2 => parse_int(lane, 8 * w as u32)?,
            SimdShape::F32x4 => u64::from(parse_f32(lane)?.0),
            SimdShape::F64x2 => parse_f64(lane)?.0,
        };
        out[i * w..(i + 1) * w].copy_from_slice(&bits.to_le_bytes()[..w]);
    }
    Some(V128Imm(out))
}

fn parse_ref(s: &str, prefix: &str) -> Option<Option<u32>> {
    if s == "null" {
        return Some(None);
    }
    let digits = s.strip_prefix(prefix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    digits.parse::<u32>().ok().map(Some)
}

impl fmt::Display for Val {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Val::I32(x) => write!(f, "{x}"),
            Val::I64(x) => write!(f, "{x}"),
            Val::F32(x) => write!(f, "{x}"),
            Val::F64(x) => write!(f, "{x}"),
            Val::V128(x) => write!(f, "0x{:032x}", x.as_u128()),
            Val::FuncRef(None) | Val::ExternRef(None) => f.write_str("null"),
            Val::FuncRef(Some(i)) => write!(f, "fn{i}"),
            Val::ExternRef(Some(i)) => write!(f, "extern{i}"),
        }
    }
}

/// A value's text could not be read as the expected type.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("cannot read `{text}` as a value of type {ty}")]
pub struct ParseValError {
    /// The text that was read.
    pub text: String,
    /// The expected type.
    pub ty: Type,
}

impl From<i32> for Val {
    fn from(x: i32) -> Val {
        Val::I32(x)
    }
}

impl From<i64> for Val {
    fn from(x: i64) -> Val {
        Val::I64(x)
    }
}

impl From<Ieee32> for Val {
    fn from(x: Ieee32) -> Val {
        Val::F32(x)
    }
}

impl From<Ieee64> for Val {
    fn from(x: Ieee64) -> Val {
        Val::F64(x)
    }
}

impl From<V128Imm> for Val {
    fn from(x: V128Imm) -> Val {
        Val::V128(x)
    }
}

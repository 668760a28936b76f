//! Immediate operands: constants and the static operands of memory, lane,
//! table, global and call instructions.

use crate::entities::{DataRef, ElemRef, FuncRef, GlobalRef, MemoryRef, SigRef, TableRef};
use crate::types::Type;
use core::fmt;

/// An `f32` constant kept as its bit pattern, so NaN payloads and `-0.0`
/// survive, and equality is bitwise.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Ieee32(pub u32);

/// An `f64` constant kept as its bit pattern.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct Ieee64(pub u64);

impl Ieee32 {
    /// The float value.
    pub fn value(self) -> f32 {
        f32::from_bits(self.0)
    }
    /// From a float value.
    pub fn from_f32(x: f32) -> Self {
        Ieee32(x.to_bits())
    }
}

impl Ieee64 {
    /// The float value.
    pub fn value(self) -> f64 {
        f64::from_bits(self.0)
    }
    /// From a float value.
    pub fn from_f64(x: f64) -> Self {
        Ieee64(x.to_bits())
    }
}

/// Formats a float for the text format: exact and re-parsable. Finite values
/// use Rust's shortest round-trip form (`1.5`, `-0.0`, `1e-45`); infinities
/// print as `inf`/`-inf`; NaNs as `nan:0x<payload>` with an optional `-`.
fn fmt_float(
    f: &mut fmt::Formatter<'_>,
    neg: bool,
    is_nan: bool,
    payload: u64,
    finite: &dyn fmt::Debug,
    is_inf: bool,
) -> fmt::Result {
    let sign = if neg { "-" } else { "" };
    if is_nan {
        write!(f, "{sign}nan:0x{payload:x}")
    } else if is_inf {
        write!(f, "{sign}inf")
    } else {
        write!(f, "{finite:?}")
    }
}

impl fmt::Display for Ieee32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.value();
        fmt_float(f, self.0 >> 31 != 0, x.is_nan(), u64::from(self.0 & 0x7f_ffff), &x, x.is_infinite())
    }
}

impl fmt::Display for Ieee64 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let x = self.value();
        fmt_float(f, self.0 >> 63 != 0, x.is_nan(), self.0 & 0xf_ffff_ffff_ffff, &x, x.is_infinite())
    }
}

/// Parses the text form written by `Display` for [`Ieee32`]/[`Ieee64`]:
/// returns `(negative, Some(nan payload))` for NaNs, else `None` payload and
/// the caller parses the decimal itself.
pub(crate) fn parse_nan(s: &str) -> Option<(bool, u64)> {
    let (neg, rest) = match s.strip_prefix('-') {
        Some(r) => (true, r),
        None => (false, s.strip_prefix('+').unwrap_or(s)),
    };
    let hex = rest.strip_prefix("nan:0x")?;
    u64::from_str_radix(hex, 16).ok().map(|p| (neg, p))
}

impl Ieee32 {
    /// Parses the text form (`1.5`, `-inf`, `nan:0x400000`).
    pub fn parse(s: &str) -> Option<Self> {
        if let Some((neg, p)) = parse_nan(s) {
            if p == 0 || p > 0x7f_ffff {
                return None;
            }
            return Some(Ieee32(((neg as u32) << 31) | 0x7f80_0000 | p as u32));
        }
        s.parse::<f32>().ok().filter(|x| !x.is_nan()).map(Ieee32::from_f32)
    }
}

impl Ieee64 {
    /// Parses the text form (`1.5`, `-inf`, `nan:0x8000000000000`).
    pub fn parse(s: &str) -> Option<Self> {
        if let Some((neg, p)) = parse_nan(s) {
            if p == 0 || p > 0xf_ffff_ffff_ffff {
                return None;
            }
            return Some(Ieee64(((neg as u64) << 63) | 0x7ff0_0000_0000_0000 | p));
        }
        s.parse::<f64>().ok().filter(|x| !x.is_nan()).map(Ieee64::from_f64)
    }
}

/// A 128-bit vector constant, bytes in memory (little-endian lane) order.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
pub struct V128Imm(pub [u8; 16]);

impl V128Imm {
    /// As a little-endian `u128`.
    pub fn as_u128(self) -> u128 {
        u128::from_le_bytes(self.0)
    }
    /// From a little-endian `u128`.
    pub fn from_u128(x: u128) -> Self {
        V128Imm(x.to_le_bytes())
    }
}

/// The static part of a memory access: which memory, the constant offset and
/// the alignment hint (log2 of bytes, as in the binary format).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub struct MemArg {
    /// The memory accessed.
    pub memory: MemoryRef,
    /// The constant added to the dynamic address (unsigned, no wrapping).
    pub offset: u64,
    /// log2 of the alignment hint in bytes.
    pub align: u8,
}

/// The immediate operand of an instruction. Which variant an opcode takes is
/// fixed by its [`ImmKind`] in the opcode table.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum Imm {
    /// No immediate.
    None,
    /// `i32.const`.
    I32(i32),
    /// `i64.const`.
    I64(i64),
    /// `f32.const`.
    F32(Ieee32),
    /// `f64.const`.
    F64(Ieee64),
    /// `v128.const`.
    V128(V128Imm),
    /// Loads and stores.
    Mem(MemArg),
    /// `v128.loadN_lane` / `v128.storeN_lane`.
    MemLane(MemArg, u8),
    /// `extract_lane` / `replace_lane`.
    Lane(u8),
    /// `i8x16.shuffle` lane indices.
    Shuffle([u8; 16]),
    /// `global.get` / `global.set`.
    Global(GlobalRef),
    /// `call`, `return_call`, `ref.func`.
    Func(FuncRef),
    /// `call_indirect`, `return_call_indirect`: type and table.
    SigTable(SigRef, TableRef),
    /// `table.get/set/size/grow/fill`.
    Table(TableRef),
    /// `table.copy dst src`.
    TableTable(TableRef, TableRef),
    /// `memory.size/grow/fill`.
    Memory(MemoryRef),
    /// `memory.copy dst src`.
    MemMem(MemoryRef, MemoryRef),
    /// `memory.init`.
    DataMem(DataRef, MemoryRef),
    /// `data.drop`.
    Data(DataRef),
    /// `table.init`.
    ElemTable(ElemRef, TableRef),
    /// `elem.drop`.
    Elem(ElemRef),
    /// `ref.null`: the reference type.
    RefType(Type),
}

/// The shape of an opcode's immediate: the [`Imm`] variant it carries.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum ImmKind {
    /// [`Imm::None`].
    None,
    /// [`Imm::I32`].
    I32,
    /// [`Imm::I64`].
    I64,
    /// [`Imm::F32`].
    F32,
    /// [`Imm::F64`].
    F64,
    /// [`Imm::V128`].
    V128,
    /// [`Imm::Mem`].
    Mem,
    /// [`Imm::MemLane`].
    MemLane,
    /// [`Imm::Lane`].
    Lane,
    /// [`Imm::Shuffle`].
    Shuffle,
    /// [`Imm::Global`].
    Global,
    /// [`Imm::Func`].
    Func,
    /// [`Imm::SigTable`].
    SigTable,
    /// [`Imm::Table`].
    Table,
    /// [`Imm::TableTable`].
    TableTable,
    /// [`Imm::Memory`].
    Memory,
    /// [`Imm::MemMem`].
    MemMem,
    /// [`Imm::DataMem`].
    DataMem,
    /// [`Imm::Data`].
    Data,
    /// [`Imm::ElemTable`].
    ElemTable,
    /// [`Imm::Elem`].
    Elem,
    /// [`Imm::RefType`].
    RefType,
}

impl Imm {
    /// The kind of this immediate.
    pub fn kind(&self) -> ImmKind {
        match self {
            Imm::None => ImmKind::None,
            Imm::I32(_) => ImmKind::I32,
            Imm::I64(_) => ImmKind::I64,
            Imm::F32(_) => ImmKind::F32,
            Imm::F64(_) => ImmKind::F64,
            Imm::V128(_) => ImmKind::V128,
            Imm::Mem(_) => ImmKind::Mem,
            Imm::MemLane(..) => ImmKind::MemLane,
            Imm::Lane(_) => ImmKind::Lane,
            Imm::Shuffle(_) => ImmKind::Shuffle,
            Imm::Global(_) => ImmKind::Global,
            Imm::Func(_) => ImmKind::Func,
            Imm::SigTable(..) => ImmKind::SigTable,
            Imm::Table(_) => ImmKind::Table,
            Imm::TableTable(..) => ImmKind::TableTable,
            Imm::Memory(_) => ImmKind::Memory,
            Imm::MemMem(..) => ImmKind::MemMem,
            Imm::DataMem(..) => ImmKind::DataMem,
            Imm::Data(_) => ImmKind::Data,
            Imm::ElemTable(..) => ImmKind::ElemTable,
            Imm::Elem(_) => ImmKind::Elem,
            Imm::RefType(_) => ImmKind::RefType,
        }
    }

    /// The memory argument of a load/store, if any.
    pub fn memarg(&self) -> Option<MemArg> {
        match *self {
            Imm::Mem(m) | Imm::MemLane(m, _) => Some(m),
            _ => None,
        }
    }
}

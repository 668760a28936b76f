//! Binary encoding of single instructions, driven by the opcode table.
//!
//! [`encode_op`] writes one instruction exactly as the wasm binary format
//! lays it out: the opcode byte, or the `0xFC`/`0xFD` prefix followed by the
//! sub-opcode as an unsigned LEB128, then the immediates. The backend uses it
//! for every instruction that is not structured control flow or a local; the
//! branches (`jump`, `brif`, `br_table`) have no direct encoding because the
//! backend lowers them to `block`/`loop`/`br*`.
//!
//! Immediate layouts (wasm 2.0 with multi-memory indices, simd128, tail
//! calls):
//!
//! | immediate | bytes |
//! |---|---|
//! | memarg | `align` (bit 6 set when the memory index is not 0), the memory index if not 0, `offset` |
//! | lane | one byte, checked against [`Opcode::lane_limit`] |
//! | shuffle | 16 lane bytes, each below 32 |
//! | `call_indirect`, `return_call_indirect` | type index, table index |
//! | `memory.copy` / `table.copy` | destination, source |
//! | `memory.init` / `table.init` | segment, memory/table |
//! | `ref.null` | heap type byte (`0x70` func, `0x6F` extern) |
//! | `select` | `0x1B`, or typed `0x1C 0x01 <valtype>` for reference operands |
//!
//! This module does not know about functions or modules: local
//! declarations, block structure and sections are the backend's.

use crate::immediates::{Imm, ImmKind, MemArg};
use crate::opcodes::Opcode;
use crate::types::Type;

/// Why an instruction could not be encoded.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EncodeError {
    /// The opcode is lowered structurally (`jump`, `brif`, `br_table`).
    #[error("`{0}` has no direct binary encoding; branches are lowered to structured control flow")]
    NoEncoding(Opcode),
    /// The immediate is not the kind the opcode table gives the opcode.
    #[error("`{opcode}` takes a {expected:?} immediate, not {found:?}")]
    WrongImmediate {
        /// The instruction.
        opcode: Opcode,
        /// The kind the table requires.
        expected: ImmKind,
        /// The kind that was passed.
        found: ImmKind,
    },
    /// A memory access claims more alignment than its natural alignment,
    /// which the binary format rejects.
    #[error("`{opcode}` alignment 2^{align} exceeds its natural alignment 2^{max}")]
    AlignTooLarge {
        /// The instruction.
        opcode: Opcode,
        /// The log2 alignment given.
        align: u8,
        /// The natural log2 alignment.
        max: u8,
    },
    /// A lane index is out of range for the instruction's shape.
    #[error("`{opcode}` lane index {lane} is out of range (must be below {limit})")]
    LaneOutOfRange {
        /// The instruction.
        opcode: Opcode,
        /// The lane index given.
        lane: u8,
        /// The exclusive bound.
        limit: u8,
    },
    /// `ref.null` of a type that is not a reference type.
    #[error("`{opcode}` needs a reference type, not {ty}")]
    NotARefType {
        /// The instruction.
        opcode: Opcode,
        /// The type given.
        ty: Type,
    },
}

/// The binary encoding of a value type.
pub fn encode_valtype(ty: Type) -> u8 {
    match ty {
        Type::I32 => 0x7f,
        Type::I64 => 0x7e,
        Type::F32 => 0x7d,
        Type::F64 => 0x7c,
        Type::V128 => 0x7b,
        Type::FuncRef => 0x70,
        Type::ExternRef => 0x6f,
    }
}

/// Appends `value` as an unsigned LEB128.
pub fn write_u32_leb(out: &mut Vec<u8>, value: u32) {
    write_u64_leb(out, u64::from(value));
}

/// Appends `value` as an unsigned LEB128.
pub fn write_u64_leb(out: &mut Vec<u8>, mut value: u64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        if value == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Appends `value` as a signed LEB128.
pub fn write_i32_leb(out: &mut Vec<u8>, value: i32) {
    write_i64_leb(out, i64::from(value));
}

/// Appends `value` as a signed LEB128.
pub fn write_i64_leb(out: &mut Vec<u8>, mut value: i64) {
    loop {
        let byte = (value & 0x7f) as u8;
        value >>= 7;
        let done = (value == 0 && byte & 0x40 == 0) || (value == -1 && byte & 0x40 != 0);
        if done {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

/// Appends the binary encoding of one instruction to `out`.
///
/// `imm` must be of the kind [`Opcode::imm_kind`] gives. `select_ty` is the
/// operand type of a `select` (ignored for every other opcode): a reference
/// type selects the typed form `0x1C 0x01 <valtype>`, anything else (or
/// `None`) the untyped `0x1B`. Memory offsets are written as LEB128 of their
/// full width; offsets above `u32::MAX` are only valid for 64-bit memories,
/// which the backend's validation of its output checks.
///
/// On error nothing is appended.
pub fn encode_op(opcode: Opcode, imm: &Imm, select_ty: Option<Type>, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let start = out.len();
    let result = encode_op_inner(opcode, imm, select_ty, out);
    if result.is_err() {
        out.truncate(start);
    }
    result
}

fn encode_op_inner(opcode: Opcode, imm: &Imm, select_ty: Option<Type>, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let (prefix, code) = opcode.encoding().ok_or(EncodeError::NoEncoding(opcode))?;
    let expected = opcode.imm_kind();
    if imm.kind() != expected {
        return Err(EncodeError::WrongImmediate { opcode, expected, found: imm.kind() });
    }

    if opcode == Opcode::Select
        && let Some(ty) = select_ty.filter(|t| t.is_ref())
    {
        out.extend_from_slice(&[0x1c, 0x01, encode_valtype(ty)]);
        return Ok(());
    }

    if prefix == 0 {
        // Single-byte opcodes are below 0x100 by construction of the table.
        out.push(code as u8);
    } else {
        out.push(prefix);
        write_u32_leb(out, code);
    }

    match *imm {
        Imm::None => {}
        Imm::I32(x) => write_i32_leb(out, x),
        Imm::I64(x) => write_i64_leb(out, x),
        Imm::F32(x) => out.extend_from_slice(&x.0.to_le_bytes()),
        Imm::F64(x) => out.extend_from_slice(&x.0.to_le_bytes()),
        Imm::V128(x) => out.extend_from_slice(&x.0),
        Imm::Mem(m) => write_memarg(opcode, m, out)?,
        Imm::MemLane(m, lane) => {
            write_memarg(opcode, m, out)?;
            write_lane(opcode, lane, out)?;
        }
        Imm::Lane(lane) => write_lane(opcode, lane, out)?,
        Imm::Shuffle(lanes) => {
            for lane in lanes {
                write_lane(opcode, lane, out)?;
            }
        }
        Imm::Global(g) => write_u32_leb(out, g.as_u32()),
        Imm::Func(f) => write_u32_leb(out, f.as_u32()),
        Imm::SigTable(sig, table) => {
            write_u32_leb(out, sig.as_u32());
            write_u32_leb(out, table.as_u32());
        }
        Imm::Table(t) => write_u32_leb(out, t.as_u32()),
        Imm::TableTable(dst, src) => {
            write_u32_leb(out, dst.as_u32());
            write_u32_leb(out, src.as_u32());
        }
        Imm::Memory(m) => write_u32_leb(out, m.as_u32()),
        Imm::MemMem(dst, src) => {
            write_u32_leb(out, dst.as_u32());
            write_u32_leb(out, src.as_u32());
        }
        Imm::DataMem(data, mem) => {
            write_u32_leb(out, data.as_u32());
            write_u32_leb(out, mem.as_u32());
        }
        Imm::Data(d) => write_u32_leb(out, d.as_u32()),
        Imm::ElemTable(elem, table) => {
            write_u32_leb(out, elem.as_u32());
            write_u32_leb(out, table.as_u32());
        }
        Imm::Elem(e) => write_u32_leb(out, e.as_u32()),
        Imm::RefType(ty) => {
            if !ty.is_ref() {
                return Err(EncodeError::NotARefType { opcode, ty });
            }
            out.push(encode_valtype(ty));
        }
    }
    Ok(())
}

/// Writes a memarg: flags/alignment, the memory index when it is not 0
/// (multi-memory, flag bit 6), then the offset.
fn write_memarg(opcode: Opcode, m: MemArg, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let max = opcode.natural_align();
    if m.align > max {
        return Err(EncodeError::AlignTooLarge { opcode, align: m.align, max });
    }
    let memory = m.memory.as_u32();
    if memory == 0 {
        write_u32_leb(out, u32::from(m.align));
    } else {
        write_u32_leb(out, u32::from(m.align) | 1 << 6);
        write_u32_leb(out, memory);
    }
    write_u64_leb(out, m.offset);
    Ok(())
}

fn write_lane(opcode: Opcode, lane: u8, out: &mut Vec<u8>) -> Result<(), EncodeError> {
    let limit = opcode.lane_limit().unwrap_or(0);
    if lane >= limit {
        return Err(EncodeError::LaneOutOfRange { opcode, lane, limit });
    }
    out.push(lane);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u(v: u64) -> Vec<u8> {
        let mut out = Vec::new();
        write_u64_leb(&mut out, v);
        out
    }

    fn s(v: i64) -> Vec<u8> {
        let mut out = Vec::new();
        write_i64_leb(&mut out, v);
        out
    }

    #[test]
    fn leb_known_values() {
        assert_eq!(u(0), [0x00]);
        assert_eq!(u(127), [0x7f]);
        assert_eq!(u(128), [0x80, 0x01]);
        assert_eq!(u(624_485), [0xe5, 0x8e, 0x26]);
        assert_eq!(u(u64::from(u32::MAX)), [0xff, 0xff, 0xff, 0xff, 0x0f]);
        assert_eq!(s(0), [0x00]);
        assert_eq!(s(-1), [0x7f]);
        assert_eq!(s(63), [0x3f]);
        assert_eq!(s(64), [0xc0, 0x00]);
        assert_eq!(s(-64), [0x40]);
        assert_eq!(s(-65), [0xbf, 0x7f]);
        assert_eq!(s(-123_456), [0xc0, 0xbb, 0x78]);
        assert_eq!(s(i64::MIN).len(), 10);
        let mut out = Vec::new();
        write_i32_leb(&mut out, i32::MIN);
        assert_eq!(out, [0x80, 0x80, 0x80, 0x80, 0x78]);
    }

    #[test]
    fn errors_leave_output_untouched() {
        let mut out = vec![0xaa];
        let err = encode_op(Opcode::I8x16ExtractLaneS, &Imm::Lane(16), None, &mut out).unwrap_err();
        assert_eq!(err, EncodeError::LaneOutOfRange { opcode: Opcode::I8x16ExtractLaneS, lane: 16, limit: 16 });
        assert_eq!(out, [0xaa]);
        let err = encode_op(Opcode::I32Add, &Imm::I32(1), None, &mut out).unwrap_err();
        assert!(matches!(err, EncodeError::WrongImmediate { .. }), "{err}");
        assert_eq!(encode_op(Opcode::Jump, &Imm::None, None, &mut out), Err(EncodeError::NoEncoding(Opcode::Jump)));
        let err = encode_op(Opcode::RefNull, &Imm::RefType(Type::I32), None, &mut out).unwrap_err();
        assert_eq!(err, EncodeError::NotARefType { opcode: Opcode::RefNull, ty: Type::I32 });
        assert_eq!(out, [0xaa]);
    }
}

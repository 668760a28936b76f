//! The opcode table: one declarative list of every instruction weft models.
//!
//! Each row gives the variant, the text name (as in the wasm text format),
//! the binary encoding (prefix byte and opcode; prefix `0x00` means a
//! single-byte opcode, `0xff` means the instruction has no direct encoding
//! because the backend lowers it to structured control flow), the
//! [`ImmKind`], the type signature (`[operands] -> [results]`, or `special`
//! when it depends on the immediate or on operand types — see
//! [`Opcode::sig`]), the [`Effects`], and the number of bytes of memory the
//! instruction accesses (0 if none; for lane loads/stores, the lane width).
//!
//! The printer, parser, builder, verifier type checks, interpreter and the
//! backend's emission all read this table. Adding an opcode is the
//! checklist in `docs/add-an-opcode.md`.

use crate::effects::Effects;
use crate::immediates::ImmKind;
use crate::types::Type;

/// An opcode's type signature.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub enum OpSig {
    /// Fixed operand and result types.
    Fixed(&'static [Type], &'static [Type]),
    /// Depends on the immediate or the operands: `select`, calls,
    /// `global.*`, `table.*`, `ref.*`, `return`, branches.
    Special,
}

macro_rules! op_sig {
    (special) => {
        OpSig::Special
    };
    ([$($p:ident),*] -> [$($r:ident),*]) => {
        OpSig::Fixed(&[$(Type::$p),*], &[$(Type::$r),*])
    };
}

macro_rules! define_opcodes {
    ($(
        #[doc = $doc:literal]
        $name:ident = $text:literal, $prefix:literal $code:literal, $imm:ident, $sig:tt, $eff:ident, $bytes:literal;
    )*) => {
        /// An instruction opcode. Variant names follow `wasmparser::Operator`.
        #[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Debug)]
        pub enum Opcode {
            $(#[doc = $doc] $name,)*
        }

        impl Opcode {
            /// Every opcode, in table order.
            pub const ALL: &'static [Opcode] = &[$(Opcode::$name),*];

            /// The text-format name.
            pub fn name(self) -> &'static str {
                match self { $(Opcode::$name => $text,)* }
            }

            /// Looks an opcode up by its text-format name.
            pub fn from_name(s: &str) -> Option<Opcode> {
                match s { $($text => Some(Opcode::$name),)* _ => None }
            }

            /// The one-line description.
            pub fn doc(self) -> &'static str {
                match self { $(Opcode::$name => $doc.trim(),)* }
            }

            /// The kind of immediate the opcode carries.
            pub fn imm_kind(self) -> ImmKind {
                match self { $(Opcode::$name => ImmKind::$imm,)* }
            }

            /// The type signature.
            pub fn sig(self) -> OpSig {
                match self { $(Opcode::$name => op_sig!$sig,)* }
            }

            /// The effect class.
            pub fn effects(self) -> Effects {
                match self { $(Opcode::$name => Effects::$eff,)* }
            }

            /// Bytes of linear memory accessed per access (0 if none).
            pub fn mem_bytes(self) -> u32 {
                match self { $(Opcode::$name => $bytes,)* }
            }

            /// The binary encoding: `(prefix, opcode)`. Prefix 0 means a
            /// single-byte opcode; `None` for instructions the backend lowers
            /// structurally (`jump`, `brif`, `br_table`).
            pub fn encoding(self) -> Option<(u8, u32)> {
                match self { $(Opcode::$name => {
                    let prefix: u32 = $prefix;
                    if prefix == 0xff { None } else { Some((prefix as u8, $code)) }
                })* }
            }
        }
    };
}

impl Opcode {
    /// Does this opcode end a block?
    pub fn is_terminator(self) -> bool {
        self.effects().contains(Effects::CONTROL)
    }

    /// Is this a branch (`jump`, `brif`, `br_table`): a terminator with
    /// successor blocks?
    pub fn is_branch(self) -> bool {
        matches!(self, Opcode::Jump | Opcode::Brif | Opcode::BrTable)
    }

    /// Is this a call of any kind (including tail calls)?
    pub fn is_call(self) -> bool {
        matches!(self, Opcode::Call | Opcode::CallIndirect | Opcode::ReturnCall | Opcode::ReturnCallIndirect)
    }

    /// Natural alignment (log2 bytes) of a memory access.
    pub fn natural_align(self) -> u8 {
        self.mem_bytes().max(1).trailing_zeros() as u8
    }
}

impl core::fmt::Display for Opcode {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

define_opcodes! {
    // ---- control ----
    /// Unconditional branch to a block with arguments.
    Jump = "jump", 0xff 0x00, None, (special), CONTROL, 0;
    /// Two-way conditional branch on an i32 (non-zero takes the first target).
    Brif = "brif", 0xff 0x00, None, (special), CONTROL, 0;
    /// Indexed branch; an out-of-range index takes the default target.
    BrTable = "br_table", 0xff 0x00, None, (special), CONTROL, 0;
    /// Return the operands from the function.
    Return = "return", 0x00 0x0f, None, (special), CONTROL, 0;
    /// Trap unconditionally (wasm `unreachable`).
    Unreachable = "trap", 0x00 0x00, None, ([] -> []), CONTROL, 0;
    /// Tail call of a function.
    ReturnCall = "return_call", 0x00 0x12, Func, (special), CONTROL, 0;
    /// Tail call through a table.
    ReturnCallIndirect = "return_call_indirect", 0x00 0x13, SigTable, (special), CONTROL, 0;
    /// Call a function.
    Call = "call", 0x00 0x10, Func, (special), CALL_ALL, 0;
    /// Call through a table; the last operand is the table index.
    CallIndirect = "call_indirect", 0x00 0x11, SigTable, (special), CALL_ALL, 0;
    /// Choose the first operand if the i32 condition (third operand) is non-zero.
    Select = "select", 0x00 0x1b, None, (special), PURE, 0;

    // ---- variables ----
    /// Read a global.
    GlobalGet = "global.get", 0x00 0x23, Global, (special), READS_GLOBAL, 0;
    /// Write a global.
    GlobalSet = "global.set", 0x00 0x24, Global, (special), WRITES_GLOBAL, 0;

    // ---- constants ----
    /// A 32-bit integer constant.
    I32Const = "i32.const", 0x00 0x41, I32, ([] -> [I32]), PURE, 0;
    /// A 64-bit integer constant.
    I64Const = "i64.const", 0x00 0x42, I64, ([] -> [I64]), PURE, 0;
    /// A 32-bit float constant.
    F32Const = "f32.const", 0x00 0x43, F32, ([] -> [F32]), PURE, 0;
    /// A 64-bit float constant.
    F64Const = "f64.const", 0x00 0x44, F64, ([] -> [F64]), PURE, 0;

    // ---- memory ----
    /// Load 4 bytes as i32.
    I32Load = "i32.load", 0x00 0x28, Mem, ([I32] -> [I32]), LOAD, 4;
    /// Store an i32 as 4 bytes.
    I32Store = "i32.store", 0x00 0x36, Mem, ([I32, I32] -> []), STORE, 4;
    /// Memory size in pages.
    MemorySize = "memory.size", 0x00 0x3f, Memory, ([] -> [I32]), READS_MEMORY, 0;
    /// Grow memory by a number of pages; returns the old size or -1.
    MemoryGrow = "memory.grow", 0x00 0x40, Memory, ([I32] -> [I32]), MEMORY_RW, 0;

    // ---- i32 arithmetic ----
    /// Is zero.
    I32Eqz = "i32.eqz", 0x00 0x45, None, ([I32] -> [I32]), PURE, 0;
    /// Equal.
    I32Eq = "i32.eq", 0x00 0x46, None, ([I32, I32] -> [I32]), PURE, 0;
    /// Wrapping addition.
    I32Add = "i32.add", 0x00 0x6a, None, ([I32, I32] -> [I32]), PURE, 0;
    /// Signed division; traps on zero and overflow.
    I32DivS = "i32.div_s", 0x00 0x6d, None, ([I32, I32] -> [I32]), TRAP, 0;

    // ---- references ----
    /// The null reference of a type.
    RefNull = "ref.null", 0x00 0xd0, RefType, (special), PURE, 0;
    /// Is the reference null? (i32)
    RefIsNull = "ref.is_null", 0x00 0xd1, None, (special), PURE, 0;
    /// A reference to a function.
    RefFunc = "ref.func", 0x00 0xd2, Func, ([] -> [FuncRef]), PURE, 0;

    // ---- tables ----
    /// Read a table element.
    TableGet = "table.get", 0x00 0x25, Table, (special), TABLE_READ_TRAP, 0;

    // ---- simd ----
    /// Load 16 bytes as v128.
    V128Load = "v128.load", 0xfd 0, Mem, ([I32] -> [V128]), LOAD, 16;
    /// A 128-bit constant.
    V128Const = "v128.const", 0xfd 12, V128, ([] -> [V128]), PURE, 0;
    /// Select bytes of two vectors by 16 constant lane indices.
    I8x16Shuffle = "i8x16.shuffle", 0xfd 13, Shuffle, ([V128, V128] -> [V128]), PURE, 0;
    /// Extract a signed i8 lane as i32.
    I8x16ExtractLaneS = "i8x16.extract_lane_s", 0xfd 21, Lane, ([V128] -> [I32]), PURE, 0;
    /// Add i32 lanes.
    I32x4Add = "i32x4.add", 0xfd 174, None, ([V128, V128] -> [V128]), PURE, 0;
    /// Load one byte into a lane.
    V128Load8Lane = "v128.load8_lane", 0xfd 84, MemLane, ([I32, V128] -> [V128]), LOAD, 1;
}

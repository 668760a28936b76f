//! The opcode table: one declarative list of every instruction weft models.
//!
//! Each row gives the variant, the text name (as in the wasm text format),
//! the binary encoding (prefix byte and opcode; prefix `0x00` means a
//! single-byte opcode, `0xff` means the instruction has no direct encoding
//! because the backend lowers it to structured control flow), the
//! [`ImmKind`], the type signature (`[operands] -> [results]`, or `special`
//! when it depends on the immediate or on operand types — see
//! [`Opcode::sig`]), the [`Effects`], the number of bytes of memory the
//! instruction accesses (0 if none; for lane loads/stores, the lane width),
//! and the [`SimdShape`] of a SIMD instruction (`-` for none).
//!
//! The table covers every instruction of wasm 2.0 that is not structured
//! control or a local (MVP, sign extension, saturating float-to-int, bulk
//! memory, reference types), tail calls, and all of simd128 (not relaxed
//! SIMD). Variant names are the `wasmparser::Operator` names; text names are
//! the wasm text-format names, except `trap` for wasm `unreachable`. Branches
//! (`jump`, `brif`, `br_table`) are IR-only: the backend turns them into
//! structured control flow. `ir/tests/opcode_table.rs` checks the table
//! against wasmparser's operator list and binary decoder.
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

macro_rules! simd_shape {
    (-) => {
        None
    };
    ($s:ident) => {
        Some(SimdShape::$s)
    };
}

/// The lane shape of a `v128`: how a SIMD instruction reads it as lanes
/// (and how the interpreter compares and prints lanes).
#[derive(Copy, Clone, PartialEq, Eq, Hash, Debug)]
pub enum SimdShape {
    /// Sixteen 8-bit integer lanes.
    I8x16,
    /// Eight 16-bit integer lanes.
    I16x8,
    /// Four 32-bit integer lanes.
    I32x4,
    /// Two 64-bit integer lanes.
    I64x2,
    /// Four `f32` lanes.
    F32x4,
    /// Two `f64` lanes.
    F64x2,
}

impl SimdShape {
    /// Every shape.
    pub const ALL: [SimdShape; 6] =
        [SimdShape::I8x16, SimdShape::I16x8, SimdShape::I32x4, SimdShape::I64x2, SimdShape::F32x4, SimdShape::F64x2];

    /// The text name (`i32x4`).
    pub fn name(self) -> &'static str {
        match self {
            SimdShape::I8x16 => "i8x16",
            SimdShape::I16x8 => "i16x8",
            SimdShape::I32x4 => "i32x4",
            SimdShape::I64x2 => "i64x2",
            SimdShape::F32x4 => "f32x4",
            SimdShape::F64x2 => "f64x2",
        }
    }

    /// Looks a shape up by its text name.
    pub fn from_name(s: &str) -> Option<SimdShape> {
        SimdShape::ALL.into_iter().find(|sh| sh.name() == s)
    }

    /// The number of lanes.
    pub fn lanes(self) -> usize {
        16 / self.lane_bytes()
    }

    /// The width of a lane in bytes.
    pub fn lane_bytes(self) -> usize {
        match self {
            SimdShape::I8x16 => 1,
            SimdShape::I16x8 => 2,
            SimdShape::I32x4 | SimdShape::F32x4 => 4,
            SimdShape::I64x2 | SimdShape::F64x2 => 8,
        }
    }

    /// Are the lanes floats?
    pub fn is_float(self) -> bool {
        matches!(self, SimdShape::F32x4 | SimdShape::F64x2)
    }
}

macro_rules! define_opcodes {
    ($(
        #[doc = $doc:literal]
        $name:ident = $text:literal, $prefix:literal $code:literal, $imm:ident, $sig:tt, $eff:ident, $bytes:literal, $shape:tt;
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

            /// The SIMD lane shape the instruction works in — the `f32x4`
            /// of `f32x4.add`, the `i16x8` of `i16x8.extend_low_i8x16_s`
            /// (the shape of its result) — or `None` for scalar
            /// instructions and shapeless `v128.*` ones.
            pub fn shape(self) -> Option<SimdShape> {
                match self { $(Opcode::$name => simd_shape!($shape),)* }
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

    /// Is this a scalar float comparison (`f32`/`f64` `eq`, `ne`, `lt`,
    /// `gt`, `le`, `ge`)?
    pub fn is_float_compare(self) -> bool {
        use Opcode::*;
        matches!(self, F32Eq | F32Ne | F32Lt | F32Gt | F32Le | F32Ge | F64Eq | F64Ne | F64Lt | F64Gt | F64Le | F64Ge)
    }

    /// Does this produce an `i32` that is 0 or 1: a scalar comparison or
    /// `eqz`?
    pub fn is_boolean(self) -> bool {
        self.is_int_compare() || self.is_float_compare() || matches!(self, Opcode::I32Eqz | Opcode::I64Eqz)
    }

    /// Is this a scalar integer comparison (`i32`/`i64` `eq`, `ne`, and the
    /// signed and unsigned orderings; not `eqz`, which has one operand)?
    pub fn is_int_compare(self) -> bool {
        use Opcode::*;
        matches!(
            self,
            I32Eq
                | I32Ne
                | I32LtS
                | I32LtU
                | I32GtS
                | I32GtU
                | I32LeS
                | I32LeU
                | I32GeS
                | I32GeU
                | I64Eq
                | I64Ne
                | I64LtS
                | I64LtU
                | I64GtS
                | I64GtU
                | I64LeS
                | I64LeU
                | I64GeS
                | I64GeU
        )
    }

    /// The integer comparison that gives the same result with its operands
    /// swapped (`a <u b` is `b >u a`; `eq` and `ne` are their own), or
    /// `None` if this is not an integer comparison.
    pub fn swapped_compare(self) -> Option<Opcode> {
        use Opcode::*;
        Some(match self {
            I32Eq | I32Ne | I64Eq | I64Ne => self,
            I32LtS => I32GtS,
            I32GtS => I32LtS,
            I32LtU => I32GtU,
            I32GtU => I32LtU,
            I32LeS => I32GeS,
            I32GeS => I32LeS,
            I32LeU => I32GeU,
            I32GeU => I32LeU,
            I64LtS => I64GtS,
            I64GtS => I64LtS,
            I64LtU => I64GtU,
            I64GtU => I64LtU,
            I64LeS => I64GeS,
            I64GeS => I64LeS,
            I64LeU => I64GeU,
            I64GeU => I64LeU,
            _ => return None,
        })
    }

    /// The integer comparison that holds exactly when this one does not
    /// (`a <u b` becomes `a >=u b`, `eq` becomes `ne`), or `None` if this is
    /// not an integer comparison.
    pub fn inverse_compare(self) -> Option<Opcode> {
        use Opcode::*;
        Some(match self {
            I32Eq => I32Ne,
            I32Ne => I32Eq,
            I64Eq => I64Ne,
            I64Ne => I64Eq,
            I32LtS => I32GeS,
            I32GeS => I32LtS,
            I32LtU => I32GeU,
            I32GeU => I32LtU,
            I32GtS => I32LeS,
            I32LeS => I32GtS,
            I32GtU => I32LeU,
            I32LeU => I32GtU,
            I64LtS => I64GeS,
            I64GeS => I64LtS,
            I64LtU => I64GeU,
            I64GeU => I64LtU,
            I64GtS => I64LeS,
            I64LeS => I64GtS,
            I64GtU => I64LeU,
            I64LeU => I64GtU,
            _ => return None,
        })
    }

    /// Is this a call of any kind (including tail calls)?
    pub fn is_call(self) -> bool {
        matches!(self, Opcode::Call | Opcode::CallIndirect | Opcode::ReturnCall | Opcode::ReturnCallIndirect)
    }

    /// Natural alignment (log2 bytes) of a memory access.
    pub fn natural_align(self) -> u8 {
        self.mem_bytes().max(1).trailing_zeros() as u8
    }

    /// The exclusive upper bound of the lane immediate: the lane count for
    /// `extract_lane`/`replace_lane` and `v128.loadN_lane`/`storeN_lane`, 32
    /// for `i8x16.shuffle` (indices into both operands); `None` for opcodes
    /// without lane immediates.
    pub fn lane_limit(self) -> Option<u8> {
        match self.imm_kind() {
            ImmKind::Shuffle => Some(32),
            ImmKind::MemLane => Some((16 / self.mem_bytes().max(1)) as u8),
            ImmKind::Lane => Some(self.shape().map_or(2, SimdShape::lanes) as u8),
            _ => None,
        }
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
    Jump = "jump", 0xff 0x00, None, (special), CONTROL, 0, -;
    /// Two-way conditional branch on an i32 (non-zero takes the first target).
    Brif = "brif", 0xff 0x00, None, (special), CONTROL, 0, -;
    /// Indexed branch; an out-of-range index takes the default target.
    BrTable = "br_table", 0xff 0x00, None, (special), CONTROL, 0, -;
    /// Trap unconditionally (wasm `unreachable`).
    Unreachable = "trap", 0x00 0x00, None, ([] -> []), TRAP_CONTROL, 0, -;
    /// Return the operands from the function.
    Return = "return", 0x00 0x0f, None, (special), CONTROL, 0, -;
    /// Tail call of a function.
    ReturnCall = "return_call", 0x00 0x12, Func, (special), TAIL_CALL, 0, -;
    /// Tail call through a table; the last operand is the table index.
    ReturnCallIndirect = "return_call_indirect", 0x00 0x13, SigTable, (special), TAIL_CALL, 0, -;

    // ---- calls ----
    /// Call a function.
    Call = "call", 0x00 0x10, Func, (special), CALL_ALL, 0, -;
    /// Call through a table; the last operand is the table index.
    CallIndirect = "call_indirect", 0x00 0x11, SigTable, (special), CALL_ALL, 0, -;

    // ---- parametric ----
    /// Choose the first operand if the i32 condition (third operand) is non-zero, else the second.
    Select = "select", 0x00 0x1b, None, (special), PURE, 0, -;

    // ---- variables ----
    /// Read a global.
    GlobalGet = "global.get", 0x00 0x23, Global, (special), READS_GLOBAL, 0, -;
    /// Write a global.
    GlobalSet = "global.set", 0x00 0x24, Global, (special), WRITES_GLOBAL, 0, -;

    // ---- constants ----
    /// A 32-bit integer constant.
    I32Const = "i32.const", 0x00 0x41, I32, ([] -> [I32]), PURE, 0, -;
    /// A 64-bit integer constant.
    I64Const = "i64.const", 0x00 0x42, I64, ([] -> [I64]), PURE, 0, -;
    /// A 32-bit float constant.
    F32Const = "f32.const", 0x00 0x43, F32, ([] -> [F32]), PURE, 0, -;
    /// A 64-bit float constant.
    F64Const = "f64.const", 0x00 0x44, F64, ([] -> [F64]), PURE, 0, -;

    // ---- memory: loads ----
    /// Load 4 bytes as i32.
    I32Load = "i32.load", 0x00 0x28, Mem, ([I32] -> [I32]), LOAD, 4, -;
    /// Load 8 bytes as i64.
    I64Load = "i64.load", 0x00 0x29, Mem, ([I32] -> [I64]), LOAD, 8, -;
    /// Load 4 bytes as f32.
    F32Load = "f32.load", 0x00 0x2a, Mem, ([I32] -> [F32]), LOAD, 4, -;
    /// Load 8 bytes as f64.
    F64Load = "f64.load", 0x00 0x2b, Mem, ([I32] -> [F64]), LOAD, 8, -;
    /// Load 1 byte as i32, sign-extended.
    I32Load8S = "i32.load8_s", 0x00 0x2c, Mem, ([I32] -> [I32]), LOAD, 1, -;
    /// Load 1 byte as i32, zero-extended.
    I32Load8U = "i32.load8_u", 0x00 0x2d, Mem, ([I32] -> [I32]), LOAD, 1, -;
    /// Load 2 bytes as i32, sign-extended.
    I32Load16S = "i32.load16_s", 0x00 0x2e, Mem, ([I32] -> [I32]), LOAD, 2, -;
    /// Load 2 bytes as i32, zero-extended.
    I32Load16U = "i32.load16_u", 0x00 0x2f, Mem, ([I32] -> [I32]), LOAD, 2, -;
    /// Load 1 byte as i64, sign-extended.
    I64Load8S = "i64.load8_s", 0x00 0x30, Mem, ([I32] -> [I64]), LOAD, 1, -;
    /// Load 1 byte as i64, zero-extended.
    I64Load8U = "i64.load8_u", 0x00 0x31, Mem, ([I32] -> [I64]), LOAD, 1, -;
    /// Load 2 bytes as i64, sign-extended.
    I64Load16S = "i64.load16_s", 0x00 0x32, Mem, ([I32] -> [I64]), LOAD, 2, -;
    /// Load 2 bytes as i64, zero-extended.
    I64Load16U = "i64.load16_u", 0x00 0x33, Mem, ([I32] -> [I64]), LOAD, 2, -;
    /// Load 4 bytes as i64, sign-extended.
    I64Load32S = "i64.load32_s", 0x00 0x34, Mem, ([I32] -> [I64]), LOAD, 4, -;
    /// Load 4 bytes as i64, zero-extended.
    I64Load32U = "i64.load32_u", 0x00 0x35, Mem, ([I32] -> [I64]), LOAD, 4, -;

    // ---- memory: stores ----
    /// Store an i32 as 4 bytes.
    I32Store = "i32.store", 0x00 0x36, Mem, ([I32, I32] -> []), STORE, 4, -;
    /// Store an i64 as 8 bytes.
    I64Store = "i64.store", 0x00 0x37, Mem, ([I32, I64] -> []), STORE, 8, -;
    /// Store an f32 as 4 bytes.
    F32Store = "f32.store", 0x00 0x38, Mem, ([I32, F32] -> []), STORE, 4, -;
    /// Store an f64 as 8 bytes.
    F64Store = "f64.store", 0x00 0x39, Mem, ([I32, F64] -> []), STORE, 8, -;
    /// Store the low 1 byte of an i32.
    I32Store8 = "i32.store8", 0x00 0x3a, Mem, ([I32, I32] -> []), STORE, 1, -;
    /// Store the low 2 bytes of an i32.
    I32Store16 = "i32.store16", 0x00 0x3b, Mem, ([I32, I32] -> []), STORE, 2, -;
    /// Store the low 1 byte of an i64.
    I64Store8 = "i64.store8", 0x00 0x3c, Mem, ([I32, I64] -> []), STORE, 1, -;
    /// Store the low 2 bytes of an i64.
    I64Store16 = "i64.store16", 0x00 0x3d, Mem, ([I32, I64] -> []), STORE, 2, -;
    /// Store the low 4 bytes of an i64.
    I64Store32 = "i64.store32", 0x00 0x3e, Mem, ([I32, I64] -> []), STORE, 4, -;

    // ---- memory: size and bulk operations ----
    /// Memory size in pages.
    MemorySize = "memory.size", 0x00 0x3f, Memory, ([] -> [I32]), READS_MEMORY, 0, -;
    /// Grow memory by a number of pages; returns the old size in pages or -1.
    MemoryGrow = "memory.grow", 0x00 0x40, Memory, ([I32] -> [I32]), MEMORY_GROW, 0, -;
    /// Copy `n` bytes of a data segment to memory (operands: dst, src offset, n); traps out of bounds.
    MemoryInit = "memory.init", 0xfc 0x08, DataMem, ([I32, I32, I32] -> []), MEMORY_RW, 0, -;
    /// Drop a data segment: later `memory.init`s of it see length 0.
    DataDrop = "data.drop", 0xfc 0x09, Data, ([] -> []), WRITES_MEMORY, 0, -;
    /// Copy `n` bytes from `src` to `dst`, overlap allowed (operands: dst, src, n); traps out of bounds.
    MemoryCopy = "memory.copy", 0xfc 0x0a, MemMem, ([I32, I32, I32] -> []), MEMORY_RW, 0, -;
    /// Fill `n` bytes at `dst` with a byte value (operands: dst, value, n); traps out of bounds.
    MemoryFill = "memory.fill", 0xfc 0x0b, Memory, ([I32, I32, I32] -> []), MEMORY_RW, 0, -;

    // ---- tables ----
    /// Copy `n` elements of an element segment to a table (operands: dst, src offset, n); traps out of bounds.
    TableInit = "table.init", 0xfc 0x0c, ElemTable, ([I32, I32, I32] -> []), TABLE_RW, 0, -;
    /// Drop an element segment: later `table.init`s of it see length 0.
    ElemDrop = "elem.drop", 0xfc 0x0d, Elem, ([] -> []), WRITES_TABLE, 0, -;
    /// Copy `n` elements between tables (operands: dst, src, n); traps out of bounds.
    TableCopy = "table.copy", 0xfc 0x0e, TableTable, ([I32, I32, I32] -> []), TABLE_RW, 0, -;
    /// Fill `n` table elements with a reference (operands: index, value, n); traps out of bounds.
    TableFill = "table.fill", 0xfc 0x11, Table, (special), TABLE_RW, 0, -;
    /// Read a table element; traps out of bounds.
    TableGet = "table.get", 0x00 0x25, Table, (special), TABLE_READ_TRAP, 0, -;
    /// Write a table element (operands: index, value); traps out of bounds.
    TableSet = "table.set", 0x00 0x26, Table, (special), TABLE_RW, 0, -;
    /// Grow a table by `n` elements initialized to a reference (operands: value, n); returns the old size or -1.
    TableGrow = "table.grow", 0xfc 0x0f, Table, (special), TABLE_GROW, 0, -;
    /// Table size in elements.
    TableSize = "table.size", 0xfc 0x10, Table, ([] -> [I32]), READS_TABLE, 0, -;

    // ---- references ----
    /// The null reference of a type.
    RefNull = "ref.null", 0x00 0xd0, RefType, (special), PURE, 0, -;
    /// Is the reference null? (i32)
    RefIsNull = "ref.is_null", 0x00 0xd1, None, (special), PURE, 0, -;
    /// A reference to a function.
    RefFunc = "ref.func", 0x00 0xd2, Func, ([] -> [FuncRef]), PURE, 0, -;

    // ---- i32 comparisons ----
    /// Is zero? (i32)
    I32Eqz = "i32.eqz", 0x00 0x45, None, ([I32] -> [I32]), PURE, 0, -;
    /// Equal.
    I32Eq = "i32.eq", 0x00 0x46, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Not equal.
    I32Ne = "i32.ne", 0x00 0x47, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Less than, signed.
    I32LtS = "i32.lt_s", 0x00 0x48, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Less than, unsigned.
    I32LtU = "i32.lt_u", 0x00 0x49, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Greater than, signed.
    I32GtS = "i32.gt_s", 0x00 0x4a, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Greater than, unsigned.
    I32GtU = "i32.gt_u", 0x00 0x4b, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Less than or equal, signed.
    I32LeS = "i32.le_s", 0x00 0x4c, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Less than or equal, unsigned.
    I32LeU = "i32.le_u", 0x00 0x4d, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Greater than or equal, signed.
    I32GeS = "i32.ge_s", 0x00 0x4e, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Greater than or equal, unsigned.
    I32GeU = "i32.ge_u", 0x00 0x4f, None, ([I32, I32] -> [I32]), PURE, 0, -;

    // ---- i64 comparisons ----
    /// Is zero? (i32)
    I64Eqz = "i64.eqz", 0x00 0x50, None, ([I64] -> [I32]), PURE, 0, -;
    /// Equal.
    I64Eq = "i64.eq", 0x00 0x51, None, ([I64, I64] -> [I32]), PURE, 0, -;
    /// Not equal.
    I64Ne = "i64.ne", 0x00 0x52, None, ([I64, I64] -> [I32]), PURE, 0, -;
    /// Less than, signed.
    I64LtS = "i64.lt_s", 0x00 0x53, None, ([I64, I64] -> [I32]), PURE, 0, -;
    /// Less than, unsigned.
    I64LtU = "i64.lt_u", 0x00 0x54, None, ([I64, I64] -> [I32]), PURE, 0, -;
    /// Greater than, signed.
    I64GtS = "i64.gt_s", 0x00 0x55, None, ([I64, I64] -> [I32]), PURE, 0, -;
    /// Greater than, unsigned.
    I64GtU = "i64.gt_u", 0x00 0x56, None, ([I64, I64] -> [I32]), PURE, 0, -;
    /// Less than or equal, signed.
    I64LeS = "i64.le_s", 0x00 0x57, None, ([I64, I64] -> [I32]), PURE, 0, -;
    /// Less than or equal, unsigned.
    I64LeU = "i64.le_u", 0x00 0x58, None, ([I64, I64] -> [I32]), PURE, 0, -;
    /// Greater than or equal, signed.
    I64GeS = "i64.ge_s", 0x00 0x59, None, ([I64, I64] -> [I32]), PURE, 0, -;
    /// Greater than or equal, unsigned.
    I64GeU = "i64.ge_u", 0x00 0x5a, None, ([I64, I64] -> [I32]), PURE, 0, -;

    // ---- f32 comparisons ----
    /// Equal (false if either is NaN).
    F32Eq = "f32.eq", 0x00 0x5b, None, ([F32, F32] -> [I32]), PURE, 0, -;
    /// Not equal (true if either is NaN).
    F32Ne = "f32.ne", 0x00 0x5c, None, ([F32, F32] -> [I32]), PURE, 0, -;
    /// Less than (false if either is NaN).
    F32Lt = "f32.lt", 0x00 0x5d, None, ([F32, F32] -> [I32]), PURE, 0, -;
    /// Greater than (false if either is NaN).
    F32Gt = "f32.gt", 0x00 0x5e, None, ([F32, F32] -> [I32]), PURE, 0, -;
    /// Less than or equal (false if either is NaN).
    F32Le = "f32.le", 0x00 0x5f, None, ([F32, F32] -> [I32]), PURE, 0, -;
    /// Greater than or equal (false if either is NaN).
    F32Ge = "f32.ge", 0x00 0x60, None, ([F32, F32] -> [I32]), PURE, 0, -;

    // ---- f64 comparisons ----
    /// Equal (false if either is NaN).
    F64Eq = "f64.eq", 0x00 0x61, None, ([F64, F64] -> [I32]), PURE, 0, -;
    /// Not equal (true if either is NaN).
    F64Ne = "f64.ne", 0x00 0x62, None, ([F64, F64] -> [I32]), PURE, 0, -;
    /// Less than (false if either is NaN).
    F64Lt = "f64.lt", 0x00 0x63, None, ([F64, F64] -> [I32]), PURE, 0, -;
    /// Greater than (false if either is NaN).
    F64Gt = "f64.gt", 0x00 0x64, None, ([F64, F64] -> [I32]), PURE, 0, -;
    /// Less than or equal (false if either is NaN).
    F64Le = "f64.le", 0x00 0x65, None, ([F64, F64] -> [I32]), PURE, 0, -;
    /// Greater than or equal (false if either is NaN).
    F64Ge = "f64.ge", 0x00 0x66, None, ([F64, F64] -> [I32]), PURE, 0, -;

    // ---- i32 arithmetic ----
    /// Count leading zero bits.
    I32Clz = "i32.clz", 0x00 0x67, None, ([I32] -> [I32]), PURE, 0, -;
    /// Count trailing zero bits.
    I32Ctz = "i32.ctz", 0x00 0x68, None, ([I32] -> [I32]), PURE, 0, -;
    /// Count one bits.
    I32Popcnt = "i32.popcnt", 0x00 0x69, None, ([I32] -> [I32]), PURE, 0, -;
    /// Wrapping addition.
    I32Add = "i32.add", 0x00 0x6a, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Wrapping subtraction.
    I32Sub = "i32.sub", 0x00 0x6b, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Wrapping multiplication.
    I32Mul = "i32.mul", 0x00 0x6c, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Signed division, rounding toward zero; traps on zero and overflow.
    I32DivS = "i32.div_s", 0x00 0x6d, None, ([I32, I32] -> [I32]), TRAP, 0, -;
    /// Unsigned division; traps on zero.
    I32DivU = "i32.div_u", 0x00 0x6e, None, ([I32, I32] -> [I32]), TRAP, 0, -;
    /// Signed remainder (sign of the dividend); traps on zero.
    I32RemS = "i32.rem_s", 0x00 0x6f, None, ([I32, I32] -> [I32]), TRAP, 0, -;
    /// Unsigned remainder; traps on zero.
    I32RemU = "i32.rem_u", 0x00 0x70, None, ([I32, I32] -> [I32]), TRAP, 0, -;
    /// Bitwise and.
    I32And = "i32.and", 0x00 0x71, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Bitwise or.
    I32Or = "i32.or", 0x00 0x72, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Bitwise xor.
    I32Xor = "i32.xor", 0x00 0x73, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Shift left by the second operand modulo the bit width.
    I32Shl = "i32.shl", 0x00 0x74, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Arithmetic shift right by the second operand modulo the bit width.
    I32ShrS = "i32.shr_s", 0x00 0x75, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Logical shift right by the second operand modulo the bit width.
    I32ShrU = "i32.shr_u", 0x00 0x76, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Rotate left by the second operand modulo the bit width.
    I32Rotl = "i32.rotl", 0x00 0x77, None, ([I32, I32] -> [I32]), PURE, 0, -;
    /// Rotate right by the second operand modulo the bit width.
    I32Rotr = "i32.rotr", 0x00 0x78, None, ([I32, I32] -> [I32]), PURE, 0, -;

    // ---- i64 arithmetic ----
    /// Count leading zero bits.
    I64Clz = "i64.clz", 0x00 0x79, None, ([I64] -> [I64]), PURE, 0, -;
    /// Count trailing zero bits.
    I64Ctz = "i64.ctz", 0x00 0x7a, None, ([I64] -> [I64]), PURE, 0, -;
    /// Count one bits.
    I64Popcnt = "i64.popcnt", 0x00 0x7b, None, ([I64] -> [I64]), PURE, 0, -;
    /// Wrapping addition.
    I64Add = "i64.add", 0x00 0x7c, None, ([I64, I64] -> [I64]), PURE, 0, -;
    /// Wrapping subtraction.
    I64Sub = "i64.sub", 0x00 0x7d, None, ([I64, I64] -> [I64]), PURE, 0, -;
    /// Wrapping multiplication.
    I64Mul = "i64.mul", 0x00 0x7e, None, ([I64, I64] -> [I64]), PURE, 0, -;
    /// Signed division, rounding toward zero; traps on zero and overflow.
    I64DivS = "i64.div_s", 0x00 0x7f, None, ([I64, I64] -> [I64]), TRAP, 0, -;
    /// Unsigned division; traps on zero.
    I64DivU = "i64.div_u", 0x00 0x80, None, ([I64, I64] -> [I64]), TRAP, 0, -;
    /// Signed remainder (sign of the dividend); traps on zero.
    I64RemS = "i64.rem_s", 0x00 0x81, None, ([I64, I64] -> [I64]), TRAP, 0, -;
    /// Unsigned remainder; traps on zero.
    I64RemU = "i64.rem_u", 0x00 0x82, None, ([I64, I64] -> [I64]), TRAP, 0, -;
    /// Bitwise and.
    I64And = "i64.and", 0x00 0x83, None, ([I64, I64] -> [I64]), PURE, 0, -;
    /// Bitwise or.
    I64Or = "i64.or", 0x00 0x84, None, ([I64, I64] -> [I64]), PURE, 0, -;
    /// Bitwise xor.
    I64Xor = "i64.xor", 0x00 0x85, None, ([I64, I64] -> [I64]), PURE, 0, -;
    /// Shift left by the second operand modulo the bit width.
    I64Shl = "i64.shl", 0x00 0x86, None, ([I64, I64] -> [I64]), PURE, 0, -;
    /// Arithmetic shift right by the second operand modulo the bit width.
    I64ShrS = "i64.shr_s", 0x00 0x87, None, ([I64, I64] -> [I64]), PURE, 0, -;
    /// Logical shift right by the second operand modulo the bit width.
    I64ShrU = "i64.shr_u", 0x00 0x88, None, ([I64, I64] -> [I64]), PURE, 0, -;
    /// Rotate left by the second operand modulo the bit width.
    I64Rotl = "i64.rotl", 0x00 0x89, None, ([I64, I64] -> [I64]), PURE, 0, -;
    /// Rotate right by the second operand modulo the bit width.
    I64Rotr = "i64.rotr", 0x00 0x8a, None, ([I64, I64] -> [I64]), PURE, 0, -;

    // ---- f32 arithmetic ----
    /// Absolute value (clears the sign bit).
    F32Abs = "f32.abs", 0x00 0x8b, None, ([F32] -> [F32]), PURE, 0, -;
    /// Negation (flips the sign bit).
    F32Neg = "f32.neg", 0x00 0x8c, None, ([F32] -> [F32]), PURE, 0, -;
    /// Round up to an integer.
    F32Ceil = "f32.ceil", 0x00 0x8d, None, ([F32] -> [F32]), PURE, 0, -;
    /// Round down to an integer.
    F32Floor = "f32.floor", 0x00 0x8e, None, ([F32] -> [F32]), PURE, 0, -;
    /// Round toward zero to an integer.
    F32Trunc = "f32.trunc", 0x00 0x8f, None, ([F32] -> [F32]), PURE, 0, -;
    /// Round to the nearest integer, ties to even.
    F32Nearest = "f32.nearest", 0x00 0x90, None, ([F32] -> [F32]), PURE, 0, -;
    /// Square root.
    F32Sqrt = "f32.sqrt", 0x00 0x91, None, ([F32] -> [F32]), PURE, 0, -;
    /// Addition.
    F32Add = "f32.add", 0x00 0x92, None, ([F32, F32] -> [F32]), PURE, 0, -;
    /// Subtraction.
    F32Sub = "f32.sub", 0x00 0x93, None, ([F32, F32] -> [F32]), PURE, 0, -;
    /// Multiplication.
    F32Mul = "f32.mul", 0x00 0x94, None, ([F32, F32] -> [F32]), PURE, 0, -;
    /// Division.
    F32Div = "f32.div", 0x00 0x95, None, ([F32, F32] -> [F32]), PURE, 0, -;
    /// Minimum; NaN if either is NaN, -0 < +0.
    F32Min = "f32.min", 0x00 0x96, None, ([F32, F32] -> [F32]), PURE, 0, -;
    /// Maximum; NaN if either is NaN, -0 < +0.
    F32Max = "f32.max", 0x00 0x97, None, ([F32, F32] -> [F32]), PURE, 0, -;
    /// The first operand with the sign of the second.
    F32Copysign = "f32.copysign", 0x00 0x98, None, ([F32, F32] -> [F32]), PURE, 0, -;

    // ---- f64 arithmetic ----
    /// Absolute value (clears the sign bit).
    F64Abs = "f64.abs", 0x00 0x99, None, ([F64] -> [F64]), PURE, 0, -;
    /// Negation (flips the sign bit).
    F64Neg = "f64.neg", 0x00 0x9a, None, ([F64] -> [F64]), PURE, 0, -;
    /// Round up to an integer.
    F64Ceil = "f64.ceil", 0x00 0x9b, None, ([F64] -> [F64]), PURE, 0, -;
    /// Round down to an integer.
    F64Floor = "f64.floor", 0x00 0x9c, None, ([F64] -> [F64]), PURE, 0, -;
    /// Round toward zero to an integer.
    F64Trunc = "f64.trunc", 0x00 0x9d, None, ([F64] -> [F64]), PURE, 0, -;
    /// Round to the nearest integer, ties to even.
    F64Nearest = "f64.nearest", 0x00 0x9e, None, ([F64] -> [F64]), PURE, 0, -;
    /// Square root.
    F64Sqrt = "f64.sqrt", 0x00 0x9f, None, ([F64] -> [F64]), PURE, 0, -;
    /// Addition.
    F64Add = "f64.add", 0x00 0xa0, None, ([F64, F64] -> [F64]), PURE, 0, -;
    /// Subtraction.
    F64Sub = "f64.sub", 0x00 0xa1, None, ([F64, F64] -> [F64]), PURE, 0, -;
    /// Multiplication.
    F64Mul = "f64.mul", 0x00 0xa2, None, ([F64, F64] -> [F64]), PURE, 0, -;
    /// Division.
    F64Div = "f64.div", 0x00 0xa3, None, ([F64, F64] -> [F64]), PURE, 0, -;
    /// Minimum; NaN if either is NaN, -0 < +0.
    F64Min = "f64.min", 0x00 0xa4, None, ([F64, F64] -> [F64]), PURE, 0, -;
    /// Maximum; NaN if either is NaN, -0 < +0.
    F64Max = "f64.max", 0x00 0xa5, None, ([F64, F64] -> [F64]), PURE, 0, -;
    /// The first operand with the sign of the second.
    F64Copysign = "f64.copysign", 0x00 0xa6, None, ([F64, F64] -> [F64]), PURE, 0, -;

    // ---- conversions ----
    /// Low 32 bits of an i64.
    I32WrapI64 = "i32.wrap_i64", 0x00 0xa7, None, ([I64] -> [I32]), PURE, 0, -;
    /// Convert an f32 to signed i32, rounding toward zero; traps on NaN and overflow.
    I32TruncF32S = "i32.trunc_f32_s", 0x00 0xa8, None, ([F32] -> [I32]), TRAP, 0, -;
    /// Convert an f32 to unsigned i32, rounding toward zero; traps on NaN and overflow.
    I32TruncF32U = "i32.trunc_f32_u", 0x00 0xa9, None, ([F32] -> [I32]), TRAP, 0, -;
    /// Convert an f64 to signed i32, rounding toward zero; traps on NaN and overflow.
    I32TruncF64S = "i32.trunc_f64_s", 0x00 0xaa, None, ([F64] -> [I32]), TRAP, 0, -;
    /// Convert an f64 to unsigned i32, rounding toward zero; traps on NaN and overflow.
    I32TruncF64U = "i32.trunc_f64_u", 0x00 0xab, None, ([F64] -> [I32]), TRAP, 0, -;
    /// Sign-extend an i32 to i64.
    I64ExtendI32S = "i64.extend_i32_s", 0x00 0xac, None, ([I32] -> [I64]), PURE, 0, -;
    /// Zero-extend an i32 to i64.
    I64ExtendI32U = "i64.extend_i32_u", 0x00 0xad, None, ([I32] -> [I64]), PURE, 0, -;
    /// Convert an f32 to signed i64, rounding toward zero; traps on NaN and overflow.
    I64TruncF32S = "i64.trunc_f32_s", 0x00 0xae, None, ([F32] -> [I64]), TRAP, 0, -;
    /// Convert an f32 to unsigned i64, rounding toward zero; traps on NaN and overflow.
    I64TruncF32U = "i64.trunc_f32_u", 0x00 0xaf, None, ([F32] -> [I64]), TRAP, 0, -;
    /// Convert an f64 to signed i64, rounding toward zero; traps on NaN and overflow.
    I64TruncF64S = "i64.trunc_f64_s", 0x00 0xb0, None, ([F64] -> [I64]), TRAP, 0, -;
    /// Convert an f64 to unsigned i64, rounding toward zero; traps on NaN and overflow.
    I64TruncF64U = "i64.trunc_f64_u", 0x00 0xb1, None, ([F64] -> [I64]), TRAP, 0, -;
    /// Convert a signed i32 to f32, rounding to nearest.
    F32ConvertI32S = "f32.convert_i32_s", 0x00 0xb2, None, ([I32] -> [F32]), PURE, 0, -;
    /// Convert an unsigned i32 to f32, rounding to nearest.
    F32ConvertI32U = "f32.convert_i32_u", 0x00 0xb3, None, ([I32] -> [F32]), PURE, 0, -;
    /// Convert a signed i64 to f32, rounding to nearest.
    F32ConvertI64S = "f32.convert_i64_s", 0x00 0xb4, None, ([I64] -> [F32]), PURE, 0, -;
    /// Convert an unsigned i64 to f32, rounding to nearest.
    F32ConvertI64U = "f32.convert_i64_u", 0x00 0xb5, None, ([I64] -> [F32]), PURE, 0, -;
    /// Round an f64 to f32.
    F32DemoteF64 = "f32.demote_f64", 0x00 0xb6, None, ([F64] -> [F32]), PURE, 0, -;
    /// Convert a signed i32 to f64, rounding to nearest.
    F64ConvertI32S = "f64.convert_i32_s", 0x00 0xb7, None, ([I32] -> [F64]), PURE, 0, -;
    /// Convert an unsigned i32 to f64, rounding to nearest.
    F64ConvertI32U = "f64.convert_i32_u", 0x00 0xb8, None, ([I32] -> [F64]), PURE, 0, -;
    /// Convert a signed i64 to f64, rounding to nearest.
    F64ConvertI64S = "f64.convert_i64_s", 0x00 0xb9, None, ([I64] -> [F64]), PURE, 0, -;
    /// Convert an unsigned i64 to f64, rounding to nearest.
    F64ConvertI64U = "f64.convert_i64_u", 0x00 0xba, None, ([I64] -> [F64]), PURE, 0, -;
    /// Widen an f32 to f64 (exact).
    F64PromoteF32 = "f64.promote_f32", 0x00 0xbb, None, ([F32] -> [F64]), PURE, 0, -;
    /// The bits of an f32 as i32.
    I32ReinterpretF32 = "i32.reinterpret_f32", 0x00 0xbc, None, ([F32] -> [I32]), PURE, 0, -;
    /// The bits of an f64 as i64.
    I64ReinterpretF64 = "i64.reinterpret_f64", 0x00 0xbd, None, ([F64] -> [I64]), PURE, 0, -;
    /// The bits of an i32 as f32.
    F32ReinterpretI32 = "f32.reinterpret_i32", 0x00 0xbe, None, ([I32] -> [F32]), PURE, 0, -;
    /// The bits of an i64 as f64.
    F64ReinterpretI64 = "f64.reinterpret_i64", 0x00 0xbf, None, ([I64] -> [F64]), PURE, 0, -;

    // ---- sign extension ----
    /// Sign-extend the low 8 bits.
    I32Extend8S = "i32.extend8_s", 0x00 0xc0, None, ([I32] -> [I32]), PURE, 0, -;
    /// Sign-extend the low 16 bits.
    I32Extend16S = "i32.extend16_s", 0x00 0xc1, None, ([I32] -> [I32]), PURE, 0, -;
    /// Sign-extend the low 8 bits.
    I64Extend8S = "i64.extend8_s", 0x00 0xc2, None, ([I64] -> [I64]), PURE, 0, -;
    /// Sign-extend the low 16 bits.
    I64Extend16S = "i64.extend16_s", 0x00 0xc3, None, ([I64] -> [I64]), PURE, 0, -;
    /// Sign-extend the low 32 bits.
    I64Extend32S = "i64.extend32_s", 0x00 0xc4, None, ([I64] -> [I64]), PURE, 0, -;

    // ---- saturating float-to-int conversions ----
    /// Convert an f32 to signed i32, rounding toward zero, saturating (NaN gives 0).
    I32TruncSatF32S = "i32.trunc_sat_f32_s", 0xfc 0x00, None, ([F32] -> [I32]), PURE, 0, -;
    /// Convert an f32 to unsigned i32, rounding toward zero, saturating (NaN gives 0).
    I32TruncSatF32U = "i32.trunc_sat_f32_u", 0xfc 0x01, None, ([F32] -> [I32]), PURE, 0, -;
    /// Convert an f64 to signed i32, rounding toward zero, saturating (NaN gives 0).
    I32TruncSatF64S = "i32.trunc_sat_f64_s", 0xfc 0x02, None, ([F64] -> [I32]), PURE, 0, -;
    /// Convert an f64 to unsigned i32, rounding toward zero, saturating (NaN gives 0).
    I32TruncSatF64U = "i32.trunc_sat_f64_u", 0xfc 0x03, None, ([F64] -> [I32]), PURE, 0, -;
    /// Convert an f32 to signed i64, rounding toward zero, saturating (NaN gives 0).
    I64TruncSatF32S = "i64.trunc_sat_f32_s", 0xfc 0x04, None, ([F32] -> [I64]), PURE, 0, -;
    /// Convert an f32 to unsigned i64, rounding toward zero, saturating (NaN gives 0).
    I64TruncSatF32U = "i64.trunc_sat_f32_u", 0xfc 0x05, None, ([F32] -> [I64]), PURE, 0, -;
    /// Convert an f64 to signed i64, rounding toward zero, saturating (NaN gives 0).
    I64TruncSatF64S = "i64.trunc_sat_f64_s", 0xfc 0x06, None, ([F64] -> [I64]), PURE, 0, -;
    /// Convert an f64 to unsigned i64, rounding toward zero, saturating (NaN gives 0).
    I64TruncSatF64U = "i64.trunc_sat_f64_u", 0xfc 0x07, None, ([F64] -> [I64]), PURE, 0, -;

    // ---- simd: memory ----
    /// Load 16 bytes as v128.
    V128Load = "v128.load", 0xfd 0, Mem, ([I32] -> [V128]), LOAD, 16, -;
    /// Load 8 8-bit values, each sign-extended to a 16-bit lane.
    V128Load8x8S = "v128.load8x8_s", 0xfd 1, Mem, ([I32] -> [V128]), LOAD, 8, -;
    /// Load 8 8-bit values, each zero-extended to a 16-bit lane.
    V128Load8x8U = "v128.load8x8_u", 0xfd 2, Mem, ([I32] -> [V128]), LOAD, 8, -;
    /// Load 4 16-bit values, each sign-extended to a 32-bit lane.
    V128Load16x4S = "v128.load16x4_s", 0xfd 3, Mem, ([I32] -> [V128]), LOAD, 8, -;
    /// Load 4 16-bit values, each zero-extended to a 32-bit lane.
    V128Load16x4U = "v128.load16x4_u", 0xfd 4, Mem, ([I32] -> [V128]), LOAD, 8, -;
    /// Load 2 32-bit values, each sign-extended to a 64-bit lane.
    V128Load32x2S = "v128.load32x2_s", 0xfd 5, Mem, ([I32] -> [V128]), LOAD, 8, -;
    /// Load 2 32-bit values, each zero-extended to a 64-bit lane.
    V128Load32x2U = "v128.load32x2_u", 0xfd 6, Mem, ([I32] -> [V128]), LOAD, 8, -;
    /// Load 1 byte and splat the value to every 8-bit lane.
    V128Load8Splat = "v128.load8_splat", 0xfd 7, Mem, ([I32] -> [V128]), LOAD, 1, -;
    /// Load 2 bytes and splat the value to every 16-bit lane.
    V128Load16Splat = "v128.load16_splat", 0xfd 8, Mem, ([I32] -> [V128]), LOAD, 2, -;
    /// Load 4 bytes and splat the value to every 32-bit lane.
    V128Load32Splat = "v128.load32_splat", 0xfd 9, Mem, ([I32] -> [V128]), LOAD, 4, -;
    /// Load 8 bytes and splat the value to every 64-bit lane.
    V128Load64Splat = "v128.load64_splat", 0xfd 10, Mem, ([I32] -> [V128]), LOAD, 8, -;
    /// Load 4 bytes into the low 32-bit lane; the other lanes are 0.
    V128Load32Zero = "v128.load32_zero", 0xfd 92, Mem, ([I32] -> [V128]), LOAD, 4, -;
    /// Load 8 bytes into the low 64-bit lane; the other lanes are 0.
    V128Load64Zero = "v128.load64_zero", 0xfd 93, Mem, ([I32] -> [V128]), LOAD, 8, -;
    /// Store a v128 as 16 bytes.
    V128Store = "v128.store", 0xfd 11, Mem, ([I32, V128] -> []), STORE, 16, -;
    /// Load 1 byte into one 8-bit lane of a vector.
    V128Load8Lane = "v128.load8_lane", 0xfd 84, MemLane, ([I32, V128] -> [V128]), LOAD, 1, -;
    /// Load 2 bytes into one 16-bit lane of a vector.
    V128Load16Lane = "v128.load16_lane", 0xfd 85, MemLane, ([I32, V128] -> [V128]), LOAD, 2, -;
    /// Load 4 bytes into one 32-bit lane of a vector.
    V128Load32Lane = "v128.load32_lane", 0xfd 86, MemLane, ([I32, V128] -> [V128]), LOAD, 4, -;
    /// Load 8 bytes into one 64-bit lane of a vector.
    V128Load64Lane = "v128.load64_lane", 0xfd 87, MemLane, ([I32, V128] -> [V128]), LOAD, 8, -;
    /// Store one 8-bit lane of a vector.
    V128Store8Lane = "v128.store8_lane", 0xfd 88, MemLane, ([I32, V128] -> []), STORE, 1, -;
    /// Store one 16-bit lane of a vector.
    V128Store16Lane = "v128.store16_lane", 0xfd 89, MemLane, ([I32, V128] -> []), STORE, 2, -;
    /// Store one 32-bit lane of a vector.
    V128Store32Lane = "v128.store32_lane", 0xfd 90, MemLane, ([I32, V128] -> []), STORE, 4, -;
    /// Store one 64-bit lane of a vector.
    V128Store64Lane = "v128.store64_lane", 0xfd 91, MemLane, ([I32, V128] -> []), STORE, 8, -;

    // ---- simd: constants, shuffles and splats ----
    /// A 128-bit constant.
    V128Const = "v128.const", 0xfd 12, V128, ([] -> [V128]), PURE, 0, -;
    /// Select bytes of two vectors by 16 constant lane indices (0-31).
    I8x16Shuffle = "i8x16.shuffle", 0xfd 13, Shuffle, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Select bytes of the first vector by the lanes of the second; out-of-range indices give 0.
    I8x16Swizzle = "i8x16.swizzle", 0xfd 14, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// A vector with every i8 lane set to the operand.
    I8x16Splat = "i8x16.splat", 0xfd 15, None, ([I32] -> [V128]), PURE, 0, I8x16;
    /// A vector with every i16 lane set to the operand.
    I16x8Splat = "i16x8.splat", 0xfd 16, None, ([I32] -> [V128]), PURE, 0, I16x8;
    /// A vector with every i32 lane set to the operand.
    I32x4Splat = "i32x4.splat", 0xfd 17, None, ([I32] -> [V128]), PURE, 0, I32x4;
    /// A vector with every i64 lane set to the operand.
    I64x2Splat = "i64x2.splat", 0xfd 18, None, ([I64] -> [V128]), PURE, 0, I64x2;
    /// A vector with every f32 lane set to the operand.
    F32x4Splat = "f32x4.splat", 0xfd 19, None, ([F32] -> [V128]), PURE, 0, F32x4;
    /// A vector with every f64 lane set to the operand.
    F64x2Splat = "f64x2.splat", 0xfd 20, None, ([F64] -> [V128]), PURE, 0, F64x2;

    // ---- simd: lanes ----
    /// Extract an i8 lane as i32, sign-extended.
    I8x16ExtractLaneS = "i8x16.extract_lane_s", 0xfd 21, Lane, ([V128] -> [I32]), PURE, 0, I8x16;
    /// Extract an i8 lane as i32, zero-extended.
    I8x16ExtractLaneU = "i8x16.extract_lane_u", 0xfd 22, Lane, ([V128] -> [I32]), PURE, 0, I8x16;
    /// Replace an i8 lane with the scalar operand.
    I8x16ReplaceLane = "i8x16.replace_lane", 0xfd 23, Lane, ([V128, I32] -> [V128]), PURE, 0, I8x16;
    /// Extract an i16 lane as i32, sign-extended.
    I16x8ExtractLaneS = "i16x8.extract_lane_s", 0xfd 24, Lane, ([V128] -> [I32]), PURE, 0, I16x8;
    /// Extract an i16 lane as i32, zero-extended.
    I16x8ExtractLaneU = "i16x8.extract_lane_u", 0xfd 25, Lane, ([V128] -> [I32]), PURE, 0, I16x8;
    /// Replace an i16 lane with the scalar operand.
    I16x8ReplaceLane = "i16x8.replace_lane", 0xfd 26, Lane, ([V128, I32] -> [V128]), PURE, 0, I16x8;
    /// Extract an i32 lane.
    I32x4ExtractLane = "i32x4.extract_lane", 0xfd 27, Lane, ([V128] -> [I32]), PURE, 0, I32x4;
    /// Replace an i32 lane with the scalar operand.
    I32x4ReplaceLane = "i32x4.replace_lane", 0xfd 28, Lane, ([V128, I32] -> [V128]), PURE, 0, I32x4;
    /// Extract an i64 lane.
    I64x2ExtractLane = "i64x2.extract_lane", 0xfd 29, Lane, ([V128] -> [I64]), PURE, 0, I64x2;
    /// Replace an i64 lane with the scalar operand.
    I64x2ReplaceLane = "i64x2.replace_lane", 0xfd 30, Lane, ([V128, I64] -> [V128]), PURE, 0, I64x2;
    /// Extract an f32 lane.
    F32x4ExtractLane = "f32x4.extract_lane", 0xfd 31, Lane, ([V128] -> [F32]), PURE, 0, F32x4;
    /// Replace an f32 lane with the scalar operand.
    F32x4ReplaceLane = "f32x4.replace_lane", 0xfd 32, Lane, ([V128, F32] -> [V128]), PURE, 0, F32x4;
    /// Extract an f64 lane.
    F64x2ExtractLane = "f64x2.extract_lane", 0xfd 33, Lane, ([V128] -> [F64]), PURE, 0, F64x2;
    /// Replace an f64 lane with the scalar operand.
    F64x2ReplaceLane = "f64x2.replace_lane", 0xfd 34, Lane, ([V128, F64] -> [V128]), PURE, 0, F64x2;

    // ---- simd: comparisons ----
    /// Compare i8 lanes for equal: all ones where true, else 0.
    I8x16Eq = "i8x16.eq", 0xfd 35, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Compare i8 lanes for not equal: all ones where true, else 0.
    I8x16Ne = "i8x16.ne", 0xfd 36, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Compare i8 lanes for signed less than: all ones where true, else 0.
    I8x16LtS = "i8x16.lt_s", 0xfd 37, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Compare i8 lanes for unsigned less than: all ones where true, else 0.
    I8x16LtU = "i8x16.lt_u", 0xfd 38, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Compare i8 lanes for signed greater than: all ones where true, else 0.
    I8x16GtS = "i8x16.gt_s", 0xfd 39, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Compare i8 lanes for unsigned greater than: all ones where true, else 0.
    I8x16GtU = "i8x16.gt_u", 0xfd 40, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Compare i8 lanes for signed less than or equal: all ones where true, else 0.
    I8x16LeS = "i8x16.le_s", 0xfd 41, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Compare i8 lanes for unsigned less than or equal: all ones where true, else 0.
    I8x16LeU = "i8x16.le_u", 0xfd 42, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Compare i8 lanes for signed greater than or equal: all ones where true, else 0.
    I8x16GeS = "i8x16.ge_s", 0xfd 43, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Compare i8 lanes for unsigned greater than or equal: all ones where true, else 0.
    I8x16GeU = "i8x16.ge_u", 0xfd 44, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Compare i16 lanes for equal: all ones where true, else 0.
    I16x8Eq = "i16x8.eq", 0xfd 45, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Compare i16 lanes for not equal: all ones where true, else 0.
    I16x8Ne = "i16x8.ne", 0xfd 46, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Compare i16 lanes for signed less than: all ones where true, else 0.
    I16x8LtS = "i16x8.lt_s", 0xfd 47, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Compare i16 lanes for unsigned less than: all ones where true, else 0.
    I16x8LtU = "i16x8.lt_u", 0xfd 48, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Compare i16 lanes for signed greater than: all ones where true, else 0.
    I16x8GtS = "i16x8.gt_s", 0xfd 49, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Compare i16 lanes for unsigned greater than: all ones where true, else 0.
    I16x8GtU = "i16x8.gt_u", 0xfd 50, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Compare i16 lanes for signed less than or equal: all ones where true, else 0.
    I16x8LeS = "i16x8.le_s", 0xfd 51, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Compare i16 lanes for unsigned less than or equal: all ones where true, else 0.
    I16x8LeU = "i16x8.le_u", 0xfd 52, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Compare i16 lanes for signed greater than or equal: all ones where true, else 0.
    I16x8GeS = "i16x8.ge_s", 0xfd 53, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Compare i16 lanes for unsigned greater than or equal: all ones where true, else 0.
    I16x8GeU = "i16x8.ge_u", 0xfd 54, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Compare i32 lanes for equal: all ones where true, else 0.
    I32x4Eq = "i32x4.eq", 0xfd 55, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Compare i32 lanes for not equal: all ones where true, else 0.
    I32x4Ne = "i32x4.ne", 0xfd 56, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Compare i32 lanes for signed less than: all ones where true, else 0.
    I32x4LtS = "i32x4.lt_s", 0xfd 57, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Compare i32 lanes for unsigned less than: all ones where true, else 0.
    I32x4LtU = "i32x4.lt_u", 0xfd 58, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Compare i32 lanes for signed greater than: all ones where true, else 0.
    I32x4GtS = "i32x4.gt_s", 0xfd 59, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Compare i32 lanes for unsigned greater than: all ones where true, else 0.
    I32x4GtU = "i32x4.gt_u", 0xfd 60, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Compare i32 lanes for signed less than or equal: all ones where true, else 0.
    I32x4LeS = "i32x4.le_s", 0xfd 61, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Compare i32 lanes for unsigned less than or equal: all ones where true, else 0.
    I32x4LeU = "i32x4.le_u", 0xfd 62, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Compare i32 lanes for signed greater than or equal: all ones where true, else 0.
    I32x4GeS = "i32x4.ge_s", 0xfd 63, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Compare i32 lanes for unsigned greater than or equal: all ones where true, else 0.
    I32x4GeU = "i32x4.ge_u", 0xfd 64, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Compare i64 lanes for equal: all ones where true, else 0.
    I64x2Eq = "i64x2.eq", 0xfd 214, None, ([V128, V128] -> [V128]), PURE, 0, I64x2;
    /// Compare i64 lanes for not equal: all ones where true, else 0.
    I64x2Ne = "i64x2.ne", 0xfd 215, None, ([V128, V128] -> [V128]), PURE, 0, I64x2;
    /// Compare i64 lanes for signed less than: all ones where true, else 0.
    I64x2LtS = "i64x2.lt_s", 0xfd 216, None, ([V128, V128] -> [V128]), PURE, 0, I64x2;
    /// Compare i64 lanes for signed greater than: all ones where true, else 0.
    I64x2GtS = "i64x2.gt_s", 0xfd 217, None, ([V128, V128] -> [V128]), PURE, 0, I64x2;
    /// Compare i64 lanes for signed less than or equal: all ones where true, else 0.
    I64x2LeS = "i64x2.le_s", 0xfd 218, None, ([V128, V128] -> [V128]), PURE, 0, I64x2;
    /// Compare i64 lanes for signed greater than or equal: all ones where true, else 0.
    I64x2GeS = "i64x2.ge_s", 0xfd 219, None, ([V128, V128] -> [V128]), PURE, 0, I64x2;
    /// Compare f32 lanes for equal (false with NaN): all ones where true, else 0.
    F32x4Eq = "f32x4.eq", 0xfd 65, None, ([V128, V128] -> [V128]), PURE, 0, F32x4;
    /// Compare f32 lanes for not equal (true with NaN): all ones where true, else 0.
    F32x4Ne = "f32x4.ne", 0xfd 66, None, ([V128, V128] -> [V128]), PURE, 0, F32x4;
    /// Compare f32 lanes for less than (false with NaN): all ones where true, else 0.
    F32x4Lt = "f32x4.lt", 0xfd 67, None, ([V128, V128] -> [V128]), PURE, 0, F32x4;
    /// Compare f32 lanes for greater than (false with NaN): all ones where true, else 0.
    F32x4Gt = "f32x4.gt", 0xfd 68, None, ([V128, V128] -> [V128]), PURE, 0, F32x4;
    /// Compare f32 lanes for less than or equal (false with NaN): all ones where true, else 0.
    F32x4Le = "f32x4.le", 0xfd 69, None, ([V128, V128] -> [V128]), PURE, 0, F32x4;
    /// Compare f32 lanes for greater than or equal (false with NaN): all ones where true, else 0.
    F32x4Ge = "f32x4.ge", 0xfd 70, None, ([V128, V128] -> [V128]), PURE, 0, F32x4;
    /// Compare f64 lanes for equal (false with NaN): all ones where true, else 0.
    F64x2Eq = "f64x2.eq", 0xfd 71, None, ([V128, V128] -> [V128]), PURE, 0, F64x2;
    /// Compare f64 lanes for not equal (true with NaN): all ones where true, else 0.
    F64x2Ne = "f64x2.ne", 0xfd 72, None, ([V128, V128] -> [V128]), PURE, 0, F64x2;
    /// Compare f64 lanes for less than (false with NaN): all ones where true, else 0.
    F64x2Lt = "f64x2.lt", 0xfd 73, None, ([V128, V128] -> [V128]), PURE, 0, F64x2;
    /// Compare f64 lanes for greater than (false with NaN): all ones where true, else 0.
    F64x2Gt = "f64x2.gt", 0xfd 74, None, ([V128, V128] -> [V128]), PURE, 0, F64x2;
    /// Compare f64 lanes for less than or equal (false with NaN): all ones where true, else 0.
    F64x2Le = "f64x2.le", 0xfd 75, None, ([V128, V128] -> [V128]), PURE, 0, F64x2;
    /// Compare f64 lanes for greater than or equal (false with NaN): all ones where true, else 0.
    F64x2Ge = "f64x2.ge", 0xfd 76, None, ([V128, V128] -> [V128]), PURE, 0, F64x2;

    // ---- simd: bitwise ----
    /// Bitwise not.
    V128Not = "v128.not", 0xfd 77, None, ([V128] -> [V128]), PURE, 0, -;
    /// Bitwise and.
    V128And = "v128.and", 0xfd 78, None, ([V128, V128] -> [V128]), PURE, 0, -;
    /// Bitwise and with the complement of the second operand.
    V128AndNot = "v128.andnot", 0xfd 79, None, ([V128, V128] -> [V128]), PURE, 0, -;
    /// Bitwise or.
    V128Or = "v128.or", 0xfd 80, None, ([V128, V128] -> [V128]), PURE, 0, -;
    /// Bitwise xor.
    V128Xor = "v128.xor", 0xfd 81, None, ([V128, V128] -> [V128]), PURE, 0, -;
    /// Bits of the first operand where the third (mask) is 1, of the second where it is 0.
    V128Bitselect = "v128.bitselect", 0xfd 82, None, ([V128, V128, V128] -> [V128]), PURE, 0, -;
    /// Is any bit set? (i32)
    V128AnyTrue = "v128.any_true", 0xfd 83, None, ([V128] -> [I32]), PURE, 0, -;

    // ---- simd: i8x16 arithmetic ----
    /// Lane-wise absolute value of i8 lanes.
    I8x16Abs = "i8x16.abs", 0xfd 96, None, ([V128] -> [V128]), PURE, 0, I8x16;
    /// Lane-wise negation of i8 lanes.
    I8x16Neg = "i8x16.neg", 0xfd 97, None, ([V128] -> [V128]), PURE, 0, I8x16;
    /// Count one bits in each i8 lane.
    I8x16Popcnt = "i8x16.popcnt", 0xfd 98, None, ([V128] -> [V128]), PURE, 0, I8x16;
    /// Are all i8 lanes non-zero? (i32)
    I8x16AllTrue = "i8x16.all_true", 0xfd 99, None, ([V128] -> [I32]), PURE, 0, I8x16;
    /// The sign bits of the i8 lanes as an i32 bitmask.
    I8x16Bitmask = "i8x16.bitmask", 0xfd 100, None, ([V128] -> [I32]), PURE, 0, I8x16;
    /// Narrow the i16 lanes of both operands to i8, signed saturating.
    I8x16NarrowI16x8S = "i8x16.narrow_i16x8_s", 0xfd 101, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Narrow the i16 lanes of both operands to i8, unsigned saturating.
    I8x16NarrowI16x8U = "i8x16.narrow_i16x8_u", 0xfd 102, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Shift each i8 lane left by the i32 operand modulo the lane width.
    I8x16Shl = "i8x16.shl", 0xfd 107, None, ([V128, I32] -> [V128]), PURE, 0, I8x16;
    /// Arithmetic shift of each i8 lane right by the i32 operand modulo the lane width.
    I8x16ShrS = "i8x16.shr_s", 0xfd 108, None, ([V128, I32] -> [V128]), PURE, 0, I8x16;
    /// Logical shift of each i8 lane right by the i32 operand modulo the lane width.
    I8x16ShrU = "i8x16.shr_u", 0xfd 109, None, ([V128, I32] -> [V128]), PURE, 0, I8x16;
    /// Lane-wise wrapping addition of i8 lanes.
    I8x16Add = "i8x16.add", 0xfd 110, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Lane-wise signed saturating addition of i8 lanes.
    I8x16AddSatS = "i8x16.add_sat_s", 0xfd 111, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Lane-wise unsigned saturating addition of i8 lanes.
    I8x16AddSatU = "i8x16.add_sat_u", 0xfd 112, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Lane-wise wrapping subtraction of i8 lanes.
    I8x16Sub = "i8x16.sub", 0xfd 113, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Lane-wise signed saturating subtraction of i8 lanes.
    I8x16SubSatS = "i8x16.sub_sat_s", 0xfd 114, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Lane-wise unsigned saturating subtraction of i8 lanes.
    I8x16SubSatU = "i8x16.sub_sat_u", 0xfd 115, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Lane-wise signed minimum of i8 lanes.
    I8x16MinS = "i8x16.min_s", 0xfd 118, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Lane-wise unsigned minimum of i8 lanes.
    I8x16MinU = "i8x16.min_u", 0xfd 119, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Lane-wise signed maximum of i8 lanes.
    I8x16MaxS = "i8x16.max_s", 0xfd 120, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Lane-wise unsigned maximum of i8 lanes.
    I8x16MaxU = "i8x16.max_u", 0xfd 121, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;
    /// Lane-wise unsigned rounding average of i8 lanes.
    I8x16AvgrU = "i8x16.avgr_u", 0xfd 123, None, ([V128, V128] -> [V128]), PURE, 0, I8x16;

    // ---- simd: i16x8 arithmetic ----
    /// Add adjacent pairs of signed i8 lanes into i16 lanes.
    I16x8ExtAddPairwiseI8x16S = "i16x8.extadd_pairwise_i8x16_s", 0xfd 124, None, ([V128] -> [V128]), PURE, 0, I16x8;
    /// Add adjacent pairs of unsigned i8 lanes into i16 lanes.
    I16x8ExtAddPairwiseI8x16U = "i16x8.extadd_pairwise_i8x16_u", 0xfd 125, None, ([V128] -> [V128]), PURE, 0, I16x8;
    /// Lane-wise absolute value of i16 lanes.
    I16x8Abs = "i16x8.abs", 0xfd 128, None, ([V128] -> [V128]), PURE, 0, I16x8;
    /// Lane-wise negation of i16 lanes.
    I16x8Neg = "i16x8.neg", 0xfd 129, None, ([V128] -> [V128]), PURE, 0, I16x8;
    /// Q15 fixed-point multiplication of i16 lanes, rounding and saturating.
    I16x8Q15MulrSatS = "i16x8.q15mulr_sat_s", 0xfd 130, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Are all i16 lanes non-zero? (i32)
    I16x8AllTrue = "i16x8.all_true", 0xfd 131, None, ([V128] -> [I32]), PURE, 0, I16x8;
    /// The sign bits of the i16 lanes as an i32 bitmask.
    I16x8Bitmask = "i16x8.bitmask", 0xfd 132, None, ([V128] -> [I32]), PURE, 0, I16x8;
    /// Narrow the i32 lanes of both operands to i16, signed saturating.
    I16x8NarrowI32x4S = "i16x8.narrow_i32x4_s", 0xfd 133, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Narrow the i32 lanes of both operands to i16, unsigned saturating.
    I16x8NarrowI32x4U = "i16x8.narrow_i32x4_u", 0xfd 134, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Sign-extend the low half of the i8 lanes to i16.
    I16x8ExtendLowI8x16S = "i16x8.extend_low_i8x16_s", 0xfd 135, None, ([V128] -> [V128]), PURE, 0, I16x8;
    /// Sign-extend the high half of the i8 lanes to i16.
    I16x8ExtendHighI8x16S = "i16x8.extend_high_i8x16_s", 0xfd 136, None, ([V128] -> [V128]), PURE, 0, I16x8;
    /// Zero-extend the low half of the i8 lanes to i16.
    I16x8ExtendLowI8x16U = "i16x8.extend_low_i8x16_u", 0xfd 137, None, ([V128] -> [V128]), PURE, 0, I16x8;
    /// Zero-extend the high half of the i8 lanes to i16.
    I16x8ExtendHighI8x16U = "i16x8.extend_high_i8x16_u", 0xfd 138, None, ([V128] -> [V128]), PURE, 0, I16x8;
    /// Shift each i16 lane left by the i32 operand modulo the lane width.
    I16x8Shl = "i16x8.shl", 0xfd 139, None, ([V128, I32] -> [V128]), PURE, 0, I16x8;
    /// Arithmetic shift of each i16 lane right by the i32 operand modulo the lane width.
    I16x8ShrS = "i16x8.shr_s", 0xfd 140, None, ([V128, I32] -> [V128]), PURE, 0, I16x8;
    /// Logical shift of each i16 lane right by the i32 operand modulo the lane width.
    I16x8ShrU = "i16x8.shr_u", 0xfd 141, None, ([V128, I32] -> [V128]), PURE, 0, I16x8;
    /// Lane-wise wrapping addition of i16 lanes.
    I16x8Add = "i16x8.add", 0xfd 142, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Lane-wise signed saturating addition of i16 lanes.
    I16x8AddSatS = "i16x8.add_sat_s", 0xfd 143, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Lane-wise unsigned saturating addition of i16 lanes.
    I16x8AddSatU = "i16x8.add_sat_u", 0xfd 144, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Lane-wise wrapping subtraction of i16 lanes.
    I16x8Sub = "i16x8.sub", 0xfd 145, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Lane-wise signed saturating subtraction of i16 lanes.
    I16x8SubSatS = "i16x8.sub_sat_s", 0xfd 146, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Lane-wise unsigned saturating subtraction of i16 lanes.
    I16x8SubSatU = "i16x8.sub_sat_u", 0xfd 147, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Lane-wise wrapping multiplication of i16 lanes.
    I16x8Mul = "i16x8.mul", 0xfd 149, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Lane-wise signed minimum of i16 lanes.
    I16x8MinS = "i16x8.min_s", 0xfd 150, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Lane-wise unsigned minimum of i16 lanes.
    I16x8MinU = "i16x8.min_u", 0xfd 151, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Lane-wise signed maximum of i16 lanes.
    I16x8MaxS = "i16x8.max_s", 0xfd 152, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Lane-wise unsigned maximum of i16 lanes.
    I16x8MaxU = "i16x8.max_u", 0xfd 153, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Lane-wise unsigned rounding average of i16 lanes.
    I16x8AvgrU = "i16x8.avgr_u", 0xfd 155, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Multiply the low halves of the signed i8 lanes into i16 lanes.
    I16x8ExtMulLowI8x16S = "i16x8.extmul_low_i8x16_s", 0xfd 156, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Multiply the high halves of the signed i8 lanes into i16 lanes.
    I16x8ExtMulHighI8x16S = "i16x8.extmul_high_i8x16_s", 0xfd 157, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Multiply the low halves of the unsigned i8 lanes into i16 lanes.
    I16x8ExtMulLowI8x16U = "i16x8.extmul_low_i8x16_u", 0xfd 158, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;
    /// Multiply the high halves of the unsigned i8 lanes into i16 lanes.
    I16x8ExtMulHighI8x16U = "i16x8.extmul_high_i8x16_u", 0xfd 159, None, ([V128, V128] -> [V128]), PURE, 0, I16x8;

    // ---- simd: i32x4 arithmetic ----
    /// Add adjacent pairs of signed i16 lanes into i32 lanes.
    I32x4ExtAddPairwiseI16x8S = "i32x4.extadd_pairwise_i16x8_s", 0xfd 126, None, ([V128] -> [V128]), PURE, 0, I32x4;
    /// Add adjacent pairs of unsigned i16 lanes into i32 lanes.
    I32x4ExtAddPairwiseI16x8U = "i32x4.extadd_pairwise_i16x8_u", 0xfd 127, None, ([V128] -> [V128]), PURE, 0, I32x4;
    /// Lane-wise absolute value of i32 lanes.
    I32x4Abs = "i32x4.abs", 0xfd 160, None, ([V128] -> [V128]), PURE, 0, I32x4;
    /// Lane-wise negation of i32 lanes.
    I32x4Neg = "i32x4.neg", 0xfd 161, None, ([V128] -> [V128]), PURE, 0, I32x4;
    /// Are all i32 lanes non-zero? (i32)
    I32x4AllTrue = "i32x4.all_true", 0xfd 163, None, ([V128] -> [I32]), PURE, 0, I32x4;
    /// The sign bits of the i32 lanes as an i32 bitmask.
    I32x4Bitmask = "i32x4.bitmask", 0xfd 164, None, ([V128] -> [I32]), PURE, 0, I32x4;
    /// Sign-extend the low half of the i16 lanes to i32.
    I32x4ExtendLowI16x8S = "i32x4.extend_low_i16x8_s", 0xfd 167, None, ([V128] -> [V128]), PURE, 0, I32x4;
    /// Sign-extend the high half of the i16 lanes to i32.
    I32x4ExtendHighI16x8S = "i32x4.extend_high_i16x8_s", 0xfd 168, None, ([V128] -> [V128]), PURE, 0, I32x4;
    /// Zero-extend the low half of the i16 lanes to i32.
    I32x4ExtendLowI16x8U = "i32x4.extend_low_i16x8_u", 0xfd 169, None, ([V128] -> [V128]), PURE, 0, I32x4;
    /// Zero-extend the high half of the i16 lanes to i32.
    I32x4ExtendHighI16x8U = "i32x4.extend_high_i16x8_u", 0xfd 170, None, ([V128] -> [V128]), PURE, 0, I32x4;
    /// Shift each i32 lane left by the i32 operand modulo the lane width.
    I32x4Shl = "i32x4.shl", 0xfd 171, None, ([V128, I32] -> [V128]), PURE, 0, I32x4;
    /// Arithmetic shift of each i32 lane right by the i32 operand modulo the lane width.
    I32x4ShrS = "i32x4.shr_s", 0xfd 172, None, ([V128, I32] -> [V128]), PURE, 0, I32x4;
    /// Logical shift of each i32 lane right by the i32 operand modulo the lane width.
    I32x4ShrU = "i32x4.shr_u", 0xfd 173, None, ([V128, I32] -> [V128]), PURE, 0, I32x4;
    /// Lane-wise wrapping addition of i32 lanes.
    I32x4Add = "i32x4.add", 0xfd 174, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Lane-wise wrapping subtraction of i32 lanes.
    I32x4Sub = "i32x4.sub", 0xfd 177, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Lane-wise wrapping multiplication of i32 lanes.
    I32x4Mul = "i32x4.mul", 0xfd 181, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Lane-wise signed minimum of i32 lanes.
    I32x4MinS = "i32x4.min_s", 0xfd 182, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Lane-wise unsigned minimum of i32 lanes.
    I32x4MinU = "i32x4.min_u", 0xfd 183, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Lane-wise signed maximum of i32 lanes.
    I32x4MaxS = "i32x4.max_s", 0xfd 184, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Lane-wise unsigned maximum of i32 lanes.
    I32x4MaxU = "i32x4.max_u", 0xfd 185, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Multiply signed i16 lanes and add adjacent pairs of products into i32 lanes.
    I32x4DotI16x8S = "i32x4.dot_i16x8_s", 0xfd 186, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Multiply the low halves of the signed i16 lanes into i32 lanes.
    I32x4ExtMulLowI16x8S = "i32x4.extmul_low_i16x8_s", 0xfd 188, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Multiply the high halves of the signed i16 lanes into i32 lanes.
    I32x4ExtMulHighI16x8S = "i32x4.extmul_high_i16x8_s", 0xfd 189, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Multiply the low halves of the unsigned i16 lanes into i32 lanes.
    I32x4ExtMulLowI16x8U = "i32x4.extmul_low_i16x8_u", 0xfd 190, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;
    /// Multiply the high halves of the unsigned i16 lanes into i32 lanes.
    I32x4ExtMulHighI16x8U = "i32x4.extmul_high_i16x8_u", 0xfd 191, None, ([V128, V128] -> [V128]), PURE, 0, I32x4;

    // ---- simd: i64x2 arithmetic ----
    /// Lane-wise absolute value of i64 lanes.
    I64x2Abs = "i64x2.abs", 0xfd 192, None, ([V128] -> [V128]), PURE, 0, I64x2;
    /// Lane-wise negation of i64 lanes.
    I64x2Neg = "i64x2.neg", 0xfd 193, None, ([V128] -> [V128]), PURE, 0, I64x2;
    /// Are all i64 lanes non-zero? (i32)
    I64x2AllTrue = "i64x2.all_true", 0xfd 195, None, ([V128] -> [I32]), PURE, 0, I64x2;
    /// The sign bits of the i64 lanes as an i32 bitmask.
    I64x2Bitmask = "i64x2.bitmask", 0xfd 196, None, ([V128] -> [I32]), PURE, 0, I64x2;
    /// Sign-extend the low half of the i32 lanes to i64.
    I64x2ExtendLowI32x4S = "i64x2.extend_low_i32x4_s", 0xfd 199, None, ([V128] -> [V128]), PURE, 0, I64x2;
    /// Sign-extend the high half of the i32 lanes to i64.
    I64x2ExtendHighI32x4S = "i64x2.extend_high_i32x4_s", 0xfd 200, None, ([V128] -> [V128]), PURE, 0, I64x2;
    /// Zero-extend the low half of the i32 lanes to i64.
    I64x2ExtendLowI32x4U = "i64x2.extend_low_i32x4_u", 0xfd 201, None, ([V128] -> [V128]), PURE, 0, I64x2;
    /// Zero-extend the high half of the i32 lanes to i64.
    I64x2ExtendHighI32x4U = "i64x2.extend_high_i32x4_u", 0xfd 202, None, ([V128] -> [V128]), PURE, 0, I64x2;
    /// Shift each i64 lane left by the i32 operand modulo the lane width.
    I64x2Shl = "i64x2.shl", 0xfd 203, None, ([V128, I32] -> [V128]), PURE, 0, I64x2;
    /// Arithmetic shift of each i64 lane right by the i32 operand modulo the lane width.
    I64x2ShrS = "i64x2.shr_s", 0xfd 204, None, ([V128, I32] -> [V128]), PURE, 0, I64x2;
    /// Logical shift of each i64 lane right by the i32 operand modulo the lane width.
    I64x2ShrU = "i64x2.shr_u", 0xfd 205, None, ([V128, I32] -> [V128]), PURE, 0, I64x2;
    /// Lane-wise wrapping addition of i64 lanes.
    I64x2Add = "i64x2.add", 0xfd 206, None, ([V128, V128] -> [V128]), PURE, 0, I64x2;
    /// Lane-wise wrapping subtraction of i64 lanes.
    I64x2Sub = "i64x2.sub", 0xfd 209, None, ([V128, V128] -> [V128]), PURE, 0, I64x2;
    /// Lane-wise wrapping multiplication of i64 lanes.
    I64x2Mul = "i64x2.mul", 0xfd 213, None, ([V128, V128] -> [V128]), PURE, 0, I64x2;
    /// Multiply the low halves of the signed i32 lanes into i64 lanes.
    I64x2ExtMulLowI32x4S = "i64x2.extmul_low_i32x4_s", 0xfd 220, None, ([V128, V128] -> [V128]), PURE, 0, I64x2;
    /// Multiply the high halves of the signed i32 lanes into i64 lanes.
    I64x2ExtMulHighI32x4S = "i64x2.extmul_high_i32x4_s", 0xfd 221, None, ([V128, V128] -> [V128]), PURE, 0, I64x2;
    /// Multiply the low halves of the unsigned i32 lanes into i64 lanes.
    I64x2ExtMulLowI32x4U = "i64x2.extmul_low_i32x4_u", 0xfd 222, None, ([V128, V128] -> [V128]), PURE, 0, I64x2;
    /// Multiply the high halves of the unsigned i32 lanes into i64 lanes.
    I64x2ExtMulHighI32x4U = "i64x2.extmul_high_i32x4_u", 0xfd 223, None, ([V128, V128] -> [V128]), PURE, 0, I64x2;

    // ---- simd: f32x4 arithmetic ----
    /// Round each f32 lane up to an integer.
    F32x4Ceil = "f32x4.ceil", 0xfd 103, None, ([V128] -> [V128]), PURE, 0, F32x4;
    /// Round each f32 lane down to an integer.
    F32x4Floor = "f32x4.floor", 0xfd 104, None, ([V128] -> [V128]), PURE, 0, F32x4;
    /// Round each f32 lane toward zero to an integer.
    F32x4Trunc = "f32x4.trunc", 0xfd 105, None, ([V128] -> [V128]), PURE, 0, F32x4;
    /// Round each f32 lane to the nearest integer, ties to even.
    F32x4Nearest = "f32x4.nearest", 0xfd 106, None, ([V128] -> [V128]), PURE, 0, F32x4;
    /// Lane-wise absolute value of f32 lanes.
    F32x4Abs = "f32x4.abs", 0xfd 224, None, ([V128] -> [V128]), PURE, 0, F32x4;
    /// Lane-wise negation of f32 lanes.
    F32x4Neg = "f32x4.neg", 0xfd 225, None, ([V128] -> [V128]), PURE, 0, F32x4;
    /// Lane-wise square root of f32 lanes.
    F32x4Sqrt = "f32x4.sqrt", 0xfd 227, None, ([V128] -> [V128]), PURE, 0, F32x4;
    /// Lane-wise addition of f32 lanes.
    F32x4Add = "f32x4.add", 0xfd 228, None, ([V128, V128] -> [V128]), PURE, 0, F32x4;
    /// Lane-wise subtraction of f32 lanes.
    F32x4Sub = "f32x4.sub", 0xfd 229, None, ([V128, V128] -> [V128]), PURE, 0, F32x4;
    /// Lane-wise multiplication of f32 lanes.
    F32x4Mul = "f32x4.mul", 0xfd 230, None, ([V128, V128] -> [V128]), PURE, 0, F32x4;
    /// Lane-wise division of f32 lanes.
    F32x4Div = "f32x4.div", 0xfd 231, None, ([V128, V128] -> [V128]), PURE, 0, F32x4;
    /// Lane-wise minimum of f32 lanes; NaN if either is NaN, -0 < +0.
    F32x4Min = "f32x4.min", 0xfd 232, None, ([V128, V128] -> [V128]), PURE, 0, F32x4;
    /// Lane-wise maximum of f32 lanes; NaN if either is NaN, -0 < +0.
    F32x4Max = "f32x4.max", 0xfd 233, None, ([V128, V128] -> [V128]), PURE, 0, F32x4;
    /// Lane-wise pseudo-minimum of f32 lanes: `b < a ? b : a`.
    F32x4PMin = "f32x4.pmin", 0xfd 234, None, ([V128, V128] -> [V128]), PURE, 0, F32x4;
    /// Lane-wise pseudo-maximum of f32 lanes: `a < b ? b : a`.
    F32x4PMax = "f32x4.pmax", 0xfd 235, None, ([V128, V128] -> [V128]), PURE, 0, F32x4;

    // ---- simd: f64x2 arithmetic ----
    /// Round each f64 lane up to an integer.
    F64x2Ceil = "f64x2.ceil", 0xfd 116, None, ([V128] -> [V128]), PURE, 0, F64x2;
    /// Round each f64 lane down to an integer.
    F64x2Floor = "f64x2.floor", 0xfd 117, None, ([V128] -> [V128]), PURE, 0, F64x2;
    /// Round each f64 lane toward zero to an integer.
    F64x2Trunc = "f64x2.trunc", 0xfd 122, None, ([V128] -> [V128]), PURE, 0, F64x2;
    /// Round each f64 lane to the nearest integer, ties to even.
    F64x2Nearest = "f64x2.nearest", 0xfd 148, None, ([V128] -> [V128]), PURE, 0, F64x2;
    /// Lane-wise absolute value of f64 lanes.
    F64x2Abs = "f64x2.abs", 0xfd 236, None, ([V128] -> [V128]), PURE, 0, F64x2;
    /// Lane-wise negation of f64 lanes.
    F64x2Neg = "f64x2.neg", 0xfd 237, None, ([V128] -> [V128]), PURE, 0, F64x2;
    /// Lane-wise square root of f64 lanes.
    F64x2Sqrt = "f64x2.sqrt", 0xfd 239, None, ([V128] -> [V128]), PURE, 0, F64x2;
    /// Lane-wise addition of f64 lanes.
    F64x2Add = "f64x2.add", 0xfd 240, None, ([V128, V128] -> [V128]), PURE, 0, F64x2;
    /// Lane-wise subtraction of f64 lanes.
    F64x2Sub = "f64x2.sub", 0xfd 241, None, ([V128, V128] -> [V128]), PURE, 0, F64x2;
    /// Lane-wise multiplication of f64 lanes.
    F64x2Mul = "f64x2.mul", 0xfd 242, None, ([V128, V128] -> [V128]), PURE, 0, F64x2;
    /// Lane-wise division of f64 lanes.
    F64x2Div = "f64x2.div", 0xfd 243, None, ([V128, V128] -> [V128]), PURE, 0, F64x2;
    /// Lane-wise minimum of f64 lanes; NaN if either is NaN, -0 < +0.
    F64x2Min = "f64x2.min", 0xfd 244, None, ([V128, V128] -> [V128]), PURE, 0, F64x2;
    /// Lane-wise maximum of f64 lanes; NaN if either is NaN, -0 < +0.
    F64x2Max = "f64x2.max", 0xfd 245, None, ([V128, V128] -> [V128]), PURE, 0, F64x2;
    /// Lane-wise pseudo-minimum of f64 lanes: `b < a ? b : a`.
    F64x2PMin = "f64x2.pmin", 0xfd 246, None, ([V128, V128] -> [V128]), PURE, 0, F64x2;
    /// Lane-wise pseudo-maximum of f64 lanes: `a < b ? b : a`.
    F64x2PMax = "f64x2.pmax", 0xfd 247, None, ([V128, V128] -> [V128]), PURE, 0, F64x2;

    // ---- simd: conversions ----
    /// Convert f32 lanes to signed i32, rounding toward zero, saturating (NaN gives 0).
    I32x4TruncSatF32x4S = "i32x4.trunc_sat_f32x4_s", 0xfd 248, None, ([V128] -> [V128]), PURE, 0, I32x4;
    /// Convert f32 lanes to unsigned i32, rounding toward zero, saturating (NaN gives 0).
    I32x4TruncSatF32x4U = "i32x4.trunc_sat_f32x4_u", 0xfd 249, None, ([V128] -> [V128]), PURE, 0, I32x4;
    /// Convert signed i32 lanes to f32.
    F32x4ConvertI32x4S = "f32x4.convert_i32x4_s", 0xfd 250, None, ([V128] -> [V128]), PURE, 0, F32x4;
    /// Convert unsigned i32 lanes to f32.
    F32x4ConvertI32x4U = "f32x4.convert_i32x4_u", 0xfd 251, None, ([V128] -> [V128]), PURE, 0, F32x4;
    /// Convert the two f64 lanes to signed i32, saturating, in the low lanes; the high lanes are 0.
    I32x4TruncSatF64x2SZero = "i32x4.trunc_sat_f64x2_s_zero", 0xfd 252, None, ([V128] -> [V128]), PURE, 0, I32x4;
    /// Convert the two f64 lanes to unsigned i32, saturating, in the low lanes; the high lanes are 0.
    I32x4TruncSatF64x2UZero = "i32x4.trunc_sat_f64x2_u_zero", 0xfd 253, None, ([V128] -> [V128]), PURE, 0, I32x4;
    /// Convert the two low signed i32 lanes to f64.
    F64x2ConvertLowI32x4S = "f64x2.convert_low_i32x4_s", 0xfd 254, None, ([V128] -> [V128]), PURE, 0, F64x2;
    /// Convert the two low unsigned i32 lanes to f64.
    F64x2ConvertLowI32x4U = "f64x2.convert_low_i32x4_u", 0xfd 255, None, ([V128] -> [V128]), PURE, 0, F64x2;
    /// Round the two f64 lanes to f32 in the low lanes; the high lanes are 0.
    F32x4DemoteF64x2Zero = "f32x4.demote_f64x2_zero", 0xfd 94, None, ([V128] -> [V128]), PURE, 0, F32x4;
    /// Widen the two low f32 lanes to f64.
    F64x2PromoteLowF32x4 = "f64x2.promote_low_f32x4", 0xfd 95, None, ([V128] -> [V128]), PURE, 0, F64x2;
}

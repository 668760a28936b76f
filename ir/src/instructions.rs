//! Instruction data: what an instruction is, independent of where it sits.

use crate::entities::{Block, JumpTable, Value};
use crate::immediates::Imm;
use crate::opcodes::Opcode;
use cranelift_entity::{EntityList, ListPool};

/// A list of values stored in the DFG's [`ListPool`].
pub type ValueList = EntityList<Value>;
/// The pool backing every [`ValueList`] of a function.
pub type ValueListPool = ListPool<Value>;

/// A branch target: a block and the arguments passed to its parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct BlockCall {
    /// The target block.
    pub block: Block,
    /// Arguments for the target's parameters.
    pub args: ValueList,
}

impl BlockCall {
    /// A call of `block` with `args`.
    pub fn new(block: Block, args: &[Value], pool: &mut ValueListPool) -> Self {
        BlockCall { block, args: ValueList::from_slice(args, pool) }
    }
}

/// The targets of a `br_table`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct JumpTableData {
    /// Taken when the index is out of range.
    pub default: BlockCall,
    /// Taken for index `i` when `i < targets.len()`.
    pub targets: Vec<BlockCall>,
}

impl JumpTableData {
    /// Every target, default first.
    pub fn all(&self) -> impl Iterator<Item = &BlockCall> {
        core::iter::once(&self.default).chain(self.targets.iter())
    }
    /// Every target mutably, default first.
    pub fn all_mut(&mut self) -> impl Iterator<Item = &mut BlockCall> {
        core::iter::once(&mut self.default).chain(self.targets.iter_mut())
    }
}

/// What an instruction is. Everything but branches is an [`InstructionData::Op`]
/// whose immediate kind and types come from the opcode table.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum InstructionData {
    /// A non-branch instruction (including `return`, `trap`, calls and tail
    /// calls): an opcode, its operands, and its immediate.
    Op {
        /// The opcode (never `jump`, `brif` or `br_table`).
        opcode: Opcode,
        /// Operands, in wasm stack order.
        args: ValueList,
        /// The immediate; its kind matches `opcode.imm_kind()`.
        imm: Imm,
    },
    /// `jump`.
    Jump {
        /// The target.
        dest: BlockCall,
    },
    /// `brif cond, then, else`: non-zero `cond` takes `then_dest`.
    Brif {
        /// An i32 condition.
        cond: Value,
        /// Taken when `cond != 0`.
        then_dest: BlockCall,
        /// Taken when `cond == 0`.
        else_dest: BlockCall,
    },
    /// `br_table index, default, [targets]`.
    BrTable {
        /// An i32 index.
        index: Value,
        /// The targets.
        table: JumpTable,
    },
}

impl InstructionData {
    /// The opcode.
    pub fn opcode(&self) -> Opcode {
        match self {
            InstructionData::Op { opcode, .. } => *opcode,
            InstructionData::Jump { .. } => Opcode::Jump,
            InstructionData::Brif { .. } => Opcode::Brif,
            InstructionData::BrTable { .. } => Opcode::BrTable,
        }
    }

    /// The immediate (`Imm::None` for branches).
    pub fn imm(&self) -> Imm {
        match self {
            InstructionData::Op { imm, .. } => *imm,
            _ => Imm::None,
        }
    }
}

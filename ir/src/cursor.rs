//! A cursor for building and editing a function: a position in the layout
//! plus instruction builders that insert at it.
//!
//! ```
//! use weft_ir::{Function, Signature, Type, Opcode, Imm, FuncCursor};
//! let mut func = Function::new("f", Signature::new([Type::I32], [Type::I32]));
//! let mut cur = FuncCursor::new(&mut func);
//! let entry = cur.add_block(&[Type::I32]);
//! let x = cur.func.dfg.block_params(entry)[0];
//! let one = cur.ins(Opcode::I32Const, &[], Imm::I32(1)).unwrap();
//! let sum = cur.ins(Opcode::I32Add, &[x, one[0]], Imm::None).unwrap();
//! cur.ins(Opcode::Return, &[sum[0]], Imm::None).unwrap();
//! assert_eq!(func.num_layout_insts(), 3);
//! ```

use crate::dfg::ResultTypeError;
use crate::entities::{Block, Inst, Value};
use crate::function::Function;
use crate::immediates::Imm;
use crate::opcodes::Opcode;
use crate::types::Type;

/// Where a cursor inserts.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum CursorPosition {
    /// Nowhere yet: inserting panics.
    Nowhere,
    /// Before this instruction.
    Before(Inst),
    /// At the end of this block.
    AtEnd(Block),
}

/// A cursor over a function that inserts instructions at its position.
pub struct FuncCursor<'f> {
    /// The function being edited.
    pub func: &'f mut Function,
    /// The insertion point.
    pub pos: CursorPosition,
}

impl<'f> FuncCursor<'f> {
    /// A cursor with no position.
    pub fn new(func: &'f mut Function) -> Self {
        FuncCursor { func, pos: CursorPosition::Nowhere }
    }

    /// Creates a block with parameters of the given types, appends it to the
    /// layout and moves to its end.
    pub fn add_block(&mut self, params: &[Type]) -> Block {
        let block = self.func.dfg.make_block();
        for &ty in params {
            self.func.dfg.append_block_param(block, ty);
        }
        self.func.layout.append_block(block);
        self.pos = CursorPosition::AtEnd(block);
        block
    }

    /// Moves to the end of `block`.
    pub fn goto_end(&mut self, block: Block) -> &mut Self {
        self.pos = CursorPosition::AtEnd(block);
        self
    }

    /// Moves before `inst`.
    pub fn goto_before(&mut self, inst: Inst) -> &mut Self {
        self.pos = CursorPosition::Before(inst);
        self
    }

    /// Moves after `inst` (before the next instruction, or to the block end).
    pub fn goto_after(&mut self, inst: Inst) -> &mut Self {
        self.pos = match self.func.layout.next_inst(inst) {
            Some(n) => CursorPosition::Before(n),
            None => CursorPosition::AtEnd(self.func.layout.inst_block(inst).expect("instruction not in layout")),
        };
        self
    }

    /// The block the cursor is in.
    pub fn current_block(&self) -> Option<Block> {
        match self.pos {
            CursorPosition::Nowhere => None,
            CursorPosition::Before(i) => self.func.layout.inst_block(i),
            CursorPosition::AtEnd(b) => Some(b),
        }
    }

    /// Inserts an already-made instruction at the cursor.
    pub fn insert_inst(&mut self, inst: Inst) {
        match self.pos {
            CursorPosition::Nowhere => panic!("cursor has no position"),
            CursorPosition::Before(at) => self.func.layout.insert_inst(inst, at),
            CursorPosition::AtEnd(block) => self.func.layout.append_inst(inst, block),
        }
    }

    /// Builds an instruction from the opcode table, makes its results, and
    /// inserts it; returns the results.
    pub fn ins(&mut self, opcode: Opcode, args: &[Value], imm: Imm) -> Result<Vec<Value>, ResultTypeError> {
        let inst = self.func.dfg.make_op(opcode, args, imm);
        self.func.dfg.make_inst_results(inst)?;
        self.insert_inst(inst);
        Ok(self.func.dfg.inst_results(inst).to_vec())
    }

    /// `i32.const`.
    pub fn iconst32(&mut self, x: i32) -> Value {
        self.ins(Opcode::I32Const, &[], Imm::I32(x)).expect("fixed signature")[0]
    }

    /// `i64.const`.
    pub fn iconst64(&mut self, x: i64) -> Value {
        self.ins(Opcode::I64Const, &[], Imm::I64(x)).expect("fixed signature")[0]
    }

    /// `jump block(args)`.
    pub fn jump(&mut self, block: Block, args: &[Value]) -> Inst {
        let inst = self.func.dfg.make_jump(block, args);
        self.insert_inst(inst);
        inst
    }

    /// `brif cond, then(args), else(args)`.
    pub fn brif(
        &mut self,
        cond: Value,
        then_block: Block,
        then_args: &[Value],
        else_block: Block,
        else_args: &[Value],
    ) -> Inst {
        let inst = self.func.dfg.make_brif(cond, then_block, then_args, else_block, else_args);
        self.insert_inst(inst);
        inst
    }

    /// `br_table index, default, [targets]`.
    pub fn br_table(&mut self, index: Value, default: (Block, &[Value]), targets: &[(Block, Vec<Value>)]) -> Inst {
        let inst = self.func.dfg.make_br_table(index, default, targets);
        self.insert_inst(inst);
        inst
    }

    /// `return args`.
    pub fn ret(&mut self, args: &[Value]) -> Inst {
        let inst = self.func.dfg.make_op(Opcode::Return, args, Imm::None);
        self.insert_inst(inst);
        inst
    }

    /// Removes `inst` from the layout; the cursor moves to where it was.
    pub fn remove_inst(&mut self, inst: Inst) {
        if self.pos == CursorPosition::Before(inst) {
            self.goto_after(inst);
        }
        self.func.layout.remove_inst(inst);
    }

    /// Replaces all uses of `inst`'s results with `with` (through aliases)
    /// and removes `inst` from the layout.
    pub fn replace_inst_with_values(&mut self, inst: Inst, with: &[Value]) {
        self.func.dfg.replace_results_with(inst, with);
        self.remove_inst(inst);
    }

    /// Splits the current block before `inst`; returns the new block, which
    /// holds `inst` and everything after it. The old block is left without a
    /// terminator: the caller adds one.
    pub fn split_block_before(&mut self, inst: Inst) -> Block {
        let block = self.func.dfg.make_block();
        self.func.layout.split_block(block, inst);
        block
    }
}

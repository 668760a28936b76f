//! Straight-line code: the bytes of each block's instructions, its
//! terminator's operands, and block-argument copies.
//!
//! An instruction is emitted as an expression tree: for each operand in
//! order, a stackified definition is emitted in place (recursively), a
//! tee'd definition is emitted and followed by `local.tee`, a
//! rematerialized constant is re-encoded, and anything else is a
//! `local.get`. A root's results are then stored (`local.set`, last result
//! first) or dropped. Opcodes and immediates are encoded by
//! [`weft_ir::encode::encode_op`].
//!
//! While the entry block is emitted (when it is not a loop header), the
//! backend tracks which declared locals still hold their default zero:
//! storing a zero constant into such a local is skipped, since wasm locals
//! start out zero (or null). That is the `i = 0` before a loop.
//!
//! Copies for an edge push every argument that is not already in its
//! parameter's local and then pop them into the parameters, last first: a
//! parallel copy in which every read precedes every write, so swapped or
//! rotated arguments need no temporaries.

use crate::BackendError;
use crate::analysis::{BranchTarget, FuncInfo, Kind, describe_inst};
use crate::locals::Locals;
use crate::stackify::Schedule;
use core::cell::RefCell;
use weft_ir::encode::{encode_op, write_u32_leb};
use weft_ir::{Block, Imm, IndexMaps, Inst, InstructionData, Opcode, Value, ValueDef};

const LOCAL_GET: u8 = 0x20;
const LOCAL_SET: u8 = 0x21;
const LOCAL_TEE: u8 = 0x22;
const DROP: u8 = 0x1a;

/// Emits straight-line code for one function.
pub(crate) struct CodeGen<'a, 'f> {
    /// Facts about the function.
    pub info: &'a FuncInfo<'f>,
    /// Emission order and roots.
    pub schedule: &'a Schedule,
    /// Local assignment.
    pub locals: &'a Locals,
    /// While the entry block is emitted: which locals still hold their
    /// initial zero (`None` when not tracking).
    pub fresh: RefCell<Option<Vec<bool>>>,
    /// The module's index maps, applied to immediates as they are encoded
    /// (`None`: no index moves).
    pub remap: Option<&'a IndexMaps>,
}

impl CodeGen<'_, '_> {
    /// An error for a broken backend invariant at `inst`.
    pub(crate) fn internal(&self, inst: Inst, what: &str) -> BackendError {
        BackendError::Malformed {
            func: self.info.func.name.clone(),
            location: describe_inst(self.info.func, inst),
            message: format!("backend invariant broken: {what}"),
        }
    }

    fn local(&self, v: Value) -> u32 {
        self.locals.local_of[v]
    }

    /// Starts tracking zero locals: every declared local is zero.
    pub(crate) fn begin_fresh(&self) {
        let nparams = self.info.func.sig.params.len();
        let total = nparams + self.locals.decls.iter().map(|&(n, _)| n as usize).sum::<usize>();
        *self.fresh.borrow_mut() = Some((0..total).map(|i| i >= nparams).collect());
    }

    /// Stops tracking and returns the state (for [`Self::restore_fresh`]).
    pub(crate) fn take_fresh(&self) -> Option<Vec<bool>> {
        self.fresh.borrow_mut().take()
    }

    /// Resumes tracking with a saved state.
    pub(crate) fn restore_fresh(&self, state: Option<Vec<bool>>) {
        *self.fresh.borrow_mut() = state;
    }

    /// Records a write of `local`; returns whether the local was still zero.
    fn write_local(&self, local: u32) -> bool {
        let mut fresh = self.fresh.borrow_mut();
        match fresh.as_mut().and_then(|f| f.get_mut(local as usize)) {
            Some(slot) => core::mem::replace(slot, false),
            None => false,
        }
    }

    /// Is `v` a constant zero (or null) that is emitted inline?
    pub(crate) fn is_inline_zero(&self, v: Value) -> bool {
        if !matches!(self.info.kind[v], Kind::Remat | Kind::Stack) {
            return false;
        }
        let ValueDef::Result(inst, 0) = self.info.func.dfg.value_def(v) else { return false };
        is_zero_const(&self.info.func.dfg.insts[inst])
    }

    fn def_inst(&self, v: Value, user: Inst) -> Result<Inst, BackendError> {
        match self.info.func.dfg.value_def(v) {
            ValueDef::Result(inst, _) => Ok(inst),
            _ => Err(self.internal(user, &format!("{v} is not an instruction result"))),
        }
    }

    /// The opcode and immediate of `inst` (no operands).
    pub(crate) fn emit_op(&self, inst: Inst, out: &mut Vec<u8>) -> Result<(), BackendError> {
        let func = self.info.func;
        let InstructionData::Op { opcode, imm, .. } = &func.dfg.insts[inst] else {
            return Err(self.internal(inst, "branch emitted as an operation"));
        };
        let select_ty = match (opcode, self.info.operands[inst].first()) {
            (Opcode::Select, Some(&v)) => Some(func.dfg.value_type(v)),
            _ => None,
        };
        let imm = match self.remap {
            None => *imm,
            Some(maps) => maps.map_imm(*imm).map_err(|removed| BackendError::Malformed {
                func: func.name.clone(),
                location: describe_inst(func, inst),
                message: format!("refers to {removed}, which was removed from the module"),
            })?,
        };
        encode_op(*opcode, &imm, select_ty, out).map_err(|e| BackendError::Encode {
            func: func.name.clone(),
            location: describe_inst(func, inst),
            message: e.to_string(),
        })
    }

    /// Operand `j` of `inst`, left on the stack.
    pub(crate) fn emit_operand(&self, inst: Inst, j: usize, out: &mut Vec<u8>) -> Result<(), BackendError> {
        let v = self.info.operands[inst][j];
        match self.info.kind[v] {
            Kind::Stack => {
                // A multi-value definition is emitted at its first result.
                let def = self.def_inst(v, inst)?;
                if self.info.func.dfg.inst_results(def)[0] == v { self.emit_tree(def, out) } else { Ok(()) }
            }
            Kind::Tee { inst: at, operand } if at == inst && operand as usize == j => {
                self.emit_tree(self.def_inst(v, inst)?, out)?;
                out.push(LOCAL_TEE);
                write_u32_leb(out, self.local(v));
                self.write_local(self.local(v));
                Ok(())
            }
            Kind::Remat => self.emit_op(self.def_inst(v, inst)?, out),
            Kind::Local | Kind::Tee { .. } => {
                out.push(LOCAL_GET);
                write_u32_leb(out, self.local(v));
                Ok(())
            }
            Kind::Unused => Err(self.internal(inst, &format!("operand {v} has no value"))),
        }
    }

    /// Every operand of `inst`, in order.
    pub(crate) fn emit_operands(&self, inst: Inst, out: &mut Vec<u8>) -> Result<(), BackendError> {
        (0..self.info.operands[inst].len()).try_for_each(|j| self.emit_operand(inst, j, out))
    }

    /// `inst` with its operand trees; results stay on the stack. A `jump`
    /// is its copies.
    pub(crate) fn emit_tree(&self, inst: Inst, out: &mut Vec<u8>) -> Result<(), BackendError> {
        match self.info.func.dfg.insts[inst] {
            InstructionData::Op { .. } => {
                self.emit_operands(inst, out)?;
                self.emit_op(inst, out)
            }
            InstructionData::Jump { .. } => self.emit_jump(inst, out),
            InstructionData::Brif { .. } | InstructionData::BrTable { .. } => {
                Err(self.internal(inst, "conditional branch emitted as a tree"))
            }
        }
    }

    /// A root: its tree, then its results stored or dropped.
    fn emit_root(&self, inst: Inst, out: &mut Vec<u8>) -> Result<(), BackendError> {
        if let [r] = *self.info.func.dfg.inst_results(inst)
            && self.info.kind[r] == Kind::Local
            && is_zero_const(&self.info.func.dfg.insts[inst])
            && self.write_local(self.local(r))
        {
            return Ok(());
        }
        self.emit_tree(inst, out)?;
        for &r in self.info.func.dfg.inst_results(inst).iter().rev() {
            match self.info.kind[r] {
                Kind::Local => {
                    out.push(LOCAL_SET);
                    write_u32_leb(out, self.local(r));
                    self.write_local(self.local(r));
                }
                Kind::Unused => out.push(DROP),
                k => return Err(self.internal(inst, &format!("root result {r} has kind {k:?}"))),
            }
        }
        Ok(())
    }

    /// Every root of `block` except its terminator.
    pub(crate) fn emit_body(&self, block: Block, term: Inst, out: &mut Vec<u8>) -> Result<(), BackendError> {
        for &inst in &self.schedule.order[block] {
            if inst != term && self.schedule.is_root[inst] {
                self.emit_root(inst, out)?;
            }
        }
        Ok(())
    }

    /// Is operand `j` of `inst` read from the local its parameter `p` already
    /// occupies (so no copy is needed)?
    fn already_in_place(&self, inst: Inst, j: usize, arg: Value, param: Value) -> bool {
        let in_local = match self.info.kind[arg] {
            Kind::Local => true,
            Kind::Tee { inst: at, operand } => (at, operand as usize) != (inst, j),
            _ => false,
        };
        in_local && self.local(arg) == self.local(param)
    }

    /// A `jump`'s copies: push the arguments not already in place, then pop
    /// them into the parameters' locals.
    fn emit_jump(&self, term: Inst, out: &mut Vec<u8>) -> Result<(), BackendError> {
        let mut sets = Vec::new();
        self.emit_jump_split(term, out, &mut sets)?;
        out.extend(sets);
        Ok(())
    }

    /// [`Self::emit_jump`] with the pushes written to `out` and the
    /// `local.set`s to `sets`.
    pub(crate) fn emit_jump_split(
        &self,
        term: Inst,
        out: &mut Vec<u8>,
        sets: &mut Vec<u8>,
    ) -> Result<(), BackendError> {
        let ops = &self.info.operands[term];
        let params = &self.info.jump_params[term];
        let mut moved = Vec::with_capacity(ops.len());
        for (j, (&a, &p)) in ops.iter().zip(params).enumerate() {
            if self.already_in_place(term, j, a, p) {
                continue;
            }
            if self.is_inline_zero(a) && self.write_local(self.local(p)) {
                continue;
            }
            self.emit_operand(term, j, out)?;
            moved.push(p);
        }
        for &p in moved.iter().rev() {
            sets.push(LOCAL_SET);
            write_u32_leb(sets, self.local(p));
            self.write_local(self.local(p));
        }
        Ok(())
    }

    /// The condition of a `brif`. Returns `true` when what was pushed is the
    /// *negation* of the condition (a stackified `i32.eqz` was folded away).
    pub(crate) fn emit_cond(&self, term: Inst, out: &mut Vec<u8>) -> Result<bool, BackendError> {
        let cond = self.info.operands[term][0];
        if self.info.kind[cond] == Kind::Stack {
            let def = self.def_inst(cond, term)?;
            if self.info.func.dfg.insts[def].opcode() == Opcode::I32Eqz {
                self.emit_operand(def, 0, out)?;
                return Ok(true);
            }
        }
        self.emit_operand(term, 0, out)?;
        Ok(false)
    }

    /// The (argument, parameter) pairs an edge must copy.
    pub(crate) fn edge_copies(&self, edge: &BranchTarget) -> Vec<(Value, Value)> {
        let params = self.info.func.dfg.block_params(edge.to);
        edge.args
            .iter()
            .zip(params)
            .filter(|&(&a, &p)| {
                self.info.needed_value[p] && !(self.info.kind[a].has_local() && self.local(a) == self.local(p))
            })
            .map(|(&a, &p)| (a, p))
            .collect()
    }

    /// Copies for a `brif` or `br_table` edge (the arguments are in locals
    /// or are constants): the pushes to `out`, the `local.set`s to `sets`.
    pub(crate) fn emit_copies(
        &self,
        term: Inst,
        copies: &[(Value, Value)],
        out: &mut Vec<u8>,
        sets: &mut Vec<u8>,
    ) -> Result<(), BackendError> {
        let copies: Vec<(Value, Value)> = copies
            .iter()
            .copied()
            .filter(|&(a, p)| !(self.is_inline_zero(a) && self.write_local(self.local(p))))
            .collect();
        for &(a, _) in &copies {
            match self.info.kind[a] {
                Kind::Remat => self.emit_op(self.def_inst(a, term)?, out)?,
                Kind::Local | Kind::Tee { .. } => {
                    out.push(LOCAL_GET);
                    write_u32_leb(out, self.local(a));
                }
                k => return Err(self.internal(term, &format!("edge argument {a} has kind {k:?}"))),
            }
        }
        for &(_, p) in copies.iter().rev() {
            sets.push(LOCAL_SET);
            write_u32_leb(sets, self.local(p));
            self.write_local(self.local(p));
        }
        Ok(())
    }
}

/// Is `data` a constant whose bits are all zero (or `ref.null`)?
fn is_zero_const(data: &InstructionData) -> bool {
    match data {
        InstructionData::Op { opcode, imm, .. } => match (opcode, imm) {
            (Opcode::I32Const, Imm::I32(0)) | (Opcode::I64Const, Imm::I64(0)) | (Opcode::RefNull, _) => true,
            (Opcode::F32Const, Imm::F32(x)) => x.0 == 0,
            (Opcode::F64Const, Imm::F64(x)) => x.0 == 0,
            (Opcode::V128Const, Imm::V128(x)) => x.0 == [0; 16],
            _ => false,
        },
        _ => false,
    }
}

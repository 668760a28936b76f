//! The data-flow graph: instructions, values, blocks and their parameters.
//!
//! The DFG says *what* each entity is; [`crate::Layout`] says *where* it
//! sits. An instruction or block may exist in the DFG without being in the
//! layout (for example, while a pass builds replacement code).

use crate::entities::{Block, Inst, JumpTable, Value};
use crate::function::Decls;
use crate::immediates::Imm;
use crate::instructions::{BlockCall, InstructionData, JumpTableData, ValueList, ValueListPool};
use crate::opcodes::{OpSig, Opcode};
use crate::types::Type;
use cranelift_entity::{PrimaryMap, SecondaryMap};

/// Where a value comes from.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ValueDef {
    /// Result number `num` of an instruction.
    Result(Inst, usize),
    /// Parameter number `num` of a block.
    Param(Block, usize),
    /// An alias of another value (after `replace all uses`).
    Alias(Value),
    /// Not defined: a removed block parameter or instruction result, or a
    /// number the text format skipped.
    Detached,
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
struct ValueData {
    ty: Type,
    def: ValueDef,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
struct BlockData {
    params: ValueList,
}

/// Instructions, values, blocks, jump tables and declarations of one function.
#[derive(Clone, Debug, Default)]
pub struct DataFlowGraph {
    /// Instruction data, indexed by [`Inst`].
    pub insts: PrimaryMap<Inst, InstructionData>,
    results: SecondaryMap<Inst, ValueList>,
    blocks: PrimaryMap<Block, BlockData>,
    values: PrimaryMap<Value, ValueData>,
    /// Storage for every value list (operands, results, block params, block-call arguments).
    pub value_lists: ValueListPool,
    /// `br_table` target lists.
    pub jump_tables: PrimaryMap<JumpTable, JumpTableData>,
    /// Module entities the function refers to.
    pub decls: Decls,
}

/// Why the result types of an instruction could not be computed.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ResultTypeError {
    /// The immediate names an undeclared entity.
    #[error("{0} is not declared")]
    Undeclared(String),
    /// A polymorphic opcode's operand is missing.
    #[error("`{0}` is missing an operand")]
    MissingOperand(Opcode),
    /// The immediate does not fit the opcode.
    #[error("`{0}` has the wrong kind of immediate")]
    BadImmediate(Opcode),
    /// An operand has a type the opcode does not accept.
    #[error("`{0}` cannot take an operand of type {1}")]
    BadOperandType(Opcode, Type),
}

impl DataFlowGraph {
    /// An empty DFG.
    pub fn new() -> Self {
        Self::default()
    }

    // ---------------------------------------------------------------- blocks

    /// Creates a block with no parameters (not yet in the layout).
    pub fn make_block(&mut self) -> Block {
        self.blocks.push(BlockData::default())
    }

    /// Number of blocks ever created.
    pub fn num_blocks(&self) -> usize {
        self.blocks.len()
    }

    /// Is `block` a valid block reference?
    pub fn block_is_valid(&self, block: Block) -> bool {
        self.blocks.is_valid(block)
    }

    /// Appends a parameter of type `ty` to `block`.
    pub fn append_block_param(&mut self, block: Block, ty: Type) -> Value {
        let num = self.blocks[block].params.len(&self.value_lists);
        let v = self.values.push(ValueData { ty, def: ValueDef::Param(block, num) });
        self.blocks[block].params.push(v, &mut self.value_lists);
        v
    }

    /// Appends an existing detached value as a parameter of `block`
    /// (used by the parser to keep value numbers).
    pub fn attach_block_param(&mut self, block: Block, v: Value) {
        let num = self.blocks[block].params.len(&self.value_lists);
        self.values[v].def = ValueDef::Param(block, num);
        self.blocks[block].params.push(v, &mut self.value_lists);
    }

    /// Removes parameter `index` of `block`; the value becomes detached.
    pub fn remove_block_param(&mut self, block: Block, index: usize) -> Value {
        let v = self.blocks[block].params.as_slice(&self.value_lists)[index];
        self.blocks[block].params.remove(index, &mut self.value_lists);
        self.values[v].def = ValueDef::Detached;
        let params = self.block_params(block).to_vec();
        for (i, p) in params.into_iter().enumerate().skip(index) {
            self.values[p].def = ValueDef::Param(block, i);
        }
        v
    }

    /// The parameters of `block`.
    pub fn block_params(&self, block: Block) -> &[Value] {
        self.blocks[block].params.as_slice(&self.value_lists)
    }

    /// The types of `block`'s parameters.
    pub fn block_param_types(&self, block: Block) -> Vec<Type> {
        self.block_params(block).iter().map(|&v| self.value_type(v)).collect()
    }

    // ---------------------------------------------------------------- values

    /// Number of values ever created.
    pub fn num_values(&self) -> usize {
        self.values.len()
    }

    /// Is `v` a valid value reference?
    pub fn value_is_valid(&self, v: Value) -> bool {
        self.values.is_valid(v)
    }

    /// Creates a detached value of type `ty` (the parser uses this to keep
    /// value numbers; attach it with [`Self::attach_block_param`] or
    /// [`Self::attach_result`]).
    pub fn make_detached_value(&mut self, ty: Type) -> Value {
        self.values.push(ValueData { ty, def: ValueDef::Detached })
    }

    /// Sets the type of a detached value.
    pub fn set_value_type(&mut self, v: Value, ty: Type) {
        self.values[v].ty = ty;
    }

    /// The type of a value.
    pub fn value_type(&self, v: Value) -> Type {
        self.values[v].ty
    }

    /// Where a value comes from (aliases are not resolved).
    pub fn value_def(&self, v: Value) -> ValueDef {
        self.values[v].def
    }

    /// Follows aliases to the value that is actually defined.
    pub fn resolve_aliases(&self, mut v: Value) -> Value {
        let mut steps = 0usize;
        while let ValueDef::Alias(to) = self.values[v].def {
            v = to;
            steps += 1;
            assert!(steps <= self.values.len(), "alias cycle at {v}");
        }
        v
    }

    /// Makes `dest` an alias of `src`: every use of `dest` now means `src`.
    /// This is how "replace all uses" is done in O(1); [`Self::resolve_all_aliases`]
    /// rewrites operands afterwards. `dest` is detached from its definition.
    ///
    /// Panics if the types differ or if `src` resolves to `dest` (a cycle).
    pub fn change_to_alias(&mut self, dest: Value, src: Value) {
        let resolved = self.resolve_aliases(src);
        assert_ne!(resolved, dest, "aliasing {dest} to itself");
        assert_eq!(self.value_type(dest), self.value_type(resolved), "alias of {dest} to {src} changes its type");
        self.values[dest].def = ValueDef::Alias(resolved);
    }

    /// Rewrites every operand and block-call argument to its resolved value.
    pub fn resolve_all_aliases(&mut self) {
        let insts: Vec<Inst> = self.insts.keys().collect();
        for inst in insts {
            self.map_inst_values(inst, |dfg, v| dfg.resolve_aliases(v));
        }
    }

    /// The instruction that defines `v` (after resolving aliases), if any.
    pub fn value_inst(&self, v: Value) -> Option<Inst> {
        match self.values[self.resolve_aliases(v)].def {
            ValueDef::Result(inst, _) => Some(inst),
            _ => None,
        }
    }

    // ---------------------------------------------------------- instructions

    /// Creates an instruction (not in the layout, no results yet).
    pub fn make_inst(&mut self, data: InstructionData) -> Inst {
        let inst = self.insts.push(data);
        self.results[inst] = ValueList::new();
        inst
    }

    /// Number of instructions ever created (removed ones included; the
    /// instructions in the layout are [`crate::Function::num_layout_insts`]).
    pub fn num_insts_created(&self) -> usize {
        self.insts.len()
    }

    /// Makes an `Op` instruction from an opcode, operands and immediate.
    pub fn make_op(&mut self, opcode: Opcode, args: &[Value], imm: Imm) -> Inst {
        let args = ValueList::from_slice(args, &mut self.value_lists);
        self.make_inst(InstructionData::Op { opcode, args, imm })
    }

    /// Makes a `jump`.
    pub fn make_jump(&mut self, block: Block, args: &[Value]) -> Inst {
        let dest = BlockCall::new(block, args, &mut self.value_lists);
        self.make_inst(InstructionData::Jump { dest })
    }

    /// Makes a `brif`.
    pub fn make_brif(
        &mut self,
        cond: Value,
        then_block: Block,
        then_args: &[Value],
        else_block: Block,
        else_args: &[Value],
    ) -> Inst {
        let then_dest = BlockCall::new(then_block, then_args, &mut self.value_lists);
        let else_dest = BlockCall::new(else_block, else_args, &mut self.value_lists);
        self.make_inst(InstructionData::Brif { cond, then_dest, else_dest })
    }

    /// Makes a `br_table` from a default and targets (block, args).
    pub fn make_br_table(&mut self, index: Value, default: (Block, &[Value]), targets: &[(Block, Vec<Value>)]) -> Inst {
        let default = BlockCall::new(default.0, default.1, &mut self.value_lists);
        let targets = targets.iter().map(|(b, a)| BlockCall::new(*b, a, &mut self.value_lists)).collect();
        let table = self.jump_tables.push(JumpTableData { default, targets });
        self.make_inst(InstructionData::BrTable { index, table })
    }

    /// The operands of an instruction (for `brif`/`br_table`, the condition
    /// or index only; block-call arguments are in [`Self::branch_destinations`]).
    pub fn inst_args(&self, inst: Inst) -> &[Value] {
        match &self.insts[inst] {
            InstructionData::Op { args, .. } => args.as_slice(&self.value_lists),
            InstructionData::Jump { .. } => &[],
            InstructionData::Brif { cond, .. } => core::slice::from_ref(cond),
            InstructionData::BrTable { index, .. } => core::slice::from_ref(index),
        }
    }

    /// The branch destinations of an instruction, in *slot* order: `jump`
    /// has slot 0; `brif` has 0 (then) and 1 (else); `br_table` has 0 (the
    /// default) and `i + 1` (target `i`). Empty for non-branches and for a
    /// `br_table` whose jump table does not exist.
    pub fn branch_destinations(&self, inst: Inst) -> impl Iterator<Item = &BlockCall> {
        let (a, b, t): (Option<&BlockCall>, Option<&BlockCall>, Option<&JumpTableData>) = match &self.insts[inst] {
            InstructionData::Jump { dest } => (Some(dest), None, None),
            InstructionData::Brif { then_dest, else_dest, .. } => (Some(then_dest), Some(else_dest), None),
            InstructionData::BrTable { table, .. } => (None, None, self.jump_tables.get(*table)),
            InstructionData::Op { .. } => (None, None, None),
        };
        a.into_iter().chain(b).chain(t.into_iter().flat_map(|t| t.all()))
    }

    /// The branch destinations of an instruction, mutably, in slot order
    /// (see [`Self::branch_destinations`]): an edge is edited through its
    /// slot without matching on the kind of branch.
    pub fn branch_destinations_mut(&mut self, inst: Inst) -> impl Iterator<Item = &mut BlockCall> {
        let DataFlowGraph { insts, jump_tables, .. } = self;
        let (a, b, t): (Option<&mut BlockCall>, Option<&mut BlockCall>, Option<&mut JumpTableData>) =
            match &mut insts[inst] {
                InstructionData::Jump { dest } => (Some(dest), None, None),
                InstructionData::Brif { then_dest, else_dest, .. } => (Some(then_dest), Some(else_dest), None),
                InstructionData::BrTable { table, .. } => (None, None, jump_tables.get_mut(*table)),
                InstructionData::Op { .. } => (None, None, None),
            };
        a.into_iter().chain(b).chain(t.into_iter().flat_map(|t| t.all_mut()))
    }

    /// Destination `slot` of branch `inst` (see [`Self::branch_destinations`]).
    pub fn branch_destination(&self, inst: Inst, slot: usize) -> Option<&BlockCall> {
        self.branch_destinations(inst).nth(slot)
    }

    /// Destination `slot` of branch `inst`, mutably.
    pub fn branch_destination_mut(&mut self, inst: Inst, slot: usize) -> Option<&mut BlockCall> {
        self.branch_destinations_mut(inst).nth(slot)
    }

    /// The number of destinations (slots) of `inst`: 0 for a non-branch.
    pub fn num_branch_destinations(&self, inst: Inst) -> usize {
        self.branch_destinations(inst).count()
    }

    /// Arguments of a block call.
    pub fn block_call_args(&self, call: &BlockCall) -> &[Value] {
        call.args.as_slice(&self.value_lists)
    }

    /// Every value an instruction uses: operands, then block-call arguments.
    pub fn inst_values(&self, inst: Inst) -> Vec<Value> {
        let mut out = self.inst_args(inst).to_vec();
        for call in self.branch_destinations(inst) {
            out.extend_from_slice(call.args.as_slice(&self.value_lists));
        }
        out
    }

    /// Rewrites every value an instruction uses (operands and block-call
    /// arguments) through `f`.
    pub fn map_inst_values(&mut self, inst: Inst, mut f: impl FnMut(&Self, Value) -> Value) {
        let mut data = self.insts[inst].clone();
        match &mut data {
            InstructionData::Op { args, .. } => self.map_list(args, &mut f),
            InstructionData::Jump { dest } => self.map_list(&mut dest.args, &mut f),
            InstructionData::Brif { cond, then_dest, else_dest } => {
                *cond = f(self, *cond);
                self.map_list(&mut then_dest.args, &mut f);
                self.map_list(&mut else_dest.args, &mut f);
            }
            InstructionData::BrTable { index, table } => {
                *index = f(self, *index);
                let mut jt = self.jump_tables[*table].clone();
                for call in jt.all_mut() {
                    self.map_list(&mut call.args, &mut f);
                }
                self.jump_tables[*table] = jt;
            }
        }
        self.insts[inst] = data;
    }

    fn map_list(&mut self, list: &mut ValueList, f: &mut impl FnMut(&Self, Value) -> Value) {
        let vals: Vec<Value> = list.as_slice(&self.value_lists).to_vec();
        let mapped: Vec<Value> = vals.iter().map(|&v| f(self, v)).collect();
        if mapped != vals {
            list.as_mut_slice(&mut self.value_lists).copy_from_slice(&mapped);
        }
    }

    /// The results of an instruction.
    pub fn inst_results(&self, inst: Inst) -> &[Value] {
        self.results[inst].as_slice(&self.value_lists)
    }

    /// The first result of an instruction. Panics if it has none.
    pub fn first_result(&self, inst: Inst) -> Value {
        self.inst_results(inst)[0]
    }

    /// Appends a new result of type `ty` to `inst`.
    pub fn append_result(&mut self, inst: Inst, ty: Type) -> Value {
        let num = self.results[inst].len(&self.value_lists);
        let v = self.values.push(ValueData { ty, def: ValueDef::Result(inst, num) });
        self.results[inst].push(v, &mut self.value_lists);
        v
    }

    /// Attaches an existing detached value as the next result of `inst`.
    pub fn attach_result(&mut self, inst: Inst, v: Value) {
        let num = self.results[inst].len(&self.value_lists);
        self.values[v].def = ValueDef::Result(inst, num);
        self.results[inst].push(v, &mut self.value_lists);
    }

    /// Detaches and forgets the results of `inst` (they become detached values).
    pub fn clear_results(&mut self, inst: Inst) {
        for v in self.inst_results(inst).to_vec() {
            self.values[v].def = ValueDef::Detached;
        }
        self.results[inst].clear(&mut self.value_lists);
    }

    /// Creates results for `inst` from its computed result types.
    pub fn make_inst_results(&mut self, inst: Inst) -> Result<usize, ResultTypeError> {
        let tys = self.result_types(inst)?;
        for ty in &tys {
            self.append_result(inst, *ty);
        }
        Ok(tys.len())
    }

    /// The result types of `inst`, computed from the opcode table, the
    /// immediate, the declarations and (for `select`) the operand types.
    pub fn result_types(&self, inst: Inst) -> Result<Vec<Type>, ResultTypeError> {
        let data = &self.insts[inst];
        let opcode = data.opcode();
        if let OpSig::Fixed(_, results) = opcode.sig() {
            return Ok(results.to_vec());
        }
        let args = self.inst_args(inst);
        let undeclared = |what: String| ResultTypeError::Undeclared(what);
        Ok(match (opcode, data.imm()) {
            (Opcode::Jump | Opcode::Brif | Opcode::BrTable | Opcode::Return, _) => vec![],
            (Opcode::ReturnCall | Opcode::ReturnCallIndirect | Opcode::GlobalSet, _) => vec![],
            (Opcode::Call, Imm::Func(f)) => {
                self.decls.funcs.get(&f).ok_or_else(|| undeclared(f.to_string()))?.sig.results.clone()
            }
            (Opcode::CallIndirect, Imm::SigTable(s, _)) => {
                self.decls.sigs.get(&s).ok_or_else(|| undeclared(s.to_string()))?.results.clone()
            }
            (Opcode::Select, _) => {
                let a = *args.first().ok_or(ResultTypeError::MissingOperand(opcode))?;
                vec![self.value_type(a)]
            }
            (Opcode::GlobalGet, Imm::Global(g)) => {
                vec![self.decls.globals.get(&g).ok_or_else(|| undeclared(g.to_string()))?.ty]
            }
            (Opcode::RefNull, Imm::RefType(t)) => {
                if !t.is_ref() {
                    return Err(ResultTypeError::BadImmediate(opcode));
                }
                vec![t]
            }
            (Opcode::RefIsNull, _) => vec![Type::I32],
            (Opcode::TableGet, Imm::Table(t)) => {
                vec![self.decls.tables.get(&t).ok_or_else(|| undeclared(t.to_string()))?.elem]
            }
            (Opcode::TableSet | Opcode::TableFill, Imm::Table(t)) => {
                self.decls.tables.get(&t).ok_or_else(|| undeclared(t.to_string()))?;
                vec![]
            }
            (Opcode::TableGrow, Imm::Table(t)) => {
                self.decls.tables.get(&t).ok_or_else(|| undeclared(t.to_string()))?;
                vec![Type::I32]
            }
            _ => return Err(ResultTypeError::BadImmediate(opcode)),
        })
    }

    /// Replaces what `inst` is, keeping its results (their number and types
    /// must stay the same; the verifier checks).
    pub fn replace_inst_data(&mut self, inst: Inst, data: InstructionData) {
        self.insts[inst] = data;
    }

    /// Makes every result of `inst` an alias of the corresponding value of
    /// `with`, so `inst` can be removed.
    pub fn replace_results_with(&mut self, inst: Inst, with: &[Value]) {
        let results = self.inst_results(inst).to_vec();
        assert_eq!(results.len(), with.len(), "replacing {} results with {}", results.len(), with.len());
        for (r, w) in results.into_iter().zip(with) {
            self.change_to_alias(r, *w);
        }
        self.results[inst].clear(&mut self.value_lists);
    }

    /// The constant value of `v` if it is defined by `i32.const`/`i64.const`
    /// (as i64, sign-extended).
    pub fn int_const(&self, v: Value) -> Option<i64> {
        let inst = self.value_inst(v)?;
        match self.insts[inst] {
            InstructionData::Op { opcode: Opcode::I32Const, imm: Imm::I32(x), .. } => Some(i64::from(x)),
            InstructionData::Op { opcode: Opcode::I64Const, imm: Imm::I64(x), .. } => Some(x),
            _ => None,
        }
    }
}

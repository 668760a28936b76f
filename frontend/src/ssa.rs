//! SSA construction by Braun et al., "Simple and Efficient Construction of
//! SSA Form" (CC 2013), with block parameters instead of φ-functions.
//!
//! Variables (wasm locals) are numbered `0..n`. Each block keeps the current
//! definition of every variable written in it; a read looks the definition up
//! in the block, else in its single predecessor, else creates a block
//! parameter and fills in the argument of every predecessor's branch. A block
//! that may still get predecessors is *unsealed*: reads there create
//! *incomplete* parameters whose arguments are added when the block is
//! sealed. A parameter whose incoming arguments are all one value (or the
//! parameter itself) is *trivial*: it becomes an alias of that value and is
//! removed from the block and from every branch to it, and the parameters it
//! fed are checked again.
//!
//! The work is done with explicit stacks, never recursion, so long chains of
//! blocks cannot overflow the native stack. Each read or parameter visit does
//! work proportional to the predecessors it touches.
//!
//! This module also knows how to make the zero value that declared locals
//! start with (wasm zero-initializes them): it is created on the first read
//! that reaches the entry block, at the top of the entry block.

use core::hash::{BuildHasherDefault, Hasher};
use std::collections::HashMap;
use weft_ir::{
    Block, DataFlowGraph, Function, Ieee32, Ieee64, Imm, Inst, InstructionData, Opcode, Type, V128Imm, Value, ValueDef,
    ValueList, ValueListPool,
};

use cranelift_entity::SecondaryMap;

/// A 64-bit multiplicative hasher for the builder's lookup tables (keys are
/// small integers; the tables are only looked up, never iterated, so the
/// order never reaches the output).
#[derive(Default, Clone, Copy)]
pub struct FxHasher(u64);

impl Hasher for FxHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// One step of a variable lookup (see [`SsaBuilder::read_variable`]).
enum Task {
    /// Find the value of `var` at the end of `block`; pushes one result.
    Read { var: u32, block: Block },
    /// All predecessors of `block` have been read for `param` (their values
    /// are the top `preds` results): add the arguments, remove the parameter
    /// if trivial, record the value for the `chain_len` blocks walked on the
    /// way, and push it as the result.
    Finish { var: u32, block: Block, param: Value, chain_len: usize },
}

/// The state of Braun et al.'s algorithm for one function.
pub struct SsaBuilder {
    entry: Block,
    var_types: Vec<Type>,
    /// The current definition of a variable at the end of a block.
    defs: FxMap<(Block, u32), Value>,
    sealed: SecondaryMap<Block, bool>,
    /// Parameters created in unsealed blocks, with their variables.
    incomplete: SecondaryMap<Block, Vec<(u32, Value)>>,
    /// Predecessors: (block, branch instruction), one entry per instruction
    /// even when it targets the block more than once.
    preds: SecondaryMap<Block, Vec<(Block, Inst)>>,
    /// For a block parameter `p`, the parameters that received `p` as an
    /// argument (to re-check them when `p` is removed).
    users: FxMap<Value, Vec<Value>>,
    /// The last zero-initializer inserted at the top of the entry block.
    zero_anchor: Option<Inst>,
    /// The zero of each type made so far (shared by all locals of the type).
    zeros: Vec<(Type, Value)>,
    tasks: Vec<Task>,
    results: Vec<Value>,
    chain: Vec<Block>,
}

impl SsaBuilder {
    /// A builder for a function whose entry block is `entry` (sealed: it
    /// never has predecessors) and whose variables have `var_types`.
    pub fn new(entry: Block, var_types: Vec<Type>) -> Self {
        let mut sealed = SecondaryMap::new();
        sealed[entry] = true;
        SsaBuilder {
            entry,
            var_types,
            defs: FxMap::default(),
            sealed,
            incomplete: SecondaryMap::new(),
            preds: SecondaryMap::new(),
            users: FxMap::default(),
            zero_anchor: None,
            zeros: Vec::new(),
            tasks: Vec::new(),
            results: Vec::new(),
            chain: Vec::new(),
        }
    }

    /// Is `block` sealed (all its predecessors known)?
    pub fn is_sealed(&self, block: Block) -> bool {
        self.sealed[block]
    }

    /// The predecessors of `block`: (block, branch instruction).
    pub fn preds(&self, block: Block) -> &[(Block, Inst)] {
        &self.preds[block]
    }

    /// Records that `var` is `value` at the current end of `block`.
    pub fn write_variable(&mut self, var: u32, block: Block, value: Value) {
        self.defs.insert((block, var), value);
    }

    /// Records that branch `inst` at the end of `from` targets `block` (with
    /// the arguments it already carries). Call once per (instruction, target).
    pub fn add_pred(&mut self, func: &mut Function, block: Block, from: Block, inst: Inst) -> Result<(), String> {
        if self.sealed[block] {
            return Err(format!("branch {inst} to {block}, which is already sealed"));
        }
        if self.preds[block].last() == Some(&(from, inst)) {
            return Ok(());
        }
        self.preds[block].push((from, inst));
        let params = func.dfg.block_params(block).to_vec();
        for args in call_args(&func.dfg, inst, block) {
            for (&p, &a) in params.iter().zip(args.as_slice(&func.dfg.value_lists)) {
                self.note_use(&func.dfg, a, p);
            }
        }
        Ok(())
    }

    /// The value of `var` at the current end of `block`.
    pub fn read_variable(&mut self, func: &mut Function, var: u32, block: Block) -> Result<Value, String> {
        if let Some(&v) = self.defs.get(&(block, var)) {
            return Ok(func.dfg.resolve_aliases(v));
        }
        self.tasks.push(Task::Read { var, block });
        self.run(func)?;
        let v = self.results.pop().ok_or("variable lookup produced no value")?;
        Ok(func.dfg.resolve_aliases(v))
    }

    /// Seals `block`: its predecessors are now all known. Fills in the
    /// arguments of its incomplete parameters and removes the trivial ones
    /// (including trivial parameters the block was created with).
    pub fn seal_block(&mut self, func: &mut Function, block: Block) -> Result<(), String> {
        if self.sealed[block] {
            return Ok(());
        }
        self.sealed[block] = true;
        let incomplete = core::mem::take(&mut self.incomplete[block]);
        for (var, param) in incomplete {
            if !matches!(func.dfg.value_def(param), ValueDef::Param(..)) {
                continue;
            }
            let n = self.preds[block].len();
            for i in (0..n).rev() {
                let pred = self.preds[block][i].0;
                self.tasks.push(Task::Read { var, block: pred });
            }
            self.run(func)?;
            let args = self.results.split_off(self.results.len() - n);
            self.append_args(func, block, param, &args)?;
            self.remove_trivial(func, param)?;
        }
        for param in func.dfg.block_params(block).to_vec() {
            self.remove_trivial(func, param)?;
        }
        Ok(())
    }

    fn var_type(&self, var: u32) -> Result<Type, String> {
        self.var_types.get(var as usize).copied().ok_or_else(|| format!("no local {var}"))
    }

    /// Runs the task stack to completion.
    fn run(&mut self, func: &mut Function) -> Result<(), String> {
        while let Some(task) = self.tasks.pop() {
            match task {
                Task::Read { var, block } => {
                    let chain_start = self.chain.len();
                    let mut b = block;
                    let found = loop {
                        if let Some(&v) = self.defs.get(&(b, var)) {
                            break Some(v);
                        }
                        let ty = self.var_type(var)?;
                        if !self.sealed[b] {
                            let p = func.dfg.append_block_param(b, ty);
                            self.incomplete[b].push((var, p));
                            self.defs.insert((b, var), p);
                            break Some(p);
                        }
                        match self.preds[b].len() {
                            0 if b == self.entry => {
                                let z = self.zero_value(func, ty)?;
                                self.defs.insert((b, var), z);
                                break Some(z);
                            }
                            0 => return Err(format!("local {var} read in {b}, which has no predecessors")),
                            1 => {
                                self.chain.push(b);
                                b = self.preds[b][0].0;
                            }
                            n => {
                                let p = func.dfg.append_block_param(b, ty);
                                self.defs.insert((b, var), p);
                                let chain_len = self.chain.len() - chain_start;
                                self.tasks.push(Task::Finish { var, block: b, param: p, chain_len });
                                for i in (0..n).rev() {
                                    let pred = self.preds[b][i].0;
                                    self.tasks.push(Task::Read { var, block: pred });
                                }
                                break None;
                            }
                        }
                    };
                    if let Some(v) = found {
                        for c in self.chain.drain(chain_start..) {
                            self.defs.insert((c, var), v);
                        }
                        self.results.push(v);
                    }
                }
                Task::Finish { var, block, param, chain_len } => {
                    let n = self.preds[block].len();
                    if self.results.len() < n || self.chain.len() < chain_len {
                        return Err("variable lookup lost track of its predecessors".into());
                    }
                    let args = self.results.split_off(self.results.len() - n);
                    self.append_args(func, block, param, &args)?;
                    let v = self.remove_trivial(func, param)?;
                    let start = self.chain.len() - chain_len;
                    for c in self.chain.drain(start..) {
                        self.defs.insert((c, var), v);
                    }
                    self.results.push(v);
                }
            }
        }
        Ok(())
    }

    /// Appends `args[i]` to every branch of predecessor `i` into `block`, for
    /// `param` (which must be the last parameter that has arguments).
    fn append_args(&mut self, func: &mut Function, block: Block, param: Value, args: &[Value]) -> Result<(), String> {
        for (i, &arg) in args.iter().enumerate() {
            let Some(&(_, inst)) = self.preds[block].get(i) else {
                return Err(format!("more arguments than predecessors of {block}"));
            };
            let arg = func.dfg.resolve_aliases(arg);
            let dfg = &mut func.dfg;
            let mut count = 0;
            for_each_call_to(dfg, inst, block, |list, pool| {
                list.push(arg, pool);
                count += 1;
            });
            if count == 0 {
                return Err(format!("{inst} is recorded as a predecessor of {block} but does not branch there"));
            }
            self.note_use(&func.dfg, arg, param);
        }
        Ok(())
    }

    /// Remembers that `param` receives `arg`, if `arg` is a block parameter.
    fn note_use(&mut self, dfg: &DataFlowGraph, arg: Value, param: Value) {
        let arg = dfg.resolve_aliases(arg);
        if arg != param && matches!(dfg.value_def(arg), ValueDef::Param(..)) {
            self.users.entry(arg).or_default().push(param);
        }
    }

    /// Removes `param` if it is trivial, then re-checks the parameters it fed;
    /// returns what `param` now stands for.
    fn remove_trivial(&mut self, func: &mut Function, param: Value) -> Result<Value, String> {
        let mut work = vec![param];
        while let Some(p) = work.pop() {
            let ValueDef::Param(block, idx) = func.dfg.value_def(p) else { continue };
            if !self.sealed[block] {
                continue;
            }
            let Some(same) = self.trivial_value(&func.dfg, block, idx, p) else { continue };
            if func.dfg.value_type(same) != func.dfg.value_type(p) {
                return Err(format!("{p} in {block} receives {same} of another type"));
            }
            for &(_, inst) in &self.preds[block] {
                for_each_call_to(&mut func.dfg, inst, block, |list, pool| {
                    list.remove(idx, pool);
                });
            }
            func.dfg.remove_block_param(block, idx);
            func.dfg.change_to_alias(p, same);
            if let Some(users) = self.users.remove(&p) {
                if matches!(func.dfg.value_def(same), ValueDef::Param(..)) {
                    self.users.entry(same).or_default().extend(users.iter().copied().filter(|&u| u != same));
                }
                work.extend(users);
            }
        }
        Ok(func.dfg.resolve_aliases(param))
    }

    /// If every argument of parameter `idx` of `block` is one value (or `p`
    /// itself), that value. `None` if the arguments differ, if some are not
    /// there yet, or if there are none but `p`.
    fn trivial_value(&self, dfg: &DataFlowGraph, block: Block, idx: usize, p: Value) -> Option<Value> {
        let mut same = None;
        for &(_, inst) in &self.preds[block] {
            for call in dfg.branch_destinations(inst).filter(|c| c.block == block) {
                let a = dfg.resolve_aliases(*dfg.block_call_args(call).get(idx)?);
                if a == p || Some(a) == same {
                    continue;
                }
                if same.is_some() {
                    return None;
                }
                same = Some(a);
            }
        }
        same
    }

    /// The zero of `ty`, made at the top of the entry block on first use.
    fn zero_value(&mut self, func: &mut Function, ty: Type) -> Result<Value, String> {
        if let Some(&(_, v)) = self.zeros.iter().find(|(t, _)| *t == ty) {
            return Ok(v);
        }
        let (opcode, imm) = match ty {
            Type::I32 => (Opcode::I32Const, Imm::I32(0)),
            Type::I64 => (Opcode::I64Const, Imm::I64(0)),
            Type::F32 => (Opcode::F32Const, Imm::F32(Ieee32(0))),
            Type::F64 => (Opcode::F64Const, Imm::F64(Ieee64(0))),
            Type::V128 => (Opcode::V128Const, Imm::V128(V128Imm([0; 16]))),
            Type::FuncRef | Type::ExternRef => (Opcode::RefNull, Imm::RefType(ty)),
        };
        let inst = func.dfg.make_op(opcode, &[], imm);
        func.dfg.make_inst_results(inst).map_err(|e| e.to_string())?;
        let entry = self.entry;
        let before = match self.zero_anchor {
            Some(anchor) => func.layout.next_inst(anchor),
            None => func.layout.first_inst(entry),
        };
        match before {
            Some(b) => func.layout.insert_inst(inst, b),
            None => func.layout.append_inst(inst, entry),
        }
        self.zero_anchor = Some(inst);
        let v = func.dfg.first_result(inst);
        self.zeros.push((ty, v));
        Ok(v)
    }
}

/// The argument lists of the block calls of `inst` that target `block`.
fn call_args(dfg: &DataFlowGraph, inst: Inst, block: Block) -> Vec<ValueList> {
    dfg.branch_destinations(inst).filter(|c| c.block == block).map(|c| c.args).collect()
}

/// Runs `f` on the argument list of every block call of `inst` that targets
/// `block`.
fn for_each_call_to(
    dfg: &mut DataFlowGraph,
    inst: Inst,
    block: Block,
    mut f: impl FnMut(&mut ValueList, &mut ValueListPool),
) {
    let pool = &mut dfg.value_lists;
    match &mut dfg.insts[inst] {
        InstructionData::Jump { dest } => {
            if dest.block == block {
                f(&mut dest.args, pool);
            }
        }
        InstructionData::Brif { then_dest, else_dest, .. } => {
            for d in [then_dest, else_dest] {
                if d.block == block {
                    f(&mut d.args, pool);
                }
            }
        }
        InstructionData::BrTable { table, .. } => {
            for d in dfg.jump_tables[*table].all_mut() {
                if d.block == block {
                    f(&mut d.args, pool);
                }
            }
        }
        InstructionData::Op { .. } => {}
    }
}

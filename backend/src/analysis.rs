//! What the backend knows about one function before it emits anything: the
//! reachable blocks in reverse postorder, every CFG edge with its
//! (alias-resolved) arguments, loop headers and merge nodes, reducibility,
//! which instructions and values the output needs, use counts, and how each
//! value travels ([`Kind`]: a local, the operand stack, `local.tee`, or a
//! constant rematerialized at each use).
//!
//! The "needed" marking is a small mark-and-sweep: every instruction with an
//! effect (terminators, stores, calls, traps) is needed, and so is whatever
//! computes a needed value; a block parameter is needed only if it is used,
//! and then the matching argument of every incoming edge is needed. A pure
//! instruction that is not needed is not emitted, and an unneeded parameter
//! gets no local and no copies.
//!
//! Malformed IR is reported here, before anything is emitted: a block
//! without a terminator, a terminator in the middle of a block, an argument
//! list that does not match the target's parameters, a use that its
//! definition does not dominate, an irreducible CFG.

use crate::BackendError;
use cranelift_entity::SecondaryMap;
use weft_ir::{Block, ControlFlowGraph, DominatorTree, Function, Inst, InstructionData, Type, Value, ValueDef};

/// How a value reaches its uses.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub(crate) enum Kind {
    /// Not used by anything the output keeps (an unused result is dropped).
    #[default]
    Unused,
    /// Stored in a wasm local after its definition, read with `local.get`.
    Local,
    /// Left on the operand stack for its single use.
    Stack,
    /// Left on the stack for the use at (`inst`, `operand`) with
    /// `local.tee`; the other uses read the local.
    Tee {
        /// The instruction whose operand gets the value from the stack.
        inst: Inst,
        /// The operand index in [`FuncInfo::operands`] of `inst`.
        operand: u32,
    },
    /// A constant re-emitted at each use; its definition emits nothing.
    Remat,
}

impl Kind {
    /// Does the value live in a wasm local?
    pub(crate) fn has_local(self) -> bool {
        matches!(self, Kind::Local | Kind::Tee { .. })
    }
}

/// Where one destination of a block's branch goes: the target block and
/// the arguments passed to its parameters.
#[derive(Clone, Debug)]
pub(crate) struct BranchTarget {
    /// The target block.
    pub to: Block,
    /// Arguments, aliases resolved, one per target parameter.
    pub args: Vec<Value>,
}

/// Per-function facts; see the module docs.
pub(crate) struct FuncInfo<'f> {
    /// The function.
    pub func: &'f Function,
    /// Its dominator tree (reachable blocks only).
    pub domtree: DominatorTree,
    /// Reachable blocks in reverse postorder; `rpo[0]` is the entry.
    pub rpo: Vec<Block>,
    /// The terminator of each reachable block.
    pub term: SecondaryMap<Block, Option<Inst>>,
    /// Outgoing edges of each reachable block, in branch order (`brif`:
    /// then, else; `br_table`: default, then the table).
    pub edges: SecondaryMap<Block, Vec<BranchTarget>>,
    /// Distinct CFG successors of each reachable block.
    pub succs: SecondaryMap<Block, Vec<Block>>,
    /// Distinct reachable CFG predecessors of each reachable block.
    pub preds: SecondaryMap<Block, Vec<Block>>,
    /// Blocks with two or more forward in-edges (counted with repeats).
    pub merge: SecondaryMap<Block, bool>,
    /// Targets of back edges.
    pub loop_header: SecondaryMap<Block, bool>,
    /// Instructions the output keeps.
    pub needed_inst: SecondaryMap<Inst, bool>,
    /// Values the output needs.
    pub needed_value: SecondaryMap<Value, bool>,
    /// Stack operands of each kept instruction, in push order, aliases
    /// resolved. For `jump`, the arguments of the target's needed
    /// parameters; for `brif`/`br_table`, the condition or index.
    pub operands: SecondaryMap<Inst, Vec<Value>>,
    /// For `jump`: the parameters the operands are copied to.
    pub jump_params: SecondaryMap<Inst, Vec<Value>>,
    /// Number of uses by kept instructions and needed edge arguments.
    pub uses: SecondaryMap<Value, u32>,
    /// How each value travels.
    pub kind: SecondaryMap<Value, Kind>,
    /// Kept instructions of each reachable block in layout order, without
    /// rematerialized constants.
    pub insts: SecondaryMap<Block, Vec<Inst>>,
}

/// Follows aliases without panicking on invalid values.
fn resolve(func: &Function, mut v: Value) -> Option<Value> {
    let dfg = &func.dfg;
    for _ in 0..=dfg.num_values() {
        if !dfg.value_is_valid(v) {
            return None;
        }
        match dfg.value_def(v) {
            ValueDef::Alias(to) => v = to,
            _ => return Some(v),
        }
    }
    None
}

/// A description of `inst` for error messages that never panics: the
/// printed instruction when every entity it names is valid.
pub(crate) fn describe_inst(func: &Function, inst: Inst) -> String {
    let dfg = &func.dfg;
    if !dfg.insts.is_valid(inst) {
        return inst.to_string();
    }
    let tables_ok = match &dfg.insts[inst] {
        InstructionData::BrTable { table, .. } => dfg.jump_tables.is_valid(*table),
        _ => true,
    };
    let values_ok =
        tables_ok && dfg.inst_values(inst).iter().chain(dfg.inst_results(inst)).all(|&v| resolve(func, v).is_some());
    if values_ok {
        format!("{inst}: {}", weft_ir::write::inst_to_string(func, inst))
    } else {
        format!("{inst}: {}", dfg.insts[inst].opcode())
    }
}

impl<'f> FuncInfo<'f> {
    /// Computes every fact, or says what is malformed.
    pub(crate) fn compute(func: &'f Function) -> Result<Self, BackendError> {
        let malformed =
            |location: String, message: String| BackendError::Malformed { func: func.name.clone(), location, message };
        let dfg = &func.dfg;
        let entry = func.layout.entry_block().ok_or_else(|| malformed("function".into(), "has no blocks".into()))?;
        let entry_types: Vec<Type> = dfg.block_params(entry).iter().map(|&v| dfg.value_type(v)).collect();
        if entry_types != func.sig.params {
            return Err(malformed(
                entry.to_string(),
                format!("entry block parameters {entry_types:?} do not match the signature {}", func.sig),
            ));
        }

        let cfg = ControlFlowGraph::with_function(func);
        let domtree = DominatorTree::with_function(func, &cfg);
        let rpo: Vec<Block> = domtree.rpo().collect();
        let rpo_num = |b: Block| domtree.rpo_number(b).unwrap_or(0);

        let mut info = FuncInfo {
            func,
            rpo: rpo.clone(),
            term: SecondaryMap::new(),
            edges: SecondaryMap::new(),
            succs: SecondaryMap::new(),
            preds: SecondaryMap::new(),
            merge: SecondaryMap::new(),
            loop_header: SecondaryMap::new(),
            needed_inst: SecondaryMap::new(),
            needed_value: SecondaryMap::new(),
            operands: SecondaryMap::new(),
            jump_params: SecondaryMap::new(),
            uses: SecondaryMap::new(),
            kind: SecondaryMap::new(),
            insts: SecondaryMap::new(),
            domtree: DominatorTree::new(),
        };

        // Terminators, edges, operands.
        let mut forward_in: SecondaryMap<Block, u32> = SecondaryMap::new();
        let mut in_edges: SecondaryMap<Block, Vec<(Block, usize)>> = SecondaryMap::new();
        let mut position: SecondaryMap<Inst, u32> = SecondaryMap::new();
        for &block in &rpo {
            let insts: Vec<Inst> = func.layout.block_insts(block).collect();
            let Some((&last, body)) = insts.split_last() else {
                return Err(malformed(block.to_string(), "is empty: it has no terminator".into()));
            };
            for (i, &inst) in insts.iter().enumerate() {
                position[inst] = i as u32;
                let mut ops = Vec::new();
                for &v in dfg.inst_args(inst) {
                    let r = resolve(func, v).ok_or_else(|| {
                        malformed(describe_inst(func, inst), format!("operand {v} is not a valid value"))
                    })?;
                    ops.push(r);
                }
                info.operands[inst] = ops;
            }
            if let Some(&inst) = body.iter().find(|&&i| dfg.insts[i].opcode().is_terminator()) {
                return Err(malformed(describe_inst(func, inst), "terminator in the middle of a block".into()));
            }
            if !dfg.insts[last].opcode().is_terminator() {
                return Err(malformed(block.to_string(), "does not end in a terminator".into()));
            }
            info.term[block] = Some(last);
            if let InstructionData::BrTable { table, .. } = &dfg.insts[last]
                && !dfg.jump_tables.is_valid(*table)
            {
                return Err(malformed(describe_inst(func, last), "names a jump table that does not exist".into()));
            }
            let mut edges = Vec::new();
            for call in dfg.branch_destinations(last) {
                let to = call.block;
                if !dfg.block_is_valid(to) || !func.layout.is_block_inserted(to) {
                    return Err(malformed(
                        describe_inst(func, last),
                        format!("branches to {to}, which is not in the layout"),
                    ));
                }
                let params = dfg.block_params(to);
                let raw_args = dfg.block_call_args(call);
                if raw_args.len() != params.len() {
                    return Err(malformed(
                        describe_inst(func, last),
                        format!("passes {} arguments to {to}, which has {} parameters", raw_args.len(), params.len()),
                    ));
                }
                let mut args = Vec::with_capacity(raw_args.len());
                for (&a, &p) in raw_args.iter().zip(params) {
                    let r = resolve(func, a).ok_or_else(|| {
                        malformed(describe_inst(func, last), format!("argument {a} is not a valid value"))
                    })?;
                    if dfg.value_type(r) != dfg.value_type(p) {
                        return Err(malformed(
                            describe_inst(func, last),
                            format!(
                                "argument {r}: {} does not match parameter {p}: {}",
                                dfg.value_type(r),
                                dfg.value_type(p)
                            ),
                        ));
                    }
                    args.push(r);
                }
                let index = edges.len();
                if rpo_num(to) <= rpo_num(block) {
                    if !domtree.dominates(to, block) {
                        return Err(BackendError::Irreducible { func: func.name.clone(), from: block, to });
                    }
                    info.loop_header[to] = true;
                } else {
                    forward_in[to] += 1;
                }
                in_edges[to].push((block, index));
                if !info.succs[block].contains(&to) {
                    info.succs[block].push(to);
                    info.preds[to].push(block);
                }
                edges.push(BranchTarget { to, args });
            }
            info.edges[block] = edges;
        }
        for &block in &rpo {
            info.merge[block] = forward_in[block] >= 2;
        }

        // Needed instructions and values.
        let mut work: Vec<Value> = Vec::new();
        let mark_inst = |info: &mut FuncInfo<'f>, work: &mut Vec<Value>, inst: Inst| {
            if !info.needed_inst[inst] {
                info.needed_inst[inst] = true;
                work.extend_from_slice(&info.operands[inst]);
            }
        };
        for &block in &rpo {
            for inst in func.layout.block_insts(block) {
                if !dfg.insts[inst].opcode().effects().is_pure() {
                    mark_inst(&mut info, &mut work, inst);
                }
            }
        }
        while let Some(v) = work.pop() {
            if info.needed_value[v] {
                continue;
            }
            info.needed_value[v] = true;
            match dfg.value_def(v) {
                ValueDef::Result(inst, _) => match func.layout.inst_block(inst) {
                    Some(b) if domtree.is_reachable(b) => mark_inst(&mut info, &mut work, inst),
                    _ => return Err(malformed(v.to_string(), "is used but defined outside the reachable code".into())),
                },
                ValueDef::Param(block, k) => {
                    if !domtree.is_reachable(block) || !func.layout.is_block_inserted(block) {
                        return Err(malformed(
                            v.to_string(),
                            "is used but is a parameter of an unreachable block".into(),
                        ));
                    }
                    for &(pred, e) in &in_edges[block] {
                        let arg = info.edges[pred][e].args.get(k).copied();
                        work.push(
                            arg.ok_or_else(|| malformed(v.to_string(), format!("is not parameter {k} of {block}")))?,
                        );
                    }
                }
                ValueDef::Alias(_) | ValueDef::Detached => {
                    return Err(malformed(v.to_string(), "is used but not defined".into()));
                }
            }
        }

        // Jump operands are the arguments of needed parameters.
        for &block in &rpo {
            let Some(term) = info.term[block] else { continue };
            if let InstructionData::Jump { .. } = dfg.insts[term] {
                let edge = &info.edges[block][0];
                let (mut ops, mut params) = (Vec::new(), Vec::new());
                for (&a, &p) in edge.args.iter().zip(dfg.block_params(edge.to)) {
                    if info.needed_value[p] {
                        ops.push(a);
                        params.push(p);
                    }
                }
                info.operands[term] = ops;
                info.jump_params[term] = params;
            }
        }

        // Dominance of every use, and use counts.
        for &block in &rpo {
            for inst in func.layout.block_insts(block) {
                if !info.needed_inst[inst] {
                    continue;
                }
                let mut used: Vec<Value> = info.operands[inst].clone();
                if matches!(dfg.insts[inst], InstructionData::Brif { .. } | InstructionData::BrTable { .. }) {
                    for edge in &info.edges[block] {
                        for (&a, &p) in edge.args.iter().zip(dfg.block_params(edge.to)) {
                            if info.needed_value[p] {
                                used.push(a);
                            }
                        }
                    }
                }
                for v in used {
                    let ok = match dfg.value_def(v) {
                        ValueDef::Result(def, _) => match func.layout.inst_block(def) {
                            Some(b) if b == block => position[def] < position[inst],
                            Some(b) => domtree.dominates(b, block),
                            None => false,
                        },
                        ValueDef::Param(b, _) => domtree.dominates(b, block),
                        ValueDef::Alias(_) | ValueDef::Detached => false,
                    };
                    if !ok {
                        return Err(malformed(
                            describe_inst(func, inst),
                            format!("use of {v} is not dominated by its definition"),
                        ));
                    }
                    info.uses[v] += 1;
                }
            }
        }

        // Kinds: locals by default, constants rematerialized when no larger.
        for &block in &rpo {
            for &p in dfg.block_params(block) {
                if info.needed_value[p] {
                    info.kind[p] = Kind::Local;
                }
            }
            let mut kept = Vec::new();
            for inst in func.layout.block_insts(block) {
                if !info.needed_inst[inst] {
                    continue;
                }
                let results = dfg.inst_results(inst);
                for &r in results {
                    info.kind[r] = if info.uses[r] > 0 { Kind::Local } else { Kind::Unused };
                }
                if let [r] = *results
                    && info.uses[r] > 0
                    && info.operands[inst].is_empty()
                    && dfg.insts[inst].opcode().effects().is_pure()
                {
                    let mut bytes = Vec::new();
                    let data = &dfg.insts[inst];
                    if weft_ir::encode::encode_op(data.opcode(), &data.imm(), None, &mut bytes).is_ok() {
                        let (size, uses) = (bytes.len() as u64, u64::from(info.uses[r]));
                        // `k` copies of the constant against one copy, a
                        // `local.tee` and `k - 1` two-byte `local.get`s.
                        if (uses - 1) * size <= 2 * uses {
                            info.kind[r] = Kind::Remat;
                            continue;
                        }
                    }
                }
                kept.push(inst);
            }
            info.insts[block] = kept;
        }
        info.domtree = domtree;
        Ok(info)
    }

    /// The reverse-postorder number of a reachable block (entry = 1).
    pub(crate) fn rpo_number(&self, block: Block) -> u32 {
        self.domtree.rpo_number(block).unwrap_or(0)
    }

    /// The parameters of `block` that are needed.
    pub(crate) fn needed_params(&self, block: Block) -> impl Iterator<Item = Value> + '_ {
        self.func.dfg.block_params(block).iter().copied().filter(|&p| self.needed_value[p])
    }
}

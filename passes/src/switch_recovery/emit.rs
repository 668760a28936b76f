//! Rewriting a chain into its planned dispatch.
//!
//! Everything that can fail was checked while the chain was found and
//! costed, so the rewrite itself is infallible: parameters of removed test
//! blocks become aliases of the values they received, the pure
//! instructions of the removed test blocks move to the end of the head
//! (before its terminator), arms' branches into the chain go where the
//! rest of the chain would have sent them, the head's `brif` is replaced by
//! the plan, and what the rewrite made dead (the old conditions, arms no
//! longer reachable) is removed.

use std::collections::BTreeSet;

use weft_ir::cfg_edit::{reachable_blocks, retarget, use_counts};
use weft_ir::{Block, BlockCall, Function, Imm, Inst, InstructionData, Opcode, Type, Value};

use super::chain::{Chain, Target};
use super::cost::{Cmp, Node, Partition, outcome_target};

/// Builds instructions at the end of blocks, inserting new blocks after
/// the head in creation order.
struct Builder<'f> {
    func: &'f mut Function,
    selector: Value,
    ty: Type,
    /// The last block inserted (new blocks go after it).
    last: Block,
    /// Blocks created by the rewrite.
    created: Vec<Block>,
    /// The blocks being emitted, from the head down to the current one.
    path: Vec<Block>,
    /// Constants materialized so far: (block, value, constant).
    consts: Vec<(Block, u64, Value)>,
}

impl Builder<'_> {
    fn op(&mut self, block: Block, opcode: Opcode, args: &[Value], imm: Imm, result: Type) -> Value {
        let inst = self.func.dfg.make_op(opcode, args, imm);
        let v = self.func.dfg.append_result(inst, result);
        self.func.layout.append_inst(inst, block);
        v
    }

    /// An `iN.const k` for use in `block`: one already made in a block on
    /// the path from the head to `block` (each dominates the next: a block
    /// of the dispatch is entered only from the block that created it),
    /// else a new one at the end of `block`.
    fn konst(&mut self, block: Block, k: u64) -> Value {
        let found = self.consts.iter().find(|&&(b, c, _)| c == k && (b == block || self.path.contains(&b)));
        if let Some(&(_, _, v)) = found {
            return v;
        }
        let (opcode, imm, ty) = match self.ty {
            Type::I64 => (Opcode::I64Const, Imm::I64(k as i64), Type::I64),
            _ => (Opcode::I32Const, Imm::I32(k as u32 as i32), Type::I32),
        };
        let v = self.op(block, opcode, &[], imm, ty);
        self.consts.push((block, k, v));
        v
    }

    fn binary(&mut self, block: Block, op32: Opcode, op64: Opcode, a: Value, b: Value, result: Option<Type>) -> Value {
        let (op, ty) = if self.ty == Type::I64 { (op64, Type::I64) } else { (op32, Type::I32) };
        self.op(block, op, &[a, b], Imm::None, result.unwrap_or(ty))
    }

    /// `v - k` (or `v` itself when `k == 0`).
    fn offset(&mut self, block: Block, k: u64) -> Value {
        if k == 0 {
            return self.selector;
        }
        let c = self.konst(block, k);
        self.binary(block, Opcode::I32Sub, Opcode::I64Sub, self.selector, c, None)
    }

    fn compare(&mut self, block: Block, cmp: Cmp) -> Value {
        let sel = self.selector;
        let i32t = Some(Type::I32);
        match cmp {
            // `v == 0` is `eqz v`: one byte, and the backend folds it
            // into the branch.
            Cmp::Eq(0) => {
                let op = if self.ty == Type::I64 { Opcode::I64Eqz } else { Opcode::I32Eqz };
                self.op(block, op, &[sel], Imm::None, Type::I32)
            }
            Cmp::Eq(k) => {
                let c = self.konst(block, k);
                self.binary(block, Opcode::I32Eq, Opcode::I64Eq, sel, c, i32t)
            }
            Cmp::LtU(k) => {
                let c = self.konst(block, k);
                self.binary(block, Opcode::I32LtU, Opcode::I64LtU, sel, c, i32t)
            }
            Cmp::GeU(k) => {
                let c = self.konst(block, k);
                self.binary(block, Opcode::I32GeU, Opcode::I64GeU, sel, c, i32t)
            }
            Cmp::InRange(lo, size) => {
                let d = self.offset(block, lo);
                let c = self.konst(block, size);
                self.binary(block, Opcode::I32LtU, Opcode::I64LtU, d, c, i32t)
            }
        }
    }

    fn new_block(&mut self) -> Block {
        let block = self.func.dfg.make_block();
        self.func.layout.insert_block_after(block, self.last);
        self.last = block;
        self.created.push(block);
        block
    }

    fn call(&mut self, edge: &Target) -> BlockCall {
        BlockCall::new(edge.block, &edge.args, &mut self.func.dfg.value_lists)
    }

    /// A copy of `call` with its own argument list.
    fn copy(&mut self, call: &BlockCall) -> BlockCall {
        let args = self.func.dfg.block_call_args(call).to_vec();
        BlockCall::new(call.block, &args, &mut self.func.dfg.value_lists)
    }

    /// A branch destination for `node`: the target itself for a jump,
    /// else a new block holding the node.
    fn dest(&mut self, node: &Node, targets: &[Target]) -> BlockCall {
        match node {
            Node::Jump(t) => self.call(&targets[*t]),
            _ => {
                let block = self.new_block();
                self.emit(block, node, targets);
                BlockCall::new(block, &[], &mut self.func.dfg.value_lists)
            }
        }
    }

    fn terminate(&mut self, block: Block, data: InstructionData) {
        let inst = self.func.dfg.make_inst(data);
        self.func.layout.append_inst(inst, block);
    }

    /// Emits `node` at the end of `block` (which gets its terminator).
    fn emit(&mut self, block: Block, node: &Node, targets: &[Target]) {
        self.path.push(block);
        self.emit_node(block, node, targets);
        self.path.pop();
    }

    fn emit_node(&mut self, block: Block, node: &Node, targets: &[Target]) {
        match node {
            Node::Jump(t) => {
                let dest = self.call(&targets[*t]);
                self.terminate(block, InstructionData::Jump { dest });
            }
            Node::Test { cmp, then, other } => {
                let cond = self.compare(block, *cmp);
                let then_dest = self.dest(then, targets);
                let else_dest = self.dest(other, targets);
                self.terminate(block, InstructionData::Brif { cond, then_dest, else_dest });
            }
            Node::Table { lo, entries, out_of_range, checked } => {
                let d = self.offset(block, *lo);
                let out = self.dest(out_of_range, targets);
                let (table_block, index) = if self.ty == Type::I64 {
                    let table_block = if *checked {
                        let len = self.konst(block, entries.len() as u64);
                        let cond = self.op(block, Opcode::I64LtU, &[d, len], Imm::None, Type::I32);
                        let tb = self.new_block();
                        let then_dest = BlockCall::new(tb, &[], &mut self.func.dfg.value_lists);
                        let else_dest = self.copy(&out);
                        self.terminate(block, InstructionData::Brif { cond, then_dest, else_dest });
                        tb
                    } else {
                        block
                    };
                    let idx = self.op(table_block, Opcode::I32WrapI64, &[d], Imm::None, Type::I32);
                    (table_block, idx)
                } else {
                    (block, d)
                };
                let default = out;
                let calls: Vec<BlockCall> = entries.iter().map(|&t| self.call(&targets[t])).collect();
                let table = self.func.dfg.jump_tables.push(weft_ir::JumpTableData { default, targets: calls });
                self.terminate(table_block, InstructionData::BrTable { index, table });
            }
        }
    }
}

/// Replaces `chain` by `tree`. `reachable_before` are the blocks reachable
/// before the rewrite: those it leaves unreachable are removed. Returns the
/// blocks the rewrite created.
pub(crate) fn rewrite(
    func: &mut Function,
    chain: &Chain,
    partition: &Partition,
    tree: &Node,
    reachable_before: &BTreeSet<Block>,
) -> Vec<Block> {
    let head = chain.head();
    let Some(head_term) = func.terminator(head) else { return Vec::new() };

    // 1. Parameters of removed single-predecessor test blocks.
    for &(param, arg) in &chain.aliases {
        func.dfg.change_to_alias(param, arg);
    }

    // 2. Hoist the pure instructions of the other test blocks into the head,
    //    then drop those blocks.
    let mut candidates: Vec<Inst> = chain.head_cond_insts.clone();
    for test in &chain.tests[1..] {
        let insts: Vec<Inst> = func.layout.block_insts(test.block).collect();
        for inst in insts {
            func.layout.remove_inst(inst);
            if !func.dfg.insts[inst].opcode().is_terminator() {
                func.layout.insert_inst(inst, head_term);
                candidates.push(inst);
            }
        }
        func.layout.remove_block(test.block);
    }

    // 3. Arms that rejoined the chain go where the chain sends their values.
    for r in &chain.redirects {
        let Some(t) = outcome_target(partition, chain, r.to) else { continue };
        let edge = partition.targets[t].clone();
        if let Some(inst) = func.terminator(r.pred) {
            retarget(func, inst, r.from, edge.block, Some(&edge.args));
        }
    }

    // 4. The dispatch replaces the head's brif.
    func.layout.remove_inst(head_term);
    let mut b = Builder {
        func,
        selector: chain.selector,
        ty: chain.ty,
        last: head,
        created: Vec::new(),
        path: Vec::new(),
        consts: Vec::new(),
    };
    b.emit(head, tree, &partition.targets);
    let created = b.created;

    func.dfg.resolve_all_aliases();
    remove_dead(func, candidates);
    remove_unreachable(func, reachable_before);
    created
}

/// Removes, among `candidates` (pure instructions), those whose results are
/// no longer used, until none is left to remove.
fn remove_dead(func: &mut Function, candidates: Vec<Inst>) {
    let mut uses = use_counts(func);
    let mut live: BTreeSet<Inst> = candidates.into_iter().collect();
    loop {
        let dead: Vec<Inst> = live
            .iter()
            .copied()
            .filter(|&i| {
                func.layout.inst_block(i).is_some()
                    && func.dfg.insts[i].opcode().effects().removable()
                    && func.dfg.inst_results(i).iter().all(|&r| uses[r] == 0)
            })
            .collect();
        if dead.is_empty() {
            break;
        }
        for inst in dead {
            live.remove(&inst);
            for v in func.dfg.inst_values(inst) {
                let n = &mut uses[func.dfg.resolve_aliases(v)];
                *n = n.saturating_sub(1);
            }
            func.layout.remove_inst(inst);
        }
    }
}

/// Removes the blocks the rewrite left unreachable, unless a remaining
/// block still uses one of their values (then nothing is removed).
fn remove_unreachable(func: &mut Function, reachable_before: &BTreeSet<Block>) {
    let now = reachable_blocks(func);
    let gone: Vec<Block> =
        func.layout.blocks().filter(|&b| reachable_before.contains(&b) && !now.contains(b)).collect();
    if gone.is_empty() {
        return;
    }
    let mut defined: BTreeSet<Value> = BTreeSet::new();
    for &b in &gone {
        defined.extend(func.dfg.block_params(b).iter().copied());
        for inst in func.layout.block_insts(b) {
            defined.extend(func.dfg.inst_results(inst).iter().copied());
        }
    }
    let still_used = func
        .layout
        .blocks()
        .filter(|b| !gone.contains(b))
        .any(|b| func.layout.block_insts(b).any(|i| func.dfg.inst_values(i).iter().any(|v| defined.contains(v))));
    if still_used {
        return;
    }
    for b in gone {
        func.layout.remove_block_and_insts(b);
    }
}

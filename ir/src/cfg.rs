//! The control-flow graph of a function: predecessors and successors of
//! every block, computed from block terminators.
//!
//! Edges come from the *last* instruction of each block when it is a
//! terminator ([`crate::Function::terminator`]) and from its branch
//! destinations ([`crate::DataFlowGraph::branch_destinations`]). A branch
//! in the middle of a block, a target that is not a valid block or not in
//! the layout, and an unknown jump table are ignored here (the verifier
//! reports them), so computing the CFG of malformed IR never panics.
//!
//! ```
//! use weft_ir::{ControlFlowGraph, FuncCursor, Function, Signature};
//! let mut func = Function::new("f", Signature::default());
//! let mut cur = FuncCursor::new(&mut func);
//! let b0 = cur.add_block(&[]);
//! let b1 = cur.add_block(&[]);
//! cur.goto_end(b0);
//! let jump = cur.jump(b1, &[]);
//! cur.goto_end(b1);
//! cur.ret(&[]);
//! let cfg = ControlFlowGraph::with_function(&func);
//! assert_eq!(cfg.succs(b0), &[b1]);
//! assert_eq!(cfg.preds(b1)[0].inst, jump);
//! ```

use crate::dfg::{DataFlowGraph, ValueDef};
use crate::entities::{Block, Inst, Value};
use crate::function::Function;
use cranelift_entity::SecondaryMap;

/// One CFG edge into a block: the predecessor block and its branch.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BlockPredecessor {
    /// The predecessor block.
    pub block: Block,
    /// The terminator of `block` that branches here.
    pub inst: Inst,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
struct CfgNode {
    preds: Vec<BlockPredecessor>,
    succs: Vec<Block>,
}

/// Predecessors and successors of every block in the layout.
///
/// Successors are deduplicated and listed in the order they first appear
/// in the terminator (`brif`: then, else; `br_table`: default, then the
/// table). Predecessors list each (block, branch) pair once, in layout
/// order of the predecessor block.
///
/// Two CFGs are equal when every block has the same predecessors and
/// successors in the same order (pass managers compare a cached CFG with a
/// recomputed one to check that a pass preserved it).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ControlFlowGraph {
    nodes: SecondaryMap<Block, CfgNode>,
    valid: bool,
}

/// The blocks `inst` branches to, in order and with repeats, keeping only
/// valid blocks that are in the layout (never panics).
pub(crate) fn checked_branch_targets(func: &Function, inst: Inst) -> Vec<Block> {
    if !func.dfg.insts.is_valid(inst) {
        return Vec::new();
    }
    func.dfg
        .branch_destinations(inst)
        .map(|call| call.block)
        .filter(|&b| func.dfg.block_is_valid(b) && func.layout.is_block_inserted(b))
        .collect()
}

/// Every value `inst` uses (operands, then block-call arguments), as
/// written (aliases not resolved). Empty for an invalid instruction; skips
/// the targets of an unknown jump table (never panics).
pub(crate) fn checked_inst_values(func: &Function, inst: Inst) -> Vec<Value> {
    if !func.dfg.insts.is_valid(inst) {
        return Vec::new();
    }
    func.dfg.inst_values(inst)
}

/// Follows aliases from `v` to the defined value; `None` if some value on
/// the way is invalid or the aliases form a cycle (never panics).
pub(crate) fn checked_resolve(dfg: &DataFlowGraph, mut v: Value) -> Option<Value> {
    let mut steps = 0usize;
    loop {
        if !dfg.value_is_valid(v) {
            return None;
        }
        match dfg.value_def(v) {
            ValueDef::Alias(to) => {
                steps += 1;
                if steps > dfg.num_values() {
                    return None;
                }
                v = to;
            }
            _ => return Some(v),
        }
    }
}

/// The block that defines `v` (after resolving aliases): the block of its
/// instruction or the block it is a parameter of, if that is in the layout.
pub(crate) fn def_block(func: &Function, v: Value) -> Option<Block> {
    let v = checked_resolve(&func.dfg, v)?;
    match func.dfg.value_def(v) {
        ValueDef::Param(block, _) => func.layout.is_block_inserted(block).then_some(block),
        ValueDef::Result(inst, _) => func.layout.inst_block(inst),
        ValueDef::Alias(_) | ValueDef::Detached => None,
    }
}

impl ControlFlowGraph {
    /// An empty, invalid CFG.
    pub fn new() -> Self {
        Self::default()
    }

    /// The CFG of `func`.
    pub fn with_function(func: &Function) -> Self {
        let mut cfg = Self::new();
        cfg.compute(func);
        cfg
    }

    /// Forgets everything; the CFG becomes invalid.
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.valid = false;
    }

    /// Has the CFG been computed since the last [`Self::clear`]?
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    /// Computes the CFG of `func`, replacing what was there.
    pub fn compute(&mut self, func: &Function) {
        self.clear();
        for block in func.layout.blocks() {
            if !func.dfg.block_is_valid(block) {
                continue;
            }
            let Some(inst) = func.terminator(block) else { continue };
            for succ in checked_branch_targets(func, inst) {
                let node = &mut self.nodes[block];
                if node.succs.contains(&succ) {
                    continue;
                }
                node.succs.push(succ);
                self.nodes[succ].preds.push(BlockPredecessor { block, inst });
            }
        }
        self.valid = true;
    }

    /// Recomputes the edges out of `block` after its terminator changed
    /// (and the edges into blocks it used to branch to).
    pub fn recompute_block(&mut self, func: &Function, block: Block) {
        let old = core::mem::take(&mut self.nodes[block].succs);
        for succ in old {
            self.nodes[succ].preds.retain(|p| p.block != block);
        }
        if !func.dfg.block_is_valid(block) || !func.layout.is_block_inserted(block) {
            return;
        }
        let Some(inst) = func.terminator(block) else { return };
        for succ in checked_branch_targets(func, inst) {
            if self.nodes[block].succs.contains(&succ) {
                continue;
            }
            self.nodes[block].succs.push(succ);
            let preds = &mut self.nodes[succ].preds;
            preds.push(BlockPredecessor { block, inst });
            preds.sort_by_cached_key(|p| layout_position(func, p.block));
        }
    }

    /// The predecessors of `block`.
    pub fn preds(&self, block: Block) -> &[BlockPredecessor] {
        &self.nodes[block].preds
    }

    /// The predecessor blocks of `block`.
    pub fn pred_iter(&self, block: Block) -> impl Iterator<Item = BlockPredecessor> + '_ {
        self.nodes[block].preds.iter().copied()
    }

    /// The distinct successors of `block`, in first-appearance order.
    pub fn succs(&self, block: Block) -> &[Block] {
        &self.nodes[block].succs
    }

    /// The successors of `block` as an iterator.
    pub fn succ_iter(&self, block: Block) -> impl Iterator<Item = Block> + '_ {
        self.nodes[block].succs.iter().copied()
    }

    /// Number of predecessor edges of `block`.
    pub fn num_preds(&self, block: Block) -> usize {
        self.nodes[block].preds.len()
    }
}

/// The index of `block` in the layout (for re-sorting predecessors).
fn layout_position(func: &Function, block: Block) -> usize {
    func.layout.blocks().position(|b| b == block).unwrap_or(usize::MAX)
}

//! Live-in and live-out value sets of every block.
//!
//! A value is *live-in* at a block when some path from the block's entry
//! reaches a use of the value without passing its definition, and
//! *live-out* when it is live-in at some successor. Block parameters are
//! defined at the top of their block, so they are never live-in there; a
//! block-call argument is used by the terminator of the branching block,
//! so it is not live-in at the target on that account. Uses are taken
//! after resolving aliases.
//!
//! The computation walks backwards from each use to the defining block
//! (the SSA "path exploration" algorithm), so the cost is proportional to
//! the size of the sets it produces. Uses in unreachable blocks count like
//! any other. A use inside the defining block is taken to follow the
//! definition (the verifier checks it does). A value with no definition in
//! the layout propagates up to blocks with no predecessors, entry included.
//!
//! ```
//! use weft_ir::{ControlFlowGraph, FuncCursor, Function, Liveness, Signature, Type};
//! let mut func = Function::new("f", Signature::new([Type::I32], [Type::I32]));
//! let mut cur = FuncCursor::new(&mut func);
//! let b0 = cur.add_block(&[Type::I32]);
//! let b1 = cur.add_block(&[]);
//! let x = cur.func.dfg.block_params(b0)[0];
//! cur.goto_end(b0);
//! cur.jump(b1, &[]);
//! cur.goto_end(b1);
//! cur.ret(&[x]);
//! let cfg = ControlFlowGraph::with_function(&func);
//! let liveness = Liveness::with_function(&func, &cfg);
//! assert!(liveness.is_live_out(x, b0));
//! assert!(!liveness.is_live_in(x, b0));
//! assert_eq!(liveness.live_in(b1), &[x]);
//! assert!(liveness.live_in(b0).is_empty());
//! ```

use crate::cfg::{ControlFlowGraph, checked_inst_values, checked_resolve, def_block};
use crate::dfg::ValueDef;
use crate::entities::{Block, Value};
use crate::function::Function;
use cranelift_entity::packed_option::PackedOption;
use cranelift_entity::{EntityRef, EntitySet, SecondaryMap};

/// Per-block live-in and live-out sets, each sorted by value number.
///
/// Two analyses are equal when every block has the same live sets and the
/// same aliases were seen.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Liveness {
    live_in: SecondaryMap<Block, Vec<Value>>,
    live_out: SecondaryMap<Block, Vec<Value>>,
    /// For each alias value, the value it resolves to.
    aliases: SecondaryMap<Value, PackedOption<Value>>,
    valid: bool,
}

impl Liveness {
    /// An empty, invalid analysis.
    pub fn new() -> Self {
        Self::default()
    }

    /// The liveness of `func`, whose CFG is `cfg`.
    pub fn with_function(func: &Function, cfg: &ControlFlowGraph) -> Self {
        let mut liveness = Self::new();
        liveness.compute(func, cfg);
        liveness
    }

    /// Forgets everything; the analysis becomes invalid.
    pub fn clear(&mut self) {
        self.live_in.clear();
        self.live_out.clear();
        self.aliases.clear();
        self.valid = false;
    }

    /// Has the analysis been computed since the last [`Self::clear`]?
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    /// Computes the live sets of `func`, whose CFG is `cfg`.
    pub fn compute(&mut self, func: &Function, cfg: &ControlFlowGraph) {
        self.clear();
        self.valid = true;
        let dfg = &func.dfg;
        for i in 0..dfg.num_values() {
            let v = Value::new(i);
            if let ValueDef::Alias(_) = dfg.value_def(v) {
                self.aliases[v] = checked_resolve(dfg, v).into();
            }
        }

        // Upward-exposed uses: (value, block) where the block uses the
        // value and does not define it.
        let mut uses: Vec<(Value, Block)> = Vec::new();
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                for v in checked_inst_values(func, inst) {
                    let Some(v) = checked_resolve(dfg, v) else { continue };
                    if def_block(func, v) != Some(block) {
                        uses.push((v, block));
                    }
                }
            }
        }
        uses.sort_unstable();
        uses.dedup();

        // Values are handled in increasing order, so every set is built
        // sorted.
        let mut seen_in: EntitySet<Block> = EntitySet::new();
        let mut seen_out: EntitySet<Block> = EntitySet::new();
        let mut work: Vec<Block> = Vec::new();
        let mut start = 0;
        while start < uses.len() {
            let value = uses[start].0;
            let end = start + uses[start..].iter().take_while(|(v, _)| *v == value).count();
            let def = def_block(func, value);
            work.extend(uses[start..end].iter().map(|&(_, b)| b));
            while let Some(block) = work.pop() {
                if !seen_in.insert(block) {
                    continue;
                }
                self.live_in[block].push(value);
                for pred in cfg.pred_iter(block) {
                    if seen_out.insert(pred.block) {
                        self.live_out[pred.block].push(value);
                    }
                    if def != Some(pred.block) {
                        work.push(pred.block);
                    }
                }
            }
            seen_in.clear();
            seen_out.clear();
            start = end;
        }
    }

    /// The values live at the top of `block`, sorted.
    pub fn live_in(&self, block: Block) -> &[Value] {
        &self.live_in[block]
    }

    /// The values live at the bottom of `block` (live-in at a successor),
    /// sorted.
    pub fn live_out(&self, block: Block) -> &[Value] {
        &self.live_out[block]
    }

    /// The value `value` resolves to through the aliases seen by
    /// [`Self::compute`].
    fn resolve(&self, value: Value) -> Value {
        self.aliases[value].expand().unwrap_or(value)
    }

    /// Is `value` (after resolving aliases) live at the top of `block`?
    pub fn is_live_in(&self, value: Value, block: Block) -> bool {
        self.live_in[block].binary_search(&self.resolve(value)).is_ok()
    }

    /// Is `value` (after resolving aliases) live at the bottom of `block`?
    pub fn is_live_out(&self, value: Value, block: Block) -> bool {
        self.live_out[block].binary_search(&self.resolve(value)).is_ok()
    }
}

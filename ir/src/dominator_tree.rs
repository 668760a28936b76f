//! The dominator tree of a function's CFG.
//!
//! Immediate dominators come from petgraph's
//! [`simple_fast`](petgraph::algo::dominators::simple_fast) (Cooper, Harvey
//! and Kennedy) over a [`DiGraph`] of the blocks reachable from the entry.
//! The tree is then numbered in pre- and post-order so that
//! [`DominatorTree::dominates`] is O(1).
//!
//! Only blocks reachable from the entry block take part: an unreachable
//! block has no immediate dominator, no children, and neither dominates nor
//! is dominated by any other block.
//!
//! ```
//! use weft_ir::{ControlFlowGraph, DominatorTree, FuncCursor, Function, Signature, Type};
//! let mut func = Function::new("f", Signature::new([Type::I32], []));
//! let mut cur = FuncCursor::new(&mut func);
//! let b0 = cur.add_block(&[Type::I32]);
//! let b1 = cur.add_block(&[]);
//! let b2 = cur.add_block(&[]);
//! let b3 = cur.add_block(&[]);
//! let c = cur.func.dfg.block_params(b0)[0];
//! cur.goto_end(b0);
//! cur.brif(c, b1, &[], b2, &[]);
//! for b in [b1, b2] {
//!     cur.goto_end(b);
//!     cur.jump(b3, &[]);
//! }
//! cur.goto_end(b3);
//! cur.ret(&[]);
//! let cfg = ControlFlowGraph::with_function(&func);
//! let domtree = DominatorTree::with_function(&func, &cfg);
//! assert_eq!(domtree.idom(b3), Some(b0));
//! assert!(domtree.dominates(b0, b3) && !domtree.dominates(b1, b3));
//! ```

use crate::cfg::{ControlFlowGraph, checked_resolve};
use crate::dfg::ValueDef;
use crate::entities::{Block, Inst, Value};
use crate::function::Function;
use crate::layout::Layout;
use cranelift_entity::SecondaryMap;
use cranelift_entity::packed_option::PackedOption;
use petgraph::algo::dominators::simple_fast;
use petgraph::graph::{DiGraph, NodeIndex};

#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
struct DomNode {
    /// Immediate dominator (none for the entry and unreachable blocks).
    idom: PackedOption<Block>,
    /// 1-based position in reverse post-order; 0 means unreachable.
    rpo_number: u32,
    /// Pre-order number in the dominator tree.
    pre: u32,
    /// Post-order number in the dominator tree.
    post: u32,
}

/// Immediate dominators, CFG reverse post-order and the dominator tree.
///
/// Two trees are equal when they have the same immediate dominators,
/// children, numbering and CFG post-order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DominatorTree {
    nodes: SecondaryMap<Block, DomNode>,
    children: SecondaryMap<Block, Vec<Block>>,
    postorder: Vec<Block>,
    valid: bool,
}

impl DominatorTree {
    /// An empty, invalid dominator tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// The dominator tree of `func` with CFG `cfg`.
    pub fn with_function(func: &Function, cfg: &ControlFlowGraph) -> Self {
        let mut domtree = Self::new();
        domtree.compute(func, cfg);
        domtree
    }

    /// Forgets everything; the tree becomes invalid.
    pub fn clear(&mut self) {
        self.nodes.clear();
        self.children.clear();
        self.postorder.clear();
        self.valid = false;
    }

    /// Has the tree been computed since the last [`Self::clear`]?
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    /// Computes the dominator tree of `func`, whose CFG is `cfg`.
    pub fn compute(&mut self, func: &Function, cfg: &ControlFlowGraph) {
        self.clear();
        self.valid = true;
        let Some(entry) = func.layout.entry_block() else { return };
        if !func.dfg.block_is_valid(entry) {
            return;
        }
        self.compute_postorder(entry, cfg);
        let num = self.postorder.len();
        for (i, &block) in self.postorder.iter().enumerate() {
            // Reverse post-order number, 1-based.
            self.nodes[block].rpo_number = (num - i) as u32;
        }

        // Node i of the petgraph graph is the block with RPO number i + 1.
        let rpo: Vec<Block> = self.postorder.iter().rev().copied().collect();
        let mut graph: DiGraph<Block, ()> = DiGraph::with_capacity(num, num);
        for &block in &rpo {
            graph.add_node(block);
        }
        let node_of = |nodes: &SecondaryMap<Block, DomNode>, b: Block| NodeIndex::new(nodes[b].rpo_number as usize - 1);
        for &block in &rpo {
            for succ in cfg.succ_iter(block) {
                if self.nodes[succ].rpo_number != 0 {
                    graph.add_edge(node_of(&self.nodes, block), node_of(&self.nodes, succ), ());
                }
            }
        }
        let doms = simple_fast(&graph, NodeIndex::new(0));
        for &block in &rpo[1..] {
            let idom = doms.immediate_dominator(node_of(&self.nodes, block)).map(|n| graph[n]);
            self.nodes[block].idom = idom.into();
            if let Some(parent) = idom {
                // Blocks are visited in RPO, so children lists are in RPO.
                self.children[parent].push(block);
            }
        }
        self.number_tree(entry);
    }

    /// Iterative DFS from `entry` recording blocks in post-order; successors
    /// are visited in CFG order.
    fn compute_postorder(&mut self, entry: Block, cfg: &ControlFlowGraph) {
        let mut visited: SecondaryMap<Block, bool> = SecondaryMap::new();
        let mut stack: Vec<(Block, usize)> = vec![(entry, 0)];
        visited[entry] = true;
        while let Some(top) = stack.last_mut() {
            let (block, next) = *top;
            match cfg.succs(block).get(next) {
                Some(&succ) => {
                    top.1 += 1;
                    if !visited[succ] {
                        visited[succ] = true;
                        stack.push((succ, 0));
                    }
                }
                None => {
                    self.postorder.push(block);
                    stack.pop();
                }
            }
        }
    }

    /// Pre/post numbering of the dominator tree, for O(1) `dominates`.
    fn number_tree(&mut self, entry: Block) {
        let mut counter = 0u32;
        let mut stack: Vec<(Block, usize)> = vec![(entry, 0)];
        self.nodes[entry].pre = counter;
        counter += 1;
        while let Some(top) = stack.last_mut() {
            let (block, next) = *top;
            match self.children[block].get(next) {
                Some(&child) => {
                    top.1 += 1;
                    self.nodes[child].pre = counter;
                    counter += 1;
                    stack.push((child, 0));
                }
                None => {
                    self.nodes[block].post = counter;
                    counter += 1;
                    stack.pop();
                }
            }
        }
    }

    /// The reachable blocks in CFG post-order (depth-first from the entry,
    /// successors in CFG order).
    pub fn cfg_postorder(&self) -> &[Block] {
        &self.postorder
    }

    /// The reachable blocks in reverse post-order (the entry first; every
    /// block after its dominators).
    pub fn rpo(&self) -> impl DoubleEndedIterator<Item = Block> + '_ {
        self.postorder.iter().rev().copied()
    }

    /// The 1-based reverse post-order number of `block`, or `None` if it is
    /// unreachable.
    pub fn rpo_number(&self, block: Block) -> Option<u32> {
        let n = self.nodes[block].rpo_number;
        (n != 0).then_some(n)
    }

    /// Is `block` reachable from the entry block?
    pub fn is_reachable(&self, block: Block) -> bool {
        self.nodes[block].rpo_number != 0
    }

    /// The immediate dominator of `block`: `None` for the entry block and for
    /// unreachable blocks.
    pub fn idom(&self, block: Block) -> Option<Block> {
        self.nodes[block].idom.expand()
    }

    /// The blocks `block` immediately dominates, in reverse post-order.
    pub fn children(&self, block: Block) -> &[Block] {
        &self.children[block]
    }

    /// Does `a` dominate `b`? Every reachable block dominates itself;
    /// `a == b` is true even when unreachable; otherwise false if either
    /// block is unreachable. O(1).
    pub fn dominates(&self, a: Block, b: Block) -> bool {
        if a == b {
            return true;
        }
        let (na, nb) = (self.nodes[a], self.nodes[b]);
        na.rpo_number != 0 && nb.rpo_number != 0 && na.pre <= nb.pre && nb.post <= na.post
    }

    /// Does `a` strictly dominate `b` (dominate it and differ)?
    pub fn strictly_dominates(&self, a: Block, b: Block) -> bool {
        a != b && self.dominates(a, b)
    }

    /// The nearest block dominating both `a` and `b`, if both are reachable.
    pub fn common_dominator(&self, mut a: Block, mut b: Block) -> Option<Block> {
        if !self.is_reachable(a) || !self.is_reachable(b) {
            return None;
        }
        while a != b {
            // The block later in RPO cannot dominate the other: climb from it.
            if self.nodes[a].rpo_number > self.nodes[b].rpo_number {
                a = self.idom(a)?;
            } else {
                b = self.idom(b)?;
            }
        }
        Some(a)
    }

    /// Does instruction `a` dominate instruction `b`? In the same block,
    /// `a` must be at or before `b` (found by walking the layout from `a`);
    /// otherwise `a`'s block must dominate `b`'s. False when either is not
    /// in the layout.
    pub fn dominates_inst(&self, a: Inst, b: Inst, layout: &Layout) -> bool {
        let (Some(block_a), Some(block_b)) = (layout.inst_block(a), layout.inst_block(b)) else {
            return false;
        };
        if block_a == block_b {
            let mut cur = Some(a);
            while let Some(i) = cur {
                if i == b {
                    return true;
                }
                cur = layout.next_inst(i);
            }
            return false;
        }
        self.dominates(block_a, block_b)
    }

    /// Does the definition of `value` (after resolving aliases) dominate a
    /// use by `use_inst`? A block parameter is defined at the top of its
    /// block; an instruction result right after its instruction (so an
    /// instruction does not dominate a use of its own result by itself).
    /// False when the value or the use is not placed in the layout.
    pub fn value_dominates_use(&self, func: &Function, value: Value, use_inst: Inst) -> bool {
        let dfg = &func.dfg;
        let Some(value) = checked_resolve(dfg, value) else { return false };
        let Some(use_block) = func.layout.inst_block(use_inst) else { return false };
        match dfg.value_def(value) {
            ValueDef::Param(block, _) => func.layout.is_block_inserted(block) && self.dominates(block, use_block),
            ValueDef::Result(def, _) => def != use_inst && self.dominates_inst(def, use_inst, &func.layout),
            ValueDef::Alias(_) | ValueDef::Detached => false,
        }
    }
}

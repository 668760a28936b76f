//! Natural loops and their nesting.
//!
//! A *back edge* is a CFG edge `t -> h` whose target `h` dominates its
//! source `t`; `h` is then a loop header and `t` a latch. The natural loop
//! of `h` is `h` plus every block that reaches a latch of `h` without
//! passing through `h`. All back edges into one header form one [`Loop`].
//! Natural loops with different headers are disjoint or nested, which gives
//! the loop tree: the parent of a loop is the innermost other loop that
//! contains its header.
//!
//! Only blocks reachable from the entry belong to loops. On an irreducible
//! CFG the analysis still describes the natural loops, but a cycle entered
//! at two points has no header that dominates it and forms no loop (the
//! verifier rejects such functions).
//!
//! ```
//! use weft_ir::{ControlFlowGraph, DominatorTree, FuncCursor, Function, LoopAnalysis, Signature, Type};
//! let mut func = Function::new("f", Signature::new([Type::I32], []));
//! let mut cur = FuncCursor::new(&mut func);
//! let entry = cur.add_block(&[Type::I32]);
//! let header = cur.add_block(&[]);
//! let exit = cur.add_block(&[]);
//! let c = cur.func.dfg.block_params(entry)[0];
//! cur.goto_end(entry);
//! cur.jump(header, &[]);
//! cur.goto_end(header);
//! cur.brif(c, header, &[], exit, &[]);
//! cur.goto_end(exit);
//! cur.ret(&[]);
//! let cfg = ControlFlowGraph::with_function(&func);
//! let domtree = DominatorTree::with_function(&func, &cfg);
//! let loops = LoopAnalysis::with_domtree(&cfg, &domtree);
//! let lp = loops.innermost_loop(header).unwrap();
//! assert_eq!(lp.to_string(), "loop0");
//! assert_eq!(loops.preheader(lp), Some(entry));
//! assert_eq!(loops.exits(lp), &[(header, exit)]);
//! ```

use crate::cfg::ControlFlowGraph;
use crate::dominator_tree::DominatorTree;
use crate::entities::Block;
use cranelift_entity::packed_option::PackedOption;
use cranelift_entity::{PrimaryMap, SecondaryMap, entity_impl};

/// A natural loop, identified by its header.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Loop(u32);
entity_impl!(Loop, "loop");

#[derive(Clone, Debug, PartialEq, Eq)]
struct LoopData {
    header: Block,
    parent: PackedOption<Loop>,
    depth: u32,
    /// Header first, then the other blocks in reverse post-order.
    blocks: Vec<Block>,
    /// Sources of back edges into the header, in reverse post-order.
    latches: Vec<Block>,
    /// Edges `(from, to)` with `from` in the loop and `to` outside it, in
    /// reverse post-order of `from` and then successor order.
    exits: Vec<(Block, Block)>,
    children: Vec<Loop>,
    preheader: PackedOption<Block>,
}

/// The natural loops of a function and their nesting tree.
///
/// Loops are numbered in reverse post-order of their headers, so an outer
/// loop always has a smaller number than the loops nested in it.
///
/// Two analyses are equal when they have the same loops, numbered alike,
/// with the same blocks, latches, exits, nesting and preheaders.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LoopAnalysis {
    loops: PrimaryMap<Loop, LoopData>,
    innermost: SecondaryMap<Block, PackedOption<Loop>>,
    header_of: SecondaryMap<Block, PackedOption<Loop>>,
    valid: bool,
}

impl LoopAnalysis {
    /// An empty, invalid analysis.
    pub fn new() -> Self {
        Self::default()
    }

    /// The loops of the function whose CFG and dominator tree are given.
    pub fn with_domtree(cfg: &ControlFlowGraph, domtree: &DominatorTree) -> Self {
        let mut loops = Self::new();
        loops.compute(cfg, domtree);
        loops
    }

    /// Forgets everything; the analysis becomes invalid.
    pub fn clear(&mut self) {
        self.loops.clear();
        self.innermost.clear();
        self.header_of.clear();
        self.valid = false;
    }

    /// Has the analysis been computed since the last [`Self::clear`]?
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    /// Computes the loops of a function from its CFG and dominator tree
    /// (everything the analysis needs of the function is in those two).
    pub fn compute(&mut self, cfg: &ControlFlowGraph, domtree: &DominatorTree) {
        self.clear();
        self.valid = true;
        let rpo: Vec<Block> = domtree.rpo().collect();
        let mut in_body: SecondaryMap<Block, bool> = SecondaryMap::new();
        for &header in &rpo {
            let latches: Vec<Block> = cfg
                .pred_iter(header)
                .map(|p| p.block)
                .filter(|&t| domtree.is_reachable(t) && domtree.dominates(header, t))
                .collect();
            if latches.is_empty() {
                continue;
            }
            // Walk backwards from the latches, stopping at the header.
            let mut body = vec![header];
            in_body[header] = true;
            let mut work: Vec<Block> = Vec::new();
            for &t in &latches {
                if !in_body[t] {
                    in_body[t] = true;
                    body.push(t);
                    work.push(t);
                }
            }
            while let Some(b) = work.pop() {
                for p in cfg.pred_iter(b) {
                    if domtree.is_reachable(p.block) && !in_body[p.block] {
                        in_body[p.block] = true;
                        body.push(p.block);
                        work.push(p.block);
                    }
                }
            }
            for &b in &body {
                in_body[b] = false;
            }
            body[1..].sort_by_key(|&b| domtree.rpo_number(b));
            let mut latches = latches;
            latches.sort_by_key(|&b| domtree.rpo_number(b));
            latches.dedup();

            // Outer loops have earlier headers in RPO and were built
            // already: the innermost one containing the header is the parent.
            let parent = self.innermost[header];
            let depth = parent.expand().map_or(1, |p| self.loops[p].depth + 1);
            let lp = self.loops.push(LoopData {
                header,
                parent,
                depth,
                blocks: body,
                latches,
                exits: Vec::new(),
                children: Vec::new(),
                preheader: None.into(),
            });
            if let Some(p) = parent.expand() {
                self.loops[p].children.push(lp);
            }
            self.header_of[header] = lp.into();
            for i in 0..self.loops[lp].blocks.len() {
                let b = self.loops[lp].blocks[i];
                self.innermost[b] = lp.into();
            }
        }

        // Exits and preheaders, now that membership is final.
        let loops: Vec<Loop> = self.loops.keys().collect();
        for lp in loops {
            let mut exits = Vec::new();
            for &b in &self.loops[lp].blocks {
                for succ in cfg.succ_iter(b) {
                    if !self.is_in_loop(succ, lp) {
                        exits.push((b, succ));
                    }
                }
            }
            let header = self.loops[lp].header;
            let mut outside = cfg.pred_iter(header).map(|p| p.block).filter(|&p| !self.is_in_loop(p, lp));
            let preheader = match (outside.next(), outside.next()) {
                (Some(p), None) if cfg.succs(p) == [header] => Some(p),
                _ => None,
            };
            let data = &mut self.loops[lp];
            data.exits = exits;
            data.preheader = preheader.into();
        }
    }

    /// Every loop, outer loops before the loops nested in them.
    pub fn loops(&self) -> impl Iterator<Item = Loop> + '_ {
        self.loops.keys()
    }

    /// Number of loops.
    pub fn num_loops(&self) -> usize {
        self.loops.len()
    }

    /// The header of `lp`.
    pub fn header(&self, lp: Loop) -> Block {
        self.loops[lp].header
    }

    /// The loop whose header is `block`, if any.
    pub fn loop_of_header(&self, block: Block) -> Option<Loop> {
        self.header_of[block].expand()
    }

    /// Is `block` a loop header?
    pub fn is_loop_header(&self, block: Block) -> bool {
        self.header_of[block].is_some()
    }

    /// The loop immediately containing `lp`, if any.
    pub fn parent(&self, lp: Loop) -> Option<Loop> {
        self.loops[lp].parent.expand()
    }

    /// The loops immediately nested in `lp`, outer-first order.
    pub fn children(&self, lp: Loop) -> &[Loop] {
        &self.loops[lp].children
    }

    /// Nesting depth of `lp`: 1 for an outermost loop.
    pub fn depth(&self, lp: Loop) -> u32 {
        self.loops[lp].depth
    }

    /// The blocks of `lp` (including nested loops): the header first, then
    /// reverse post-order.
    pub fn blocks(&self, lp: Loop) -> &[Block] {
        &self.loops[lp].blocks
    }

    /// The sources of the back edges of `lp`, in reverse post-order.
    pub fn latches(&self, lp: Loop) -> &[Block] {
        &self.loops[lp].latches
    }

    /// The edges `(from, to)` leaving `lp`: `from` inside, `to` outside.
    pub fn exits(&self, lp: Loop) -> &[(Block, Block)] {
        &self.loops[lp].exits
    }

    /// The preheader of `lp`: the header's only predecessor outside the
    /// loop, when that block's only successor is the header.
    pub fn preheader(&self, lp: Loop) -> Option<Block> {
        self.loops[lp].preheader.expand()
    }

    /// The innermost loop containing `block`, if any.
    pub fn innermost_loop(&self, block: Block) -> Option<Loop> {
        self.innermost[block].expand()
    }

    /// Loop nesting depth of `block`: 0 outside every loop.
    pub fn block_depth(&self, block: Block) -> u32 {
        self.innermost_loop(block).map_or(0, |lp| self.loops[lp].depth)
    }

    /// Is `block` in `lp` (or in a loop nested in it)? O(nesting depth).
    pub fn is_in_loop(&self, block: Block, lp: Loop) -> bool {
        let mut cur = self.innermost_loop(block);
        while let Some(l) = cur {
            if l == lp {
                return true;
            }
            if self.loops[l].depth <= self.loops[lp].depth {
                return false;
            }
            cur = self.parent(l);
        }
        false
    }

    /// Is `inner` nested in `outer` (or equal to it)?
    pub fn is_child_loop(&self, inner: Loop, outer: Loop) -> bool {
        let mut cur = Some(inner);
        while let Some(l) = cur {
            if l == outer {
                return true;
            }
            cur = self.parent(l);
        }
        false
    }
}

//! `bounds-check-elim`: remove the checks that range analysis shows can
//! never fail.
//!
//! Safe-language code tests indices before it uses them: `if i >=u len
//! { trap }` (C, hand-written shims), `br_if` to a block that calls a
//! panic function (Rust's `panic_bounds_check`), a re-check of the index
//! before the store that follows the load, a slice check before a loop
//! and a per-element check in it. For each `brif` in a block that can
//! execute, the pass asks the [range analysis](crate::analysis::range)
//! whether its condition is decided there — by the values its operands may
//! hold, or by the relations the edges taken to get there imply
//! (`i <u n` from the loop test and `n <=u len` from a check before the
//! loop give `i <u len`) — and replaces a decided `brif` by a `jump` along
//! the edge it always takes. The failing side, a trap or a call that never
//! returns, is then unreachable and removed. Any decided branch is folded
//! the same way, whatever is on its other side.
//!
//! ```text
//! block2(v4: i32):                       block2(v4: i32):
//!     v5 = i32.lt_u v4, v0                   v5 = i32.lt_u v4, v0
//!     brif v5, block3, block8                brif v5, block3, block8
//! block3:                            =>  block3:
//!     v6 = i32.ge_u v4, v1                   v6 = i32.ge_u v4, v1
//!     brif v6, block9, block4                jump block4
//! block9:                                block4:
//!     trap                                   ...
//! block4:
//!     ...
//! ```
//! (with `v0 <=u v1` checked before the loop; `dce` removes `v6`.)
//!
//! No check is moved: a check that fails on some input stays where it is,
//! so a trap keeps its place among the stores and calls around it.
//!
//! Preconditions: the function passes the structural verifier. Analyses
//! used: CFG, dominator tree, loop nest, liveness (of the function before
//! the change). Preserves nothing (branches are folded, blocks removed).
//!
//! Verification obligation: the target refines the source. A folded branch
//! takes the only edge its condition allows, which the checker sees within
//! a loop-free segment; where the reason lies outside the segment (a check
//! before the loop, the bounds of a loop counter), the pass hands the
//! check the [header facts](crate::analysis::range::RangeAnalysis::header_facts)
//! of the loop headers a folded branch is reached from without passing
//! another header, and `false` at the headers never entered, as a
//! certificate
//! ([`PassCx::certify`]), which the checker proves inductive on the source
//! before it assumes them.
//!
//! Complexity: the range analysis's (one dataflow solution; per branch, a
//! closure over at most `2 * MAX_RELATIONS + 2` values), then one walk
//! over the blocks.

use std::collections::BTreeSet;

use weft_ir::cfg_edit::{make_jump, remove_unreachable_blocks};
use weft_ir::{Block, Edge, Function, InstructionData};
use weft_verify::{Certificate, HeaderFact, Side};

use crate::analysis::range::RangeAnalysis;
use crate::{Changed, FunctionPass, PassCx, Preserved};

/// The pass (see the module docs).
pub struct BoundsCheckElim;

impl FunctionPass for BoundsCheckElim {
    fn run(&self, func: &mut Function, cx: &mut PassCx) -> Changed {
        let (folds, cert) = {
            let (cfg, domtree, loops, liveness) = (cx.cfg(func), cx.domtree(func), cx.loops(func), cx.liveness(func));
            let ra = RangeAnalysis::compute(func, cfg, domtree);
            let mut folds: Vec<Edge> = Vec::new();
            let mut folded: Vec<Block> = Vec::new();
            for block in func.layout.blocks() {
                if !ra.is_executable(block) {
                    continue;
                }
                let Some(inst) = func.terminator(block) else { continue };
                let InstructionData::Brif { cond, .. } = func.dfg.insts[inst] else { continue };
                let Some(taken) = ra.decide(block, cond) else { continue };
                folds.push(Edge { inst, slot: if taken { 0 } else { 1 } });
                folded.push(block);
            }
            // The checker cuts every loop at its header: a decision rests on
            // what held at the headers its block is reached from without
            // passing another one; a header never entered gets `false`.
            let mut headers: BTreeSet<Block> =
                loops.loops().map(|l| loops.header(l)).filter(|&h| !ra.is_executable(h)).collect();
            let mut seen: BTreeSet<Block> = BTreeSet::new();
            let mut work = folded;
            while let Some(b) = work.pop() {
                if !seen.insert(b) {
                    continue;
                }
                if loops.is_loop_header(b) {
                    headers.insert(b);
                    continue;
                }
                work.extend(cfg.pred_iter(b).map(|p| p.block));
            }
            let header_facts: Vec<HeaderFact> = headers
                .into_iter()
                .flat_map(|h| {
                    ra.header_facts(h, liveness).into_iter().map(move |fact| HeaderFact {
                        side: Side::Src,
                        block: h,
                        fact,
                    })
                })
                .collect();
            (folds, Certificate { header_facts, prune_header_facts: true, ..Certificate::default() })
        };
        if folds.is_empty() {
            return Changed::No;
        }
        for edge in folds {
            make_jump(func, edge);
        }
        remove_unreachable_blocks(func);
        if !cert.is_empty() {
            cx.certify(cert);
        }
        Changed::Yes(Preserved::NONE)
    }
}

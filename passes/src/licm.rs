//! `licm`: loop-invariant code motion of pure instructions out of
//! outermost loops.
//!
//! An instruction inside a loop is *invariant* when each operand is defined
//! outside the loop or is the result of an instruction already found
//! invariant. An invariant instruction with results and no effects at all
//! (`Effects::is_pure`: no trap, no memory, global or table access, no
//! call) moves to the end of the loop's preheader, right before its
//! terminator, keeping its results. Because it has no effect, moving it is
//! correct even when the block it came from runs zero or many times: it is
//! only evaluated earlier, once.
//!
//! Only hoists the refinement checker's induction covers are made. The
//! checker cuts both functions at loop headers; values defined before
//! every loop (in blocks no loop header reaches) keep their exact terms in
//! every segment, any other value live into a header is an unknown matched
//! with the other function's value of the same number. So `licm` hoists
//! out of outermost loops entered only from blocks before every loop, and
//! only instructions whose results are live into no loop header: an
//! instruction anywhere in such a loop (nested loops included) moves to
//! its preheader when it is invariant in the whole loop. An instruction
//! invariant in an inner loop only, one whose result is live into an inner
//! loop's header (an unknown there in the source, an exact term in the
//! target), and every instruction of a loop entered after another loop,
//! stay where they are: those hoists are proved only up to the unrolling
//! bound (`ProvedBounded`), which strict verification rejects.
//!
//! ```text
//! block0(v0: i32, v1: i32):                 block0(v0: i32, v1: i32):
//!     v2 = i32.const 0                          v2 = i32.const 0
//!     jump block1(v2, v2)                       v6 = i32.mul v1, v1
//! block1(v3: i32, v4: i32):                     v8 = i32.const 1
//!     v5 = i32.lt_s v3, v0                      jump block1(v2, v2)
//!     brif v5, block2, block3        =>     block1(v3: i32, v4: i32):
//! block2:                                       v5 = i32.lt_s v3, v0
//!     v6 = i32.mul v1, v1                       brif v5, block2, block3
//!     v7 = i32.add v4, v6                   block2:
//!     v8 = i32.const 1                          v7 = i32.add v4, v6
//!     v9 = i32.add v3, v8                       v9 = i32.add v3, v8
//!     jump block1(v9, v7)                       jump block1(v9, v7)
//! block3:                                   block3:
//!     return v4                                 return v4
//! ```
//!
//! A loop without a preheader gets one (`cfg_edit::create_preheader`),
//! only when something is hoisted out of it.
//!
//! `licm` is in no pipeline: a hoisted value is live across the whole
//! loop, which in the emitted wasm is a local written once and read in the
//! loop, more bytes than the instruction it saves per iteration (and wasm
//! engines hoist such pure instructions themselves). It runs with
//! `--passes licm`.
//!
//! Preconditions: the function passes the structural verifier (so every
//! use is dominated by its definition, and an operand defined outside a
//! loop dominates the loop's preheader). Analyses used: the CFG, the loop
//! analysis, liveness and `analysis::cuts`.
//! Preserves the CFG, dominator tree and loop analysis when no preheader
//! was created, nothing otherwise; never liveness (values move between
//! blocks).
//!
//! Verification obligation: the target refines the source with the same
//! events: only pure instructions move, to a block that dominates every
//! block they came from, so every value is the same wherever it is used
//! and no trap, call or memory access is added, removed or reordered. The
//! loop headers and their parameters are unchanged (a created preheader is
//! a new block outside every loop, before every loop), so the checker's
//! induction over loop headers applies: `Proved`. Checked per function by
//! `weft-verify`.
//!
//! Complexity: O(blocks + edges + (instructions + operands) * loop depth)
//! for the search, plus one loop analysis per created preheader.

use cranelift_entity::EntitySet;
use weft_ir::{Block, Function, Inst, Loop, LoopAnalysis, Value, ValueDef, cfg_edit};

use crate::analysis::cuts::before_every_loop;
use crate::{Changed, FunctionPass, PassCx, Preserved};

/// The `licm` pass.
pub struct Licm;

impl FunctionPass for Licm {
    fn run(&self, func: &mut Function, cx: &mut PassCx) -> Changed {
        // Find every hoist first: outermost loops are disjoint, and moving
        // instructions out of one does not change what is invariant in
        // another. Headers identify loops across preheader creation.
        let plan: Vec<(Block, Vec<Inst>)> = {
            let loops = cx.loops(func);
            let cfg = cx.cfg(func);
            let liveness = cx.liveness(func);
            let before = before_every_loop(func, loops);
            // Values live into a loop header: hoisting one would turn it
            // from an unknown at that header into an exact term.
            let mut live_into_header: EntitySet<Value> = EntitySet::new();
            for lp in loops.loops() {
                for &v in liveness.live_in(loops.header(lp)) {
                    live_into_header.insert(v);
                }
            }
            loops
                .loops()
                .filter(|&lp| loops.parent(lp).is_none())
                .filter(|&lp| {
                    let mut entries = cfg.preds(loops.header(lp)).iter().filter(|p| !loops.is_in_loop(p.block, lp));
                    entries.clone().next().is_some() && entries.all(|p| before.contains(p.block))
                })
                .map(|lp| (loops.header(lp), invariant_insts(func, loops, &live_into_header, lp)))
                .filter(|(_, insts)| !insts.is_empty())
                .collect()
        };
        let mut created_preheader = false;
        let mut changed = false;
        for (header, insts) in plan {
            let loops = cx.loops(func);
            let Some(lp) = loops.loop_of_header(header) else { continue };
            let pre = match loops.preheader(lp) {
                Some(pre) => pre,
                None => {
                    let Some(pre) = cfg_edit::create_preheader(func, loops, lp) else { continue };
                    cx.invalidate(Preserved::NONE); // a block and edges were added
                    created_preheader = true;
                    pre
                }
            };
            let Some(term) = func.terminator(pre) else { continue };
            for inst in insts {
                func.layout.remove_inst(inst);
                func.layout.insert_inst(inst, term);
            }
            changed = true;
        }
        let preserved = if created_preheader { Preserved::NONE } else { Preserved::CONTROL_FLOW };
        Changed::from_bool(changed, preserved)
    }
}

/// The pure instructions of `lp` that are invariant in it and whose results
/// are in no `live_into_header`, in an order in which each comes after the
/// invariant instructions it uses.
fn invariant_insts(func: &Function, loops: &LoopAnalysis, live_into_header: &EntitySet<Value>, lp: Loop) -> Vec<Inst> {
    let mut hoisted: EntitySet<Inst> = EntitySet::new();
    let mut order = Vec::new();
    // Header first, then reverse post-order: a definition inside the loop
    // that dominates a use is visited before it.
    for &block in loops.blocks(lp) {
        for inst in func.layout.block_insts(block) {
            let invariant = func.dfg.insts[inst].opcode().effects().is_pure()
                && !func.dfg.inst_results(inst).is_empty()
                && !func.dfg.inst_results(inst).iter().any(|&r| live_into_header.contains(r))
                && func.dfg.inst_values(inst).into_iter().all(|v| defined_outside(func, loops, lp, &hoisted, v));
            if invariant {
                hoisted.insert(inst);
                order.push(inst);
            }
        }
    }
    order
}

/// Is `v` defined outside `lp`, or by an instruction in `hoisted`?
fn defined_outside(func: &Function, loops: &LoopAnalysis, lp: Loop, hoisted: &EntitySet<Inst>, v: Value) -> bool {
    match func.dfg.value_def(func.dfg.resolve_aliases(v)) {
        ValueDef::Param(block, _) => !loops.is_in_loop(block, lp),
        ValueDef::Result(inst, _) => {
            hoisted.contains(inst) || func.layout.inst_block(inst).is_some_and(|b| !loops.is_in_loop(b, lp))
        }
        // Resolved aliases are never `Alias`; a detached operand is not
        // in verified IR: leave its instruction alone.
        ValueDef::Alias(_) | ValueDef::Detached => false,
    }
}

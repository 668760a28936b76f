//! `gvn`: global value numbering over the dominator tree.
//!
//! Two instructions with the same opcode, the same immediate and the same
//! operands (after earlier replacements; the operands of a commutative
//! integer operation in either order) compute the same results when both
//! run. Blocks are visited in reverse post-order and the instructions of a
//! block in order; an instruction equal to an earlier one whose block
//! dominates its own (or that comes before it in the same block) is
//! removed, its results aliases of the earlier one's. This covers:
//!
//! - instructions whose only effect is a possible trap (`div`, `rem`,
//!   `trunc`) and pure ones: the earlier one ran on every path to the later
//!   one and did not trap, so the later one would not trap either and would
//!   give the same results;
//! - reads of memory, globals and tables (loads, `global.get`,
//!   `memory.size`, ...), within one block only, and only when no
//!   instruction between the two writes state or calls (a possible trap in
//!   between changes nothing the read sees). The same address value, offset,
//!   memory and width make the same access, so the later load cannot trap
//!   either.
//!
//! Constants and other instructions without operands are left alone: they
//! are as small as the `local.get` a reused value costs.
//!
//! The refinement checker cuts both functions at loop headers, where a
//! value other than one defined before every loop is an unknown matched
//! with the other function's value of the same number. A use that the
//! rewrite redirects across a loop header would make the earlier value live
//! into that header in the target only, and the check could prove it only
//! up to its unrolling bound. So an instruction is replaced by an earlier
//! one in another block only when that block comes before every loop (its
//! values keep exact terms), or when no loop header other than the earlier
//! block itself is dominated by the earlier block and reaches the later
//! one.
//!
//! ```text
//! block0(v0: i32, v1: i32):               block0(v0: i32, v1: i32):
//!     v2 = i32.mul v0, v1                     v2 = i32.mul v0, v1
//!     brif v0, block1, block2                 brif v0, block1, block2
//! block1:                          =>     block1:
//!     v3 = i32.mul v1, v0                     return v2
//!     return v3                           block2:
//! block2:                                     return v2
//!     return v2
//! ```
//!
//! Preconditions: the function passes the structural verifier. Analyses
//! used: the CFG, the dominator tree, the loop analysis and
//! `analysis::cuts`. Preserves the CFG, dominator tree and loop analysis
//! (only instructions that are not branches are removed); not liveness.
//!
//! Verification obligation: the target refines the source with the same
//! events: a removed instruction is dominated by an equal one that ran
//! without trapping, and no write or call separates two equal reads, so
//! its results are the same values; no effect is added, removed or moved.
//! The loop-header rule above keeps the proof inductive (`Proved`). Checked
//! per function by `weft-verify`.
//!
//! Complexity: O(instructions × equal candidates) for the numbering (hash
//! lookups), plus O(loop headers × (blocks + edges)) for the reachability
//! of headers; cross-block numbering is skipped when that product exceeds
//! [`MAX_HEADER_WORK`].

use std::collections::HashMap;

use cranelift_entity::EntitySet;
use weft_ir::{Block, DominatorTree, Effects, Function, Imm, Inst, InstructionData, LoopAnalysis, Opcode, Value};

use crate::analysis::cuts::before_every_loop;
use crate::{Changed, FunctionPass, PassCx, Preserved};

/// The `gvn` pass.
pub struct Gvn;

/// The most loop headers × blocks for which cross-block numbering computes
/// header reachability; above it, only reads and same-block instructions
/// are numbered.
pub const MAX_HEADER_WORK: usize = 4_000_000;

/// What makes two instructions equal.
#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    opcode: Opcode,
    imm: Imm,
    args: Vec<Value>,
}

impl FunctionPass for Gvn {
    fn run(&self, func: &mut Function, cx: &mut PassCx) -> Changed {
        let domtree = cx.domtree(func);
        let loops = cx.loops(func);
        let regions = Regions::compute(func, loops, domtree);
        let rpo: Vec<Block> = domtree.rpo().collect();
        // Equal pure (or only trapping) instructions seen so far, per key,
        // in visit order; looked up, never iterated.
        let mut seen: HashMap<Key, Vec<Inst>> = HashMap::new();
        let mut changed = false;
        for block in rpo {
            // Reads of this block since the last write or call.
            let mut reads: HashMap<Key, Inst> = HashMap::new();
            let insts: Vec<Inst> = func.layout.block_insts(block).collect();
            for inst in insts {
                let effects = func.dfg.insts[inst].opcode().effects();
                let Some(key) = key(func, inst) else {
                    if writes_or_calls(effects) {
                        reads.clear();
                    }
                    continue;
                };
                let earlier = if Effects::TRAP.contains(effects) {
                    let candidates = seen.entry(key).or_default();
                    let found = candidates.iter().copied().find(|&e| {
                        let Some(eb) = func.layout.inst_block(e) else { return false };
                        eb == block || domtree.dominates(eb, block) && regions.may_reuse(eb, block, domtree)
                    });
                    if found.is_none() {
                        candidates.push(inst);
                    }
                    found
                } else if writes_or_calls(effects) {
                    reads.clear();
                    None
                } else {
                    let found = reads.get(&key).copied();
                    if found.is_none() {
                        reads.insert(key, inst);
                    }
                    found
                };
                if let Some(earlier) = earlier {
                    let with = func.dfg.inst_results(earlier).to_vec();
                    func.dfg.replace_results_with(inst, &with);
                    func.layout.remove_inst(inst);
                    changed = true;
                }
            }
        }
        if changed {
            func.dfg.resolve_all_aliases();
        }
        Changed::from_bool(changed, Preserved::CONTROL_FLOW)
    }
}

/// Does an instruction with these effects end the reuse of reads?
fn writes_or_calls(effects: Effects) -> bool {
    effects.intersects(Effects::WRITES_MEMORY | Effects::WRITES_GLOBAL | Effects::WRITES_TABLE | Effects::CALL)
        || effects.contains(Effects::CONTROL)
}

/// The key of an instruction gvn numbers: an operation (not a branch) with
/// operands and results that neither writes state nor calls; `None`
/// otherwise. Operands are resolved through aliases and, for a commutative
/// integer operation, sorted.
fn key(func: &Function, inst: Inst) -> Option<Key> {
    let InstructionData::Op { opcode, args, imm } = &func.dfg.insts[inst] else { return None };
    let effects = opcode.effects();
    if writes_or_calls(effects) || func.dfg.inst_results(inst).is_empty() {
        return None;
    }
    let mut args: Vec<Value> =
        args.as_slice(&func.dfg.value_lists).iter().map(|&v| func.dfg.resolve_aliases(v)).collect();
    if args.is_empty() || args.iter().any(|&v| !func.dfg.value_is_valid(v)) {
        return None;
    }
    if is_commutative(*opcode) {
        args.sort_unstable();
    }
    Some(Key { opcode: *opcode, imm: *imm, args })
}

/// Integer operations whose operands commute (floats are left in order: a
/// NaN operand's payload may depend on it).
fn is_commutative(opcode: Opcode) -> bool {
    use Opcode as O;
    matches!(
        opcode,
        O::I32Add
            | O::I64Add
            | O::I32Mul
            | O::I64Mul
            | O::I32And
            | O::I64And
            | O::I32Or
            | O::I64Or
            | O::I32Xor
            | O::I64Xor
            | O::I32Eq
            | O::I64Eq
            | O::I32Ne
            | O::I64Ne
    )
}

/// Where a value may be reused without crossing a loop header.
struct Regions {
    /// Blocks reachable from the entry without passing a loop header.
    before_every_loop: EntitySet<Block>,
    /// Each loop header and the blocks reachable from it; empty when the
    /// work would exceed [`MAX_HEADER_WORK`] (then nothing is reused across
    /// blocks after a loop).
    reach: Vec<(Block, EntitySet<Block>)>,
    /// Whether `reach` was computed.
    complete: bool,
}

impl Regions {
    fn compute(func: &Function, loops: &LoopAnalysis, domtree: &DominatorTree) -> Regions {
        let before_every_loop = before_every_loop(func, loops);
        let headers: Vec<Block> = loops.loops().map(|lp| loops.header(lp)).collect();
        let blocks = func.layout.blocks().count();
        let complete = headers.len().saturating_mul(blocks.max(1)) <= MAX_HEADER_WORK;
        let mut reach = Vec::new();
        if complete {
            for h in headers {
                if !domtree.is_reachable(h) {
                    continue;
                }
                let mut seen = EntitySet::new();
                let mut stack = vec![h];
                while let Some(b) = stack.pop() {
                    if seen.insert(b) {
                        stack.extend(func.successors(b));
                    }
                }
                reach.push((h, seen));
            }
        }
        Regions { before_every_loop, reach, complete }
    }

    /// May a value of `earlier` (which dominates `later`) be used in
    /// `later`? Yes when `earlier` comes before every loop, or when no loop
    /// header but `earlier` itself is dominated by `earlier` and reaches
    /// `later`.
    fn may_reuse(&self, earlier: Block, later: Block, domtree: &DominatorTree) -> bool {
        if self.before_every_loop.contains(earlier) {
            return true;
        }
        self.complete
            && !self
                .reach
                .iter()
                .any(|(h, reached)| *h != earlier && domtree.dominates(earlier, *h) && reached.contains(later))
    }
}

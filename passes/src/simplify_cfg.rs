//! `simplify-cfg`: control-flow cleanup.
//!
//! Repeats, until nothing changes, five rewrites:
//!
//! 1. **Constant and degenerate branches become jumps**: `brif` on an
//!    `i32.const`, `br_table` on an `i32.const` index (an out-of-range index
//!    takes the default), a `brif` whose two targets are the same block with
//!    the same arguments, a `br_table` whose targets (default included) are
//!    all the same block call.
//! 2. **Unreachable blocks are removed**: every block not reachable from the
//!    entry, with its instructions; the edges it had into reachable blocks
//!    (and so their block arguments) go with it.
//! 3. **A block is merged into its unique predecessor** when that
//!    predecessor ends in a `jump` to it: the jump is removed, the block's
//!    parameters become aliases of the jump's arguments and its
//!    instructions are appended to the predecessor.
//! 4. **Empty forwarding blocks are removed**: a block other than the entry
//!    whose only instruction is `jump T(args)`, `T` another block, and whose
//!    parameters are used nowhere but in that jump, is bypassed: every edge
//!    into it is rewritten to go to `T`, with each argument that is one of
//!    the block's parameters replaced by what the edge passed for it (the
//!    other arguments are defined in a strict dominator of the block, so
//!    they dominate every predecessor). Except a *shared copy point*: a
//!    forwarder with two or more incoming edges whose jump passes a value
//!    that is not one of its parameters stays, since bypassing it would put
//!    that value on every incoming edge, and each such argument becomes a
//!    copy into a wasm local once lowered, where the forwarder makes one.
//! 5. **Redundant block parameters are removed**
//!    ([`weft_ir::cfg_edit::remove_redundant_params`]): a parameter whose
//!    incoming arguments are all one value `v` or the parameter itself
//!    becomes an alias of `v`, and the argument is dropped from every edge.
//!
//! The entry block is never removed, merged away or given different
//! parameters. Instructions left without uses (a folded condition) stay for
//! `dce`.
//!
//! ```text
//! block0(v0: i32):                       block0(v0: i32):
//!     v1 = i32.const 1                       v1 = i32.const 1
//!     brif v1, block1(v0), block2            v4 = i32.add v0, v0
//! block1(v2: i32):             =>            return v4
//!     jump block3(v2)
//! block2:
//!     trap
//! block3(v3: i32):
//!     v4 = i32.add v3, v3
//!     return v4
//! ```
//! (`brif` folds to `jump block1(v0)`, `block2` becomes unreachable, `block1`
//! is merged into `block0`, then `block3` is merged too; `v2` and `v3` are
//! aliases of `v0`, so the add reads `i32.add v0, v0`; `v1` is left for
//! `dce`.)
//!
//! Preconditions: the function passes the structural verifier (SSA
//! dominance, reducible CFG). Analyses used: none from the context — the
//! rewrites change the CFG as they go, so reachability, incoming edges and
//! use counts come from `weft_ir::cfg_edit`, recomputed after every change.
//! Preserves nothing when it changes the function: blocks and edges change.
//!
//! Verification obligation: the target refines the source with the same
//! events in the same order: no instruction other than branches is added,
//! removed or reordered (merged instructions keep their order, and run on
//! exactly the paths that ran them before); a folded branch takes the
//! target the source takes for every input; every rewritten edge passes
//! the same values its old path passed to the same block parameters. Checked
//! per function by `weft-verify`; when loop headers change (a forwarding
//! header, an unreachable loop removed), the check falls back to bounded
//! unrolling and reports `ProvedBounded`.
//!
//! Complexity: each round is O(instructions + edges) per rewrite kind, and
//! threading one forwarding block recomputes predecessor edges and use
//! counts; every round removes a block, a branch target or a parameter, so
//! the whole pass is O((blocks + params) × (instructions + edges)) in the
//! worst case and close to linear on typical code.

use cranelift_entity::SecondaryMap;
use weft_ir::cfg_edit::{
    edge_args, edge_target, edges_from, incoming_edges, make_jump, remove_redundant_params, remove_unreachable_blocks,
    set_edge, use_counts,
};
use weft_ir::{Block, BlockCall, Edge, Function, Inst, InstructionData, Value};

use crate::{Changed, PassCx, Preserved};

/// The `simplify-cfg` pass.
pub struct SimplifyCfg;

impl crate::FunctionPass for SimplifyCfg {
    fn run(&self, func: &mut Function, _cx: &mut PassCx) -> Changed {
        let Some(entry) = func.entry_block() else { return Changed::No };
        let mut changed = false;
        loop {
            let mut round = fold_branches(func);
            round |= remove_unreachable_blocks(func);
            round |= merge_into_predecessors(func, entry);
            round |= thread_forwarders(func, entry);
            round |= remove_redundant_params(func);
            if !round {
                break;
            }
            changed = true;
        }
        if changed {
            func.dfg.resolve_all_aliases();
        }
        Changed::from_bool(changed, Preserved::NONE)
    }
}

/// Is `block` a block of the DFG that is in the layout?
fn in_layout(func: &Function, block: Block) -> bool {
    func.dfg.block_is_valid(block) && func.layout.is_block_inserted(block)
}

/// Does `a` (resolved) equal `b` (resolved)?
fn same_value(func: &Function, a: Value, b: Value) -> bool {
    func.dfg.resolve_aliases(a) == func.dfg.resolve_aliases(b)
}

/// Do two block calls go to the same block with the same arguments?
fn same_call(func: &Function, a: &BlockCall, b: &BlockCall) -> bool {
    let (x, y) = (func.dfg.block_call_args(a), func.dfg.block_call_args(b));
    a.block == b.block && x.len() == y.len() && x.iter().zip(y).all(|(&p, &q)| same_value(func, p, q))
}

// --------------------------------------------------------------- rewrites

/// Rewrite 1: constant and degenerate branches become jumps.
fn fold_branches(func: &mut Function) -> bool {
    let mut changed = false;
    let blocks: Vec<Block> = func.layout.blocks().collect();
    for block in blocks {
        let Some(inst) = func.terminator(block) else { continue };
        let dests: Vec<BlockCall> = func.dfg.branch_destinations(inst).cloned().collect();
        if dests.is_empty() {
            continue;
        }
        let edge = |slot: usize| Edge { inst, slot };
        let taken = match func.dfg.insts[inst] {
            InstructionData::Brif { cond, .. } => match func.dfg.int_const(cond) {
                Some(c) => Some(edge(if c != 0 { 0 } else { 1 })),
                None if dests.len() == 2 && same_call(func, &dests[0], &dests[1]) => Some(edge(0)),
                None => None,
            },
            InstructionData::BrTable { index, .. } => match func.dfg.int_const(index) {
                // Index i takes target i (slot i + 1) when in range, else the default (slot 0).
                Some(i) => {
                    let i = i as i32 as u32 as usize;
                    Some(edge(if i < dests.len() - 1 { i + 1 } else { 0 }))
                }
                None if dests.iter().all(|d| same_call(func, d, &dests[0])) => Some(edge(0)),
                None => None,
            },
            _ => None,
        };
        if let Some(edge) = taken {
            changed |= make_jump(func, edge);
        }
    }
    changed
}

/// Rewrite 3: merges each block into its unique predecessor when that
/// predecessor jumps only to it.
fn merge_into_predecessors(func: &mut Function, entry: Block) -> bool {
    let edges = incoming_edges(func);
    let blocks: Vec<Block> = func.layout.blocks().collect();
    let mut changed = false;
    for block in blocks {
        if block == entry || !func.layout.is_block_inserted(block) {
            continue;
        }
        let [edge] = edges[block].as_slice() else { continue };
        // The branch may have moved into another block by an earlier merge.
        let Some(pred) = func.layout.inst_block(edge.inst) else { continue };
        let InstructionData::Jump { dest } = &func.dfg.insts[edge.inst] else { continue };
        if pred == block || dest.block != block {
            continue;
        }
        let args: Vec<Value> = func.dfg.block_call_args(dest).iter().map(|&a| func.dfg.resolve_aliases(a)).collect();
        let params = func.dfg.block_params(block).to_vec();
        let fits = args.len() == params.len()
            && params.iter().zip(&args).all(|(&p, &a)| p != a && func.dfg.value_type(p) == func.dfg.value_type(a));
        if !fits {
            continue;
        }
        func.layout.remove_inst(edge.inst);
        for (&p, &a) in params.iter().zip(&args).rev() {
            let last = func.dfg.block_params(block).len() - 1;
            func.dfg.remove_block_param(block, last);
            func.dfg.change_to_alias(p, a);
        }
        let insts: Vec<Inst> = func.layout.block_insts(block).collect();
        for inst in insts {
            func.layout.remove_inst(inst);
            func.layout.append_inst(inst, pred);
        }
        func.layout.remove_block(block);
        changed = true;
    }
    changed
}

/// Is `block` a forwarding block: only `jump T(args)` with `T != block`,
/// its parameters used only by that jump (each once per occurrence)?
/// Returns the jump.
fn forwarder(func: &Function, block: Block, uses: &SecondaryMap<Value, u32>) -> Option<Inst> {
    let inst = func.layout.first_inst(block)?;
    if func.layout.last_inst(block) != Some(inst) {
        return None;
    }
    let InstructionData::Jump { dest } = &func.dfg.insts[inst] else { return None };
    if dest.block == block || !in_layout(func, dest.block) {
        return None;
    }
    let args = func.dfg.block_call_args(dest);
    for &p in func.dfg.block_params(block) {
        let in_jump = args.iter().filter(|&&a| same_value(func, a, p)).count() as u32;
        if uses[p] != in_jump {
            return None;
        }
    }
    Some(inst)
}

/// Rewrite 4: bypasses empty forwarding blocks. One block per edge
/// computation (threading changes the edges of its target).
fn thread_forwarders(func: &mut Function, entry: Block) -> bool {
    let mut changed = false;
    'again: loop {
        let edges = incoming_edges(func);
        let uses = use_counts(func);
        let blocks: Vec<Block> = func.layout.blocks().collect();
        for block in blocks {
            if block == entry || edges[block].is_empty() {
                continue;
            }
            let Some(jump) = forwarder(func, block, &uses) else { continue };
            let Some(out) = edges_from(func, jump).next() else { continue };
            let Some(target) = edge_target(func, out) else { continue };
            let out_args = edge_args(func, out).to_vec();
            let params = func.dfg.block_params(block).to_vec();
            if edges[block].iter().any(|&e| edge_args(func, e).len() != params.len()) {
                // A malformed edge: leave the block alone.
                continue;
            }
            if edges[block].len() >= 2 && out_args.iter().any(|&a| !params.contains(&func.dfg.resolve_aliases(a))) {
                // A shared copy point: the jump passes a value of its own
                // to several edges; bypassing it would put that value on
                // every edge (a copy each, once lowered).
                continue;
            }
            for &edge in &edges[block] {
                let in_args = edge_args(func, edge).to_vec();
                let new_args: Vec<Value> = out_args
                    .iter()
                    .map(|&a| {
                        let a = func.dfg.resolve_aliases(a);
                        params.iter().position(|&p| p == a).map_or(a, |i| in_args[i])
                    })
                    .collect();
                set_edge(func, edge, target, &new_args);
            }
            func.layout.remove_block_and_insts(block);
            changed = true;
            continue 'again;
        }
        break;
    }
    changed
}

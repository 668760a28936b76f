//! Stackification: which values stay on the operand stack, and the order
//! in which each block's instructions are emitted.
//!
//! Each block is walked bottom-up. An instruction not yet placed becomes a
//! *root* and is placed in front of everything placed so far; then its
//! operands are examined last to first (the last operand is on top of the
//! stack). An operand whose definition `D` is in the same block, has one
//! result, and is not yet placed can be *moved down* to the front of the
//! placed code, so its value is produced right where it is consumed:
//!
//! * if the value has exactly one use, it stays on the stack ([`Kind::Stack`]);
//! * if every other use in the block is already placed (so it executes
//!   later), it is written with `local.tee` ([`Kind::Tee`]).
//!
//! A definition with several results stays on the stack when its results
//! are, in order, consecutive operands of one user and each is used once
//! (`call $pair` feeding `i32.sub`, or a `return`).
//!
//! Then `D`'s own operands are examined the same way, so expression trees
//! form. Moving `D` down swaps it with every not-yet-placed instruction
//! after it in the layout; each such instruction must commute with `D`
//! ([`weft_ir::Effects::conflicts_with`]), which a pure `D` always does.
//! Values never move across blocks. This is the tree-building of LLVM's
//! WebAssembly `RegStackify`, restricted to moves that keep effects in order.
//!
//! Front insertion keeps data dependences: a definition is placed only
//! after all of its uses in the block are placed, so it is emitted before
//! them.

use crate::analysis::{FuncInfo, Kind};
use cranelift_entity::SecondaryMap;
use weft_ir::{Block, Inst, InstructionData, Value, ValueDef};

/// How far (in instructions) a definition with effects may be moved down
/// before the backend stops checking and keeps it in a local.
const MAX_EFFECT_SCAN: usize = 256;

/// The emission order of each block: roots and the trees under them.
pub(crate) struct Schedule {
    /// Every emitted instruction of each reachable block, in emission order
    /// (post-order of the expression trees; the terminator last).
    pub order: SecondaryMap<Block, Vec<Inst>>,
    /// Is the instruction a root (its results go to locals or are dropped)?
    pub is_root: SecondaryMap<Inst, bool>,
}

/// Decides stack, tee and local for every value and orders every block.
pub(crate) fn stackify(info: &mut FuncInfo<'_>) -> Schedule {
    let mut schedule = Schedule { order: SecondaryMap::new(), is_root: SecondaryMap::new() };
    let mut pos: SecondaryMap<Inst, u32> = SecondaryMap::new();
    let mut in_block: SecondaryMap<Inst, bool> = SecondaryMap::new();
    let mut pending: SecondaryMap<Value, u32> = SecondaryMap::new();
    let rpo = info.rpo.clone();
    for block in rpo {
        let list = info.insts[block].clone();
        for (i, &inst) in list.iter().enumerate() {
            pos[inst] = i as u32;
            in_block[inst] = true;
            for v in in_block_uses(info, block, inst) {
                pending[v] += 1;
            }
        }
        let mut placed = vec![false; list.len()];
        let mut order_rev: Vec<Inst> = Vec::with_capacity(list.len());
        for root_pos in (0..list.len()).rev() {
            if placed[root_pos] {
                continue;
            }
            schedule.is_root[list[root_pos]] = true;
            place_tree(info, block, &list, root_pos, &pos, &in_block, &mut pending, &mut placed, &mut order_rev);
        }
        for &inst in &list {
            in_block[inst] = false;
        }
        order_rev.reverse();
        schedule.order[block] = order_rev;
    }
    schedule
}

/// Uses of values by `inst` that are counted for the tee rule: its stack
/// operands, and for `brif`/`br_table` the arguments of needed parameters.
fn in_block_uses(info: &FuncInfo<'_>, block: Block, inst: Inst) -> Vec<Value> {
    let mut out = info.operands[inst].clone();
    out.extend(edge_arg_uses(info, block, inst));
    out
}

/// Arguments of needed parameters on the edges of a `brif`/`br_table`
/// (copied in the branch arms, after the condition).
fn edge_arg_uses(info: &FuncInfo<'_>, block: Block, inst: Inst) -> Vec<Value> {
    let dfg = &info.func.dfg;
    let mut out = Vec::new();
    if matches!(dfg.insts[inst], InstructionData::Brif { .. } | InstructionData::BrTable { .. }) {
        for edge in &info.edges[block] {
            for (&a, &p) in edge.args.iter().zip(dfg.block_params(edge.to)) {
                if info.needed_value[p] {
                    out.push(a);
                }
            }
        }
    }
    out
}

#[expect(clippy::too_many_arguments, reason = "the walk's state is spread over per-block side tables")]
fn place_tree(
    info: &mut FuncInfo<'_>,
    block: Block,
    list: &[Inst],
    root_pos: usize,
    pos: &SecondaryMap<Inst, u32>,
    in_block: &SecondaryMap<Inst, bool>,
    pending: &mut SecondaryMap<Value, u32>,
    placed: &mut [bool],
    order_rev: &mut Vec<Inst>,
) {
    let func = info.func;
    let dfg = &func.dfg;
    // (instruction, number of operands not yet examined)
    let mut stack: Vec<(Inst, usize)> = Vec::new();
    let mut place = |inst: Inst, placed: &mut [bool], pending: &mut SecondaryMap<Value, u32>, info: &FuncInfo<'_>| {
        placed[pos[inst] as usize] = true;
        order_rev.push(inst);
        for v in edge_arg_uses(info, block, inst) {
            pending[v] -= 1;
        }
        (inst, info.operands[inst].len())
    };
    stack.push(place(list[root_pos], placed, pending, info));
    while let Some(top) = stack.last_mut() {
        if top.1 == 0 {
            stack.pop();
            continue;
        }
        top.1 -= 1;
        let (user, j) = (top.0, top.1);
        let v = info.operands[user][j];
        pending[v] -= 1;
        if info.kind[v] != Kind::Local {
            continue;
        }
        let ValueDef::Result(def, index) = dfg.value_def(v) else { continue };
        if !in_block[def] || placed[pos[def] as usize] {
            continue;
        }
        let results = dfg.inst_results(def);
        if results.len() > 1 {
            // A multi-value definition stays on the stack when its results
            // are exactly consecutive operands of this user, each used once.
            let n = results.len();
            let group_ok = index + 1 == n
                && j + 1 >= n
                && info.operands[user][j + 1 - n..=j] == *results
                && results.iter().all(|&r| info.uses[r] == 1 && info.kind[r] == Kind::Local);
            if !group_ok || !can_move_down(info, list, pos[def] as usize, root_pos, placed) {
                continue;
            }
            for &r in results {
                info.kind[r] = Kind::Stack;
            }
            for &w in &info.operands[user][j + 1 - n..j] {
                pending[w] -= 1;
            }
            if let Some(top) = stack.last_mut() {
                top.1 -= n - 1;
            }
            stack.push(place(def, placed, pending, info));
            continue;
        }
        let new_kind = if info.uses[v] == 1 {
            Kind::Stack
        } else if pending[v] == 0 {
            Kind::Tee { inst: user, operand: j as u32 }
        } else {
            continue;
        };
        if !can_move_down(info, list, pos[def] as usize, root_pos, placed) {
            continue;
        }
        info.kind[v] = new_kind;
        stack.push(place(def, placed, pending, info));
    }
}

/// Can the instruction at `from` be emitted after every unplaced instruction
/// between it and `root_pos`?
fn can_move_down(info: &FuncInfo<'_>, list: &[Inst], from: usize, root_pos: usize, placed: &[bool]) -> bool {
    let dfg = &info.func.dfg;
    let effects = dfg.insts[list[from]].opcode().effects();
    if effects.is_pure() {
        return true;
    }
    if root_pos - from > MAX_EFFECT_SCAN {
        return false;
    }
    (from + 1..root_pos).filter(|&k| !placed[k]).all(|k| !effects.conflicts_with(dfg.insts[list[k]].opcode().effects()))
}

//! `sccp`: sparse conditional constant propagation (Wegman and Zadeck,
//! "Constant Propagation with Conditional Branches", TOPLAS 1991), on SSA
//! with block parameters.
//!
//! The propagation is the [`dataflow`](crate::analysis::dataflow)
//! framework run with the [`constant domain`](crate::analysis::constants):
//! every value is undefined (no executable definition seen yet), a
//! constant, or overdefined, and every CFG edge is executable or not.
//! Starting from the entry (whose parameters are overdefined), pure
//! operations on constants are folded with the interpreter's semantics
//! (except where a trap or a NaN whose bits the engine chooses would be
//! fixed), `select` on a constant is its chosen arm, a branch marks the
//! edges its condition allows, and a block parameter is the join of the
//! arguments on its executable incoming edges (the domain's docs list the
//! transfer functions).
//!
//! Then, in executable blocks: an instruction whose result is a constant
//! of type `i32`, `i64`, `f32`, `f64` or `v128` becomes the `*.const`
//! (keeping its result value); a `brif` or `br_table` on a constant becomes
//! a `jump`; blocks no longer reachable from the entry are removed; then a
//! constant block parameter whose every remaining incoming argument is
//! that constant (or the parameter itself) is replaced by a `*.const` at
//! the top of its block and removed with its arguments. Reference-typed
//! constants are used for folding (`ref.is_null`) but not materialized.
//!
//! ```text
//! block0(v0: i32):                       block0(v0: i32):
//!     v1 = i32.const 4                       v1 = i32.const 4
//!     v2 = i32.const 6                       v2 = i32.const 6
//!     v3 = i32.lt_u v1, v2          =>       v3 = i32.const 1
//!     brif v3, block1(v1), block2            jump block1
//! block1(v4: i32):                       block1:
//!     v5 = i32.mul v4, v2                    v6 = i32.const 4
//!     return v5                              v5 = i32.const 24
//! block2:                                    return v5
//!     trap                               }
//! ```
//!
//! Preconditions: the function passes the structural verifier. Analyses
//! used: none (the framework runs without edge facts, so without a
//! dominator tree); edges are `weft_ir::cfg_edit`'s. Preserves nothing when a branch is folded or a block
//! removed (the CFG changes); otherwise the CFG, dominator tree and loop
//! analysis.
//!
//! Verification obligation: the target refines the source with the same
//! events. Every value replaced by a constant has that value on every
//! execution that reaches it (the lattice is a sound over-approximation of
//! the values on executable paths, and the folding function is the
//! interpreter's semantics, which `weft-verify`'s encoding is
//! cross-checked against); only instructions without effects (or that
//! provably do not trap on their constant operands) are replaced; a folded
//! branch takes the only edge its constant condition can take; removed
//! blocks were never executed. Checked per function by `weft-verify`
//! (bounded when a loop's header parameters are replaced or a loop is
//! removed).
//!
//! Complexity: O(instructions + uses + edges) for the propagation — a
//! fact grows at most twice, and each growth revisits the value's uses —
//! plus O(params × edges) for removing constant parameters.

use weft_ir::cfg_edit::{
    edge_args, edges_from, incoming_edges, make_jump, remove_param_with_args, remove_unreachable_blocks,
};
use weft_ir::interpreter::Val;
use weft_ir::interpreter::fold::is_foldable;
use weft_ir::{Block, Edge, Function, Imm, Inst, InstructionData, Opcode, Value};

use crate::analysis::constants::{ConstLattice, Constants};
use crate::analysis::dataflow::{Dataflow, Solution};
use crate::{Changed, PassCx, Preserved};

/// The `sccp` pass.
pub struct Sccp;

/// Runs the constant propagation on `func` (no rewriting).
pub fn solve(func: &Function) -> Solution<ConstLattice> {
    Dataflow::new(func, &Constants).solve()
}

/// The `*.const` opcode and immediate for a constant, if it has one.
fn const_inst(v: Val) -> Option<(Opcode, Imm)> {
    Some(match v {
        Val::I32(x) => (Opcode::I32Const, Imm::I32(x)),
        Val::I64(x) => (Opcode::I64Const, Imm::I64(x)),
        Val::F32(x) => (Opcode::F32Const, Imm::F32(x)),
        Val::F64(x) => (Opcode::F64Const, Imm::F64(x)),
        Val::V128(x) => (Opcode::V128Const, Imm::V128(x)),
        Val::FuncRef(_) | Val::ExternRef(_) => return None,
    })
}

impl crate::FunctionPass for Sccp {
    fn run(&self, func: &mut Function, _cx: &mut PassCx) -> Changed {
        let Some(entry) = func.entry_block() else { return Changed::No };
        let mut sol = solve(func);
        let mut changed = false;
        let blocks: Vec<Block> = func.layout.blocks().filter(|&b| sol.block_is_executable(b)).collect();

        // Instructions with a constant result become that constant.
        for &block in &blocks {
            let insts: Vec<Inst> = func.layout.block_insts(block).collect();
            for inst in insts {
                let InstructionData::Op { opcode, imm, .. } = func.dfg.insts[inst] else { continue };
                let [r] = *func.dfg.inst_results(inst) else { continue };
                let ConstLattice::Const(v) = sol.value(func, r) else { continue };
                let Some((cop, cimm)) = const_inst(*v) else { continue };
                if (opcode, imm) == (cop, cimm) || !is_foldable(opcode) && opcode != Opcode::Select {
                    continue;
                }
                let args = weft_ir::ValueList::new();
                func.dfg.replace_inst_data(inst, InstructionData::Op { opcode: cop, args, imm: cimm });
                changed = true;
            }
        }

        // Branches on constants become jumps.
        let mut cfg_changed = false;
        for &block in &blocks {
            let Some(inst) = func.terminator(block) else { continue };
            if !matches!(func.dfg.insts[inst], InstructionData::Brif { .. } | InstructionData::BrTable { .. }) {
                continue;
            }
            let live: Vec<Edge> = edges_from(func, inst).filter(|&e| sol.edge_is_executable(e)).collect();
            let cond = func.dfg.inst_args(inst)[0];
            if !matches!(sol.value(func, cond), ConstLattice::Const(_)) {
                continue;
            }
            let [edge] = live.as_slice() else { continue };
            cfg_changed |= make_jump(func, *edge);
        }

        cfg_changed |= remove_unreachable_blocks(func);
        changed |= cfg_changed;

        // Constant block parameters become constants at the top of their
        // block. Checked edge by edge on what remains after folding: every
        // incoming argument must be that constant (or the parameter itself).
        let edges = incoming_edges(func);
        let blocks: Vec<Block> = func.layout.blocks().filter(|&b| b != entry && sol.block_is_executable(b)).collect();
        for &block in &blocks {
            for i in (0..func.dfg.block_params(block).len()).rev() {
                let p = func.dfg.block_params(block)[i];
                let ConstLattice::Const(v) = *sol.value(func, p) else { continue };
                let Some((cop, cimm)) = const_inst(v) else { continue };
                let agrees =
                    |a: Value| func.dfg.resolve_aliases(a) == p || *sol.value(func, a) == ConstLattice::Const(v);
                if !edges[block].iter().all(|&e| edge_args(func, e).get(i).is_some_and(|&a| agrees(a))) {
                    continue;
                }
                let Some(first) = func.layout.first_inst(block) else { continue };
                let c = func.dfg.make_op(cop, &[], cimm);
                if func.dfg.make_inst_results(c).is_err() {
                    continue;
                }
                func.layout.insert_inst(c, first);
                let cv = func.dfg.first_result(c);
                sol.set_value(cv, ConstLattice::Const(v));
                remove_param_with_args(func, &edges, block, i);
                func.dfg.change_to_alias(p, cv);
                changed = true;
            }
        }

        if changed {
            func.dfg.resolve_all_aliases();
        }
        Changed::from_bool(changed, if cfg_changed { Preserved::NONE } else { Preserved::CONTROL_FLOW })
    }
}

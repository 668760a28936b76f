//! `sccp`: sparse conditional constant propagation (Wegman and Zadeck,
//! "Constant Propagation with Conditional Branches", TOPLAS 1991), on SSA
//! with block parameters.
//!
//! Every value gets a lattice element — *top* (no executable definition
//! seen yet), a *constant*, or *bottom* (varies) — and every CFG edge an
//! executable flag. Starting from the entry (whose parameters are bottom),
//! an instruction is evaluated when its block becomes executable and again
//! whenever an operand's element drops:
//!
//! - pure opcodes and opcodes whose only effect is a possible trap, with
//!   constant operands, are folded by
//!   [`weft_ir::interpreter::fold::eval_pure`] — the interpreter's own
//!   semantics, so results are bit for bit what execution gives (IEEE
//!   rounding, `v128` lanes). An operation that traps on its constant
//!   operands (`i32.div_s x, 0`, `i32.trunc_f32_s` of NaN) is bottom and
//!   stays, and so is an arithmetic float operation whose result is a NaN
//!   (`f64.div 0.0, 0.0`, a NaN lane of `f32x4.add`): wasm lets the engine
//!   choose its sign and payload (x86 gives `-nan`, the interpreter the
//!   canonical `+nan`), so folding would change bits a `reinterpret` or a
//!   store can observe;
//! - `select` with a constant condition is the chosen arm's element;
//! - everything that reads or writes state or calls (`global.get`, loads,
//!   `memory.size`, `table.get`, calls) is bottom: constants in memory and
//!   globals are left to interprocedural passes, which can see every write;
//! - a branch marks the edges its condition allows (both `brif` edges when
//!   the condition is bottom, none while it is top), and a block parameter
//!   is the meet of the arguments on its executable incoming edges.
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
//! used: none beyond use lists built here and the edges of
//! `weft_ir::cfg_edit`. Preserves nothing when a branch is folded or a block
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
//! Complexity: O(instructions + uses + edges) for the propagation — an
//! element drops at most twice, and each drop revisits the value's uses —
//! plus O(params × edges) for removing constant parameters.

use std::collections::BTreeSet;

use cranelift_entity::{EntitySet, SecondaryMap};
use weft_ir::cfg_edit::{
    edge_args, edges_from, incoming_edges, make_jump, remove_param_with_args, remove_unreachable_blocks,
};
use weft_ir::interpreter::Val;
use weft_ir::interpreter::fold::{eval_pure, is_foldable};
use weft_ir::{Block, Edge, Function, Imm, Inst, InstructionData, Opcode, SimdShape, Value};

use crate::{Changed, PassCx, Preserved};

/// The `sccp` pass.
pub struct Sccp;

/// A lattice element.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Lattice {
    /// No executable definition seen yet.
    #[default]
    Top,
    /// Always this value.
    Const(Val),
    /// Varies (or unknown).
    Bottom,
}

impl Lattice {
    /// The greatest lower bound.
    pub fn meet(&self, other: &Lattice) -> Lattice {
        match (self, other) {
            (Lattice::Top, x) | (x, Lattice::Top) => x.clone(),
            (Lattice::Const(a), Lattice::Const(b)) if a == b => Lattice::Const(*a),
            _ => Lattice::Bottom,
        }
    }
}

/// The fixpoint of the propagation: lattice elements, executable blocks and
/// edges.
pub struct Solution {
    /// The element of each value (resolved through aliases).
    pub values: SecondaryMap<Value, Lattice>,
    /// Blocks reached over executable edges.
    pub blocks: EntitySet<Block>,
    edges: BTreeSet<Edge>,
}

impl Solution {
    /// Is `edge` executable?
    pub fn edge_is_executable(&self, edge: Edge) -> bool {
        self.edges.contains(&edge)
    }

    /// The element of `v`.
    pub fn get(&self, func: &Function, v: Value) -> Lattice {
        if !func.dfg.value_is_valid(v) {
            return Lattice::Bottom;
        }
        self.values[func.dfg.resolve_aliases(v)].clone()
    }
}

/// Runs the propagation on `func` (no rewriting).
pub fn solve(func: &Function) -> Solution {
    let mut s = Solver {
        func,
        sol: Solution { values: SecondaryMap::new(), blocks: EntitySet::new(), edges: BTreeSet::new() },
        uses: SecondaryMap::new(),
        block_work: Vec::new(),
        value_work: Vec::new(),
    };
    s.run();
    s.sol
}

struct Solver<'a> {
    func: &'a Function,
    sol: Solution,
    /// Instructions using each value (operand or block-call argument).
    uses: SecondaryMap<Value, Vec<Inst>>,
    block_work: Vec<Block>,
    value_work: Vec<Value>,
}

impl Solver<'_> {
    fn run(&mut self) {
        let func = self.func;
        let Some(entry) = func.entry_block() else { return };
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                for v in func.dfg.inst_values(inst) {
                    if func.dfg.value_is_valid(v) {
                        let v = func.dfg.resolve_aliases(v);
                        if self.uses[v].last() != Some(&inst) {
                            self.uses[v].push(inst);
                        }
                    }
                }
            }
        }
        for &p in func.dfg.block_params(entry) {
            self.sol.values[p] = Lattice::Bottom;
        }
        self.sol.blocks.insert(entry);
        self.block_work.push(entry);
        loop {
            if let Some(block) = self.block_work.pop() {
                for inst in func.layout.block_insts(block) {
                    self.visit(inst);
                }
            } else if let Some(v) = self.value_work.pop() {
                for i in 0..self.uses[v].len() {
                    let inst = self.uses[v][i];
                    if func.layout.inst_block(inst).is_some_and(|b| self.sol.blocks.contains(b)) {
                        self.visit(inst);
                    }
                }
            } else {
                break;
            }
        }
    }

    fn get(&self, v: Value) -> Lattice {
        self.sol.get(self.func, v)
    }

    /// Lowers `v`'s element to its meet with `new`; queues its uses if it dropped.
    fn lower(&mut self, v: Value, new: &Lattice) {
        let old = &self.sol.values[v];
        let met = old.meet(new);
        if met != *old {
            self.sol.values[v] = met;
            self.value_work.push(v);
        }
    }

    fn visit(&mut self, inst: Inst) {
        let func = self.func;
        match &func.dfg.insts[inst] {
            InstructionData::Jump { .. } => self.take(inst, 0),
            InstructionData::Brif { cond, .. } => match self.get(*cond) {
                Lattice::Top => {}
                Lattice::Const(Val::I32(c)) => self.take(inst, if c != 0 { 0 } else { 1 }),
                _ => {
                    self.take(inst, 0);
                    self.take(inst, 1);
                }
            },
            InstructionData::BrTable { index, .. } => {
                let n = func.dfg.num_branch_destinations(inst);
                match self.get(*index) {
                    Lattice::Top => {}
                    Lattice::Const(Val::I32(i)) => {
                        let i = i as u32 as usize;
                        self.take(inst, if i + 1 < n { i + 1 } else { 0 });
                    }
                    _ => (0..n).for_each(|k| self.take(inst, k)),
                }
            }
            InstructionData::Op { opcode, args, imm } => {
                let results = func.dfg.inst_results(inst);
                if results.is_empty() {
                    return;
                }
                let args = args.as_slice(&func.dfg.value_lists);
                let new = self.evaluate(*opcode, args, *imm, results);
                for &r in results {
                    self.lower(r, &new);
                }
            }
        }
    }

    /// The element of the (single) result of an operation, or bottom.
    fn evaluate(&self, opcode: Opcode, args: &[Value], imm: Imm, results: &[Value]) -> Lattice {
        let [result] = results else { return Lattice::Bottom };
        if opcode == Opcode::Select {
            let [a, b, c] = args else { return Lattice::Bottom };
            return match self.get(*c) {
                Lattice::Top => Lattice::Top,
                Lattice::Const(Val::I32(c)) => self.get(if c != 0 { *a } else { *b }),
                _ => self.get(*a).meet(&self.get(*b)),
            };
        }
        if !is_foldable(opcode) {
            return Lattice::Bottom;
        }
        let mut vals = Vec::with_capacity(args.len());
        let mut top = false;
        for &a in args {
            match self.get(a) {
                Lattice::Bottom => return Lattice::Bottom,
                Lattice::Top => top = true,
                Lattice::Const(v) => vals.push(v),
            }
        }
        if top {
            return Lattice::Top;
        }
        match eval_pure(opcode, &vals, imm).as_deref() {
            Ok([v]) if v.ty() == self.func.dfg.value_type(*result) && !nondeterministic_nan(opcode, v) => {
                Lattice::Const(*v)
            }
            _ => Lattice::Bottom,
        }
    }

    /// Marks destination `slot` of `inst` executable and passes its
    /// arguments to the target's parameters.
    fn take(&mut self, inst: Inst, slot: usize) {
        let func = self.func;
        let Some(call) = func.dfg.branch_destination(inst, slot) else { return };
        let target = call.block;
        if !func.dfg.block_is_valid(target) || !func.layout.is_block_inserted(target) {
            return;
        }
        self.sol.edges.insert(Edge { inst, slot });
        let args = func.dfg.block_call_args(call);
        let params = func.dfg.block_params(target);
        if args.len() == params.len() {
            for (&p, &a) in params.iter().zip(args) {
                let new = self.get(a);
                self.lower(p, &new);
            }
        } else {
            for &p in params {
                self.lower(p, &Lattice::Bottom);
            }
        }
        if !self.sol.blocks.contains(target) {
            self.sol.blocks.insert(target);
            self.block_work.push(target);
        }
    }
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
        let blocks: Vec<Block> = func.layout.blocks().filter(|&b| sol.blocks.contains(b)).collect();

        // Instructions with a constant result become that constant.
        for &block in &blocks {
            let insts: Vec<Inst> = func.layout.block_insts(block).collect();
            for inst in insts {
                let InstructionData::Op { opcode, imm, .. } = func.dfg.insts[inst] else { continue };
                let [r] = *func.dfg.inst_results(inst) else { continue };
                let Lattice::Const(v) = &sol.values[r] else { continue };
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
            if !matches!(sol.get(func, cond), Lattice::Const(_)) {
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
        let blocks: Vec<Block> = func.layout.blocks().filter(|&b| b != entry && sol.blocks.contains(b)).collect();
        for &block in &blocks {
            for i in (0..func.dfg.block_params(block).len()).rev() {
                let p = func.dfg.block_params(block)[i];
                let Lattice::Const(v) = sol.values[p].clone() else { continue };
                let Some((cop, cimm)) = const_inst(v) else { continue };
                let agrees = |a: Value| func.dfg.resolve_aliases(a) == p || sol.get(func, a) == Lattice::Const(v);
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
                sol.values[cv] = Lattice::Const(v);
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

/// Does `opcode` produce a NaN in `v` whose bits wasm leaves
/// nondeterministic? An arithmetic float operation that yields a NaN may
/// give any arithmetic NaN (sign and payload vary: x86 makes `0.0 / 0.0`
/// negative, the interpreter canonical), so folding it would fix bits the
/// original leaves to the engine — observable through `reinterpret` or a
/// store. Such results are left to run. Constants and the bitwise float
/// operations (`neg`, `abs`, `copysign`, `reinterpret`, lane moves) are
/// exact on NaNs and still fold. A `v128` result is read as lanes of the
/// opcode's [`SimdShape`]: every instruction of shape `f32x4` or `f64x2`
/// with a NaN lane is left to run — conservatively for the compares, whose
/// all-ones mask lanes read as NaNs.
fn nondeterministic_nan(opcode: Opcode, v: &Val) -> bool {
    use Opcode::*;
    let bitwise = matches!(
        opcode,
        F32Const
            | F64Const
            | F32Neg
            | F32Abs
            | F32Copysign
            | F64Neg
            | F64Abs
            | F64Copysign
            | F32ReinterpretI32
            | F64ReinterpretI64
            | F32x4ExtractLane
            | F64x2ExtractLane
            | F32x4Splat
            | F64x2Splat
            | F32x4ReplaceLane
            | F64x2ReplaceLane
            | F32x4Neg
            | F32x4Abs
            | F64x2Neg
            | F64x2Abs
    );
    match v {
        Val::F32(_) | Val::F64(_) => v.is_nan() && !bitwise,
        Val::V128(bits) if !bitwise => {
            let lanes = u128::from_le_bytes(bits.0);
            match opcode.shape() {
                Some(SimdShape::F32x4) => (0..4).any(|i| f32::from_bits((lanes >> (32 * i)) as u32).is_nan()),
                Some(SimdShape::F64x2) => (0..2).any(|i| f64::from_bits((lanes >> (64 * i)) as u64).is_nan()),
                _ => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::Lattice;
    use weft_ir::interpreter::Val;
    use weft_ir::interpreter::fold::{eval_pure, is_foldable};
    use weft_ir::{Imm, ImmKind, OpSig, Opcode, Type};

    #[test]
    fn meet_is_the_lattice_glb() {
        let c = |x| Lattice::Const(Val::I32(x));
        assert_eq!(Lattice::Top.meet(&c(1)), c(1));
        assert_eq!(c(1).meet(&Lattice::Top), c(1));
        assert_eq!(c(1).meet(&c(1)), c(1));
        assert_eq!(c(1).meet(&c(2)), Lattice::Bottom);
        assert_eq!(Lattice::Bottom.meet(&Lattice::Top), Lattice::Bottom);
        // Constants are compared bitwise: +0.0 and -0.0 differ.
        let z = |b| Lattice::Const(Val::F32(weft_ir::Ieee32(b)));
        assert_eq!(z(0).meet(&z(0x8000_0000)), Lattice::Bottom);
    }

    /// Every foldable opcode with a fixed signature evaluates on operands of
    /// its types (zeros) without a malformed-IR error: the folding entry
    /// point covers the whole pure part of the opcode table.
    #[test]
    fn every_foldable_opcode_evaluates() {
        let mut n = 0;
        for &op in Opcode::ALL {
            let OpSig::Fixed(params, results) = op.sig() else { continue };
            if !is_foldable(op) {
                continue;
            }
            let imm = match op.imm_kind() {
                ImmKind::None => Imm::None,
                ImmKind::I32 => Imm::I32(0),
                ImmKind::I64 => Imm::I64(0),
                ImmKind::F32 => Imm::F32(weft_ir::Ieee32(0)),
                ImmKind::F64 => Imm::F64(weft_ir::Ieee64(0)),
                ImmKind::V128 => Imm::V128(weft_ir::V128Imm([0; 16])),
                ImmKind::Lane => Imm::Lane(0),
                ImmKind::Shuffle => Imm::Shuffle([0; 16]),
                ImmKind::Func => Imm::Func(weft_ir::FuncRef::from_u32(0)),
                other => panic!("{op}: unexpected immediate kind {other:?} for a foldable opcode"),
            };
            let args: Vec<Val> = params.iter().map(|&t| Val::zero(t)).collect();
            match eval_pure(op, &args, imm) {
                Ok(vals) => {
                    let tys: Vec<Type> = vals.iter().map(Val::ty).collect();
                    assert_eq!(tys, results, "{op}");
                }
                Err(t) => assert!(t.is_wasm_trap(), "{op}: {t}"),
            }
            n += 1;
        }
        assert!(n > 300, "only {n} foldable opcodes");
        // Not foldable: reads, writes, calls, control.
        for op in [Opcode::GlobalGet, Opcode::I32Load, Opcode::MemorySize, Opcode::Call, Opcode::Unreachable] {
            assert!(!is_foldable(op), "{op}");
            assert!(eval_pure(op, &[], Imm::None).is_err(), "{op}");
        }
    }
}

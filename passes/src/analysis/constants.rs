//! The constant domain of [`dataflow`](super::dataflow): each value is
//! undefined (no executable definition seen yet), one constant, or
//! overdefined (varies) — the lattice of Wegman and Zadeck's SCCP. The
//! `sccp` pass solves it and rewrites with the result.
//!
//! Transfer functions:
//!
//! - pure opcodes and opcodes whose only effect is a possible trap, with
//!   constant operands, are folded by
//!   [`weft_ir::interpreter::fold::eval_pure`] — the interpreter's own
//!   semantics, so results are bit for bit what execution gives (IEEE
//!   rounding, `v128` lanes). An operation that traps on its constant
//!   operands (`i32.div_s x, 0`, `i32.trunc_f32_s` of NaN) is overdefined,
//!   and so is an arithmetic float operation whose result is a NaN
//!   (`f64.div 0.0, 0.0`, a NaN lane of `f32x4.add`): wasm lets the engine
//!   choose its sign and payload (x86 gives `-nan`, the interpreter the
//!   canonical `+nan`), so a constant would fix bits a `reinterpret` or a
//!   store can observe;
//! - an overdefined operand makes the result overdefined, else an
//!   undefined operand makes it undefined;
//! - `select` with a constant condition is the chosen arm's fact, with an
//!   undefined condition undefined, else the join of the arms;
//! - everything that reads or writes state or calls (`global.get`, loads,
//!   `memory.size`, `table.get`, calls) is overdefined: constants in memory
//!   and globals are left to interprocedural passes, which can see every
//!   write.
//!
//! A branch may take an edge unless its condition is undefined or a
//! constant that selects another edge. The domain implies nothing on edges
//! (a constant learnt from `x == 5` is left to the passes that want it).

use weft_ir::interpreter::Val;
use weft_ir::interpreter::fold::{eval_pure, is_foldable};
use weft_ir::{Opcode, SimdShape};

use super::dataflow::{Domain, FactCx, Lattice, Operation, Outcome};

/// A fact of the constant domain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ConstLattice {
    /// No executable definition seen yet (bottom).
    #[default]
    Undefined,
    /// Always this value.
    Const(Val),
    /// Varies, or unknown (top).
    Overdefined,
}

impl Lattice for ConstLattice {
    fn bottom() -> Self {
        ConstLattice::Undefined
    }

    fn top() -> Self {
        ConstLattice::Overdefined
    }

    fn join(&self, other: &Self) -> Self {
        match (self, other) {
            (ConstLattice::Undefined, x) | (x, ConstLattice::Undefined) => x.clone(),
            (ConstLattice::Const(a), ConstLattice::Const(b)) if a == b => ConstLattice::Const(*a),
            _ => ConstLattice::Overdefined,
        }
    }

    fn meet(&self, other: &Self) -> Self {
        match (self, other) {
            (ConstLattice::Overdefined, x) | (x, ConstLattice::Overdefined) => x.clone(),
            (ConstLattice::Const(a), ConstLattice::Const(b)) if a == b => ConstLattice::Const(*a),
            _ => ConstLattice::Undefined,
        }
    }
}

/// The constant domain.
#[derive(Copy, Clone, Debug, Default)]
pub struct Constants;

impl Domain for Constants {
    type Fact = ConstLattice;

    fn transfer(&self, op: &Operation<'_, ConstLattice>, _cx: &mut FactCx<'_, ConstLattice>) -> ConstLattice {
        if op.opcode == Opcode::Select {
            let [a, b, c] = op.facts else { return ConstLattice::Overdefined };
            return match c {
                ConstLattice::Undefined => ConstLattice::Undefined,
                ConstLattice::Const(Val::I32(c)) => if *c != 0 { a } else { b }.clone(),
                _ => a.join(b),
            };
        }
        if !is_foldable(op.opcode) {
            return ConstLattice::Overdefined;
        }
        let mut vals = Vec::with_capacity(op.facts.len());
        let mut undefined = false;
        for fact in op.facts {
            match fact {
                ConstLattice::Overdefined => return ConstLattice::Overdefined,
                ConstLattice::Undefined => undefined = true,
                ConstLattice::Const(v) => vals.push(*v),
            }
        }
        if undefined {
            return ConstLattice::Undefined;
        }
        match eval_pure(op.opcode, &vals, op.imm).as_deref() {
            Ok([v]) if v.ty() == op.ty && !nondeterministic_nan(op.opcode, v) => ConstLattice::Const(*v),
            _ => ConstLattice::Overdefined,
        }
    }

    fn may_take(&self, cond: &ConstLattice, outcome: Outcome) -> bool {
        match cond {
            ConstLattice::Undefined => false,
            ConstLattice::Const(Val::I32(c)) => {
                let c = *c as u32;
                match outcome {
                    Outcome::NonZero => c != 0,
                    Outcome::Zero => c == 0,
                    Outcome::Case(k) => c == k,
                    Outcome::Default(n) => c >= n,
                }
            }
            _ => true,
        }
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
    use super::ConstLattice;
    use crate::analysis::dataflow::Lattice;
    use weft_ir::interpreter::Val;
    use weft_ir::interpreter::fold::{eval_pure, is_foldable};
    use weft_ir::{Imm, ImmKind, OpSig, Opcode, Type};

    #[test]
    fn join_and_meet_are_the_lattice_bounds() {
        use ConstLattice::{Const, Overdefined, Undefined};
        let c = |x| Const(Val::I32(x));
        assert_eq!(Undefined.join(&c(1)), c(1));
        assert_eq!(c(1).join(&Undefined), c(1));
        assert_eq!(c(1).join(&c(1)), c(1));
        assert_eq!(c(1).join(&c(2)), Overdefined);
        assert_eq!(Overdefined.join(&Undefined), Overdefined);
        assert_eq!(Overdefined.meet(&c(1)), c(1));
        assert_eq!(c(1).meet(&c(2)), Undefined);
        assert_eq!(Undefined.meet(&Overdefined), Undefined);
        // Constants are compared bitwise: +0.0 and -0.0 differ.
        let z = |b| Const(Val::F32(weft_ir::Ieee32(b)));
        assert_eq!(z(0).join(&z(0x8000_0000)), Overdefined);
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

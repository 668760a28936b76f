//! The value-set domain of [`dataflow`](super::dataflow): each `i32` or
//! `i64` value is described by an [`IntervalSet`] of the values it may
//! hold (at most [`MAX_RANGES`] ranges); values of other types are top.
//! Run with edge facts it learns from compares against what is known, so
//! `brif (x <u 10)` bounds `x` below the then edge, and with entry facts it
//! answers questions like "with `event ∈ {0, 2, 6}`, which of these
//! compares can be true?".
//!
//! ```text
//! block0(v0: i32):            ; entry fact v0 ∈ {0, 2, 6}
//!     v1 = i32.const 1
//!     v2 = i32.eq v0, v1      ; {0}: decided, never true
//!     v3 = i32.const 2
//!     v4 = i32.eq v0, v3      ; {0, 1}
//!     brif v4, block1, block2
//! block1:                     ; v0 ∈ {2} here (edge fact)
//! block2:                     ; v0 ∈ {0, 6} here
//! ```
//!
//! # Transfer functions
//!
//! A bottom operand gives bottom (no value yet). When the operands' sets
//! are small (the product of their sizes at most [`ENUMERATION_LIMIT`]) and
//! the opcode is pure, the result is exact: every combination is evaluated
//! by [`weft_ir::interpreter::fold::eval_pure`] (a combination that traps
//! produces nothing). Otherwise, with the set arithmetic of
//! [`IntervalSet`] (each a superset of the image):
//!
//! - `*.const`: the constant;
//! - `add`, `sub`, `mul`: set addition, subtraction, multiplication
//!   (exact by a constant for `add` and `sub`);
//! - `and`, `or`, `xor`: exact with a low-bits mask for `and`, with `0`,
//!   all ones and the sign bit for `xor`, else bounds;
//! - `shl`, `shr_u`, `shr_s` by a constant (taken modulo the width);
//!   `shr_u` by anything is at most the operand's maximum;
//! - `div_u`, `rem_u` by a constant (a zero divisor traps: empty); by
//!   anything, at most the dividend's maximum (`rem_u`: the divisor's
//!   maximum less one);
//! - integer compares and `eqz`: `{0, 1}`, `{1}` or `{0}` as the operands'
//!   sets decide ([`IntervalSet::compare`], exact);
//! - `extend_*`, `wrap`: zero and sign extension and truncation (exact);
//! - `clz`, `ctz`, `popcnt`: `[0, width]`;
//! - `select`: the chosen arm when the condition's set decides it, else
//!   the join of the arms, each met with what its side of the condition
//!   implies (the edge refinement below), so `select (x <u y), x, y`
//!   (`min_u`) is at most `y`'s maximum less one or `x`'s maximum;
//! - anything else (loads, calls, floats, `div_s`, rotations): top.
//!
//! A branch may take an edge whose outcome the condition's set allows
//! (`brif`: non-zero / zero; `br_table`: the case's index / an index past
//! the table).
//!
//! # Edge refinement
//!
//! An edge's outcome gives the condition a set (non-zero, zero, the case's
//! index, or the indices past the table), and [`ValueSets::refine`]
//! follows the condition's definition up to [`REFINE_DEPTH`] steps:
//!
//! - `x op y` (every integer compare, signed and unsigned, against a
//!   constant or any value): decided true, `x` is in
//!   [`IntervalSet::satisfying`]`(op, y)` and `y` in the swapped compare's
//!   set; decided false, the same with the inverse compare;
//! - `eqz x`: `x` is zero, or non-zero;
//! - `x + k`, `x - k`, `k - x`, `x ^ k` with `k` a single value: `x` is the
//!   preimage of the result's set;
//! - `a & b` non-zero: both non-zero; `a | b` zero: both zero;
//! - `i64.extend_i32_u x`, `i64.extend_i32_s x`: `x` is the result's low
//!   32 bits (and below 2^32 for the zero extension).
//!
//! # Widening
//!
//! A loop header's parameter that keeps growing is widened
//! ([`ValueSets::widen`]) to the hull of its set, with a bound that moved
//! pushed to the end of the unsigned domain — a maximum that grew while
//! below the sign bit first to the largest non-negative signed value, so
//! the counter of a signed loop (`i <s n`) is not taken to be negative: at
//! most three more changes before top. The framework's narrowing then
//! recovers what the loop's exit test and the values around the loop
//! allow.

use weft_ir::interpreter::Val;
use weft_ir::interpreter::fold::{eval_pure, is_foldable};
use weft_ir::{Imm, InstructionData, Opcode, Type, Value, ValueDef};

use super::dataflow::{Domain, FactCx, Lattice, Operation, Outcome};
use super::interval_set::{IntervalSet, max_value};

/// The most ranges a fact keeps; a larger set is coarsened (its smallest
/// gaps filled).
pub const MAX_RANGES: usize = 16;

/// Operand sets whose sizes multiply to at most this are evaluated value
/// by value (exactly).
pub const ENUMERATION_LIMIT: u128 = 64;

/// How many definitions an edge refinement follows back from a condition.
pub const REFINE_DEPTH: u32 = 4;

/// A fact of the value-set domain.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum ValueSet {
    /// No value (bottom).
    #[default]
    Bottom,
    /// One of these values: not empty, not the whole domain, at most
    /// [`MAX_RANGES`] ranges.
    Values(IntervalSet),
    /// Any value (top).
    Top,
}

/// The width of an integer type (`None` for other types).
fn width(ty: Type) -> Option<u32> {
    matches!(ty, Type::I32 | Type::I64).then(|| ty.bits())
}

impl ValueSet {
    /// The fact for `set`: bottom when empty, top when full, coarsened to
    /// [`MAX_RANGES`] ranges.
    pub fn of(set: IntervalSet) -> Self {
        if set.is_empty() {
            ValueSet::Bottom
        } else if set.is_full() {
            ValueSet::Top
        } else {
            ValueSet::Values(set.coarsen(MAX_RANGES))
        }
    }

    /// The fact of one value of an integer type (top for other types).
    pub fn constant(ty: Type, x: u64) -> Self {
        match width(ty) {
            Some(w) => ValueSet::of(IntervalSet::single(w, x)),
            None => ValueSet::Top,
        }
    }

    /// The set this fact allows for a value of type `ty` (`None` when `ty`
    /// is not `i32` or `i64`).
    pub fn set(&self, ty: Type) -> Option<IntervalSet> {
        let w = width(ty)?;
        Some(match self {
            ValueSet::Bottom => IntervalSet::empty(w),
            ValueSet::Values(s) if s.width() == w => s.clone(),
            ValueSet::Values(_) | ValueSet::Top => IntervalSet::full(w),
        })
    }

    /// May the value be `x`?
    pub fn may_be(&self, x: u64) -> bool {
        match self {
            ValueSet::Bottom => false,
            ValueSet::Values(s) => s.contains(x),
            ValueSet::Top => true,
        }
    }

    /// May the value be non-zero?
    pub fn may_be_nonzero(&self) -> bool {
        match self {
            ValueSet::Bottom => false,
            ValueSet::Values(s) => s.max().is_some_and(|m| m != 0),
            ValueSet::Top => true,
        }
    }
}

impl Lattice for ValueSet {
    fn bottom() -> Self {
        ValueSet::Bottom
    }

    fn top() -> Self {
        ValueSet::Top
    }

    fn join(&self, other: &Self) -> Self {
        match (self, other) {
            (ValueSet::Bottom, x) | (x, ValueSet::Bottom) => x.clone(),
            (ValueSet::Values(a), ValueSet::Values(b)) if a.width() == b.width() => ValueSet::of(a.union(b)),
            _ => ValueSet::Top,
        }
    }

    fn meet(&self, other: &Self) -> Self {
        match (self, other) {
            (ValueSet::Top, x) | (x, ValueSet::Top) => x.clone(),
            (ValueSet::Values(a), ValueSet::Values(b)) if a.width() == b.width() => ValueSet::of(a.intersect(b)),
            // Sets of different widths describe different values: keep one.
            (ValueSet::Values(_), ValueSet::Values(_)) => self.clone(),
            _ => ValueSet::Bottom,
        }
    }
}

/// The value of `x` of type `ty` for the interpreter.
fn to_val(ty: Type, x: u64) -> Val {
    match ty {
        Type::I64 => Val::I64(x as i64),
        _ => Val::I32(x as u32 as i32),
    }
}

/// The unsigned bits of an integer value.
fn from_val(v: &Val) -> Option<u64> {
    match *v {
        Val::I32(x) => Some(u64::from(x as u32)),
        Val::I64(x) => Some(x as u64),
        _ => None,
    }
}

/// The results of a pure `opcode` on every combination of operands from
/// `sets` (of types `tys`), if the combinations are at most
/// [`ENUMERATION_LIMIT`]; `None` when not possible (or a result is not an
/// integer).
fn enumerate(opcode: Opcode, imm: Imm, width: u32, tys: &[Type], sets: &[IntervalSet]) -> Option<IntervalSet> {
    if !is_foldable(opcode) {
        return None;
    }
    let mut n: u128 = 1;
    for s in sets {
        n = n.saturating_mul(s.count());
    }
    if n > ENUMERATION_LIMIT {
        return None;
    }
    let lists: Vec<Vec<u64>> = sets.iter().map(|s| s.values(ENUMERATION_LIMIT as usize)).collect::<Option<_>>()?;
    let mut out = Vec::new();
    let mut idx = vec![0usize; lists.len()];
    'combos: loop {
        let args: Vec<Val> = idx.iter().enumerate().map(|(i, &j)| to_val(tys[i], lists[i][j])).collect();
        if let Ok(results) = eval_pure(opcode, &args, imm) {
            let [r] = results.as_slice() else { return None };
            let x = from_val(r)?;
            out.push((x, x));
        }
        for i in (0..idx.len()).rev() {
            idx[i] += 1;
            if idx[i] < lists[i].len() {
                continue 'combos;
            }
            idx[i] = 0;
        }
        break;
    }
    Some(IntervalSet::from_ranges(width, out))
}

/// The set of compare results allowed by `(may_true, may_false)`.
fn truth_set(decided: Option<(bool, bool)>) -> IntervalSet {
    let (t, f) = decided.unwrap_or((false, false));
    let mut ranges = Vec::new();
    if f {
        ranges.push((0, 0));
    }
    if t {
        ranges.push((1, 1));
    }
    IntervalSet::from_ranges(32, ranges)
}

/// The transfer function of every opcode but `select`: the fact of the
/// result (of type `ty`) of `opcode` with immediate `imm` on operands of
/// types `tys` with facts `facts` (see the module docs).
pub fn eval(opcode: Opcode, imm: Imm, ty: Type, tys: &[Type], facts: &[ValueSet]) -> ValueSet {
    use Opcode::*;
    if facts.iter().any(Lattice::is_bottom) {
        return ValueSet::Bottom;
    }
    let Some(w) = width(ty) else { return ValueSet::Top };
    match (opcode, imm) {
        (I32Const, Imm::I32(x)) => return ValueSet::constant(ty, u64::from(x as u32)),
        (I64Const, Imm::I64(x)) => return ValueSet::constant(ty, x as u64),
        _ => {}
    }
    if tys.len() != facts.len() {
        return ValueSet::Top;
    }
    let Some(sets) = tys.iter().zip(facts).map(|(&t, f)| f.set(t)).collect::<Option<Vec<_>>>() else {
        return ValueSet::Top;
    };
    if let Some(exact) = enumerate(opcode, imm, w, tys, &sets) {
        return ValueSet::of(exact);
    }
    let out = match (opcode, sets.as_slice()) {
        (I32Add | I64Add, [a, b]) => a.add(b),
        (I32Sub | I64Sub, [a, b]) => a.sub(b),
        (I32Mul | I64Mul, [a, b]) => a.mul(b),
        (I32And | I64And, [a, b]) => a.and(b),
        (I32Or | I64Or, [a, b]) => a.or(b),
        (I32Xor | I64Xor, [a, b]) => a.xor(b),
        (I32Shl | I64Shl, [a, b]) => match b.as_single() {
            Some(k) => a.shl((k % u64::from(w)) as u32),
            None => return ValueSet::Top,
        },
        (I32ShrU | I64ShrU, [a, b]) => match b.as_single() {
            Some(k) => a.shr_u((k % u64::from(w)) as u32),
            None => IntervalSet::range(w, 0, a.max().unwrap_or(0)),
        },
        (I32ShrS | I64ShrS, [a, b]) => match b.as_single() {
            Some(k) => a.shr_s((k % u64::from(w)) as u32),
            None => return ValueSet::Top,
        },
        (I32DivU | I64DivU, [a, b]) => match b.as_single() {
            Some(k) => a.div_u(k),
            None => IntervalSet::range(w, 0, a.max().unwrap_or(0)),
        },
        (I32RemU | I64RemU, [a, b]) => match b.as_single() {
            Some(k) => a.rem_u(k),
            None => IntervalSet::range(w, 0, a.max().unwrap_or(0).min(b.max().unwrap_or(0).saturating_sub(1))),
        },
        (op, [a, b]) if op.is_int_compare() => truth_set(IntervalSet::compare(op, a, b)),
        (I32Eqz | I64Eqz, [a]) => truth_set(IntervalSet::compare(I32Eq, a, &IntervalSet::single(a.width(), 0))),
        (I64ExtendI32U, [a]) => a.zero_extend(64),
        (I64ExtendI32S, [a]) => a.sign_extend(32, 64),
        (I32WrapI64, [a]) => a.truncate(32),
        (I32Extend8S | I64Extend8S, [a]) => a.sign_extend(8, w),
        (I32Extend16S | I64Extend16S, [a]) => a.sign_extend(16, w),
        (I64Extend32S, [a]) => a.sign_extend(32, w),
        (I32Clz | I32Ctz | I32Popcnt | I64Clz | I64Ctz | I64Popcnt, [_]) => IntervalSet::range(w, 0, u64::from(w)),
        _ => return ValueSet::Top,
    };
    if out.width() != w {
        return ValueSet::Top;
    }
    ValueSet::of(out)
}

/// The set an edge's outcome gives its branch's condition (of width `w`).
fn outcome_set(w: u32, outcome: Outcome) -> IntervalSet {
    match outcome {
        Outcome::NonZero => IntervalSet::single(w, 0).complement(),
        Outcome::Zero => IntervalSet::single(w, 0),
        Outcome::Case(k) => IntervalSet::single(w, u64::from(k)),
        Outcome::Default(n) => IntervalSet::range(w, u64::from(n), max_value(w)),
    }
}

/// The value-set domain.
#[derive(Copy, Clone, Debug, Default)]
pub struct ValueSets;

impl ValueSets {
    /// Pushes on `out` that `v` is in `set` and what that implies about
    /// the values `v` is computed from (see the module docs), following
    /// `depth` more definitions.
    fn constrain(
        &self,
        v: Value,
        set: IntervalSet,
        depth: u32,
        cx: &mut FactCx<'_, ValueSet>,
        out: &mut Vec<(Value, ValueSet)>,
    ) {
        use Opcode::*;
        let func = cx.func();
        if !func.dfg.value_is_valid(v) {
            return;
        }
        let v = func.dfg.resolve_aliases(v);
        out.push((v, ValueSet::of(set.clone())));
        let ValueDef::Result(inst, 0) = func.dfg.value_def(v) else { return };
        if depth == 0 {
            return;
        }
        let InstructionData::Op { opcode, .. } = func.dfg.insts[inst] else { return };
        let args = func.dfg.inst_args(inst);
        // The fact of an operand as a set (None: not an integer).
        let known = |cx: &mut FactCx<'_, ValueSet>, a: Value| cx.fact(a).set(func.dfg.value_type(a));
        let mut pending: Vec<(Value, IntervalSet)> = Vec::new();
        match (opcode, args) {
            (op, &[x, y]) if op.is_int_compare() => {
                let op = if !set.contains(0) {
                    op
                } else if !set.contains(1) {
                    let Some(inv) = op.inverse_compare() else { return };
                    inv
                } else {
                    return;
                };
                let (Some(fx), Some(fy), Some(swapped)) = (known(cx, x), known(cx, y), op.swapped_compare()) else {
                    return;
                };
                if let Some(sx) = IntervalSet::satisfying(op, &fy) {
                    pending.push((x, sx.intersect(&fx)));
                }
                if let Some(sy) = IntervalSet::satisfying(swapped, &fx) {
                    pending.push((y, sy.intersect(&fy)));
                }
            }
            (I32Eqz | I64Eqz, &[x]) => {
                let Some(fx) = known(cx, x) else { return };
                let zero = IntervalSet::single(fx.width(), 0);
                if !set.contains(0) {
                    pending.push((x, fx.intersect(&zero)));
                } else if !set.contains(1) {
                    pending.push((x, fx.subtract(&zero)));
                }
            }
            (I32Add | I64Add | I32Sub | I64Sub | I32Xor | I64Xor, &[x, y]) => {
                let (Some(fx), Some(fy)) = (known(cx, x), known(cx, y)) else { return };
                let sub = matches!(opcode, I32Sub | I64Sub);
                let xor = matches!(opcode, I32Xor | I64Xor);
                if let Some(k) = fy.as_single() {
                    let sx = if xor {
                        set.xor(&fy)
                    } else if sub {
                        set.offset(k)
                    } else {
                        set.shift_down(k)
                    };
                    pending.push((x, sx.intersect(&fx)));
                }
                if let Some(k) = fx.as_single() {
                    let sy = if xor {
                        set.xor(&fx)
                    } else if sub {
                        set.neg().offset(k)
                    } else {
                        set.shift_down(k)
                    };
                    pending.push((y, sy.intersect(&fy)));
                }
            }
            (I32And | I64And, &[a, b]) if !set.contains(0) => {
                for x in [a, b] {
                    let Some(fx) = known(cx, x) else { return };
                    pending.push((x, fx.subtract(&IntervalSet::single(fx.width(), 0))));
                }
            }
            (I32Or | I64Or, &[a, b]) if set.as_single() == Some(0) => {
                for x in [a, b] {
                    let Some(fx) = known(cx, x) else { return };
                    pending.push((x, fx.intersect(&IntervalSet::single(fx.width(), 0))));
                }
            }
            (I64ExtendI32U | I64ExtendI32S, &[x]) => {
                let Some(fx) = known(cx, x) else { return };
                let low = if opcode == I64ExtendI32U {
                    set.intersect(&IntervalSet::range(64, 0, max_value(32))).truncate(32)
                } else {
                    set.truncate(32)
                };
                pending.push((x, low.intersect(&fx)));
            }
            _ => {}
        }
        for (x, sx) in pending {
            self.constrain(x, sx, depth - 1, cx, out);
        }
    }

    /// `select`: the chosen arm, or both arms each met with what its side
    /// of the condition implies.
    fn select(&self, op: &Operation<'_, ValueSet>, cx: &mut FactCx<'_, ValueSet>) -> ValueSet {
        let ([a, b, c], &[va, vb, vc]) = (op.facts, op.args) else { return ValueSet::Top };
        if c.is_bottom() {
            return ValueSet::Bottom;
        }
        let func = cx.func();
        let arm = |v: Value, fact: &ValueSet, outcome: Outcome, cx: &mut FactCx<'_, ValueSet>| {
            let mut implied = Vec::new();
            self.refine(vc, outcome, cx, &mut implied);
            let v = if func.dfg.value_is_valid(v) { func.dfg.resolve_aliases(v) } else { v };
            implied.iter().filter(|e| e.0 == v).fold(fact.clone(), |f, e| f.meet(&e.1))
        };
        match (c.may_be_nonzero(), c.may_be(0)) {
            (true, true) => arm(va, a, Outcome::NonZero, cx).join(&arm(vb, b, Outcome::Zero, cx)),
            (true, false) => a.clone(),
            (false, true) => b.clone(),
            (false, false) => ValueSet::Bottom,
        }
    }
}

impl Domain for ValueSets {
    type Fact = ValueSet;

    fn transfer(&self, op: &Operation<'_, ValueSet>, cx: &mut FactCx<'_, ValueSet>) -> ValueSet {
        if op.opcode == Opcode::Select {
            return self.select(op, cx);
        }
        let func = cx.func();
        let tys: Vec<Type> = op.args.iter().map(|&a| func.dfg.value_type(a)).collect();
        eval(op.opcode, op.imm, op.ty, &tys, op.facts)
    }

    fn may_take(&self, cond: &ValueSet, outcome: Outcome) -> bool {
        match outcome {
            Outcome::NonZero => cond.may_be_nonzero(),
            Outcome::Zero => cond.may_be(0),
            Outcome::Case(k) => cond.may_be(u64::from(k)),
            Outcome::Default(n) => match cond {
                ValueSet::Bottom => false,
                ValueSet::Values(s) => s.max().is_some_and(|m| m >= u64::from(n)),
                ValueSet::Top => true,
            },
        }
    }

    fn refine(&self, cond: Value, outcome: Outcome, cx: &mut FactCx<'_, ValueSet>, out: &mut Vec<(Value, ValueSet)>) {
        let func = cx.func();
        if !func.dfg.value_is_valid(cond) {
            return;
        }
        let Some(w) = width(func.dfg.value_type(cond)) else { return };
        self.constrain(cond, outcome_set(w, outcome), REFINE_DEPTH, cx, out);
    }

    fn widen(&self, old: &ValueSet, new: &ValueSet) -> ValueSet {
        let (ValueSet::Values(o), ValueSet::Values(n)) = (old, new) else { return new.clone() };
        let (Some(ol), Some(oh), Some(nl), Some(nh)) = (o.min(), o.max(), n.min(), n.max()) else {
            return new.clone();
        };
        if o.width() != n.width() {
            return ValueSet::Top;
        }
        // Growth upwards stops first at the largest non-negative signed
        // value, so a counter of a signed loop (`i <s n`) keeps its sign.
        let signed_max = max_value(n.width()) >> 1;
        let lo = if nl < ol { 0 } else { nl };
        let hi = match nh > oh {
            true if nh <= signed_max => signed_max,
            true => max_value(n.width()),
            false => nh,
        };
        ValueSet::of(IntervalSet::range(n.width(), lo, hi))
    }
}

#[cfg(test)]
mod tests;

//! Range analysis: for every integer SSA value, the values it may hold at a
//! block (an interval set) and how it compares with other values there
//! (`i <u len`, `n <=u cap`), for bounds-check elimination and for the
//! header invariants that let the checker prove it.
//!
//! Two layers, each sound on its own:
//!
//! - **Intervals.** The [`value-set`](super::value_set) domain run by the
//!   [`dataflow`](super::dataflow) framework with edge facts: constants,
//!   masks and shifts (`x & 0xfff`, `x >>u 28`), `select` clamps (`min_u`),
//!   compares against constants and against bounded values on the edges
//!   they guard, and loop counters, which widening makes terminate and
//!   narrowing brings back to what the exit test allows (`i` in
//!   `for i in 0..n` with `n <=u 4096` checked before the loop is
//!   `[0, 4095]` in the body).
//! - **Relations.** At a block, every edge that must have been taken to
//!   get there says something: an edge into a block with that single
//!   incoming edge, for the block and each block it dominates. From the
//!   edge's branch condition ([`Relation`]s of unsigned `<` and `<=`; a
//!   signed compare of two values known non-negative counts as unsigned;
//!   `eqz` flips, `and` of compares taken true gives each, `or` taken false
//!   gives each negated) a query closes them transitively together with
//!   the intervals (`x <u y` when `x`'s largest value is below `y`'s
//!   smallest): `i <u n` from the loop test and `n <=u len` from a check
//!   before the loop give `i <u len`, so the check `i >=u len` in the body
//!   never fails. A relation holds for the values as they are at the block:
//!   the edge's block dominates it, so no operand was redefined since.
//!
//! ```text
//! block0(v0: i32, v1: i32):        ; n = v0, len = v1
//!     v2 = i32.gt_u v0, v1
//!     brif v2, block9, block1      ; block1: v0 <=u v1
//! block1:
//!     v3 = i32.const 0
//!     jump block2(v3)
//! block2(v4: i32):                 ; header: v4 <=u v0 is not kept, but
//!     v5 = i32.lt_u v4, v0         ; v0 <=u v1 holds here (block1
//!     brif v5, block3, block8      ; dominates it)
//! block3:                          ; v4 <u v0 <=u v1
//!     v6 = i32.ge_u v4, v1         ; decide: never true
//!     brif v6, block9, block4
//! ```
//!
//! # Header facts
//!
//! The refinement checker cuts loops at their headers with an arbitrary
//! state, so a decision that rests on a fact from before the loop (or on
//! the interval of a loop counter) needs that fact stated at the header.
//! [`RangeAnalysis::header_facts`] states, for a header, the set of values
//! each of its block parameters and of the values live into it may hold
//! (one compare per range of the set, joined by `or`), and the relations
//! that hold there between such values, as [`Fact`]s over the source function. They
//! are what the analysis computed, so they hold (a header the analysis
//! finds never entered gets the fact `false`); the checker proves them
//! anyway (established on entry, preserved around the loop) before it uses
//! them.
//!
//! # Complexity
//!
//! The dataflow's bound (each fact changes a bounded number of times),
//! then per query a walk up the dominator tree (at most
//! [`MAX_RELATIONS`] relations kept) and a transitive closure over the
//! values they name: cubic in at most `2 * MAX_RELATIONS + 2` nodes.

use weft_ir::cfg_edit::edge_target;
use weft_ir::{
    Block, ControlFlowGraph, DominatorTree, Edge, Function, InstructionData, Liveness, Opcode, Type, Value, ValueDef,
};
use weft_verify::{Fact, Term};

use super::dataflow::{Dataflow, Solution};
use super::interval_set::{IntervalSet, max_value};
use super::value_set::{ValueSet, ValueSets};

/// The most relations a query collects up the dominator tree (the nearest
/// ones first).
pub const MAX_RELATIONS: usize = 24;

/// How many definitions a condition is followed through (`eqz`, `and`,
/// `or`) to find the compares it stands for.
const CONDITION_DEPTH: u32 = 4;

/// `lhs <u rhs` (`strict`) or `lhs <=u rhs`, between two values of the
/// same integer type.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Relation {
    /// The smaller side.
    pub lhs: Value,
    /// `<` rather than `<=`.
    pub strict: bool,
    /// The larger side.
    pub rhs: Value,
}

/// The range facts of one function (see the module docs).
pub struct RangeAnalysis<'a> {
    func: &'a Function,
    cfg: &'a ControlFlowGraph,
    domtree: &'a DominatorTree,
    sol: Solution<ValueSet>,
}

/// The width of an integer type.
fn int_width(ty: Type) -> Option<u32> {
    match ty {
        Type::I32 => Some(32),
        Type::I64 => Some(64),
        _ => None,
    }
}

impl<'a> RangeAnalysis<'a> {
    /// Solves the interval layer of `func`.
    pub fn compute(func: &'a Function, cfg: &'a ControlFlowGraph, domtree: &'a DominatorTree) -> Self {
        let sol = Dataflow::new(func, &ValueSets).with_edge_facts(domtree).solve();
        RangeAnalysis { func, cfg, domtree, sol }
    }

    /// Can `block` execute, as far as the intervals tell?
    pub fn is_executable(&self, block: Block) -> bool {
        self.sol.block_is_executable(block)
    }

    /// The values integer `v` may hold at `block` (`None` for other
    /// types; the full set when nothing is known).
    pub fn set_at(&self, block: Block, v: Value) -> Option<IntervalSet> {
        let ty = self.func.dfg.value_type(v);
        let w = int_width(ty)?;
        match self.sol.value_at(self.func, block, v) {
            ValueSet::Top => Some(IntervalSet::full(w)),
            fact => fact.set(ty),
        }
    }

    /// The smallest and largest unsigned value of `v` at `block`.
    fn hull(&self, block: Block, v: Value) -> Option<(u64, u64)> {
        let set = self.set_at(block, v)?;
        Some((set.min()?, set.max()?))
    }

    /// Is `v` known to be below the sign bit at `block`?
    fn non_negative(&self, block: Block, v: Value) -> bool {
        let Some(w) = int_width(self.func.dfg.value_type(v)) else { return false };
        self.hull(block, v).is_some_and(|(_, hi)| hi <= max_value(w) >> 1)
    }

    /// The relations that hold at `block`: from the conditions of the
    /// edges that every path to it takes, nearest first, at most
    /// [`MAX_RELATIONS`].
    pub fn relations_at(&self, block: Block) -> Vec<Relation> {
        let mut out = Vec::new();
        let mut at = Some(block);
        while let Some(b) = at {
            if out.len() >= MAX_RELATIONS {
                break;
            }
            if let [pred] = self.cfg.preds(b) {
                self.edge_relations(pred.block, pred.inst, b, &mut out);
            }
            at = self.domtree.idom(b);
        }
        out.truncate(MAX_RELATIONS);
        out
    }

    /// The relations taking the one edge of `inst` (in `from`) to `to`
    /// implies.
    fn edge_relations(&self, from: Block, inst: weft_ir::Inst, to: Block, out: &mut Vec<Relation>) {
        let InstructionData::Brif { cond, .. } = self.func.dfg.insts[inst] else { return };
        let then_b = edge_target(self.func, Edge { inst, slot: 0 });
        let else_b = edge_target(self.func, Edge { inst, slot: 1 });
        if then_b == else_b {
            return;
        }
        self.condition_relations(from, cond, then_b == Some(to), CONDITION_DEPTH, out);
    }

    /// The relations `cond` being non-zero (`truth`) or zero implies, with
    /// the intervals at `block` (where the condition is computed).
    fn condition_relations(&self, block: Block, cond: Value, truth: bool, depth: u32, out: &mut Vec<Relation>) {
        let dfg = &self.func.dfg;
        let cond = dfg.resolve_aliases(cond);
        let ValueDef::Result(inst, 0) = dfg.value_def(cond) else { return };
        let InstructionData::Op { opcode, .. } = dfg.insts[inst] else { return };
        let args = dfg.inst_args(inst);
        match (opcode, args) {
            (op, &[x, y]) if op.is_int_compare() => {
                let op = if truth { Some(op) } else { op.inverse_compare() };
                if let Some(op) = op {
                    self.compare_relations(block, op, x, y, out);
                }
            }
            (Opcode::I32Eqz, &[x]) if depth > 0 => self.condition_relations(block, x, !truth, depth - 1, out),
            (Opcode::I32And, &[x, y]) if truth && depth > 0 => {
                for v in [x, y] {
                    if self.is_boolean(v) {
                        self.condition_relations(block, v, true, depth - 1, out);
                    }
                }
            }
            (Opcode::I32Or, &[x, y]) if !truth && depth > 0 => {
                for v in [x, y] {
                    self.condition_relations(block, v, false, depth - 1, out);
                }
            }
            _ => {}
        }
    }

    /// Is `v` the result of a compare or `eqz` (0 or 1)?
    fn is_boolean(&self, v: Value) -> bool {
        let dfg = &self.func.dfg;
        let ValueDef::Result(inst, 0) = dfg.value_def(dfg.resolve_aliases(v)) else { return false };
        let InstructionData::Op { opcode, .. } = dfg.insts[inst] else { return false };
        opcode.is_boolean()
    }

    /// The relations `x op y` (true) states.
    fn compare_relations(&self, block: Block, op: Opcode, x: Value, y: Value, out: &mut Vec<Relation>) {
        use Opcode::*;
        let dfg = &self.func.dfg;
        let (x, y) = (dfg.resolve_aliases(x), dfg.resolve_aliases(y));
        let signed_as_unsigned = || self.non_negative(block, x) && self.non_negative(block, y);
        let rel = |lhs, strict, rhs| Relation { lhs, strict, rhs };
        match op {
            I32LtU | I64LtU => out.push(rel(x, true, y)),
            I32LeU | I64LeU => out.push(rel(x, false, y)),
            I32GtU | I64GtU => out.push(rel(y, true, x)),
            I32GeU | I64GeU => out.push(rel(y, false, x)),
            I32LtS | I64LtS if signed_as_unsigned() => out.push(rel(x, true, y)),
            I32LeS | I64LeS if signed_as_unsigned() => out.push(rel(x, false, y)),
            I32GtS | I64GtS if signed_as_unsigned() => out.push(rel(y, true, x)),
            I32GeS | I64GeS if signed_as_unsigned() => out.push(rel(y, false, x)),
            I32Eq | I64Eq => out.extend([rel(x, false, y), rel(y, false, x)]),
            _ => {}
        }
    }

    /// Is branch condition `cond` decided at `block` (where it is tested)?
    /// `Some(true)`: it is non-zero whenever `block` executes.
    pub fn decide(&self, block: Block, cond: Value) -> Option<bool> {
        if let Some(x) = self.set_at(block, cond).and_then(|s| s.as_single()) {
            return Some(x != 0);
        }
        self.decide_relation(block, cond, CONDITION_DEPTH)
    }

    /// [`Self::decide`] by relations: `cond` is a compare (under `eqz`s)
    /// whose outcome the relations at `block` and the intervals imply.
    fn decide_relation(&self, block: Block, cond: Value, depth: u32) -> Option<bool> {
        use Opcode::*;
        let dfg = &self.func.dfg;
        let ValueDef::Result(inst, 0) = dfg.value_def(dfg.resolve_aliases(cond)) else { return None };
        let InstructionData::Op { opcode, .. } = dfg.insts[inst] else { return None };
        let args = dfg.inst_args(inst);
        let (x, y) = match (opcode, args) {
            (I32Eqz | I64Eqz, &[x]) if depth > 0 && self.is_boolean(x) => {
                return self.decide_relation(block, x, depth - 1).map(|t| !t);
            }
            (op, &[x, y]) if op.is_int_compare() => (dfg.resolve_aliases(x), dfg.resolve_aliases(y)),
            _ => return None,
        };
        let relations = self.relations_at(block);
        let closure = Closure::new(self, block, &relations, &[x, y]);
        let lt = |a, b| closure.lt(a, b);
        let le = |a, b| closure.le(a, b);
        let unsigned = |op| match op {
            I32LtU | I64LtU => Some((x, true, y)),
            I32LeU | I64LeU => Some((x, false, y)),
            I32GtU | I64GtU => Some((y, true, x)),
            I32GeU | I64GeU => Some((y, false, x)),
            _ => None,
        };
        let as_unsigned = match opcode {
            I32LtS | I64LtS if self.non_negative(block, x) && self.non_negative(block, y) => unsigned(I32LtU),
            I32LeS | I64LeS if self.non_negative(block, x) && self.non_negative(block, y) => unsigned(I32LeU),
            I32GtS | I64GtS if self.non_negative(block, x) && self.non_negative(block, y) => unsigned(I32GtU),
            I32GeS | I64GeS if self.non_negative(block, x) && self.non_negative(block, y) => unsigned(I32GeU),
            op => unsigned(op),
        };
        match (opcode, as_unsigned) {
            // `a < b` (strict) or `a <= b`: true when implied, false when
            // the opposite (`b <= a`, `b < a`) is.
            (_, Some((a, true, b))) => {
                if lt(a, b) {
                    Some(true)
                } else if le(b, a) {
                    Some(false)
                } else {
                    None
                }
            }
            (_, Some((a, false, b))) => {
                if le(a, b) {
                    Some(true)
                } else if lt(b, a) {
                    Some(false)
                } else {
                    None
                }
            }
            (I32Eq | I64Eq, None) if lt(x, y) || lt(y, x) => Some(false),
            (I32Ne | I64Ne, None) if lt(x, y) || lt(y, x) => Some(true),
            _ => None,
        }
    }

    /// The facts that hold at loop header `header` whenever it is entered
    /// (see the module docs), over the source function's values.
    pub fn header_facts(&self, header: Block, liveness: &Liveness) -> Vec<Fact> {
        if !self.is_executable(header) {
            // Never entered: `false` holds there.
            return vec![Fact::Holds(Term::i32(0))];
        }
        let dfg = &self.func.dfg;
        let mut values: Vec<Value> = dfg.block_params(header).to_vec();
        values.extend(liveness.live_in(header).iter().copied());
        values.sort_unstable();
        values.dedup();
        let available = |v: Value| values.binary_search(&v).is_ok();
        let mut facts = Vec::new();
        for &v in &values {
            let ty = dfg.value_type(v);
            let (Some(w), Some(set)) = (int_width(ty), self.set_at(header, v)) else { continue };
            if set.is_full() || set.is_empty() {
                continue;
            }
            facts.push(membership(v, ty, w, &set));
        }
        for r in self.relations_at(header) {
            if !(available(r.lhs) && available(r.rhs)) {
                continue;
            }
            let ty = dfg.value_type(r.lhs);
            let op = match (ty, r.strict) {
                (Type::I32, true) => Opcode::I32LtU,
                (Type::I32, false) => Opcode::I32LeU,
                (_, true) => Opcode::I64LtU,
                (_, false) => Opcode::I64LeU,
            };
            let fact = Fact::holds(op, vec![Term::src(r.lhs), Term::src(r.rhs)]);
            if !facts.contains(&fact) {
                facts.push(fact);
            }
        }
        facts
    }
}

/// The fact "`v` is in `set`" (an `i32`/`i64` value of width `w`): one
/// compare per range (`v == c`, `v <=u hi`, `v >=u lo`, or both), joined by
/// `or`.
fn membership(v: Value, ty: Type, w: u32, set: &IntervalSet) -> Fact {
    use Opcode::*;
    let (eq, ge_u, le_u, and, or) =
        if w == 32 { (I32Eq, I32GeU, I32LeU, I32And, I32Or) } else { (I64Eq, I64GeU, I64LeU, I32And, I32Or) };
    let konst = |x: u64| Term::Const(ty, u128::from(x));
    let cmp = |op, x| Term::op(op, vec![Term::src(v), konst(x)]);
    let mut terms: Vec<Term> = set
        .ranges()
        .iter()
        .map(|&(lo, hi)| match (lo, hi) {
            _ if lo == hi => cmp(eq, lo),
            (0, _) => cmp(le_u, hi),
            (_, h) if h == max_value(w) => cmp(ge_u, lo),
            _ => Term::op(and, vec![cmp(ge_u, lo), cmp(le_u, hi)]),
        })
        .collect();
    let first = terms.remove(0);
    Fact::Holds(terms.into_iter().fold(first, |acc, t| Term::op(or, vec![acc, t])))
}

/// The transitive closure of relations and interval order over a few
/// values of one type (see [`RangeAnalysis::relations_at`]).
struct Closure {
    nodes: Vec<Value>,
    /// `order[i][j]`: 0 unknown, 1 `nodes[i] <=u nodes[j]`, 2 `<u`.
    order: Vec<Vec<u8>>,
}

impl Closure {
    fn new(ra: &RangeAnalysis<'_>, block: Block, relations: &[Relation], extra: &[Value]) -> Closure {
        let ty = extra.first().map(|&v| ra.func.dfg.value_type(v));
        let mut nodes: Vec<Value> = extra.to_vec();
        for r in relations {
            if Some(ra.func.dfg.value_type(r.lhs)) == ty {
                nodes.extend([r.lhs, r.rhs]);
            }
        }
        nodes.sort_unstable();
        nodes.dedup();
        let n = nodes.len();
        let index = |v: Value| nodes.binary_search(&v).ok();
        let mut order = vec![vec![0u8; n]; n];
        for (i, row) in order.iter_mut().enumerate() {
            row[i] = 1;
        }
        for r in relations {
            if let (Some(i), Some(j)) = (index(r.lhs), index(r.rhs)) {
                order[i][j] = order[i][j].max(if r.strict { 2 } else { 1 });
            }
        }
        let hulls: Vec<Option<(u64, u64)>> = nodes.iter().map(|&v| ra.hull(block, v)).collect();
        for i in 0..n {
            for j in 0..n {
                if let (Some((_, ih)), Some((jl, _))) = (hulls[i], hulls[j]) {
                    let by_range = if ih < jl {
                        2
                    } else if ih <= jl {
                        1
                    } else {
                        0
                    };
                    order[i][j] = order[i][j].max(by_range);
                }
            }
        }
        for k in 0..n {
            for i in 0..n {
                if order[i][k] == 0 {
                    continue;
                }
                for j in 0..n {
                    if order[k][j] != 0 {
                        let through = order[i][k].max(order[k][j]);
                        order[i][j] = order[i][j].max(through);
                    }
                }
            }
        }
        Closure { nodes, order }
    }

    fn get(&self, a: Value, b: Value) -> u8 {
        match (self.nodes.binary_search(&a), self.nodes.binary_search(&b)) {
            (Ok(i), Ok(j)) => self.order[i][j],
            _ => 0,
        }
    }

    /// Is `a <u b` implied?
    fn lt(&self, a: Value, b: Value) -> bool {
        self.get(a, b) == 2
    }

    /// Is `a <=u b` implied?
    fn le(&self, a: Value, b: Value) -> bool {
        self.get(a, b) >= 1
    }
}

#[cfg(test)]
mod tests;

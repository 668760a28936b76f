//! Path conditions in a canonical form for tests of one value against
//! constants, so that a dispatch written two ways builds the same terms.
//!
//! An else-if ladder reaches its `k`-th arm under
//! `¬(e == 0) ∧ ¬(e == 1) ∧ … ∧ (e == k)`; the `br_table` that replaces it
//! reaches the same arm under `e == k`. Both mean "`e` is `k`", but as terms
//! they differ, and every observation merged with `ite`s on them (the
//! callee and arguments of each call, the event count at the return) made
//! Z3 re-derive the equivalence of the two conjunctions for every arm:
//! a 256-case chain timed out. [`and_cond`] adds a branch condition to a
//! path condition and, when the condition restricts one bit-vector term
//! `x` to a set of values, replaces every conjunct that restricts the same
//! `x` by one canonical formula of the intersected set. The ladder's
//! `k`-th arm then reaches under exactly the term `x == k`, as the table's
//! does, and Z3 sees equal terms (`ite` of equal branches folds when the
//! terms are built). Only a test against one constant (`x == K`,
//! `x != K`) triggers the rewrite; any other condition is added as written
//! (conjuncts already in the path condition may be range tests and are
//! combined): rewriting range tests (`a <u 12` behind a 0/1 flag, say) was
//! measured to turn queries of ordinary functions (`alloc` B-tree code in
//! `p3-random-imports.wasm`) from milliseconds into timeouts.
//!
//! # Why this is sound
//!
//! The rewrite is a logical equivalence that uses no fact about the
//! function, the path or the inputs:
//!
//! - [`value_set`] maps a formula `φ` to `(x, S)` only when, for every
//!   assignment of every constant, `φ` holds exactly when the value of `x`
//!   is in `S` (a set of `w`-bit unsigned values, `w` the width of `x`).
//!   By structural induction: `x == K` is `{K}`; `x ≤u K` is `[0, K]`;
//!   `K ≤u x` is `[K, 2^w - 1]` (the strict and `≥` forms alike);
//!   `extract(w-1, lo, x) == K` is the `2^lo` values whose high bits are
//!   `K`; an atom on `x + K` is the atom's set shifted by `-K` modulo
//!   `2^w` (addition is a bijection); `¬φ` is the complement, `φ ∧ ψ` the
//!   intersection and `φ ∨ ψ` the union when both parts restrict the same
//!   `x` (compared as Z3 terms, which are hash-consed: equal terms are the
//!   same function of the constants). Anything else is not a restriction
//!   and is left alone.
//! - [`and_cond`] splits the path condition into its top-level conjuncts
//!   (a conjunction is true exactly when each conjunct is), intersects the
//!   sets of the conjuncts that restrict the same `x` as the new condition
//!   (`x ∈ S₁ ∧ x ∈ S₂ ⇔ x ∈ S₁ ∩ S₂`), and emits one formula that holds
//!   exactly when `x` is in the intersection `S` ([`emit`]: an interval
//!   test — an equality, one unsigned compare, or `lo ≤u x ∧ x ≤u hi` —
//!   for one interval, else the negated interval tests of the
//!   complement's intervals); an empty intersection is `false`.
//! - Every other conjunct `p` is rewritten to a `p'` with
//!   `x ∈ S ⇒ (p ⇔ p')` (`Under`); since `x ∈ S` is kept as a conjunct,
//!   `p ∧ x ∈ S ⇔ p' ∧ x ∈ S`. By induction on `p`: a restriction of `x`
//!   to `T` is `false` when `T ∩ S` is empty and `true` when `S ⊆ T`
//!   (otherwise kept); a conjunction or disjunction is rebuilt from its
//!   rewritten parts (a part that is `false` falsifies a conjunction, one
//!   that is `true` satisfies a disjunction); anything else is kept. This
//!   is what makes sequential `if`s match a table: the arm of the `k`-th
//!   test is reached under `(e == k) ∧ R`, where `R` is the merge of the
//!   earlier arms (`e == j ∧ the call returned`, false under `e == k`)
//!   and their skips (`¬(e == j)`, true under `e == k`), so `R` becomes
//!   `true`.
//!
//! So the new path condition holds for exactly the same runs as
//! `reach ∧ cond`; nothing is assumed about which runs are reachable, so a
//! duplicated constant (first match wins), overlapping ranges and a
//! selector redefined between tests (a different term `x`) all keep their
//! meaning. Sets are kept as sorted, disjoint, non-adjacent intervals, so
//! every set has one canonical formula. The work per condition is bounded
//! (`MAX_CONJUNCTS`, `MAX_NODES`, `MAX_DEPTH`, `MAX_REWRITES`); past a
//! bound a term is kept as written, which is always an equivalence.
//!
//! The tests in `tests/refinement.rs` named `switch_*` fail when a rewrite
//! is not an equivalence (checked by breaking `Under` and the intersection
//! on purpose: wrong targets were then proved or right ones refuted).

use std::collections::HashMap;

use z3::DeclKind;
use z3::ast::{Ast, BV, Bool, Dynamic};

use crate::smt::{and2, or_all};

/// A set of `w`-bit unsigned values: sorted, disjoint, non-adjacent
/// inclusive intervals.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ValueSet {
    width: u32,
    ranges: Vec<(u64, u64)>,
}

/// The widest term handled (values are `u64`).
const MAX_WIDTH: u32 = 64;

/// How many top-level conjuncts of a path condition are looked at; deeper
/// ones stay one opaque conjunct, so adding a condition costs at most this
/// many inspections however long the path.
const MAX_CONJUNCTS: usize = 64;

/// How many intervals a set may have; a bigger one is not a restriction
/// (kept as written), so sets stay cheap to combine.
const MAX_RANGES: usize = 64;

impl ValueSet {
    fn max(width: u32) -> u64 {
        if width == 64 { u64::MAX } else { (1u64 << width) - 1 }
    }

    fn interval(width: u32, lo: u64, hi: u64) -> ValueSet {
        let ranges = if lo <= hi { vec![(lo, hi)] } else { Vec::new() };
        ValueSet { width, ranges }
    }

    /// The smallest value (`None` for the empty set).
    pub(crate) fn min(&self) -> Option<u64> {
        self.ranges.first().map(|r| r.0)
    }

    fn contains(&self, v: u64) -> bool {
        self.ranges.iter().any(|&(lo, hi)| lo <= v && v <= hi)
    }

    /// Exactly one value.
    fn is_point(&self) -> bool {
        matches!(self.ranges[..], [(lo, hi)] if lo == hi)
    }

    fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    fn is_full(&self) -> bool {
        self.ranges == [(0, Self::max(self.width))]
    }

    /// Sorts and joins overlapping or adjacent intervals.
    fn normalize(width: u32, mut ranges: Vec<(u64, u64)>) -> ValueSet {
        ranges.sort_unstable();
        let mut out: Vec<(u64, u64)> = Vec::with_capacity(ranges.len());
        for (lo, hi) in ranges {
            match out.last_mut() {
                Some(last) if last.1 == u64::MAX || lo <= last.1 + 1 => last.1 = last.1.max(hi),
                _ => out.push((lo, hi)),
            }
        }
        ValueSet { width, ranges: out }
    }

    fn complement(&self) -> ValueSet {
        let mut out = Vec::new();
        let mut next = Some(0u64);
        for &(lo, hi) in &self.ranges {
            if let Some(n) = next
                && n < lo
            {
                out.push((n, lo - 1));
            }
            next = hi.checked_add(1).filter(|v| *v <= Self::max(self.width));
        }
        if let Some(n) = next {
            out.push((n, Self::max(self.width)));
        }
        ValueSet { width: self.width, ranges: out }
    }

    fn union(&self, other: &ValueSet) -> ValueSet {
        let mut all = self.ranges.clone();
        all.extend_from_slice(&other.ranges);
        Self::normalize(self.width, all)
    }

    fn intersect(&self, other: &ValueSet) -> ValueSet {
        let mut out = Vec::new();
        let (mut i, mut j) = (0, 0);
        while i < self.ranges.len() && j < other.ranges.len() {
            let (a, b) = (self.ranges[i], other.ranges[j]);
            let (lo, hi) = (a.0.max(b.0), a.1.min(b.1));
            if lo <= hi {
                out.push((lo, hi));
            }
            if a.1 < b.1 {
                i += 1;
            } else {
                j += 1;
            }
        }
        ValueSet { width: self.width, ranges: out }
    }

    /// `{ v - k mod 2^w | v ∈ self }`: the values of `x` for which `x + k`
    /// is in `self`.
    fn shift_down(&self, k: u64) -> ValueSet {
        let max = Self::max(self.width);
        let k = k & max;
        let mut out = Vec::new();
        for &(lo, hi) in &self.ranges {
            let (a, b) = (lo.wrapping_sub(k) & max, hi.wrapping_sub(k) & max);
            if a <= b {
                out.push((a, b));
            } else {
                out.push((a, max));
                out.push((0, b));
            }
        }
        Self::normalize(self.width, out)
    }
}

/// A numeral's value, if `d` is a bit-vector numeral of at most 64 bits.
fn numeral(d: &Dynamic) -> Option<u64> {
    let bv = d.as_bv()?;
    if bv.get_size() > MAX_WIDTH {
        return None;
    }
    bv.as_u64()
}

/// `x` and `K` of a two-argument application on a term and a numeral, with
/// whether the numeral comes first.
fn term_and_numeral(args: &[Dynamic]) -> Option<(BV, u64, bool)> {
    let [a, b] = args else { return None };
    match (numeral(a), numeral(b)) {
        (None, Some(k)) => Some((a.as_bv()?, k, false)),
        (Some(k), None) => Some((b.as_bv()?, k, true)),
        _ => None,
    }
}

/// `x ⋈ K` (or `K ⋈ x`) as the set of `x`, for the unsigned compares.
fn compare_set(kind: DeclKind, width: u32, k: u64, numeral_first: bool) -> Option<ValueSet> {
    let max = ValueSet::max(width);
    // Normalize to `x ⋈ K`.
    let kind = if numeral_first {
        match kind {
            DeclKind::Uleq => DeclKind::Ugeq,
            DeclKind::Ugeq => DeclKind::Uleq,
            DeclKind::Ult => DeclKind::Ugt,
            DeclKind::Ugt => DeclKind::Ult,
            other => other,
        }
    } else {
        kind
    };
    Some(match kind {
        DeclKind::Eq => ValueSet::interval(width, k, k),
        DeclKind::Uleq => ValueSet::interval(width, 0, k),
        DeclKind::Ugeq => ValueSet::interval(width, k, max),
        DeclKind::Ult => {
            if k == 0 {
                ValueSet::interval(width, 1, 0)
            } else {
                ValueSet::interval(width, 0, k - 1)
            }
        }
        DeclKind::Ugt => {
            if k == max {
                ValueSet::interval(width, 1, 0)
            } else {
                ValueSet::interval(width, k + 1, max)
            }
        }
        _ => return None,
    })
}

/// Peels `x + K` (either order, one numeral) to `(x, K)`, and
/// `extract(w-1, lo, x)` to `x` with the set's preimage; returns the base
/// term and the set of base values for which `term ∈ set`.
fn preimage(term: BV, set: ValueSet) -> (BV, ValueSet) {
    let (mut term, mut set) = (term, set);
    loop {
        if !term.is_app() || term.get_size() > MAX_WIDTH {
            return (term, set);
        }
        let args = term.children();
        match term.decl().kind() {
            DeclKind::Badd if args.len() == 2 => {
                let Some((x, k, _)) = term_and_numeral(&args) else { return (term, set) };
                set = set.shift_down(k);
                term = x;
            }
            DeclKind::Extract if args.len() == 1 => {
                let Some(x) = args[0].as_bv() else { return (term, set) };
                let (w, s) = (x.get_size(), term.get_size());
                // Only the high bits: `term` must be `extract(w-1, w-s, x)`.
                if w > MAX_WIDTH || s >= w || !x.extract(w - 1, w - s).ast_eq(&term) {
                    return (term, set);
                }
                let low = w - s;
                if set.ranges.len() > MAX_RANGES {
                    return (term, set);
                }
                let ranges =
                    set.ranges.iter().map(|&(lo, hi)| (lo << low, (hi << low) | ((1u64 << low) - 1))).collect();
                set = ValueSet::normalize(w, ranges);
                term = x;
            }
            _ => return (term, set),
        }
    }
}

/// `(c, a, b)` when `x` is `ite(c, a, b)` with numerals `a` and `b` (how
/// a compare's 0/1 result is encoded).
fn flag_condition(x: &BV) -> Option<(Bool, u64, u64)> {
    if !x.is_app() || x.decl().kind() != DeclKind::Ite {
        return None;
    }
    let args = x.children();
    let [c, a, b] = &args[..] else { return None };
    Some((c.as_bool()?, numeral(a)?, numeral(b)?))
}

/// The term `b` restricts and the set it restricts it to, if `b` is such
/// a restriction (see the module docs for the forms). Looks at no more
/// than [`MAX_NODES`] nodes (a term is a DAG: a shared part would be
/// walked once per path to it) and no deeper than [`MAX_DEPTH`]
/// connectives (a path condition nests its predecessors' conditions; a
/// restriction is shallow, so a deep term is given up on early).
pub(crate) fn value_set(b: &Bool) -> Option<(BV, ValueSet)> {
    let mut budget = MAX_NODES;
    value_set_in(b, &mut budget, MAX_DEPTH)
}

/// How deep [`value_set`] looks through `¬`, `∧` and `∨`.
const MAX_DEPTH: u32 = 6;

/// How many nodes one [`value_set`] call may look at.
const MAX_NODES: usize = 256;

fn value_set_in(b: &Bool, budget: &mut usize, depth: u32) -> Option<(BV, ValueSet)> {
    *budget = budget.checked_sub(1)?;
    if !b.is_app() {
        return None;
    }
    let r = match b.decl().kind() {
        DeclKind::Not => {
            let (x, s) = value_set_in(&b.nth_child(0)?.as_bool()?, budget, depth.checked_sub(1)?)?;
            (x, s.complement())
        }
        kind @ (DeclKind::And | DeclKind::Or) => {
            let depth = depth.checked_sub(1)?;
            let mut acc: Option<(BV, ValueSet)> = None;
            for a in b.children() {
                let (x, s) = value_set_in(&a.as_bool()?, budget, depth)?;
                acc = Some(match acc {
                    None => (x, s),
                    Some((y, t)) => {
                        if !x.ast_eq(&y) {
                            return None;
                        }
                        (y, if kind == DeclKind::And { t.intersect(&s) } else { t.union(&s) })
                    }
                });
            }
            acc?
        }
        kind @ (DeclKind::Eq | DeclKind::Uleq | DeclKind::Ugeq | DeclKind::Ult | DeclKind::Ugt) => {
            let (x, k, numeral_first) = term_and_numeral(&b.children())?;
            let set = compare_set(kind, x.get_size(), k, numeral_first)?;
            let (x, set) = preimage(x, set);
            match flag_condition(&x) {
                // `ite(c, a, b) ∈ S` is `c` when only `a` is in `S`, `¬c`
                // when only `b` is.
                Some((c, a, b)) => match (set.contains(a), set.contains(b)) {
                    (true, false) => value_set_in(&c, budget, depth)?,
                    (false, true) => {
                        let (y, s) = value_set_in(&c, budget, depth)?;
                        (y, s.complement())
                    }
                    _ => return None,
                },
                None => (x, set),
            }
        }
        _ => return None,
    };
    (r.1.ranges.len() <= MAX_RANGES).then_some(r)
}

fn num(v: u64, width: u32) -> BV {
    BV::from_u64(v, width)
}

/// `x ∈ [lo, hi]` in canonical form.
fn in_range(x: &BV, lo: u64, hi: u64) -> Bool {
    let w = x.get_size();
    if lo == hi {
        x.eq(num(lo, w))
    } else if lo == 0 {
        x.bvule(num(hi, w))
    } else if hi == ValueSet::max(w) {
        num(lo, w).bvule(x)
    } else {
        // Two bounds rather than `x - lo ≤u hi - lo`: Z3 was measured to
        // time out on path conditions of that form (a bounds check of a
        // 1..=7 byte count in `CStr::from_bytes_with_nul`) that it proves
        // in milliseconds with the bounds.
        Bool::and(&[num(lo, w).bvule(x), x.bvule(num(hi, w))])
    }
}

/// The canonical formula of `x ∈ s`.
pub(crate) fn emit(x: &BV, s: &ValueSet) -> Bool {
    if s.is_empty() {
        return Bool::from_bool(false);
    }
    if s.is_full() {
        return Bool::from_bool(true);
    }
    if let [(lo, hi)] = s.ranges[..] {
        return in_range(x, lo, hi);
    }
    let gaps = s.complement();
    let parts: Vec<Bool> = gaps.ranges.iter().map(|&(lo, hi)| in_range(x, lo, hi).not()).collect();
    match parts.len() {
        1 => parts.into_iter().next().expect("one"),
        _ => Bool::and(&parts),
    }
}

/// The top-level conjuncts of `b`, in order; after [`MAX_CONJUNCTS`]
/// conjunctions are split, the rest stay whole (one conjunct each).
fn conjuncts(b: &Bool) -> Vec<Bool> {
    let mut out = Vec::new();
    let mut stack = vec![b.clone()];
    let mut split = 0;
    while let Some(t) = stack.pop() {
        if split < MAX_CONJUNCTS && t.is_app() && t.decl().kind() == DeclKind::And {
            let kids: Option<Vec<Bool>> = t.children().iter().map(Dynamic::as_bool).collect();
            if let Some(kids) = kids {
                split += 1;
                stack.extend(kids.into_iter().rev());
                continue;
            }
        }
        out.push(t);
    }
    out
}

/// How many nodes one [`and_cond`] may rewrite under the new restriction
/// (beyond them, conjuncts are kept as they are).
const MAX_REWRITES: usize = 20_000;

/// Rewrites formulas under the assumption `x ∈ set`: each result is
/// equivalent to its input wherever `x ∈ set` holds (see the module docs).
struct Under<'a> {
    x: &'a BV,
    set: &'a ValueSet,
    budget: usize,
    memo: HashMap<Bool, Bool>,
}

impl Under<'_> {
    /// `Some(true)`/`Some(false)` when `p` restricts `x` to a set that
    /// contains / misses all of `set`.
    fn decided(&self, p: &Bool) -> Option<bool> {
        let (y, t) = value_set(p)?;
        if !y.ast_eq(self.x) {
            return None;
        }
        if t.intersect(self.set).is_empty() {
            Some(false)
        } else if t.intersect(self.set) == *self.set {
            Some(true)
        } else {
            None
        }
    }

    fn rewrite(&mut self, p: &Bool) -> Bool {
        if p.as_bool().is_some() || !p.is_app() {
            return p.clone();
        }
        if let Some(r) = self.memo.get(p) {
            return r.clone();
        }
        let Some(b) = self.budget.checked_sub(1) else { return p.clone() };
        self.budget = b;
        let r = match p.decl().kind() {
            DeclKind::And => {
                let parts = conjuncts(p);
                // A conjunct that is false here decides the conjunction
                // before the others are rewritten.
                if parts.iter().any(|c| self.decided(c) == Some(false)) {
                    Bool::from_bool(false)
                } else {
                    let new: Vec<Bool> = parts.iter().map(|c| self.rewrite(c)).collect();
                    if new.iter().zip(&parts).all(|(a, b)| a.ast_eq(b)) {
                        p.clone()
                    } else if new.iter().any(|c| c.as_bool() == Some(false)) {
                        Bool::from_bool(false)
                    } else {
                        let keep: Vec<Bool> = new.into_iter().filter(|c| c.as_bool() != Some(true)).collect();
                        match keep.len() {
                            0 => Bool::from_bool(true),
                            1 => keep.into_iter().next().expect("one"),
                            _ => Bool::and(&keep),
                        }
                    }
                }
            }
            DeclKind::Or => {
                let kids: Option<Vec<Bool>> = p.children().iter().map(Dynamic::as_bool).collect();
                match kids {
                    None => p.clone(),
                    Some(kids) => {
                        let new: Vec<Bool> = kids.iter().map(|c| self.rewrite(c)).collect();
                        if new.iter().zip(&kids).all(|(a, b)| a.ast_eq(b)) { p.clone() } else { or_all(&new) }
                    }
                }
            }
            _ => match self.decided(p) {
                Some(v) => Bool::from_bool(v),
                None => p.clone(),
            },
        };
        self.memo.insert(p.clone(), r.clone());
        r
    }
}

/// `reach ∧ cond`, with the conjuncts restricting the term `cond`
/// restricts combined into one canonical formula, and the other conjuncts
/// rewritten under that restriction (see the module docs).
pub(crate) fn and_cond(reach: &Bool, cond: &Bool) -> Bool {
    if reach.as_bool() == Some(false) || cond.as_bool().is_some() {
        return and2(reach, cond);
    }
    let Some((x, mut set)) = value_set(cond) else { return and2(reach, cond) };
    if !set.is_point() && !set.complement().is_point() {
        // Not a test against one constant: kept as written (see the module
        // docs).
        return and2(reach, cond);
    }
    let parts = if reach.as_bool() == Some(true) { Vec::new() } else { conjuncts(reach) };
    let mut others = Vec::with_capacity(parts.len() + 1);
    for p in parts {
        match value_set(&p) {
            Some((y, s)) if y.ast_eq(&x) => set = set.intersect(&s),
            _ => others.push(p),
        }
    }
    if set.is_empty() {
        return Bool::from_bool(false);
    }
    let mut under = Under { x: &x, set: &set, budget: MAX_REWRITES, memo: HashMap::new() };
    let mut kept = Vec::with_capacity(others.len() + 1);
    for p in &others {
        let r = under.rewrite(p);
        match r.as_bool() {
            Some(false) => return Bool::from_bool(false),
            Some(true) => {}
            None => kept.push(r),
        }
    }
    if !set.is_full() {
        kept.push(emit(&x, &set));
    }
    match kept.len() {
        0 => Bool::from_bool(true),
        1 => kept.pop().expect("one"),
        _ => Bool::and(&kept),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use z3::{SatResult, Solver};

    fn x32() -> BV {
        BV::new_const("x", 32)
    }

    /// `a ⇔ b` is valid.
    fn equivalent(a: &Bool, b: &Bool) -> bool {
        let s = Solver::new();
        s.assert(a.eq(b).not());
        s.check() == SatResult::Unsat
    }

    #[test]
    fn else_if_arm_becomes_one_equality() {
        let x = x32();
        let mut reach = Bool::from_bool(true);
        for k in 0..5u64 {
            reach = and_cond(&reach, &x.eq(num(k, 32)).not().simplify());
        }
        let arm = and_cond(&reach, &x.eq(num(5, 32)).simplify());
        assert!(arm.ast_eq(x.eq(num(5, 32))), "{arm}");
        assert!(reach.ast_eq(num(5, 32).bvule(&x)), "{reach}");
        // A range test is kept as written.
        let table_default = x.bvuge(num(5, 32)).simplify();
        assert!(and_cond(&Bool::from_bool(true), &table_default).ast_eq(&table_default));
        // The 0/1 flag of a compare, tested against zero as `brif` does.
        let flag = |k: u64| x.eq(num(k, 32)).ite(&num(1, 32), &num(0, 32));
        let brif = and_cond(
            &and_cond(&Bool::from_bool(true), &flag(0).eq(num(0, 32)).simplify()),
            &crate::smt::nonzero(&flag(1)).simplify(),
        );
        assert!(brif.ast_eq(x.eq(num(1, 32))), "{brif}");
        // A constant already excluded: the arm is dead.
        assert_eq!(and_cond(&reach, &x.eq(num(3, 32))).as_bool(), Some(false));
    }

    #[test]
    fn rewrites_are_equivalences() {
        let x = x32();
        let y = BV::new_const("y", 32);
        let p = Bool::new_const("p");
        let q = Bool::new_const("q");
        let conds = [
            x.eq(num(7, 32)).not(),
            x.bvult(num(100, 32)),
            x.bvadd(num(0xffff_fff6, 32)).bvult(num(20, 32)).simplify(),
            x.bvuge(num(64, 32)).simplify(),
            x.eq(num(9, 32)).not(),
            Bool::or(&[x.eq(num(1, 32)), x.bvugt(num(50, 32))]),
            x.extract(31, 4).eq(num(3, 28)),
            y.eq(num(9, 32)),
            p.clone(),
            Bool::or(&[Bool::and(&[x.eq(num(3, 32)), q.clone()]), Bool::and(&[x.bvuge(num(10, 32)), p.clone()])]),
            Bool::or(&[Bool::and(&[x.eq(num(9, 32)).not(), y.eq(num(1, 32)), q.clone()]), x.bvult(num(3, 32))]),
        ];
        // Every ordered pair, each followed by a third condition.
        for (i, a) in conds.iter().enumerate() {
            for (j, b) in conds.iter().enumerate() {
                for c in [&conds[(i + j) % conds.len()], &conds[(i * 7 + j * 3 + 1) % conds.len()]] {
                    let base = Bool::and(&[a.clone(), p.clone()]);
                    let r = and_cond(&and_cond(&base, b), c);
                    let plain = Bool::and(&[a, &p, b, c]);
                    assert!(equivalent(&r, &plain), "{a} ∧ {b} ∧ {c}: {r}");
                }
            }
        }
    }

    #[test]
    fn value_sets() {
        let s = ValueSet::normalize(8, vec![(10, 20), (0, 3), (21, 30), (200, 255)]);
        assert_eq!(s.ranges, vec![(0, 3), (10, 30), (200, 255)]);
        assert_eq!(s.complement().ranges, vec![(4, 9), (31, 199)]);
        assert_eq!(s.complement().complement(), s);
        assert_eq!(ValueSet::interval(8, 250, 255).shift_down(10).ranges, vec![(240, 245)]);
        assert_eq!(ValueSet::interval(8, 2, 5).shift_down(4).ranges, vec![(0, 1), (254, 255)]);
        let full = ValueSet::interval(64, 0, u64::MAX);
        assert!(full.is_full() && full.complement().is_empty());
        assert_eq!(full.complement().complement(), full);
    }
}

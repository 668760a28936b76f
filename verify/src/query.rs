//! Refinement queries between two traces, the solver loop, and the
//! counterexample a satisfying model gives.
//!
//! Observations are compared pairwise between source and target paths that
//! can run together (both path conditions hold for the same inputs and
//! world). They are grouped into named queries, checked in the order an
//! observer sees them: `event 0`, `event 1`, ..., `outcome` (event count,
//! trap versus return, which cut point), `results` (return values, the
//! relation of the cut pair reached), `state` (globals, memories, tables,
//! segment flags).
//! The disjunction of everything is checked first, so a correct function
//! costs one query; when it is satisfiable the named queries find the first
//! difference (falling back to the combined query's model, itself a real
//! run, when they are not decided in time). When the combined query is
//! `unknown` the comparison is `Unknown` without asking the named queries:
//! they are parts of the same formula and were measured to time out as well
//! (see [`compare`]). Every query's timeout is the per-query timeout or what
//! is left of the check's budget, whichever is less (`budget.rs`).
//!
//! Exits of one kind, and calls of one number, are merged into one record
//! with `ite` chains on their path conditions; since a run ends in one
//! exit and makes one call of each number, those conditions exclude each
//! other and the members may be ordered freely: tests of one value go in
//! the order of the values they accept, so a chain and a table build the
//! same chains (`merge_group`).
//!
//! Terms are hash-consed, so an observation both sides build as the same
//! term is not compared at all, and a source exit and a target exit of
//! different kinds are not paired when either kind is reached under the
//! same term in both functions (the exits of one function exclude each
//! other, so such a pair cannot run together); likewise calls of one
//! number with different signatures. A pass that leaves a
//! function's control flow and memory accesses alone then costs no
//! disjointness proof.
//!
//! In the permissive NaN mode, float-typed observations (return values,
//! call arguments and globals of type `f32`/`f64`) treat any two NaNs as
//! equal; everything else is compared bit for bit, and so is everything in
//! exact NaN mode and the state at cut points (the next segment starts
//! from one state, so its bits must agree).
//!
//! At a cut point the two functions must have arrived at a pair of the
//! correspondence ([`Pairing`]) and the pair's relation must hold; a
//! target run that ends at a pair the source may match by staying where it
//! started (a stutter) is compared only when the stutter does not match.

use std::collections::BTreeMap;
use std::time::Instant;

use weft_ir::{Block, Ieee32, Ieee64, MemoryRef, Signature, TableRef, Type, Value};
use z3::ast::{BV, Bool};
use z3::{Model, Params, SatResult, Solver};

use crate::budget::Budget;
use crate::exec::{EventRec, ExitKind, ExitRec, Trace};
use crate::outcome::{Counterexample, QueryStat};
use crate::smt::FTy;
use crate::smt::{and2, or_all};
use crate::state::{MachineState, PAGE_BYTES, Universe, ite_bv};

/// How to show one side of an observation.
#[derive(Clone, Debug)]
enum Shown {
    Val(Type, BV),
    Callee(BV),
    Flag(Bool),
    Text(String),
}

/// One observation of a pair of paths.
struct Field {
    name: String,
    differs: Bool,
    src: Shown,
    tgt: Shown,
    /// For memory and table contents: the probed index.
    at: Option<BV>,
}

/// A pair of path groups (source, target) that may run together.
struct Candidate<'t> {
    cond: Bool,
    fields: Vec<Field>,
    /// Which member of each group a model takes, in source words.
    src_what: Vec<(Bool, &'t str)>,
    tgt_what: Vec<(Bool, &'t str)>,
}

struct Query<'t> {
    name: String,
    cands: Vec<Candidate<'t>>,
}

impl Query<'_> {
    fn formula(&self) -> Bool {
        let parts: Vec<Bool> = self
            .cands
            .iter()
            .map(|c| {
                let d: Vec<Bool> = c.fields.iter().map(|f| f.differs.clone()).collect();
                and2(&c.cond, &or_all(&d))
            })
            .collect();
        or_all(&parts)
    }
}

/// `a` and `b` differ as values of type `ty` (NaNs of float types match,
/// unless `exact`).
fn typed_ne(ty: Type, a: &BV, b: &BV, exact: bool) -> Bool {
    if a.ast_eq(b) {
        return Bool::from_bool(false);
    }
    let ne = a.eq(b).not();
    match ty {
        Type::F32 | Type::F64 if !exact => {
            let t = if ty == Type::F32 { FTy::F32 } else { FTy::F64 };
            Bool::and(&[ne, Bool::and(&[t.is_nan_bits(a), t.is_nan_bits(b)]).not()])
        }
        _ => ne,
    }
}

fn field(name: String, ty: Type, a: &BV, b: &BV, exact: bool) -> Option<Field> {
    let differs = typed_ne(ty, a, b, exact);
    if differs.as_bool() == Some(false) {
        return None;
    }
    Some(Field { name, differs, src: Shown::Val(ty, a.clone()), tgt: Shown::Val(ty, b.clone()), at: None })
}

/// Free indices used to compare memory and table contents.
pub(crate) struct Probes {
    mems: BTreeMap<MemoryRef, BV>,
    tables: BTreeMap<TableRef, BV>,
}

impl Probes {
    pub(crate) fn new(u: &Universe) -> Probes {
        Probes {
            mems: u.mems.keys().map(|m| (*m, BV::new_const(format!("probe.{m}"), 32))).collect(),
            tables: u.tables.keys().map(|t| (*t, BV::new_const(format!("probe.{t}"), 32))).collect(),
        }
    }
}

/// The fields of two states; float globals compare bit for bit when
/// `exact` (at cut points, where the next segment starts from one state).
fn state_fields(
    prefix: &str,
    a: &MachineState,
    b: &MachineState,
    u: &Universe,
    probes: &Probes,
    exact: bool,
) -> Vec<Field> {
    let mut out = Vec::new();
    for (g, decl) in &u.globals {
        out.extend(field(format!("{prefix}global {g}"), decl.ty, &a.globals[g], &b.globals[g], exact));
    }
    for m in u.mems.keys() {
        let (ma, mb) = (&a.mems[m], &b.mems[m]);
        out.extend(field(format!("{prefix}memory {m} size"), Type::I32, &ma.pages, &mb.pages, true));
        if !ma.bytes.same(&mb.bytes) {
            // Both the same array with stores at the same indices (one term
            // plus constants): they differ where a stored value does.
            if let (Some(ra), Some(rb)) = (ma.bytes.store_run(), mb.bytes.store_run())
                && ra.same_shape(&rb)
            {
                let pages_equal = ma.pages.eq(&mb.pages);
                for ((index, va), (_, vb)) in ra.values.values().zip(rb.values.values()) {
                    if va.ast_eq(vb) {
                        continue;
                    }
                    out.push(Field {
                        name: format!("{prefix}memory {m}"),
                        differs: Bool::and(&[pages_equal.clone(), va.eq(vb).not()]),
                        src: Shown::Val(Type::I32, va.zero_ext(24)),
                        tgt: Shown::Val(Type::I32, vb.zero_ext(24)),
                        at: Some(index.clone()),
                    });
                }
                continue;
            }
            let p = &probes.mems[m];
            let end = ma.pages.zero_ext(32).bvmul(BV::from_u64(PAGE_BYTES, 64));
            let (ba, bb) = (ma.bytes.select(p), mb.bytes.select(p));
            if ba.ast_eq(&bb) {
                continue;
            }
            let differs = Bool::and(&[ma.pages.eq(&mb.pages), p.zero_ext(32).bvult(&end), ba.eq(&bb).not()]);
            out.push(Field {
                name: format!("{prefix}memory {m}"),
                differs,
                src: Shown::Val(Type::I32, ba.zero_ext(24)),
                tgt: Shown::Val(Type::I32, bb.zero_ext(24)),
                at: Some(p.clone()),
            });
        }
    }
    for (t, decl) in &u.tables {
        let (ta, tb) = (&a.tables[t], &b.tables[t]);
        out.extend(field(format!("{prefix}table {t} size"), Type::I32, &ta.size, &tb.size, true));
        if !ta.elems.same(&tb.elems) {
            let p = &probes.tables[t];
            let (ea, eb) = (ta.elems.select(p), tb.elems.select(p));
            if ea.ast_eq(&eb) {
                continue;
            }
            let differs = Bool::and(&[ta.size.eq(&tb.size), p.bvult(&ta.size), ea.eq(&eb).not()]);
            out.push(Field {
                name: format!("{prefix}table {t}"),
                differs,
                src: Shown::Val(decl.elem, ea),
                tgt: Shown::Val(decl.elem, eb),
                at: Some(p.clone()),
            });
        }
    }
    for (d, fa) in &a.data_dropped {
        let fb = &b.data_dropped[d];
        if !fa.ast_eq(fb) {
            out.push(Field {
                name: format!("{prefix}{d} dropped"),
                differs: fa.xor(fb),
                src: Shown::Flag(fa.clone()),
                tgt: Shown::Flag(fb.clone()),
                at: None,
            });
        }
    }
    for (e, fa) in &a.elem_dropped {
        let fb = &b.elem_dropped[e];
        if !fa.ast_eq(fb) {
            out.push(Field {
                name: format!("{prefix}{e} dropped"),
                differs: fa.xor(fb),
                src: Shown::Flag(fa.clone()),
                tgt: Shown::Flag(fb.clone()),
                at: None,
            });
        }
    }
    out
}

/// What an exit group is.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum GroupKind {
    Return,
    Trap,
    /// Arrives at this cut block.
    Cut(Block),
    /// Runs past the unrolling bound (or the inlining depth): not compared,
    /// except that it may not have made more events than a finished run of
    /// the other function.
    Bound,
}

/// All exits of one kind (or all calls with one index and signature) of one
/// function, merged into one record with `ite`s on their path conditions, so
/// comparisons grow with the number of kinds, not with the number of paths.
pub(crate) struct Group<'t> {
    pub reach: Bool,
    pub nev: BV,
    pub st: MachineState,
    pub values: Vec<(Type, BV)>,
    pub live: Vec<(Value, Type, BV)>,
    /// For call groups: the callee.
    callee: Option<BV>,
    /// The members and their conditions, to name the one a model takes.
    whats: Vec<(Bool, &'t str)>,
}

/// One exit or call before merging.
struct Member<'t> {
    reach: Bool,
    st: &'t MachineState,
    nev: &'t BV,
    values: Vec<(Type, BV)>,
    live: Vec<(Value, Type, BV)>,
    callee: Option<BV>,
    what: &'t str,
}

fn merge_group<'t>(members: &[Member<'t>]) -> Group<'t> {
    // The members' conditions exclude each other (a run ends in one exit
    // and makes one call of each number: the conditions of the edges out
    // of a block exclude each other, and so do those of a call returning
    // and trapping), so the order of the `ite` chains below does not
    // change their value where any member's condition holds. Members that
    // test one value against constants go in the order of the smallest
    // value they accept, so a dispatch written two ways (a chain, a table)
    // builds the same chains.
    let mut members: Vec<&Member<'t>> = members.iter().collect();
    members.sort_by_cached_key(|m| crate::pathcond::value_set(&m.reach).map(|(_, s)| s.min()));
    let reach = or_all(&members.iter().map(|m| m.reach.clone()).collect::<Vec<_>>());
    let parts: Vec<(Bool, &MachineState)> = members.iter().map(|m| (m.reach.clone(), m.st)).collect();
    let st = MachineState::merge(&parts);
    let last = members.last().expect("non-empty group");
    let mut nev = last.nev.clone();
    let mut values = last.values.clone();
    let mut live = last.live.clone();
    let mut callee = last.callee.clone();
    for m in members.iter().rev().skip(1) {
        nev = ite_bv(&m.reach, m.nev, &nev);
        for ((_, v), (_, x)) in values.iter_mut().zip(&m.values) {
            *v = ite_bv(&m.reach, x, v);
        }
        for ((_, _, v), (_, _, x)) in live.iter_mut().zip(&m.live) {
            *v = ite_bv(&m.reach, x, v);
        }
        if let (Some(c), Some(x)) = (callee.as_mut(), &m.callee) {
            *c = ite_bv(&m.reach, x, c);
        }
    }
    let whats = members.iter().map(|m| (m.reach.clone(), m.what)).collect();
    Group { reach, nev, st, values, live, callee, whats }
}

/// Exits grouped by kind.
pub(crate) fn exit_groups(t: &Trace) -> Vec<(GroupKind, Group<'_>)> {
    let mut by_kind: BTreeMap<GroupKind, Vec<&ExitRec>> = BTreeMap::new();
    for e in &t.exits {
        let kind = match &e.kind {
            ExitKind::Return(_) => GroupKind::Return,
            ExitKind::Trap => GroupKind::Trap,
            ExitKind::Cut { block, .. } => GroupKind::Cut(*block),
            ExitKind::Bound => GroupKind::Bound,
        };
        by_kind.entry(kind).or_default().push(e);
    }
    by_kind
        .into_iter()
        .map(|(kind, exits)| {
            let members: Vec<_> = exits
                .iter()
                .map(|e| {
                    let (values, live) = match &e.kind {
                        ExitKind::Return(v) => (v.clone(), Vec::new()),
                        ExitKind::Cut { args, live, .. } => (args.clone(), live.clone()),
                        ExitKind::Trap | ExitKind::Bound => (Vec::new(), Vec::new()),
                    };
                    Member {
                        reach: e.reach.clone(),
                        st: &e.st,
                        nev: &e.nev.term,
                        values,
                        live,
                        callee: None,
                        what: e.what.as_str(),
                    }
                })
                .collect();
            (kind, merge_group(&members))
        })
        .collect()
}

/// Calls that can be call number `k`, grouped by signature.
fn event_groups(t: &Trace, k: u32) -> Vec<(&Signature, Group<'_>)> {
    let kb = BV::from_u64(u64::from(k), 32);
    let mut by_sig: Vec<(&Signature, Vec<&EventRec>)> = Vec::new();
    for e in t.events.iter().filter(|e| e.idx.lo <= k && k <= e.idx.hi) {
        match by_sig.iter_mut().find(|(s, _)| **s == e.sig) {
            Some((_, v)) => v.push(e),
            None => by_sig.push((&e.sig, vec![e])),
        }
    }
    by_sig
        .into_iter()
        .map(|(sig, events)| {
            let members: Vec<_> = events
                .iter()
                .map(|e| {
                    // A pinned (numeral) index is compared here, so a call
                    // that is this call exactly keeps its path condition.
                    let is_k = match e.idx.term.as_u64() {
                        Some(n) => Bool::from_bool(n == u64::from(k)),
                        None => e.idx.term.eq(&kb),
                    };
                    let at_k = and2(&e.reach, &is_k);
                    Member {
                        reach: at_k,
                        st: &e.st,
                        nev: &e.idx.term,
                        values: e.args.clone(),
                        live: Vec::new(),
                        callee: Some(e.callee.clone()),
                        what: e.what.as_str(),
                    }
                })
                .collect();
            (sig, merge_group(&members))
        })
        .collect()
}

fn kind_text(kind: &GroupKind) -> String {
    match kind {
        GroupKind::Return => "returns".into(),
        GroupKind::Trap => "traps".into(),
        GroupKind::Cut(b) => format!("arrives at cut point {b}"),
        GroupKind::Bound => "runs past the bound".into(),
    }
}

/// A cut exit group as the relation of a pair sees it.
pub(crate) struct CutView<'g> {
    pub block: Block,
    pub args: &'g [(Type, BV)],
    pub live: &'g [(Value, Type, BV)],
    pub st: &'g MachineState,
    pub nev: &'g BV,
}

impl<'g> CutView<'g> {
    pub(crate) fn of(kind: &GroupKind, g: &'g Group<'_>) -> Option<CutView<'g>> {
        match kind {
            GroupKind::Cut(block) => {
                Some(CutView { block: *block, args: &g.values, live: &g.live, st: &g.st, nev: &g.nev })
            }
            _ => None,
        }
    }
}

/// One fact of a pair's relation at two cut exits: whether it holds, and
/// the two sides' values to show when it does not.
pub(crate) struct RelField {
    pub name: String,
    pub holds: Bool,
    pub src: Option<(Type, BV)>,
    pub tgt: Option<(Type, BV)>,
}

/// How the cut exits of the two functions correspond (see
/// [`crate::cert::Correspondence`]).
pub(crate) trait Pairing {
    /// The pair a source cut block and a target cut block make, if any.
    fn pair(&self, src: Block, tgt: Block) -> Option<usize>;
    /// The relation of pair `q` at a source and a target cut exit.
    fn relate(&self, q: usize, s: &CutView<'_>, t: &CutView<'_>) -> Result<Vec<RelField>, String>;
    /// When a target run ending at cut block `t.block` may be matched by
    /// the source staying at the segment's start: the formula saying the
    /// stutter matches (no event, the start state, the pair's relation).
    fn stutter(&self, t: &CutView<'_>) -> Result<Option<Bool>, String>;
}

/// No cut exits are expected (loop-free functions, unrolling).
pub(crate) struct NoPairing;

impl Pairing for NoPairing {
    fn pair(&self, _: Block, _: Block) -> Option<usize> {
        None
    }
    fn relate(&self, _: usize, _: &CutView<'_>, _: &CutView<'_>) -> Result<Vec<RelField>, String> {
        Ok(Vec::new())
    }
    fn stutter(&self, _: &CutView<'_>) -> Result<Option<Bool>, String> {
        Ok(None)
    }
}

/// Do exits of kinds `ks` (source) and `kt` (target) match, and at which
/// pair? `Some(None)`: the same return or trap kind.
fn compatible(p: &dyn Pairing, ks: &GroupKind, kt: &GroupKind) -> Option<Option<usize>> {
    match (ks, kt) {
        (GroupKind::Return, GroupKind::Return) | (GroupKind::Trap, GroupKind::Trap) => Some(None),
        (GroupKind::Cut(a), GroupKind::Cut(b)) => p.pair(*a, *b).map(Some),
        _ => None,
    }
}

/// Builds the named queries comparing `s` (source) with `t` (target).
fn build_queries<'t>(
    s: &'t Trace,
    t: &'t Trace,
    u: &Universe,
    probes: &Probes,
    pairing: &dyn Pairing,
    exact: bool,
) -> Result<Vec<Query<'t>>, String> {
    let mut queries = Vec::new();
    // Events, by index.
    let max_k = s.events.iter().chain(&t.events).map(|e| e.idx.hi).max();
    if let Some(max_k) = max_k {
        for k in 0..=max_k {
            let mut cands = Vec::new();
            let (gs, gt) = (event_groups(s, k), event_groups(t, k));
            // Signatures whose calls number `k` both functions reach under
            // the very same term. A run makes one call of each number, so
            // the groups of one function exclude each other, and a source
            // call of signature `a` cannot run together with a target call
            // of another signature `b` when `a` or `b` is reached under the
            // same term in both (the argument of the exits' `same_src`
            // below). Such pairs are left out instead of making Z3 prove
            // their conditions disjoint, which on calls whose number is
            // symbolic took it past the timeout even for identical code.
            let same: Vec<&Signature> = gs
                .iter()
                .filter(|(sig, e)| gt.iter().any(|(sig_t, f)| sig_t == sig && f.reach.ast_eq(&e.reach)))
                .map(|(sig, _)| *sig)
                .collect();
            for (sig_s, e) in &gs {
                for (sig_t, f) in &gt {
                    if sig_s != sig_t && (same.contains(sig_s) || same.contains(sig_t)) {
                        continue;
                    }
                    let cond = and2(&e.reach, &f.reach);
                    let mut fields = Vec::new();
                    if sig_s != sig_t {
                        fields.push(Field {
                            name: format!("event {k} signature"),
                            differs: Bool::from_bool(true),
                            src: Shown::Text(sig_s.to_string()),
                            tgt: Shown::Text(sig_t.to_string()),
                            at: None,
                        });
                    } else {
                        let (ce, cf) = (e.callee.clone().expect("call group"), f.callee.clone().expect("call group"));
                        if !ce.ast_eq(&cf) {
                            fields.push(Field {
                                name: format!("event {k} callee"),
                                differs: ce.eq(&cf).not(),
                                src: Shown::Callee(ce),
                                tgt: Shown::Callee(cf),
                                at: None,
                            });
                        }
                        for (i, ((ty, a), (_, b))) in e.values.iter().zip(&f.values).enumerate() {
                            fields.extend(field(format!("event {k} argument {i}"), *ty, a, b, exact));
                        }
                        fields.extend(state_fields(&format!("event {k} "), &e.st, &f.st, u, probes, exact));
                    }
                    if !fields.is_empty() {
                        cands.push(Candidate { cond, fields, src_what: e.whats.clone(), tgt_what: f.whats.clone() });
                    }
                }
            }
            queries.push(Query { name: format!("event {k}"), cands });
        }
    }
    // Outcomes.
    let (gs, gt) = (exit_groups(s), exit_groups(t));
    // Kinds of exit both functions reach under the very same term. The
    // exits of one function exclude each other (see `merge_group`), so a
    // source exit of kind `a` and a target exit of another kind `b` cannot
    // run together when `a` or `b` is reached under the same term as a
    // matching kind of the other function: with `reach_t(a') = reach_s(a)`,
    // `reach_s(a) ∧ reach_t(b) = reach_t(a') ∧ reach_t(b)`, false; likewise
    // for `b`. Such pairs are left out instead of making Z3 prove their
    // path conditions disjoint, which took it past the timeout on functions
    // whose conditions read memory through merged stores.
    let mut same_src = Vec::new();
    let mut same_tgt = Vec::new();
    for (ks, e) in &gs {
        for (kt, f) in &gt {
            if compatible(pairing, ks, kt).is_some() && e.reach.ast_eq(&f.reach) {
                same_src.push(*ks);
                same_tgt.push(*kt);
            }
        }
    }
    // Target cut exits the source may match by staying at its start.
    let mut stutters: Vec<Option<Bool>> = Vec::new();
    for (kt, f) in &gt {
        stutters.push(match CutView::of(kt, f) {
            Some(view) => pairing.stutter(&view)?,
            None => None,
        });
    }
    let mut outcome = Vec::new();
    let mut results = Vec::new();
    let mut state = Vec::new();
    for (ks, e) in &gs {
        for ((kt, f), stutter) in gt.iter().zip(&stutters) {
            // A run past the bound is not compared, but if it made more
            // events than a finished run of the other function has in all,
            // one of its events is one the other never makes.
            let more = match (ks, kt) {
                (GroupKind::Bound, GroupKind::Bound) => continue,
                (GroupKind::Bound, _) => Some(e.nev.bvugt(&f.nev)),
                (_, GroupKind::Bound) => Some(f.nev.bvugt(&e.nev)),
                _ => None,
            };
            if let Some(more) = more {
                if more.as_bool() != Some(false) {
                    outcome.push(Candidate {
                        cond: and2(&e.reach, &f.reach),
                        fields: vec![Field {
                            name: "event count".into(),
                            differs: more,
                            src: Shown::Val(Type::I32, e.nev.clone()),
                            tgt: Shown::Val(Type::I32, f.nev.clone()),
                            at: None,
                        }],
                        src_what: e.whats.clone(),
                        tgt_what: f.whats.clone(),
                    });
                }
                continue;
            }
            let pair = compatible(pairing, ks, kt);
            if pair.is_none() && (same_src.contains(ks) || same_tgt.contains(kt)) {
                continue;
            }
            let mut cond = and2(&e.reach, &f.reach);
            if let Some(ok) = stutter {
                cond = and2(&cond, &ok.not());
            }
            let same_count = e.nev.eq(&f.nev);
            let mut fields = Vec::new();
            if !e.nev.ast_eq(&f.nev) {
                fields.push(Field {
                    name: "event count".into(),
                    differs: same_count.not(),
                    src: Shown::Val(Type::I32, e.nev.clone()),
                    tgt: Shown::Val(Type::I32, f.nev.clone()),
                    at: None,
                });
            }
            if pair.is_none() {
                let name = match (ks, kt) {
                    (GroupKind::Trap, _) | (_, GroupKind::Trap) => "trap",
                    (GroupKind::Return, _) | (_, GroupKind::Return) => "return",
                    _ => "cut point",
                };
                fields.push(Field {
                    name: name.into(),
                    differs: Bool::from_bool(true),
                    src: Shown::Text(kind_text(ks)),
                    tgt: Shown::Text(kind_text(kt)),
                    at: None,
                });
            }
            if !fields.is_empty() {
                outcome.push(Candidate {
                    cond: cond.clone(),
                    fields,
                    src_what: e.whats.clone(),
                    tgt_what: f.whats.clone(),
                });
            }
            let Some(pair) = pair else { continue };
            let cond = and2(&cond, &same_count);
            let mut rfields = Vec::new();
            let is_cut = pair.is_some();
            if let (Some(q), Some(vs), Some(vt)) = (pair, CutView::of(ks, e), CutView::of(kt, f)) {
                for r in pairing.relate(q, &vs, &vt)? {
                    if r.holds.as_bool() == Some(true) {
                        continue;
                    }
                    let show = |v: &Option<(Type, BV)>, b: &Bool| match v {
                        Some((ty, x)) => Shown::Val(*ty, x.clone()),
                        None => Shown::Flag(b.clone()),
                    };
                    rfields.push(Field {
                        name: r.name.clone(),
                        differs: r.holds.not(),
                        src: show(&r.src, &r.holds),
                        tgt: show(&r.tgt, &r.holds),
                        at: None,
                    });
                }
            } else {
                for (i, ((ty, x), (_, y))) in e.values.iter().zip(&f.values).enumerate() {
                    rfields.extend(field(format!("return value {i}"), *ty, x, y, exact));
                }
            }
            if !rfields.is_empty() {
                results.push(Candidate {
                    cond: cond.clone(),
                    fields: rfields,
                    src_what: e.whats.clone(),
                    tgt_what: f.whats.clone(),
                });
            }
            let sfields = state_fields("", &e.st, &f.st, u, probes, exact || is_cut);
            if !sfields.is_empty() {
                state.push(Candidate { cond, fields: sfields, src_what: e.whats.clone(), tgt_what: f.whats.clone() });
            }
        }
    }
    queries.push(Query { name: "outcome".into(), cands: outcome });
    queries.push(Query { name: "results".into(), cands: results });
    queries.push(Query { name: "state".into(), cands: state });
    Ok(queries)
}

/// What every comparison of one check shares: the inputs (for
/// counterexample reports), the NaN mode and the time budget
/// (which also gives each query its timeout).
pub(crate) struct QueryCx<'a> {
    /// Parameters by IR name.
    pub params: Vec<(String, Type, BV)>,
    /// The state at the entry.
    pub st: &'a MachineState,
    pub u: &'a Universe,
    /// Compare float observations bit for bit (exact NaN mode).
    pub nan_exact: bool,
    pub budget: &'a Budget,
    /// Z3 `rlimit` of each query ([`crate::Options::query_rlimit`]).
    pub rlimit: Option<u32>,
}

impl QueryCx<'_> {
    /// The parameters' values in `model`, by IR name.
    pub(crate) fn describe_params(&self, model: &Model) -> Vec<(String, String)> {
        self.params
            .iter()
            .map(|(name, ty, bv)| {
                (name.clone(), eval_bits(model, bv).map(|b| show_value(*ty, b)).unwrap_or_else(|| "?".into()))
            })
            .collect()
    }
}

/// The result of comparing two traces.
pub(crate) enum Verdict {
    Holds,
    Fails(Counterexample),
    /// The solver could not decide (a timeout, Z3 `unknown`, the check's
    /// budget spent); the string says why.
    Unknown(String),
}

/// Solver parameters of one query.
pub(crate) fn query_params(timeout_ms: u32, rlimit: Option<u32>) -> Params {
    let mut params = Params::new();
    params.set_u32("timeout", timeout_ms);
    if let Some(r) = rlimit {
        params.set_u32("rlimit", r);
    }
    params
}

/// One solver call's answer.
enum Answer {
    Unsat,
    Sat(Option<Model>),
    /// Why Z3 gave up.
    Unknown(String),
}

/// Runs the queries comparing `s` and `t` under `background`.
///
/// The combined query (every observation) comes first: `unsat` proves the
/// comparison in one call. When it is `unknown`, the comparison is `Unknown`
/// at once: the named queries are parts of the same formula, and on real
/// functions they time out as well, so asking them only multiplied the cost
/// of a hard check. When it is `sat`, the named queries are asked in order
/// to report the first kind of observation that can differ — only those
/// before the first kind the combined query's model already shows differing,
/// whose difference is reported when none of them is satisfiable (or
/// decided within the budget): that model is a real run, since it satisfies
/// every assertion.
#[expect(clippy::too_many_arguments, reason = "the two traces, what they are compared under, and where stats go")]
pub(crate) fn compare(
    label: &str,
    s: &Trace,
    t: &Trace,
    background: &[Bool],
    pairing: &dyn Pairing,
    inputs: &QueryCx<'_>,
    fresh: bool,
    stats: &mut Vec<QueryStat>,
) -> Verdict {
    let probes = Probes::new(inputs.u);
    let queries = match build_queries(s, t, inputs.u, &probes, pairing, inputs.nan_exact) {
        Ok(q) => q,
        Err(why) => return Verdict::Unknown(why),
    };
    let budget = inputs.budget;
    // Queries over floats each get a solver of their own, asserted once and
    // checked once: Z3 answers a single check with its non-incremental
    // solver (bit-blasting tactics), which decided float-heavy queries in
    // well under a second that its incremental core (used after a `push`)
    // left undecided at 20 s. Other comparisons share one incremental
    // solver, which was measured faster on memory-heavy queries (4.2 s
    // against about 1 s for the memory chain of `tests/refinement.rs`).
    // The parameters are set before the assertions, and set again only when
    // the budget cuts a query's timeout (setting them can change the model
    // Z3 finds, so the usual path keeps one setting).
    let shared = (!fresh).then(|| {
        let solver = Solver::new();
        solver.set_params(&query_params(budget.query_timeout_ms().unwrap_or(1), inputs.rlimit));
        for b in background.iter().chain(&s.facts).chain(&t.facts) {
            solver.assert(b);
        }
        solver
    });
    let set_timeout = std::cell::Cell::new(budget.query_timeout_ms().unwrap_or(1));
    // `Err` when the budget is spent before the query could run.
    let run = |name: &str, f: &Bool, stats: &mut Vec<QueryStat>| -> Result<Answer, String> {
        if f.as_bool() == Some(false) {
            stats.push(QueryStat { name: format!("{label}: {name}"), millis: 0, result: "unsat".into() });
            return Ok(Answer::Unsat);
        }
        let Some(timeout) = budget.query_timeout_ms() else {
            return Err(budget.exhausted(&format!("before query `{label}: {name}`")));
        };
        let own;
        let solver = match &shared {
            Some(solver) => {
                if timeout != set_timeout.get() {
                    solver.set_params(&query_params(timeout, inputs.rlimit));
                    set_timeout.set(timeout);
                }
                solver.push();
                solver
            }
            None => {
                own = Solver::new();
                own.set_params(&query_params(timeout, inputs.rlimit));
                for b in background.iter().chain(&s.facts).chain(&t.facts) {
                    own.assert(b);
                }
                &own
            }
        };
        solver.assert(f);
        let start = Instant::now();
        let r = solver.check();
        let millis = start.elapsed().as_millis();
        let answer = match r {
            SatResult::Unsat => Answer::Unsat,
            SatResult::Sat => Answer::Sat(solver.get_model()),
            SatResult::Unknown => {
                let why = solver.get_reason_unknown().unwrap_or_else(|| "unknown".into());
                Answer::Unknown(if budget.cut(timeout) && budget.spent() {
                    budget.exhausted(&format!("in query `{label}: {name}` (Z3: {why})"))
                } else {
                    let rlimit = inputs.rlimit.map(|r| format!(", rlimit {r}")).unwrap_or_default();
                    format!(
                        "query `{name}`: Z3 answers `unknown` ({why}) after {millis} ms (timeout {timeout} ms{rlimit})"
                    )
                })
            }
        };
        if shared.is_some() {
            solver.pop(1);
        }
        let result = match r {
            SatResult::Sat => "sat",
            SatResult::Unsat => "unsat",
            SatResult::Unknown => "unknown",
        };
        stats.push(QueryStat { name: format!("{label}: {name}"), millis, result: result.into() });
        Ok(answer)
    };
    let all = or_all(&queries.iter().map(Query::formula).collect::<Vec<_>>());
    let combined_model = match run("all observations", &all, stats) {
        Err(why) | Ok(Answer::Unknown(why)) => return Verdict::Unknown(why),
        Ok(Answer::Unsat) => return Verdict::Holds,
        Ok(Answer::Sat(model)) => model,
    };
    // The combined model is a run on which the observations of some query
    // differ: only the queries before the first such one in observation
    // order can name an earlier difference, so only those are asked.
    let shown_at =
        combined_model.as_ref().and_then(|m| queries.iter().position(|q| diagnose(q, m, s, t, inputs).is_some()));
    let asked = shown_at.unwrap_or(queries.len());
    let mut unknown = None;
    for q in &queries[..asked] {
        match run(&q.name, &q.formula(), stats) {
            Ok(Answer::Unsat) => {}
            Ok(Answer::Sat(model)) => {
                let Some(model) = model else {
                    return Verdict::Unknown(format!("query `{}` is satisfiable but Z3 gave no model", q.name));
                };
                return match diagnose(q, &model, s, t, inputs) {
                    Some(c) => Verdict::Fails(c),
                    None => Verdict::Unknown(format!("query `{}` is satisfiable but no observation differs", q.name)),
                };
            }
            Ok(Answer::Unknown(why)) => {
                unknown.get_or_insert(why);
            }
            Err(why) => {
                unknown.get_or_insert(why);
                break;
            }
        }
    }
    // No earlier query was satisfiable (or decided): the combined query's
    // model is a run on which some observation differs; report the first
    // one it shows.
    if let Some(model) = &combined_model
        && let Some(c) = queries.iter().find_map(|q| diagnose(q, model, s, t, inputs))
    {
        return Verdict::Fails(c);
    }
    Verdict::Unknown(match unknown {
        Some(why) => format!("the combined query is satisfiable but no counterexample could be named: {why}"),
        None => "the combined query is satisfiable but no single query is".into(),
    })
}

fn eval_bool(model: &Model, b: &Bool) -> bool {
    model.eval(b, true).and_then(|v| v.as_bool()).unwrap_or(false)
}

/// The bits of a term in the model.
pub(crate) fn eval_bits(model: &Model, bv: &BV) -> Option<u128> {
    let w = bv.get_size();
    if w <= 64 {
        model.eval(bv, true)?.as_u64().map(u128::from)
    } else {
        let lo = model.eval(&bv.extract(63, 0), true)?.as_u64()?;
        let hi = model.eval(&bv.extract(w - 1, 64), true)?.as_u64()?;
        Some((u128::from(hi) << 64) | u128::from(lo))
    }
}

/// A value of type `ty` in IR notation.
pub(crate) fn show_value(ty: Type, bits: u128) -> String {
    match ty {
        Type::I32 => {
            let v = bits as u32 as i32;
            if (-255..=255).contains(&v) { v.to_string() } else { format!("{v} (0x{:x})", bits as u32) }
        }
        Type::I64 => {
            let v = bits as u64 as i64;
            if (-255..=255).contains(&v) { v.to_string() } else { format!("{v} (0x{:x})", bits as u64) }
        }
        Type::F32 => format!("{} (0x{:08x})", Ieee32(bits as u32), bits as u32),
        Type::F64 => format!("{} (0x{:016x})", Ieee64(bits as u64), bits as u64),
        Type::V128 => format!("0x{bits:032x}"),
        Type::FuncRef => {
            if bits == 0 {
                "null".into()
            } else {
                format!("ref.func fn{}", bits - 1)
            }
        }
        Type::ExternRef => {
            if bits == 0 {
                "null".into()
            } else {
                format!("extern#{bits}")
            }
        }
    }
}

fn show(model: &Model, s: &Shown) -> String {
    match s {
        Shown::Val(ty, bv) => eval_bits(model, bv).map(|b| show_value(*ty, b)).unwrap_or_else(|| "?".into()),
        Shown::Callee(bv) => match eval_bits(model, bv) {
            Some(0) => "null".into(),
            Some(b) => format!("fn{}", b - 1),
            None => "?".into(),
        },
        Shown::Flag(b) => eval_bool(model, b).to_string(),
        Shown::Text(t) => t.clone(),
    }
}

fn which<'t>(model: &Model, whats: &[(Bool, &'t str)]) -> &'t str {
    whats.iter().find(|(c, _)| eval_bool(model, c)).map_or("?", |(_, w)| *w)
}

fn diagnose(q: &Query<'_>, model: &Model, s: &Trace, t: &Trace, inputs: &QueryCx<'_>) -> Option<Counterexample> {
    for c in &q.cands {
        if !eval_bool(model, &c.cond) {
            continue;
        }
        for f in &c.fields {
            if !eval_bool(model, &f.differs) {
                continue;
            }
            let mut query = f.name.clone();
            if let Some(at) = &f.at {
                let idx = eval_bits(model, at).unwrap_or(0);
                query = format!("{query} at 0x{idx:x}");
            }
            let source = format!("{} ({})", show(model, &f.src), which(model, &c.src_what));
            let target = format!("{} ({})", show(model, &f.tgt), which(model, &c.tgt_what));
            let mut extra = Vec::new();
            if let Some(at) = &f.at
                && f.name.contains("memory ")
            {
                let m = f.name.rsplit(' ').next().unwrap_or("");
                if let Some((mref, _)) = inputs.u.mems.iter().find(|(mr, _)| mr.to_string() == m) {
                    extra.push((*mref, at.clone(), 1));
                }
            }
            return Some(Counterexample {
                query,
                inputs: describe_inputs(model, s, t, inputs, &extra),
                source,
                target,
                assumptions: Vec::new(),
                bound: None,
            });
        }
    }
    None
}

fn describe_inputs(
    model: &Model,
    s: &Trace,
    t: &Trace,
    inputs: &QueryCx<'_>,
    extra: &[(MemoryRef, BV, u32)],
) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (name, ty, bv) in &inputs.params {
        out.push((name.clone(), eval_bits(model, bv).map(|b| show_value(*ty, b)).unwrap_or_else(|| "?".into())));
    }
    for (g, decl) in &inputs.u.globals {
        let v = eval_bits(model, &inputs.st.globals[g]).map(|b| show_value(decl.ty, b)).unwrap_or_else(|| "?".into());
        out.push((format!("{g}"), v));
    }
    for (m, mem) in &inputs.st.mems {
        let pages = eval_bits(model, &mem.pages).unwrap_or(0);
        out.push((format!("{m} size"), format!("{pages} pages")));
    }
    for (tr, tab) in &inputs.st.tables {
        let size = eval_bits(model, &tab.size).unwrap_or(0);
        out.push((format!("{tr} size"), size.to_string()));
    }
    // Bytes the functions touched (before any write), in address order.
    let mut ranges: BTreeMap<(MemoryRef, u128), u32> = BTreeMap::new();
    let accesses = s.accesses.iter().chain(&t.accesses);
    for a in accesses {
        if eval_bool(model, &a.reach)
            && let Some(idx) = eval_bits(model, &a.index)
        {
            let e = ranges.entry((a.mem, idx)).or_insert(0);
            *e = (*e).max(a.len);
        }
    }
    for (m, at, len) in extra {
        if let Some(idx) = eval_bits(model, at) {
            let e = ranges.entry((*m, idx)).or_insert(0);
            *e = (*e).max(*len);
        }
    }
    for ((m, idx), len) in ranges.into_iter().take(16) {
        let Some(mem) = inputs.st.mems.get(&m) else { continue };
        let bytes: Vec<String> = (0..len)
            .map(|j| {
                let at = BV::from_u64((idx as u64).wrapping_add(u64::from(j)) & 0xffff_ffff, 32);
                let b = mem.bytes.select(&at);
                eval_bits(model, &b).map(|v| format!("{v:02x}")).unwrap_or_else(|| "??".into())
            })
            .collect();
        let name =
            if len == 1 { format!("{m}[0x{idx:x}]") } else { format!("{m}[0x{idx:x}..0x{:x}]", idx + u128::from(len)) };
        out.push((name, bytes.join(" ")));
    }
    // What the world chose for the grows each function made.
    for (who, tr) in [("source", s), ("target", t)] {
        for g in tr.grows.iter().take(16) {
            if !eval_bool(model, &g.reach) {
                continue;
            }
            let k = eval_bits(model, &g.idx).unwrap_or(0);
            let ok = if eval_bool(model, &g.ok) { "may succeed" } else { "fails" };
            out.push((format!("{who} grow {k} ({})", g.what), ok.to_string()));
        }
    }
    // What the calls of the source returned.
    for e in &s.events {
        if !eval_bool(model, &e.reach) {
            continue;
        }
        let k = eval_bits(model, &e.idx.term).unwrap_or(0);
        for (i, (ty, r)) in e.results.iter().enumerate() {
            let v = eval_bits(model, r).map(|b| show_value(*ty, b)).unwrap_or_else(|| "?".into());
            out.push((format!("event {k} result {i}"), v));
        }
    }
    out
}

//! The unbounded proof over cut pairs: a [`Plan`] (corresponding cut blocks
//! and the relation at each) is proved by induction on the segments between
//! cut points, and, when the pass gives none, plans are found here.
//!
//! # Proving a plan
//!
//! Both functions are cut at the blocks of the plan (every cycle must pass
//! one). The entry segment runs both functions from their entries to their
//! first cut arrivals (passing a cut block as many times as its entry passes
//! say); each pair's segment runs them from that pair, starting from one
//! symbolic state shared by both (immutable globals keep their entry
//! values; memories and tables are at least as large as at entry; dropped
//! segments stay dropped; proved module invariants hold) and start values
//! that satisfy the pair's relation. A relation fact that equates two values
//! is applied by giving both the same term (or a value defined before every
//! loop its exact term); the other facts are assumed. Each segment must
//! then make the same events, reach matching exits — the same return or
//! trap, or a pair whose relation holds with equal states — or, for a
//! target run reaching a later pair with the same source block, be matched
//! by the source staying at its start (a stutter: no event, the start state,
//! the relation). This is an induction on the number of segments a run
//! passes: the relations hold at every arrival and the observations agree
//! up to it. Termination is kept: every target segment except a stutter
//! matches at least one source segment, and a stutter moves forward in the
//! target's reverse post-order, so a target run that loops forever matches
//! a source run that does, and a source run that returns is matched by a
//! target run that returns.
//!
//! # Finding a plan
//!
//! Without a certificate the first plan is the one the checker always used:
//! the loop headers of both functions paired in reverse post-order, their
//! parameters equal one for one, same-numbered values live into both equal.
//! When its proof fails (and nothing was undecided), the checker infers
//! relations (Houdini: a candidate set is shrunk, by dropping every
//! candidate a model of a failed obligation falsifies, until every one left
//! holds at every entry to its pair, assuming all of them at the starts) for
//! the same pairing and for alignments that peeling and rotation produce:
//! the source (or the target) passing its header once more from outside the
//! loop, and the source (or the target) cut at the loop's body instead of
//! its header. Candidates: every parameter equal to every parameter of the
//! other function's block of the same type; same-numbered live values
//! equal; a parameter equal to a pure expression the other function
//! computes in its loop (strength reduction); a parameter equal to the
//! value it enters the loop with (loop-invariant values); a value loaded
//! before every loop equal to the memory it was loaded from; memory and
//! table sizes and mutable globals equal to their entry values. Whatever
//! survives is then proved as a plan like any other, so a wrong inference
//! costs time, never soundness.

use std::collections::{BTreeMap, BTreeSet};

use weft_ir::{Block, Function, Imm, InstructionData, OpSig, Opcode, Type, Value, ValueDef};
use z3::ast::{BV, Bool};
use z3::{SatResult, Solver};

use crate::cert::{CutPair, Fact, Side, Term, TermCx};
use crate::exec::{CutPlan, CutRule, Mode, Start, Trace, def_block};
use crate::query::{CutView, GroupKind, Pairing, RelField, Verdict, exit_groups};
use crate::smt::and2;
use crate::state::{MachineState, Universe, type_bits};
use crate::{Induction, Session, SideInfo};

/// Corresponding cut pairs and their relations.
#[derive(Clone, Debug)]
pub(crate) struct Plan {
    pub pairs: Vec<CutPair>,
    /// Where it came from, in words.
    pub how: String,
}

impl Plan {
    fn block(&self, i: usize, side: Side) -> Block {
        match side {
            Side::Src => self.pairs[i].src,
            Side::Tgt => self.pairs[i].tgt,
        }
    }

    fn blocks(&self, side: Side) -> BTreeSet<Block> {
        (0..self.pairs.len()).map(|i| self.block(i, side)).collect()
    }

    fn entry_passes(&self, side: Side, b: Block) -> Result<u32, String> {
        let mut passes = None;
        for p in &self.pairs {
            let (blk, n) = match side {
                Side::Src => (p.src, p.src_entry_passes),
                Side::Tgt => (p.tgt, p.tgt_entry_passes),
            };
            if blk == b {
                match passes {
                    Some(m) if m != n => {
                        return Err(format!("pairs at {} {b} give it different entry passes", side.name()));
                    }
                    _ => passes = Some(n),
                }
            }
        }
        Ok(passes.unwrap_or(0))
    }

    fn facts_total(&self) -> usize {
        self.pairs.iter().map(|p| p.facts.len()).sum()
    }
}

/// How a proof of a plan ended, with the name of the failing query.
pub(crate) enum PlanResult {
    Proved,
    /// A segment differs; `relation` when the failing observation is a
    /// relation fact (a certificate that is not established or preserved).
    Fails {
        why: String,
        relation: Option<crate::Counterexample>,
    },
    Unknown(String),
}

/// The values of one side at a cut point, for evaluating facts.
/// One side's function cut for proving header facts: its segments, and
/// the values defined before every loop.
struct FactSegments {
    side: Side,
    pre: BTreeMap<Value, BV>,
    segments: Vec<FactSegment>,
}

/// A segment: from the entry (`from: None`) or from a cut block with an
/// arbitrary state (`start`: its values and state, for the facts assumed
/// there).
struct FactSegment {
    from: Option<Block>,
    trace: Trace,
    assumed: Vec<Bool>,
    start: Option<(BTreeMap<Value, BV>, MachineState)>,
}

/// One round of proving a certificate's header facts.
enum HeaderCheck {
    /// Every fact is established and preserved.
    Holds,
    /// Some are not: the counterexample, and the facts false in it.
    Fails { cex: crate::Counterexample, wrong: Vec<crate::cert::HeaderFact> },
    /// A query was undecided: why, and the facts it was about.
    Undecided { label: String, involved: Vec<crate::cert::HeaderFact> },
}

fn cut_values(func: &Function, block: Block, args: &[(Type, BV)], live: &[(Value, Type, BV)]) -> BTreeMap<Value, BV> {
    let mut m: BTreeMap<Value, BV> = BTreeMap::new();
    for (p, (_, a)) in func.dfg.block_params(block).iter().zip(args) {
        m.insert(*p, a.clone());
    }
    for (v, _, x) in live {
        m.insert(*v, x.clone());
    }
    m
}

/// The pairing of one segment of a plan (see [`Pairing`]).
struct PlanPairing<'a> {
    plan: &'a Plan,
    by_blocks: BTreeMap<(Block, Block), usize>,
    sess: &'a Session<'a>,
    /// Exact terms of values defined before every loop, per side.
    pre: [&'a BTreeMap<Value, BV>; 2],
    /// The segment's start: its pair, the source's start values and the
    /// start state (for stutters).
    start: Option<(usize, BTreeMap<Value, BV>, MachineState)>,
}

impl PlanPairing<'_> {
    fn with_pre(&self, side: Side, mut m: BTreeMap<Value, BV>) -> BTreeMap<Value, BV> {
        let pre = self.pre[side as usize];
        for (v, t) in pre {
            m.entry(*v).or_insert_with(|| t.clone());
        }
        m
    }

    fn rel_fields(
        &self,
        q: usize,
        src: &BTreeMap<Value, BV>,
        tgt: &BTreeMap<Value, BV>,
        st: &MachineState,
    ) -> Result<Vec<RelField>, String> {
        let cx = TermCx {
            smt: &self.sess.smt,
            u: self.sess.u,
            src: Some(src),
            tgt: Some(tgt),
            state: st,
            entry: &self.sess.entry.st,
        };
        let pair = &self.plan.pairs[q];
        let mut out = Vec::new();
        for f in &pair.facts {
            let holds = cx.fact(f)?;
            let (sv, tv) = match f {
                Fact::Equal(a, b) => (Some(shown(cx.eval(a)?)), Some(shown(cx.eval(b)?))),
                Fact::Holds(_) => (None, None),
            };
            out.push(RelField { name: format!("relation at {}/{}: {f}", pair.src, pair.tgt), holds, src: sv, tgt: tv });
        }
        Ok(out)
    }
}

fn shown(x: BV) -> (Type, BV) {
    let ty = match x.get_size() {
        64 => Type::I64,
        128 => Type::V128,
        _ => Type::I32,
    };
    (ty, x)
}

impl Pairing for PlanPairing<'_> {
    fn pair(&self, src: Block, tgt: Block) -> Option<usize> {
        self.by_blocks.get(&(src, tgt)).copied()
    }

    fn relate(&self, q: usize, s: &CutView<'_>, t: &CutView<'_>) -> Result<Vec<RelField>, String> {
        let sv = self.with_pre(Side::Src, cut_values(self.sess.s.func, s.block, s.args, s.live));
        let tv = self.with_pre(Side::Tgt, cut_values(self.sess.t.func, t.block, t.args, t.live));
        self.rel_fields(q, &sv, &tv, s.st)
    }

    fn stutter(&self, t: &CutView<'_>) -> Result<Option<Bool>, String> {
        let Some((p, src_start, st0)) = &self.start else { return Ok(None) };
        let pp = &self.plan.pairs[*p];
        let rpo = &self.sess.t.cfg.rpo_index;
        let Some(q) = (0..self.plan.pairs.len()).find(|q| {
            let qq = &self.plan.pairs[*q];
            *q != *p && qq.tgt == t.block && qq.src == pp.src && rpo.get(&qq.tgt) > rpo.get(&pp.tgt)
        }) else {
            return Ok(None);
        };
        let tv = self.with_pre(Side::Tgt, cut_values(self.sess.t.func, t.block, t.args, t.live));
        let sv = self.with_pre(Side::Src, src_start.clone());
        let mut parts = vec![t.nev.eq(BV::from_u64(0, 32))];
        parts.extend(state_equal(self.sess.u, t.st, st0));
        for r in self.rel_fields(q, &sv, &tv, t.st)? {
            parts.push(r.holds);
        }
        Ok(Some(Bool::and(&parts)))
    }
}

/// `a` and `b` are the same state. Memory and table contents are compared
/// at fresh indices (`stutter.probe.*`), which is right only where the
/// formula is used negated (there is an index where they differ), as it is
/// for stutters.
fn state_equal(u: &Universe, a: &MachineState, b: &MachineState) -> Vec<Bool> {
    let mut out = Vec::new();
    for g in u.globals.keys() {
        out.push(a.globals[g].eq(&b.globals[g]));
    }
    let mut contents = |name: String, x: &crate::state::ArrTerm, y: &crate::state::ArrTerm| {
        if !x.same(y) {
            let p = BV::new_const(format!("stutter.probe.{name}"), 32);
            out.push(x.select(&p).eq(y.select(&p)));
        }
    };
    for m in u.mems.keys() {
        contents(m.to_string(), &a.mems[m].bytes, &b.mems[m].bytes);
    }
    for t in u.tables.keys() {
        contents(t.to_string(), &a.tables[t].elems, &b.tables[t].elems);
    }
    for m in u.mems.keys() {
        out.push(a.mems[m].pages.eq(&b.mems[m].pages));
    }
    for t in u.tables.keys() {
        out.push(a.tables[t].size.eq(&b.tables[t].size));
    }
    for d in a.data_dropped.keys() {
        out.push(a.data_dropped[d].iff(&b.data_dropped[d]));
    }
    for e in a.elem_dropped.keys() {
        out.push(a.elem_dropped[e].iff(&b.elem_dropped[e]));
    }
    out
}

/// Union-find over (side, value).
#[derive(Default)]
struct Classes {
    parent: BTreeMap<(Side, Value), (Side, Value)>,
}

impl Classes {
    fn find(&mut self, x: (Side, Value)) -> (Side, Value) {
        let p = *self.parent.get(&x).unwrap_or(&x);
        if p == x {
            return x;
        }
        let r = self.find(p);
        self.parent.insert(x, r);
        r
    }
    fn union(&mut self, a: (Side, Value), b: (Side, Value)) {
        let (ra, rb) = (self.find(a), self.find(b));
        if ra != rb {
            let (lo, hi) = if ra < rb { (ra, rb) } else { (rb, ra) };
            self.parent.insert(hi, lo);
        }
    }
}

/// What one segment's exploration of a plan needs and produced.
struct Segment {
    ts: Trace,
    tt: Trace,
    /// Facts assumed at the start (not applied by shared terms).
    assumed: Vec<Bool>,
    /// Start values of the source (for stutters) and the start state.
    src_start: BTreeMap<Value, BV>,
    st: MachineState,
    world: String,
}

impl<'a> Session<'a> {
    fn side_info(&self, side: Side) -> &SideInfo<'a> {
        match side {
            Side::Src => &self.s,
            Side::Tgt => &self.t,
        }
    }

    fn is_pre_loop(&self, side: Side, v: Value) -> bool {
        let si = self.side_info(side);
        def_block(si.func, v).is_some_and(|b| si.cfg.pre_loop.contains(&b))
    }

    /// The values of `side` the facts at `block` name that are neither its
    /// parameters nor defined before every loop: recorded at arrivals.
    fn record_set(&self, plan: &Plan, side: Side, block: Block) -> Result<Vec<Value>, String> {
        let si = self.side_info(side);
        let params: BTreeSet<Value> = si.func.dfg.block_params(block).iter().copied().collect();
        let live = si.cfg.live_in.get(&block).cloned().unwrap_or_default();
        let mut out = BTreeSet::new();
        for (i, p) in plan.pairs.iter().enumerate() {
            if plan.block(i, side) != block {
                continue;
            }
            for f in &p.facts {
                for v in f.values_of(side) {
                    if params.contains(&v) || self.is_pre_loop(side, v) {
                        continue;
                    }
                    if !live.contains(&v) {
                        return Err(format!(
                            "the relation at {}/{} names {}.{v}, which is not available at {block}",
                            p.src,
                            p.tgt,
                            side.name()
                        ));
                    }
                    out.insert(v);
                }
            }
        }
        Ok(out.into_iter().collect())
    }

    /// The cut plan of one side for a segment starting at pair `from`
    /// (`None`: the entry).
    fn cut_plan(&self, plan: &Plan, side: Side, from: Option<usize>) -> Result<CutPlan, String> {
        let si = self.side_info(side);
        let start = from.map(|i| plan.block(i, side));
        let mut blocks = BTreeMap::new();
        for b in plan.blocks(side) {
            let passes = if Some(b) == start {
                let i = from.expect("a start");
                match side {
                    Side::Src => plan.pairs[i].src_steps.saturating_sub(1),
                    Side::Tgt => 0,
                }
            } else {
                let outside = match start {
                    None => true,
                    Some(s) => si.cfg.innermost_loop(b).is_none_or(|body| !body.contains(&s)),
                };
                if outside { plan.entry_passes(side, b)? } else { 0 }
            };
            blocks.insert(b, CutRule { passes, record: self.record_set(plan, side, b)? });
        }
        Ok(CutPlan { blocks })
    }

    fn check_plan_shape(&self, plan: &Plan) -> Result<(), String> {
        if plan.pairs.is_empty() {
            return Err("the plan has no pairs".into());
        }
        for side in [Side::Src, Side::Tgt] {
            let si = self.side_info(side);
            let blocks = plan.blocks(side);
            for b in &blocks {
                if !si.cfg.rpo_index.contains_key(b) {
                    return Err(format!("{} {b} is not a reachable block", side.name()));
                }
            }
            let mut blocks = blocks;
            blocks.extend(self.dead_blocks(side).iter().copied());
            if !si.cfg.cuts_every_cycle(&blocks) {
                return Err(format!("the {} has a loop that passes none of its cut blocks", side.name()));
            }
        }
        for p in &plan.pairs {
            if p.src_steps == 0 {
                return Err(format!("pair {}/{}: src_steps must be at least 1", p.src, p.tgt));
            }
        }
        Ok(())
    }

    /// The start of a segment at pair `i`: the shared symbolic state, the
    /// start values of both sides (equalities of the relation applied as
    /// shared terms) and the facts assumed.
    #[expect(clippy::type_complexity, reason = "the start values of both sides and the facts, once")]
    fn pair_start(
        &self,
        plan: &Plan,
        i: usize,
        pre: [&BTreeMap<Value, BV>; 2],
        unify: bool,
    ) -> Result<(MachineState, [BTreeMap<Value, BV>; 2], Vec<Bool>), String> {
        let pair = &plan.pairs[i];
        let (st, mut facts) = self.cut_state(&format!("h{i}"))?;
        // Every value each side may use at its block: parameters and live-ins.
        let mut needed: Vec<(Side, Value, Type)> = Vec::new();
        for side in [Side::Src, Side::Tgt] {
            let si = self.side_info(side);
            let b = plan.block(i, side);
            for p in si.func.dfg.block_params(b) {
                needed.push((side, *p, si.func.dfg.value_type(*p)));
            }
            for v in si.cfg.live_in.get(&b).into_iter().flatten() {
                needed.push((side, *v, si.func.dfg.value_type(*v)));
            }
        }
        let mut classes = Classes::default();
        let mut applied = vec![false; pair.facts.len()];
        if unify {
            let ty_of = |side: Side, v: Value| {
                let f = self.side_info(side).func;
                f.dfg.value_is_valid(v).then(|| f.dfg.value_type(v))
            };
            for (k, f) in pair.facts.iter().enumerate() {
                if let Fact::Equal(Term::Value(sa, a), Term::Value(sb, b)) = f
                    && let (Some(ta), Some(tb)) = (ty_of(*sa, *a), ty_of(*sb, *b))
                    && type_bits(ta) == type_bits(tb)
                {
                    classes.union((*sa, *a), (*sb, *b));
                    applied[k] = true;
                }
            }
        }
        // A class takes the exact term of a member defined before every
        // loop, else one symbol named after its representative.
        let mut class_term: BTreeMap<(Side, Value), BV> = BTreeMap::new();
        for (side, v, _) in &needed {
            if let Some(t) = pre[*side as usize].get(v) {
                let r = classes.find((*side, *v));
                class_term.entry(r).or_insert_with(|| t.clone());
            }
        }
        let mut values: [BTreeMap<Value, BV>; 2] = [BTreeMap::new(), BTreeMap::new()];
        for (side, v, ty) in &needed {
            let r = classes.find((*side, *v));
            let term = match pre[*side as usize].get(v) {
                Some(t) if r == (*side, *v) || !class_term.contains_key(&r) => t.clone(),
                _ => class_term
                    .entry(r)
                    .or_insert_with(|| BV::new_const(format!("h{i}.{}.{}", r.0.name(), r.1), type_bits(*ty)))
                    .clone(),
            };
            values[*side as usize].insert(*v, term);
        }
        // Facts not applied by shared terms are assumed (those applied are
        // still assumed: a shared term with an exact one keeps its meaning).
        let cx = TermCx {
            smt: &self.smt,
            u: self.u,
            src: Some(&self.with_pre(&values[0], pre[0])),
            tgt: Some(&self.with_pre(&values[1], pre[1])),
            state: &st,
            entry: &self.entry.st,
        };
        for (k, f) in pair.facts.iter().enumerate() {
            let b = cx.fact(f)?;
            if !applied[k] || b.as_bool() != Some(true) {
                facts.push(b);
            }
        }
        Ok((st, values, facts))
    }

    fn with_pre(&self, m: &BTreeMap<Value, BV>, pre: &BTreeMap<Value, BV>) -> BTreeMap<Value, BV> {
        let mut out = m.clone();
        for (v, t) in pre {
            out.entry(*v).or_insert_with(|| t.clone());
        }
        out
    }

    /// A fresh state at a cut point and the facts every such state has.
    pub(crate) fn cut_state(&self, name: &str) -> Result<(MachineState, Vec<Bool>), String> {
        let (mut st, mut facts) = MachineState::symbolic(self.u, name);
        for (g, decl) in &self.u.globals {
            if !decl.mutable {
                st.globals.insert(*g, self.entry.st.globals[g].clone());
            }
        }
        facts.extend(crate::cert::monotone_facts(&st, &self.entry.st));
        facts.extend(self.invariant_facts(&st)?);
        Ok((st, facts))
    }

    /// Explores both functions for the entry segment of `plan`.
    fn explore_plan_entry(&self, plan: &Plan) -> Result<Segment, String> {
        let ps = self.cut_plan(plan, Side::Src, None)?;
        let pt = self.cut_plan(plan, Side::Tgt, None)?;
        let (ts, tt) = self.explore_entries_with(&ps, &pt)?;
        Ok(Segment {
            ts,
            tt,
            assumed: Vec::new(),
            src_start: BTreeMap::new(),
            st: self.entry.st.clone(),
            world: "w.entry".into(),
        })
    }

    /// Explores both functions from pair `i`.
    fn explore_plan_pair(
        &self,
        plan: &Plan,
        i: usize,
        pre: [&BTreeMap<Value, BV>; 2],
        unify: bool,
    ) -> Result<Segment, String> {
        let (st, values, assumed) = self.pair_start(plan, i, pre, unify)?;
        let world = format!("w.h{i}");
        let mut traces = Vec::new();
        for side in [Side::Src, Side::Tgt] {
            let b = plan.block(i, side);
            let si = self.side_info(side);
            let m = &values[side as usize];
            let params: Vec<BV> = si.func.dfg.block_params(b).iter().map(|p| m[p].clone()).collect();
            let live: BTreeMap<Value, BV> = m.iter().map(|(v, t)| (*v, t.clone())).collect();
            let cuts = self.cut_plan(plan, side, Some(i))?;
            let start = Start::new(b, params, live, st.clone());
            traces.push(self.explore(side, &world, Mode::Cut, &cuts, start)?);
        }
        let tt = traces.pop().expect("two");
        let ts = traces.pop().expect("two");
        Ok(Segment { ts, tt, assumed, src_start: values[0].clone(), st, world })
    }

    fn pairing<'p>(
        &'p self,
        plan: &'p Plan,
        pre: [&'p BTreeMap<Value, BV>; 2],
        start: Option<(usize, BTreeMap<Value, BV>, MachineState)>,
    ) -> PlanPairing<'p> {
        let by_blocks = plan.pairs.iter().enumerate().map(|(i, p)| ((p.src, p.tgt), i)).collect();
        PlanPairing { plan, by_blocks, sess: self, pre, start }
    }

    /// Proves `plan` (see the module docs).
    pub(crate) fn prove_plan(&mut self, plan: &Plan) -> Result<PlanResult, String> {
        self.check_plan_shape(plan)?;
        let entry = self.explore_plan_entry(plan)?;
        let pre = [self.pre_defs(Side::Src, &entry.ts), self.pre_defs(Side::Tgt, &entry.tt)];
        let mut segments = vec![(None, entry)];
        for i in 0..plan.pairs.len() {
            let seg = self.explore_plan_pair(plan, i, [&pre[0], &pre[1]], true)?;
            segments.push((Some(i), seg));
        }
        for (from, seg) in &segments {
            if seg.ts.exits.iter().chain(&seg.tt.exits).any(|e| matches!(e.kind, crate::exec::ExitKind::Bound)) {
                return Ok(PlanResult::Fails {
                    why: "a segment inlines calls deeper than the inlining depth".into(),
                    relation: None,
                });
            }
            let label = match from {
                None => "entry segment".to_string(),
                Some(i) => format!("segment from {}/{}", plan.pairs[*i].src, plan.pairs[*i].tgt),
            };
            let start = from.map(|i| (i, seg.src_start.clone(), seg.st.clone()));
            let verdict = {
                let pairing = self.pairing(plan, [&pre[0], &pre[1]], start);
                self.compare_with(&label, &seg.ts, &seg.tt, seg.assumed.clone(), &pairing, &seg.world)
            };
            match verdict {
                Verdict::Holds => {}
                Verdict::Fails(c) => {
                    let why = format!("the {label} differs at `{}`", c.query);
                    let relation = c.query.starts_with("relation at ").then_some(c);
                    return Ok(PlanResult::Fails { why, relation });
                }
                Verdict::Unknown(why) => return Ok(PlanResult::Unknown(format!("the {label} is unknown: {why}"))),
            }
        }
        Ok(PlanResult::Proved)
    }

    /// Exact terms of the values `side` defines before every loop.
    fn pre_defs(&self, side: Side, entry: &Trace) -> BTreeMap<Value, BV> {
        entry.defs.iter().filter(|(v, _)| self.is_pre_loop(side, **v)).map(|(v, t)| (*v, t.clone())).collect()
    }

    // ------------------------------------------------------------ inference

    /// The plan the checker always tried first: headers paired in reverse
    /// post-order, parameters equal one for one, same-numbered live values
    /// equal. `None` when the headers do not correspond so.
    /// The loop headers of `side` that can be entered.
    fn live_headers(&self, side: Side) -> Vec<Block> {
        let dead = self.dead_blocks(side);
        self.side_info(side).cfg.headers.iter().copied().filter(|h| !dead.contains(h)).collect()
    }

    pub(crate) fn default_plan(&self) -> Option<Plan> {
        let (hs, ht) = (&self.live_headers(Side::Src), &self.live_headers(Side::Tgt));
        if hs.len() != ht.len() {
            return None;
        }
        let mut pairs = Vec::new();
        for (a, b) in hs.iter().zip(ht) {
            let (pa, pb) = (self.s.func.dfg.block_params(*a), self.t.func.dfg.block_params(*b));
            let tys = |f: &Function, ps: &[Value]| ps.iter().map(|p| f.dfg.value_type(*p)).collect::<Vec<_>>();
            if tys(self.s.func, pa) != tys(self.t.func, pb) {
                return None;
            }
            let mut facts: Vec<Fact> =
                pa.iter().zip(pb).map(|(x, y)| Fact::equal(Term::src(*x), Term::tgt(*y))).collect();
            facts.extend(self.matched_live(*a, *b).into_iter().map(|v| Fact::equal(Term::src(v), Term::tgt(v))));
            pairs.push(CutPair::new(*a, *b, facts));
        }
        Some(Plan { pairs, how: "corresponding loop headers".into() })
    }

    /// Same-numbered values live into both blocks with the same type, not
    /// defined before every loop on either side.
    fn matched_live(&self, a: Block, b: Block) -> Vec<Value> {
        let (la, lb) = (&self.s.cfg.live_in[&a], &self.t.cfg.live_in[&b]);
        let (sf, tf) = (self.s.func, self.t.func);
        la.iter()
            .filter(|v| {
                lb.contains(v)
                    && tf.dfg.value_is_valid(**v)
                    && sf.dfg.value_type(**v) == tf.dfg.value_type(**v)
                    && !self.is_pre_loop(Side::Src, **v)
                    && !self.is_pre_loop(Side::Tgt, **v)
            })
            .copied()
            .collect()
    }

    /// Adds the certificate's header facts to the pairs of `plan` whose
    /// block they are at (they were proved on their own function by
    /// [`Session::prove_header_facts`]; a plan that does not cut there does
    /// not use them).
    pub(crate) fn add_header_facts(&self, plan: &mut Plan) {
        let proved = self.proved_header_facts.borrow();
        for hf in proved.as_ref().unwrap_or(&self.opts.certificate.header_facts) {
            for p in plan.pairs.iter_mut() {
                let b = match hf.side {
                    Side::Src => p.src,
                    Side::Tgt => p.tgt,
                };
                if b == hf.block {
                    p.facts.push(hf.fact.clone());
                }
            }
        }
    }

    /// Proves the certificate's header facts on their own functions: each
    /// holds at the first arrival at its block from the entry, and, assumed
    /// at every cut point (loop headers and the facts' blocks), at every
    /// later arrival. `Some` with a counterexample when one does not.
    pub(crate) fn prove_header_facts(&self) -> Result<Option<crate::Counterexample>, String> {
        let prune = self.opts.certificate.prune_header_facts;
        let mut facts = self.opts.certificate.header_facts.clone();
        if prune {
            // A fact naming a value its block cannot see is dropped first.
            facts.retain(|h| self.fact_is_available(h));
        }
        // The segments are explored once, with every fact's block cut and
        // every value a fact names recorded; each round only asks again.
        let mut sides = Vec::new();
        for side in [Side::Src, Side::Tgt] {
            let mine: Vec<&crate::cert::HeaderFact> = facts.iter().filter(|h| h.side == side).collect();
            if !mine.is_empty() {
                sides.push(self.fact_segments(side, &mine)?);
            }
        }
        loop {
            let dropped = match self.check_header_facts(&sides, &facts)? {
                HeaderCheck::Holds => {
                    // A block where `false` holds is never entered.
                    for h in &facts {
                        if matches!(&h.fact, Fact::Holds(Term::Const(_, 0))) {
                            self.dead[h.side as usize].borrow_mut().insert(h.block);
                        }
                    }
                    *self.proved_header_facts.borrow_mut() = Some(facts);
                    return Ok(None);
                }
                HeaderCheck::Fails { cex, .. } if !prune => return Ok(Some(cex)),
                HeaderCheck::Undecided { label, .. } if !prune => {
                    return Err(format!("the certificate's facts are undecided ({label})"));
                }
                HeaderCheck::Fails { wrong: drop, .. } | HeaderCheck::Undecided { involved: drop, .. } => drop,
            };
            let before = facts.len();
            facts.retain(|h| !dropped.contains(h));
            if facts.len() == before {
                return Err("pruning the certificate's facts made no progress".into());
            }
        }
    }

    /// Does every value `h` names exist where it is stated: a parameter of
    /// its block, a value live into it or one defined before every loop?
    fn fact_is_available(&self, h: &crate::cert::HeaderFact) -> bool {
        let si = self.side_info(h.side);
        let params = si.func.dfg.block_params(h.block);
        let live = si.cfg.live_in.get(&h.block);
        h.fact
            .values_of(h.side)
            .into_iter()
            .all(|v| params.contains(&v) || self.is_pre_loop(h.side, v) || live.is_some_and(|l| l.contains(&v)))
    }

    /// The segments of one side's function cut at its loop headers and at
    /// the blocks of `facts`: from the entry, and from each cut block with
    /// an arbitrary state.
    fn fact_segments(&self, side: Side, facts: &[&crate::cert::HeaderFact]) -> Result<FactSegments, String> {
        let si = self.side_info(side);
        let mut blocks: BTreeSet<Block> = si.cfg.headers.iter().copied().collect();
        blocks.extend(facts.iter().map(|h| h.block));
        // A plan of this side alone: every cut block paired with itself.
        let plan = Plan {
            pairs: blocks
                .iter()
                .map(|b| CutPair::new(*b, *b, facts.iter().filter(|h| h.block == *b).map(|h| h.fact.clone()).collect()))
                .collect(),
            how: "the certificate's facts".into(),
        };
        let cuts = self.cut_plan(&plan, side, None)?;
        let entry = self.explore(side, "w.entry", Mode::Cut, &cuts, self.entry_start(side))?;
        let pre = self.pre_defs(side, &entry);
        let mut segments = vec![FactSegment { from: None, trace: entry, assumed: Vec::new(), start: None }];
        for (i, b) in blocks.iter().enumerate() {
            let (st, assumed) = self.cut_state(&format!("f{i}"))?;
            let mut values = BTreeMap::new();
            for p in si.func.dfg.block_params(*b) {
                values.insert(*p, BV::new_const(format!("f{i}.{p}"), type_bits(si.func.dfg.value_type(*p))));
            }
            for v in si.cfg.live_in.get(b).into_iter().flatten() {
                let t = pre
                    .get(v)
                    .cloned()
                    .unwrap_or_else(|| BV::new_const(format!("f{i}.{v}"), type_bits(si.func.dfg.value_type(*v))));
                values.insert(*v, t);
            }
            let all = self.with_pre(&values, &pre);
            let params: Vec<BV> = si.func.dfg.block_params(*b).iter().map(|p| values[p].clone()).collect();
            let cuts = self.cut_plan(&plan, side, Some(i))?;
            let trace =
                self.explore(side, &format!("w.f{i}"), Mode::Cut, &cuts, Start::new(*b, params, values, st.clone()))?;
            segments.push(FactSegment { from: Some(*b), trace, assumed, start: Some((all, st)) });
        }
        Ok(FactSegments { side, pre, segments })
    }

    /// One round of [`Session::prove_header_facts`]: `facts` over the
    /// segments explored for them (or for more).
    fn check_header_facts(
        &self,
        sides: &[FactSegments],
        facts: &[crate::cert::HeaderFact],
    ) -> Result<HeaderCheck, String> {
        for fs in sides {
            let side = fs.side;
            let si = self.side_info(side);
            let at = |b: Block| facts.iter().filter(move |h| h.side == side && h.block == b);
            for seg in &fs.segments {
                let label = match seg.from {
                    None => "established on entry".to_string(),
                    Some(b) => format!("preserved from {b}"),
                };
                let mut assumed = seg.assumed.clone();
                if let (Some(b), Some((values, st))) = (seg.from, &seg.start) {
                    let cx = self.term_cx(side, values, st);
                    for h in at(b) {
                        assumed.push(cx.fact(&h.fact)?);
                    }
                }
                let mut bad = Vec::new();
                for e in &seg.trace.exits {
                    let crate::exec::ExitKind::Cut { block, args, live } = &e.kind else { continue };
                    let vals = self.with_pre(&cut_values(si.func, *block, args, live), &fs.pre);
                    let cx = self.term_cx(side, &vals, &e.st);
                    for h in at(*block) {
                        bad.push((and2(&e.reach, &cx.fact(&h.fact)?.not()), *block, h.fact.clone()));
                    }
                }
                if bad.is_empty() {
                    continue;
                }
                let Some(timeout) = self.cx.budget.query_timeout_ms() else {
                    return Err(self.cx.budget.exhausted("before proving the certificate's facts"));
                };
                let solver = Solver::new();
                solver.set_params(&crate::query::query_params(timeout, self.opts.query_rlimit));
                for b in self.background.iter().chain(&seg.trace.facts).chain(&assumed) {
                    solver.assert(b);
                }
                solver.assert(crate::smt::or_all(&bad.iter().map(|b| b.0.clone()).collect::<Vec<_>>()));
                let t0 = std::time::Instant::now();
                let r = solver.check();
                self.stats.borrow_mut().push(crate::QueryStat {
                    name: format!("certificate facts of the {}: {label}", side.name()),
                    millis: t0.elapsed().as_millis(),
                    result: format!("{r:?}").to_lowercase(),
                });
                let header_fact = |(_, block, fact): &(Bool, Block, Fact)| crate::cert::HeaderFact {
                    side,
                    block: *block,
                    fact: fact.clone(),
                };
                match r {
                    SatResult::Unsat => {}
                    SatResult::Unknown => {
                        return Ok(HeaderCheck::Undecided { label, involved: bad.iter().map(header_fact).collect() });
                    }
                    SatResult::Sat => {
                        let model = solver.get_model().ok_or("no model")?;
                        let is_false = |b: &&(Bool, Block, Fact)| {
                            model.eval(&b.0, true).and_then(|v| v.as_bool()).unwrap_or(false)
                        };
                        let mut wrong: Vec<crate::cert::HeaderFact> =
                            bad.iter().filter(is_false).map(header_fact).collect();
                        if wrong.is_empty() {
                            wrong.push(header_fact(&bad[0]));
                        }
                        let (_, block, fact) = bad.iter().find(is_false).unwrap_or(&bad[0]);
                        let from = seg.from;
                        let cex = crate::Counterexample {
                            query: format!("relation at {} {block}: {fact} not {label}", side.name()),
                            inputs: if from.is_none() { self.cx.describe_params(&model) } else { Vec::new() },
                            source: match from {
                                None => "a run from the entry arrives where it is false".into(),
                                Some(b) => format!(
                                    "a run from {b}, in a state where the facts hold (not necessarily reachable), \
                                     arrives where it is false"
                                ),
                            },
                            target: String::new(),
                            assumptions: Vec::new(),
                            bound: None,
                        };
                        return Ok(HeaderCheck::Fails { cex, wrong });
                    }
                }
            }
        }
        Ok(HeaderCheck::Holds)
    }

    fn term_cx<'c>(&'c self, side: Side, values: &'c BTreeMap<Value, BV>, st: &'c MachineState) -> TermCx<'c> {
        let (src, tgt) = match side {
            Side::Src => (Some(values), None),
            Side::Tgt => (None, Some(values)),
        };
        TermCx { smt: &self.smt, u: self.u, src, tgt, state: st, entry: &self.entry.st }
    }

    /// Pair alignments to try when the default plan fails: the headers in
    /// reverse post-order, as they are, with one extra pass from outside
    /// on either side (peeling), and with either side cut at its loop body
    /// (rotation).
    fn alignments(&self) -> Vec<(String, Vec<CutPair>)> {
        let (hs, ht) = (&self.live_headers(Side::Src), &self.live_headers(Side::Tgt));
        if hs.len() != ht.len() || hs.is_empty() {
            return Vec::new();
        }
        let base: Vec<CutPair> = hs.iter().zip(ht).map(|(a, b)| CutPair::new(*a, *b, Vec::new())).collect();
        let mut out = vec![("loop headers, inferred relation".to_string(), base.clone())];
        let with = |f: &dyn Fn(&mut CutPair)| {
            let mut v = base.clone();
            v.iter_mut().for_each(f);
            v
        };
        out.push((
            "loop headers, the source one iteration ahead (peeling), inferred relation".into(),
            with(&|p| p.src_entry_passes = 1),
        ));
        out.push((
            "loop headers, the target one iteration ahead, inferred relation".into(),
            with(&|p| p.tgt_entry_passes = 1),
        ));
        let rot_s: Option<Vec<CutPair>> =
            base.iter().map(|p| self.rotated(Side::Src, p.src).map(|b| CutPair { src: b, ..p.clone() })).collect();
        if let Some(v) = rot_s {
            out.push(("the source cut at its loop bodies (rotation), inferred relation".into(), v));
        }
        let rot_t: Option<Vec<CutPair>> =
            base.iter().map(|p| self.rotated(Side::Tgt, p.tgt).map(|b| CutPair { tgt: b, ..p.clone() })).collect();
        if let Some(v) = rot_t {
            out.push(("the target cut at its loop bodies (rotation), inferred relation".into(), v));
        }
        out
    }

    /// The block a loop is entered at after its header's exit test: the
    /// header's only successor inside its loop, when the header is its only
    /// predecessor.
    fn rotated(&self, side: Side, h: Block) -> Option<Block> {
        let si = self.side_info(side);
        let body = si.cfg.loops.get(&h)?;
        let inside: Vec<Block> = si.cfg.succs[&h].iter().copied().filter(|b| body.contains(b) && *b != h).collect();
        let [b] = inside.as_slice() else { return None };
        (si.cfg.preds[b].as_slice() == [h] && si.cfg.succs[&h].len() == 2).then_some(*b)
    }

    /// Candidate facts for pair `p` (module docs, "Finding a plan").
    fn candidates(&self, p: &CutPair) -> Vec<Fact> {
        const MAX: usize = 400;
        let mut out: Vec<Fact> = Vec::new();
        let (sf, tf) = (self.s.func, self.t.func);
        let (ps, pt) = (sf.dfg.block_params(p.src).to_vec(), tf.dfg.block_params(p.tgt).to_vec());
        let ty = |f: &Function, v: Value| f.dfg.value_type(v);
        // Parameters pairwise (index-aligned first).
        for (x, y) in ps.iter().zip(&pt) {
            if ty(sf, *x) == ty(tf, *y) {
                out.push(Fact::equal(Term::src(*x), Term::tgt(*y)));
            }
        }
        for x in &ps {
            for y in &pt {
                let f = Fact::equal(Term::src(*x), Term::tgt(*y));
                if ty(sf, *x) == ty(tf, *y) && !out.contains(&f) && out.len() < MAX / 2 {
                    out.push(f);
                }
            }
        }
        for v in self.matched_live(p.src, p.tgt) {
            out.push(Fact::equal(Term::src(v), Term::tgt(v)));
        }
        // A parameter equal to an expression the other side computes in
        // its loop.
        for (side, params, other, oblock) in [(Side::Tgt, &pt, Side::Src, p.src), (Side::Src, &ps, Side::Tgt, p.tgt)] {
            let exprs = self.loop_exprs(other, oblock);
            for q in params.iter() {
                let qty = ty(self.side_info(side).func, *q);
                for (ety, e) in &exprs {
                    if *ety == qty && out.len() < MAX {
                        out.push(Fact::equal(Term::Value(side, *q), e.clone()));
                    }
                }
            }
        }
        // A parameter equal to the value it enters the loop with.
        for side in [Side::Src, Side::Tgt] {
            let si = self.side_info(side);
            let b = match side {
                Side::Src => p.src,
                Side::Tgt => p.tgt,
            };
            let body = si.cfg.innermost_loop(b).cloned().unwrap_or_default();
            for pred in &si.cfg.preds[&b] {
                if body.contains(pred) {
                    continue;
                }
                for (param, arg) in si.func.dfg.block_params(b).iter().zip(edge_args(si.func, *pred, b)) {
                    if self.is_pre_loop(side, arg) {
                        let f = Fact::equal(Term::Value(side, *param), Term::Value(side, arg));
                        if !out.contains(&f) {
                            out.push(f);
                        }
                    }
                }
            }
            // Values loaded before every loop equal the memory they came from.
            for v in si.cfg.live_in.get(&b).into_iter().flatten() {
                if let Some(t) = self.pre_loop_load(side, *v) {
                    out.push(Fact::equal(Term::Value(side, *v), t));
                }
            }
        }
        // Sizes and mutable globals unchanged since the entry.
        for m in self.u.mems.keys() {
            out.push(Fact::equal(Term::MemorySize(*m), Term::AtEntry(Box::new(Term::MemorySize(*m)))));
        }
        for t in self.u.tables.keys() {
            out.push(Fact::equal(Term::TableSize(*t), Term::AtEntry(Box::new(Term::TableSize(*t)))));
        }
        for (g, d) in &self.u.globals {
            if d.mutable {
                out.push(Fact::equal(Term::Global(*g), Term::AtEntry(Box::new(Term::Global(*g)))));
            }
        }
        out
    }

    /// `load(addr)` for a value `v` loaded (unsigned, or a full word)
    /// before every loop from an address also defined before every loop.
    fn pre_loop_load(&self, side: Side, v: Value) -> Option<Term> {
        let f = self.side_info(side).func;
        if !self.is_pre_loop(side, v) {
            return None;
        }
        let ValueDef::Result(inst, 0) = f.dfg.value_def(f.dfg.resolve_aliases(v)) else { return None };
        let InstructionData::Op { opcode, args, imm: Imm::Mem(ma) } = &f.dfg.insts[inst] else { return None };
        let (ty, bytes) = match opcode {
            Opcode::I32Load => (Type::I32, 4),
            Opcode::I64Load => (Type::I64, 8),
            Opcode::I32Load8U => (Type::I32, 1),
            Opcode::I32Load16U => (Type::I32, 2),
            Opcode::I64Load8U => (Type::I64, 1),
            Opcode::I64Load16U => (Type::I64, 2),
            Opcode::I64Load32U => (Type::I64, 4),
            _ => return None,
        };
        let addr = *args.as_slice(&f.dfg.value_lists).first()?;
        if !self.is_pre_loop(side, addr) || ma.offset > u64::from(u32::MAX) {
            return None;
        }
        let base = Term::Value(side, addr);
        let addr = if ma.offset == 0 {
            base
        } else {
            Term::op(Opcode::I32Add, vec![base, Term::i32(ma.offset as u32 as i32)])
        };
        Some(Term::Load { ty, mem: ma.memory, addr: Box::new(addr), bytes })
    }

    /// Pure expressions `side` computes inside the loop of `block` from the
    /// block's parameters, live values and values defined before every
    /// loop, with their types (at most a few dozen).
    fn loop_exprs(&self, side: Side, block: Block) -> Vec<(Type, Term)> {
        let si = self.side_info(side);
        let Some(body) = si.cfg.innermost_loop(block) else { return Vec::new() };
        let mut out = Vec::new();
        for b in body {
            for inst in si.func.layout.block_insts(*b) {
                for v in si.func.dfg.inst_results(inst) {
                    if out.len() >= 48 {
                        return out;
                    }
                    if let Some(t) = self.unfold(side, block, *v, 6)
                        && matches!(t, Term::Op(..))
                    {
                        out.push((si.func.dfg.value_type(*v), t));
                    }
                }
            }
        }
        out
    }

    /// `v` as a term over what is available at `block`.
    fn unfold(&self, side: Side, block: Block, v: Value, depth: u32) -> Option<Term> {
        let si = self.side_info(side);
        let f = si.func;
        let v = f.dfg.resolve_aliases(v);
        if f.dfg.block_params(block).contains(&v)
            || self.is_pre_loop(side, v)
            || si.cfg.live_in.get(&block).is_some_and(|l| l.contains(&v))
        {
            return Some(Term::Value(side, v));
        }
        if depth == 0 {
            return None;
        }
        let ValueDef::Result(inst, 0) = f.dfg.value_def(v) else { return None };
        let InstructionData::Op { opcode, args, imm } = &f.dfg.insts[inst] else { return None };
        match (opcode, imm) {
            (Opcode::I32Const, Imm::I32(x)) => return Some(Term::i32(*x)),
            (Opcode::I64Const, Imm::I64(x)) => return Some(Term::i64(*x)),
            _ => {}
        }
        let OpSig::Fixed(_, [_]) = opcode.sig() else { return None };
        if !opcode.effects().is_pure() || opcode.imm_kind() != weft_ir::ImmKind::None {
            return None;
        }
        let args: Option<Vec<Term>> =
            args.as_slice(&f.dfg.value_lists).iter().map(|a| self.unfold(side, block, *a, depth - 1)).collect();
        Some(Term::Op(*opcode, args?))
    }

    /// Infers relations for the alignments and proves the first plan that
    /// holds.
    pub(crate) fn infer_and_prove(&mut self) -> Result<Option<Plan>, String> {
        for (how, pairs) in self.alignments() {
            if self.cx.budget.spent() {
                return Ok(None);
            }
            let mut plan = Plan { pairs, how };
            let cands: Vec<Vec<Fact>> = plan.pairs.iter().map(|p| self.candidates(p)).collect();
            for (p, c) in plan.pairs.iter_mut().zip(cands) {
                p.facts = c;
            }
            self.add_header_facts(&mut plan);
            if self.check_plan_shape(&plan).is_err() {
                continue;
            }
            let Some(kept) = self.houdini(&plan)? else { continue };
            for (p, k) in plan.pairs.iter_mut().zip(kept) {
                p.facts = k;
            }
            match self.prove_plan(&plan)? {
                PlanResult::Proved => return Ok(Some(plan)),
                PlanResult::Fails { .. } => {}
                PlanResult::Unknown(_) => return Ok(None),
            }
        }
        Ok(None)
    }

    /// Houdini over the candidates of `plan` (module docs). `None` when a
    /// query is undecided or the exploration fails.
    fn houdini(&mut self, plan: &Plan) -> Result<Option<Vec<Vec<Fact>>>, String> {
        let entry = match self.explore_plan_entry(plan) {
            Ok(e) => e,
            Err(_) if !self.cx.budget.spent() => return Ok(None),
            Err(e) => return Err(e),
        };
        let pre = [self.pre_defs(Side::Src, &entry.ts), self.pre_defs(Side::Tgt, &entry.tt)];
        // Per segment: the candidates' start formulas (for pairs) and, per
        // reached pair, (reach, the candidates' exit formulas).
        struct Seg {
            from: Option<usize>,
            start: Vec<Bool>,
            base: Vec<Bool>,
            arrivals: Vec<(usize, Bool, Vec<Bool>)>,
        }
        let mut segs = Vec::new();
        let mut all = vec![(None, entry)];
        for i in 0..plan.pairs.len() {
            match self.explore_plan_pair(plan, i, [&pre[0], &pre[1]], false) {
                Ok(seg) => all.push((Some(i), seg)),
                Err(_) if !self.cx.budget.spent() => return Ok(None),
                Err(e) => return Err(e),
            }
        }
        let pairing = self.pairing(plan, [&pre[0], &pre[1]], None);
        for (from, seg) in &all {
            let (gs, gt) = (exit_groups(&seg.ts), exit_groups(&seg.tt));
            let mut arrivals = Vec::new();
            for (ks, e) in &gs {
                for (kt, f) in &gt {
                    let (GroupKind::Cut(a), GroupKind::Cut(b)) = (ks, kt) else { continue };
                    let Some(q) = pairing.pair(*a, *b) else { continue };
                    let (vs, vt) = (CutView::of(ks, e), CutView::of(kt, f));
                    let (Some(vs), Some(vt)) = (vs, vt) else { continue };
                    let rel = pairing.relate(q, &vs, &vt)?;
                    arrivals.push((q, and2(&e.reach, &f.reach), rel.into_iter().map(|r| r.holds).collect()));
                }
            }
            // The start formulas are the segment's assumed facts minus the
            // state facts, which come first (see `pair_start`).
            let nstate = seg.assumed.len() - from.map_or(0, |i| plan.pairs[i].facts.len());
            let (base, start) = seg.assumed.split_at(nstate);
            let mut base = base.to_vec();
            base.extend(seg.ts.facts.iter().cloned());
            base.extend(seg.tt.facts.iter().cloned());
            base.extend(crate::exec::grow_witnesses(&crate::state::World::new(seg.world.clone()), &seg.ts, &seg.tt));
            segs.push(Seg { from: *from, start: start.to_vec(), base, arrivals });
        }
        let mut alive: Vec<Vec<bool>> = plan.pairs.iter().map(|p| vec![true; p.facts.len()]).collect();
        let background = self.background.clone();
        let mut rounds = 0;
        loop {
            rounds += 1;
            if rounds > 64 {
                return Ok(None);
            }
            let mut changed = false;
            for seg in &segs {
                let assume: Vec<Bool> = match seg.from {
                    None => Vec::new(),
                    Some(i) => seg.start.iter().zip(&alive[i]).filter(|(_, a)| **a).map(|(b, _)| b.clone()).collect(),
                };
                for (q, reach, holds) in &seg.arrivals {
                    loop {
                        let live: Vec<usize> = (0..holds.len()).filter(|k| alive[*q][*k]).collect();
                        if live.is_empty() {
                            break;
                        }
                        let all_hold = Bool::and(&live.iter().map(|k| holds[*k].clone()).collect::<Vec<_>>());
                        let Some(timeout) = self.cx.budget.query_timeout_ms() else { return Ok(None) };
                        let solver = Solver::new();
                        solver.set_params(&crate::query::query_params(timeout.min(5_000), self.opts.query_rlimit));
                        for b in background.iter().chain(&seg.base).chain(&assume) {
                            solver.assert(b);
                        }
                        solver.assert(reach);
                        solver.assert(all_hold.not());
                        let start = std::time::Instant::now();
                        let r = solver.check();
                        self.stats.borrow_mut().push(crate::QueryStat {
                            name: format!("infer ({}): obligations at pair {q}", plan.how),
                            millis: start.elapsed().as_millis(),
                            result: format!("{r:?}").to_lowercase(),
                        });
                        match r {
                            SatResult::Unsat => break,
                            SatResult::Unknown => return Ok(None),
                            SatResult::Sat => {
                                let Some(model) = solver.get_model() else { return Ok(None) };
                                let mut dropped = false;
                                for k in live {
                                    let ok = model.eval(&holds[k], true).and_then(|v| v.as_bool()).unwrap_or(false);
                                    if !ok {
                                        alive[*q][k] = false;
                                        dropped = true;
                                    }
                                }
                                if !dropped {
                                    return Ok(None);
                                }
                                changed = true;
                            }
                        }
                    }
                }
            }
            if !changed {
                break;
            }
        }
        Ok(Some(
            plan.pairs
                .iter()
                .zip(&alive)
                .map(|(p, a)| p.facts.iter().zip(a).filter(|(_, a)| **a).map(|(f, _)| f.clone()).collect())
                .collect(),
        ))
    }

    /// The proof by induction: the certificate's facts first, then its
    /// plan, else the default plan (inferred plans come later, from
    /// [`Session::inferred`]).
    pub(crate) fn inductive(&mut self) -> Result<Induction, String> {
        if let Some(c) = self.prove_header_facts()? {
            return Ok(Induction::CertificateWrong(c));
        }
        if self.live_headers(Side::Src).is_empty() && self.live_headers(Side::Tgt).is_empty() {
            // Every loop is proved never entered: the functions compare as
            // loop-free ones, their dead blocks cut off.
            let none = CutPlan::default();
            let (ts, tt) = self.explore_entries_with(&none, &none)?;
            if ts.exits.iter().chain(&tt.exits).any(|e| matches!(e.kind, crate::exec::ExitKind::Bound)) {
                return Ok(Induction::Fails("calls inlined to a depth".into()));
            }
            return Ok(match self.compare_with("entry", &ts, &tt, Vec::new(), &crate::NoPairing, "w.entry") {
                Verdict::Holds => Induction::Proved(crate::Method::LoopFree),
                Verdict::Fails(_) => Induction::Fails("the functions differ with their loops cut off".into()),
                Verdict::Unknown(why) => Induction::Unknown(why),
            });
        }
        if let Some(corr) = &self.opts.certificate.correspondence {
            let mut plan = Plan { pairs: corr.pairs.clone(), how: "the certificate's correspondence".into() };
            self.add_header_facts(&mut plan);
            return Ok(match self.prove_plan(&plan)? {
                PlanResult::Proved => Induction::Proved(plan_method(&plan)),
                PlanResult::Fails { relation: Some(c), .. } => Induction::CertificateWrong(c),
                PlanResult::Fails { why, .. } => Induction::Fails(why),
                PlanResult::Unknown(why) => Induction::Unknown(why),
            });
        }
        let reason = match self.default_plan() {
            Some(mut plan) => {
                self.add_header_facts(&mut plan);
                match self.prove_plan(&plan)? {
                    PlanResult::Proved if self.opts.certificate.header_facts.is_empty() => {
                        return Ok(Induction::Proved(crate::Method::Inductive { loops: plan.pairs.len() }));
                    }
                    PlanResult::Proved => return Ok(Induction::Proved(plan_method(&plan))),
                    PlanResult::Fails { why, .. } => why,
                    PlanResult::Unknown(why) => return Ok(Induction::Unknown(why)),
                }
            }
            None => format!(
                "the loop headers do not correspond one to one ({} in the source, {} in the target, or different \
                 parameters)",
                self.s.cfg.headers.len(),
                self.t.cfg.headers.len()
            ),
        };
        Ok(Induction::Fails(reason))
    }

    /// After the default plan failed and unrolling found no counterexample:
    /// the plans inferred for the alignments, proved.
    pub(crate) fn inferred(&mut self) -> Result<Option<crate::Method>, String> {
        if self.cx.budget.spent() {
            return Ok(None);
        }
        Ok(self.infer_and_prove()?.map(|plan| plan_method(&plan)))
    }
}

fn plan_method(plan: &Plan) -> crate::Method {
    crate::Method::Relational { pairs: plan.pairs.len(), facts: plan.facts_total(), how: plan.how.clone() }
}

/// The arguments the terminator of `pred` passes to `block` (the first
/// edge to it).
fn edge_args(func: &Function, pred: Block, block: Block) -> Vec<Value> {
    let Some(term) = func.terminator(pred) else { return Vec::new() };
    let calls: Vec<&weft_ir::BlockCall> = match &func.dfg.insts[term] {
        InstructionData::Jump { dest } => vec![dest],
        InstructionData::Brif { then_dest, else_dest, .. } => vec![then_dest, else_dest],
        InstructionData::BrTable { table, .. } => match func.dfg.jump_tables.get(*table) {
            Some(jt) => std::iter::once(&jt.default).chain(jt.targets.iter()).collect(),
            None => Vec::new(),
        },
        InstructionData::Op { .. } => Vec::new(),
    };
    calls
        .into_iter()
        .find(|c| c.block == block)
        .map(|c| func.dfg.block_call_args(c).iter().map(|v| func.dfg.resolve_aliases(*v)).collect())
        .unwrap_or_default()
}

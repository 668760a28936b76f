//! Symbolic execution of one function from a start point (the entry, or a
//! cut point with a symbolic state) into a [`Trace`]: the calls it makes
//! and the ways it can leave (return, trap, reaching a cut point, running
//! past the unrolling bound), each guarded by its path condition.
//!
//! Paths are merged where they meet: every block instance is executed once,
//! with its incoming states combined by `ite` on the edge conditions, so the
//! encoding grows with the number of block instances, not paths. An
//! instance is a block plus how many times each counted block (loop
//! headers when unrolling, cut blocks when cutting) has been passed on the
//! way, and instances run in the order (back edges and passes taken, RPO
//! index, counts), a topological order of the explored region. In
//! [`Mode::Cut`] an edge into a cut block of the [`CutPlan`] ends the region
//! in a [`ExitKind::Cut`] exit once the block has been passed as many
//! times as the plan allows; in [`Mode::Unroll`] an edge that would run a
//! loop header more than `k` times ends in a [`ExitKind::Bound`] exit.
//! Exploration stops with an error when the check's time budget is spent
//! (looked at before each block instance).
//!
//! # Choices of the world
//!
//! Besides call answers, the outside world decides whether each
//! `memory.grow`/`table.grow` succeeds (wasm lets any grow fail) and, in
//! exact NaN mode, which NaN each float operation that produces one
//! returns. Both are indexed like calls: the `k`-th grow (NaN) of a path
//! asks the world's choice `k`. The target's choices are the world's
//! (every one is possible); the source's are witnesses the check picks,
//! which is how a refinement with nondeterminism is proved ("for every
//! choice of the target there is one of the source"): a source grow gets
//! the target's choice of the same index when the target makes that many
//! grows on the run, else it succeeds (when the new size fits) — both
//! sides read the same choice term, and the comparison adds the facts that
//! the choices the target does not read are successes
//! ([`grow_witnesses`]), so equal computations stay equal terms; a source
//! NaN gets the target's NaN of the same index when that NaN is one the
//! source's operation may produce, else the canonical NaN. Any such
//! witness is a run of the source, so the proof is sound; a target that
//! makes more or different choices is compared against the witness.
//!
//! # Inlining
//!
//! A direct call of a function whose body the check was given (and which
//! has no loop) is executed in place, up to a nesting depth; its calls are
//! events of the caller and its traps the caller's. A run that would inline
//! deeper ends in a [`ExitKind::Bound`] exit, so it is not compared (the
//! result is then at best bounded).
//!
//! Branch conditions are added to path conditions by
//! [`crate::pathcond::and_cond`], which keeps tests of one value against
//! constants in a canonical form (an equivalence; see that module), so a
//! dispatch written as a chain of tests and as a `br_table` gives its arms
//! the same path conditions.
//!
//! # Event counters
//!
//! A call is compared with the call of the same number in the other
//! function, so every path carries the number of calls made so far
//! ([`Count`]). Where paths with different counts merge, the count becomes
//! an `ite` term, and a later call's world answer is a function of that
//! term. In a run of sequential `if (v == K) { call }` blocks only one test
//! can hold, so every call is in fact call number 0 — but the solver would
//! have to rediscover that for each call inside every comparison, which
//! grows much faster than the function. [`CountPinner`] settles it once,
//! at the call: when the path condition leaves the count a single value,
//! the count becomes that constant. This is sound because every term of a
//! path is only ever used under that path's condition. Its answers are
//! remembered per check, so the target and later explorations asking the
//! same question do not ask the solver again. Each question has a
//! resource limit, and once two questions of a check have gone undecided
//! the pinner asks no more: a count it does not settle stays symbolic,
//! which costs the comparison some work but is never wrong.

use std::collections::{BTreeMap, HashMap};

use weft_ir::{Block, BlockCall, Function, Inst, InstructionData, MemoryRef, Opcode, Signature, Type, Value, ValueDef};
use z3::ast::{BV, Bool};
use z3::{Params, SatResult, Solver};

use crate::budget::Budget;
use crate::cert::{Fact, Side};
use crate::cfg::CfgInfo;
use crate::outcome::PinStats;
use crate::pathcond::and_cond;
use crate::smt::{Smt, and2, bool_to_i32, or_all};
use crate::state::{MachineState, Universe, World, ite_bv, type_bits};

/// An event counter: a BV32 term with its static range.
#[derive(Clone, Debug)]
pub(crate) struct Count {
    pub term: BV,
    pub lo: u32,
    pub hi: u32,
}

impl Count {
    pub(crate) fn zero() -> Count {
        Count::constant(0)
    }
    pub(crate) fn constant(n: u32) -> Count {
        Count { term: BV::from_u64(u64::from(n), 32), lo: n, hi: n }
    }
    pub(crate) fn next(&self) -> Count {
        if self.lo == self.hi && self.term.as_u64() == Some(u64::from(self.lo)) {
            // A constant count stays a numeral, so merged paths with equal
            // counts share one term.
            return Count::constant(self.lo + 1);
        }
        Count { term: self.term.bvadd(BV::from_u64(1, 32)), lo: self.lo + 1, hi: self.hi + 1 }
    }
}

/// A pinning question: (path condition, count term, `lo`, `hi`).
type PinQuestion = (Bool, BV, u32, u32);

/// Settles symbolic event counters that a path condition fixes (see the
/// module docs): one incremental solver per check, holding the background
/// facts (entry facts and preconditions).
///
/// Answers are remembered by question. The source and the target, and the
/// explorations of one check (inductive segments, unrolling bounds), often
/// reach a call under the same path condition with the same count, and Z3
/// terms are hash-consed, so such a repeat is an equal (path condition,
/// count term, `lo`, `hi`) key (the map holds the terms, so their ids are
/// not reused). The background is fixed for the pinner's lifetime, so a
/// remembered `Some(n)` is still proved for the repeat; a remembered `None`
/// leaves the count symbolic, which is always sound.
pub(crate) struct CountPinner {
    background: Vec<Bool>,
    /// Made on first use: most checks never need it.
    solver: std::cell::OnceCell<Solver>,
    /// Answers of [`CountPinner::pin`] by (path condition, count term, `lo`,
    /// `hi`).
    answers: std::cell::RefCell<HashMap<PinQuestion, Option<u32>>>,
    stats: std::cell::Cell<PinStats>,
}

impl CountPinner {
    /// The resource limit of one pinning query (Z3's `rlimit`, so the
    /// answer does not depend on the machine's speed); a query that runs
    /// out leaves the count symbolic.
    const RLIMIT: u32 = 500_000;

    /// After this many questions of one check ran out of
    /// [`CountPinner::RLIMIT`], the pinner stops asking: the counts of the
    /// rest of the check stay symbolic. Where counts are pinned at all
    /// (dispatch chains) each question is decided in milliseconds; where a
    /// question is not, the path conditions hold memory and call results
    /// that make the next ones as hard, and each costs up to a second.
    const MAX_UNDECIDED: u64 = 2;

    pub(crate) fn new(background: &[Bool]) -> CountPinner {
        CountPinner {
            background: background.to_vec(),
            solver: std::cell::OnceCell::new(),
            answers: std::cell::RefCell::new(HashMap::new()),
            stats: std::cell::Cell::new(PinStats::default()),
        }
    }

    /// How many questions were asked, answered from memory, and the time
    /// spent.
    pub(crate) fn stats(&self) -> PinStats {
        self.stats.get()
    }

    fn solver(&self) -> &Solver {
        self.solver.get_or_init(|| {
            let solver = Solver::new();
            let mut params = Params::new();
            params.set_u32("rlimit", Self::RLIMIT);
            solver.set_params(&params);
            for b in &self.background {
                solver.assert(b);
            }
            solver
        })
    }

    /// Is `reach ∧ count ≠ n` satisfiable? `Sat` with the value of `count`
    /// in the model found (if it has one), `Unsat` (then `reach` implies
    /// `count == n`), or undecided within [`CountPinner::RLIMIT`].
    fn other_value(&self, reach: &Bool, count: &BV, n: u32) -> (SatResult, Option<u64>) {
        let solver = self.solver();
        solver.push();
        solver.assert(reach);
        solver.assert(count.eq(BV::from_u64(u64::from(n), 32)).not());
        let r = solver.check();
        let v = if r == SatResult::Sat {
            solver.get_model().and_then(|m| m.eval(count, true)).and_then(|v| v.as_u64())
        } else {
            None
        };
        solver.pop(1);
        (r, v)
    }

    /// The one value `count` takes where `reach` holds, if the solver shows
    /// there is exactly one (or none: an unreachable path keeps `lo`);
    /// remembered by question.
    pub(crate) fn pin(&self, reach: &Bool, count: &Count) -> Option<u32> {
        let start = std::time::Instant::now();
        let key = (reach.clone(), count.term.clone(), count.lo, count.hi);
        let mut stats = self.stats.get();
        stats.questions += 1;
        let remembered = self.answers.borrow().get(&key).copied();
        let answer = match remembered {
            Some(answer) => {
                stats.remembered += 1;
                answer
            }
            None if stats.undecided >= Self::MAX_UNDECIDED => {
                stats.skipped += 1;
                None
            }
            None => {
                let (answer, decided) = self.solve(reach, count);
                if !decided {
                    stats.undecided += 1;
                }
                self.answers.borrow_mut().insert(key, answer);
                answer
            }
        };
        stats.micros += start.elapsed().as_micros();
        self.stats.set(stats);
        answer
    }

    /// [`CountPinner::pin`] without memory: asks the solver whether `reach`
    /// implies `count == lo`, and if a model shows another value `v`,
    /// whether it implies `count == v`. The flag is false when a query was
    /// undecided.
    fn solve(&self, reach: &Bool, count: &Count) -> (Option<u32>, bool) {
        let (r, v) = self.other_value(reach, &count.term, count.lo);
        match r {
            SatResult::Unsat => return (Some(count.lo), true),
            SatResult::Unknown => return (None, false),
            SatResult::Sat => {}
        }
        let Some(v) =
            v.and_then(|v| u32::try_from(v).ok()).filter(|v| *v != count.lo && (count.lo..=count.hi).contains(v))
        else {
            return (None, true);
        };
        match self.other_value(reach, &count.term, v).0 {
            SatResult::Unsat => (Some(v), true),
            SatResult::Sat => (None, true),
            SatResult::Unknown => (None, false),
        }
    }
}

/// The state flowing along a path.
#[derive(Clone, Debug)]
pub(crate) struct Flow {
    pub reach: Bool,
    pub env: BTreeMap<Value, BV>,
    pub st: MachineState,
    pub nev: Count,
    /// Grows made so far (BV32).
    pub ngrow: BV,
    /// NaNs produced so far by float arithmetic, in exact NaN mode (BV32).
    pub nnan: BV,
}

/// A call that leaves the function.
#[derive(Clone, Debug)]
pub(crate) struct EventRec {
    pub reach: Bool,
    pub idx: Count,
    /// The callee handle (`fnN` is `N + 1`).
    pub callee: BV,
    /// How the source text names the call.
    pub what: String,
    pub sig: Signature,
    pub args: Vec<(Type, BV)>,
    pub st: MachineState,
    /// What the world answered (results of the call).
    pub results: Vec<(Type, BV)>,
}

/// The facts that make the source's grow choices witnesses (see "Choices
/// of the world"): the world's `target_grows` is the number of grows the
/// target makes on the run, and every choice a source grow reads at an
/// index the target does not reach is a success. The target never reads
/// those choices, so fixing them loses none of its runs.
pub(crate) fn grow_witnesses(world: &World, src: &Trace, tgt: &Trace) -> Vec<Bool> {
    let n = world.target_grows();
    let mut out = vec![n.eq(tgt.grow_count())];
    for g in &src.grows {
        out.push(g.idx.bvuge(&n).implies(world.grow_ok(&g.idx)));
    }
    out
}

/// A grow and the world's choice (for counterexamples).
#[derive(Clone, Debug)]
pub(crate) struct GrowRec {
    pub reach: Bool,
    pub idx: BV,
    /// Does the grow succeed (given that the new size fits)?
    pub ok: Bool,
    pub what: String,
}

/// How a run leaves the explored region.
#[derive(Clone, Debug)]
pub(crate) enum ExitKind {
    Return(Vec<(Type, BV)>),
    Trap,
    /// Reaches cut block `block` with these block arguments and these
    /// values of the values the cut plan records there.
    Cut {
        block: Block,
        args: Vec<(Type, BV)>,
        live: Vec<(Value, Type, BV)>,
    },
    /// Would run a loop header more than the unrolling bound allows, or
    /// inline calls deeper than the inlining depth.
    Bound,
}

/// One exit.
#[derive(Clone, Debug)]
pub(crate) struct ExitRec {
    pub reach: Bool,
    pub nev: Count,
    pub ngrow: BV,
    pub nnan: BV,
    pub st: MachineState,
    pub kind: ExitKind,
    /// Where, in source text (`return v3`, `trap at v4 = i32.div_s v1, v2`).
    pub what: String,
}

/// A memory access, for listing relevant input bytes in counterexamples.
#[derive(Clone, Debug)]
pub(crate) struct Access {
    pub reach: Bool,
    pub mem: MemoryRef,
    pub index: BV,
    pub len: u32,
}

/// Everything one exploration produced.
#[derive(Debug, Default)]
pub(crate) struct Trace {
    pub events: Vec<EventRec>,
    pub exits: Vec<ExitRec>,
    /// Facts about world answers, guarded by the path that asked.
    pub facts: Vec<Bool>,
    pub accesses: Vec<Access>,
    /// Terms of values at their first definition in the region.
    pub defs: BTreeMap<Value, BV>,
    /// Signatures used by `call_indirect`.
    pub indirect_sigs: Vec<Signature>,
    pub grows: Vec<GrowRec>,
}

impl Trace {
    /// The number of grows the run makes, by the exit it ends in (BV32).
    pub(crate) fn grow_count(&self) -> BV {
        let mut it = self.exits.iter().rev();
        let Some(last) = it.next() else { return BV::from_u64(0, 32) };
        let mut t = last.ngrow.clone();
        for e in it {
            t = ite_bv(&e.reach, &e.ngrow, &t);
        }
        t
    }
}

/// How loops are treated.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum Mode {
    /// Arrivals at the cut blocks of the explorer's [`CutPlan`] end the
    /// region (after the passes it allows).
    Cut,
    /// Loop headers may run at most `k` times.
    Unroll(u32),
}

/// Where one exploration in [`Mode::Cut`] stops.
#[derive(Clone, Debug, Default)]
pub(crate) struct CutPlan {
    pub blocks: BTreeMap<Block, CutRule>,
}

/// What happens on arriving at one cut block.
#[derive(Clone, Debug, Default)]
pub(crate) struct CutRule {
    /// Arrivals that pass through before the one that is cut.
    pub passes: u32,
    /// Values (besides the block's parameters) recorded at the cut.
    pub record: Vec<Value>,
}

impl CutPlan {
    /// Cuts at every loop header of `cfg`, recording `record[h]`.
    pub(crate) fn headers(cfg: &CfgInfo) -> CutPlan {
        CutPlan { blocks: cfg.headers.iter().map(|h| (*h, CutRule::default())).collect() }
    }
}

/// The semantic model of a check (from [`crate::Options`]).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Model {
    /// Every grow whose new size fits succeeds (the host never refuses).
    pub grow_succeeds: bool,
    /// Float arithmetic returns any NaN the spec allows, chosen by the world.
    pub nan_exact: bool,
}

impl Model {
    /// Grows succeed when they fit; NaNs are canonical.
    pub(crate) const DETERMINISTIC: Model = Model { grow_succeeds: true, nan_exact: false };
}

/// State facts that hold after every call (proved module invariants),
/// evaluated against the entry state for `AtEntry` terms.
pub(crate) struct AfterCall {
    facts: Vec<Fact>,
    entry: MachineState,
}

impl AfterCall {
    pub(crate) fn new(facts: Vec<Fact>, entry: MachineState) -> AfterCall {
        AfterCall { facts, entry }
    }

    /// The facts at state `st`.
    pub(crate) fn facts(&self, smt: &Smt, u: &Universe, st: &MachineState) -> Result<Vec<Bool>, String> {
        crate::state_facts(smt, u, &self.facts, st, &self.entry)
    }
}

/// Bodies of module functions a check may inline, with their control-flow
/// facts.
#[derive(Default)]
pub(crate) struct Callees {
    pub bodies: BTreeMap<u32, (Function, CfgInfo)>,
    /// The deepest nesting of inlined calls.
    pub max_depth: u32,
}

/// Where exploration starts.
pub(crate) struct Start {
    pub block: Block,
    /// Terms for the block's parameters.
    pub params: Vec<BV>,
    /// Terms for other values available at the start (live-ins of a cut).
    pub live: BTreeMap<Value, BV>,
    pub st: MachineState,
    /// The path condition, counters at the start (a fresh start: `true`, 0).
    pub reach: Bool,
    pub nev: Count,
    pub ngrow: BV,
    pub nnan: BV,
}

impl Start {
    /// A fresh start at `block`.
    pub(crate) fn new(block: Block, params: Vec<BV>, live: BTreeMap<Value, BV>, st: MachineState) -> Start {
        Start {
            block,
            params,
            live,
            st,
            reach: Bool::from_bool(true),
            nev: Count::zero(),
            ngrow: BV::from_u64(0, 32),
            nnan: BV::from_u64(0, 32),
        }
    }
}

struct Incoming {
    cond: Bool,
    flow: Flow,
    args: Vec<BV>,
}

type Key = (u32, u32, Vec<u32>);

fn is_false(b: &Bool) -> bool {
    b.as_bool() == Some(false)
}

/// The symbolic executor of one function.
pub(crate) struct Explorer<'a> {
    pub smt: &'a Smt,
    pub u: &'a Universe,
    pub func: &'a Function,
    pub cfg: &'a CfgInfo,
    pub world: World,
    pub mode: Mode,
    pub max_instances: usize,
    /// Where [`Mode::Cut`] stops.
    pub cuts: &'a CutPlan,
    /// Settles symbolic event counters at calls (`None`: never).
    pub pinner: Option<&'a CountPinner>,
    /// The check's time budget, looked at before each block instance
    /// (`None`: no limit).
    pub budget: Option<&'a Budget>,
    /// Which function of the check this is (for the world's choices).
    pub side: Side,
    pub model: Model,
    pub callees: &'a Callees,
    /// Nesting depth of inlined calls (0: the function under check).
    pub depth: u32,
    /// Facts assumed of every call's answer.
    pub after_call: Option<&'a AfterCall>,
    /// Blocks proved never to be entered (a certificate's header fact
    /// `false`, proved): an edge into one is never taken.
    pub dead: Option<&'a std::collections::BTreeSet<Block>>,
    pub trace: Trace,
}

impl<'a> Explorer<'a> {
    /// An explorer of `func` with no cuts, callees or pinner, in the
    /// deterministic model.
    #[expect(clippy::too_many_arguments, reason = "the fields every exploration needs")]
    pub(crate) fn new(
        smt: &'a Smt,
        u: &'a Universe,
        func: &'a Function,
        cfg: &'a CfgInfo,
        world: World,
        mode: Mode,
        cuts: &'a CutPlan,
        callees: &'a Callees,
    ) -> Explorer<'a> {
        Explorer {
            smt,
            u,
            func,
            cfg,
            world,
            mode,
            max_instances: usize::MAX,
            cuts,
            pinner: None,
            budget: None,
            side: Side::Tgt,
            model: Model::DETERMINISTIC,
            callees,
            depth: 0,
            after_call: None,
            dead: None,
            trace: Trace::default(),
        }
    }

    /// The counted blocks: loop headers when unrolling, cut blocks when
    /// cutting.
    fn counter_index(&self, block: Block) -> Option<usize> {
        match self.mode {
            Mode::Unroll(_) => self.cfg.header_index(block),
            Mode::Cut => self.cuts.blocks.keys().position(|b| *b == block),
        }
    }

    fn counters(&self) -> usize {
        match self.mode {
            Mode::Unroll(_) => self.cfg.headers.len(),
            Mode::Cut => self.cuts.blocks.len(),
        }
    }

    /// Runs the exploration from `start`.
    pub(crate) fn run(mut self, start: Start) -> Result<Trace, String> {
        let mut queue: BTreeMap<Key, Vec<Incoming>> = BTreeMap::new();
        let start_rpo = *self.cfg.rpo_index.get(&start.block).ok_or("start block is unreachable")?;
        let ctx = vec![0u32; self.counters()];
        let mut sum = 0;
        let mut ctx = ctx;
        if let (Mode::Unroll(_), Some(h)) = (self.mode, self.cfg.header_index(start.block)) {
            ctx[h] = 1;
            sum = 1;
        }
        let params = self.func.dfg.block_params(start.block).to_vec();
        if params.len() != start.params.len() {
            return Err(format!("{} takes {} parameters, {} given", start.block, params.len(), start.params.len()));
        }
        let flow = Flow {
            reach: start.reach.clone(),
            env: start.live,
            st: start.st,
            nev: start.nev,
            ngrow: start.ngrow,
            nnan: start.nnan,
        };
        queue.insert((sum, start_rpo, ctx), vec![Incoming { cond: start.reach, flow, args: start.params }]);
        let mut instances = 0usize;
        while let Some((key, incoming)) = queue.pop_first() {
            instances += 1;
            if let Some(b) = self.budget
                && b.spent()
            {
                return Err(b.exhausted(&format!("while exploring (after {} block instances)", instances - 1)));
            }
            if instances > self.max_instances {
                return Err(format!(
                    "the unrolled function exceeds {} block instances (size limit)",
                    self.max_instances
                ));
            }
            let block = self.cfg.rpo[key.1 as usize];
            let (mut flow, args) = merge(incoming);
            if is_false(&flow.reach) {
                continue;
            }
            for (p, a) in self.func.dfg.block_params(block).iter().zip(args) {
                self.trace.defs.entry(*p).or_insert_with(|| a.clone());
                flow.env.insert(*p, a);
            }
            self.run_block(block, &key, flow, &mut queue)?;
        }
        Ok(self.trace)
    }

    fn value(&self, flow: &Flow, v: Value) -> Result<BV, String> {
        let r = self.func.dfg.resolve_aliases(v);
        flow.env.get(&r).cloned().ok_or_else(|| format!("{v} is used where it is not defined"))
    }

    fn inst_text(&self, inst: Inst) -> String {
        weft_ir::write::inst_to_string(self.func, inst)
    }

    fn run_block(
        &mut self,
        block: Block,
        key: &Key,
        mut flow: Flow,
        queue: &mut BTreeMap<Key, Vec<Incoming>>,
    ) -> Result<(), String> {
        let insts: Vec<Inst> = self.func.layout.block_insts(block).collect();
        let last = *insts.last().ok_or_else(|| format!("{block} is empty"))?;
        for inst in insts {
            let data = self.func.dfg.insts[inst].clone();
            let opcode = data.opcode();
            if opcode.is_terminator() != (inst == last) {
                return Err(format!("{block}: `{}` is misplaced (terminators end blocks)", self.inst_text(inst)));
            }
            if is_false(&flow.reach) {
                return Ok(());
            }
            match data {
                InstructionData::Jump { dest } => {
                    let reach = flow.reach.clone();
                    self.edge(&flow, &dest, reach, key, queue)?;
                }
                InstructionData::Brif { cond, then_dest, else_dest } => {
                    self.check_i32(cond, inst)?;
                    let c = self.smt.simplify_bool(&crate::smt::nonzero(&self.value(&flow, cond)?));
                    let t = and_cond(&flow.reach, &c);
                    let e = and_cond(&flow.reach, &c.not());
                    self.edge(&flow, &then_dest, t, key, queue)?;
                    self.edge(&flow, &else_dest, e, key, queue)?;
                }
                InstructionData::BrTable { index, table } => {
                    self.check_i32(index, inst)?;
                    let i = self.value(&flow, index)?;
                    let jt = self.func.dfg.jump_tables.get(table).ok_or("undefined jump table")?.clone();
                    for (n, target) in jt.targets.iter().enumerate() {
                        let c = self.smt.simplify_bool(&i.eq(BV::from_u64(n as u64, 32)));
                        self.edge(&flow, target, and_cond(&flow.reach, &c), key, queue)?;
                    }
                    let c = self.smt.simplify_bool(&i.bvuge(BV::from_u64(jt.targets.len() as u64, 32)));
                    self.edge(&flow, &jt.default, and_cond(&flow.reach, &c), key, queue)?;
                }
                InstructionData::Op { opcode, args, imm } => {
                    let args: Vec<Value> = args.as_slice(&self.func.dfg.value_lists).to_vec();
                    let arg_terms = args.iter().map(|v| self.value(&flow, *v)).collect::<Result<Vec<_>, _>>()?;
                    let arg_tys: Vec<Type> = args.iter().map(|v| self.func.dfg.value_type(*v)).collect();
                    crate::typing::check_inst(self.func, inst, opcode, &arg_tys, &imm)?;
                    match opcode {
                        Opcode::Return => {
                            let vals = arg_tys.into_iter().zip(arg_terms).collect();
                            self.exit(
                                &flow,
                                flow.reach.clone(),
                                ExitKind::Return(vals),
                                format!("`{}`", self.inst_text(inst)),
                            );
                        }
                        Opcode::Unreachable => {
                            self.exit(&flow, flow.reach.clone(), ExitKind::Trap, "traps at `trap`".to_string());
                        }
                        _ => {
                            let results = self.encode_op(&mut flow, inst, opcode, &arg_terms, imm)?;
                            let results = if self.model.nan_exact {
                                self.exact_nans(&mut flow, opcode, &arg_terms, results)?
                            } else {
                                results
                            };
                            let res_vals = self.func.dfg.inst_results(inst).to_vec();
                            if !opcode.is_terminator() {
                                if res_vals.len() != results.len() {
                                    return Err(format!(
                                        "`{}` has {} results, its semantics gives {}",
                                        self.inst_text(inst),
                                        res_vals.len(),
                                        results.len()
                                    ));
                                }
                                for (v, t) in res_vals.iter().zip(results) {
                                    if type_bits(self.func.dfg.value_type(*v)) != t.get_size() {
                                        return Err(format!(
                                            "`{}`: result {v} has the wrong type",
                                            self.inst_text(inst)
                                        ));
                                    }
                                    self.trace.defs.entry(*v).or_insert_with(|| t.clone());
                                    flow.env.insert(*v, t);
                                }
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }

    fn check_i32(&self, v: Value, inst: Inst) -> Result<(), String> {
        let ty = self.func.dfg.value_type(self.func.dfg.resolve_aliases(v));
        if ty == Type::I32 { Ok(()) } else { Err(format!("`{}`: {v} is {ty}, not i32", self.inst_text(inst))) }
    }

    /// Records an exit with the current state.
    pub(crate) fn exit(&mut self, flow: &Flow, reach: Bool, kind: ExitKind, what: String) {
        if is_false(&reach) {
            return;
        }
        self.trace.exits.push(ExitRec {
            reach,
            nev: flow.nev.clone(),
            ngrow: flow.ngrow.clone(),
            nnan: flow.nnan.clone(),
            st: flow.st.clone(),
            kind,
            what,
        });
    }

    /// Traps when `cond` holds; the path continues under `¬cond`.
    pub(crate) fn trap_if(&mut self, flow: &mut Flow, cond: Bool, inst: Inst) {
        let cond = self.smt.simplify_bool(&cond);
        if is_false(&cond) {
            return;
        }
        let what = format!("traps at `{}`", self.inst_text(inst));
        let reach = and2(&flow.reach, &cond);
        self.exit(flow, reach, ExitKind::Trap, what);
        flow.reach = and2(&flow.reach, &cond.not());
    }

    /// Whether grow `flow.ngrow` succeeds (when the new size fits), and
    /// counts it (see the module docs: the target's choice is the world's,
    /// the source's a witness).
    pub(crate) fn grow_choice(&mut self, flow: &mut Flow, inst: Inst) -> Bool {
        if self.model.grow_succeeds {
            return Bool::from_bool(true);
        }
        let k = flow.ngrow.clone();
        flow.ngrow = self.smt.simplify_bv(&k.bvadd(BV::from_u64(1, 32)));
        // Both sides read the world's choice `k`. For the source that is the
        // witness: the comparison fixes the choices past the target's last
        // grow, which the target never reads, to success (`grow_witnesses`).
        let ok = self.world.grow_ok(&k);
        let what = format!("`{}`", self.inst_text(inst));
        self.trace.grows.push(GrowRec { reach: flow.reach.clone(), idx: k, ok: ok.clone(), what });
        ok
    }

    /// Makes call number `flow.nev` to `callee` and returns the results; the
    /// callee may trap, which ends the path in a trap exit. A direct call of
    /// a callee whose body the check has is inlined instead.
    pub(crate) fn call(
        &mut self,
        flow: &mut Flow,
        inst: Inst,
        callee: BV,
        sig: &Signature,
        args: Vec<(Type, BV)>,
    ) -> Result<Vec<BV>, String> {
        if let Some(n) = callee.as_u64().and_then(|h| u32::try_from(h.checked_sub(1)?).ok())
            && self.callees.bodies.contains_key(&n)
            && matches!(&self.func.dfg.insts[inst], InstructionData::Op { imm: weft_ir::Imm::Func(_), .. })
        {
            return self.inline(flow, inst, n, args.into_iter().map(|(_, a)| a).collect());
        }
        let what = format!("`{}`", self.inst_text(inst));
        if flow.nev.lo != flow.nev.hi
            && let Some(n) = self.pinner.and_then(|p| p.pin(&flow.reach, &flow.nev))
        {
            flow.nev = Count::constant(n);
        }
        let answer = self.world.answer(self.u, &flow.nev.term, &sig.results, &flow.st);
        self.trace.events.push(EventRec {
            reach: flow.reach.clone(),
            idx: flow.nev.clone(),
            callee,
            what: what.clone(),
            sig: sig.clone(),
            args,
            st: flow.st.clone(),
            results: sig.results.iter().copied().zip(answer.results.iter().cloned()).collect(),
        });
        for f in answer.facts {
            self.trace.facts.push(flow.reach.implies(&f));
        }
        if let Some(ac) = self.after_call {
            for f in ac.facts(self.smt, self.u, &answer.state)? {
                self.trace.facts.push(flow.reach.implies(&f));
            }
        }
        flow.st = answer.state;
        flow.nev = flow.nev.next();
        let trap_reach = and2(&flow.reach, &answer.traps);
        self.exit(flow, trap_reach, ExitKind::Trap, format!("the callee traps in {what}"));
        flow.reach = and2(&flow.reach, &answer.traps.not());
        Ok(answer.results)
    }

    /// Executes the body of callee `n` in place of the call.
    fn inline(&mut self, flow: &mut Flow, inst: Inst, n: u32, args: Vec<BV>) -> Result<Vec<BV>, String> {
        let what = self.inst_text(inst);
        let (body, cfg) = &self.callees.bodies[&n];
        let results = body.sig.results.clone();
        if self.depth >= self.callees.max_depth {
            let reach = flow.reach.clone();
            self.exit(
                flow,
                reach,
                ExitKind::Bound,
                format!("inlines `{what}` deeper than {} calls", self.callees.max_depth),
            );
            flow.reach = Bool::from_bool(false);
            return Ok(results.iter().map(|t| BV::from_u64(0, type_bits(*t))).collect());
        }
        let entry = body.entry_block().ok_or_else(|| format!("fn{n} has no blocks"))?;
        let no_cuts = CutPlan::default();
        let sub = Explorer {
            smt: self.smt,
            u: self.u,
            func: body,
            cfg,
            world: World::new(self.world.prefix()),
            mode: Mode::Cut,
            max_instances: self.max_instances,
            cuts: &no_cuts,
            pinner: self.pinner,
            budget: self.budget,
            side: self.side,
            model: self.model,
            callees: self.callees,
            depth: self.depth + 1,
            after_call: self.after_call,
            dead: None,
            trace: Trace::default(),
        };
        let start = Start {
            block: entry,
            params: args,
            live: BTreeMap::new(),
            st: flow.st.clone(),
            reach: flow.reach.clone(),
            nev: flow.nev.clone(),
            ngrow: flow.ngrow.clone(),
            nnan: flow.nnan.clone(),
        };
        let sub = sub.run(start).map_err(|e| format!("in fn{n} inlined at `{what}`: {e}"))?;
        self.trace.events.extend(sub.events);
        self.trace.facts.extend(sub.facts);
        self.trace.accesses.extend(sub.accesses);
        self.trace.indirect_sigs.extend(sub.indirect_sigs);
        self.trace.grows.extend(sub.grows);
        let mut returns = Vec::new();
        for e in sub.exits {
            match e.kind {
                ExitKind::Return(vals) => returns.push((e.reach, e.nev, e.ngrow, e.st, vals, e.nnan)),
                ExitKind::Trap | ExitKind::Bound => {
                    self.trace.exits.push(ExitRec { what: format!("{} (in fn{n} inlined at `{what}`)", e.what), ..e });
                }
                ExitKind::Cut { .. } => return Err(format!("fn{n} has a loop and cannot be inlined")),
            }
        }
        // The exits of the body exclude each other; what follows the call
        // continues from the merge of its returns.
        let Some(last) = returns.last() else {
            flow.reach = Bool::from_bool(false);
            return Ok(results.iter().map(|t| BV::from_u64(0, type_bits(*t))).collect());
        };
        let reach = or_all(&returns.iter().map(|r| r.0.clone()).collect::<Vec<_>>());
        let parts: Vec<(Bool, &MachineState)> = returns.iter().map(|r| (r.0.clone(), &r.3)).collect();
        let st = MachineState::merge(&parts);
        let mut nev = last.1.clone();
        let mut ngrow = last.2.clone();
        let mut vals: Vec<BV> = last.4.iter().map(|(_, v)| v.clone()).collect();
        for r in returns.iter().rev().skip(1) {
            nev = Count { term: ite_bv(&r.0, &r.1.term, &nev.term), lo: nev.lo.min(r.1.lo), hi: nev.hi.max(r.1.hi) };
            ngrow = ite_bv(&r.0, &r.2, &ngrow);
            for (v, (_, x)) in vals.iter_mut().zip(&r.4) {
                *v = ite_bv(&r.0, x, v);
            }
        }
        flow.reach = reach;
        flow.st = st;
        let mut nnan = last.5.clone();
        for r in returns.iter().rev().skip(1) {
            nnan = ite_bv(&r.0, &r.5, &nnan);
        }
        flow.nev = nev;
        flow.ngrow = ngrow;
        flow.nnan = nnan;
        Ok(vals)
    }

    /// Records a memory access for counterexample reports.
    pub(crate) fn note_access(&mut self, flow: &Flow, mem: MemoryRef, index: &BV, len: u32) {
        if self.trace.accesses.len() < 256 {
            self.trace.accesses.push(Access { reach: flow.reach.clone(), mem, index: index.clone(), len });
        }
    }

    fn edge(
        &mut self,
        flow: &Flow,
        dest: &BlockCall,
        cond: Bool,
        key: &Key,
        queue: &mut BTreeMap<Key, Vec<Incoming>>,
    ) -> Result<(), String> {
        if is_false(&cond) {
            return Ok(());
        }
        let target = dest.block;
        if self.dead.is_some_and(|d| d.contains(&target)) {
            return Ok(());
        }
        let arg_vals: Vec<Value> = self.func.dfg.block_call_args(dest).to_vec();
        let params = self.func.dfg.block_params(target);
        if params.len() != arg_vals.len() {
            return Err(format!(
                "branch to {target} passes {} arguments for {} parameters",
                arg_vals.len(),
                params.len()
            ));
        }
        let mut args = Vec::with_capacity(arg_vals.len());
        for (a, p) in arg_vals.iter().zip(params) {
            let ty = self.func.dfg.value_type(self.func.dfg.resolve_aliases(*a));
            if ty != self.func.dfg.value_type(*p) {
                return Err(format!("branch to {target} passes {a}: {ty} for {p}"));
            }
            args.push(self.value(flow, *a)?);
        }
        let target_rpo = *self.cfg.rpo_index.get(&target).ok_or("branch to an unreachable block")?;
        match (self.mode, self.counter_index(target)) {
            (Mode::Cut, Some(c)) => {
                let rule = &self.cuts.blocks[&target];
                if key.2[c] < rule.passes {
                    let mut ctx = key.2.clone();
                    ctx[c] += 1;
                    let nkey = (key.0 + 1, target_rpo, ctx);
                    queue.entry(nkey).or_default().push(Incoming { cond, flow: flow.clone(), args });
                    return Ok(());
                }
                let tys: Vec<Type> = params.iter().map(|p| self.func.dfg.value_type(*p)).collect();
                let mut live = Vec::new();
                for v in &rule.record {
                    let ty = self.func.dfg.value_type(*v);
                    live.push((*v, ty, self.value(flow, *v)?));
                }
                let kind = ExitKind::Cut { block: target, args: tys.into_iter().zip(args).collect(), live };
                self.exit(flow, cond, kind, format!("enters {target}"));
            }
            (Mode::Unroll(k), Some(h)) => {
                let mut ctx = key.2.clone();
                ctx[h] += 1;
                if ctx[h] > k {
                    self.exit(flow, cond, ExitKind::Bound, format!("runs loop header {target} more than {k} times"));
                } else {
                    let nkey = (key.0 + 1, target_rpo, ctx);
                    queue.entry(nkey).or_default().push(Incoming { cond, flow: flow.clone(), args });
                }
            }
            (_, None) => {
                // A back edge into a block that is not counted (a loop cut
                // elsewhere than at its header) starts the next round.
                let sum = if target_rpo <= key.1 {
                    if self.mode != Mode::Cut {
                        return Err(format!("edge to {target} goes backwards without a loop header"));
                    }
                    key.0 + 1
                } else {
                    key.0
                };
                let nkey = (sum, target_rpo, key.2.clone());
                queue.entry(nkey).or_default().push(Incoming { cond, flow: flow.clone(), args });
            }
        }
        Ok(())
    }
}

/// Merges the states arriving at one block instance.
fn merge(mut incoming: Vec<Incoming>) -> (Flow, Vec<BV>) {
    if incoming.len() == 1 {
        let inc = incoming.pop().expect("one");
        let mut flow = inc.flow;
        flow.reach = inc.cond;
        return (flow, inc.args);
    }
    let conds: Vec<Bool> = incoming.iter().map(|i| i.cond.clone()).collect();
    let reach = or_all(&conds);
    let parts: Vec<(Bool, &MachineState)> = incoming.iter().map(|i| (i.cond.clone(), &i.flow.st)).collect();
    let st = MachineState::merge(&parts);
    let last = incoming.last().expect("non-empty");
    let mut nev_term = last.flow.nev.term.clone();
    let mut ngrow = last.flow.ngrow.clone();
    let mut nnan = last.flow.nnan.clone();
    let mut args = last.args.clone();
    let mut env = last.flow.env.clone();
    let mut lo = last.flow.nev.lo;
    let mut hi = last.flow.nev.hi;
    for inc in incoming.iter().rev().skip(1) {
        nev_term = ite_bv(&inc.cond, &inc.flow.nev.term, &nev_term);
        ngrow = ite_bv(&inc.cond, &inc.flow.ngrow, &ngrow);
        nnan = ite_bv(&inc.cond, &inc.flow.nnan, &nnan);
        lo = lo.min(inc.flow.nev.lo);
        hi = hi.max(inc.flow.nev.hi);
        for (a, b) in args.iter_mut().zip(&inc.args) {
            *a = ite_bv(&inc.cond, b, a);
        }
        env.retain(|v, _| inc.flow.env.contains_key(v));
        for (v, t) in env.iter_mut() {
            *t = ite_bv(&inc.cond, &inc.flow.env[v], t);
        }
    }
    let flow = Flow { reach, env, st, nev: Count { term: nev_term, lo, hi }, ngrow, nnan };
    (flow, args)
}

/// The block a value is defined in, if it is defined.
pub(crate) fn def_block(func: &Function, v: Value) -> Option<Block> {
    match func.dfg.value_def(func.dfg.resolve_aliases(v)) {
        ValueDef::Result(inst, _) => func.layout.inst_block(inst),
        ValueDef::Param(block, _) => Some(block),
        ValueDef::Alias(_) | ValueDef::Detached => None,
    }
}

/// `1` if `b` else `0`, as an i32 term (re-exported for the semantics).
pub(crate) fn flag(b: &Bool) -> BV {
    bool_to_i32(b)
}

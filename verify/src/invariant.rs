//! Module invariants: [`prove_module_invariant`] proves that facts about
//! the module's state (a flag global holds 1, a memory cell holds a
//! constant) hold whenever a function of the module is entered and after
//! every call returns, so refinement checks may assume them
//! ([`crate::Certificate::module_invariants`]).
//!
//! # What is proved
//!
//! 1. **Established**: either the invariant holds in the declared initial
//!    state ([`crate::Options::init`]) and the initialization functions
//!    preserve it (checked as in 2, so their loops are cut, not unrolled),
//!    or the initialization functions (the start function, then
//!    `_initialize`), run in order from the declared initial state, end in
//!    a state where the invariant holds,
//!    on every run that returns (a run that traps fails instantiation, and
//!    then no function of the module ever runs). Calls they make are
//!    answered by the world; their loops are unrolled to
//!    [`crate::Options::unroll_bound`], and a run longer than that makes the
//!    proof `Unknown`.
//! 2. **Preserved**: every function that can run afterwards, entered in a
//!    state where the invariant holds and getting back a state where it
//!    holds from every call, keeps it at every call it makes (the callee
//!    is entered with it), at every exit — return or trap (a host can catch
//!    the trap and call an export again) — and at every loop header (each
//!    loop-free segment from a header state where it holds keeps it).
//!    A function with no instruction that writes what the invariant reads
//!    (a `global.set` of one of its globals, a memory write when it reads
//!    memory, a table write when it reads a table; calls aside) keeps it
//!    without a query: the state it reads is, at every point, the entry's
//!    or the last call's.
//!
//! By induction on the calls of any execution after initialization, the
//! invariant then holds at every function entry and after every call. This
//! rests on one assumption about the host, stated in the report: a call to
//! an import does not change the facts' state itself (true of a global the
//! module does not export, for example); the host may call back into the
//! module, whose functions are covered by 2.
//!
//! During initialization a call is answered by the world (any new state)
//! unless the callee's body is inlined. [`prove_module_invariant_hosted`]
//! applies the same host assumption there: a call of one of the listed
//! host functions (the module's imports) leaves every state term the
//! invariant reads as it was, so initialization may write the state and
//! then report to the host (`[backpressure-set]`); the terms framed are the
//! sides of the invariant's equalities (sizes only grow anyway). Calls of other functions
//! (a defined function with a loop, an indirect call) still answer any
//! state. [`values_after_init`] runs initialization the same way and
//! returns the value of some terms on one run that returns: a candidate
//! invariant, which establishment then proves for every run.
//!
//! The caller lists the functions: every function that can run after
//! initialization (exports, functions reachable through tables, and their
//! callees), with a body; a function it cannot give (kept opaque) means the
//! invariant cannot be proved.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use weft_ir::{FuncRef, Function};
use z3::ast::{BV, Bool};
use z3::{Config, SatResult, Solver, with_z3_config};

use crate::budget::Budget;
use crate::cert::{Fact, ModuleInvariant, ProvedInvariant, Side, Term, TermCx};
use crate::cfg::CfgInfo;
use crate::exec::{AfterCall, Callees, CutPlan, ExitKind, Explorer, Mode, Model, Start, Trace};
use crate::options::Options;
use crate::outcome::{Counterexample, Method, Outcome, PinStats, QueryStat, Report};
use crate::query::{eval_bits, show_value};
use crate::smt::{Smt, and2, or_all};
use crate::state::{MachineState, Universe, World, type_bits};

/// The result of [`prove_module_invariant`]: the report (its outcome is
/// `Proved`, a `Counterexample` naming the function and the point where the
/// invariant fails, or `Unknown`) and, when proved, the invariant to hand to
/// refinement checks.
#[derive(Clone, Debug)]
pub struct InvariantReport {
    /// The verdict and its queries.
    pub report: Report,
    /// The proved invariant (only when `report.outcome` is `Proved`).
    pub proved: Option<ProvedInvariant>,
}

/// Proves `inv` for a module whose initialization runs `init_funcs` (in
/// order) from `opts.init` and whose functions that can run afterwards are
/// `funcs` (see the module docs).
pub fn prove_module_invariant(
    init_funcs: &[&Function],
    funcs: &[&Function],
    inv: &ModuleInvariant,
    opts: &Options,
) -> InvariantReport {
    prove_module_invariant_hosted(init_funcs, funcs, inv, &[], opts)
}

/// [`prove_module_invariant`], where a call that initialization makes to
/// one of `host` (the module's imports) leaves the state the invariant
/// reads unchanged (see the module docs).
pub fn prove_module_invariant_hosted(
    init_funcs: &[&Function],
    funcs: &[&Function],
    inv: &ModuleInvariant,
    host: &[FuncRef],
    opts: &Options,
) -> InvariantReport {
    let start = Instant::now();
    let mut cfg = Config::new();
    cfg.set_model_generation(true);
    let mut report = with_z3_config(&cfg, || {
        let mut report = Report {
            outcome: Outcome::Unknown("not run".into()),
            method: Method::None,
            assumptions: vec![
                "calls to imports do not change the invariant's state themselves (the host does not write it)".into(),
            ],
            queries: Vec::new(),
            pinning: PinStats::default(),
            millis: 0,
        };
        let budget = Budget::start(opts);
        let result = catch_unwind(AssertUnwindSafe(|| {
            let mut stats = Vec::new();
            let r = prove(init_funcs, funcs, inv, host, opts, &budget, &mut stats);
            report.queries = stats;
            r
        }));
        report.outcome_from(result);
        report
    });
    report.millis = start.elapsed().as_millis();
    let proved = report.outcome.is_proved().then(|| ProvedInvariant {
        invariant: inv.clone(),
        scope: format!(
            "established by {} initialization function(s), preserved by {} function(s)",
            init_funcs.len(),
            funcs.len()
        ),
    });
    InvariantReport { report, proved }
}

struct Prover<'a> {
    smt: Smt,
    u: Universe,
    opts: &'a Options,
    budget: &'a Budget,
    inv: &'a ModuleInvariant,
    callees: Callees,
}

impl Prover<'_> {
    #[expect(clippy::too_many_arguments, reason = "one exploration: the function, where it is cut, and its start")]
    fn explore(
        &self,
        func: &Function,
        cfg: &CfgInfo,
        mode: Mode,
        cuts: &CutPlan,
        world: &str,
        start: Start,
        after: Option<&AfterCall>,
    ) -> Result<Trace, String> {
        let mut ex = Explorer::new(&self.smt, &self.u, func, cfg, World::new(world), mode, cuts, &self.callees);
        ex.max_instances = self.opts.max_instances;
        ex.budget = Some(self.budget);
        ex.side = Side::Tgt;
        ex.model = Model { grow_succeeds: self.opts.assume_grow_succeeds, nan_exact: false };
        ex.after_call = after;
        ex.run(start)
    }

    fn holds(&self, st: &MachineState, entry: &MachineState) -> Result<Bool, String> {
        let facts = crate::state_facts(&self.smt, &self.u, &self.inv.facts, st, entry)?;
        Ok(Bool::and(&facts))
    }

    /// Asks whether `bad` can happen; `Ok(None)` when it cannot.
    fn query(
        &self,
        name: &str,
        background: &[Bool],
        bad: &Bool,
        stats: &mut Vec<QueryStat>,
    ) -> Result<Option<z3::Model>, String> {
        let Some(timeout) = self.budget.query_timeout_ms() else {
            return Err(self.budget.exhausted(&format!("before query `{name}`")));
        };
        let solver = Solver::new();
        solver.set_params(&crate::query::query_params(timeout, self.opts.query_rlimit));
        for b in background {
            solver.assert(b);
        }
        solver.assert(bad);
        let t0 = Instant::now();
        let r = solver.check();
        stats.push(QueryStat {
            name: name.into(),
            millis: t0.elapsed().as_millis(),
            result: format!("{r:?}").to_lowercase(),
        });
        match r {
            SatResult::Unsat => Ok(None),
            SatResult::Sat => Ok(Some(solver.get_model().ok_or("no model")?)),
            SatResult::Unknown => Err(format!(
                "query `{name}`: Z3 answers `unknown` ({})",
                solver.get_reason_unknown().unwrap_or_default()
            )),
        }
    }
}

/// The state an invariant reads: globals, memories (sizes and bytes) and
/// tables (sizes and slots), and whether it reads the entry state (which
/// the shortcut of step 2 does not cover).
struct StateRead {
    globals: Vec<weft_ir::GlobalRef>,
    memories: bool,
    tables: bool,
    at_entry: bool,
}

impl StateRead {
    fn of(inv: &ModuleInvariant) -> StateRead {
        let mut r = StateRead { globals: Vec::new(), memories: false, tables: false, at_entry: false };
        fn walk(t: &Term, r: &mut StateRead) {
            match t {
                Term::Global(g) => r.globals.push(*g),
                Term::MemorySize(_) => r.memories = true,
                Term::Load { addr, .. } => {
                    r.memories = true;
                    walk(addr, r);
                }
                Term::TableSize(_) | Term::TableElem(..) => r.tables = true,
                Term::AtEntry(_) => r.at_entry = true,
                Term::Op(_, args) => args.iter().for_each(|a| walk(a, r)),
                Term::Value(..) | Term::Const(..) | Term::Handle(_) => {}
            }
        }
        for f in &inv.facts {
            match f {
                Fact::Equal(a, b) => {
                    walk(a, &mut r);
                    walk(b, &mut r);
                }
                Fact::Holds(t) => walk(t, &mut r),
            }
        }
        r
    }

    /// May `func` change what the invariant reads (other than through the
    /// calls it makes)? Any write to a memory counts when the invariant
    /// reads memory, any write to a table when it reads a table.
    fn written_by(&self, func: &Function) -> bool {
        use weft_ir::{Effects, Imm, InstructionData, Opcode};
        if self.at_entry {
            return true;
        }
        func.layout.blocks().flat_map(|b| func.layout.block_insts(b)).any(|inst| {
            let InstructionData::Op { opcode, imm, .. } = func.dfg.insts[inst] else { return false };
            if opcode.is_call() {
                return false;
            }
            let effects = opcode.effects();
            (opcode == Opcode::GlobalSet && matches!(imm, Imm::Global(g) if self.globals.contains(&g)))
                || (self.memories && effects.intersects(Effects::WRITES_MEMORY))
                || (self.tables && effects.intersects(Effects::WRITES_TABLE))
        })
    }
}

fn counterexample(query: String, what: &str, model: &z3::Model, st: &MachineState, u: &Universe) -> Counterexample {
    let mut inputs = Vec::new();
    for (g, decl) in &u.globals {
        let v = eval_bits(model, &st.globals[g]).map(|b| show_value(decl.ty, b)).unwrap_or_else(|| "?".into());
        inputs.push((format!("{g} there"), v));
    }
    for (m, mem) in &st.mems {
        inputs.push((format!("{m} size there"), format!("{} pages", eval_bits(model, &mem.pages).unwrap_or(0))));
    }
    Counterexample {
        query,
        inputs,
        source: format!("the invariant does not hold ({what})"),
        target: String::new(),
        assumptions: Vec::new(),
        bound: None,
    }
}

/// Where initialization ends: the facts of its runs, when a run returns,
/// and the merged state of the runs that return; or a verdict already.
enum InitEnd {
    Ran { background: Vec<Bool>, reach: Bool, st: MachineState, inst_state: MachineState },
    Decided(Outcome, Method),
}

impl Prover<'_> {
    /// Runs the initialization functions in order from the declared
    /// initial state; a call of a `host` function keeps every state term
    /// the invariant reads.
    /// Does the invariant hold in the declared initial state?
    fn holds_at_instantiation(&self, stats: &mut Vec<QueryStat>) -> Result<bool, String> {
        let mut entry = crate::entry_inputs_state(&self.u, "inst");
        let mut background = entry.facts.clone();
        background.extend(crate::init_facts(&self.u, &self.opts.init, true, &mut entry)?);
        let fails = self.holds(&entry.st, &entry.st)?.not();
        Ok(self.query("holds at instantiation", &background, &fails, stats)?.is_none())
    }

    fn run_init(
        &self,
        init_funcs: &[&Function],
        host: &[FuncRef],
        stats: &mut Vec<QueryStat>,
    ) -> Result<InitEnd, String> {
        let opts = self.opts;
        let mut entry = crate::entry_inputs_state(&self.u, "inst");
        let seg = crate::init_facts(&self.u, &opts.init, true, &mut entry)?;
        let inst_state = entry.st.clone();
        let mut background = entry.facts.clone();
        background.extend(seg);
        let framed = framed_terms(&self.inv.facts);
        let mut reach = Bool::from_bool(true);
        let mut st = inst_state.clone();
        for (n, f) in init_funcs.iter().enumerate() {
            let cfg = CfgInfo::compute(f).map_err(|e| format!("{}: {e}", f.name))?;
            let block = f.entry_block().ok_or_else(|| format!("{} has no blocks", f.name))?;
            let params = crate::param_symbols(f, &format!("init{n}."));
            let start = Start { reach: reach.clone(), ..Start::new(block, params, BTreeMap::new(), st.clone()) };
            let none = CutPlan::default();
            let world = format!("w.init{n}");
            let trace = self.explore(f, &cfg, Mode::Unroll(opts.unroll_bound), &none, &world, start, None)?;
            background.extend(trace.facts.iter().cloned());
            background.extend(crate::sig_facts(&self.u, &[&trace]));
            if !host.is_empty() && !framed.is_empty() {
                background.extend(self.host_frames(&trace, host, &framed, &world, &inst_state)?);
            }
            let bound: Vec<Bool> =
                trace.exits.iter().filter(|e| matches!(e.kind, ExitKind::Bound)).map(|e| e.reach.clone()).collect();
            if !bound.is_empty()
                && self
                    .query(
                        &format!("init %{}: runs past the unrolling bound", f.name),
                        &background,
                        &or_all(&bound),
                        stats,
                    )?
                    .is_some()
            {
                return Ok(InitEnd::Decided(
                    Outcome::Unknown(format!(
                        "initialization function %{} runs a loop more than {} times; establishment is not proved",
                        f.name, opts.unroll_bound
                    )),
                    Method::Unrolled { bound: opts.unroll_bound, reason: "initialization".into() },
                ));
            }
            let returns: Vec<(Bool, &MachineState)> = trace
                .exits
                .iter()
                .filter(|e| matches!(e.kind, ExitKind::Return(_)))
                .map(|e| (e.reach.clone(), &e.st))
                .collect();
            if returns.is_empty() {
                // Initialization always traps: the module never runs anything.
                return Ok(InitEnd::Decided(Outcome::Proved, Method::LoopFree));
            }
            reach = or_all(&returns.iter().map(|r| r.0.clone()).collect::<Vec<_>>());
            st = MachineState::merge(&returns);
        }
        Ok(InitEnd::Ran { background, reach, st, inst_state })
    }

    /// For every call of `trace` (made in world `world`) whose callee is one
    /// of `host`: each term of `framed` has the same value after the call as
    /// before it.
    fn host_frames(
        &self,
        trace: &Trace,
        host: &[FuncRef],
        framed: &[Term],
        world: &str,
        inst_state: &MachineState,
    ) -> Result<Vec<Bool>, String> {
        let w = World::new(world);
        let mut out = Vec::new();
        for e in &trace.events {
            let is_host: Vec<Bool> =
                host.iter().map(|h| e.callee.eq(BV::from_u64(u64::from(h.as_u32()) + 1, 32))).collect();
            let after = w.answer(&self.u, &e.idx.term, &e.sig.results, &e.st).state;
            let before_cx =
                TermCx { smt: &self.smt, u: &self.u, src: None, tgt: None, state: &e.st, entry: inst_state };
            let after_cx = TermCx { state: &after, ..before_cx };
            let mut same = Vec::new();
            for t in framed {
                same.push(after_cx.eval(t)?.eq(before_cx.eval(t)?));
            }
            out.push(and2(&e.reach, &or_all(&is_host)).implies(Bool::and(&same)));
        }
        Ok(out)
    }
}

/// The sides of the equalities of `facts` that read the state: what a host
/// call leaves as it was during initialization. (`Holds` facts, such as a
/// bound on a memory's size, are not framed: sizes only grow across a call
/// anyway.)
fn framed_terms(facts: &[Fact]) -> Vec<Term> {
    let mut out: Vec<Term> = Vec::new();
    for f in facts {
        if let Fact::Equal(a, b) = f {
            for t in [a, b] {
                if t.reads_state() && !out.contains(t) {
                    out.push(t.clone());
                }
            }
        }
    }
    out
}

/// The values of `terms` (state terms: globals, loads, sizes) after
/// initialization runs `init_funcs` from `opts.init` on one run that
/// returns, calls of `host` leaving `terms` as they were (see the module
/// docs). Each value is a candidate only: [`prove_module_invariant_hosted`]
/// proves whether every run ends with it. `Err` when no run returns or the
/// run is not decided within the unrolling bound and the budget.
pub fn values_after_init(
    init_funcs: &[&Function],
    terms: &[Term],
    host: &[FuncRef],
    opts: &Options,
) -> Result<Vec<u128>, String> {
    let mut cfg = Config::new();
    cfg.set_model_generation(true);
    with_z3_config(&cfg, || {
        let budget = Budget::start(opts);
        let result = catch_unwind(AssertUnwindSafe(|| -> Result<Vec<u128>, String> {
            if let Some(t) =
                terms.iter().find(|t| !t.reads_state() || !Fact::Equal((*t).clone(), Term::i32(0)).is_state_only())
            {
                return Err(format!("term `{t}` is not a state term"));
            }
            let smt = Smt::new()?;
            let callees = crate::callees_of(opts)?;
            let mut all: Vec<&Function> = init_funcs.to_vec();
            all.extend(callees.bodies.values().map(|(f, _)| f));
            let u = Universe::of(&all)?;
            let facts: Vec<Fact> = terms.iter().map(|t| Fact::Equal(t.clone(), t.clone())).collect();
            let inv = ModuleInvariant { facts };
            let p = Prover { smt, u, opts, budget: &budget, inv: &inv, callees };
            let mut stats = Vec::new();
            let (background, reach, st, inst_state) = match p.run_init(init_funcs, host, &mut stats)? {
                InitEnd::Ran { background, reach, st, inst_state } => (background, reach, st, inst_state),
                InitEnd::Decided(Outcome::Proved, _) => return Err("initialization never returns".into()),
                InitEnd::Decided(outcome, _) => return Err(format!("initialization is not decided: {outcome}")),
            };
            let Some(model) = p.query("a run of initialization that returns", &background, &reach, &mut stats)? else {
                return Err("initialization never returns".into());
            };
            let cx = TermCx { smt: &p.smt, u: &p.u, src: None, tgt: None, state: &st, entry: &inst_state };
            terms.iter().map(|t| eval_bits(&model, &cx.eval(t)?).ok_or_else(|| format!("no value for `{t}`"))).collect()
        }));
        result.unwrap_or_else(|_| Err("internal error in the checker".into()))
    })
}

fn prove(
    init_funcs: &[&Function],
    funcs: &[&Function],
    inv: &ModuleInvariant,
    host: &[FuncRef],
    opts: &Options,
    budget: &Budget,
    stats: &mut Vec<QueryStat>,
) -> Result<(Outcome, Method), String> {
    if let Some(f) = inv.facts.iter().find(|f| !f.is_state_only()) {
        return Err(format!("module invariant fact `{f}` names an SSA value (it may only read the state)"));
    }
    let smt = Smt::new()?;
    let callees = crate::callees_of(opts)?;
    let mut all: Vec<&Function> = init_funcs.iter().chain(funcs).copied().collect();
    all.extend(callees.bodies.values().map(|(f, _)| f));
    let u = Universe::of(&all)?;
    let p = Prover { smt, u, opts, budget, inv, callees };

    // 1. Established by initialization.
    // When the instantiated state already satisfies the invariant, the
    // initialization functions only have to preserve it, like any other
    // function (their loops are then cut, not unrolled); otherwise they
    // run, unrolled, from that state and must end in it.
    let mut preserving: Vec<&Function> = funcs.to_vec();
    if p.holds_at_instantiation(stats)? {
        for f in init_funcs {
            if !preserving.iter().any(|g| std::ptr::eq(*g, *f)) {
                preserving.push(f);
            }
        }
    } else {
        let (background, reach, st, inst_state) = match p.run_init(init_funcs, host, stats)? {
            InitEnd::Ran { background, reach, st, inst_state } => (background, reach, st, inst_state),
            InitEnd::Decided(outcome, method) => return Ok((outcome, method)),
        };
        let bad = and2(&reach, &p.holds(&st, &inst_state)?.not());
        if let Some(m) = p.query("established after initialization", &background, &bad, stats)? {
            let c = counterexample(
                "module invariant: not established by initialization".into(),
                "after initialization",
                &m,
                &st,
                &p.u,
            );
            return Ok((Outcome::Counterexample(c), Method::LoopFree));
        }
    }

    // 2. Preserved by every function. One that writes none of the state
    // the invariant reads keeps it without a query: at its calls, exits
    // and headers that state is what it was at entry, or what the last
    // call returned, and the invariant holds at both by hypothesis.
    let reads = StateRead::of(inv);
    preserving.retain(|f| reads.written_by(f));
    let mut loops = 0;
    for (n, f) in preserving.iter().enumerate() {
        let cfg = CfgInfo::compute(f).map_err(|e| format!("{}: {e}", f.name))?;
        let block = f.entry_block().ok_or_else(|| format!("{} has no blocks", f.name))?;
        let entry = crate::entry_inputs_state(&p.u, &format!("f{n}"));
        let after = AfterCall::new(inv.facts.clone(), entry.st.clone());
        let cuts = CutPlan::headers(&cfg);
        loops += cfg.headers.len();
        // Segments: from the entry, and from every loop header.
        let mut starts: Vec<(String, Start, Vec<Bool>)> = Vec::new();
        let params = crate::param_symbols(f, &format!("f{n}."));
        let mut facts = entry.facts.clone();
        facts.push(p.holds(&entry.st, &entry.st)?);
        starts.push((
            format!("%{} from its entry", f.name),
            Start::new(block, params, BTreeMap::new(), entry.st.clone()),
            facts,
        ));
        for h in &cfg.headers {
            let (hst, mut hfacts) = MachineState::symbolic(&p.u, &format!("f{n}.{h}"));
            let mut hst = hst;
            for (g, d) in &p.u.globals {
                if !d.mutable {
                    hst.globals.insert(*g, entry.st.globals[g].clone());
                }
            }
            hfacts.extend(entry.facts.iter().cloned());
            hfacts.extend(crate::cert::monotone_facts(&hst, &entry.st));
            hfacts.push(p.holds(&hst, &entry.st)?);
            let params: Vec<BV> = f
                .dfg
                .block_params(*h)
                .iter()
                .map(|v| BV::new_const(format!("f{n}.{h}.{v}"), type_bits(f.dfg.value_type(*v))))
                .collect();
            let live = cfg.live_in[h]
                .iter()
                .map(|v| (*v, BV::new_const(format!("f{n}.{h}.{v}"), type_bits(f.dfg.value_type(*v)))))
                .collect();
            starts.push((format!("%{} from loop header {h}", f.name), Start::new(*h, params, live, hst), hfacts));
        }
        for (k, (label, start, facts)) in starts.into_iter().enumerate() {
            let entry_state = entry.st.clone();
            let trace = p.explore(f, &cfg, Mode::Cut, &cuts, &format!("w.f{n}.{k}"), start, Some(&after))?;
            let mut bg = facts;
            bg.extend(trace.facts.iter().cloned());
            bg.extend(crate::sig_facts(&p.u, &[&trace]));
            // Every call, exit and header arrival must have the invariant.
            let mut points: Vec<(Bool, &MachineState, String)> = Vec::new();
            for e in &trace.events {
                points.push((e.reach.clone(), &e.st, format!("at {}", e.what)));
            }
            for e in &trace.exits {
                let what = match &e.kind {
                    ExitKind::Return(_) => format!("at {}", e.what),
                    ExitKind::Trap => e.what.clone(),
                    ExitKind::Cut { block, .. } => format!("on entering loop header {block}"),
                    ExitKind::Bound => {
                        return Err(format!("%{}: calls inlined deeper than the inlining depth", f.name));
                    }
                };
                points.push((e.reach.clone(), &e.st, what));
            }
            let mut bad = Vec::new();
            for (reach, st, _) in &points {
                bad.push(and2(reach, &p.holds(st, &entry_state)?.not()));
            }
            if let Some(m) = p.query(&format!("preserved by {label}"), &bg, &or_all(&bad), stats)? {
                let (_, st, what) = points
                    .iter()
                    .zip(&bad)
                    .find(|(_, b)| m.eval(*b, true).and_then(|v| v.as_bool()).unwrap_or(false))
                    .map(|(p, _)| p)
                    .unwrap_or(&points[0]);
                let c = counterexample(format!("module invariant: not preserved by {label}"), what, &m, st, &p.u);
                return Ok((Outcome::Counterexample(c), Method::Inductive { loops }));
            }
        }
    }
    Ok((Outcome::Proved, Method::Inductive { loops }))
}

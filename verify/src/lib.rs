//! Z3 refinement checking of weft passes: [`check_refinement`] proves that a
//! function after a pass (`tgt`) refines the function before it (`src`), as
//! defined in the design note `VERIFICATION.md`.
//!
//! # What this crate owns
//!
//! - the SMT semantics of every opcode (`semantics.rs`: one exhaustive
//!   `match` on [`weft_ir::Opcode`], no catch-all arm);
//! - the symbolic machine state and the outside world (`state.rs`), the
//!   symbolic executor with path merging, loop cuts and unrolling
//!   (`exec.rs`), the named refinement queries and counterexamples
//!   (`query.rs`), the time budget of a check (`budget.rs`), and the
//!   verdict types ([`Outcome`], [`Report`]);
//! - [`evaluate`], which runs the SMT semantics on concrete inputs, so tests
//!   can compare it with the reference interpreter.
//!
//! It is the only crate that links Z3. It does not decide what to do with a
//! verdict (the pass manager reverts or keeps) and does not trust
//! `weft-ir`'s analyses: control-flow facts are recomputed in `cfg.rs`.
//!
//! # The model
//!
//! Every value is a bit-vector of its wasm bit pattern (`f32` is 32 bits,
//! `v128` is 128 bits, references are 32-bit handles: `0` is null,
//! `ref.func fnN` is `N + 1`). The state is every global (any type), every
//! memory (bytes `BV32 → BV8` plus the size in pages), every table (handles
//! `BV32 → BV32` plus the size), and the dropped flags of data and element
//! segments; it is the union of what either function declares. Memory and
//! table contents are a write log over a base Z3 array (`state::ArrTerm`):
//! stores, ranged writes for bulk operations and `grow`, and `ite`s where
//! paths merge; a read expands into an `ite` chain, so queries stay
//! quantifier-free and avoid Z3's slow array reasoning on byte-wise stores.
//! Per-opcode semantics: `semantics.rs`.
//!
//! An observer sees, in order, the calls a function makes (callee handle,
//! arguments, and the whole state at the call) and then its outcome: a
//! return (values and final state) or a trap (and the state at the trap).
//! Calls are modelled by call order: the `k`-th call of both functions gets
//! the same answer from uninterpreted functions of `k` (results, the new
//! state, whether the callee traps). Answers keep memories and tables from
//! shrinking, dropped segments dropped and immutable globals unchanged.
//! `call_indirect` traps on an index past the table, a null entry, or an
//! entry whose type differs (an uninterpreted predicate per signature,
//! pinned for the functions the declarations name).
//!
//! Paths are merged where they meet (one encoding per block instance), and
//! the exits and calls of each function are merged by kind before the two
//! functions are compared, so a check grows with the size of the functions,
//! not with their number of paths. A call's number is symbolic where paths
//! with different numbers of calls merged; when the path condition fixes it
//! (a run of mutually exclusive `if (v == K) { call }` blocks), an
//! incremental solver settles it to a constant at the call, which keeps
//! the comparison of a long dispatch chain from growing cubically
//! (`exec.rs`, "Event counters"). The comparison is a list of named queries
//! in the order an observer sees things (`event 0`, `event 1`, ...,
//! `outcome`, `results`, `state`); their disjunction is asked first, so a
//! correct function costs one solver call, and the named queries are asked
//! only when it is satisfiable, to name the first difference. See
//! `query.rs`.
//!
//! # NaN policy
//!
//! Float arithmetic whose result is NaN yields the canonical NaN
//! (`0x7fc00000`, `0x7ff8000000000000`) in both functions — one of the
//! results wasm allows, chosen the same way on both sides; the interpreter
//! makes the same choice. `abs`, `neg`, `copysign`, reinterpretations,
//! loads and stores keep bits exactly. Observations of type `f32`/`f64`
//! (return values, call arguments, globals) treat any NaN as equal to any
//! NaN; signed zeros are distinct (bitwise comparison otherwise). Bits that
//! reach memory, a `v128` or an integer are compared exactly. Two
//! consequences: a pass that folds NaN-producing arithmetic into a
//! different (also allowed) NaN constant that is then stored or
//! reinterpreted is reported, conservatively; and because both functions
//! make the same canonical choice, a target whose arithmetic could produce
//! more NaN payloads than the source's is not told apart when those bits
//! reach memory.
//!
//! # Loops
//!
//! Loop headers are the targets of back edges (the CFG must be reducible).
//! If the two functions have the same number of headers and the headers
//! correspond in reverse post-order with equal parameter types, the check
//! is inductive: it cuts both functions at the headers and proves, for the
//! entry segment and for each header, that from equal states (equal header
//! arguments, equal globals/memories/tables, a fresh world) both functions
//! make the same calls and reach the same exit — the same return, trap, or
//! corresponding header with equal arguments and state. Values defined
//! before any loop (in blocks no loop header reaches) keep their exact terms
//! inside loop segments; other values live into a header are matched by
//! value number and proved equal at every entry to the header. Success is
//! [`Outcome::Proved`] (unbounded). The state at a header is any state, so a
//! pass that relies on a fact established before the loop (other than the
//! values themselves) fails the induction and falls back to unrolling.
//!
//! The induction needs the pass to keep header arguments in
//! correspondence. If it does not apply or a segment query is satisfiable,
//! both functions are unrolled from the entry until each header has executed
//! [`Options::unroll_bound`] times; success is
//! [`Outcome::ProvedBounded`] and never [`Outcome::Proved`]. Runs that go
//! past the bound are ignored (so is non-termination); calls both functions
//! make before that are still compared. A bounded proof in which no run of
//! the source finishes within the bound would be vacuous and is reported as
//! `Unknown` instead. A counterexample found while unrolling is a real run.
//! An undecided segment query (timeout) makes the check `Unknown` without
//! unrolling (see below).
//!
//! # What is `Unknown`
//!
//! Solver timeouts (per query, [`Options::timeout_ms`]), Z3 `unknown`
//! (including the optional per-query resource limit
//! [`Options::query_rlimit`]), a spent check budget ([`Options::budget`]),
//! unrolling past [`Options::max_instances`] block instances, a vacuous
//! bounded proof, irreducible control flow, malformed IR (wrong operand
//! types, undeclared entities, missing terminators), differing signatures
//! or declarations, and invalid preconditions. No opcode is unsupported:
//! the semantics is one exhaustive `match` on the opcode with no `_ =>`
//! arm, and `tests/cross_check.rs` runs every opcode against the reference
//! interpreter on random edge-case inputs. A panic inside the checker (a
//! bug) is caught and reported as `Unknown`. `memory.grow` and
//! `table.grow` succeed exactly when the new size is within the maximum;
//! the host's freedom to refuse a grow is not modelled.
//!
//! Undecided queries end the check instead of multiplying its cost: when
//! the combined query of a comparison is `unknown`, the named queries are
//! not asked (they are parts of the same formula; on real functions they
//! timed out as well), and when an inductive segment is undecided the check
//! is `Unknown` without falling back to unrolling, whose queries contain the
//! same segments repeated (and whose exploration alone could take minutes
//! and gigabytes on allocator-sized functions). A satisfiable segment still
//! falls back to unrolling, which may find a real counterexample. The whole
//! check has a wall-clock budget, by default [`Options::BUDGET_TIMEOUTS`]
//! query timeouts: each query's timeout is cut to what is left of it, and
//! exploration stops between block instances once it is spent. A check
//! that runs out is `Unknown` and says so — never `Proved`, and a
//! counterexample is only reported from a satisfying model, which is a real
//! run whatever the time left. Z3 may overrun a timeout while it
//! preprocesses a large query, so the budget bounds a check's time only up
//! to that overrun.
//!
//! # Preconditions
//!
//! A module pass may state facts the check assumes ([`Precondition`]: a
//! parameter is one of a set of constants or in a range, a global holds one
//! of a set of values at entry). They are asserted on the entry inputs,
//! listed in [`Report::assumptions`] and in every counterexample.
//!
//! # Determinism and contexts
//!
//! Each check runs in its own Z3 context (`z3::with_z3_config`: z3 0.22 keeps
//! a thread-local context, which is swapped for the duration of the check).
//! Symbols have fixed names and queries are issued in a fixed order, so the
//! same input gives the same verdict (up to timeouts and the budget, which
//! depend on the machine and its load; [`Options::query_rlimit`] does not).

#![deny(missing_docs)]

mod budget;
mod cfg;
mod eval;
mod exec;
pub mod module_check;
mod options;
mod outcome;
mod pathcond;
mod query;
mod semantics;
mod smt;
mod state;
mod typing;

pub use eval::{ConcreteInputs, ConcreteOutcome, ConcreteRun, evaluate};
pub use module_check::{IndexCertificate, ModuleCheckError, ModuleCheckReport, check_module_edit};
pub use options::{Options, Precondition};
pub use outcome::{Counterexample, Method, Outcome, PinStats, QueryStat, Report};

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use weft_ir::{Block, Function, Type, Value};
use z3::ast::{BV, Bool};
use z3::{Config, SatResult, Solver, with_z3_config};

use crate::budget::Budget;
use crate::cfg::CfgInfo;
use crate::exec::{CountPinner, ExitKind, Explorer, Mode, Start, Trace, def_block};
use crate::query::{QueryCx, Verdict, compare};
use crate::smt::Smt;
use crate::state::{MachineState, Universe, World, sig_check, type_bits};

/// Proves `tgt ⊑ src`: every behaviour of `tgt` is one `src` can show.
pub fn check_refinement(src: &Function, tgt: &Function, opts: &Options) -> Outcome {
    check_refinement_report(src, tgt, opts).outcome
}

/// [`check_refinement`] with the method used, the assumptions and the
/// timing of every query.
pub fn check_refinement_report(src: &Function, tgt: &Function, opts: &Options) -> Report {
    let start = Instant::now();
    let mut cfg = Config::new();
    cfg.set_model_generation(true);
    let mut report = with_z3_config(&cfg, || {
        let mut report = Report {
            outcome: Outcome::Unknown("not run".into()),
            method: Method::None,
            assumptions: opts.preconditions.iter().map(|p| p.describe(src)).collect(),
            queries: Vec::new(),
            pinning: PinStats::default(),
            millis: 0,
        };
        let budget = Budget::start(opts);
        let result = catch_unwind(AssertUnwindSafe(|| run_check(src, tgt, opts, &budget, &mut report)));
        match result {
            Ok(Ok((outcome, method))) => {
                report.outcome = outcome;
                report.method = method;
            }
            Ok(Err(why)) => report.outcome = Outcome::Unknown(why),
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                report.outcome = Outcome::Unknown(format!("internal error in the checker: {msg}"));
            }
        }
        report
    });
    if let Outcome::Counterexample(c) = &mut report.outcome {
        c.assumptions = report.assumptions.clone();
    }
    report.millis = start.elapsed().as_millis();
    report
}

/// Symbols shared by both functions at the entry.
pub(crate) struct EntryInputs {
    pub params: Vec<BV>,
    pub st: MachineState,
    pub facts: Vec<Bool>,
}

pub(crate) fn entry_inputs(func: &Function, u: &Universe) -> EntryInputs {
    let params =
        func.sig.params.iter().enumerate().map(|(i, ty)| BV::new_const(format!("param{i}"), type_bits(*ty))).collect();
    let (st, facts) = MachineState::symbolic(u, "init");
    EntryInputs { params, st, facts }
}

fn check_entry_params(func: &Function, which: &str) -> Result<(), String> {
    let entry = func.entry_block().ok_or_else(|| format!("{which} has no blocks"))?;
    let tys = func.dfg.block_param_types(entry);
    if tys != func.sig.params {
        return Err(format!("{which}: the entry block's parameters do not match the signature"));
    }
    Ok(())
}

fn precondition_facts(src: &Function, opts: &Options, entry: &EntryInputs) -> Result<Vec<Bool>, String> {
    use crate::options::Precondition as P;
    let mut facts = Vec::new();
    for p in &opts.preconditions {
        let param = |i: usize| {
            entry.params.get(i).ok_or_else(|| {
                format!("precondition `{}` names a parameter the function does not have", p.describe(src))
            })
        };
        match p {
            P::ParamIn { param: i, values } => {
                let x = param(*i)?;
                facts.push(or_eq(x, values, x.get_size()));
            }
            P::ParamRange { param: i, min, max, signed } => {
                let x = param(*i)?;
                let w = x.get_size();
                let (lo, hi) = (BV::from_i64(*min, w), BV::from_i64(*max, w));
                facts.push(if *signed {
                    Bool::and(&[x.bvsge(&lo), x.bvsle(&hi)])
                } else {
                    Bool::and(&[x.bvuge(&lo), x.bvule(&hi)])
                });
            }
            P::GlobalAtEntryIn { global, values } => {
                let x = entry
                    .st
                    .globals
                    .get(global)
                    .ok_or_else(|| format!("precondition `{}` names an undeclared global", p.describe(src)))?;
                facts.push(or_eq(x, values, x.get_size()));
            }
        }
    }
    Ok(facts)
}

fn or_eq(x: &BV, values: &[i64], w: u32) -> Bool {
    let eqs: Vec<Bool> = values.iter().map(|v| x.eq(BV::from_i64(*v, w))).collect();
    exec::or_all(&eqs)
}

/// `has_type` facts for every function handle the declarations name.
pub(crate) fn sig_facts(u: &Universe, traces: &[&Trace]) -> Vec<Bool> {
    let mut sigs = Vec::new();
    for t in traces {
        for s in &t.indirect_sigs {
            if !sigs.contains(s) {
                sigs.push(s.clone());
            }
        }
    }
    let mut facts = Vec::new();
    for s in &sigs {
        for (id, fsig) in &u.func_sigs {
            let h = BV::from_u64(u64::from(*id) + 1, 32);
            let holds = sig_check(s, &h);
            facts.push(if fsig == s { holds } else { holds.not() });
        }
    }
    facts
}

struct Side<'a> {
    func: &'a Function,
    cfg: CfgInfo,
}

/// One check in progress: the two functions and everything shared by their
/// explorations and comparisons.
struct Session<'a> {
    smt: Smt,
    u: &'a Universe,
    opts: &'a Options,
    s: Side<'a>,
    t: Side<'a>,
    entry: &'a EntryInputs,
    /// Entry facts and preconditions.
    background: Vec<Bool>,
    /// Settles event counters during exploration, under `background`.
    pinner: CountPinner,
    cx: QueryCx<'a>,
    stats: Vec<QueryStat>,
}

impl Session<'_> {
    fn side(&self, src: bool) -> &Side<'_> {
        if src { &self.s } else { &self.t }
    }

    fn explore(
        &self,
        src: bool,
        world: &str,
        mode: Mode,
        cut_live: &BTreeMap<usize, Vec<Value>>,
        start: Start,
    ) -> Result<Trace, String> {
        let side = self.side(src);
        let ex = Explorer {
            smt: &self.smt,
            u: self.u,
            func: side.func,
            cfg: &side.cfg,
            world: World::new(world),
            mode,
            max_instances: self.opts.max_instances,
            cut_live,
            pinner: Some(&self.pinner),
            budget: Some(self.cx.budget),
            trace: Trace::default(),
        };
        ex.run(start).map_err(|e| format!("{}: {e}", if src { "source" } else { "target" }))
    }

    /// Explores both functions from their entries.
    fn explore_entries(&self, mode: Mode, cut_live: &BTreeMap<usize, Vec<Value>>) -> Result<(Trace, Trace), String> {
        let start = |side: &Side<'_>| Start {
            block: side.func.entry_block().expect("checked"),
            params: self.entry.params.clone(),
            live: BTreeMap::new(),
            st: self.entry.st.clone(),
        };
        let ts = self.explore(true, "w.entry", mode, cut_live, start(&self.s))?;
        let tt = self.explore(false, "w.entry", mode, cut_live, start(&self.t))?;
        Ok((ts, tt))
    }

    fn compare(&mut self, label: &str, ts: &Trace, tt: &Trace, extra: Vec<Bool>) -> Verdict {
        let mut bg = self.background.clone();
        bg.extend(extra);
        bg.extend(sig_facts(self.u, &[ts, tt]));
        compare(label, ts, tt, &bg, &self.cx, &mut self.stats)
    }

    /// Is `f` satisfiable with the background and `trace`'s facts?
    /// `Err` when the budget is spent before the query could run.
    fn satisfiable(&mut self, label: &str, f: &Bool, trace: &Trace) -> Result<SatResult, String> {
        let Some(timeout) = self.cx.budget.query_timeout_ms() else {
            return Err(self.cx.budget.exhausted(&format!("before query `{label}`")));
        };
        let solver = Solver::new();
        solver.set_params(&query::query_params(timeout, self.opts.query_rlimit));
        for b in self.background.iter().chain(&trace.facts).chain(&sig_facts(self.u, &[trace])) {
            solver.assert(b);
        }
        solver.assert(f);
        let start = Instant::now();
        let r = solver.check();
        let result = match r {
            SatResult::Sat => "sat",
            SatResult::Unsat => "unsat",
            SatResult::Unknown => "unknown",
        };
        self.stats.push(QueryStat { name: label.into(), millis: start.elapsed().as_millis(), result: result.into() });
        Ok(r)
    }

    fn run(&mut self) -> Result<(Outcome, Method), String> {
        let no_live = BTreeMap::new();
        let loops = self.s.cfg.headers.len().max(self.t.cfg.headers.len());
        if loops == 0 {
            let (ts, tt) = self.explore_entries(Mode::Cut, &no_live)?;
            return Ok(match self.compare("entry", &ts, &tt, Vec::new()) {
                Verdict::Holds => (Outcome::Proved, Method::LoopFree),
                Verdict::Fails(c) => (Outcome::Counterexample(c), Method::LoopFree),
                Verdict::Unknown(why) => (Outcome::Unknown(why), Method::LoopFree),
            });
        }
        let reason = match self.inductive() {
            Ok(Induction::Proved) => return Ok((Outcome::Proved, Method::Inductive { loops })),
            Ok(Induction::Fails(why)) => why,
            Ok(Induction::Unknown(why)) => {
                // Unrolling encodes the same segments several times over:
                // when the solver could not decide one of them, the unrolled
                // queries are larger still (and unrolled exploration alone
                // can take minutes), so the check stops here.
                let why = format!(
                    "{why}; bounded unrolling not tried (it encodes the same segments, repeated, in larger queries)"
                );
                return Ok((Outcome::Unknown(why), Method::Inductive { loops }));
            }
            Err(why) if self.cx.budget.spent() => return Err(why),
            Err(why) => why,
        };
        // Bounded unrolling from the entry.
        let k = self.opts.unroll_bound;
        let (ts, tt) = self.explore_entries(Mode::Unroll(k), &no_live)?;
        let method = Method::Unrolled { bound: k, reason: reason.clone() };
        Ok(match self.compare("unrolled", &ts, &tt, Vec::new()) {
            Verdict::Holds => {
                // A bounded proof where no run of the source finishes within
                // the bound would be vacuous.
                let finishes: Vec<Bool> =
                    ts.exits.iter().filter(|e| !matches!(e.kind, ExitKind::Bound)).map(|e| e.reach.clone()).collect();
                match self.satisfiable("unrolled: a source run finishes", &exec::or_all(&finishes), &ts) {
                    Ok(SatResult::Sat) => (Outcome::ProvedBounded(k), method),
                    Ok(SatResult::Unsat) => (
                        Outcome::Unknown(format!(
                            "no run of the source finishes within {k} executions of each loop header, so unrolling \
                             proves nothing ({reason})"
                        )),
                        method,
                    ),
                    Ok(SatResult::Unknown) => (
                        Outcome::Unknown(format!("cannot tell whether any run finishes within {k} header executions")),
                        method,
                    ),
                    Err(why) => (Outcome::Unknown(why), method),
                }
            }
            Verdict::Fails(mut c) => {
                c.bound = Some(k);
                (Outcome::Counterexample(c), method)
            }
            Verdict::Unknown(why) => (Outcome::Unknown(why), method),
        })
    }

    /// The inductive proof over corresponding loop headers.
    fn inductive(&mut self) -> Result<Induction, String> {
        let (hs, ht) = (self.s.cfg.headers.clone(), self.t.cfg.headers.clone());
        if hs.len() != ht.len() {
            return Ok(Induction::Fails(format!("the source has {} loop headers, the target {}", hs.len(), ht.len())));
        }
        for (a, b) in hs.iter().zip(&ht) {
            if self.s.func.dfg.block_param_types(*a) != self.t.func.dfg.block_param_types(*b) {
                return Ok(Induction::Fails(format!("loop headers {a} and {b} take different parameters")));
            }
        }
        // Values live into each header that neither side defines before all
        // loops, present on both sides with the same type: tracked at cuts.
        let pre_loop =
            |side: &Side<'_>, v: Value| def_block(side.func, v).is_some_and(|b| side.cfg.pre_loop.contains(&b));
        let mut cut_live: BTreeMap<usize, Vec<Value>> = BTreeMap::new();
        for (i, (a, b)) in hs.iter().zip(&ht).enumerate() {
            let (la, lb) = (&self.s.cfg.header_live_in[a], &self.t.cfg.header_live_in[b]);
            let (sf, tf) = (self.s.func, self.t.func);
            let matched = la
                .iter()
                .filter(|v| {
                    lb.contains(v)
                        && tf.dfg.value_is_valid(**v)
                        && sf.dfg.value_type(**v) == tf.dfg.value_type(**v)
                        && !pre_loop(&self.s, **v)
                        && !pre_loop(&self.t, **v)
                })
                .copied()
                .collect();
            cut_live.insert(i, matched);
        }
        let (es, et) = self.explore_entries(Mode::Cut, &cut_live)?;
        match self.compare("entry segment", &es, &et, Vec::new()) {
            Verdict::Holds => {}
            Verdict::Fails(c) => return Ok(Induction::Fails(format!("the entry segment differs at `{}`", c.query))),
            Verdict::Unknown(why) => return Ok(Induction::Unknown(format!("the entry segment is unknown: {why}"))),
        }
        for (i, (a, b)) in hs.iter().zip(&ht).enumerate() {
            let (st, facts) = MachineState::symbolic(self.u, &format!("h{i}"));
            let params: Vec<BV> = self
                .s
                .func
                .dfg
                .block_params(*a)
                .iter()
                .enumerate()
                .map(|(j, p)| BV::new_const(format!("h{i}.p{j}"), type_bits(self.s.func.dfg.value_type(*p))))
                .collect();
            // Live-in values: exact terms when defined before all loops,
            // shared symbols when matched, side-specific symbols otherwise.
            let live_of = |side: &Side<'_>, entry_trace: &Trace, header: Block, tag: &str| {
                let mut live = BTreeMap::new();
                for v in &side.cfg.header_live_in[&header] {
                    let ty = side.func.dfg.value_type(*v);
                    let term = match entry_trace.defs.get(v) {
                        Some(term) if pre_loop(side, *v) => term.clone(),
                        _ if cut_live[&i].contains(v) => BV::new_const(format!("h{i}.{v}"), type_bits(ty)),
                        _ => BV::new_const(format!("h{i}.{tag}.{v}"), type_bits(ty)),
                    };
                    live.insert(*v, term);
                }
                live
            };
            let ss =
                Start { block: *a, params: params.clone(), live: live_of(&self.s, &es, *a, "src"), st: st.clone() };
            let stt = Start { block: *b, params, live: live_of(&self.t, &et, *b, "tgt"), st };
            let world = format!("w.h{i}");
            let ts = self.explore(true, &world, Mode::Cut, &cut_live, ss)?;
            let tt = self.explore(false, &world, Mode::Cut, &cut_live, stt)?;
            match self.compare(&format!("loop {i} ({a})"), &ts, &tt, facts) {
                Verdict::Holds => {}
                Verdict::Fails(c) => {
                    return Ok(Induction::Fails(format!(
                        "the inductive step at loop header {a} fails at `{}`",
                        c.query
                    )));
                }
                Verdict::Unknown(why) => {
                    return Ok(Induction::Unknown(format!("the inductive step at loop header {a} is unknown: {why}")));
                }
            }
        }
        Ok(Induction::Proved)
    }
}

/// How the inductive proof ended.
enum Induction {
    Proved,
    /// It does not apply, or a segment query is satisfiable: unrolling may
    /// still prove a bound or find a real counterexample.
    Fails(String),
    /// A segment query was not decided (timeout, budget).
    Unknown(String),
}

fn run_check(
    src: &Function,
    tgt: &Function,
    opts: &Options,
    budget: &Budget,
    report: &mut Report,
) -> Result<(Outcome, Method), String> {
    if src.sig != tgt.sig {
        return Err(format!("signatures differ: source {}, target {}", src.sig, tgt.sig));
    }
    check_entry_params(src, "source")?;
    check_entry_params(tgt, "target")?;
    let smt = Smt::new()?;
    let u = Universe::of(&[src, tgt])?;
    let s = Side { func: src, cfg: CfgInfo::compute(src).map_err(|e| format!("source: {e}"))? };
    let t = Side { func: tgt, cfg: CfgInfo::compute(tgt).map_err(|e| format!("target: {e}"))? };
    let entry = entry_inputs(src, &u);
    let pre = precondition_facts(src, opts, &entry)?;
    let src_entry = src.entry_block().expect("checked");
    let params: Vec<(String, Type, BV)> = src
        .dfg
        .block_params(src_entry)
        .iter()
        .zip(&entry.params)
        .map(|(v, bv)| (v.to_string(), src.dfg.value_type(*v), bv.clone()))
        .collect();
    let header_names = s.cfg.headers.iter().map(|h| h.to_string()).collect();
    let cx = QueryCx { params, st: &entry.st, u: &u, header_names, budget, rlimit: opts.query_rlimit };
    let mut background = entry.facts.clone();
    background.extend(pre);
    let pinner = CountPinner::new(&background);
    let mut session = Session { smt, u: &u, opts, s, t, entry: &entry, background, pinner, cx, stats: Vec::new() };
    let result = session.run();
    report.queries = std::mem::take(&mut session.stats);
    report.pinning = session.pinner.stats();
    result
}

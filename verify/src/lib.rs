//! Z3 refinement checking of weft passes: [`check_refinement`] proves that a
//! function after a pass (`tgt`) refines the function before it (`src`), as
//! defined in `docs/design/VERIFICATION.md`.
//!
//! # What this crate owns
//!
//! - the SMT semantics of every opcode (`semantics.rs`: one exhaustive
//!   `match` on [`weft_ir::Opcode`], no catch-all arm);
//! - the symbolic machine state and the outside world (`state.rs`), the
//!   symbolic executor with path merging, loop cuts and unrolling
//!   (`exec.rs`), the named refinement queries and counterexamples
//!   (`query.rs`), and the verdict types ([`Outcome`], [`Report`]);
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
//! memory as an array `BV32 → BV8` with its size in pages, every table as an
//! array `BV32 → handle` with its size, and the dropped flags of data and
//! element segments; it is the union of what either function declares.
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
//! pinned for the functions the declarations name). Comparing two traces is
//! a list of named queries; see `query.rs`.
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
//! reach memory or an integer are compared exactly, so a pass that changes
//! which NaN is stored is reported; a target whose arithmetic NaN differs
//! from the source's canonical NaN in memory is not (both are canonical).
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
//! before any loop keep their exact terms inside loop segments; other
//! values live into a header are matched by value number and proved equal
//! at every entry to the header. Success is [`Outcome::Proved`] (unbounded).
//!
//! The induction needs the pass to keep header arguments in
//! correspondence. If it does not apply or a segment query fails, both
//! functions are unrolled from the entry until each header has executed
//! [`Options::unroll_bound`] times; success is
//! [`Outcome::ProvedBounded`] and never [`Outcome::Proved`]. Runs that go
//! past the bound are ignored (so is non-termination); calls both functions
//! make before that are still compared. A counterexample found while
//! unrolling is a real run.
//!
//! # What is `Unknown`
//!
//! Solver timeouts (per query, [`Options::timeout_ms`]), Z3 `unknown`,
//! unrolling past [`Options::max_instances`] block instances, irreducible
//! control flow, malformed IR (wrong operand types, undeclared entities,
//! missing terminators), differing signatures or declarations, and
//! invalid preconditions. No opcode is unsupported. `memory.grow` and
//! `table.grow` succeed exactly when the new size is within the maximum;
//! the host's freedom to refuse a grow is not modelled.
//!
//! # Determinism and contexts
//!
//! Each check runs in its own Z3 context (`z3::with_z3_config`: z3 0.22 keeps
//! a thread-local context, which is swapped for the duration of the check).
//! Symbols have fixed names and queries are issued in a fixed order, so the
//! same input gives the same verdict (up to timeouts).

#![deny(missing_docs)]

mod cfg;
mod eval;
mod exec;
mod options;
mod outcome;
mod query;
mod semantics;
mod smt;
mod state;
mod typing;

pub use eval::{ConcreteInputs, ConcreteOutcome, ConcreteRun, evaluate};
pub use options::{Options, Precondition};
pub use outcome::{Counterexample, Method, Outcome, QueryStat, Report};

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use weft_ir::{Function, Type, Value};
use z3::ast::{BV, Bool};
use z3::{Config, with_z3_config};

use crate::cfg::CfgInfo;
use crate::exec::{Explorer, Mode, Start, Trace, def_block};
use crate::query::{Inputs, Verdict, compare};
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
            millis: 0,
        };
        let result = catch_unwind(AssertUnwindSafe(|| run_check(src, tgt, opts, &mut report)));
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
    let params = func.sig.params.iter().enumerate().map(|(i, ty)| BV::new_const(format!("param{i}"), type_bits(*ty))).collect();
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
            entry
                .params
                .get(i)
                .ok_or_else(|| format!("precondition `{}` names a parameter the function does not have", p.describe(src)))
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
fn sig_facts(u: &Universe, traces: &[&Trace]) -> Vec<Bool> {
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

fn explore(
    smt: &Smt,
    u: &Universe,
    side: &Side<'_>,
    world: &str,
    mode: Mode,
    opts: &Options,
    cut_live: &BTreeMap<usize, Vec<Value>>,
    start: Start,
    which: &str,
) -> Result<Trace, String> {
    let ex = Explorer {
        smt,
        u,
        func: side.func,
        cfg: &side.cfg,
        world: World::new(world),
        mode,
        max_instances: opts.max_instances,
        cut_live,
        trace: Trace::default(),
    };
    ex.run(start).map_err(|e| format!("{which}: {e}"))
}

fn run_check(src: &Function, tgt: &Function, opts: &Options, report: &mut Report) -> Result<(Outcome, Method), String> {
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
    let tgt_entry = tgt.entry_block().expect("checked");
    let param_names: Vec<(String, Type, BV)> = src
        .dfg
        .block_params(src_entry)
        .iter()
        .zip(&entry.params)
        .map(|(v, bv)| (v.to_string(), src.dfg.value_type(*v), bv.clone()))
        .collect();
    let inputs = Inputs { params: param_names, st: &entry.st, u: &u };
    let header_names: Vec<String> = s.cfg.headers.iter().map(|h| h.to_string()).collect();
    let entry_start = |block| Start {
        block,
        params: entry.params.clone(),
        live: BTreeMap::new(),
        st: entry.st.clone(),
    };
    let mut background: Vec<Bool> = entry.facts.clone();
    background.extend(pre.iter().cloned());

    let no_live = BTreeMap::new();
    let loops = s.cfg.headers.len().max(t.cfg.headers.len());
    if loops == 0 {
        let ts = explore(&smt, &u, &s, "w.entry", Mode::Cut, opts, &no_live, entry_start(src_entry), "source")?;
        let tt = explore(&smt, &u, &t, "w.entry", Mode::Cut, opts, &no_live, entry_start(tgt_entry), "target")?;
        let mut bg = background.clone();
        bg.extend(sig_facts(&u, &[&ts, &tt]));
        return Ok(match compare("entry", &ts, &tt, &bg, &inputs, &header_names, opts.timeout_ms, &mut report.queries) {
            Verdict::Holds => (Outcome::Proved, Method::LoopFree),
            Verdict::Fails(c) => (Outcome::Counterexample(c), Method::LoopFree),
            Verdict::Unknown(why) => (Outcome::Unknown(why), Method::LoopFree),
        });
    }

    let reason = match inductive(&smt, &u, &s, &t, opts, &entry, &background, &inputs, &header_names, report) {
        Ok(None) => return Ok((Outcome::Proved, Method::Inductive { loops })),
        Ok(Some(why)) => why,
        Err(why) => why,
    };

    // Bounded unrolling from the entry.
    let k = opts.unroll_bound;
    let mode = Mode::Unroll(k);
    let ts = explore(&smt, &u, &s, "w.entry", mode, opts, &no_live, entry_start(src_entry), "source")?;
    let tt = explore(&smt, &u, &t, "w.entry", mode, opts, &no_live, entry_start(tgt_entry), "target")?;
    let mut bg = background;
    bg.extend(sig_facts(&u, &[&ts, &tt]));
    let method = Method::Unrolled { bound: k, reason };
    Ok(match compare("unrolled", &ts, &tt, &bg, &inputs, &header_names, opts.timeout_ms, &mut report.queries) {
        Verdict::Holds => (Outcome::ProvedBounded(k), method),
        Verdict::Fails(mut c) => {
            c.bound = Some(k);
            (Outcome::Counterexample(c), method)
        }
        Verdict::Unknown(why) => (Outcome::Unknown(why), method),
    })
}

/// The inductive proof over corresponding loop headers. `Ok(None)` when it
/// holds, `Ok(Some(why))` when it does not apply or fails.
#[allow(clippy::too_many_arguments)]
fn inductive(
    smt: &Smt,
    u: &Universe,
    s: &Side<'_>,
    t: &Side<'_>,
    opts: &Options,
    entry: &EntryInputs,
    background: &[Bool],
    inputs: &Inputs<'_>,
    header_names: &[String],
    report: &mut Report,
) -> Result<Option<String>, String> {
    let (hs, ht) = (&s.cfg.headers, &t.cfg.headers);
    if hs.len() != ht.len() {
        return Ok(Some(format!("the source has {} loop headers, the target {}", hs.len(), ht.len())));
    }
    for (a, b) in hs.iter().zip(ht) {
        if s.func.dfg.block_param_types(*a) != t.func.dfg.block_param_types(*b) {
            return Ok(Some(format!("loop headers {a} and {b} take different parameters")));
        }
    }
    // Values live into each header that neither side defines before all
    // loops, present on both sides with the same type: tracked at cuts.
    let pre_loop = |side: &Side<'_>, v: Value| def_block(side.func, v).is_some_and(|b| side.cfg.pre_loop.contains(&b));
    let mut cut_live: BTreeMap<usize, Vec<Value>> = BTreeMap::new();
    for (i, (a, b)) in hs.iter().zip(ht).enumerate() {
        let (la, lb) = (&s.cfg.header_live_in[a], &t.cfg.header_live_in[b]);
        let matched = la
            .iter()
            .filter(|v| {
                lb.contains(v)
                    && t.func.dfg.value_is_valid(**v)
                    && s.func.dfg.value_type(**v) == t.func.dfg.value_type(**v)
                    && !pre_loop(s, **v)
                    && !pre_loop(t, **v)
            })
            .copied()
            .collect();
        cut_live.insert(i, matched);
    }
    let start_of = |side: &Side<'_>| Start {
        block: side.func.entry_block().expect("checked"),
        params: entry.params.clone(),
        live: BTreeMap::new(),
        st: entry.st.clone(),
    };
    let es = explore(smt, u, s, "w.entry", Mode::Cut, opts, &cut_live, start_of(s), "source")?;
    let et = explore(smt, u, t, "w.entry", Mode::Cut, opts, &cut_live, start_of(t), "target")?;
    let mut bg = background.to_vec();
    bg.extend(sig_facts(u, &[&es, &et]));
    match compare("entry segment", &es, &et, &bg, inputs, header_names, opts.timeout_ms, &mut report.queries) {
        Verdict::Holds => {}
        Verdict::Fails(c) => return Ok(Some(format!("the entry segment differs at `{}`", c.query))),
        Verdict::Unknown(why) => return Ok(Some(format!("the entry segment is unknown: {why}"))),
    }
    for (i, (a, b)) in hs.iter().zip(ht).enumerate() {
        let (st, facts) = MachineState::symbolic(u, &format!("h{i}"));
        let params: Vec<BV> = s
            .func
            .dfg
            .block_params(*a)
            .iter()
            .enumerate()
            .map(|(j, p)| BV::new_const(format!("h{i}.p{j}"), type_bits(s.func.dfg.value_type(*p))))
            .collect();
        let live_of = |side: &Side<'_>, entry_trace: &Trace, header, tag: &str| -> BTreeMap<Value, BV> {
            let mut live = BTreeMap::new();
            for v in &side.cfg.header_live_in[&header] {
                let ty = side.func.dfg.value_type(*v);
                let term = if pre_loop(side, *v)
                    && let Some(term) = entry_trace.defs.get(v)
                {
                    term.clone()
                } else if cut_live[&i].contains(v) {
                    BV::new_const(format!("h{i}.{v}"), type_bits(ty))
                } else {
                    BV::new_const(format!("h{i}.{tag}.{v}"), type_bits(ty))
                };
                live.insert(*v, term);
            }
            live
        };
        let ss = Start { block: *a, params: params.clone(), live: live_of(s, &es, *a, "src"), st: st.clone() };
        let stt = Start { block: *b, params, live: live_of(t, &et, *b, "tgt"), st };
        let world = format!("w.h{i}");
        let ts = explore(smt, u, s, &world, Mode::Cut, opts, &cut_live, ss, "source")?;
        let tt = explore(smt, u, t, &world, Mode::Cut, opts, &cut_live, stt, "target")?;
        let mut bg = background.to_vec();
        bg.extend(facts);
        bg.extend(sig_facts(u, &[&ts, &tt]));
        let label = format!("loop {i} ({a})");
        match compare(&label, &ts, &tt, &bg, inputs, header_names, opts.timeout_ms, &mut report.queries) {
            Verdict::Holds => {}
            Verdict::Fails(c) => {
                return Ok(Some(format!("the inductive step at loop header {a} fails at `{}`", c.query)));
            }
            Verdict::Unknown(why) => return Ok(Some(format!("the inductive step at loop header {a} is unknown: {why}"))),
        }
    }
    Ok(None)
}

//! Z3 refinement checking of weft passes: [`check_refinement`] proves that a
//! function after a pass (`tgt`) refines the function before it (`src`), as
//! defined in the design note `../shared/design/VERIFICATION.md` (beside the
//! project root, not in this repository).
//!
//! # What this crate owns
//!
//! - the SMT semantics of every opcode (`semantics.rs`: one exhaustive
//!   `match` on [`weft_ir::Opcode`], no catch-all arm);
//! - the symbolic machine state and the outside world (`state.rs`), the
//!   symbolic executor with path merging, loop cuts, unrolling, the world's
//!   choices and inlining (`exec.rs`), the named refinement queries and
//!   counterexamples (`query.rs`), the inductive proof over cut pairs and
//!   the inference of relations (`sync.rs`), the time budget of a check
//!   (`budget.rs`), and the verdict types ([`Outcome`], [`Report`]);
//! - certificates ([`Certificate`]: loop correspondences, facts at cut
//!   points, module invariants; `cert.rs`) and the proof of module
//!   invariants ([`prove_module_invariant`]; `invariant.rs`);
//! - checks written as text ([`text`]: the directives of `.ir` check files
//!   that `weft check` and `test refine` read);
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
//! segments; it is the union of what either function (and the callees
//! given) declares. Memory and table contents are a write log over a base
//! Z3 array (`state::ArrTerm`): stores, ranged writes for bulk operations
//! and `grow`, and `ite`s where paths merge; a read expands into an `ite`
//! chain, so queries stay quantifier-free and avoid Z3's slow array
//! reasoning on byte-wise stores; the chain skips a store whose index is
//! the read's term plus another constant (`x + 3` never meets `x + 5`), and
//! two memories written at the same such indices over one array are
//! compared store by store. Per-opcode semantics: `semantics.rs`.
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
//! pinned for the functions the declarations name). A direct call of a
//! function whose body the check is given ([`Options::callees`], loop-free)
//! is executed in place instead, in both functions, up to
//! [`Options::inline_depth`] nested calls (a run that goes deeper is not
//! compared, so the verdict is then at best bounded).
//!
//! The world also decides whether each `memory.grow` and `table.grow`
//! succeeds: wasm lets any grow fail, even by 0 pages. The `k`-th grow of
//! both functions gets the world's choice `k`; a source grow past the
//! target's last one succeeds (a witness: the source could have succeeded),
//! so a target that introduces a grow, or moves one to where its result
//! matters, is refuted, and `memory.grow 0 → memory.size` is proved.
//! Indexing the choices by order is conservative: two grows swapped, or an
//! unused grow removed, are reported although a host could not tell. With
//! [`Options::assume_grow_succeeds`] every grow whose new size fits
//! succeeds (listed in [`Report::assumptions`]).
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
//! [`Options::nan`] chooses. [`NanMode::Permissive`] (the default, what the
//! pass pipeline uses): float arithmetic whose result is NaN yields the
//! canonical NaN (`0x7fc00000`, `0x7ff8000000000000`) in both functions —
//! one of the results wasm allows, chosen the same way on both sides; the
//! interpreter makes the same choice. `abs`, `neg`, `copysign`,
//! reinterpretations, loads and stores keep bits exactly. Observations of
//! type `f32`/`f64` (return values, call arguments, globals) treat any NaN
//! as equal to any NaN; signed zeros are distinct (bitwise comparison
//! otherwise); bits that reach memory, a `v128` or an integer, and the
//! state at loop cut points, are compared exactly. This accepts rewrites
//! that change which NaN comes out (`x - 0.0 → x`,
//! `f32.demote(f64.promote(x)) → x`).
//!
//! [`NanMode::Exact`] is the spec's reading: each NaN that float arithmetic
//! produces is the world's choice among the NaNs wasm allows there (a quiet
//! NaN of either sign; the canonical payload unless an operand is a NaN
//! without it), indexed like calls; the target's choices are any allowed
//! ones, and the source takes the target's choice of the same index when
//! it is allowed for the source's operation (else the canonical NaN), so a
//! target NaN must be one the source could produce. Every observation is
//! compared bit for bit. `x - 0.0 → x` and the promote/demote round trip
//! are refuted (a signalling NaN input comes back quiet from the source).
//! Indexing by order is conservative: a pass that removes a NaN-producing
//! operation before another on the same path (dead code) is reported.
//!
//! No pass of the pipeline relies on the permissive policy to rewrite NaN
//! bits: `sccp` does not fold an operation whose result is a NaN, and
//! `copy-prop` has no float identities (see their module docs). What the
//! permissive policy accepts that exact mode would report is the order of
//! NaN choices when `dce` deletes unused float arithmetic.
//!
//! # Loops
//!
//! Loop headers are the targets of back edges (the CFG must be reducible).
//! A loop is proved by induction over cut pairs (`sync.rs`): both functions
//! are cut at corresponding blocks; from the entry, and from every pair
//! with the two functions in one shared symbolic state and related values,
//! every loop-free segment must make the same calls and reach matching
//! exits — the same return or trap, or a pair whose relation holds again.
//! The state at a pair is any state consistent with what cannot change:
//! immutable globals keep their entry values, memories and tables are at
//! least as large as at entry, dropped segments stay dropped, proved module
//! invariants hold. Values defined before any loop keep their exact terms.
//! Success is [`Outcome::Proved`] (unbounded).
//!
//! The pairs come from the certificate ([`Certificate::correspondence`]),
//! else the checker tries the loop headers paired in reverse post-order
//! with equal parameters and equal same-numbered live values
//! ([`Method::Inductive`]). When that proof fails, the functions are
//! unrolled from the entry until each header has executed
//! [`Options::unroll_bound`] times: a difference found is a real
//! counterexample. If none is found, the checker infers relations for the
//! header pairing and for the alignments peeling and rotation produce
//! (Houdini over candidate equalities: strength-reduced induction
//! variables, loop-invariant values, memory loaded before the loop, sizes
//! and globals the loop does not change), proves the first that holds
//! ([`Method::Relational`]), and otherwise unrolls again to
//! [`Options::unroll_retry_bound`], so a difference a few iterations later
//! is still found. What is left is [`Outcome::ProvedBounded`], never
//! [`Outcome::Proved`]: runs that go past the bound are not compared (so is
//! non-termination), except that such a run may not have made more calls
//! than a finished run of the other function has in all. A bounded proof in
//! which no run of the source finishes within the bound would be vacuous
//! and is reported as `Unknown` instead. An undecided segment query
//! (timeout) makes the check `Unknown` without unrolling (see below).
//!
//! # Certificates
//!
//! A pass may hand the checker what it relied on ([`Options::certificate`];
//! the design, for every later user, is in `docs/certificates.md`):
//!
//! - facts at cut points of one function ([`HeaderFact`]: the range
//!   analysis's `i <u len` at a header), proved on that function alone —
//!   established on the first arrival, preserved by every segment that
//!   assumes them — then added to the relations;
//! - a correspondence between the loops ([`Correspondence`] of
//!   [`CutPair`]s with relations, `src_steps` source trips per target trip
//!   and entry passes: vectorized loops, peeling, rotation), proved as
//!   above;
//! - proved module invariants ([`ProvedInvariant`], made only by
//!   [`prove_module_invariant`]: established by initialization, preserved
//!   by every function), assumed at entry, after every call and at every
//!   cut point.
//!
//! Certificates are terms ([`Term`], [`Fact`]): pure expressions over SSA
//! values of either function, the state and the entry state, combined by
//! pure opcodes of the IR's table; their text form is in [`text`]. The
//! checker never trusts one: a fact that is not established or not
//! preserved is a [`Outcome::Counterexample`] whose query starts with
//! `certificate:` (from the state it starts in, which satisfies the facts
//! but need not be reachable, when preservation fails).
//!
//! # What is `Unknown`
//!
//! Solver timeouts (per query, [`Options::timeout_ms`]), Z3 `unknown`
//! (including the optional per-query resource limit
//! [`Options::query_rlimit`]), a spent check budget ([`Options::budget`]),
//! unrolling past [`Options::max_instances`] block instances, a vacuous
//! bounded proof, irreducible control flow, malformed IR (wrong operand
//! types, undeclared entities, missing terminators), differing signatures
//! or declarations, invalid preconditions or certificate terms. No opcode is
//! unsupported: the semantics is one exhaustive `match` on the opcode with
//! no `_ =>` arm, and `tests/cross_check.rs` runs every opcode against the
//! reference interpreter on random edge-case inputs. A panic inside the
//! checker (a bug) is caught and reported as `Unknown`.
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
//! Some shapes are decided before they reach Z3's slow paths: division and
//! remainder decide the divisors 1 and -1 before the divider; conversions,
//! truncations and comparisons of promoted `f32` values, and `f32` `+ - * /
//! sqrt min max` computed in `f64` and demoted, are taken on the `f32`
//! values (identities of IEEE arithmetic; `smt.rs`, `Wide`); bulk memory operations
//! of a small constant length are byte stores; and queries over floats get
//! Z3's non-incremental solver.
//!
//! # Preconditions and declared state
//!
//! A module pass may state facts the check assumes ([`Precondition`]: a
//! parameter is one of a set of constants or in a range, a global holds one
//! of a set of values at entry). They are asserted on the entry inputs,
//! listed in [`Report::assumptions`] and in every counterexample.
//! [`Options::init`] declares the module's initial state and the contents
//! of passive segments; segment contents always hold, and the function
//! starts from the initial state with [`Options::start_at_init`].
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
mod cert;
mod cfg;
mod eval;
mod exec;
mod invariant;
pub mod module_check;
mod options;
mod outcome;
mod pathcond;
mod query;
mod semantics;
mod smt;
mod state;
mod sync;
pub mod text;
mod typing;

pub use cert::{Certificate, Correspondence, CutPair, Fact, HeaderFact, ModuleInvariant, ProvedInvariant, Side, Term};
pub use eval::{ConcreteInputs, ConcreteOutcome, ConcreteRun, evaluate};
pub use invariant::{InvariantReport, prove_module_invariant, prove_module_invariant_hosted, values_after_init};
pub use module_check::{IndexCertificate, ModuleCheckError, ModuleCheckReport, check_module_edit};
pub use options::{InitialState, NanMode, Options, Precondition};
pub use outcome::{Counterexample, Method, Outcome, PinStats, QueryStat, Report};

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use weft_ir::{Function, Type, Value};
use z3::ast::{Array, BV, Bool};
use z3::{Config, SatResult, Solver, Sort, with_z3_config};

use crate::budget::Budget;
use crate::cert::TermCx;
use crate::cfg::CfgInfo;
use crate::exec::{Callees, CountPinner, CutPlan, ExitKind, Explorer, Mode, Model, Start, Trace};
use crate::query::{NoPairing, Pairing, QueryCx, Verdict, compare};
use crate::smt::{Smt, bv_u128};
use crate::state::{ArrTerm, MachineState, Universe, World, data_segment, elem_segment, sig_check, type_bits};

/// Proves `tgt ⊑ src`: every behaviour of `tgt` is one `src` can show.
pub fn check_refinement(src: &Function, tgt: &Function, opts: &Options) -> Outcome {
    check_refinement_report(src, tgt, opts).outcome
}

/// [`check_refinement`] with the method used, the assumptions and the
/// timing of every query.
pub fn check_refinement_report(src: &Function, tgt: &Function, opts: &Options) -> Report {
    let start = Instant::now();
    let moved = opts.invariants_in_certificate();
    let opts = moved.as_ref().unwrap_or(opts);
    let mut cfg = Config::new();
    cfg.set_model_generation(true);
    let mut report = with_z3_config(&cfg, || {
        let mut assumptions: Vec<String> = opts.preconditions.iter().map(|p| p.describe(src)).collect();
        assumptions.extend(opts.model_assumptions());
        let mut report = Report {
            outcome: Outcome::Unknown("not run".into()),
            method: Method::None,
            assumptions,
            queries: Vec::new(),
            pinning: PinStats::default(),
            millis: 0,
        };
        let budget = Budget::start(opts);
        let result = catch_unwind(AssertUnwindSafe(|| run_check(src, tgt, opts, &budget, &mut report)));
        report.outcome_from(result);
        report
    });
    if let Outcome::Counterexample(c) = &mut report.outcome {
        c.assumptions = report.assumptions.clone();
    }
    report.millis = start.elapsed().as_millis();
    report
}

impl Report {
    /// Sets the outcome from what a check returned (or the panic it raised).
    pub(crate) fn outcome_from(&mut self, result: std::thread::Result<Result<(Outcome, Method), String>>) {
        match result {
            Ok(Ok((outcome, method))) => {
                self.outcome = outcome;
                self.method = method;
            }
            Ok(Err(why)) => self.outcome = Outcome::Unknown(why),
            Err(panic) => {
                let msg = panic
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                self.outcome = Outcome::Unknown(format!("internal error in the checker: {msg}"));
            }
        }
    }
}

/// Symbols shared by both functions at the entry.
pub(crate) struct EntryInputs {
    pub params: Vec<BV>,
    pub st: MachineState,
    pub facts: Vec<Bool>,
}

pub(crate) fn entry_inputs(func: &Function, u: &Universe) -> EntryInputs {
    let (st, facts) = MachineState::symbolic(u, "init");
    EntryInputs { params: param_symbols(func, ""), st, facts }
}

/// Fresh symbols `{prefix}param{i}` for the parameters of `func`.
pub(crate) fn param_symbols(func: &Function, prefix: &str) -> Vec<BV> {
    func.sig
        .params
        .iter()
        .enumerate()
        .map(|(i, ty)| BV::new_const(format!("{prefix}param{i}"), type_bits(*ty)))
        .collect()
}

/// A fresh symbolic state named `prefix`, without parameters.
pub(crate) fn entry_inputs_state(u: &Universe, prefix: &str) -> EntryInputs {
    let (st, facts) = MachineState::symbolic(u, prefix);
    EntryInputs { params: Vec::new(), st, facts }
}

/// Applies the declared initial state to `entry` (when the function starts
/// there) and returns the facts about segment contents (always).
pub(crate) fn init_facts(
    u: &Universe,
    init: &InitialState,
    start_at_init: bool,
    entry: &mut EntryInputs,
) -> Result<Vec<Bool>, String> {
    let mut facts = Vec::new();
    for (d, bytes) in &init.datas {
        let (len, arr) = data_segment(*d);
        facts.push(len.eq(BV::from_u64(bytes.len() as u64, 32)));
        for (i, b) in bytes.iter().enumerate() {
            let at = arr.select(&BV::from_u64(i as u64, 32)).as_bv().ok_or("data segment byte")?;
            facts.push(at.eq(BV::from_u64(u64::from(*b), 8)));
        }
    }
    for (e, items) in &init.elems {
        let (len, arr) = elem_segment(*e);
        facts.push(len.eq(BV::from_u64(items.len() as u64, 32)));
        for (i, h) in items.iter().enumerate() {
            let at = arr.select(&BV::from_u64(i as u64, 32)).as_bv().ok_or("element segment entry")?;
            facts.push(at.eq(BV::from_u64(u64::from(*h), 32)));
        }
    }
    if !start_at_init {
        return Ok(facts);
    }
    let st = &mut entry.st;
    // Segments declared with contents are passive: not dropped yet when the
    // module starts.
    for d in init.datas.keys() {
        if let Some(f) = st.data_dropped.get_mut(d) {
            *f = Bool::from_bool(false);
        }
    }
    for e in init.elems.keys() {
        if let Some(f) = st.elem_dropped.get_mut(e) {
            *f = Bool::from_bool(false);
        }
    }
    for (g, v) in &init.globals {
        let decl = u.globals.get(g).ok_or_else(|| format!("the initial state names {g}, which is not declared"))?;
        st.globals.insert(*g, bv_u128(*v, type_bits(decl.ty)));
    }
    let mut mems: Vec<_> = init.memory_pages.keys().chain(init.memory_bytes.iter().map(|w| &w.0)).copied().collect();
    mems.sort();
    mems.dedup();
    for m in mems {
        let mem = st.mems.get_mut(&m).ok_or_else(|| format!("the initial state names {m}, which is not declared"))?;
        let sized = init.memory_pages.get(&m);
        if let Some(pages) = sized {
            mem.pages = BV::from_u64(u64::from(*pages), 32);
        }
        apply_cells(&mut mem.bytes, sized.is_some(), &declared(&init.memory_bytes, m), 8, &mut facts);
    }
    let mut tables: Vec<_> = init.table_sizes.keys().chain(init.table_elems.iter().map(|w| &w.0)).copied().collect();
    tables.sort();
    tables.dedup();
    for t in tables {
        let tab = st.tables.get_mut(&t).ok_or_else(|| format!("the initial state names {t}, which is not declared"))?;
        let sized = init.table_sizes.get(&t);
        if let Some(size) = sized {
            tab.size = BV::from_u64(u64::from(*size), 32);
        }
        apply_cells(&mut tab.elems, sized.is_some(), &declared(&init.table_elems, t), 32, &mut facts);
    }
    Ok(facts)
}

/// The cells `(index, value)` that `writes` (first index, values) declare
/// for `key`.
fn declared<K: Copy + PartialEq, T: Copy + Into<u64>>(writes: &[(K, u32, Vec<T>)], key: K) -> Vec<(u64, u64)> {
    writes
        .iter()
        .filter(|w| w.0 == key)
        .flat_map(|(_, at, vs)| {
            vs.iter().enumerate().map(move |(j, v)| (u64::from(*at).wrapping_add(j as u64) & 0xffff_ffff, (*v).into()))
        })
        .collect()
}

/// Declared contents of an array of `width`-bit cells: the whole array
/// (zero elsewhere) when `whole`, else facts pinning the cells.
fn apply_cells(arr: &mut ArrTerm, whole: bool, cells: &[(u64, u64)], width: u32, facts: &mut Vec<Bool>) {
    if whole {
        let mut a = Array::const_array(&Sort::bitvector(32), &BV::from_u64(0, width));
        for (i, v) in cells {
            a = a.store(&BV::from_u64(*i, 32), &BV::from_u64(*v, width));
        }
        *arr = ArrTerm::base(a);
    } else {
        for (i, v) in cells {
            facts.push(arr.select(&BV::from_u64(*i, 32)).eq(BV::from_u64(*v, width)));
        }
    }
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
            P::Invariant(_) => {
                return Err(format!(
                    "precondition `{}` is a module invariant: pass it through the certificate",
                    p.describe(src)
                ));
            }
        }
    }
    Ok(facts)
}

fn or_eq(x: &BV, values: &[i64], w: u32) -> Bool {
    let eqs: Vec<Bool> = values.iter().map(|v| x.eq(BV::from_i64(*v, w))).collect();
    smt::or_all(&eqs)
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

/// One function of a check and its control-flow facts.
pub(crate) struct SideInfo<'a> {
    func: &'a Function,
    cfg: CfgInfo,
}

/// One check in progress: the two functions and everything shared by their
/// explorations and comparisons.
pub(crate) struct Session<'a> {
    smt: Smt,
    u: &'a Universe,
    opts: &'a Options,
    s: SideInfo<'a>,
    t: SideInfo<'a>,
    entry: &'a EntryInputs,
    /// Entry facts and preconditions.
    background: Vec<Bool>,
    /// Settles event counters during exploration, under `background`.
    pinner: CountPinner,
    cx: QueryCx<'a>,
    stats: std::cell::RefCell<Vec<QueryStat>>,
    callees: &'a Callees,
    model: Model,
    /// Proved module invariants assumed after calls and at cut points.
    after_call: exec::AfterCall,
    /// The certificate's header facts once proved (after pruning, if the
    /// certificate asks for it).
    proved_header_facts: std::cell::RefCell<Option<Vec<HeaderFact>>>,
    /// Blocks of the source and of the target that a proved header fact
    /// `false` shows are never entered.
    dead: [std::cell::RefCell<std::collections::BTreeSet<weft_ir::Block>>; 2],
}

impl Session<'_> {
    fn explore(&self, side: Side, world: &str, mode: Mode, cuts: &CutPlan, start: Start) -> Result<Trace, String> {
        let info = match side {
            Side::Src => &self.s,
            Side::Tgt => &self.t,
        };
        let dead = self.dead_blocks(side);
        let ex = Explorer {
            smt: &self.smt,
            u: self.u,
            func: info.func,
            cfg: &info.cfg,
            world: World::new(world),
            mode,
            max_instances: self.opts.max_instances,
            cuts,
            pinner: Some(&self.pinner),
            budget: Some(self.cx.budget),
            side,
            model: self.model,
            callees: self.callees,
            depth: 0,
            after_call: Some(&self.after_call),
            dead: Some(&dead),
            trace: Trace::default(),
        };
        ex.run(start).map_err(|e| format!("{}: {e}", if side == Side::Src { "source" } else { "target" }))
    }

    /// The blocks of `side` proved never to be entered.
    fn dead_blocks(&self, side: Side) -> std::cell::Ref<'_, std::collections::BTreeSet<weft_ir::Block>> {
        self.dead[side as usize].borrow()
    }

    fn entry_start(&self, side: Side) -> Start {
        let f = if side == Side::Src { self.s.func } else { self.t.func };
        Start::new(f.entry_block().expect("checked"), self.entry.params.clone(), BTreeMap::new(), self.entry.st.clone())
    }

    /// Explores both functions from their entries, cut at `ps` and `pt`.
    fn explore_entries_with(&self, ps: &CutPlan, pt: &CutPlan) -> Result<(Trace, Trace), String> {
        let ts = self.explore(Side::Src, "w.entry", Mode::Cut, ps, self.entry_start(Side::Src))?;
        let tt = self.explore(Side::Tgt, "w.entry", Mode::Cut, pt, self.entry_start(Side::Tgt))?;
        Ok((ts, tt))
    }

    /// Explores both functions from their entries with loops unrolled.
    fn explore_unrolled(&self, k: u32) -> Result<(Trace, Trace), String> {
        let none = CutPlan::default();
        let ts = self.explore(Side::Src, "w.entry", Mode::Unroll(k), &none, self.entry_start(Side::Src))?;
        let tt = self.explore(Side::Tgt, "w.entry", Mode::Unroll(k), &none, self.entry_start(Side::Tgt))?;
        Ok((ts, tt))
    }

    /// Compares two traces of the world `world` under the background and
    /// `extra`.
    fn compare_with(
        &self,
        label: &str,
        ts: &Trace,
        tt: &Trace,
        extra: Vec<Bool>,
        pairing: &dyn Pairing,
        world: &str,
    ) -> Verdict {
        let mut bg = self.background.clone();
        bg.extend(extra);
        bg.extend(sig_facts(self.u, &[ts, tt]));
        // The source's grows past the target's last take success (see
        // `exec.rs`, "Choices of the world").
        if !ts.grows.is_empty() {
            bg.extend(exec::grow_witnesses(&World::new(world), ts, tt));
        }
        compare(label, ts, tt, &bg, pairing, &self.cx, self.smt.used_floats(), &mut self.stats.borrow_mut())
    }

    /// The facts of the proved module invariants at state `st`.
    pub(crate) fn invariant_facts(&self, st: &MachineState) -> Result<Vec<Bool>, String> {
        self.after_call.facts(&self.smt, self.u, st)
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
        self.stats.borrow_mut().push(QueryStat {
            name: label.into(),
            millis: start.elapsed().as_millis(),
            result: result.into(),
        });
        Ok(r)
    }

    fn run(&mut self) -> Result<(Outcome, Method), String> {
        let loops = self.s.cfg.headers.len().max(self.t.cfg.headers.len());
        if loops == 0 {
            let none = CutPlan::default();
            let (ts, tt) = self.explore_entries_with(&none, &none)?;
            let bounded = ts.exits.iter().chain(&tt.exits).any(|e| matches!(e.kind, ExitKind::Bound));
            return Ok(match self.compare_with("entry", &ts, &tt, Vec::new(), &NoPairing, "w.entry") {
                Verdict::Holds if bounded => {
                    // Runs that inline deeper than the depth were not compared.
                    let k = self.opts.inline_depth;
                    (
                        Outcome::ProvedBounded(k),
                        Method::Unrolled { bound: k, reason: "calls inlined to a depth".into() },
                    )
                }
                Verdict::Holds => (Outcome::Proved, Method::LoopFree),
                Verdict::Fails(c) => (Outcome::Counterexample(c), Method::LoopFree),
                Verdict::Unknown(why) => (Outcome::Unknown(why), Method::LoopFree),
            });
        }
        let reason = match self.inductive() {
            Ok(Induction::Proved(method)) => return Ok((Outcome::Proved, method)),
            Ok(Induction::CertificateWrong(mut c)) => {
                c.query = format!("certificate: {}", c.query);
                return Ok((
                    Outcome::Counterexample(c),
                    Method::Relational { pairs: 0, facts: 0, how: "the certificate, which does not hold".into() },
                ));
            }
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
        // Unrolling first: a wrong rewrite is refuted by a real run at once.
        let k = self.opts.unroll_bound;
        let t0 = Instant::now();
        let first = match self.unroll(k, &reason) {
            Ok(r) => r,
            Err(why) if self.cx.budget.spent() => return Err(why),
            Err(why) => (Outcome::Unknown(why), Method::Unrolled { bound: k, reason: reason.clone() }),
        };
        if first.0.is_counterexample() {
            return Ok(first);
        }
        // Nothing wrong within the bound: relations the checker infers may
        // still prove it for every iteration.
        if let Some(method) = self.inferred()? {
            return Ok((Outcome::Proved, method));
        }
        // No counterexample within `k`: try a larger bound, a difference a
        // few iterations later is still found — when it is cheap, that is
        // when unrolling to `k` took under a tenth of the check's budget
        // (the larger bound costs a few times more).
        let cheap = t0.elapsed() < self.opts.budget() / 10;
        let retry = match (&first.0, self.opts.unroll_retry_bound) {
            (Outcome::ProvedBounded(_) | Outcome::Unknown(_), Some(big))
                if big > k && cheap && !self.cx.budget.spent() =>
            {
                self.unroll(big, &reason).ok()
            }
            _ => None,
        };
        Ok(match retry {
            Some(r @ (Outcome::Counterexample(_), _)) => r,
            Some(r @ (Outcome::ProvedBounded(_), _)) => r,
            _ => first,
        })
    }

    /// Bounded unrolling to `k` header executions.
    fn unroll(&mut self, k: u32, reason: &str) -> Result<(Outcome, Method), String> {
        let (ts, tt) = self.explore_unrolled(k)?;
        let method = Method::Unrolled { bound: k, reason: reason.to_string() };
        Ok(match self.compare_with("unrolled", &ts, &tt, Vec::new(), &NoPairing, "w.entry") {
            Verdict::Holds => {
                // A bounded proof where no run of the source finishes within
                // the bound would be vacuous.
                let finishes: Vec<Bool> =
                    ts.exits.iter().filter(|e| !matches!(e.kind, ExitKind::Bound)).map(|e| e.reach.clone()).collect();
                match self.satisfiable("unrolled: a source run finishes", &smt::or_all(&finishes), &ts) {
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
}

/// How the inductive proof ended.
pub(crate) enum Induction {
    Proved(Method),
    /// It does not apply, or a segment query is satisfiable: unrolling may
    /// still prove a bound or find a real counterexample.
    Fails(String),
    /// A segment query was not decided (timeout, budget).
    Unknown(String),
    /// The certificate's relation is not established or not preserved.
    CertificateWrong(Counterexample),
}

/// The callees of `opts` with their control-flow facts; bodies with loops
/// are left out (their calls stay events).
pub(crate) fn callees_of(opts: &Options) -> Result<Callees, String> {
    let mut bodies = BTreeMap::new();
    for (f, body) in &opts.callees {
        let cfg = CfgInfo::compute(body).map_err(|e| format!("callee {f}: {e}"))?;
        check_entry_params(body, &format!("callee {f}"))?;
        if cfg.headers.is_empty() {
            bodies.insert(f.as_u32(), (body.clone(), cfg));
        }
    }
    Ok(Callees { bodies, max_depth: opts.inline_depth })
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
    let callees = callees_of(opts)?;
    let mut funcs: Vec<&Function> = vec![src, tgt];
    funcs.extend(callees.bodies.values().map(|(f, _)| f));
    let u = Universe::of(&funcs)?;
    let s = SideInfo { func: src, cfg: CfgInfo::compute(src).map_err(|e| format!("source: {e}"))? };
    let t = SideInfo { func: tgt, cfg: CfgInfo::compute(tgt).map_err(|e| format!("target: {e}"))? };
    let mut entry = entry_inputs(src, &u);
    let init = init_facts(&u, &opts.init, opts.start_at_init, &mut entry)?;
    let pre = precondition_facts(src, opts, &entry)?;
    let after_call = exec::AfterCall::new(
        opts.certificate.module_invariants.iter().flat_map(|i| i.invariant().facts.iter().cloned()).collect(),
        entry.st.clone(),
    );
    let src_entry = src.entry_block().expect("checked");
    let params: Vec<(String, Type, BV)> = src
        .dfg
        .block_params(src_entry)
        .iter()
        .zip(&entry.params)
        .map(|(v, bv): (&Value, &BV)| (v.to_string(), src.dfg.value_type(*v), bv.clone()))
        .collect();
    let cx = QueryCx {
        params,
        st: &entry.st,
        u: &u,
        nan_exact: opts.nan == NanMode::Exact,
        budget,
        rlimit: opts.query_rlimit,
    };
    let mut background = entry.facts.clone();
    background.extend(init);
    background.extend(pre);
    background.extend(after_call.facts(&smt, &u, &entry.st)?);
    let pinner = CountPinner::new(&background);
    let model = Model { grow_succeeds: opts.assume_grow_succeeds, nan_exact: opts.nan == NanMode::Exact };
    let mut session = Session {
        smt,
        u: &u,
        opts,
        s,
        t,
        entry: &entry,
        background,
        pinner,
        cx,
        stats: Default::default(),
        callees: &callees,
        model,
        after_call,
        proved_header_facts: Default::default(),
        dead: Default::default(),
    };
    let result = session.run();
    report.queries = session.stats.take();
    report.pinning = session.pinner.stats();
    result
}

/// Evaluates state-only facts at `st` (used for module invariants).
pub(crate) fn state_facts(
    smt: &Smt,
    u: &Universe,
    facts: &[Fact],
    st: &MachineState,
    entry: &MachineState,
) -> Result<Vec<Bool>, String> {
    let cx = TermCx { smt, u, src: None, tgt: None, state: st, entry };
    facts.iter().map(|f| cx.fact(f)).collect()
}

//! Concrete evaluation of the SMT semantics: [`evaluate`] encodes a function
//! exactly as a refinement check does, fixes the inputs to constants, and
//! reads the run out of a Z3 model. Tests compare it with the reference
//! interpreter (`weft_ir::interpreter`), which shows the encoding matches the
//! reference semantics opcode by opcode.

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind};

use weft_ir::{DataRef, ElemRef, Function, GlobalRef, MemoryRef, TableRef};
use z3::ast::{Array, BV, Bool};
use z3::{Config, SatResult, Solver, Sort, with_z3_config};

use crate::cfg::CfgInfo;
use crate::exec::{CutPlan, ExitKind, Explorer, Mode, Start};
use crate::options::Options;
use crate::query::eval_bits;
use crate::smt::{Smt, bv_u128};
use crate::state::{ArrTerm, MachineState, Mem, Tab, Universe, World, data_segment, elem_segment, type_bits};

/// Concrete inputs of a run. Missing globals are 0, missing memories have
/// their minimum size and zero bytes, missing tables their minimum size and
/// null entries; data and element segments stay symbolic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConcreteInputs {
    /// Parameter bit patterns.
    pub params: Vec<u128>,
    /// Global bit patterns at entry.
    pub globals: BTreeMap<GlobalRef, u128>,
    /// Memory sizes (pages) and non-zero bytes at entry.
    pub memories: BTreeMap<MemoryRef, (u32, BTreeMap<u32, u8>)>,
    /// Table contents at entry (handles: 0 is null, `N + 1` is `fnN`).
    pub tables: BTreeMap<TableRef, Vec<u32>>,
    /// Results of the `k`-th call; calls leave the state unchanged and do
    /// not trap.
    pub call_results: Vec<Vec<u128>>,
    /// Contents of passive data segments (others stay symbolic).
    pub datas: BTreeMap<DataRef, Vec<u8>>,
    /// Contents of element segments, as handles (others stay symbolic).
    pub elems: BTreeMap<ElemRef, Vec<u32>>,
    /// Memory bytes to report after the run.
    pub probe_bytes: Vec<(MemoryRef, u32)>,
    /// Table entries to report after the run.
    pub probe_elems: Vec<(TableRef, u32)>,
}

/// How a concrete run ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ConcreteOutcome {
    /// Returned these bit patterns.
    Returned(Vec<u128>),
    /// Trapped.
    Trapped,
}

/// A concrete run read from the SMT encoding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConcreteRun {
    /// Return or trap.
    pub outcome: ConcreteOutcome,
    /// The calls made, in order: callee handle and argument bits.
    pub calls: Vec<(u32, Vec<u128>)>,
    /// Globals at the end (or at the trap).
    pub globals: BTreeMap<GlobalRef, u128>,
    /// Memory sizes in pages at the end.
    pub memory_pages: BTreeMap<MemoryRef, u32>,
    /// The bytes asked for in [`ConcreteInputs::probe_bytes`], at the end.
    pub bytes: Vec<u8>,
    /// Table sizes at the end.
    pub table_sizes: BTreeMap<TableRef, u32>,
    /// The entries asked for in [`ConcreteInputs::probe_elems`], at the end.
    pub elems: Vec<u32>,
}

/// Runs the SMT semantics of `func` on concrete inputs (loops unrolled to
/// [`Options::unroll_bound`] header executions), in the deterministic
/// model the reference interpreter implements: every grow whose new size
/// fits succeeds, and float arithmetic yields the canonical NaN.
pub fn evaluate(func: &Function, inputs: &ConcreteInputs, opts: &Options) -> Result<ConcreteRun, String> {
    let mut cfg = Config::new();
    cfg.set_model_generation(true);
    with_z3_config(&cfg, || {
        catch_unwind(AssertUnwindSafe(|| evaluate_in_context(func, inputs, opts)))
            .unwrap_or_else(|_| Err("internal error in the checker".into()))
    })
}

fn initial_state(u: &Universe, inputs: &ConcreteInputs) -> MachineState {
    let globals = u
        .globals
        .iter()
        .map(|(g, d)| (*g, bv_u128(inputs.globals.get(g).copied().unwrap_or(0), type_bits(d.ty))))
        .collect();
    let mut mems = BTreeMap::new();
    for (m, d) in &u.mems {
        let (pages, bytes) = inputs.memories.get(m).cloned().unwrap_or((d.min as u32, BTreeMap::new()));
        let mut arr = Array::const_array(&Sort::bitvector(32), &BV::from_u64(0, 8));
        for (a, b) in bytes {
            arr = arr.store(&BV::from_u64(u64::from(a), 32), &BV::from_u64(u64::from(b), 8));
        }
        mems.insert(*m, Mem { bytes: ArrTerm::base(arr), pages: BV::from_u64(u64::from(pages), 32) });
    }
    let mut tables = BTreeMap::new();
    for (t, d) in &u.tables {
        let elems = inputs.tables.get(t).cloned().unwrap_or_else(|| vec![0; d.min as usize]);
        let mut arr = Array::const_array(&Sort::bitvector(32), &BV::from_u64(0, 32));
        for (i, h) in elems.iter().enumerate() {
            arr = arr.store(&BV::from_u64(i as u64, 32), &BV::from_u64(u64::from(*h), 32));
        }
        tables.insert(*t, Tab { elems: ArrTerm::base(arr), size: BV::from_u64(elems.len() as u64, 32) });
    }
    let data_dropped = u.datas.iter().map(|d| (*d, Bool::from_bool(false))).collect();
    let elem_dropped = u.elems.iter().map(|e| (*e, Bool::from_bool(false))).collect();
    MachineState { globals, mems, tables, data_dropped, elem_dropped }
}

fn evaluate_in_context(func: &Function, inputs: &ConcreteInputs, opts: &Options) -> Result<ConcreteRun, String> {
    let smt = Smt::new()?;
    let u = Universe::of(&[func])?;
    let cfg = CfgInfo::compute(func)?;
    if inputs.params.len() != func.sig.params.len() {
        return Err(format!("{} parameters given, the function takes {}", inputs.params.len(), func.sig.params.len()));
    }
    let params: Vec<BV> =
        inputs.params.iter().zip(&func.sig.params).map(|(bits, ty)| bv_u128(*bits, type_bits(*ty))).collect();
    let st = initial_state(&u, inputs);
    let world = World::new("w.entry");
    let callees = crate::callees_of(opts)?;
    let no_cuts = CutPlan::default();
    let mut ex =
        Explorer::new(&smt, &u, func, &cfg, World::new("w.entry"), Mode::Unroll(opts.unroll_bound), &no_cuts, &callees);
    ex.max_instances = opts.max_instances;
    let entry = func.entry_block().ok_or("function has no blocks")?;
    let trace = ex.run(Start::new(entry, params, BTreeMap::new(), st))?;
    let solver = Solver::new();
    for f in trace.facts.iter().chain(&crate::sig_facts(&u, &[&trace])) {
        solver.assert(f);
    }
    for (d, bytes) in &inputs.datas {
        let (len, arr) = data_segment(*d);
        solver.assert(len.eq(BV::from_u64(bytes.len() as u64, 32)));
        for (i, b) in bytes.iter().enumerate() {
            solver.assert(
                arr.select(&BV::from_u64(i as u64, 32)).as_bv().expect("byte").eq(BV::from_u64(u64::from(*b), 8)),
            );
        }
    }
    for (e, items) in &inputs.elems {
        let (len, arr) = elem_segment(*e);
        solver.assert(len.eq(BV::from_u64(items.len() as u64, 32)));
        for (i, h) in items.iter().enumerate() {
            solver.assert(
                arr.select(&BV::from_u64(i as u64, 32)).as_bv().expect("handle").eq(BV::from_u64(u64::from(*h), 32)),
            );
        }
    }
    // Calls answer the given results, leave the state alone and return.
    for e in &trace.events {
        let answer = world.answer(&u, &e.idx.term, &e.sig.results, &e.st);
        let mut same = vec![answer.traps.not()];
        for (g, v) in &e.st.globals {
            same.push(answer.state.globals[g].eq(v));
        }
        for (m, mem) in &e.st.mems {
            same.push(answer.state.mems[m].pages.eq(&mem.pages));
            same.push(answer.state.mems[m].bytes.to_array().eq(mem.bytes.to_array()));
        }
        for (t, tab) in &e.st.tables {
            same.push(answer.state.tables[t].size.eq(&tab.size));
            same.push(answer.state.tables[t].elems.to_array().eq(tab.elems.to_array()));
        }
        for (d, f) in &e.st.data_dropped {
            same.push(answer.state.data_dropped[d].iff(f));
        }
        for (el, f) in &e.st.elem_dropped {
            same.push(answer.state.elem_dropped[el].iff(f));
        }
        for k in e.idx.lo..=e.idx.hi {
            let given = inputs.call_results.get(k as usize).cloned().unwrap_or_default();
            let mut r = same.clone();
            for (i, res) in answer.results.iter().enumerate() {
                r.push(res.eq(bv_u128(given.get(i).copied().unwrap_or(0), res.get_size())));
            }
            let at_k = Bool::and(&[e.reach.clone(), e.idx.term.eq(BV::from_u64(u64::from(k), 32))]);
            solver.assert(at_k.implies(Bool::and(&r)));
        }
    }
    if solver.check() != SatResult::Sat {
        return Err(format!("the encoding has no run: {}", solver.get_reason_unknown().unwrap_or_default()));
    }
    let model = solver.get_model().ok_or("no model")?;
    let holds = |b: &Bool| model.eval(b, true).and_then(|v| v.as_bool()).unwrap_or(false);
    let exit = trace.exits.iter().find(|x| holds(&x.reach)).ok_or("no exit is reached")?;
    let bits = |bv: &BV| eval_bits(&model, bv).ok_or_else(|| "the model has no value".to_string());
    let outcome = match &exit.kind {
        ExitKind::Return(vals) => {
            ConcreteOutcome::Returned(vals.iter().map(|(_, v)| bits(v)).collect::<Result<_, _>>()?)
        }
        ExitKind::Trap => ConcreteOutcome::Trapped,
        ExitKind::Bound => return Err(format!("the run goes past {} loop header executions", opts.unroll_bound)),
        ExitKind::Cut { .. } => return Err("internal: cut exit while unrolling".into()),
    };
    let mut calls: Vec<(u128, u32, Vec<u128>)> = Vec::new();
    for e in trace.events.iter().filter(|e| holds(&e.reach)) {
        let k = bits(&e.idx.term)?;
        let callee = bits(&e.callee)? as u32;
        let args = e.args.iter().map(|(_, a)| bits(a)).collect::<Result<_, _>>()?;
        calls.push((k, callee, args));
    }
    calls.sort_by_key(|c| c.0);
    let globals = exit.st.globals.iter().map(|(g, v)| Ok((*g, bits(v)?))).collect::<Result<_, String>>()?;
    let memory_pages =
        exit.st.mems.iter().map(|(m, mem)| Ok((*m, bits(&mem.pages)? as u32))).collect::<Result<_, String>>()?;
    let mut bytes = Vec::new();
    for (m, addr) in &inputs.probe_bytes {
        let mem = exit.st.mems.get(m).ok_or_else(|| format!("{m} is not declared"))?;
        let b = mem.bytes.select(&BV::from_u64(u64::from(*addr), 32));
        bytes.push(bits(&b)? as u8);
    }
    let table_sizes =
        exit.st.tables.iter().map(|(t, tab)| Ok((*t, bits(&tab.size)? as u32))).collect::<Result<_, String>>()?;
    let mut elems = Vec::new();
    for (t, i) in &inputs.probe_elems {
        let tab = exit.st.tables.get(t).ok_or_else(|| format!("{t} is not declared"))?;
        let h = tab.elems.select(&BV::from_u64(u64::from(*i), 32));
        elems.push(bits(&h)? as u32);
    }
    Ok(ConcreteRun {
        outcome,
        calls: calls.into_iter().map(|(_, c, a)| (c, a)).collect(),
        globals,
        memory_pages,
        bytes,
        table_sizes,
        elems,
    })
}

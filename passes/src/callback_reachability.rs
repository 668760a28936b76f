//! `callback-reachability`: specialize every P3 callback export under the
//! events that can reach it, so the handler arms of impossible events
//! become unreachable and disappear.
//!
//! A callback `[callback][async-lift]<iface>#<func>` receives
//! `(event, p1, p2)`, and the event is one of the set `S` that the P3 fact
//! model ([`crate::analysis::p3`]) derives from the module's imports (or that the
//! caller of weft assumes, `--assume-events`). With `S = {0, 2, 6}`:
//!
//! ```text
//! block0(v0: i32, v1: i32, v2: i32):        block0(v0: i32, v1: i32, v2: i32):
//!     v3 = i32.const 1                          v3 = i32.const 1
//!     v4 = i32.eq v0, v3                        v4 = i32.eq v0, v3
//!     brif v4, block1, block2                   jump block2
//! block1:                                   block2:
//!     call fn5(v1, v2)          ─▶              v6 = i32.const 2
//!     jump block2                               v7 = i32.eq v0, v6
//! block2:                                       brif v7, block3, block4
//!     v6 = i32.const 2                      block3:
//!     v7 = i32.eq v0, v6                        call fn6(v1, v2)
//!     brif v7, block3, block4                   jump block4
//! block3:                                   block4:
//!     call fn6(v1, v2)                          v8 = call fn7()
//!     jump block4                               return v8
//! block4:
//!     v8 = call fn7()
//!     return v8
//! ```
//!
//! The dead compare is left for `dce`, the jump chain for `simplify-cfg`,
//! and `fn5` (the SUBTASK handler), once nothing calls it, for
//! `module-dce`.
//!
//! # The transformation
//!
//! For each callback the fact model accepts, the value-set dataflow
//! ([`crate::analysis::dataflow`] with [`crate::analysis::value_set`] and
//! edge facts) is solved with the entry fact `event ∈ S` (the other
//! parameters unknown). Then, in every executable block:
//! - a `brif` with one executable edge becomes a `jump` along it;
//! - a `br_table` whose executable edges all go to the same block with
//!   the same arguments becomes a `jump`; otherwise each destination whose
//!   edge is not executable is retargeted to the default's block and
//!   arguments (to the first executable destination's when the default is
//!   not executable);
//!
//! and the blocks no longer reachable from the entry are removed
//! (`weft_ir::cfg_edit`). A branch with no executable edge (it cannot be
//! reached with a value) is left as it is. Nothing else changes: folding
//! the compares and the constants is `sccp`'s, `instcombine`'s and `dce`'s.
//!
//! # Through calls
//!
//! The facts then flow over the call graph (wit-bindgen's runtime receives
//! the event from the callback and dispatches on it). A function is a
//! candidate when no call can come from outside the module's IR: it is not
//! exported, not the start function, not in an element segment nor taken
//! by `ref.func` (not an indirect-call target), only called by `call` and
//! `return_call`, and the module has no opaque body. A candidate is
//! handled once every caller that is itself a candidate has been (so a
//! function in a call cycle is never handled): each caller's body, as it
//! is now, is solved under its own entry facts (a callback's `event ∈ S`,
//! a handled candidate's facts, else nothing), and the candidate's entry
//! fact for each parameter is the join of the argument's facts at every
//! call in an executable block. A parameter whose join is a set of at most
//! 64 values is assumed in that set (`ParamIn`), a larger set in its hull
//! (`ParamRange`, unsigned); the candidate is specialized under those facts
//! as a callback is, and reported with those preconditions. A candidate
//! with no executable call, or no fact on any parameter, is left alone.
//!
//! Two facts of the P3 model ([`crate::analysis::p3`], F5) bound what those
//! calls pass: a stream copy with a constant count `c` returns BLOCKED or
//! at most `(c << 4) | 0xF` (a value fact in every caller's solution), and
//! a callback's `p2` for an event `e` is at most that event's payload bound
//! (the largest read count's copy result for STREAM_READ, the largest write
//! count's for STREAM_WRITE, a subtask state, a future's copy result, 0).
//! A callback's calls are solved once per event of `S`, under `event = e`
//! and `p2`'s bound for `e`, and contribute every case's facts, so a
//! handler called only on STREAM_READ gets the read's bound: the slice
//! check of a chunk of at most 4096 elements, `n >u 4096`, goes. The
//! callback itself is specialized under the join of the bounds, stated as
//! `param v2 ∈ [0, max]` when every bound is known, and only when every
//! in-module call of it passes a `p2` within it where known.
//! Only modules with an accepted callback are searched, and fused ones:
//!
//! # Fused callbacks
//!
//! A module that exports no callback but imports `[waitable-set-poll]` or
//! `[waitable-set-wait]` may drive a callback itself: the trampoline that
//! fusion emits (`../shared/design/P3-ABI.md`, "Shapes that fusion
//! emits") polls, loads the event from the word at the poll's pointer and
//! calls the callback, which is no longer exported. Such a word, loaded
//! from the memory the host writes (the exported `memory`, else the only
//! one) right after the call with nothing written in between, is taken to
//! be an event of `S` when it is passed as the first argument of a function
//! shaped like a callback (`(i32, i32, i32) -> i32`); the callee is then a
//! candidate like any other, specialized under `param v0 ∈ S`. A note says
//! when the module gets this fact.
//!
//! # Preconditions
//!
//! - The callback's signature is `(i32, i32, i32) -> i32`; otherwise the
//!   fact model declines it and so does the pass, with the model's reason
//!   in a note. A callback whose body is not IR is declined too.
//! - `event ∈ S` holds on every call. For the host it is the canonical
//!   ABI's subscription rule (`../shared/design/P3-ABI.md`, "Which events
//!   can reach a callback"); an in-module caller (a fused trampoline, a
//!   driver) is assumed to obey the same contract, and the pass checks what
//!   it can: it solves the value-set dataflow of every function with an IR
//!   body that calls the callback directly, and declines the callback when
//!   one call passes an event whose value set is known and not within `S`
//!   (an event the caller computes from unknown inputs — a value polled
//!   from the host — is taken on the contract). An empty `S` (no event can
//!   arrive) is declined: there is nothing to specialize for.
//!
//! # Analyses
//!
//! Uses the call graph, and the dominator tree of each callback and of
//! each direct caller (through [`crate::ModuleCx`], computed afresh for a
//! body this pass changed). Preserves nothing of a changed function
//! (branches are folded, blocks removed) nor the call graph (a removed
//! block may hold the only call of a handler).
//!
//! # Verification obligation
//!
//! The specialized callback refines the original for every input with
//! `event ∈ S`. The pass hands that precondition to the manager
//! ([`crate::ModuleCx::assume`]: `param v0 ∈ S`), whose refinement check of
//! the callback assumes it and reports it with the verdict; a folded branch
//! takes the only edge the dataflow allows under it, and a removed block
//! was not executable under it. That `event ∈ S` holds on every call is the
//! ABI's fact (above), not something the checker sees. A specialized
//! candidate is checked the same way under its parameters' preconditions;
//! that they hold on every call follows from the candidate rule (every
//! call is a direct call in the module's IR, whose arguments the callers'
//! solutions bound), again not seen by the checker.
//!
//! # Complexity
//!
//! One dataflow solution per callback, per direct caller of a callback,
//! per caller of a candidate and per specialized candidate (the framework's
//! bound: each fact changes a bounded number of times), then one walk over
//! each specialized function's blocks and edges; the candidates are
//! scanned once per round, and each round handles at least one.

use std::collections::{BTreeMap, BTreeSet};
use weft_ir::cfg_edit::{edge_args, edge_target, edges_from, make_jump, remove_unreachable_blocks, set_edge};

use weft_ir::{
    CallKind, ControlFlowGraph, DominatorTree, Edge, Effects, ExportKind, FuncBody, FuncRef, Function, Imm,
    InstructionData, MemoryRef, Module, Opcode, Type, Value,
};
use weft_verify::Precondition;

use crate::ModulePass;
use crate::analysis::dataflow::{Dataflow, Lattice, Solution};
use crate::analysis::interval_set::IntervalSet;
use crate::analysis::p3::{EventCode, EventSet, P3Facts, copy_result_facts, delivers_events, payload_bound};
use crate::analysis::tables::{SealedTables, devirtualize_function};
use crate::analysis::value_set::{ValueSet, ValueSets};
use crate::context::{ModuleChanged, ModuleCx, Preserved};

/// The pass. See the module docs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CallbackReachability;

/// What [`specialize`] did to one function.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Specialized {
    /// Branches folded to a `jump` or with retargeted destinations.
    pub branches: usize,
    /// Blocks removed.
    pub blocks_removed: usize,
}

impl Specialized {
    /// Did anything change?
    pub fn changed(&self) -> bool {
        self.branches > 0 || self.blocks_removed > 0
    }
}

/// The value-set fact of an event in `events`.
pub fn event_fact(events: EventSet) -> ValueSet {
    let ranges = events.codes().into_iter().map(|c| (u64::from(c), u64::from(c))).collect();
    ValueSet::of(IntervalSet::from_ranges(32, ranges))
}

/// The precondition `param 0 ∈ events` of a callback specialized under
/// `events`.
pub fn event_precondition(events: EventSet) -> Precondition {
    Precondition::ParamIn { param: 0, values: events.codes().into_iter().map(i64::from).collect() }
}

/// Specializes `func` for calls whose first parameter is in `events` (see
/// the module docs); `domtree` is `func`'s dominator tree. The result
/// refines `func` only for such calls.
pub fn specialize(func: &mut Function, domtree: &DominatorTree, events: EventSet) -> Specialized {
    specialize_with(func, domtree, vec![event_fact(events), ValueSet::Top, ValueSet::Top])
}

/// Specializes `func` for calls whose entry parameters are within `entry`
/// (in order; a missing fact is top), as [`specialize`] does for a
/// callback's event.
pub fn specialize_with(func: &mut Function, domtree: &DominatorTree, entry: Vec<ValueSet>) -> Specialized {
    let sol = Dataflow::new(func, &ValueSets).with_entry_facts(entry).with_edge_facts(domtree).solve();
    let mut out = Specialized::default();
    let blocks: Vec<_> = func.layout.blocks().filter(|&b| sol.block_is_executable(b)).collect();
    for block in blocks {
        let Some(inst) = func.terminator(block) else { continue };
        let is_table = match func.dfg.insts[inst] {
            InstructionData::Brif { .. } => false,
            InstructionData::BrTable { .. } => true,
            _ => continue,
        };
        let edges: Vec<Edge> = edges_from(func, inst).collect();
        let live: Vec<Edge> = edges.iter().copied().filter(|&e| sol.edge_is_executable(e)).collect();
        let Some(&first) = live.first() else { continue };
        if live.len() == edges.len() {
            continue;
        }
        let dest = |e: Edge| (edge_target(func, e), resolved(func, edge_args(func, e)));
        if !is_table || live.iter().all(|&e| dest(e) == dest(first)) {
            make_jump(func, first);
        } else {
            // Slot 0 is the default.
            let to = live.iter().copied().find(|e| e.slot == 0).unwrap_or(first);
            let Some(target) = edge_target(func, to) else { continue };
            let args = edge_args(func, to).to_vec();
            for &e in edges.iter().filter(|e| !live.contains(e)) {
                set_edge(func, e, target, &args);
            }
        }
        out.branches += 1;
    }
    let before = func.layout.blocks().count();
    remove_unreachable_blocks(func);
    out.blocks_removed = before - func.layout.blocks().count();
    out
}

fn resolved(func: &Function, args: &[Value]) -> Vec<Value> {
    args.iter().map(|&a| func.dfg.resolve_aliases(a)).collect()
}

impl ModulePass for CallbackReachability {
    fn run(&self, module: &mut Module, cx: &mut ModuleCx) -> ModuleChanged {
        let facts = P3Facts::of(module, cx.assume_events());
        let events = facts.events;
        let mut changed: Vec<FuncRef> = Vec::new();
        // The entry facts of the functions specialized so far (or that
        // nothing needed specializing under them).
        let mut entry: BTreeMap<FuncRef, Vec<ValueSet>> = BTreeMap::new();
        let mut tables = if facts.callbacks.is_empty() { SealedTables::default() } else { SealedTables::of(module) };
        // Each event's bound on `p2` (F5 for stream events), and their join.
        let bounds: Vec<(EventCode, Option<u64>)> = events.iter().map(|e| (e, payload_bound(module, e))).collect();
        let payload: Option<u64> = bounds.iter().try_fold(0, |m, &(_, b)| b.map(|b| b.max(m)));
        // Callbacks' entry facts split by event, for their callees.
        let mut split: BTreeMap<FuncRef, Vec<Vec<ValueSet>>> = BTreeMap::new();
        for cb in &facts.callbacks {
            let who = format!("callback `{}` (function {})", cb.export, cb.func.as_u32());
            if entry.contains_key(&cb.func) {
                continue;
            }
            let declined = match &cb.declined {
                Some(reason) => Err(reason.clone()),
                None if events.is_empty() => Err("no event can reach it (the event set is empty)".to_string()),
                None => callers_agree(module, cx, cb.func, events),
            };
            if let Err(reason) = declined {
                module.notes.push(format!("{who}: declined: {reason}"));
                continue;
            }
            match module.defined(cb.func).map(|d| &d.body) {
                Some(FuncBody::Ir(func)) if cx.function(cb.func).is_some() => {
                    if func.entry_block().is_none() {
                        continue;
                    }
                }
                _ => {
                    module.notes.push(format!("{who}: declined: its body is not IR"));
                    continue;
                }
            }
            // The payload's bounds, unless an in-module caller passes more.
            let agreed = payload.is_none_or(|max| {
                callers_agree_on(module, cx, cb.func, 2, &payload_fact(max), &|fact| format!("p2 ∈ {}", describe(fact)))
                    .is_ok()
            });
            let payload = payload.filter(|_| agreed);
            let case = |(e, b): &(EventCode, Option<u64>)| {
                let p2 = b.filter(|_| agreed).map_or(ValueSet::Top, payload_fact);
                vec![event_fact(std::iter::once(*e).collect()), ValueSet::Top, p2]
            };
            split.insert(cb.func, bounds.iter().map(case).collect());
            let Some(FuncBody::Ir(func)) = module.defined_mut(cb.func).map(|d| &mut d.body) else { continue };
            let Some(fcx) = cx.function(cb.func) else { continue };
            let facts_in = vec![event_fact(events), ValueSet::Top, payload.map_or(ValueSet::Top, payload_fact)];
            let done = specialize_with(func, fcx.domtree(func), facts_in.clone());
            entry.insert(cb.func, facts_in.clone());
            let (direct, invariants) = if tables.is_empty() {
                (0, Vec::new())
            } else {
                let cfg = ControlFlowGraph::with_function(func);
                let domtree = DominatorTree::with_function(func, &cfg);
                devirtualize_function(module, &mut tables, cb.func, &domtree, facts_in)
            };
            if done.changed() || direct > 0 {
                // Later callers' checks read this body's analyses afresh.
                if let Some(fcx) = cx.function_mut(cb.func) {
                    fcx.invalidate(Preserved::NONE);
                }
                let direct = if direct > 0 { format!(", {direct} indirect calls made direct") } else { String::new() };
                let p2 = payload.map_or(String::new(), |max| format!(", p2 ≤ {max}"));
                module.notes.push(format!(
                    "{who}: specialized under event ∈ {events}{p2}: {} branches folded, {} blocks removed{direct}",
                    done.branches, done.blocks_removed
                ));
                let mut pre = vec![event_precondition(events)];
                pre.extend(payload.map(|max| Precondition::ParamRange {
                    param: 2,
                    min: 0,
                    max: max as i64,
                    signed: false,
                }));
                pre.extend(invariants.into_iter().map(Precondition::Invariant));
                cx.assume(cb.func, pre);
                changed.push(cb.func);
            }
        }
        let delivered = if facts.callbacks.is_empty() { delivered_events(module, events) } else { None };
        if let Some(d) = &delivered {
            let names: Vec<String> = d
                .imports
                .iter()
                .filter_map(|f| module.imported_funcs.get(f.as_u32() as usize))
                .map(|i| format!("`{}`", i.field))
                .collect();
            module.notes.push(format!(
                "an event word read from {} right after {} returns is taken as an event in {events} where it is \
                 passed as the first argument of a function shaped like a callback",
                d.memory,
                names.join(", ")
            ));
        }
        if !entry.is_empty() || delivered.is_some() {
            propagate(module, cx, &mut entry, &split, delivered.as_ref(), &mut changed);
        }
        if changed.is_empty() {
            ModuleChanged::No
        } else {
            ModuleChanged::Yes { functions: changed, preserved: Preserved::NONE }
        }
    }
}

/// The interprocedural step (see the module docs): specializes each
/// function whose every call is a direct call from a function whose
/// facts are final, under the join of the arguments' facts at those calls.
/// A caller in `split` is solved once under each of its entry-fact cases
/// (a callback: once per event), and its calls contribute the facts of
/// every case.
fn propagate(
    module: &mut Module,
    cx: &mut ModuleCx,
    entry: &mut BTreeMap<FuncRef, Vec<ValueSet>>,
    split: &BTreeMap<FuncRef, Vec<Vec<ValueSet>>>,
    delivered: Option<&Delivered>,
    changed: &mut Vec<FuncRef>,
) {
    if module.funcs.iter().any(|f| matches!(f.body, FuncBody::Opaque { .. })) {
        return;
    }
    // The callbacks changed: the call graph is computed afresh.
    cx.invalidate_call_graph();
    let cg = cx.call_graph(module);
    let mut outside: BTreeSet<FuncRef> = cg.roots().iter().copied().collect();
    outside.extend(cg.indirect_targets().iter().copied());
    outside.extend(module.start);
    let candidates: BTreeSet<FuncRef> = module
        .funcs
        .iter()
        .filter(|d| matches!(d.body, FuncBody::Ir(_)) && !outside.contains(&d.index) && !entry.contains_key(&d.index))
        .map(|d| d.index)
        .filter(|&g| {
            cg.callers(g).iter().all(|&c| {
                cg.call_edges(c).iter().all(|&(t, kind)| t != g || matches!(kind, CallKind::Direct | CallKind::Tail))
            })
        })
        .collect();
    let callers: BTreeMap<FuncRef, Vec<FuncRef>> = candidates.iter().map(|&g| (g, cg.callers(g))).collect();
    let mut sites: BTreeMap<FuncRef, Vec<(FuncRef, Vec<ValueSet>)>> = BTreeMap::new();
    let mut done: BTreeSet<FuncRef> = BTreeSet::new();
    loop {
        let mut progress = false;
        for &g in &candidates {
            let ready = |c: &FuncRef| !candidates.contains(c) || done.contains(c);
            if done.contains(&g) || !callers[&g].iter().all(ready) {
                continue;
            }
            done.insert(g);
            progress = true;
            let mut join: Option<Vec<ValueSet>> = None;
            for &c in &callers[&g] {
                let list = sites.entry(c).or_insert_with(|| match split.get(&c) {
                    Some(cases) => cases.iter().flat_map(|case| call_sites(module, c, Some(case), delivered)).collect(),
                    None => call_sites(module, c, entry.get(&c), delivered),
                });
                for (_, args) in list.iter().filter(|(t, _)| *t == g) {
                    join = Some(match join {
                        None => args.clone(),
                        Some(j) => j.iter().zip(args).map(|(a, b)| a.join(b)).collect(),
                    });
                }
            }
            let Some(facts) = join else { continue };
            let Some(FuncBody::Ir(func)) = module.defined_mut(g).map(|d| &mut d.body) else { continue };
            let Some(block) = func.entry_block() else { continue };
            let params = func.dfg.block_params(block).to_vec();
            let mut facts_in = Vec::new();
            let mut preconditions = Vec::new();
            for (k, (&p, fact)) in params.iter().zip(&facts).enumerate() {
                let (fact, pre) = precondition(k, func.dfg.value_type(p), fact);
                facts_in.push(fact);
                preconditions.extend(pre);
            }
            if preconditions.is_empty() {
                continue;
            }
            let cfg = ControlFlowGraph::with_function(func);
            let domtree = DominatorTree::with_function(func, &cfg);
            let result = specialize_with(func, &domtree, facts_in.clone());
            let described: Vec<String> = preconditions.iter().map(|p| p.describe(func)).collect();
            entry.insert(g, facts_in);
            sites.remove(&g);
            if result.changed() {
                let note = format!(
                    "function {} (`{}`), called only with {}: {} branches folded, {} blocks removed",
                    g.as_u32(),
                    func.name,
                    described.join(", "),
                    result.branches,
                    result.blocks_removed
                );
                module.notes.push(note);
                cx.assume(g, preconditions);
                changed.push(g);
            }
        }
        if !progress {
            break;
        }
    }
}

/// The facts of the arguments of every direct call in an executable block
/// of `f`, by callee, solved under `entry` (top when `None`). With
/// `delivered`, the event a callback-shaped callee (`(i32, i32, i32) ->
/// i32`) receives as its first argument is solved knowing what a
/// delivered event word holds (see [`delivered_events`]); every other
/// argument without it.
fn call_sites(
    module: &Module,
    f: FuncRef,
    entry: Option<&Vec<ValueSet>>,
    delivered: Option<&Delivered>,
) -> Vec<(FuncRef, Vec<ValueSet>)> {
    let Some(FuncBody::Ir(func)) = module.funcs.iter().find(|d| d.index == f).map(|d| &d.body) else {
        return Vec::new();
    };
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    let solve = |pins: Vec<(Value, ValueSet)>| {
        Dataflow::new(func, &ValueSets)
            .with_entry_facts(entry.cloned().unwrap_or_default())
            .with_value_facts(pins)
            .with_edge_facts(&domtree)
            .solve()
    };
    let copies = copy_result_facts(module, func);
    let sol = solve(copies.clone());
    let pins = delivered.map(|d| d.loads(module, func)).unwrap_or_default();
    let events = (!pins.is_empty()).then(|| solve(pins.into_iter().chain(copies).collect()));
    let mut out = Vec::new();
    for block in func.layout.blocks().filter(|&b| sol.block_is_executable(b)) {
        for inst in func.layout.block_insts(block) {
            if let InstructionData::Op { opcode: Opcode::Call | Opcode::ReturnCall, imm: Imm::Func(callee), .. } =
                func.dfg.insts[inst]
            {
                let mut args: Vec<ValueSet> =
                    func.dfg.inst_args(inst).iter().map(|&a| sol.value_at(func, block, a).clone()).collect();
                if let (Some(ev), Some(first), true) = (&events, args.first_mut(), is_callback_shaped(module, callee))
                    && ev.block_is_executable(block)
                {
                    *first = ev.value_at(func, block, func.dfg.inst_args(inst)[0]).clone();
                }
                out.push((callee, args));
            }
        }
    }
    out
}

/// Does `f` have a callback's signature, `(i32, i32, i32) -> i32`?
fn is_callback_shaped(module: &Module, f: FuncRef) -> bool {
    module.func_sig(f).is_some_and(|s| s.params == [Type::I32; 3] && s.results == [Type::I32])
}

/// Event delivery by the host into memory: the imports that write an
/// event record (`[waitable-set-poll]`, `[waitable-set-wait]`), the memory
/// the host writes (the exported `memory`, else the only one), and the
/// events that can arrive.
///
/// The canonical ABI returns the event code and writes the payload words
/// at the pointer; the callback-driving trampolines that fusion emits
/// (`../shared/design/P3-ABI.md`, "Shapes that fusion emits") load the
/// event from the word at the pointer instead. Either way the event is one
/// the subscription rule allows (or NONE, from a poll with nothing ready).
/// Only a word loaded from the pointer right after the call — no store,
/// call or other write between them in the block — counts, only as the
/// first argument of a callback-shaped callee ([`call_sites`]), and only
/// in a module that exports no callback (a fused module whose trampoline
/// drives a callback that is no longer exported): in the canonical layout
/// that word is a waitable handle, and a module lifted with a callback
/// receives its events from the host, not from such a load.
struct Delivered {
    imports: BTreeSet<FuncRef>,
    memory: MemoryRef,
    fact: ValueSet,
}

/// The module's event delivery, when it imports a builtin that delivers
/// events into memory and the memory the host writes is known.
fn delivered_events(module: &Module, events: EventSet) -> Option<Delivered> {
    let imports: BTreeSet<FuncRef> = (0..module.imported_funcs.len())
        .filter(|&i| delivers_events(&module.imported_funcs[i].field))
        .map(|i| FuncRef::from_u32(i as u32))
        .collect();
    if imports.is_empty() || events.is_empty() {
        return None;
    }
    let exported = module.exports.iter().find(|e| e.kind == ExportKind::Memory && e.name == "memory");
    let memory = match exported {
        Some(e) => MemoryRef::from_u32(e.index),
        None if module.memories.len() == 1 => MemoryRef::from_u32(0),
        None => return None,
    };
    Some(Delivered { imports, memory, fact: event_fact(events) })
}

impl Delivered {
    /// The `i32` loads of `func` that read the event word a delivery just
    /// wrote, with the fact of what they read.
    fn loads(&self, module: &Module, func: &Function) -> Vec<(Value, ValueSet)> {
        let key = |v: Value| {
            let v = func.dfg.resolve_aliases(v);
            func.dfg.int_const(v).ok_or(v)
        };
        let mut out = Vec::new();
        for block in func.layout.blocks() {
            let mut pointer = None;
            for inst in func.layout.block_insts(block) {
                let InstructionData::Op { opcode, imm, .. } = func.dfg.insts[inst] else { continue };
                let args = func.dfg.inst_args(inst);
                match (opcode, imm) {
                    (Opcode::Call, Imm::Func(f)) if self.imports.contains(&f) && module.is_imported(f) => {
                        pointer = args.get(1).map(|&p| key(p));
                    }
                    (Opcode::I32Load, Imm::Mem(m))
                        if m.memory == self.memory
                            && m.offset == 0
                            && pointer.is_some()
                            && pointer == args.first().map(|&a| key(a)) =>
                    {
                        out.extend(func.dfg.inst_results(inst).first().map(|&r| (r, self.fact.clone())));
                    }
                    _ if opcode.effects().intersects(Effects::WRITES_MEMORY | Effects::CALL) => pointer = None,
                    _ => {}
                }
            }
        }
        out
    }
}

/// The entry fact and precondition of parameter `k` of type `ty` whose
/// arguments are within `fact`: a set of at most [`MAX_LISTED`] values is
/// listed, a larger one is widened to its hull, a range; top and other
/// types give no precondition.
fn precondition(k: usize, ty: Type, fact: &ValueSet) -> (ValueSet, Option<Precondition>) {
    let Some(set) = fact.set(ty).filter(|_| matches!(fact, ValueSet::Values(_))) else {
        return (ValueSet::Top, None);
    };
    if set.count() <= MAX_LISTED
        && let Some(values) = set.values(MAX_LISTED as usize)
    {
        let values = values.into_iter().map(|v| v as i64).collect();
        return (fact.clone(), Some(Precondition::ParamIn { param: k, values }));
    }
    let hull = set.hull();
    match (hull.min(), hull.max()) {
        (Some(min), Some(max)) => (
            ValueSet::of(hull),
            Some(Precondition::ParamRange { param: k, min: min as i64, max: max as i64, signed: false }),
        ),
        _ => (ValueSet::Top, None),
    }
}

/// The most values a precondition lists one by one.
const MAX_LISTED: u128 = 64;

/// Checks every direct call of `callee` in an IR body: the event it passes
/// must be within `events` where its value set is known (see the module
/// docs).
fn callers_agree(module: &Module, cx: &ModuleCx, callee: FuncRef, events: EventSet) -> Result<(), String> {
    callers_agree_on(module, cx, callee, 0, &event_fact(events), &|fact| {
        format!("event ∈ {}, not within {events}", describe(fact))
    })
}

/// The value-set fact of a callback's `p2` of at most `max`.
fn payload_fact(max: u64) -> ValueSet {
    ValueSet::of(IntervalSet::range(32, 0, max))
}

/// Checks every direct call of `callee` in an IR body: its argument `k`
/// must be within `allowed` where its value set is known; `what` words a
/// fact that is not.
fn callers_agree_on(
    module: &Module,
    cx: &ModuleCx,
    callee: FuncRef,
    k: usize,
    allowed: &ValueSet,
    what: &dyn Fn(&ValueSet) -> String,
) -> Result<(), String> {
    let allowed = allowed.clone();
    for def in &module.funcs {
        let FuncBody::Ir(func) = &def.body else { continue };
        let calls: Vec<_> = func
            .layout
            .blocks()
            .flat_map(|b| func.layout.block_insts(b).map(move |i| (b, i)))
            .filter(|&(_, i)| {
                matches!(func.dfg.insts[i],
                    InstructionData::Op { opcode: Opcode::Call | Opcode::ReturnCall, imm: Imm::Func(f), .. } if f == callee)
            })
            .collect();
        if calls.is_empty() {
            continue;
        }
        let fresh;
        let domtree = match cx.function(def.index) {
            Some(fcx) => fcx.domtree(func),
            None => {
                let cfg = ControlFlowGraph::with_function(func);
                fresh = DominatorTree::with_function(func, &cfg);
                &fresh
            }
        };
        let sol: Solution<ValueSet> = Dataflow::new(func, &ValueSets).with_edge_facts(domtree).solve();
        for (block, inst) in calls {
            if !sol.block_is_executable(block) {
                continue;
            }
            let Some(&arg) = func.dfg.inst_args(inst).get(k) else { continue };
            let fact = sol.value_at(func, block, arg);
            if *fact != ValueSet::Top && fact.join(&allowed) != allowed {
                return Err(format!("function {} (`{}`) calls it with {}", def.index.as_u32(), func.name, what(fact)));
            }
        }
    }
    Ok(())
}

fn describe(fact: &ValueSet) -> String {
    match fact {
        ValueSet::Bottom => "{}".into(),
        ValueSet::Top => "any value".into(),
        ValueSet::Values(s) => {
            let parts: Vec<String> = s
                .ranges()
                .iter()
                .map(|&(lo, hi)| if lo == hi { lo.to_string() } else { format!("{lo}..={hi}") })
                .collect();
            format!("{{{}}}", parts.join(", "))
        }
    }
}

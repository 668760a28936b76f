//! `callback-reachability`: specialize every P3 callback export under the
//! events that can reach it, so the handler arms of impossible events
//! become unreachable and disappear.
//!
//! A callback `[callback][async-lift]<iface>#<func>` receives
//! `(event, p1, p2)`, and the event is one of the set `S` that the P3 fact
//! model ([`crate::p3`]) derives from the module's imports (or that the
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
//! Uses the dominator tree of each callback and of each direct caller
//! (through [`crate::ModuleCx`]). Preserves nothing of a changed callback
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
//! ABI's fact (above), not something the checker sees.
//!
//! # Complexity
//!
//! One dataflow solution per callback and per direct caller of a callback
//! (the framework's bound: each fact changes a bounded number of times),
//! then one walk over the callback's blocks and edges.

use weft_ir::cfg_edit::{edge_args, edge_target, edges_from, make_jump, remove_unreachable_blocks, set_edge};
use weft_ir::{DominatorTree, Edge, FuncBody, FuncRef, Function, Imm, InstructionData, Module, Opcode, Value};
use weft_verify::Precondition;

use crate::ModulePass;
use crate::analysis::dataflow::{Dataflow, Lattice, Solution};
use crate::analysis::interval_set::IntervalSet;
use crate::analysis::value_set::{ValueSet, ValueSets};
use crate::context::{ModuleChanged, ModuleCx, Preserved};
use crate::p3::{EventSet, P3Facts};

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
    let sol = Dataflow::new(func, &ValueSets)
        .with_entry_facts(vec![event_fact(events), ValueSet::Top, ValueSet::Top])
        .with_edge_facts(domtree)
        .solve();
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
        for cb in &facts.callbacks {
            let who = format!("callback `{}` (function {})", cb.export, cb.func.as_u32());
            if changed.contains(&cb.func) {
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
            let Some(fcx) = cx.function(cb.func) else {
                module.notes.push(format!("{who}: declined: its body is not IR"));
                continue;
            };
            let Some(FuncBody::Ir(func)) = module.defined_mut(cb.func).map(|d| &mut d.body) else {
                module.notes.push(format!("{who}: declined: its body is not IR"));
                continue;
            };
            if func.entry_block().is_none() {
                continue;
            }
            let done = specialize(func, fcx.domtree(func), events);
            if done.changed() {
                module.notes.push(format!(
                    "{who}: specialized under event ∈ {events}: {} branches folded, {} blocks removed",
                    done.branches, done.blocks_removed
                ));
                cx.assume(cb.func, vec![event_precondition(events)]);
                changed.push(cb.func);
            }
        }
        if changed.is_empty() {
            ModuleChanged::No
        } else {
            ModuleChanged::Yes { functions: changed, preserved: Preserved::NONE }
        }
    }
}

/// Checks every direct call of `callee` in an IR body: the event it passes
/// must be within `events` where its value set is known (see the module
/// docs).
fn callers_agree(module: &Module, cx: &ModuleCx, callee: FuncRef, events: EventSet) -> Result<(), String> {
    let allowed = event_fact(events);
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
                let cfg = weft_ir::ControlFlowGraph::with_function(func);
                fresh = DominatorTree::with_function(func, &cfg);
                &fresh
            }
        };
        let sol: Solution<ValueSet> = Dataflow::new(func, &ValueSets).with_edge_facts(domtree).solve();
        for (block, inst) in calls {
            if !sol.block_is_executable(block) {
                continue;
            }
            let Some(&event) = func.dfg.inst_args(inst).first() else { continue };
            let fact = sol.value_at(func, block, event);
            if *fact != ValueSet::Top && fact.join(&allowed) != allowed {
                return Err(format!(
                    "function {} (`{}`) calls it with event ∈ {}, not within {events}",
                    def.index.as_u32(),
                    func.name,
                    describe(fact)
                ));
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

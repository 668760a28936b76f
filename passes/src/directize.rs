//! `directize`: turn a `call_indirect` through a table that never changes
//! into direct calls, when its index can only select a few functions.
//!
//! A table is *sealed* ([`crate::analysis::tables`]): defined by the module,
//! neither imported nor exported, never written or grown by any function,
//! its contents set by active element segments at constant offsets. Each
//! slot then holds the same function from instantiation on. Where the
//! value-set dataflow bounds a `call_indirect`'s index to slots holding at
//! most eight distinct functions (within the first 64 slots), the call
//! becomes a `br_table` on the index with one direct call per function;
//! slots the index cannot select, null slots, slots of another type and
//! indices past the end go to one `unreachable` block (they trap in the
//! original too, or cannot happen):
//!
//! ```text
//! ; table0 = [fn1, fn2, null, fn1], all of sig0's type
//! block0(v0: i32, v1: i32):                  block0(v0: i32, v1: i32):
//!     v2 = i32.const 3                           v2 = i32.const 3
//!     v3 = i32.and v0, v2                        v3 = i32.and v0, v2
//!     v4 = call_indirect sig0 table0 v3(v1)      br_table v3, block2, [block3, block4, block2, block3]
//!     return v4                    ─▶        block1(v5: i32):
//!                                                return v5
//!                                            block2:
//!                                                trap
//!                                            block3:
//!                                                v6 = call fn1(v1)
//!                                                jump block1(v6)
//!                                            block4:
//!                                                v7 = call fn2(v1)
//!                                                jump block1(v7)
//! ```
//!
//! A call is rewritten when that pays:
//!
//! - its index can only be one slot: the `br_table` on a value `sccp`
//!   knows folds away and one direct call remains, cheaper than a bounds
//!   check, a load of the slot and a signature check (and inlinable);
//! - or every instruction that names its table is such a call in an
//!   executable block, and the functions in the table's slots that are
//!   neither a possible target of those calls nor named anywhere else (an
//!   export, the start function, a call or `ref.func`, a global
//!   initializer, a passive or declarative segment) take more bytes than
//!   the rewritten calls add (an estimate): once all calls are
//!   direct the table is unused, and `module-dce` removes it, its element
//!   segments and those functions — the reason this pass runs early in
//!   `-O2`.
//!
//! Other calls stay indirect: a `br_table` over several direct calls is
//! larger than the `call_indirect` and no faster (both jump through a
//! table). `callback-reachability` rewrites a callback's call on its event
//! under the event precondition, whatever it costs: that is how the slots
//! of impossible events stop being reachable.
//!
//! # Preconditions
//!
//! The module's contents are known (no opaque body, complete items, types
//! in recursion groups of one); see [`crate::analysis::tables`] for the
//! conditions on the table. A module with no sealed table is not searched.
//!
//! # Analyses
//!
//! The value-set dataflow of each function with a `call_indirect` through
//! a sealed table, with edge facts (its dominator tree from the
//! function's [`crate::PassCx`]); the changed functions preserve nothing
//! (new blocks, a split block).
//!
//! # Verification obligation
//!
//! Each changed function refines its original given what the table
//! holds. That is a module invariant — the table's size and slots at every
//! function entry and after every call — which `weft_verify` proves
//! (established by instantiation, the start function and `_initialize`;
//! preserved by every function) before any call changes; the manager's
//! refinement check of the function assumes the proved invariant
//! ([`crate::ModuleCx::assume`]). A table whose proof fails is left alone,
//! with the reason in `--stats`.
//!
//! # Complexity
//!
//! One scan of every instruction for the tables' seals; one dataflow
//! solution per function with a candidate call; one invariant proof per
//! table used (symbolic execution of every function of the module, once).

use std::collections::{BTreeMap, BTreeSet};

use weft_ir::{ElemMode, ExportKind, FuncBody, FuncRef, Imm, InstructionData, Module, Opcode, TableRef};
use weft_verify::Precondition;

use crate::ModulePass;
use crate::analysis::tables::{SealedTables, Site, devirtualize_sites, function_sites, table_uses};
use crate::context::{ModuleChanged, ModuleCx, Preserved};

/// The pass. See the module docs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Directize;

impl ModulePass for Directize {
    fn run(&self, module: &mut Module, cx: &mut ModuleCx) -> ModuleChanged {
        let mut tables = SealedTables::of(module);
        if tables.is_empty() {
            return ModuleChanged::No;
        }
        let candidates: Vec<FuncRef> = module
            .funcs
            .iter()
            .filter(|d| match &d.body {
                FuncBody::Ir(func) => func.dfg.insts.values().any(|data| {
                    matches!(data, InstructionData::Op { opcode: Opcode::CallIndirect, imm: Imm::SigTable(_, t), .. }
                        if tables.get(*t).is_some())
                }),
                FuncBody::Opaque { .. } => false,
            })
            .map(|d| d.index)
            .collect();
        let mut found: Vec<(FuncRef, Vec<Site>)> = Vec::new();
        for f in candidates {
            let Some(fcx) = cx.function(f) else { continue };
            let Some(FuncBody::Ir(func)) = module.defined(f).map(|d| &d.body) else { continue };
            let sites = function_sites(module, &tables, f, fcx.domtree(func), Vec::new());
            if !sites.is_empty() {
                found.push((f, sites));
            }
        }
        // A table every use of which is a site here dies once they are
        // rewritten, worth it when a function only its slots name goes
        // with it; elsewhere only a call with one possible slot is.
        let uses = table_uses(module);
        let mut sites_of: BTreeMap<TableRef, usize> = BTreeMap::new();
        let mut targets_of: BTreeMap<TableRef, BTreeSet<FuncRef>> = BTreeMap::new();
        for site in found.iter().flat_map(|(_, s)| s) {
            *sites_of.entry(site.table).or_insert(0) += 1;
            targets_of.entry(site.table).or_default().extend(site.targets.iter().flatten().map(|(f, _)| *f));
        }
        let named = named_outside_tables(module);
        // Bytes the freed functions, the table and its segments take, at
        // least: each freed body, the table type, one byte a slot.
        let freed_bytes = |t: TableRef| -> usize {
            let Some(table) = tables.get(t) else { return 0 };
            let freed: BTreeSet<FuncRef> = table
                .slots
                .iter()
                .flatten()
                .filter(|f| !named.contains(f) && !targets_of[&t].contains(f))
                .copied()
                .collect();
            if freed.is_empty() {
                return 0;
            }
            let bodies: usize =
                freed.iter().filter_map(|f| module.defined(*f)).map(|d| d.original_range.len() + 2).sum();
            bodies + 4 + table.slots.len()
        };
        // Bytes the rewritten calls add, about: per call the `br_table` (a
        // byte a slot and a few more), a block, a call and a branch per
        // function.
        let mut added: BTreeMap<TableRef, usize> = BTreeMap::new();
        for site in found.iter().flat_map(|(_, s)| s) {
            let callees: BTreeSet<FuncRef> = site.targets.iter().flatten().map(|(f, _)| *f).collect();
            *added.entry(site.table).or_insert(0) += 4 + site.targets.len() + 6 * callees.len();
        }
        let dies: BTreeMap<TableRef, bool> =
            sites_of.keys().map(|&t| (t, sites_of.get(&t) == uses.get(&t) && freed_bytes(t) > added[&t])).collect();
        let dies = |t: TableRef| dies.get(&t).copied().unwrap_or(false);
        let mut changed = Vec::new();
        for (f, mut sites) in found {
            sites.retain(|s| s.single_slot || dies(s.table));
            if sites.is_empty() {
                continue;
            }
            let (n, invariants) = devirtualize_sites(module, &mut tables, f, sites);
            if n > 0 {
                if let Some(fcx) = cx.function_mut(f) {
                    fcx.invalidate(Preserved::NONE);
                }
                let name = module.func_name(f).unwrap_or_default().to_string();
                module.notes.push(format!("function {} (`{name}`): {n} indirect calls made direct", f.as_u32()));
                cx.assume(f, invariants.into_iter().map(Precondition::Invariant).collect());
                changed.push(f);
            }
        }
        if changed.is_empty() {
            ModuleChanged::No
        } else {
            ModuleChanged::Yes { functions: changed, preserved: Preserved::NONE }
        }
    }
}

/// The functions something other than an active element segment names:
/// exports, the start function, calls and `ref.func` in bodies, global
/// initializers, and passive or declarative segments.
fn named_outside_tables(module: &Module) -> BTreeSet<FuncRef> {
    let mut out: BTreeSet<FuncRef> =
        module.exports.iter().filter(|e| e.kind == ExportKind::Func).map(|e| FuncRef::from_u32(e.index)).collect();
    out.extend(module.start);
    for init in module.items.global_inits.iter().flatten() {
        out.extend(init.uses.funcs.iter().copied());
    }
    for seg in &module.items.elems {
        if !matches!(seg.mode, ElemMode::Active { .. }) {
            out.extend(seg.uses.funcs.iter().copied());
        }
    }
    for d in &module.funcs {
        let FuncBody::Ir(func) = &d.body else { continue };
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                if let InstructionData::Op { imm: Imm::Func(f), .. } = func.dfg.insts[inst] {
                    out.insert(f);
                }
            }
        }
    }
    out
}

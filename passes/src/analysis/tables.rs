//! Sealed tables: `funcref` tables whose every slot is known for the whole
//! life of the module, and the indirect calls through them that a value-set
//! solution bounds to a few known functions.
//!
//! A table is *sealed* when
//! - it is defined by the module (not imported) and not exported, so
//!   neither the host nor another module can reach it;
//! - no function writes or grows it: every body is IR (an opaque body might
//!   do anything), and no instruction is `table.set`, `table.fill`,
//!   `table.grow`, `table.init` or `table.copy` naming it;
//! - its contents at instantiation are known: every active element segment
//!   writing it has a constant offset, items that are functions or null,
//!   and lies within the table's initial size, at most [`MAX_TABLE`]
//!   elements; the module's types are in
//!   recursion groups of one (so two function types match exactly when
//!   their signatures are equal).
//!
//! Its slots then hold, from instantiation on, what the active segments
//! wrote, in order, and its size is its initial size. A `call_indirect`
//! through it whose index can only be one of a few slots can call those
//! functions directly ([`devirtualize`], through
//! [`weft_ir::cfg_edit::devirtualize_call`]): an index the value set rules
//! out, a null slot, a slot of another type and an index past the end
//! trap.
//!
//! # Verification obligation
//!
//! The refinement check of a function with a devirtualized call must know
//! what the table holds. [`SealedTables::invariant`] states it as a module
//! invariant (`(table.size T) == N` and `(table.get T i) == (ref.func fnK)`
//! for the slots the calls use) and has `weft_verify` prove it —
//! established from the instantiated state through the start function and
//! `_initialize`, and preserved by every function of the module — before
//! any call is rewritten; the caller hands the [`ProvedInvariant`] to the
//! check ([`crate::ModuleCx::assume`] with
//! [`weft_verify::Precondition::Invariant`]).
//! The syntactic conditions above are why the proof is expected to
//! succeed, not what the checker relies on.
//!
//! This module changes no code itself apart from [`devirtualize`], which
//! rewrites exactly the sites it is given.

use std::collections::BTreeMap;

use weft_ir::cfg_edit::devirtualize_call;
use weft_ir::{
    DominatorTree, ElemMode, ExportKind, FuncBody, FuncDecl, FuncRef, Function, Imm, Inst, InstructionData, Module,
    ModuleEntity, Opcode, TableRef,
};
use weft_verify::{Fact, InitialState, ModuleInvariant, ProvedInvariant, Term, prove_module_invariant};

use crate::analysis::dataflow::{Dataflow, Solution};
use crate::analysis::value_set::{ValueSet, ValueSets};

/// Most slots a devirtualized call's `br_table` covers.
pub const MAX_SLOTS: u64 = 64;

/// Most distinct functions a devirtualized call may call.
pub const MAX_CALLEES: usize = 8;

/// Largest table (initial size, in elements) that can be sealed: its
/// contents are stated whole to the checker.
pub const MAX_TABLE: u64 = 1024;

/// A sealed table (see the module docs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SealedTable {
    /// Slot `i` holds this function (`None`: null) for the module's life.
    pub slots: Vec<Option<FuncRef>>,
}

/// One `call_indirect` that can call its possible slots directly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Site {
    /// The call.
    pub inst: Inst,
    /// Its table.
    pub table: TableRef,
    /// Per slot from 0: the function the call reaches there, or `None`
    /// (the index cannot be this slot, or the call traps there).
    pub targets: Vec<Option<(FuncRef, FuncDecl)>>,
    /// The functions in slots the index may select whose type is not the
    /// call's (the call traps there): declared in the function so that its
    /// check knows their types.
    pub mismatched: Vec<(FuncRef, FuncDecl)>,
    /// The index can only be one slot of the table (the call then becomes
    /// one direct call once the constant index is folded).
    pub single_slot: bool,
}

/// The sealed tables of a module and the proofs of their contents.
#[derive(Debug, Default)]
pub struct SealedTables {
    tables: BTreeMap<TableRef, SealedTable>,
    decls: BTreeMap<FuncRef, FuncDecl>,
    proofs: BTreeMap<TableRef, Result<ProvedInvariant, String>>,
}

impl SealedTables {
    /// The sealed tables of `module`.
    pub fn of(module: &Module) -> SealedTables {
        let mut out = SealedTables::default();
        let items = &module.items;
        if !items.complete
            || items.type_groups.iter().any(|g| g.len() != 1)
            || module.funcs.iter().any(|f| !matches!(f.body, FuncBody::Ir(_)))
        {
            return out;
        }
        let mut tables: BTreeMap<TableRef, Option<Vec<Option<FuncRef>>>> = BTreeMap::new();
        for (i, decl) in module.tables.iter().enumerate() {
            let t = TableRef::from_u32(i as u32);
            let Some(decl) = decl else { continue };
            let exported = module.exports.iter().any(|e| e.kind == ExportKind::Table && e.index == t.as_u32());
            if decl.elem == weft_ir::Type::FuncRef && !exported && !module.is_import(ModuleEntity::Table(t)) {
                let size = items.table_mins.get(i).copied().unwrap_or(decl.min);
                let known = (size <= MAX_TABLE).then(|| vec![None; size as usize]);
                tables.insert(t, known);
            }
        }
        for seg in &items.elems {
            let ElemMode::Active { table, offset } = &seg.mode else { continue };
            let Some(Some(slots)) = tables.get_mut(table) else { continue };
            let placed = offset.value.zip(seg.funcs.as_ref()).and_then(|(at, funcs)| {
                let at = usize::try_from(at).ok()?;
                let dest = slots.get_mut(at..at.checked_add(funcs.len())?)?;
                dest.copy_from_slice(funcs);
                Some(())
            });
            if placed.is_none() {
                tables.insert(*table, None);
            }
        }
        for f in &module.funcs {
            let FuncBody::Ir(func) = &f.body else { continue };
            for block in func.layout.blocks() {
                for inst in func.layout.block_insts(block) {
                    for t in written_tables(func, inst) {
                        tables.insert(t, None);
                    }
                }
            }
        }
        for (t, slots) in tables {
            let Some(slots) = slots else { continue };
            for f in slots.iter().flatten() {
                if let Some(sig) = module.func_sig(*f) {
                    let name = module.func_name(*f).map(str::to_string);
                    out.decls.insert(*f, FuncDecl { sig: sig.clone(), name });
                }
            }
            out.tables.insert(t, SealedTable { slots });
        }
        out
    }

    /// Is no table sealed?
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// The sealed table `t`.
    pub fn get(&self, t: TableRef) -> Option<&SealedTable> {
        self.tables.get(&t)
    }

    /// The `call_indirect`s of `func` through sealed tables that `sol`
    /// bounds to at most [`MAX_CALLEES`] functions within the first
    /// [`MAX_SLOTS`] slots, in executable blocks.
    pub fn sites(&self, func: &Function, sol: &Solution<ValueSet>) -> Vec<Site> {
        let mut out = Vec::new();
        for block in func.layout.blocks().filter(|&b| sol.block_is_executable(b)) {
            for inst in func.layout.block_insts(block) {
                let InstructionData::Op { opcode: Opcode::CallIndirect, imm: Imm::SigTable(s, t), .. } =
                    func.dfg.insts[inst]
                else {
                    continue;
                };
                let (Some(table), Some(sig), Some(&index)) =
                    (self.tables.get(&t), func.dfg.decls.sigs.get(&s), func.dfg.inst_args(inst).last())
                else {
                    continue;
                };
                let fact = sol.value_at(func, block, index);
                let reach = match fact {
                    ValueSet::Bottom => continue,
                    ValueSet::Top => table.slots.len() as u64,
                    ValueSet::Values(set) => set.max().map_or(0, |m| m.saturating_add(1)),
                }
                .min(table.slots.len() as u64);
                if reach > MAX_SLOTS {
                    continue;
                }
                let single_slot = match fact {
                    ValueSet::Values(set) => set.count() == 1 && reach == set.max().map_or(0, |m| m + 1),
                    _ => false,
                };
                let mut mismatched = Vec::new();
                let targets: Vec<Option<(FuncRef, FuncDecl)>> = (0..reach)
                    .map(|i| {
                        let f = table.slots[i as usize]?;
                        let decl = self.decls.get(&f)?;
                        if !fact.may_be(i) {
                            return None;
                        }
                        if &decl.sig != sig {
                            mismatched.push((f, decl.clone()));
                            return None;
                        }
                        Some((f, decl.clone()))
                    })
                    .collect();
                let mut callees: Vec<FuncRef> = targets.iter().flatten().map(|(f, _)| *f).collect();
                callees.sort();
                callees.dedup();
                if callees.len() <= MAX_CALLEES {
                    out.push(Site { inst, table: t, targets, mismatched, single_slot });
                }
            }
        }
        out
    }

    /// The proved contents of table `t` (its size, and its first
    /// [`MAX_SLOTS`] slots), proved once per table and kept (see the module
    /// docs); an error says why it is not proved.
    pub fn invariant(&mut self, module: &Module, t: TableRef) -> Result<ProvedInvariant, String> {
        if let Some(done) = self.proofs.get(&t) {
            return done.clone();
        }
        let result = self.prove(module, t);
        self.proofs.insert(t, result.clone());
        result
    }

    fn prove(&self, module: &Module, t: TableRef) -> Result<ProvedInvariant, String> {
        let table = self.tables.get(&t).ok_or_else(|| format!("{t} is not sealed"))?;
        let size = u32::try_from(table.slots.len()).map_err(|_| format!("{t} is too large"))?;
        let mut facts = vec![Fact::equal(Term::TableSize(t), Term::i32(size as i32))];
        for (i, slot) in table.slots.iter().enumerate().take(MAX_SLOTS as usize) {
            facts.push(Fact::equal(Term::TableElem(t, i as u32), Term::Handle(*slot)));
        }
        let handles = table.slots.iter().map(|s| s.map_or(0, |f| f.as_u32() + 1)).collect();
        let opts = weft_verify::Options {
            init: InitialState {
                table_sizes: BTreeMap::from([(t, size)]),
                table_elems: vec![(t, 0, handles)],
                ..InitialState::default()
            },
            ..weft_verify::Options::default()
        };
        let body = |f: FuncRef| match module.defined(f).map(|d| &d.body) {
            Some(FuncBody::Ir(func)) => Some(func),
            _ => None,
        };
        let mut init: Vec<&Function> = Vec::new();
        init.extend(module.start.and_then(body));
        let initialize =
            module.exports.iter().find(|e| e.kind == ExportKind::Func && e.name == "_initialize").map(|e| e.index);
        if let Some(f) = initialize.map(FuncRef::from_u32)
            && Some(f) != module.start
        {
            init.push(body(f).ok_or("`_initialize` has no IR body")?);
        }
        let funcs: Vec<&Function> = module.funcs.iter().filter_map(|d| body(d.index)).collect();
        let report = prove_module_invariant(&init, &funcs, &ModuleInvariant { facts }, &opts);
        report.proved.ok_or_else(|| format!("the contents of {t} are not proved: {}", report.report.outcome))
    }
}

/// The tables `inst` writes or grows.
fn written_tables(func: &Function, inst: Inst) -> Vec<TableRef> {
    let InstructionData::Op { opcode, imm, .. } = func.dfg.insts[inst] else { return Vec::new() };
    match (opcode, imm) {
        (Opcode::TableSet | Opcode::TableFill | Opcode::TableGrow, Imm::Table(t)) => vec![t],
        (Opcode::TableInit, Imm::ElemTable(_, t)) => vec![t],
        (Opcode::TableCopy, Imm::TableTable(dst, src)) => vec![dst, src],
        _ => Vec::new(),
    }
}

/// Rewrites each of `sites` (found in `func` by [`SealedTables::sites`])
/// into direct calls; returns how many were rewritten.
pub fn devirtualize(func: &mut Function, sites: &[Site]) -> usize {
    let mut n = 0;
    for site in sites {
        if devirtualize_call(func, site.inst, &site.targets).is_some() {
            for (f, decl) in &site.mismatched {
                func.dfg.decls.funcs.entry(*f).or_insert_with(|| decl.clone());
            }
            n += 1;
        }
    }
    n
}

/// Every instruction of every IR body of `module` that names a table, by
/// table (a `call_indirect`, `table.get`, `table.size`, ...).
pub fn table_uses(module: &Module) -> BTreeMap<TableRef, usize> {
    let mut out = BTreeMap::new();
    for d in &module.funcs {
        let FuncBody::Ir(func) = &d.body else { continue };
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                let InstructionData::Op { imm, .. } = func.dfg.insts[inst] else { continue };
                let named: &[TableRef] = match &imm {
                    Imm::SigTable(_, t) | Imm::Table(t) | Imm::ElemTable(_, t) => std::slice::from_ref(t),
                    Imm::TableTable(a, b) if a == b => std::slice::from_ref(a),
                    Imm::TableTable(a, b) => &[*a, *b],
                    _ => &[],
                };
                for t in named {
                    *out.entry(*t).or_insert(0) += 1;
                }
            }
        }
    }
    out
}

/// The sites of function `f` of `module` (see [`SealedTables::sites`]),
/// solved under `entry` facts of its parameters (empty: none).
pub fn function_sites(
    module: &Module,
    tables: &SealedTables,
    f: FuncRef,
    domtree: &DominatorTree,
    entry: Vec<ValueSet>,
) -> Vec<Site> {
    let Some(FuncBody::Ir(func)) = module.defined(f).map(|d| &d.body) else { return Vec::new() };
    let sol = Dataflow::new(func, &ValueSets).with_entry_facts(entry).with_edge_facts(domtree).solve();
    tables.sites(func, &sol)
}

/// Devirtualizes the calls through sealed tables in function `f` of
/// `module`, solved under `entry` facts of its parameters (empty: none):
/// [`function_sites`], then [`devirtualize_sites`].
pub fn devirtualize_function(
    module: &mut Module,
    tables: &mut SealedTables,
    f: FuncRef,
    domtree: &DominatorTree,
    entry: Vec<ValueSet>,
) -> (usize, Vec<ProvedInvariant>) {
    let sites = function_sites(module, tables, f, domtree, entry);
    devirtualize_sites(module, tables, f, sites)
}

/// Rewrites `sites` of function `f` once the contents of each table
/// involved are proved. Returns how many calls changed and the invariants
/// the function's check must assume; a table whose proof fails is skipped
/// with a note in `module.notes`.
pub fn devirtualize_sites(
    module: &mut Module,
    tables: &mut SealedTables,
    f: FuncRef,
    mut sites: Vec<Site>,
) -> (usize, Vec<ProvedInvariant>) {
    let mut used: Vec<TableRef> = sites.iter().map(|s| s.table).collect();
    used.sort();
    used.dedup();
    let mut proved = Vec::new();
    for t in used {
        match tables.invariant(module, t) {
            Ok(inv) => proved.push(inv),
            Err(why) => {
                module.notes.push(format!("function {}: calls through {t} left indirect: {why}", f.as_u32()));
                sites.retain(|s| s.table != t);
            }
        }
    }
    let Some(FuncBody::Ir(func)) = module.defined_mut(f).map(|d| &mut d.body) else { return (0, Vec::new()) };
    let n = devirtualize(func, &sites);
    (n, if n > 0 { proved } else { Vec::new() })
}

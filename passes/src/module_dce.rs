//! `module-dce`: remove the functions, globals, tables, memories, element
//! and data segments and types that nothing reachable from the module's
//! roots uses.
//!
//! # Example
//!
//! ```text
//! (module                                   (module
//!   (type $t (func))                          (type $t (func))
//!   (type $u (func (param i64)))              (table $tab 1 funcref)
//!   (table $tab 1 funcref)                    (global $fp funcref (ref.func $h))
//!   (table $spare 8 funcref)                  (func $main (type $t)
//!   (global $dead (mut i32) (i32.const 0))      (call_indirect $tab (type $t) (i32.const 0)))
//!   (global $fp funcref (ref.func $h))        (func $h (type $t))
//!   (func $main (export "main") (type $t) ─▶  (func $k (type $t))
//!     (call_indirect $tab (type $t)           (export "main" (func $main))
//!       (i32.const 0)))                       (export "fp" (global $fp))
//!   (func $unused (type $u)                   (elem (table $tab) (i32.const 0) func $k))
//!     (global.set $dead (i32.const 1)))
//!   (func $h (type $t))
//!   (func $k (type $t))
//!   (export "fp" (global $fp))
//!   (elem (table $tab) (i32.const 0) func $k)
//!   (elem (table $spare) (i32.const 2) func $unused))
//! ```
//!
//! `$unused`, `$dead`, `$spare` (unused, and its segment provably writes
//! inside its 8 initial elements), that segment and `$u` go; every index
//! after them is renumbered when the module is written — `$h` becomes
//! function 1 and the `ref.func` in `$fp`'s initializer follows it.
//!
//! # Roots and uses
//!
//! Roots: every export (the module's interface; inside a component the
//! canon and alias sections reach core modules through their exports, so
//! those stay too — this pass never removes an export), the start
//! function, every import of a table, memory or global (the host shares
//! it), every imported function unless the pass runs with
//! `remove-imports=true`, the types of tags (tags are never removed), and
//! every active segment whose removal could change instantiation (below).
//!
//! Uses, followed from every live entity:
//! - a function: its type, and every entity its body names — from the IR
//!   for an IR body (calls, `ref.func`, `call_indirect`'s type and table,
//!   globals, tables, memories, `memory.init`/`data.drop`'s segment,
//!   `table.init`/`elem.drop`'s segment), from
//!   [`weft_ir::ModuleItems::opaque_uses`] for an opaque body;
//! - a global or a table: its type and initializer (`ref.func`,
//!   `global.get`); a live table also keeps every active element segment
//!   that writes it (a `call_indirect` may read any slot);
//! - a live memory keeps every active data segment that writes it;
//! - a segment: its items (functions, initializer expressions), its type,
//!   its table or memory and its offset;
//! - a type: the types it refers to, and its whole recursion group.
//!
//! An active segment runs at instantiation: it traps when it writes out of
//! bounds, and its writes are visible through a live table or memory. So it
//! is removed only when its table (memory) is dead — defined in the module,
//! not exported, unused by live code — and its offset is a constant with
//! `offset + length` within the table's (memory's) initial size: then it
//! cannot trap and nothing can read what it wrote. Otherwise it is a root.
//!
//! Validation needs every function that a live body takes with `ref.func`
//! to be named outside function bodies (an export, an initializer or an
//! element segment). When the items that named one are all dead, the pass
//! keeps the first declarative segment naming it (else the first
//! initializer or segment) — with everything that item uses. An opaque
//! body's references are not split into calls and `ref.func`s; every
//! function it names is treated as taken.
//!
//! Imports: removing an imported function changes what instantiation
//! requires (one import fewer); no behaviour of an instance that could be
//! created before changes, but a host that checks the import list, or a
//! component that supplies the import, sees a different module. So imports
//! stay unless asked for (`module-dce<remove-imports=true>`), which is
//! what wasm-opt's `--remove-unused-module-elements` does.
//!
//! # Preconditions
//!
//! The module was read by the frontend ([`weft_ir::ModuleItems::complete`])
//! and its indices can be remapped ([`weft_ir::Module::check_editable`]);
//! otherwise the pass declines and says why in a note. An entity an earlier
//! pass removed must not be reachable; if it is, the pass declines.
//!
//! # Analyses
//!
//! Uses none of the function analyses and changes no function body, so it
//! preserves all of them. It only records removals in
//! [`weft_ir::Module::edits`]; the backend applies them.
//!
//! # Verification obligation
//!
//! No function changes, so there is nothing for the per-function
//! refinement check. The module-level obligation — every removed entity is
//! unreachable from the roots in the module as it was before the pass, and
//! every entity that stays is written exactly as before with its indices
//! renumbered — is established independently of this pass by
//! `weft_verify::module_check` on the module's bytes before and after the
//! edit (run under `--verify`, and by the tests).
//!
//! # Complexity
//!
//! Linear in the size of the module: every instruction of every live IR
//! body is read once, every entity is visited once per use.

use std::collections::{BTreeMap, BTreeSet};

use weft_ir::edit::imm_entities;
use weft_ir::{
    DataMode, ElemMode, EntityKind, ExportKind, FuncBody, FuncRef, GlobalRef, InstructionData, MemoryRef, Module,
    ModuleEntity, Opcode, SigRef, TableRef,
};

use crate::ModulePass;
use crate::context::{ModuleChanged, ModuleCx, Preserved};

/// The pass. See the module docs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ModuleDce {
    /// Remove imported functions that nothing uses (like wasm-opt).
    pub remove_imports: bool,
}

impl ModuleDce {
    /// The parameters `module-dce<...>` accepts.
    pub const PARAMS: &'static [&'static str] = &["remove-imports"];

    /// The pass with `params` (`remove-imports=true|false`) applied.
    pub fn with_params(params: &[(String, String)]) -> Result<Self, String> {
        let mut pass = ModuleDce::default();
        for (key, value) in params {
            match key.as_str() {
                "remove-imports" => {
                    pass.remove_imports =
                        value.parse().map_err(|_| format!("`remove-imports` must be true or false, not `{value}`"))?
                }
                other => {
                    return Err(format!("unknown parameter `{other}`; valid: {}", Self::PARAMS.join(", ")));
                }
            }
        }
        Ok(pass)
    }
}

impl ModulePass for ModuleDce {
    fn run(&self, module: &mut Module, _cx: &mut ModuleCx) -> ModuleChanged {
        let note = match self.removals(module) {
            Err(reason) => format!("declined: {reason}"),
            Ok(dead) if dead.is_empty() => return ModuleChanged::No,
            Ok(dead) => {
                let before = module.edits.clone();
                match dead.iter().try_for_each(|&e| module.remove(e)) {
                    Ok(()) => {
                        module.notes.push(format!("removed {}", weft_ir::edit::summary(&dead)));
                        // No function body changes; the call graph loses
                        // the removed functions.
                        return ModuleChanged::Yes { functions: Vec::new(), preserved: Preserved::CONTROL_FLOW };
                    }
                    Err(e) => {
                        module.edits = before;
                        format!("declined: {e}")
                    }
                }
            }
        };
        module.notes.push(note);
        ModuleChanged::No
    }
}

impl ModuleDce {
    /// The entities to remove, in order, or why the pass declines.
    fn removals(&self, module: &Module) -> Result<Vec<ModuleEntity>, String> {
        if !module.items.complete {
            return Err("the module's items were not read (not built by the frontend)".into());
        }
        module.check_editable().map_err(|e| e.to_string())?;
        let items = &module.items;
        let sizes_agree = items.globals.len() == module.globals.len()
            && items.global_inits.len() == module.globals.len()
            && items.tables.len() == module.tables.len()
            && items.table_mins.len() == module.tables.len()
            && items.memory_min_bytes.len() == module.memories.len()
            && items.types.len() == module.types.len()
            && items.type_groups.len() == module.types.len();
        if !sizes_agree {
            return Err("the module's items do not match its index spaces".into());
        }
        let live = Liveness::compute(module, self.remove_imports)?;
        let mut dead = Vec::new();
        for kind in EntityKind::ALL {
            for i in 0..module.index_space_len(kind) as u32 {
                let e = kind.entity(i);
                if !live.contains(&e) && !module.is_removed(e) {
                    dead.push(e);
                }
            }
        }
        Ok(dead)
    }
}

/// Entities reachable from the roots (see the module docs).
struct Liveness<'m> {
    module: &'m Module,
    live: BTreeSet<ModuleEntity>,
    work: Vec<ModuleEntity>,
    /// Active element segments by table, active data segments by memory.
    elems_of: BTreeMap<TableRef, Vec<ModuleEntity>>,
    datas_of: BTreeMap<MemoryRef, Vec<ModuleEntity>>,
    /// Functions live bodies take with `ref.func`.
    taken: BTreeSet<FuncRef>,
}

impl<'m> Liveness<'m> {
    fn compute(module: &'m Module, remove_imports: bool) -> Result<BTreeSet<ModuleEntity>, String> {
        let items = &module.items;
        let mut elems_of: BTreeMap<TableRef, Vec<ModuleEntity>> = BTreeMap::new();
        let mut datas_of: BTreeMap<MemoryRef, Vec<ModuleEntity>> = BTreeMap::new();
        let mut roots = Vec::new();
        for (i, seg) in items.elems.iter().enumerate() {
            let e = EntityKind::Elem.entity(i as u32);
            if let ElemMode::Active { table, offset } = &seg.mode {
                elems_of.entry(*table).or_default().push(e);
                let size = items.table_mins.get(table.as_u32() as usize).copied().unwrap_or(0);
                if !within(offset.value, seg.len, size) {
                    roots.push(e);
                }
            }
        }
        for (i, seg) in items.datas.iter().enumerate() {
            let d = EntityKind::Data.entity(i as u32);
            if let DataMode::Active { memory, offset } = &seg.mode {
                datas_of.entry(*memory).or_default().push(d);
                let size = items.memory_min_bytes.get(memory.as_u32() as usize).copied().unwrap_or(0);
                if !within(offset.value, seg.len, size) {
                    roots.push(d);
                }
            }
        }
        for export in &module.exports {
            let kind = match export.kind {
                ExportKind::Func => EntityKind::Func,
                ExportKind::Table => EntityKind::Table,
                ExportKind::Memory => EntityKind::Memory,
                ExportKind::Global => EntityKind::Global,
                ExportKind::Other => continue,
            };
            roots.push(kind.entity(export.index));
        }
        roots.extend(module.start.map(ModuleEntity::Func));
        for import in &module.imports {
            match import.kind {
                ExportKind::Func if remove_imports => {}
                ExportKind::Func => roots.push(ModuleEntity::Func(FuncRef::from_u32(import.index))),
                ExportKind::Table => roots.push(ModuleEntity::Table(TableRef::from_u32(import.index))),
                ExportKind::Memory => roots.push(ModuleEntity::Memory(MemoryRef::from_u32(import.index))),
                ExportKind::Global => roots.push(ModuleEntity::Global(GlobalRef::from_u32(import.index))),
                ExportKind::Other => {}
            }
        }
        roots.extend(items.tag_types.iter().map(|&t| ModuleEntity::Type(t)));

        let mut this =
            Liveness { module, live: BTreeSet::new(), work: Vec::new(), elems_of, datas_of, taken: BTreeSet::new() };
        for root in roots {
            this.mark(root)?;
        }
        loop {
            while let Some(e) = this.work.pop() {
                this.visit(e)?;
            }
            // Functions taken with `ref.func` must stay named outside
            // function bodies.
            let undeclared = this.undeclared().next();
            match undeclared {
                Some(f) => {
                    let keep = this.declaring_item(f).ok_or_else(|| format!("no item declares {f} for `ref.func`"))?;
                    this.mark(keep)?;
                }
                None => break,
            }
        }
        Ok(this.live)
    }

    fn mark(&mut self, e: ModuleEntity) -> Result<(), String> {
        if !self.module.has(e) {
            // Out of range: nothing to keep (validation rejects it anyway).
            return Ok(());
        }
        if self.module.is_removed(e) {
            return Err(format!("{e} was removed by an earlier pass but is still reachable"));
        }
        if self.live.insert(e) {
            self.work.push(e);
        }
        Ok(())
    }

    fn mark_all(&mut self, uses: impl IntoIterator<Item = ModuleEntity>) -> Result<(), String> {
        uses.into_iter().try_for_each(|e| self.mark(e))
    }

    fn visit(&mut self, e: ModuleEntity) -> Result<(), String> {
        let module = self.module;
        let items = &module.items;
        match e {
            ModuleEntity::Func(f) => {
                if let Some(ty) = module.func_type_index(f) {
                    self.mark(ModuleEntity::Type(SigRef::from_u32(ty)))?;
                }
                let Some(def) = module.defined(f) else { return Ok(()) };
                match &def.body {
                    FuncBody::Ir(func) => {
                        for block in func.layout.blocks() {
                            for inst in func.layout.block_insts(block) {
                                if let InstructionData::Op { opcode, imm, .. } = &func.dfg.insts[inst] {
                                    if *opcode == Opcode::RefFunc
                                        && let weft_ir::Imm::Func(target) = imm
                                    {
                                        self.taken.insert(*target);
                                    }
                                    self.mark_all(imm_entities(imm))?;
                                }
                            }
                        }
                    }
                    FuncBody::Opaque { .. } => {
                        let uses = items.opaque_uses.get(&f).ok_or_else(|| format!("no uses recorded for {f}"))?;
                        self.taken.extend(uses.funcs.iter().copied());
                        self.mark_all(uses.entities())?;
                    }
                }
            }
            ModuleEntity::Global(g) => self.mark_all(items.globals[g.as_u32() as usize].entities())?,
            ModuleEntity::Table(t) => {
                self.mark_all(items.tables[t.as_u32() as usize].entities())?;
                let segments = self.elems_of.get(&t).cloned().unwrap_or_default();
                self.mark_all(segments)?;
            }
            ModuleEntity::Memory(m) => {
                let segments = self.datas_of.get(&m).cloned().unwrap_or_default();
                self.mark_all(segments)?;
            }
            ModuleEntity::Type(t) => {
                let i = t.as_u32() as usize;
                self.mark_all(items.types[i].entities())?;
                let group = items.type_groups[i].clone();
                self.mark_all(group.map(|j| ModuleEntity::Type(SigRef::from_u32(j))))?;
            }
            ModuleEntity::Elem(x) => {
                let seg = &items.elems[x.as_u32() as usize];
                self.mark_all(seg.uses.entities())?;
                if let ElemMode::Active { table, offset } = &seg.mode {
                    self.mark(ModuleEntity::Table(*table))?;
                    self.mark_all(offset.uses.entities())?;
                }
            }
            ModuleEntity::Data(x) => {
                if let DataMode::Active { memory, offset } = &items.datas[x.as_u32() as usize].mode {
                    self.mark(ModuleEntity::Memory(*memory))?;
                    self.mark_all(offset.uses.entities())?;
                }
            }
        }
        Ok(())
    }

    /// Functions taken by live bodies that no live item outside function
    /// bodies names.
    fn undeclared(&self) -> impl Iterator<Item = FuncRef> + '_ {
        let module = self.module;
        let items = &module.items;
        let mut declared: BTreeSet<FuncRef> =
            module.exports.iter().filter(|x| x.kind == ExportKind::Func).map(|x| FuncRef::from_u32(x.index)).collect();
        for e in &self.live {
            let uses = match *e {
                ModuleEntity::Global(g) => &items.globals[g.as_u32() as usize],
                ModuleEntity::Table(t) => &items.tables[t.as_u32() as usize],
                ModuleEntity::Elem(x) => &items.elems[x.as_u32() as usize].uses,
                _ => continue,
            };
            declared.extend(uses.funcs.iter().copied());
        }
        self.taken.iter().copied().filter(move |f| !declared.contains(f))
    }

    /// The item to keep so that `f` stays declared: the first declarative
    /// segment naming it, else the first global, table or segment.
    fn declaring_item(&self, f: FuncRef) -> Option<ModuleEntity> {
        let items = &self.module.items;
        let names = |uses: &weft_ir::EntityUses| uses.funcs.binary_search(&f).is_ok();
        let kept = |e: ModuleEntity| !self.module.is_removed(e);
        let segment = |declared: bool| {
            items
                .elems
                .iter()
                .enumerate()
                .filter(|(_, seg)| (seg.mode == ElemMode::Declared) == declared && names(&seg.uses))
                .map(|(i, _)| EntityKind::Elem.entity(i as u32))
                .find(|&e| kept(e))
        };
        segment(true)
            .or_else(|| {
                (0..items.globals.len() as u32)
                    .map(|g| EntityKind::Global.entity(g))
                    .find(|&e| kept(e) && names(&items.globals[e.index()]))
            })
            .or_else(|| {
                (0..items.tables.len() as u32)
                    .map(|t| EntityKind::Table.entity(t))
                    .find(|&e| kept(e) && names(&items.tables[e.index()]))
            })
            .or_else(|| segment(false))
    }
}

/// Does a write of `len` items at constant `offset` fit in `size`?
fn within(offset: Option<u64>, len: u64, size: u64) -> bool {
    offset.and_then(|o| o.checked_add(len)).is_some_and(|end| end <= size)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parameters_parse() {
        let on = [("remove-imports".to_string(), "true".to_string())];
        assert!(ModuleDce::with_params(&on).unwrap().remove_imports);
        assert!(!ModuleDce::with_params(&[]).unwrap().remove_imports);
        let bad = [("remove-imports".to_string(), "yes".to_string())];
        assert!(ModuleDce::with_params(&bad).unwrap_err().contains("true or false"));
        let unknown = [("fast".to_string(), "1".to_string())];
        assert!(ModuleDce::with_params(&unknown).unwrap_err().contains("remove-imports"));
    }

    #[test]
    fn segment_bounds() {
        assert!(within(Some(2), 2, 4));
        assert!(!within(Some(3), 2, 4));
        assert!(!within(None, 0, 4), "an offset that is not a constant is never proved in bounds");
        assert!(!within(Some(u64::MAX), 1, u64::MAX), "no overflow");
        assert!(within(Some(4), 0, 4), "an empty segment at the end fits");
    }
}

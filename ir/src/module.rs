//! A wasm module as weft sees it: function bodies in IR (or kept opaque), plus
//! the module-level facts passes and analyses need. Everything weft does not
//! rewrite is re-encoded by the backend from [`Module::original`].
//!
//! Index spaces follow wasm: imports first, then definitions. Entities whose
//! types the IR does not model (GC types, `memory64`, `table64`, custom page
//! sizes, ...) are `None` in their lists, so indices stay aligned; a function
//! body that touches one is kept [`FuncBody::Opaque`].
//!
//! # Editing
//!
//! A module pass removes entities (functions, globals, tables, memories,
//! types, element and data segments) and exports with [`Module::remove`] and
//! [`Module::remove_export`]. Every index in the module — in IR bodies, in
//! [`Module::items`], in the lists above — stays the index the entity had in
//! the input: it is the entity's identity, and a removed entity keeps its
//! place (its [`DefinedFunc`] and its body are still in [`Module::funcs`],
//! so the function's earlier version is found by its index). What was
//! removed is recorded in [`Module::edits`]; the backend computes the
//! old → new index maps ([`Module::index_maps`], see [`crate::edit`]) when
//! it writes the module and applies them everywhere an index appears. A
//! module in which indices cannot be remapped (a custom section that stores
//! them, see [`ModuleItems::edit_blockers`]) refuses every edit.
//!
//! [`Module::items`] holds what module passes need to know about the parts
//! of the module that are not function bodies (initializers, segments,
//! types) and what opaque bodies refer to; the frontend fills it.

use crate::edit::{EditError, EntityKind, IndexMaps, ModuleEdits, ModuleEntity};
use crate::entities::{DataRef, ElemRef, FuncRef, GlobalRef, MemoryRef, SigRef, TableRef};
use crate::function::{Function, GlobalDecl, MemoryDecl, Signature, TableDecl};
use core::ops::Range;
use std::collections::BTreeMap;

/// What an export or import names.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExportKind {
    /// A function.
    Func,
    /// A table.
    Table,
    /// A memory.
    Memory,
    /// A global.
    Global,
    /// A tag or anything else weft does not model.
    Other,
}

/// An export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// The export name.
    pub name: String,
    /// What it exports.
    pub kind: ExportKind,
    /// The index in that kind's index space.
    pub index: u32,
}

/// An import of any kind, in import-section order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    /// Import module name.
    pub module: String,
    /// Import field name.
    pub field: String,
    /// What it imports.
    pub kind: ExportKind,
    /// The index it gets in that kind's index space (tags and other kinds
    /// count in their own space).
    pub index: u32,
}

/// An imported function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedFunc {
    /// Import module name.
    pub module: String,
    /// Import field name.
    pub field: String,
    /// Type index.
    pub type_index: u32,
}

/// A function body: translated to IR, or kept as the original bytes.
#[derive(Clone, Debug)]
#[expect(clippy::large_enum_variant, reason = "almost every body is IR; a box would only add an indirection")]
pub enum FuncBody {
    /// Translated to IR.
    Ir(Function),
    /// Kept as-is; `reason` says why (an unsupported operator and its offset).
    Opaque {
        /// Why the body is not in IR.
        reason: String,
    },
}

/// A function defined in the module.
#[derive(Clone, Debug)]
pub struct DefinedFunc {
    /// Its wasm function index.
    pub index: FuncRef,
    /// Its type index.
    pub type_index: u32,
    /// The body.
    pub body: FuncBody,
    /// Byte range of the body in [`Module::original`] (without the size
    /// prefix: the local declarations, then the expression).
    pub original_range: Range<usize>,
}

/// A module.
#[derive(Clone, Debug, Default)]
pub struct Module {
    /// Function types of the type section, by type index (`None` for types
    /// that are not function types, or whose parameter or result types the IR
    /// does not model).
    pub types: Vec<Option<Signature>>,
    /// Every import, in order (functions, tables, memories, globals, tags).
    pub imports: Vec<Import>,
    /// Imported functions (function indices `0..imported_funcs.len()`).
    pub imported_funcs: Vec<ImportedFunc>,
    /// Defined functions, in order.
    pub funcs: Vec<DefinedFunc>,
    /// Name of every function by function index: from the name section,
    /// else `f<index>`.
    pub func_names: Vec<String>,
    /// Every global, imports first (`None`: a value type the IR does not model).
    pub globals: Vec<Option<GlobalDecl>>,
    /// Every memory, imports first (`None`: `memory64` or a custom page size).
    pub memories: Vec<Option<MemoryDecl>>,
    /// Every table, imports first (`None`: `table64`, or an element type
    /// other than `funcref`/`externref`).
    pub tables: Vec<Option<TableDecl>>,
    /// Exports.
    pub exports: Vec<Export>,
    /// The start function.
    pub start: Option<FuncRef>,
    /// Functions referenced by element segments or `ref.func` in constant
    /// expressions (they may be called indirectly), sorted, without repeats.
    pub elem_funcs: Vec<FuncRef>,
    /// The module's bytes as read.
    pub original: Vec<u8>,
    /// Initializers, segments, types and the references of opaque bodies
    /// (filled by the frontend; empty in a module built by hand).
    pub items: ModuleItems,
    /// What module passes removed (see the module docs).
    pub edits: ModuleEdits,
    /// Messages module passes leave for the report (what they removed, why
    /// they declined); the pass manager turns each into an event of the
    /// pass that wrote it.
    pub notes: Vec<String>,
}

/// The module entities an item (an opaque body, an initializer, a segment,
/// a type, an import's type) refers to, by index, each list sorted and
/// without repeats.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntityUses {
    /// Functions (`call`, `ref.func`, element items, ...).
    pub funcs: Vec<FuncRef>,
    /// Globals (`global.get`, `global.set`).
    pub globals: Vec<GlobalRef>,
    /// Tables.
    pub tables: Vec<TableRef>,
    /// Memories.
    pub memories: Vec<MemoryRef>,
    /// Types (function types of `call_indirect`, block types, concrete
    /// reference types, ...).
    pub types: Vec<SigRef>,
    /// Element segments (`table.init`, `elem.drop`, ...).
    pub elems: Vec<ElemRef>,
    /// Data segments (`memory.init`, `data.drop`, ...).
    pub datas: Vec<DataRef>,
}

impl EntityUses {
    /// Every entity used, as [`ModuleEntity`]s, kind by kind.
    pub fn entities(&self) -> impl Iterator<Item = ModuleEntity> + '_ {
        let funcs = self.funcs.iter().map(|&f| ModuleEntity::Func(f));
        let globals = self.globals.iter().map(|&g| ModuleEntity::Global(g));
        let tables = self.tables.iter().map(|&t| ModuleEntity::Table(t));
        let memories = self.memories.iter().map(|&m| ModuleEntity::Memory(m));
        let types = self.types.iter().map(|&t| ModuleEntity::Type(t));
        let elems = self.elems.iter().map(|&e| ModuleEntity::Elem(e));
        let datas = self.datas.iter().map(|&d| ModuleEntity::Data(d));
        funcs.chain(globals).chain(tables).chain(memories).chain(types).chain(elems).chain(datas)
    }

    /// Adds `entity` (keeping each list sorted and without repeats).
    pub fn insert(&mut self, entity: ModuleEntity) {
        fn add<T: Ord>(list: &mut Vec<T>, x: T) {
            if let Err(at) = list.binary_search(&x) {
                list.insert(at, x);
            }
        }
        match entity {
            ModuleEntity::Func(f) => add(&mut self.funcs, f),
            ModuleEntity::Global(g) => add(&mut self.globals, g),
            ModuleEntity::Table(t) => add(&mut self.tables, t),
            ModuleEntity::Memory(m) => add(&mut self.memories, m),
            ModuleEntity::Type(t) => add(&mut self.types, t),
            ModuleEntity::Elem(e) => add(&mut self.elems, e),
            ModuleEntity::Data(d) => add(&mut self.datas, d),
        }
    }

    /// Is nothing used?
    pub fn is_empty(&self) -> bool {
        self.entities().next().is_none()
    }
}

/// A constant expression (an initializer or a segment offset).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ConstExpr {
    /// What it refers to (`ref.func`, `global.get`, reference types).
    pub uses: EntityUses,
    /// Its value when it is exactly one `i32.const` (zero-extended: an
    /// offset is unsigned) or one `i64.const`.
    pub value: Option<u64>,
}

/// Where an element segment's items go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ElemMode {
    /// Used by `table.init` (and `array.new_elem`).
    Passive,
    /// Only declares functions for `ref.func`; no run-time effect.
    Declared,
    /// Written to `table` at `offset` when the module is instantiated.
    Active {
        /// The table written.
        table: TableRef,
        /// Where the first item goes.
        offset: ConstExpr,
    },
}

/// An element segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElemSegment {
    /// Passive, declared or active.
    pub mode: ElemMode,
    /// Number of items.
    pub len: u64,
    /// What the items and the element type refer to (not the offset).
    pub uses: EntityUses,
    /// The items in order, when each is a function index, a lone
    /// `ref.func` or a lone `ref.null` (`None` for null); `None` when an
    /// item is any other expression.
    pub funcs: Option<Vec<Option<FuncRef>>>,
}

/// Where a data segment's bytes go.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DataMode {
    /// Used by `memory.init` (and `array.new_data`).
    Passive,
    /// Written to `memory` at `offset` when the module is instantiated.
    Active {
        /// The memory written.
        memory: MemoryRef,
        /// Where the first byte goes.
        offset: ConstExpr,
    },
}

/// A data segment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DataSegment {
    /// Passive or active.
    pub mode: DataMode,
    /// Number of bytes.
    pub len: u64,
}

/// The parts of a module that are not function bodies, as module passes see
/// them, and the references of opaque bodies. Lists are in index order,
/// imports first, like the lists of [`Module`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleItems {
    /// Has the frontend filled this in? (A module built by hand has no
    /// items; a module pass that needs them declines it.)
    pub complete: bool,
    /// Per global: what its type and initializer use (an import: its type).
    pub globals: Vec<EntityUses>,
    /// Per global: its initializer (`None` for an import).
    pub global_inits: Vec<Option<ConstExpr>>,
    /// Per table: what its type and initializer use (an import: its type).
    pub tables: Vec<EntityUses>,
    /// Per table: its initial size in elements.
    pub table_mins: Vec<u64>,
    /// Per memory: its initial size in bytes (saturating).
    pub memory_min_bytes: Vec<u64>,
    /// Element segments, in order.
    pub elems: Vec<ElemSegment>,
    /// Data segments, in order.
    pub datas: Vec<DataSegment>,
    /// Per type: what it refers to (other types: fields, parameters,
    /// supertypes).
    pub types: Vec<EntityUses>,
    /// Per type: the index range of its recursion group (a type alone in an
    /// implicit group has a range of one). A group is kept or removed whole.
    pub type_groups: Vec<Range<u32>>,
    /// The type of every tag, imports first (tags are never removed).
    pub tag_types: Vec<SigRef>,
    /// What each opaque body refers to, its locals included (IR bodies are
    /// read from their IR).
    pub opaque_uses: BTreeMap<FuncRef, EntityUses>,
    /// Names of the custom sections, in order.
    pub custom_sections: Vec<String>,
    /// Why the indices of this module cannot be remapped (a section that
    /// stores indices weft does not rewrite); empty when they can.
    pub edit_blockers: Vec<String>,
}

impl Module {
    /// Number of functions (imported and defined).
    pub fn num_funcs(&self) -> usize {
        self.imported_funcs.len() + self.funcs.len()
    }

    /// The defined function with index `f`, if `f` is not an import.
    pub fn defined(&self, f: FuncRef) -> Option<&DefinedFunc> {
        let i = (f.as_u32() as usize).checked_sub(self.imported_funcs.len())?;
        self.funcs.get(i)
    }

    /// The defined function with index `f`, mutably.
    pub fn defined_mut(&mut self, f: FuncRef) -> Option<&mut DefinedFunc> {
        let i = (f.as_u32() as usize).checked_sub(self.imported_funcs.len())?;
        self.funcs.get_mut(i)
    }

    /// Is `f` an imported function?
    pub fn is_imported(&self, f: FuncRef) -> bool {
        (f.as_u32() as usize) < self.imported_funcs.len()
    }

    /// The type index of function `f`.
    pub fn func_type_index(&self, f: FuncRef) -> Option<u32> {
        let i = f.as_u32() as usize;
        if i < self.imported_funcs.len() {
            Some(self.imported_funcs[i].type_index)
        } else {
            Some(self.funcs.get(i - self.imported_funcs.len())?.type_index)
        }
    }

    /// The signature of function `f` (`None` if out of range or not modeled).
    pub fn func_sig(&self, f: FuncRef) -> Option<&Signature> {
        let ty = self.func_type_index(f)?;
        self.types.get(ty as usize)?.as_ref()
    }

    /// The name of function `f` (name section, else `f<index>`).
    pub fn func_name(&self, f: FuncRef) -> Option<&str> {
        self.func_names.get(f.as_u32() as usize).map(String::as_str)
    }

    /// Number of imports of the given kind.
    pub fn num_imported(&self, kind: ExportKind) -> usize {
        self.imports.iter().filter(|i| i.kind == kind).count()
    }
}

impl Module {
    /// The size of the `kind` index space in the input (removed entities
    /// keep their index).
    pub fn index_space_len(&self, kind: EntityKind) -> usize {
        match kind {
            EntityKind::Func => self.num_funcs(),
            EntityKind::Global => self.globals.len(),
            EntityKind::Table => self.tables.len(),
            EntityKind::Memory => self.memories.len(),
            EntityKind::Type => self.types.len(),
            EntityKind::Elem => self.items.elems.len(),
            EntityKind::Data => self.items.datas.len(),
        }
    }

    /// Does the module have `entity` (in range, whether removed or not)?
    pub fn has(&self, entity: ModuleEntity) -> bool {
        entity.index() < self.index_space_len(entity.kind())
    }

    /// Is `entity` imported? (Only functions, globals, tables and memories
    /// can be.)
    pub fn is_import(&self, entity: ModuleEntity) -> bool {
        let kind = match entity {
            ModuleEntity::Func(f) => return self.is_imported(f),
            ModuleEntity::Global(_) => ExportKind::Global,
            ModuleEntity::Table(_) => ExportKind::Table,
            ModuleEntity::Memory(_) => ExportKind::Memory,
            ModuleEntity::Type(_) | ModuleEntity::Elem(_) | ModuleEntity::Data(_) => return false,
        };
        entity.index() < self.num_imported(kind)
    }

    /// Removes `entity` from the module: the backend will not write it and
    /// renumbers the entities after it. Nothing else changes: whatever still
    /// refers to it must be removed too (or be unreachable and removed), or
    /// writing the module fails naming the reference. Removing an entity
    /// twice is not an error.
    ///
    /// Errors: the entity does not exist, it is the start function, or the
    /// module's indices cannot be remapped ([`ModuleItems::edit_blockers`]).
    pub fn remove(&mut self, entity: ModuleEntity) -> Result<(), EditError> {
        self.check_editable()?;
        if !self.has(entity) {
            return Err(EditError::NoSuchEntity(entity));
        }
        if let ModuleEntity::Func(f) = entity
            && self.start == Some(f)
        {
            return Err(EditError::Start(f));
        }
        self.edits.insert(entity);
        Ok(())
    }

    /// Removes the export called `name`.
    pub fn remove_export(&mut self, name: &str) -> Result<(), EditError> {
        self.check_editable()?;
        if !self.exports.iter().any(|e| e.name == name) {
            return Err(EditError::NoSuchExport(name.to_string()));
        }
        self.edits.insert_export(name);
        Ok(())
    }

    /// Has `entity` been removed?
    pub fn is_removed(&self, entity: ModuleEntity) -> bool {
        self.edits.contains(entity)
    }

    /// Can the module's indices be remapped?
    pub fn check_editable(&self) -> Result<(), EditError> {
        match self.items.edit_blockers.first() {
            Some(reason) => Err(EditError::Blocked(reason.clone())),
            None => Ok(()),
        }
    }

    /// The old → new index maps the edits imply (see [`crate::edit`]).
    /// Errors: a recursion group removed in part.
    pub fn index_maps(&self) -> Result<IndexMaps, EditError> {
        for t in self.edits.removed_of(EntityKind::Type) {
            if let Some(group) = self.items.type_groups.get(t.index()) {
                for member in group.clone().map(|i| ModuleEntity::Type(SigRef::from_u32(i))) {
                    if !self.is_removed(member) {
                        return Err(EditError::PartialRecGroup { removed: t, kept: member });
                    }
                }
            }
        }
        Ok(IndexMaps::new(self, &self.edits))
    }
}

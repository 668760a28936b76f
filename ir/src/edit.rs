//! Module edits: which entities a module pass removed, and the index maps
//! the backend applies when it writes the module.
//!
//! Every index space of a module (functions, globals, tables, memories,
//! types, element segments, data segments) is numbered as in the input,
//! and the numbers never change while passes run: an entity's index is its
//! identity (IR bodies, [`crate::ModuleItems`] and every list of
//! [`crate::Module`] use it). A removal only records the entity in
//! [`ModuleEdits`]. When the module is written, each index space is
//! renumbered densely in the input order without the removed entities —
//! [`IndexMaps`] — and every index that appears anywhere (code, initializers,
//! segments, exports, the start function, the name section) goes through the
//! map. A reference to a removed entity has no image: writing the module
//! fails and names it, it is never guessed.
//!
//! Removal keeps the relative order of the entities that stay, so the maps
//! are monotone; an independent checker can therefore compare the input and
//! the output entity by entity.

use crate::entities::{DataRef, ElemRef, FuncRef, GlobalRef, MemoryRef, SigRef, TableRef};
use crate::immediates::{Imm, MemArg};
use crate::module::Module;
use core::fmt;
use std::collections::BTreeSet;

/// The index spaces a module pass can edit (in [`EntityKind::ALL`] order:
/// `kind as usize` is the position).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EntityKind {
    /// Functions, imports first.
    Func,
    /// Globals, imports first.
    Global,
    /// Tables, imports first.
    Table,
    /// Memories, imports first.
    Memory,
    /// Types.
    Type,
    /// Element segments.
    Elem,
    /// Data segments.
    Data,
}

impl EntityKind {
    /// Every kind, in the order edits list them.
    pub const ALL: [EntityKind; 7] = [
        EntityKind::Func,
        EntityKind::Global,
        EntityKind::Table,
        EntityKind::Memory,
        EntityKind::Type,
        EntityKind::Elem,
        EntityKind::Data,
    ];

    /// The entity of this kind with index `index`.
    pub fn entity(self, index: u32) -> ModuleEntity {
        match self {
            EntityKind::Func => ModuleEntity::Func(FuncRef::from_u32(index)),
            EntityKind::Global => ModuleEntity::Global(GlobalRef::from_u32(index)),
            EntityKind::Table => ModuleEntity::Table(TableRef::from_u32(index)),
            EntityKind::Memory => ModuleEntity::Memory(MemoryRef::from_u32(index)),
            EntityKind::Type => ModuleEntity::Type(SigRef::from_u32(index)),
            EntityKind::Elem => ModuleEntity::Elem(ElemRef::from_u32(index)),
            EntityKind::Data => ModuleEntity::Data(DataRef::from_u32(index)),
        }
    }

    /// A plural noun for messages (`functions`, `globals`, ...).
    pub fn plural(self) -> &'static str {
        match self {
            EntityKind::Func => "functions",
            EntityKind::Global => "globals",
            EntityKind::Table => "tables",
            EntityKind::Memory => "memories",
            EntityKind::Type => "types",
            EntityKind::Elem => "element segments",
            EntityKind::Data => "data segments",
        }
    }
}

/// One entity of a module, by its (input) index; prints as in the text IR
/// (`fn3`, `gv0`, `table1`, `mem0`, `sig2`, `elem0`, `data4`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ModuleEntity {
    /// A function.
    Func(FuncRef),
    /// A global.
    Global(GlobalRef),
    /// A table.
    Table(TableRef),
    /// A memory.
    Memory(MemoryRef),
    /// A type.
    Type(SigRef),
    /// An element segment.
    Elem(ElemRef),
    /// A data segment.
    Data(DataRef),
}

impl ModuleEntity {
    /// Its index space.
    pub fn kind(self) -> EntityKind {
        match self {
            ModuleEntity::Func(_) => EntityKind::Func,
            ModuleEntity::Global(_) => EntityKind::Global,
            ModuleEntity::Table(_) => EntityKind::Table,
            ModuleEntity::Memory(_) => EntityKind::Memory,
            ModuleEntity::Type(_) => EntityKind::Type,
            ModuleEntity::Elem(_) => EntityKind::Elem,
            ModuleEntity::Data(_) => EntityKind::Data,
        }
    }

    /// Its index in its index space.
    pub fn index(self) -> usize {
        self.as_u32() as usize
    }

    /// Its index in its index space.
    pub fn as_u32(self) -> u32 {
        match self {
            ModuleEntity::Func(x) => x.as_u32(),
            ModuleEntity::Global(x) => x.as_u32(),
            ModuleEntity::Table(x) => x.as_u32(),
            ModuleEntity::Memory(x) => x.as_u32(),
            ModuleEntity::Type(x) => x.as_u32(),
            ModuleEntity::Elem(x) => x.as_u32(),
            ModuleEntity::Data(x) => x.as_u32(),
        }
    }
}

impl fmt::Display for ModuleEntity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ModuleEntity::Func(x) => write!(f, "{x}"),
            ModuleEntity::Global(x) => write!(f, "{x}"),
            ModuleEntity::Table(x) => write!(f, "{x}"),
            ModuleEntity::Memory(x) => write!(f, "{x}"),
            ModuleEntity::Type(x) => write!(f, "{x}"),
            ModuleEntity::Elem(x) => write!(f, "{x}"),
            ModuleEntity::Data(x) => write!(f, "{x}"),
        }
    }
}

/// What module passes removed from a module. Changed only through
/// [`Module::remove`] and [`Module::remove_export`], which check the
/// entity exists.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleEdits {
    removed: BTreeSet<ModuleEntity>,
    exports: BTreeSet<String>,
}

impl ModuleEdits {
    /// Nothing removed?
    pub fn is_empty(&self) -> bool {
        self.removed.is_empty() && self.exports.is_empty()
    }

    /// Has `entity` been removed?
    pub fn contains(&self, entity: ModuleEntity) -> bool {
        self.removed.contains(&entity)
    }

    /// Has the export called `name` been removed?
    pub fn contains_export(&self, name: &str) -> bool {
        self.exports.contains(name)
    }

    /// Every removed entity, kind by kind ([`EntityKind::ALL`] order), each
    /// kind by index.
    pub fn removed(&self) -> impl Iterator<Item = ModuleEntity> + '_ {
        self.removed.iter().copied()
    }

    /// The removed entities of `kind`, by index.
    pub fn removed_of(&self, kind: EntityKind) -> impl Iterator<Item = ModuleEntity> + '_ {
        self.removed.range(kind.entity(0)..).copied().take_while(move |e| e.kind() == kind)
    }

    /// The names of the removed exports, sorted.
    pub fn removed_exports(&self) -> impl Iterator<Item = &str> + '_ {
        self.exports.iter().map(String::as_str)
    }

    /// Number of removed entities of `kind`.
    pub fn count(&self, kind: EntityKind) -> usize {
        self.removed_of(kind).count()
    }

    /// One line: how many entities of each kind were removed
    /// (`3 functions, 1 globals`), or `nothing`.
    pub fn summary(&self) -> String {
        let mut text = summary(&self.removed.iter().copied().collect::<Vec<_>>());
        if !self.exports.is_empty() {
            text = format!("{text}, {} exports", self.exports.len()).replace("nothing, ", "");
        }
        text
    }

    pub(crate) fn insert(&mut self, entity: ModuleEntity) {
        self.removed.insert(entity);
    }

    pub(crate) fn insert_export(&mut self, name: &str) {
        self.exports.insert(name.to_string());
    }
}

/// One line: how many of `entities` there are of each kind
/// (`3 functions, 1 globals`), or `nothing`.
pub fn summary(entities: &[ModuleEntity]) -> String {
    let parts: Vec<String> = EntityKind::ALL
        .iter()
        .filter_map(|&k| match entities.iter().filter(|e| e.kind() == k).count() {
            0 => None,
            n => Some(format!("{n} {}", k.plural())),
        })
        .collect();
    if parts.is_empty() { "nothing".to_string() } else { parts.join(", ") }
}

/// Why an edit was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The module has no such entity.
    #[error("the module has no {0}")]
    NoSuchEntity(ModuleEntity),
    /// The module has no such export.
    #[error("the module has no export `{0}`")]
    NoSuchExport(String),
    /// The start function runs at instantiation; it cannot be removed.
    #[error("{0} is the start function")]
    Start(FuncRef),
    /// The module's indices cannot be remapped.
    #[error("the module's indices cannot be remapped: {0}")]
    Blocked(String),
    /// A recursion group must be kept or removed whole.
    #[error("{removed} is removed but {kept} of its recursion group is kept")]
    PartialRecGroup {
        /// A removed member.
        removed: ModuleEntity,
        /// A kept member.
        kept: ModuleEntity,
    },
}

/// The old → new index maps of a module's edits: per index space, the new
/// index of every input index, `None` for a removed entity. Entities keep
/// their relative order. The default maps every index to itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexMaps {
    maps: [Vec<Option<u32>>; 7],
    identity: bool,
}

impl Default for IndexMaps {
    fn default() -> Self {
        IndexMaps { maps: Default::default(), identity: true }
    }
}

impl IndexMaps {
    /// The maps of `edits` on `module`'s index spaces.
    pub fn new(module: &Module, edits: &ModuleEdits) -> Self {
        let maps = EntityKind::ALL.map(|kind| {
            let len = module.index_space_len(kind);
            let mut next = 0u32;
            (0..len as u32)
                .map(|i| {
                    if edits.contains(kind.entity(i)) {
                        None
                    } else {
                        next += 1;
                        Some(next - 1)
                    }
                })
                .collect()
        });
        IndexMaps { maps, identity: edits.removed.is_empty() }
    }

    /// Does every index map to itself?
    pub fn is_identity(&self) -> bool {
        self.identity
    }

    /// The map of one index space: input index → output index (empty for
    /// the identity).
    pub fn of(&self, kind: EntityKind) -> &[Option<u32>] {
        &self.maps[kind as usize]
    }

    /// The new index of `index` of `kind`; `None` when it was removed or is
    /// out of range. With no removals every index maps to itself.
    pub fn map_index(&self, kind: EntityKind, index: u32) -> Option<u32> {
        if self.identity {
            return Some(index);
        }
        self.of(kind).get(index as usize).copied().flatten()
    }

    /// The entity `entity` becomes in the output.
    pub fn map(&self, entity: ModuleEntity) -> Option<ModuleEntity> {
        let kind = entity.kind();
        self.map_index(kind, entity.as_u32()).map(|i| kind.entity(i))
    }

    /// `imm` with every entity it names mapped; `Err` names the first
    /// entity that was removed.
    pub fn map_imm(&self, imm: Imm) -> Result<Imm, ModuleEntity> {
        if self.identity {
            return Ok(imm);
        }
        let map = |kind: EntityKind, index: u32| self.map_index(kind, index).ok_or(kind.entity(index));
        let func = |f: FuncRef| map(EntityKind::Func, f.as_u32()).map(FuncRef::from_u32);
        let global = |g: GlobalRef| map(EntityKind::Global, g.as_u32()).map(GlobalRef::from_u32);
        let table = |t: TableRef| map(EntityKind::Table, t.as_u32()).map(TableRef::from_u32);
        let memory = |m: MemoryRef| map(EntityKind::Memory, m.as_u32()).map(MemoryRef::from_u32);
        let sig = |s: SigRef| map(EntityKind::Type, s.as_u32()).map(SigRef::from_u32);
        let elem = |e: ElemRef| map(EntityKind::Elem, e.as_u32()).map(ElemRef::from_u32);
        let data = |d: DataRef| map(EntityKind::Data, d.as_u32()).map(DataRef::from_u32);
        let memarg = |a: MemArg| Ok::<_, ModuleEntity>(MemArg { memory: memory(a.memory)?, ..a });
        Ok(match imm {
            Imm::None
            | Imm::I32(_)
            | Imm::I64(_)
            | Imm::F32(_)
            | Imm::F64(_)
            | Imm::V128(_)
            | Imm::Lane(_)
            | Imm::Shuffle(_)
            | Imm::RefType(_) => imm,
            Imm::Mem(a) => Imm::Mem(memarg(a)?),
            Imm::MemLane(a, lane) => Imm::MemLane(memarg(a)?, lane),
            Imm::Global(g) => Imm::Global(global(g)?),
            Imm::Func(f) => Imm::Func(func(f)?),
            Imm::SigTable(s, t) => Imm::SigTable(sig(s)?, table(t)?),
            Imm::Table(t) => Imm::Table(table(t)?),
            Imm::TableTable(a, b) => Imm::TableTable(table(a)?, table(b)?),
            Imm::Memory(x) => Imm::Memory(memory(x)?),
            Imm::MemMem(a, b) => Imm::MemMem(memory(a)?, memory(b)?),
            Imm::DataMem(d, x) => Imm::DataMem(data(d)?, memory(x)?),
            Imm::Data(d) => Imm::Data(data(d)?),
            Imm::ElemTable(e, t) => Imm::ElemTable(elem(e)?, table(t)?),
            Imm::Elem(e) => Imm::Elem(elem(e)?),
        })
    }
}

/// The module entities `imm` names.
pub fn imm_entities(imm: &Imm) -> Vec<ModuleEntity> {
    use ModuleEntity as E;
    match *imm {
        Imm::None
        | Imm::I32(_)
        | Imm::I64(_)
        | Imm::F32(_)
        | Imm::F64(_)
        | Imm::V128(_)
        | Imm::Lane(_)
        | Imm::Shuffle(_)
        | Imm::RefType(_) => Vec::new(),
        Imm::Mem(a) | Imm::MemLane(a, _) => vec![E::Memory(a.memory)],
        Imm::Global(g) => vec![E::Global(g)],
        Imm::Func(f) => vec![E::Func(f)],
        Imm::SigTable(s, t) => vec![E::Type(s), E::Table(t)],
        Imm::Table(t) => vec![E::Table(t)],
        Imm::TableTable(a, b) => vec![E::Table(a), E::Table(b)],
        Imm::Memory(m) => vec![E::Memory(m)],
        Imm::MemMem(a, b) => vec![E::Memory(a), E::Memory(b)],
        Imm::DataMem(d, m) => vec![E::Data(d), E::Memory(m)],
        Imm::Data(d) => vec![E::Data(d)],
        Imm::ElemTable(e, t) => vec![E::Elem(e), E::Table(t)],
        Imm::Elem(e) => vec![E::Elem(e)],
    }
}

/// Does a custom section called `name` store indices or code offsets that
/// weft does not rewrite (`linking` and `reloc.*` of object files,
/// `metadata.code.*` annotations)? A module with one cannot be edited.
pub fn custom_section_stores_indices(name: &str) -> bool {
    name == "linking" || name.starts_with("reloc.") || name.starts_with("metadata.code.")
}

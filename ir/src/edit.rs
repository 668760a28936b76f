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
        map_imm_indices(imm, |kind, index| self.map_index(kind, index).ok_or(kind.entity(index)))
    }
}

/// `imm` with the index of every module entity it names passed through
/// `f` (kind, index → new index), in operand order.
pub fn map_imm_indices<E>(imm: Imm, mut f: impl FnMut(EntityKind, u32) -> Result<u32, E>) -> Result<Imm, E> {
    use EntityKind as K;
    let mut memarg =
        |a: MemArg| f(K::Memory, a.memory.as_u32()).map(|m| MemArg { memory: MemoryRef::from_u32(m), ..a });
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
        Imm::Global(g) => Imm::Global(GlobalRef::from_u32(f(K::Global, g.as_u32())?)),
        Imm::Func(x) => Imm::Func(FuncRef::from_u32(f(K::Func, x.as_u32())?)),
        Imm::SigTable(s, t) => {
            Imm::SigTable(SigRef::from_u32(f(K::Type, s.as_u32())?), TableRef::from_u32(f(K::Table, t.as_u32())?))
        }
        Imm::Table(t) => Imm::Table(TableRef::from_u32(f(K::Table, t.as_u32())?)),
        Imm::TableTable(a, b) => {
            Imm::TableTable(TableRef::from_u32(f(K::Table, a.as_u32())?), TableRef::from_u32(f(K::Table, b.as_u32())?))
        }
        Imm::Memory(m) => Imm::Memory(MemoryRef::from_u32(f(K::Memory, m.as_u32())?)),
        Imm::MemMem(a, b) => {
            Imm::MemMem(MemoryRef::from_u32(f(K::Memory, a.as_u32())?), MemoryRef::from_u32(f(K::Memory, b.as_u32())?))
        }
        Imm::DataMem(d, m) => {
            Imm::DataMem(DataRef::from_u32(f(K::Data, d.as_u32())?), MemoryRef::from_u32(f(K::Memory, m.as_u32())?))
        }
        Imm::Data(d) => Imm::Data(DataRef::from_u32(f(K::Data, d.as_u32())?)),
        Imm::ElemTable(e, t) => {
            Imm::ElemTable(ElemRef::from_u32(f(K::Elem, e.as_u32())?), TableRef::from_u32(f(K::Table, t.as_u32())?))
        }
        Imm::Elem(e) => Imm::Elem(ElemRef::from_u32(f(K::Elem, e.as_u32())?)),
    })
}

/// The module entities `imm` names, in operand order.
pub fn imm_entities(imm: &Imm) -> Vec<ModuleEntity> {
    let mut out = Vec::new();
    let _ = map_imm_indices(*imm, |kind, index| {
        out.push(kind.entity(index));
        Ok::<u32, core::convert::Infallible>(index)
    });
    out
}

/// Does a custom section called `name` store indices or code offsets that
/// weft does not rewrite (`linking` and `reloc.*` of object files,
/// `metadata.code.*` annotations)? A module with one cannot be edited.
pub fn custom_section_stores_indices(name: &str) -> bool {
    name == "linking" || name.starts_with("reloc.") || name.starts_with("metadata.code.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::module::{ElemMode, ElemSegment, EntityUses};

    /// fn0 imported, fn1..fn4 defined; gv0..gv2; two element segments.
    fn module() -> Module {
        let mut m = Module::default();
        m.imported_funcs.push(crate::ImportedFunc { module: "env".into(), field: "f".into(), type_index: 0 });
        for i in 1..5 {
            m.funcs.push(crate::DefinedFunc {
                index: FuncRef::from_u32(i),
                type_index: 0,
                body: crate::FuncBody::Opaque { reason: "test".into() },
                original_range: 0..0,
            });
        }
        m.globals = vec![None; 3];
        let seg = ElemSegment { mode: ElemMode::Passive, len: 0, uses: EntityUses::default(), funcs: Some(Vec::new()) };
        m.items.elems = vec![seg.clone(), seg];
        m
    }

    #[test]
    fn maps_renumber_densely_in_order() {
        let mut m = module();
        m.remove(ModuleEntity::Func(FuncRef::from_u32(2))).unwrap();
        m.remove(ModuleEntity::Func(FuncRef::from_u32(0))).unwrap();
        m.remove(ModuleEntity::Global(GlobalRef::from_u32(1))).unwrap();
        let maps = m.index_maps().unwrap();
        assert!(!maps.is_identity());
        assert_eq!(maps.of(EntityKind::Func), [None, Some(0), None, Some(1), Some(2)]);
        assert_eq!(maps.of(EntityKind::Global), [Some(0), None, Some(1)]);
        assert_eq!(maps.of(EntityKind::Elem), [Some(0), Some(1)]);
        assert_eq!(maps.map_index(EntityKind::Func, 9), None, "out of range");
        let call = Imm::Func(FuncRef::from_u32(3));
        assert_eq!(maps.map_imm(call), Ok(Imm::Func(FuncRef::from_u32(1))));
        assert_eq!(
            maps.map_imm(Imm::Global(GlobalRef::from_u32(1))),
            Err(ModuleEntity::Global(GlobalRef::from_u32(1)))
        );
        let init = Imm::ElemTable(ElemRef::from_u32(1), TableRef::from_u32(0));
        assert_eq!(
            imm_entities(&init),
            [ModuleEntity::Elem(ElemRef::from_u32(1)), ModuleEntity::Table(TableRef::from_u32(0))]
        );
        assert_eq!(m.edits.summary(), "2 functions, 1 globals");
        assert_eq!(
            m.edits.removed_of(EntityKind::Global).collect::<Vec<_>>(),
            [ModuleEntity::Global(GlobalRef::from_u32(1))]
        );
        assert_eq!(m.edits.removed_of(EntityKind::Data).count(), 0);
    }

    #[test]
    fn no_edits_is_the_identity() {
        let m = module();
        let maps = m.index_maps().unwrap();
        assert!(maps.is_identity());
        assert_eq!(maps.map_index(EntityKind::Table, 7), Some(7));
        assert_eq!(maps.map_imm(Imm::Table(TableRef::from_u32(7))), Ok(Imm::Table(TableRef::from_u32(7))));
    }

    #[test]
    fn recursion_groups_go_whole() {
        let mut m = module();
        m.types = vec![None; 3];
        m.items.type_groups = vec![0..2, 0..2, 2..3];
        m.remove(ModuleEntity::Type(SigRef::from_u32(0))).unwrap();
        assert!(matches!(m.index_maps(), Err(EditError::PartialRecGroup { .. })));
        m.remove(ModuleEntity::Type(SigRef::from_u32(1))).unwrap();
        assert_eq!(m.index_maps().unwrap().of(EntityKind::Type), [None, None, Some(0)]);
    }
}

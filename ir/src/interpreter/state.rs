//! The state a function runs against: linear memories, globals, tables,
//! passive data and element segments, and the resource limits of growth.
//!
//! Every map is a `BTreeMap` keyed by the module entity, so iteration (and
//! [`State::digest`]) is deterministic.

use super::Trap;
use super::value::Val;
use crate::entities::{DataRef, ElemRef, GlobalRef, MemoryRef, TableRef};
use crate::function::Function;
use crate::types::Type;
use std::collections::BTreeMap;

/// Bytes in a wasm page.
pub const PAGE_SIZE: u64 = 65536;
/// The most pages a 32-bit memory can have (4 GiB).
pub const MAX_PAGES: u64 = 65536;

/// How far memories and tables may grow. Growing past a limit makes
/// `memory.grow`/`table.grow` return -1, a failure wasm allows at any time;
/// so does an allocation the host cannot satisfy.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The most pages a memory may have (default: [`MAX_PAGES`], the wasm32 limit).
    pub memory_pages: u64,
    /// The most elements a table may have (default: `u32::MAX`, the wasm limit).
    pub table_elements: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { memory_pages: MAX_PAGES, table_elements: u64::from(u32::MAX) }
    }
}

/// A linear memory: its bytes (a whole number of pages) and its maximum size.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Memory {
    /// The contents; the length is `pages * PAGE_SIZE`.
    pub bytes: Vec<u8>,
    /// The declared maximum in pages, if any.
    pub max_pages: Option<u64>,
}

impl Memory {
    /// A zeroed memory of `pages` pages; `None` if `pages` exceeds the wasm32
    /// limit or cannot be allocated.
    pub fn new(pages: u64, max_pages: Option<u64>) -> Option<Memory> {
        if pages > MAX_PAGES {
            return None;
        }
        let len = usize::try_from(pages * PAGE_SIZE).ok()?;
        let mut bytes = Vec::new();
        bytes.try_reserve_exact(len).ok()?;
        bytes.resize(len, 0);
        Some(Memory { bytes, max_pages })
    }

    /// The size in pages.
    pub fn pages(&self) -> u64 {
        self.bytes.len() as u64 / PAGE_SIZE
    }

    /// The size in bytes.
    pub fn len(&self) -> u64 {
        self.bytes.len() as u64
    }

    /// Is the memory zero-sized?
    pub fn is_empty(&self) -> bool {
        self.bytes.is_empty()
    }

    /// `memory.grow`: the old size in pages, or `None` (wasm's -1) if the
    /// new size would pass the declared maximum, `limits` or the allocator.
    pub fn grow(&mut self, delta: u64, limits: &Limits) -> Option<u64> {
        let old = self.pages();
        let new = old.checked_add(delta)?;
        let cap = self.max_pages.unwrap_or(MAX_PAGES).min(MAX_PAGES).min(limits.memory_pages);
        if new > cap {
            return None;
        }
        let len = usize::try_from(new * PAGE_SIZE).ok()?;
        if len > self.bytes.len() {
            self.bytes.try_reserve_exact(len - self.bytes.len()).ok()?;
            self.bytes.resize(len, 0);
        }
        Some(old)
    }

    /// The byte range `[addr, addr + len)` as indices, if it is in bounds.
    pub fn range(&self, addr: u64, len: u64) -> Option<core::ops::Range<usize>> {
        let end = addr.checked_add(len)?;
        if end > self.len() {
            return None;
        }
        Some(addr as usize..end as usize)
    }
}

/// A table of references.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Table {
    /// Element type (`funcref` or `externref`).
    pub elem: Type,
    /// The elements: a function index or host handle, or null.
    pub elems: Vec<Option<u32>>,
    /// The declared maximum size, if any.
    pub max: Option<u64>,
}

impl Table {
    /// A table of `size` null elements; `None` if it cannot be allocated.
    pub fn new(elem: Type, size: u64, max: Option<u64>) -> Option<Table> {
        if size > u64::from(u32::MAX) {
            return None;
        }
        let mut elems = Vec::new();
        elems.try_reserve_exact(usize::try_from(size).ok()?).ok()?;
        elems.resize(size as usize, None);
        Some(Table { elem, elems, max })
    }

    /// The size in elements.
    pub fn size(&self) -> u64 {
        self.elems.len() as u64
    }

    /// `table.grow`: the old size, or `None` (wasm's -1) past the maximum,
    /// `limits` or the allocator.
    pub fn grow(&mut self, delta: u64, init: Option<u32>, limits: &Limits) -> Option<u64> {
        let old = self.size();
        let new = old.checked_add(delta)?;
        let cap = self.max.unwrap_or(u64::from(u32::MAX)).min(u64::from(u32::MAX)).min(limits.table_elements);
        if new > cap {
            return None;
        }
        let new = usize::try_from(new).ok()?;
        self.elems.try_reserve_exact(new.saturating_sub(self.elems.len())).ok()?;
        self.elems.resize(new, init);
        Some(old)
    }

    /// The element range `[start, start + len)`, if it is in bounds.
    pub fn range(&self, start: u64, len: u64) -> Option<core::ops::Range<usize>> {
        let end = start.checked_add(len)?;
        if end > self.size() {
            return None;
        }
        Some(start as usize..end as usize)
    }
}

/// A passive data segment (`memory.init` source).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct DataSegment {
    /// Its bytes.
    pub bytes: Vec<u8>,
    /// Has `data.drop` run? A dropped segment has length 0.
    pub dropped: bool,
}

impl DataSegment {
    /// The bytes `memory.init` sees (empty once dropped).
    pub fn live_bytes(&self) -> &[u8] {
        if self.dropped { &[] } else { &self.bytes }
    }
}

/// A passive element segment (`table.init` source).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ElemSegment {
    /// Element type.
    pub elem: Type,
    /// Its references.
    pub items: Vec<Option<u32>>,
    /// Has `elem.drop` run? A dropped segment has length 0.
    pub dropped: bool,
}

impl ElemSegment {
    /// The references `table.init` sees (empty once dropped).
    pub fn live_items(&self) -> &[Option<u32>] {
        if self.dropped { &[] } else { &self.items }
    }
}

/// Everything outside the function's values that a run reads or writes.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct State {
    /// Linear memories.
    pub memories: BTreeMap<MemoryRef, Memory>,
    /// Global values.
    pub globals: BTreeMap<GlobalRef, Val>,
    /// Tables.
    pub tables: BTreeMap<TableRef, Table>,
    /// Passive data segments.
    pub datas: BTreeMap<DataRef, DataSegment>,
    /// Passive element segments.
    pub elems: BTreeMap<ElemRef, ElemSegment>,
    /// Growth limits.
    pub limits: Limits,
}

impl State {
    /// An empty state: no memories, globals, tables or segments.
    pub fn new() -> Self {
        Self::default()
    }

    /// The default state for `func`: each declared memory with its minimum
    /// number of zeroed pages, each global zero (or null), each table with its
    /// minimum number of null elements. Data and element segments are not
    /// declared by functions; add them to [`State::datas`]/[`State::elems`].
    ///
    /// Fails (with [`Trap::Resource`]) if a declared minimum passes the wasm
    /// limits or cannot be allocated.
    pub fn for_function(func: &Function) -> Result<State, Trap> {
        let decls = &func.dfg.decls;
        let mut state = State::new();
        for (&m, decl) in &decls.memories {
            let mem = Memory::new(decl.min, decl.max)
                .ok_or_else(|| Trap::Resource(format!("{m}: cannot allocate {} pages", decl.min)))?;
            state.memories.insert(m, mem);
        }
        for (&g, decl) in &decls.globals {
            state.globals.insert(g, Val::zero(decl.ty));
        }
        for (&t, decl) in &decls.tables {
            let table = Table::new(decl.elem, decl.min, decl.max)
                .ok_or_else(|| Trap::Resource(format!("{t}: cannot allocate {} elements", decl.min)))?;
            state.tables.insert(t, table);
        }
        Ok(state)
    }

    /// Adds (or replaces) a passive data segment.
    pub fn with_data(mut self, data: DataRef, bytes: impl Into<Vec<u8>>) -> Self {
        self.datas.insert(data, DataSegment { bytes: bytes.into(), dropped: false });
        self
    }

    /// Adds (or replaces) a passive element segment.
    pub fn with_elem(mut self, elem: ElemRef, ty: Type, items: impl Into<Vec<Option<u32>>>) -> Self {
        self.elems.insert(elem, ElemSegment { elem: ty, items: items.into(), dropped: false });
        self
    }

    /// The memory `m`, or a [`Trap::Malformed`] naming it.
    pub fn memory(&self, m: MemoryRef) -> Result<&Memory, Trap> {
        self.memories.get(&m).ok_or_else(|| Trap::malformed(format!("{m} is not in the state")))
    }

    /// The memory `m`, mutably.
    pub fn memory_mut(&mut self, m: MemoryRef) -> Result<&mut Memory, Trap> {
        self.memories.get_mut(&m).ok_or_else(|| Trap::malformed(format!("{m} is not in the state")))
    }

    /// The table `t`, or a [`Trap::Malformed`] naming it.
    pub fn table(&self, t: TableRef) -> Result<&Table, Trap> {
        self.tables.get(&t).ok_or_else(|| Trap::malformed(format!("{t} is not in the state")))
    }

    /// The table `t`, mutably.
    pub fn table_mut(&mut self, t: TableRef) -> Result<&mut Table, Trap> {
        self.tables.get_mut(&t).ok_or_else(|| Trap::malformed(format!("{t} is not in the state")))
    }

    /// The function an indirect call through `table[index]` reaches, with
    /// wasm's checks: [`Trap::TableOutOfBounds`] past the end,
    /// [`Trap::IndirectCallToNull`] for a null element. (The signature check
    /// is the [`super::Env`]'s.)
    pub fn table_func(&self, table: TableRef, index: u32) -> Result<u32, Trap> {
        let t = self.table(table)?;
        if t.elem != Type::FuncRef {
            return Err(Trap::malformed(format!("call through {table} of {}", t.elem)));
        }
        match t.elems.get(index as usize) {
            None => Err(Trap::TableOutOfBounds),
            Some(None) => Err(Trap::IndirectCallToNull),
            Some(Some(f)) => Ok(*f),
        }
    }

    /// A 64-bit FNV-1a digest of everything observable in the state
    /// (memories and their sizes, globals, tables, segments' dropped flags),
    /// in entity order. Equal states have equal digests; call traces record
    /// it as "the state the callee could see".
    pub fn digest(&self) -> u64 {
        let mut h = Fnv::new();
        for (m, mem) in &self.memories {
            h.word(0x6d, u64::from(m.as_u32()));
            h.word(0, mem.len());
            h.words(&mem.bytes);
        }
        for (g, v) in &self.globals {
            h.word(0x67, u64::from(g.as_u32()));
            h.bytes(v.ty().name().as_bytes());
            h.bytes(v.to_string().as_bytes());
        }
        for (t, table) in &self.tables {
            h.word(0x74, u64::from(t.as_u32()));
            h.word(0, table.size());
            for e in &table.elems {
                h.word(0, e.map_or(u64::MAX, u64::from));
            }
        }
        for (d, seg) in &self.datas {
            h.word(0x64, u64::from(d.as_u32()));
            h.word(0, u64::from(seg.dropped));
        }
        for (e, seg) in &self.elems {
            h.word(0x65, u64::from(e.as_u32()));
            h.word(0, u64::from(seg.dropped));
        }
        h.0
    }
}

struct Fnv(u64);

impl Fnv {
    fn new() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
    fn bytes(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    /// Like [`Fnv::bytes`], eight bytes at a time (a memory is hashed at
    /// every call a run traces, so this is the interpreter's hot loop).
    fn words(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.0 ^= u64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]]);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
        self.bytes(chunks.remainder());
    }
    fn word(&mut self, tag: u8, x: u64) {
        self.bytes(&[tag]);
        self.bytes(&x.to_le_bytes());
    }
}

//! The module-level obligation of an edit that removes entities from a
//! module (`module-dce`), checked on the bytes, independently of the pass
//! and of the backend that wrote them.
//!
//! Input: the module before the edit, the module after it, and the index
//! maps the editor claims ([`IndexCertificate`]: for every index space, the
//! output index of every input index, `None` for a removed entity). The
//! checker trusts none of them. It parses both modules with `wasmparser`
//! and establishes:
//!
//! 1. **The certificate is a renumbering**: one entry per input entity, and
//!    the entities kept map one-to-one onto the output's index space.
//! 2. **Nothing removed was reachable** in the input, by its own
//!    reachability analysis (below). A removed entity that is reachable is
//!    a *wrong removal*; the error shows the chain of uses from a root.
//! 3. **Everything kept is what it was**: every kept entity of the input,
//!    with each index it contains mapped by the certificate, equals the
//!    output entity the certificate sends it to — types, imports, function
//!    types, locals and every operator of every body, tables, memories,
//!    globals and initializers, tags, exports (all of them, in order), the
//!    start function, element segments (mode, table, offset, items), data
//!    segments (mode, memory, offset, bytes), the data count, every name
//!    subsection and every other custom section. A difference is a *wrong
//!    remap* and names the entity and what differs. The output validates.
//!
//! # Reachability
//!
//! Roots: every export, the start function, every imported table, memory,
//! global and tag, every tag, and every active segment whose removal could
//! change instantiation — all of them except a segment whose table (memory)
//! is defined in the module, whose offset is one `i32.const`/`i64.const`
//! and whose end is within the initial size (such a segment cannot trap, and
//! if its table or memory is unreachable nobody reads what it wrote). Uses:
//! every index an operator, a local's type, an initializer, a segment or a
//! type names; a function's type; a reachable table or memory reaches every
//! active segment that writes it. Imported functions and declarative
//! segments are not roots: an unreachable one may go. A reachable type
//! reaches every member of its recursion group and every type its
//! definition names (parameters, results, fields, supertypes, descriptors).
//!
//! Operators are read through a visitor generated from `wasmparser`'s
//! operator list with one rule per immediate *name*; a name without a rule
//! does not compile, so no index-bearing immediate can be missed.
//!
//! This file shares no code with `weft-passes`, the frontend or the
//! backend.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::{self, Write as _};

use wasmparser::{
    BlockType, ConstExpr, Data, DataKind, Element, ElementItems, ElementKind, Export, ExternalKind, FunctionBody,
    Global, HeapType, Import, KnownCustom, MemArg, MemArgTarget, Name, Operator, Parser, Payload, RefType, SubType,
    TableInit, TableType, TagType, TypeRef, ValType,
};

/// An index space.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Space {
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
    /// Tags (never removed).
    Tag,
}

impl Space {
    /// The spaces a certificate maps.
    pub const EDITABLE: [Space; 7] =
        [Space::Func, Space::Global, Space::Table, Space::Memory, Space::Type, Space::Elem, Space::Data];

    fn prefix(self) -> &'static str {
        match self {
            Space::Func => "fn",
            Space::Global => "gv",
            Space::Table => "table",
            Space::Memory => "mem",
            Space::Type => "sig",
            Space::Elem => "elem",
            Space::Data => "data",
            Space::Tag => "tag",
        }
    }
}

/// An entity of the input module, printed as in weft's text IR (`fn3`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Entity(pub Space, pub u32);

impl fmt::Display for Entity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}{}", self.0.prefix(), self.1)
    }
}

/// The claimed renumbering: per editable space, the output index of every
/// input index (`None`: removed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct IndexCertificate {
    /// Per space, in [`Space::EDITABLE`] order.
    pub maps: BTreeMap<Space, Vec<Option<u32>>>,
}

impl IndexCertificate {
    fn image(&self, space: Space, index: u32) -> Option<u32> {
        match space {
            Space::Tag => Some(index),
            _ => self.maps.get(&space)?.get(index as usize).copied().flatten(),
        }
    }
}

/// Why an edit is rejected.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ModuleCheckError {
    /// A module does not parse or the output does not validate.
    #[error("module check: {0}")]
    Malformed(String),
    /// The certificate is not a renumbering of the input's entities onto
    /// the output's.
    #[error("module check: bad index certificate: {0}")]
    Certificate(String),
    /// A removed entity is reachable in the input.
    #[error("module check: wrong removal: {entity} is reachable: {path}")]
    WrongRemoval {
        /// The entity.
        entity: Entity,
        /// How it is reached, from a root.
        path: String,
    },
    /// A kept entity is not written as it was.
    #[error("module check: wrong remap: {what}: {detail}")]
    WrongRemap {
        /// The entity or section.
        what: String,
        /// What differs.
        detail: String,
    },
}

/// What a successful check established.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ModuleCheckReport {
    /// Removed entities, per space (each proved unreachable).
    pub removed: BTreeMap<Space, usize>,
    /// Kept entities compared, per space.
    pub kept: BTreeMap<Space, usize>,
    /// Operators compared in function bodies.
    pub operators: usize,
}

impl fmt::Display for ModuleCheckReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let removed: usize = self.removed.values().sum();
        let kept: usize = self.kept.values().sum();
        write!(
            f,
            "{removed} removed entities unreachable, {kept} kept entities identical ({} operators)",
            self.operators
        )
    }
}

fn malformed(e: impl fmt::Display) -> ModuleCheckError {
    ModuleCheckError::Malformed(e.to_string())
}

/// Checks an edit: see the module docs.
pub fn check_module_edit(
    before: &[u8],
    after: &[u8],
    certificate: &IndexCertificate,
) -> Result<ModuleCheckReport, ModuleCheckError> {
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    validator.validate_all(after).map_err(|e| malformed(format!("the output does not validate: {e}")))?;
    let input = Parsed::read(before).map_err(|e| malformed(format!("input: {e}")))?;
    let output = Parsed::read(after).map_err(|e| malformed(format!("output: {e}")))?;
    check_certificate(&input, &output, certificate)?;
    let reach = Reach::compute(&input).map_err(malformed)?;
    let mut report = ModuleCheckReport::default();
    for space in Space::EDITABLE {
        for i in 0..input.len(space) {
            let e = Entity(space, i);
            if certificate.image(space, i).is_none() {
                if reach.reached(e) {
                    return Err(ModuleCheckError::WrongRemoval { entity: e, path: reach.path(e) });
                }
                *report.removed.entry(space).or_default() += 1;
            } else {
                *report.kept.entry(space).or_default() += 1;
            }
        }
    }
    report.operators = Compare { input: &input, output: &output, cert: certificate }.all()?;
    Ok(report)
}

/// A parsed module.
#[derive(Default)]
struct Parsed<'a> {
    types: Vec<SubType>,
    /// Per type: the index range of its recursion group.
    type_groups: Vec<core::ops::Range<u32>>,
    imports: Vec<Import<'a>>,
    /// Type of every function, imports first.
    func_types: Vec<u32>,
    imported: BTreeMap<Space, u32>,
    bodies: Vec<FunctionBody<'a>>,
    /// Defined tables.
    tables: Vec<(TableType, Option<ConstExpr<'a>>)>,
    /// Every table's type, imports first.
    table_types: Vec<TableType>,
    memories: Vec<wasmparser::MemoryType>,
    /// Every memory's initial size in bytes, imports first.
    memory_bytes: Vec<u64>,
    globals: Vec<Global<'a>>,
    num_globals: u32,
    tags: Vec<TagType>,
    /// Every tag's type, imports first.
    tag_types: Vec<u32>,
    exports: Vec<Export<'a>>,
    start: Option<u32>,
    elems: Vec<Element<'a>>,
    datas: Vec<Data<'a>>,
    data_count: Option<u32>,
    names: Vec<Name<'a>>,
    customs: Vec<(&'a str, &'a [u8])>,
}

impl<'a> Parsed<'a> {
    fn read(bytes: &'a [u8]) -> Result<Self, String> {
        let mut m = Parsed::default();
        let e = |e: wasmparser::BinaryReaderError| e.to_string();
        for payload in Parser::new(0).parse_all(bytes) {
            match payload.map_err(e)? {
                Payload::TypeSection(r) => {
                    for group in r {
                        let group = group.map_err(e)?;
                        let start = m.types.len() as u32;
                        let end = start + group.types().len() as u32;
                        for sub in group.into_types() {
                            m.types.push(sub);
                            m.type_groups.push(start..end);
                        }
                    }
                }
                Payload::ImportSection(r) => {
                    for import in r.into_imports() {
                        let import = import.map_err(e)?;
                        let space = match import.ty {
                            TypeRef::Func(t) | TypeRef::FuncExact(t) => {
                                m.func_types.push(t);
                                Space::Func
                            }
                            TypeRef::Table(t) => {
                                m.table_types.push(t);
                                Space::Table
                            }
                            TypeRef::Memory(t) => {
                                m.memory_bytes.push(memory_bytes(&t));
                                Space::Memory
                            }
                            TypeRef::Global(_) => {
                                m.num_globals += 1;
                                Space::Global
                            }
                            TypeRef::Tag(t) => {
                                m.tag_types.push(t.func_type_idx);
                                Space::Tag
                            }
                        };
                        *m.imported.entry(space).or_default() += 1;
                        m.imports.push(import);
                    }
                }
                Payload::FunctionSection(r) => {
                    for t in r {
                        m.func_types.push(t.map_err(e)?);
                    }
                }
                Payload::TableSection(r) => {
                    for t in r {
                        let t = t.map_err(e)?;
                        let init = match t.init {
                            TableInit::RefNull => None,
                            TableInit::Expr(x) => Some(x),
                        };
                        m.table_types.push(t.ty);
                        m.tables.push((t.ty, init));
                    }
                }
                Payload::MemorySection(r) => {
                    for t in r {
                        let t = t.map_err(e)?;
                        m.memory_bytes.push(memory_bytes(&t));
                        m.memories.push(t);
                    }
                }
                Payload::TagSection(r) => {
                    for t in r {
                        let t = t.map_err(e)?;
                        m.tag_types.push(t.func_type_idx);
                        m.tags.push(t);
                    }
                }
                Payload::GlobalSection(r) => {
                    for g in r {
                        m.globals.push(g.map_err(e)?);
                        m.num_globals += 1;
                    }
                }
                Payload::ExportSection(r) => {
                    for x in r {
                        m.exports.push(x.map_err(e)?);
                    }
                }
                Payload::StartSection { func, .. } => m.start = Some(func),
                Payload::ElementSection(r) => {
                    for x in r {
                        m.elems.push(x.map_err(e)?);
                    }
                }
                Payload::DataCountSection { count, .. } => m.data_count = Some(count),
                Payload::DataSection(r) => {
                    for x in r {
                        m.datas.push(x.map_err(e)?);
                    }
                }
                Payload::CodeSectionEntry(body) => m.bodies.push(body),
                Payload::CustomSection(c) => match c.as_known() {
                    KnownCustom::Name(r) => {
                        for name in r {
                            m.names.push(name.map_err(e)?);
                        }
                    }
                    _ => m.customs.push((c.name(), c.data())),
                },
                Payload::Version { encoding: wasmparser::Encoding::Component, .. } => {
                    return Err("a component, not a core module".into());
                }
                Payload::UnknownSection { id, .. } => return Err(format!("unknown section {id}")),
                _ => {}
            }
        }
        Ok(m)
    }

    fn len(&self, space: Space) -> u32 {
        (match space {
            Space::Func => self.func_types.len(),
            Space::Global => self.num_globals as usize,
            Space::Table => self.table_types.len(),
            Space::Memory => self.memory_bytes.len(),
            Space::Type => self.types.len(),
            Space::Elem => self.elems.len(),
            Space::Data => self.datas.len(),
            Space::Tag => self.tag_types.len(),
        }) as u32
    }

    fn imported(&self, space: Space) -> u32 {
        self.imported.get(&space).copied().unwrap_or(0)
    }
}

fn memory_bytes(t: &wasmparser::MemoryType) -> u64 {
    t.initial.saturating_mul(1u64 << t.page_size_log2.unwrap_or(16).min(63))
}

fn check_certificate(input: &Parsed<'_>, output: &Parsed<'_>, cert: &IndexCertificate) -> Result<(), ModuleCheckError> {
    let bad = |m: String| Err(ModuleCheckError::Certificate(m));
    for space in Space::EDITABLE {
        let map = cert.maps.get(&space).map(Vec::as_slice).unwrap_or(&[]);
        let n = input.len(space) as usize;
        if map.len() != n {
            return bad(format!("{} entries for {n} input {space:?} entities", map.len()));
        }
        let images: Vec<u32> = map.iter().flatten().copied().collect();
        let distinct: BTreeSet<u32> = images.iter().copied().collect();
        let out = output.len(space);
        if distinct.len() != images.len() || distinct.iter().any(|&j| j >= out) || distinct.len() != out as usize {
            return bad(format!("the kept {space:?} entities do not map one-to-one onto the output's {out}"));
        }
        if space != Space::Type {
            // Imports come first in both modules: an import must stay an
            // import (and a definition a definition).
            for (i, image) in map.iter().enumerate() {
                let (was, is) = ((i as u32) < input.imported(space), image.map(|j| j < output.imported(space)));
                if is.is_some_and(|is| is != was) {
                    return bad(format!("{} changes between import and definition", Entity(space, i as u32)));
                }
            }
        }
    }
    if input.len(Space::Tag) != output.len(Space::Tag) {
        return bad("the number of tags changed".into());
    }
    Ok(())
}

// ---------------------------------------------------------------------------
// Operators, types and constant expressions as text, with indices mapped.

/// Maps (or records) the indices an item contains.
trait Indices {
    fn index(&mut self, space: Space, index: u32) -> Result<u32, String>;
}

/// Records every index it sees; maps none.
#[derive(Default)]
struct Recorder(Vec<Entity>);

impl Indices for Recorder {
    fn index(&mut self, space: Space, index: u32) -> Result<u32, String> {
        self.0.push(Entity(space, index));
        Ok(index)
    }
}

/// Leaves every index as it is.
struct Same;

impl Indices for Same {
    fn index(&mut self, _: Space, index: u32) -> Result<u32, String> {
        Ok(index)
    }
}

/// Maps input indices to output indices through the certificate.
struct Forward<'c>(&'c IndexCertificate);

impl Indices for Forward<'_> {
    fn index(&mut self, space: Space, index: u32) -> Result<u32, String> {
        self.0.image(space, index).ok_or_else(|| format!("refers to {}, which was removed", Entity(space, index)))
    }
}

fn idx(m: &mut dyn Indices, out: &mut String, space: Space, index: u32) -> Result<(), String> {
    let i = m.index(space, index)?;
    let _ = write!(out, "{}{i}", space.prefix());
    Ok(())
}

fn heap_type(m: &mut dyn Indices, out: &mut String, h: HeapType) -> Result<(), String> {
    match h {
        HeapType::Abstract { shared, ty } => {
            let _ = write!(out, "{}{ty:?}", if shared { "shared " } else { "" });
        }
        HeapType::Concrete(i) | HeapType::Exact(i) => {
            let exact = if matches!(h, HeapType::Exact(_)) { "exact " } else { "" };
            let i = i.as_module_index().ok_or("a canonicalized type index")?;
            out.push_str(exact);
            idx(m, out, Space::Type, i)?;
        }
    }
    Ok(())
}

fn ref_type(m: &mut dyn Indices, out: &mut String, r: RefType) -> Result<(), String> {
    out.push_str(if r.is_nullable() { "(ref null " } else { "(ref " });
    heap_type(m, out, r.heap_type())?;
    out.push(')');
    Ok(())
}

fn val_type(m: &mut dyn Indices, out: &mut String, v: ValType) -> Result<(), String> {
    match v {
        ValType::Ref(r) => ref_type(m, out, r),
        other => {
            let _ = write!(out, "{other}");
            Ok(())
        }
    }
}

fn block_type(m: &mut dyn Indices, out: &mut String, b: BlockType) -> Result<(), String> {
    match b {
        BlockType::Empty => out.push_str("[]"),
        BlockType::Type(t) => val_type(m, out, t)?,
        BlockType::FuncType(i) => idx(m, out, Space::Type, i)?,
    }
    Ok(())
}

fn mem_arg(m: &mut dyn Indices, out: &mut String, a: MemArg) -> Result<(), String> {
    let _ = write!(out, "align={} offset={} ordering={:?} ", a.align, a.offset, a.ordering);
    match a.target {
        MemArgTarget::Memory(i) => idx(m, out, Space::Memory, i),
        MemArgTarget::Array(t) => {
            out.push_str("array ");
            idx(m, out, Space::Type, t)
        }
    }
}

fn debug(out: &mut String, x: impl fmt::Debug) {
    let _ = write!(out, "{x:?}");
}

macro_rules! operator_text {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        /// `op` as text, every index it contains passed through `m`.
        fn operator_text(op: Operator<'_>, m: &mut dyn Indices, out: &mut String) -> Result<(), String> {
            match op {
                $(
                    Operator::$op $({ $($arg),* })? => {
                        out.push_str(stringify!($op));
                        $( $(
                            out.push(' ');
                            operator_text!(field m out $arg $arg);
                        )* )?
                    }
                )*
                other => return Err(format!("operator {other:?} is unknown to the module checker")),
            }
            Ok(())
        }
    };
    (field $m:ident $out:ident $v:ident tag_index) => { idx($m, $out, Space::Tag, $v)? };
    (field $m:ident $out:ident $v:ident function_index) => { idx($m, $out, Space::Func, $v)? };
    (field $m:ident $out:ident $v:ident table) => { idx($m, $out, Space::Table, $v)? };
    (field $m:ident $out:ident $v:ident table_index) => { idx($m, $out, Space::Table, $v)? };
    (field $m:ident $out:ident $v:ident dst_table) => { idx($m, $out, Space::Table, $v)? };
    (field $m:ident $out:ident $v:ident src_table) => { idx($m, $out, Space::Table, $v)? };
    (field $m:ident $out:ident $v:ident type_index) => { idx($m, $out, Space::Type, $v)? };
    (field $m:ident $out:ident $v:ident array_type_index) => { idx($m, $out, Space::Type, $v)? };
    (field $m:ident $out:ident $v:ident array_type_index_dst) => { idx($m, $out, Space::Type, $v)? };
    (field $m:ident $out:ident $v:ident array_type_index_src) => { idx($m, $out, Space::Type, $v)? };
    (field $m:ident $out:ident $v:ident struct_type_index) => { idx($m, $out, Space::Type, $v)? };
    (field $m:ident $out:ident $v:ident argument_index) => { idx($m, $out, Space::Type, $v)? };
    (field $m:ident $out:ident $v:ident result_index) => { idx($m, $out, Space::Type, $v)? };
    (field $m:ident $out:ident $v:ident cont_type_index) => { idx($m, $out, Space::Type, $v)? };
    (field $m:ident $out:ident $v:ident global_index) => { idx($m, $out, Space::Global, $v)? };
    (field $m:ident $out:ident $v:ident mem) => { idx($m, $out, Space::Memory, $v)? };
    (field $m:ident $out:ident $v:ident src_mem) => { idx($m, $out, Space::Memory, $v)? };
    (field $m:ident $out:ident $v:ident dst_mem) => { idx($m, $out, Space::Memory, $v)? };
    (field $m:ident $out:ident $v:ident data_index) => { idx($m, $out, Space::Data, $v)? };
    (field $m:ident $out:ident $v:ident array_data_index) => { idx($m, $out, Space::Data, $v)? };
    (field $m:ident $out:ident $v:ident elem_index) => { idx($m, $out, Space::Elem, $v)? };
    (field $m:ident $out:ident $v:ident array_elem_index) => { idx($m, $out, Space::Elem, $v)? };
    (field $m:ident $out:ident $v:ident blockty) => { block_type($m, $out, $v)? };
    (field $m:ident $out:ident $v:ident hty) => { heap_type($m, $out, $v)? };
    (field $m:ident $out:ident $v:ident from_ref_type) => { ref_type($m, $out, $v)? };
    (field $m:ident $out:ident $v:ident to_ref_type) => { ref_type($m, $out, $v)? };
    (field $m:ident $out:ident $v:ident ty) => { val_type($m, $out, $v)? };
    (field $m:ident $out:ident $v:ident tys) => {
        for t in $v { val_type($m, $out, t)?; $out.push(' '); }
    };
    (field $m:ident $out:ident $v:ident memarg) => { mem_arg($m, $out, $v)? };
    (field $m:ident $out:ident $v:ident targets) => {{
        for t in $v.targets() { debug($out, t.map_err(|e| e.to_string())?); $out.push(' '); }
        debug($out, $v.default());
    }};
    (field $m:ident $out:ident $v:ident try_table) => {{
        block_type($m, $out, $v.ty)?;
        for c in $v.catches {
            match c {
                wasmparser::Catch::One { tag, label } | wasmparser::Catch::OneRef { tag, label } => {
                    debug($out, core::mem::discriminant(&c));
                    idx($m, $out, Space::Tag, tag)?;
                    debug($out, label);
                }
                wasmparser::Catch::All { .. } | wasmparser::Catch::AllRef { .. } => debug($out, c),
            }
        }
    }};
    (field $m:ident $out:ident $v:ident resume_table) => {{
        for h in $v.handlers {
            match h {
                wasmparser::Handle::OnLabel { tag, label } => {
                    idx($m, $out, Space::Tag, tag)?;
                    debug($out, label);
                }
                wasmparser::Handle::OnSwitch { tag } => {
                    $out.push_str("switch ");
                    idx($m, $out, Space::Tag, tag)?;
                }
            }
        }
    }};
    (field $m:ident $out:ident $v:ident relative_depth) => { debug($out, $v) };
    (field $m:ident $out:ident $v:ident local_index) => { debug($out, $v) };
    (field $m:ident $out:ident $v:ident value) => { debug($out, $v) };
    (field $m:ident $out:ident $v:ident lane) => { debug($out, $v) };
    (field $m:ident $out:ident $v:ident lanes) => { debug($out, $v) };
    (field $m:ident $out:ident $v:ident array_size) => { debug($out, $v) };
    (field $m:ident $out:ident $v:ident field_index) => { debug($out, $v) };
    (field $m:ident $out:ident $v:ident ordering) => { debug($out, $v) };
}

wasmparser::for_each_operator!(operator_text);

/// A constant expression as text.
fn const_text(expr: &ConstExpr<'_>, m: &mut dyn Indices) -> Result<String, String> {
    let mut reader = expr.get_operators_reader();
    let mut out = String::new();
    while !reader.eof() {
        operator_text(reader.read().map_err(|e| e.to_string())?, m, &mut out)?;
        out.push_str("; ");
    }
    Ok(out)
}

/// A packed type index (supertypes, descriptors, continuations) mapped.
fn packed(m: &mut dyn Indices, out: &mut String, i: wasmparser::PackedIndex) -> Result<(), String> {
    let i = i.as_module_index().ok_or("a canonicalized type index")?;
    idx(m, out, Space::Type, i)
}

fn field_text(m: &mut dyn Indices, out: &mut String, f: &wasmparser::FieldType) -> Result<(), String> {
    out.push_str(if f.mutable { "(mut " } else { "(" });
    match f.element_type {
        wasmparser::StorageType::I8 => out.push_str("i8"),
        wasmparser::StorageType::I16 => out.push_str("i16"),
        wasmparser::StorageType::Val(v) => val_type(m, out, v)?,
    }
    out.push_str(") ");
    Ok(())
}

/// A type as text, every type index it contains mapped.
fn type_text(sub: &SubType, m: &mut dyn Indices) -> Result<String, String> {
    let mut out = format!("final={} supertypes=(", sub.is_final);
    for &s in &sub.supertype_idxs {
        packed(m, &mut out, s)?;
        out.push(' ');
    }
    let ct = &sub.composite_type;
    let _ = write!(out, ") shared={} descriptor=", ct.shared);
    for d in [ct.descriptor_idx, ct.describes_idx] {
        match d {
            Some(i) => packed(m, &mut out, i)?,
            None => out.push('-'),
        }
        out.push(' ');
    }
    match &ct.inner {
        wasmparser::CompositeInnerType::Func(f) => {
            out.push_str("func (");
            for &p in f.params() {
                val_type(m, &mut out, p)?;
                out.push(' ');
            }
            out.push_str(") -> (");
            for &r in f.results() {
                val_type(m, &mut out, r)?;
                out.push(' ');
            }
            out.push(')');
        }
        wasmparser::CompositeInnerType::Array(a) => {
            out.push_str("array ");
            field_text(m, &mut out, &a.0)?;
        }
        wasmparser::CompositeInnerType::Struct(s) => {
            out.push_str("struct ");
            for f in s.fields.iter() {
                field_text(m, &mut out, f)?;
            }
        }
        wasmparser::CompositeInnerType::Cont(c) => {
            out.push_str("cont ");
            packed(m, &mut out, c.0)?;
        }
    }
    Ok(out)
}

fn table_text(t: &TableType, m: &mut dyn Indices) -> Result<String, String> {
    let mut out = String::new();
    ref_type(m, &mut out, t.element_type)?;
    debug(&mut out, (t.table64, t.shared, t.initial, t.maximum));
    Ok(out)
}

fn global_type_text(t: &wasmparser::GlobalType, m: &mut dyn Indices) -> Result<String, String> {
    let mut out = String::new();
    val_type(m, &mut out, t.content_type)?;
    debug(&mut out, (t.mutable, t.shared));
    Ok(out)
}

fn import_text(import: &Import<'_>, m: &mut dyn Indices) -> Result<String, String> {
    let mut out = format!("{:?}.{:?} ", import.module, import.name);
    match import.ty {
        TypeRef::Func(t) => idx(m, &mut out, Space::Type, t)?,
        TypeRef::FuncExact(t) => {
            out.push_str("exact ");
            idx(m, &mut out, Space::Type, t)?
        }
        TypeRef::Table(t) => out.push_str(&table_text(&t, m)?),
        TypeRef::Memory(t) => debug(&mut out, t),
        TypeRef::Global(t) => out.push_str(&global_type_text(&t, m)?),
        TypeRef::Tag(t) => {
            debug(&mut out, t.kind);
            idx(m, &mut out, Space::Type, t.func_type_idx)?
        }
    }
    Ok(out)
}

fn external_space(kind: ExternalKind) -> Space {
    match kind {
        ExternalKind::Func | ExternalKind::FuncExact => Space::Func,
        ExternalKind::Table => Space::Table,
        ExternalKind::Memory => Space::Memory,
        ExternalKind::Global => Space::Global,
        ExternalKind::Tag => Space::Tag,
    }
}

fn elem_text(elem: &Element<'_>, m: &mut dyn Indices) -> Result<String, String> {
    let mut out = String::new();
    match &elem.kind {
        ElementKind::Passive => out.push_str("passive "),
        ElementKind::Declared => out.push_str("declared "),
        ElementKind::Active { table_index, offset_expr } => {
            out.push_str("active ");
            idx(m, &mut out, Space::Table, table_index.unwrap_or(0))?;
            out.push(' ');
            out.push_str(&const_text(offset_expr, m)?);
        }
    }
    match &elem.items {
        ElementItems::Functions(r) => {
            out.push_str("funcs ");
            for f in r.clone() {
                idx(m, &mut out, Space::Func, f.map_err(|e| e.to_string())?)?;
                out.push(' ');
            }
        }
        ElementItems::Expressions(ty, r) => {
            ref_type(m, &mut out, *ty)?;
            for x in r.clone() {
                out.push_str(&const_text(&x.map_err(|e| e.to_string())?, m)?);
            }
        }
    }
    Ok(out)
}

fn data_text(data: &Data<'_>, m: &mut dyn Indices) -> Result<String, String> {
    let mut out = String::new();
    match &data.kind {
        DataKind::Passive => out.push_str("passive "),
        DataKind::Active { memory_index, offset_expr } => {
            out.push_str("active ");
            idx(m, &mut out, Space::Memory, *memory_index)?;
            out.push(' ');
            out.push_str(&const_text(offset_expr, m)?);
        }
    }
    Ok(out)
}

/// The locals of a body as (type, count) runs, adjacent runs of one type
/// merged.
fn locals_text(body: &FunctionBody<'_>, m: &mut dyn Indices) -> Result<Vec<(String, u64)>, String> {
    let mut runs: Vec<(String, u64)> = Vec::new();
    for local in body.get_locals_reader().map_err(|e| e.to_string())? {
        let (n, ty) = local.map_err(|e| e.to_string())?;
        let mut t = String::new();
        val_type(m, &mut t, ty)?;
        match runs.last_mut() {
            Some((last, count)) if *last == t => *count += u64::from(n),
            _ if n == 0 => {}
            _ => runs.push((t, u64::from(n))),
        }
    }
    Ok(runs)
}

// ---------------------------------------------------------------------------
// Reachability.

/// Why an entity is reached: a root (described), or a use by another.
#[derive(Clone, Debug)]
enum Via {
    Root(String),
    UsedBy(Entity),
}

struct Reach {
    via: BTreeMap<Entity, Via>,
}

impl Reach {
    fn compute(m: &Parsed<'_>) -> Result<Reach, String> {
        let mut reach = Reach { via: BTreeMap::new() };
        let mut work: VecDeque<Entity> = VecDeque::new();
        let mut root = |reach: &mut Reach, e: Entity, why: String| {
            if e.1 < m.len(e.0) && !reach.via.contains_key(&e) {
                reach.via.insert(e, Via::Root(why));
                work.push_back(e);
            }
        };
        for x in &m.exports {
            root(&mut reach, Entity(external_space(x.kind), x.index), format!("export `{}`", x.name));
        }
        if let Some(s) = m.start {
            root(&mut reach, Entity(Space::Func, s), "the start function".into());
        }
        for space in [Space::Table, Space::Memory, Space::Global] {
            for i in 0..m.imported(space) {
                root(&mut reach, Entity(space, i), "an import shared with the host".into());
            }
        }
        for i in 0..m.len(Space::Tag) {
            root(&mut reach, Entity(Space::Tag, i), "a tag".into());
        }
        for (i, elem) in m.elems.iter().enumerate() {
            if let ElementKind::Active { table_index, offset_expr } = &elem.kind {
                let table = table_index.unwrap_or(0);
                let size = m.table_types.get(table as usize).map_or(0, |t| t.initial);
                if !m.fits(table < m.imported(Space::Table), offset_expr, elem_len(elem), size) {
                    root(&mut reach, Entity(Space::Elem, i as u32), "an active segment that may trap".into());
                }
            }
        }
        for (i, data) in m.datas.iter().enumerate() {
            if let DataKind::Active { memory_index, offset_expr } = &data.kind {
                let size = m.memory_bytes.get(*memory_index as usize).copied().unwrap_or(0);
                let imported = *memory_index < m.imported(Space::Memory);
                if !m.fits(imported, offset_expr, data.data.len() as u64, size) {
                    root(&mut reach, Entity(Space::Data, i as u32), "an active segment that may trap".into());
                }
            }
        }
        while let Some(e) = work.pop_front() {
            for used in m.uses(e)? {
                if used.1 < m.len(used.0) && !reach.via.contains_key(&used) {
                    reach.via.insert(used, Via::UsedBy(e));
                    work.push_back(used);
                }
            }
        }
        Ok(reach)
    }

    fn reached(&self, e: Entity) -> bool {
        self.via.contains_key(&e)
    }

    /// `root -> a -> b -> e`.
    fn path(&self, e: Entity) -> String {
        let mut chain = vec![e.to_string()];
        let mut at = e;
        while let Some(via) = self.via.get(&at) {
            match via {
                Via::Root(why) => {
                    chain.push(why.clone());
                    break;
                }
                Via::UsedBy(by) => {
                    chain.push(by.to_string());
                    at = *by;
                }
            }
        }
        chain.reverse();
        chain.join(" -> ")
    }
}

fn elem_len(elem: &Element<'_>) -> u64 {
    u64::from(match &elem.items {
        ElementItems::Functions(r) => r.count(),
        ElementItems::Expressions(_, r) => r.count(),
    })
}

impl Parsed<'_> {
    /// Does an active segment of `len` at `offset` surely fit in a defined
    /// table or memory of `size`?
    fn fits(&self, imported: bool, offset: &ConstExpr<'_>, len: u64, size: u64) -> bool {
        if imported {
            return false;
        }
        let mut reader = offset.get_operators_reader();
        let (Ok(first), Ok(Operator::End)) = (reader.read(), reader.read()) else { return false };
        if !reader.eof() {
            return false;
        }
        let start = match first {
            Operator::I32Const { value } => u64::from(value as u32),
            Operator::I64Const { value } => value as u64,
            _ => return false,
        };
        start.checked_add(len).is_some_and(|end| end <= size)
    }

    /// What entity `e` uses.
    fn uses(&self, e: Entity) -> Result<Vec<Entity>, String> {
        let mut rec = Recorder::default();
        let Entity(space, i) = e;
        let mut scratch = String::new();
        match space {
            Space::Func => {
                if let Some(&t) = self.func_types.get(i as usize) {
                    rec.0.push(Entity(Space::Type, t));
                }
                if let Some(body) = i.checked_sub(self.imported(Space::Func)).and_then(|d| self.bodies.get(d as usize))
                {
                    locals_text(body, &mut rec)?;
                    let mut reader = body.get_operators_reader().map_err(|e| e.to_string())?;
                    while !reader.eof() {
                        scratch.clear();
                        operator_text(reader.read().map_err(|e| e.to_string())?, &mut rec, &mut scratch)?;
                    }
                }
            }
            Space::Global => {
                if let Some(import) = self.nth_import(Space::Global, i) {
                    import_text(import, &mut rec)?;
                } else if let Some(g) = self.globals.get((i - self.imported(Space::Global)) as usize) {
                    global_type_text(&g.ty, &mut rec)?;
                    const_text(&g.init_expr, &mut rec)?;
                }
            }
            Space::Table => {
                if let Some(t) = self.table_types.get(i as usize) {
                    table_text(t, &mut rec)?;
                }
                if let Some((_, Some(init))) =
                    i.checked_sub(self.imported(Space::Table)).and_then(|d| self.tables.get(d as usize))
                {
                    const_text(init, &mut rec)?;
                }
                for (k, elem) in self.elems.iter().enumerate() {
                    if let ElementKind::Active { table_index, .. } = &elem.kind
                        && table_index.unwrap_or(0) == i
                    {
                        rec.0.push(Entity(Space::Elem, k as u32));
                    }
                }
            }
            Space::Memory => {
                for (k, data) in self.datas.iter().enumerate() {
                    if let DataKind::Active { memory_index, .. } = &data.kind
                        && *memory_index == i
                    {
                        rec.0.push(Entity(Space::Data, k as u32));
                    }
                }
            }
            Space::Type => {
                if let Some(sub) = self.types.get(i as usize) {
                    type_text(sub, &mut rec)?;
                }
                // A recursion group is one type definition: kept whole.
                if let Some(group) = self.type_groups.get(i as usize) {
                    rec.0.extend(group.clone().map(|t| Entity(Space::Type, t)));
                }
            }
            Space::Elem => {
                if let Some(elem) = self.elems.get(i as usize) {
                    elem_text(elem, &mut rec)?;
                }
            }
            Space::Data => {
                if let Some(data) = self.datas.get(i as usize) {
                    data_text(data, &mut rec)?;
                }
            }
            Space::Tag => {
                if let Some(&t) = self.tag_types.get(i as usize) {
                    rec.0.push(Entity(Space::Type, t));
                }
            }
        }
        Ok(rec.0)
    }

    /// The import that defines entity `i` of `space`, if it is imported.
    fn nth_import(&self, space: Space, i: u32) -> Option<&Import<'_>> {
        self.imports
            .iter()
            .filter(|imp| {
                space
                    == match imp.ty {
                        TypeRef::Func(_) | TypeRef::FuncExact(_) => Space::Func,
                        TypeRef::Table(_) => Space::Table,
                        TypeRef::Memory(_) => Space::Memory,
                        TypeRef::Global(_) => Space::Global,
                        TypeRef::Tag(_) => Space::Tag,
                    }
            })
            .nth(i as usize)
    }
}

// ---------------------------------------------------------------------------
// Comparison of everything kept.

struct Compare<'p, 'a> {
    input: &'p Parsed<'a>,
    output: &'p Parsed<'a>,
    cert: &'p IndexCertificate,
}

fn remap_err(what: impl fmt::Display, detail: impl fmt::Display) -> ModuleCheckError {
    ModuleCheckError::WrongRemap { what: what.to_string(), detail: detail.to_string() }
}

impl Compare<'_, '_> {
    /// `before` (input, indices mapped forward) against `after` (output).
    fn same(
        &self,
        what: impl fmt::Display,
        before: Result<String, String>,
        after: Result<String, String>,
    ) -> Result<(), ModuleCheckError> {
        let before = before.map_err(|e| remap_err(&what, format!("kept, but {e}")))?;
        let after = after.map_err(|e| remap_err(&what, format!("in the output: {e}")))?;
        if before != after {
            return Err(remap_err(what, format!("input (renumbered) `{before}` but output `{after}`")));
        }
        Ok(())
    }

    fn fwd(&self) -> Forward<'_> {
        Forward(self.cert)
    }

    /// Kept entities of `space`: (input index, output index).
    fn kept(&self, space: Space) -> Vec<(u32, u32)> {
        (0..self.input.len(space)).filter_map(|i| self.cert.image(space, i).map(|j| (i, j))).collect()
    }

    fn all(&self) -> Result<usize, ModuleCheckError> {
        let (input, output) = (self.input, self.output);
        for (i, j) in self.kept(Space::Type) {
            // The type, and its place in its recursion group.
            let text = |m: &Parsed<'_>, t: u32, map: &mut dyn Indices| {
                let group = m.type_groups.get(t as usize).cloned().unwrap_or(t..t + 1);
                let place = format!("member {} of a group of {}: ", t - group.start, group.len());
                type_text(&m.types[t as usize], map).map(|text| place + &text)
            };
            self.same(Entity(Space::Type, i), text(input, i, &mut self.fwd()), text(output, j, &mut Same))?;
        }
        // Imports, in order, removed ones left out.
        let mut counters: BTreeMap<Space, u32> = BTreeMap::new();
        let mut kept_imports = Vec::new();
        for import in &input.imports {
            let space = match import.ty {
                TypeRef::Func(_) | TypeRef::FuncExact(_) => Space::Func,
                TypeRef::Table(_) => Space::Table,
                TypeRef::Memory(_) => Space::Memory,
                TypeRef::Global(_) => Space::Global,
                TypeRef::Tag(_) => Space::Tag,
            };
            let n = counters.entry(space).or_default();
            if self.cert.image(space, *n).is_some() {
                kept_imports.push(import);
            }
            *n += 1;
        }
        if kept_imports.len() != output.imports.len() {
            return Err(remap_err(
                "the import section",
                format!("{} imports kept but the output has {}", kept_imports.len(), output.imports.len()),
            ));
        }
        for (k, (a, b)) in kept_imports.iter().zip(&output.imports).enumerate() {
            self.same(format!("import {k}"), import_text(a, &mut self.fwd()), import_text(b, &mut Same))?;
        }
        for (i, j) in self.kept(Space::Func) {
            let what = Entity(Space::Func, i);
            let (a, b) = (input.func_types[i as usize], output.func_types[j as usize]);
            self.same(
                format!("the type of {what}"),
                self.fwd().index(Space::Type, a).map(|t| t.to_string()),
                Ok(b.to_string()),
            )?;
        }
        let mut operators = 0;
        let (fi, fo) = (input.imported(Space::Func), output.imported(Space::Func));
        for (i, j) in self.kept(Space::Func) {
            let (Some(a), Some(b)) = (i.checked_sub(fi), j.checked_sub(fo)) else { continue };
            operators += self.body(Entity(Space::Func, i), &input.bodies[a as usize], &output.bodies[b as usize])?;
        }
        let (ti, to) = (input.imported(Space::Table), output.imported(Space::Table));
        for (i, j) in self.kept(Space::Table) {
            let what = Entity(Space::Table, i);
            self.same(
                what,
                table_text(&input.table_types[i as usize], &mut self.fwd()),
                table_text(&output.table_types[j as usize], &mut Same),
            )?;
            if let (Some(a), Some(b)) = (i.checked_sub(ti), j.checked_sub(to)) {
                let init = |t: &(TableType, Option<ConstExpr<'_>>), m: &mut dyn Indices| match &t.1 {
                    None => Ok("ref.null".to_string()),
                    Some(x) => const_text(x, m),
                };
                self.same(
                    format!("the initializer of {what}"),
                    init(&input.tables[a as usize], &mut self.fwd()),
                    init(&output.tables[b as usize], &mut Same),
                )?;
            }
        }
        let (mi, mo) = (input.imported(Space::Memory), output.imported(Space::Memory));
        for (i, j) in self.kept(Space::Memory) {
            if let (Some(a), Some(b)) = (i.checked_sub(mi), j.checked_sub(mo)) {
                self.same(
                    Entity(Space::Memory, i),
                    Ok(format!("{:?}", input.memories[a as usize])),
                    Ok(format!("{:?}", output.memories[b as usize])),
                )?;
            }
        }
        let (gi, go) = (input.imported(Space::Global), output.imported(Space::Global));
        for (i, j) in self.kept(Space::Global) {
            if let (Some(a), Some(b)) = (i.checked_sub(gi), j.checked_sub(go)) {
                let text = |g: &Global<'_>, m: &mut dyn Indices| {
                    Ok::<_, String>(format!("{} = {}", global_type_text(&g.ty, m)?, const_text(&g.init_expr, m)?))
                };
                self.same(
                    Entity(Space::Global, i),
                    text(&input.globals[a as usize], &mut self.fwd()),
                    text(&output.globals[b as usize], &mut Same),
                )?;
            }
        }
        for (k, (a, b)) in input.tags.iter().zip(&output.tags).enumerate() {
            let text = |t: &TagType, m: &mut dyn Indices| {
                let mut out = format!("{:?} ", t.kind);
                idx(m, &mut out, Space::Type, t.func_type_idx).map(|()| out)
            };
            self.same(format!("tag {k}"), text(a, &mut self.fwd()), text(b, &mut Same))?;
        }
        self.exports()?;
        let start = |s: Option<u32>, m: &mut dyn Indices| match s {
            None => Ok("none".to_string()),
            Some(f) => m.index(Space::Func, f).map(|f| f.to_string()),
        };
        self.same("the start function", start(input.start, &mut self.fwd()), start(output.start, &mut Same))?;
        for (i, j) in self.kept(Space::Elem) {
            self.same(
                Entity(Space::Elem, i),
                elem_text(&input.elems[i as usize], &mut self.fwd()),
                elem_text(&output.elems[j as usize], &mut Same),
            )?;
        }
        for (i, j) in self.kept(Space::Data) {
            let (a, b) = (&input.datas[i as usize], &output.datas[j as usize]);
            self.same(Entity(Space::Data, i), data_text(a, &mut self.fwd()), data_text(b, &mut Same))?;
            if a.data != b.data {
                return Err(remap_err(Entity(Space::Data, i), "the bytes differ"));
            }
        }
        let count = |m: &Parsed<'_>| m.data_count.map(|_| m.datas.len());
        if input.data_count.is_some() != output.data_count.is_some()
            || output.data_count.map(|c| c as usize) != count(output)
        {
            return Err(remap_err(
                "the data count section",
                format!("{:?} for {} segments", output.data_count, output.datas.len()),
            ));
        }
        self.names()?;
        if input.customs != output.customs {
            return Err(remap_err("the custom sections", "differ (other than the name section)"));
        }
        Ok(operators)
    }

    fn exports(&self) -> Result<(), ModuleCheckError> {
        let (input, output) = (self.input, self.output);
        for x in &input.exports {
            if !output.exports.iter().any(|y| y.name == x.name) {
                return Err(remap_err(format!("export `{}`", x.name), "removed: exports are roots"));
            }
        }
        if input.exports.len() != output.exports.len() {
            return Err(remap_err("the export section", "the output has exports the input does not"));
        }
        for (x, y) in input.exports.iter().zip(&output.exports) {
            let text = |e: &Export<'_>, m: &mut dyn Indices| {
                let mut out = format!("{:?} {:?} ", e.name, e.kind);
                idx(m, &mut out, external_space(e.kind), e.index).map(|()| out)
            };
            self.same(format!("export `{}`", x.name), text(x, &mut self.fwd()), text(y, &mut Same))?;
        }
        Ok(())
    }

    /// Compares two bodies operator by operator; returns how many.
    fn body(&self, what: Entity, a: &FunctionBody<'_>, b: &FunctionBody<'_>) -> Result<usize, ModuleCheckError> {
        let la = locals_text(a, &mut self.fwd()).map_err(|e| remap_err(what, format!("locals: {e}")))?;
        let lb = locals_text(b, &mut Same).map_err(|e| remap_err(what, format!("output locals: {e}")))?;
        if la != lb {
            return Err(remap_err(what, format!("locals {la:?} became {lb:?}")));
        }
        let ra = a.get_operators_reader().map_err(|e| remap_err(what, e))?;
        let rb = b.get_operators_reader().map_err(|e| remap_err(what, e))?;
        let (mut ra, mut rb) = (ra, rb);
        let (mut ta, mut tb) = (String::new(), String::new());
        let mut n = 0;
        loop {
            match (ra.eof(), rb.eof()) {
                (true, true) => return Ok(n),
                (false, false) => {}
                _ => return Err(remap_err(what, format!("the bodies differ in length after {n} operators"))),
            }
            ta.clear();
            tb.clear();
            let oa = ra.read().map_err(|e| remap_err(what, e))?;
            let ob = rb.read().map_err(|e| remap_err(what, e))?;
            operator_text(oa, &mut self.fwd(), &mut ta)
                .map_err(|e| remap_err(what, format!("operator {n}: kept, but {e}")))?;
            operator_text(ob, &mut Same, &mut tb).map_err(|e| remap_err(what, e))?;
            if ta != tb {
                return Err(remap_err(what, format!("operator {n}: input (renumbered) `{ta}` but output `{tb}`")));
            }
            n += 1;
        }
    }

    fn names(&self) -> Result<(), ModuleCheckError> {
        let before = name_lists(&self.input.names, Some(self.cert)).map_err(|e| remap_err("the name section", e))?;
        let after = name_lists(&self.output.names, None).map_err(|e| remap_err("the name section", e))?;
        if before != after {
            let diff = before.iter().zip(&after).find(|(a, b)| a != b).map(|(a, _)| a.0.clone());
            return Err(remap_err("the name section", format!("subsection {:?} differs", diff.unwrap_or_default())));
        }
        Ok(())
    }
}

/// Each name subsection as (kind, entries); with a certificate, entries of
/// removed entities dropped and indices mapped (local and label names are
/// compared as they are: a function keeps its locals).
type NameLists = Vec<(String, Vec<(u32, String)>)>;

fn name_lists(names: &[Name<'_>], cert: Option<&IndexCertificate>) -> Result<NameLists, String> {
    let map = |space: Space, i: u32| match cert {
        None => Some(i),
        Some(c) => c.image(space, i),
    };
    let direct =
        |kind: &str, space: Space, m: &wasmparser::NameMap<'_>| -> Result<(String, Vec<(u32, String)>), String> {
            let mut out = Vec::new();
            for n in m.clone() {
                let n = n.map_err(|e| e.to_string())?;
                if let Some(i) = map(space, n.index) {
                    out.push((i, n.name.to_string()));
                }
            }
            Ok((kind.to_string(), out))
        };
    let indirect = |kind: &str,
                    space: Space,
                    m: &wasmparser::IndirectNameMap<'_>|
     -> Result<(String, Vec<(u32, String)>), String> {
        let mut out = Vec::new();
        for n in m.clone() {
            let n = n.map_err(|e| e.to_string())?;
            let Some(i) = map(space, n.index) else { continue };
            for inner in n.names {
                let inner = inner.map_err(|e| e.to_string())?;
                out.push((i, format!("{} {}", inner.index, inner.name)));
            }
        }
        Ok((kind.to_string(), out))
    };
    let mut lists = Vec::new();
    for name in names {
        lists.push(match name {
            Name::Module { name, .. } => ("module".to_string(), vec![(0, name.to_string())]),
            Name::Function(m) => direct("function", Space::Func, m)?,
            Name::Local(m) => indirect("local", Space::Func, m)?,
            Name::Label(m) => indirect("label", Space::Func, m)?,
            Name::Type(m) => direct("type", Space::Type, m)?,
            Name::Table(m) => direct("table", Space::Table, m)?,
            Name::Memory(m) => direct("memory", Space::Memory, m)?,
            Name::Global(m) => direct("global", Space::Global, m)?,
            Name::Element(m) => direct("element", Space::Elem, m)?,
            Name::Data(m) => direct("data", Space::Data, m)?,
            Name::Field(m) => indirect("field", Space::Type, m)?,
            Name::Tag(m) => direct("tag", Space::Tag, m)?,
            Name::Parameter(m) => indirect("parameter", Space::Type, m)?,
            Name::TagParameter(m) => indirect("tag parameter", Space::Tag, m)?,
            // Unknown subsections may hold indices the checker cannot read;
            // an editor drops them, so they are not compared.
            Name::Unknown { .. } => continue,
        });
    }
    // Empty subsections are equivalent to absent ones.
    lists.retain(|(_, entries)| !entries.is_empty());
    Ok(lists)
}

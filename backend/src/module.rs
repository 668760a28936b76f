//! Module assembly: every section of [`Module::original`] re-encoded through
//! [`wasm_encoder::reencode`], with the code section rebuilt and the
//! module's edits applied.
//!
//! A [`FuncBody::Ir`] body is emitted by [`crate::emit_function`]; a
//! [`FuncBody::Opaque`] body is copied byte for byte from its
//! `original_range`. Custom sections are kept. In the name section, local
//! names of re-emitted functions keep only their parameters (the other
//! local indices now mean something else) and their label names are
//! dropped. The result is validated with [`wasmparser::Validator`] (every
//! feature the frontend accepts) before it is returned; a failure names the
//! function whose body contains the offending offset.
//!
//! # Edits
//!
//! When module passes removed entities ([`Module::edits`]), every index
//! space is renumbered by [`Module::index_maps`] and every index is mapped
//! wherever it appears: the immediates of IR bodies (mapped as they are
//! encoded, so the body's shape does not depend on the numbering), opaque
//! bodies (re-encoded operator by operator through the re-encoder's index
//! hooks when an index they use moves; copied raw otherwise), imports,
//! the function, table, memory, global and tag sections, exports, the start
//! function, element segments (table, items, offsets), global and table
//! initializers, data segments, the data count, and the name section (every
//! subsection that names indexed entities; names of removed entities are
//! dropped, and so are unknown name subsections, whose indices cannot be
//! read). A removed entity's definition is left out. An index without an
//! image — a reference to a removed entity — is an error naming the entity
//! and where the reference is; so is a custom or unknown section that
//! stores indices weft cannot rewrite. Nothing is guessed.

use crate::BackendError;
use crate::function::{EmitOptions, emit_function_here, is_large, on_large_stack};
use std::collections::BTreeMap;
use wasm_encoder::reencode::{Error as ReencodeError, Reencode, utils};
use weft_ir::{EntityKind, FuncBody, IndexMaps, Module, ModuleEntity};

/// Where a code-section entry's bytes come from.
enum Body {
    Emitted(wasm_encoder::Function),
    Original(core::ops::Range<usize>),
    /// An opaque body re-encoded with its indices mapped.
    Remapped,
    /// A removed function: no entry.
    Removed,
}

struct Reencoder<'m> {
    module: &'m Module,
    maps: IndexMaps,
    /// Are removed exports left out? (Not when writing the image before
    /// the edits.)
    apply_edits: bool,
    bodies: Vec<Body>,
    /// Function index → parameter count, for every re-emitted function.
    emitted_params: BTreeMap<u32, u32>,
    saw_code: bool,
    /// What is being re-encoded, for errors (`the global section`, ...).
    place: String,
}

/// The printable name of function `index`.
fn func_label(module: &Module, index: usize) -> String {
    match module.func_names.get(index) {
        Some(name) => format!("func[{index}] ({name})"),
        None => format!("func[{index}]"),
    }
}

fn module_error(message: impl Into<String>) -> BackendError {
    BackendError::Module { message: message.into() }
}

type Mapped = Result<u32, ReencodeError<BackendError>>;

impl Reencoder<'_> {
    fn map(&self, kind: EntityKind, index: u32) -> Mapped {
        self.maps.map_index(kind, index).ok_or_else(|| {
            ReencodeError::UserError(module_error(format!(
                "{} refers to {}, which was removed",
                self.place,
                kind.entity(index)
            )))
        })
    }

    /// Writes, through `write`, every item of a section whose entity (of
    /// `kind`, numbered from `first`) was not removed.
    fn kept_items<T>(
        &mut self,
        kind: EntityKind,
        first: u32,
        items: impl IntoIterator<Item = wasmparser::Result<T>>,
        mut write: impl FnMut(&mut Self, T) -> Result<(), ReencodeError<BackendError>>,
    ) -> Result<(), ReencodeError<BackendError>> {
        for (i, item) in items.into_iter().enumerate() {
            let entity = kind.entity(first + i as u32);
            if self.maps.map(entity).is_some() {
                self.place = entity.to_string();
                write(self, item?)?;
            }
        }
        Ok(())
    }

    fn removed(&self, kind: EntityKind, index: u32) -> bool {
        self.maps.map_index(kind, index).is_none()
    }

    fn moves(&self) -> bool {
        !self.maps.is_identity()
    }

    /// A name map with the entries of removed entities dropped and the rest
    /// renumbered.
    fn name_map(
        &self,
        kind: EntityKind,
        map: wasmparser::NameMap<'_>,
    ) -> Result<wasm_encoder::NameMap, ReencodeError<BackendError>> {
        let mut out = wasm_encoder::NameMap::new();
        for naming in map {
            let naming = naming?;
            if let Some(i) = self.maps.map_index(kind, naming.index) {
                out.append(i, naming.name);
            }
        }
        Ok(out)
    }

    /// An indirect name map (names per function or per type), outer indices
    /// as in [`Self::name_map`]; `inner` filters the inner entries.
    fn indirect_name_map(
        &self,
        kind: EntityKind,
        map: wasmparser::IndirectNameMap<'_>,
        inner: impl Fn(u32, u32) -> bool,
    ) -> Result<wasm_encoder::IndirectNameMap, ReencodeError<BackendError>> {
        let mut out = wasm_encoder::IndirectNameMap::new();
        for naming in map {
            let naming = naming?;
            let Some(outer) = self.maps.map_index(kind, naming.index) else { continue };
            let mut names = wasm_encoder::NameMap::new();
            for name in naming.names {
                let name = name?;
                if inner(naming.index, name.index) {
                    names.append(name.index, name.name);
                }
            }
            if !names.is_empty() {
                out.append(outer, &names);
            }
        }
        Ok(out)
    }
}

impl Reencode for Reencoder<'_> {
    type Error = BackendError;

    fn function_index(&mut self, func: u32) -> Mapped {
        self.map(EntityKind::Func, func)
    }
    fn global_index(&mut self, global: u32) -> Mapped {
        self.map(EntityKind::Global, global)
    }
    fn table_index(&mut self, table: u32) -> Mapped {
        self.map(EntityKind::Table, table)
    }
    fn memory_index(&mut self, memory: u32) -> Mapped {
        self.map(EntityKind::Memory, memory)
    }
    fn type_index(&mut self, ty: u32) -> Mapped {
        self.map(EntityKind::Type, ty)
    }
    fn element_index(&mut self, element: u32) -> Mapped {
        self.map(EntityKind::Elem, element)
    }
    fn data_index(&mut self, data: u32) -> Mapped {
        self.map(EntityKind::Data, data)
    }

    fn data_count(&mut self, count: u32) -> Mapped {
        let removed = (0..count).filter(|&i| self.removed(EntityKind::Data, i)).count() as u32;
        Ok(count - removed)
    }

    fn parse_type_section(
        &mut self,
        types: &mut wasm_encoder::TypeSection,
        section: wasmparser::TypeSectionReader<'_>,
    ) -> Result<(), ReencodeError<BackendError>> {
        self.place = "the type section".into();
        let mut index = 0u32;
        for group in section {
            let group = group?;
            let len = group.types().len() as u32;
            let removed = (index..index + len).filter(|&i| self.removed(EntityKind::Type, i)).count() as u32;
            if removed == 0 {
                self.parse_recursive_type_group(types.ty(), group)?;
            } else if removed != len {
                return Err(ReencodeError::UserError(module_error(format!(
                    "types {index}..{} form one recursion group, but only {removed} of them are removed",
                    index + len
                ))));
            }
            index += len;
        }
        Ok(())
    }

    fn parse_import_section(
        &mut self,
        imports: &mut wasm_encoder::ImportSection,
        section: wasmparser::ImportSectionReader<'_>,
    ) -> Result<(), ReencodeError<BackendError>> {
        self.place = "the import section".into();
        if !self.moves() {
            return utils::parse_import_section(self, imports, section);
        }
        // One import at a time (a compact group may lose members).
        let mut next = [0u32; 4];
        for import in section.into_imports() {
            let import = import?;
            let kind = match import.ty {
                wasmparser::TypeRef::Func(_) | wasmparser::TypeRef::FuncExact(_) => Some(EntityKind::Func),
                wasmparser::TypeRef::Table(_) => Some(EntityKind::Table),
                wasmparser::TypeRef::Memory(_) => Some(EntityKind::Memory),
                wasmparser::TypeRef::Global(_) => Some(EntityKind::Global),
                wasmparser::TypeRef::Tag(_) => None,
            };
            if let Some(kind) = kind {
                let index = next[kind as usize];
                next[kind as usize] += 1;
                if self.removed(kind, index) {
                    continue;
                }
                self.place = format!("the import of {}", kind.entity(index));
            }
            utils::parse_import(self, imports, import)?;
        }
        Ok(())
    }

    fn parse_function_section(
        &mut self,
        functions: &mut wasm_encoder::FunctionSection,
        section: wasmparser::FunctionSectionReader<'_>,
    ) -> Result<(), ReencodeError<BackendError>> {
        let first = self.module.imported_funcs.len() as u32;
        self.kept_items(EntityKind::Func, first, section, |this, ty| {
            functions.function(this.type_index(ty)?);
            Ok(())
        })
    }

    fn parse_table_section(
        &mut self,
        tables: &mut wasm_encoder::TableSection,
        section: wasmparser::TableSectionReader<'_>,
    ) -> Result<(), ReencodeError<BackendError>> {
        let first = self.module.num_imported(weft_ir::ExportKind::Table) as u32;
        self.kept_items(EntityKind::Table, first, section, |this, table| this.parse_table(tables, table))
    }

    fn parse_memory_section(
        &mut self,
        memories: &mut wasm_encoder::MemorySection,
        section: wasmparser::MemorySectionReader<'_>,
    ) -> Result<(), ReencodeError<BackendError>> {
        let first = self.module.num_imported(weft_ir::ExportKind::Memory) as u32;
        self.kept_items(EntityKind::Memory, first, section, |this, memory| {
            memories.memory(this.memory_type(memory)?);
            Ok(())
        })
    }

    fn parse_global_section(
        &mut self,
        globals: &mut wasm_encoder::GlobalSection,
        section: wasmparser::GlobalSectionReader<'_>,
    ) -> Result<(), ReencodeError<BackendError>> {
        let first = self.module.num_imported(weft_ir::ExportKind::Global) as u32;
        self.kept_items(EntityKind::Global, first, section, |this, global| this.parse_global(globals, global))
    }

    fn parse_export_section(
        &mut self,
        exports: &mut wasm_encoder::ExportSection,
        section: wasmparser::ExportSectionReader<'_>,
    ) -> Result<(), ReencodeError<BackendError>> {
        for export in section {
            let export = export?;
            if !(self.apply_edits && self.module.edits.contains_export(export.name)) {
                self.place = format!("export `{}`", export.name);
                self.parse_export(exports, export)?;
            }
        }
        Ok(())
    }

    fn start_section(&mut self, start: u32) -> Mapped {
        self.place = "the start section".into();
        self.function_index(start)
    }

    fn parse_element_section(
        &mut self,
        elements: &mut wasm_encoder::ElementSection,
        section: wasmparser::ElementSectionReader<'_>,
    ) -> Result<(), ReencodeError<BackendError>> {
        self.kept_items(EntityKind::Elem, 0, section, |this, element| this.parse_element(elements, element))
    }

    fn parse_data_section(
        &mut self,
        data: &mut wasm_encoder::DataSection,
        section: wasmparser::DataSectionReader<'_>,
    ) -> Result<(), ReencodeError<BackendError>> {
        self.kept_items(EntityKind::Data, 0, section, |this, datum| this.parse_data(data, datum))
    }

    fn parse_code_section(
        &mut self,
        code: &mut wasm_encoder::CodeSection,
        section: wasmparser::CodeSectionReader<'_>,
    ) -> Result<(), ReencodeError<BackendError>> {
        self.saw_code = true;
        if section.count() as usize != self.bodies.len() {
            return Err(ReencodeError::UserError(module_error(format!(
                "the code section at offset {:#x} has {} bodies but the module lists {} defined functions",
                section.range().start,
                section.count(),
                self.bodies.len()
            ))));
        }
        let bodies = core::mem::take(&mut self.bodies);
        let first = self.module.imported_funcs.len();
        for (i, (body, entry)) in bodies.iter().zip(section).enumerate() {
            match body {
                Body::Emitted(f) => {
                    code.function(f);
                }
                Body::Original(range) => {
                    code.raw(&self.module.original[range.clone()]);
                }
                Body::Remapped => {
                    self.place = func_label(self.module, first + i);
                    self.parse_function_body(code, entry?)?;
                }
                Body::Removed => {}
            }
        }
        self.bodies = bodies;
        Ok(())
    }

    fn parse_custom_section(
        &mut self,
        module: &mut wasm_encoder::Module,
        section: wasmparser::CustomSectionReader<'_>,
    ) -> Result<(), ReencodeError<BackendError>> {
        if self.moves() && weft_ir::edit::custom_section_stores_indices(section.name()) {
            return Err(ReencodeError::UserError(module_error(format!(
                "custom section `{}` stores indices weft does not rewrite; the module cannot be edited",
                section.name()
            ))));
        }
        utils::parse_custom_section(self, module, section)
    }

    fn parse_unknown_section(
        &mut self,
        module: &mut wasm_encoder::Module,
        id: u8,
        contents: &[u8],
    ) -> Result<(), ReencodeError<BackendError>> {
        if self.moves() {
            return Err(ReencodeError::UserError(module_error(format!(
                "section {id} is unknown to weft; the module cannot be edited"
            ))));
        }
        utils::parse_unknown_section(self, module, id, contents)
    }

    fn parse_custom_name_subsection(
        &mut self,
        names: &mut wasm_encoder::NameSection,
        section: wasmparser::Name<'_>,
    ) -> Result<(), ReencodeError<BackendError>> {
        use wasmparser::Name;
        match section {
            Name::Local(map) => {
                let keep = |f: u32, local: u32| self.emitted_params.get(&f).is_none_or(|&params| local < params);
                names.locals(&self.indirect_name_map(EntityKind::Func, map, keep)?);
            }
            Name::Label(map) => {
                let keep = |f: u32, _| !self.emitted_params.contains_key(&f);
                names.labels(&self.indirect_name_map(EntityKind::Func, map, keep)?);
            }
            other if !self.moves() => utils::parse_custom_name_subsection(self, names, other)?,
            Name::Function(map) => names.functions(&self.name_map(EntityKind::Func, map)?),
            Name::Type(map) => names.types(&self.name_map(EntityKind::Type, map)?),
            Name::Table(map) => names.tables(&self.name_map(EntityKind::Table, map)?),
            Name::Memory(map) => names.memories(&self.name_map(EntityKind::Memory, map)?),
            Name::Global(map) => names.globals(&self.name_map(EntityKind::Global, map)?),
            Name::Element(map) => names.elements(&self.name_map(EntityKind::Elem, map)?),
            Name::Data(map) => names.data(&self.name_map(EntityKind::Data, map)?),
            Name::Field(map) => names.fields(&self.indirect_name_map(EntityKind::Type, map, |_, _| true)?),
            Name::Parameter(map) => names.parameters(&self.indirect_name_map(EntityKind::Type, map, |_, _| true)?),
            other @ (Name::Module { .. } | Name::Tag(_) | Name::TagParameter(_)) => {
                utils::parse_custom_name_subsection(self, names, other)?
            }
            Name::Unknown { .. } => {}
        }
        Ok(())
    }
}

/// Emits `module`: its IR bodies compiled, its opaque bodies and every other
/// section as they were, its edits applied (see the module docs), validated.
pub fn emit_module(module: &Module) -> Result<Vec<u8>, BackendError> {
    emit_module_with(module, &EmitOptions::default())
}

/// [`emit_module`] with `options` for every IR body.
pub fn emit_module_with(module: &Module, options: &EmitOptions) -> Result<Vec<u8>, BackendError> {
    let maps = module.index_maps().map_err(|e| module_error(e.to_string()))?;
    emit_with_maps(module, Some(maps), options)
}

/// Emits `module` as it was before its edits: every entity and export
/// kept, no index moved — the image an edit is checked against. Equal to
/// [`emit_module_with`] when nothing was removed.
pub fn emit_module_unedited(module: &Module, options: &EmitOptions) -> Result<Vec<u8>, BackendError> {
    emit_with_maps(module, None, options)
}

/// `maps: None` writes the module without its edits.
fn emit_with_maps(module: &Module, maps: Option<IndexMaps>, options: &EmitOptions) -> Result<Vec<u8>, BackendError> {
    let large = module.funcs.iter().any(|f| matches!(&f.body, FuncBody::Ir(func) if is_large(func)));
    on_large_stack(large, || emit_module_here(module, maps, options))
}

fn emit_module_here(module: &Module, maps: Option<IndexMaps>, options: &EmitOptions) -> Result<Vec<u8>, BackendError> {
    let apply_edits = maps.is_some();
    let maps = maps.unwrap_or_default();
    if module.original.is_empty() {
        return Err(module_error("the module has no original bytes to re-encode"));
    }
    let identity = maps.is_identity();
    if !identity {
        module.check_editable().map_err(|e| module_error(e.to_string()))?;
    }
    let num_imported = module.imported_funcs.len();
    let mut bodies = Vec::with_capacity(module.funcs.len());
    let mut emitted_params = BTreeMap::new();
    for (i, def) in module.funcs.iter().enumerate() {
        let index = num_imported + i;
        if !identity && maps.map_index(EntityKind::Func, index as u32).is_none() {
            bodies.push(Body::Removed);
            continue;
        }
        let name = func_label(module, index);
        match &def.body {
            FuncBody::Ir(func) => {
                if let Some(Some(sig)) = module.types.get(def.type_index as usize)
                    && *sig != func.sig
                {
                    return Err(BackendError::Malformed {
                        func: name,
                        location: "signature".into(),
                        message: format!("{} does not match its type {} ({sig})", func.sig, def.type_index),
                    });
                }
                let remap = (!identity).then_some(&maps);
                let body = emit_function_here(func, options, remap).map_err(|e| e.with_func(&name))?;
                emitted_params.insert(index as u32, func.sig.params.len() as u32);
                bodies.push(Body::Emitted(body));
            }
            FuncBody::Opaque { .. } => {
                let range = def.original_range.clone();
                if range.start > range.end || range.end > module.original.len() {
                    return Err(module_error(format!(
                        "{name}: original body range {range:?} is outside the module's {} bytes",
                        module.original.len()
                    )));
                }
                let unmoved = identity || opaque_body_unmoved(module, &maps, def.index);
                bodies.push(if unmoved { Body::Original(range) } else { Body::Remapped });
            }
        }
    }

    let mut reencoder =
        Reencoder { module, maps, apply_edits, bodies, emitted_params, saw_code: false, place: "the module".into() };
    let mut out = wasm_encoder::Module::new();
    reencoder.parse_core_module(&mut out, wasmparser::Parser::new(0), &module.original).map_err(|e| match e {
        ReencodeError::UserError(e) => e,
        ReencodeError::ParseError(e) => {
            module_error(format!("cannot re-read the original module at offset {:#x}: {}", e.offset(), e.message()))
        }
        other => module_error(format!("cannot re-encode the original module: {other}")),
    })?;
    if !reencoder.saw_code && !module.funcs.is_empty() {
        return Err(module_error(format!(
            "the module lists {} defined functions but has no code section",
            module.funcs.len()
        )));
    }
    let bytes = out.finish();
    let kept: Vec<usize> =
        (0..module.num_funcs()).filter(|&f| reencoder.maps.map_index(EntityKind::Func, f as u32).is_some()).collect();
    validate(&bytes, module, &kept)?;
    Ok(bytes)
}

/// Does every index the opaque body of `f` uses keep its number? (Unknown
/// when the module's items were not read: then it is re-encoded.)
fn opaque_body_unmoved(module: &Module, maps: &IndexMaps, f: weft_ir::FuncRef) -> bool {
    let Some(uses) = module.items.complete.then(|| module.items.opaque_uses.get(&f)).flatten() else {
        return false;
    };
    uses.entities().all(|e: ModuleEntity| maps.map(e) == Some(e))
}

/// Validates emitted bytes; an error names the function containing the
/// offset. `kept` lists the input index of every output function.
fn validate(bytes: &[u8], module: &Module, kept: &[usize]) -> Result<(), BackendError> {
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    let Err(e) = validator.validate_all(bytes) else { return Ok(()) };
    let offset = usize::try_from(e.offset()).unwrap_or(usize::MAX);
    Err(BackendError::Invalid { func: locate(bytes, offset, module, kept), offset, message: e.message().to_string() })
}

/// The function whose body in `bytes` contains `offset`.
fn locate(bytes: &[u8], offset: usize, module: &Module, kept: &[usize]) -> String {
    let mut k = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let Ok(payload) = payload else { break };
        if let wasmparser::Payload::CodeSectionEntry(body) = payload {
            if body.range().contains(&(offset as u64)) {
                let index = kept.get(module.imported_funcs.len() + k).copied().unwrap_or(usize::MAX);
                return func_label(module, index);
            }
            k += 1;
        }
    }
    "module".into()
}

//! Module-level reading: validation, the [`Module`] container's sections,
//! per-function translation, and finding core modules inside components.

use crate::function::{TranslateError, translate_function};
use crate::items::read_items;
use crate::operators::ir_type;
use crate::{Diagnostic, FrontendError};
use core::ops::Range;
use std::collections::{BTreeMap, BTreeSet};
use wasmparser::{
    CompositeInnerType, ConstExpr, Encoding, ExternalKind, FuncValidatorAllocations, FunctionBody, KnownCustom, Name,
    Operator, Parser, Payload, TableInit, TypeRef, ValidPayload, Validator, WasmFeatures,
};
use weft_ir::{
    DefinedFunc, Export, ExportKind, FuncBody, FuncRef, GlobalDecl, Import, ImportedFunc, MemoryDecl, Module,
    Signature, TableDecl,
};

/// The validator's feature set: everything wasmparser knows, so that no
/// valid module is rejected (functions outside the IR become opaque).
fn features() -> WasmFeatures {
    WasmFeatures::all()
}

fn reader_err(func: Option<u32>) -> impl Fn(wasmparser::BinaryReaderError) -> FrontendError {
    move |e| FrontendError::from_reader(&e, func)
}

/// Reads, validates and translates a core wasm module.
///
/// Every defined function is translated to IR, or kept
/// [`FuncBody::Opaque`] with a [`Diagnostic`] when it uses something the IR
/// does not model. A component is an error: translate the core modules that
/// [`core_module_ranges`] finds instead.
pub fn translate_module(bytes: &[u8]) -> Result<(Module, Vec<Diagnostic>), FrontendError> {
    let mut validator = Validator::new_with_features(features());
    let mut allocs = FuncValidatorAllocations::default();
    let mut module = Module { original: bytes.to_vec(), ..Module::default() };
    let mut defined_types: Vec<u32> = Vec::new();
    let mut bodies: Vec<FunctionBody<'_>> = Vec::new();
    let mut elem_funcs: BTreeSet<u32> = BTreeSet::new();
    let mut names: BTreeMap<u32, String> = BTreeMap::new();
    let mut imported = ImportCounts::default();

    for payload in Parser::new(0).parse_all(bytes) {
        let payload = payload.map_err(reader_err(None))?;
        if let Payload::Version { encoding: Encoding::Component, range, .. } = &payload {
            return Err(FrontendError {
                offset: range.start as usize,
                message: "this is a component, not a core module: translate its core modules".into(),
                func: None,
            });
        }
        match validator.payload(&payload).map_err(reader_err(None))? {
            ValidPayload::Func(to_validate, body) => {
                let index = to_validate.index;
                let mut v = to_validate.into_validator(core::mem::take(&mut allocs));
                v.validate(&body).map_err(reader_err(Some(index)))?;
                allocs = v.into_allocations();
            }
            ValidPayload::Ok | ValidPayload::End(_) | ValidPayload::Parser(_) => {}
        }
        read_section(
            payload,
            &mut module,
            &mut defined_types,
            &mut bodies,
            &mut elem_funcs,
            &mut names,
            &mut imported,
        )?;
    }

    let num_imported = module.imported_funcs.len() as u32;
    let num_funcs = num_imported as usize + defined_types.len();
    module.func_names =
        (0..num_funcs as u32).map(|i| names.get(&i).cloned().unwrap_or_else(|| format!("f{i}"))).collect();
    module.elem_funcs = elem_funcs.into_iter().map(FuncRef::from_u32).collect();
    if bodies.len() != defined_types.len() {
        return Err(FrontendError {
            offset: bytes.len(),
            message: format!("{} function bodies for {} declared functions", bodies.len(), defined_types.len()),
            func: None,
        });
    }

    // Function indices and types first (bodies reference each other), then
    // the bodies.
    module.funcs = bodies
        .iter()
        .zip(&defined_types)
        .enumerate()
        .map(|(i, (body, &type_index))| {
            let range = body.range();
            DefinedFunc {
                index: FuncRef::from_u32(num_imported + i as u32),
                type_index,
                body: FuncBody::Opaque { reason: "not translated".into() },
                original_range: range.start as usize..range.end as usize,
            }
        })
        .collect();
    let mut diagnostics = Vec::new();
    let mut translated = Vec::with_capacity(bodies.len());
    for (i, body) in bodies.iter().enumerate() {
        let index = num_imported + i as u32;
        translated.push(match translate_function(&module, index, body) {
            Ok(func) => FuncBody::Ir(func),
            Err(TranslateError::Unsupported { offset, message }) => {
                let reason = format!("{message} (at offset {offset:#x})");
                diagnostics.push(Diagnostic { func: FuncRef::from_u32(index), offset, message });
                FuncBody::Opaque { reason }
            }
            Err(TranslateError::Invalid { offset, message }) => {
                return Err(FrontendError { offset, message, func: Some(index) });
            }
            Err(TranslateError::Internal { offset, message }) => {
                return Err(FrontendError { offset, message: format!("internal error: {message}"), func: Some(index) });
            }
        });
    }
    let opaque: BTreeSet<(usize, FuncRef)> = translated
        .iter()
        .enumerate()
        .filter(|(_, body)| matches!(body, FuncBody::Opaque { .. }))
        .map(|(i, _)| (i, FuncRef::from_u32(num_imported + i as u32)))
        .collect();
    module.items = read_items(bytes, &bodies, &opaque)?;
    for (f, body) in module.funcs.iter_mut().zip(translated) {
        f.body = body;
    }
    Ok((module, diagnostics))
}

/// How many entities of each kind were imported so far (to number imports).
#[derive(Default)]
struct ImportCounts {
    tables: u32,
    memories: u32,
    globals: u32,
    other: u32,
}

fn memory_decl(ty: wasmparser::MemoryType) -> Option<MemoryDecl> {
    if ty.memory64 || ty.page_size_log2.is_some_and(|p| p != 16) {
        return None;
    }
    Some(MemoryDecl { min: ty.initial, max: ty.maximum })
}

fn table_decl(ty: wasmparser::TableType) -> Option<TableDecl> {
    if ty.table64 {
        return None;
    }
    let elem = ir_type(wasmparser::ValType::Ref(ty.element_type))?;
    Some(TableDecl { elem, min: ty.initial, max: ty.maximum })
}

fn global_decl(ty: wasmparser::GlobalType) -> Option<GlobalDecl> {
    Some(GlobalDecl { ty: ir_type(ty.content_type)?, mutable: ty.mutable })
}

fn signature(ty: &wasmparser::FuncType) -> Option<Signature> {
    let params = ty.params().iter().map(|&t| ir_type(t)).collect::<Option<Vec<_>>>()?;
    let results = ty.results().iter().map(|&t| ir_type(t)).collect::<Option<Vec<_>>>()?;
    Some(Signature::new(params, results))
}

/// Adds the functions `ref.func` names in a constant expression.
fn scan_const_expr(expr: &ConstExpr<'_>, out: &mut BTreeSet<u32>) -> Result<(), FrontendError> {
    let mut reader = expr.get_operators_reader();
    while !reader.eof() {
        if let Operator::RefFunc { function_index } = reader.read().map_err(reader_err(None))? {
            out.insert(function_index);
        }
    }
    Ok(())
}

/// Fills `module` from one (already validated) payload.
fn read_section<'a>(
    payload: Payload<'a>,
    module: &mut Module,
    defined_types: &mut Vec<u32>,
    bodies: &mut Vec<FunctionBody<'a>>,
    elem_funcs: &mut BTreeSet<u32>,
    names: &mut BTreeMap<u32, String>,
    imported: &mut ImportCounts,
) -> Result<(), FrontendError> {
    let err = reader_err(None);
    match payload {
        Payload::TypeSection(reader) => {
            for group in reader {
                for sub in group.map_err(&err)?.into_types() {
                    module.types.push(match &sub.composite_type.inner {
                        CompositeInnerType::Func(f) => signature(f),
                        _ => None,
                    });
                }
            }
        }
        Payload::ImportSection(reader) => {
            for import in reader.into_imports() {
                let import = import.map_err(&err)?;
                let (kind, index) = match import.ty {
                    TypeRef::Func(type_index) | TypeRef::FuncExact(type_index) => {
                        let index = module.imported_funcs.len() as u32;
                        module.imported_funcs.push(ImportedFunc {
                            module: import.module.to_string(),
                            field: import.name.to_string(),
                            type_index,
                        });
                        (ExportKind::Func, index)
                    }
                    TypeRef::Table(ty) => {
                        module.tables.push(table_decl(ty));
                        imported.tables += 1;
                        (ExportKind::Table, imported.tables - 1)
                    }
                    TypeRef::Memory(ty) => {
                        module.memories.push(memory_decl(ty));
                        imported.memories += 1;
                        (ExportKind::Memory, imported.memories - 1)
                    }
                    TypeRef::Global(ty) => {
                        module.globals.push(global_decl(ty));
                        imported.globals += 1;
                        (ExportKind::Global, imported.globals - 1)
                    }
                    TypeRef::Tag(_) => {
                        imported.other += 1;
                        (ExportKind::Other, imported.other - 1)
                    }
                };
                module.imports.push(Import {
                    module: import.module.to_string(),
                    field: import.name.to_string(),
                    kind,
                    index,
                });
            }
        }
        Payload::FunctionSection(reader) => {
            for ty in reader {
                defined_types.push(ty.map_err(&err)?);
            }
        }
        Payload::TableSection(reader) => {
            for table in reader {
                let table = table.map_err(&err)?;
                module.tables.push(table_decl(table.ty));
                if let TableInit::Expr(expr) = &table.init {
                    scan_const_expr(expr, elem_funcs)?;
                }
            }
        }
        Payload::MemorySection(reader) => {
            for memory in reader {
                module.memories.push(memory_decl(memory.map_err(&err)?));
            }
        }
        Payload::GlobalSection(reader) => {
            for global in reader {
                let global = global.map_err(&err)?;
                module.globals.push(global_decl(global.ty));
                scan_const_expr(&global.init_expr, elem_funcs)?;
            }
        }
        Payload::ExportSection(reader) => {
            for export in reader {
                let export = export.map_err(&err)?;
                let kind = match export.kind {
                    ExternalKind::Func | ExternalKind::FuncExact => ExportKind::Func,
                    ExternalKind::Table => ExportKind::Table,
                    ExternalKind::Memory => ExportKind::Memory,
                    ExternalKind::Global => ExportKind::Global,
                    ExternalKind::Tag => ExportKind::Other,
                };
                module.exports.push(Export { name: export.name.to_string(), kind, index: export.index });
            }
        }
        Payload::StartSection { func, .. } => module.start = Some(FuncRef::from_u32(func)),
        Payload::ElementSection(reader) => {
            for elem in reader {
                match elem.map_err(&err)?.items {
                    wasmparser::ElementItems::Functions(funcs) => {
                        for f in funcs {
                            elem_funcs.insert(f.map_err(&err)?);
                        }
                    }
                    wasmparser::ElementItems::Expressions(_, exprs) => {
                        for expr in exprs {
                            scan_const_expr(&expr.map_err(&err)?, elem_funcs)?;
                        }
                    }
                }
            }
        }
        Payload::CodeSectionEntry(body) => bodies.push(body),
        Payload::CustomSection(section) => {
            // A malformed name section does not make a module invalid: keep
            // what reads, ignore the rest.
            if let KnownCustom::Name(reader) = section.as_known() {
                for name in reader.into_iter().map_while(Result::ok) {
                    if let Name::Function(map) = name {
                        for naming in map.into_iter().map_while(Result::ok) {
                            names.insert(naming.index, naming.name.to_string());
                        }
                    }
                }
            }
        }
        _ => {}
    }
    Ok(())
}

/// The byte ranges of the core modules in `bytes`: the whole input if it is
/// a core module; for a component, every core module nested in it (at any
/// depth, in order of appearance). The input is validated first.
pub fn core_module_ranges(bytes: &[u8]) -> Result<Vec<Range<usize>>, FrontendError> {
    Validator::new_with_features(features()).validate_all(bytes).map_err(reader_err(None))?;
    let mut ranges = Vec::new();
    let mut top_is_module = false;
    for (i, payload) in Parser::new(0).parse_all(bytes).enumerate() {
        match payload.map_err(reader_err(None))? {
            Payload::Version { encoding: Encoding::Module, .. } if i == 0 => top_is_module = true,
            Payload::ModuleSection { unchecked_range, .. } => {
                ranges.push(unchecked_range.start as usize..unchecked_range.end as usize)
            }
            _ => {}
        }
    }
    if top_is_module {
        return Ok(core::iter::once(0..bytes.len()).collect());
    }
    Ok(ranges)
}

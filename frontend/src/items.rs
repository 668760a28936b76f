//! [`ModuleItems`]: the parts of a module that are not function bodies, as
//! module passes see them, and what each opaque body refers to.
//!
//! References are collected by running the item through
//! [`wasm_encoder::reencode`] with index hooks that record every index they
//! are handed and change none (the output is discarded). The re-encoder
//! visits every index-bearing immediate of every operator, every type
//! reference of every value type and every constant expression, so what it
//! records is complete by construction — and the backend remaps through the
//! same hooks, so an index module passes see is exactly an index the
//! backend rewrites.

use crate::FrontendError;
use std::collections::BTreeSet;
use wasm_encoder::reencode::{Error as ReencodeError, Reencode};
use wasmparser::{
    ConstExpr as WasmConstExpr, DataKind, ElementItems, ElementKind, FunctionBody, Operator, Parser, Payload,
    TableInit, TypeRef,
};
use weft_ir::{
    ConstExpr, DataMode, DataRef, DataSegment, ElemMode, ElemRef, ElemSegment, EntityUses, FuncRef, GlobalRef,
    MemoryRef, ModuleEntity, ModuleItems, SigRef, TableRef,
};

/// A re-encoder whose index hooks record every index and change none.
#[derive(Default)]
struct Recorder {
    uses: EntityUses,
}

type Hook = Result<u32, ReencodeError<core::convert::Infallible>>;

impl Recorder {
    fn note(&mut self, entity: ModuleEntity) -> Hook {
        self.uses.insert(entity);
        Ok(entity.as_u32())
    }

    fn take(&mut self) -> EntityUses {
        core::mem::take(&mut self.uses)
    }
}

impl Reencode for Recorder {
    type Error = core::convert::Infallible;

    fn function_index(&mut self, func: u32) -> Hook {
        self.note(ModuleEntity::Func(FuncRef::from_u32(func)))
    }
    fn global_index(&mut self, global: u32) -> Hook {
        self.note(ModuleEntity::Global(GlobalRef::from_u32(global)))
    }
    fn table_index(&mut self, table: u32) -> Hook {
        self.note(ModuleEntity::Table(TableRef::from_u32(table)))
    }
    fn memory_index(&mut self, memory: u32) -> Hook {
        self.note(ModuleEntity::Memory(MemoryRef::from_u32(memory)))
    }
    fn type_index(&mut self, ty: u32) -> Hook {
        self.note(ModuleEntity::Type(SigRef::from_u32(ty)))
    }
    fn element_index(&mut self, element: u32) -> Hook {
        self.note(ModuleEntity::Elem(ElemRef::from_u32(element)))
    }
    fn data_index(&mut self, data: u32) -> Hook {
        self.note(ModuleEntity::Data(DataRef::from_u32(data)))
    }
}

fn err(e: ReencodeError<core::convert::Infallible>) -> FrontendError {
    let (offset, message) = match e {
        ReencodeError::ParseError(e) => (e.offset() as usize, e.message().to_string()),
        other => (0, other.to_string()),
    };
    FrontendError { offset, message, func: None }
}

fn reader_err(e: wasmparser::BinaryReaderError) -> FrontendError {
    FrontendError::from_reader(&e, None)
}

/// What `expr` refers to, and its value when it is one integer constant.
fn const_expr(rec: &mut Recorder, expr: &WasmConstExpr<'_>) -> Result<ConstExpr, FrontendError> {
    rec.const_expr(expr.clone()).map_err(err)?;
    let mut ops = expr.get_operators_reader();
    let mut list = Vec::new();
    while !ops.eof() {
        list.push(ops.read().map_err(reader_err)?);
    }
    let value = match list.as_slice() {
        [Operator::I32Const { value }, Operator::End] => Some(u64::from(*value as u32)),
        [Operator::I64Const { value }, Operator::End] => Some(*value as u64),
        _ => None,
    };
    Ok(ConstExpr { uses: rec.take(), value })
}

/// Reads the items of a validated core module. `opaque` lists the defined
/// functions kept opaque, by position in the code section, with their
/// function index.
pub(crate) fn read_items(
    bytes: &[u8],
    bodies: &[FunctionBody<'_>],
    opaque: &BTreeSet<(usize, FuncRef)>,
) -> Result<ModuleItems, FrontendError> {
    let mut rec = Recorder::default();
    let mut items = ModuleItems { complete: true, ..ModuleItems::default() };
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(reader_err)? {
            Payload::TypeSection(reader) => {
                for group in reader {
                    let group = group.map_err(reader_err)?;
                    let start = items.types.len() as u32;
                    let end = start + group.types().len() as u32;
                    for sub in group.into_types() {
                        rec.sub_type(sub).map_err(err)?;
                        items.types.push(rec.take());
                        items.type_groups.push(start..end);
                    }
                }
            }
            Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    let import = import.map_err(reader_err)?;
                    rec.entity_type(import.ty).map_err(err)?;
                    let uses = rec.take();
                    match import.ty {
                        TypeRef::Table(ty) => {
                            items.tables.push(uses);
                            items.table_mins.push(ty.initial);
                        }
                        TypeRef::Memory(ty) => items.memory_min_bytes.push(memory_min_bytes(ty)),
                        TypeRef::Global(_) => {
                            items.globals.push(uses);
                            items.global_inits.push(None);
                        }
                        TypeRef::Tag(tag) => items.tag_types.push(SigRef::from_u32(tag.func_type_idx)),
                        TypeRef::Func(_) | TypeRef::FuncExact(_) => {}
                    }
                }
            }
            Payload::TableSection(reader) => {
                for table in reader {
                    let table = table.map_err(reader_err)?;
                    rec.table_type(table.ty).map_err(err)?;
                    let mut uses = rec.take();
                    if let TableInit::Expr(expr) = &table.init {
                        for e in const_expr(&mut rec, expr)?.uses.entities() {
                            uses.insert(e);
                        }
                    }
                    items.tables.push(uses);
                    items.table_mins.push(table.ty.initial);
                }
            }
            Payload::MemorySection(reader) => {
                for memory in reader {
                    items.memory_min_bytes.push(memory_min_bytes(memory.map_err(reader_err)?));
                }
            }
            Payload::TagSection(reader) => {
                for tag in reader {
                    items.tag_types.push(SigRef::from_u32(tag.map_err(reader_err)?.func_type_idx));
                }
            }
            Payload::GlobalSection(reader) => {
                for global in reader {
                    let global = global.map_err(reader_err)?;
                    rec.global_type(global.ty).map_err(err)?;
                    let mut uses = rec.take();
                    let init = const_expr(&mut rec, &global.init_expr)?;
                    for e in init.uses.entities() {
                        uses.insert(e);
                    }
                    items.globals.push(uses);
                    items.global_inits.push(Some(init));
                }
            }
            Payload::ElementSection(reader) => {
                for elem in reader {
                    let elem = elem.map_err(reader_err)?;
                    let len = u64::from(match &elem.items {
                        ElementItems::Functions(f) => f.count(),
                        ElementItems::Expressions(_, e) => e.count(),
                    });
                    let funcs = element_funcs(&elem.items);
                    rec.element_items(elem.items).map_err(err)?;
                    let uses = rec.take();
                    let mode = match elem.kind {
                        ElementKind::Passive => ElemMode::Passive,
                        ElementKind::Declared => ElemMode::Declared,
                        ElementKind::Active { table_index, offset_expr } => ElemMode::Active {
                            table: TableRef::from_u32(table_index.unwrap_or(0)),
                            offset: const_expr(&mut rec, &offset_expr)?,
                        },
                    };
                    items.elems.push(ElemSegment { mode, len, uses, funcs });
                }
            }
            Payload::DataSection(reader) => {
                for data in reader {
                    let data = data.map_err(reader_err)?;
                    let mode = match data.kind {
                        DataKind::Passive => DataMode::Passive,
                        DataKind::Active { memory_index, offset_expr } => DataMode::Active {
                            memory: MemoryRef::from_u32(memory_index),
                            offset: const_expr(&mut rec, &offset_expr)?,
                        },
                    };
                    items.datas.push(DataSegment { mode, len: data.data.len() as u64 });
                }
            }
            Payload::CustomSection(section) => {
                let name = section.name().to_string();
                if weft_ir::edit::custom_section_stores_indices(&name) {
                    items.edit_blockers.push(format!("custom section `{name}` stores indices weft does not rewrite"));
                }
                items.custom_sections.push(name);
            }
            Payload::UnknownSection { id, .. } => {
                items.edit_blockers.push(format!("section {id} is unknown to weft"));
            }
            _ => {}
        }
    }
    for &(position, index) in opaque {
        let Some(body) = bodies.get(position) else { continue };
        items.opaque_uses.insert(index, body_uses(body, index)?);
    }
    Ok(items)
}

/// What a function body refers to.
fn body_uses(body: &FunctionBody<'_>, index: FuncRef) -> Result<EntityUses, FrontendError> {
    let mut rec = Recorder::default();
    rec.parse_function_body(&mut wasm_encoder::CodeSection::new(), body.clone())
        .map_err(|e| FrontendError { func: Some(index.as_u32()), ..err(e) })?;
    Ok(rec.take())
}

/// What the original body of defined function `f` refers to (its locals
/// included), read from [`weft_ir::Module::original`]: the
/// [`ModuleItems::opaque_uses`] entry of `f` were it opaque. For embedders
/// and tests that make a function opaque after translation.
pub fn original_body_uses(module: &weft_ir::Module, f: FuncRef) -> Result<EntityUses, FrontendError> {
    let missing = |message: String| FrontendError { offset: 0, message, func: Some(f.as_u32()) };
    let def = module.defined(f).ok_or_else(|| missing(format!("{f} is not a defined function")))?;
    let range = def.original_range.clone();
    let bytes = module
        .original
        .get(range.clone())
        .ok_or_else(|| missing(format!("body range {range:?} is outside the module")))?;
    let reader = wasmparser::BinaryReader::new(bytes, range.start as u64);
    body_uses(&FunctionBody::new(reader), f)
}

/// The initial size of a memory in bytes (saturating).
fn memory_min_bytes(ty: wasmparser::MemoryType) -> u64 {
    let page = 1u64 << ty.page_size_log2.unwrap_or(16);
    ty.initial.saturating_mul(page)
}

/// The items of an element segment as functions (`None` for `ref.null`),
/// when every item is a function index or a lone `ref.func` / `ref.null`.
fn element_funcs(items: &ElementItems<'_>) -> Option<Vec<Option<FuncRef>>> {
    match items {
        ElementItems::Functions(r) => {
            r.clone().into_iter().map(|f| f.ok().map(|f| Some(FuncRef::from_u32(f)))).collect()
        }
        ElementItems::Expressions(_, r) => r
            .clone()
            .into_iter()
            .map(|e| {
                let mut ops = e.ok()?.get_operators_reader();
                let item = match ops.read().ok()? {
                    Operator::RefFunc { function_index } => Some(FuncRef::from_u32(function_index)),
                    Operator::RefNull { .. } => None,
                    _ => return None,
                };
                matches!(ops.read().ok()?, Operator::End).then_some(item)
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(wat: &str) -> ModuleItems {
        let bytes = wat::parse_str(wat).expect("valid wat");
        let (module, _) = crate::translate_module(&bytes).expect("translates");
        module.items
    }

    #[test]
    fn segments_initializers_and_offsets_are_read() {
        let items = items(
            r#"(module
                (import "env" "g" (global $ig i32))
                (type $t (func (param i32) (result i32)))
                (table $tab 4 funcref)
                (memory 1)
                (global $fp (mut funcref) (ref.func $f))
                (global $c i32 (global.get $ig))
                (func $f (type $t) local.get 0)
                (func $g (type $t) local.get 0)
                (elem (table $tab) (i32.const 1) func $f $g)
                (elem $p funcref (ref.func $g) (ref.null func))
                (elem declare func $f)
                (data (i32.const -1) "ab")
                (data $pd "xyz"))"#,
        );
        assert_eq!(items.globals.len(), 3);
        assert_eq!(items.global_inits[0], None);
        let fp = items.global_inits[1].as_ref().expect("defined");
        assert_eq!(fp.uses.funcs, [FuncRef::from_u32(0)]);
        assert_eq!(items.global_inits[2].as_ref().expect("defined").uses.globals, [GlobalRef::from_u32(0)]);
        assert_eq!(items.table_mins, [4]);
        assert_eq!(items.memory_min_bytes, [65536]);
        assert_eq!(items.elems.len(), 3);
        let ElemMode::Active { table, offset } = &items.elems[0].mode else { panic!("{:?}", items.elems[0]) };
        assert_eq!((table.as_u32(), offset.value, items.elems[0].len), (0, Some(1), 2));
        assert_eq!(items.elems[0].uses.funcs, [FuncRef::from_u32(0), FuncRef::from_u32(1)]);
        assert_eq!(items.elems[1].mode, ElemMode::Passive);
        assert_eq!(items.elems[2].mode, ElemMode::Declared);
        let DataMode::Active { offset, .. } = &items.datas[0].mode else { panic!() };
        assert_eq!(offset.value, Some(0xffff_ffff), "an i32 offset is unsigned");
        assert_eq!((items.datas[1].mode.clone(), items.datas[1].len), (DataMode::Passive, 3));
        assert_eq!(items.types.len(), 1);
        assert_eq!(items.type_groups.len(), 1);
        assert_eq!(items.type_groups[0], 0..1);
        assert!(items.edit_blockers.is_empty());
    }

    #[test]
    fn opaque_bodies_record_every_index_they_use() {
        // `table.size` after `return_call_ref` is outside the IR (typed
        // function references): the body stays opaque.
        let items = items(
            r#"(module
                (type $t (func (result i32)))
                (table $tab 1 funcref)
                (memory 1)
                (global $g (mut i32) (i32.const 0))
                (func $callee (type $t) i32.const 7)
                (func $opaque (result i32)
                    (local (ref null $t))
                    (global.set $g (i32.const 1))
                    (memory.init $d (i32.const 0) (i32.const 0) (i32.const 0))
                    (drop (call $callee))
                    (return_call_ref $t (ref.func $callee)))
                (elem declare func $callee)
                (data $d "x"))"#,
        );
        let uses = items.opaque_uses.get(&FuncRef::from_u32(1)).expect("fn1 is opaque");
        assert_eq!(uses.funcs, [FuncRef::from_u32(0)]);
        assert_eq!(uses.globals, [GlobalRef::from_u32(0)]);
        assert_eq!(uses.memories, [MemoryRef::from_u32(0)]);
        assert_eq!(uses.datas, [DataRef::from_u32(0)]);
        assert_eq!(uses.types, [SigRef::from_u32(0)]);
    }

    #[test]
    fn index_bearing_custom_sections_block_edits() {
        let mut bytes = wat::parse_str("(module (func))").expect("valid wat");
        // A custom section named `linking` (id 0, size, name).
        bytes.extend_from_slice(&[0, 8, 7]);
        bytes.extend_from_slice(b"linking");
        let (module, _) = crate::translate_module(&bytes).expect("translates");
        assert_eq!(module.items.custom_sections, ["linking"]);
        assert!(module.items.edit_blockers[0].contains("`linking`"), "{:?}", module.items.edit_blockers);
    }
}

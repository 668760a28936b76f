//! Module assembly: every section of [`Module::original`] re-encoded through
//! [`wasm_encoder::reencode`], with the code section rebuilt.
//!
//! A [`FuncBody::Ir`] body is emitted by [`crate::emit_function`]; a
//! [`FuncBody::Opaque`] body is copied byte for byte from its
//! `original_range`. Custom sections are kept. In the name section, local
//! names of re-emitted functions keep only their parameters (the other
//! local indices now mean something else) and their label names are
//! dropped. The result is validated with [`wasmparser::Validator`] (every
//! feature the frontend accepts) before it is returned; a failure names the
//! function whose body contains the offending offset.

use crate::BackendError;
use crate::function::{EmitOptions, emit_function_here, is_large, on_large_stack};
use std::collections::BTreeMap;
use wasm_encoder::reencode::{Error as ReencodeError, Reencode, utils};
use weft_ir::{FuncBody, Module};

/// Where a code-section entry's bytes come from.
enum Body {
    Emitted(wasm_encoder::Function),
    Original(core::ops::Range<usize>),
}

struct Reencoder<'m> {
    module: &'m Module,
    bodies: Vec<Body>,
    /// Function index → parameter count, for every re-emitted function.
    emitted_params: BTreeMap<u32, u32>,
    saw_code: bool,
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

impl Reencode for Reencoder<'_> {
    type Error = BackendError;

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
        for body in &self.bodies {
            match body {
                Body::Emitted(f) => code.function(f),
                Body::Original(range) => code.raw(&self.module.original[range.clone()]),
            };
        }
        Ok(())
    }

    fn parse_custom_name_subsection(
        &mut self,
        names: &mut wasm_encoder::NameSection,
        section: wasmparser::Name<'_>,
    ) -> Result<(), ReencodeError<BackendError>> {
        match section {
            wasmparser::Name::Local(map) => {
                let mut out = wasm_encoder::IndirectNameMap::new();
                for naming in map {
                    let naming = naming?;
                    let keep = self.emitted_params.get(&naming.index).copied().unwrap_or(u32::MAX);
                    let mut inner = wasm_encoder::NameMap::new();
                    for name in naming.names {
                        let name = name?;
                        if name.index < keep {
                            inner.append(name.index, name.name);
                        }
                    }
                    if !inner.is_empty() {
                        out.append(naming.index, &inner);
                    }
                }
                names.locals(&out);
                Ok(())
            }
            wasmparser::Name::Label(map) => {
                let mut out = wasm_encoder::IndirectNameMap::new();
                for naming in map {
                    let naming = naming?;
                    if self.emitted_params.contains_key(&naming.index) {
                        continue;
                    }
                    out.append(naming.index, &utils::name_map(naming.names, Ok)?);
                }
                names.labels(&out);
                Ok(())
            }
            other => utils::parse_custom_name_subsection(self, names, other),
        }
    }
}

/// Emits `module`: its IR bodies compiled, its opaque bodies and every other
/// section as they were, validated.
pub fn emit_module(module: &Module) -> Result<Vec<u8>, BackendError> {
    emit_module_with(module, &EmitOptions::default())
}

/// [`emit_module`] with `options` for every IR body.
pub fn emit_module_with(module: &Module, options: &EmitOptions) -> Result<Vec<u8>, BackendError> {
    let large = module.funcs.iter().any(|f| matches!(&f.body, FuncBody::Ir(func) if is_large(func)));
    on_large_stack(large, || emit_module_here(module, options))
}

fn emit_module_here(module: &Module, options: &EmitOptions) -> Result<Vec<u8>, BackendError> {
    if module.original.is_empty() {
        return Err(module_error("the module has no original bytes to re-encode"));
    }
    let num_imported = module.imported_funcs.len();
    let mut bodies = Vec::with_capacity(module.funcs.len());
    let mut emitted_params = BTreeMap::new();
    for (i, def) in module.funcs.iter().enumerate() {
        let index = num_imported + i;
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
                let body = emit_function_here(func, options).map_err(|e| e.with_func(&name))?;
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
                bodies.push(Body::Original(range));
            }
        }
    }

    let mut reencoder = Reencoder { module, bodies, emitted_params, saw_code: false };
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
    validate(&bytes, module)?;
    Ok(bytes)
}

/// Validates emitted bytes; an error names the function containing the offset.
fn validate(bytes: &[u8], module: &Module) -> Result<(), BackendError> {
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    let Err(e) = validator.validate_all(bytes) else { return Ok(()) };
    let offset = usize::try_from(e.offset()).unwrap_or(usize::MAX);
    Err(BackendError::Invalid { func: locate(bytes, offset, module), offset, message: e.message().to_string() })
}

/// The function whose body in `bytes` contains `offset`.
fn locate(bytes: &[u8], offset: usize, module: &Module) -> String {
    let mut k = 0usize;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        let Ok(payload) = payload else { break };
        if let wasmparser::Payload::CodeSectionEntry(body) = payload {
            if body.range().contains(&(offset as u64)) {
                return func_label(module, module.imported_funcs.len() + k);
            }
            k += 1;
        }
    }
    "module".into()
}

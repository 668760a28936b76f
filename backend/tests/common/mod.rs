//! Shared helpers: build a module around emitted IR functions, validate it,
//! and run it under wasmtime.

#![allow(dead_code, reason = "each test binary uses a different subset")]

use wasm_encoder::{
    CodeSection, ConstExpr, ElementSection, Elements, ExportKind, ExportSection, FunctionSection, GlobalSection,
    GlobalType, MemorySection, MemoryType, Module, RefType, TableSection, TableType, TypeSection, ValType,
};
use weft_ir::{Function, Type};

pub fn val_type(ty: Type) -> ValType {
    match ty {
        Type::I32 => ValType::I32,
        Type::I64 => ValType::I64,
        Type::F32 => ValType::F32,
        Type::F64 => ValType::F64,
        Type::V128 => ValType::V128,
        Type::FuncRef => ValType::FUNCREF,
        Type::ExternRef => ValType::EXTERNREF,
    }
}

/// Parses every function in `text`.
pub fn parse(text: &str) -> Vec<Function> {
    weft_ir::parse_functions(text).unwrap_or_else(|e| panic!("parse error: {e}\n{text}"))
}

/// A module whose function `i` is `funcs[i]` (so `fnI` in the IR names it),
/// each exported under its IR name, with type `i` = the signature of
/// function `i` (so `sigI` matches it), one memory page exported as
/// `memory`, a funcref table holding every function at its own index, and
/// the mutable globals the functions declare (zero-initialized).
pub fn build_module(funcs: &[Function]) -> Vec<u8> {
    build_module_with(funcs, &weft_backend::EmitOptions::default())
}

/// [`build_module`] with the backend's `options`.
pub fn build_module_with(funcs: &[Function], options: &weft_backend::EmitOptions) -> Vec<u8> {
    let mut types = TypeSection::new();
    let mut functions = FunctionSection::new();
    let mut exports = ExportSection::new();
    let mut code = CodeSection::new();
    for (i, func) in funcs.iter().enumerate() {
        types
            .ty()
            .function(func.sig.params.iter().map(|&t| val_type(t)), func.sig.results.iter().map(|&t| val_type(t)));
        functions.function(i as u32);
        exports.export(&func.name, ExportKind::Func, i as u32);
        let body =
            weft_backend::emit_function_with(func, options).unwrap_or_else(|e| panic!("{e}\n{}", func.display()));
        code.function(&body);
    }
    let mut globals_decl = std::collections::BTreeMap::new();
    for func in funcs {
        for (g, d) in &func.dfg.decls.globals {
            globals_decl.insert(g.as_u32(), *d);
        }
    }
    let mut globals = GlobalSection::new();
    let num_globals = globals_decl.keys().next_back().map_or(0, |&g| g + 1);
    for g in 0..num_globals {
        let ty = globals_decl.get(&g).map_or(Type::I32, |d| d.ty);
        let init = match ty {
            Type::I32 => ConstExpr::i32_const(0),
            Type::I64 => ConstExpr::i64_const(0),
            Type::F32 => ConstExpr::f32_const(0.0.into()),
            Type::F64 => ConstExpr::f64_const(0.0.into()),
            Type::V128 => ConstExpr::v128_const(0),
            Type::FuncRef => ConstExpr::ref_null(wasm_encoder::HeapType::FUNC),
            Type::ExternRef => ConstExpr::ref_null(wasm_encoder::HeapType::EXTERN),
        };
        globals.global(GlobalType { val_type: val_type(ty), mutable: true, shared: false }, &init);
        exports.export(&format!("gv{g}"), ExportKind::Global, g);
    }
    let mut tables = TableSection::new();
    tables.table(TableType {
        element_type: RefType::FUNCREF,
        table64: false,
        minimum: funcs.len() as u64,
        maximum: None,
        shared: false,
    });
    let mut memories = MemorySection::new();
    memories.memory(MemoryType { minimum: 1, maximum: None, memory64: false, shared: false, page_size_log2: None });
    exports.export("memory", ExportKind::Memory, 0);
    let mut elements = ElementSection::new();
    let all: Vec<u32> = (0..funcs.len() as u32).collect();
    elements.active(Some(0), &ConstExpr::i32_const(0), Elements::Functions(all.into()));

    let mut module = Module::new();
    module.section(&types);
    module.section(&functions);
    module.section(&tables);
    module.section(&memories);
    module.section(&globals);
    module.section(&exports);
    module.section(&elements);
    module.section(&code);
    let bytes = module.finish();
    if let Err(e) = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all()).validate_all(&bytes) {
        let text = wasmprinter::print_bytes(&bytes).unwrap_or_default();
        panic!("invalid module: {e}\n{text}");
    }
    bytes
}

/// Size in bytes of each function body the module's code section holds.
pub fn body_sizes(bytes: &[u8]) -> Vec<usize> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload.expect("parses") {
            let r = body.range();
            out.push((r.end - r.start) as usize);
        }
    }
    out
}

/// Size of the code section's contents.
pub fn code_section_size(bytes: &[u8]) -> usize {
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        if let wasmparser::Payload::CodeSectionStart { unchecked_range: r, .. } = payload.expect("parses") {
            return (r.end - r.start) as usize;
        }
    }
    0
}

/// An instantiated module.
pub struct Instance {
    pub store: wasmtime::Store<()>,
    pub instance: wasmtime::Instance,
}

pub fn engine() -> wasmtime::Engine {
    let mut config = wasmtime::Config::new();
    config.wasm_tail_call(true);
    config.wasm_simd(true);
    config.wasm_multi_value(true);
    wasmtime::Engine::new(&config).expect("engine")
}

impl Instance {
    pub fn new(bytes: &[u8]) -> Self {
        let engine = engine();
        let module = wasmtime::Module::new(&engine, bytes).expect("wasmtime accepts the module");
        let mut store = wasmtime::Store::new(&engine, ());
        let instance = wasmtime::Instance::new(&mut store, &module, &[]).expect("instantiates");
        Instance { store, instance }
    }

    /// Calls export `name`; `Err` on a trap.
    pub fn call(&mut self, name: &str, args: &[wasmtime::Val]) -> Result<Vec<wasmtime::Val>, String> {
        let func = self.instance.get_func(&mut self.store, name).unwrap_or_else(|| panic!("no export {name}"));
        let n = func.ty(&self.store).results().len();
        let mut results = vec![wasmtime::Val::I32(0); n];
        func.call(&mut self.store, args, &mut results).map_err(|e| format!("{e:?}"))?;
        Ok(results)
    }

    pub fn i32(&mut self, name: &str, args: &[i32]) -> i32 {
        let args: Vec<wasmtime::Val> = args.iter().map(|&x| wasmtime::Val::I32(x)).collect();
        let r = self.call(name, &args).unwrap_or_else(|e| panic!("{name}{args:?} trapped: {e}"));
        r[0].unwrap_i32()
    }

    pub fn i64(&mut self, name: &str, args: &[i64]) -> i64 {
        let args: Vec<wasmtime::Val> = args.iter().map(|&x| wasmtime::Val::I64(x)).collect();
        let r = self.call(name, &args).unwrap_or_else(|e| panic!("{name}{args:?} trapped: {e}"));
        r[0].unwrap_i64()
    }

    pub fn memory(&mut self) -> Vec<u8> {
        let mem = self.instance.get_memory(&mut self.store, "memory").expect("memory export");
        mem.data(&self.store).to_vec()
    }
}

/// Emits `text`'s functions into a module, instantiates it, and returns it
/// with the module bytes.
pub fn instantiate(text: &str) -> (Instance, Vec<u8>) {
    instantiate_with(text, &weft_backend::EmitOptions::default())
}

/// [`instantiate`] with the backend's `options`.
pub fn instantiate_with(text: &str, options: &weft_backend::EmitOptions) -> (Instance, Vec<u8>) {
    let funcs = parse(text);
    for func in &funcs {
        if let Err(errors) = weft_ir::verify_function(func) {
            panic!("test IR does not verify: {errors:?}\n{}", func.display());
        }
    }
    let bytes = build_module_with(&funcs, options);
    (Instance::new(&bytes), bytes)
}

/// The text of a module, for failure messages.
pub fn print(bytes: &[u8]) -> String {
    wasmprinter::print_bytes(bytes).unwrap_or_else(|e| format!("<unprintable: {e}>"))
}

/// Per-function shape of the code section: declared locals (beyond the
/// parameters) and operator names, in order.
pub struct BodyShape {
    pub locals: u32,
    pub ops: Vec<String>,
    pub size: usize,
}

impl BodyShape {
    pub fn count(&self, prefix: &str) -> usize {
        self.ops.iter().filter(|o| o.starts_with(prefix)).count()
    }
}

/// The shape of every function body in `bytes`.
pub fn shapes(bytes: &[u8]) -> Vec<BodyShape> {
    let mut out = Vec::new();
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        if let wasmparser::Payload::CodeSectionEntry(body) = payload.expect("parses") {
            let mut locals = 0;
            for l in body.get_locals_reader().expect("locals") {
                locals += l.expect("local").0;
            }
            let mut ops = Vec::new();
            let mut reader = body.get_operators_reader().expect("operators");
            while !reader.eof() {
                let op = reader.read().expect("operator");
                let name = format!("{op:?}");
                let name = name.split(|c: char| !c.is_alphanumeric()).next().unwrap_or("").to_string();
                ops.push(name);
            }
            let r = body.range();
            out.push(BodyShape { locals, ops, size: (r.end - r.start) as usize });
        }
    }
    out
}

/// An engine that meters fuel (for running arbitrary exports).
pub fn engine_with_fuel() -> wasmtime::Engine {
    let mut config = wasmtime::Config::new();
    config.wasm_tail_call(true);
    config.wasm_simd(true);
    config.wasm_multi_value(true);
    config.consume_fuel(true);
    wasmtime::Engine::new(&config).expect("engine")
}

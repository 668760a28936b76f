//! One function: analysis → stackification → locals → structure →
//! bytes. See the crate docs for the stages.

use crate::BackendError;
use crate::analysis::FuncInfo;
use crate::codegen::CodeGen;
use crate::locals::allocate;
use crate::stackify::stackify;
use crate::structure::{Structurizer, encode};
use weft_ir::{Function, IndexMaps, Type};

/// Stack size of the thread that emits large functions: the structuring
/// and expression trees recurse as deep as the code nests.
const LARGE_STACK: usize = 256 << 20;

/// The wasm-encoder value type of an IR type.
pub(crate) fn val_type(ty: Type) -> wasm_encoder::ValType {
    use wasm_encoder::ValType;
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

/// Is `func` big enough that its emission should run on a large stack?
pub(crate) fn is_large(func: &Function) -> bool {
    func.dfg.num_blocks() > 200 || func.dfg.num_insts_created() > 2000
}

/// Runs `f` on a thread with a large stack when `large`, else in place.
pub(crate) fn on_large_stack<T: Send>(
    large: bool,
    f: impl FnOnce() -> Result<T, BackendError> + Send,
) -> Result<T, BackendError> {
    if !large {
        return f();
    }
    std::thread::scope(|scope| {
        let handle = std::thread::Builder::new()
            .name("weft-backend".into())
            .stack_size(LARGE_STACK)
            .spawn_scoped(scope, f)
            .map_err(|e| BackendError::Module { message: format!("cannot start the backend's thread: {e}") })?;
        match handle.join() {
            Ok(result) => result,
            Err(panic) => std::panic::resume_unwind(panic),
        }
    })
}

/// Choices the backend makes between smaller and faster code.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EmitOptions {
    /// Prefer the smaller encoding where the two differ. Today one place:
    /// an `if` on an `i32.eqz` operand. By default its arms keep the IR's
    /// (the source's) order and the `eqz` is written, since the first arm
    /// is the one the engine lays out on the fall-through path; with
    /// `prefer_size` the arms are swapped and the `eqz` byte saved. `weft
    /// opt -Os` sets it.
    pub prefer_size: bool,
}

/// Emits `func` as a wasm function body (local declarations and code).
///
/// The body is not validated on its own (that needs the module's types and
/// index spaces); [`crate::emit_module`] validates everything it emits.
pub fn emit_function(func: &Function) -> Result<wasm_encoder::Function, BackendError> {
    emit_function_with(func, &EmitOptions::default())
}

/// [`emit_function`] with `options`.
pub fn emit_function_with(func: &Function, options: &EmitOptions) -> Result<wasm_encoder::Function, BackendError> {
    on_large_stack(is_large(func), || emit_function_here(func, options, None))
}

/// [`emit_function`] as raw bytes, without the size prefix: what
/// [`wasm_encoder::CodeSection::raw`] takes.
pub fn emit_function_body(func: &Function) -> Result<Vec<u8>, BackendError> {
    emit_function(func).map(wasm_encoder::Function::into_raw_body)
}

/// [`emit_function_with`] on the current thread's stack; `remap` maps every
/// module index the body's immediates name (a module's edits).
pub(crate) fn emit_function_here(
    func: &Function,
    options: &EmitOptions,
    remap: Option<&IndexMaps>,
) -> Result<wasm_encoder::Function, BackendError> {
    let mut info = FuncInfo::compute(func)?;
    let schedule = stackify(&mut info);
    let locals = allocate(&info, &schedule);
    let codegen = CodeGen { info: &info, schedule: &schedule, locals: &locals, fresh: Default::default(), remap };
    let structure = |values: bool| -> Result<Vec<u8>, BackendError> {
        let tree = Structurizer::new(&codegen, values).function_body(options.prefer_size)?;
        let mut code = Vec::new();
        encode(&tree, &mut code).map_err(|message| BackendError::Malformed {
            func: func.name.clone(),
            location: "structured control flow".into(),
            message: format!("backend invariant broken: {message}"),
        })?;
        Ok(code)
    };
    // Value-carrying `block`s are chosen by an estimate; where the function
    // comes out larger with them, it is written without.
    let mut code = structure(true)?;
    if Structurizer::has_value_merges(&codegen) {
        let plain = structure(false)?;
        if plain.len() <= code.len() {
            code = plain;
        }
    }
    code.push(0x0b);
    let mut body = wasm_encoder::Function::new(locals.decls.iter().map(|&(n, t)| (n, val_type(t))));
    body.raw(code);
    Ok(body)
}

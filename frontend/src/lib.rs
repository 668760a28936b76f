//! weft's frontend: WebAssembly binaries (or text) to the IR.
//!
//! This crate owns:
//! - reading and validating a core module with `wasmparser` (every feature
//!   `wasmparser` knows is enabled, so anything valid is accepted) and
//!   filling a [`weft_ir::Module`]: types, imports, functions, globals,
//!   memories, tables, exports, start, element-segment functions, names, the
//!   original bytes ([`translate_module`]), and the [`weft_ir::ModuleItems`]
//!   module passes read (initializers, segments, types, what opaque bodies
//!   refer to);
//! - translating each function body to SSA with block parameters by Braun et
//!   al., "Simple and Efficient Construction of SSA Form" (CC 2013): wasm
//!   locals are variables, blocks are sealed once all their predecessors are
//!   known, trivial block parameters are removed on the fly, unreachable code
//!   is skipped ([`mod@function`], [`ssa`]);
//! - the operator → opcode mapping generated from `wasmparser`'s operator
//!   list ([`translate_operator`]);
//! - finding the core modules inside a component ([`core_module_ranges`]);
//! - text input through the `wat` crate ([`parse_wat_or_wasm`]).
//!
//! A function that uses something the IR does not model (GC, exceptions,
//! atomics, `memory64`, relaxed SIMD, `call_ref`, ...) is kept
//! [`weft_ir::FuncBody::Opaque`] and reported as a [`Diagnostic`]; the rest
//! of the module still translates. Malformed or invalid input is a
//! [`FrontendError`] carrying the byte offset, never a panic.
//!
//! It does not optimize, verify or write wasm (`weft-passes`,
//! `weft-verify`, `weft-backend`), and it does not rebuild components.
#![deny(missing_docs)]

pub mod function;
mod items;
pub use items::original_body_uses;
pub mod module;
pub mod operators;
pub mod ssa;

use core::fmt;
pub use module::{core_module_ranges, translate_module};
pub use operators::{operator_name, translate_operator};
use weft_ir::FuncRef;

/// Malformed or invalid input: where, and what.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrontendError {
    /// Byte offset in the input.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
    /// The function index, when the error is inside a function body.
    pub func: Option<u32>,
}

impl FrontendError {
    pub(crate) fn from_reader(e: &wasmparser::BinaryReaderError, func: Option<u32>) -> Self {
        FrontendError { offset: e.offset() as usize, message: e.message().to_string(), func }
    }
}

impl fmt::Display for FrontendError {
    /// `error at offset 0x1234 in function 5: type mismatch ...`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "error at offset {:#x}", self.offset)?;
        if let Some(func) = self.func {
            write!(f, " in function {func}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for FrontendError {}

/// A note about a function the frontend kept opaque.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The function.
    pub func: FuncRef,
    /// Byte offset of the operator (or declaration) in the input.
    pub offset: usize,
    /// What is not supported.
    pub message: String,
}

impl fmt::Display for Diagnostic {
    /// `fn12 kept opaque: operator `CallRef` ... at offset 0x1234`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} kept opaque at offset {:#x}: {}", self.func, self.offset, self.message)
    }
}

/// Returns wasm bytes: `bytes` itself if it is a binary module or
/// component, else the result of parsing it as WAT text.
///
/// Text errors carry `line:col` in the message and offset 0.
pub fn parse_wat_or_wasm(bytes: &[u8]) -> Result<Vec<u8>, FrontendError> {
    if bytes.starts_with(b"\0asm") {
        return Ok(bytes.to_vec());
    }
    match wat::parse_bytes(bytes) {
        Ok(wasm) => Ok(wasm.into_owned()),
        Err(e) => Err(FrontendError { offset: 0, message: e.to_string(), func: None }),
    }
}

//! weft's mid-level IR: SSA with block parameters over typed entity indices.
//!
//! This crate owns the entities ([`Block`], [`Value`], [`Inst`], module
//! references), the [`Type`]s, the declarative [`Opcode`] table with effect
//! classes, the [`DataFlowGraph`] and [`Layout`] of a [`Function`], the
//! [`Module`] container, the [`FuncCursor`] builder, the text format (printer
//! in [`write`], parser in `parser`), the structural `verifier`, the
//! analyses (CFG, dominator tree, loops, liveness, call graph) and the
//! reference `interpreter`.
//!
//! It does not read or write wasm binaries (`weft-frontend`,
//! `weft-backend`), run passes (`weft-passes`) or talk to Z3
//! (`weft-verify`).
#![deny(missing_docs)]

pub mod cursor;
pub mod dfg;
pub mod effects;
pub mod entities;
pub mod function;
pub mod immediates;
pub mod instructions;
pub mod layout;
pub mod module;
pub mod opcodes;
pub mod types;
pub mod write;

pub use cursor::{CursorPosition, FuncCursor};
pub use dfg::{DataFlowGraph, ResultTypeError, ValueDef};
pub use effects::Effects;
pub use entities::{Block, DataRef, ElemRef, FuncRef, GlobalRef, Inst, JumpTable, MemoryRef, SigRef, TableRef, Value};
pub use function::{Decls, FuncDecl, Function, GlobalDecl, MemoryDecl, Signature, TableDecl};
pub use immediates::{Ieee32, Ieee64, Imm, ImmKind, MemArg, V128Imm};
pub use instructions::{BlockCall, InstructionData, JumpTableData, ValueList, ValueListPool};
pub use layout::Layout;
pub use module::{DefinedFunc, Export, ExportKind, FuncBody, ImportedFunc, Module};
pub use opcodes::{OpSig, Opcode};
pub use types::Type;

pub use cranelift_entity::EntityRef;

//! weft's mid-level IR: SSA with block parameters over typed entity indices.
//!
//! This crate owns the entities ([`Block`], [`Value`], [`Inst`], module
//! references), the [`Type`]s, the declarative [`Opcode`] table with effect
//! classes, the [`DataFlowGraph`] and [`Layout`] of a [`Function`], the
//! [`Module`] container and its [`edit`]s (entities removed by module
//! passes, the index maps they imply), the [`FuncCursor`] builder, the CFG editing
//! primitives every pass uses ([`cfg_edit`]: edges as indices, retargeting,
//! block parameters with their arguments, edge splitting, preheaders,
//! unreachable blocks, use counts), the text format (printer in [`write`],
//! parser in `parser`), the structural `verifier`, the analyses (CFG,
//! dominator tree, loops, liveness, call graph) and the reference
//! `interpreter`.
//!
//! It does not read or write wasm binaries (`weft-frontend`,
//! `weft-backend`), run passes (`weft-passes`) or talk to Z3
//! (`weft-verify`).
#![deny(missing_docs)]

pub mod callgraph;
pub mod cfg;
pub mod cfg_edit;
pub mod cursor;
pub mod dfg;
pub mod dominator_tree;
pub mod edit;
pub mod effects;
pub mod encode;
pub mod entities;
pub mod function;
pub mod immediates;
pub mod instructions;
pub mod interpreter;
pub mod layout;
pub mod liveness;
pub mod loop_analysis;
pub mod module;
pub mod opcodes;
pub mod parser;
pub mod rng;
pub mod types;
pub mod verifier;
pub mod write;

pub use callgraph::{CallGraph, CallKind};
pub use cfg::{BlockPredecessor, ControlFlowGraph};
pub use cfg_edit::{Edge, IncomingEdges};
pub use cursor::{CursorPosition, FuncCursor};
pub use dfg::{DataFlowGraph, ResultTypeError, ValueDef};
pub use dominator_tree::DominatorTree;
pub use edit::{EditError, EntityKind, IndexMaps, ModuleEdits, ModuleEntity};
pub use effects::Effects;
pub use entities::{Block, DataRef, ElemRef, FuncRef, GlobalRef, Inst, JumpTable, MemoryRef, SigRef, TableRef, Value};
pub use function::{Decls, FuncDecl, Function, GlobalDecl, MemoryDecl, Signature, TableDecl};
pub use immediates::{Ieee32, Ieee64, Imm, ImmKind, MemArg, V128Imm};
pub use instructions::{BlockCall, InstructionData, JumpTableData, ValueList, ValueListPool};
pub use layout::Layout;
pub use liveness::Liveness;
pub use loop_analysis::{Loop, LoopAnalysis};
pub use module::{
    ConstExpr, DataMode, DataSegment, DefinedFunc, ElemMode, ElemSegment, EntityUses, Export, ExportKind, FuncBody,
    Import, ImportedFunc, Module, ModuleItems,
};
pub use opcodes::{OpSig, Opcode, SimdShape};
pub use parser::{ParseError, parse_function, parse_functions};
pub use rng::Rng;
pub use types::Type;
pub use verifier::{AnyEntity, VerifierError, VerifierErrors, pretty_errors, verify_function};

pub use cranelift_entity::EntityRef;

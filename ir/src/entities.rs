//! Typed entity references.
//!
//! Every IR object is a `u32` newtype made by [`cranelift_entity::entity_impl!`].
//! An entity prints exactly as it reads in the text IR: `v7`, `block3`,
//! `inst2`, `fn4`, `sig1`, `gv0`, `mem0`, `table1`, `data2`, `elem0`.
//!
//! Function-local entities ([`Block`], [`Value`], [`Inst`], [`JumpTable`]) index
//! into a [`crate::DataFlowGraph`]. Module entities ([`FuncRef`], [`SigRef`],
//! [`GlobalRef`], [`MemoryRef`], [`TableRef`], [`DataRef`], [`ElemRef`]) are the
//! wasm index of that entity in the module (imports first, as in wasm), so a
//! function's IR can be read next to `wasm-tools print` output.

use cranelift_entity::entity_impl;

/// A basic block of a function.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Block(u32);
entity_impl!(Block, "block");

/// An SSA value: an instruction result or a block parameter.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Value(u32);
entity_impl!(Value, "v");

/// An instruction.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Inst(u32);
entity_impl!(Inst, "inst");

/// The target list of a `br_table` instruction, stored in the DFG.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct JumpTable(u32);
entity_impl!(JumpTable, "jt");

/// A wasm function index (imported functions first).
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FuncRef(u32);
entity_impl!(FuncRef, "fn");

/// A wasm type index naming a function signature.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SigRef(u32);
entity_impl!(SigRef, "sig");

/// A wasm global index.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GlobalRef(u32);
entity_impl!(GlobalRef, "gv");

/// A wasm memory index.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MemoryRef(u32);
entity_impl!(MemoryRef, "mem");

/// A wasm table index.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TableRef(u32);
entity_impl!(TableRef, "table");

/// A wasm data segment index.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct DataRef(u32);
entity_impl!(DataRef, "data");

/// A wasm element segment index.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ElemRef(u32);
entity_impl!(ElemRef, "elem");

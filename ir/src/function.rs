//! Functions, signatures, and a function's declarations of module entities.

use crate::dfg::DataFlowGraph;
use crate::entities::{FuncRef, GlobalRef, MemoryRef, SigRef, TableRef};
use crate::layout::Layout;
use crate::types::Type;
use core::fmt;
use std::collections::BTreeMap;

/// A function type: parameter and result types.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Signature {
    /// Parameter types.
    pub params: Vec<Type>,
    /// Result types.
    pub results: Vec<Type>,
}

impl Signature {
    /// A signature from parameter and result types.
    pub fn new(params: impl Into<Vec<Type>>, results: impl Into<Vec<Type>>) -> Self {
        Signature { params: params.into(), results: results.into() }
    }
}

impl fmt::Display for Signature {
    /// `(i32, i64) -> f32`, `(i32)`, `() -> i32, i32`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("(")?;
        for (i, p) in self.params.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{p}")?;
        }
        f.write_str(")")?;
        if !self.results.is_empty() {
            f.write_str(" -> ")?;
            for (i, r) in self.results.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{r}")?;
            }
        }
        Ok(())
    }
}

/// A function the body calls or references (`fnN = (i32) -> i32`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct FuncDecl {
    /// Its signature.
    pub sig: Signature,
    /// An optional symbolic name (import `module.field`, or the name section).
    pub name: Option<String>,
}

/// A global the body reads or writes (`gvN = global mut i32`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct GlobalDecl {
    /// Value type.
    pub ty: Type,
    /// Is it mutable?
    pub mutable: bool,
}

/// A linear memory the body uses (`memN = memory min=1 max=2`), sizes in
/// 64 KiB pages.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct MemoryDecl {
    /// Minimum (initial) size in pages.
    pub min: u64,
    /// Maximum size in pages, if bounded.
    pub max: Option<u64>,
}

/// A table the body uses (`tableN = table funcref min=1 max=1`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct TableDecl {
    /// Element type (`funcref` or `externref`).
    pub elem: Type,
    /// Minimum size in elements.
    pub min: u64,
    /// Maximum size in elements, if bounded.
    pub max: Option<u64>,
}

/// The function's view of the module: the entities its body refers to, keyed
/// by their wasm index. The frontend declares exactly what a body uses; the
/// text format prints them in the preamble.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Decls {
    /// Type indices used by `call_indirect`.
    pub sigs: BTreeMap<SigRef, Signature>,
    /// Functions called or referenced.
    pub funcs: BTreeMap<FuncRef, FuncDecl>,
    /// Globals read or written.
    pub globals: BTreeMap<GlobalRef, GlobalDecl>,
    /// Memories used.
    pub memories: BTreeMap<MemoryRef, MemoryDecl>,
    /// Tables used.
    pub tables: BTreeMap<TableRef, TableDecl>,
}

impl Decls {
    /// Is nothing declared?
    pub fn is_empty(&self) -> bool {
        self.sigs.is_empty()
            && self.funcs.is_empty()
            && self.globals.is_empty()
            && self.memories.is_empty()
            && self.tables.is_empty()
    }
}

/// A function: its name, signature, what its instructions are (the
/// [`DataFlowGraph`]) and where they sit (the [`Layout`]).
#[derive(Clone, Debug, Default)]
pub struct Function {
    /// The name printed after `function %`.
    pub name: String,
    /// Parameter and result types; the entry block's parameters match
    /// `sig.params`.
    pub sig: Signature,
    /// Instructions, values, blocks and declarations.
    pub dfg: DataFlowGraph,
    /// Block order and instruction order.
    pub layout: Layout,
}

impl Function {
    /// An empty function.
    pub fn new(name: impl Into<String>, sig: Signature) -> Self {
        Function { name: name.into(), sig, dfg: DataFlowGraph::new(), layout: Layout::new() }
    }

    /// The entry block (first in layout), if any.
    pub fn entry_block(&self) -> Option<crate::Block> {
        self.layout.entry_block()
    }

    /// Number of instructions in the layout (the DFG may hold more:
    /// [`crate::DataFlowGraph::num_insts_created`]).
    pub fn num_layout_insts(&self) -> usize {
        self.layout.blocks().map(|b| self.layout.block_insts(b).count()).sum()
    }

    /// The terminator of `block`: its last instruction, if it is one.
    /// Never panics, even on malformed IR (an instruction index the DFG
    /// does not have is no terminator).
    pub fn terminator(&self, block: crate::Block) -> Option<crate::Inst> {
        let inst = self.layout.last_inst(block)?;
        self.dfg.insts.get(inst)?.opcode().is_terminator().then_some(inst)
    }

    /// Successor blocks of `block`, in order, with repeats (as branches list them).
    pub fn successors(&self, block: crate::Block) -> Vec<crate::Block> {
        match self.terminator(block) {
            Some(inst) => self.dfg.branch_destinations(inst).map(|c| c.block).collect(),
            None => Vec::new(),
        }
    }

    /// Prints the function in the text format.
    pub fn display(&self) -> crate::write::DisplayFunction<'_> {
        crate::write::DisplayFunction(self)
    }
}

//! A wasm module as weft sees it: function bodies in IR (or kept opaque), plus
//! the module-level facts passes and analyses need. Everything weft does not
//! rewrite is re-encoded by the backend from [`Module::original`].

use crate::entities::FuncRef;
use crate::function::{Function, GlobalDecl, MemoryDecl, Signature, TableDecl};
use core::ops::Range;

/// What an export names.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum ExportKind {
    /// A function.
    Func,
    /// A table.
    Table,
    /// A memory.
    Memory,
    /// A global.
    Global,
    /// A tag or anything else weft does not model.
    Other,
}

/// An export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Export {
    /// The export name.
    pub name: String,
    /// What it exports.
    pub kind: ExportKind,
    /// The index in that kind's index space.
    pub index: u32,
}

/// An imported function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportedFunc {
    /// Import module name.
    pub module: String,
    /// Import field name.
    pub field: String,
    /// Type index.
    pub type_index: u32,
}

/// A function body: translated to IR, or kept as the original bytes.
#[derive(Clone, Debug)]
pub enum FuncBody {
    /// Translated to IR.
    Ir(Function),
    /// Kept as-is; `reason` says why (an unsupported operator and its offset).
    Opaque {
        /// Why the body is not in IR.
        reason: String,
    },
}

/// A function defined in the module.
#[derive(Clone, Debug)]
pub struct DefinedFunc {
    /// Its wasm function index.
    pub index: FuncRef,
    /// Its type index.
    pub type_index: u32,
    /// The body.
    pub body: FuncBody,
    /// Byte range of the body in [`Module::original`] (without the size prefix).
    pub original_range: Range<usize>,
}

/// A module.
#[derive(Clone, Debug, Default)]
pub struct Module {
    /// Function types of the type section, by type index (`None` for types
    /// that are not function types).
    pub types: Vec<Option<Signature>>,
    /// Imported functions (function indices `0..imported_funcs.len()`).
    pub imported_funcs: Vec<ImportedFunc>,
    /// Defined functions, in order.
    pub funcs: Vec<DefinedFunc>,
    /// Every global, imports first.
    pub globals: Vec<GlobalDecl>,
    /// Every memory, imports first.
    pub memories: Vec<MemoryDecl>,
    /// Every table, imports first.
    pub tables: Vec<TableDecl>,
    /// Exports.
    pub exports: Vec<Export>,
    /// The start function.
    pub start: Option<FuncRef>,
    /// Functions referenced by element segments or `ref.func` in constant
    /// expressions (they may be called indirectly).
    pub elem_funcs: Vec<FuncRef>,
    /// The module's bytes as read.
    pub original: Vec<u8>,
}

impl Module {
    /// Number of functions (imported and defined).
    pub fn num_funcs(&self) -> usize {
        self.imported_funcs.len() + self.funcs.len()
    }

    /// The defined function with index `f`, if `f` is not an import.
    pub fn defined(&self, f: FuncRef) -> Option<&DefinedFunc> {
        let i = (f.as_u32() as usize).checked_sub(self.imported_funcs.len())?;
        self.funcs.get(i)
    }

    /// The signature of function `f`.
    pub fn func_sig(&self, f: FuncRef) -> Option<&Signature> {
        let i = f.as_u32() as usize;
        let ty = if i < self.imported_funcs.len() {
            self.imported_funcs[i].type_index
        } else {
            self.funcs.get(i - self.imported_funcs.len())?.type_index
        };
        self.types.get(ty as usize)?.as_ref()
    }
}

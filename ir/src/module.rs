//! A wasm module as weft sees it: function bodies in IR (or kept opaque), plus
//! the module-level facts passes and analyses need. Everything weft does not
//! rewrite is re-encoded by the backend from [`Module::original`].
//!
//! Index spaces follow wasm: imports first, then definitions. Entities whose
//! types the IR does not model (GC types, `memory64`, `table64`, custom page
//! sizes, ...) are `None` in their lists, so indices stay aligned; a function
//! body that touches one is kept [`FuncBody::Opaque`].

use crate::entities::FuncRef;
use crate::function::{Function, GlobalDecl, MemoryDecl, Signature, TableDecl};
use core::ops::Range;

/// What an export or import names.
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

/// An import of any kind, in import-section order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Import {
    /// Import module name.
    pub module: String,
    /// Import field name.
    pub field: String,
    /// What it imports.
    pub kind: ExportKind,
    /// The index it gets in that kind's index space (tags and other kinds
    /// count in their own space).
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
#[expect(clippy::large_enum_variant, reason = "almost every body is IR; a box would only add an indirection")]
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
    /// Byte range of the body in [`Module::original`] (without the size
    /// prefix: the local declarations, then the expression).
    pub original_range: Range<usize>,
}

/// A module.
#[derive(Clone, Debug, Default)]
pub struct Module {
    /// Function types of the type section, by type index (`None` for types
    /// that are not function types, or whose parameter or result types the IR
    /// does not model).
    pub types: Vec<Option<Signature>>,
    /// Every import, in order (functions, tables, memories, globals, tags).
    pub imports: Vec<Import>,
    /// Imported functions (function indices `0..imported_funcs.len()`).
    pub imported_funcs: Vec<ImportedFunc>,
    /// Defined functions, in order.
    pub funcs: Vec<DefinedFunc>,
    /// Name of every function by function index: from the name section,
    /// else `f<index>`.
    pub func_names: Vec<String>,
    /// Every global, imports first (`None`: a value type the IR does not model).
    pub globals: Vec<Option<GlobalDecl>>,
    /// Every memory, imports first (`None`: `memory64` or a custom page size).
    pub memories: Vec<Option<MemoryDecl>>,
    /// Every table, imports first (`None`: `table64`, or an element type
    /// other than `funcref`/`externref`).
    pub tables: Vec<Option<TableDecl>>,
    /// Exports.
    pub exports: Vec<Export>,
    /// The start function.
    pub start: Option<FuncRef>,
    /// Functions referenced by element segments or `ref.func` in constant
    /// expressions (they may be called indirectly), sorted, without repeats.
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

    /// The defined function with index `f`, mutably.
    pub fn defined_mut(&mut self, f: FuncRef) -> Option<&mut DefinedFunc> {
        let i = (f.as_u32() as usize).checked_sub(self.imported_funcs.len())?;
        self.funcs.get_mut(i)
    }

    /// Is `f` an imported function?
    pub fn is_imported(&self, f: FuncRef) -> bool {
        (f.as_u32() as usize) < self.imported_funcs.len()
    }

    /// The type index of function `f`.
    pub fn func_type_index(&self, f: FuncRef) -> Option<u32> {
        let i = f.as_u32() as usize;
        if i < self.imported_funcs.len() {
            Some(self.imported_funcs[i].type_index)
        } else {
            Some(self.funcs.get(i - self.imported_funcs.len())?.type_index)
        }
    }

    /// The signature of function `f` (`None` if out of range or not modeled).
    pub fn func_sig(&self, f: FuncRef) -> Option<&Signature> {
        let ty = self.func_type_index(f)?;
        self.types.get(ty as usize)?.as_ref()
    }

    /// The name of function `f` (name section, else `f<index>`).
    pub fn func_name(&self, f: FuncRef) -> Option<&str> {
        self.func_names.get(f.as_u32() as usize).map(String::as_str)
    }

    /// Number of imports of the given kind.
    pub fn num_imported(&self, kind: ExportKind) -> usize {
        self.imports.iter().filter(|i| i.kind == kind).count()
    }
}

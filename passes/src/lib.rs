//! weft's optimization passes and the pass manager.
//!
//! This crate owns the [`FunctionPass`] and [`ModulePass`] traits, the
//! [`context`] a pass gets its analyses from and reports what it preserved
//! to, the one [`registry`] of passes (it drives `--passes`, `weft passes`,
//! pipelines, filetests), the [`PassManager`] that runs passes, checks every changed
//! function with the structural verifier and — when asked — with the Z3
//! refinement check of `weft-verify`, and reverts a function whose check
//! fails. Pipelines (`-O1 -O2 -O3 -Os`) are defined once in [`pipelines`].
//!
//! It does not read or write wasm (`weft-frontend`, `weft-backend`), does
//! not encode semantics for Z3 (`weft-verify`), and does not edit the CFG by
//! hand: edges, block parameters, edge splitting, preheaders and unreachable
//! blocks are `weft_ir::cfg_edit`'s. No pass module imports another.
//!
//! One pass, one file: `src/<snake_name>.rs`, type `<CamelName>`, CLI name
//! `<kebab-name>`; its `//!` doc has a before/after example, preconditions,
//! the analyses it uses and preserves, its verification obligation and its
//! complexity. See `docs/add-a-pass.md`.
#![deny(missing_docs)]

pub mod analysis;
pub mod bounds_check_elim;
pub mod callback_reachability;
pub mod context;
pub mod copy_prop;
pub mod dce;
pub mod directize;
pub mod init_constprop;
pub mod inline;
pub mod instcombine;
pub mod licm;
pub mod loop_vectorize;
pub mod manager;
pub mod module_dce;
pub mod pipelines;
pub mod registry;
pub mod sccp;
pub mod simplify_cfg;
pub mod switch_recovery;

pub use context::{Changed, ModuleChanged, ModuleCx, PassCx, Preserved};
pub use manager::{
    AfterPassHook, Config, FunctionReport, PassEvent, PassManager, PassStats, Report, Verdict, VerdictStatus,
    VerifyMode,
};
pub use registry::{AnyPass, PassInfo, PassSpec, PassSpecError, UnknownPass, lookup, parse_pass_list, passes};

use weft_ir::{Function, Module};

/// A pass over one function at a time. Function passes run in parallel
/// across functions; they may read only the function they are given.
pub trait FunctionPass: Send + Sync {
    /// Transforms `func`, asking `cx` for the analyses it needs, and says
    /// whether it changed anything and which analyses of `func` still hold.
    /// A pass that returns [`Changed::No`] must leave `func` exactly as it
    /// was.
    fn run(&self, func: &mut Function, cx: &mut PassCx) -> Changed;
}

/// A pass over the whole module (reachability, interprocedural constants).
///
/// It may change function bodies (returned, and checked like a function
/// pass's changes) and remove entities with [`Module::remove`] (recorded in
/// [`Module::edits`]; indices never change while passes run). What it
/// removed, or why it declined, goes in [`Module::notes`], which the
/// manager turns into events. Removals are its own obligation, stated in
/// its docs and re-established by `weft_verify::module_check` under
/// `--verify`.
pub trait ModulePass: Send + Sync {
    /// Transforms `module`, asking `cx` for the call graph and the analyses
    /// of its functions, and lists the functions it changed, so the manager
    /// checks each one. Functions it removes or empties are its own
    /// obligation, stated in its docs.
    fn run(&self, module: &mut Module, cx: &mut ModuleCx) -> ModuleChanged;
}

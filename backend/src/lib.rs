//! weft's backend: IR → WebAssembly.
//!
//! This crate owns the translation of a [`weft_ir::Function`] back to a wasm
//! function body and of a [`weft_ir::Module`] back to a wasm binary:
//!
//! 1. **Structured control flow** (`structure`): the dominator-tree method
//!    of Ramsey, "Beyond Relooper" (ICFP 2022). Blocks are visited in reverse
//!    postorder; a loop header becomes a `loop`, a merge node (two or more
//!    forward in-edges) a `block` nested in its immediate dominator, forward
//!    edges to merge nodes `br` out of that `block`, back edges `br` to the
//!    `loop`, and a block with one forward in-edge is placed inline where
//!    control reaches it. `brif` becomes `br_if` or `if`/`else`, `br_table`
//!    a wasm `br_table` with landing blocks for edges that copy arguments.
//!    A cleanup then shrinks the shapes: branches to what follows anyway go,
//!    an `if` with an empty arm leaves by `br_if`, a merge fed by enough
//!    `jump`s gets a `block` with a result, an `if` whose arms write one
//!    local gets a result, and a `brif` edge's copies run before the branch
//!    where the other path does not read what they write. Where a function
//!    comes out smaller without the result-carrying `block`s, it is
//!    written without them. An irreducible CFG is an error, never a
//!    miscompile.
//! 2. **Locals** (`locals`): every block parameter and every value that
//!    cannot stay on the operand stack gets a wasm local. Liveness over the
//!    emission order gives an interference graph; block-argument copies are
//!    coalesced (an argument and the parameter it feeds share a local when
//!    they do not interfere) and the rest is coloured greedily per type, so
//!    values with disjoint lifetimes share locals.
//! 3. **Stackification** (`stackify`): a value used once, by an
//!    instruction of its own block, stays on the operand stack when moving
//!    its definition down to that use breaks no effect ordering; a value
//!    whose first use is such a use is written with `local.tee`. Constants
//!    are rematerialized at their uses when that is no larger.
//! 4. **Emission** (`codegen`) through the opcode table's binary encoding
//!    ([`weft_ir::encode`]), and **module assembly** (`module`): every
//!    section of [`weft_ir::Module::original`] is re-encoded through
//!    [`wasm_encoder::reencode`]; the code section is rebuilt from IR bodies
//!    and the original bytes of opaque bodies. When module passes removed
//!    entities, every index space is renumbered and every index mapped
//!    wherever it appears; a reference to a removed entity is an error
//!    ([`emit_module`]; [`emit_module_unedited`] writes the image before the
//!    edits, which the module check compares against). The result is validated with
//!    [`wasmparser::Validator`] before it is returned.
//!
//! Block arguments are passed through locals with parallel-copy semantics:
//! a `jump` pushes every argument before it writes any parameter, so
//! permutations need no temporaries.
//!
//! The stages run in the order analysis (`analysis`: reachability, edges,
//! loop headers, merge nodes, reducibility, dead code) → stackification →
//! locals → structure → bytes. CFG and dominator tree come from
//! [`weft_ir::ControlFlowGraph`] and [`weft_ir::DominatorTree`].
//!
//! It does not optimize (that is `weft-passes`), read wasm (that is
//! `weft-frontend`), or lower to Cranelift IR (not written yet). Output is
//! deterministic: the same input gives byte-identical output.
#![deny(missing_docs)]

mod analysis;
mod codegen;
mod function;
mod locals;
mod module;
mod stackify;
mod structure;

pub use function::{EmitOptions, emit_function, emit_function_body, emit_function_with};
pub use module::{emit_module, emit_module_unedited, emit_module_with};

/// Why the backend could not produce wasm. Every variant names the function
/// (by its IR name, or `func[index]` in a module) and where in it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum BackendError {
    /// The CFG is irreducible: a retreating edge enters a cycle at a block
    /// that does not dominate its source, so no `loop` can express it.
    #[error(
        "function {func}: irreducible control flow: edge {from} -> {to} enters a cycle that {to} does not dominate"
    )]
    Irreducible {
        /// The function.
        func: String,
        /// Source of the offending edge.
        from: weft_ir::Block,
        /// Target of the offending edge.
        to: weft_ir::Block,
    },
    /// The IR breaks an invariant the backend relies on (a missing
    /// terminator, a use not dominated by its definition, an argument count
    /// that does not match the target's parameters, ...).
    #[error("function {func}: {location}: {message}")]
    Malformed {
        /// The function.
        func: String,
        /// The block, instruction or value concerned (`block3`, `inst7: v4 = i32.add v1, v2`).
        location: String,
        /// What is wrong.
        message: String,
    },
    /// An instruction has no binary encoding with the immediate it carries.
    #[error("function {func}: {location}: {message}")]
    Encode {
        /// The function.
        func: String,
        /// The instruction (`inst7: v4 = ...`).
        location: String,
        /// The encoder's message.
        message: String,
    },
    /// The emitted module failed validation (a backend bug or IR the
    /// backend cannot check, such as operand types); no bytes are returned.
    #[error("output failed validation in {func} at byte offset {offset:#x}: {message}")]
    Invalid {
        /// The function whose body contains the offset, or `module` when the
        /// offset is outside every function body.
        func: String,
        /// Byte offset in the emitted module.
        offset: usize,
        /// The validator's message.
        message: String,
    },
    /// The module as a whole could not be assembled: its original bytes do
    /// not parse, or its function list does not match its code section.
    #[error("module: {message}")]
    Module {
        /// What went wrong, with the byte offset when there is one.
        message: String,
    },
}

impl BackendError {
    /// Replaces the function name in the error (the module emitter names
    /// functions by index and name-section name).
    pub(crate) fn with_func(mut self, name: &str) -> Self {
        match &mut self {
            BackendError::Irreducible { func, .. }
            | BackendError::Malformed { func, .. }
            | BackendError::Encode { func, .. }
            | BackendError::Invalid { func, .. } => *func = name.to_string(),
            BackendError::Module { .. } => {}
        }
        self
    }
}

//! The benchmark harness behind `bash scripts/bench.sh`: it measures and
//! writes `bench/report.md`; it asserts nothing about time.
//!
//! - [`modules`] writes the callback-dispatch modules (4 source shapes, any
//!   number of handlers doing the same work, dense or strided case
//!   constants, drivers inside the module),
//!   the baseline module whose dispatch is a plain call, the jump floor
//!   (the hand-written `br_table` with every arm calling the baseline's
//!   handler), and a Rust model of their checksums;
//! - [`variants`] runs the optimizers under comparison: weft `-O2`, the same
//!   with `switch-recovery` forced to a table, a search tree, a compare
//!   chain or off, and `wasm-opt -O3` when one is available;
//! - [`dispatch`] times every variant of every dispatch module, and the
//!   baseline in each module's series, under wasmtime and checks every
//!   checksum against the model;
//! - [`density`] times sparse (strided) layouts of the same modules, to
//!   place the cost model's `min_density` and `max_table_span`;
//! - [`kernels`] times the stream kernels of `bench/kernels/` (scalar,
//!   weft `-O2`, clang `-O3 -msimd128`) and checks their results;
//! - [`corpus`] measures optimization time and output size of weft `-O2`
//!   and `wasm-opt -O3` on the sightglass programs and the core modules of
//!   the jco P3 components;
//! - [`pipeline`] compares output size, compile time and peak memory of
//!   weft `-O2`/`-Os` with native `wasm-opt -O2`/`-Os` on the sightglass
//!   programs, and weft's size ratio on the jco P3 components;
//! - [`module_dce`] compares what `module-dce` removes from every core
//!   module of the corpus with wasm-opt's `--remove-unused-module-elements`;
//! - [`proof`] measures what checking `switch-recovery` with Z3 costs
//!   (strict `--verify`) on the chain shapes as N grows;
//! - [`verify_cost`] measures the distribution of per-check times of the
//!   checked `-O2` pipeline over every function of the P3 corpora;
//! - [`bounds_checks`] counts the checks (bounds checks, panics) of the
//!   corpus statically and by instrumented runs, before and after `-O2`,
//!   times the sightglass programs (original, `-O2`, `wasm-opt -O3`) and
//!   compares weft's compile time with `wasm-opt -O2`;
//! - [`wasm`] reads facts from a module (code section size, branch counts);
//! - [`machine`] describes the machine; [`report`] writes the markdown,
//!   including the computed verdicts on switch-recovery's acceptance targets.
#![deny(missing_docs)]

pub mod bounds_checks;
pub mod corpus;
pub mod density;
pub mod dispatch;
pub mod kernels;
pub mod machine;
pub mod module_dce;
pub mod modules;
pub mod pipeline;
pub mod proof;
pub mod report;
pub mod variants;
pub mod verify_cost;
pub mod wasm;

/// Why a measurement could not be made (the message names the module, the
/// variant or the file).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct Error(String);

impl Error {
    /// An error with this message.
    pub fn new(message: impl Into<String>) -> Self {
        Error(message.into())
    }
}

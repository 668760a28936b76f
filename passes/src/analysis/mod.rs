//! Code shared by passes: a pass never imports another pass, so what two
//! passes need lives here (or in `weft_ir`).
//!
//! - [`dataflow`]: a sparse dataflow framework on SSA with block
//!   parameters — conditional propagation over executable edges, generic
//!   over the abstract domain, with facts learnt from branch conditions;
//! - [`constants`]: the constant domain (SCCP's lattice), solved by `sccp`;
//! - [`cuts`]: where the refinement checker cuts a function (the blocks
//!   before every loop keep exact terms), for `licm` and `gvn`;
//! - [`guards`]: checks (a `brif` with one side that only traps or calls a
//!   function that never returns) and the never-returning functions of a
//!   module;
//! - [`value_set`]: the value-set domain (what an `i32`/`i64` may hold, as
//!   an [`IntervalSet`](interval_set::IntervalSet)), with edge refinement
//!   from compares;
//! - [`interval_set`]: exact sets of integers as sorted ranges, their set
//!   algebra and arithmetic (used by switch-recovery and `value_set`);
//! - [`range`]: range analysis — intervals and the relations dominating
//!   branch conditions imply (`i <u n <=u len`), which branches they decide,
//!   and the loop-header facts that let the checker prove it;
//! - [`induction`]: counted loops — basic induction variables, the exit
//!   test and the trip count with its no-overflow condition;
//! - [`p3`]: the P3 fact model (callbacks, import roles, reachable events);
//! - [`tables`]: sealed `funcref` tables, the proof of their contents, and
//!   the indirect calls through them a value-set solution bounds.
//!
//! Analyses of the CFG itself (dominator tree, loops, liveness) are
//! `weft_ir`'s, cached by the [`PassCx`](crate::PassCx).

pub mod constants;
pub mod cuts;
pub mod dataflow;
pub mod guards;
pub mod induction;
pub mod interval_set;
pub mod p3;
pub mod range;
pub mod tables;
pub mod value_set;

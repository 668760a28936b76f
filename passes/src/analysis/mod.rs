//! Code shared by passes: a pass never imports another pass, so what two
//! passes need lives here (or in `weft_ir`).
//!
//! - [`interval_set`]: exact sets of integers as sorted ranges, their set
//!   algebra and arithmetic (used by switch-recovery).
//!
//! Analyses of the CFG itself (dominator tree, loops, liveness) are
//! `weft_ir`'s, cached by the [`PassCx`](crate::PassCx).

pub mod interval_set;

//! `switch-recovery`: chains of tests of one SSA value against constants
//! become one dispatch — a `br_table`, a binary search tree of compares, or
//! (when neither pays) the chain as written — chosen by a cost model.
//! It subsumes Binaryen's `tablify` (which only handles `br_if` runs of
//! `eq`/`eqz` on a `local.get`).
//!
//! # What it recovers
//!
//! A *chain* is a head block ending in `brif c1` followed by blocks that hold
//! only pure instructions and end in `brif ck`, each `ck` a predicate of the
//! same SSA value `v` (the *selector*, `i32` or `i64`), linked by one edge of
//! each test:
//!
//! - else-if ladders and `br_if` runs: `v == K` (`eq`, or `ne` with the
//!   targets swapped), `eqz v` (== 0), `brif v` (!= 0), in any order, either
//!   edge continuing the chain;
//! - range tests: `v <u K`, `v >u K`, `v >=u a && v <u b` (an `and` of 0/1
//!   predicates), `(v - a) <u n`, signed compares, `or` of predicates,
//!   `xor p, 1`, and compares of `v + k` for any constant `k`;
//! - sequential `if`s whose arms rejoin before the next test
//!   (`if v == 1 {..}; if v == 2 {..}`): a join block with no parameters
//!   whose other predecessors are dominated by an earlier test's arm (a
//!   block whose only predecessor is that test). Such an arm runs only for
//!   the selector values that reach it — computed by a forward pass over
//!   the chain, since a value that ran an earlier arm rejoins and may match
//!   a later test again — and the arm's branch back into the chain is
//!   redirected to wherever the remaining tests send *all* of those values:
//!   for distinct constants, past the last test. If a remaining test would
//!   split them, the chain is cut before that test.
//!
//! The chain's meaning is computed exactly, as sets of selector values
//! (first matching test wins, so a duplicated constant reaches the first
//! arm only). Values are partitioned into ranges with one target each; the
//! target covering the most values becomes the default.
//!
//! Declined (left alone): a test on another value (including a selector
//! redefined between tests, or a wasm local rewritten by an arm — in SSA a
//! different value), any instruction with an effect between tests (a call,
//! a store, a load, a `global.get`: the chain stops there), float compares,
//! a join block with parameters (values merged from the arms), a test
//! block reached from elsewhere, and chains the cost model rejects.
//!
//! ```text
//! block0(v0: i32, v1: i32):               block0(v0: i32, v1: i32):
//!     v2 = i32.const 1                        br_table v0, block9, [block9, block1,
//!     v3 = i32.eq v0, v2                          block3, block5, block7]
//!     brif v3, block1, block2             block1:
//! block1:                                     call fn1(v1)
//!     call fn1(v1)                            jump block9
//!     jump block2                         block3:
//! block2:                                     call fn2(v1)
//!     v4 = i32.const 2                        jump block9
//!     v5 = i32.eq v0, v4                  ... (block5, block7 alike)
//!     brif v5, block3, block4             block9:
//! block3:                                     return v1
//!     call fn2(v1)
//!     jump block4
//! block4:  ... (tests of 3 and 4 alike)
//! block9:
//!     return v1
//! ```
//!
//! # The cost model
//!
//! See [`SwitchConfig`] for the thresholds (the case-count thresholds are
//! measured by the benchmark harness; their docs give the numbers)
//! and `switch_recovery/cost.rs` for the algorithm, after LLVM's switch
//! lowering: clusters (ranges with one non-default target) are grouped into
//! jump tables by LLVM's dynamic program (a table needs
//! [`SwitchConfig::min_cases_for_table`] clusters, a density — case values
//! over table span — of at least [`SwitchConfig::min_density`], a span of
//! at most [`SwitchConfig::max_table_span`], and no cluster wider than
//! [`SwitchConfig::max_range_in_table`], since one compare tests a range of
//! any width while a table spends an entry per value); what remains is
//! lowered as a balanced binary search down to runs of at most three
//! compares. The result is used when it contains a table, or when there
//! are at least [`SwitchConfig::min_cases_for_search`] clusters. Otherwise
//! a chain of sequential `if`s — which runs every test on every call —
//! becomes an *early-exit compare chain* in source order (one compare per
//! cluster; a call stops at its case; the source order is kept because it
//! is the only hint of which cases are hot), and an early-exit chain
//! (else-if ladder, `br_if` run) is left as written. With
//! [`SwitchConfig::prefer_size`] (`-Os`, the `switch-recovery-size` pass),
//! a table is formed only where it encodes smaller than the compares it
//! replaces, no search tree is built, and the smaller of (table dispatch,
//! early-exit chain) is used only when its estimated encoding is smaller
//! than the chain's.
//!
//! Tables are indexed by `v - min` (no subtraction when `min <= 3`: the
//! low entries go to the default); holes go to the default, and so does
//! every value outside the table (wasm's `br_table` sends an out-of-range
//! index to its default). An `i64` selector is dispatched on
//! `i32.wrap_i64 (v - min)` only after `v - min <u n`.
//!
//! # Preconditions, analyses, complexity
//!
//! Preconditions: the function verifies. Analyses used: CFG and dominator
//! tree, from the pass context (invalidated after each rewritten chain, and
//! so recomputed for the next search). Not preserved: the CFG, dominator
//! tree and loop analysis change (blocks are removed and added; no loop
//! header is created or removed, since test blocks are never loop headers).
//!
//! Complexity: finding a chain is linear in its blocks and predecessors;
//! costing is O(c²) in its clusters (the jump-table dynamic program) plus
//! the table sizes; each rewritten chain recomputes the CFG and dominator
//! tree, so the whole pass is O(chains × blocks).
//!
//! # Verification obligation
//!
//! For every selector value, the new dispatch reaches the same arm with
//! the same block arguments as the chain did, and every arm that rejoined
//! the chain continues where the chain would have sent it; the hoisted
//! instructions are pure, so evaluating them on every path changes no
//! observation. Proved per function by `weft-verify`, whose encoding of
//! `br_table` is exact (an out-of-range index takes the default), so a
//! permuted table, a missing range check or an off-by-one offset is a
//! counterexample (see `tests/filetests/refine/switch_recovery_*.ir`).

mod chain;
mod cost;
mod emit;

use std::collections::BTreeSet;

use weft_ir::{Block, Function};

use crate::{Changed, PassCx, Preserved};

use chain::{Analyses, find_chain};
use cost::{Partition, Plan, Shape, chain_bytes, decide, source_ranks};

/// Default for [`SwitchConfig::min_cases_for_table`]: a `br_table` needs
/// at least 20 clusters. **Measured** (`bash scripts/bench.sh`,
/// `bench/report.md`, wasmtime 48 / Cranelift on x86-64, dense cases,
/// whole-iteration time of dispatch + one handler call): against an
/// early-exit compare chain the table is 6–30 % *slower* at 2–10 cases
/// (an indirect jump, mispredicted on every change of case, against a few
/// well-predicted compares), ties at 13–24, and wins by more than 5 % from
/// 32 cases; against the early-exit chain made of
/// sequential ifs it wins from 24 (ties at 13–20). 20 is in the tie zone
/// of every shape with both uniform and skewed (90 % one case) codes, so a
/// table is not slower where it is chosen and the chain is not measurably
/// slower where it is kept. LLVM's 4 assumes native jump tables; wasm's
/// `br_table` through Cranelift costs more than that. Another engine or
/// machine may move the crossover: the parameter
/// `switch-recovery<min-cases-for-table=N>` overrides it.
pub const DEFAULT_MIN_CASES_FOR_TABLE: usize = 20;

/// Default for [`SwitchConfig::min_density`]: case values over table span
/// of at least 10 %. **Measured** for speed (`bench/report.md`, density
/// sweep: 24 and 64 cases spread with strides 1–32, codes drawn over the
/// cases or over the whole span): the table is as far ahead of the compare
/// chain at 3 % density as at 100 % (0.68–0.76× at 64 cases, 0.89–0.95× at
/// 24), so speed sets no lower bound down to 3 %. What grows is size: about
/// a byte per hole (at 64 cases the table is 185 bytes smaller than the
/// chain at 100 %, 43 smaller at 25 %, 201 larger at 13 %). 10 % — LLVM's
/// density for speed — keeps that growth to a few bytes per case; `-Os`
/// compares the encodings instead ([`SwitchConfig::size`]).
pub const DEFAULT_MIN_DENSITY: f64 = 0.10;

/// Default for [`SwitchConfig::min_cases_for_search`]: below this many
/// clusters a chain without a table is not turned into a binary search
/// tree. **Measured** (as [`DEFAULT_MIN_CASES_FOR_TABLE`], the pass forced
/// to a tree): with uniform codes the tree loses to the compare chain by
/// 10–30 % at every N from 7 to 128 (each level is a coin-flip branch,
/// mispredicted half the time) and wins from 256 cases (by 8–15 %; 30 % at
/// 512); with skewed codes it still loses at 256 and ties at 512. So a
/// tree is built only for a chain of at least 256 clusters that no table
/// covers (a sparse switch).
pub const DEFAULT_MIN_CASES_FOR_SEARCH: usize = 256;

/// Default for [`SwitchConfig::max_table_span`]: the most entries one
/// `br_table` may have. A bound on size, not speed: the density sweep
/// measured a table of span 2017 (64 cases) still 0.72× the chain's time
/// and 1.01× the densest table's, at 1.7 KB more code than the chain.
pub const DEFAULT_MAX_TABLE_SPAN: u64 = 1024;

/// Default for [`SwitchConfig::max_range_in_table`]: a cluster wider than
/// this is tested with one range compare rather than filling that many
/// table entries (an entry is about a byte, a range compare about ten).
/// Not measured.
pub const DEFAULT_MAX_RANGE_IN_TABLE: u64 = 16;

/// Hard upper bound on [`SwitchConfig::max_table_span`] (larger settings
/// are clamped): a table is materialized as a vector of targets.
pub const MAX_TABLE_SPAN_LIMIT: u64 = 1 << 16;

/// The cost model's thresholds. A *cluster* is a maximal range of selector
/// values with one target other than the default; one decision tests it.
#[derive(Copy, Clone, Debug, PartialEq)]
pub struct SwitchConfig {
    /// Fewest clusters a `br_table` must cover.
    pub min_cases_for_table: usize,
    /// Lowest density (case values / table span, 0.0–1.0) of a `br_table`.
    pub min_density: f64,
    /// Fewest clusters for a binary search tree when no table is formed.
    pub min_cases_for_search: usize,
    /// Most entries of one `br_table` (clamped to [`MAX_TABLE_SPAN_LIMIT`]).
    pub max_table_span: u64,
    /// Widest cluster (in values) a `br_table` may include; wider ones are
    /// range compares.
    pub max_range_in_table: u64,
    /// `-Os`: choose the smallest encoding (tables only where they are
    /// smaller than compares, no search trees, rewrite only when smaller).
    pub prefer_size: bool,
}

impl Default for SwitchConfig {
    fn default() -> Self {
        SwitchConfig {
            min_cases_for_table: DEFAULT_MIN_CASES_FOR_TABLE,
            min_density: DEFAULT_MIN_DENSITY,
            min_cases_for_search: DEFAULT_MIN_CASES_FOR_SEARCH,
            max_table_span: DEFAULT_MAX_TABLE_SPAN,
            max_range_in_table: DEFAULT_MAX_RANGE_IN_TABLE,
            prefer_size: false,
        }
    }
}

impl SwitchConfig {
    /// The configuration of `-Os`: [`SwitchConfig::prefer_size`] set, and
    /// no case-count or density minimum for a table (the measured speed
    /// thresholds do not apply; a table is formed wherever it encodes
    /// smaller than its compares).
    pub fn size() -> Self {
        SwitchConfig { prefer_size: true, min_cases_for_table: 2, min_density: 0.0, ..SwitchConfig::default() }
    }

    /// The parameter names of [`SwitchConfig::with_params`], as written in
    /// a pass list (`switch-recovery<min-cases-for-table=4>`).
    pub const PARAMS: &'static [&'static str] = &[
        "min-cases-for-table",
        "min-density",
        "min-cases-for-search",
        "max-table-span",
        "max-range-in-table",
        "prefer-size",
    ];

    /// `self` with the given `(name, value)` parameters set; an unknown
    /// name or a bad value is an error naming it.
    pub fn with_params(mut self, params: &[(String, String)]) -> Result<Self, String> {
        fn num<T: std::str::FromStr>(key: &str, value: &str) -> Result<T, String> {
            value.parse().map_err(|_| format!("parameter `{key}`: `{value}` is not a valid number"))
        }
        for (key, value) in params {
            match key.as_str() {
                "min-cases-for-table" => self.min_cases_for_table = num(key, value)?,
                "min-cases-for-search" => self.min_cases_for_search = num(key, value)?,
                "max-table-span" => self.max_table_span = num(key, value)?,
                "max-range-in-table" => self.max_range_in_table = num(key, value)?,
                "min-density" => {
                    let d: f64 = num(key, value)?;
                    if !(0.0..=1.0).contains(&d) {
                        return Err(format!("parameter `min-density`: {value} is not between 0 and 1"));
                    }
                    self.min_density = d;
                }
                "prefer-size" => {
                    self.prefer_size = match value.as_str() {
                        "true" => true,
                        "false" => false,
                        _ => return Err(format!("parameter `prefer-size`: `{value}` is not true or false")),
                    }
                }
                _ => {
                    return Err(format!(
                        "unknown parameter `{key}`; switch-recovery takes: {}",
                        Self::PARAMS.join(", ")
                    ));
                }
            }
        }
        Ok(self)
    }
}

/// The `switch-recovery` pass.
#[derive(Clone, Debug, Default)]
pub struct SwitchRecovery {
    config: SwitchConfig,
}

impl SwitchRecovery {
    /// The pass with the default thresholds.
    pub fn new() -> Self {
        Self::default()
    }

    /// The pass with the given thresholds (from the CLI or the benchmark
    /// harness).
    pub fn with_config(config: SwitchConfig) -> Self {
        let max_table_span = config.max_table_span.min(MAX_TABLE_SPAN_LIMIT);
        SwitchRecovery { config: SwitchConfig { max_table_span, ..config } }
    }

    /// The thresholds in use.
    pub fn config(&self) -> &SwitchConfig {
        &self.config
    }
}

/// What the cost model decided for one chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    /// The chain was left as written, and why.
    Left(&'static str),
    /// Rewritten into a dispatch with at least one `br_table`.
    Table,
    /// Rewritten into a binary search tree of compares.
    SearchTree,
    /// Sequential `if`s rewritten into an early-exit compare chain in
    /// source order (every call stops at its case instead of running
    /// every test).
    Chain,
}

/// One chain the pass found, and what it did with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ChainReport {
    /// The chain's head block (it holds the dispatch after a rewrite).
    pub head: Block,
    /// The selector's type.
    pub selector_type: weft_ir::Type,
    /// Number of tests in the chain.
    pub tests: usize,
    /// Number of clusters (ranges of values with one non-default target).
    pub clusters: usize,
    /// The decision.
    pub decision: Decision,
}

impl SwitchRecovery {
    /// Runs the pass and appends one [`ChainReport`] per chain it found, in
    /// the order it considered them. Returns whether `func` changed.
    pub fn run_with_report(&self, func: &mut Function, report: &mut Vec<ChainReport>) -> bool {
        self.run_in(func, &mut PassCx::new(), report)
    }

    /// [`Self::run_with_report`] with the analyses of `cx`, which describe
    /// `func` when it returns.
    fn run_in(&self, func: &mut Function, cx: &mut PassCx, report: &mut Vec<ChainReport>) -> bool {
        let mut changed = false;
        // Heads already rewritten or declined, and blocks the rewrites made.
        let mut done: BTreeSet<Block> = BTreeSet::new();
        loop {
            let domtree = cx.domtree(func);
            let analyses = Analyses { cfg: cx.cfg(func), domtree };
            let rpo: Vec<Block> = domtree.rpo().collect();
            let mut rewritten = false;
            for head in rpo {
                if done.contains(&head) {
                    continue;
                }
                let Some(chain) = find_chain(func, &analyses, head, 2) else { continue };
                let partition = Partition::of(&chain);
                // Sequential ifs (arms rejoining the chain) run every test
                // on every call: an early-exit chain is a rewrite too.
                let ranks = (!chain.redirects.is_empty()).then(|| source_ranks(&partition, &chain));
                let plan = decide(&partition, chain_bytes(func, &chain), ranks.as_deref(), &self.config);
                let mut entry = ChainReport {
                    head,
                    selector_type: chain.ty,
                    tests: chain.tests.len(),
                    clusters: partition.clusters.len(),
                    decision: Decision::Table,
                };
                match plan {
                    Plan::Leave(why) => {
                        entry.decision = Decision::Left(why);
                        report.push(entry);
                        done.extend(chain.tests.iter().map(|t| t.block));
                    }
                    Plan::Rewrite { tree, shape } => {
                        entry.decision = match shape {
                            Shape::Table => Decision::Table,
                            Shape::Search => Decision::SearchTree,
                            Shape::Chain => Decision::Chain,
                        };
                        report.push(entry);
                        let reachable_before: BTreeSet<Block> =
                            func.layout.blocks().filter(|&b| domtree.is_reachable(b)).collect();
                        let created = emit::rewrite(func, &chain, &partition, &tree, &reachable_before);
                        done.insert(head);
                        done.extend(created);
                        changed = true;
                        rewritten = true;
                        break;
                    }
                }
            }
            if !rewritten {
                return changed;
            }
            // The rewrite removed and added blocks and edges.
            cx.invalidate(Preserved::NONE);
        }
    }
}

impl crate::FunctionPass for SwitchRecovery {
    fn run(&self, func: &mut Function, cx: &mut PassCx) -> Changed {
        Changed::from_bool(self.run_in(func, cx, &mut Vec::new()), Preserved::NONE)
    }
}

#[cfg(test)]
mod tests;

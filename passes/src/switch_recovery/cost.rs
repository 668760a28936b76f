//! The cost model: from a chain's meaning (which arm each selector value
//! reaches) to a lowering plan — leave the chain, a `br_table`, or a binary
//! search tree — in the spirit of LLVM's `SwitchLoweringUtils`.
//!
//! 1. The chain is evaluated over the whole domain into *pieces*: maximal
//!    ranges of selector values with one target (a block and its
//!    arguments). The target covering the most values is the *default*;
//!    the other pieces are the *clusters* (a single value or a range, each
//!    one decision).
//! 2. Jump tables are found by LLVM's dynamic program over the sorted
//!    clusters: the fewest partitions, each either one cluster or a run of
//!    clusters that makes a good table (enough clusters, dense enough, not
//!    too wide; under `prefer_size`, smaller than the compares it replaces).
//! 3. The partitions are lowered as a balanced binary search on `v <u
//!    pivot` down to leaves of at most [`LEAF_MAX`] partitions, each leaf a
//!    short sequence of compares ending in its table (if any).
//!
//! A plan is used only when it has a table, or (speed) when there are
//! enough clusters for a search tree, or (size) when its estimated encoding
//! is smaller than the chain's. Otherwise sequential ifs become an
//! early-exit compare chain in source order, and an early-exit chain is
//! left as written.

use super::SwitchConfig;
use super::chain::{Chain, Outcome, Target};
use crate::analysis::interval_set::{IntervalSet, max_value, to_signed};

/// A binary search stops at this many partitions; they become a sequence
/// of compares. Not measured (the search tree itself rarely pays; see
/// [`super::DEFAULT_MIN_CASES_FOR_SEARCH`]).
pub(crate) const LEAF_MAX: usize = 3;

/// A table whose lowest case is at most this is extended down to 0 (the
/// extra entries go to the default), which saves the subtraction.
/// Not measured.
pub(crate) const ZERO_BASE_MAX: u64 = 3;

/// A range of selector values with one target.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) struct Cluster {
    /// Lowest value.
    pub lo: u64,
    /// Highest value (inclusive).
    pub hi: u64,
    /// Index into [`Partition::targets`].
    pub target: usize,
}

/// What a chain does with every selector value.
#[derive(Clone, Debug)]
pub(crate) struct Partition {
    /// Selector width in bits.
    pub width: u32,
    /// The distinct targets.
    pub targets: Vec<Target>,
    /// The target taken by every value outside the clusters.
    pub default: usize,
    /// Ranges going elsewhere than the default, sorted, disjoint.
    pub clusters: Vec<Cluster>,
}

impl Partition {
    /// Evaluates `chain` over the whole domain.
    pub fn of(chain: &Chain) -> Partition {
        let width = chain.width();
        let mut targets: Vec<Target> = Vec::new();
        let mut intern = |e: &Target| match targets.iter().position(|t| t == e) {
            Some(i) => i,
            None => {
                targets.push(e.clone());
                targets.len() - 1
            }
        };
        let mut pieces: Vec<Cluster> = Vec::new();
        let matched = chain.matched_sets();
        for (test, set) in chain.tests.iter().zip(&matched) {
            let target = intern(&test.exit);
            pieces.extend(set.ranges().iter().map(|&(lo, hi)| Cluster { lo, hi, target }));
        }
        let covered = matched.iter().fold(IntervalSet::empty(width), |acc, s| acc.union(s));
        let chain_default = intern(chain.default());
        let rest = covered.complement();
        pieces.extend(rest.ranges().iter().map(|&(lo, hi)| Cluster { lo, hi, target: chain_default }));
        pieces.sort_unstable_by_key(|c| c.lo);
        let mut merged: Vec<Cluster> = Vec::with_capacity(pieces.len());
        for p in pieces {
            match merged.last_mut() {
                Some(last) if last.target == p.target && last.hi.checked_add(1) == Some(p.lo) => last.hi = p.hi,
                _ => merged.push(p),
            }
        }
        let mut counts = vec![0u128; targets.len()];
        for c in &merged {
            counts[c.target] += u128::from(c.hi - c.lo) + 1;
        }
        let best = counts.iter().copied().max().unwrap_or(0);
        let default = if counts[chain_default] == best {
            chain_default
        } else {
            counts.iter().position(|&c| c == best).unwrap_or(chain_default)
        };
        let clusters = merged.into_iter().filter(|c| c.target != default).collect();
        Partition { width, targets, default, clusters }
    }

    /// The target of `v`.
    #[cfg(test)]
    pub fn target_of(&self, v: u64) -> usize {
        self.clusters.iter().find(|c| c.lo <= v && v <= c.hi).map_or(self.default, |c| c.target)
    }
}

/// A compare of the selector with constants.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Cmp {
    /// `v == k`.
    Eq(u64),
    /// `v <u k`.
    LtU(u64),
    /// `v >=u k`.
    GeU(u64),
    /// `v - lo <u size`.
    InRange(u64, u64),
}

/// A node of the lowering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Node {
    /// Branch to a target.
    Jump(usize),
    /// `brif cmp, then, else`.
    Test {
        /// The compare.
        cmp: Cmp,
        /// Taken when the compare holds.
        then: Box<Node>,
        /// Taken otherwise.
        other: Box<Node>,
    },
    /// `br_table (v - lo)` with one target per value from `lo`; values
    /// outside go to `out_of_range`. For an `i64` selector, `checked`
    /// means a `v - lo <u len` test guards the wrap to `i32`.
    Table {
        /// The value of entry 0.
        lo: u64,
        /// Targets of `lo, lo + 1, ...`.
        entries: Vec<usize>,
        /// Where values outside the table go.
        out_of_range: Box<Node>,
        /// Whether an `i64` range check is needed before the wrap.
        checked: bool,
    },
}

/// How a plan dispatches.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    /// At least one `br_table`.
    Table,
    /// A binary search tree of compares.
    Search,
    /// An early-exit chain of compares in source order (for a chain of
    /// sequential `if`s, which runs every test on every call).
    Chain,
}

/// The decision for one chain.
#[derive(Clone, Debug)]
pub(crate) enum Plan {
    /// Keep the chain as written.
    Leave(&'static str),
    /// Replace it by `tree`.
    Rewrite {
        /// The lowering.
        tree: Node,
        /// What kind of lowering it is.
        shape: Shape,
    },
}

// ---------------------------------------------------------------- sizes

fn sleb_len(x: i128) -> u64 {
    let mut x = x;
    let mut n = 1;
    while !(-64..64).contains(&x) {
        x >>= 7;
        n += 1;
    }
    n
}

fn uleb_len(x: u64) -> u64 {
    let mut x = x >> 7;
    let mut n = 1;
    while x != 0 {
        x >>= 7;
        n += 1;
    }
    n
}

/// Bytes of an `iN.const k`.
fn const_bytes(k: u64, width: u32) -> u64 {
    1 + sleb_len(to_signed(k & max_value(width), width))
}

/// Estimated encoded bytes of one compare and its `br_if`: a `local.get`
/// (2), constants, the operators (`v == 0` is one `eqz`), the branch (2).
fn cmp_bytes(cmp: Cmp, width: u32) -> u64 {
    2 + 2
        + match cmp {
            Cmp::Eq(0) => 1,
            Cmp::Eq(k) | Cmp::LtU(k) | Cmp::GeU(k) => const_bytes(k, width) + 1,
            Cmp::InRange(lo, size) => const_bytes(lo, width) + 1 + const_bytes(size, width) + 1,
        }
}

/// Estimated bytes of a `br_table` dispatch over `len` entries from `lo`.
fn table_bytes(lo: u64, len: u64, width: u32, checked: bool) -> u64 {
    let sub = if lo == 0 { 0 } else { const_bytes(lo, width) + 1 };
    let check = if width == 64 { 1 + if checked { 2 + const_bytes(len, width) + 1 + 2 } else { 0 } } else { 0 };
    2 + sub + check + 1 + uleb_len(len) + len + 1
}

/// The compare that tests one cluster, without bounds knowledge.
fn cluster_cmp(c: &Cluster) -> Cmp {
    if c.lo == c.hi { Cmp::Eq(c.lo) } else { Cmp::InRange(c.lo, c.hi - c.lo + 1) }
}

/// Estimated bytes of a plan.
pub(crate) fn tree_bytes(node: &Node, width: u32) -> u64 {
    match node {
        Node::Jump(_) => 2,
        Node::Test { cmp, then, other } => cmp_bytes(*cmp, width) + tree_bytes(then, width) + tree_bytes(other, width),
        Node::Table { lo, entries, out_of_range, checked } => {
            table_bytes(*lo, entries.len() as u64, width, *checked) + tree_bytes(out_of_range, width)
        }
    }
}

/// Estimated bytes of the chain as written: each test's condition
/// instructions (constants by their encoding, other operators one byte), a
/// `local.get` of the selector and a `br_if`.
pub(crate) fn chain_bytes(func: &weft_ir::Function, chain: &Chain) -> u64 {
    let width = chain.width();
    chain
        .tests
        .iter()
        .map(|t| {
            let ops: u64 = t
                .cond_insts
                .iter()
                .map(|&i| match func.dfg.inst_results(i).first().and_then(|&r| func.dfg.int_const(r)) {
                    Some(k) => const_bytes(k as u64, width),
                    None => 1,
                })
                .sum();
            2 + ops + 2
        })
        .sum::<u64>()
        + 2
}

// ---------------------------------------------------------------- tables

/// One partition of the clusters: a single cluster or a jump table.
#[derive(Clone, Debug)]
enum Item {
    Range(Cluster),
    Table { lo: u64, hi: u64, entries: Vec<usize> },
}

impl Item {
    fn lo(&self) -> u64 {
        match self {
            Item::Range(c) => c.lo,
            Item::Table { lo, .. } => *lo,
        }
    }
}

/// Is clusters[i..=j] a good jump table? `values` counts its case values
/// and `wide` its clusters wider than `max_range_in_table`.
fn is_good_table(p: &Partition, i: usize, j: usize, values: u128, wide: usize, config: &SwitchConfig) -> bool {
    let cs = &p.clusters[i..=j];
    let span = u128::from(cs[cs.len() - 1].hi - cs[0].lo) + 1;
    if cs.len() < config.min_cases_for_table.max(2) || span > u128::from(config.max_table_span) || wide > 0 {
        return false;
    }
    // density = case values / span, as in LLVM.
    if (values as f64) < config.min_density * (span as f64) {
        return false;
    }
    if config.prefer_size {
        let table = table_bytes(cs[0].lo, span as u64, p.width, p.width == 64);
        let compares: u64 = cs.iter().map(|c| cmp_bytes(cluster_cmp(c), p.width) + 2).sum();
        return table < compares;
    }
    true
}

/// LLVM's `findJumpTables`: the fewest partitions of the sorted clusters
/// into single clusters and good tables (ties: more clusters in tables).
fn find_tables(p: &Partition, config: &SwitchConfig) -> Vec<Item> {
    let n = p.clusters.len();
    // prefix[i] = values in clusters[..i].
    // wide[i] = clusters in clusters[..i] too wide to sit in a table.
    let mut prefix = vec![0u128; n + 1];
    let mut wide = vec![0usize; n + 1];
    for (i, c) in p.clusters.iter().enumerate() {
        prefix[i + 1] = prefix[i] + u128::from(c.hi - c.lo) + 1;
        wide[i + 1] = wide[i] + usize::from(c.hi - c.lo >= config.max_range_in_table);
    }
    // best[i] = (partitions, clusters not in tables) for clusters[..i];
    // from[i] = start of the last partition.
    let mut best = vec![(0usize, 0usize); n + 1];
    let mut from = vec![0usize; n + 1];
    for end in 1..=n {
        best[end] = (best[end - 1].0 + 1, best[end - 1].1 + 1);
        from[end] = end - 1;
        for start in 0..end.saturating_sub(1) {
            let score = (best[start].0 + 1, best[start].1);
            let (values, wide) = (prefix[end] - prefix[start], wide[end] - wide[start]);
            if score < best[end] && is_good_table(p, start, end - 1, values, wide, config) {
                best[end] = score;
                from[end] = start;
            }
        }
    }
    let mut items = Vec::new();
    let mut end = n;
    while end > 0 {
        let start = from[end];
        if end - start == 1 {
            items.push(Item::Range(p.clusters[start]));
        } else {
            let (lo, hi) = (p.clusters[start].lo, p.clusters[end - 1].hi);
            let entries =
                (0..=hi - lo).map(|off| p.target_of_in(&p.clusters[start..end], lo + off)).collect::<Vec<usize>>();
            items.push(Item::Table { lo, hi, entries });
        }
        end = start;
    }
    items.reverse();
    items
}

impl Partition {
    /// The target of `v` among `clusters` (the default when none holds it).
    fn target_of_in(&self, clusters: &[Cluster], v: u64) -> usize {
        clusters.iter().find(|c| c.lo <= v && v <= c.hi).map_or(self.default, |c| c.target)
    }
}

// ---------------------------------------------------------------- lowering

/// Lowers `items` (sorted) knowing the selector is in `[a, b]`.
fn lower(p: &Partition, items: &[Item], a: u64, b: u64, leaf_max: usize) -> Node {
    if items.len() > leaf_max {
        let mid = items.len() / 2;
        let pivot = items[mid].lo();
        return Node::Test {
            cmp: Cmp::LtU(pivot),
            then: Box::new(lower(p, &items[..mid], a, pivot - 1, leaf_max)),
            other: Box::new(lower(p, &items[mid..], pivot, b, leaf_max)),
        };
    }
    lower_leaf(p, items, a, b)
}

enum Step {
    Test(Cmp, usize),
    Table { lo: u64, entries: Vec<usize>, checked: bool },
    All(usize),
}

/// A sequence of compares (ranges first, in value order, narrowing the
/// bounds where they can), then the tables, then the default.
fn lower_leaf(p: &Partition, items: &[Item], mut a: u64, mut b: u64) -> Node {
    let mut steps = Vec::new();
    let mut exhausted = false;
    for item in items {
        let Item::Range(c) = item else { continue };
        if a > b {
            exhausted = true;
            break;
        }
        if c.lo <= a && c.hi >= b {
            steps.push(Step::All(c.target));
            exhausted = true;
            break;
        }
        let cmp = if c.lo == c.hi {
            // Failing `v == k` at an end of the bounds narrows them too.
            if c.lo == a {
                a += 1;
            } else if c.lo == b {
                b -= 1;
            }
            Cmp::Eq(c.lo)
        } else if c.lo == a {
            let cmp = Cmp::LtU(c.hi + 1);
            a = c.hi + 1;
            cmp
        } else if c.hi == b {
            let cmp = Cmp::GeU(c.lo);
            b = c.lo - 1;
            cmp
        } else {
            cluster_cmp(c)
        };
        steps.push(Step::Test(cmp, c.target));
    }
    if !exhausted {
        for item in items {
            let Item::Table { lo, hi, entries } = item else { continue };
            let (mut lo, mut entries) = (*lo, entries.clone());
            if lo <= ZERO_BASE_MAX {
                let mut full = vec![p.default; lo as usize];
                full.extend(entries);
                entries = full;
                lo = 0;
            }
            // An i64 selector is wrapped to i32 only after `v - lo <u len`,
            // unless the bounds already guarantee it.
            let checked = p.width == 64 && !(a >= lo && b <= *hi);
            steps.push(Step::Table { lo, entries, checked });
        }
    }
    let mut node = Node::Jump(p.default);
    for step in steps.into_iter().rev() {
        node = match step {
            Step::All(t) => Node::Jump(t),
            Step::Test(cmp, t) => Node::Test { cmp, then: Box::new(Node::Jump(t)), other: Box::new(node) },
            Step::Table { lo, entries, checked } => Node::Table { lo, entries, out_of_range: Box::new(node), checked },
        };
    }
    node
}

/// The source rank of every cluster of `p`: the index of the first test of
/// `chain` whose exit is the cluster's target (`usize::MAX` for a cluster
/// going to the chain's own default edge), so that a compare chain can test
/// the clusters in the order the source does — the source order is the only
/// hint of which cases are hot.
pub(crate) fn source_ranks(p: &Partition, chain: &Chain) -> Vec<usize> {
    p.clusters
        .iter()
        .map(|c| {
            (0..chain.tests.len())
                .find(|&i| outcome_target(p, chain, Outcome::Exit(i)) == Some(c.target))
                .unwrap_or(usize::MAX)
        })
        .collect()
}

/// The clusters as an early-exit compare chain, ordered by `ranks` (ties by
/// value), ending at the default: one compare per cluster.
fn lower_chain(p: &Partition, ranks: &[usize]) -> Node {
    let mut order: Vec<usize> = (0..p.clusters.len()).collect();
    order.sort_by_key(|&i| (ranks.get(i).copied().unwrap_or(usize::MAX), p.clusters[i].lo));
    let mut node = Node::Jump(p.default);
    for &i in order.iter().rev() {
        let c = &p.clusters[i];
        node = Node::Test { cmp: cluster_cmp(c), then: Box::new(Node::Jump(c.target)), other: Box::new(node) };
    }
    node
}

/// Decides what to do with a chain. `original_bytes` is the chain's
/// estimated encoding; `sequential` holds the clusters' source ranks
/// ([`source_ranks`]) when the chain is made of sequential `if`s (every
/// test runs on every call), `None` for an early-exit chain.
pub(crate) fn decide(p: &Partition, original_bytes: u64, sequential: Option<&[usize]>, config: &SwitchConfig) -> Plan {
    if p.clusters.is_empty() {
        return Plan::Leave("every value reaches one target");
    }
    let items = find_tables(p, config);
    let has_table = items.iter().any(|i| matches!(i, Item::Table { .. }));
    let max = max_value(p.width);
    if config.prefer_size {
        // The smallest of: a table dispatch, an early-exit chain (for
        // sequential ifs), the chain as written.
        let mut best: Option<(u64, Node, Shape)> = None;
        let mut consider = |tree: Node, shape: Shape| {
            let bytes = tree_bytes(&tree, p.width);
            if bytes < original_bytes && best.as_ref().is_none_or(|(b, _, _)| bytes < *b) {
                best = Some((bytes, tree, shape));
            }
        };
        if has_table {
            consider(lower(p, &items, 0, max, usize::MAX), Shape::Table);
        }
        if let Some(ranks) = sequential {
            consider(lower_chain(p, ranks), Shape::Chain);
        }
        return match best {
            Some((_, tree, shape)) => Plan::Rewrite { tree, shape },
            None if has_table || sequential.is_some() => {
                Plan::Leave("the dispatch would not be smaller than the chain")
            }
            None => Plan::Leave("no table is smaller than the compares"),
        };
    }
    if has_table {
        return Plan::Rewrite { tree: lower(p, &items, 0, max, LEAF_MAX), shape: Shape::Table };
    }
    if p.clusters.len() >= config.min_cases_for_search {
        return Plan::Rewrite { tree: lower(p, &items, 0, max, LEAF_MAX), shape: Shape::Search };
    }
    if let Some(ranks) = sequential {
        return Plan::Rewrite { tree: lower_chain(p, ranks), shape: Shape::Chain };
    }
    Plan::Leave("too few cases for a table or a search tree")
}

/// Where `tree` sends `v` (for tests: the plan must agree with the
/// partition on every value).
#[cfg(test)]
pub(crate) fn eval(tree: &Node, v: u64, width: u32) -> usize {
    let mask = max_value(width);
    match tree {
        Node::Jump(t) => *t,
        Node::Test { cmp, then, other } => {
            let holds = match *cmp {
                Cmp::Eq(k) => v == k,
                Cmp::LtU(k) => v < k,
                Cmp::GeU(k) => v >= k,
                Cmp::InRange(lo, size) => (v.wrapping_sub(lo) & mask) < size,
            };
            eval(if holds { then } else { other }, v, width)
        }
        Node::Table { lo, entries, out_of_range, .. } => {
            let idx = v.wrapping_sub(*lo) & mask;
            match usize::try_from(idx).ok().and_then(|i| entries.get(i)) {
                Some(&t) => t,
                None => eval(out_of_range, v, width),
            }
        }
    }
}

/// The outcome's target index in `p` (exits and the default are interned
/// the same way [`Partition::of`] does).
pub(crate) fn outcome_target(p: &Partition, chain: &Chain, outcome: Outcome) -> Option<usize> {
    let edge = match outcome {
        Outcome::Exit(i) => &chain.tests.get(i)?.exit,
        Outcome::Default => chain.default(),
    };
    p.targets.iter().position(|t| t == edge)
}

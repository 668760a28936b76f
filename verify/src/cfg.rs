//! The control-flow facts the checker needs, computed here from the
//! function itself: reachable blocks in reverse post-order, dominators
//! (Cooper–Harvey–Kennedy), back edges, loop headers and natural loops,
//! reducibility, and live-in values of blocks.
//!
//! The checker recomputes these instead of using `weft-ir`'s analyses so it
//! does not trust the code whose output it checks (as regalloc2's checker
//! does not trust the allocator).

use std::collections::{BTreeMap, BTreeSet};

use weft_ir::{Block, Function, InstructionData, Value};

/// Control-flow facts about one function.
#[derive(Clone, Debug, Default)]
pub(crate) struct CfgInfo {
    /// Reachable blocks in reverse post-order (entry first).
    pub rpo: Vec<Block>,
    /// Position of each reachable block in `rpo`.
    pub rpo_index: BTreeMap<Block, u32>,
    /// Loop headers (targets of back edges), in RPO order.
    pub headers: Vec<Block>,
    /// Blocks no loop header reaches: they run at most once, before any loop.
    pub pre_loop: BTreeSet<Block>,
    /// Values live on entry to every reachable block (block parameters
    /// excluded).
    pub live_in: BTreeMap<Block, BTreeSet<Value>>,
    /// The natural loop of each header: the header and every block that
    /// reaches one of its back edges without passing the header.
    pub loops: BTreeMap<Block, BTreeSet<Block>>,
    /// Successors of each reachable block.
    pub succs: BTreeMap<Block, Vec<Block>>,
    /// Predecessors of each reachable block, among reachable blocks.
    pub preds: BTreeMap<Block, Vec<Block>>,
}

impl CfgInfo {
    /// Analyzes `func`. Irreducible control flow and blocks without a
    /// terminator are errors.
    pub(crate) fn compute(func: &Function) -> Result<CfgInfo, String> {
        let entry = func.entry_block().ok_or("function has no blocks")?;
        let mut succs = BTreeMap::new();
        // Iterative DFS for post-order.
        let mut post = Vec::new();
        let mut seen = BTreeSet::new();
        let mut stack: Vec<(Block, usize)> = vec![(entry, 0)];
        seen.insert(entry);
        while let Some((b, i)) = stack.pop() {
            if i == 0 && !succs.contains_key(&b) {
                if func.terminator(b).is_none() {
                    return Err(format!("{b} does not end in a terminator"));
                }
                let s = func.successors(b);
                for t in &s {
                    if !func.layout.is_block_inserted(*t) {
                        return Err(format!("{b} branches to {t}, which is not in the layout"));
                    }
                }
                succs.insert(b, s);
            }
            let s = &succs[&b];
            if i < s.len() {
                stack.push((b, i + 1));
                let t = s[i];
                if seen.insert(t) {
                    stack.push((t, 0));
                }
            } else {
                post.push(b);
            }
        }
        let rpo: Vec<Block> = post.into_iter().rev().collect();
        let rpo_index: BTreeMap<Block, u32> = rpo.iter().enumerate().map(|(i, b)| (*b, i as u32)).collect();

        // Predecessors among reachable blocks.
        let mut preds: BTreeMap<Block, Vec<Block>> = rpo.iter().map(|b| (*b, Vec::new())).collect();
        for b in &rpo {
            for t in &succs[b] {
                preds.get_mut(t).expect("successor is reachable").push(*b);
            }
        }

        // Dominators: Cooper, Harvey, Kennedy, "A Simple, Fast Dominance Algorithm".
        let n = rpo.len();
        let mut idom: Vec<Option<u32>> = vec![None; n];
        idom[0] = Some(0);
        let mut changed = true;
        while changed {
            changed = false;
            for i in 1..n {
                let b = rpo[i];
                let mut new: Option<u32> = None;
                for p in &preds[&b] {
                    let pi = rpo_index[p];
                    if idom[pi as usize].is_none() {
                        continue;
                    }
                    new = Some(match new {
                        None => pi,
                        Some(cur) => intersect(&idom, cur, pi),
                    });
                }
                if new.is_some() && idom[i] != new {
                    idom[i] = new;
                    changed = true;
                }
            }
        }
        let dominates = |a: u32, mut b: u32| -> bool {
            loop {
                if a == b {
                    return true;
                }
                if b == 0 {
                    return false;
                }
                b = idom[b as usize].expect("reachable block has an idom");
            }
        };

        // Back edges, headers, reducibility.
        let mut headers = BTreeSet::new();
        let mut back_edges = Vec::new();
        for b in &rpo {
            let bi = rpo_index[b];
            for t in &succs[b] {
                let ti = rpo_index[t];
                if ti <= bi {
                    if dominates(ti, bi) {
                        headers.insert(ti);
                        back_edges.push((*b, *t));
                    } else {
                        return Err(format!("irreducible control flow: the edge {b} -> {t} enters a loop sideways"));
                    }
                }
            }
        }
        let headers: Vec<Block> = headers.into_iter().map(|i| rpo[i as usize]).collect();

        // Blocks reachable from a header (including the headers).
        let mut after_loop = BTreeSet::new();
        let mut work: Vec<Block> = headers.clone();
        while let Some(b) = work.pop() {
            if after_loop.insert(b) {
                work.extend(succs[&b].iter().copied());
            }
        }
        let pre_loop = rpo.iter().copied().filter(|b| !after_loop.contains(b)).collect();

        // Natural loops: walk predecessors back from each back edge's
        // source, stopping at the header.
        let mut loops: BTreeMap<Block, BTreeSet<Block>> = BTreeMap::new();
        for (latch, header) in &back_edges {
            let body = loops.entry(*header).or_insert_with(|| BTreeSet::from([*header]));
            let mut work = vec![*latch];
            while let Some(b) = work.pop() {
                if body.insert(b) {
                    work.extend(preds[&b].iter().copied());
                }
            }
        }

        let live_in = live_in_sets(func, &rpo, &succs);
        Ok(CfgInfo { rpo, rpo_index, headers, pre_loop, live_in, loops, succs, preds })
    }

    /// The blocks of the innermost natural loop containing `block`, if any.
    pub(crate) fn innermost_loop(&self, block: Block) -> Option<&BTreeSet<Block>> {
        self.loops.values().filter(|body| body.contains(&block)).min_by_key(|body| body.len())
    }

    /// Does every cycle pass a block of `cuts`? (The graph of reachable
    /// blocks without the cut blocks is acyclic.)
    pub(crate) fn cuts_every_cycle(&self, cuts: &BTreeSet<Block>) -> bool {
        // Kahn's algorithm on the blocks that are not cut.
        let keep: Vec<Block> = self.rpo.iter().copied().filter(|b| !cuts.contains(b)).collect();
        let mut indeg: BTreeMap<Block, usize> = keep.iter().map(|b| (*b, 0)).collect();
        for b in &keep {
            for t in &self.succs[b] {
                if let Some(d) = indeg.get_mut(t) {
                    *d += 1;
                }
            }
        }
        let mut ready: Vec<Block> = indeg.iter().filter(|(_, d)| **d == 0).map(|(b, _)| *b).collect();
        let mut seen = 0;
        while let Some(b) = ready.pop() {
            seen += 1;
            for t in &self.succs[&b] {
                if let Some(d) = indeg.get_mut(t) {
                    *d -= 1;
                    if *d == 0 {
                        ready.push(*t);
                    }
                }
            }
        }
        seen == keep.len()
    }

    /// The index of `block` among the headers, if it is one.
    pub(crate) fn header_index(&self, block: Block) -> Option<usize> {
        self.headers.iter().position(|h| *h == block)
    }
}

fn intersect(idom: &[Option<u32>], mut a: u32, mut b: u32) -> u32 {
    while a != b {
        while a > b {
            a = idom[a as usize].expect("processed");
        }
        while b > a {
            b = idom[b as usize].expect("processed");
        }
    }
    a
}

/// Live-in values of every reachable block (block parameters are defined at
/// the block, so they are never live-in to it). Aliases are resolved.
fn live_in_sets(
    func: &Function,
    rpo: &[Block],
    succs: &BTreeMap<Block, Vec<Block>>,
) -> BTreeMap<Block, BTreeSet<Value>> {
    let dfg = &func.dfg;
    let mut uses: BTreeMap<Block, BTreeSet<Value>> = BTreeMap::new();
    let mut defs: BTreeMap<Block, BTreeSet<Value>> = BTreeMap::new();
    for b in rpo {
        let mut u = BTreeSet::new();
        let mut d: BTreeSet<Value> = dfg.block_params(*b).iter().copied().collect();
        for inst in func.layout.block_insts(*b) {
            for v in dfg.inst_values(inst) {
                let v = dfg.resolve_aliases(v);
                if !d.contains(&v) {
                    u.insert(v);
                }
            }
            if let InstructionData::Op { .. } = dfg.insts[inst] {
                d.extend(dfg.inst_results(inst).iter().copied());
            }
        }
        uses.insert(*b, u);
        defs.insert(*b, d);
    }
    let mut live: BTreeMap<Block, BTreeSet<Value>> = rpo.iter().map(|b| (*b, BTreeSet::new())).collect();
    let mut changed = true;
    while changed {
        changed = false;
        for b in rpo.iter().rev() {
            let mut out = BTreeSet::new();
            for s in &succs[b] {
                out.extend(live[s].iter().copied());
            }
            let mut inn = uses[b].clone();
            for v in out {
                if !defs[b].contains(&v) {
                    inn.insert(v);
                }
            }
            if inn != live[b] {
                live.insert(*b, inn);
                changed = true;
            }
        }
    }
    live
}

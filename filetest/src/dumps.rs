//! Text dumps of analyses, for `; check:` lines in filetests.

use std::fmt::Write as _;

use weft_ir::{ControlFlowGraph, DominatorTree, Function, Liveness, LoopAnalysis, Value};

fn list<T: core::fmt::Display>(items: impl IntoIterator<Item = T>) -> String {
    items.into_iter().map(|x| x.to_string()).collect::<Vec<_>>().join(", ")
}

/// One line per block in layout order: `blockN: idom blockM` (`idom -` for
/// the entry, `unreachable` for unreachable blocks), then the reverse
/// post-order: `rpo: block0, block2, ...`.
pub fn domtree(func: &Function) -> String {
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    let mut out = String::new();
    for block in func.layout.blocks() {
        if !domtree.is_reachable(block) {
            let _ = writeln!(out, "{block}: unreachable");
            continue;
        }
        match domtree.idom(block) {
            Some(idom) => {
                let _ = writeln!(out, "{block}: idom {idom}");
            }
            None => {
                let _ = writeln!(out, "{block}: idom -");
            }
        }
    }
    let _ = writeln!(out, "rpo: {}", list(domtree.rpo()));
    out
}

/// One line per loop: `loopN: header blockH depth D parent loopP|- blocks
/// [..] latches [..] exits [a->b, ..] preheader blockP|-`.
pub fn loops(func: &Function) -> String {
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    let loops = LoopAnalysis::with_domtree(&cfg, &domtree);
    let mut out = String::new();
    if loops.num_loops() == 0 {
        out.push_str("no loops\n");
    }
    for lp in loops.loops() {
        let parent = loops.parent(lp).map_or("-".to_string(), |p| p.to_string());
        let pre = loops.preheader(lp).map_or("-".to_string(), |p| p.to_string());
        let mut blocks = loops.blocks(lp).to_vec();
        blocks.sort();
        let exits = list(loops.exits(lp).iter().map(|(a, b)| format!("{a}->{b}")));
        let _ = writeln!(
            out,
            "{lp}: header {} depth {} parent {parent} blocks [{}] latches [{}] exits [{exits}] preheader {pre}",
            loops.header(lp),
            loops.depth(lp),
            list(blocks),
            list(loops.latches(lp)),
        );
    }
    out
}

/// One line per block in layout order: `blockN: in [..] out [..]`, values sorted.
pub fn liveness(func: &Function) -> String {
    let cfg = ControlFlowGraph::with_function(func);
    let live = Liveness::with_function(func, &cfg);
    let sorted = |vals: &[Value]| {
        let mut v = vals.to_vec();
        v.sort();
        list(v)
    };
    let mut out = String::new();
    for block in func.layout.blocks() {
        let _ = writeln!(out, "{block}: in [{}] out [{}]", sorted(live.live_in(block)), sorted(live.live_out(block)));
    }
    out
}

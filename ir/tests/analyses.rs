//! The analyses (CFG, dominator tree, loops, liveness) against brute-force
//! definitions on thousands of seeded random CFGs, and the call graph on
//! hand-built modules.
//!
//! The random CFGs have 2–12 blocks ending in `return`, `jump`, `brif` or
//! `br_table`, and include unreachable blocks, self-loops, repeated targets,
//! edges back to the entry and irreducible cycles. Each brute-force oracle
//! follows the textbook definition directly:
//!
//! * `a` dominates `b` iff `b` is unreachable from the entry once `a` is
//!   removed;
//! * a CFG is reducible iff T1/T2 reduction collapses it to one node;
//! * the natural loop of header `h` is `h` plus every block that reaches a
//!   back-edge source without passing through `h`;
//! * a value is live-in at `b` iff some path from the top of `b` reaches a
//!   use before the definition.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use weft_ir::{
    Block, CallGraph, CallKind, ControlFlowGraph, DefinedFunc, DominatorTree, EntityRef, Export, ExportKind, FuncBody,
    FuncCursor, FuncRef, Function, ImportedFunc, Inst, Liveness, LoopAnalysis, Module, Opcode, Rng, Signature, Type,
    Value, ValueDef, parse_function, verify_function,
};

/// The shape of a terminator: its targets in order.
#[derive(Clone, Debug)]
enum Term {
    Return,
    Jump(usize),
    Brif(usize, usize),
    BrTable(usize, Vec<usize>),
}

impl Term {
    fn targets(&self) -> Vec<usize> {
        match self {
            Term::Return => vec![],
            Term::Jump(a) => vec![*a],
            Term::Brif(a, b) => vec![*a, *b],
            Term::BrTable(d, ts) => std::iter::once(*d).chain(ts.iter().copied()).collect(),
        }
    }
}

/// A random CFG shape over `n` blocks; block 0 is the entry. With
/// `entry_targets`, branches may go back to the entry.
fn random_shape(rng: &mut Rng, entry_targets: bool) -> Vec<Term> {
    let n = 2 + rng.index(11);
    let lo = if entry_targets { 0 } else { 1 };
    let target = |rng: &mut Rng| lo + rng.index(n - lo);
    (0..n)
        .map(|_| match rng.index(10) {
            0 | 1 => Term::Return,
            2..=4 => Term::Jump(target(rng)),
            5..=8 => Term::Brif(target(rng), target(rng)),
            _ => {
                let d = target(rng);
                let k = 1 + rng.index(4);
                Term::BrTable(d, (0..k).map(|_| target(rng)).collect())
            }
        })
        .collect()
}

/// Builds a function with that shape: every block computes an i32 constant
/// and branches on it, so the function verifies when the CFG is reducible
/// and has no edge into the entry.
fn build_cfg_function(shape: &[Term]) -> (Function, Vec<Block>) {
    let mut func = Function::new("cfg", Signature::default());
    let mut cur = FuncCursor::new(&mut func);
    let blocks: Vec<Block> = shape.iter().map(|_| cur.add_block(&[])).collect();
    for (i, term) in shape.iter().enumerate() {
        cur.goto_end(blocks[i]);
        let c = cur.iconst32(i as i32);
        match term {
            Term::Return => {
                cur.ret(&[]);
            }
            Term::Jump(t) => {
                cur.jump(blocks[*t], &[]);
            }
            Term::Brif(a, b) => {
                cur.brif(c, blocks[*a], &[], blocks[*b], &[]);
            }
            Term::BrTable(d, ts) => {
                let targets: Vec<(Block, Vec<Value>)> = ts.iter().map(|&t| (blocks[t], vec![])).collect();
                cur.br_table(c, (blocks[*d], &[]), &targets);
            }
        }
    }
    (func, blocks)
}

/// Successor sets by index, deduplicated.
fn succ_sets(shape: &[Term]) -> Vec<BTreeSet<usize>> {
    shape.iter().map(|t| t.targets().into_iter().collect()).collect()
}

/// Blocks reachable from 0 without entering `removed`.
fn reachable_without(succs: &[BTreeSet<usize>], removed: Option<usize>) -> Vec<bool> {
    let mut seen = vec![false; succs.len()];
    if removed == Some(0) {
        return seen;
    }
    let mut work = vec![0];
    seen[0] = true;
    while let Some(b) = work.pop() {
        for &s in &succs[b] {
            if !seen[s] && Some(s) != removed {
                seen[s] = true;
                work.push(s);
            }
        }
    }
    seen
}

/// Blocks reachable from `start` (itself included).
fn reachable_from(succs: &[BTreeSet<usize>], start: usize) -> Vec<bool> {
    let mut seen = vec![false; succs.len()];
    let mut work = vec![start];
    seen[start] = true;
    while let Some(b) = work.pop() {
        for &s in &succs[b] {
            if !seen[s] {
                seen[s] = true;
                work.push(s);
            }
        }
    }
    seen
}

/// dom[a][b]: does a dominate b (b reachable)?
fn brute_dominators(succs: &[BTreeSet<usize>]) -> Vec<Vec<bool>> {
    let n = succs.len();
    let reach = reachable_without(succs, None);
    (0..n)
        .map(|a| {
            let without = reachable_without(succs, Some(a));
            (0..n).map(|b| reach[b] && (a == b || !without[b])).collect()
        })
        .collect()
}

/// T1/T2 reduction of the reachable subgraph: reducible iff it collapses
/// to a single node.
fn brute_reducible(succs: &[BTreeSet<usize>]) -> bool {
    let reach = reachable_without(succs, None);
    let mut nodes: BTreeSet<usize> = (0..succs.len()).filter(|&b| reach[b]).collect();
    let mut edges: BTreeSet<(usize, usize)> = BTreeSet::new();
    for &b in &nodes {
        for &s in &succs[b] {
            edges.insert((b, s));
        }
    }
    loop {
        let mut changed = false;
        // T1: drop self-loops.
        let loops: Vec<(usize, usize)> = edges.iter().copied().filter(|(a, b)| a == b).collect();
        for e in loops {
            edges.remove(&e);
            changed = true;
        }
        // T2: merge a non-entry node with a unique predecessor into it.
        for &n in &nodes {
            if n == 0 {
                continue;
            }
            let preds: BTreeSet<usize> = edges.iter().filter(|(_, b)| *b == n).map(|(a, _)| *a).collect();
            if preds.len() == 1 {
                let p = *preds.iter().next().unwrap();
                let outs: Vec<usize> = edges.iter().filter(|(a, _)| *a == n).map(|(_, b)| *b).collect();
                edges.retain(|(a, b)| *a != n && *b != n);
                for o in outs {
                    edges.insert((p, o));
                }
                nodes.remove(&n);
                changed = true;
                break;
            }
        }
        if !changed {
            return nodes.len() == 1;
        }
    }
}

/// The natural loop of header `h` with latches `latches`, brute force.
fn brute_natural_loop(succs: &[BTreeSet<usize>], reach: &[bool], h: usize, latches: &[usize]) -> BTreeSet<usize> {
    let mut body = BTreeSet::from([h]);
    for x in 0..succs.len() {
        if !reach[x] || x == h {
            continue;
        }
        // Does x reach a latch without passing through h?
        let mut seen = vec![false; succs.len()];
        let mut work = vec![x];
        seen[x] = true;
        let mut found = false;
        while let Some(b) = work.pop() {
            if latches.contains(&b) {
                found = true;
                break;
            }
            for &s in &succs[b] {
                if s != h && !seen[s] {
                    seen[s] = true;
                    work.push(s);
                }
            }
        }
        if found {
            body.insert(x);
        }
    }
    body
}

struct Stats {
    irreducible: usize,
    unreachable: usize,
    loops: usize,
    nested: usize,
    preheaders: usize,
}

fn check_cfg_and_domtree(shape: &[Term], stats: &mut Stats) {
    let (func, blocks) = build_cfg_function(shape);
    let n = shape.len();
    let idx: BTreeMap<Block, usize> = blocks.iter().enumerate().map(|(i, &b)| (b, i)).collect();
    let succs = succ_sets(shape);
    let cfg = ControlFlowGraph::with_function(&func);
    assert!(cfg.is_valid());

    // CFG: successors in first-appearance order, predecessors consistent.
    for (i, term) in shape.iter().enumerate() {
        let mut want: Vec<Block> = Vec::new();
        for t in term.targets() {
            if !want.contains(&blocks[t]) {
                want.push(blocks[t]);
            }
        }
        assert_eq!(cfg.succs(blocks[i]), want.as_slice(), "succs of block{i} in {shape:?}");
        for (j, _) in shape.iter().enumerate() {
            let is_pred = succs[j].contains(&i);
            let entries: Vec<_> = cfg.preds(blocks[i]).iter().filter(|p| p.block == blocks[j]).collect();
            assert_eq!(entries.len(), usize::from(is_pred), "preds of block{i} from block{j} in {shape:?}");
            if let Some(p) = entries.first() {
                assert_eq!(p.inst, func.layout.last_inst(blocks[j]).unwrap());
            }
        }
        let order: Vec<usize> = cfg.preds(blocks[i]).iter().map(|p| idx[&p.block]).collect();
        assert!(order.windows(2).all(|w| w[0] < w[1]), "preds in layout order");
        assert_eq!(cfg.num_preds(blocks[i]), order.len());
    }

    // Dominator tree against brute force.
    let domtree = DominatorTree::with_function(&func, &cfg);
    assert!(domtree.is_valid());
    let reach = reachable_without(&succs, None);
    let dom = brute_dominators(&succs);
    if reach.iter().any(|r| !r) {
        stats.unreachable += 1;
    }
    for b in 0..n {
        assert_eq!(domtree.is_reachable(blocks[b]), reach[b], "reachability of block{b} in {shape:?}");
        for a in 0..n {
            let want = if reach[b] { dom[a][b] } else { a == b };
            assert_eq!(domtree.dominates(blocks[a], blocks[b]), want, "block{a} dom block{b} in {shape:?}");
            assert_eq!(domtree.strictly_dominates(blocks[a], blocks[b]), want && a != b);
        }
        // idom: the strict dominator dominated by every other one.
        let want_idom = if reach[b] && b != 0 {
            let strict: Vec<usize> = (0..n).filter(|&a| a != b && dom[a][b]).collect();
            strict.iter().copied().find(|&d| strict.iter().all(|&o| dom[o][d]))
        } else {
            None
        };
        assert_eq!(domtree.idom(blocks[b]).map(|x| idx[&x]), want_idom, "idom of block{b} in {shape:?}");
        let kids: Vec<usize> = domtree.children(blocks[b]).iter().map(|x| idx[x]).collect();
        let want_kids: BTreeSet<usize> = (0..n).filter(|&c| want_idom_of(&dom, &reach, c) == Some(b)).collect();
        assert_eq!(kids.iter().copied().collect::<BTreeSet<_>>(), want_kids, "children of block{b}");
        for a in 0..n {
            let want_common = (reach[a] && reach[b])
                .then(|| {
                    (0..n).filter(|&d| dom[d][a] && dom[d][b]).max_by_key(|&d| (0..n).filter(|&e| dom[e][d]).count())
                })
                .flatten();
            assert_eq!(domtree.common_dominator(blocks[a], blocks[b]).map(|x| idx[&x]), want_common);
        }
    }
    // Post-order: exactly the reachable blocks; RPO puts idoms first and
    // agrees with rpo_number.
    let post: Vec<usize> = domtree.cfg_postorder().iter().map(|b| idx[b]).collect();
    assert_eq!(post.iter().copied().collect::<BTreeSet<_>>(), (0..n).filter(|&b| reach[b]).collect());
    assert_eq!(post.len(), reach.iter().filter(|r| **r).count());
    let rpo: Vec<Block> = domtree.rpo().collect();
    assert_eq!(rpo[0], blocks[0]);
    for (i, &b) in rpo.iter().enumerate() {
        assert_eq!(domtree.rpo_number(b), Some(i as u32 + 1));
        if let Some(d) = domtree.idom(b) {
            assert!(domtree.rpo_number(d) < domtree.rpo_number(b));
        }
        // An edge that does not go forward in RPO is a DFS retreating
        // edge: its target reaches its source.
        for &s in &succs[idx[&b]] {
            if domtree.rpo_number(blocks[s]) <= domtree.rpo_number(b) {
                let from_s = reachable_from(&succs, s);
                assert!(from_s[idx[&b]], "edge block{} -> block{s} goes backwards in RPO", idx[&b]);
            }
        }
    }
    // Instruction dominance inside a block: the constant before the branch.
    for b in 0..n {
        let first = func.layout.first_inst(blocks[b]).unwrap();
        let last = func.layout.last_inst(blocks[b]).unwrap();
        assert!(domtree.dominates_inst(first, last, &func.layout));
        assert!(!domtree.dominates_inst(last, first, &func.layout));
        for a in 0..n {
            let other = func.layout.first_inst(blocks[a]).unwrap();
            if a != b {
                let want = if reach[b] { dom[a][b] } else { false };
                assert_eq!(domtree.dominates_inst(other, last, &func.layout), want);
            }
        }
    }

    // Reducibility: the verifier accepts exactly the reducible CFGs.
    let reducible = brute_reducible(&succs);
    let entry_targeted = succs.iter().any(|s| s.contains(&0));
    if !reducible {
        stats.irreducible += 1;
    }
    if !entry_targeted {
        match verify_function(&func) {
            Ok(()) => assert!(reducible, "verifier accepted an irreducible CFG {shape:?}"),
            Err(errors) => {
                assert!(!reducible, "verifier rejected a reducible CFG {shape:?}:\n{errors}");
                assert!(
                    errors.0.iter().all(|e| e.message.starts_with("irreducible control flow")),
                    "unexpected errors for {shape:?}:\n{errors}"
                );
            }
        }
    }

    // Loops against brute force.
    let loops = LoopAnalysis::with_domtree(&cfg, &domtree);
    assert!(loops.is_valid());
    let mut want_loops: BTreeMap<usize, BTreeSet<usize>> = BTreeMap::new();
    for h in 0..n {
        let latches: Vec<usize> = (0..n).filter(|&t| reach[t] && succs[t].contains(&h) && dom[h][t]).collect();
        if !latches.is_empty() {
            want_loops.insert(h, brute_natural_loop(&succs, &reach, h, &latches));
            let lp = loops.loop_of_header(blocks[h]).expect("header has a loop");
            let got_latches: Vec<usize> = loops.latches(lp).iter().map(|b| idx[b]).collect();
            assert_eq!(got_latches.iter().copied().collect::<BTreeSet<_>>(), latches.iter().copied().collect());
        } else {
            assert!(!loops.is_loop_header(blocks[h]));
        }
    }
    assert_eq!(loops.num_loops(), want_loops.len());
    stats.loops += want_loops.len();
    for lp in loops.loops() {
        let h = idx[&loops.header(lp)];
        assert_eq!(loops.blocks(lp)[0], blocks[h], "header first");
        let body: BTreeSet<usize> = loops.blocks(lp).iter().map(|b| idx[b]).collect();
        assert_eq!(body.len(), loops.blocks(lp).len(), "no repeated blocks");
        assert_eq!(Some(&body), want_loops.get(&h), "body of the loop at block{h} in {shape:?}");
        // Parent: the smallest other loop containing the header.
        let want_parent = want_loops
            .iter()
            .filter(|(oh, ob)| **oh != h && ob.contains(&h))
            .min_by_key(|(_, ob)| ob.len())
            .map(|(oh, _)| *oh);
        assert_eq!(loops.parent(lp).map(|p| idx[&loops.header(p)]), want_parent);
        let depth = want_loops.values().filter(|ob| ob.contains(&h)).count() as u32;
        assert_eq!(loops.depth(lp), depth);
        if want_parent.is_some() {
            stats.nested += 1;
        }
        for c in loops.children(lp) {
            assert_eq!(loops.parent(*c), Some(lp));
        }
        // Exits.
        let mut want_exits: BTreeSet<(usize, usize)> = BTreeSet::new();
        for &b in &body {
            for &s in &succs[b] {
                if !body.contains(&s) {
                    want_exits.insert((b, s));
                }
            }
        }
        let exits: BTreeSet<(usize, usize)> = loops.exits(lp).iter().map(|(a, b)| (idx[a], idx[b])).collect();
        assert_eq!(exits, want_exits);
        // Preheader.
        let outside: BTreeSet<usize> = (0..n).filter(|&p| succs[p].contains(&h) && !body.contains(&p)).collect();
        let want_pre =
            (outside.len() == 1).then(|| *outside.iter().next().unwrap()).filter(|&p| succs[p] == BTreeSet::from([h]));
        assert_eq!(loops.preheader(lp).map(|b| idx[&b]), want_pre, "preheader of block{h} in {shape:?}");
        if want_pre.is_some() {
            stats.preheaders += 1;
        }
    }
    for (b, &block) in blocks.iter().enumerate() {
        let containing: Vec<(&usize, &BTreeSet<usize>)> =
            want_loops.iter().filter(|(_, body)| body.contains(&b)).collect();
        let innermost = containing.iter().min_by_key(|(_, body)| body.len()).map(|(h, _)| **h);
        assert_eq!(loops.innermost_loop(block).map(|l| idx[&loops.header(l)]), innermost);
        assert_eq!(loops.block_depth(block), containing.len() as u32);
        for lp in loops.loops() {
            let h = idx[&loops.header(lp)];
            assert_eq!(loops.is_in_loop(block, lp), want_loops[&h].contains(&b));
        }
    }
}

fn want_idom_of(dom: &[Vec<bool>], reach: &[bool], b: usize) -> Option<usize> {
    if !reach[b] || b == 0 {
        return None;
    }
    let strict: Vec<usize> = (0..dom.len()).filter(|&a| a != b && dom[a][b]).collect();
    strict.iter().copied().find(|&d| strict.iter().all(|&o| dom[o][d]))
}

#[test]
fn random_cfgs_match_brute_force() {
    let mut rng = Rng::new(0x5eed_cf90);
    let mut stats = Stats { irreducible: 0, unreachable: 0, loops: 0, nested: 0, preheaders: 0 };
    for i in 0..2000 {
        let shape = random_shape(&mut rng, i % 4 == 0);
        check_cfg_and_domtree(&shape, &mut stats);
    }
    // The generator must exercise the interesting cases.
    assert!(stats.irreducible >= 20, "only {} irreducible CFGs", stats.irreducible);
    assert!(stats.unreachable >= 100, "only {} CFGs with unreachable blocks", stats.unreachable);
    assert!(stats.loops >= 500 && stats.nested >= 50 && stats.preheaders >= 50, "loop coverage too thin");
}

#[test]
fn analyses_are_deterministic_and_clearable() {
    let mut rng = Rng::new(77);
    for _ in 0..50 {
        let shape = random_shape(&mut rng, false);
        let (func, _) = build_cfg_function(&shape);
        let cfg1 = ControlFlowGraph::with_function(&func);
        let mut cfg2 = ControlFlowGraph::new();
        assert!(!cfg2.is_valid());
        cfg2.compute(&func);
        let d1 = DominatorTree::with_function(&func, &cfg1);
        let mut d2 = DominatorTree::with_function(&func, &cfg2);
        assert_eq!(d1.cfg_postorder(), d2.cfg_postorder());
        for b in func.layout.blocks() {
            assert_eq!(cfg1.preds(b), cfg2.preds(b));
            assert_eq!(d1.children(b), d2.children(b));
        }
        d2.clear();
        assert!(!d2.is_valid() && d2.cfg_postorder().is_empty());
        cfg2.clear();
        assert!(!cfg2.is_valid());
    }
}

#[test]
fn recompute_block_matches_full_recompute() {
    let mut rng = Rng::new(4242);
    for _ in 0..300 {
        let shape = random_shape(&mut rng, true);
        let (mut func, blocks) = build_cfg_function(&shape);
        let mut cfg = ControlFlowGraph::with_function(&func);
        // Retarget one block's terminator and update incrementally.
        let b = blocks[rng.index(blocks.len())];
        let term = func.layout.last_inst(b).unwrap();
        let old: Vec<Block> = func.successors(b);
        if let Some(&from) = old.first() {
            let to = blocks[rng.index(blocks.len())];
            weft_ir::cfg_edit::retarget(&mut func, term, from, to, None);
        }
        cfg.recompute_block(&func, b);
        let full = ControlFlowGraph::with_function(&func);
        for &x in &blocks {
            assert_eq!(cfg.succs(x), full.succs(x));
            assert_eq!(cfg.preds(x), full.preds(x));
        }
    }
}

// ------------------------------------------------------------- liveness

/// A random function with i32 values: block parameters, `i32.add`s over
/// any value already built (also from blocks that do not dominate), and
/// branches passing random arguments. Some results are turned into
/// aliases of other values.
/// A random function, its blocks in layout order, and the aliases made
/// `(alias, aliased value)`.
struct ValueFunction {
    func: Function,
    blocks: Vec<Block>,
    aliases: Vec<(Value, Value)>,
}

fn random_value_function(rng: &mut Rng) -> ValueFunction {
    let shape = random_shape(rng, false);
    let nparams: Vec<usize> = shape.iter().map(|_| rng.index(3)).collect();
    let mut func = Function::new("live", Signature::new(vec![Type::I32; nparams[0]], [Type::I32]));
    let mut cur = FuncCursor::new(&mut func);
    let blocks: Vec<Block> = nparams.iter().map(|&k| cur.add_block(&vec![Type::I32; k])).collect();
    let mut pool: Vec<Value> = blocks.iter().flat_map(|&b| cur.func.dfg.block_params(b).to_vec()).collect();
    let mut aliases = Vec::new();
    for (i, term) in shape.iter().enumerate() {
        cur.goto_end(blocks[i]);
        let c = cur.iconst32(i as i32);
        pool.push(c);
        for _ in 0..rng.index(4) {
            let a = pool[rng.index(pool.len())];
            let b = pool[rng.index(pool.len())];
            let r = cur.ins(Opcode::I32Add, &[a, b], weft_ir::Imm::None).unwrap()[0];
            pool.push(r);
        }
        let pick = |rng: &mut Rng| pool[rng.index(pool.len())];
        let args_for = |rng: &mut Rng, t: usize| (0..nparams[t]).map(|_| pick(rng)).collect::<Vec<Value>>();
        match term {
            Term::Return => {
                let v = args_for(rng, 0);
                let v = v.first().copied().unwrap_or(c);
                cur.ret(&[v]);
            }
            Term::Jump(t) => {
                let a = args_for(rng, *t);
                cur.jump(blocks[*t], &a);
            }
            Term::Brif(x, y) => {
                let (ax, ay) = (args_for(rng, *x), args_for(rng, *y));
                let cond = pool[rng.index(pool.len())];
                cur.brif(cond, blocks[*x], &ax, blocks[*y], &ay);
            }
            Term::BrTable(d, ts) => {
                let ad = args_for(rng, *d);
                let targets: Vec<(Block, Vec<Value>)> = ts.iter().map(|&t| (blocks[t], args_for(rng, t))).collect();
                let index = pool[rng.index(pool.len())];
                cur.br_table(index, (blocks[*d], &ad), &targets);
            }
        }
    }
    // Alias a few `i32.add` results to values built before them (so every
    // use still follows the definition within a block).
    let adds: Vec<usize> = (0..pool.len())
        .filter(|&i| matches!(func.dfg.value_def(pool[i]), ValueDef::Result(inst, _) if func.dfg.insts[inst].opcode() == Opcode::I32Add))
        .collect();
    for _ in 0..rng.index(3) {
        if adds.is_empty() {
            break;
        }
        let at = adds[rng.index(adds.len())];
        let (dest, src) = (pool[at], pool[rng.index(at)]);
        if matches!(func.dfg.value_def(dest), ValueDef::Result(..)) && func.dfg.resolve_aliases(src) != dest {
            func.dfg.change_to_alias(dest, src);
            aliases.push((dest, src));
        }
    }
    ValueFunction { func, blocks, aliases }
}

/// Where `v` (resolved) is defined: its block and, for a result, the
/// defining instruction.
fn definition(func: &Function, v: Value) -> (Option<Block>, Option<Inst>) {
    match func.dfg.value_def(v) {
        ValueDef::Param(b, _) => (Some(b), None),
        ValueDef::Result(i, _) => (func.layout.inst_block(i), Some(i)),
        _ => (None, None),
    }
}

/// Brute force: does a path from the top of `start` reach a use of `v`
/// before its definition?
fn brute_live_in(func: &Function, succs: &BTreeMap<Block, Vec<Block>>, v: Value, start: Block) -> bool {
    let (def_block, def_inst) = definition(func, v);
    let mut seen = BTreeSet::new();
    let mut work = VecDeque::from([start]);
    while let Some(b) = work.pop_front() {
        if !seen.insert(b) {
            continue;
        }
        if def_block == Some(b) && def_inst.is_none() {
            continue; // parameter: defined at the top of b
        }
        let mut killed = false;
        for inst in func.layout.block_insts(b) {
            let uses = func.dfg.inst_values(inst);
            if uses.iter().any(|&u| func.dfg.resolve_aliases(u) == v) {
                return true;
            }
            if Some(inst) == def_inst {
                killed = true;
                break;
            }
        }
        if !killed {
            work.extend(succs[&b].iter().copied());
        }
    }
    false
}

#[test]
fn random_liveness_matches_brute_force() {
    let mut rng = Rng::new(0x11fe);
    let mut live_out_seen = 0usize;
    let mut alias_checks = 0usize;
    for _ in 0..1000 {
        let ValueFunction { func, blocks, aliases } = random_value_function(&mut rng);
        let cfg = ControlFlowGraph::with_function(&func);
        let liveness = Liveness::with_function(&func, &cfg);
        assert!(liveness.is_valid());
        let succs: BTreeMap<Block, Vec<Block>> = blocks.iter().map(|&b| (b, func.successors(b))).collect();
        let values: Vec<Value> = (0..func.dfg.num_values())
            .map(Value::new)
            .filter(|&v| !matches!(func.dfg.value_def(v), ValueDef::Alias(_)))
            .collect();
        for &b in &blocks {
            let want_in: Vec<Value> = values.iter().copied().filter(|&v| brute_live_in(&func, &succs, v, b)).collect();
            let want_out: Vec<Value> = values
                .iter()
                .copied()
                .filter(|&v| succs[&b].iter().any(|&s| brute_live_in(&func, &succs, v, s)))
                .collect();
            assert_eq!(liveness.live_in(b), want_in.as_slice(), "live-in of {b} in\n{}", func.display());
            assert_eq!(liveness.live_out(b), want_out.as_slice(), "live-out of {b} in\n{}", func.display());
            for &v in &values {
                assert_eq!(liveness.is_live_in(v, b), want_in.contains(&v));
                assert_eq!(liveness.is_live_out(v, b), want_out.contains(&v));
            }
            live_out_seen += want_out.len();
            for &(dest, src) in &aliases {
                assert_eq!(liveness.is_live_out(dest, b), liveness.is_live_out(src, b));
                assert_eq!(liveness.is_live_in(dest, b), liveness.is_live_in(src, b));
                alias_checks += 1;
            }
        }
    }
    assert!(live_out_seen > 1000 && alias_checks > 100);
}

#[test]
fn liveness_of_a_loop_in_text() {
    // v1 is live around the loop; v2 only inside it; v0 until the exit.
    let func = parse_function(
        "function %sum(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 1
    jump block1(v0)
block1(v2: i32):
    v3 = i32.add v2, v1
    brif v3, block1(v3), block2
block2:
    return v0
}
",
    )
    .unwrap();
    let cfg = ControlFlowGraph::with_function(&func);
    let liveness = Liveness::with_function(&func, &cfg);
    let [b0, b1, b2] = [0, 1, 2].map(Block::new);
    let [v0, v1] = [0, 1].map(Value::new);
    assert!(liveness.live_in(b0).is_empty());
    assert_eq!(liveness.live_out(b0), &[v0, v1]);
    assert_eq!(liveness.live_in(b1), &[v0, v1]);
    assert_eq!(liveness.live_out(b1), &[v0, v1]);
    assert_eq!(liveness.live_in(b2), &[v0]);
    assert!(liveness.live_out(b2).is_empty());
}

// ------------------------------------------------------------ call graph

fn ir_func(text: &str) -> FuncBody {
    FuncBody::Ir(parse_function(text).unwrap())
}

/// A module: fn0 imported `(i32) -> i32`; fn1 exported, calls fn2 and
/// `call_indirect sig0`; fn2 tail-calls fn0; fn3 is only in an element
/// segment; fn4 is referenced by `ref.func` in fn2; fn5 has type sig1 and is
/// exported but never called; fn6 is dead; fn7 is called only from fn6.
fn sample_module() -> Module {
    let i32_i32 = Signature::new([Type::I32], [Type::I32]);
    let unit = Signature::new([Type::I64], []);
    let mut module = Module {
        types: vec![Some(i32_i32.clone()), Some(unit.clone())],
        imported_funcs: vec![ImportedFunc { module: "env".into(), field: "h".into(), type_index: 0 }],
        exports: vec![
            Export { name: "main".into(), kind: ExportKind::Func, index: 1 },
            Export { name: "other".into(), kind: ExportKind::Func, index: 5 },
            Export { name: "mem".into(), kind: ExportKind::Memory, index: 6 },
        ],
        elem_funcs: vec![FuncRef::from_u32(3)],
        ..Module::default()
    };
    let bodies = [
        (
            0,
            ir_func(
                "function %main(i32) -> i32 {
    sig0 = (i32) -> i32
    fn2 = (i32) -> i32
    table0 = table funcref min=4

block0(v0: i32):
    v1 = call fn2(v0)
    v2 = call_indirect sig0 table0 v1(v0)
    return v2
}
",
            ),
        ),
        (
            0,
            ir_func(
                "function %two(i32) -> i32 {
    fn0 = (i32) -> i32
    fn4 = (i32) -> i32

block0(v0: i32):
    v1 = ref.func fn4
    return_call fn0(v0)
}
",
            ),
        ),
        (0, ir_func("function %elem(i32) -> i32 {\nblock0(v0: i32):\n    return v0\n}\n")),
        (0, ir_func("function %reffed(i32) -> i32 {\nblock0(v0: i32):\n    return v0\n}\n")),
        (1, ir_func("function %other(i64) {\nblock0(v0: i64):\n    return\n}\n")),
        (
            1,
            ir_func(
                "function %dead(i64) {
    fn7 = (i64)

block0(v0: i64):
    call fn7(v0)
    return
}
",
            ),
        ),
        (1, ir_func("function %deadcallee(i64) {\nblock0(v0: i64):\n    return\n}\n")),
    ];
    for (i, (ty, body)) in bodies.into_iter().enumerate() {
        module.funcs.push(DefinedFunc {
            index: FuncRef::from_u32(i as u32 + 1),
            type_index: ty,
            body,
            original_range: 0..0,
        });
    }
    module
}

fn frefs(xs: &[u32]) -> Vec<FuncRef> {
    xs.iter().map(|&x| FuncRef::from_u32(x)).collect()
}

#[test]
fn call_graph_edges_roots_and_reachability() {
    let module = sample_module();
    let cg = CallGraph::with_module(&module);
    assert!(cg.is_valid());
    assert_eq!(cg.num_funcs(), 8);
    assert_eq!(cg.roots(), frefs(&[1, 3, 5]).as_slice());
    // Indirect targets: element segment, ref.func, exports, imports.
    assert_eq!(cg.indirect_targets(), frefs(&[0, 1, 3, 4, 5]).as_slice());
    // call_indirect sig0 reaches every (i32) -> i32 indirect target, not fn5.
    assert_eq!(cg.callees(FuncRef::from_u32(1)), frefs(&[0, 1, 2, 3, 4]));
    assert_eq!(
        cg.call_edges(FuncRef::from_u32(1)),
        vec![
            (FuncRef::from_u32(0), CallKind::Indirect),
            (FuncRef::from_u32(1), CallKind::Indirect),
            (FuncRef::from_u32(2), CallKind::Direct),
            (FuncRef::from_u32(3), CallKind::Indirect),
            (FuncRef::from_u32(4), CallKind::Indirect),
        ]
    );
    assert_eq!(
        cg.call_edges(FuncRef::from_u32(2)),
        vec![(FuncRef::from_u32(0), CallKind::Tail), (FuncRef::from_u32(4), CallKind::Ref)]
    );
    assert_eq!(cg.callers(FuncRef::from_u32(0)), frefs(&[1, 2]));
    assert_eq!(cg.callers(FuncRef::from_u32(7)), frefs(&[6]));
    let reachable: Vec<FuncRef> = cg.reachable().into_iter().collect();
    assert_eq!(reachable, frefs(&[0, 1, 2, 3, 4, 5]));
    assert!(cg.is_recursive(FuncRef::from_u32(1)), "fn1 may call itself through the table");
    assert!(!cg.is_recursive(FuncRef::from_u32(2)));
    // Out-of-range queries are empty, not panics.
    assert!(cg.callees(FuncRef::from_u32(99)).is_empty() && cg.callers(FuncRef::from_u32(99)).is_empty());
    // SCCs partition the functions.
    let mut all: Vec<FuncRef> = cg.sccs().into_iter().flatten().collect();
    all.sort();
    assert_eq!(all, frefs(&[0, 1, 2, 3, 4, 5, 6, 7]));
}

#[test]
fn call_graph_start_and_opaque_bodies() {
    let mut module = sample_module();
    module.start = Some(FuncRef::from_u32(6));
    let cg = CallGraph::with_module(&module);
    assert_eq!(cg.roots(), frefs(&[1, 3, 5, 6]).as_slice());
    assert_eq!(cg.reachable().len(), 8, "the start function makes fn6 and fn7 reachable");

    // An opaque body may call anything: everything is reachable through it,
    // and every function becomes an indirect target.
    let mut module = sample_module();
    module.funcs[4].body = FuncBody::Opaque { reason: "test".into() };
    let cg = CallGraph::with_module(&module);
    assert_eq!(cg.reachable().len(), 8);
    assert_eq!(cg.indirect_targets().len(), 8);
    assert!(cg.call_edges(FuncRef::from_u32(5)).iter().all(|(_, k)| *k == CallKind::Opaque));
    // fn1's call_indirect now also reaches fn6? No: fn6 has type sig1.
    assert!(!cg.callees(FuncRef::from_u32(1)).contains(&FuncRef::from_u32(6)));

    // An unreachable opaque body makes nothing reachable.
    let mut module = sample_module();
    module.funcs[5].body = FuncBody::Opaque { reason: "test".into() };
    let cg = CallGraph::with_module(&module);
    assert_eq!(cg.reachable().into_iter().collect::<Vec<_>>(), frefs(&[0, 1, 2, 3, 4, 5]));

    let mut cleared = cg.clone();
    cleared.clear();
    assert!(!cleared.is_valid() && cleared.num_funcs() == 0);
}

#[test]
fn value_dominates_use_follows_definitions() {
    let func = parse_function(
        "function %d(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2
block1:
    v1 = i32.const 1
    v2 = i32.add v1, v0
    jump block3(v2)
block2:
    jump block3(v0)
block3(v3: i32):
    return v3
}
",
    )
    .unwrap();
    let cfg = ControlFlowGraph::with_function(&func);
    let domtree = DominatorTree::with_function(&func, &cfg);
    let [i0, i1, i2, i3, i4, i5] = [0, 1, 2, 3, 4, 5].map(Inst::new);
    let [v0, v1, v2, v3] = [0, 1, 2, 3].map(Value::new);
    // Parameters dominate their block and everything it dominates.
    assert!(domtree.value_dominates_use(&func, v0, i0) && domtree.value_dominates_use(&func, v0, i5));
    // A result dominates later instructions of its block, not itself or
    // earlier ones, and not a sibling branch.
    assert!(domtree.value_dominates_use(&func, v1, i2) && domtree.value_dominates_use(&func, v2, i3));
    assert!(!domtree.value_dominates_use(&func, v1, i1) && !domtree.value_dominates_use(&func, v2, i2));
    assert!(!domtree.value_dominates_use(&func, v2, i4) && !domtree.value_dominates_use(&func, v2, i5));
    assert!(domtree.value_dominates_use(&func, v3, i5) && !domtree.value_dominates_use(&func, v3, i3));
    // Out-of-range values are not defined anywhere.
    assert!(!domtree.value_dominates_use(&func, Value::new(50), i5));
}

//! Finding a chain of tests of one SSA value and computing what it means.
//!
//! A *test* is a block ending in `brif c` where `c` is a predicate of the
//! selector `v` that [`predicate`] understands; its meaning is the set of
//! values of `v` for which `c != 0`. A *chain* starts at a head block (which
//! may hold anything before its terminator) and follows, from each test, the
//! edge to a block that is itself a test of the same `v` and that holds
//! nothing but pure instructions. The other edge of each test is its *exit*
//! (the case arm); the continuing edge of the last test is the chain's
//! *default*.
//!
//! A later test block may have predecessors besides the previous test: the
//! exits of *arms* (blocks dominated by an earlier test's exit block, whose
//! only predecessor is that test). This is the sequential-`if` shape: the
//! arm of `v == K` rejoins before the next test. Such an arm is reached only
//! with `v` in the set of values that reach its test's exit (through the
//! tests before it, or through earlier arms that rejoined), and `v` is one
//! SSA value, so the remaining tests have a fixed outcome for it — when they
//! do not (a later test matches some of those values but not all), the
//! chain is cut before that test.

use weft_ir::{Block, ControlFlowGraph, DominatorTree, Function, Inst, InstructionData, Opcode, Type, Value, ValueDef};

use crate::analysis::interval_set::{IntervalSet, max_value};

/// Recursion limit of the predicate and affine-term analyses.
const MAX_DEPTH: u32 = 16;

/// A branch target: a block and the (alias-resolved) arguments passed to
/// it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Target {
    /// The target block.
    pub block: Block,
    /// Its arguments.
    pub args: Vec<Value>,
}

/// One test of a chain.
#[derive(Clone, Debug)]
pub(crate) struct Test {
    /// The block ending in the test's `brif`.
    pub block: Block,
    /// The selector values that take [`Test::exit`].
    pub case: IntervalSet,
    /// The case edge.
    pub exit: Target,
    /// The edge to the next test (for the last test: the chain's default).
    pub cont: Target,
    /// The instructions of the test's condition (for the size estimate).
    pub cond_insts: Vec<Inst>,
}

/// Where the rest of a chain sends a set of selector values.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// The exit of test `i`.
    Exit(usize),
    /// The chain's default edge.
    Default,
}

/// An arm's branch back into the chain, and where it must go instead.
#[derive(Clone, Debug)]
pub(crate) struct Redirect {
    /// The block whose terminator branches into the chain.
    pub pred: Block,
    /// The chain block it branches to.
    pub from: Block,
    /// Where the selector values that can reach `pred` end up.
    pub to: Outcome,
}

/// A recovered chain, validated and ready to be costed and rewritten.
#[derive(Clone, Debug)]
pub(crate) struct Chain {
    /// The value every test looks at.
    pub selector: Value,
    /// Its type (`i32` or `i64`).
    pub ty: Type,
    /// The tests, in chain order; `tests[0].block` is the head.
    pub tests: Vec<Test>,
    /// Arms' branches into the chain.
    pub redirects: Vec<Redirect>,
    /// Parameters of single-predecessor test blocks and the value each
    /// receives (the test blocks are removed; their parameters become
    /// aliases).
    pub aliases: Vec<(Value, Value)>,
    /// Condition instructions that sit in the head block: candidates for
    /// removal once the head's `brif` is replaced.
    pub head_cond_insts: Vec<Inst>,
}

impl Chain {
    /// The head block.
    pub fn head(&self) -> Block {
        self.tests[0].block
    }

    /// The default edge: the continuing edge of the last test.
    pub fn default(&self) -> &Target {
        &self.tests[self.tests.len() - 1].cont
    }

    /// Bit width of the selector.
    pub fn width(&self) -> u32 {
        if self.ty == Type::I64 { 64 } else { 32 }
    }

    /// For each test, the selector values the chain sends to its exit (the
    /// first test that matches wins).
    pub fn matched_sets(&self) -> Vec<IntervalSet> {
        let mut rest = IntervalSet::full(self.width());
        let mut out = Vec::with_capacity(self.tests.len());
        for t in &self.tests {
            out.push(rest.intersect(&t.case));
            rest = rest.subtract(&t.case);
        }
        out
    }

    /// For each test, every selector value that can reach its exit — not
    /// only those the chain sends there first (see [`Chain::matched_sets`]):
    /// in sequential ifs, an arm rejoins the chain with its values, and a
    /// later test may match them again. `joins[j]` lists the arms (by test
    /// index) that rejoin at test `j`.
    fn reach_sets(&self, joins: &[Vec<(Block, usize)>]) -> Vec<IntervalSet> {
        let n = self.tests.len();
        let width = self.width();
        let mut reaching = vec![IntervalSet::empty(width); n];
        reaching[0] = IntervalSet::full(width);
        let mut out: Vec<IntervalSet> = Vec::with_capacity(n);
        for (i, t) in self.tests.iter().enumerate() {
            let here = reaching[i].clone();
            out.push(here.intersect(&t.case));
            if i + 1 < n {
                reaching[i + 1] = reaching[i + 1].union(&here.subtract(&t.case));
            }
            for (j, arms) in joins.iter().enumerate().take(n).skip(i + 1) {
                if arms.iter().any(|&(_, k)| k == i) {
                    reaching[j] = reaching[j].union(&out[i]);
                }
            }
        }
        out
    }

    /// Where tests `from..` send every value of `values`, or the index of
    /// the first test that matches some of them but not all.
    fn outcome_from(&self, from: usize, values: &IntervalSet) -> Result<Outcome, usize> {
        if values.is_empty() {
            return Ok(Outcome::Default);
        }
        for (i, t) in self.tests.iter().enumerate().skip(from) {
            if values.intersect(&t.case).is_empty() {
                continue;
            }
            return if values.is_subset(&t.case) { Ok(Outcome::Exit(i)) } else { Err(i) };
        }
        Ok(Outcome::Default)
    }
}

/// A test block being considered, before its direction is known.
struct Candidate {
    block: Block,
    then_set: IntervalSet,
    then_edge: Target,
    else_edge: Target,
    cond_insts: Vec<Inst>,
}

fn edge(func: &Function, call: &weft_ir::BlockCall) -> Target {
    Target {
        block: call.block,
        args: func.dfg.block_call_args(call).iter().map(|&v| func.dfg.resolve_aliases(v)).collect(),
    }
}

/// Reads a test block: its terminator must be a `brif` on a predicate of
/// `selector` (inferred when `None`) with two different target blocks.
fn read_test(func: &Function, cfg: &ControlFlowGraph, block: Block, selector: &mut Option<Value>) -> Option<Candidate> {
    let term = func.terminator(block)?;
    let InstructionData::Brif { cond, then_dest, else_dest } = &func.dfg.insts[term] else { return None };
    if then_dest.block == else_dest.block {
        return None;
    }
    let mut sel = *selector;
    let mut cond_insts = Vec::new();
    let then_set = predicate(func, cfg, *cond, &mut sel, &mut cond_insts, 0)?;
    let sel_value = sel?;
    if !matches!(func.dfg.value_type(sel_value), Type::I32 | Type::I64) {
        return None;
    }
    *selector = Some(sel_value);
    Some(Candidate { block, then_set, then_edge: edge(func, then_dest), else_edge: edge(func, else_dest), cond_insts })
}

/// The analyses a chain search needs.
pub(crate) struct Analyses<'a> {
    /// The CFG of the function.
    pub cfg: &'a ControlFlowGraph,
    /// Its dominator tree.
    pub domtree: &'a DominatorTree,
}

/// The exit block of a test if it is an *arm*: its only predecessor edge
/// comes from the test.
fn arm_block(func: &Function, an: &Analyses<'_>, test: Block, exit: Block) -> Option<Block> {
    let preds = an.cfg.preds(exit);
    let from_test = preds.len() == 1 && preds[0].block == test;
    (from_test && exit != test && Some(exit) != func.layout.entry_block()).then_some(exit)
}

/// Finds the longest valid chain starting at `head`, or `None` if there is
/// no chain of at least `min_tests` tests there.
pub(crate) fn find_chain(func: &Function, an: &Analyses<'_>, head: Block, min_tests: usize) -> Option<Chain> {
    if !an.domtree.is_reachable(head) {
        return None;
    }
    let mut selector = None;
    let first = read_test(func, an.cfg, head, &mut selector)?;
    let selector = selector?;
    let ty = func.dfg.value_type(selector);

    let mut tests: Vec<Test> = Vec::new();
    // Arms of the tests so far (None when the exit is not an arm).
    let mut arms: Vec<Option<Block>> = Vec::new();
    // Other predecessors of each later test block: (pred block, arm index).
    let mut joins: Vec<Vec<(Block, usize)>> = vec![Vec::new()];
    let mut aliases: Vec<(Value, Value)> = Vec::new();
    let mut cur = first;
    loop {
        let mut next = None;
        for take_else in [true, false] {
            let (cont, exit) =
                if take_else { (&cur.else_edge, &cur.then_edge) } else { (&cur.then_edge, &cur.else_edge) };
            let exit_arm = arm_block(func, an, cur.block, exit.block);
            let mut all_arms = arms.clone();
            all_arms.push(exit_arm);
            let in_chain = |b: Block| b == head || tests.iter().any(|t| t.block == b) || b == cur.block;
            if in_chain(cont.block) {
                continue;
            }
            if let Some((cand, cand_joins, cand_aliases)) =
                next_test(func, an, selector, &cur, cont, &all_arms, in_chain(exit.block))
            {
                next = Some((take_else, exit_arm, cand, cand_joins, cand_aliases));
                break;
            }
        }
        let Some((take_else, exit_arm, cand, cand_joins, cand_aliases)) = next else { break };
        let (case, exit, cont) = if take_else {
            (cur.then_set.clone(), cur.then_edge.clone(), cur.else_edge.clone())
        } else {
            (cur.then_set.complement(), cur.else_edge.clone(), cur.then_edge.clone())
        };
        tests.push(Test { block: cur.block, case, exit, cont, cond_insts: cur.cond_insts });
        arms.push(exit_arm);
        joins.push(cand_joins);
        aliases.extend(cand_aliases);
        cur = cand;
    }
    tests.push(Test {
        block: cur.block,
        case: cur.then_set,
        exit: cur.then_edge,
        cont: cur.else_edge,
        cond_insts: cur.cond_insts,
    });

    // The head's condition instructions that live in the head.
    let head_cond_insts: Vec<Inst> =
        tests[0].cond_insts.iter().copied().filter(|&i| func.layout.inst_block(i) == Some(head)).collect();
    let mut chain = Chain { selector, ty, tests, redirects: Vec::new(), aliases, head_cond_insts };

    // Validate the joins: an arm that rejoins the chain continues where the
    // remaining tests send all of its values. Where a test would split them,
    // the chain is cut before that test (which becomes the default), and
    // the joins are checked again.
    loop {
        if chain.tests.len() < min_tests.max(2) {
            return None;
        }
        let reach = chain.reach_sets(&joins);
        let mut redirects = Vec::new();
        let mut cut: Option<usize> = None;
        for (j, test) in chain.tests.iter().enumerate().skip(1) {
            for &(pred, k) in &joins[j] {
                match chain.outcome_from(j, &reach[k]) {
                    Ok(to) => redirects.push(Redirect { pred, from: test.block, to }),
                    Err(t) => cut = Some(cut.map_or(t, |c| c.min(t))),
                }
            }
        }
        let Some(t) = cut else {
            chain.redirects = redirects;
            break;
        };
        let removed: Vec<Block> = chain.tests[t..].iter().map(|t| t.block).collect();
        chain.tests.truncate(t);
        joins.truncate(t);
        chain.aliases.retain(|(p, _)| match func.dfg.value_def(*p) {
            ValueDef::Param(b, _) => !removed.contains(&b),
            _ => false,
        });
    }
    Some(chain)
}

type NextTest = (Candidate, Vec<(Block, usize)>, Vec<(Value, Value)>);

/// Can `cont.block` be the next test after `cur`? `arms[k]` is the arm of
/// test `k` (the last entry is `cur`'s arm in this direction).
fn next_test(
    func: &Function,
    an: &Analyses<'_>,
    selector: Value,
    cur: &Candidate,
    cont: &Target,
    arms: &[Option<Block>],
    exit_in_chain: bool,
) -> Option<NextTest> {
    let block = cont.block;
    if exit_in_chain || !func.layout.is_block_inserted(block) || Some(block) == func.layout.entry_block() {
        return None;
    }
    // Only pure instructions before the terminator: they can be hoisted
    // into the head, where they are evaluated on every path.
    let term = func.terminator(block)?;
    for inst in func.layout.block_insts(block) {
        if inst != term
            && !matches!(&func.dfg.insts[inst], InstructionData::Op { opcode, .. } if opcode.effects().is_pure())
        {
            return None;
        }
    }
    let mut sel = Some(selector);
    let cand = read_test(func, an.cfg, block, &mut sel)?;
    let params = func.dfg.block_params(block);
    let preds = an.cfg.preds(block);
    let mut joins = Vec::new();
    let mut aliases = Vec::new();
    if preds.len() == 1 {
        // Reached only from `cur`: its parameters are the edge's arguments.
        if preds[0].block != cur.block || params.len() != cont.args.len() {
            return None;
        }
        for (&p, &a) in params.iter().zip(&cont.args) {
            if a == p || func.dfg.value_type(a) != func.dfg.value_type(p) || !func.dfg.value_is_valid(a) {
                return None;
            }
            aliases.push((p, a));
        }
    } else {
        // A join of `cur` and arms: the values flowing in would differ by
        // path, so only parameterless joins are recovered.
        if !params.is_empty() {
            return None;
        }
        for p in preds {
            if p.block == cur.block {
                continue;
            }
            let k = arms.iter().position(|a| a.is_some_and(|a| an.domtree.dominates(a, p.block)))?;
            joins.push((p.block, k));
        }
    }
    Some((cand, joins, aliases))
}

// ------------------------------------------------------------ predicates

fn op_of(func: &Function, v: Value) -> Option<(Inst, Opcode)> {
    let inst = func.dfg.value_inst(v)?;
    match &func.dfg.insts[inst] {
        InstructionData::Op { opcode, .. } => Some((inst, *opcode)),
        _ => None,
    }
}

/// Is `v` always 0 or 1?
fn is_boolean(func: &Function, v: Value, depth: u32) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    let Some((inst, op)) = op_of(func, v) else { return false };
    match op {
        _ if op.is_boolean() => true,
        Opcode::I32And | Opcode::I32Or | Opcode::I32Xor => {
            func.dfg.inst_args(inst).iter().all(|&a| is_boolean(func, a, depth + 1))
        }
        _ => false,
    }
}

/// The integer constant `v` holds, as a `width`-bit pattern.
fn constant(func: &Function, v: Value, width: u32, visited: &mut Vec<Inst>) -> Option<u64> {
    let k = func.dfg.int_const(v)?;
    visited.extend(func.dfg.value_inst(v));
    Some((k as u64) & max_value(width))
}

fn width_of(ty: Type) -> Option<u32> {
    match ty {
        Type::I32 => Some(32),
        Type::I64 => Some(64),
        _ => None,
    }
}

/// `x` as `base + offset` (mod 2^width), looking through additions and
/// subtractions of constants.
fn affine(func: &Function, cfg: &ControlFlowGraph, x: Value, visited: &mut Vec<Inst>) -> (Value, u64) {
    let mut x = look_through(func, cfg, x);
    let Some(width) = width_of(func.dfg.value_type(x)) else { return (x, 0) };
    let mask = max_value(width);
    let mut offset = 0u64;
    for _ in 0..MAX_DEPTH {
        let Some((inst, op)) = op_of(func, x) else { break };
        let args = func.dfg.inst_args(inst);
        let (next, delta) = match (op, args) {
            (Opcode::I32Add | Opcode::I64Add, &[a, b]) => {
                if let Some(k) = constant(func, b, width, visited) {
                    (a, k)
                } else if let Some(k) = constant(func, a, width, visited) {
                    (b, k)
                } else {
                    break;
                }
            }
            (Opcode::I32Sub | Opcode::I64Sub, &[a, b]) => match constant(func, b, width, visited) {
                Some(k) => (a, k.wrapping_neg() & mask),
                None => break,
            },
            _ => break,
        };
        visited.push(inst);
        offset = offset.wrapping_add(delta) & mask;
        x = look_through(func, cfg, next);
    }
    (x, offset)
}

/// `v`, or — when `v` is a parameter of a block with a single incoming
/// edge — the argument that edge passes (repeatedly): the same value on
/// every execution.
fn look_through(func: &Function, cfg: &ControlFlowGraph, v: Value) -> Value {
    let mut v = func.dfg.resolve_aliases(v);
    for _ in 0..MAX_DEPTH {
        let ValueDef::Param(block, num) = func.dfg.value_def(v) else { break };
        let preds = cfg.preds(block);
        let [pred] = preds else { break };
        let mut edges = func.dfg.branch_destinations(pred.inst).filter(|call| call.block == block);
        let (Some(call), None) = (edges.next(), edges.next()) else { break };
        let Some(&arg) = func.dfg.block_call_args(call).get(num) else { break };
        let arg = func.dfg.resolve_aliases(arg);
        if arg == v {
            break;
        }
        v = arg;
    }
    v
}

/// Binds the selector to `base` (or checks that it is the one bound).
fn bind(selector: &mut Option<Value>, base: Value) -> bool {
    match selector {
        Some(s) => *s == base,
        None => {
            *selector = Some(base);
            true
        }
    }
}

/// The set of selector values for which the i32 value `c` is non-zero, if
/// `c` is a predicate of one selector this analysis understands:
/// comparisons of `v + k` with a constant, `eqz`, `and`/`or` of 0/1
/// predicates, `xor` of a 0/1 predicate with 1, and `v + k` itself (`!= 0`).
/// Binds `selector` when it is `None`. Every instruction looked at is
/// pushed on `visited`.
pub(crate) fn predicate(
    func: &Function,
    cfg: &ControlFlowGraph,
    c: Value,
    selector: &mut Option<Value>,
    visited: &mut Vec<Inst>,
    depth: u32,
) -> Option<IntervalSet> {
    if depth > MAX_DEPTH {
        return None;
    }
    let c = look_through(func, cfg, c);
    if let Some((inst, op)) = op_of(func, c) {
        let args = func.dfg.inst_args(inst).to_vec();
        if op.is_int_compare() {
            let &[a, b] = args.as_slice() else { return None };
            let width = width_of(func.dfg.value_type(a))?;
            let mut local = Vec::new();
            let (x, k, op) = if let Some(k) = constant(func, b, width, &mut local) {
                (a, k, op)
            } else if let Some(k) = constant(func, a, width, &mut local) {
                (b, k, op.swapped_compare()?)
            } else {
                return None;
            };
            if func.dfg.int_const(x).is_some() {
                return None;
            }
            let (base, offset) = affine(func, cfg, x, &mut local);
            if !bind(selector, base) {
                return None;
            }
            visited.push(inst);
            visited.extend(local);
            return Some(IntervalSet::satisfying(op, &IntervalSet::single(width, k))?.shift_down(offset));
        }
        match (op, args.as_slice()) {
            (Opcode::I32Eqz, &[a]) => {
                let mut local = Vec::new();
                let inner = predicate(func, cfg, a, selector, &mut local, depth + 1)?;
                visited.push(inst);
                visited.extend(local);
                return Some(inner.complement());
            }
            (Opcode::I64Eqz, &[a]) => {
                let mut local = Vec::new();
                let (base, offset) = affine(func, cfg, a, &mut local);
                if func.dfg.int_const(base).is_some() || !bind(selector, base) {
                    return None;
                }
                visited.push(inst);
                visited.extend(local);
                return Some(IntervalSet::single(64, 0).shift_down(offset));
            }
            (Opcode::I32Or, &[a, b]) => {
                let sa = predicate(func, cfg, a, selector, visited, depth + 1)?;
                let sb = predicate(func, cfg, b, selector, visited, depth + 1)?;
                visited.push(inst);
                return Some(sa.union(&sb));
            }
            (Opcode::I32And, &[a, b]) if is_boolean(func, a, 0) && is_boolean(func, b, 0) => {
                let sa = predicate(func, cfg, a, selector, visited, depth + 1)?;
                let sb = predicate(func, cfg, b, selector, visited, depth + 1)?;
                visited.push(inst);
                return Some(sa.intersect(&sb));
            }
            (Opcode::I32Xor, &[a, b]) => {
                let mut scratch = Vec::new();
                let (p, one) = if constant(func, b, 32, &mut scratch) == Some(1) {
                    (a, b)
                } else if constant(func, a, 32, &mut scratch) == Some(1) {
                    (b, a)
                } else {
                    (a, b)
                };
                if func.dfg.int_const(one) == Some(1) && is_boolean(func, p, 0) {
                    let inner = predicate(func, cfg, p, selector, visited, depth + 1)?;
                    visited.push(inst);
                    visited.extend(scratch);
                    return Some(inner.complement());
                }
            }
            _ => {}
        }
    }
    // Any other i32 value: the test is `base + offset != 0`.
    if func.dfg.value_type(c) != Type::I32 || func.dfg.int_const(c).is_some() {
        return None;
    }
    let mut local = Vec::new();
    let (base, offset) = affine(func, cfg, c, &mut local);
    if !bind(selector, base) {
        return None;
    }
    visited.extend(local);
    Some(IntervalSet::single(32, 0).complement().shift_down(offset))
}

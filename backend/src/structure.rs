//! Structured control flow from the CFG, by the dominator-tree method of
//! Norman Ramsey, "Beyond Relooper: Recursive Translation of Unstructured
//! Control Flow to Structured Control Flow" (ICFP 2022).
//!
//! `do_tree(x)` translates the dominator subtree rooted at `x`. The children
//! of `x` that are *merge nodes* (two or more forward in-edges) each get a
//! `block`, nested so that the child latest in reverse postorder is
//! outermost; the code of `x` sits innermost and each merge child's subtree
//! follows the `end` of its `block`. If `x` is a loop header, all of that is
//! wrapped in a `loop`. A branch from `x` to `y` is then
//!
//! * `br` to `y`'s `loop` for a back edge,
//! * `br` out of `y`'s `block` for a forward edge to a merge node,
//! * `y`'s subtree placed right there otherwise (`y`'s only forward
//!   predecessor is `x`, so `x` is its immediate dominator).
//!
//! `brif` becomes `br_if` when one arm is a plain `br` (negating the
//! condition, or folding a stackified `i32.eqz`, as needed) and
//! `if`/`else` otherwise, with the arms in the IR's order (see [`IfOn`]). `br_table` branches directly to `block`/`loop`
//! labels for edges that copy nothing, and to *landing blocks* wrapped
//! around it for edges that copy arguments or enter an inlined subtree.
//!
//! The tree of [`Node`]s names labels, not depths; a cleanup pass then
//! removes branches to the code that follows anyway, `return` before the
//! function end, `block`s nobody branches to, and rewrites `if` shapes
//! (`if br end` → `br_if`, `else` arms after an arm that never falls
//! through are hoisted out). An `if` whose arm on a non-zero test is empty
//! and after which control reaches a label anyway leaves by `br_if` to that
//! label, followed by its other arm: two bytes instead of four, when the
//! label is branched to already. A chain of such `if`s, each the last node
//! of the previous one's other arm, gets a `block` of its own (three bytes)
//! to leave by:
//!
//! ```text
//! if {} else { A; if {} else { B } }   =>   block br_if 0 A br_if 0 B end
//! ```
//!
//! Depths are computed when encoding.

use crate::BackendError;
use crate::analysis::{BranchTarget, FuncInfo};
use crate::codegen::CodeGen;
use weft_ir::encode::write_u32_leb;
use weft_ir::{Block, InstructionData, Opcode};

/// A label: what a `br` targets.
pub(crate) type Label = u32;

/// Which value of an `if`'s pushed operand selects its first arm.
///
/// A `brif` on a stackified `i32.eqz` pushes the `eqz`'s operand instead,
/// and its `if` runs the first arm on [`IfOn::Zero`]. The arms keep the
/// IR's order, which is the order the source laid them out in: Cranelift
/// places an `if`'s first arm on the fall-through path, so swapping the arms
/// to save the `eqz` byte would turn the source's fall-through path into a
/// taken branch, which costs time on a hot `br_if` run. The cleanup
/// drops the `eqz` where a single-`br` arm becomes a `br_if` (the folded
/// `eqz` and `br_if`'s test then cancel out) or where the first arm is
/// empty; otherwise the encoding writes it back before the `if`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum IfOn {
    /// The first arm runs when the pushed value is non-zero.
    NonZero,
    /// The first arm runs when the pushed value is zero.
    Zero,
}

/// Structured code before depths are known.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Node {
    /// Straight-line code that falls through.
    Code(Vec<u8>),
    /// Straight-line code ending in a transfer that never falls through
    /// (`unreachable`, `return_call*`).
    Exit(Vec<u8>),
    /// `return` (its operands were pushed by the preceding code).
    Return,
    /// `block ... end` with an empty block type.
    Block(Label, Vec<Node>),
    /// `loop ... end` with an empty block type.
    Loop(Label, Vec<Node>),
    /// `if ... else ... end` (no `else` when the second arm is empty): the
    /// first arm runs when the pushed value is non-zero, or with
    /// [`IfOn::Zero`] (the pushed value is the operand of a folded
    /// `i32.eqz`) when it is zero.
    If(IfOn, Vec<Node>, Vec<Node>),
    /// `br`.
    Br(Label),
    /// `br_if`.
    BrIf(Label),
    /// `br_table` targets, then default.
    BrTable(Vec<Label>, Label),
}

/// Deepest `do_tree` recursion accepted (the caller runs on a large stack).
const MAX_DEPTH: usize = 100_000;

/// Builds the structured body of a function.
pub(crate) struct Structurizer<'a, 'b, 'f> {
    codegen: &'a CodeGen<'b, 'f>,
    next_pad: Label,
    depth: usize,
}

impl<'a, 'b, 'f> Structurizer<'a, 'b, 'f> {
    /// A structurizer over the code generator's function.
    pub(crate) fn new(codegen: &'a CodeGen<'b, 'f>) -> Self {
        let next_pad = 2 * codegen.info.func.dfg.num_blocks() as Label;
        Structurizer { codegen, next_pad, depth: 0 }
    }

    fn info(&self) -> &'a FuncInfo<'f> {
        self.codegen.info
    }

    fn block_label(block: Block) -> Label {
        2 * block.as_u32()
    }

    fn loop_label(block: Block) -> Label {
        2 * block.as_u32() + 1
    }

    /// The whole function body, simplified; with `prefer_size`, every `if`
    /// on an `eqz` operand then has its arms swapped to save the `eqz`.
    pub(crate) fn function_body(mut self, prefer_size: bool) -> Result<Vec<Node>, BackendError> {
        let entry = self.info().rpo[0];
        let mut body = self.do_tree(entry)?;
        let no_results = self.info().func.sig.results.is_empty();
        let mut cx = Cleanup { no_results, next_label: self.next_pad, refs: Vec::new() };
        simplify(&mut body, &mut cx);
        if prefer_size && swap_zero_ifs(&mut body) {
            simplify(&mut body, &mut cx);
        }
        close_body(&mut body, no_results);
        Ok(body)
    }

    fn do_tree(&mut self, x: Block) -> Result<Vec<Node>, BackendError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(BackendError::Malformed {
                func: self.info().func.name.clone(),
                location: x.to_string(),
                message: format!("control flow nested more than {MAX_DEPTH} deep"),
            });
        }
        let info = self.info();
        let mut merges: Vec<Block> = info.domtree.children(x).iter().copied().filter(|&c| info.merge[c]).collect();
        merges.sort_by_key(|&b| info.rpo_number(b));
        // Merge children outside the loop headed by `x` go after the loop.
        let (inside, outside): (Vec<Block>, Vec<Block>) = if info.loop_header[x] && !merges.is_empty() {
            let body = natural_loop(info, x);
            merges.into_iter().partition(|&y| body[y])
        } else {
            (merges, Vec::new())
        };
        // Innermost (earliest in reverse postorder) first.
        let mut cur = self.code_for(x)?;
        for y in inside {
            let mut wrapped = vec![Node::Block(Self::block_label(y), cur)];
            wrapped.extend(self.do_tree(y)?);
            cur = wrapped;
        }
        if info.loop_header[x] {
            cur = vec![Node::Loop(Self::loop_label(x), cur)];
        }
        for y in outside {
            let mut wrapped = vec![Node::Block(Self::block_label(y), cur)];
            wrapped.extend(self.do_tree(y)?);
            cur = wrapped;
        }
        self.depth -= 1;
        Ok(cur)
    }

    /// Is the edge `from -> to` a back edge?
    fn is_back(&self, from: Block, to: Block) -> bool {
        self.info().rpo_number(to) <= self.info().rpo_number(from)
    }

    /// The label a branch `from -> to` targets, if `to` has one.
    fn label_of(&self, from: Block, to: Block) -> Option<Label> {
        if self.is_back(from, to) {
            Some(Self::loop_label(to))
        } else if self.info().merge[to] {
            Some(Self::block_label(to))
        } else {
            None
        }
    }

    /// Can the edge be taken with a bare `br` (no copies, target labelled)?
    fn simple_label(&self, from: Block, edge: &BranchTarget) -> Option<Label> {
        let label = self.label_of(from, edge.to)?;
        self.codegen.edge_copies(edge).is_empty().then_some(label)
    }

    /// Control transfer from `from` to `to`, copies already done.
    fn branch_to(&mut self, from: Block, to: Block) -> Result<Vec<Node>, BackendError> {
        match self.label_of(from, to) {
            Some(l) => Ok(vec![Node::Br(l)]),
            None => self.do_tree(to),
        }
    }

    /// Copies for `edge`, then the transfer. Zero-local tracking (see
    /// [`CodeGen`]) covers the copies, not the code branched to.
    fn edge_code(&mut self, from: Block, edge: &BranchTarget) -> Result<Vec<Node>, BackendError> {
        let term = self.info().term[from].ok_or_else(|| self.no_term(from))?;
        let copies = self.codegen.edge_copies(edge);
        let mut out = Vec::new();
        if !copies.is_empty() {
            let mut bytes = Vec::new();
            self.codegen.emit_copies(term, &copies, &mut bytes)?;
            push_code(&mut out, bytes);
        }
        let fresh = self.codegen.take_fresh();
        let rest = self.branch_to(from, edge.to);
        self.codegen.restore_fresh(fresh);
        out.extend(rest?);
        Ok(out)
    }

    fn no_term(&self, block: Block) -> BackendError {
        BackendError::Malformed {
            func: self.info().func.name.clone(),
            location: block.to_string(),
            message: "has no terminator".into(),
        }
    }

    /// The code of block `x` and its terminator.
    fn code_for(&mut self, x: Block) -> Result<Vec<Node>, BackendError> {
        let info = self.info();
        let term = info.term[x].ok_or_else(|| self.no_term(x))?;
        let chunk = Vec::new();
        // Locals are zero on entry; the entry block runs once unless it
        // heads a loop.
        if x == info.rpo[0] && !info.loop_header[x] {
            self.codegen.begin_fresh();
        }
        let nodes = self.code_for_tracked(x, term, chunk);
        self.codegen.take_fresh();
        nodes
    }

    fn code_for_tracked(
        &mut self,
        x: Block,
        term: weft_ir::Inst,
        mut chunk: Vec<u8>,
    ) -> Result<Vec<Node>, BackendError> {
        let info = self.info();
        let func = info.func;
        self.codegen.emit_body(x, term, &mut chunk)?;
        let edges = &info.edges[x];
        let mut nodes = Vec::new();
        match &func.dfg.insts[term] {
            InstructionData::Jump { .. } => {
                self.codegen.emit_tree(term, &mut chunk)?;
                self.codegen.take_fresh();
                push_code(&mut nodes, chunk);
                nodes.extend(self.branch_to(x, edges[0].to)?);
            }
            InstructionData::Brif { .. } => {
                // The `if` arms in the order the pushed value selects them;
                // the cleanup turns single-branch arms into `br_if`.
                let on = if self.codegen.emit_cond(term, &mut chunk)? { IfOn::Zero } else { IfOn::NonZero };
                push_code(&mut nodes, chunk);
                let fresh = self.codegen.fresh.borrow().clone();
                let a = self.edge_code(x, &edges[0])?;
                self.codegen.restore_fresh(fresh);
                let b = self.edge_code(x, &edges[1])?;
                nodes.push(Node::If(on, a, b));
            }
            InstructionData::BrTable { .. } => {
                self.codegen.emit_operands(term, &mut chunk)?;
                nodes = self.br_table(x, chunk)?;
            }
            InstructionData::Op { opcode: Opcode::Return, .. } => {
                self.codegen.emit_operands(term, &mut chunk)?;
                push_code(&mut nodes, chunk);
                nodes.push(Node::Return);
            }
            InstructionData::Op { .. } => {
                // `trap`, `return_call`, `return_call_indirect`.
                self.codegen.emit_tree(term, &mut chunk)?;
                nodes.push(Node::Exit(chunk));
            }
        }
        Ok(nodes)
    }

    /// A `br_table` with landing blocks for edges that need code.
    fn br_table(&mut self, x: Block, chunk: Vec<u8>) -> Result<Vec<Node>, BackendError> {
        let info = self.info();
        let edges = &info.edges[x];
        // Distinct edges (target and arguments) in order of appearance.
        let mut keys: Vec<(Block, &[weft_ir::Value])> = Vec::new();
        let mut key_of = Vec::with_capacity(edges.len());
        for e in edges {
            let key = (e.to, e.args.as_slice());
            let k = keys.iter().position(|&k| k == key).unwrap_or_else(|| {
                keys.push(key);
                keys.len() - 1
            });
            key_of.push(k);
        }
        // A direct label, or a landing pad.
        let mut direct: Vec<Option<Label>> = Vec::with_capacity(keys.len());
        let mut pads: Vec<usize> = Vec::new();
        for (k, _) in keys.iter().enumerate() {
            let e = &edges[key_of.iter().position(|&x| x == k).unwrap_or(0)];
            let label = self.simple_label(x, e);
            if label.is_none() {
                pads.push(k);
            }
            direct.push(label);
        }
        // Inlined subtrees first, then labelled targets latest-first, so the
        // last pad (whose code ends the sequence) can fall into the
        // innermost merge block.
        pads.sort_by_key(|&k| {
            let to = keys[k].0;
            let rpo = info.rpo_number(to);
            match self.label_of(x, to) {
                None => (0, rpo),
                Some(_) => (1, u32::MAX - rpo),
            }
        });
        let mut label_of_key = direct.clone();
        let mut pad_labels = Vec::with_capacity(pads.len());
        for &k in &pads {
            let l = self.next_pad;
            self.next_pad += 1;
            label_of_key[k] = Some(l);
            pad_labels.push(l);
        }
        let lab = |i: usize| label_of_key[key_of[i]].unwrap_or(0);
        let targets: Vec<Label> = (1..edges.len()).map(lab).collect();
        let mut cur = Vec::new();
        push_code(&mut cur, chunk);
        cur.push(Node::BrTable(targets, lab(0)));
        let fresh = self.codegen.fresh.borrow().clone();
        for (&k, &l) in pads.iter().zip(&pad_labels) {
            let e = &edges[key_of.iter().position(|&x| x == k).unwrap_or(0)];
            let mut wrapped = vec![Node::Block(l, cur)];
            self.codegen.restore_fresh(fresh.clone());
            wrapped.extend(self.edge_code(x, e)?);
            cur = wrapped;
        }
        Ok(cur)
    }
}

/// The natural loop of header `x`: `x` and every block that reaches one of
/// its back edges without passing through `x`.
fn natural_loop(info: &FuncInfo<'_>, x: Block) -> cranelift_entity::SecondaryMap<Block, bool> {
    let mut body: cranelift_entity::SecondaryMap<Block, bool> = cranelift_entity::SecondaryMap::new();
    body[x] = true;
    let mut work: Vec<Block> =
        info.preds[x].iter().copied().filter(|&p| info.rpo_number(p) >= info.rpo_number(x)).collect();
    while let Some(b) = work.pop() {
        if body[b] {
            continue;
        }
        body[b] = true;
        work.extend(info.preds[b].iter().copied().filter(|&p| !body[p]));
    }
    body
}

fn push_code(nodes: &mut Vec<Node>, chunk: Vec<u8>) {
    if !chunk.is_empty() {
        nodes.push(Node::Code(chunk));
    }
}

// ------------------------------------------------------------- cleanup

/// What falling off the end of a sequence is equivalent to.
#[derive(Copy, Clone)]
struct Cont<'a> {
    /// Labels a `br` to which does nothing here (linked list outwards).
    labels: Option<&'a ContLabel<'a>>,
    /// Falling off reaches the end of the function.
    func_end: bool,
}

struct ContLabel<'a> {
    label: Label,
    next: Option<&'a ContLabel<'a>>,
}

impl Cont<'_> {
    fn has(&self, l: Label) -> bool {
        let mut cur = self.labels;
        while let Some(c) = cur {
            if c.label == l {
                return true;
            }
            cur = c.next;
        }
        false
    }
}

/// Does control never fall off the end of `seq`?
fn ends_in_transfer(seq: &[Node]) -> bool {
    match seq.last() {
        Some(Node::Br(_) | Node::BrTable(..) | Node::Return | Node::Exit(_)) => true,
        Some(Node::Loop(_, body)) => ends_in_transfer(body),
        Some(Node::If(_, t, e)) => !e.is_empty() && ends_in_transfer(t) && ends_in_transfer(e),
        _ => false,
    }
}

/// What the cleanup needs besides the tree.
struct Cleanup {
    /// The function returns nothing (a nested `return` may become falling
    /// off the end).
    no_results: bool,
    /// The next label no node uses yet (for the `block`s the cleanup adds).
    next_label: Label,
    /// Branches to each label, counted at the start of each round and
    /// raised for each `br_if` the round adds.
    refs: Vec<u32>,
}

impl Cleanup {
    fn used(&self, l: Label) -> bool {
        self.refs.get(l as usize).is_some_and(|&n| n > 0)
    }

    /// Counts `n` more branches to `l`.
    fn bump(&mut self, l: Label, n: u32) {
        if self.refs.len() <= l as usize {
            self.refs.resize(l as usize + 1, 0);
        }
        self.refs[l as usize] += n;
    }

    /// Forgets `k` removed (or renamed) branches to `l`.
    fn forget_label(&mut self, l: Label, k: u32) {
        if let Some(n) = self.refs.get_mut(l as usize) {
            *n = n.saturating_sub(k);
        }
    }

    /// Forgets removed branches, counted per label as [`count_refs`] does.
    fn forget(&mut self, gone: &[u32]) {
        for (n, &k) in self.refs.iter_mut().zip(gone) {
            *n = n.saturating_sub(k);
        }
    }
}

/// Cleans up the tree to a fixed point; see the module docs.
fn simplify(body: &mut Vec<Node>, cx: &mut Cleanup) {
    for _ in 0..32 {
        let top = Cont { labels: None, func_end: true };
        cx.refs.clear();
        count_refs(body, &mut cx.refs);
        let mut changed = simplify_seq(body, top, cx);
        let mut refs = Vec::new();
        count_refs(body, &mut refs);
        changed |= splice_unused(body, &refs);
        if !changed {
            break;
        }
    }
}

/// Ends a simplified function body: a trailing `return` becomes falling
/// off the end, and a body whose end control cannot reach but the validator
/// types gets an `unreachable`. Run once, last.
fn close_body(body: &mut Vec<Node>, no_results: bool) {
    match body.last() {
        // Falling off the end returns what is on the stack.
        Some(Node::Return) => {
            body.pop();
        }
        Some(Node::Br(_) | Node::BrTable(..) | Node::Exit(_)) => {}
        // After a `block`, `loop` or `if` the validator needs the results on
        // the stack even when control never gets there: say it cannot.
        _ if !no_results => body.push(Node::Exit(vec![0x00])),
        _ => {}
    }
}

fn simplify_seq(seq: &mut Vec<Node>, cont: Cont<'_>, cx: &mut Cleanup) -> bool {
    let no_results = cx.no_results;
    let mut changed = false;
    // Nothing after an unconditional transfer runs: the only way into the
    // middle of a sequence is the end of a `block`, entered by falling in.
    if let Some(i) =
        seq.iter().position(|n| matches!(n, Node::Br(_) | Node::BrTable(..) | Node::Return | Node::Exit(_)))
        && i + 1 < seq.len()
    {
        let mut gone = Vec::new();
        count_refs(&seq[i + 1..], &mut gone);
        cx.forget(&gone);
        seq.truncate(i + 1);
        changed = true;
    }
    // Branches to where control goes anyway.
    loop {
        match seq.last() {
            Some(Node::Br(l)) if cont.has(*l) => {}
            // Only where falling off needs no values: a nested `return`.
            Some(Node::Return) if cont.func_end && no_results => {}
            _ => break,
        }
        if let Some(Node::Br(l)) = seq.pop() {
            cx.forget_label(l, 1);
        }
        changed = true;
    }
    // A branch to a `block` whose end is followed by `br m` (or falls to
    // the end of an enclosing `block m`) may as well branch to `m`; the
    // `block` is then unused and goes away.
    let n = seq.len();
    for i in 0..n {
        let target = match seq.get(i + 1) {
            Some(Node::Br(m)) => Some(*m),
            None => cont.labels.map(|c| c.label),
            Some(_) => None,
        };
        if let (Some(m), Node::Block(l, body)) = (target, &mut seq[i])
            && *l != m
        {
            let moved = rename_label(body, *l, m);
            cx.bump(m, moved as u32);
            cx.forget_label(*l, moved as u32);
            changed |= moved > 0;
        }
    }
    // A chain of `if`s that each leave to what follows the outermost one
    // gets a `block` to leave by, so the `if`s become `br_if`s (below).
    for (i, node) in seq.iter_mut().enumerate() {
        if (i + 1 < n || cont.labels.is_none()) && exit_chain(node) >= 2 {
            let label = cx.next_label;
            cx.next_label += 1;
            let inner = core::mem::replace(node, Node::Return);
            *node = Node::Block(label, vec![inner]);
            changed = true;
        }
    }
    for (i, node) in seq.iter_mut().enumerate() {
        let outer = if i + 1 == n { cont } else { Cont { labels: None, func_end: false } };
        match node {
            Node::Block(l, body) => {
                let link = ContLabel { label: *l, next: outer.labels };
                changed |= simplify_seq(body, Cont { labels: Some(&link), func_end: outer.func_end }, cx);
            }
            Node::Loop(_, body) => changed |= simplify_seq(body, outer, cx),
            Node::If(_, t, e) => {
                changed |= simplify_seq(t, outer, cx);
                changed |= simplify_seq(e, outer, cx);
            }
            _ => {}
        }
    }
    // `if` shapes, after the arms lost their branches to what follows.
    // With `IfOn::Zero` the pushed value is the operand of an `eqz`: a
    // `br_if` on the first arm needs it back, one on the second arm tests
    // the operand itself.
    //
    // An `if` that ends the sequence, where falling off the end reaches a
    // label `L`, and whose arm taken on a non-zero pushed value is empty,
    // becomes `br_if L` followed by the other arm (two bytes instead of
    // four); the arm's own last `if` is then examined in turn.
    if seq.iter().any(|n| matches!(n, Node::If(..))) {
        let mut work: std::collections::VecDeque<Node> = core::mem::take(seq).into();
        let exit_label = cont.labels.map(|c| c.label);
        while let Some(node) = work.pop_front() {
            let Node::If(on, t, e) = node else {
                seq.push(node);
                continue;
            };
            let zero = on == IfOn::Zero;
            if let Some(l) = exit_label.filter(|_| work.is_empty())
                && let Some(rest) = exit_arm(on, &t, &e)
                && (cx.used(l) || exit_chain_of(on, &t, &e) >= 2)
            {
                cx.bump(l, 1);
                seq.push(Node::BrIf(l));
                let rest = if rest { t } else { e };
                for node in rest.into_iter().rev() {
                    work.push_front(node);
                }
                changed = true;
                continue;
            }
            match (t.as_slice(), e.as_slice()) {
                ([], []) => seq.push(Node::Code(vec![0x1a])), // drop
                ([Node::Br(l)], _) => {
                    if zero {
                        seq.push(Node::Code(vec![0x45])); // i32.eqz
                    }
                    seq.push(Node::BrIf(*l));
                    seq.extend(e);
                }
                (_, [Node::Br(l)]) => {
                    if !zero {
                        seq.push(Node::Code(vec![0x45])); // i32.eqz
                    }
                    seq.push(Node::BrIf(*l));
                    seq.extend(t);
                }
                (_, [_, ..]) if ends_in_transfer(&t) => {
                    seq.push(Node::If(on, t, Vec::new()));
                    seq.extend(e);
                }
                // An empty first arm: the second runs on the opposite test,
                // and no arm is laid out before it.
                ([], [_, ..]) if zero => seq.push(Node::If(IfOn::NonZero, e, Vec::new())),
                _ => {
                    seq.push(Node::If(on, t, e));
                    continue;
                }
            }
            changed = true;
        }
    }
    changed
}

/// For an `if` whose arm taken on a non-zero pushed value is empty and whose
/// other arm is not: which arm remains (`true`: the first). That is the
/// `if` that can leave by a `br_if` to the code after it.
fn exit_arm(on: IfOn, t: &[Node], e: &[Node]) -> Option<bool> {
    match (on, t.is_empty(), e.is_empty()) {
        (IfOn::NonZero, true, false) => Some(false),
        (IfOn::Zero, false, true) => Some(true),
        _ => None,
    }
}

/// How many `if`s, starting at `node` and each the last node of the
/// previous one's remaining arm, can leave by a `br_if` (see
/// [`exit_arm`]) once falling off the end of `node` reaches a label.
fn exit_chain(node: &Node) -> usize {
    match node {
        Node::If(on, t, e) => exit_chain_of(*on, t, e),
        _ => 0,
    }
}

/// [`exit_chain`] of the `if` with these parts.
fn exit_chain_of(on: IfOn, t: &[Node], e: &[Node]) -> usize {
    let mut n = 0;
    let mut cur = (on, t, e);
    while let Some(first) = exit_arm(cur.0, cur.1, cur.2) {
        n += 1;
        match if first { cur.1.last() } else { cur.2.last() } {
            Some(Node::If(on, t, e)) => cur = (*on, t, e),
            _ => break,
        }
    }
    n
}

/// Turns every remaining `if`/`else` on an `eqz` operand ([`IfOn::Zero`];
/// after the cleanup its first arm is not empty) into the `if` on the operand itself
/// with its arms swapped: one byte smaller, the second arm now laid out
/// first. Returns whether anything changed.
fn swap_zero_ifs(seq: &mut [Node]) -> bool {
    let mut changed = false;
    for node in seq {
        match node {
            Node::Block(_, body) | Node::Loop(_, body) => changed |= swap_zero_ifs(body),
            Node::If(on, t, e) => {
                changed |= swap_zero_ifs(t);
                changed |= swap_zero_ifs(e);
                if *on == IfOn::Zero && !e.is_empty() {
                    *on = IfOn::NonZero;
                    core::mem::swap(t, e);
                    changed = true;
                }
            }
            _ => {}
        }
    }
    changed
}

/// Makes every branch to `from` in `seq` branch to `to`; returns how many.
fn rename_label(seq: &mut [Node], from: Label, to: Label) -> usize {
    let mut n = 0;
    let mut swap = |l: &mut Label| {
        if *l == from {
            *l = to;
            n += 1;
        }
    };
    let mut work: Vec<&mut [Node]> = vec![seq];
    while let Some(nodes) = work.pop() {
        for node in nodes {
            match node {
                Node::Block(_, body) | Node::Loop(_, body) => work.push(body),
                Node::If(_, t, e) => {
                    work.push(t);
                    work.push(e);
                }
                Node::Br(l) | Node::BrIf(l) => swap(l),
                Node::BrTable(ts, d) => {
                    ts.iter_mut().for_each(&mut swap);
                    swap(d);
                }
                Node::Code(_) | Node::Exit(_) | Node::Return => {}
            }
        }
    }
    n
}

fn count_refs(seq: &[Node], refs: &mut Vec<u32>) {
    let bump = |l: Label, refs: &mut Vec<u32>| {
        if refs.len() <= l as usize {
            refs.resize(l as usize + 1, 0);
        }
        refs[l as usize] += 1;
    };
    for node in seq {
        match node {
            Node::Block(_, body) | Node::Loop(_, body) => count_refs(body, refs),
            Node::If(_, t, e) => {
                count_refs(t, refs);
                count_refs(e, refs);
            }
            Node::Br(l) | Node::BrIf(l) => bump(*l, refs),
            Node::BrTable(ts, d) => {
                for &t in ts {
                    bump(t, refs);
                }
                bump(*d, refs);
            }
            Node::Code(_) | Node::Exit(_) | Node::Return => {}
        }
    }
}

/// Replaces every `block`/`loop` nobody branches to by its body.
fn splice_unused(seq: &mut Vec<Node>, refs: &[u32]) -> bool {
    let unused = |l: &Label| refs.get(*l as usize).is_none_or(|&n| n == 0);
    let mut changed = false;
    for node in seq.iter_mut() {
        match node {
            Node::Block(_, body) | Node::Loop(_, body) => changed |= splice_unused(body, refs),
            Node::If(_, t, e) => {
                changed |= splice_unused(t, refs);
                changed |= splice_unused(e, refs);
            }
            _ => {}
        }
    }
    if seq.iter().any(|n| matches!(n, Node::Block(l, _) | Node::Loop(l, _) if unused(l))) {
        let old = core::mem::take(seq);
        for node in old {
            match node {
                Node::Block(l, body) | Node::Loop(l, body) if unused(&l) => seq.extend(body),
                other => seq.push(other),
            }
        }
        changed = true;
    }
    changed
}

// ------------------------------------------------------------- encoding

/// Encodes the tree, turning labels into relative depths.
pub(crate) fn encode(seq: &[Node], out: &mut Vec<u8>) -> Result<(), String> {
    let mut scopes: Vec<Option<Label>> = Vec::new();
    encode_seq(seq, &mut scopes, out)
}

fn depth(scopes: &[Option<Label>], l: Label) -> Result<u32, String> {
    scopes
        .iter()
        .rev()
        .position(|&s| s == Some(l))
        .map(|d| d as u32)
        .ok_or_else(|| format!("branch to label {l}, which is not in scope"))
}

fn encode_seq(seq: &[Node], scopes: &mut Vec<Option<Label>>, out: &mut Vec<u8>) -> Result<(), String> {
    for node in seq {
        match node {
            Node::Code(bytes) | Node::Exit(bytes) => out.extend_from_slice(bytes),
            Node::Return => out.push(0x0f),
            Node::Block(l, body) | Node::Loop(l, body) => {
                out.push(if matches!(node, Node::Block(..)) { 0x02 } else { 0x03 });
                out.push(0x40);
                scopes.push(Some(*l));
                encode_seq(body, scopes, out)?;
                scopes.pop();
                out.push(0x0b);
            }
            Node::If(on, t, e) => {
                if *on == IfOn::Zero {
                    out.push(0x45); // i32.eqz
                }
                out.extend_from_slice(&[0x04, 0x40]);
                scopes.push(None);
                encode_seq(t, scopes, out)?;
                if !e.is_empty() {
                    out.push(0x05);
                    encode_seq(e, scopes, out)?;
                }
                scopes.pop();
                out.push(0x0b);
            }
            Node::Br(l) => {
                out.push(0x0c);
                write_u32_leb(out, depth(scopes, *l)?);
            }
            Node::BrIf(l) => {
                out.push(0x0d);
                write_u32_leb(out, depth(scopes, *l)?);
            }
            Node::BrTable(ts, d) => {
                out.push(0x0e);
                write_u32_leb(out, ts.len() as u32);
                for &t in ts {
                    write_u32_leb(out, depth(scopes, t)?);
                }
                write_u32_leb(out, depth(scopes, *d)?);
            }
        }
    }
    Ok(())
}

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
//! through are hoisted out). Three more rewrites save bytes:
//!
//! * An `if` that ends a `block`'s body, whose arm on a non-zero test is
//!   empty, leaves by `br_if` to that `block` and is followed by its other
//!   arm: two bytes instead of four. That keeps the `block` (three bytes)
//!   where nothing else branched to it, so it is done when something does,
//!   or when the other arm ends in another such `if`, and so on:
//!
//!   ```text
//!   block  if {} else { A; if {} else { B } }  end
//!   block  br_if 0  A  br_if 0  B  end
//!   ```
//!
//! * A merge node whose parameter arrives by enough `jump`s gets a `block`
//!   with a result ([`value_merges`]): each `jump` leaves its argument on
//!   the stack for its `br`, and one `local.set` after the `end` replaces
//!   one per edge (nothing at all, or a `local.tee`, when the merge node's
//!   code starts by reading the parameter).
//! * An `if` whose arms both end by writing the same local (the copies of
//!   two `jump`s to one merge node) becomes an `if` with a result,
//!   ([`Node::IfValue`]) followed by one `local.set`; a `local.set x` right
//!   before a `local.get x` becomes `local.tee x`.
//!
//! Edge copies are emitted as separate nodes (pushes, then `local.set`s)
//! so the cleanup can see whole `local.set` instructions. The copies of a
//! `brif` edge to a labelled block run before the branch when the other
//! path reads none of the locals they write (no value live into its
//! target and no argument it passes is in one of them): the arm is then a
//! bare `br`, which the cleanup turns into `br_if`.
//!
//! Depths are computed when encoding.

use crate::BackendError;
use crate::analysis::{BranchTarget, FuncInfo};
use crate::codegen::CodeGen;
use cranelift_entity::SecondaryMap;
use std::collections::BTreeMap;
use weft_ir::encode::{encode_valtype, write_u32_leb};
use weft_ir::{Block, InstructionData, Opcode, Type, Value};

const LOCAL_GET: u8 = 0x20;
const LOCAL_SET: u8 = 0x21;
const LOCAL_TEE: u8 = 0x22;

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
    /// `if` with a result of the type, each arm leaving one value: what an
    /// `if` whose arms both end by writing the same local becomes, the
    /// `local.set` moved after it.
    IfValue(IfOn, Type, Vec<Node>, Vec<Node>),
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
    /// The parameter of each merge node whose `block` carries it as its
    /// result (see [`value_merges`]).
    value_merge: SecondaryMap<Block, Option<Value>>,
    /// The result type of each `block` that carries one.
    value_types: BTreeMap<Label, Type>,
}

/// A function body as structured code: the tree and the result type of
/// each `block` that has one.
pub(crate) struct Structured {
    /// The body.
    pub body: Vec<Node>,
    /// Result types of `block`s; every other `block` has none.
    pub value_types: BTreeMap<Label, Type>,
}

impl<'a, 'b, 'f> Structurizer<'a, 'b, 'f> {
    /// A structurizer over the code generator's function; with `values`,
    /// the merge nodes [`value_merges`] picks get value-carrying `block`s.
    pub(crate) fn new(codegen: &'a CodeGen<'b, 'f>, values: bool) -> Self {
        let next_pad = 2 * codegen.info.func.dfg.num_blocks() as Label;
        let value_merge = if values { value_merges(codegen) } else { SecondaryMap::new() };
        Structurizer { codegen, next_pad, depth: 0, value_merge, value_types: BTreeMap::new() }
    }

    /// Does [`value_merges`] pick any merge node of the function?
    pub(crate) fn has_value_merges(codegen: &CodeGen<'_, '_>) -> bool {
        value_merges(codegen).values().any(Option::is_some)
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
    pub(crate) fn function_body(mut self, prefer_size: bool) -> Result<Structured, BackendError> {
        let entry = self.info().rpo[0];
        let mut body = self.do_tree(entry)?;
        let no_results = self.info().func.sig.results.is_empty();
        let value_types = core::mem::take(&mut self.value_types);
        let func = self.info().func;
        let local_types = func
            .sig
            .params
            .iter()
            .copied()
            .chain(self.codegen.locals.decls.iter().flat_map(|&(n, t)| (0..n).map(move |_| t)))
            .collect();
        let mut cx = Cleanup { no_results, refs: Vec::new(), value_types, local_types };
        simplify(&mut body, &mut cx);
        if prefer_size && swap_zero_ifs(&mut body) {
            simplify(&mut body, &mut cx);
        }
        close_value_blocks(&mut body, &cx.value_types);
        tee_set_get(&mut body);
        close_body(&mut body, no_results);
        Ok(Structured { body, value_types: cx.value_types })
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
            cur = self.merge_block(y, cur)?;
        }
        if info.loop_header[x] {
            cur = vec![Node::Loop(Self::loop_label(x), cur)];
        }
        for y in outside {
            cur = self.merge_block(y, cur)?;
        }
        self.depth -= 1;
        Ok(cur)
    }

    /// `block` `body` `end` for merge node `y`, then `y`'s subtree. A
    /// `block` carrying `y`'s parameter is followed by its `local.set`.
    fn merge_block(&mut self, y: Block, body: Vec<Node>) -> Result<Vec<Node>, BackendError> {
        let label = Self::block_label(y);
        let mut out = vec![Node::Block(label, body)];
        let mut rest = self.do_tree(y)?;
        if let Some(p) = self.value_merge[y] {
            self.value_types.insert(label, self.info().func.dfg.value_type(p));
            let local = self.codegen.locals.local_of[p];
            let mut get = vec![LOCAL_GET];
            write_u32_leb(&mut get, local);
            // `local.set p; local.get p` is `local.tee p`, or nothing when
            // that `local.get` is the parameter's only use.
            let mut op = LOCAL_SET;
            if let Some(Node::Code(code)) = rest.first_mut()
                && code.starts_with(&get)
            {
                code.drain(..get.len());
                op = LOCAL_TEE;
            }
            if op == LOCAL_SET || self.info().uses[p] > 1 {
                let mut bytes = vec![op];
                write_u32_leb(&mut bytes, local);
                out.push(Node::Code(bytes));
            }
        }
        out.extend(rest);
        Ok(out)
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

    /// Can the copies of `edge`, a `brif` edge to a labelled block, run
    /// before the branch, on the path of `other` too? Only when they write
    /// locals that path does not read: no value live into `other`'s
    /// target, and no argument `other` passes, is in one of them.
    fn can_hoist(&self, from: Block, edge: &BranchTarget, other: &BranchTarget) -> bool {
        let info = self.info();
        if edge.to == other.to || self.label_of(from, edge.to).is_none() {
            return false;
        }
        let copies = self.codegen.edge_copies(edge);
        if copies.is_empty() {
            return false;
        }
        let locals = self.codegen.locals;
        let params = info.func.dfg.block_params(other.to);
        let read_by_other = |l: u32| {
            locals.live_in[other.to].binary_search(&l).is_ok()
                || other
                    .args
                    .iter()
                    .zip(params)
                    .any(|(&a, &q)| info.needed_value[q] && info.kind[a].has_local() && locals.local_of[a] == l)
        };
        copies.iter().all(|&(_, p)| !read_by_other(locals.local_of[p]))
    }

    /// The transfer of `edge` alone, its copies already emitted.
    fn transfer(&mut self, from: Block, edge: &BranchTarget) -> Result<Vec<Node>, BackendError> {
        let fresh = self.codegen.take_fresh();
        let rest = self.branch_to(from, edge.to);
        self.codegen.restore_fresh(fresh);
        rest
    }

    /// Copies for `edge`, then the transfer. Zero-local tracking (see
    /// [`CodeGen`]) covers the copies, not the code branched to.
    fn edge_code(&mut self, from: Block, edge: &BranchTarget) -> Result<Vec<Node>, BackendError> {
        let term = self.info().term[from].ok_or_else(|| self.no_term(from))?;
        let copies = self.codegen.edge_copies(edge);
        let mut out = Vec::new();
        if !copies.is_empty() {
            let (mut bytes, mut sets) = (Vec::new(), Vec::new());
            self.codegen.emit_copies(term, &copies, &mut bytes, &mut sets)?;
            push_code(&mut out, bytes);
            push_code(&mut out, sets);
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
                let to = edges[0].to;
                let mut sets = Vec::new();
                if self.value_merge[to].is_some() && !self.is_back(x, to) {
                    // The argument stays on the stack for the `br`.
                    self.codegen.emit_operands(term, &mut chunk)?;
                } else {
                    self.codegen.emit_jump_split(term, &mut chunk, &mut sets)?;
                }
                self.codegen.take_fresh();
                push_code(&mut nodes, chunk);
                // The `local.set`s are a node of their own, which the
                // cleanup can move out of an `if` (see [`Node::IfValue`]).
                push_code(&mut nodes, sets);
                nodes.extend(self.branch_to(x, edges[0].to)?);
            }
            InstructionData::Brif { .. } => {
                // The `if` arms in the order the pushed value selects them;
                // the cleanup turns single-branch arms into `br_if`.
                let on = if self.codegen.emit_cond(term, &mut chunk)? { IfOn::Zero } else { IfOn::NonZero };
                // Copies that may run on both paths go before the branch, so
                // their arm is a bare `br` (a `br_if` after the cleanup).
                let hoisted = (0..2).find(|&k| self.can_hoist(x, &edges[k], &edges[1 - k]));
                if let Some(k) = hoisted {
                    let copies = self.codegen.edge_copies(&edges[k]);
                    let mut sets = Vec::new();
                    self.codegen.emit_copies(term, &copies, &mut chunk, &mut sets)?;
                    chunk.extend(sets);
                }
                push_code(&mut nodes, chunk);
                let fresh = self.codegen.fresh.borrow().clone();
                let a = if hoisted == Some(0) { self.transfer(x, &edges[0])? } else { self.edge_code(x, &edges[0])? };
                self.codegen.restore_fresh(fresh);
                let b = if hoisted == Some(1) { self.transfer(x, &edges[1])? } else { self.edge_code(x, &edges[1])? };
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
        let mut keys: Vec<(Block, &[Value])> = Vec::new();
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

/// The merge nodes whose `block` should carry their parameter as its
/// result: a `br` (or falling off the end) then delivers the argument on
/// the stack, and one `local.set` after the `block` replaces one per edge.
///
/// A merge node qualifies when it has exactly one needed parameter and
/// every forward edge into it is a `jump` (a `br_if` or `br_table` edge
/// would need the value under its condition), and when at least three more
/// edges copy than do not. Each copying edge saves its two-byte
/// `local.set`; an edge whose argument is already in the parameter's local
/// (or is a zero the entry block need not store) costs a `local.get` it did
/// not need; the `local.set` after the `block` costs two bytes once. The
/// margin of one more edge covers what the estimate does not see: a `br`
/// the cleanup would have removed, an `unreachable` closing the `block`.
fn value_merges(codegen: &CodeGen<'_, '_>) -> SecondaryMap<Block, Option<Value>> {
    let info = codegen.info;
    let dfg = &info.func.dfg;
    let entry = info.rpo[0];
    let mut out = SecondaryMap::new();
    for &y in &info.rpo {
        if !info.merge[y] {
            continue;
        }
        let mut params = info.needed_params(y);
        let (Some(p), None) = (params.next(), params.next()) else { continue };
        let (mut copies, mut free) = (0u32, 0u32);
        let mut all_jumps = true;
        for &pred in &info.preds[y] {
            if info.rpo_number(y) <= info.rpo_number(pred) {
                continue;
            }
            let is_jump = info.term[pred].is_some_and(|t| matches!(dfg.insts[t], InstructionData::Jump { .. }));
            let Some(edge) = info.edges[pred].first().filter(|_| is_jump) else {
                all_jumps = false;
                break;
            };
            let zero_free = pred == entry
                && !info.loop_header[entry]
                && edge.args.first().is_some_and(|&a| codegen.is_inline_zero(a));
            if codegen.edge_copies(edge).is_empty() || zero_free {
                free += 1;
            } else {
                copies += 1;
            }
        }
        if all_jumps && copies > free + 2 {
            out[y] = Some(p);
        }
    }
    out
}

/// The natural loop of header `x`: `x` and every block that reaches one of
/// its back edges without passing through `x`.
fn natural_loop(info: &FuncInfo<'_>, x: Block) -> SecondaryMap<Block, bool> {
    let mut body: SecondaryMap<Block, bool> = SecondaryMap::new();
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
    /// The label's `block` carries a value: falling off the end reaches it
    /// only at the top level of its body, where the value is on the stack.
    value: bool,
    next: Option<&'a ContLabel<'a>>,
}

impl Cont<'_> {
    /// The continuation of the last node of a sequence with continuation
    /// `self`, seen from inside that node (an arm, a body): a value-carrying
    /// `block`'s end is not reached by falling off a nested sequence, which
    /// would leave no value.
    fn nested(self) -> Self {
        match self.labels {
            Some(c) if c.value => Cont { labels: None, func_end: false },
            _ => self,
        }
    }

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
    /// Branches to each label, counted at the start of each round and
    /// raised for each `br_if` the round adds.
    refs: Vec<u32>,
    /// `block`s that carry a value (see [`Structured::value_types`]).
    value_types: BTreeMap<Label, Type>,
    /// The type of every local (parameters first).
    local_types: Vec<Type>,
}

impl Cleanup {
    /// Does a branch to `l` carry a value?
    fn carries(&self, l: Label) -> bool {
        self.value_types.contains_key(&l)
    }

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

/// Ends the body of every value-carrying `block` whose last node is a
/// `loop` or `if` that never falls through (see [`ends_in_transfer`]) with
/// `unreachable`: the validator needs the value after them even though
/// control never gets there. Any other ending is left to the validator
/// (every path that reaches the end pushes the value at the top level).
fn close_value_blocks(seq: &mut [Node], value_types: &BTreeMap<Label, Type>) {
    for node in seq {
        match node {
            Node::Block(l, body) => {
                close_value_blocks(body, value_types);
                if value_types.contains_key(l)
                    && matches!(body.last(), Some(Node::Loop(..) | Node::If(..)))
                    && ends_in_transfer(body)
                {
                    body.push(Node::Exit(vec![0x00]));
                }
            }
            Node::Loop(_, body) => close_value_blocks(body, value_types),
            Node::If(_, t, e) | Node::IfValue(_, _, t, e) => {
                close_value_blocks(t, value_types);
                close_value_blocks(e, value_types);
            }
            _ => {}
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
            && !cx.carries(*l)
            && !cx.carries(m)
        {
            let moved = rename_label(body, *l, m);
            cx.bump(m, moved as u32);
            cx.forget_label(*l, moved as u32);
            changed |= moved > 0;
        }
    }
    for (i, node) in seq.iter_mut().enumerate() {
        let outer = if i + 1 == n { cont.nested() } else { Cont { labels: None, func_end: false } };
        match node {
            Node::Block(l, body) => {
                let inner = if cx.carries(*l) { Cont { labels: None, func_end: false } } else { outer };
                let link = ContLabel { label: *l, value: cx.carries(*l), next: inner.labels };
                changed |= simplify_seq(body, Cont { labels: Some(&link), func_end: inner.func_end }, cx);
            }
            Node::Loop(_, body) => changed |= simplify_seq(body, outer, cx),
            Node::If(_, t, e) => {
                changed |= simplify_seq(t, outer, cx);
                changed |= simplify_seq(e, outer, cx);
            }
            // Each arm must end with its value: nothing at its end is
            // removed.
            Node::IfValue(_, _, t, e) => {
                let none = Cont { labels: None, func_end: false };
                changed |= simplify_seq(t, none, cx);
                changed |= simplify_seq(e, none, cx);
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
        let exit_label = cont.labels.filter(|c| !c.value).map(|c| c.label);
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
            if let Some(ty) = shared_set(&t, &e, &cx.local_types) {
                let (mut t, mut e) = (t, e);
                let set = t.pop();
                e.pop();
                seq.push(Node::IfValue(on, ty, t, e));
                seq.extend(set);
                changed = true;
                continue;
            }
            match (t.as_slice(), e.as_slice()) {
                ([], []) => seq.push(Node::Code(vec![0x1a])), // drop
                ([Node::Br(l)], _) if !cx.carries(*l) => {
                    if zero {
                        seq.push(Node::Code(vec![0x45])); // i32.eqz
                    }
                    seq.push(Node::BrIf(*l));
                    seq.extend(e);
                }
                (_, [Node::Br(l)]) if !cx.carries(*l) => {
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

/// The type of the local both arms end by writing, when each ends with the
/// same node holding just that `local.set` and has code before it (which
/// pushed the value).
fn shared_set(t: &[Node], e: &[Node], local_types: &[Type]) -> Option<Type> {
    let ([_, .., Node::Code(a)], [_, .., Node::Code(b)]) = (t, e) else { return None };
    if a != b {
        return None;
    }
    let local = single_local_op(a, LOCAL_SET)?;
    local_types.get(local as usize).copied()
}

/// The local of `bytes` when they are exactly one `op` (`local.get`,
/// `local.set` or `local.tee`) instruction.
fn single_local_op(bytes: &[u8], op: u8) -> Option<u32> {
    let (&first, leb) = bytes.split_first()?;
    if first != op || leb.is_empty() || leb.len() > 5 {
        return None;
    }
    let mut value = 0u32;
    for (i, &b) in leb.iter().enumerate() {
        let last = i + 1 == leb.len();
        if (b & 0x80 == 0) != last {
            return None;
        }
        value |= u32::from(b & 0x7f).checked_shl(7 * i as u32)?;
    }
    Some(value)
}

/// `local.set x` followed by code that starts with `local.get x` becomes
/// `local.tee x` (the `local.set` a node of its own, so its bytes are one
/// instruction).
fn tee_set_get(seq: &mut [Node]) {
    for i in 0..seq.len() {
        match &mut seq[i] {
            Node::Block(_, body) | Node::Loop(_, body) => tee_set_get(body),
            Node::If(_, t, e) | Node::IfValue(_, _, t, e) => {
                tee_set_get(t);
                tee_set_get(e);
            }
            _ => {}
        }
        let Some((Node::Code(set), Node::Code(next))) = seq.get(i).zip(seq.get(i + 1)) else { continue };
        let Some(local) = single_local_op(set, LOCAL_SET) else { continue };
        let mut get = vec![LOCAL_GET];
        write_u32_leb(&mut get, local);
        if next.starts_with(&get) {
            if let Node::Code(set) = &mut seq[i] {
                set[0] = LOCAL_TEE;
            }
            if let Node::Code(next) = &mut seq[i + 1] {
                next.drain(..get.len());
            }
        }
    }
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

/// How many `if`s, starting at the `if` with these parts and each the last
/// node of the previous one's remaining arm, can leave by a `br_if` (see
/// [`exit_arm`]) once falling off the end of the first reaches a label.
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
            Node::If(on, t, e) | Node::IfValue(on, _, t, e) => {
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
                Node::If(_, t, e) | Node::IfValue(_, _, t, e) => {
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
            Node::If(_, t, e) | Node::IfValue(_, _, t, e) => {
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
            Node::If(_, t, e) | Node::IfValue(_, _, t, e) => {
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
pub(crate) fn encode(code: &Structured, out: &mut Vec<u8>) -> Result<(), String> {
    let mut scopes: Vec<Option<Label>> = Vec::new();
    encode_seq(&code.body, &code.value_types, &mut scopes, out)
}

fn depth(scopes: &[Option<Label>], l: Label) -> Result<u32, String> {
    scopes
        .iter()
        .rev()
        .position(|&s| s == Some(l))
        .map(|d| d as u32)
        .ok_or_else(|| format!("branch to label {l}, which is not in scope"))
}

fn encode_seq(
    seq: &[Node],
    value_types: &BTreeMap<Label, Type>,
    scopes: &mut Vec<Option<Label>>,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    for node in seq {
        match node {
            Node::Code(bytes) | Node::Exit(bytes) => out.extend_from_slice(bytes),
            Node::Return => out.push(0x0f),
            Node::Block(l, body) | Node::Loop(l, body) => {
                out.push(if matches!(node, Node::Block(..)) { 0x02 } else { 0x03 });
                out.push(value_types.get(l).map_or(0x40, |&t| encode_valtype(t)));
                scopes.push(Some(*l));
                encode_seq(body, value_types, scopes, out)?;
                scopes.pop();
                out.push(0x0b);
            }
            Node::If(on, t, e) | Node::IfValue(on, _, t, e) => {
                if *on == IfOn::Zero {
                    out.push(0x45); // i32.eqz
                }
                let ty = match node {
                    Node::IfValue(_, ty, ..) => encode_valtype(*ty),
                    _ => 0x40,
                };
                out.extend_from_slice(&[0x04, ty]);
                scopes.push(None);
                encode_seq(t, value_types, scopes, out)?;
                if !e.is_empty() {
                    out.push(0x05);
                    encode_seq(e, value_types, scopes, out)?;
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

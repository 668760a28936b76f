//! A sparse dataflow framework on SSA with block parameters: conditional
//! propagation in the style of Wegman and Zadeck's SCCP ("Constant
//! Propagation with Conditional Branches", TOPLAS 1991), generic over the
//! abstract domain, with facts learnt from branch conditions on the edges
//! they guard (the job LLVM's CorrelatedValuePropagation and
//! ConstraintElimination do with LazyValueInfo).
//!
//! # The problem
//!
//! A [`Domain`] gives a [`Lattice`] of facts (each fact describes the set
//! of values an SSA value may hold: [`Lattice::bottom`] no value at all,
//! [`Lattice::top`] any value), a transfer function per instruction
//! ([`Domain::transfer`], with the facts of its operands), which edges of a
//! branch its condition's fact allows ([`Domain::may_take`]), what taking
//! an edge says about values ([`Domain::refine`]) and a widening hook
//! ([`Domain::widen`]) for domains of infinite height. [`Dataflow`] runs it
//! on one function:
//!
//! ```text
//! let sol = Dataflow::new(func, &domain)
//!     .with_entry_facts(vec![fact_of_param0, ...])   // else top
//!     .with_edge_facts(cx.domtree(func))             // else none
//!     .solve();
//! sol.value(func, v); sol.value_at(func, block, v); sol.block_is_executable(b);
//! ```
//!
//! # The solution
//!
//! Only executable code contributes. The entry block is executable; a
//! block is executable once an incoming edge is; a branch's edge is
//! executable when its executable block's condition allows it
//! (`may_take`) and taking it contradicts no fact (a value refined to
//! bottom on an edge means no execution takes it). Then:
//!
//! - the fact of an instruction's result is the transfer of its operands'
//!   facts as seen in its block (an instruction with several results gives
//!   each result top);
//! - the fact of a block parameter is the join, over the executable edges
//!   into its block, of the fact of the argument on that edge;
//! - the fact of a value at a point is its fact at its definition,
//!   narrowed by every edge fact that holds there (below).
//!
//! Facts only grow: every update joins the new fact into the old one, so
//! with monotone transfer functions and no edge facts the result is the
//! least fixpoint, the same for every visiting order. (With edge facts, a
//! refinement is created when the first edge that implies it is taken; a
//! block already executable through another edge may have read the
//! coarser fact before, and keeps what it computed from it: still sound,
//! possibly less precise than the least fixpoint.) A block parameter of a loop header (a
//! block entered by an edge from a block it dominates; every block
//! parameter when no dominator tree is given) that has grown
//! [`WIDENING_DELAY`] times is widened from then on; any fact that has
//! grown [`MAX_CHANGES`] times becomes top. So the propagation terminates
//! for every domain, and each fact changes a bounded number of times.
//!
//! When a fact was widened (or capped), [`NARROWING_ROUNDS`] rounds of
//! narrowing follow: in reverse post-order over the executable blocks,
//! every fact (block parameters, virtual parameters, results, edge facts)
//! is recomputed from the facts around it and met with what it was. The
//! facts it reads allow every value an execution can compute, so the
//! recomputed fact does too: each step stays sound, and a loop counter
//! widened to the end of its domain shrinks back to what the loop's exit
//! test and the values flowing around the loop allow. Executable edges
//! stay executable. A domain of finite height never widens, so for it
//! (the constant domain) the result is exactly the least fixpoint.
//!
//! # Edge facts without pi nodes
//!
//! With [`Dataflow::with_edge_facts`], when a `brif` or `br_table` edge is
//! taken the domain is asked what its outcome implies ([`Domain::refine`]
//! with the condition and the [`Outcome`]: `brif (x <u 10)`'s then edge
//! implies `x <u 10`, and, as far as the domain can follow definitions,
//! facts about the values `x` was computed from). The framework meets each
//! implied fact with what is already known at the branch and keeps it on
//! the edge. Those facts are used in two ways, and neither needs a new
//! SSA value:
//!
//! - **on the edge**: an argument the edge passes to a block parameter is
//!   passed with its refined fact (`brif (x <u 10), block1(x), ...` gives
//!   the parameter of `block1` the fact `x <u 10`);
//! - **in the dominator subtree of the target**: a refinement keyed by
//!   `(target, x)` is a virtual block parameter — the join, over every
//!   executable edge into `target`, of `x`'s fact on that edge (refined
//!   where that edge refines `x`, else `x`'s fact at the edge's source),
//!   met with `x`'s fact at the immediate dominator. It holds wherever
//!   `target` dominates, since `x` does not change after `target` is
//!   entered. It is kept only where `x`'s definition strictly dominates
//!   `target` (so a loop's back edge cannot refine a value of the previous
//!   iteration). A block with one predecessor gets exactly the edge's
//!   fact; a merge point gets the join, so a fact that holds on every
//!   incoming edge survives the merge.
//!
//! An instruction reads its operands' facts at its own block — the
//! nearest refinement up the dominator tree, else the fact at the
//! definition — so a value computed from a refined one is refined too
//! (`y = x + 1` below the edge of `x <u 10` gets `[1, 10]`), and its fact
//! at its definition holds at every use. The domain may read other
//! values' facts during a transfer or a refinement (through [`FactCx`]);
//! those reads are recorded and revisit the reader when they change.
//!
//! Complexity: every fact changes at most [`MAX_CHANGES`] times (for a
//! finite domain of height `h`, at most `h`); each change revisits the
//! value's users and the virtual parameters of the value. Without edge
//! facts that is SCCP's O(instructions + uses + edges) times the height.
//! Narrowing adds [`NARROWING_ROUNDS`] passes over the function. Looking up
//! a refined value's fact walks the dominator tree up to its definition.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use cranelift_entity::packed_option::PackedOption;
use cranelift_entity::{EntitySet, SecondaryMap};
use weft_ir::cfg_edit::edges_from;
use weft_ir::{Block, DominatorTree, Edge, Function, Imm, Inst, InstructionData, Opcode, Type, Value, ValueDef};

/// A block parameter of a loop header grows this many times before the
/// domain's [`Domain::widen`] is used on it.
pub const WIDENING_DELAY: u32 = 3;

/// A fact that has grown this many times becomes top: a bound on the work
/// for any domain (a finite domain of height below it never reaches it).
pub const MAX_CHANGES: u32 = 64;

/// Rounds of narrowing after a propagation that widened.
pub const NARROWING_ROUNDS: u32 = 2;

/// The facts of a domain: a lattice ordered by what a fact allows (a fact
/// describes a set of values; a greater fact, a larger set).
pub trait Lattice: Clone + PartialEq + fmt::Debug {
    /// No value: the fact of a value that no executable definition has
    /// produced yet, and of a value refined by contradicting conditions.
    fn bottom() -> Self;
    /// Any value of the value's type: nothing known.
    fn top() -> Self;
    /// The least fact that allows what either allows.
    fn join(&self, other: &Self) -> Self;
    /// The greatest fact that allows only what both allow.
    fn meet(&self, other: &Self) -> Self;
    /// Is this the bottom fact?
    fn is_bottom(&self) -> bool {
        *self == Self::bottom()
    }
}

/// The outcome of a branch that an edge stands for.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// `brif`'s then edge: the condition is non-zero.
    NonZero,
    /// `brif`'s else edge: the condition is zero.
    Zero,
    /// `br_table`'s target `k` (destination slot `k + 1`): the index is `k`.
    Case(u32),
    /// `br_table`'s default: the index is at least this number of targets.
    Default(u32),
}

/// An instruction being evaluated (see [`Domain::transfer`]).
#[derive(Debug)]
pub struct Operation<'a, F> {
    /// The instruction.
    pub inst: Inst,
    /// Its opcode.
    pub opcode: Opcode,
    /// Its immediate.
    pub imm: Imm,
    /// Its operands.
    pub args: &'a [Value],
    /// The operands' facts at the instruction's block.
    pub facts: &'a [F],
    /// Its one result.
    pub result: Value,
    /// The type of its result.
    pub ty: Type,
}

/// What is known at one block while the solver runs, for a domain that
/// needs facts beyond an instruction's operands: reads are recorded, and
/// the reader is evaluated again when a fact it read changes.
pub struct FactCx<'a, F: Clone> {
    func: &'a Function,
    block: Block,
    store: &'a Store<F>,
    reads: Vec<Value>,
}

impl<'a, F: Lattice> FactCx<'a, F> {
    /// The function being analysed.
    pub fn func(&self) -> &'a Function {
        self.func
    }

    /// The block whose facts these are (an instruction's block, or the
    /// source of a branch's edge).
    pub fn block(&self) -> Block {
        self.block
    }

    /// The fact of `v` at this block.
    pub fn fact(&mut self, v: Value) -> F {
        self.reads.push(v);
        self.store.fact_at(self.func, self.block, v).clone()
    }
}

/// An abstract domain for [`Dataflow`].
pub trait Domain {
    /// The facts.
    type Fact: Lattice;

    /// The fact of `op`'s result, from its operands' facts (`op.facts`)
    /// and any other fact `cx` gives. Must be monotone in the facts and
    /// sound: it allows every value the instruction can produce from
    /// operands the facts allow. Called only for instructions with one
    /// result.
    fn transfer(&self, op: &Operation<'_, Self::Fact>, cx: &mut FactCx<'_, Self::Fact>) -> Self::Fact;

    /// May a branch whose condition (a `brif`'s `i32` condition or a
    /// `br_table`'s index) has fact `cond` take the edge of `outcome`?
    /// False for bottom. Must be monotone and sound.
    fn may_take(&self, cond: &Self::Fact, outcome: Outcome) -> bool;

    /// Facts implied by `outcome` of a branch on `cond`, pushed on `out`
    /// as `(value, fact)`: every execution that takes the edge has each
    /// value within its fact. Asked only under [`Dataflow::with_edge_facts`];
    /// the default implies nothing.
    fn refine(
        &self,
        cond: Value,
        outcome: Outcome,
        cx: &mut FactCx<'_, Self::Fact>,
        out: &mut Vec<(Value, Self::Fact)>,
    ) {
        let _ = (cond, outcome, cx, out);
    }

    /// The fact that replaces a loop header's block parameter whose fact
    /// grows from `old` to `new` (`new` already includes `old`), once it
    /// has grown [`WIDENING_DELAY`] times. Must allow at least `new`, and
    /// every chain of widenings must end. The default, `new`, suits a
    /// domain of finite height.
    fn widen(&self, old: &Self::Fact, new: &Self::Fact) -> Self::Fact {
        let _ = old;
        new.clone()
    }
}

/// The facts of values: at their definitions, and refined per block.
struct Store<F: Clone> {
    values: SecondaryMap<Value, F>,
    /// Refinements keyed by block: the value and its fact in the block's
    /// dominator subtree, sorted by value.
    refined: SecondaryMap<Block, Vec<(Value, F)>>,
    /// Values with at least one refinement.
    refined_values: EntitySet<Value>,
    /// Immediate dominators (only kept with edge facts).
    idom: SecondaryMap<Block, PackedOption<Block>>,
    top: F,
}

impl<F: Lattice> Store<F> {
    fn new() -> Self {
        Store {
            values: SecondaryMap::with_default(F::bottom()),
            refined: SecondaryMap::new(),
            refined_values: EntitySet::new(),
            idom: SecondaryMap::new(),
            top: F::top(),
        }
    }

    /// The fact of `v` at its definition.
    fn fact(&self, func: &Function, v: Value) -> &F {
        if !func.dfg.value_is_valid(v) {
            return &self.top;
        }
        &self.values[func.dfg.resolve_aliases(v)]
    }

    /// The refinement of `v` recorded at `block` itself.
    fn refinement(&self, block: Block, v: Value) -> Option<&F> {
        let list = &self.refined[block];
        list.binary_search_by_key(&v, |e| e.0).ok().map(|i| &list[i].1)
    }

    /// The fact of `v` in `block`: the nearest refinement up the dominator
    /// tree, else the fact at its definition.
    fn fact_at(&self, func: &Function, block: Block, v: Value) -> &F {
        if !func.dfg.value_is_valid(v) {
            return &self.top;
        }
        let v = func.dfg.resolve_aliases(v);
        if self.refined_values.contains(v) {
            let def = def_block(func, v);
            let mut cur = Some(block);
            while let Some(b) = cur {
                if Some(b) == def {
                    break;
                }
                if let Some(f) = self.refinement(b, v) {
                    return f;
                }
                cur = self.idom[b].expand();
            }
        }
        &self.values[v]
    }
}

/// The outcome that `edge`, out of a `brif` or `br_table`, stands for.
fn outcome(func: &Function, edge: Edge) -> Option<Outcome> {
    match func.dfg.insts[edge.inst] {
        InstructionData::Brif { .. } => Some(if edge.slot == 0 { Outcome::NonZero } else { Outcome::Zero }),
        InstructionData::BrTable { .. } => Some(match edge.slot {
            0 => Outcome::Default(func.dfg.num_branch_destinations(edge.inst).saturating_sub(1) as u32),
            k => Outcome::Case(k as u32 - 1),
        }),
        InstructionData::Jump { .. } | InstructionData::Op { .. } => None,
    }
}

/// The block that defines `v`.
fn def_block(func: &Function, v: Value) -> Option<Block> {
    match func.dfg.value_def(v) {
        ValueDef::Result(inst, _) => func.layout.inst_block(inst),
        ValueDef::Param(block, _) => Some(block),
        _ => None,
    }
}

/// The result of [`Dataflow::solve`]: executable blocks and edges, and
/// the facts of values (see the module docs).
pub struct Solution<F: Clone> {
    store: Store<F>,
    blocks: EntitySet<Block>,
    edges: BTreeSet<Edge>,
    edge_facts: BTreeMap<Edge, Vec<(Value, F)>>,
}

impl<F: Lattice> Solution<F> {
    /// The fact of `v` at its definition: it holds at every use (top for a
    /// value not in the function).
    pub fn value(&self, func: &Function, v: Value) -> &F {
        self.store.fact(func, v)
    }

    /// The fact of `v` in `block`, with the edge facts that hold there.
    pub fn value_at(&self, func: &Function, block: Block, v: Value) -> &F {
        self.store.fact_at(func, block, v)
    }

    /// The fact of `v` on `edge`: at the edge's source, met with what the
    /// edge's outcome implies.
    pub fn value_on_edge(&self, func: &Function, edge: Edge, v: Value) -> F {
        let v = if func.dfg.value_is_valid(v) { func.dfg.resolve_aliases(v) } else { v };
        if let Some(f) = self.edge_facts.get(&edge).and_then(|l| l.iter().find(|e| e.0 == v)) {
            return f.1.clone();
        }
        match func.layout.inst_block(edge.inst) {
            Some(block) => self.store.fact_at(func, block, v).clone(),
            None => self.value(func, v).clone(),
        }
    }

    /// Sets the fact of `v` at its definition (for a value a pass adds
    /// after solving, so later queries see it).
    pub fn set_value(&mut self, v: Value, fact: F) {
        self.store.values[v] = fact;
    }

    /// Is `block` executable?
    pub fn block_is_executable(&self, block: Block) -> bool {
        self.blocks.contains(block)
    }

    /// Is `edge` executable?
    pub fn edge_is_executable(&self, edge: Edge) -> bool {
        self.edges.contains(&edge)
    }

    /// The refinements recorded at `block` (they hold in its dominator
    /// subtree), sorted by value.
    pub fn refinements(&self, block: Block) -> &[(Value, F)] {
        &self.store.refined[block]
    }

    /// The facts `edge` implies, by value.
    pub fn edge_facts(&self, edge: Edge) -> &[(Value, F)] {
        self.edge_facts.get(&edge).map_or(&[], Vec::as_slice)
    }
}

/// A dataflow problem on one function: a domain, the facts of the entry
/// block's parameters, and whether to use edge facts.
pub struct Dataflow<'a, D: Domain> {
    func: &'a Function,
    domain: &'a D,
    entry: Vec<D::Fact>,
    pinned: BTreeMap<Value, D::Fact>,
    domtree: Option<&'a DominatorTree>,
}

impl<'a, D: Domain> Dataflow<'a, D> {
    /// `domain` on `func`; entry parameters are top, no edge facts.
    pub fn new(func: &'a Function, domain: &'a D) -> Self {
        Dataflow { func, domain, entry: Vec::new(), pinned: BTreeMap::new(), domtree: None }
    }

    /// Facts known of instruction results beyond what their transfer
    /// gives (what the host wrote where a load reads, say): each such
    /// result's fact is its transfer's met with the one given. The caller
    /// vouches for them, as for entry facts.
    pub fn with_value_facts(mut self, facts: Vec<(Value, D::Fact)>) -> Self {
        for (v, f) in facts {
            self.pinned.insert(self.func.dfg.resolve_aliases(v), f);
        }
        self
    }

    /// The facts of the entry block's parameters, in order (a missing one
    /// is top). The caller vouches for them: they are the precondition
    /// under which the solution holds.
    pub fn with_entry_facts(mut self, facts: Vec<D::Fact>) -> Self {
        self.entry = facts;
        self
    }

    /// Use edge facts ([`Domain::refine`]); `domtree` must be the dominator
    /// tree of the function as it is.
    pub fn with_edge_facts(mut self, domtree: &'a DominatorTree) -> Self {
        self.domtree = Some(domtree);
        self
    }

    /// Runs the propagation to its fixpoint.
    pub fn solve(self) -> Solution<D::Fact> {
        let mut s = Solver {
            func: self.func,
            domain: self.domain,
            domtree: self.domtree,
            pinned: self.pinned,
            store: Store::new(),
            blocks: EntitySet::new(),
            edges: BTreeSet::new(),
            edge_facts: BTreeMap::new(),
            exec_in: SecondaryMap::new(),
            uses: SecondaryMap::new(),
            deps: SecondaryMap::new(),
            virtual_blocks: SecondaryMap::new(),
            changes: SecondaryMap::new(),
            virtual_changes: BTreeMap::new(),
            widen_points: EntitySet::new(),
            widened: false,
            queued: EntitySet::new(),
            block_work: Vec::new(),
            value_work: Vec::new(),
        };
        s.run(self.entry);
        Solution { store: s.store, blocks: s.blocks, edges: s.edges, edge_facts: s.edge_facts }
    }
}

struct Solver<'a, D: Domain> {
    func: &'a Function,
    domain: &'a D,
    domtree: Option<&'a DominatorTree>,
    /// Facts given for instruction results ([`Dataflow::with_value_facts`]).
    pinned: BTreeMap<Value, D::Fact>,
    store: Store<D::Fact>,
    blocks: EntitySet<Block>,
    edges: BTreeSet<Edge>,
    edge_facts: BTreeMap<Edge, Vec<(Value, D::Fact)>>,
    /// The executable edges into each block.
    exec_in: SecondaryMap<Block, Vec<Edge>>,
    /// Instructions using each value (operand or block-call argument).
    uses: SecondaryMap<Value, Vec<Inst>>,
    /// Instructions whose evaluation read each value beyond their operands.
    deps: SecondaryMap<Value, Vec<Inst>>,
    /// The blocks with a refinement (virtual parameter) of each value.
    virtual_blocks: SecondaryMap<Value, Vec<Block>>,
    /// How many times each value's fact has grown.
    changes: SecondaryMap<Value, u32>,
    /// How many times each virtual parameter has grown.
    virtual_changes: BTreeMap<(Block, Value), u32>,
    /// Blocks whose parameters are widened.
    widen_points: EntitySet<Block>,
    /// Did a fact jump (widening, or the cap on changes)?
    widened: bool,
    queued: EntitySet<Value>,
    block_work: Vec<Block>,
    value_work: Vec<Value>,
}

impl<D: Domain> Solver<'_, D> {
    fn run(&mut self, entry_facts: Vec<D::Fact>) {
        let func = self.func;
        let Some(entry) = func.entry_block() else { return };
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                for v in func.dfg.inst_values(inst) {
                    if func.dfg.value_is_valid(v) {
                        let v = func.dfg.resolve_aliases(v);
                        if self.uses[v].last() != Some(&inst) {
                            self.uses[v].push(inst);
                        }
                    }
                }
            }
        }
        if let Some(domtree) = self.domtree {
            for block in func.layout.blocks() {
                self.store.idom[block] = domtree.idom(block).into();
                let Some(inst) = func.terminator(block) else { continue };
                for call in func.dfg.branch_destinations(inst) {
                    if domtree.dominates(call.block, block) {
                        self.widen_points.insert(call.block);
                    }
                }
            }
        } else {
            for block in func.layout.blocks() {
                self.widen_points.insert(block);
            }
        }
        let mut entry_facts = entry_facts.into_iter();
        for &p in func.dfg.block_params(entry) {
            self.store.values[p] = entry_facts.next().unwrap_or_else(D::Fact::top);
        }
        self.blocks.insert(entry);
        self.block_work.push(entry);
        loop {
            if let Some(block) = self.block_work.pop() {
                for inst in func.layout.block_insts(block) {
                    self.visit(inst);
                }
            } else if let Some(v) = self.value_work.pop() {
                self.queued.remove(v);
                self.value_changed(v);
            } else {
                break;
            }
        }
        if self.widened {
            self.narrow(entry);
        }
    }

    /// Revisits what depends on `v`: its users and readers in executable
    /// blocks, and its virtual parameters.
    fn value_changed(&mut self, v: Value) {
        let func = self.func;
        for i in 0..self.uses[v].len() + self.deps[v].len() {
            let inst = if i < self.uses[v].len() { self.uses[v][i] } else { self.deps[v][i - self.uses[v].len()] };
            if func.layout.inst_block(inst).is_some_and(|b| self.blocks.contains(b)) {
                self.visit(inst);
            }
        }
        for i in 0..self.virtual_blocks[v].len() {
            let block = self.virtual_blocks[v][i];
            self.update_virtual(block, v);
        }
    }

    fn fact_at(&self, block: Block, v: Value) -> &D::Fact {
        self.store.fact_at(self.func, block, v)
    }

    /// Records that `inst` read the facts of `reads` (beyond its operands).
    fn add_deps(&mut self, inst: Inst, reads: &[Value]) {
        for &v in reads {
            if !self.func.dfg.value_is_valid(v) {
                continue;
            }
            let v = self.func.dfg.resolve_aliases(v);
            if !self.deps[v].contains(&inst) && !self.uses[v].contains(&inst) {
                self.deps[v].push(inst);
            }
        }
    }

    /// Joins `new` into the fact of `v` (widening a loop header's
    /// parameter when `widen`); queues `v` if its fact grew.
    fn raise(&mut self, v: Value, new: &D::Fact, widen: bool) {
        let old = &self.store.values[v];
        let joined = old.join(new);
        if joined == *old {
            return;
        }
        self.changes[v] += 1;
        let n = self.changes[v];
        let fact = if n >= MAX_CHANGES {
            self.widened = true;
            D::Fact::top()
        } else if widen && n > WIDENING_DELAY {
            self.widened = true;
            self.domain.widen(old, &joined).join(&joined)
        } else {
            joined
        };
        self.store.values[v] = fact;
        self.queue(v);
    }

    fn queue(&mut self, v: Value) {
        if !self.queued.contains(v) {
            self.queued.insert(v);
            self.value_work.push(v);
        }
    }

    fn visit(&mut self, inst: Inst) {
        let func = self.func;
        let Some(block) = func.layout.inst_block(inst) else { return };
        match &func.dfg.insts[inst] {
            InstructionData::Jump { .. } => self.take(block, Edge { inst, slot: 0 }, None),
            InstructionData::Brif { cond, .. } | InstructionData::BrTable { index: cond, .. } => {
                let fact = self.fact_at(block, *cond).clone();
                for edge in edges_from(func, inst) {
                    if let Some(outcome) = outcome(func, edge)
                        && self.domain.may_take(&fact, outcome)
                    {
                        self.take(block, edge, Some((*cond, outcome)));
                    }
                }
            }
            InstructionData::Op { opcode, args, imm } => {
                let results = func.dfg.inst_results(inst);
                let [result] = *results else {
                    for &r in results {
                        self.raise(r, &D::Fact::top(), false);
                    }
                    return;
                };
                let (mut new, reads) = self.evaluate(block, inst, *opcode, args, *imm, result);
                if let Some(pinned) = self.pinned.get(&result) {
                    new = new.meet(pinned);
                }
                if !reads.is_empty() {
                    self.add_deps(inst, &reads);
                }
                self.raise(result, &new, false);
            }
        }
    }

    /// The transfer of `inst` (in `block`, with one result): the fact of
    /// its result and the values read beyond its operands.
    fn evaluate(
        &self,
        block: Block,
        inst: Inst,
        opcode: Opcode,
        args: &weft_ir::ValueList,
        imm: Imm,
        result: Value,
    ) -> (D::Fact, Vec<Value>) {
        let func = self.func;
        let args = args.as_slice(&func.dfg.value_lists);
        let facts: Vec<D::Fact> = args.iter().map(|&a| self.fact_at(block, a).clone()).collect();
        let op = Operation { inst, opcode, imm, args, facts: &facts, result, ty: func.dfg.value_type(result) };
        let mut cx = FactCx { func, block, store: &self.store, reads: Vec::new() };
        let fact = self.domain.transfer(&op, &mut cx);
        (fact, cx.reads)
    }

    /// The facts the outcome of `edge` (a branch of `block` on `cond`)
    /// implies, met with what is known at `block` and merged by value;
    /// `None` if one of them is bottom (no execution takes the edge).
    fn edge_constraints(
        &mut self,
        block: Block,
        edge: Edge,
        cond: Value,
        outcome: Outcome,
    ) -> Option<Vec<(Value, D::Fact)>> {
        let func = self.func;
        let mut implied = Vec::new();
        let mut cx = FactCx { func, block, store: &self.store, reads: Vec::new() };
        self.domain.refine(cond, outcome, &mut cx, &mut implied);
        let mut reads = cx.reads;
        let mut out: Vec<(Value, D::Fact)> = Vec::with_capacity(implied.len());
        for (v, fact) in implied {
            if !func.dfg.value_is_valid(v) {
                continue;
            }
            let v = func.dfg.resolve_aliases(v);
            reads.push(v);
            match out.iter_mut().find(|e| e.0 == v) {
                Some(e) => e.1 = e.1.meet(&fact),
                None => {
                    let known = self.fact_at(block, v).meet(&fact);
                    out.push((v, known));
                }
            }
        }
        self.add_deps(edge.inst, &reads);
        out.sort_by_key(|e| e.0);
        if out.iter().any(|e| e.1.is_bottom()) { None } else { Some(out) }
    }

    /// Takes `edge` out of `block` (marks it and its target executable)
    /// and passes its arguments; `cond` is the branch's condition and the
    /// edge's outcome, for edge facts.
    fn take(&mut self, block: Block, edge: Edge, cond: Option<(Value, Outcome)>) {
        let func = self.func;
        let Some(call) = func.dfg.branch_destination(edge.inst, edge.slot) else { return };
        let target = call.block;
        if !func.dfg.block_is_valid(target) || !func.layout.is_block_inserted(target) {
            return;
        }
        let mut refined_changed = false;
        if let (Some(domtree), Some((cond, outcome))) = (self.domtree, cond) {
            let Some(constraints) = self.edge_constraints(block, edge, cond, outcome) else { return };
            let stored = self.edge_facts.get(&edge);
            if stored.map_or(!constraints.is_empty(), |s| *s != constraints) {
                for (v, _) in &constraints {
                    let def = def_block(func, *v);
                    if def.is_some_and(|d| domtree.strictly_dominates(d, target))
                        && self.store.refinement(target, *v).is_none()
                    {
                        self.add_virtual(target, *v);
                    }
                }
                self.edge_facts.insert(edge, constraints);
                refined_changed = true;
            }
        }
        let newly = self.edges.insert(edge);
        if newly {
            self.exec_in[target].push(edge);
        }
        let args = func.dfg.block_call_args(call);
        let params = func.dfg.block_params(target);
        let widen = self.widen_points.contains(target);
        if args.len() == params.len() {
            for (&p, &a) in params.iter().zip(args) {
                let fact = self.arg_fact(block, edge, a);
                self.raise(p, &fact, widen);
            }
        } else {
            for &p in params {
                self.raise(p, &D::Fact::top(), widen);
            }
        }
        if newly || refined_changed {
            for i in 0..self.store.refined[target].len() {
                let v = self.store.refined[target][i].0;
                self.update_virtual(target, v);
            }
        }
        if !self.blocks.contains(target) {
            self.blocks.insert(target);
            self.block_work.push(target);
        }
    }

    /// The fact of `v` on `edge` out of `block`.
    fn arg_fact(&self, block: Block, edge: Edge, v: Value) -> D::Fact {
        let v = if self.func.dfg.value_is_valid(v) { self.func.dfg.resolve_aliases(v) } else { v };
        if let Some(list) = self.edge_facts.get(&edge)
            && let Ok(i) = list.binary_search_by_key(&v, |e| e.0)
        {
            return list[i].1.clone();
        }
        self.fact_at(block, v).clone()
    }

    /// Creates the virtual parameter `(block, v)`, at bottom.
    fn add_virtual(&mut self, block: Block, v: Value) {
        let list = &mut self.store.refined[block];
        let i = list.partition_point(|e| e.0 < v);
        list.insert(i, (v, D::Fact::bottom()));
        self.store.refined_values.insert(v);
        self.virtual_blocks[v].push(block);
    }

    /// Recomputes the virtual parameter `(block, v)` from the executable
    /// edges into `block`; queues `v` if it grew.
    fn update_virtual(&mut self, block: Block, v: Value) {
        let acc = self.virtual_fact(block, v);
        let list = &mut self.store.refined[block];
        let Ok(i) = list.binary_search_by_key(&v, |e| e.0) else { return };
        let joined = list[i].1.join(&acc);
        if joined != list[i].1 {
            let n = self.virtual_changes.entry((block, v)).or_insert(0);
            *n += 1;
            list[i].1 = if *n >= MAX_CHANGES { D::Fact::top() } else { joined };
            self.widened |= *n >= MAX_CHANGES;
            self.queue(v);
        }
    }

    /// The join of `v`'s facts on the executable edges into `block`, met
    /// with its fact at the immediate dominator: a virtual parameter's
    /// fact recomputed.
    fn virtual_fact(&self, block: Block, v: Value) -> D::Fact {
        let mut acc = D::Fact::bottom();
        for &edge in &self.exec_in[block] {
            let Some(src) = self.func.layout.inst_block(edge.inst) else { continue };
            acc = acc.join(&self.arg_fact(src, edge, v));
        }
        match self.store.idom[block].expand() {
            Some(parent) => acc.meet(self.fact_at(parent, v)),
            None => acc,
        }
    }

    /// Narrowing: after widening, every fact is recomputed from the facts
    /// around it and met with what it was, [`NARROWING_ROUNDS`] times over
    /// the executable blocks in reverse post-order; executable edges stay.
    /// Each step keeps the solution sound: the facts it reads allow every
    /// value an execution can compute, so the recomputed fact does too.
    fn narrow(&mut self, entry: Block) {
        let func = self.func;
        let order: Vec<Block> = match self.domtree {
            Some(domtree) => domtree.rpo().filter(|&b| self.blocks.contains(b)).collect(),
            None => func.layout.blocks().filter(|&b| self.blocks.contains(b)).collect(),
        };
        for _ in 0..NARROWING_ROUNDS {
            for &block in &order {
                if block != entry {
                    let params = func.dfg.block_params(block);
                    for (i, &p) in params.iter().enumerate() {
                        let mut acc = D::Fact::bottom();
                        for &edge in &self.exec_in[block] {
                            let args = weft_ir::cfg_edit::edge_args(func, edge);
                            let (Some(&a), Some(src)) = (args.get(i), func.layout.inst_block(edge.inst)) else {
                                acc = D::Fact::top();
                                break;
                            };
                            acc = acc.join(&self.arg_fact(src, edge, a));
                        }
                        self.store.values[p] = self.store.values[p].meet(&acc);
                    }
                }
                for i in 0..self.store.refined[block].len() {
                    let v = self.store.refined[block][i].0;
                    let fact = self.virtual_fact(block, v);
                    let entry = &mut self.store.refined[block][i].1;
                    *entry = entry.meet(&fact);
                }
                for inst in func.layout.block_insts(block) {
                    self.narrow_inst(block, inst);
                }
            }
        }
    }

    /// Recomputes the result of `inst`, or the edge facts of a branch.
    fn narrow_inst(&mut self, block: Block, inst: Inst) {
        let func = self.func;
        match &func.dfg.insts[inst] {
            InstructionData::Op { opcode, args, imm } => {
                let [result] = *func.dfg.inst_results(inst) else { return };
                let (new, _) = self.evaluate(block, inst, *opcode, args, *imm, result);
                self.store.values[result] = self.store.values[result].meet(&new);
            }
            InstructionData::Jump { .. } => {}
            InstructionData::Brif { cond, .. } | InstructionData::BrTable { index: cond, .. } => {
                if self.domtree.is_none() {
                    return;
                }
                for edge in edges_from(func, inst) {
                    let Some(outcome) = outcome(func, edge) else { continue };
                    if !self.edges.contains(&edge) {
                        continue;
                    }
                    if let Some(constraints) = self.edge_constraints(block, edge, *cond, outcome) {
                        self.edge_facts.insert(edge, constraints);
                    }
                }
            }
        }
    }
}

//! Editing the control-flow graph: the one home of the primitives a pass
//! uses to change branches, block parameters and blocks.
//!
//! An edge is an index, not a match on the kind of terminator: an [`Edge`]
//! names destination `slot` of branch `inst`, with the slots of
//! [`DataFlowGraph::branch_destinations`](crate::DataFlowGraph::branch_destinations)
//! (`jump`: 0; `brif`: 0 then, 1 else; `br_table`: 0 the default, `i + 1`
//! target `i`). An edge stays valid while its branch stays in place —
//! changing its target or arguments ([`set_edge`], [`retarget`],
//! [`remove_param_with_args`]) keeps every edge of the function valid —
//! and is gone once the branch is replaced ([`make_jump`]) or removed.
//!
//! ```text
//! block0(v0: i32):                         block0(v0: i32):
//!     brif v0, block1(v0), block2              brif v0, block3, block2
//! block1(v1: i32):               split     block3:
//!     ...                        edge          jump block1(v0)
//!                             (inst0, 0)   block1(v1: i32):
//!                                              ...
//! ```
//!
//! What each primitive guarantees is in its doc; given IR that passes the
//! structural verifier, each one's result passes it too (the unit tests in
//! `ir/tests/cfg_edit.rs` check that on text IR). The CFG, dominator tree,
//! loop analysis and liveness of the function are stale after any edit that
//! adds, removes or retargets an edge or a block: the caller invalidates
//! them (in `weft-passes`, through its pass context).

use crate::ValueDef;
use crate::entities::{Block, FuncRef, Inst, Value};
use crate::function::{FuncDecl, Function};
use crate::immediates::Imm;
use crate::instructions::{BlockCall, InstructionData};
use crate::loop_analysis::{Loop, LoopAnalysis};
use crate::opcodes::Opcode;
use cranelift_entity::{EntitySet, SecondaryMap};

/// One CFG edge: destination `slot` of branch `inst`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Edge {
    /// The branch (a `jump`, `brif` or `br_table`).
    pub inst: Inst,
    /// Which of its destinations (see the module docs).
    pub slot: usize,
}

/// The edges into every block (see [`incoming_edges`]).
pub type IncomingEdges = SecondaryMap<Block, Vec<Edge>>;

/// Is `block` a block of the DFG that is in the layout?
fn in_layout(func: &Function, block: Block) -> bool {
    func.dfg.block_is_valid(block) && func.layout.is_block_inserted(block)
}

/// The edges out of branch `inst`, in slot order (none for a non-branch).
pub fn edges_from(func: &Function, inst: Inst) -> impl Iterator<Item = Edge> + use<> {
    (0..func.dfg.num_branch_destinations(inst)).map(move |slot| Edge { inst, slot })
}

/// Every edge into every block: from the terminator of each block in the
/// layout, in layout order and then slot order. Edges to blocks outside the
/// layout are left out; edges from unreachable blocks are included. A block
/// with no entry has an empty list.
pub fn incoming_edges(func: &Function) -> IncomingEdges {
    let mut edges = IncomingEdges::new();
    for block in func.layout.blocks() {
        let Some(inst) = func.terminator(block) else { continue };
        for (slot, call) in func.dfg.branch_destinations(inst).enumerate() {
            if in_layout(func, call.block) {
                edges[call.block].push(Edge { inst, slot });
            }
        }
    }
    edges
}

/// The block `edge` goes to, if the edge exists.
pub fn edge_target(func: &Function, edge: Edge) -> Option<Block> {
    func.dfg.branch_destination(edge.inst, edge.slot).map(|call| call.block)
}

/// The arguments `edge` passes, as written (aliases not resolved); empty if
/// the edge does not exist.
pub fn edge_args(func: &Function, edge: Edge) -> &[Value] {
    match func.dfg.branch_destination(edge.inst, edge.slot) {
        Some(call) => func.dfg.block_call_args(call),
        None => &[],
    }
}

/// Makes `edge` go to `block` with `args` (a fresh argument list, so no
/// other edge shares it). Does nothing if the edge does not exist.
pub fn set_edge(func: &mut Function, edge: Edge, block: Block, args: &[Value]) {
    let call = BlockCall::new(block, args, &mut func.dfg.value_lists);
    if let Some(dest) = func.dfg.branch_destination_mut(edge.inst, edge.slot) {
        *dest = call;
    }
}

/// Makes every destination of branch `inst` that goes to `from` go to `to`,
/// with `args` when given, else with the arguments it had. Returns how many
/// destinations changed.
pub fn retarget(func: &mut Function, inst: Inst, from: Block, to: Block, args: Option<&[Value]>) -> usize {
    let edges: Vec<Edge> = edges_from(func, inst).filter(|&e| edge_target(func, e) == Some(from)).collect();
    for &edge in &edges {
        let args = args.map_or_else(|| edge_args(func, edge).to_vec(), <[Value]>::to_vec);
        set_edge(func, edge, to, &args);
    }
    edges.len()
}

/// Replaces the branch of `edge` by a `jump` along `edge` (same target,
/// same arguments): the branch's other edges are gone. Returns whether the
/// edge existed.
pub fn make_jump(func: &mut Function, edge: Edge) -> bool {
    let Some(block) = edge_target(func, edge) else { return false };
    let args = edge_args(func, edge).to_vec();
    let dest = BlockCall::new(block, &args, &mut func.dfg.value_lists);
    func.dfg.replace_inst_data(edge.inst, InstructionData::Jump { dest });
    true
}

/// Removes parameter `index` of `block` and argument `index` of every edge
/// into it; returns the removed parameter, now detached (the caller makes it
/// an alias of what replaces it, or leaves it unused). `incoming` must list
/// every edge into `block` ([`incoming_edges`]; removing parameters keeps
/// it current, so one map serves many removals). An edge with too few
/// arguments is left as it is.
pub fn remove_param_with_args(func: &mut Function, incoming: &IncomingEdges, block: Block, index: usize) -> Value {
    for &edge in &incoming[block] {
        let mut args = edge_args(func, edge).to_vec();
        if index < args.len() {
            args.remove(index);
            set_edge(func, edge, block, &args);
        }
    }
    func.dfg.remove_block_param(block, index)
}

/// Splits `edge`: a new block, placed in the layout right after the block
/// of the branch, takes the edge's arguments and jumps to its target; the
/// edge goes to the new block without arguments. Returns the new block, or
/// `None` if the edge does not exist or its branch is not in the layout.
///
/// The arguments are defined where the branch could use them, and the new
/// block's only predecessor is the branch, so they dominate their new use.
pub fn split_edge(func: &mut Function, edge: Edge) -> Option<Block> {
    let from = func.layout.inst_block(edge.inst)?;
    let target = edge_target(func, edge)?;
    let args = edge_args(func, edge).to_vec();
    let block = func.dfg.make_block();
    func.layout.insert_block_after(block, from);
    let jump = func.dfg.make_jump(target, &args);
    func.layout.append_inst(jump, block);
    set_edge(func, edge, block, &[]);
    Some(block)
}

/// Is `edge` critical: does its branch have two or more destinations while
/// its target has two or more incoming edges? (Two destinations of one
/// branch to the same block count twice.) `incoming` is [`incoming_edges`].
pub fn is_critical_edge(func: &Function, incoming: &IncomingEdges, edge: Edge) -> bool {
    let Some(target) = edge_target(func, edge) else { return false };
    func.dfg.num_branch_destinations(edge.inst) >= 2 && incoming[target].len() >= 2
}

/// Splits every critical edge ([`is_critical_edge`]) from a block in the
/// layout, in layout order and then slot order; returns the new blocks in
/// that order.
pub fn split_critical_edges(func: &mut Function) -> Vec<Block> {
    let incoming = incoming_edges(func);
    let mut critical = Vec::new();
    for block in func.layout.blocks() {
        let Some(inst) = func.terminator(block) else { continue };
        critical.extend(edges_from(func, inst).filter(|&e| {
            edge_target(func, e).is_some_and(|t| in_layout(func, t)) && is_critical_edge(func, &incoming, e)
        }));
    }
    critical.into_iter().filter_map(|edge| split_edge(func, edge)).collect()
}

/// Gives loop `lp` a fresh preheader: a new block, placed in the layout
/// right before the header, with parameters of the header's parameter
/// types, that jumps to the header passing its parameters on. Every edge
/// into the header from outside the loop (entries, including those from
/// unreachable blocks) goes to the new block instead, with its arguments;
/// the back edges keep going to the header. Returns the new block, or
/// `None` when the header has no entry edge or is the entry block.
///
/// `loops` must describe `func` as it is; afterwards it is stale (once
/// recomputed, the new block is [`LoopAnalysis::preheader`] of the loop).
pub fn create_preheader(func: &mut Function, loops: &LoopAnalysis, lp: Loop) -> Option<Block> {
    let header = loops.header(lp);
    if func.layout.entry_block() == Some(header) || !in_layout(func, header) {
        return None;
    }
    let incoming = incoming_edges(func);
    let entries: Vec<Edge> = incoming[header]
        .iter()
        .copied()
        .filter(|e| func.layout.inst_block(e.inst).is_some_and(|b| !loops.is_in_loop(b, lp)))
        .collect();
    if entries.is_empty() {
        return None;
    }
    let block = func.dfg.make_block();
    let params: Vec<Value> =
        func.dfg.block_param_types(header).into_iter().map(|ty| func.dfg.append_block_param(block, ty)).collect();
    func.layout.insert_block_before(block, header);
    for edge in entries {
        let args = edge_args(func, edge).to_vec();
        set_edge(func, edge, block, &args);
    }
    let jump = func.dfg.make_jump(header, &params);
    func.layout.append_inst(jump, block);
    Some(block)
}

/// The blocks reachable from the entry block through the terminators of
/// blocks in the layout.
pub fn reachable_blocks(func: &Function) -> EntitySet<Block> {
    let mut seen = EntitySet::new();
    let Some(entry) = func.entry_block() else { return seen };
    let mut stack = vec![entry];
    seen.insert(entry);
    while let Some(block) = stack.pop() {
        let Some(inst) = func.terminator(block) else { continue };
        for call in func.dfg.branch_destinations(inst) {
            if in_layout(func, call.block) && !seen.contains(call.block) {
                seen.insert(call.block);
                stack.push(call.block);
            }
        }
    }
    seen
}

/// Removes from the layout every block not reachable from the entry, with
/// its instructions (their edges into reachable blocks, and so those
/// blocks' arguments, go with them). Returns whether a block was removed.
///
/// No value defined in an unreachable block is used by a reachable one in
/// verified IR (a definition dominates its uses), so the result verifies.
pub fn remove_unreachable_blocks(func: &mut Function) -> bool {
    let live = reachable_blocks(func);
    let dead: Vec<Block> = func.layout.blocks().filter(|&b| !live.contains(b)).collect();
    for &block in &dead {
        func.layout.remove_block_and_insts(block);
    }
    !dead.is_empty()
}

/// How many times each value is used by the instructions in the layout:
/// operands and block-call arguments, each occurrence counted, every use
/// counted for the value it resolves to through aliases. Invalid value
/// references are skipped.
pub fn use_counts(func: &Function) -> SecondaryMap<Value, u32> {
    let mut uses: SecondaryMap<Value, u32> = SecondaryMap::new();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            for v in func.dfg.inst_values(inst) {
                if func.dfg.value_is_valid(v) {
                    uses[func.dfg.resolve_aliases(v)] += 1;
                }
            }
        }
    }
    uses
}

/// Removes every *redundant* parameter of a reachable block other than the
/// entry: one whose incoming arguments, over every edge into the block, are
/// all one value `v` or the parameter itself. The parameter becomes an alias
/// of `v` and its argument is dropped from every edge into the block (edges
/// from unreachable blocks included). Repeats until no parameter qualifies.
/// Returns whether anything changed; aliases are left for the caller to
/// resolve.
///
/// Sound on verified SSA: the first arrival at the block on any path comes
/// over an edge that passes `v` (the parameter is not yet defined there),
/// so `v`'s definition dominates the block, and every later arrival passes
/// `v` or the parameter's current value, which is `v`.
pub fn remove_redundant_params(func: &mut Function) -> bool {
    let Some(entry) = func.entry_block() else { return false };
    let live = reachable_blocks(func);
    let mut changed = false;
    loop {
        let incoming = incoming_edges(func);
        let blocks: Vec<Block> = func.layout.blocks().collect();
        let mut round = false;
        for block in blocks {
            if block == entry || !live.contains(block) || incoming[block].is_empty() {
                continue;
            }
            for i in (0..func.dfg.block_params(block).len()).rev() {
                let p = func.dfg.block_params(block)[i];
                let Some(v) = unique_incoming(func, &incoming[block], i, p) else { continue };
                remove_param_with_args(func, &incoming, block, i);
                func.dfg.change_to_alias(p, v);
                round = true;
            }
        }
        if !round {
            break;
        }
        changed = true;
    }
    changed
}

/// The one value other than `p` passed as argument `i` on every edge of
/// `edges`, if there is one (defined, and of `p`'s type).
fn unique_incoming(func: &Function, edges: &[Edge], i: usize, p: Value) -> Option<Value> {
    let mut only = None;
    for &edge in edges {
        let &a = edge_args(func, edge).get(i)?;
        if !func.dfg.value_is_valid(a) {
            return None;
        }
        let a = func.dfg.resolve_aliases(a);
        if a == p {
            continue;
        }
        match only {
            None => only = Some(a),
            Some(o) if o == a => {}
            Some(_) => return None,
        }
    }
    let v = only?;
    let defined = !matches!(func.dfg.value_def(v), ValueDef::Detached);
    (defined && func.dfg.value_type(v) == func.dfg.value_type(p)).then_some(v)
}

/// Replaces the `call_indirect` `inst` by a `br_table` on its index over
/// `targets`: index `i < targets.len()` calls `targets[i]` directly
/// (`None`: the arm traps with `unreachable`), every other index traps.
/// The instructions after the call move to a new block whose parameters
/// carry the call's results (the old results become aliases of them);
/// indices calling the same function share one arm. Returns the new
/// `br_table`, or `None` (nothing changed) when `inst` is not a
/// `call_indirect` in the layout or a target's declared signature is not
/// the call's.
///
/// ```text
/// block0(v0: i32, v1: i32):                   block0(v0: i32, v1: i32):
///     v2 = call_indirect sig0 table0 v0(v1)       br_table v0, block2, [block3, block2, block3]
///     return v2                               block1(v4: i32):
///                                                 return v4
///   targets [fn4, None, fn4]                  block2:
///                                                 trap
///                                             block3:
///                                                 v5 = call fn4(v1)
///                                                 jump block1(v5)
/// ```
///
/// The caller states why the table holds `targets` (and traps past
/// them) whenever the call runs; the call's type check is the caller's
/// too: a slot whose function has another type must be `None`.
pub fn devirtualize_call(func: &mut Function, inst: Inst, targets: &[Option<(FuncRef, FuncDecl)>]) -> Option<Inst> {
    let InstructionData::Op { opcode: Opcode::CallIndirect, imm: Imm::SigTable(sig, _), .. } = func.dfg.insts[inst]
    else {
        return None;
    };
    let sig = func.dfg.decls.sigs.get(&sig)?.clone();
    let declared = |f: &FuncRef, d: &FuncDecl| func.dfg.decls.funcs.get(f).map_or(&d.sig, |e| &e.sig) == &sig;
    if targets.iter().flatten().any(|(f, d)| d.sig != sig || !declared(f, d)) {
        return None;
    }
    let block = func.layout.inst_block(inst)?;
    let next = func.layout.next_inst(inst)?;
    let (index, args) = func.dfg.inst_args(inst).split_last().map(|(i, a)| (*i, a.to_vec()))?;
    for (f, decl) in targets.iter().flatten() {
        func.dfg.decls.funcs.entry(*f).or_insert_with(|| decl.clone());
    }
    let join = func.dfg.make_block();
    func.layout.split_block(join, next);
    let params: Vec<Value> = sig.results.iter().map(|ty| func.dfg.append_block_param(join, *ty)).collect();
    func.dfg.replace_results_with(inst, &params);
    func.layout.remove_inst(inst);

    let trap = func.dfg.make_block();
    func.layout.append_block(trap);
    let unreachable = func.dfg.make_op(Opcode::Unreachable, &[], Imm::None);
    func.layout.append_inst(unreachable, trap);
    let mut arms: Vec<(FuncRef, Block)> = Vec::new();
    let mut table = Vec::with_capacity(targets.len());
    for target in targets {
        let dest = match target {
            None => trap,
            Some((f, _)) => match arms.iter().find(|(g, _)| g == f) {
                Some(&(_, b)) => b,
                None => {
                    let arm = func.dfg.make_block();
                    func.layout.append_block(arm);
                    let call = func.dfg.make_op(Opcode::Call, &args, Imm::Func(*f));
                    func.dfg.make_inst_results(call).expect("the callee's declared signature is the call's");
                    func.layout.append_inst(call, arm);
                    let results = func.dfg.inst_results(call).to_vec();
                    let jump = func.dfg.make_jump(join, &results);
                    func.layout.append_inst(jump, arm);
                    arms.push((*f, arm));
                    arm
                }
            },
        };
        table.push((dest, Vec::new()));
    }
    let br = func.dfg.make_br_table(index, (trap, &[]), &table);
    func.layout.append_inst(br, block);
    Some(br)
}

/// Why [`inline_call`] declined.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InlineError {
    /// The instruction is not a direct `call` in the caller's layout.
    NotACall,
    /// The callee's signature differs from the call's declaration.
    SignatureMismatch,
    /// The callee has a tail call (its frame would replace the caller's).
    TailCall,
    /// The callee declares an entity differently from the caller.
    ConflictingDecl(String),
    /// The callee has no entry block.
    NoBody,
}

impl std::fmt::Display for InlineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            InlineError::NotACall => write!(f, "not a direct call in the layout"),
            InlineError::SignatureMismatch => write!(f, "the callee's signature differs from the call's"),
            InlineError::TailCall => write!(f, "the callee has a tail call"),
            InlineError::ConflictingDecl(what) => write!(f, "the callee declares {what} differently"),
            InlineError::NoBody => write!(f, "the callee has no entry block"),
        }
    }
}

impl std::error::Error for InlineError {}

/// Replaces the direct call `inst` of `caller` by a copy of `callee`'s body
/// (the callee function itself is not changed). Returns the block the
/// call's results arrive at, as its parameters.
///
/// ```text
/// block0(v0: i32):                      block0(v0: i32):
///     v1 = call fn3(v0)                     jump block2(v0)
///     v2 = i32.add v1, v0        =>     block2(v3: i32):        ; fn3's entry
///     return v2                             v4 = i32.mul v3, v3
///                                           jump block1(v4)     ; its return
/// fn3:                                  block1(v1: i32):
/// block0(v0: i32):                          v2 = i32.add v1, v0
///     v1 = i32.mul v0, v0                   return v2
///     return v1
/// ```
///
/// The call's block is split after the call: the instructions after it
/// move to a new block whose parameters are the call's results (the same
/// values). The callee's blocks reachable from its
/// entry are copied, in reverse postorder, after the call's block; its
/// entry receives the call's arguments, and each `return` becomes a jump
/// to the new block with the returned values. Everything else (traps,
/// calls, memory and global accesses) is copied as it is: a function's
/// module-level references are the same in every function of the module,
/// and the callee's declarations are added to the caller's.
///
/// Declines (without changing `caller`) a callee with a `return_call` or
/// `return_call_indirect`, whose signature differs from the call's
/// declaration, or that declares an entity the caller declares
/// differently. Given a caller and callee that pass the structural
/// verifier, the result passes it: a definition dominates its uses in the
/// callee, so also in the copy, which the call's block dominates.
pub fn inline_call(caller: &mut Function, inst: Inst, callee: &Function) -> Result<Block, InlineError> {
    let InstructionData::Op { opcode: Opcode::Call, imm: Imm::Func(f), .. } = caller.dfg.insts[inst] else {
        return Err(InlineError::NotACall);
    };
    let block = caller.layout.inst_block(inst).ok_or(InlineError::NotACall)?;
    let next = caller.layout.next_inst(inst).ok_or(InlineError::NotACall)?;
    let decl = caller.dfg.decls.funcs.get(&f).ok_or(InlineError::NotACall)?;
    if decl.sig != callee.sig {
        return Err(InlineError::SignatureMismatch);
    }
    let entry = callee.entry_block().ok_or(InlineError::NoBody)?;
    let order = reverse_postorder(callee, entry);
    let tail = order
        .iter()
        .flat_map(|&b| callee.layout.block_insts(b))
        .any(|i| matches!(callee.dfg.insts[i].opcode(), Opcode::ReturnCall | Opcode::ReturnCallIndirect));
    if tail {
        return Err(InlineError::TailCall);
    }
    merge_decls(caller, callee)?;

    // The block the call's results arrive at.
    let join = caller.dfg.make_block();
    caller.layout.split_block(join, next);
    // The call's results become the join block's parameters, keeping
    // their numbers (a checker matches values live into loop headers by
    // number).
    let results = caller.dfg.inst_results(inst).to_vec();
    let args = caller.dfg.inst_args(inst).to_vec();
    caller.dfg.clear_results(inst);
    for v in results {
        caller.dfg.attach_block_param(join, v);
    }
    caller.layout.remove_inst(inst);

    // Blocks first (a branch may name a block later in the order), then
    // instructions in reverse postorder: a definition dominates its uses,
    // so it is copied before them.
    let mut blocks: SecondaryMap<Block, Option<Block>> = SecondaryMap::new();
    let mut values: SecondaryMap<Value, Option<Value>> = SecondaryMap::new();
    let mut after = block;
    for &b in &order {
        let copy = caller.dfg.make_block();
        caller.layout.insert_block_after(copy, after);
        after = copy;
        blocks[b] = Some(copy);
        for &p in callee.dfg.block_params(b) {
            values[p] = Some(caller.dfg.append_block_param(copy, callee.dfg.value_type(p)));
        }
    }
    let entry_copy = blocks[entry].expect("the entry is in the order");
    let jump = caller.dfg.make_jump(entry_copy, &args);
    caller.layout.append_inst(jump, block);

    let map = |values: &SecondaryMap<Value, Option<Value>>, v: Value| {
        values[callee.dfg.resolve_aliases(v)].expect("a definition is copied before its uses")
    };
    for &b in &order {
        let copy = blocks[b].expect("every block of the order is copied");
        for i in callee.layout.block_insts(b) {
            let call_args = |values: &SecondaryMap<Value, Option<Value>>, c: &BlockCall| -> (Block, Vec<Value>) {
                let args = callee.dfg.block_call_args(c).iter().map(|&v| map(values, v)).collect();
                (blocks[c.block].expect("a successor of a reachable block is reachable"), args)
            };
            let new = match &callee.dfg.insts[i] {
                InstructionData::Op { opcode: Opcode::Return, .. } => {
                    let vals: Vec<Value> = callee.dfg.inst_args(i).iter().map(|&v| map(&values, v)).collect();
                    caller.dfg.make_jump(join, &vals)
                }
                InstructionData::Op { opcode, imm, .. } => {
                    let args: Vec<Value> = callee.dfg.inst_args(i).iter().map(|&v| map(&values, v)).collect();
                    let new = caller.dfg.make_op(*opcode, &args, *imm);
                    for &r in callee.dfg.inst_results(i) {
                        values[r] = Some(caller.dfg.append_result(new, callee.dfg.value_type(r)));
                    }
                    new
                }
                InstructionData::Jump { dest } => {
                    let (b, args) = call_args(&values, dest);
                    caller.dfg.make_jump(b, &args)
                }
                InstructionData::Brif { cond, then_dest, else_dest } => {
                    let cond = map(&values, *cond);
                    let (tb, ta) = call_args(&values, then_dest);
                    let (eb, ea) = call_args(&values, else_dest);
                    caller.dfg.make_brif(cond, tb, &ta, eb, &ea)
                }
                InstructionData::BrTable { index, table } => {
                    let index = map(&values, *index);
                    let data = &callee.dfg.jump_tables[*table];
                    let (db, da) = call_args(&values, &data.default);
                    let targets: Vec<(Block, Vec<Value>)> =
                        data.targets.iter().map(|c| call_args(&values, c)).collect();
                    caller.dfg.make_br_table(index, (db, &da), &targets)
                }
            };
            caller.layout.append_inst(new, copy);
        }
    }
    Ok(join)
}

/// The blocks reachable from `entry`, in reverse postorder.
fn reverse_postorder(func: &Function, entry: Block) -> Vec<Block> {
    let mut seen: EntitySet<Block> = EntitySet::new();
    let mut post = Vec::new();
    let mut stack: Vec<(Block, Vec<Block>)> = vec![(entry, func.successors(entry))];
    seen.insert(entry);
    while let Some((b, succs)) = stack.last_mut() {
        match succs.pop() {
            Some(s) if in_layout(func, s) && !seen.contains(s) => {
                seen.insert(s);
                let next = func.successors(s);
                stack.push((s, next));
            }
            Some(_) => {}
            None => {
                post.push(*b);
                stack.pop();
            }
        }
    }
    post.reverse();
    post
}

/// Adds `callee`'s declarations to `caller`'s; fails, changing nothing,
/// on an entity both declare differently.
fn merge_decls(caller: &mut Function, callee: &Function) -> Result<(), InlineError> {
    fn check<K: Ord + Copy + std::fmt::Display, V: PartialEq>(
        have: &std::collections::BTreeMap<K, V>,
        add: &std::collections::BTreeMap<K, V>,
    ) -> Result<(), InlineError> {
        match add.iter().find(|(k, v)| have.get(k).is_some_and(|h| h != *v)) {
            Some((k, _)) => Err(InlineError::ConflictingDecl(k.to_string())),
            None => Ok(()),
        }
    }
    fn add<K: Ord + Copy, V: Clone>(
        have: &mut std::collections::BTreeMap<K, V>,
        add: &std::collections::BTreeMap<K, V>,
    ) {
        for (k, v) in add {
            have.entry(*k).or_insert_with(|| v.clone());
        }
    }
    let (have, new) = (&caller.dfg.decls, &callee.dfg.decls);
    check(&have.sigs, &new.sigs)?;
    check(&have.funcs, &new.funcs)?;
    check(&have.globals, &new.globals)?;
    check(&have.memories, &new.memories)?;
    check(&have.tables, &new.tables)?;
    let have = &mut caller.dfg.decls;
    add(&mut have.sigs, &new.sigs);
    add(&mut have.funcs, &new.funcs);
    add(&mut have.globals, &new.globals);
    add(&mut have.memories, &new.memories);
    add(&mut have.tables, &new.tables);
    Ok(())
}

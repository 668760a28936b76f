//! The module call graph: which function may call or reference which.
//!
//! Nodes are every function of the module, imports first, node `i` being
//! function `fn<i>`. Edges, labelled with a [`CallKind`], come from the
//! instructions in the layout of each IR body:
//!
//! * `call fnN` and `return_call fnN`: an edge to `fnN`.
//! * `ref.func fnN`: an edge to `fnN`. Taking a reference is treated as a
//!   possible call, since the reference may be called through a table or
//!   handed to the host; the target also joins the indirect targets.
//! * `call_indirect sigS tableT` and `return_call_indirect`: an edge to
//!   every *indirect target* whose signature equals type `sigS` (all of
//!   them when the signature is unknown). The indirect targets are the
//!   functions that can end up in a table: those of element segments and
//!   constant-expression `ref.func` ([`Module::elem_funcs`]), every
//!   `ref.func` target in a body, the exported functions and the imported
//!   ones (the host may store any function it can name in a table it shares
//!   with the module).
//! * An opaque body ([`FuncBody::Opaque`]) is not seen, so it is assumed to
//!   call and reference every function: it gets an edge to every function,
//!   and while any opaque body exists every function is an indirect target.
//!   This is sound: whatever an opaque body does is covered, and only when
//!   it can run (it is reachable) does it make anything else reachable.
//!
//! The roots are the functions the outside world can enter: function
//! exports, the start function and [`Module::elem_funcs`]. A `ref.func` in
//! a body needs no root: its edge makes the target reachable exactly when
//! the function holding it is. Indices outside the module are ignored.

use crate::entities::FuncRef;
use crate::function::{Function, Signature};
use crate::immediates::Imm;
use crate::instructions::InstructionData;
use crate::module::{ExportKind, FuncBody, Module};
use crate::opcodes::Opcode;
use cranelift_entity::EntityRef;
use petgraph::Direction;
use petgraph::graph::{DiGraph, NodeIndex};
use petgraph::visit::EdgeRef;
use std::collections::BTreeSet;

/// Why an edge of the call graph exists.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CallKind {
    /// `call`.
    Direct,
    /// `return_call`.
    Tail,
    /// `call_indirect` or `return_call_indirect` to a possible target.
    Indirect,
    /// `ref.func`.
    Ref,
    /// An opaque body, assumed to call everything.
    Opaque,
}

/// The call graph of a module.
///
/// Two call graphs are equal when they have the same functions, the same
/// labelled edges, roots and indirect targets, and the same validity.
#[derive(Clone, Debug, Default)]
pub struct CallGraph {
    graph: DiGraph<FuncRef, CallKind>,
    roots: Vec<FuncRef>,
    indirect_targets: Vec<FuncRef>,
    valid: bool,
}

impl CallGraph {
    /// An empty, invalid call graph.
    pub fn new() -> Self {
        Self::default()
    }

    /// The call graph of `module`.
    pub fn with_module(module: &Module) -> Self {
        let mut cg = Self::new();
        cg.compute(module);
        cg
    }

    /// Forgets everything; the graph becomes invalid.
    pub fn clear(&mut self) {
        self.graph.clear();
        self.roots.clear();
        self.indirect_targets.clear();
        self.valid = false;
    }

    /// Has the graph been computed since the last [`Self::clear`]?
    pub fn is_valid(&self) -> bool {
        self.valid
    }

    /// Computes the call graph of `module`.
    pub fn compute(&mut self, module: &Module) {
        self.clear();
        self.valid = true;
        let n = module.num_funcs();
        let in_range = |f: FuncRef| f.index() < n;
        for i in 0..n {
            self.graph.add_node(FuncRef::new(i));
        }

        // What each IR body does, in layout order.
        let mut edges: BTreeSet<(FuncRef, FuncRef, CallKind)> = BTreeSet::new();
        let mut indirect_sites: Vec<(FuncRef, CallKind, Option<Signature>)> = Vec::new();
        let mut taken: BTreeSet<FuncRef> = BTreeSet::new();
        let mut any_opaque = false;
        for def in &module.funcs {
            let caller = def.index;
            if !in_range(caller) {
                continue;
            }
            match &def.body {
                FuncBody::Opaque { .. } => {
                    any_opaque = true;
                    for i in 0..n {
                        edges.insert((caller, FuncRef::new(i), CallKind::Opaque));
                    }
                }
                FuncBody::Ir(func) => {
                    for_each_op(func, |opcode, imm| match (opcode, imm) {
                        (Opcode::Call, Imm::Func(f)) if in_range(f) => {
                            edges.insert((caller, f, CallKind::Direct));
                        }
                        (Opcode::ReturnCall, Imm::Func(f)) if in_range(f) => {
                            edges.insert((caller, f, CallKind::Tail));
                        }
                        (Opcode::RefFunc, Imm::Func(f)) if in_range(f) => {
                            edges.insert((caller, f, CallKind::Ref));
                            taken.insert(f);
                        }
                        (Opcode::CallIndirect | Opcode::ReturnCallIndirect, Imm::SigTable(s, _)) => {
                            let sig = match module.types.get(s.index()) {
                                Some(Some(sig)) => Some(sig.clone()),
                                _ => func.dfg.decls.sigs.get(&s).cloned(),
                            };
                            indirect_sites.push((caller, CallKind::Indirect, sig));
                        }
                        _ => {}
                    });
                }
            }
        }

        // Functions that may sit in a table.
        if any_opaque {
            taken.extend((0..n).map(FuncRef::new));
        } else {
            taken.extend(module.elem_funcs.iter().copied().filter(|&f| in_range(f)));
            taken.extend((0..module.imported_funcs.len()).map(FuncRef::new).filter(|&f| in_range(f)));
            taken.extend(exported_funcs(module).filter(|&f| in_range(f)));
        }
        self.indirect_targets = taken.into_iter().collect();
        for (caller, kind, sig) in indirect_sites {
            for &target in &self.indirect_targets {
                let matches = match (&sig, module.func_sig(target)) {
                    (Some(want), Some(have)) => want == have,
                    _ => true,
                };
                if matches {
                    edges.insert((caller, target, kind));
                }
            }
        }
        for (from, to, kind) in edges {
            self.graph.add_edge(NodeIndex::new(from.index()), NodeIndex::new(to.index()), kind);
        }

        let mut roots: BTreeSet<FuncRef> = exported_funcs(module).collect();
        roots.extend(module.start);
        roots.extend(module.elem_funcs.iter().copied());
        self.roots = roots.into_iter().filter(|&f| in_range(f)).collect();
    }

    /// The underlying graph: node `i` is function `fn<i>`; parallel edges
    /// have different [`CallKind`]s.
    pub fn graph(&self) -> &DiGraph<FuncRef, CallKind> {
        &self.graph
    }

    /// Number of functions (nodes).
    pub fn num_funcs(&self) -> usize {
        self.graph.node_count()
    }

    /// The roots: exported functions, the start function and the functions
    /// of element segments, sorted.
    pub fn roots(&self) -> &[FuncRef] {
        &self.roots
    }

    /// The functions a `call_indirect` may reach (before filtering by
    /// signature), sorted.
    pub fn indirect_targets(&self) -> &[FuncRef] {
        &self.indirect_targets
    }

    fn node(&self, f: FuncRef) -> Option<NodeIndex> {
        (f.index() < self.graph.node_count()).then(|| NodeIndex::new(f.index()))
    }

    /// The functions reachable from the roots (roots included).
    pub fn reachable(&self) -> BTreeSet<FuncRef> {
        let mut seen = vec![false; self.graph.node_count()];
        let mut work: Vec<NodeIndex> = self.roots.iter().filter_map(|&f| self.node(f)).collect();
        for n in &work {
            seen[n.index()] = true;
        }
        while let Some(n) = work.pop() {
            for m in self.graph.neighbors_directed(n, Direction::Outgoing) {
                if !seen[m.index()] {
                    seen[m.index()] = true;
                    work.push(m);
                }
            }
        }
        seen.iter().enumerate().filter(|(_, s)| **s).map(|(i, _)| FuncRef::new(i)).collect()
    }

    /// The functions `f` may call or reference, sorted, without repeats.
    pub fn callees(&self, f: FuncRef) -> Vec<FuncRef> {
        self.neighbors(f, Direction::Outgoing)
    }

    /// The functions that may call or reference `f`, sorted, without repeats.
    pub fn callers(&self, f: FuncRef) -> Vec<FuncRef> {
        self.neighbors(f, Direction::Incoming)
    }

    /// The edges out of `f`: `(callee, kind)`, sorted.
    pub fn call_edges(&self, f: FuncRef) -> Vec<(FuncRef, CallKind)> {
        let Some(n) = self.node(f) else { return Vec::new() };
        let mut out: Vec<(FuncRef, CallKind)> =
            self.graph.edges_directed(n, Direction::Outgoing).map(|e| (self.graph[e.target()], *e.weight())).collect();
        out.sort_unstable();
        out
    }

    fn neighbors(&self, f: FuncRef, dir: Direction) -> Vec<FuncRef> {
        let Some(n) = self.node(f) else { return Vec::new() };
        let set: BTreeSet<FuncRef> = self.graph.neighbors_directed(n, dir).map(|m| self.graph[m]).collect();
        set.into_iter().collect()
    }

    /// Strongly connected components (mutually recursive groups), each
    /// sorted, callees' components before their callers'.
    pub fn sccs(&self) -> Vec<Vec<FuncRef>> {
        petgraph::algo::tarjan_scc(&self.graph)
            .into_iter()
            .map(|scc| {
                let mut fs: Vec<FuncRef> = scc.into_iter().map(|n| self.graph[n]).collect();
                fs.sort_unstable();
                fs
            })
            .collect()
    }

    /// Can `f` call itself, directly or through other functions?
    pub fn is_recursive(&self, f: FuncRef) -> bool {
        let Some(n) = self.node(f) else { return false };
        let mut seen = vec![false; self.graph.node_count()];
        let mut work: Vec<NodeIndex> = self.graph.neighbors_directed(n, Direction::Outgoing).collect();
        while let Some(m) = work.pop() {
            if m == n {
                return true;
            }
            if !std::mem::replace(&mut seen[m.index()], true) {
                work.extend(self.graph.neighbors_directed(m, Direction::Outgoing));
            }
        }
        false
    }
}

impl PartialEq for CallGraph {
    fn eq(&self, other: &Self) -> bool {
        let edges = |g: &CallGraph| {
            let mut out: Vec<(FuncRef, FuncRef, CallKind)> =
                g.graph.edge_references().map(|e| (g.graph[e.source()], g.graph[e.target()], *e.weight())).collect();
            out.sort_unstable();
            out
        };
        self.valid == other.valid
            && self.roots == other.roots
            && self.indirect_targets == other.indirect_targets
            && self.graph.node_weights().eq(other.graph.node_weights())
            && edges(self) == edges(other)
    }
}

impl Eq for CallGraph {}

/// The exported functions of `module`, in export order.
fn exported_funcs(module: &Module) -> impl Iterator<Item = FuncRef> + '_ {
    module.exports.iter().filter(|e| e.kind == ExportKind::Func).map(|e| FuncRef::from_u32(e.index))
}

/// Calls `f(opcode, imm)` for every `Op` instruction in the layout of
/// `func` (skipping invalid instruction indices).
fn for_each_op(func: &Function, mut f: impl FnMut(Opcode, Imm)) {
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            if let Some(InstructionData::Op { opcode, imm, .. }) = func.dfg.insts.get(inst) {
                f(*opcode, *imm);
            }
        }
    }
}

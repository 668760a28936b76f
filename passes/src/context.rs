//! What a pass gets besides the IR — the analyses of what it works on,
//! computed on first request and cached across passes — and what it tells
//! the manager back: whether it changed anything, and which analyses still
//! describe the result.
//!
//! A function pass asks its [`PassCx`] for the CFG, dominator tree, loop
//! nest or liveness of the function; a module pass asks its [`ModuleCx`]
//! for the call graph and for each function's [`PassCx`]. The getters take
//! `&self`, so a pass may hold several analyses at once. An analysis
//! describes the function as it was when computed: a pass that edits the
//! function and then wants an analysis again first calls
//! [`PassCx::invalidate`] with what its edits kept.
//!
//! A module pass may also specialize a function under a fact about its
//! inputs that it established for every caller (a P3 callback's event is
//! in the set the imports allow): [`ModuleCx::assume`] hands the fact to
//! the manager, which gives it to that function's refinement check as a
//! precondition and reports it with the verdict. The facts the caller of
//! weft supplies for the whole module ([`ModuleCx::assume_events`]) are
//! read from the context too.
//!
//! A pass whose change rests on a fact the checker cannot see in one
//! function's loop-free segments (a loop invariant `i <u len`, a vector
//! loop doing four scalar trips at a time) hands a certificate
//! ([`weft_verify::Certificate`], `docs/certificates.md`) to the check of
//! the function it changed with [`PassCx::certify`] (a module pass: on
//! [`ModuleCx::function_mut`]). The checker proves the certificate before
//! it uses it, so a wrong one makes the check fail and the change revert;
//! it never makes a wrong change pass.
//!
//! After the pass, the manager keeps the cached analyses the pass reported
//! as preserved ([`Changed::Yes`]) and forgets the rest. In builds with
//! debug assertions it first recomputes every cached analysis the pass
//! claimed to preserve and compares: a difference is a pass bug, reported
//! as an event naming the pass and the analysis, and the function is
//! restored to its state before the pass. A function restored after a
//! failed check keeps no analysis.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::BitOr;

use weft_ir::{
    CallGraph, ControlFlowGraph, DominatorTree, FuncBody, FuncRef, Function, Liveness, LoopAnalysis, Module,
};
use weft_verify::{Certificate, Precondition};

use crate::analysis::p3::EventSet;

/// A set of analyses: those a pass leaves valid.
#[derive(Copy, Clone, PartialEq, Eq, Hash, Default)]
pub struct Preserved(u8);

impl Preserved {
    /// No analysis.
    pub const NONE: Preserved = Preserved(0);
    /// The [`ControlFlowGraph`].
    pub const CFG: Preserved = Preserved(1 << 0);
    /// The [`DominatorTree`].
    pub const DOMTREE: Preserved = Preserved(1 << 1);
    /// The [`LoopAnalysis`].
    pub const LOOPS: Preserved = Preserved(1 << 2);
    /// The [`Liveness`] of values.
    pub const LIVENESS: Preserved = Preserved(1 << 3);
    /// The module's [`CallGraph`]. Only a module pass can preserve it: after
    /// a function pass changes a function, the manager forgets it.
    pub const CALL_GRAPH: Preserved = Preserved(1 << 4);
    /// The CFG, dominator tree and loop nest: what a pass keeps when it adds,
    /// removes and retargets no block and no edge (it may change
    /// instructions other than branches, and block arguments).
    pub const CONTROL_FLOW: Preserved = Preserved(Self::CFG.0 | Self::DOMTREE.0 | Self::LOOPS.0);
    /// Every analysis.
    pub const ALL: Preserved = Preserved(0x1f);

    const NAMES: [&'static str; 5] = ["cfg", "domtree", "loops", "liveness", "call-graph"];

    /// Does `self` include every analysis of `other`?
    pub fn contains(self, other: Preserved) -> bool {
        self.0 & other.0 == other.0
    }

    /// The analyses in both.
    pub fn intersection(self, other: Preserved) -> Preserved {
        Preserved(self.0 & other.0)
    }

    /// The names of the analyses, in a fixed order (`cfg`, `domtree`,
    /// `loops`, `liveness`, `call-graph`).
    pub fn names(self) -> Vec<&'static str> {
        Self::NAMES.iter().enumerate().filter(|(i, _)| self.0 & (1 << i) != 0).map(|(_, n)| *n).collect()
    }
}

impl BitOr for Preserved {
    type Output = Preserved;
    fn bitor(self, rhs: Preserved) -> Preserved {
        Preserved(self.0 | rhs.0)
    }
}

impl fmt::Debug for Preserved {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names = self.names();
        f.write_str(if names.is_empty() { "none" } else { "" })?;
        f.write_str(&names.join("|"))
    }
}

/// What a function pass did.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Changed {
    /// Nothing: the function is exactly as it was.
    No,
    /// The function changed; these analyses of it are still valid.
    Yes(Preserved),
}

impl Changed {
    /// `Yes(preserved)` if `changed`, else `No`.
    pub fn from_bool(changed: bool, preserved: Preserved) -> Changed {
        if changed { Changed::Yes(preserved) } else { Changed::No }
    }

    /// Did the pass change the function?
    pub fn changed(self) -> bool {
        matches!(self, Changed::Yes(_))
    }
}

/// What a module pass did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ModuleChanged {
    /// Nothing: the module is exactly as it was.
    No,
    /// Some function bodies changed.
    Yes {
        /// The changed functions; the manager checks each one.
        functions: Vec<FuncRef>,
        /// The analyses still valid: of each changed function, and
        /// ([`Preserved::CALL_GRAPH`]) the call graph.
        preserved: Preserved,
    },
}

/// The analyses of one function, computed when first asked for and cached
/// until invalidated (see the module docs).
#[derive(Debug, Default)]
pub struct PassCx {
    cfg: OnceCell<ControlFlowGraph>,
    domtree: OnceCell<DominatorTree>,
    loops: OnceCell<LoopAnalysis>,
    liveness: OnceCell<Liveness>,
    certificate: Certificate,
}

impl PassCx {
    /// A context with nothing computed.
    pub fn new() -> Self {
        Self::default()
    }

    /// The CFG of `func`.
    pub fn cfg(&self, func: &Function) -> &ControlFlowGraph {
        self.cfg.get_or_init(|| ControlFlowGraph::with_function(func))
    }

    /// The dominator tree of `func`.
    pub fn domtree(&self, func: &Function) -> &DominatorTree {
        self.domtree.get_or_init(|| DominatorTree::with_function(func, self.cfg(func)))
    }

    /// The loop nest of `func`.
    pub fn loops(&self, func: &Function) -> &LoopAnalysis {
        self.loops.get_or_init(|| LoopAnalysis::with_domtree(self.cfg(func), self.domtree(func)))
    }

    /// The liveness of `func`'s values.
    pub fn liveness(&self, func: &Function) -> &Liveness {
        self.liveness.get_or_init(|| Liveness::with_function(func, self.cfg(func)))
    }

    /// Hands `cert` to the refinement check of the change the running pass
    /// makes to this function. Its facts name values of the function as it
    /// was before the pass ([`weft_verify::Side::Src`]) and after it
    /// ([`weft_verify::Side::Tgt`]). Calling it again adds header facts and
    /// module invariants and replaces the correspondence, if `cert` has
    /// one. The certificate is proved before it is used, and dropped when
    /// the pass reports no change.
    pub fn certify(&mut self, cert: Certificate) {
        self.certificate.extend(cert);
    }

    /// Takes the certificate handed with [`Self::certify`] since the last
    /// call.
    pub(crate) fn take_certificate(&mut self) -> Certificate {
        std::mem::take(&mut self.certificate)
    }

    /// Forgets every analysis not in `keep`.
    pub fn invalidate(&mut self, keep: Preserved) {
        if !keep.contains(Preserved::CFG) {
            self.cfg.take();
        }
        if !keep.contains(Preserved::DOMTREE) {
            self.domtree.take();
        }
        if !keep.contains(Preserved::LOOPS) {
            self.loops.take();
        }
        if !keep.contains(Preserved::LIVENESS) {
            self.liveness.take();
        }
    }

    /// The analyses computed now.
    pub fn cached(&self) -> Preserved {
        let mut out = Preserved::NONE;
        for (set, cell) in [
            (Preserved::CFG, self.cfg.get().is_some()),
            (Preserved::DOMTREE, self.domtree.get().is_some()),
            (Preserved::LOOPS, self.loops.get().is_some()),
            (Preserved::LIVENESS, self.liveness.get().is_some()),
        ] {
            if cell {
                out = out | set;
            }
        }
        out
    }

    /// Among the cached analyses in `claimed`, those that differ from the
    /// same analysis computed afresh on `func`.
    pub fn stale(&self, func: &Function, claimed: Preserved) -> Preserved {
        let check = claimed.intersection(self.cached());
        if check == Preserved::NONE {
            return Preserved::NONE;
        }
        let fresh = PassCx::new();
        let mut out = Preserved::NONE;
        let mut differs = |set: Preserved, cached: bool, same: &dyn Fn() -> bool| {
            if cached && check.contains(set) && !same() {
                out = out | set;
            }
        };
        differs(Preserved::CFG, self.cfg.get().is_some(), &|| self.cfg.get() == Some(fresh.cfg(func)));
        differs(Preserved::DOMTREE, self.domtree.get().is_some(), &|| self.domtree.get() == Some(fresh.domtree(func)));
        differs(Preserved::LOOPS, self.loops.get().is_some(), &|| self.loops.get() == Some(fresh.loops(func)));
        differs(Preserved::LIVENESS, self.liveness.get().is_some(), &|| {
            self.liveness.get() == Some(fresh.liveness(func))
        });
        out
    }
}

/// The analyses of a module: its call graph, and a [`PassCx`] per function
/// with an IR body; the facts the caller of weft supplies; the
/// preconditions the running module pass specialized functions under (see
/// the module docs).
#[derive(Debug, Default)]
pub struct ModuleCx {
    call_graph: OnceCell<CallGraph>,
    functions: BTreeMap<FuncRef, PassCx>,
    assume_events: Option<EventSet>,
    assumptions: BTreeMap<FuncRef, Vec<Precondition>>,
    callee_bodies: BTreeMap<FuncRef, BTreeSet<FuncRef>>,
}

impl ModuleCx {
    /// A context with nothing computed.
    pub fn new() -> Self {
        Self::default()
    }

    /// A context with nothing computed, whose P3 callbacks can receive
    /// exactly `events` when given (`weft opt --assume-events`), instead of
    /// the events the module's imports allow.
    pub fn with_assume_events(events: Option<EventSet>) -> Self {
        ModuleCx { assume_events: events, ..Self::default() }
    }

    /// The events the caller of weft says the module's P3 callbacks can
    /// receive (`None`: derive them from the imports, [`crate::analysis::p3`]).
    pub fn assume_events(&self) -> Option<EventSet> {
        self.assume_events
    }

    /// Records that the running module pass changed function `f` relying
    /// on `preconditions` (facts about `f`'s inputs on every call that the
    /// pass established, not `f`'s body): the manager's refinement check of
    /// `f` assumes them, for this pass's change only, and reports them with
    /// the verdict. Facts recorded for a function the pass does not list as
    /// changed are dropped. Calling it again for `f` adds to the list.
    pub fn assume(&mut self, f: FuncRef, preconditions: Vec<Precondition>) {
        self.assumptions.entry(f).or_default().extend(preconditions);
    }

    /// Takes the preconditions recorded by [`Self::assume`] since the last
    /// call, by function.
    pub(crate) fn take_assumptions(&mut self) -> BTreeMap<FuncRef, Vec<Precondition>> {
        std::mem::take(&mut self.assumptions)
    }

    /// Records that the manager's refinement check of the running module
    /// pass's change to `f` executes the calls of `callees` in place, with
    /// their bodies as they were before the pass (a check sees a call of
    /// another function as an event otherwise): what an inliner needs to
    /// have a caller proved against the original call. The bodies must be
    /// loop-free for the checker to use them. Calling it again for `f`
    /// adds to the set.
    pub fn check_with_bodies(&mut self, f: FuncRef, callees: impl IntoIterator<Item = FuncRef>) {
        self.callee_bodies.entry(f).or_default().extend(callees);
    }

    /// Takes the sets recorded by [`Self::check_with_bodies`] since the
    /// last call, by function.
    pub(crate) fn take_callee_bodies(&mut self) -> BTreeMap<FuncRef, BTreeSet<FuncRef>> {
        std::mem::take(&mut self.callee_bodies)
    }

    /// The call graph of `module`.
    pub fn call_graph(&self, module: &Module) -> &CallGraph {
        self.call_graph.get_or_init(|| CallGraph::with_module(module))
    }

    /// Is the call graph computed now?
    pub fn has_call_graph(&self) -> bool {
        self.call_graph.get().is_some()
    }

    /// Forgets the call graph.
    pub fn invalidate_call_graph(&mut self) {
        self.call_graph.take();
    }

    /// The analyses of function `f`, if it has an IR body (the manager
    /// gives every such function one before a module pass runs).
    pub fn function(&self, f: FuncRef) -> Option<&PassCx> {
        self.functions.get(&f)
    }

    /// The analyses of function `f`, to invalidate after editing it.
    pub fn function_mut(&mut self, f: FuncRef) -> Option<&mut PassCx> {
        self.functions.get_mut(&f)
    }

    /// Gives every function of `module` with an IR body a [`PassCx`] and
    /// drops those of functions no longer in the module or no longer IR.
    pub(crate) fn sync_functions(&mut self, module: &Module) {
        let ir: BTreeSet<FuncRef> =
            module.funcs.iter().filter(|f| matches!(f.body, FuncBody::Ir(_))).map(|f| f.index).collect();
        self.functions.retain(|f, _| ir.contains(f));
        for f in ir {
            self.functions.entry(f).or_default();
        }
    }

    /// Takes the [`PassCx`] of `f` out (a fresh one if it has none), to run
    /// function passes on it.
    pub(crate) fn take_function(&mut self, f: FuncRef) -> PassCx {
        self.functions.remove(&f).unwrap_or_default()
    }

    /// Puts the [`PassCx`] of `f` back.
    pub(crate) fn put_function(&mut self, f: FuncRef, cx: PassCx) {
        self.functions.insert(f, cx);
    }
}

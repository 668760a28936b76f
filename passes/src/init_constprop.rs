//! `init-constprop`: constant propagation of state written only during
//! initialization — the backpressure fast path.
//!
//! A component that sets its backpressure flag to "accepting work" once,
//! in `_initialize`, and never changes it still tests the flag on every
//! call. The runtime's initialization order (`../shared/design/P3-ABI.md`,
//! "Initialization order": start function, then `_initialize`, then any
//! export) makes the flag's value a fact at the entry of every other
//! export. This pass finds such state — a private global, or an `i32`/`i64`
//! cell of linear memory at a constant address — proves with `weft-verify`
//! what it holds whenever a non-initialization function runs, and folds
//! its reads there to that constant. With `$bp` (a private global, 1 at
//! instantiation) cleared by `_initialize` and only read by the export:
//!
//! ```text
//! function %submit(i32) -> i32 {             function %submit(i32) -> i32 {
//! block0(v0: i32):                           block0(v0: i32):
//!     v1 = global.get gv0                        v5 = i32.const 0
//!     brif v1, block1, block2        =>          brif v5, block1, block2
//! block1: ...refuse the job...               block1: ...refuse the job...
//! block2: ...run it...                       block2: ...run it...
//! ```
//!
//! The pipeline's `sccp`, `simplify-cfg` and `dce` then fold the branch and
//! remove the refusal arm.
//!
//! The simplest such state needs no initialization at all: an immutable
//! global whose initializer is an `i32` or `i64` constant (a capacity a
//! bounds check compares with) is read as that constant in every function,
//! under the proved invariant that it holds that value (true at
//! instantiation, and no function can write it: the proof asks no query).
//!
//! # Initialization
//!
//! The initialization functions are the start function and `_initialize`
//! when it is exported with type `[] -> []` (in that order); with no
//! exported `_initialize`, the start function alone. The functions that
//! can run afterwards are those the call graph reaches from the other
//! exports and from tables (`ref.func` included). A function that only
//! initialization reaches is *init-only*; a function both reach runs
//! during initialization too, so its reads are never folded. An
//! initialization function that can also run later declines the module.
//!
//! # Candidates
//!
//! - a **global** that is mutable, `i32` or `i64`, neither imported nor
//!   exported, read by a function that only runs after initialization,
//!   and written after initialization (if at all) only with one constant;
//! - a **memory cell**: the 4 or 8 bytes an `i32.load`/`i64.load` at a
//!   constant address reads, in a memory that is not imported, in a module
//!   that exports no `cabi_realloc` (the host writes what it returns).
//!   After initialization every store must miss the cell — a constant
//!   address, or an address whose value set ([`crate::analysis::value_set`])
//!   lies outside it — or write exactly the cell with one constant;
//!   `memory.fill`, `memory.copy` and `memory.init` must miss it by their
//!   destination's and length's value sets; every other instruction that
//!   writes memory makes the cell no candidate. Every buffer the module
//!   hands the host, anywhere (the P3 fact model's host writes,
//!   [`crate::analysis::p3::HostWrite`]), must miss it too, and no import
//!   that may write memory may sit in a table.
//!
//! The host facts (it writes no private global; it writes memory only in
//! handed buffers) are on by default and can be turned off
//! (`init-constprop<host-globals=any,host-memory=any>`), which leaves no
//! candidate of that kind. When in doubt, a cell is not a candidate, and
//! the `--stats` notes say why.
//!
//! # Value, proof, rewrite
//!
//! For each candidate, `weft_verify::values_after_init` runs
//! initialization symbolically (declared global initializers; memory
//! contents unknown; calls of imports leave the cell alone; other calls
//! not inlined answer any state) and gives the value `V` of one run that
//! returns; a global that initialization does not write has its
//! initializer's value. A write after initialization with another constant
//! declines the cell. Then `weft_verify::prove_module_invariant_hosted`
//! proves the invariant "the cell holds `V`" (for a memory cell, also "the
//! memory is large enough to hold it", so a folded load cannot have
//! trapped): established by initialization — first from any state before
//! `_initialize` alone, and when that fails from the declared state through
//! the start function — and preserved by every function that can run
//! afterwards, at every call, exit and loop header. Only a proved cell is
//! folded: every `global.get` of it, and every `i32.load`/`i64.load` of
//! exactly its bytes, in a function that only runs after initialization,
//! becomes the constant.
//!
//! The backpressure builtins (`[backpressure-set]`, `-inc`, `-dec`,
//! `task.backpressure`) are recognized by the fact model: a folded cell
//! that initialization writes in a function that also calls one is
//! reported as mirroring backpressure, and a module that calls them but
//! keeps no such state is reported as "the flag lives in the host".
//!
//! Preconditions: the module's items are complete (a module built by hand
//! declines) and every body that can run is IR. Analyses used: the call
//! graph, value sets (per function with a memory candidate). Preserves the
//! call graph and every function's CFG, dominator tree and loops (only
//! reads are replaced by constants).
//!
//! # Verification obligation
//!
//! The invariant is a certificate, not trust: a failed establishment or
//! preservation (counterexample or unknown) leaves the cell alone and says
//! why in `--stats`. Each rewritten function is then checked for refinement
//! by the manager under the proved invariant
//! ([`crate::ModuleCx::assume`] with `Precondition::Invariant`: assumed at
//! entry, after every call, at every loop header), and reverted if that fails. What the
//! checker does not see: that the runtime runs the initialization functions
//! first and once, that the host keeps out of private globals and unhanded
//! memory (F7, F8 of `../shared/corpus/p3/README.md`; the proof states the
//! host assumption), that the host does not re-enter the module during
//! initialization, and that the call graph lists every function that can
//! run afterwards.
//!
//! # Complexity
//!
//! One scan of every body; one value-set solution per function that writes
//! memory or hands the host a buffer, when a memory cell is a candidate;
//! per candidate (at most [`MAX_CELLS`] per module, the others are listed
//! as not tried) one symbolic run of initialization and one invariant
//! proof, twice when both the start function and `_initialize` run (its
//! cost is an exploration of every function that can run after
//! initialization, within the checker's time budget); one walk of each
//! rewritten function.

use std::collections::{BTreeMap, BTreeSet};

use weft_ir::{
    ControlFlowGraph, DominatorTree, EntityRef, ExportKind, FuncBody, FuncCursor, FuncRef, Function, GlobalRef, Imm,
    Inst, InstructionData, MemoryRef, Module, Opcode, Type, Value,
};
use weft_verify::{Fact, ModuleInvariant, Options, Precondition, ProvedInvariant, Term};

use crate::ModulePass;
use crate::analysis::dataflow::{Dataflow, Solution};
use crate::analysis::interval_set::IntervalSet;
use crate::analysis::p3::{HostFacts, HostWrite, ImportRole, exports_realloc};
use crate::analysis::value_set::{ValueSet, ValueSets};
use crate::context::{ModuleChanged, ModuleCx, Preserved};

/// The most candidate cells proved per module (in cell order: globals by
/// index, then memory cells by memory and address); each costs a symbolic
/// run of initialization and an invariant proof.
pub const MAX_CELLS: usize = 16;

/// The pass. See the module docs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InitConstprop {
    /// The host facts relied on.
    pub host: HostFacts,
}

impl InitConstprop {
    /// The parameter names (`init-constprop<host-globals=any>`).
    pub const PARAMS: &'static [&'static str] = &["host-globals", "host-memory"];

    /// The pass with parameters: `host-globals=private|any` (`any`: the
    /// host may write any global, so no global is a candidate) and
    /// `host-memory=buffers|any` (`any`: no memory cell is a candidate).
    pub fn with_params(params: &[(String, String)]) -> Result<InitConstprop, String> {
        let mut host = HostFacts::default();
        for (k, v) in params {
            match (k.as_str(), v.as_str()) {
                ("host-globals", "private") => host.private_globals = true,
                ("host-globals", "any") => host.private_globals = false,
                ("host-memory", "buffers") => host.handed_buffers = true,
                ("host-memory", "any") => host.handed_buffers = false,
                ("host-globals", _) => return Err(format!("host-globals={v}: expected `private` or `any`")),
                ("host-memory", _) => return Err(format!("host-memory={v}: expected `buffers` or `any`")),
                _ => return Err(format!("unknown parameter `{k}`")),
            }
        }
        Ok(InitConstprop { host })
    }
}

/// A piece of state the pass may fold.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Cell {
    /// A global.
    Global(GlobalRef),
    /// `bytes` (4 or 8) bytes of `mem` at `addr`, read as `i32` or `i64`.
    Memory {
        /// The memory.
        mem: MemoryRef,
        /// The first byte.
        addr: u32,
        /// 8 for an `i64` cell, else 4.
        bytes: u8,
    },
}

impl Cell {
    fn ty(self, module: &Module) -> Type {
        self.ty_in(&module.globals)
    }

    /// The type, given the module's globals.
    fn ty_in(self, globals: &[Option<weft_ir::GlobalDecl>]) -> Type {
        match self {
            Cell::Global(g) => globals.get(g.index()).copied().flatten().map_or(Type::I32, |d| d.ty),
            Cell::Memory { bytes: 8, .. } => Type::I64,
            Cell::Memory { .. } => Type::I32,
        }
    }

    fn term(self, module: &Module) -> Term {
        match self {
            Cell::Global(g) => Term::Global(g),
            Cell::Memory { mem, addr, bytes } => {
                Term::Load { ty: self.ty(module), mem, addr: Box::new(Term::i32(addr as i32)), bytes }
            }
        }
    }

    /// `[start, end)` of a memory cell.
    fn span(self) -> Option<(MemoryRef, u128, u128)> {
        match self {
            Cell::Global(_) => None,
            Cell::Memory { mem, addr, bytes } => Some((mem, u128::from(addr), u128::from(addr) + u128::from(bytes))),
        }
    }

    /// The invariant "the cell holds `value`" (and, for memory, "the
    /// memory holds the cell").
    fn invariant(self, module: &Module, value: u128) -> ModuleInvariant {
        let mut facts = vec![Fact::equal(self.term(module), Term::Const(self.ty(module), value))];
        if let Some((mem, _, end)) = self.span() {
            let last_page = ((end - 1) / 65536) as i32;
            facts.push(Fact::holds(Opcode::I32GtU, vec![Term::MemorySize(mem), Term::i32(last_page)]));
        }
        ModuleInvariant { facts }
    }
}

impl std::fmt::Display for Cell {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Cell::Global(g) => write!(f, "global {g}"),
            Cell::Memory { mem, addr, bytes } => {
                write!(
                    f,
                    "{} cell {mem}[{addr}..{}]",
                    if *bytes == 8 { "i64" } else { "i32" },
                    addr + u32::from(*bytes)
                )
            }
        }
    }
}

/// Which functions initialize the module and which run afterwards.
struct Plan {
    /// The initialization functions, in order.
    init: Vec<FuncRef>,
    /// Functions initialization reaches (itself included).
    init_reach: BTreeSet<FuncRef>,
    /// Defined functions that can run after initialization.
    after: BTreeSet<FuncRef>,
}

impl Plan {
    /// Runs only after initialization: its reads may be folded.
    fn foldable(&self, f: FuncRef) -> bool {
        self.after.contains(&f) && !self.init_reach.contains(&f)
    }
}

/// One write of a cell's state, or one buffer handed to the host.
struct MemWrite {
    inst: Inst,
    /// The memory written (`None`: not known).
    mem: Option<MemoryRef>,
    /// The value holding the address (or buffer pointer) and the constant
    /// added to it.
    base: Value,
    offset: u64,
    /// The most bytes written: a fixed width, a length operand, or any.
    len: Len,
    /// For a full-width `i32.store`/`i64.store`: its width and stored value.
    store: Option<(u8, Value)>,
}

#[derive(Copy, Clone)]
enum Len {
    Fixed(u64),
    Operand(Value),
    Any,
}

/// What one function does to candidate state.
#[derive(Default)]
struct Scan {
    /// `(global, value)` of each `global.set`.
    global_sets: Vec<(GlobalRef, Value)>,
    /// Memory writes and buffers handed to the host.
    mem_writes: Vec<MemWrite>,
    /// Instructions that write memory in a way the pass does not model.
    unknown_writes: Vec<Inst>,
    /// Calls of backpressure builtins.
    backpressure_calls: Vec<String>,
}

impl ModulePass for InitConstprop {
    fn run(&self, module: &mut Module, cx: &mut ModuleCx) -> ModuleChanged {
        let mut changed = fold_immutable_globals(module, cx);
        self.fold_initialized(module, cx, &mut changed);
        if changed.is_empty() {
            ModuleChanged::No
        } else {
            changed.sort_unstable();
            changed.dedup();
            ModuleChanged::Yes { functions: changed, preserved: Preserved::CONTROL_FLOW | Preserved::CALL_GRAPH }
        }
    }
}

impl InitConstprop {
    /// Folds the state initialization leaves constant (module docs); adds
    /// the functions it changed to `changed`.
    fn fold_initialized(&self, module: &mut Module, cx: &mut ModuleCx, changed: &mut Vec<FuncRef>) {
        let bp_sites = backpressure_sites(module);
        let with_sites = |what: &str, then: &str| {
            if bp_sites.is_empty() {
                what.to_string()
            } else {
                format!("{what}; the module calls the backpressure builtins ({}){then}", bp_sites.join(", "))
            }
        };
        let plan = match plan(module, cx) {
            Ok(p) => p,
            Err(reason) => {
                module.notes.push(with_sites(&format!("declined: {reason}"), ": the flag lives in the host"));
                return;
            }
        };
        let scans: BTreeMap<FuncRef, Scan> = module
            .funcs
            .iter()
            .filter(|d| plan.after.contains(&d.index) || plan.init_reach.contains(&d.index))
            .filter_map(|d| match &d.body {
                FuncBody::Ir(func) => Some((d.index, scan(module, func))),
                FuncBody::Opaque { .. } => None,
            })
            .collect();
        let (mut cells, mut declined) = candidates(self.host, module, &plan, &scans);
        if cells.len() > MAX_CELLS {
            let rest: Vec<String> = cells.split_off(MAX_CELLS).iter().map(ToString::to_string).collect();
            module.notes.push(format!(
                "{} candidate(s) not tried (at most {MAX_CELLS} per module): {}",
                rest.len(),
                rest.join(", ")
            ));
        }
        let mut proved: Vec<(Cell, u128, ProvedInvariant)> = Vec::new();
        for cell in cells {
            match prove_cell(module, &plan, &scans, cell) {
                Ok((value, inv, how)) => {
                    let mirrors = mirrors_backpressure(module, &plan, &scans, cell);
                    module.notes.push(format!("{cell}: holds {value} after initialization; {how}{mirrors}"));
                    proved.push((cell, value, inv));
                }
                Err(reason) => declined.push(format!("{cell}: not folded: {reason}")),
            }
        }
        module.notes.extend(grouped(declined));
        if proved.is_empty() {
            module
                .notes
                .push(with_sites("nothing folded", ", and no state mirroring them is constant after initialization"));
            return;
        }
        let foldable: Vec<FuncRef> = module.funcs.iter().map(|d| d.index).filter(|&f| plan.foldable(f)).collect();
        for f in foldable {
            let globals = module.globals.clone();
            let Some(FuncBody::Ir(func)) = module.defined_mut(f).map(|d| &mut d.body) else { continue };
            let mut used: Vec<usize> = Vec::new();
            let mut folded = 0;
            for (k, (cell, value, _)) in proved.iter().enumerate() {
                let n = fold_reads(func, *cell, *value, &globals);
                if n > 0 {
                    used.push(k);
                    folded += n;
                }
            }
            if folded == 0 {
                continue;
            }
            func.dfg.resolve_all_aliases();
            let name = func.name.clone();
            let cells: Vec<String> = used.iter().map(|&k| proved[k].0.to_string()).collect();
            module.notes.push(format!("fn{} (`{name}`): {folded} read(s) of {} folded", f.as_u32(), cells.join(", ")));
            cx.assume(f, used.into_iter().map(|k| Precondition::Invariant(proved[k].2.clone())).collect());
            changed.push(f);
        }
    }
}

/// Folds every read of an immutable global whose initializer is an `i32`
/// or `i64` constant, in every function, under the proved invariant that
/// it holds that value (established at instantiation; nothing can write
/// it). Returns the functions changed.
fn fold_immutable_globals(module: &mut Module, cx: &mut ModuleCx) -> Vec<FuncRef> {
    let mut changed = Vec::new();
    let globals = module.globals.clone();
    let cells: Vec<(Cell, u128)> = (0..globals.len())
        .map(GlobalRef::new)
        .filter(|&g| globals[g.index()].is_some_and(|d| !d.mutable && matches!(d.ty, Type::I32 | Type::I64)))
        .filter_map(|g| Some((Cell::Global(g), initial_value(module, g)? & mask(Cell::Global(g).ty(module)))))
        .filter(|&(cell, _)| {
            module.funcs.iter().any(|d| matches!(&d.body, FuncBody::Ir(func) if reads_cell(func, cell)))
        })
        .collect();
    let mut proved: Vec<(Cell, u128, ProvedInvariant)> = Vec::new();
    for (cell, value) in cells {
        let inv = cell.invariant(module, value);
        let mut opts = Options::default();
        if let Cell::Global(g) = cell {
            opts.init.globals.insert(g, value);
        }
        let funcs: Vec<&Function> = module
            .funcs
            .iter()
            .filter_map(|d| match &d.body {
                FuncBody::Ir(func) => Some(func),
                FuncBody::Opaque { .. } => None,
            })
            .collect();
        let report = weft_verify::prove_module_invariant(&[], &funcs, &inv, &opts);
        match report.proved {
            Some(p) => proved.push((cell, value, p)),
            None => module.notes.push(format!("{cell}: immutable, not folded: {}", report.report.outcome)),
        }
    }
    for d in 0..module.funcs.len() {
        let f = module.funcs[d].index;
        let FuncBody::Ir(func) = &mut module.funcs[d].body else { continue };
        let mut used = Vec::new();
        for (k, (cell, value, _)) in proved.iter().enumerate() {
            if fold_reads(func, *cell, *value, &globals) > 0 {
                used.push(k);
            }
        }
        if used.is_empty() {
            continue;
        }
        func.dfg.resolve_all_aliases();
        cx.assume(f, used.into_iter().map(|k| Precondition::Invariant(proved[k].2.clone())).collect());
        changed.push(f);
    }
    if !proved.is_empty() {
        let names: Vec<String> = proved.iter().map(|(cell, value, _)| format!("{cell} = {value}")).collect();
        module.notes.push(format!("immutable: {} folded in {} function(s)", names.join(", "), changed.len()));
    }
    changed
}

/// Does `func` read `cell`?
fn reads_cell(func: &Function, cell: Cell) -> bool {
    func.layout.blocks().flat_map(|b| func.layout.block_insts(b)).any(|inst| read_cell(func, inst) == Some(cell))
}

/// Where the module calls a backpressure builtin: "`[backpressure-set]`
/// in fn4", in function order.
fn backpressure_sites(module: &Module) -> Vec<String> {
    let mut out = Vec::new();
    for d in &module.funcs {
        let FuncBody::Ir(func) = &d.body else { continue };
        let mut called: Vec<&str> = Vec::new();
        for inst in func.layout.blocks().flat_map(|b| func.layout.block_insts(b)) {
            if let InstructionData::Op { opcode: Opcode::Call | Opcode::ReturnCall, imm: Imm::Func(f), .. } =
                func.dfg.insts[inst]
                && let Some(import) = module.imported_funcs.get(f.index())
                && matches!(ImportRole::of(&import.field), ImportRole::Backpressure(_))
                && !called.contains(&import.field.as_str())
            {
                called.push(&import.field);
            }
        }
        for field in called {
            out.push(format!("`{field}` in fn{}", d.index.as_u32()));
        }
    }
    out
}

/// The initialization functions and what runs afterwards (module docs).
fn plan(module: &Module, cx: &ModuleCx) -> Result<Plan, String> {
    if !module.items.complete {
        return Err("the module's items are not known (a module built by hand)".into());
    }
    let initialize =
        module.exports.iter().find(|e| e.kind == ExportKind::Func && e.name == "_initialize").and_then(|e| {
            let f = FuncRef::from_u32(e.index);
            let sig = module.func_sig(f)?;
            (sig.params.is_empty() && sig.results.is_empty() && module.defined(f).is_some()).then_some(f)
        });
    let mut init: Vec<FuncRef> = module.start.into_iter().filter(|&f| module.defined(f).is_some()).collect();
    init.extend(initialize.filter(|f| !init.contains(f)));
    if init.is_empty() {
        return Err("no initialization: no start function and no exported `_initialize` of type [] -> []".into());
    }
    let cg = cx.call_graph(module);
    let reach = |roots: Vec<FuncRef>| -> BTreeSet<FuncRef> {
        let mut seen: BTreeSet<FuncRef> = BTreeSet::new();
        let mut work = roots;
        while let Some(f) = work.pop() {
            if seen.insert(f) {
                work.extend(cg.call_edges(f).into_iter().map(|(t, _)| t));
            }
        }
        seen
    };
    let init_reach = reach(init.clone());
    let mut roots: Vec<FuncRef> = module
        .exports
        .iter()
        .filter(|e| e.kind == ExportKind::Func && e.name != "_initialize")
        .map(|e| FuncRef::from_u32(e.index))
        .collect();
    roots.extend(module.elem_funcs.iter().copied());
    let after: BTreeSet<FuncRef> = reach(roots).into_iter().filter(|&f| module.defined(f).is_some()).collect();
    if let Some(f) = init.iter().find(|f| after.contains(f)) {
        return Err(format!("initialization function fn{} can also run after initialization", f.as_u32()));
    }
    for f in init_reach.iter().chain(&after) {
        if let Some(FuncBody::Opaque { reason }) = module.defined(*f).map(|d| &d.body) {
            return Err(format!("fn{} is not IR ({reason})", f.as_u32()));
        }
    }
    Ok(Plan { init, init_reach, after })
}

/// What `func` writes and hands the host.
fn scan(module: &Module, func: &Function) -> Scan {
    let mut out = Scan::default();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            let InstructionData::Op { opcode, imm, .. } = func.dfg.insts[inst] else { continue };
            let args = func.dfg.inst_args(inst);
            match (opcode, imm) {
                (Opcode::GlobalSet, Imm::Global(g)) => {
                    if let Some(&v) = args.first() {
                        out.global_sets.push((g, v));
                    }
                }
                (Opcode::Call | Opcode::ReturnCall, Imm::Func(f)) if module.is_imported(f) => {
                    let Some(import) = module.imported_funcs.get(f.index()) else { continue };
                    if let ImportRole::Backpressure(_) = ImportRole::of(&import.field) {
                        out.backpressure_calls.push(format!("`{}`", import.field));
                    }
                    let params = module.func_sig(f).map(|s| s.params.clone()).unwrap_or_default();
                    if let HostWrite::Buffers { params: ptrs, bytes } = HostWrite::of(&import.field, &params) {
                        for p in ptrs {
                            let Some(&base) = args.get(p) else { continue };
                            let len = bytes.map_or(Len::Any, Len::Fixed);
                            out.mem_writes.push(MemWrite { inst, mem: None, base, offset: 0, len, store: None });
                        }
                    }
                }
                _ if opcode.effects().contains(weft_ir::Effects::WRITES_MEMORY) && !opcode.is_call() => {
                    match mem_write(opcode, imm, args, inst) {
                        Some(w) => out.mem_writes.push(w),
                        None if matches!(opcode, Opcode::MemoryGrow | Opcode::DataDrop) => {}
                        None => out.unknown_writes.push(inst),
                    }
                }
                _ => {}
            }
        }
    }
    out
}

/// A store or bulk write as a [`MemWrite`].
fn mem_write(opcode: Opcode, imm: Imm, args: &[Value], inst: Inst) -> Option<MemWrite> {
    match (opcode, imm) {
        (Opcode::MemoryFill, Imm::Memory(m))
        | (Opcode::MemoryCopy, Imm::MemMem(m, _))
        | (Opcode::MemoryInit, Imm::DataMem(_, m)) => Some(MemWrite {
            inst,
            mem: Some(m),
            base: *args.first()?,
            offset: 0,
            len: Len::Operand(*args.get(2)?),
            store: None,
        }),
        (_, Imm::Mem(arg)) if opcode.mem_bytes() > 0 && !opcode.effects().contains(weft_ir::Effects::READS_MEMORY) => {
            let bytes = opcode.mem_bytes();
            let store = match opcode {
                Opcode::I32Store => Some((4, *args.get(1)?)),
                Opcode::I64Store => Some((8, *args.get(1)?)),
                _ => None,
            };
            Some(MemWrite {
                inst,
                mem: Some(arg.memory),
                base: *args.first()?,
                offset: arg.offset,
                len: Len::Fixed(u64::from(bytes)),
                store,
            })
        }
        _ => None,
    }
}

/// The candidate cells, and the notes of those that are not.
fn candidates(
    host: HostFacts,
    module: &Module,
    plan: &Plan,
    scans: &BTreeMap<FuncRef, Scan>,
) -> (Vec<Cell>, Vec<String>) {
    let mut declined = Vec::new();
    let mut read: BTreeSet<Cell> = BTreeSet::new();
    for d in &module.funcs {
        if !plan.foldable(d.index) {
            continue;
        }
        let FuncBody::Ir(func) = &d.body else { continue };
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                read.extend(read_cell(func, inst));
            }
        }
    }
    let mut cells = Vec::new();
    let mut solved: BTreeMap<FuncRef, Solution<ValueSet>> = BTreeMap::new();
    for cell in read {
        let why = match cell {
            Cell::Global(g) => global_candidate(host, module, plan, scans, g),
            Cell::Memory { .. } => memory_candidate(host, module, plan, scans, cell, &mut solved),
        };
        match why {
            Ok(()) => cells.push(cell),
            Err(reason) => declined.push(format!("{cell}: not a candidate: {reason}")),
        }
    }
    (cells, declined)
}

/// The cell `inst` reads, if it reads one: a `global.get` of an `i32` or
/// `i64` global, or an `i32.load`/`i64.load` at a constant address.
fn read_cell(func: &Function, inst: Inst) -> Option<Cell> {
    let InstructionData::Op { opcode, imm, .. } = func.dfg.insts[inst] else { return None };
    match (opcode, imm) {
        (Opcode::GlobalGet, Imm::Global(g)) => {
            let ty = func.dfg.value_type(*func.dfg.inst_results(inst).first()?);
            matches!(ty, Type::I32 | Type::I64).then_some(Cell::Global(g))
        }
        (Opcode::I32Load | Opcode::I64Load, Imm::Mem(arg)) => {
            let base = func.dfg.int_const(*func.dfg.inst_args(inst).first()?)? as u32;
            let bytes = opcode.mem_bytes() as u8;
            let addr = u64::from(base).checked_add(arg.offset)?;
            if addr + u64::from(bytes) > 1 << 32 {
                return None;
            }
            Some(Cell::Memory { mem: arg.memory, addr: addr as u32, bytes })
        }
        _ => None,
    }
}

fn global_candidate(
    host: HostFacts,
    module: &Module,
    plan: &Plan,
    scans: &BTreeMap<FuncRef, Scan>,
    g: GlobalRef,
) -> Result<(), String> {
    let decl = module.globals.get(g.index()).copied().flatten().ok_or("its type is not modelled")?;
    if !decl.mutable {
        return Err("immutable".into());
    }
    if module.imports.iter().any(|i| i.kind == ExportKind::Global && i.index == g.as_u32()) {
        return Err("imported (another module may write it)".into());
    }
    if module.exports.iter().any(|e| e.kind == ExportKind::Global && e.index == g.as_u32()) {
        return Err("exported (the host may write it)".into());
    }
    if !host.private_globals {
        return Err("the host may write any global (host-globals=any)".into());
    }
    for (f, s) in scans.iter().filter(|(f, _)| plan.after.contains(f)) {
        let Some(FuncBody::Ir(func)) = module.defined(*f).map(|d| &d.body) else { continue };
        for &(gg, v) in &s.global_sets {
            if gg == g && func.dfg.int_const(v).is_none() {
                return Err(format!(
                    "fn{} (`{}`) writes it with a value that is not a constant",
                    f.as_u32(),
                    func.name
                ));
            }
        }
    }
    Ok(())
}

fn memory_candidate(
    host: HostFacts,
    module: &Module,
    plan: &Plan,
    scans: &BTreeMap<FuncRef, Scan>,
    cell: Cell,
    solved: &mut BTreeMap<FuncRef, Solution<ValueSet>>,
) -> Result<(), String> {
    let Some((mem, start, end)) = cell.span() else { return Ok(()) };
    if module.imports.iter().any(|i| i.kind == ExportKind::Memory && i.index == mem.as_u32()) {
        return Err("its memory is imported (another module may write it)".into());
    }
    if !host.handed_buffers {
        return Err("the host may write any memory (host-memory=any)".into());
    }
    if exports_realloc(module) {
        return Err("the module exports `cabi_realloc`, whose results the host writes".into());
    }
    for &f in &module.elem_funcs {
        let Some(import) = module.imported_funcs.get(f.index()) else { continue };
        let params = module.func_sig(f).map(|s| s.params.clone()).unwrap_or_default();
        if HostWrite::of(&import.field, &params) != HostWrite::Nothing {
            return Err(format!("import `{}`, which may write memory, can be called indirectly", import.field));
        }
    }
    for (f, s) in scans {
        let after = plan.after.contains(f);
        let Some(FuncBody::Ir(func)) = module.defined(*f).map(|d| &d.body) else { continue };
        let who = || format!("fn{} (`{}`)", f.as_u32(), func.name);
        if after && let Some(&inst) = s.unknown_writes.first() {
            return Err(format!("{} writes memory with `{}`", who(), weft_ir::write::inst_to_string(func, inst)));
        }
        // Stores after initialization, and buffers handed to the host
        // anywhere.
        let relevant: Vec<&MemWrite> =
            s.mem_writes.iter().filter(|w| (after || w.mem.is_none()) && w.mem.is_none_or(|m| m == mem)).collect();
        if relevant.is_empty() {
            continue;
        }
        let sol = solved.entry(*f).or_insert_with(|| value_sets(func));
        for w in relevant {
            let block = func.layout.inst_block(w.inst);
            if block.is_some_and(|b| !sol.block_is_executable(b)) {
                continue;
            }
            let set = |v: Value| -> IntervalSet {
                let ty = func.dfg.value_type(v);
                block.and_then(|b| sol.value_at(func, b, v).set(ty)).unwrap_or_else(|| IntervalSet::full(ty.bits()))
            };
            let addrs = set(w.base);
            let len = match w.len {
                Len::Fixed(n) => Some(u128::from(n)),
                Len::Operand(v) => set(v).max().map(u128::from),
                Len::Any => None,
            };
            let exact = w.store.is_some_and(|(bytes, _)| {
                addrs.as_single().is_some_and(|a| u128::from(a) + u128::from(w.offset) == start)
                    && u128::from(bytes) == end - start
            });
            if exact {
                if let Some((_, v)) = w.store
                    && func.dfg.int_const(v).is_none()
                {
                    return Err(format!("{} writes it with a value that is not a constant", who()));
                }
                continue;
            }
            if may_overlap(&addrs, w.offset, len, start, end) {
                let what = if w.mem.is_none() { "hands the host a buffer that may hold it" } else { "may write it" };
                return Err(format!("{} {what}: `{}`", who(), weft_ir::write::inst_to_string(func, w.inst)));
            }
        }
    }
    Ok(())
}

/// May a write of at most `len` bytes (any when `None`) at `a + offset`,
/// for some `a` in `addrs`, touch `[start, end)`?
fn may_overlap(addrs: &IntervalSet, offset: u64, len: Option<u128>, start: u128, end: u128) -> bool {
    if len == Some(0) {
        return false;
    }
    let len = len.unwrap_or(u128::from(u64::MAX));
    addrs.ranges().iter().any(|&(lo, hi)| {
        let lo = u128::from(lo) + u128::from(offset);
        let hi = u128::from(hi) + u128::from(offset);
        lo < end && hi + len > start
    })
}

fn value_sets(func: &Function) -> Solution<ValueSet> {
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    Dataflow::new(func, &ValueSets).with_edge_facts(&domtree).solve()
}

/// The verifier options of the proofs: the initialization functions'
/// callees to inline, and, from the declared state, the global's
/// initializer.
fn proof_options(module: &Module, plan: &Plan, cell: Cell, declared: bool) -> Options {
    let mut opts = Options::default();
    for d in &module.funcs {
        if plan.init_reach.contains(&d.index)
            && let FuncBody::Ir(func) = &d.body
        {
            opts.callees.insert(d.index, func.clone());
        }
    }
    if declared
        && let Cell::Global(g) = cell
        && let Some(v) = initial_value(module, g)
    {
        opts.init.globals.insert(g, v);
    }
    opts
}

/// A global's initial value when its initializer is a constant.
fn initial_value(module: &Module, g: GlobalRef) -> Option<u128> {
    let init = module.items.global_inits.get(g.index())?.as_ref()?;
    if !init.uses.is_empty() {
        return None;
    }
    init.value.map(u128::from)
}

/// Finds the cell's value after initialization and proves the invariant;
/// returns the value, the proved invariant and how it was proved.
fn prove_cell(
    module: &Module,
    plan: &Plan,
    scans: &BTreeMap<FuncRef, Scan>,
    cell: Cell,
) -> Result<(u128, ProvedInvariant, String), String> {
    let host: Vec<FuncRef> = (0..module.imported_funcs.len()).map(FuncRef::new).collect();
    let body = |f: FuncRef| match module.defined(f).map(|d| &d.body) {
        Some(FuncBody::Ir(func)) => Some(func),
        _ => None,
    };
    let after: Vec<&Function> = plan.after.iter().filter_map(|&f| body(f)).collect();
    let written_in_init = plan.init_reach.iter().filter_map(|&f| body(f)).any(|func| writes(func, cell));
    // Suffixes of the initialization sequence: `_initialize` alone from any
    // state, then the whole sequence from the declared state.
    let mut attempts: Vec<(&[FuncRef], bool)> = Vec::new();
    if plan.init.len() > 1 {
        attempts.push((&plan.init[plan.init.len() - 1..], false));
    }
    attempts.push((&plan.init[..], true));
    let mut reasons = Vec::new();
    for (init, declared) in attempts {
        let opts = proof_options(module, plan, cell, declared);
        let init_funcs: Vec<&Function> = init.iter().filter_map(|&f| body(f)).collect();
        let value = if written_in_init {
            match weft_verify::values_after_init(&init_funcs, &[cell.term(module)], &host, &opts) {
                Ok(v) => v[0],
                Err(e) => {
                    reasons.push(e);
                    continue;
                }
            }
        } else {
            match cell {
                Cell::Global(g) if declared => initial_value(module, g).ok_or("its initializer is not a constant")?,
                Cell::Global(_) => continue,
                Cell::Memory { .. } => {
                    return Err("initialization does not write it (its initial bytes are not known)".into());
                }
            }
        };
        let value = value & mask(cell.ty(module));
        other_constant_writes(module, plan, scans, cell, value)?;
        let inv = cell.invariant(module, value);
        let report = weft_verify::prove_module_invariant_hosted(&init_funcs, &after, &inv, &host, &opts);
        match report.proved {
            Some(p) => {
                let from = if declared { "from instantiation" } else { "from any state before `_initialize`" };
                let how = format!("proved ({from}): {} ({} ms)", p.scope(), report.report.millis);
                return Ok((value, p, how));
            }
            None => reasons.push(format!("{} (value {value})", report.report.outcome)),
        }
    }
    Err(reasons.join("; "))
}

/// Notes `"<cell>: <reason>"` with the same reason as one note naming
/// the cells (the first few, then how many more), in the order of their
/// first appearance.
fn grouped(notes: Vec<String>) -> Vec<String> {
    const SHOWN: usize = 4;
    let mut groups: Vec<(String, Vec<String>)> = Vec::new();
    for note in notes {
        let (cell, reason) = note.split_once(": ").map_or((note.clone(), String::new()), |(c, r)| (c.into(), r.into()));
        match groups.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, cells)) => cells.push(cell),
            None => groups.push((reason, vec![cell])),
        }
    }
    groups
        .into_iter()
        .map(|(reason, cells)| {
            let more = cells.len().saturating_sub(SHOWN);
            let mut names = cells.into_iter().take(SHOWN).collect::<Vec<_>>().join(", ");
            if more > 0 {
                names.push_str(&format!(" and {more} more"));
            }
            format!("{names}: {reason}")
        })
        .collect()
}

fn mask(ty: Type) -> u128 {
    if ty == Type::I64 { u128::from(u64::MAX) } else { u128::from(u32::MAX) }
}

/// Does `func` write the cell's global, or memory at all (for a memory
/// cell)?
fn writes(func: &Function, cell: Cell) -> bool {
    func.layout.blocks().flat_map(|b| func.layout.block_insts(b)).any(|inst| {
        let InstructionData::Op { opcode, imm, .. } = func.dfg.insts[inst] else { return false };
        match cell {
            Cell::Global(g) => opcode == Opcode::GlobalSet && imm == Imm::Global(g),
            Cell::Memory { .. } => opcode.effects().contains(weft_ir::Effects::WRITES_MEMORY) || opcode.is_call(),
        }
    })
}

/// Every write of the cell after initialization must store `value`.
fn other_constant_writes(
    module: &Module,
    plan: &Plan,
    scans: &BTreeMap<FuncRef, Scan>,
    cell: Cell,
    value: u128,
) -> Result<(), String> {
    for (f, s) in scans.iter().filter(|(f, _)| plan.after.contains(f)) {
        let Some(FuncBody::Ir(func)) = module.defined(*f).map(|d| &d.body) else { continue };
        let mask = mask(cell.ty(module));
        let differs = |v: Value| func.dfg.int_const(v).is_none_or(|c| (c as u64 as u128) & mask != value);
        let bad = match cell {
            Cell::Global(g) => s.global_sets.iter().any(|&(gg, v)| gg == g && differs(v)),
            Cell::Memory { mem, addr, bytes } => s.mem_writes.iter().any(|w| {
                w.mem == Some(mem)
                    && w.store.is_some_and(|(b, v)| {
                        b == bytes
                            && func
                                .dfg
                                .int_const(w.base)
                                .is_some_and(|a| u128::from(a as u32) + u128::from(w.offset) == u128::from(addr))
                            && differs(v)
                    })
            }),
        };
        if bad {
            return Err(format!("fn{} (`{}`) writes another value after initialization", f.as_u32(), func.name));
        }
    }
    Ok(())
}

/// ", mirrors backpressure (...)" when initialization writes the cell in a
/// function that calls a backpressure builtin.
fn mirrors_backpressure(module: &Module, plan: &Plan, scans: &BTreeMap<FuncRef, Scan>, cell: Cell) -> String {
    for f in &plan.init_reach {
        let (Some(s), Some(FuncBody::Ir(func))) = (scans.get(f), module.defined(*f).map(|d| &d.body)) else {
            continue;
        };
        if !s.backpressure_calls.is_empty() && writes_exactly(func, s, cell) {
            return format!(
                "; mirrors backpressure (fn{} `{}` writes it and calls {})",
                f.as_u32(),
                func.name,
                s.backpressure_calls.join(", ")
            );
        }
    }
    String::new()
}

fn writes_exactly(func: &Function, s: &Scan, cell: Cell) -> bool {
    match cell {
        Cell::Global(g) => s.global_sets.iter().any(|&(gg, _)| gg == g),
        Cell::Memory { mem, addr, bytes } => s.mem_writes.iter().any(|w| {
            w.mem == Some(mem)
                && w.store.is_some_and(|(b, _)| b == bytes)
                && func
                    .dfg
                    .int_const(w.base)
                    .is_none_or(|a| u128::from(a as u32) + u128::from(w.offset) == u128::from(addr))
        }),
    }
}

/// Replaces every read of `cell` in `func` by `value`; returns how many.
fn fold_reads(func: &mut Function, cell: Cell, value: u128, globals: &[Option<weft_ir::GlobalDecl>]) -> usize {
    let insts: Vec<Inst> = func.layout.blocks().flat_map(|b| func.layout.block_insts(b).collect::<Vec<_>>()).collect();
    let ty = cell.ty_in(globals);
    let mut n = 0;
    for inst in insts {
        if read_cell(func, inst) != Some(cell) {
            continue;
        }
        let Some(&result) = func.dfg.inst_results(inst).first() else { continue };
        if func.dfg.value_type(result) != ty {
            continue;
        }
        let mut cur = FuncCursor::new(func);
        cur.goto_before(inst);
        let c = if ty == Type::I64 { cur.iconst64(value as u64 as i64) } else { cur.iconst32(value as u32 as i32) };
        cur.replace_inst_with_values(inst, &[c]);
        n += 1;
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_of_writes_with_a_cell() {
        let cell = (1024, 1028);
        let at = |lo: u64, hi: u64| IntervalSet::range(32, lo, hi);
        // A 4-byte store just before, at, and just after the cell.
        assert!(!may_overlap(&at(1020, 1020), 0, Some(4), cell.0, cell.1));
        assert!(may_overlap(&at(1021, 1021), 0, Some(4), cell.0, cell.1));
        assert!(may_overlap(&at(1000, 1000), 24, Some(4), cell.0, cell.1));
        assert!(!may_overlap(&at(1028, 1028), 0, Some(4), cell.0, cell.1));
        // 4096 + 4 * (n & 63): far above.
        assert!(!may_overlap(&at(0, 252), 4096, Some(4), cell.0, cell.1));
        // A range that straddles the cell, a buffer of any length before it,
        // and a zero-length fill.
        assert!(may_overlap(&at(0, 2000), 0, Some(1), cell.0, cell.1));
        assert!(may_overlap(&at(8, 8), 0, None, cell.0, cell.1));
        assert!(!may_overlap(&at(2048, 4096), 0, None, cell.0, cell.1));
        assert!(!may_overlap(&at(1000, 1000), 0, Some(0), cell.0, cell.1));
        // Offsets do not wrap: the effective address is 33 bits wide.
        assert!(!may_overlap(&at(u64::from(u32::MAX), u64::from(u32::MAX)), 8, Some(4), cell.0, cell.1));
    }

    #[test]
    fn notes_with_the_same_reason_are_grouped() {
        let notes = vec![
            "global gv1: not a candidate: written".to_string(),
            "global gv2: not a candidate: written".to_string(),
            "global gv3: not a candidate: exported".to_string(),
        ]
        .into_iter()
        .chain((0..6).map(|k| format!("i32 cell mem0[{k}..{}]: not a candidate: handed", k + 4)))
        .collect();
        assert_eq!(
            grouped(notes),
            vec![
                "global gv1, global gv2: not a candidate: written",
                "global gv3: not a candidate: exported",
                "i32 cell mem0[0..4], i32 cell mem0[1..5], i32 cell mem0[2..6], i32 cell mem0[3..7] and 2 more: \
                 not a candidate: handed",
            ]
        );
    }
}

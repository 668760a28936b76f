//! Guards: conditional branches whose one side can only fail — trap, or
//! call a function that never returns (a Rust panic) — before anything
//! observable happens. Bounds checks are guards; so are the other
//! assertions compilers emit (`unwrap` on `None`, division by zero, ...).
//! The bounds-check counting of the benchmark and the passes that remove
//! checks share this recognition.
//!
//! # Never-returning functions
//!
//! [`NoReturn::of`] decides, for every function of a module, whether a call
//! to it can return. A defined function *never returns* when no `return`
//! (and no tail call of a function that may return) is reachable from its
//! entry once every path is cut at a *failure point*: a `trap`, or a
//! `call`/`return_call` of a function that never returns. A path that
//! loops forever never returns either, so a loop does not make a function
//! return; an indirect call, an import and an opaque body are assumed to
//! return. The set is the least fixpoint over the call graph
//! ([`weft_ir::CallGraph`]): it starts empty (every function may return)
//! and grows by functions whose every path fails given the set so far,
//! revisiting the callers of each function added. Mutual recursion
//! without a failing exit therefore stays "may return": only what every
//! path really ends in is claimed.
//!
//! A never-returning function is classified by its name (the name section,
//! [`weft_ir::Module::func_names`]; Rust's mangled and demangled names both
//! contain the path) into a [`PanicShape`]: `panic_bounds_check`,
//! `slice_index_order_fail`, `slice_start_index_len_fail`,
//! `slice_end_index_len_fail`, `str_index_overflow_fail`, `str`'s
//! `slice_error_fail` (a string slice out of range or off a character
//! boundary), another `core::panicking` function, or unknown (a C `abort`, `unwrap_failed`,
//! a module without names).
//!
//! # Guards
//!
//! [`guards`] lists, in layout order, every `brif` of a function with one
//! destination that *fails*: following that edge, through blocks that only
//! compute (instructions whose effects are [`weft_ir::Effects::removable`]: pure
//! operations and non-trapping reads) and end in a `jump`, control reaches
//! a failure point. The other destination must not fail (a branch both of
//! whose sides fail is not a check, its block fails). In this function
//!
//! ```text
//! block0(v0: i32, v1: i32):
//!     v2 = i32.lt_u v0, v1
//!     brif v2, block1, block2
//! block2:
//!     v3 = i32.const 1050216
//!     call fn835(v0, v1, v3)      ; core::panicking::panic_bounds_check
//!     trap
//! block1:
//!     v4 = i32.const 4
//!     v5 = i32.shl v0, v4
//!     v6 = i32.ge_u v5, v1
//!     brif v6, block3, block4
//! block3:
//!     jump block5
//! block5:
//!     trap
//! block4:
//!     return v5
//! ```
//!
//! there are two guards: the `brif` of `block0`, a
//! [`GuardKind::Panic`] of shape [`PanicShape::BoundsCheck`] failing when
//! `v2` is false (`fails_when: false`, normalized to "fails when
//! `v0 >=u v1`"), and the `brif` of `block1`, a [`GuardKind::Trap`] failing
//! when `v6` is true ("fails when `v5 >=u v1`"). A pass that proves `v2`
//! true rewrites the first into `jump block1`; the counting tools count one
//! panic guard and one trap guard.
//!
//! A failing side that does something observable before it fails (a store,
//! a `global.set`, a call that returns, a load that may trap) is *not* a
//! guard here: the count is of checks whose failure is the first thing
//! that happens. Removing such a branch is still sound when the side is
//! infeasible, but that is the removing pass's own question. `br_table`s
//! are not guards (compilers emit bounds checks as `brif`).
//!
//! # Cost
//!
//! [`NoReturn::of`] visits each function body once, plus once more each
//! time a callee joins the set (at most the number of functions per
//! caller): O(F · size) in the worst case, linear in practice. [`guards`]
//! is linear in the size of the function (each failing-path walk is cut at
//! [`MAX_PATH`] blocks). No pass module is used.

use cranelift_entity::EntityRef;
use weft_ir::{
    Block, BlockCall, CallGraph, FuncBody, FuncRef, Function, Imm, Inst, InstructionData, Module, ModuleEntity, Opcode,
    Value,
};

/// Most blocks a failing path is followed through (jumps only).
pub const MAX_PATH: usize = 16;

/// What a never-returning function is, by its name.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PanicShape {
    /// `core::panicking::panic_bounds_check`: an index past a slice's end.
    BoundsCheck,
    /// `core::slice::index::slice_index_order_fail`: a range `a..b` with
    /// `a > b`.
    SliceIndexOrder,
    /// `core::slice::index::slice_start_index_len_fail`.
    SliceStartIndexLen,
    /// `core::slice::index::slice_end_index_len_fail`.
    SliceEndIndexLen,
    /// `core::str::..::str_index_overflow_fail`.
    StrIndexOverflow,
    /// `core::str::slice_error_fail`: a string slice out of range or not on
    /// a character boundary.
    StrSliceError,
    /// Another function of `core::panicking` (`panic`, `panic_fmt`,
    /// `panic_const_div_by_zero`, `assert_failed`, ...).
    OtherPanicking,
    /// Any other never-returning function (no name section, C `abort`,
    /// `core::option::unwrap_failed`, ...).
    Unknown,
}

impl PanicShape {
    /// Every shape, in report order.
    pub const ALL: [PanicShape; 8] = [
        PanicShape::BoundsCheck,
        PanicShape::SliceIndexOrder,
        PanicShape::SliceStartIndexLen,
        PanicShape::SliceEndIndexLen,
        PanicShape::StrIndexOverflow,
        PanicShape::StrSliceError,
        PanicShape::OtherPanicking,
        PanicShape::Unknown,
    ];

    /// The shape of a never-returning function called `name` (mangled or
    /// demangled).
    pub fn classify(name: &str) -> PanicShape {
        const BY_NAME: [(&str, PanicShape); 6] = [
            ("panic_bounds_check", PanicShape::BoundsCheck),
            ("slice_index_order_fail", PanicShape::SliceIndexOrder),
            ("slice_start_index_len_fail", PanicShape::SliceStartIndexLen),
            ("slice_end_index_len_fail", PanicShape::SliceEndIndexLen),
            ("str_index_overflow_fail", PanicShape::StrIndexOverflow),
            ("slice_error_fail", PanicShape::StrSliceError),
        ];
        if let Some(&(_, shape)) = BY_NAME.iter().find(|(key, _)| name.contains(key)) {
            return shape;
        }
        // Both Rust manglings spell the path `..4core9panicking..`;
        // demangled, it reads `core::panicking`.
        if name.contains("4core9panicking") || name.contains("core::panicking") {
            return PanicShape::OtherPanicking;
        }
        PanicShape::Unknown
    }

    /// A short name for tables (`panic_bounds_check`, ..., `other panicking`,
    /// `unknown`).
    pub fn label(self) -> &'static str {
        match self {
            PanicShape::BoundsCheck => "panic_bounds_check",
            PanicShape::SliceIndexOrder => "slice_index_order_fail",
            PanicShape::SliceStartIndexLen => "slice_start_index_len_fail",
            PanicShape::SliceEndIndexLen => "slice_end_index_len_fail",
            PanicShape::StrIndexOverflow => "str_index_overflow_fail",
            PanicShape::StrSliceError => "str slice_error_fail",
            PanicShape::OtherPanicking => "other core::panicking",
            PanicShape::Unknown => "other never-returning",
        }
    }

    /// Is this one of the slice and string index failures (everything but
    /// [`PanicShape::OtherPanicking`] and [`PanicShape::Unknown`])?
    pub fn is_bounds(self) -> bool {
        !matches!(self, PanicShape::OtherPanicking | PanicShape::Unknown)
    }
}

/// Which functions of a module never return (see the module docs).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NoReturn {
    /// By function index: `Some(shape)` when the function never returns.
    never: Vec<Option<PanicShape>>,
}

impl NoReturn {
    /// No function is known not to return (only `trap` fails).
    pub fn none() -> NoReturn {
        NoReturn::default()
    }

    /// The never-returning functions of `module`: the least fixpoint over
    /// its call graph.
    pub fn of(module: &Module) -> NoReturn {
        let n = module.num_funcs();
        let mut out = NoReturn { never: vec![None; n] };
        let callgraph = CallGraph::with_module(module);
        // Callees' components first, so most functions are decided on
        // their first visit.
        let mut work: Vec<FuncRef> = callgraph.sccs().into_iter().flatten().collect();
        work.reverse();
        let mut queued = vec![true; n];
        while let Some(f) = work.pop() {
            queued[f.index()] = false;
            if out.never_returns(f) || module.is_removed(ModuleEntity::Func(f)) {
                continue;
            }
            let Some(FuncBody::Ir(func)) = module.defined(f).map(|d| &d.body) else { continue };
            if !out.body_never_returns(func) {
                continue;
            }
            let name = module.func_name(f).unwrap_or("");
            out.never[f.index()] = Some(PanicShape::classify(name));
            for caller in callgraph.callers(f) {
                if !std::mem::replace(&mut queued[caller.index()], true) {
                    work.push(caller);
                }
            }
        }
        out
    }

    /// Records that `f` never returns, with the shape its `name` gives.
    /// For a function known by other means (a test, a declaration the
    /// caller trusts); [`NoReturn::of`] finds them in a module.
    pub fn assume(&mut self, f: FuncRef, name: &str) {
        if self.never.len() <= f.index() {
            self.never.resize(f.index() + 1, None);
        }
        self.never[f.index()] = Some(PanicShape::classify(name));
    }

    /// Can a call to `f` never return?
    pub fn never_returns(&self, f: FuncRef) -> bool {
        self.shape(f).is_some()
    }

    /// The shape of `f` if it never returns.
    pub fn shape(&self, f: FuncRef) -> Option<PanicShape> {
        self.never.get(f.index()).copied().flatten()
    }

    /// The never-returning functions, by index.
    pub fn functions(&self) -> impl Iterator<Item = FuncRef> + '_ {
        self.never.iter().enumerate().filter(|(_, s)| s.is_some()).map(|(i, _)| FuncRef::new(i))
    }

    /// Where `inst` fails for sure, if it is a failure point: `trap`, or a
    /// call or tail call of a never-returning function.
    pub fn failure_at(&self, func: &Function, inst: Inst) -> Option<GuardKind> {
        match func.dfg.insts.get(inst)? {
            InstructionData::Op { opcode: Opcode::Unreachable, .. } => Some(GuardKind::Trap),
            InstructionData::Op { opcode: Opcode::Call | Opcode::ReturnCall, imm: Imm::Func(callee), .. } => {
                let shape = self.shape(*callee)?;
                Some(GuardKind::Panic { callee: *callee, shape })
            }
            _ => None,
        }
    }

    /// Does no path from the entry of `func` return, given the functions
    /// known so far?
    fn body_never_returns(&self, func: &Function) -> bool {
        let Some(entry) = func.layout.entry_block() else { return false };
        let mut seen = vec![false; func.dfg.num_blocks()];
        let mut work = vec![entry];
        while let Some(block) = work.pop() {
            if !func.dfg.block_is_valid(block) || std::mem::replace(&mut seen[block.index()], true) {
                continue;
            }
            let mut ended = false;
            for inst in func.layout.block_insts(block) {
                if self.failure_at(func, inst).is_some() {
                    ended = true;
                    break;
                }
                let data = &func.dfg.insts[inst];
                let opcode = data.opcode();
                if opcode.is_branch() {
                    work.extend(func.dfg.branch_destinations(inst).map(|call| call.block));
                    ended = true;
                    break;
                }
                if opcode.is_terminator() {
                    // `return`, or a tail call that may return.
                    return false;
                }
            }
            if !ended {
                // A block without a terminator: be safe.
                return false;
            }
        }
        true
    }
}

/// How a guard fails.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum GuardKind {
    /// A `trap` (wasm `unreachable`): an explicit check.
    Trap,
    /// A call to a function that never returns.
    Panic {
        /// The function called.
        callee: FuncRef,
        /// What it is, by name.
        shape: PanicShape,
    },
}

/// The failing condition of a guard whose condition is an unsigned
/// ordering, normalized: the guard fails when `index >=u bound`
/// (`index >u bound` when `strict`). `i <u n` with failure on false is
/// `i >=u n`; `n <=u i` with failure on true is `i >=u n` as well.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct FailCompare {
    /// The value checked.
    pub index: Value,
    /// What it is checked against.
    pub bound: Value,
    /// Fails when `index >u bound` (else when `index >=u bound`).
    pub strict: bool,
    /// The bound, when it is a constant (zero-extended from `i32`).
    pub const_bound: Option<u64>,
}

/// A check: a `brif` with one side that only fails (see the module docs).
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Guard {
    /// The `brif`.
    pub branch: Inst,
    /// Its block.
    pub block: Block,
    /// Its condition.
    pub cond: Value,
    /// The truth of `cond` that leads to the failure (`true`: the `then`
    /// side fails).
    pub fails_when: bool,
    /// How it fails.
    pub kind: GuardKind,
    /// The failing condition as an unsigned comparison, when `cond` is one.
    pub compare: Option<FailCompare>,
}

/// The guards of `func`, in layout order (see the module docs).
pub fn guards(func: &Function, noreturn: &NoReturn) -> Vec<Guard> {
    let mut out = Vec::new();
    for block in func.layout.blocks() {
        let Some(branch) = func.layout.last_inst(block) else { continue };
        let Some(InstructionData::Brif { cond, then_dest, else_dest }) = func.dfg.insts.get(branch) else {
            continue;
        };
        let then_fails = failing_path(func, noreturn, then_dest);
        let else_fails = failing_path(func, noreturn, else_dest);
        let (kind, fails_when) = match (then_fails, else_fails) {
            (Some(kind), None) => (kind, true),
            (None, Some(kind)) => (kind, false),
            _ => continue,
        };
        let cond = func.dfg.resolve_aliases(*cond);
        out.push(Guard { branch, block, cond, fails_when, kind, compare: fail_compare(func, cond, fails_when) });
    }
    out
}

/// How control fails along `dest`, if it does before anything observable:
/// through at most [`MAX_PATH`] blocks of removable instructions ending
/// in `jump`, to a failure point.
fn failing_path(func: &Function, noreturn: &NoReturn, dest: &BlockCall) -> Option<GuardKind> {
    let mut block = dest.block;
    for _ in 0..MAX_PATH {
        if !func.layout.is_block_inserted(block) {
            return None;
        }
        let mut next = None;
        for inst in func.layout.block_insts(block) {
            if let Some(kind) = noreturn.failure_at(func, inst) {
                return Some(kind);
            }
            match &func.dfg.insts[inst] {
                InstructionData::Jump { dest } => next = Some(dest.block),
                InstructionData::Op { opcode, .. } if opcode.effects().removable() => {}
                _ => return None,
            }
        }
        block = next?;
    }
    None
}

/// `cond`'s failing truth `fails_when` as "`index >=u bound`" or
/// "`index >u bound`", when `cond` is an unsigned ordering.
fn fail_compare(func: &Function, cond: Value, fails_when: bool) -> Option<FailCompare> {
    let inst = func.dfg.value_inst(cond)?;
    let InstructionData::Op { opcode, .. } = &func.dfg.insts[inst] else { return None };
    let args = func.dfg.inst_args(inst);
    let [a, b] = [*args.first()?, *args.get(1)?].map(|v| func.dfg.resolve_aliases(v));
    let failing = if fails_when { Some(*opcode) } else { opcode.inverse_compare() }?;
    // Normalize to `>=u` / `>u` with the checked value on the left.
    let (index, bound, strict) = match failing {
        Opcode::I32GeU | Opcode::I64GeU => (a, b, false),
        Opcode::I32GtU | Opcode::I64GtU => (a, b, true),
        Opcode::I32LeU | Opcode::I64LeU => (b, a, false),
        Opcode::I32LtU | Opcode::I64LtU => (b, a, true),
        _ => return None,
    };
    let const_bound = func.dfg.int_const(bound).map(|c| match failing {
        Opcode::I32GeU | Opcode::I32GtU | Opcode::I32LeU | Opcode::I32LtU => u64::from(c as u32),
        _ => c as u64,
    });
    Some(FailCompare { index, bound, strict, const_bound })
}

/// Guards of a module, counted by how they fail.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GuardCounts {
    /// Guards that trap.
    pub traps: u64,
    /// Guards that call a never-returning function, by shape (indexed like
    /// [`PanicShape::ALL`]).
    pub panics: [u64; PanicShape::ALL.len()],
    /// Every `call` or `return_call` of a never-returning function, guarded
    /// or not, by shape (indexed like [`PanicShape::ALL`]).
    pub call_sites: [u64; PanicShape::ALL.len()],
}

impl GuardCounts {
    /// Counts one guard of `kind`.
    pub fn add(&mut self, kind: GuardKind) {
        match kind {
            GuardKind::Trap => self.traps += 1,
            GuardKind::Panic { shape, .. } => self.panics[shape_index(shape)] += 1,
        }
    }

    /// Guards calling a function of `shape`.
    pub fn panic(&self, shape: PanicShape) -> u64 {
        self.panics[shape_index(shape)]
    }

    /// Guards calling a slice or string index failure
    /// ([`PanicShape::is_bounds`]).
    pub fn bounds_panics(&self) -> u64 {
        PanicShape::ALL.iter().filter(|s| s.is_bounds()).map(|&s| self.panic(s)).sum()
    }

    /// Every guard calling a never-returning function.
    pub fn all_panics(&self) -> u64 {
        self.panics.iter().sum()
    }

    /// Calls of slice and string index failures, guarded or not.
    pub fn bounds_call_sites(&self) -> u64 {
        PanicShape::ALL.iter().filter(|s| s.is_bounds()).map(|&s| self.call_sites[shape_index(s)]).sum()
    }

    /// Every guard.
    pub fn total(&self) -> u64 {
        self.traps + self.all_panics()
    }

    /// The guards of every IR body of `module` that module passes have not
    /// removed.
    pub fn of_module(module: &Module) -> GuardCounts {
        let noreturn = NoReturn::of(module);
        let mut counts = GuardCounts::default();
        for def in &module.funcs {
            if module.is_removed(ModuleEntity::Func(def.index)) {
                continue;
            }
            if let FuncBody::Ir(func) = &def.body {
                for guard in guards(func, &noreturn) {
                    counts.add(guard.kind);
                }
                for block in func.layout.blocks() {
                    for inst in func.layout.block_insts(block) {
                        if let Some(GuardKind::Panic { shape, .. }) = noreturn.failure_at(func, inst) {
                            counts.call_sites[shape_index(shape)] += 1;
                        }
                    }
                }
            }
        }
        counts
    }
}

impl std::ops::AddAssign<&GuardCounts> for GuardCounts {
    fn add_assign(&mut self, other: &GuardCounts) {
        self.traps += other.traps;
        for (a, b) in self.panics.iter_mut().zip(other.panics) {
            *a += b;
        }
        for (a, b) in self.call_sites.iter_mut().zip(other.call_sites) {
            *a += b;
        }
    }
}

/// The position of `shape` in [`PanicShape::ALL`].
pub fn shape_index(shape: PanicShape) -> usize {
    PanicShape::ALL.iter().position(|&s| s == shape).unwrap_or(PanicShape::ALL.len() - 1)
}

#[cfg(test)]
mod tests;

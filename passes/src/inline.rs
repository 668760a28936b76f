//! `inline`: bottom-up inlining of small and single-caller loop-free
//! functions into their direct callers.
//!
//! ```text
//! fn1 (`sq`, 2 instructions):             fn2 after:
//! block0(v0: i32):                        block0(v0: i32):
//!     v1 = i32.mul v0, v0                     jump block2(v0)
//!     return v1                           block2(v3: i32):
//!                                             v4 = i32.mul v3, v3
//! fn2:                                        jump block1(v4)
//! block0(v0: i32):               =>       block1(v1: i32):
//!     v1 = call fn1(v0)                       v2 = i32.add v1, v0
//!     v2 = i32.add v1, v0                     return v2
//!     return v2
//! ```
//!
//! (`simplify-cfg` and `copy-prop` then merge the jump chain.)
//!
//! # Which calls
//!
//! A direct `call fnN` is inlined when `fnN` has an IR body without loops
//! or tail calls, is not recursive (no cycle of the call graph reaches it,
//! so bottom-up order is well defined and the copies stay finite), and
//! either
//!
//! * it is *tiny*: one block of at most `always-max` instructions besides
//!   its `return` (default 2). Its body is about as large as the call it
//!   replaces, so every call of it is inlined; or
//! * it has a *single caller*: exactly one `call` of it in the module, no
//!   `return_call`, `ref.func` or export naming it, not the start function
//!   and in no element segment (so nothing else can reach it), with at most
//!   `single-caller-max` instructions (default 1,000). Its body then moves
//!   rather than being copied: once inlined nothing calls it, and
//!   `module-dce` removes it.
//!
//! A caller grows to at most `caller-max` instructions (default 10,000)
//! through inlining. Functions are visited callees first (the strongly
//! connected components of the call graph in reverse topological order),
//! so a callee is inlined with what was inlined into it already; such
//! nesting is at most [`MAX_NESTING`] deep.
//!
//! Loops are excluded because the refinement checker executes a call in
//! place only for a loop-free body (below). The primitive that copies a
//! body is [`weft_ir::cfg_edit::inline_call`].
//!
//! # Analyses
//!
//! The call graph (from the [`ModuleCx`]) and each callee's loop analysis.
//! Changed functions preserve nothing; the call graph is not preserved.
//!
//! # Verification obligation
//!
//! Each changed caller refines its original, where the original's calls of
//! the inlined functions run those functions' bodies as they were before
//! the pass: the pass names them with [`ModuleCx::check_with_bodies`] (the
//! inlined callee and, transitively, what was inlined into it), and the
//! checker executes those calls in place (`weft_verify::Options::callees`).
//! The inlined body therefore need not be the one the module keeps: a
//! callee whose own change is reverted does not make its callers wrong.
//!
//! # Complexity
//!
//! One scan of every instruction to count call sites; each inlined call
//! copies its callee's body once. The growth bounds keep the total output
//! linear in the input for a fixed `caller-max`.

use std::collections::btree_map::Entry;
use std::collections::{BTreeMap, BTreeSet};

use weft_ir::cfg_edit::inline_call;
use weft_ir::{ExportKind, FuncBody, FuncRef, Function, Imm, Inst, InstructionData, Module, Opcode};

use crate::ModulePass;
use crate::context::{ModuleChanged, ModuleCx, Preserved};

/// How deep inlined calls nest at most: a caller holding `g`'s body which
/// holds `h`'s counts 2. The refinement checker executes calls in place to
/// this depth by default (`weft_verify::Options::inline_depth`).
pub const MAX_NESTING: u32 = 4;

/// The pass. See the module docs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Inline {
    /// Largest tiny callee, in instructions besides its `return`.
    pub always_max: usize,
    /// Largest single-caller callee, in instructions.
    pub single_caller_max: usize,
    /// Largest a caller grows to through inlining, in instructions.
    pub caller_max: usize,
}

impl Default for Inline {
    fn default() -> Self {
        Inline { always_max: 2, single_caller_max: 1_000, caller_max: 10_000 }
    }
}

impl Inline {
    /// The parameter names of [`Self::with_params`].
    pub const PARAMS: &'static [&'static str] = &["always-max", "single-caller-max", "caller-max"];

    /// `self` with the given `(name, value)` parameters set; an unknown
    /// name or a bad value is an error naming it.
    pub fn with_params(mut self, params: &[(String, String)]) -> Result<Self, String> {
        for (key, value) in params {
            let n = || -> Result<usize, String> {
                value.parse().map_err(|_| format!("parameter `{key}`: `{value}` is not a non-negative number"))
            };
            match key.as_str() {
                "always-max" => self.always_max = n()?,
                "single-caller-max" => self.single_caller_max = n()?,
                "caller-max" => self.caller_max = n()?,
                _ => return Err(format!("unknown parameter `{key}`; inline takes: {}", Self::PARAMS.join(", "))),
            }
        }
        Ok(self)
    }
}

/// What the pass knows of a function that may be inlined.
struct Callee {
    /// Instructions in its layout.
    size: usize,
    /// One block of at most `always-max` instructions besides `return`?
    tiny: bool,
    /// Exactly one `call` of it and nothing else names it?
    single_caller: bool,
}

impl ModulePass for Inline {
    fn run(&self, module: &mut Module, cx: &mut ModuleCx) -> ModuleChanged {
        let order: Vec<FuncRef> = cx.call_graph(module).sccs().into_iter().flatten().collect();
        let mut callees = self.callees(module, cx);
        if callees.is_empty() {
            return ModuleChanged::No;
        }
        // Per function: how deep the calls inlined into it nest, and the
        // functions whose original bodies its check needs.
        let mut nesting: BTreeMap<FuncRef, u32> = BTreeMap::new();
        let mut needs: BTreeMap<FuncRef, BTreeSet<FuncRef>> = BTreeMap::new();
        let mut changed = Vec::new();
        let mut bodies: BTreeMap<FuncRef, Function> = BTreeMap::new();
        for f in order {
            let Some(FuncBody::Ir(func)) = module.defined(f).map(|d| &d.body) else { continue };
            let sites: Vec<(Inst, FuncRef)> = direct_calls(func).filter(|&(_, g)| g != f).collect();
            let mut size = func.num_layout_insts();
            let mut inlined = Vec::new();
            for (inst, g) in sites {
                let Some(c) = callees.get(&g) else { continue };
                let depth = nesting.get(&g).copied().unwrap_or(0) + 1;
                if !(c.tiny || c.single_caller) || depth > MAX_NESTING || size + c.size > self.caller_max {
                    continue;
                }
                // A copy of the callee's body (the caller is edited while
                // it is read), made once per callee.
                let body = match bodies.entry(g) {
                    Entry::Occupied(e) => e.into_mut(),
                    Entry::Vacant(e) => {
                        let Some(FuncBody::Ir(body)) = module.defined(g).map(|d| &d.body) else { continue };
                        e.insert(body.clone())
                    }
                };
                let Some(FuncBody::Ir(func)) = module.defined_mut(f).map(|d| &mut d.body) else { continue };
                if inline_call(func, inst, body).is_ok() {
                    size += c.size;
                    inlined.push(g);
                    let n = nesting.entry(f).or_insert(0);
                    *n = (*n).max(depth);
                    let mut need: BTreeSet<FuncRef> = needs.get(&g).cloned().unwrap_or_default();
                    need.insert(g);
                    needs.entry(f).or_default().extend(need);
                }
            }
            if inlined.is_empty() {
                continue;
            }
            if let Some(c) = callees.get_mut(&f) {
                c.size = size;
                c.tiny = false;
            }
            if let Some(fcx) = cx.function_mut(f) {
                fcx.invalidate(Preserved::NONE);
            }
            cx.check_with_bodies(f, needs[&f].iter().copied());
            let name = module.func_name(f).unwrap_or_default().to_string();
            let names: Vec<String> = inlined.iter().map(|g| g.to_string()).collect();
            module.notes.push(format!(
                "function {} (`{name}`): {} calls inlined ({})",
                f.as_u32(),
                inlined.len(),
                names.join(", ")
            ));
            changed.push(f);
        }
        if changed.is_empty() {
            ModuleChanged::No
        } else {
            ModuleChanged::Yes { functions: changed, preserved: Preserved::NONE }
        }
    }
}

impl Inline {
    /// The functions that may be inlined somewhere, with what decides where.
    fn callees(&self, module: &Module, cx: &ModuleCx) -> BTreeMap<FuncRef, Callee> {
        let graph = cx.call_graph(module);
        let mut calls: BTreeMap<FuncRef, usize> = BTreeMap::new();
        let mut named: BTreeSet<FuncRef> =
            module.exports.iter().filter(|e| e.kind == ExportKind::Func).map(|e| FuncRef::from_u32(e.index)).collect();
        named.extend(module.start);
        named.extend(module.elem_funcs.iter().copied());
        named.extend(graph.indirect_targets().iter().copied());
        for d in &module.funcs {
            match &d.body {
                FuncBody::Ir(func) => {
                    for block in func.layout.blocks() {
                        for inst in func.layout.block_insts(block) {
                            match func.dfg.insts[inst] {
                                InstructionData::Op { opcode: Opcode::Call, imm: Imm::Func(g), .. } => {
                                    *calls.entry(g).or_insert(0) += 1;
                                }
                                InstructionData::Op { imm: Imm::Func(g), .. } => {
                                    named.insert(g);
                                }
                                _ => {}
                            }
                        }
                    }
                }
                // An opaque body may call anything, any number of times.
                FuncBody::Opaque { .. } => return BTreeMap::new(),
            }
        }
        let mut out = BTreeMap::new();
        for d in &module.funcs {
            let FuncBody::Ir(func) = &d.body else { continue };
            let g = d.index;
            if !calls.contains_key(&g) || graph.is_recursive(g) || !inlinable(func, cx, g) {
                continue;
            }
            let size = func.num_layout_insts();
            let blocks = func.layout.blocks().count();
            let tiny = blocks == 1 && size <= self.always_max + 1;
            let single_caller = calls[&g] == 1 && !named.contains(&g) && size <= self.single_caller_max;
            if tiny || single_caller {
                out.insert(g, Callee { size, tiny, single_caller });
            }
        }
        out
    }
}

/// Can `func` (function `g`) be copied into a caller: no loops, no tail
/// calls?
fn inlinable(func: &Function, cx: &ModuleCx, g: FuncRef) -> bool {
    let Some(fcx) = cx.function(g) else { return false };
    if fcx.loops(func).loops().next().is_some() {
        return false;
    }
    !func
        .layout
        .blocks()
        .flat_map(|b| func.layout.block_insts(b))
        .any(|i| matches!(func.dfg.insts[i].opcode(), Opcode::ReturnCall | Opcode::ReturnCallIndirect))
}

/// The direct calls of `func`, in layout order.
fn direct_calls(func: &Function) -> impl Iterator<Item = (Inst, FuncRef)> + '_ {
    func.layout.blocks().flat_map(move |b| func.layout.block_insts(b)).filter_map(move |i| match func.dfg.insts[i] {
        InstructionData::Op { opcode: Opcode::Call, imm: Imm::Func(g), .. } => Some((i, g)),
        _ => None,
    })
}

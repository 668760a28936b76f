//! `directize`: turn a `call_indirect` through a table that never changes
//! into direct calls, when its index can only select a few functions.
//!
//! A table is *sealed* ([`crate::analysis::tables`]): defined by the module,
//! neither imported nor exported, never written or grown by any function,
//! its contents set by active element segments at constant offsets. Each
//! slot then holds the same function from instantiation on. Where the
//! value-set dataflow bounds a `call_indirect`'s index to slots holding at
//! most eight distinct functions (within the first 64 slots), the call
//! becomes a `br_table` on the index with one direct call per function;
//! slots the index cannot select, null slots, slots of another type and
//! indices past the end go to one `unreachable` block (they trap in the
//! original too, or cannot happen):
//!
//! ```text
//! ; table0 = [fn1, fn2, null, fn1], all of sig0's type
//! block0(v0: i32, v1: i32):                  block0(v0: i32, v1: i32):
//!     v2 = i32.const 3                           v2 = i32.const 3
//!     v3 = i32.and v0, v2                        v3 = i32.and v0, v2
//!     v4 = call_indirect sig0, table0(v1, v3)    br_table v3, block3, [block2, block4, block3, block2]
//!     return v4                    ─▶        block1(v4: i32):
//!                                                return v4
//!                                            block2:
//!                                                v5 = call fn1(v1)
//!                                                jump block1(v5)
//!                                            block4:
//!                                                v6 = call fn2(v1)
//!                                                jump block1(v6)
//!                                            block3:
//!                                                unreachable
//! ```
//!
//! Direct calls are cheaper than a bounds check, a load of the slot and a
//! signature check, can be inlined later, and — the reason this pass runs
//! early in `-O2` — once no `call_indirect`, `table.get` or export uses a
//! table, `module-dce` removes the table, its element segments and every
//! function only they referenced. `callback-reachability` does the same
//! under a callback's event precondition.
//!
//! # Preconditions
//!
//! The module's contents are known (no opaque body, complete items, types
//! in recursion groups of one); see [`crate::analysis::tables`] for the
//! conditions on the table. A module with no sealed table is not searched.
//!
//! # Analyses
//!
//! The value-set dataflow of each function with a `call_indirect` through
//! a sealed table, with edge facts (its dominator tree from the
//! function's [`crate::PassCx`]); the changed functions preserve nothing
//! (new blocks, a split block).
//!
//! # Verification obligation
//!
//! Each changed function refines its original given what the table
//! holds. That is a module invariant — the table's size and slots at every
//! function entry and after every call — which `weft_verify` proves
//! (established by instantiation, the start function and `_initialize`;
//! preserved by every function) before any call changes; the manager's
//! refinement check of the function assumes the proved invariant
//! ([`crate::ModuleCx::assume`]). A table whose proof fails is left alone,
//! with the reason in `--stats`.
//!
//! # Complexity
//!
//! One scan of every instruction for the tables' seals; one dataflow
//! solution per function with a candidate call; one invariant proof per
//! table used (symbolic execution of every function of the module, once).

use weft_ir::{FuncBody, FuncRef, Imm, InstructionData, Module, Opcode};
use weft_verify::Precondition;

use crate::ModulePass;
use crate::analysis::tables::{SealedTables, devirtualize_function};
use crate::context::{ModuleChanged, ModuleCx, Preserved};

/// The pass. See the module docs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Directize;

impl ModulePass for Directize {
    fn run(&self, module: &mut Module, cx: &mut ModuleCx) -> ModuleChanged {
        let mut tables = SealedTables::of(module);
        if tables.is_empty() {
            return ModuleChanged::No;
        }
        let candidates: Vec<FuncRef> = module
            .funcs
            .iter()
            .filter(|d| match &d.body {
                FuncBody::Ir(func) => func.dfg.insts.values().any(|data| {
                    matches!(data, InstructionData::Op { opcode: Opcode::CallIndirect, imm: Imm::SigTable(_, t), .. }
                        if tables.get(*t).is_some())
                }),
                FuncBody::Opaque { .. } => false,
            })
            .map(|d| d.index)
            .collect();
        let mut changed = Vec::new();
        for f in candidates {
            let Some(fcx) = cx.function(f) else { continue };
            let Some(FuncBody::Ir(func)) = module.defined(f).map(|d| &d.body) else { continue };
            let domtree = fcx.domtree(func).clone();
            let (n, invariants) = devirtualize_function(module, &mut tables, f, &domtree, Vec::new());
            if n > 0 {
                if let Some(fcx) = cx.function_mut(f) {
                    fcx.invalidate(Preserved::NONE);
                }
                let name = module.func_name(f).unwrap_or_default().to_string();
                module.notes.push(format!("function {} (`{name}`): {n} indirect calls made direct", f.as_u32()));
                cx.assume(f, invariants.into_iter().map(Precondition::Invariant).collect());
                changed.push(f);
            }
        }
        if changed.is_empty() {
            ModuleChanged::No
        } else {
            ModuleChanged::Yes { functions: changed, preserved: Preserved::NONE }
        }
    }
}

//! `dce`: dead code elimination.
//!
//! Removes instructions whose results are all unused and whose effects allow
//! it ([`weft_ir::Effects::removable`]): pure instructions and reads
//! (`global.get`, `memory.size`, `table.size`). Anything that may trap
//! (loads, division, float-to-int truncation), writes state, calls or
//! transfers control stays, because removing it would change what an
//! observer sees.
//!
//! ```text
//! block0(v0: i32):                     block0(v0: i32):
//!     v1 = i32.const 7                     v3 = i32.const 1
//!     v2 = i32.mul v0, v1        =>        return v3
//!     v3 = i32.const 1
//!     return v3
//! ```
//!
//! Preconditions: none. Analyses used: none (use counts come from
//! [`weft_ir::cfg_edit::use_counts`]). Preserves the CFG, dominator tree and
//! loop analysis (no block or branch is touched).
//!
//! Verification obligation: the target refines the source with every
//! observable event unchanged: only instructions with no effect bits other
//! than reads are removed, and only when no remaining instruction (including
//! block-call arguments) uses a result, so every path computes the same
//! events, results and state. Checked per function by `weft-verify`.
//!
//! Complexity: O(instructions + uses); each instruction is removed at most
//! once, and a removal decrements its operands' use counts, so chains of dead
//! code are removed in one call.

use cranelift_entity::SecondaryMap;
use weft_ir::cfg_edit::use_counts;
use weft_ir::{Function, Inst, Value};

use crate::{Changed, PassCx, Preserved};

/// The `dce` pass.
pub struct Dce;

/// Can `inst` be removed once its results are unused?
fn removable(func: &Function, inst: Inst) -> bool {
    func.dfg.insts[inst].opcode().effects().removable()
}

impl crate::FunctionPass for Dce {
    fn run(&self, func: &mut Function, _cx: &mut PassCx) -> Changed {
        let mut uses = use_counts(func);
        let all: Vec<Inst> = func.layout.blocks().flat_map(|b| func.layout.block_insts(b)).collect();
        let dead = |func: &Function, uses: &SecondaryMap<Value, u32>, inst: Inst| {
            removable(func, inst) && func.dfg.inst_results(inst).iter().all(|&r| uses[r] == 0)
        };
        let mut work: Vec<Inst> = all.iter().rev().copied().filter(|&i| dead(func, &uses, i)).collect();
        let mut changed = false;
        while let Some(inst) = work.pop() {
            if func.layout.inst_block(inst).is_none() || !dead(func, &uses, inst) {
                continue;
            }
            for v in func.dfg.inst_values(inst) {
                let v = func.dfg.resolve_aliases(v);
                uses[v] -= 1;
                if uses[v] == 0
                    && let Some(def) = func.dfg.value_inst(v)
                    && func.layout.inst_block(def).is_some()
                    && dead(func, &uses, def)
                {
                    work.push(def);
                }
            }
            func.layout.remove_inst(inst);
            changed = true;
        }
        Changed::from_bool(changed, Preserved::CONTROL_FLOW)
    }
}

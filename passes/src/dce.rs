//! `dce`: dead code elimination.
//!
//! Removes instructions whose results are all unused and that have no side
//! effects: pure instructions and reads (`global.get`, `memory.size`,
//! `table.size`). Anything that may trap (loads, division, float-to-int
//! truncation), writes state, calls or transfers control stays, because
//! removing it would change what an observer sees.
//!
//! ```text
//! block0(v0: i32):                     block0(v0: i32):
//!     v1 = i32.const 7                     v3 = i32.const 1
//!     v2 = i32.mul v0, v1        =>        return v3
//!     v3 = i32.const 1
//!     return v3
//! ```
//!
//! Preconditions: none. Analyses used: none (use counts are computed here).
//! Preserves the CFG, dominator tree and loop analysis (no block or branch is
//! touched).
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
use weft_ir::{Effects, Function, Inst, Value};

/// The `dce` pass.
pub struct Dce;

/// Can `inst` be removed when its results are unused?
pub fn is_removable(func: &Function, inst: Inst) -> bool {
    let effects = func.dfg.insts[inst].opcode().effects();
    let reads = Effects::READS_MEMORY | Effects::READS_GLOBAL | Effects::READS_TABLE;
    // Only read bits may be set: a read without a trap bit never traps.
    reads.contains(effects)
}

impl crate::FunctionPass for Dce {
    fn run(&self, func: &mut Function) -> bool {
        let mut uses: SecondaryMap<Value, u32> = SecondaryMap::new();
        let mut all = Vec::new();
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                all.push(inst);
                for v in func.dfg.inst_values(inst) {
                    uses[func.dfg.resolve_aliases(v)] += 1;
                }
            }
        }
        let dead = |func: &Function, uses: &SecondaryMap<Value, u32>, inst: Inst| {
            is_removable(func, inst) && func.dfg.inst_results(inst).iter().all(|&r| uses[r] == 0)
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
        changed
    }
}

//! `dse`: dead store elimination within a block.
//!
//! A store is dead when a later store in the same block writes the same
//! bytes — same memory, same address value, same offset, same width — and
//! every instruction between the two is pure or reads only globals or
//! tables without trapping. The first store is removed.
//!
//! Nothing between them may read memory (it would see the first store's
//! bytes), call, or trap (a trap would show them to whoever reads memory
//! after it). Nothing between them may write anything either, a global
//! included: the later store traps exactly when the earlier one would have
//! (the same access), so without the earlier store that trap comes after
//! the instructions in between instead of before them, and a write among
//! them would be seen at the trap.
//!
//! ```text
//! block0(v0: i32, v1: i32):               block0(v0: i32, v1: i32):
//!     i32.store v0, v1                        v2 = i32.const 1
//!     v2 = i32.const 1                        v3 = i32.add v1, v2
//!     v3 = i32.add v1, v2          =>         i32.store v0, v3
//!     i32.store v0, v3                        return
//!     return
//! ```
//!
//! Preconditions: the function passes the structural verifier. Analyses
//! used: none. Preserves the CFG, dominator tree and loop analysis (no
//! branch is touched); not liveness.
//!
//! Verification obligation: the target refines the source with the same
//! events: the removed store's bytes are overwritten before any call,
//! read, trap or return can see memory, both stores make the same bounds
//! check, and nothing between them changes state, so a trap of the later
//! store shows what the earlier one's trap showed. Checked per function by
//! `weft-verify`.
//!
//! Complexity: O(instructions).

use weft_ir::{Block, Effects, Function, Imm, Inst, InstructionData, MemArg, Value};

use crate::{Changed, FunctionPass, PassCx, Preserved};

/// The `dse` pass.
pub struct Dse;

impl FunctionPass for Dse {
    fn run(&self, func: &mut Function, _cx: &mut PassCx) -> Changed {
        let mut changed = false;
        let blocks: Vec<Block> = func.layout.blocks().collect();
        for block in blocks {
            // The last store since anything that could observe memory.
            let mut pending: Option<(Inst, Access)> = None;
            let insts: Vec<Inst> = func.layout.block_insts(block).collect();
            for inst in insts {
                if let Some(access) = plain_store(func, inst) {
                    if let Some((earlier, earlier_access)) = pending
                        && earlier_access == access
                    {
                        func.layout.remove_inst(earlier);
                        changed = true;
                    }
                    pending = Some((inst, access));
                    continue;
                }
                let effects = func.dfg.insts[inst].opcode().effects();
                if !(Effects::READS_GLOBAL | Effects::READS_TABLE).contains(effects) {
                    pending = None;
                }
            }
        }
        Changed::from_bool(changed, Preserved::CONTROL_FLOW)
    }
}

/// The bytes a plain store writes.
#[derive(Copy, Clone, PartialEq, Eq)]
struct Access {
    addr: Value,
    memory: weft_ir::MemoryRef,
    offset: u64,
    bytes: u32,
}

/// The access of `inst` if it is a plain store (`i32.store`, `f64.store`,
/// `i64.store8`, `v128.store`, ...: the store effect, a memory immediate,
/// an address and a value).
fn plain_store(func: &Function, inst: Inst) -> Option<Access> {
    let InstructionData::Op { opcode, imm: Imm::Mem(MemArg { memory, offset, .. }), .. } = func.dfg.insts[inst] else {
        return None;
    };
    if opcode.effects() != Effects::STORE || opcode.mem_bytes() == 0 || !func.dfg.inst_results(inst).is_empty() {
        return None;
    }
    let &[addr, _] = func.dfg.inst_args(inst) else { return None };
    if !func.dfg.value_is_valid(addr) {
        return None;
    }
    Some(Access { addr: func.dfg.resolve_aliases(addr), memory, offset, bytes: opcode.mem_bytes() })
}

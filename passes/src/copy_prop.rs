//! `copy-prop`: copy propagation.
//!
//! Replaces values that are copies of other values by those values:
//!
//! - **aliases** left by other rewrites are resolved in every operand and
//!   block-call argument;
//! - a **block parameter** (never one of the entry block) whose incoming
//!   arguments, over every edge into a reachable block, are all one value
//!   `v` or the parameter itself becomes `v`; the parameter and its argument
//!   on every edge are removed
//!   ([`weft_ir::cfg_edit::remove_redundant_params`]).
//!
//! Nothing is computed: algebraic identities (`x + 0`, `select a, a, c`)
//! are `instcombine`'s, constants `sccp`'s.
//!
//! ```text
//! block0(v0: i32, v1: i32):               block0(v0: i32, v1: i32):
//!     brif v0, block1(v1), block2             brif v0, block1, block2
//! block1(v2: i32):                 =>     block1:
//!     jump block3(v2)                         jump block3
//! block2:                                 block2:
//!     jump block3(v1)                         jump block3
//! block3(v3: i32):                        block3:
//!     v4 = i32.mul v3, v0                     v4 = i32.mul v1, v0
//!     return v4                               return v4
//! ```
//!
//! Preconditions: the function passes the structural verifier. Analyses
//! used: none (reachability and incoming edges come from
//! `weft_ir::cfg_edit`). Preserves the CFG, dominator tree and loop
//! analysis: no block or edge is added or removed (edges only lose
//! arguments).
//!
//! Verification obligation: the target refines the source with the same
//! events: no instruction is added or removed; a removed parameter held `v`
//! on every path into its block (it could only receive `v` or its own
//! previous value, which is `v` by induction). Checked per function by
//! `weft-verify`.
//!
//! Complexity: O(instructions + edges) per round of parameter removal; each
//! round but the last removes a parameter, so O(params × (instructions +
//! edges)) in the worst case, one or two rounds in practice.

use weft_ir::Function;
use weft_ir::cfg_edit::remove_redundant_params;

use crate::{Changed, PassCx, Preserved};

/// The `copy-prop` pass.
pub struct CopyProp;

impl crate::FunctionPass for CopyProp {
    fn run(&self, func: &mut Function, _cx: &mut PassCx) -> Changed {
        let changed = has_unresolved_alias(func) | remove_redundant_params(func);
        if changed {
            func.dfg.resolve_all_aliases();
        }
        Changed::from_bool(changed, Preserved::CONTROL_FLOW)
    }
}

/// Does some instruction in the layout use a value through an alias?
fn has_unresolved_alias(func: &Function) -> bool {
    func.layout.blocks().any(|b| {
        func.layout.block_insts(b).any(|i| {
            func.dfg.inst_values(i).iter().any(|&v| func.dfg.value_is_valid(v) && func.dfg.resolve_aliases(v) != v)
        })
    })
}

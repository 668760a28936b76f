//! Checks shared by the frontend's integration tests.

use weft_ir::{Block, Function, Value};

/// Block parameters that Braun et al.'s construction should have removed:
/// every incoming argument is one value or the parameter itself. Returns
/// `(block, param)` pairs; empty means the SSA has no trivial parameter.
pub fn trivial_params(func: &Function) -> Vec<(Block, Value)> {
    let mut incoming: std::collections::BTreeMap<Block, Vec<Vec<Value>>> = Default::default();
    for block in func.layout.blocks() {
        for inst in func.layout.block_insts(block) {
            for call in func.dfg.branch_destinations(inst) {
                let args = func.dfg.block_call_args(call).iter().map(|&v| func.dfg.resolve_aliases(v)).collect();
                incoming.entry(call.block).or_default().push(args);
            }
        }
    }
    let mut out = Vec::new();
    for block in func.layout.blocks() {
        for (i, &p) in func.dfg.block_params(block).iter().enumerate() {
            if Some(block) == func.layout.entry_block() {
                continue;
            }
            let mut same = None;
            let mut trivial = true;
            for args in incoming.get(&block).into_iter().flatten() {
                let a = args[i];
                if a == p || Some(a) == same {
                    continue;
                }
                if same.is_some() {
                    trivial = false;
                    break;
                }
                same = Some(a);
            }
            if trivial {
                out.push((block, p));
            }
        }
    }
    out
}

//! Where the refinement checker cuts a function: at loop headers. A value
//! defined in a block reached from the entry without passing a loop header
//! keeps its exact term in every segment of the check; any other value live
//! into a header is an unknown there, matched with the other function's
//! value of the same number. Passes that move or reuse values across loops
//! (`licm`, `gvn`) stay within what that induction proves.

use cranelift_entity::EntitySet;
use weft_ir::{Block, Function, LoopAnalysis};

/// The blocks reachable from the entry without passing through a loop
/// header: the code before every loop.
pub fn before_every_loop(func: &Function, loops: &LoopAnalysis) -> EntitySet<Block> {
    let mut before = EntitySet::new();
    let mut stack: Vec<Block> = func.entry_block().into_iter().collect();
    while let Some(block) = stack.pop() {
        if loops.is_loop_header(block) || before.contains(block) {
            continue;
        }
        before.insert(block);
        stack.extend(func.successors(block));
    }
    before
}

//! The optimization pipelines, defined in one place.

use crate::registry::{PassInfo, UnknownPass, lookup};

/// An optimization level.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub enum OptLevel {
    /// No passes: the round trip alone.
    O0,
    /// Cheap cleanups.
    O1,
    /// The default: cleanups and the mission passes.
    O2,
    /// Everything, including passes that may grow code.
    O3,
    /// Like `O2`, preferring smaller code.
    Os,
}

/// The pass names of a pipeline, in order.
pub fn pipeline_names(level: OptLevel) -> &'static [&'static str] {
    match level {
        OptLevel::O0 => &[],
        // Each cleanup exposes work for the next; `dce` leaves jump-only
        // blocks behind, so `simplify-cfg` ends every pipeline. `instcombine`
        // runs before `copy-prop`: an identity it removes can make a block
        // parameter receive one value on every edge.
        OptLevel::O1 => &["sccp", "simplify-cfg", "instcombine", "copy-prop", "dce", "simplify-cfg"],
        // `callback-reachability` comes first: it folds the branches on a
        // P3 callback's event that the imports decide, and the cleanups
        // remove the compares, constants and jump chains it leaves.
        // `init-constprop` follows it, before the function passes: it turns
        // reads of state only initialization writes (a backpressure flag)
        // into constants, and `sccp`, `simplify-cfg` and `dce` fold the
        // checks they guard.
        // `switch-recovery` runs after the cleanups have exposed the chains
        // (constants folded, copies gone), and is followed by a cleanup of
        // the blocks and conditions it leaves behind. `module-dce` comes
        // last: the cleanups delete calls and references, and it removes
        // what they left unreachable (the handlers of impossible events).
        // `directize` comes right after `init-constprop` (a folded read may
        // bound an index): the indirect calls through tables that never
        // change, once direct, leave such a table unused, and `module-dce`
        // then removes it with the functions only its segments named.
        // `bounds-check-elim` runs once the cleanups have folded what
        // constants decide (an immutable global's bound is a constant by
        // then), before switch-recovery.
        // `loop-vectorize` runs on the cleaned-up loops (constants folded,
        // copies gone, so induction variables and bounds are plain), before
        // the last cleanup, which removes the constants and blocks its
        // checks leave behind. Not in `-Os`: it adds code.
        // `inline` follows `directize` (a call made direct may be inlined)
        // and comes before the cleanups, which fold what the copied bodies
        // learn from their arguments (constants, jump chains); the callees
        // it leaves uncalled go in `module-dce`.
        // A module pass may stand anywhere in a pipeline: the manager runs
        // the function passes between two module passes as one group.
        OptLevel::O2 | OptLevel::O3 => &[
            "callback-reachability",
            "init-constprop",
            "directize",
            "inline",
            "sccp",
            "simplify-cfg",
            "instcombine",
            "copy-prop",
            "bounds-check-elim",
            "switch-recovery",
            "loop-vectorize",
            "simplify-cfg",
            "instcombine",
            "copy-prop",
            "dce",
            "simplify-cfg",
            "module-dce",
        ],
        // `-Os`: the same, with switch-recovery choosing the smallest
        // encoding (`SwitchConfig::size()`).
        OptLevel::Os => &[
            "callback-reachability",
            "init-constprop",
            "directize",
            "inline",
            "sccp",
            "simplify-cfg",
            "instcombine",
            "copy-prop",
            "bounds-check-elim",
            "switch-recovery-size",
            "simplify-cfg",
            "instcombine",
            "copy-prop",
            "dce",
            "simplify-cfg",
            "module-dce",
        ],
    }
}

/// The passes of a pipeline.
pub fn pipeline(level: OptLevel) -> Result<Vec<&'static PassInfo>, UnknownPass> {
    pipeline_names(level).iter().map(|n| lookup(n)).collect()
}

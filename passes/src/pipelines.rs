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
        OptLevel::O1 => &["simplify-cfg", "copy-prop", "dce"],
        // `switch-recovery` runs after the cleanups have exposed the chains,
        // and is followed by a cleanup of the blocks it leaves behind. `-Os`
        // does not yet run switch-recovery in its size-preferring mode
        // (`SwitchConfig::size()`): the registry has one entry per pass.
        OptLevel::O2 | OptLevel::O3 | OptLevel::Os => {
            &["sccp", "simplify-cfg", "copy-prop", "switch-recovery", "simplify-cfg", "dce"]
        }
    }
}

/// The passes of a pipeline.
pub fn pipeline(level: OptLevel) -> Result<Vec<&'static PassInfo>, UnknownPass> {
    pipeline_names(level).iter().map(|n| lookup(n)).collect()
}

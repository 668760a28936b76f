//! The registry: every pass weft has, by name. It drives `--passes`,
//! `weft passes`, the pipelines, filetests (`test pass <name>`) and fuzzing.

use crate::{FunctionPass, ModulePass};

/// A pass instance.
pub enum AnyPass {
    /// A function pass.
    Function(Box<dyn FunctionPass>),
    /// A module pass.
    Module(Box<dyn ModulePass>),
}

/// What the registry knows of a pass.
pub struct PassInfo {
    /// The kebab-case name used on the command line and in filetests.
    pub name: &'static str,
    /// One line for `weft passes`.
    pub description: &'static str,
    /// Makes an instance.
    pub make: fn() -> AnyPass,
}

static PASSES: &[PassInfo] = &[
    PassInfo {
        name: "dce",
        description: "remove instructions without side effects whose results are unused",
        make: || AnyPass::Function(Box::new(crate::dce::Dce)),
    },
    PassInfo {
        name: "simplify-cfg",
        description: "fold constant branches, merge and thread blocks, remove unreachable blocks and redundant block params",
        make: || AnyPass::Function(Box::new(crate::simplify_cfg::SimplifyCfg)),
    },
    PassInfo {
        name: "copy-prop",
        description: "replace copies by their source: aliases, redundant block params, equal select arms, integer identities",
        make: || AnyPass::Function(Box::new(crate::copy_prop::CopyProp)),
    },
    PassInfo {
        name: "sccp",
        description: "sparse conditional constant propagation: fold constants and branches on constants",
        make: || AnyPass::Function(Box::new(crate::sccp::Sccp)),
    },
    PassInfo {
        name: "switch-recovery",
        description: "turn chains of tests of one value against constants into a br_table or a search tree (cost model)",
        make: || AnyPass::Function(Box::new(crate::switch_recovery::SwitchRecovery::new())),
    },
];

/// Every registered pass, in the order `weft passes` lists them.
pub fn passes() -> &'static [PassInfo] {
    PASSES
}

/// An unknown pass name; the message lists the valid ones.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown pass `{name}`; valid passes are: {}", valid_names())]
pub struct UnknownPass {
    /// The name asked for.
    pub name: String,
}

fn valid_names() -> String {
    PASSES.iter().map(|p| p.name).collect::<Vec<_>>().join(", ")
}

/// Looks a pass up by name.
pub fn lookup(name: &str) -> Result<&'static PassInfo, UnknownPass> {
    PASSES.iter().find(|p| p.name == name).ok_or_else(|| UnknownPass { name: name.to_string() })
}

//! The registry: every pass weft has, by name. It drives `--passes`,
//! `weft passes`, the pipelines, filetests (`test pass <name>`) and fuzzing.
//!
//! A pass may take parameters, written after its name as in LLVM's pass
//! pipelines: `switch-recovery<min-cases-for-table=4;min-density=0.5>`.
//! [`PassSpec::parse`] reads that form; each pass's [`PassInfo`] declares
//! the parameters it accepts and how to build it with them.

use crate::switch_recovery::{SwitchConfig, SwitchRecovery};
use crate::{FunctionPass, ModulePass};

/// A pass instance.
pub enum AnyPass {
    /// A function pass.
    Function(Box<dyn FunctionPass>),
    /// A module pass.
    Module(Box<dyn ModulePass>),
}

/// Parameters as written (`key=value`, in order).
pub type Params = [(String, String)];

/// Makes a pass instance with parameters (see [`PassInfo::make_with_params`]).
pub type MakeWithParams = fn(&Params) -> Result<AnyPass, String>;

/// What the registry knows of a pass.
pub struct PassInfo {
    /// The kebab-case name used on the command line and in filetests.
    pub name: &'static str,
    /// One line for `weft passes`.
    pub description: &'static str,
    /// The parameters it accepts (`name<key=value;...>`); empty for none.
    pub params: &'static [&'static str],
    /// Makes an instance with the default parameters.
    pub make: fn() -> AnyPass,
    /// Makes an instance with parameters, each named in [`PassInfo::params`]
    /// (an error names a bad value); `None` for a pass without parameters.
    pub make_with_params: Option<MakeWithParams>,
}

fn function_pass(pass: impl FunctionPass + 'static) -> AnyPass {
    AnyPass::Function(Box::new(pass))
}

fn switch_recovery(base: SwitchConfig, params: &Params) -> Result<AnyPass, String> {
    Ok(function_pass(SwitchRecovery::with_config(base.with_params(params)?)))
}

static PASSES: &[PassInfo] = &[
    PassInfo {
        name: "dce",
        description: "remove instructions whose results are unused and whose effects allow it (pure ones and reads)",
        params: &[],
        make: || function_pass(crate::dce::Dce),
        make_with_params: None,
    },
    PassInfo {
        name: "simplify-cfg",
        description: "fold constant branches, merge and thread blocks, remove unreachable blocks and redundant block params",
        params: &[],
        make: || function_pass(crate::simplify_cfg::SimplifyCfg),
        make_with_params: None,
    },
    PassInfo {
        name: "copy-prop",
        description: "replace copies by their source: resolve aliases, remove block params that always receive one value",
        params: &[],
        make: || function_pass(crate::copy_prop::CopyProp),
        make_with_params: None,
    },
    PassInfo {
        name: "instcombine",
        description: "peephole rewrites from a table of rules: integer identities (x + 0, x & x, ...), select with equal arms",
        params: &[],
        make: || function_pass(crate::instcombine::InstCombine),
        make_with_params: None,
    },
    PassInfo {
        name: "sccp",
        description: "sparse conditional constant propagation: fold constants and branches on constants",
        params: &[],
        make: || function_pass(crate::sccp::Sccp),
        make_with_params: None,
    },
    PassInfo {
        name: "bounds-check-elim",
        description: "remove checks range analysis shows never fail (i <u n <=u len), proved with loop-header facts",
        params: &[],
        make: || function_pass(crate::bounds_check_elim::BoundsCheckElim),
        make_with_params: None,
    },
    PassInfo {
        name: "licm",
        description: "hoist pure loop-invariant instructions into the preheaders of outermost loops that no other loop precedes",
        params: &[],
        make: || function_pass(crate::licm::Licm),
        make_with_params: None,
    },
    PassInfo {
        name: "loop-vectorize",
        description: "run element-wise counted loops 16 bytes at a time in v128, the original loop as the epilogue",
        params: crate::loop_vectorize::LoopVectorize::PARAMS,
        make: || function_pass(crate::loop_vectorize::LoopVectorize::default()),
        make_with_params: Some(|params| {
            Ok(function_pass(crate::loop_vectorize::LoopVectorize::default().with_params(params)?))
        }),
    },
    PassInfo {
        name: "switch-recovery",
        description: "turn chains of tests of one value against constants into a br_table or a search tree (cost model)",
        params: SwitchConfig::PARAMS,
        make: || function_pass(SwitchRecovery::new()),
        make_with_params: Some(|params| switch_recovery(SwitchConfig::default(), params)),
    },
    PassInfo {
        name: "switch-recovery-size",
        description: "switch-recovery preferring the smallest encoding (-Os): a rewrite only where it is smaller",
        params: SwitchConfig::PARAMS,
        make: || function_pass(SwitchRecovery::with_config(SwitchConfig::size())),
        make_with_params: Some(|params| switch_recovery(SwitchConfig::size(), params)),
    },
    PassInfo {
        name: "callback-reachability",
        description: "specialize each P3 callback under the events its imports allow: handler arms of impossible events go",
        params: &[],
        make: || AnyPass::Module(Box::new(crate::callback_reachability::CallbackReachability)),
        make_with_params: None,
    },
    PassInfo {
        name: "directize",
        description: "call directly through a table no code changes, where the index selects at most eight functions",
        params: &[],
        make: || AnyPass::Module(Box::new(crate::directize::Directize)),
        make_with_params: None,
    },
    PassInfo {
        name: "inline",
        description: "copy tiny and single-caller loop-free functions into their callers, callees first",
        params: crate::inline::Inline::PARAMS,
        make: || AnyPass::Module(Box::new(crate::inline::Inline::default())),
        make_with_params: Some(|params| {
            Ok(AnyPass::Module(Box::new(crate::inline::Inline::default().with_params(params)?)))
        }),
    },
    PassInfo {
        name: "init-constprop",
        description: "fold reads of state that only initialization writes (a backpressure flag) to its proved value",
        params: crate::init_constprop::InitConstprop::PARAMS,
        make: || AnyPass::Module(Box::new(crate::init_constprop::InitConstprop::default())),
        make_with_params: Some(|params| {
            Ok(AnyPass::Module(Box::new(crate::init_constprop::InitConstprop::with_params(params)?)))
        }),
    },
    PassInfo {
        name: "module-dce",
        description: "remove functions, globals, tables, memories, segments and types unreachable from the module's roots",
        params: crate::module_dce::ModuleDce::PARAMS,
        make: || AnyPass::Module(Box::new(crate::module_dce::ModuleDce::default())),
        make_with_params: Some(|params| {
            Ok(AnyPass::Module(Box::new(crate::module_dce::ModuleDce::with_params(params)?)))
        }),
    },
];

/// A pass and its parameters: `name` or `name<key=value;key=value>`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PassSpec {
    /// The registered pass.
    pub info: &'static PassInfo,
    /// Its parameters, in the order written (empty: the pass's defaults).
    pub params: Vec<(String, String)>,
}

impl PartialEq for PassInfo {
    fn eq(&self, other: &Self) -> bool {
        std::ptr::eq(self, other)
    }
}

impl Eq for PassInfo {}

impl std::fmt::Debug for PassInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PassInfo").field("name", &self.name).finish_non_exhaustive()
    }
}

/// A pass specification that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PassSpecError {
    /// No pass of that name.
    #[error(transparent)]
    Unknown(#[from] UnknownPass),
    /// The text is not `name` or `name<key=value;...>`, or a parameter is
    /// unknown or has a bad value.
    #[error("pass `{spec}`: {message}")]
    Invalid {
        /// The specification as written.
        spec: String,
        /// What is wrong.
        message: String,
    },
}

impl PassSpec {
    /// Parses `name` or `name<key=value;key=value>` and checks that the pass
    /// accepts the parameters (by building it once).
    pub fn parse(text: &str) -> Result<PassSpec, PassSpecError> {
        let text = text.trim();
        let invalid = |message: String| PassSpecError::Invalid { spec: text.to_string(), message };
        let (name, params) = match text.split_once('<') {
            None => (text, Vec::new()),
            Some((name, rest)) => {
                let body = rest
                    .strip_suffix('>')
                    .ok_or_else(|| invalid("parameters must be written `name<key=value;...>`".into()))?;
                let mut params = Vec::new();
                for item in body.split(';').map(str::trim).filter(|i| !i.is_empty()) {
                    let (k, v) = item
                        .split_once('=')
                        .ok_or_else(|| invalid(format!("parameter `{item}` is not `key=value`")))?;
                    params.push((k.trim().to_string(), v.trim().to_string()));
                }
                (name.trim(), params)
            }
        };
        let spec = PassSpec { info: lookup(name)?, params };
        spec.try_instantiate().map_err(invalid)?;
        Ok(spec)
    }

    /// Builds the pass with its parameters: each must be one the pass
    /// declares ([`PassInfo::params`]).
    pub fn try_instantiate(&self) -> Result<AnyPass, String> {
        if self.params.is_empty() {
            return Ok((self.info.make)());
        }
        let Some(make) = self.info.make_with_params else {
            return Err(format!("`{}` takes no parameters", self.info.name));
        };
        if let Some((key, _)) = self.params.iter().find(|(k, _)| !self.info.params.contains(&k.as_str())) {
            return Err(format!(
                "unknown parameter `{key}`; {} takes: {}",
                self.info.name,
                self.info.params.join(", ")
            ));
        }
        make(&self.params)
    }
}

impl From<&'static PassInfo> for PassSpec {
    fn from(info: &'static PassInfo) -> Self {
        PassSpec { info, params: Vec::new() }
    }
}

impl std::fmt::Display for PassSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.info.name)?;
        if !self.params.is_empty() {
            let params: Vec<String> = self.params.iter().map(|(k, v)| format!("{k}={v}")).collect();
            write!(f, "<{}>", params.join(";"))?;
        }
        Ok(())
    }
}

/// Splits a comma-separated pass list (`--passes`, `test pass`) into
/// specifications; commas inside `<...>` do not split.
pub fn parse_pass_list(text: &str) -> Result<Vec<PassSpec>, PassSpecError> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    for (i, c) in text.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => depth = depth.saturating_sub(1),
            ',' if depth == 0 => {
                out.push(PassSpec::parse(&text[start..i])?);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(PassSpec::parse(&text[start..])?);
    Ok(out)
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_with_and_without_parameters() {
        let plain = PassSpec::parse(" dce ").unwrap();
        assert_eq!(plain.info.name, "dce");
        assert!(plain.params.is_empty());
        let with = PassSpec::parse("switch-recovery<min-cases-for-table=4; min-density=0.5>").unwrap();
        assert_eq!(with.params, vec![("min-cases-for-table".into(), "4".into()), ("min-density".into(), "0.5".into())]);
        assert_eq!(with.to_string(), "switch-recovery<min-cases-for-table=4;min-density=0.5>");
        let list = parse_pass_list("sccp, switch-recovery<max-table-span=64>,dce").unwrap();
        assert_eq!(list.iter().map(|s| s.info.name).collect::<Vec<_>>(), ["sccp", "switch-recovery", "dce"]);
    }

    #[test]
    fn bad_specs_are_errors_naming_the_problem() {
        let err = |s: &str| PassSpec::parse(s).unwrap_err().to_string();
        assert!(err("nope").contains("unknown pass `nope`"));
        assert!(err("dce<x=1>").contains("takes no parameters"));
        assert!(err("switch-recovery<min-cases-for-table=4").contains("name<key=value"));
        assert!(err("switch-recovery<min-cases-for-table>").contains("not `key=value`"));
        assert!(err("switch-recovery<min-cases-for-table=-1>").contains("not a valid number"));
        assert!(err("switch-recovery<min-density=2>").contains("between 0 and 1"));
        assert!(err("switch-recovery<prefer-size=yes>").contains("true or false"));
        assert!(err("switch-recovery<fast=1>").contains("min-cases-for-table"));
    }

    #[test]
    fn parameters_reach_the_pass() {
        let params = [("min-cases-for-table".to_string(), "9".to_string())];
        let config = SwitchConfig::size().with_params(&params).unwrap();
        assert_eq!(config.min_cases_for_table, 9);
        assert!(config.prefer_size, "switch-recovery-size keeps its size preference");
        assert_eq!(SwitchConfig::default().with_params(&[]).unwrap(), SwitchConfig::default());
    }
}

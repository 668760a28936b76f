//! The registry: every pass weft has, by name. It drives `--passes`,
//! `weft passes`, the pipelines, filetests (`test pass <name>`) and fuzzing.
//!
//! A pass may take parameters, written after its name as in LLVM's pass
//! pipelines: `switch-recovery<min-cases-for-table=4;min-density=0.5>`.
//! [`PassSpec::parse`] reads that form; [`PASS_PARAMS`] lists the
//! parameters each pass accepts.

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
    PassInfo {
        name: "switch-recovery-size",
        description: "switch-recovery preferring the smallest encoding (-Os): a rewrite only where it is smaller",
        make: || {
            AnyPass::Function(Box::new(crate::switch_recovery::SwitchRecovery::with_config(
                crate::switch_recovery::SwitchConfig::size(),
            )))
        },
    },
    PassInfo {
        name: "module-dce",
        description: "remove functions, globals, tables, memories, segments and types unreachable from the module's roots",
        make: || AnyPass::Module(Box::new(crate::module_dce::ModuleDce::default())),
    },
];

/// The parameters a pass accepts (`name<key=value;...>`), for `weft passes`
/// and error messages: (pass name, parameter names).
pub static PASS_PARAMS: &[(&str, &[&str])] = &[
    ("switch-recovery", crate::switch_recovery::SwitchConfig::PARAMS),
    ("switch-recovery-size", crate::switch_recovery::SwitchConfig::PARAMS),
    ("module-dce", crate::module_dce::ModuleDce::PARAMS),
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

    /// Builds the pass with its parameters.
    pub fn try_instantiate(&self) -> Result<AnyPass, String> {
        if self.params.is_empty() {
            return Ok((self.info.make)());
        }
        match self.info.name {
            "switch-recovery" | "switch-recovery-size" => {
                let base = if self.info.name == "switch-recovery" {
                    crate::switch_recovery::SwitchConfig::default()
                } else {
                    crate::switch_recovery::SwitchConfig::size()
                };
                let config = base.with_params(&self.params)?;
                Ok(AnyPass::Function(Box::new(crate::switch_recovery::SwitchRecovery::with_config(config))))
            }
            "module-dce" => Ok(AnyPass::Module(Box::new(crate::module_dce::ModuleDce::with_params(&self.params)?))),
            name => Err(format!("`{name}` takes no parameters")),
        }
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
    use crate::switch_recovery::SwitchConfig;

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

//! Check options and the preconditions a pass may state.

use std::time::Duration;

use weft_ir::{Function, GlobalRef};

/// How to run a check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Options {
    /// Timeout of each solver query, in milliseconds.
    pub timeout_ms: u32,
    /// Wall-clock budget of a whole check (exploration and every query),
    /// in milliseconds; `None` means [`Options::BUDGET_TIMEOUTS`] times
    /// `timeout_ms`. Queries get at most what is left of it; a check that
    /// runs out returns `Unknown` naming the budget (see [`Options::budget`]).
    pub budget_ms: Option<u64>,
    /// Z3 resource limit (`rlimit`) of each query, on top of the timeout:
    /// unlike a timeout it does not depend on the machine or its load, so a
    /// query it stops is `unknown` on every run. `None`: no limit.
    pub query_rlimit: Option<u32>,
    /// How many times each loop header may execute when loops are unrolled
    /// (used when the inductive proof does not apply or fails).
    pub unroll_bound: u32,
    /// Size limit: the most block instances one exploration may create.
    pub max_instances: usize,
    /// Facts the check may assume (a module pass's obligation). Each one is
    /// listed in the report and in counterexamples.
    pub preconditions: Vec<Precondition>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout_ms: 10_000,
            budget_ms: None,
            query_rlimit: None,
            unroll_bound: 4,
            max_instances: 2_000,
            preconditions: Vec::new(),
        }
    }
}

impl Options {
    /// The default budget of a check, in query timeouts: a proof that needs
    /// many fast queries fits, a check whose queries time out stops after
    /// about three of them.
    pub const BUDGET_TIMEOUTS: u64 = 3;

    /// The wall-clock budget of a check: `budget_ms`, or
    /// [`Options::BUDGET_TIMEOUTS`] times `timeout_ms`.
    pub fn budget(&self) -> Duration {
        Duration::from_millis(self.budget_ms.unwrap_or(u64::from(self.timeout_ms) * Self::BUDGET_TIMEOUTS))
    }
}

/// A fact about the inputs a caller may assume.
///
/// Values are bit patterns given as `i64` and truncated (or sign-extended,
/// for `v128`) to the width of the parameter or global.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Precondition {
    /// Parameter number `param` (of the entry block) is one of `values`.
    ParamIn {
        /// Parameter index.
        param: usize,
        /// Allowed values.
        values: Vec<i64>,
    },
    /// Parameter number `param` lies in `[min, max]`.
    ParamRange {
        /// Parameter index.
        param: usize,
        /// Lower bound, inclusive.
        min: i64,
        /// Upper bound, inclusive.
        max: i64,
        /// Compare as signed (else unsigned) integers.
        signed: bool,
    },
    /// `global` holds one of `values` when the function is entered.
    GlobalAtEntryIn {
        /// The global.
        global: GlobalRef,
        /// Allowed values.
        values: Vec<i64>,
    },
}

impl Precondition {
    /// The precondition in words, naming parameters as the function does.
    pub fn describe(&self, func: &Function) -> String {
        let param_name = |i: usize| {
            func.entry_block()
                .and_then(|b| func.dfg.block_params(b).get(i).copied())
                .map(|v| v.to_string())
                .unwrap_or_else(|| format!("param {i}"))
        };
        let set = |vs: &[i64]| vs.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ");
        match self {
            Precondition::ParamIn { param, values } => format!("param {} ∈ {{{}}}", param_name(*param), set(values)),
            Precondition::ParamRange { param, min, max, signed } => {
                let s = if *signed { "signed" } else { "unsigned" };
                format!("param {} ∈ [{min}, {max}] ({s})", param_name(*param))
            }
            Precondition::GlobalAtEntryIn { global, values } => {
                format!("{global} ∈ {{{}}} at entry", set(values))
            }
        }
    }
}

//! Check options, the semantic model's choices, and the facts a pass may
//! state: preconditions, the bodies of callees, the module's declared
//! initial state and certificates.

use std::collections::BTreeMap;
use std::time::Duration;

use weft_ir::{DataRef, ElemRef, FuncRef, Function, GlobalRef, MemoryRef, TableRef};

use crate::cert::{Certificate, ProvedInvariant};

/// How NaN results of float arithmetic are modelled.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Default)]
pub enum NanMode {
    /// Arithmetic produces the canonical NaN in both functions, and
    /// float-typed observations (returns, call arguments, globals) treat any
    /// NaN as equal to any NaN. Accepts rewrites that change which NaN an
    /// operation yields (`x - 0.0 → x`).
    #[default]
    Permissive,
    /// The spec's reading: a NaN produced by arithmetic is any NaN with the
    /// quiet bit set (the canonical payload when every NaN operand has it),
    /// chosen by the world; the target's NaNs must be ones the source could
    /// produce; every observation is compared bit for bit.
    Exact,
}

/// How to run a check.
#[derive(Clone, Debug)]
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
    /// When unrolling to [`Options::unroll_bound`] finds no counterexample
    /// (and took under a tenth of the check's budget), unroll again to this
    /// larger bound (within the budget and [`Options::max_instances`])
    /// before answering `ProvedBounded`, so a difference a few iterations
    /// later is still found. `None`: no retry.
    pub unroll_retry_bound: Option<u32>,
    /// Facts the check may assume (a module pass's obligation). Each one is
    /// listed in the report and in counterexamples.
    pub preconditions: Vec<Precondition>,
    /// Assume every `memory.grow` and `table.grow` whose new size fits the
    /// maximum succeeds (the host never refuses). Wasm lets any grow fail;
    /// with this set, a target that introduces or moves a grow may be
    /// proved although a host could tell it apart. Listed in the report's
    /// assumptions.
    pub assume_grow_succeeds: bool,
    /// How NaN results are modelled.
    pub nan: NanMode,
    /// Bodies of module functions: a direct call of one that has no loop
    /// is executed in place of the call, in both functions (calls to other
    /// functions are events). Each body's entities are part of the check.
    pub callees: BTreeMap<FuncRef, Function>,
    /// The deepest nesting of inlined calls; a run that would inline
    /// deeper is not compared (the verdict is then at best bounded).
    pub inline_depth: u32,
    /// Declared initial values (globals, memories, tables) and the contents
    /// of data and element segments. Segment contents always hold; the
    /// state is the entry state only with [`Options::start_at_init`].
    pub init: InitialState,
    /// The function under check runs when the module is instantiated (a
    /// start function): its entry state is [`Options::init`]'s.
    pub start_at_init: bool,
    /// What the pass hands the checker: loop correspondences, facts at cut
    /// points, proved module invariants. Proved before use.
    pub certificate: Certificate,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            timeout_ms: 10_000,
            budget_ms: None,
            query_rlimit: None,
            unroll_bound: 4,
            max_instances: 2_000,
            unroll_retry_bound: Some(Options::UNROLL_RETRY_BOUND),
            preconditions: Vec::new(),
            assume_grow_succeeds: false,
            nan: NanMode::Permissive,
            callees: BTreeMap::new(),
            inline_depth: 4,
            init: InitialState::default(),
            start_at_init: false,
            certificate: Certificate::default(),
        }
    }
}

impl Options {
    /// The default budget of a check, in query timeouts: a proof that needs
    /// many fast queries fits, a check whose queries time out stops after
    /// about three of them.
    pub const BUDGET_TIMEOUTS: u64 = 3;

    /// The default of [`Options::unroll_retry_bound`]: 16 header executions
    /// (four times the default bound).
    pub const UNROLL_RETRY_BOUND: u32 = 16;

    /// The model assumptions the options make, in words (listed in the
    /// report).
    pub fn model_assumptions(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.assume_grow_succeeds {
            out.push("every memory.grow and table.grow whose new size fits succeeds (--assume-grow-succeeds)".into());
        }
        if self.start_at_init {
            out.push("the function starts from the declared initial state".into());
        }
        for inv in &self.certificate.module_invariants {
            out.push(describe_invariant(inv));
        }
        out
    }

    /// `self` with every [`Precondition::Invariant`] moved into
    /// [`Certificate::module_invariants`], where the checker assumes it;
    /// `None` when there is none.
    pub(crate) fn invariants_in_certificate(&self) -> Option<Options> {
        if !self.preconditions.iter().any(|p| matches!(p, Precondition::Invariant(_))) {
            return None;
        }
        let mut out = self.clone();
        out.preconditions.clear();
        for p in &self.preconditions {
            match p {
                Precondition::Invariant(inv) => out.certificate.module_invariants.push(inv.clone()),
                other => out.preconditions.push(other.clone()),
            }
        }
        Some(out)
    }

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
    /// A module invariant that [`crate::prove_module_invariant`] proved:
    /// assumed, like [`crate::Certificate::module_invariants`], at the
    /// entry, after every call and at every cut point.
    Invariant(ProvedInvariant),
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
            Precondition::Invariant(inv) => describe_invariant(inv),
        }
    }
}

/// A proved module invariant in words.
fn describe_invariant(inv: &ProvedInvariant) -> String {
    let facts: Vec<String> = inv.invariant().facts.iter().map(|f| f.to_string()).collect();
    format!("module invariant {} (proved: {})", facts.join(", "), inv.scope())
}

/// Declared values of the module's state when it is instantiated, and the
/// contents of its segments. Values are bit patterns; handles are `0` for
/// null and `N + 1` for `fnN`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct InitialState {
    /// Initial values of globals (others are not declared: any value).
    pub globals: BTreeMap<GlobalRef, u128>,
    /// Initial sizes of memories in pages; a memory listed here has zero
    /// bytes wherever [`InitialState::memory_bytes`] writes nothing.
    pub memory_pages: BTreeMap<MemoryRef, u32>,
    /// Initial bytes: memory, address of the first byte, bytes.
    pub memory_bytes: Vec<(MemoryRef, u32, Vec<u8>)>,
    /// Initial sizes of tables; a table listed here holds null wherever
    /// [`InitialState::table_elems`] writes nothing.
    pub table_sizes: BTreeMap<TableRef, u32>,
    /// Initial entries: table, first index, handles.
    pub table_elems: Vec<(TableRef, u32, Vec<u32>)>,
    /// Contents of passive data segments (constants of the module; not
    /// dropped in the initial state).
    pub datas: BTreeMap<DataRef, Vec<u8>>,
    /// Contents of passive element segments, as handles (constants of the
    /// module; not dropped in the initial state).
    pub elems: BTreeMap<ElemRef, Vec<u32>>,
}

impl InitialState {
    /// Is nothing declared?
    pub fn is_empty(&self) -> bool {
        self == &InitialState::default()
    }
}

//! Switch recovery on every callback of the P3 corpus
//! (`../shared/corpus/p3/callback_*.wat`): what the pass finds and decides,
//! whether the rewrite is proved and kept, and whether the optimized module
//! still behaves like the original under the mock host.
//!
//! # Which functions are surveyed
//!
//! Decided from each module, with no names per file:
//!
//! - every function exported under a name starting with `[callback]` (the
//!   P3 ABI's `[callback][async-lift]<iface>#<func>`, see
//!   `design/P3-ABI.md`) — role [`Role::Callback`];
//! - every *dispatch helper*: a function that a callback calls with its
//!   event code (the callback's first parameter, unchanged) as an argument
//!   and that is itself exported. Being exported, it has callers besides the
//!   callback and must dispatch exactly for every `i32`, so it is a dispatch
//!   in its own right; `callback_sparse.wat`'s header names its `classify`
//!   so ("`classify` must stay exact for arbitrary inputs"). Non-exported
//!   handlers that receive the event code (`$on_future`, `$on_ignored`
//!   there) are handlers, not dispatches, and are not surveyed.
//!
//! # One survey row ([`CallbackRow`])
//!
//! For one optimization level (its pipeline from
//! [`weft_passes::pipelines::pipeline_names`]) and one surveyed function:
//!
//! 1. the passes before the pipeline's switch-recovery step run on the
//!    function (structural verifier only); the result is the snapshot
//!    *before*;
//! 2. [`SwitchRecovery::run_with_report`] (with the step's configuration:
//!    [`SwitchConfig::default`] for `switch-recovery`,
//!    [`SwitchConfig::size`] for `switch-recovery-size`) gives *after* and
//!    one [`ChainReport`] per chain ([`ChainRow`]);
//! 3. [`weft_verify::check_refinement`]`(before, after)` with default
//!    options ([`Refinement`]);
//! 4. the whole pipeline with [`VerifyMode::Strict`] on the function: did
//!    the switch-recovery step change it and was the change kept
//!    ([`StrictRun`])? Module passes would be skipped there; the pipelines
//!    hold function passes only;
//! 5. the encoded body size after the pipeline with and without the
//!    switch-recovery step ([`Sizes`], structural verifier only);
//! 6. the mock-host differential of the whole file ([`Differential`], shared
//!    by the rows of one file): every `expected.tsv` row of the file runs on
//!    the original module and on the output of the facade
//!    ([`weft::optimize`] at the level, default configuration); both must
//!    reproduce every column of the row ([`ExpectedRow::mismatch`]) and be
//!    identical to each other ([`Outcome::first_difference`], as in
//!    `tests/p3_corpus.rs`).
//!
//! # The reference recomputation ([`ReferenceChain`])
//!
//! To check the cost model's decisions against its thresholds without
//! trusting the pass's own analysis, each chain's meaning is recomputed
//! here from the IR *before*: the chain is walked from the reported head
//! with the shape rule the pass documents (from each test, the `else` edge
//! continues the chain if it leads to an admissible test, else the `then`
//! edge; an admissible test holds only pure instructions and ends in a
//! `brif` on the same selector; it has the previous test as its only
//! predecessor, or it is a parameterless join whose other predecessors are
//! dominated by an earlier test's arm; the parameters of a single-predecessor
//! test stand for its edge's arguments). The selector is the one value the
//! head condition compares with constants (through `+ k` / `- k`). For
//! sequential `if`s, the values reaching each arm are computed with the
//! arms rejoining, and the chain is cut before the first test that would
//! split an arm's values, as the pass documents. The conditions are
//! *evaluated* with the reference interpreter's
//! [`weft_ir::interpreter::fold::eval_pure`] at every point where one of
//! them can change value; those points are exact because every condition
//! must be a boolean combination of compares of `±selector + k` with
//! constants (anything else is reported as not recomputable). The result is
//! the partition of all selector values into ranges with one target; the
//! target covering the most values is the default (ties: the chain's own
//! default edge), the other ranges are the clusters.
//!
//! [`expected_decision`] then applies a [`SwitchConfig`]'s thresholds to
//! the clusters: a table is possible when some run of consecutive clusters
//! has at least `min_cases_for_table` of them, a span of at most
//! `max_table_span`, none wider than `max_range_in_table`, and a density
//! (case values / span) of at least `min_density`. Speed (`-O2`): a table if
//! possible, else a search tree from `min_cases_for_search` clusters, else
//! an early-exit chain for sequential `if`s, else left. Size (`-Os`): left,
//! a table only if possible, a chain only for sequential `if`s — which of
//! them depends on encoded sizes, which the test checks against
//! [`Sizes`] (a rewrite must make the function smaller).

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use rayon::prelude::*;
use wasmtime::Engine;
use weft_ir::interpreter::Val;
use weft_ir::interpreter::fold::eval_pure;
use weft_ir::{
    Block, ControlFlowGraph, DominatorTree, ExportKind, FuncBody, Function, Imm, InstructionData, Opcode, Type, Value,
};
use weft_passes::pipelines::{OptLevel, pipeline, pipeline_names};
use weft_passes::switch_recovery::{ChainReport, Decision, MAX_TABLE_SPAN_LIMIT, SwitchConfig, SwitchRecovery};
use weft_passes::{Config as PmConfig, PassManager, VerifyMode};

use crate::p3host::{ExpectedRow, Outcome, call_text, parse_expected, run_case};
use crate::wasmtime_harness::{Limits, engine};

/// Fuel per step of a mock-host case (instantiate, `_initialize`, call):
/// the budget `tests/p3_corpus.rs` uses, at least four times what the
/// costliest original case needs.
pub const FUEL: u64 = 20_000_000;

/// Why a function is surveyed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Role {
    /// Exported as `[callback]…`.
    Callback,
    /// Exported, and called by the named callback with its event code.
    DispatchHelper {
        /// The calling callback's name.
        caller: String,
    },
}

/// One chain switch-recovery found, with the reference recomputation of
/// its meaning.
#[derive(Clone, Debug)]
pub struct ChainRow {
    /// What the pass reported.
    pub report: ChainReport,
    /// The chain's partition recomputed from the IR, or why it could not be.
    pub reference: Result<ReferenceChain, String>,
}

/// A chain's meaning recomputed independently of the pass.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReferenceChain {
    /// The test blocks, in chain order (the first is the head).
    pub tests: Vec<Block>,
    /// Selector width in bits.
    pub width: u32,
    /// The clusters: sorted, disjoint, inclusive ranges of selector values
    /// (as unsigned bit patterns) whose target is not the default.
    pub clusters: Vec<(u64, u64)>,
    /// Whether arms rejoin the chain (sequential `if`s).
    pub sequential: bool,
}

impl ReferenceChain {
    /// Number of case values (the clusters' widths summed).
    pub fn values(&self) -> u128 {
        self.clusters.iter().map(|&(lo, hi)| u128::from(hi - lo) + 1).sum()
    }

    /// Span from the lowest to the highest case value (0 without clusters).
    pub fn span(&self) -> u128 {
        match (self.clusters.first(), self.clusters.last()) {
            (Some(&(lo, _)), Some(&(_, hi))) => u128::from(hi - lo) + 1,
            _ => 0,
        }
    }

    /// Case values over span (0 without clusters).
    pub fn density(&self) -> f64 {
        let span = self.span();
        if span == 0 { 0.0 } else { self.values() as f64 / span as f64 }
    }

    /// Can some run of consecutive clusters form a `br_table` under
    /// `config`'s thresholds (count, span, width of a cluster, density)?
    pub fn table_possible(&self, config: &SwitchConfig) -> bool {
        let n = self.clusters.len();
        let min_len = config.min_cases_for_table.max(2);
        let max_span = u128::from(config.max_table_span.min(MAX_TABLE_SPAN_LIMIT));
        (0..n).any(|i| {
            (i + min_len - 1..n).any(|j| {
                let run = &self.clusters[i..=j];
                let span = u128::from(run[run.len() - 1].1 - run[0].0) + 1;
                let narrow = run.iter().all(|&(lo, hi)| u128::from(hi - lo) < u128::from(config.max_range_in_table));
                let values: u128 = run.iter().map(|&(lo, hi)| u128::from(hi - lo) + 1).sum();
                span <= max_span && narrow && values as f64 >= config.min_density * span as f64
            })
        })
    }
}

/// What a configuration's thresholds imply for one chain.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expected {
    /// Exactly this decision (speed mode). `Decision::Left` carries an
    /// empty reason: any reason matches.
    Exactly(Decision),
    /// Size mode: left, or one of the allowed rewrites, whichever encodes
    /// smaller.
    SmallestOf {
        /// A table is possible under the thresholds.
        table: bool,
        /// The chain is made of sequential `if`s (an early-exit chain is a
        /// candidate).
        chain: bool,
    },
}

/// What `config`'s thresholds imply for the chain `r` (see the module
/// documentation).
pub fn expected_decision(r: &ReferenceChain, config: &SwitchConfig) -> Expected {
    if r.clusters.is_empty() {
        return Expected::Exactly(Decision::Left(""));
    }
    let table = r.table_possible(config);
    if config.prefer_size {
        return Expected::SmallestOf { table, chain: r.sequential };
    }
    Expected::Exactly(if table {
        Decision::Table
    } else if r.clusters.len() >= config.min_cases_for_search {
        Decision::SearchTree
    } else if r.sequential {
        Decision::Chain
    } else {
        Decision::Left("")
    })
}

/// Does `decision` agree with `expected`? `Err` says how it does not.
pub fn agrees(expected: &Expected, decision: &Decision) -> Result<(), String> {
    let ok = match (expected, decision) {
        (Expected::Exactly(Decision::Left(_)), Decision::Left(_)) => true,
        (Expected::Exactly(e), d) => e == d,
        (Expected::SmallestOf { .. }, Decision::Left(_)) => true,
        (Expected::SmallestOf { table, .. }, Decision::Table) => *table,
        (Expected::SmallestOf { chain, .. }, Decision::Chain) => *chain,
        (Expected::SmallestOf { .. }, Decision::SearchTree) => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!("the thresholds imply {}, the pass decided {}", show_expected(expected), show_decision(decision)))
    }
}

/// The refinement check of the switch-recovery step.
#[derive(Clone, Debug)]
pub enum Refinement {
    /// The pass did not change the function: nothing to prove.
    Unchanged,
    /// The verdict of `check_refinement(before, after)`.
    Checked(weft_verify::Outcome),
}

impl Refinement {
    /// The step changed the function and the change is `Proved`.
    pub fn is_proved(&self) -> bool {
        matches!(self, Refinement::Checked(o) if o.is_proved())
    }

    /// Short text for the table.
    pub fn short(&self) -> String {
        match self {
            Refinement::Unchanged => "unchanged".to_string(),
            Refinement::Checked(weft_verify::Outcome::Proved) => "Proved".to_string(),
            Refinement::Checked(weft_verify::Outcome::ProvedBounded(k)) => format!("ProvedBounded({k})"),
            Refinement::Checked(weft_verify::Outcome::Counterexample(_)) => "COUNTEREXAMPLE".to_string(),
            Refinement::Checked(weft_verify::Outcome::Unknown(why)) => format!("Unknown ({why})"),
        }
    }
}

/// The level's whole pipeline on the function with [`VerifyMode::Strict`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StrictRun {
    /// The switch-recovery step changed the function and the change was kept.
    pub kept: bool,
    /// The switch-recovery step changed the function and the change was reverted.
    pub reverted: bool,
    /// Passes of the pipeline whose change was reverted (any step).
    pub reverted_passes: Vec<String>,
    /// The manager's events (counterexamples, unknowns, verifier errors).
    pub events: Vec<String>,
}

/// Encoded body bytes of the function after the level's pipeline.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct Sizes {
    /// With the switch-recovery step.
    pub with_switch: usize,
    /// With every step but switch-recovery.
    pub without_switch: usize,
}

/// The mock-host differential of one file.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Differential {
    /// `expected.tsv` rows of the file.
    pub cases: usize,
    /// Rows on which the original and the optimized module both match the
    /// row and each other.
    pub identical: usize,
    /// Everything else, described.
    pub failures: Vec<String>,
}

impl Differential {
    /// Every case identical, and there is at least one case.
    pub fn all_identical(&self) -> bool {
        self.cases > 0 && self.identical == self.cases && self.failures.is_empty()
    }
}

/// One surveyed function at one level.
#[derive(Clone, Debug)]
pub struct CallbackRow {
    /// The level whose pipeline was used.
    pub level: OptLevel,
    /// Corpus file name (`callback_seq_if.wat`).
    pub file: String,
    /// The function's name (name section, else `f<index>`).
    pub function: String,
    /// Its wasm function index.
    pub index: u32,
    /// The export name it is surveyed under.
    pub export: String,
    /// Why it is surveyed.
    pub role: Role,
    /// The chains switch-recovery found, in the order it considered them.
    pub chains: Vec<ChainRow>,
    /// The switch-recovery step's refinement check.
    pub refinement: Refinement,
    /// The strict pipeline.
    pub strict: StrictRun,
    /// Body sizes with and without the switch-recovery step.
    pub sizes: Result<Sizes, String>,
    /// The file's mock-host differential.
    pub differential: Differential,
    /// The function's IR before switch-recovery (for reports of findings).
    pub ir_before: String,
    /// The function's IR after switch-recovery.
    pub ir_after: String,
}

impl CallbackRow {
    /// The switch-recovery configuration of the row's level.
    pub fn config(&self) -> SwitchConfig {
        switch_step(self.level).map(|(_, c)| c).unwrap_or_default()
    }
}

/// The level's switch-recovery step: its position in the pipeline and its
/// configuration.
pub fn switch_step(level: OptLevel) -> Result<(usize, SwitchConfig), String> {
    let names = pipeline_names(level);
    names
        .iter()
        .enumerate()
        .find_map(|(i, &n)| match n {
            "switch-recovery" => Some((i, SwitchConfig::default())),
            "switch-recovery-size" => Some((i, SwitchConfig::size())),
            _ => None,
        })
        .ok_or_else(|| format!("the {} pipeline has no switch-recovery step: {names:?}", level_name(level)))
}

/// `-O2`, `-Os`, …
pub fn level_name(level: OptLevel) -> &'static str {
    match level {
        OptLevel::O0 => "-O0",
        OptLevel::O1 => "-O1",
        OptLevel::O2 => "-O2",
        OptLevel::O3 => "-O3",
        OptLevel::Os => "-Os",
    }
}

/// Surveys every callback (and dispatch helper) of
/// `shared/corpus/p3/callback_*.wat` at `level`: rows in file-name order,
/// then function-index order. `Err` when the corpus cannot be read or a
/// module does not translate.
pub fn survey(shared: &Path, level: OptLevel) -> Result<Vec<CallbackRow>, String> {
    let dir = shared.join("corpus").join("p3");
    let (position, config) = switch_step(level)?;
    let tsv = dir.join("expected.tsv");
    let text = std::fs::read_to_string(&tsv).map_err(|e| format!("{}: {e}", tsv.display()))?;
    let rows = parse_expected(&text).map_err(|e| format!("{}: {e}", tsv.display()))?;
    let mut files: Vec<String> = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("callback_") && n.ends_with(".wat"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(format!("no callback_*.wat in {}", dir.display()));
    }
    let engine = engine(Limits::Fuel)?;
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(2)
        .stack_size(32 << 20)
        .build()
        .map_err(|e| format!("cannot build a thread pool: {e}"))?;
    let per_file: Vec<Result<Vec<CallbackRow>, String>> = pool.install(|| {
        files.par_iter().map(|file| survey_file(&dir, file, level, position, &config, &rows, &engine)).collect()
    });
    let mut out = Vec::new();
    for r in per_file {
        out.extend(r?);
    }
    Ok(out)
}

/// The surveyed functions of one module: (index, export name, role).
fn surveyed_functions(module: &weft_ir::Module) -> Vec<(u32, String, Role)> {
    let mut out: Vec<(u32, String, Role)> = Vec::new();
    let exports: Vec<&weft_ir::Export> = module.exports.iter().filter(|e| e.kind == ExportKind::Func).collect();
    for e in exports.iter().filter(|e| e.name.starts_with("[callback]")) {
        out.push((e.index, e.name.clone(), Role::Callback));
    }
    let callbacks: Vec<(u32, String)> = out.iter().map(|(i, _, _)| *i).map(|i| (i, func_name(module, i))).collect();
    for (cb, cb_name) in callbacks {
        let Some(FuncBody::Ir(func)) = module.funcs.iter().find(|f| f.index.as_u32() == cb).map(|f| &f.body) else {
            continue;
        };
        let Some(event) = func.entry_block().and_then(|b| func.dfg.block_params(b).first().copied()) else {
            continue;
        };
        for block in func.layout.blocks() {
            for inst in func.layout.block_insts(block) {
                let InstructionData::Op { opcode: Opcode::Call, imm: Imm::Func(callee), .. } = &func.dfg.insts[inst]
                else {
                    continue;
                };
                let passes_event = func.dfg.inst_args(inst).iter().any(|&a| func.dfg.resolve_aliases(a) == event);
                let callee = callee.as_u32();
                if !passes_event || out.iter().any(|(i, _, _)| *i == callee) {
                    continue;
                }
                if let Some(e) = exports.iter().find(|e| e.index == callee) {
                    out.push((callee, e.name.clone(), Role::DispatchHelper { caller: cb_name.clone() }));
                }
            }
        }
    }
    out.sort_by_key(|(i, _, _)| *i);
    out
}

fn func_name(module: &weft_ir::Module, index: u32) -> String {
    module.func_names.get(index as usize).filter(|n| !n.is_empty()).cloned().unwrap_or_else(|| format!("f{index}"))
}

fn survey_file(
    dir: &Path,
    file: &str,
    level: OptLevel,
    position: usize,
    config: &SwitchConfig,
    rows: &[ExpectedRow],
    engine: &Engine,
) -> Result<Vec<CallbackRow>, String> {
    let path = dir.join(file);
    let bytes = wat::parse_file(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (module, _) = weft_frontend::translate_module(&bytes).map_err(|e| format!("{file}: frontend: {e}"))?;
    let stem = file.trim_end_matches(".wat");
    let file_rows: Vec<&ExpectedRow> = rows.iter().filter(|r| r.module == stem).collect();
    let differential = differential(engine, &bytes, level, &file_rows);
    let passes = pipeline(level).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    for (index, export, role) in surveyed_functions(&module) {
        let function = func_name(&module, index);
        let Some(FuncBody::Ir(original)) = module.funcs.iter().find(|f| f.index.as_u32() == index).map(|f| &f.body)
        else {
            return Err(format!("{file}: {function} (function {index}) has no IR body"));
        };
        // 1. The passes before switch-recovery.
        let mut before = original.clone();
        PassManager::new(&passes[..position], PmConfig::default()).run_function(&mut before);
        // 2. Switch-recovery with its report.
        let mut after = before.clone();
        let mut reports = Vec::new();
        let changed = SwitchRecovery::with_config(*config).run_with_report(&mut after, &mut reports);
        let chains = reports
            .into_iter()
            .map(|report| ChainRow { reference: reference_chain(&before, report.head), report })
            .collect();
        // 3. Refinement of that step.
        let refinement = if changed {
            Refinement::Checked(weft_verify::check_refinement(&before, &after, &weft_verify::Options::default()))
        } else {
            Refinement::Unchanged
        };
        // 4. The whole pipeline, strict.
        let strict_cfg = PmConfig { verify: VerifyMode::Strict, ..PmConfig::default() };
        let mut strict_func = original.clone();
        let report = PassManager::new(&passes, strict_cfg).run_function(&mut strict_func);
        // The report lists function passes only (module passes need the
        // module); the switch-recovery step occurs once.
        let step = report.passes.iter().find(|p| p.name == passes[position].name);
        let strict = StrictRun {
            kept: step.is_some_and(|p| p.functions_changed > 0),
            reverted: step.is_some_and(|p| p.reverted > 0),
            reverted_passes: report.passes.iter().filter(|p| p.reverted > 0).map(|p| p.name.to_string()).collect(),
            events: report.events.iter().map(|e| format!("{}: {}", e.pass, e.message)).collect(),
        };
        // 5. Sizes with and without the step.
        let sizes = body_sizes(original, &passes, position);
        out.push(CallbackRow {
            level,
            file: file.to_string(),
            function,
            index,
            export,
            role,
            chains,
            refinement,
            strict,
            sizes,
            differential: differential.clone(),
            ir_before: weft_ir::write::DisplayFunction(&before).to_string(),
            ir_after: weft_ir::write::DisplayFunction(&after).to_string(),
        });
    }
    Ok(out)
}

fn body_sizes(
    original: &Function,
    passes: &[&'static weft_passes::PassInfo],
    position: usize,
) -> Result<Sizes, String> {
    let size = |list: &[&'static weft_passes::PassInfo]| -> Result<usize, String> {
        let mut f = original.clone();
        PassManager::new(list, PmConfig::default()).run_function(&mut f);
        weft_backend::emit_function_body(&f).map(|b| b.len()).map_err(|e| format!("backend: {e}"))
    };
    let without: Vec<&'static weft_passes::PassInfo> =
        passes.iter().enumerate().filter(|&(i, _)| i != position).map(|(_, p)| *p).collect();
    Ok(Sizes { with_switch: size(passes)?, without_switch: size(&without)? })
}

/// Runs every row on the original module and on the facade's output.
fn differential(engine: &Engine, bytes: &[u8], level: OptLevel, rows: &[&ExpectedRow]) -> Differential {
    let mut d = Differential { cases: rows.len(), ..Differential::default() };
    let original = match wasmtime::Module::new(engine, bytes) {
        Ok(m) => m,
        Err(e) => {
            d.failures.push(format!("the original does not compile: {e:#}"));
            return d;
        }
    };
    let config = weft::Config { opt_level: level, ..weft::Config::default() };
    let optimized = std::panic::catch_unwind(|| weft::optimize(bytes, &config))
        .map_err(|p| format!("PANIC in weft: {}", crate::wasmtime_harness::panic_message(p.as_ref())))
        .and_then(|r| r.map_err(|e| format!("weft {}: {e}", level_name(level))))
        .and_then(|(out, _)| {
            wasmtime::Module::new(engine, &out)
                .map_err(|e| format!("the {} output does not compile: {e:#}", level_name(level)))
        });
    let optimized = match optimized {
        Ok(m) => m,
        Err(e) => {
            d.failures.push(e);
            return d;
        }
    };
    let name = level_name(level);
    for row in rows {
        let what = format!("line {} {}", row.line, call_text(&row.export, &row.args));
        let a = run_case(engine, &original, &row.export, &row.args, Some(FUEL));
        let b = run_case(engine, &optimized, &row.export, &row.args, Some(FUEL));
        let failure = match (&a, &b) {
            (Err(e), _) => Some(format!("{what}: the original cannot run: {e}")),
            (_, Err(e)) => Some(format!("{what}: the {name} output cannot run: {e}")),
            (Ok(a), Ok(b)) => check_pair(row, a, b).map(|e| format!("{what}: {e}")),
        };
        match failure {
            None => d.identical += 1,
            Some(f) => d.failures.push(f),
        }
    }
    d
}

fn check_pair(row: &ExpectedRow, original: &Outcome, optimized: &Outcome) -> Option<String> {
    if let Some(m) = row.mismatch(original) {
        return Some(format!("the original does not match expected.tsv: {m}"));
    }
    if let Some(m) = row.mismatch(optimized) {
        return Some(format!("the optimized module does not match expected.tsv: {m}"));
    }
    original.first_difference(optimized).map(|d| format!("original vs optimized: {d}"))
}

// ------------------------------------------------------------ reference

/// `±selector + k` (mod 2^width), or a constant.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Affine {
    Const(u64),
    Lin { neg: bool, k: u64 },
}

fn mask(width: u32) -> u64 {
    if width >= 64 { u64::MAX } else { (1u64 << width) - 1 }
}

fn is_add_sub(op: Opcode) -> bool {
    matches!(op, Opcode::I32Add | Opcode::I64Add | Opcode::I32Sub | Opcode::I64Sub)
}

/// Expression depth limit of the reference analyses.
const MAX_DEPTH: u32 = 64;

/// The reference's view of a function: value aliases (the parameters of
/// single-predecessor test blocks stand for their edge's arguments) and,
/// once known, the selector.
struct Reference<'a> {
    func: &'a Function,
    aliases: BTreeMap<Value, Value>,
    selector: Option<Value>,
    width: u32,
}

impl Reference<'_> {
    fn resolve(&self, v: Value) -> Value {
        let mut v = self.func.dfg.resolve_aliases(v);
        for _ in 0..=self.aliases.len() {
            match self.aliases.get(&v) {
                Some(&a) => v = self.func.dfg.resolve_aliases(a),
                None => break,
            }
        }
        v
    }

    fn int_const(&self, v: Value) -> Option<u64> {
        self.func.dfg.int_const(self.resolve(v)).map(|k| k as u64 & mask(self.width))
    }

    /// The pure operation defining `v`: (opcode, args, imm).
    fn pure_def(&self, v: Value) -> Option<(Opcode, Vec<Value>, Imm)> {
        let inst = self.func.dfg.value_inst(self.resolve(v))?;
        match &self.func.dfg.insts[inst] {
            InstructionData::Op { opcode, imm, .. } if opcode.effects().is_pure() => {
                Some((*opcode, self.func.dfg.inst_args(inst).to_vec(), *imm))
            }
            _ => None,
        }
    }

    /// Is `v` 0/1-valued by construction?
    fn is_boolean(&self, v: Value, depth: u32) -> bool {
        match self.pure_def(v) {
            Some((op, args, _)) if depth <= MAX_DEPTH => {
                op.is_int_compare()
                    || matches!(op, Opcode::I32Eqz | Opcode::I64Eqz)
                    || (matches!(op, Opcode::I32And | Opcode::I32Or | Opcode::I32Xor)
                        && args.iter().all(|&a| {
                            self.is_boolean(a, depth + 1)
                                || matches!(self.func.dfg.int_const(self.resolve(a)), Some(0 | 1))
                        }))
            }
            _ => false,
        }
    }

    /// `v` without additions and subtractions of constants.
    fn base(&self, v: Value, depth: u32) -> Value {
        let v = self.resolve(v);
        if depth > MAX_DEPTH || Some(v) == self.selector {
            return v;
        }
        match self.pure_def(v) {
            Some((op, args, _)) if is_add_sub(op) && args.len() == 2 => {
                match (self.func.dfg.int_const(self.resolve(args[0])), self.func.dfg.int_const(self.resolve(args[1]))) {
                    (None, Some(_)) => self.base(args[0], depth + 1),
                    (Some(_), None) => self.base(args[1], depth + 1),
                    _ => v,
                }
            }
            _ => v,
        }
    }

    /// The values a branch condition tests (each without `+ k`).
    fn tested(&self, cond: Value, out: &mut BTreeSet<Value>, depth: u32) {
        let cond = self.resolve(cond);
        if self.func.dfg.int_const(cond).is_some() || depth > MAX_DEPTH {
            return;
        }
        if !self.is_boolean(cond, 0) {
            out.insert(self.base(cond, 0));
            return;
        }
        let Some((op, args, _)) = self.pure_def(cond) else { return };
        for a in args {
            let is_const = self.func.dfg.int_const(self.resolve(a)).is_some();
            if op.is_int_compare() {
                if !is_const {
                    out.insert(self.base(a, 0));
                }
            } else {
                self.tested(a, out, depth + 1);
            }
        }
    }

    /// The one value `cond` tests, if there is exactly one.
    fn selector_of(&self, cond: Value) -> Result<Value, String> {
        let mut s = BTreeSet::new();
        self.tested(cond, &mut s, 0);
        match s.iter().copied().collect::<Vec<_>>()[..] {
            [v] => Ok(v),
            _ => Err(format!("condition {cond} tests {s:?}, not one value")),
        }
    }

    fn affine(&self, v: Value, depth: u32) -> Result<Affine, String> {
        let v = self.resolve(v);
        let m = mask(self.width);
        if Some(v) == self.selector {
            return Ok(Affine::Lin { neg: false, k: 0 });
        }
        if let Some(k) = self.int_const(v) {
            return Ok(Affine::Const(k));
        }
        let not_affine = || format!("{v} is not `±selector + k`");
        if depth > MAX_DEPTH {
            return Err(not_affine());
        }
        let (op, args, _) = self.pure_def(v).ok_or_else(not_affine)?;
        let [a, b] = args[..] else { return Err(not_affine()) };
        if !is_add_sub(op) {
            return Err(not_affine());
        }
        let (a, b) = (self.affine(a, depth + 1)?, self.affine(b, depth + 1)?);
        let add = matches!(op, Opcode::I32Add | Opcode::I64Add);
        Ok(match (add, a, b) {
            (true, Affine::Const(x), Affine::Const(y)) => Affine::Const(x.wrapping_add(y) & m),
            (true, Affine::Lin { neg, k }, Affine::Const(c)) | (true, Affine::Const(c), Affine::Lin { neg, k }) => {
                Affine::Lin { neg, k: k.wrapping_add(c) & m }
            }
            (false, Affine::Const(x), Affine::Const(y)) => Affine::Const(x.wrapping_sub(y) & m),
            (false, Affine::Lin { neg, k }, Affine::Const(c)) => Affine::Lin { neg, k: k.wrapping_sub(c) & m },
            (false, Affine::Const(c), Affine::Lin { neg, k }) => Affine::Lin { neg: !neg, k: c.wrapping_sub(k) & m },
            _ => return Err(not_affine()),
        })
    }

    /// Adds the selector values where `a` compared with `c` can change.
    fn breaks_of(&self, a: Affine, c: u64, out: &mut BTreeSet<u64>) {
        let m = mask(self.width);
        let Affine::Lin { neg, k } = a else { return };
        let sign_bit = 1u64 << (self.width - 1);
        for t in [c, c.wrapping_add(1), 0, sign_bit] {
            let base = if neg { k.wrapping_sub(t) } else { t.wrapping_sub(k) } & m;
            out.insert(base);
            out.insert(base.wrapping_add(1) & m);
        }
    }

    /// The change points of a branch condition (`cond != 0`).
    fn cond_breaks(&self, cond: Value, out: &mut BTreeSet<u64>) -> Result<(), String> {
        if self.is_boolean(cond, 0) {
            return self.pred_breaks(cond, out, 0);
        }
        let a = self.affine(cond, 0)?;
        self.breaks_of(a, 0, out);
        Ok(())
    }

    fn pred_breaks(&self, v: Value, out: &mut BTreeSet<u64>, depth: u32) -> Result<(), String> {
        if depth > MAX_DEPTH {
            return Err(format!("condition {v} too deep"));
        }
        if self.int_const(v).is_some() {
            return Ok(());
        }
        let Some((op, args, _)) = self.pure_def(v) else {
            return Err(format!("{v} is not a predicate of the selector"));
        };
        if op.is_int_compare() {
            let [a, b] = args[..] else { return Err(format!("{v}: compare without two operands")) };
            match (self.affine(a, 0)?, self.affine(b, 0)?) {
                (lin @ Affine::Lin { .. }, Affine::Const(c)) | (Affine::Const(c), lin @ Affine::Lin { .. }) => {
                    self.breaks_of(lin, c, out)
                }
                (Affine::Const(_), Affine::Const(_)) => {}
                _ => return Err(format!("{v} compares the selector with itself")),
            }
            return Ok(());
        }
        match op {
            Opcode::I32Eqz | Opcode::I64Eqz if self.is_boolean(args[0], 0) => self.pred_breaks(args[0], out, depth + 1),
            Opcode::I32Eqz | Opcode::I64Eqz => {
                let a = self.affine(args[0], 0)?;
                self.breaks_of(a, 0, out);
                Ok(())
            }
            Opcode::I32And | Opcode::I32Or | Opcode::I32Xor => {
                args.iter().try_for_each(|&a| self.pred_breaks(a, out, depth + 1))
            }
            _ => Err(format!("{v} (`{op}`) is not a predicate of the selector")),
        }
    }

    /// Evaluates `v` with the selector set to `x`.
    fn eval(&self, v: Value, x: u64, memo: &mut BTreeMap<Value, Val>, depth: u32) -> Result<Val, String> {
        let v = self.resolve(v);
        if Some(v) == self.selector {
            return Ok(if self.width == 64 { Val::I64(x as i64) } else { Val::I32(x as u32 as i32) });
        }
        if let Some(val) = memo.get(&v) {
            return Ok(*val);
        }
        if depth > MAX_DEPTH {
            return Err(format!("{v}: expression too deep"));
        }
        let (op, args, imm) = self.pure_def(v).ok_or_else(|| format!("{v} does not depend on the selector alone"))?;
        let vals = args.iter().map(|&a| self.eval(a, x, memo, depth + 1)).collect::<Result<Vec<Val>, String>>()?;
        let inst = self.func.dfg.value_inst(v).ok_or_else(|| format!("{v} has no instruction"))?;
        let n = self.func.dfg.inst_results(inst).iter().position(|&r| r == v).unwrap_or(0);
        let out = eval_pure(op, &vals, imm).map_err(|t| format!("{v}: {t}"))?;
        let val = out.get(n).cloned().ok_or_else(|| format!("{v}: no result {n}"))?;
        memo.insert(v, val);
        Ok(val)
    }
}

/// A branch target and its (alias-resolved) arguments.
type Edge = (Block, Vec<Value>);

/// A block's two-way `brif`: (cond, then edge, else edge).
fn brif_of(func: &Function, block: Block) -> Option<(Value, Edge, Edge)> {
    let term = func.terminator(block)?;
    let InstructionData::Brif { cond, then_dest, else_dest } = &func.dfg.insts[term] else { return None };
    let edge = |c: &weft_ir::BlockCall| {
        (c.block, func.dfg.block_call_args(c).iter().map(|&v| func.dfg.resolve_aliases(v)).collect::<Vec<_>>())
    };
    (then_dest.block != else_dest.block).then(|| (*cond, edge(then_dest), edge(else_dest)))
}

/// One test of the reference chain.
struct RefTest {
    block: Block,
    cond: Value,
    /// The case edge (the arm).
    case: Edge,
    /// The continuing edge (for the last test: the chain's default).
    cont: Edge,
    /// Whether the case is taken when `cond != 0`.
    case_if_true: bool,
}

/// Recomputes the meaning of the chain headed by `head` in `func` (see the
/// module documentation).
pub fn reference_chain(func: &Function, head: Block) -> Result<ReferenceChain, String> {
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    let mut r = Reference { func, aliases: BTreeMap::new(), selector: None, width: 32 };
    let (cond, _, _) = brif_of(func, head).ok_or_else(|| format!("{head} does not end in a two-way brif"))?;
    let selector = r.selector_of(cond)?;
    r.width = match func.dfg.value_type(selector) {
        Type::I32 => 32,
        Type::I64 => 64,
        t => return Err(format!("selector {selector} has type {t}")),
    };
    r.selector = Some(selector);

    // The walk: from each test, the `else` edge continues if it can, else
    // the `then` edge.
    let mut tests: Vec<RefTest> = Vec::new();
    let mut arms: Vec<Option<Block>> = Vec::new();
    // joins[j]: (predecessor, arm index) of test j's other predecessors.
    let mut joins: Vec<Vec<(Block, usize)>> = vec![Vec::new()];
    let (mut cur, mut cur_cond) = (head, cond);
    loop {
        let (_, then_e, else_e) = brif_of(func, cur).ok_or_else(|| format!("{cur} lost its brif"))?;
        let mut next = None;
        for take_else in [true, false] {
            let (cont, exit) = if take_else { (&else_e, &then_e) } else { (&then_e, &else_e) };
            let in_chain = |b: Block| b == cur || tests.iter().any(|t| t.block == b);
            let b = cont.0;
            if in_chain(b) || in_chain(exit.0) || Some(b) == func.layout.entry_block() {
                continue;
            }
            let exit_preds = cfg.preds(exit.0);
            let exit_arm = (exit_preds.len() == 1 && Some(exit.0) != func.layout.entry_block()).then_some(exit.0);
            let Some(term) = func.terminator(b) else { continue };
            let pure = func.layout.block_insts(b).all(|i| {
                i == term
                    || matches!(&func.dfg.insts[i], InstructionData::Op { opcode, .. } if opcode.effects().is_pure())
            });
            let Some((b_cond, _, _)) = brif_of(func, b) else { continue };
            if !pure {
                continue;
            }
            let params = func.dfg.block_params(b);
            let preds = cfg.preds(b);
            let mut new_aliases = Vec::new();
            let mut b_joins = Vec::new();
            if preds.len() == 1 {
                if preds[0].block != cur
                    || params.len() != cont.1.len()
                    || params.iter().zip(&cont.1).any(|(p, a)| p == a)
                {
                    continue;
                }
                new_aliases.extend(params.iter().copied().zip(cont.1.iter().copied()));
            } else {
                if !params.is_empty() {
                    continue;
                }
                let mut all_arms = arms.clone();
                all_arms.push(exit_arm);
                let found: Option<Vec<(Block, usize)>> = preds
                    .iter()
                    .filter(|p| p.block != cur)
                    .map(|p| {
                        all_arms
                            .iter()
                            .position(|a| a.is_some_and(|a| domtree.dominates(a, p.block)))
                            .map(|k| (p.block, k))
                    })
                    .collect();
                let Some(found) = found else { continue };
                b_joins = found;
            }
            let saved = r.aliases.clone();
            r.aliases.extend(new_aliases);
            if r.selector_of(b_cond).map(|s| s == selector).unwrap_or(false) {
                next = Some((take_else, exit_arm, b, b_cond, b_joins));
                break;
            }
            r.aliases = saved;
        }
        let Some((take_else, exit_arm, b, b_cond, b_joins)) = next else { break };
        let (case, cont) = if take_else { (then_e, else_e) } else { (else_e, then_e) };
        tests.push(RefTest { block: cur, cond: cur_cond, case, cont, case_if_true: take_else });
        arms.push(exit_arm);
        joins.push(b_joins);
        (cur, cur_cond) = (b, b_cond);
    }
    let (_, then_e, else_e) = brif_of(func, cur).ok_or_else(|| format!("{cur} lost its brif"))?;
    tests.push(RefTest { block: cur, cond: cur_cond, case: then_e, cont: else_e, case_if_true: true });

    // Atoms: ranges between consecutive change points of any condition;
    // every condition is constant on each. case[i][a]: test i takes its
    // case on atom a.
    let mut points: BTreeSet<u64> = BTreeSet::from([0]);
    for t in &tests {
        r.cond_breaks(t.cond, &mut points)?;
    }
    let atoms: Vec<u64> = points.into_iter().collect();
    let mut case: Vec<Vec<bool>> = Vec::with_capacity(tests.len());
    for t in &tests {
        let mut row = Vec::with_capacity(atoms.len());
        for &x in &atoms {
            let holds = match r.eval(t.cond, x, &mut BTreeMap::new(), 0)? {
                Val::I32(v) => v != 0,
                other => return Err(format!("condition of {} evaluated to {other:?}", t.block)),
            };
            row.push(holds == t.case_if_true);
        }
        case.push(row);
    }

    // Sequential ifs: the values that reach each arm (rejoined arms test
    // again), and the cut before the first test that splits an arm's
    // values.
    let mut n = tests.len();
    let na = atoms.len();
    let sequential = loop {
        let mut reaching = vec![vec![false; na]; n];
        reaching[0] = vec![true; na];
        let mut out: Vec<Vec<bool>> = Vec::with_capacity(n);
        for i in 0..n {
            let here = reaching[i].clone();
            out.push((0..na).map(|a| here[a] && case[i][a]).collect());
            if i + 1 < n {
                for a in 0..na {
                    reaching[i + 1][a] |= here[a] && !case[i][a];
                }
            }
            for j in i + 1..n {
                if joins[j].iter().any(|&(_, k)| k == i) {
                    for a in 0..na {
                        reaching[j][a] |= out[i][a];
                    }
                }
            }
        }
        let mut cut: Option<usize> = None;
        for (j, arms_in) in joins.iter().enumerate().take(n).skip(1) {
            for &(_, k) in arms_in {
                let vals = &out[k];
                // The first later test that meets the arm's values must
                // take all of them.
                let first = (j..n).find(|&t| (0..na).any(|a| vals[a] && case[t][a]));
                if let Some(t) = first.filter(|&t| (0..na).any(|a| vals[a] && !case[t][a])) {
                    cut = Some(cut.map_or(t, |c| c.min(t)));
                }
            }
        }
        match cut {
            None => break joins[..n].iter().any(|j| !j.is_empty()),
            Some(t) if t < 2 => return Err(format!("the chain at {head} is cut to fewer than two tests")),
            Some(t) => n = t,
        }
    };
    tests.truncate(n);
    if n < 2 {
        return Err(format!("the chain at {head} has fewer than two tests"));
    }
    // For the cut chain, the last test's continuing edge is its default.
    let default_edge = tests[n - 1].cont.clone();

    // Pieces: each atom's target (the first test taking its case wins).
    let m = mask(r.width);
    let mut pieces: Vec<(u64, u64, Edge)> = Vec::new();
    for (ai, &lo) in atoms.iter().enumerate() {
        let hi = atoms.get(ai + 1).map_or(m, |&next| next - 1);
        let target = (0..n).find(|&i| case[i][ai]).map_or_else(|| default_edge.clone(), |i| tests[i].case.clone());
        match pieces.last_mut() {
            Some(last) if last.2 == target => last.1 = hi,
            _ => pieces.push((lo, hi, target)),
        }
    }
    // The default: the target covering the most values (ties: the chain's
    // own default edge, then the first in chain order).
    let mut counts: Vec<(Edge, u128)> = Vec::new();
    for (lo, hi, t) in &pieces {
        match counts.iter_mut().find(|(e, _)| e == t) {
            Some((_, c)) => *c += u128::from(hi - lo) + 1,
            None => counts.push((t.clone(), u128::from(hi - lo) + 1)),
        }
    }
    let best = counts.iter().map(|(_, c)| *c).max().unwrap_or(0);
    let covers_most = |e: &Edge| counts.iter().any(|(c, k)| c == e && *k == best);
    let default = if covers_most(&default_edge) {
        default_edge
    } else {
        tests.iter().map(|t| &t.case).find(|e| covers_most(e)).cloned().ok_or("no target covers the most values")?
    };
    let clusters = pieces.iter().filter(|p| p.2 != default).map(|p| (p.0, p.1)).collect();
    Ok(ReferenceChain { tests: tests.iter().map(|t| t.block).collect(), width: r.width, clusters, sequential })
}

// ------------------------------------------------------------ markdown

fn show_decision(d: &Decision) -> String {
    match d {
        Decision::Left(why) => format!("left ({why})"),
        Decision::Table => "br_table".to_string(),
        Decision::SearchTree => "search tree".to_string(),
        Decision::Chain => "early-exit chain".to_string(),
    }
}

fn show_expected(e: &Expected) -> String {
    match e {
        Expected::Exactly(Decision::Left(_)) => "left".to_string(),
        Expected::Exactly(d) => show_decision(d),
        Expected::SmallestOf { table, chain } => {
            let mut opts = vec!["left"];
            if *table {
                opts.push("br_table");
            }
            if *chain {
                opts.push("early-exit chain");
            }
            format!("the smallest of {}", opts.join(" / "))
        }
    }
}

fn show_clusters(r: &ReferenceChain) -> String {
    let m = mask(r.width);
    let one = |v: u64| if v > m / 2 && m - v < 0x10000 { format!("-{}", m - v + 1) } else { v.to_string() };
    r.clusters
        .iter()
        .map(|&(lo, hi)| if lo == hi { one(lo) } else { format!("{}..{}", one(lo), one(hi)) })
        .collect::<Vec<_>>()
        .join(",")
}

/// The survey as a markdown table, one line per chain (a function without
/// a chain gets one line saying so).
pub fn to_markdown(rows: &[CallbackRow]) -> String {
    let mut s = String::new();
    let levels: BTreeSet<&str> = rows.iter().map(|r| level_name(r.level)).collect();
    let _ = writeln!(s, "Switch recovery on the P3 callbacks ({})", levels.into_iter().collect::<Vec<_>>().join(", "));
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "| level | file | function | head | sel | tests | clusters (ref) | density | decision | thresholds imply | refinement | strict | bytes with / without | mock host |"
    );
    let _ = writeln!(s, "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    for row in rows {
        let function = match &row.role {
            Role::Callback => format!("`{}` (fn{}, callback)", row.function, row.index),
            Role::DispatchHelper { caller } => format!("`{}` (fn{}, helper of `{caller}`)", row.function, row.index),
        };
        let strict = if row.strict.kept {
            "kept".to_string()
        } else if row.strict.reverted {
            "REVERTED".to_string()
        } else {
            "unchanged".to_string()
        };
        let sizes = match &row.sizes {
            Ok(z) => format!("{} / {}", z.with_switch, z.without_switch),
            Err(e) => format!("error: {e}"),
        };
        let host = format!("{}/{}", row.differential.identical, row.differential.cases);
        let level = level_name(row.level);
        if row.chains.is_empty() {
            let _ = writeln!(
                s,
                "| {level} | {} | {function} | — | — | 0 | — | — | NO CHAIN FOUND | — | {} | {strict} | {sizes} | {host} |",
                row.file,
                row.refinement.short()
            );
        }
        for c in &row.chains {
            let (clusters, density, implied) = match &c.reference {
                Ok(r) => (
                    format!("{} ({})", c.report.clusters, show_clusters(r)),
                    format!("{:.2}", r.density()),
                    show_expected(&expected_decision(r, &row.config())),
                ),
                Err(e) => (c.report.clusters.to_string(), "?".to_string(), format!("not recomputed: {e}")),
            };
            let _ = writeln!(
                s,
                "| {level} | {} | {function} | {} | {} | {} | {clusters} | {density} | {} | {implied} | {} | {strict} | {sizes} | {host} |",
                row.file,
                c.report.head,
                c.report.selector_type,
                c.report.tests,
                show_decision(&c.report.decision),
                row.refinement.short(),
            );
        }
    }
    s
}

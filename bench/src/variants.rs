//! The optimizers under comparison: weft's `-O2` pipeline, the same
//! pipeline with `switch-recovery` forced to one lowering, and `wasm-opt`.
//!
//! The forced lowerings use [`SwitchRecovery::with_config`] with thresholds
//! that leave the cost model one choice (every other setting at
//! `SwitchConfig::default()`): [`Lowering::Table`] accepts a table of any
//! number of clusters at any density and never builds a search tree;
//! [`Lowering::Search`] never builds a table and always builds a search
//! tree; [`Lowering::Compares`] builds neither, so sequential `if`s become
//! an early-exit compare chain in source order and early-exit chains stay
//! as they are; [`Lowering::Chain`] drops `switch-recovery` from the
//! pipeline, so the chain stays as written. When the `-O2` pipeline does
//! not contain `switch-recovery`, the forced pass runs first, followed by
//! the whole `-O2` pipeline (so its cleanups run after it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use weft_passes::switch_recovery::{MAX_TABLE_SPAN_LIMIT, SwitchConfig, SwitchRecovery};
use weft_passes::{AnyPass, PassInfo};

use crate::Error;

/// Thresholds under which every chain becomes a `br_table`, whatever its
/// number of clusters and density (other settings at their defaults).
pub fn force_table() -> SwitchConfig {
    SwitchConfig {
        min_cases_for_table: 1,
        min_density: 0.0,
        min_cases_for_search: usize::MAX,
        max_table_span: MAX_TABLE_SPAN_LIMIT,
        prefer_size: false,
        ..SwitchConfig::default()
    }
}

/// Thresholds under which no table is formed and every chain becomes a
/// binary search tree (other settings at their defaults).
pub fn force_search() -> SwitchConfig {
    SwitchConfig {
        min_cases_for_table: usize::MAX,
        min_density: 1.0,
        min_cases_for_search: 1,
        max_table_span: 0,
        prefer_size: false,
        ..SwitchConfig::default()
    }
}

/// Thresholds under which neither a table nor a search tree is formed:
/// what the cost model does below both thresholds (a chain of sequential
/// `if`s becomes an early-exit compare chain; an early-exit chain is left
/// as it is). Other settings at their defaults.
pub fn force_compares() -> SwitchConfig {
    SwitchConfig {
        min_cases_for_table: usize::MAX,
        min_density: 1.0,
        min_cases_for_search: usize::MAX,
        max_table_span: 0,
        prefer_size: false,
        ..SwitchConfig::default()
    }
}

static SWITCH_TABLE: PassInfo = PassInfo {
    name: "switch-recovery",
    description: "switch-recovery forced to br_table (benchmark)",
    params: &[],
    make: || AnyPass::Function(Box::new(SwitchRecovery::with_config(force_table()))),
    make_with_params: None,
};

static SWITCH_SEARCH: PassInfo = PassInfo {
    name: "switch-recovery",
    description: "switch-recovery forced to a search tree (benchmark)",
    params: &[],
    make: || AnyPass::Function(Box::new(SwitchRecovery::with_config(force_search()))),
    make_with_params: None,
};

static SWITCH_COMPARES: PassInfo = PassInfo {
    name: "switch-recovery",
    description: "switch-recovery forced to an early-exit compare chain (benchmark)",
    params: &[],
    make: || AnyPass::Function(Box::new(SwitchRecovery::with_config(force_compares()))),
    make_with_params: None,
};

/// What `switch-recovery` is allowed to do in a weft variant.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Lowering {
    /// The `-O2` pipeline as it is (the cost model decides).
    CostModel,
    /// `switch-recovery` forced to `br_table`.
    Table,
    /// `switch-recovery` forced to a binary search tree.
    Search,
    /// `switch-recovery` with neither a table nor a search tree: sequential
    /// `if`s become an early-exit compare chain.
    Compares,
    /// No `switch-recovery`: the chain stays as written.
    Chain,
}

impl Lowering {
    /// Every lowering, in report order.
    pub const ALL: [Lowering; 5] =
        [Lowering::CostModel, Lowering::Table, Lowering::Search, Lowering::Compares, Lowering::Chain];

    /// The variant's name in the report.
    pub fn name(self) -> &'static str {
        match self {
            Lowering::CostModel => "weft -O2",
            Lowering::Table => "weft -O2, forced br_table",
            Lowering::Search => "weft -O2, forced search tree",
            Lowering::Compares => "weft -O2, forced compare chain",
            Lowering::Chain => "weft -O2, no switch-recovery",
        }
    }
}

/// The pass list of a weft variant.
pub fn passes(lowering: Lowering) -> Result<Vec<&'static PassInfo>, Error> {
    let config = weft::Config::default();
    let o2 = weft::pass_list(&config).map_err(|e| Error::new(format!("the -O2 pipeline: {e}")))?;
    let forced = match lowering {
        Lowering::CostModel => return Ok(o2),
        Lowering::Chain => return Ok(o2.into_iter().filter(|p| p.name != "switch-recovery").collect()),
        Lowering::Table => &SWITCH_TABLE,
        Lowering::Search => &SWITCH_SEARCH,
        Lowering::Compares => &SWITCH_COMPARES,
    };
    if o2.iter().any(|p| p.name == "switch-recovery") {
        Ok(o2.into_iter().map(|p| if p.name == "switch-recovery" { forced } else { p }).collect())
    } else {
        Ok(std::iter::once(forced).chain(o2).collect())
    }
}

/// The pass names of a variant, for the report.
pub fn pass_names(lowering: Lowering) -> Result<Vec<&'static str>, Error> {
    Ok(passes(lowering)?.iter().map(|p| p.name).collect())
}

/// The result of a weft variant on one core module.
#[derive(Clone, Debug)]
pub struct WeftRun {
    /// The output module.
    pub bytes: Vec<u8>,
    /// Translation, passes and emission.
    pub time: Duration,
    /// The pass manager's events (verifier failures, reverts): each one is
    /// a weft bug worth reporting.
    pub events: Vec<String>,
}

/// Runs a weft variant on a core module.
pub fn run_weft(bytes: &[u8], lowering: Lowering) -> Result<WeftRun, Error> {
    let passes = passes(lowering)?;
    let start = Instant::now();
    let (mut module, _) =
        weft_frontend::translate_module(bytes).map_err(|e| Error::new(format!("{}: {e}", lowering.name())))?;
    let manager = weft_passes::PassManager::new(&passes, weft_passes::Config::default());
    let report = manager.run_module(&mut module);
    let out = weft_backend::emit_module(&module).map_err(|e| Error::new(format!("{}: {e}", lowering.name())))?;
    let time = start.elapsed();
    let events = report
        .events
        .iter()
        .map(|e| {
            format!(
                "{}: pass `{}` on function `{}`: {}{}",
                lowering.name(),
                e.pass,
                e.function,
                e.message,
                if e.reverted { " (reverted)" } else { "" }
            )
        })
        .collect();
    Ok(WeftRun { bytes: out, time, events })
}

/// A runnable `wasm-opt`.
#[derive(Clone, Debug)]
pub struct WasmOpt {
    /// The executable.
    pub path: PathBuf,
    /// Its `--version` line.
    pub version: String,
    /// Wall time of `wasm-opt --version` (process start-up, subtracted
    /// from every timed run; the npm build starts a Node.js process).
    pub startup: Duration,
    /// Where results are kept between runs (`None`: always run).
    pub cache: Option<PathBuf>,
}

/// One `wasm-opt -O3` result.
#[derive(Clone, Debug)]
pub struct WasmOptRun {
    /// The output module.
    pub bytes: Vec<u8>,
    /// Wall time less start-up, when it was measured.
    pub time: Duration,
    /// Read from the cache (measured by an earlier run) rather than run now.
    pub cached: bool,
}

/// FNV-1a, 64 bits: a hash that is the same in every build (the cache key).
pub fn fnv1a(parts: &[&[u8]]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for &b in *part {
            h ^= u64::from(b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        h ^= 0xff;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The flags every `wasm-opt` run gets.
const WASM_OPT_FLAGS: [&str; 2] = ["-O3", "--all-features"];

impl WasmOpt {
    /// Checks that `path` runs (`--version`), or says why not; the
    /// start-up time is the median of three `--version` runs.
    pub fn probe(path: &Path, cache: Option<PathBuf>) -> Result<WasmOpt, Error> {
        let mut times = Vec::new();
        let mut version = String::new();
        for _ in 0..3 {
            let start = Instant::now();
            let out = Command::new(path)
                .arg("--version")
                .output()
                .map_err(|e| Error::new(format!("cannot run {}: {e}", path.display())))?;
            times.push(start.elapsed());
            if !out.status.success() {
                return Err(Error::new(format!("{} --version failed: {}", path.display(), out.status)));
            }
            version = String::from_utf8_lossy(&out.stdout).trim().to_string();
        }
        times.sort();
        Ok(WasmOpt { path: path.to_path_buf(), version, startup: times[1], cache })
    }

    fn cache_paths(&self, bytes: &[u8]) -> Option<(PathBuf, PathBuf)> {
        let dir = self.cache.as_ref()?;
        let key = fnv1a(&[self.version.as_bytes(), WASM_OPT_FLAGS.join(" ").as_bytes(), bytes]);
        let stem = format!("{key:016x}-{}", bytes.len());
        Some((dir.join(format!("{stem}.wasm")), dir.join(format!("{stem}.ns"))))
    }

    fn cached(&self, bytes: &[u8]) -> Option<WasmOptRun> {
        let (module, time) = self.cache_paths(bytes)?;
        let ns: u64 = std::fs::read_to_string(time).ok()?.trim().parse().ok()?;
        let out = std::fs::read(module).ok()?;
        Some(WasmOptRun { bytes: out, time: Duration::from_nanos(ns), cached: true })
    }

    fn store(&self, bytes: &[u8], run: &WasmOptRun) {
        if let (Some(dir), Some((module, time))) = (&self.cache, self.cache_paths(bytes)) {
            // A cache that cannot be written only costs time next run.
            let _ = std::fs::create_dir_all(dir);
            let _ = std::fs::write(module, &run.bytes);
            let _ = std::fs::write(time, run.time.as_nanos().to_string());
        }
    }

    /// Runs `wasm-opt -O3 --all-features` on `bytes` (through files in
    /// `scratch`), or takes the result from the cache. The time is the
    /// process's wall time less [`WasmOpt::startup`] (at least zero).
    pub fn run(&self, bytes: &[u8], scratch: &Path, name: &str) -> Result<WasmOptRun, Error> {
        if let Some(hit) = self.cached(bytes) {
            return Ok(hit);
        }
        let run = self.run_flags(&WASM_OPT_FLAGS, bytes, scratch, name)?;
        self.store(bytes, &run);
        Ok(run)
    }

    /// Runs `wasm-opt` with `flags` on `bytes` (through files in `scratch`),
    /// never from the cache. The time is the process's wall time less
    /// [`WasmOpt::startup`] (at least zero).
    pub fn run_flags(&self, flags: &[&str], bytes: &[u8], scratch: &Path, name: &str) -> Result<WasmOptRun, Error> {
        std::fs::create_dir_all(scratch).map_err(|e| Error::new(format!("{}: {e}", scratch.display())))?;
        let input = scratch.join(format!("{name}.in.wasm"));
        let output = scratch.join(format!("{name}.out.wasm"));
        std::fs::write(&input, bytes).map_err(|e| Error::new(format!("{}: {e}", input.display())))?;
        let _ = std::fs::remove_file(&output);
        let start = Instant::now();
        let out = Command::new(&self.path)
            .args(flags)
            .arg(&input)
            .arg("-o")
            .arg(&output)
            .output()
            .map_err(|e| Error::new(format!("cannot run {}: {e}", self.path.display())))?;
        let time = start.elapsed().saturating_sub(self.startup);
        let _ = std::fs::remove_file(&input);
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let first = stderr.lines().next().unwrap_or("").trim();
            return Err(Error::new(format!("wasm-opt {} failed on {name} ({}): {first}", flags.join(" "), out.status)));
        }
        let result = std::fs::read(&output).map_err(|e| Error::new(format!("{}: {e}", output.display())))?;
        let _ = std::fs::remove_file(&output);
        Ok(WasmOptRun { bytes: result, time, cached: false })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forced_variants_replace_or_add_switch_recovery() {
        let o2 = pass_names(Lowering::CostModel).unwrap();
        let chain = pass_names(Lowering::Chain).unwrap();
        assert!(!chain.contains(&"switch-recovery"));
        assert_eq!(chain.len(), o2.iter().filter(|&&n| n != "switch-recovery").count());
        for lowering in [Lowering::Table, Lowering::Search, Lowering::Compares] {
            let list = passes(lowering).unwrap();
            let forced = list.iter().filter(|p| p.name == "switch-recovery").count();
            assert!(forced >= 1);
            assert!(list.iter().all(|p| p.name != "switch-recovery" || p.description.contains("forced")));
        }
    }

    /// The forced configurations leave the cost model the one choice they
    /// are named after, whatever the defaults are.
    #[test]
    fn forced_configs_mean_what_they_say() {
        let (t, s, c) = (force_table(), force_search(), force_compares());
        assert!(t.min_cases_for_table <= 1 && t.min_density <= 0.0 && !t.prefer_size);
        assert_eq!(t.max_table_span, MAX_TABLE_SPAN_LIMIT);
        assert!(s.min_cases_for_search <= 1 && s.min_cases_for_table == usize::MAX && s.max_table_span == 0);
        assert!(c.min_cases_for_search == usize::MAX && c.min_cases_for_table == usize::MAX && c.max_table_span == 0);
        assert!(!s.prefer_size && !c.prefer_size);
        let d = SwitchConfig::default();
        for f in [t, s, c] {
            assert_eq!(f.max_range_in_table, d.max_range_in_table);
        }
    }

    #[test]
    fn cache_keys_are_stable_and_distinct() {
        // FNV-1a of "a" with the part separator, fixed across builds.
        assert_eq!(fnv1a(&[b"a"]), fnv1a(&[b"a"]));
        assert_ne!(fnv1a(&[b"ab", b"c"]), fnv1a(&[b"a", b"bc"]));
        assert_ne!(fnv1a(&[b"x"]), fnv1a(&[b"y"]));
    }
}

//! Corpus measurements: optimization time and output size of weft `-O2`
//! and `wasm-opt -O3` on every `sightglass/**/*.wasm` (core modules) and
//! every `jco-p3/**/*.wasm` (components).
//!
//! A core module is given to `weft::optimize` and to `wasm-opt` whole. A
//! component is given to `weft::optimize` whole (every nested core module
//! is optimized in place); `wasm-opt`, which does not read components, is
//! run on each nested core module, its time summed, and its whole-file
//! size computed as the component's size with each core module replaced by
//! wasm-opt's output (section size prefixes ignored). Code sizes of a
//! component are the sums over its core modules. weft's time is the median
//! of `weft_reps` runs; wasm-opt's is one run's wall time less its process
//! start-up (the median wall time of `wasm-opt --version`), per core module.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::Error;
use crate::variants::WasmOpt;
use crate::wasm;

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// The corpus folder (`../shared/corpus`).
    pub root: PathBuf,
    /// Only the `limit` smallest files of each group, when set.
    pub limit: Option<usize>,
    /// weft runs per file (the median is reported).
    pub weft_reps: usize,
    /// `wasm-opt`, when one runs.
    pub wasm_opt: Option<WasmOpt>,
    /// Scratch directory for `wasm-opt`'s files.
    pub scratch: PathBuf,
}

/// Whole-file and code-section sizes.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct Sizes {
    /// The file, bytes.
    pub file: usize,
    /// The code section(s), bytes.
    pub code: usize,
}

/// One optimizer on one file.
#[derive(Clone, Debug)]
pub struct Outcome {
    /// Optimization time.
    pub time: Duration,
    /// Output sizes.
    pub sizes: Sizes,
    /// Taken from wasm-opt's cache (measured by an earlier run).
    pub cached: bool,
}

/// One corpus file.
#[derive(Clone, Debug)]
pub struct Entry {
    /// `sightglass` or `jco-p3`.
    pub group: &'static str,
    /// Path relative to the corpus folder.
    pub path: String,
    /// Core modules (1 for a core module).
    pub modules: usize,
    /// The input.
    pub original: Sizes,
    /// weft `-O2`, or why it failed.
    pub weft: Result<Outcome, String>,
    /// `wasm-opt -O3` (`None`: not available), or why it failed.
    pub wasm_opt: Option<Result<Outcome, String>>,
}

/// The corpus benchmark.
#[derive(Clone, Debug, Default)]
pub struct Results {
    /// Files in group then path order.
    pub entries: Vec<Entry>,
    /// Files skipped in a `--quick` run.
    pub skipped: usize,
    /// Wall time of the corpus benchmark.
    pub elapsed: Duration,
}

/// The two groups: folder name and whether its files are components.
pub const GROUPS: [(&str, bool); 2] = [("sightglass", false), ("jco-p3", true)];

/// Every `*.wasm` below `dir`, recursively, appended to `out`.
pub(crate) fn wasm_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), Error> {
    files_with_ext(dir, &["wasm"], out)
}

/// Every file below `dir` whose extension is one of `exts`, recursively,
/// appended to `out`.
pub(crate) fn files_with_ext(dir: &Path, exts: &[&str], out: &mut Vec<PathBuf>) -> Result<(), Error> {
    let entries = std::fs::read_dir(dir).map_err(|e| Error::new(format!("{}: {e}", dir.display())))?;
    for entry in entries {
        let path = entry.map_err(|e| Error::new(format!("{}: {e}", dir.display())))?.path();
        if path.is_dir() {
            files_with_ext(&path, exts, out)?;
        } else if path.extension().and_then(|e| e.to_str()).is_some_and(|e| exts.contains(&e)) {
            out.push(path);
        }
    }
    Ok(())
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v.get(v.len() / 2).copied().unwrap_or_default()
}

fn sizes_of_module(bytes: &[u8]) -> Result<Sizes, Error> {
    Ok(Sizes { file: bytes.len(), code: wasm::code_section_size(bytes)? })
}

fn code_of_component(bytes: &[u8]) -> Result<usize, Error> {
    let ranges = weft_frontend::core_module_ranges(bytes).map_err(|e| Error::new(e.to_string()))?;
    ranges.into_iter().map(|r| wasm::code_section_size(&bytes[r])).sum()
}

fn measure_weft(bytes: &[u8], component: bool, reps: usize) -> Result<Outcome, String> {
    let config = weft::Config::default();
    let mut times = Vec::new();
    let mut output = Vec::new();
    for _ in 0..reps.max(1) {
        let start = Instant::now();
        let (out, _report) = weft::optimize(bytes, &config).map_err(|e| e.to_string())?;
        times.push(start.elapsed());
        output = out;
    }
    let sizes = if component {
        Sizes { file: output.len(), code: code_of_component(&output).map_err(|e| e.to_string())? }
    } else {
        wasm::validate(&output).map_err(|e| e.to_string())?;
        sizes_of_module(&output).map_err(|e| e.to_string())?
    };
    Ok(Outcome { time: median(times), sizes, cached: false })
}

fn measure_wasm_opt(w: &WasmOpt, bytes: &[u8], component: bool, scratch: &Path) -> Result<Outcome, String> {
    if !component {
        let run = w.run(bytes, scratch, "corpus").map_err(|e| e.to_string())?;
        let sizes = sizes_of_module(&run.bytes).map_err(|e| e.to_string())?;
        return Ok(Outcome { time: run.time, sizes, cached: run.cached });
    }
    let ranges = weft_frontend::core_module_ranges(bytes).map_err(|e| e.to_string())?;
    let mut outcome = Outcome { time: Duration::ZERO, sizes: Sizes { file: bytes.len(), code: 0 }, cached: true };
    for (i, r) in ranges.into_iter().enumerate() {
        let module = &bytes[r];
        let run = w.run(module, scratch, &format!("corpus-{i}")).map_err(|e| e.to_string())?;
        outcome.time += run.time;
        outcome.cached &= run.cached;
        outcome.sizes.file = outcome.sizes.file - module.len() + run.bytes.len();
        outcome.sizes.code += wasm::code_section_size(&run.bytes).map_err(|e| e.to_string())?;
    }
    Ok(outcome)
}

/// Runs the corpus benchmark. `progress` receives one line per file.
pub fn run(options: &Options, progress: &mut dyn FnMut(&str)) -> Result<Results, Error> {
    let started = Instant::now();
    let mut results = Results::default();
    for (group, component) in GROUPS {
        let dir = options.root.join(group);
        let mut files = Vec::new();
        wasm_files(&dir, &mut files)?;
        let mut sized: Vec<(u64, PathBuf)> =
            files.into_iter().map(|p| (std::fs::metadata(&p).map(|m| m.len()).unwrap_or(0), p)).collect();
        if let Some(limit) = options.limit {
            sized.sort();
            results.skipped += sized.len().saturating_sub(limit);
            sized.truncate(limit);
        }
        sized.sort_by(|a, b| a.1.cmp(&b.1));
        for (_, path) in sized {
            let bytes = std::fs::read(&path).map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
            let rel = path.strip_prefix(&options.root).unwrap_or(&path).display().to_string();
            let (modules, original) = if component {
                let ranges =
                    weft_frontend::core_module_ranges(&bytes).map_err(|e| Error::new(format!("{rel}: {e}")))?;
                let code = code_of_component(&bytes).map_err(|e| Error::new(format!("{rel}: {e}")))?;
                (ranges.len(), Sizes { file: bytes.len(), code })
            } else {
                (1, sizes_of_module(&bytes).map_err(|e| Error::new(format!("{rel}: {e}")))?)
            };
            let weft = measure_weft(&bytes, component, options.weft_reps);
            let wasm_opt = options.wasm_opt.as_ref().map(|w| measure_wasm_opt(w, &bytes, component, &options.scratch));
            let show = |r: &Result<Outcome, String>| match r {
                Ok(o) => format!("{:.3}s {}B", o.time.as_secs_f64(), o.sizes.code),
                Err(e) => format!("error: {e}"),
            };
            progress(&format!(
                "corpus {rel}: code {}B; weft {}; wasm-opt {}",
                original.code,
                show(&weft),
                wasm_opt.as_ref().map_or("n/a".to_string(), show)
            ));
            results.entries.push(Entry { group, path: rel, modules, original, weft, wasm_opt });
        }
    }
    results.elapsed = started.elapsed();
    Ok(results)
}

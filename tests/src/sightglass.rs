//! The sightglass runner: real WASI (preview 1) programs from
//! `../shared/corpus/sightglass/`, run under wasmtime before and after the
//! transform under test, their output compared.
//!
//! This module owns:
//! - finding the programs and their expected output ([`discover`]): every
//!   `*.wasm` in a benchmark folder; `benchmark.wasm` is named after its
//!   folder, `shootout-<kernel>.wasm` after its kernel; the expected stdout
//!   (stderr) is `<stem>.stdout.expected` (`.stderr.expected`), else
//!   `default.stdout.expected` (`default.stderr.expected`);
//! - running one program ([`Runner::run`]): `_start` with the program's
//!   folder preopened read-only as `.`, argv `["bench"]`, no environment,
//!   stdout and stderr captured in memory, `bench.start` / `bench.end` as
//!   no-ops, deterministic clocks and random numbers ([`StepClock`]: every
//!   query advances 1 ms; a fixed byte cycle for randomness) so that two
//!   runs of the same program print the same thing, and a wall-clock limit
//!   enforced by epoch interruption;
//! - checking a program through a transform ([`check_program`]): the
//!   transformed module must validate under weft's features, exit with the
//!   original's status, and print the expected stdout and stderr (a
//!   trailing newline trimmed) — or, where there is no expected file, what
//!   the original prints;
//! - the code-section size of a core module ([`code_section_size`]).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use wasmtime::{Engine, Linker, Module, Store};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::p2::pipe::MemoryOutputPipe;
use wasmtime_wasi::{Deterministic, FsPerms, HostMonotonicClock, HostWallClock, I32Exit, WasiCtxBuilder};

use crate::wasmtime_harness::{Limits, Transform, apply_transform, engine, validate};

/// How much each captured stream may hold.
const PIPE_CAPACITY: usize = 64 << 20;

/// How often the epoch advances.
const TICK: Duration = Duration::from_millis(50);

/// A deterministic clock: starts at a fixed time (2020-01-01T00:00:00Z for
/// the wall clock, 0 for the monotonic clock) and advances 1 ms per query.
#[derive(Debug, Default)]
pub struct StepClock {
    queries: AtomicU64,
}

impl StepClock {
    const STEP_NS: u64 = 1_000_000;

    fn tick(&self) -> u64 {
        (self.queries.fetch_add(1, Ordering::Relaxed) + 1) * Self::STEP_NS
    }
}

impl HostWallClock for StepClock {
    fn resolution(&self) -> Duration {
        Duration::from_nanos(Self::STEP_NS)
    }

    fn now(&self) -> Duration {
        Duration::from_secs(1_577_836_800) + Duration::from_nanos(self.tick())
    }
}

impl HostMonotonicClock for StepClock {
    fn resolution(&self) -> u64 {
        Self::STEP_NS
    }

    fn now(&self) -> u64 {
        self.tick()
    }
}

/// One sightglass program.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Program {
    /// `bz2`, `shootout-fib2`, ...
    pub name: String,
    /// The module.
    pub wasm: PathBuf,
    /// The folder preopened as `.`.
    pub dir: PathBuf,
    /// Expected stdout, if the corpus has it.
    pub expected_stdout: Option<PathBuf>,
    /// Expected stderr, if the corpus has it.
    pub expected_stderr: Option<PathBuf>,
}

fn expected_file(dir: &Path, stem: &str, stream: &str) -> Option<PathBuf> {
    [format!("{stem}.{stream}.expected"), format!("default.{stream}.expected")]
        .into_iter()
        .map(|n| dir.join(n))
        .find(|p| p.is_file())
}

/// Every program under `root` (one folder per benchmark), sorted by name.
pub fn discover(root: &Path) -> Result<Vec<Program>, String> {
    let read = |d: &Path| -> Result<Vec<PathBuf>, String> {
        let mut v: Vec<PathBuf> = std::fs::read_dir(d)
            .map_err(|e| format!("cannot read {}: {e}", d.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        v.sort();
        Ok(v)
    };
    let mut programs = Vec::new();
    for dir in read(root)?.into_iter().filter(|p| p.is_dir()) {
        for wasm in read(&dir)?.into_iter().filter(|p| p.extension().is_some_and(|e| e == "wasm")) {
            let stem = wasm.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
            let name = if stem == "benchmark" {
                dir.file_name().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default()
            } else {
                stem.clone()
            };
            programs.push(Program {
                name,
                expected_stdout: expected_file(&dir, &stem, "stdout"),
                expected_stderr: expected_file(&dir, &stem, "stderr"),
                wasm,
                dir: dir.clone(),
            });
        }
    }
    programs.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(programs)
}

/// What a run printed and how it ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RunOutput {
    /// Captured stdout.
    pub stdout: Vec<u8>,
    /// Captured stderr.
    pub stderr: Vec<u8>,
    /// Exit status (0 when `_start` returns), or the trap / error.
    pub exit: Result<i32, String>,
    /// Wall-clock time of `_start`.
    pub elapsed: Duration,
    /// The final value of every exported mutable `i64` global, in export
    /// order (the counters of an instrumented module).
    pub counters: Vec<(String, i64)>,
}

/// Runs WASI programs on one engine whose epoch a background thread
/// advances (stopped when the runner is dropped).
pub struct Runner {
    engine: Engine,
    stop: Arc<AtomicBool>,
    ticker: Option<std::thread::JoinHandle<()>>,
}

impl Runner {
    /// A runner with weft's feature set and epoch interruption.
    pub fn new() -> Result<Self, String> {
        let engine = engine(Limits::Epoch)?;
        let stop = Arc::new(AtomicBool::new(false));
        let ticker = {
            let (engine, stop) = (engine.clone(), stop.clone());
            std::thread::Builder::new()
                .name("epoch-ticker".to_string())
                .spawn(move || {
                    while !stop.load(Ordering::Relaxed) {
                        std::thread::sleep(TICK);
                        engine.increment_epoch();
                    }
                })
                .map_err(|e| format!("cannot start the epoch thread: {e}"))?
        };
        Ok(Runner { engine, stop, ticker: Some(ticker) })
    }

    /// The engine.
    pub fn engine(&self) -> &Engine {
        &self.engine
    }

    /// Compiles `wasm` and runs its `_start` in `dir` with a limit of
    /// `timeout`; an error means it could not be compiled or linked.
    pub fn run(&self, wasm: &[u8], dir: &Path, timeout: Duration) -> Result<RunOutput, String> {
        let module = Module::new(&self.engine, wasm).map_err(|e| format!("does not compile: {e:#}"))?;
        let stdout = MemoryOutputPipe::new(PIPE_CAPACITY);
        let stderr = MemoryOutputPipe::new(PIPE_CAPACITY);
        let mut builder = WasiCtxBuilder::new();
        builder
            .args(&["bench"])
            .stdout(stdout.clone())
            .stderr(stderr.clone())
            .wall_clock(StepClock::default())
            .monotonic_clock(StepClock::default())
            .secure_random(Deterministic::new((0..=255u8).rev().collect()))
            .insecure_random(Deterministic::new((0..=255u8).collect()))
            .insecure_random_seed(0x5eed);
        builder
            .preopened_dir(dir, ".", FsPerms::ReadOnly)
            .map_err(|e| format!("cannot preopen {}: {e:#}", dir.display()))?;
        let mut store: Store<WasiP1Ctx> = Store::new(&self.engine, builder.build_p1());
        store.set_epoch_deadline((timeout.as_millis() / TICK.as_millis()).max(1) as u64);
        store.epoch_deadline_trap();
        let mut linker: Linker<WasiP1Ctx> = Linker::new(&self.engine);
        wasmtime_wasi::p1::add_to_linker_sync(&mut linker, |cx| cx).map_err(|e| format!("{e:#}"))?;
        for name in ["start", "end"] {
            linker.func_wrap("bench", name, || {}).map_err(|e| format!("{e:#}"))?;
        }
        let started = Instant::now();
        let instance = linker.instantiate(&mut store, &module).map_err(|e| format!("cannot instantiate: {e:#}"))?;
        let start = instance
            .get_typed_func::<(), ()>(&mut store, "_start")
            .map_err(|e| format!("no `_start` export: {e:#}"))?;
        let exit = match start.call(&mut store, ()) {
            Ok(()) => Ok(0),
            Err(e) => match e.downcast_ref::<I32Exit>() {
                Some(I32Exit(code)) => Ok(*code),
                None => Err(format!("{e:#}")),
            },
        };
        let elapsed = started.elapsed();
        let counters = i64_globals(&mut store, &instance);
        drop(store);
        Ok(RunOutput {
            stdout: stdout.contents().to_vec(),
            stderr: stderr.contents().to_vec(),
            exit,
            elapsed,
            counters,
        })
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}

/// The values of the exported mutable `i64` globals of `instance`, in
/// export order.
pub fn i64_globals<T>(store: &mut Store<T>, instance: &wasmtime::Instance) -> Vec<(String, i64)> {
    let globals: Vec<(String, wasmtime::Global)> = instance
        .exports(&mut *store)
        .filter_map(|e| {
            let name = e.name().to_string();
            e.into_global().map(|g| (name, g))
        })
        .collect();
    let mut out = Vec::new();
    for (name, global) in globals {
        if global.ty(&*store).mutability() == wasmtime::Mutability::Var
            && let Some(v) = global.get(&mut *store).i64()
        {
            out.push((name, v));
        }
    }
    out
}

/// The size in bytes of the code section of a core module (0 if none or if
/// it does not parse).
pub fn code_section_size(bytes: &[u8]) -> usize {
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload {
            Ok(wasmparser::Payload::CodeSectionStart { size, .. }) => return size as usize,
            Ok(_) => {}
            Err(_) => return 0,
        }
    }
    0
}

/// The result of checking one program.
#[derive(Clone, Debug)]
pub struct ProgramReport {
    /// The program's name.
    pub name: String,
    /// Time the transform took.
    pub transform_time: Duration,
    /// Code-section sizes (original, transformed); transformed is 0 when
    /// the transform failed.
    pub code_sizes: (usize, usize),
    /// Run time of the original, when it was run (no expected stdout).
    pub original_time: Option<Duration>,
    /// Run time of the transformed module, when it ran.
    pub transformed_time: Option<Duration>,
    /// `Ok` when the output matched, else what differs.
    pub verdict: Result<(), String>,
}

fn trim_newline(bytes: &[u8]) -> &[u8] {
    bytes.strip_suffix(b"\n").unwrap_or(bytes)
}

fn show(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    if text.len() > 300 {
        format!("{:?}… ({} bytes)", &text[..text.floor_char_boundary(300)], bytes.len())
    } else {
        format!("{text:?}")
    }
}

fn compare_stream(what: &str, expected: &[u8], actual: &[u8], problems: &mut Vec<String>) {
    if trim_newline(expected) != trim_newline(actual) {
        let at = expected.iter().zip(actual).position(|(a, b)| a != b).unwrap_or(expected.len().min(actual.len()));
        problems.push(format!("{what} differs at byte {at}: expected {}, got {}", show(expected), show(actual)));
    }
}

/// Transforms `program` and runs it, comparing with its expected output
/// (or with the original's, where the corpus has none).
pub fn check_program(
    runner: &Runner,
    program: &Program,
    transform: &Transform<'_>,
    timeout: Duration,
) -> ProgramReport {
    let mut report = ProgramReport {
        name: program.name.clone(),
        transform_time: Duration::ZERO,
        code_sizes: (0, 0),
        original_time: None,
        transformed_time: None,
        verdict: Ok(()),
    };
    let fail = |mut r: ProgramReport, m: String| {
        r.verdict = Err(m);
        r
    };
    let original = match std::fs::read(&program.wasm) {
        Ok(b) => b,
        Err(e) => return fail(report, format!("cannot read {}: {e}", program.wasm.display())),
    };
    report.code_sizes.0 = code_section_size(&original);
    let started = Instant::now();
    let transformed = apply_transform(transform, &original);
    report.transform_time = started.elapsed();
    let transformed = match transformed {
        Ok(t) => t,
        Err(e) => return fail(report, format!("transform failed: {e}")),
    };
    report.code_sizes.1 = code_section_size(&transformed);
    if let Err(e) = validate(&transformed) {
        return fail(report, format!("transformed module does not validate: {e}"));
    }
    let read = |p: &Option<PathBuf>| -> Result<Option<Vec<u8>>, String> {
        p.as_ref().map(|p| std::fs::read(p).map_err(|e| format!("cannot read {}: {e}", p.display()))).transpose()
    };
    let (expected_stdout, expected_stderr) = match (read(&program.expected_stdout), read(&program.expected_stderr)) {
        (Ok(a), Ok(b)) => (a, b),
        (Err(e), _) | (_, Err(e)) => return fail(report, e),
    };
    let reference = if expected_stdout.is_none() {
        match runner.run(&original, &program.dir, timeout) {
            Ok(out) => {
                report.original_time = Some(out.elapsed);
                if let Err(e) = &out.exit {
                    return fail(report, format!("the original does not run: {e}"));
                }
                Some(out)
            }
            Err(e) => return fail(report, format!("the original does not run: {e}")),
        }
    } else {
        None
    };
    let out = match runner.run(&transformed, &program.dir, timeout) {
        Ok(out) => out,
        Err(e) => return fail(report, format!("transformed: {e}")),
    };
    report.transformed_time = Some(out.elapsed);
    let mut problems = Vec::new();
    let expected_exit = reference.as_ref().map_or(Ok(0), |r| r.exit.clone());
    if out.exit != expected_exit {
        problems.push(format!("exit: expected {expected_exit:?}, got {:?}", out.exit));
    }
    match (&expected_stdout, &reference) {
        (Some(e), _) => compare_stream("stdout", e, &out.stdout, &mut problems),
        (None, Some(r)) => compare_stream("stdout (vs the original's)", &r.stdout, &out.stdout, &mut problems),
        (None, None) => {}
    }
    match (&expected_stderr, &reference) {
        (Some(e), _) => compare_stream("stderr", e, &out.stderr, &mut problems),
        (None, Some(r)) => compare_stream("stderr (vs the original's)", &r.stderr, &out.stderr, &mut problems),
        (None, None) => {}
    }
    if !problems.is_empty() {
        report.verdict = Err(problems.join("; "));
    }
    report
}

#[cfg(test)]
mod tests {
    use super::*;

    const HELLO: &str = r#"(module
        (import "wasi_snapshot_preview1" "fd_write" (func $w (param i32 i32 i32 i32) (result i32)))
        (import "bench" "start" (func $s))
        (import "bench" "end" (func $e))
        (memory (export "memory") 1)
        (data (i32.const 16) "hi\n")
        (func (export "_start")
          (call $s)
          (i32.store (i32.const 0) (i32.const 16))
          (i32.store (i32.const 4) (i32.const 3))
          (drop (call $w (i32.const 1) (i32.const 0) (i32.const 1) (i32.const 8)))
          (call $e)))"#;

    #[test]
    fn runs_and_captures_stdout() {
        let runner = Runner::new().unwrap();
        let wasm = wat::parse_str(HELLO).unwrap();
        let out = runner.run(&wasm, Path::new("."), Duration::from_secs(10)).unwrap();
        assert_eq!(out.stdout, b"hi\n");
        assert_eq!(out.exit, Ok(0));
        assert!(code_section_size(&wasm) > 0);
    }

    #[test]
    fn check_program_compares_with_expected_output() {
        let root = std::env::temp_dir().join(format!("weft-sightglass-test-{}", std::process::id()));
        let dir = root.join("hello-bench");
        std::fs::create_dir_all(&dir).unwrap();
        let wasm = dir.join("hello.wasm");
        std::fs::write(&wasm, wat::parse_str(HELLO).unwrap()).unwrap();
        let expected = dir.join("hello.stdout.expected");
        std::fs::write(&expected, "hi").unwrap();
        let programs = discover(&root).unwrap();
        assert_eq!(programs.len(), 1);
        let program = programs[0].clone();
        assert_eq!(program.wasm, wasm);
        assert_eq!(program.name, "hello");
        assert_eq!(program.expected_stdout.as_deref(), Some(expected.as_path()));
        let runner = Runner::new().unwrap();
        let timeout = Duration::from_secs(10);
        let ok = check_program(&runner, &program, &crate::wasmtime_harness::identity, timeout);
        assert_eq!(ok.verdict, Ok(()));
        let corrupt = |b: &[u8]| -> Result<Vec<u8>, String> {
            let mut out = b.to_vec();
            let at = out.windows(3).position(|w| w == b"hi\n").ok_or("no data")?;
            out[at + 1] = b'o';
            Ok(out)
        };
        let bad = check_program(&runner, &program, &corrupt, timeout);
        let message = bad.verdict.unwrap_err();
        assert!(message.contains("stdout differs at byte 1"), "{message}");
        let no_expected = Program { expected_stdout: None, ..program };
        let bad = check_program(&runner, &no_expected, &corrupt, timeout);
        assert!(bad.verdict.unwrap_err().contains("vs the original"));
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn infinite_loops_time_out() {
        let runner = Runner::new().unwrap();
        let wasm = wat::parse_str(r#"(module (func (export "_start") (loop (br 0))))"#).unwrap();
        let out = runner.run(&wasm, Path::new("."), Duration::from_millis(200)).unwrap();
        assert!(out.exit.is_err(), "{out:?}");
    }
}

//! Times hand-made variants of a dispatch module against each other, the
//! way the harness times its own (interleaved repetitions, CPU time of the
//! calling thread, the median per iteration), for experiments on a lowering
//! before it goes into weft.
//!
//! ```text
//! cargo run --release -p weft-bench --example dispatch_wat -- 64 br-table > /tmp/t.wat
//! cargo run --release -p weft-bench --example time_modules -- [--reps R] [--iters I] [--skewed] A.wat B.wasm ...
//! ```
//!
//! Each module must export the harness's driver, `run_uniform` (or with
//! `--skewed`, `run_skewed`) of type `(i32 iterations, i64 seed) -> i32`.
//! It prints each module's median ns per iteration, its spread (the
//! interquartile range over the median) and its checksum; modules whose
//! checksums differ are flagged, since they do not compute the same thing.
//! Not a measurement for the report: `bash scripts/bench.sh` writes that.

use std::process::ExitCode;

use cpu_time::ThreadTime;
use wasmtime::{Engine, Instance, Module, Store, TypedFunc};

struct Timed {
    name: String,
    store: Store<()>,
    run: TypedFunc<(i32, i64), i32>,
    samples: Vec<f64>,
    checksum: Option<i32>,
}

fn load(engine: &Engine, path: &str, export: &str) -> Result<Timed, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    let bytes = wat::parse_bytes(&bytes).map_err(|e| format!("{path}: {e}"))?;
    let module = Module::new(engine, &bytes).map_err(|e| format!("{path}: {e:#}"))?;
    let mut store = Store::new(engine, ());
    let instance = Instance::new(&mut store, &module, &[]).map_err(|e| format!("{path}: {e:#}"))?;
    let run = instance
        .get_typed_func::<(i32, i64), i32>(&mut store, export)
        .map_err(|e| format!("{path}: export `{export}`: {e:#}"))?;
    Ok(Timed { name: path.to_string(), store, run, samples: Vec::new(), checksum: None })
}

fn median(sorted: &[f64]) -> f64 {
    sorted[sorted.len() / 2]
}

fn main() -> ExitCode {
    let mut reps = 15usize;
    let mut iters = 2_000_000i32;
    let mut export = "run_uniform";
    let mut paths = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--reps" => reps = args.next().and_then(|v| v.parse().ok()).unwrap_or(reps),
            "--iters" => iters = args.next().and_then(|v| v.parse().ok()).unwrap_or(iters),
            "--skewed" => export = "run_skewed",
            _ => paths.push(a),
        }
    }
    if paths.is_empty() {
        eprintln!("usage: time_modules [--reps R] [--iters I] [--skewed] MODULE.wat|wasm ...");
        return ExitCode::from(2);
    }
    let engine = Engine::default();
    let mut timed = Vec::new();
    for p in &paths {
        match load(&engine, p, export) {
            Ok(t) => timed.push(t),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    }
    for rep in 0..=reps {
        for t in timed.iter_mut() {
            let start = ThreadTime::now();
            let r = t.run.call(&mut t.store, (iters, 1 + rep as i64));
            let ns = start.elapsed().as_secs_f64() * 1e9 / iters as f64;
            match r {
                Ok(c) => {
                    if rep == 0 {
                        // The first round warms up; its checksum is kept.
                        t.checksum = Some(c);
                    } else {
                        t.samples.push(ns);
                    }
                }
                Err(e) => {
                    eprintln!("error: {}: trapped: {e:#}", t.name);
                    return ExitCode::from(2);
                }
            }
        }
    }
    let first = timed[0].checksum;
    for t in timed.iter_mut() {
        t.samples.sort_by(f64::total_cmp);
        let m = median(&t.samples);
        let q1 = t.samples[t.samples.len() / 4];
        let q3 = t.samples[t.samples.len() * 3 / 4];
        let flag = if t.checksum != first { "  (checksum differs from the first module's)" } else { "" };
        println!(
            "{:>8.2} ns/iter  spread {:>4.1}%  checksum {:>11}  {}{flag}",
            m,
            (q3 - q1) / m * 100.0,
            t.checksum.unwrap_or_default(),
            t.name
        );
    }
    ExitCode::SUCCESS
}

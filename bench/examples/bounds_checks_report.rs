//! Writes the "Bounds checks", "Sightglass speed" and "Compile time"
//! sections of `bench/report.md` alone (`bench/bounds-checks.md` is such a
//! run):
//!
//! ```sh
//! cargo run --release -p weft-bench --example bounds_checks_report -- ../shared/corpus /usr/bin/wasm-opt 5 > bench/bounds-checks.md
//! ```
//!
//! Arguments: the corpus folder, a `wasm-opt` executable (or `-` for none:
//! the wasm-opt columns then say `n/a`), and the timed runs per variant
//! (default 5).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use weft_bench::bounds_checks::{Options, render, run};
use weft_bench::variants::WasmOpt;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(root) = args.first() else {
        eprintln!("usage: bounds_checks_report CORPUS [WASM_OPT|-] [REPS]");
        return ExitCode::from(2);
    };
    let wasm_opt = match args.get(1).map(String::as_str) {
        None | Some("-") => None,
        Some(path) => match WasmOpt::probe(&PathBuf::from(path), None) {
            Ok(w) => Some(w),
            Err(e) => {
                eprintln!("bounds_checks_report: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let reps = match args.get(2).map(|r| r.parse::<usize>()) {
        None => 5,
        Some(Ok(r)) => r,
        Some(Err(e)) => {
            eprintln!("bounds_checks_report: REPS: {e}");
            return ExitCode::from(2);
        }
    };
    let scratch = std::env::temp_dir().join(format!("weft-bounds-checks-{}", std::process::id()));
    let options = Options {
        root: PathBuf::from(root),
        wasm_opt,
        scratch: scratch.clone(),
        reps,
        timeout: Duration::from_secs(300),
        limit: None,
    };
    let machine = weft_bench::machine::Machine::probe();
    let results = run(&options, &mut |line| eprintln!("{line}"));
    let _ = std::fs::remove_dir_all(&scratch);
    let mut out = format!(
        "# Bounds checks, sightglass speed and compile time, measured\n\n\
         Written by `cargo run --release -p weft-bench --example bounds_checks_report -- {}` \
         ({} build, weft {}, {}, {} cores ({}), load average {} at the start and {} at the end, {}).\n\n",
        args.join(" "),
        if cfg!(debug_assertions) { "debug" } else { "release" },
        machine.revision,
        options.wasm_opt.as_ref().map_or("no wasm-opt", |w| w.version.as_str()),
        machine.nproc,
        machine.cpu,
        machine.load,
        weft_bench::machine::load_average(),
        machine.date,
    );
    render(&mut out, &results.as_ref().map_err(|e| e.to_string()));
    print!("{out}");
    if results.is_ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

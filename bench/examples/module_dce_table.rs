//! Prints the dead-handler and module-dce sections of `bench/report.md`
//! alone (no dispatch timing), for a quick look at what `-O2` removes from
//! the P3 corpus and what `module-dce` removes from the corpus:
//!
//! ```sh
//! cargo run -p weft-bench --example module_dce_table -- ../shared/corpus wasm-opt > section.md
//! ```
//!
//! The second argument (a `wasm-opt` executable) is optional; without it
//! the wasm-opt columns say `n/a`. Run from the project root (it also reads
//! `tests/modules/module-dce`).

use std::path::PathBuf;
use std::process::ExitCode;

use weft_bench::module_dce::{Options, render, run};
use weft_bench::variants::WasmOpt;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(root) = args.first() else {
        eprintln!("usage: module_dce_table CORPUS [WASM_OPT]");
        return ExitCode::from(2);
    };
    let wasm_opt = match args.get(1) {
        None => None,
        Some(path) => match WasmOpt::probe(&PathBuf::from(path), None) {
            Ok(w) => Some(w),
            Err(e) => {
                eprintln!("module_dce_table: {e}");
                return ExitCode::from(2);
            }
        },
    };
    let scratch = std::env::temp_dir().join(format!("weft-module-dce-{}", std::process::id()));
    let handwritten = Some(PathBuf::from("tests/modules/module-dce"));
    let options = Options { root: PathBuf::from(root), wasm_opt, scratch: scratch.clone(), limit: None, handwritten };
    let results = run(&options, &mut |line| eprintln!("{line}"));
    let _ = std::fs::remove_dir_all(&scratch);
    let mut out = String::new();
    let dead = weft_tests::p3reach::survey(&PathBuf::from(root).join("p3"))
        .map(|rows| weft_tests::p3reach::to_markdown(&rows));
    weft_bench::report::dead_handlers(&mut out, &dead);
    render(&mut out, &results.as_ref().map_err(|e| e.to_string()));
    print!("{out}");
    if results.is_ok() { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}

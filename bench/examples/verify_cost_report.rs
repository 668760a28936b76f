//! Renders the verification-cost section from the raw rows and the log of
//! a run (`weft-bench --verify-cost-only --verify-cost-raw RAW 2> LOG`),
//! finished or not, to stdout:
//!
//! ```sh
//! cargo run --release -p weft-bench --example verify_cost_report -- RAW LOG
//! ```
//!
//! Only the files the log names as finished are in the per-file table and
//! the file count; every row of RAW is in the distribution. The rows'
//! Z3 timeout is the facade's default check options'.

use std::process::ExitCode;

use weft_bench::verify_cost::{Results, render};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [raw, log] = args.as_slice() else {
        eprintln!("usage: verify_cost_report RAW.tsv RUN.log");
        return ExitCode::from(2);
    };
    let read = |p: &str| std::fs::read_to_string(p).map_err(|e| format!("{p}: {e}"));
    let results = read(raw).and_then(|raw| {
        let log = read(log)?;
        let timeout = weft::Config::default().verify_options.timeout_ms;
        Results::from_raw(&raw, &log, timeout).map_err(|e| e.to_string())
    });
    match results {
        Ok(r) => {
            let mut text = String::new();
            render(&mut text, &Ok(&r));
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("verify_cost_report: {e}");
            ExitCode::FAILURE
        }
    }
}

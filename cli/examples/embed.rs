//! Embedding weft the way a Loom-style optimizer does: optimize a module
//! with every change checked, and act on each function's verdict — proved,
//! kept unproved, or reverted, with the reason. See `docs/embedding.md`.
//!
//! ```sh
//! cargo run -p weft --example embed -- IN.wasm OUT.wasm [--lenient]
//! ```
//!
//! Prints one line per changed function and exits 1 when a change was
//! reverted (a counterexample, or an undecided check in strict mode).

use weft::{Config, VerdictStatus, VerifyMode, function_outcomes};

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let (Some(input), Some(output)) = (args.get(1), args.get(2)) else {
        eprintln!("usage: embed IN.wasm OUT.wasm [--lenient]");
        return std::process::ExitCode::from(2);
    };
    let bytes = match std::fs::read(input) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("{input}: {e}");
            return std::process::ExitCode::from(2);
        }
    };
    let verify = if args.iter().any(|a| a == "--lenient") { VerifyMode::Lenient } else { VerifyMode::Strict };
    let config = Config { verify, ..Config::default() };
    let (out, report) = match weft::optimize(&bytes, &config) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("{input}: {e}");
            return std::process::ExitCode::from(1);
        }
    };
    let mut reverted = false;
    for o in function_outcomes(&report) {
        let status = match o.status() {
            VerdictStatus::Proved => "proved",
            VerdictStatus::KeptUnproved => "kept unproved",
            VerdictStatus::Reverted => "reverted",
        };
        println!("{}: {status} (proved by {})", o.function, o.proved.join(", "));
        for (pass, why) in o.unproved.iter().chain(&o.reverted) {
            println!("  {pass}: {}", why.lines().next().unwrap_or(""));
        }
        reverted |= !o.reverted.is_empty();
    }
    if let Err(e) = std::fs::write(output, out) {
        eprintln!("{output}: {e}");
        return std::process::ExitCode::from(2);
    }
    std::process::ExitCode::from(u8::from(reverted))
}

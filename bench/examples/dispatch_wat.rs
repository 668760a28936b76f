//! Prints the WAT of one dispatch-benchmark module, to reproduce a row of
//! `bench/report.md` by hand:
//!
//! ```sh
//! cargo run -p weft-bench --example dispatch_wat -- 64 seq-if > d.wat
//! weft opt d.wat -O2 --verify -S
//! ```
//!
//! Shapes: `seq-if`, `else-if`, `br-if`, `br-table`, `baseline`, and
//! `jump-floor` (the `br-table` dispatch with every arm calling `$h0`: it
//! computes the baseline's checksum; see `modules::jump_floor_wat`).

use std::process::ExitCode;

use weft_bench::modules::{Shape, baseline_wat, dispatch_wat, jump_floor_wat};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: dispatch_wat N (seq-if|else-if|br-if|br-table|baseline|jump-floor)";
    let [n, shape] = args.as_slice() else {
        eprintln!("{usage}");
        return ExitCode::from(2);
    };
    let Ok(n) = n.parse::<u32>() else {
        eprintln!("dispatch_wat: N must be a number, got `{n}`\n{usage}");
        return ExitCode::from(2);
    };
    if !(1..=weft_bench::modules::MAX_HANDLERS).contains(&n) {
        eprintln!("dispatch_wat: N must be in 1..={}", weft_bench::modules::MAX_HANDLERS);
        return ExitCode::from(2);
    }
    let wat = match shape.as_str() {
        "seq-if" => dispatch_wat(n, Shape::SeqIf),
        "else-if" => dispatch_wat(n, Shape::ElseIf),
        "br-if" => dispatch_wat(n, Shape::BrIf),
        "br-table" => dispatch_wat(n, Shape::BrTable),
        "baseline" => baseline_wat(n),
        "jump-floor" => jump_floor_wat(n),
        other => {
            eprintln!("dispatch_wat: unknown shape `{other}`\n{usage}");
            return ExitCode::from(2);
        }
    };
    print!("{wat}");
    ExitCode::SUCCESS
}

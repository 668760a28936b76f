//! Writes the pairs the verification-cost section checks for one function
//! as IR text files, so a slow or undecided row of the section can be
//! reproduced with `weft check`:
//!
//! ```sh
//! cargo run --release -p weft-bench --example verify_cost_pairs -- \
//!     ../shared/corpus/jco-p3/cli/p3-cli-hello-stdout.wasm dlmalloc out/ 1000
//! weft check out/dlmalloc-3-simplify-cfg.src.ir out/dlmalloc-3-simplify-cfg.tgt.ir
//! ```
//!
//! Arguments: the `.wasm` file (module or component), the function's name
//! (every function of that name in every core module; `*` for all), the folder to write
//! to, and optionally a time in milliseconds: only checks that took at
//! least that long, or were not proved, are written (default: all). The
//! passes run and are checked exactly as in `verify_cost::run` (`-O2`,
//! default check options, a change kept only when proved); a line per
//! check goes to stdout.

use std::path::PathBuf;
use std::process::ExitCode;

use weft_bench::verify_cost::{Kind, check_function};
use weft_ir::FuncBody;

fn ir(func: &weft_ir::Function) -> String {
    let mut s = String::new();
    let _ = weft_ir::write::write_function(&mut s, func);
    s
}

fn run(file: &str, name: &str, dir: &PathBuf, min_ms: u128) -> Result<(), String> {
    let bytes = std::fs::read(file).map_err(|e| format!("{file}: {e}"))?;
    let config = weft::Config::default();
    let specs = weft::pass_specs(&config).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let ranges = weft_frontend::core_module_ranges(&bytes).map_err(|e| e.to_string())?;
    let mut n = 0;
    let mut written = Vec::new();
    for range in ranges {
        let (module, _) = weft_frontend::translate_module(&bytes[range]).map_err(|e| e.to_string())?;
        for f in &module.funcs {
            let FuncBody::Ir(func) = &f.body else { continue };
            if name != "*" && func.name != name {
                continue;
            }
            let mut func = func.clone();
            let mut checks = Vec::new();
            let mut on_check =
                |c: &weft_bench::verify_cost::Check, before: &weft_ir::Function, after: &weft_ir::Function| {
                    println!(
                        "{}\t{}\t{}\t{} ms\t{}\t{}",
                        n,
                        c.function,
                        c.pass,
                        c.time.as_millis(),
                        c.kind.name(),
                        c.detail
                    );
                    if c.kind != Kind::Proved || c.time.as_millis() >= min_ms {
                        let short: String =
                            c.function.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '_').take(40).collect();
                        let stem = format!("{short}-{n}-{}", c.pass.replace(['<', '>', '=', ';', '/'], "_"));
                        written.push((dir.join(format!("{stem}.src.ir")), ir(before)));
                        written.push((dir.join(format!("{stem}.tgt.ir")), ir(after)));
                    }
                    n += 1;
                };
            check_function(file, &mut func, &specs, &config.verify_options, &mut checks, &mut on_check)
                .map_err(|e| e.to_string())?;
        }
    }
    for (path, text) in written {
        std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let usage = "usage: verify_cost_pairs FILE.wasm FUNCTION DIR [MIN_MS]";
    let (file, name, dir, min) = match args.as_slice() {
        [f, n, d] => (f, n, d, None),
        [f, n, d, m] => (f, n, d, Some(m)),
        _ => {
            eprintln!("{usage}");
            return ExitCode::from(2);
        }
    };
    let min_ms = match min.map(|m| m.parse::<u128>()) {
        None => 0,
        Some(Ok(m)) => m,
        Some(Err(_)) => {
            eprintln!("verify_cost_pairs: MIN_MS must be a number\n{usage}");
            return ExitCode::from(2);
        }
    };
    match run(file, name, &PathBuf::from(dir), min_ms) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("verify_cost_pairs: {e}");
            ExitCode::FAILURE
        }
    }
}

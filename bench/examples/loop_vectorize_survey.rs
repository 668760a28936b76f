//! Prints `loop-vectorize`'s decision about every loop of a module's
//! functions, after the `-O2` passes that run before it (or, with `--raw`,
//! on the functions as translated): what it would vectorize, and why not.
//!
//! ```text
//! cargo run -p weft-bench --example loop_vectorize_survey -- [--raw] A.wasm B.wat ...
//! ```

use std::process::ExitCode;

use weft_ir::FuncBody;
use weft_passes::loop_vectorize::survey;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let raw = args.iter().any(|a| a == "--raw");
    let mut status = ExitCode::SUCCESS;
    for path in args.iter().filter(|a| !a.starts_with("--")) {
        let module = std::fs::read(path)
            .map_err(|e| e.to_string())
            .and_then(|b| weft_frontend::parse_wat_or_wasm(&b).map_err(|e| e.to_string()))
            .and_then(|b| weft_frontend::translate_module(&b).map_err(|e| e.to_string()));
        let mut module = match module {
            Ok((m, _)) => m,
            Err(e) => {
                eprintln!("{path}: {e}");
                status = ExitCode::FAILURE;
                continue;
            }
        };
        if !raw {
            // The -O2 pipeline up to loop-vectorize.
            let names = weft_passes::pipelines::pipeline_names(weft_passes::pipelines::OptLevel::O2);
            let before: Option<Vec<_>> = names
                .iter()
                .take_while(|n| **n != "loop-vectorize")
                .map(|n| weft_passes::registry::lookup(n).ok())
                .collect();
            let Some(before) = before else {
                eprintln!("a pass of -O2 is not registered");
                return ExitCode::FAILURE;
            };
            weft_passes::PassManager::new(&before, Default::default()).run_module(&mut module);
        }
        for f in &module.funcs {
            let FuncBody::Ir(func) = &f.body else { continue };
            for d in survey(func) {
                match d.outcome {
                    Ok(what) => println!("{path}: {} {}: vectorized: {what}", func.name, d.header),
                    Err(why) => println!("{path}: {} {}: not vectorized: {why}", func.name, d.header),
                }
            }
        }
    }
    status
}

//! Times the checked `-O2` pipeline function by function over every core
//! module of a wasm file or component, slowest first: which functions make
//! `weft opt --verify` slow.
//!
//! ```sh
//! cargo run --release -p weft --example verify_each -- FILE [LIMIT] [--only NAME] [--dump DIR] [--timeout-ms N]
//! ```
//!
//! `--timeout-ms N` sets the per-query timeout (default: `Options`'s).
//! `--only NAME` times only the functions whose name contains `NAME`.
//! `--dump DIR` runs the pipeline pass by pass instead (each pass unchecked,
//! then checked with `weft_verify::check_refinement_report` and kept or
//! reverted as strict mode does), writes the function before and after each
//! pass that changed it to `DIR/FUNC.N.PASS.{before,after}.ir` (inputs for
//! `weft check --stats`), and prints every check's verdict and queries.

use std::time::Instant;

use weft_ir::Function;

fn ir_text(func: &Function) -> String {
    let mut s = String::new();
    weft_ir::write::write_function(&mut s, func).expect("writing to a String");
    s
}

/// A file name made of the safe characters of a function name.
fn file_stem(name: &str) -> String {
    let s: String = name.chars().map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' }).collect();
    s.chars().take(80).collect()
}

/// Runs the pipeline pass by pass on `func`, dumping and checking each
/// change; returns the total seconds.
fn dump_checks(func: &mut Function, config: &weft::Config, dir: &str) -> Result<f64, weft::Error> {
    let names: Vec<String> =
        weft::pass_list(config).map_err(weft::Error::from)?.iter().map(|p| p.name.to_string()).collect();
    let stem = file_stem(&func.name);
    let mut total = 0.0;
    for (n, pass) in names.iter().enumerate() {
        let one = weft::Config { passes: Some(vec![pass.clone()]), verify: weft::VerifyMode::Off, ..config.clone() };
        let before = func.clone();
        let mut after = func.clone();
        weft::optimize_function(&mut after, &one)?;
        let (tb, ta) = (ir_text(&before), ir_text(&after));
        if tb == ta {
            continue;
        }
        let base = format!("{dir}/{stem}.{n}.{pass}");
        for (suffix, text) in [("before", &tb), ("after", &ta)] {
            if let Err(e) = std::fs::write(format!("{base}.{suffix}.ir"), text) {
                eprintln!("{base}.{suffix}.ir: {e}");
            }
        }
        let start = Instant::now();
        let report = weft_verify::check_refinement_report(&before, &after, &config.verify_options);
        let secs = start.elapsed().as_secs_f64();
        total += secs;
        println!("{secs:8.2} s  {} pass {n} {pass}: {report}", func.name);
        for q in &report.queries {
            println!("           {:8} ms  {:8}  {}", q.millis, q.result, q.name);
        }
        if report.outcome.is_proved() {
            *func = after;
        }
    }
    Ok(total)
}

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut take_flag = |flag: &str| -> Option<String> {
        let i = args.iter().position(|a| a == flag)?;
        let value = args.get(i + 1).cloned();
        args.drain(i..(i + 2).min(args.len()));
        value
    };
    let only = take_flag("--only");
    let dump = take_flag("--dump");
    let timeout = take_flag("--timeout-ms").and_then(|t| t.parse().ok());
    let Some(path) = args.first().cloned() else {
        eprintln!("usage: verify_each FILE [LIMIT] [--only NAME] [--dump DIR] [--timeout-ms N]");
        std::process::exit(2);
    };
    let limit: usize = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(15);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1)
    });
    let bytes = weft_frontend::parse_wat_or_wasm(&bytes).unwrap_or_else(|e| {
        eprintln!("{path}: {e}");
        std::process::exit(1)
    });
    let mut config = weft::Config { verify: weft::VerifyMode::Strict, ..weft::Config::default() };
    if let Some(t) = timeout {
        config.verify_options.timeout_ms = t;
    }
    let mut rows = Vec::new();
    let mut each = |m: &[u8]| -> Result<Vec<u8>, weft::Error> {
        let (module, _) = weft_frontend::translate_module(m)?;
        for f in &module.funcs {
            let weft_ir::FuncBody::Ir(func) = &f.body else { continue };
            if only.as_ref().is_some_and(|o| !func.name.contains(o.as_str())) {
                continue;
            }
            let mut func = func.clone();
            let insts = func.num_layout_insts();
            eprintln!("         {insts:6} insts  {} ...", func.name);
            if let Some(dir) = &dump {
                let secs = dump_checks(&mut func, &config, dir)?;
                rows.push((secs, insts, func.name.clone(), Vec::new()));
                continue;
            }
            let start = Instant::now();
            let r = weft::optimize_function(&mut func, &config)?;
            let secs = start.elapsed().as_secs_f64();
            let worst: Vec<String> = r
                .passes
                .iter()
                .filter(|p| p.time.as_secs_f64() > 0.5 || p.unknown > 0)
                .map(|p| format!("{}={:.1}s{}", p.name, p.time.as_secs_f64(), if p.unknown > 0 { "?" } else { "" }))
                .collect();
            eprintln!("{secs:8.2} s {insts:6} insts  {}  {}", func.name, worst.join(" "));
            rows.push((secs, insts, func.name.clone(), worst));
        }
        Ok(m.to_vec())
    };
    let result = if weft::component::is_component(&bytes) {
        weft::component::rewrite_core_modules(&bytes, &mut each).map(|_| ())
    } else {
        each(&bytes).map(|_| ())
    };
    if let Err(e) = result {
        eprintln!("{path}: {e}");
        std::process::exit(1);
    }
    rows.sort_by(|a, b| b.0.total_cmp(&a.0));
    let total: f64 = rows.iter().map(|r| r.0).sum();
    println!("{} functions, {total:.1} s in all; slowest:", rows.len());
    for (secs, insts, name, worst) in rows.iter().take(limit) {
        println!("{secs:8.2} s {insts:6} insts  {name}  {}", worst.join(" "));
    }
}

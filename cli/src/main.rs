//! The `weft` command. See `weft --help`.

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};
use weft::{Config, OptLevel, Report, VerifyMode};

/// Exit code for bad input.
const EXIT_INPUT: u8 = 1;
/// Exit code for a usage error (clap uses it too).
const EXIT_USAGE: u8 = 2;
/// Exit code for a verification failure under `--verify=strict`, and for a
/// counterexample from `weft check`.
const EXIT_VERIFY: u8 = 3;
/// Exit code of `weft check` when the target is proved only up to a loop
/// bound (not a proof).
const EXIT_BOUNDED: u8 = 4;
/// Exit code of `weft check` when the checker could not decide.
const EXIT_UNKNOWN: u8 = 5;

#[derive(Parser)]
#[command(name = "weft", version, about = "Optimize WebAssembly through an SSA IR, with every pass checked by Z3")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Optimize a module or component (.wasm, .wat, or a component).
    Opt(OptArgs),
    /// List the passes.
    Passes,
    /// Print the IR of every function of a module or component.
    Print {
        /// Input file (.wasm, .wat, component).
        input: PathBuf,
    },
    /// Check that the function in TARGET refines the function in SOURCE (IR text files).
    #[command(after_help = CHECK_HELP)]
    Check(CheckArgs),
}

const CHECK_HELP: &str = "\
The first function of each file is the one checked; other functions marked
`; callee: fnN` are bodies of callees (calls to them are checked against the
body) and `; init-function` marks initialization functions. Comment
directives (`; assume:`, `; init:`, `; cut:`, `; relate:`, `; fact:`,
`; module-invariant:`, `; nan:`, `; grow:`) are described in the
`weft_verify::text` docs.

Exit status:
  0  proved: the target refines the source for all inputs
  1  input error (unreadable or malformed IR)
  2  usage error
  3  counterexample: the target shows a behaviour the source cannot (or a
     certificate / module invariant of the files does not hold)
  4  proved only up to a loop bound: NOT a proof
  5  unknown: the checker could not decide (timeout, limits)";

#[derive(Copy, Clone, ValueEnum, PartialEq, Eq)]
enum NanArg {
    /// Any NaN result matches any NaN result.
    Permissive,
    /// NaN results are the world's choice among those wasm allows; bits compared exactly.
    Exact,
}

#[derive(clap::Args)]
struct CheckArgs {
    /// The function before.
    source: PathBuf,
    /// The function after.
    target: PathBuf,
    /// Timeout per Z3 query, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    timeout_ms: u32,
    /// Also print how the verdict was reached: the method, any
    /// assumptions, and every Z3 query with its result and time.
    #[arg(long)]
    stats: bool,
    /// Loop header executions when loops are unrolled (the check also
    /// retries at 4 times this bound before answering `bounded`).
    #[arg(long)]
    unroll_bound: Option<u32>,
    /// Assume every memory.grow / table.grow whose new size fits succeeds
    /// (wasm lets any grow fail; recorded in the verdict's assumptions).
    #[arg(long)]
    assume_grow_succeeds: bool,
    /// How NaN results of float arithmetic are compared.
    #[arg(long, value_enum, default_value_t = NanArg::Permissive)]
    nan: NanArg,
    /// Deepest nesting of calls checked against callee bodies.
    #[arg(long)]
    inline_depth: Option<u32>,
}

#[derive(Copy, Clone, ValueEnum, PartialEq, Eq)]
enum VerifyArg {
    Strict,
    Lenient,
}

#[derive(Copy, Clone, ValueEnum, PartialEq, Eq, Default)]
enum Emit {
    #[default]
    Wasm,
    Wat,
    Ir,
    Dot,
}

#[derive(clap::Args)]
struct OptArgs {
    /// Input file (.wasm, .wat, component).
    input: PathBuf,
    /// Output file (default: stdout for text, required for binary on a terminal).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Optimization level: 0, 1, 2, 3 or s (as -O0 ... -Os).
    #[arg(short = 'O', default_value = "2", value_parser = parse_level)]
    level: OptLevel,
    /// Run these passes (comma-separated) instead of a pipeline; a pass may
    /// take parameters, e.g. `switch-recovery<min-cases-for-table=4;min-density=0.5>`
    /// (`weft passes` lists them).
    #[arg(long, value_delimiter = ',')]
    passes: Option<Vec<String>>,
    /// Check every pass with Z3; `strict` (the default) keeps only proved results.
    #[arg(long, value_enum, num_args = 0..=1, require_equals = true, default_missing_value = "strict")]
    verify: Option<VerifyArg>,
    /// Timeout per Z3 query, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    verify_timeout_ms: u32,
    /// Print a per-pass table to stderr.
    #[arg(long)]
    stats: bool,
    /// Write the per-pass report as JSON.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Print the IR to stderr after every pass, or after the named pass.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "*")]
    print_ir: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Emit::Wasm)]
    emit: Emit,
    /// Shorthand for `--emit wat`.
    #[arg(short = 'S')]
    text: bool,
}

fn parse_level(s: &str) -> Result<OptLevel, String> {
    match s {
        "0" => Ok(OptLevel::O0),
        "1" => Ok(OptLevel::O1),
        "2" => Ok(OptLevel::O2),
        "3" => Ok(OptLevel::O3),
        "s" => Ok(OptLevel::Os),
        _ => Err(format!("unknown optimization level `{s}`: use -O0, -O1, -O2, -O3 or -Os")),
    }
}

/// A failure: message and exit code.
struct Failure(u8, String);

impl From<weft::Error> for Failure {
    fn from(e: weft::Error) -> Self {
        let code = match e {
            weft::Error::PassSpec(_) => EXIT_USAGE,
            _ => EXIT_INPUT,
        };
        Failure(code, e.to_string())
    }
}

/// Folds a multi-line message (WAT errors show a source excerpt) into one line.
fn one_line(msg: &str) -> String {
    msg.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('|')).collect::<Vec<_>>().join(" ")
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Opt(args) => opt(args),
        Command::Passes => {
            for p in weft_passes::passes() {
                println!("{:<24} {}", p.name, p.description);
                if let Some((_, params)) = weft_passes::registry::PASS_PARAMS.iter().find(|(n, _)| *n == p.name) {
                    println!("{:<24}   parameters: {}", "", params.join(", "));
                }
            }
            Ok(())
        }
        Command::Print { input } => print(&input),
        Command::Check(args) => check(&args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure(code, msg)) => {
            let multi = matches!(code, EXIT_VERIFY | EXIT_BOUNDED | EXIT_UNKNOWN);
            eprintln!("weft: {}", if multi { msg } else { one_line(&msg) });
            ExitCode::from(code)
        }
    }
}

fn read_input(path: &PathBuf) -> Result<Vec<u8>, Failure> {
    let bytes = std::fs::read(path).map_err(|e| Failure(EXIT_INPUT, format!("{}: {e}", path.display())))?;
    // A `.wasm` file, or anything that looks binary, is read as binary so a
    // bad magic number is reported as such rather than as bad text.
    let binary = path.extension().is_some_and(|x| x == "wasm") || bytes.iter().take(8).any(|&b| b == 0);
    if binary {
        return Ok(bytes);
    }
    weft_frontend::parse_wat_or_wasm(&bytes)
        .map_err(|e| Failure(EXIT_INPUT, format!("{}: {}", path.display(), one_line(&e.to_string()))))
}

/// Calls `f` on every core module of `bytes` (the module itself, or each one
/// nested in a component).
fn each_core_module(bytes: &[u8], f: &mut dyn FnMut(&[u8]) -> Result<(), Failure>) -> Result<(), Failure> {
    let ranges = weft_frontend::core_module_ranges(bytes).map_err(|e| Failure(EXIT_INPUT, e.to_string()))?;
    for r in ranges {
        f(&bytes[r])?;
    }
    Ok(())
}

fn print(input: &PathBuf) -> Result<(), Failure> {
    let bytes = read_input(input)?;
    let mut out = String::new();
    each_core_module(&bytes, &mut |m| {
        let (module, diags) = weft_frontend::translate_module(m).map_err(|e| Failure(EXIT_INPUT, e.to_string()))?;
        for d in diags {
            eprintln!("weft: note: {d}");
        }
        out.push_str(&module_ir(&module));
        Ok(())
    })?;
    write_stdout(out.as_bytes())
}

fn module_ir(module: &weft_ir::Module) -> String {
    let mut out = String::new();
    for f in &module.funcs {
        match &f.body {
            weft_ir::FuncBody::Ir(func) => out.push_str(&func.display().to_string()),
            weft_ir::FuncBody::Opaque { reason } => out.push_str(&format!("; {} kept opaque: {reason}\n", f.index)),
        }
        out.push('\n');
    }
    out
}

fn module_dot(module: &weft_ir::Module) -> String {
    let mut out = String::new();
    for f in &module.funcs {
        if let weft_ir::FuncBody::Ir(func) = &f.body {
            let mut g = petgraph::graph::DiGraph::<String, ()>::new();
            let mut nodes = std::collections::BTreeMap::new();
            for block in func.layout.blocks() {
                nodes.insert(block, g.add_node(block.to_string()));
            }
            for block in func.layout.blocks() {
                for succ in func.successors(block) {
                    if let (Some(&a), Some(&b)) = (nodes.get(&block), nodes.get(&succ)) {
                        g.add_edge(a, b, ());
                    }
                }
            }
            out.push_str(&format!("// %{}\n", func.name));
            out.push_str(&format!(
                "{:?}\n",
                petgraph::dot::Dot::with_config(&g, &[petgraph::dot::Config::EdgeNoLabel])
            ));
        }
    }
    out
}

fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    std::io::stdout().write_all(bytes).map_err(|e| Failure(EXIT_INPUT, format!("writing stdout: {e}")))
}

fn opt(args: OptArgs) -> Result<(), Failure> {
    let emit = if args.text { Emit::Wat } else { args.emit };
    if emit == Emit::Wasm && args.output.is_none() && std::io::stdout().is_terminal() {
        return Err(Failure(
            EXIT_USAGE,
            "refusing to write binary wasm to a terminal: use -o FILE or --emit wat".into(),
        ));
    }
    let config = Config {
        opt_level: args.level,
        passes: args.passes.clone(),
        verify: match args.verify {
            None => VerifyMode::Off,
            Some(VerifyArg::Lenient) => VerifyMode::Lenient,
            Some(VerifyArg::Strict) => VerifyMode::Strict,
        },
        verify_options: weft_verify::Options { timeout_ms: args.verify_timeout_ms, ..Default::default() },
    };
    weft::pass_list(&config).map_err(|e| Failure(EXIT_USAGE, e.to_string()))?;
    let bytes = read_input(&args.input)?;
    let print_ir = args.print_ir.clone();
    // A progress bar on stderr when it is a terminal and the work is long:
    // one step per pass per core module.
    let modules = weft_frontend::core_module_ranges(&bytes).map(|r| r.len()).unwrap_or(1);
    let steps = (weft::pass_list(&config).map(|p| p.len()).unwrap_or(0) * modules) as u64;
    let progress = if std::io::stderr().is_terminal() && (config.verify != VerifyMode::Off || modules > 4) && steps > 0
    {
        let bar = indicatif::ProgressBar::new(steps);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} passes {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    } else {
        indicatif::ProgressBar::hidden()
    };
    let mut hook = |pass: &str, module: &weft_ir::Module| {
        progress.inc(1);
        progress.set_message(pass.to_string());
        if print_ir.as_deref().is_some_and(|p| p == "*" || p == pass) {
            progress.suspend(|| eprintln!("; IR after {pass}\n{}", module_ir(module)));
        }
    };
    let mut text_out = String::new();
    let mut report = Report::default();
    let mut optimize_one = |m: &[u8]| -> Result<Vec<u8>, weft::Error> {
        let (out, r) = weft::optimize_core_module_with(m, &config, &mut hook)?;
        if matches!(emit, Emit::Ir | Emit::Dot) {
            let (module, _) = weft_frontend::translate_module(&out)?;
            text_out.push_str(&if emit == Emit::Ir { module_ir(&module) } else { module_dot(&module) });
        }
        weft::merge(&mut report, r);
        Ok(out)
    };
    let out = if weft::component::is_component(&bytes) {
        weft::component::rewrite_core_modules(&bytes, &mut optimize_one)?
    } else {
        optimize_one(&bytes)?
    };
    progress.finish_and_clear();
    if args.stats {
        eprint!("{}", weft::stats_table(&report));
    }
    if let Some(path) = &args.report {
        let json = report_json(&report);
        std::fs::write(path, json).map_err(|e| Failure(EXIT_INPUT, format!("{}: {e}", path.display())))?;
    }
    let failed = report.events.iter().filter(|e| e.reverted && e.message.starts_with("counterexample")).count();
    if config.verify == VerifyMode::Strict && failed > 0 {
        for e in report.events.iter().filter(|e| e.reverted) {
            eprintln!("weft: pass {} on %{}: {}", e.pass, e.function, e.message);
        }
        return Err(Failure(EXIT_VERIFY, format!("{failed} function(s) failed verification; no output written")));
    }
    let payload: Vec<u8> = match emit {
        Emit::Wasm => out,
        Emit::Wat => wasmprinter::print_bytes(&out)
            .map_err(|e| Failure(EXIT_INPUT, format!("internal error printing wat: {e}")))?
            .into_bytes(),
        Emit::Ir | Emit::Dot => text_out.into_bytes(),
    };
    match &args.output {
        Some(path) => {
            std::fs::write(path, payload).map_err(|e| Failure(EXIT_INPUT, format!("{}: {e}", path.display())))
        }
        None => write_stdout(&payload),
    }
}

fn report_json(report: &Report) -> String {
    let passes: Vec<serde_json::Value> = report
        .passes
        .iter()
        .map(|p| {
            serde_json::json!({
                "pass": p.name,
                "functions_changed": p.functions_changed,
                "insts_before": p.insts_before,
                "insts_after": p.insts_after,
                "time_ms": p.time.as_secs_f64() * 1e3,
                "proved": p.proved,
                "proved_bounded": p.proved_bounded,
                "counterexamples": p.counterexamples,
                "unknown": p.unknown,
                "reverted": p.reverted,
            })
        })
        .collect();
    let events: Vec<serde_json::Value> = report
        .events
        .iter()
        .map(|e| serde_json::json!({"pass": e.pass, "function": e.function, "message": e.message, "reverted": e.reverted}))
        .collect();
    let v = serde_json::json!({"passes": passes, "events": events, "opaque_functions": report.opaque_functions});
    serde_json::to_string_pretty(&v).expect("json values serialize")
}

fn check(args: &CheckArgs) -> Result<(), Failure> {
    use weft_verify::text::{FileFunction, TextCheck, read_check_file};
    let read = |p: &PathBuf| -> Result<weft_verify::text::CheckFile, Failure> {
        let text = std::fs::read_to_string(p).map_err(|e| Failure(EXIT_INPUT, format!("{}: {e}", p.display())))?;
        let file = read_check_file(&text).map_err(|e| Failure(EXIT_INPUT, format!("{}:{e}", p.display())))?;
        for f in &file.functions {
            weft_ir::verifier::verify_function(&f.func).map_err(|errs| {
                Failure(
                    EXIT_INPUT,
                    format!(
                        "{}: %{} does not verify:\n{}",
                        p.display(),
                        f.func.name,
                        weft_ir::verifier::pretty_errors(&f.func, &errs)
                    ),
                )
            })?;
        }
        Ok(file)
    };
    let (sfile, tfile) = (read(&args.source)?, read(&args.target)?);
    let input = |e: String| Failure(EXIT_INPUT, e);
    let main = |file: &weft_verify::text::CheckFile, p: &PathBuf| -> Result<FileFunction, Failure> {
        for f in &file.functions {
            if !f.is_helper().map_err(input)? {
                return Ok(f.clone());
            }
        }
        Err(Failure(EXIT_INPUT, format!("{}: no function to check (only callees)", p.display())))
    };
    let (src, tgt) = (main(&sfile, &args.source)?, main(&tfile, &args.target)?);
    let mut helpers: Vec<FileFunction> = Vec::new();
    for f in sfile.functions.iter().chain(&tfile.functions) {
        if f.is_helper().map_err(input)?
            && !helpers.iter().any(|h| h.func.display().to_string() == f.func.display().to_string())
        {
            helpers.push(f.clone());
        }
    }
    let mut lines = sfile.header.clone();
    lines.extend(src.comments.iter().cloned());
    lines.extend(tfile.header.iter().cloned());
    lines.extend(tgt.comments.iter().cloned());
    let mut base = weft_verify::Options {
        timeout_ms: args.timeout_ms,
        assume_grow_succeeds: args.assume_grow_succeeds,
        nan: if args.nan == NanArg::Exact { weft_verify::NanMode::Exact } else { weft_verify::NanMode::Permissive },
        ..Default::default()
    };
    if let Some(k) = args.unroll_bound {
        base.unroll_bound = k;
        base.unroll_retry_bound = Some(k.saturating_mul(4));
    }
    if let Some(d) = args.inline_depth {
        base.inline_depth = d;
    }
    let mut setup = TextCheck::build(&src, &tgt, &lines, &helpers, base).map_err(input)?;
    if let Err(r) = setup.prove_invariants() {
        println!("module invariant: {}", r.report);
        let code = if r.report.outcome.is_counterexample() { EXIT_VERIFY } else { EXIT_UNKNOWN };
        return Err(Failure(code, "a module invariant of the files is not proved".into()));
    }
    let report = weft_verify::check_refinement_report(&setup.src, &setup.tgt, &setup.options);
    if args.stats {
        println!("{report}");
        for q in &report.queries {
            println!("  {:>8} ms  {:<7}  {}", q.millis, q.result, q.name);
        }
        let pin = &report.pinning;
        if pin.questions > 0 {
            println!(
                "  {:>8} ms  event-count pinning: {} questions, {} answered from memory",
                pin.micros / 1000,
                pin.questions,
                pin.remembered
            );
        }
    } else {
        println!("{}", report.outcome);
    }
    match report.outcome {
        weft_verify::Outcome::Proved => Ok(()),
        weft_verify::Outcome::ProvedBounded(k) => Err(Failure(
            EXIT_BOUNDED,
            format!("not proved: holds only for runs in which no loop header executes more than {k} times"),
        )),
        weft_verify::Outcome::Counterexample(_) => Err(Failure(EXIT_VERIFY, "not proved: counterexample".into())),
        weft_verify::Outcome::Unknown(_) => Err(Failure(EXIT_UNKNOWN, "not proved: unknown".into())),
    }
}

//! The `weft` command. See `weft --help`.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
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
    /// Optimize a module or component (.wasm, .wat, or a component), or the
    /// functions of an IR text file (.ir).
    Opt(OptArgs),
    /// Loom's `optimize` command line, for build systems that run
    /// `loom optimize` (Bazel's rules_wasm_component): `-O2`, or the weft
    /// passes for Loom's `--passes` names. See `docs/embedding.md`.
    Optimize(OptimizeArgs),
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
    /// Run filetests: each PATH is a filetest (.ir) or a directory of them.
    /// Prints `FAIL <path>: <reason>` per failed file and a summary; exits
    /// with 1 when a file fails. With `--bless` or WEFT_BLESS=1, expected
    /// output (precise-output blocks, verifier `; error:` lines) is rewritten
    /// in place.
    Test {
        /// Filetest files or directories.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        /// Rewrite expected output in place (as WEFT_BLESS=1).
        #[arg(long)]
        bless: bool,
    },
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

#[derive(clap::Args)]
struct OptimizeArgs {
    /// Input file (.wasm, .wat, component).
    #[arg(required_unless_present = "input_flag", conflicts_with = "input_flag")]
    input: Option<PathBuf>,
    /// The input, as older Loom command lines give it.
    #[arg(short = 'i', long = "input", value_name = "INPUT")]
    input_flag: Option<PathBuf>,
    /// Output file (default: output.wasm, or output.wat with --wat, as Loom).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Write WAT text instead of binary.
    #[arg(long)]
    wat: bool,
    /// Print the per-pass table and each function's verdict counts to stderr.
    #[arg(long)]
    stats: bool,
    /// Check every change with Z3 and keep only proved ones (strict).
    #[arg(long)]
    verify: bool,
    /// Loom pass names (comma-separated), run in Loom's order; weft pass
    /// names are accepted too. Default: the -O2 pipeline.
    #[arg(long, value_delimiter = ',')]
    passes: Option<Vec<String>>,
    /// Accepted for Loom compatibility: weft writes no attestation section
    /// (a warning when `true` is asked for).
    #[arg(long, value_name = "BOOL", action = clap::ArgAction::Set)]
    attestation: Option<bool>,
    /// Accepted for Loom compatibility: weft runs one pipeline (a warning
    /// when more than 1).
    #[arg(long, value_name = "N")]
    islands: Option<usize>,
    /// Accepted for Loom compatibility: weft writes no `wsc.facts` section
    /// (a warning).
    #[arg(long)]
    facts: bool,
    /// Timeout per Z3 query with --verify, in milliseconds.
    #[arg(long, default_value_t = 10_000)]
    verify_timeout_ms: u32,
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
    /// Input file (.wasm, .wat, component), or IR text (.ir: one or more
    /// functions; the passes run on each and the IR is printed).
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
    /// Print to stderr the checks of the module before and after the
    /// passes: branches with one side that only traps or calls a function
    /// that never returns (Rust's `panic_bounds_check`, ...), by kind.
    #[arg(long)]
    count_checks: bool,
    /// Write the per-pass report as JSON.
    #[arg(long)]
    report: Option<PathBuf>,
    /// Print the IR to stderr after every pass, or after the named pass.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "*")]
    print_ir: Option<String>,
    /// Output format (default: wasm, or ir for .ir input).
    #[arg(long, value_enum)]
    emit: Option<Emit>,
    /// Shorthand for `--emit wat`.
    #[arg(short = 'S')]
    text: bool,
    /// The events a P3 callback can receive, replacing the set derived from
    /// the module's imports (narrower or wider): names or codes,
    /// comma-separated (`stream-read,task-cancelled` or `2,6`). The facts
    /// used are printed by `--stats` and recorded in `--report`.
    #[arg(long, value_parser = parse_events)]
    assume_events: Option<weft_passes::analysis::p3::EventSet>,
}

fn parse_events(s: &str) -> Result<weft_passes::analysis::p3::EventSet, String> {
    s.parse().map_err(|e: weft_passes::analysis::p3::UnknownEvent| e.to_string())
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
        Command::Optimize(args) => optimize(args),
        Command::Passes => {
            for p in weft_passes::passes() {
                println!("{:<24} {}", p.name, p.description);
                if !p.params.is_empty() {
                    println!("{:<24}   parameters: {}", "", p.params.join(", "));
                }
            }
            Ok(())
        }
        Command::Print { input } => print(&input),
        Command::Check(args) => check(&args),
        Command::Test { paths, bless } => test(&paths, bless),
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

/// `weft optimize`: Loom's command line mapped onto `weft opt`.
fn optimize(args: OptimizeArgs) -> Result<(), Failure> {
    let Some(input) = args.input.or(args.input_flag) else {
        return Err(Failure(EXIT_USAGE, "no input file".into()));
    };
    if args.attestation == Some(true) {
        eprintln!("weft: warning: --attestation is ignored: weft writes no attestation section");
    }
    if args.islands.is_some_and(|n| n > 1) {
        eprintln!("weft: warning: --islands is ignored: weft runs one pipeline");
    }
    if args.facts {
        eprintln!("weft: warning: --facts is ignored: weft writes no wsc.facts section");
    }
    let passes = match &args.passes {
        None => None,
        Some(names) => Some(weft::loom::weft_passes_for(names).map_err(|e| Failure(EXIT_USAGE, e.to_string()))?),
    };
    let output = args.output.unwrap_or_else(|| PathBuf::from(if args.wat { "output.wat" } else { "output.wasm" }));
    let stats = args.stats;
    let opt_args = OptArgs {
        input,
        output: Some(output),
        level: OptLevel::O2,
        passes,
        verify: args.verify.then_some(VerifyArg::Strict),
        verify_timeout_ms: args.verify_timeout_ms,
        stats,
        count_checks: false,
        report: None,
        print_ir: None,
        emit: Some(if args.wat { Emit::Wat } else { Emit::Wasm }),
        text: false,
        assume_events: None,
    };
    opt(opt_args)
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

/// The IR of each function of `module`; a function a module pass removed
/// is a comment.
fn module_ir(module: &weft_ir::Module) -> String {
    let mut out = String::new();
    for f in &module.funcs {
        if module.is_removed(weft_ir::ModuleEntity::Func(f.index)) {
            let name = module.func_name(f.index).unwrap_or("");
            out.push_str(&format!("; {} ({name}) removed by a module pass\n\n", f.index));
        } else {
            out.push_str(&functions_ir(std::slice::from_ref(f)));
        }
    }
    out
}

/// The IR of each function, in order (an opaque one as a comment).
fn functions_ir(funcs: &[weft_ir::DefinedFunc]) -> String {
    let mut out = String::new();
    for f in funcs {
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
            out.push_str(&function_dot(func));
        }
    }
    out
}

/// What `weft opt` does after each pass: advance the progress bar, and
/// print the IR after the passes `--print-ir` names.
struct Progress<'a> {
    bar: &'a indicatif::ProgressBar,
    print_ir: Option<String>,
}

impl weft::AfterPassHook for Progress<'_> {
    fn wants_functions(&self, pass: &'static weft_passes::PassInfo) -> bool {
        self.print_ir.as_deref().is_some_and(|p| p == "*" || p == pass.name)
    }

    fn after_pass(
        &mut self,
        _index: usize,
        pass: &'static weft_passes::PassInfo,
        _stats: &weft_passes::PassStats,
        functions: &[weft_ir::DefinedFunc],
    ) {
        self.bar.inc(1);
        self.bar.set_message(pass.name);
        if self.wants_functions(pass) {
            self.bar.suspend(|| eprintln!("; IR after {}\n{}", pass.name, functions_ir(functions)));
        }
    }
}

/// The CFG of `func` in DOT, after a `// %name` line.
fn function_dot(func: &weft_ir::Function) -> String {
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
    format!("// %{}\n{:?}\n", func.name, petgraph::dot::Dot::with_config(&g, &[petgraph::dot::Config::EdgeNoLabel]))
}

fn write_stdout(bytes: &[u8]) -> Result<(), Failure> {
    std::io::stdout().write_all(bytes).map_err(|e| Failure(EXIT_INPUT, format!("writing stdout: {e}")))
}

fn opt(args: OptArgs) -> Result<(), Failure> {
    let ir_input = is_ir_file(&args.input);
    let emit = match (args.text, args.emit) {
        (true, _) => Emit::Wat,
        (false, Some(e)) => e,
        (false, None) if ir_input => Emit::Ir,
        (false, None) => Emit::Wasm,
    };
    if ir_input && args.count_checks {
        return Err(Failure(
            EXIT_USAGE,
            "--count-checks needs a module (the never-returning functions are found in it), not IR input".into(),
        ));
    }
    if ir_input && matches!(emit, Emit::Wasm | Emit::Wat) {
        return Err(Failure(EXIT_USAGE, "IR input (.ir) is written as IR or DOT: use --emit ir or --emit dot".into()));
    }
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
        assume_events: args.assume_events,
    };
    weft::pass_list(&config).map_err(|e| Failure(EXIT_USAGE, e.to_string()))?;
    let (payload, report) = if ir_input { opt_ir(&args, &config, emit)? } else { opt_module(&args, &config, emit)? };
    if args.stats {
        eprint!("{}", weft::stats_table(&report));
        eprint!("{}", weft::verdict_summary(&report));
    }
    if let Some(path) = &args.report {
        let json = report_json(&report);
        std::fs::write(path, json).map_err(|e| Failure(EXIT_INPUT, format!("{}: {e}", path.display())))?;
    }
    let failed = report
        .events
        .iter()
        .filter(|e| {
            e.reverted && (e.message.starts_with("counterexample") || e.message.starts_with("module check failed"))
        })
        .count();
    if config.verify == VerifyMode::Strict && failed > 0 {
        for e in report.events.iter().filter(|e| e.reverted) {
            eprintln!("weft: pass {} on %{}: {}", e.pass, e.function, e.message);
        }
        return Err(Failure(EXIT_VERIFY, format!("{failed} function(s) failed verification; no output written")));
    }
    match &args.output {
        Some(path) => {
            std::fs::write(path, payload).map_err(|e| Failure(EXIT_INPUT, format!("{}: {e}", path.display())))
        }
        None => write_stdout(&payload),
    }
}

/// Is `path` IR text (`.ir`)?
fn is_ir_file(path: &Path) -> bool {
    path.extension().is_some_and(|x| x == "ir")
}

/// Optimizes a module or component; returns the output in the `emit` format.
fn opt_module(args: &OptArgs, config: &Config, emit: Emit) -> Result<(Vec<u8>, Report), Failure> {
    let bytes = read_input(&args.input)?;
    let print_ir = args.print_ir.clone();
    // A progress bar on stderr when it is a terminal and the work is long:
    // one step per pass per core module.
    let modules = weft_frontend::core_module_ranges(&bytes).map(|r| r.len()).unwrap_or(1);
    let steps = (weft::pass_list(config).map(|p| p.len()).unwrap_or(0) * modules) as u64;
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
    let mut hook = Progress { bar: &progress, print_ir };
    let manager = weft::manager(config)?;
    let mut text_out = String::new();
    let mut report = Report::default();
    let mut optimize_one = |m: &[u8]| -> Result<Vec<u8>, weft::Error> {
        let (out, r) = weft::optimize_core_module_with(m, config, &manager, &mut hook)?;
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
    if args.count_checks {
        let before = weft::count_checks(&bytes)?;
        let after = weft::count_checks(&out)?;
        eprint!("{}", weft::checks_table(&before, &after));
    }
    let payload = match emit {
        Emit::Wasm => out,
        Emit::Wat => wasmprinter::print_bytes(&out)
            .map_err(|e| Failure(EXIT_INPUT, format!("internal error printing wat: {e}")))?
            .into_bytes(),
        Emit::Ir | Emit::Dot => text_out.into_bytes(),
    };
    Ok((payload, report))
}

/// Reads the functions of an IR text file (a filetest's `test` line is
/// skipped); each must verify.
fn read_ir_functions(path: &Path) -> Result<Vec<weft_ir::Function>, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| Failure(EXIT_INPUT, format!("{}: {e}", path.display())))?;
    let funcs = weft_filetest::parse_file_functions(&text)
        .map_err(|e| Failure(EXIT_INPUT, format!("{}:{e}", path.display())))?;
    if funcs.is_empty() {
        return Err(Failure(EXIT_INPUT, format!("{}: no functions in the file", path.display())));
    }
    for func in &funcs {
        if let Err(errs) = weft_ir::verifier::verify_function(func) {
            let errors: Vec<String> = errs.0.iter().map(|e| e.to_string()).collect();
            return Err(Failure(
                EXIT_INPUT,
                format!("{}: function %{} does not verify: {}", path.display(), func.name, errors.join("; ")),
            ));
        }
    }
    Ok(funcs)
}

/// Runs the passes on each function of an IR text file, one pass at a time
/// (for `--print-ir`); module passes are skipped with a note. Returns the
/// functions as IR text (or DOT), separated by blank lines.
fn opt_ir(args: &OptArgs, config: &Config, emit: Emit) -> Result<(Vec<u8>, Report), Failure> {
    let mut funcs = read_ir_functions(&args.input)?;
    let specs = weft::pass_specs(config).map_err(|e| Failure(EXIT_USAGE, e.to_string()))?;
    let mut report = Report::default();
    let mut skipped = Vec::new();
    for func in &mut funcs {
        let mut passes = Vec::new();
        let mut events = Vec::new();
        for spec in &specs {
            let one = Config { passes: Some(vec![spec.to_string()]), ..config.clone() };
            let r = weft::optimize_function(func, &one)?;
            if r.passes.is_empty() && !skipped.contains(&spec.info.name) {
                skipped.push(spec.info.name);
            }
            passes.extend(r.passes);
            events.extend(r.events);
            if args.print_ir.as_deref().is_some_and(|p| p == "*" || p == spec.info.name) {
                eprintln!("; IR after {spec}\n{}", func.display());
            }
        }
        report.merge(Report { passes, events, opaque_functions: 0 });
    }
    for name in skipped {
        eprintln!("weft: note: {name} is a module pass; it does not run on IR input");
    }
    let text: Vec<String> =
        funcs.iter().map(|f| if emit == Emit::Dot { function_dot(f) } else { f.display().to_string() }).collect();
    Ok((text.join("\n").into_bytes(), report))
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
                "  {:>8} ms  event-count pinning: {} questions, {} answered from memory, {} undecided, {} not asked",
                pin.micros / 1000,
                pin.questions,
                pin.remembered,
                pin.undecided,
                pin.skipped
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

fn test(paths: &[PathBuf], bless: bool) -> Result<(), Failure> {
    let files = weft_filetest::collect(paths).map_err(|e| Failure(EXIT_INPUT, e))?;
    let options = weft_filetest::RunOptions { bless: bless || weft_filetest::RunOptions::from_env().bless };
    let results = weft_filetest::run_files(&files, options);
    let (text, ok) = weft_filetest::report(&results, |p| p.display().to_string());
    write_stdout(text.as_bytes())?;
    if ok {
        Ok(())
    } else {
        let failed = results.iter().filter(|r| matches!(r.status, weft_filetest::Status::Failed(_))).count();
        Err(Failure(EXIT_INPUT, format!("{failed} of {} filetests failed", results.len())))
    }
}

//! `weft-bench`: runs the dispatch benchmark, the density sweep, the
//! proof-cost measurements, the corpus measurements and the module-dce
//! comparison and writes the markdown report. Run it through
//! `bash scripts/bench.sh` (which builds it in release mode and finds or
//! installs `wasm-opt`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use weft_bench::machine::{Machine, load_average};
use weft_bench::variants::WasmOpt;
use weft_bench::{corpus, density, dispatch, pipeline, proof, report, verify_cost};

/// Benchmarks weft's dispatch lowering and whole-module optimization and
/// writes a markdown report. Never a pass/fail test.
#[derive(Parser, Debug)]
#[command(name = "weft-bench")]
struct Args {
    /// A short run: fewer and shorter repetitions, a reduced density grid,
    /// the 3 smallest files of each corpus group.
    #[arg(long)]
    quick: bool,
    /// Where to write the report.
    #[arg(long, default_value = "bench/report.md")]
    out: PathBuf,
    /// The corpus folder.
    #[arg(long, default_value = "../shared/corpus")]
    corpus: PathBuf,
    /// The `wasm-opt` executable (otherwise `wasm-opt not available`).
    #[arg(long)]
    wasm_opt: Option<PathBuf>,
    /// Handler counts of the dispatch benchmark (comma-separated; default
    /// 2,3,4,7,10,13,16,20,24,32,48,64,128). Those other than the issue's
    /// 4, 7, 16, 64 are sweep-only: `--sweep-reps` repetitions, no wasm-opt.
    #[arg(long, value_delimiter = ',', default_values_t = dispatch::DEFAULT_SIZES)]
    sizes: Vec<u32>,
    /// Timed repetitions per variant (default 21, quick 5).
    #[arg(long)]
    reps: Option<usize>,
    /// Timed repetitions per variant at the sweep-only sizes and in the
    /// density sweep (default: as many as `--reps`); fewer shortens a run,
    /// and the report says so.
    #[arg(long)]
    sweep_reps: Option<usize>,
    /// Target duration of one timed call in milliseconds (default 4, quick 2).
    #[arg(long)]
    call_ms: Option<u64>,
    /// Skip the corpus measurements.
    #[arg(long)]
    no_corpus: bool,
    /// Skip the module-dce section (module-dce against wasm-opt's
    /// --remove-unused-module-elements on every core module of the corpus).
    #[arg(long)]
    no_module_dce: bool,
    /// Skip the bounds-check, sightglass-speed and compile-time sections
    /// (checks counted statically and by instrumented runs before and after
    /// -O2; sightglass under wasmtime: original, -O2, wasm-opt -O3).
    #[arg(long)]
    no_bounds_checks: bool,
    /// Skip the density sweep (sparse case layouts).
    #[arg(long)]
    no_density: bool,
    /// Case counts of the density sweep (comma-separated; default 24,64,
    /// quick 64).
    #[arg(long, value_delimiter = ',')]
    density_sizes: Option<Vec<u32>>,
    /// Strides of the density sweep (comma-separated; default
    /// 1,2,3,4,6,8,16,32, quick 1,3,8,32).
    #[arg(long, value_delimiter = ',')]
    strides: Option<Vec<u32>>,
    /// Skip the proof-cost section (switch-recovery checked by Z3 in strict
    /// mode on the chain shapes).
    #[arg(long)]
    no_proof: bool,
    /// Handler counts of the proof-cost section (comma-separated; default
    /// 4,7,16,32,64,128,256, quick 4,16,64).
    #[arg(long, value_delimiter = ',')]
    proof_sizes: Option<Vec<u32>>,
    /// Measure the verification cost on the P3 corpora (every change the
    /// checked `-O2` pipeline makes to every function of `jco-p3` and `p3`,
    /// checked one at a time: tens of minutes).
    #[arg(long)]
    verify_cost: bool,
    /// Measure only the verification cost and write that section alone to
    /// `--out`.
    #[arg(long)]
    verify_cost_only: bool,
    /// Corpus groups of the verification-cost section (comma-separated;
    /// default jco-p3,p3).
    #[arg(long, value_delimiter = ',')]
    verify_cost_groups: Option<Vec<String>>,
    /// Append every check of the verification-cost section to this file
    /// (tab-separated), as it is measured.
    #[arg(long)]
    verify_cost_raw: Option<PathBuf>,
    /// Measure only the stream kernels (`bench/kernels/`: scalar, weft
    /// `-O2`, clang `-O3 -msimd128`) and write that section alone to `--out`.
    #[arg(long)]
    kernels_only: bool,
    /// Measure only weft's pipelines against `wasm-opt -O2`/`-Os` (sizes,
    /// compile time, peak memory; `--wasm-opt` should be a native build)
    /// and write that section alone to `--out`.
    #[arg(long)]
    pipeline_only: bool,
    /// Internal: optimize FILE with `-O2` and print the peak memory it
    /// took, in bytes (the child side of the pipeline section).
    #[arg(long, value_name = "FILE")]
    peak_rss: Option<PathBuf>,
    /// Run wasm-opt on everything, neither reading nor writing its cache
    /// (`bench/out/wasm-opt-cache`).
    #[arg(long)]
    no_cache: bool,
    /// Scratch folder for wasm-opt's files.
    #[arg(long, default_value = "bench/out")]
    scratch: PathBuf,
}

fn verify_cost(args: &Args) -> Result<verify_cost::Results, String> {
    let mut options = verify_cost::Options::new(args.corpus.clone());
    if let Some(groups) = &args.verify_cost_groups {
        options.groups = groups.clone();
    }
    options.raw = args.verify_cost_raw.clone();
    verify_cost::run(&options, &mut |line| eprintln!("{line}")).map_err(|e| e.to_string())
}

/// The module-dce section: module-dce against wasm-opt's
/// `--remove-unused-module-elements` on every core module of the corpus.
fn module_dce(args: &Args, wasm_opt: &Option<WasmOpt>) -> Result<weft_bench::module_dce::Results, String> {
    if !args.corpus.is_dir() {
        return Err(format!("the corpus folder {} is missing", args.corpus.display()));
    }
    let options = weft_bench::module_dce::Options {
        root: args.corpus.clone(),
        wasm_opt: wasm_opt.clone(),
        scratch: args.scratch.clone(),
        limit: args.quick.then_some(3),
        handwritten: Some(PathBuf::from("tests/modules/module-dce")),
    };
    weft_bench::module_dce::run(&options, &mut |line| eprintln!("{line}")).map_err(|e| e.to_string())
}

/// The dead-handler survey of the P3 corpus, as markdown.
fn reachability(args: &Args) -> Result<String, String> {
    if !args.corpus.is_dir() {
        return Err(format!("the corpus folder {} is missing", args.corpus.display()));
    }
    weft_tests::p3reach::survey(&args.corpus.join("p3")).map(|rows| weft_tests::p3reach::to_markdown(&rows))
}

/// The pipeline section alone (`--pipeline-only`).
fn pipeline_only(args: &Args, started: Instant) -> ExitCode {
    let results = if !args.corpus.is_dir() {
        Err(format!("the corpus folder {} is missing", args.corpus.display()))
    } else {
        let wasm_opt = args.wasm_opt.as_ref().and_then(|p| WasmOpt::probe(p, None).ok());
        let options = pipeline::Options {
            root: args.corpus.clone(),
            wasm_opt,
            scratch: args.scratch.clone(),
            harness: std::env::current_exe().ok(),
        };
        pipeline::run(&options, &mut |line| eprintln!("{line}")).map_err(|e| e.to_string())
    };
    let mut text = String::new();
    pipeline::render(&mut text, &results);
    if let Err(e) = std::fs::write(&args.out, text) {
        eprintln!("weft-bench: cannot write {}: {e}", args.out.display());
        return ExitCode::FAILURE;
    }
    eprintln!("weft-bench: wrote {} in {:.0} s", args.out.display(), started.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}

/// The stream-kernel section alone (`--kernels-only`).
fn kernels_only(args: &Args, started: Instant) -> ExitCode {
    let options = weft_bench::kernels::Options {
        dir: PathBuf::from("bench/kernels"),
        reps: args.reps.unwrap_or(if args.quick { 5 } else { 15 }).max(1),
        elements_per_call: if args.quick { 1 << 20 } else { 1 << 23 },
    };
    let text = match weft_bench::kernels::run(&options, &mut |line| eprintln!("{line}")) {
        Ok(results) => weft_bench::kernels::render(&results),
        Err(e) => {
            eprintln!("weft-bench: kernels: {e}");
            return ExitCode::from(2);
        }
    };
    if let Err(e) = std::fs::write(&args.out, text) {
        eprintln!("weft-bench: cannot write {}: {e}", args.out.display());
        return ExitCode::FAILURE;
    }
    eprintln!("weft-bench: wrote {} in {:.0} s", args.out.display(), started.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}

fn main() -> ExitCode {
    let args = Args::parse();
    let started = Instant::now();
    if let Some(path) = &args.peak_rss {
        return match pipeline::peak_rss_child(path) {
            Ok(bytes) => {
                println!("{bytes}");
                ExitCode::SUCCESS
            }
            Err(e) => {
                eprintln!("{e}");
                ExitCode::FAILURE
            }
        };
    }
    if args.kernels_only {
        return kernels_only(&args, started);
    }
    if args.pipeline_only {
        return pipeline_only(&args, started);
    }
    if args.verify_cost_only {
        let mut text = String::new();
        let results = verify_cost(&args);
        verify_cost::render(&mut text, &results.as_ref().map_err(|e| e.clone()));
        if let Err(e) = std::fs::write(&args.out, text) {
            eprintln!("weft-bench: cannot write {}: {e}", args.out.display());
            return ExitCode::FAILURE;
        }
        eprintln!("weft-bench: wrote {} in {:.0} s", args.out.display(), started.elapsed().as_secs_f64());
        return ExitCode::SUCCESS;
    }
    let machine = Machine::probe();
    let command = std::iter::once("bash scripts/bench.sh".to_string())
        .chain(std::env::args().skip(1).filter(|a| {
            a == "--quick"
                || a == "--no-corpus"
                || a == "--no-density"
                || a == "--no-proof"
                || a == "--no-module-dce"
                || a == "--no-bounds-checks"
                || a == "--verify-cost"
        }))
        .collect::<Vec<_>>()
        .join(" ");
    let (wasm_opt, missing) = match &args.wasm_opt {
        Some(path) => match WasmOpt::probe(path, (!args.no_cache).then(|| args.scratch.join("wasm-opt-cache"))) {
            Ok(w) => (Some(w), None),
            Err(e) => (None, Some(e.to_string())),
        },
        None => (None, Some("no --wasm-opt given".to_string())),
    };
    match &wasm_opt {
        Some(w) => eprintln!("weft-bench: using {} ({})", w.version, w.path.display()),
        None => eprintln!("weft-bench: wasm-opt not available ({})", missing.as_deref().unwrap_or("")),
    }
    let reps = args.reps.unwrap_or(if args.quick { 5 } else { 21 }).max(1);
    let sweep_reps = args.sweep_reps.unwrap_or(reps).max(1);
    let call_ms = args.call_ms.unwrap_or(if args.quick { 2 } else { 4 });
    let mut sizes = args.sizes.clone();
    sizes.sort_unstable();
    sizes.dedup();
    let options = dispatch::Options {
        sweep_only: sizes.iter().copied().filter(|n| !dispatch::HEADLINE_SIZES.contains(n)).collect(),
        sizes,
        target: Duration::from_millis(call_ms),
        reps,
        sweep_reps,
        wasm_opt: wasm_opt.clone(),
        scratch: args.scratch.clone(),
    };
    let dispatch = match dispatch::run(&options, &mut |line| eprintln!("{line}")) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("weft-bench: dispatch benchmark: {e}");
            return ExitCode::FAILURE;
        }
    };
    let density = if args.no_density {
        Err("--no-density was given".to_string())
    } else {
        let options = density::Options {
            sizes: args.density_sizes.clone().unwrap_or_else(|| {
                if args.quick { density::QUICK_SIZES.to_vec() } else { density::DEFAULT_SIZES.to_vec() }
            }),
            strides: args.strides.clone().unwrap_or_else(|| {
                if args.quick { density::QUICK_STRIDES.to_vec() } else { density::DEFAULT_STRIDES.to_vec() }
            }),
            target: Duration::from_millis(call_ms),
            reps: sweep_reps,
        };
        density::run(&options, &mut |line| eprintln!("{line}")).map_err(|e| e.to_string())
    };
    if let Err(e) = &density {
        eprintln!("weft-bench: density sweep not run: {e}");
    }
    let proof = if args.no_proof {
        Err("--no-proof was given".to_string())
    } else {
        let options = proof::Options {
            sizes: args.proof_sizes.clone().unwrap_or_else(|| {
                if args.quick { proof::QUICK_SIZES.to_vec() } else { proof::DEFAULT_SIZES.to_vec() }
            }),
            ..proof::Options::default()
        };
        proof::run(&options, &mut |line| eprintln!("{line}")).map_err(|e| e.to_string())
    };
    if let Err(e) = &proof {
        eprintln!("weft-bench: proof cost not measured: {e}");
    }
    let corpus = if args.no_corpus {
        Err("--no-corpus was given".to_string())
    } else if !args.corpus.is_dir() {
        Err(format!("the corpus folder {} is missing", args.corpus.display()))
    } else {
        let options = corpus::Options {
            root: args.corpus.clone(),
            limit: args.quick.then_some(3),
            weft_reps: if args.quick { 1 } else { 3 },
            wasm_opt: wasm_opt.clone(),
            scratch: args.scratch.clone(),
        };
        corpus::run(&options, &mut |line| eprintln!("{line}")).map_err(|e| e.to_string())
    };
    let module_dce =
        if args.no_module_dce { Err("--no-module-dce was given".to_string()) } else { module_dce(&args, &wasm_opt) };
    let bounds_checks = if args.no_bounds_checks {
        Err("--no-bounds-checks was given".to_string())
    } else {
        let options = weft_bench::bounds_checks::Options {
            root: args.corpus.clone(),
            wasm_opt: wasm_opt.clone(),
            scratch: args.scratch.clone(),
            reps: if args.quick { 1 } else { 5 },
            timeout: Duration::from_secs(300),
            limit: args.quick.then_some(3),
        };
        weft_bench::bounds_checks::run(&options, &mut |line| eprintln!("{line}")).map_err(|e| e.to_string())
    };
    let verify_cost =
        if args.verify_cost { verify_cost(&args) } else { Err("--verify-cost was not given (tens of minutes)".into()) };
    let _ = std::fs::remove_dir(&args.scratch);
    let callbacks = match args.corpus.parent() {
        Some(shared) if args.corpus.is_dir() => [weft::OptLevel::O2, weft::OptLevel::Os]
            .into_iter()
            .map(|level| weft_tests::p3callbacks::survey(shared, level))
            .collect::<Result<Vec<_>, _>>()
            .map(|rows| weft_tests::p3callbacks::to_markdown(&rows.concat())),
        _ => Err(format!("the corpus folder {} is missing", args.corpus.display())),
    };
    let reachability = reachability(&args);
    let mut text = report::render(&report::Inputs {
        machine: &machine,
        load_after: load_average(),
        mode: if args.quick { "quick" } else { "full" },
        command: &command,
        wasm_opt: wasm_opt.as_ref(),
        wasm_opt_missing: missing.as_deref(),
        reps,
        dispatch: &dispatch,
        density: density.as_ref().map_err(|e| e.clone()),
        proof: proof.as_ref().map_err(|e| e.clone()),
        corpus: corpus.as_ref().map_err(|e| e.clone()),
        module_dce: module_dce.as_ref().map_err(|e| e.clone()),
        verify_cost: verify_cost.as_ref().map_err(|e| e.clone()),
        callbacks,
        reachability,
        elapsed: started.elapsed(),
    });
    weft_bench::bounds_checks::render(&mut text, &bounds_checks.as_ref().map_err(|e| e.clone()));
    if let Err(e) = std::fs::write(&args.out, text) {
        eprintln!("weft-bench: cannot write {}: {e}", args.out.display());
        return ExitCode::FAILURE;
    }
    eprintln!("weft-bench: wrote {} in {:.0} s", args.out.display(), started.elapsed().as_secs_f64());
    let mismatches: Vec<&String> =
        dispatch.mismatches.iter().chain(density.iter().flat_map(|d| d.mismatches.iter())).collect();
    if !mismatches.is_empty() {
        eprintln!("weft-bench: CHECKSUM MISMATCH (miscompilation):");
        for m in mismatches {
            eprintln!("  {m}");
        }
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

//! `callback-reachability` beyond the module-pass files
//! (`tests/modules/callback-reachability/`):
//!
//! - a seeded wrong specialization — the callback specialized as if
//!   STREAM_READ could not arrive, while the imports allow it and the
//!   precondition handed to the manager says so — is rejected by the
//!   manager's strict check with a counterexample whose event is 2, and
//!   the callback is restored;
//! - the right specialization is proved only under its precondition;
//! - on `../shared/corpus/p3/*.wat` at `-O2`: which defined functions
//!   disappear, with and without the pass, printed as a table; every
//!   handler the corpus README lists as dead for a module whose dispatch
//!   is a direct call must be gone.

use std::collections::BTreeSet;

use weft_ir::{ControlFlowGraph, DominatorTree, FuncBody, FuncRef, Module};
use weft_passes::analysis::p3::{EventCode, EventSet, P3Facts};
use weft_passes::callback_reachability::{event_precondition, specialize};
use weft_passes::pipelines::{OptLevel, pipeline_names};
use weft_passes::{AnyPass, ModuleChanged, ModuleCx, ModulePass, PassInfo, PassManager, Preserved, VerifyMode};
use weft_tests::{files_with_ext, project_root, shared_dir};

/// The module-pass file whose callback can receive {0, 2, 6}.
fn seq_if() -> Module {
    let path = project_root().join("tests/modules/callback-reachability/seq_if.wat");
    let bytes = wat::parse_file(&path).expect("valid wat");
    weft_frontend::translate_module(&bytes).expect("translates").0
}

fn ir(module: &Module, f: FuncRef) -> &weft_ir::Function {
    match module.funcs.iter().find(|d| d.index == f).map(|d| &d.body) {
        Some(FuncBody::Ir(func)) => func,
        _ => panic!("fn{} has no IR body", f.as_u32()),
    }
}

fn domtree(func: &weft_ir::Function) -> DominatorTree {
    DominatorTree::with_function(func, &ControlFlowGraph::with_function(func))
}

/// Specializes the first callback as if STREAM_READ could not arrive, but
/// tells the manager the true precondition (the events the imports allow).
struct WrongNarrowing;

impl ModulePass for WrongNarrowing {
    fn run(&self, module: &mut Module, cx: &mut ModuleCx) -> ModuleChanged {
        let facts = P3Facts::of(module, cx.assume_events());
        let f = facts.callbacks[0].func;
        let narrow: EventSet = facts.events.iter().filter(|&e| e != EventCode::StreamRead).collect();
        let Some(FuncBody::Ir(func)) = module.defined_mut(f).map(|d| &mut d.body) else { return ModuleChanged::No };
        let dt = domtree(func);
        assert!(specialize(func, &dt, narrow).changed());
        cx.assume(f, vec![event_precondition(facts.events)]);
        ModuleChanged::Yes { functions: vec![f], preserved: Preserved::NONE }
    }
}

static WRONG_NARROWING: PassInfo = PassInfo {
    name: "wrong-narrowing",
    description: "callback-reachability under a narrower event set than it claims (seeded bug; test)",
    params: &[],
    make: || AnyPass::Module(Box::new(WrongNarrowing)),
    make_with_params: None,
};

#[test]
fn a_wrong_specialization_is_rejected_with_the_event_in_the_counterexample() {
    let mut module = seq_if();
    let f = P3Facts::of(&module, None).callbacks[0].func;
    let original = weft_ir::write::DisplayFunction(ir(&module, f)).to_string();
    let config = weft_passes::Config { verify: VerifyMode::Strict, ..Default::default() };
    let report = PassManager::new(&[&WRONG_NARROWING], config).run_module(&mut module);
    let stats = &report.passes[0];
    assert_eq!((stats.counterexamples, stats.reverted, stats.functions_changed), (1, 1, 0), "{:?}", report.events);
    let event = report.events.iter().find(|e| e.reverted).expect("a reverted event");
    println!("{}", event.message);
    assert!(event.message.starts_with("under param v0 ∈ {0, 2, 6}: counterexample"), "{}", event.message);
    assert!(event.message.contains("\n  v0 = 2\n"), "the counterexample's event is 2:\n{}", event.message);
    assert!(event.message.contains("assuming param v0 ∈ {0, 2, 6}"), "{}", event.message);
    assert_eq!(weft_ir::write::DisplayFunction(ir(&module, f)).to_string(), original, "restored");
}

#[test]
fn the_specialization_is_proved_under_its_precondition_only() {
    let module = seq_if();
    let facts = P3Facts::of(&module, None);
    let f = facts.callbacks[0].func;
    let src = ir(&module, f);
    let mut tgt = src.clone();
    assert!(specialize(&mut tgt, &domtree(src), facts.events).changed());
    let plain = weft_verify::check_refinement(src, &tgt, &weft_verify::Options::default());
    assert!(matches!(plain, weft_verify::Outcome::Counterexample(_)), "{plain}");
    let options = weft_verify::Options { preconditions: vec![event_precondition(facts.events)], ..Default::default() };
    let under = weft_verify::check_refinement(src, &tgt, &options);
    assert!(matches!(under, weft_verify::Outcome::Proved), "{under}");
}

/// The corpus README's "Dead:" handlers whose only call sites are arms of
/// a direct dispatch on the callback's event, by module. Not listed: the
/// handlers the README names that no specialization of a callback export
/// removes — reached through a funcref table (`kitchen_sink`), the dead
/// half of a handler that serves two events (`callback_sparse`), the arms
/// of a callback that is no longer exported (`meld_trampoline`).
const DEAD: &[(&str, &[&str])] = &[
    ("callback_seq_if", &["on_subtask", "on_stream_write", "on_future_read", "on_future_write"]),
    ("callback_else_if", &["on_subtask", "on_future"]),
    ("callback_br_if", &["on_stream_read", "on_stream_write", "on_future_write", "wake"]),
    ("callback_sparse", &["on_ignored"]),
];

/// The names of the defined functions of a module's wasm bytes: from the
/// name section, else the first export's (`export \"NAME\"`), else by
/// index (which renumbering changes: such a name is not compared).
fn defined_names(bytes: &[u8]) -> BTreeSet<String> {
    let (module, _) = weft_frontend::translate_module(bytes).expect("translates");
    module
        .funcs
        .iter()
        .map(|d| {
            let i = d.index.as_u32();
            let export = module.exports.iter().find(|e| e.kind == weft_ir::ExportKind::Func && e.index == i);
            match (module.func_names.get(i as usize), export) {
                (Some(n), _) if !n.is_empty() && *n != format!("f{i}") => n.clone(),
                (_, Some(e)) => format!("export \"{}\"", e.name),
                _ => format!("unnamed f{i}"),
            }
        })
        .collect()
}

#[test]
fn p3_corpus_handlers_removed_at_o2() {
    let dir = shared_dir().join("corpus").join("p3");
    let mut files = files_with_ext(&dir, "wat", false);
    files.sort();
    assert!(files.len() >= 14, "{}", dir.display());
    let o2: Vec<String> = pipeline_names(OptLevel::O2).iter().map(|s| s.to_string()).collect();
    let without: Vec<String> = o2.iter().filter(|n| *n != "callback-reachability").cloned().collect();
    // The functions removed, and the pass's notes.
    let removed = |bytes: &[u8], passes: &[String]| -> Result<(BTreeSet<String>, Vec<String>), String> {
        let config = weft::Config { passes: Some(passes.to_vec()), ..weft::Config::default() };
        let (out, report) = weft::optimize(bytes, &config).map_err(|e| e.to_string())?;
        let notes = report
            .events
            .iter()
            .filter(|e| e.pass == "callback-reachability" && e.function == "module")
            .map(|e| e.message.clone())
            .collect();
        Ok((defined_names(bytes).difference(&defined_names(&out)).cloned().collect(), notes))
    };
    let mut failures = Vec::new();
    println!("| module | events | removed at -O2 | of which only with callback-reachability |");
    println!("|---|---|---|---|");
    for path in &files {
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let bytes = wat::parse_file(path).expect("valid wat");
        let (module, _) = weft_frontend::translate_module(&bytes).expect("translates");
        let facts = P3Facts::of(&module, None);
        let events = if facts.has_callbacks() {
            format!("{{{}}}", facts.events.codes().iter().map(u32::to_string).collect::<Vec<_>>().join(","))
        } else {
            "no callback export".into()
        };
        let ((with, notes), plain) = match (removed(&bytes, &o2), removed(&bytes, &without)) {
            (Ok(a), Ok(b)) => (a, b.0),
            (Err(e), _) | (_, Err(e)) => {
                failures.push(format!("{stem}: {e}"));
                continue;
            }
        };
        let only: Vec<&String> = with.difference(&plain).collect();
        let list = |s: Vec<&String>| {
            if s.is_empty() {
                "-".to_string()
            } else {
                s.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ")
            }
        };
        println!("| {stem} | {events} | {} | {} |", list(with.iter().collect()), list(only));
        for note in notes {
            println!("|   | {note} | | |");
        }
        if let Some((_, dead)) = DEAD.iter().find(|(m, _)| *m == stem) {
            for d in dead.iter().filter(|d| !with.contains(**d)) {
                failures.push(format!("{stem}: `{d}` (dead per the corpus README) is still there after -O2"));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

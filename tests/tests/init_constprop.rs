//! `init-constprop` on the P3 corpus, through `-O2` with strict
//! verification: the backpressure flag of `backpressure_global.wat`,
//! `backpressure_memory.wat` and the busy flag of `kitchen_sink.wat` is
//! folded and its check removed from every function that runs after
//! initialization, each rewrite proved under the module invariant;
//! `backpressure_negative.wat` keeps its flag and checks. (That the
//! optimized modules behave identically under the mock host is
//! `p3_corpus.rs`'s `-O2` comparison.)

use weft_ir::{FuncBody, Function, GlobalRef, Imm, InstructionData, Module, Opcode};
use weft_passes::Report;
mod common;
use common::o2;
use weft_tests::shared_dir;

/// The IR bodies of the functions named (by the name section) `names`.
fn bodies<'a>(module: &'a Module, names: &[&str]) -> Vec<&'a Function> {
    let found: Vec<&Function> = module
        .funcs
        .iter()
        .filter_map(|d| match &d.body {
            FuncBody::Ir(f) if names.contains(&f.name.as_str()) => Some(f),
            _ => None,
        })
        .collect();
    assert_eq!(found.len(), names.len(), "functions {names:?}");
    found
}

fn ops(func: &Function) -> impl Iterator<Item = (Opcode, Imm, Vec<Option<i64>>)> + '_ {
    func.layout.blocks().flat_map(move |b| func.layout.block_insts(b)).filter_map(move |i| match func.dfg.insts[i] {
        InstructionData::Op { opcode, imm, .. } => {
            Some((opcode, imm, func.dfg.inst_args(i).iter().map(|&a| func.dfg.int_const(a)).collect()))
        }
        _ => None,
    })
}

fn reads_global(func: &Function, g: u32) -> bool {
    ops(func).any(|(op, imm, _)| op == Opcode::GlobalGet && imm == Imm::Global(GlobalRef::from_u32(g)))
}

fn writes_global(func: &Function, g: u32) -> bool {
    ops(func).any(|(op, imm, _)| op == Opcode::GlobalSet && imm == Imm::Global(GlobalRef::from_u32(g)))
}

/// Does `func` load or store at constant address `addr` (base + offset)?
fn touches(func: &Function, addr: u64, store: bool) -> bool {
    ops(func).any(|(op, imm, args)| {
        let Imm::Mem(m) = imm else { return false };
        let is_store = op.effects().contains(weft_ir::Effects::WRITES_MEMORY);
        is_store == store && args.first().copied().flatten().is_some_and(|a| a as u32 as u64 + m.offset == addr)
    })
}

/// The pass left no reverted change and proved each function it changed
/// under the module invariant.
fn proved_under_invariant(report: &Report, functions: &[&str]) {
    assert!(!report.events.iter().any(|e| e.reverted), "{:#?}", report.events);
    for f in functions {
        assert!(
            report.events.iter().any(|e| e.pass == "init-constprop"
                && e.function == *f
                && e.message.contains("under module invariant")
                && e.message.ends_with("proved")),
            "{f}: {:#?}",
            report.events
        );
    }
}

#[test]
fn backpressure_global_loses_the_flag_and_the_refusal_arm() {
    let (module, report) = o2("backpressure_global");
    proved_under_invariant(&report, &["entry"]);
    // gv0 = $backpressure, gv2 = $rejected (written only by the refusal).
    for f in bodies(&module, &["entry", "run_job", "callback", "f10"]) {
        assert!(!reads_global(f, 0), "{} still reads the flag", f.name);
        assert!(!writes_global(f, 2), "{} still counts refusals", f.name);
    }
    // Initialization still sets the flag and reports to the host.
    let init = bodies(&module, &["set_backpressure"]);
    assert!(writes_global(init[0], 0));
}

#[test]
fn backpressure_memory_loses_the_flag_load_and_the_refusal_arm() {
    let (module, report) = o2("backpressure_memory");
    proved_under_invariant(&report, &["entry"]);
    // The flag is the i32 at 1024; the refusal counter at 1036.
    for f in bodies(&module, &["entry", "run_job", "callback", "f9"]) {
        assert!(!touches(f, 1024, false), "{} still loads the flag", f.name);
        assert!(!touches(f, 1036, true), "{} still counts refusals", f.name);
    }
}

#[test]
fn kitchen_sink_busy_flag_folds_in_every_export() {
    let (module, report) = o2("kitchen_sink");
    proved_under_invariant(&report, &["f_entry"]);
    // gv1 = $f_busy: no function that runs after initialization reads it.
    for d in &module.funcs {
        let FuncBody::Ir(f) = &d.body else { continue };
        if f.name != "f12" {
            assert!(!reads_global(f, 1), "{} still reads the busy flag", f.name);
        }
    }
    // The refusal (task-return shim called with -1) is gone from the entry.
    let entry = bodies(&module, &["f_entry"]);
    assert!(!ops(entry[0]).any(|(op, _, args)| op == Opcode::Call && args.first() == Some(&Some(-1))));
}

#[test]
fn backpressure_negative_keeps_its_flag_and_checks() {
    let (module, report) = o2("backpressure_negative");
    assert!(
        report.events.iter().any(|e| e.pass == "init-constprop"
            && e.message.starts_with("global gv0,")
            && e.message
                .contains("not a candidate: fn4 (`set_backpressure`) writes it with a value that is not a constant")),
        "{:#?}",
        report.events
    );
    assert!(!report.events.iter().any(|e| e.pass == "init-constprop"
        && e.message.contains("folded")
        && !e.message.starts_with("nothing folded")));
    let entry = bodies(&module, &["entry"]);
    assert!(reads_global(entry[0], 0), "the entry must still test the flag");
}

/// The survey of the jco P3 components: for every core module of every
/// component, what `init-constprop` finds and folds, or why nothing (the
/// notes it leaves), printed as one line per note
/// (`cargo test -p weft-tests --test init_constprop -- --nocapture`).
/// Every core module gets at least one note, and no change is reverted
/// under strict verification.
#[test]
fn jco_components_survey() {
    let root = shared_dir().join("corpus").join("jco-p3");
    let components = weft_tests::files_with_ext(&root, "wasm", true);
    assert!(components.len() >= 40, "expected the jco-p3 components in {}", root.display());
    let config = weft::Config {
        passes: Some(vec!["init-constprop".into()]),
        verify: weft::VerifyMode::Strict,
        ..weft::Config::default()
    };
    let manager = weft::manager(&config).expect("manager");
    let (mut modules, mut folded) = (0, 0);
    for path in components {
        let bytes = std::fs::read(&path).expect("readable");
        let rel = path.strip_prefix(&root).unwrap_or(&path).display().to_string();
        let ranges = weft_frontend::core_module_ranges(&bytes).expect("a component");
        for (k, range) in ranges.into_iter().enumerate() {
            let (mut module, _) = weft_frontend::translate_module(&bytes[range]).expect("translates");
            let report = manager.run_module_with(&mut module, &mut weft_passes::manager::NoHook);
            modules += 1;
            assert!(!report.events.iter().any(|e| e.reverted), "{rel}#{k}: {:#?}", report.events);
            let notes: Vec<&str> = report
                .events
                .iter()
                .filter(|e| e.pass == "init-constprop" && e.function == "module")
                .map(|e| e.message.as_str())
                .collect();
            assert!(!notes.is_empty(), "{rel}#{k}: no note");
            folded += usize::from(notes.iter().any(|n| n.contains("read(s) of")));
            for n in notes {
                println!("init-constprop {rel}#{k}: {n}");
            }
        }
    }
    println!("init-constprop on jco-p3: {modules} core modules, {folded} with reads folded");
}

//! End-to-end tests of the `weft` command: exit codes, errors on bad input,
//! no output on failure, determinism, components.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn weft() -> Command {
    Command::new(env!("CARGO_BIN_EXE_weft"))
}

fn tmp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir.join(name)
}

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/callback.wat")
}

fn run(cmd: &mut Command) -> (i32, String, String) {
    let Output { status, stdout, stderr } = cmd.output().expect("weft runs");
    (
        status.code().unwrap_or(-1),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// A valid module with one function, as bytes.
fn small_module() -> Vec<u8> {
    wat::parse_str(r#"(module (func (export "f") (param i32) (result i32) local.get 0 i32.const 1 i32.add))"#).unwrap()
}

fn assert_input_error(name: &str, bytes: &[u8], needle: &str) {
    let input = tmp(&format!("{name}.wasm"));
    let output = tmp(&format!("{name}.out.wasm"));
    std::fs::write(&input, bytes).unwrap();
    let _ = std::fs::remove_file(&output);
    let (code, _out, err) = run(weft().arg("opt").arg(&input).arg("-o").arg(&output));
    assert_eq!(code, 1, "{name}: exit code; stderr: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{name}: one-line error, got: {err}");
    assert!(err.contains("offset"), "{name}: the error names the offset: {err}");
    assert!(err.contains(needle), "{name}: expected `{needle}` in: {err}");
    assert!(!err.contains("panicked"), "{name}: panic: {err}");
    assert!(!output.exists(), "{name}: no output file may be written");
}

#[test]
fn malformed_inputs_are_clear_errors_without_output() {
    let good = small_module();
    assert_input_error("truncated", &good[..good.len() - 3], "error at offset");
    let mut bad_magic = good.clone();
    bad_magic[1] = b'x';
    assert_input_error("bad_magic", &bad_magic, "error at offset");
    // An unknown section id after the header.
    let mut bad_section = good[..8].to_vec();
    bad_section.extend_from_slice(&[0x7f, 0x01, 0x00]);
    assert_input_error("bad_section", &bad_section, "error at offset");
    // A body that does not type-check: i32.add with one operand.
    let mut body = good.clone();
    // Replace `local.get 0` (0x20 0x00) by `nop nop` so i32.add lacks an operand.
    let at = body.windows(2).rposition(|w| w == [0x20, 0x00]).unwrap();
    body[at] = 0x01;
    body[at + 1] = 0x01;
    assert_input_error("invalid_body", &body, "in function 0");
    // A section declaring 1 GiB of content.
    let mut huge = good[..8].to_vec();
    huge.push(0x01); // type section
    huge.extend_from_slice(&[0x80, 0x80, 0x80, 0x80, 0x04]); // 1 GiB
    huge.extend_from_slice(&[0x00; 4]);
    assert_input_error("huge_size", &huge, "error at offset");
}

#[test]
fn unknown_pass_is_a_usage_error_listing_valid_passes() {
    let out = tmp("unknown.wasm");
    let (code, _, err) = run(weft().arg("opt").arg(example()).arg("--passes").arg("dce,nosuch").arg("-o").arg(&out));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown pass `nosuch`") && err.contains("dce"), "{err}");
    assert!(!out.exists());
}

#[test]
fn pass_parameters_are_used_and_checked() {
    // The example's callback has few cases: the default thresholds leave
    // them a compare chain, a forced threshold makes a br_table.
    let wat = tmp("forced.wat");
    let (code, _, err) = run(weft()
        .arg("opt")
        .arg(example())
        .arg("--passes")
        .arg("sccp,simplify-cfg,switch-recovery<min-cases-for-table=2;min-density=0.1>,dce")
        .arg("-S")
        .arg("-o")
        .arg(&wat));
    assert_eq!(code, 0, "{err}");
    assert!(std::fs::read_to_string(&wat).unwrap().contains("br_table"), "a forced table is emitted");
    let out = tmp("badparam.wasm");
    let (code, _, err) =
        run(weft().arg("opt").arg(example()).arg("--passes").arg("switch-recovery<min-density=7>").arg("-o").arg(&out));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("min-density") && err.contains("between 0 and 1"), "{err}");
    assert!(!out.exists());
    let (code, listing, _) = run(weft().arg("passes"));
    assert_eq!(code, 0);
    assert!(listing.contains("switch-recovery-size") && listing.contains("min-cases-for-table"), "{listing}");
}

#[test]
fn missing_input_file_is_an_input_error() {
    let (code, _, err) = run(weft().arg("opt").arg("/nonexistent/x.wasm").arg("-o").arg(tmp("x.wasm")));
    assert_eq!(code, 1, "{err}");
}

#[test]
fn output_is_deterministic_across_runs_and_thread_counts() {
    let mut outputs = Vec::new();
    for (i, threads) in [None, None, Some("1"), Some("2")].into_iter().enumerate() {
        let out = tmp(&format!("det{i}.wasm"));
        let mut cmd = weft();
        cmd.arg("opt").arg(example()).arg("-O2").arg("-o").arg(&out);
        if let Some(t) = threads {
            cmd.env("RAYON_NUM_THREADS", t);
        }
        let (code, _, err) = run(&mut cmd);
        assert_eq!(code, 0, "{err}");
        outputs.push(std::fs::read(&out).unwrap());
    }
    assert!(outputs.windows(2).all(|w| w[0] == w[1]), "-O2 output differs between runs or thread counts");
}

#[test]
fn stats_report_and_text_outputs() {
    let out = tmp("stats.wasm");
    let report = tmp("report.json");
    let (code, _, err) = run(weft()
        .arg("opt")
        .arg(example())
        .arg("-O2")
        .arg("--stats")
        .arg("--report")
        .arg(&report)
        .arg("-o")
        .arg(&out));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("insts in") && err.contains("dce"), "stats table on stderr: {err}");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert!(json["passes"].as_array().is_some_and(|p| !p.is_empty()), "{json}");
    wasmparser::Validator::new().validate_all(&std::fs::read(&out).unwrap()).expect("output validates");

    let (code, wat, err) = run(weft().arg("opt").arg(example()).arg("-S"));
    assert_eq!(code, 0, "{err}");
    assert!(wat.starts_with("(module"), "{wat}");
    let (code, ir, err) = run(weft().arg("print").arg(example()));
    assert_eq!(code, 0, "{err}");
    assert!(ir.contains("function %") && ir.contains("block0("), "{ir}");
    let (code, dot, err) = run(weft().arg("opt").arg(example()).arg("--emit").arg("dot"));
    assert_eq!(code, 0, "{err}");
    assert!(dot.contains("digraph"), "{dot}");
}

#[test]
fn check_command_proves_and_refutes() {
    let src = tmp("src.ir");
    let good = tmp("good.ir");
    let bad = tmp("bad.ir");
    std::fs::write(&src, "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.const 2\n    v2 = i32.mul v0, v1\n    return v2\n}\n").unwrap();
    std::fs::write(&good, "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.add v0, v0\n    return v1\n}\n")
        .unwrap();
    std::fs::write(&bad, "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.const 1\n    v2 = i32.shl v0, v1\n    v3 = i32.add v2, v1\n    return v3\n}\n").unwrap();
    let (code, out, err) = run(weft().arg("check").arg(&src).arg(&good));
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(weft().arg("check").arg(&src).arg(&bad));
    assert_eq!(code, 3, "{out}{err}");
}

/// Writes `text` to a temporary `.ir` file.
fn ir_file(name: &str, text: &str) -> PathBuf {
    let p = tmp(&format!("{name}.ir"));
    std::fs::write(&p, text).unwrap();
    p
}

const SUM_LOOP: &str = "function %sum(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 0
    jump block1(v1, v1)
block1(v2: i32, v3: i32):
    v4 = i32.lt_u v2, v0
    brif v4, block2, block3
block2:
    v5 = i32.add v3, v2
    v6 = i32.const 1
    v7 = i32.add v2, v6
    jump block1(v7, v5)
block3:
    return v3
}
";

#[test]
fn check_exit_statuses_tell_proved_bounded_refuted_and_unknown_apart() {
    let sum = ir_file("sum", SUM_LOOP);
    // Proved by induction: 0.
    let commuted = ir_file("sum_commuted", &SUM_LOOP.replace("i32.add v3, v2", "i32.add v2, v3"));
    let (code, out, err) = run(weft().arg("check").arg(&sum).arg(&commuted));
    assert_eq!(code, 0, "{out}{err}");
    // Differs from iteration 6 on: refuted by the larger bound (3), and with
    // `--unroll-bound 2` (retry at 8) as well. The retry runs only when the
    // first unrolling took under a tenth of the check's budget (three query
    // timeouts): a long timeout keeps that true on a loaded machine.
    let six = ir_file(
        "sum_six",
        &SUM_LOOP.replace(
            "    v5 = i32.add v3, v2\n",
            "    v20 = i32.const 6\n    v21 = i32.eq v2, v20\n    v22 = i32.add v3, v2\n    v5 = i32.add v22, v21\n",
        ),
    );
    let (code, out, err) = run(weft().arg("check").arg(&sum).arg(&six).args(["--timeout-ms", "100000"]));
    assert_eq!(code, 3, "{out}{err}");
    let (code, out, err) =
        run(weft().arg("check").arg(&sum).arg(&six).args(["--unroll-bound", "2", "--timeout-ms", "100000"]));
    assert_eq!(code, 3, "{out}{err}");
    // Equal below 2^31 iterations only: bounded, a status of its own (4),
    // said in one line.
    let wide = SUM_LOOP
        .replace("(i32) -> i32", "(i32) -> i64")
        .replace("block3:\n    return v3", "block3:\n    v8 = i64.extend_i32_u v3\n    return v8");
    let narrow = wide.replace("i64.extend_i32_u", "i64.extend_i32_s");
    let (code, out, err) = run(weft().arg("check").arg(ir_file("wide", &wide)).arg(ir_file("narrow", &narrow)));
    assert_eq!(code, 4, "{out}{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("not proved") && err.contains("loop header"), "{err}");
    // A removed infinite loop: no source run finishes, unknown (5).
    let forever = ir_file(
        "forever",
        "function %f(i32) -> i32 {\nblock0(v0: i32):\n    jump block1(v0)\nblock1(v1: i32):\n    jump block1(v1)\n}\n",
    );
    let ret = ir_file("ret", "function %f(i32) -> i32 {\nblock0(v0: i32):\n    return v0\n}\n");
    let (code, out, err) = run(weft().arg("check").arg(&forever).arg(&ret));
    assert_eq!(code, 5, "{out}{err}");
    let (_, help, _) = run(weft().args(["check", "--help"]));
    for status in ["0  proved", "3  counterexample", "4  proved only up to a loop bound", "5  unknown"] {
        assert!(help.contains(status), "`weft check --help` documents `{status}`:\n{help}");
    }
}

#[test]
fn check_models_grows_nans_and_callees_as_asked() {
    let size = ir_file(
        "size",
        "function %f() -> i32 {\n    mem0 = memory min=1\n\nblock0:\n    v0 = memory.size mem0\n    return v0\n}\n",
    );
    let grow = ir_file(
        "grow0",
        "function %f() -> i32 {\n    mem0 = memory min=1\n\nblock0:\n    v1 = i32.const 0\n    v0 = memory.grow mem0 v1\n    return v0\n}\n",
    );
    let (code, out, err) = run(weft().arg("check").arg(&size).arg(&grow));
    assert_eq!(code, 3, "a grow may fail: {out}{err}");
    let (code, out, err) = run(weft().arg("check").arg(&size).arg(&grow).arg("--assume-grow-succeeds").arg("--stats"));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("assuming every memory.grow"), "the assumption is listed: {out}");
    let sub = ir_file(
        "sub0",
        "function %f(f32) -> f32 {\nblock0(v0: f32):\n    v1 = f32.const 0.0\n    v2 = f32.sub v0, v1\n    return v2\n}\n",
    );
    let id = ir_file("id", "function %f(f32) -> f32 {\nblock0(v0: f32):\n    return v0\n}\n");
    let (code, out, err) = run(weft().arg("check").arg(&sub).arg(&id));
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(weft().arg("check").arg(&sub).arg(&id).arg("--nan=exact"));
    assert_eq!(code, 3, "{out}{err}");
    // A call checked against the callee's body given in the source file.
    let caller = ir_file(
        "caller",
        "function %f(i32) -> i32 {\n    fn1 = (i32) -> i32\n\nblock0(v0: i32):\n    v1 = call fn1(v0)\n    return v1\n}\n\nfunction %g(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.const 3\n    v2 = i32.mul v0, v1\n    return v2\n}\n; callee: fn1\n",
    );
    let inlined = ir_file(
        "inlined",
        "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.const 3\n    v2 = i32.mul v0, v1\n    return v2\n}\n",
    );
    let (code, out, err) = run(weft().arg("check").arg(&caller).arg(&inlined));
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn every_jco_p3_component_optimizes_to_a_valid_component() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/jco-p3");
    assert!(root.is_dir(), "missing test material: {}", root.display());
    let mut files = Vec::new();
    let mut stack = vec![root];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "wasm") {
                files.push(p);
            }
        }
    }
    files.sort();
    assert!(!files.is_empty());
    let mut ok = 0;
    for f in &files {
        let out = tmp("jco.wasm");
        let (code, _, err) = run(weft().arg("opt").arg(f).arg("-O2").arg("-o").arg(&out));
        assert_eq!(code, 0, "{}: {err}", f.display());
        let bytes = std::fs::read(&out).unwrap();
        wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all())
            .validate_all(&bytes)
            .unwrap_or_else(|e| panic!("{}: output does not validate: {e}", f.display()));
        ok += 1;
    }
    println!("jco-p3: {ok} of {} components optimized to valid components", files.len());
}

/// `--print-ir=PASS` prints the module's IR once, after that pass;
/// `--print-ir` prints it after every pass, in pipeline order; `weft passes`
/// lists every pass and the parameters of those that take some.
#[test]
fn print_ir_after_passes_and_the_pass_list() {
    let (code, _, err) = run(weft().arg("opt").arg(example()).arg("-O2").arg("--print-ir=dce").arg("-S"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("; IR after ").count(), 1, "{err}");
    assert!(err.contains("; IR after dce\n") && err.contains("function %"), "{err}");
    let (code, _, err) = run(weft().arg("opt").arg(example()).arg("-O2").arg("--print-ir").arg("-S"));
    assert_eq!(code, 0, "{err}");
    let after: Vec<&str> = err.lines().filter_map(|l| l.strip_prefix("; IR after ")).collect();
    assert_eq!(after, weft_passes::pipelines::pipeline_names(weft::OptLevel::O2), "{err}");
    let (code, list, err) = run(weft().arg("passes"));
    assert_eq!(code, 0, "{err}");
    for p in weft_passes::passes() {
        assert!(list.contains(p.name), "{list}");
    }
    assert!(list.contains("instcombine") && list.contains("parameters: min-cases-for-table"), "{list}");
}

/// `weft::optimize_function` runs the configured function passes on one IR
/// function and reports each one.
#[test]
fn optimize_function_runs_the_passes_on_one_function() {
    let mut func = weft_ir::parse_function(
        "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 0
    v2 = i32.add v0, v1
    brif v1, block1, block2
block1:
    jump block2
block2:
    return v2
}
",
    )
    .unwrap();
    let report = weft::optimize_function(&mut func, &weft::Config::default()).unwrap();
    // Module passes need the module: a lone function gets the function passes.
    let function_passes: Vec<&str> = weft_passes::pipelines::pipeline(weft::OptLevel::O2)
        .unwrap()
        .into_iter()
        .filter(|p| matches!((p.make)(), weft_passes::AnyPass::Function(_)))
        .map(|p| p.name)
        .collect();
    assert_eq!(report.passes.iter().map(|p| p.name).collect::<Vec<_>>(), function_passes);
    assert!(report.events.is_empty(), "{:?}", report.events);
    assert_eq!(func.display().to_string(), "function %f(i32) -> i32 {\nblock0(v0: i32):\n    return v0\n}\n");
}

/// The filetests of one suite directory, as `weft test` finds them.
fn filetests_in(suite: &str) -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/filetests").join(suite);
    std::fs::read_dir(&dir).unwrap().flatten().filter(|e| e.path().extension().is_some_and(|x| x == "ir")).count()
}

#[test]
fn test_command_runs_just_the_named_files() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/filetests");
    let (code, out, err) = run(weft().arg("test").arg(dir.join("passes/dce")));
    assert_eq!(code, 0, "{out}{err}");
    let n = filetests_in("passes/dce");
    assert!(out.contains(&format!("filetests: {n} passed, 0 failed")), "{out}");
    let (code, out, err) =
        run(weft().arg("test").arg(dir.join("passes/dce")).arg(dir.join("verifier/several_errors.ir")));
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(&format!("filetests: {} passed", n + 1)), "{out}");
    let (code, _, err) = run(weft().arg("test").arg(dir.join("no/such/dir")));
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("no such file or directory"), "{err}");
}

#[test]
fn test_command_reports_one_line_per_failed_file_and_blesses() {
    let good = tmp("ft_good.ir");
    let bad = tmp("ft_bad.ir");
    let precise = tmp("ft_precise.ir");
    let body = "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.const 7\n    return v0\n}\n";
    std::fs::write(&good, format!("test pass dce\n\n{body}; check: return v0\n; not: i32.const\n")).unwrap();
    std::fs::write(&bad, format!("test pass dce\n\n{body}; check: v1 = i32.const 7\n")).unwrap();
    std::fs::write(&precise, format!("test pass dce precise-output\n\n{body}")).unwrap();
    let (code, out, err) = run(weft().arg("test").arg(&good).arg(&bad).arg(&precise));
    assert_eq!(code, 1, "{out}{err}");
    let fails: Vec<&str> = out.lines().filter(|l| l.starts_with("FAIL ")).collect();
    assert_eq!(fails.len(), 2, "{out}");
    assert!(fails[0].contains("ft_bad.ir") && fails[0].contains("check failed"), "{out}");
    assert!(fails[1].contains("ft_precise.ir") && fails[1].contains("no `; output:` block"), "{out}");
    assert!(out.contains("filetests: 1 passed, 2 failed"), "{out}");
    // Bless writes the output block of the precise file; the check lines of
    // the other stay as they are, and it still fails.
    let bad_before = std::fs::read_to_string(&bad).unwrap();
    let (code, out, err) = run(weft().arg("test").arg(&bad).arg(&precise).env("WEFT_BLESS", "1"));
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains("BLESSED") && out.contains("ft_precise.ir"), "{out}");
    assert_eq!(std::fs::read_to_string(&bad).unwrap(), bad_before);
    let blessed = std::fs::read_to_string(&precise).unwrap();
    assert!(
        blessed.ends_with("; output:\n; function %f(i32) -> i32 {\n; block0(v0: i32):\n;     return v0\n; }\n"),
        "{blessed}"
    );
    let (code, out, err) = run(weft().arg("test").arg(&precise));
    assert_eq!(code, 0, "{out}{err}");
    let (code, out, err) = run(weft().arg("test").arg("--bless").arg(&precise));
    assert_eq!(code, 0, "{out}{err}");
    assert!(!out.contains("BLESSED"), "{out}");
    assert_eq!(std::fs::read_to_string(&precise).unwrap(), blessed, "bless on a passing file is a no-op");
}

#[test]
fn opt_runs_passes_on_ir_input() {
    let input = tmp("in.ir");
    let output = tmp("out.ir");
    let text = "; Two functions.\nfunction %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.const 7\n    jump block1\nblock1:\n    return v0\n}\n\nfunction %g() -> i32 {\nblock0:\n    v0 = i32.const 1\n    v1 = i32.const 2\n    v2 = i32.add v0, v1\n    return v2\n}\n";
    std::fs::write(&input, text).unwrap();
    let (code, out, err) = run(weft().arg("opt").arg(&input).arg("--passes").arg("dce"));
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        out,
        "function %f(i32) -> i32 {\nblock0(v0: i32):\n    jump block1\nblock1:\n    return v0\n}\n\nfunction %g() -> i32 {\nblock0:\n    v0 = i32.const 1\n    v1 = i32.const 2\n    v2 = i32.add v0, v1\n    return v2\n}\n"
    );
    // A pipeline, checked, written with -o as IR text that parses again.
    let (code, out, err) =
        run(weft().arg("opt").arg(&input).arg("-O2").arg("--verify").arg("--emit").arg("ir").arg("-o").arg(&output));
    assert_eq!(code, 0, "{out}{err}");
    let written = std::fs::read_to_string(&output).unwrap();
    assert!(written.contains("function %f") && written.contains("function %g"), "{written}");
    assert!(written.contains("v2 = i32.const 3") && !written.contains("jump"), "-O2 folds and merges: {written}");
    let (code, dot, err) = run(weft().arg("opt").arg(&input).arg("-O0").arg("--emit").arg("dot"));
    assert_eq!(code, 0, "{err}");
    assert!(dot.contains("// %g") && dot.contains("digraph"), "{dot}");
}

#[test]
fn ir_input_errors_are_clear_and_write_nothing() {
    let output = tmp("bad_out.ir");
    let _ = std::fs::remove_file(&output);
    let cases = [
        (
            "syntax.ir",
            "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.bogus v0\n    return v1\n}\n",
            "syntax.ir:3:10: unknown opcode `i32.bogus`",
        ),
        (
            "types.ir",
            "function %f(i32) -> i64 {\nblock0(v0: i32):\n    return v0\n}\n",
            "function %f does not verify: inst0: `return` returns (i32), the function returns (i64)",
        ),
        ("empty.ir", "; nothing here\n", "no functions"),
    ];
    for (name, text, needle) in cases {
        let input = tmp(name);
        std::fs::write(&input, text).unwrap();
        let (code, _, err) = run(weft().arg("opt").arg(&input).arg("-o").arg(&output));
        assert_eq!(code, 1, "{name}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{name}: one line: {err}");
        assert!(err.contains(needle), "{name}: expected `{needle}` in {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(!output.exists(), "{name}: no output may be written");
    }
    let input = tmp("ok.ir");
    std::fs::write(&input, "function %f(i32) -> i32 {\nblock0(v0: i32):\n    return v0\n}\n").unwrap();
    let (code, _, err) = run(weft().arg("opt").arg(&input).arg("-S"));
    assert_eq!(code, 2, "IR input is not written as wat: {err}");
}

#[test]
fn p3_facts_are_printed_and_assume_events_is_checked() {
    let out = tmp("facts.wasm");
    let (code, _, stderr) =
        run(weft().arg("opt").arg(example()).arg("-o").arg(&out).arg("--assume-events=stream-read,bogus"));
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("unknown event `bogus`"), "{stderr}");
    assert!(stderr.contains("stream-read (2)") && stderr.contains("task-cancelled (6)"), "{stderr}");

    let (code, _, stderr) = run(weft().arg("opt").arg(example()).arg("-o").arg(&out).arg("--stats"));
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("p3-facts: events from imports {"), "{stderr}");
    assert!(stderr.contains("p3-facts: callback `[callback][async-lift]"), "{stderr}");

    let report = tmp("facts.json");
    let (code, _, stderr) = run(weft()
        .arg("opt")
        .arg(example())
        .arg("-o")
        .arg(&out)
        .arg("--assume-events=2,task_cancelled")
        .arg("--stats")
        .arg("--report")
        .arg(&report));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("p3-facts: events assumed {stream-read (2), task-cancelled (6)} (--assume-events)"),
        "{stderr}"
    );
    let json = std::fs::read_to_string(&report).unwrap();
    assert!(json.contains("events assumed {stream-read (2), task-cancelled (6)}"), "{json}");
}

#[test]
fn count_checks_prints_the_checks_before_and_after() {
    // One explicit check (`i >=u 4` traps), kept by -O2.
    let input = tmp("checks.wat");
    std::fs::write(
        &input,
        r#"(module (memory 1) (func (export "f") (param i32) (result i32)
            local.get 0 i32.const 4 i32.ge_u if unreachable end
            local.get 0 i32.load))"#,
    )
    .unwrap();
    let output = tmp("checks.out.wasm");
    let (code, _out, err) = run(weft().arg("opt").arg(&input).arg("-o").arg(&output).arg("--count-checks"));
    assert_eq!(code, 0, "{err}");
    // The numbers of a row: before, after (and the call sites before and
    // after, for a never-returning callee).
    let row = |name: &str| {
        err.lines()
            .find(|l| l.starts_with(name))
            .map(|l| l.split_whitespace().filter(|w| w.parse::<u64>().is_ok()).collect::<Vec<_>>())
    };
    assert_eq!(row("trap"), Some(vec!["1", "1"]), "{err}");
    assert_eq!(row("total"), Some(vec!["1", "1"]), "{err}");
    assert_eq!(row("call panic_bounds_check"), Some(vec!["0", "0", "0", "0"]), "{err}");
    let (code, _out, err) = run(weft().arg("opt").arg("x.ir").arg("--count-checks"));
    assert_eq!(code, 2, "IR input has no module to count in: {err}");
}

/// A module where `inline` has work: a tiny helper called twice and a
/// single-caller function.
const INLINE_MODULE: &str = r#"(module
  (memory 1)
  (global $g (mut i32) (i32.const 0))
  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func $once (param i32 i32) (result i32)
    (if (result i32) (i32.lt_u (local.get 0) (local.get 1))
      (then (i32.store (local.get 0) (local.get 1)) (i32.load (local.get 1)))
      (else (global.set $g (local.get 0)) (call $sq (local.get 1)))))
  (func (export "main") (param i32 i32) (result i32)
    (i32.add (call $sq (local.get 0)) (call $once (local.get 0) (local.get 1)))))"#;

#[test]
fn optimize_takes_looms_command_line() {
    let input = tmp("loom_in.wat");
    std::fs::write(&input, INLINE_MODULE).unwrap();
    // Bazel's rules_wasm_component: `optimize IN -o OUT --stats [--verify]
    // [--wat] [--attestation false] [--passes a,b]`.
    let out = tmp("loom_out.wasm");
    let (code, _, err) = run(weft().args(["optimize"]).arg(&input).arg("-o").arg(&out).args([
        "--stats",
        "--verify",
        "--attestation",
        "false",
        "--passes",
        "inline,dce-functions,dce",
    ]));
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("inline: function 2"), "inline ran: {err}");
    assert!(err.contains("module-dce: removed 2 functions"), "dce-functions ran: {err}");
    assert!(err.contains("functions changed: 2 (2 proved, 0 kept unproved, 0 reverted)"), "{err}");
    assert!(!err.contains("warning"), "attestation false is silent: {err}");
    let bytes = std::fs::read(&out).unwrap();
    wasmparser::Validator::new().validate_all(&bytes).expect("valid output");
    let text = wasmprinter::print_bytes(&bytes).unwrap();
    assert!(!text.contains("call "), "every call is inlined: {text}");

    // The older form `-i IN`, text output, and the flags weft ignores.
    let wat = tmp("loom_out.wat");
    let (code, _, err) = run(weft().args(["optimize", "-i"]).arg(&input).arg("-o").arg(&wat).args([
        "--wat",
        "--attestation",
        "true",
        "--islands",
        "4",
        "--facts",
    ]));
    assert_eq!(code, 0, "{err}");
    for flag in ["--attestation", "--islands", "--facts"] {
        assert!(err.contains(&format!("warning: {flag} is ignored")), "{flag}: {err}");
    }
    assert!(std::fs::read_to_string(&wat).unwrap().starts_with("(module"));
}

#[test]
fn optimize_refuses_unknown_pass_names_listing_both_sets() {
    let input = tmp("loom_bad_in.wat");
    std::fs::write(&input, INLINE_MODULE).unwrap();
    let out = tmp("loom_bad_out.wasm");
    let _ = std::fs::remove_file(&out);
    let (code, _, err) = run(weft().arg("optimize").arg(&input).arg("-o").arg(&out).args(["--passes", "inline,turbo"]));
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("unknown pass name(s): turbo"), "{err}");
    assert!(err.contains("Loom pass names: directize, inline"), "{err}");
    assert!(err.contains("weft pass names: dce"), "{err}");
    assert!(!out.exists(), "no output on a usage error");
}

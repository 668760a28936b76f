//! The library's per-function contract (`docs/embedding.md`): each changed
//! function is proved, kept unproved, or reverted, with the reason; and
//! the `embed` example that shows it.

use weft::{Config, VerdictStatus, VerifyMode, function_outcomes};

const MODULE: &str = r#"(module
  (func $sq (param i32) (result i32) (i32.mul (local.get 0) (local.get 0)))
  (func (export "f") (param i32) (result i32)
    (i32.add (call $sq (local.get 0)) (i32.add (local.get 0) (i32.const 0)))))"#;

fn outcomes(verify: VerifyMode, budget_ms: Option<u64>) -> Vec<weft::FunctionOutcome> {
    let verify_options = weft_verify::Options { budget_ms, ..Default::default() };
    let config = Config { verify, verify_options, ..Config::default() };
    let (out, report) = weft::optimize(MODULE.as_bytes(), &config).expect("optimizes");
    wasmparser::Validator::new().validate_all(&out).expect("valid output");
    function_outcomes(&report)
}

#[test]
fn every_changed_function_has_a_verdict_with_its_reason() {
    // Checked: every change proved.
    let proved = outcomes(VerifyMode::Strict, None);
    assert!(!proved.is_empty());
    for o in &proved {
        assert_eq!(o.status(), VerdictStatus::Proved, "{o:?}");
        assert!(o.unproved.is_empty() && o.reverted.is_empty(), "{o:?}");
    }
    let f = proved.iter().find(|o| o.function == "f1").expect("the export changed");
    assert!(f.proved.contains(&"inline"), "{f:?}");

    // No time to check: strict mode reverts each change, naming why.
    let reverted = outcomes(VerifyMode::Strict, Some(0));
    assert_eq!(reverted.len(), proved.len(), "the same functions were changed");
    for o in &reverted {
        assert_eq!(o.status(), VerdictStatus::Reverted, "{o:?}");
        assert!(o.reverted.iter().all(|(_, why)| why.starts_with("unknown")), "{o:?}");
    }

    // Lenient mode keeps them unproved; unchecked runs say so.
    for (verify, budget, reason) in
        [(VerifyMode::Lenient, Some(0), "unknown"), (VerifyMode::Off, None, "not checked (verification off)")]
    {
        let kept = outcomes(verify, budget);
        assert!(!kept.is_empty());
        for o in &kept {
            assert_eq!(o.status(), VerdictStatus::KeptUnproved, "{o:?}");
            assert!(o.unproved.iter().all(|(_, why)| why.starts_with(reason)), "{o:?}");
        }
    }
}

#[test]
fn the_embed_example_reports_each_function() {
    // `cargo test` builds the package's examples next to its test binaries.
    let exe = std::env::current_exe().expect("test binary path");
    let dir = exe.parent().and_then(|d| d.parent()).expect("target directory");
    let example = dir.join("examples").join(format!("embed{}", std::env::consts::EXE_SUFFIX));
    assert!(example.exists(), "{} is missing: run through `cargo test -p weft`", example.display());
    let tmp = std::env::temp_dir().join(format!("weft-embed-{}", std::process::id()));
    std::fs::create_dir_all(&tmp).unwrap();
    let input = tmp.join("in.wat");
    let output = tmp.join("out.wasm");
    std::fs::write(&input, MODULE).unwrap();
    let run = std::process::Command::new(&example).arg(&input).arg(&output).output().expect("runs");
    let stdout = String::from_utf8_lossy(&run.stdout);
    assert!(run.status.success(), "{stdout}{}", String::from_utf8_lossy(&run.stderr));
    assert!(stdout.contains("f1: proved (proved by inline"), "{stdout}");
    wasmparser::Validator::new().validate_all(&std::fs::read(&output).unwrap()).expect("valid output");
}

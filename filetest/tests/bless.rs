//! Blessing: expected output rewritten in place from a run, then the file
//! passes; a passing file is left byte for byte; a file whose other checks
//! fail, and `; check:` lines, are never rewritten. Also: a module pass in
//! `test pass` is refused with a pointer to its module tests.

use std::path::PathBuf;

use weft_filetest::{RunOptions, Status, run_file};

const BLESS: RunOptions = RunOptions { bless: true };
const CHECK: RunOptions = RunOptions { bless: false };

/// Writes `text` to a fresh file named `name` and returns its path.
fn file(name: &str, text: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("weft-filetest-bless-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

fn read(path: &PathBuf) -> String {
    std::fs::read_to_string(path).unwrap()
}

fn failure(status: Status) -> String {
    match status {
        Status::Failed(reason) => reason,
        other => panic!("expected a failure, got {other:?}"),
    }
}

/// `dce` removes `v1`; the run line holds before and after.
const DCE: &str = "; dce drops the unused constant.
test pass dce precise-output

function %f(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 7
    return v0
}
; run: %f(3) == 3
";

/// The output block `DCE` must get.
const DCE_BLOCK: &str = "; output:
; function %f(i32) -> i32 {
; block0(v0: i32):
;     return v0
; }
";

#[test]
fn bless_writes_a_missing_output_block_then_the_file_passes_and_bless_is_a_no_op() {
    let path = file("missing_block.ir", DCE);
    let reason = failure(run_file(&path, CHECK).status);
    assert!(reason.contains("no `; output:` block"), "{reason}");
    assert_eq!(read(&path), DCE, "a failing run without bless writes nothing");

    assert_eq!(run_file(&path, BLESS).status, Status::Blessed);
    assert_eq!(read(&path), format!("{DCE}{DCE_BLOCK}"));

    assert_eq!(run_file(&path, CHECK).status, Status::Passed);
    let before = read(&path);
    assert_eq!(run_file(&path, BLESS).status, Status::Passed);
    assert_eq!(read(&path), before, "bless on a passing file changes nothing");
}

#[test]
fn bless_replaces_a_stale_output_block_in_place() {
    let stale =
        "; output:\n; function %f(i32) -> i32 {\n; block0(v0: i32):\n;     v1 = i32.const 7\n;     return v0\n; }\n";
    let text = format!("{}{stale}; run: %f(4) == 4\n", DCE);
    let path = file("stale_block.ir", &text);
    let reason = failure(run_file(&path, CHECK).status);
    assert!(reason.contains("output differs") && reason.contains("-     v1 = i32.const 7"), "{reason}");
    assert_eq!(run_file(&path, BLESS).status, Status::Blessed);
    assert_eq!(read(&path), format!("{DCE}{DCE_BLOCK}; run: %f(4) == 4\n"), "the run line after the block stays");
    assert_eq!(run_file(&path, CHECK).status, Status::Passed);
}

#[test]
fn bless_writes_nothing_when_another_check_fails() {
    let text = DCE.replace("%f(3) == 3", "%f(3) == 4");
    let path = file("bad_run_line.ir", &text);
    let reason = failure(run_file(&path, BLESS).status);
    assert!(reason.contains("before the pass"), "{reason}");
    assert_eq!(read(&path), text);
}

#[test]
fn bless_leaves_check_lines_alone() {
    let text = DCE.replace(" precise-output", "") + "; check: v1 = i32.const 7\n";
    let path = file("check_lines.ir", &text);
    let reason = failure(run_file(&path, BLESS).status);
    assert!(reason.contains("check failed"), "{reason}");
    assert_eq!(read(&path), text, "bless cannot invent check patterns");
}

/// Two errors: `v1` is used (by inst0) before its definition, and the
/// `return` (inst2) returns an i32 from a function returning i64.
const VERIFIER: &str = "test verifier

function %f(i32) -> i64 {
block0(v0: i32):
    v2 = i32.add v1, v0
    v1 = i32.const 1
    return v1
}
";

const VERIFIER_LINES: &str = "; error: inst0: v1 is used before its definition in block0
; error: inst2: `return` returns (i32), the function returns (i64)
";

#[test]
fn verifier_errors_are_checked_with_their_location() {
    let path = file("verifier_ok.ir", &format!("{VERIFIER}{VERIFIER_LINES}"));
    assert_eq!(run_file(&path, CHECK).status, Status::Passed);
    // The same message at another instruction is a different error.
    let moved = VERIFIER_LINES.replace("inst2:", "inst1:");
    let path = file("verifier_moved.ir", &format!("{VERIFIER}{moved}"));
    let reason = failure(run_file(&path, CHECK).status);
    assert!(
        reason.contains("expected error `inst1: `return`") && reason.contains("unexpected error `inst2:"),
        "{reason}"
    );
    // A line without a location is malformed.
    let path = file("verifier_bare.ir", &format!("{VERIFIER}; error: v1 is used before its definition in block0\n"));
    let reason = failure(run_file(&path, CHECK).status);
    assert!(reason.contains("LOCATION: MESSAGE"), "{reason}");
    // A missing error fails too.
    let path = file("verifier_missing.ir", &format!("{VERIFIER}{}", VERIFIER_LINES.lines().next().unwrap()));
    let reason = failure(run_file(&path, CHECK).status);
    assert!(reason.contains("unexpected error `inst2:"), "{reason}");
}

#[test]
fn bless_rewrites_verifier_error_lines() {
    let text = format!("{VERIFIER}; error: inst5: something else\n; A note that stays.\n");
    let path = file("verifier_bless.ir", &text);
    assert!(matches!(run_file(&path, CHECK).status, Status::Failed(_)));
    assert_eq!(run_file(&path, BLESS).status, Status::Blessed);
    assert_eq!(read(&path), format!("{VERIFIER}{VERIFIER_LINES}; A note that stays.\n"));
    assert_eq!(run_file(&path, CHECK).status, Status::Passed);
    let before = read(&path);
    assert_eq!(run_file(&path, BLESS).status, Status::Passed);
    assert_eq!(read(&path), before);
}

#[test]
fn a_module_pass_in_test_pass_is_an_error_not_a_test_that_cannot_fail() {
    let text = "test pass sccp, directize\n\nfunction %f(i32) -> i32 {\nblock0(v0: i32):\n    return v0\n}\n";
    let err =
        weft_filetest::FileTest::from_text(std::path::Path::new("m.ir"), text.to_string()).err().expect("rejected");
    assert!(err.contains("`directize` is a module pass") && err.contains("tests/modules/directize/"), "{err}");
    let ok = "test pass sccp\n\nfunction %f(i32) -> i32 {\nblock0(v0: i32):\n    return v0\n}\n";
    assert!(weft_filetest::FileTest::from_text(std::path::Path::new("f.ir"), ok.to_string()).is_ok());
}

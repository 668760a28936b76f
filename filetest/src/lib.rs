//! weft's filetests: reading, running and blessing the text files under
//! `tests/filetests/<suite>/*.ir` (the format is in `docs/filetests.md`).
//!
//! This crate owns the filetest format and its runner ([`runner`]),
//! expected output and blessing ([`expect`]), the analysis dumps that
//! `; check:` lines read ([`dumps`]) and `; run:` lines over the IR
//! interpreter ([`run_line`]). The `weft test` command and the cargo test
//! runner (`cargo test -p weft-tests --test filetests`) both call
//! [`run_files`] and [`report`].
//!
//! It depends on the IR, the passes and the checker only — no wasm tools, no
//! wasmtime — so the `weft` command can depend on it. It owns no compiler
//! logic: everything it checks comes from the other crates.
#![deny(missing_docs)]

pub mod dumps;
pub mod expect;
pub mod run_line;
pub mod runner;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
pub use runner::{
    Command, FileTest, FuncSource, Ran, RefinePair, check_refine_pairs, discover, parse_file_functions, run, run_with,
    split_functions, verify,
};

/// The environment variable that asks for blessing: `WEFT_BLESS=1` (any
/// value but empty and `0`).
pub const BLESS_VAR: &str = "WEFT_BLESS";

/// How to run filetests.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RunOptions {
    /// Rewrite expected output in place instead of failing on it (see
    /// [`expect`]).
    pub bless: bool,
}

impl RunOptions {
    /// Options from the environment: bless when [`BLESS_VAR`] is set.
    pub fn from_env() -> Self {
        RunOptions { bless: std::env::var_os(BLESS_VAR).is_some_and(|v| !v.is_empty() && v != "0") }
    }
}

/// How one file went.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// Every check passed; the file was not written.
    Passed,
    /// Every check passed once the expected output was rewritten (bless).
    Blessed,
    /// A check failed (the reason; nothing was written).
    Failed(String),
}

/// The result of one file.
#[derive(Clone, Debug)]
pub struct FileResult {
    /// The file.
    pub path: PathBuf,
    /// How many functions were checked (0 on failure).
    pub functions: usize,
    /// How it went.
    pub status: Status,
}

/// Runs one filetest file; with `options.bless`, writes the blessed text
/// back to it.
pub fn run_file(path: &Path, options: RunOptions) -> FileResult {
    let result = |functions, status| FileResult { path: path.to_path_buf(), functions, status };
    let test = match FileTest::read(path) {
        Ok(t) => t,
        Err(e) => return result(0, Status::Failed(e)),
    };
    match run_with(&test, options.bless) {
        Ok(Ran { functions, blessed: None }) => result(functions, Status::Passed),
        Ok(Ran { functions, blessed: Some(text) }) => match std::fs::write(path, text) {
            Ok(()) => result(functions, Status::Blessed),
            Err(e) => result(0, Status::Failed(format!("writing the blessed file: {e}"))),
        },
        Err(e) => result(0, Status::Failed(e)),
    }
}

/// Runs the files in parallel; the results are in the order of `paths`.
pub fn run_files(paths: &[PathBuf], options: RunOptions) -> Vec<FileResult> {
    paths.par_iter().map(|p| run_file(p, options)).collect()
}

/// The filetests named by `inputs`: a file stands for itself, a directory
/// for every `.ir` file under it (sorted). A path that does not exist, or a
/// directory without filetests, is an error. Each file is listed once.
pub fn collect(inputs: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut out: Vec<PathBuf> = Vec::new();
    for input in inputs {
        let found = if input.is_dir() {
            let files = discover(input);
            if files.is_empty() {
                return Err(format!("{}: no `.ir` files under this directory", input.display()));
            }
            files
        } else if input.is_file() {
            vec![input.clone()]
        } else {
            return Err(format!("{}: no such file or directory", input.display()));
        };
        for f in found {
            if !out.contains(&f) {
                out.push(f);
            }
        }
    }
    Ok(out)
}

/// The report of a run, and whether every file passed: one line
/// `FAIL <path>: <reason>` per failed file (the reason's further lines
/// follow, indented), one line `BLESSED <path>` per rewritten file, then
/// `filetests: N passed, M failed, B blessed (F functions)`. `show` writes a
/// path.
pub fn report(results: &[FileResult], show: impl Fn(&Path) -> String) -> (String, bool) {
    let mut out = String::new();
    let (mut passed, mut failed, mut blessed, mut functions) = (0, 0, 0, 0);
    for r in results {
        functions += r.functions;
        match &r.status {
            Status::Passed => passed += 1,
            Status::Blessed => {
                blessed += 1;
                let _ = writeln!(out, "BLESSED {}", show(&r.path));
            }
            Status::Failed(reason) => {
                failed += 1;
                let mut lines = reason.lines();
                let _ = writeln!(out, "FAIL {}: {}", show(&r.path), lines.next().unwrap_or(""));
                for l in lines {
                    let _ = writeln!(out, "    {l}");
                }
            }
        }
    }
    let _ = writeln!(out, "filetests: {passed} passed, {failed} failed, {blessed} blessed ({functions} functions)");
    (out, failed == 0)
}

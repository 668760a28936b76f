//! Runs the filetests under `tests/filetests/`.
//!
//! `WEFT_FILETEST=TEXT[,TEXT...]` runs only the files whose path below
//! `tests/filetests/` contains one of the TEXTs (`WEFT_FILETEST=passes/dce`);
//! `WEFT_BLESS=1` rewrites expected output in place (see `docs/filetests.md`).

use weft_filetest::{RunOptions, discover, report, run_files};

/// The environment variable that selects files.
const FILTER_VAR: &str = "WEFT_FILETEST";

#[test]
fn filetests() {
    let root = weft_tests::project_root().join("tests").join("filetests");
    let mut files = discover(&root);
    assert!(!files.is_empty(), "no filetests found under {}", root.display());
    let rel = |p: &std::path::Path| p.strip_prefix(&root).unwrap_or(p).display().to_string();
    if let Ok(filter) = std::env::var(FILTER_VAR) {
        let wanted: Vec<&str> = filter.split(',').map(str::trim).filter(|f| !f.is_empty()).collect();
        files.retain(|p| wanted.iter().any(|w| rel(p).contains(w)));
        assert!(!files.is_empty(), "{FILTER_VAR}={filter} matches no filetest under {}", root.display());
    }
    let results = run_files(&files, RunOptions::from_env());
    let (text, ok) = report(&results, rel);
    if ok {
        print!("{text}");
    } else {
        eprint!("{text}");
    }
    assert!(ok, "filetests failed (lines starting with FAIL above)");
}

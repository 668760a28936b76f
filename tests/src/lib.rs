//! weft's test harnesses: differential execution under wasmtime, the spec
//! testsuite runner, the corpus tests, the fuzz bodies, the pass sweep
//! ([`sweep`]), the jco client (P3 components under jco + Node, [`jco`]) and
//! the dynamic counting of checks ([`check_counts`]). The filetest runner lives in `weft-filetest` (so the `weft`
//! command can run filetests too); it is re-exported here as [`filetest`].
//!
//! It owns no compiler logic: everything it checks comes from the other
//! crates.
#![deny(missing_docs)]

pub mod check_counts;
pub mod fuzzing;
pub mod jco;
pub mod p3callbacks;
pub mod p3host;
pub mod p3reach;
pub mod sightglass;
pub mod spec;
pub mod sweep;
pub mod wasmtime_harness;

pub use weft_filetest as filetest;
pub use weft_filetest::{dumps, run_line};

use std::path::{Path, PathBuf};

/// The project root (the workspace folder).
pub fn project_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ has a parent").to_path_buf()
}

/// `../shared` beside the project root, or a panic that names the path:
/// tests that need the shared corpus fail clearly when it is missing.
pub fn shared_dir() -> PathBuf {
    let dir = project_root().join("..").join("shared");
    assert!(
        dir.is_dir(),
        "the shared test material is missing: expected {} (see ../shared/corpus/SOURCES.md)",
        dir.display()
    );
    dir
}

/// Every file in `dir` whose extension is `ext`, in its subfolders too when
/// `recursive`, sorted; a folder that cannot be read is a panic naming it.
pub fn files_with_ext(dir: &Path, ext: &str, recursive: bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries = std::fs::read_dir(&d).unwrap_or_else(|e| panic!("cannot read {}: {e}", d.display()));
        for path in entries.filter_map(|e| e.ok().map(|e| e.path())) {
            if path.is_dir() && recursive {
                stack.push(path);
            } else if path.extension().is_some_and(|x| x == ext) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

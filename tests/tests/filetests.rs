//! Runs every filetest under `tests/filetests/`.

use weft_tests::filetest::{FileTest, discover, run};

#[test]
fn filetests() {
    let root = weft_tests::project_root().join("tests").join("filetests");
    let files = discover(&root);
    assert!(!files.is_empty(), "no filetests found under {}", root.display());
    let mut failed = Vec::new();
    let mut funcs = 0;
    for path in &files {
        let rel = path.strip_prefix(&root).unwrap_or(path).display().to_string();
        match FileTest::read(path).and_then(|t| run(&t)) {
            Ok(n) => funcs += n,
            Err(e) => failed.push(format!("FAIL {rel}: {e}")),
        }
    }
    for f in &failed {
        eprintln!("{f}\n");
    }
    println!("filetests: {} passed, {} failed ({funcs} functions)", files.len() - failed.len(), failed.len());
    assert!(failed.is_empty(), "{} of {} filetests failed", failed.len(), files.len());
}

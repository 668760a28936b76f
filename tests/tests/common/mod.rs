//! Helpers shared by the test binaries that optimize P3 corpus modules.

use weft_ir::Module;
use weft_passes::Report;
use weft_tests::shared_dir;

/// `../shared/corpus/p3/<stem>.wat`, translated.
pub fn p3_module(stem: &str) -> Module {
    let path = shared_dir().join("corpus").join("p3").join(format!("{stem}.wat"));
    let bytes = wat::parse_file(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    weft_frontend::translate_module(&bytes).expect("translates").0
}

/// `-O2` with strict verification on a P3 corpus module; the module after
/// it and the report.
pub fn o2(stem: &str) -> (Module, Report) {
    let config = weft::Config { verify: weft::VerifyMode::Strict, ..weft::Config::default() };
    let mut module = p3_module(stem);
    let manager = weft::manager(&config).expect("manager");
    let report = manager.run_module_with(&mut module, &mut weft_passes::manager::NoHook);
    (module, report)
}

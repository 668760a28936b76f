mod common;
#[test]
fn dump() {
    let path = std::env::var("DUMP").unwrap();
    let func: Option<usize> = std::env::var("FUNC").ok().map(|s| s.parse().unwrap());
    let wasm = weft_frontend::parse_wat_or_wasm(&std::fs::read(&path).unwrap()).unwrap();
    let (module, _) = weft_frontend::translate_module(&wasm).unwrap();
    let out = weft_backend::emit_module(&module).unwrap();
    let a = wasmprinter::print_bytes(&wasm).unwrap();
    let b = wasmprinter::print_bytes(&out).unwrap();
    let pick = |t: &str| -> String {
        match func {
            None => t.to_string(),
            Some(i) => { let parts: Vec<&str> = t.split("\n  (func ").collect(); parts.iter().skip(1).find(|p| p.lines().next().unwrap_or("").contains(&format!("(;{i};)"))).map(|s| s.to_string()).unwrap_or_default() }
        }
    };
    if let Some(i) = func { if let weft_ir::FuncBody::Ir(f) = &module.funcs[i - module.imported_funcs.len()].body { println!("{}", f.display()); } }
    println!("=== ORIGINAL\n{}\n=== EMITTED\n{}", pick(&a), pick(&b));
    let sa = common::body_sizes(&wasm); let sb = common::body_sizes(&out);
    for (i, (x, y)) in sa.iter().zip(&sb).enumerate() { if x != y { println!("func {} : {x} -> {y}", i + module.imported_funcs.len()); } }
}

//! Round trips wasm → IR (weft-frontend) → wasm (this backend), then runs
//! the original and the emitted module side by side under wasmtime: the
//! same exports called with the same arguments must give the same results
//! or traps, the same calls to the (deterministic, stubbed) imports, and the
//! same memory. Reports code-section size ratios.

mod common;
use common::code_section_size;
use std::path::{Path, PathBuf};
use wasmtime::{Linker, Store, Val, ValType};

/// Calls to imports, and what the host answered.
#[derive(Default)]
struct Host {
    trace: Vec<String>,
    calls: u64,
}

/// What one export call did.
#[derive(Debug, PartialEq)]
enum Outcome {
    Returned(Vec<String>),
    Trapped(String),
    OutOfFuel,
}

const FUEL_PER_CALL: u64 = 3_000_000;

/// Outcomes of the export calls, the import-call trace, and the final
/// memory (`None` when a call ran out of fuel).
type Run = (Vec<(String, Outcome)>, Vec<String>, Option<Vec<u8>>);

fn val_str(v: &Val) -> String {
    match v {
        Val::I32(x) => format!("i32:{x}"),
        Val::I64(x) => format!("i64:{x}"),
        Val::F32(x) => format!("f32:{:#x}", if f32::from_bits(*x).is_nan() { 0x7fc0_0000 } else { *x }),
        Val::F64(x) => format!("f64:{:#x}", if f64::from_bits(*x).is_nan() { 0x7ff8_0000_0000_0000 } else { *x }),
        Val::V128(x) => format!("v128:{:#x}", x.as_u128()),
        Val::FuncRef(f) => format!("funcref:{}", f.is_some()),
        Val::ExternRef(e) => format!("externref:{}", e.is_some()),
        other => format!("{other:?}"),
    }
}

fn zero(ty: &ValType) -> Val {
    match ty {
        ValType::I32 => Val::I32(0),
        ValType::I64 => Val::I64(0),
        ValType::F32 => Val::F32(0),
        ValType::F64 => Val::F64(0),
        ValType::V128 => Val::V128(0u128.into()),
        ValType::Ref(r) => Val::null_ref(r.heap_type()),
    }
}

/// A small answer that depends only on the call count and the import.
fn answer(ty: &ValType, seed: u64) -> Val {
    let x = (seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 60) % 4;
    match ty {
        ValType::I32 => Val::I32(x as i32),
        ValType::I64 => Val::I64(x as i64),
        ValType::F32 => Val::F32((x as f32 * 0.5).to_bits()),
        ValType::F64 => Val::F64((x as f64 * 0.5).to_bits()),
        other => zero(other),
    }
}

/// Instantiates `bytes` with every import stubbed, then calls each export
/// whose parameters are numbers with a few argument vectors, in order.
fn run(bytes: &[u8]) -> Run {
    let engine = common::engine_with_fuel();
    let module = wasmtime::Module::new(&engine, bytes).expect("wasmtime compiles the module");
    run_module(&engine, &module, None, FUEL_PER_CALL)
}

/// [`run`] on a compiled module, calling only `only` (an export name) when
/// given.
fn run_module(engine: &wasmtime::Engine, module: &wasmtime::Module, only: Option<&str>, fuel: u64) -> Run {
    let (engine, module) = (engine, module);
    let mut store = Store::new(engine, Host::default());
    store.set_fuel(fuel).expect("fuel enabled");
    let mut linker: Linker<Host> = Linker::new(engine);
    for (i, import) in module.imports().enumerate() {
        let (m, n) = (import.module().to_string(), import.name().to_string());
        match import.ty() {
            wasmtime::ExternType::Func(fty) => {
                let results: Vec<ValType> = fty.results().collect();
                let label = format!("{m}.{n}");
                linker
                    .func_new(&m, &n, fty.clone(), move |mut caller, args, out| {
                        let host = caller.data_mut();
                        host.calls += 1;
                        let seed = host.calls ^ ((i as u64) << 32);
                        host.trace
                            .push(format!("{label}({})", args.iter().map(val_str).collect::<Vec<_>>().join(", ")));
                        for (slot, ty) in out.iter_mut().zip(&results) {
                            *slot = answer(ty, seed);
                        }
                        Ok(())
                    })
                    .expect("define import");
            }
            wasmtime::ExternType::Memory(mty) => {
                let mem = wasmtime::Memory::new(&mut store, mty).expect("memory");
                linker.define(&store, &m, &n, mem).expect("define memory");
            }
            wasmtime::ExternType::Global(gty) => {
                let g = wasmtime::Global::new(&mut store, gty.clone(), zero(gty.content())).expect("global");
                linker.define(&store, &m, &n, g).expect("define global");
            }
            wasmtime::ExternType::Table(tty) => {
                let init = wasmtime::Ref::Func(None);
                let t = wasmtime::Table::new(&mut store, tty, init).expect("table");
                linker.define(&store, &m, &n, t).expect("define table");
            }
            other => panic!("unsupported import kind {other:?}"),
        }
    }
    let instance = match linker.instantiate(&mut store, module) {
        Ok(i) => i,
        Err(e) => {
            return (vec![("<instantiate>".into(), Outcome::Trapped(trap_of(&e)))], store.data().trace.clone(), None);
        }
    };
    let mut outcomes = Vec::new();
    let mut exhausted = false;
    let exports: Vec<(String, wasmtime::Func)> = instance
        .exports(&mut store)
        .filter_map(|e| {
            let name = e.name().to_string();
            e.into_func().map(|f| (name, f))
        })
        .filter(|(name, _)| only.is_none_or(|o| o == name))
        .collect();
    for (name, func) in exports {
        let ty = func.ty(&store);
        let params: Vec<ValType> = ty.params().collect();
        if !params.iter().all(|p| matches!(p, ValType::I32 | ValType::I64 | ValType::F32 | ValType::F64)) {
            continue;
        }
        for k in 0..3i64 {
            let args: Vec<Val> = params
                .iter()
                .enumerate()
                .map(|(j, p)| {
                    let x = [0, 1 + j as i64, 1024 + 64 * j as i64][k as usize];
                    match p {
                        ValType::I32 => Val::I32(x as i32),
                        ValType::I64 => Val::I64(x),
                        ValType::F32 => Val::F32((x as f32).to_bits()),
                        _ => Val::F64((x as f64).to_bits()),
                    }
                })
                .collect();
            store.set_fuel(fuel).expect("fuel enabled");
            let mut results: Vec<Val> = ty.results().map(|t| zero(&t)).collect();
            let outcome = match func.call(&mut store, &args, &mut results) {
                Ok(()) => Outcome::Returned(results.iter().map(val_str).collect()),
                Err(e) => {
                    let t = trap_of(&e);
                    if t == "OutOfFuel" {
                        exhausted = true;
                        Outcome::OutOfFuel
                    } else {
                        Outcome::Trapped(t)
                    }
                }
            };
            outcomes.push((format!("{name}{:?}", args.iter().map(val_str).collect::<Vec<_>>()), outcome));
            if exhausted {
                break;
            }
        }
        if exhausted {
            break;
        }
    }
    let memory = if exhausted {
        None
    } else {
        {
            let mem = instance.exports(&mut store).find_map(|e| e.into_memory());
            mem.map(|m| m.data(&store).to_vec())
        }
    };
    (outcomes, store.data().trace.clone(), memory)
}

fn trap_of(e: &wasmtime::Error) -> String {
    match e.downcast_ref::<wasmtime::Trap>() {
        Some(t) => format!("{t:?}"),
        None => format!("{e}").lines().next().unwrap_or("").to_string(),
    }
}

/// Asserts two runs behaved the same (up to where either ran out of fuel).
fn compare(name: &str, (a_out, a_trace, a_mem): Run, (b_out, b_trace, b_mem): Run) {
    if std::env::var("RT_DEBUG").is_ok() {
        println!("{name}: {} calls, trace {} / {}, last {:?}", a_out.len(), a_trace.len(), b_trace.len(), a_out.last());
    }
    let fuel_ran_out = a_out.last().is_some_and(|o| o.1 == Outcome::OutOfFuel)
        || b_out.last().is_some_and(|o| o.1 == Outcome::OutOfFuel);
    if fuel_ran_out {
        // The two sides burn fuel differently: compare what both completed.
        let n = a_out.len().min(b_out.len()) - 1;
        assert_eq!(a_out[..n], b_out[..n], "{name}: results differ");
        let t = a_trace.len().min(b_trace.len());
        assert_eq!(a_trace[..t], b_trace[..t], "{name}: import calls differ");
    } else {
        assert_eq!(a_out, b_out, "{name}: results differ");
        assert_eq!(a_trace, b_trace, "{name}: import calls differ");
        assert!(a_mem == b_mem, "{name}: final memory differs");
    }
}

/// Round-trips `wasm` and compares behaviour; returns (original, emitted)
/// code-section sizes.
fn check(name: &str, wasm: &[u8]) -> (usize, usize) {
    let (module, _diagnostics) = weft_frontend::translate_module(wasm).unwrap_or_else(|e| panic!("{name}: {e}"));
    let out = weft_backend::emit_module(&module).unwrap_or_else(|e| panic!("{name}: {e}"));
    compare(name, run(wasm), run(&out));
    (code_section_size(wasm), code_section_size(&out))
}

/// `bytes` with an export `__weft_fN` added for every function `N`, so every
/// function can be called from outside.
fn export_all(bytes: &[u8]) -> Vec<u8> {
    use wasm_encoder::reencode::{Reencode, utils};
    struct ExportAll(u32);
    impl Reencode for ExportAll {
        type Error = std::convert::Infallible;
        fn parse_export_section(
            &mut self,
            exports: &mut wasm_encoder::ExportSection,
            section: wasmparser::ExportSectionReader<'_>,
        ) -> Result<(), wasm_encoder::reencode::Error<Self::Error>> {
            utils::parse_export_section(self, exports, section)?;
            for i in 0..self.0 {
                exports.export(&format!("__weft_f{i}"), wasm_encoder::ExportKind::Func, i);
            }
            Ok(())
        }
    }
    let mut funcs = 0;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.expect("parses") {
            wasmparser::Payload::ImportSection(s) => {
                for imports in s {
                    for import in imports.expect("import") {
                        let (_, import) = import.expect("import");
                        if matches!(import.ty, wasmparser::TypeRef::Func(_)) {
                            funcs += 1;
                        }
                    }
                }
            }
            wasmparser::Payload::FunctionSection(s) => funcs += s.count(),
            _ => {}
        }
    }
    let mut module = wasm_encoder::Module::new();
    ExportAll(funcs).parse_core_module(&mut module, wasmparser::Parser::new(0), bytes).expect("re-encodes");
    module.finish()
}

/// Calls every defined function of `wasm` (at most `limit`, evenly spread)
/// directly, in the original and the round-tripped module, each call on a
/// fresh instance, and compares what happens.
fn check_each_function(name: &str, wasm: &[u8], limit: usize) -> usize {
    let (module, _diagnostics) = weft_frontend::translate_module(wasm).unwrap_or_else(|e| panic!("{name}: {e}"));
    let out = weft_backend::emit_module(&module).unwrap_or_else(|e| panic!("{name}: {e}"));
    let engine = common::engine_with_fuel();
    let a = wasmtime::Module::new(&engine, export_all(wasm)).expect("original compiles");
    let b = wasmtime::Module::new(&engine, export_all(&out)).expect("output compiles");
    let first = module.imported_funcs.len();
    let total = module.funcs.len();
    let step = total.div_ceil(limit.max(1)).max(1);
    let mut checked = 0;
    for i in (0..total).step_by(step) {
        let export = format!("__weft_f{}", first + i);
        let label = format!("{name} {export} ({})", module.func_names.get(first + i).map_or("", String::as_str));
        compare(
            &label,
            run_module(&engine, &a, Some(&export), 200_000),
            run_module(&engine, &b, Some(&export), 200_000),
        );
        checked += 1;
    }
    checked
}

fn report(rows: &[(String, usize, usize)]) {
    let (mut a, mut b) = (0, 0);
    for (name, x, y) in rows {
        println!("{name}: code section {x} -> {y} bytes ({:.3}x)", *y as f64 / (*x).max(1) as f64);
        a += x;
        b += y;
    }
    println!("total: {a} -> {b} bytes ({:.3}x)", b as f64 / a.max(1) as f64);
}

const HAND_WRITTEN: &[(&str, &str)] = &[
    (
        "arith",
        r#"(module
  (func (export "poly") (param i32 i32) (result i32)
    local.get 0 local.get 1 i32.add local.get 0 i32.mul i32.const 7 i32.sub)
  (func (export "select") (param i32 i32 i32) (result i32)
    local.get 0 local.get 1 local.get 2 select)
  (func (export "f64ops") (param f64 f64) (result f64)
    local.get 0 local.get 1 f64.div local.get 0 f64.sqrt f64.add))"#,
    ),
    (
        "loops",
        r#"(module
  (memory (export "memory") 1)
  (func (export "fill") (param $n i32) (result i32)
    (local $i i32) (local $sum i32)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
        (i32.store (i32.shl (local.get $i) (i32.const 2)) (i32.mul (local.get $i) (local.get $i)))
        (local.set $sum (i32.add (local.get $sum) (i32.load (i32.shl (local.get $i) (i32.const 2)))))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))
    (local.get $sum))
  (func (export "gcd") (param $a i32) (param $b i32) (result i32)
    (local $t i32)
    (block $done
      (loop $next
        (br_if $done (i32.eqz (local.get $b)))
        (local.set $t (i32.rem_u (local.get $a) (local.get $b)))
        (local.set $a (local.get $b))
        (local.set $b (local.get $t))
        (br $next)))
    (local.get $a))
  (func (export "nested") (param $n i32) (result i64)
    (local $i i32) (local $j i32) (local $acc i64)
    (loop $outer
      (local.set $j (i32.const 0))
      (loop $inner
        (local.set $acc (i64.add (local.get $acc) (i64.extend_i32_u (i32.mul (local.get $i) (local.get $j)))))
        (local.set $j (i32.add (local.get $j) (i32.const 1)))
        (br_if $inner (i32.lt_u (local.get $j) (local.get $i))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $outer (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $acc)))"#,
    ),
    (
        "switch",
        r#"(module
  (func (export "classify") (param $x i32) (result i32)
    (local $r i32)
    (block $d (block $c (block $b (block $a
      (br_table $a $b $c $b $d (local.get $x)))
      (local.set $r (i32.const 10)) (br $d))
      (local.set $r (i32.const 20)) (br $d))
      (local.set $r (i32.const 30)))
    (i32.add (local.get $r) (local.get $x)))
  (func (export "ifs") (param $x i32) (result i32)
    (if (result i32) (i32.lt_s (local.get $x) (i32.const 0))
      (then (i32.const -1))
      (else (if (result i32) (i32.eqz (local.get $x)) (then (i32.const 0)) (else (i32.const 1)))))))"#,
    ),
    (
        "calls",
        r#"(module
  (import "env" "log" (func $log (param i32) (result i32)))
  (table 2 funcref)
  (elem (i32.const 0) $double $triple)
  (type $un (func (param i32) (result i32)))
  (func $double (param i32) (result i32) (i32.mul (local.get 0) (i32.const 2)))
  (func $triple (param i32) (result i32) (i32.mul (local.get 0) (i32.const 3)))
  (func $pair (param i32) (result i32 i32) (local.get 0) (call $log (local.get 0)))
  (func (export "dispatch") (param i32 i32) (result i32)
    (call_indirect (type $un) (local.get 1) (i32.and (local.get 0) (i32.const 1))))
  (func (export "multi") (param i32) (result i32)
    (call $pair (local.get 0)) i32.sub)
  (func (export "chain") (param i32) (result i32)
    (call $log (i32.add (call $log (local.get 0)) (call $log (i32.const 5))))))"#,
    ),
    (
        "simd",
        r#"(module
  (memory (export "memory") 1)
  (func (export "dot4") (param $n i32) (result i32)
    (local $i i32) (local $acc v128)
    (block $done (loop $next
      (br_if $done (i32.ge_u (local.get $i) (local.get $n)))
      (v128.store (i32.shl (local.get $i) (i32.const 4)) (i32x4.splat (local.get $i)))
      (local.set $acc (i32x4.add (local.get $acc) (v128.load (i32.shl (local.get $i) (i32.const 4)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $next)))
    (i32x4.extract_lane 2 (local.get $acc))))"#,
    ),
];

#[test]
fn hand_written_modules_round_trip() {
    let mut rows = Vec::new();
    for (name, text) in HAND_WRITTEN {
        let wasm = wat::parse_str(text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let (a, b) = check(name, &wasm);
        rows.push((name.to_string(), a, b));
    }
    report(&rows);
}

/// `../shared/corpus` relative to the workspace root.
fn corpus() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus");
    dir.is_dir().then_some(dir)
}

fn files(dir: &Path, ext: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut work = vec![dir.to_path_buf()];
    while let Some(d) = work.pop() {
        for entry in std::fs::read_dir(&d).expect("readable directory") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                work.push(path);
            } else if path.extension().is_some_and(|e| e == ext) {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

#[test]
fn p3_corpus_round_trips() {
    let dir = corpus().expect("the shared corpus is at ../shared/corpus");
    let mut rows = Vec::new();
    for path in files(&dir.join("p3"), "wat") {
        let text = std::fs::read(&path).expect("readable");
        let wasm = weft_frontend::parse_wat_or_wasm(&text).expect("parses");
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let (a, b) = check(&name, &wasm);
        rows.push((name, a, b));
    }
    assert!(!rows.is_empty());
    report(&rows);
    let (a, b) = rows.iter().fold((0, 0), |(x, y), r| (x + r.1, y + r.2));
    assert!(b <= a, "the P3 corpus grows through the round trip: {a} -> {b}");
}

#[test]
fn every_function_of_the_corpus_behaves_the_same() {
    let dir = corpus().expect("the shared corpus is at ../shared/corpus");
    let mut checked = 0;
    for path in files(&dir.join("p3"), "wat") {
        let wasm = weft_frontend::parse_wat_or_wasm(&std::fs::read(&path).expect("readable")).expect("parses");
        checked += check_each_function(&path.display().to_string(), &wasm, 1000);
    }
    for path in files(&dir.join("sightglass"), "wasm") {
        let wasm = std::fs::read(&path).expect("readable");
        checked += check_each_function(&path.display().to_string(), &wasm, 60);
    }
    println!("{checked} functions called in both versions");
    assert!(checked > 800);
}

#[test]
fn every_function_of_the_jco_core_modules_behaves_the_same() {
    let dir = corpus().expect("the shared corpus is at ../shared/corpus");
    let limit: usize = std::env::var("WEFT_JCO_LIMIT").ok().and_then(|s| s.parse().ok()).unwrap_or(1);
    let mut checked = 0;
    // One component per directory keeps the test short; the core modules
    // of the components in one directory are mostly the same code.
    let mut seen = std::collections::BTreeSet::new();
    for path in files(&dir.join("jco-p3"), "wasm") {
        let parent = path.parent().map(Path::to_path_buf);
        if !seen.insert(parent) && limit < 1000 {
            continue;
        }
        let bytes = std::fs::read(&path).expect("readable");
        let ranges = weft_frontend::core_module_ranges(&bytes).expect("a component");
        for (i, range) in ranges.into_iter().enumerate() {
            let name = format!("{}#{i}", path.display());
            checked += check_each_function(&name, &bytes[range], limit * 10);
        }
    }
    println!("{checked} functions called in both versions");
    assert!(checked > 100);
}

#[test]
fn sightglass_round_trips() {
    let dir = corpus().expect("the shared corpus is at ../shared/corpus");
    let mut rows = Vec::new();
    for path in files(&dir.join("sightglass"), "wasm") {
        let wasm = std::fs::read(&path).expect("readable");
        let name = path.strip_prefix(&dir).unwrap_or(&path).display().to_string();
        let (a, b) = check(&name, &wasm);
        rows.push((name, a, b));
    }
    assert!(!rows.is_empty());
    report(&rows);
    let (a, b) = rows.iter().fold((0, 0), |(x, y), r| (x + r.1, y + r.2));
    assert!(b <= a, "sightglass grows through the round trip: {a} -> {b}");
}

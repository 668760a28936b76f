//! `loop-vectorize` on real code:
//! - every stream kernel of `bench/kernels/scalar` (clang `-O2` without its
//!   vectorizers) computes, after weft `-O2`, what the original computes
//!   under wasmtime, at lengths around the vector loop's thresholds, and
//!   the kernels that must vectorize do (the f32 sum, the u8 sum widened to
//!   i32 and the prefix sum must not, each for its reason);
//! - the may-alias kernels called directly on overlapping buffers (the
//!   output a few elements before or after an input) still compute the
//!   scalar result: the runtime alias check sends them to the scalar loop;
//! - in the P3 corpus, `stream_read_loop_u8`'s `upper_chunk` is vectorized
//!   by `-O2` (the mock-host traces are compared by `p3_corpus`).

use std::path::PathBuf;

use wasmtime::{Engine, Instance, Memory, Module, Store, TypedFunc};
use weft_ir::FuncBody;

fn kernels_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../bench/kernels")
}

fn kernel_names() -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(kernels_dir().join("scalar"))
        .expect("bench/kernels/scalar")
        .filter_map(|e| e.ok()?.file_name().to_str()?.strip_suffix(".wasm").map(str::to_string))
        .collect();
    names.sort();
    names
}

struct Kernel {
    store: Store<()>,
    instance: Instance,
    memory: Memory,
}

impl Kernel {
    fn new(engine: &Engine, bytes: &[u8]) -> Kernel {
        let module = Module::new(engine, bytes).expect("compiles");
        let mut store = Store::new(engine, ());
        let instance = Instance::new(&mut store, &module, &[]).expect("instantiates");
        let memory = instance.get_memory(&mut store, "memory").expect("memory");
        Kernel { store, instance, memory }
    }

    fn func<P: wasmtime::WasmParams, R: wasmtime::WasmResults>(&mut self, name: &str) -> TypedFunc<P, R> {
        self.instance.get_typed_func(&mut self.store, name).expect("export")
    }

    /// `init(seed)`, `run(n, 2)`, `checksum()`.
    fn drive(&mut self, n: i32) -> (i32, i32) {
        self.func::<i32, ()>("init").call(&mut self.store, 11).expect("init");
        let r = self.func::<(i32, i32), i32>("run").call(&mut self.store, (n, 2)).expect("run");
        let c = self.func::<(), i32>("checksum").call(&mut self.store, ()).expect("checksum");
        (r, c)
    }
}

fn optimized(bytes: &[u8]) -> Vec<u8> {
    weft::optimize(bytes, &weft::Config::default()).expect("weft -O2").0
}

/// How many `v128` instructions the kernel function itself has after -O2.
fn vector_ops(bytes: &[u8], name: &str) -> usize {
    let (module, _) = weft_frontend::translate_module(bytes).expect("translates");
    module
        .funcs
        .iter()
        .filter_map(|f| match &f.body {
            FuncBody::Ir(func) if func.name == name => Some(func),
            _ => None,
        })
        .map(|func| {
            let mut text = String::new();
            weft_ir::write::write_function(&mut text, func).expect("prints");
            text.matches("v128.load").count() + text.matches("v128.store").count()
        })
        .sum()
}

#[test]
fn kernels_compute_the_same_and_vectorize_where_they_should() {
    let engine = Engine::default();
    let not_vectorized = ["prefix_i32", "sum_f32", "sum_u8"];
    for name in kernel_names() {
        let original = std::fs::read(kernels_dir().join("scalar").join(format!("{name}.wasm"))).expect("reads");
        let weft = optimized(&original);
        let mut a = Kernel::new(&engine, &original);
        let mut b = Kernel::new(&engine, &weft);
        for n in [0, 1, 3, 4, 5, 15, 16, 17, 31, 32, 33, 127, 128, 129, 130, 1000, 4096] {
            assert_eq!(a.drive(n), b.drive(n), "{name} at n = {n}");
        }
        let vectorized = vector_ops(&weft, &name) > 0;
        assert_eq!(vectorized, !not_vectorized.contains(&name.as_str()), "{name}: vectorized = {vectorized}");
    }
}

#[test]
fn overlapping_buffers_take_the_scalar_loop() {
    let engine = Engine::default();
    for name in ["add_i32", "map_i32", "add_i16"] {
        let original = std::fs::read(kernels_dir().join("scalar").join(format!("{name}.wasm"))).expect("reads");
        let weft = optimized(&original);
        let mut a = Kernel::new(&engine, &original);
        let mut b = Kernel::new(&engine, &weft);
        let elem = if name == "add_i16" { 2 } else { 4 };
        for delta in [-8i32, -4, -1, 1, 2, 3, 4, 7, 8, 15, 16, 40, 0] {
            let mut results = Vec::new();
            for k in [&mut a, &mut b] {
                // A scratch region past the kernels' buffers and stack,
                // filled with the same bytes in both instances.
                let base = 200_000 + 64 * elem;
                let data = k.memory.data_mut(&mut k.store);
                for (i, byte) in data[199_000..230_000].iter_mut().enumerate() {
                    *byte = (i as u32).wrapping_mul(2_654_435_761).to_le_bytes()[3];
                }
                let out = base + delta * elem;
                let n = 300;
                if name == "map_i32" {
                    let f = k.func::<(i32, i32, i32, i32), ()>(name);
                    f.call(&mut k.store, (out, base, 0x9e37_79b1_u32 as i32, n)).expect("kernel");
                } else {
                    let f = k.func::<(i32, i32, i32, i32), ()>(name);
                    f.call(&mut k.store, (out, base, base + 3 * elem, n)).expect("kernel");
                }
                let data = k.memory.data(&k.store);
                results.push(data[199_000..230_000].to_vec());
            }
            assert_eq!(results[0], results[1], "{name} with the output {delta} elements from the input");
        }
    }
}

#[test]
fn the_p3_byte_map_is_vectorized_and_the_float_sum_is_not() {
    let corpus = weft_tests::shared_dir().join("corpus/p3");
    let wat = std::fs::read(corpus.join("stream_read_loop_u8.wat")).expect("stream_read_loop_u8.wat");
    let wasm = weft_frontend::parse_wat_or_wasm(&wat).expect("parses");
    assert!(vector_ops(&optimized(&wasm), "upper_chunk") > 0, "upper_chunk is not vectorized");
    let wat = std::fs::read(corpus.join("stream_sum_f32.wat")).expect("stream_sum_f32.wat");
    let wasm = weft_frontend::parse_wat_or_wasm(&wat).expect("parses");
    assert_eq!(vector_ops(&optimized(&wasm), "sum_f32"), 0, "sum_f32 is vectorized");
    // The kernel's f32 sum, a loop of the vectorizable shape, is declined
    // for its float order.
    let bytes = std::fs::read(kernels_dir().join("scalar/sum_f32.wasm")).expect("reads");
    let (module, _) = weft_frontend::translate_module(&bytes).expect("translates");
    let func = module
        .funcs
        .iter()
        .find_map(|f| match &f.body {
            FuncBody::Ir(func) if func.name == "sum_f32" => Some(func),
            _ => None,
        })
        .expect("sum_f32");
    let decisions = weft_passes::loop_vectorize::survey(func);
    assert!(decisions.iter().any(|d| d.outcome.as_ref().is_err_and(|why| why.contains("float"))), "{decisions:?}");
}

//! Stream kernels (`bench/kernels/`, built by `scripts/build-kernels.sh`):
//! each kernel timed under wasmtime as the scalar clang build, weft `-O2`
//! of that build, and clang's `-O3 -msimd128` build, with every variant's
//! result checked against the scalar build's.
//!
//! A kernel module exports `init(seed)` (fills its buffers), `run(n, reps)`
//! (runs the kernel `reps` times over `n` elements, returns a checksum of
//! its results) and `checksum()` (a hash of every buffer). A variant is
//! correct when `run` and `checksum` agree with the scalar build's after
//! the same `init`, for every `n` of [`CHECK_LENGTHS`] (0, 1, lane counts
//! and one past them, so that the scalar epilogue and the vector loop's
//! exits are exercised). A time is the thread CPU time of one `run(n, reps)`
//! call divided by `n * reps` (nanoseconds per element); the median over
//! repetitions is reported, the variants interleaved. The speedup of a
//! variant is the scalar build's time over its own.
//!
//! The short lengths ([`SHORT_LENGTHS`]) measure what a vectorized loop
//! costs when it runs few or no vector trips: the runtime checks before the
//! loop and the handover to the scalar loop, which the cost model of
//! `loop-vectorize` weighs (`docs/vectorize.md`).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use cpu_time::ThreadTime;
use wasmtime::{Engine, Instance, Module, Store, TypedFunc};

use crate::Error;

/// Element counts at which every variant is checked against the scalar
/// build.
pub const CHECK_LENGTHS: [i32; 12] = [0, 1, 3, 4, 5, 15, 16, 17, 33, 100, 1001, 4096];

/// Element counts of the short-loop measurement.
pub const SHORT_LENGTHS: [i32; 4] = [4, 16, 64, 256];

/// Elements of the main measurement (the buffers' capacity).
pub const LONG_LENGTH: i32 = 4096;

/// What to measure.
#[derive(Clone, Debug)]
pub struct Options {
    /// The folder with `scalar/` and `simd/`.
    pub dir: PathBuf,
    /// Timed calls per variant.
    pub reps: usize,
    /// Elements processed by one timed call (about; rounded to whole runs).
    pub elements_per_call: u64,
}

/// The variants of a kernel.
pub const VARIANTS: [&str; 3] = ["scalar", "weft -O2", "clang -O3 -msimd128"];

/// One kernel's results.
#[derive(Clone, Debug)]
pub struct KernelResult {
    /// The kernel's name (its file stem).
    pub name: String,
    /// Nanoseconds per element at [`LONG_LENGTH`], per variant.
    pub long_ns: [f64; 3],
    /// Nanoseconds per element at each of [`SHORT_LENGTHS`], per variant.
    pub short_ns: Vec<[f64; 3]>,
    /// `loop-vectorize`'s decision about each loop of the kernel function.
    pub notes: Vec<String>,
}

type Run = TypedFunc<(i32, i32), i32>;

struct Instantiated {
    store: Store<()>,
    init: TypedFunc<i32, ()>,
    run: Run,
    checksum: TypedFunc<(), i32>,
}

impl Instantiated {
    fn new(engine: &Engine, bytes: &[u8]) -> Result<Instantiated, Error> {
        let module = Module::new(engine, bytes).map_err(|e| Error::new(format!("wasmtime cannot compile: {e:#}")))?;
        let mut store = Store::new(engine, ());
        let instance = Instance::new(&mut store, &module, &[])
            .map_err(|e| Error::new(format!("wasmtime cannot instantiate: {e:#}")))?;
        let get = |e: wasmtime::Error| Error::new(format!("an export is missing: {e:#}"));
        let init = instance.get_typed_func::<i32, ()>(&mut store, "init").map_err(get)?;
        let run = instance.get_typed_func::<(i32, i32), i32>(&mut store, "run").map_err(get)?;
        let checksum = instance.get_typed_func::<(), i32>(&mut store, "checksum").map_err(get)?;
        Ok(Instantiated { store, init, run, checksum })
    }

    /// `init(seed)`, `run(n, reps)`, `checksum()`.
    fn check(&mut self, seed: i32, n: i32, reps: i32) -> Result<(i32, i32), Error> {
        let trap = |e: wasmtime::Error| Error::new(format!("trapped: {e:#}"));
        self.init.call(&mut self.store, seed).map_err(trap)?;
        let r = self.run.call(&mut self.store, (n, reps)).map_err(trap)?;
        let c = self.checksum.call(&mut self.store, ()).map_err(trap)?;
        Ok((r, c))
    }

    /// Thread CPU nanoseconds of one `run(n, reps)`.
    fn time(&mut self, n: i32, reps: i32) -> Result<f64, Error> {
        let clock = |e: std::io::Error| Error::new(format!("cannot read the thread CPU clock: {e}"));
        let start = ThreadTime::try_now().map_err(clock)?;
        self.run.call(&mut self.store, (n, reps)).map_err(|e| Error::new(format!("trapped: {e:#}")))?;
        Ok(start.try_elapsed().map_err(clock)?.as_nanos() as f64)
    }
}

/// The kernels of `dir/scalar`, sorted by name.
pub fn kernel_names(dir: &Path) -> Result<Vec<String>, Error> {
    let scalar = dir.join("scalar");
    let entries =
        std::fs::read_dir(&scalar).map_err(|e| Error::new(format!("cannot read {}: {e}", scalar.display())))?;
    let mut names: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str().and_then(|n| n.strip_suffix(".wasm")).map(str::to_string))
        .collect();
    names.sort();
    Ok(names)
}

/// The three variants of kernel `name`, and `loop-vectorize`'s decision
/// about each loop of the kernel function.
pub fn variants(dir: &Path, name: &str) -> Result<([Vec<u8>; 3], Vec<String>), Error> {
    let read = |sub: &str| {
        let path = dir.join(sub).join(format!("{name}.wasm"));
        std::fs::read(&path).map_err(|e| Error::new(format!("cannot read {}: {e}", path.display())))
    };
    let scalar = read("scalar")?;
    let simd = read("simd")?;
    let (weft, report) = weft::optimize(&scalar, &weft::Config::default())
        .map_err(|e| Error::new(format!("{name}: weft -O2 failed: {e}")))?;
    let _ = report;
    let (module, _) =
        weft_frontend::translate_module(&scalar).map_err(|e| Error::new(format!("{name}: cannot translate: {e}")))?;
    let notes = module
        .funcs
        .iter()
        .filter_map(|f| match &f.body {
            weft_ir::FuncBody::Ir(func) if func.name == name => Some(func),
            _ => None,
        })
        .flat_map(weft_passes::loop_vectorize::survey)
        .map(|d| match d.outcome {
            Ok(what) => format!("{}: vectorized: {what}", d.header),
            Err(why) => format!("{}: not vectorized: {why}", d.header),
        })
        .collect();
    Ok(([scalar, weft, simd], notes))
}

/// Checks every variant of kernel `name` against its scalar build at every
/// length of [`CHECK_LENGTHS`].
pub fn check(engine: &Engine, name: &str, variants: &[Vec<u8>; 3]) -> Result<(), Error> {
    let mut inst: Vec<Instantiated> = variants
        .iter()
        .map(|b| Instantiated::new(engine, b))
        .collect::<Result<_, _>>()
        .map_err(|e| Error::new(format!("{name}: {e}")))?;
    for n in CHECK_LENGTHS {
        let want = inst[0].check(7, n, 3).map_err(|e| Error::new(format!("{name} scalar n={n}: {e}")))?;
        for (v, i) in inst.iter_mut().enumerate().skip(1) {
            let got = i.check(7, n, 3).map_err(|e| Error::new(format!("{name} {} n={n}: {e}", VARIANTS[v])))?;
            if got != want {
                return Err(Error::new(format!(
                    "{name}: {} computes {got:?} (run, checksum) at n={n}, the scalar build {want:?}",
                    VARIANTS[v]
                )));
            }
        }
    }
    Ok(())
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(f64::NAN)
}

/// Nanoseconds per element of each variant at `n` elements (interleaved).
fn time_at(inst: &mut [Instantiated], n: i32, options: &Options) -> Result<[f64; 3], Error> {
    let reps = (options.elements_per_call / n.max(1) as u64).clamp(1, i32::MAX as u64) as i32;
    let mut samples: [Vec<f64>; 3] = Default::default();
    for i in inst.iter_mut() {
        i.check(7, n, 1)?;
        i.time(n, reps)?;
    }
    for r in 0..options.reps {
        for k in 0..3 {
            let v = (k + r) % 3;
            samples[v].push(inst[v].time(n, reps)? / (f64::from(n) * f64::from(reps)));
        }
    }
    let [a, b, c] = samples;
    Ok([median(a), median(b), median(c)])
}

/// Checks and times every kernel; `progress` gets a line per kernel.
pub fn run(options: &Options, progress: &mut dyn FnMut(&str)) -> Result<Vec<KernelResult>, Error> {
    let engine = Engine::default();
    let mut out = Vec::new();
    for name in kernel_names(&options.dir)? {
        let (bytes, notes) = variants(&options.dir, &name)?;
        check(&engine, &name, &bytes)?;
        let mut inst: Vec<Instantiated> =
            bytes.iter().map(|b| Instantiated::new(&engine, b)).collect::<Result<_, _>>()?;
        let long_ns = time_at(&mut inst, LONG_LENGTH, options)?;
        let short_ns = SHORT_LENGTHS.iter().map(|&n| time_at(&mut inst, n, options)).collect::<Result<_, _>>()?;
        progress(&format!("kernels: {name}: {:.3} / {:.3} / {:.3} ns per element", long_ns[0], long_ns[1], long_ns[2]));
        out.push(KernelResult { name, long_ns, short_ns, notes });
    }
    Ok(out)
}

/// The geometric mean of `xs`.
fn geomean(xs: &[f64]) -> f64 {
    (xs.iter().map(|x| x.ln()).sum::<f64>() / xs.len().max(1) as f64).exp()
}

/// The section as markdown.
pub fn render(results: &[KernelResult]) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "## Stream kernels: loop-vectorize against clang -O3 -msimd128\n");
    let _ = writeln!(
        s,
        "Nanoseconds per element at n = {LONG_LENGTH} (thread CPU time, median), and the speedup over the \
         scalar build. `weft/clang` is weft's speedup over clang's.\n"
    );
    let _ = writeln!(s, "| kernel | scalar ns | weft -O2 ns | clang simd ns | weft × | clang × | weft/clang |");
    let _ = writeln!(s, "|---|---|---|---|---|---|---|");
    let (mut weft_x, mut clang_x) = (Vec::new(), Vec::new());
    for r in results {
        let [sc, w, c] = r.long_ns;
        let (wx, cx) = (sc / w, sc / c);
        weft_x.push(wx);
        clang_x.push(cx);
        let _ = writeln!(s, "| {} | {sc:.3} | {w:.3} | {c:.3} | {wx:.2} | {cx:.2} | {:.2} |", r.name, wx / cx);
    }
    let _ = writeln!(
        s,
        "| geomean | | | | {:.2} | {:.2} | {:.2} |\n",
        geomean(&weft_x),
        geomean(&clang_x),
        geomean(&weft_x) / geomean(&clang_x)
    );
    let _ =
        writeln!(s, "Short loops: weft -O2's time over the scalar build's at n = {SHORT_LENGTHS:?} (and clang's).\n");
    let _ = write!(s, "| kernel |");
    for n in SHORT_LENGTHS {
        let _ = write!(s, " weft n={n} | clang n={n} |");
    }
    let _ = writeln!(s, "\n|---|{}", "---|".repeat(2 * SHORT_LENGTHS.len()));
    for r in results {
        let _ = write!(s, "| {} |", r.name);
        for t in &r.short_ns {
            let _ = write!(s, " {:.2} | {:.2} |", t[1] / t[0], t[2] / t[0]);
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "\nloop-vectorize's decisions (on the scalar kernel function as translated):\n");
    for r in results {
        for n in &r.notes {
            let _ = writeln!(s, "- {}: {n}", r.name);
        }
    }
    s
}

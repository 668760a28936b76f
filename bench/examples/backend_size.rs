//! Where the backend's bytes go: weft `-O0` (frontend → backend round trip,
//! no passes) against `wasm-opt`'s local and block cleanups alone
//! (`--simplify-locals --coalesce-locals --reorder-locals --vacuum
//! --merge-blocks --remove-unused-brs --remove-unused-names`: no inlining,
//! folding or dce), and optionally weft `-O2` and `wasm-opt -O2`.
//!
//! ```sh
//! cargo run --release -p weft-bench --example backend_size -- wasm-opt FILE.wasm... [--o2] [--top N]
//! ```
//!
//! For each file it prints the module sizes, then per category (local
//! declarations, `local.get`/`set`/`tee`, control, constants, `drop`,
//! everything else) the instruction count and the bytes of both outputs,
//! and the `N` functions (matched by index) whose weft body is furthest
//! above wasm-opt's. With several files a last table sums the module sizes.
//! With `DUMP=N` (or `DUMP=all`) in the environment it prints instead the
//! operators of defined function `N` (or of all) of both outputs of the
//! first file.

use std::path::Path;
use std::process::{Command, ExitCode};

const LOCALS_ONLY: [&str; 7] = [
    "--simplify-locals",
    "--coalesce-locals",
    "--reorder-locals",
    "--vacuum",
    "--merge-blocks",
    "--remove-unused-brs",
    "--remove-unused-names",
];

/// Categories of bytes in a function body.
const CATS: [&str; 12] = [
    "local decls",
    "local.get",
    "local.set",
    "local.tee",
    "local idx>=128 (extra)",
    "block/loop/if/else/end",
    "br/br_if/br_table",
    "return",
    "const",
    "drop",
    "select",
    "other",
];

#[derive(Clone, Default)]
struct Stats {
    /// Body bytes (without the size prefix).
    size: u64,
    count: [u64; CATS.len()],
    bytes: [u64; CATS.len()],
}

impl Stats {
    fn add(&mut self, o: &Stats) {
        self.size += o.size;
        for i in 0..CATS.len() {
            self.count[i] += o.count[i];
            self.bytes[i] += o.bytes[i];
        }
    }
}

fn function_stats(wasm: &[u8]) -> Result<Vec<Stats>, String> {
    use wasmparser::{Operator as O, Parser, Payload};
    let mut out = Vec::new();
    for payload in Parser::new(0).parse_all(wasm) {
        let Payload::CodeSectionEntry(body) = payload.map_err(|e| e.to_string())? else { continue };
        let mut s = Stats { size: body.range().end - body.range().start, ..Stats::default() };
        let locals = body.get_locals_reader().map_err(|e| e.to_string())?;
        let ops = body.get_operators_reader().map_err(|e| e.to_string())?;
        let start = locals.original_position();
        let ops_start = ops.original_position();
        s.count[0] = u64::from(locals.get_count());
        s.bytes[0] = ops_start - start;
        let mut iter = ops.into_iter_with_offsets().peekable();
        let end = body.range().end;
        while let Some(item) = iter.next() {
            let (op, at) = item.map_err(|e| e.to_string())?;
            let next = iter.peek().and_then(|r| r.as_ref().ok()).map_or(end, |&(_, o)| o);
            let len = next - at;
            let cat = match op {
                O::LocalGet { local_index } | O::LocalSet { local_index } | O::LocalTee { local_index } => {
                    if local_index >= 128 {
                        s.count[4] += 1;
                        s.bytes[4] += len - 2;
                    }
                    match op {
                        O::LocalGet { .. } => 1,
                        O::LocalSet { .. } => 2,
                        _ => 3,
                    }
                }
                O::Block { .. } | O::Loop { .. } | O::If { .. } | O::Else | O::End => 5,
                O::Br { .. } | O::BrIf { .. } | O::BrTable { .. } => 6,
                O::Return => 7,
                O::I32Const { .. } | O::I64Const { .. } | O::F32Const { .. } | O::F64Const { .. } => 8,
                O::Drop => 9,
                O::Select | O::TypedSelect { .. } => 10,
                _ => 11,
            };
            s.count[cat] += 1;
            s.bytes[cat] += len;
        }
        out.push(s);
    }
    Ok(out)
}

/// Prints the operators of defined function `index`, indented by nesting.
fn dump(wasm: &[u8], index: usize) -> Result<(), String> {
    use wasmparser::{Operator as O, Parser, Payload};
    let mut n = 0;
    for payload in Parser::new(0).parse_all(wasm) {
        let Payload::CodeSectionEntry(body) = payload.map_err(|e| e.to_string())? else { continue };
        n += 1;
        if index != usize::MAX && n - 1 != index {
            continue;
        }
        println!("func {}", n - 1);
        for local in body.get_locals_reader().map_err(|e| e.to_string())? {
            println!("  local {:?}", local.map_err(|e| e.to_string())?);
        }
        let mut depth = 1usize;
        for op in body.get_operators_reader().map_err(|e| e.to_string())? {
            let op = op.map_err(|e| e.to_string())?;
            if matches!(op, O::End | O::Else) {
                depth = depth.saturating_sub(1);
            }
            println!("{}{op:?}", "  ".repeat(depth));
            if matches!(op, O::Block { .. } | O::Loop { .. } | O::If { .. } | O::Else) {
                depth += 1;
            }
        }
    }
    Ok(())
}

/// Sizes of a module: total, code section, custom sections (`name`,
/// `.debug_*`, `producers`, ...).
#[derive(Clone, Copy, Default)]
struct Sizes {
    total: usize,
    code: usize,
    custom: usize,
}

fn sizes(wasm: &[u8]) -> Result<Sizes, String> {
    use wasmparser::{Parser, Payload};
    let mut s = Sizes { total: wasm.len(), ..Sizes::default() };
    for payload in Parser::new(0).parse_all(wasm) {
        match payload.map_err(|e| e.to_string())? {
            Payload::CodeSectionStart { size, .. } => s.code = size as usize,
            Payload::CustomSection(c) => s.custom += (c.range().end - c.range().start) as usize,
            _ => {}
        }
    }
    Ok(s)
}

fn wasm_opt(exe: &str, input: &Path, flags: &[&str]) -> Result<Vec<u8>, String> {
    let out = std::env::temp_dir().join(format!("weft-backend-size-{}.wasm", std::process::id()));
    let status = Command::new(exe)
        .arg(input)
        .args(flags)
        .args(["--all-features", "-o"])
        .arg(&out)
        .status()
        .map_err(|e| format!("{exe}: {e}"))?;
    if !status.success() {
        return Err(format!("{exe} failed on {}", input.display()));
    }
    let bytes = std::fs::read(&out).map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&out);
    Ok(bytes)
}

fn weft(bytes: &[u8], level: weft::OptLevel) -> Result<Vec<u8>, String> {
    let config = weft::Config { opt_level: level, ..Default::default() };
    weft::optimize(bytes, &config).map(|(out, _)| out).map_err(|e| e.to_string())
}

struct Row {
    name: String,
    input: usize,
    o0: Sizes,
    locals_only: Sizes,
    o2: Option<(Sizes, Sizes)>,
}

fn one_file(exe: &str, path: &Path, o2: bool, top: usize) -> Result<Option<Row>, String> {
    let input = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let ours = weft(&input, weft::OptLevel::O0)?;
    let theirs = wasm_opt(exe, path, &LOCALS_ONLY)?;
    if let Ok(i) = std::env::var("DUMP").map(|s| s.parse::<usize>().unwrap_or(usize::MAX)) {
        println!("=== weft -O0, defined function {i}");
        dump(&ours, i)?;
        println!("=== wasm-opt locals-only, defined function {i}");
        dump(&theirs, i)?;
        return Ok(None);
    }
    let (a, b) = (function_stats(&ours)?, function_stats(&theirs)?);
    println!("## {}\n", path.display());
    println!(
        "input {} bytes, weft -O0 {} bytes, wasm-opt locals-only {} bytes\n",
        input.len(),
        ours.len(),
        theirs.len()
    );
    let (mut ta, mut tb) = (Stats::default(), Stats::default());
    a.iter().for_each(|s| ta.add(s));
    b.iter().for_each(|s| tb.add(s));
    println!("| category | weft count | weft bytes | wasm-opt count | wasm-opt bytes | Δ bytes |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (i, cat) in CATS.iter().enumerate() {
        println!(
            "| {cat} | {} | {} | {} | {} | {:+} |",
            ta.count[i],
            ta.bytes[i],
            tb.count[i],
            tb.bytes[i],
            ta.bytes[i] as i64 - tb.bytes[i] as i64
        );
    }
    println!(
        "| bodies | {} | {} | {} | {} | {:+} |\n",
        a.len(),
        ta.size,
        b.len(),
        tb.size,
        ta.size as i64 - tb.size as i64
    );
    if a.len() == b.len() && top > 0 {
        let mut diffs: Vec<(i64, usize)> =
            a.iter().zip(&b).enumerate().map(|(i, (x, y))| (x.size as i64 - y.size as i64, i)).collect();
        diffs.sort_by_key(|&(d, i)| (-d, i));
        println!("| defined func | weft | wasm-opt | Δ | Δ get | Δ set | Δ tee | Δ ctrl | Δ br | Δ const |");
        println!("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
        for &(d, i) in diffs.iter().take(top) {
            let (x, y) = (&a[i], &b[i]);
            let dc = |c: usize| x.bytes[c] as i64 - y.bytes[c] as i64;
            println!(
                "| {i} | {} | {} | {d:+} | {:+} | {:+} | {:+} | {:+} | {:+} | {:+} |",
                x.size,
                y.size,
                dc(1),
                dc(2),
                dc(3),
                dc(5),
                dc(6),
                dc(8)
            );
        }
        println!();
    }
    let o2 = if o2 {
        Some((sizes(&weft(&input, weft::OptLevel::O2)?)?, sizes(&wasm_opt(exe, path, &["-O2"])?)?))
    } else {
        None
    };
    let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
    let name = match path.parent().and_then(|p| p.file_name()) {
        Some(dir) if stem == "benchmark" => dir.to_string_lossy().into_owned(),
        _ => stem,
    };
    Ok(Some(Row { name, input: input.len(), o0: sizes(&ours)?, locals_only: sizes(&theirs)?, o2 }))
}

/// The columns comparing weft's module `w` with wasm-opt's `o`: totals,
/// code sections and their difference, custom sections; after the input
/// size when given.
fn comparison(input: Option<usize>, w: Sizes, o: Sizes) -> Vec<i64> {
    let code_delta = w.code as i64 - o.code as i64;
    let sizes = [w.total, o.total, w.code, o.code].map(|c| c as i64);
    input.map(|i| i as i64).into_iter().chain(sizes).chain([code_delta, w.custom as i64, o.custom as i64]).collect()
}

/// A markdown table, one row per program and a row of sums.
fn table(headers: &[&str], rows: &[(String, Vec<i64>)]) {
    println!("| program | {} |", headers.join(" | "));
    println!("|---|{}", "---:|".repeat(headers.len()));
    let mut sum = vec![0i64; headers.len()];
    for (name, cols) in rows {
        sum.iter_mut().zip(cols).for_each(|(s, c)| *s += c);
        let cells: Vec<String> = cols.iter().map(i64::to_string).collect();
        println!("| {name} | {} |", cells.join(" | "));
    }
    let cells: Vec<String> = sum.iter().map(i64::to_string).collect();
    println!("| **sum** | {} |\n", cells.join(" | "));
}

fn main() -> ExitCode {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let o2 = args.iter().any(|a| a == "--o2");
    args.retain(|a| a != "--o2");
    let mut top = 15;
    if let Some(i) = args.iter().position(|a| a == "--top") {
        top = args.get(i + 1).and_then(|n| n.parse().ok()).unwrap_or(top);
        args.drain(i..(i + 2).min(args.len()));
    }
    let Some((exe, files)) = args.split_first() else {
        eprintln!("usage: backend_size WASM_OPT FILE.wasm... [--o2] [--top N]");
        return ExitCode::from(2);
    };
    let mut rows = Vec::new();
    for f in files {
        match one_file(exe, Path::new(f), o2, top) {
            Ok(Some(r)) => rows.push(r),
            Ok(None) => return ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("backend_size: {e}");
                return ExitCode::FAILURE;
            }
        }
    }
    println!(
        "Module bytes, code-section bytes and custom-section bytes (`name`, DWARF `.debug_*`, `producers`, ...).\n"
    );
    let o0: Vec<(String, Vec<i64>)> =
        rows.iter().map(|r| (r.name.clone(), comparison(Some(r.input), r.o0, r.locals_only))).collect();
    table(
        &[
            "input",
            "weft -O0",
            "wasm-opt locals-only",
            "code: weft -O0",
            "code: wasm-opt",
            "code Δ",
            "custom: weft",
            "custom: wasm-opt",
        ],
        &o0,
    );
    if rows.iter().any(|r| r.o2.is_some()) {
        let o2: Vec<(String, Vec<i64>)> = rows
            .iter()
            .map(|r| {
                let (w, o) = r.o2.unwrap_or_default();
                (r.name.clone(), comparison(None, w, o))
            })
            .collect();
        table(
            &[
                "weft -O2",
                "wasm-opt -O2",
                "code: weft -O2",
                "code: wasm-opt -O2",
                "code Δ",
                "custom: weft",
                "custom: wasm-opt",
            ],
            &o2,
        );
    }
    ExitCode::SUCCESS
}

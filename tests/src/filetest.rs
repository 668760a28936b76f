//! The filetest runner.
//!
//! A filetest is a text file under `tests/filetests/<suite>/` whose first
//! non-comment line names the command:
//!
//! | header | what it checks |
//! |---|---|
//! | `test print` | `print(parse(s)) == s` (every file checks this) and `; check:` lines against the printed text |
//! | `test verifier` | every function fails verification with exactly the `; error:` messages (substrings), or passes when there are none |
//! | `test domtree` | `; check:` lines against the dominator-tree dump |
//! | `test loops` | `; check:` lines against the loop-analysis dump |
//! | `test liveness` | `; check:` lines against the liveness dump |
//! | `test interpret` | `; run:` lines executed by the IR interpreter |
//!
//! Every file, whatever its command, must be in canonical text form: each
//! function printed after parsing equals its source (comments removed).
//! Directives are `;` comments; `; check:`, `; nextln:`, `; sameln:`,
//! `; not:`, `; unordered:`, `; regex:` follow the `filecheck` crate.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use weft_ir::Function;

/// The command a filetest runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    /// `test print`.
    Print,
    /// `test verifier`.
    Verifier,
    /// `test domtree`.
    Domtree,
    /// `test loops`.
    Loops,
    /// `test liveness`.
    Liveness,
    /// `test interpret`.
    Interpret,
    /// `test pass a,b<k=v>,c`: run the passes (with parameters), then `; check:` the output, run the
    /// `; run:` lines before and after, and require the Z3 refinement check
    /// of the result against the input not to fail.
    Pass(Vec<weft_passes::PassSpec>),
    /// `test refine`: functions come in pairs (source, target), besides
    /// helpers marked `; callee: fnN` or `; init-function`; the target
    /// carries `; expect: proved`, `; expect: bounded`, `; expect: unknown`
    /// or `; expect: counterexample [QUERY]`; check directives
    /// (`weft_verify::text`) in the header or either function's comments
    /// apply to the pair.
    Refine,
}

/// One parsed filetest.
pub struct FileTest {
    /// Where it came from.
    pub path: PathBuf,
    /// The command.
    pub command: Command,
    /// The whole text.
    pub text: String,
}

impl FileTest {
    /// Reads and classifies a filetest.
    pub fn read(path: &Path) -> Result<FileTest, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        let header = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with(';'))
            .ok_or_else(|| "empty file: no `test` header".to_string())?;
        let rest = header
            .strip_prefix("test ")
            .ok_or_else(|| format!("first line must be `test <command>`, found `{header}`"))?;
        let command = match rest.trim() {
            "print" => Command::Print,
            "verifier" => Command::Verifier,
            "domtree" => Command::Domtree,
            "loops" => Command::Loops,
            "liveness" => Command::Liveness,
            "interpret" => Command::Interpret,
            "refine" => Command::Refine,
            other if other.starts_with("pass ") => {
                Command::Pass(weft_passes::parse_pass_list(&other[5..]).map_err(|e| e.to_string())?)
            }
            other => return Err(format!("unknown filetest command `{other}`")),
        };
        Ok(FileTest { path: path.to_path_buf(), command, text })
    }
}

/// A function's source: its lines from `function` to the closing `}`, and the
/// comments that follow them until the next function.
pub struct FuncSource {
    /// The function text with comments removed (what the printer must produce).
    pub canonical: String,
    /// Every comment in the function and after it (before the next function),
    /// without the leading `;`, one per line.
    pub comments: Vec<String>,
    /// 1-based line number of the `function` line.
    pub line: usize,
}

/// Splits a file into function sources. Comments before the first function
/// belong to no function (they are the file's description and directives for
/// the whole file are not supported).
pub fn split_functions(text: &str) -> Vec<FuncSource> {
    let mut out: Vec<FuncSource> = Vec::new();
    let mut inside = false;
    for (i, raw) in text.lines().enumerate() {
        let (code, comment) = match weft_verify::text::comment_start(raw) {
            Some(p) => (&raw[..p], Some(raw[p + 1..].to_string())),
            None => (raw, None),
        };
        let code = code.trim_end();
        if !inside && code.starts_with("function ") {
            inside = true;
            out.push(FuncSource { canonical: String::new(), comments: Vec::new(), line: i + 1 });
        }
        if let Some(f) = out.last_mut() {
            if inside && !(code.trim().is_empty() && comment.is_some()) {
                f.canonical.push_str(code);
                f.canonical.push('\n');
            }
            if let Some(c) = comment {
                f.comments.push(c);
            }
        }
        if inside && code == "}" {
            inside = false;
        }
    }
    out
}

/// Runs one filetest. `Ok(n)` with the number of functions checked.
pub fn run(test: &FileTest) -> Result<usize, String> {
    let sources = split_functions(&test.text);
    if sources.is_empty() {
        return Err("no functions in the file".into());
    }
    // The parser reads functions only: blank the `test` header line (keeping
    // line numbers in parse errors true).
    let mut header_seen = false;
    let body: String = test
        .text
        .lines()
        .map(|l| {
            if !header_seen && l.trim_start().starts_with("test ") {
                header_seen = true;
                ""
            } else {
                l
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let funcs = weft_ir::parse_functions(&body).map_err(|e| format!("parse error at {e}"))?;
    if funcs.len() != sources.len() {
        return Err(format!("found {} `function` lines but parsed {} functions", sources.len(), funcs.len()));
    }
    if test.command == Command::Refine {
        return run_refine(&test.text);
    }
    for (func, src) in funcs.iter().zip(&sources) {
        let printed = func.display().to_string();
        if printed != src.canonical {
            return Err(format!(
                "function at line {} is not in canonical form; print(parse(s)) gives:\n{printed}\nsource was:\n{}",
                src.line, src.canonical
            ));
        }
        run_function(test, &funcs, func, src)
            .map_err(|e| format!("function %{} (line {}): {e}", func.name, src.line))?;
    }
    Ok(funcs.len())
}

fn directives(src: &FuncSource, prefix: &str) -> Vec<String> {
    src.comments.iter().filter_map(|c| c.trim().strip_prefix(prefix).map(|r| r.trim().to_string())).collect()
}

fn filecheck(src: &FuncSource, output: &str) -> Result<(), String> {
    let mut builder = filecheck::CheckerBuilder::new();
    for c in &src.comments {
        builder.directive(c).map_err(|e| format!("bad directive `{c}`: {e}"))?;
    }
    let checker = builder.finish();
    if checker.is_empty() {
        return Err("no `; check:` directives".into());
    }
    let (ok, explain) = checker.explain(output, filecheck::NO_VARIABLES).map_err(|e| e.to_string())?;
    if ok { Ok(()) } else { Err(format!("check failed on output:\n{output}\nexplanation:\n{explain}")) }
}

fn run_function(test: &FileTest, funcs: &[Function], func: &Function, src: &FuncSource) -> Result<(), String> {
    match &test.command {
        Command::Print => {
            let checks = src.comments.iter().any(|c| c.contains("check:"));
            if checks { filecheck(src, &func.display().to_string()) } else { Ok(()) }
        }
        Command::Verifier => check_verifier(func, src),
        Command::Domtree => {
            verify(func)?;
            filecheck(src, &crate::dumps::domtree(func))
        }
        Command::Loops => {
            verify(func)?;
            filecheck(src, &crate::dumps::loops(func))
        }
        Command::Liveness => {
            verify(func)?;
            filecheck(src, &crate::dumps::liveness(func))
        }
        Command::Refine => unreachable!("handled per file"),
        Command::Pass(specs) => run_pass(specs, funcs, func, src),
        Command::Interpret => {
            verify(func)?;
            let runs = directives(src, "run:");
            if runs.is_empty() {
                return Err("no `; run:` directives".into());
            }
            for r in runs {
                crate::run_line::check(funcs, func, &r)?;
            }
            Ok(())
        }
    }
}

/// Verifies a function, turning errors into the pretty form.
pub fn verify(func: &Function) -> Result<(), String> {
    weft_ir::verifier::verify_function(func).map_err(|errs| weft_ir::verifier::pretty_errors(func, &errs))
}

fn check_verifier(func: &Function, src: &FuncSource) -> Result<(), String> {
    let expected = directives(src, "error:");
    match weft_ir::verifier::verify_function(func) {
        Ok(()) if expected.is_empty() => Ok(()),
        Ok(()) => Err(format!("verifier accepted the function; expected errors: {expected:?}")),
        Err(errs) => {
            let messages: Vec<String> = errs.0.iter().map(|e| e.to_string()).collect();
            let mut report = String::new();
            for want in &expected {
                if !messages.iter().any(|m| m.contains(want.as_str())) {
                    let _ = writeln!(report, "expected error containing `{want}` not reported");
                }
            }
            for got in &messages {
                if !expected.iter().any(|w| got.contains(w.as_str())) {
                    let _ = writeln!(report, "unexpected error `{got}`");
                }
            }
            if report.is_empty() {
                Ok(())
            } else {
                Err(format!("{report}verifier output:\n{}", weft_ir::verifier::pretty_errors(func, &errs)))
            }
        }
    }
}

/// Finds every filetest under `dir` (sorted).
pub fn discover(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else { continue };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "ir") {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

fn run_pass(
    specs: &[weft_passes::PassSpec],
    funcs: &[Function],
    func: &Function,
    src: &FuncSource,
) -> Result<(), String> {
    verify(func).map_err(|e| format!("input does not verify:\n{e}"))?;
    let runs = directives(src, "run:");
    for r in &runs {
        crate::run_line::check(funcs, func, r).map_err(|e| format!("before the pass: {e}"))?;
    }
    let manager =
        weft_passes::PassManager::from_specs(specs, weft_passes::Config::default()).map_err(|e| e.to_string())?;
    let mut out = func.clone();
    let report = manager.run_function(&mut out);
    if let Some(e) = report.events.iter().find(|e| e.reverted) {
        return Err(format!("pass {} was reverted: {}", e.pass, e.message));
    }
    let printed = out.display().to_string();
    filecheck(src, &printed)?;
    // The result must still be canonical text.
    let reparsed = weft_ir::parse_function(&printed).map_err(|e| format!("output does not parse: {e}\n{printed}"))?;
    if reparsed.display().to_string() != printed {
        return Err("output is not stable under print(parse(..))".into());
    }
    for r in &runs {
        crate::run_line::check(funcs, &out, r).map_err(|e| format!("after the pass: {e}\noutput:\n{printed}"))?;
    }
    match weft_verify::check_refinement(func, &out, &weft_verify::Options::default()) {
        weft_verify::Outcome::Proved | weft_verify::Outcome::ProvedBounded(_) => Ok(()),
        other => Err(format!("refinement check of the pass's output: {other}\noutput:\n{printed}")),
    }
}

/// `test refine`: functions in (source, target) pairs, helpers (`; callee:
/// fnN`, `; init-function`) apart; each pair checked with the directives of
/// the file header, the source and the target (`weft_verify::text`).
fn run_refine(text: &str) -> Result<usize, String> {
    use weft_verify::text::{TextCheck, read_check_file};
    let file = read_check_file(text)?;
    let mut helpers = Vec::new();
    let mut checked = Vec::new();
    for f in &file.functions {
        verify(&f.func).map_err(|e| format!("%{} (line {}): {e}", f.func.name, f.line))?;
        if f.is_helper()? { helpers.push(f.clone()) } else { checked.push(f) }
    }
    if !checked.len().is_multiple_of(2) {
        return Err("`test refine` needs functions in (source, target) pairs".into());
    }
    for pair in checked.chunks(2) {
        let (s, t) = (pair[0], pair[1]);
        let ctx = |e: String| format!("pair %{} / %{} (line {}): {e}", s.func.name, t.func.name, t.line);
        let expect: Vec<&str> =
            t.comments.iter().filter_map(|c| c.trim().strip_prefix("expect:")).map(str::trim).collect();
        let [expect] = expect.as_slice() else {
            return Err(ctx("the target needs exactly one `; expect:` line".into()));
        };
        let mut lines = file.header.clone();
        lines.extend(s.comments.iter().cloned());
        lines.extend(t.comments.iter().cloned());
        let mut check = TextCheck::build(s, t, &lines, &helpers, weft_verify::Options::default()).map_err(ctx)?;
        let outcome = match check.prove_invariants() {
            Ok(()) => weft_verify::check_refinement(&check.src, &check.tgt, &check.options),
            Err(r) => r.report.outcome,
        };
        let ok = match (expect.split_whitespace().next(), &outcome) {
            (Some("proved"), weft_verify::Outcome::Proved) => true,
            (Some("bounded"), weft_verify::Outcome::ProvedBounded(_)) => true,
            (Some("unknown"), weft_verify::Outcome::Unknown(_)) => true,
            (Some("counterexample"), weft_verify::Outcome::Counterexample(cex)) => {
                let want = expect["counterexample".len()..].trim();
                want.is_empty() || cex.query.contains(want)
            }
            _ => false,
        };
        if !ok {
            return Err(ctx(format!("expected `{expect}`, got: {outcome}")));
        }
    }
    Ok(file.functions.len())
}

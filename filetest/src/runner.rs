//! Reading and running one filetest.
//!
//! A filetest is a text file under `tests/filetests/<suite>/` whose first
//! non-comment line names the command:
//!
//! | header | what it checks |
//! |---|---|
//! | `test print` | `print(parse(s)) == s` (every file checks this) and `; check:` lines against the printed text |
//! | `test verifier` | every function fails verification with exactly the `; error: LOCATION: MESSAGE` lines, or passes when there are none |
//! | `test domtree` | `; check:` lines against the dominator-tree dump |
//! | `test loops` | `; check:` lines against the loop-analysis dump |
//! | `test liveness` | `; check:` lines against the liveness dump |
//! | `test interpret` | `; run:` lines executed by the IR interpreter |
//! | `test pass a,b<k=v>` | the passes' output against `; check:` lines, or against the whole expected function (`precise-output`) |
//! | `test refine` | (source, target) pairs against their `; expect:` verdicts |
//!
//! Every file, whatever its command, must be in canonical text form: each
//! function printed after parsing equals its source (comments removed).
//! Directives are `;` comments; `; check:`, `; nextln:`, `; sameln:`,
//! `; not:`, `; unordered:`, `; regex:` follow the `filecheck` crate.
//!
//! Expected output that a run can regenerate — the output block of a
//! `precise-output` pass test and the `; error:` lines of a verifier test —
//! is rewritten in place when the run is asked to bless
//! ([`run_with`] with `bless`); see [`crate::expect`].

use std::path::{Path, PathBuf};

use weft_ir::Function;
use weft_ir::verifier::VerifierError;

use crate::expect::{self, Rewrite};

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

/// The header word after a `test pass` command that asks for precise
/// output: the whole expected function is written after each function.
pub const PRECISE_OUTPUT: &str = "precise-output";

/// One parsed filetest.
pub struct FileTest {
    /// Where it came from.
    pub path: PathBuf,
    /// The command.
    pub command: Command,
    /// `test pass ... precise-output`: each function's whole expected output
    /// is written in an output block after it (see [`crate::expect`]).
    pub precise_output: bool,
    /// The whole text.
    pub text: String,
}

impl FileTest {
    /// Reads and classifies a filetest.
    pub fn read(path: &Path) -> Result<FileTest, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
        FileTest::from_text(path, text)
    }

    /// Classifies the text of a filetest read from `path`.
    pub fn from_text(path: &Path, text: String) -> Result<FileTest, String> {
        let header = text
            .lines()
            .map(str::trim)
            .find(|l| !l.is_empty() && !l.starts_with(';'))
            .ok_or_else(|| "empty file: no `test` header".to_string())?;
        let rest = header
            .strip_prefix("test ")
            .ok_or_else(|| format!("first line must be `test <command>`, found `{header}`"))?
            .trim();
        let (rest, precise_output) = match rest.strip_suffix(PRECISE_OUTPUT) {
            Some(r) if r.ends_with(char::is_whitespace) => (r.trim_end(), true),
            _ => (rest, false),
        };
        let command = match rest {
            "print" => Command::Print,
            "verifier" => Command::Verifier,
            "domtree" => Command::Domtree,
            "loops" => Command::Loops,
            "liveness" => Command::Liveness,
            "interpret" => Command::Interpret,
            "refine" => Command::Refine,
            other if other.starts_with("pass ") => {
                let specs = weft_passes::parse_pass_list(&other[5..]).map_err(|e| e.to_string())?;
                // A lone function holds no module: a module pass would not
                // run, and the test could not fail.
                if let Some(m) = specs.iter().find(|s| matches!((s.info.make)(), weft_passes::AnyPass::Module(_))) {
                    return Err(format!(
                        "`{0}` is a module pass and does not run on a lone function: its tests are WAT modules \
                         under tests/modules/{0}/ (`;; test module-pass {0}`, run by `cargo test -p weft-tests \
                         --test module_dce`)",
                        m.info.name
                    ));
                }
                Command::Pass(specs)
            }
            other => return Err(format!("unknown filetest command `{other}`")),
        };
        if precise_output && !matches!(command, Command::Pass(_)) {
            return Err(format!("`{PRECISE_OUTPUT}` applies to `test pass` only"));
        }
        Ok(FileTest { path: path.to_path_buf(), command, precise_output, text })
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
    /// The 0-based line index of each comment of [`FuncSource::comments`].
    pub comment_lines: Vec<usize>,
    /// 1-based line number of the `function` line.
    pub line: usize,
    /// The 0-based index of the line after the closing `}` and the comment
    /// lines right after it: where a regenerated block is appended.
    pub insert_at: usize,
}

/// Splits a file into function sources. Comments before the first function
/// belong to no function (they are the file's description and directives for
/// the whole file are not supported).
pub fn split_functions(text: &str) -> Vec<FuncSource> {
    let mut out: Vec<FuncSource> = Vec::new();
    let mut inside = false;
    // Still in the run of comment lines right after a function's `}`.
    let mut trailing = false;
    for (i, raw) in text.lines().enumerate() {
        let (code, comment) = match weft_verify::text::comment_start(raw) {
            Some(p) => (&raw[..p], Some(raw[p + 1..].to_string())),
            None => (raw, None),
        };
        let code = code.trim_end();
        if !inside && code.starts_with("function ") {
            inside = true;
            trailing = false;
            out.push(FuncSource {
                canonical: String::new(),
                comments: Vec::new(),
                comment_lines: Vec::new(),
                line: i + 1,
                insert_at: i + 1,
            });
        }
        if let Some(f) = out.last_mut() {
            let comment_only = code.trim().is_empty() && comment.is_some();
            if inside && !comment_only {
                f.canonical.push_str(code);
                f.canonical.push('\n');
            }
            if trailing {
                trailing = comment_only;
                if trailing {
                    f.insert_at = i + 1;
                }
            }
            if let Some(c) = comment {
                f.comments.push(c);
                f.comment_lines.push(i);
            }
            if inside && code == "}" {
                inside = false;
                trailing = true;
                f.insert_at = i + 1;
            }
        }
    }
    out
}

/// Parses the functions of a filetest's text: the `test` header line is
/// blanked (the parser reads functions only), so line numbers in parse errors
/// stay true.
pub fn parse_file_functions(text: &str) -> Result<Vec<Function>, weft_ir::ParseError> {
    let mut header_seen = false;
    let body: String = text
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
    weft_ir::parse_functions(&body)
}

/// What a run of one filetest gave.
#[derive(Debug)]
pub struct Ran {
    /// The number of functions checked.
    pub functions: usize,
    /// With bless: the file's new text, when its expected output changed.
    pub blessed: Option<String>,
}

/// Runs one filetest. `Ok(n)` with the number of functions checked.
pub fn run(test: &FileTest) -> Result<usize, String> {
    run_with(test, false).map(|r| r.functions)
}

/// Runs one filetest. With `bless`, expected output that differs from the
/// actual output (a `precise-output` block, `; error:` lines) is not a
/// failure: the file's new text is returned instead, provided every other
/// check of the file passes. Nothing is written here.
pub fn run_with(test: &FileTest, bless: bool) -> Result<Ran, String> {
    let sources = split_functions(&test.text);
    if sources.is_empty() {
        return Err("no functions in the file".into());
    }
    let funcs = parse_file_functions(&test.text).map_err(|e| format!("parse error at {e}"))?;
    if funcs.len() != sources.len() {
        return Err(format!("found {} `function` lines but parsed {} functions", sources.len(), funcs.len()));
    }
    if test.command == Command::Refine {
        return run_refine(&test.text).map(|functions| Ran { functions, blessed: None });
    }
    let lines: Vec<&str> = test.text.lines().collect();
    let mut rewrites = Vec::new();
    for (func, src) in funcs.iter().zip(&sources) {
        let printed = func.display().to_string();
        if printed != src.canonical {
            return Err(format!(
                "function at line {} is not in canonical form; print(parse(s)) gives:\n{printed}\nsource was:\n{}",
                src.line, src.canonical
            ));
        }
        let cx = FuncCx { test, funcs: &funcs, func, src, lines: &lines, bless };
        let rewrite = run_function(&cx).map_err(|e| format!("function %{} (line {}): {e}", func.name, src.line))?;
        rewrites.extend(rewrite);
    }
    let blessed = (!rewrites.is_empty()).then(|| expect::apply(&test.text, &rewrites));
    Ok(Ran { functions: funcs.len(), blessed })
}

/// What checking one function of a file needs.
struct FuncCx<'a> {
    test: &'a FileTest,
    funcs: &'a [Function],
    func: &'a Function,
    src: &'a FuncSource,
    lines: &'a [&'a str],
    bless: bool,
}

fn directives(src: &FuncSource, prefix: &str) -> Vec<String> {
    src.comments.iter().filter_map(|c| c.trim().strip_prefix(prefix).map(|r| r.trim().to_string())).collect()
}

/// Checks `output` against the `filecheck` directives among `comments`.
fn filecheck<'c>(comments: impl IntoIterator<Item = &'c String>, output: &str) -> Result<(), String> {
    let mut builder = filecheck::CheckerBuilder::new();
    for c in comments {
        builder.directive(c).map_err(|e| format!("bad directive `{c}`: {e}"))?;
    }
    let checker = builder.finish();
    if checker.is_empty() {
        return Err("no `; check:` directives".into());
    }
    let (ok, explain) = checker.explain(output, filecheck::NO_VARIABLES).map_err(|e| e.to_string())?;
    if ok { Ok(()) } else { Err(format!("check failed on output:\n{output}\nexplanation:\n{explain}")) }
}

fn run_function(cx: &FuncCx<'_>) -> Result<Option<Rewrite>, String> {
    let (func, src) = (cx.func, cx.src);
    match &cx.test.command {
        Command::Print => {
            let checks = src.comments.iter().any(|c| c.contains("check:"));
            if checks {
                filecheck(&src.comments, &func.display().to_string())?;
            }
            Ok(None)
        }
        Command::Verifier => check_verifier(cx),
        Command::Domtree => {
            verify(func)?;
            filecheck(&src.comments, &crate::dumps::domtree(func)).map(|()| None)
        }
        Command::Loops => {
            verify(func)?;
            filecheck(&src.comments, &crate::dumps::loops(func)).map(|()| None)
        }
        Command::Liveness => {
            verify(func)?;
            filecheck(&src.comments, &crate::dumps::liveness(func)).map(|()| None)
        }
        Command::Refine => Err("`test refine` files are checked per pair, not per function".into()),
        Command::Pass(specs) => run_pass(cx, specs),
        Command::Interpret => {
            verify(func)?;
            let runs = directives(src, "run:");
            if runs.is_empty() {
                return Err("no `; run:` directives".into());
            }
            for r in runs {
                crate::run_line::check(cx.funcs, func, &r)?;
            }
            Ok(None)
        }
    }
}

/// Verifies a function, turning errors into the pretty form.
pub fn verify(func: &Function) -> Result<(), String> {
    weft_ir::verifier::verify_function(func).map_err(|errs| weft_ir::verifier::pretty_errors(func, &errs))
}

/// A verifier error as an `; error:` line writes it: `LOCATION: MESSAGE`.
fn error_line(e: &VerifierError) -> String {
    format!("{}: {}", e.location, e.message)
}

/// `test verifier`: the reported errors, each `LOCATION: MESSAGE`, must be
/// exactly the function's `; error:` lines (in any order, each line
/// matching one report).
fn check_verifier(cx: &FuncCx<'_>) -> Result<Option<Rewrite>, String> {
    let (func, src) = (cx.func, cx.src);
    let errors: Vec<(usize, String)> = src
        .comments
        .iter()
        .zip(&src.comment_lines)
        .filter_map(|(c, &line)| c.trim().strip_prefix("error:").map(|r| (line, r.trim().to_string())))
        .collect();
    // Bless rewrites every `; error:` line, well-formed or not.
    if !cx.bless {
        for (line, e) in &errors {
            expect::check_error_line(e).map_err(|msg| format!("line {}: {msg}", line + 1))?;
        }
    }
    let reported = match weft_ir::verifier::verify_function(func) {
        Ok(()) => Vec::new(),
        Err(errs) => errs.0,
    };
    let mut got: Vec<String> = reported.iter().map(error_line).collect();
    let mut want: Vec<String> = errors.iter().map(|(_, e)| e.clone()).collect();
    let in_order = got.clone();
    got.sort();
    want.sort();
    if got == want {
        return Ok(None);
    }
    if cx.bless {
        let lines = in_order.iter().map(|e| format!("; error: {e}")).collect();
        let old: Vec<usize> = errors.iter().map(|(l, _)| *l).collect();
        return expect::replace_lines(cx.lines, &old, src.insert_at, lines).map(Some);
    }
    let mut report = String::new();
    for w in expect::missing(&want, &got) {
        report.push_str(&format!("expected error `{w}` not reported\n"));
    }
    for g in expect::missing(&got, &want) {
        report.push_str(&format!("unexpected error `{g}`\n"));
    }
    if reported.is_empty() {
        return Err(format!("{report}the verifier accepted the function"));
    }
    let errs = weft_ir::verifier::VerifierErrors(reported);
    Err(format!("{report}verifier output:\n{}", weft_ir::verifier::pretty_errors(func, &errs)))
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

fn run_pass(cx: &FuncCx<'_>, specs: &[weft_passes::PassSpec]) -> Result<Option<Rewrite>, String> {
    let (funcs, func, src) = (cx.funcs, cx.func, cx.src);
    verify(func).map_err(|e| format!("input does not verify:\n{e}"))?;
    let block = if cx.test.precise_output { expect::output_block(cx.lines, src)? } else { None };
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
    let mut rewrite = None;
    if cx.test.precise_output {
        // `; check:` lines may still be written beside the output block.
        let outside: Vec<&String> = src
            .comments
            .iter()
            .zip(&src.comment_lines)
            .filter(|(_, l)| block.as_ref().is_none_or(|b| !b.lines.contains(l)))
            .map(|(c, _)| c)
            .collect();
        if outside.iter().any(|c| c.contains("check:")) {
            filecheck(outside, &printed)?;
        }
        match &block {
            Some(b) if b.text == printed => {}
            _ if cx.bless => {
                let old: Vec<usize> = block.as_ref().map(|b| b.lines.clone().collect()).unwrap_or_default();
                rewrite = Some(expect::replace_lines(cx.lines, &old, src.insert_at, expect::output_lines(&printed))?);
            }
            Some(b) => {
                return Err(format!(
                    "output differs from the output block (line {}; `-` expected, `+` actual; \
                     WEFT_BLESS=1 rewrites the block):\n{}",
                    b.lines.start + 1,
                    expect::diff(&b.text, &printed)
                ));
            }
            None => {
                return Err(format!(
                    "no `; output:` block after the function (WEFT_BLESS=1 writes it); the output is:\n{printed}"
                ));
            }
        }
    } else {
        filecheck(&src.comments, &printed)?;
    }
    // The result must still be canonical text.
    let reparsed = weft_ir::parse_function(&printed).map_err(|e| format!("output does not parse: {e}\n{printed}"))?;
    if reparsed.display().to_string() != printed {
        return Err("output is not stable under print(parse(..))".into());
    }
    for r in &runs {
        crate::run_line::check(funcs, &out, r).map_err(|e| format!("after the pass: {e}\noutput:\n{printed}"))?;
    }
    match weft_verify::check_refinement(func, &out, &weft_verify::Options::default()) {
        weft_verify::Outcome::Proved | weft_verify::Outcome::ProvedBounded(_) => Ok(rewrite),
        other => Err(format!("refinement check of the pass's output: {other}\noutput:\n{printed}")),
    }
}

/// One (source, target) pair of a `test refine` file, checked.
pub struct RefinePair {
    /// `%source / %target`.
    pub name: String,
    /// The target's `; expect:` text (after `expect:`).
    pub expect: String,
    /// The check's report: the verdict and its queries.
    pub report: weft_verify::Report,
    /// How long the check took (invariants and refinement), in milliseconds.
    pub millis: f64,
}

impl RefinePair {
    /// Is the verdict the kind the `; expect:` line names (`proved`,
    /// `bounded`, `unknown`, or `counterexample [QUERY-SUBSTRING]`)?
    pub fn as_expected(&self) -> bool {
        let expect = self.expect.as_str();
        match (expect.split_whitespace().next(), &self.report.outcome) {
            (Some("proved"), weft_verify::Outcome::Proved) => true,
            (Some("bounded"), weft_verify::Outcome::ProvedBounded(_)) => true,
            (Some("unknown"), weft_verify::Outcome::Unknown(_)) => true,
            (Some("counterexample"), weft_verify::Outcome::Counterexample(cex)) => {
                let want = expect["counterexample".len()..].trim();
                want.is_empty() || cex.query.contains(want)
            }
            _ => false,
        }
    }
}

/// Checks every (source, target) pair of a `test refine` file's text, as
/// `weft check` would with the file's directives (helpers marked
/// `; callee:` or `; init-function` are not pairs), and returns the pairs
/// and the number of functions in the file. An error is a malformed file.
pub fn check_refine_pairs(text: &str) -> Result<(Vec<RefinePair>, usize), String> {
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
    let mut out = Vec::new();
    for pair in checked.chunks(2) {
        let (s, t) = (pair[0], pair[1]);
        let name = format!("%{} / %{}", s.func.name, t.func.name);
        let ctx = |e: String| format!("pair {name} (line {}): {e}", t.line);
        let expect: Vec<&str> =
            t.comments.iter().filter_map(|c| c.trim().strip_prefix("expect:")).map(str::trim).collect();
        let [expect] = expect.as_slice() else {
            return Err(ctx("the target needs exactly one `; expect:` line".into()));
        };
        let mut lines = file.header.clone();
        lines.extend(s.comments.iter().cloned());
        lines.extend(t.comments.iter().cloned());
        let start = std::time::Instant::now();
        let mut check = TextCheck::build(s, t, &lines, &helpers, weft_verify::Options::default()).map_err(ctx)?;
        let report = match check.prove_invariants() {
            Ok(()) => weft_verify::check_refinement_report(&check.src, &check.tgt, &check.options),
            Err(r) => r.report,
        };
        let millis = start.elapsed().as_secs_f64() * 1000.0;
        out.push(RefinePair { name, expect: expect.to_string(), report, millis });
    }
    Ok((out, file.functions.len()))
}

/// Runs a `test refine` file: every pair's verdict must be as expected.
fn run_refine(text: &str) -> Result<usize, String> {
    let (pairs, functions) = check_refine_pairs(text)?;
    for pair in &pairs {
        if !pair.as_expected() {
            return Err(format!("pair {}: expected `{}`, got: {}", pair.name, pair.expect, pair.report.outcome));
        }
    }
    Ok(functions)
}

//! Expected output written in a filetest, and blessing: rewriting it in
//! place from what a run produced.
//!
//! Two kinds of expectation can be regenerated:
//!
//! * the **output block** of a `test pass ... precise-output` file. After
//!   each function comes a line `; output:` and then the whole function the
//!   passes produce, each line written as a comment (`; ` and the line, or
//!   `;` alone for an empty line), ending with the function's closing `; }`:
//!
//!   ```text
//!   ; output:
//!   ; function %f(i32) -> i32 {
//!   ; block0(v0: i32):
//!   ;     return v0
//!   ; }
//!   ```
//!
//!   Other directives (`; run:` lines, `; check:` lines) may come before or
//!   after the block.
//! * the `; error: LOCATION: MESSAGE` lines of a `test verifier` file, one
//!   per error the verifier reports (`LOCATION` is `function`, `blockN`,
//!   `instN` or `vN`, as the verifier names the entity).
//!
//! Blessing replaces those lines by what the run produced: the new lines
//! take the place of the first old one, or, when there were none, are
//! appended to the comment lines right after the function's `}`. `; check:`
//! lines are never rewritten (bless cannot invent patterns).

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use crate::runner::FuncSource;

/// A change to the lines of a file: remove some lines and insert others.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rewrite {
    /// 0-based indices of the lines to remove.
    remove: Vec<usize>,
    /// The 0-based index of the line the new lines go before (the number of
    /// lines: at the end).
    insert_at: usize,
    /// The new lines, without line ends.
    lines: Vec<String>,
}

/// A rewrite that removes the lines `old` (each must be a comment line) and
/// puts `new` in the place of the first of them, or before `fallback` when
/// `old` is empty.
pub(crate) fn replace_lines(
    lines: &[&str],
    old: &[usize],
    fallback: usize,
    new: Vec<String>,
) -> Result<Rewrite, String> {
    if let Some(&l) = old.iter().find(|&&l| !lines.get(l).is_some_and(|t| t.trim_start().starts_with(';'))) {
        return Err(format!("cannot bless line {}: the expectation shares its line with code", l + 1));
    }
    Ok(Rewrite { remove: old.to_vec(), insert_at: old.first().copied().unwrap_or(fallback), lines: new })
}

/// Applies `rewrites` (which touch disjoint lines) to `text`.
pub fn apply(text: &str, rewrites: &[Rewrite]) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let removed: BTreeSet<usize> = rewrites.iter().flat_map(|r| r.remove.iter().copied()).collect();
    let mut inserts: BTreeMap<usize, Vec<&str>> = BTreeMap::new();
    for r in rewrites {
        inserts.entry(r.insert_at).or_default().extend(r.lines.iter().map(String::as_str));
    }
    let mut out: Vec<&str> = Vec::with_capacity(lines.len());
    for i in 0..=lines.len() {
        if let Some(new) = inserts.get(&i) {
            out.extend(new);
        }
        if let Some(&line) = lines.get(i)
            && !removed.contains(&i)
        {
            out.push(line);
        }
    }
    let mut joined = out.join("\n");
    if text.ends_with('\n') || text.is_empty() {
        joined.push('\n');
    }
    joined
}

/// The output block of a `precise-output` function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OutputBlock {
    /// 0-based line indices of the block, from `; output:` to `; }`.
    pub lines: Range<usize>,
    /// The expected function text (comment markers removed).
    pub text: String,
}

/// The marker line that opens an output block (after `;`, trimmed).
const OUTPUT_MARKER: &str = "output:";

/// Finds the output block among `src`'s comments (`lines` are the file's
/// lines): `None` when there is none, an error when it is malformed.
pub(crate) fn output_block(lines: &[&str], src: &FuncSource) -> Result<Option<OutputBlock>, String> {
    let mut markers =
        src.comments.iter().zip(&src.comment_lines).filter(|(c, _)| c.trim() == OUTPUT_MARKER).map(|(_, &l)| l);
    let Some(start) = markers.next() else { return Ok(None) };
    if let Some(second) = markers.next() {
        return Err(format!("line {}: a second `; {OUTPUT_MARKER}` block for one function", second + 1));
    }
    let mut text = String::new();
    for (i, line) in lines.iter().enumerate().skip(start + 1) {
        let Some(comment) = line.trim_start().strip_prefix(';') else { break };
        let content = comment.strip_prefix(' ').unwrap_or(comment);
        text.push_str(content);
        text.push('\n');
        if content == "}" {
            return Ok(Some(OutputBlock { lines: start..i + 1, text }));
        }
    }
    Err(format!("line {}: the output block does not end with the function's closing `; }}`", start + 1))
}

/// The lines of an output block holding `printed`.
pub(crate) fn output_lines(printed: &str) -> Vec<String> {
    std::iter::once(format!("; {OUTPUT_MARKER}"))
        .chain(printed.lines().map(|l| if l.is_empty() { ";".to_string() } else { format!("; {l}") }))
        .collect()
}

/// Checks the shape of an `; error:` line's text: `LOCATION: MESSAGE`.
pub(crate) fn check_error_line(text: &str) -> Result<(), String> {
    let bad = || {
        format!("`; error: {text}` must be `; error: LOCATION: MESSAGE`, LOCATION being function, blockN, instN or vN")
    };
    let (location, message) = text.split_once(": ").ok_or_else(bad)?;
    let numbered = |prefix: &str| {
        location.strip_prefix(prefix).is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    };
    let known = location == "function" || numbered("block") || numbered("inst") || numbered("v");
    if known && !message.trim().is_empty() { Ok(()) } else { Err(bad()) }
}

/// The items of sorted `a` that sorted `b` lacks, counting repeats.
pub(crate) fn missing<'a>(a: &'a [String], b: &[String]) -> Vec<&'a String> {
    let mut out = Vec::new();
    let mut j = 0;
    for x in a {
        while j < b.len() && b[j] < *x {
            j += 1;
        }
        if j < b.len() && b[j] == *x {
            j += 1;
        } else {
            out.push(x);
        }
    }
    out
}

/// A line diff of `expected` and `actual`: common lines indented by two
/// spaces, lines only in `expected` marked `-`, only in `actual` `+`.
pub fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    // Longest common subsequence lengths of the suffixes.
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] { lcs[i + 1][j + 1] + 1 } else { lcs[i + 1][j].max(lcs[i][j + 1]) };
        }
    }
    let mut out = String::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            out.push_str(&format!("  {}\n", a[i]));
            i += 1;
            j += 1;
        } else if i < a.len() && (j == b.len() || lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push_str(&format!("- {}\n", a[i]));
            i += 1;
        } else {
            out.push_str(&format!("+ {}\n", b[j]));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runner::split_functions;

    const FUNC: &str = "function %f(i32) -> i32 {\nblock0(v0: i32):\n    return v0\n}\n";

    #[test]
    fn an_output_block_round_trips_through_its_lines() {
        let mut text = format!("test pass dce {}\n\n{FUNC}; run: %f(1) == 1\n", crate::runner::PRECISE_OUTPUT);
        text.push_str(&output_lines(FUNC).join("\n"));
        text.push_str("\n; run: %f(2) == 2\n");
        let lines: Vec<&str> = text.lines().collect();
        let src = &split_functions(&text)[0];
        let block = output_block(&lines, src).unwrap().unwrap();
        assert_eq!(block.text, FUNC);
        assert_eq!(lines[block.lines.start], "; output:");
        assert_eq!(lines[block.lines.end - 1], "; }");
        assert_eq!(lines[block.lines.end], "; run: %f(2) == 2");
    }

    #[test]
    fn an_unclosed_output_block_is_an_error() {
        let text = format!("{FUNC}; output:\n; function %f(i32) -> i32 {{\n\n");
        let lines: Vec<&str> = text.lines().collect();
        let err = output_block(&lines, &split_functions(&text)[0]).unwrap_err();
        assert!(err.contains("line 5") && err.contains("; }"), "{err}");
    }

    #[test]
    fn a_new_block_is_appended_after_the_comments_that_follow_the_function() {
        let text = format!("{FUNC}; run: %f(1) == 1\n\n; The next one.\n{FUNC}");
        let lines: Vec<&str> = text.lines().collect();
        let src = &split_functions(&text)[0];
        let r = replace_lines(&lines, &[], src.insert_at, vec!["; new".into()]).unwrap();
        let out = apply(&text, &[r]);
        assert_eq!(out, format!("{FUNC}; run: %f(1) == 1\n; new\n\n; The next one.\n{FUNC}"));
    }

    #[test]
    fn replaced_lines_take_the_place_of_the_first_old_one() {
        let text = "a\n; error: x\nb\n; error: y\n";
        let lines: Vec<&str> = text.lines().collect();
        let r = replace_lines(&lines, &[1, 3], 4, vec!["; error: z".into(), "; error: w".into()]).unwrap();
        assert_eq!(apply(text, &[r]), "a\n; error: z\n; error: w\nb\n");
        assert!(replace_lines(&lines, &[0], 4, Vec::new()).is_err(), "a code line is never removed");
    }

    #[test]
    fn error_lines_name_a_location() {
        assert!(check_error_line("inst3: `i32.add` takes 2 operands, found 1").is_ok());
        assert!(check_error_line("function: the function has no blocks").is_ok());
        assert!(check_error_line("v12: bad").is_ok());
        assert!(check_error_line("the function has no blocks").is_err());
        assert!(check_error_line("blockx: y").is_err());
        assert!(check_error_line("inst3: ").is_err());
    }

    #[test]
    fn missing_counts_repeats() {
        let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(missing(&s(&["a", "a", "b"]), &s(&["a", "c"])), vec!["a", "b"]);
        assert!(missing(&s(&["a"]), &s(&["a", "a"])).is_empty());
    }

    #[test]
    fn diff_marks_changed_lines() {
        assert_eq!(diff("a\nb\nc\n", "a\nx\nc\n"), "  a\n- b\n+ x\n  c\n");
    }
}

//! The P3 callback survey and the corpus tables: optimization time and
//! output size of weft -O2 and wasm-opt -O3 on every file of each corpus
//! group, with totals over the files both tools handled.

use std::fmt::Write;
use std::time::Duration;

use super::{Inputs, kib, measured, ratio, secs};
use crate::corpus::{self, Entry, Outcome, Results, Sizes};

/// Writes the sections "P3 callbacks", "Dead event handlers" and "Corpus".
pub(super) fn write(w: &mut String, inputs: &Inputs<'_>) {
    callbacks(w, inputs);
    dead_handlers(w, &inputs.reachability);
    let _ = writeln!(w, "## Corpus: optimization time and output size\n");
    let Some(c) = measured(w, &inputs.corpus) else { return };
    intro(w, inputs, c);
    let wo = inputs.wasm_opt.is_some();
    for (group, _) in corpus::GROUPS {
        let entries: Vec<&Entry> = c.entries.iter().filter(|e| e.group == group).collect();
        if !entries.is_empty() {
            group_table(w, group, &entries, wo);
        }
    }
}

fn sum_sizes<'a>(it: impl Iterator<Item = &'a Sizes>) -> Sizes {
    it.fold(Sizes::default(), |a, s| Sizes { file: a.file + s.file, code: a.code + s.code })
}

/// The P3 callback survey, or why it is missing.
fn callbacks(w: &mut String, inputs: &Inputs<'_>) {
    let _ = writeln!(w, "## P3 callbacks: what switch-recovery does with each\n");
    let _ = writeln!(
        w,
        "Every callback of `corpus/p3/callback_*.wat` (and the exported dispatch helper it calls), at `-O2` and `-Os`: \
         the chain the pass found, its decision and what the thresholds imply, the Z3 refinement check of the \
         switch-recovery step, whether the strict `-O2`/`-Os` pipeline keeps it, the function's encoded size with / \
         without the step, and the mock-host differential run (expected.tsv rows identical on the original and the \
         output). The same survey is the test `cargo test -p weft-tests --test p3_callbacks`.\n"
    );
    match &inputs.callbacks {
        Ok(table) => {
            let _ = writeln!(w, "{table}");
        }
        Err(reason) => {
            let _ = writeln!(w, "Not measured: {reason}.\n");
        }
    }
}

/// What `-O2` removes from each P3 corpus module (the markdown of
/// `weft_tests::p3reach`), or why it is missing.
pub fn dead_handlers(w: &mut String, reachability: &Result<String, String>) {
    let _ = writeln!(
        w,
        "## Dead event handlers: what -O2 removes from each P3 module
"
    );
    let _ = writeln!(
        w,
        "Every module of `corpus/p3/*.wat`: the events its imports let reach its callbacks, the defined \
         functions the strict `-O2` pipeline removes, those of them that stay when `callback-reachability` \
         does not run, and the notes of `callback-reachability` and `directize` (what each specialized or \
         made direct, under which precondition). The test `cargo test -p weft-tests --test \
         callback_reachability` checks the rows against the corpus README's dead handlers; `--test p3_corpus` \
         checks the mock-host traces.\n"
    );
    match reachability {
        Ok(table) => {
            let _ = writeln!(w, "{table}");
        }
        Err(reason) => {
            let _ = writeln!(w, "Not measured: {reason}.\n");
        }
    }
}

/// How the corpus is measured, the run's corpus wall time and what is
/// cached; a caveat on the npm build of wasm-opt.
fn intro(w: &mut String, inputs: &Inputs<'_>, c: &Results) {
    let cached = c.entries.iter().filter(|e| matches!(&e.wasm_opt, Some(Ok(o)) if o.cached)).count();
    let _ = writeln!(
        w,
        "weft -O2 through `weft::optimize` (median of the runs' wall time; the pass manager runs functions \
         in parallel on the available cores) and wasm-opt -O3 --all-features (one run's wall time less its \
         process start-up). Components: weft rewrites the component in place; wasm-opt runs on each core \
         module, its times summed, its file size being the component's with every core module replaced. \
         Sizes in KiB; ratios against the original file / the original code section(s). Corpus wall time: {}{}.{}\n",
        secs(c.elapsed),
        if c.skipped > 0 { format!("; {} larger files skipped (--quick)", c.skipped) } else { String::new() },
        match cached {
            0 => String::new(),
            n => format!(
                " A time marked * is wasm-opt's from its cache (`bench/out/wasm-opt-cache`, {n} files): measured by \
                 an earlier run of the same wasm-opt on the same input; `--no-cache` remeasures."
            ),
        }
    );
    if inputs.wasm_opt.is_some_and(|w| w.path.to_string_lossy().contains("node_modules")) {
        let _ = writeln!(
            w,
            "Caveat: this wasm-opt is the npm build, Binaryen compiled to wasm and run by Node.js; its times \
             include Node's JIT compilation of Binaryen itself and are several times a native build's. Its \
             sizes are Binaryen's.\n"
        );
    }
}

/// One outcome's cells: time (`*` when cached), file and code size with
/// their ratios to the original's.
fn outcome_cells(o: &Result<Outcome, String>, orig: &Sizes) -> String {
    match o {
        Ok(o) => format!(
            " {}{} | {} ({}) | {} ({}) |",
            secs(o.time),
            if o.cached { "*" } else { "" },
            kib(o.sizes.file),
            ratio(o.sizes.file as f64, orig.file as f64),
            kib(o.sizes.code),
            ratio(o.sizes.code as f64, orig.code as f64)
        ),
        Err(e) => format!(" failed: {} | | |", e.replace('|', "\\|").chars().take(120).collect::<String>()),
    }
}

/// The table of one corpus group: a row per file, then the totals.
fn group_table(w: &mut String, group: &str, entries: &[&Entry], wo: bool) {
    let _ = writeln!(w, "### {group}\n");
    let _ = write!(w, "| file | modules | file KiB | code KiB | weft time | weft file | weft code |");
    if wo {
        let _ = write!(w, " wasm-opt time | wasm-opt file | wasm-opt code |");
    }
    let _ = write!(w, "\n|---|---:|---:|---:|---:|---:|---:|");
    if wo {
        let _ = write!(w, "---:|---:|---:|");
    }
    let _ = writeln!(w);
    for e in entries {
        let _ = write!(w, "| {} | {} | {} | {} |", e.path, e.modules, kib(e.original.file), kib(e.original.code));
        let _ = write!(w, "{}", outcome_cells(&e.weft, &e.original));
        if let Some(r) = &e.wasm_opt {
            let _ = write!(w, "{}", outcome_cells(r, &e.original));
        }
        let _ = writeln!(w);
    }
    totals(w, entries, wo);
}

/// Totals over the files both tools handled.
fn totals(w: &mut String, entries: &[&Entry], wo: bool) {
    let both: Vec<&&Entry> =
        entries.iter().filter(|e| e.weft.is_ok() && e.wasm_opt.as_ref().is_none_or(|r| r.is_ok())).collect();
    let orig = sum_sizes(both.iter().map(|e| &e.original));
    let weft_outs: Vec<&Outcome> = both.iter().filter_map(|e| e.weft.as_ref().ok()).collect();
    let opt_outs: Vec<&Outcome> =
        both.iter().filter_map(|e| e.wasm_opt.as_ref().and_then(|r| r.as_ref().ok())).collect();
    let _ = write!(w, "| **total ({} files)** | | {} | {} |", both.len(), kib(orig.file), kib(orig.code));
    for outs in [Some(&weft_outs), wo.then_some(&opt_outs)].into_iter().flatten() {
        if outs.is_empty() {
            let _ = write!(w, " – | – | – |");
            continue;
        }
        let t: Duration = outs.iter().map(|o| o.time).sum();
        let s = sum_sizes(outs.iter().map(|o| &o.sizes));
        let _ = write!(
            w,
            " **{}** | **{} ({})** | **{} ({})** |",
            secs(t),
            kib(s.file),
            ratio(s.file as f64, orig.file as f64),
            kib(s.code),
            ratio(s.code as f64, orig.code as f64)
        );
    }
    let _ = writeln!(w, "\n");
}

//! Dead event handlers on the P3 corpus (`../shared/corpus/p3/*.wat`):
//! which defined functions `-O2` removes from each module, and which of
//! them go only because `callback-reachability` runs (the pipeline without
//! it removes the others too), with the notes of the module passes that
//! specialize or devirtualize (`callback-reachability`, `directize`).
//! `tests/tests/callback_reachability.rs` checks the rows against the
//! corpus README's dead handlers; `weft-bench` prints them in its report.

use std::collections::BTreeSet;
use std::path::Path;

use weft_passes::analysis::p3::P3Facts;
use weft_passes::pipelines::{OptLevel, pipeline_names};

use crate::files_with_ext;

/// The module passes whose notes a row keeps.
const NOTED: [&str; 2] = ["callback-reachability", "directize"];

/// One module of the corpus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    /// The file's stem (`callback_seq_if`).
    pub module: String,
    /// The events that can reach its callbacks (`{0,2,6}`), or why none.
    pub events: String,
    /// The defined functions `-O2` removes (by name).
    pub removed: BTreeSet<String>,
    /// Of those, the ones the pipeline without `callback-reachability`
    /// keeps.
    pub only_with_reachability: BTreeSet<String>,
    /// The notes of the passes in [`NOTED`].
    pub notes: Vec<String>,
}

/// The survey of every `.wat` file of `dir`, sorted by name; an error names
/// the file that fails to translate or optimize.
pub fn survey(dir: &Path) -> Result<Vec<Row>, String> {
    let mut files = files_with_ext(dir, "wat", false);
    files.sort();
    if files.is_empty() {
        return Err(format!("no .wat files in {}", dir.display()));
    }
    let o2: Vec<String> = pipeline_names(OptLevel::O2).iter().map(|s| s.to_string()).collect();
    let without: Vec<String> = o2.iter().filter(|n| *n != "callback-reachability").cloned().collect();
    let mut rows = Vec::new();
    for path in &files {
        let module = path.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_string();
        let fail = |e: String| format!("{module}: {e}");
        let bytes = wat::parse_file(path).map_err(|e| fail(e.to_string()))?;
        let (ir, _) = weft_frontend::translate_module(&bytes).map_err(|e| fail(e.to_string()))?;
        let facts = P3Facts::of(&ir, None);
        let events = if facts.has_callbacks() {
            format!("{{{}}}", facts.events.codes().iter().map(u32::to_string).collect::<Vec<_>>().join(","))
        } else {
            "no callback export".into()
        };
        let (removed, notes) = removed_by(&bytes, &o2).map_err(fail)?;
        let (plain, _) = removed_by(&bytes, &without).map_err(fail)?;
        let only_with_reachability = removed.difference(&plain).cloned().collect();
        rows.push(Row { module, events, removed, only_with_reachability, notes });
    }
    Ok(rows)
}

/// The functions `passes` remove from `bytes`, and the notes of [`NOTED`].
fn removed_by(bytes: &[u8], passes: &[String]) -> Result<(BTreeSet<String>, Vec<String>), String> {
    let config = weft::Config { passes: Some(passes.to_vec()), ..weft::Config::default() };
    let (out, report) = weft::optimize(bytes, &config).map_err(|e| e.to_string())?;
    let notes = report
        .events
        .iter()
        .filter(|e| NOTED.contains(&e.pass) && e.function == "module")
        .map(|e| format!("{}: {}", e.pass, e.message))
        .collect();
    Ok((defined_names(bytes)?.difference(&defined_names(&out)?).cloned().collect(), notes))
}

/// The names of the defined functions of a module's wasm bytes: from the
/// name section, else the first export's (`export "NAME"`), else by index
/// (which renumbering changes: such a name is not compared).
pub fn defined_names(bytes: &[u8]) -> Result<BTreeSet<String>, String> {
    let (module, _) = weft_frontend::translate_module(bytes).map_err(|e| e.to_string())?;
    Ok(module
        .funcs
        .iter()
        .map(|d| {
            let i = d.index.as_u32();
            let export = module.exports.iter().find(|e| e.kind == weft_ir::ExportKind::Func && e.index == i);
            match (module.func_names.get(i as usize), export) {
                (Some(n), _) if !n.is_empty() && *n != format!("f{i}") => n.clone(),
                (_, Some(e)) => format!("export \"{}\"", e.name),
                _ => format!("unnamed f{i}"),
            }
        })
        .collect())
}

/// The rows as a markdown table, the notes under their module.
pub fn to_markdown(rows: &[Row]) -> String {
    let list = |s: &BTreeSet<String>| {
        if s.is_empty() { "-".to_string() } else { s.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(", ") }
    };
    let mut out = String::from(
        "| module | events | removed at -O2 | of which only with callback-reachability |\n|---|---|---|---|\n",
    );
    for r in rows {
        out.push_str(&format!(
            "| {} | {} | {} | {} |\n",
            r.module,
            r.events,
            list(&r.removed),
            list(&r.only_with_reachability)
        ));
        for note in &r.notes {
            out.push_str(&format!("|   | {} | | |\n", note.replace('|', "\\|")));
        }
    }
    out
}

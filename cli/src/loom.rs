//! Loom's pass names, mapped to weft's, for `weft optimize` (a drop-in for
//! `loom optimize` in build systems such as Bazel's `rules_wasm_component`).
//!
//! Loom runs the passes a `--passes` list selects in its own fixed order,
//! not in the order given; [`LOOM_PASSES`] lists its names in that order,
//! each with the weft passes that do its work. [`weft_passes_for`] turns a
//! selection into a weft pass list in the same order. A Loom pass whose
//! work weft's backend always does (`coalesce-locals`), or that weft has
//! no pass for (`cse`, `dead-stores`), maps to no pass: it is accepted and
//! does nothing.

/// Loom's pass names in the order Loom runs them, each with the weft
/// passes that do its work.
pub const LOOM_PASSES: &[(&str, &[&str])] = &[
    ("directize", &["directize"]),
    ("inline", &["inline"]),
    // Forwarding a local's single assignment to its uses: SSA has no
    // locals, so what is left of it is removing copies.
    ("forward-carrier", &["copy-prop"]),
    ("dce-functions", &["module-dce"]),
    // Reads of globals whose value is known, then constant folding.
    ("precompute", &["init-constprop", "sccp"]),
    ("constant-folding", &["sccp"]),
    ("canonicalize", &["instcombine"]),
    ("egraph", &["instcombine"]),
    ("peephole-synth", &["instcombine"]),
    // No weft pass removes redundant computations across blocks yet.
    ("cse", &[]),
    // Strength reduction and other instruction rewrites.
    ("advanced", &["instcombine"]),
    ("branches", &["simplify-cfg"]),
    ("dce", &["dce", "simplify-cfg"]),
    ("merge-blocks", &["simplify-cfg"]),
    ("vacuum", &["dce"]),
    ("simplify-locals", &["copy-prop"]),
    // No weft pass removes dead stores yet.
    ("dead-stores", &[]),
    ("dead-locals", &["dce"]),
    ("licm", &["licm"]),
    // The backend coalesces locals on every run.
    ("coalesce-locals", &[]),
    ("vacuum-final", &["dce", "simplify-cfg"]),
];

/// Loom pass names weft does not know, with both name sets for the
/// message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UnknownLoomPasses(pub Vec<String>);

impl std::fmt::Display for UnknownLoomPasses {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let loom: Vec<&str> = LOOM_PASSES.iter().map(|(n, _)| *n).collect();
        let weft: Vec<&str> = weft_passes::passes().iter().map(|p| p.name).collect();
        write!(
            f,
            "unknown pass name(s): {}\n  Loom pass names: {}\n  weft pass names: {}",
            self.0.join(", "),
            loom.join(", "),
            weft.join(", ")
        )
    }
}

impl std::error::Error for UnknownLoomPasses {}

/// The weft passes for a Loom `--passes` selection, in Loom's order
/// (repeats of a pass in a row dropped). A name may also be a weft pass
/// name, which runs where the selection names it after the Loom passes.
/// Names neither Loom nor weft knows are an error listing them.
pub fn weft_passes_for(selection: &[String]) -> Result<Vec<String>, UnknownLoomPasses> {
    let unknown: Vec<String> = selection
        .iter()
        .filter(|n| !LOOM_PASSES.iter().any(|(l, _)| l == n) && weft_passes::registry::lookup(n).is_err())
        .cloned()
        .collect();
    if !unknown.is_empty() {
        return Err(UnknownLoomPasses(unknown));
    }
    let mut out: Vec<String> = Vec::new();
    let mut push = |p: &str| {
        if out.last().map(String::as_str) != Some(p) {
            out.push(p.to_string());
        }
    };
    for (loom, weft) in LOOM_PASSES {
        if selection.iter().any(|n| n == loom) {
            weft.iter().for_each(|p| push(p));
        }
    }
    for n in selection.iter().filter(|n| !LOOM_PASSES.iter().any(|(l, _)| l == *n)) {
        push(n);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mapped_pass_exists() {
        for (loom, weft) in LOOM_PASSES {
            for p in *weft {
                assert!(weft_passes::registry::lookup(p).is_ok(), "Loom's `{loom}` maps to unknown weft pass `{p}`");
            }
        }
    }

    #[test]
    fn a_selection_runs_in_looms_order() {
        let sel: Vec<String> = ["dce", "inline", "constant-folding"].iter().map(|s| s.to_string()).collect();
        assert_eq!(weft_passes_for(&sel).unwrap(), ["inline", "sccp", "dce", "simplify-cfg"]);
    }

    #[test]
    fn unknown_names_are_listed_with_both_sets() {
        let sel: Vec<String> = ["dce", "turbo", "licm2"].iter().map(|s| s.to_string()).collect();
        let err = weft_passes_for(&sel).unwrap_err();
        assert_eq!(err.0, ["turbo", "licm2"]);
        let msg = err.to_string();
        assert!(msg.contains("Loom pass names: directize, inline"), "{msg}");
        assert!(msg.contains("weft pass names: "), "{msg}");
        assert!(msg.contains("switch-recovery"), "{msg}");
    }
}

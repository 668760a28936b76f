//! The section "What each variant emitted": code section bytes,
//! `br_table`s and conditional branches of every variant's module.

use std::fmt::Write;

use super::{kind_columns, kinds};
use crate::dispatch::{self, Kind};

/// Writes the section "What each variant emitted".
pub(super) fn write(w: &mut String, d: &dispatch::Results) {
    let has_wasm_opt = d.cases.iter().any(|c| c.variant(Kind::WasmOpt).is_some());
    let _ = writeln!(w, "## What each variant emitted\n");
    let _ = writeln!(
        w,
        "Code section bytes / `br_table`s / conditional branches (`br_if` + `if`) of the whole module \
         (handlers and drivers included; they are the same in every shape).\n"
    );
    let ks = kinds(has_wasm_opt);
    kind_columns(w, &ks, "| N | shape |", "", "|---:|---|", "");
    for case in &d.cases {
        let _ = write!(w, "| {} | {} |", case.n, case.shape.name());
        for &k in &ks {
            match case.variant(k) {
                Some(v) if v.code_bytes > 0 => {
                    let _ = write!(w, " {} / {} / {} |", v.code_bytes, v.ops.br_table, v.ops.cond_branches);
                }
                _ => {
                    let _ = write!(w, " – |");
                }
            }
        }
        let _ = writeln!(w);
    }
    let _ = writeln!(w);
}

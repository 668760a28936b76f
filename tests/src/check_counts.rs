//! Dynamic counting of checks: how many times the guards of a core module
//! ([`weft_passes::analysis::guards`]: a `brif` with one side that only
//! traps or calls a never-returning function) execute in a run.
//!
//! [`instrument`] gives the module one mutable `i64` global per kind of
//! check, exported as `weft.checks.<kind>` ([`counter_name`]), and makes
//! every guard add one to the global of its kind just before its branch:
//!
//! ```text
//!     v7 = i32.lt_u v0, v1              v7 = i32.lt_u v0, v1
//!     brif v7, block1, block2     =>    v8 = global.get gv3
//!                                       v9 = i64.const 1
//!                                       v10 = i64.add v8, v9
//!                                       global.set gv3 v10
//!                                       brif v7, block1, block2
//! ```
//!
//! The globals are added to the wasm bytes first (after every existing
//! global, so no index moves; with their exports), the result is read by
//! the frontend, its guards are found and counted in IR, and the backend
//! writes it out. Run the result (the sightglass runner and the mock P3
//! host return the exported `i64` globals as `counters`) and read the
//! counts back with [`read_counters`]. To count the guards of optimized
//! code, optimize first and instrument the output.
//!
//! The instrumentation is a harness tool, not a pass: it changes what the
//! module does (it writes globals) and is never part of a pipeline.

use weft_ir::encode::write_u32_leb;
use weft_ir::{FuncBody, GlobalDecl, GlobalRef, Imm, Opcode, Type};
use weft_passes::analysis::guards::{GuardCounts, GuardKind, NoReturn, PanicShape, guards, shape_index};

/// The prefix of the counters' export names.
pub const COUNTER_PREFIX: &str = "weft.checks.";

/// The kinds counted, in counter order: traps, then each [`PanicShape`].
fn kinds() -> impl Iterator<Item = Option<PanicShape>> {
    std::iter::once(None).chain(PanicShape::ALL.into_iter().map(Some))
}

/// The export name of the counter of guards that trap (`None`) or call a
/// never-returning function of `shape`.
pub fn counter_name(shape: Option<PanicShape>) -> String {
    match shape {
        None => format!("{COUNTER_PREFIX}trap"),
        Some(shape) => format!("{COUNTER_PREFIX}{}", shape.label().replace(' ', "_")),
    }
}

/// The position of a guard's counter among [`kinds`].
fn counter_index(kind: GuardKind) -> usize {
    match kind {
        GuardKind::Trap => 0,
        GuardKind::Panic { shape, .. } => 1 + shape_index(shape),
    }
}

/// An instrumented module.
#[derive(Clone, Debug)]
pub struct Instrumented {
    /// The module, with the counters.
    pub wasm: Vec<u8>,
    /// Its guards, counted statically (each got an increment).
    pub guards: GuardCounts,
}

/// `bytes` (a core module) with a counter per kind of check, incremented
/// by every guard (see the module docs).
pub fn instrument(bytes: &[u8]) -> Result<Instrumented, String> {
    let names: Vec<String> = kinds().map(counter_name).collect();
    let (with_globals, first) = add_counter_globals(bytes, &names)?;
    let (mut module, _diagnostics) = weft_frontend::translate_module(&with_globals).map_err(|e| e.to_string())?;
    let noreturn = NoReturn::of(&module);
    let counts = GuardCounts::of_module(&module);
    let decl = GlobalDecl { ty: Type::I64, mutable: true };
    for def in &mut module.funcs {
        let FuncBody::Ir(func) = &mut def.body else { continue };
        for guard in guards(func, &noreturn) {
            let global = GlobalRef::from_u32(first + counter_index(guard.kind) as u32);
            func.dfg.decls.globals.insert(global, decl);
            let get = func.dfg.make_op(Opcode::GlobalGet, &[], Imm::Global(global));
            let one = func.dfg.make_op(Opcode::I64Const, &[], Imm::I64(1));
            for inst in [get, one] {
                func.dfg.make_inst_results(inst).map_err(|e| format!("{e:?}"))?;
                func.layout.insert_inst(inst, guard.branch);
            }
            let (old, one) = (func.dfg.first_result(get), func.dfg.first_result(one));
            let add = func.dfg.make_op(Opcode::I64Add, &[old, one], Imm::None);
            func.dfg.make_inst_results(add).map_err(|e| format!("{e:?}"))?;
            func.layout.insert_inst(add, guard.branch);
            let sum = func.dfg.first_result(add);
            let set = func.dfg.make_op(Opcode::GlobalSet, &[sum], Imm::Global(global));
            func.layout.insert_inst(set, guard.branch);
        }
    }
    let wasm = weft_backend::emit_module(&module).map_err(|e| e.to_string())?;
    Ok(Instrumented { wasm, guards: counts })
}

/// The executions counted by an instrumented module's run, read from its
/// exported `i64` globals (other globals are ignored; `call_sites` stays 0).
pub fn read_counters(counters: &[(String, i64)]) -> GuardCounts {
    let mut counts = GuardCounts::default();
    for (name, value) in counters {
        let value = *value as u64;
        if *name == counter_name(None) {
            counts.traps += value;
        }
        for shape in PanicShape::ALL {
            if *name == counter_name(Some(shape)) {
                counts.panics[shape_index(shape)] += value;
            }
        }
    }
    counts
}

/// Section ids in the order a module holds them (custom sections aside).
const SECTION_ORDER: [u8; 13] = [1, 2, 3, 4, 5, 13, 6, 7, 8, 9, 12, 10, 11];

/// The position of section `id` in [`SECTION_ORDER`].
fn rank(id: u8) -> usize {
    SECTION_ORDER.iter().position(|&x| x == id).unwrap_or(0)
}

/// Reads an unsigned LEB128 `u32` at `*at`, advancing it.
fn read_u32(bytes: &[u8], at: &mut usize) -> Result<u32, String> {
    let mut reader = wasmparser::BinaryReader::new(bytes.get(*at..).unwrap_or_default(), 0);
    let value = reader.read_var_u32().map_err(|e| e.to_string())?;
    *at += reader.current_position();
    Ok(value)
}

/// Appends a section: id, size, contents.
fn write_section(out: &mut Vec<u8>, id: u8, contents: &[u8]) {
    out.push(id);
    write_u32_leb(out, contents.len() as u32);
    out.extend_from_slice(contents);
}

/// A vector section's contents with `more` entries (`extra` bytes)
/// appended to the `old` contents (count and entries).
fn extend_vector(old: Option<&[u8]>, more: u32, extra: &[u8]) -> Result<Vec<u8>, String> {
    let (count, entries) = match old {
        Some(old) => {
            let mut at = 0;
            let count = read_u32(old, &mut at)?;
            (count, &old[at..])
        }
        None => (0, &[][..]),
    };
    let mut out = Vec::new();
    write_u32_leb(&mut out, count + more);
    out.extend_from_slice(entries);
    out.extend_from_slice(extra);
    Ok(out)
}

/// `bytes` with a mutable `i64` global initialized to 0 per name, exported
/// under that name, after every existing global; returns the module and
/// the index of the first new global.
pub fn add_counter_globals(bytes: &[u8], names: &[String]) -> Result<(Vec<u8>, u32), String> {
    let mut first = 0u32;
    for payload in wasmparser::Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| e.to_string())? {
            wasmparser::Payload::ImportSection(reader) => {
                for import in reader.into_imports() {
                    if matches!(import.map_err(|e| e.to_string())?.ty, wasmparser::TypeRef::Global(_)) {
                        first += 1;
                    }
                }
            }
            wasmparser::Payload::GlobalSection(reader) => first += reader.count(),
            wasmparser::Payload::Version { encoding: wasmparser::Encoding::Component, .. } => {
                return Err("a component: instrument its core modules one at a time".to_string());
            }
            _ => {}
        }
    }
    let mut globals = Vec::new();
    let mut exports = Vec::new();
    for (i, name) in names.iter().enumerate() {
        // i64, mutable, `i64.const 0`, `end`.
        globals.extend_from_slice(&[0x7e, 0x01, 0x42, 0x00, 0x0b]);
        write_u32_leb(&mut exports, name.len() as u32);
        exports.extend_from_slice(name.as_bytes());
        exports.push(0x03);
        write_u32_leb(&mut exports, first + i as u32);
    }
    let header = bytes.get(..8).ok_or("not a wasm module")?;
    let mut sections: Vec<(u8, &[u8])> = Vec::new();
    let mut at = 8;
    while at < bytes.len() {
        let id = bytes[at];
        at += 1;
        let size = read_u32(bytes, &mut at)? as usize;
        let contents = bytes.get(at..at + size).ok_or("truncated section")?;
        sections.push((id, contents));
        at += size;
    }
    let count = names.len() as u32;
    let old = |id: u8| sections.iter().find(|(i, _)| *i == id).map(|(_, c)| *c);
    let new_globals = extend_vector(old(6), count, &globals)?;
    let new_exports = extend_vector(old(7), count, &exports)?;
    let mut out = header.to_vec();
    let (mut globals_written, mut exports_written) = (false, false);
    for &(id, contents) in &sections {
        if id != 0 {
            if !globals_written && rank(id) > rank(6) {
                write_section(&mut out, 6, &new_globals);
                globals_written = true;
            }
            if !exports_written && rank(id) > rank(7) {
                write_section(&mut out, 7, &new_exports);
                exports_written = true;
            }
        }
        match id {
            6 => {
                write_section(&mut out, 6, &new_globals);
                globals_written = true;
            }
            7 => {
                write_section(&mut out, 7, &new_exports);
                exports_written = true;
            }
            _ => write_section(&mut out, id, contents),
        }
    }
    if !globals_written {
        write_section(&mut out, 6, &new_globals);
    }
    if !exports_written {
        write_section(&mut out, 7, &new_exports);
    }
    Ok((out, first))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn leb128_round_trips() {
        for v in [0u32, 1, 127, 128, 16_383, 16_384, u32::MAX] {
            let mut out = Vec::new();
            write_u32_leb(&mut out, v);
            let mut at = 0;
            assert_eq!(read_u32(&out, &mut at), Ok(v));
            assert_eq!(at, out.len());
        }
    }

    #[test]
    fn counters_are_added_after_existing_globals() {
        let wat = r#"(module
            (import "env" "g" (global i32))
            (global $a (mut i32) (i32.const 5))
            (func (export "f") (result i32) global.get $a))"#;
        let bytes = wat::parse_str(wat).expect("parses");
        let names = vec!["x".to_string(), "y".to_string()];
        let (out, first) = add_counter_globals(&bytes, &names).expect("rewrites");
        assert_eq!(first, 2, "one imported and one defined global come first");
        wasmparser::Validator::new().validate_all(&out).expect("valid");
        let printed = wasmprinter::print_bytes(&out).expect("prints");
        assert!(printed.contains(r#"(export "x" (global 2))"#), "{printed}");
        assert!(printed.contains(r#"(export "y" (global 3))"#), "{printed}");
        // Without a global or an export section, both are created in place.
        let bare = wat::parse_str("(module (func) (start 0))").expect("parses");
        let (out, first) = add_counter_globals(&bare, &names).expect("rewrites");
        assert_eq!(first, 0);
        wasmparser::Validator::new().validate_all(&out).expect("valid");
    }
}

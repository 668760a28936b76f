//! The text format printer. See `docs/ir.md` for the grammar; the parser in
//! [`crate::parser`] reads exactly what this writes.

use crate::entities::{Block, Inst, Value};
use crate::function::Function;
use crate::immediates::Imm;
use crate::instructions::{BlockCall, InstructionData};
use crate::opcodes::Opcode;
use core::fmt::{self, Write};

/// Displays a function in the text format.
pub struct DisplayFunction<'a>(pub &'a Function);

impl fmt::Display for DisplayFunction<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_function(f, self.0)
    }
}

/// Is `name` printable after `%` without quotes?
fn is_plain_name(name: &str) -> bool {
    !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '$' | '-'))
}

/// Writes a string in double quotes with `\"`, `\\` and `\u{..}` escapes.
pub fn write_quoted(w: &mut dyn Write, s: &str) -> fmt::Result {
    w.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => w.write_str("\\\"")?,
            '\\' => w.write_str("\\\\")?,
            c if c.is_control() => write!(w, "\\u{{{:x}}}", c as u32)?,
            c => w.write_char(c)?,
        }
    }
    w.write_char('"')
}

/// Writes `%name`, quoting when needed.
pub fn write_func_name(w: &mut dyn Write, name: &str) -> fmt::Result {
    w.write_char('%')?;
    if is_plain_name(name) { w.write_str(name) } else { write_quoted(w, name) }
}

/// Writes a whole function.
pub fn write_function(w: &mut dyn Write, func: &Function) -> fmt::Result {
    w.write_str("function ")?;
    write_func_name(w, &func.name)?;
    write!(w, "{} {{", func.sig)?;
    w.write_char('\n')?;
    let decls = &func.dfg.decls;
    for (s, sig) in &decls.sigs {
        writeln!(w, "    {s} = {sig}")?;
    }
    for (fref, decl) in &decls.funcs {
        write!(w, "    {fref} = ")?;
        if let Some(name) = &decl.name {
            write_quoted(w, name)?;
            w.write_char(' ')?;
        }
        writeln!(w, "{}", decl.sig)?;
    }
    for (g, decl) in &decls.globals {
        let m = if decl.mutable { "mut " } else { "" };
        writeln!(w, "    {g} = global {m}{}", decl.ty)?;
    }
    for (m, decl) in &decls.memories {
        write!(w, "    {m} = memory min={}", decl.min)?;
        if let Some(max) = decl.max {
            write!(w, " max={max}")?;
        }
        w.write_char('\n')?;
    }
    for (t, decl) in &decls.tables {
        write!(w, "    {t} = table {} min={}", decl.elem, decl.min)?;
        if let Some(max) = decl.max {
            write!(w, " max={max}")?;
        }
        w.write_char('\n')?;
    }
    if !decls.is_empty() {
        w.write_char('\n')?;
    }
    for block in func.layout.blocks() {
        write_block_header(w, func, block)?;
        for inst in func.layout.block_insts(block) {
            w.write_str("    ")?;
            write_inst(w, func, inst)?;
            w.write_char('\n')?;
        }
    }
    w.write_str("}\n")
}

/// Writes `blockN(v0: i32, ...):` and a newline.
pub fn write_block_header(w: &mut dyn Write, func: &Function, block: Block) -> fmt::Result {
    write!(w, "{block}")?;
    let params = func.dfg.block_params(block);
    if !params.is_empty() {
        w.write_char('(')?;
        for (i, &p) in params.iter().enumerate() {
            if i > 0 {
                w.write_str(", ")?;
            }
            write!(w, "{p}: {}", func.dfg.value_type(p))?;
        }
        w.write_char(')')?;
    }
    w.write_str(":\n")
}

fn write_values(w: &mut dyn Write, func: &Function, vals: &[Value]) -> fmt::Result {
    for (i, &v) in vals.iter().enumerate() {
        if i > 0 {
            w.write_str(", ")?;
        }
        write!(w, "{}", func.dfg.resolve_aliases(v))?;
    }
    Ok(())
}

fn write_block_call(w: &mut dyn Write, func: &Function, call: &BlockCall) -> fmt::Result {
    write!(w, "{}", call.block)?;
    let args = func.dfg.block_call_args(call);
    if !args.is_empty() {
        w.write_char('(')?;
        write_values(w, func, args)?;
        w.write_char(')')?;
    }
    Ok(())
}

/// Writes an immediate as it appears after the opcode name (no leading space).
pub fn write_imm(w: &mut dyn Write, opcode: Opcode, imm: &Imm) -> fmt::Result {
    let write_mem = |w: &mut dyn Write, m: &crate::immediates::MemArg| -> fmt::Result {
        write!(w, "{}", m.memory)?;
        if m.offset != 0 {
            write!(w, "+{}", m.offset)?;
        }
        if m.align != opcode.natural_align() {
            write!(w, " align={}", 1u64 << m.align.min(63))?;
        }
        Ok(())
    };
    match imm {
        Imm::None => Ok(()),
        Imm::I32(x) => write!(w, "{x}"),
        Imm::I64(x) => write!(w, "{x}"),
        Imm::F32(x) => write!(w, "{x}"),
        Imm::F64(x) => write!(w, "{x}"),
        Imm::V128(x) => write!(w, "0x{:032x}", x.as_u128()),
        Imm::Mem(m) => write_mem(w, m),
        Imm::MemLane(m, lane) => {
            write_mem(w, m)?;
            write!(w, " {lane}")
        }
        Imm::Lane(l) => write!(w, "{l}"),
        Imm::Shuffle(lanes) => {
            w.write_char('[')?;
            for (i, l) in lanes.iter().enumerate() {
                if i > 0 {
                    w.write_char(' ')?;
                }
                write!(w, "{l}")?;
            }
            w.write_char(']')
        }
        Imm::Global(g) => write!(w, "{g}"),
        Imm::Func(f) => write!(w, "{f}"),
        Imm::SigTable(s, t) => write!(w, "{s} {t}"),
        Imm::Table(t) => write!(w, "{t}"),
        Imm::TableTable(a, b) => write!(w, "{a} {b}"),
        Imm::Memory(m) => write!(w, "{m}"),
        Imm::MemMem(a, b) => write!(w, "{a} {b}"),
        Imm::DataMem(d, m) => write!(w, "{d} {m}"),
        Imm::Data(d) => write!(w, "{d}"),
        Imm::ElemTable(e, t) => write!(w, "{e} {t}"),
        Imm::Elem(e) => write!(w, "{e}"),
        Imm::RefType(t) => write!(w, "{t}"),
    }
}

/// Writes one instruction (no indentation, no newline).
pub fn write_inst(w: &mut dyn Write, func: &Function, inst: Inst) -> fmt::Result {
    let dfg = &func.dfg;
    let results = dfg.inst_results(inst);
    if !results.is_empty() {
        write_values(w, func, results)?;
        w.write_str(" = ")?;
    }
    match &dfg.insts[inst] {
        InstructionData::Jump { dest } => {
            w.write_str("jump ")?;
            write_block_call(w, func, dest)
        }
        InstructionData::Brif { cond, then_dest, else_dest } => {
            write!(w, "brif {}, ", dfg.resolve_aliases(*cond))?;
            write_block_call(w, func, then_dest)?;
            w.write_str(", ")?;
            write_block_call(w, func, else_dest)
        }
        InstructionData::BrTable { index, table } => {
            let jt = &dfg.jump_tables[*table];
            write!(w, "br_table {}, ", dfg.resolve_aliases(*index))?;
            write_block_call(w, func, &jt.default)?;
            w.write_str(", [")?;
            for (i, t) in jt.targets.iter().enumerate() {
                if i > 0 {
                    w.write_str(", ")?;
                }
                write_block_call(w, func, t)?;
            }
            w.write_char(']')
        }
        InstructionData::Op { opcode, args, imm } => {
            let args = args.as_slice(&dfg.value_lists);
            w.write_str(opcode.name())?;
            if *imm != Imm::None {
                w.write_char(' ')?;
                write_imm(w, *opcode, imm)?;
            }
            match opcode {
                Opcode::Call | Opcode::ReturnCall => {
                    w.write_char('(')?;
                    write_values(w, func, args)?;
                    w.write_char(')')
                }
                Opcode::CallIndirect | Opcode::ReturnCallIndirect => {
                    // Operands are (args..., callee index); print `vIdx(args)`.
                    let (callee, rest) = match args.split_last() {
                        Some((c, rest)) => (Some(*c), rest),
                        None => (None, args),
                    };
                    if let Some(c) = callee {
                        write!(w, " {}", dfg.resolve_aliases(c))?;
                    }
                    w.write_char('(')?;
                    write_values(w, func, rest)?;
                    w.write_char(')')
                }
                _ => {
                    if !args.is_empty() {
                        w.write_char(' ')?;
                        write_values(w, func, args)?;
                    }
                    Ok(())
                }
            }
        }
    }
}

/// The text of one instruction, for error messages.
pub fn inst_to_string(func: &Function, inst: Inst) -> String {
    let mut s = String::new();
    let _ = write_inst(&mut s, func, inst);
    s
}

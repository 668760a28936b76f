//! Operand and result type checks done before an instruction is encoded.
//!
//! Z3 aborts on ill-sorted terms, so the checker checks every instruction
//! it encodes against the opcode table and the declarations and reports a
//! malformed instruction as `Unknown` instead of building a bad term.

use weft_ir::{Function, Imm, Inst, OpSig, Opcode, Type};

fn text(func: &Function, inst: Inst) -> String {
    weft_ir::write::inst_to_string(func, inst)
}

/// Checks the operands of `inst` (already resolved to `arg_tys`) and its
/// result types.
pub(crate) fn check_inst(
    func: &Function,
    inst: Inst,
    opcode: Opcode,
    arg_tys: &[Type],
    imm: &Imm,
) -> Result<(), String> {
    let bad = |why: String| Err(format!("malformed `{}`: {why}", text(func, inst)));
    if imm.kind() != opcode.imm_kind() {
        return bad(format!("immediate {:?} does not fit {opcode}", imm.kind()));
    }
    let dfg = &func.dfg;
    let decls = &dfg.decls;
    let expect = |want: &[Type]| -> Result<(), String> {
        if arg_tys != want {
            return Err(format!(
                "malformed `{}`: operands are ({}), {opcode} takes ({})",
                text(func, inst),
                join(arg_tys),
                join(want)
            ));
        }
        Ok(())
    };
    match opcode.sig() {
        OpSig::Fixed(params, _) => expect(params)?,
        OpSig::Special => match (opcode, *imm) {
            (Opcode::Jump | Opcode::Brif | Opcode::BrTable, _) => {}
            (Opcode::Return, _) => expect(&func.sig.results)?,
            (Opcode::Call | Opcode::ReturnCall, Imm::Func(f)) => {
                let Some(decl) = decls.funcs.get(&f) else { return bad(format!("{f} is not declared")) };
                expect(&decl.sig.params)?;
                if opcode == Opcode::ReturnCall && decl.sig.results != func.sig.results {
                    return bad("the callee's results differ from the function's".into());
                }
            }
            (Opcode::CallIndirect | Opcode::ReturnCallIndirect, Imm::SigTable(s, t)) => {
                let Some(sig) = decls.sigs.get(&s) else { return bad(format!("{s} is not declared")) };
                let Some(table) = decls.tables.get(&t) else { return bad(format!("{t} is not declared")) };
                if table.elem != Type::FuncRef {
                    return bad(format!("{t} does not hold funcref"));
                }
                let mut want = sig.params.clone();
                want.push(Type::I32);
                expect(&want)?;
                if opcode == Opcode::ReturnCallIndirect && sig.results != func.sig.results {
                    return bad("the callee's results differ from the function's".into());
                }
            }
            (Opcode::Select, _) => {
                if arg_tys.len() != 3 || arg_tys[0] != arg_tys[1] || arg_tys[2] != Type::I32 {
                    return bad("select takes (T, T, i32)".into());
                }
            }
            (Opcode::GlobalGet, Imm::Global(g)) => {
                if !decls.globals.contains_key(&g) {
                    return bad(format!("{g} is not declared"));
                }
                expect(&[])?;
            }
            (Opcode::GlobalSet, Imm::Global(g)) => {
                let Some(decl) = decls.globals.get(&g) else { return bad(format!("{g} is not declared")) };
                expect(&[decl.ty])?;
            }
            (Opcode::RefNull, Imm::RefType(t)) => {
                if !t.is_ref() {
                    return bad(format!("{t} is not a reference type"));
                }
                expect(&[])?;
            }
            (Opcode::RefIsNull, _) => {
                if arg_tys.len() != 1 || !arg_tys[0].is_ref() {
                    return bad("ref.is_null takes one reference".into());
                }
            }
            (Opcode::TableGet | Opcode::TableSet | Opcode::TableFill | Opcode::TableGrow, Imm::Table(t)) => {
                let Some(decl) = decls.tables.get(&t) else { return bad(format!("{t} is not declared")) };
                let e = decl.elem;
                match opcode {
                    Opcode::TableGet => expect(&[Type::I32])?,
                    Opcode::TableSet => expect(&[Type::I32, e])?,
                    Opcode::TableFill => expect(&[Type::I32, e, Type::I32])?,
                    _ => expect(&[e, Type::I32])?,
                }
            }
            _ => return bad("unexpected immediate".into()),
        },
    }
    // Entities named by immediates must be declared.
    match *imm {
        Imm::Mem(m) | Imm::MemLane(m, _) if !decls.memories.contains_key(&m.memory) => {
            return bad(format!("{} is not declared", m.memory));
        }
        Imm::Memory(m) | Imm::DataMem(_, m) if !decls.memories.contains_key(&m) => {
            return bad(format!("{m} is not declared"));
        }
        Imm::MemMem(a, b) if !decls.memories.contains_key(&a) || !decls.memories.contains_key(&b) => {
            return bad("a memory is not declared".into());
        }
        Imm::Table(t) | Imm::ElemTable(_, t) if !decls.tables.contains_key(&t) => {
            return bad(format!("{t} is not declared"));
        }
        Imm::TableTable(a, b) => {
            let (Some(da), Some(db)) = (decls.tables.get(&a), decls.tables.get(&b)) else {
                return bad("a table is not declared".into());
            };
            if da.elem != db.elem {
                return bad("table.copy between tables of different element types".into());
            }
        }
        Imm::MemLane(_, lane) | Imm::Lane(lane) if Some(lane) >= opcode.lane_limit() => {
            return bad(format!("lane {lane} is out of range"));
        }
        Imm::Shuffle(lanes) if lanes.iter().any(|l| *l >= 32) => {
            return bad("shuffle lane index out of range".into());
        }
        _ => {}
    }
    // Result types.
    let want = dfg.result_types(inst).map_err(|e| format!("malformed `{}`: {e}", text(func, inst)))?;
    let got: Vec<Type> = dfg.inst_results(inst).iter().map(|v| dfg.value_type(*v)).collect();
    if !opcode.is_terminator() && want != got {
        return bad(format!("results are ({}), {opcode} gives ({})", join(&got), join(&want)));
    }
    Ok(())
}

fn join(tys: &[Type]) -> String {
    tys.iter().map(|t| t.name()).collect::<Vec<_>>().join(", ")
}

//! Constant folding with the interpreter's semantics: [`eval_pure`] runs one
//! opcode on constant operands through the same exhaustive `match` that
//! [`super::run`] executes, so a folded constant is bit for bit what the
//! interpreter computes (canonical NaNs included).
//!
//! Only opcodes that read nothing and write nothing are accepted: the pure
//! ones and the ones whose only effect is a possible trap (division,
//! remainder, float-to-integer truncation). A trap comes back as `Err`, so
//! a caller folds only what does not trap.
//!
//! ```
//! use weft_ir::{Imm, Opcode};
//! use weft_ir::interpreter::{Trap, Val, fold::eval_pure};
//! assert_eq!(eval_pure(Opcode::I32Add, &[Val::I32(2), Val::I32(3)], Imm::None), Ok(vec![Val::I32(5)]));
//! assert_eq!(eval_pure(Opcode::I32DivS, &[Val::I32(1), Val::I32(0)], Imm::None), Err(Trap::IntegerDivideByZero));
//! ```

use super::{Interp, NoCalls, Out, State, Trap, Val};
use crate::effects::Effects;
use crate::entities::Inst;
use crate::function::Function;
use crate::immediates::Imm;
use crate::opcodes::Opcode;
use cranelift_entity::EntityRef;

/// Can [`eval_pure`] evaluate `opcode`? True for opcodes whose effect
/// class is pure or only "may trap" (never reads or writes state, calls or
/// transfers control).
pub fn is_foldable(opcode: Opcode) -> bool {
    Effects::TRAP.contains(opcode.effects())
}

/// Evaluates `opcode` on the constant operands `args` with immediate `imm`,
/// exactly as the interpreter does. Returns the results, or the trap the
/// operation raises (a wasm trap such as [`Trap::IntegerDivideByZero`], or
/// [`Trap::Malformed`] for wrong operand types or an opcode that
/// [`is_foldable`] rejects). Never panics.
pub fn eval_pure(opcode: Opcode, args: &[Val], imm: Imm) -> Result<Vec<Val>, Trap> {
    if !is_foldable(opcode) {
        return Err(Trap::malformed(format!("`{opcode}` is not a pure operation")));
    }
    let func = Function::default();
    let mut state = State::new();
    let mut env = NoCalls;
    let mut interp = Interp { func: &func, state: &mut state, env: &mut env, fuel: 0, vals: Vec::new() };
    match interp.exec(Inst::new(0), opcode, args, imm)? {
        Out::Vals(vals) => Ok(vals),
        Out::Return(_) => Err(Trap::malformed(format!("`{opcode}` returned from the function"))),
    }
}

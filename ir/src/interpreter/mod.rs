//! The reference interpreter: wasm 2.0 + simd128 semantics of every opcode,
//! executed block by block over a [`Function`].
//!
//! ```
//! use weft_ir::{Function, Signature, Type, Opcode, Imm, FuncCursor};
//! use weft_ir::interpreter::{run, NoCalls, State, Val};
//! let mut func = Function::new("f", Signature::new([Type::I32], [Type::I32]));
//! let mut cur = FuncCursor::new(&mut func);
//! let entry = cur.add_block(&[Type::I32]);
//! let x = cur.func.dfg.block_params(entry)[0];
//! let one = cur.iconst32(1);
//! let sum = cur.ins(Opcode::I32Add, &[x, one], Imm::None).unwrap();
//! cur.ret(&sum);
//! let mut state = State::for_function(&func).unwrap();
//! assert_eq!(run(&func, &[Val::I32(41)], &mut state, &mut NoCalls, 1000), Ok(vec![Val::I32(42)]));
//! ```
//!
//! What it owns:
//! - [`Val`] (runtime values and their `; run:` text form), [`State`]
//!   (memories, globals, tables, passive segments), [`Trap`] (wasm's trap
//!   kinds, displayed as wasmtime displays them, plus malformed-IR errors);
//! - [`Env`], the outside world a call reaches, with [`NoCalls`] and the
//!   recording [`Trace`];
//! - [`run`]: block parameters assigned in parallel from the branch
//!   arguments, `brif` on a non-zero `i32`, `br_table` with out-of-range
//!   indices taking the default, one unit of fuel per executed instruction.
//!
//! The per-opcode semantics is one exhaustive `match` in `exec.rs` with no
//! catch-all arm, so a new opcode does not compile until it has semantics.
//! NaN results of float arithmetic are the canonical NaN (see
//! [`scalar`]); wasm allows that on every host.
//!
//! The interpreter trusts nothing: operands of the wrong type, undefined
//! values, undeclared entities, a block without a terminator or branch
//! arguments that do not fit the target come back as [`Trap::Malformed`]
//! naming the instruction, never as a panic.

mod exec;
pub mod fold;
pub mod memory;
pub mod scalar;
pub mod simd;
pub mod state;
pub mod value;

pub use state::{DataSegment, ElemSegment, Limits, MAX_PAGES, Memory, PAGE_SIZE, State, Table};
pub use value::{CANONICAL_NAN_F32, CANONICAL_NAN_F64, ParseValError, Val};

use crate::entities::{Block, FuncRef, SigRef, TableRef, Value};
use crate::function::{Decls, Function, Signature};
use crate::instructions::{BlockCall, InstructionData};
use crate::types::Type;
use crate::write::inst_to_string;
use cranelift_entity::EntityRef;
use std::collections::BTreeMap;

/// Why a run stopped without returning. The wasm trap kinds display as
/// wasmtime's messages, so a `; run: ... == trap: TEXT` line reads the same
/// under both.
#[derive(Clone, Debug, PartialEq, Eq, Hash, thiserror::Error)]
pub enum Trap {
    /// `trap` (wasm `unreachable`) executed.
    #[error("wasm `unreachable` instruction executed")]
    Unreachable,
    /// Integer division or remainder by zero.
    #[error("integer divide by zero")]
    IntegerDivideByZero,
    /// Signed division overflow (`MIN / -1`) or a float-to-integer
    /// truncation out of range.
    #[error("integer overflow")]
    IntegerOverflow,
    /// Float-to-integer truncation of a NaN.
    #[error("invalid conversion to integer")]
    BadConversionToInteger,
    /// A memory access or bulk-memory range outside the memory (or a data
    /// segment).
    #[error("out of bounds memory access")]
    MemoryOutOfBounds,
    /// A table access or range outside the table (or an element segment),
    /// including `call_indirect` past the end.
    #[error("undefined element: out of bounds table access")]
    TableOutOfBounds,
    /// `call_indirect` of a null element.
    #[error("uninitialized element")]
    IndirectCallToNull,
    /// `call_indirect` of a function whose type is not the expected one.
    #[error("indirect call type mismatch")]
    BadSignature,
    /// An [`Env`] that runs callees gave up on the call depth.
    #[error("call stack exhausted")]
    StackOverflow,
    /// The fuel given to [`run`] ran out.
    #[error("all fuel consumed by WebAssembly")]
    OutOfFuel,
    /// The [`Env`] failed a call with a message of its own.
    #[error("call trapped in the environment: {0}")]
    Host(String),
    /// A state could not be allocated (memory or table larger than the
    /// host allows).
    #[error("resource limit: {0}")]
    Resource(String),
    /// The function or its state is not well formed (a type error, an
    /// undefined value, an undeclared entity, a missing terminator). Not a
    /// wasm trap: the verifier or validator should have rejected the input.
    #[error("malformed IR{}: {message}", location.as_ref().map(|l| format!(" at {l}")).unwrap_or_default())]
    Malformed {
        /// The instruction or block, as text, when known.
        location: Option<String>,
        /// What is wrong.
        message: String,
    },
}

impl Trap {
    /// A [`Trap::Malformed`] without a location (the interpreter adds the
    /// instruction it was executing).
    pub fn malformed(message: impl Into<String>) -> Trap {
        Trap::Malformed { location: None, message: message.into() }
    }

    /// Is this one of wasm's own traps (not a host failure, a resource
    /// limit, exhausted fuel or malformed input)?
    pub fn is_wasm_trap(&self) -> bool {
        !matches!(self, Trap::OutOfFuel | Trap::Host(_) | Trap::Resource(_) | Trap::Malformed { .. })
    }
}

/// The outside world: what `call`, `call_indirect` and their tail-call forms
/// reach. The callee may read and change the state.
pub trait Env {
    /// Calls function `func` with `args`.
    fn call(&mut self, func: FuncRef, args: &[Val], state: &mut State) -> Result<Vec<Val>, Trap>;

    /// Calls the function in slot `index` of `table`, which must have type
    /// `sig`. The interpreter has already checked that the slot exists and
    /// is not null ([`State::table_func`] gives the function index); the
    /// environment checks the signature and returns [`Trap::BadSignature`]
    /// on a mismatch.
    fn call_indirect(
        &mut self,
        table: TableRef,
        index: u32,
        sig: SigRef,
        args: &[Val],
        state: &mut State,
    ) -> Result<Vec<Val>, Trap>;
}

/// An environment without callees: every call fails with [`Trap::Host`].
#[derive(Copy, Clone, Debug, Default)]
pub struct NoCalls;

impl Env for NoCalls {
    fn call(&mut self, func: FuncRef, _args: &[Val], _state: &mut State) -> Result<Vec<Val>, Trap> {
        Err(Trap::Host(format!("call of {func}, but the environment has no functions")))
    }

    fn call_indirect(
        &mut self,
        table: TableRef,
        index: u32,
        _sig: SigRef,
        _args: &[Val],
        _state: &mut State,
    ) -> Result<Vec<Val>, Trap> {
        Err(Trap::Host(format!("call through {table}[{index}], but the environment has no functions")))
    }
}

/// Who a recorded call went to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Callee {
    /// `call` / `return_call` of a function.
    Direct(FuncRef),
    /// `call_indirect` / `return_call_indirect`.
    Indirect {
        /// The table.
        table: TableRef,
        /// The slot.
        index: u32,
        /// The expected type.
        sig: SigRef,
        /// The function in the slot.
        func: FuncRef,
    },
}

/// One call a run made: the event an observer sees (VERIFICATION.md).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CallEvent {
    /// Who was called.
    pub callee: Callee,
    /// The arguments.
    pub args: Vec<Val>,
    /// [`State::digest`] of the state at the call.
    pub state_digest: u64,
}

/// Decides the results of the `k`-th call (and may change the state).
pub type CallHandler<'a> = Box<dyn FnMut(usize, &CallEvent, &mut State) -> Result<Vec<Val>, Trap> + 'a>;

/// An environment that records every call, in order, and answers it with a
/// handler: by default the zero values of the callee's result types.
///
/// Signatures come from a function's [`Decls`]: direct calls need the callee
/// declared; an indirect call's slot must hold a function whose signature
/// is known (from `decls.funcs` or [`Trace::func_sigs`]) and equal to the
/// expected type, else [`Trap::BadSignature`] (or [`Trap::Host`] when the
/// signature is unknown).
pub struct Trace<'a> {
    /// Every call so far.
    pub events: Vec<CallEvent>,
    /// Known function signatures, for indirect-call checks and default results.
    pub func_sigs: BTreeMap<FuncRef, Signature>,
    /// Type indices, for indirect calls.
    pub sigs: BTreeMap<SigRef, Signature>,
    handler: Option<CallHandler<'a>>,
}

impl<'a> Trace<'a> {
    /// A trace whose calls return the zero values of their result types.
    pub fn new(decls: &Decls) -> Self {
        Trace {
            events: Vec::new(),
            func_sigs: decls.funcs.iter().map(|(&f, d)| (f, d.sig.clone())).collect(),
            sigs: decls.sigs.clone(),
            handler: None,
        }
    }

    /// A trace whose calls are answered by `handler` (given the call's
    /// number, the event and the state).
    pub fn with_handler(
        decls: &Decls,
        handler: impl FnMut(usize, &CallEvent, &mut State) -> Result<Vec<Val>, Trap> + 'a,
    ) -> Self {
        Trace { handler: Some(Box::new(handler)), ..Trace::new(decls) }
    }

    fn answer(&mut self, event: CallEvent, results: &[Type], state: &mut State) -> Result<Vec<Val>, Trap> {
        let k = self.events.len();
        self.events.push(event);
        match &mut self.handler {
            Some(h) => h(k, &self.events[k], state),
            None => Ok(results.iter().map(|&t| Val::zero(t)).collect()),
        }
    }
}

impl Env for Trace<'_> {
    fn call(&mut self, func: FuncRef, args: &[Val], state: &mut State) -> Result<Vec<Val>, Trap> {
        let sig = self.func_sigs.get(&func).ok_or_else(|| Trap::Host(format!("{func} has no known signature")))?;
        let results = sig.results.clone();
        let event = CallEvent { callee: Callee::Direct(func), args: args.to_vec(), state_digest: state.digest() };
        self.answer(event, &results, state)
    }

    fn call_indirect(
        &mut self,
        table: TableRef,
        index: u32,
        sig: SigRef,
        args: &[Val],
        state: &mut State,
    ) -> Result<Vec<Val>, Trap> {
        let func = FuncRef::from_u32(state.table_func(table, index)?);
        let expected = self.sigs.get(&sig).ok_or_else(|| Trap::Host(format!("{sig} is not declared")))?;
        let actual = self.func_sigs.get(&func).ok_or_else(|| Trap::Host(format!("{func} has no known signature")))?;
        if actual != expected {
            return Err(Trap::BadSignature);
        }
        let results = expected.results.clone();
        let event = CallEvent {
            callee: Callee::Indirect { table, index, sig, func },
            args: args.to_vec(),
            state_digest: state.digest(),
        };
        self.answer(event, &results, state)
    }
}

/// Runs `func` on `args` against `state`, with calls going to `env`, for at
/// most `fuel` instructions. Returns the results of `return` (or of a tail
/// call), or the trap.
pub fn run(func: &Function, args: &[Val], state: &mut State, env: &mut dyn Env, fuel: u64) -> Result<Vec<Val>, Trap> {
    let mut interp = Interp { func, state, env, fuel, vals: vec![None; func.dfg.num_values()] };
    interp.run(args)
}

/// What executing one non-branch instruction produced.
enum Out {
    /// Its results (checked against the instruction's result values).
    Vals(Vec<Val>),
    /// The function returns these values.
    Return(Vec<Val>),
}

/// One run in progress.
struct Interp<'a> {
    func: &'a Function,
    state: &'a mut State,
    env: &'a mut dyn Env,
    fuel: u64,
    vals: Vec<Option<Val>>,
}

/// Where control goes after a block.
enum Next {
    /// To this block (its parameters are assigned).
    Block(Block),
    /// Out of the function with these results.
    Return(Vec<Val>),
}

impl Interp<'_> {
    fn run(&mut self, args: &[Val]) -> Result<Vec<Val>, Trap> {
        let func = self.func;
        let entry = func.entry_block().ok_or_else(|| Trap::malformed("the function has no blocks"))?;
        check_types("the arguments", args, &func.sig.params)?;
        self.assign_params(entry, args.to_vec()).map_err(|t| locate(t, || format!("{entry}")))?;
        let mut block = entry;
        loop {
            match self.run_block(block)? {
                Next::Block(b) => block = b,
                Next::Return(vals) => return Ok(vals),
            }
        }
    }

    /// Executes the instructions of `block` up to and including its
    /// terminator.
    fn run_block(&mut self, block: Block) -> Result<Next, Trap> {
        let func = self.func;
        let mut next = func.layout.first_inst(block);
        let mut args = Vec::new();
        while let Some(inst) = next {
            if self.fuel == 0 {
                return Err(Trap::OutOfFuel);
            }
            self.fuel -= 1;
            let at = || format!("{inst} in {block}: `{}`", inst_to_string(func, inst));
            let step = match &func.dfg.insts[inst] {
                InstructionData::Jump { dest } => self.take(dest).map(Some),
                InstructionData::Brif { cond, then_dest, else_dest } => match self.get(*cond) {
                    Ok(Val::I32(c)) => self.take(if c != 0 { then_dest } else { else_dest }).map(Some),
                    Ok(v) => Err(Trap::malformed(format!("brif condition is {}, not i32", v.ty()))),
                    Err(t) => Err(t),
                },
                InstructionData::BrTable { index, table } => match self.get(*index) {
                    Ok(Val::I32(i)) => match func.dfg.jump_tables.get(*table) {
                        Some(jt) => self.take(jt.targets.get(i as u32 as usize).unwrap_or(&jt.default)).map(Some),
                        None => Err(Trap::malformed(format!("{table} does not exist"))),
                    },
                    Ok(v) => Err(Trap::malformed(format!("br_table index is {}, not i32", v.ty()))),
                    Err(t) => Err(t),
                },
                InstructionData::Op { opcode, args: list, imm } => {
                    args.clear();
                    let operands = list.as_slice(&func.dfg.value_lists);
                    let read: Result<(), Trap> = operands.iter().try_for_each(|&v| {
                        args.push(self.get(v)?);
                        Ok(())
                    });
                    read.and_then(|()| self.exec(inst, *opcode, &args, *imm)).and_then(|out| match out {
                        Out::Vals(vals) => self.define_results(inst, vals).map(|()| None),
                        Out::Return(vals) => Ok(Some(Next::Return(vals))),
                    })
                }
            };
            match step.map_err(|t| locate(t, at))? {
                Some(n) => return Ok(n),
                None => next = func.layout.next_inst(inst),
            }
        }
        Err(Trap::Malformed { location: Some(format!("{block}")), message: "the block has no terminator".into() })
    }

    /// The value of `v` (through aliases).
    fn get(&self, v: Value) -> Result<Val, Trap> {
        let dfg = &self.func.dfg;
        if !dfg.value_is_valid(v) {
            return Err(Trap::malformed(format!("{v} does not exist")));
        }
        let r = dfg.resolve_aliases(v);
        self.vals
            .get(r.index())
            .copied()
            .flatten()
            .ok_or_else(|| Trap::malformed(format!("{r} is used before it is defined")))
    }

    /// Evaluates a branch's arguments and assigns them to the target's
    /// parameters (all arguments are read before any parameter is written).
    fn take(&mut self, call: &BlockCall) -> Result<Next, Trap> {
        let dfg = &self.func.dfg;
        let vals = dfg.block_call_args(call).iter().map(|&v| self.get(v)).collect::<Result<Vec<_>, _>>()?;
        if !dfg.block_is_valid(call.block) || !self.func.layout.is_block_inserted(call.block) {
            return Err(Trap::malformed(format!("branch to {}, which is not in the layout", call.block)));
        }
        self.assign_params(call.block, vals)?;
        Ok(Next::Block(call.block))
    }

    fn assign_params(&mut self, block: Block, vals: Vec<Val>) -> Result<(), Trap> {
        let params = self.func.dfg.block_params(block);
        let tys: Vec<Type> = params.iter().map(|&p| self.func.dfg.value_type(p)).collect();
        check_types(&format!("the arguments of {block}"), &vals, &tys)?;
        for (&p, v) in params.iter().zip(vals) {
            self.vals[p.index()] = Some(v);
        }
        Ok(())
    }

    fn define_results(&mut self, inst: crate::entities::Inst, vals: Vec<Val>) -> Result<(), Trap> {
        let results = self.func.dfg.inst_results(inst);
        let tys: Vec<Type> = results.iter().map(|&r| self.func.dfg.value_type(r)).collect();
        check_types("the results", &vals, &tys)?;
        for (&r, v) in results.iter().zip(vals) {
            self.vals[r.index()] = Some(v);
        }
        Ok(())
    }
}

/// Adds a location to a malformed-IR error that has none.
fn locate(trap: Trap, at: impl FnOnce() -> String) -> Trap {
    match trap {
        Trap::Malformed { location: None, message } => Trap::Malformed { location: Some(at()), message },
        t => t,
    }
}

/// Checks that `vals` have exactly the types `tys`.
fn check_types(what: &str, vals: &[Val], tys: &[Type]) -> Result<(), Trap> {
    let ok = vals.len() == tys.len() && vals.iter().zip(tys).all(|(v, &t)| v.ty() == t);
    if ok {
        return Ok(());
    }
    let got: Vec<String> = vals.iter().map(|v| v.ty().to_string()).collect();
    let want: Vec<String> = tys.iter().map(|t| t.to_string()).collect();
    Err(Trap::malformed(format!("{what} have types ({}), expected ({})", got.join(", "), want.join(", "))))
}

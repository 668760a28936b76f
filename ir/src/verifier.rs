//! The structural verifier: is a [`Function`] well-formed IR?
//!
//! [`verify_function`] checks, collecting every error rather than stopping
//! at the first:
//!
//! * **Entities**: every block and instruction in the layout exists in the
//!   DFG; block parameters and instruction results say they are defined
//!   where they are listed; every used value exists, is not detached, does
//!   not alias in a cycle, and (after resolving aliases) is defined by an
//!   instruction in the layout or is a parameter of a block in the layout.
//! * **Structure**: there is an entry block and its parameters match the
//!   signature; every block in the layout is non-empty and ends in exactly
//!   one terminator, with no terminator elsewhere; branch targets are
//!   blocks in the layout other than the entry block; block-call argument
//!   counts and types match the target's parameters.
//! * **Dominance**: the definition of every value dominates each use (a
//!   block-call argument is used at the branch). Uses in blocks unreachable
//!   from the entry are only checked to follow a definition in their own
//!   block; no dominance across blocks is asked of them.
//! * **Types**: operand and result counts and types follow the opcode table
//!   ([`OpSig::Fixed`]); the opcodes whose types depend on the immediate or
//!   the operands are checked one by one (`select`, calls and tail calls
//!   against `decls.funcs`/`decls.sigs`, `return` against the signature,
//!   `global.*`, `table.*`, `ref.*`, branch conditions).
//! * **Immediates**: the immediate has the opcode's [`ImmKind`]; the
//!   globals, functions, signatures, memories and tables it names are
//!   declared in `dfg.decls`; lane indices are below the opcode's lane
//!   count ([`Opcode::lane_limit`]); alignments do not exceed the natural
//!   alignment; `ref.null` names a reference type.
//! * **Reducibility**: every retreating edge of a depth-first search from
//!   the entry targets a block that dominates the edge's source.
//!
//! Errors are data ([`VerifierError`]: a location and a message), and
//! [`pretty_errors`] prints them beside the function text. The verifier
//! never panics on malformed IR: indices are checked before they are used.
//!
//! ```
//! use weft_ir::{parse_function, verifier::verify_function};
//! let func = parse_function(
//!     "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i64.const 1\n    return v1\n}\n",
//! )
//! .unwrap();
//! let errors = verify_function(&func).unwrap_err();
//! assert_eq!(errors.0[0].message, "`return` returns (i64), the function returns (i32)");
//! ```

use crate::cfg::{ControlFlowGraph, checked_inst_values, checked_resolve};
use crate::dfg::{DataFlowGraph, ValueDef};
use crate::dominator_tree::DominatorTree;
use crate::entities::{Block, Inst, Value};
use crate::function::{Function, Signature};
use crate::immediates::{Imm, ImmKind};
use crate::instructions::{BlockCall, InstructionData};
use crate::opcodes::{OpSig, Opcode};
use crate::types::Type;
use crate::write::{write_block_header, write_function, write_inst};
use core::fmt;
use cranelift_entity::SecondaryMap;
use std::collections::{BTreeMap, BTreeSet};

/// Where an error is: the function as a whole, a block, an instruction or a
/// value.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AnyEntity {
    /// The function as a whole.
    Function,
    /// A block (its header).
    Block(Block),
    /// An instruction.
    Inst(Inst),
    /// A value (its definition).
    Value(Value),
}

impl fmt::Display for AnyEntity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnyEntity::Function => f.write_str("function"),
            AnyEntity::Block(b) => write!(f, "{b}"),
            AnyEntity::Inst(i) => write!(f, "{i}"),
            AnyEntity::Value(v) => write!(f, "{v}"),
        }
    }
}

/// One verifier error.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifierError {
    /// Where it is.
    pub location: AnyEntity,
    /// What is wrong.
    pub message: String,
}

impl fmt::Display for VerifierError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// Every error found in a function, in a deterministic order: function-level
/// errors, then blocks in layout order (each block's own errors, then its
/// instructions'), then control-flow reducibility.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VerifierErrors(pub Vec<VerifierError>);

impl VerifierErrors {
    /// Is there no error?
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Number of errors.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// The errors at `location`.
    pub fn at(&self, location: AnyEntity) -> impl Iterator<Item = &VerifierError> {
        self.0.iter().filter(move |e| e.location == location)
    }
}

impl fmt::Display for VerifierErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for e in &self.0 {
            writeln!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for VerifierErrors {}

/// Checks that `func` is well-formed IR; returns every error found.
pub fn verify_function(func: &Function) -> Result<(), VerifierErrors> {
    let mut verifier = Verifier::new(func);
    verifier.run();
    if verifier.errors.is_empty() { Ok(()) } else { Err(VerifierErrors(verifier.errors)) }
}

/// `(i32, i64)`.
fn fmt_types(tys: &[Type]) -> String {
    let names: Vec<&str> = tys.iter().map(|t| t.name()).collect();
    format!("({})", names.join(", "))
}

/// The text name of an immediate kind, for messages.
fn imm_kind_name(kind: ImmKind) -> &'static str {
    match kind {
        ImmKind::None => "no",
        ImmKind::I32 => "an i32",
        ImmKind::I64 => "an i64",
        ImmKind::F32 => "an f32",
        ImmKind::F64 => "an f64",
        ImmKind::V128 => "a v128",
        ImmKind::Mem => "a memory-access",
        ImmKind::MemLane => "a memory-lane",
        ImmKind::Lane => "a lane",
        ImmKind::Shuffle => "a shuffle",
        ImmKind::Global => "a global",
        ImmKind::Func => "a function",
        ImmKind::SigTable => "a signature-and-table",
        ImmKind::Table => "a table",
        ImmKind::TableTable => "a two-table",
        ImmKind::Memory => "a memory",
        ImmKind::MemMem => "a two-memory",
        ImmKind::DataMem => "a data-and-memory",
        ImmKind::Data => "a data-segment",
        ImmKind::ElemTable => "an element-and-table",
        ImmKind::Elem => "an element-segment",
        ImmKind::RefType => "a reference-type",
    }
}

struct Verifier<'a> {
    func: &'a Function,
    dfg: &'a DataFlowGraph,
    errors: Vec<VerifierError>,
    cfg: ControlFlowGraph,
    domtree: DominatorTree,
    /// Position of each instruction in its block, for same-block dominance.
    pos: SecondaryMap<Inst, u32>,
}

impl<'a> Verifier<'a> {
    fn new(func: &'a Function) -> Self {
        Verifier {
            func,
            dfg: &func.dfg,
            errors: Vec::new(),
            cfg: ControlFlowGraph::new(),
            domtree: DominatorTree::new(),
            pos: SecondaryMap::new(),
        }
    }

    fn report(&mut self, location: AnyEntity, message: impl Into<String>) {
        self.errors.push(VerifierError { location, message: message.into() });
    }

    fn run(&mut self) {
        let func = self.func;
        let Some(entry) = func.layout.entry_block() else {
            self.report(AnyEntity::Function, "the function has no blocks");
            return;
        };
        if self.dfg.block_is_valid(entry) {
            let params: Vec<Value> = self.dfg.block_params(entry).to_vec();
            if params.iter().all(|&p| self.dfg.value_is_valid(p)) {
                let tys: Vec<Type> = params.iter().map(|&p| self.dfg.value_type(p)).collect();
                if tys != func.sig.params {
                    self.report(
                        AnyEntity::Block(entry),
                        format!(
                            "entry block parameters {} do not match the signature parameters {}",
                            fmt_types(&tys),
                            fmt_types(&func.sig.params)
                        ),
                    );
                }
            }
        }
        for block in func.layout.blocks() {
            for (i, inst) in func.layout.block_insts(block).enumerate() {
                self.pos[inst] = i as u32;
            }
        }
        self.cfg.compute(func);
        self.domtree.compute(func, &self.cfg);

        for block in func.layout.blocks() {
            if !self.dfg.block_is_valid(block) {
                self.report(AnyEntity::Block(block), format!("{block} is in the layout but was never created"));
                continue;
            }
            self.verify_block(block);
            for inst in func.layout.block_insts(block) {
                if !self.dfg.insts.is_valid(inst) {
                    self.report(AnyEntity::Inst(inst), format!("{inst} is in the layout but was never created"));
                    continue;
                }
                self.verify_inst(block, inst, entry);
            }
        }
        self.verify_reducible(entry);
    }

    /// Block parameters and the terminator structure.
    fn verify_block(&mut self, block: Block) {
        let params: Vec<Value> = self.dfg.block_params(block).to_vec();
        for (i, &p) in params.iter().enumerate() {
            if !self.dfg.value_is_valid(p) {
                self.report(AnyEntity::Block(block), format!("parameter {i} of {block} is {p}, which does not exist"));
            } else if self.dfg.value_def(p) != ValueDef::Param(block, i) {
                self.report(
                    AnyEntity::Block(block),
                    format!("{p} is parameter {i} of {block} but its definition says {:?}", self.dfg.value_def(p)),
                );
            }
        }
        let layout = &self.func.layout;
        let Some(last) = layout.last_inst(block) else {
            self.report(AnyEntity::Block(block), format!("{block} is empty; every block ends in a terminator"));
            return;
        };
        if self.func.terminator(block).is_none() && self.dfg.insts.is_valid(last) {
            self.report(AnyEntity::Block(block), format!("{block} does not end in a terminator"));
        }
        let mid: Vec<Inst> = layout
            .block_insts(block)
            .filter(|&i| i != last)
            .filter(|&i| self.dfg.insts.get(i).is_some_and(|d| d.opcode().is_terminator()))
            .collect();
        for inst in mid {
            let name = self.dfg.insts[inst].opcode();
            self.report(AnyEntity::Inst(inst), format!("terminator `{name}` is not the last instruction of {block}"));
        }
    }

    fn verify_inst(&mut self, block: Block, inst: Inst, entry: Block) {
        let data = self.dfg.insts[inst].clone();
        let opcode = data.opcode();
        let here = AnyEntity::Inst(inst);
        if let InstructionData::Op { opcode, .. } = data
            && opcode.is_branch()
        {
            self.report(here, format!("`{opcode}` is built as an operation; it must be a branch instruction"));
            return;
        }
        if let InstructionData::BrTable { table, .. } = data
            && !self.dfg.jump_tables.is_valid(table)
        {
            self.report(here, format!("`br_table` uses {table}, which does not exist"));
            return;
        }

        // Every used value: exists, is defined in the layout, dominates.
        let used = checked_inst_values(self.func, inst);
        let mut typeable = true;
        let mut checked: BTreeSet<Value> = BTreeSet::new();
        for &v in &used {
            if checked.insert(v) {
                typeable &= self.verify_use(block, inst, v);
            }
        }

        // Results.
        let results: Vec<Value> = self.dfg.inst_results(inst).to_vec();
        for (i, &r) in results.iter().enumerate() {
            if !self.dfg.value_is_valid(r) {
                self.report(here, format!("result {i} is {r}, which does not exist"));
                typeable = false;
            } else if self.dfg.value_def(r) != ValueDef::Result(inst, i) {
                self.report(
                    here,
                    format!("{r} is result {i} of {inst} but its definition says {:?}", self.dfg.value_def(r)),
                );
            }
        }

        // The immediate.
        let imm = data.imm();
        let imm_ok = imm.kind() == opcode.imm_kind();
        if !imm_ok {
            self.report(
                here,
                format!(
                    "`{opcode}` takes {} immediate, found {} immediate",
                    imm_kind_name(opcode.imm_kind()),
                    imm_kind_name(imm.kind())
                ),
            );
        } else {
            self.verify_imm(here, opcode, imm);
        }

        // Branch targets.
        if opcode.is_branch() {
            let calls: Vec<BlockCall> = self.dfg.branch_destinations(inst).cloned().collect();
            for call in &calls {
                self.verify_block_call(here, call, entry, typeable);
            }
        }

        if typeable && imm_ok {
            let args: Vec<Value> = self.dfg.inst_args(inst).to_vec();
            let arg_tys: Vec<Type> = args.iter().map(|&v| self.ty(v)).collect();
            if let Some(expected) = self.verify_operands(here, opcode, imm, &args, &arg_tys) {
                self.verify_results(here, opcode, &results, &expected);
            }
        }
    }

    /// The type of a value that is known to resolve.
    fn ty(&self, v: Value) -> Type {
        self.dfg.value_type(checked_resolve(self.dfg, v).unwrap_or(v))
    }

    /// Checks one used value; returns whether its type can be read.
    fn verify_use(&mut self, block: Block, inst: Inst, v: Value) -> bool {
        let here = AnyEntity::Inst(inst);
        if !self.dfg.value_is_valid(v) {
            self.report(here, format!("{v} does not exist"));
            return false;
        }
        let Some(resolved) = checked_resolve(self.dfg, v) else {
            self.report(here, format!("{v} is an alias that does not resolve (an alias cycle or a missing value)"));
            return false;
        };
        let name = if resolved == v { format!("{v}") } else { format!("{resolved} (aliased as {v})") };
        let layout = &self.func.layout;
        let def_block = match self.dfg.value_def(resolved) {
            ValueDef::Detached | ValueDef::Alias(_) => {
                self.report(here, format!("{name} is used but not defined"));
                return true;
            }
            ValueDef::Param(b, _) => {
                if !self.dfg.block_is_valid(b) || !layout.is_block_inserted(b) {
                    self.report(here, format!("{name} is a parameter of {b}, which is not in the layout"));
                    return true;
                }
                b
            }
            ValueDef::Result(def, _) => {
                let Some(b) = self.dfg.insts.get(def).and(layout.inst_block(def)) else {
                    self.report(here, format!("{name} is defined by {def}, which is not in the layout"));
                    return true;
                };
                if b == block && self.pos[def] >= self.pos[inst] {
                    self.report(here, format!("{name} is used before its definition in {block}"));
                    return true;
                }
                b
            }
        };
        if self.domtree.is_reachable(block) && def_block != block && !self.domtree.dominates(def_block, block) {
            self.report(here, format!("the definition of {name} in {def_block} does not dominate this use in {block}"));
        }
        true
    }

    /// Declared entities, lanes, alignment and `ref.null`'s type.
    fn verify_imm(&mut self, here: AnyEntity, opcode: Opcode, imm: Imm) {
        let decls = &self.dfg.decls;
        let mut missing: Vec<String> = Vec::new();
        let mut memory = |m| {
            if !decls.memories.contains_key(&m) {
                missing.push(format!("{m}"));
            }
        };
        match imm {
            Imm::Mem(m) | Imm::MemLane(m, _) => memory(m.memory),
            Imm::Memory(m) | Imm::DataMem(_, m) => memory(m),
            Imm::MemMem(a, b) => {
                memory(a);
                memory(b);
            }
            _ => {}
        }
        let mut table = |t| {
            if !decls.tables.contains_key(&t) {
                missing.push(format!("{t}"));
            }
        };
        match imm {
            Imm::Table(t) | Imm::ElemTable(_, t) => table(t),
            Imm::TableTable(a, b) => {
                table(a);
                table(b);
            }
            _ => {}
        }
        match imm {
            Imm::Global(g) if !decls.globals.contains_key(&g) => missing.push(format!("{g}")),
            Imm::Func(f) if !decls.funcs.contains_key(&f) => missing.push(format!("{f}")),
            Imm::SigTable(s, t) => {
                if !decls.sigs.contains_key(&s) {
                    missing.push(format!("{s}"));
                }
                if !decls.tables.contains_key(&t) {
                    missing.push(format!("{t}"));
                }
            }
            _ => {}
        }
        for m in missing {
            self.report(here, format!("{m} is not declared"));
        }

        let limit = opcode.lane_limit().unwrap_or(0);
        match imm {
            Imm::Lane(l) | Imm::MemLane(_, l) if l >= limit => {
                self.report(here, format!("lane index {l} is out of range for `{opcode}` ({limit} lanes)"));
            }
            Imm::Shuffle(lanes) => {
                for l in lanes.into_iter().filter(|&l| l >= limit) {
                    self.report(here, format!("shuffle lane index {l} is out of range (must be below {limit})"));
                }
            }
            Imm::RefType(t) if !t.is_ref() => {
                self.report(here, format!("`{opcode}` type {t} is not a reference type"));
            }
            _ => {}
        }
        if let Some(m) = imm.memarg()
            && m.align > opcode.natural_align()
        {
            let natural = 1u64 << opcode.natural_align();
            let align = if m.align < 64 { format!("{}", 1u64 << m.align) } else { format!("2^{}", m.align) };
            self.report(here, format!("alignment {align} exceeds the natural alignment {natural} of `{opcode}`"));
        }
    }

    /// A branch target and its arguments.
    fn verify_block_call(&mut self, here: AnyEntity, call: &BlockCall, entry: Block, typeable: bool) {
        let target = call.block;
        if !self.dfg.block_is_valid(target) {
            self.report(here, format!("branch to {target}, which does not exist"));
            return;
        }
        if !self.func.layout.is_block_inserted(target) {
            self.report(here, format!("branch to {target}, which is not in the layout"));
            return;
        }
        if target == entry {
            self.report(here, format!("branch to the entry block {target}"));
        }
        let args: Vec<Value> = self.dfg.block_call_args(call).to_vec();
        let params: Vec<Value> = self.dfg.block_params(target).to_vec();
        if args.len() != params.len() {
            self.report(
                here,
                format!("branch to {target} passes {} arguments, {target} takes {}", args.len(), params.len()),
            );
            return;
        }
        if !typeable || !params.iter().all(|&p| self.dfg.value_is_valid(p)) {
            return;
        }
        for (i, (&a, &p)) in args.iter().zip(&params).enumerate() {
            let (have, want) = (self.ty(a), self.dfg.value_type(p));
            if have != want {
                self.report(here, format!("argument {i} ({a}) to {target} has type {have}, expected {want}"));
            }
        }
    }

    /// Operand types per opcode; returns the expected result types when
    /// they are known.
    fn verify_operands(
        &mut self,
        here: AnyEntity,
        opcode: Opcode,
        imm: Imm,
        args: &[Value],
        tys: &[Type],
    ) -> Option<Vec<Type>> {
        let decls = &self.dfg.decls;
        let ret = &self.func.sig.results;
        if let OpSig::Fixed(params, results) = opcode.sig() {
            self.expect_operands(here, &format!("`{opcode}`"), args, tys, params);
            if let (Opcode::TableCopy, Imm::TableTable(dst, src)) = (opcode, imm)
                && let (Some(d), Some(s)) = (decls.tables.get(&dst), decls.tables.get(&src))
                && d.elem != s.elem
            {
                self.report(
                    here,
                    format!("`table.copy` from {src} of {} to {dst} of {}: element types differ", s.elem, d.elem),
                );
            }
            return Some(results.to_vec());
        }
        let table_elem = |t| decls.tables.get(&t).map(|d| d.elem);
        match (opcode, imm) {
            (Opcode::Jump, _) => {
                self.expect_operands(here, "`jump`", args, tys, &[]);
                Some(vec![])
            }
            (Opcode::Brif | Opcode::BrTable, _) => {
                let what = if opcode == Opcode::Brif { "condition" } else { "index" };
                if tys.first().is_some_and(|&t| t != Type::I32) {
                    self.report(here, format!("`{opcode}` {what} {} has type {}, expected i32", args[0], tys[0]));
                }
                Some(vec![])
            }
            (Opcode::Return, _) => {
                if tys != ret.as_slice() {
                    self.report(
                        here,
                        format!("`return` returns {}, the function returns {}", fmt_types(tys), fmt_types(ret)),
                    );
                }
                Some(vec![])
            }
            (Opcode::Call | Opcode::ReturnCall, Imm::Func(f)) => {
                let sig = decls.funcs.get(&f)?.sig.clone();
                if tys != sig.params.as_slice() {
                    self.report(here, format!("`{opcode}` {f} passes {}, {f} has signature {sig}", fmt_types(tys)));
                }
                self.call_results(here, opcode, &format!("{f}"), &sig)
            }
            (Opcode::CallIndirect | Opcode::ReturnCallIndirect, Imm::SigTable(s, t)) => {
                if let Some(elem) = table_elem(t)
                    && elem != Type::FuncRef
                {
                    self.report(here, format!("`{opcode}` through {t} of {elem}; it needs a funcref table"));
                }
                let sig = decls.sigs.get(&s)?.clone();
                let Some((&callee_ty, arg_tys)) = tys.split_last() else {
                    self.report(here, format!("`{opcode}` is missing its callee index operand"));
                    return None;
                };
                if callee_ty != Type::I32 {
                    let callee = args[args.len() - 1];
                    self.report(here, format!("`{opcode}` callee index {callee} has type {callee_ty}, expected i32"));
                }
                if arg_tys != sig.params.as_slice() {
                    self.report(here, format!("`{opcode}` {s} passes {}, {s} is {sig}", fmt_types(arg_tys)));
                }
                self.call_results(here, opcode, &format!("{s}"), &sig)
            }
            (Opcode::Select, _) => {
                if args.len() != 3 {
                    self.report(here, format!("`select` takes 3 operands, found {}", args.len()));
                    return None;
                }
                if tys[0] != tys[1] {
                    self.report(
                        here,
                        format!(
                            "`select` arms have different types: {} is {}, {} is {}",
                            args[0], tys[0], args[1], tys[1]
                        ),
                    );
                }
                if tys[2] != Type::I32 {
                    self.report(here, format!("`select` condition {} has type {}, expected i32", args[2], tys[2]));
                }
                Some(vec![tys[0]])
            }
            (Opcode::GlobalGet, Imm::Global(g)) => {
                let decl = *decls.globals.get(&g)?;
                self.expect_operands(here, "`global.get`", args, tys, &[]);
                Some(vec![decl.ty])
            }
            (Opcode::GlobalSet, Imm::Global(g)) => {
                let decl = *decls.globals.get(&g)?;
                if !decl.mutable {
                    self.report(here, format!("`global.set` of immutable global {g}"));
                }
                self.expect_operands(here, "`global.set`", args, tys, &[decl.ty]);
                Some(vec![])
            }
            (Opcode::TableGet, Imm::Table(t)) => {
                let elem = table_elem(t)?;
                self.expect_operands(here, "`table.get`", args, tys, &[Type::I32]);
                Some(vec![elem])
            }
            (Opcode::TableSet, Imm::Table(t)) => {
                let elem = table_elem(t)?;
                self.expect_operands(here, "`table.set`", args, tys, &[Type::I32, elem]);
                Some(vec![])
            }
            (Opcode::TableGrow, Imm::Table(t)) => {
                let elem = table_elem(t)?;
                self.expect_operands(here, "`table.grow`", args, tys, &[elem, Type::I32]);
                Some(vec![Type::I32])
            }
            (Opcode::TableFill, Imm::Table(t)) => {
                let elem = table_elem(t)?;
                self.expect_operands(here, "`table.fill`", args, tys, &[Type::I32, elem, Type::I32]);
                Some(vec![])
            }
            (Opcode::RefNull, Imm::RefType(t)) => {
                self.expect_operands(here, "`ref.null`", args, tys, &[]);
                t.is_ref().then(|| vec![t])
            }
            (Opcode::RefIsNull, _) => {
                if args.len() != 1 {
                    self.report(here, format!("`ref.is_null` takes 1 operands, found {}", args.len()));
                } else if !tys[0].is_ref() {
                    self.report(
                        here,
                        format!("`ref.is_null` operand {} has type {}, expected a reference type", args[0], tys[0]),
                    );
                }
                Some(vec![Type::I32])
            }
            _ => {
                self.report(here, format!("the verifier has no type rule for `{opcode}`"));
                None
            }
        }
    }

    /// Result types of a call; for a tail call, checks that the callee's
    /// results are the function's.
    fn call_results(&mut self, here: AnyEntity, opcode: Opcode, callee: &str, sig: &Signature) -> Option<Vec<Type>> {
        if opcode.is_terminator() {
            let ret = &self.func.sig.results;
            if &sig.results != ret {
                self.report(
                    here,
                    format!(
                        "`{opcode}` {callee} returns {}, the function returns {}",
                        fmt_types(&sig.results),
                        fmt_types(ret)
                    ),
                );
            }
            return Some(vec![]);
        }
        Some(sig.results.clone())
    }

    /// Operand count and types against a fixed list.
    fn expect_operands(&mut self, here: AnyEntity, what: &str, args: &[Value], tys: &[Type], want: &[Type]) {
        if tys.len() != want.len() {
            self.report(here, format!("{what} takes {} operands, found {}", want.len(), tys.len()));
            return;
        }
        for (i, (&have, &w)) in tys.iter().zip(want).enumerate() {
            if have != w {
                self.report(here, format!("{what} operand {i} ({}) has type {have}, expected {w}", args[i]));
            }
        }
    }

    /// Result count and types.
    fn verify_results(&mut self, here: AnyEntity, opcode: Opcode, results: &[Value], want: &[Type]) {
        if results.len() != want.len() {
            self.report(
                here,
                format!("`{opcode}` has {} results, expected {} {}", results.len(), want.len(), fmt_types(want)),
            );
            return;
        }
        for (i, (&r, &w)) in results.iter().zip(want).enumerate() {
            let have = self.dfg.value_type(r);
            if have != w {
                self.report(here, format!("result {i} ({r}) of `{opcode}` has type {have}, expected {w}"));
            }
        }
    }

    /// Every retreating edge of a DFS from the entry must target a block
    /// that dominates its source.
    fn verify_reducible(&mut self, entry: Block) {
        if !self.dfg.block_is_valid(entry) {
            return;
        }
        let mut state: SecondaryMap<Block, u8> = SecondaryMap::new(); // 0 new, 1 on stack, 2 done
        let mut stack: Vec<(Block, usize)> = vec![(entry, 0)];
        let mut bad: Vec<(Block, Block)> = Vec::new();
        state[entry] = 1;
        while let Some(top) = stack.last_mut() {
            let (block, next) = *top;
            match self.cfg.succs(block).get(next) {
                Some(&succ) => {
                    top.1 += 1;
                    match state[succ] {
                        0 => {
                            state[succ] = 1;
                            stack.push((succ, 0));
                        }
                        1 if !self.domtree.dominates(succ, block) => bad.push((block, succ)),
                        _ => {}
                    }
                }
                None => {
                    state[block] = 2;
                    stack.pop();
                }
            }
        }
        for (from, to) in bad {
            let at = self.func.terminator(from).map_or(AnyEntity::Block(from), AnyEntity::Inst);
            self.report(
                at,
                format!("irreducible control flow: the edge {from} -> {to} enters a cycle at {to}, which does not dominate {from}"),
            );
        }
    }
}

/// Can `inst` be printed by [`write_inst`] without touching a bad index?
fn inst_is_printable(func: &Function, inst: Inst) -> bool {
    let dfg = &func.dfg;
    let Some(data) = dfg.insts.get(inst) else { return false };
    if let InstructionData::BrTable { table, .. } = data
        && !dfg.jump_tables.is_valid(*table)
    {
        return false;
    }
    checked_inst_values(func, inst)
        .into_iter()
        .chain(dfg.inst_results(inst).iter().copied())
        .all(|v| checked_resolve(dfg, v).is_some())
}

/// Can the header of `block` be printed without touching a bad index?
fn block_is_printable(func: &Function, block: Block) -> bool {
    func.dfg.block_is_valid(block) && func.dfg.block_params(block).iter().all(|&p| func.dfg.value_is_valid(p))
}

/// Prints `func` in the text format with each error on a `; error: ...`
/// line right after the instruction or block header it is about. Errors
/// about a value go after its definition; errors about the function, or
/// about something not in the layout, go right after the first line with
/// their location. Parts of a malformed function that cannot be printed are
/// shown as `; <...>` comments.
pub fn pretty_errors(func: &Function, errors: &VerifierErrors) -> String {
    use core::fmt::Write;
    let dfg = &func.dfg;
    // Error indices by location, each list in report order.
    let mut by_location: BTreeMap<AnyEntity, Vec<usize>> = BTreeMap::new();
    for (i, e) in errors.0.iter().enumerate() {
        by_location.entry(e.location).or_default().push(i);
    }
    let mut placed = vec![false; errors.0.len()];
    let mut body = String::new();
    let mut emit = |out: &mut String, locations: &mut dyn Iterator<Item = AnyEntity>| {
        let mut indices: Vec<usize> = locations.filter_map(|l| by_location.remove(&l)).flatten().collect();
        indices.sort_unstable();
        for i in indices {
            placed[i] = true;
            let _ = writeln!(out, "    ; error: {}", errors.0[i].message);
        }
    };
    for block in func.layout.blocks() {
        if block_is_printable(func, block) {
            let _ = write_block_header(&mut body, func, block);
            let params = dfg.block_params(block).iter().map(|&v| AnyEntity::Value(v));
            emit(&mut body, &mut core::iter::once(AnyEntity::Block(block)).chain(params));
        } else {
            let _ = writeln!(body, "; <{block}: not a valid block>");
            emit(&mut body, &mut core::iter::once(AnyEntity::Block(block)));
        }
        for inst in func.layout.block_insts(block) {
            body.push_str("    ");
            if inst_is_printable(func, inst) {
                let _ = write_inst(&mut body, func, inst);
                body.push('\n');
                let results = dfg.inst_results(inst).iter().map(|&v| AnyEntity::Value(v));
                emit(&mut body, &mut core::iter::once(AnyEntity::Inst(inst)).chain(results));
            } else {
                let what = dfg
                    .insts
                    .get(inst)
                    .map_or("never created".to_string(), |d| format!("`{}` with a bad operand", d.opcode()));
                let _ = writeln!(body, "; <{inst}: {what}>");
                emit(&mut body, &mut core::iter::once(AnyEntity::Inst(inst)));
            }
        }
    }

    // The signature and declarations, printed by the printer itself from a
    // copy that has no body.
    let mut head_func = Function::new(func.name.clone(), func.sig.clone());
    head_func.dfg.decls = dfg.decls.clone();
    let mut head = String::new();
    let _ = write_function(&mut head, &head_func);
    let head = head.strip_suffix("}\n").unwrap_or(&head);
    let (first, rest) = head.split_once('\n').unwrap_or((head, ""));

    let mut out = String::new();
    out.push_str(first);
    out.push('\n');
    for (i, e) in errors.0.iter().enumerate() {
        if !placed[i] {
            match e.location {
                AnyEntity::Function => {
                    let _ = writeln!(out, "    ; error: {}", e.message);
                }
                loc => {
                    let _ = writeln!(out, "    ; error: {loc}: {}", e.message);
                }
            }
        }
    }
    out.push_str(rest);
    out.push_str(&body);
    out.push_str("}\n");
    out
}

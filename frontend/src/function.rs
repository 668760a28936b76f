//! Translation of one function body to an [`ir::Function`](weft_ir::Function).
//!
//! The operand stack becomes SSA values; wasm locals become variables of the
//! [`SsaBuilder`]. Structured control maps to blocks:
//!
//! - `block`: its end is a *merge* block whose parameters are the block's
//!   results; `br` to it is a `jump` with the result values. If nothing
//!   branches to it, the code after `end` simply continues in the current
//!   block.
//! - `loop`: a header block with the loop's parameters, entered by a `jump`;
//!   `br` to it is a back edge. The header is sealed at the loop's `end`,
//!   when every back edge is known. Code after `end` continues in place.
//! - `if`: `brif` to a *then* block and an *else* block (or, with no `else`,
//!   straight to the merge block with the `if`'s parameters), both sealed at
//!   once; the merge block is as for `block`.
//! - `br_if`: `brif` to the label and to a new fall-through block.
//! - `br_table`: `br_table` over the labels.
//! - `br` to the function's own label and `return` are `return`.
//!
//! After `br`, `br_table`, `return`, `unreachable` and tail calls the code is
//! unreachable until the `else` or `end` that closes the enclosing frame; it
//! is skipped (only nesting is tracked). Only reachable blocks are ever
//! inserted in the layout, in the order their code appears in the wasm.
//!
//! A function that uses anything the IR does not model is reported as
//! [`TranslateError::Unsupported`] with the operator and its byte offset.

use crate::operators::{fixed_arity, in_table, ir_type, operator_name, translate_operator};
use crate::ssa::SsaBuilder;
use wasmparser::{BlockType, FunctionBody, Operator};
use weft_ir::{Block, FuncDecl, FuncRef, Function, Imm, Inst, InstructionData, Module, Opcode, Signature, Type, Value};

/// Why a function was not translated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TranslateError {
    /// The body uses something the IR does not model; the function is kept
    /// opaque.
    Unsupported {
        /// Byte offset of the operator or declaration.
        offset: usize,
        /// What it is.
        message: String,
    },
    /// The body could not be read (should not happen after validation).
    Invalid {
        /// Byte offset.
        offset: usize,
        /// What is wrong.
        message: String,
    },
    /// The translator reached an inconsistent state: a bug in weft.
    Internal {
        /// Byte offset of the operator being translated.
        offset: usize,
        /// What went wrong.
        message: String,
    },
}

impl TranslateError {
    fn reader(e: wasmparser::BinaryReaderError) -> Self {
        TranslateError::Invalid { offset: e.offset() as usize, message: e.message().to_string() }
    }
}

type Result<T> = core::result::Result<T, TranslateError>;

/// What kind of construct a control frame is.
enum FrameKind {
    /// The function body; its merge block returns.
    Function,
    /// `block`.
    Block,
    /// `loop` with its header.
    Loop { header: Block },
    /// `if`, with what `else` (or the lack of one) needs.
    If {
        /// The block that ends with the `brif`.
        if_block: Block,
        /// The `brif`.
        brif: Inst,
        /// Target of the `brif`'s else edge.
        else_block: Block,
        /// The `if`'s parameter values (re-pushed for the else arm).
        params: Vec<Value>,
        /// Has `else` been seen?
        else_seen: bool,
    },
}

/// A control frame: a `block`, `loop`, `if` or the function body.
struct Frame {
    kind: FrameKind,
    /// The block after `end` (never for loops), with one parameter per
    /// result, and its parameters as created (they may become aliases).
    /// Made on the first branch to it: a frame that nothing branches to
    /// falls through in place.
    merge: Option<(Block, Vec<Value>)>,
    /// Result types.
    results: Vec<Type>,
    /// Number of values a branch to this frame's label carries.
    label_arity: usize,
    /// Operand-stack height below the frame's parameters.
    height: usize,
}

/// Translates the body of defined function `index` of `module` (whose
/// types, globals, memories, tables, imports and names are filled in).
pub fn translate_function(module: &Module, index: u32, body: &FunctionBody<'_>) -> Result<Function> {
    let fref = FuncRef::from_u32(index);
    let start = body.range().start as usize;
    let unsupported = |message: String| TranslateError::Unsupported { offset: start, message };
    let type_index = module
        .func_type_index(fref)
        .ok_or_else(|| TranslateError::Internal { offset: start, message: format!("function {index} has no type") })?;
    let sig = module
        .types
        .get(type_index as usize)
        .cloned()
        .flatten()
        .ok_or_else(|| unsupported(format!("signature uses a type the IR does not model (type {type_index})")))?;
    let name = module.func_name(fref).map(str::to_string).unwrap_or_else(|| format!("f{index}"));

    let mut var_types = sig.params.clone();
    let mut locals = body.get_locals_reader().map_err(TranslateError::reader)?;
    for _ in 0..locals.get_count() {
        let offset = locals.original_position() as usize;
        let (count, ty) = locals.read().map_err(TranslateError::reader)?;
        let ty = ir_type(ty).ok_or_else(|| TranslateError::Unsupported {
            offset,
            message: format!("local of a type the IR does not model ({ty})"),
        })?;
        var_types.extend(core::iter::repeat_n(ty, count as usize));
    }

    let mut t = Translator::new(module, Function::new(name, sig), var_types);
    let mut reader = body.get_operators_reader().map_err(TranslateError::reader)?;
    while !reader.eof() {
        let offset = reader.original_position() as usize;
        let op = reader.read().map_err(TranslateError::reader)?;
        t.offset = offset;
        t.translate(&op)?;
    }
    t.finish()
}

/// The per-function translation state.
struct Translator<'m> {
    module: &'m Module,
    func: Function,
    ssa: SsaBuilder,
    stack: Vec<Value>,
    frames: Vec<Frame>,
    /// The block code is appended to.
    block: Block,
    /// Is the current position reachable?
    reachable: bool,
    /// Frames opened inside unreachable code (skipped, only counted).
    dead_depth: u32,
    /// Offset of the operator being translated.
    offset: usize,
}

impl<'m> Translator<'m> {
    fn new(module: &'m Module, mut func: Function, var_types: Vec<Type>) -> Self {
        let entry = func.dfg.make_block();
        for &ty in &func.sig.params {
            func.dfg.append_block_param(entry, ty);
        }
        func.layout.append_block(entry);
        let mut ssa = SsaBuilder::new(entry, var_types);
        for (i, &p) in func.dfg.block_params(entry).iter().enumerate() {
            ssa.write_variable(i as u32, entry, p);
        }
        let results = func.sig.results.clone();
        let mut t = Translator {
            module,
            func,
            ssa,
            stack: Vec::new(),
            frames: Vec::new(),
            block: entry,
            reachable: true,
            dead_depth: 0,
            offset: 0,
        };
        t.frames.push(Frame { kind: FrameKind::Function, merge: None, label_arity: results.len(), results, height: 0 });
        t
    }

    fn internal(&self, message: impl Into<String>) -> TranslateError {
        TranslateError::Internal { offset: self.offset, message: message.into() }
    }

    fn unsupported(&self, message: impl Into<String>) -> TranslateError {
        TranslateError::Unsupported { offset: self.offset, message: message.into() }
    }

    fn ssa_err(&self, message: String) -> TranslateError {
        self.internal(message)
    }

    // ------------------------------------------------------------ the stack

    fn pop(&mut self) -> Result<Value> {
        self.stack.pop().ok_or_else(|| self.internal("operand stack underflow"))
    }

    fn pop_n(&mut self, n: usize) -> Result<Vec<Value>> {
        let len = self.stack.len();
        if n > len {
            return Err(self.internal("operand stack underflow"));
        }
        Ok(self.stack.split_off(len - n))
    }

    fn peek_n(&self, n: usize) -> Result<Vec<Value>> {
        let len = self.stack.len();
        if n > len {
            return Err(self.internal("operand stack underflow"));
        }
        Ok(self.stack[len - n..].to_vec())
    }

    fn truncate(&mut self, height: usize) {
        self.stack.truncate(height);
    }

    // ------------------------------------------------------------ blocks

    /// A new block (not in the layout) with parameters of `types`.
    fn make_block(&mut self, types: &[Type]) -> (Block, Vec<Value>) {
        let block = self.func.dfg.make_block();
        let params = types.iter().map(|&ty| self.func.dfg.append_block_param(block, ty)).collect();
        (block, params)
    }

    /// Appends `block` to the layout and continues there.
    fn switch_to(&mut self, block: Block) {
        self.func.layout.append_block(block);
        self.block = block;
        self.reachable = true;
    }

    fn seal(&mut self, block: Block) -> Result<()> {
        self.ssa.seal_block(&mut self.func, block).map_err(|e| self.ssa_err(e))
    }

    fn add_pred(&mut self, target: Block, inst: Inst) -> Result<()> {
        let from = self.block;
        self.ssa.add_pred(&mut self.func, target, from, inst).map_err(|e| self.ssa_err(e))
    }

    /// Appends `jump target(args)` and records the edge.
    fn jump(&mut self, target: Block, args: &[Value]) -> Result<()> {
        let inst = self.func.dfg.make_jump(target, args);
        self.func.layout.append_inst(inst, self.block);
        self.add_pred(target, inst)
    }

    /// The merge block of frame `i` (counted from the outside), made on
    /// first use.
    fn merge(&mut self, i: usize) -> Result<Block> {
        let frame = self.frames.get(i).ok_or_else(|| self.internal("no such frame"))?;
        if let Some((block, _)) = frame.merge {
            return Ok(block);
        }
        let types = frame.results.clone();
        let merge = self.make_block(&types);
        let block = merge.0;
        self.frames[i].merge = Some(merge);
        Ok(block)
    }

    /// The block and argument count of a branch to relative label `depth`.
    /// Branches to the function's label go to its merge (return) block.
    fn label(&mut self, depth: u32) -> Result<(Block, usize)> {
        let i = self
            .frames
            .len()
            .checked_sub(1 + depth as usize)
            .ok_or_else(|| self.internal(format!("branch depth {depth} out of range")))?;
        let frame = &self.frames[i];
        Ok(match frame.kind {
            FrameKind::Loop { header } => (header, frame.label_arity),
            _ => {
                let arity = frame.label_arity;
                (self.merge(i)?, arity)
            }
        })
    }

    /// Parameter and result types of a block type.
    fn block_type(&self, ty: BlockType) -> Result<(Vec<Type>, Vec<Type>)> {
        match ty {
            BlockType::Empty => Ok((vec![], vec![])),
            BlockType::Type(t) => {
                let t =
                    ir_type(t).ok_or_else(|| self.unsupported(format!("block type the IR does not model ({t})")))?;
                Ok((vec![], vec![t]))
            }
            BlockType::FuncType(idx) => {
                let sig = self
                    .module
                    .types
                    .get(idx as usize)
                    .cloned()
                    .flatten()
                    .ok_or_else(|| self.unsupported(format!("block type the IR does not model (type {idx})")))?;
                Ok((sig.params, sig.results))
            }
        }
    }

    // ------------------------------------------------------------ operators

    fn translate(&mut self, op: &Operator<'_>) -> Result<()> {
        if !self.reachable {
            return self.translate_unreachable(op);
        }
        match op {
            Operator::Nop => {}
            Operator::Drop => {
                self.pop()?;
            }
            Operator::LocalGet { local_index } => {
                let v =
                    self.ssa.read_variable(&mut self.func, *local_index, self.block).map_err(|e| self.ssa_err(e))?;
                self.stack.push(v);
            }
            Operator::LocalSet { local_index } => {
                let v = self.pop()?;
                self.ssa.write_variable(*local_index, self.block, v);
            }
            Operator::LocalTee { local_index } => {
                let v = *self.stack.last().ok_or_else(|| self.internal("operand stack underflow"))?;
                self.ssa.write_variable(*local_index, self.block, v);
            }
            Operator::Block { blockty } => {
                let (params, results) = self.block_type(*blockty)?;
                let height = self.stack.len().checked_sub(params.len()).ok_or_else(|| self.internal("underflow"))?;
                self.frames.push(Frame {
                    kind: FrameKind::Block,
                    merge: None,
                    label_arity: results.len(),
                    results,
                    height,
                });
            }
            Operator::Loop { blockty } => {
                let (params, results) = self.block_type(*blockty)?;
                let args = self.pop_n(params.len())?;
                let (header, header_params) = self.make_block(&params);
                self.jump(header, &args)?;
                self.switch_to(header);
                let height = self.stack.len();
                self.stack.extend_from_slice(&header_params);
                self.frames.push(Frame {
                    kind: FrameKind::Loop { header },
                    merge: None,
                    results,
                    label_arity: params.len(),
                    height,
                });
            }
            Operator::If { blockty } => {
                let (params, results) = self.block_type(*blockty)?;
                let cond = self.pop()?;
                let args = self.pop_n(params.len())?;
                let height = self.stack.len();
                let then_block = self.func.dfg.make_block();
                let else_block = self.func.dfg.make_block();
                let brif = self.func.dfg.make_brif(cond, then_block, &[], else_block, &[]);
                self.func.layout.append_inst(brif, self.block);
                self.add_pred(then_block, brif)?;
                self.add_pred(else_block, brif)?;
                self.seal(then_block)?;
                self.seal(else_block)?;
                let if_block = self.block;
                self.switch_to(then_block);
                self.stack.extend_from_slice(&args);
                self.frames.push(Frame {
                    kind: FrameKind::If { if_block, brif, else_block, params: args, else_seen: false },
                    merge: None,
                    label_arity: results.len(),
                    results,
                    height,
                });
            }
            Operator::Else => self.translate_else()?,
            Operator::End => self.translate_end()?,
            Operator::Br { relative_depth } => {
                let i = self.frames.len().checked_sub(1 + *relative_depth as usize);
                if i == Some(0) {
                    self.emit_return()?;
                } else {
                    let (target, arity) = self.label(*relative_depth)?;
                    let args = self.peek_n(arity)?;
                    self.jump(target, &args)?;
                    self.reachable = false;
                }
            }
            Operator::BrIf { relative_depth } => {
                let cond = self.pop()?;
                let (target, arity) = self.label(*relative_depth)?;
                let args = self.peek_n(arity)?;
                let next = self.func.dfg.make_block();
                let inst = self.func.dfg.make_brif(cond, target, &args, next, &[]);
                self.func.layout.append_inst(inst, self.block);
                self.add_pred(target, inst)?;
                self.add_pred(next, inst)?;
                self.seal(next)?;
                self.switch_to(next);
            }
            Operator::BrTable { targets } => {
                let index = self.pop()?;
                let (default, arity) = self.label(targets.default())?;
                let args = self.peek_n(arity)?;
                let mut table = Vec::with_capacity(targets.len() as usize);
                for depth in targets.targets() {
                    let depth = depth.map_err(TranslateError::reader)?;
                    let (block, _) = self.label(depth)?;
                    table.push((block, args.clone()));
                }
                let inst = self.func.dfg.make_br_table(index, (default, &args), &table);
                self.func.layout.append_inst(inst, self.block);
                let mut seen = cranelift_entity::EntitySet::<Block>::new();
                for block in core::iter::once(default).chain(table.iter().map(|(b, _)| *b)) {
                    if seen.insert(block) {
                        self.add_pred(block, inst)?;
                    }
                }
                self.reachable = false;
            }
            Operator::Return => self.emit_return()?,
            Operator::Try { .. }
            | Operator::TryTable { .. }
            | Operator::Catch { .. }
            | Operator::CatchAll
            | Operator::Delegate { .. } => return Err(self.unsupported_op(op)),
            _ => self.translate_generic(op)?,
        }
        Ok(())
    }

    fn unsupported_op(&self, op: &Operator<'_>) -> TranslateError {
        let name = operator_name(op);
        if in_table(op) {
            self.unsupported(format!("operator `{name}` with an immediate the IR does not model: {op:?}"))
        } else {
            self.unsupported(format!("operator `{name}` is not in the opcode table"))
        }
    }

    /// Skips unreachable code, tracking only nesting.
    fn translate_unreachable(&mut self, op: &Operator<'_>) -> Result<()> {
        match op {
            Operator::Block { .. } | Operator::Loop { .. } | Operator::If { .. } => self.dead_depth += 1,
            Operator::Else if self.dead_depth == 0 => self.translate_else()?,
            Operator::End if self.dead_depth == 0 => self.translate_end()?,
            Operator::End => self.dead_depth -= 1,
            Operator::Try { .. }
            | Operator::TryTable { .. }
            | Operator::Catch { .. }
            | Operator::CatchAll
            | Operator::Delegate { .. } => return Err(self.unsupported_op(op)),
            _ => {}
        }
        Ok(())
    }

    /// `return` with the function's results from the top of the stack.
    fn emit_return(&mut self) -> Result<()> {
        let n = self.func.sig.results.len();
        let args = self.peek_n(n)?;
        let inst = self.func.dfg.make_op(Opcode::Return, &args, Imm::None);
        self.func.layout.append_inst(inst, self.block);
        self.reachable = false;
        Ok(())
    }

    fn translate_else(&mut self) -> Result<()> {
        let Some(frame) = self.frames.last() else { return Err(self.internal("`else` outside a frame")) };
        let FrameKind::If { else_block, ref params, .. } = frame.kind else {
            return Err(self.internal("`else` outside `if`"));
        };
        let (results, height, params) = (frame.results.len(), frame.height, params.clone());
        if self.reachable {
            let merge = self.merge(self.frames.len() - 1)?;
            let args = self.pop_n(results)?;
            self.jump(merge, &args)?;
        }
        self.truncate(height);
        self.switch_to(else_block);
        self.stack.extend_from_slice(&params);
        if let Some(Frame { kind: FrameKind::If { else_seen, .. }, .. }) = self.frames.last_mut() {
            *else_seen = true;
        }
        Ok(())
    }

    fn translate_end(&mut self) -> Result<()> {
        let top = self.frames.len().checked_sub(1).ok_or_else(|| self.internal("`end` outside a frame"))?;
        // A merge block is needed when the end is reached by a branch, or by
        // both a branch and falling through.
        let needs_merge = matches!(self.frames[top].kind, FrameKind::If { else_seen: false, .. });
        if needs_merge {
            self.merge(top)?;
        }
        let frame = self.frames.pop().ok_or_else(|| self.internal("`end` outside a frame"))?;
        match frame.kind {
            FrameKind::Loop { header } => {
                self.seal(header)?;
                if !self.reachable {
                    self.truncate(frame.height);
                }
                return Ok(());
            }
            FrameKind::If { if_block, brif, else_seen: false, ref params, .. } => {
                // No `else`: the false edge goes straight to the merge block
                // with the `if`'s parameters as its results.
                let Some((merge, _)) = frame.merge else { return Err(self.internal("`if` without a merge block")) };
                let args = weft_ir::BlockCall::new(merge, params, &mut self.func.dfg.value_lists);
                match &mut self.func.dfg.insts[brif] {
                    InstructionData::Brif { else_dest, .. } => *else_dest = args,
                    _ => return Err(self.internal("`if` without its brif")),
                }
                self.ssa.add_pred(&mut self.func, merge, if_block, brif).map_err(|e| self.ssa_err(e))?;
            }
            _ => {}
        }
        match frame.merge {
            // Nothing branches to the end: fall through in place (or stay
            // unreachable).
            None => {
                if !self.reachable {
                    self.truncate(frame.height);
                }
            }
            Some((merge, ref merge_params)) => {
                if self.reachable {
                    let args = self.pop_n(frame.results.len())?;
                    self.jump(merge, &args)?;
                }
                self.truncate(frame.height);
                self.seal(merge)?;
                self.switch_to(merge);
                self.stack.extend_from_slice(merge_params);
            }
        }
        if let FrameKind::Function = frame.kind
            && self.reachable
        {
            self.emit_return()?;
        }
        Ok(())
    }

    /// An operator of the opcode table.
    fn translate_generic(&mut self, op: &Operator<'_>) -> Result<()> {
        let (opcode, imm) = translate_operator(op).ok_or_else(|| self.unsupported_op(op))?;
        self.declare(op, imm)?;
        let decls = &self.func.dfg.decls;
        let undeclared = || self.internal(format!("`{opcode}` names an undeclared entity"));
        let nargs = match (opcode, imm) {
            (Opcode::Call | Opcode::ReturnCall, Imm::Func(f)) => {
                decls.funcs.get(&f).ok_or_else(undeclared)?.sig.params.len()
            }
            (Opcode::CallIndirect | Opcode::ReturnCallIndirect, Imm::SigTable(s, _)) => {
                decls.sigs.get(&s).ok_or_else(undeclared)?.params.len() + 1
            }
            _ => match fixed_arity(op) {
                Some((n, _)) => n as usize,
                None => return Err(self.internal(format!("no operand count for `{opcode}`"))),
            },
        };
        if let weft_ir::OpSig::Fixed(params, _) = opcode.sig()
            && params.len() != nargs
        {
            let n = params.len();
            return Err(self.internal(format!("`{opcode}` takes {n} operands in the table, {nargs} in wasm")));
        }
        let height = self.stack.len().checked_sub(nargs).ok_or_else(|| self.internal("operand stack underflow"))?;
        let inst = self.func.dfg.make_op(opcode, &self.stack[height..], imm);
        self.stack.truncate(height);
        self.func.dfg.make_inst_results(inst).map_err(|e| self.internal(format!("`{opcode}`: {e}")))?;
        self.func.layout.append_inst(inst, self.block);
        self.stack.extend_from_slice(self.func.dfg.inst_results(inst));
        if opcode.is_terminator() {
            self.reachable = false;
        }
        Ok(())
    }

    /// Declares the module entities `imm` names in the function's
    /// declarations; refuses entities the IR does not model.
    fn declare(&mut self, op: &Operator<'_>, imm: Imm) -> Result<()> {
        let module = self.module;
        let what = || operator_name(op);
        let memory = |t: &mut Self, m: weft_ir::MemoryRef| -> Result<()> {
            let decl = module.memories.get(m.as_u32() as usize).copied().flatten().ok_or_else(|| {
                t.unsupported(format!(
                    "`{}` on a memory the IR does not model ({m}: memory64 or custom page size)",
                    what()
                ))
            })?;
            t.func.dfg.decls.memories.insert(m, decl);
            Ok(())
        };
        let table = |t: &mut Self, tb: weft_ir::TableRef| -> Result<()> {
            let decl = module.tables.get(tb.as_u32() as usize).copied().flatten().ok_or_else(|| {
                t.unsupported(format!("`{}` on a table the IR does not model ({tb})", operator_name(op)))
            })?;
            t.func.dfg.decls.tables.insert(tb, decl);
            Ok(())
        };
        match imm {
            Imm::Mem(m) | Imm::MemLane(m, _) => memory(self, m.memory)?,
            Imm::Memory(m) | Imm::DataMem(_, m) => memory(self, m)?,
            Imm::MemMem(a, b) => {
                memory(self, a)?;
                memory(self, b)?;
            }
            Imm::Table(tb) | Imm::ElemTable(_, tb) => table(self, tb)?,
            Imm::TableTable(a, b) => {
                table(self, a)?;
                table(self, b)?;
            }
            Imm::SigTable(s, tb) => {
                table(self, tb)?;
                let sig = self.signature(s.as_u32())?;
                self.func.dfg.decls.sigs.insert(s, sig);
            }
            Imm::Func(f) => {
                let ty = module.func_type_index(f).ok_or_else(|| self.internal(format!("no function {f}")))?;
                let sig = self.signature(ty)?;
                let name = func_decl_name(module, f);
                self.func.dfg.decls.funcs.entry(f).or_insert(FuncDecl { sig, name });
            }
            Imm::Global(g) => {
                let decl = module.globals.get(g.as_u32() as usize).copied().flatten().ok_or_else(|| {
                    self.unsupported(format!("`{}` of a global of a type the IR does not model ({g})", what()))
                })?;
                self.func.dfg.decls.globals.insert(g, decl);
            }
            _ => {}
        }
        Ok(())
    }

    fn signature(&self, ty: u32) -> Result<Signature> {
        self.module
            .types
            .get(ty as usize)
            .cloned()
            .flatten()
            .ok_or_else(|| self.unsupported(format!("signature uses a type the IR does not model (type {ty})")))
    }

    /// Resolves aliases and drops anything unreachable from the entry.
    fn finish(mut self) -> Result<Function> {
        if !self.frames.is_empty() {
            return Err(self.internal("function body ends inside a frame"));
        }
        self.func.dfg.resolve_all_aliases();
        weft_ir::cfg_edit::remove_unreachable_blocks(&mut self.func);
        Ok(self.func)
    }
}

/// The name a callee is declared with: `module.field` for imports, the name
/// section's name for defined functions (none if it has only the default).
fn func_decl_name(module: &Module, f: FuncRef) -> Option<String> {
    if let Some(import) = module.imported_funcs.get(f.as_u32() as usize) {
        return Some(format!("{}.{}", import.module, import.field));
    }
    let name = module.func_name(f)?;
    (name != format!("f{}", f.as_u32())).then(|| name.to_string())
}

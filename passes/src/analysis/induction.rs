//! Counted loops: induction variables, the exit test and the trip count.
//!
//! For an innermost loop with a preheader, a single latch and a single exit
//! edge, [`CountedLoop::analyze`] finds
//!
//! - every **basic induction variable**: a header parameter that enters with
//!   some `start` from the preheader and comes back from the latch as
//!   `iv + step` (`iadd iv, c`, `iadd c, iv` or `isub iv, c` with a constant
//!   `c`; `step` is `c` or `-c`, in the parameter's width);
//! - the **exit test**: the loop's only exit is a `brif` in the header
//!   (the test comes before the body) or in the latch (after it), on a
//!   compare of one induction variable, or of its `iv + step` in the latch,
//!   against a loop-invariant bound (`i32.ne`/`eq`/`lt_u`/`lt_s`/`gt_u`/
//!   `gt_s`/`le_*`/`ge_*`, either operand order, or the value itself, which
//!   is `!= 0`, or `eqz`); the compare is normalized to
//!   *continue while `t pred bound`*;
//! - the **trip count**, as instructions a pass can emit wherever the
//!   bound and a value of the controlling variable are available
//!   ([`CountedLoop::continues`], an [`Expr`]): the number of times the exit test
//!   lets the loop go on, when the header is entered with that value.
//!   The body of a latch-tested loop runs that number plus one times; the
//!   body of a header-tested loop runs that number of times.
//!
//! ```text
//! block0(v0: i32, v1: i32):            ; preheader: block2
//!     ...
//! block2:
//!     jump block3(v0, v1)
//! block3(v6: i32, v18: i32):           ; v6: start v0, step 4 (a pointer)
//!     ...                              ; v18: start v1, step -1
//!     v17 = i32.add v6, v16            ; v16 = 4
//!     v20 = i32.add v18, v19           ; v19 = -1
//!     brif v20, block3(v17, v20), block4
//! ```
//!
//! Here the exit test is in the latch, on `v20 = v18 + step`, continue while
//! `v20 != 0`: entered with `v18 = n`, the test continues `n - 1` times
//! (mod 2^32: `n = 0` is 2^32 - 1 continues), and the body runs `n` times.
//!
//! **Trip counts and overflow.** With `t_k = x + (k + d) * step` the tested
//! value at the k-th test (`x` the controlling variable's value at the
//! first header visit; `d = 1` when `iv + step` is tested), the loop
//! continues while `t_k pred bound`. Closed forms, in the variable's width:
//!
//! | test | step | continues | no-overflow condition |
//! |---|---|---|---|
//! | `t != b` | `+1` | `b - x - d` | none (exact modulo 2^w) |
//! | `t != b` | `-1` | `x - b - d` | none |
//! | `t <u b` | `s > 0` | `0` if `t_0 >=u b`, else `ceil((b - t_0) / s)` | `b <=u 2^w - s` (no `t_k` wraps before reaching `b`) |
//! | `t >u b` | `s < 0` | `0` if `t_0 <=u b`, else `ceil((t_0 - b) / -s)` | `b >=u -s` |
//! | `t <s b`, `t >s b` | as above, signed | as above, the difference read unsigned | `b <=s max - (s - 1)`, `b >=s min + (-s - 1)` |
//!
//! `<=` and `>=` tests become `<` and `>` against `b + 1` / `b - 1` when
//! that does not overflow (a constant bound only). Other steps of `!=`
//! tests, and `==` tests (continue while equal: at most one continue
//! unless the step is 0), have no closed form here
//! ([`TripCount::Unknown`] with the reason). The no-overflow condition of
//! a closed form is [`CountedLoop::no_overflow`]: an `i32` expression
//! (non-zero when the form is exact); `None` when it always is.
//!
//! Preconditions: the loop analysis of `func` is current. Analyses used:
//! the loop analysis (and the function's instructions). Nothing is
//! changed. Complexity: O(instructions of the loop).

use weft_ir::{Block, FuncCursor, Function, Imm, Inst, InstructionData, Loop, LoopAnalysis, Opcode, Type, Value};

/// A basic induction variable of a loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Induction {
    /// The header parameter.
    pub param: Value,
    /// Its position among the header's parameters.
    pub index: usize,
    /// The value it enters with from the preheader.
    pub start: Value,
    /// The value the latch passes back: `param + step`.
    pub next: Value,
    /// The step, sign-extended from the parameter's width.
    pub step: i64,
    /// `i32` or `i64`.
    pub ty: Type,
}

/// A normalized exit test: the loop goes on while `t pred bound`, where
/// `t` is the controlling variable (or its `iv + step` when `on_next`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pred {
    /// `t != bound`.
    Ne,
    /// `t == bound`.
    Eq,
    /// `t <u bound`.
    LtU,
    /// `t <s bound`.
    LtS,
    /// `t >u bound`.
    GtU,
    /// `t >s bound`.
    GtS,
    /// `t <=u bound`.
    LeU,
    /// `t <=s bound`.
    LeS,
    /// `t >=u bound`.
    GeU,
    /// `t >=s bound`.
    GeS,
}

impl Pred {
    /// The predicate with its operands swapped (`b < t` is `t > b`).
    fn swapped(self) -> Pred {
        match self {
            Pred::Ne | Pred::Eq => self,
            Pred::LtU => Pred::GtU,
            Pred::LtS => Pred::GtS,
            Pred::GtU => Pred::LtU,
            Pred::GtS => Pred::LtS,
            Pred::LeU => Pred::GeU,
            Pred::LeS => Pred::GeS,
            Pred::GeU => Pred::LeU,
            Pred::GeS => Pred::LeS,
        }
    }

    /// The negated predicate (continue while `!(t pred b)`).
    fn negated(self) -> Pred {
        match self {
            Pred::Ne => Pred::Eq,
            Pred::Eq => Pred::Ne,
            Pred::LtU => Pred::GeU,
            Pred::LtS => Pred::GeS,
            Pred::GtU => Pred::LeU,
            Pred::GtS => Pred::LeS,
            Pred::LeU => Pred::GtU,
            Pred::LeS => Pred::GtS,
            Pred::GeU => Pred::LtU,
            Pred::GeS => Pred::LtS,
        }
    }

    /// The predicate of a compare opcode (either width).
    fn of(opcode: Opcode) -> Option<Pred> {
        use Opcode as O;
        Some(match opcode {
            O::I32Ne | O::I64Ne => Pred::Ne,
            O::I32Eq | O::I64Eq => Pred::Eq,
            O::I32LtU | O::I64LtU => Pred::LtU,
            O::I32LtS | O::I64LtS => Pred::LtS,
            O::I32GtU | O::I64GtU => Pred::GtU,
            O::I32GtS | O::I64GtS => Pred::GtS,
            O::I32LeU | O::I64LeU => Pred::LeU,
            O::I32LeS | O::I64LeS => Pred::LeS,
            O::I32GeU | O::I64GeU => Pred::GeU,
            O::I32GeS | O::I64GeS => Pred::GeS,
            _ => return None,
        })
    }
}

/// The bound of an exit test.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Bound {
    /// A value defined outside the loop.
    Value(Value),
    /// A constant (sign-extended), also what a bound value defined by a
    /// constant in the loop is read as.
    Const(i64),
}

/// The exit test of a counted loop.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ExitTest {
    /// The block whose `brif` leaves the loop: the header or the latch.
    pub block: Block,
    /// The `brif`.
    pub branch: Inst,
    /// Which slot of the `brif` stays in the loop (0: then, 1: else).
    pub stay_slot: usize,
    /// Index into [`CountedLoop::inductions`] of the controlling variable.
    pub control: usize,
    /// Is `iv + step` tested (rather than `iv`)?
    pub on_next: bool,
    /// Continue while `t pred bound`.
    pub pred: Pred,
    /// The bound.
    pub bound: Bound,
}

/// Whether a closed-form trip count exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TripCount {
    /// [`CountedLoop::continues`] gives it.
    Computable,
    /// No closed form, with the reason.
    Unknown(String),
}

/// An innermost loop with its induction variables and exit test.
#[derive(Clone, Debug)]
pub struct CountedLoop {
    /// The loop.
    pub lp: Loop,
    /// Its header.
    pub header: Block,
    /// Its preheader.
    pub preheader: Block,
    /// Its single latch.
    pub latch: Block,
    /// The exit edge's target.
    pub exit: Block,
    /// The basic induction variables, in header-parameter order.
    pub inductions: Vec<Induction>,
    /// The exit test.
    pub test: ExitTest,
    /// Whether the trip count has a closed form.
    pub trips: TripCount,
}

/// The width mask of `ty` (`i32` or `i64`).
fn mask(ty: Type) -> u64 {
    if ty == Type::I64 { u64::MAX } else { u64::from(u32::MAX) }
}

/// `x` sign-extended from `ty`'s width.
fn sext(ty: Type, x: i64) -> i64 {
    if ty == Type::I64 { x } else { i64::from(x as i32) }
}

impl CountedLoop {
    /// The counted loop `lp` of `func`, or why it is not one.
    pub fn analyze(func: &Function, loops: &LoopAnalysis, lp: Loop) -> Result<CountedLoop, String> {
        if !loops.children(lp).is_empty() {
            return Err("not an innermost loop".into());
        }
        let header = loops.header(lp);
        let preheader = loops.preheader(lp).ok_or("no preheader")?;
        let [latch] = *loops.latches(lp) else { return Err("more than one latch".into()) };
        let [(exiting, exit)] = *loops.exits(lp) else { return Err("more than one exit edge".into()) };
        let inductions = inductions(func, header, preheader, latch)?;
        if exiting != header && exiting != latch {
            return Err("the exit is neither in the header nor in the latch".into());
        }
        let branch = func.terminator(exiting).ok_or("the exiting block has no terminator")?;
        let InstructionData::Brif { cond, ref then_dest, ref else_dest } = func.dfg.insts[branch] else {
            return Err("the exit is not a brif".into());
        };
        let stay_slot = match (then_dest.block == exit, else_dest.block == exit) {
            (false, true) => 0,
            (true, false) => 1,
            _ => return Err("both arms of the exit brif leave the loop".into()),
        };
        let test = exit_test(func, loops, lp, &inductions, cond, exiting, branch, stay_slot, latch)?;
        let mut counted =
            CountedLoop { lp, header, preheader, latch, exit, inductions, test, trips: TripCount::Computable };
        counted.trips = counted.closed_form().map_or_else(TripCount::Unknown, |_| TripCount::Computable);
        Ok(counted)
    }

    /// Is the exit test in the header (before the body)?
    pub fn header_tested(&self) -> bool {
        self.test.block == self.header && self.header != self.latch
    }

    /// The controlling induction variable.
    pub fn control(&self) -> &Induction {
        &self.inductions[self.test.control]
    }

    /// The normalized closed form: `(pred, bound adjustment)` with `pred`
    /// one of `Ne`, `LtU`, `LtS`, `GtU`, `GtS`, or the reason there is none.
    fn closed_form(&self) -> Result<(Pred, i64), String> {
        let step = self.control().step;
        let ty = self.control().ty;
        let (pred, adjust) = match (self.test.pred, self.test.bound) {
            (Pred::LeU, Bound::Const(b)) if (b as u64 & mask(ty)) != mask(ty) => (Pred::LtU, 1),
            (Pred::GeU, Bound::Const(b)) if (b as u64 & mask(ty)) != 0 => (Pred::GtU, -1),
            (Pred::LeS, Bound::Const(b)) if sext(ty, b.wrapping_add(1)) > sext(ty, b) => (Pred::LtS, 1),
            (Pred::GeS, Bound::Const(b)) if sext(ty, b.wrapping_sub(1)) < sext(ty, b) => (Pred::GtS, -1),
            (p @ (Pred::LeU | Pred::GeU | Pred::LeS | Pred::GeS), _) => {
                return Err(format!("a {p:?} test against a bound that is not a constant"));
            }
            (p, _) => (p, 0),
        };
        match pred {
            Pred::Ne if step == 1 || step == -1 => Ok((pred, adjust)),
            Pred::Ne => Err(format!("a != test with step {step}")),
            Pred::Eq => Err("a == test (continue while equal)".into()),
            Pred::LtU | Pred::LtS if step > 0 => Ok((pred, adjust)),
            Pred::GtU | Pred::GtS if step < 0 => Ok((pred, adjust)),
            _ => Err(format!("a {pred:?} test moving away from its bound (step {step})")),
        }
    }

    /// The number of times the exit test continues when the header is
    /// entered with the controlling variable equal to [`Expr::X`], in the
    /// variable's type (exact modulo 2^w for `!=` tests; exact for the
    /// others when [`Self::no_overflow`] holds). `None` when there is no
    /// closed form (see [`Self::trips`]).
    pub fn continues(&self) -> Option<Expr> {
        let (pred, adjust) = self.closed_form().ok()?;
        let iv = *self.control();
        let ty = iv.ty;
        let wide = ty == Type::I64;
        let pick = |o32: Opcode, o64: Opcode| if wide { o64 } else { o32 };
        let bound = self.adjusted_bound(adjust);
        // The first tested value.
        let t0 = if self.test.on_next {
            Expr::Op(pick(Opcode::I32Add, Opcode::I64Add), vec![Expr::X, Expr::Const(ty, iv.step)])
        } else {
            Expr::X
        };
        let sub = pick(Opcode::I32Sub, Opcode::I64Sub);
        match pred {
            // Continues while t != b, t moving by one toward b (modulo 2^w).
            Pred::Ne if iv.step == 1 => Some(Expr::Op(sub, vec![bound, t0])),
            Pred::Ne => Some(Expr::Op(sub, vec![t0, bound])),
            Pred::LtU | Pred::LtS | Pred::GtU | Pred::GtS => {
                let up = matches!(pred, Pred::LtU | Pred::LtS);
                let (lo, hi) = if up { (t0, bound) } else { (bound, t0) };
                let less = match pred {
                    Pred::LtS | Pred::GtS => pick(Opcode::I32LtS, Opcode::I64LtS),
                    _ => pick(Opcode::I32LtU, Opcode::I64LtU),
                };
                let in_range = Expr::Op(less, vec![lo.clone(), hi.clone()]);
                let gap = Expr::Op(sub, vec![hi, lo]);
                let s = iv.step.unsigned_abs() as i64;
                let count = if s == 1 {
                    gap
                } else {
                    let rounded = Expr::Op(pick(Opcode::I32Add, Opcode::I64Add), vec![gap, Expr::Const(ty, s - 1)]);
                    Expr::Op(pick(Opcode::I32DivU, Opcode::I64DivU), vec![rounded, Expr::Const(ty, s)])
                };
                Some(Expr::Op(Opcode::Select, vec![count, Expr::Const(ty, 0), in_range]))
            }
            Pred::Eq | Pred::LeU | Pred::LeS | Pred::GeU | Pred::GeS => None,
        }
    }

    /// The `i32` condition under which [`Self::continues`] is exact (no
    /// tested value wraps before the test fails), or `None` when it always
    /// is (or there is no closed form).
    pub fn no_overflow(&self) -> Option<Expr> {
        let (pred, adjust) = self.closed_form().ok()?;
        let iv = *self.control();
        let s = iv.step.unsigned_abs() as i64;
        if pred == Pred::Ne || s == 1 {
            return None;
        }
        let ty = iv.ty;
        let wide = ty == Type::I64;
        let pick = |o32: Opcode, o64: Opcode| if wide { o64 } else { o32 };
        let bound = self.adjusted_bound(adjust);
        let (limit, opcode) = match pred {
            Pred::LtU => ((mask(ty) as i64).wrapping_sub(s - 1), pick(Opcode::I32LeU, Opcode::I64LeU)),
            Pred::GtU => (s - 1, pick(Opcode::I32GeU, Opcode::I64GeU)),
            Pred::LtS => {
                let max = if wide { i64::MAX } else { i64::from(i32::MAX) };
                (max - (s - 1), pick(Opcode::I32LeS, Opcode::I64LeS))
            }
            Pred::GtS => {
                let min = if wide { i64::MIN } else { i64::from(i32::MIN) };
                (min + (s - 1), pick(Opcode::I32GeS, Opcode::I64GeS))
            }
            _ => return None,
        };
        Some(Expr::Op(opcode, vec![bound, Expr::Const(ty, limit)]))
    }

    /// The bound plus `adjust`.
    fn adjusted_bound(&self, adjust: i64) -> Expr {
        let ty = self.control().ty;
        match self.test.bound {
            Bound::Const(b) => Expr::Const(ty, sext(ty, b.wrapping_add(adjust))),
            Bound::Value(v) if adjust == 0 => Expr::Value(v),
            Bound::Value(v) => {
                let add = if ty == Type::I64 { Opcode::I64Add } else { Opcode::I32Add };
                Expr::Op(add, vec![Expr::Value(v), Expr::Const(ty, adjust)])
            }
        }
    }
}

/// A pure expression over the controlling variable's value at a header
/// visit ([`Expr::X`]) and values defined outside the loop: what
/// [`CountedLoop::continues`] and [`CountedLoop::no_overflow`] return. A
/// pass emits it ([`Expr::emit`]) or turns it into a certificate term.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expr {
    /// The controlling variable's value.
    X,
    /// A value defined outside the loop (the bound).
    Value(Value),
    /// A constant of an integer type (sign-extended bits).
    Const(Type, i64),
    /// A pure opcode without immediates on its operands.
    Op(Opcode, Vec<Expr>),
}

impl Expr {
    /// Emits the expression at the cursor with `x` for [`Expr::X`].
    pub fn emit(&self, cur: &mut FuncCursor<'_>, x: Value) -> Option<Value> {
        match self {
            Expr::X => Some(x),
            Expr::Value(v) => Some(*v),
            Expr::Const(ty, k) => Some(if *ty == Type::I64 { cur.iconst64(*k) } else { cur.iconst32(*k as i32) }),
            Expr::Op(opcode, args) => {
                let args = args.iter().map(|a| a.emit(cur, x)).collect::<Option<Vec<Value>>>()?;
                cur.ins(*opcode, &args, Imm::None).ok()?.first().copied()
            }
        }
    }
}

/// The basic induction variables of the loop with this header.
fn inductions(func: &Function, header: Block, preheader: Block, latch: Block) -> Result<Vec<Induction>, String> {
    let params = func.dfg.block_params(header);
    let entry_args = edge_args(func, preheader, header).ok_or("the preheader does not jump to the header")?;
    let back_args = edge_args(func, latch, header).ok_or("the latch branches to the header more than once")?;
    let mut out = Vec::new();
    for (index, &param) in params.iter().enumerate() {
        let ty = func.dfg.value_type(param);
        if ty != Type::I32 && ty != Type::I64 {
            continue;
        }
        let next = func.dfg.resolve_aliases(back_args[index]);
        if let Some(step) = step_of(func, next, param) {
            out.push(Induction { param, index, start: entry_args[index], next, step: sext(ty, step), ty });
        }
    }
    Ok(out)
}

/// The arguments `from`'s only edge to `to` passes (aliases resolved);
/// `None` when `from` has no terminator or branches to `to` more than once
/// or not at all.
pub fn edge_args(func: &Function, from: Block, to: Block) -> Option<Vec<Value>> {
    let term = func.terminator(from)?;
    let mut found = None;
    for dest in func.dfg.branch_destinations(term) {
        if dest.block == to {
            if found.is_some() {
                return None;
            }
            found = Some(func.dfg.block_call_args(dest).iter().map(|&v| func.dfg.resolve_aliases(v)).collect());
        }
    }
    found
}

/// `c` when `next` is `param + c` (or `c + param`, or `param - c` as `-c`).
fn step_of(func: &Function, next: Value, param: Value) -> Option<i64> {
    let inst = func.dfg.value_inst(next)?;
    let InstructionData::Op { opcode, .. } = func.dfg.insts[inst] else { return None };
    let [a, b] = *func.dfg.inst_args(inst) else { return None };
    let (a, b) = (func.dfg.resolve_aliases(a), func.dfg.resolve_aliases(b));
    match opcode {
        Opcode::I32Add | Opcode::I64Add if a == param => func.dfg.int_const(b),
        Opcode::I32Add | Opcode::I64Add if b == param => func.dfg.int_const(a),
        Opcode::I32Sub | Opcode::I64Sub if a == param => func.dfg.int_const(b).map(i64::wrapping_neg),
        _ => None,
    }
}

/// Is `v` defined outside loop `lp` (a value the whole loop sees)?
pub fn invariant(func: &Function, loops: &LoopAnalysis, lp: Loop, v: Value) -> bool {
    let block = match func.dfg.value_def(func.dfg.resolve_aliases(v)) {
        weft_ir::ValueDef::Param(block, _) => Some(block),
        weft_ir::ValueDef::Result(inst, _) => func.layout.inst_block(inst),
        _ => None,
    };
    block.is_some_and(|b| !loops.is_in_loop(b, lp))
}

/// The normalized exit test of the `brif` on `cond`.
#[expect(clippy::too_many_arguments, reason = "the parts of the loop the test is read against")]
fn exit_test(
    func: &Function,
    loops: &LoopAnalysis,
    lp: Loop,
    inductions: &[Induction],
    cond: Value,
    block: Block,
    branch: Inst,
    stay_slot: usize,
    latch: Block,
) -> Result<ExitTest, String> {
    let cond = func.dfg.resolve_aliases(cond);
    // (tested value, pred, other operand or None for `!= 0`), continuing
    // when the compare is true iff the then-arm stays.
    let (value, mut pred, other) = match func.dfg.value_inst(cond).map(|i| (i, func.dfg.insts[i].opcode())) {
        Some((inst, Opcode::I32Eqz | Opcode::I64Eqz)) => (func.dfg.inst_args(inst)[0], Pred::Eq, None),
        Some((inst, opcode)) if Pred::of(opcode).is_some() => {
            let [a, b] = *func.dfg.inst_args(inst) else { return Err("a compare without two operands".into()) };
            let pred = Pred::of(opcode).ok_or("not a compare")?;
            let (a, b) = (func.dfg.resolve_aliases(a), func.dfg.resolve_aliases(b));
            if is_iv_value(inductions, a, block, latch).is_some() {
                (a, pred, Some(b))
            } else {
                (b, pred.swapped(), Some(a))
            }
        }
        _ => (cond, Pred::Ne, None),
    };
    if stay_slot == 1 {
        pred = pred.negated();
    }
    let (control, on_next) = is_iv_value(inductions, func.dfg.resolve_aliases(value), block, latch)
        .ok_or("the exit test is not on an induction variable")?;
    let bound = match other {
        None => Bound::Const(0),
        Some(b) => match func.dfg.int_const(b) {
            Some(k) => Bound::Const(k),
            None if invariant(func, loops, lp, b) => Bound::Value(b),
            None => return Err("the exit test's bound varies in the loop".into()),
        },
    };
    Ok(ExitTest { block, branch, stay_slot, control, on_next, pred, bound })
}

/// `(index, on_next)` when `v` is an induction variable, or (tested in the
/// latch) its `iv + step`.
fn is_iv_value(inductions: &[Induction], v: Value, block: Block, latch: Block) -> Option<(usize, bool)> {
    inductions.iter().position(|iv| iv.param == v).map(|i| (i, false)).or_else(|| {
        (block == latch).then(|| inductions.iter().position(|iv| iv.next == v).map(|i| (i, true))).flatten()
    })
}

#[cfg(test)]
mod tests {
    use weft_ir::interpreter::{NoCalls, State, Val, run};
    use weft_ir::{ControlFlowGraph, DominatorTree, FuncCursor, Function, LoopAnalysis, parse_function};

    use super::{Bound, CountedLoop, Pred, TripCount};

    fn analyze(text: &str) -> (Function, Result<CountedLoop, String>) {
        let func = parse_function(text).expect("parses");
        let cfg = ControlFlowGraph::with_function(&func);
        let domtree = DominatorTree::with_function(&func, &cfg);
        let loops = LoopAnalysis::with_domtree(&cfg, &domtree);
        let lp = loops.loops().next().expect("a loop");
        let counted = CountedLoop::analyze(&func, &loops, lp);
        (func, counted)
    }

    /// Evaluates the emitted trip count for the controlling variable
    /// entering with `x` (and the function's parameters `args`), by
    /// appending it to a copy of the preheader and interpreting.
    fn continues(text: &str, x: i64) -> i64 {
        let (mut func, counted) = analyze(text);
        let counted = counted.expect("counted");
        // A function returning the count: the entry's terminator replaced.
        let entry = func.entry_block().expect("entry");
        let term = func.terminator(entry).expect("terminator");
        func.layout.remove_inst(term);
        let ty = counted.control().ty;
        let mut cur = FuncCursor::new(&mut func);
        cur.goto_end(entry);
        let xv = if ty == weft_ir::Type::I64 { cur.iconst64(x) } else { cur.iconst32(x as i32) };
        let n = counted.continues().expect("closed form").emit(&mut cur, xv).expect("emits");
        cur.ret(&[n]);
        func.sig.results = vec![ty];
        let params: Vec<Val> = func.sig.params.iter().map(|_| Val::I32(100)).collect();
        let mut state = State::for_function(&func).expect("state");
        match run(&func, &params, &mut state, &mut NoCalls, 10_000).expect("runs")[0] {
            Val::I32(v) => i64::from(v as u32),
            Val::I64(v) => v,
            ref other => panic!("unexpected {other:?}"),
        }
    }

    const DOWN_COUNTER: &str = "function %f(i32, i32) {
block0(v0: i32, v1: i32):
    jump block1(v0, v1)
block1(v2: i32, v3: i32):
    v4 = i32.const 4
    v5 = i32.add v2, v4
    v6 = i32.const -1
    v7 = i32.add v3, v6
    brif v7, block1(v5, v7), block2
block2:
    return
}";

    #[test]
    fn a_down_counter_tested_after_the_body() {
        let (_, counted) = analyze(DOWN_COUNTER);
        let counted = counted.expect("counted");
        assert_eq!(counted.inductions.len(), 2);
        assert_eq!(counted.inductions[0].step, 4);
        assert_eq!(counted.inductions[1].step, -1);
        assert_eq!(counted.test.control, 1);
        assert!(counted.test.on_next);
        assert_eq!((counted.test.pred, counted.test.bound), (Pred::Ne, Bound::Const(0)));
        assert!(!counted.header_tested());
        assert_eq!(counted.trips, TripCount::Computable);
        // Entered with 5: tests see 4, 3, 2, 1 (continue), 0 (exit).
        assert_eq!(continues(DOWN_COUNTER, 5), 4);
        assert_eq!(continues(DOWN_COUNTER, 1), 0);
        assert_eq!(continues(DOWN_COUNTER, 0), u64::from(u32::MAX) as i64);
    }

    const UP_TO_BOUND: &str = "function %f(i32, i32) {
block0(v0: i32, v1: i32):
    v2 = i32.const 0
    jump block1(v2)
block1(v3: i32):
    v4 = i32.lt_u v3, v1
    brif v4, block2, block3
block2:
    v5 = i32.const 3
    v6 = i32.add v3, v5
    jump block1(v6)
block3:
    return
}";

    #[test]
    fn a_header_test_against_an_invariant_bound_with_step_three() {
        let (_, counted) = analyze(UP_TO_BOUND);
        let counted = counted.expect("counted");
        assert!(counted.header_tested());
        assert_eq!(counted.test.pred, Pred::LtU);
        assert!(matches!(counted.test.bound, Bound::Value(_)));
        // v1 = 100 (every parameter is 100): from 0 by 3 while < 100 is 34
        // continues; from 99 one; from 100 none.
        assert_eq!(continues(UP_TO_BOUND, 0), 34);
        assert_eq!(continues(UP_TO_BOUND, 99), 1);
        assert_eq!(continues(UP_TO_BOUND, 100), 0);
        assert_eq!(continues(UP_TO_BOUND, 200), 0);
    }

    #[test]
    fn exits_that_are_not_counted() {
        // The bound changes in the loop.
        let (_, counted) = analyze(
            "function %f(i32) {
block0(v0: i32):
    jump block1(v0, v0)
block1(v1: i32, v2: i32):
    v3 = i32.const 1
    v4 = i32.add v1, v3
    v5 = i32.add v2, v3
    v6 = i32.mul v5, v5
    v7 = i32.lt_u v4, v6
    brif v7, block1(v4, v6), block2
block2:
    return
}",
        );
        assert_eq!(counted.err().as_deref(), Some("the exit test's bound varies in the loop"));
        // A step of two toward a != bound has no closed form.
        let (_, counted) = analyze(&DOWN_COUNTER.replace("v6 = i32.const -1", "v6 = i32.const -2"));
        assert_eq!(counted.expect("counted").trips, TripCount::Unknown("a != test with step -2".into()));
    }
}

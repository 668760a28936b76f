//! `loop-vectorize`: element-wise loops over contiguous memory run
//! 16 bytes at a time in `v128`, with the original loop as the epilogue.
//!
//! A loop qualifies when it is innermost, either one block (header and
//! latch) tested after the body or a header holding the test and one body
//! block jumping back, its exit test is on an induction variable with a
//! closed-form trip count (`analysis::induction`), and its body is
//! element-wise: every
//! memory access is a load or store of the same width `s` (1, 2 or 4
//! bytes; `i32` or `f32`) at an induction variable with step `s` (plus the
//! access's constant offset), every other instruction is a pure operation
//! with a lane-wise `v128` counterpart, every header parameter is an
//! induction variable used only as an address, in its own update and in
//! the exit test, or an `i32` reduction (add, and, or, xor, signed or
//! unsigned min and max as a compare and a `select`) over 4-byte elements.
//! The vector factor is `VF = 16 / s`; one trip of the vector loop runs
//! `interleave` copies of the vector body (parameter, default
//! [`INTERLEAVE`]), each `16` bytes further through the accesses' offsets,
//! so `VF * interleave` source trips. A reduction's elements of the copies
//! are combined pairwise, then folded into its accumulator once per trip.
//!
//! ```text
//! block2:                                 block2:    ; checks, for VF = 4 and one copy:
//!     jump block3(v0, v1)                     ...    ; at least 4 more trips (v1 - 1 >=u 4),
//! block3(v4: i32, v5: i32):                   ...    ; last window address v20 = size - 16 >= 0
//!     v6 = i32.load mem0 v4                   brif v21, block5(v0, v1), block3(v0, v1)
//!     v7 = i32.mul v6, v2                 block5(v8: i32, v9: i32):
//!     i32.store mem0 v4, v7                   v22 = i32.const -1
//!     v10 = i32.const 4           =>          v23 = i32.add v9, v22       ; trips left
//!     v11 = i32.add v4, v10                   v24 = i32.const 4
//!     v12 = i32.const -1                      v25 = i32.ge_u v23, v24
//!     v13 = i32.add v5, v12                   v26 = i32.le_u v8, v20      ; window in bounds
//!     brif v13, block3(v11, v13), block4      v27 = i32.and v25, v26
//!                                             brif v27, block6, block7
//!                                         block6:
//!                                             v28 = v128.load mem0 v8
//!                                             v29 = i32x4.splat v2
//!                                             v30 = i32x4.mul v28, v29
//!                                             v128.store mem0 v8, v30
//!                                             ...                         ; v8 + 16, v9 - 4
//!                                             jump block5(v31, v32)
//!                                         block7:
//!                                             jump block3(v8, v9)
//!                                         block3(...): ; the original loop, unchanged
//! ```
//!
//! **Element-wise in `v128`.** A lane holds the low `8s` bits of the
//! scalar `i32` (or the `f32`). Where an operation reads the high bits
//! (a right shift, a compare), the lane must be known to be the scalar's
//! zero or sign extension (after a `load8_u`, an `and` with `255`, ...);
//! otherwise the loop is declined (an unsigned compare of a zero-extended
//! lane minus a constant against a small constant is exact too: the ASCII
//! range check `(b - 97) <u 26`). A compare becomes a lane mask: a
//! `select`'s condition (`v128.bitselect`), or its lanes' 0 or 1 where it
//! is read as a number (`v128.and` with 1). Shifts take a constant
//! amount below the lane width (or any loop-invariant amount on 32-bit
//! lanes). Loop-invariant operands are splatted. Float arithmetic is
//! lane-wise IEEE arithmetic, so an `f32` map is vectorized; an `f32`
//! reduction is not (reassociating a float sum changes it), nor `f32.min`
//! and `f32.max` (wasmtime's scalar and lane-wise lowerings return NaNs
//! with different bits).
//!
//! **Legality.** Every stored-to stream is compared with every other
//! access: two accesses at the same induction variable with byte distance
//! `d` (later minus earlier in the body) are reordered by running VF trips
//! at once only when `0 < d < VF*s` (a loop-carried dependence: a prefix
//! sum reads what the previous trip wrote) — declined. Two accesses at
//! different induction variables (possibly overlapping pointers) get a
//! **runtime check** before the loop: their distance, modulo 2^32, is not
//! in `[1, VF*s - 1]` (each copy of the vector body keeps the scalar order
//! against the other copies, so the distance that matters is one copy's).
//! Bounds: before the loop, per stream (an induction variable in one
//! memory) the last address at which a vector trip's window (the largest
//! offset plus `VF * interleave * s` bytes) is in bounds, `memory size -
//! window` in `i64`; the vector loop is entered only when it is not
//! negative, and each trip runs only while every stream's address is at
//! or below it, so a trap happens in the scalar loop, after the same
//! stores as in the original. When a check before the loop fails, the
//! original loop runs alone. Each vector trip needs `VF * interleave`
//! trips of the source loop left (past the one a loop tested after its
//! body always runs); the vector loop then hands the induction variables
//! and the reduced accumulators to the original loop, which finishes.
//!
//! **Cost model.** Vectorized when the trip count is unknown or at least
//! [`MIN_TRIPS`]; a loop with a constant trip count below it is declined.
//! The checks before the loop cost a few instructions per loop entry; the
//! measurements behind the threshold are in `docs/vectorize.md`.
//!
//! One loop per function is vectorized per run (the first in reverse
//! post-order that qualifies); [`survey`] reports every loop's decision
//! and reason.
//!
//! Preconditions: the function passes the structural verifier. Analyses
//! used: loops, liveness. Preserves nothing (blocks are added).
//!
//! Verification obligation: the target refines the source under the
//! certificate the pass hands over: the source's header paired with the
//! vector header with `src_steps = VF * interleave` (induction variables
//! equal, each reduction's scalar splatted equal to its vector's horizontal
//! reduction, the runtime checks' facts: the window limits in bounds of the
//! current memory size and the streams apart), and the source's header paired with itself (every parameter and
//! live-in value equal), entered from the vector loop's exit by a stutter;
//! every other loop header paired with itself. Checked per function by
//! `weft-verify`. What the checker decides (an in-place byte map at
//! `interleave=1` is proved; larger vector trips, reductions and streams
//! that may overlap are `unknown` within the query timeout) is in
//! `docs/vectorize.md`.
//!
//! Complexity: O(instructions of the function) per run, plus O(accesses²)
//! for the dependence pairs of the vectorized loop.

use std::collections::BTreeMap;

use weft_ir::cfg_edit;
use weft_ir::{
    Block, FuncCursor, Function, Imm, Inst, InstructionData, Loop, LoopAnalysis, MemArg, Opcode, Type, V128Imm, Value,
};
use weft_verify::{Certificate, Correspondence, CutPair, Fact, Term};

use crate::analysis::induction::{CountedLoop, Expr, TripCount, edge_args, invariant};
use crate::{Changed, FunctionPass, PassCx, Preserved};

/// The `loop-vectorize` pass.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub struct LoopVectorize {
    /// Copies of the vector body in one trip of the vector loop (each `VF`
    /// elements further, through the accesses' offsets): parameter
    /// `interleave`, 1 to 16.
    pub interleave: u32,
}

/// The default of [`LoopVectorize::interleave`].
pub const INTERLEAVE: u32 = 8;

impl Default for LoopVectorize {
    fn default() -> Self {
        LoopVectorize { interleave: INTERLEAVE }
    }
}

impl LoopVectorize {
    /// The parameters `loop-vectorize<...>` takes.
    pub const PARAMS: &'static [&'static str] = &["interleave"];

    /// `self` with the given `(name, value)` parameters set; an unknown
    /// name or a bad value is an error naming it.
    pub fn with_params(mut self, params: &[(String, String)]) -> Result<Self, String> {
        for (key, value) in params {
            match key.as_str() {
                "interleave" => {
                    self.interleave = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=16).contains(n))
                        .ok_or(format!("parameter `interleave`: `{value}` is not a number from 1 to 16"))?;
                }
                _ => return Err(format!("unknown parameter `{key}`; loop-vectorize takes: interleave")),
            }
        }
        Ok(self)
    }
}

/// The smallest constant trip count worth vectorizing.
pub const MIN_TRIPS: i64 = 16;

/// What the pass decided about one loop.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Decision {
    /// The loop's header.
    pub header: Block,
    /// `Ok(what)` when it qualifies (`i32x4`, `i8x16`, ..., with the runtime
    /// checks), `Err(why not)`.
    pub outcome: Result<String, String>,
}

/// The decision about every loop of `func`, in reverse post-order of
/// their headers.
pub fn survey(func: &Function) -> Vec<Decision> {
    let cx = PassCx::new();
    let loops = cx.loops(func);
    loops
        .loops()
        .map(|lp| Decision {
            header: loops.header(lp),
            outcome: plan_with_preheader(func, loops, lp, INTERLEAVE).map(|(_, p)| p.describe()),
        })
        .collect()
}

impl FunctionPass for LoopVectorize {
    fn run(&self, func: &mut Function, cx: &mut PassCx) -> Changed {
        let loops = cx.loops(func);
        let liveness = cx.liveness(func);
        let live_ins: BTreeMap<Block, Vec<Value>> =
            loops.loops().map(|lp| (loops.header(lp), liveness.live_in(loops.header(lp)).to_vec())).collect();
        let headers: Vec<Block> = loops.loops().map(|lp| loops.header(lp)).collect();
        let Some((with_preheader, plan)) =
            loops.loops().find_map(|lp| plan_with_preheader(func, loops, lp, self.interleave).ok())
        else {
            return Changed::No;
        };
        // The rewrite is made on a copy, kept only when it is complete.
        let mut out = with_preheader.unwrap_or_else(|| func.clone());
        let Some(built) = plan.emit(&mut out) else { return Changed::No };
        *func = out;
        cx.invalidate(Preserved::NONE);
        cx.certify(built.certificate(func, &plan, &headers, &live_ins));
        func.dfg.resolve_all_aliases();
        Changed::Yes(Preserved::NONE)
    }
}

/// Is `header` entered from the exit of a loop that accesses memory in
/// `v128` (the shape this pass leaves: the vector loop's exit jumps to the
/// original loop)?
fn epilogue_of_vector_loop(func: &Function, loops: &LoopAnalysis, header: Block) -> bool {
    let cx = PassCx::new();
    let cfg = cx.cfg(func);
    cfg.preds(header).iter().any(|p| {
        cfg.preds(p.block).iter().any(|q| {
            loops.innermost_loop(q.block).is_some_and(|inner| {
                loops.blocks(inner).iter().any(|&b| {
                    func.layout
                        .block_insts(b)
                        .any(|i| matches!(func.dfg.insts[i].opcode(), Opcode::V128Load | Opcode::V128Store))
                })
            })
        })
    })
}

/// The plan for loop `lp`; for a loop without a preheader, the plan for
/// it in a copy of `func` with one (returned with the plan).
fn plan_with_preheader(
    func: &Function,
    loops: &LoopAnalysis,
    lp: Loop,
    interleave: u32,
) -> Result<(Option<Function>, Plan), String> {
    let header = loops.header(lp);
    if epilogue_of_vector_loop(func, loops, header) {
        return Err("already the scalar epilogue of a vector loop".into());
    }
    if loops.preheader(lp).is_some() {
        return plan(func, loops, lp, interleave).map(|p| (None, p));
    }
    let mut copy = func.clone();
    cfg_edit::create_preheader(&mut copy, loops, lp).ok_or("no preheader can be made")?;
    let cx = PassCx::new();
    let loops = cx.loops(&copy);
    let lp = loops.loop_of_header(header).ok_or("the loop is gone after making a preheader")?;
    let plan = plan(&copy, loops, lp, interleave)?;
    Ok((Some(copy), plan))
}

/// The lanes of a value in the vector loop.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Lanes {
    /// 16 × 8-bit lanes (`i32` scalars).
    I8,
    /// 8 × 16-bit lanes (`i32` scalars).
    I16,
    /// 4 × 32-bit lanes, `i32` scalars.
    I32,
    /// 4 × 32-bit lanes, `f32` scalars.
    F32,
}

impl Lanes {
    fn bits(self) -> u32 {
        match self {
            Lanes::I8 => 8,
            Lanes::I16 => 16,
            Lanes::I32 | Lanes::F32 => 32,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Lanes::I8 => "i8x16",
            Lanes::I16 => "i16x8",
            Lanes::I32 => "i32x4",
            Lanes::F32 => "f32x4",
        }
    }

    fn splat(self) -> Opcode {
        match self {
            Lanes::I8 => Opcode::I8x16Splat,
            Lanes::I16 => Opcode::I16x8Splat,
            Lanes::I32 => Opcode::I32x4Splat,
            Lanes::F32 => Opcode::F32x4Splat,
        }
    }
}

/// What is known of a vector lane's high bits (as an `i32` scalar).
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Ext {
    /// The lane is the whole scalar (32-bit lanes).
    Full,
    /// The scalar is the lane zero-extended.
    Zero,
    /// The scalar is the lane sign-extended.
    Sign,
    /// Only the lane's bits are the scalar's low bits.
    Low,
}

/// How a value of the loop body is computed in the vector loop.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Rep {
    /// The same scalar on every trip (defined outside the loop, or a pure
    /// function of such values: cloned into the vector body).
    Uniform,
    /// A vector of VF lanes.
    Vector(Ext),
    /// A compare's lane mask (all ones or zero per lane).
    Mask,
}

/// A reduction's operation.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum RedOp {
    Add,
    And,
    Or,
    Xor,
    MinS,
    MaxS,
    MinU,
    MaxU,
}

impl RedOp {
    /// The `i32x4` opcode combining two vectors of partial results.
    fn vector(self) -> Opcode {
        match self {
            RedOp::Add => Opcode::I32x4Add,
            RedOp::And => Opcode::V128And,
            RedOp::Or => Opcode::V128Or,
            RedOp::Xor => Opcode::V128Xor,
            RedOp::MinS => Opcode::I32x4MinS,
            RedOp::MaxS => Opcode::I32x4MaxS,
            RedOp::MinU => Opcode::I32x4MinU,
            RedOp::MaxU => Opcode::I32x4MaxU,
        }
    }

    /// The neutral element, or `None` for an idempotent operation (whose
    /// vector starts as the initial value in every lane).
    fn identity(self) -> Option<i32> {
        match self {
            RedOp::Add | RedOp::Or | RedOp::Xor => Some(0),
            RedOp::And => Some(-1),
            RedOp::MinS | RedOp::MaxS | RedOp::MinU | RedOp::MaxU => None,
        }
    }
}

/// A memory access of the loop body.
#[derive(Copy, Clone, Debug)]
struct Access {
    inst: Inst,
    /// Index into the header's parameters of its address.
    iv: usize,
    mem: MemArg,
    store: bool,
}

/// A vectorizable loop and how.
struct Plan {
    counted: CountedLoop,
    lanes: Lanes,
    /// Element bytes.
    size: u32,
    vf: u32,
    /// Copies of the vector body per vector trip.
    interleave: u32,
    /// Header parameter index → role.
    roles: Vec<Role>,
    /// The reductions' parts.
    reductions: Vec<Reduction>,
    /// How each value of the body is computed.
    reps: BTreeMap<Value, Rep>,
    /// The body's instructions to translate, in order, with their
    /// representation.
    body: Vec<(Inst, Rep)>,
    accesses: Vec<Access>,
    /// Pairs of accesses (earlier, later) at different induction variables
    /// that need a runtime check.
    alias_pairs: Vec<(Access, Access)>,
}

/// A reduction of the loop.
struct Reduction {
    /// Index of its header parameter.
    index: usize,
    /// The element it folds in on each trip.
    x: Value,
    /// The instructions of its update (the operation, or the `select` and
    /// its compare), which the vector loop replaces by one lane-wise
    /// operation per trip.
    users: Vec<Inst>,
}

/// A header parameter's role.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Role {
    /// An induction variable with this step.
    Induction(i64),
    /// A reduction, and the value the latch passes back.
    Reduction(RedOp, Value),
}

/// The rotating swizzles of a horizontal reduction of four `i32` lanes:
/// lanes `[2, 3, 0, 1]`, then `[1, 0, 3, 2]`.
const SWIZZLES: [[u8; 16]; 2] =
    [[8, 9, 10, 11, 12, 13, 14, 15, 0, 1, 2, 3, 4, 5, 6, 7], [4, 5, 6, 7, 0, 1, 2, 3, 12, 13, 14, 15, 8, 9, 10, 11]];

fn swizzle_bits(i: usize) -> u128 {
    u128::from_le_bytes(SWIZZLES[i])
}

impl Plan {
    fn describe(&self) -> String {
        let reductions = self.roles.iter().filter(|r| matches!(r, Role::Reduction(..))).count();
        let mut s = format!("{} (VF {}, {} per trip)", self.lanes.name(), self.vf, self.step());
        if reductions > 0 {
            s.push_str(&format!(", {reductions} reduction(s)"));
        }
        if !self.alias_pairs.is_empty() {
            s.push_str(&format!(", {} runtime alias check(s)", self.alias_pairs.len()));
        }
        s
    }

    /// Source trips per vector trip.
    fn step(&self) -> u32 {
        self.vf * self.interleave
    }

    fn header_params<'f>(&self, func: &'f Function) -> &'f [Value] {
        func.dfg.block_params(self.counted.header)
    }
}

/// The element size and lanes of a load or store opcode.
fn access_kind(opcode: Opcode) -> Option<(u32, Lanes, Ext, bool)> {
    use Opcode as O;
    Some(match opcode {
        O::I32Load8U => (1, Lanes::I8, Ext::Zero, false),
        O::I32Load8S => (1, Lanes::I8, Ext::Sign, false),
        O::I32Load16U => (2, Lanes::I16, Ext::Zero, false),
        O::I32Load16S => (2, Lanes::I16, Ext::Sign, false),
        O::I32Load => (4, Lanes::I32, Ext::Full, false),
        O::F32Load => (4, Lanes::F32, Ext::Full, false),
        O::I32Store8 => (1, Lanes::I8, Ext::Low, true),
        O::I32Store16 => (2, Lanes::I16, Ext::Low, true),
        O::I32Store => (4, Lanes::I32, Ext::Full, true),
        O::F32Store => (4, Lanes::F32, Ext::Full, true),
        _ => return None,
    })
}

/// The lane-wise opcode of a scalar binary operation at `bits`-wide lanes.
fn lane_binary(opcode: Opcode, bits: u32) -> Option<Opcode> {
    use Opcode as O;
    let pick = |a: O, b: O, c: O| {
        Some(if bits == 8 {
            a
        } else if bits == 16 {
            b
        } else {
            c
        })
    };
    match opcode {
        O::I32Add => pick(O::I8x16Add, O::I16x8Add, O::I32x4Add),
        O::I32Sub => pick(O::I8x16Sub, O::I16x8Sub, O::I32x4Sub),
        O::I32Mul if bits > 8 => pick(O::I8x16Add, O::I16x8Mul, O::I32x4Mul),
        O::I32And => Some(O::V128And),
        O::I32Or => Some(O::V128Or),
        O::I32Xor => Some(O::V128Xor),
        O::I32Shl => pick(O::I8x16Shl, O::I16x8Shl, O::I32x4Shl),
        O::I32ShrU => pick(O::I8x16ShrU, O::I16x8ShrU, O::I32x4ShrU),
        O::I32ShrS => pick(O::I8x16ShrS, O::I16x8ShrS, O::I32x4ShrS),
        O::I32Eq => pick(O::I8x16Eq, O::I16x8Eq, O::I32x4Eq),
        O::I32Ne => pick(O::I8x16Ne, O::I16x8Ne, O::I32x4Ne),
        O::I32LtU => pick(O::I8x16LtU, O::I16x8LtU, O::I32x4LtU),
        O::I32LtS => pick(O::I8x16LtS, O::I16x8LtS, O::I32x4LtS),
        O::I32GtU => pick(O::I8x16GtU, O::I16x8GtU, O::I32x4GtU),
        O::I32GtS => pick(O::I8x16GtS, O::I16x8GtS, O::I32x4GtS),
        O::I32LeU => pick(O::I8x16LeU, O::I16x8LeU, O::I32x4LeU),
        O::I32LeS => pick(O::I8x16LeS, O::I16x8LeS, O::I32x4LeS),
        O::I32GeU => pick(O::I8x16GeU, O::I16x8GeU, O::I32x4GeU),
        O::I32GeS => pick(O::I8x16GeS, O::I16x8GeS, O::I32x4GeS),
        O::F32Add if bits == 32 => Some(O::F32x4Add),
        O::F32Sub if bits == 32 => Some(O::F32x4Sub),
        O::F32Mul if bits == 32 => Some(O::F32x4Mul),
        O::F32Div if bits == 32 => Some(O::F32x4Div),
        O::F32Eq if bits == 32 => Some(O::F32x4Eq),
        O::F32Ne if bits == 32 => Some(O::F32x4Ne),
        O::F32Lt if bits == 32 => Some(O::F32x4Lt),
        O::F32Gt if bits == 32 => Some(O::F32x4Gt),
        O::F32Le if bits == 32 => Some(O::F32x4Le),
        O::F32Ge if bits == 32 => Some(O::F32x4Ge),
        _ => None,
    }
}

/// The lane-wise opcode of a scalar unary operation (32-bit lanes).
fn lane_unary(opcode: Opcode, bits: u32) -> Option<Opcode> {
    use Opcode as O;
    if bits != 32 {
        return None;
    }
    Some(match opcode {
        O::F32Abs => O::F32x4Abs,
        O::F32Neg => O::F32x4Neg,
        O::F32Sqrt => O::F32x4Sqrt,
        O::F32ConvertI32S => O::F32x4ConvertI32x4S,
        O::F32ConvertI32U => O::F32x4ConvertI32x4U,
        _ => return None,
    })
}

/// An `i32` or `f32` comparison (the lane types compares are vectorized
/// for).
fn is_compare(opcode: Opcode) -> bool {
    (opcode.is_int_compare() || opcode.is_float_compare())
        && matches!(opcode.sig(), weft_ir::OpSig::Fixed([Type::I32 | Type::F32, ..], _))
}

fn is_signed_compare(opcode: Opcode) -> bool {
    use Opcode as O;
    matches!(opcode, O::I32LtS | O::I32GtS | O::I32LeS | O::I32GeS)
}

/// The plan for loop `lp`, or why it is not vectorized.
fn plan(func: &Function, loops: &LoopAnalysis, lp: Loop, interleave: u32) -> Result<Plan, String> {
    let counted = CountedLoop::analyze(func, loops, lp)?;
    if let TripCount::Unknown(why) = &counted.trips {
        return Err(format!("no trip count: {why}"));
    }
    let header = counted.header;
    if counted.inductions.iter().any(|iv| iv.ty != Type::I32) {
        return Err("an i64 induction variable".into());
    }
    let latch = counted.latch;
    // The loop's blocks: the header alone (tested after the body), or the
    // header with its test and one body block jumping back.
    let blocks = if latch == header {
        vec![header]
    } else if counted.header_tested()
        && loops.blocks(lp).len() == 2
        && func.dfg.block_params(latch).is_empty()
        && func.terminator(latch).is_some_and(|t| func.dfg.insts[t].opcode() == Opcode::Jump)
    {
        vec![header, latch]
    } else {
        return Err("the loop body has more than one block (a branch inside the loop)".into());
    };
    let params = func.dfg.block_params(header).to_vec();
    let latch_args = edge_args(func, latch, header).ok_or("the latch does not branch back once")?;
    let branch = counted.test.branch;
    let cond = match func.dfg.insts[branch] {
        InstructionData::Brif { cond, .. } => func.dfg.resolve_aliases(cond),
        _ => return Err("the exit is not a brif".into()),
    };
    let cond_inst = func.dfg.value_inst(cond).filter(|&i| func.layout.inst_block(i) == Some(header));

    // Element width and lanes: every access the same width.
    let insts: Vec<Inst> = blocks.iter().flat_map(|&b| func.layout.block_insts(b)).collect();
    let mut size = None;
    for &inst in &insts {
        let opcode = func.dfg.insts[inst].opcode();
        if let Some((s, lanes, _, _)) = access_kind(opcode) {
            match size {
                None => size = Some((s, lanes)),
                Some((s0, _)) if s0 != s => return Err("accesses of different widths".into()),
                Some(_) => {}
            }
        }
    }
    let (size, base_lanes) = size.ok_or("no load or store in the loop")?;
    let vf = 16 / size;
    let bits = size * 8;
    let int_lanes = if bits == 32 { Lanes::I32 } else { base_lanes };

    // Roles of the header parameters.
    let mut roles = Vec::new();
    let mut reductions: Vec<Reduction> = Vec::new();
    for (index, &param) in params.iter().enumerate() {
        if let Some(iv) = counted.inductions.iter().find(|iv| iv.index == index) {
            roles.push(Role::Induction(iv.step));
            continue;
        }
        let ty = func.dfg.value_type(param);
        if ty == Type::F32 || ty == Type::F64 {
            return Err("a float reduction (vectorizing it would reassociate the float operations)".into());
        }
        if ty != Type::I32 {
            return Err(format!("a loop-carried {ty} that is not an induction variable"));
        }
        let update = func.dfg.resolve_aliases(latch_args[index]);
        let (op, x, users) = reduction_op(func, param, update, &blocks)
            .ok_or("a loop-carried value that is neither an induction variable nor a reduction (a recurrence)")?;
        if bits != 32 {
            return Err("a reduction over elements narrower than 32 bits (would need widening)".into());
        }
        reductions.push(Reduction { index, x, users });
        roles.push(Role::Reduction(op, update));
    }

    // Uses of the induction variables: addresses, their update, the exit test.
    let iv_values: Vec<(Value, usize)> =
        counted.inductions.iter().flat_map(|iv| [(iv.param, iv.index), (iv.next, iv.index)]).collect();
    let iv_of = |v: Value| iv_values.iter().find(|(x, _)| *x == func.dfg.resolve_aliases(v)).map(|&(_, i)| i);
    let updates: Vec<Inst> = counted.inductions.iter().filter_map(|iv| func.dfg.value_inst(iv.next)).collect();

    let mut reps: BTreeMap<Value, Rep> = BTreeMap::new();
    let rep_of = |reps: &BTreeMap<Value, Rep>, v: Value| -> Option<Rep> {
        let v = func.dfg.resolve_aliases(v);
        if invariant(func, loops, lp, v) { Some(Rep::Uniform) } else { reps.get(&v).copied() }
    };
    let uses = cfg_edit::use_counts(func);
    let mut body = Vec::new();
    let mut accesses = Vec::new();
    for &inst in &insts {
        // A pure instruction nothing reads (left for `dce`) is not translated.
        let opcode = func.dfg.insts[inst].opcode();
        if opcode.effects().is_pure()
            && !opcode.is_terminator()
            && func.dfg.inst_results(inst).iter().all(|&r| uses[r] == 0)
        {
            continue;
        }
        if inst == branch
            || func.dfg.insts[inst].opcode().is_branch()
            || updates.contains(&inst)
            || Some(inst) == cond_inst
            || reductions.iter().any(|r| r.users.contains(&inst))
        {
            continue;
        }
        let data = &func.dfg.insts[inst];
        let opcode = data.opcode();
        let imm = data.imm();
        let args: Vec<Value> = func.dfg.inst_args(inst).iter().map(|&v| func.dfg.resolve_aliases(v)).collect();
        if let Some((_, lanes, ext, store)) = access_kind(opcode) {
            let Imm::Mem(mem) = imm else { return Err("an access without a memory immediate".into()) };
            let iv =
                iv_of(args[0]).filter(|&i| params[i] == args[0]).ok_or("an access not at an induction variable")?;
            if counted.inductions.iter().find(|x| x.index == iv).map(|x| x.step) != Some(i64::from(size)) {
                return Err("a strided or backward access (the address's step is not the element size)".into());
            }
            if mem.offset > u64::from(u32::MAX >> 1) {
                return Err("an access offset of 2^31 or more".into());
            }
            if store {
                if rep_of(&reps, args[1]).is_none() {
                    return Err("a store of a value the vector loop cannot compute".into());
                }
                if iv_of(args[1]).is_some() {
                    return Err("an induction variable stored as data".into());
                }
            } else {
                let _ = lanes;
                reps.insert(func.dfg.first_result(inst), Rep::Vector(ext));
            }
            accesses.push(Access { inst, iv, mem, store });
            body.push((inst, Rep::Vector(ext)));
            continue;
        }
        if args.iter().any(|&a| iv_of(a).is_some()) {
            return Err("an induction variable used as data (e.g. an index stored or computed with)".into());
        }
        if !opcode.effects().is_pure() || opcode.is_terminator() {
            return Err(format!(
                "a {} in the loop (only loads, stores and pure operations are vectorized)",
                opcode.name()
            ));
        }
        let results = func.dfg.inst_results(inst);
        let [result] = *results else { return Err(format!("a {} with several results", opcode.name())) };
        let arg_reps: Vec<Rep> = args
            .iter()
            .map(|&a| rep_of(&reps, a))
            .collect::<Option<Vec<Rep>>>()
            .ok_or("an operand the vector loop cannot compute")?;
        let rep = if arg_reps.iter().all(|r| *r == Rep::Uniform) {
            Rep::Uniform
        } else {
            let ty = func.dfg.value_type(result);
            let lanes = if ty == Type::F32 || args.iter().any(|&a| func.dfg.value_type(a) == Type::F32) {
                if bits != 32 {
                    return Err("f32 operations on narrow elements".into());
                }
                Lanes::F32
            } else {
                int_lanes
            };
            lane_rep(func, opcode, &args, &arg_reps, lanes, &reps)?
        };
        reps.insert(result, rep);
        body.push((inst, rep));
    }
    // Reductions fold vectors of full lanes.
    for r in &reductions {
        if rep_of(&reps, r.x) != Some(Rep::Vector(Ext::Full)) {
            return Err("a reduction whose element is not computed element-wise".into());
        }
    }
    // Values of the body used by the latch's exit test or arguments other
    // than the induction variables and reductions stay scalar in the
    // original loop; a mask or vector may not reach anything else.
    let folded: Vec<Inst> = reductions.iter().flat_map(|r| r.users.iter().copied()).collect();
    check_uses(func, &blocks, &params, &roles, &body, &folded)?;
    if accesses.iter().all(|a| !a.store) && roles.iter().all(|r| matches!(r, Role::Induction(_))) {
        return Err("nothing stored and nothing reduced".into());
    }

    // Dependences.
    let span = i64::from(vf * size);
    let mut alias_pairs = Vec::new();
    for (i, e) in accesses.iter().enumerate() {
        for l in &accesses[i + 1..] {
            if !e.store && !l.store {
                continue;
            }
            if e.mem.memory != l.mem.memory {
                continue;
            }
            if e.iv == l.iv {
                let d = l.mem.offset as i64 - e.mem.offset as i64;
                if 0 < d && d < span {
                    return Err(format!("a loop-carried dependence through memory ({d} bytes apart)"));
                }
            } else {
                alias_pairs.push((*e, *l));
            }
        }
    }
    // Cost: a constant trip count below the threshold is not worth it.
    if let Some(trips) = constant_trips(func, &counted)
        && trips < MIN_TRIPS
    {
        return Err(format!("{trips} trips (below the {MIN_TRIPS} the cost model asks)"));
    }
    Ok(Plan { counted, lanes: base_lanes, size, vf, interleave, roles, reductions, reps, body, accesses, alias_pairs })
}

/// The trip count of a loop whose controlling variable starts at a
/// constant (and whose bound is one), when known.
fn constant_trips(func: &Function, counted: &CountedLoop) -> Option<i64> {
    let start = func.dfg.int_const(counted.control().start)?;
    let expr = counted.continues()?;
    let continues = eval_const(&expr, start)?;
    Some(continues + i64::from(!counted.header_tested()))
}

/// Evaluates an [`Expr`] of constants (`i32` arithmetic).
fn eval_const(expr: &Expr, x: i64) -> Option<i64> {
    Some(match expr {
        Expr::X => i64::from(x as u32),
        Expr::Const(_, k) => i64::from(*k as u32),
        Expr::Value(_) => return None,
        Expr::Op(opcode, args) => {
            let a: Vec<u32> = args.iter().map(|e| eval_const(e, x).map(|v| v as u32)).collect::<Option<_>>()?;
            i64::from(match (opcode, a.as_slice()) {
                (Opcode::I32Add, [p, q]) => p.wrapping_add(*q),
                (Opcode::I32Sub, [p, q]) => p.wrapping_sub(*q),
                (Opcode::I32LtU, [p, q]) => u32::from(p < q),
                (Opcode::I32LtS, [p, q]) => u32::from((*p as i32) < (*q as i32)),
                (Opcode::I32DivU, [p, q]) if *q != 0 => p / q,
                (Opcode::Select, [p, q, c]) => {
                    if *c != 0 {
                        *p
                    } else {
                        *q
                    }
                }
                _ => return None,
            })
        }
    })
}

/// The representation of `opcode(args)` with at least one vector operand.
fn lane_rep(
    func: &Function,
    opcode: Opcode,
    args: &[Value],
    reps: &[Rep],
    lanes: Lanes,
    known: &BTreeMap<Value, Rep>,
) -> Result<Rep, String> {
    let bits = lanes.bits();
    let narrow = bits < 32;
    let name = opcode.name();
    // What an operand's lane is as a scalar: its extension, with uniform
    // constants read by value.
    let ext = |i: usize| -> Ext {
        match reps[i] {
            Rep::Vector(e) => e,
            Rep::Mask => Ext::Low,
            Rep::Uniform => match func.dfg.int_const(args[i]) {
                _ if !narrow => Ext::Full,
                Some(k) if (0..1i64 << bits).contains(&k) => Ext::Zero,
                Some(k) if (-(1i64 << (bits - 1))..1i64 << (bits - 1)).contains(&k) => Ext::Sign,
                _ => Ext::Low,
            },
        }
    };
    let full = |e: Ext| if narrow { e } else { Ext::Full };
    // A compare's result read as a number is its lanes' 0 or 1; only a
    // select's condition takes the mask itself.
    let reps: Vec<Rep> = reps
        .iter()
        .enumerate()
        .map(|(i, &r)| if r == Rep::Mask && !(opcode == Opcode::Select && i == 2) { Rep::Vector(Ext::Zero) } else { r })
        .collect();
    let reps = reps.as_slice();
    match opcode {
        Opcode::Select => {
            if reps[2] != Rep::Mask {
                return Err("a select on a condition that is not a lane-wise compare".into());
            }
            let e = match (ext(0), ext(1)) {
                (a, b) if a == b => a,
                (Ext::Zero, Ext::Sign) | (Ext::Sign, Ext::Zero) => Ext::Low,
                _ => Ext::Low,
            };
            Ok(Rep::Vector(full(e)))
        }
        Opcode::I32Eqz => {
            if narrow && ext(0) == Ext::Low {
                return Err("eqz of a lane whose high bits are unknown".into());
            }
            Ok(Rep::Mask)
        }
        _ if is_compare(opcode) => {
            if lane_binary(opcode, bits).is_none() {
                return Err(format!("no lane-wise {name} on {}", lanes.name()));
            }
            if narrow {
                let equality = matches!(opcode, Opcode::I32Eq | Opcode::I32Ne);
                let want = if is_signed_compare(opcode) { Ext::Sign } else { Ext::Zero };
                // A vector operand's extension, which every operand must share.
                let shared = (0..2).filter(|&i| reps[i] != Rep::Uniform).map(&ext).next().unwrap_or(want);
                let fits = |i: usize| match reps[i] {
                    Rep::Uniform => func.dfg.int_const(args[i]).is_some_and(|k| match shared {
                        Ext::Zero => (0..1i64 << bits).contains(&k),
                        Ext::Sign => (-(1i64 << (bits - 1))..1i64 << (bits - 1)).contains(&k),
                        _ => false,
                    }),
                    _ => ext(i) == shared,
                };
                if !((shared == want || (equality && shared != Ext::Low)) && fits(0) && fits(1))
                    && !offset_compare(func, opcode, args, bits, known)
                {
                    return Err(format!("{name} of lanes whose high bits are unknown"));
                }
            }
            Ok(Rep::Mask)
        }
        Opcode::I32Shl | Opcode::I32ShrU | Opcode::I32ShrS => {
            if reps[1] != Rep::Uniform {
                return Err(format!("{name} by an amount that varies per element"));
            }
            if narrow {
                let k =
                    func.dfg.int_const(args[1]).ok_or(format!("{name} of narrow lanes by a non-constant amount"))?;
                let k = (k & 31) as u32;
                if k >= bits {
                    return Err(format!("{name} by {k} on {bits}-bit lanes"));
                }
                match opcode {
                    Opcode::I32Shl => Ok(Rep::Vector(Ext::Low)),
                    Opcode::I32ShrU if ext(0) == Ext::Zero => Ok(Rep::Vector(Ext::Zero)),
                    Opcode::I32ShrS if ext(0) == Ext::Sign => Ok(Rep::Vector(Ext::Sign)),
                    _ => Err(format!("{name} of lanes whose high bits are unknown")),
                }
            } else {
                Ok(Rep::Vector(Ext::Full))
            }
        }
        Opcode::I32And | Opcode::I32Or | Opcode::I32Xor => {
            let (a, b) = (ext(0), ext(1));
            let mask_const = |i: usize| func.dfg.int_const(args[i]).is_some_and(|k| k == (1i64 << bits) - 1);
            let e = match opcode {
                Opcode::I32And if a == Ext::Zero || b == Ext::Zero || mask_const(0) || mask_const(1) => Ext::Zero,
                _ if a == b => a,
                _ => Ext::Low,
            };
            Ok(Rep::Vector(full(e)))
        }
        _ => {
            let arity = args.len();
            let op = if arity == 2 { lane_binary(opcode, bits) } else { lane_unary(opcode, bits) };
            if op.is_none() {
                return Err(format!("no lane-wise {name} on {}", lanes.name()));
            }
            Ok(Rep::Vector(full(Ext::Low)))
        }
    }
}

/// Is `opcode(x - c, k)` (an unsigned compare, `x` a zero-extended lane,
/// `0 < c < 2^bits`, constant `k`) the same on the lanes? The scalar
/// `x - c` is in `[-c, 2^bits - 1 - c]`; the lane is the same number
/// where it is not negative, and `2^bits - c` or more where it is, which
/// compares as the scalar's huge unsigned value does when the constant
/// side of the test stays below `2^bits - c` (the range check of ASCII
/// case conversion: `(b - 97) <u 26`).
fn offset_compare(func: &Function, opcode: Opcode, args: &[Value], bits: u32, known: &BTreeMap<Value, Rep>) -> bool {
    let Some(k) = args.get(1).and_then(|&a| func.dfg.int_const(a)) else { return false };
    // The first value for which the test is false (lt/le) or true (gt/ge).
    let edge = match opcode {
        Opcode::I32LtU | Opcode::I32GeU => k,
        Opcode::I32LeU | Opcode::I32GtU => k + 1,
        _ => return false,
    };
    let Some(def) = func.dfg.value_inst(args[0]) else { return false };
    let dargs: Vec<Value> = func.dfg.inst_args(def).iter().map(|&v| func.dfg.resolve_aliases(v)).collect();
    let c = match (func.dfg.insts[def].opcode(), dargs.get(1).and_then(|&b| func.dfg.int_const(b))) {
        (Opcode::I32Sub, Some(c)) => c,
        (Opcode::I32Add, Some(c)) => c.wrapping_neg(),
        _ => return false,
    };
    let lane = 1i64 << bits;
    known.get(&dargs[0]) == Some(&Rep::Vector(Ext::Zero)) && 0 < c && c < lane && (0..=lane - c).contains(&edge)
}

/// The reduction `param` takes part in, when its update is `op(param, x)`
/// or a min/max `select`, and `param` has no other use in the loop: the
/// operation, the element operand `x` and the instructions of the update.
fn reduction_op(func: &Function, param: Value, update: Value, blocks: &[Block]) -> Option<(RedOp, Value, Vec<Inst>)> {
    let inst = func.dfg.value_inst(update)?;
    if !func.layout.inst_block(inst).is_some_and(|b| blocks.contains(&b)) {
        return None;
    }
    let args: Vec<Value> = func.dfg.inst_args(inst).iter().map(|&v| func.dfg.resolve_aliases(v)).collect();
    let opcode = func.dfg.insts[inst].opcode();
    let mut users = vec![inst];
    let x;
    let op = match opcode {
        Opcode::I32Add | Opcode::I32And | Opcode::I32Or | Opcode::I32Xor => {
            if !(args.len() == 2 && (args[0] == param) != (args[1] == param)) {
                return None;
            }
            x = if args[0] == param { args[1] } else { args[0] };
            match opcode {
                Opcode::I32Add => RedOp::Add,
                Opcode::I32And => RedOp::And,
                Opcode::I32Or => RedOp::Or,
                _ => RedOp::Xor,
            }
        }
        Opcode::Select => {
            let [a, b, c] = *args.as_slice() else { return None };
            let cmp = func.dfg.value_inst(c)?;
            let cargs: Vec<Value> = func.dfg.inst_args(cmp).iter().map(|&v| func.dfg.resolve_aliases(v)).collect();
            if (a == param) == (b == param) || cargs.len() != 2 {
                return None;
            }
            users.push(cmp);
            x = if a == param { b } else { a };
            let straight = cargs[0] == a && cargs[1] == b;
            let crossed = cargs[0] == b && cargs[1] == a;
            if !straight && !crossed {
                return None;
            }
            // `c ? a : b` with c = a > b is the max.
            let (greater, signed) = match func.dfg.insts[cmp].opcode() {
                Opcode::I32GtS | Opcode::I32GeS => (true, true),
                Opcode::I32GtU | Opcode::I32GeU => (true, false),
                Opcode::I32LtS | Opcode::I32LeS => (false, true),
                Opcode::I32LtU | Opcode::I32LeU => (false, false),
                _ => return None,
            };
            match (greater == straight, signed) {
                (true, true) => RedOp::MaxS,
                (true, false) => RedOp::MaxU,
                (false, true) => RedOp::MinS,
                (false, false) => RedOp::MinU,
            }
        }
        _ => return None,
    };
    // No other use of the parameter in the loop, and no use of the update
    // but the branch (a running value stored or computed with is a
    // recurrence: a prefix sum).
    let cmp = users.get(1).map(|&c| func.dfg.first_result(c));
    for inst in blocks.iter().flat_map(|&b| func.layout.block_insts(b)) {
        let reads = |x: Value| func.dfg.inst_args(inst).iter().any(|&v| func.dfg.resolve_aliases(v) == x);
        let other = !users.contains(&inst);
        if (other && reads(param))
            || (!func.dfg.insts[inst].opcode().is_branch() && reads(update))
            || (other && cmp.is_some_and(reads))
        {
            return None;
        }
    }
    Some((op, func.dfg.resolve_aliases(x), users))
}

/// The body's vector values reach nothing the vector loop does not
/// compute: the back edge's arguments are induction variables and
/// reductions, and no instruction outside the translated body and the
/// reductions' updates (`folded`) reads a translated value.
fn check_uses(
    func: &Function,
    blocks: &[Block],
    params: &[Value],
    roles: &[Role],
    body: &[(Inst, Rep)],
    folded: &[Inst],
) -> Result<(), String> {
    let translated: Vec<Value> = body
        .iter()
        .filter(|&&(_, rep)| rep != Rep::Uniform)
        .flat_map(|&(i, _)| func.dfg.inst_results(i).to_vec())
        .collect();
    let (header, latch) = (blocks[0], blocks[blocks.len() - 1]);
    let args = edge_args(func, latch, header).ok_or("the latch does not branch back once")?;
    for (i, &a) in args.iter().enumerate() {
        let a = func.dfg.resolve_aliases(a);
        match roles[i] {
            Role::Reduction(_, update) if update == a => {}
            Role::Induction(_) => {}
            _ => return Err(format!("the back edge passes {} to {}", a, params[i])),
        }
    }
    let body_insts: Vec<Inst> = body.iter().map(|&(i, _)| i).collect();
    for inst in blocks.iter().flat_map(|&b| func.layout.block_insts(b)) {
        if body_insts.contains(&inst) || folded.contains(&inst) || func.dfg.insts[inst].opcode().is_branch() {
            continue;
        }
        if func.dfg.inst_args(inst).iter().any(|&v| translated.contains(&func.dfg.resolve_aliases(v))) {
            return Err("the exit test or an induction update reads a value of the body".into());
        }
    }
    Ok(())
}

/// The blocks and values the transformation made.
struct Built {
    /// The vector loop's header.
    vheader: Block,
    /// Its parameters, one per original header parameter.
    vparams: Vec<Value>,
    /// Each stream's last in-bounds window address (an `i32` computed
    /// before the loop).
    limits: Vec<(BoundGroup, Value)>,
}

impl Plan {
    /// Rewrites `func`: the checks in the preheader, the vector loop, its
    /// exit into the original loop.
    fn emit(&self, func: &mut Function) -> Option<Built> {
        let header = self.counted.header;
        let pre = self.counted.preheader;
        let params = self.header_params(func).to_vec();
        let pre_term = func.terminator(pre)?;
        let entry_args: Vec<Value> = match &func.dfg.insts[pre_term] {
            InstructionData::Jump { dest } if dest.block == header => {
                func.dfg.block_call_args(dest).iter().map(|&v| func.dfg.resolve_aliases(v)).collect()
            }
            _ => return None,
        };
        let continues = self.counted.continues()?;
        let control = self.counted.control().index;

        let mut cur = FuncCursor::new(func);
        // The vector loop's blocks, laid out before the original header.
        let vtypes: Vec<Type> = params
            .iter()
            .zip(&self.roles)
            .map(|(&p, r)| match r {
                Role::Induction(_) => cur.func.dfg.value_type(p),
                Role::Reduction(..) => Type::V128,
            })
            .collect();
        let vheader = cur.func.dfg.make_block();
        for &ty in &vtypes {
            cur.func.dfg.append_block_param(vheader, ty);
        }
        let vbody = cur.func.dfg.make_block();
        let vexit = cur.func.dfg.make_block();
        for b in [vheader, vbody, vexit] {
            cur.func.layout.insert_block_before(b, header);
        }
        let vparams = cur.func.dfg.block_params(vheader).to_vec();

        // Preheader: the checks.
        cur.goto_before(pre_term);
        let c0 = continues.emit(&mut cur, entry_args[control])?;
        let vfm1 = cur.iconst32(self.step() as i32);
        let mut ok = cur.ins(Opcode::I32GeU, &[c0, vfm1], Imm::None).ok()?[0];
        for check in self.alias_checks(&entry_args) {
            let v = check.build(&mut Emitter(&mut cur))?;
            ok = cur.ins(Opcode::I32And, &[ok, v], Imm::None).ok()?[0];
        }
        // Per stream, the last address at which a vector trip's window is in
        // bounds: `memory size - window`, computed in `i64`; the vector
        // loop is entered only when it is not negative (it is then below
        // 2^32).
        let mut sizes: BTreeMap<u32, Value> = BTreeMap::new();
        let mut limits = Vec::new();
        for group in self.bound_groups() {
            let bytes = match sizes.get(&group.memory.as_u32()) {
                Some(&b) => b,
                None => {
                    let b = Emitter(&mut cur).memory_bytes(group.memory)?;
                    sizes.insert(group.memory.as_u32(), b);
                    b
                }
            };
            let window = cur.iconst64(group.window as i64);
            let last = cur.ins(Opcode::I64Sub, &[bytes, window], Imm::None).ok()?[0];
            let zero = cur.iconst64(0);
            let fits = cur.ins(Opcode::I64GeS, &[last, zero], Imm::None).ok()?[0];
            ok = cur.ins(Opcode::I32And, &[ok, fits], Imm::None).ok()?[0];
            let last32 = cur.ins(Opcode::I32WrapI64, &[last], Imm::None).ok()?[0];
            limits.push((group, last32));
        }
        let mut vinit = Vec::new();
        for (i, role) in self.roles.iter().enumerate() {
            vinit.push(match *role {
                Role::Induction(_) => entry_args[i],
                Role::Reduction(op, _) => {
                    let init = entry_args[i];
                    match op.identity() {
                        Some(id) => {
                            let idv = cur.iconst32(id);
                            let splat = cur.ins(Opcode::I32x4Splat, &[idv], Imm::None).ok()?[0];
                            cur.ins(Opcode::I32x4ReplaceLane, &[splat, init], Imm::Lane(0)).ok()?[0]
                        }
                        None => cur.ins(Opcode::I32x4Splat, &[init], Imm::None).ok()?[0],
                    }
                }
            });
        }
        cur.remove_inst(pre_term);
        cur.goto_end(pre);
        cur.brif(ok, vheader, &vinit, header, &entry_args);

        // Vector header: enough trips left for one vector trip, every
        // stream's window in bounds.
        cur.goto_end(vheader);
        let c = continues.emit(&mut cur, vparams[control])?;
        let vfc = cur.iconst32(self.step() as i32);
        let mut go = cur.ins(Opcode::I32GeU, &[c, vfc], Imm::None).ok()?[0];
        for &(group, last) in &limits {
            let inside = cur.ins(Opcode::I32LeU, &[vparams[group.iv], last], Imm::None).ok()?[0];
            go = cur.ins(Opcode::I32And, &[go, inside], Imm::None).ok()?[0];
        }
        cur.brif(go, vbody, &[], vexit, &[]);

        // Vector body.
        cur.goto_end(vbody);
        let mut map: BTreeMap<Value, Value> = BTreeMap::new();
        let mut splats: BTreeMap<(Value, u32), Value> = BTreeMap::new();
        // Each reduction's elements, one vector per copy.
        let mut elements: Vec<Vec<Value>> = vec![Vec::new(); self.reductions.len()];
        for copy in 0..self.interleave {
            for &(inst, rep) in &self.body {
                if copy > 0 && rep == Rep::Uniform {
                    continue;
                }
                translate(&mut cur, inst, rep, self, u64::from(copy) * 16, &vparams, &mut map, &mut splats)?;
            }
            for (r, out) in self.reductions.iter().zip(&mut elements) {
                out.push(*map.get(&r.x)?);
            }
        }
        // The copies' elements combined pairwise, then into the accumulator.
        for (r, xs) in self.reductions.iter().zip(elements) {
            let Role::Reduction(op, update) = self.roles[r.index] else { return None };
            let mut xs = xs;
            while xs.len() > 1 {
                let mut next = Vec::new();
                for pair in xs.chunks(2) {
                    next.push(match *pair {
                        [a, b] => cur.ins(op.vector(), &[a, b], Imm::None).ok()?[0],
                        [a] => a,
                        _ => return None,
                    });
                }
                xs = next;
            }
            let acc = cur.ins(op.vector(), &[vparams[r.index], *xs.first()?], Imm::None).ok()?[0];
            map.insert(update, acc);
        }
        let mut next = Vec::new();
        for (i, role) in self.roles.iter().enumerate() {
            next.push(match *role {
                Role::Induction(step) => {
                    let ty = vtypes[i];
                    let amount = step.wrapping_mul(i64::from(self.step()));
                    let k = if ty == Type::I64 { cur.iconst64(amount) } else { cur.iconst32(amount as i32) };
                    let add = if ty == Type::I64 { Opcode::I64Add } else { Opcode::I32Add };
                    cur.ins(add, &[vparams[i], k], Imm::None).ok()?[0]
                }
                Role::Reduction(_, update) => *map.get(&update)?,
            });
        }
        cur.jump(vheader, &next);

        // Vector exit: reduce, enter the original loop.
        cur.goto_end(vexit);
        let mut args = Vec::new();
        for (i, role) in self.roles.iter().enumerate() {
            args.push(match *role {
                Role::Induction(_) => vparams[i],
                Role::Reduction(op, _) => {
                    let mut v = vparams[i];
                    for lanes in SWIZZLES {
                        let k = cur.ins(Opcode::V128Const, &[], Imm::V128(V128Imm(lanes))).ok()?[0];
                        let t = cur.ins(Opcode::I8x16Swizzle, &[v, k], Imm::None).ok()?[0];
                        v = cur.ins(op.vector(), &[v, t], Imm::None).ok()?[0];
                    }
                    cur.ins(Opcode::I32x4ExtractLane, &[v], Imm::Lane(0)).ok()?[0]
                }
            });
        }
        cur.jump(header, &args);
        Some(Built { vheader, vparams, limits })
    }

    /// The runtime alias checks, over the induction variables' values
    /// `ivs` (by header parameter).
    fn alias_checks<V: Clone>(&self, ivs: &[V]) -> Vec<Check<V>> {
        self.alias_pairs
            .iter()
            .map(|(e, l)| Check::Apart {
                earlier: ivs[e.iv].clone(),
                earlier_offset: e.mem.offset,
                later: ivs[l.iv].clone(),
                later_offset: l.mem.offset,
                span: self.vf * self.size,
            })
            .collect()
    }

    /// The streams: per (induction variable, memory), the bytes a vector
    /// trip's window reaches past the address.
    fn bound_groups(&self) -> Vec<BoundGroup> {
        let mut ends: BTreeMap<(usize, u32), (u64, weft_ir::MemoryRef)> = BTreeMap::new();
        for a in &self.accesses {
            let e = ends.entry((a.iv, a.mem.memory.as_u32())).or_insert((0, a.mem.memory));
            e.0 = e.0.max(a.mem.offset + u64::from(self.step() * self.size));
        }
        ends.into_iter().map(|((iv, _), (window, memory))| BoundGroup { iv, memory, window }).collect()
    }
}

/// A stream of the vector loop: the accesses at one induction variable in
/// one memory.
#[derive(Copy, Clone, Debug)]
struct BoundGroup {
    /// Index of the induction variable among the header's parameters.
    iv: usize,
    memory: weft_ir::MemoryRef,
    /// A vector trip at address `p` touches bytes below `p + window`.
    window: u64,
}

/// A runtime check, over values (emitted) or terms (a certificate fact).
#[derive(Clone, Debug)]
enum Check<V> {
    /// `(later + later_offset) - (earlier + earlier_offset) - 1 >=u span -
    /// 1` (`i32`): the later access does not read or write what the earlier
    /// one touches in the next `VF - 1` trips.
    Apart { earlier: V, earlier_offset: u64, later: V, later_offset: u64, span: u32 },
}

/// The operations of a check, in one shape for emission and terms.
trait Build {
    type V: Clone;
    fn op(&mut self, opcode: Opcode, args: &[Self::V]) -> Option<Self::V>;
    fn i32(&mut self, k: i32) -> Self::V;
    fn i64(&mut self, k: i64) -> Self::V;
    fn memory_size(&mut self, memory: weft_ir::MemoryRef) -> Option<Self::V>;

    /// The memory's size in bytes, an `i64`.
    fn memory_bytes(&mut self, memory: weft_ir::MemoryRef) -> Option<Self::V> {
        let pages = self.memory_size(memory)?;
        let pages = self.op(Opcode::I64ExtendI32U, &[pages])?;
        let sixteen = self.i64(16);
        self.op(Opcode::I64Shl, &[pages, sixteen])
    }
}

impl<V: Clone> Check<V> {
    fn build<B: Build<V = V>>(&self, b: &mut B) -> Option<V> {
        match self {
            Check::Apart { earlier, earlier_offset, later, later_offset, span } => {
                let eo = b.i32(*earlier_offset as i32);
                let e = b.op(Opcode::I32Add, &[earlier.clone(), eo])?;
                let lo = b.i32(*later_offset as i32);
                let l = b.op(Opcode::I32Add, &[later.clone(), lo])?;
                let d = b.op(Opcode::I32Sub, &[l, e])?;
                let one = b.i32(1);
                let d1 = b.op(Opcode::I32Sub, &[d, one])?;
                let lim = b.i32(*span as i32 - 1);
                b.op(Opcode::I32GeU, &[d1, lim])
            }
        }
    }
}

struct Emitter<'a, 'f>(&'a mut FuncCursor<'f>);

impl Build for Emitter<'_, '_> {
    type V = Value;
    fn op(&mut self, opcode: Opcode, args: &[Value]) -> Option<Value> {
        self.0.ins(opcode, args, Imm::None).ok()?.first().copied()
    }
    fn i32(&mut self, k: i32) -> Value {
        self.0.iconst32(k)
    }
    fn i64(&mut self, k: i64) -> Value {
        self.0.iconst64(k)
    }
    fn memory_size(&mut self, memory: weft_ir::MemoryRef) -> Option<Value> {
        self.0.ins(Opcode::MemorySize, &[], Imm::Memory(memory)).ok()?.first().copied()
    }
}

struct Terms;

impl Build for Terms {
    type V = Term;
    fn op(&mut self, opcode: Opcode, args: &[Term]) -> Option<Term> {
        Some(Term::op(opcode, args.to_vec()))
    }
    fn i32(&mut self, k: i32) -> Term {
        Term::i32(k)
    }
    fn i64(&mut self, k: i64) -> Term {
        Term::i64(k)
    }
    fn memory_size(&mut self, memory: weft_ir::MemoryRef) -> Option<Term> {
        Some(Term::MemorySize(memory))
    }
}

/// Emits the vector form of body instruction `inst`, its accesses
/// `extra_offset` bytes further.
#[expect(clippy::too_many_arguments, reason = "the translation state of the vector body")]
fn translate(
    cur: &mut FuncCursor<'_>,
    inst: Inst,
    rep: Rep,
    plan: &Plan,
    extra_offset: u64,
    vparams: &[Value],
    map: &mut BTreeMap<Value, Value>,
    splats: &mut BTreeMap<(Value, u32), Value>,
) -> Option<()> {
    let data = cur.func.dfg.insts[inst].clone();
    let opcode = data.opcode();
    let imm = data.imm();
    let args: Vec<Value> = cur.func.dfg.inst_args(inst).iter().map(|&v| cur.func.dfg.resolve_aliases(v)).collect();
    let results = cur.func.dfg.inst_results(inst).to_vec();
    // A scalar operand in the vector body: outside values as they are,
    // cloned uniforms through the map.
    let scalar = |map: &BTreeMap<Value, Value>, v: Value| map.get(&v).copied().unwrap_or(v);
    if let Some((_, _, _, store)) = access_kind(opcode) {
        let access = plan.accesses.iter().find(|a| a.inst == inst)?;
        let addr = vparams[access.iv];
        let mem = Imm::Mem(MemArg { align: 0, offset: access.mem.offset + extra_offset, ..access.mem });
        if store {
            let value = vector_operand(cur, plan, args[1], map, splats, true)?;
            cur.ins(Opcode::V128Store, &[addr, value], mem).ok()?;
        } else {
            let v = cur.ins(Opcode::V128Load, &[addr], mem).ok()?[0];
            map.insert(results[0], v);
        }
        return Some(());
    }
    match rep {
        Rep::Uniform => {
            let a: Vec<Value> = args.iter().map(|&v| scalar(map, v)).collect();
            let r = cur.ins(opcode, &a, imm).ok()?;
            map.insert(results[0], r[0]);
        }
        Rep::Vector(_) | Rep::Mask => {
            let f32_lanes = cur.func.dfg.value_type(results[0]) == Type::F32
                || args.iter().any(|&a| cur.func.dfg.value_type(a) == Type::F32);
            let bits = if f32_lanes { 32 } else { plan.size * 8 };
            let vop = match opcode {
                Opcode::Select => Opcode::V128Bitselect,
                Opcode::I32Eqz => lane_binary(Opcode::I32Eq, bits)?,
                _ if args.len() == 2 => lane_binary(opcode, bits)?,
                _ => lane_unary(opcode, bits)?,
            };
            let r = match opcode {
                Opcode::I32Shl | Opcode::I32ShrU | Opcode::I32ShrS => {
                    let v = vector_operand(cur, plan, args[0], map, splats, true)?;
                    cur.ins(vop, &[v, scalar(map, args[1])], Imm::None).ok()?[0]
                }
                Opcode::I32Eqz => {
                    let v = vector_operand(cur, plan, args[0], map, splats, true)?;
                    let zero = cur.ins(Opcode::V128Const, &[], Imm::V128(V128Imm([0; 16]))).ok()?[0];
                    cur.ins(vop, &[v, zero], Imm::None).ok()?[0]
                }
                _ => {
                    let vs = args
                        .iter()
                        .enumerate()
                        .map(|(i, &a)| vector_operand(cur, plan, a, map, splats, !(opcode == Opcode::Select && i == 2)))
                        .collect::<Option<Vec<Value>>>()?;
                    cur.ins(vop, &vs, Imm::None).ok()?[0]
                }
            };
            map.insert(results[0], r);
        }
    }
    Some(())
}

/// `v` as a vector in the vector body: its translation, or a splat of a
/// uniform scalar.
fn vector_operand(
    cur: &mut FuncCursor<'_>,
    plan: &Plan,
    v: Value,
    map: &BTreeMap<Value, Value>,
    splats: &mut BTreeMap<(Value, u32), Value>,
    as_int: bool,
) -> Option<Value> {
    let mapped = map.get(&v).copied().unwrap_or(v);
    let ty = cur.func.dfg.value_type(mapped);
    let int_lanes = match plan.size {
        1 => Lanes::I8,
        2 => Lanes::I16,
        _ => Lanes::I32,
    };
    if ty == Type::V128 {
        if as_int && plan.reps.get(&v) == Some(&Rep::Mask) {
            // A mask read as a number: 1 where the compare held.
            let one = cur.iconst32(1);
            let ones = cur.ins(int_lanes.splat(), &[one], Imm::None).ok()?[0];
            return cur.ins(Opcode::V128And, &[mapped, ones], Imm::None).ok()?.first().copied();
        }
        return Some(mapped);
    }
    let lanes = if ty == Type::F32 { Lanes::F32 } else { int_lanes };
    let key = (mapped, lanes.bits() + u32::from(ty == Type::F32));
    if let Some(&s) = splats.get(&key) {
        return Some(s);
    }
    let s = cur.ins(lanes.splat(), &[mapped], Imm::None).ok()?[0];
    splats.insert(key, s);
    Some(s)
}

impl Built {
    /// The certificate of the rewrite (see the module docs).
    fn certificate(
        &self,
        func: &Function,
        plan: &Plan,
        headers: &[Block],
        live_ins: &BTreeMap<Block, Vec<Value>>,
    ) -> Certificate {
        let header = plan.counted.header;
        let params = func.dfg.block_params(header).to_vec();
        let live = |b: Block| -> Vec<Value> {
            let params = func.dfg.block_params(b);
            live_ins.get(&b).map(|v| v.iter().copied().filter(|v| !params.contains(v)).collect()).unwrap_or_default()
        };
        let same = |v: Value| Fact::equal(Term::src(v), Term::tgt(v));
        let mut pairs = Vec::new();
        // The vector header.
        let mut facts: Vec<Fact> = Vec::new();
        for (i, role) in plan.roles.iter().enumerate() {
            facts.push(match *role {
                Role::Induction(_) => Fact::equal(Term::src(params[i]), Term::tgt(self.vparams[i])),
                Role::Reduction(op, _) => {
                    let mut t = Term::tgt(self.vparams[i]);
                    for s in 0..2 {
                        let k = Term::Const(Type::V128, swizzle_bits(s));
                        let sw = Term::op(Opcode::I8x16Swizzle, vec![t.clone(), k]);
                        t = Term::op(op.vector(), vec![t, sw]);
                    }
                    Fact::equal(Term::op(Opcode::I32x4Splat, vec![Term::src(params[i])]), t)
                }
            });
        }
        facts.extend(live(header).into_iter().map(same));
        let ivs: Vec<Term> = self.vparams.iter().map(|&v| Term::tgt(v)).collect();
        facts.extend(plan.alias_checks(&ivs).iter().filter_map(|c| c.build(&mut Terms)).map(Fact::Holds));
        // The limits leave a window in bounds (they are computed before the
        // loop, and the memory does not shrink).
        for &(group, last) in &self.limits {
            let mut t = Terms;
            let fact = (|| {
                let last = t.op(Opcode::I64ExtendI32U, &[Term::tgt(last)])?;
                let window = t.i64(group.window as i64);
                let end = t.op(Opcode::I64Add, &[last, window])?;
                let bytes = t.memory_bytes(group.memory)?;
                t.op(Opcode::I64LeU, &[end, bytes])
            })();
            facts.extend(fact.map(Fact::Holds));
        }
        pairs.push(CutPair { src_steps: plan.step(), ..CutPair::new(header, self.vheader, facts) });
        // Every loop header of the source with itself.
        for &h in headers {
            let mut facts: Vec<Fact> = func.dfg.block_params(h).iter().copied().map(same).collect();
            facts.extend(live(h).into_iter().map(same));
            pairs.push(CutPair::new(h, h, facts));
        }
        Certificate { correspondence: Some(Correspondence { pairs }), ..Default::default() }
    }
}

#[cfg(test)]
mod tests {
    use weft_ir::{FuncCursor, Function, Imm, Inst, Opcode, V128Imm, Value, parse_function};
    use weft_verify::{Options, Report, check_refinement_report};

    use super::LoopVectorize;
    use crate::{Changed, FunctionPass, PassCx};

    /// Vectorizes `text`'s function with `interleave` copies, lets `edit`
    /// change the result, and checks it with the pass's certificate.
    fn vectorize_and_check(text: &str, interleave: u32, edit: impl FnOnce(&mut Function)) -> (Function, Report) {
        let src = parse_function(text).expect("parses");
        let mut tgt = src.clone();
        let mut cx = PassCx::new();
        let changed = LoopVectorize { interleave }.run(&mut tgt, &mut cx);
        assert!(matches!(changed, Changed::Yes(_)), "not vectorized");
        edit(&mut tgt);
        let opts = Options {
            certificate: cx.take_certificate(),
            timeout_ms: 60_000,
            unroll_retry_bound: None,
            unroll_bound: 7,
            ..Options::default()
        };
        let report = check_refinement_report(&src, &tgt, &opts);
        (tgt, report)
    }

    /// The instructions of `func` with `opcode`, in layout order.
    fn find(func: &Function, opcode: Opcode) -> Vec<Inst> {
        func.layout
            .blocks()
            .flat_map(|b| func.layout.block_insts(b).collect::<Vec<_>>())
            .filter(|&i| func.dfg.insts[i].opcode() == opcode)
            .collect()
    }

    /// Replaces operand `old` of `inst` by `new`.
    fn remap(func: &mut Function, inst: Inst, old: Value, new: Value) {
        func.dfg.map_inst_values(inst, |_, v| if v == old { new } else { v });
    }

    fn assert_counterexample(report: &Report) {
        assert!(report.outcome.is_counterexample(), "expected a counterexample, got {report}");
    }

    pub(super) const SUM_I32: &str = "function %sum_i32(i32, i32) -> i32 {
    mem0 = memory min=4

block0(v0: i32, v1: i32):
    v2 = i32.const 0
    v3 = i32.const 1
    v4 = i32.lt_s v1, v3
    brif v4, block1(v2), block2
block2:
    jump block3(v0, v2, v1)
block3(v5: i32, v7: i32, v11: i32):
    v6 = i32.load mem0 v5
    v8 = i32.add v6, v7
    v9 = i32.const 4
    v10 = i32.add v5, v9
    v12 = i32.const -1
    v13 = i32.add v11, v12
    brif v13, block3(v10, v8, v13), block4
block4:
    jump block1(v8)
block1(v14: i32):
    return v14
}";

    pub(super) const ADD_I32: &str = "function %add_i32(i32, i32, i32, i32) {
    mem0 = memory min=4

block0(v0: i32, v1: i32, v2: i32, v3: i32):
    v4 = i32.const 1
    v5 = i32.lt_s v3, v4
    brif v5, block1, block2
block2:
    jump block3(v0, v2, v1, v3)
block3(v6: i32, v7: i32, v9: i32, v18: i32):
    v8 = i32.load mem0 v7
    v10 = i32.load mem0 v9
    v11 = i32.add v8, v10
    i32.store mem0 v6, v11
    v12 = i32.const 4
    v13 = i32.add v9, v12
    v14 = i32.const 4
    v15 = i32.add v7, v14
    v16 = i32.const 4
    v17 = i32.add v6, v16
    v19 = i32.const -1
    v20 = i32.add v18, v19
    brif v20, block3(v17, v15, v13, v20), block4
block4:
    jump block1
block1:
    return
}";

    #[test]
    fn a_sum_and_a_map_are_vectorized() {
        for text in [SUM_I32, ADD_I32] {
            let func = parse_function(text).expect("parses");
            let decisions = super::survey(&func);
            assert_eq!(decisions.len(), 1);
            assert!(decisions[0].outcome.as_ref().is_ok_and(|d| d.starts_with("i32x4 (VF 4, ")), "{decisions:?}");
        }
    }

    /// The in-place byte map of `stream_read_loop_u8` (uppercase).
    const UPPER_U8: &str = "function %upper_u8(i32, i32) {
    mem0 = memory min=4

block0(v0: i32, v1: i32):
    v2 = i32.const 1
    v3 = i32.lt_s v1, v2
    brif v3, block1, block2
block2:
    jump block3(v0, v1)
block3(v4: i32, v18: i32):
    v5 = i32.const -32
    v6 = i32.const 0
    v7 = i32.load8_u mem0 v4
    v8 = i32.const -97
    v9 = i32.add v7, v8
    v10 = i32.const 255
    v11 = i32.and v9, v10
    v12 = i32.const 26
    v13 = i32.lt_u v11, v12
    v14 = select v5, v6, v13
    v15 = i32.add v14, v7
    i32.store8 mem0 v4, v15
    v16 = i32.const 1
    v17 = i32.add v4, v16
    v19 = i32.const -1
    v20 = i32.add v18, v19
    brif v20, block3(v17, v20), block4
block4:
    jump block1
block1:
    return
}";

    #[test]
    fn an_in_place_byte_map_is_proved() {
        let (_, report) = vectorize_and_check(UPPER_U8, 1, |_| {});
        assert!(report.outcome.is_proved(), "{report}");
    }

    #[test]
    fn permuted_lanes_are_refuted() {
        // The stored vector's lanes reversed.
        let (_, report) = vectorize_and_check(ADD_I32, 1, |f| {
            let store = find(f, Opcode::V128Store)[0];
            let value = f.dfg.inst_args(store)[1];
            let reversed = [12, 13, 14, 15, 8, 9, 10, 11, 4, 5, 6, 7, 0, 1, 2, 3];
            let mut cur = FuncCursor::new(f);
            cur.goto_before(store);
            let k = cur.ins(Opcode::V128Const, &[], Imm::V128(V128Imm(reversed))).expect("const")[0];
            let p = cur.ins(Opcode::I8x16Swizzle, &[value, k], Imm::None).expect("swizzle")[0];
            remap(f, store, value, p);
        });
        assert_counterexample(&report);
    }

    #[test]
    fn a_reduction_missing_its_last_lane_is_refuted() {
        // The horizontal sum's first rotation reads zero for lane 3.
        let (_, report) = vectorize_and_check(SUM_I32, 1, |f| {
            let swizzle = find(f, Opcode::I8x16Swizzle)[0];
            let old = f.dfg.inst_args(swizzle)[1];
            let mut lanes = super::SWIZZLES[0];
            lanes[4..8].copy_from_slice(&[0x80; 4]);
            let mut cur = FuncCursor::new(f);
            cur.goto_before(swizzle);
            let k = cur.ins(Opcode::V128Const, &[], Imm::V128(V128Imm(lanes))).expect("const")[0];
            remap(f, swizzle, old, k);
        });
        assert_counterexample(&report);
    }

    #[test]
    fn an_epilogue_skipping_an_element_is_refuted() {
        // The vector loop's exit hands the scalar loop every pointer one
        // element further (and one trip fewer).
        let (_, report) = vectorize_and_check(ADD_I32, 1, |f| {
            let header = weft_ir::Block::from_u32(3);
            let exit = f
                .layout
                .blocks()
                .find(|&b| {
                    f.terminator(b).is_some_and(|t| {
                        f.dfg.insts[t].opcode() == Opcode::Jump
                            && f.dfg.branch_destinations(t).any(|d| d.block == header)
                            && f.dfg.block_params(b).is_empty()
                            && b != weft_ir::Block::from_u32(2)
                    })
                })
                .expect("the vector exit");
            let jump = f.terminator(exit).expect("jump");
            let args: Vec<Value> =
                f.dfg.branch_destinations(jump).flat_map(|d| f.dfg.block_call_args(d).to_vec()).collect();
            let mut cur = FuncCursor::new(f);
            cur.goto_before(jump);
            let mut moved = Vec::new();
            for (i, &a) in args.iter().enumerate() {
                let k = cur.iconst32(if i == 3 { -1 } else { 4 });
                moved.push(cur.ins(Opcode::I32Add, &[a, k], Imm::None).expect("add")[0]);
            }
            for (a, m) in args.into_iter().zip(moved) {
                remap(f, jump, a, m);
            }
        });
        assert_counterexample(&report);
    }

    #[test]
    fn an_alias_check_with_the_wrong_bound_is_refuted() {
        // The stores may start 12 bytes past a load: `distance - 1 >=u 11`
        // instead of 15.
        let (_, report) = vectorize_and_check(ADD_I32, 1, |f| {
            let ge = find(f, Opcode::I32GeU)
                .into_iter()
                .find(|&i| f.dfg.int_const(f.dfg.inst_args(i)[1]) == Some(15))
                .expect("an alias check");
            let old = f.dfg.inst_args(ge)[1];
            let mut cur = FuncCursor::new(f);
            cur.goto_before(ge);
            let k = cur.iconst32(11);
            remap(f, ge, old, k);
        });
        assert_counterexample(&report);
    }

    #[test]
    fn leave_alone_filetests_are_declined_for_their_reason() {
        let text = include_str!("../../tests/filetests/passes/loop-vectorize/leave_alone.ir");
        let body: String = text.lines().filter(|l| !l.starts_with("test ")).collect::<Vec<_>>().join("\n");
        let funcs = weft_ir::parse_functions(&body).expect("parses");
        let want = [
            ("prefix", "a loop-carried dependence through memory (4 bytes apart)"),
            ("sum_f32", "a float reduction"),
            ("strided", "a strided or backward access"),
            ("call", "a call in the loop"),
            ("early_exit", "more than one exit edge"),
            ("sum_u8", "a reduction over elements narrower than 32 bits"),
            ("short", "8 trips (below the 16 the cost model asks)"),
        ];
        for (name, reason) in want {
            let func = funcs.iter().find(|f| f.name == name).expect("function");
            let decisions = super::survey(func);
            assert!(
                decisions.iter().all(|d| d.outcome.as_ref().is_err_and(|why| why.starts_with(reason))),
                "{name}: {decisions:?}"
            );
        }
    }
}

//! The SMT semantics of every opcode: one exhaustive `match` on [`Opcode`]
//! with no catch-all arm, so an opcode added to the table does not compile
//! until it has semantics here.
//!
//! - Integers are bit-vectors; division and remainder trap on zero (and
//!   `div_s` on `MIN / -1`); shift and rotate counts are taken modulo the
//!   width.
//! - Floats are bit patterns; arithmetic goes through Z3's FP theory
//!   ([`crate::smt`]); `abs`, `neg`, `copysign` are bit operations, as in
//!   wasm; float-to-int truncation traps on NaN and out-of-range values.
//! - Memory accesses compute `addr + offset` in 64 bits and trap when the
//!   access does not end within the memory; multi-byte values are
//!   little-endian. Bulk operations (`memory.fill/copy/init`,
//!   `table.fill/copy/init`, `memory.grow`/`table.grow`) check bounds first
//!   (no partial writes) and are ranged writes in the memory's write log
//!   ([`crate::state::ArrTerm`]), quantifier-free at every read; a
//!   `memory.fill`/`memory.copy` of a small constant length is written as
//!   that many single-byte stores instead.
//! - Division and remainder decide the divisors 1 and -1 before the
//!   divider (`div_edges`); float conversions and truncations of promoted
//!   `f32` values are taken on the `f32` values ([`crate::smt`], `Wide`).
//! - `memory.grow` and `table.grow` succeed when the new size is within the
//!   maximum and the world lets them ([`Explorer::grow_choice`]: any grow
//!   may fail, unless the check assumes grows succeed); new pages are zero.
//! - In exact NaN mode, a NaN that float arithmetic produces is the world's
//!   choice among the NaNs the spec allows ([`Explorer::exact_nans`]).
//! - SIMD is lane-wise on 128-bit vectors, lane 0 in the low bits.
//! - Calls are events ([`Explorer::call`]); `call_indirect` traps when the
//!   index is out of the table, the entry is null, or the entry's type is not
//!   the expected one (an uninterpreted predicate per signature, pinned for
//!   functions the declarations name).

use weft_ir::{Imm, Inst, MemArg, MemoryRef, Opcode, TableRef, Type};
use z3::ast::{BV, Bool};

use crate::cert::Side;
use crate::exec::{Explorer, Flow, flag};
use crate::smt::{
    FBin, FCmp, FTy, FUn, Round, bv_u128, clz, ctz, join, lanes, nonzero, popcnt, saturate, shift_amount, widen,
};
use crate::state::{ArrTerm, Fill, PAGE_BYTES, data_segment, elem_segment, sig_check};

/// Integer comparisons.
#[derive(Copy, Clone)]
enum ICmp {
    Eq,
    Ne,
    LtS,
    LtU,
    GtS,
    GtU,
    LeS,
    LeU,
    GeS,
    GeU,
}

fn icmp(op: ICmp, a: &BV, b: &BV) -> Bool {
    match op {
        ICmp::Eq => a.eq(b),
        ICmp::Ne => a.eq(b).not(),
        ICmp::LtS => a.bvslt(b),
        ICmp::LtU => a.bvult(b),
        ICmp::GtS => a.bvsgt(b),
        ICmp::GtU => a.bvugt(b),
        ICmp::LeS => a.bvsle(b),
        ICmp::LeU => a.bvule(b),
        ICmp::GeS => a.bvsge(b),
        ICmp::GeU => a.bvuge(b),
    }
}

/// Lane-wise integer operations.
#[derive(Copy, Clone)]
enum LaneOp {
    Add,
    Sub,
    Mul,
    AddSatS,
    AddSatU,
    SubSatS,
    SubSatU,
    MinS,
    MinU,
    MaxS,
    MaxU,
    AvgrU,
    Q15MulrSatS,
}

fn lane_op(op: LaneOp, a: &BV, b: &BV) -> BV {
    let w = a.get_size();
    let sat = |signed: bool, f: &dyn Fn(&BV, &BV) -> BV| -> BV {
        let (wa, wb) = (widen(a, w + 2, signed), widen(b, w + 2, signed));
        saturate(&f(&wa, &wb), w, signed)
    };
    match op {
        LaneOp::Add => a.bvadd(b),
        LaneOp::Sub => a.bvsub(b),
        LaneOp::Mul => a.bvmul(b),
        LaneOp::AddSatS => sat(true, &|x, y| x.bvadd(y)),
        LaneOp::AddSatU => sat(false, &|x, y| x.bvadd(y)),
        LaneOp::SubSatS => sat(true, &|x, y| x.bvsub(y)),
        LaneOp::SubSatU => sat(false, &|x, y| x.bvsub(y)),
        LaneOp::MinS => a.bvslt(b).ite(a, b),
        LaneOp::MinU => a.bvult(b).ite(a, b),
        LaneOp::MaxS => a.bvsgt(b).ite(a, b),
        LaneOp::MaxU => a.bvugt(b).ite(a, b),
        LaneOp::AvgrU => {
            let s = a.zero_ext(1).bvadd(b.zero_ext(1)).bvadd(BV::from_u64(1, w + 1));
            s.bvlshr(BV::from_u64(1, w + 1)).extract(w - 1, 0)
        }
        LaneOp::Q15MulrSatS => {
            let p = a.sign_ext(32 - w).bvmul(b.sign_ext(32 - w)).bvadd(BV::from_u64(0x4000, 32));
            saturate(&p.bvashr(BV::from_u64(15, 32)), w, true)
        }
    }
}

fn map1(v: &BV, lw: u32, f: impl Fn(&BV) -> BV) -> BV {
    join(&lanes(v, lw).iter().map(f).collect::<Vec<_>>())
}

fn map2(a: &BV, b: &BV, lw: u32, f: impl Fn(&BV, &BV) -> BV) -> BV {
    let (la, lb) = (lanes(a, lw), lanes(b, lw));
    join(&la.iter().zip(&lb).map(|(x, y)| f(x, y)).collect::<Vec<_>>())
}

fn mask(b: &Bool, lw: u32) -> BV {
    b.ite(&BV::from_i64(-1, lw), &BV::from_u64(0, lw))
}

fn vcmp(a: &BV, b: &BV, lw: u32, op: ICmp) -> BV {
    map2(a, b, lw, |x, y| mask(&icmp(op, x, y), lw))
}

fn lane_shift(v: &BV, amount: &BV, lw: u32, f: impl Fn(&BV, &BV) -> BV) -> BV {
    let s = shift_amount(amount, lw);
    map1(v, lw, |x| f(x, &s))
}

fn all_true(v: &BV, lw: u32) -> BV {
    let conds: Vec<Bool> = lanes(v, lw).iter().map(nonzero).collect();
    flag(&Bool::and(&conds))
}

fn bitmask(v: &BV, lw: u32) -> BV {
    let bits: Vec<BV> = lanes(v, lw).iter().map(|l| l.extract(lw - 1, lw - 1)).collect();
    let m = join(&bits);
    let n = m.get_size();
    if n < 32 { m.zero_ext(32 - n) } else { m }
}

/// Lanes `from..from+count` of `v` widened to `to` bits.
fn extend(v: &BV, lw: u32, high: bool, signed: bool) -> BV {
    let l = lanes(v, lw);
    let half = l.len() / 2;
    let part = if high { &l[half..] } else { &l[..half] };
    join(&part.iter().map(|x| widen(x, lw * 2, signed)).collect::<Vec<_>>())
}

fn extmul(a: &BV, b: &BV, lw: u32, high: bool, signed: bool) -> BV {
    let (la, lb) = (lanes(a, lw), lanes(b, lw));
    let half = la.len() / 2;
    let r = if high { half..la.len() } else { 0..half };
    join(&r.map(|i| widen(&la[i], lw * 2, signed).bvmul(widen(&lb[i], lw * 2, signed))).collect::<Vec<_>>())
}

fn extadd_pairwise(v: &BV, lw: u32, signed: bool) -> BV {
    let l = lanes(v, lw);
    join(&l.chunks(2).map(|p| widen(&p[0], lw * 2, signed).bvadd(widen(&p[1], lw * 2, signed))).collect::<Vec<_>>())
}

fn narrow(a: &BV, b: &BV, lw: u32, signed: bool) -> BV {
    let mut out: Vec<BV> = lanes(a, lw).iter().map(|x| saturate(x, lw / 2, signed)).collect();
    out.extend(lanes(b, lw).iter().map(|x| saturate(x, lw / 2, signed)));
    join(&out)
}

fn replace_lane(v: &BV, lw: u32, lane: u8, x: &BV) -> BV {
    let mut l = lanes(v, lw);
    l[lane as usize] = x.clone();
    join(&l)
}

fn splat(x: &BV, lw: u32) -> BV {
    let x = x.extract(lw - 1, 0);
    join(&vec![x; (128 / lw) as usize])
}

/// The length of a bulk memory operation when it is a constant of at most
/// [`SMALL_BULK`] bytes: such an operation is encoded as that many byte
/// loads and stores (after the same bounds checks), the shape a pass that
/// rewrites it into loads and stores produces, instead of a ranged write
/// whose comparison with stores needs index arithmetic (a 4-byte copy
/// between two memories against a load and a store was undecided after
/// 20 s as a range, and is decided at once as stores).
fn small_len(len: &BV) -> Option<u32> {
    len.as_u64().filter(|n| *n <= u64::from(SMALL_BULK)).map(|n| n as u32)
}

/// The longest constant-length bulk operation written as single bytes.
const SMALL_BULK: u32 = 64;

/// Integer divisions and remainders.
#[derive(Copy, Clone, PartialEq, Eq)]
enum DivOp {
    S,
    U,
    RemS,
    RemU,
}

/// A division or remainder with its edge divisors decided before the
/// divider: `x / 1 = x`, `x /s -1 = -x`, `x % 1 = 0`, `x %s -1 = 0` (each
/// equal to what Z3's `bvsdiv`/`bvudiv`/`bvsrem`/`bvurem` give there; the
/// traps are separate). A proof about the edge then needs no bit-blasted
/// 64-bit divider: with the divider alone, `x /s -1` against `0 - x` took
/// over 20 s, the `ite` form a fraction of a second. A constant divisor
/// folds the `ite`s away.
fn div_edges(x: &BV, y: &BV, op: DivOp) -> BV {
    let w = x.get_size();
    let one = BV::from_u64(1, w);
    let minus_one = BV::from_i64(-1, w);
    let zero = BV::from_u64(0, w);
    let (general, at_one, at_minus_one) = match op {
        DivOp::S => (x.bvsdiv(y), x.clone(), Some(x.bvneg())),
        DivOp::U => (x.bvudiv(y), x.clone(), None),
        DivOp::RemS => (x.bvsrem(y), zero.clone(), Some(zero.clone())),
        DivOp::RemU => (x.bvurem(y), zero.clone(), None),
    };
    let mut v = general;
    if let Some(m) = at_minus_one {
        v = y.eq(&minus_one).ite(&m, &v);
    }
    y.eq(&one).ite(&at_one, &v)
}

/// `[start, start + len)` as 64-bit bounds.
fn range64(start: &BV, len: &BV) -> (BV, BV) {
    let s = start.zero_ext(32);
    let e = s.bvadd(len.zero_ext(32));
    (s, e)
}

impl Explorer<'_> {
    fn mem_bytes_end(&self, flow: &Flow, m: MemoryRef) -> Result<BV, String> {
        let mem = flow.st.mems.get(&m).ok_or_else(|| format!("{m} is not declared"))?;
        Ok(mem.pages.zero_ext(32).bvmul(BV::from_u64(PAGE_BYTES, 64)))
    }

    /// Bounds-checks an access of `n` bytes at `addr + offset` (trapping when
    /// out of bounds) and returns the 32-bit index of its first byte.
    fn mem_index(&mut self, flow: &mut Flow, inst: Inst, ma: &MemArg, addr: &BV, n: u32) -> Result<BV, String> {
        let end_of_mem = self.mem_bytes_end(flow, ma.memory)?;
        if ma.offset > u64::from(u32::MAX) {
            self.trap_if(flow, Bool::from_bool(true), inst);
            return Ok(BV::from_u64(0, 32));
        }
        let ea = addr.zero_ext(32).bvadd(BV::from_u64(ma.offset, 64));
        let end = ea.bvadd(BV::from_u64(u64::from(n), 64));
        self.trap_if(flow, end.bvugt(&end_of_mem), inst);
        let index = ea.extract(31, 0);
        self.note_access(flow, ma.memory, &index, n);
        Ok(index)
    }

    fn load(&mut self, flow: &mut Flow, inst: Inst, imm: &Imm, addr: &BV, n: u32) -> Result<BV, String> {
        let ma = imm.memarg().ok_or("load without a memory argument")?;
        let index = self.mem_index(flow, inst, &ma, addr, n)?;
        let bytes = &flow.st.mems[&ma.memory].bytes;
        let mut parts = Vec::with_capacity(n as usize);
        for j in 0..n {
            let at = self.smt.simplify_bv(&index.bvadd(BV::from_u64(u64::from(j), 32)));
            parts.push(bytes.select(&at));
        }
        Ok(join(&parts))
    }

    fn store(&mut self, flow: &mut Flow, inst: Inst, imm: &Imm, addr: &BV, val: &BV) -> Result<(), String> {
        let ma = imm.memarg().ok_or("store without a memory argument")?;
        let n = val.get_size() / 8;
        let index = self.mem_index(flow, inst, &ma, addr, n)?;
        let mem = flow.st.mems.get_mut(&ma.memory).expect("checked by mem_index");
        for j in 0..n {
            let at = self.smt.simplify_bv(&index.bvadd(BV::from_u64(u64::from(j), 32)));
            mem.bytes = mem.bytes.store(at, val.extract(8 * j + 7, 8 * j));
        }
        Ok(())
    }

    fn table_size(&self, flow: &Flow, t: TableRef) -> Result<BV, String> {
        Ok(flow.st.tables.get(&t).ok_or_else(|| format!("{t} is not declared"))?.size.clone())
    }

    /// Traps unless `[start, start + len)` lies within `[0, limit)` (all BV32;
    /// computed in 64 bits).
    fn range_check(&mut self, flow: &mut Flow, inst: Inst, start: &BV, len: &BV, limit64: &BV) {
        let end = start.zero_ext(32).bvadd(len.zero_ext(32));
        self.trap_if(flow, end.bvugt(limit64), inst);
    }

    /// A narrow load extended to `to` bits.
    #[expect(clippy::too_many_arguments, reason = "one call per load opcode, every argument differs")]
    fn load_ext(
        &mut self,
        flow: &mut Flow,
        inst: Inst,
        imm: &Imm,
        addr: &BV,
        bytes: u32,
        to: u32,
        signed: bool,
    ) -> Result<Vec<BV>, String> {
        let v = self.load(flow, inst, imm, addr, bytes)?;
        Ok(vec![widen(&v, to, signed)])
    }

    /// `v128.loadNxM_s/u`: 8 bytes, lanes of `lw` bits widened to `2 * lw`.
    fn load_widen(
        &mut self,
        flow: &mut Flow,
        inst: Inst,
        imm: &Imm,
        addr: &BV,
        lw: u32,
        signed: bool,
    ) -> Result<Vec<BV>, String> {
        let v = self.load(flow, inst, imm, addr, 8)?;
        let parts: Vec<BV> = (0..64 / lw).map(|i| widen(&v.extract(lw * i + lw - 1, lw * i), lw * 2, signed)).collect();
        Ok(vec![join(&parts)])
    }

    /// Trapping float-to-integer truncation.
    fn trunc(
        &mut self,
        flow: &mut Flow,
        inst: Inst,
        x: &BV,
        from: FTy,
        width: u32,
        signed: bool,
    ) -> Result<Vec<BV>, String> {
        let (ok, v) = self.smt.f_trunc(from, x, width, signed);
        self.trap_if(flow, ok.not(), inst);
        Ok(vec![v])
    }

    /// The SMT semantics of one non-branch instruction: its results, with
    /// its effects applied to `flow` (traps, state, events).
    pub(crate) fn encode_op(
        &mut self,
        flow: &mut Flow,
        inst: Inst,
        opcode: Opcode,
        a: &[BV],
        imm: Imm,
    ) -> Result<Vec<BV>, String> {
        use Opcode as O;
        let smt = self.smt;
        let one = |x: BV| Ok(vec![x]);
        let arg = |i: usize| a[i].clone();
        let w0 = || a[0].get_size();
        let fcmp = |t: FTy, op: FCmp| one(flag(&smt.f_cmp(t, op, &a[0], &a[1])));
        let fun = |t: FTy, op: FUn| one(smt.f_unop(t, op, &a[0]));
        let fbin = |t: FTy, op: FBin| one(smt.f_binop(t, op, &a[0], &a[1]));
        let sat = |from: FTy, width: u32, signed: bool| one(smt.f_trunc_sat(from, &a[0], width, signed));
        let vfcmp = |t: FTy, op: FCmp| {
            let lw = t.bits();
            one(map2(&a[0], &a[1], lw, |x, y| mask(&smt.f_cmp(t, op, x, y), lw)))
        };
        let vfun = |t: FTy, op: FUn| one(map1(&a[0], t.bits(), |x| smt.f_unop(t, op, x)));
        let vfbin = |t: FTy, op: FBin| one(map2(&a[0], &a[1], t.bits(), |x, y| smt.f_binop(t, op, x, y)));
        let lane_of = |lw: u32| match imm {
            Imm::Lane(lane) => Ok(lanes(&a[0], lw)[lane as usize].clone()),
            _ => Err("bad immediate".to_string()),
        };
        let replace = |lw: u32| match imm {
            Imm::Lane(lane) => one(replace_lane(&a[0], lw, lane, &a[1].extract(lw - 1, 0))),
            _ => Err("bad immediate".to_string()),
        };
        match opcode {
            // ---- control: handled by the explorer ----
            O::Jump | O::Brif | O::BrTable | O::Return | O::Unreachable => {
                Err(format!("internal: terminator {opcode} reached the operation encoder"))
            }
            O::ReturnCall | O::ReturnCallIndirect | O::Call | O::CallIndirect => {
                let (callee, sig, args) = match imm {
                    Imm::Func(f) => {
                        let sig = self.func.dfg.decls.funcs[&f].sig.clone();
                        (BV::from_u64(u64::from(f.as_u32()) + 1, 32), sig, a.to_vec())
                    }
                    Imm::SigTable(s, t) => {
                        let sig = self.func.dfg.decls.sigs[&s].clone();
                        let (idx, rest) = a.split_last().ok_or("call_indirect without an index")?;
                        let size = self.table_size(flow, t)?;
                        self.trap_if(flow, idx.bvuge(&size), inst);
                        let r = flow.st.tables[&t].elems.select(idx);
                        self.trap_if(flow, r.eq(BV::from_u64(0, 32)), inst);
                        self.trap_if(flow, sig_check(&sig, &r).not(), inst);
                        self.trace.indirect_sigs.push(sig.clone());
                        (r, sig, rest.to_vec())
                    }
                    _ => return Err("call without a callee".into()),
                };
                let typed: Vec<(Type, BV)> = sig.params.iter().copied().zip(args).collect();
                let results = self.call(flow, inst, callee, &sig, typed)?;
                if matches!(opcode, O::ReturnCall | O::ReturnCallIndirect) {
                    let vals = sig.results.iter().copied().zip(results).collect();
                    let what = format!("returns through `{}`", weft_ir::write::inst_to_string(self.func, inst));
                    self.exit(flow, flow.reach.clone(), crate::exec::ExitKind::Return(vals), what);
                    Ok(vec![])
                } else {
                    Ok(results)
                }
            }

            // ---- parametric, variables, constants ----
            O::Select => one(nonzero(&a[2]).ite(&a[0], &a[1])),
            O::GlobalGet => match imm {
                Imm::Global(g) => one(flow.st.globals.get(&g).ok_or_else(|| format!("{g} is not declared"))?.clone()),
                _ => Err("global.get without a global".into()),
            },
            O::GlobalSet => match imm {
                Imm::Global(g) => {
                    let slot = flow.st.globals.get_mut(&g).ok_or_else(|| format!("{g} is not declared"))?;
                    *slot = arg(0);
                    Ok(vec![])
                }
                _ => Err("global.set without a global".into()),
            },
            O::I32Const => match imm {
                Imm::I32(x) => one(BV::from_i64(i64::from(x), 32)),
                _ => Err("bad immediate".into()),
            },
            O::I64Const => match imm {
                Imm::I64(x) => one(BV::from_i64(x, 64)),
                _ => Err("bad immediate".into()),
            },
            O::F32Const => match imm {
                Imm::F32(x) => one(BV::from_u64(u64::from(x.0), 32)),
                _ => Err("bad immediate".into()),
            },
            O::F64Const => match imm {
                Imm::F64(x) => one(BV::from_u64(x.0, 64)),
                _ => Err("bad immediate".into()),
            },
            O::V128Const => match imm {
                Imm::V128(x) => one(bv_u128(x.as_u128(), 128)),
                _ => Err("bad immediate".into()),
            },

            // ---- loads ----
            O::I32Load | O::I64Load | O::F32Load | O::F64Load | O::V128Load => {
                let n = opcode.mem_bytes();
                one(self.load(flow, inst, &imm, &a[0], n)?)
            }
            O::I32Load8S => self.load_ext(flow, inst, &imm, &a[0], 1, 32, true),
            O::I32Load8U => self.load_ext(flow, inst, &imm, &a[0], 1, 32, false),
            O::I32Load16S => self.load_ext(flow, inst, &imm, &a[0], 2, 32, true),
            O::I32Load16U => self.load_ext(flow, inst, &imm, &a[0], 2, 32, false),
            O::I64Load8S => self.load_ext(flow, inst, &imm, &a[0], 1, 64, true),
            O::I64Load8U => self.load_ext(flow, inst, &imm, &a[0], 1, 64, false),
            O::I64Load16S => self.load_ext(flow, inst, &imm, &a[0], 2, 64, true),
            O::I64Load16U => self.load_ext(flow, inst, &imm, &a[0], 2, 64, false),
            O::I64Load32S => self.load_ext(flow, inst, &imm, &a[0], 4, 64, true),
            O::I64Load32U => self.load_ext(flow, inst, &imm, &a[0], 4, 64, false),
            O::V128Load8x8S => self.load_widen(flow, inst, &imm, &a[0], 8, true),
            O::V128Load8x8U => self.load_widen(flow, inst, &imm, &a[0], 8, false),
            O::V128Load16x4S => self.load_widen(flow, inst, &imm, &a[0], 16, true),
            O::V128Load16x4U => self.load_widen(flow, inst, &imm, &a[0], 16, false),
            O::V128Load32x2S => self.load_widen(flow, inst, &imm, &a[0], 32, true),
            O::V128Load32x2U => self.load_widen(flow, inst, &imm, &a[0], 32, false),
            O::V128Load8Splat | O::V128Load16Splat | O::V128Load32Splat | O::V128Load64Splat => {
                let n = opcode.mem_bytes();
                let v = self.load(flow, inst, &imm, &a[0], n)?;
                one(splat(&v, 8 * n))
            }
            O::V128Load32Zero | O::V128Load64Zero => {
                let n = opcode.mem_bytes();
                let v = self.load(flow, inst, &imm, &a[0], n)?;
                one(v.zero_ext(128 - 8 * n))
            }
            O::V128Load8Lane | O::V128Load16Lane | O::V128Load32Lane | O::V128Load64Lane => {
                let Imm::MemLane(_, lane) = imm else { return Err("bad immediate".into()) };
                let n = opcode.mem_bytes();
                let v = self.load(flow, inst, &imm, &a[0], n)?;
                one(replace_lane(&a[1], 8 * n, lane, &v))
            }

            // ---- stores ----
            O::I32Store | O::I64Store | O::F32Store | O::F64Store | O::V128Store => {
                self.store(flow, inst, &imm, &a[0], &a[1])?;
                Ok(vec![])
            }
            O::I32Store8 | O::I32Store16 | O::I64Store8 | O::I64Store16 | O::I64Store32 => {
                let n = opcode.mem_bytes();
                self.store(flow, inst, &imm, &a[0], &a[1].extract(8 * n - 1, 0))?;
                Ok(vec![])
            }
            O::V128Store8Lane | O::V128Store16Lane | O::V128Store32Lane | O::V128Store64Lane => {
                let Imm::MemLane(_, lane) = imm else { return Err("bad immediate".into()) };
                let lw = 8 * opcode.mem_bytes();
                let l = lanes(&a[1], lw)[lane as usize].clone();
                self.store(flow, inst, &imm, &a[0], &l)?;
                Ok(vec![])
            }

            // ---- memory size and bulk operations ----
            O::MemorySize => match imm {
                Imm::Memory(m) => one(flow.st.mems.get(&m).ok_or("undeclared memory")?.pages.clone()),
                _ => Err("bad immediate".into()),
            },
            O::MemoryGrow => {
                let Imm::Memory(m) = imm else { return Err("bad immediate".into()) };
                let max = self.u.max_pages(m);
                let old = flow.st.mems.get(&m).ok_or("undeclared memory")?.pages.clone();
                let new64 = old.zero_ext(32).bvadd(a[0].zero_ext(32));
                let fits = new64.bvule(BV::from_u64(max, 64));
                let choice = self.grow_choice(flow, inst);
                let ok = Bool::and(&[fits, choice]);
                let mem = flow.st.mems.get_mut(&m).expect("declared");
                let new = new64.extract(31, 0);
                let old_end = old.zero_ext(32).bvmul(BV::from_u64(PAGE_BYTES, 64));
                let new_end = new64.bvmul(BV::from_u64(PAGE_BYTES, 64));
                mem.bytes = mem.bytes.range(ok.clone(), old_end, new_end, Fill::Const(BV::from_u64(0, 8)));
                mem.pages = ok.ite(&new, &old);
                one(ok.ite(&old, &BV::from_i64(-1, 32)))
            }
            O::MemoryFill => {
                let Imm::Memory(m) = imm else { return Err("bad immediate".into()) };
                let end = self.mem_bytes_end(flow, m)?;
                self.range_check(flow, inst, &a[0], &a[2], &end);
                if let Some(n) = small_len(&a[2]) {
                    let byte = a[1].extract(7, 0);
                    let mem = flow.st.mems.get_mut(&m).expect("checked");
                    for j in 0..n {
                        let at = self.smt.simplify_bv(&a[0].bvadd(BV::from_u64(u64::from(j), 32)));
                        mem.bytes = mem.bytes.store(at, byte.clone());
                    }
                    return Ok(vec![]);
                }
                let (start, end) = range64(&a[0], &a[2]);
                let mem = flow.st.mems.get_mut(&m).expect("checked");
                mem.bytes = mem.bytes.range(Bool::from_bool(true), start, end, Fill::Const(a[1].extract(7, 0)));
                Ok(vec![])
            }
            O::MemoryCopy => {
                let Imm::MemMem(dm, sm) = imm else { return Err("bad immediate".into()) };
                let dend = self.mem_bytes_end(flow, dm)?;
                let send = self.mem_bytes_end(flow, sm)?;
                self.range_check(flow, inst, &a[0], &a[2], &dend);
                self.range_check(flow, inst, &a[1], &a[2], &send);
                if let Some(n) = small_len(&a[2]) {
                    // Every byte is read before any is written (overlapping
                    // ranges of one memory copy as memmove does).
                    let src = flow.st.mems[&sm].bytes.clone();
                    let bytes: Vec<BV> = (0..n)
                        .map(|j| src.select(&self.smt.simplify_bv(&a[1].bvadd(BV::from_u64(u64::from(j), 32)))))
                        .collect();
                    let mem = flow.st.mems.get_mut(&dm).expect("checked");
                    for (j, b) in bytes.into_iter().enumerate() {
                        let at = self.smt.simplify_bv(&a[0].bvadd(BV::from_u64(j as u64, 32)));
                        mem.bytes = mem.bytes.store(at, b);
                    }
                    return Ok(vec![]);
                }
                let (start, end) = range64(&a[0], &a[2]);
                let src = flow.st.mems[&sm].bytes.clone();
                let fill = Fill::Copy { src, dst: arg(0), src_start: arg(1) };
                let mem = flow.st.mems.get_mut(&dm).expect("checked");
                mem.bytes = mem.bytes.range(Bool::from_bool(true), start, end, fill);
                Ok(vec![])
            }
            O::MemoryInit => {
                let Imm::DataMem(data, m) = imm else { return Err("bad immediate".into()) };
                let (len, seg) = data_segment(data);
                let dropped = flow.st.data_dropped.get(&data).ok_or("unknown data segment")?.clone();
                let eff_len = dropped.ite(&BV::from_u64(0, 32), &len).zero_ext(32);
                let end = self.mem_bytes_end(flow, m)?;
                self.range_check(flow, inst, &a[1], &a[2], &eff_len);
                self.range_check(flow, inst, &a[0], &a[2], &end);
                let (start, end) = range64(&a[0], &a[2]);
                let fill = Fill::Copy { src: ArrTerm::base(seg), dst: arg(0), src_start: arg(1) };
                let mem = flow.st.mems.get_mut(&m).expect("checked");
                mem.bytes = mem.bytes.range(Bool::from_bool(true), start, end, fill);
                Ok(vec![])
            }
            O::DataDrop => {
                let Imm::Data(data) = imm else { return Err("bad immediate".into()) };
                *flow.st.data_dropped.get_mut(&data).ok_or("unknown data segment")? = Bool::from_bool(true);
                Ok(vec![])
            }

            // ---- tables ----
            O::TableGet => {
                let Imm::Table(t) = imm else { return Err("bad immediate".into()) };
                let size = self.table_size(flow, t)?;
                self.trap_if(flow, a[0].bvuge(&size), inst);
                one(flow.st.tables[&t].elems.select(&a[0]))
            }
            O::TableSet => {
                let Imm::Table(t) = imm else { return Err("bad immediate".into()) };
                let size = self.table_size(flow, t)?;
                self.trap_if(flow, a[0].bvuge(&size), inst);
                let tab = flow.st.tables.get_mut(&t).expect("checked");
                tab.elems = tab.elems.store(arg(0), arg(1));
                Ok(vec![])
            }
            O::TableSize => {
                let Imm::Table(t) = imm else { return Err("bad immediate".into()) };
                one(self.table_size(flow, t)?)
            }
            O::TableGrow => {
                let Imm::Table(t) = imm else { return Err("bad immediate".into()) };
                let max = self.u.table_max(t);
                let old = flow.st.tables.get(&t).ok_or("undeclared table")?.size.clone();
                let new64 = old.zero_ext(32).bvadd(a[1].zero_ext(32));
                let fits = new64.bvule(BV::from_u64(max, 64));
                let choice = self.grow_choice(flow, inst);
                let ok = Bool::and(&[fits, choice]);
                let tab = flow.st.tables.get_mut(&t).expect("declared");
                tab.elems = tab.elems.range(ok.clone(), old.zero_ext(32), new64.clone(), Fill::Const(arg(0)));
                tab.size = ok.ite(&new64.extract(31, 0), &old);
                one(ok.ite(&old, &BV::from_i64(-1, 32)))
            }
            O::TableFill => {
                let Imm::Table(t) = imm else { return Err("bad immediate".into()) };
                let size = self.table_size(flow, t)?.zero_ext(32);
                self.range_check(flow, inst, &a[0], &a[2], &size);
                let (start, end) = range64(&a[0], &a[2]);
                let tab = flow.st.tables.get_mut(&t).expect("checked");
                tab.elems = tab.elems.range(Bool::from_bool(true), start, end, Fill::Const(arg(1)));
                Ok(vec![])
            }
            O::TableCopy => {
                let Imm::TableTable(dt, stb) = imm else { return Err("bad immediate".into()) };
                let dsize = self.table_size(flow, dt)?.zero_ext(32);
                let ssize = self.table_size(flow, stb)?.zero_ext(32);
                self.range_check(flow, inst, &a[0], &a[2], &dsize);
                self.range_check(flow, inst, &a[1], &a[2], &ssize);
                let (start, end) = range64(&a[0], &a[2]);
                let src = flow.st.tables[&stb].elems.clone();
                let fill = Fill::Copy { src, dst: arg(0), src_start: arg(1) };
                let tab = flow.st.tables.get_mut(&dt).expect("checked");
                tab.elems = tab.elems.range(Bool::from_bool(true), start, end, fill);
                Ok(vec![])
            }
            O::TableInit => {
                let Imm::ElemTable(elem, t) = imm else { return Err("bad immediate".into()) };
                let (len, seg) = elem_segment(elem);
                let dropped = flow.st.elem_dropped.get(&elem).ok_or("unknown element segment")?.clone();
                let eff_len = dropped.ite(&BV::from_u64(0, 32), &len).zero_ext(32);
                let size = self.table_size(flow, t)?.zero_ext(32);
                self.range_check(flow, inst, &a[1], &a[2], &eff_len);
                self.range_check(flow, inst, &a[0], &a[2], &size);
                let (start, end) = range64(&a[0], &a[2]);
                let fill = Fill::Copy { src: ArrTerm::base(seg), dst: arg(0), src_start: arg(1) };
                let tab = flow.st.tables.get_mut(&t).expect("checked");
                tab.elems = tab.elems.range(Bool::from_bool(true), start, end, fill);
                Ok(vec![])
            }
            O::ElemDrop => {
                let Imm::Elem(elem) = imm else { return Err("bad immediate".into()) };
                *flow.st.elem_dropped.get_mut(&elem).ok_or("unknown element segment")? = Bool::from_bool(true);
                Ok(vec![])
            }

            // ---- references ----
            O::RefNull => one(BV::from_u64(0, 32)),
            O::RefIsNull => one(flag(&a[0].eq(BV::from_u64(0, 32)))),
            O::RefFunc => match imm {
                Imm::Func(f) => one(BV::from_u64(u64::from(f.as_u32()) + 1, 32)),
                _ => Err("bad immediate".into()),
            },

            // ---- integer comparisons ----
            O::I32Eqz | O::I64Eqz => one(flag(&a[0].eq(BV::from_u64(0, w0())))),
            O::I32Eq | O::I64Eq => one(flag(&icmp(ICmp::Eq, &a[0], &a[1]))),
            O::I32Ne | O::I64Ne => one(flag(&icmp(ICmp::Ne, &a[0], &a[1]))),
            O::I32LtS | O::I64LtS => one(flag(&icmp(ICmp::LtS, &a[0], &a[1]))),
            O::I32LtU | O::I64LtU => one(flag(&icmp(ICmp::LtU, &a[0], &a[1]))),
            O::I32GtS | O::I64GtS => one(flag(&icmp(ICmp::GtS, &a[0], &a[1]))),
            O::I32GtU | O::I64GtU => one(flag(&icmp(ICmp::GtU, &a[0], &a[1]))),
            O::I32LeS | O::I64LeS => one(flag(&icmp(ICmp::LeS, &a[0], &a[1]))),
            O::I32LeU | O::I64LeU => one(flag(&icmp(ICmp::LeU, &a[0], &a[1]))),
            O::I32GeS | O::I64GeS => one(flag(&icmp(ICmp::GeS, &a[0], &a[1]))),
            O::I32GeU | O::I64GeU => one(flag(&icmp(ICmp::GeU, &a[0], &a[1]))),

            // ---- float comparisons ----
            O::F32Eq => fcmp(FTy::F32, FCmp::Eq),
            O::F32Ne => fcmp(FTy::F32, FCmp::Ne),
            O::F32Lt => fcmp(FTy::F32, FCmp::Lt),
            O::F32Gt => fcmp(FTy::F32, FCmp::Gt),
            O::F32Le => fcmp(FTy::F32, FCmp::Le),
            O::F32Ge => fcmp(FTy::F32, FCmp::Ge),
            O::F64Eq => fcmp(FTy::F64, FCmp::Eq),
            O::F64Ne => fcmp(FTy::F64, FCmp::Ne),
            O::F64Lt => fcmp(FTy::F64, FCmp::Lt),
            O::F64Gt => fcmp(FTy::F64, FCmp::Gt),
            O::F64Le => fcmp(FTy::F64, FCmp::Le),
            O::F64Ge => fcmp(FTy::F64, FCmp::Ge),

            // ---- integer arithmetic ----
            O::I32Clz | O::I64Clz => one(clz(&a[0])),
            O::I32Ctz | O::I64Ctz => one(ctz(&a[0])),
            O::I32Popcnt | O::I64Popcnt => one(popcnt(&a[0])),
            O::I32Add | O::I64Add => one(a[0].bvadd(&a[1])),
            O::I32Sub | O::I64Sub => one(a[0].bvsub(&a[1])),
            O::I32Mul | O::I64Mul => one(a[0].bvmul(&a[1])),
            O::I32DivS | O::I64DivS => {
                let w = w0();
                let zero = BV::from_u64(0, w);
                self.trap_if(flow, a[1].eq(&zero), inst);
                let min = BV::from_u64(1, w).bvshl(BV::from_u64(u64::from(w - 1), w));
                self.trap_if(flow, Bool::and(&[a[0].eq(&min), a[1].eq(BV::from_i64(-1, w))]), inst);
                one(div_edges(&a[0], &a[1], DivOp::S))
            }
            O::I32DivU | O::I64DivU => {
                self.trap_if(flow, a[1].eq(BV::from_u64(0, w0())), inst);
                one(div_edges(&a[0], &a[1], DivOp::U))
            }
            O::I32RemS | O::I64RemS => {
                self.trap_if(flow, a[1].eq(BV::from_u64(0, w0())), inst);
                one(div_edges(&a[0], &a[1], DivOp::RemS))
            }
            O::I32RemU | O::I64RemU => {
                self.trap_if(flow, a[1].eq(BV::from_u64(0, w0())), inst);
                one(div_edges(&a[0], &a[1], DivOp::RemU))
            }
            O::I32And | O::I64And => one(a[0].bvand(&a[1])),
            O::I32Or | O::I64Or => one(a[0].bvor(&a[1])),
            O::I32Xor | O::I64Xor => one(a[0].bvxor(&a[1])),
            O::I32Shl | O::I64Shl => one(a[0].bvshl(shift_amount(&a[1], w0()))),
            O::I32ShrS | O::I64ShrS => one(a[0].bvashr(shift_amount(&a[1], w0()))),
            O::I32ShrU | O::I64ShrU => one(a[0].bvlshr(shift_amount(&a[1], w0()))),
            O::I32Rotl | O::I64Rotl => one(a[0].bvrotl(shift_amount(&a[1], w0()))),
            O::I32Rotr | O::I64Rotr => one(a[0].bvrotr(shift_amount(&a[1], w0()))),

            // ---- float arithmetic ----
            O::F32Abs => fun(FTy::F32, FUn::Abs),
            O::F32Neg => fun(FTy::F32, FUn::Neg),
            O::F32Ceil => fun(FTy::F32, FUn::Round(Round::Up)),
            O::F32Floor => fun(FTy::F32, FUn::Round(Round::Down)),
            O::F32Trunc => fun(FTy::F32, FUn::Round(Round::TowardZero)),
            O::F32Nearest => fun(FTy::F32, FUn::Round(Round::NearestEven)),
            O::F32Sqrt => fun(FTy::F32, FUn::Sqrt),
            O::F64Abs => fun(FTy::F64, FUn::Abs),
            O::F64Neg => fun(FTy::F64, FUn::Neg),
            O::F64Ceil => fun(FTy::F64, FUn::Round(Round::Up)),
            O::F64Floor => fun(FTy::F64, FUn::Round(Round::Down)),
            O::F64Trunc => fun(FTy::F64, FUn::Round(Round::TowardZero)),
            O::F64Nearest => fun(FTy::F64, FUn::Round(Round::NearestEven)),
            O::F64Sqrt => fun(FTy::F64, FUn::Sqrt),
            O::F32Add => fbin(FTy::F32, FBin::Add),
            O::F32Sub => fbin(FTy::F32, FBin::Sub),
            O::F32Mul => fbin(FTy::F32, FBin::Mul),
            O::F32Div => fbin(FTy::F32, FBin::Div),
            O::F32Min => fbin(FTy::F32, FBin::Min),
            O::F32Max => fbin(FTy::F32, FBin::Max),
            O::F32Copysign => fbin(FTy::F32, FBin::Copysign),
            O::F64Add => fbin(FTy::F64, FBin::Add),
            O::F64Sub => fbin(FTy::F64, FBin::Sub),
            O::F64Mul => fbin(FTy::F64, FBin::Mul),
            O::F64Div => fbin(FTy::F64, FBin::Div),
            O::F64Min => fbin(FTy::F64, FBin::Min),
            O::F64Max => fbin(FTy::F64, FBin::Max),
            O::F64Copysign => fbin(FTy::F64, FBin::Copysign),

            // ---- conversions ----
            O::I32WrapI64 => one(a[0].extract(31, 0)),
            O::I64ExtendI32S => one(a[0].sign_ext(32)),
            O::I64ExtendI32U => one(a[0].zero_ext(32)),
            O::I32TruncF32S => self.trunc(flow, inst, &a[0], FTy::F32, 32, true),
            O::I32TruncF32U => self.trunc(flow, inst, &a[0], FTy::F32, 32, false),
            O::I32TruncF64S => self.trunc(flow, inst, &a[0], FTy::F64, 32, true),
            O::I32TruncF64U => self.trunc(flow, inst, &a[0], FTy::F64, 32, false),
            O::I64TruncF32S => self.trunc(flow, inst, &a[0], FTy::F32, 64, true),
            O::I64TruncF32U => self.trunc(flow, inst, &a[0], FTy::F32, 64, false),
            O::I64TruncF64S => self.trunc(flow, inst, &a[0], FTy::F64, 64, true),
            O::I64TruncF64U => self.trunc(flow, inst, &a[0], FTy::F64, 64, false),
            O::I32TruncSatF32S => sat(FTy::F32, 32, true),
            O::I32TruncSatF32U => sat(FTy::F32, 32, false),
            O::I32TruncSatF64S => sat(FTy::F64, 32, true),
            O::I32TruncSatF64U => sat(FTy::F64, 32, false),
            O::I64TruncSatF32S => sat(FTy::F32, 64, true),
            O::I64TruncSatF32U => sat(FTy::F32, 64, false),
            O::I64TruncSatF64S => sat(FTy::F64, 64, true),
            O::I64TruncSatF64U => sat(FTy::F64, 64, false),
            O::F32ConvertI32S | O::F32ConvertI64S => one(smt.f_from_int(FTy::F32, &a[0], true)),
            O::F32ConvertI32U | O::F32ConvertI64U => one(smt.f_from_int(FTy::F32, &a[0], false)),
            O::F64ConvertI32S | O::F64ConvertI64S => one(smt.f_from_int(FTy::F64, &a[0], true)),
            O::F64ConvertI32U | O::F64ConvertI64U => one(smt.f_from_int(FTy::F64, &a[0], false)),
            O::F32DemoteF64 => one(smt.f_convert(FTy::F64, FTy::F32, &a[0])),
            O::F64PromoteF32 => one(smt.f_convert(FTy::F32, FTy::F64, &a[0])),
            O::I32ReinterpretF32 | O::I64ReinterpretF64 | O::F32ReinterpretI32 | O::F64ReinterpretI64 => one(arg(0)),
            O::I32Extend8S | O::I64Extend8S => {
                let w = w0();
                one(a[0].extract(7, 0).sign_ext(w - 8))
            }
            O::I32Extend16S | O::I64Extend16S => {
                let w = w0();
                one(a[0].extract(15, 0).sign_ext(w - 16))
            }
            O::I64Extend32S => one(a[0].extract(31, 0).sign_ext(32)),

            // ---- SIMD: shuffles, splats, lanes ----
            O::I8x16Shuffle => {
                let Imm::Shuffle(idx) = imm else { return Err("bad immediate".into()) };
                let mut bytes = lanes(&a[0], 8);
                bytes.extend(lanes(&a[1], 8));
                one(join(&idx.iter().map(|i| bytes[*i as usize].clone()).collect::<Vec<_>>()))
            }
            O::I8x16Swizzle => {
                let src = arg(0);
                one(map1(&a[1], 8, |s| {
                    let shifted = src.bvlshr(s.zero_ext(120).bvshl(BV::from_u64(3, 128)));
                    s.bvult(BV::from_u64(16, 8)).ite(&shifted.extract(7, 0), &BV::from_u64(0, 8))
                }))
            }
            O::I8x16Splat => one(splat(&a[0], 8)),
            O::I16x8Splat => one(splat(&a[0], 16)),
            O::I32x4Splat | O::F32x4Splat => one(splat(&a[0], 32)),
            O::I64x2Splat | O::F64x2Splat => one(splat(&a[0], 64)),
            O::I8x16ExtractLaneS => one(lane_of(8)?.sign_ext(24)),
            O::I8x16ExtractLaneU => one(lane_of(8)?.zero_ext(24)),
            O::I16x8ExtractLaneS => one(lane_of(16)?.sign_ext(16)),
            O::I16x8ExtractLaneU => one(lane_of(16)?.zero_ext(16)),
            O::I32x4ExtractLane | O::F32x4ExtractLane => one(lane_of(32)?),
            O::I64x2ExtractLane | O::F64x2ExtractLane => one(lane_of(64)?),
            O::I8x16ReplaceLane => replace(8),
            O::I16x8ReplaceLane => replace(16),
            O::I32x4ReplaceLane | O::F32x4ReplaceLane => replace(32),
            O::I64x2ReplaceLane | O::F64x2ReplaceLane => replace(64),

            // ---- SIMD: integer comparisons ----
            O::I8x16Eq => one(vcmp(&a[0], &a[1], 8, ICmp::Eq)),
            O::I8x16Ne => one(vcmp(&a[0], &a[1], 8, ICmp::Ne)),
            O::I8x16LtS => one(vcmp(&a[0], &a[1], 8, ICmp::LtS)),
            O::I8x16LtU => one(vcmp(&a[0], &a[1], 8, ICmp::LtU)),
            O::I8x16GtS => one(vcmp(&a[0], &a[1], 8, ICmp::GtS)),
            O::I8x16GtU => one(vcmp(&a[0], &a[1], 8, ICmp::GtU)),
            O::I8x16LeS => one(vcmp(&a[0], &a[1], 8, ICmp::LeS)),
            O::I8x16LeU => one(vcmp(&a[0], &a[1], 8, ICmp::LeU)),
            O::I8x16GeS => one(vcmp(&a[0], &a[1], 8, ICmp::GeS)),
            O::I8x16GeU => one(vcmp(&a[0], &a[1], 8, ICmp::GeU)),
            O::I16x8Eq => one(vcmp(&a[0], &a[1], 16, ICmp::Eq)),
            O::I16x8Ne => one(vcmp(&a[0], &a[1], 16, ICmp::Ne)),
            O::I16x8LtS => one(vcmp(&a[0], &a[1], 16, ICmp::LtS)),
            O::I16x8LtU => one(vcmp(&a[0], &a[1], 16, ICmp::LtU)),
            O::I16x8GtS => one(vcmp(&a[0], &a[1], 16, ICmp::GtS)),
            O::I16x8GtU => one(vcmp(&a[0], &a[1], 16, ICmp::GtU)),
            O::I16x8LeS => one(vcmp(&a[0], &a[1], 16, ICmp::LeS)),
            O::I16x8LeU => one(vcmp(&a[0], &a[1], 16, ICmp::LeU)),
            O::I16x8GeS => one(vcmp(&a[0], &a[1], 16, ICmp::GeS)),
            O::I16x8GeU => one(vcmp(&a[0], &a[1], 16, ICmp::GeU)),
            O::I32x4Eq => one(vcmp(&a[0], &a[1], 32, ICmp::Eq)),
            O::I32x4Ne => one(vcmp(&a[0], &a[1], 32, ICmp::Ne)),
            O::I32x4LtS => one(vcmp(&a[0], &a[1], 32, ICmp::LtS)),
            O::I32x4LtU => one(vcmp(&a[0], &a[1], 32, ICmp::LtU)),
            O::I32x4GtS => one(vcmp(&a[0], &a[1], 32, ICmp::GtS)),
            O::I32x4GtU => one(vcmp(&a[0], &a[1], 32, ICmp::GtU)),
            O::I32x4LeS => one(vcmp(&a[0], &a[1], 32, ICmp::LeS)),
            O::I32x4LeU => one(vcmp(&a[0], &a[1], 32, ICmp::LeU)),
            O::I32x4GeS => one(vcmp(&a[0], &a[1], 32, ICmp::GeS)),
            O::I32x4GeU => one(vcmp(&a[0], &a[1], 32, ICmp::GeU)),
            O::I64x2Eq => one(vcmp(&a[0], &a[1], 64, ICmp::Eq)),
            O::I64x2Ne => one(vcmp(&a[0], &a[1], 64, ICmp::Ne)),
            O::I64x2LtS => one(vcmp(&a[0], &a[1], 64, ICmp::LtS)),
            O::I64x2GtS => one(vcmp(&a[0], &a[1], 64, ICmp::GtS)),
            O::I64x2LeS => one(vcmp(&a[0], &a[1], 64, ICmp::LeS)),
            O::I64x2GeS => one(vcmp(&a[0], &a[1], 64, ICmp::GeS)),

            // ---- SIMD: float comparisons ----
            O::F32x4Eq => vfcmp(FTy::F32, FCmp::Eq),
            O::F32x4Ne => vfcmp(FTy::F32, FCmp::Ne),
            O::F32x4Lt => vfcmp(FTy::F32, FCmp::Lt),
            O::F32x4Gt => vfcmp(FTy::F32, FCmp::Gt),
            O::F32x4Le => vfcmp(FTy::F32, FCmp::Le),
            O::F32x4Ge => vfcmp(FTy::F32, FCmp::Ge),
            O::F64x2Eq => vfcmp(FTy::F64, FCmp::Eq),
            O::F64x2Ne => vfcmp(FTy::F64, FCmp::Ne),
            O::F64x2Lt => vfcmp(FTy::F64, FCmp::Lt),
            O::F64x2Gt => vfcmp(FTy::F64, FCmp::Gt),
            O::F64x2Le => vfcmp(FTy::F64, FCmp::Le),
            O::F64x2Ge => vfcmp(FTy::F64, FCmp::Ge),

            // ---- SIMD: bitwise ----
            O::V128Not => one(a[0].bvnot()),
            O::V128And => one(a[0].bvand(&a[1])),
            O::V128AndNot => one(a[0].bvand(a[1].bvnot())),
            O::V128Or => one(a[0].bvor(&a[1])),
            O::V128Xor => one(a[0].bvxor(&a[1])),
            O::V128Bitselect => one(a[0].bvand(&a[2]).bvor(a[1].bvand(a[2].bvnot()))),
            O::V128AnyTrue => one(flag(&nonzero(&a[0]))),

            // ---- SIMD: integer lane arithmetic ----
            O::I8x16Abs | O::I16x8Abs | O::I32x4Abs | O::I64x2Abs => {
                let lw = simd_lane_bits(opcode)?;
                one(map1(&a[0], lw, |x| x.bvslt(BV::from_u64(0, lw)).ite(&x.bvneg(), x)))
            }
            O::I8x16Neg | O::I16x8Neg | O::I32x4Neg | O::I64x2Neg => {
                let lw = simd_lane_bits(opcode)?;
                one(map1(&a[0], lw, |x| x.bvneg()))
            }
            O::I8x16Popcnt => one(map1(&a[0], 8, popcnt)),
            O::I8x16AllTrue | O::I16x8AllTrue | O::I32x4AllTrue | O::I64x2AllTrue => {
                one(all_true(&a[0], simd_lane_bits(opcode)?))
            }
            O::I8x16Bitmask | O::I16x8Bitmask | O::I32x4Bitmask | O::I64x2Bitmask => {
                one(bitmask(&a[0], simd_lane_bits(opcode)?))
            }
            O::I8x16NarrowI16x8S => one(narrow(&a[0], &a[1], 16, true)),
            O::I8x16NarrowI16x8U => one(narrow(&a[0], &a[1], 16, false)),
            O::I16x8NarrowI32x4S => one(narrow(&a[0], &a[1], 32, true)),
            O::I16x8NarrowI32x4U => one(narrow(&a[0], &a[1], 32, false)),
            O::I8x16Shl | O::I16x8Shl | O::I32x4Shl | O::I64x2Shl => {
                one(lane_shift(&a[0], &a[1], simd_lane_bits(opcode)?, |x, s| x.bvshl(s)))
            }
            O::I8x16ShrS | O::I16x8ShrS | O::I32x4ShrS | O::I64x2ShrS => {
                one(lane_shift(&a[0], &a[1], simd_lane_bits(opcode)?, |x, s| x.bvashr(s)))
            }
            O::I8x16ShrU | O::I16x8ShrU | O::I32x4ShrU | O::I64x2ShrU => {
                one(lane_shift(&a[0], &a[1], simd_lane_bits(opcode)?, |x, s| x.bvlshr(s)))
            }
            O::I8x16Add | O::I16x8Add | O::I32x4Add | O::I64x2Add => lanes2(a, opcode, LaneOp::Add),
            O::I8x16Sub | O::I16x8Sub | O::I32x4Sub | O::I64x2Sub => lanes2(a, opcode, LaneOp::Sub),
            O::I16x8Mul | O::I32x4Mul | O::I64x2Mul => lanes2(a, opcode, LaneOp::Mul),
            O::I8x16AddSatS | O::I16x8AddSatS => lanes2(a, opcode, LaneOp::AddSatS),
            O::I8x16AddSatU | O::I16x8AddSatU => lanes2(a, opcode, LaneOp::AddSatU),
            O::I8x16SubSatS | O::I16x8SubSatS => lanes2(a, opcode, LaneOp::SubSatS),
            O::I8x16SubSatU | O::I16x8SubSatU => lanes2(a, opcode, LaneOp::SubSatU),
            O::I8x16MinS | O::I16x8MinS | O::I32x4MinS => lanes2(a, opcode, LaneOp::MinS),
            O::I8x16MinU | O::I16x8MinU | O::I32x4MinU => lanes2(a, opcode, LaneOp::MinU),
            O::I8x16MaxS | O::I16x8MaxS | O::I32x4MaxS => lanes2(a, opcode, LaneOp::MaxS),
            O::I8x16MaxU | O::I16x8MaxU | O::I32x4MaxU => lanes2(a, opcode, LaneOp::MaxU),
            O::I8x16AvgrU | O::I16x8AvgrU => lanes2(a, opcode, LaneOp::AvgrU),
            O::I16x8Q15MulrSatS => lanes2(a, opcode, LaneOp::Q15MulrSatS),
            O::I16x8ExtAddPairwiseI8x16S => one(extadd_pairwise(&a[0], 8, true)),
            O::I16x8ExtAddPairwiseI8x16U => one(extadd_pairwise(&a[0], 8, false)),
            O::I32x4ExtAddPairwiseI16x8S => one(extadd_pairwise(&a[0], 16, true)),
            O::I32x4ExtAddPairwiseI16x8U => one(extadd_pairwise(&a[0], 16, false)),
            O::I16x8ExtendLowI8x16S => one(extend(&a[0], 8, false, true)),
            O::I16x8ExtendHighI8x16S => one(extend(&a[0], 8, true, true)),
            O::I16x8ExtendLowI8x16U => one(extend(&a[0], 8, false, false)),
            O::I16x8ExtendHighI8x16U => one(extend(&a[0], 8, true, false)),
            O::I32x4ExtendLowI16x8S => one(extend(&a[0], 16, false, true)),
            O::I32x4ExtendHighI16x8S => one(extend(&a[0], 16, true, true)),
            O::I32x4ExtendLowI16x8U => one(extend(&a[0], 16, false, false)),
            O::I32x4ExtendHighI16x8U => one(extend(&a[0], 16, true, false)),
            O::I64x2ExtendLowI32x4S => one(extend(&a[0], 32, false, true)),
            O::I64x2ExtendHighI32x4S => one(extend(&a[0], 32, true, true)),
            O::I64x2ExtendLowI32x4U => one(extend(&a[0], 32, false, false)),
            O::I64x2ExtendHighI32x4U => one(extend(&a[0], 32, true, false)),
            O::I16x8ExtMulLowI8x16S => one(extmul(&a[0], &a[1], 8, false, true)),
            O::I16x8ExtMulHighI8x16S => one(extmul(&a[0], &a[1], 8, true, true)),
            O::I16x8ExtMulLowI8x16U => one(extmul(&a[0], &a[1], 8, false, false)),
            O::I16x8ExtMulHighI8x16U => one(extmul(&a[0], &a[1], 8, true, false)),
            O::I32x4ExtMulLowI16x8S => one(extmul(&a[0], &a[1], 16, false, true)),
            O::I32x4ExtMulHighI16x8S => one(extmul(&a[0], &a[1], 16, true, true)),
            O::I32x4ExtMulLowI16x8U => one(extmul(&a[0], &a[1], 16, false, false)),
            O::I32x4ExtMulHighI16x8U => one(extmul(&a[0], &a[1], 16, true, false)),
            O::I64x2ExtMulLowI32x4S => one(extmul(&a[0], &a[1], 32, false, true)),
            O::I64x2ExtMulHighI32x4S => one(extmul(&a[0], &a[1], 32, true, true)),
            O::I64x2ExtMulLowI32x4U => one(extmul(&a[0], &a[1], 32, false, false)),
            O::I64x2ExtMulHighI32x4U => one(extmul(&a[0], &a[1], 32, true, false)),
            O::I32x4DotI16x8S => {
                let (la, lb) = (lanes(&a[0], 16), lanes(&a[1], 16));
                let prod = |i: usize| la[i].sign_ext(16).bvmul(lb[i].sign_ext(16));
                one(join(&(0..4).map(|i| prod(2 * i).bvadd(prod(2 * i + 1))).collect::<Vec<_>>()))
            }

            // ---- SIMD: float lane arithmetic ----
            O::F32x4Ceil => vfun(FTy::F32, FUn::Round(Round::Up)),
            O::F32x4Floor => vfun(FTy::F32, FUn::Round(Round::Down)),
            O::F32x4Trunc => vfun(FTy::F32, FUn::Round(Round::TowardZero)),
            O::F32x4Nearest => vfun(FTy::F32, FUn::Round(Round::NearestEven)),
            O::F32x4Abs => vfun(FTy::F32, FUn::Abs),
            O::F32x4Neg => vfun(FTy::F32, FUn::Neg),
            O::F32x4Sqrt => vfun(FTy::F32, FUn::Sqrt),
            O::F64x2Ceil => vfun(FTy::F64, FUn::Round(Round::Up)),
            O::F64x2Floor => vfun(FTy::F64, FUn::Round(Round::Down)),
            O::F64x2Trunc => vfun(FTy::F64, FUn::Round(Round::TowardZero)),
            O::F64x2Nearest => vfun(FTy::F64, FUn::Round(Round::NearestEven)),
            O::F64x2Abs => vfun(FTy::F64, FUn::Abs),
            O::F64x2Neg => vfun(FTy::F64, FUn::Neg),
            O::F64x2Sqrt => vfun(FTy::F64, FUn::Sqrt),
            O::F32x4Add => vfbin(FTy::F32, FBin::Add),
            O::F32x4Sub => vfbin(FTy::F32, FBin::Sub),
            O::F32x4Mul => vfbin(FTy::F32, FBin::Mul),
            O::F32x4Div => vfbin(FTy::F32, FBin::Div),
            O::F32x4Min => vfbin(FTy::F32, FBin::Min),
            O::F32x4Max => vfbin(FTy::F32, FBin::Max),
            O::F32x4PMin => vfbin(FTy::F32, FBin::PMin),
            O::F32x4PMax => vfbin(FTy::F32, FBin::PMax),
            O::F64x2Add => vfbin(FTy::F64, FBin::Add),
            O::F64x2Sub => vfbin(FTy::F64, FBin::Sub),
            O::F64x2Mul => vfbin(FTy::F64, FBin::Mul),
            O::F64x2Div => vfbin(FTy::F64, FBin::Div),
            O::F64x2Min => vfbin(FTy::F64, FBin::Min),
            O::F64x2Max => vfbin(FTy::F64, FBin::Max),
            O::F64x2PMin => vfbin(FTy::F64, FBin::PMin),
            O::F64x2PMax => vfbin(FTy::F64, FBin::PMax),

            // ---- SIMD: conversions ----
            O::I32x4TruncSatF32x4S => one(map1(&a[0], 32, |x| smt.f_trunc_sat(FTy::F32, x, 32, true))),
            O::I32x4TruncSatF32x4U => one(map1(&a[0], 32, |x| smt.f_trunc_sat(FTy::F32, x, 32, false))),
            O::F32x4ConvertI32x4S => one(map1(&a[0], 32, |x| smt.f_from_int(FTy::F32, x, true))),
            O::F32x4ConvertI32x4U => one(map1(&a[0], 32, |x| smt.f_from_int(FTy::F32, x, false))),
            O::I32x4TruncSatF64x2SZero | O::I32x4TruncSatF64x2UZero => {
                let signed = opcode == O::I32x4TruncSatF64x2SZero;
                let l: Vec<BV> = lanes(&a[0], 64).iter().map(|x| smt.f_trunc_sat(FTy::F64, x, 32, signed)).collect();
                one(join(&l).zero_ext(64))
            }
            O::F64x2ConvertLowI32x4S | O::F64x2ConvertLowI32x4U => {
                let signed = opcode == O::F64x2ConvertLowI32x4S;
                let l = lanes(&a[0], 32);
                one(join(&[smt.f_from_int(FTy::F64, &l[0], signed), smt.f_from_int(FTy::F64, &l[1], signed)]))
            }
            O::F32x4DemoteF64x2Zero => {
                let l: Vec<BV> = lanes(&a[0], 64).iter().map(|x| smt.f_convert(FTy::F64, FTy::F32, x)).collect();
                one(join(&l).zero_ext(64))
            }
            O::F64x2PromoteLowF32x4 => {
                let l = lanes(&a[0], 32);
                one(join(&[smt.f_convert(FTy::F32, FTy::F64, &l[0]), smt.f_convert(FTy::F32, FTy::F64, &l[1])]))
            }
        }
    }
}

/// Lane width of a SIMD opcode, from the shape its text name starts with.
fn simd_lane_bits(opcode: Opcode) -> Result<u32, String> {
    match opcode.name().split('.').next().unwrap_or("") {
        "i8x16" => Ok(8),
        "i16x8" => Ok(16),
        "i32x4" | "f32x4" => Ok(32),
        "i64x2" | "f64x2" => Ok(64),
        other => Err(format!("internal: {opcode} has no lane shape ({other})")),
    }
}

fn lanes2(a: &[BV], opcode: Opcode, op: LaneOp) -> Result<Vec<BV>, String> {
    let lw = simd_lane_bits(opcode)?;
    Ok(vec![map2(&a[0], &a[1], lw, |x, y| lane_op(op, x, y))])
}

/// Where the NaNs of a float operation come from: the lanes of its result
/// that float arithmetic computes, each with the lanes of its operands
/// that feed it.
struct NanLanes {
    /// Format of a result lane.
    out: FTy,
    /// Format of an operand lane.
    input: FTy,
    /// Result lanes (lane index in units of `out`; a scalar is lane 0 of
    /// itself), each with its operand lanes (operand, lane index in units
    /// of `input`).
    lanes: Vec<(u32, Vec<(usize, u32)>)>,
}

fn nan_lanes(opcode: Opcode, arity: usize) -> Option<NanLanes> {
    use Opcode as O;
    let same = |t: FTy, lanes: u32| NanLanes {
        out: t,
        input: t,
        lanes: (0..lanes).map(|i| (i, (0..arity).map(|a| (a, i)).collect())).collect(),
    };
    Some(match opcode {
        O::F32Add
        | O::F32Sub
        | O::F32Mul
        | O::F32Div
        | O::F32Min
        | O::F32Max
        | O::F32Sqrt
        | O::F32Ceil
        | O::F32Floor
        | O::F32Trunc
        | O::F32Nearest => same(FTy::F32, 1),
        O::F64Add
        | O::F64Sub
        | O::F64Mul
        | O::F64Div
        | O::F64Min
        | O::F64Max
        | O::F64Sqrt
        | O::F64Ceil
        | O::F64Floor
        | O::F64Trunc
        | O::F64Nearest => same(FTy::F64, 1),
        O::F32x4Add
        | O::F32x4Sub
        | O::F32x4Mul
        | O::F32x4Div
        | O::F32x4Min
        | O::F32x4Max
        | O::F32x4Sqrt
        | O::F32x4Ceil
        | O::F32x4Floor
        | O::F32x4Trunc
        | O::F32x4Nearest => same(FTy::F32, 4),
        O::F64x2Add
        | O::F64x2Sub
        | O::F64x2Mul
        | O::F64x2Div
        | O::F64x2Min
        | O::F64x2Max
        | O::F64x2Sqrt
        | O::F64x2Ceil
        | O::F64x2Floor
        | O::F64x2Trunc
        | O::F64x2Nearest => same(FTy::F64, 2),
        O::F32DemoteF64 => NanLanes { out: FTy::F32, input: FTy::F64, lanes: vec![(0, vec![(0, 0)])] },
        O::F64PromoteF32 => NanLanes { out: FTy::F64, input: FTy::F32, lanes: vec![(0, vec![(0, 0)])] },
        O::F32x4DemoteF64x2Zero => {
            NanLanes { out: FTy::F32, input: FTy::F64, lanes: vec![(0, vec![(0, 0)]), (1, vec![(0, 1)])] }
        }
        O::F64x2PromoteLowF32x4 => {
            NanLanes { out: FTy::F64, input: FTy::F32, lanes: vec![(0, vec![(0, 0)]), (1, vec![(0, 1)])] }
        }
        _ => return None,
    })
}

fn lane(v: &BV, t: FTy, i: u32) -> BV {
    let w = t.bits();
    if v.get_size() == w { v.clone() } else { v.extract(w * i + w - 1, w * i) }
}

impl Explorer<'_> {
    /// Exact NaN mode: replaces each NaN that `opcode`'s arithmetic
    /// produced (the canonical NaN of the permissive semantics) by the
    /// world's choice `k` among the NaNs wasm allows there (module docs of
    /// `exec.rs`, "Choices of the world"): a quiet NaN of either sign,
    /// with the canonical payload unless some operand is a NaN without it.
    /// The target gets the choice (assumed valid); the source gets it when
    /// it is valid for the source's operands, else the canonical NaN.
    pub(crate) fn exact_nans(
        &mut self,
        flow: &mut Flow,
        opcode: Opcode,
        args: &[BV],
        results: Vec<BV>,
    ) -> Result<Vec<BV>, String> {
        let Some(spec) = nan_lanes(opcode, args.len()) else { return Ok(results) };
        let [r] = results.as_slice() else { return Err(format!("internal: {opcode} has no single result")) };
        let mut out: Vec<BV> =
            if r.get_size() == spec.out.bits() { vec![r.clone()] } else { lanes(r, spec.out.bits()) };
        for (i, inputs) in &spec.lanes {
            let ins: Vec<BV> = inputs.iter().map(|(a, l)| lane(&args[*a], spec.input, *l)).collect();
            let slot = &mut out[*i as usize];
            *slot = self.nan_lane(flow, spec.out, spec.input, slot, &ins);
        }
        Ok(vec![if out.len() == 1 { out.pop().expect("one") } else { join(&out) }])
    }

    fn nan_lane(&mut self, flow: &mut Flow, out: FTy, input: FTy, r: &BV, ins: &[BV]) -> BV {
        let is_nan = self.smt.simplify_bool(&r.eq(out.canonical_nan()));
        if is_nan.as_bool() == Some(false) {
            return r.clone();
        }
        let k = flow.nnan.clone();
        flow.nnan = self.smt.simplify_bv(&is_nan.ite(&k.bvadd(BV::from_u64(1, 32)), &k));
        let choice = self.world.nan(out.bits(), &k);
        // Arithmetic NaNs (any payload with the quiet bit) are allowed when
        // some operand is a NaN whose payload is not the canonical one.
        let arith: Vec<Bool> = ins
            .iter()
            .map(|x| Bool::and(&[input.is_nan_bits(x), input.magnitude(x).eq(input.canonical_nan()).not()]))
            .collect();
        let valid = Bool::and(&[
            out.is_quiet_nan_bits(&choice),
            Bool::or(&[crate::smt::or_all(&arith), out.magnitude(&choice).eq(out.canonical_nan())]),
        ]);
        let chosen = match self.side {
            Side::Tgt => {
                let fact = Bool::and(&[flow.reach.clone(), is_nan.clone()]).implies(&valid);
                self.trace.facts.push(fact);
                is_nan.ite(&choice, r)
            }
            Side::Src => is_nan.ite(&valid.ite(&choice, &out.canonical_nan()), r),
        };
        // Either way a NaN where `r` is one and `r` elsewhere, which is all
        // the smt module's shortcuts look at.
        self.smt.same_value(r, &chosen);
        chosen
    }
}

/// The value of a pure operation without immediates on `args` (for
/// certificate terms): the same semantics as in a function.
pub(crate) fn eval_pure(
    smt: &crate::smt::Smt,
    u: &crate::state::Universe,
    opcode: Opcode,
    args: &[BV],
) -> Result<BV, String> {
    if !opcode.effects().is_pure() || opcode.is_terminator() {
        return Err(format!("{opcode} is not pure"));
    }
    let func = weft_ir::Function::default();
    let cfg = crate::cfg::CfgInfo::default();
    let cuts = crate::exec::CutPlan::default();
    let callees = crate::exec::Callees::default();
    let mut ex =
        Explorer::new(smt, u, &func, &cfg, crate::state::World::new("w.pure"), crate::exec::Mode::Cut, &cuts, &callees);
    let mut flow = Flow {
        reach: Bool::from_bool(true),
        env: Default::default(),
        st: crate::state::MachineState::default(),
        nev: crate::exec::Count::zero(),
        ngrow: BV::from_u64(0, 32),
        nnan: BV::from_u64(0, 32),
    };
    let mut r = ex.encode_op(&mut flow, Inst::from_u32(0), opcode, args, Imm::None)?;
    match r.pop() {
        Some(v) if r.is_empty() => Ok(v),
        _ => Err(format!("{opcode} does not have one result")),
    }
}

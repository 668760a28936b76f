//! The semantics of every opcode: one exhaustive `match` on [`Opcode`] with
//! no catch-all arm. Each arm reads its operands and immediate, and either
//! produces results, returns from the function, or traps.

use super::scalar::{
    canon32, canon64, div_s32, div_s64, div_u32, div_u64, fmax32, fmax64, fmin32, fmin64, pmax32, pmax64, pmin32,
    pmin64, rem_s32, rem_s64, rem_u32, rem_u64, trunc_s, trunc_u,
};
use super::simd::{
    all_true, bitmask, cmp, dot_i16x8_s, lanes, map1, map2, narrow, pack, pairwise, shuffle, swizzle, widen, widen2,
};
use super::value::Val;
use super::{Interp, Out, Trap, check_types};
use crate::entities::Inst;
use crate::immediates::{Ieee32, Ieee64, Imm, MemArg, V128Imm};
use crate::opcodes::Opcode;
use crate::types::Type;

/// A Rust value an operand can be read as.
trait FromVal: Sized {
    /// The IR type of such operands.
    const TY: Type;
    fn from_val(v: Val) -> Option<Self>;
}

macro_rules! from_val {
    ($($t:ty = $variant:ident $(. $conv:ident())?),* $(,)?) => {$(
        impl FromVal for $t {
            const TY: Type = Type::$variant;
            fn from_val(v: Val) -> Option<Self> {
                match v {
                    Val::$variant(x) => Some(x $(. $conv())?),
                    _ => None,
                }
            }
        }
    )*};
}

from_val!(i32 = I32, i64 = I64, f32 = F32.value(), f64 = F64.value(), Ieee32 = F32, Ieee64 = F64, V128Imm = V128);

/// A Rust value a result can be made from. Floats keep their bits exactly:
/// canonicalizing NaNs is the arm's explicit choice.
trait IntoVal {
    fn into_val(self) -> Val;
}

macro_rules! into_val {
    ($($t:ty => |$x:ident| $e:expr),* $(,)?) => {$(
        impl IntoVal for $t {
            fn into_val(self) -> Val {
                let $x = self;
                $e
            }
        }
    )*};
}

into_val!(
    i32 => |x| Val::I32(x),
    i64 => |x| Val::I64(x),
    bool => |x| Val::I32(i32::from(x)),
    f32 => |x| Val::F32(Ieee32::from_f32(x)),
    f64 => |x| Val::F64(Ieee64::from_f64(x)),
    Ieee32 => |x| Val::F32(x),
    Ieee64 => |x| Val::F64(x),
    V128Imm => |x| Val::V128(x),
    Val => |x| x,
);

fn one(v: impl IntoVal) -> Out {
    Out::Vals(vec![v.into_val()])
}

fn none() -> Out {
    Out::Vals(Vec::new())
}

fn arity(a: &[Val], n: usize) -> Result<(), Trap> {
    if a.len() == n { Ok(()) } else { Err(Trap::malformed(format!("{} operands, expected {n}", a.len()))) }
}

fn arg<T: FromVal>(a: &[Val], i: usize) -> Result<T, Trap> {
    let v = a.get(i).ok_or_else(|| Trap::malformed(format!("operand {i} is missing")))?;
    T::from_val(*v).ok_or_else(|| Trap::malformed(format!("operand {i} is {}, expected {}", v.ty(), T::TY)))
}

fn un<A: FromVal, R: IntoVal>(a: &[Val], f: impl FnOnce(A) -> R) -> Result<Out, Trap> {
    arity(a, 1)?;
    Ok(one(f(arg(a, 0)?)))
}

fn un_t<A: FromVal, R: IntoVal>(a: &[Val], f: impl FnOnce(A) -> Result<R, Trap>) -> Result<Out, Trap> {
    arity(a, 1)?;
    Ok(one(f(arg(a, 0)?)?))
}

fn bin<A: FromVal, B: FromVal, R: IntoVal>(a: &[Val], f: impl FnOnce(A, B) -> R) -> Result<Out, Trap> {
    arity(a, 2)?;
    Ok(one(f(arg(a, 0)?, arg(a, 1)?)))
}

fn bin_t<A: FromVal, B: FromVal, R: IntoVal>(a: &[Val], f: impl FnOnce(A, B) -> Result<R, Trap>) -> Result<Out, Trap> {
    arity(a, 2)?;
    Ok(one(f(arg(a, 0)?, arg(a, 1)?)?))
}

fn tern<A: FromVal, B: FromVal, C: FromVal, R: IntoVal>(a: &[Val], f: impl FnOnce(A, B, C) -> R) -> Result<Out, Trap> {
    arity(a, 3)?;
    Ok(one(f(arg(a, 0)?, arg(a, 1)?, arg(a, 2)?)))
}

/// Three `i32` operands read as `u32` (bulk memory and table operands).
fn u32x3(a: &[Val]) -> Result<(u32, u32, u32), Trap> {
    arity(a, 3)?;
    Ok((arg::<i32>(a, 0)? as u32, arg::<i32>(a, 1)? as u32, arg::<i32>(a, 2)? as u32))
}

/// A reference operand: its type and payload.
fn ref_arg(a: &[Val], i: usize) -> Result<(Type, Option<u32>), Trap> {
    let v = a.get(i).ok_or_else(|| Trap::malformed(format!("operand {i} is missing")))?;
    let r = v.as_ref().ok_or_else(|| Trap::malformed(format!("operand {i} is {}, expected a reference", v.ty())))?;
    Ok((v.ty(), r))
}

fn bad_imm(op: Opcode, imm: Imm) -> Trap {
    Trap::malformed(format!("`{op}` cannot take the immediate {imm:?}"))
}

fn imm_mem(op: Opcode, imm: Imm) -> Result<MemArg, Trap> {
    match imm {
        Imm::Mem(m) => Ok(m),
        _ => Err(bad_imm(op, imm)),
    }
}

/// The lane immediate of `extract_lane`/`replace_lane`, checked against the
/// lane count.
fn imm_lane(op: Opcode, imm: Imm, lanes: usize) -> Result<usize, Trap> {
    match imm {
        Imm::Lane(l) if (l as usize) < lanes => Ok(l as usize),
        Imm::Lane(l) => Err(Trap::malformed(format!("lane {l} of `{op}` is out of range (< {lanes})"))),
        _ => Err(bad_imm(op, imm)),
    }
}

fn replace<T: super::simd::Lane, const N: usize>(v: V128Imm, lane: usize, x: T) -> V128Imm {
    let mut l = lanes::<T, N>(v);
    l[lane] = x;
    pack::<T, N>(l)
}

fn shift<T: super::simd::Lane, const N: usize>(a: &[Val], f: impl Fn(T, u32) -> T) -> Result<Out, Trap> {
    bin(a, |v: V128Imm, s: i32| map1::<T, N>(v, |x| f(x, s as u32)))
}

fn vbin<T: super::simd::Lane, const N: usize>(a: &[Val], f: impl Fn(T, T) -> T) -> Result<Out, Trap> {
    bin(a, |x: V128Imm, y: V128Imm| map2::<T, N>(x, y, f))
}

fn vun<T: super::simd::Lane, const N: usize>(a: &[Val], f: impl Fn(T) -> T) -> Result<Out, Trap> {
    un(a, |x: V128Imm| map1::<T, N>(x, f))
}

fn vcmp<T: super::simd::Lane, const N: usize>(a: &[Val], f: impl Fn(T, T) -> bool) -> Result<Out, Trap> {
    bin(a, |x: V128Imm, y: V128Imm| cmp::<T, N>(x, y, f))
}

/// Lane-wise `f32` arithmetic; NaN results are canonical.
fn f32x4_un(a: &[Val], f: impl Fn(f32) -> f32) -> Result<Out, Trap> {
    vun::<u32, 4>(a, |x| canon32(f(f32::from_bits(x))))
}

/// Lane-wise `f64` arithmetic; NaN results are canonical.
fn f64x2_un(a: &[Val], f: impl Fn(f64) -> f64) -> Result<Out, Trap> {
    vun::<u64, 2>(a, |x| canon64(f(f64::from_bits(x))))
}

/// Lane-wise binary `f32` arithmetic; NaN results are canonical.
fn f32x4_bin(a: &[Val], f: impl Fn(f32, f32) -> f32) -> Result<Out, Trap> {
    vbin::<u32, 4>(a, |x, y| canon32(f(f32::from_bits(x), f32::from_bits(y))))
}

/// Lane-wise binary `f64` arithmetic; NaN results are canonical.
fn f64x2_bin(a: &[Val], f: impl Fn(f64, f64) -> f64) -> Result<Out, Trap> {
    vbin::<u64, 2>(a, |x, y| canon64(f(f64::from_bits(x), f64::from_bits(y))))
}

fn le_i16(b: &[u8], i: usize) -> i16 {
    i16::from_le_bytes([b[2 * i], b[2 * i + 1]])
}

fn le_i32(b: &[u8], i: usize) -> i32 {
    i32::from_le_bytes([b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]])
}

impl Interp<'_> {
    fn load<const N: usize, R: IntoVal>(
        &self,
        op: Opcode,
        imm: Imm,
        a: &[Val],
        f: impl FnOnce([u8; N]) -> R,
    ) -> Result<Out, Trap> {
        let m = imm_mem(op, imm)?;
        arity(a, 1)?;
        let addr = arg::<i32>(a, 0)? as u32;
        let mut bytes = [0u8; N];
        bytes.copy_from_slice(self.state.load_bytes(&m, addr, N as u64)?);
        Ok(one(f(bytes)))
    }

    fn store<T: FromVal, const N: usize>(
        &mut self,
        op: Opcode,
        imm: Imm,
        a: &[Val],
        f: impl FnOnce(T) -> [u8; N],
    ) -> Result<Out, Trap> {
        let m = imm_mem(op, imm)?;
        arity(a, 2)?;
        let addr = arg::<i32>(a, 0)? as u32;
        let bytes = f(arg(a, 1)?);
        self.state.store_bytes(&m, addr, &bytes)?;
        Ok(none())
    }

    /// `v128.loadN_lane`: replaces lane `l` of the operand with `N` bytes
    /// from memory.
    fn load_lane<const N: usize>(&self, op: Opcode, imm: Imm, a: &[Val]) -> Result<Out, Trap> {
        let Imm::MemLane(m, lane) = imm else { return Err(bad_imm(op, imm)) };
        let lane = lane as usize;
        if lane >= 16 / N {
            return Err(Trap::malformed(format!("lane {lane} of `{op}` is out of range")));
        }
        arity(a, 2)?;
        let addr = arg::<i32>(a, 0)? as u32;
        let mut v = arg::<V128Imm>(a, 1)?;
        v.0[lane * N..(lane + 1) * N].copy_from_slice(self.state.load_bytes(&m, addr, N as u64)?);
        Ok(one(v))
    }

    /// `v128.storeN_lane`: stores lane `l` of the operand (`N` bytes).
    fn store_lane<const N: usize>(&mut self, op: Opcode, imm: Imm, a: &[Val]) -> Result<Out, Trap> {
        let Imm::MemLane(m, lane) = imm else { return Err(bad_imm(op, imm)) };
        let lane = lane as usize;
        if lane >= 16 / N {
            return Err(Trap::malformed(format!("lane {lane} of `{op}` is out of range")));
        }
        arity(a, 2)?;
        let addr = arg::<i32>(a, 0)? as u32;
        let v = arg::<V128Imm>(a, 1)?;
        self.state.store_bytes(&m, addr, &v.0[lane * N..(lane + 1) * N])?;
        Ok(none())
    }

    /// Checks call arguments against a signature's parameters.
    fn check_call_args(&self, what: &str, a: &[Val], params: &[Type]) -> Result<(), Trap> {
        check_types(&format!("the arguments of {what}"), a, params)
    }

    /// Checks what the environment returned against the expected types.
    fn check_call_results(what: &str, results: &[Val], tys: &[Type]) -> Result<(), Trap> {
        check_types(&format!("the results of {what}"), results, tys).map_err(|t| match t {
            Trap::Malformed { message, .. } => Trap::Host(message),
            t => t,
        })
    }

    /// `call`/`return_call`: the callee's results.
    fn call_direct(&mut self, op: Opcode, imm: Imm, a: &[Val]) -> Result<(Vec<Val>, Vec<Type>), Trap> {
        let Imm::Func(f) = imm else { return Err(bad_imm(op, imm)) };
        let decl = self.func.dfg.decls.funcs.get(&f).ok_or_else(|| Trap::malformed(format!("{f} is not declared")))?;
        self.check_call_args(&f.to_string(), a, &decl.sig.params)?;
        let tys = decl.sig.results.clone();
        let results = self.env.call(f, a, self.state)?;
        Self::check_call_results(&f.to_string(), &results, &tys)?;
        Ok((results, tys))
    }

    /// `call_indirect`/`return_call_indirect`: operands are the arguments
    /// then the table index.
    fn call_indirect(&mut self, op: Opcode, imm: Imm, a: &[Val]) -> Result<Vec<Val>, Trap> {
        let Imm::SigTable(sig, table) = imm else { return Err(bad_imm(op, imm)) };
        let Some((&index, args)) = a.split_last() else {
            return Err(Trap::malformed("the table index operand is missing"));
        };
        let Val::I32(index) = index else {
            return Err(Trap::malformed(format!("the table index is {}, not i32", index.ty())));
        };
        let index = index as u32;
        let sig_decl =
            self.func.dfg.decls.sigs.get(&sig).ok_or_else(|| Trap::malformed(format!("{sig} is not declared")))?;
        let what = format!("{table}[{index}]");
        self.check_call_args(&what, args, &sig_decl.params)?;
        let tys = sig_decl.results.clone();
        self.state.table_func(table, index)?;
        let results = self.env.call_indirect(table, index, sig, args, self.state)?;
        Self::check_call_results(&what, &results, &tys)?;
        Ok(results)
    }

    /// Executes one non-branch instruction (`_inst` is where it sits; the
    /// caller adds it to malformed-IR errors).
    pub(super) fn exec(&mut self, _inst: Inst, op: Opcode, a: &[Val], imm: Imm) -> Result<Out, Trap> {
        use Opcode as O;
        match op {
            // ---- control ----
            O::Jump | O::Brif | O::BrTable => {
                Err(Trap::malformed(format!("`{op}` must be a branch instruction, not an operation")))
            }
            O::Unreachable => Err(Trap::Unreachable),
            O::Return => {
                check_types("the returned values", a, &self.func.sig.results)?;
                Ok(Out::Return(a.to_vec()))
            }
            O::ReturnCall => {
                let (results, tys) = self.call_direct(op, imm, a)?;
                if tys != self.func.sig.results {
                    return Err(Trap::malformed("the tail call's results do not match the function's"));
                }
                Ok(Out::Return(results))
            }
            O::ReturnCallIndirect => {
                let results = self.call_indirect(op, imm, a)?;
                check_types("the tail call's results", &results, &self.func.sig.results)?;
                Ok(Out::Return(results))
            }

            // ---- calls ----
            O::Call => Ok(Out::Vals(self.call_direct(op, imm, a)?.0)),
            O::CallIndirect => Ok(Out::Vals(self.call_indirect(op, imm, a)?)),

            // ---- parametric ----
            O::Select => {
                arity(a, 3)?;
                let c: i32 = arg(a, 2)?;
                if a[0].ty() != a[1].ty() {
                    return Err(Trap::malformed(format!("select of {} and {}", a[0].ty(), a[1].ty())));
                }
                Ok(one(if c != 0 { a[0] } else { a[1] }))
            }

            // ---- variables ----
            O::GlobalGet => {
                let Imm::Global(g) = imm else { return Err(bad_imm(op, imm)) };
                arity(a, 0)?;
                let v =
                    self.state.globals.get(&g).ok_or_else(|| Trap::malformed(format!("{g} is not in the state")))?;
                Ok(one(*v))
            }
            O::GlobalSet => {
                let Imm::Global(g) = imm else { return Err(bad_imm(op, imm)) };
                arity(a, 1)?;
                if let Some(decl) = self.func.dfg.decls.globals.get(&g)
                    && !decl.mutable
                {
                    return Err(Trap::malformed(format!("{g} is immutable")));
                }
                let slot = self
                    .state
                    .globals
                    .get_mut(&g)
                    .ok_or_else(|| Trap::malformed(format!("{g} is not in the state")))?;
                if slot.ty() != a[0].ty() {
                    return Err(Trap::malformed(format!("{g} holds {}, not {}", slot.ty(), a[0].ty())));
                }
                *slot = a[0];
                Ok(none())
            }

            // ---- constants ----
            O::I32Const => match imm {
                Imm::I32(x) => Ok(one(x)),
                _ => Err(bad_imm(op, imm)),
            },
            O::I64Const => match imm {
                Imm::I64(x) => Ok(one(x)),
                _ => Err(bad_imm(op, imm)),
            },
            O::F32Const => match imm {
                Imm::F32(x) => Ok(one(x)),
                _ => Err(bad_imm(op, imm)),
            },
            O::F64Const => match imm {
                Imm::F64(x) => Ok(one(x)),
                _ => Err(bad_imm(op, imm)),
            },

            // ---- memory: loads ----
            O::I32Load => self.load(op, imm, a, i32::from_le_bytes),
            O::I64Load => self.load(op, imm, a, i64::from_le_bytes),
            O::F32Load => self.load(op, imm, a, |b| Ieee32(u32::from_le_bytes(b))),
            O::F64Load => self.load(op, imm, a, |b| Ieee64(u64::from_le_bytes(b))),
            O::I32Load8S => self.load(op, imm, a, |b: [u8; 1]| i32::from(b[0] as i8)),
            O::I32Load8U => self.load(op, imm, a, |b: [u8; 1]| i32::from(b[0])),
            O::I32Load16S => self.load(op, imm, a, |b| i32::from(i16::from_le_bytes(b))),
            O::I32Load16U => self.load(op, imm, a, |b| i32::from(u16::from_le_bytes(b))),
            O::I64Load8S => self.load(op, imm, a, |b: [u8; 1]| i64::from(b[0] as i8)),
            O::I64Load8U => self.load(op, imm, a, |b: [u8; 1]| i64::from(b[0])),
            O::I64Load16S => self.load(op, imm, a, |b| i64::from(i16::from_le_bytes(b))),
            O::I64Load16U => self.load(op, imm, a, |b| i64::from(u16::from_le_bytes(b))),
            O::I64Load32S => self.load(op, imm, a, |b| i64::from(i32::from_le_bytes(b))),
            O::I64Load32U => self.load(op, imm, a, |b| i64::from(u32::from_le_bytes(b))),

            // ---- memory: stores ----
            O::I32Store => self.store(op, imm, a, |x: i32| x.to_le_bytes()),
            O::I64Store => self.store(op, imm, a, |x: i64| x.to_le_bytes()),
            O::F32Store => self.store(op, imm, a, |x: Ieee32| x.0.to_le_bytes()),
            O::F64Store => self.store(op, imm, a, |x: Ieee64| x.0.to_le_bytes()),
            O::I32Store8 => self.store(op, imm, a, |x: i32| [x as u8]),
            O::I32Store16 => self.store(op, imm, a, |x: i32| (x as u16).to_le_bytes()),
            O::I64Store8 => self.store(op, imm, a, |x: i64| [x as u8]),
            O::I64Store16 => self.store(op, imm, a, |x: i64| (x as u16).to_le_bytes()),
            O::I64Store32 => self.store(op, imm, a, |x: i64| (x as u32).to_le_bytes()),

            // ---- memory: size and bulk operations ----
            O::MemorySize => {
                let Imm::Memory(m) = imm else { return Err(bad_imm(op, imm)) };
                arity(a, 0)?;
                Ok(one(self.state.memory(m)?.pages() as u32 as i32))
            }
            O::MemoryGrow => {
                let Imm::Memory(m) = imm else { return Err(bad_imm(op, imm)) };
                arity(a, 1)?;
                let delta = arg::<i32>(a, 0)? as u32;
                Ok(one(self.state.memory_grow(m, delta)?))
            }
            O::MemoryInit => {
                let Imm::DataMem(d, m) = imm else { return Err(bad_imm(op, imm)) };
                let (dst, src, n) = u32x3(a)?;
                self.state.memory_init(d, m, dst, src, n)?;
                Ok(none())
            }
            O::DataDrop => {
                let Imm::Data(d) = imm else { return Err(bad_imm(op, imm)) };
                arity(a, 0)?;
                self.state.data_drop(d)?;
                Ok(none())
            }
            O::MemoryCopy => {
                let Imm::MemMem(dm, sm) = imm else { return Err(bad_imm(op, imm)) };
                let (dst, src, n) = u32x3(a)?;
                self.state.memory_copy(dm, sm, dst, src, n)?;
                Ok(none())
            }
            O::MemoryFill => {
                let Imm::Memory(m) = imm else { return Err(bad_imm(op, imm)) };
                let (dst, val, n) = u32x3(a)?;
                self.state.memory_fill(m, dst, val as u8, n)?;
                Ok(none())
            }

            // ---- tables ----
            O::TableInit => {
                let Imm::ElemTable(e, t) = imm else { return Err(bad_imm(op, imm)) };
                let (dst, src, n) = u32x3(a)?;
                self.state.table_init(e, t, dst, src, n)?;
                Ok(none())
            }
            O::ElemDrop => {
                let Imm::Elem(e) = imm else { return Err(bad_imm(op, imm)) };
                arity(a, 0)?;
                self.state.elem_drop(e)?;
                Ok(none())
            }
            O::TableCopy => {
                let Imm::TableTable(dt, st) = imm else { return Err(bad_imm(op, imm)) };
                let (dst, src, n) = u32x3(a)?;
                self.state.table_copy(dt, st, dst, src, n)?;
                Ok(none())
            }
            O::TableFill => {
                let Imm::Table(t) = imm else { return Err(bad_imm(op, imm)) };
                arity(a, 3)?;
                let index = arg::<i32>(a, 0)? as u32;
                let (ty, r) = ref_arg(a, 1)?;
                let n = arg::<i32>(a, 2)? as u32;
                self.state.table_fill(t, index, ty, r, n)?;
                Ok(none())
            }
            O::TableGet => {
                let Imm::Table(t) = imm else { return Err(bad_imm(op, imm)) };
                arity(a, 1)?;
                let index = arg::<i32>(a, 0)? as u32;
                let elem = self.state.table(t)?.elem;
                let r = self.state.table_get(t, index)?;
                Val::from_ref(elem, r).map(one).ok_or_else(|| Trap::malformed(format!("{t} holds {elem}")))
            }
            O::TableSet => {
                let Imm::Table(t) = imm else { return Err(bad_imm(op, imm)) };
                arity(a, 2)?;
                let index = arg::<i32>(a, 0)? as u32;
                let (ty, r) = ref_arg(a, 1)?;
                self.state.table_set(t, index, ty, r)?;
                Ok(none())
            }
            O::TableGrow => {
                let Imm::Table(t) = imm else { return Err(bad_imm(op, imm)) };
                arity(a, 2)?;
                let (ty, r) = ref_arg(a, 0)?;
                let n = arg::<i32>(a, 1)? as u32;
                Ok(one(self.state.table_grow(t, ty, r, n)?))
            }
            O::TableSize => {
                let Imm::Table(t) = imm else { return Err(bad_imm(op, imm)) };
                arity(a, 0)?;
                Ok(one(self.state.table(t)?.size() as u32 as i32))
            }

            // ---- references ----
            O::RefNull => {
                let Imm::RefType(t) = imm else { return Err(bad_imm(op, imm)) };
                arity(a, 0)?;
                Val::null(t).map(one).ok_or_else(|| bad_imm(op, imm))
            }
            O::RefIsNull => {
                arity(a, 1)?;
                Ok(one(ref_arg(a, 0)?.1.is_none()))
            }
            O::RefFunc => {
                let Imm::Func(f) = imm else { return Err(bad_imm(op, imm)) };
                arity(a, 0)?;
                Ok(one(Val::FuncRef(Some(f.as_u32()))))
            }

            // ---- i32 comparisons ----
            O::I32Eqz => un(a, |x: i32| x == 0),
            O::I32Eq => bin(a, |x: i32, y: i32| x == y),
            O::I32Ne => bin(a, |x: i32, y: i32| x != y),
            O::I32LtS => bin(a, |x: i32, y: i32| x < y),
            O::I32LtU => bin(a, |x: i32, y: i32| (x as u32) < (y as u32)),
            O::I32GtS => bin(a, |x: i32, y: i32| x > y),
            O::I32GtU => bin(a, |x: i32, y: i32| (x as u32) > (y as u32)),
            O::I32LeS => bin(a, |x: i32, y: i32| x <= y),
            O::I32LeU => bin(a, |x: i32, y: i32| (x as u32) <= (y as u32)),
            O::I32GeS => bin(a, |x: i32, y: i32| x >= y),
            O::I32GeU => bin(a, |x: i32, y: i32| (x as u32) >= (y as u32)),

            // ---- i64 comparisons ----
            O::I64Eqz => un(a, |x: i64| x == 0),
            O::I64Eq => bin(a, |x: i64, y: i64| x == y),
            O::I64Ne => bin(a, |x: i64, y: i64| x != y),
            O::I64LtS => bin(a, |x: i64, y: i64| x < y),
            O::I64LtU => bin(a, |x: i64, y: i64| (x as u64) < (y as u64)),
            O::I64GtS => bin(a, |x: i64, y: i64| x > y),
            O::I64GtU => bin(a, |x: i64, y: i64| (x as u64) > (y as u64)),
            O::I64LeS => bin(a, |x: i64, y: i64| x <= y),
            O::I64LeU => bin(a, |x: i64, y: i64| (x as u64) <= (y as u64)),
            O::I64GeS => bin(a, |x: i64, y: i64| x >= y),
            O::I64GeU => bin(a, |x: i64, y: i64| (x as u64) >= (y as u64)),

            // ---- float comparisons (IEEE: NaN is unordered) ----
            O::F32Eq => bin(a, |x: f32, y: f32| x == y),
            O::F32Ne => bin(a, |x: f32, y: f32| x != y),
            O::F32Lt => bin(a, |x: f32, y: f32| x < y),
            O::F32Gt => bin(a, |x: f32, y: f32| x > y),
            O::F32Le => bin(a, |x: f32, y: f32| x <= y),
            O::F32Ge => bin(a, |x: f32, y: f32| x >= y),
            O::F64Eq => bin(a, |x: f64, y: f64| x == y),
            O::F64Ne => bin(a, |x: f64, y: f64| x != y),
            O::F64Lt => bin(a, |x: f64, y: f64| x < y),
            O::F64Gt => bin(a, |x: f64, y: f64| x > y),
            O::F64Le => bin(a, |x: f64, y: f64| x <= y),
            O::F64Ge => bin(a, |x: f64, y: f64| x >= y),

            // ---- i32 arithmetic ----
            O::I32Clz => un(a, |x: i32| x.leading_zeros() as i32),
            O::I32Ctz => un(a, |x: i32| x.trailing_zeros() as i32),
            O::I32Popcnt => un(a, |x: i32| x.count_ones() as i32),
            O::I32Add => bin(a, |x: i32, y: i32| x.wrapping_add(y)),
            O::I32Sub => bin(a, |x: i32, y: i32| x.wrapping_sub(y)),
            O::I32Mul => bin(a, |x: i32, y: i32| x.wrapping_mul(y)),
            O::I32DivS => bin_t(a, div_s32),
            O::I32DivU => bin_t(a, div_u32),
            O::I32RemS => bin_t(a, rem_s32),
            O::I32RemU => bin_t(a, rem_u32),
            O::I32And => bin(a, |x: i32, y: i32| x & y),
            O::I32Or => bin(a, |x: i32, y: i32| x | y),
            O::I32Xor => bin(a, |x: i32, y: i32| x ^ y),
            O::I32Shl => bin(a, |x: i32, y: i32| x.wrapping_shl(y as u32)),
            O::I32ShrS => bin(a, |x: i32, y: i32| x.wrapping_shr(y as u32)),
            O::I32ShrU => bin(a, |x: i32, y: i32| (x as u32).wrapping_shr(y as u32) as i32),
            O::I32Rotl => bin(a, |x: i32, y: i32| x.rotate_left(y as u32 % 32)),
            O::I32Rotr => bin(a, |x: i32, y: i32| x.rotate_right(y as u32 % 32)),

            // ---- i64 arithmetic ----
            O::I64Clz => un(a, |x: i64| i64::from(x.leading_zeros())),
            O::I64Ctz => un(a, |x: i64| i64::from(x.trailing_zeros())),
            O::I64Popcnt => un(a, |x: i64| i64::from(x.count_ones())),
            O::I64Add => bin(a, |x: i64, y: i64| x.wrapping_add(y)),
            O::I64Sub => bin(a, |x: i64, y: i64| x.wrapping_sub(y)),
            O::I64Mul => bin(a, |x: i64, y: i64| x.wrapping_mul(y)),
            O::I64DivS => bin_t(a, div_s64),
            O::I64DivU => bin_t(a, div_u64),
            O::I64RemS => bin_t(a, rem_s64),
            O::I64RemU => bin_t(a, rem_u64),
            O::I64And => bin(a, |x: i64, y: i64| x & y),
            O::I64Or => bin(a, |x: i64, y: i64| x | y),
            O::I64Xor => bin(a, |x: i64, y: i64| x ^ y),
            O::I64Shl => bin(a, |x: i64, y: i64| x.wrapping_shl(y as u32)),
            O::I64ShrS => bin(a, |x: i64, y: i64| x.wrapping_shr(y as u32)),
            O::I64ShrU => bin(a, |x: i64, y: i64| (x as u64).wrapping_shr(y as u32) as i64),
            O::I64Rotl => bin(a, |x: i64, y: i64| x.rotate_left((y as u64 % 64) as u32)),
            O::I64Rotr => bin(a, |x: i64, y: i64| x.rotate_right((y as u64 % 64) as u32)),

            // ---- f32 arithmetic ----
            O::F32Abs => un(a, |x: Ieee32| Ieee32(x.0 & 0x7fff_ffff)),
            O::F32Neg => un(a, |x: Ieee32| Ieee32(x.0 ^ 0x8000_0000)),
            O::F32Ceil => un(a, |x: f32| Ieee32(canon32(x.ceil()))),
            O::F32Floor => un(a, |x: f32| Ieee32(canon32(x.floor()))),
            O::F32Trunc => un(a, |x: f32| Ieee32(canon32(x.trunc()))),
            O::F32Nearest => un(a, |x: f32| Ieee32(canon32(x.round_ties_even()))),
            O::F32Sqrt => un(a, |x: f32| Ieee32(canon32(x.sqrt()))),
            O::F32Add => bin(a, |x: f32, y: f32| Ieee32(canon32(x + y))),
            O::F32Sub => bin(a, |x: f32, y: f32| Ieee32(canon32(x - y))),
            O::F32Mul => bin(a, |x: f32, y: f32| Ieee32(canon32(x * y))),
            O::F32Div => bin(a, |x: f32, y: f32| Ieee32(canon32(x / y))),
            O::F32Min => bin(a, |x: Ieee32, y: Ieee32| Ieee32(fmin32(x.0, y.0))),
            O::F32Max => bin(a, |x: Ieee32, y: Ieee32| Ieee32(fmax32(x.0, y.0))),
            O::F32Copysign => bin(a, |x: Ieee32, y: Ieee32| Ieee32(x.0 & 0x7fff_ffff | y.0 & 0x8000_0000)),

            // ---- f64 arithmetic ----
            O::F64Abs => un(a, |x: Ieee64| Ieee64(x.0 & !(1 << 63))),
            O::F64Neg => un(a, |x: Ieee64| Ieee64(x.0 ^ 1 << 63)),
            O::F64Ceil => un(a, |x: f64| Ieee64(canon64(x.ceil()))),
            O::F64Floor => un(a, |x: f64| Ieee64(canon64(x.floor()))),
            O::F64Trunc => un(a, |x: f64| Ieee64(canon64(x.trunc()))),
            O::F64Nearest => un(a, |x: f64| Ieee64(canon64(x.round_ties_even()))),
            O::F64Sqrt => un(a, |x: f64| Ieee64(canon64(x.sqrt()))),
            O::F64Add => bin(a, |x: f64, y: f64| Ieee64(canon64(x + y))),
            O::F64Sub => bin(a, |x: f64, y: f64| Ieee64(canon64(x - y))),
            O::F64Mul => bin(a, |x: f64, y: f64| Ieee64(canon64(x * y))),
            O::F64Div => bin(a, |x: f64, y: f64| Ieee64(canon64(x / y))),
            O::F64Min => bin(a, |x: Ieee64, y: Ieee64| Ieee64(fmin64(x.0, y.0))),
            O::F64Max => bin(a, |x: Ieee64, y: Ieee64| Ieee64(fmax64(x.0, y.0))),
            O::F64Copysign => bin(a, |x: Ieee64, y: Ieee64| Ieee64(x.0 & !(1 << 63) | y.0 & 1 << 63)),

            // ---- conversions ----
            O::I32WrapI64 => un(a, |x: i64| x as i32),
            O::I32TruncF32S => un_t(a, |x: f32| trunc_s(f64::from(x), 32).map(|v| v as i32)),
            O::I32TruncF32U => un_t(a, |x: f32| trunc_u(f64::from(x), 32).map(|v| v as u32 as i32)),
            O::I32TruncF64S => un_t(a, |x: f64| trunc_s(x, 32).map(|v| v as i32)),
            O::I32TruncF64U => un_t(a, |x: f64| trunc_u(x, 32).map(|v| v as u32 as i32)),
            O::I64ExtendI32S => un(a, |x: i32| i64::from(x)),
            O::I64ExtendI32U => un(a, |x: i32| i64::from(x as u32)),
            O::I64TruncF32S => un_t(a, |x: f32| trunc_s(f64::from(x), 64)),
            O::I64TruncF32U => un_t(a, |x: f32| trunc_u(f64::from(x), 64).map(|v| v as i64)),
            O::I64TruncF64S => un_t(a, |x: f64| trunc_s(x, 64)),
            O::I64TruncF64U => un_t(a, |x: f64| trunc_u(x, 64).map(|v| v as i64)),
            O::F32ConvertI32S => un(a, |x: i32| x as f32),
            O::F32ConvertI32U => un(a, |x: i32| x as u32 as f32),
            O::F32ConvertI64S => un(a, |x: i64| x as f32),
            O::F32ConvertI64U => un(a, |x: i64| x as u64 as f32),
            O::F32DemoteF64 => un(a, |x: f64| Ieee32(canon32(x as f32))),
            O::F64ConvertI32S => un(a, |x: i32| f64::from(x)),
            O::F64ConvertI32U => un(a, |x: i32| f64::from(x as u32)),
            O::F64ConvertI64S => un(a, |x: i64| x as f64),
            O::F64ConvertI64U => un(a, |x: i64| x as u64 as f64),
            O::F64PromoteF32 => un(a, |x: f32| Ieee64(canon64(f64::from(x)))),
            O::I32ReinterpretF32 => un(a, |x: Ieee32| x.0 as i32),
            O::I64ReinterpretF64 => un(a, |x: Ieee64| x.0 as i64),
            O::F32ReinterpretI32 => un(a, |x: i32| Ieee32(x as u32)),
            O::F64ReinterpretI64 => un(a, |x: i64| Ieee64(x as u64)),
            O::I32Extend8S => un(a, |x: i32| i32::from(x as i8)),
            O::I32Extend16S => un(a, |x: i32| i32::from(x as i16)),
            O::I64Extend8S => un(a, |x: i64| i64::from(x as i8)),
            O::I64Extend16S => un(a, |x: i64| i64::from(x as i16)),
            O::I64Extend32S => un(a, |x: i64| i64::from(x as i32)),
            // Rust's float-to-int `as` saturates and maps NaN to 0: exactly
            // wasm's `trunc_sat`.
            O::I32TruncSatF32S => un(a, |x: f32| x as i32),
            O::I32TruncSatF32U => un(a, |x: f32| x as u32 as i32),
            O::I32TruncSatF64S => un(a, |x: f64| x as i32),
            O::I32TruncSatF64U => un(a, |x: f64| x as u32 as i32),
            O::I64TruncSatF32S => un(a, |x: f32| x as i64),
            O::I64TruncSatF32U => un(a, |x: f32| x as u64 as i64),
            O::I64TruncSatF64S => un(a, |x: f64| x as i64),
            O::I64TruncSatF64U => un(a, |x: f64| x as u64 as i64),

            // ---- simd: memory ----
            O::V128Load => self.load(op, imm, a, V128Imm),
            O::V128Load8x8S => self.load(op, imm, a, |b: [u8; 8]| pack::<i16, 8>(b.map(|x| i16::from(x as i8)))),
            O::V128Load8x8U => self.load(op, imm, a, |b: [u8; 8]| pack::<i16, 8>(b.map(i16::from))),
            O::V128Load16x4S => {
                self.load(op, imm, a, |b: [u8; 8]| pack::<i32, 4>(core::array::from_fn(|i| i32::from(le_i16(&b, i)))))
            }
            O::V128Load16x4U => self.load(op, imm, a, |b: [u8; 8]| {
                pack::<i32, 4>(core::array::from_fn(|i| i32::from(le_i16(&b, i) as u16)))
            }),
            O::V128Load32x2S => {
                self.load(op, imm, a, |b: [u8; 8]| pack::<i64, 2>(core::array::from_fn(|i| i64::from(le_i32(&b, i)))))
            }
            O::V128Load32x2U => self.load(op, imm, a, |b: [u8; 8]| {
                pack::<i64, 2>(core::array::from_fn(|i| i64::from(le_i32(&b, i) as u32)))
            }),
            O::V128Load8Splat => self.load(op, imm, a, |b: [u8; 1]| V128Imm([b[0]; 16])),
            O::V128Load16Splat => self.load(op, imm, a, |b: [u8; 2]| V128Imm(core::array::from_fn(|i| b[i % 2]))),
            O::V128Load32Splat => self.load(op, imm, a, |b: [u8; 4]| V128Imm(core::array::from_fn(|i| b[i % 4]))),
            O::V128Load64Splat => self.load(op, imm, a, |b: [u8; 8]| V128Imm(core::array::from_fn(|i| b[i % 8]))),
            O::V128Load32Zero => {
                self.load(op, imm, a, |b: [u8; 4]| V128Imm(core::array::from_fn(|i| if i < 4 { b[i] } else { 0 })))
            }
            O::V128Load64Zero => {
                self.load(op, imm, a, |b: [u8; 8]| V128Imm(core::array::from_fn(|i| if i < 8 { b[i] } else { 0 })))
            }
            O::V128Store => self.store(op, imm, a, |x: V128Imm| x.0),
            O::V128Load8Lane => self.load_lane::<1>(op, imm, a),
            O::V128Load16Lane => self.load_lane::<2>(op, imm, a),
            O::V128Load32Lane => self.load_lane::<4>(op, imm, a),
            O::V128Load64Lane => self.load_lane::<8>(op, imm, a),
            O::V128Store8Lane => self.store_lane::<1>(op, imm, a),
            O::V128Store16Lane => self.store_lane::<2>(op, imm, a),
            O::V128Store32Lane => self.store_lane::<4>(op, imm, a),
            O::V128Store64Lane => self.store_lane::<8>(op, imm, a),

            // ---- simd: constants, shuffles, splats, lanes ----
            O::V128Const => match imm {
                Imm::V128(x) => Ok(one(x)),
                _ => Err(bad_imm(op, imm)),
            },
            O::I8x16Shuffle => {
                let Imm::Shuffle(idx) = imm else { return Err(bad_imm(op, imm)) };
                arity(a, 2)?;
                shuffle(arg(a, 0)?, arg(a, 1)?, idx)
                    .map(one)
                    .ok_or_else(|| Trap::malformed("a shuffle lane index is 32 or more"))
            }
            O::I8x16Swizzle => bin(a, swizzle),
            O::I8x16Splat => un(a, |x: i32| V128Imm([x as u8; 16])),
            O::I16x8Splat => un(a, |x: i32| pack::<i16, 8>([x as i16; 8])),
            O::I32x4Splat => un(a, |x: i32| pack::<i32, 4>([x; 4])),
            O::I64x2Splat => un(a, |x: i64| pack::<i64, 2>([x; 2])),
            O::F32x4Splat => un(a, |x: Ieee32| pack::<u32, 4>([x.0; 4])),
            O::F64x2Splat => un(a, |x: Ieee64| pack::<u64, 2>([x.0; 2])),
            O::I8x16ExtractLaneS => {
                let l = imm_lane(op, imm, 16)?;
                un(a, |v: V128Imm| i32::from(lanes::<i8, 16>(v)[l]))
            }
            O::I8x16ExtractLaneU => {
                let l = imm_lane(op, imm, 16)?;
                un(a, |v: V128Imm| i32::from(lanes::<u8, 16>(v)[l]))
            }
            O::I8x16ReplaceLane => {
                let l = imm_lane(op, imm, 16)?;
                bin(a, |v: V128Imm, x: i32| replace::<u8, 16>(v, l, x as u8))
            }
            O::I16x8ExtractLaneS => {
                let l = imm_lane(op, imm, 8)?;
                un(a, |v: V128Imm| i32::from(lanes::<i16, 8>(v)[l]))
            }
            O::I16x8ExtractLaneU => {
                let l = imm_lane(op, imm, 8)?;
                un(a, |v: V128Imm| i32::from(lanes::<u16, 8>(v)[l]))
            }
            O::I16x8ReplaceLane => {
                let l = imm_lane(op, imm, 8)?;
                bin(a, |v: V128Imm, x: i32| replace::<u16, 8>(v, l, x as u16))
            }
            O::I32x4ExtractLane => {
                let l = imm_lane(op, imm, 4)?;
                un(a, |v: V128Imm| lanes::<i32, 4>(v)[l])
            }
            O::I32x4ReplaceLane => {
                let l = imm_lane(op, imm, 4)?;
                bin(a, |v: V128Imm, x: i32| replace::<i32, 4>(v, l, x))
            }
            O::I64x2ExtractLane => {
                let l = imm_lane(op, imm, 2)?;
                un(a, |v: V128Imm| lanes::<i64, 2>(v)[l])
            }
            O::I64x2ReplaceLane => {
                let l = imm_lane(op, imm, 2)?;
                bin(a, |v: V128Imm, x: i64| replace::<i64, 2>(v, l, x))
            }
            O::F32x4ExtractLane => {
                let l = imm_lane(op, imm, 4)?;
                un(a, |v: V128Imm| Ieee32(lanes::<u32, 4>(v)[l]))
            }
            O::F32x4ReplaceLane => {
                let l = imm_lane(op, imm, 4)?;
                bin(a, |v: V128Imm, x: Ieee32| replace::<u32, 4>(v, l, x.0))
            }
            O::F64x2ExtractLane => {
                let l = imm_lane(op, imm, 2)?;
                un(a, |v: V128Imm| Ieee64(lanes::<u64, 2>(v)[l]))
            }
            O::F64x2ReplaceLane => {
                let l = imm_lane(op, imm, 2)?;
                bin(a, |v: V128Imm, x: Ieee64| replace::<u64, 2>(v, l, x.0))
            }

            // ---- simd: comparisons (all-ones lanes where true) ----
            O::I8x16Eq => vcmp::<i8, 16>(a, |x, y| x == y),
            O::I8x16Ne => vcmp::<i8, 16>(a, |x, y| x != y),
            O::I8x16LtS => vcmp::<i8, 16>(a, |x, y| x < y),
            O::I8x16LtU => vcmp::<u8, 16>(a, |x, y| x < y),
            O::I8x16GtS => vcmp::<i8, 16>(a, |x, y| x > y),
            O::I8x16GtU => vcmp::<u8, 16>(a, |x, y| x > y),
            O::I8x16LeS => vcmp::<i8, 16>(a, |x, y| x <= y),
            O::I8x16LeU => vcmp::<u8, 16>(a, |x, y| x <= y),
            O::I8x16GeS => vcmp::<i8, 16>(a, |x, y| x >= y),
            O::I8x16GeU => vcmp::<u8, 16>(a, |x, y| x >= y),
            O::I16x8Eq => vcmp::<i16, 8>(a, |x, y| x == y),
            O::I16x8Ne => vcmp::<i16, 8>(a, |x, y| x != y),
            O::I16x8LtS => vcmp::<i16, 8>(a, |x, y| x < y),
            O::I16x8LtU => vcmp::<u16, 8>(a, |x, y| x < y),
            O::I16x8GtS => vcmp::<i16, 8>(a, |x, y| x > y),
            O::I16x8GtU => vcmp::<u16, 8>(a, |x, y| x > y),
            O::I16x8LeS => vcmp::<i16, 8>(a, |x, y| x <= y),
            O::I16x8LeU => vcmp::<u16, 8>(a, |x, y| x <= y),
            O::I16x8GeS => vcmp::<i16, 8>(a, |x, y| x >= y),
            O::I16x8GeU => vcmp::<u16, 8>(a, |x, y| x >= y),
            O::I32x4Eq => vcmp::<i32, 4>(a, |x, y| x == y),
            O::I32x4Ne => vcmp::<i32, 4>(a, |x, y| x != y),
            O::I32x4LtS => vcmp::<i32, 4>(a, |x, y| x < y),
            O::I32x4LtU => vcmp::<u32, 4>(a, |x, y| x < y),
            O::I32x4GtS => vcmp::<i32, 4>(a, |x, y| x > y),
            O::I32x4GtU => vcmp::<u32, 4>(a, |x, y| x > y),
            O::I32x4LeS => vcmp::<i32, 4>(a, |x, y| x <= y),
            O::I32x4LeU => vcmp::<u32, 4>(a, |x, y| x <= y),
            O::I32x4GeS => vcmp::<i32, 4>(a, |x, y| x >= y),
            O::I32x4GeU => vcmp::<u32, 4>(a, |x, y| x >= y),
            O::I64x2Eq => vcmp::<i64, 2>(a, |x, y| x == y),
            O::I64x2Ne => vcmp::<i64, 2>(a, |x, y| x != y),
            O::I64x2LtS => vcmp::<i64, 2>(a, |x, y| x < y),
            O::I64x2GtS => vcmp::<i64, 2>(a, |x, y| x > y),
            O::I64x2LeS => vcmp::<i64, 2>(a, |x, y| x <= y),
            O::I64x2GeS => vcmp::<i64, 2>(a, |x, y| x >= y),
            O::F32x4Eq => vcmp::<f32, 4>(a, |x, y| x == y),
            O::F32x4Ne => vcmp::<f32, 4>(a, |x, y| x != y),
            O::F32x4Lt => vcmp::<f32, 4>(a, |x, y| x < y),
            O::F32x4Gt => vcmp::<f32, 4>(a, |x, y| x > y),
            O::F32x4Le => vcmp::<f32, 4>(a, |x, y| x <= y),
            O::F32x4Ge => vcmp::<f32, 4>(a, |x, y| x >= y),
            O::F64x2Eq => vcmp::<f64, 2>(a, |x, y| x == y),
            O::F64x2Ne => vcmp::<f64, 2>(a, |x, y| x != y),
            O::F64x2Lt => vcmp::<f64, 2>(a, |x, y| x < y),
            O::F64x2Gt => vcmp::<f64, 2>(a, |x, y| x > y),
            O::F64x2Le => vcmp::<f64, 2>(a, |x, y| x <= y),
            O::F64x2Ge => vcmp::<f64, 2>(a, |x, y| x >= y),

            // ---- simd: bitwise ----
            O::V128Not => un(a, |x: V128Imm| V128Imm::from_u128(!x.as_u128())),
            O::V128And => bin(a, |x: V128Imm, y: V128Imm| V128Imm::from_u128(x.as_u128() & y.as_u128())),
            O::V128AndNot => bin(a, |x: V128Imm, y: V128Imm| V128Imm::from_u128(x.as_u128() & !y.as_u128())),
            O::V128Or => bin(a, |x: V128Imm, y: V128Imm| V128Imm::from_u128(x.as_u128() | y.as_u128())),
            O::V128Xor => bin(a, |x: V128Imm, y: V128Imm| V128Imm::from_u128(x.as_u128() ^ y.as_u128())),
            O::V128Bitselect => tern(a, |x: V128Imm, y: V128Imm, c: V128Imm| {
                V128Imm::from_u128(x.as_u128() & c.as_u128() | y.as_u128() & !c.as_u128())
            }),
            O::V128AnyTrue => un(a, |x: V128Imm| x.as_u128() != 0),

            // ---- simd: i8x16 arithmetic ----
            O::I8x16Abs => vun::<i8, 16>(a, i8::wrapping_abs),
            O::I8x16Neg => vun::<i8, 16>(a, i8::wrapping_neg),
            O::I8x16Popcnt => vun::<u8, 16>(a, |x| x.count_ones() as u8),
            O::I8x16AllTrue => un(a, all_true::<u8, 16>),
            O::I8x16Bitmask => un(a, |x: V128Imm| bitmask::<i8, 16>(x, |l| l < 0)),
            O::I8x16NarrowI16x8S => bin(a, |x: V128Imm, y: V128Imm| {
                narrow::<i16, i8, 8, 16>(x, y, |l| l.clamp(i16::from(i8::MIN), i16::from(i8::MAX)) as i8)
            }),
            O::I8x16NarrowI16x8U => {
                bin(a, |x: V128Imm, y: V128Imm| narrow::<i16, u8, 8, 16>(x, y, |l| l.clamp(0, 255) as u8))
            }
            O::I8x16Shl => shift::<i8, 16>(a, i8::wrapping_shl),
            O::I8x16ShrS => shift::<i8, 16>(a, i8::wrapping_shr),
            O::I8x16ShrU => shift::<u8, 16>(a, u8::wrapping_shr),
            O::I8x16Add => vbin::<i8, 16>(a, i8::wrapping_add),
            O::I8x16AddSatS => vbin::<i8, 16>(a, i8::saturating_add),
            O::I8x16AddSatU => vbin::<u8, 16>(a, u8::saturating_add),
            O::I8x16Sub => vbin::<i8, 16>(a, i8::wrapping_sub),
            O::I8x16SubSatS => vbin::<i8, 16>(a, i8::saturating_sub),
            O::I8x16SubSatU => vbin::<u8, 16>(a, u8::saturating_sub),
            O::I8x16MinS => vbin::<i8, 16>(a, Ord::min),
            O::I8x16MinU => vbin::<u8, 16>(a, Ord::min),
            O::I8x16MaxS => vbin::<i8, 16>(a, Ord::max),
            O::I8x16MaxU => vbin::<u8, 16>(a, Ord::max),
            O::I8x16AvgrU => vbin::<u8, 16>(a, |x, y| ((u16::from(x) + u16::from(y) + 1) >> 1) as u8),

            // ---- simd: i16x8 arithmetic ----
            O::I16x8ExtAddPairwiseI8x16S => {
                un(a, |x: V128Imm| pairwise::<i8, i16, 16, 8>(x, |p, q| i16::from(p) + i16::from(q)))
            }
            O::I16x8ExtAddPairwiseI8x16U => {
                un(a, |x: V128Imm| pairwise::<u8, u16, 16, 8>(x, |p, q| u16::from(p) + u16::from(q)))
            }
            O::I16x8Abs => vun::<i16, 8>(a, i16::wrapping_abs),
            O::I16x8Neg => vun::<i16, 8>(a, i16::wrapping_neg),
            O::I16x8Q15MulrSatS => vbin::<i16, 8>(a, |x, y| {
                ((i32::from(x) * i32::from(y) + 0x4000) >> 15).clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16
            }),
            O::I16x8AllTrue => un(a, all_true::<u16, 8>),
            O::I16x8Bitmask => un(a, |x: V128Imm| bitmask::<i16, 8>(x, |l| l < 0)),
            O::I16x8NarrowI32x4S => bin(a, |x: V128Imm, y: V128Imm| {
                narrow::<i32, i16, 4, 8>(x, y, |l| l.clamp(i32::from(i16::MIN), i32::from(i16::MAX)) as i16)
            }),
            O::I16x8NarrowI32x4U => {
                bin(a, |x: V128Imm, y: V128Imm| narrow::<i32, u16, 4, 8>(x, y, |l| l.clamp(0, 65535) as u16))
            }
            O::I16x8ExtendLowI8x16S => un(a, |x: V128Imm| widen::<i8, i16, 16, 8>(x, false, i16::from)),
            O::I16x8ExtendHighI8x16S => un(a, |x: V128Imm| widen::<i8, i16, 16, 8>(x, true, i16::from)),
            O::I16x8ExtendLowI8x16U => un(a, |x: V128Imm| widen::<u8, u16, 16, 8>(x, false, u16::from)),
            O::I16x8ExtendHighI8x16U => un(a, |x: V128Imm| widen::<u8, u16, 16, 8>(x, true, u16::from)),
            O::I16x8Shl => shift::<i16, 8>(a, i16::wrapping_shl),
            O::I16x8ShrS => shift::<i16, 8>(a, i16::wrapping_shr),
            O::I16x8ShrU => shift::<u16, 8>(a, u16::wrapping_shr),
            O::I16x8Add => vbin::<i16, 8>(a, i16::wrapping_add),
            O::I16x8AddSatS => vbin::<i16, 8>(a, i16::saturating_add),
            O::I16x8AddSatU => vbin::<u16, 8>(a, u16::saturating_add),
            O::I16x8Sub => vbin::<i16, 8>(a, i16::wrapping_sub),
            O::I16x8SubSatS => vbin::<i16, 8>(a, i16::saturating_sub),
            O::I16x8SubSatU => vbin::<u16, 8>(a, u16::saturating_sub),
            O::I16x8Mul => vbin::<i16, 8>(a, i16::wrapping_mul),
            O::I16x8MinS => vbin::<i16, 8>(a, Ord::min),
            O::I16x8MinU => vbin::<u16, 8>(a, Ord::min),
            O::I16x8MaxS => vbin::<i16, 8>(a, Ord::max),
            O::I16x8MaxU => vbin::<u16, 8>(a, Ord::max),
            O::I16x8AvgrU => vbin::<u16, 8>(a, |x, y| ((u32::from(x) + u32::from(y) + 1) >> 1) as u16),
            O::I16x8ExtMulLowI8x16S => bin(a, |x: V128Imm, y: V128Imm| {
                widen2::<i8, i16, 16, 8>(x, y, false, |p, q| i16::from(p).wrapping_mul(i16::from(q)))
            }),
            O::I16x8ExtMulHighI8x16S => bin(a, |x: V128Imm, y: V128Imm| {
                widen2::<i8, i16, 16, 8>(x, y, true, |p, q| i16::from(p).wrapping_mul(i16::from(q)))
            }),
            O::I16x8ExtMulLowI8x16U => bin(a, |x: V128Imm, y: V128Imm| {
                widen2::<u8, u16, 16, 8>(x, y, false, |p, q| u16::from(p).wrapping_mul(u16::from(q)))
            }),
            O::I16x8ExtMulHighI8x16U => bin(a, |x: V128Imm, y: V128Imm| {
                widen2::<u8, u16, 16, 8>(x, y, true, |p, q| u16::from(p).wrapping_mul(u16::from(q)))
            }),

            // ---- simd: i32x4 arithmetic ----
            O::I32x4ExtAddPairwiseI16x8S => {
                un(a, |x: V128Imm| pairwise::<i16, i32, 8, 4>(x, |p, q| i32::from(p) + i32::from(q)))
            }
            O::I32x4ExtAddPairwiseI16x8U => {
                un(a, |x: V128Imm| pairwise::<u16, u32, 8, 4>(x, |p, q| u32::from(p) + u32::from(q)))
            }
            O::I32x4Abs => vun::<i32, 4>(a, i32::wrapping_abs),
            O::I32x4Neg => vun::<i32, 4>(a, i32::wrapping_neg),
            O::I32x4AllTrue => un(a, all_true::<u32, 4>),
            O::I32x4Bitmask => un(a, |x: V128Imm| bitmask::<i32, 4>(x, |l| l < 0)),
            O::I32x4ExtendLowI16x8S => un(a, |x: V128Imm| widen::<i16, i32, 8, 4>(x, false, i32::from)),
            O::I32x4ExtendHighI16x8S => un(a, |x: V128Imm| widen::<i16, i32, 8, 4>(x, true, i32::from)),
            O::I32x4ExtendLowI16x8U => un(a, |x: V128Imm| widen::<u16, u32, 8, 4>(x, false, u32::from)),
            O::I32x4ExtendHighI16x8U => un(a, |x: V128Imm| widen::<u16, u32, 8, 4>(x, true, u32::from)),
            O::I32x4Shl => shift::<i32, 4>(a, i32::wrapping_shl),
            O::I32x4ShrS => shift::<i32, 4>(a, i32::wrapping_shr),
            O::I32x4ShrU => shift::<u32, 4>(a, u32::wrapping_shr),
            O::I32x4Add => vbin::<i32, 4>(a, i32::wrapping_add),
            O::I32x4Sub => vbin::<i32, 4>(a, i32::wrapping_sub),
            O::I32x4Mul => vbin::<i32, 4>(a, i32::wrapping_mul),
            O::I32x4MinS => vbin::<i32, 4>(a, Ord::min),
            O::I32x4MinU => vbin::<u32, 4>(a, Ord::min),
            O::I32x4MaxS => vbin::<i32, 4>(a, Ord::max),
            O::I32x4MaxU => vbin::<u32, 4>(a, Ord::max),
            O::I32x4DotI16x8S => bin(a, dot_i16x8_s),
            O::I32x4ExtMulLowI16x8S => bin(a, |x: V128Imm, y: V128Imm| {
                widen2::<i16, i32, 8, 4>(x, y, false, |p, q| i32::from(p).wrapping_mul(i32::from(q)))
            }),
            O::I32x4ExtMulHighI16x8S => bin(a, |x: V128Imm, y: V128Imm| {
                widen2::<i16, i32, 8, 4>(x, y, true, |p, q| i32::from(p).wrapping_mul(i32::from(q)))
            }),
            O::I32x4ExtMulLowI16x8U => bin(a, |x: V128Imm, y: V128Imm| {
                widen2::<u16, u32, 8, 4>(x, y, false, |p, q| u32::from(p).wrapping_mul(u32::from(q)))
            }),
            O::I32x4ExtMulHighI16x8U => bin(a, |x: V128Imm, y: V128Imm| {
                widen2::<u16, u32, 8, 4>(x, y, true, |p, q| u32::from(p).wrapping_mul(u32::from(q)))
            }),

            // ---- simd: i64x2 arithmetic ----
            O::I64x2Abs => vun::<i64, 2>(a, i64::wrapping_abs),
            O::I64x2Neg => vun::<i64, 2>(a, i64::wrapping_neg),
            O::I64x2AllTrue => un(a, all_true::<u64, 2>),
            O::I64x2Bitmask => un(a, |x: V128Imm| bitmask::<i64, 2>(x, |l| l < 0)),
            O::I64x2ExtendLowI32x4S => un(a, |x: V128Imm| widen::<i32, i64, 4, 2>(x, false, i64::from)),
            O::I64x2ExtendHighI32x4S => un(a, |x: V128Imm| widen::<i32, i64, 4, 2>(x, true, i64::from)),
            O::I64x2ExtendLowI32x4U => un(a, |x: V128Imm| widen::<u32, u64, 4, 2>(x, false, u64::from)),
            O::I64x2ExtendHighI32x4U => un(a, |x: V128Imm| widen::<u32, u64, 4, 2>(x, true, u64::from)),
            O::I64x2Shl => shift::<i64, 2>(a, i64::wrapping_shl),
            O::I64x2ShrS => shift::<i64, 2>(a, i64::wrapping_shr),
            O::I64x2ShrU => shift::<u64, 2>(a, u64::wrapping_shr),
            O::I64x2Add => vbin::<i64, 2>(a, i64::wrapping_add),
            O::I64x2Sub => vbin::<i64, 2>(a, i64::wrapping_sub),
            O::I64x2Mul => vbin::<i64, 2>(a, i64::wrapping_mul),
            O::I64x2ExtMulLowI32x4S => bin(a, |x: V128Imm, y: V128Imm| {
                widen2::<i32, i64, 4, 2>(x, y, false, |p, q| i64::from(p).wrapping_mul(i64::from(q)))
            }),
            O::I64x2ExtMulHighI32x4S => bin(a, |x: V128Imm, y: V128Imm| {
                widen2::<i32, i64, 4, 2>(x, y, true, |p, q| i64::from(p).wrapping_mul(i64::from(q)))
            }),
            O::I64x2ExtMulLowI32x4U => bin(a, |x: V128Imm, y: V128Imm| {
                widen2::<u32, u64, 4, 2>(x, y, false, |p, q| u64::from(p).wrapping_mul(u64::from(q)))
            }),
            O::I64x2ExtMulHighI32x4U => bin(a, |x: V128Imm, y: V128Imm| {
                widen2::<u32, u64, 4, 2>(x, y, true, |p, q| u64::from(p).wrapping_mul(u64::from(q)))
            }),

            // ---- simd: f32x4 arithmetic ----
            O::F32x4Ceil => f32x4_un(a, f32::ceil),
            O::F32x4Floor => f32x4_un(a, f32::floor),
            O::F32x4Trunc => f32x4_un(a, f32::trunc),
            O::F32x4Nearest => f32x4_un(a, f32::round_ties_even),
            O::F32x4Abs => vun::<u32, 4>(a, |x| x & 0x7fff_ffff),
            O::F32x4Neg => vun::<u32, 4>(a, |x| x ^ 0x8000_0000),
            O::F32x4Sqrt => f32x4_un(a, f32::sqrt),
            O::F32x4Add => f32x4_bin(a, |x, y| x + y),
            O::F32x4Sub => f32x4_bin(a, |x, y| x - y),
            O::F32x4Mul => f32x4_bin(a, |x, y| x * y),
            O::F32x4Div => f32x4_bin(a, |x, y| x / y),
            O::F32x4Min => vbin::<u32, 4>(a, fmin32),
            O::F32x4Max => vbin::<u32, 4>(a, fmax32),
            O::F32x4PMin => vbin::<u32, 4>(a, pmin32),
            O::F32x4PMax => vbin::<u32, 4>(a, pmax32),

            // ---- simd: f64x2 arithmetic ----
            O::F64x2Ceil => f64x2_un(a, f64::ceil),
            O::F64x2Floor => f64x2_un(a, f64::floor),
            O::F64x2Trunc => f64x2_un(a, f64::trunc),
            O::F64x2Nearest => f64x2_un(a, f64::round_ties_even),
            O::F64x2Abs => vun::<u64, 2>(a, |x| x & !(1 << 63)),
            O::F64x2Neg => vun::<u64, 2>(a, |x| x ^ 1 << 63),
            O::F64x2Sqrt => f64x2_un(a, f64::sqrt),
            O::F64x2Add => f64x2_bin(a, |x, y| x + y),
            O::F64x2Sub => f64x2_bin(a, |x, y| x - y),
            O::F64x2Mul => f64x2_bin(a, |x, y| x * y),
            O::F64x2Div => f64x2_bin(a, |x, y| x / y),
            O::F64x2Min => vbin::<u64, 2>(a, fmin64),
            O::F64x2Max => vbin::<u64, 2>(a, fmax64),
            O::F64x2PMin => vbin::<u64, 2>(a, pmin64),
            O::F64x2PMax => vbin::<u64, 2>(a, pmax64),

            // ---- simd: conversions ----
            O::I32x4TruncSatF32x4S => un(a, |x: V128Imm| pack::<i32, 4>(lanes::<f32, 4>(x).map(|l| l as i32))),
            O::I32x4TruncSatF32x4U => un(a, |x: V128Imm| pack::<u32, 4>(lanes::<f32, 4>(x).map(|l| l as u32))),
            O::F32x4ConvertI32x4S => un(a, |x: V128Imm| pack::<f32, 4>(lanes::<i32, 4>(x).map(|l| l as f32))),
            O::F32x4ConvertI32x4U => un(a, |x: V128Imm| pack::<f32, 4>(lanes::<u32, 4>(x).map(|l| l as f32))),
            O::I32x4TruncSatF64x2SZero => un(a, |x: V128Imm| {
                let l = lanes::<f64, 2>(x);
                pack::<i32, 4>([l[0] as i32, l[1] as i32, 0, 0])
            }),
            O::I32x4TruncSatF64x2UZero => un(a, |x: V128Imm| {
                let l = lanes::<f64, 2>(x);
                pack::<u32, 4>([l[0] as u32, l[1] as u32, 0, 0])
            }),
            O::F64x2ConvertLowI32x4S => un(a, |x: V128Imm| {
                let l = lanes::<i32, 4>(x);
                pack::<f64, 2>([f64::from(l[0]), f64::from(l[1])])
            }),
            O::F64x2ConvertLowI32x4U => un(a, |x: V128Imm| {
                let l = lanes::<u32, 4>(x);
                pack::<f64, 2>([f64::from(l[0]), f64::from(l[1])])
            }),
            O::F32x4DemoteF64x2Zero => un(a, |x: V128Imm| {
                let l = lanes::<f64, 2>(x);
                pack::<u32, 4>([canon32(l[0] as f32), canon32(l[1] as f32), 0, 0])
            }),
            O::F64x2PromoteLowF32x4 => un(a, |x: V128Imm| {
                let l = lanes::<f32, 4>(x);
                pack::<u64, 2>([canon64(f64::from(l[0])), canon64(f64::from(l[1]))])
            }),
        }
    }
}

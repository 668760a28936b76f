//! The reference interpreter, opcode by opcode.
//!
//! - `every_opcode_has_a_checked_case`: a table of (opcode, immediate,
//!   arguments, expected results or trap) rows run through single-instruction
//!   functions, plus text-IR scenarios for control flow, calls, globals,
//!   bulk memory, tables and references; fails listing every opcode of
//!   `Opcode::ALL` without a checked case.
//! - random cross-checks (seeded xorshift) of the scalar integer and float
//!   operations against independent Rust formulations, and of the SIMD
//!   families against lane-by-lane references;
//! - edge cases: division and truncation traps, NaN policy, memory bounds
//!   with offsets near `u32::MAX`, `memory.grow` limits, overlapping
//!   `memory.copy`, shuffle and swizzle indices past 15, fuel, malformed IR;
//! - `differential_against_wasmtime`: every pure and memory opcode with a
//!   fixed signature, run on random inputs by the interpreter and by
//!   wasmtime, results and traps compared (NaN ≅ NaN where wasm leaves NaN
//!   bits open).

use std::collections::BTreeSet;
use weft_ir::interpreter::{
    CANONICAL_NAN_F32, CANONICAL_NAN_F64, CallEvent, Callee, Env, NoCalls, State, Trace, Trap, Val, run,
};
use weft_ir::{
    DataRef, EntityRef, FuncCursor, FuncRef, Function, Ieee32, Ieee64, Imm, MemArg, MemoryDecl, MemoryRef, OpSig,
    Opcode, SigRef, Signature, SimdShape, TableRef, Type, V128Imm, parse_function,
};

// ------------------------------------------------------------ test values

/// Reads a value written in a test: the interpreter's text form, plus
/// `bits:0x..` for a float's bit pattern, and lane forms whose missing
/// trailing lanes are zeros (`i32x4 1 2` is `i32x4 1 2 0 0`).
#[track_caller]
fn val(text: &str, ty: Type) -> Val {
    let t = text.trim();
    if let Some(hex) = t.strip_prefix("bits:0x") {
        let bits = u64::from_str_radix(hex, 16).expect("hex bits");
        return match ty {
            Type::F32 => Val::F32(Ieee32(bits as u32)),
            Type::F64 => Val::F64(Ieee64(bits)),
            _ => panic!("bits: is for floats, not {ty}"),
        };
    }
    let words: Vec<&str> = t.split_whitespace().collect();
    if ty == Type::V128
        && let Some(shape) = words.first().and_then(|w| SimdShape::from_name(w))
    {
        let mut s = words.join(" ");
        for _ in words.len() - 1..shape.lanes() {
            s.push_str(" 0");
        }
        return Val::parse(&s, ty).unwrap_or_else(|e| panic!("{e}"));
    }
    Val::parse(t, ty).unwrap_or_else(|e| panic!("{e}"))
}

/// Reads `;`-separated test values of the given types.
#[track_caller]
fn vals(text: &str, tys: &[Type]) -> Vec<Val> {
    let parts: Vec<&str> = if text.trim().is_empty() { Vec::new() } else { text.split(';').collect() };
    assert_eq!(parts.len(), tys.len(), "`{text}` should hold {} values", tys.len());
    parts.iter().zip(tys).map(|(p, &t)| val(p, t)).collect()
}

/// Shows values, `v128` lanes in the shape of the opcode when it has one.
/// The lane shape of the opcode named `name`, if any.
fn opcode_shape(name: &str) -> Option<SimdShape> {
    Opcode::from_name(name).and_then(Opcode::shape)
}

fn show(vals: &[Val], shape: Option<SimdShape>) -> String {
    let one = |v: &Val| match shape {
        Some(s) => v.display_lanes(s),
        None => v.to_string(),
    };
    vals.iter().map(one).collect::<Vec<_>>().join("; ")
}

// ------------------------------------------------------------ single-instruction functions

fn mem0() -> MemoryRef {
    MemoryRef::new(0)
}

fn memarg(offset: u64) -> MemArg {
    MemArg { memory: mem0(), offset, align: 0 }
}

/// No immediate.
fn n() -> Imm {
    Imm::None
}

/// A memory immediate on `mem0` with `offset`.
fn mem(offset: u64) -> Imm {
    Imm::Mem(memarg(offset))
}

/// A lane memory immediate.
fn ml(offset: u64, lane: u8) -> Imm {
    Imm::MemLane(memarg(offset), lane)
}

fn lane(l: u8) -> Imm {
    Imm::Lane(l)
}

fn fixed_sig(op: Opcode) -> (&'static [Type], &'static [Type]) {
    match op.sig() {
        OpSig::Fixed(p, r) => (p, r),
        OpSig::Special => panic!("{op} has no fixed signature"),
    }
}

/// Stores (and lane stores) write memory and access a fixed number of bytes.
fn is_store(op: Opcode) -> bool {
    op.mem_bytes() > 0 && op.effects().contains(weft_ir::Effects::WRITES_MEMORY)
}

/// A function applying `op` to its parameters and returning its results.
/// Stores return the 16 bytes at the stored address instead (reloaded
/// with `v128.load` through the same memory argument). `mem0` is one page.
fn single_op(op: Opcode, imm: Imm) -> Function {
    let (params, results) = fixed_sig(op);
    let store = is_store(op);
    let fresults = if store { vec![Type::V128] } else { results.to_vec() };
    let mut func = Function::new(op.name(), Signature::new(params.to_vec(), fresults));
    func.dfg.decls.memories.insert(mem0(), MemoryDecl { min: 1, max: Some(1) });
    let mut cur = FuncCursor::new(&mut func);
    let block = cur.add_block(params);
    let args = cur.func.dfg.block_params(block).to_vec();
    let mut res = cur.ins(op, &args, imm).expect("result types");
    if store {
        let m = imm.memarg().expect("stores have a memory argument");
        res = cur.ins(Opcode::V128Load, &args[..1], Imm::Mem(m)).expect("v128.load");
    }
    cur.ret(&res);
    func
}

/// The state of a row: `mem0` holds `byte[i] = i mod 256`, except for
/// stores, which start from zeros.
fn row_state(func: &Function, op: Opcode) -> State {
    let mut state = State::for_function(func).expect("state");
    if !is_store(op) {
        let m = state.memories.get_mut(&mem0()).expect("mem0");
        for (i, b) in m.bytes.iter_mut().enumerate() {
            *b = i as u8;
        }
    }
    state
}

/// One row: the opcode's text name, its immediate, `;`-separated arguments,
/// and `;`-separated expected results or `trap: MESSAGE`.
type Row = (&'static str, Imm, &'static str, &'static str);

/// Runs one row and compares bit for bit; returns the opcode on success.
fn check_row(&(name, imm, args, want): &Row) -> Result<Opcode, String> {
    let op = Opcode::from_name(name).ok_or_else(|| format!("unknown opcode `{name}`"))?;
    let func = single_op(op, imm);
    let args = vals(args, &func.sig.params);
    let mut state = row_state(&func, op);
    let got = run(&func, &args, &mut state, &mut NoCalls, 100);
    let shape = opcode_shape(name);
    let ctx = || format!("{name} {imm:?} ({})", show(&args, shape));
    match (want.strip_prefix("trap: "), got) {
        (Some(msg), Err(t)) if t.to_string() == msg => Ok(op),
        (Some(msg), Err(t)) => Err(format!("{}: trapped `{t}`, expected `{msg}`", ctx())),
        (Some(msg), Ok(v)) => Err(format!("{}: returned {}, expected trap `{msg}`", ctx(), show(&v, shape))),
        (None, Ok(v)) => {
            let want = vals(want, &func.sig.results);
            if v == want {
                Ok(op)
            } else {
                Err(format!("{}: returned {}, expected {}", ctx(), show(&v, shape), show(&want, shape)))
            }
        }
        (None, Err(t)) => Err(format!("{}: trapped `{t}`", ctx())),
    }
}

const OOB: &str = "trap: out of bounds memory access";
const DIV0: &str = "trap: integer divide by zero";
const OVF: &str = "trap: integer overflow";
const BADCONV: &str = "trap: invalid conversion to integer";

macro_rules! i8ab {
    () => {
        "i8x16 0 1 -1 127 -128 5 5 5; i8x16 0 2 1 -128 127 5 4 6"
    };
}
macro_rules! i16ab {
    () => {
        "i16x8 0 1 -1 32767 -32768 5 5 5; i16x8 0 2 1 -32768 32767 5 4 6"
    };
}
macro_rules! i32ab {
    () => {
        "i32x4 0 -1 2147483647 5; i32x4 0 1 -2147483648 4"
    };
}
macro_rules! f32ab {
    () => {
        "f32x4 nan 1 -0.0 2; f32x4 nan 2 0.0 1"
    };
}
macro_rules! bitab {
    () => {
        "i32x4 0xff00ff00 -1 0 0x12345678; i32x4 0x0ff00ff0 0 -1 -1"
    };
}
macro_rules! ext8 {
    () => {
        "i8x16 -1 2 -128 127 0 0 0 5 -2 3 -4 5 -6 7 -8 9"
    };
}
macro_rules! ext16 {
    () => {
        "i16x8 -1 2 -32768 3 -5 6 7 -8"
    };
}
macro_rules! mul8 {
    () => {
        "i8x16 -128 127 -1 2 0 0 0 0 -128 -1 10 0 0 0 0 0; i8x16 -128 127 3 -4 0 0 0 0 127 -1 -10 0 0 0 0 0"
    };
}
macro_rules! mul16 {
    () => {
        "i16x8 -32768 32767 -1 2 -32768 -1 10 0; i16x8 -32768 32767 3 -4 32767 -1 -10 0"
    };
}
macro_rules! mul32 {
    () => {
        "i32x4 -2147483648 -1 2147483647 5; i32x4 -2147483648 3 -1 -5"
    };
}

/// Known answers for every opcode with a fixed signature that one
/// instruction can exercise.
#[rustfmt::skip]
fn rows() -> Vec<Row> {
    vec![
        // ---- constants ----
        ("i32.const", Imm::I32(-7), "", "-7"),
        ("i64.const", Imm::I64(1 << 40), "", "1099511627776"),
        ("f32.const", Imm::F32(Ieee32(0x7fa0_0000)), "", "nan:0x200000"),
        ("f64.const", Imm::F64(Ieee64::from_f64(-0.0)), "", "-0.0"),

        // ---- loads (memory byte i holds i mod 256) ----
        ("i32.load", mem(0), "0", "0x03020100"),
        ("i32.load", mem(0), "65532", "0xfffefdfc"),
        ("i32.load", mem(0), "65533", OOB),
        ("i32.load", mem(4), "65530", OOB),
        ("i32.load", mem(0xffff_ffff), "-1", OOB),
        ("i32.load", mem(0xffff_fff0), "16", OOB),
        ("i64.load", mem(8), "0", "0x0f0e0d0c0b0a0908"),
        ("i64.load", mem(0), "65528", "0xfffefdfcfbfaf9f8"),
        ("i64.load", mem(0), "65529", OOB),
        ("f32.load", mem(0), "0", "bits:0x03020100"),
        ("f64.load", mem(0), "0", "bits:0x0706050403020100"),
        ("i32.load8_s", mem(0), "0x80", "-128"),
        ("i32.load8_s", mem(0), "0x7f", "127"),
        ("i32.load8_u", mem(0), "0x80", "128"),
        ("i32.load8_u", mem(1), "65535", OOB),
        ("i32.load16_s", mem(0), "0x80", "-32384"),
        ("i32.load16_u", mem(0), "0x80", "33152"),
        ("i64.load8_s", mem(0), "0xff", "-1"),
        ("i64.load8_u", mem(0), "0xff", "255"),
        ("i64.load16_s", mem(0), "0xfe", "-2"),
        ("i64.load16_u", mem(0), "0xfe", "65534"),
        ("i64.load32_s", mem(0), "0xfc", "-66052"),
        ("i64.load32_u", mem(0), "0xfc", "4294901244"),

        // ---- stores (memory starts zeroed; the result is the 16 bytes at the address) ----
        ("i32.store", mem(0), "0; 0x11223344", "0x00000000000000000000000011223344"),
        ("i32.store", mem(4), "0; -1", "0x000000000000000000000000ffffffff"),
        ("i32.store", mem(0), "65533; 1", OOB),
        ("i64.store", mem(0), "8; 0x0102030405060708", "0x00000000000000000102030405060708"),
        ("i64.store", mem(65530), "0; 1", OOB),
        ("f32.store", mem(0), "0; -0.0", "0x00000000000000000000000080000000"),
        ("f64.store", mem(0), "0; 1.0", "0x00000000000000003ff0000000000000"),
        ("i32.store8", mem(0), "0; 0x1234", "0x00000000000000000000000000000034"),
        ("i32.store16", mem(0), "0; 0x123456", "0x00000000000000000000000000003456"),
        ("i64.store8", mem(0), "0; -1", "0x000000000000000000000000000000ff"),
        ("i64.store16", mem(0), "0; 0x1abcd", "0x0000000000000000000000000000abcd"),
        ("i64.store32", mem(0), "0; 0x123456789", "0x00000000000000000000000023456789"),

        // ---- i32 comparisons ----
        ("i32.eqz", n(), "0", "1"),
        ("i32.eqz", n(), "5", "0"),
        ("i32.eq", n(), "3; 3", "1"),
        ("i32.eq", n(), "3; 4", "0"),
        ("i32.ne", n(), "3; 4", "1"),
        ("i32.ne", n(), "-1; -1", "0"),
        ("i32.lt_s", n(), "-1; 0", "1"),
        ("i32.lt_u", n(), "-1; 0", "0"),
        ("i32.gt_s", n(), "-1; 0", "0"),
        ("i32.gt_u", n(), "-1; 0", "1"),
        ("i32.le_s", n(), "5; 5", "1"),
        ("i32.le_u", n(), "0x80000000; 1", "0"),
        ("i32.ge_s", n(), "-2147483648; 2147483647", "0"),
        ("i32.ge_u", n(), "-2147483648; 2147483647", "1"),

        // ---- i64 comparisons ----
        ("i64.eqz", n(), "0", "1"),
        ("i64.eqz", n(), "0x100000000", "0"),
        ("i64.eq", n(), "-1; -1", "1"),
        ("i64.ne", n(), "0x100000000; 0", "1"),
        ("i64.lt_s", n(), "-1; 0", "1"),
        ("i64.lt_u", n(), "-1; 0", "0"),
        ("i64.gt_s", n(), "-1; 0", "0"),
        ("i64.gt_u", n(), "-1; 0", "1"),
        ("i64.le_s", n(), "-9223372036854775808; -9223372036854775808", "1"),
        ("i64.le_u", n(), "0x8000000000000000; 1", "0"),
        ("i64.ge_s", n(), "-9223372036854775808; 9223372036854775807", "0"),
        ("i64.ge_u", n(), "-9223372036854775808; 9223372036854775807", "1"),

        // ---- float comparisons ----
        ("f32.eq", n(), "nan; nan", "0"),
        ("f32.eq", n(), "0.0; -0.0", "1"),
        ("f32.ne", n(), "nan; nan", "1"),
        ("f32.ne", n(), "1; 1", "0"),
        ("f32.lt", n(), "-inf; inf", "1"),
        ("f32.lt", n(), "nan; 1", "0"),
        ("f32.gt", n(), "2; 1", "1"),
        ("f32.gt", n(), "1; nan", "0"),
        ("f32.le", n(), "-0.0; 0.0", "1"),
        ("f32.le", n(), "1; nan", "0"),
        ("f32.ge", n(), "1; 1", "1"),
        ("f32.ge", n(), "nan:0x1; nan:0x1", "0"),
        ("f64.eq", n(), "nan; nan", "0"),
        ("f64.eq", n(), "-0.0; 0.0", "1"),
        ("f64.ne", n(), "nan; 1", "1"),
        ("f64.lt", n(), "-inf; inf", "1"),
        ("f64.gt", n(), "nan; 1", "0"),
        ("f64.gt", n(), "1e300; 1", "1"),
        ("f64.le", n(), "0.0; -0.0", "1"),
        ("f64.ge", n(), "-1; nan", "0"),
        ("f64.ge", n(), "2; 1", "1"),

        // ---- i32 arithmetic ----
        ("i32.clz", n(), "0", "32"),
        ("i32.clz", n(), "1", "31"),
        ("i32.clz", n(), "-1", "0"),
        ("i32.ctz", n(), "0", "32"),
        ("i32.ctz", n(), "0x80000000", "31"),
        ("i32.popcnt", n(), "-1", "32"),
        ("i32.popcnt", n(), "0x0f0f", "8"),
        ("i32.add", n(), "0x7fffffff; 1", "-2147483648"),
        ("i32.sub", n(), "-2147483648; 1", "2147483647"),
        ("i32.mul", n(), "0x10000; 0x10000", "0"),
        ("i32.mul", n(), "-3; 7", "-21"),
        ("i32.div_s", n(), "7; -2", "-3"),
        ("i32.div_s", n(), "-2147483648; -1", OVF),
        ("i32.div_s", n(), "1; 0", DIV0),
        ("i32.div_u", n(), "-1; 2", "2147483647"),
        ("i32.div_u", n(), "1; 0", DIV0),
        ("i32.rem_s", n(), "-7; 2", "-1"),
        ("i32.rem_s", n(), "-2147483648; -1", "0"),
        ("i32.rem_s", n(), "1; 0", DIV0),
        ("i32.rem_u", n(), "-1; 10", "5"),
        ("i32.rem_u", n(), "1; 0", DIV0),
        ("i32.and", n(), "0xff00; 0x0ff0", "0x0f00"),
        ("i32.or", n(), "0xff00; 0x0ff0", "0xfff0"),
        ("i32.xor", n(), "0xff00; 0x0ff0", "0xf0f0"),
        ("i32.shl", n(), "1; 33", "2"),
        ("i32.shl", n(), "1; 31", "-2147483648"),
        ("i32.shr_s", n(), "-8; 1", "-4"),
        ("i32.shr_s", n(), "-1; 100", "-1"),
        ("i32.shr_u", n(), "-8; 1", "2147483644"),
        ("i32.shr_u", n(), "-1; 32", "-1"),
        ("i32.rotl", n(), "0x80000001; 1", "3"),
        ("i32.rotl", n(), "1; -1", "-2147483648"),
        ("i32.rotr", n(), "1; 1", "-2147483648"),
        ("i32.rotr", n(), "3; 33", "0x80000001"),

        // ---- i64 arithmetic ----
        ("i64.clz", n(), "0", "64"),
        ("i64.clz", n(), "1", "63"),
        ("i64.ctz", n(), "0", "64"),
        ("i64.ctz", n(), "0x100000000", "32"),
        ("i64.popcnt", n(), "-1", "64"),
        ("i64.add", n(), "0x7fffffffffffffff; 1", "-9223372036854775808"),
        ("i64.sub", n(), "0; 1", "-1"),
        ("i64.mul", n(), "0x100000000; 0x100000000", "0"),
        ("i64.mul", n(), "-3; 7", "-21"),
        ("i64.div_s", n(), "-9223372036854775808; -1", OVF),
        ("i64.div_s", n(), "7; -2", "-3"),
        ("i64.div_s", n(), "1; 0", DIV0),
        ("i64.div_u", n(), "-1; 2", "9223372036854775807"),
        ("i64.div_u", n(), "1; 0", DIV0),
        ("i64.rem_s", n(), "-9223372036854775808; -1", "0"),
        ("i64.rem_s", n(), "-7; 2", "-1"),
        ("i64.rem_s", n(), "0; 0", DIV0),
        ("i64.rem_u", n(), "-1; 10", "5"),
        ("i64.rem_u", n(), "-1; 0", DIV0),
        ("i64.and", n(), "0xff00ff00ff00ff00; -1", "0xff00ff00ff00ff00"),
        ("i64.or", n(), "0xff00000000000000; 1", "0xff00000000000001"),
        ("i64.xor", n(), "-1; 0x00ff00ff00ff00ff", "0xff00ff00ff00ff00"),
        ("i64.shl", n(), "1; 65", "2"),
        ("i64.shl", n(), "1; 63", "-9223372036854775808"),
        ("i64.shr_s", n(), "-8; 1", "-4"),
        ("i64.shr_u", n(), "-8; 1", "9223372036854775804"),
        ("i64.shr_u", n(), "-8; 64", "-8"),
        ("i64.rotl", n(), "0x8000000000000001; 1", "3"),
        ("i64.rotl", n(), "1; -1", "-9223372036854775808"),
        ("i64.rotr", n(), "1; 1", "-9223372036854775808"),
        ("i64.rotr", n(), "3; 65", "0x8000000000000001"),

        // ---- f32 arithmetic (NaN results are the canonical NaN; bit operations keep payloads) ----
        ("f32.abs", n(), "-nan:0x200000", "nan:0x200000"),
        ("f32.abs", n(), "-1.5", "1.5"),
        ("f32.neg", n(), "0.0", "-0.0"),
        ("f32.neg", n(), "nan:0x1", "-nan:0x1"),
        ("f32.ceil", n(), "1.5", "2"),
        ("f32.ceil", n(), "-0.5", "-0.0"),
        ("f32.ceil", n(), "nan:0x200000", "nan"),
        ("f32.floor", n(), "-1.5", "-2"),
        ("f32.floor", n(), "0.5", "0"),
        ("f32.trunc", n(), "-1.7", "-1"),
        ("f32.trunc", n(), "-0.7", "-0.0"),
        ("f32.nearest", n(), "2.5", "2"),
        ("f32.nearest", n(), "3.5", "4"),
        ("f32.nearest", n(), "-0.5", "-0.0"),
        ("f32.nearest", n(), "8388609", "8388609"),
        ("f32.sqrt", n(), "4", "2"),
        ("f32.sqrt", n(), "-1", "nan"),
        ("f32.sqrt", n(), "-0.0", "-0.0"),
        ("f32.add", n(), "1; 2", "3"),
        ("f32.add", n(), "inf; -inf", "nan"),
        ("f32.add", n(), "-nan:0x1; 1", "nan"),
        ("f32.sub", n(), "1; 2", "-1"),
        ("f32.sub", n(), "-0.0; 0.0", "-0.0"),
        ("f32.mul", n(), "1.5; 2", "3"),
        ("f32.mul", n(), "0; inf", "nan"),
        ("f32.div", n(), "1; 0", "inf"),
        ("f32.div", n(), "-1; 0", "-inf"),
        ("f32.div", n(), "0; 0", "nan"),
        ("f32.min", n(), "-0.0; 0.0", "-0.0"),
        ("f32.min", n(), "0.0; -0.0", "-0.0"),
        ("f32.min", n(), "1; nan:0x5", "nan"),
        ("f32.min", n(), "1; 2", "1"),
        ("f32.max", n(), "-0.0; 0.0", "0.0"),
        ("f32.max", n(), "0.0; -0.0", "0.0"),
        ("f32.max", n(), "nan; 1", "nan"),
        ("f32.max", n(), "1; 2", "2"),
        ("f32.copysign", n(), "1.5; -0.0", "-1.5"),
        ("f32.copysign", n(), "-nan:0x1; 1", "nan:0x1"),

        // ---- f64 arithmetic ----
        ("f64.abs", n(), "-nan:0x1", "nan:0x1"),
        ("f64.abs", n(), "-inf", "inf"),
        ("f64.neg", n(), "-0.0", "0.0"),
        ("f64.neg", n(), "nan:0x8000000000000", "-nan:0x8000000000000"),
        ("f64.ceil", n(), "-1.5", "-1"),
        ("f64.ceil", n(), "nan:0x1", "nan"),
        ("f64.floor", n(), "-0.5", "-1"),
        ("f64.floor", n(), "-0.0", "-0.0"),
        ("f64.trunc", n(), "1e300", "1e300"),
        ("f64.trunc", n(), "-2.9", "-2"),
        ("f64.nearest", n(), "-2.5", "-2"),
        ("f64.nearest", n(), "0.5", "0"),
        ("f64.nearest", n(), "4503599627370497", "4503599627370497"),
        ("f64.sqrt", n(), "2.25", "1.5"),
        ("f64.sqrt", n(), "-inf", "nan"),
        ("f64.add", n(), "0.1; 0.2", "0.30000000000000004"),
        ("f64.add", n(), "-0.0; -0.0", "-0.0"),
        ("f64.sub", n(), "inf; inf", "nan"),
        ("f64.mul", n(), "-2; 0", "-0.0"),
        ("f64.div", n(), "1; 3", "0.3333333333333333"),
        ("f64.div", n(), "-0.0; 0", "nan"),
        ("f64.min", n(), "0.0; -0.0", "-0.0"),
        ("f64.min", n(), "nan; -inf", "nan"),
        ("f64.max", n(), "-0.0; 0.0", "0.0"),
        ("f64.max", n(), "-inf; -1e300", "-1e300"),
        ("f64.copysign", n(), "2; -nan", "-2"),
        ("f64.copysign", n(), "-inf; 1", "inf"),

        // ---- conversions ----
        ("i32.wrap_i64", n(), "0x100000005", "5"),
        ("i32.wrap_i64", n(), "-1", "-1"),
        ("i32.trunc_f32_s", n(), "-1.9", "-1"),
        ("i32.trunc_f32_s", n(), "-2147483648", "-2147483648"),
        ("i32.trunc_f32_s", n(), "2147483648", OVF),
        ("i32.trunc_f32_s", n(), "-2147483904", OVF),
        ("i32.trunc_f32_s", n(), "nan", BADCONV),
        ("i32.trunc_f32_u", n(), "-0.9", "0"),
        ("i32.trunc_f32_u", n(), "4294967040", "-256"),
        ("i32.trunc_f32_u", n(), "-1", OVF),
        ("i32.trunc_f32_u", n(), "4294967296", OVF),
        ("i32.trunc_f32_u", n(), "-nan", BADCONV),
        ("i32.trunc_f64_s", n(), "2147483647.9", "2147483647"),
        ("i32.trunc_f64_s", n(), "-2147483648.9", "-2147483648"),
        ("i32.trunc_f64_s", n(), "2147483648", OVF),
        ("i32.trunc_f64_s", n(), "-2147483649", OVF),
        ("i32.trunc_f64_s", n(), "inf", OVF),
        ("i32.trunc_f64_u", n(), "4294967295.9", "-1"),
        ("i32.trunc_f64_u", n(), "-0.99", "0"),
        ("i32.trunc_f64_u", n(), "4294967296", OVF),
        ("i32.trunc_f64_u", n(), "nan:0x1", BADCONV),
        ("i64.extend_i32_s", n(), "-1", "-1"),
        ("i64.extend_i32_u", n(), "-1", "4294967295"),
        ("i64.trunc_f32_s", n(), "-9223372036854775808", "-9223372036854775808"),
        ("i64.trunc_f32_s", n(), "9223372036854775808", OVF),
        ("i64.trunc_f32_s", n(), "nan", BADCONV),
        ("i64.trunc_f32_u", n(), "18446742974197923840", "-1099511627776"),
        ("i64.trunc_f32_u", n(), "18446744073709551616", OVF),
        ("i64.trunc_f32_u", n(), "-1", OVF),
        ("i64.trunc_f64_s", n(), "-9223372036854775808", "-9223372036854775808"),
        ("i64.trunc_f64_s", n(), "9223372036854775808", OVF),
        ("i64.trunc_f64_s", n(), "-9223372036854777856", OVF),
        ("i64.trunc_f64_s", n(), "-1.5", "-1"),
        ("i64.trunc_f64_u", n(), "18446744073709549568", "-2048"),
        ("i64.trunc_f64_u", n(), "18446744073709551616", OVF),
        ("i64.trunc_f64_u", n(), "-0.5", "0"),
        ("i64.trunc_f64_u", n(), "nan", BADCONV),
        ("f32.convert_i32_s", n(), "-1", "-1"),
        ("f32.convert_i32_s", n(), "16777217", "16777216"),
        ("f32.convert_i32_u", n(), "-1", "4294967296"),
        ("f32.convert_i32_u", n(), "16777219", "16777220"),
        ("f32.convert_i64_s", n(), "-9223372036854775808", "-9223372036854775808"),
        // 2^54 + 2^30 + 1: rounding through f64 first would give 2^54.
        ("f32.convert_i64_s", n(), "18014399583223809", "18014400656965632"),
        ("f32.convert_i64_u", n(), "-1", "18446744073709551616"),
        ("f32.convert_i64_u", n(), "18014399583223809", "18014400656965632"),
        ("f32.demote_f64", n(), "1e300", "inf"),
        ("f32.demote_f64", n(), "1.00000001", "1"),
        ("f32.demote_f64", n(), "nan:0x4000000000000", "nan"),
        ("f64.convert_i32_s", n(), "-5", "-5"),
        ("f64.convert_i32_u", n(), "-1", "4294967295"),
        ("f64.convert_i64_s", n(), "9007199254740993", "9007199254740992"),
        ("f64.convert_i64_u", n(), "-1", "18446744073709551616"),
        ("f64.promote_f32", n(), "1.5", "1.5"),
        ("f64.promote_f32", n(), "nan:0x200000", "nan"),
        ("i32.reinterpret_f32", n(), "-0.0", "-2147483648"),
        ("i32.reinterpret_f32", n(), "nan:0x200000", "0x7fa00000"),
        ("i64.reinterpret_f64", n(), "-0.0", "-9223372036854775808"),
        ("f32.reinterpret_i32", n(), "0x7fa00000", "nan:0x200000"),
        ("f64.reinterpret_i64", n(), "0x3ff0000000000000", "1"),
        ("i32.extend8_s", n(), "0x80", "-128"),
        ("i32.extend8_s", n(), "0x17f", "127"),
        ("i32.extend16_s", n(), "0x8000", "-32768"),
        ("i64.extend8_s", n(), "0xff", "-1"),
        ("i64.extend16_s", n(), "0x7fff", "32767"),
        ("i64.extend32_s", n(), "0x80000000", "-2147483648"),
        ("i32.trunc_sat_f32_s", n(), "nan", "0"),
        ("i32.trunc_sat_f32_s", n(), "1e10", "2147483647"),
        ("i32.trunc_sat_f32_s", n(), "-1e10", "-2147483648"),
        ("i32.trunc_sat_f32_s", n(), "-1.5", "-1"),
        ("i32.trunc_sat_f32_u", n(), "-1", "0"),
        ("i32.trunc_sat_f32_u", n(), "1e10", "-1"),
        ("i32.trunc_sat_f64_s", n(), "-inf", "-2147483648"),
        ("i32.trunc_sat_f64_u", n(), "4294967295.5", "-1"),
        ("i32.trunc_sat_f64_u", n(), "nan", "0"),
        ("i64.trunc_sat_f32_s", n(), "inf", "9223372036854775807"),
        ("i64.trunc_sat_f32_u", n(), "-inf", "0"),
        ("i64.trunc_sat_f64_s", n(), "-1e300", "-9223372036854775808"),
        ("i64.trunc_sat_f64_u", n(), "1e300", "-1"),
        ("i64.trunc_sat_f64_u", n(), "-nan", "0"),

        // ---- simd: memory (byte i holds i mod 256) ----
        ("v128.load", mem(0), "0", "0x0f0e0d0c0b0a09080706050403020100"),
        ("v128.load", mem(0), "65521", OOB),
        ("v128.load", mem(65520), "0", "0xfffefdfcfbfaf9f8f7f6f5f4f3f2f1f0"),
        ("v128.load8x8_s", mem(0), "0x7c", "i16x8 124 125 126 127 -128 -127 -126 -125"),
        ("v128.load8x8_u", mem(0), "0x7c", "i16x8 124 125 126 127 128 129 130 131"),
        ("v128.load8x8_u", mem(0), "65529", OOB),
        ("v128.load16x4_s", mem(0), "0x7c", "i32x4 32124 32638 -32384 -31870"),
        ("v128.load16x4_u", mem(0), "0x7c", "i32x4 32124 32638 33152 33666"),
        ("v128.load32x2_s", mem(0), "0x7c", "i64x2 2138996092 -2088599168"),
        ("v128.load32x2_u", mem(0), "0x7c", "i64x2 2138996092 2206368128"),
        ("v128.load8_splat", mem(0), "0x42", "i8x16 66 66 66 66 66 66 66 66 66 66 66 66 66 66 66 66"),
        ("v128.load8_splat", mem(0), "65536", OOB),
        ("v128.load16_splat", mem(0), "0x42", "i16x8 17218 17218 17218 17218 17218 17218 17218 17218"),
        ("v128.load32_splat", mem(0), "0", "i32x4 0x03020100 0x03020100 0x03020100 0x03020100"),
        ("v128.load64_splat", mem(0), "8", "i64x2 0x0f0e0d0c0b0a0908 0x0f0e0d0c0b0a0908"),
        ("v128.load32_zero", mem(0), "4", "i32x4 0x07060504"),
        ("v128.load64_zero", mem(0), "8", "i64x2 0x0f0e0d0c0b0a0908"),
        ("v128.load64_zero", mem(0), "65529", OOB),
        ("v128.store", mem(0), "16; i32x4 1 2 3 4", "i32x4 1 2 3 4"),
        ("v128.store", mem(0), "65521; 0", OOB),
        ("v128.load8_lane", ml(0, 15), "0x42; i8x16 0", "i8x16 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0 66"),
        ("v128.load16_lane", ml(0, 1), "0x10; i16x8 -1 -1 -1 -1 -1 -1 -1 -1", "i16x8 -1 4368 -1 -1 -1 -1 -1 -1"),
        ("v128.load32_lane", ml(0, 3), "0; i32x4 7 7 7 7", "i32x4 7 7 7 0x03020100"),
        ("v128.load64_lane", ml(0, 0), "8; i64x2 5 6", "i64x2 0x0f0e0d0c0b0a0908 6"),
        ("v128.load64_lane", ml(0, 0), "65529; i64x2 5 6", OOB),
        ("v128.store8_lane", ml(0, 2), "0; i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", "i8x16 2"),
        ("v128.store16_lane", ml(0, 7), "0; i16x8 0 0 0 0 0 0 0 -2", "i16x8 -2"),
        ("v128.store32_lane", ml(0, 1), "0; i32x4 1 2 3 4", "i32x4 2"),
        ("v128.store64_lane", ml(0, 1), "0; i64x2 1 -9", "i64x2 -9"),
        ("v128.store64_lane", ml(65529, 1), "0; i64x2 1 -9", OOB),

        // ---- simd: constants, shuffles, splats, lanes ----
        ("v128.const", Imm::V128(V128Imm::from_u128(0x0011_2233_4455_6677_8899_aabb_ccdd_eeff)), "",
            "0x00112233445566778899aabbccddeeff"),
        ("i8x16.shuffle", Imm::Shuffle([0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12, 29, 14, 31]),
            "i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; i8x16 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31",
            "i8x16 0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31"),
        ("i8x16.shuffle", Imm::Shuffle([31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16]),
            "i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; i8x16 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31",
            "i8x16 31 30 29 28 27 26 25 24 23 22 21 20 19 18 17 16"),
        ("i8x16.swizzle", n(),
            "i8x16 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25; i8x16 0 15 16 255 1 128 3 17 2 2 2 2 2 2 2 2",
            "i8x16 10 25 0 0 11 0 13 0 12 12 12 12 12 12 12 12"),
        ("i8x16.splat", n(), "0x1ff", "i8x16 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1 -1"),
        ("i16x8.splat", n(), "0x18000", "i16x8 -32768 -32768 -32768 -32768 -32768 -32768 -32768 -32768"),
        ("i32x4.splat", n(), "-5", "i32x4 -5 -5 -5 -5"),
        ("i64x2.splat", n(), "7", "i64x2 7 7"),
        ("f32x4.splat", n(), "nan:0x1", "f32x4 nan:0x1 nan:0x1 nan:0x1 nan:0x1"),
        ("f64x2.splat", n(), "-0.0", "f64x2 -0.0 -0.0"),
        ("i8x16.extract_lane_s", lane(3), "i8x16 0 0 0 -1", "-1"),
        ("i8x16.extract_lane_u", lane(3), "i8x16 0 0 0 -1", "255"),
        ("i8x16.replace_lane", lane(15), "i8x16 1; 0x181", "i8x16 1 0 0 0 0 0 0 0 0 0 0 0 0 0 0 -127"),
        ("i16x8.extract_lane_s", lane(7), "i16x8 0 0 0 0 0 0 0 -2", "-2"),
        ("i16x8.extract_lane_u", lane(7), "i16x8 0 0 0 0 0 0 0 -2", "65534"),
        ("i16x8.replace_lane", lane(0), "i16x8 0 9; 0x12345", "i16x8 0x2345 9"),
        ("i32x4.extract_lane", lane(2), "i32x4 1 2 3 4", "3"),
        ("i32x4.replace_lane", lane(3), "i32x4 1 2 3 4; -1", "i32x4 1 2 3 -1"),
        ("i64x2.extract_lane", lane(1), "i64x2 1 -2", "-2"),
        ("i64x2.replace_lane", lane(0), "i64x2 1 -2; 0x100000000", "i64x2 0x100000000 -2"),
        ("f32x4.extract_lane", lane(0), "f32x4 nan:0x1 2 3 4", "nan:0x1"),
        ("f32x4.replace_lane", lane(1), "f32x4 1 2 3 4; -nan:0x5", "f32x4 1 -nan:0x5 3 4"),
        ("f64x2.extract_lane", lane(1), "f64x2 0 -1.5", "-1.5"),
        ("f64x2.replace_lane", lane(1), "f64x2 1 2; -0.0", "f64x2 1 -0.0"),

        // ---- simd: comparisons (all-ones lanes where true) ----
        ("i8x16.eq", n(), i8ab!(), "i8x16 -1 0 0 0 0 -1 0 0 -1 -1 -1 -1 -1 -1 -1 -1"),
        ("i8x16.ne", n(), i8ab!(), "i8x16 0 -1 -1 -1 -1 0 -1 -1 0 0 0 0 0 0 0 0"),
        ("i8x16.lt_s", n(), i8ab!(), "i8x16 0 -1 -1 0 -1 0 0 -1 0 0 0 0 0 0 0 0"),
        ("i8x16.lt_u", n(), i8ab!(), "i8x16 0 -1 0 -1 0 0 0 -1 0 0 0 0 0 0 0 0"),
        ("i8x16.gt_s", n(), i8ab!(), "i8x16 0 0 0 -1 0 0 -1 0 0 0 0 0 0 0 0 0"),
        ("i8x16.gt_u", n(), i8ab!(), "i8x16 0 0 -1 0 -1 0 -1 0 0 0 0 0 0 0 0 0"),
        ("i8x16.le_s", n(), i8ab!(), "i8x16 -1 -1 -1 0 -1 -1 0 -1 -1 -1 -1 -1 -1 -1 -1 -1"),
        ("i8x16.le_u", n(), i8ab!(), "i8x16 -1 -1 0 -1 0 -1 0 -1 -1 -1 -1 -1 -1 -1 -1 -1"),
        ("i8x16.ge_s", n(), i8ab!(), "i8x16 -1 0 0 -1 0 -1 -1 0 -1 -1 -1 -1 -1 -1 -1 -1"),
        ("i8x16.ge_u", n(), i8ab!(), "i8x16 -1 0 -1 0 -1 -1 -1 0 -1 -1 -1 -1 -1 -1 -1 -1"),
        ("i16x8.eq", n(), i16ab!(), "i16x8 -1 0 0 0 0 -1 0 0"),
        ("i16x8.ne", n(), i16ab!(), "i16x8 0 -1 -1 -1 -1 0 -1 -1"),
        ("i16x8.lt_s", n(), i16ab!(), "i16x8 0 -1 -1 0 -1 0 0 -1"),
        ("i16x8.lt_u", n(), i16ab!(), "i16x8 0 -1 0 -1 0 0 0 -1"),
        ("i16x8.gt_s", n(), i16ab!(), "i16x8 0 0 0 -1 0 0 -1 0"),
        ("i16x8.gt_u", n(), i16ab!(), "i16x8 0 0 -1 0 -1 0 -1 0"),
        ("i16x8.le_s", n(), i16ab!(), "i16x8 -1 -1 -1 0 -1 -1 0 -1"),
        ("i16x8.le_u", n(), i16ab!(), "i16x8 -1 -1 0 -1 0 -1 0 -1"),
        ("i16x8.ge_s", n(), i16ab!(), "i16x8 -1 0 0 -1 0 -1 -1 0"),
        ("i16x8.ge_u", n(), i16ab!(), "i16x8 -1 0 -1 0 -1 -1 -1 0"),
        ("i32x4.eq", n(), i32ab!(), "i32x4 -1 0 0 0"),
        ("i32x4.ne", n(), i32ab!(), "i32x4 0 -1 -1 -1"),
        ("i32x4.lt_s", n(), i32ab!(), "i32x4 0 -1 0 0"),
        ("i32x4.lt_u", n(), i32ab!(), "i32x4 0 0 -1 0"),
        ("i32x4.gt_s", n(), i32ab!(), "i32x4 0 0 -1 -1"),
        ("i32x4.gt_u", n(), i32ab!(), "i32x4 0 -1 0 -1"),
        ("i32x4.le_s", n(), i32ab!(), "i32x4 -1 -1 0 0"),
        ("i32x4.le_u", n(), i32ab!(), "i32x4 -1 0 -1 0"),
        ("i32x4.ge_s", n(), i32ab!(), "i32x4 -1 0 -1 -1"),
        ("i32x4.ge_u", n(), i32ab!(), "i32x4 -1 -1 0 -1"),
        ("i64x2.eq", n(), "i64x2 -1 5; i64x2 1 5", "i64x2 0 -1"),
        ("i64x2.ne", n(), "i64x2 -1 5; i64x2 1 5", "i64x2 -1 0"),
        ("i64x2.lt_s", n(), "i64x2 -1 5; i64x2 1 5", "i64x2 -1 0"),
        ("i64x2.gt_s", n(), "i64x2 -1 6; i64x2 1 5", "i64x2 0 -1"),
        ("i64x2.le_s", n(), "i64x2 -1 6; i64x2 1 5", "i64x2 -1 0"),
        ("i64x2.ge_s", n(), "i64x2 -1 5; i64x2 1 5", "i64x2 0 -1"),
        ("f32x4.eq", n(), f32ab!(), "i32x4 0 0 -1 0"),
        ("f32x4.ne", n(), f32ab!(), "i32x4 -1 -1 0 -1"),
        ("f32x4.lt", n(), f32ab!(), "i32x4 0 -1 0 0"),
        ("f32x4.gt", n(), f32ab!(), "i32x4 0 0 0 -1"),
        ("f32x4.le", n(), f32ab!(), "i32x4 0 -1 -1 0"),
        ("f32x4.ge", n(), f32ab!(), "i32x4 0 0 -1 -1"),
        ("f64x2.eq", n(), "f64x2 nan 1; f64x2 nan 1", "i64x2 0 -1"),
        ("f64x2.ne", n(), "f64x2 nan 1; f64x2 nan 1", "i64x2 -1 0"),
        ("f64x2.lt", n(), "f64x2 nan 1; f64x2 nan 2", "i64x2 0 -1"),
        ("f64x2.gt", n(), "f64x2 nan 3; f64x2 nan 2", "i64x2 0 -1"),
        ("f64x2.le", n(), "f64x2 -0.0 3; f64x2 0.0 2", "i64x2 -1 0"),
        ("f64x2.ge", n(), "f64x2 1 nan; f64x2 1 nan", "i64x2 -1 0"),

        // ---- simd: bitwise ----
        ("v128.not", n(), "0", "0xffffffffffffffffffffffffffffffff"),
        ("v128.and", n(), bitab!(), "i32x4 0x0f000f00 0 0 0x12345678"),
        ("v128.andnot", n(), bitab!(), "i32x4 0xf000f000 -1 0 0"),
        ("v128.or", n(), bitab!(), "i32x4 0xfff0fff0 -1 -1 -1"),
        ("v128.xor", n(), bitab!(), "i32x4 0xf0f0f0f0 -1 -1 0xedcba987"),
        ("v128.bitselect", n(), "i32x4 -1 -1 0 0x12345678; i32x4 0 0 -1 0; i32x4 0xffff0000 0 0 0xff",
            "i32x4 0xffff0000 0 -1 0x78"),
        ("v128.any_true", n(), "0", "0"),
        ("v128.any_true", n(), "0x100000000000000000000", "1"),

        // ---- simd: i8x16 arithmetic ----
        ("i8x16.abs", n(), "i8x16 -128 -1 0 1 127 -5", "i8x16 -128 1 0 1 127 5"),
        ("i8x16.neg", n(), "i8x16 -128 -1 0 1 127 -5", "i8x16 -128 1 0 -1 -127 5"),
        ("i8x16.popcnt", n(), "i8x16 -1 0 1 3 0x55 0x80", "i8x16 8 0 1 2 4 1"),
        ("i8x16.all_true", n(), "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 -1", "1"),
        ("i8x16.all_true", n(), "i8x16 1 1 1 1 1 1 1 1 1 1 1 1 1 1 1 0", "0"),
        ("i8x16.bitmask", n(), "i8x16 -1 0 -128 127 0 0 0 0 0 0 0 0 0 0 0 -1", "32773"),
        ("i8x16.narrow_i16x8_s", n(), "i16x8 300 -300 127 -128 128 -129 0 1; i16x8 -1 2 3 4 5 6 7 32767",
            "i8x16 127 -128 127 -128 127 -128 0 1 -1 2 3 4 5 6 7 127"),
        ("i8x16.narrow_i16x8_u", n(), "i16x8 300 -300 127 -128 128 -129 0 1; i16x8 -1 2 3 4 5 6 7 32767",
            "i8x16 255 0 127 0 128 0 0 1 0 2 3 4 5 6 7 255"),
        ("i8x16.shl", n(), "i8x16 1 -1 0x40; 9", "i8x16 2 -2 -128"),
        ("i8x16.shr_s", n(), "i8x16 -128 64 -1; 15", "i8x16 -1 0 -1"),
        ("i8x16.shr_u", n(), "i8x16 -128 64 -1; 7", "i8x16 1 0 1"),
        ("i8x16.add", n(), "i8x16 127 -128 1; i8x16 1 -1 1", "i8x16 -128 127 2"),
        ("i8x16.add_sat_s", n(), "i8x16 127 -128 1; i8x16 1 -1 1", "i8x16 127 -128 2"),
        ("i8x16.add_sat_u", n(), "i8x16 255 1 200; i8x16 1 1 100", "i8x16 255 2 255"),
        ("i8x16.sub", n(), "i8x16 -128 0; i8x16 1 1", "i8x16 127 -1"),
        ("i8x16.sub_sat_s", n(), "i8x16 -128 0 127; i8x16 1 1 -1", "i8x16 -128 -1 127"),
        ("i8x16.sub_sat_u", n(), "i8x16 0 5; i8x16 1 3", "i8x16 0 2"),
        ("i8x16.min_s", n(), "i8x16 -1 5; i8x16 1 3", "i8x16 -1 3"),
        ("i8x16.min_u", n(), "i8x16 -1 5; i8x16 1 3", "i8x16 1 3"),
        ("i8x16.max_s", n(), "i8x16 -1 5; i8x16 1 3", "i8x16 1 5"),
        ("i8x16.max_u", n(), "i8x16 -1 5; i8x16 1 3", "i8x16 255 5"),
        ("i8x16.avgr_u", n(), "i8x16 255 0 1 2; i8x16 255 1 2 2", "i8x16 255 1 2 2"),

        // ---- simd: i16x8 arithmetic ----
        ("i16x8.extadd_pairwise_i8x16_s", n(), "i8x16 -128 -128 127 127 -1 1", "i16x8 -256 254 0"),
        ("i16x8.extadd_pairwise_i8x16_u", n(), "i8x16 -128 -128 127 127 -1 1", "i16x8 256 254 256"),
        ("i16x8.abs", n(), "i16x8 -32768 -5 5", "i16x8 -32768 5 5"),
        ("i16x8.neg", n(), "i16x8 -32768 -5 5", "i16x8 -32768 5 -5"),
        ("i16x8.q15mulr_sat_s", n(), "i16x8 -32768 16384 -32768 1; i16x8 -32768 16384 32767 1",
            "i16x8 32767 8192 -32767 0"),
        ("i16x8.all_true", n(), "i16x8 1 1 1 1 1 1 1 0x100", "1"),
        ("i16x8.all_true", n(), "i16x8 1 1 1 0 1 1 1 1", "0"),
        ("i16x8.bitmask", n(), "i16x8 -1 0 0 0 0 0 0 -32768", "129"),
        ("i16x8.narrow_i32x4_s", n(), "i32x4 40000 -40000 5 -5; i32x4 32767 32768 -32768 -32769",
            "i16x8 32767 -32768 5 -5 32767 32767 -32768 -32768"),
        ("i16x8.narrow_i32x4_u", n(), "i32x4 40000 -40000 5 -5; i32x4 32767 32768 -32768 -32769",
            "i16x8 40000 0 5 0 32767 32768 0 0"),
        ("i16x8.extend_low_i8x16_s", n(), ext8!(), "i16x8 -1 2 -128 127 0 0 0 5"),
        ("i16x8.extend_high_i8x16_s", n(), ext8!(), "i16x8 -2 3 -4 5 -6 7 -8 9"),
        ("i16x8.extend_low_i8x16_u", n(), ext8!(), "i16x8 255 2 128 127 0 0 0 5"),
        ("i16x8.extend_high_i8x16_u", n(), ext8!(), "i16x8 254 3 252 5 250 7 248 9"),
        ("i16x8.shl", n(), "i16x8 1 -1; 17", "i16x8 2 -2"),
        ("i16x8.shr_s", n(), "i16x8 -32768 4; 2", "i16x8 -8192 1"),
        ("i16x8.shr_u", n(), "i16x8 -32768 4; 2", "i16x8 8192 1"),
        ("i16x8.add", n(), "i16x8 32767 1; i16x8 1 1", "i16x8 -32768 2"),
        ("i16x8.add_sat_s", n(), "i16x8 32767 1 -32768; i16x8 1 1 -1", "i16x8 32767 2 -32768"),
        ("i16x8.add_sat_u", n(), "i16x8 65535 1; i16x8 1 1", "i16x8 65535 2"),
        ("i16x8.sub", n(), "i16x8 -32768 0; i16x8 1 1", "i16x8 32767 -1"),
        ("i16x8.sub_sat_s", n(), "i16x8 -32768 0; i16x8 1 1", "i16x8 -32768 -1"),
        ("i16x8.sub_sat_u", n(), "i16x8 0 5; i16x8 1 3", "i16x8 0 2"),
        ("i16x8.mul", n(), "i16x8 256 -3; i16x8 256 7", "i16x8 0 -21"),
        ("i16x8.min_s", n(), "i16x8 -1 5; i16x8 1 3", "i16x8 -1 3"),
        ("i16x8.min_u", n(), "i16x8 -1 5; i16x8 1 3", "i16x8 1 3"),
        ("i16x8.max_s", n(), "i16x8 -1 5; i16x8 1 3", "i16x8 1 5"),
        ("i16x8.max_u", n(), "i16x8 -1 5; i16x8 1 3", "i16x8 65535 5"),
        ("i16x8.avgr_u", n(), "i16x8 65535 0 1; i16x8 65535 1 2", "i16x8 65535 1 2"),
        ("i16x8.extmul_low_i8x16_s", n(), mul8!(), "i16x8 16384 16129 -3 -8"),
        ("i16x8.extmul_high_i8x16_s", n(), mul8!(), "i16x8 -16256 1 -100"),
        ("i16x8.extmul_low_i8x16_u", n(), mul8!(), "i16x8 16384 16129 765 504"),
        ("i16x8.extmul_high_i8x16_u", n(), mul8!(), "i16x8 16256 65025 2460"),

        // ---- simd: i32x4 arithmetic ----
        ("i32x4.extadd_pairwise_i16x8_s", n(), "i16x8 -32768 -32768 32767 32767 -1 1", "i32x4 -65536 65534 0"),
        ("i32x4.extadd_pairwise_i16x8_u", n(), "i16x8 -32768 -32768 32767 32767 -1 1", "i32x4 65536 65534 65536"),
        ("i32x4.abs", n(), "i32x4 -2147483648 -5 5", "i32x4 -2147483648 5 5"),
        ("i32x4.neg", n(), "i32x4 -2147483648 -5 5", "i32x4 -2147483648 5 -5"),
        ("i32x4.all_true", n(), "i32x4 1 1 1 0x10000", "1"),
        ("i32x4.all_true", n(), "i32x4 1 0 1 1", "0"),
        ("i32x4.bitmask", n(), "i32x4 -1 0 -2147483648 1", "5"),
        ("i32x4.extend_low_i16x8_s", n(), ext16!(), "i32x4 -1 2 -32768 3"),
        ("i32x4.extend_high_i16x8_s", n(), ext16!(), "i32x4 -5 6 7 -8"),
        ("i32x4.extend_low_i16x8_u", n(), ext16!(), "i32x4 65535 2 32768 3"),
        ("i32x4.extend_high_i16x8_u", n(), ext16!(), "i32x4 65531 6 7 65528"),
        ("i32x4.shl", n(), "i32x4 1 -1; 33", "i32x4 2 -2"),
        ("i32x4.shr_s", n(), "i32x4 -8 8; 1", "i32x4 -4 4"),
        ("i32x4.shr_u", n(), "i32x4 -8 8; 1", "i32x4 0x7ffffffc 4"),
        ("i32x4.add", n(), "i32x4 2147483647 1; i32x4 1 1", "i32x4 -2147483648 2"),
        ("i32x4.sub", n(), "i32x4 -2147483648 0; i32x4 1 1", "i32x4 2147483647 -1"),
        ("i32x4.mul", n(), "i32x4 65536 -3; i32x4 65536 7", "i32x4 0 -21"),
        ("i32x4.min_s", n(), "i32x4 -1 5; i32x4 1 3", "i32x4 -1 3"),
        ("i32x4.min_u", n(), "i32x4 -1 5; i32x4 1 3", "i32x4 1 3"),
        ("i32x4.max_s", n(), "i32x4 -1 5; i32x4 1 3", "i32x4 1 5"),
        ("i32x4.max_u", n(), "i32x4 -1 5; i32x4 1 3", "i32x4 -1 5"),
        ("i32x4.dot_i16x8_s", n(), "i16x8 -32768 -32768 1 2 3 4 -5 6; i16x8 -32768 -32768 7 8 9 10 11 12",
            "i32x4 -2147483648 23 67 17"),
        ("i32x4.extmul_low_i16x8_s", n(), mul16!(), "i32x4 1073741824 1073676289 -3 -8"),
        ("i32x4.extmul_high_i16x8_s", n(), mul16!(), "i32x4 -1073709056 1 -100"),
        ("i32x4.extmul_low_i16x8_u", n(), mul16!(), "i32x4 1073741824 1073676289 196605 131064"),
        ("i32x4.extmul_high_i16x8_u", n(), mul16!(), "i32x4 1073709056 4294836225 655260"),

        // ---- simd: i64x2 arithmetic ----
        ("i64x2.abs", n(), "i64x2 -9223372036854775808 -5", "i64x2 -9223372036854775808 5"),
        ("i64x2.neg", n(), "i64x2 -9223372036854775808 5", "i64x2 -9223372036854775808 -5"),
        ("i64x2.all_true", n(), "i64x2 1 0x100000000", "1"),
        ("i64x2.all_true", n(), "i64x2 0 1", "0"),
        ("i64x2.bitmask", n(), "i64x2 0 -1", "2"),
        ("i64x2.extend_low_i32x4_s", n(), "i32x4 -1 2 -3 4", "i64x2 -1 2"),
        ("i64x2.extend_high_i32x4_s", n(), "i32x4 -1 2 -3 4", "i64x2 -3 4"),
        ("i64x2.extend_low_i32x4_u", n(), "i32x4 -1 2 -3 4", "i64x2 4294967295 2"),
        ("i64x2.extend_high_i32x4_u", n(), "i32x4 -1 2 -3 4", "i64x2 4294967293 4"),
        ("i64x2.shl", n(), "i64x2 1 -1; 65", "i64x2 2 -2"),
        ("i64x2.shr_s", n(), "i64x2 -8 8; 1", "i64x2 -4 4"),
        ("i64x2.shr_u", n(), "i64x2 -8 8; 1", "i64x2 0x7ffffffffffffffc 4"),
        ("i64x2.add", n(), "i64x2 9223372036854775807 1; i64x2 1 1", "i64x2 -9223372036854775808 2"),
        ("i64x2.sub", n(), "i64x2 -9223372036854775808 0; i64x2 1 1", "i64x2 9223372036854775807 -1"),
        ("i64x2.mul", n(), "i64x2 0x100000000 -3; i64x2 0x100000000 7", "i64x2 0 -21"),
        ("i64x2.extmul_low_i32x4_s", n(), mul32!(), "i64x2 4611686018427387904 -3"),
        ("i64x2.extmul_high_i32x4_s", n(), mul32!(), "i64x2 -2147483647 -25"),
        ("i64x2.extmul_low_i32x4_u", n(), mul32!(), "i64x2 4611686018427387904 12884901885"),
        ("i64x2.extmul_high_i32x4_u", n(), mul32!(), "i64x2 9223372030412324865 21474836455"),

        // ---- simd: f32x4 arithmetic ----
        ("f32x4.ceil", n(), "f32x4 1.5 -0.5 nan:0x1 -inf", "f32x4 2 -0.0 nan -inf"),
        ("f32x4.floor", n(), "f32x4 1.5 -0.5 0.5 inf", "f32x4 1 -1 0 inf"),
        ("f32x4.trunc", n(), "f32x4 1.5 -1.5 -0.5 nan", "f32x4 1 -1 -0.0 nan"),
        ("f32x4.nearest", n(), "f32x4 2.5 3.5 -0.5 -2.5", "f32x4 2 4 -0.0 -2"),
        ("f32x4.abs", n(), "f32x4 -nan:0x1 -1 0 -0.0", "f32x4 nan:0x1 1 0 0"),
        ("f32x4.neg", n(), "f32x4 nan:0x1 -1 0 inf", "f32x4 -nan:0x1 1 -0.0 -inf"),
        ("f32x4.sqrt", n(), "f32x4 4 -1 -0.0 inf", "f32x4 2 nan -0.0 inf"),
        ("f32x4.add", n(), "f32x4 1 inf nan:0x5 0; f32x4 2 -inf 1 -0.0", "f32x4 3 nan nan 0"),
        ("f32x4.sub", n(), "f32x4 1 inf 0 0; f32x4 2 inf 0 -0.0", "f32x4 -1 nan 0 0"),
        ("f32x4.mul", n(), "f32x4 1.5 0 -2 inf; f32x4 2 inf 3 -1", "f32x4 3 nan -6 -inf"),
        ("f32x4.div", n(), "f32x4 1 -1 0 6; f32x4 0 0 0 -3", "f32x4 inf -inf nan -2"),
        ("f32x4.min", n(), "f32x4 -0.0 0.0 1 nan; f32x4 0.0 -0.0 nan 2", "f32x4 -0.0 -0.0 nan nan"),
        ("f32x4.max", n(), "f32x4 -0.0 0.0 1 nan; f32x4 0.0 -0.0 nan 2", "f32x4 0.0 0.0 nan nan"),
        ("f32x4.pmin", n(), "f32x4 -0.0 nan:0x7 1 2; f32x4 0.0 1 nan:0x9 1", "f32x4 -0.0 nan:0x7 1 1"),
        ("f32x4.pmax", n(), "f32x4 -0.0 nan:0x7 1 2; f32x4 0.0 1 nan:0x9 1", "f32x4 -0.0 nan:0x7 1 2"),

        // ---- simd: f64x2 arithmetic ----
        ("f64x2.ceil", n(), "f64x2 -1.5 nan:0x1", "f64x2 -1 nan"),
        ("f64x2.floor", n(), "f64x2 -0.5 -0.0", "f64x2 -1 -0.0"),
        ("f64x2.trunc", n(), "f64x2 -0.5 2.9", "f64x2 -0.0 2"),
        ("f64x2.nearest", n(), "f64x2 -2.5 0.5", "f64x2 -2 0"),
        ("f64x2.abs", n(), "f64x2 -nan:0x1 -inf", "f64x2 nan:0x1 inf"),
        ("f64x2.neg", n(), "f64x2 -0.0 nan:0x8000000000000", "f64x2 0 -nan:0x8000000000000"),
        ("f64x2.sqrt", n(), "f64x2 2.25 -inf", "f64x2 1.5 nan"),
        ("f64x2.add", n(), "f64x2 0.1 -0.0; f64x2 0.2 -0.0", "f64x2 0.30000000000000004 -0.0"),
        ("f64x2.sub", n(), "f64x2 inf 1; f64x2 inf 3", "f64x2 nan -2"),
        ("f64x2.mul", n(), "f64x2 -2 nan:0x5; f64x2 0 1", "f64x2 -0.0 nan"),
        ("f64x2.div", n(), "f64x2 1 -0.0; f64x2 3 0", "f64x2 0.3333333333333333 nan"),
        ("f64x2.min", n(), "f64x2 0.0 nan; f64x2 -0.0 -inf", "f64x2 -0.0 nan"),
        ("f64x2.max", n(), "f64x2 -0.0 -inf; f64x2 0.0 -1e300", "f64x2 0.0 -1e300"),
        ("f64x2.pmin", n(), "f64x2 nan:0x7 2; f64x2 1 1", "f64x2 nan:0x7 1"),
        ("f64x2.pmax", n(), "f64x2 -0.0 1; f64x2 0.0 nan:0x9", "f64x2 -0.0 1"),

        // ---- simd: conversions ----
        ("i32x4.trunc_sat_f32x4_s", n(), "f32x4 nan 1e10 -1e10 -1.5", "i32x4 0 2147483647 -2147483648 -1"),
        ("i32x4.trunc_sat_f32x4_u", n(), "f32x4 nan 1e10 -1 3.9", "i32x4 0 -1 0 3"),
        ("f32x4.convert_i32x4_s", n(), "i32x4 -1 16777217 0 2147483647", "f32x4 -1 16777216 0 2147483648"),
        ("f32x4.convert_i32x4_u", n(), "i32x4 -1 16777217 0 1", "f32x4 4294967296 16777216 0 1"),
        ("i32x4.trunc_sat_f64x2_s_zero", n(), "f64x2 -1e300 2147483647.5", "i32x4 -2147483648 2147483647 0 0"),
        ("i32x4.trunc_sat_f64x2_u_zero", n(), "f64x2 -1 4294967295.5", "i32x4 0 -1 0 0"),
        ("f64x2.convert_low_i32x4_s", n(), "i32x4 -1 5 7 9", "f64x2 -1 5"),
        ("f64x2.convert_low_i32x4_u", n(), "i32x4 -1 5 7 9", "f64x2 4294967295 5"),
        ("f32x4.demote_f64x2_zero", n(), "f64x2 1e300 nan:0x1", "f32x4 inf nan 0 0"),
        ("f64x2.promote_low_f32x4", n(), "f32x4 1.5 nan:0x1 7 8", "f64x2 1.5 nan"),
    ]
}

// ------------------------------------------------------------ scenarios in text IR

/// Parses one function, panicking with the parse error.
#[track_caller]
fn parse(text: &str) -> Function {
    parse_function(text).unwrap_or_else(|e| panic!("parse error {e} in:\n{text}"))
}

/// Runs `func` on `args` (`,`-separated text) and checks the outcome against
/// `want`: `,`-separated results (bitwise) or `trap: MESSAGE`.
#[track_caller]
fn expect(func: &Function, state: &mut State, env: &mut dyn Env, args: &str, want: &str) {
    let args = Val::parse_list(args, &func.sig.params).unwrap_or_else(|e| panic!("{e}"));
    let got = run(func, &args, state, env, 10_000);
    let call = format!("%{}({})", func.name, show(&args, None));
    match want.strip_prefix("trap: ") {
        Some(msg) => match got {
            Err(t) => assert_eq!(t.to_string(), msg, "{call}"),
            Ok(v) => panic!("{call} returned {}, expected trap `{msg}`", show(&v, None)),
        },
        None => {
            let want = Val::parse_list(want, &func.sig.results).unwrap_or_else(|e| panic!("{e}"));
            match got {
                Ok(v) => assert_eq!(v, want, "{call}"),
                Err(t) => panic!("{call} trapped `{t}`, expected {}", show(&want, None)),
            }
        }
    }
}

/// The opcodes of a function's instructions, for coverage bookkeeping.
fn opcodes_of(func: &Function) -> BTreeSet<Opcode> {
    func.layout.blocks().flat_map(|b| func.layout.block_insts(b)).map(|i| func.dfg.insts[i].opcode()).collect()
}

/// Jumps with block arguments (assigned in parallel), `brif`, `br_table`
/// (out-of-range and negative indices take the default), `return`, `trap`.
fn scenario_control() -> BTreeSet<Opcode> {
    // Swaps v3 and v4 v5 times: a sequential assignment would duplicate one.
    let swap = parse(
        "function %swap(i32, i32, i32) -> i32, i32 {
block0(v0: i32, v1: i32, v2: i32):
    jump block1(v0, v1, v2)
block1(v3: i32, v4: i32, v5: i32):
    brif v5, block2, block3
block2:
    v6 = i32.const 1
    v7 = i32.sub v5, v6
    jump block1(v4, v3, v7)
block3:
    return v3, v4
}
",
    );
    let mut state = State::new();
    expect(&swap, &mut state, &mut NoCalls, "1, 2, 0", "1, 2");
    expect(&swap, &mut state, &mut NoCalls, "1, 2, 3", "2, 1");
    expect(&swap, &mut state, &mut NoCalls, "1, 2, 4", "1, 2");
    let switch = parse(
        "function %switch(i32) -> i32 {
block0(v0: i32):
    br_table v0, block3(v0), [block1, block2, block1]
block1:
    v1 = i32.const 10
    return v1
block2:
    v2 = i32.const 20
    return v2
block3(v3: i32):
    v4 = i32.const 1000
    v5 = i32.add v3, v4
    return v5
}
",
    );
    for (arg, want) in
        [("0", "10"), ("1", "20"), ("2", "10"), ("3", "1003"), ("-1", "999"), ("0x80000000", "-2147482648")]
    {
        expect(&switch, &mut state, &mut NoCalls, arg, want);
    }
    let trap = parse(
        "function %t(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2
block1:
    trap
block2:
    return v0
}
",
    );
    expect(&trap, &mut state, &mut NoCalls, "0", "0");
    expect(&trap, &mut state, &mut NoCalls, "7", "trap: wasm `unreachable` instruction executed");
    [&swap, &switch, &trap].into_iter().flat_map(opcodes_of).collect()
}

/// `select` keeps the chosen operand's bits; globals are read and written.
fn scenario_select_globals() -> BTreeSet<Opcode> {
    let sel = parse(
        "function %sel(i32, f32, f32) -> f32 {
block0(v0: i32, v1: f32, v2: f32):
    v3 = select v1, v2, v0
    return v3
}
",
    );
    let mut state = State::new();
    expect(&sel, &mut state, &mut NoCalls, "1, nan:0x1, 2", "nan:0x1");
    expect(&sel, &mut state, &mut NoCalls, "-5, nan:0x1, 2", "nan:0x1");
    expect(&sel, &mut state, &mut NoCalls, "0, nan:0x1, 2", "2.0");
    let glob = parse(
        "function %g(i64) -> i64 {
    gv0 = global mut i64
    gv1 = global f32

block0(v0: i64):
    v1 = global.get gv0
    global.set gv0 v0
    v2 = global.get gv0
    v3 = i64.add v1, v2
    return v3
}
",
    );
    let mut state = State::for_function(&glob).expect("state");
    assert_eq!(state.globals.get(&weft_ir::GlobalRef::new(1)), Some(&Val::F32(Ieee32(0))));
    state.globals.insert(weft_ir::GlobalRef::new(0), Val::I64(5));
    expect(&glob, &mut state, &mut NoCalls, "10", "15");
    assert_eq!(state.globals[&weft_ir::GlobalRef::new(0)], Val::I64(10));
    expect(&glob, &mut state, &mut NoCalls, "1", "11");
    [&sel, &glob].into_iter().flat_map(opcodes_of).collect()
}

/// `memory.size/grow` against the declared maximum; `memory.fill/copy/init`
/// and `data.drop` with their bounds checks done before any write.
fn scenario_memory() -> BTreeSet<Opcode> {
    let grow = parse(
        "function %grow(i32) -> i32, i32, i32 {
    mem0 = memory min=1 max=3

block0(v0: i32):
    v1 = memory.size mem0
    v2 = memory.grow mem0 v0
    v3 = memory.size mem0
    return v1, v2, v3
}
",
    );
    let mut state = State::for_function(&grow).expect("state");
    for (delta, want) in
        [("1", "1, 1, 2"), ("2", "2, -1, 2"), ("0", "2, 2, 2"), ("1", "2, 2, 3"), ("1", "3, -1, 3"), ("-1", "3, -1, 3")]
    {
        expect(&grow, &mut state, &mut NoCalls, delta, want);
    }
    assert_eq!(state.memories[&mem0()].bytes.len(), 3 * 65536);

    let bulk = parse(
        "function %bulk(i32, i32, i32, i32) {
    mem0 = memory min=1
    mem1 = memory min=1

block0(v0: i32, v1: i32, v2: i32, v3: i32):
    br_table v0, block5, [block1, block2, block3, block4, block5]
block1:
    memory.fill mem0 v1, v2, v3
    return
block2:
    memory.copy mem0 mem0 v1, v2, v3
    return
block3:
    memory.copy mem1 mem0 v1, v2, v3
    return
block4:
    memory.init data0 mem0 v1, v2, v3
    return
block5:
    data.drop data0
    return
}
",
    );
    let fresh = || {
        let mut s = State::for_function(&bulk).expect("state").with_data(DataRef::new(0), [1u8, 2, 3, 4, 5]);
        s.memories.get_mut(&mem0()).expect("mem0").bytes[..8].copy_from_slice(&[1, 2, 3, 4, 5, 6, 7, 8]);
        s
    };
    let m0 = |s: &State, r: core::ops::Range<usize>| s.memories[&mem0()].bytes[r].to_vec();
    let m1 = |s: &State, r: core::ops::Range<usize>| s.memories[&MemoryRef::new(1)].bytes[r].to_vec();
    const FILL: &str = "0";
    const COPY: &str = "1";
    const COPY_TO_MEM1: &str = "2";
    const INIT: &str = "3";
    const DROP: &str = "4";
    let call = |s: &mut State, which: &str, a: &str, want: &str| {
        expect(&bulk, s, &mut NoCalls, &format!("{which}, {a}"), want)
    };

    let mut s = fresh();
    call(&mut s, FILL, "10, 0x1ab, 5", "");
    assert_eq!(m0(&s, 8..16), [0, 0, 0xab, 0xab, 0xab, 0xab, 0xab, 0]);
    call(&mut s, FILL, "65530, 1, 7", OOB);
    assert_eq!(m0(&s, 65530..65536), [0; 6], "a trapping fill writes nothing");
    call(&mut s, FILL, "65536, 1, 0", "");
    call(&mut s, FILL, "65537, 1, 0", OOB);
    call(&mut s, FILL, "-1, 1, 2", OOB);

    // Overlapping copies behave like memmove, in both directions.
    let mut s = fresh();
    call(&mut s, COPY, "2, 0, 6", "");
    assert_eq!(m0(&s, 0..8), [1, 2, 1, 2, 3, 4, 5, 6]);
    let mut s = fresh();
    call(&mut s, COPY, "0, 2, 6", "");
    assert_eq!(m0(&s, 0..8), [3, 4, 5, 6, 7, 8, 7, 8]);
    call(&mut s, COPY, "65535, 0, 2", OOB);
    call(&mut s, COPY, "0, 65535, 2", OOB);
    call(&mut s, COPY, "65536, 65536, 0", "");
    assert_eq!(m0(&s, 65534..65536), [0, 0]);
    call(&mut s, COPY_TO_MEM1, "100, 0, 4", "");
    assert_eq!(m1(&s, 100..104), [3, 4, 5, 6]);
    assert_eq!(m0(&s, 100..104), [0; 4]);

    let mut s = fresh();
    call(&mut s, INIT, "100, 1, 3", "");
    assert_eq!(m0(&s, 99..104), [0, 2, 3, 4, 0]);
    call(&mut s, INIT, "200, 3, 3", OOB);
    call(&mut s, INIT, "65535, 0, 2", OOB);
    assert_eq!(m0(&s, 65535..65536), [0], "a trapping init writes nothing");
    call(&mut s, INIT, "0, 5, 0", "");
    call(&mut s, INIT, "0, 6, 0", OOB);
    call(&mut s, DROP, "0, 0, 0", "");
    assert!(s.datas[&DataRef::new(0)].dropped);
    call(&mut s, INIT, "0, 0, 0", "");
    call(&mut s, INIT, "0, 0, 1", OOB);
    call(&mut s, DROP, "0, 0, 0", "");
    [&grow, &bulk].into_iter().flat_map(opcodes_of).collect()
}

/// Table size, growth against the maximum, get/set/fill/copy/init,
/// `elem.drop`, and the reference opcodes.
fn scenario_tables() -> BTreeSet<Opcode> {
    let grow = parse(
        "function %tgrow(i32, i32) -> i32, i32, i32 {
    fn7 = ()
    table0 = table funcref min=2 max=4

block0(v0: i32, v1: i32):
    v2 = ref.func fn7
    v3 = table.grow table0 v2, v0
    v4 = table.size table0
    v5 = table.get table0 v1
    v6 = ref.is_null v5
    return v3, v4, v6
}
",
    );
    let mut state = State::for_function(&grow).expect("state");
    expect(&grow, &mut state, &mut NoCalls, "1, 0", "2, 3, 1");
    expect(&grow, &mut state, &mut NoCalls, "0, 2", "3, 3, 0");
    expect(&grow, &mut state, &mut NoCalls, "2, 0", "-1, 3, 1");
    expect(&grow, &mut state, &mut NoCalls, "0, 3", "trap: undefined element: out of bounds table access");
    assert_eq!(state.tables[&TableRef::new(0)].elems, [None, None, Some(7)]);

    let ops = parse(
        "function %tops(i32, i32, externref, i32) -> externref {
    table0 = table externref min=4
    table1 = table externref min=4

block0(v0: i32, v1: i32, v2: externref, v3: i32):
    br_table v0, block6, [block1, block2, block3, block4, block5]
block1:
    table.set table0 v1, v2
    jump block6
block2:
    table.fill table0 v1, v2, v3
    jump block6
block3:
    table.copy table1 table0 v1, v3, v3
    jump block6
block4:
    table.init elem0 table0 v1, v3, v3
    jump block6
block5:
    elem.drop elem0
    jump block6
block6:
    v4 = ref.null externref
    v5 = table.get table0 v1
    v6 = ref.is_null v5
    v7 = select v4, v5, v6
    return v7
}
",
    );
    const SET: &str = "0";
    const FILL: &str = "1";
    const COPY: &str = "2";
    const INIT: &str = "3";
    const DROP: &str = "4";
    let mut s = State::for_function(&ops).expect("state").with_elem(
        weft_ir::ElemRef::new(0),
        Type::ExternRef,
        [Some(10), None, Some(12)],
    );
    let t = |s: &State, i: usize| s.tables[&TableRef::new(i)].elems.clone();
    let call =
        |s: &mut State, which: &str, a: &str, want: &str| expect(&ops, s, &mut NoCalls, &format!("{which}, {a}"), want);
    call(&mut s, SET, "1, extern5, 0", "extern5");
    call(&mut s, SET, "4, extern5, 0", "trap: undefined element: out of bounds table access");
    call(&mut s, FILL, "2, extern9, 2", "extern9");
    assert_eq!(t(&s, 0), [None, Some(5), Some(9), Some(9)]);
    call(&mut s, FILL, "3, extern1, 2", "trap: undefined element: out of bounds table access");
    assert_eq!(t(&s, 0), [None, Some(5), Some(9), Some(9)], "a trapping fill writes nothing");
    call(&mut s, FILL, "4, null, 0", "trap: undefined element: out of bounds table access");
    call(&mut s, COPY, "1, null, 2", "extern5");
    assert_eq!(t(&s, 1), [None, Some(9), Some(9), None]);
    call(&mut s, COPY, "3, null, 2", "trap: undefined element: out of bounds table access");
    call(&mut s, INIT, "1, null, 1", "null");
    assert_eq!(t(&s, 0), [None, None, Some(9), Some(9)]);
    call(&mut s, INIT, "2, null, 2", "trap: undefined element: out of bounds table access");
    call(&mut s, INIT, "3, null, 0", "extern9");
    call(&mut s, DROP, "0, null, 0", "null");
    call(&mut s, INIT, "0, null, 0", "null");
    call(&mut s, INIT, "0, null, 1", "trap: undefined element: out of bounds table access");
    assert!(s.elems[&weft_ir::ElemRef::new(0)].dropped);
    [&grow, &ops].into_iter().flat_map(opcodes_of).collect()
}

/// Direct and indirect calls and tail calls through a recording [`Trace`]:
/// arguments, results, the state digest at each call, and the wasm checks
/// of `call_indirect` (bounds, null, signature).
fn scenario_calls() -> BTreeSet<Opcode> {
    let calls = parse(
        "function %calls(i32, i32) -> i32 {
    sig0 = (i32) -> i32
    fn1 = (i32) -> i32
    gv0 = global mut i32
    table0 = table funcref min=4

block0(v0: i32, v1: i32):
    v2 = call fn1(v0)
    global.set gv0 v2
    v3 = call_indirect sig0 table0 v1(v2)
    return v3
}
",
    );
    let (fn1, fn2, fn5) = (FuncRef::new(1), FuncRef::new(2), FuncRef::new(5));
    let answer = |_k: usize, ev: &CallEvent, _s: &mut State| -> Result<Vec<Val>, Trap> {
        let Val::I32(x) = ev.args[0] else { return Err(Trap::Host("not i32".into())) };
        Ok(vec![Val::I32(match ev.callee {
            Callee::Direct(_) => x + 1,
            Callee::Indirect { .. } => x * 2,
        })])
    };
    let sig = |p: Type, r: Type| Signature::new([p], [r]);
    let fresh_trace = || {
        let mut trace = Trace::with_handler(&calls.dfg.decls, answer);
        trace.func_sigs.insert(fn2, sig(Type::I32, Type::I32));
        trace.func_sigs.insert(fn5, sig(Type::I64, Type::I64));
        trace
    };
    let mut state = State::for_function(&calls).expect("state");
    state.tables.get_mut(&TableRef::new(0)).expect("table0").elems = vec![Some(2), None, Some(5), None];

    let mut trace = fresh_trace();
    let digest_before = state.digest();
    expect(&calls, &mut state, &mut trace, "3, 0", "8");
    assert_eq!(trace.events.len(), 2);
    assert_eq!(trace.events[0].callee, Callee::Direct(fn1));
    assert_eq!(trace.events[0].args, [Val::I32(3)]);
    assert_eq!(trace.events[0].state_digest, digest_before);
    let indirect = Callee::Indirect { table: TableRef::new(0), index: 0, sig: SigRef::new(0), func: fn2 };
    assert_eq!(trace.events[1].callee, indirect);
    assert_eq!(trace.events[1].args, [Val::I32(4)]);
    assert_ne!(trace.events[1].state_digest, digest_before, "the global.set between the calls is visible");
    assert_eq!(trace.events[1].state_digest, state.digest());
    for (index, want) in [
        ("1", "trap: uninitialized element"),
        ("2", "trap: indirect call type mismatch"),
        ("3", "trap: uninitialized element"),
        ("4", "trap: undefined element: out of bounds table access"),
        ("-1", "trap: undefined element: out of bounds table access"),
    ] {
        let mut trace = fresh_trace();
        expect(&calls, &mut state, &mut trace, &format!("3, {index}"), want);
        assert_eq!(trace.events.len(), 1, "only the direct call happened");
    }
    expect(
        &calls,
        &mut state,
        &mut NoCalls,
        "3, 0",
        "trap: call trapped in the environment: call of fn1, but the environment has no functions",
    );

    // Default Trace answers: zero results.
    let mut trace = Trace::new(&calls.dfg.decls);
    trace.func_sigs.insert(fn2, sig(Type::I32, Type::I32));
    expect(&calls, &mut state, &mut trace, "3, 0", "0");

    let tail = parse(
        "function %tail(i32) -> i32 {
    fn1 = (i32) -> i32

block0(v0: i32):
    return_call fn1(v0)
}
",
    );
    let tail_ind = parse(
        "function %tail_ind(i32, i32) -> i32 {
    sig0 = (i32) -> i32
    table0 = table funcref min=4

block0(v0: i32, v1: i32):
    return_call_indirect sig0 table0 v1(v0)
}
",
    );
    let mut trace = fresh_trace();
    expect(&tail, &mut state, &mut trace, "41", "42");
    expect(&tail_ind, &mut state, &mut trace, "21, 0", "42");
    expect(&tail_ind, &mut state, &mut trace, "21, 1", "trap: uninitialized element");
    expect(&tail_ind, &mut state, &mut trace, "21, 2", "trap: indirect call type mismatch");
    assert_eq!(trace.events.len(), 2);
    [&calls, &tail, &tail_ind].into_iter().flat_map(opcodes_of).collect()
}

/// The opcodes one instruction's row cannot reach: checked by the
/// scenarios. Runs every scenario.
fn scenarios() -> BTreeSet<Opcode> {
    let mut covered = BTreeSet::new();
    covered.extend(scenario_control());
    covered.extend(scenario_select_globals());
    covered.extend(scenario_memory());
    covered.extend(scenario_tables());
    covered.extend(scenario_calls());
    covered
}

#[test]
fn every_opcode_has_a_checked_case() {
    let mut covered = BTreeSet::new();
    let mut failures = Vec::new();
    let rows = rows();
    for row in &rows {
        match check_row(row) {
            Ok(op) => {
                covered.insert(op);
            }
            Err(e) => failures.push(e),
        }
    }
    assert!(failures.is_empty(), "{} of {} rows failed:\n{}", failures.len(), rows.len(), failures.join("\n"));
    covered.extend(scenarios());
    let missing: Vec<&str> = Opcode::ALL.iter().filter(|op| !covered.contains(op)).map(|op| op.name()).collect();
    assert!(missing.is_empty(), "{} opcodes have no checked case: {}", missing.len(), missing.join(" "));
}

// ------------------------------------------------------------ random inputs

/// The shared generator ([`weft_ir::Rng`]) with the value generators of
/// these tests.
struct Rng(weft_ir::Rng);

impl Rng {
    fn new(seed: u64) -> Self {
        Rng(weft_ir::Rng::from_state(seed | 1))
    }

    fn next(&mut self) -> u64 {
        self.0.next_u64()
    }

    fn below(&mut self, n: u64) -> u64 {
        self.0.below(n)
    }

    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        self.0.pick(xs)
    }

    /// Mostly edge values, sometimes small numbers, sometimes any bits.
    fn int_bits(&mut self, bits: u32) -> u64 {
        let mask = if bits == 64 { u64::MAX } else { (1 << bits) - 1 };
        let min = 1u64 << (bits - 1);
        let x = match self.below(4) {
            0 => self.pick(&[0, 1, 2, 3, mask, mask - 1, min, min - 1, min + 1, 7, 8, 31, 32, 33, 63, 64, 65]),
            1 => self.below(70).wrapping_sub(35),
            _ => self.next(),
        };
        x & mask
    }

    fn f32_bits(&mut self) -> u32 {
        match self.below(5) {
            0 => self
                .pick(&[
                    0.0f32,
                    -0.0,
                    1.0,
                    -1.0,
                    0.5,
                    -0.5,
                    1.5,
                    2.5,
                    -2.5,
                    f32::INFINITY,
                    f32::NEG_INFINITY,
                    f32::MAX,
                    f32::MIN,
                    f32::MIN_POSITIVE,
                    2147483648.0,
                    -2147483648.0,
                    2147483520.0,
                    4294967296.0,
                    4294967040.0,
                    9223372036854775808.0,
                    -9223372036854775808.0,
                    18446744073709551616.0,
                    -0.9,
                    -1.0e-40,
                    16777217.0,
                ])
                .to_bits(),
            1 => 0x7f80_0000 | (self.next() as u32 & 0x807f_ffff) | 1, // a NaN with a random payload and sign
            2 => (self.below(2001) as f32 - 1000.0).to_bits(),
            3 => ((self.below(2_000_001) as f32 - 1_000_000.0) / 8.0).to_bits(),
            _ => self.next() as u32,
        }
    }

    fn f64_bits(&mut self) -> u64 {
        match self.below(5) {
            0 => self
                .pick(&[
                    0.0f64,
                    -0.0,
                    1.0,
                    -1.0,
                    0.5,
                    -0.5,
                    2.5,
                    -2.5,
                    f64::INFINITY,
                    f64::NEG_INFINITY,
                    f64::MAX,
                    f64::MIN_POSITIVE,
                    2147483647.5,
                    -2147483648.5,
                    2147483648.0,
                    -2147483649.0,
                    4294967295.5,
                    4294967296.0,
                    9223372036854775808.0,
                    -9223372036854775808.0,
                    -9223372036854777856.0,
                    18446744073709549568.0,
                    18446744073709551616.0,
                    -0.99,
                    1e300,
                    -5e-324,
                    3.4028235677973366e38,
                    1.401298464324817e-45,
                    0.7500000000000001,
                ])
                .to_bits(),
            1 => 0x7ff0_0000_0000_0000 | (self.next() & 0x800f_ffff_ffff_ffff) | 1,
            2 => (self.below(2001) as f64 - 1000.0).to_bits(),
            3 => ((self.below(2_000_001) as f64 - 1_000_000.0) / 8.0).to_bits(),
            _ => self.next(),
        }
    }

    fn v128(&mut self) -> V128Imm {
        let mut b = [0u8; 16];
        match self.below(4) {
            0 => {
                for i in 0..4 {
                    b[4 * i..4 * i + 4].copy_from_slice(&self.f32_bits().to_le_bytes());
                }
            }
            1 => {
                for i in 0..2 {
                    b[8 * i..8 * i + 8].copy_from_slice(&self.f64_bits().to_le_bytes());
                }
            }
            2 => {
                let w = self.pick(&[1usize, 2, 4, 8]);
                for i in 0..16 / w {
                    let x = self.int_bits(8 * w as u32);
                    b[w * i..w * (i + 1)].copy_from_slice(&x.to_le_bytes()[..w]);
                }
            }
            _ => b = (u128::from(self.next()) << 64 | u128::from(self.next())).to_le_bytes(),
        }
        V128Imm(b)
    }

    fn val(&mut self, ty: Type) -> Val {
        match ty {
            Type::I32 => Val::I32(self.int_bits(32) as i32),
            Type::I64 => Val::I64(self.int_bits(64) as i64),
            Type::F32 => Val::F32(Ieee32(self.f32_bits())),
            Type::F64 => Val::F64(Ieee64(self.f64_bits())),
            Type::V128 => Val::V128(self.v128()),
            Type::FuncRef => Val::FuncRef(self.pick(&[None, Some(3)])),
            Type::ExternRef => Val::ExternRef(self.pick(&[None, Some(3)])),
        }
    }
}

/// Runs a single-instruction function with no memory effects.
fn run1(func: &Function, args: &[Val]) -> Result<Vec<Val>, Trap> {
    let mut state = State::for_function(func).expect("state");
    run(func, args, &mut state, &mut NoCalls, 100)
}

/// Is a float NaN result canonical (the interpreter's documented policy)?
fn canonical_if_nan(v: &Val) -> bool {
    match v {
        Val::F32(x) => !x.value().is_nan() || x.0 == CANONICAL_NAN_F32,
        Val::F64(x) => !x.value().is_nan() || x.0 == CANONICAL_NAN_F64,
        _ => true,
    }
}

type Reference = Box<dyn Fn(&[Val]) -> Result<Val, Trap>>;

fn i32_of(v: &Val) -> i32 {
    match *v {
        Val::I32(x) => x,
        _ => panic!("{v:?} is not i32"),
    }
}

fn i64_of(v: &Val) -> i64 {
    match *v {
        Val::I64(x) => x,
        _ => panic!("{v:?} is not i64"),
    }
}

fn f64_of(v: &Val) -> f64 {
    match *v {
        Val::F64(x) => x.value(),
        _ => panic!("{v:?} is not f64"),
    }
}

fn v128_of(v: &Val) -> V128Imm {
    match *v {
        Val::V128(x) => x,
        _ => panic!("{v:?} is not v128"),
    }
}

fn b(x: bool) -> Result<Val, Trap> {
    Ok(Val::I32(i32::from(x)))
}

/// Rounds a magnitude to `mant` significant bits, ties to even, exactly (the
/// result has at most `mant` significant bits, so `f64` holds it exactly).
fn round_to_bits(x: u64, mant: u32) -> f64 {
    let width = 64 - x.leading_zeros();
    if width <= mant {
        return x as f64;
    }
    let shift = width - mant;
    let (mut m, rem, half) = (x >> shift, x & ((1 << shift) - 1), 1u64 << (shift - 1));
    if rem > half || rem == half && m & 1 == 1 {
        m += 1;
    }
    m as f64 * 2f64.powi(shift as i32)
}

/// Float-to-int truncation by way of `i128` (saturating far outside the
/// range, which is still out of range).
fn trunc_ref(x: f64, lo: i128, hi: i128) -> Result<i128, Trap> {
    if x.is_nan() {
        return Err(Trap::BadConversionToInteger);
    }
    let t = x.trunc() as i128;
    if t < lo || t > hi { Err(Trap::IntegerOverflow) } else { Ok(t) }
}

fn sat_ref(x: f64, lo: i128, hi: i128) -> i128 {
    if x.is_nan() { 0 } else { (x.trunc() as i128).clamp(lo, hi) }
}

/// `round half to even` from `round` (half away from zero).
fn nearest_ref(x: f64) -> f64 {
    let r = x.round();
    if (r - x).abs() == 0.5 { 2.0 * (x / 2.0).round() } else { r }
}

fn fmin_ref(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        f64::from_bits(a.to_bits() | b.to_bits())
    } else {
        a.min(b)
    }
}

fn fmax_ref(a: f64, b: f64) -> f64 {
    if a.is_nan() || b.is_nan() {
        f64::NAN
    } else if a == b {
        f64::from_bits(a.to_bits() & b.to_bits())
    } else {
        a.max(b)
    }
}

/// Independent formulations of the scalar opcodes: integers through
/// `i128`/`u128` arithmetic and bit loops, float-to-int through `i128`,
/// int-to-float by explicit rounding, `nearest` from `round`.
#[expect(clippy::too_many_lines, reason = "one reference per opcode, in a table")]
fn scalar_references() -> Vec<(&'static str, Reference)> {
    fn r(f: impl Fn(&[Val]) -> Result<Val, Trap> + 'static) -> Reference {
        Box::new(f)
    }
    let w32 = |x: i128| Ok(Val::I32(x as i32));
    let w64 = |x: i128| Ok(Val::I64(x as i64));
    let s32 = |a: &[Val], i: usize| i128::from(i32_of(&a[i]));
    let u32_ = |a: &[Val], i: usize| i128::from(i32_of(&a[i]) as u32);
    let s64 = |a: &[Val], i: usize| i128::from(i64_of(&a[i]));
    let u64_ = |a: &[Val], i: usize| i128::from(i64_of(&a[i]) as u64);
    let f32v = |x: f64| Ok(Val::F32(Ieee32::from_f32(x as f32)));
    let f64v = |x: f64| Ok(Val::F64(Ieee64::from_f64(x)));
    let fa = |a: &[Val], i: usize| if let Val::F32(x) = a[i] { f64::from(x.value()) } else { f64_of(&a[i]) };
    let div = |n: i128, d: i128, lo: i128, hi: i128| {
        if d == 0 {
            return Err(Trap::IntegerDivideByZero);
        }
        let q = n / d;
        if q < lo || q > hi { Err(Trap::IntegerOverflow) } else { Ok(q) }
    };
    let rem = |n: i128, d: i128| if d == 0 { Err(Trap::IntegerDivideByZero) } else { Ok(n % d) };
    let lz = |x: u128, w: u32| (0..w).take_while(|i| x >> (w - 1 - i) & 1 == 0).count() as i128;
    let tz = |x: u128, w: u32| (0..w).take_while(|i| x >> i & 1 == 0).count() as i128;
    let pc = |x: u128, w: u32| (0..w).filter(|i| x >> i & 1 == 1).count() as i128;
    let rotl = |x: u128, k: u32, w: u32| {
        let k = k % w;
        let m = (1u128 << w) - 1;
        (x << k | x >> (w - k)) & m
    };
    let (i32min, i32max, i64min, i64max) =
        (i128::from(i32::MIN), i128::from(i32::MAX), i128::from(i64::MIN), i128::from(i64::MAX));
    let u32max = i128::from(u32::MAX);
    let u64max = i128::from(u64::MAX);
    let int_to_f = move |mag: u128, neg: bool, mant: u32| {
        let m = round_to_bits(mag as u64, mant);
        if neg { -m } else { m }
    };
    vec![
        ("i32.eqz", r(move |a| b(s32(a, 0) == 0))),
        ("i32.eq", r(move |a| b(s32(a, 0) == s32(a, 1)))),
        ("i32.ne", r(move |a| b(s32(a, 0) != s32(a, 1)))),
        ("i32.lt_s", r(move |a| b(s32(a, 0) < s32(a, 1)))),
        ("i32.lt_u", r(move |a| b(u32_(a, 0) < u32_(a, 1)))),
        ("i32.gt_s", r(move |a| b(s32(a, 0) > s32(a, 1)))),
        ("i32.gt_u", r(move |a| b(u32_(a, 0) > u32_(a, 1)))),
        ("i32.le_s", r(move |a| b(s32(a, 0) <= s32(a, 1)))),
        ("i32.le_u", r(move |a| b(u32_(a, 0) <= u32_(a, 1)))),
        ("i32.ge_s", r(move |a| b(s32(a, 0) >= s32(a, 1)))),
        ("i32.ge_u", r(move |a| b(u32_(a, 0) >= u32_(a, 1)))),
        ("i64.eqz", r(move |a| b(s64(a, 0) == 0))),
        ("i64.eq", r(move |a| b(s64(a, 0) == s64(a, 1)))),
        ("i64.ne", r(move |a| b(s64(a, 0) != s64(a, 1)))),
        ("i64.lt_s", r(move |a| b(s64(a, 0) < s64(a, 1)))),
        ("i64.lt_u", r(move |a| b(u64_(a, 0) < u64_(a, 1)))),
        ("i64.gt_s", r(move |a| b(s64(a, 0) > s64(a, 1)))),
        ("i64.gt_u", r(move |a| b(u64_(a, 0) > u64_(a, 1)))),
        ("i64.le_s", r(move |a| b(s64(a, 0) <= s64(a, 1)))),
        ("i64.le_u", r(move |a| b(u64_(a, 0) <= u64_(a, 1)))),
        ("i64.ge_s", r(move |a| b(s64(a, 0) >= s64(a, 1)))),
        ("i64.ge_u", r(move |a| b(u64_(a, 0) >= u64_(a, 1)))),
        ("i32.clz", r(move |a| w32(lz(u32_(a, 0) as u128, 32)))),
        ("i32.ctz", r(move |a| w32(tz(u32_(a, 0) as u128, 32)))),
        ("i32.popcnt", r(move |a| w32(pc(u32_(a, 0) as u128, 32)))),
        ("i32.add", r(move |a| w32(s32(a, 0) + s32(a, 1)))),
        ("i32.sub", r(move |a| w32(s32(a, 0) - s32(a, 1)))),
        ("i32.mul", r(move |a| w32(s32(a, 0) * s32(a, 1)))),
        ("i32.div_s", r(move |a| div(s32(a, 0), s32(a, 1), i32min, i32max).map(|q| Val::I32(q as i32)))),
        ("i32.div_u", r(move |a| div(u32_(a, 0), u32_(a, 1), 0, u32max).map(|q| Val::I32(q as i32)))),
        ("i32.rem_s", r(move |a| rem(s32(a, 0), s32(a, 1)).map(|q| Val::I32(q as i32)))),
        ("i32.rem_u", r(move |a| rem(u32_(a, 0), u32_(a, 1)).map(|q| Val::I32(q as i32)))),
        ("i32.and", r(move |a| w32(s32(a, 0) & s32(a, 1)))),
        ("i32.or", r(move |a| w32(s32(a, 0) | s32(a, 1)))),
        ("i32.xor", r(move |a| w32(s32(a, 0) ^ s32(a, 1)))),
        ("i32.shl", r(move |a| w32(u32_(a, 0) << (u32_(a, 1) % 32)))),
        ("i32.shr_s", r(move |a| w32(s32(a, 0) >> (u32_(a, 1) % 32)))),
        ("i32.shr_u", r(move |a| w32(u32_(a, 0) >> (u32_(a, 1) % 32)))),
        ("i32.rotl", r(move |a| w32(rotl(u32_(a, 0) as u128, u32_(a, 1) as u32, 32) as i128))),
        ("i32.rotr", r(move |a| w32(rotl(u32_(a, 0) as u128, 32 - (u32_(a, 1) as u32 % 32), 32) as i128))),
        ("i64.clz", r(move |a| w64(lz(u64_(a, 0) as u128, 64)))),
        ("i64.ctz", r(move |a| w64(tz(u64_(a, 0) as u128, 64)))),
        ("i64.popcnt", r(move |a| w64(pc(u64_(a, 0) as u128, 64)))),
        ("i64.add", r(move |a| w64(s64(a, 0) + s64(a, 1)))),
        ("i64.sub", r(move |a| w64(s64(a, 0) - s64(a, 1)))),
        ("i64.mul", r(move |a| w64(s64(a, 0).wrapping_mul(s64(a, 1))))),
        ("i64.div_s", r(move |a| div(s64(a, 0), s64(a, 1), i64min, i64max).map(|q| Val::I64(q as i64)))),
        ("i64.div_u", r(move |a| div(u64_(a, 0), u64_(a, 1), 0, u64max).map(|q| Val::I64(q as i64)))),
        ("i64.rem_s", r(move |a| rem(s64(a, 0), s64(a, 1)).map(|q| Val::I64(q as i64)))),
        ("i64.rem_u", r(move |a| rem(u64_(a, 0), u64_(a, 1)).map(|q| Val::I64(q as i64)))),
        ("i64.and", r(move |a| w64(s64(a, 0) & s64(a, 1)))),
        ("i64.or", r(move |a| w64(s64(a, 0) | s64(a, 1)))),
        ("i64.xor", r(move |a| w64(s64(a, 0) ^ s64(a, 1)))),
        ("i64.shl", r(move |a| w64(((u64_(a, 0) as u128) << (u64_(a, 1) % 64)) as i128))),
        ("i64.shr_s", r(move |a| w64(s64(a, 0) >> (u64_(a, 1) % 64)))),
        ("i64.shr_u", r(move |a| w64(u64_(a, 0) >> (u64_(a, 1) % 64)))),
        ("i64.rotl", r(move |a| w64(rotl(u64_(a, 0) as u128, (u64_(a, 1) % 64) as u32, 64) as i128))),
        ("i64.rotr", r(move |a| w64(rotl(u64_(a, 0) as u128, 64 - (u64_(a, 1) % 64) as u32, 64) as i128))),
        ("i32.wrap_i64", r(move |a| w32(s64(a, 0)))),
        ("i64.extend_i32_s", r(move |a| w64(s32(a, 0)))),
        ("i64.extend_i32_u", r(move |a| w64(u32_(a, 0)))),
        ("i32.extend8_s", r(move |a| w32((s32(a, 0) << 120) >> 120))),
        ("i32.extend16_s", r(move |a| w32((s32(a, 0) << 112) >> 112))),
        ("i64.extend8_s", r(move |a| w64((s64(a, 0) << 120) >> 120))),
        ("i64.extend16_s", r(move |a| w64((s64(a, 0) << 112) >> 112))),
        ("i64.extend32_s", r(move |a| w64((s64(a, 0) << 96) >> 96))),
        // Comparisons and float arithmetic in f64, where every f32 operation
        // is exact or rounds once (add/sub/mul/div/sqrt of f32 are exact in f64
        // before the final rounding, so `as f32` gives the f32 result).
        ("f32.eq", r(move |a| b(fa(a, 0) == fa(a, 1)))),
        ("f32.ne", r(move |a| b(fa(a, 0) != fa(a, 1)))),
        ("f32.lt", r(move |a| b(fa(a, 0) < fa(a, 1)))),
        ("f32.gt", r(move |a| b(fa(a, 0) > fa(a, 1)))),
        ("f32.le", r(move |a| b(fa(a, 0) <= fa(a, 1)))),
        ("f32.ge", r(move |a| b(fa(a, 0) >= fa(a, 1)))),
        ("f64.eq", r(move |a| b(fa(a, 0) == fa(a, 1)))),
        ("f64.ne", r(move |a| b(fa(a, 0) != fa(a, 1)))),
        ("f64.lt", r(move |a| b(fa(a, 0) < fa(a, 1)))),
        ("f64.gt", r(move |a| b(fa(a, 0) > fa(a, 1)))),
        ("f64.le", r(move |a| b(fa(a, 0) <= fa(a, 1)))),
        ("f64.ge", r(move |a| b(fa(a, 0) >= fa(a, 1)))),
        ("f32.ceil", r(move |a| f32v(fa(a, 0).ceil()))),
        ("f32.floor", r(move |a| f32v(fa(a, 0).floor()))),
        ("f32.trunc", r(move |a| f32v(fa(a, 0).trunc()))),
        ("f32.nearest", r(move |a| f32v(nearest_ref(fa(a, 0))))),
        ("f32.sqrt", r(move |a| f32v(fa(a, 0).sqrt()))),
        ("f32.add", r(move |a| f32v(fa(a, 0) + fa(a, 1)))),
        ("f32.sub", r(move |a| f32v(fa(a, 0) - fa(a, 1)))),
        ("f32.mul", r(move |a| f32v(fa(a, 0) * fa(a, 1)))),
        ("f32.div", r(move |a| f32v(fa(a, 0) / fa(a, 1)))),
        ("f32.min", r(move |a| f32v(fmin_ref(fa(a, 0), fa(a, 1))))),
        ("f32.max", r(move |a| f32v(fmax_ref(fa(a, 0), fa(a, 1))))),
        ("f64.ceil", r(move |a| f64v(fa(a, 0).ceil()))),
        ("f64.floor", r(move |a| f64v(fa(a, 0).floor()))),
        ("f64.trunc", r(move |a| f64v(fa(a, 0).trunc()))),
        ("f64.nearest", r(move |a| f64v(nearest_ref(fa(a, 0))))),
        ("f64.sqrt", r(move |a| f64v(fa(a, 0).sqrt()))),
        ("f64.add", r(move |a| f64v(fa(a, 0) + fa(a, 1)))),
        ("f64.sub", r(move |a| f64v(fa(a, 0) - fa(a, 1)))),
        ("f64.mul", r(move |a| f64v(fa(a, 0) * fa(a, 1)))),
        ("f64.div", r(move |a| f64v(fa(a, 0) / fa(a, 1)))),
        ("f64.min", r(move |a| f64v(fmin_ref(fa(a, 0), fa(a, 1))))),
        ("f64.max", r(move |a| f64v(fmax_ref(fa(a, 0), fa(a, 1))))),
        ("f32.demote_f64", r(move |a| f32v(fa(a, 0)))),
        ("f64.promote_f32", r(move |a| f64v(fa(a, 0)))),
        ("i32.trunc_f32_s", r(move |a| trunc_ref(fa(a, 0), i32min, i32max).and_then(w32))),
        ("i32.trunc_f32_u", r(move |a| trunc_ref(fa(a, 0), 0, u32max).and_then(w32))),
        ("i32.trunc_f64_s", r(move |a| trunc_ref(fa(a, 0), i32min, i32max).and_then(w32))),
        ("i32.trunc_f64_u", r(move |a| trunc_ref(fa(a, 0), 0, u32max).and_then(w32))),
        ("i64.trunc_f32_s", r(move |a| trunc_ref(fa(a, 0), i64min, i64max).and_then(w64))),
        ("i64.trunc_f32_u", r(move |a| trunc_ref(fa(a, 0), 0, u64max).and_then(w64))),
        ("i64.trunc_f64_s", r(move |a| trunc_ref(fa(a, 0), i64min, i64max).and_then(w64))),
        ("i64.trunc_f64_u", r(move |a| trunc_ref(fa(a, 0), 0, u64max).and_then(w64))),
        ("i32.trunc_sat_f32_s", r(move |a| w32(sat_ref(fa(a, 0), i32min, i32max)))),
        ("i32.trunc_sat_f32_u", r(move |a| w32(sat_ref(fa(a, 0), 0, u32max)))),
        ("i32.trunc_sat_f64_s", r(move |a| w32(sat_ref(fa(a, 0), i32min, i32max)))),
        ("i32.trunc_sat_f64_u", r(move |a| w32(sat_ref(fa(a, 0), 0, u32max)))),
        ("i64.trunc_sat_f32_s", r(move |a| w64(sat_ref(fa(a, 0), i64min, i64max)))),
        ("i64.trunc_sat_f32_u", r(move |a| w64(sat_ref(fa(a, 0), 0, u64max)))),
        ("i64.trunc_sat_f64_s", r(move |a| w64(sat_ref(fa(a, 0), i64min, i64max)))),
        ("i64.trunc_sat_f64_u", r(move |a| w64(sat_ref(fa(a, 0), 0, u64max)))),
        ("f32.convert_i32_s", r(move |a| f32v(int_to_f(s32(a, 0).unsigned_abs(), s32(a, 0) < 0, 24)))),
        ("f32.convert_i32_u", r(move |a| f32v(int_to_f(u32_(a, 0) as u128, false, 24)))),
        ("f32.convert_i64_s", r(move |a| f32v(int_to_f(s64(a, 0).unsigned_abs(), s64(a, 0) < 0, 24)))),
        ("f32.convert_i64_u", r(move |a| f32v(int_to_f(u64_(a, 0) as u128, false, 24)))),
        ("f64.convert_i32_s", r(move |a| f64v(int_to_f(s32(a, 0).unsigned_abs(), s32(a, 0) < 0, 53)))),
        ("f64.convert_i32_u", r(move |a| f64v(int_to_f(u32_(a, 0) as u128, false, 53)))),
        ("f64.convert_i64_s", r(move |a| f64v(int_to_f(s64(a, 0).unsigned_abs(), s64(a, 0) < 0, 53)))),
        ("f64.convert_i64_u", r(move |a| f64v(int_to_f(u64_(a, 0) as u128, false, 53)))),
    ]
}

#[test]
fn scalar_ops_match_independent_references() {
    let mut rng = Rng::new(0x5eed_0001);
    for (name, reference) in scalar_references() {
        let op = Opcode::from_name(name).expect(name);
        let func = single_op(op, Imm::None);
        for _ in 0..3000 {
            let args: Vec<Val> = func.sig.params.iter().map(|&t| rng.val(t)).collect();
            let got = run1(&func, &args);
            let want = reference(&args).map(|v| vec![v]);
            let same = match (&got, &want) {
                (Ok(g), Ok(w)) => g.len() == 1 && g[0].nan_eq(&w[0]),
                (Err(g), Err(w)) => g == w,
                _ => false,
            };
            assert!(same, "{name}({}): interpreter {got:?}, reference {want:?}", show(&args, None));
            if let Ok(g) = &got {
                assert!(canonical_if_nan(&g[0]), "{name}({}) gave a non-canonical NaN {}", show(&args, None), g[0]);
            }
        }
    }
}

// ------------------------------------------------------------ simd lane references

type VecReference = Box<dyn Fn(&[Val]) -> Val>;

/// The lanes of `v`, `bytes` wide, sign- or zero-extended to `i128`.
fn ilanes(v: V128Imm, bytes: usize, signed: bool) -> Vec<i128> {
    (0..16 / bytes)
        .map(|i| {
            let x = (0..bytes).fold(0u128, |x, k| x | u128::from(v.0[i * bytes + k]) << (8 * k));
            let top = 8 * bytes as u32 - 1;
            if signed && x >> top & 1 == 1 { x as i128 - (1i128 << (top + 1)) } else { x as i128 }
        })
        .collect()
}

/// A vector from integer lanes, each truncated to `bytes`.
fn pack_lanes(l: &[i128], bytes: usize) -> V128Imm {
    let mut out = [0u8; 16];
    for (i, &x) in l.iter().enumerate() {
        out[i * bytes..(i + 1) * bytes].copy_from_slice(&x.to_le_bytes()[..bytes]);
    }
    V128Imm(out)
}

fn smin(bytes: usize) -> i128 {
    -(1i128 << (8 * bytes - 1))
}

fn smax(bytes: usize) -> i128 {
    (1i128 << (8 * bytes - 1)) - 1
}

fn umax(bytes: usize) -> i128 {
    (1i128 << (8 * bytes)) - 1
}

fn lanewise2(bytes: usize, signed: bool, f: impl Fn(i128, i128) -> i128 + 'static) -> VecReference {
    Box::new(move |a| {
        let (x, y) = (ilanes(v128_of(&a[0]), bytes, signed), ilanes(v128_of(&a[1]), bytes, signed));
        let r: Vec<i128> = x.iter().zip(&y).map(|(&p, &q)| f(p, q)).collect();
        Val::V128(pack_lanes(&r, bytes))
    })
}

fn lanewise1(bytes: usize, signed: bool, f: impl Fn(i128) -> i128 + 'static) -> VecReference {
    Box::new(move |a| {
        let r: Vec<i128> = ilanes(v128_of(&a[0]), bytes, signed).into_iter().map(&f).collect();
        Val::V128(pack_lanes(&r, bytes))
    })
}

fn shift_ref(bytes: usize, signed: bool, f: impl Fn(i128, u32) -> i128 + 'static) -> VecReference {
    Box::new(move |a| {
        let s = i32_of(&a[1]) as u32 % (8 * bytes as u32);
        let r: Vec<i128> = ilanes(v128_of(&a[0]), bytes, signed).into_iter().map(|x| f(x, s)).collect();
        Val::V128(pack_lanes(&r, bytes))
    })
}

fn mask(c: bool) -> i128 {
    if c { -1 } else { 0 }
}

/// A lane kind for references through scalar opcodes.
#[derive(Copy, Clone)]
enum L {
    I32,
    I64,
    F32,
    F64,
}

fn lane_get(v: V128Imm, l: L, i: usize) -> Val {
    let b4 = |i: usize| u32::from_le_bytes([v.0[4 * i], v.0[4 * i + 1], v.0[4 * i + 2], v.0[4 * i + 3]]);
    let b8 = |i: usize| u64::from(b4(2 * i)) | u64::from(b4(2 * i + 1)) << 32;
    match l {
        L::I32 => Val::I32(b4(i) as i32),
        L::I64 => Val::I64(b8(i) as i64),
        L::F32 => Val::F32(Ieee32(b4(i))),
        L::F64 => Val::F64(Ieee64(b8(i))),
    }
}

fn lane_put(out: &mut [u8; 16], i: usize, v: &Val) {
    match *v {
        Val::I32(x) => out[4 * i..4 * i + 4].copy_from_slice(&x.to_le_bytes()),
        Val::F32(x) => out[4 * i..4 * i + 4].copy_from_slice(&x.0.to_le_bytes()),
        Val::I64(x) => out[8 * i..8 * i + 8].copy_from_slice(&x.to_le_bytes()),
        Val::F64(x) => out[8 * i..8 * i + 8].copy_from_slice(&x.0.to_le_bytes()),
        _ => panic!("not a lane: {v:?}"),
    }
}

/// Lane `i < count` of the result is the scalar opcode `scalar` on lane `i`
/// of each operand (read as `inp`); a comparison's 0/1 becomes a mask of
/// the width of `out`; lanes past `count` are zero.
fn via_scalar(scalar: &'static str, inp: L, out: L, count: usize, is_mask: bool) -> VecReference {
    let func = single_op(Opcode::from_name(scalar).expect(scalar), Imm::None);
    Box::new(move |a| {
        let mut o = [0u8; 16];
        for i in 0..count {
            let args: Vec<Val> = a.iter().map(|v| lane_get(v128_of(v), inp, i)).collect();
            let r = run1(&func, &args).unwrap_or_else(|t| panic!("{scalar} trapped: {t}"))[0];
            let r = match (is_mask, out) {
                (true, L::I64) => Val::I64(-i64::from(i32_of(&r))),
                (true, _) => Val::I32(-i32_of(&r)),
                (false, _) => r,
            };
            lane_put(&mut o, i, &r);
        }
        Val::V128(V128Imm(o))
    })
}

/// Lane-by-lane references of the SIMD families, with the shape results
/// are compared in (float lanes: NaN ≅ NaN).
#[expect(clippy::too_many_lines, reason = "one reference per opcode, in a table")]
fn simd_references() -> Vec<(&'static str, VecReference)> {
    let mut refs: Vec<(&'static str, VecReference)> = Vec::new();
    let ints: [(&str, usize); 4] = [("i8x16", 1), ("i16x8", 2), ("i32x4", 4), ("i64x2", 8)];
    for (shape, w) in ints {
        let name = |op: &str| -> &'static str { format!("{shape}.{op}").leak() };
        refs.push((name("add"), lanewise2(w, true, |a, b| a + b)));
        refs.push((name("sub"), lanewise2(w, true, |a, b| a - b)));
        if w > 1 {
            refs.push((name("mul"), lanewise2(w, true, |a, b| a * b)));
        }
        refs.push((name("neg"), lanewise1(w, true, |a| -a)));
        refs.push((name("abs"), lanewise1(w, true, i128::abs)));
        refs.push((name("shl"), shift_ref(w, false, |a, s| a << s)));
        refs.push((name("shr_s"), shift_ref(w, true, |a, s| a >> s)));
        refs.push((name("shr_u"), shift_ref(w, false, |a, s| a >> s)));
        refs.push((name("eq"), lanewise2(w, true, |a, b| mask(a == b))));
        refs.push((name("ne"), lanewise2(w, true, |a, b| mask(a != b))));
        refs.push((name("lt_s"), lanewise2(w, true, |a, b| mask(a < b))));
        refs.push((name("gt_s"), lanewise2(w, true, |a, b| mask(a > b))));
        refs.push((name("le_s"), lanewise2(w, true, |a, b| mask(a <= b))));
        refs.push((name("ge_s"), lanewise2(w, true, |a, b| mask(a >= b))));
        refs.push((
            name("all_true"),
            Box::new(move |a| Val::I32(i32::from(ilanes(v128_of(&a[0]), w, false).iter().all(|&x| x != 0)))),
        ));
        refs.push((
            name("bitmask"),
            Box::new(move |a| {
                let l = ilanes(v128_of(&a[0]), w, true);
                Val::I32(l.iter().enumerate().map(|(i, &x)| i32::from(x < 0) << i).sum())
            }),
        ));
        if w < 8 {
            refs.push((name("lt_u"), lanewise2(w, false, |a, b| mask(a < b))));
            refs.push((name("gt_u"), lanewise2(w, false, |a, b| mask(a > b))));
            refs.push((name("le_u"), lanewise2(w, false, |a, b| mask(a <= b))));
            refs.push((name("ge_u"), lanewise2(w, false, |a, b| mask(a >= b))));
            refs.push((name("min_s"), lanewise2(w, true, i128::min)));
            refs.push((name("max_s"), lanewise2(w, true, i128::max)));
            refs.push((name("min_u"), lanewise2(w, false, i128::min)));
            refs.push((name("max_u"), lanewise2(w, false, i128::max)));
        }
        if w < 4 {
            refs.push((name("add_sat_s"), lanewise2(w, true, move |a, b| (a + b).clamp(smin(w), smax(w)))));
            refs.push((name("sub_sat_s"), lanewise2(w, true, move |a, b| (a - b).clamp(smin(w), smax(w)))));
            refs.push((name("add_sat_u"), lanewise2(w, false, move |a, b| (a + b).clamp(0, umax(w)))));
            refs.push((name("sub_sat_u"), lanewise2(w, false, move |a, b| (a - b).clamp(0, umax(w)))));
            refs.push((name("avgr_u"), lanewise2(w, false, |a, b| (a + b + 1) >> 1)));
        }
        if w > 1 {
            // Widening from the lanes half as wide.
            let (h, from) = (w / 2, ["", "i8x16", "i16x8", "", "i32x4"][w / 2]);
            let widen = move |signed: bool, high: bool| -> VecReference {
                Box::new(move |a| {
                    let l = ilanes(v128_of(&a[0]), h, signed);
                    let base = if high { 16 / w } else { 0 };
                    Val::V128(pack_lanes(&l[base..base + 16 / w], w))
                })
            };
            let extmul = move |signed: bool, high: bool| -> VecReference {
                Box::new(move |a| {
                    let (x, y) = (ilanes(v128_of(&a[0]), h, signed), ilanes(v128_of(&a[1]), h, signed));
                    let base = if high { 16 / w } else { 0 };
                    let r: Vec<i128> = (base..base + 16 / w).map(|i| x[i] * y[i]).collect();
                    Val::V128(pack_lanes(&r, w))
                })
            };
            refs.push((name(&format!("extend_low_{from}_s")), widen(true, false)));
            refs.push((name(&format!("extend_high_{from}_s")), widen(true, true)));
            refs.push((name(&format!("extend_low_{from}_u")), widen(false, false)));
            refs.push((name(&format!("extend_high_{from}_u")), widen(false, true)));
            refs.push((name(&format!("extmul_low_{from}_s")), extmul(true, false)));
            refs.push((name(&format!("extmul_high_{from}_s")), extmul(true, true)));
            refs.push((name(&format!("extmul_low_{from}_u")), extmul(false, false)));
            refs.push((name(&format!("extmul_high_{from}_u")), extmul(false, true)));
        }
    }
    refs.push(("i8x16.popcnt", lanewise1(1, false, |a| i128::from((a as u8).count_ones() as u8))));
    refs.push(("i16x8.q15mulr_sat_s", lanewise2(2, true, |a, b| ((a * b + 0x4000) >> 15).clamp(smin(2), smax(2)))));
    for (name, w, signed) in [
        ("i16x8.extadd_pairwise_i8x16_s", 2, true),
        ("i16x8.extadd_pairwise_i8x16_u", 2, false),
        ("i32x4.extadd_pairwise_i16x8_s", 4, true),
        ("i32x4.extadd_pairwise_i16x8_u", 4, false),
    ] {
        refs.push((
            name,
            Box::new(move |a| {
                let l = ilanes(v128_of(&a[0]), w / 2, signed);
                let r: Vec<i128> = (0..16 / w).map(|i| l[2 * i] + l[2 * i + 1]).collect();
                Val::V128(pack_lanes(&r, w))
            }),
        ));
    }
    for (name, w, signed) in [
        ("i8x16.narrow_i16x8_s", 1, true),
        ("i8x16.narrow_i16x8_u", 1, false),
        ("i16x8.narrow_i32x4_s", 2, true),
        ("i16x8.narrow_i32x4_u", 2, false),
    ] {
        refs.push((
            name,
            Box::new(move |a| {
                let mut l = ilanes(v128_of(&a[0]), 2 * w, true);
                l.extend(ilanes(v128_of(&a[1]), 2 * w, true));
                let (lo, hi) = if signed { (smin(w), smax(w)) } else { (0, umax(w)) };
                let r: Vec<i128> = l.iter().map(|&x| x.clamp(lo, hi)).collect();
                Val::V128(pack_lanes(&r, w))
            }),
        ));
    }
    refs.push((
        "i32x4.dot_i16x8_s",
        Box::new(|a| {
            let (x, y) = (ilanes(v128_of(&a[0]), 2, true), ilanes(v128_of(&a[1]), 2, true));
            let r: Vec<i128> = (0..4).map(|i| x[2 * i] * y[2 * i] + x[2 * i + 1] * y[2 * i + 1]).collect();
            Val::V128(pack_lanes(&r, 4))
        }),
    ));
    refs.push(("v128.any_true", Box::new(|a| Val::I32(i32::from(v128_of(&a[0]).0.iter().any(|&x| x != 0))))));
    // Float lanes against the (separately checked) scalar opcodes.
    for (shape, scalar, l, n) in [("f32x4", "f32", L::F32, 4), ("f64x2", "f64", L::F64, 2)] {
        let leak = |s: String| -> &'static str { s.leak() };
        for op in ["add", "sub", "mul", "div", "min", "max", "sqrt", "ceil", "floor", "trunc", "nearest", "abs", "neg"]
        {
            refs.push((leak(format!("{shape}.{op}")), via_scalar(leak(format!("{scalar}.{op}")), l, l, n, false)));
        }
        let int = if n == 4 { L::I32 } else { L::I64 };
        for op in ["eq", "ne", "lt", "gt", "le", "ge"] {
            refs.push((leak(format!("{shape}.{op}")), via_scalar(leak(format!("{scalar}.{op}")), l, int, n, true)));
        }
    }
    let pminmax = |f64_lanes: bool, max: bool| -> VecReference {
        Box::new(move |a| {
            let (l, n) = if f64_lanes { (L::F64, 2) } else { (L::F32, 4) };
            let mut o = [0u8; 16];
            for i in 0..n {
                let (x, y) = (lane_get(v128_of(&a[0]), l, i), lane_get(v128_of(&a[1]), l, i));
                let (fx, fy) = match (x, y) {
                    (Val::F32(p), Val::F32(q)) => (f64::from(p.value()), f64::from(q.value())),
                    (Val::F64(p), Val::F64(q)) => (p.value(), q.value()),
                    _ => unreachable!(),
                };
                let pick_y = if max { fx < fy } else { fy < fx };
                lane_put(&mut o, i, if pick_y { &y } else { &x });
            }
            Val::V128(V128Imm(o))
        })
    };
    refs.push(("f32x4.pmin", pminmax(false, false)));
    refs.push(("f32x4.pmax", pminmax(false, true)));
    refs.push(("f64x2.pmin", pminmax(true, false)));
    refs.push(("f64x2.pmax", pminmax(true, true)));
    refs.push(("i32x4.trunc_sat_f32x4_s", via_scalar("i32.trunc_sat_f32_s", L::F32, L::I32, 4, false)));
    refs.push(("i32x4.trunc_sat_f32x4_u", via_scalar("i32.trunc_sat_f32_u", L::F32, L::I32, 4, false)));
    refs.push(("f32x4.convert_i32x4_s", via_scalar("f32.convert_i32_s", L::I32, L::F32, 4, false)));
    refs.push(("f32x4.convert_i32x4_u", via_scalar("f32.convert_i32_u", L::I32, L::F32, 4, false)));
    refs.push(("i32x4.trunc_sat_f64x2_s_zero", via_scalar("i32.trunc_sat_f64_s", L::F64, L::I32, 2, false)));
    refs.push(("i32x4.trunc_sat_f64x2_u_zero", via_scalar("i32.trunc_sat_f64_u", L::F64, L::I32, 2, false)));
    refs.push(("f64x2.convert_low_i32x4_s", via_scalar("f64.convert_i32_s", L::I32, L::F64, 2, false)));
    refs.push(("f64x2.convert_low_i32x4_u", via_scalar("f64.convert_i32_u", L::I32, L::F64, 2, false)));
    refs.push(("f32x4.demote_f64x2_zero", via_scalar("f32.demote_f64", L::F64, L::F32, 2, false)));
    refs.push(("f64x2.promote_low_f32x4", via_scalar("f64.promote_f32", L::F32, L::F64, 2, false)));
    refs
}

/// The shape a result is compared in: float lanes for float-lane results.
fn result_shape(name: &str) -> Option<SimdShape> {
    match name {
        "f32x4.demote_f64x2_zero" | "f32x4.convert_i32x4_s" | "f32x4.convert_i32x4_u" => Some(SimdShape::F32x4),
        "f64x2.promote_low_f32x4" | "f64x2.convert_low_i32x4_s" | "f64x2.convert_low_i32x4_u" => Some(SimdShape::F64x2),
        _ if name.starts_with("f32x4.") && !is_comparison(name) => Some(SimdShape::F32x4),
        _ if name.starts_with("f64x2.") && !is_comparison(name) => Some(SimdShape::F64x2),
        _ => None,
    }
}

fn is_comparison(name: &str) -> bool {
    let op = name.split('.').nth(1).unwrap_or("");
    ["eq", "ne", "lt", "gt", "le", "ge"].contains(&op.split('_').next().unwrap_or(""))
}

#[test]
fn simd_ops_match_lane_references() {
    let mut rng = Rng::new(0x5eed_0002);
    let refs = simd_references();
    assert!(refs.len() > 150, "the reference table lost entries: {}", refs.len());
    for (name, reference) in &refs {
        let op = Opcode::from_name(name).unwrap_or_else(|| panic!("unknown opcode {name}"));
        let func = single_op(op, Imm::None);
        for _ in 0..1000 {
            let args: Vec<Val> = func.sig.params.iter().map(|&t| rng.val(t)).collect();
            let got = run1(&func, &args).unwrap_or_else(|t| panic!("{name} trapped: {t}"));
            let want = reference(&args);
            let same = match result_shape(name) {
                Some(shape) => got[0].nan_eq_lanes(&want, shape),
                None => got[0] == want,
            };
            let shape = opcode_shape(name);
            assert!(
                same,
                "{name}({}): interpreter {}, reference {}",
                show(&args, shape),
                show(&got, shape),
                show(&[want], shape)
            );
        }
    }
}

// ------------------------------------------------------------ edge cases and the API

#[test]
fn value_text_round_trips_and_rejects_garbage() {
    let cases: &[(Type, &str)] = &[
        (Type::I32, "-5"),
        (Type::I32, "2147483647"),
        (Type::I64, "-9223372036854775808"),
        (Type::F32, "1.5"),
        (Type::F32, "-0.0"),
        (Type::F32, "-inf"),
        (Type::F32, "nan:0x200000"),
        (Type::F32, "-nan:0x1"),
        (Type::F64, "1e300"),
        (Type::F64, "nan:0x8000000000000"),
        (Type::V128, "0x000102030405060708090a0b0c0d0e0f"),
        (Type::FuncRef, "null"),
        (Type::FuncRef, "fn12"),
        (Type::ExternRef, "extern3"),
        (Type::ExternRef, "null"),
    ];
    for &(ty, text) in cases {
        let v = Val::parse(text, ty).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.ty(), ty);
        assert_eq!(v.to_string(), text, "{ty} `{text}` prints back unchanged");
    }
    // Alternative spellings.
    assert_eq!(Val::parse("4294967295", Type::I32), Ok(Val::I32(-1)));
    assert_eq!(Val::parse("0xffff_ffff", Type::I32), Ok(Val::I32(-1)));
    assert_eq!(Val::parse("-0x80000000", Type::I32), Ok(Val::I32(i32::MIN)));
    assert_eq!(Val::parse("18446744073709551615", Type::I64), Ok(Val::I64(-1)));
    assert_eq!(Val::parse("nan", Type::F32), Ok(Val::F32(Ieee32(CANONICAL_NAN_F32))));
    assert_eq!(Val::parse("-nan", Type::F64), Ok(Val::F64(Ieee64(CANONICAL_NAN_F64 | 1 << 63))));
    assert_eq!(Val::parse("3", Type::F64), Ok(Val::F64(Ieee64::from_f64(3.0))));
    assert_eq!(
        Val::parse("i32x4 1 -1 0 2", Type::V128),
        Ok(Val::V128(V128Imm::from_u128(0x2_00000000_ffffffff_00000001)))
    );
    assert_eq!(
        Val::parse("f64x2 1 -0.0", Type::V128),
        Ok(Val::V128(V128Imm::from_u128(0x8000000000000000_3ff0000000000000)))
    );
    assert_eq!(
        Val::parse("i8x16 255 -128 0 0 0 0 0 0 0 0 0 0 0 0 0 0", Type::V128),
        Ok(Val::V128(V128Imm::from_u128(0x80ff)))
    );
    assert_eq!(
        Val::parse_list(" 1, -2.5 , null", &[Type::I64, Type::F32, Type::FuncRef]),
        Ok(vec![Val::I64(1), Val::F32(Ieee32::from_f32(-2.5)), Val::FuncRef(None)])
    );
    assert_eq!(Val::parse_list("", &[]), Ok(vec![]));
    for (ty, bad) in [
        (Type::I32, "4294967296"),
        (Type::I32, "-2147483649"),
        (Type::I32, "1.5"),
        (Type::I32, ""),
        (Type::I64, "0x1_0000_0000_0000_0000"),
        (Type::F32, "nan:0x800000"),
        (Type::F32, "nan:0x0"),
        (Type::F32, "one"),
        (Type::V128, "0x"),
        (Type::V128, "0x123456789012345678901234567890123"),
        (Type::V128, "i32x4 1 2 3"),
        (Type::V128, "i8x16 256 0 0 0 0 0 0 0 0 0 0 0 0 0 0 0"),
        (Type::V128, "i9x16 0"),
        (Type::FuncRef, "fn"),
        (Type::FuncRef, "extern1"),
        (Type::ExternRef, "fn1"),
    ] {
        let err = Val::parse(bad, ty).expect_err(bad);
        assert_eq!(err.to_string(), format!("cannot read `{bad}` as a value of type {ty}"));
    }
    assert!(Val::parse_list("1, 2", &[Type::I32]).is_err());
}

#[test]
fn nan_tolerant_equality() {
    let nan_a = Val::F32(Ieee32(0x7fc0_0000));
    let nan_b = Val::F32(Ieee32(0xffa0_0001));
    assert_ne!(nan_a, nan_b, "== is bitwise");
    assert!(nan_a.nan_eq(&nan_b));
    assert!(!nan_a.nan_eq(&Val::F64(Ieee64(CANONICAL_NAN_F64))), "types must agree");
    assert!(!Val::F32(Ieee32::from_f32(0.0)).nan_eq(&Val::F32(Ieee32::from_f32(-0.0))), "zeros are distinct");
    let v = |s: &str| val(s, Type::V128);
    assert!(v("f32x4 nan:0x1 1 2 3").nan_eq_lanes(&v("f32x4 -nan 1 2 3"), SimdShape::F32x4));
    assert!(!v("f32x4 nan:0x1 1 2 3").nan_eq_lanes(&v("f32x4 -nan 1 2 4"), SimdShape::F32x4));
    assert!(
        !v("f32x4 nan:0x1 1 2 3").nan_eq_lanes(&v("f32x4 -nan 1 2 3"), SimdShape::I32x4),
        "integer lanes are bitwise"
    );
    assert!(v("f64x2 nan 0").nan_eq_lanes(&v("f64x2 nan:0x1234 0"), SimdShape::F64x2));
    assert!(!v("f64x2 nan 0").nan_eq_lanes(&v("f64x2 nan:0x1234 -0.0"), SimdShape::F64x2));
    assert!(!v("f64x2 nan 0").nan_eq(&v("f64x2 nan:0x1234 0")), "v128 without a shape is bitwise");
    assert_eq!(v("i16x8 -1 2").display_lanes(SimdShape::I16x8), "i16x8 -1 2 0 0 0 0 0 0");
    assert_eq!(v("f32x4 nan:0x1 -0.0").display_lanes(SimdShape::F32x4), "f32x4 nan:0x1 -0.0 0.0 0.0");
}

#[test]
fn memory_grow_limits() {
    // No declared maximum: the wasm32 limit of 65536 pages applies, checked
    // before anything is allocated.
    let grow = parse(
        "function %grow(i32) -> i32 {
    mem0 = memory min=1

block0(v0: i32):
    v1 = memory.grow mem0 v0
    return v1
}
",
    );
    let mut state = State::for_function(&grow).expect("state");
    expect(&grow, &mut state, &mut NoCalls, "65536", "-1");
    expect(&grow, &mut state, &mut NoCalls, "-1", "-1");
    expect(&grow, &mut state, &mut NoCalls, "0x80000000", "-1");
    // A host limit below the wasm limit makes growth fail the same way.
    state.limits.memory_pages = 4;
    expect(&grow, &mut state, &mut NoCalls, "4", "-1");
    expect(&grow, &mut state, &mut NoCalls, "3", "1");
    expect(&grow, &mut state, &mut NoCalls, "1", "-1");
    assert_eq!(state.memories[&mem0()].pages(), 4);
    // A declared maximum above 65536 is still capped at 65536.
    let mut m = weft_ir::interpreter::Memory::new(0, Some(100_000)).expect("memory");
    assert_eq!(m.grow(65537, &Default::default()), None);
    assert!(weft_ir::interpreter::Memory::new(65537, None).is_none());
    // A memory too large for the host fails cleanly when the state is built.
    let mut huge = grow.clone();
    huge.dfg.decls.memories.insert(mem0(), MemoryDecl { min: 70_000, max: None });
    assert!(matches!(State::for_function(&huge), Err(Trap::Resource(_))));
}

#[test]
fn shuffle_and_swizzle_indices_past_15() {
    // Swizzle: any index of 16 or more selects 0.
    let func = single_op(Opcode::I8x16Swizzle, Imm::None);
    let data = val("i8x16 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16", Type::V128);
    for idx in 16..=255u8 {
        let sel = Val::V128(V128Imm([idx; 16]));
        assert_eq!(run1(&func, &[data, sel]), Ok(vec![Val::V128(V128Imm([0; 16]))]), "index {idx}");
    }
    // Shuffle: indices 16..31 select from the second operand.
    let a = val("i8x16 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15", Type::V128);
    let b2 = val("i8x16 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31", Type::V128);
    for k in 0..32u8 {
        let func = single_op(Opcode::I8x16Shuffle, Imm::Shuffle([k; 16]));
        assert_eq!(run1(&func, &[a, b2]), Ok(vec![Val::V128(V128Imm([k; 16]))]), "index {k}");
    }
    // An index of 32 is malformed IR, not a trap or a panic.
    let func = single_op(Opcode::I8x16Shuffle, Imm::Shuffle([32; 16]));
    let err = run1(&func, &[a, b2]).expect_err("shuffle index 32");
    assert!(matches!(err, Trap::Malformed { .. }), "{err}");
    assert!(!err.is_wasm_trap());
}

#[test]
fn fuel_runs_out_in_an_infinite_loop() {
    let spin = parse(
        "function %spin(i32) -> i32 {
block0(v0: i32):
    jump block1(v0)
block1(v1: i32):
    v2 = i32.const 1
    v3 = i32.add v1, v2
    jump block1(v3)
}
",
    );
    let mut state = State::new();
    let got = run(&spin, &[Val::I32(0)], &mut state, &mut NoCalls, 1000);
    assert_eq!(got, Err(Trap::OutOfFuel));
    assert_eq!(Trap::OutOfFuel.to_string(), "all fuel consumed by WebAssembly");
    assert!(!Trap::OutOfFuel.is_wasm_trap());
    // Exactly enough fuel: one unit per executed instruction.
    let add = parse(
        "function %add(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 1
    v2 = i32.add v0, v1
    return v2
}
",
    );
    assert_eq!(run(&add, &[Val::I32(1)], &mut state, &mut NoCalls, 3), Ok(vec![Val::I32(2)]));
    assert_eq!(run(&add, &[Val::I32(1)], &mut state, &mut NoCalls, 2), Err(Trap::OutOfFuel));
}

/// An environment that runs callees with the interpreter, as a module
/// would: traps inside a callee come back to the caller unchanged.
struct Funcs(Vec<Function>);

impl Env for Funcs {
    fn call(&mut self, func: FuncRef, args: &[Val], state: &mut State) -> Result<Vec<Val>, Trap> {
        let callee = self.0.get(func.index()).cloned().ok_or_else(|| Trap::Host(format!("no {func}")))?;
        run(&callee, args, state, self, 1000)
    }

    fn call_indirect(
        &mut self,
        table: TableRef,
        index: u32,
        _sig: SigRef,
        args: &[Val],
        state: &mut State,
    ) -> Result<Vec<Val>, Trap> {
        let f = state.table_func(table, index)?;
        self.call(FuncRef::from_u32(f), args, state)
    }
}

#[test]
fn nested_runs_share_state_and_propagate_traps() {
    let callee = parse(
        "function %div(i32, i32) -> i32 {
    gv0 = global mut i32

block0(v0: i32, v1: i32):
    v2 = i32.div_s v0, v1
    global.set gv0 v2
    return v2
}
",
    );
    let caller = parse(
        "function %caller(i32, i32) -> i32 {
    fn0 = (i32, i32) -> i32
    gv0 = global mut i32

block0(v0: i32, v1: i32):
    v2 = call fn0(v0, v1)
    v3 = global.get gv0
    v4 = i32.add v2, v3
    return v4
}
",
    );
    let mut env = Funcs(vec![callee]);
    let mut state = State::for_function(&caller).expect("state");
    expect(&caller, &mut state, &mut env, "12, 4", "6");
    expect(&caller, &mut state, &mut env, "1, 0", "trap: integer divide by zero");
    expect(&caller, &mut state, &mut env, "-2147483648, -1", "trap: integer overflow");
    assert_eq!(state.globals[&weft_ir::GlobalRef::new(0)], Val::I32(3), "the last completed call's store stays");
}

#[test]
fn malformed_ir_is_an_error_naming_the_instruction() {
    // An i64 operand to i32.add, built with the cursor (which does not
    // type-check operands).
    let mut func = Function::new("bad", Signature::new([Type::I64], [Type::I32]));
    let mut cur = FuncCursor::new(&mut func);
    let block = cur.add_block(&[Type::I64]);
    let x = cur.func.dfg.block_params(block)[0];
    let sum = cur.ins(Opcode::I32Add, &[x, x], Imm::None).expect("results");
    cur.ret(&sum);
    let err = run1(&func, &[Val::I64(1)]).expect_err("type error");
    let text = err.to_string();
    assert!(text.starts_with("malformed IR at inst0 in block0: `v1 = i32.add v0, v0`"), "{text}");
    assert!(text.contains("operand 0 is i64, expected i32"), "{text}");

    // Arguments that do not fit the signature.
    let err = run1(&func, &[Val::I32(1)]).expect_err("argument type");
    assert!(err.to_string().contains("the arguments have types (i32), expected (i64)"), "{err}");

    // A block that falls off its end, and a use before definition.
    let no_term = parse(
        "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = i32.add v0, v2
    v2 = i32.const 1
    return v1
}
",
    );
    let err = run1(&no_term, &[Val::I32(1)]).expect_err("use before def");
    assert!(err.to_string().contains("v2 is used before it is defined"), "{err}");
    let mut open = no_term.clone();
    let last = open.layout.last_inst(open.entry_block().expect("entry")).expect("return");
    open.layout.remove_inst(last);
    let first = open.layout.first_inst(open.entry_block().expect("entry")).expect("add");
    open.layout.remove_inst(first);
    let err = run1(&open, &[Val::I32(1)]).expect_err("no terminator");
    assert_eq!(err.to_string(), "malformed IR at block0: the block has no terminator");

    // Branch arguments that do not match the target's parameters.
    let arity = parse(
        "function %f(i32) -> i32 {
block0(v0: i32):
    jump block1
block1(v1: i32):
    return v1
}
",
    );
    let err = run1(&arity, &[Val::I32(1)]).expect_err("branch arity");
    assert!(err.to_string().contains("the arguments of block1 have types (), expected (i32)"), "{err}");

    // Entities missing from the state are malformed, not panics.
    let load = single_op(Opcode::I32Load, mem(0));
    let err = run(&load, &[Val::I32(0)], &mut State::new(), &mut NoCalls, 10).expect_err("no memory");
    assert!(err.to_string().contains("mem0 is not in the state"), "{err}");
    assert!(!err.is_wasm_trap());
    let empty = Function::new("empty", Signature::default());
    assert!(run1(&empty, &[]).is_err());
}

#[test]
fn trap_messages_match_wasmtime() {
    let cases = [
        (Trap::Unreachable, "wasm `unreachable` instruction executed"),
        (Trap::IntegerDivideByZero, "integer divide by zero"),
        (Trap::IntegerOverflow, "integer overflow"),
        (Trap::BadConversionToInteger, "invalid conversion to integer"),
        (Trap::MemoryOutOfBounds, "out of bounds memory access"),
        (Trap::TableOutOfBounds, "undefined element: out of bounds table access"),
        (Trap::IndirectCallToNull, "uninitialized element"),
        (Trap::BadSignature, "indirect call type mismatch"),
        (Trap::StackOverflow, "call stack exhausted"),
        (Trap::OutOfFuel, "all fuel consumed by WebAssembly"),
    ];
    for (trap, msg) in cases {
        assert_eq!(trap.to_string(), msg);
    }
}

// ------------------------------------------------------------ differential against wasmtime

/// One exported function of the differential module: an opcode with an
/// immediate, applied to its parameters.
struct DiffCase {
    op: Opcode,
    imm: Imm,
    func: Function,
    export: String,
}

/// The wasm text of an instruction (`i32.load offset=7`, `i8x16.shuffle 0 1 ...`).
fn wat_inst(op: Opcode, imm: Imm) -> String {
    match imm {
        Imm::None => op.name().to_string(),
        Imm::Lane(l) => format!("{} {l}", op.name()),
        Imm::Shuffle(idx) => {
            let lanes: Vec<String> = idx.iter().map(u8::to_string).collect();
            format!("{} {}", op.name(), lanes.join(" "))
        }
        Imm::Mem(m) => format!("{} offset={}", op.name(), m.offset),
        Imm::MemLane(m, l) => format!("{} offset={} {l}", op.name(), m.offset),
        Imm::Memory(_) => op.name().to_string(),
        Imm::MemMem(_, _) => format!("{} 0 0", op.name()),
        _ => panic!("no wat form for {op} {imm:?}"),
    }
}

/// Float results whose NaN bits wasm leaves nondeterministic: compared with
/// NaN ≅ NaN (lane-wise for vectors); everything else is compared bit for bit.
fn nondeterministic_nan(name: &str) -> Option<Option<SimdShape>> {
    let (prefix, op) = name.split_once('.')?;
    let arith = ["add", "sub", "mul", "div", "sqrt", "min", "max", "ceil", "floor", "trunc", "nearest"];
    match prefix {
        "f32" | "f64" if arith.contains(&op) || op == "demote_f64" || op == "promote_f32" => Some(None),
        "f32x4" if arith.contains(&op) || op == "demote_f64x2_zero" => Some(Some(SimdShape::F32x4)),
        "f64x2" if arith.contains(&op) || op == "promote_low_f32x4" => Some(Some(SimdShape::F64x2)),
        _ => None,
    }
}

fn to_wasmtime(v: &Val) -> wasmtime::Val {
    match *v {
        Val::I32(x) => wasmtime::Val::I32(x),
        Val::I64(x) => wasmtime::Val::I64(x),
        Val::F32(x) => wasmtime::Val::F32(x.0),
        Val::F64(x) => wasmtime::Val::F64(x.0),
        Val::V128(x) => wasmtime::Val::V128(x.as_u128().into()),
        _ => panic!("no reference values in the differential test"),
    }
}

fn from_wasmtime(v: &wasmtime::Val) -> Val {
    match *v {
        wasmtime::Val::I32(x) => Val::I32(x),
        wasmtime::Val::I64(x) => Val::I64(x),
        wasmtime::Val::F32(x) => Val::F32(Ieee32(x)),
        wasmtime::Val::F64(x) => Val::F64(Ieee64(x)),
        wasmtime::Val::V128(x) => Val::V128(V128Imm::from_u128(x.as_u128())),
        _ => panic!("no reference values in the differential test"),
    }
}

fn zero_wasmtime(ty: Type) -> wasmtime::Val {
    to_wasmtime(&Val::zero(ty))
}

/// Every opcode with a fixed signature whose semantics depend only on its
/// operands and one memory: pure and trapping arithmetic, all of simd128,
/// loads, stores, lane loads and stores, `memory.fill` and `memory.copy`.
fn differential_cases(rng: &mut Rng) -> Vec<DiffCase> {
    let mut cases = Vec::new();
    for &op in Opcode::ALL {
        let OpSig::Fixed(params, results) = op.sig() else { continue };
        let effects = op.effects();
        let memory_op = matches!(op, Opcode::MemoryFill | Opcode::MemoryCopy);
        let plain = effects.is_pure() || effects == weft_ir::Effects::TRAP;
        let access = op.mem_bytes() > 0;
        if !(plain || access || memory_op) || results.len() > 1 || params.is_empty() && !access {
            continue;
        }
        let imms: Vec<Imm> = match op.imm_kind() {
            weft_ir::ImmKind::None => vec![Imm::None],
            weft_ir::ImmKind::Lane => {
                let n = op.lane_limit().expect("lane limit");
                vec![Imm::Lane(0), Imm::Lane(n - 1), Imm::Lane(rng.below(u64::from(n)) as u8)]
            }
            weft_ir::ImmKind::Shuffle => {
                (0..4).map(|_| Imm::Shuffle(core::array::from_fn(|_| rng.below(32) as u8))).collect()
            }
            weft_ir::ImmKind::Mem => [0, 1, 65535, 0xffff_fff0].into_iter().map(mem).collect(),
            weft_ir::ImmKind::MemLane => {
                let n = op.lane_limit().expect("lane limit");
                [0, 3, 65535].into_iter().map(|off| ml(off, rng.below(u64::from(n)) as u8)).collect()
            }
            weft_ir::ImmKind::Memory => vec![Imm::Memory(mem0())],
            weft_ir::ImmKind::MemMem => vec![Imm::MemMem(mem0(), mem0())],
            _ => continue,
        };
        for imm in imms {
            let mut func = single_op(op, imm);
            if is_store(op) || memory_op {
                // Memory effects are compared on the memory itself.
                func = Function::new(op.name(), Signature::new(params.to_vec(), []));
                func.dfg.decls.memories.insert(mem0(), MemoryDecl { min: 1, max: Some(1) });
                let mut cur = FuncCursor::new(&mut func);
                let block = cur.add_block(params);
                let args = cur.func.dfg.block_params(block).to_vec();
                cur.ins(op, &args, imm).expect("no results");
                cur.ret(&[]);
            }
            let export = format!("f{}", cases.len());
            cases.push(DiffCase { op, imm, func, export });
        }
    }
    cases
}

fn wat_module(cases: &[DiffCase]) -> String {
    let mut wat = String::from("(module\n  (memory (export \"mem\") 1 1)\n");
    for case in cases {
        let params: Vec<&str> = case.func.sig.params.iter().map(|t| t.name()).collect();
        let results: Vec<&str> = case.func.sig.results.iter().map(|t| t.name()).collect();
        let gets: Vec<String> = (0..params.len()).map(|i| format!("local.get {i}")).collect();
        wat.push_str(&format!(
            "  (func (export \"{}\") (param {}) (result {}) {} {})\n",
            case.export,
            params.join(" "),
            results.join(" "),
            gets.join(" "),
            wat_inst(case.op, case.imm)
        ));
    }
    wat.push_str(")\n");
    wat
}

/// A random argument: addresses and sizes lean toward the memory's end.
fn diff_arg(rng: &mut Rng, ty: Type, is_memory_operand: bool) -> Val {
    if ty == Type::I32 && is_memory_operand {
        let x = match rng.below(4) {
            0 => 65536 - rng.below(40) as i64,
            1 => rng.below(64) as i64,
            2 => rng.below(65536) as i64,
            _ => rng.int_bits(32) as i64,
        };
        return Val::I32(x as i32);
    }
    rng.val(ty)
}

#[test]
fn differential_against_wasmtime() {
    let mut rng = Rng::new(0x5eed_0003);
    let cases = differential_cases(&mut rng);
    let wat = wat_module(&cases);
    let engine = wasmtime::Engine::default();
    let module = wasmtime::Module::new(&engine, &wat).unwrap_or_else(|e| panic!("{e:?}"));
    let mut store = wasmtime::Store::new(&engine, ());
    let instance = wasmtime::Instance::new(&mut store, &module, &[]).expect("instantiate");
    let memory = instance.get_memory(&mut store, "mem").expect("memory export");

    let covered: BTreeSet<Opcode> = cases.iter().map(|c| c.op).collect();
    assert!(covered.len() > 380, "only {} opcodes in the differential test", covered.len());
    let (mut runs, mut traps) = (0usize, 0usize);
    for case in &cases {
        let name = case.op.name();
        let func = instance.get_func(&mut store, &case.export).expect("export");
        let mut state = State::for_function(&case.func).expect("state");
        let mut bytes = vec![0u8; 65536];
        for b in bytes.iter_mut() {
            *b = rng.next() as u8;
        }
        memory.data_mut(&mut store).copy_from_slice(&bytes);
        state.memories.get_mut(&mem0()).expect("mem0").bytes.copy_from_slice(&bytes);
        let is_mem = case.op.mem_bytes() > 0 || matches!(case.op, Opcode::MemoryFill | Opcode::MemoryCopy);
        for _ in 0..300 {
            let args: Vec<Val> = case
                .func
                .sig
                .params
                .iter()
                .enumerate()
                .map(|(i, &t)| diff_arg(&mut rng, t, is_mem && (i == 0 || case.op == Opcode::MemoryCopy || i == 2)))
                .collect();
            let ours = run(&case.func, &args, &mut state, &mut NoCalls, 100);
            let params: Vec<wasmtime::Val> = args.iter().map(to_wasmtime).collect();
            let mut results: Vec<wasmtime::Val> = case.func.sig.results.iter().map(|&t| zero_wasmtime(t)).collect();
            let theirs = func
                .call(&mut store, &params, &mut results)
                .map(|()| results.iter().map(from_wasmtime).collect::<Vec<_>>());
            let ctx = || format!("{name} {:?}({})", case.imm, show(&args, opcode_shape(name)));
            runs += 1;
            match (&ours, theirs) {
                (Ok(a), Ok(b)) => {
                    let same = match nondeterministic_nan(name) {
                        Some(Some(shape)) => {
                            a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x.nan_eq_lanes(y, shape))
                        }
                        Some(None) => a.len() == b.len() && a.iter().zip(&b).all(|(x, y)| x.nan_eq(y)),
                        None => *a == b,
                    };
                    let shape = opcode_shape(name);
                    assert!(same, "{}: interpreter {}, wasmtime {}", ctx(), show(a, shape), show(&b, shape));
                }
                (Err(t), Err(e)) => {
                    traps += 1;
                    let theirs = e.downcast_ref::<wasmtime::Trap>().map(|t| t.to_string());
                    assert_eq!(theirs, Some(format!("wasm trap: {t}")), "{}", ctx());
                }
                (a, b) => panic!("{}: interpreter {a:?}, wasmtime {b:?}", ctx()),
            }
            if is_mem {
                let theirs = memory.data(&store);
                let mine = &state.memories[&mem0()].bytes;
                if theirs != &mine[..] {
                    let at = mine.iter().zip(theirs).position(|(a, b)| a != b).unwrap_or(0);
                    panic!("{}: memory differs first at byte {at}: {} vs {}", ctx(), mine[at], theirs[at]);
                }
            }
        }
    }
    assert!(traps > 1000, "the inputs should hit traps: {traps} of {runs}");
}

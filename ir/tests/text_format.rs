//! The text format: `print(parse(s)) == s` for hand-written functions and for
//! one function per row of the opcode table, exact parse errors, and a
//! no-panic check over truncated and mutated inputs.

use weft_ir::{
    Block, DataRef, ElemRef, FuncCursor, FuncDecl, FuncRef, Function, GlobalDecl, GlobalRef, Ieee32, Ieee64, Imm,
    ImmKind, Inst, MemArg, MemoryDecl, MemoryRef, OpSig, Opcode, Rng, SigRef, Signature, TableDecl, TableRef, Type,
    V128Imm, Value, ValueDef, parse_function, parse_functions,
};

// ------------------------------------------------------------ helpers

fn print(func: &Function) -> String {
    func.display().to_string()
}

/// Parses `text` as one function and checks it prints back unchanged.
#[track_caller]
fn roundtrip(text: &str) -> Function {
    let func = match parse_function(text) {
        Ok(f) => f,
        Err(e) => panic!("parse error {e} in:\n{text}"),
    };
    assert_eq!(print(&func), text, "printing the parsed function changed it");
    func
}

/// Everything the text says about an instruction, in entity terms (value
/// lists compared by content, not by pool handle).
#[derive(Debug, PartialEq)]
struct InstSummary {
    opcode: Opcode,
    imm: Imm,
    args: Vec<Value>,
    dests: Vec<(Block, Vec<Value>)>,
    results: Vec<(Value, Type)>,
}

fn summarize(func: &Function, inst: Inst) -> InstSummary {
    let dfg = &func.dfg;
    InstSummary {
        opcode: dfg.insts[inst].opcode(),
        imm: dfg.insts[inst].imm(),
        args: dfg.inst_args(inst).to_vec(),
        dests: dfg.branch_destinations(inst).map(|c| (c.block, dfg.block_call_args(c).to_vec())).collect(),
        results: dfg.inst_results(inst).iter().map(|&v| (v, dfg.value_type(v))).collect(),
    }
}

/// Asserts that two functions have the same blocks, parameters and
/// instructions, entity for entity.
#[track_caller]
fn assert_same_function(a: &Function, b: &Function) {
    assert_eq!(a.name, b.name);
    assert_eq!(a.sig, b.sig);
    assert_eq!(a.dfg.decls, b.dfg.decls);
    let blocks_a: Vec<Block> = a.layout.blocks().collect();
    let blocks_b: Vec<Block> = b.layout.blocks().collect();
    assert_eq!(blocks_a, blocks_b);
    for block in blocks_a {
        let params = |f: &Function| -> Vec<(Value, Type)> {
            f.dfg.block_params(block).iter().map(|&v| (v, f.dfg.value_type(v))).collect()
        };
        assert_eq!(params(a), params(b), "parameters of {block}");
        let insts_a: Vec<Inst> = a.layout.block_insts(block).collect();
        let insts_b: Vec<Inst> = b.layout.block_insts(block).collect();
        assert_eq!(insts_a.len(), insts_b.len(), "instruction count of {block}");
        for (ia, ib) in insts_a.into_iter().zip(insts_b) {
            assert_eq!(summarize(a, ia), summarize(b, ib));
        }
    }
}

// ------------------------------------------------- (a) hand-written texts

const ADD: &str = "\
function %add(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.add v0, v1
    return v2
}
";

const CALLBACK: &str = "\
function %cb(i32, i32, i32) -> i32 {
    fn3 = (i32)

block0(v0: i32, v1: i32, v2: i32):
    v3 = i32.const 2
    v4 = i32.eq v0, v3
    brif v4, block1(v1), block2
block1(v5: i32):
    call fn3(v5)
    jump block2
block2:
    v6 = i32.const 0
    return v6
}
";

const LOOP: &str = "\
function %sum_below(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 0
    jump block1(v1, v1)
block1(v2: i32, v3: i32):
    v4 = i32.lt_u v2, v0
    brif v4, block2, block3
block2:
    v5 = i32.add v3, v2
    v6 = i32.const 1
    v7 = i32.add v2, v6
    jump block1(v7, v5)
block3:
    return v3
}
";

const SWITCH: &str = "\
function %switch(i32, i64) -> i64 {
block0(v0: i32, v1: i64):
    br_table v0, block3(v1), [block1, block2(v1), block1]
block1:
    v2 = i64.const -1
    return v2
block2(v3: i64):
    return v3
block3(v4: i64):
    v5 = i64.const 9223372036854775807
    v6 = i64.add v4, v5
    br_table v0, block1, []
}
";

const MULTI_VALUE: &str = "\
function %pair(i32) -> i32, i64 {
    fn0 = \"env.pair\" (i32) -> i32, i64
    fn1 = () -> f32, f64, v128

block0(v0: i32):
    v1, v2 = call fn0(v0)
    v3, v4, v5 = call fn1()
    return v1, v2
}
";

const INDIRECT: &str = "\
function %dispatch(i32, i32) -> i32 {
    sig0 = (i32) -> i32
    sig1 = ()
    table0 = table funcref min=4 max=4
    table1 = table funcref min=1

block0(v0: i32, v1: i32):
    call_indirect sig1 table1 v1()
    v2 = call_indirect sig0 table0 v1(v0)
    return_call_indirect sig0 table0 v1(v2)
}
";

const TAIL_CALL: &str = "\
function %\"tail \\\"call\\\" \\\\ caller\"(i32, i32) -> i32 {
    fn1 = \"weird \\u{9}name; not a comment\" (i32, i32) -> i32

block0(v0: i32, v1: i32):
    return_call fn1(v1, v0)
}
";

const GLOBALS: &str = "\
function %counter() -> f64 {
    gv0 = global mut i32
    gv1 = global f64

block0:
    v0 = global.get gv0
    v1 = i32.const 1
    v2 = i32.add v0, v1
    global.set gv0 v2
    v3 = global.get gv1
    return v3
}
";

const MEMORY: &str = "\
function %memory(i32, i64) -> i64 {
    mem0 = memory min=1
    mem1 = memory min=0 max=65536

block0(v0: i32, v1: i64):
    v2 = i32.load mem0 v0
    v3 = i32.load mem0+16 v0
    v4 = i64.load mem1+8 align=4 v0
    i32.store mem0+4 align=1 v0, v2
    i64.store32 mem1+4294967296 v0, v1
    v5 = i32.load8_u mem0 v0
    v6 = i32.load16_s mem0 align=1 v0
    v7 = memory.size mem0
    v8 = memory.grow mem1 v7
    memory.copy mem0 mem1 v0, v3, v8
    memory.fill mem0 v0, v2, v3
    memory.init data2 mem0 v0, v2, v3
    data.drop data2
    return v4
}
";

const FLOATS: &str = "\
function %floats() {
block0:
    v0 = f32.const 1.5
    v1 = f32.const -0.0
    v2 = f32.const inf
    v3 = f32.const -inf
    v4 = f32.const nan:0x400000
    v5 = f32.const -nan:0x1
    v6 = f32.const 1e-45
    v7 = f32.const 3.4028235e38
    v8 = f64.const 0.1
    v9 = f64.const -nan:0x8000000000000
    v10 = f64.const 5e-324
    v11 = f64.const 1e100
    v12 = f64.const -inf
    v13 = f64.const 0.0
    v14 = f32.add v0, v1
    v15 = f64.promote_f32 v14
    v16 = f64.mul v15, v8
    return
}
";

const SIMD: &str = "\
function %simd(i32, v128) -> v128 {
    mem0 = memory min=1

block0(v0: i32, v1: v128):
    v2 = v128.const 0x000102030405060708090a0b0c0d0e0f
    v3 = v128.const 0x00000000000000000000000000000000
    v4 = i8x16.shuffle [0 17 2 19 4 21 6 23 8 25 10 27 12 29 14 31] v1, v2
    v5 = i8x16.extract_lane_s 15 v4
    v6 = i32x4.replace_lane 3 v4, v5
    v7 = v128.load8_lane mem0+1 7 v0, v6
    v128.store16_lane mem0 align=1 2 v0, v7
    v8 = v128.load mem0+32 v0
    v9 = i32x4.add v8, v7
    v10 = v128.bitselect v9, v3, v1
    v11 = i8x16.splat v5
    v12 = f64x2.extract_lane 1 v10
    v13 = v128.any_true v11
    return v10
}
";

const REFS_AND_TABLES: &str = "\
function %tables(i32, funcref, externref) -> i32 {
    fn2 = (i32) -> i32
    table0 = table funcref min=1
    table1 = table externref min=0 max=10

block0(v0: i32, v1: funcref, v2: externref):
    v3 = ref.null funcref
    v4 = ref.null externref
    v5 = ref.is_null v2
    v6 = ref.func fn2
    v7 = table.get table1 v0
    table.set table0 v0, v6
    v8 = table.size table0
    v9 = table.grow table1 v4, v0
    table.fill table0 v0, v3, v8
    table.copy table0 table1 v0, v0, v0
    table.init elem1 table0 v0, v0, v0
    elem.drop elem1
    v10 = select v7, v2, v5
    return v9
}
";

const USE_BEFORE_DEF: &str = "\
function %late(i32) -> f64 {
block0(v0: i32):
    jump block2
block1:
    v5 = select v3, v4, v0
    v6 = select v5, v5, v0
    return v6
block2:
    v3 = f64.const 1.0
    v4 = f64.const 2.0
    jump block1
}
";

const GAPS: &str = "\
function %gaps(i32) -> i32 {
block0(v7: i32):
    jump block5(v7)
block5(v12: i32):
    v30 = i32.const 3
    v31 = i32.div_s v12, v30
    return v31
}
";

const CONSTANTS_AND_TRAPS: &str = "\
function %consts(i32) -> i64 {
block0(v0: i32):
    v1 = i32.const -2147483648
    v2 = i32.const 2147483647
    v3 = i64.const -9223372036854775808
    v4 = i32.eqz v0
    brif v4, block1, block2
block1:
    trap
block2:
    return v3
}
";

const EMPTY: &str = "\
function %empty() {
}
";

const ODD_NAME_AND_EMPTY_BLOCK: &str = "\
function %my.func$name-2(i64) {
    sig3 = (v128, funcref) -> externref
    fn0 = \"\" ()
    gv4 = global externref

block1(v0: i64):
block0:
    v1 = i64.extend_i32_s v2
    v2 = i32.wrap_i64 v0
    return
}
";

const SELECT_AND_CONVERSIONS: &str = "\
function %convert(f64, i64) -> i32 {
block0(v0: f64, v1: i64):
    v2 = i32.trunc_sat_f64_s v0
    v3 = i32.wrap_i64 v1
    v4 = i32.trunc_f64_u v0
    v5 = select v2, v3, v4
    v6 = f32.demote_f64 v0
    v7 = i32.reinterpret_f32 v6
    v8 = i64.extend8_s v1
    v9 = select v8, v1, v7
    return v5
}
";

const HAND_WRITTEN: &[&str] = &[
    ADD,
    CALLBACK,
    LOOP,
    SWITCH,
    MULTI_VALUE,
    INDIRECT,
    TAIL_CALL,
    GLOBALS,
    MEMORY,
    FLOATS,
    SIMD,
    REFS_AND_TABLES,
    USE_BEFORE_DEF,
    GAPS,
    CONSTANTS_AND_TRAPS,
    EMPTY,
    ODD_NAME_AND_EMPTY_BLOCK,
    SELECT_AND_CONVERSIONS,
];

#[test]
fn hand_written_functions_round_trip() {
    assert!(HAND_WRITTEN.len() >= 15);
    for text in HAND_WRITTEN {
        roundtrip(text);
    }
}

#[test]
fn all_hand_written_functions_in_one_file() {
    let file: String = HAND_WRITTEN.join("\n");
    let funcs = parse_functions(&file).expect("file parses");
    assert_eq!(funcs.len(), HAND_WRITTEN.len());
    for (func, text) in funcs.iter().zip(HAND_WRITTEN) {
        assert_eq!(print(func), *text);
    }
    assert!(parse_functions("").expect("empty file").is_empty());
    assert!(parse_functions("; only a comment\n\n").expect("comment-only file").is_empty());
}

#[test]
fn value_and_block_numbers_are_kept() {
    let func = roundtrip(GAPS);
    assert_eq!(func.dfg.num_values(), 32);
    assert_eq!(func.dfg.num_blocks(), 6);
    let blocks: Vec<Block> = func.layout.blocks().collect();
    assert_eq!(blocks, [Block::from_u32(0), Block::from_u32(5)]);
    assert!(!func.layout.is_block_inserted(Block::from_u32(3)));
    assert_eq!(func.dfg.value_def(Value::from_u32(7)), ValueDef::Param(Block::from_u32(0), 0));
    assert_eq!(func.dfg.value_def(Value::from_u32(8)), ValueDef::Detached);
    let v31 = Value::from_u32(31);
    assert!(matches!(func.dfg.value_def(v31), ValueDef::Result(_, 0)));
    assert_eq!(func.dfg.value_type(v31), Type::I32);
}

#[test]
fn result_types_come_from_the_table_and_declarations() {
    let ty = |f: &Function, n: u32| f.dfg.value_type(Value::from_u32(n));
    let late = roundtrip(USE_BEFORE_DEF);
    // `select` operands are defined later in the text; the type still flows.
    assert_eq!(ty(&late, 5), Type::F64);
    assert_eq!(ty(&late, 6), Type::F64);

    let mv = roundtrip(MULTI_VALUE);
    assert_eq!([ty(&mv, 1), ty(&mv, 2)], [Type::I32, Type::I64]);
    assert_eq!([ty(&mv, 3), ty(&mv, 4), ty(&mv, 5)], [Type::F32, Type::F64, Type::V128]);

    let refs = roundtrip(REFS_AND_TABLES);
    assert_eq!(ty(&refs, 3), Type::FuncRef);
    assert_eq!(ty(&refs, 4), Type::ExternRef);
    assert_eq!(ty(&refs, 7), Type::ExternRef);
    assert_eq!(ty(&refs, 10), Type::ExternRef);

    let globals = roundtrip(GLOBALS);
    assert_eq!(ty(&globals, 3), Type::F64);
    let conv = roundtrip(SELECT_AND_CONVERSIONS);
    assert_eq!(ty(&conv, 9), Type::I64);
}

#[test]
fn immediates_parse_to_the_exact_bits() {
    let floats = roundtrip(FLOATS);
    let imm = |f: &Function, n: u32| {
        let inst = f.dfg.value_inst(Value::from_u32(n)).expect("defined by an instruction");
        f.dfg.insts[inst].imm()
    };
    assert_eq!(imm(&floats, 1), Imm::F32(Ieee32(0x8000_0000)));
    assert_eq!(imm(&floats, 4), Imm::F32(Ieee32(0x7fc0_0000)));
    assert_eq!(imm(&floats, 5), Imm::F32(Ieee32(0xff80_0001)));
    assert_eq!(imm(&floats, 6), Imm::F32(Ieee32(1)));
    assert_eq!(imm(&floats, 9), Imm::F64(Ieee64(0xfff8_0000_0000_0000)));
    assert_eq!(imm(&floats, 10), Imm::F64(Ieee64(1)));

    let simd = roundtrip(SIMD);
    assert_eq!(imm(&simd, 2), Imm::V128(V128Imm::from_u128(0x0001_0203_0405_0607_0809_0a0b_0c0d_0e0f)));
    let lanes = [0, 17, 2, 19, 4, 21, 6, 23, 8, 25, 10, 27, 12, 29, 14, 31];
    assert_eq!(imm(&simd, 4), Imm::Shuffle(lanes));
    let mem0 = MemoryRef::from_u32(0);
    assert_eq!(imm(&simd, 7), Imm::MemLane(MemArg { memory: mem0, offset: 1, align: 0 }, 7));

    let memory = roundtrip(MEMORY);
    let mem1 = MemoryRef::from_u32(1);
    assert_eq!(imm(&memory, 2), Imm::Mem(MemArg { memory: mem0, offset: 0, align: 2 }));
    assert_eq!(imm(&memory, 4), Imm::Mem(MemArg { memory: mem1, offset: 8, align: 2 }));
    assert_eq!(imm(&memory, 5), Imm::Mem(MemArg { memory: mem0, offset: 0, align: 0 }));
}

#[test]
fn comments_are_ignored_everywhere() {
    let commented = "\
; A file header comment.
test print ; not a function: see below
";
    // Text before `function` that is not a comment is an error...
    assert!(parse_functions(commented).is_err());
    // ...but comments anywhere else are skipped.
    let text = "\
; leading comment
;; and another

function %sum_below(i32) -> i32 { ; header comment
; between header and block
block0(v0: i32): ; after a block header
    v1 = i32.const 0 ; after an instruction
    jump block1(v1, v1)
block1(v2: i32, v3: i32):
    ; check: v4 = i32.lt_u v2, v0
    v4 = i32.lt_u v2, v0
    brif v4, block2, block3

block2:
    v5 = i32.add v3, v2
    v6 = i32.const 1;no space before the comment
    v7 = i32.add v2, v6
    jump block1(v7, v5)
block3:
    return v3 ; run: %sum_below(3) == 3
} ; trailing
; run: %sum_below(0) == 0
";
    let func = parse_function(text).expect("commented text parses");
    assert_eq!(print(&func), LOOP);
}

#[test]
fn non_canonical_spellings_normalize() {
    let text = "\
function %norm() {
    table0 = table funcref min=1
    mem0 = memory min = 1
    gv0 = global i32
    fn0 = (i32)
    sig0 = ()
block0:
    v0 = i32.const 4294967295
    v1 = i32.const 0x10
    v2 = i32.load mem0+0 align=4 v0
    v3 = v128.const 0x1
    call fn0 ( v1 )
    return
}
";
    let canonical = "\
function %norm() {
    sig0 = ()
    fn0 = (i32)
    gv0 = global i32
    mem0 = memory min=1
    table0 = table funcref min=1

block0:
    v0 = i32.const -1
    v1 = i32.const 16
    v2 = i32.load mem0 v0
    v3 = v128.const 0x00000000000000000000000000000001
    call fn0(v1)
    return
}
";
    let func = parse_function(text).expect("parses");
    assert_eq!(print(&func), canonical);
    roundtrip(canonical);
}

// ------------------------------------------- (b) every row of the table

/// The module entities every generated function declares.
fn declare(func: &mut Function) {
    let decls = &mut func.dfg.decls;
    decls.sigs.insert(SigRef::from_u32(0), Signature::new([Type::I32, Type::F64], [Type::I64]));
    decls.sigs.insert(SigRef::from_u32(1), Signature::new([], []));
    decls.funcs.insert(
        FuncRef::from_u32(0),
        FuncDecl { sig: Signature::new([Type::I32, Type::F64], [Type::I64, Type::V128]), name: Some("m.f".into()) },
    );
    decls.funcs.insert(FuncRef::from_u32(1), FuncDecl { sig: Signature::new([], []), name: None });
    decls.globals.insert(GlobalRef::from_u32(0), GlobalDecl { ty: Type::I32, mutable: true });
    decls.globals.insert(GlobalRef::from_u32(1), GlobalDecl { ty: Type::F64, mutable: false });
    decls.memories.insert(MemoryRef::from_u32(0), MemoryDecl { min: 1, max: None });
    decls.memories.insert(MemoryRef::from_u32(1), MemoryDecl { min: 0, max: Some(3) });
    decls.tables.insert(TableRef::from_u32(0), TableDecl { elem: Type::FuncRef, min: 1, max: None });
    decls.tables.insert(TableRef::from_u32(1), TableDecl { elem: Type::ExternRef, min: 2, max: Some(9) });
}

/// Representative immediates of an opcode's kind: each variant of the text
/// (offsets, non-natural alignment, negative and special numbers).
fn representative_imms(op: Opcode) -> Vec<Imm> {
    let mem = |m: u32, offset: u64, align: u8| MemArg { memory: MemoryRef::from_u32(m), offset, align };
    let natural = op.natural_align();
    let unnatural = if natural == 0 { 1 } else { 0 };
    let (t0, t1) = (TableRef::from_u32(0), TableRef::from_u32(1));
    let (m0, m1) = (MemoryRef::from_u32(0), MemoryRef::from_u32(1));
    match op.imm_kind() {
        ImmKind::None => vec![Imm::None],
        ImmKind::I32 => vec![Imm::I32(0), Imm::I32(-123_456), Imm::I32(i32::MIN), Imm::I32(i32::MAX)],
        ImmKind::I64 => vec![Imm::I64(i64::MIN), Imm::I64(-1), Imm::I64(i64::MAX)],
        ImmKind::F32 => vec![
            Imm::F32(Ieee32::from_f32(-0.0)),
            Imm::F32(Ieee32::from_f32(0.1)),
            Imm::F32(Ieee32::from_f32(f32::INFINITY)),
            Imm::F32(Ieee32(0xffc0_0001)),
            Imm::F32(Ieee32::from_f32(f32::MIN_POSITIVE / 8.0)),
        ],
        ImmKind::F64 => vec![
            Imm::F64(Ieee64::from_f64(1e300)),
            Imm::F64(Ieee64::from_f64(f64::NEG_INFINITY)),
            Imm::F64(Ieee64(0x7ff0_0000_0000_0001)),
            Imm::F64(Ieee64::from_f64(-2.5e-310)),
        ],
        ImmKind::V128 => vec![
            Imm::V128(V128Imm::from_u128(0)),
            Imm::V128(V128Imm::from_u128(u128::MAX)),
            Imm::V128(V128Imm::from_u128(0x0f0e_0d0c_0b0a_0908_0706_0504_0302_0100)),
        ],
        ImmKind::Mem => vec![Imm::Mem(mem(0, 0, natural)), Imm::Mem(mem(1, 65_536, unnatural))],
        ImmKind::MemLane => vec![Imm::MemLane(mem(0, 0, natural), 0), Imm::MemLane(mem(1, 3, unnatural), 1)],
        ImmKind::Lane => vec![Imm::Lane(0), Imm::Lane(1)],
        ImmKind::Shuffle => {
            vec![Imm::Shuffle(core::array::from_fn(|i| (31 - i) as u8)), Imm::Shuffle([0; 16])]
        }
        ImmKind::Global => vec![Imm::Global(GlobalRef::from_u32(0)), Imm::Global(GlobalRef::from_u32(1))],
        ImmKind::Func => vec![Imm::Func(FuncRef::from_u32(0)), Imm::Func(FuncRef::from_u32(1))],
        ImmKind::SigTable => {
            vec![Imm::SigTable(SigRef::from_u32(0), t0), Imm::SigTable(SigRef::from_u32(1), t1)]
        }
        ImmKind::Table => vec![Imm::Table(t0), Imm::Table(t1)],
        ImmKind::TableTable => vec![Imm::TableTable(t0, t1), Imm::TableTable(t1, t1)],
        ImmKind::Memory => vec![Imm::Memory(m0), Imm::Memory(m1)],
        ImmKind::MemMem => vec![Imm::MemMem(m1, m0)],
        ImmKind::DataMem => vec![Imm::DataMem(DataRef::from_u32(3), m1)],
        ImmKind::Data => vec![Imm::Data(DataRef::from_u32(0)), Imm::Data(DataRef::from_u32(12))],
        ImmKind::ElemTable => vec![Imm::ElemTable(ElemRef::from_u32(2), t1)],
        ImmKind::Elem => vec![Imm::Elem(ElemRef::from_u32(7))],
        ImmKind::RefType => vec![Imm::RefType(Type::FuncRef), Imm::RefType(Type::ExternRef)],
    }
}

/// The table of a `Table`/`TableTable` immediate, for typing table operands.
fn table_elem(imm: Imm) -> Type {
    match imm {
        Imm::Table(t) | Imm::TableTable(t, _) if t.as_u32() == 1 => Type::ExternRef,
        _ => Type::FuncRef,
    }
}

/// Operand types of an opcode with this immediate. Fixed signatures come from
/// the table; every `special` opcode is listed by name, and an unknown one
/// fails the test so that a new special opcode gets a case here.
fn operand_types(op: Opcode, imm: Imm) -> Vec<Type> {
    if let OpSig::Fixed(params, _) = op.sig() {
        return params.to_vec();
    }
    let elem = table_elem(imm);
    match op.name() {
        "jump" | "br_table" | "brif" => vec![Type::I32, Type::I64],
        "return" => vec![Type::I64, Type::V128],
        "call" | "return_call" => match imm {
            Imm::Func(f) if f.as_u32() == 0 => vec![Type::I32, Type::F64],
            _ => vec![],
        },
        "call_indirect" | "return_call_indirect" => match imm {
            Imm::SigTable(s, _) if s.as_u32() == 0 => vec![Type::I32, Type::F64, Type::I32],
            _ => vec![Type::I32],
        },
        "select" => vec![Type::F64, Type::F64, Type::I32],
        "global.get" => vec![],
        "global.set" => match imm {
            Imm::Global(g) if g.as_u32() == 1 => vec![Type::F64],
            _ => vec![Type::I32],
        },
        "ref.null" => vec![],
        "ref.is_null" => vec![Type::ExternRef],
        "table.get" => vec![Type::I32],
        "table.set" => vec![Type::I32, elem],
        "table.grow" => vec![elem, Type::I32],
        "table.fill" => vec![Type::I32, elem, Type::I32],
        "table.size" => vec![],
        "table.copy" | "table.init" => vec![Type::I32, Type::I32, Type::I32],
        other => panic!("special opcode `{other}` has no case in operand_types: add one"),
    }
}

/// A function whose entry block's parameters are the operands of one `op`
/// instruction with immediate `imm`, built with the cursor API.
fn function_for(op: Opcode, imm: Imm) -> Function {
    let params = operand_types(op, imm);
    let results = if op == Opcode::Return { params.clone() } else { vec![] };
    let mut func = Function::new(format!("op_{}", op.name()), Signature::new(params.clone(), results));
    declare(&mut func);
    let mut cur = FuncCursor::new(&mut func);
    let entry = cur.add_block(&params);
    let args = cur.func.dfg.block_params(entry).to_vec();
    if op.is_branch() {
        let b1 = cur.add_block(&[Type::I64]);
        cur.ret(&[]);
        let b2 = cur.add_block(&[]);
        cur.ins(Opcode::Unreachable, &[], Imm::None).expect("trap");
        cur.goto_end(entry);
        let (index, wide) = (args[0], args[1]);
        match op {
            Opcode::Jump => cur.jump(b1, &[wide]),
            Opcode::Brif => cur.brif(index, b1, &[wide], b2, &[]),
            _ => cur.br_table(index, (b2, &[]), &[(b1, vec![wide]), (b2, vec![]), (b1, vec![wide])]),
        };
    } else {
        if let Err(e) = cur.ins(op, &args, imm) {
            panic!("cannot build `{op}` with {imm:?}: {e}");
        }
        if !op.is_terminator() {
            cur.ret(&[]);
        }
    }
    func
}

#[test]
fn every_opcode_round_trips() {
    let mut count = 0;
    for &op in Opcode::ALL {
        assert_eq!(Opcode::from_name(op.name()), Some(op), "name of {op:?}");
        for imm in representative_imms(op) {
            let func = function_for(op, imm);
            let text = print(&func);
            let parsed = match parse_function(&text) {
                Ok(f) => f,
                Err(e) => panic!("`{op}`: {e} in:\n{text}"),
            };
            assert_eq!(print(&parsed), text, "`{op}` printed differently after parsing");
            assert_same_function(&func, &parsed);
            count += 1;
        }
    }
    assert!(count >= Opcode::ALL.len());
}

// ------------------------------------------------------------ (c) errors

#[track_caller]
fn assert_error(text: &str, expected: &str) {
    match parse_functions(text) {
        Ok(_) => panic!("expected `{expected}`, but it parsed:\n{text}"),
        Err(e) => assert_eq!(e.to_string(), expected, "in:\n{text}"),
    }
}

#[test]
fn unknown_opcode() {
    assert_error("function %f() {\nblock0:\n    v0 = i32.frobnicate\n}\n", "3:10: unknown opcode `i32.frobnicate`");
    assert_error("function %f() {\nblock0:\n    unreachable\n}\n", "3:5: unknown opcode `unreachable`");
}

#[test]
fn wrong_immediate() {
    assert_error("function %f() {\nblock0:\n    v0 = i32.const 1.5\n}\n", "3:20: invalid i32 constant `1.5`");
    assert_error(
        "function %f() {\nblock0:\n    v0 = i32.const\n}\n",
        "3:19: expected an i32 constant, found end of line",
    );
    assert_error("function %f() {\nblock0:\n    v0 = f32.const nan:0x0\n}\n", "3:20: invalid f32 constant `nan:0x0`");
    assert_error(
        "function %f() {\nblock0:\n    v0 = v128.const 0x1234567890abcdef1234567890abcdef0\n}\n",
        "3:21: invalid v128 constant `0x1234567890abcdef1234567890abcdef0` (expected 0x and up to 32 hex digits)",
    );
    assert_error(
        "function %f(i32) {\nblock0(v0: i32):\n    v1 = i32.load mem0 align=3 v0\n}\n",
        "3:30: alignment 3 is not a power of two",
    );
    assert_error(
        "function %f(v128) {\nblock0(v0: v128):\n    v1 = i8x16.shuffle [0 1 2] v0, v0\n}\n",
        "3:24: a shuffle takes 16 lane indices, found 3",
    );
    assert_error("function %f() {\nblock0:\n    v0 = global.get fn0\n}\n", "3:21: expected a global, found `fn0`");
    assert_error(
        "function %f() {\nblock0:\n    v0 = ref.null i32\n}\n",
        "3:19: `ref.null` has the wrong kind of immediate",
    );
}

#[test]
fn undeclared_entity_where_a_type_is_needed() {
    assert_error("function %f() {\nblock0:\n    v0 = call fn4()\n}\n", "3:15: fn4 is not declared");
    assert_error("function %f() {\nblock0:\n    v0 = global.get gv2\n}\n", "3:21: gv2 is not declared");
    assert_error(
        "function %f(i32) {\nblock0(v0: i32):\n    v1 = call_indirect sig1 table0 v0()\n}\n",
        "3:24: sig1 is not declared",
    );
    assert_error(
        "function %f(i32) {\nblock0(v0: i32):\n    v1 = table.get table3 v0\n}\n",
        "3:20: table3 is not declared",
    );
}

#[test]
fn redefinitions() {
    assert_error(
        "function %f(i32) {\nblock0(v0: i32):\n    v0 = i32.const 1\n    return\n}\n",
        "3:5: redefinition of v0",
    );
    assert_error("function %f() {\nblock0:\n    trap\nblock0:\n    trap\n}\n", "4:1: redefinition of block0");
    assert_error("function %f() {\n    fn1 = ()\n    fn1 = (i32)\n}\n", "3:5: redefinition of fn1");
}

#[test]
fn unknown_type() {
    assert_error("function %f(i33) {\n}\n", "1:13: unknown type `i33`");
    assert_error("function %f() {\nblock0(v0: f16):\n    trap\n}\n", "2:12: unknown type `f16`");
}

#[test]
fn unterminated_function() {
    assert_error("function %f() {\nblock0:\n    trap\n", "4:1: unterminated function: expected `}`, found end of file");
    assert_error(
        "function %f() {\nblock0:\n    v0 = i32.const 1",
        "3:21: unterminated function: expected `}`, found end of file",
    );
    assert_error(
        "function %f() {\nblock0:\n    trap\n\nfunction %g() {\n}\n",
        "5:1: unterminated function: expected `}` before the next function",
    );
}

#[test]
fn bad_numbers() {
    assert_error(
        "function %f() {\nblock0:\n    v0 = i64.const 18446744073709551616\n}\n",
        "3:20: invalid i64 constant `18446744073709551616`",
    );
    assert_error("function %f() {\n    mem0 = memory min=1x\n}\n", "2:23: invalid minimum `1x`");
    assert_error(
        "function %f() {\nblock0:\n    v0 = i32.const 1\n    return v99999999999\n}\n",
        "4:12: entity number of `v99999999999` is too large",
    );
    assert_error(
        "function %f() {\nblock0:\n    jump block20000000\n}\n",
        "3:10: block20000000 is too large: block and value numbers must be below 16777216",
    );
}

#[test]
fn structural_errors() {
    assert_error("function %f(i32) {\nblock0(v0: i32):\n    return v9\n}\n", "3:12: use of undefined value v9");
    assert_error(
        "function %f(i32) {\nblock0(v0: i32):\n    v1 = i32.store mem0 v0, v0\n}\n",
        "3:5: `i32.store` produces 0 results, but the text names 1",
    );
    assert_error(
        "function %f(i32) {\nblock0(v0: i32):\n    i32.add v0, v0\n}\n",
        "3:5: `i32.add` produces 1 result, but the text names 0",
    );
    assert_error(
        "function %f(i32) {\nblock0(v0: i32):\n    v1 = select v1, v1, v0\n    return\n}\n",
        "3:5: cannot infer the result types of `select`: the type of v1 depends on it",
    );
    assert_error("function %f() {\n    v0 = i32.const 1\n}\n", "2:5: instruction outside a block");
    assert_error(
        "function %f() {\nblock0:\n    fn0 = ()\n    trap\n}\n",
        "3:5: declarations must come before the first block",
    );
    assert_error(
        "function %f(i32) {\nblock0(v0: i32):\n    v1 = i32.add v0 v0\n}\n",
        "3:21: expected end of line, found `v0`",
    );
    assert_error("function %f() {\nblock0:\n    trap\n}\nblock1:\n", "5:1: expected `function`, found `block1`");
    assert_error("function %f() {\n    fn0 = \"abc\n}\n", "2:15: unterminated string");
    assert_error("function %\"a\\qb\"() {\n}\n", "1:13: invalid escape `\\q`");
    let two = format!("{ADD}{ADD}");
    let e = parse_function(&two).expect_err("two functions");
    assert_eq!(e.to_string(), "6:1: expected end of file after the function, found `function`");
    assert_eq!((e.line, e.col), (6, 1));
    assert_eq!(
        parse_function("  ; nothing\n").expect_err("no function").to_string(),
        "2:1: expected a function, found end of file"
    );
}

// ---------------------------------------------------- (d) never panics

/// Parses `text`; if it parses, printing must be a fixpoint of parsing.
fn check_no_panic(text: &str) {
    if let Ok(funcs) = parse_functions(text) {
        let printed: String = funcs.iter().map(print).collect();
        let again = parse_functions(&printed).unwrap_or_else(|e| panic!("reparse failed: {e}\n{printed}"));
        let reprinted: String = again.iter().map(print).collect();
        assert_eq!(printed, reprinted, "print(parse(print(parse(x)))) differs for input:\n{text}");
    }
}

fn valid_texts() -> Vec<String> {
    let mut texts: Vec<String> = HAND_WRITTEN.iter().map(|s| s.to_string()).collect();
    for &op in Opcode::ALL {
        if let Some(imm) = representative_imms(op).pop() {
            texts.push(print(&function_for(op, imm)));
        }
    }
    texts
}

#[test]
fn truncated_inputs_never_panic() {
    for text in valid_texts() {
        for (i, _) in text.char_indices() {
            check_no_panic(&text[..i]);
        }
    }
}

#[test]
fn mutated_inputs_never_panic() {
    const ALPHABET: &[u8] = b"0123456789abfinvxk.,:;=+-()[]{}%\"\\ \n\tblock\xc3\xa9";
    let mut rng = Rng::from_state(0x9e37_79b9_7f4a_7c15);
    for text in valid_texts() {
        for _ in 0..48 {
            let mut bytes = text.clone().into_bytes();
            for _ in 0..1 + rng.index(4) {
                let at = rng.index(bytes.len().max(1));
                let byte = ALPHABET[rng.index(ALPHABET.len())];
                match rng.index(4) {
                    0 if !bytes.is_empty() => {
                        bytes.remove(at);
                    }
                    1 => bytes.insert(at.min(bytes.len()), byte),
                    2 if !bytes.is_empty() => {
                        let len = rng.index(16).min(bytes.len() - at);
                        let chunk = bytes[at..at + len].to_vec();
                        let to = rng.index(bytes.len());
                        bytes.splice(to..to, chunk);
                    }
                    _ if !bytes.is_empty() => bytes[at] = byte,
                    _ => bytes.push(byte),
                }
            }
            check_no_panic(&String::from_utf8_lossy(&bytes));
        }
    }
}

// ------------------------------------------------------ docs/ir.md examples

/// Every ```` ```weft ```` block in `docs/ir.md` is canonical text.
#[test]
fn documentation_examples_round_trip() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../docs/ir.md");
    let doc = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut examples = 0;
    let mut rest = doc.as_str();
    while let Some(start) = rest.find("```weft\n") {
        let body = &rest[start + "```weft\n".len()..];
        let end = body.find("```").expect("unterminated code block in docs/ir.md");
        let funcs = parse_functions(&body[..end]).unwrap_or_else(|e| panic!("docs/ir.md example: {e}"));
        let printed: String = funcs.iter().map(print).collect::<Vec<_>>().join("\n");
        assert_eq!(printed, &body[..end], "docs/ir.md example is not canonical");
        examples += funcs.len();
        rest = &body[end + 3..];
    }
    assert!(examples >= 5, "docs/ir.md has {examples} weft examples");
}

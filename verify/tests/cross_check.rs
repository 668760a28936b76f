//! Cross-check of the SMT semantics against the reference interpreter: for
//! every opcode, a one-instruction function is run on random concrete
//! inputs (biased to edge cases: zero, ±1, MIN/MAX, NaNs, ±0, infinities,
//! addresses at the end of memory) by `weft_ir::interpreter::run` and by
//! `weft_verify::evaluate` (the Z3 encoding with the inputs fixed). Results,
//! traps, calls, globals, memory bytes and sizes, and table entries must
//! agree bit for bit. Control flow (`brif`, `br_table` with out-of-range
//! indices, block arguments) is checked the same way on small functions.
//!
//! `WEFT_CROSS_ITERS` sets the number of inputs per opcode (default 6).

use std::collections::BTreeMap;

use weft_ir::interpreter::{Callee, State, Trace, Val, run};
use weft_ir::{
    DataRef, ElemRef, FuncCursor, FuncDecl, FuncRef, Function, GlobalDecl, GlobalRef, Ieee32, Ieee64, Imm, ImmKind,
    MemArg, MemoryDecl, MemoryRef, OpSig, Opcode, Rng, SigRef, Signature, TableDecl, TableRef, Type, V128Imm, Value,
};
use weft_verify::{ConcreteInputs, ConcreteOutcome, Options, evaluate};

#[expect(non_snake_case, reason = "reads like the constant it stands for")]
fn MEM() -> MemoryRef {
    MemoryRef::from_u32(0)
}
#[expect(non_snake_case, reason = "reads like the constant it stands for")]
fn TABLE_F() -> TableRef {
    TableRef::from_u32(0)
}
#[expect(non_snake_case, reason = "reads like the constant it stands for")]
fn TABLE_E() -> TableRef {
    TableRef::from_u32(1)
}
const GLOBAL_TYPES: [Type; 7] =
    [Type::I32, Type::I64, Type::F32, Type::F64, Type::V128, Type::FuncRef, Type::ExternRef];

fn sig(params: &[Type], results: &[Type]) -> Signature {
    Signature::new(params.to_vec(), results.to_vec())
}

/// The module environment every test function sees.
fn declare(func: &mut Function) {
    let d = &mut func.dfg.decls;
    d.memories.insert(MEM(), MemoryDecl { min: 1, max: Some(2) });
    for (i, ty) in GLOBAL_TYPES.iter().enumerate() {
        d.globals.insert(GlobalRef::from_u32(i as u32), GlobalDecl { ty: *ty, mutable: true });
    }
    d.tables.insert(TABLE_F(), TableDecl { elem: Type::FuncRef, min: 4, max: Some(6) });
    d.tables.insert(TABLE_E(), TableDecl { elem: Type::ExternRef, min: 2, max: Some(3) });
    d.funcs.insert(FuncRef::from_u32(0), FuncDecl { sig: sig(&[Type::I32], &[Type::I32]), name: None });
    d.funcs.insert(FuncRef::from_u32(1), FuncDecl { sig: sig(&[Type::I32, Type::I64], &[]), name: None });
    d.sigs.insert(SigRef::from_u32(0), sig(&[Type::I32], &[Type::I32]));
}

fn rand_imm(rng: &mut Rng, opcode: Opcode) -> (Imm, Vec<Type>) {
    let mem = |rng: &mut Rng| MemArg {
        memory: MEM(),
        offset: rng.pick(&[0, 0, 1, 4, 65530, 70000]),
        align: opcode.natural_align(),
    };
    let lane = |rng: &mut Rng| rng.below(u64::from(opcode.lane_limit().unwrap_or(1))) as u8;
    match opcode.imm_kind() {
        ImmKind::None => (Imm::None, vec![]),
        ImmKind::I32 => (Imm::I32(rand_bits(rng, Type::I32) as i32), vec![]),
        ImmKind::I64 => (Imm::I64(rand_bits(rng, Type::I64) as i64), vec![]),
        ImmKind::F32 => (Imm::F32(Ieee32(rand_bits(rng, Type::F32) as u32)), vec![]),
        ImmKind::F64 => (Imm::F64(Ieee64(rand_bits(rng, Type::F64) as u64)), vec![]),
        ImmKind::V128 => (Imm::V128(V128Imm::from_u128(rand_bits(rng, Type::V128))), vec![]),
        ImmKind::Mem => (Imm::Mem(mem(rng)), vec![]),
        ImmKind::MemLane => (Imm::MemLane(mem(rng), lane(rng)), vec![]),
        ImmKind::Lane => (Imm::Lane(lane(rng)), vec![]),
        ImmKind::Shuffle => {
            let mut l = [0u8; 16];
            for x in &mut l {
                *x = rng.below(32) as u8;
            }
            (Imm::Shuffle(l), vec![])
        }
        ImmKind::Global => {
            let g = rng.below(GLOBAL_TYPES.len() as u64) as u32;
            let ty = GLOBAL_TYPES[g as usize];
            (Imm::Global(GlobalRef::from_u32(g)), vec![ty])
        }
        ImmKind::Func => {
            let f = if opcode == Opcode::RefFunc { rng.below(2) as u32 } else { 0 };
            (Imm::Func(FuncRef::from_u32(f)), vec![])
        }
        ImmKind::SigTable => (Imm::SigTable(SigRef::from_u32(0), TABLE_F()), vec![]),
        ImmKind::Table => {
            let (t, ty) = if rng.below(2) == 0 { (TABLE_F(), Type::FuncRef) } else { (TABLE_E(), Type::ExternRef) };
            (Imm::Table(t), vec![ty])
        }
        ImmKind::TableTable => {
            let t = if rng.below(2) == 0 { TABLE_F() } else { TABLE_E() };
            (Imm::TableTable(t, t), vec![])
        }
        ImmKind::Memory => (Imm::Memory(MEM()), vec![]),
        ImmKind::MemMem => (Imm::MemMem(MEM(), MEM()), vec![]),
        ImmKind::DataMem => (Imm::DataMem(DataRef::from_u32(0), MEM()), vec![]),
        ImmKind::Data => (Imm::Data(DataRef::from_u32(0)), vec![]),
        ImmKind::ElemTable => (Imm::ElemTable(ElemRef::from_u32(0), TABLE_F()), vec![]),
        ImmKind::Elem => (Imm::Elem(ElemRef::from_u32(0)), vec![]),
        ImmKind::RefType => (Imm::RefType(rng.pick(&[Type::FuncRef, Type::ExternRef])), vec![]),
    }
}

/// Operand types of `opcode` with immediate `imm` (`extra` is the type the
/// immediate implies, if any).
fn operand_types(rng: &mut Rng, opcode: Opcode, extra: &[Type]) -> Vec<Type> {
    match opcode.sig() {
        OpSig::Fixed(p, _) => p.to_vec(),
        OpSig::Special => match opcode {
            Opcode::Select => {
                let t = rng.pick(&GLOBAL_TYPES);
                vec![t, t, Type::I32]
            }
            Opcode::GlobalGet | Opcode::RefNull => vec![],
            Opcode::GlobalSet => extra.to_vec(),
            Opcode::RefIsNull => vec![rng.pick(&[Type::FuncRef, Type::ExternRef])],
            Opcode::TableGet => vec![Type::I32],
            Opcode::TableSet => vec![Type::I32, extra[0]],
            Opcode::TableFill => vec![Type::I32, extra[0], Type::I32],
            Opcode::TableGrow => vec![extra[0], Type::I32],
            Opcode::Call | Opcode::ReturnCall => vec![Type::I32],
            Opcode::CallIndirect | Opcode::ReturnCallIndirect => vec![Type::I32, Type::I32],
            other => panic!("no operand rule for {other}"),
        },
    }
}

fn rand_bits(rng: &mut Rng, ty: Type) -> u128 {
    match ty {
        Type::I32 => {
            let (r1, r2, r3, r4) = (
                rng.next_u64() as u32 & 0x3f,
                rng.next_u64() as u32 & 0xff,
                rng.next_u64() as u32,
                rng.next_u64() as u32,
            );
            u128::from(rng.pick(&[
                0u32,
                1,
                2,
                7,
                31,
                32,
                33,
                0xffff_ffff,
                0x8000_0000,
                0x7fff_ffff,
                65535,
                65536,
                65532,
                131068,
                131072,
                r1,
                r2,
                r3,
                r4,
            ]))
        }
        Type::I64 => {
            let (r1, r2, r3) = (rng.next_u64() & 0xff, rng.next_u64(), rng.next_u64());
            u128::from(rng.pick(&[0u64, 1, 63, 64, u64::MAX, 1 << 63, (1 << 63) - 1, 0xffff_ffff, r1, r2, r3]))
        }
        Type::F32 => {
            let (r1, r2) = (rng.next_u64() as u32, (rng.below(2000) as f32 - 1000.0).to_bits());
            u128::from(rng.pick(&[
                0u32,
                0x8000_0000,
                0x7f80_0000,
                0xff80_0000,
                0x7fc0_0000,
                0x7fa0_0001,
                0xffc0_1234,
                1.0f32.to_bits(),
                (-1.5f32).to_bits(),
                2.5f32.to_bits(),
                0.5f32.to_bits(),
                (-0.5f32).to_bits(),
                2147483648.0f32.to_bits(),
                (-2147483904.0f32).to_bits(),
                4294967296.0f32.to_bits(),
                1,
                0x0080_0000,
                3.0e38f32.to_bits(),
                r1,
                r2,
            ]))
        }
        Type::F64 => {
            let (r1, r2) = (rng.next_u64(), (rng.below(2000) as f64 - 1000.0).to_bits());
            u128::from(rng.pick(&[
                0u64,
                1 << 63,
                0x7ff0_0000_0000_0000,
                0xfff0_0000_0000_0000,
                0x7ff8_0000_0000_0000,
                0x7ff4_0000_0000_0001,
                1.0f64.to_bits(),
                (-1.5f64).to_bits(),
                2.5f64.to_bits(),
                0.5f64.to_bits(),
                2147483647.5f64.to_bits(),
                (-2147483648.9f64).to_bits(),
                4294967295.9f64.to_bits(),
                9.223_372_036_854_776e18_f64.to_bits(),
                1.8446744073709552e19f64.to_bits(),
                1,
                1e300f64.to_bits(),
                r1,
                r2,
            ]))
        }
        Type::V128 => {
            let mut x = 0u128;
            let lane_ty = rng.pick(&[Type::I32, Type::F32, Type::I64, Type::F64]);
            let lanes = 128 / type_width(lane_ty);
            for i in 0..lanes {
                x |= rand_bits(rng, lane_ty) << (i * type_width(lane_ty));
            }
            if rng.below(4) == 0 { (u128::from(rng.next_u64()) << 64) | u128::from(rng.next_u64()) } else { x }
        }
        Type::FuncRef => u128::from(rng.pick(&[0u32, 1, 2])),
        Type::ExternRef => u128::from(rng.pick(&[0u32, 1, 7])),
    }
}

fn type_width(ty: Type) -> u32 {
    match ty {
        Type::I64 | Type::F64 => 64,
        Type::V128 => 128,
        _ => 32,
    }
}

fn to_val(ty: Type, bits: u128) -> Val {
    let r = |b: u128| if b == 0 { None } else { Some(b as u32 - 1) };
    match ty {
        Type::I32 => Val::I32(bits as u32 as i32),
        Type::I64 => Val::I64(bits as u64 as i64),
        Type::F32 => Val::F32(Ieee32(bits as u32)),
        Type::F64 => Val::F64(Ieee64(bits as u64)),
        Type::V128 => Val::V128(V128Imm::from_u128(bits)),
        Type::FuncRef => Val::FuncRef(r(bits)),
        Type::ExternRef => Val::ExternRef(r(bits)),
    }
}

fn to_bits(v: &Val) -> u128 {
    let r = |x: &Option<u32>| x.map_or(0, |n| u128::from(n) + 1);
    match v {
        Val::I32(x) => u128::from(*x as u32),
        Val::I64(x) => u128::from(*x as u64),
        Val::F32(x) => u128::from(x.0),
        Val::F64(x) => u128::from(x.0),
        Val::V128(x) => x.as_u128(),
        Val::FuncRef(x) | Val::ExternRef(x) => r(x),
    }
}

/// Builds `f(params) { results = op(params); return results }`.
fn one_op(opcode: Opcode, imm: Imm, params: &[Type]) -> Function {
    let mut func = Function::new("t", Signature::default());
    declare(&mut func);
    let mut cur = FuncCursor::new(&mut func);
    let entry = cur.add_block(params);
    let args: Vec<Value> = cur.func.dfg.block_params(entry).to_vec();
    let results = if opcode.is_terminator() {
        let inst = cur.func.dfg.make_op(opcode, &args, imm);
        cur.insert_inst(inst);
        vec![]
    } else {
        let res = cur.ins(opcode, &args, imm).expect("result types");
        cur.ret(&res);
        res
    };
    let result_tys = if matches!(opcode, Opcode::ReturnCall | Opcode::ReturnCallIndirect) {
        vec![Type::I32]
    } else {
        results.iter().map(|v| func.dfg.value_type(*v)).collect()
    };
    func.sig = Signature::new(params.to_vec(), result_tys);
    func
}

/// Random machine state, in both representations.
struct Setup {
    inputs: ConcreteInputs,
    state: State,
}

fn rand_setup(rng: &mut Rng, func: &Function, params: &[u128]) -> Setup {
    let mut state = State::for_function(func).expect("state");
    let pages = 1 + rng.below(2) as u32;
    let mut bytes = BTreeMap::new();
    for _ in 0..24 {
        let choices = [rng.below(64), 65536 - 1 - rng.below(40), 65536 + rng.below(16), 131072 - 1 - rng.below(40)];
        let at = rng.pick(&choices) as u32;
        if at < pages * 65536 {
            bytes.insert(at, rng.next_u64() as u8);
        }
    }
    let mem = state.memories.get_mut(&MEM()).expect("memory");
    mem.bytes = vec![0; pages as usize * 65536];
    for (a, b) in &bytes {
        mem.bytes[*a as usize] = *b;
    }
    let mut globals = BTreeMap::new();
    for (i, ty) in GLOBAL_TYPES.iter().enumerate() {
        let g = GlobalRef::from_u32(i as u32);
        let b = rand_bits(rng, *ty);
        globals.insert(g, b);
        state.globals.insert(g, to_val(*ty, b));
    }
    let tf: Vec<u32> = vec![1, 0, 2, 1];
    let te: Vec<u32> = vec![0, 5];
    state.tables.get_mut(&TABLE_F()).expect("table").elems = tf.iter().map(|h| h.checked_sub(1)).collect();
    state.tables.get_mut(&TABLE_E()).expect("table").elems = te.iter().map(|h| h.checked_sub(1)).collect();
    let data: Vec<u8> = (1..=10).collect();
    let elem: Vec<u32> = vec![1, 0, 2];
    state = state.with_data(DataRef::from_u32(0), data.clone()).with_elem(
        ElemRef::from_u32(0),
        Type::FuncRef,
        elem.iter().map(|h| h.checked_sub(1)).collect::<Vec<_>>(),
    );
    let mut probe_bytes = Vec::new();
    for a in (0..48).chain(65500..65536).chain(131040..131072) {
        probe_bytes.push((MEM(), a));
    }
    let probe_elems = (0..6).map(|i| (TABLE_F(), i)).chain((0..3).map(|i| (TABLE_E(), i))).collect();
    let inputs = ConcreteInputs {
        params: params.to_vec(),
        globals,
        memories: BTreeMap::from([(MEM(), (pages, bytes))]),
        tables: BTreeMap::from([(TABLE_F(), tf), (TABLE_E(), te)]),
        call_results: vec![vec![0]; 4],
        datas: BTreeMap::from([(DataRef::from_u32(0), data)]),
        elems: BTreeMap::from([(ElemRef::from_u32(0), elem)]),
        probe_bytes,
        probe_elems,
    };
    Setup { inputs, state }
}

/// Runs both and compares; returns a description of the first difference.
fn compare(func: &Function, setup: Setup) -> Result<(), String> {
    let Setup { inputs, mut state } = setup;
    let args: Vec<Val> = inputs.params.iter().zip(&func.sig.params).map(|(b, t)| to_val(*t, *b)).collect();
    let mut env = Trace::new(&func.dfg.decls);
    let interp = run(func, &args, &mut state, &mut env, 1000);
    let opts = Options { unroll_bound: 8, ..Options::default() };
    let smt = evaluate(func, &inputs, &opts).map_err(|e| format!("evaluate failed: {e}"))?;
    match (&interp, &smt.outcome) {
        (Ok(vals), ConcreteOutcome::Returned(bits)) => {
            let got: Vec<u128> = vals.iter().map(to_bits).collect();
            if &got != bits {
                return Err(format!("interpreter returns {got:x?}, SMT returns {bits:x?}"));
            }
        }
        (Err(t), ConcreteOutcome::Trapped) if t.is_wasm_trap() => return Ok(()),
        (Err(t), _) if !t.is_wasm_trap() => return Err(format!("interpreter failed: {t}")),
        (a, b) => return Err(format!("interpreter {a:?}, SMT {b:?}")),
    }
    // Calls.
    let calls: Vec<(u32, Vec<u128>)> = env
        .events
        .iter()
        .map(|e| {
            let f = match &e.callee {
                Callee::Direct(f) => *f,
                Callee::Indirect { func, .. } => *func,
            };
            (f.as_u32() + 1, e.args.iter().map(to_bits).collect())
        })
        .collect();
    if calls != smt.calls {
        return Err(format!("interpreter calls {calls:?}, SMT calls {:?}", smt.calls));
    }
    // State.
    for (g, v) in &state.globals {
        if to_bits(v) != smt.globals[g] {
            return Err(format!("{g}: interpreter {:x}, SMT {:x}", to_bits(v), smt.globals[g]));
        }
    }
    let mem = &state.memories[&MEM()];
    if mem.pages() as u32 != smt.memory_pages[&MEM()] {
        return Err(format!("memory size: interpreter {}, SMT {}", mem.pages(), smt.memory_pages[&MEM()]));
    }
    for ((_, a), b) in inputs.probe_bytes.iter().zip(&smt.bytes) {
        if let Some(x) = mem.bytes.get(*a as usize)
            && x != b
        {
            return Err(format!("mem0[{a:#x}]: interpreter {x:#x}, SMT {b:#x}"));
        }
    }
    for ((t, i), h) in inputs.probe_elems.iter().zip(&smt.elems) {
        let table = &state.tables[t];
        if table.size() as u32 != smt.table_sizes[t] {
            return Err(format!("{t} size: interpreter {}, SMT {}", table.size(), smt.table_sizes[t]));
        }
        if let Some(x) = table.elems.get(*i as usize) {
            let xb = x.map_or(0, |n| n + 1);
            if xb != *h {
                return Err(format!("{t}[{i}]: interpreter {xb}, SMT {h}"));
            }
        }
    }
    Ok(())
}

fn iterations() -> usize {
    std::env::var("WEFT_CROSS_ITERS").ok().and_then(|s| s.parse().ok()).unwrap_or(6)
}

#[test]
fn every_opcode_matches_the_interpreter() {
    let mut rng = Rng::from_state(0x9e37_79b9_7f4a_7c15);
    let mut failures = Vec::new();
    let mut checked = 0usize;
    for &opcode in Opcode::ALL {
        if matches!(opcode, Opcode::Jump | Opcode::Brif | Opcode::BrTable | Opcode::Return) {
            continue; // control flow: see `control_flow_matches_the_interpreter`
        }
        for _ in 0..iterations() {
            let (imm, extra) = rand_imm(&mut rng, opcode);
            let params = operand_types(&mut rng, opcode, &extra);
            let func = one_op(opcode, imm, &params);
            let args: Vec<u128> = params.iter().map(|t| rand_bits(&mut rng, *t)).collect();
            let setup = rand_setup(&mut rng, &func, &args);
            checked += 1;
            if let Err(e) = compare(&func, setup) {
                failures.push(format!("{opcode} {args:x?}: {e}\n{}", func.display()));
                break;
            }
        }
    }
    println!("{checked} runs compared");
    assert!(failures.is_empty(), "{} opcodes differ:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn control_flow_matches_the_interpreter() {
    let text = "function %cf(i32, i32, i32) -> i32 {
block0(v0: i32, v1: i32, v2: i32):
    brif v0, block1(v1), block2(v2, v1)
block1(v3: i32):
    br_table v3, block4(v3), [block2(v1, v2), block3, block4(v2)]
block2(v4: i32, v5: i32):
    v6 = i32.sub v4, v5
    jump block3
block3:
    v7 = i32.const 100
    return v7
block4(v8: i32):
    v9 = i32.const 3
    v10 = i32.mul v8, v9
    brif v10, block5, block3
block5:
    v11 = i32.lt_u v8, v2
    brif v11, block4(v2), block6
block6:
    return v8
}
";
    let mut func = weft_ir::parse_function(text).expect("parses");
    declare(&mut func);
    let mut rng = Rng::from_state(42);
    for _ in 0..iterations() * 4 {
        let args: Vec<u128> = (0..3).map(|_| u128::from(rng.pick(&[0u32, 1, 2, 3, 4, 5, 0xffff_ffff]))).collect();
        let setup = rand_setup(&mut rng, &func, &args);
        if let Err(e) = compare(&func, setup) {
            panic!("{args:?}: {e}");
        }
    }
}

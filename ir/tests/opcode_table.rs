//! Checks the opcode table against wasmparser, the reference decoder:
//! names, binary encodings (`weft_ir::encode` → wasmparser's decoder, with
//! the immediates read back), fixed signatures (a one-instruction function
//! per opcode through wasmparser's validator), effects, and coverage of every
//! operator of wasm 2.0, tail calls and simd128 (taken from wasmparser's
//! `for_each_operator!` list, so a missing opcode fails here).

use std::collections::BTreeSet;

use wasmparser::{BinaryReader, FunctionBody, HeapType, Operator, ValType, Validator, WasmFeatures};
use weft_ir::encode::{EncodeError, encode_op, encode_valtype, write_u32_leb};
use weft_ir::{
    DataRef, Effects, ElemRef, FuncRef, GlobalRef, Ieee32, Ieee64, Imm, ImmKind, MemArg, MemoryRef, OpSig, Opcode,
    SigRef, TableRef, Type, V128Imm,
};

// ---------------------------------------------------------------- decoding

/// One immediate field of a decoded wasmparser operator.
#[derive(Clone, Debug, PartialEq)]
enum Field {
    U32(u32),
    U8(u8),
    I32(i32),
    I64(i64),
    F32(u32),
    F64(u64),
    Bytes([u8; 16]),
    Mem {
        align: u8,
        max_align: u8,
        offset: u64,
        memory: Option<u32>,
    },
    Heap(HeapType),
    Val(ValType),
    /// A field kind weft never produces (block types, branch tables, GC
    /// types, atomic orderings, ...).
    Other,
}

trait ToField {
    fn to_field(&self) -> Field;
}

macro_rules! to_field {
    ($($ty:ty => |$x:ident| $e:expr;)*) => {
        $(impl ToField for $ty {
            fn to_field(&self) -> Field {
                let $x = self;
                $e
            }
        })*
    };
}

to_field! {
    u32 => |x| Field::U32(*x);
    u8 => |x| Field::U8(*x);
    i32 => |x| Field::I32(*x);
    i64 => |x| Field::I64(*x);
    wasmparser::Ieee32 => |x| Field::F32(x.bits());
    wasmparser::Ieee64 => |x| Field::F64(x.bits());
    wasmparser::V128 => |x| Field::Bytes(*x.bytes());
    [u8; 16] => |x| Field::Bytes(*x);
    wasmparser::MemArg => |x| Field::Mem {
        align: x.align,
        max_align: x.max_align,
        offset: x.offset,
        memory: match x.target {
            wasmparser::MemArgTarget::Memory(m) => Some(m),
            wasmparser::MemArgTarget::Array(_) => None,
        },
    };
    HeapType => |x| Field::Heap(*x);
    ValType => |x| Field::Val(*x);
    wasmparser::BlockType => |_x| Field::Other;
    wasmparser::BrTable<'_> => |_x| Field::Other;
    wasmparser::Ordering => |_x| Field::Other;
    wasmparser::RefType => |_x| Field::Other;
    wasmparser::ResumeTable => |_x| Field::Other;
    wasmparser::TryTable => |_x| Field::Other;
    Vec<ValType> => |_x| Field::Other;
}

macro_rules! define_operator_tables {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*) )*) => {
        /// Every wasmparser operator: (proposal, variant name).
        const WASMPARSER_OPERATORS: &[(&str, &str)] = &[$((stringify!($proposal), stringify!($op)),)*];

        /// The named immediate fields of a decoded operator.
        fn operator_fields(op: &Operator<'_>) -> Vec<(&'static str, Field)> {
            match op {
                $(Operator::$op $({ $($arg),* })? => vec![$($((stringify!($arg), ToField::to_field($arg))),*)?],)*
                _ => vec![("<operator unknown to this wasmparser version>", Field::Other)],
            }
        }
    };
}
wasmparser::for_each_operator!(define_operator_tables);

fn features() -> WasmFeatures {
    WasmFeatures::WASM2 | WasmFeatures::MULTI_MEMORY | WasmFeatures::TAIL_CALL
}

/// What wasmparser read back from one encoded instruction.
#[derive(Debug)]
struct Decoded {
    /// The variant name from the operator's `Debug` output.
    variant: String,
    fields: Vec<(&'static str, Field)>,
}

/// Wraps `bytes` in a function body (no locals, `end`), decodes it with
/// wasmparser and checks that the instruction consumed exactly `bytes`.
fn decode(bytes: &[u8]) -> Result<Decoded, String> {
    let mut body = vec![0x00];
    body.extend_from_slice(bytes);
    body.push(0x0b);
    let body = FunctionBody::new(BinaryReader::new_features(&body, 0, features()));
    let locals = body.get_locals_reader().map_err(|e| e.to_string())?;
    if locals.get_count() != 0 {
        return Err("locals appeared".into());
    }
    let mut ops = body.get_operators_reader().map_err(|e| e.to_string())?;
    let op = ops.read().map_err(|e| format!("decode error: {e}"))?;
    let consumed = ops.original_position() as usize - 1;
    if consumed != bytes.len() {
        return Err(format!("instruction used {consumed} of {} bytes", bytes.len()));
    }
    let end = ops.read().map_err(|e| format!("decode error after the instruction: {e}"))?;
    if end != Operator::End {
        return Err(format!("expected `end` after the instruction, found {end:?}"));
    }
    ops.finish().map_err(|e| format!("trailing bytes: {e}"))?;
    let debug = format!("{op:?}");
    let variant = debug.chars().take_while(|c| c.is_ascii_alphanumeric()).collect();
    Ok(Decoded { variant, fields: operator_fields(&op) })
}

fn heap_type(ty: Type) -> Option<HeapType> {
    match ty {
        Type::FuncRef => Some(HeapType::FUNC),
        Type::ExternRef => Some(HeapType::EXTERN),
        _ => None,
    }
}

fn val_type(ty: Type) -> ValType {
    match ty {
        Type::I32 => ValType::I32,
        Type::I64 => ValType::I64,
        Type::F32 => ValType::F32,
        Type::F64 => ValType::F64,
        Type::V128 => ValType::V128,
        Type::FuncRef => ValType::FUNCREF,
        Type::ExternRef => ValType::EXTERNREF,
    }
}

/// Rebuilds a weft immediate of `kind` from decoded fields, checking the
/// field names so that a swapped pair (dst/src, segment/memory) is caught.
fn imm_from_fields(opcode: Opcode, fields: &[(&'static str, Field)]) -> Result<Imm, String> {
    use Field as F;
    let memarg = |align: u8, max_align: u8, offset: u64, memory: Option<u32>| {
        if max_align != opcode.natural_align() {
            return Err(format!("wasmparser's natural alignment {max_align} != table's {}", opcode.natural_align()));
        }
        let memory = memory.ok_or("memarg targets an array")?;
        Ok(MemArg { memory: MemoryRef::from_u32(memory), offset, align })
    };
    Ok(match (opcode.imm_kind(), fields) {
        (ImmKind::None, []) => Imm::None,
        (ImmKind::I32, [("value", F::I32(x))]) => Imm::I32(*x),
        (ImmKind::I64, [("value", F::I64(x))]) => Imm::I64(*x),
        (ImmKind::F32, [("value", F::F32(x))]) => Imm::F32(Ieee32(*x)),
        (ImmKind::F64, [("value", F::F64(x))]) => Imm::F64(Ieee64(*x)),
        (ImmKind::V128, [("value", F::Bytes(x))]) => Imm::V128(V128Imm(*x)),
        (ImmKind::Mem, [("memarg", F::Mem { align, max_align, offset, memory })]) => {
            Imm::Mem(memarg(*align, *max_align, *offset, *memory)?)
        }
        (ImmKind::MemLane, [("memarg", F::Mem { align, max_align, offset, memory }), ("lane", F::U8(lane))]) => {
            Imm::MemLane(memarg(*align, *max_align, *offset, *memory)?, *lane)
        }
        (ImmKind::Lane, [("lane", F::U8(lane))]) => Imm::Lane(*lane),
        (ImmKind::Shuffle, [("lanes", F::Bytes(lanes))]) => Imm::Shuffle(*lanes),
        (ImmKind::Global, [("global_index", F::U32(g))]) => Imm::Global(GlobalRef::from_u32(*g)),
        (ImmKind::Func, [("function_index", F::U32(f))]) => Imm::Func(FuncRef::from_u32(*f)),
        (ImmKind::SigTable, [("type_index", F::U32(s)), ("table_index", F::U32(t))]) => {
            Imm::SigTable(SigRef::from_u32(*s), TableRef::from_u32(*t))
        }
        (ImmKind::Table, [("table", F::U32(t))]) => Imm::Table(TableRef::from_u32(*t)),
        (ImmKind::TableTable, [("dst_table", F::U32(d)), ("src_table", F::U32(s))]) => {
            Imm::TableTable(TableRef::from_u32(*d), TableRef::from_u32(*s))
        }
        (ImmKind::Memory, [("mem", F::U32(m))]) => Imm::Memory(MemoryRef::from_u32(*m)),
        (ImmKind::MemMem, [("dst_mem", F::U32(d)), ("src_mem", F::U32(s))]) => {
            Imm::MemMem(MemoryRef::from_u32(*d), MemoryRef::from_u32(*s))
        }
        (ImmKind::DataMem, [("data_index", F::U32(d)), ("mem", F::U32(m))]) => {
            Imm::DataMem(DataRef::from_u32(*d), MemoryRef::from_u32(*m))
        }
        (ImmKind::Data, [("data_index", F::U32(d))]) => Imm::Data(DataRef::from_u32(*d)),
        (ImmKind::ElemTable, [("elem_index", F::U32(e)), ("table", F::U32(t))]) => {
            Imm::ElemTable(ElemRef::from_u32(*e), TableRef::from_u32(*t))
        }
        (ImmKind::Elem, [("elem_index", F::U32(e))]) => Imm::Elem(ElemRef::from_u32(*e)),
        (ImmKind::RefType, [("hty", F::Heap(h))]) => {
            let ty = [Type::FuncRef, Type::ExternRef]
                .into_iter()
                .find(|t| heap_type(*t) == Some(*h))
                .ok_or_else(|| format!("unexpected heap type {h:?}"))?;
            Imm::RefType(ty)
        }
        (kind, fields) => return Err(format!("fields {fields:?} do not fit a {kind:?} immediate")),
    })
}

// ---------------------------------------------------------------- samples

/// Memory immediates worth encoding for a memory access: natural and
/// smaller alignment, offsets 0 and large (multi-byte LEB, u32::MAX), and
/// memories 0, 1 and one whose index needs two LEB bytes.
fn memargs(opcode: Opcode) -> Vec<MemArg> {
    let natural = opcode.natural_align();
    let mem = MemoryRef::from_u32;
    let mut v = vec![
        MemArg { memory: mem(0), offset: 0, align: natural },
        MemArg { memory: mem(0), offset: u64::from(u32::MAX), align: natural },
        MemArg { memory: mem(0), offset: 128, align: 0 },
        MemArg { memory: mem(1), offset: 0, align: natural },
        MemArg { memory: mem(1), offset: 0x1234_5678, align: 0 },
        MemArg { memory: mem(300), offset: 65_536, align: natural },
    ];
    if natural > 1 {
        v.push(MemArg { memory: mem(0), offset: 7, align: natural - 1 });
    }
    v
}

const INDICES: [u32; 4] = [0, 1, 129, 100_000];

/// Representative immediates for `opcode`.
fn sample_imms(opcode: Opcode) -> Vec<Imm> {
    let lanes = opcode.lane_limit().unwrap_or(0);
    let lane_samples = || [0, lanes / 2, lanes.saturating_sub(1)];
    match opcode.imm_kind() {
        ImmKind::None => vec![Imm::None],
        ImmKind::I32 => [0, 1, -1, 63, 64, -64, -65, 1 << 20, i32::MIN, i32::MAX].map(Imm::I32).to_vec(),
        ImmKind::I64 => {
            [0, 1, -1, 64, -65, i64::from(i32::MIN) - 1, 1 << 40, i64::MIN, i64::MAX].map(Imm::I64).to_vec()
        }
        ImmKind::F32 => [
            0.0f32.to_bits(),
            (-0.0f32).to_bits(),
            1.5f32.to_bits(),
            f32::INFINITY.to_bits(),
            f32::NEG_INFINITY.to_bits(),
            0x7fc0_0000, // canonical NaN
            0x7f80_0001, // signalling NaN payload
            0xffc0_1234, // negative NaN with payload
            0x0000_0001, // smallest subnormal
        ]
        .map(|b| Imm::F32(Ieee32(b)))
        .to_vec(),
        ImmKind::F64 => [
            0.0f64.to_bits(),
            (-0.0f64).to_bits(),
            (-2.5f64).to_bits(),
            f64::INFINITY.to_bits(),
            0x7ff8_0000_0000_0000,
            0x7ff0_0000_0000_0001,
            0xfff8_0000_dead_beef,
            0x0000_0000_0000_0001,
        ]
        .map(|b| Imm::F64(Ieee64(b)))
        .to_vec(),
        ImmKind::V128 => vec![
            Imm::V128(V128Imm([0; 16])),
            Imm::V128(V128Imm(core::array::from_fn(|i| i as u8))),
            Imm::V128(V128Imm([0xff; 16])),
            Imm::V128(V128Imm::from_u128(0x8000_0000_0000_0000_0000_0000_0000_0001)),
        ],
        ImmKind::Mem => memargs(opcode).into_iter().map(Imm::Mem).collect(),
        ImmKind::MemLane => {
            memargs(opcode).into_iter().flat_map(|m| lane_samples().map(|l| Imm::MemLane(m, l))).collect()
        }
        ImmKind::Lane => lane_samples().map(Imm::Lane).to_vec(),
        ImmKind::Shuffle => vec![
            Imm::Shuffle(core::array::from_fn(|i| i as u8)),
            Imm::Shuffle(core::array::from_fn(|i| 31 - i as u8)),
            Imm::Shuffle(core::array::from_fn(|i| (i as u8 * 7) % 32)),
        ],
        ImmKind::Global => INDICES.map(|i| Imm::Global(GlobalRef::from_u32(i))).to_vec(),
        ImmKind::Func => INDICES.map(|i| Imm::Func(FuncRef::from_u32(i))).to_vec(),
        ImmKind::SigTable => {
            INDICES.map(|i| Imm::SigTable(SigRef::from_u32(i), TableRef::from_u32(INDICES[3] - i))).to_vec()
        }
        ImmKind::Table => INDICES.map(|i| Imm::Table(TableRef::from_u32(i))).to_vec(),
        ImmKind::TableTable => {
            INDICES.map(|i| Imm::TableTable(TableRef::from_u32(i), TableRef::from_u32(i / 2 + 3))).to_vec()
        }
        ImmKind::Memory => INDICES.map(|i| Imm::Memory(MemoryRef::from_u32(i))).to_vec(),
        ImmKind::MemMem => {
            INDICES.map(|i| Imm::MemMem(MemoryRef::from_u32(i), MemoryRef::from_u32(i / 2 + 3))).to_vec()
        }
        ImmKind::DataMem => INDICES.map(|i| Imm::DataMem(DataRef::from_u32(i + 2), MemoryRef::from_u32(i))).to_vec(),
        ImmKind::Data => INDICES.map(|i| Imm::Data(DataRef::from_u32(i))).to_vec(),
        ImmKind::ElemTable => INDICES.map(|i| Imm::ElemTable(ElemRef::from_u32(i + 2), TableRef::from_u32(i))).to_vec(),
        ImmKind::Elem => INDICES.map(|i| Imm::Elem(ElemRef::from_u32(i))).to_vec(),
        ImmKind::RefType => vec![Imm::RefType(Type::FuncRef), Imm::RefType(Type::ExternRef)],
    }
}

/// The simplest valid immediate for validation: everything index 0,
/// natural alignment, lane 0.
fn simple_imm(opcode: Opcode) -> Imm {
    let mem0 = MemArg { memory: MemoryRef::from_u32(0), offset: 0, align: opcode.natural_align() };
    let (mem, table) = (MemoryRef::from_u32(0), TableRef::from_u32(0));
    match opcode.imm_kind() {
        ImmKind::Mem => Imm::Mem(mem0),
        ImmKind::MemLane => Imm::MemLane(mem0, 0),
        ImmKind::V128 => Imm::V128(V128Imm([0; 16])),
        ImmKind::Shuffle => Imm::Shuffle([0; 16]),
        ImmKind::Lane => Imm::Lane(0),
        ImmKind::Global => Imm::Global(GlobalRef::from_u32(0)),
        ImmKind::Func => Imm::Func(FuncRef::from_u32(0)),
        ImmKind::SigTable => Imm::SigTable(SigRef::from_u32(0), table),
        ImmKind::Table => Imm::Table(table),
        ImmKind::TableTable => Imm::TableTable(table, table),
        ImmKind::Memory => Imm::Memory(mem),
        ImmKind::MemMem => Imm::MemMem(mem, mem),
        ImmKind::DataMem => Imm::DataMem(DataRef::from_u32(0), mem),
        ImmKind::Data => Imm::Data(DataRef::from_u32(0)),
        ImmKind::ElemTable => Imm::ElemTable(ElemRef::from_u32(0), table),
        ImmKind::Elem => Imm::Elem(ElemRef::from_u32(0)),
        ImmKind::None | ImmKind::I32 | ImmKind::I64 | ImmKind::F32 | ImmKind::F64 | ImmKind::RefType => {
            sample_imms(opcode)[0]
        }
    }
}

fn encode(opcode: Opcode, imm: &Imm, select_ty: Option<Type>) -> Vec<u8> {
    let mut out = Vec::new();
    encode_op(opcode, imm, select_ty, &mut out).unwrap_or_else(|e| panic!("{opcode} {imm:?}: {e}"));
    out
}

// ---------------------------------------------------------------- tests

/// The shape column names the shape the text name starts with, for every
/// opcode (and none for scalar and `v128.*` opcodes), and a lane
/// immediate's limit is the shape's lane count.
#[test]
fn shapes_match_the_text_names() {
    use weft_ir::SimdShape;
    let mut shaped = 0;
    for &op in Opcode::ALL {
        let want = match op.name().split('.').next().unwrap_or("") {
            "i8x16" => Some(SimdShape::I8x16),
            "i16x8" => Some(SimdShape::I16x8),
            "i32x4" => Some(SimdShape::I32x4),
            "i64x2" => Some(SimdShape::I64x2),
            "f32x4" => Some(SimdShape::F32x4),
            "f64x2" => Some(SimdShape::F64x2),
            _ => None,
        };
        assert_eq!(op.shape(), want, "{op}");
        if let (Some(shape), ImmKind::Lane) = (op.shape(), op.imm_kind()) {
            assert_eq!(op.lane_limit(), Some(shape.lanes() as u8), "{op}");
        }
        shaped += usize::from(want.is_some());
    }
    assert!(shaped > 200, "only {shaped} SIMD opcodes have a shape");
    assert!(SimdShape::F64x2.is_float() && !SimdShape::I64x2.is_float());
}

#[test]
fn names_are_unique_and_round_trip() {
    let mut names = BTreeSet::new();
    for &op in Opcode::ALL {
        assert!(names.insert(op.name()), "duplicate text name {}", op.name());
        assert_eq!(Opcode::from_name(op.name()), Some(op), "{op:?}");
        assert_eq!(op.to_string(), op.name());
        assert!(!op.doc().is_empty(), "{op:?} has no doc line");
    }
    let variants: BTreeSet<String> = Opcode::ALL.iter().map(|op| format!("{op:?}")).collect();
    assert_eq!(variants.len(), Opcode::ALL.len());
    assert_eq!(Opcode::from_name("unreachable"), None, "wasm `unreachable` is spelled `trap` in weft");
    assert_eq!(Opcode::Unreachable.name(), "trap");
    assert_eq!(Opcode::from_name("i32.bogus"), None);
}

#[test]
fn every_encoding_decodes_to_the_same_operator_and_immediates() {
    let mut checked = 0;
    for &opcode in Opcode::ALL {
        if opcode.encoding().is_none() {
            continue;
        }
        for imm in sample_imms(opcode) {
            let bytes = encode(opcode, &imm, None);
            let decoded = decode(&bytes).unwrap_or_else(|e| panic!("{opcode} {imm:?} = {bytes:02x?}: {e}"));
            assert_eq!(decoded.variant, format!("{opcode:?}"), "{opcode} {imm:?} = {bytes:02x?}");
            let back = imm_from_fields(opcode, &decoded.fields).unwrap_or_else(|e| panic!("{opcode} {imm:?}: {e}"));
            assert_eq!(back, imm, "{opcode} = {bytes:02x?}");
            checked += 1;
        }
    }
    assert!(checked > Opcode::ALL.len(), "only {checked} encodings checked");
}

#[test]
fn encodings_match_the_table_prefix_and_opcode() {
    for &opcode in Opcode::ALL {
        let Some((prefix, code)) = opcode.encoding() else { continue };
        let bytes = encode(opcode, &simple_imm(opcode), None);
        let mut head = Vec::new();
        if prefix == 0 {
            assert!(code < 0x100, "{opcode}");
            head.push(code as u8);
        } else {
            assert!(prefix == 0xfc || prefix == 0xfd, "{opcode}: prefix {prefix:#x}");
            head.push(prefix);
            write_u32_leb(&mut head, code);
        }
        assert!(bytes.starts_with(&head), "{opcode}: {bytes:02x?} does not start with {head:02x?}");
    }
}

#[test]
fn select_is_typed_only_for_references() {
    for (ty, variant) in [
        (None, "Select"),
        (Some(Type::I32), "Select"),
        (Some(Type::F64), "Select"),
        (Some(Type::V128), "Select"),
        (Some(Type::FuncRef), "TypedSelect"),
        (Some(Type::ExternRef), "TypedSelect"),
    ] {
        let bytes = encode(Opcode::Select, &Imm::None, ty);
        let decoded = decode(&bytes).unwrap_or_else(|e| panic!("select {ty:?}: {e}"));
        assert_eq!(decoded.variant, variant, "select {ty:?} = {bytes:02x?}");
        if variant == "TypedSelect" {
            let ty = ty.unwrap();
            assert_eq!(bytes, [0x1c, 0x01, encode_valtype(ty)]);
            assert_eq!(decoded.fields, [("ty", Field::Val(val_type(ty)))]);
        } else {
            assert_eq!(bytes, [0x1b]);
        }
    }
}

#[test]
fn valtype_bytes_match_wasmparser() {
    for ty in Type::ALL {
        let byte = [encode_valtype(ty)];
        let mut reader = BinaryReader::new_features(&byte, 0, features());
        let read: ValType = reader.read().unwrap_or_else(|e| panic!("{ty}: {e}"));
        assert_eq!(read, val_type(ty), "{ty}");
        assert!(reader.eof());
    }
}

#[test]
fn bad_immediates_are_errors() {
    let mut out = Vec::new();
    let over_aligned = MemArg { memory: MemoryRef::from_u32(0), offset: 0, align: 3 };
    assert_eq!(
        encode_op(Opcode::I32Load, &Imm::Mem(over_aligned), None, &mut out),
        Err(EncodeError::AlignTooLarge { opcode: Opcode::I32Load, align: 3, max: 2 })
    );
    let lane = Imm::MemLane(MemArg { memory: MemoryRef::from_u32(0), offset: 0, align: 0 }, 16);
    assert_eq!(
        encode_op(Opcode::V128Load8Lane, &lane, None, &mut out),
        Err(EncodeError::LaneOutOfRange { opcode: Opcode::V128Load8Lane, lane: 16, limit: 16 })
    );
    assert!(encode_op(Opcode::I64x2ExtractLane, &Imm::Lane(2), None, &mut out).is_err());
    assert!(encode_op(Opcode::I8x16Shuffle, &Imm::Shuffle([32; 16]), None, &mut out).is_err());
    for op in [Opcode::Jump, Opcode::Brif, Opcode::BrTable] {
        assert_eq!(encode_op(op, &Imm::None, None, &mut out), Err(EncodeError::NoEncoding(op)));
    }
    assert!(out.is_empty(), "a failed encoding wrote {out:02x?}");
}

// ------------------------------------------------- validation of signatures

fn section(module: &mut Vec<u8>, id: u8, content: &[u8]) {
    module.push(id);
    write_u32_leb(module, content.len() as u32);
    module.extend_from_slice(content);
}

/// A module with one function `params -> results` whose body pushes its
/// parameters and runs `instr`; it has one funcref table, one memory, one
/// passive element segment (declaring function 0) and one passive data
/// segment, so every index-0 immediate is valid.
fn one_instruction_module(params: &[Type], results: &[Type], instr: &[u8]) -> Vec<u8> {
    let mut m = b"\0asm\x01\0\0\0".to_vec();
    let mut ty = vec![1, 0x60];
    write_u32_leb(&mut ty, params.len() as u32);
    ty.extend(params.iter().map(|t| encode_valtype(*t)));
    write_u32_leb(&mut ty, results.len() as u32);
    ty.extend(results.iter().map(|t| encode_valtype(*t)));
    section(&mut m, 1, &ty);
    section(&mut m, 3, &[1, 0]);
    section(&mut m, 4, &[1, 0x70, 0x00, 0x01]);
    section(&mut m, 5, &[1, 0x00, 0x01]);
    section(&mut m, 9, &[1, 0x01, 0x00, 0x01, 0x00]);
    section(&mut m, 12, &[1]);
    let mut body = vec![0x00];
    for i in 0..params.len() {
        body.push(0x20);
        write_u32_leb(&mut body, i as u32);
    }
    body.extend_from_slice(instr);
    body.push(0x0b);
    let mut code = vec![1];
    write_u32_leb(&mut code, body.len() as u32);
    code.extend_from_slice(&body);
    section(&mut m, 10, &code);
    section(&mut m, 11, &[1, 0x01, 0x00]);
    m
}

#[test]
fn fixed_signatures_validate() {
    let mut checked = 0;
    for &opcode in Opcode::ALL {
        let OpSig::Fixed(params, results) = opcode.sig() else { continue };
        let instr = encode(opcode, &simple_imm(opcode), None);
        let module = one_instruction_module(params, results, &instr);
        Validator::new_with_features(features())
            .validate_all(&module)
            .unwrap_or_else(|e| panic!("{opcode} {params:?} -> {results:?}: {e}"));
        // A wrong result type must be rejected, so the check above has teeth.
        if let Some((last, rest)) = results.split_last() {
            let wrong = if *last == Type::I32 { Type::I64 } else { Type::I32 };
            let bad = one_instruction_module(params, &[rest, &[wrong]].concat(), &instr);
            assert!(Validator::new_with_features(features()).validate_all(&bad).is_err(), "{opcode}");
        }
        checked += 1;
    }
    assert!(checked > 350, "only {checked} fixed signatures");
}

#[test]
fn special_signatures_are_only_where_types_depend_on_context() {
    let special: BTreeSet<Opcode> = Opcode::ALL.iter().copied().filter(|op| op.sig() == OpSig::Special).collect();
    let expected: BTreeSet<Opcode> = [
        Opcode::Jump,
        Opcode::Brif,
        Opcode::BrTable,
        Opcode::Return,
        Opcode::ReturnCall,
        Opcode::ReturnCallIndirect,
        Opcode::Call,
        Opcode::CallIndirect,
        Opcode::Select,
        Opcode::GlobalGet,
        Opcode::GlobalSet,
        Opcode::TableGet,
        Opcode::TableSet,
        Opcode::TableFill,
        Opcode::TableGrow,
        Opcode::RefNull,
        Opcode::RefIsNull,
    ]
    .into();
    assert_eq!(special, expected);
}

// ---------------------------------------------------------------- effects

#[test]
fn memory_effects_are_consistent() {
    let memory = Effects::READS_MEMORY | Effects::WRITES_MEMORY;
    for &op in Opcode::ALL {
        let eff = op.effects();
        let is_access = matches!(op.imm_kind(), ImmKind::Mem | ImmKind::MemLane);
        assert_eq!(op.mem_bytes() > 0, is_access, "{op}: mem_bytes {}", op.mem_bytes());
        if op.mem_bytes() > 0 {
            assert!(eff.intersects(memory), "{op} accesses memory but has effects {eff:?}");
            assert!(op.mem_bytes().is_power_of_two() && op.mem_bytes() <= 16, "{op}");
            let OpSig::Fixed(_, results) = op.sig() else { panic!("{op} has a special signature") };
            let expected = if results.is_empty() { Effects::STORE } else { Effects::LOAD };
            assert_eq!(eff, expected, "{op}");
        }
        if eff.is_pure() {
            assert_eq!(op.mem_bytes(), 0, "{op}");
            assert!(!op.is_terminator() && !op.is_call(), "{op}");
        }
    }
    // Widths the brief calls out.
    for (op, bytes) in [
        (Opcode::V128Load8x8S, 8),
        (Opcode::V128Load32Zero, 4),
        (Opcode::V128Load8Splat, 1),
        (Opcode::V128Load64Lane, 8),
        (Opcode::V128Store16Lane, 2),
        (Opcode::I64Load32U, 4),
        (Opcode::V128Load, 16),
    ] {
        assert_eq!(op.mem_bytes(), bytes, "{op}");
    }
}

#[test]
fn terminators_are_exactly_the_control_opcodes() {
    let terminators: BTreeSet<Opcode> = Opcode::ALL.iter().copied().filter(|op| op.is_terminator()).collect();
    let expected: BTreeSet<Opcode> = [
        Opcode::Jump,
        Opcode::Brif,
        Opcode::BrTable,
        Opcode::Return,
        Opcode::Unreachable,
        Opcode::ReturnCall,
        Opcode::ReturnCallIndirect,
    ]
    .into();
    assert_eq!(terminators, expected);
    let unencodable: BTreeSet<Opcode> = Opcode::ALL.iter().copied().filter(|op| op.encoding().is_none()).collect();
    let branches: BTreeSet<Opcode> = Opcode::ALL.iter().copied().filter(|op| op.is_branch()).collect();
    assert_eq!(unencodable, branches);
    assert!(Opcode::Unreachable.effects().may_trap());
    for op in [Opcode::ReturnCall, Opcode::ReturnCallIndirect] {
        assert!(op.effects().contains(Effects::CALL_ALL) && op.is_call(), "{op}");
    }
}

#[test]
fn effect_classes_of_stateful_opcodes() {
    use Opcode as O;
    let rt = Effects::READS_TABLE;
    let wt = Effects::WRITES_TABLE;
    for (op, eff) in [
        (O::MemorySize, Effects::READS_MEMORY),
        (O::MemoryGrow, Effects::READS_MEMORY | Effects::WRITES_MEMORY),
        (O::MemoryFill, Effects::MEMORY_RW),
        (O::MemoryCopy, Effects::MEMORY_RW),
        (O::MemoryInit, Effects::MEMORY_RW),
        (O::DataDrop, Effects::WRITES_MEMORY),
        (O::TableGet, rt | Effects::TRAP),
        (O::TableSet, Effects::TABLE_RW),
        (O::TableFill, Effects::TABLE_RW),
        (O::TableCopy, Effects::TABLE_RW),
        (O::TableInit, Effects::TABLE_RW),
        (O::TableSize, rt),
        (O::TableGrow, rt | wt),
        (O::ElemDrop, wt),
        (O::GlobalGet, Effects::READS_GLOBAL),
        (O::GlobalSet, Effects::WRITES_GLOBAL),
        (O::Call, Effects::CALL_ALL),
        (O::CallIndirect, Effects::CALL_ALL),
        (O::Select, Effects::PURE),
        (O::RefFunc, Effects::PURE),
    ] {
        assert_eq!(op.effects(), eff, "{op}");
    }
    assert!(!O::MemoryGrow.effects().may_trap());
    assert!(!O::TableGrow.effects().may_trap());
}

/// `removable` holds for pure opcodes and plain reads, and for nothing that
/// may trap, writes, calls or branches; `is_pure` implies it.
#[test]
fn removable_means_only_reads() {
    use Opcode as O;
    for (op, removable) in [
        (O::I32Add, true),
        (O::Select, true),
        (O::RefFunc, true),
        (O::GlobalGet, true),
        (O::MemorySize, true),
        (O::TableSize, true),
        (O::I32Load, false),
        (O::I32DivS, false),
        (O::I32TruncF32S, false),
        (O::TableGet, false),
        (O::MemoryGrow, false),
        (O::GlobalSet, false),
        (O::I32Store, false),
        (O::Call, false),
        (O::Jump, false),
        (O::Unreachable, false),
    ] {
        assert_eq!(op.effects().removable(), removable, "{op}");
    }
    let reads = Effects::READS_MEMORY | Effects::READS_GLOBAL | Effects::READS_TABLE;
    for &op in Opcode::ALL {
        let e = op.effects();
        assert_eq!(e.removable(), e.bits() & !reads.bits() == 0, "{op}");
        assert!(!e.is_pure() || e.removable(), "{op}");
    }
}

/// Numeric opcodes (fixed signature, no memory, table or segment state) are
/// pure, except integer division/remainder and float-to-int `trunc`, which
/// trap.
#[test]
fn numeric_opcodes_are_pure_unless_they_can_trap() {
    for &op in Opcode::ALL {
        let OpSig::Fixed(..) = op.sig() else { continue };
        let (ns, rest) = op.name().split_once('.').unwrap_or((op.name(), ""));
        if matches!(ns, "memory" | "data" | "table" | "elem") || op.mem_bytes() > 0 || op.is_terminator() {
            continue;
        }
        let scalar_int = matches!(ns, "i32" | "i64");
        let traps = scalar_int
            && (["div_s", "div_u", "rem_s", "rem_u"].contains(&rest)
                || (rest.starts_with("trunc_f") && !rest.starts_with("trunc_sat")));
        let expected = if traps { Effects::TRAP } else { Effects::PURE };
        assert_eq!(op.effects(), expected, "{op}");
    }
    assert_eq!(Opcode::I32TruncF64U.effects(), Effects::TRAP);
    assert_eq!(Opcode::I64TruncSatF32S.effects(), Effects::PURE);
    assert_eq!(Opcode::I32x4TruncSatF32x4S.effects(), Effects::PURE);
}

// ---------------------------------------------------------------- coverage

/// Proposals whose operators weft models (wasm 2.0, tail calls, simd128).
const IN_SCOPE: [&str; 7] =
    ["mvp", "sign_extension", "saturating_float_to_int", "bulk_memory", "reference_types", "tail_call", "simd"];

/// In-scope operators weft does not model as opcodes: structured control
/// and locals (the frontend builds SSA from them, the backend re-creates
/// them), `nop`/`drop` (no value), and the multi-value typed `select`
/// (invalid in every released spec). `TypedSelect` is weft's `select`.
const NOT_OPCODES: [&str; 14] = [
    "Nop",
    "Block",
    "Loop",
    "If",
    "Else",
    "End",
    "Br",
    "BrIf",
    "BrTable",
    "Drop",
    "LocalGet",
    "LocalSet",
    "LocalTee",
    "TypedSelectMulti",
];

#[test]
fn table_covers_every_in_scope_wasmparser_operator() {
    let ours: BTreeSet<String> = Opcode::ALL.iter().map(|op| format!("{op:?}")).collect();
    let mut wanted = BTreeSet::new();
    for &(proposal, variant) in WASMPARSER_OPERATORS {
        if !IN_SCOPE.contains(&proposal) || NOT_OPCODES.contains(&variant) {
            continue;
        }
        wanted.insert(if variant == "TypedSelect" { "Select" } else { variant });
    }
    let missing: Vec<&str> = wanted.iter().copied().filter(|v| !ours.contains(*v)).collect();
    assert!(missing.is_empty(), "opcodes missing from the table: {missing:?}");
    // And nothing beyond the scope: every opcode but the IR branches is one
    // of the wanted operators.
    let extra: Vec<&String> = ours
        .iter()
        .filter(|v| !wanted.contains(v.as_str()) && !matches!(v.as_str(), "Jump" | "Brif" | "BrTable"))
        .collect();
    assert!(extra.is_empty(), "opcodes outside the modelled proposals: {extra:?}");
    assert!(wanted.len() > 400, "suspiciously few operators: {}", wanted.len());
}

/// `swapped_compare` and `inverse_compare` agree with the interpreter: for
/// every integer comparison and sampled operands (edges of both orders
/// included), `a op b == b swapped(op) a` and `a inverse(op) b == !(a op b)`;
/// every other opcode has neither.
#[test]
fn swapped_and_inverse_compares_match_evaluation() {
    use weft_ir::Rng;
    use weft_ir::interpreter::Val;
    use weft_ir::interpreter::fold::eval_pure;
    let eval = |op: Opcode, a: Val, b: Val| eval_pure(op, &[a, b], Imm::None).unwrap();
    let mut rng = Rng::new(12);
    let mut checked = 0;
    for &op in Opcode::ALL {
        let (Some(swapped), Some(inverse)) = (op.swapped_compare(), op.inverse_compare()) else {
            assert!(!op.is_int_compare(), "{op}");
            assert_eq!((op.swapped_compare(), op.inverse_compare()), (None, None), "{op}");
            continue;
        };
        assert!(op.is_int_compare(), "{op}");
        let OpSig::Fixed(params, _) = op.sig() else { panic!("{op}") };
        let edges: [u64; 6] = [0, 1, 0x7fff_ffff, 0x8000_0000, u64::MAX >> 1, u64::MAX];
        for i in 0..200 {
            let (x, y) = if i < 36 { (edges[i / 6], edges[i % 6]) } else { (rng.next_u64(), rng.next_u64()) };
            let (a, b) = match params[0] {
                Type::I32 => (Val::I32(x as i32), Val::I32(y as i32)),
                _ => (Val::I64(x as i64), Val::I64(y as i64)),
            };
            let r = eval(op, a, b);
            assert_eq!(eval(swapped, b, a), r, "{op} {x:#x} {y:#x}");
            let not = if r == vec![Val::I32(1)] { Val::I32(0) } else { Val::I32(1) };
            assert_eq!(eval(inverse, a, b), vec![not], "{op} {x:#x} {y:#x}");
        }
        checked += 1;
    }
    assert_eq!(checked, 20);
}

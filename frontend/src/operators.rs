//! The mapping from `wasmparser::Operator` to the IR opcode table.
//!
//! `Opcode` variant names are `Operator` variant names, so the mapping is
//! generated: a macro over `wasmparser::for_each_operator!` gives every
//! operator an index and collects its immediate fields, and a table built
//! once from [`Opcode::ALL`] matches names. An operator the table lacks maps
//! to `None`; the translator then keeps the function opaque. The same macro
//! yields each operator's fixed operand/result arity where wasmparser states
//! one, which the translator uses to pop operands.

use std::collections::BTreeMap;
use std::sync::OnceLock;
use wasmparser::{HeapType, Operator, ValType};
use weft_ir::{
    DataRef, ElemRef, FuncRef, GlobalRef, Ieee32, Ieee64, Imm, ImmKind, MemArg, MemoryRef, Opcode, SigRef, TableRef,
    Type, V128Imm,
};

/// The immediate fields of one operator, as far as the IR uses them.
#[derive(Default)]
struct Fields {
    memarg: Option<wasmparser::MemArg>,
    lane: Option<u8>,
    lanes: Option<[u8; 16]>,
    value: Option<Imm>,
    function_index: Option<u32>,
    type_index: Option<u32>,
    table_index: Option<u32>,
    global_index: Option<u32>,
    mem: Option<u32>,
    data_index: Option<u32>,
    dst_mem: Option<u32>,
    src_mem: Option<u32>,
    elem_index: Option<u32>,
    table: Option<u32>,
    dst_table: Option<u32>,
    src_table: Option<u32>,
    hty: Option<HeapType>,
}

/// Constants of the operators' `value` fields.
trait ToImm {
    fn to_imm(&self) -> Imm;
}

impl ToImm for i32 {
    fn to_imm(&self) -> Imm {
        Imm::I32(*self)
    }
}

impl ToImm for i64 {
    fn to_imm(&self) -> Imm {
        Imm::I64(*self)
    }
}

impl ToImm for wasmparser::Ieee32 {
    fn to_imm(&self) -> Imm {
        Imm::F32(Ieee32(self.bits()))
    }
}

impl ToImm for wasmparser::Ieee64 {
    fn to_imm(&self) -> Imm {
        Imm::F64(Ieee64(self.bits()))
    }
}

impl ToImm for wasmparser::V128 {
    fn to_imm(&self) -> Imm {
        Imm::V128(V128Imm(*self.bytes()))
    }
}

/// Stores one bound operator field into [`Fields`] when the IR uses it.
macro_rules! collect_field {
    ($f:ident, memarg, $v:ident) => {
        $f.memarg = Some(*$v);
    };
    ($f:ident, lane, $v:ident) => {
        $f.lane = Some(*$v);
    };
    ($f:ident, lanes, $v:ident) => {
        $f.lanes = Some(*$v);
    };
    ($f:ident, value, $v:ident) => {
        $f.value = Some(ToImm::to_imm($v));
    };
    ($f:ident, function_index, $v:ident) => {
        $f.function_index = Some(*$v);
    };
    ($f:ident, type_index, $v:ident) => {
        $f.type_index = Some(*$v);
    };
    ($f:ident, table_index, $v:ident) => {
        $f.table_index = Some(*$v);
    };
    ($f:ident, global_index, $v:ident) => {
        $f.global_index = Some(*$v);
    };
    ($f:ident, mem, $v:ident) => {
        $f.mem = Some(*$v);
    };
    ($f:ident, data_index, $v:ident) => {
        $f.data_index = Some(*$v);
    };
    ($f:ident, dst_mem, $v:ident) => {
        $f.dst_mem = Some(*$v);
    };
    ($f:ident, src_mem, $v:ident) => {
        $f.src_mem = Some(*$v);
    };
    ($f:ident, elem_index, $v:ident) => {
        $f.elem_index = Some(*$v);
    };
    ($f:ident, table, $v:ident) => {
        $f.table = Some(*$v);
    };
    ($f:ident, dst_table, $v:ident) => {
        $f.dst_table = Some(*$v);
    };
    ($f:ident, src_table, $v:ident) => {
        $f.src_table = Some(*$v);
    };
    ($f:ident, hty, $v:ident) => {
        $f.hty = Some(*$v);
    };
    ($f:ident, $other:ident, $v:ident) => {
        let _ = $v;
    };
}

/// The fixed `(operands, results)` arity wasmparser states for an operator,
/// `None` for `custom` (control, calls, multi-value select).
macro_rules! fixed_arity {
    (arity $a:literal -> $b:literal) => {
        Some(($a, $b))
    };
    (arity memarg $a:literal -> $b:literal) => {
        Some(($a, $b))
    };
    ($($other:tt)*) => {
        None
    };
}

macro_rules! define_operator_table {
    ($( @$proposal:ident $op:ident $({ $($arg:ident: $argty:ty),* })? => $visit:ident ($($ann:tt)*))*) => {
        /// Every `wasmparser::Operator` variant, in `for_each_operator!` order.
        #[derive(Copy, Clone)]
        enum OpId {
            $($op,)*
        }

        /// Variant names, indexed by `OpId`.
        const OP_NAMES: &[&str] = &[$(stringify!($op),)*];

        /// Fixed arities, indexed by `OpId` (see [`fixed_arity`]).
        #[cfg(test)]
        const OP_ARITIES: &[Option<(u32, u32)>] = &[$(fixed_arity!($($ann)*),)*];

        /// The index, immediate fields and fixed arity of an operator
        /// (`None` for variants wasmparser adds after this crate was built).
        fn operator_info(op: &Operator<'_>) -> Option<(OpId, Fields, Option<(u32, u32)>)> {
            #[allow(unused_mut, reason = "operators without fields")]
            match op {
                $(
                    Operator::$op $({ $($arg),* })? => {
                        let mut fields = Fields::default();
                        $($( collect_field!(fields, $arg, $arg); )*)?
                        Some((OpId::$op, fields, fixed_arity!($($ann)*)))
                    }
                )*
                #[allow(unreachable_patterns, reason = "Operator is non-exhaustive")]
                _ => None,
            }
        }
    };
}

wasmparser::for_each_operator!(define_operator_table);

/// The opcode of each `OpId`, by name, built once.
fn opcode_table() -> &'static [Option<Opcode>] {
    static TABLE: OnceLock<Vec<Option<Opcode>>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let by_name: BTreeMap<String, Opcode> = Opcode::ALL.iter().map(|&op| (format!("{op:?}"), op)).collect();
        OP_NAMES.iter().map(|name| by_name.get(*name).copied()).collect()
    })
}

/// The `wasmparser::Operator` variant name of `op` (`"I32Add"`), for
/// diagnostics.
pub fn operator_name(op: &Operator<'_>) -> &'static str {
    match operator_info(op) {
        Some((id, ..)) => OP_NAMES[id as usize],
        None => "unknown operator",
    }
}

/// Does the opcode table have an opcode named like `op`'s variant?
pub(crate) fn in_table(op: &Operator<'_>) -> bool {
    operator_info(op).is_some_and(|(id, ..)| opcode_table()[id as usize].is_some())
}

/// The fixed `(operands, results)` arity of `op` as wasmparser states it;
/// `None` for operators whose arity depends on types (control, calls).
pub(crate) fn fixed_arity(op: &Operator<'_>) -> Option<(u32, u32)> {
    operator_info(op).and_then(|(_, _, arity)| arity)
}

/// The IR type of a wasm value type, if the IR models it.
pub fn ir_type(ty: ValType) -> Option<Type> {
    Some(match ty {
        ValType::I32 => Type::I32,
        ValType::I64 => Type::I64,
        ValType::F32 => Type::F32,
        ValType::F64 => Type::F64,
        ValType::V128 => Type::V128,
        ValType::Ref(r) if r == wasmparser::RefType::FUNCREF => Type::FuncRef,
        ValType::Ref(r) if r == wasmparser::RefType::EXTERNREF => Type::ExternRef,
        ValType::Ref(_) => return None,
    })
}

/// The IR reference type of a nullable heap type (`ref.null func` →
/// `funcref`), if the IR models it.
pub fn ir_ref_type(hty: HeapType) -> Option<Type> {
    match hty {
        HeapType::FUNC => Some(Type::FuncRef),
        HeapType::EXTERN => Some(Type::ExternRef),
        _ => None,
    }
}

/// Maps a non-structural operator to its IR opcode and immediate.
///
/// Returns `None` for operators outside the opcode table (GC, exceptions,
/// atomics, relaxed SIMD, `call_ref`, ...), for memory accesses the IR does
/// not model (GC array targets, atomic orderings), for `ref.null` of a heap
/// type other than `func`/`extern`, and for the operators the translator
/// handles itself: `block`, `loop`, `if`, `else`, `end`, `br`, `br_if`,
/// `br_table`, `nop`, `drop`, `local.get/set/tee`. `select` with or without a
/// type maps to [`Opcode::Select`].
pub fn translate_operator(op: &Operator<'_>) -> Option<(Opcode, Imm)> {
    let (id, f, _) = operator_info(op)?;
    if let OpId::TypedSelect = id {
        return Some((Opcode::Select, Imm::None));
    }
    let opcode = opcode_table()[id as usize]?;
    if opcode.is_branch() {
        return None;
    }
    let memarg = |m: Option<wasmparser::MemArg>| -> Option<MemArg> {
        let m = m?;
        match (m.target, m.ordering) {
            (wasmparser::MemArgTarget::Memory(memory), None) => {
                Some(MemArg { memory: MemoryRef::from_u32(memory), offset: m.offset, align: m.align })
            }
            _ => None,
        }
    };
    let imm = match opcode.imm_kind() {
        ImmKind::None => Imm::None,
        ImmKind::I32 | ImmKind::I64 | ImmKind::F32 | ImmKind::F64 | ImmKind::V128 => {
            let v = f.value?;
            if v.kind() != opcode.imm_kind() {
                return None;
            }
            v
        }
        ImmKind::Mem => Imm::Mem(memarg(f.memarg)?),
        ImmKind::MemLane => Imm::MemLane(memarg(f.memarg)?, f.lane?),
        ImmKind::Lane => Imm::Lane(f.lane?),
        ImmKind::Shuffle => Imm::Shuffle(f.lanes?),
        ImmKind::Global => Imm::Global(GlobalRef::from_u32(f.global_index?)),
        ImmKind::Func => Imm::Func(FuncRef::from_u32(f.function_index?)),
        ImmKind::SigTable => Imm::SigTable(SigRef::from_u32(f.type_index?), TableRef::from_u32(f.table_index?)),
        ImmKind::Table => Imm::Table(TableRef::from_u32(f.table?)),
        ImmKind::TableTable => Imm::TableTable(TableRef::from_u32(f.dst_table?), TableRef::from_u32(f.src_table?)),
        ImmKind::Memory => Imm::Memory(MemoryRef::from_u32(f.mem?)),
        ImmKind::MemMem => Imm::MemMem(MemoryRef::from_u32(f.dst_mem?), MemoryRef::from_u32(f.src_mem?)),
        ImmKind::DataMem => Imm::DataMem(DataRef::from_u32(f.data_index?), MemoryRef::from_u32(f.mem?)),
        ImmKind::Data => Imm::Data(DataRef::from_u32(f.data_index?)),
        ImmKind::ElemTable => Imm::ElemTable(ElemRef::from_u32(f.elem_index?), TableRef::from_u32(f.table?)),
        ImmKind::Elem => Imm::Elem(ElemRef::from_u32(f.elem_index?)),
        ImmKind::RefType => Imm::RefType(ir_ref_type(f.hty?)?),
    };
    Some((opcode, imm))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The table's operand and result counts agree with wasmparser's for
    /// every opcode with a fixed signature, and every opcode the translator
    /// pops by wasmparser's arity has one.
    #[test]
    fn table_arities_agree_with_wasmparser() {
        let by_name: BTreeMap<&str, usize> = OP_NAMES.iter().enumerate().map(|(i, n)| (*n, i)).collect();
        let mut checked = 0;
        for &op in Opcode::ALL {
            let own_arity = matches!(
                op,
                Opcode::Jump
                    | Opcode::Brif
                    | Opcode::BrTable
                    | Opcode::Return
                    | Opcode::Call
                    | Opcode::CallIndirect
                    | Opcode::ReturnCall
                    | Opcode::ReturnCallIndirect
            );
            if own_arity {
                continue;
            }
            let name = format!("{op:?}");
            let id = by_name[name.as_str()];
            let (params, results) = OP_ARITIES[id].unwrap_or_else(|| panic!("{name}: wasmparser gives no fixed arity"));
            if let weft_ir::OpSig::Fixed(p, r) = op.sig() {
                assert_eq!((p.len() as u32, r.len() as u32), (params, results), "{name}: table vs wasmparser");
            }
            checked += 1;
        }
        assert!(checked > 400, "only {checked} opcodes checked");
    }

    /// Every opcode of the table except the IR-only branches is the name of a
    /// wasmparser operator, so the generated mapping reaches all of them.
    #[test]
    fn every_opcode_names_an_operator() {
        let names: std::collections::BTreeSet<&str> = OP_NAMES.iter().copied().collect();
        let missing: Vec<String> = Opcode::ALL
            .iter()
            .filter(|op| !matches!(op, Opcode::Jump | Opcode::Brif))
            .map(|op| format!("{op:?}"))
            .filter(|name| !names.contains(name.as_str()))
            .collect();
        assert!(missing.is_empty(), "opcodes with no wasmparser operator: {missing:?}");
    }
}

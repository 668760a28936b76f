//! The symbolic machine state both functions share: globals, memories (an
//! array `BV32 → BV8` plus the size in pages), tables (an array
//! `BV32 → ref` plus the size), and the dropped flags of data and element
//! segments; and the outside world that answers calls.
//!
//! References (`funcref`, `externref`) are 32-bit handles: `0` is null and
//! `ref.func fnN` is `N + 1`. A direct call of `fnN` names the callee `N + 1`
//! as well, so `call fn3` and a `call_indirect` that resolves to `fn3` are
//! the same event.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::rc::Rc;

use weft_ir::{
    DataRef, ElemRef, Function, GlobalDecl, GlobalRef, Imm, InstructionData, MemoryDecl, MemoryRef, Signature,
    TableDecl, TableRef, Type,
};
use z3::ast::{Array, Ast, BV, Bool, Dynamic, lambda_const};
use z3::{FuncDecl, Sort};

/// Bytes per wasm page.
pub(crate) const PAGE_BYTES: u64 = 65536;
/// The most pages a 32-bit memory can have.
pub(crate) const MAX_PAGES: u64 = 65536;

/// Width of the SMT term of a value type (references are 32-bit handles).
pub(crate) fn type_bits(ty: Type) -> u32 {
    match ty {
        Type::I32 | Type::F32 | Type::FuncRef | Type::ExternRef => 32,
        Type::I64 | Type::F64 => 64,
        Type::V128 => 128,
    }
}

/// Every module entity either function can touch, with its declaration.
#[derive(Clone, Debug, Default)]
pub(crate) struct Universe {
    pub globals: BTreeMap<GlobalRef, GlobalDecl>,
    pub mems: BTreeMap<MemoryRef, MemoryDecl>,
    pub tables: BTreeMap<TableRef, TableDecl>,
    pub datas: BTreeSet<DataRef>,
    pub elems: BTreeSet<ElemRef>,
    /// Signatures of functions named by `call`/`ref.func`, for the
    /// `call_indirect` type check of handles that are known functions.
    pub func_sigs: BTreeMap<u32, Signature>,
}

impl Universe {
    /// The union of what `src` and `tgt` declare and reference. Conflicting
    /// declarations are an error.
    pub(crate) fn of(funcs: &[&Function]) -> Result<Universe, String> {
        let mut u = Universe::default();
        for func in funcs {
            let d = &func.dfg.decls;
            for (g, decl) in &d.globals {
                if let Some(old) = u.globals.insert(*g, *decl)
                    && old != *decl
                {
                    return Err(format!("{g} is declared differently in source and target"));
                }
            }
            for (m, decl) in &d.memories {
                if let Some(old) = u.mems.insert(*m, *decl)
                    && old != *decl
                {
                    return Err(format!("{m} is declared differently in source and target"));
                }
            }
            for (t, decl) in &d.tables {
                if let Some(old) = u.tables.insert(*t, *decl)
                    && old != *decl
                {
                    return Err(format!("{t} is declared differently in source and target"));
                }
            }
            for (f, decl) in &d.funcs {
                let id = f.as_u32();
                if let Some(old) = u.func_sigs.insert(id, decl.sig.clone())
                    && old != decl.sig
                {
                    return Err(format!("{f} is declared differently in source and target"));
                }
            }
            for block in func.layout.blocks() {
                for inst in func.layout.block_insts(block) {
                    if let InstructionData::Op { imm, .. } = &func.dfg.insts[inst] {
                        match *imm {
                            Imm::DataMem(data, _) | Imm::Data(data) => {
                                u.datas.insert(data);
                            }
                            Imm::ElemTable(elem, _) | Imm::Elem(elem) => {
                                u.elems.insert(elem);
                            }
                            _ => {}
                        }
                    }
                }
            }
        }
        Ok(u)
    }

    pub(crate) fn max_pages(&self, m: MemoryRef) -> u64 {
        self.mems[&m].max.unwrap_or(MAX_PAGES).min(MAX_PAGES)
    }

    pub(crate) fn table_max(&self, t: TableRef) -> u64 {
        self.tables[&t].max.unwrap_or(u64::from(u32::MAX)).min(u64::from(u32::MAX))
    }
}

/// An array (memory bytes or table handles) as the log of writes made to a
/// base array. Reading it expands read-over-write into an `ite` chain here,
/// instead of asking Z3's array theory, which is slow on byte-wise stores at
/// symbolic addresses; bulk writes (fill, copy, init, grow) are ranges, so no
/// lambda or quantifier is needed.
#[derive(Clone, Debug)]
pub(crate) struct ArrTerm(Rc<ArrNode>);

#[derive(Debug)]
pub(crate) enum ArrNode {
    /// A Z3 array: the initial contents, or what a call left.
    Base(Array),
    /// `rest` with `value` at `index` (`split` is `index` as a term plus a
    /// constant, [`split_offset`]).
    Store { rest: ArrTerm, index: BV, value: BV, split: (Option<BV>, u64) },
    /// `rest` with `fill` at every index `i` with `guard ∧ start ≤ i < end`
    /// (`start`, `end` are 64-bit, so ranges may end at 2^32).
    Range { rest: ArrTerm, guard: Bool, start: BV, end: BV, fill: Fill },
    /// `cond ? then : els`, where paths merge.
    Ite { cond: Bool, then: ArrTerm, els: ArrTerm },
}

/// What a ranged write puts at index `i`.
#[derive(Debug)]
pub(crate) enum Fill {
    /// The same value everywhere.
    Const(BV),
    /// `src[i - dst + src_start]` (a copy; `dst` and `src_start` are BV32).
    Copy { src: ArrTerm, dst: BV, src_start: BV },
}

impl ArrTerm {
    pub(crate) fn base(a: Array) -> ArrTerm {
        ArrTerm(Rc::new(ArrNode::Base(a)))
    }

    pub(crate) fn same(&self, other: &ArrTerm) -> bool {
        Rc::ptr_eq(&self.0, &other.0)
            || matches!((&*self.0, &*other.0), (ArrNode::Base(a), ArrNode::Base(b)) if a.ast_eq(b))
    }

    pub(crate) fn store(&self, index: BV, value: BV) -> ArrTerm {
        let split = split_offset(&index);
        ArrTerm(Rc::new(ArrNode::Store { rest: self.clone(), index, value, split }))
    }

    pub(crate) fn range(&self, guard: Bool, start: BV, end: BV, fill: Fill) -> ArrTerm {
        ArrTerm(Rc::new(ArrNode::Range { rest: self.clone(), guard, start, end, fill }))
    }

    pub(crate) fn ite(cond: &Bool, then: &ArrTerm, els: &ArrTerm) -> ArrTerm {
        if then.same(els) {
            return then.clone();
        }
        ArrTerm(Rc::new(ArrNode::Ite { cond: cond.clone(), then: then.clone(), els: els.clone() }))
    }

    /// The element at `index` (BV32).
    ///
    /// A store at an index that differs from `index` by a nonzero constant
    /// (`x + 3` against `x + 5`, `8` against `9`) is skipped without an
    /// `ite`: the two are different for every `x`. This keeps a read after
    /// a run of stores to neighbouring bytes (a vector store, an unrolled
    /// loop's stores) linear instead of one `ite` per store.
    pub(crate) fn select(&self, index: &BV) -> BV {
        let mut memo = HashMap::new();
        let split = split_offset(index);
        self.select_memo(index, &split, &mut memo)
    }

    fn select_memo(&self, index: &BV, split: &(Option<BV>, u64), memo: &mut HashMap<*const ArrNode, BV>) -> BV {
        let key = Rc::as_ptr(&self.0);
        if let Some(v) = memo.get(&key) {
            return v.clone();
        }
        let v = match &*self.0 {
            ArrNode::Base(a) => a.select(index).as_bv().expect("bit-vector array"),
            ArrNode::Store { rest, index: at, value, split: at_split } => {
                if at.ast_eq(index) {
                    value.clone()
                } else if differ(at_split, split) {
                    rest.select_memo(index, split, memo)
                } else {
                    let r = rest.select_memo(index, split, memo);
                    index.eq(at).ite(value, &r)
                }
            }
            ArrNode::Range { rest, guard, start, end, fill } => {
                let r = rest.select_memo(index, split, memo);
                let i = index.zero_ext(32);
                let inside = Bool::and(&[guard.clone(), i.bvuge(start), i.bvult(end)]);
                let v = match fill {
                    Fill::Const(c) => c.clone(),
                    Fill::Copy { src, dst, src_start } => src.select(&src_start.bvadd(index.bvsub(dst))),
                };
                inside.ite(&v, &r)
            }
            ArrNode::Ite { cond, then, els } => {
                let a = then.select_memo(index, split, memo);
                let b = els.select_memo(index, split, memo);
                ite_bv(cond, &a, &b)
            }
        };
        memo.insert(key, v.clone());
        v
    }

    /// The newest run of stores of this array whose indices are one term
    /// plus different constants (or all constants), as a map from the
    /// constant to the last index and value written there, and the array
    /// under the run; `None` when the array does not end in a store. Two
    /// arrays with the same rest, term and constants are equal exactly when
    /// their values are equal at every constant.
    pub(crate) fn store_run(&self) -> Option<StoreRun> {
        let mut node = self;
        let mut base: Option<Option<BV>> = None;
        let mut values: BTreeMap<u64, (BV, BV)> = BTreeMap::new();
        while let ArrNode::Store { rest, index, value, split } = &*node.0 {
            match &base {
                None => base = Some(split.0.clone()),
                Some(b) if same_term(b, &split.0) => {}
                Some(_) => break,
            }
            values.entry(split.1).or_insert_with(|| (index.clone(), value.clone()));
            node = rest;
        }
        Some(StoreRun { rest: node.clone(), base: base?, values })
    }

    /// The whole array as a Z3 term (a lambda unless it is a base array).
    pub(crate) fn to_array(&self) -> Array {
        if let ArrNode::Base(a) = &*self.0 {
            return a.clone();
        }
        let i = BV::new_const("lambda.i", 32);
        let body: Dynamic = self.select(&i).into();
        lambda_const(&[&i], &body)
    }
}

/// `index` as a term plus a constant (mod 2^width): a numeral is
/// `(None, k)`; `x + k` and `k + x` with a numeral `k` are `x`'s split plus
/// `k`, so nested constant additions fold (`(i + 1) + 7` is `(i, 8)`);
/// anything else is `(Some(index), 0)`.
pub(crate) fn split_offset(index: &BV) -> (Option<BV>, u64) {
    let width = index.get_size();
    if width > 64 {
        return (Some(index.clone()), 0);
    }
    let mask = if width == 64 { u64::MAX } else { (1u64 << width) - 1 };
    let mut term = index.clone();
    let mut offset: u64 = 0;
    loop {
        if let Some(k) = term.as_u64() {
            return (None, offset.wrapping_add(k) & mask);
        }
        if !term.is_app() || term.decl().kind() != z3::DeclKind::Badd {
            return (Some(term), offset & mask);
        }
        let args = term.children();
        let [a, b] = args.as_slice() else { return (Some(term), offset & mask) };
        let (Some(a), Some(b)) = (a.as_bv(), b.as_bv()) else { return (Some(term), offset & mask) };
        match (a.as_u64(), b.as_u64()) {
            (Some(k), None) => {
                offset = offset.wrapping_add(k);
                term = b;
            }
            (None, Some(k)) => {
                offset = offset.wrapping_add(k);
                term = a;
            }
            _ => return (Some(term), offset & mask),
        }
    }
}

/// Do two splits ([`split_offset`]) name different indices for every value
/// of their terms: the same term (or none) with different constants?
fn differ(a: &(Option<BV>, u64), b: &(Option<BV>, u64)) -> bool {
    a.1 != b.1 && same_term(&a.0, &b.0)
}

/// The same term of a split, or both none.
fn same_term(a: &Option<BV>, b: &Option<BV>) -> bool {
    match (a, b) {
        (None, None) => true,
        (Some(x), Some(y)) => x.ast_eq(y),
        _ => false,
    }
}

/// The newest stores of an array at one term plus constants
/// ([`ArrTerm::store_run`]).
pub(crate) struct StoreRun {
    /// The array under the run.
    pub rest: ArrTerm,
    /// The term the indices share (`None`: all constants).
    pub base: Option<BV>,
    /// By constant: the index and the value last written there.
    pub values: BTreeMap<u64, (BV, BV)>,
}

impl StoreRun {
    /// Do `self` and `other` write the same indices over the same array?
    pub(crate) fn same_shape(&self, other: &StoreRun) -> bool {
        self.rest.same(&other.rest) && same_term(&self.base, &other.base) && self.values.keys().eq(other.values.keys())
    }
}

/// One linear memory.
#[derive(Clone, Debug)]
pub(crate) struct Mem {
    /// Contents: `BV32 → BV8`. Bytes at or past the size are meaningless.
    pub bytes: ArrTerm,
    /// Size in pages (BV32).
    pub pages: BV,
}

/// One table.
#[derive(Clone, Debug)]
pub(crate) struct Tab {
    /// Elements: `BV32 → BV32` handles.
    pub elems: ArrTerm,
    /// Size in elements (BV32).
    pub size: BV,
}

/// Globals, memories, tables and segment flags at one program point.
#[derive(Clone, Debug, Default)]
pub(crate) struct MachineState {
    pub globals: BTreeMap<GlobalRef, BV>,
    pub mems: BTreeMap<MemoryRef, Mem>,
    pub tables: BTreeMap<TableRef, Tab>,
    pub data_dropped: BTreeMap<DataRef, Bool>,
    pub elem_dropped: BTreeMap<ElemRef, Bool>,
}

pub(crate) fn bytes_sort() -> Sort {
    Sort::array(&Sort::bitvector(32), &Sort::bitvector(8))
}

pub(crate) fn elems_sort() -> Sort {
    Sort::array(&Sort::bitvector(32), &Sort::bitvector(32))
}

impl MachineState {
    /// A fresh state named by `prefix` (`init`, `h0`, ...) and the facts every
    /// state satisfies (sizes within the declared limits).
    pub(crate) fn symbolic(u: &Universe, prefix: &str) -> (MachineState, Vec<Bool>) {
        let mut facts = Vec::new();
        let globals =
            u.globals.iter().map(|(g, d)| (*g, BV::new_const(format!("{prefix}.{g}"), type_bits(d.ty)))).collect();
        let mut mems = BTreeMap::new();
        for (m, d) in &u.mems {
            let pages = BV::new_const(format!("{prefix}.{m}.pages"), 32);
            facts.push(pages.bvuge(BV::from_u64(d.min.min(MAX_PAGES), 32)));
            facts.push(pages.bvule(BV::from_u64(u.max_pages(*m), 32)));
            let bytes = Array::new_const(format!("{prefix}.{m}"), &Sort::bitvector(32), &Sort::bitvector(8));
            mems.insert(*m, Mem { bytes: ArrTerm::base(bytes), pages });
        }
        let mut tables = BTreeMap::new();
        for (t, d) in &u.tables {
            let size = BV::new_const(format!("{prefix}.{t}.size"), 32);
            facts.push(size.bvuge(BV::from_u64(d.min.min(u64::from(u32::MAX)), 32)));
            facts.push(size.bvule(BV::from_u64(u.table_max(*t), 32)));
            let elems = Array::new_const(format!("{prefix}.{t}"), &Sort::bitvector(32), &Sort::bitvector(32));
            tables.insert(*t, Tab { elems: ArrTerm::base(elems), size });
        }
        let data_dropped = u.datas.iter().map(|d| (*d, Bool::new_const(format!("{prefix}.{d}.dropped")))).collect();
        let elem_dropped = u.elems.iter().map(|e| (*e, Bool::new_const(format!("{prefix}.{e}.dropped")))).collect();
        (MachineState { globals, mems, tables, data_dropped, elem_dropped }, facts)
    }

    /// The state on the first incoming path whose condition holds.
    pub(crate) fn merge(parts: &[(Bool, &MachineState)]) -> MachineState {
        let (_, last) = parts.last().expect("merge of no states");
        let mut out = (*last).clone();
        for (cond, st) in parts.iter().rev().skip(1) {
            for (g, v) in out.globals.iter_mut() {
                *v = ite_bv(cond, &st.globals[g], v);
            }
            for (m, mem) in out.mems.iter_mut() {
                let other = &st.mems[m];
                mem.bytes = ArrTerm::ite(cond, &other.bytes, &mem.bytes);
                mem.pages = ite_bv(cond, &other.pages, &mem.pages);
            }
            for (t, tab) in out.tables.iter_mut() {
                let other = &st.tables[t];
                tab.elems = ArrTerm::ite(cond, &other.elems, &tab.elems);
                tab.size = ite_bv(cond, &other.size, &tab.size);
            }
            for (d, f) in out.data_dropped.iter_mut() {
                *f = ite_bool(cond, &st.data_dropped[d], f);
            }
            for (e, f) in out.elem_dropped.iter_mut() {
                *f = ite_bool(cond, &st.elem_dropped[e], f);
            }
        }
        out
    }
}

/// `cond ? a : b`, without a node when both sides are the same term.
pub(crate) fn ite_bv(cond: &Bool, a: &BV, b: &BV) -> BV {
    if a.ast_eq(b) { a.clone() } else { cond.ite(a, b) }
}

/// `cond ? a : b` on booleans.
pub(crate) fn ite_bool(cond: &Bool, a: &Bool, b: &Bool) -> Bool {
    if a.ast_eq(b) { a.clone() } else { cond.ite(a, b) }
}

/// The outside world of one segment: what the `k`-th call returns and the
/// state it leaves, as uninterpreted functions of `k`. Source and target
/// share the world of corresponding segments, so the same call index gets
/// the same answers.
pub(crate) struct World {
    prefix: String,
}

/// What the world answers to one call.
pub(crate) struct Answer {
    pub results: Vec<BV>,
    pub state: MachineState,
    pub traps: Bool,
    /// Facts about the answer (memories and tables only grow, dropped
    /// segments stay dropped, immutable globals do not change).
    pub facts: Vec<Bool>,
}

impl World {
    pub(crate) fn new(prefix: impl Into<String>) -> World {
        World { prefix: prefix.into() }
    }

    /// The name of this world (shared by the corresponding explorations of
    /// the source and the target).
    pub(crate) fn prefix(&self) -> &str {
        &self.prefix
    }

    /// Does grow number `k` succeed (when its new size fits)?
    pub(crate) fn grow_ok(&self, k: &BV) -> Bool {
        self.uf("grow", &Sort::bool()).apply(&[k]).as_bool().expect("bool range")
    }

    /// How many grows the target makes on the run (defined by the check
    /// that compares the two functions; see `exec.rs`, "Choices of the
    /// world").
    pub(crate) fn target_grows(&self) -> BV {
        BV::new_const(format!("{}.target_grows", self.prefix), 32)
    }

    /// The NaN that float operation number `k` producing a NaN of `bits`
    /// bits returns, in exact NaN mode.
    pub(crate) fn nan(&self, bits: u32, k: &BV) -> BV {
        self.apply_bv(&format!("nan{bits}"), bits, k)
    }

    fn uf(&self, name: &str, range: &Sort) -> FuncDecl {
        FuncDecl::new(format!("{}.{name}", self.prefix), &[&Sort::bitvector(32)], range)
    }

    fn apply_bv(&self, name: &str, bits: u32, k: &BV) -> BV {
        self.uf(name, &Sort::bitvector(bits)).apply(&[k]).as_bv().expect("bit-vector range")
    }

    /// The answer to call number `k` (a BV32 term) made from state `pre`.
    pub(crate) fn answer(&self, u: &Universe, k: &BV, results: &[Type], pre: &MachineState) -> Answer {
        let mut facts = Vec::new();
        let res = results
            .iter()
            .enumerate()
            .map(|(i, ty)| self.apply_bv(&format!("res{i}.{ty}"), type_bits(*ty), k))
            .collect();
        let mut globals = BTreeMap::new();
        for (g, v) in &pre.globals {
            let decl = &u.globals[g];
            let nv = if decl.mutable { self.apply_bv(&format!("{g}"), type_bits(decl.ty), k) } else { v.clone() };
            globals.insert(*g, nv);
        }
        let mut mems = BTreeMap::new();
        for (m, mem) in &pre.mems {
            let bytes =
                ArrTerm::base(self.uf(&format!("{m}"), &bytes_sort()).apply(&[k]).as_array().expect("array range"));
            let pages = self.apply_bv(&format!("{m}.pages"), 32, k);
            facts.push(pages.bvuge(&mem.pages));
            facts.push(pages.bvule(BV::from_u64(u.max_pages(*m), 32)));
            mems.insert(*m, Mem { bytes, pages });
        }
        let mut tables = BTreeMap::new();
        for (t, tab) in &pre.tables {
            let elems =
                ArrTerm::base(self.uf(&format!("{t}"), &elems_sort()).apply(&[k]).as_array().expect("array range"));
            let size = self.apply_bv(&format!("{t}.size"), 32, k);
            facts.push(size.bvuge(&tab.size));
            facts.push(size.bvule(BV::from_u64(u.table_max(*t), 32)));
            tables.insert(*t, Tab { elems, size });
        }
        let mut data_dropped = BTreeMap::new();
        for (d, f) in &pre.data_dropped {
            let nf = self.uf(&format!("{d}.dropped"), &Sort::bool()).apply(&[k]).as_bool().expect("bool range");
            facts.push(f.implies(&nf));
            data_dropped.insert(*d, nf);
        }
        let mut elem_dropped = BTreeMap::new();
        for (e, f) in &pre.elem_dropped {
            let nf = self.uf(&format!("{e}.dropped"), &Sort::bool()).apply(&[k]).as_bool().expect("bool range");
            facts.push(f.implies(&nf));
            elem_dropped.insert(*e, nf);
        }
        let traps = self.uf("trap", &Sort::bool()).apply(&[k]).as_bool().expect("bool range");
        Answer { results: res, state: MachineState { globals, mems, tables, data_dropped, elem_dropped }, traps, facts }
    }
}

/// Does the function handle `r` have signature `sig`? One uninterpreted
/// predicate per signature, shared by both functions; handles of functions
/// the declarations name are pinned to their declared signature.
pub(crate) fn sig_check(sig: &Signature, r: &BV) -> Bool {
    FuncDecl::new(format!("has_type {sig}"), &[&Sort::bitvector(32)], &Sort::bool())
        .apply(&[r])
        .as_bool()
        .expect("bool range")
}

/// The constant data of a passive data segment: length and bytes.
pub(crate) fn data_segment(d: DataRef) -> (BV, Array) {
    (
        BV::new_const(format!("{d}.len"), 32),
        Array::new_const(format!("{d}.bytes"), &Sort::bitvector(32), &Sort::bitvector(8)),
    )
}

/// The constant contents of an element segment: length and handles.
pub(crate) fn elem_segment(e: ElemRef) -> (BV, Array) {
    (
        BV::new_const(format!("{e}.len"), 32),
        Array::new_const(format!("{e}.elems"), &Sort::bitvector(32), &Sort::bitvector(32)),
    )
}

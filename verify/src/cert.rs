//! Certificates: facts a pass hands the checker about what it relied on,
//! which the checker proves before it uses them. See the crate docs
//! ("Certificates") and `docs/certificates.md` for the design; this module
//! holds the types and their evaluation to SMT terms.
//!
//! A certificate is built from [`Term`]s: pure expressions over the SSA
//! values of the source or the target, constants, the machine state
//! (globals, memory sizes and contents, table sizes) and the state at the
//! function's entry, combined by pure opcodes of the IR's own table. A
//! [`Fact`] is a bitwise equality of two terms or a term of type `i32` that
//! is non-zero. Facts are attached to loop cut points ([`HeaderFact`],
//! [`CutPair`]) or hold of the whole module ([`ModuleInvariant`]).

use core::fmt;
use std::collections::BTreeMap;

use weft_ir::{Block, FuncRef, GlobalRef, MemoryRef, OpSig, Opcode, TableRef, Type, Value};
use z3::ast::{BV, Bool};

use crate::smt::Smt;
use crate::state::{MachineState, Universe, type_bits};

/// Which function of a check a value belongs to.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Side {
    /// The function before the pass (`src.v3` in text).
    Src,
    /// The function after the pass (`tgt.v3` in text).
    Tgt,
}

impl Side {
    /// `src` or `tgt`.
    pub fn name(self) -> &'static str {
        match self {
            Side::Src => "src",
            Side::Tgt => "tgt",
        }
    }
}

/// A pure expression a certificate is made of.
///
/// Its type follows from its parts: a value has its IR type, a constant the
/// type it names, `Global` the global's type, sizes are `i32`, a load the
/// type it names, an operation the result type of its opcode.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Term {
    /// An SSA value of the source or the target, live at the point the fact
    /// is about (a parameter of the cut block, a value live into it, or a
    /// value defined before every loop).
    Value(Side, Value),
    /// A constant: its type and bit pattern (low bits used).
    Const(Type, u128),
    /// The current value of a global.
    Global(GlobalRef),
    /// The current size of a memory in pages.
    MemorySize(MemoryRef),
    /// The current size of a table in elements.
    TableSize(TableRef),
    /// The function handle in slot `index` of a table (an `i32`: `0` for
    /// null, `N + 1` for `fnN`). A slot past the table's size reads the
    /// (unobservable) array there.
    TableElem(TableRef, u32),
    /// The handle of a function (`Some(fnN)`: `N + 1`) or null (`0`), an
    /// `i32`, to compare [`Term::TableElem`] with.
    Handle(Option<FuncRef>),
    /// `bytes` bytes of `mem` from address `addr` (an `i32` term),
    /// little-endian, zero-extended to `ty` (`i32` or `i64`). A read of
    /// bytes past the memory's size reads the (unobservable) array there:
    /// a fact about such bytes is about nothing a run can see.
    Load {
        /// `i32` or `i64`.
        ty: Type,
        /// The memory.
        mem: MemoryRef,
        /// The address of the first byte.
        addr: Box<Term>,
        /// 1, 2, 4 or 8 (at most the width of `ty`).
        bytes: u8,
    },
    /// A term over the state (globals, sizes, loads) evaluated at the
    /// function's entry instead of at the point.
    AtEntry(Box<Term>),
    /// A pure opcode without immediates (`i32.add`, `i32.lt_u`,
    /// `i64.extend_i32_u`, `select`, ...) applied to terms in operand order.
    Op(Opcode, Vec<Term>),
}

impl Term {
    /// Source value `v`.
    pub fn src(v: Value) -> Term {
        Term::Value(Side::Src, v)
    }
    /// Target value `v`.
    pub fn tgt(v: Value) -> Term {
        Term::Value(Side::Tgt, v)
    }
    /// An `i32` constant.
    pub fn i32(x: i32) -> Term {
        Term::Const(Type::I32, u128::from(x as u32))
    }
    /// An `i64` constant.
    pub fn i64(x: i64) -> Term {
        Term::Const(Type::I64, u128::from(x as u64))
    }
    /// `opcode(args...)`.
    pub fn op(opcode: Opcode, args: Vec<Term>) -> Term {
        Term::Op(opcode, args)
    }

    /// Calls `f` on every value the term names.
    pub fn for_each_value(&self, f: &mut dyn FnMut(Side, Value)) {
        match self {
            Term::Value(s, v) => f(*s, *v),
            Term::Const(..)
            | Term::Global(_)
            | Term::MemorySize(_)
            | Term::TableSize(_)
            | Term::TableElem(..)
            | Term::Handle(_) => {}
            Term::Load { addr, .. } => addr.for_each_value(f),
            Term::AtEntry(t) => t.for_each_value(f),
            Term::Op(_, args) => args.iter().for_each(|a| a.for_each_value(f)),
        }
    }

    /// Does the term read the state (globals, sizes, memory)?
    pub fn reads_state(&self) -> bool {
        match self {
            Term::Value(..) | Term::Const(..) | Term::Handle(_) | Term::AtEntry(_) => false,
            Term::Global(_) | Term::MemorySize(_) | Term::TableSize(_) | Term::TableElem(..) | Term::Load { .. } => {
                true
            }
            Term::Op(_, args) => args.iter().any(Term::reads_state),
        }
    }
}

/// A fact a certificate states.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Fact {
    /// The two terms have the same type and the same bits (`a == b`).
    Equal(Term, Term),
    /// The term has type `i32` and is non-zero.
    Holds(Term),
}

impl Fact {
    /// `a == b`, bitwise.
    pub fn equal(a: Term, b: Term) -> Fact {
        Fact::Equal(a, b)
    }

    /// `opcode(args...)` is non-zero (a comparison, usually).
    pub fn holds(opcode: Opcode, args: Vec<Term>) -> Fact {
        Fact::Holds(Term::Op(opcode, args))
    }

    /// Calls `f` on every value the fact names.
    pub fn for_each_value(&self, f: &mut dyn FnMut(Side, Value)) {
        match self {
            Fact::Equal(a, b) => {
                a.for_each_value(f);
                b.for_each_value(f);
            }
            Fact::Holds(t) => t.for_each_value(f),
        }
    }

    /// The values of `side` the fact names.
    pub fn values_of(&self, side: Side) -> Vec<Value> {
        let mut out = Vec::new();
        self.for_each_value(&mut |s, v| {
            if s == side && !out.contains(&v) {
                out.push(v);
            }
        });
        out
    }

    /// Is the fact about the state alone (no SSA values)?
    pub fn is_state_only(&self) -> bool {
        let mut any = false;
        self.for_each_value(&mut |_, _| any = true);
        !any
    }
}

/// A fact about one function at one of its blocks, which must be a cut
/// point of the check (a loop header, or a block a [`CutPair`] names): it
/// holds every time the function arrives there. The range analysis hands
/// facts such as `i <u len` this way.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HeaderFact {
    /// The function whose block it is.
    pub side: Side,
    /// The block.
    pub block: Block,
    /// The fact, over values of `side` live at `block` and the state.
    pub fact: Fact,
}

/// A pair of corresponding cut points and the relation between the two
/// functions there.
///
/// The state (globals, memories, tables, segment flags) is equal at a pair;
/// `facts` relate the values (`src.v2 == tgt.v2`, `tgt.v7 == src.v0 + 4 *
/// src.v2`, `src.v2 <u src.v9`). Every cycle of either function must pass
/// one of its cut blocks.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct CutPair {
    /// The source's cut block.
    pub src: Block,
    /// The target's cut block.
    pub tgt: Block,
    /// The relation.
    pub facts: Vec<Fact>,
    /// How many times the source arrives at `src` while the target runs
    /// once around from `tgt` back to `tgt` (a vectorized loop: the vector
    /// factor; otherwise 1). The source passes `src` `src_steps - 1` times
    /// and is cut at the next arrival.
    pub src_steps: u32,
    /// How many times the source passes `src` when it comes from outside
    /// the innermost loop containing `src` before it is cut there (the
    /// target peeled that many iterations off the front; otherwise 0).
    pub src_entry_passes: u32,
    /// The same for the target (the source had iterations peeled that the
    /// target rolled back into the loop).
    pub tgt_entry_passes: u32,
}

impl CutPair {
    /// A lockstep pair with `facts`.
    pub fn new(src: Block, tgt: Block, facts: Vec<Fact>) -> CutPair {
        CutPair { src, tgt, facts, src_steps: 1, src_entry_passes: 0, tgt_entry_passes: 0 }
    }
}

/// How the target's loops correspond to the source's: the cut pairs.
///
/// A target run is split at its cut blocks into loop-free segments; each
/// target segment from pair `P` to pair `Q` is matched by a source segment
/// from `P.src` to `Q.src` (passing `P.src` `P.src_steps - 1` times, and
/// other cut blocks their entry passes), or, when `Q.src` is `P.src` and
/// `Q` comes after `P` in the target (a loop epilogue after a vector loop),
/// by the source staying where it is. A pair's facts must hold whenever both
/// functions arrive there together; the checker proves that and the
/// refinement of every segment, from the function entry and from every pair.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Correspondence {
    /// The pairs.
    pub pairs: Vec<CutPair>,
}

/// A fact about the module's state (no SSA values): it holds when every
/// exported function is entered and after every call returns, because
/// initialization establishes it and every function preserves it. Checked
/// by [`crate::prove_module_invariant`], which returns a
/// [`ProvedInvariant`] a refinement check can then assume.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct ModuleInvariant {
    /// The facts (state only).
    pub facts: Vec<Fact>,
}

/// A module invariant that [`crate::prove_module_invariant`] proved. Only
/// that function makes one, so a check that assumes it assumes something
/// proved.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ProvedInvariant {
    pub(crate) invariant: ModuleInvariant,
    /// What the proof covered, in words.
    pub(crate) scope: String,
}

impl ProvedInvariant {
    /// The invariant.
    pub fn invariant(&self) -> &ModuleInvariant {
        &self.invariant
    }

    /// What the proof covered (the initialization functions and the
    /// functions shown to preserve it).
    pub fn scope(&self) -> &str {
        &self.scope
    }
}

/// Everything a pass may hand a refinement check beyond the two functions.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct Certificate {
    /// How the loops correspond; `None`: the checker finds a
    /// correspondence itself (corresponding headers, then relations it
    /// infers and proves).
    pub correspondence: Option<Correspondence>,
    /// Facts at cut points of one function, added to the relation of every
    /// pair with that block.
    pub header_facts: Vec<HeaderFact>,
    /// Proved module invariants, assumed at the entry, after every call and
    /// at every cut point.
    pub module_invariants: Vec<ProvedInvariant>,
    /// Drop the header facts that cannot be proved (Houdini: each fact
    /// found false at its establishment or preservation, or undecided, is
    /// dropped and the rest proved again) instead of refuting the
    /// certificate; what remains is proved and used. For facts an analysis
    /// computed, where a true fact may still not be inductive on its own.
    pub prune_header_facts: bool,
}

impl Certificate {
    /// Is there nothing in it?
    pub fn is_empty(&self) -> bool {
        self.correspondence.is_none() && self.header_facts.is_empty() && self.module_invariants.is_empty()
    }

    /// Adds `other`'s header facts and module invariants to this one's,
    /// takes its correspondence, if it has one, and prunes header facts if
    /// either does.
    pub fn extend(&mut self, other: Certificate) {
        let Certificate { correspondence, header_facts, module_invariants, prune_header_facts } = other;
        if correspondence.is_some() {
            self.correspondence = correspondence;
        }
        self.prune_header_facts |= prune_header_facts;
        self.header_facts.extend(header_facts);
        self.module_invariants.extend(module_invariants);
    }
}

// ---------------------------------------------------------------- text form

impl fmt::Display for Term {
    /// The text form: `src.v3`, `v3` is not written (a side is always
    /// named), `(i32.const 5)`, `gv0`, `(memory.size mem0)`,
    /// `(table.size table0)`, `(i32.load8_u mem0 ADDR)`, `(entry TERM)`,
    /// `(i32.add A B)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Term::Value(s, v) => write!(f, "{}.{v}", s.name()),
            Term::Const(ty, bits) => match ty {
                Type::I32 => write!(f, "(i32.const {})", *bits as u32 as i32),
                Type::I64 => write!(f, "(i64.const {})", *bits as u64 as i64),
                Type::F32 => write!(f, "(f32.const 0x{:08x})", *bits as u32),
                Type::F64 => write!(f, "(f64.const 0x{:016x})", *bits as u64),
                other => write!(f, "({other}.const 0x{bits:x})"),
            },
            Term::Global(g) => write!(f, "{g}"),
            Term::MemorySize(m) => write!(f, "(memory.size {m})"),
            Term::TableSize(t) => write!(f, "(table.size {t})"),
            Term::TableElem(t, i) => write!(f, "(table.get {t} {i})"),
            Term::Handle(Some(func)) => write!(f, "(ref.func {func})"),
            Term::Handle(None) => write!(f, "(ref.null)"),
            Term::Load { ty, mem, addr, bytes } => {
                let full = type_bits(*ty) / 8 == u32::from(*bytes);
                let suffix = if full { String::new() } else { format!("{}_u", 8 * u32::from(*bytes)) };
                write!(f, "({ty}.load{suffix} {mem} {addr})")
            }
            Term::AtEntry(t) => write!(f, "(entry {t})"),
            Term::Op(op, args) => {
                write!(f, "({op}")?;
                for a in args {
                    write!(f, " {a}")?;
                }
                write!(f, ")")
            }
        }
    }
}

impl fmt::Display for Fact {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Fact::Equal(a, b) => write!(f, "{a} == {b}"),
            Fact::Holds(t) => write!(f, "{t}"),
        }
    }
}

// ---------------------------------------------------------------- evaluation

/// Where a term is evaluated: the values of each side, the state, the
/// state at entry, and how to apply a pure opcode.
pub(crate) struct TermCx<'a> {
    pub smt: &'a Smt,
    pub u: &'a Universe,
    pub src: Option<&'a BTreeMap<Value, BV>>,
    pub tgt: Option<&'a BTreeMap<Value, BV>>,
    pub state: &'a MachineState,
    pub entry: &'a MachineState,
}

impl TermCx<'_> {
    /// The SMT term of `t`.
    pub(crate) fn eval(&self, t: &Term) -> Result<BV, String> {
        self.eval_in(t, self.state)
    }

    fn eval_in(&self, t: &Term, st: &MachineState) -> Result<BV, String> {
        match t {
            Term::Value(side, v) => {
                let map = match side {
                    Side::Src => self.src,
                    Side::Tgt => self.tgt,
                };
                map.and_then(|m| m.get(v).cloned())
                    .ok_or_else(|| format!("`{t}` is not a value available here (a parameter or live value)"))
            }
            Term::Const(ty, bits) => Ok(crate::smt::bv_u128(*bits, type_bits(*ty))),
            Term::Global(g) => st.globals.get(g).cloned().ok_or_else(|| format!("{g} is not declared")),
            Term::MemorySize(m) => Ok(st.mems.get(m).ok_or_else(|| format!("{m} is not declared"))?.pages.clone()),
            Term::TableSize(tb) => Ok(st.tables.get(tb).ok_or_else(|| format!("{tb} is not declared"))?.size.clone()),
            Term::TableElem(tb, i) => {
                let tab = st.tables.get(tb).ok_or_else(|| format!("{tb} is not declared"))?;
                Ok(tab.elems.select(&BV::from_u64(u64::from(*i), 32)))
            }
            Term::Handle(func) => Ok(BV::from_u64(func.map_or(0, |f| u64::from(f.as_u32()) + 1), 32)),
            Term::Load { ty, mem, addr, bytes } => {
                let width = type_bits(*ty);
                if !matches!(ty, Type::I32 | Type::I64)
                    || !matches!(bytes, 1 | 2 | 4 | 8)
                    || u32::from(*bytes) * 8 > width
                {
                    return Err(format!("`{t}`: a load term reads 1, 2, 4 or 8 bytes into i32 or i64"));
                }
                let a = self.eval_in(addr, st)?;
                if a.get_size() != 32 {
                    return Err(format!("`{t}`: the address is not an i32"));
                }
                let m = st.mems.get(mem).ok_or_else(|| format!("{mem} is not declared"))?;
                let parts: Vec<BV> = (0..u32::from(*bytes))
                    .map(|j| {
                        let at = self.smt.simplify_bv(&a.bvadd(BV::from_u64(u64::from(j), 32)));
                        m.bytes.select(&at)
                    })
                    .collect();
                let v = crate::smt::join(&parts);
                Ok(if v.get_size() < width { v.zero_ext(width - v.get_size()) } else { v })
            }
            Term::AtEntry(inner) => {
                if inner.for_each_value_any() {
                    return Err(format!("`{t}`: only the state can be read at entry"));
                }
                self.eval_in(inner, self.entry)
            }
            Term::Op(op, args) => {
                let OpSig::Fixed(params, results) = op.sig() else {
                    return Err(format!("`{t}`: {op} has no fixed signature (not allowed in a certificate)"));
                };
                if !op.effects().is_pure() || op.imm_kind() != weft_ir::ImmKind::None || results.len() != 1 {
                    return Err(format!("`{t}`: {op} is not a pure operation without immediates"));
                }
                if params.len() != args.len() {
                    return Err(format!("`{t}`: {op} takes {} operands", params.len()));
                }
                let mut xs = Vec::with_capacity(args.len());
                for (a, ty) in args.iter().zip(params.iter()) {
                    let x = self.eval_in(a, st)?;
                    if x.get_size() != type_bits(*ty) {
                        return Err(format!("`{t}`: operand `{a}` is not {ty}"));
                    }
                    xs.push(x);
                }
                crate::semantics::eval_pure(self.smt, self.u, *op, &xs)
            }
        }
    }

    /// The formula of a fact.
    pub(crate) fn fact(&self, f: &Fact) -> Result<Bool, String> {
        match f {
            Fact::Equal(a, b) => {
                let (x, y) = (self.eval(a)?, self.eval(b)?);
                if x.get_size() != y.get_size() {
                    return Err(format!("`{f}`: the two sides have different widths"));
                }
                Ok(if x.ast_eq(&y) { Bool::from_bool(true) } else { x.eq(&y) })
            }
            Fact::Holds(t) => {
                let x = self.eval(t)?;
                if x.get_size() != 32 {
                    return Err(format!("`{f}`: not an i32"));
                }
                Ok(crate::smt::nonzero(&x))
            }
        }
    }
}

impl Term {
    fn for_each_value_any(&self) -> bool {
        let mut any = false;
        self.for_each_value(&mut |_, _| any = true);
        any
    }
}

/// The state facts every reachable state satisfies relative to the entry
/// state: immutable globals keep their entry values, memories and tables
/// do not shrink, dropped segments stay dropped. (Every operation and every
/// call answer keeps these, so they hold at every cut point.)
pub(crate) fn monotone_facts(st: &MachineState, entry: &MachineState) -> Vec<Bool> {
    let mut out = Vec::new();
    for (m, mem) in &st.mems {
        out.push(mem.pages.bvuge(&entry.mems[m].pages));
    }
    for (t, tab) in &st.tables {
        out.push(tab.size.bvuge(&entry.tables[t].size));
    }
    for (d, f) in &st.data_dropped {
        out.push(entry.data_dropped[d].implies(f));
    }
    for (e, f) in &st.elem_dropped {
        out.push(entry.elem_dropped[e].implies(f));
    }
    out
}

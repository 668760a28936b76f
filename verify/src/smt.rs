//! Z3 term helpers: bit-vector constants, the float bridge (bit patterns ⇄
//! Z3 floating-point terms, NaN canonicalization), integer conversions,
//! SIMD lane slicing, and `simplify` remembered per check
//! ([`Smt::simplify_bv`], so equal code gives equal terms).
//!
//! Every SSA value is a bit-vector holding its wasm bit pattern (floats
//! included, so NaN payloads survive loads, stores and reinterprets).
//! Arithmetic on floats converts to Z3's FP theory and back; a NaN result
//! becomes the canonical positive quiet NaN (see the crate docs for the NaN
//! policy).
//!
//! z3 0.22 does not expose `(_ to_fp e s)` from a bit-vector or from a
//! signed/unsigned integer. Those declarations are taken from a parsed
//! SMT-LIB term ([`Smt::new`]) and applied to our own terms, which needs no
//! unsafe code and is exactly Z3's built-in semantics.

use std::cell::RefCell;
use std::collections::HashMap;

use z3::ast::{Ast, BV, Bool, Dynamic, Float, RoundingMode};
use z3::{FuncDecl, Solver, Sort};

/// The two float formats.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum FTy {
    F32,
    F64,
}

impl FTy {
    pub(crate) fn bits(self) -> u32 {
        match self {
            FTy::F32 => 32,
            FTy::F64 => 64,
        }
    }
    fn sort(self) -> Sort {
        match self {
            FTy::F32 => Sort::float32(),
            FTy::F64 => Sort::double(),
        }
    }
    /// The canonical NaN: positive, quiet, no other payload bit.
    pub(crate) fn canonical_nan(self) -> BV {
        match self {
            FTy::F32 => BV::from_u64(0x7fc0_0000, 32),
            FTy::F64 => BV::from_u64(0x7ff8_0000_0000_0000, 64),
        }
    }
    /// Is this bit pattern a NaN?
    pub(crate) fn is_nan_bits(self, bits: &BV) -> Bool {
        let (exp_mask, frac_mask) = match self {
            FTy::F32 => (0x7f80_0000u64, 0x007f_ffffu64),
            FTy::F64 => (0x7ff0_0000_0000_0000, 0x000f_ffff_ffff_ffff),
        };
        let w = self.bits();
        let e = bits.bvand(BV::from_u64(exp_mask, w));
        let f = bits.bvand(BV::from_u64(frac_mask, w));
        Bool::and(&[e.eq(BV::from_u64(exp_mask, w)), f.eq(BV::from_u64(0, w)).not()])
    }
    /// The bits without the sign.
    pub(crate) fn magnitude(self, bits: &BV) -> BV {
        bits.bvand(self.sign_mask().bvnot())
    }
    /// Is this bit pattern a quiet NaN (exponent all ones, quiet bit set)?
    pub(crate) fn is_quiet_nan_bits(self, bits: &BV) -> Bool {
        let q = self.canonical_nan();
        bits.bvand(&q).eq(&q)
    }
    fn sign_mask(self) -> BV {
        match self {
            FTy::F32 => BV::from_u64(0x8000_0000, 32),
            FTy::F64 => BV::from_u64(0x8000_0000_0000_0000, 64),
        }
    }
}

/// The rounding modes wasm uses.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum Round {
    NearestEven,
    TowardZero,
    Up,
    Down,
}

fn rounding(r: Round) -> RoundingMode {
    match r {
        Round::NearestEven => RoundingMode::round_nearest_ties_to_even(),
        Round::TowardZero => RoundingMode::round_towards_zero(),
        Round::Up => RoundingMode::round_towards_positive(),
        Round::Down => RoundingMode::round_towards_negative(),
    }
}

/// Declarations Z3 knows but z3 0.22 does not wrap, taken from parsed terms,
/// and the check's memo of simplified terms ([`Smt::simplify_bv`]).
pub(crate) struct Smt {
    /// `(_ to_fp 8 24)` / `(_ to_fp 11 53)` of a bit-vector: reinterpret.
    from_bits: [FuncDecl; 2],
    /// `(_ to_fp e s) rm bv`: signed conversion, indexed `[float][int width]`.
    from_sint: [[FuncDecl; 2]; 2],
    /// `(_ to_fp_unsigned e s) rm bv`.
    from_uint: [[FuncDecl; 2]; 2],
    /// What `simplify` gave for each term simplified so far (the map holds
    /// both terms, so Z3 does not reuse their ids).
    simplified: RefCell<HashMap<Dynamic, Dynamic>>,
    /// How `f64` bit-pattern terms made from `f32` values were computed
    /// (see [`Wide`]).
    wide: RefCell<HashMap<Dynamic, Wide>>,
    /// Has a float term been built (see [`Smt::used_floats`])?
    used_floats: std::cell::Cell<bool>,
}

/// How an `f64` term was computed from `f32` values, so that a later
/// demotion, truncation or comparison can be taken on the `f32` values
/// instead (each an identity of IEEE arithmetic, below). Deciding
/// `demote(promote(x))` or `demote(sqrt(promote(x)))` through Z3's FP
/// theory bit-blasts `f64` circuits and took over 20 s; the `f32` term is
/// decided at once.
///
/// - promotion is exact: `demote(promote(x)) = x` (a NaN becomes the
///   canonical NaN either way), a truncation or comparison of promoted
///   values is that of the values;
/// - `f64.convert_i32_s/u` is exact, so demoting it rounds once:
///   `demote(convert64(i)) = convert32(i)`;
/// - double rounding through binary64 is innocuous for binary32 `+ - * /`
///   and `sqrt` (53 ≥ 2·24 + 2; P. Roux, "Innocuous double rounding of
///   basic arithmetic operations", 2014): `demote(op64(promote a, promote
///   b)) = op32(a, b)`; `min`/`max` select an operand, exactly.
#[derive(Clone, Debug)]
enum Wide {
    Promoted(BV),
    Op(FBin, BV, BV),
    Sqrt(BV),
    FromI32(BV, bool),
}

const DECLS_SMT2: &str = "
(declare-const a32 (_ BitVec 32))
(declare-const a64 (_ BitVec 64))
(assert (fp.isNaN ((_ to_fp 8 24) a32)))
(assert (fp.isNaN ((_ to_fp 11 53) a64)))
(assert (fp.isNaN ((_ to_fp 8 24) RNE a32)))
(assert (fp.isNaN ((_ to_fp 8 24) RNE a64)))
(assert (fp.isNaN ((_ to_fp 11 53) RNE a32)))
(assert (fp.isNaN ((_ to_fp 11 53) RNE a64)))
(assert (fp.isNaN ((_ to_fp_unsigned 8 24) RNE a32)))
(assert (fp.isNaN ((_ to_fp_unsigned 8 24) RNE a64)))
(assert (fp.isNaN ((_ to_fp_unsigned 11 53) RNE a32)))
(assert (fp.isNaN ((_ to_fp_unsigned 11 53) RNE a64)))
";

impl Smt {
    /// Reads the float conversion declarations out of a parsed SMT-LIB
    /// script in the current (thread-local) context.
    pub(crate) fn new() -> Result<Smt, String> {
        let solver = Solver::new();
        solver.from_string(DECLS_SMT2);
        let asserts = solver.get_assertions();
        if asserts.len() != 10 {
            return Err(format!("Z3 parsed {} of 10 float conversion declarations", asserts.len()));
        }
        let mut decls = Vec::with_capacity(10);
        for a in &asserts {
            let inner = a.children().into_iter().next().ok_or("float conversion term has no argument")?;
            decls.push(inner.safe_decl().map_err(|e| format!("float conversion term is not an application: {e:?}"))?);
        }
        let mut it = decls.into_iter();
        let mut next = || it.next().ok_or_else(|| "missing float conversion declaration".to_string());
        let from_bits = [next()?, next()?];
        let from_sint = [[next()?, next()?], [next()?, next()?]];
        let from_uint = [[next()?, next()?], [next()?, next()?]];
        Ok(Smt {
            from_bits,
            from_sint,
            from_uint,
            simplified: RefCell::new(HashMap::new()),
            wide: RefCell::new(HashMap::new()),
            used_floats: std::cell::Cell::new(false),
        })
    }

    /// Z3's `simplify` of `t`, remembered: the same term always gets the
    /// same answer during one check.
    ///
    /// Simplifying one (hash-consed) term twice can give two different,
    /// equivalent terms: the shape of Z3's answer depends on the context's
    /// state, such as the ids of the terms it creates, and ids of freed
    /// terms are reused. The source and
    /// the target of a check build the same terms for the same code;
    /// without the memo their memory addresses came out in different
    /// shapes, so a load that one side resolved to the stored bytes stayed
    /// an `ite` on the other, identical observations reached Z3 as
    /// different terms, and `prepend_alloc` against itself timed out. Every
    /// answer is Z3's simplification of its key, an equivalent term, so
    /// using it is sound.
    fn simplify_dyn(&self, t: Dynamic) -> Dynamic {
        if let Some(s) = self.simplified.borrow().get(&t) {
            return s.clone();
        }
        let s = t.simplify();
        self.simplified.borrow_mut().insert(t, s.clone());
        s
    }

    /// [`Smt::simplify_dyn`] of a bit-vector.
    pub(crate) fn simplify_bv(&self, t: &BV) -> BV {
        self.simplify_dyn(Dynamic::from_ast(t)).as_bv().expect("simplify keeps the sort")
    }

    /// [`Smt::simplify_dyn`] of a Boolean.
    pub(crate) fn simplify_bool(&self, t: &Bool) -> Bool {
        self.simplify_dyn(Dynamic::from_ast(t)).as_bool().expect("simplify keeps the sort")
    }

    fn fidx(t: FTy) -> usize {
        match t {
            FTy::F32 => 0,
            FTy::F64 => 1,
        }
    }

    /// The float whose IEEE bit pattern is `bits` (every NaN pattern maps to
    /// Z3's single NaN).
    pub(crate) fn float(&self, t: FTy, bits: &BV) -> Float {
        self.used_floats.set(true);
        self.from_bits[Self::fidx(t)].apply(&[bits]).as_float().expect("to_fp yields a float")
    }

    /// The bit pattern of a float result: NaN becomes the canonical NaN.
    pub(crate) fn bits(&self, t: FTy, f: &Float) -> BV {
        f.is_nan().ite(&t.canonical_nan(), &f.to_ieee_bv())
    }

    /// Has this check built a float term (so its queries are float queries)?
    pub(crate) fn used_floats(&self) -> bool {
        self.used_floats.get()
    }

    /// Converts an integer (signed or not) to a float, rounding to nearest.
    pub(crate) fn int_to_float(&self, t: FTy, x: &BV, signed: bool) -> Float {
        self.used_floats.set(true);
        let w = if x.get_size() == 32 { 0 } else { 1 };
        let decl = if signed { &self.from_sint[Self::fidx(t)][w] } else { &self.from_uint[Self::fidx(t)][w] };
        let rm = RoundingMode::round_nearest_ties_to_even();
        decl.apply(&[&rm, x]).as_float().expect("to_fp yields a float")
    }

    // ------------------------------------------------------------ float ops

    /// Records that `other` is a NaN exactly where `r` is and equals `r`
    /// elsewhere (an exact-mode NaN choice in place of the canonical NaN), so
    /// the `f32` shortcuts apply to it as to `r`.
    pub(crate) fn same_value(&self, r: &BV, other: &BV) {
        let key = Dynamic::from_ast(r);
        let w = self.wide.borrow().get(&key).cloned();
        if let Some(w) = w {
            self.wide.borrow_mut().insert(Dynamic::from_ast(other), w);
        }
    }

    fn wide_of(&self, x: &BV) -> Option<Wide> {
        self.wide.borrow().get(&Dynamic::from_ast(x)).cloned()
    }

    fn promoted(&self, x: &BV) -> Option<BV> {
        match self.wide_of(x) {
            Some(Wide::Promoted(v)) => Some(v),
            _ => None,
        }
    }

    fn note_wide(&self, r: &BV, how: Wide) -> BV {
        self.wide.borrow_mut().insert(Dynamic::from_ast(r), how);
        r.clone()
    }

    /// Unary float arithmetic on bit patterns.
    pub(crate) fn f_unop(&self, t: FTy, op: FUn, a: &BV) -> BV {
        if t == FTy::F64
            && op == FUn::Sqrt
            && let Some(x) = self.promoted(a)
        {
            let r = self.f_unop_fp(t, op, a);
            return self.note_wide(&r, Wide::Sqrt(x));
        }
        self.f_unop_fp(t, op, a)
    }

    fn f_unop_fp(&self, t: FTy, op: FUn, a: &BV) -> BV {
        match op {
            FUn::Abs => a.bvand(t.sign_mask().bvnot()),
            FUn::Neg => a.bvxor(t.sign_mask()),
            FUn::Sqrt => {
                let f = self.float(t, a).sqrt_with_rounding_mode(&rounding(Round::NearestEven));
                self.bits(t, &f)
            }
            FUn::Round(r) => {
                let f = self.float(t, a).round_to_integral_with_rounding_mode(&rounding(r));
                self.bits(t, &f)
            }
        }
    }

    /// Binary float arithmetic on bit patterns.
    pub(crate) fn f_binop(&self, t: FTy, op: FBin, a: &BV, b: &BV) -> BV {
        // Commutative operations get their operands in a canonical order, so
        // `a + b` and `b + a` are the same term: Z3 does not normalize FP
        // terms, and proving an f64 adder commutative by bit-blasting is slow.
        let (a, b) = if matches!(op, FBin::Add | FBin::Mul | FBin::Min | FBin::Max) { ordered(a, b) } else { (a, b) };
        if t == FTy::F64
            && matches!(op, FBin::Add | FBin::Sub | FBin::Mul | FBin::Div | FBin::Min | FBin::Max)
            && let (Some(x), Some(y)) = (self.promoted(a), self.promoted(b))
        {
            let r = self.f_binop_fp(t, op, a, b);
            return self.note_wide(&r, Wide::Op(op, x, y));
        }
        self.f_binop_fp(t, op, a, b)
    }

    fn f_binop_fp(&self, t: FTy, op: FBin, a: &BV, b: &BV) -> BV {
        let rne = rounding(Round::NearestEven);
        match op {
            FBin::Copysign => a.bvand(t.sign_mask().bvnot()).bvor(b.bvand(t.sign_mask())),
            FBin::Add => self.bits(t, &self.float(t, a).add_with_rounding_mode(self.float(t, b), &rne)),
            FBin::Sub => self.bits(t, &self.float(t, a).sub_with_rounding_mode(self.float(t, b), &rne)),
            FBin::Mul => self.bits(t, &self.float(t, a).mul_with_rounding_mode(self.float(t, b), &rne)),
            FBin::Div => self.bits(t, &self.float(t, a).div_with_rounding_mode(self.float(t, b), &rne)),
            FBin::Min | FBin::Max => {
                let (fa, fb) = (self.float(t, a), self.float(t, b));
                let any_nan = Bool::or(&[fa.is_nan(), fb.is_nan()]);
                let both_zero = Bool::and(&[fa.is_zero(), fb.is_zero()]);
                // IEEE min/max leave the sign of min(-0, +0) open; wasm fixes it.
                let (zero_case, pick) = if op == FBin::Min {
                    (a.bvor(b), fa.lt(&fb).ite(a, b))
                } else {
                    (a.bvand(b), fa.gt(&fb).ite(a, b))
                };
                any_nan.ite(&t.canonical_nan(), &both_zero.ite(&zero_case, &pick))
            }
            FBin::PMin => self.float(t, b).lt(self.float(t, a)).ite(b, a),
            FBin::PMax => self.float(t, a).lt(self.float(t, b)).ite(b, a),
        }
    }

    /// Float comparison of bit patterns (IEEE: NaN is unordered, -0 == +0).
    pub(crate) fn f_cmp(&self, t: FTy, op: FCmp, a: &BV, b: &BV) -> Bool {
        if t == FTy::F64
            && let (Some(x), Some(y)) = (self.promoted(a), self.promoted(b))
        {
            return self.f_cmp(FTy::F32, op, &x, &y);
        }
        let (a, b) = if matches!(op, FCmp::Eq | FCmp::Ne) { ordered(a, b) } else { (a, b) };
        let (fa, fb) = (self.float(t, a), self.float(t, b));
        match op {
            FCmp::Eq => fa.eq_fpa(&fb),
            FCmp::Ne => fa.eq_fpa(&fb).not(),
            FCmp::Lt => fa.lt(&fb),
            FCmp::Gt => fa.gt(&fb),
            FCmp::Le => fa.le(&fb),
            FCmp::Ge => fa.ge(&fb),
        }
    }

    /// Float format conversion (`demote`/`promote`), NaN canonicalized.
    pub(crate) fn f_convert(&self, from: FTy, to: FTy, a: &BV) -> BV {
        if from == FTy::F64 && to == FTy::F32 {
            match self.wide_of(a) {
                Some(Wide::Promoted(x)) => return FTy::F32.is_nan_bits(&x).ite(&FTy::F32.canonical_nan(), &x),
                Some(Wide::Op(op, x, y)) => return self.f_binop(FTy::F32, op, &x, &y),
                Some(Wide::Sqrt(x)) => return self.f_unop(FTy::F32, FUn::Sqrt, &x),
                Some(Wide::FromI32(i, signed)) => return self.f_from_int(FTy::F32, &i, signed),
                None => {}
            }
        }
        let f = self.float(from, a).to_fp_with_rounding_mode(&rounding(Round::NearestEven), &to.sort());
        let r = self.bits(to, &f);
        if from == FTy::F32 && to == FTy::F64 {
            return self.note_wide(&r, Wide::Promoted(a.clone()));
        }
        r
    }

    /// Integer to float conversion, as bits.
    pub(crate) fn f_from_int(&self, to: FTy, x: &BV, signed: bool) -> BV {
        // An integer converts to a number, never to NaN: the bits need no
        // NaN case.
        let r = self.int_to_float(to, x, signed).to_ieee_bv();
        if to == FTy::F64 && x.get_size() == 32 {
            return self.note_wide(&r, Wide::FromI32(x.clone(), signed));
        }
        r
    }

    /// Float to integer truncation: returns `(in_range, result)`; the result
    /// is meaningful only when `in_range` (NaN and overflow trap in wasm).
    pub(crate) fn f_trunc(&self, from: FTy, a: &BV, width: u32, signed: bool) -> (Bool, BV) {
        if from == FTy::F64
            && let Some(x) = self.promoted(a)
        {
            return self.f_trunc(FTy::F32, &x, width, signed);
        }
        let f = self.float(from, a);
        let r = f.round_to_integral_with_rounding_mode(&rounding(Round::TowardZero));
        let (lo, hi) = int_range_as_float(from, width, signed);
        let in_range = Bool::and(&[f.is_nan().not(), r.ge(&lo), r.lt(&hi)]);
        let rtz = rounding(Round::TowardZero);
        let v =
            if signed { r.to_sbv_with_rounding_mode(&rtz, width) } else { r.to_ubv_with_rounding_mode(&rtz, width) };
        (in_range, v)
    }

    /// Saturating float to integer truncation (NaN gives 0).
    pub(crate) fn f_trunc_sat(&self, from: FTy, a: &BV, width: u32, signed: bool) -> BV {
        if from == FTy::F64
            && let Some(x) = self.promoted(a)
        {
            return self.f_trunc_sat(FTy::F32, &x, width, signed);
        }
        let f = self.float(from, a);
        let r = f.round_to_integral_with_rounding_mode(&rounding(Round::TowardZero));
        let (lo, hi) = int_range_as_float(from, width, signed);
        let rtz = rounding(Round::TowardZero);
        let v =
            if signed { r.to_sbv_with_rounding_mode(&rtz, width) } else { r.to_ubv_with_rounding_mode(&rtz, width) };
        let (min, max) = if signed {
            (BV::from_u64(1, width).bvshl(BV::from_u64(u64::from(width - 1), width)), int_max(width, true))
        } else {
            (BV::from_u64(0, width), int_max(width, false))
        };
        f.is_nan().ite(&BV::from_u64(0, width), &r.lt(&lo).ite(&min, &r.ge(&hi).ite(&max, &v)))
    }
}

/// The two terms in a canonical order (by Z3's structural hash, which is
/// deterministic).
fn ordered<'t>(a: &'t BV, b: &'t BV) -> (&'t BV, &'t BV) {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let key = |x: &BV| {
        let mut h = DefaultHasher::new();
        x.hash(&mut h);
        h.finish()
    };
    if key(b) < key(a) { (b, a) } else { (a, b) }
}

/// `[lo, hi)` of an integer type as exact floats (powers of two).
fn int_range_as_float(t: FTy, width: u32, signed: bool) -> (Float, Float) {
    let (lo, hi) = if signed {
        (-(2f64.powi(width as i32 - 1)), 2f64.powi(width as i32 - 1))
    } else {
        (0.0, 2f64.powi(width as i32))
    };
    match t {
        FTy::F32 => (Float::from_f32(lo as f32), Float::from_f32(hi as f32)),
        FTy::F64 => (Float::from_f64(lo), Float::from_f64(hi)),
    }
}

fn int_max(width: u32, signed: bool) -> BV {
    let ones = BV::from_i64(-1, width);
    if signed { ones.bvlshr(BV::from_u64(1, width)) } else { ones }
}

/// Unary float operations.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum FUn {
    Abs,
    Neg,
    Sqrt,
    Round(Round),
}

/// Binary float operations.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum FBin {
    Add,
    Sub,
    Mul,
    Div,
    Min,
    Max,
    PMin,
    PMax,
    Copysign,
}

/// Float comparisons.
#[derive(Copy, Clone, PartialEq, Eq, Debug)]
pub(crate) enum FCmp {
    Eq,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
}

/// `a ∧ b`, folding constants.
pub(crate) fn and2(a: &Bool, b: &Bool) -> Bool {
    match (a.as_bool(), b.as_bool()) {
        (Some(false), _) | (_, Some(false)) => Bool::from_bool(false),
        (Some(true), _) => b.clone(),
        (_, Some(true)) => a.clone(),
        _ => Bool::and(&[a, b]),
    }
}

/// `a ∨ b ∨ ...`, folding constants.
pub(crate) fn or_all(xs: &[Bool]) -> Bool {
    let mut keep = Vec::new();
    for x in xs {
        match x.as_bool() {
            Some(true) => return Bool::from_bool(true),
            Some(false) => {}
            None => keep.push(x.clone()),
        }
    }
    match keep.len() {
        0 => Bool::from_bool(false),
        1 => keep.pop().expect("one"),
        _ => Bool::or(&keep),
    }
}

// ------------------------------------------------------------------ integers

/// A constant of `width` bits from the low bits of `x`.
pub(crate) fn bv_u128(x: u128, width: u32) -> BV {
    if width <= 64 {
        BV::from_u64(x as u64, width)
    } else {
        let hi = BV::from_u64((x >> 64) as u64, width - 64);
        let lo = BV::from_u64(x as u64, 64);
        hi.concat(&lo)
    }
}

/// `cond ? 1 : 0` as an i32.
pub(crate) fn bool_to_i32(b: &Bool) -> BV {
    b.ite(&BV::from_u64(1, 32), &BV::from_u64(0, 32))
}

/// Is `x` non-zero?
pub(crate) fn nonzero(x: &BV) -> Bool {
    x.eq(BV::from_u64(0, x.get_size())).not()
}

/// Count leading zeros by binary search (log2 width steps of ites).
pub(crate) fn clz(x: &BV) -> BV {
    let w = x.get_size();
    let mut n = BV::from_u64(0, w);
    let mut v = x.clone();
    let mut step = w / 2;
    while step > 0 {
        let top = v.extract(w - 1, w - step);
        let zero = top.eq(BV::from_u64(0, step));
        n = zero.ite(&n.bvadd(BV::from_u64(u64::from(step), w)), &n);
        v = zero.ite(&v.bvshl(BV::from_u64(u64::from(step), w)), &v);
        step /= 2;
    }
    // After the search, v's top bit is set unless x was zero.
    x.eq(BV::from_u64(0, w)).ite(&BV::from_u64(u64::from(w), w), &n)
}

/// Count trailing zeros by binary search.
pub(crate) fn ctz(x: &BV) -> BV {
    let w = x.get_size();
    let mut n = BV::from_u64(0, w);
    let mut v = x.clone();
    let mut step = w / 2;
    while step > 0 {
        let low = v.extract(step - 1, 0);
        let zero = low.eq(BV::from_u64(0, step));
        n = zero.ite(&n.bvadd(BV::from_u64(u64::from(step), w)), &n);
        v = zero.ite(&v.bvlshr(BV::from_u64(u64::from(step), w)), &v);
        step /= 2;
    }
    x.eq(BV::from_u64(0, w)).ite(&BV::from_u64(u64::from(w), w), &n)
}

/// Population count (SWAR, additions and masks only).
pub(crate) fn popcnt(x: &BV) -> BV {
    let w = x.get_size();
    let masks: [(u64, u32); 6] = [
        (0x5555_5555_5555_5555, 1),
        (0x3333_3333_3333_3333, 2),
        (0x0f0f_0f0f_0f0f_0f0f, 4),
        (0x00ff_00ff_00ff_00ff, 8),
        (0x0000_ffff_0000_ffff, 16),
        (0x0000_0000_ffff_ffff, 32),
    ];
    let mut v = x.clone();
    for (mask, shift) in masks {
        if shift >= w {
            break;
        }
        let m = BV::from_u64(mask, w);
        v = v.bvand(&m).bvadd(v.bvlshr(BV::from_u64(u64::from(shift), w)).bvand(&m));
    }
    v
}

/// `x` shifted by `amount mod width` (wasm shift semantics).
pub(crate) fn shift_amount(amount: &BV, width: u32) -> BV {
    let a = if amount.get_size() == width {
        amount.clone()
    } else if amount.get_size() > width {
        amount.extract(width - 1, 0)
    } else {
        amount.zero_ext(width - amount.get_size())
    };
    a.bvand(BV::from_u64(u64::from(width - 1), width))
}

// ---------------------------------------------------------------------- SIMD

/// The lanes of a 128-bit vector, lane 0 first (lowest bits).
pub(crate) fn lanes(v: &BV, lane_bits: u32) -> Vec<BV> {
    (0..128 / lane_bits).map(|i| v.extract(lane_bits * i + lane_bits - 1, lane_bits * i)).collect()
}

/// A vector from lanes, lane 0 first.
pub(crate) fn join(lanes: &[BV]) -> BV {
    let mut it = lanes.iter().rev();
    let mut acc = it.next().expect("at least one lane").clone();
    for l in it {
        acc = acc.concat(l);
    }
    acc
}

/// Signed or unsigned saturation of a wide value to `bits`.
pub(crate) fn saturate(x: &BV, bits: u32, signed: bool) -> BV {
    let w = x.get_size();
    if signed {
        let max = BV::from_i64((1i64 << (bits - 1)) - 1, w);
        let min = BV::from_i64(-(1i64 << (bits - 1)), w);
        x.bvsgt(&max).ite(&max, &x.bvslt(&min).ite(&min, x)).extract(bits - 1, 0)
    } else {
        let max = BV::from_u64((1u64 << bits) - 1, w);
        let zero = BV::from_u64(0, w);
        x.bvsgt(&max).ite(&max, &x.bvslt(&zero).ite(&zero, x)).extract(bits - 1, 0)
    }
}

/// Widens a lane to `to` bits, signed or not.
pub(crate) fn widen(x: &BV, to: u32, signed: bool) -> BV {
    let w = x.get_size();
    if to == w {
        x.clone()
    } else if signed {
        x.sign_ext(to - w)
    } else {
        x.zero_ext(to - w)
    }
}

//! `instcombine`: peephole rewrites from a table of rules, each proved once
//! for all inputs.
//!
//! Each entry of [`RULES`] names the opcodes it applies to and recognizes
//! an instruction by its operands (and the instructions defining them); it
//! gives a [`Rewrite`]: the result is an operand (or another existing
//! value), an integer constant, or a new instruction over existing values
//! and constants. The instruction is then removed, its result an alias of
//! the replacement; constants it needs are inserted right before it. An
//! operand that becomes unused stays for `dce`. The rules (`c`, `c1`, `c2`
//! constant operands, `w` the bit width; integer rules apply to `i32` and
//! `i64`; "one use" means the inner instruction's result has no other use,
//! so the rewrite never keeps both forms alive):
//!
//! | rule | rewrite |
//! |---|---|
//! | `select-same-arms` | `select a, a, c` → `a` (any type: `select` moves bits) |
//! | `add-zero` | `x + 0`, `0 + x` → `x` |
//! | `sub-zero` | `x - 0` → `x` |
//! | `mul-one` | `x * 1`, `1 * x` → `x` |
//! | `div-one` | `x / 1` → `x` (`div_s`, `div_u`: a divisor of 1 never traps) |
//! | `and-all-ones` | `x & -1`, `-1 & x` → `x` |
//! | `and-self` | `x & x` → `x` |
//! | `or-zero` | `x \| 0`, `0 \| x` → `x` |
//! | `or-self` | `x \| x` → `x` |
//! | `xor-zero` | `x ^ 0`, `0 ^ x` → `x` |
//! | `shift-by-width` | `x op c` → `x` for `shl`, `shr_s`, `shr_u`, `rotl`, `rotr` with `c mod w = 0` (wasm takes the amount mod `w`) |
//! | `absorb` | `x * 0`, `x & 0` → `0`; `x \| -1` → `-1` (either operand order) |
//! | `self-cancel` | `x - x`, `x ^ x` → `0` |
//! | `commute-constant` | `c op x` → `x op c` for `add`, `mul`, `and`, `or`, `xor`, `eq`, `ne` (`x` not a constant) |
//! | `compare-constant-left` | `c < x` → `x > c`, and so on for `lt`/`gt`/`le`/`ge`, signed and unsigned |
//! | `compare-zero` | `x == 0`, `x <u 1`, `x <=u 0` → `eqz x` |
//! | `mul-pow2` | `x * 2^k` → `x << k` (`1 <= k < w`; the constant read as unsigned) |
//! | `div-u-pow2` | `x /u 2^k` → `x >>u k` (`1 <= k < w`: a non-zero divisor never traps; signed division is not a shift) |
//! | `rem-u-pow2` | `x %u 2^k` → `x & (2^k - 1)` (`0 <= k < w`) |
//! | `reassociate` | `(x op c1) op c2` → `x op (c1 op c2)` for `add`, `mul`, `and`, `or`, `xor` (wrapping; inner one use) |
//! | `shift-shift` | `(x op c1) op c2` with `a = c1 mod w`, `b = c2 mod w`: `x op (a + b)` when `a + b < w`, else `0` for `shl`/`shr_u` and `x >>s (w - 1)` for `shr_s`; `rotl`/`rotr` by `(a + b) mod w` (inner one use) |
//! | `eqz-compare` | `i32.eqz (a cmp b)` → `a !cmp b` for integer compares (inner one use; float compares are not inverted: NaN) |
//! | `eqz-eqz-bool` | `i32.eqz (i32.eqz b)` → `b` when `b` is 0 or 1 (a compare, `eqz`) |
//! | `select-bool` | `select 1, 0, c` → `c` when `c` is 0 or 1, else `c != 0`; `select 0, 1, c` → `i32.eqz c` (`i32` arms) |
//! | `select-eqz` | `select a, b, (i32.eqz c)` → `select b, a, c` |
//! | `wrap-extend` | `i32.wrap_i64 (i64.extend_i32_u x)`, `..._s x` → `x` |
//! | `neg-neg` | `fneg (fneg x)` → `x` (`neg` flips the sign bit only, NaNs included) |
//!
//! The first rule in table order that applies to an instruction wins. No
//! rule grows code: each removes an instruction, replaces one by one (a
//! constant becomes a shift amount or a mask no longer than it in LEB128),
//! or swaps operands; the rules with an inner instruction require that
//! instruction to have one use, so it dies with the rewrite. Float rules
//! are only those exact for every bit pattern: `x + 0.0` is `+0.0` for
//! `x = -0.0`, and even `x + -0.0` or `x * 1.0` turn a NaN operand's
//! payload into the canonical NaN, which memory or `reinterpret` can
//! observe; `eqz (a < b)` is not `a >= b` when an operand is a NaN.
//! Folding constant operands is `sccp`'s job, removing copies
//! `copy-prop`'s.
//!
//! ```text
//! block0(v0: i32, v1: i32):               block0(v0: i32, v1: i32):
//!     v2 = i32.const 0                        v2 = i32.const 0
//!     v3 = i32.const 8                        v3 = i32.const 8
//!     v4 = i32.add v0, v2          =>         v8 = i32.const 3
//!     v5 = select v4, v4, v1                  v9 = i32.shl v0, v8
//!     v6 = i32.mul v3, v5                     return v9
//!     return v6
//! ```
//! (`v4` is `v0`, so `v5` is `select v0, v0, v1`, which is `v0` too; `v6`
//! becomes `v7 = i32.mul v0, v3` with the constant on the right, then
//! `v0 << 3`; the old constants stay for `dce`.)
//!
//! Preconditions: the function passes the structural verifier. Analyses
//! used: use counts (`cfg_edit::use_counts`, once per round). Preserves
//! the CFG, dominator tree and loop analysis (only instructions that are
//! not branches are replaced; new ones sit right before them).
//!
//! Verification obligation: the target refines the source with the same
//! events: a removed instruction is pure or a division by a constant that
//! cannot trap (1, or a power of two), and its replacement is pure and
//! equal to it for every input. Each rule carries a [`Proof`]: source
//! patterns in text IR, instantiated for each type and each class of its
//! constants (every power of two, every multiple of the width that matters,
//! edge values), rewritten by the rule itself and proved by `weft-verify`
//! (`passes/tests/instcombine_rules.rs`, which iterates [`RULES`], so no
//! rule escapes its proof; wrong rules are refuted there too). Every
//! application is also checked per function by `weft-verify` under
//! `--verify`.
//!
//! Complexity: O(instructions) per round (use counts included), each rule
//! O(1); rounds repeat until one changes nothing, at most [`MAX_ROUNDS`];
//! one to three in practice.

use cranelift_entity::SecondaryMap;
use weft_ir::cfg_edit::use_counts;
use weft_ir::{Block, Function, Imm, Inst, InstructionData, Opcode, Type, Value};

use crate::{Changed, PassCx, Preserved};

/// The `instcombine` pass.
pub struct InstCombine;

/// The most rounds one run makes; every rule shrinks the function or
/// moves a constant right, so a fixed point comes long before.
pub const MAX_ROUNDS: usize = 16;

/// What a rule sees of an instruction.
pub struct Site<'a> {
    /// The function.
    pub func: &'a Function,
    /// The instruction's opcode.
    pub opcode: Opcode,
    /// Its operands (valid values).
    pub args: &'a [Value],
    /// Uses of every value (through aliases) at the start of the round; a
    /// value made during the round has none.
    pub uses: &'a SecondaryMap<Value, u32>,
}

impl Site<'_> {
    /// The integer constant `v` is, sign-extended from its width.
    pub fn constant(&self, v: Value) -> Option<i64> {
        self.func.dfg.int_const(v)
    }

    /// The opcode and operands of the instruction defining `v`.
    pub fn def(&self, v: Value) -> Option<(Opcode, &[Value])> {
        let inst = self.func.dfg.value_inst(v)?;
        let InstructionData::Op { opcode, args, .. } = &self.func.dfg.insts[inst] else { return None };
        Some((*opcode, args.as_slice(&self.func.dfg.value_lists)))
    }

    /// Is `v` used exactly once?
    pub fn one_use(&self, v: Value) -> bool {
        self.uses[self.func.dfg.resolve_aliases(v)] == 1
    }

    /// Do `a` and `b` resolve to the same value?
    pub fn same(&self, a: Value, b: Value) -> bool {
        self.func.dfg.resolve_aliases(a) == self.func.dfg.resolve_aliases(b)
    }

    /// The bit width of `v`'s type (0 for a non-integer type).
    pub fn width(&self, v: Value) -> u32 {
        match self.func.dfg.value_type(v) {
            Type::I32 => 32,
            Type::I64 => 64,
            _ => 0,
        }
    }
}

/// What an instruction's result becomes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Rewrite {
    /// An existing value.
    Value(Value),
    /// An integer constant of the result's type.
    Const(i64),
    /// A new instruction (no immediate) over these operands.
    Op(Opcode, Vec<Operand>),
}

/// An operand of a new instruction.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Operand {
    /// An existing value.
    Value(Value),
    /// An integer constant, of the type of the first [`Operand::Value`].
    Const(i64),
}

/// A rewrite rule.
pub struct Rule {
    /// The rule's name, as in the table of the module docs.
    pub name: &'static str,
    /// The opcodes it looks at.
    pub opcodes: &'static [Opcode],
    /// The rewrite, if the rule applies.
    pub apply: fn(&Site<'_>) -> Option<Rewrite>,
    /// The patterns its proof instantiates.
    pub proof: Proof,
}

/// The source patterns of a rule's proof: text IR functions in which `{t}`
/// stands for each of `types` and `{c1}`, `{c2}` for each pair of
/// `constants(t)`. The rule must rewrite every instance somewhere, and the
/// rewritten function must refine the instance for all inputs.
pub struct Proof {
    /// The patterns.
    pub patterns: &'static [&'static str],
    /// The types `{t}` takes.
    pub types: &'static [Type],
    /// The pairs `{c1}`, `{c2}` take for a type (each in the type's signed
    /// range, as the text IR writes constants).
    pub constants: fn(Type) -> Vec<[i64; 2]>,
}

impl Proof {
    /// Every instance of every pattern, as text.
    pub fn instances(&self) -> Vec<String> {
        let mut out = Vec::new();
        for pattern in self.patterns {
            for &ty in self.types {
                for [c1, c2] in (self.constants)(ty) {
                    out.push(
                        pattern
                            .replace("{t}", &ty.to_string())
                            .replace("{c1}", &c1.to_string())
                            .replace("{c2}", &c2.to_string()),
                    );
                }
            }
        }
        out
    }
}

use Opcode as O;

const INTS: &[Type] = &[Type::I32, Type::I64];
const I32_ONLY: &[Type] = &[Type::I32];

/// `v` as the type writes it: sign-extended from the type's width.
fn normalize(ty: Type, v: i64) -> i64 {
    if ty == Type::I32 { i64::from(v as i32) } else { v }
}

fn width_of(ty: Type) -> i64 {
    if ty == Type::I32 { 32 } else { 64 }
}

/// No constants: one instance per type.
fn no_constants(_: Type) -> Vec<[i64; 2]> {
    vec![[0, 0]]
}

/// `c1` each multiple of the width that is a distinct shift amount class:
/// 0, `w`, `2w`, `-w`.
fn width_multiples(ty: Type) -> Vec<[i64; 2]> {
    let w = width_of(ty);
    [0, w, 2 * w, -w].map(|c| [c, 0]).to_vec()
}

/// `c1 = 2^k`, `c2 = k` for every `k < w`.
fn powers_of_two(ty: Type) -> Vec<[i64; 2]> {
    (0..width_of(ty)).map(|k| [normalize(ty, 1i64 << k), k]).collect()
}

/// [`powers_of_two`] but 1.
fn powers_of_two_above_one(ty: Type) -> Vec<[i64; 2]> {
    powers_of_two(ty).split_off(1)
}

/// Pairs of edge values and bit patterns.
fn constant_pairs(ty: Type) -> Vec<[i64; 2]> {
    let pairs: [[i64; 2]; 10] = [
        [0, 0],
        [1, -1],
        [-1, -1],
        [1, 2],
        [i64::MIN, i64::MIN],
        [i64::MAX, 1],
        [0x5a5a_5a5a_5a5a_5a5a, 0x0f0f_0f0f_0f0f_0f0f],
        [0x7fff_ffff, 0x7fff_ffff],
        [-0x8000_0000, 0x1_0000_0003],
        [12345, -777],
    ];
    pairs
        .iter()
        .map(|p| p.map(|c| normalize(ty, if ty == Type::I32 && c == i64::MIN { -0x8000_0000 } else { c })))
        .collect()
}

/// Shift amounts below, at and past the width, and -1 (the width minus 1).
fn shift_pairs(ty: Type) -> Vec<[i64; 2]> {
    let w = width_of(ty);
    let amounts = [1, w / 2, w - 1, w + 1, -1];
    amounts.iter().flat_map(|&a| amounts.iter().map(move |&b| [a, b])).collect()
}

/// A function of one `{t}` parameter returning `v2 = {t}.OP v0, v1` with
/// `v1 = {t}.const {c1}`.
macro_rules! binary_pattern {
    ($op:literal) => {
        concat!(
            "function %f({t}) -> {t} {\nblock0(v0: {t}):\n    v1 = {t}.const {c1}\n    v2 = {t}.",
            $op,
            " v0, v1\n    return v2\n}\n"
        )
    };
}

/// As [`binary_pattern!`] with the constant on the left.
macro_rules! binary_pattern_left {
    ($op:literal) => {
        concat!(
            "function %f({t}) -> {t} {\nblock0(v0: {t}):\n    v1 = {t}.const {c1}\n    v2 = {t}.",
            $op,
            " v1, v0\n    return v2\n}\n"
        )
    };
}

/// `(x OP c1) OP c2`.
macro_rules! chain_pattern {
    ($op:literal) => {
        concat!(
            "function %f({t}) -> {t} {\nblock0(v0: {t}):\n    v1 = {t}.const {c1}\n    v2 = {t}.",
            $op,
            " v0, v1\n    v3 = {t}.const {c2}\n    v4 = {t}.",
            $op,
            " v2, v3\n    return v4\n}\n"
        )
    };
}

/// A compare `v1 OP v0` of two `{t}` parameters... with a constant left.
macro_rules! compare_pattern_left {
    ($op:literal) => {
        concat!(
            "function %f({t}) -> i32 {\nblock0(v0: {t}):\n    v1 = {t}.const {c1}\n    v2 = {t}.",
            $op,
            " v1, v0\n    return v2\n}\n"
        )
    };
}

/// `i32.eqz (a OP b)` over two `{t}` parameters.
macro_rules! eqz_compare_pattern {
    ($op:literal) => {
        concat!(
            "function %f({t}, {t}) -> i32 {\nblock0(v0: {t}, v1: {t}):\n    v2 = {t}.",
            $op,
            " v0, v1\n    v3 = i32.eqz v2\n    return v3\n}\n"
        )
    };
}

/// Every rule, in the order they are tried (see the module docs).
pub static RULES: &[Rule] = &[
    // `select a, a, c` chooses between two equal values.
    Rule {
        name: "select-same-arms",
        opcodes: &[O::Select],
        apply: select_same_arms,
        proof: Proof {
            patterns: &[
                "function %f({t}, i32) -> {t} {\nblock0(v0: {t}, v1: i32):\n    v2 = select v0, v0, v1\n    return v2\n}\n",
            ],
            types: &[Type::I32, Type::I64, Type::F32, Type::F64],
            constants: no_constants,
        },
    },
    // 0 is the identity of wrapping addition.
    Rule {
        name: "add-zero",
        opcodes: &[O::I32Add, O::I64Add],
        apply: |s| either_constant(s, 0),
        proof: Proof {
            patterns: &[binary_pattern!("add"), binary_pattern_left!("add")],
            types: INTS,
            constants: |_| vec![[0, 0]],
        },
    },
    // Subtracting 0 leaves `x`; `0 - x` is a negation, not an identity.
    Rule {
        name: "sub-zero",
        opcodes: &[O::I32Sub, O::I64Sub],
        apply: |s| right_constant(s, 0),
        proof: Proof { patterns: &[binary_pattern!("sub")], types: INTS, constants: |_| vec![[0, 0]] },
    },
    // 1 is the identity of wrapping multiplication.
    Rule {
        name: "mul-one",
        opcodes: &[O::I32Mul, O::I64Mul],
        apply: |s| either_constant(s, 1),
        proof: Proof {
            patterns: &[binary_pattern!("mul"), binary_pattern_left!("mul")],
            types: INTS,
            constants: |_| vec![[1, 0]],
        },
    },
    // Dividing by 1 gives `x` and never traps, not even for the minimum
    // value (only a divisor of -1 overflows).
    Rule {
        name: "div-one",
        opcodes: &[O::I32DivS, O::I32DivU, O::I64DivS, O::I64DivU],
        apply: |s| right_constant(s, 1),
        proof: Proof {
            patterns: &[binary_pattern!("div_s"), binary_pattern!("div_u")],
            types: INTS,
            constants: |_| vec![[1, 0]],
        },
    },
    // All ones is the identity of `and` (constants are sign-extended, so
    // -1 is all ones in both widths).
    Rule {
        name: "and-all-ones",
        opcodes: &[O::I32And, O::I64And],
        apply: |s| either_constant(s, -1),
        proof: Proof {
            patterns: &[binary_pattern!("and"), binary_pattern_left!("and")],
            types: INTS,
            constants: |_| vec![[-1, 0]],
        },
    },
    // `and` is idempotent.
    Rule {
        name: "and-self",
        opcodes: &[O::I32And, O::I64And],
        apply: same_operands,
        proof: Proof { patterns: &[SELF_AND], types: INTS, constants: no_constants },
    },
    // 0 is the identity of `or`.
    Rule {
        name: "or-zero",
        opcodes: &[O::I32Or, O::I64Or],
        apply: |s| either_constant(s, 0),
        proof: Proof {
            patterns: &[binary_pattern!("or"), binary_pattern_left!("or")],
            types: INTS,
            constants: |_| vec![[0, 0]],
        },
    },
    // `or` is idempotent.
    Rule {
        name: "or-self",
        opcodes: &[O::I32Or, O::I64Or],
        apply: same_operands,
        proof: Proof { patterns: &[SELF_OR], types: INTS, constants: no_constants },
    },
    // 0 is the identity of `xor` (`x ^ x` is 0, not `x`: `self-cancel`).
    Rule {
        name: "xor-zero",
        opcodes: &[O::I32Xor, O::I64Xor],
        apply: |s| either_constant(s, 0),
        proof: Proof {
            patterns: &[binary_pattern!("xor"), binary_pattern_left!("xor")],
            types: INTS,
            constants: |_| vec![[0, 0]],
        },
    },
    // Wasm shifts and rotates by the amount modulo the width, so a multiple
    // of the width moves nothing.
    Rule {
        name: "shift-by-width",
        opcodes: SHIFTS_AND_ROTATES,
        apply: shift_by_width,
        proof: Proof {
            patterns: &[
                binary_pattern!("shl"),
                binary_pattern!("shr_s"),
                binary_pattern!("shr_u"),
                binary_pattern!("rotl"),
                binary_pattern!("rotr"),
            ],
            types: INTS,
            constants: width_multiples,
        },
    },
    // 0 absorbs `*` and `&`, all ones absorbs `|`.
    Rule {
        name: "absorb",
        opcodes: &[O::I32Mul, O::I64Mul, O::I32And, O::I64And, O::I32Or, O::I64Or],
        apply: absorb,
        proof: Proof {
            patterns: &[
                binary_pattern!("mul"),
                binary_pattern_left!("mul"),
                binary_pattern!("and"),
                binary_pattern_left!("and"),
                "function %f({t}) -> {t} {\nblock0(v0: {t}):\n    v1 = {t}.const {c2}\n    v2 = {t}.or v0, v1\n    return v2\n}\n",
                "function %f({t}) -> {t} {\nblock0(v0: {t}):\n    v1 = {t}.const {c2}\n    v2 = {t}.or v1, v0\n    return v2\n}\n",
            ],
            types: INTS,
            // `{c1}` is the absorbing constant of `*` and `&`, `{c2}` of `|`.
            constants: |_| vec![[0, -1]],
        },
    },
    // `x - x` and `x ^ x` are 0 for every `x`.
    Rule {
        name: "self-cancel",
        opcodes: &[O::I32Sub, O::I64Sub, O::I32Xor, O::I64Xor],
        apply: |s| {
            let [a, b] = *s.args else { return None };
            (s.same(a, b) && s.width(a) > 0).then_some(Rewrite::Const(0))
        },
        proof: Proof { patterns: &[SELF_SUB, SELF_XOR], types: INTS, constants: no_constants },
    },
    // Constants go right, so the rules below look only there.
    Rule {
        name: "commute-constant",
        opcodes: &[
            O::I32Add,
            O::I64Add,
            O::I32Mul,
            O::I64Mul,
            O::I32And,
            O::I64And,
            O::I32Or,
            O::I64Or,
            O::I32Xor,
            O::I64Xor,
            O::I32Eq,
            O::I64Eq,
            O::I32Ne,
            O::I64Ne,
        ],
        apply: |s| constant_left(s).map(|(c, x)| Rewrite::Op(s.opcode, vec![Operand::Value(x), Operand::Value(c)])),
        proof: Proof {
            patterns: &[
                binary_pattern_left!("add"),
                binary_pattern_left!("mul"),
                binary_pattern_left!("and"),
                binary_pattern_left!("or"),
                binary_pattern_left!("xor"),
                compare_pattern_left!("eq"),
                compare_pattern_left!("ne"),
            ],
            types: INTS,
            constants: |_| vec![[7, 0]],
        },
    },
    // `c < x` is `x > c`: the compare with its operands swapped.
    Rule {
        name: "compare-constant-left",
        opcodes: ORDERED_COMPARES,
        apply: |s| {
            let (c, x) = constant_left(s)?;
            Some(Rewrite::Op(s.opcode.swapped_compare()?, vec![Operand::Value(x), Operand::Value(c)]))
        },
        proof: Proof {
            patterns: &[
                compare_pattern_left!("lt_s"),
                compare_pattern_left!("lt_u"),
                compare_pattern_left!("gt_s"),
                compare_pattern_left!("gt_u"),
                compare_pattern_left!("le_s"),
                compare_pattern_left!("le_u"),
                compare_pattern_left!("ge_s"),
                compare_pattern_left!("ge_u"),
            ],
            types: INTS,
            constants: |_| vec![[-3, 0]],
        },
    },
    // `x == 0`, `x <u 1` and `x <=u 0` hold exactly when `x` is 0.
    Rule {
        name: "compare-zero",
        opcodes: &[O::I32Eq, O::I64Eq, O::I32LtU, O::I64LtU, O::I32LeU, O::I64LeU],
        apply: compare_zero,
        proof: Proof {
            patterns: &[COMPARE_RIGHT_EQ, COMPARE_RIGHT_LT_U, COMPARE_RIGHT_LE_U],
            types: INTS,
            // `{c1}` is 0 (`==`, `<=u`), `{c2}` is 1 (`<u`).
            constants: |_| vec![[0, 1]],
        },
    },
    // `x * 2^k` is `x << k` in wrapping arithmetic.
    Rule {
        name: "mul-pow2",
        opcodes: &[O::I32Mul, O::I64Mul],
        apply: |s| {
            let (x, k) = power_of_two_right(s)?;
            let shl = if s.width(x) == 32 { O::I32Shl } else { O::I64Shl };
            (k >= 1).then(|| Rewrite::Op(shl, vec![Operand::Value(x), Operand::Const(i64::from(k))]))
        },
        proof: Proof { patterns: &[binary_pattern!("mul")], types: INTS, constants: powers_of_two_above_one },
    },
    // `x /u 2^k` is `x >>u k`; the divisor is not 0, so the division never
    // traps.
    Rule {
        name: "div-u-pow2",
        opcodes: &[O::I32DivU, O::I64DivU],
        apply: |s| {
            let (x, k) = power_of_two_right(s)?;
            let shr = if s.width(x) == 32 { O::I32ShrU } else { O::I64ShrU };
            (k >= 1).then(|| Rewrite::Op(shr, vec![Operand::Value(x), Operand::Const(i64::from(k))]))
        },
        proof: Proof { patterns: &[binary_pattern!("div_u")], types: INTS, constants: powers_of_two_above_one },
    },
    // `x %u 2^k` keeps the low `k` bits; the divisor is not 0.
    Rule {
        name: "rem-u-pow2",
        opcodes: &[O::I32RemU, O::I64RemU],
        apply: |s| {
            let (x, k) = power_of_two_right(s)?;
            let (and, mask) = if s.width(x) == 32 {
                (O::I32And, i64::from(((1u64 << k) - 1) as u32 as i32))
            } else {
                (O::I64And, ((1u128 << k) - 1) as u64 as i64)
            };
            Some(Rewrite::Op(and, vec![Operand::Value(x), Operand::Const(mask)]))
        },
        proof: Proof { patterns: &[binary_pattern!("rem_u")], types: INTS, constants: powers_of_two },
    },
    // Wrapping `+`, `*` and the bitwise operations are associative.
    Rule {
        name: "reassociate",
        opcodes: &[
            O::I32Add,
            O::I64Add,
            O::I32Mul,
            O::I64Mul,
            O::I32And,
            O::I64And,
            O::I32Or,
            O::I64Or,
            O::I32Xor,
            O::I64Xor,
        ],
        apply: reassociate,
        proof: Proof {
            patterns: &[
                chain_pattern!("add"),
                chain_pattern!("mul"),
                chain_pattern!("and"),
                chain_pattern!("or"),
                chain_pattern!("xor"),
            ],
            types: INTS,
            constants: constant_pairs,
        },
    },
    // Two shifts by constants are one shift, or shift everything out.
    Rule {
        name: "shift-shift",
        opcodes: SHIFTS_AND_ROTATES,
        apply: shift_shift,
        proof: Proof {
            patterns: &[
                chain_pattern!("shl"),
                chain_pattern!("shr_u"),
                chain_pattern!("shr_s"),
                chain_pattern!("rotl"),
                chain_pattern!("rotr"),
            ],
            types: INTS,
            constants: shift_pairs,
        },
    },
    // The negation of an integer compare is the opposite compare.
    Rule {
        name: "eqz-compare",
        opcodes: &[O::I32Eqz],
        apply: |s| {
            let [b] = *s.args else { return None };
            let (op, args) = s.def(b)?;
            let inverse = op.inverse_compare()?;
            s.one_use(b).then(|| Rewrite::Op(inverse, args.iter().map(|&v| Operand::Value(v)).collect()))
        },
        proof: Proof {
            patterns: &[
                eqz_compare_pattern!("eq"),
                eqz_compare_pattern!("ne"),
                eqz_compare_pattern!("lt_s"),
                eqz_compare_pattern!("lt_u"),
                eqz_compare_pattern!("gt_s"),
                eqz_compare_pattern!("gt_u"),
                eqz_compare_pattern!("le_s"),
                eqz_compare_pattern!("le_u"),
                eqz_compare_pattern!("ge_s"),
                eqz_compare_pattern!("ge_u"),
            ],
            types: INTS,
            constants: no_constants,
        },
    },
    // Negating a 0-or-1 value twice gives it back.
    Rule {
        name: "eqz-eqz-bool",
        opcodes: &[O::I32Eqz],
        apply: |s| {
            let [b] = *s.args else { return None };
            let (O::I32Eqz, &[inner]) = s.def(b)? else { return None };
            is_boolean(s, inner).then_some(Rewrite::Value(inner))
        },
        proof: Proof {
            patterns: &[
                "function %f({t}, {t}) -> i32 {\nblock0(v0: {t}, v1: {t}):\n    v2 = {t}.lt v0, v1\n    v3 = i32.eqz v2\n    v4 = i32.eqz v3\n    return v4\n}\n",
                "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.eqz v0\n    v2 = i32.eqz v1\n    v3 = i32.eqz v2\n    return v3\n}\n",
            ],
            types: &[Type::F32, Type::F64],
            constants: no_constants,
        },
    },
    // `select 1, 0, c` is `c != 0`; `select 0, 1, c` is `c == 0`.
    Rule {
        name: "select-bool",
        opcodes: &[O::Select],
        apply: select_bool,
        proof: Proof {
            patterns: &[
                "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.const {c1}\n    v2 = i32.const {c2}\n    v3 = select v1, v2, v0\n    return v3\n}\n",
                "function %f({t}, {t}) -> i32 {\nblock0(v0: {t}, v1: {t}):\n    v2 = {t}.gt_u v0, v1\n    v3 = i32.const {c1}\n    v4 = i32.const {c2}\n    v5 = select v3, v4, v2\n    return v5\n}\n",
            ],
            types: INTS,
            constants: |_| vec![[1, 0], [0, 1]],
        },
    },
    // A negated condition swaps the arms.
    Rule {
        name: "select-eqz",
        opcodes: &[O::Select],
        apply: |s| {
            let [a, b, c] = *s.args else { return None };
            let (O::I32Eqz, &[inner]) = s.def(c)? else { return None };
            Some(Rewrite::Op(O::Select, vec![Operand::Value(b), Operand::Value(a), Operand::Value(inner)]))
        },
        proof: Proof {
            patterns: &[
                "function %f({t}, {t}, i32) -> {t} {\nblock0(v0: {t}, v1: {t}, v2: i32):\n    v3 = i32.eqz v2\n    v4 = select v0, v1, v3\n    return v4\n}\n",
            ],
            types: &[Type::I32, Type::I64, Type::F32, Type::F64],
            constants: no_constants,
        },
    },
    // Extending to 64 bits and wrapping back loses nothing.
    Rule {
        name: "wrap-extend",
        opcodes: &[O::I32WrapI64],
        apply: |s| {
            let [v] = *s.args else { return None };
            let (O::I64ExtendI32U | O::I64ExtendI32S, &[x]) = s.def(v)? else { return None };
            Some(Rewrite::Value(x))
        },
        proof: Proof {
            patterns: &[
                "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i64.extend_i32_u v0\n    v2 = i32.wrap_i64 v1\n    return v2\n}\n",
                "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i64.extend_i32_s v0\n    v2 = i32.wrap_i64 v1\n    return v2\n}\n",
            ],
            types: I32_ONLY,
            constants: no_constants,
        },
    },
    // `neg` flips the sign bit and nothing else, so twice is the identity.
    Rule {
        name: "neg-neg",
        opcodes: &[O::F32Neg, O::F64Neg],
        apply: |s| {
            let [v] = *s.args else { return None };
            let (op, &[x]) = s.def(v)? else { return None };
            (op == s.opcode).then_some(Rewrite::Value(x))
        },
        proof: Proof {
            patterns: &[
                "function %f({t}) -> {t} {\nblock0(v0: {t}):\n    v1 = {t}.neg v0\n    v2 = {t}.neg v1\n    return v2\n}\n",
            ],
            types: &[Type::F32, Type::F64],
            constants: no_constants,
        },
    },
];

const SELF_AND: &str = "function %f({t}) -> {t} {\nblock0(v0: {t}):\n    v1 = {t}.and v0, v0\n    return v1\n}\n";
const SELF_OR: &str = "function %f({t}) -> {t} {\nblock0(v0: {t}):\n    v1 = {t}.or v0, v0\n    return v1\n}\n";
const SELF_SUB: &str = "function %f({t}) -> {t} {\nblock0(v0: {t}):\n    v1 = {t}.sub v0, v0\n    return v1\n}\n";
const SELF_XOR: &str = "function %f({t}) -> {t} {\nblock0(v0: {t}):\n    v1 = {t}.xor v0, v0\n    return v1\n}\n";
const COMPARE_RIGHT_EQ: &str =
    "function %f({t}) -> i32 {\nblock0(v0: {t}):\n    v1 = {t}.const {c1}\n    v2 = {t}.eq v0, v1\n    return v2\n}\n";
const COMPARE_RIGHT_LT_U: &str = "function %f({t}) -> i32 {\nblock0(v0: {t}):\n    v1 = {t}.const {c2}\n    v2 = {t}.lt_u v0, v1\n    return v2\n}\n";
const COMPARE_RIGHT_LE_U: &str = "function %f({t}) -> i32 {\nblock0(v0: {t}):\n    v1 = {t}.const {c1}\n    v2 = {t}.le_u v0, v1\n    return v2\n}\n";

const SHIFTS_AND_ROTATES: &[Opcode] = &[
    O::I32Shl,
    O::I32ShrS,
    O::I32ShrU,
    O::I32Rotl,
    O::I32Rotr,
    O::I64Shl,
    O::I64ShrS,
    O::I64ShrU,
    O::I64Rotl,
    O::I64Rotr,
];

const ORDERED_COMPARES: &[Opcode] = &[
    O::I32LtS,
    O::I32LtU,
    O::I32GtS,
    O::I32GtU,
    O::I32LeS,
    O::I32LeU,
    O::I32GeS,
    O::I32GeU,
    O::I64LtS,
    O::I64LtU,
    O::I64GtS,
    O::I64GtU,
    O::I64LeS,
    O::I64LeU,
    O::I64GeS,
    O::I64GeU,
];

/// Is `v` always 0 or 1: the result of a compare or an `eqz`?
fn is_boolean(s: &Site<'_>, v: Value) -> bool {
    s.def(v).is_some_and(|(op, _)| op.is_boolean())
}

fn select_same_arms(s: &Site<'_>) -> Option<Rewrite> {
    let [a, b, _] = *s.args else { return None };
    s.same(a, b).then_some(Rewrite::Value(a))
}

/// `x op k` or `k op x` → `x`.
fn either_constant(s: &Site<'_>, k: i64) -> Option<Rewrite> {
    let [a, b] = *s.args else { return None };
    match (s.constant(a), s.constant(b)) {
        (_, Some(c)) if c == k => Some(Rewrite::Value(a)),
        (Some(c), _) if c == k => Some(Rewrite::Value(b)),
        _ => None,
    }
}

/// `x op k` → `x`.
fn right_constant(s: &Site<'_>, k: i64) -> Option<Rewrite> {
    let [a, b] = *s.args else { return None };
    (s.constant(b) == Some(k)).then_some(Rewrite::Value(a))
}

/// `x op x` → `x`.
fn same_operands(s: &Site<'_>) -> Option<Rewrite> {
    let [a, b] = *s.args else { return None };
    s.same(a, b).then_some(Rewrite::Value(a))
}

/// `x op c` → `x` when `c` is a multiple of the width of `x`.
fn shift_by_width(s: &Site<'_>) -> Option<Rewrite> {
    let [a, b] = *s.args else { return None };
    let mask = i64::from(s.width(a)) - 1;
    (mask > 0 && s.constant(b).is_some_and(|k| k & mask == 0)).then_some(Rewrite::Value(a))
}

/// `x * 0`, `x & 0` → 0 and `x | -1` → -1, either operand order.
fn absorb(s: &Site<'_>) -> Option<Rewrite> {
    let [a, b] = *s.args else { return None };
    let k = if matches!(s.opcode, O::I32Or | O::I64Or) { -1 } else { 0 };
    (s.constant(a) == Some(k) || s.constant(b) == Some(k)).then_some(Rewrite::Const(k))
}

/// `(c, x)` for `c op x` with only `c` a constant.
fn constant_left(s: &Site<'_>) -> Option<(Value, Value)> {
    let [a, b] = *s.args else { return None };
    (s.constant(a).is_some() && s.constant(b).is_none()).then_some((a, b))
}

/// `x == 0`, `x <u 1`, `x <=u 0` → `eqz x`.
fn compare_zero(s: &Site<'_>) -> Option<Rewrite> {
    let [x, c] = *s.args else { return None };
    let k = match s.opcode {
        O::I32Eq | O::I64Eq | O::I32LeU | O::I64LeU => 0,
        _ => 1,
    };
    let eqz = if s.width(x) == 32 { O::I32Eqz } else { O::I64Eqz };
    (s.constant(c) == Some(k)).then(|| Rewrite::Op(eqz, vec![Operand::Value(x)]))
}

/// `(x, k)` for `x op 2^k`, the constant read as unsigned in the width.
fn power_of_two_right(s: &Site<'_>) -> Option<(Value, u32)> {
    let [x, c] = *s.args else { return None };
    let mask = if s.width(x) == 32 { u64::from(u32::MAX) } else { u64::MAX };
    let bits = s.constant(c)? as u64 & mask;
    bits.is_power_of_two().then(|| (x, bits.trailing_zeros()))
}

/// `(x op c1) op c2` → `x op (c1 op c2)`.
fn reassociate(s: &Site<'_>) -> Option<Rewrite> {
    let [inner, c2] = *s.args else { return None };
    let c2 = s.constant(c2)?;
    let (op, &[x, c1]) = s.def(inner)? else { return None };
    let c1 = s.constant(c1)?;
    if op != s.opcode || !s.one_use(inner) {
        return None;
    }
    let folded = match op {
        O::I32Add | O::I64Add => c1.wrapping_add(c2),
        O::I32Mul | O::I64Mul => c1.wrapping_mul(c2),
        O::I32And | O::I64And => c1 & c2,
        O::I32Or | O::I64Or => c1 | c2,
        O::I32Xor | O::I64Xor => c1 ^ c2,
        _ => return None,
    };
    let folded = if s.width(x) == 32 { i64::from(folded as i32) } else { folded };
    Some(Rewrite::Op(op, vec![Operand::Value(x), Operand::Const(folded)]))
}

/// `(x op c1) op c2` → one shift or rotate, or what shifts everything out.
fn shift_shift(s: &Site<'_>) -> Option<Rewrite> {
    let [inner, c2] = *s.args else { return None };
    let c2 = s.constant(c2)?;
    let (op, &[x, c1]) = s.def(inner)? else { return None };
    let c1 = s.constant(c1)?;
    let w = i64::from(s.width(x));
    if op != s.opcode || w == 0 || !s.one_use(inner) {
        return None;
    }
    let sum = (c1 & (w - 1)) + (c2 & (w - 1));
    let amount = match op {
        O::I32Rotl | O::I32Rotr | O::I64Rotl | O::I64Rotr => sum % w,
        _ if sum < w => sum,
        O::I32ShrS | O::I64ShrS => w - 1,
        _ => return Some(Rewrite::Const(0)),
    };
    Some(Rewrite::Op(op, vec![Operand::Value(x), Operand::Const(amount)]))
}

/// `select 1, 0, c` → `c` (0 or 1) or `c != 0`; `select 0, 1, c` → `eqz c`.
fn select_bool(s: &Site<'_>) -> Option<Rewrite> {
    let [a, b, c] = *s.args else { return None };
    if s.func.dfg.value_type(a) != Type::I32 {
        return None;
    }
    match (s.constant(a)?, s.constant(b)?) {
        (1, 0) if is_boolean(s, c) => Some(Rewrite::Value(c)),
        (1, 0) => Some(Rewrite::Op(O::I32Ne, vec![Operand::Value(c), Operand::Const(0)])),
        (0, 1) => Some(Rewrite::Op(O::I32Eqz, vec![Operand::Value(c)])),
        _ => None,
    }
}

/// The rule among `rules` that applies to `inst`, and its rewrite.
pub fn matching_rule<'r>(
    func: &Function,
    uses: &SecondaryMap<Value, u32>,
    rules: &'r [Rule],
    inst: Inst,
) -> Option<(&'r Rule, Rewrite)> {
    let InstructionData::Op { opcode, args, .. } = &func.dfg.insts[inst] else { return None };
    let args = args.as_slice(&func.dfg.value_lists);
    if args.iter().any(|&v| !func.dfg.value_is_valid(v)) || func.dfg.inst_results(inst).len() != 1 {
        return None;
    }
    let site = Site { func, opcode: *opcode, args, uses };
    rules.iter().filter(|r| r.opcodes.contains(opcode)).find_map(|r| (r.apply)(&site).map(|rw| (r, rw)))
}

impl crate::FunctionPass for InstCombine {
    fn run(&self, func: &mut Function, _cx: &mut PassCx) -> Changed {
        let mut changed = false;
        for _ in 0..MAX_ROUNDS {
            if !combine_once(func, RULES) {
                break;
            }
            changed = true;
        }
        if changed {
            func.dfg.resolve_all_aliases();
        }
        Changed::from_bool(changed, Preserved::CONTROL_FLOW)
    }
}

/// One round over the instructions in layout order with `rules`: each one a
/// rule applies to is rewritten. Returns whether any was. Aliases are left
/// for the caller to resolve.
pub fn combine_once(func: &mut Function, rules: &[Rule]) -> bool {
    let uses = use_counts(func);
    let mut changed = false;
    let blocks: Vec<Block> = func.layout.blocks().collect();
    for block in blocks {
        let insts: Vec<Inst> = func.layout.block_insts(block).collect();
        for inst in insts {
            let Some((_, rewrite)) = matching_rule(func, &uses, rules, inst) else { continue };
            changed |= rewrite_inst(func, inst, &rewrite);
        }
    }
    changed
}

/// Replaces `inst` by `rewrite`; returns whether it did (a rewrite whose
/// type does not fit, or that would make a value its own alias, is
/// dropped before any edit).
fn rewrite_inst(func: &mut Function, inst: Inst, rewrite: &Rewrite) -> bool {
    let [r] = *func.dfg.inst_results(inst) else { return false };
    let ty = func.dfg.value_type(r);
    let replacement = match rewrite {
        Rewrite::Value(x) => {
            if func.dfg.resolve_aliases(*x) == r || func.dfg.value_type(*x) != ty {
                return false;
            }
            *x
        }
        Rewrite::Const(k) => {
            let Some(c) = make_const(func, ty, *k) else { return false };
            func.layout.insert_inst(c, inst);
            func.dfg.first_result(c)
        }
        Rewrite::Op(opcode, operands) => {
            let const_ty = operands
                .iter()
                .find_map(|o| match o {
                    Operand::Value(v) => Some(func.dfg.value_type(*v)),
                    Operand::Const(_) => None,
                })
                .unwrap_or(ty);
            let mut new_insts = Vec::new();
            let mut args = Vec::new();
            for operand in operands {
                match *operand {
                    Operand::Value(v) => args.push(v),
                    Operand::Const(k) => {
                        let Some(c) = make_const(func, const_ty, k) else { return false };
                        new_insts.push(c);
                        args.push(func.dfg.first_result(c));
                    }
                }
            }
            let op = func.dfg.make_op(*opcode, &args, Imm::None);
            if func.dfg.make_inst_results(op).is_err() || func.dfg.inst_results(op).len() != 1 {
                return false;
            }
            let result = func.dfg.first_result(op);
            if func.dfg.value_type(result) != ty {
                return false;
            }
            new_insts.push(op);
            for new in new_insts {
                func.layout.insert_inst(new, inst);
            }
            result
        }
    };
    func.dfg.replace_results_with(inst, &[replacement]);
    func.layout.remove_inst(inst);
    true
}

/// A constant instruction of type `ty` (not in the layout), with its
/// result; `None` for a type that is not an integer.
fn make_const(func: &mut Function, ty: Type, k: i64) -> Option<Inst> {
    let (opcode, imm) = match ty {
        Type::I32 => (O::I32Const, Imm::I32(k as i32)),
        Type::I64 => (O::I64Const, Imm::I64(k)),
        _ => return None,
    };
    let c = func.dfg.make_op(opcode, &[], imm);
    func.dfg.make_inst_results(c).ok()?;
    Some(c)
}

//! `instcombine`: peephole rewrites from a table of rules.
//!
//! Each entry of [`RULES`] names the opcodes it applies to and recognizes an
//! instruction whose result always equals one of its operands; the result
//! then becomes an alias of that operand and the instruction is removed.
//! The rules, each exact for every input (`c` is a constant operand, `w`
//! the bit width; integer rules apply to `i32` and `i64` only):
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
//!
//! The first rule in table order that applies to an instruction wins. No
//! float identity is a rule: `x + 0.0` is `+0.0` for `x = -0.0`, and even
//! `x + -0.0` or `x * 1.0` turn a NaN operand's payload into the canonical
//! NaN, which memory or `reinterpret` can observe. Folding constants is
//! `sccp`'s job, removing copies `copy-prop`'s.
//!
//! ```text
//! block0(v0: i32, v1: i32):               block0(v0: i32, v1: i32):
//!     v2 = i32.const 0                        v2 = i32.const 0
//!     v3 = i32.add v0, v2          =>         v5 = i32.mul v0, v1
//!     v4 = select v3, v3, v1                  return v5
//!     v5 = i32.mul v4, v1
//!     return v5
//! ```
//! (`v3` is `v0`, so `v4` is `select v0, v0, v1`, which is `v0` too; the
//! constant stays for `dce`.)
//!
//! Preconditions: the function passes the structural verifier. Analyses
//! used: none. Preserves the CFG, dominator tree and loop analysis (only
//! instructions that are not branches are removed; uses are rewritten).
//!
//! Verification obligation: the target refines the source with the same
//! events: only pure instructions (and `div` by the constant 1, which never
//! traps) are removed, each one's result equals the operand that replaces
//! it for every input. Each rule is checked once against the interpreter's
//! semantics (the unit tests below) and every application per function by
//! `weft-verify`; a rule that is wrong for some input is a counterexample
//! (`tests/filetests/refine/instcombine_*.ir`).
//!
//! Complexity: O(instructions) per round, each rule O(1); a round that
//! changes nothing ends the pass, and each other round removes an
//! instruction, so O(instructions²) in the worst case and one or two rounds
//! in practice.

use weft_ir::{Block, Function, Inst, InstructionData, Opcode, Value};

use crate::{Changed, PassCx, Preserved};

/// The `instcombine` pass.
pub struct InstCombine;

/// A rewrite rule: for an instruction with one of `opcodes` and operands
/// `args` (all valid values), [`Rule::apply`] gives the operand its result
/// always equals, if the rule applies.
pub struct Rule {
    /// The rule's name, as in the table of the module docs.
    pub name: &'static str,
    /// The opcodes it looks at.
    pub opcodes: &'static [Opcode],
    /// The operand the result equals, if the rule applies.
    pub apply: fn(&Function, &[Value]) -> Option<Value>,
}

use Opcode as O;

/// Every rule, in the order they are tried (see the module docs).
pub static RULES: &[Rule] = &[
    // `select a, a, c` chooses between two equal values.
    Rule { name: "select-same-arms", opcodes: &[O::Select], apply: select_same_arms },
    // 0 is the identity of wrapping addition.
    Rule { name: "add-zero", opcodes: &[O::I32Add, O::I64Add], apply: |f, a| either_constant(f, a, 0) },
    // Subtracting 0 leaves `x`; `0 - x` is a negation, not an identity.
    Rule { name: "sub-zero", opcodes: &[O::I32Sub, O::I64Sub], apply: |f, a| right_constant(f, a, 0) },
    // 1 is the identity of wrapping multiplication.
    Rule { name: "mul-one", opcodes: &[O::I32Mul, O::I64Mul], apply: |f, a| either_constant(f, a, 1) },
    // Dividing by 1 gives `x` and never traps, not even for the minimum
    // value (only a divisor of -1 overflows).
    Rule {
        name: "div-one",
        opcodes: &[O::I32DivS, O::I32DivU, O::I64DivS, O::I64DivU],
        apply: |f, a| right_constant(f, a, 1),
    },
    // All ones is the identity of `and` (`int_const` sign-extends, so -1 is
    // all ones in both widths).
    Rule { name: "and-all-ones", opcodes: &[O::I32And, O::I64And], apply: |f, a| either_constant(f, a, -1) },
    // `and` is idempotent.
    Rule { name: "and-self", opcodes: &[O::I32And, O::I64And], apply: same_operands },
    // 0 is the identity of `or`.
    Rule { name: "or-zero", opcodes: &[O::I32Or, O::I64Or], apply: |f, a| either_constant(f, a, 0) },
    // `or` is idempotent.
    Rule { name: "or-self", opcodes: &[O::I32Or, O::I64Or], apply: same_operands },
    // 0 is the identity of `xor` (`x ^ x` is 0, not `x`).
    Rule { name: "xor-zero", opcodes: &[O::I32Xor, O::I64Xor], apply: |f, a| either_constant(f, a, 0) },
    // Wasm shifts and rotates by the amount modulo the width, so a multiple
    // of the width moves nothing.
    Rule {
        name: "shift-by-width",
        opcodes: &[
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
        ],
        apply: shift_by_width,
    },
];

/// Do `a` and `b` resolve to the same value?
fn same(func: &Function, a: Value, b: Value) -> bool {
    func.dfg.resolve_aliases(a) == func.dfg.resolve_aliases(b)
}

fn select_same_arms(func: &Function, args: &[Value]) -> Option<Value> {
    let [a, b, _] = *args else { return None };
    same(func, a, b).then_some(a)
}

/// `x op k` or `k op x` → `x`.
fn either_constant(func: &Function, args: &[Value], k: i64) -> Option<Value> {
    let [a, b] = *args else { return None };
    match (func.dfg.int_const(a), func.dfg.int_const(b)) {
        (_, Some(c)) if c == k => Some(a),
        (Some(c), _) if c == k => Some(b),
        _ => None,
    }
}

/// `x op k` → `x`.
fn right_constant(func: &Function, args: &[Value], k: i64) -> Option<Value> {
    let [a, b] = *args else { return None };
    (func.dfg.int_const(b) == Some(k)).then_some(a)
}

/// `x op x` → `x`.
fn same_operands(func: &Function, args: &[Value]) -> Option<Value> {
    let [a, b] = *args else { return None };
    same(func, a, b).then_some(a)
}

/// `x op c` → `x` when `c` is a multiple of the width of `x`.
fn shift_by_width(func: &Function, args: &[Value]) -> Option<Value> {
    let [a, b] = *args else { return None };
    let mask = if func.dfg.value_type(a) == weft_ir::Type::I32 { 31 } else { 63 };
    func.dfg.int_const(b).is_some_and(|k| k & mask == 0).then_some(a)
}

/// The rule that applies to `inst` and the operand its result equals.
pub fn matching_rule(func: &Function, inst: Inst) -> Option<(&'static Rule, Value)> {
    let InstructionData::Op { opcode, args, .. } = &func.dfg.insts[inst] else { return None };
    let args = args.as_slice(&func.dfg.value_lists);
    if args.iter().any(|&v| !func.dfg.value_is_valid(v)) {
        return None;
    }
    RULES.iter().filter(|r| r.opcodes.contains(opcode)).find_map(|r| (r.apply)(func, args).map(|v| (r, v)))
}

impl crate::FunctionPass for InstCombine {
    fn run(&self, func: &mut Function, _cx: &mut PassCx) -> Changed {
        let mut changed = false;
        while combine_once(func) {
            changed = true;
        }
        if changed {
            func.dfg.resolve_all_aliases();
        }
        Changed::from_bool(changed, Preserved::CONTROL_FLOW)
    }
}

/// One round over the instructions in layout order: each one a rule
/// applies to is replaced by its operand. Returns whether any was.
fn combine_once(func: &mut Function) -> bool {
    let mut changed = false;
    let blocks: Vec<Block> = func.layout.blocks().collect();
    for block in blocks {
        let insts: Vec<Inst> = func.layout.block_insts(block).collect();
        for inst in insts {
            let Some((_, x)) = matching_rule(func, inst) else { continue };
            let [r] = *func.dfg.inst_results(inst) else { continue };
            if func.dfg.resolve_aliases(x) == r || func.dfg.value_type(x) != func.dfg.value_type(r) {
                continue;
            }
            func.dfg.replace_results_with(inst, &[x]);
            func.layout.remove_inst(inst);
            changed = true;
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use weft_ir::interpreter::Val;
    use weft_ir::interpreter::fold::eval_pure;
    use weft_ir::{Imm, Opcode, parse_function};

    /// The operand `inst` equals under the rules, if any.
    fn combined(func: &weft_ir::Function, inst: weft_ir::Inst) -> Option<weft_ir::Value> {
        super::matching_rule(func, inst).map(|(_, v)| v)
    }

    /// Each integer rule holds under the interpreter's semantics for a
    /// spread of operands (both operand orders where the rule allows both).
    #[test]
    fn rules_hold_in_the_interpreter() {
        let xs: [i64; 8] = [0, 1, -1, 2, 7, i64::from(i32::MIN), i64::MIN, 0x1234_5678_9abc_def0];
        let ops = [
            ("add", 0, true),
            ("sub", 0, false),
            ("mul", 1, true),
            ("div_s", 1, false),
            ("div_u", 1, false),
            ("and", -1, true),
            ("or", 0, true),
            ("xor", 0, true),
            ("shl", 0, false),
            ("shr_s", 0, false),
            ("shr_u", 0, false),
            ("rotl", 0, false),
            ("rotr", 0, false),
        ];
        let mut checked = 0;
        for ty in ["i32", "i64"] {
            let width: i64 = if ty == "i32" { 32 } else { 64 };
            for (name, c, commutes) in ops {
                let consts: Vec<i64> =
                    if name.starts_with("sh") || name.starts_with("rot") { vec![0, width, 2 * width] } else { vec![c] };
                for c in consts {
                    let text = format!(
                        "function %f({ty}) -> {ty} {{\nblock0(v0: {ty}):\n    v1 = {ty}.const {c}\n    v2 = {ty}.{name} v0, v1\n    v3 = {ty}.{name} v1, v0\n    return v2\n}}\n"
                    );
                    let func = parse_function(&text).unwrap();
                    let insts: Vec<_> = func.layout.block_insts(func.entry_block().unwrap()).collect();
                    let x = func.dfg.block_params(func.entry_block().unwrap())[0];
                    assert_eq!(combined(&func, insts[1]), Some(x), "{ty}.{name} x, {c}");
                    assert_eq!(combined(&func, insts[2]), commutes.then_some(x), "{ty}.{name} {c}, x");
                    let op = Opcode::from_name(&format!("{ty}.{name}")).unwrap();
                    for &v in &xs {
                        let (xv, cv) = if ty == "i32" {
                            (Val::I32(v as i32), Val::I32(c as i32))
                        } else {
                            (Val::I64(v), Val::I64(c))
                        };
                        assert_eq!(eval_pure(op, &[xv, cv], Imm::None), Ok(vec![xv]), "{ty}.{name} {v}, {c}");
                        if commutes {
                            assert_eq!(eval_pure(op, &[cv, xv], Imm::None), Ok(vec![xv]), "{ty}.{name} {c}, {v}");
                        }
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked > 300);
        // `x & x`, `x | x` and `select a, a, c` on the same spread.
        for &v in &xs {
            let x = Val::I64(v);
            for op in [Opcode::I64And, Opcode::I64Or] {
                assert_eq!(eval_pure(op, &[x, x], Imm::None), Ok(vec![x]), "{op} {v}");
            }
            for c in [0, 1, -1] {
                assert_eq!(eval_pure(Opcode::Select, &[x, x, Val::I32(c)], Imm::None), Ok(vec![x]), "select {c}");
            }
        }
    }

    /// Every rule is reachable: some instruction makes it the matching one.
    #[test]
    fn every_rule_is_the_first_match_somewhere() {
        let text = "function %f(i32, f32) -> i32 {
block0(v0: i32, v1: f32):
    v2 = i32.const 0
    v3 = i32.const 1
    v4 = i32.const -1
    v5 = i32.const 32
    v6 = select v1, v1, v0
    v7 = i32.add v0, v2
    v8 = i32.sub v0, v2
    v9 = i32.mul v0, v3
    v10 = i32.div_u v0, v3
    v11 = i32.and v0, v4
    v12 = i32.and v0, v0
    v13 = i32.or v0, v2
    v14 = i32.or v0, v0
    v15 = i32.xor v0, v2
    v16 = i32.rotl v0, v5
    return v0
}
";
        let func = parse_function(text).unwrap();
        let names: Vec<&str> = func
            .layout
            .block_insts(func.entry_block().unwrap())
            .filter_map(|i| super::matching_rule(&func, i).map(|(r, _)| r.name))
            .collect();
        let all: Vec<&str> = super::RULES.iter().map(|r| r.name).collect();
        assert_eq!(names, all);
    }

    /// Near misses are not identities: a shift by 1 or by half the width,
    /// `x * -1`, `x - x`, `x ^ x`, `0 - x`, and any float operation.
    #[test]
    fn near_misses_are_left_alone() {
        let cases = [
            ("i32", "shl", "1"),
            ("i64", "shl", "32"),
            ("i32", "mul", "-1"),
            ("i32", "div_s", "-1"),
            ("i32", "and", "0"),
            ("f32", "add", "0.0"),
            ("f32", "add", "-0.0"),
            ("f64", "mul", "1.0"),
            ("f64", "sub", "0.0"),
        ];
        for (ty, name, c) in cases {
            let text = format!(
                "function %f({ty}) -> {ty} {{\nblock0(v0: {ty}):\n    v1 = {ty}.const {c}\n    v2 = {ty}.{name} v0, v1\n    return v2\n}}\n"
            );
            let func = parse_function(&text).unwrap();
            let inst = func.layout.block_insts(func.entry_block().unwrap()).nth(1).unwrap();
            assert_eq!(combined(&func, inst), None, "{ty}.{name} x, {c}");
        }
        for op in ["sub", "xor"] {
            let text =
                format!("function %f(i32) -> i32 {{\nblock0(v0: i32):\n    v1 = i32.{op} v0, v0\n    return v1\n}}\n");
            let func = parse_function(&text).unwrap();
            let inst = func.layout.first_inst(func.entry_block().unwrap()).unwrap();
            assert_eq!(combined(&func, inst), None, "{op}");
        }
    }
}

//! Rule-level proofs of `instcombine` (Alive-style): every rule of
//! `RULES`, on every instance of its proof patterns, must fire and give a
//! function `weft-verify` proves refines the pattern for all inputs; wrong
//! rules built the same way are refuted with a counterexample.

use weft_ir::{Opcode, Type, parse_function};
use weft_passes::instcombine::{Operand, Proof, RULES, Rewrite, Rule, Site, combine_once, matching_rule};
use weft_verify::{Options, Outcome, check_refinement};

/// Applies `rule` alone to every instance of its proof and checks each
/// rewritten function against the instance; returns the outcomes, and
/// panics if the rule leaves an instance alone (a proof that proved
/// nothing).
fn prove(rule: &Rule) -> Vec<(String, Outcome)> {
    let rules = std::slice::from_ref(rule);
    rule.proof
        .instances()
        .into_iter()
        .map(|text| {
            let src = parse_function(&text)
                .unwrap_or_else(|e| panic!("rule {}: pattern does not parse: {e}\n{text}", rule.name));
            let mut tgt = src.clone();
            assert!(combine_once(&mut tgt, rules), "rule {} does not fire on its pattern:\n{text}", rule.name);
            tgt.dfg.resolve_all_aliases();
            let outcome = check_refinement(&src, &tgt, &Options::default());
            let mut printed = String::new();
            weft_ir::write::write_function(&mut printed, &tgt).expect("writing to a String");
            (format!("{text}=>\n{printed}"), outcome)
        })
        .collect()
}

#[test]
fn every_rule_is_proved_on_every_instance() {
    let mut instances = 0;
    for rule in RULES {
        for (pair, outcome) in prove(rule) {
            assert!(matches!(outcome, Outcome::Proved), "rule {}: {outcome:?}\n{pair}", rule.name);
            instances += 1;
        }
    }
    assert!(instances > 400, "only {instances} instances");
}

/// Every rule is the first match somewhere among its own instances, so no
/// rule is shadowed by an earlier one.
#[test]
fn every_rule_is_the_first_match_on_some_instance() {
    for rule in RULES {
        let first = rule.proof.instances().iter().any(|text| {
            let func = parse_function(text).unwrap();
            let uses = weft_ir::cfg_edit::use_counts(&func);
            let block = func.entry_block().unwrap();
            func.layout
                .block_insts(block)
                .any(|inst| matching_rule(&func, &uses, RULES, inst).is_some_and(|(r, _)| std::ptr::eq(r, rule)))
        });
        assert!(first, "rule {} is never the first match on its patterns", rule.name);
    }
}

/// The names are unique (the docs' table and reports name rules).
#[test]
fn rule_names_are_unique() {
    let mut names: Vec<&str> = RULES.iter().map(|r| r.name).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len());
}

fn two_constants(_: Type) -> Vec<[i64; 2]> {
    vec![[2, 1], [8, 3]]
}

const DIV_S: &str = "function %f({t}) -> {t} {\nblock0(v0: {t}):\n    v1 = {t}.const {c1}\n    v2 = {t}.div_s v0, v1\n    return v2\n}\n";
const REM_U: &str = "function %f({t}) -> {t} {\nblock0(v0: {t}):\n    v1 = {t}.const {c1}\n    v2 = {t}.rem_u v0, v1\n    return v2\n}\n";
const LT_F: &str = "function %f({t}, {t}) -> i32 {\nblock0(v0: {t}, v1: {t}):\n    v2 = {t}.lt v0, v1\n    v3 = i32.eqz v2\n    return v3\n}\n";
const SHL_SHL: &str = "function %f({t}) -> {t} {\nblock0(v0: {t}):\n    v1 = {t}.const {c1}\n    v2 = {t}.shl v0, v1\n    v3 = {t}.const {c2}\n    v4 = {t}.shl v2, v3\n    return v4\n}\n";

/// `x op c` → `x shift_op k` for the constant `c = 2^k` on the right.
fn to_shift(s: &Site<'_>, shift: [Opcode; 2]) -> Option<Rewrite> {
    let [x, c] = *s.args else { return None };
    let c = s.func.dfg.int_const(c)?;
    let op = if s.func.dfg.value_type(x) == Type::I32 { shift[0] } else { shift[1] };
    (c > 1 && c.count_ones() == 1)
        .then(|| Rewrite::Op(op, vec![Operand::Value(x), Operand::Const(i64::from(c.trailing_zeros()))]))
}

/// Wrong rules in the table's own form: each must be refuted.
static WRONG_RULES: &[Rule] = &[
    // Signed division rounds toward zero, the shift toward -infinity.
    Rule {
        name: "div-s-pow2-as-shift",
        opcodes: &[Opcode::I32DivS, Opcode::I64DivS],
        apply: |s| to_shift(s, [Opcode::I32ShrS, Opcode::I64ShrS]),
        proof: Proof { patterns: &[DIV_S], types: &[Type::I32, Type::I64], constants: two_constants },
    },
    // `x %u 3` is not `x & 2`: 3 is no power of two.
    Rule {
        name: "rem-u-3-as-mask",
        opcodes: &[Opcode::I32RemU, Opcode::I64RemU],
        apply: |s| {
            let [x, c] = *s.args else { return None };
            (s.func.dfg.int_const(c) == Some(3)).then(|| {
                Rewrite::Op(
                    if s.func.dfg.value_type(x) == Type::I32 { Opcode::I32And } else { Opcode::I64And },
                    vec![Operand::Value(x), Operand::Const(2)],
                )
            })
        },
        proof: Proof { patterns: &[REM_U], types: &[Type::I32, Type::I64], constants: |_| vec![[3, 0]] },
    },
    // `eqz (a < b)` is not `a >= b` on floats: both are 0 for a NaN.
    Rule {
        name: "eqz-float-compare",
        opcodes: &[Opcode::I32Eqz],
        apply: |s| {
            let [b] = *s.args else { return None };
            let inst = s.func.dfg.value_inst(b)?;
            let op = s.func.dfg.insts[inst].opcode();
            let inverse = match op {
                Opcode::F32Lt => Opcode::F32Ge,
                Opcode::F64Lt => Opcode::F64Ge,
                _ => return None,
            };
            let args: Vec<Operand> = s.func.dfg.inst_args(inst).iter().map(|&v| Operand::Value(v)).collect();
            Some(Rewrite::Op(inverse, args))
        },
        proof: Proof { patterns: &[LT_F], types: &[Type::F32, Type::F64], constants: |_| vec![[0, 0]] },
    },
    // Two left shifts whose amounts add up past the width shift everything
    // out; wasm's modulo on the sum does not.
    Rule {
        name: "shl-shl-sum-mod-width",
        opcodes: &[Opcode::I32Shl, Opcode::I64Shl],
        apply: |s| {
            let [inner, c2] = *s.args else { return None };
            let c2 = s.func.dfg.int_const(c2)?;
            let def = s.func.dfg.value_inst(inner)?;
            let &[x, c1] = s.func.dfg.inst_args(def) else { return None };
            if s.func.dfg.insts[def].opcode() != s.opcode {
                return None;
            }
            let c1 = s.func.dfg.int_const(c1)?;
            Some(Rewrite::Op(s.opcode, vec![Operand::Value(x), Operand::Const(c1 + c2)]))
        },
        proof: Proof { patterns: &[SHL_SHL], types: &[Type::I32], constants: |_| vec![[20, 20]] },
    },
];

#[test]
fn wrong_rules_are_refuted() {
    for rule in WRONG_RULES {
        for (pair, outcome) in prove(rule) {
            assert!(outcome.is_counterexample(), "wrong rule {} not refuted: {outcome:?}\n{pair}", rule.name);
        }
    }
}

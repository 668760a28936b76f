//! `copy-prop`: copy propagation.
//!
//! Replaces values that are copies of other values by those values:
//!
//! - **aliases** left by other rewrites are resolved in every operand and
//!   block-call argument;
//! - a **block parameter** (never one of the entry block) whose incoming
//!   arguments, over every edge into a reachable block, are all one value
//!   `v` or the parameter itself becomes `v`; the parameter and its argument
//!   on every edge are removed ([`remove_redundant_params`]);
//! - **`select a, a, c`** becomes `a` (any type: `select` moves bits);
//! - **integer identities** (`i32` and `i64` only), each exact for every
//!   input, replace the instruction by its operand `x` (`c` is a constant
//!   operand, `w` the bit width):
//!
//!   | opcode | identity |
//!   |---|---|
//!   | `add` | `x + 0`, `0 + x` |
//!   | `sub` | `x - 0` |
//!   | `mul` | `x * 1`, `1 * x` |
//!   | `div_s`, `div_u` | `x / 1` (a divisor of 1 never traps) |
//!   | `and` | `x & -1`, `-1 & x`, `x & x` |
//!   | `or` | `x \| 0`, `0 \| x`, `x \| x` |
//!   | `xor` | `x ^ 0`, `0 ^ x` |
//!   | `shl`, `shr_s`, `shr_u`, `rotl`, `rotr` | `x op c` with `c mod w = 0` (wasm takes the amount mod `w`) |
//!
//! No float identity is applied: `x + 0.0` is `+0.0` for `x = -0.0`, and
//! even `x + -0.0` or `x * 1.0` turn a NaN operand's payload into the
//! canonical NaN, which memory or `reinterpret` can observe.
//!
//! ```text
//! block0(v0: i32, v1: i32):               block0(v0: i32, v1: i32):
//!     v2 = i32.const 0                        v2 = i32.const 0
//!     v3 = i32.add v0, v2          =>         jump block1
//!     jump block1(v3)                     block1:
//! block1(v4: i32):                            v5 = i32.mul v0, v1
//!     v5 = i32.mul v4, v1                     return v5
//!     return v5
//! ```
//!
//! Preconditions: the function passes the structural verifier. Analyses
//! used: reachability and predecessor edges (recomputed here). Preserves the
//! CFG, dominator tree and loop analysis: no block or edge is added or
//! removed (edges only lose arguments).
//!
//! Verification obligation: the target refines the source with the same
//! events: only pure instructions are removed, each one's result equals
//! its operand for every input; a removed parameter held `v` on every path
//! into its block (it could only receive `v` or its own previous value,
//! which is `v` by induction). Checked per function by `weft-verify`.
//!
//! Complexity: O(instructions + edges) per round; a round that changes
//! nothing ends the pass, and each round removes an instruction or a
//! parameter, so O((params + instructions) × (instructions + edges)) in the
//! worst case, one or two rounds in practice.

use weft_ir::{Block, Function, Inst, InstructionData, Opcode, Value, ValueDef};

use crate::simplify_cfg::{edge_args, incoming_edges, reachable, set_edge};

/// The `copy-prop` pass.
pub struct CopyProp;

impl crate::FunctionPass for CopyProp {
    fn run(&self, func: &mut Function) -> bool {
        let mut changed = has_unresolved_alias(func);
        loop {
            let round = remove_redundant_params(func) | fold_identities(func);
            if !round {
                break;
            }
            changed = true;
        }
        if changed {
            func.dfg.resolve_all_aliases();
        }
        changed
    }
}

/// Does some instruction in the layout use a value through an alias?
fn has_unresolved_alias(func: &Function) -> bool {
    func.layout.blocks().any(|b| {
        func.layout.block_insts(b).any(|i| {
            func.dfg.inst_values(i).iter().any(|&v| func.dfg.value_is_valid(v) && func.dfg.resolve_aliases(v) != v)
        })
    })
}

/// Removes every parameter of a reachable block other than the entry whose
/// incoming arguments are all one value `v` or the parameter itself: the
/// parameter becomes an alias of `v` and its argument is dropped from every
/// edge into the block (edges from unreachable blocks included). Repeats
/// until no parameter qualifies. Returns whether anything changed.
///
/// Sound on verified SSA: the first arrival at the block on any path comes
/// over an edge that passes `v` (the parameter is not yet defined there),
/// so `v`'s definition dominates the block, and every later arrival passes
/// `v` or the parameter's current value, which is `v`.
pub fn remove_redundant_params(func: &mut Function) -> bool {
    let Some(entry) = func.entry_block() else { return false };
    let live = reachable(func);
    let mut changed = false;
    loop {
        let edges = incoming_edges(func);
        let blocks: Vec<Block> = func.layout.blocks().collect();
        let mut round = false;
        for block in blocks {
            if block == entry || !live.contains(block) || edges[block].is_empty() {
                continue;
            }
            for i in (0..func.dfg.block_params(block).len()).rev() {
                let p = func.dfg.block_params(block)[i];
                let Some(v) = unique_incoming(func, &edges[block], i, p) else { continue };
                for &edge in &edges[block] {
                    let mut args = edge_args(func, edge);
                    args.remove(i);
                    set_edge(func, edge, block, &args);
                }
                func.dfg.remove_block_param(block, i);
                func.dfg.change_to_alias(p, v);
                round = true;
            }
        }
        if !round {
            break;
        }
        changed = true;
    }
    changed
}

/// The one value other than `p` passed as argument `i` on every edge, if
/// there is one (with `p`'s type, and defined).
fn unique_incoming(func: &Function, edges: &[crate::simplify_cfg::Edge], i: usize, p: Value) -> Option<Value> {
    let mut only = None;
    for &edge in edges {
        let &a = edge_args(func, edge).get(i)?;
        if !func.dfg.value_is_valid(a) {
            return None;
        }
        let a = func.dfg.resolve_aliases(a);
        if a == p {
            continue;
        }
        match only {
            None => only = Some(a),
            Some(o) if o == a => {}
            Some(_) => return None,
        }
    }
    let v = only?;
    let defined = !matches!(func.dfg.value_def(v), ValueDef::Detached);
    (defined && func.dfg.value_type(v) == func.dfg.value_type(p)).then_some(v)
}

/// Replaces `select a, a, c` and the integer identities by their operand.
fn fold_identities(func: &mut Function) -> bool {
    let mut changed = false;
    let blocks: Vec<Block> = func.layout.blocks().collect();
    for block in blocks {
        let insts: Vec<Inst> = func.layout.block_insts(block).collect();
        for inst in insts {
            let Some(x) = identity_operand(func, inst) else { continue };
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

/// The operand `inst` always equals, if it is one of the identities.
pub fn identity_operand(func: &Function, inst: Inst) -> Option<Value> {
    use Opcode as O;
    let InstructionData::Op { opcode, args, .. } = &func.dfg.insts[inst] else { return None };
    let args = args.as_slice(&func.dfg.value_lists);
    if args.iter().any(|&v| !func.dfg.value_is_valid(v)) {
        return None;
    }
    let same = |a: Value, b: Value| func.dfg.resolve_aliases(a) == func.dfg.resolve_aliases(b);
    if *opcode == O::Select {
        let [a, b, _] = *args else { return None };
        return same(a, b).then_some(a);
    }
    let [a, b] = *args else { return None };
    let c = |v: Value| func.dfg.int_const(v);
    let shift_mask = match opcode {
        O::I32Shl | O::I32ShrS | O::I32ShrU | O::I32Rotl | O::I32Rotr => 31,
        _ => 63,
    };
    match opcode {
        O::I32Add | O::I64Add | O::I32Xor | O::I64Xor => match (c(a), c(b)) {
            (_, Some(0)) => Some(a),
            (Some(0), _) => Some(b),
            _ => None,
        },
        O::I32Or | O::I64Or => match (c(a), c(b)) {
            (_, Some(0)) => Some(a),
            (Some(0), _) => Some(b),
            _ => same(a, b).then_some(a),
        },
        O::I32And | O::I64And => match (c(a), c(b)) {
            (_, Some(-1)) => Some(a),
            (Some(-1), _) => Some(b),
            _ => same(a, b).then_some(a),
        },
        O::I32Mul | O::I64Mul => match (c(a), c(b)) {
            (_, Some(1)) => Some(a),
            (Some(1), _) => Some(b),
            _ => None,
        },
        O::I32Sub | O::I64Sub => (c(b) == Some(0)).then_some(a),
        O::I32DivS | O::I32DivU | O::I64DivS | O::I64DivU => (c(b) == Some(1)).then_some(a),
        O::I32Shl
        | O::I32ShrS
        | O::I32ShrU
        | O::I32Rotl
        | O::I32Rotr
        | O::I64Shl
        | O::I64ShrS
        | O::I64ShrU
        | O::I64Rotl
        | O::I64Rotr => c(b).is_some_and(|k| k & shift_mask == 0).then_some(a),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use weft_ir::interpreter::Val;
    use weft_ir::interpreter::fold::eval_pure;
    use weft_ir::{Imm, Opcode, parse_function};

    /// Each identity [`super::identity_operand`] applies holds under the
    /// interpreter's semantics for a spread of operands (both operand
    /// orders where the identity is commutative).
    #[test]
    fn identities_hold_in_the_interpreter() {
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
                    assert_eq!(super::identity_operand(&func, insts[1]), Some(x), "{ty}.{name} x, {c}");
                    let swapped = super::identity_operand(&func, insts[2]);
                    assert_eq!(swapped, commutes.then_some(x), "{ty}.{name} {c}, x");
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
    }

    /// Near misses are not identities: a shift by 1 or by half the width,
    /// `x * -1`, `x - x`, `0 - x`, and any float operation.
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
            assert_eq!(super::identity_operand(&func, inst), None, "{ty}.{name} x, {c}");
        }
        let text = "function %f(i32) -> i32 {\nblock0(v0: i32):\n    v1 = i32.sub v0, v0\n    return v1\n}\n";
        let func = parse_function(text).unwrap();
        let inst = func.layout.first_inst(func.entry_block().unwrap()).unwrap();
        assert_eq!(super::identity_operand(&func, inst), None);
    }
}

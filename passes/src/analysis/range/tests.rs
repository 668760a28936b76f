use super::*;
use weft_ir::{ControlFlowGraph, DominatorTree, Liveness, parse_function};

/// Runs `check` with the range analysis of `text`.
fn with_ranges(text: &str, check: impl FnOnce(&Function, &RangeAnalysis<'_>, &Liveness)) {
    let func = parse_function(text).expect("parses");
    let cfg = ControlFlowGraph::with_function(&func);
    let domtree = DominatorTree::with_function(&func, &cfg);
    let liveness = Liveness::with_function(&func, &cfg);
    let ra = RangeAnalysis::compute(&func, &cfg, &domtree);
    check(&func, &ra, &liveness);
}

fn block(n: u32) -> Block {
    Block::from_u32(n)
}

fn value(n: u32) -> Value {
    Value::from_u32(n)
}

/// `for i in 0..n { if i >=u len { trap } }` after `if n >u len { trap }`.
const LOOP_UNDER_LEN: &str = "function %f(i32, i32) {
block0(v0: i32, v1: i32):
    v2 = i32.gt_u v0, v1
    brif v2, block9, block1
block1:
    v3 = i32.const 0
    jump block2(v3)
block2(v4: i32):
    v5 = i32.lt_u v4, v0
    brif v5, block3, block8
block3:
    v6 = i32.ge_u v4, v1
    brif v6, block9, block4
block4:
    v7 = i32.const 1
    v8 = i32.add v4, v7
    jump block2(v8)
block8:
    return
block9:
    trap
}
";

#[test]
fn a_check_implied_by_the_loop_test_and_a_check_before_the_loop_is_decided() {
    with_ranges(LOOP_UNDER_LEN, |_, ra, _| {
        // v4 <u v0 (loop test) and v0 <=u v1 (entry check): v4 >=u v1 never.
        assert_eq!(ra.decide(block(3), value(6)), Some(false));
        // The loop test itself is not decided.
        assert_eq!(ra.decide(block(2), value(5)), None);
        // The entry check is not.
        assert_eq!(ra.decide(block(0), value(2)), None);
        let rels = ra.relations_at(block(3));
        assert!(rels.contains(&Relation { lhs: value(4), strict: true, rhs: value(0) }), "{rels:?}");
        assert!(rels.contains(&Relation { lhs: value(0), strict: false, rhs: value(1) }), "{rels:?}");
    });
}

#[test]
fn the_header_states_the_relation_from_before_the_loop_and_not_the_loop_test() {
    with_ranges(LOOP_UNDER_LEN, |_, ra, liveness| {
        let facts: Vec<String> = ra.header_facts(block(2), liveness).iter().map(ToString::to_string).collect();
        assert_eq!(facts, ["(i32.le_u src.v0 src.v1)"], "{facts:?}");
    });
}

/// A per-element check against a constant, after a slice check bounds the
/// count (`stream_read_loop_u8`'s `$upper_chunk`).
const CONSTANT_CAPACITY: &str = "function %f(i32) {
    mem0 = memory min=1

block0(v0: i32):
    v1 = i32.const 4096
    v2 = i32.gt_u v0, v1
    brif v2, block9, block1
block1:
    v3 = i32.const 0
    jump block2(v3)
block2(v4: i32):
    v5 = i32.ge_u v4, v0
    brif v5, block8, block3
block3:
    v6 = i32.ge_u v4, v1
    brif v6, block9, block4
block4:
    v7 = i32.load8_u mem0 v4
    v9 = i32.ge_u v4, v1
    brif v9, block9, block5
block5:
    i32.store8 mem0 v4, v7
    v10 = i32.const 1
    v11 = i32.add v4, v10
    jump block2(v11)
block8:
    return
block9:
    trap
}
";

#[test]
fn checks_against_a_constant_capacity_are_decided_and_the_header_bounds_the_counter() {
    with_ranges(CONSTANT_CAPACITY, |_, ra, liveness| {
        assert_eq!(ra.decide(block(3), value(6)), Some(false));
        assert_eq!(ra.decide(block(4), value(9)), Some(false));
        assert_eq!(ra.decide(block(2), value(5)), None);
        let facts: Vec<String> = ra.header_facts(block(2), liveness).iter().map(ToString::to_string).collect();
        assert!(facts.contains(&"(i32.le_u src.v0 (i32.const 4096))".to_string()), "{facts:?}");
        assert!(facts.contains(&"(i32.le_u src.v4 (i32.const 4096))".to_string()), "{facts:?}");
    });
}

/// A check that is not implied: the loop runs to `n`, the check is against
/// `len`, and nothing relates them; and an off-by-one (`i <=u n` loop).
const NOT_IMPLIED: &str = "function %f(i32, i32) {
block0(v0: i32, v1: i32):
    v2 = i32.gt_u v0, v1
    brif v2, block9, block1
block1:
    v3 = i32.const 0
    jump block2(v3)
block2(v4: i32):
    v5 = i32.le_u v4, v0
    brif v5, block3, block8
block3:
    v6 = i32.ge_u v4, v1
    brif v6, block9, block4
block4:
    v7 = i32.const 1
    v8 = i32.add v4, v7
    jump block2(v8)
block8:
    return
block9:
    trap
}
";

#[test]
fn an_off_by_one_loop_bound_does_not_decide_the_check() {
    with_ranges(NOT_IMPLIED, |_, ra, _| {
        // v4 <=u v0 <=u v1 allows v4 == v1.
        assert_eq!(ra.decide(block(3), value(6)), None);
    });
}

/// Signed loops over non-negative values count as unsigned; `eqz` and
/// `and` are followed.
const SIGNED_AND_EQZ: &str = "function %f(i32, i32) {
block0(v0: i32, v1: i32):
    v2 = i32.const 0
    v3 = i32.lt_s v0, v2
    v4 = i32.gt_u v0, v1
    v5 = i32.or v3, v4
    brif v5, block9, block1
block1:
    v6 = i32.const 1000
    v20 = i32.le_u v0, v6
    brif v20, block10, block9
block10:
    jump block2(v2)
block2(v7: i32):
    v8 = i32.lt_s v7, v0
    v9 = i32.eqz v8
    brif v9, block8, block3
block3:
    v10 = i32.lt_u v7, v1
    v11 = i32.eqz v10
    brif v11, block9, block4
block4:
    v12 = i32.const 1
    v13 = i32.add v7, v12
    jump block2(v13)
block8:
    return
block9:
    trap
}
";

#[test]
fn signed_compares_of_non_negative_values_eqz_and_or_are_followed() {
    with_ranges(SIGNED_AND_EQZ, |_, ra, _| {
        // v7 <s v0 with both in [0, 1000]: v7 <u v0; `or` taken false gives
        // v0 <=u v1; so v7 <u v1 and `eqz (v7 <u v1)` is 0.
        assert_eq!(ra.decide(block(3), value(11)), Some(false));
    });
}

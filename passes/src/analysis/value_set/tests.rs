use super::*;
use crate::analysis::dataflow::{Dataflow, Solution};
use crate::analysis::interval_set::tests::{random_set, samples};
use weft_ir::{Block, ControlFlowGraph, DominatorTree, Function, OpSig, Rng, parse_function};

fn set(w: u32, ranges: &[(u64, u64)]) -> ValueSet {
    ValueSet::of(IntervalSet::from_ranges(w, ranges.to_vec()))
}

fn values(w: u32, xs: &[u64]) -> ValueSet {
    set(w, &xs.iter().map(|&x| (x, x)).collect::<Vec<_>>())
}

/// An operand set for the property tests: a random set, one value, or a
/// few values (the exact path).
fn operand_set(rng: &mut Rng, w: u32) -> IntervalSet {
    let max = max_value(w);
    match rng.below(3) {
        0 => random_set(rng, w),
        1 => IntervalSet::single(w, if rng.chance(50) { rng.below(70) } else { rng.next_u64() & max }),
        _ => {
            let base = rng.next_u64() & max;
            IntervalSet::from_ranges(
                w,
                (0..1 + rng.below(4)).map(|_| base.wrapping_add(rng.below(9)) & max).map(|x| (x, x)).collect(),
            )
        }
    }
}

const OPS: &[Opcode] = {
    use Opcode::*;
    &[
        I32Const,
        I64Const,
        I32Add,
        I64Add,
        I32Sub,
        I64Sub,
        I32Mul,
        I64Mul,
        I32And,
        I64And,
        I32Or,
        I64Or,
        I32Xor,
        I64Xor,
        I32Shl,
        I64Shl,
        I32ShrU,
        I64ShrU,
        I32ShrS,
        I64ShrS,
        I32DivU,
        I64DivU,
        I32RemU,
        I64RemU,
        I32DivS,
        I32RemS,
        I32Rotl,
        I64Rotr,
        I32Eq,
        I32Ne,
        I32LtS,
        I32LtU,
        I32GtS,
        I32GtU,
        I32LeS,
        I32LeU,
        I32GeS,
        I32GeU,
        I64Eq,
        I64Ne,
        I64LtS,
        I64LtU,
        I64GtS,
        I64GtU,
        I64LeS,
        I64LeU,
        I64GeS,
        I64GeU,
        I32Eqz,
        I64Eqz,
        I32Clz,
        I64Ctz,
        I32Popcnt,
        I64ExtendI32U,
        I64ExtendI32S,
        I32WrapI64,
        I32Extend8S,
        I32Extend16S,
        I64Extend8S,
        I64Extend16S,
        I64Extend32S,
    ]
};

/// Every transfer function allows what concrete evaluation computes: for
/// random operand sets and members of them, `eval_pure`'s result is in
/// the result's fact.
#[test]
fn transfers_are_sound_on_sampled_values() {
    let mut rng = Rng::new(12);
    let mut checked = 0;
    for &op in OPS {
        let OpSig::Fixed(params, results) = op.sig() else { panic!("{op}") };
        let ty = results[0];
        for _ in 0..60 {
            let imm = match op {
                Opcode::I32Const => Imm::I32(rng.next_u64() as i32),
                Opcode::I64Const => Imm::I64(rng.next_u64() as i64),
                _ => Imm::None,
            };
            let sets: Vec<IntervalSet> = params.iter().map(|t| operand_set(&mut rng, t.bits())).collect();
            let facts: Vec<ValueSet> = sets.iter().map(|s| ValueSet::of(s.clone())).collect();
            let out = eval(op, imm, ty, params, &facts);
            let members: Vec<Vec<u64>> = sets.iter().map(|s| samples(&mut rng, s)).collect();
            for i in 0..24 {
                let args: Vec<Val> = params
                    .iter()
                    .zip(&members)
                    .map(|(&t, m)| to_val(t, if i < m.len() { m[i] } else { m[rng.index(m.len())] }))
                    .collect();
                let Ok(r) = eval_pure(op, &args, imm) else { continue };
                let x = from_val(&r[0]).unwrap();
                assert!(out.may_be(x), "{op} {args:?} = {x:#x} not in {out:?} (operands {sets:?})");
                checked += 1;
            }
        }
    }
    assert!(checked > 50_000, "{checked}");
}

/// The transfers the module docs call exact are exact.
#[test]
fn transfers_are_exact_where_documented() {
    use Opcode::*;
    let (i32, i64) = (Type::I32, Type::I64);
    let ev = |op, facts: &[ValueSet], tys: &[Type], ty| eval(op, Imm::None, ty, tys, facts);
    let x = set(32, &[(0, 9), (100, 199)]);
    let k = |v| ValueSet::constant(i32, v);
    assert_eq!(eval(I32Const, Imm::I32(-1), i32, &[], &[]), k(0xffff_ffff));
    assert_eq!(ev(I32Add, &[x.clone(), k(1)], &[i32, i32], i32), set(32, &[(1, 10), (101, 200)]));
    assert_eq!(
        ev(I32Sub, &[x.clone(), k(1)], &[i32, i32], i32),
        set(32, &[(0, 8), (99, 198), (u32::MAX as u64, u32::MAX as u64)])
    );
    assert_eq!(ev(I32And, &[x.clone(), k(7)], &[i32, i32], i32), set(32, &[(0, 7)]));
    assert_eq!(ev(I32Shl, &[x.clone(), k(33)], &[i32, i32], i32), set(32, &[(0, 18), (200, 398)]));
    assert_eq!(ev(I32ShrU, &[x.clone(), k(4)], &[i32, i32], i32), set(32, &[(0, 0), (6, 12)]));
    // Compares: decided both ways, or not.
    assert_eq!(ev(I32LtU, &[x.clone(), k(200)], &[i32, i32], i32), k(1));
    assert_eq!(ev(I32GtS, &[x.clone(), k(199)], &[i32, i32], i32), k(0));
    assert_eq!(ev(I32Eq, &[x.clone(), k(50)], &[i32, i32], i32), k(0));
    assert_eq!(ev(I32LeU, &[x.clone(), k(50)], &[i32, i32], i32), set(32, &[(0, 1)]));
    assert_eq!(ev(I32Eqz, &[set(32, &[(1, 5)])], &[i32], i32), k(0));
    // Extensions and wrap.
    let neg = set(32, &[(0xffff_fffe, 0xffff_ffff), (0, 3)]);
    assert_eq!(
        ev(I64ExtendI32S, std::slice::from_ref(&neg), &[i32], i64),
        set(64, &[(0, 3), (u64::MAX - 1, u64::MAX)])
    );
    assert_eq!(ev(I64ExtendI32U, &[neg], &[i32], i64), set(64, &[(0, 3), (0xffff_fffe, 0xffff_ffff)]));
    assert_eq!(ev(I32WrapI64, &[set(64, &[(1 << 32, (1 << 32) + 5)])], &[i64], i32), set(32, &[(0, 5)]));
    assert_eq!(ev(I32Extend8S, &[set(32, &[(0x7f, 0x80)])], &[i32], i32), values(32, &[0x7f, 0xffff_ff80]));
    // Small sets are enumerated exactly, even through multiplication.
    assert_eq!(ev(I32Mul, &[values(32, &[0, 2, 6]), k(3)], &[i32, i32], i32), values(32, &[0, 6, 18]));
    // A division by zero traps: no value.
    assert_eq!(ev(I32DivU, &[x.clone(), k(0)], &[i32, i32], i32), ValueSet::Bottom);
    // Bottom in, bottom out; floats are top.
    assert_eq!(ev(I32Add, &[ValueSet::Bottom, k(1)], &[i32, i32], i32), ValueSet::Bottom);
    assert_eq!(ev(F32Add, &[ValueSet::Top, ValueSet::Top], &[Type::F32, Type::F32], Type::F32), ValueSet::Top);
}

#[test]
fn lattice_bounds_and_widening() {
    let a = set(32, &[(0, 5)]);
    let b = set(32, &[(10, 12)]);
    assert_eq!(a.join(&b), set(32, &[(0, 5), (10, 12)]));
    assert_eq!(a.meet(&b), ValueSet::Bottom);
    assert_eq!(a.join(&ValueSet::Bottom), a);
    assert_eq!(a.meet(&ValueSet::Top), a);
    assert_eq!(a.join(&ValueSet::Top), ValueSet::Top);
    assert_eq!(set(32, &[(0, u32::MAX as u64)]), ValueSet::Top);
    // More than MAX_RANGES ranges are coarsened to a superset.
    let many = values(32, &(0..40).map(|i| i * 10).collect::<Vec<_>>());
    let ValueSet::Values(s) = &many else { panic!() };
    assert_eq!(s.ranges().len(), MAX_RANGES);
    assert!((0..40).all(|i| many.may_be(i * 10)));
    // Widening pushes a moving bound to the end of the domain; a maximum
    // below the sign bit first to the largest non-negative signed value.
    let d = ValueSets;
    let smax = i32::MAX as u64;
    assert_eq!(d.widen(&set(32, &[(0, 3)]), &set(32, &[(0, 4)])), set(32, &[(0, smax)]));
    assert_eq!(d.widen(&set(32, &[(0, smax)]), &set(32, &[(0, smax + 1)])), ValueSet::Top);
    assert_eq!(d.widen(&set(32, &[(5, 9)]), &set(32, &[(4, 9)])), set(32, &[(0, 9)]));
    assert_eq!(d.widen(&set(32, &[(5, 9)]), &set(32, &[(5, 9), (20, 20)])), set(32, &[(5, smax)]));
    assert_eq!(d.widen(&set(64, &[(5, 9)]), &set(64, &[(5, 1 << 63)])), set(64, &[(5, u64::MAX)]));
}

fn solve(func: &Function, entry: Vec<ValueSet>) -> Solution<ValueSet> {
    let cfg = ControlFlowGraph::with_function(func);
    let domtree = DominatorTree::with_function(func, &cfg);
    Dataflow::new(func, &ValueSets).with_entry_facts(entry).with_edge_facts(&domtree).solve()
}

fn block(func: &Function, n: usize) -> Block {
    func.layout.blocks().find(|b| b.to_string() == format!("block{n}")).unwrap()
}

fn value(func: &Function, n: u32) -> Value {
    let v = Value::from_u32(n);
    assert!(func.dfg.value_is_valid(v));
    v
}

fn int_text(ty: Type, x: u64) -> String {
    if ty == Type::I64 { (x as i64).to_string() } else { (x as u32 as i32).to_string() }
}

/// Edge refinement is sound and exact for compares against constants:
/// for random entry sets of `v0` and every compare, shape (`v0 op c`,
/// `c op v0`, `(v0 + k) op c`, `eqz v0`, `eqz (v0 - k)`) and width, every
/// sampled member of the set is allowed on the edge the branch takes for
/// it, and (for `v0 op c`) the fact on the then edge is exactly the
/// members that satisfy the compare.
#[test]
fn edge_refinement_is_sound_on_sampled_values() {
    use Opcode::*;
    let mut rng = Rng::new(7);
    let cmps = [I32Eq, I32Ne, I32LtS, I32LtU, I32GtS, I32GtU, I32LeS, I32LeU, I32GeS, I32GeU];
    for ty in [Type::I32, Type::I64] {
        let w = ty.bits();
        let wide = |op: Opcode| {
            if ty == Type::I64 { Opcode::from_name(&op.to_string().replace("i32.", "i64.")).unwrap() } else { op }
        };
        for round in 0..40 {
            let fx = random_set(&mut rng, w);
            let op = wide(cmps[round % cmps.len()]);
            let c = if rng.chance(50) {
                rng.below(40)
            } else {
                fx.min().unwrap().wrapping_add(rng.below(20)) & max_value(w)
            };
            let k = rng.below(30);
            let shape = round % 5;
            let body = match shape {
                0 => format!("v1 = {ty}.const {}\n    v2 = {op} v0, v1", int_text(ty, c)),
                1 => format!("v1 = {ty}.const {}\n    v2 = {op} v1, v0", int_text(ty, c)),
                2 => format!(
                    "v1 = {ty}.const {}\n    v3 = {ty}.const {k}\n    v4 = {ty}.add v0, v3\n    v2 = {op} v4, v1",
                    int_text(ty, c)
                ),
                3 => format!("v2 = {ty}.eqz v0"),
                _ => format!("v3 = {ty}.const {k}\n    v4 = {ty}.sub v0, v3\n    v2 = {ty}.eqz v4"),
            };
            let text = format!(
                "function %f({ty}) -> {ty} {{\nblock0(v0: {ty}):\n    {body}\n    brif v2, block1, block2\nblock1:\n    return v0\nblock2:\n    return v0\n}}\n"
            );
            let func = parse_function(&text).unwrap_or_else(|e| panic!("{e}\n{text}"));
            let sol = solve(&func, vec![ValueSet::of(fx.clone())]);
            let (v0, b1, b2) = (value(&func, 0), block(&func, 1), block(&func, 2));
            let truth = |x: u64| -> bool {
                let (x, c, k) = (to_val(ty, x), to_val(ty, c), to_val(ty, k));
                let one = |op, args: &[Val]| eval_pure(op, args, Imm::None).unwrap()[0];
                let (add, sub, eqz) = (wide(I32Add), wide(I32Sub), wide(I32Eqz));
                let r = match shape {
                    0 => one(op, &[x, c]),
                    1 => one(op, &[c, x]),
                    2 => one(op, &[one(add, &[x, k]), c]),
                    3 => one(eqz, &[x]),
                    _ => one(eqz, &[one(sub, &[x, k])]),
                };
                r != Val::I32(0)
            };
            for x in samples(&mut rng, &fx) {
                let b = if truth(x) { b1 } else { b2 };
                assert!(sol.block_is_executable(b), "{text}\nx = {x:#x}");
                let f = sol.value_at(&func, b, v0);
                assert!(f.may_be(x), "{text}\nentry {fx:?}: x = {x:#x} not in {f:?} at {b}");
            }
            if shape == 0 {
                let exact = fx.intersect(&IntervalSet::satisfying(op, &IntervalSet::single(w, c)).unwrap());
                if exact.is_empty() {
                    assert!(!sol.block_is_executable(b1), "{text}");
                } else {
                    assert_eq!(*sol.value_at(&func, b1, v0), ValueSet::of(exact), "{text}\nentry {fx:?}");
                }
            }
        }
    }
}

/// The [callback] of `corpus/p3/callback_seq_if.wat` (as the frontend
/// builds it, handlers as calls) with the entry fact `event ∈ {0, 2, 6}`:
/// the tests for 1, 3, 4 and 5 are decided false and their handlers are
/// not executable; the tests for 2 and 6 stay, and under them `event` is
/// exactly 2 or 6. Without the entry fact nothing is decided.
#[test]
fn entry_fact_decides_the_callback_dispatch() {
    let text = "function %callback(i32, i32, i32) -> i32 {
    fn1 = \"on_event\" (i32, i32, i32)
    fn2 = \"poll_task\" () -> i32

block0(v0: i32, v1: i32, v2: i32):
    v3 = i32.const 1
    v4 = i32.eq v0, v3
    brif v4, block1, block3
block1:
    v30 = i32.const 10
    call fn1(v30, v1, v2)
    jump block3
block3:
    v6 = i32.const 2
    v7 = i32.eq v0, v6
    brif v7, block4, block6
block4:
    v31 = i32.const 20
    call fn1(v31, v1, v2)
    jump block6
block6:
    v11 = i32.const 3
    v12 = i32.eq v0, v11
    brif v12, block7, block9
block7:
    v32 = i32.const 30
    call fn1(v32, v1, v2)
    jump block9
block9:
    v16 = i32.const 4
    v17 = i32.eq v0, v16
    brif v17, block10, block12
block10:
    v33 = i32.const 40
    call fn1(v33, v1, v2)
    jump block12
block12:
    v21 = i32.const 5
    v22 = i32.eq v0, v21
    brif v22, block13, block15
block13:
    v34 = i32.const 50
    call fn1(v34, v1, v2)
    jump block15
block15:
    v26 = i32.const 6
    v27 = i32.eq v0, v26
    brif v27, block16, block18
block16:
    v35 = i32.const 60
    call fn1(v35, v1, v2)
    jump block18
block18:
    v28 = call fn2()
    return v28
}
";
    let func = parse_function(text).unwrap();
    let event = values(32, &[0, 2, 6]);
    let sol = solve(&func, vec![event.clone(), ValueSet::Top, ValueSet::Top]);
    let cmps = [(4, 1), (7, 4), (12, 7), (17, 10), (22, 13), (27, 16)];
    let decided: Vec<(u32, ValueSet)> =
        cmps.iter().map(|&(c, _)| (c, sol.value(&func, value(&func, c)).clone())).collect();
    let bool_set = set(32, &[(0, 1)]);
    let never = ValueSet::constant(Type::I32, 0);
    assert_eq!(
        decided,
        vec![
            (4, never.clone()),
            (7, bool_set.clone()),
            (12, never.clone()),
            (17, never.clone()),
            (22, never),
            (27, bool_set)
        ]
    );
    let live: Vec<usize> = cmps.iter().map(|&(_, b)| b).filter(|&b| sol.block_is_executable(block(&func, b))).collect();
    assert_eq!(live, vec![4, 16]);
    let v0 = value(&func, 0);
    assert_eq!(*sol.value_at(&func, block(&func, 4), v0), values(32, &[2]));
    assert_eq!(*sol.value_at(&func, block(&func, 16), v0), values(32, &[6]));
    // After the test for 2 the paths merge: every event is possible again.
    assert_eq!(*sol.value_at(&func, block(&func, 6), v0), event);
    assert_eq!(*sol.value_at(&func, block(&func, 18), v0), event);

    let sol = solve(&func, Vec::new());
    assert!(cmps.iter().all(|&(c, b)| {
        *sol.value(&func, value(&func, c)) == set(32, &[(0, 1)]) && sol.block_is_executable(block(&func, b))
    }));
}

/// A counting loop: the header's parameter keeps growing, is widened, and
/// narrowing brings it back to the values the exit test allows. The
/// result holds every value an execution computes.
#[test]
fn widening_terminates_on_a_counting_loop_and_stays_sound() {
    let text = "function %count(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 0
    jump block1(v1)
block1(v2: i32):
    v3 = i32.const 100
    v4 = i32.lt_u v2, v3
    brif v4, block2, block3
block2:
    v5 = i32.const 3
    v6 = i32.add v2, v5
    jump block1(v6)
block3:
    return v2
}
";
    let func = parse_function(text).unwrap();
    let sol = solve(&func, Vec::new());
    // Concrete values: 0, 3, ..., 102 at the header.
    let header = sol.value(&func, value(&func, 2));
    assert!((0..=34).all(|i| header.may_be(i * 3)), "{header:?}");
    // Each round of narrowing recovers one more step of the progression
    // below the widened hull: {0, 3} ∪ [6, 102] after two rounds.
    assert_eq!(*header, set(32, &[(0, 0), (3, 3), (6, 102)]));
    assert_eq!(*sol.value(&func, value(&func, 6)), set(32, &[(3, 3), (6, 6), (9, 102)]));
    // The exit edge and the loop body see the exit test.
    assert_eq!(*sol.value_at(&func, block(&func, 3), value(&func, 2)), set(32, &[(100, 102)]));
    assert_eq!(*sol.value_at(&func, block(&func, 2), value(&func, 2)), set(32, &[(0, 0), (3, 3), (6, 99)]));
}

/// Loops whose bound is unknown, nested loops and a multiplying loop all
/// terminate; every value the loops compute is allowed.
#[test]
fn widening_terminates_on_unbounded_and_nested_loops() {
    let text = "function %nest(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.const 0
    jump block1(v2, v2)
block1(v3: i32, v4: i32):
    v5 = i32.lt_s v3, v0
    brif v5, block2(v2), block5
block2(v6: i32):
    v7 = i32.const 10
    v8 = i32.lt_u v6, v7
    brif v8, block3, block4
block3:
    v9 = i32.const 1
    v10 = i32.add v6, v9
    v11 = i32.const 3
    v12 = i32.mul v4, v11
    jump block2(v10)
block4:
    v13 = i32.const 1
    v14 = i32.add v3, v13
    v15 = i32.add v4, v6
    jump block1(v14, v15)
block5:
    return v4
}
";
    let func = parse_function(text).unwrap();
    for (entry, bound) in [(Vec::new(), None), (vec![set(32, &[(0, 5)]), ValueSet::Top], Some(5))] {
        let sol = solve(&func, entry);
        let f = |n| sol.value(&func, value(&func, n)).clone();
        // The outer counter: 0, 1, ... up to the bound (any, or at most 5).
        assert!((0..=bound.unwrap_or(1000)).all(|i| f(3).may_be(i)));
        if let Some(b) = bound {
            let ValueSet::Values(s) = f(3) else { panic!("{:?}", f(3)) };
            assert_eq!(s.signed_max(), Some(i128::from(b)));
        }
        // The inner counter is bounded by its exit test whatever the outer one does.
        assert_eq!(f(6), set(32, &[(0, 10)]));
        assert_eq!(f(10), set(32, &[(1, 10)]));
        // The sum grows by 10 per outer iteration.
        assert!((0..1000).all(|i| f(4).may_be(i * 10)));
        assert!(sol.block_is_executable(block(&func, 5)));
    }
}

/// `select (x <u y), x, y` is `min_u x y`: at most the larger of `y`'s
/// maximum less one and `x`'s maximum, even with `x` unknown.
#[test]
fn select_of_a_compare_is_refined_by_it() {
    let text = "function %min(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.const 15
    v3 = i32.and v1, v2
    v4 = i32.lt_u v0, v3
    v5 = select v0, v3, v4
    v6 = i32.gt_u v5, v2
    return v5
}
";
    let func = parse_function(text).unwrap();
    let sol = solve(&func, Vec::new());
    assert_eq!(*sol.value(&func, value(&func, 5)), set(32, &[(0, 15)]));
    assert_eq!(*sol.value(&func, value(&func, 6)), ValueSet::constant(Type::I32, 0));
    let mut rng = Rng::new(3);
    for _ in 0..200 {
        let (x, y) = (rng.next_u64() as u32, rng.next_u64() as u32 & 15);
        assert!(sol.value(&func, value(&func, 5)).may_be(u64::from(x.min(y))));
    }
}

/// `br_table` cases and default refine the index; a test contradicted by
/// an enclosing one leaves its edge unexecutable; at a merge the index's
/// fact is the join of what each incoming edge allows.
#[test]
fn branch_tables_nested_tests_and_merges_refine() {
    let text = "function %t(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 10
    v2 = i32.lt_u v0, v1
    brif v2, block1, block5
block1:
    br_table v0, block4, [block2, block3]
block2:
    return v0
block3:
    return v0
block4:
    v3 = i32.const 20
    v4 = i32.gt_u v0, v3
    brif v4, block6, block5
block5:
    return v0
block6:
    return v0
}
";
    let func = parse_function(text).unwrap();
    let sol = solve(&func, Vec::new());
    let v0 = value(&func, 0);
    let at = |b| sol.value_at(&func, block(&func, b), v0).clone();
    assert_eq!(at(1), set(32, &[(0, 9)]));
    assert_eq!(at(2), values(32, &[0]));
    assert_eq!(at(3), values(32, &[1]));
    assert_eq!(at(4), set(32, &[(2, 9)]));
    assert_eq!(*sol.value(&func, value(&func, 4)), ValueSet::constant(Type::I32, 0));
    assert!(!sol.block_is_executable(block(&func, 6)));
    assert_eq!(at(5), set(32, &[(2, u64::from(u32::MAX))]));
    // The fact at the definition holds everywhere: nothing is known.
    assert_eq!(*sol.value(&func, v0), ValueSet::Top);
}

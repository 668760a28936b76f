//! IR functions written in text, emitted by the backend into a small
//! module, validated, and executed under wasmtime against a Rust model of
//! what they compute. Shapes of the output (locals, copies, stack use) are
//! checked where the backend promises them.

mod common;
use common::*;

#[test]
fn straight_line_code_stays_on_the_stack() {
    let (mut inst, bytes) = instantiate(
        r#"
function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.add v0, v1
    v3 = i32.const 3
    v4 = i32.mul v2, v3
    v5 = i32.const 1
    v6 = i32.shr_s v0, v5
    v7 = i32.sub v4, v6
    v8 = i32.xor v7, v1
    return v8
}
"#,
    );
    let model = |a: i32, b: i32| (a.wrapping_add(b).wrapping_mul(3).wrapping_sub(a >> 1)) ^ b;
    for (a, b) in [(0, 0), (1, 2), (-7, 3), (i32::MAX, 1), (i32::MIN, -1), (123_456, -98_765)] {
        assert_eq!(inst.i32("f", &[a, b]), model(a, b), "f({a}, {b})");
    }
    let shape = &shapes(&bytes)[0];
    assert_eq!(shape.locals, 0, "every value is used once, in order: no locals\n{}", print(&bytes));
    assert_eq!(shape.count("LocalSet") + shape.count("LocalTee"), 0, "{}", print(&bytes));
    assert_eq!(shape.count("Return"), 0, "the final return falls off the end\n{}", print(&bytes));
}

#[test]
fn values_used_twice_are_teed() {
    let (mut inst, bytes) = instantiate(
        r#"
function %square_plus(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 5
    v2 = i32.add v0, v1
    v3 = i32.mul v2, v2
    v4 = i32.add v3, v2
    return v4
}
"#,
    );
    for x in [-3i32, 0, 1, 10, 46_340] {
        let y = x.wrapping_add(5);
        assert_eq!(inst.i32("square_plus", &[x]), y.wrapping_mul(y).wrapping_add(y));
    }
    let shape = &shapes(&bytes)[0];
    assert_eq!(shape.count("LocalTee"), 1, "{}", print(&bytes));
    assert_eq!(shape.count("LocalSet"), 0, "{}", print(&bytes));
    // `v0` is dead once `v2` exists, so `v2` reuses the parameter's local.
    assert_eq!(shape.locals, 0, "{}", print(&bytes));
}

#[test]
fn diamond_merges_through_one_local() {
    let (mut inst, bytes) = instantiate(
        r#"
function %max(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.gt_s v0, v1
    brif v2, block1, block2(v1)
block1:
    jump block2(v0)
block2(v3: i32):
    return v3
}

function %clamp_sign(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 0
    v2 = i32.lt_s v0, v1
    brif v2, block1, block2
block1:
    v3 = i32.const -1
    jump block3(v3)
block2:
    v4 = i32.eqz v0
    brif v4, block3(v0), block4
block4:
    v5 = i32.const 1
    jump block3(v5)
block3(v6: i32):
    v7 = i32.const 100
    v8 = i32.mul v6, v7
    return v8
}
"#,
    );
    for (a, b) in [(1, 2), (2, 1), (-5, -5), (i32::MIN, i32::MAX)] {
        assert_eq!(inst.i32("max", &[a, b]), a.max(b));
    }
    for x in [-9, -1, 0, 1, 77] {
        assert_eq!(inst.i32("clamp_sign", &[x]), x.signum() * 100);
    }
    // `max`: the merge parameter shares a local with an argument, so the
    // only copy is the one on the `then` edge.
    let shape = &shapes(&bytes)[0];
    assert_eq!(shape.locals, 0, "{}", print(&bytes));
    assert_eq!(shape.count("LocalSet"), 1, "{}", print(&bytes));
}

#[test]
fn nested_loops_with_block_params() {
    // sum over i < n, j < i of (i ^ j) + 1, and the loop counters are
    // block parameters.
    let (mut inst, bytes) = instantiate(
        r#"
function %nested(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 0
    jump block1(v1, v1)
block1(v2: i32, v3: i32):
    v4 = i32.lt_s v2, v0
    brif v4, block2(v3), block5
block2(v5: i32):
    v6 = i32.const 0
    jump block3(v6, v5)
block3(v7: i32, v8: i32):
    v9 = i32.lt_s v7, v2
    brif v9, block4, block6
block4:
    v10 = i32.xor v2, v7
    v11 = i32.add v8, v10
    v12 = i32.const 1
    v13 = i32.add v11, v12
    v14 = i32.add v7, v12
    jump block3(v14, v13)
block6:
    v15 = i32.const 1
    v16 = i32.add v2, v15
    jump block1(v16, v8)
block5:
    return v3
}
"#,
    );
    let model = |n: i32| {
        let mut acc = 0i32;
        for i in 0..n {
            for j in 0..i {
                acc = acc.wrapping_add((i ^ j) + 1);
            }
        }
        acc
    };
    for n in [0, 1, 2, 3, 10, 57] {
        assert_eq!(inst.i32("nested", &[n]), model(n), "nested({n})");
    }
    // Loop-carried parameters coalesce with their updates: inside the loops
    // each counter is written once per iteration, no copies.
    let shape = &shapes(&bytes)[0];
    assert!(shape.count("LocalSet") + shape.count("LocalTee") <= 6, "{}", print(&bytes));
    assert_eq!(shape.count("Loop"), 2);
}

#[test]
fn merge_fed_by_a_live_parameter_copies_once() {
    // `memcpy`'s shape: a merge reached with the parameter `v1` itself (its
    // edge comes first) and with `v1 + k` from a chain of steps that keep
    // using `v1`. Coalescing the merge with `v1` first would make every
    // `v1 + k` interfere with it (one copy per step); the steps' values
    // share the merge's local and only the parameter's edge copies.
    let (mut inst, bytes) = instantiate(
        r#"
function %steps(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.const 3
    v3 = i32.and v0, v2
    brif v3, block1, block9(v1)
block1:
    v4 = i32.const 1
    v5 = i32.add v1, v4
    v6 = i32.const 1
    v7 = i32.and v0, v6
    brif v7, block2, block9(v5)
block2:
    v8 = i32.const 2
    v9 = i32.add v1, v8
    v10 = i32.const 2
    v11 = i32.and v0, v10
    brif v11, block3, block9(v9)
block3:
    v12 = i32.const 3
    v13 = i32.add v1, v12
    v14 = i32.const 4
    v15 = i32.and v0, v14
    brif v15, block4, block9(v13)
block4:
    v16 = i32.const 4
    v17 = i32.add v1, v16
    jump block9(v17)
block9(v18: i32):
    v19 = i32.const 10
    v20 = i32.mul v18, v19
    return v20
}
"#,
    );
    let model = |a: i32, b: i32| {
        let k = if a & 3 == 0 {
            0
        } else if a & 1 == 0 {
            1
        } else if a & 2 == 0 {
            2
        } else if a & 4 == 0 {
            3
        } else {
            4
        };
        b.wrapping_add(k).wrapping_mul(10)
    };
    for a in [0, 1, 2, 3, 4, 5, 7, 8, 15, -1] {
        for b in [0, 9, -3] {
            assert_eq!(inst.i32("steps", &[a, b]), model(a, b), "steps({a}, {b})");
        }
    }
    let shape = &shapes(&bytes)[0];
    assert_eq!(shape.locals, 1, "{}", print(&bytes));
    // One copy on the parameter's edge; each step writes its value into the
    // merge's local once (a set or a tee), with no second copy.
    assert_eq!(shape.count("LocalSet") + shape.count("LocalTee"), 5, "{}", print(&bytes));
}

#[test]
fn loop_with_several_exits() {
    // Collatz steps from x, giving up after `limit` steps (-1) or when the
    // value leaves the i32 range (-2).
    let (mut inst, _) = instantiate(
        r#"
function %collatz(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.const 0
    jump block1(v0, v2)
block1(v3: i32, v4: i32):
    v5 = i32.const 1
    v6 = i32.eq v3, v5
    brif v6, block9(v4), block2
block2:
    v7 = i32.ge_s v4, v1
    brif v7, block7, block3
block3:
    v8 = i32.const 1
    v9 = i32.and v3, v8
    v10 = i32.add v4, v8
    brif v9, block4, block5
block5:
    v11 = i32.shr_u v3, v8
    jump block1(v11, v10)
block4:
    v12 = i32.const 715827882
    v13 = i32.gt_u v3, v12
    brif v13, block8, block6
block6:
    v14 = i32.const 3
    v15 = i32.mul v3, v14
    v16 = i32.add v15, v8
    jump block1(v16, v10)
block7:
    v17 = i32.const -1
    jump block9(v17)
block8:
    v18 = i32.const -2
    return v18
block9(v19: i32):
    return v19
}
"#,
    );
    let model = |mut x: i32, limit: i32| {
        let mut steps = 0;
        loop {
            if x == 1 {
                return steps;
            }
            if steps >= limit {
                return -1;
            }
            steps += 1;
            if x & 1 == 0 {
                x = ((x as u32) >> 1) as i32;
            } else {
                if x as u32 > 715_827_882 {
                    return -2;
                }
                x = x * 3 + 1;
            }
        }
    };
    for (x, limit) in [(1, 10), (6, 100), (27, 1000), (27, 50), (97, 10_000), (715_827_883, 5), (-4, 100)] {
        assert_eq!(inst.i32("collatz", &[x, limit]), model(x, limit), "collatz({x}, {limit})");
    }
}

#[test]
fn br_table_with_block_arguments() {
    let (mut inst, bytes) = instantiate(
        r#"
function %switch(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.const 1
    v3 = i32.add v1, v2
    v4 = i32.const 2
    v5 = i32.mul v1, v4
    v6 = i32.sub v1, v2
    br_table v0, block3(v1), [block1(v3), block2(v5), block1(v6), block3(v1), block4, block1(v3)]
block1(v7: i32):
    v8 = i32.const 10
    v9 = i32.mul v7, v8
    jump block5(v9)
block2(v10: i32):
    v11 = i32.const 7
    v12 = i32.add v10, v11
    jump block5(v12)
block3(v13: i32):
    v14 = i32.const 1000
    v15 = i32.sub v14, v13
    jump block5(v15)
block4:
    v16 = i32.const -5
    jump block5(v16)
block5(v17: i32):
    v18 = i32.const 3
    v19 = i32.xor v17, v18
    return v19
}
"#,
    );
    let model = |x: i32, a: i32| {
        let r = match x {
            0 | 5 => (a + 1) * 10,
            1 => a * 2 + 7,
            2 => (a - 1) * 10,
            4 => -5,
            _ => 1000 - a,
        };
        r ^ 3
    };
    for x in [-1, 0, 1, 2, 3, 4, 5, 6, 100] {
        for a in [0, 4, -20] {
            assert_eq!(inst.i32("switch", &[x, a]), model(x, a), "switch({x}, {a})");
        }
    }
    assert_eq!(shapes(&bytes)[0].count("BrTable"), 1, "{}", print(&bytes));
}

#[test]
fn swapped_and_rotated_arguments_are_parallel_copies() {
    let (mut inst, _) = instantiate(
        r#"
function %swap(i32, i32, i32) -> i32 {
block0(v0: i32, v1: i32, v2: i32):
    jump block1(v0, v1, v2)
block1(v3: i32, v4: i32, v5: i32):
    v6 = i32.eqz v5
    brif v6, block3, block2
block2:
    v7 = i32.const 1
    v8 = i32.sub v5, v7
    jump block1(v4, v3, v8)
block3:
    v9 = i32.const 16
    v10 = i32.shl v3, v9
    v11 = i32.or v10, v4
    return v11
}

function %rotate(i32, i32, i32, i32) -> i32 {
block0(v0: i32, v1: i32, v2: i32, v3: i32):
    jump block1(v0, v1, v2, v3)
block1(v4: i32, v5: i32, v6: i32, v7: i32):
    v8 = i32.eqz v7
    brif v8, block3, block2
block2:
    v9 = i32.const 1
    v10 = i32.sub v7, v9
    jump block1(v5, v6, v4, v10)
block3:
    v11 = i32.const 8
    v12 = i32.shl v4, v11
    v13 = i32.or v12, v5
    v14 = i32.shl v13, v11
    v15 = i32.or v14, v6
    return v15
}

function %fib(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 0
    v2 = i32.const 1
    jump block1(v1, v2, v0)
block1(v3: i32, v4: i32, v5: i32):
    brif v5, block2, block3
block2:
    v6 = i32.add v3, v4
    v7 = i32.const 1
    v8 = i32.sub v5, v7
    jump block1(v4, v6, v8)
block3:
    return v3
}
"#,
    );
    for n in 0..7 {
        let (a, b) = if n % 2 == 0 { (1, 2) } else { (2, 1) };
        assert_eq!(inst.i32("swap", &[1, 2, n]), (a << 16) | b, "swap n={n}");
        let mut r = [1, 2, 3];
        for _ in 0..n {
            r = [r[1], r[2], r[0]];
        }
        assert_eq!(inst.i32("rotate", &[1, 2, 3, n]), (r[0] << 16) | (r[1] << 8) | r[2], "rotate n={n}");
    }
    let fib = |n: i32| (0..n).fold((0i32, 1i32), |(a, b), _| (b, a.wrapping_add(b))).0;
    for n in [0, 1, 2, 10, 30, 50] {
        assert_eq!(inst.i32("fib", &[n]), fib(n), "fib({n})");
    }
}

#[test]
fn both_arms_to_the_same_block() {
    let (mut inst, _) = instantiate(
        r#"
function %pick(i32, i32, i32) -> i32 {
block0(v0: i32, v1: i32, v2: i32):
    brif v0, block1(v1, v2), block1(v2, v1)
block1(v3: i32, v4: i32):
    v5 = i32.const 100
    v6 = i32.mul v3, v5
    v7 = i32.add v6, v4
    return v7
}

function %same(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    brif v0, block1, block1
block1:
    return v1
}
"#,
    );
    assert_eq!(inst.i32("pick", &[1, 3, 4]), 304);
    assert_eq!(inst.i32("pick", &[0, 3, 4]), 403);
    assert_eq!(inst.i32("same", &[0, 9]), 9);
    assert_eq!(inst.i32("same", &[5, 9]), 9);
}

#[test]
fn unreachable_blocks_are_not_emitted() {
    let (mut inst, bytes) = instantiate(
        r#"
function %f(i32) -> i32 {
block0(v0: i32):
    return v0
block1:
    v1 = i32.const 12345
    v2 = i32.mul v1, v1
    return v2
}
"#,
    );
    assert_eq!(inst.i32("f", &[3]), 3);
    assert_eq!(shapes(&bytes)[0].count("I32Mul"), 0, "{}", print(&bytes));
}

#[test]
fn multi_value_returns_and_calls() {
    let (mut inst, _) = instantiate(
        r#"
function %divmod(i32, i32) -> i32, i32 {
block0(v0: i32, v1: i32):
    v2 = i32.div_u v0, v1
    v3 = i32.rem_u v0, v1
    return v2, v3
}

function %use_divmod(i32, i32) -> i32 {
    fn0 = (i32, i32) -> i32, i32

block0(v0: i32, v1: i32):
    v2, v3 = call fn0(v0, v1)
    v4 = i32.const 1000
    v5 = i32.mul v2, v4
    v6 = i32.add v5, v3
    return v6
}

function %swap_pair(i32, i64) -> i64, i32 {
block0(v0: i32, v1: i64):
    return v1, v0
}

function %through_params(i32, i32, i32) -> i32 {
    fn0 = (i32, i32) -> i32, i32

block0(v0: i32, v1: i32, v2: i32):
    v3, v4 = call fn0(v0, v1)
    brif v2, block1, block2
block1:
    v5, v6 = call fn0(v0, v1)
    jump block3(v5, v6)
block2:
    jump block3(v4, v3)
block3(v7: i32, v8: i32):
    v9 = i32.const 1000
    v10 = i32.mul v7, v9
    v11 = i32.add v10, v8
    return v11
}

function %unused_second(i32) -> i32 {
    fn0 = (i32, i32) -> i32, i32

block0(v0: i32):
    v1 = i32.const 7
    v2, v3 = call fn0(v0, v1)
    return v2
}
"#,
    );
    for (a, b) in [(17, 5), (1000, 7), (3, 9)] {
        assert_eq!(inst.i32("use_divmod", &[a, b]), (a / b) * 1000 + a % b);
    }
    let r = inst.call("divmod", &[wasmtime::Val::I32(23), wasmtime::Val::I32(4)]).expect("no trap");
    assert_eq!((r[0].unwrap_i32(), r[1].unwrap_i32()), (5, 3));
    let r = inst.call("swap_pair", &[wasmtime::Val::I32(-3), wasmtime::Val::I64(1 << 40)]).expect("no trap");
    assert_eq!((r[0].unwrap_i64(), r[1].unwrap_i32()), (1 << 40, -3));
    assert_eq!(inst.i32("unused_second", &[50]), 7);
    // In order through a jump (stays on the stack), and swapped (locals).
    assert_eq!(inst.i32("through_params", &[17, 5, 1]), 3 * 1000 + 2);
    assert_eq!(inst.i32("through_params", &[17, 5, 0]), 2 * 1000 + 3);
    assert!(
        inst.call("use_divmod", &[wasmtime::Val::I32(1), wasmtime::Val::I32(0)]).is_err(),
        "division by zero traps"
    );
}

#[test]
fn v128_values_in_loops() {
    // Sums i32x4 splats of 0..n in a vector loop-carried parameter, then
    // adds up the lanes with per-lane weights.
    let (mut inst, _) = instantiate(
        r#"
function %vsum(i32) -> i32 {
block0(v0: i32):
    v1 = v128.const 0x00000004000000030000000200000001
    v2 = v128.const 0x0
    v3 = i32.const 0
    jump block1(v2, v3)
block1(v4: v128, v5: i32):
    v6 = i32.lt_s v5, v0
    brif v6, block2, block3
block2:
    v7 = i32x4.splat v5
    v8 = i32x4.mul v7, v1
    v9 = i32x4.add v4, v8
    v10 = i32.const 1
    v11 = i32.add v5, v10
    jump block1(v9, v11)
block3:
    v12 = i32x4.extract_lane 0 v4
    v13 = i32x4.extract_lane 3 v4
    v14 = i32.const 100
    v15 = i32.mul v13, v14
    v16 = i32.add v12, v15
    return v16
}
"#,
    );
    for n in [0, 1, 5, 40] {
        let s: i32 = (0..n).sum();
        assert_eq!(inst.i32("vsum", &[n]), s + 4 * s * 100, "vsum({n})");
    }
}

#[test]
fn loads_and_stores_keep_their_order() {
    // The load must not sink below the store even though its value is used
    // after it; the call must not move across memory accesses either.
    let (mut inst, _) = instantiate(
        r#"
function %exchange(i32, i32) -> i32 {
    mem0 = memory min=1

block0(v0: i32, v1: i32):
    v2 = i32.load mem0 v0
    i32.store mem0 v0, v1
    v3 = i32.const 1
    v4 = i32.add v2, v3
    return v4
}

function %bump(i32) -> i32 {
    mem0 = memory min=1

block0(v0: i32):
    v1 = i32.load mem0 v0
    v2 = i32.const 1
    v3 = i32.add v1, v2
    i32.store mem0 v0, v3
    return v1
}

function %around_call(i32) -> i32 {
    fn1 = (i32) -> i32
    mem0 = memory min=1

block0(v0: i32):
    v1 = i32.load mem0 v0
    v2 = call fn1(v0)
    v3 = i32.load mem0 v0
    v4 = i32.const 16
    v5 = i32.shl v1, v4
    v6 = i32.add v5, v3
    v7 = i32.add v6, v2
    return v7
}

function %globals(i32) -> i32 {
    gv0 = global mut i32

block0(v0: i32):
    v1 = global.get gv0
    global.set gv0 v0
    v2 = global.get gv0
    v3 = i32.const 8
    v4 = i32.shl v1, v3
    v5 = i32.or v4, v2
    return v5
}
"#,
    );
    assert_eq!(inst.i32("exchange", &[16, 41]), 1);
    assert_eq!(inst.i32("exchange", &[16, 7]), 42);
    assert_eq!(inst.i32("around_call", &[16]), (7 << 16) + 8 + 7);
    assert_eq!(inst.i32("globals", &[3]), 3);
    assert_eq!(inst.i32("globals", &[5]), (3 << 8) | 5);
    let mem = inst.memory();
    assert_eq!(i32::from_le_bytes([mem[16], mem[17], mem[18], mem[19]]), 8);
}

#[test]
fn calls_recursion_and_call_indirect() {
    let (mut inst, _) = instantiate(
        r#"
function %fact(i64) -> i64 {
    fn0 = (i64) -> i64

block0(v0: i64):
    v1 = i64.const 1
    v2 = i64.le_s v0, v1
    brif v2, block1, block2
block1:
    return v1
block2:
    v3 = i64.sub v0, v1
    v4 = call fn0(v3)
    v5 = i64.mul v0, v4
    return v5
}

function %apply(i32, i64) -> i64 {
    sig0 = (i64) -> i64
    table0 = table funcref min=2

block0(v0: i32, v1: i64):
    v2 = call_indirect sig0 table0 v0(v1)
    v3 = i64.const 1
    v4 = i64.add v2, v3
    return v4
}
"#,
    );
    let fact = |n: i64| (1..=n).product::<i64>();
    for n in [0, 1, 5, 20] {
        assert_eq!(inst.i64("fact", &[n]), fact(n).max(1));
        assert_eq!(
            inst.call("apply", &[wasmtime::Val::I32(0), wasmtime::Val::I64(n)]).expect("no trap")[0].unwrap_i64(),
            fact(n).max(1) + 1
        );
    }
    assert!(inst.call("apply", &[wasmtime::Val::I32(1), wasmtime::Val::I64(3)]).is_err(), "signature mismatch traps");
}

#[test]
fn tail_calls_do_not_grow_the_stack() {
    let (mut inst, _) = instantiate(
        r#"
function %is_even(i32) -> i32 {
    fn1 = (i32) -> i32

block0(v0: i32):
    brif v0, block1, block2
block1:
    v1 = i32.const 1
    v2 = i32.sub v0, v1
    return_call fn1(v2)
block2:
    v3 = i32.const 1
    return v3
}

function %is_odd(i32) -> i32 {
    fn0 = (i32) -> i32

block0(v0: i32):
    brif v0, block1, block2
block1:
    v1 = i32.const 1
    v2 = i32.sub v0, v1
    return_call fn0(v2)
block2:
    v3 = i32.const 0
    return v3
}
"#,
    );
    assert_eq!(inst.i32("is_even", &[10]), 1);
    assert_eq!(inst.i32("is_odd", &[7]), 1);
    assert_eq!(inst.i32("is_even", &[1_000_001]), 0, "a million frames would overflow without tail calls");
}

#[test]
fn traps_and_reference_selects() {
    let (mut inst, _) = instantiate(
        r#"
function %checked(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 10
    v2 = i32.ge_u v0, v1
    brif v2, block1, block2
block1:
    trap
block2:
    v3 = i32.const 2
    v4 = i32.mul v0, v3
    return v4
}

function %pick_null(i32) -> i32 {
    fn0 = (i32) -> i32

block0(v0: i32):
    v1 = ref.null funcref
    v2 = ref.func fn0
    v3 = select v1, v2, v0
    v4 = ref.is_null v3
    return v4
}
"#,
    );
    assert_eq!(inst.i32("checked", &[4]), 8);
    assert!(inst.call("checked", &[wasmtime::Val::I32(10)]).is_err());
    assert_eq!(inst.i32("pick_null", &[1]), 1);
    assert_eq!(inst.i32("pick_null", &[0]), 0);
}

#[test]
fn unused_pure_values_are_not_emitted_and_unused_results_dropped() {
    let (mut inst, bytes) = instantiate(
        r#"
function %f(i32) -> i32 {
    fn1 = (i32) -> i32

block0(v0: i32):
    v1 = i32.const 99
    v2 = i32.mul v0, v1
    v3 = call fn1(v0)
    v4 = i32.const 1
    v5 = i32.add v0, v4
    return v5
}

function %g(i32) -> i32 {
block0(v0: i32):
    return v0
}
"#,
    );
    assert_eq!(inst.i32("f", &[41]), 42);
    let shape = &shapes(&bytes)[0];
    assert_eq!(shape.count("I32Mul"), 0, "{}", print(&bytes));
    assert_eq!(shape.count("Drop"), 1, "{}", print(&bytes));
}

#[test]
fn zero_initialized_loop_counters_need_no_store() {
    let (mut inst, bytes) = instantiate(
        r#"
function %count(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 0
    v2 = i64.const 0
    jump block1(v1, v2)
block1(v3: i32, v4: i64):
    v5 = i32.lt_s v3, v0
    brif v5, block2, block3
block2:
    v6 = i64.extend_i32_s v3
    v7 = i64.add v4, v6
    v8 = i32.const 1
    v9 = i32.add v3, v8
    jump block1(v9, v7)
block3:
    v10 = i32.wrap_i64 v4
    return v10
}
"#,
    );
    for n in [0, 1, 10, 1000] {
        assert_eq!(inst.i32("count", &[n]), (0..n).sum::<i32>());
    }
    let shape = &shapes(&bytes)[0];
    // One store per loop-carried value per iteration; none before the loop.
    assert_eq!(shape.count("LocalSet"), 2, "{}", print(&bytes));
    assert_eq!(shape.count("I32Const") + shape.count("I64Const"), 1, "{}", print(&bytes));
}

#[test]
fn deeply_nested_control_flow_is_emitted() {
    // 3000 sequential diamonds: recursion depth in the structurizer.
    let mut text = String::from("function %deep(i32) -> i32 {\nblock0(v0: i32):\n    jump block1(v0)\n");
    let n = 3000;
    for i in 0..n {
        let (head, t, e, merge) = (1 + 3 * i, 2 + 3 * i, 3 + 3 * i, 4 + 3 * i);
        let (p, c, one, r1, r2) = (1 + 5 * i, 2 + 5 * i, 3 + 5 * i, 4 + 5 * i, 5 + 5 * i);
        text += &format!(
            "block{head}(v{p}: i32):\n    v{one} = i32.const 1\n    v{c} = i32.and v{p}, v{one}\n    brif v{c}, block{t}, block{e}\nblock{t}:\n    v{r1} = i32.add v{p}, v{one}\n    jump block{merge}(v{r1})\nblock{e}:\n    v{r2} = i32.sub v{p}, v{one}\n    jump block{merge}(v{r2})\n"
        );
    }
    text += &format!("block{}(v{}: i32):\n    return v{}\n}}\n", 1 + 3 * n, 1 + 5 * n, 1 + 5 * n);
    let (mut inst, _) = instantiate(&text);
    let model = |x: i32| (0..n).fold(x, |p, _| if p & 1 != 0 { p + 1 } else { p - 1 });
    for x in [0, 1, 2, 7] {
        assert_eq!(inst.i32("deep", &[x]), model(x));
    }
}

#[test]
fn irreducible_control_flow_is_an_error() {
    let funcs = parse(
        r#"
function %irreducible(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2
block1:
    jump block2
block2:
    brif v0, block1, block3
block3:
    return v0
}
"#,
    );
    match weft_backend::emit_function(&funcs[0]) {
        Err(weft_backend::BackendError::Irreducible { func, .. }) => assert_eq!(func, "irreducible"),
        other => panic!("expected an irreducibility error, got {other:?}"),
    }
}

#[test]
fn malformed_ir_is_an_error_not_a_panic() {
    // A use not dominated by its definition.
    let funcs = parse(
        r#"
function %bad(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2
block1:
    v1 = i32.const 1
    jump block2
block2:
    return v1
}

function %no_terminator(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 1
}

function %arity(i32) -> i32 {
block0(v0: i32):
    jump block1(v0, v0)
block1(v1: i32):
    return v1
}
"#,
    );
    for func in &funcs {
        match weft_backend::emit_function(func) {
            Err(weft_backend::BackendError::Malformed { func: name, message, .. }) => {
                assert_eq!(name, func.name);
                assert!(!message.is_empty());
            }
            other => panic!("{}: expected a malformed-IR error, got {other:?}", func.name),
        }
    }
}

#[test]
fn output_is_deterministic() {
    let text = r#"
function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    br_table v0, block3, [block1(v1), block2, block1(v0)]
block1(v2: i32):
    v3 = i32.const 3
    v4 = i32.mul v2, v3
    jump block3
block2:
    jump block3
block3:
    return v1
}
"#;
    let a = weft_backend::emit_function_body(&parse(text)[0]).expect("emits");
    let b = weft_backend::emit_function_body(&parse(text)[0]).expect("emits");
    assert_eq!(a, b);
}

#[test]
fn a_branch_on_eqz_keeps_its_arms_in_order() {
    // `brif (eqz v0)` pushes `v0` and tests it for zero. The arms stay in
    // the IR's order, the first on the fall-through path of the `if`
    // (Cranelift lays out an `if`'s first arm next): swapping them to save
    // the `eqz` made the source's fall-through path a taken branch. Where an
    // arm is a plain branch the `eqz` folds into the `br_if` instead.
    let text = r#"
function %ordered(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.eqz v0
    brif v2, block1, block2
block1:
    v3 = i32.const 7
    v4 = i32.mul v1, v3
    jump block3(v4)
block2:
    v5 = i32.const 9
    v6 = i32.add v1, v5
    jump block3(v6)
block3(v7: i32):
    return v7
}

function %skip(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.eqz v0
    brif v2, block1, block2
block1:
    v3 = i32.const 7
    v4 = i32.mul v1, v3
    return v4
block2:
    return v1
}
"#;
    let (mut inst, bytes) = instantiate(text);
    let size_options = weft_backend::EmitOptions { prefer_size: true };
    let (mut small, small_bytes) = instantiate_with(text, &size_options);
    for a in [0i32, 1, -1, 5] {
        for b in [0i32, 3, -8] {
            let expected = if a == 0 { b.wrapping_mul(7) } else { b.wrapping_add(9) };
            assert_eq!(inst.i32("ordered", &[a, b]), expected, "ordered({a}, {b})");
            let expected = if a == 0 { b.wrapping_mul(7) } else { b };
            assert_eq!(inst.i32("skip", &[a, b]), expected, "skip({a}, {b})");
            assert_eq!(small.i32("skip", &[a, b]), expected, "skip({a}, {b}), prefer_size");
            let expected = if a == 0 { b.wrapping_mul(7) } else { b.wrapping_add(9) };
            assert_eq!(small.i32("ordered", &[a, b]), expected, "ordered({a}, {b}), prefer_size");
        }
    }
    let shapes = shapes(&bytes);
    let ordered = &shapes[0].ops;
    let pos = |op: &str| ordered.iter().position(|o| o == op).unwrap_or_else(|| panic!("no {op}: {}", print(&bytes)));
    assert_eq!(shapes[0].count("I32Eqz"), 1, "{}", print(&bytes));
    assert!(pos("I32Eqz") < pos("If"), "{}", print(&bytes));
    assert!(
        pos("If") < pos("I32Mul") && pos("I32Mul") < pos("Else") && pos("Else") < pos("I32Add"),
        "{}",
        print(&bytes)
    );
    assert!(shapes[1].count("I32Eqz") <= 1, "{}", print(&bytes));
    // Preferring size, the arms are swapped and the `eqz` saved.
    let small_shapes = common::shapes(&small_bytes);
    let ops = &small_shapes[0].ops;
    let at = |op: &str| ops.iter().position(|o| o == op).unwrap_or_else(|| panic!("no {op}: {}", print(&small_bytes)));
    assert_eq!(small_shapes[0].count("I32Eqz"), 0, "{}", print(&small_bytes));
    assert!(at("I32Add") < at("Else") && at("Else") < at("I32Mul"), "{}", print(&small_bytes));
    assert_eq!(small_shapes[0].size + 1, shapes[0].size, "{}", print(&small_bytes));
}

/// The operator names of the first function, without `end`s.
fn ops_of(bytes: &[u8]) -> Vec<String> {
    shapes(bytes)[0].ops.iter().filter(|o| *o != "End").cloned().collect()
}

#[test]
fn a_chain_of_early_exits_becomes_br_ifs_out_of_one_block() {
    // Each test leaves for the join; without the `block` the tests nest as
    // `if {} else { ... if {} else { ... } }`, four bytes each.
    let (mut inst, bytes) = instantiate(
        r#"
function %chain(i32) -> i32 {
    gv0 = global mut i32

block0(v0: i32):
    v8 = i32.const 0
    global.set gv0 v8
    v1 = i32.const 1
    v2 = i32.eq v0, v1
    brif v2, block4, block1
block1:
    global.set gv0 v1
    v3 = i32.const 2
    v4 = i32.eq v0, v3
    brif v4, block4, block2
block2:
    global.set gv0 v3
    v5 = i32.const 3
    v6 = i32.eq v0, v5
    brif v6, block4, block3
block3:
    global.set gv0 v5
    jump block4
block4:
    v7 = global.get gv0
    return v7
}
"#,
    );
    for (x, want) in [(1, 0), (2, 1), (3, 2), (0, 3), (-1, 3), (4, 3)] {
        assert_eq!(inst.i32("chain", &[x]), want, "chain({x})");
    }
    let test = ["LocalGet", "I32Const", "I32Eq", "BrIf", "I32Const", "GlobalSet"];
    let mut want = vec!["Block", "I32Const", "GlobalSet"];
    for _ in 0..3 {
        want.extend(test);
    }
    want.push("GlobalGet");
    assert_eq!(ops_of(&bytes), want, "{}", print(&bytes));
}

#[test]
fn one_early_exit_keeps_its_if() {
    // A single `if {} else {...}` costs what `block ... br_if ... end`
    // would; no `block` is added for it.
    let (mut inst, bytes) = instantiate(
        r#"
function %one(i32) -> i32 {
    gv0 = global mut i32

block0(v0: i32):
    v1 = i32.const 5
    global.set gv0 v1
    brif v0, block2, block1
block1:
    v2 = i32.const 7
    global.set gv0 v2
    jump block2
block2:
    v3 = global.get gv0
    return v3
}
"#,
    );
    assert_eq!(inst.i32("one", &[1]), 5);
    assert_eq!(inst.i32("one", &[0]), 7);
    let ops = ops_of(&bytes);
    assert_eq!(ops.iter().filter(|o| *o == "Block").count(), 0, "{}", print(&bytes));
    assert_eq!(ops, ["I32Const", "GlobalSet", "LocalGet", "If", "Else", "I32Const", "GlobalSet", "GlobalGet"]);
}

#[test]
fn a_merge_fed_by_many_jumps_takes_its_value_from_the_block() {
    // Four arms compute the merge's argument and jump: a `block (result
    // i32)` takes the value from each `br` (or from falling off its end)
    // instead of a `local.set` in each arm.
    let (mut inst, bytes) = instantiate(
        r#"
function %pick(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    br_table v0, block4, [block1, block2, block3]
block1:
    v2 = i32.const 3
    v3 = i32.mul v1, v2
    jump block5(v3)
block2:
    v4 = i32.const 5
    v5 = i32.add v1, v4
    jump block5(v5)
block3:
    v6 = i32.const 7
    v7 = i32.xor v1, v6
    jump block5(v7)
block4:
    v8 = i32.const 1
    v9 = i32.shl v1, v8
    jump block5(v9)
block5(v10: i32):
    v11 = i32.const 1
    v12 = i32.add v10, v11
    return v12
}
"#,
    );
    for (sel, x) in [(0, 10), (1, 10), (2, 10), (3, 10), (7, 10), (-1, -3)] {
        let want = match sel {
            0 => x * 3,
            1 => x + 5,
            2 => x ^ 7,
            _ => x << 1,
        } + 1;
        assert_eq!(inst.i32("pick", &[sel, x]), want, "pick({sel}, {x})");
    }
    let text = print(&bytes);
    assert!(text.contains("block (result i32)"), "{text}");
    // The parameter's only use comes first after the `block`: the value
    // stays on the stack and needs no `local.set`.
    let mut want = vec!["Block"; 5];
    want.extend(["LocalGet", "BrTable"]);
    for op in ["I32Xor", "I32Add", "I32Mul"] {
        want.extend(["LocalGet", "I32Const", op, "Br"]);
    }
    want.extend(["LocalGet", "I32Const", "I32Shl", "I32Const", "I32Add"]);
    assert_eq!(ops_of(&bytes), want, "{text}");
}

#[test]
fn both_arms_writing_one_local_become_an_if_with_a_result() {
    // Both arms of the diamond end by writing the merge's local: the `if`
    // yields the value and one `local.tee` after it writes it.
    let (mut inst, bytes) = instantiate(
        r#"
function %sel(i32, i32) -> i32 {
    gv0 = global mut i32

block0(v0: i32, v1: i32):
    brif v0, block1, block2
block1:
    v2 = i32.const 3
    v3 = i32.mul v1, v2
    jump block3(v3)
block2:
    v4 = i32.const 5
    v5 = i32.add v1, v4
    jump block3(v5)
block3(v6: i32):
    global.set gv0 v6
    v7 = i32.const 1
    v8 = i32.sub v6, v7
    return v8
}
"#,
    );
    for (c, x) in [(1, 10), (0, 10), (-1, -4), (0, i32::MAX)] {
        let v = if c != 0 { x.wrapping_mul(3) } else { x.wrapping_add(5) };
        assert_eq!(inst.i32("sel", &[c, x]), v.wrapping_sub(1), "sel({c}, {x})");
    }
    let text = print(&bytes);
    assert!(text.contains("if (result i32)"), "{text}");
    let want = [
        "LocalGet",
        "If",
        "LocalGet",
        "I32Const",
        "I32Mul",
        "Else",
        "LocalGet",
        "I32Const",
        "I32Add",
        "LocalTee",
        "GlobalSet",
        "LocalGet",
        "I32Const",
        "I32Sub",
    ];
    assert_eq!(ops_of(&bytes), want, "{text}");
}

#[test]
fn copies_the_other_path_does_not_read_go_before_the_branch() {
    // `hoist`: the copy of 7 into the merge's local (local 0, free once the
    // condition is read) runs before the branch, whose arm is left empty.
    // `keep`: the other path reads local 0 (`v0`), so the copy stays in its
    // arm (and both arms then yield the value of an `if` with a result).
    let (mut inst, bytes) = instantiate(
        r#"
function %hoist(i32, i32) -> i32 {
    gv0 = global mut i32

block0(v0: i32, v1: i32):
    v2 = i32.const 7
    brif v0, block2(v2), block1
block1:
    global.set gv0 v1
    v3 = i32.const 9
    jump block2(v3)
block2(v4: i32):
    return v4
}

function %keep(i32, i32) -> i32 {
    gv0 = global mut i32

block0(v0: i32, v1: i32):
    v2 = i32.const 7
    brif v0, block2(v2), block1
block1:
    global.set gv0 v0
    v3 = i32.const 9
    jump block2(v3)
block2(v4: i32):
    return v4
}
"#,
    );
    for c in [0, 1, -5] {
        let want = if c != 0 { 7 } else { 9 };
        assert_eq!(inst.i32("hoist", &[c, 3]), want, "hoist({c})");
        assert_eq!(inst.i32("keep", &[c, 3]), want, "keep({c})");
    }
    let text = print(&bytes);
    let shapes = shapes(&bytes);
    let ops = |i: usize| -> Vec<&str> { shapes[i].ops.iter().map(String::as_str).filter(|&o| o != "End").collect() };
    let hoist =
        ["LocalGet", "I32Const", "LocalSet", "If", "Else", "LocalGet", "GlobalSet", "I32Const", "LocalSet", "LocalGet"];
    assert_eq!(ops(0), hoist, "{text}");
    let keep = ["LocalGet", "If", "I32Const", "Else", "LocalGet", "GlobalSet", "I32Const", "LocalTee"];
    assert_eq!(ops(1), keep, "{text}");
}

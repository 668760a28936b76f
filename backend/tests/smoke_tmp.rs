mod common;
use common::*;

#[test]
fn smoke() {
    let text = r#"
function %add(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.add v0, v1
    v3 = i32.const 3
    v4 = i32.mul v2, v3
    return v4
}

function %max(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.gt_s v0, v1
    brif v2, block1, block2(v1)
block1:
    jump block2(v0)
block2(v3: i32):
    return v3
}

function %sum(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 0
    jump block1(v1, v1)
block1(v2: i32, v3: i32):
    v4 = i32.lt_s v2, v0
    brif v4, block2, block3
block2:
    v5 = i32.add v3, v2
    v6 = i32.const 1
    v7 = i32.add v2, v6
    jump block1(v7, v5)
block3:
    return v3
}
"#;
    let (mut inst, bytes) = instantiate(text);
    println!("{}", print(&bytes));
    assert_eq!(inst.i32("add", &[2, 5]), 21);
    assert_eq!(inst.i32("max", &[2, 5]), 5);
    assert_eq!(inst.i32("sum", &[10]), 45);
}

use weft_ir::parse_function;
use weft_verify::{Options, check_refinement_report};

fn check(src: &str, tgt: &str) -> weft_verify::Report {
    let s = parse_function(src).unwrap();
    let t = parse_function(tgt).unwrap();
    check_refinement_report(&s, &t, &Options::default())
}

#[test]
fn smoke() {
    let src = "function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.add v0, v1
    return v2
}
";
    let good = "function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.add v1, v0
    return v2
}
";
    let bad = "function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.sub v1, v0
    return v2
}
";
    let r = check(src, good);
    println!("{r}\n{:?}", r.queries);
    let r = check(src, bad);
    println!("{r}\n{:?}", r.queries);
    let src = "function %g(i32) -> i32 {
    gv0 = global mut i32
    mem0 = memory min=1
    fn1 = (i32) -> i32

block0(v0: i32):
    v1 = i32.load mem0 v0
    global.set gv0 v1
    v2 = call fn1(v1)
    brif v2, block1, block2
block1:
    i32.store mem0+4 v0, v2
    jump block2
block2:
    v3 = i32.div_u v1, v2
    return v3
}
";
    let tgt = src.replace("i32.div_u v1, v2", "i32.div_u v1, v1");
    let r = check(src, src);
    println!("{r}\n{:?}", r.queries);
    let r = check(src, &tgt);
    println!("{r}\n{:?}", r.queries);
    let tgt2 = src.replace("    global.set gv0 v1\n    v2 = call fn1(v1)\n", "    v2 = call fn1(v1)\n    global.set gv0 v1\n");
    let r = check(src, &tgt2);
    println!("{r}\n{:?}", r.queries);
}

#[test]
fn loops() {
    let src = "function %sum(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 0
    jump block1(v1, v1)
block1(v2: i32, v3: i32):
    v4 = i32.lt_u v2, v0
    brif v4, block2, block3
block2:
    v5 = i32.add v3, v2
    v6 = i32.const 1
    v7 = i32.add v2, v6
    jump block1(v7, v5)
block3:
    return v3
}
";
    let good = src.replace("v5 = i32.add v3, v2", "v5 = i32.add v2, v3");
    let bad = src.replace("v6 = i32.const 1", "v6 = i32.const 2");
    let bad2 = src.replace("    return v3", "    v8 = i32.const 1\n    v9 = i32.add v3, v8\n    return v9");
    for t in [src.to_string(), good, bad, bad2] {
        let r = check(src, &t);
        println!("{r}\n{:?}\n", r.queries);
    }
}

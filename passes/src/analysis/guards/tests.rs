use super::*;
use weft_ir::{DefinedFunc, ImportedFunc, Signature, parse_function};

const BOUNDS: &str = "_ZN4core9panicking18panic_bounds_check17h4d479c9e31678d53E";
const PANIC_FMT: &str = "_ZN4core9panicking9panic_fmt17he093f8ef6966d6c7E";

/// A module with `imports` imported functions (named `env.import<i>`)
/// followed by the given `(name, text IR)` bodies, all of type `() -> ()`
/// as far as the module says (the bodies declare what they call).
fn module(imports: usize, bodies: &[(&str, &str)]) -> Module {
    let mut module = Module::default();
    module.types.push(Some(Signature::new([], [])));
    for i in 0..imports {
        module.imported_funcs.push(ImportedFunc { module: "env".into(), field: format!("import{i}"), type_index: 0 });
        module.func_names.push(format!("import{i}"));
    }
    for (i, (name, text)) in bodies.iter().enumerate() {
        let func = parse_function(text).unwrap_or_else(|e| panic!("{name} parses: {e:?}"));
        module.funcs.push(DefinedFunc {
            index: FuncRef::new(imports + i),
            type_index: 0,
            body: FuncBody::Ir(func),
            original_range: 0..0,
        });
        module.func_names.push((*name).to_string());
    }
    module
}

/// fn0 is an import. fn1 calls it and traps; fn2 calls fn1 and then
/// "returns" (unreachable: fn1 never returns); fn3 is a loop whose only
/// exit traps; fn4 and fn5 call each other and return; fn6 may return on
/// one side; fn7 tail-calls fn2; fn8 calls the import and returns; fn9
/// calls fn1 only on one side; fn10 tail-calls the import.
fn noreturn_module() -> Module {
    module(
        1,
        &[
            (PANIC_FMT, "function %f1(i32) {\n    fn0 = ()\n\nblock0(v0: i32):\n    call fn0()\n    trap\n}\n"),
            (BOUNDS, "function %f2(i32) {\n    fn1 = (i32)\n\nblock0(v0: i32):\n    call fn1(v0)\n    return\n}\n"),
            (
                "abort_loop",
                "function %f3(i32) {\nblock0(v0: i32):\n    jump block1(v0)\nblock1(v1: i32):\n    v2 = i32.const 1\n    v3 = i32.sub v1, v2\n    brif v3, block1(v3), block2\nblock2:\n    trap\n}\n",
            ),
            ("ping", "function %f4(i32) {\n    fn5 = (i32)\n\nblock0(v0: i32):\n    call fn5(v0)\n    return\n}\n"),
            ("pong", "function %f5(i32) {\n    fn4 = (i32)\n\nblock0(v0: i32):\n    call fn4(v0)\n    return\n}\n"),
            (
                "check",
                "function %f6(i32) {\nblock0(v0: i32):\n    brif v0, block1, block2\nblock1:\n    trap\nblock2:\n    return\n}\n",
            ),
            ("tail", "function %f7(i32) {\n    fn2 = (i32)\n\nblock0(v0: i32):\n    return_call fn2(v0)\n}\n"),
            ("log", "function %f8(i32) {\n    fn0 = ()\n\nblock0(v0: i32):\n    call fn0()\n    return\n}\n"),
            (
                "maybe",
                "function %f9(i32) {\n    fn1 = (i32)\n\nblock0(v0: i32):\n    brif v0, block1, block2\nblock1:\n    call fn1(v0)\n    trap\nblock2:\n    return\n}\n",
            ),
            ("tail_import", "function %f10(i32) {\n    fn0 = ()\n\nblock0(v0: i32):\n    return_call fn0()\n}\n"),
        ],
    )
}

#[test]
fn noreturn_is_the_least_fixpoint() {
    let noreturn = NoReturn::of(&noreturn_module());
    let never: Vec<u32> = noreturn.functions().map(|f| f.as_u32()).collect();
    assert_eq!(
        never,
        [1, 2, 3, 7],
        "fn1 traps, fn2 calls fn1, fn3 only leaves its loop by trapping, fn7 tail-calls fn2"
    );
    assert!(!noreturn.never_returns(FuncRef::from_u32(0)), "an import is assumed to return");
    assert!(!noreturn.never_returns(FuncRef::from_u32(4)), "mutual recursion that returns is not claimed");
    assert!(!noreturn.never_returns(FuncRef::from_u32(9)), "one side returns");
    assert!(!noreturn.never_returns(FuncRef::from_u32(10)), "a tail call of an import may return");
    assert!(!noreturn.never_returns(FuncRef::from_u32(99)), "out of range");
    assert_eq!(noreturn.shape(FuncRef::from_u32(1)), Some(PanicShape::OtherPanicking));
    assert_eq!(noreturn.shape(FuncRef::from_u32(2)), Some(PanicShape::BoundsCheck));
    assert_eq!(noreturn.shape(FuncRef::from_u32(3)), Some(PanicShape::Unknown));
}

#[test]
fn noreturn_skips_removed_and_opaque_bodies() {
    let mut module = noreturn_module();
    module.funcs[0].body = FuncBody::Opaque { reason: "test".into() };
    let noreturn = NoReturn::of(&module);
    assert!(!noreturn.never_returns(FuncRef::from_u32(1)), "an opaque body is assumed to return");
    assert!(!noreturn.never_returns(FuncRef::from_u32(2)), "its caller then returns too");
    assert!(noreturn.never_returns(FuncRef::from_u32(3)));
}

#[test]
fn panic_shapes_by_name() {
    let cases = [
        (BOUNDS, PanicShape::BoundsCheck),
        ("core::panicking::panic_bounds_check", PanicShape::BoundsCheck),
        ("_ZN4core5slice5index22slice_index_order_fail17h64c36fa1d7d64eb4E", PanicShape::SliceIndexOrder),
        (
            "_ZN4core5slice5index26slice_start_index_len_fail8do_panic7runtime17he988e7449bd506f0E",
            PanicShape::SliceStartIndexLen,
        ),
        ("_ZN4core5slice5index24slice_end_index_len_fail17ha9619a497ad9a49eE", PanicShape::SliceEndIndexLen),
        ("_ZN4core3str16str_index_overflow_fail17h0E", PanicShape::StrIndexOverflow),
        ("_ZN4core3str16slice_error_fail17h491ea621a9efe9dbE", PanicShape::StrSliceError),
        ("_ZN4core9panicking11panic_const23panic_const_div_by_zero17h3869112704bfd1f0E", PanicShape::OtherPanicking),
        ("_RNvNtCs1234_4core9panicking9panic_fmt", PanicShape::OtherPanicking),
        ("_ZN4core6option13unwrap_failed17h4b77244f3180f6e0E", PanicShape::Unknown),
        ("abort", PanicShape::Unknown),
        ("f12", PanicShape::Unknown),
    ];
    for (name, shape) in cases {
        assert_eq!(PanicShape::classify(name), shape, "{name}");
    }
    assert!(PanicShape::BoundsCheck.is_bounds() && !PanicShape::OtherPanicking.is_bounds());
    for (i, &shape) in PanicShape::ALL.iter().enumerate() {
        assert_eq!(shape_index(shape), i);
    }
}

/// fn0 is `panic_bounds_check` (never returns), fn1 an import. Blocks
/// `block0`, `block1`, `block7` end in guards; the others must not be
/// recognized, for the reason their comment gives.
const CHECKS: &str = "function %checks(i32, i32) -> i32 {
    fn0 = (i32, i32, i32)
    fn1 = ()
    gv0 = global mut i32
    mem0 = memory min=1

block0(v0: i32, v1: i32):
    v2 = i32.lt_u v0, v1
    brif v2, block1, block2
block2:
    v3 = i32.const 1050216
    call fn0(v0, v1, v3)
    trap
block1:
    v4 = i32.const 4
    v5 = i32.shl v0, v4
    v6 = i32.ge_u v5, v1
    brif v6, block3, block4
block3:
    v7 = global.get gv0
    jump block5
block5:
    trap
block4:
    brif v0, block6, block7
block6:
    i32.store mem0 v0, v1
    trap
block7:
    v8 = i32.const 100
    v9 = i32.gt_u v8, v5
    brif v9, block8, block9
block9:
    jump block5
block8:
    brif v1, block10, block11
block10:
    call fn1()
    trap
block11:
    brif v5, block12, block13
block12:
    v10 = i32.load mem0 v5
    trap
block13:
    brif v4, block2, block5
}
";

#[test]
fn guards_recognized_and_not() {
    let mut noreturn = NoReturn::none();
    noreturn.assume(FuncRef::from_u32(0), BOUNDS);
    let func = parse_function(CHECKS).expect("parses");
    let found = guards(&func, &noreturn);
    let blocks: Vec<String> = found.iter().map(|g| g.block.to_string()).collect();
    // block4: a store precedes the trap. block8: a call that returns
    // precedes it. block11: a load that may trap precedes it. block13: both
    // sides fail.
    assert_eq!(blocks, ["block0", "block1", "block7"]);

    let bounds = &found[0];
    assert_eq!(bounds.kind, GuardKind::Panic { callee: FuncRef::from_u32(0), shape: PanicShape::BoundsCheck });
    assert!(!bounds.fails_when, "the else side panics");
    assert_eq!(bounds.cond.to_string(), "v2");
    let c = bounds.compare.expect("an unsigned compare");
    assert_eq!(
        (c.index.to_string(), c.bound.to_string(), c.strict, c.const_bound),
        ("v0".into(), "v1".into(), false, None)
    );

    let trap = &found[1];
    assert_eq!(trap.kind, GuardKind::Trap, "through a jump and a global.get");
    assert!(trap.fails_when);
    let c = trap.compare.expect("an unsigned compare");
    assert_eq!((c.index.to_string(), c.bound.to_string(), c.strict), ("v5".into(), "v1".into(), false));

    // `100 >u v5` failing on false: fails when `v5 >=u 100`.
    let constant = &found[2];
    assert_eq!(constant.kind, GuardKind::Trap);
    assert!(!constant.fails_when);
    let c = constant.compare.expect("an unsigned compare");
    assert_eq!((c.index.to_string(), c.strict, c.const_bound), ("v5".into(), false, Some(100)));

    // Without the never-returning callee, block0's branch is no guard, and
    // block13's is one (only its `block5` side fails).
    let none = guards(&func, &NoReturn::none());
    assert_eq!(none.iter().map(|g| g.block.to_string()).collect::<Vec<_>>(), ["block1", "block7", "block13"]);
}

#[test]
fn compare_shapes() {
    let shape = |cmp: &str, then_fails: bool| {
        let (t, e) = if then_fails { ("block1", "block2") } else { ("block2", "block1") };
        let text = format!(
            "function %f(i64, i64) {{\nblock0(v0: i64, v1: i64):\n    v2 = {cmp} v0, v1\n    brif v2, {t}, {e}\nblock1:\n    trap\nblock2:\n    return\n}}\n"
        );
        let func = parse_function(&text).expect("parses");
        let found = guards(&func, &NoReturn::none());
        assert_eq!(found.len(), 1, "{cmp}");
        found[0].compare.map(|c| (c.index.to_string(), c.bound.to_string(), c.strict))
    };
    let s = |i: &str, b: &str, strict: bool| Some((i.to_string(), b.to_string(), strict));
    assert_eq!(shape("i64.ge_u", true), s("v0", "v1", false));
    assert_eq!(shape("i64.gt_u", true), s("v0", "v1", true));
    assert_eq!(shape("i64.le_u", true), s("v1", "v0", false));
    assert_eq!(shape("i64.lt_u", true), s("v1", "v0", true));
    assert_eq!(shape("i64.lt_u", false), s("v0", "v1", false));
    assert_eq!(shape("i64.le_u", false), s("v0", "v1", true));
    assert_eq!(shape("i64.lt_s", true), None, "signed orderings are not normalized");
    assert_eq!(shape("i64.eq", true), None);
}

#[test]
fn module_counts() {
    let bounds = "function %f0(i32, i32, i32) {\nblock0(v0: i32, v1: i32, v2: i32):\n    trap\n}\n";
    let log = "function %f1() {\nblock0:\n    return\n}\n";
    let module = module(0, &[(BOUNDS, bounds), ("log", log), ("checks", CHECKS)]);
    let counts = GuardCounts::of_module(&module);
    assert_eq!(counts.traps, 2);
    assert_eq!(counts.panic(PanicShape::BoundsCheck), 1);
    assert_eq!((counts.bounds_panics(), counts.all_panics(), counts.total()), (1, 1, 3));
    // block2's call is the only call of fn0 (block13 reaches it too, but
    // that branch is no guard: both its sides fail).
    assert_eq!(counts.call_sites[shape_index(PanicShape::BoundsCheck)], 1);
    assert_eq!(counts.bounds_call_sites(), 1);
    let mut twice = counts.clone();
    twice += &counts;
    assert_eq!((twice.traps, twice.bounds_panics(), twice.bounds_call_sites()), (4, 2, 2));
}

//! The structural verifier: well-formed functions pass; each malformed one
//! is rejected with exactly the expected errors (location and message).
//!
//! Most cases are text IR (the parser does not verify). Malformations the
//! parser cannot express (invalid entity indices, detached values, wrong
//! immediate kinds, undeclared entities whose result types are needed) are
//! built with the DFG and layout APIs.

use weft_ir::{
    Block, EntityRef, FuncCursor, FuncRef, Function, GlobalRef, Imm, Inst, InstructionData, JumpTable, Opcode,
    Signature, Type, Value, parse_function, pretty_errors, verify_function,
};

/// The errors of `func` as `(location, message)` pairs.
fn errors_of(func: &Function) -> Vec<(String, String)> {
    match verify_function(func) {
        Ok(()) => Vec::new(),
        Err(errors) => errors.0.iter().map(|e| (e.location.to_string(), e.message.clone())).collect(),
    }
}

fn parse(text: &str) -> Function {
    parse_function(text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// Asserts that `text` parses and verifies with exactly `expected` errors.
#[track_caller]
fn assert_errors(text: &str, expected: &[(&str, &str)]) {
    let func = parse(text);
    let got = errors_of(&func);
    let want: Vec<(String, String)> = expected.iter().map(|(l, m)| (l.to_string(), m.to_string())).collect();
    assert_eq!(got, want, "\n{}", func.display());
}

#[track_caller]
fn assert_valid(text: &str) {
    let func = parse(text);
    if let Err(errors) = verify_function(&func) {
        panic!("unexpected errors:\n{}", pretty_errors(&func, &errors));
    }
}

// ------------------------------------------------------------ positives

#[test]
fn valid_loop_with_block_params() {
    assert_valid(
        "function %count(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 0
    jump block1(v1)
block1(v2: i32):
    v3 = i32.const 1
    v4 = i32.add v2, v3
    v5 = i32.eq v4, v0
    brif v5, block2, block1(v4)
block2:
    return v4
}
",
    );
}

#[test]
fn valid_calls_globals_tables_and_simd() {
    assert_valid(
        "function %mix(i32, v128) -> i32 {
    sig0 = (i32) -> i32
    fn1 = \"env.h\" (i32) -> i32
    fn2 = (i32) -> i32
    gv0 = global mut i32
    gv1 = global i64
    mem0 = memory min=1
    table0 = table funcref min=2
    table1 = table externref min=1

block0(v0: i32, v1: v128):
    v2 = call fn1(v0)
    v3 = call_indirect sig0 table0 v2(v0)
    v4 = global.get gv0
    global.set gv0 v3
    v5 = global.get gv1
    v6 = i32.load mem0+8 v4
    v7 = i32.load mem0 align=2 v6
    v8 = i8x16.extract_lane_s 15 v1
    v9 = v128.load8_lane mem0 15 v0, v1
    v10 = i8x16.shuffle [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 31] v1, v9
    v11 = table.get table1 v0
    v12 = ref.is_null v11
    v13 = ref.null funcref
    table.set table0 v0, v13
    v14 = table.grow table1 v11, v0
    v15 = select v8, v12, v7
    v16 = ref.func fn2
    br_table v15, block1, [block2(v14), block1]
block1:
    return_call fn2(v0)
block2(v17: i32):
    return_call_indirect sig0 table0 v17(v17)
}
",
    );
}

#[test]
fn valid_unreachable_block_needs_no_dominance() {
    // block2 is unreachable and uses v1 from block1, which does not
    // dominate it: allowed, since no execution reaches the use.
    assert_valid(
        "function %u(i32) -> i32 {
block0(v0: i32):
    jump block1
block1:
    v1 = i32.const 7
    return v1
block2:
    v2 = i32.add v1, v0
    return v2
}
",
    );
}

#[test]
fn valid_aliases_resolve_to_dominating_values() {
    let mut func = parse(
        "function %a(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 1
    v2 = i32.add v0, v1
    return v2
}
",
    );
    // Replace v2 by v0 through an alias; the add stays in the layout but
    // its result is now an alias, so remove it as a pass would.
    let add = func.dfg.value_inst(Value::new(2)).unwrap();
    func.dfg.replace_results_with(add, &[Value::new(0)]);
    func.layout.remove_inst(add);
    assert_eq!(errors_of(&func), vec![]);
    assert!(func.display().to_string().contains("return v0"));
}

// ------------------------------------------------------------ structure

#[test]
fn missing_terminator() {
    assert_errors(
        "function %f() -> i32 {
block0:
    v0 = i32.const 1
}
",
        &[("block0", "block0 does not end in a terminator")],
    );
}

#[test]
fn empty_block() {
    assert_errors(
        "function %f() {
block0:
    jump block1
block1:
}
",
        &[("block1", "block1 is empty; every block ends in a terminator")],
    );
}

#[test]
fn terminator_in_the_middle_of_a_block() {
    assert_errors(
        "function %f(i32) -> i32 {
block0(v0: i32):
    return v0
    v1 = i32.const 1
    return v1
}
",
        &[("inst0", "terminator `return` is not the last instruction of block0")],
    );
}

#[test]
fn function_without_blocks() {
    let func = Function::new("empty", Signature::default());
    assert_eq!(errors_of(&func), vec![("function".to_string(), "the function has no blocks".to_string())]);
}

#[test]
fn entry_params_do_not_match_signature() {
    assert_errors(
        "function %f(i32, i64) {
block0(v0: i32):
    return
}
",
        &[("block0", "entry block parameters (i32) do not match the signature parameters (i32, i64)")],
    );
}

#[test]
fn branch_to_the_entry_block() {
    assert_errors(
        "function %f() {
block0:
    jump block0
}
",
        &[("inst0", "branch to the entry block block0")],
    );
}

#[test]
fn branch_to_a_block_not_in_the_layout() {
    let mut func = Function::new("f", Signature::default());
    let mut cur = FuncCursor::new(&mut func);
    cur.add_block(&[]);
    let outside = cur.func.dfg.make_block();
    cur.jump(outside, &[]);
    cur.jump(Block::new(40), &[]);
    // The first jump is also a terminator in mid-block.
    assert_eq!(
        errors_of(&func),
        vec![
            ("inst0".to_string(), "terminator `jump` is not the last instruction of block0".to_string()),
            ("inst0".to_string(), "branch to block1, which is not in the layout".to_string()),
            ("inst1".to_string(), "branch to block40, which does not exist".to_string()),
        ]
    );
}

#[test]
fn irreducible_cfg() {
    // block1 and block2 form a cycle entered at both blocks.
    assert_errors(
        "function %f(i32) {
block0(v0: i32):
    brif v0, block1, block2
block1:
    jump block2
block2:
    brif v0, block1, block3
block3:
    return
}
",
        &[(
            "inst2",
            "irreducible control flow: the edge block2 -> block1 enters a cycle at block1, which does not dominate block2",
        )],
    );
}

// ------------------------------------------------------------ block calls

#[test]
fn wrong_block_argument_count() {
    assert_errors(
        "function %f(i32) {
block0(v0: i32):
    jump block1(v0, v0)
block1(v1: i32):
    return
}
",
        &[("inst0", "branch to block1 passes 2 arguments, block1 takes 1")],
    );
}

#[test]
fn wrong_block_argument_type() {
    assert_errors(
        "function %f(i32) {
block0(v0: i32):
    v1 = i64.const 5
    brif v0, block1(v0), block1(v1)
block1(v2: i32):
    return
}
",
        &[("inst1", "argument 0 (v1) to block1 has type i64, expected i32")],
    );
}

#[test]
fn brif_and_br_table_conditions_are_i32() {
    assert_errors(
        "function %f(i64) {
block0(v0: i64):
    brif v0, block1, block2
block1:
    br_table v0, block2, [block2]
block2:
    return
}
",
        &[
            ("inst0", "`brif` condition v0 has type i64, expected i32"),
            ("inst1", "`br_table` index v0 has type i64, expected i32"),
        ],
    );
}

// ------------------------------------------------------------ dominance

#[test]
fn use_not_dominated_by_its_definition() {
    assert_errors(
        "function %f(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2
block1:
    v1 = i32.const 1
    jump block3
block2:
    jump block3
block3:
    return v1
}
",
        &[("inst4", "the definition of v1 in block1 does not dominate this use in block3")],
    );
}

#[test]
fn block_argument_use_is_at_the_branch() {
    // v1 is defined in block1 and passed from block2, which block1 does
    // not dominate.
    assert_errors(
        "function %f(i32) -> i32 {
block0(v0: i32):
    brif v0, block1, block2
block1:
    v1 = i32.const 1
    jump block3(v1)
block2:
    jump block3(v1)
block3(v2: i32):
    return v2
}
",
        &[("inst3", "the definition of v1 in block1 does not dominate this use in block2")],
    );
}

#[test]
fn use_before_definition_in_the_same_block() {
    assert_errors(
        "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = i32.add v0, v2
    v2 = i32.const 1
    return v1
}
",
        &[("inst0", "v2 is used before its definition in block0")],
    );
}

#[test]
fn detached_and_invalid_values() {
    let mut func = Function::new("f", Signature::new([], [Type::I32]));
    let mut cur = FuncCursor::new(&mut func);
    cur.add_block(&[]);
    let detached = cur.func.dfg.make_detached_value(Type::I32);
    let sum = cur.ins(Opcode::I32Add, &[detached, detached], Imm::None).unwrap()[0];
    let _ = sum;
    cur.ret(&[Value::new(99)]);
    assert_eq!(
        errors_of(&func),
        vec![
            ("inst0".to_string(), "v0 is used but not defined".to_string()),
            ("inst1".to_string(), "v99 does not exist".to_string()),
        ]
    );
}

#[test]
fn value_defined_outside_the_layout() {
    let mut func = Function::new("f", Signature::new([], [Type::I32]));
    let mut cur = FuncCursor::new(&mut func);
    cur.add_block(&[]);
    let floating = cur.func.dfg.make_op(Opcode::I32Const, &[], Imm::I32(3));
    cur.func.dfg.make_inst_results(floating).unwrap();
    let v = cur.func.dfg.first_result(floating);
    cur.ret(&[v]);
    assert_eq!(
        errors_of(&func),
        vec![("inst1".to_string(), "v0 is defined by inst0, which is not in the layout".to_string())]
    );
}

// ------------------------------------------------------------ types

#[test]
fn wrong_operand_type() {
    assert_errors(
        "function %f(i32, i64) -> i32 {
block0(v0: i32, v1: i64):
    v2 = i32.add v0, v1
    return v2
}
",
        &[("inst0", "`i32.add` operand 1 (v1) has type i64, expected i32")],
    );
}

#[test]
fn wrong_operand_count() {
    assert_errors(
        "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = i32.add v0
    return v1
}
",
        &[("inst0", "`i32.add` takes 2 operands, found 1")],
    );
}

#[test]
fn return_type_mismatch() {
    assert_errors(
        "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = i64.const 1
    return v1
}
",
        &[("inst1", "`return` returns (i64), the function returns (i32)")],
    );
}

#[test]
fn call_signature_mismatch() {
    assert_errors(
        "function %f(i32) -> i32 {
    fn1 = (i64) -> i32

block0(v0: i32):
    v1 = call fn1(v0)
    return v1
}
",
        &[("inst0", "`call` fn1 passes (i32), fn1 has signature (i64) -> i32")],
    );
}

#[test]
fn tail_call_result_mismatch_and_undeclared_callee() {
    assert_errors(
        "function %f(i32) -> i32 {
    fn1 = (i32) -> i64

block0(v0: i32):
    brif v0, block1, block2
block1:
    return_call fn1(v0)
block2:
    return_call fn2(v0)
}
",
        &[("inst1", "`return_call` fn1 returns (i64), the function returns (i32)"), ("inst2", "fn2 is not declared")],
    );
}

#[test]
fn call_indirect_checks() {
    assert_errors(
        "function %f(i32, i64) -> i32 {
    sig0 = (i32) -> i32
    table0 = table externref min=1

block0(v0: i32, v1: i64):
    v2 = call_indirect sig0 table0 v1(v1)
    return v2
}
",
        &[
            ("inst0", "`call_indirect` through table0 of externref; it needs a funcref table"),
            ("inst0", "`call_indirect` callee index v1 has type i64, expected i32"),
            ("inst0", "`call_indirect` sig0 passes (i64), sig0 is (i32) -> i32"),
        ],
    );
}

#[test]
fn select_checks() {
    assert_errors(
        "function %f(i32, i64) -> i32 {
block0(v0: i32, v1: i64):
    v2 = select v0, v1, v1
    return v2
}
",
        &[
            ("inst0", "`select` arms have different types: v0 is i32, v1 is i64"),
            ("inst0", "`select` condition v1 has type i64, expected i32"),
        ],
    );
}

#[test]
fn undeclared_global() {
    assert_errors(
        "function %f(i32) {
block0(v0: i32):
    global.set gv3 v0
    return
}
",
        &[("inst0", "gv3 is not declared")],
    );
    // global.get of an undeclared global (its result type is unknown, so
    // the parser cannot express it).
    let mut func = Function::new("f", Signature::default());
    let mut cur = FuncCursor::new(&mut func);
    cur.add_block(&[]);
    let get = cur.func.dfg.make_op(Opcode::GlobalGet, &[], Imm::Global(GlobalRef::new(1)));
    cur.func.dfg.append_result(get, Type::I32);
    cur.insert_inst(get);
    cur.ret(&[]);
    assert_eq!(errors_of(&func), vec![("inst0".to_string(), "gv1 is not declared".to_string())]);
}

#[test]
fn immutable_global_set_and_wrong_global_type() {
    assert_errors(
        "function %f(i32) {
    gv0 = global i32
    gv1 = global mut i64

block0(v0: i32):
    global.set gv0 v0
    global.set gv1 v0
    return
}
",
        &[
            ("inst0", "`global.set` of immutable global gv0"),
            ("inst1", "`global.set` operand 0 (v0) has type i32, expected i64"),
        ],
    );
}

#[test]
fn table_operand_types() {
    assert_errors(
        "function %f(i32, externref) {
    table0 = table funcref min=1
    table1 = table externref min=1

block0(v0: i32, v1: externref):
    table.set table0 v0, v1
    table.fill table1 v0, v1
    table.copy table0 table1 v0, v0, v0
    return
}
",
        &[
            ("inst0", "`table.set` operand 1 (v1) has type externref, expected funcref"),
            ("inst1", "`table.fill` takes 3 operands, found 2"),
            ("inst2", "`table.copy` from table1 of externref to table0 of funcref: element types differ"),
        ],
    );
}

#[test]
fn ref_checks() {
    assert_errors(
        "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = ref.is_null v0
    return v1
}
",
        &[("inst0", "`ref.is_null` operand v0 has type i32, expected a reference type")],
    );
    let mut func = Function::new("f", Signature::default());
    let mut cur = FuncCursor::new(&mut func);
    cur.add_block(&[]);
    let null = cur.func.dfg.make_op(Opcode::RefNull, &[], Imm::RefType(Type::I32));
    cur.insert_inst(null);
    cur.ret(&[]);
    assert_eq!(
        errors_of(&func),
        vec![("inst0".to_string(), "`ref.null` type i32 is not a reference type".to_string())]
    );
}

#[test]
fn result_count_and_type_mismatch() {
    let mut func = Function::new("f", Signature::default());
    let mut cur = FuncCursor::new(&mut func);
    cur.add_block(&[]);
    let two = cur.func.dfg.make_op(Opcode::I32Const, &[], Imm::I32(1));
    cur.func.dfg.append_result(two, Type::I32);
    cur.func.dfg.append_result(two, Type::I32);
    cur.insert_inst(two);
    let wrong = cur.func.dfg.make_op(Opcode::I32Const, &[], Imm::I32(1));
    cur.func.dfg.append_result(wrong, Type::F64);
    cur.insert_inst(wrong);
    cur.ret(&[]);
    assert_eq!(
        errors_of(&func),
        vec![
            ("inst0".to_string(), "`i32.const` has 2 results, expected 1 (i32)".to_string()),
            ("inst1".to_string(), "result 0 (v2) of `i32.const` has type f64, expected i32".to_string()),
        ]
    );
}

// ------------------------------------------------------------ immediates

#[test]
fn bad_lanes() {
    assert_errors(
        "function %f(v128, i32) -> i32 {
    mem0 = memory min=1

block0(v0: v128, v1: i32):
    v2 = i8x16.extract_lane_s 16 v0
    v3 = i64x2.replace_lane 2 v0, v2
    v4 = v128.load32_lane mem0 4 v1, v3
    v5 = i8x16.shuffle [0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 32] v0, v4
    return v2
}
",
        &[
            ("inst0", "lane index 16 is out of range for `i8x16.extract_lane_s` (16 lanes)"),
            ("inst1", "lane index 2 is out of range for `i64x2.replace_lane` (2 lanes)"),
            ("inst1", "`i64x2.replace_lane` operand 1 (v2) has type i32, expected i64"),
            ("inst2", "lane index 4 is out of range for `v128.load32_lane` (4 lanes)"),
            ("inst3", "shuffle lane index 32 is out of range (must be below 32)"),
        ],
    );
}

#[test]
fn undeclared_memory_and_overaligned_access() {
    assert_errors(
        "function %f(i32) -> i32 {
    mem0 = memory min=1

block0(v0: i32):
    v1 = i32.load mem0 align=8 v0
    v2 = i32.load mem1 v1
    return v2
}
",
        &[("inst0", "alignment 8 exceeds the natural alignment 4 of `i32.load`"), ("inst1", "mem1 is not declared")],
    );
}

#[test]
fn wrong_immediate_kind_and_branch_built_as_op() {
    let mut func = Function::new("f", Signature::default());
    let mut cur = FuncCursor::new(&mut func);
    cur.add_block(&[]);
    let c = cur.iconst32(1);
    let add = cur.func.dfg.make_op(Opcode::I32Add, &[c, c], Imm::I32(5));
    cur.func.dfg.append_result(add, Type::I32);
    cur.insert_inst(add);
    let call = cur.func.dfg.make_op(Opcode::Call, &[], Imm::Func(FuncRef::new(0)));
    cur.insert_inst(call);
    let jump = cur.func.dfg.make_op(Opcode::Jump, &[], Imm::None);
    cur.insert_inst(jump);
    assert_eq!(
        errors_of(&func),
        vec![
            ("inst1".to_string(), "`i32.add` takes no immediate, found an i32 immediate".to_string()),
            ("inst2".to_string(), "fn0 is not declared".to_string()),
            ("inst3".to_string(), "`jump` is built as an operation; it must be a branch instruction".to_string()),
        ]
    );
}

// ------------------------------------------------------------ robustness

#[test]
fn malformed_indices_do_not_panic() {
    let mut func = Function::new("f", Signature::default());
    let mut cur = FuncCursor::new(&mut func);
    let b0 = cur.add_block(&[]);
    let c = cur.iconst32(0);
    let bad_table = cur.func.dfg.make_inst(InstructionData::BrTable { index: c, table: JumpTable::new(7) });
    cur.insert_inst(bad_table);
    // An instruction index the DFG never created, placed in the layout.
    let b1 = cur.add_block(&[]);
    cur.func.layout.append_inst(Inst::new(500), b1);
    let errors = verify_function(&func).unwrap_err();
    let got: Vec<String> = errors.0.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        got,
        vec![
            "inst1: `br_table` uses jt7, which does not exist".to_string(),
            "inst500: inst500 is in the layout but was never created".to_string(),
        ]
    );
    let _ = b0;
    // Printing the errors does not touch the bad indices either.
    let text = pretty_errors(&func, &errors);
    assert_eq!(
        text,
        "function %f() {
block0:
    v0 = i32.const 0
    ; <inst1: `br_table` with a bad operand>
    ; error: `br_table` uses jt7, which does not exist
block1:
    ; <inst500: never created>
    ; error: inst500 is in the layout but was never created
}
"
    );
}

#[test]
fn all_errors_are_collected() {
    // Three independent problems in one function: all are reported, in
    // layout order.
    assert_errors(
        "function %f(i32) -> i64 {
block0(v0: i32):
    v1 = i64.extend_i32_s v0
    v2 = i32.add v1, v0
    brif v2, block1(v0), block2
block1:
    return v1
block2:
    return v0
}
",
        &[
            ("inst1", "`i32.add` operand 0 (v1) has type i64, expected i32"),
            ("inst2", "branch to block1 passes 1 arguments, block1 takes 0"),
            ("inst4", "`return` returns (i32), the function returns (i64)"),
        ],
    );
}

// ------------------------------------------------------------ printing

#[test]
fn pretty_errors_place_messages_after_their_lines() {
    let func = parse(
        "function %f(i32) -> i32 {
    gv0 = global i32

block0(v0: i32):
    global.set gv0 v0
    jump block1(v0, v0)
block1(v1: i32):
    return v1
}
",
    );
    let errors = verify_function(&func).unwrap_err();
    assert_eq!(
        pretty_errors(&func, &errors),
        "function %f(i32) -> i32 {
    gv0 = global i32

block0(v0: i32):
    global.set gv0 v0
    ; error: `global.set` of immutable global gv0
    jump block1(v0, v0)
    ; error: branch to block1 passes 2 arguments, block1 takes 1
block1(v1: i32):
    return v1
}
"
    );

    // Function-level errors go right after the first line.
    let func = parse("function %g(i32) {\nblock0:\n    return\n}\n");
    let errors = verify_function(&func).unwrap_err();
    assert_eq!(
        pretty_errors(&func, &errors),
        "function %g(i32) {
block0:
    ; error: entry block parameters () do not match the signature parameters (i32)
    return
}
"
    );
    let empty = Function::new("e", Signature::default());
    let errors = verify_function(&empty).unwrap_err();
    assert_eq!(pretty_errors(&empty, &errors), "function %e() {\n    ; error: the function has no blocks\n}\n");
}

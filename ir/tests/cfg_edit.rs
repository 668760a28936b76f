//! The CFG editing primitives of `weft_ir::cfg_edit`, each on text IR: the
//! exact output, the structural verifier on the result, and (where the
//! edit must keep behaviour) the interpreter on a spread of inputs.

use weft_ir::cfg_edit::{
    create_preheader, edge_args, edge_target, edges_from, incoming_edges, is_critical_edge, make_jump,
    reachable_blocks, remove_param_with_args, remove_redundant_params, remove_unreachable_blocks, retarget, set_edge,
    split_critical_edges, split_edge, use_counts,
};
use weft_ir::interpreter::{NoCalls, State, Val, run};
use weft_ir::{
    Block, ControlFlowGraph, DominatorTree, Edge, EntityRef, Function, Inst, LoopAnalysis, Opcode, Value,
    parse_function, verify_function,
};

fn parse(text: &str) -> Function {
    let func = parse_function(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_verifies(&func);
    func
}

fn assert_verifies(func: &Function) {
    if let Err(errs) = verify_function(func) {
        panic!("{}", weft_ir::verifier::pretty_errors(func, &errs));
    }
}

/// The body of the printed function (without the signature line), for
/// comparing with expected text.
fn body(func: &Function) -> String {
    let text = func.display().to_string();
    text.lines().skip(1).take_while(|l| *l != "}").map(|l| format!("{l}\n")).collect()
}

fn block(n: usize) -> Block {
    Block::new(n)
}

fn value(n: usize) -> Value {
    Value::new(n)
}

fn terminator(func: &Function, b: usize) -> Inst {
    func.terminator(block(b)).expect("terminator")
}

/// The results of running `func` on each argument list.
fn outcomes(func: &Function, inputs: &[Vec<Val>]) -> Vec<Result<Vec<Val>, String>> {
    inputs
        .iter()
        .map(|args| {
            let mut state = State::for_function(func).map_err(|t| t.to_string())?;
            run(func, args, &mut state, &mut NoCalls, 10_000).map_err(|t| t.to_string())
        })
        .collect()
}

fn i32s(values: &[i32]) -> Vec<Vec<Val>> {
    values.iter().map(|&x| vec![Val::I32(x)]).collect()
}

const THREE_KINDS: &str = "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = i32.const 1
    brif v0, block1(v0, v1), block2
block1(v2: i32, v3: i32):
    jump block3(v2, v3, v3)
block2:
    br_table v0, block3(v0, v0, v1), [block1(v1, v0), block3(v0, v0, v0)]
block3(v4: i32, v5: i32, v6: i32):
    v7 = i32.add v4, v5
    return v7
}
";

#[test]
fn edges_are_slots_in_destination_order() {
    let func = parse(THREE_KINDS);
    let (brif, jump, table) = (terminator(&func, 0), terminator(&func, 1), terminator(&func, 2));
    assert_eq!(edges_from(&func, brif).collect::<Vec<_>>(), [0, 1].map(|slot| Edge { inst: brif, slot }));
    assert_eq!(edges_from(&func, jump).count(), 1);
    assert_eq!(edges_from(&func, table).count(), 3);
    let first = func.layout.first_inst(block(0)).unwrap();
    assert_eq!(edges_from(&func, first).count(), 0, "a constant has no edges");
    // br_table: slot 0 is the default, slot i + 1 is target i.
    let targets: Vec<Option<Block>> = edges_from(&func, table).map(|e| edge_target(&func, e)).collect();
    assert_eq!(targets, [Some(block(3)), Some(block(1)), Some(block(3))]);
    assert_eq!(edge_args(&func, Edge { inst: table, slot: 1 }), [value(1), value(0)]);
    assert_eq!(edge_args(&func, Edge { inst: brif, slot: 1 }), []);
    assert_eq!(edge_target(&func, Edge { inst: brif, slot: 2 }), None, "no third slot");
    assert_eq!(edge_args(&func, Edge { inst: brif, slot: 2 }), []);
    // Incoming edges: layout order of the branching block, then slot order.
    let incoming = incoming_edges(&func);
    assert_eq!(incoming[block(0)], []);
    assert_eq!(incoming[block(1)], [Edge { inst: brif, slot: 0 }, Edge { inst: table, slot: 1 }]);
    assert_eq!(incoming[block(2)], [Edge { inst: brif, slot: 1 }]);
    assert_eq!(
        incoming[block(3)],
        [Edge { inst: jump, slot: 0 }, Edge { inst: table, slot: 0 }, Edge { inst: table, slot: 2 }]
    );
}

#[test]
fn set_edge_and_retarget_change_one_slot_or_every_slot_to_a_block() {
    let mut func = parse(THREE_KINDS);
    let table = terminator(&func, 2);
    set_edge(&mut func, Edge { inst: table, slot: 1 }, block(3), &[value(0), value(1), value(0)]);
    assert_verifies(&func);
    assert!(body(&func).contains("br_table v0, block3(v0, v0, v1), [block3(v0, v1, v0), block3(v0, v0, v0)]"));
    // A slot that does not exist is left alone.
    set_edge(&mut func, Edge { inst: table, slot: 7 }, block(1), &[]);
    assert_verifies(&func);

    // Every slot to block3: to block1 with new arguments.
    let n = retarget(&mut func, table, block(3), block(1), Some(&[value(0), value(1)]));
    assert_eq!(n, 3);
    assert_verifies(&func);
    assert!(body(&func).contains("br_table v0, block1(v0, v1), [block1(v0, v1), block1(v0, v1)]"));
    // Keeping the arguments: block1 and block3 differ in arity, so retarget
    // the brif's then-slot to another two-parameter block (itself).
    let brif = terminator(&func, 0);
    assert_eq!(retarget(&mut func, brif, block(1), block(1), None), 1);
    assert!(body(&func).contains("brif v0, block1(v0, v1), block2"));
    assert_eq!(retarget(&mut func, brif, block(3), block(1), None), 0, "no slot goes to block3");
}

#[test]
fn make_jump_keeps_one_edge_with_its_arguments() {
    // Then (slot 0) computes v0 + 1; else (slot 1) goes to the br_table.
    for (slot, expect, results) in [(0, "jump block1(v0, v1)", [6, 1]), (1, "jump block2", [10, 1])] {
        let mut func = parse(THREE_KINDS);
        let brif = terminator(&func, 0);
        assert!(make_jump(&mut func, Edge { inst: brif, slot }));
        assert_verifies(&func);
        assert!(body(&func).contains(expect), "{}", func.display());
        assert_eq!(func.dfg.insts[brif].opcode(), Opcode::Jump);
        let want: Vec<Result<Vec<Val>, String>> = results.iter().map(|&r| Ok(vec![Val::I32(r)])).collect();
        assert_eq!(outcomes(&func, &i32s(&[5, 0])), want);
        assert!(!make_jump(&mut func, Edge { inst: brif, slot: 1 }), "the jump has one slot only");
    }
}

#[test]
fn remove_param_with_args_drops_the_argument_on_every_edge() {
    // block3's third parameter is unused; edges from a jump and two br_table slots pass it.
    let mut func = parse(THREE_KINDS);
    let before = outcomes(&func, &i32s(&[0, 1, 2, 3]));
    let incoming = incoming_edges(&func);
    let removed = remove_param_with_args(&mut func, &incoming, block(3), 2);
    assert_eq!(removed, value(6));
    assert_verifies(&func);
    let text = body(&func);
    assert!(text.contains("jump block3(v2, v3)"), "{text}");
    assert!(text.contains("br_table v0, block3(v0, v0), [block1(v1, v0), block3(v0, v0)]"), "{text}");
    assert!(text.contains("block3(v4: i32, v5: i32):"), "{text}");
    assert_eq!(outcomes(&func, &i32s(&[0, 1, 2, 3])), before);
    // The same map still serves: remove block1's second parameter, its one
    // use now reading the first.
    let removed = remove_param_with_args(&mut func, &incoming, block(1), 1);
    assert_eq!(removed, value(3));
    func.dfg.change_to_alias(removed, value(2));
    func.dfg.resolve_all_aliases();
    assert_verifies(&func);
    let text = body(&func);
    assert!(text.contains("brif v0, block1(v0), block2"), "{text}");
    assert!(text.contains("block1(v2: i32):\n    jump block3(v2, v2)"), "{text}");
    assert!(text.contains("[block1(v1), block3(v0, v0)]"), "{text}");
}

const CRITICAL: &str = "function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    brif v0, block1(v1), block2
block1(v2: i32):
    return v2
block2:
    brif v1, block1(v0), block1(v1)
}
";

#[test]
fn split_edge_moves_the_arguments_to_the_new_block() {
    let mut func = parse(CRITICAL);
    let before = outcomes(&func, &[vec![Val::I32(1), Val::I32(7)], vec![Val::I32(0), Val::I32(7)]]);
    let brif = terminator(&func, 0);
    let new = split_edge(&mut func, Edge { inst: brif, slot: 0 }).unwrap();
    assert_eq!(new, block(3));
    assert_verifies(&func);
    assert_eq!(
        body(&func),
        "block0(v0: i32, v1: i32):
    brif v0, block3, block2
block3:
    jump block1(v1)
block1(v2: i32):
    return v2
block2:
    brif v1, block1(v0), block1(v1)
"
    );
    assert_eq!(outcomes(&func, &[vec![Val::I32(1), Val::I32(7)], vec![Val::I32(0), Val::I32(7)]]), before);
    assert_eq!(split_edge(&mut func, Edge { inst: brif, slot: 5 }), None);
}

#[test]
fn split_critical_edges_leaves_none() {
    let mut func = parse(CRITICAL);
    let inputs: Vec<Vec<Val>> =
        [(0, 0), (0, 3), (2, 0), (2, 3)].iter().map(|&(a, b)| vec![Val::I32(a), Val::I32(b)]).collect();
    let before = outcomes(&func, &inputs);
    let incoming = incoming_edges(&func);
    // block1 has three incoming edges; every branch into it has two slots.
    let brif0 = terminator(&func, 0);
    assert!(is_critical_edge(&func, &incoming, Edge { inst: brif0, slot: 0 }));
    assert!(!is_critical_edge(&func, &incoming, Edge { inst: brif0, slot: 1 }), "block2 has one entry");
    let new = split_critical_edges(&mut func);
    assert_eq!(new, [block(3), block(4), block(5)]);
    assert_verifies(&func);
    assert_eq!(
        body(&func),
        "block0(v0: i32, v1: i32):
    brif v0, block3, block2
block3:
    jump block1(v1)
block1(v2: i32):
    return v2
block2:
    brif v1, block4, block5
block5:
    jump block1(v1)
block4:
    jump block1(v0)
"
    );
    let incoming = incoming_edges(&func);
    for b in func.layout.blocks() {
        if let Some(t) = func.terminator(b) {
            assert!(edges_from(&func, t).all(|e| !is_critical_edge(&func, &incoming, e)), "{b}");
        }
    }
    assert_eq!(outcomes(&func, &inputs), before);
    assert!(split_critical_edges(&mut func).is_empty());
}

/// A loop entered from two places (a `brif` in the entry and a `jump` from
/// block2), with a header parameter carried around the latch.
const TWO_ENTRY_LOOP: &str = "function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    brif v1, block1(v0), block2
block2:
    v2 = i32.const 10
    jump block1(v2)
block1(v3: i32):
    v4 = i32.const 1
    v5 = i32.sub v3, v4
    brif v5, block1(v5), block3
block3:
    return v3
}
";

#[test]
fn create_preheader_routes_every_entry_through_one_block() {
    let mut func = parse(TWO_ENTRY_LOOP);
    let inputs: Vec<Vec<Val>> =
        [(5, 1), (5, 0), (1, 1), (3, 9)].iter().map(|&(a, b)| vec![Val::I32(a), Val::I32(b)]).collect();
    let before = outcomes(&func, &inputs);
    let loops = |func: &Function| {
        let cfg = ControlFlowGraph::with_function(func);
        let domtree = DominatorTree::with_function(func, &cfg);
        LoopAnalysis::with_domtree(&cfg, &domtree)
    };
    let analysis = loops(&func);
    let lp = analysis.loop_of_header(block(1)).unwrap();
    assert_eq!(analysis.preheader(lp), None, "two entries");
    let pre = create_preheader(&mut func, &analysis, lp).unwrap();
    assert_verifies(&func);
    assert_eq!(
        body(&func),
        "block0(v0: i32, v1: i32):
    brif v1, block4(v0), block2
block2:
    v2 = i32.const 10
    jump block4(v2)
block4(v6: i32):
    jump block1(v6)
block1(v3: i32):
    v4 = i32.const 1
    v5 = i32.sub v3, v4
    brif v5, block1(v5), block3
block3:
    return v3
"
    );
    let analysis = loops(&func);
    let lp = analysis.loop_of_header(block(1)).unwrap();
    assert_eq!(analysis.preheader(lp), Some(pre));
    assert_eq!(outcomes(&func, &inputs), before);
}

#[test]
fn create_preheader_declines_a_loop_without_entries() {
    // Once the entry's jump goes past the loop, its header has only the
    // back edge.
    let text = "function %f(i32) -> i32 {
block0(v0: i32):
    jump block1
block1:
    brif v0, block1, block2
block2:
    return v0
}
";
    let mut func = parse(text);
    let cfg = ControlFlowGraph::with_function(&func);
    let domtree = DominatorTree::with_function(&func, &cfg);
    let loops = LoopAnalysis::with_domtree(&cfg, &domtree);
    let lp = loops.loop_of_header(block(1)).unwrap();
    let jump = terminator(&func, 0);
    set_edge(&mut func, Edge { inst: jump, slot: 0 }, block(2), &[]);
    assert_eq!(create_preheader(&mut func, &loops, lp), None);
}

const UNREACHABLE: &str = "function %f(i32) -> i32 {
block0(v0: i32):
    jump block2(v0)
block1:
    v1 = i32.const 3
    jump block2(v1)
block2(v2: i32):
    brif v2, block3, block4
block3:
    return v2
block4:
    v3 = i32.const 0
    return v3
block5:
    jump block1
}
";

#[test]
fn unreachable_blocks_are_found_and_removed_with_their_edges() {
    let mut func = parse(UNREACHABLE);
    let live = reachable_blocks(&func);
    let live: Vec<Block> = func.layout.blocks().filter(|&b| live.contains(b)).collect();
    assert_eq!(live, [block(0), block(2), block(3), block(4)]);
    assert_eq!(incoming_edges(&func)[block(2)].len(), 2, "block1's edge counts until it is removed");
    assert!(remove_unreachable_blocks(&mut func));
    assert_verifies(&func);
    assert_eq!(func.layout.blocks().collect::<Vec<_>>(), live);
    assert_eq!(incoming_edges(&func)[block(2)].len(), 1);
    assert!(!remove_unreachable_blocks(&mut func));
    assert!(reachable_blocks(&Function::default()).is_empty());
}

#[test]
fn use_counts_count_every_occurrence_through_aliases() {
    let mut func = parse(
        "function %f(i32) -> i32 {
block0(v0: i32):
    v1 = i32.add v0, v0
    v2 = i32.mul v1, v0
    brif v2, block1(v0, v1), block1(v2, v2)
block1(v3: i32, v4: i32):
    v5 = i32.const 9
    return v3
}
",
    );
    let uses = use_counts(&func);
    assert_eq!([0, 1, 2, 3, 4, 5].map(|v| uses[value(v)]), [4, 2, 3, 1, 0, 0]);
    // v1 becomes an alias of v0: its uses count for v0.
    let add = func.dfg.value_inst(value(1)).unwrap();
    func.dfg.replace_results_with(add, &[value(0)]);
    func.layout.remove_inst(add);
    let uses = use_counts(&func);
    assert_eq!([0, 1, 2].map(|v| uses[value(v)]), [4, 0, 3]);
}

#[test]
fn redundant_params_become_their_value() {
    // A loop-invariant parameter and a join both of whose edges pass one value.
    let mut func = parse(
        "function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    v2 = i32.const 0
    brif v0, block1(v1, v2), block3(v1)
block1(v3: i32, v4: i32):
    v5 = i32.add v4, v3
    v6 = i32.lt_u v5, v0
    brif v6, block1(v3, v5), block2(v3)
block2(v7: i32):
    jump block3(v7)
block3(v8: i32):
    v9 = i32.mul v8, v8
    return v9
}
",
    );
    let inputs: Vec<Vec<Val>> =
        [(10, 3), (0, 3), (1, -2)].iter().map(|&(a, b)| vec![Val::I32(a), Val::I32(b)]).collect();
    let before = outcomes(&func, &inputs);
    assert!(remove_redundant_params(&mut func));
    func.dfg.resolve_all_aliases();
    assert_verifies(&func);
    assert_eq!(
        body(&func),
        "block0(v0: i32, v1: i32):
    v2 = i32.const 0
    brif v0, block1(v2), block3
block1(v4: i32):
    v5 = i32.add v4, v1
    v6 = i32.lt_u v5, v0
    brif v6, block1(v5), block2
block2:
    jump block3
block3:
    v9 = i32.mul v1, v1
    return v9
"
    );
    assert_eq!(outcomes(&func, &inputs), before);
    assert!(!remove_redundant_params(&mut func));
}

#[test]
fn params_with_different_values_or_of_the_entry_stay() {
    let text = "function %f(i32, i32) -> i32 {
block0(v0: i32, v1: i32):
    brif v0, block1(v0), block1(v1)
block1(v2: i32):
    return v2
}
";
    let mut func = parse(text);
    assert!(!remove_redundant_params(&mut func));
    assert_eq!(func.display().to_string(), text);
}

const INDIRECT: &str = "function %f(i32, i32) -> i32 {
    sig0 = (i32) -> i32
    table0 = table funcref min=3

block0(v0: i32, v1: i32):
    v2 = call_indirect sig0 table0 v0(v1)
    v3 = i32.add v2, v1
    return v3
}
";

#[test]
fn devirtualize_call_makes_a_br_table_of_direct_calls() {
    use weft_ir::cfg_edit::devirtualize_call;
    use weft_ir::{FuncDecl, FuncRef, Signature, Type};
    let mut func = parse(INDIRECT);
    let call = func.layout.first_inst(block(0)).expect("a first instruction");
    let decl = |params: Vec<Type>| FuncDecl { sig: Signature::new(params, vec![Type::I32]), name: None };
    let f4 = Some((FuncRef::from_u32(4), decl(vec![Type::I32])));
    // Slot 1 traps (null, or another type); slots 0 and 2 call fn4, one arm.
    let br = devirtualize_call(&mut func, call, &[f4.clone(), None, f4]).expect("rewritten");
    assert_verifies(&func);
    assert_eq!(func.layout.inst_block(br), Some(block(0)));
    assert_eq!(
        body(&func),
        "    sig0 = (i32) -> i32
    fn4 = (i32) -> i32
    table0 = table funcref min=3

block0(v0: i32, v1: i32):
    br_table v0, block2, [block3, block2, block3]
block1(v4: i32):
    v3 = i32.add v4, v1
    return v3
block2:
    trap
block3:
    v5 = call fn4(v1)
    jump block1(v5)
"
    );
    // A target declared with another signature than the call's: nothing
    // changes.
    let mut other = parse(INDIRECT);
    let call = other.layout.first_inst(block(0)).expect("a first instruction");
    let wide = Some((FuncRef::from_u32(4), decl(vec![Type::I64])));
    assert!(devirtualize_call(&mut other, call, &[wide]).is_none());
    assert_eq!(other.display().to_string(), parse(INDIRECT).display().to_string());
}

const CALLER: &str = "function %caller(i32, i32) -> i32 {
    fn3 = (i32) -> i32, i32
    gv0 = global mut i32

block0(v0: i32, v1: i32):
    v2, v3 = call fn3(v1)
    v4 = i32.add v2, v3
    v5 = global.get gv0
    v6 = i32.add v4, v5
    return v6
}
";

const CALLEE: &str = "function %pair(i32) -> i32, i32 {
    gv0 = global mut i32

block0(v0: i32):
    brif v0, block2, block1(v0)
block1(v1: i32):
    global.set gv0 v1
    return v1, v1
block2:
    v2 = i32.const 7
    v3 = i32.div_u v2, v0
    return v3, v0
}
";

#[test]
fn inline_call_copies_the_body_and_joins_its_returns() {
    use weft_ir::cfg_edit::{InlineError, inline_call};
    let mut func = parse(CALLER);
    let callee = parse(CALLEE);
    let call = func.layout.first_inst(block(0)).expect("a first instruction");
    let join = inline_call(&mut func, call, &callee).expect("inlined");
    assert_verifies(&func);
    // The call's results keep their numbers, as the join block's
    // parameters; the callee's blocks follow the call's block in reverse
    // postorder; each return jumps to the join block.
    assert_eq!(join, block(1));
    assert_eq!(
        body(&func),
        "    fn3 = (i32) -> i32, i32
    gv0 = global mut i32

block0(v0: i32, v1: i32):
    jump block2(v1)
block2(v7: i32):
    brif v7, block3, block4(v7)
block3:
    v9 = i32.const 7
    v10 = i32.div_u v9, v7
    jump block1(v10, v7)
block4(v8: i32):
    global.set gv0 v8
    jump block1(v8, v8)
block1(v2: i32, v3: i32):
    v4 = i32.add v2, v3
    v5 = global.get gv0
    v6 = i32.add v4, v5
    return v6
"
    );
    // Behaviour: the callee's global write and its division's trap come
    // along (the interpreter runs calls as opaque events, so compare with
    // a hand-inlined caller).
    let hand = parse(
        "function %hand(i32, i32) -> i32 {
    gv0 = global mut i32

block0(v0: i32, v1: i32):
    brif v1, block2, block1
block1:
    global.set gv0 v1
    v2 = i32.add v1, v1
    v3 = global.get gv0
    v4 = i32.add v2, v3
    return v4
block2:
    v5 = i32.const 7
    v6 = i32.div_u v5, v1
    v7 = i32.add v6, v1
    v8 = global.get gv0
    v9 = i32.add v7, v8
    return v9
}
",
    );
    let inputs = i32s(&[0, 1, 3, 8, -1]);
    assert_eq!(outcomes(&func, &inputs), outcomes(&hand, &inputs));

    // A callee of another signature, or with a tail call: nothing changes.
    let mut other = parse(CALLER);
    let call = other.layout.first_inst(block(0)).expect("a first instruction");
    let narrow = parse("function %one(i32) -> i32 {\nblock0(v0: i32):\n    return v0\n}\n");
    assert_eq!(inline_call(&mut other, call, &narrow), Err(InlineError::SignatureMismatch));
    let tail = parse(
        "function %tail(i32) -> i32, i32 {\n    fn3 = (i32) -> i32, i32\n\nblock0(v0: i32):\n    return_call fn3(v0)\n}\n",
    );
    assert_eq!(inline_call(&mut other, call, &tail), Err(InlineError::TailCall));
    assert_eq!(other.display().to_string(), parse(CALLER).display().to_string());
}

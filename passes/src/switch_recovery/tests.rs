//! Unit tests of `switch-recovery`: the lowering agrees with the chain's
//! meaning on every boundary value, generated chains keep their behaviour
//! under every configuration (interpreter on boundary values, Z3 on a
//! sample), and the cost model decides as documented.

use std::fmt::Write as _;

use weft_ir::interpreter::{NoCalls, State, Val, run};
use weft_ir::{Block, EntityRef, Function, Rng, parse_function, verify_function};

use super::chain::Target;
use super::cost::{Cluster, Node, Partition, Plan, decide, eval};
use super::{
    DEFAULT_MIN_CASES_FOR_SEARCH, DEFAULT_MIN_CASES_FOR_TABLE, Decision, MAX_TABLE_SPAN_LIMIT, SwitchConfig,
    SwitchRecovery,
};
use crate::analysis::interval_set::max_value;

/// Configurations that exercise every lowering.
fn configs() -> Vec<(&'static str, SwitchConfig)> {
    vec![
        ("default", SwitchConfig::default()),
        ("size", SwitchConfig::size()),
        ("eager-table", SwitchConfig { min_cases_for_table: 2, min_density: 0.0, ..SwitchConfig::default() }),
        (
            "eager-search",
            SwitchConfig { min_cases_for_table: usize::MAX, min_cases_for_search: 1, ..SwitchConfig::default() },
        ),
        ("dense-only", SwitchConfig { min_cases_for_table: 2, min_density: 1.0, ..SwitchConfig::default() }),
    ]
}

fn probes_around(values: &[u64], width: u32) -> Vec<u64> {
    let max = max_value(width);
    let sign = 1u64 << (width - 1);
    let mut out = vec![0, 1, 2, max, max - 1, sign, sign - 1, sign + 1];
    for &k in values {
        for d in [0u64, 1, 2] {
            out.push(k.wrapping_add(d) & max);
            out.push(k.wrapping_sub(d) & max);
        }
        if width == 64 {
            // Same low 32 bits, different high bits: a missing range check
            // before the wrap would send these into the table.
            out.push(k.wrapping_add(1 << 32));
            out.push(k.wrapping_sub(1 << 32));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

fn partition(width: u32, clusters: Vec<Cluster>, ntargets: usize) -> Partition {
    let targets = (0..ntargets).map(|i| Target { block: Block::new(i), args: Vec::new() }).collect();
    Partition { width, targets, default: 0, clusters }
}

#[test]
fn lowering_agrees_with_the_partition_on_every_boundary() {
    let mut rng = Rng::from_state(0x5eed_1234_abcd_0001);
    let mut rewritten = 0;
    for round in 0..400 {
        let width = if round % 3 == 0 { 64 } else { 32 };
        let max = max_value(width);
        let ntargets = 2 + rng.below(6) as usize;
        // Sorted, disjoint clusters with non-default targets, sometimes
        // dense, sometimes sparse, sometimes near the top of the domain.
        let base = match rng.below(4) {
            0 => 0,
            1 => rng.below(1000),
            2 => max - 5000,
            _ => 1 << (width - 1),
        };
        let mut clusters: Vec<Cluster> = Vec::new();
        let mut at = base;
        for _ in 0..1 + rng.below(20) {
            let gap = if rng.chance(60) { rng.below(2) } else { rng.below(300) };
            let len = if rng.chance(75) { 0 } else { rng.below(12) };
            let Some(lo) = at.checked_add(gap) else { break };
            let Some(hi) = lo.checked_add(len) else { break };
            if hi > max {
                break;
            }
            let target = 1 + rng.below(ntargets as u64 - 1) as usize;
            if clusters.last().is_some_and(|c: &Cluster| c.target == target && c.hi + 1 == lo) {
                continue;
            }
            clusters.push(Cluster { lo, hi, target });
            match hi.checked_add(1) {
                Some(n) => at = n,
                None => break,
            }
        }
        if clusters.is_empty() {
            continue;
        }
        let p = partition(width, clusters, ntargets);
        let bounds: Vec<u64> = p.clusters.iter().flat_map(|c| [c.lo, c.hi]).collect();
        for (name, config) in configs() {
            let Plan::Rewrite { tree, .. } = decide(&p, 10_000, None, &config) else { continue };
            rewritten += 1;
            for v in probes_around(&bounds, width) {
                assert_eq!(
                    eval(&tree, v, width),
                    p.target_of(v),
                    "round {round}, config {name}, value {v:#x}, clusters {:?}, tree {tree:?}",
                    p.clusters
                );
            }
            check_tables(&tree, &config);
        }
    }
    assert!(rewritten > 500, "only {rewritten} plans were checked");
}

/// Every table respects the span limit.
fn check_tables(node: &Node, config: &SwitchConfig) {
    match node {
        Node::Jump(_) => {}
        Node::Test { then, other, .. } => {
            check_tables(then, config);
            check_tables(other, config);
        }
        Node::Table { entries, out_of_range, .. } => {
            assert!(entries.len() as u64 <= config.max_table_span + super::cost::ZERO_BASE_MAX);
            check_tables(out_of_range, config);
        }
    }
}

// ------------------------------------------------------ generated chains

/// Builds the text of one random chain of tests on `v0`.
struct ChainGen<'r> {
    rng: &'r mut Rng,
    wide: bool,
    next_value: u32,
    text: String,
    constants: Vec<u64>,
    base: u64,
}

impl ChainGen<'_> {
    fn ty(&self) -> &'static str {
        if self.wide { "i64" } else { "i32" }
    }
    fn width(&self) -> u32 {
        if self.wide { 64 } else { 32 }
    }
    fn value(&mut self) -> String {
        self.next_value += 1;
        format!("v{}", self.next_value)
    }
    fn line(&mut self, s: &str) {
        let _ = writeln!(self.text, "    {s}");
    }
    fn constant(&mut self) -> u64 {
        let k = self.base.wrapping_add(self.rng.below(9)) & max_value(self.width());
        self.constants.push(k);
        k
    }
    fn konst(&mut self, k: u64) -> String {
        let v = self.value();
        let ty = self.ty();
        let imm = if self.wide { (k as i64).to_string() } else { (k as u32 as i32).to_string() };
        self.line(&format!("{v} = {ty}.const {imm}"));
        v
    }
    fn op(&mut self, op: &str, a: &str, b: &str) -> String {
        let v = self.value();
        let ty = if op.starts_with("i32.") || op.starts_with("i64.") { "" } else { self.ty() };
        let dot = if ty.is_empty() { "" } else { "." };
        self.line(&format!("{v} = {ty}{dot}{op} {a}, {b}"));
        v
    }

    /// Emits a random test of v0; returns the condition and whether it is
    /// negated (true when the value is *not* in the case).
    fn predicate(&mut self) -> (String, bool) {
        let kinds = if self.wide { 11 } else { 13 };
        match self.rng.below(kinds) {
            0 | 1 => {
                let k = self.constant();
                let c = self.konst(k);
                (self.op("eq", "v0", &c), false)
            }
            2 => {
                let k = self.constant();
                let c = self.konst(k);
                (self.op("ne", "v0", &c), true)
            }
            3 => {
                let v = self.value();
                let ty = self.ty();
                self.line(&format!("{v} = {ty}.eqz v0"));
                self.constants.push(0);
                (v, false)
            }
            4 => {
                let k = self.constant();
                let c = self.konst(k);
                (self.op("lt_u", "v0", &c), false)
            }
            5 => {
                let k = self.constant();
                let c = self.konst(k);
                (self.op("ge_u", "v0", &c), false)
            }
            6 => {
                let k = self.constant();
                let c = self.konst(k);
                (self.op("gt_u", &c, "v0"), false)
            }
            7 => {
                let k = self.constant();
                let c = self.konst(k);
                (self.op("le_s", "v0", &c), false)
            }
            8 => {
                let a = self.constant();
                let n = 1 + self.rng.below(4);
                self.constants.push(a.wrapping_add(n));
                let ca = self.konst(a);
                let d = self.op("sub", "v0", &ca);
                let cn = self.konst(n);
                (self.op("lt_u", &d, &cn), false)
            }
            9 => {
                let a = self.constant();
                let b = a.wrapping_add(1 + self.rng.below(3)) & max_value(self.width());
                self.constants.push(b);
                let ca = self.konst(a);
                let ge = self.op("ge_u", "v0", &ca);
                let cb = self.konst(b);
                let lt = self.op("lt_u", "v0", &cb);
                (self.op("i32.and", &ge, &lt), false)
            }
            10 => {
                let k = self.constant();
                let c = self.konst(k);
                (self.op("gt_s", "v0", &c), false)
            }
            11 => {
                let k = self.constant();
                let c = self.konst(k);
                let eq = self.op("eq", "v0", &c);
                let v = self.value();
                self.line(&format!("{v} = i32.const 1"));
                (self.op("i32.xor", &eq, &v), true)
            }
            _ => {
                self.constants.push(0);
                ("v0".to_string(), true)
            }
        }
    }
}

/// An else-if ladder: test k in block k, arms in blocks n+1.., the default
/// in block n, a shared join with a parameter in block 2n+1.
fn gen_ladder(rng: &mut Rng, wide: bool, base: u64) -> (String, Vec<u64>) {
    let n = 2 + rng.below(9) as usize;
    let ty = if wide { "i64" } else { "i32" };
    let mut g = ChainGen { rng, wide, next_value: 0, text: String::new(), constants: Vec::new(), base };
    let _ = writeln!(g.text, "function %ladder({ty}) -> i32 {{\nblock0(v0: {ty}):");
    let shared = 2 * n + 1;
    for k in 0..n {
        if k > 0 {
            let _ = writeln!(g.text, "block{k}:");
        }
        let (cond, negated) = g.predicate();
        let exit = if k > 0 && g.rng.chance(20) {
            format!("block{}", n + 1 + g.rng.below(k as u64) as usize)
        } else if g.rng.chance(25) {
            let arg = g.value();
            g.line(&format!("{arg} = i32.const {}", 500 + k));
            format!("block{shared}({arg})")
        } else {
            format!("block{}", n + 1 + k)
        };
        let cont = format!("block{}", k + 1);
        if negated {
            g.line(&format!("brif {cond}, {cont}, {exit}"));
        } else {
            g.line(&format!("brif {cond}, {exit}, {cont}"));
        }
    }
    let _ = writeln!(g.text, "block{n}:");
    let d = g.value();
    g.line(&format!("{d} = i32.const -1"));
    g.line(&format!("return {d}"));
    for k in 0..n {
        let _ = writeln!(g.text, "block{}:", n + 1 + k);
        let r = g.value();
        g.line(&format!("{r} = i32.const {}", 100 + k));
        g.line(&format!("return {r}"));
    }
    let p = g.value();
    let _ = writeln!(g.text, "block{shared}({p}: i32):");
    let c = g.value();
    g.line(&format!("{c} = i32.const 1000"));
    let s = g.value();
    g.line(&format!("{s} = i32.add {p}, {c}"));
    g.line(&format!("return {s}"));
    g.text.push_str("}\n");
    (g.text, g.constants)
}

/// Sequential ifs: test k in block 2k, its arm (which records k in gv0) in
/// block 2k+1 rejoining at block 2k+2; block 2n returns gv0.
fn gen_seq_ifs(rng: &mut Rng, wide: bool, base: u64) -> (String, Vec<u64>) {
    let n = 2 + rng.below(8) as usize;
    let ty = if wide { "i64" } else { "i32" };
    let mut g = ChainGen { rng, wide, next_value: 0, text: String::new(), constants: Vec::new(), base };
    let _ = writeln!(g.text, "function %seq({ty}) -> i32 {{\n    gv0 = global mut i32\n\nblock0(v0: {ty}):");
    for k in 0..n {
        if k > 0 {
            let _ = writeln!(g.text, "block{}:", 2 * k);
        }
        let (cond, negated) = g.predicate();
        let (arm, next) = (2 * k + 1, 2 * k + 2);
        if negated {
            g.line(&format!("brif {cond}, block{next}, block{arm}"));
        } else {
            g.line(&format!("brif {cond}, block{arm}, block{next}"));
        }
        let _ = writeln!(g.text, "block{arm}:");
        let old = g.value();
        g.line(&format!("{old} = global.get gv0"));
        let three = g.value();
        g.line(&format!("{three} = i32.const 3"));
        let m = g.value();
        g.line(&format!("{m} = i32.mul {old}, {three}"));
        let tag = g.value();
        g.line(&format!("{tag} = i32.const {}", k + 1));
        let new = g.value();
        g.line(&format!("{new} = i32.add {m}, {tag}"));
        g.line(&format!("global.set gv0 {new}"));
        g.line(&format!("jump block{next}"));
    }
    let _ = writeln!(g.text, "block{}:", 2 * n);
    let r = g.value();
    g.line(&format!("{r} = global.get gv0"));
    g.line(&format!("return {r}"));
    g.text.push_str("}\n");
    (g.text, g.constants)
}

fn run_on(func: &Function, v: u64, wide: bool) -> Result<Vec<Val>, String> {
    let arg = if wide { Val::I64(v as i64) } else { Val::I32(v as u32 as i32) };
    let mut state = State::for_function(func).map_err(|t| t.to_string())?;
    run(func, &[arg], &mut state, &mut NoCalls, 100_000).map_err(|t| t.to_string())
}

#[test]
fn generated_chains_keep_their_behaviour() {
    let mut rng = Rng::from_state(0x0dd_ba11_cafe_f00d);
    let bases32 = [0u64, 3, 1000, 0x7fff_fffc, 0xffff_fffb];
    let bases64 = [0u64, 7, 0xffff_fffc, 0x7fff_ffff_ffff_fffc, u64::MAX - 4];
    let mut changed = 0;
    let mut proved = 0;
    let mut unknown = 0;
    for round in 0..160 {
        let wide = round % 4 == 3;
        let base = if wide { bases64[round % 5] } else { bases32[round % 5] };
        let (text, constants) =
            if round % 2 == 0 { gen_ladder(&mut rng, wide, base) } else { gen_seq_ifs(&mut rng, wide, base) };
        let func = parse_function(&text).unwrap_or_else(|e| panic!("generated text does not parse: {e}\n{text}"));
        verify_function(&func).unwrap_or_else(|_| panic!("generated function does not verify:\n{text}"));
        let width = if wide { 64 } else { 32 };
        let probes = probes_around(&constants, width);
        for (name, config) in configs() {
            let mut out = func.clone();
            let mut report = Vec::new();
            if !SwitchRecovery::with_config(config).run_with_report(&mut out, &mut report) {
                assert_eq!(out.display().to_string(), text, "unchanged function was modified");
                continue;
            }
            changed += 1;
            let printed = out.display().to_string();
            if let Err(errs) = verify_function(&out) {
                panic!("round {round} config {name}: output does not verify:\n{}", weft_ir::pretty_errors(&out, &errs));
            }
            for &v in &probes {
                assert_eq!(
                    run_on(&func, v, wide),
                    run_on(&out, v, wide),
                    "round {round}, config {name}, input {v:#x}\nbefore:\n{text}\nafter:\n{printed}"
                );
            }
            // Z3 on a sample (every run costs solver time), skipping long
            // sequential ifs: their arms' global updates give the checker
            // 2^n paths. A timeout is tolerated, never a counterexample.
            let arms = text.matches("global.set").count();
            if changed % 5 == 0 && arms <= 4 {
                let options = weft_verify::Options { timeout_ms: 3_000, ..weft_verify::Options::default() };
                match weft_verify::check_refinement(&func, &out, &options) {
                    weft_verify::Outcome::Proved => proved += 1,
                    weft_verify::Outcome::Unknown(_) => unknown += 1,
                    other => panic!("round {round} config {name}: {other}\nbefore:\n{text}\nafter:\n{printed}"),
                }
            }
        }
    }
    assert!(changed > 250, "only {changed} rewrites were checked");
    assert!(proved > 8 * unknown && proved > 25, "{proved} rewrites proved, {unknown} unknown");
}

// ------------------------------------------------------------ decisions

fn ladder(cases: &[i64]) -> Function {
    let mut text = String::from("function %f(i32) -> i32 {\nblock0(v0: i32):\n");
    let n = cases.len();
    for (k, &c) in cases.iter().enumerate() {
        if k > 0 {
            let _ = writeln!(text, "block{k}:");
        }
        let _ = writeln!(text, "    v{} = i32.const {c}", 2 * k + 1);
        let _ = writeln!(text, "    v{} = i32.eq v0, v{}", 2 * k + 2, 2 * k + 1);
        let _ = writeln!(text, "    brif v{}, block{}, block{}", 2 * k + 2, n + 1 + k, k + 1);
    }
    let _ = writeln!(text, "block{n}:\n    v{} = i32.const -1\n    return v{}", 2 * n + 1, 2 * n + 1);
    for k in 0..n {
        let _ = writeln!(text, "block{}:\n    return v{}", n + 1 + k, 2 * k + 1);
    }
    text.push_str("}\n");
    parse_function(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn decisions(func: &Function, config: SwitchConfig) -> (Vec<Decision>, Function) {
    let mut out = func.clone();
    let mut report = Vec::new();
    SwitchRecovery::with_config(config).run_with_report(&mut out, &mut report);
    (report.into_iter().map(|r| r.decision).collect(), out)
}

/// LLVM-like thresholds (`-Os` density), to test the lowering on short
/// chains (the defaults are measured on wasmtime).
fn small() -> SwitchConfig {
    SwitchConfig { min_cases_for_table: 4, min_density: 0.40, min_cases_for_search: 6, ..SwitchConfig::default() }
}

#[test]
fn default_thresholds_are_the_measured_ones() {
    let below: Vec<i64> = (0..DEFAULT_MIN_CASES_FOR_TABLE as i64 - 1).collect();
    let at: Vec<i64> = (0..DEFAULT_MIN_CASES_FOR_TABLE as i64).collect();
    let (d, out) = decisions(&ladder(&below), SwitchConfig::default());
    assert_eq!(d, vec![Decision::Left("too few cases for a table or a search tree")]);
    assert_eq!(out.display().to_string(), ladder(&below).display().to_string());
    assert_eq!(decisions(&ladder(&at), SwitchConfig::default()).0, vec![Decision::Table]);
    // Sparse (no table): a tree only from DEFAULT_MIN_CASES_FOR_SEARCH.
    let sparse = |n: usize| ladder(&(0..n as i64).map(|k| 1000 * k).collect::<Vec<_>>());
    assert!(matches!(decisions(&sparse(40), SwitchConfig::default()).0.as_slice(), [Decision::Left(_)]));
    assert_eq!(decisions(&sparse(DEFAULT_MIN_CASES_FOR_SEARCH), SwitchConfig::default()).0, vec![Decision::SearchTree]);
}

#[test]
fn few_cases_are_left_unless_the_threshold_allows_them() {
    let f = ladder(&[1, 2, 3]);
    let (d, out) = decisions(&f, SwitchConfig::default());
    assert_eq!(d, vec![Decision::Left("too few cases for a table or a search tree")]);
    assert_eq!(out.display().to_string(), f.display().to_string());
    let (d, _) = decisions(&f, SwitchConfig { min_cases_for_table: 3, ..SwitchConfig::default() });
    assert_eq!(d, vec![Decision::Table]);
}

#[test]
fn density_decides_between_table_and_search() {
    // 6 cases over a span of 10: 60% dense.
    let dense = ladder(&[10, 11, 13, 15, 17, 19]);
    assert_eq!(decisions(&dense, small()).0, vec![Decision::Table]);
    // Same count over a span of 51: 12% — a search tree...
    let sparse = ladder(&[10, 20, 30, 40, 50, 60]);
    assert_eq!(decisions(&sparse, small()).0, vec![Decision::SearchTree]);
    // ...and a table when the density threshold is lowered.
    let low = SwitchConfig { min_density: 0.10, ..small() };
    assert_eq!(decisions(&sparse, low).0, vec![Decision::Table]);
}

#[test]
fn prefer_size_picks_the_smallest_encoding() {
    // A dense ladder: the table is smaller than six compares.
    let dense = ladder(&[0, 1, 2, 3, 4, 5]);
    let (d, out) = decisions(&dense, SwitchConfig::size());
    assert_eq!(d, vec![Decision::Table]);
    assert!(out.num_layout_insts() < dense.num_layout_insts());
    // A sparse one: no search tree under -Os (it only adds compares).
    let sparse = ladder(&[1, 10, 100, 1000, 10000, 100000, 1000000]);
    let (d, out) = decisions(&sparse, SwitchConfig::size());
    assert!(matches!(d.as_slice(), [Decision::Left(_)]), "{d:?}");
    assert_eq!(out.display().to_string(), sparse.display().to_string());
    assert_eq!(decisions(&sparse, small()).0, vec![Decision::SearchTree]);
}

#[test]
fn table_span_is_clamped() {
    let pass = SwitchRecovery::with_config(SwitchConfig { max_table_span: u64::MAX, ..SwitchConfig::default() });
    assert_eq!(pass.config().max_table_span, MAX_TABLE_SPAN_LIMIT);
    // A span above the limit gets no table.
    let wide = ladder(&[0, 1, 2, 3, 1 << 20]);
    let cfg = SwitchConfig { max_table_span: 4, ..small() };
    let (d, out) = decisions(&wide, cfg);
    assert_eq!(d, vec![Decision::Table]);
    let printed = out.display().to_string();
    assert!(printed.contains("br_table v0, block5, [block6, block7, block8, block9]"), "{printed}");
    assert!(printed.contains("i32.eq v0"), "{printed}");
}

#[test]
fn a_chain_is_cut_where_an_arm_would_need_two_outcomes() {
    // `if v <u 2 {A}; if v==5..8 ...; if v == 1 {F}`: after A, v is 0 or
    // 1, and the last test splits those, so the chain stops before it.
    let text = "function %f(i32) -> i32 {
    gv0 = global mut i32

block0(v0: i32):
    v1 = i32.const 2
    v2 = i32.lt_u v0, v1
    brif v2, block1, block2
block1:
    v3 = i32.const 7
    global.set gv0 v3
    jump block2
block2:
    v4 = i32.const 5
    v5 = i32.eq v0, v4
    brif v5, block3, block4
block3:
    global.set gv0 v4
    jump block4
block4:
    v6 = i32.const 6
    v7 = i32.eq v0, v6
    brif v7, block5, block6
block5:
    global.set gv0 v6
    jump block6
block6:
    v8 = i32.const 1
    v9 = i32.eq v0, v8
    brif v9, block7, block8
block7:
    v10 = global.get gv0
    v11 = i32.const 100
    v12 = i32.add v10, v11
    global.set gv0 v12
    jump block8
block8:
    v13 = global.get gv0
    return v13
}
";
    let func = parse_function(text).expect("parses");
    let cfg = SwitchConfig { min_cases_for_table: 3, ..SwitchConfig::default() };
    let (d, out) = decisions(&func, cfg);
    assert_eq!(d, vec![Decision::Table]);
    let printed = out.display().to_string();
    // The arm of `v <u 2` still goes to the `v == 1` test.
    assert!(printed.contains("block1:\n    v3 = i32.const 7\n    global.set gv0 v3\n    jump block6"), "{printed}");
    assert!(printed.contains("v9 = i32.eq v0, v8"), "{printed}");
    for v in [0u64, 1, 2, 4, 5, 6, 7, 0xffff_ffff] {
        assert_eq!(run_on(&func, v, false), run_on(&out, v, false), "input {v}\n{printed}");
    }
    assert_eq!(
        weft_verify::check_refinement(&func, &out, &weft_verify::Options::default()),
        weft_verify::Outcome::Proved
    );
}

//! The callback-dispatch modules: one module per handler count, case
//! layout and source shape, and a Rust model of what they compute.
//!
//! Every module has `n` handlers `$h0 … $h{n-1}`. Handler `k` mixes its
//! argument into the global `$acc` in [`ROUNDS`] rounds (add a constant,
//! xor, rotate, multiply) and increments a counter at memory offset `4k`.
//! Every handler runs the same instructions; only the constants depend on
//! `k` (none of them 0 or 1, so nothing folds), so no two handlers are
//! identical, no call can be folded away, and which handler runs does not
//! change the work an iteration does. `$dispatch(e)` calls `$h{e}` for `e`
//! in `[0, n)`, written in one of four [`Shape`]s.
//!
//! A *strided* module ([`strided_module`], for the density sweep) spreads
//! the case constants with a stride `s` ([`Layout`]): `$dispatch(e)` calls
//! `$h{k}` when `e == k·s`, for `k` in `[0, n)` (density `n / span`, span
//! `(n − 1)·s + 1`); any other code matches no case and takes the default,
//! which does nothing. The dense modules are the stride-1 layout.
//!
//! The *baseline* module ([`baseline_module`]) has the same handlers and
//! drivers, but its `$dispatch(e)` is `call $h0` with no test: timing it
//! next to a dispatch module measures everything around the dispatch, so
//! the difference is the dispatch's own cost. [`baseline_checksum`] models
//! it.
//!
//! The *jump floor* module ([`jump_floor_module`], "br_table, one
//! handler") has the hand-written [`Shape::BrTable`] dispatch of `n` cases,
//! but every arm calls `$h0` with the event code, as the baseline does: it
//! computes the baseline's checksum ([`baseline_checksum`]), and differs
//! from the baseline only by the table jump (the bounds check, the
//! indirect jump through the table, and its misprediction when the codes
//! are unpredictable), not by which handler runs. Its time less the
//! baseline's is what one indirect jump costs per call, the least any
//! lowering that takes one unpredictable transfer per call can add.
//!
//! The driver loops are inside the module, so a measurement is one host
//! call: `run_uniform(iterations: i32, seed: i64) -> i32` and
//! `run_skewed(iterations, seed) -> i32` reset the state, draw `iterations`
//! event codes from a 64-bit LCG (Knuth's MMIX constants; the high 32 bits
//! `r` of each state are used), call `$dispatch` with each, and return a
//! checksum of `$acc` and the counters. The uniform code is case
//! `((r & 0xffff) * n) >> 16`'s constant (that index times the stride),
//! uniform over the cases; the skewed code is `0` when `(r >> 22) < 922`
//! (90.04 % of draws) and the uniform code otherwise (drawn with `select`,
//! so the generator itself does not branch). A strided module has
//! `run_uniform` and `run_span(iterations, seed)`, whose code is
//! `((r & 0xffff) * span) >> 16`, uniform over the whole span, so that most
//! codes of a sparse layout miss every case. [`model_checksum`] computes
//! the same checksums in Rust, for any layout.

use std::fmt::Write;

/// How `$dispatch` is written.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Shape {
    /// `if (e == k) { h_k(e) }` for every `k`, one after the other: every
    /// test runs on every call.
    SeqIf,
    /// `if (e == 0) { h_0(e) } else if (e == 1) { … } …`: nested `if/else`.
    ElseIf,
    /// A run of `br_if` out of nested blocks, one block per case (the shape
    /// Binaryen's `tablify` handles); case 0 is tested with `i32.eqz`.
    BrIf,
    /// The reference: one hand-written `br_table` over the nested blocks.
    BrTable,
}

impl Shape {
    /// Every shape, in report order.
    pub const ALL: [Shape; 4] = [Shape::SeqIf, Shape::ElseIf, Shape::BrIf, Shape::BrTable];

    /// The name used in the report.
    pub fn name(self) -> &'static str {
        match self {
            Shape::SeqIf => "seq-if",
            Shape::ElseIf => "else-if",
            Shape::BrIf => "br_if run",
            Shape::BrTable => "br_table (hand-written)",
        }
    }

    /// Is this one of the chain shapes `switch-recovery` targets?
    pub fn is_chain(self) -> bool {
        self != Shape::BrTable
    }
}

/// The distribution of event codes.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Dist {
    /// Uniform over the cases: case `k`'s constant for `k` uniform over
    /// `[0, n)` (every code hits a case).
    Uniform,
    /// 90 % code 0 (the first case), the rest uniform over the cases.
    Skewed,
    /// Uniform over the whole span `[0, (n − 1)·stride]` of a layout: a
    /// code that is not a case constant takes the default (the same codes
    /// as [`Dist::Uniform`] for a dense layout).
    Span,
}

impl Dist {
    /// The distributions of the dense dispatch benchmark, in report order.
    pub const ALL: [Dist; 2] = [Dist::Uniform, Dist::Skewed];

    /// The distributions of a strided module ([`strided_module`]).
    pub const STRIDED: [Dist; 2] = [Dist::Uniform, Dist::Span];

    /// Every distribution.
    pub const EVERY: [Dist; 3] = [Dist::Uniform, Dist::Skewed, Dist::Span];

    /// The exported driver function.
    pub fn export(self) -> &'static str {
        match self {
            Dist::Uniform => "run_uniform",
            Dist::Skewed => "run_skewed",
            Dist::Span => "run_span",
        }
    }

    /// The name used in the report.
    pub fn name(self) -> &'static str {
        match self {
            Dist::Uniform => "uniform",
            Dist::Skewed => "skewed (90% code 0)",
            Dist::Span => "uniform over the span",
        }
    }
}

/// The largest span of a [`Layout`]: the span draw `((r & 0xffff) * span)
/// >> 16` needs `span <= 65536`.
pub const MAX_SPAN: u32 = 1 << 16;

/// Where the case constants lie: case `k` (handler `$h{k}`) is the code
/// `k·stride`, for `k` in `[0, n)`.
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Layout {
    /// Cases (handlers).
    pub n: u32,
    /// Distance between consecutive case constants (1: dense).
    pub stride: u32,
}

impl Layout {
    /// The dense layout of `n` cases: codes `0 .. n`.
    pub fn dense(n: u32) -> Layout {
        Layout { n, stride: 1 }
    }

    /// `n` cases `stride` apart; an error unless `n` is in
    /// `1..=MAX_HANDLERS`, `stride >= 1` and the span at most [`MAX_SPAN`].
    pub fn new(n: u32, stride: u32) -> Result<Layout, crate::Error> {
        let layout = Layout { n, stride };
        if n == 0 || n > MAX_HANDLERS {
            return Err(crate::Error::new(format!("layout: {n} cases is outside 1..={MAX_HANDLERS}")));
        }
        if stride == 0 {
            return Err(crate::Error::new("layout: the stride must be at least 1"));
        }
        if u64::from(n - 1) * u64::from(stride) + 1 > u64::from(MAX_SPAN) {
            return Err(crate::Error::new(format!(
                "layout: {n} cases at stride {stride} span more than {MAX_SPAN} values"
            )));
        }
        Ok(layout)
    }

    /// Case `k`'s constant.
    pub fn code(self, k: u32) -> u32 {
        k * self.stride
    }

    /// Values from the first case constant to the last, both included:
    /// `(n − 1)·stride + 1`.
    pub fn span(self) -> u32 {
        (self.n.max(1) - 1) * self.stride + 1
    }

    /// Case values over span (1.0 when dense).
    pub fn density(self) -> f64 {
        f64::from(self.n) / f64::from(self.span())
    }
}

/// Multiplier of the 64-bit LCG.
const LCG_MUL: u64 = 6364136223846793005;
/// Increment of the 64-bit LCG.
const LCG_ADD: u64 = 1442695040888963407;
/// `(r >> 22) < SKEW_LIMIT` selects code 0 in the skewed driver.
const SKEW_LIMIT: u32 = 922;

/// The most handlers a module may have (the counters must fit one page).
pub const MAX_HANDLERS: u32 = 4096;

/// Rounds of mixing every handler does.
pub const ROUNDS: u32 = 2;

/// The constant handler `k` adds to its argument in round `r`: odd, so
/// never 0 (an `add 0` would fold).
fn addend(k: u32, r: u32) -> u32 {
    (k.wrapping_mul(0x9e37_79b9) ^ (r + 1).wrapping_mul(0x85eb_ca6b)) | 1
}

/// Handler `k`'s rotation, in `1..=31` (never 0).
fn rotate(k: u32) -> u32 {
    k % 31 + 1
}

/// Handler `k`'s multiplier: a large odd constant, distinct for every `k`
/// up to [`MAX_HANDLERS`] (never 1, never a power of two).
fn multiplier(k: u32) -> u32 {
    0x2545_f491 + 2 * k
}

/// The WAT text of the dispatch module with `n` handlers in `shape`.
/// `n` must be in `1..=MAX_HANDLERS` (checked by [`dispatch_module`]).
pub fn dispatch_wat(n: u32, shape: Shape) -> String {
    module_wat(Layout::dense(n), Body::Dispatch(shape), &Dist::ALL)
}

/// The WAT text of the baseline module with `n` handlers: `$dispatch(e)`
/// is `call $h0`, with no test.
pub fn baseline_wat(n: u32) -> String {
    module_wat(Layout::dense(n), Body::Baseline, &Dist::ALL)
}

/// The WAT text of the jump-floor module with `n` handlers: the
/// hand-written `br_table` dispatch of `n` cases whose every arm calls
/// `$h0` with the event code (see the module docs).
pub fn jump_floor_wat(n: u32) -> String {
    module_wat(Layout::dense(n), Body::JumpFloor, &Dist::ALL)
}

/// The WAT text of the strided module of `layout` in `shape`, with the
/// drivers of [`Dist::STRIDED`] (see [`strided_module`]).
pub fn strided_wat(layout: Layout, shape: Shape) -> String {
    module_wat(layout, Body::Dispatch(shape), &Dist::STRIDED)
}

/// What `$dispatch` of a generated module is.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
enum Body {
    /// A dispatch in this shape: case `k` calls `$h{k}`.
    Dispatch(Shape),
    /// The baseline: `call $h0`, no test.
    Baseline,
    /// The jump floor: the `br_table` dispatch, every arm calling `$h0`.
    JumpFloor,
}

/// The module with `$dispatch` written as `body` (a dispatch shape, the
/// baseline or the jump floor), with a driver for each of `dists`.
fn module_wat(layout: Layout, body: Body, dists: &[Dist]) -> String {
    let n = layout.n;
    let mut w = String::new();
    match body {
        Body::Dispatch(shape) if layout.stride != 1 => {
            let _ = writeln!(w, ";; {n} handlers at stride {}, dispatch shape: {}", layout.stride, shape.name());
        }
        Body::Dispatch(shape) => {
            let _ = writeln!(w, ";; {n} handlers, dispatch shape: {}", shape.name());
        }
        Body::Baseline => {
            let _ = writeln!(w, ";; {n} handlers, baseline: $dispatch calls $h0 with no test");
        }
        Body::JumpFloor => {
            let _ = writeln!(w, ";; {n} handlers, jump floor: a br_table of {n} cases, every arm calls $h0");
        }
    }
    w.push_str("(module\n  (memory 1)\n  (global $acc (mut i32) (i32.const 0))\n");
    for k in 0..n {
        handler(&mut w, k);
    }
    match body {
        Body::Dispatch(shape) => dispatch(&mut w, layout, shape, false),
        Body::JumpFloor => dispatch(&mut w, layout, Shape::BrTable, true),
        Body::Baseline => w.push_str("  (func $dispatch (param $e i32)\n    local.get $e\n    call $h0\n  )\n"),
    }
    for &dist in dists {
        driver(&mut w, layout, dist);
    }
    // reset: $acc = 0, counters = 0.
    let _ = writeln!(
        w,
        "  (func $reset\n    i32.const 0\n    global.set $acc\n    i32.const 0\n    i32.const 0\n    i32.const {}\n    memory.fill)",
        4 * n
    );
    // checksum: c = acc; for k in 0..n { c = c * 31 + counter[k] }.
    let _ = writeln!(
        w,
        "  (func $checksum (result i32) (local $c i32) (local $k i32)
    global.get $acc
    local.set $c
    block $done
      loop $next
        local.get $k
        i32.const {n}
        i32.ge_u
        br_if $done
        local.get $c
        i32.const 31
        i32.mul
        local.get $k
        i32.const 4
        i32.mul
        i32.load
        i32.add
        local.set $c
        local.get $k
        i32.const 1
        i32.add
        local.set $k
        br $next
      end
    end
    local.get $c)"
    );
    w.push_str(")\n");
    w
}

fn handler(w: &mut String, k: u32) {
    let _ = writeln!(w, "  (func $h{k} (param $x i32) (local $a i32)\n    global.get $acc\n    local.set $a");
    for r in 0..ROUNDS {
        let _ = writeln!(
            w,
            "    local.get $a\n    local.get $x\n    i32.const {}\n    i32.add\n    i32.xor\n    i32.const {}\n    i32.rotl\n    i32.const {}\n    i32.mul\n    local.set $a",
            addend(k, r) as i32,
            rotate(k),
            multiplier(k) as i32
        );
    }
    let _ = writeln!(
        w,
        "    local.get $a\n    global.set $acc\n    i32.const 0\n    i32.const 0\n    i32.load offset={o}\n    i32.const 1\n    i32.add\n    i32.store offset={o})",
        o = 4 * k
    );
}

/// Writes `$dispatch` in `shape`; `one_handler`: every arm calls `$h0`
/// instead of its own handler (the jump floor).
fn dispatch(w: &mut String, layout: Layout, shape: Shape, one_handler: bool) {
    let n = layout.n;
    let callee = |k: u32| if one_handler { 0 } else { k };
    w.push_str("  (func $dispatch (param $e i32)\n");
    match shape {
        Shape::SeqIf => {
            for k in 0..n {
                let _ = writeln!(
                    w,
                    "    local.get $e\n    i32.const {}\n    i32.eq\n    if\n      local.get $e\n      call $h{k}\n    end",
                    layout.code(k)
                );
            }
        }
        Shape::ElseIf => {
            for k in 0..n {
                let ind = "  ".repeat(k as usize);
                let _ = writeln!(
                    w,
                    "    {ind}local.get $e\n    {ind}i32.const {}\n    {ind}i32.eq\n    {ind}if\n    {ind}  local.get $e\n    {ind}  call $h{k}",
                    layout.code(k)
                );
                if k + 1 < n {
                    let _ = writeln!(w, "    {ind}else");
                }
            }
            for k in (0..n).rev() {
                let _ = writeln!(w, "    {}end", "  ".repeat(k as usize));
            }
        }
        Shape::BrIf | Shape::BrTable => {
            // block $exit (block $default (block $c{n-1} … (block $c0 <tests>) arm0) … arm{n-1}) )
            w.push_str("    block $exit\n    block $default\n");
            for k in (0..n).rev() {
                let _ = writeln!(w, "    block $c{k}");
            }
            if shape == Shape::BrIf {
                for k in 0..n {
                    if k == 0 {
                        w.push_str("    local.get $e\n    i32.eqz\n    br_if $c0\n");
                    } else {
                        let _ = writeln!(
                            w,
                            "    local.get $e\n    i32.const {}\n    i32.eq\n    br_if $c{k}",
                            layout.code(k)
                        );
                    }
                }
                w.push_str("    br $default\n");
            } else {
                // One entry per value of the span: a case constant goes to
                // its case, a hole to the default.
                w.push_str("    local.get $e\n    br_table");
                for v in 0..layout.span() {
                    if v % layout.stride == 0 {
                        let _ = write!(w, " $c{}", v / layout.stride);
                    } else {
                        w.push_str(" $default");
                    }
                }
                w.push_str(" $default\n");
            }
            for k in 0..n {
                let _ = writeln!(w, "    end\n    local.get $e\n    call $h{}\n    br $exit", callee(k));
            }
            w.push_str("    end\n    end\n");
        }
    }
    w.push_str("  )\n");
}

fn driver(w: &mut String, layout: Layout, dist: Dist) {
    // The span draw scales by the span, the others by the case count.
    let scale = if dist == Dist::Span { layout.span() } else { layout.n };
    let _ = writeln!(
        w,
        "  (func (export \"{}\") (param $n i32) (param $seed i64) (result i32)
    (local $i i32) (local $s i64) (local $r i32) (local $e i32)
    call $reset
    local.get $seed
    local.set $s
    block $done
      loop $next
        local.get $i
        local.get $n
        i32.ge_u
        br_if $done
        local.get $s
        i64.const {LCG_MUL}
        i64.mul
        i64.const {LCG_ADD}
        i64.add
        local.tee $s
        i64.const 32
        i64.shr_u
        i32.wrap_i64
        local.tee $r
        i32.const 65535
        i32.and
        i32.const {scale}
        i32.mul
        i32.const 16
        i32.shr_u",
        dist.export()
    );
    if dist != Dist::Span && layout.stride != 1 {
        // Case index to case constant.
        let _ = writeln!(w, "        i32.const {}\n        i32.mul", layout.stride);
    }
    w.push_str("        local.set $e\n");
    if dist == Dist::Skewed {
        let _ = writeln!(
            w,
            "        i32.const 0
        local.get $e
        local.get $r
        i32.const 22
        i32.shr_u
        i32.const {SKEW_LIMIT}
        i32.lt_u
        select
        local.set $e"
        );
    }
    w.push_str(
        "        local.get $e
        call $dispatch
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $next
      end
    end
    call $checksum)
",
    );
}

/// The binary dispatch module with `n` handlers in `shape`.
pub fn dispatch_module(n: u32, shape: Shape) -> Result<Vec<u8>, crate::Error> {
    if n == 0 || n > MAX_HANDLERS {
        return Err(crate::Error::new(format!("dispatch module: {n} handlers is outside 1..={MAX_HANDLERS}")));
    }
    let text = dispatch_wat(n, shape);
    wat::parse_str(&text).map_err(|e| crate::Error::new(format!("dispatch module (n = {n}, {}): {e}", shape.name())))
}

/// The binary strided module of `layout` in `shape`: `$dispatch(e)` calls
/// `$h{k}` when `e == k·stride` and does nothing otherwise; its drivers are
/// `run_uniform` (codes uniform over the cases) and `run_span` (uniform over
/// the span). The layout must come from [`Layout::new`] (checked again
/// here).
pub fn strided_module(layout: Layout, shape: Shape) -> Result<Vec<u8>, crate::Error> {
    let layout = Layout::new(layout.n, layout.stride)?;
    let text = strided_wat(layout, shape);
    wat::parse_str(&text).map_err(|e| {
        crate::Error::new(format!("strided module (n = {}, stride {}, {}): {e}", layout.n, layout.stride, shape.name()))
    })
}

/// The binary baseline module with `n` handlers (see [`baseline_wat`]).
pub fn baseline_module(n: u32) -> Result<Vec<u8>, crate::Error> {
    if n == 0 || n > MAX_HANDLERS {
        return Err(crate::Error::new(format!("baseline module: {n} handlers is outside 1..={MAX_HANDLERS}")));
    }
    wat::parse_str(baseline_wat(n)).map_err(|e| crate::Error::new(format!("baseline module (n = {n}): {e}")))
}

/// What the `dist` driver (`run_uniform`, `run_skewed`, `run_span`) of a
/// module with the case `layout` returns for `(iterations, seed)`,
/// computed in Rust: a dense module is [`Layout::dense`], a strided one
/// ([`strided_module`]) its layout. Every shape and every correct
/// optimization of it returns this.
pub fn model_checksum(layout: Layout, dist: Dist, iterations: u32, seed: u64) -> i32 {
    model(layout, dist, iterations, seed, false)
}

/// The binary jump-floor module with `n` handlers (see
/// [`jump_floor_wat`]); it computes [`baseline_checksum`].
pub fn jump_floor_module(n: u32) -> Result<Vec<u8>, crate::Error> {
    if n == 0 || n > MAX_HANDLERS {
        return Err(crate::Error::new(format!("jump-floor module: {n} handlers is outside 1..={MAX_HANDLERS}")));
    }
    wat::parse_str(jump_floor_wat(n)).map_err(|e| crate::Error::new(format!("jump-floor module (n = {n}): {e}")))
}

/// What `run_uniform` / `run_skewed` of the baseline module (and of the
/// jump-floor module) with `n` handlers returns: handler 0 runs on every
/// event code.
pub fn baseline_checksum(n: u32, dist: Dist, iterations: u32, seed: u64) -> i32 {
    model(Layout::dense(n), dist, iterations, seed, true)
}

/// The checksum of `iterations` events; `baseline`: every event runs
/// handler 0 (with the event code as its argument).
fn model(layout: Layout, dist: Dist, iterations: u32, seed: u64, baseline: bool) -> i32 {
    let n = layout.n.clamp(1, MAX_HANDLERS);
    let stride = layout.stride.max(1);
    let span = Layout { n, stride }.span().min(MAX_SPAN);
    let mut acc: u32 = 0;
    let mut counters = vec![0u32; n as usize];
    let mut s = seed;
    for _ in 0..iterations {
        s = s.wrapping_mul(LCG_MUL).wrapping_add(LCG_ADD);
        let r = (s >> 32) as u32;
        // The code; a span draw between two case constants hits no case.
        let mut e = match dist {
            Dist::Span => ((r & 0xffff) * span) >> 16,
            Dist::Uniform | Dist::Skewed => (((r & 0xffff) * n) >> 16) * stride,
        };
        if dist == Dist::Skewed && (r >> 22) < SKEW_LIMIT {
            e = 0;
        }
        if !baseline && e % stride != 0 {
            continue; // the default: no handler runs
        }
        // handler k with argument e
        let k = if baseline { 0 } else { e / stride };
        let mut a = acc;
        for round in 0..ROUNDS {
            a = (a ^ e.wrapping_add(addend(k, round))).rotate_left(rotate(k)).wrapping_mul(multiplier(k));
        }
        acc = a;
        counters[k as usize] = counters[k as usize].wrapping_add(1);
    }
    let mut c = acc;
    for v in counters {
        c = c.wrapping_mul(31).wrapping_add(v);
    }
    c as i32
}

/// The fraction of code-0 events the skewed driver produces, for the report.
pub fn skew_fraction() -> f64 {
    f64::from(SKEW_LIMIT) / 1024.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_parses_and_validates() {
        for n in [1, 2, 4, 7, 16, 64] {
            for shape in Shape::ALL {
                let bytes = dispatch_module(n, shape).unwrap();
                wasmparser::Validator::new().validate_all(&bytes).unwrap();
            }
        }
    }

    /// The jump floor is the hand-written `br_table` module with every arm
    /// calling `$h0`: the same table, the same handlers and drivers, and
    /// the baseline's call in every arm.
    #[test]
    fn jump_floor_is_the_table_with_one_handler() {
        for n in [1, 4, 7, 64] {
            let bytes = jump_floor_module(n).unwrap();
            wasmparser::Validator::new().validate_all(&bytes).unwrap();
            let floor = jump_floor_wat(n);
            let table = dispatch_wat(n, Shape::BrTable);
            let base = baseline_wat(n);
            let dispatch_of =
                |t: &str| t.split("  (func $dispatch").nth(1).unwrap().split("  (func").next().unwrap().to_string();
            let calls: Vec<&str> = floor.lines().filter(|l| l.trim_start().starts_with("call $h")).collect();
            // n arms in the dispatch, none in the drivers; each calls $h0.
            assert_eq!(calls.len(), n as usize, "n = {n}");
            assert!(calls.iter().all(|l| l.trim() == "call $h0"), "n = {n}");
            // Replacing every arm's callee gives back the hand-written table.
            let mut k = 0;
            let renumbered: String = dispatch_of(&floor)
                .lines()
                .map(|l| {
                    if l.trim() == "call $h0" {
                        k += 1;
                        format!("    call $h{}\n", k - 1)
                    } else {
                        format!("{l}\n")
                    }
                })
                .collect();
            assert_eq!(renumbered, dispatch_of(&table), "n = {n}");
            // Everything but `$dispatch` (and the comment) is the baseline's.
            let outside = |t: &str| {
                let (before, rest) = t.split_once("  (func $dispatch").unwrap();
                let after = rest.split_once("  (func (export").unwrap().1;
                (before.lines().skip(1).collect::<Vec<_>>().join("\n"), after.to_string())
            };
            assert_eq!(outside(&floor), outside(&base), "n = {n}");
            assert_ne!(dispatch_of(&floor), dispatch_of(&base));
        }
        assert!(jump_floor_module(0).is_err());
        assert!(jump_floor_module(MAX_HANDLERS + 1).is_err());
    }

    #[test]
    fn strided_modules_parse_and_validate() {
        for (n, stride) in [(1, 5), (3, 2), (7, 3), (24, 32), (64, 32)] {
            let layout = Layout::new(n, stride).unwrap();
            for shape in Shape::ALL {
                let bytes = strided_module(layout, shape).unwrap();
                wasmparser::Validator::new().validate_all(&bytes).unwrap();
            }
            // The hand-written table has one entry per value of the span.
            let text = strided_wat(layout, Shape::BrTable);
            let line = text.lines().find(|l| l.trim_start().starts_with("br_table")).unwrap();
            assert_eq!(line.split_whitespace().count(), 1 + layout.span() as usize + 1, "{line}");
            assert!(text.contains("run_span") && !text.contains("run_skewed"));
        }
        // Stride 1 is the dense layout (the dense modules have the skewed
        // driver instead of the span one).
        let dense = dispatch_wat(7, Shape::ElseIf);
        let strided = strided_wat(Layout::new(7, 1).unwrap(), Shape::ElseIf);
        let dispatch_of = |t: &str| t.split("  (func (export").next().unwrap().to_string();
        assert_eq!(dispatch_of(&dense), dispatch_of(&strided));
    }

    #[test]
    fn layouts_are_checked() {
        assert!(Layout::new(0, 1).is_err());
        assert!(Layout::new(MAX_HANDLERS + 1, 1).is_err());
        assert!(Layout::new(4, 0).is_err());
        assert!(Layout::new(2, MAX_SPAN).is_err());
        assert!(Layout::new(2, MAX_SPAN - 1).is_ok());
        assert!(strided_module(Layout { n: 4, stride: 0 }, Shape::SeqIf).is_err());
        let l = Layout::new(64, 32).unwrap();
        assert_eq!((l.span(), l.code(63)), (2017, 2016));
        assert!((l.density() - 64.0 / 2017.0).abs() < 1e-12);
        assert_eq!(Layout::dense(24).density(), 1.0);
    }

    /// The model of a strided layout: codes over the cases hit a case
    /// every time, codes over the span hit one in `stride` (about), and
    /// the dense layout's span draw is its uniform draw.
    #[test]
    fn strided_model() {
        let (n, stride) = (16u32, 4u32);
        let layout = Layout::new(n, stride).unwrap();
        let span = layout.span();
        let mut s = 11u64;
        let (mut hits, mut seen) = (0u32, std::collections::BTreeSet::new());
        for _ in 0..100_000 {
            s = s.wrapping_mul(LCG_MUL).wrapping_add(LCG_ADD);
            let r = (s >> 32) as u32;
            let e = ((r & 0xffff) * span) >> 16;
            assert!(e < span);
            seen.insert(e);
            hits += u32::from(e.is_multiple_of(stride));
        }
        assert_eq!(seen.len() as u32, span, "every value of the span is drawn");
        // n of span values are cases: 16 / 61 = 26 %.
        assert!((24_000..28_500).contains(&hits), "span hits {hits}");
        for dist in Dist::EVERY {
            assert_eq!(
                model_checksum(Layout::dense(9), dist, 2000, 5),
                model_checksum(Layout::new(9, 1).unwrap(), dist, 2000, 5)
            );
        }
        let d = Layout::dense(16);
        assert_eq!(model_checksum(d, Dist::Span, 3000, 2), model_checksum(d, Dist::Uniform, 3000, 2));
        // Strided codes change the handlers' arguments, so the checksum;
        // the span draw differs from the case draw once the layout is sparse.
        assert_ne!(model_checksum(layout, Dist::Uniform, 3000, 2), model_checksum(d, Dist::Uniform, 3000, 2));
        assert_ne!(model_checksum(layout, Dist::Span, 3000, 2), model_checksum(layout, Dist::Uniform, 3000, 2));
        // Zero iterations: only the reset state.
        assert_eq!(model_checksum(layout, Dist::Span, 0, 2), 0);
    }

    #[test]
    fn out_of_range_handler_counts_are_errors() {
        assert!(dispatch_module(0, Shape::SeqIf).is_err());
        assert!(dispatch_module(MAX_HANDLERS + 1, Shape::BrIf).is_err());
        assert!(baseline_module(0).is_err());
        assert!(baseline_module(MAX_HANDLERS + 1).is_err());
    }

    /// Every handler runs the same instructions with different constants,
    /// none of which folds; the baseline differs from the dispatch modules
    /// only in `$dispatch`.
    #[test]
    fn handlers_do_the_same_work_with_distinct_constants() {
        let text = dispatch_wat(64, Shape::SeqIf);
        let bodies: Vec<&str> = text.split("  (func $h").skip(1).map(|b| b.split("  (func").next().unwrap()).collect();
        assert_eq!(bodies.len(), 64);
        let ops = |b: &str| -> Vec<String> {
            b.lines().skip(1).map(|l| l.split_whitespace().next().unwrap_or("").to_string()).collect()
        };
        for b in &bodies {
            assert_eq!(ops(b), ops(bodies[0]));
            assert_eq!(b.matches("i32.mul").count(), ROUNDS as usize);
        }
        // The mixing code (up to the store to $acc) differs in every pair.
        let distinct: std::collections::BTreeSet<&str> =
            bodies.iter().map(|b| b.split("global.set $acc").next().unwrap().split_once('\n').unwrap().1).collect();
        assert_eq!(distinct.len(), 64, "two handlers are identical");
        for k in 0..MAX_HANDLERS {
            assert!((1..=31).contains(&rotate(k)));
            assert!(multiplier(k) > 1 && !multiplier(k).is_power_of_two() && multiplier(k) % 2 == 1);
            for r in 0..ROUNDS {
                assert_ne!(addend(k, r), 0);
            }
        }
        assert!(
            (0..MAX_HANDLERS).map(multiplier).collect::<std::collections::BTreeSet<_>>().len() == MAX_HANDLERS as usize
        );
        let base = baseline_wat(16);
        let disp = dispatch_wat(16, Shape::BrTable);
        let before =
            |t: &str| t.split("  (func $dispatch").next().unwrap().lines().skip(1).collect::<Vec<_>>().join("\n");
        let after = |t: &str| t.split("  (func (export").skip(1).collect::<Vec<_>>().join("");
        assert_eq!(before(&base), before(&disp));
        assert_eq!(after(&base), after(&disp));
        wasmparser::Validator::new().validate_all(&baseline_module(16).unwrap()).unwrap();
    }

    #[test]
    fn model_distributions_have_the_intended_shape() {
        // Count codes through the counters' effect: rerun the generator.
        let n = 16u32;
        let mut s = 7u64;
        let (mut uniform, mut skewed) = (vec![0u32; 16], vec![0u32; 16]);
        for _ in 0..100_000 {
            s = s.wrapping_mul(LCG_MUL).wrapping_add(LCG_ADD);
            let r = (s >> 32) as u32;
            let e = ((r & 0xffff) * n) >> 16;
            uniform[e as usize] += 1;
            skewed[if (r >> 22) < SKEW_LIMIT { 0 } else { e as usize }] += 1;
        }
        for &c in &uniform {
            assert!((5_500..7_000).contains(&c), "uniform bucket {c}");
        }
        assert!((89_500..91_500).contains(&skewed[0]), "skewed code 0: {}", skewed[0]);
        // Different seeds and distributions give different checksums.
        let d16 = Layout::dense(16);
        assert_ne!(model_checksum(d16, Dist::Uniform, 1000, 1), model_checksum(d16, Dist::Uniform, 1000, 2));
        assert_ne!(model_checksum(d16, Dist::Uniform, 1000, 1), model_checksum(d16, Dist::Skewed, 1000, 1));
        assert_ne!(model_checksum(d16, Dist::Uniform, 1000, 1), baseline_checksum(16, Dist::Uniform, 1000, 1));
        // With one handler, the baseline and every dispatch agree.
        assert_eq!(
            model_checksum(Layout::dense(1), Dist::Skewed, 1000, 3),
            baseline_checksum(1, Dist::Skewed, 1000, 3)
        );
    }
}

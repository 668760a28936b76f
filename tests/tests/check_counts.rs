//! Check counting: the static count of a small module's guards is exact,
//! and the instrumented module counts exactly the executions of each
//! guard (`weft_tests::check_counts`).

use wasmtime::Module;
use weft_passes::analysis::guards::PanicShape;
use weft_tests::check_counts::{instrument, read_counters};
use weft_tests::p3host::run_case;
use weft_tests::wasmtime_harness::{Limits, engine};

/// `$get(i)` checks `i <u 4` (a Rust-style bounds panic); `$sum(n)` loops
/// `n` times, trapping unless `i <u 8`, and calls `$get(i & 3)` each time;
/// `$store_then_trap` stores before it traps (no guard: something
/// observable precedes the failure); `$both` has a branch both of whose
/// sides fail (no guard either).
const WAT: &str = r#"(module
  (memory (export "memory") 1)
  (func $_ZN4core9panicking18panic_bounds_check17h0123456789abcdefE (param i32 i32)
    unreachable)
  (func $get (export "get") (param $i i32) (result i32)
    local.get $i
    i32.const 4
    i32.ge_u
    if
      local.get $i
      i32.const 4
      call $_ZN4core9panicking18panic_bounds_check17h0123456789abcdefE
      unreachable
    end
    local.get $i
    i32.const 2
    i32.shl
    i32.load)
  (func $sum (export "sum") (param $n i32) (result i32)
    (local $i i32) (local $acc i32)
    block $done
      loop $next
        local.get $i
        local.get $n
        i32.ge_u
        br_if $done
        local.get $i
        i32.const 8
        i32.ge_u
        if
          unreachable
        end
        local.get $acc
        local.get $i
        i32.const 3
        i32.and
        call $get
        i32.add
        local.set $acc
        local.get $i
        i32.const 1
        i32.add
        local.set $i
        br $next
      end
    end
    local.get $acc)
  (func $store_then_trap (export "store_then_trap") (param $x i32)
    local.get $x
    if
      i32.const 0
      local.get $x
      i32.store
      unreachable
    end)
  (func $both (export "both") (param $x i32)
    local.get $x
    if
      unreachable
    end
    unreachable))"#;

/// The `-O2` pipeline without `inline`.
fn no_inline_o2() -> Vec<String> {
    weft_passes::pipelines::pipeline_names(weft::OptLevel::O2)
        .iter()
        .filter(|&&p| p != "inline")
        .map(|p| p.to_string())
        .collect()
}

#[test]
fn static_counts_are_exact() {
    let counts = weft::count_checks(WAT.as_bytes()).expect("counts");
    assert_eq!(counts.traps, 1, "the loop's check in $sum");
    assert_eq!(counts.panic(PanicShape::BoundsCheck), 1, "$get's check");
    assert_eq!(counts.total(), 2, "no other guard: {counts:?}");
    assert_eq!(counts.bounds_call_sites(), 1);
    // -O2 keeps both guards: nothing proves them redundant. `inline`
    // copies the panic stub (a lone `unreachable`) into `$get`, whose
    // guard then traps itself: two traps, no panic call left.
    let (out, _) = weft::optimize(WAT.as_bytes(), &weft::Config::default()).expect("optimizes");
    let after = weft::count_checks(&out).expect("counts");
    assert_eq!(after.traps, 2, "{after:?}");
    assert_eq!(after.total(), 2, "{after:?}");
    assert_eq!(after.bounds_call_sites(), 0, "{after:?}");
    // Without inlining, the guards are exactly as before.
    let config = weft::Config { passes: Some(no_inline_o2()), ..weft::Config::default() };
    let (out, _) = weft::optimize(WAT.as_bytes(), &config).expect("optimizes");
    assert_eq!(weft::count_checks(&out).expect("counts"), counts);
}

#[test]
fn dynamic_counts_are_exact() {
    let bytes = wat::parse_str(WAT).expect("parses");
    let instrumented = instrument(&bytes).expect("instruments");
    assert_eq!(instrumented.guards, weft::count_checks(&bytes).expect("counts"), "every guard is instrumented");
    let engine = engine(Limits::Fuel).expect("engine");
    let module = Module::new(&engine, &instrumented.wasm).expect("compiles");
    for n in [0u32, 1, 5, 8] {
        let outcome = run_case(&engine, &module, "sum", &[n], Some(1_000_000)).expect("runs");
        assert!(outcome.result.is_ok(), "sum({n}): {:?}", outcome.result);
        let counts = read_counters(&outcome.counters);
        // The loop's check runs once per iteration, and so does $get's.
        assert_eq!(counts.traps, u64::from(n), "sum({n})");
        assert_eq!(counts.panic(PanicShape::BoundsCheck), u64::from(n), "sum({n})");
        assert_eq!(counts.total(), 2 * u64::from(n), "sum({n}): {counts:?}");
    }
    // A failing check is counted before it fails.
    let outcome = run_case(&engine, &module, "sum", &[9], Some(1_000_000)).expect("runs");
    assert!(outcome.result.is_err(), "sum(9) traps at i = 8");
    assert_eq!(read_counters(&outcome.counters).traps, 9);
    let outcome = run_case(&engine, &module, "get", &[7], Some(1_000_000)).expect("runs");
    assert!(outcome.result.is_err(), "get(7) panics");
    assert_eq!(read_counters(&outcome.counters).panic(PanicShape::BoundsCheck), 1);
    // Not guards, never counted.
    let outcome = run_case(&engine, &module, "store_then_trap", &[1], Some(1_000_000)).expect("runs");
    assert!(outcome.result.is_err());
    assert_eq!(read_counters(&outcome.counters).total(), 0);
}

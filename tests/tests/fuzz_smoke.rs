//! Smoke tests for the fuzz targets: [`roundtrip`] and [`optimize_o2`] on a
//! few hundred deterministic pseudo-random inputs each, [`optimize_os`]
//! (`-Os`, no cargo-fuzz target of its own) on the same inputs, and
//! [`pass_tv`] (every pass under the refinement checker, the slowest body)
//! on a few dozen, and [`vector_loops`] (generated loops of the shape
//! `loop-vectorize` takes) on a few hundred. Every failing seed
//! is reported, with the panic message, so it can be replayed.

use std::time::Instant;

use weft_tests::fuzzing::{optimize_o2, optimize_os, pass_tv, roundtrip, vector_loop_is_vectorized, vector_loops};
use weft_tests::wasmtime_harness::{panic_message, run_on_big_stack};

/// Inputs tried by default; `WEFT_FUZZ_SEEDS=N` tries N seeds from
/// `WEFT_FUZZ_FIRST` (default 0): a longer local run, or the replay of one
/// failing seed (`WEFT_FUZZ_FIRST=29 WEFT_FUZZ_SEEDS=1`).
const DEFAULT_SEEDS: u64 = 300;

fn env_u64(name: &str) -> Option<u64> {
    std::env::var(name).ok().and_then(|s| s.parse().ok())
}

/// Inputs [`pass_tv`] tries by default (a Z3 check per change makes an
/// input cost about as much as a hundred of the others).
const DEFAULT_TV_SEEDS: u64 = 24;

/// The share of inputs (percent) that must become checkable modules. For
/// [`pass_tv`] a module must also define a function: about half of the
/// modules `wasm-smith` builds from these inputs define none (14 of seeds
/// 0..24 do).
const MIN_CHECKED_PERCENT: u64 = 50;
const MIN_TV_CHECKED_PERCENT: u64 = 25;

fn seeds(default: u64) -> std::ops::Range<u64> {
    let first = env_u64("WEFT_FUZZ_FIRST").unwrap_or(0);
    first..first.saturating_add(env_u64("WEFT_FUZZ_SEEDS").unwrap_or(default))
}

/// The input for `seed`: 2–4 KiB from a xorshift64 generator.
fn input(seed: u64) -> Vec<u8> {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let len = 2048 + (next() % 2049) as usize;
    (0..len).map(|_| (next() >> 24) as u8).collect()
}

/// Runs `target` on every seed's input; panics listing the failing seeds.
fn smoke(name: &'static str, target: fn(&[u8]) -> bool, default_seeds: u64, min_checked_percent: u64) {
    let seeds = seeds(default_seeds);
    let range = seeds.clone();
    let failures = run_on_big_stack(move || {
        let start = Instant::now();
        let mut failures = Vec::new();
        let mut checked = 0;
        for seed in range.clone() {
            let data = input(seed);
            match std::panic::catch_unwind(|| target(&data)) {
                Ok(true) => checked += 1,
                Ok(false) => {}
                Err(payload) => failures.push(format!("seed {seed}: {}", panic_message(payload.as_ref()))),
            }
        }
        let n = range.end - range.start;
        eprintln!("fuzz_smoke {name}: {n} inputs (seeds {range:?}), {checked} checked, in {:.1?}", start.elapsed());
        assert!(
            checked * 100 >= n * min_checked_percent,
            "{name}: only {checked} of {n} inputs became checkable modules (at least {min_checked_percent}% expected)"
        );
        failures
    });
    assert!(
        failures.is_empty(),
        "{name}: {} inputs of seeds {seeds:?} failed:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}

#[test]
fn roundtrip_fuzz_smoke() {
    smoke("roundtrip", roundtrip, DEFAULT_SEEDS, MIN_CHECKED_PERCENT);
}

#[test]
fn optimize_o2_fuzz_smoke() {
    smoke("optimize -O2", optimize_o2, DEFAULT_SEEDS, MIN_CHECKED_PERCENT);
}

#[test]
fn optimize_os_fuzz_smoke() {
    smoke("optimize -Os", optimize_os, DEFAULT_SEEDS, MIN_CHECKED_PERCENT);
}

#[test]
fn pass_tv_fuzz_smoke() {
    smoke("pass-tv", pass_tv, DEFAULT_TV_SEEDS, MIN_TV_CHECKED_PERCENT);
}

#[test]
fn vector_loops_fuzz_smoke() {
    smoke("vector loops", vector_loops, DEFAULT_SEEDS, 100);
}

/// Most generated loops are vectorized (the others are declined for a
/// reason: an f32 reduction, a trip count of 0 or 1, ...).
#[test]
fn most_generated_loops_are_vectorized() {
    let vectorized = (0..100).filter(|&seed| vector_loop_is_vectorized(&input(seed))).count();
    assert!(vectorized >= 40, "only {vectorized} of 100 generated loops are vectorized");
}

#[test]
fn inputs_are_deterministic_and_distinct() {
    assert_eq!(input(3), input(3));
    assert_ne!(input(3), input(4));
    assert!((2048..=4096).contains(&input(5).len()));
}

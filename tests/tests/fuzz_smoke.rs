//! Smoke test for the round-trip fuzz target: [`roundtrip`] on a few hundred
//! deterministic pseudo-random inputs. Every failing seed is reported, with
//! the panic message, so it can be replayed.

use std::time::Instant;

use weft_tests::fuzzing::roundtrip;
use weft_tests::wasmtime_harness::{panic_message, run_on_big_stack};

/// Inputs tried.
const SEEDS: u64 = 300;

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

#[test]
fn roundtrip_fuzz_smoke() {
    let failures = run_on_big_stack(|| {
        let start = Instant::now();
        let mut failures = Vec::new();
        let mut checked = 0;
        for seed in 0..SEEDS {
            let data = input(seed);
            match std::panic::catch_unwind(|| roundtrip(&data)) {
                Ok(true) => checked += 1,
                Ok(false) => {}
                Err(payload) => failures.push(format!("seed {seed}: {}", panic_message(payload.as_ref()))),
            }
        }
        eprintln!("fuzz_smoke: {SEEDS} inputs, {checked} checked, in {:.1?}", start.elapsed());
        assert!(checked >= SEEDS / 2, "only {checked} of {SEEDS} inputs became checkable modules");
        failures
    });
    assert!(failures.is_empty(), "{} of {SEEDS} inputs failed:\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn inputs_are_deterministic_and_distinct() {
    assert_eq!(input(3), input(3));
    assert_ne!(input(3), input(4));
    assert!((2048..=4096).contains(&input(5).len()));
}

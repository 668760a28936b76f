//! cargo-fuzz target: weft's wasm round trip on `wasm-smith` modules,
//! checked by differential execution (see `weft_tests::fuzzing`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    weft_tests::fuzzing::roundtrip(data);
});

//! cargo-fuzz target: weft's whole `-O2` pipeline on `wasm-smith` modules,
//! checked by differential execution (see `weft_tests::fuzzing`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    weft_tests::fuzzing::optimize_o2(data);
});

//! cargo-fuzz target: every registered pass and every pipeline over the
//! functions of a `wasm-smith` module, each change checked by the Z3
//! refinement checker (see `weft_tests::fuzzing::pass_tv`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    weft_tests::fuzzing::pass_tv(data);
});

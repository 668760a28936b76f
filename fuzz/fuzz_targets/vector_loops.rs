//! cargo-fuzz target: generated loops of the shape `loop-vectorize` takes,
//! through `-O2`, checked by differential execution (see
//! `weft_tests::fuzzing::vector_loops`).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    weft_tests::fuzzing::vector_loops(data);
});

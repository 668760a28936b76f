//! Malformed and invalid input: always an `Err` with a byte offset, never a
//! panic.

use weft_frontend::{FrontendError, core_module_ranges, parse_wat_or_wasm, translate_module};

fn sample_module() -> Vec<u8> {
    parse_wat_or_wasm(
        br#"(module
          (import "env" "f" (func $f (param i32) (result i32)))
          (memory 1)
          (global $g (mut i32) (i32.const 0))
          (table 2 funcref)
          (elem (i32.const 0) func $loop)
          (func $loop (export "loop") (param i32) (result i32) (local i32)
            (block (loop
              (br_if 1 (i32.eqz (local.get 0)))
              (local.set 1 (i32.add (local.get 1) (call $f (local.get 0))))
              (local.set 0 (i32.sub (local.get 0) (i32.const 1)))
              (br 0)))
            (i32.store (i32.const 0) (local.get 1))
            (global.set $g (local.get 1))
            (local.get 1))
          (data (i32.const 8) "hi"))"#,
    )
    .expect("valid WAT")
}

fn expect_err(bytes: &[u8]) -> FrontendError {
    match translate_module(bytes) {
        Ok(_) => panic!("expected an error"),
        Err(e) => e,
    }
}

#[test]
fn bad_magic() {
    let e = expect_err(b"\0asx\x01\0\0\0");
    assert_eq!(e.offset, 0);
    assert_eq!(e.func, None);
    assert!(e.to_string().starts_with("error at offset 0x0: "), "{e}");
}

#[test]
fn empty_and_header_only() {
    expect_err(b"");
    let (module, diags) = translate_module(b"\0asm\x01\0\0\0").expect("the empty module is valid");
    assert!(module.funcs.is_empty() && diags.is_empty());
}

#[test]
fn every_truncation_is_an_error_or_a_valid_prefix() {
    let wasm = sample_module();
    let mut errors = 0;
    for len in 0..wasm.len() {
        let prefix = &wasm[..len];
        let valid =
            wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all()).validate_all(prefix).is_ok();
        match translate_module(prefix) {
            Ok(_) => assert!(valid, "prefix of {len} bytes accepted but invalid"),
            Err(e) => {
                assert!(!valid, "prefix of {len} bytes is valid but rejected: {e}");
                assert!(e.offset <= len, "offset {} beyond the input ({len} bytes)", e.offset);
                errors += 1;
            }
        }
    }
    assert!(errors > wasm.len() / 2, "most truncations must fail ({errors} of {})", wasm.len());
}

#[test]
fn every_single_byte_corruption_is_handled() {
    let wasm = sample_module();
    let mut rejected = 0;
    for i in 0..wasm.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut bytes = wasm.clone();
            bytes[i] ^= flip;
            let valid =
                wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all()).validate_all(&bytes).is_ok();
            match translate_module(&bytes) {
                Ok(_) => assert!(valid, "byte {i} ^ {flip:#x}: accepted but invalid"),
                Err(e) => {
                    assert!(!valid, "byte {i} ^ {flip:#x}: valid but rejected: {e}");
                    rejected += 1;
                }
            }
        }
    }
    assert!(rejected > 0);
}

#[test]
fn bad_section_id() {
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    bytes.extend_from_slice(&[0x20, 0x00]);
    let e = expect_err(&bytes);
    assert!(e.message.contains("section id"), "{e}");
    assert!((8..=bytes.len()).contains(&e.offset), "{e}");
}

#[test]
fn huge_declared_section_size() {
    let mut bytes = b"\0asm\x01\0\0\0".to_vec();
    // A type section claiming 0x3fff_ffff bytes (~1 GiB) with 3 present.
    bytes.extend_from_slice(&[0x01, 0xff, 0xff, 0xff, 0xff, 0x03, 0x01, 0x60, 0x00]);
    let e = expect_err(&bytes);
    assert!(e.offset >= 8 && e.offset <= bytes.len(), "{e}");
}

#[test]
fn invalid_function_body_names_the_function() {
    let wasm = parse_wat_or_wasm(
        br#"(module
          (func (result i32) (i32.const 1))
          (func (result i32) (i32.add (i32.const 1) (f32.const 2))))"#,
    );
    // The text parser does not type-check, so this reaches the validator.
    let wasm = wasm.expect("syntactically valid WAT");
    let e = expect_err(&wasm);
    assert_eq!(e.func, Some(1), "{e}");
    let text = e.to_string();
    assert!(text.starts_with(&format!("error at offset {:#x} in function 1: type mismatch", e.offset)), "{text}");
    assert!(e.offset < wasm.len());
}

#[test]
fn components_are_not_core_modules() {
    let component = parse_wat_or_wasm(
        br#"(component
          (core module $m (func (export "f") (result i32) (i32.const 1)))
          (core module $n))"#,
    )
    .expect("valid component");
    let e = expect_err(&component);
    assert!(e.message.contains("component"), "{e}");
    let ranges = core_module_ranges(&component).expect("valid component");
    assert_eq!(ranges.len(), 2);
    let (module, _) = translate_module(&component[ranges[0].clone()]).expect("core module");
    assert_eq!(module.funcs.len(), 1);
    let plain = sample_module();
    assert_eq!(core_module_ranges(&plain).expect("valid"), core::iter::once(0..plain.len()).collect::<Vec<_>>());
    assert!(core_module_ranges(&component[..component.len() - 3]).is_err());
}

#[test]
fn bad_text_reports_line_and_column() {
    let e = parse_wat_or_wasm(b"(module\n  (func (i32.bogus)))").expect_err("bad text");
    assert!(e.message.contains(":2:"), "{}", e.message);
}

//! Facts read from a core module: its code section size, the branches its
//! function bodies contain, and whether it validates.

use wasmparser::{Operator, Parser, Payload, Validator, WasmFeatures};

use crate::Error;

/// Branch instructions in every function body of a module.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq)]
pub struct OpCounts {
    /// `br_table`s.
    pub br_table: usize,
    /// `br_if`s and `if`s (conditional branches).
    pub cond_branches: usize,
}

/// The size in bytes of the code section's contents (0 when it has none).
pub fn code_section_size(bytes: &[u8]) -> Result<usize, Error> {
    for payload in Parser::new(0).parse_all(bytes) {
        match payload.map_err(|e| Error::new(format!("at offset {:#x}: {}", e.offset(), e.message())))? {
            Payload::CodeSectionStart { unchecked_range: r, .. } => return Ok((r.end - r.start) as usize),
            Payload::End(_) => break,
            _ => {}
        }
    }
    Ok(0)
}

/// Counts the branches of every function body.
pub fn op_counts(bytes: &[u8]) -> Result<OpCounts, Error> {
    let mut counts = OpCounts::default();
    let err = |e: wasmparser::BinaryReaderError| Error::new(format!("at offset {:#x}: {}", e.offset(), e.message()));
    for payload in Parser::new(0).parse_all(bytes) {
        if let Payload::CodeSectionEntry(body) = payload.map_err(err)? {
            let mut reader = body.get_operators_reader().map_err(err)?;
            while !reader.eof() {
                match reader.read().map_err(err)? {
                    Operator::BrTable { .. } => counts.br_table += 1,
                    Operator::BrIf { .. } | Operator::If { .. } => counts.cond_branches += 1,
                    _ => {}
                }
            }
        }
    }
    Ok(counts)
}

/// Validates a module or component with every feature enabled.
pub fn validate(bytes: &[u8]) -> Result<(), Error> {
    Validator::new_with_features(WasmFeatures::all())
        .validate_all(bytes)
        .map(|_| ())
        .map_err(|e| Error::new(format!("invalid output at offset {:#x}: {}", e.offset(), e.message())))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_sizes_of_a_small_module() {
        let bytes = wat::parse_str(
            "(module (func (param i32) block block local.get 0 br_table 0 1 end local.get 0 br_if 0 end))",
        )
        .unwrap();
        validate(&bytes).unwrap();
        assert_eq!(op_counts(&bytes).unwrap(), OpCounts { br_table: 1, cond_branches: 1 });
        let code = code_section_size(&bytes).unwrap();
        assert!(code > 10 && code < bytes.len(), "{code}");
        assert!(validate(b"\0asm\x01\0\0\0\x0a").is_err());
    }
}

//! Components: find the nested core modules and rewrite them in place.
//!
//! A component is a sequence of sections (id byte, LEB128 size, payload).
//! Core module sections (id 1) hold a whole core module; component sections
//! (id 4) hold a nested component. Rewriting replaces each core module's
//! bytes and re-encodes the enclosing section sizes; every other byte is
//! kept as it was. The result is validated.

use crate::Error;

/// A rewriter of one core module's bytes.
pub type ModuleRewriter<'a> = dyn FnMut(&[u8]) -> Result<Vec<u8>, Error> + 'a;

const CORE_MODULE_SECTION: u8 = 1;
const COMPONENT_SECTION: u8 = 4;

/// Is `bytes` a component (rather than a core module)?
pub fn is_component(bytes: &[u8]) -> bool {
    bytes.len() >= 8 && bytes.starts_with(b"\0asm") && bytes[6..8] == [1, 0]
}

fn read_u32_leb(bytes: &[u8], pos: &mut usize) -> Result<u32, Error> {
    let mut result: u64 = 0;
    let mut shift = 0;
    loop {
        let b = *bytes
            .get(*pos)
            .ok_or_else(|| Error::Input(format!("error at offset {:#x}: unexpected end of component", *pos)))?;
        *pos += 1;
        result |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            break;
        }
        shift += 7;
        if shift > 28 {
            return Err(Error::Input(format!("error at offset {:#x}: section size LEB128 too long", *pos)));
        }
    }
    u32::try_from(result).map_err(|_| Error::Input(format!("error at offset {:#x}: section size too large", *pos)))
}

fn write_u32_leb(out: &mut Vec<u8>, v: u32) {
    weft_ir::encode::write_u32_leb(out, v);
}

/// Validates `bytes` (a component), then rewrites every nested core module
/// through `f`, at any depth, in order of appearance, and validates the
/// result.
pub fn rewrite_core_modules(bytes: &[u8], f: &mut ModuleRewriter<'_>) -> Result<Vec<u8>, Error> {
    weft_frontend::core_module_ranges(bytes)?; // validates the whole component
    let out = rewrite(bytes, 0, f)?;
    let mut validator = wasmparser::Validator::new_with_features(wasmparser::WasmFeatures::all());
    validator
        .validate_all(&out)
        .map_err(|e| Error::Input(format!("internal error: the rewritten component does not validate: {e}")))?;
    Ok(out)
}

fn rewrite(bytes: &[u8], base: usize, f: &mut ModuleRewriter<'_>) -> Result<Vec<u8>, Error> {
    if !is_component(bytes) {
        return Err(Error::Input(format!("error at offset {base:#x}: not a component")));
    }
    let mut out = bytes[..8].to_vec();
    let mut pos = 8;
    while pos < bytes.len() {
        let id = bytes[pos];
        pos += 1;
        let size = read_u32_leb(bytes, &mut pos)? as usize;
        let end = pos
            .checked_add(size)
            .filter(|&e| e <= bytes.len())
            .ok_or_else(|| Error::Input(format!("error at offset {:#x}: section extends past the end", base + pos)))?;
        let payload = &bytes[pos..end];
        let new = match id {
            CORE_MODULE_SECTION => f(payload)?,
            COMPONENT_SECTION => rewrite(payload, base + pos, f)?,
            _ => payload.to_vec(),
        };
        out.push(id);
        let len = u32::try_from(new.len()).map_err(|_| Error::Input("rewritten section exceeds 4 GiB".into()))?;
        write_u32_leb(&mut out, len);
        out.extend_from_slice(&new);
        pos = end;
    }
    Ok(out)
}

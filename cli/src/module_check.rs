//! The module-level check of module passes' edits: after a module pass
//! removed entities, the module is written twice — as it was before any
//! edit and as edited — and `weft_verify::check_module_edit` establishes,
//! on those bytes and independently of the pass and of the backend's
//! remapping, that every removed entity was unreachable and that every kept
//! one is written exactly as before with its indices renumbered. A failed
//! check undoes the pass's edits.

use weft_backend::EmitOptions;
use weft_ir::{EntityKind, ModuleEdits};
use weft_passes::PassEvent;
use weft_verify::module_check::{IndexCertificate, ModuleCheckReport, Space};

/// The certificate of `module`'s edits: its index maps, every input index
/// listed.
pub fn certificate(module: &weft_ir::Module) -> Result<IndexCertificate, String> {
    let maps = module.index_maps().map_err(|e| e.to_string())?;
    let mut cert = IndexCertificate::default();
    for kind in EntityKind::ALL {
        let space = match kind {
            EntityKind::Func => Space::Func,
            EntityKind::Global => Space::Global,
            EntityKind::Table => Space::Table,
            EntityKind::Memory => Space::Memory,
            EntityKind::Type => Space::Type,
            EntityKind::Elem => Space::Elem,
            EntityKind::Data => Space::Data,
        };
        let len = module.index_space_len(kind) as u32;
        cert.maps.insert(space, (0..len).map(|i| maps.map_index(kind, i)).collect());
    }
    Ok(cert)
}

/// Checks every edit of `module` (see the module docs).
pub fn check_edits(module: &weft_ir::Module, options: &EmitOptions) -> Result<ModuleCheckReport, String> {
    let cert = certificate(module)?;
    let before = weft_backend::emit_module_unedited(module, options).map_err(|e| e.to_string())?;
    let after = weft_backend::emit_module_with(module, options).map_err(|e| e.to_string())?;
    weft_verify::check_module_edit(&before, &after, &cert).map_err(|e| e.to_string())
}

/// Checks the edits `pass` made (the module's edits were `before` when it
/// started); on failure restores `before`. The event says what the check
/// established or why the edits were undone.
pub fn check_pass_edits(
    module: &mut weft_ir::Module,
    before: ModuleEdits,
    pass: &'static str,
    options: &EmitOptions,
) -> PassEvent {
    let (message, reverted) = match check_edits(module, options) {
        Ok(report) => (format!("module check: {report}"), false),
        Err(e) => {
            module.edits = before;
            (format!("module check failed, edits undone: {e}"), true)
        }
    };
    PassEvent { pass, function: "module".into(), message, reverted }
}

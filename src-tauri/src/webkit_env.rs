//! WebKitGTK settings chosen before the first window, from what the machine has.
//!
//! Without a GPU (no DRM render node: virtual machines, remote desktops, Xvfb), WebKitGTK's
//! DMABuf renderer falls back to window buffers in the web process's memory: about 80 MB
//! more private memory at idle than its older renderer, which draws the same pixels (see
//! DESIGN.md, "Idle memory"). With a GPU the DMABuf renderer is the fast path and stays.
//! A user's own `WEBKIT_DISABLE_DMABUF_RENDERER` always wins.

use std::path::Path;

const DMABUF_VAR: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";

/// The variable to set, if any: only when there is no render node and the user did not
/// choose.
pub fn choose(has_render_node: bool, user_chose: bool) -> Option<(&'static str, &'static str)> {
    (!has_render_node && !user_chose).then_some((DMABUF_VAR, "1"))
}

/// Whether `dir` (normally `/dev/dri`) holds a render node (`renderD128`, ...).
pub fn has_render_node(dir: &Path) -> bool {
    std::fs::read_dir(dir)
        .map(|entries| entries.take(64).flatten().any(|e| e.file_name().to_string_lossy().starts_with("renderD")))
        .unwrap_or(false)
}

/// Sets what [`choose`] picks for this machine; answers it for the log. Call first in
/// `run`, before any thread exists (the environment is process-wide).
pub fn apply() -> Option<&'static str> {
    let (name, value) = choose(has_render_node(Path::new("/dev/dri")), std::env::var_os(DMABUF_VAR).is_some())?;
    std::env::set_var(name, value);
    Some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_machine_without_a_render_node_changes_renderer() {
        assert_eq!(choose(false, false), Some((DMABUF_VAR, "1")));
        assert_eq!(choose(true, false), None, "a GPU keeps the DMABuf renderer");
        assert_eq!(choose(false, true), None, "the user's own setting wins");
    }

    #[test]
    fn a_render_node_is_found_by_its_name() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!has_render_node(dir.path()));
        std::fs::write(dir.path().join("card0"), b"").unwrap();
        assert!(!has_render_node(dir.path()), "a card node alone is not a render node");
        std::fs::write(dir.path().join("renderD128"), b"").unwrap();
        assert!(has_render_node(dir.path()));
        assert!(!has_render_node(&dir.path().join("missing")));
    }
}

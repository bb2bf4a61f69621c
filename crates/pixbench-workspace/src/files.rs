//! Reading a workspace's own files.

use std::path::Path;

use crate::error::FileError;

/// A workspace's files are read where they are: a link (out of the workspace, or a loop)
/// is refused, as the tree never lists one.
pub fn refuse_link(path: &Path) -> Result<(), FileError> {
    match std::fs::symlink_metadata(path) {
        Ok(m) if m.file_type().is_symlink() => Err(FileError::new(
            path,
            0,
            "",
            "it is a link: a workspace's files are read only where they are, never through a link",
        )),
        _ => Ok(()),
    }
}

/// Keeps an image's bytes in `refs/` under `dir` (a request file's folder) and answers the
/// path the file names it by (`refs/NAME`). A file already there with the same bytes is
/// used as it is; one with other bytes, or a link, is never written over (`2-NAME`, ...).
pub fn keep_reference(dir: &Path, name: &str, bytes: &[u8]) -> Result<String, String> {
    let refs = dir.join("refs");
    std::fs::create_dir_all(&refs).map_err(|e| format!("could not create {}: {e}", refs.display()))?;
    let name = safe_file_name(name);
    let mut target = refs.join(&name);
    let mut i = 2;
    while let Ok(meta) = std::fs::symlink_metadata(&target) {
        if meta.is_file() && meta.len() == bytes.len() as u64 && std::fs::read(&target).ok().as_deref() == Some(bytes) {
            return Ok(format!("refs/{}", name_of(&target)));
        }
        target = refs.join(format!("{i}-{name}"));
        i += 1;
    }
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&target)
        .map_err(|e| format!("could not create {}: {e}", target.display()))?;
    std::io::Write::write_all(&mut f, bytes).and_then(|()| f.sync_all()).map_err(|e| {
        let _ = std::fs::remove_file(&target);
        format!("could not write {}: {e}", target.display())
    })?;
    Ok(format!("refs/{}", name_of(&target)))
}

fn name_of(p: &Path) -> String {
    p.file_name().unwrap_or_default().to_string_lossy().into_owned()
}

/// A file name safe on every system: no separators, no characters Windows refuses, not
/// hidden, not empty.
pub fn safe_file_name(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_control() || "/\\:*?\"<>|".contains(c) { '-' } else { c })
        .collect::<String>()
        .trim()
        .trim_start_matches('.')
        .chars()
        .take(120)
        .collect();
    if cleaned.is_empty() {
        "image".into()
    } else {
        cleaned
    }
}

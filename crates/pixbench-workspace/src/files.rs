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

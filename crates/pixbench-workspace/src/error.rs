//! A file that cannot be used: which, where in it, and why.

use std::path::PathBuf;

/// A problem in a workspace's file, named as a person finds it: the file, the line, the key.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct FileError {
    pub path: PathBuf,
    /// 1-based; 0 when the problem is not on one line (the file cannot be read, a key is missing).
    pub line: usize,
    /// The key (`targets[1]`, `fields.quality`, `vars.brand`); empty when none applies.
    pub field: String,
    pub reason: String,
}

impl FileError {
    pub fn new(
        path: impl Into<PathBuf>,
        line: usize,
        field: impl Into<String>,
        reason: impl Into<String>,
    ) -> FileError {
        FileError { path: path.into(), line, field: field.into(), reason: reason.into() }
    }
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.path.display())?;
        if self.line > 0 {
            write!(f, ":{}", self.line)?;
        }
        if !self.field.is_empty() {
            write!(f, ": `{}`", self.field)?;
        }
        write!(f, ": {}", self.reason)
    }
}

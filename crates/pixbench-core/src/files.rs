//! Files the services read and write on the user's behalf: a bounded read of a file the
//! user named, the exports folder, names that never overwrite, atomic writes.

use std::path::{Path, PathBuf};

use crate::api::ErrorKind;
use crate::error::{ui, CoreError, CoreResult};

/// Largest reference file read, in bytes (it is downscaled to the model's limit after).
pub const MAX_REFERENCE_FILE: u64 = 200 * 1024 * 1024;

/// Reads a regular file of at most `limit` bytes. The read itself is bounded (a file that
/// grows after the size check, `/dev/zero` or a FIFO cannot exhaust memory or block), and
/// the reasons do not tell whether some other path exists.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    read_bounded_as(path, limit, "image file")
}

/// [`read_bounded`], saying what the file should have been (`what`: "image file",
/// "prompts file") when it cannot be read.
pub fn read_bounded_as(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let unreadable = || format!("it is not a readable {what}");
    // Opening a FIFO for reading blocks until a writer comes: look before opening.
    let meta = std::fs::metadata(path).map_err(|_| unreadable())?;
    if !meta.is_file() {
        return Err(unreadable());
    }
    if meta.len() > limit {
        return Err(format!("it is {} MB; files over {} MB are refused", meta.len() >> 20, limit >> 20));
    }
    let f = std::fs::File::open(path).map_err(|_| unreadable())?;
    let mut buf = Vec::with_capacity(meta.len() as usize);
    f.take(limit + 1).read_to_end(&mut buf).map_err(|_| unreadable())?;
    if buf.len() as u64 > limit {
        return Err(format!("it grew past {} MB while being read", limit >> 20));
    }
    Ok(buf)
}

/// The exports folder of a data dir, created on first use.
pub fn exports_dir(data_dir: &Path) -> CoreResult<PathBuf> {
    let d = data_dir.join("exports");
    std::fs::create_dir_all(&d)
        .map_err(|e| CoreError::Ui(ui(ErrorKind::Disk, format!("Could not create {}: {e}", d.display()))))?;
    Ok(d)
}

pub fn slug(s: &str, max: usize) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
        if out.len() >= max {
            break;
        }
    }
    out.trim_end_matches('-').to_string()
}

pub fn write_file(path: &Path, bytes: &[u8]) -> CoreResult<()> {
    crate::blobs::write_atomic(path, bytes).map_err(|e| CoreError::Ui(ui(ErrorKind::Disk, e.to_string())))
}

/// `dir/stem.ext`, or `dir/stem-2.ext`, ... when that name is taken: an export never
/// overwrites a file.
pub fn unused_name(dir: &Path, stem: &str, ext: &str) -> PathBuf {
    let first = dir.join(format!("{stem}.{ext}"));
    if !first.exists() {
        return first;
    }
    (2..).map(|i| dir.join(format!("{stem}-{i}.{ext}"))).find(|p| !p.exists()).unwrap_or(first)
}

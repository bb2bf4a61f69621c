//! Which process owns a run in flight. The app and the CLI may open the same data dir at
//! once; on opening, an engine resumes the runs left `queued`/`running`, and must not take
//! over those another live process is still driving (both would poll, and a sync request
//! the other process is waiting on would be marked interrupted under its feet).
//!
//! Each process has one owner id. On opening a data dir it creates
//! `owners/<id>.lock` there and holds an exclusive OS lock on it until the process ends
//! (the handle is kept in a static: a crash or a kill releases it, with no heartbeat and no
//! timing). A run records its owner; another process may take it over only when that
//! owner's lock can be taken, i.e. its process is gone. Engines within one process share
//! the owner id, so they take over each other's runs as before (the in-process crash
//! tests rely on it).

use std::collections::HashMap;
use std::fs::{File, OpenOptions, TryLockError};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

/// This process's owner id.
pub fn this_process() -> &'static str {
    static ID: OnceLock<String> = OnceLock::new();
    ID.get_or_init(|| uuid::Uuid::now_v7().simple().to_string())
}

fn lock_path(data_dir: &Path, owner: &str) -> PathBuf {
    data_dir.join("owners").join(format!("{owner}.lock"))
}

/// An owner id as read back from the database: only what `this_process` makes (so a
/// row cannot point the lock check at another path).
fn is_owner_id(s: &str) -> bool {
    s.len() == 32 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Takes this process's lock in `data_dir` (once per dir; later calls are no-ops).
pub fn claim(data_dir: &Path) -> std::io::Result<()> {
    static HELD: OnceLock<Mutex<HashMap<PathBuf, File>>> = OnceLock::new();
    let held = HELD.get_or_init(Default::default);
    let mut held = held.lock().unwrap_or_else(|p| p.into_inner());
    let path = lock_path(data_dir, this_process());
    if held.contains_key(&path) {
        return Ok(());
    }
    std::fs::create_dir_all(path.parent().expect("owners dir"))?;
    let file = OpenOptions::new().create(true).truncate(false).write(true).open(&path)?;
    file.lock()?;
    held.insert(path, file);
    Ok(())
}

/// Whether a run owned by `owner` may be taken over by this process: it is ours, it has
/// no owner (written before owners were recorded), or its owner's process is gone.
pub fn may_take_over(data_dir: &Path, owner: Option<&str>) -> bool {
    let Some(owner) = owner else { return true };
    if owner == this_process() || !is_owner_id(owner) {
        return true;
    }
    let path = lock_path(data_dir, owner);
    let Ok(file) = OpenOptions::new().write(true).open(&path) else {
        return true; // no lock file: that process never held one here, or it was swept
    };
    match file.try_lock() {
        Ok(()) => {
            // Its process is gone: the file is litter now.
            let _ = std::fs::remove_file(&path);
            true
        }
        Err(TryLockError::WouldBlock) => false,
        // A lock that cannot be checked: leave the run to whoever may hold it.
        Err(TryLockError::Error(e)) => {
            tracing::warn!("could not check the owner lock {}: {e}", path.display());
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_of_this_process_of_nobody_or_of_a_gone_process_may_be_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        claim(dir.path()).unwrap();
        claim(dir.path()).unwrap(); // idempotent
        assert!(may_take_over(dir.path(), None));
        assert!(may_take_over(dir.path(), Some(this_process())));
        // An owner that left a lock file but no longer holds it (its process ended).
        let gone = "0".repeat(32);
        std::fs::write(lock_path(dir.path(), &gone), b"").unwrap();
        assert!(may_take_over(dir.path(), Some(&gone)));
        assert!(!lock_path(dir.path(), &gone).exists(), "the stale lock file is swept");
        // Not an id this code makes: never used as a path.
        assert!(may_take_over(dir.path(), Some("../../etc/passwd")));
    }

    #[test]
    fn a_held_lock_means_a_live_owner() {
        let dir = tempfile::tempdir().unwrap();
        let live = "a".repeat(32);
        std::fs::create_dir_all(dir.path().join("owners")).unwrap();
        // Another open file description holding the lock stands for another process.
        let f = File::create(lock_path(dir.path(), &live)).unwrap();
        f.lock().unwrap();
        assert!(!may_take_over(dir.path(), Some(&live)));
        drop(f);
        assert!(may_take_over(dir.path(), Some(&live)));
    }
}

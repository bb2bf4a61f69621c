//! "Show in folder" for a file the app wrote: the system's file manager opens at it. The
//! webview names the file, and a webview is not trusted to name paths, so only files this
//! run of the app wrote and answered to the UI (an export, a contact sheet, a saved image,
//! a folder of saved images) can be shown; anything else is refused. Nothing is run or
//! opened but the folder view.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;

use pixbench_core::api::UiError;
use pixbench_core::ErrorKind;

/// Files remembered; the oldest go first (a session writes far fewer).
const MAX_WRITTEN: usize = 1024;

#[derive(Default)]
pub struct WrittenFiles(Mutex<(HashSet<PathBuf>, VecDeque<PathBuf>)>);

fn key(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

impl WrittenFiles {
    /// The app wrote this file (or folder) and told the UI its path.
    pub fn wrote(&self, path: &Path) {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        let k = key(path);
        if g.0.insert(k.clone()) {
            g.1.push_back(k);
        }
        while g.1.len() > MAX_WRITTEN {
            if let Some(old) = g.1.pop_front() {
                g.0.remove(&old);
            }
        }
    }

    /// Opens the file manager at `path` if the app wrote it and it is still there.
    pub fn reveal(&self, path: &Path) -> Result<(), UiError> {
        let known = {
            let g = self.0.lock().unwrap_or_else(|p| p.into_inner());
            g.0.contains(&key(path))
        };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if !known {
            return Err(UiError::new(
                ErrorKind::NotGranted,
                format!("Pixbench shows only files it saved itself; “{name}” is not one of them."),
            ));
        }
        let meta = std::fs::metadata(path).map_err(|_| {
            UiError::new(ErrorKind::NotFound, format!("“{name}” is no longer there: it was moved or deleted."))
        })?;
        let folder = if meta.is_dir() { path } else { path.parent().unwrap_or(path) };
        open_folder(folder, path).map_err(|e| {
            UiError::new(
                ErrorKind::Internal,
                format!("Could not open the folder of “{name}”: {e}. It is in {}.", folder.display()),
            )
        })
    }
}

/// The platform's file manager, at the folder (selecting the file where it can). The child
/// is waited for on a thread of its own, so it leaves no zombie.
fn open_folder(folder: &Path, file: &Path) -> std::io::Result<()> {
    let mut cmd = if cfg!(target_os = "macos") {
        let mut c = Command::new("open");
        c.arg("-R").arg(file);
        c
    } else if cfg!(windows) {
        let mut c = Command::new("explorer");
        c.arg(format!("/select,{}", file.display()));
        c
    } else {
        // The freedesktop opener: the user's file manager for a folder.
        let mut c = Command::new("xdg-open");
        c.arg(folder);
        c
    };
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).spawn()?;
    std::thread::spawn(move || {
        let _ = child.wait();
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_a_file_it_did_not_write_without_running_anything() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("secret.txt");
        std::fs::write(&f, "x").unwrap();
        let w = WrittenFiles::default();
        let e = w.reveal(&f).unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotGranted);
        assert!(e.message.contains("secret.txt"), "{}", e.message);
    }

    #[test]
    fn says_when_a_written_file_is_gone() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("sheet.png");
        std::fs::write(&f, "x").unwrap();
        let w = WrittenFiles::default();
        w.wrote(&f);
        std::fs::remove_file(&f).unwrap();
        let e = w.reveal(&f).unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotFound);
    }

    #[test]
    fn forgets_the_oldest_past_its_bound() {
        let dir = tempfile::tempdir().unwrap();
        let w = WrittenFiles::default();
        let first = dir.path().join("0");
        w.wrote(&first);
        for i in 1..=MAX_WRITTEN {
            w.wrote(&dir.path().join(i.to_string()));
        }
        let g = w.0.lock().unwrap();
        assert_eq!(g.0.len(), MAX_WRITTEN);
        assert!(!g.0.contains(&key(&first)));
    }
}

//! The files the webview may name. Paths reach the core from the webview (a dropped
//! image, a benchmark's input images), and a webview is not trusted to name files: a
//! compromised page could otherwise make the core read any path the user can read, or
//! learn whether a file exists. The shell grants exactly the paths the user handed over
//! natively (dropped on the window, or picked in a native dialog), and the commands that
//! take paths refuse any other.

use pixbench_core::ErrorKind;
use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use pixbench_core::api::UiError;

/// Grants kept; the oldest go first (a session drops far fewer files than this).
const MAX_GRANTS: usize = 4096;

#[derive(Default)]
pub struct GrantedPaths(Mutex<Grants>);

#[derive(Default)]
struct Grants {
    set: HashSet<PathBuf>,
    order: VecDeque<PathBuf>,
}

/// The path as granted and as checked: resolved (symlinks, `..`), or as given when it
/// cannot be (it does not exist: then reading it fails anyway).
fn key(p: &Path) -> PathBuf {
    std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf())
}

impl GrantedPaths {
    /// The user handed these over (a drop, a native dialog).
    pub fn grant<P: AsRef<Path>>(&self, paths: impl IntoIterator<Item = P>) {
        let mut g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        for p in paths {
            let k = key(p.as_ref());
            if g.set.insert(k.clone()) {
                g.order.push_back(k);
            }
            while g.order.len() > MAX_GRANTS {
                if let Some(old) = g.order.pop_front() {
                    g.set.remove(&old);
                }
            }
        }
    }

    /// Refuses a path the user did not hand over, without saying whether it exists.
    pub fn check(&self, path: &Path) -> Result<(), UiError> {
        let g = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if g.set.contains(&key(path)) {
            return Ok(());
        }
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        Err(UiError::new(
            ErrorKind::NotGranted,
            format!(
                "Pixbench opens only files you drop on its window or choose in its dialogs; “{name}” was neither. Drop it on the window or choose it again."
            ),
        ))
    }

    pub fn check_all<'a>(&self, paths: impl IntoIterator<Item = &'a Path>) -> Result<(), UiError> {
        paths.into_iter().try_for_each(|p| self.check(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_granted_paths_pass_however_they_are_spelled() {
        let dir = tempfile::tempdir().unwrap();
        let img = dir.path().join("a.png");
        std::fs::write(&img, b"x").unwrap();
        let other = dir.path().join("b.png");
        std::fs::write(&other, b"y").unwrap();
        let g = GrantedPaths::default();
        assert!(g.check(&img).is_err());
        g.grant([&img]);
        assert!(g.check(&img).is_ok());
        // Another spelling of the same file.
        assert!(g.check(&dir.path().join("sub/../a.png")).is_ok() || !dir.path().join("sub").exists());
        assert!(g.check(&dir.path().join(".").join("a.png")).is_ok());
        let e = g.check(&other).unwrap_err();
        assert_eq!(e.kind, ErrorKind::NotGranted);
        // Says nothing about whether a path exists.
        let missing = g.check(Path::new("/no/such/file.png")).unwrap_err();
        assert_eq!(missing.message.replace("file.png", "b.png"), e.message);
        assert!(g.check(Path::new("/etc/passwd")).is_err());
    }

    #[test]
    fn grants_are_bounded() {
        let g = GrantedPaths::default();
        g.grant((0..MAX_GRANTS + 10).map(|i| PathBuf::from(format!("/nonexistent/{i}.png"))));
        assert!(g.check(Path::new("/nonexistent/0.png")).is_err(), "the oldest went");
        assert!(g.check(Path::new(&format!("/nonexistent/{}.png", MAX_GRANTS + 9))).is_ok());
    }
}

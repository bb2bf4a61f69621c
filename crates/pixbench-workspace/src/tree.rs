//! A workspace on disk: its root's `pixbench.toml`, the tree of its request files, and a
//! request read with the defaults of the folders above it.
//!
//! The tree is listed without reading any request (names come from file names): a
//! workspace of thousands of files opens at once, and a malformed file shows its error
//! only where it is opened. Links are not followed, so a link loop or a link out of the
//! workspace is never walked.

use std::path::{Component, Path, PathBuf};

use serde::Deserialize;

use crate::error::FileError;
use crate::files::refuse_link;
use crate::request_file::{self, RequestFile};

/// The most entries (files and folders) a tree lists; past it the listing says it stopped.
pub const MAX_ENTRIES: usize = 50_000;
/// The deepest folder walked.
pub const MAX_DEPTH: usize = 32;

/// A workspace: a folder, its name, and its defaults.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub root: PathBuf,
    pub name: String,
    /// `[defaults]` of `pixbench.toml`: under every folder's own.
    pub defaults: RequestFile,
}

/// One entry of the tree, in display order (a folder before what is in it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Relative to the root, `/` between folders.
    pub path: String,
    pub folder: bool,
    pub depth: usize,
}

/// The tree, and whether it was cut at [`MAX_ENTRIES`].
#[derive(Debug, Clone, Default)]
pub struct Listing {
    pub entries: Vec<Entry>,
    pub truncated: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRoot {
    name: Option<String>,
    defaults: Option<toml::Table>,
}

/// Files of a workspace that are not requests.
fn is_reserved(rel: &str) -> bool {
    rel == "pixbench.toml" || rel == "defaults.toml" || rel.ends_with("/defaults.toml")
}

impl Workspace {
    /// Opens a folder as a workspace (it need not have a `pixbench.toml`).
    pub fn open(root: &Path) -> Result<Workspace, FileError> {
        if !root.is_dir() {
            return Err(FileError::new(root, 0, "", "it is not a folder"));
        }
        let root = std::fs::canonicalize(root).map_err(|e| FileError::new(root, 0, "", e.to_string()))?;
        let file = root.join("pixbench.toml");
        let mut name = root.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "workspace".into());
        let mut defaults = RequestFile::default();
        if file.is_file() {
            refuse_link(&file)?;
            let text = request_file::read_text(&file)?;
            let raw: RawRoot = toml::from_str(&text).map_err(|e| {
                let (line, field, msg) = pixbench_core::toml_place::locate(&text, &e);
                FileError::new(&file, line, field, format!("{msg}. pixbench.toml has `name` and a [defaults] table"))
            })?;
            if let Some(n) = raw.name.filter(|n| !n.trim().is_empty()) {
                name = n.trim().to_string();
            }
            if let Some(d) = raw.defaults {
                // Parsed as a request file of its own, so its lines are right: re-rendered
                // from the table, its errors name the key; the line is the table's.
                let text = toml::to_string(&d).unwrap_or_default();
                defaults = request_file::parse(&text, &file).map_err(|mut e| {
                    e.field = format!("defaults.{}", e.field);
                    e.line = 0;
                    e
                })?;
            }
        }
        Ok(Workspace { root, name, defaults })
    }

    /// The request files and folders, sorted (folders first), without reading any request.
    pub fn list(&self) -> Listing {
        let mut out = Listing::default();
        walk(&self.root, "", 0, &mut out);
        out
    }

    /// The absolute path of a relative one, refused when it leaves the workspace.
    pub fn path_of(&self, rel: &str) -> Result<PathBuf, FileError> {
        let p = Path::new(rel);
        let ok = !rel.is_empty() && p.components().all(|c| matches!(c, Component::Normal(_))) && !rel.contains('\\');
        if !ok {
            return Err(FileError::new(&self.root, 0, "", format!("“{rel}” is not a path inside the workspace")));
        }
        Ok(self.root.join(p))
    }

    /// A request file read with the defaults above it: the nearest folder's `defaults.toml`
    /// first, then its parents', then `pixbench.toml`'s.
    pub fn load(&self, rel: &str) -> Result<RequestFile, FileError> {
        let path = self.path_of(rel)?;
        refuse_link(&path)?;
        let file = request_file::load(&path)?;
        self.over_defaults(file, &path)
    }

    /// The defaults a request file at `rel` takes (the folders' above it, then the root's).
    pub fn defaults_for(&self, rel: &str) -> Result<RequestFile, FileError> {
        let path = self.path_of(rel)?;
        self.over_defaults(RequestFile::default(), &path)
    }

    fn over_defaults(&self, mut file: RequestFile, path: &Path) -> Result<RequestFile, FileError> {
        let mut dir = path.parent();
        while let Some(d) = dir {
            if !d.starts_with(&self.root) {
                break;
            }
            let defaults = d.join("defaults.toml");
            if defaults.is_file() {
                refuse_link(&defaults)?;
                file = file.over(&request_file::load(&defaults)?);
            }
            if d == self.root {
                break;
            }
            dir = d.parent();
        }
        Ok(file.over(&self.defaults))
    }
}

fn walk(dir: &Path, rel: &str, depth: usize, out: &mut Listing) {
    if depth > MAX_DEPTH {
        return;
    }
    let Ok(read) = std::fs::read_dir(dir) else { return };
    let mut folders = Vec::new();
    let mut files = Vec::new();
    for entry in read.flatten() {
        // `file_type` does not follow links: a link is neither a folder nor a file here.
        let Ok(kind) = entry.file_type() else { continue };
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') || (depth == 0 && name == "environments") {
            continue;
        }
        if kind.is_dir() {
            folders.push(name);
        } else if kind.is_file() && name.ends_with(".toml") {
            let child = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
            if !is_reserved(&child) {
                files.push(name);
            }
        }
    }
    folders.sort_by_key(|n| n.to_lowercase());
    files.sort_by_key(|n| n.to_lowercase());
    for name in folders {
        if out.entries.len() >= MAX_ENTRIES {
            out.truncated = true;
            return;
        }
        let child = if rel.is_empty() { name.clone() } else { format!("{rel}/{name}") };
        out.entries.push(Entry { path: child.clone(), folder: true, depth });
        let before = out.entries.len();
        walk(&dir.join(&name), &child, depth + 1, out);
        // A folder of images (`refs/`) is not part of the tree; an empty one, just made, is.
        let empty = std::fs::read_dir(dir.join(&name)).map(|mut r| r.next().is_none()).unwrap_or(true);
        if out.entries.len() == before && !empty {
            out.entries.pop();
        }
    }
    for name in files {
        if out.entries.len() >= MAX_ENTRIES {
            out.truncated = true;
            return;
        }
        let child = if rel.is_empty() { name } else { format!("{rel}/{name}") };
        out.entries.push(Entry { path: child, folder: false, depth });
    }
}

//! The app's open workspace: its tree, its active environment, the files it opens into the
//! composer and saves back, and a watcher that reports edits made outside the app.
//!
//! The tree is listed from file names, never by reading requests; a request is read when
//! it is opened. Every path the UI names is relative and checked to stay inside the
//! workspace (`Workspace::path_of`); links are never followed.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex, Weak};
use std::time::Duration;

use pixbench_core::api::{Request, RunDraft, WorkspaceChange, WorkspaceEntry, WorkspaceRequest, WorkspaceView};
use pixbench_core::catalog::Catalog;
use pixbench_core::references::References;

use crate::environment::{self, Environment};
use crate::error::FileError;
use crate::files::{keep_reference, refuse_link};
use crate::request_file::{self, fill_from_environment, RequestFile};
use crate::tree::Workspace;

/// Called with every change the watcher sees (outside the lock, off the UI's thread).
pub type OnChange = Arc<dyn Fn(WorkspaceChange) + Send + Sync>;

/// How long the watcher waits for a burst of changes (a `git pull`) to end before it reports.
const QUIET: Duration = Duration::from_millis(150);

/// The open workspace, if any.
pub struct Workspaces {
    open: Arc<Mutex<Option<Open>>>,
    on_change: OnChange,
}

struct Open {
    ws: Workspace,
    environment: Option<String>,
    /// Where each reference image opened from a file came from (stored sha → file), so a
    /// save names the same file instead of copying it again.
    known: HashMap<String, PathBuf>,
    /// The text of each file this app wrote last: the watcher does not report it back.
    written: HashMap<PathBuf, String>,
    _watcher: Option<notify::RecommendedWatcher>,
}

fn lock(m: &Mutex<Option<Open>>) -> std::sync::MutexGuard<'_, Option<Open>> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn not_open() -> FileError {
    FileError::new("", 0, "", "no workspace is open: open a folder first")
}

impl Workspaces {
    pub fn new(on_change: OnChange) -> Workspaces {
        Workspaces { open: Arc::new(Mutex::new(None)), on_change }
    }

    /// Opens a folder as the workspace (closing the one open), watching it for changes.
    /// `environment` is kept if the workspace has it.
    pub fn open(&self, root: &Path, environment: Option<String>) -> Result<WorkspaceView, FileError> {
        let ws = Workspace::open(root)?;
        let environment = environment.filter(|e| environment::list(&ws.root).contains(e));
        let watcher = watch(&ws.root, Arc::downgrade(&self.open), self.on_change.clone());
        if let Err(why) = &watcher {
            tracing::warn!("{}: not watched for changes: {why}", ws.root.display());
        }
        let open = Open { ws, environment, known: HashMap::new(), written: HashMap::new(), _watcher: watcher.ok() };
        let view = open.view();
        *lock(&self.open) = Some(open);
        Ok(view)
    }

    pub fn close(&self) {
        *lock(&self.open) = None;
    }

    /// The open workspace as the sidebar shows it.
    pub fn view(&self) -> Option<WorkspaceView> {
        lock(&self.open).as_ref().map(Open::view)
    }

    /// `e` with its file named relative to the workspace, as the tree names it.
    pub fn shown(&self, mut e: FileError) -> FileError {
        if let Some(root) = self.root() {
            if let Ok(rel) = e.path.strip_prefix(&root) {
                e.path = rel.to_path_buf();
            }
        }
        e
    }

    /// The workspace file a stored reference image was opened from, if it still is there.
    pub fn file_of(&self, sha: &str) -> Option<PathBuf> {
        lock(&self.open).as_ref()?.known.get(sha).filter(|p| p.is_file()).cloned()
    }

    /// The workspace's folder, if one is open.
    pub fn root(&self) -> Option<PathBuf> {
        lock(&self.open).as_ref().map(|o| o.ws.root.clone())
    }

    /// Makes an environment active (`None`: none).
    pub fn select_environment(&self, name: Option<String>) -> Result<WorkspaceView, FileError> {
        let mut guard = lock(&self.open);
        let open = guard.as_mut().ok_or_else(not_open)?;
        if let Some(n) = &name {
            if !environment::list(&open.ws.root).contains(n) {
                return Err(FileError::new(
                    open.ws.root.join("environments"),
                    0,
                    "",
                    format!("there is no environment “{n}”: its file would be environments/{n}.toml"),
                ));
            }
        }
        open.environment = name;
        Ok(open.view())
    }

    /// The active environment, read from its file now (an edit applies at the next run).
    pub fn environment(&self) -> Result<Option<Environment>, FileError> {
        let guard = lock(&self.open);
        let Some(open) = guard.as_ref() else { return Ok(None) };
        match &open.environment {
            Some(name) => Environment::open(&open.ws.root, name, &environment::env_only).map(Some),
            None => Ok(None),
        }
    }

    /// Fills the prompt's `{{variables}}` from the active environment (its value first) and
    /// records it with the request. Nothing changes when no environment is active.
    pub fn fill(&self, request: &mut Request) -> Result<(), FileError> {
        request.environment = None;
        if let Some(env) = self.environment()? {
            fill_from_environment(request, &env)?;
        }
        Ok(())
    }

    /// A request file for the composer: its values over the defaults of the folders above
    /// it, `{{variables}}` unfilled, its reference images stored.
    pub fn load(&self, rel: &str, catalog: &Catalog, references: &References) -> Result<WorkspaceRequest, FileError> {
        let (ws, path) = {
            let guard = lock(&self.open);
            let open = guard.as_ref().ok_or_else(not_open)?;
            (open.ws.clone(), open.ws.path_of(rel)?)
        };
        let file = ws.load(rel)?;
        let resolved = file.draft(&path, &ws.root, catalog)?;
        let mut request = resolved.request;
        let stored = references
            .add_paths(&resolved.image_paths)
            .map_err(|e| FileError::new(&path, 0, "images", pixbench_core::api::UiError::from(e).message))?;
        request.images = stored.iter().map(|r| r.sha256.clone()).collect();
        if let Some(open) = lock(&self.open).as_mut() {
            for (r, p) in stored.iter().zip(&resolved.image_paths) {
                open.known.insert(r.sha256.clone(), p.clone());
            }
        }
        let title = file.name.clone().filter(|n| !n.trim().is_empty()).unwrap_or_else(|| title_of(rel));
        Ok(WorkspaceRequest {
            path: rel.to_string(),
            title,
            notes: file.notes.clone(),
            draft: RunDraft { request, references: stored },
        })
    }

    /// Saves the composer's request as a request file (`create`: a new file, refused if one
    /// is there). A file edited by hand keeps its comments and order; values equal to the
    /// folder's defaults that the file did not write stay unwritten; reference images not
    /// yet in the workspace are copied into `refs/` beside the file.
    pub fn save(
        &self,
        rel: &str,
        request: &Request,
        create: bool,
        references: &References,
    ) -> Result<WorkspaceView, FileError> {
        let mut guard = lock(&self.open);
        let open = guard.as_mut().ok_or_else(not_open)?;
        let path = request_path(&open.ws, rel)?;
        refuse_link(&path)?;
        let exists = std::fs::symlink_metadata(&path).is_ok();
        if create {
            refuse_taken(&path, None)?;
        }
        let existing = if exists && !create { Some(request_file::read_text(&path)?) } else { None };
        let original = match &existing {
            Some(t) => request_file::parse(t, &path)?,
            None => RequestFile::default(),
        };
        let dir = path.parent().unwrap_or(&open.ws.root).to_path_buf();
        std::fs::create_dir_all(&dir).map_err(|e| FileError::new(&dir, 0, "", format!("could not create it: {e}")))?;
        let mut images = Vec::new();
        for (i, sha) in request.images.iter().enumerate() {
            let from_file = open.known.get(sha).filter(|p| p.is_file() && p.starts_with(&open.ws.root)).cloned();
            let abs = match from_file {
                Some(p) => p,
                None => {
                    let err = |why: String| FileError::new(&path, 0, format!("images[{i}]"), why);
                    let bytes = references.bytes(sha).map_err(|e| err(pixbench_core::api::UiError::from(e).message))?;
                    let name = references.get(sha).map(|r| r.name).unwrap_or_else(|_| "image.png".into());
                    let kept = keep_reference(&dir, &name, &bytes).map_err(err)?;
                    let abs = dir.join(&kept);
                    open.known.insert(sha.clone(), abs.clone());
                    abs
                }
            };
            images.push(relative(&dir, &abs));
        }
        let defaults = open.ws.defaults_for(rel)?;
        let file = original.clone().with_request(request, images).without_defaults(&original, &defaults);
        let text = crate::write::render(existing.as_deref(), &file)?;
        if existing.as_deref() != Some(text.as_str()) {
            pixbench_core::blobs::write_atomic(&path, text.as_bytes()).map_err(|e| {
                FileError::new(&path, 0, "", format!("{e}. Nothing was lost: the request is still open"))
            })?;
        }
        open.written.insert(path, text);
        Ok(open.view())
    }

    /// Renames or moves a request file or folder inside the workspace.
    pub fn rename(&self, from: &str, to: &str) -> Result<WorkspaceView, FileError> {
        let mut guard = lock(&self.open);
        let open = guard.as_mut().ok_or_else(not_open)?;
        let src = open.ws.path_of(from)?;
        let meta = std::fs::symlink_metadata(&src)
            .map_err(|_| FileError::new(&src, 0, "", "it is not there any more (moved or deleted outside the app)"))?;
        let dst = if meta.is_dir() { open.ws.path_of(to)? } else { request_path(&open.ws, to)? };
        if dst.starts_with(&src) && dst != src {
            return Err(FileError::new(&dst, 0, "", "a folder cannot move into itself"));
        }
        refuse_taken(&dst, Some(&src))?;
        if let Some(parent) = dst.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| FileError::new(parent, 0, "", format!("could not create it: {e}")))?;
        }
        std::fs::rename(&src, &dst).map_err(|e| FileError::new(&src, 0, "", format!("could not move it: {e}")))?;
        for p in open.known.values_mut() {
            if let Ok(rest) = p.strip_prefix(&src) {
                *p = dst.join(rest);
            }
        }
        Ok(open.view())
    }

    /// Copies a request file beside itself ("NAME copy.toml"); answers the copy's path.
    pub fn duplicate(&self, rel: &str) -> Result<String, FileError> {
        let guard = lock(&self.open);
        let open = guard.as_ref().ok_or_else(not_open)?;
        let src = request_path(&open.ws, rel)?;
        refuse_link(&src)?;
        let text = request_file::read_text(&src)?;
        let stem = rel.strip_suffix(".toml").unwrap_or(rel);
        for i in 1..1000 {
            let candidate = if i == 1 { format!("{stem} copy.toml") } else { format!("{stem} copy {i}.toml") };
            let dst = open.ws.path_of(&candidate)?;
            if refuse_taken(&dst, None).is_err() {
                continue;
            }
            let mut f = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&dst)
                .map_err(|e| FileError::new(&dst, 0, "", format!("could not create it: {e}")))?;
            std::io::Write::write_all(&mut f, text.as_bytes())
                .map_err(|e| FileError::new(&dst, 0, "", format!("could not write it: {e}")))?;
            return Ok(candidate);
        }
        Err(FileError::new(&src, 0, "", "it has a thousand copies already"))
    }

    /// Moves a request file or folder to the system's trash (it can be restored from there).
    pub fn delete(&self, rel: &str) -> Result<WorkspaceView, FileError> {
        let guard = lock(&self.open);
        let open = guard.as_ref().ok_or_else(not_open)?;
        let path = open.ws.path_of(rel)?;
        if std::fs::symlink_metadata(&path).is_err() {
            return Ok(open.view());
        }
        trash::delete(&path).map_err(|e| {
            FileError::new(&path, 0, "", format!("could not be moved to the trash ({e}); nothing was deleted"))
        })?;
        Ok(open.view())
    }

    /// Creates a folder.
    pub fn new_folder(&self, rel: &str) -> Result<WorkspaceView, FileError> {
        let guard = lock(&self.open);
        let open = guard.as_ref().ok_or_else(not_open)?;
        let path = open.ws.path_of(rel)?;
        refuse_taken(&path, None)?;
        std::fs::create_dir_all(&path)
            .map_err(|e| FileError::new(&path, 0, "", format!("could not create it: {e}")))?;
        Ok(open.view())
    }
}

impl Open {
    fn view(&self) -> WorkspaceView {
        let listing = self.ws.list();
        let environment_error = match &self.environment {
            Some(name) => Environment::open(&self.ws.root, name, &environment::env_only).err().map(|e| e.to_string()),
            None => None,
        };
        WorkspaceView {
            root: self.ws.root.to_string_lossy().into_owned(),
            name: self.ws.name.clone(),
            entries: listing
                .entries
                .into_iter()
                .map(|e| WorkspaceEntry { path: e.path, folder: e.folder, depth: e.depth as u32 })
                .collect(),
            truncated: listing.truncated,
            environments: environment::list(&self.ws.root),
            environment: self.environment.clone(),
            environment_error,
            writable: writable(&self.ws.root),
        }
    }
}

/// The file name without `.toml`, as a tab's title.
pub fn title_of(rel: &str) -> String {
    let name = rel.rsplit('/').next().unwrap_or(rel);
    name.strip_suffix(".toml").unwrap_or(name).to_string()
}

/// A request file's path: it ends in `.toml` and is none of the workspace's own files.
fn request_path(ws: &Workspace, rel: &str) -> Result<PathBuf, FileError> {
    let path = ws.path_of(rel)?;
    let name = rel.rsplit('/').next().unwrap_or(rel);
    if !name.ends_with(".toml") || name == ".toml" {
        return Err(FileError::new(&path, 0, "", "a request file's name ends in .toml"));
    }
    if name == "defaults.toml" || rel == "pixbench.toml" || rel.starts_with("environments/") {
        return Err(FileError::new(&path, 0, "", format!("{rel} is one of the workspace's own files, not a request")));
    }
    Ok(path)
}

/// Refuses a path another file or folder has, including one whose name differs only in
/// case (on a case-insensitive disk they are the same file). `moving` may be the same
/// entry under another case.
fn refuse_taken(path: &Path, moving: Option<&Path>) -> Result<(), FileError> {
    let name = path.file_name().map(|n| n.to_string_lossy().to_lowercase()).unwrap_or_default();
    let Some(dir) = path.parent() else { return Ok(()) };
    let Ok(read) = std::fs::read_dir(dir) else { return Ok(()) };
    for entry in read.flatten().take(100_000) {
        let other = entry.file_name().to_string_lossy().to_lowercase();
        if other == name && moving.is_none_or(|m| m.file_name() != Some(entry.file_name().as_os_str())) {
            return Err(FileError::new(
                path,
                0,
                "",
                format!("“{}” is taken here: pick another name", entry.file_name().to_string_lossy()),
            ));
        }
    }
    Ok(())
}

/// `to` relative to the folder `from`, `/` between parts (both absolute, inside one root).
fn relative(from: &Path, to: &Path) -> String {
    let from: Vec<_> = from.components().collect();
    let to_parts: Vec<_> = to.components().collect();
    let common = from.iter().zip(&to_parts).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = std::iter::repeat_n("..".to_string(), from.len() - common).collect();
    parts.extend(to_parts[common..].iter().map(|c| c.as_os_str().to_string_lossy().into_owned()));
    parts.join("/")
}

fn writable(root: &Path) -> bool {
    std::fs::metadata(root).map(|m| !m.permissions().readonly()).unwrap_or(false) && tempfile_probe(root)
}

/// Whether a file can be created here (permissions alone do not say: a read-only mount).
fn tempfile_probe(root: &Path) -> bool {
    let probe = root.join(format!(".pixbench-probe-{}", std::process::id()));
    match std::fs::OpenOptions::new().write(true).create_new(true).open(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            true
        }
        Err(e) => e.kind() == std::io::ErrorKind::AlreadyExists,
    }
}

/// Watches the root; after each burst of changes, reports the tree and the request files
/// that changed, leaving out hidden files and the app's own writes.
fn watch(
    root: &Path,
    open: Weak<Mutex<Option<Open>>>,
    on_change: OnChange,
) -> notify::Result<notify::RecommendedWatcher> {
    use notify::Watcher;
    let (tx, rx) = mpsc::channel::<notify::Result<notify::Event>>();
    let mut watcher = notify::recommended_watcher(tx)?;
    watcher.watch(root, notify::RecursiveMode::Recursive)?;
    let root = root.to_path_buf();
    std::thread::Builder::new()
        .name("workspace-watch".into())
        .spawn(move || {
            // The channel closes when the watcher is dropped (another workspace, or closed).
            while let Ok(first) = rx.recv() {
                let mut paths: Vec<PathBuf> = Vec::new();
                let mut add = |ev: notify::Result<notify::Event>| {
                    if let Ok(ev) = ev {
                        if !matches!(ev.kind, notify::EventKind::Access(_)) {
                            paths.extend(ev.paths);
                        }
                    }
                };
                add(first);
                while let Ok(ev) = rx.recv_timeout(QUIET) {
                    add(ev);
                }
                let Some(open) = open.upgrade() else { return };
                let change = {
                    let mut guard = lock(&open);
                    let Some(o) = guard.as_mut().filter(|o| o.ws.root == root) else { return };
                    report(o, &root, paths)
                };
                if let Some(change) = change {
                    on_change(change);
                }
            }
        })
        .map_err(|e| notify::Error::generic(&e.to_string()))?;
    Ok(watcher)
}

/// The change to report for these paths, or none when every one is hidden or the app's own write.
fn report(o: &mut Open, root: &Path, paths: Vec<PathBuf>) -> Option<WorkspaceChange> {
    let mut changed = Vec::new();
    let mut any = false;
    for p in paths {
        let Ok(rel) = p.strip_prefix(root) else { continue };
        let rel_s = rel.to_string_lossy().replace('\\', "/");
        if rel_s.is_empty() || rel_s.split('/').any(|part| part.starts_with('.')) {
            continue;
        }
        if let Some(text) = o.written.get(&p) {
            if std::fs::read_to_string(&p).ok().as_deref() == Some(text.as_str()) {
                continue;
            }
            o.written.remove(&p);
        }
        any = true;
        if rel_s.ends_with(".toml") && !changed.contains(&rel_s) {
            changed.push(rel_s);
        }
    }
    any.then(|| WorkspaceChange { view: o.view(), changed })
}

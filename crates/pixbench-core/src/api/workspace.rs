//! The IPC types of workspaces (saved requests as files; see docs/WORKSPACES.md).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::*;

/// An open workspace as the sidebar shows it. The tree is listed from file names only: no
/// request is read until it is opened, so a malformed file shows its error where it opens.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WorkspaceView {
    /// The folder, absolute.
    pub root: String,
    /// `pixbench.toml`'s `name`, else the folder's.
    pub name: String,
    /// Folders and request files, each folder before what is in it.
    pub entries: Vec<WorkspaceEntry>,
    /// The tree was cut at its limit of entries.
    pub truncated: bool,
    /// The environments under `environments/`, by name.
    pub environments: Vec<String>,
    /// The environment whose values fill `{{variables}}` of what is run, if one is chosen.
    pub environment: Option<String>,
    /// What is wrong with the active environment's file, if anything (its runs are refused).
    pub environment_error: Option<String>,
    /// Whether files can be written here (a read-only checkout can still be opened and run).
    pub writable: bool,
}

/// A folder or a request file of a workspace.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WorkspaceEntry {
    /// Relative to the workspace, `/` between folders (a request file's ends in `.toml`).
    pub path: String,
    pub folder: bool,
    /// How many folders it is under.
    pub depth: u32,
}

/// A request file opened for the composer: its request (with the defaults of the folders
/// above it; `{{variables}}` unfilled) and its reference images, stored.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WorkspaceRequest {
    pub path: String,
    /// The file's `name`, else its file name without `.toml`.
    pub title: String,
    pub notes: Option<String>,
    pub draft: RunDraft,
}

/// The environment a run's `{{variables}}` were filled from, and the values it gave.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct RunEnvironment {
    pub name: String,
    pub values: Vec<EnvironmentValue>,
}

/// One variable an environment filled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct EnvironmentValue {
    pub name: String,
    pub value: String,
}

/// The workspace's files changed on disk (an editor, `git pull`, another window): the tree
/// as it is now, and the request files that changed (relative paths), so an open tab can
/// reload or ask. The app's own saves are not reported.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WorkspaceChange {
    pub view: WorkspaceView,
    pub changed: Vec<String>,
}

/// A language code is written in: a POSIX shell script with curl, Python with the official
/// `openai` SDK, or an ES module for Node with the official `openai` package.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum CodeLang {
    Curl,
    Python,
    Js,
}

impl From<CodeLang> for pixbench_codegen::Lang {
    fn from(l: CodeLang) -> pixbench_codegen::Lang {
        match l {
            CodeLang::Curl => pixbench_codegen::Lang::Curl,
            CodeLang::Python => pixbench_codegen::Lang::Python,
            CodeLang::Js => pixbench_codegen::Lang::Js,
        }
    }
}

/// A pasted curl command as a request for the composer, and a sentence for everything in
/// it the request cannot hold (its server, image URLs, image files, unusable flags).
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct CurlImport {
    pub request: Request,
    pub warnings: Vec<String>,
}

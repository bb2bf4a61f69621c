//! A workspace is a folder of plain text files a team keeps in git: one TOML file per saved
//! request, folders as directories, `defaults.toml` in a folder for the requests under it,
//! `pixbench.toml` at the root (the workspace's name and defaults) and named environments
//! under `environments/`. Nothing here sends a request: a request file becomes the app's
//! one [`Request`](pixbench_core::api::Request) type, which the engine runs as it runs the
//! composer's. The format is documented in docs/WORKSPACES.md.

pub mod curl;
pub mod data;
pub mod environment;
pub mod error;
pub mod files;
pub mod request_file;
pub mod service;
pub mod tree;
pub mod write;

pub use environment::Environment;
pub use error::FileError;
pub use request_file::{RequestFile, Resolved};
pub use service::Workspaces;
pub use tree::Workspace;

/// The largest request, defaults or environment file read (a request file is a few lines).
pub const MAX_FILE_BYTES: u64 = 1024 * 1024;

//! Pixbench's domain, with no UI and no Tauri: the catalog and its prices, runs and
//! comparisons (fan-out, cancel, progress), sessions and the credit ledger, the history
//! store (SQLite + content-addressed image files), profiles and the secret store,
//! exports, and the benchmark matrix. The desktop shell and the CLI are thin layers on it:
//! both open an [`Engine`] on a data dir and call its services.
//!
//! Not here: windows, dialogs, URI schemes (the shell), argument parsing (the CLI), the
//! wire protocol (crate `pixapi`), the simulator (crate `pixapi-sim`).

pub mod api;
pub mod bench;
pub mod blobs;
pub mod catalog;
pub mod code_calls;
mod commands;
pub mod engine;
pub mod error;
pub mod export;
pub mod files;
pub mod infra;
pub mod ipc_bindings;
pub mod kind;
pub mod lineage;
pub mod metrics;
pub mod owner;
pub mod presets;
pub mod profiles;
pub mod recipe;
pub mod references;
pub mod request;
pub mod runs;
pub mod scrub;
pub mod secrets;
pub mod server_models;
pub mod session;
pub mod settings;
pub mod spec;
pub mod store;
pub mod sweep;
pub mod toml_place;
pub mod votes;

pub use engine::{Engine, EngineConfig, EngineEvent};
pub use error::{CoreError, CoreResult};
pub use kind::ErrorKind;

//! Pixbench's domain, with no UI and no Tauri: the catalog and its prices, runs and
//! comparisons (fan-out, cancel, progress), sessions and the credit ledger, the history
//! store (SQLite + content-addressed image files), profiles and the secret store,
//! exports, and the benchmark matrix. The desktop shell and the CLI are thin layers on it.

pub mod api;

//! The Tauri commands through Tauri's mock runtime with the app's real configuration and
//! capabilities, one binary (one link of Tauri) with a module per area.

mod common;

mod commands;
mod metrics;
mod sweep;
mod workspace;

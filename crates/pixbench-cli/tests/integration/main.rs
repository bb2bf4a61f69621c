//! The `pixbench` binary's integration tests, one binary with a module per command area
//! (one link instead of six): each runs the built CLI as a user would, against a Sandbox.

mod common;

mod cli;
mod code;
mod import;
mod leaderboard;
mod lineage;
mod metrics;
mod recipe;
mod server_models;
mod suite;
mod sweep;
mod workspace;

//! `pixbench-core`'s integration tests, one binary with a module per area (one link
//! instead of eighteen). Each module says what it covers at its top.

mod common;

mod bench_app;
mod billing;
mod contract;
mod gateways;
mod held;
mod hostile;
mod key_origin;
mod key_scrub;
mod keychain;
mod lineage;
mod metrics;
mod no_keychain;
mod props;
mod recipe;
mod recovery;
mod runs;
mod server_models;
mod soak;
mod sweep;
mod truth;
mod untrusted_paths;
mod votes;
mod waiting;

//! Benchmarks: a matrix of prompts x targets x repeats, run through the [`Engine`](crate::Engine) like
//! any other run (so every request lands in history and in the ledger), with a bounded
//! number of requests in flight, warm-ups first and left out of the figures, a pre-flight
//! estimate against the budget, progress as it goes, a clean cancel that keeps what
//! finished, and a report with exact percentiles and every request's raw figures.
//!
//! ## The matrix file (TOML)
//! Written once, in `docs/matrix-file.txt`, which `pixbench bench --help` prints:
#![doc = concat!("```text\n", include_str!("../../../../docs/matrix-file.txt"), "```\n")]
//! A target is `"MODEL"`, `"MODEL:N"` or `{ model = "MODEL", n = N }`. The prompts are
//! those of `prompts`, then `prompts_file`, then the `[[prompt]]` tables, each prompt that
//! names a `[vars]` variable once per combination of their values; each target once per
//! combination of the `[sweep]` values (see `matrix_sweep`).
//!
//! ## How it runs
//! [`Matrix::expand`] makes the jobs: `warmup` warm-ups per target first (cycling
//! through the prompts), then for each repeat, each prompt, each target one job: targets
//! interleave, so a slow period of the server does not fall on one target only. Each job is
//! one `Engine::run_start` with a single target; at most `concurrency` are in flight. All
//! warm-ups finish before the first measured job starts.
//!
//! ## Figures
//! - A request *succeeded* when its run ended `done` or `partial` with at least one image.
//! - Latency percentiles are over the succeeded, non-warm-up requests of a target, from the
//!   client's own timing of the call (`total_ms`: request to decoded images, retries
//!   included; storing and thumbnailing are not in it, they are in `wall_ms`).
//! - Percentiles are **nearest-rank** ([`percentile`]): exact, always one of the samples.
//! - Time to first byte (sync) and queue wait (async: from the first poll until a poll said
//!   `completed`) have their own percentiles.
//! - `credits` of the report is everything charged for delivered images, warm-ups
//!   included (what the server's ledger shows); per-target credits are the measured ones.

mod history;
mod matrix;
mod matrix_sweep;
mod plan;
mod report;
mod run;
mod stats;

pub use history::*;
pub use matrix::*;
pub use plan::*;
pub use report::*;
pub use run::*;
pub use stats::*;

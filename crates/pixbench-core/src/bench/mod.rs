//! Benchmarks: a matrix of prompts x targets x repeats, run through the [`Engine`](crate::Engine) like
//! any other run (so every request lands in history and in the ledger), with a bounded
//! number of requests in flight, warm-ups first and left out of the figures, a pre-flight
//! estimate against the budget, progress as it goes, a clean cancel that keeps what
//! finished, and a report with exact percentiles and every request's raw figures.
//!
//! ## The matrix file (TOML)
//! ```toml
//! name = "flash 512 vs 1K"          # optional
//! prompts = ["a red fox in snow", "a blue vintage car"]
//! targets = ["gemini-3.1-flash-image-preview-512", "gemini-3.1-flash-image-preview:2"]
//! repeats = 2                       # default 1
//! concurrency = 4                   # requests in flight at most; default 4
//! warmup = 1                        # warm-up requests per target, not counted; default 0
//! mode = "auto"                     # "sync" | "async" | "auto" (the catalog's default)
//! n = 1                             # images per request unless a target says `model:N`
//! aspect_ratio = "16:9"             # optional
//! response_format = "b64_json"      # or "url"
//! budget = 500                      # refuse to start if the estimate is above (credits)
//! prompts_file = "prompts.csv"      # more prompts: .txt one a line, or .csv `prompt,images`
//!
//! [[prompt]]                        # a prompt with reference images (an edit)
//! text = "make it a poster"
//! images = ["ref/a.png", "ref/b.jpg"]   # relative to the matrix file
//! ```
//! A target is `"MODEL"`, `"MODEL:N"` or `{ model = "MODEL", n = N }`. The prompts are
//! those of `prompts`, then `prompts_file`, then the `[[prompt]]` tables. (In TOML, top-level
//! keys must come before the first `[[prompt]]` table.)
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

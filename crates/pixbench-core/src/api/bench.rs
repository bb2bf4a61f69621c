//! The IPC types of bench.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use std::path::PathBuf;

use super::*;

/// Live figures of one target while a benchmark runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TargetLive {
    pub model: String,
    pub n: u32,
    /// Measured jobs of this target.
    pub total: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
}

/// Where a benchmark is, after each finished request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BenchProgress {
    pub total: u32,
    /// Finished requests (succeeded, failed or cancelled).
    pub done: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub cancelled: u32,
    pub in_flight: u32,
    /// Jobs not finished yet (in flight included).
    pub remaining: u32,
    pub warming_up: bool,
    pub elapsed_ms: f64,
    /// From the rate so far; none before the first request finished.
    pub eta_ms: Option<f64>,
    pub credits: i64,
    pub targets: Vec<TargetLive>,
    /// The request that just finished.
    pub last: Option<Sample>,
}

/// One request's raw figures. Times in ms; `start_ms` / `end_ms` from the benchmark's start.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Sample {
    pub seq: u32,
    pub warmup: bool,
    pub prompt_idx: u32,
    pub prompt: String,
    pub target_idx: u32,
    pub model: String,
    pub n: u32,
    pub repeat: u32,
    /// The run in history (none when the engine refused to start it).
    pub run_id: Option<String>,
    /// The run target's final status: done, partial, failed, cancelled, interrupted, or
    /// `refused` when the engine did not start it.
    pub status: String,
    pub ok: bool,
    pub is_async: bool,
    pub images: u32,
    /// Credits of its priced images (the whole when `unpriced` is 0).
    pub credits: i64,
    /// Its cost in dollars, where its gateway bills in dollars (0 otherwise, and in reports
    /// older than dollars: their credits at the catalog's rate are the dollars).
    #[serde(default)]
    pub usd: f64,
    /// Its images the catalog could not price (a model only the server lists).
    #[serde(default)]
    pub unpriced: u32,
    pub start_ms: f64,
    pub end_ms: f64,
    /// From `run_start` to the stored result (storing and thumbnails included).
    pub wall_ms: f64,
    /// The client's timing of the call (retries included); none when nothing came back.
    pub total_ms: Option<f64>,
    pub send_ms: Option<f64>,
    pub ttfb_ms: Option<f64>,
    pub body_ms: Option<f64>,
    pub decode_ms: Option<f64>,
    pub download_ms: Option<f64>,
    pub submit_ms: Option<f64>,
    /// Async: queue and processing as seen by polling.
    pub wait_ms: Option<f64>,
    pub polls: Option<u32>,
    pub http_status: Option<u16>,
    pub attempts: u32,
    pub request_id: Option<String>,
    pub error_kind: Option<ErrorKind>,
    pub error: Option<String>,
    /// SHA-256 of the stored output images.
    pub outputs: Vec<String>,
}

/// The figures of one target over its measured (non-warm-up) requests.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TargetStats {
    pub model: String,
    pub n: u32,
    /// Measured requests that finished (succeeded + failed; cancelled ones are not counted).
    pub count: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub cancelled: u32,
    /// succeeded / count.
    pub success_rate: Option<f64>,
    pub images: u32,
    pub credits: i64,
    pub usd: f64,
    /// Latency of the succeeded requests (`total_ms`), nearest-rank percentiles.
    pub min_ms: Option<f64>,
    pub p50_ms: Option<f64>,
    pub p90_ms: Option<f64>,
    pub p99_ms: Option<f64>,
    pub max_ms: Option<f64>,
    pub mean_ms: Option<f64>,
    /// Time to first byte of the succeeded sync requests.
    pub ttfb_p50_ms: Option<f64>,
    pub ttfb_p90_ms: Option<f64>,
    pub ttfb_p99_ms: Option<f64>,
    /// Queue wait (polling until completed) of the succeeded async requests.
    pub queue_wait_p50_ms: Option<f64>,
    pub queue_wait_p90_ms: Option<f64>,
    pub queue_wait_p99_ms: Option<f64>,
    pub credits_per_image: Option<f64>,
    pub usd_per_image: Option<f64>,
    /// Images delivered per minute over the span of this target's measured requests
    /// (first start to last end).
    pub images_per_minute: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BenchPrompt {
    pub text: String,
    /// Reference images (absolute, or relative to the working directory): an edit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<PathBuf>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BenchTarget {
    /// A catalog id (a model and its variant).
    pub model: String,
    /// Images per request.
    pub n: u32,
    /// The `[sweep]` axis values this target stands for (what it sends); empty outside a sweep.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[ts(as = "Option<Vec<AxisValue>>", optional)]
    pub axes: Vec<AxisValue>,
}

/// What to benchmark, validated against the catalog.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Matrix {
    pub name: Option<String>,
    pub prompts: Vec<BenchPrompt>,
    pub targets: Vec<BenchTarget>,
    pub repeats: u32,
    pub concurrency: u32,
    /// Warm-up requests per target, sent first and left out of the figures.
    pub warmup: u32,
    pub mode: SyncMode,
    pub aspect_ratio: Option<String>,
    pub response_format: ResponseFormatChoice,
    /// The most this benchmark may cost, in credits (on top of any session budget).
    pub budget: Option<i64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "lowercase")]
pub enum BenchStatus {
    /// Every job was sent and finished.
    Complete,
    /// Cancelled: what finished is kept, the rest was not sent.
    Cancelled,
    /// Stopped by a failure every later request would share (a rejected key, no credits
    /// left): what finished is kept, the rest was not sent. See `stop_reason`.
    Stopped,
}

/// Failed requests of the same target and kind, with the message of the first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FailureGroup {
    pub model: String,
    pub kind: ErrorKind,
    pub message: String,
    pub count: u32,
}

/// A benchmark's result: totals, per-target figures and every request's raw figures.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BenchReport {
    pub format: String,
    /// The benchmark's id in history (none for a report not kept there).
    #[serde(default)]
    pub id: Option<String>,
    pub name: Option<String>,
    pub status: BenchStatus,
    pub started_at: String,
    pub finished_at: String,
    pub profile: String,
    pub base_url: String,
    pub simulated: bool,
    pub matrix: Matrix,
    pub preflight: Option<Preflight>,
    /// Requests sent (warm-ups included): succeeded + failed + cancelled.
    pub requests: u32,
    pub succeeded: u32,
    pub failed: u32,
    pub cancelled: u32,
    /// Jobs never sent because the benchmark was cancelled or stopped.
    pub not_started: u32,
    /// Why a `stopped` benchmark stopped.
    #[serde(default)]
    pub stop_reason: Option<String>,
    pub warmup_requests: u32,
    pub images: u32,
    /// Credits of every delivered image, warm-ups included: what the server charged (the
    /// priced part when `unpriced` is not 0).
    pub credits: i64,
    /// Delivered images the catalog could not price: the whole cost is then unknown.
    #[serde(default)]
    pub unpriced: u32,
    pub warmup_credits: i64,
    pub usd: f64,
    pub credit_usd: f64,
    pub elapsed_ms: f64,
    /// Measured images per minute over the measured phase.
    pub images_per_minute: Option<f64>,
    pub percentile_method: String,
    pub targets: Vec<TargetStats>,
    /// The failed requests grouped by target and error kind.
    #[serde(default)]
    pub failures: Vec<FailureGroup>,
    pub samples: Vec<Sample>,
    /// Each request's first image against the reference target's (see `metrics::bench`);
    /// `None` for one target, or a report built without an engine.
    #[serde(default)]
    pub metrics: Option<BenchMetrics>,
}

/// What a benchmark costs at most (every image succeeding), against the budgets.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Preflight {
    pub requests: u32,
    pub warmup_requests: u32,
    /// Warm-ups included: they are sent and charged like the others.
    pub credits: i64,
    pub usd: f64,
    pub warmup_credits: i64,
    pub targets: Vec<TargetEstimate>,
    /// The session's (or profile's) budget and what the session already spent.
    pub budget_credits: Option<i64>,
    pub spent_credits: i64,
    /// The matrix's own `budget`.
    pub matrix_budget: Option<i64>,
    pub over_budget: bool,
    /// Why it cannot be sent (empty when it can).
    pub problems: Vec<String>,
    pub simulated: bool,
    pub profile: String,
}

/// The metrics section of a benchmark report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BenchMetrics {
    /// Index in the matrix of the target every other one is compared with.
    pub reference_target: u32,
    pub reference_model: String,
    /// The method (`crate::metrics::METHOD`) and its versioned name (`crate::metrics::ALGO`).
    pub method: String,
    pub algo: String,
    /// One row per compared request, by `seq`.
    pub rows: Vec<SampleMetrics>,
}

/// One request's first image against its reference.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SampleMetrics {
    pub seq: u32,
    /// The reference request (`seq`) it was compared with.
    pub reference_seq: u32,
    pub ssim: Option<f64>,
    /// `None` when identical (infinite) or not compared (see `error`).
    pub psnr_db: Option<f64>,
    pub phash_distance: Option<u32>,
    /// Common size compared at.
    pub width: Option<u32>,
    pub height: Option<u32>,
    /// Why the pair was not compared (e.g. other shapes).
    pub error: Option<String>,
}

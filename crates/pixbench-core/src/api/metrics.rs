//! The IPC types of metrics.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The metrics of one pair of images, as the UI and the CLI show them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct PairMetricsView {
    /// The two images' SHA-256, in the order asked.
    pub sha_a: String,
    pub sha_b: String,
    /// The method (`crate::metrics::ALGO`).
    pub algo: String,
    /// The common size compared at: the smaller image's.
    pub width: u32,
    pub height: u32,
    /// Structural similarity on luma, 1 = identical.
    pub ssim: f64,
    /// PSNR over RGB in dB; `None` = identical (infinite).
    pub psnr_db: Option<f64>,
    /// Hamming distance of the 64-bit perceptual hashes (0 = same picture, ~32 = unrelated).
    pub phash_distance: u32,
    /// Time the computation took (decoding included), milliseconds.
    pub computed_ms: f64,
    /// Answered from the cache.
    pub cached: bool,
}

/// One step between two variants of a model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WorthStep {
    /// e.g. "1K→2K" (the delivered tiers).
    pub step: String,
    /// Catalog entry ids of the lower and the higher variant.
    pub lower_id: String,
    pub higher_id: String,
    /// Target indices in the run.
    pub lower_target: u32,
    pub higher_target: u32,
    pub lower_sha256: String,
    pub higher_sha256: String,
    /// Delivered sizes.
    pub lower_width: u32,
    pub lower_height: u32,
    pub higher_width: u32,
    pub higher_height: u32,
    pub metrics: Option<PairMetricsView>,
    /// Why there are no metrics (e.g. the two have other shapes).
    pub error: Option<String>,
    /// Credits per image of the higher variant less the lower's.
    pub credit_delta: i64,
    /// Latency (the client's total) of the higher target less the lower's, milliseconds.
    pub latency_delta_ms: Option<f64>,
    /// true when the rule says the step adds little.
    pub adds_little: bool,
    pub verdict: String,
}

/// The steps of one model's variants, lowest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WorthTable {
    /// The model id sent (the variants share it).
    pub model: String,
    /// The model's name for people, e.g. "Nano Banana 2".
    pub label: String,
    pub steps: Vec<WorthStep>,
}

/// Every model of a run with two variants or more that delivered an image.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
#[ts(export)]
pub struct WorthReport {
    pub run_id: String,
    pub tables: Vec<WorthTable>,
    /// The verdict rule (`crate::metrics::worth::RULE`).
    pub rule: String,
    /// The metrics' method.
    pub method: String,
}

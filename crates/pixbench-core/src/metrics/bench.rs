//! Metric columns of a benchmark report: each measured request's first image against the
//! reference target's first image for the same prompt and repeat. The reference target is
//! the matrix's first target. The reference's own requests, warm-ups, failed requests and
//! requests whose reference failed have no metrics.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::bench::{BenchReport, Sample};
use crate::engine::Engine;
use crate::error::CoreError;

/// The metrics section of a benchmark report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BenchMetrics {
    /// Index in the matrix of the target every other one is compared with.
    pub reference_target: u32,
    pub reference_model: String,
    /// The method ([`super::METHOD`]) and its versioned name ([`super::ALGO`]).
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

/// The CSV columns these metrics add, after the report's own.
pub const CSV_METRIC_COLUMNS: &[&str] = &["ref_seq", "ssim", "psnr_db", "phash_distance"];

/// The CSV cells of one sample (empty when it has no metrics). PSNR of identical images is `inf`.
pub fn csv_cells(report: &BenchReport, seq: u32) -> [String; 4] {
    let row = report.metrics.as_ref().and_then(|m| m.rows.iter().find(|r| r.seq == seq));
    match row {
        None => Default::default(),
        Some(r) => [
            r.reference_seq.to_string(),
            r.ssim.map(|v| format!("{v:.4}")).unwrap_or_default(),
            match (r.ssim, r.psnr_db) {
                (_, Some(p)) => format!("{p:.2}"),
                (Some(_), None) => "inf".into(),
                (None, None) => String::new(),
            },
            r.phash_distance.map(|v| v.to_string()).unwrap_or_default(),
        ],
    }
}

/// The (sample, reference sample) pairs to compare: same prompt and repeat, measured, both
/// with an image.
pub fn pairs(samples: &[Sample], reference_target: u32) -> Vec<(&Sample, &Sample)> {
    let measured = |s: &&Sample| !s.warmup && s.ok && !s.outputs.is_empty();
    samples
        .iter()
        .filter(measured)
        .filter(|s| s.target_idx != reference_target)
        .filter_map(|s| {
            samples
                .iter()
                .filter(measured)
                .find(|r| r.target_idx == reference_target && r.prompt_idx == s.prompt_idx && r.repeat == s.repeat)
                .map(|r| (s, r))
        })
        .collect()
}

impl Engine {
    /// The metrics section of a finished benchmark (computed off the calling thread, each
    /// pair once and cached). `None` for a matrix of one target.
    pub async fn bench_metrics(&self, report: &BenchReport) -> Option<BenchMetrics> {
        let reference_target = 0u32;
        let reference = report.matrix.targets.get(reference_target as usize)?;
        if report.matrix.targets.len() < 2 {
            return None;
        }
        let mut rows = Vec::new();
        for (s, r) in pairs(&report.samples, reference_target) {
            let mut row = SampleMetrics {
                seq: s.seq,
                reference_seq: r.seq,
                ssim: None,
                psnr_db: None,
                phash_distance: None,
                width: None,
                height: None,
                error: None,
            };
            match self.metrics_pair(&s.outputs[0], &r.outputs[0]).await {
                Ok(m) => {
                    row.ssim = Some(m.ssim);
                    row.psnr_db = m.psnr_db;
                    row.phash_distance = Some(m.phash_distance);
                    row.width = Some(m.width);
                    row.height = Some(m.height);
                }
                Err(e) => {
                    row.error = Some(match e {
                        CoreError::Ui(u) => u.message,
                        other => other.to_string(),
                    })
                }
            }
            rows.push(row);
        }
        Some(BenchMetrics {
            reference_target,
            reference_model: reference.model.clone(),
            method: super::METHOD.into(),
            algo: super::ALGO.into(),
            rows,
        })
    }
}

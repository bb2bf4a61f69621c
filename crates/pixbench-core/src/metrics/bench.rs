//! Metric columns of a benchmark report: each measured request's first image against the
//! reference target's first image for the same prompt and repeat. The reference target is
//! the matrix's first target. The reference's own requests, warm-ups, failed requests and
//! requests whose reference failed have no metrics.

pub use crate::api::{BenchMetrics, SampleMetrics};
use crate::api::{BenchReport, Sample};
use crate::error::CoreError;

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

impl super::Metrics {
    /// The metrics section of a finished benchmark (computed off the calling thread, each
    /// pair once and cached). `None` for a matrix of one target.
    pub async fn bench(&self, report: &BenchReport) -> Option<BenchMetrics> {
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
            match self.pair(&s.outputs[0], &r.outputs[0]).await {
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

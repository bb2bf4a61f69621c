use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::matrix::{BenchTarget, Job};
use crate::api::*;

// ------------------------------------------------------------------------------------
// Percentiles
// ------------------------------------------------------------------------------------

/// The nearest-rank percentile `p` (0..=100) of samples sorted ascending: the smallest
/// sample such that at least `p` % of the samples are less than or equal to it
/// (1-based rank `ceil(p / 100 * N)`; `p = 0` gives the minimum). Exact: always one of the
/// samples, never an average of two. `None` for no samples.
///
/// For 1..=100: p50 = 50, p90 = 90, p99 = 99, p100 = 100; for one sample, every
/// percentile is that sample.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    if sorted.is_empty() || p.is_nan() {
        return None;
    }
    let n = sorted.len();
    let p = p.clamp(0.0, 100.0);
    // p * n first, then / 100, with a little slack: 0.9 * 100 must rank 90, not 91.
    let rank = ((p * n as f64) / 100.0 - 1e-9).ceil().max(1.0) as usize;
    Some(sorted[rank.min(n) - 1])
}

/// Sorts a copy ascending (NaN last) for [`percentile`].
pub fn sorted(values: impl IntoIterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.into_iter().collect();
    v.sort_by(f64::total_cmp);
    v
}

// ------------------------------------------------------------------------------------
// Samples, statistics, the report
// ------------------------------------------------------------------------------------

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
    pub credits: i64,
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

impl Sample {
    /// A job's sample with no result yet: every figure empty.
    fn blank(job: &Job, prompt: &str, model: &str, n: u32, start_ms: f64, end_ms: f64) -> Sample {
        Sample {
            seq: job.seq,
            warmup: job.warmup,
            prompt_idx: job.prompt_idx,
            prompt: prompt.to_string(),
            target_idx: job.target_idx,
            model: model.to_string(),
            n,
            repeat: job.repeat,
            run_id: None,
            status: String::new(),
            ok: false,
            is_async: false,
            images: 0,
            credits: 0,
            start_ms,
            end_ms,
            wall_ms: end_ms - start_ms,
            total_ms: None,
            send_ms: None,
            ttfb_ms: None,
            body_ms: None,
            decode_ms: None,
            download_ms: None,
            submit_ms: None,
            wait_ms: None,
            polls: None,
            http_status: None,
            attempts: 0,
            request_id: None,
            error_kind: None,
            error: None,
            outputs: vec![],
        }
    }

    /// The sample of one target of a finished run.
    pub fn from_target(job: &Job, run: &RunView, t: &TargetView, start_ms: f64, end_ms: f64) -> Sample {
        let tm = t.timing.as_ref();
        Sample {
            run_id: Some(run.id.clone()),
            status: t.status.as_str().to_string(),
            ok: matches!(t.status, RunStatus::Done | RunStatus::Partial) && !t.outputs.is_empty(),
            is_async: t.is_async,
            images: t.outputs.len() as u32,
            credits: t.credits,
            total_ms: tm.map(|x| x.total_ms),
            send_ms: tm.and_then(|x| x.send_ms),
            ttfb_ms: tm.and_then(|x| x.ttfb_ms),
            body_ms: tm.and_then(|x| x.body_ms),
            decode_ms: tm.and_then(|x| x.decode_ms),
            download_ms: tm.and_then(|x| x.download_ms),
            submit_ms: tm.and_then(|x| x.submit_ms),
            wait_ms: tm.and_then(|x| x.wait_ms),
            polls: tm.and_then(|x| x.polls),
            http_status: t.http_status,
            attempts: t.attempts,
            request_id: t.request_id.clone(),
            error_kind: t.error.as_ref().map(|e| e.kind),
            error: t.error.as_ref().map(|e| e.message.clone()),
            outputs: t.outputs.iter().map(|o| o.sha256.clone()).collect(),
            ..Sample::blank(job, &run.prompt, &t.model_id, t.n, start_ms, end_ms)
        }
    }

    /// A job the engine did not start (or whose result could not be read).
    pub fn refused(job: &Job, spec: &RunSpec, err: UiError, start_ms: f64, end_ms: f64) -> Sample {
        let t = &spec.targets[0];
        Sample {
            status: "refused".into(),
            error_kind: Some(err.kind),
            error: Some(err.message),
            ..Sample::blank(job, &spec.prompt, &t.model_id, t.n, start_ms, end_ms)
        }
    }

    pub fn is_cancelled(&self) -> bool {
        self.status == "cancelled"
    }

    pub fn is_failed(&self) -> bool {
        !self.ok && !self.is_cancelled()
    }
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

/// Per-target figures from samples (warm-ups left out), in the order of `targets`.
pub fn target_stats(targets: &[BenchTarget], samples: &[Sample], credit_usd: f64) -> Vec<TargetStats> {
    targets
        .iter()
        .enumerate()
        .map(|(i, t)| {
            let mine: Vec<&Sample> = samples.iter().filter(|s| s.target_idx as usize == i && !s.warmup).collect();
            let ok: Vec<&Sample> = mine.iter().copied().filter(|s| s.ok).collect();
            let succeeded = ok.len() as u32;
            let cancelled = mine.iter().filter(|s| s.is_cancelled()).count() as u32;
            let failed = mine.iter().filter(|s| s.is_failed()).count() as u32;
            let count = succeeded + failed;
            let lat = sorted(ok.iter().filter_map(|s| s.total_ms));
            let ttfb = sorted(ok.iter().filter_map(|s| s.ttfb_ms));
            let wait = sorted(ok.iter().filter(|s| s.is_async).filter_map(|s| s.wait_ms));
            let images: u32 = mine.iter().map(|s| s.images).sum();
            let credits: i64 = mine.iter().map(|s| s.credits).sum();
            let span = match (
                mine.iter().map(|s| s.start_ms).min_by(f64::total_cmp),
                mine.iter().map(|s| s.end_ms).max_by(f64::total_cmp),
            ) {
                (Some(a), Some(b)) if b > a => Some(b - a),
                _ => None,
            };
            TargetStats {
                model: t.label(),
                n: t.n,
                count,
                succeeded,
                failed,
                cancelled,
                success_rate: (count > 0).then(|| succeeded as f64 / count as f64),
                images,
                credits,
                usd: round_usd(credits as f64 * credit_usd),
                min_ms: lat.first().copied(),
                p50_ms: percentile(&lat, 50.0),
                p90_ms: percentile(&lat, 90.0),
                p99_ms: percentile(&lat, 99.0),
                max_ms: lat.last().copied(),
                mean_ms: (!lat.is_empty()).then(|| lat.iter().sum::<f64>() / lat.len() as f64),
                ttfb_p50_ms: percentile(&ttfb, 50.0),
                ttfb_p90_ms: percentile(&ttfb, 90.0),
                ttfb_p99_ms: percentile(&ttfb, 99.0),
                queue_wait_p50_ms: percentile(&wait, 50.0),
                queue_wait_p90_ms: percentile(&wait, 90.0),
                queue_wait_p99_ms: percentile(&wait, 99.0),
                credits_per_image: (images > 0).then(|| credits as f64 / images as f64),
                usd_per_image: (images > 0).then(|| credits as f64 * credit_usd / images as f64),
                images_per_minute: span.filter(|_| images > 0).map(|ms| images as f64 * 60_000.0 / ms),
            }
        })
        .collect()
}

pub(super) fn round_usd(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_nearest_rank() {
        let v: Vec<f64> = (1..=100).map(|x| x as f64).collect();
        assert_eq!(percentile(&v, 50.0), Some(50.0));
        assert_eq!(percentile(&v, 90.0), Some(90.0));
        assert_eq!(percentile(&v, 99.0), Some(99.0));
        assert_eq!(percentile(&v, 100.0), Some(100.0));
        assert_eq!(percentile(&v, 0.0), Some(1.0));
        assert_eq!(percentile(&v, 99.9), Some(100.0));
        assert_eq!(percentile(&v, 0.5), Some(1.0));
        assert_eq!(percentile(&v, 1.0), Some(1.0));
        assert_eq!(percentile(&v, 1.01), Some(2.0));
        // 1..=1000: p99.9 = 999, p99 = 990
        let w: Vec<f64> = (1..=1000).map(|x| x as f64).collect();
        assert_eq!(percentile(&w, 99.9), Some(999.0));
        assert_eq!(percentile(&w, 99.0), Some(990.0));
        assert_eq!(percentile(&w, 50.0), Some(500.0));
        // odd count: the true median
        assert_eq!(percentile(&[1.0, 2.0, 3.0], 50.0), Some(2.0));
        // even count: the lower middle (nearest rank), never an average
        assert_eq!(percentile(&[1.0, 2.0, 3.0, 4.0], 50.0), Some(2.0));
        // one sample
        for p in [0.0, 50.0, 90.0, 99.0, 100.0] {
            assert_eq!(percentile(&[7.5], p), Some(7.5));
        }
        // empty
        assert_eq!(percentile(&[], 50.0), None);
        // a skewed distribution: 90 fast, 10 slow — p50 fast, p90 fast, p99 slow, mean misleading
        let mut skew = vec![10.0; 90];
        skew.extend(vec![1000.0; 10]);
        let skew = sorted(skew);
        assert_eq!(percentile(&skew, 50.0), Some(10.0));
        assert_eq!(percentile(&skew, 90.0), Some(10.0));
        assert_eq!(percentile(&skew, 91.0), Some(1000.0));
        assert_eq!(percentile(&skew, 99.0), Some(1000.0));
        // unsorted input is the caller's job; `sorted` does it
        assert_eq!(sorted([3.0, 1.0, 2.0]), vec![1.0, 2.0, 3.0]);
    }
}

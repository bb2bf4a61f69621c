use super::matrix::{BenchTarget, Job};
use crate::api::*;
pub use crate::api::{Sample, TargetStats};

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
            usd: 0.0,
            unpriced: 0,
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
            credits: t.cost.credits,
            usd: if t.cost.credits == 0 { t.cost.usd } else { 0.0 },
            unpriced: t.cost.unpriced,
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
    pub fn refused(job: &Job, spec: &Request, err: UiError, start_ms: f64, end_ms: f64) -> Sample {
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

/// A sample's cost in dollars: what its gateway billed in dollars, else its credits at
/// the catalog's rate.
pub fn sample_usd(s: &Sample, credit_usd: f64) -> f64 {
    if s.usd > 0.0 {
        s.usd
    } else {
        s.credits as f64 * credit_usd
    }
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
            let usd: f64 = mine.iter().map(|s| sample_usd(s, credit_usd)).sum();
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
                usd: round_usd(usd),
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

/// To the micro-dollar: a token charge (OpenAI's) is exact there.
pub(super) fn round_usd(x: f64) -> f64 {
    (x * 1_000_000.0).round() / 1_000_000.0
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

use std::path::{Path, PathBuf};

use super::history::Benchmarks;
use super::matrix::Matrix;
use super::plan::Preflight;
use super::stats::{round_usd, target_stats, Sample};
use crate::api::*;
pub use crate::api::{BenchReport, BenchStatus, FailureGroup};
use crate::error::{ui, CoreError, CoreResult};
use crate::store::now_rfc3339;

/// The `format` field of every report.
pub const REPORT_FORMAT: &str = "pixbench-bench/1";
/// How percentiles are computed, as the report says it.
pub const PERCENTILE_METHOD: &str = "nearest-rank";

/// The failed requests grouped by target and error kind, in order of first appearance.
pub fn failure_groups(samples: &[Sample]) -> Vec<FailureGroup> {
    let mut out: Vec<FailureGroup> = Vec::new();
    for f in samples.iter().filter(|s| s.is_failed()) {
        // A failure without an error of its own is one the app's stop cut short (or a bug).
        let kind =
            f.error_kind.unwrap_or(if f.status == "interrupted" { ErrorKind::Interrupted } else { ErrorKind::Unknown });
        match out.iter_mut().find(|g| g.model == f.model && g.kind == kind) {
            Some(g) => g.count += 1,
            None => out.push(FailureGroup {
                model: f.model.clone(),
                kind,
                message: f.error.clone().unwrap_or_default(),
                count: 1,
            }),
        }
    }
    out
}

/// What a report needs besides its samples.
#[derive(Debug, Clone)]
pub struct ReportMeta {
    pub matrix: Matrix,
    pub preflight: Option<Preflight>,
    pub started_at: String,
    pub status: BenchStatus,
    pub not_started: u32,
    pub stop_reason: Option<String>,
    pub elapsed_ms: f64,
}

impl BenchReport {
    pub fn build(b: &Benchmarks, meta: ReportMeta, mut samples: Vec<Sample>) -> BenchReport {
        let catalog = b.catalog.get();
        let profile = b.profiles.current().ok();
        samples.sort_by_key(|s| s.seq);
        let mut r = BenchReport::from_samples(meta, samples, catalog.credit_usd);
        if let Some(p) = profile {
            r.profile = p.name;
            r.base_url = p.base_url;
            r.simulated = p.is_sandbox;
        }
        r
    }

    /// The report of samples alone (no engine): every figure is computed from them.
    pub fn from_samples(meta: ReportMeta, samples: Vec<Sample>, credit_usd: f64) -> BenchReport {
        let count = |f: &dyn Fn(&Sample) -> bool| samples.iter().filter(|s| f(s)).count() as u32;
        let credits: i64 = samples.iter().map(|s| s.credits).sum();
        let unpriced: u32 = samples.iter().map(|s| s.unpriced).sum();
        let warmup_credits: i64 = samples.iter().filter(|s| s.warmup).map(|s| s.credits).sum();
        let measured: Vec<&Sample> = samples.iter().filter(|s| !s.warmup).collect();
        let measured_images: u32 = measured.iter().map(|s| s.images).sum();
        let span = match (
            measured.iter().map(|s| s.start_ms).min_by(f64::total_cmp),
            measured.iter().map(|s| s.end_ms).max_by(f64::total_cmp),
        ) {
            (Some(a), Some(b)) if b > a => Some(b - a),
            _ => None,
        };
        BenchReport {
            format: REPORT_FORMAT.into(),
            id: None,
            name: meta.matrix.name.clone(),
            status: meta.status,
            started_at: meta.started_at,
            finished_at: now_rfc3339(),
            profile: String::new(),
            base_url: String::new(),
            simulated: false,
            targets: target_stats(&meta.matrix.targets, &samples, credit_usd),
            matrix: meta.matrix,
            preflight: meta.preflight,
            requests: samples.len() as u32,
            succeeded: count(&|s| s.ok),
            failed: count(&|s| s.is_failed()),
            cancelled: count(&|s| s.is_cancelled()),
            not_started: meta.not_started,
            stop_reason: meta.stop_reason,
            warmup_requests: count(&|s| s.warmup),
            images: samples.iter().map(|s| s.images).sum(),
            credits,
            unpriced,
            warmup_credits,
            usd: round_usd(samples.iter().map(|s| super::stats::sample_usd(s, credit_usd)).sum()),
            credit_usd,
            elapsed_ms: meta.elapsed_ms,
            images_per_minute: span.filter(|_| measured_images > 0).map(|ms| measured_images as f64 * 60_000.0 / ms),
            percentile_method: PERCENTILE_METHOD.into(),
            failures: failure_groups(&samples),
            samples,
            metrics: None,
        }
    }

    /// True when every request succeeded and nothing was cancelled.
    pub fn all_fine(&self) -> bool {
        self.status == BenchStatus::Complete && self.failed == 0 && self.cancelled == 0
    }
}

/// The CSV header of [`write_csv`].
pub const CSV_COLUMNS: &[&str] = &[
    "seq",
    "warmup",
    "prompt_idx",
    "prompt",
    "target_idx",
    "model",
    "n",
    "repeat",
    "run_id",
    "status",
    "ok",
    "is_async",
    "images",
    "credits",
    "usd",
    "start_ms",
    "end_ms",
    "wall_ms",
    "total_ms",
    "send_ms",
    "ttfb_ms",
    "body_ms",
    "decode_ms",
    "download_ms",
    "submit_ms",
    "wait_ms",
    "polls",
    "http_status",
    "attempts",
    "request_id",
    "error_kind",
    "error",
    "outputs",
];

/// Every request's raw figures, one row each (`outputs` is a `;`-separated list of SHA-256),
/// then the metric columns ([`crate::metrics::bench::CSV_METRIC_COLUMNS`]: the request's first
/// image against the reference target's for the same prompt and repeat).
pub fn write_csv<W: std::io::Write>(report: &BenchReport, w: W) -> std::io::Result<()> {
    let mut out = csv::Writer::from_writer(w);
    out.write_record(CSV_COLUMNS.iter().chain(crate::metrics::bench::CSV_METRIC_COLUMNS))?;
    let f = |x: Option<f64>| x.map(|v| format!("{v:.3}")).unwrap_or_default();
    let o = |x: Option<String>| x.unwrap_or_default();
    for s in &report.samples {
        out.write_record(
            [
                s.seq.to_string(),
                s.warmup.to_string(),
                s.prompt_idx.to_string(),
                s.prompt.clone(),
                s.target_idx.to_string(),
                s.model.clone(),
                s.n.to_string(),
                s.repeat.to_string(),
                o(s.run_id.clone()),
                s.status.clone(),
                s.ok.to_string(),
                s.is_async.to_string(),
                s.images.to_string(),
                s.credits.to_string(),
                format!("{:.4}", s.credits as f64 * report.credit_usd),
                format!("{:.3}", s.start_ms),
                format!("{:.3}", s.end_ms),
                format!("{:.3}", s.wall_ms),
                f(s.total_ms),
                f(s.send_ms),
                f(s.ttfb_ms),
                f(s.body_ms),
                f(s.decode_ms),
                f(s.download_ms),
                f(s.submit_ms),
                f(s.wait_ms),
                s.polls.map(|p| p.to_string()).unwrap_or_default(),
                s.http_status.map(|p| p.to_string()).unwrap_or_default(),
                s.attempts.to_string(),
                o(s.request_id.clone()),
                o(s.error_kind.map(|k| k.as_str().to_string())),
                o(s.error.clone()),
                s.outputs.join(";"),
            ]
            .into_iter()
            .chain(crate::metrics::bench::csv_cells(report, s.seq)),
        )?;
    }
    out.flush()
}

/// The report as pretty JSON.
pub fn write_json<W: std::io::Write>(report: &BenchReport, w: W) -> std::io::Result<()> {
    serde_json::to_writer_pretty(w, report).map_err(std::io::Error::other)
}

/// Writes the report to `path`: CSV when it ends in `.csv`, else JSON.
pub fn write_report_file(report: &BenchReport, path: &Path) -> std::io::Result<()> {
    let mut buf = Vec::new();
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv")) {
        write_csv(report, &mut buf)?;
    } else {
        write_json(report, &mut buf)?;
        buf.push(b'\n');
    }
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    crate::blobs::write_atomic(path, &buf).map_err(|e| std::io::Error::other(e.to_string()))
}

/// Keeps a report with the history: the file `<data dir>/benchmarks/<time>-<name>.json`,
/// and a row in the history database (so the app lists benchmarks the CLI ran). A report
/// without an id gets one.
pub fn save_report(b: &Benchmarks, report: &BenchReport) -> CoreResult<PathBuf> {
    let dir = b.data_dir.join("benchmarks");
    let stamp: String = report.started_at.chars().filter(|c| c.is_ascii_digit()).take(14).collect();
    let slug = match crate::files::slug(report.name.as_deref().unwrap_or("bench"), 40) {
        s if s.is_empty() => "bench".to_string(),
        s => s,
    };
    let mut path = dir.join(format!("{stamp}-{slug}.json"));
    let mut i = 2;
    while path.exists() {
        path = dir.join(format!("{stamp}-{slug}-{i}.json"));
        i += 1;
    }
    let id = report.id.clone().unwrap_or_else(new_bench_id);
    let write = |r: &BenchReport| {
        write_report_file(r, &path)
            .map_err(|e| CoreError::Ui(ui(ErrorKind::Disk, format!("Could not save the report: {e}"))))
    };
    if report.id.is_some() {
        write(report)?;
    } else {
        write(&BenchReport { id: Some(id.clone()), ..report.clone() })?;
    }
    b.store.upsert_benchmark(&summary_of(report, &id, Some(&path)))?;
    Ok(path)
}

/// A new benchmark id (time-ordered).
pub fn new_bench_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// A finished report's row in history.
pub fn summary_of(report: &BenchReport, id: &str, path: Option<&Path>) -> BenchSummary {
    BenchSummary {
        id: id.to_string(),
        name: report.name.clone(),
        status: match report.status {
            BenchStatus::Complete => "complete".into(),
            BenchStatus::Cancelled => "cancelled".into(),
            BenchStatus::Stopped => "stopped".into(),
        },
        started_at: report.started_at.clone(),
        finished_at: Some(report.finished_at.clone()),
        profile: report.profile.clone(),
        simulated: report.simulated,
        requests: report.requests + report.not_started,
        succeeded: report.succeeded,
        failed: report.failed,
        cancelled: report.cancelled,
        credits: report.credits,
        usd: report.usd,
        targets: report.matrix.targets.iter().map(|t| t.model.clone()).collect(),
        elapsed_ms: Some(report.elapsed_ms),
        report_path: path.map(|p| p.display().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::{percentile, sorted, BenchPrompt, BenchTarget};

    fn sample(seq: u32, target: u32, warmup: bool, ok: bool, total: f64, credits: i64) -> Sample {
        Sample {
            seq,
            warmup,
            prompt_idx: 0,
            prompt: "p".into(),
            target_idx: target,
            model: format!("m{target}"),
            n: 1,
            repeat: 0,
            run_id: Some(format!("r{seq}")),
            status: if ok { "done".into() } else { "failed".into() },
            ok,
            is_async: false,
            images: ok as u32,
            credits,
            usd: 0.0,
            unpriced: 0,
            start_ms: seq as f64 * 10.0,
            end_ms: seq as f64 * 10.0 + total,
            wall_ms: total,
            total_ms: ok.then_some(total),
            send_ms: None,
            ttfb_ms: ok.then_some(total / 2.0),
            body_ms: None,
            decode_ms: None,
            download_ms: None,
            submit_ms: None,
            wait_ms: None,
            polls: None,
            http_status: Some(if ok { 200 } else { 500 }),
            attempts: 1,
            request_id: None,
            error_kind: (!ok).then_some(ErrorKind::ServerError),
            error: None,
            outputs: vec![],
        }
    }

    #[test]
    fn stats_and_cost_sums() {
        let targets = vec![
            BenchTarget { model: "m0".into(), n: 1, axes: vec![] },
            BenchTarget { model: "m1".into(), n: 1, axes: vec![] },
        ];
        let mut samples = vec![
            sample(0, 0, true, true, 500.0, 4), // warm-up: charged, not in stats
            sample(1, 1, true, true, 500.0, 6),
        ];
        for i in 0..100u32 {
            samples.push(sample(2 + i, 0, false, true, (i + 1) as f64, 4));
        }
        samples.push(sample(102, 1, false, true, 20.0, 6));
        samples.push(sample(103, 1, false, false, 0.0, 0));
        let mut cancelled = sample(104, 1, false, false, 0.0, 0);
        cancelled.status = "cancelled".into();
        samples.push(cancelled);

        let st = target_stats(&targets, &samples, 0.01);
        let a = &st[0];
        assert_eq!((a.count, a.succeeded, a.failed, a.cancelled), (100, 100, 0, 0));
        assert_eq!(
            (a.min_ms, a.p50_ms, a.p90_ms, a.p99_ms, a.max_ms),
            (Some(1.0), Some(50.0), Some(90.0), Some(99.0), Some(100.0))
        );
        assert_eq!(a.ttfb_p50_ms, Some(25.0));
        assert_eq!(a.mean_ms, Some(50.5));
        assert_eq!(a.credits, 400, "warm-up credits are not the target's");
        assert_eq!(a.images, 100);
        assert_eq!(a.credits_per_image, Some(4.0));
        assert!((a.usd_per_image.unwrap() - 0.04).abs() < 1e-12);
        assert_eq!(a.usd, 4.0);
        assert_eq!(a.queue_wait_p50_ms, None);
        assert!(a.images_per_minute.unwrap() > 0.0);
        let b = &st[1];
        assert_eq!((b.count, b.succeeded, b.failed, b.cancelled), (2, 1, 1, 1));
        assert_eq!(b.success_rate, Some(0.5));
        assert_eq!((b.p50_ms, b.p99_ms), (Some(20.0), Some(20.0)));
        assert_eq!(b.credits, 6);

        let matrix = Matrix::new(vec![BenchPrompt { text: "p".into(), images: vec![] }], targets);
        let meta = ReportMeta {
            matrix,
            preflight: None,
            started_at: "2026-01-01T00:00:00Z".into(),
            status: BenchStatus::Complete,
            not_started: 0,
            stop_reason: None,
            elapsed_ms: 1000.0,
        };
        let r = BenchReport::from_samples(meta, samples, 0.01);
        assert_eq!(r.requests, 105);
        assert_eq!((r.succeeded, r.failed, r.cancelled, r.warmup_requests), (103, 1, 1, 2));
        assert_eq!(r.credits, 4 + 6 + 400 + 6, "everything charged, warm-ups included");
        assert_eq!(r.warmup_credits, 10);
        assert_eq!(r.usd, 4.16);
        assert!(!r.all_fine());

        // JSON has the documented top-level keys; CSV one row per request.
        let json: serde_json::Value = serde_json::to_value(&r).unwrap();
        for k in ["requests", "succeeded", "failed", "credits", "targets", "samples"] {
            assert!(json.get(k).is_some(), "{k}");
        }
        for k in [
            "model",
            "count",
            "succeeded",
            "credits",
            "p50_ms",
            "p90_ms",
            "p99_ms",
            "min_ms",
            "max_ms",
            "credits_per_image",
            "usd_per_image",
            "images_per_minute",
            "ttfb_p50_ms",
            "queue_wait_p50_ms",
        ] {
            assert!(json["targets"][0].get(k).is_some(), "{k}");
        }
        let mut csv_bytes = Vec::new();
        write_csv(&r, &mut csv_bytes).unwrap();
        let text = String::from_utf8(csv_bytes).unwrap();
        let mut rdr = csv::Reader::from_reader(text.as_bytes());
        assert_eq!(rdr.headers().unwrap().len(), CSV_COLUMNS.len() + crate::metrics::bench::CSV_METRIC_COLUMNS.len());
        let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
        assert_eq!(rows.len(), 105);
        // recompute a p50 from the CSV: the same figure
        let idx = CSV_COLUMNS.iter().position(|c| *c == "total_ms").unwrap();
        let m0: Vec<f64> = sorted(
            rows.iter()
                .filter(|r| &r[5] == "m0" && &r[1] == "false" && &r[10] == "true")
                .map(|r| r[idx].parse::<f64>().unwrap()),
        );
        assert_eq!(percentile(&m0, 50.0), r.targets[0].p50_ms);
    }
}

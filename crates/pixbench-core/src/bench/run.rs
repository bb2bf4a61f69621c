use std::time::Instant;

use tokio_util::sync::CancellationToken;

use super::matrix::{BenchPrompt, BenchTarget, Job, Matrix};
use super::plan::{BenchPlan, Preflight};
use super::report::{BenchReport, BenchStatus, ReportMeta};
use super::stats::{percentile, Sample};
use crate::api::*;
pub use crate::api::{BenchProgress, TargetLive};
use std::sync::Arc;

use super::history::Benchmarks;
use crate::error::{ui, CoreError};
use crate::runs::{Runs, StartOptions};
use crate::store::now_rfc3339;

// ------------------------------------------------------------------------------------
// Running
// ------------------------------------------------------------------------------------

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Send even if a budget would be crossed.
    pub ignore_budget: bool,
    /// The benchmark's id: its runs are tagged with it, and so is the report.
    pub bench_id: Option<String>,
}

async fn run_job(
    runs: Arc<Runs>,
    job: Job,
    spec: Request,
    opts: StartOptions,
    t0: Instant,
    cancel: CancellationToken,
) -> Sample {
    let ms = |i: Instant| i.duration_since(t0).as_secs_f64() * 1000.0;
    let start = Instant::now();
    let refused = |spec: &Request, e: CoreError| {
        let end = Instant::now();
        Sample::refused(&job, spec, e.into(), ms(start), ms(end))
    };
    let run = match runs.start_with(spec.clone(), opts).await {
        Ok(r) => r,
        Err(e) => return refused(&spec, e),
    };
    let view = tokio::select! {
        v = runs.wait(&run.id) => v,
        _ = cancel.cancelled() => {
            runs.cancel(&run.id);
            runs.wait(&run.id).await
        }
    };
    let end = Instant::now();
    match view {
        Ok(v) => match v.targets.first() {
            Some(t) => Sample::from_target(&job, &v, t, ms(start), ms(end)),
            None => Sample::refused(&job, &spec, ui(ErrorKind::Store, "The run has no target."), ms(start), ms(end)),
        },
        Err(e) => refused(&spec, e),
    }
}

/// Runs a plan. Returns when every job finished, or soon after `cancel` fired (in-flight
/// runs are cancelled through the engine and kept as `cancelled`; jobs not started are
/// counted in `not_started`). `on_progress` is called at the start and after every
/// finished request.
pub async fn run<F>(
    b: &Benchmarks,
    plan: &BenchPlan,
    opts: &RunOptions,
    preflight: Option<Preflight>,
    cancel: &CancellationToken,
    mut on_progress: F,
) -> BenchReport
where
    F: FnMut(&BenchProgress),
{
    let started_at = now_rfc3339();
    let t0 = Instant::now();
    let m = &plan.matrix;
    let concurrency = m.concurrency.max(1) as usize;
    // Listed only now, once the pre-flight has held the count to the limit.
    let jobs = m.expand();
    let total = jobs.len() as u32;
    let mut samples: Vec<Sample> = Vec::with_capacity(jobs.len());
    let mut live: Vec<TargetLive> = m
        .targets
        .iter()
        .map(|t| TargetLive {
            model: t.label(),
            n: t.n,
            total: (m.prompts.len() as u32) * m.repeats,
            succeeded: 0,
            failed: 0,
            p50_ms: None,
            p90_ms: None,
        })
        .collect();
    let mut lat: Vec<Vec<f64>> = vec![Vec::new(); m.targets.len()];
    let mut in_flight = tokio::task::JoinSet::new();
    let mut running: std::collections::HashMap<tokio::task::Id, (Job, Request, f64)> = Default::default();
    let mut next = 0usize;
    let mut warmups_left = jobs.iter().filter(|j| j.warmup).count();

    let progress = |samples: &[Sample], live: &[TargetLive], in_flight: usize, warming: bool, last: Option<Sample>| {
        let done = samples.len() as u32;
        let elapsed_ms = t0.elapsed().as_secs_f64() * 1000.0;
        let remaining = total - done;
        BenchProgress {
            total,
            done,
            succeeded: samples.iter().filter(|s| s.ok).count() as u32,
            failed: samples.iter().filter(|s| s.is_failed()).count() as u32,
            cancelled: samples.iter().filter(|s| s.is_cancelled()).count() as u32,
            in_flight: in_flight as u32,
            remaining,
            warming_up: warming,
            elapsed_ms,
            eta_ms: (done > 0).then(|| elapsed_ms / done as f64 * remaining as f64),
            credits: samples.iter().map(|s| s.credits).sum(),
            targets: live.to_vec(),
            last,
        }
    };
    on_progress(&progress(&samples, &live, 0, warmups_left > 0, None));
    let mut stop_reason: Option<String> = None;

    loop {
        // Start what may start; a measured job only once every warm-up has finished.
        while !cancel.is_cancelled() && stop_reason.is_none() && in_flight.len() < concurrency && next < jobs.len() {
            let job = jobs[next];
            if !job.warmup && warmups_left > 0 {
                break;
            }
            let spec = plan.request(&job);
            let start = StartOptions { allow_over_budget: opts.ignore_budget, bench_id: opts.bench_id.clone() };
            let at = t0.elapsed().as_secs_f64() * 1000.0;
            let h = in_flight.spawn(run_job(b.runs.clone(), job, spec.clone(), start, t0, cancel.clone()));
            running.insert(h.id(), (job, spec, at));
            next += 1;
        }
        let Some(joined) = in_flight.join_next_with_id().await else { break };
        let sample = match joined {
            Ok((id, s)) => {
                running.remove(&id);
                s
            }
            Err(e) => {
                // A job that panicked: kept as a failed request rather than lost.
                let Some((job, spec, at)) = running.remove(&e.id()) else { continue };
                let now = t0.elapsed().as_secs_f64() * 1000.0;
                Sample::refused(
                    &job,
                    &spec,
                    ui(ErrorKind::Internal, format!("The benchmark job ended abnormally: {e}")),
                    at,
                    now,
                )
            }
        };
        if sample.warmup {
            warmups_left = warmups_left.saturating_sub(1);
        } else {
            let l = &mut live[sample.target_idx as usize];
            if sample.ok {
                l.succeeded += 1;
                if let Some(ms) = sample.total_ms {
                    let v = &mut lat[sample.target_idx as usize];
                    let pos = v.partition_point(|x| *x < ms);
                    v.insert(pos, ms);
                    l.p50_ms = percentile(v, 50.0);
                    l.p90_ms = percentile(v, 90.0);
                }
            } else if sample.is_failed() {
                l.failed += 1;
            }
        }
        if stop_reason.is_none() && sample.is_failed() && sample.error_kind.is_some_and(ErrorKind::stops_a_benchmark) {
            let left = jobs.len() - next;
            stop_reason = Some(format!(
                "Stopped: {} The other {left} requests would fail the same way, so they were not sent.",
                sample.error.as_deref().unwrap_or("a request was refused.")
            ));
        }
        samples.push(sample.clone());
        on_progress(&progress(
            &samples,
            &live,
            in_flight.len(),
            warmups_left > 0 && !cancel.is_cancelled(),
            Some(sample),
        ));
    }

    let not_started = (jobs.len() - next) as u32;
    let status = if cancel.is_cancelled() && (not_started > 0 || samples.iter().any(|s| s.is_cancelled())) {
        BenchStatus::Cancelled
    } else if stop_reason.is_some() {
        BenchStatus::Stopped
    } else {
        BenchStatus::Complete
    };
    let meta = ReportMeta {
        matrix: m.clone(),
        preflight,
        started_at,
        status,
        not_started,
        stop_reason,
        elapsed_ms: t0.elapsed().as_secs_f64() * 1000.0,
    };
    let mut report = BenchReport::build(b, meta, samples);
    report.id = opts.bench_id.clone();
    report.metrics = b.metrics.bench(&report).await;
    report
}

/// A report of one finished run (the CLI's `run` and `compare`): each target one sample.
pub fn report_of_run(b: &Benchmarks, run: &RunView, elapsed_ms: f64, started_at: String) -> BenchReport {
    report_of_runs(b, std::slice::from_ref(run), elapsed_ms, started_at)
}

/// One report of several runs (a folder of saved requests): each run is a prompt of the
/// report, and its targets follow the previous run's.
pub fn report_of_runs(b: &Benchmarks, runs: &[RunView], elapsed_ms: f64, started_at: String) -> BenchReport {
    let prompts = runs
        .iter()
        .map(|run| BenchPrompt {
            text: run.prompt.clone(),
            images: run.references.iter().map(|r| b.blobs.image_path(&r.sha256)).collect(),
        })
        .collect();
    let targets: Vec<BenchTarget> = runs
        .iter()
        .flat_map(|run| {
            run.targets.iter().map(|t| BenchTarget { model: t.model_id.clone(), n: t.n, axes: t.axes.clone() })
        })
        .collect();
    let mut matrix = Matrix::new(prompts, targets);
    matrix.concurrency = runs.iter().map(|r| r.targets.len()).max().unwrap_or(1).max(1) as u32;
    if let Some(first) = runs.first() {
        matrix.mode = first.mode;
        matrix.aspect_ratio = first.aspect_ratio.clone();
        matrix.response_format = first.response_format;
    }
    let mut samples = Vec::new();
    let mut offset = 0;
    for (p, run) in runs.iter().enumerate() {
        for t in &run.targets {
            let job =
                Job { seq: offset + t.idx, prompt_idx: p as u32, target_idx: offset + t.idx, repeat: 0, warmup: false };
            let total = t.timing.as_ref().map(|x| x.total_ms).unwrap_or(elapsed_ms);
            samples.push(Sample::from_target(&job, run, t, 0.0, total));
        }
        offset += run.targets.len() as u32;
    }
    let cancelled = |run: &RunView| {
        run.status == RunStatus::Cancelled || run.targets.iter().any(|t| t.status == RunStatus::Cancelled)
    };
    let status = if runs.iter().any(cancelled) { BenchStatus::Cancelled } else { BenchStatus::Complete };
    let meta =
        ReportMeta { matrix, preflight: None, started_at, status, not_started: 0, stop_reason: None, elapsed_ms };
    BenchReport::build(b, meta, samples)
}

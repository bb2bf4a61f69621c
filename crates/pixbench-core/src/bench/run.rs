use std::time::Instant;

use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use super::matrix::{BenchPrompt, BenchTarget, Job, Matrix};
use super::plan::{BenchPlan, Preflight};
use super::report::{BenchReport, BenchStatus, ReportMeta};
use super::stats::{percentile, Sample};
use crate::api::*;
use crate::engine::Engine;
use crate::error::{ui, CoreError};
use crate::store::now_rfc3339;

// ------------------------------------------------------------------------------------
// Running
// ------------------------------------------------------------------------------------

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

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Send even if a budget would be crossed.
    pub ignore_budget: bool,
    /// The benchmark's id: its runs are tagged with it, and so is the report.
    pub bench_id: Option<String>,
}

async fn run_job(engine: Engine, job: Job, spec: RunSpec, t0: Instant, cancel: CancellationToken) -> Sample {
    let ms = |i: Instant| i.duration_since(t0).as_secs_f64() * 1000.0;
    let start = Instant::now();
    let refused = |spec: &RunSpec, e: CoreError| {
        let end = Instant::now();
        Sample::refused(&job, spec, e.into(), ms(start), ms(end))
    };
    let run = match engine.run_start(spec.clone()).await {
        Ok(r) => r,
        Err(e) => return refused(&spec, e),
    };
    let view = tokio::select! {
        v = engine.wait_run(&run.id) => v,
        _ = cancel.cancelled() => {
            engine.run_cancel(&run.id);
            engine.wait_run(&run.id).await
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
    engine: &Engine,
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
    let total = plan.jobs.len() as u32;
    let mut samples: Vec<Sample> = Vec::with_capacity(plan.jobs.len());
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
    let mut running: std::collections::HashMap<tokio::task::Id, (Job, RunSpec, f64)> = Default::default();
    let mut next = 0usize;
    let mut warmups_left = m.warmup_jobs().min(plan.jobs.iter().filter(|j| j.warmup).count());

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
        while !cancel.is_cancelled() && stop_reason.is_none() && in_flight.len() < concurrency && next < plan.jobs.len()
        {
            let job = plan.jobs[next];
            if !job.warmup && warmups_left > 0 {
                break;
            }
            let mut spec = plan.spec(&job);
            spec.ignore_budget = opts.ignore_budget;
            spec.bench_id = opts.bench_id.clone();
            let at = t0.elapsed().as_secs_f64() * 1000.0;
            let h = in_flight.spawn(run_job(engine.clone(), job, spec.clone(), t0, cancel.clone()));
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
            let left = plan.jobs.len() - next;
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

    let not_started = (plan.jobs.len() - next) as u32;
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
    let mut report = BenchReport::build(engine, meta, samples);
    report.id = opts.bench_id.clone();
    report.metrics = engine.bench_metrics(&report).await;
    report
}

/// A report of one finished run (the CLI's `run` and `compare`): each target one sample.
pub fn report_of_run(engine: &Engine, run: &RunView, elapsed_ms: f64, started_at: String) -> BenchReport {
    let prompts = vec![BenchPrompt {
        text: run.prompt.clone(),
        images: run.references.iter().map(|r| engine.blobs().image_path(&r.sha256)).collect(),
    }];
    let targets: Vec<BenchTarget> =
        run.targets.iter().map(|t| BenchTarget { model: t.model_id.clone(), n: t.n, axes: t.axes.clone() }).collect();
    let mut matrix = Matrix::new(prompts, targets);
    matrix.concurrency = run.targets.len().max(1) as u32;
    matrix.mode = run.sync_mode;
    matrix.aspect_ratio = run.aspect_ratio.clone();
    matrix.response_format = run.response_format;
    let samples = run
        .targets
        .iter()
        .map(|t| {
            let job = Job { seq: t.idx, prompt_idx: 0, target_idx: t.idx, repeat: 0, warmup: false };
            let total = t.timing.as_ref().map(|x| x.total_ms).unwrap_or(elapsed_ms);
            Sample::from_target(&job, run, t, 0.0, total)
        })
        .collect();
    let status = if run.status == RunStatus::Cancelled || run.targets.iter().any(|t| t.status == RunStatus::Cancelled) {
        BenchStatus::Cancelled
    } else {
        BenchStatus::Complete
    };
    let meta =
        ReportMeta { matrix, preflight: None, started_at, status, not_started: 0, stop_reason: None, elapsed_ms };
    BenchReport::build(engine, meta, samples)
}

//! Benchmarks as the app runs them (`Engine::bench_*`), against the in-process Sandbox (a
//! real pixapi-sim over loopback): background run with progress events, history, exports,
//! cancel, budgets, and a stop mid-benchmark.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::common::*;
use pixbench_core::api::*;
use pixbench_core::secrets::MemoryStore;
use pixbench_core::{Engine, EngineConfig, EngineEvent};

const F512: &str = "gemini-3.1-flash-image-preview-512";
const F1K: &str = "gemini-3.1-flash-image-preview";

type Events = Arc<Mutex<Vec<EngineEvent>>>;

async fn engine_recording(dir: &std::path::Path, max_concurrency: usize) -> (Engine, Events) {
    let events: Events = Arc::default();
    let sink = events.clone();
    let mut cfg = EngineConfig::new(dir, Arc::new(MemoryStore::default()));
    cfg.max_concurrency = max_concurrency;
    cfg.events = Arc::new(move |e| sink.lock().unwrap().push(e));
    (Engine::open(cfg).await.unwrap(), events)
}

fn input(prompts: &[&str], targets: &[(&str, u32)], repeats: u32, concurrency: u32) -> BenchInput {
    BenchInput {
        name: Some("fox vs car".into()),
        prompts: prompts.iter().map(|p| BenchPromptInput { text: p.to_string(), images: vec![] }).collect(),
        references: vec![],
        targets: targets
            .iter()
            .map(|(m, n)| TargetSpec { model_id: m.to_string(), n: *n, size: None, ..Default::default() })
            .collect(),
        repeats,
        concurrency,
        warmup: 0,
        sync_mode: SyncMode::Auto,
        aspect_ratio: None,
        response_format: ResponseFormatChoice::B64Json,
        budget: None,
        ignore_budget: false,
    }
}

fn progress_of(events: &Events, id: &str) -> Vec<pixbench_core::bench::BenchProgress> {
    events
        .lock()
        .unwrap()
        .iter()
        .filter_map(|e| match e {
            EngineEvent::BenchProgress(p) if p.id == id => Some(p.progress.clone()),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_benchmark_runs_in_the_background_reports_progress_and_is_kept_in_history() {
    let dir = tempfile::tempdir().unwrap();
    let (e, events) = engine_recording(dir.path(), 4).await;
    let started = e
        .benchmarks
        .start(input(&["a red fox in snow", "a blue vintage car"], &[(F512, 1), (F1K, 1)], 2, 4))
        .await
        .unwrap();
    assert_eq!(started.status, "running");
    assert_eq!(started.requests, 8);
    assert_eq!(e.benchmarks.list().unwrap()[0].status, "running", "listed while it runs");

    let view = e.benchmarks.wait(&started.id).await.unwrap();
    let report = view.report.expect("a finished benchmark has its report");
    assert_eq!(view.summary.status, "complete");
    assert_eq!((report.requests, report.succeeded, report.failed), (8, 8, 0));
    assert_eq!(report.id.as_deref(), Some(started.id.as_str()));
    // 4 requests of each target, one image each: what the catalog says, what the sim charged.
    let charged = sim_state(&e.sandbox_url()).await["charged"].as_i64().unwrap();
    assert_eq!(report.credits, charged);
    let cat = e.catalog.get();
    assert_eq!(report.credits, 4 * cat.get(F512).unwrap().credits + 4 * cat.get(F1K).unwrap().credits);
    assert_eq!(view.summary.credits, report.credits);
    assert_eq!(report.targets.len(), 2);
    assert!(report.targets.iter().all(|t| t.count == 4 && t.p50_ms.is_some() && t.p99_ms >= t.p50_ms));
    assert_eq!(view.image_base, "pxb://localhost");

    // Progress: the first event says nothing is done, the last that all 8 are.
    let progress = progress_of(&events, &started.id);
    assert!(!progress.is_empty());
    assert_eq!(progress.last().unwrap().done, 8);
    assert_eq!(progress.last().unwrap().remaining, 0);
    assert!(events
        .lock()
        .unwrap()
        .iter()
        .any(|ev| matches!(ev, EngineEvent::BenchUpdated(s) if s.id == started.id && s.status == "complete")));

    // Its runs are not sent one by one to the UI, and stay out of the history list unless asked.
    assert!(!events.lock().unwrap().iter().any(|ev| matches!(ev, EngineEvent::RunUpdated(_))));
    let filter = HistoryFilter::default();
    assert!(e.runs.history(&filter).unwrap().is_empty());
    let all = e.runs.history(&HistoryFilter { include_bench_runs: Some(true), ..filter }).unwrap();
    assert_eq!(all.len(), 8);

    // Every request is a run in history, tagged with the benchmark, its images on disk.
    for s in &report.samples {
        let run = e.runs.get(s.run_id.as_deref().unwrap()).unwrap();
        assert_eq!(run.targets[0].outputs.len(), 1);
        let row = e.store().run_row(&run.id).unwrap();
        assert_eq!(row.spec.bench_id.as_deref(), Some(started.id.as_str()));
        assert_eq!(run.bench_id.as_deref(), Some(started.id.as_str()));
        assert!(e.blobs().image_path(&s.outputs[0]).exists());
    }

    // Exports: one CSV row per request; JSON is the same report.
    let csv = std::fs::read_to_string(e.benchmarks.export(&started.id, ExportFormat::Csv, None).unwrap()).unwrap();
    assert_eq!(csv.lines().count(), 1 + 8);
    let json: serde_json::Value = serde_json::from_slice(
        &std::fs::read(e.benchmarks.export(&started.id, ExportFormat::Json, None).unwrap()).unwrap(),
    )
    .unwrap();
    assert_eq!(json["credits"].as_i64(), Some(report.credits));
    assert_eq!(json["targets"].as_array().unwrap().len(), 2);
    // An unknown format is refused where it would come in: the command's argument.
    assert!(serde_json::from_str::<ExportFormat>("\"xml\"").is_err());

    // A restart lists it with its report; deleting it keeps its runs.
    drop(e);
    let e = engine(dir.path()).await;
    let again = e.benchmarks.get(&started.id).unwrap();
    assert_eq!(again.summary.status, "complete");
    assert_eq!(again.report.unwrap().samples.len(), 8);
    e.benchmarks.delete(&started.id).unwrap();
    assert!(e.benchmarks.list().unwrap().is_empty());
    assert!(e.runs.get(report.samples[0].run_id.as_deref().unwrap()).is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_benchmark_s_concurrency_is_its_own_not_the_comparison_limit() {
    let dir = tempfile::tempdir().unwrap();
    let (e, _) = engine_recording(dir.path(), 1).await;
    let base = e.sandbox_url();
    inject(&base, serde_json::json!({"kind": "slow", "delay_ms": 600, "count": 4})).await;
    let started = e.benchmarks.start(input(&["a", "b", "c", "d"], &[(F512, 1)], 1, 4)).await.unwrap();
    let mut peak = 0;
    for _ in 0..40 {
        peak = peak.max(sim_state(&base).await["in_flight"].as_u64().unwrap());
        tokio::time::sleep(Duration::from_millis(15)).await;
    }
    let view = e.benchmarks.wait(&started.id).await.unwrap();
    assert_eq!(view.report.unwrap().succeeded, 4);
    assert!(peak >= 3, "4 requests allowed in flight, the sim saw at most {peak}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_cleanly_and_keeps_what_finished() {
    let dir = tempfile::tempdir().unwrap();
    let (e, events) = engine_recording(dir.path(), 4).await;
    let base = e.sandbox_url();
    let started = e.benchmarks.start(input(&["a red fox in snow"], &[(F512, 1)], 40, 1)).await.unwrap();
    // Let a few finish, then slow the server down and cancel.
    while progress_of(&events, &started.id).last().map(|p| p.done).unwrap_or(0) < 2 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    inject(&base, serde_json::json!({"kind": "slow", "delay_ms": 5000, "count": 100})).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    e.benchmarks.cancel(&started.id);
    let view = tokio::time::timeout(Duration::from_secs(10), e.benchmarks.wait(&started.id))
        .await
        .expect("cancel is prompt")
        .unwrap();
    let report = view.report.unwrap();
    assert_eq!(view.summary.status, "cancelled");
    assert!(report.succeeded >= 2);
    assert!(report.not_started > 0);
    assert_eq!(report.requests + report.not_started, 40);
    assert_eq!(
        report.credits,
        sim_state(&base).await["charged"].as_i64().unwrap(),
        "what was charged is in the report"
    );
    assert_eq!(view.summary.requests, 40);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_latest_progress_is_sent_even_when_nothing_follows_it() {
    let dir = tempfile::tempdir().unwrap();
    let (e, events) = engine_recording(dir.path(), 4).await;
    let base = e.sandbox_url();
    // Two requests answer together (within the 100 ms between progress events); the third
    // hangs, so no later progress would carry the second answer along.
    inject(&base, serde_json::json!({"kind": "slow", "delay_ms": 300, "count": 2, "path": "/v1/images/"})).await;
    inject(&base, serde_json::json!({"kind": "hang", "count": 10, "path": "/v1/images/"})).await;
    let started = e.benchmarks.start(input(&["a red fox in snow"], &[(F512, 1)], 3, 2)).await.unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while progress_of(&events, &started.id).last().map(|p| p.done).unwrap_or(0) < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the progress stayed at {:?} done while the Sandbox had answered {}",
            progress_of(&events, &started.id).last().map(|p| p.done),
            sim_state(&base).await["images_served"]
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    e.benchmarks.cancel(&started.id);
    let view = e.benchmarks.wait(&started.id).await.unwrap();
    assert_eq!(view.summary.status, "cancelled");
    assert_eq!(view.report.unwrap().succeeded, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_budget_stops_a_benchmark_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    e.sessions.set_budget(Some(10)).unwrap();
    let inp = input(&["a", "b"], &[(F1K, 1)], 2, 2); // 4 x 4 credits
    let pre = e.benchmarks.preflight(&inp).unwrap();
    assert_eq!(pre.credits, 16);
    assert!(pre.over_budget);
    let err: UiError = e.benchmarks.start(inp.clone()).await.unwrap_err().into();
    assert_eq!(err.kind, ErrorKind::OverBudget);
    assert!(err.message.contains("16 credits"), "{}", err.message);
    assert_eq!(sim_state(&e.sandbox_url()).await["requests"].as_u64().unwrap(), 0);
    assert!(e.benchmarks.list().unwrap().is_empty());

    // The matrix's own budget too.
    e.sessions.set_budget(None).unwrap();
    let err: UiError = e.benchmarks.start(BenchInput { budget: Some(8), ..inp.clone() }).await.unwrap_err().into();
    assert!(err.message.contains("matrix's budget of 8"), "{}", err.message);

    // "Start anyway".
    let s = e.benchmarks.start(BenchInput { budget: Some(8), ignore_budget: true, ..inp }).await.unwrap();
    assert_eq!(e.benchmarks.wait(&s.id).await.unwrap().report.unwrap().credits, 16);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_benchmark_past_the_limit_on_requests_is_refused_by_its_count() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    // 3 prompts x 2 targets x 20 repeats = 120 requests, over the default 64.
    let inp = input(&["a", "b", "c"], &[(F512, 1), (F1K, 1)], 20, 2);
    let pre = e.benchmarks.preflight(&inp).unwrap();
    assert_eq!(pre.requests, 120);
    assert_eq!(pre.credits, 3 * 20 * (4 + 4), "the cost is summed without listing the requests");
    assert_eq!(pre.targets.iter().map(|t| t.requests).collect::<Vec<_>>(), [60, 60]);
    assert!(
        pre.problems.iter().any(|p| p.contains("This makes 120 requests, more than your limit of 64")),
        "{:?}",
        pre.problems
    );
    let err: UiError = e.benchmarks.start(inp.clone()).await.unwrap_err().into();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert_eq!(sim_state(&e.sandbox_url()).await["requests"].as_u64().unwrap(), 0, "nothing was sent");

    // A matrix of ten million requests is counted, not listed, and refused the same way.
    let huge = input(&["a", "b"], &[(F512, 1), (F1K, 1)], 100_000, 2);
    let pre = e.benchmarks.preflight(&BenchInput { warmup: 50, ..huge }).unwrap();
    assert_eq!(pre.requests, 2 * 2 * 100_000 + 50 * 2);
    assert!(pre.problems.iter().any(|p| p.contains("more than your limit of 64")));

    // The same limit as a run's, raised for this process only (the CLI's --max-requests).
    e.settings.set_max_requests_for_now(120).unwrap();
    assert!(e.benchmarks.preflight(&inp).unwrap().problems.is_empty());
    assert_eq!(e.settings.get().unwrap().max_requests, Some(120));
    assert_eq!(e.store().setting("max_sweep_requests").unwrap(), None, "the override is not stored");
    assert!(e.settings.set_max_requests_for_now(0).is_err());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_forms_are_refused_with_what_to_fix() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let msg = |i: BenchInput| UiError::from(e.benchmarks.preflight(&i).unwrap_err()).message;
    assert!(msg(input(&[" "], &[(F1K, 1)], 1, 1)).contains("at least one prompt"));
    assert!(msg(input(&["a"], &[], 1, 1)).contains("at least one target"));
    assert!(msg(input(&["a"], &[("no-such-model", 1)], 1, 1)).contains("not in the catalog"));
    let m = msg(input(&["a"], &[(F1K, 1)], 0, 1));
    assert!(m.contains("Repeats"), "{m}");
    let m = msg(input(&["a"], &[(F1K, 1)], 1, 0));
    assert!(m.contains("Concurrency"), "{m}");
    assert!(msg(input(&["a"], &[(F1K, 99)], 1, 1)).contains("n must be"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_composer_s_references_make_every_request_an_edit() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let r = e.references.add_bytes("red.png", png_bytes(64, 64, [200, 30, 30])).unwrap();
    let s = e
        .benchmarks
        .start(BenchInput { references: vec![r.sha256.clone()], ..input(&["make it a poster"], &[(F512, 1)], 2, 2) })
        .await
        .unwrap();
    let report = e.benchmarks.wait(&s.id).await.unwrap().report.unwrap();
    assert_eq!(report.succeeded, 2);
    for smp in &report.samples {
        let run = e.runs.get(smp.run_id.as_deref().unwrap()).unwrap();
        assert_eq!(run.kind, RunKind::Edit);
        assert_eq!(run.references[0].sha256, r.sha256);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_benchmark_cut_off_by_a_stop_is_marked_interrupted() {
    let dir = tempfile::tempdir().unwrap();
    let id;
    {
        let e = engine(dir.path()).await;
        inject(&e.sandbox_url(), serde_json::json!({"kind": "slow", "delay_ms": 5000, "count": 10})).await;
        id = e.benchmarks.start(input(&["a"], &[(F512, 1)], 4, 1)).await.unwrap().id;
        tokio::time::sleep(Duration::from_millis(100)).await;
        // Dropped here, mid-benchmark, as a crash would leave it.
    }
    let e = engine(dir.path()).await;
    let v = e.benchmarks.get(&id).unwrap();
    assert_eq!(v.summary.status, "interrupted");
    assert!(v.summary.finished_at.is_some());
    assert!(v.report.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matrix_file_fills_the_form_and_runs_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let ref_png = dir.path().join("ref.png");
    std::fs::write(&ref_png, png_bytes(32, 32, [10, 200, 10])).unwrap();
    let matrix = dir.path().join("m.toml");
    std::fs::write(
        &matrix,
        format!(
            "name = \"from a file\"\nprompts = [\"a red fox in snow\"]\ntargets = [\"{F512}\", \"{F1K}:2\"]\nrepeats = 2\nconcurrency = 3\nwarmup = 1\nbudget = 100\n\n[[prompt]]\ntext = \"make it a poster\"\nimages = [\"ref.png\"]\n"
        ),
    )
    .unwrap();
    let input = e.benchmarks.input_from_matrix(&matrix).unwrap();
    assert_eq!(input.name.as_deref(), Some("from a file"));
    assert_eq!(input.prompts.len(), 2);
    assert!(input.prompts[0].images.is_empty());
    assert_eq!(input.prompts[1].images, vec![ref_png.display().to_string()]);
    assert_eq!(input.targets.iter().map(|t| (t.model_id.as_str(), t.n)).collect::<Vec<_>>(), vec![(F512, 1), (F1K, 2)]);
    assert_eq!((input.repeats, input.concurrency, input.warmup, input.budget), (2, 3, 1, Some(100)));
    // The form runs what the file says: 2 prompts x 2 targets x 2 repeats + 1 warm-up per target.
    let pre = e.benchmarks.preflight(&input).unwrap();
    assert_eq!((pre.requests, pre.warmup_requests), (10, 2));

    // A bad file names its line and field.
    std::fs::write(&matrix, "prompts = [\"a\"]\ntargets = [\"no-such-model\"]\n").unwrap();
    let err: UiError = e.benchmarks.input_from_matrix(&matrix).unwrap_err().into();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(err.message.contains("line 2") && err.message.contains("targets"), "{}", err.message);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matrix_with_a_sweep_runs_in_the_app_as_the_cli_runs_it() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let matrix = dir.path().join("m.toml");
    let text = "prompts = [\"a poster\\nwith two lines\"]\ntargets = [\"gpt-image-2\"]\n\n[sweep]\nquality = [\"low\", \"high\"]\n";
    std::fs::write(&matrix, text).unwrap();
    let input = e.benchmarks.input_from_matrix(&matrix).unwrap();
    let cli = pixbench_core::bench::Matrix::load(&matrix, &e.catalog.get()).unwrap();
    // Two targets of one model, each with what it sends; the prompt whole.
    assert_eq!(input.targets.len(), 2);
    let quality: Vec<&str> = input.targets.iter().map(|t| t.axes[0].value.as_str()).collect();
    assert_eq!(quality, ["low", "high"]);
    assert_eq!(input.prompts[0].text, "a poster\nwith two lines");
    let pre = e.benchmarks.preflight(&input).unwrap();
    assert_eq!(pre.requests as u64, cli.measured_jobs());
    // Priced as swept (low and high at 1K), not twice at the default (auto bills as high).
    let per: Vec<i64> = pre.targets.iter().map(|t| t.per_image.credits).collect();
    assert_eq!(per, [1, 14], "{per:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_key_stops_the_benchmark_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let base = e.sandbox_url();
    inject(&base, serde_json::json!({"kind": "status", "status": 401, "count": 1000})).await;
    let s = e.benchmarks.start(input(&["a", "b"], &[(F1K, 1)], 5, 4)).await.unwrap();
    let view = e.benchmarks.wait(&s.id).await.unwrap();
    let report = view.report.unwrap();
    assert_eq!(view.summary.status, "stopped");
    // At most the requests already in flight when the first 401 came back were sent.
    assert!(report.requests <= 4, "sent {} of 10", report.requests);
    assert_eq!(report.requests + report.not_started, 10);
    assert_eq!(report.failed, report.requests);
    let why = report.stop_reason.as_deref().unwrap();
    assert!(why.contains("rejected (401)") && why.contains("were not sent"), "{why}");
    // The failures, grouped: every one is a 401, with the sentence for a person.
    assert_eq!(report.failures.iter().map(|g| g.count).sum::<u32>(), report.failed);
    assert!(report.failures.iter().all(|g| g.kind == ErrorKind::Unauthorized && g.message.contains("rejected (401)")));
    assert_eq!(sim_state(&base).await["charged"].as_i64(), Some(0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_failing_halfway_fails_those_requests_only_and_groups_them() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let base = e.sandbox_url();
    // Six 500s: with 3 attempts a request, the first two requests fail; the rest succeed.
    inject(&base, serde_json::json!({"kind": "status", "status": 500, "count": 6})).await;
    let s = e.benchmarks.start(input(&["a"], &[(F512, 1)], 6, 1)).await.unwrap();
    let report = e.benchmarks.wait(&s.id).await.unwrap().report.unwrap();
    assert_eq!(report.status, pixbench_core::bench::BenchStatus::Complete, "a 500 does not stop a benchmark");
    assert_eq!(report.requests, 6);
    assert_eq!((report.succeeded, report.failed), (4, 2));
    assert_eq!(report.failures.iter().map(|g| g.count).sum::<u32>(), report.failed);
    assert!(report.failures.iter().all(|g| g.kind == ErrorKind::ServerError));
    assert_eq!(report.credits, sim_state(&base).await["charged"].as_i64().unwrap());
}

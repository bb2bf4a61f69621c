//! The engine end to end against its in-process Sandbox (a real pixapi-sim over loopback):
//! runs, comparisons, failures isolated per target, cancellation, budgets, the ledger
//! against what the server charged, history and exports.

use std::time::{Duration, Instant};

use crate::common::*;
use pixbench_core::api::*;

#[tokio::test]
async fn a_1k_run_saves_a_1024px_image_and_charges_once() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let before = sim_state(&e.sandbox_url()).await;
    let run = e.runs.start(spec("a red fox in snow", &[("gemini-3.1-flash-image-preview", 1)]), false).await.unwrap();
    assert_eq!(run.status, RunStatus::Running);
    // stored before it is sent
    assert_eq!(e.runs.history(&HistoryFilter::default()).unwrap().len(), 1);
    let done = e.runs.wait(&run.id).await.unwrap();
    assert_eq!(done.status, RunStatus::Done, "{:?}", done.targets[0].error);
    let t = &done.targets[0];
    assert_eq!(t.outputs.len(), 1);
    assert_eq!((t.outputs[0].width, t.outputs[0].height), (1024, 1024));
    assert!(t.outputs[0].thumb_url.starts_with("pxb://localhost/thumb/"));
    let bytes = e.blobs().get(&t.outputs[0].sha256).unwrap();
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 1024);
    assert!(e.blobs().thumb_path(&t.outputs[0].sha256).exists(), "thumbnail made in the background");
    let timing = t.timing.as_ref().unwrap();
    assert!(timing.total_ms > 0.0 && timing.ttfb_ms.unwrap() <= timing.total_ms);
    let after = sim_state(&e.sandbox_url()).await;
    let charged = after["charged"].as_i64().unwrap() - before["charged"].as_i64().unwrap();
    assert_eq!(charged, 4);
    let s = e.sessions.current().unwrap();
    assert!(s.simulated);
    assert_eq!(s.spent.credits, 4);
    assert_eq!(s.simulated_spent.credits, 4);
    assert_eq!(s.real_spent.credits, 0);
    assert_eq!(done.cost.credits, 4);
}

#[tokio::test]
async fn four_variant_comparison_runs_concurrently_with_true_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let targets: Vec<(&str, u32)> = FLASH.iter().map(|m| (*m, 1)).collect();
    let est = e.runs.estimate(&spec("a blue vintage car", &targets)).unwrap();
    assert_eq!(est.total.credits, 22);
    assert!(est.problems.is_empty());
    let run = e.runs.start(spec("a blue vintage car", &targets), false).await.unwrap();
    let done = e.runs.wait(&run.id).await.unwrap();
    assert_eq!(done.status, RunStatus::Done);
    let edges: Vec<u32> = done.targets.iter().map(|t| t.outputs[0].width.max(t.outputs[0].height)).collect();
    assert_eq!(edges, vec![512, 1024, 2048, 4096]);
    assert_eq!(done.cost.credits, 22);
    assert_eq!(e.sessions.current().unwrap().spent.credits, 22);
    assert_eq!(sim_state(&e.sandbox_url()).await["charged"].as_i64().unwrap(), 22);
    // 2K and 4K go async by default; 512 and 1K sync.
    let asyncs: Vec<bool> = done.targets.iter().map(|t| t.is_async).collect();
    assert_eq!(asyncs, vec![false, false, true, true]);
    assert!(done.targets[3].task_id.is_some());
    assert!(!done.targets[3].polls.is_empty());
}

#[tokio::test]
async fn one_failing_target_does_not_disturb_the_others() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    // More 500s than the client's retry budget, only for the 2K model's submit.
    inject(
        &e.sandbox_url(),
        serde_json::json!({"kind": "status", "status": 500, "count": 5, "model": "gemini-3.1-flash-image-preview-2k"}),
    )
    .await;
    let targets: Vec<(&str, u32)> = FLASH.iter().map(|m| (*m, 1)).collect();
    let run = e.runs.start(spec("isolation", &targets), false).await.unwrap();
    let done = e.runs.wait(&run.id).await.unwrap();
    let statuses: Vec<RunStatus> = done.targets.iter().map(|t| t.status).collect();
    assert_eq!(statuses, vec![RunStatus::Done, RunStatus::Done, RunStatus::Failed, RunStatus::Done]);
    assert_eq!(done.status, RunStatus::Partial);
    let err = done.targets[2].error.as_ref().unwrap();
    assert_eq!(err.kind, ErrorKind::ServerError);
    assert!(!err.message.is_empty());
    assert_eq!(done.cost.credits, 4 + 4 + 8);
    assert_eq!(sim_state(&e.sandbox_url()).await["charged"].as_i64().unwrap(), 16);
    let s = e.sessions.current().unwrap();
    assert_eq!(s.images, 3);
    assert_eq!(s.failed_images, 1);
    assert_eq!(s.success_rate, Some(0.75));
}

#[tokio::test]
async fn cancelling_one_target_and_then_all() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    inject(&e.sandbox_url(), serde_json::json!({"kind": "slow", "delay_ms": 20000, "count": 2})).await;
    let run = e
        .runs
        .start(spec("slow", &[("gemini-3.1-flash-image-preview", 1), ("gemini-3.1-flash-image-preview-512", 1)]), false)
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    e.runs.cancel_target(&run.id, 0);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mid = e.runs.get(&run.id).unwrap();
    assert_eq!(mid.targets[0].status, RunStatus::Cancelled);
    assert_eq!(mid.targets[1].status, RunStatus::Running);
    let started = Instant::now();
    e.runs.cancel(&run.id);
    let done = e.runs.wait(&run.id).await.unwrap();
    assert!(started.elapsed() < Duration::from_secs(3), "cancel is prompt");
    assert_eq!(done.status, RunStatus::Cancelled);
    assert_eq!(done.cost.credits, 0);
    // the app keeps working
    let again = e.runs.start(spec("after cancel", &[("gemini-3.1-flash-image-preview-512", 1)]), false).await.unwrap();
    assert_eq!(e.runs.wait(&again.id).await.unwrap().status, RunStatus::Done);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_task_the_server_still_finishes_keeps_its_paid_images() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let base = e.sandbox_url();
    // The task takes 1.5 s on the server; it is cancelled in the app once accepted.
    inject(&base, serde_json::json!({"kind": "slow", "delay_ms": 1500, "path": "/v1/async"})).await;
    let mut s = spec("cancelled after acceptance", &[("gemini-3.1-flash-image-preview-2k", 1)]);
    s.mode = SyncMode::Async;
    let run = e.runs.start(s, false).await.unwrap();
    let t0 = Instant::now();
    while e.runs.get(&run.id).unwrap().targets[0].task_id.is_none() {
        assert!(t0.elapsed() < Duration::from_secs(5), "the task was never accepted");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    e.runs.cancel(&run.id);
    // Cancelled, but the server has the task: the target says it is still waited for.
    let t0 = Instant::now();
    loop {
        let r = e.runs.get(&run.id).unwrap();
        let t = &r.targets[0];
        if t.status == RunStatus::Waiting && t.waiting.as_ref().is_some_and(|w| w.after_cancel) {
            assert!(t.error.as_ref().unwrap().message.contains("may still finish"), "{:?}", t.error);
            assert_eq!(r.cost.credits, 0);
            break;
        }
        if !t.outputs.is_empty() {
            break; // it already came: the wait was shorter than this loop's step
        }
        assert!(t0.elapsed() < Duration::from_secs(5), "the cancelled task is not waited for: {:?}", t.status);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }

    // The server finishes and charges it: the app keeps the image and its cost.
    let kept = e.runs.wait(&run.id).await.unwrap();
    let charged = sim_state(&base).await["charged"].as_i64().unwrap();
    assert_eq!(charged, 6, "the sim charged the 2K image");
    assert_eq!(kept.cost.credits, charged);
    assert_eq!(kept.targets[0].status, RunStatus::Done);
    assert_eq!(kept.targets[0].error.as_ref().unwrap().kind, ErrorKind::FinishedAfterCancel);
    assert_eq!(kept.status, RunStatus::Done);
    assert_eq!(e.sessions.current().unwrap().spent.credits, charged, "the ledger matches the server");
    assert!(e.blobs().image_path(&kept.targets[0].outputs[0].sha256).exists());
}

#[tokio::test]
async fn budget_stops_a_run_before_sending() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let targets: Vec<(&str, u32)> = FLASH.iter().map(|m| (*m, 1)).collect();
    e.sessions.set_budget(Some(10)).unwrap();
    let est = e.runs.estimate(&spec("budget", &targets)).unwrap();
    assert!(est.over_budget);
    let requests_before = sim_state(&e.sandbox_url()).await["requests"].as_u64().unwrap();
    let err: UiError = e.runs.start(spec("budget", &targets), false).await.unwrap_err().into();
    assert_eq!(err.kind, ErrorKind::OverBudget);
    assert!(err.message.contains("22") && err.message.contains("10"), "{}", err.message);
    let st = sim_state(&e.sandbox_url()).await;
    assert_eq!(st["charged"].as_i64().unwrap(), 0);
    assert_eq!(st["requests"].as_u64().unwrap(), requests_before, "nothing was sent");
    assert!(e.runs.history(&HistoryFilter::default()).unwrap().is_empty());
    // "run anyway"
    let run = e.runs.start(spec("budget", &targets), true).await.unwrap();
    assert_eq!(e.runs.wait(&run.id).await.unwrap().cost.credits, 22);
    assert!(e.sessions.current().unwrap().budget_warning);
}

#[tokio::test]
async fn two_quick_runs_cannot_both_pass_a_budget_only_one_fits() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    e.sessions.set_budget(Some(10)).unwrap();
    // Slow the first so it is still in flight when the second asks.
    inject(&e.sandbox_url(), serde_json::json!({"kind": "slow", "delay_ms": 1500})).await;
    let first = e.runs.start(spec("first", &[("gemini-3.1-flash-image-preview-4k", 1)]), false).await.unwrap();
    let est = e.runs.estimate(&spec("second", &[("gemini-3.1-flash-image-preview-4k", 1)])).unwrap();
    assert_eq!(est.spent.credits, 8, "the run in flight is counted");
    assert!(est.over_budget);
    let err: UiError =
        e.runs.start(spec("second", &[("gemini-3.1-flash-image-preview-4k", 1)]), false).await.unwrap_err().into();
    assert_eq!(err.kind, ErrorKind::OverBudget);
    assert!(err.message.contains("still running"), "{}", err.message);
    assert_eq!(e.runs.wait(&first.id).await.unwrap().cost.credits, 8);
    // Once it has delivered, what counts is what it cost.
    assert_eq!(e.runs.estimate(&spec("third", &[("gemini-3.1-flash-image-preview", 1)])).unwrap().spent.credits, 8);
}

#[tokio::test]
async fn preflight_refuses_what_the_contract_would_reject() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let est = e.runs.estimate(&spec("  ", &[("gemini-3.1-flash-image-preview", 11)])).unwrap();
    assert_eq!(est.problems.len(), 2, "{:?}", est.problems);
    let mut edit = spec("edit me", &[("gemini-2.5-flash-image", 1)]);
    let refs: Vec<String> = (0..4u8)
        .map(|i| e.references.add_bytes(&format!("r{i}.png"), png_bytes(16, 16, [i * 40, 0, 0])).unwrap().sha256)
        .collect();
    edit.images = refs;
    let est = e.runs.estimate(&edit).unwrap();
    assert!(est.problems.iter().any(|p| p.contains("at most 3")), "{:?}", est.problems);
    let err: UiError = e.runs.start(edit, false).await.unwrap_err().into();
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert_eq!(sim_state(&e.sandbox_url()).await["requests"].as_u64().unwrap(), 0);
}

#[tokio::test]
async fn an_edit_with_two_references_is_derived_from_them_and_exports_as_curl() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let a = e.references.add_bytes("red.png", png_bytes(64, 64, [250, 10, 10])).unwrap();
    let b = e.references.add_bytes("red2.png", png_bytes(48, 64, [240, 20, 20])).unwrap();
    let mut s = spec("make it a poster", &[("gemini-3.1-flash-image-preview", 1)]);
    s.images = vec![a.sha256.clone(), b.sha256.clone()];
    let run = e.runs.start(s, false).await.unwrap();
    let done = e.runs.wait(&run.id).await.unwrap();
    assert_eq!(done.status, RunStatus::Done, "{:?}", done.targets[0].error);
    let req = done.targets[0].request.as_ref().unwrap();
    assert!(req.url.ends_with("/v1/images/edits"));
    let files: Vec<_> = req.parts.iter().filter(|p| p.file_name.is_some()).collect();
    assert_eq!(files.len(), 2);
    // Several images go as `image[]` parts, as the official OpenAI SDKs send them.
    assert!(files.iter().all(|p| p.name == "image[]"), "{files:?}");
    assert!(req.headers.iter().all(|(_, v)| !v.contains("sk_sandbox")), "key redacted in the inspector");
    let curl = e.exports.curl(&run.id, 0).unwrap();
    assert!(curl.contains("$PIXAPI_KEY"), "{curl}");
    assert!(curl.contains("image[]=@"), "{curl}");
    assert!(curl.contains(&e.blobs().image_path(&a.sha256).display().to_string()), "{curl}");
    assert!(!curl.contains("sk_sandbox"));
    // the output leans red, like its references
    let out = image::load_from_memory(&e.blobs().get(&done.targets[0].outputs[0].sha256).unwrap()).unwrap().to_rgb8();
    let (mut r, mut g) = (0u64, 0u64);
    for p in out.pixels() {
        r += p[0] as u64;
        g += p[1] as u64;
    }
    assert!(r > g, "edit output derived from red references (r={r}, g={g})");
    // inspector has the raw answer with base64 elided
    let raw = done.targets[0].response_raw.as_ref().unwrap();
    assert!(raw.contains("elided") && raw.len() < 10_000, "{raw}");
}

#[tokio::test]
async fn history_filters_reruns_and_deletes_files_no_longer_used() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let r1 =
        e.runs.start(spec("a lighthouse at dusk", &[("gemini-3.1-flash-image-preview-512", 1)]), false).await.unwrap();
    e.runs.wait(&r1.id).await.unwrap();
    let r2 = e.runs.start(spec("a teapot", &[("gemini-2.5-flash-image", 1)]), false).await.unwrap();
    e.runs.wait(&r2.id).await.unwrap();
    let all = e.runs.history(&HistoryFilter::default()).unwrap();
    assert_eq!(all.iter().map(|r| r.prompt.as_str()).collect::<Vec<_>>(), vec!["a teapot", "a lighthouse at dusk"]);
    assert!(all[0].thumb_url.as_deref().unwrap().starts_with("pxb://localhost/thumb/"));
    let f = HistoryFilter { text: Some("LIGHT".into()), ..Default::default() };
    assert_eq!(e.runs.history(&f).unwrap().len(), 1);
    let f = HistoryFilter { model: Some("gemini-2.5-flash-image".into()), ..Default::default() };
    assert_eq!(e.runs.history(&f).unwrap()[0].prompt, "a teapot");
    let f = HistoryFilter { text: Some("100%_".into()), ..Default::default() };
    assert!(e.runs.history(&f).unwrap().is_empty(), "LIKE wildcards are escaped");
    // delete: files go when nothing else refers to them
    let done = e.runs.get(&r2.id).unwrap();
    let sha = done.targets[0].outputs[0].sha256.clone();
    assert!(e.blobs().image_path(&sha).exists());
    e.runs.delete(&r2.id).unwrap();
    assert!(!e.blobs().image_path(&sha).exists());
    assert_eq!(e.runs.history(&HistoryFilter::default()).unwrap().len(), 1);
    // spend stays in the ledger after deletion
    assert_eq!(e.sessions.current().unwrap().spent.credits, 4 + 2);
}

#[tokio::test]
async fn deleting_a_run_keeps_a_file_a_reference_or_another_output_still_uses() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let r = e.runs.start(spec("an owl", &[("gemini-2.5-flash-image", 1)]), false).await.unwrap();
    let done = e.runs.wait(&r.id).await.unwrap();
    let sha = done.targets[0].outputs[0].sha256.clone();
    let bytes = e.blobs().get(&sha).unwrap();
    // The same bytes are one of the user's references (a server that answered with a
    // reference's own bytes is the same case): deleting the run keeps them, and the reference.
    let reference = e.references.add_bytes("owl.png", bytes.clone()).unwrap();
    assert_eq!(reference.sha256, sha);
    e.runs.delete(&r.id).unwrap();
    assert!(e.blobs().image_path(&sha).exists(), "the reference's file was removed");
    assert!(e.references.get(&sha).is_ok(), "the reference was removed from the list");
}

#[test]
fn a_save_of_the_same_bytes_racing_a_delete_keeps_its_file() {
    // The interleaving, step by step: run A's output is stored; run B's answer has the same
    // bytes, so its save finds them stored and writes nothing; A is deleted (B's row is not
    // recorded yet, so the file looks unused) and the file goes; then B's row is recorded.
    let dir = tempfile::tempdir().unwrap();
    let blobs = pixbench_core::blobs::Blobs::new(dir.path().join("blobs"));
    let bytes = png_bytes(8, 8, [1, 2, 3]);
    let sha = blobs.put(&bytes).unwrap();
    assert_eq!(blobs.put(&bytes).unwrap(), sha, "B's save: already stored");
    let recorded = std::cell::Cell::new(false);
    blobs.remove_unused(&sha, |_| !recorded.get());
    assert!(!blobs.image_path(&sha).exists());
    recorded.set(true);
    // After recording, the saver makes sure its file is there.
    blobs.ensure(&sha, &bytes).unwrap();
    assert_eq!(std::fs::read(blobs.image_path(&sha)).unwrap(), bytes);
    // And once recorded first, a delete's check under the lock keeps the file.
    blobs.remove_unused(&sha, |_| !recorded.get());
    assert!(blobs.image_path(&sha).exists());
}

#[tokio::test]
async fn session_export_has_one_row_per_output_and_contact_sheet_decodes() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let run = e
        .runs
        .start(
            spec("export me", &[("gemini-3.1-flash-image-preview-512", 2), ("gemini-3.1-flash-image-preview", 1)]),
            false,
        )
        .await
        .unwrap();
    e.runs.wait(&run.id).await.unwrap();
    e.runs.rate(&run.id, 0, 1, Some(5), Some("best".into())).unwrap();
    let csv_path = e.exports.session(ExportFormat::Csv, None).unwrap();
    let text = std::fs::read_to_string(&csv_path).unwrap();
    assert_eq!(text.lines().count(), 1 + 3, "{text}");
    assert!(text.lines().next().unwrap().contains("latency_ms"));
    assert!(text.contains(",5,"), "rating exported: {text}");
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(e.exports.session(ExportFormat::Json, None).unwrap()).unwrap()).unwrap();
    assert_eq!(json["outputs"].as_array().unwrap().len(), 3);
    assert_eq!(json["session"]["spent"]["credits"], 12);
    assert_eq!(json["session"]["spent"]["usd"], 0.12);
    let sheet = e.exports.contact_sheet(&run.id, None).unwrap();
    let img = image::open(&sheet).unwrap();
    // 2 columns x 2 rows of 320 px cells with padding, a title and labels
    assert_eq!(img.width(), 16 + 2 * (320 + 16));
    assert_eq!(img.height(), 56 + 2 * (320 + 44 + 16) + 16);
}

#[tokio::test]
async fn a_restart_keeps_history_and_a_new_session_starts() {
    let dir = tempfile::tempdir().unwrap();
    let first_session;
    {
        let e = engine(dir.path()).await;
        first_session = e.sessions.id();
        let r = e.runs.start(spec("persist me", &[("gemini-3.1-flash-image-preview-512", 1)]), false).await.unwrap();
        e.runs.wait(&r.id).await.unwrap();
    }
    let e = engine(dir.path()).await;
    assert_ne!(e.sessions.id(), first_session);
    let h = e.runs.history(&HistoryFilter::default()).unwrap();
    assert_eq!(h.len(), 1);
    assert_eq!(h[0].status, RunStatus::Done);
    assert_eq!(e.sessions.current().unwrap().spent.credits, 0, "spend is per session");
}

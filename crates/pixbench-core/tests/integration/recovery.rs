//! Crash safety: the engine's runtime is torn down mid-run (as a kill would), a new
//! engine opens the same data dir, and async tasks are polled to completion and charged
//! once, while sync requests cut off are marked interrupted.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::*;
use pixbench_core::api::*;
use pixbench_core::secrets::MemoryStore;

fn wait_until(mut f: impl FnMut() -> bool, what: &str) {
    let t = Instant::now();
    while !f() {
        assert!(t.elapsed() < Duration::from_secs(20), "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn an_async_task_is_resumed_after_a_crash_and_charged_once() {
    let main_rt = tokio::runtime::Runtime::new().unwrap();
    let sim = main_rt
        .block_on(pixapi_sim::SimServer::start(pixapi_sim::SimConfig {
            profile: pixapi_sim::LatencyProfile::Realistic,
            ..Default::default()
        }))
        .unwrap();
    let base = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());

    let crash_rt = tokio::runtime::Runtime::new().unwrap();
    let e1 = crash_rt.block_on(engine_on(dir.path(), secrets.clone(), &base, "external"));
    let mut s = spec("resume me", &[("gemini-3.1-flash-image-preview", 1)]);
    s.mode = SyncMode::Async;
    let run = crash_rt.block_on(e1.runs.start(s, false)).unwrap();
    wait_until(|| e1.runs.get(&run.id).unwrap().targets[0].task_id.is_some(), "the task id");
    let task_id = e1.runs.get(&run.id).unwrap().targets[0].task_id.clone().unwrap();
    assert_eq!(sim.state().charged, 0, "still processing when the app dies");
    // The "kill": every task of the app's runtime stops where it is.
    drop(e1);
    crash_rt.shutdown_background();

    let e2 = main_rt.block_on(engine_on(dir.path(), secrets.clone(), &base, "external"));
    let done = main_rt.block_on(e2.runs.wait(&run.id)).unwrap();
    assert_eq!(done.status, RunStatus::Done, "{:?}", done.targets[0].error);
    assert_eq!(done.targets[0].task_id.as_deref(), Some(task_id.as_str()));
    assert_eq!(done.targets[0].outputs.len(), 1);
    let st = sim.state();
    assert_eq!(st.tasks, 1, "the task was never resubmitted");
    assert_eq!(st.charged, 4);
    assert_eq!(done.cost.credits, 4, "the ledger counts it once");
    let ledger: i64 = e2.store().ledger_for_session(&done.session_id).unwrap().iter().map(|l| l.cost.credits).sum();
    assert_eq!(ledger, st.charged);
    main_rt.block_on(sim.shutdown());
}

#[test]
fn a_sync_request_cut_off_is_marked_interrupted() {
    let main_rt = tokio::runtime::Runtime::new().unwrap();
    let sim = main_rt.block_on(pixapi_sim::SimServer::start(Default::default())).unwrap();
    let base = sim.base_url();
    main_rt.block_on(inject(&base, serde_json::json!({"kind": "slow", "delay_ms": 30000})));
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let crash_rt = tokio::runtime::Runtime::new().unwrap();
    let e1 = crash_rt.block_on(engine_on(dir.path(), secrets.clone(), &base, "external"));
    let run =
        crash_rt.block_on(e1.runs.start(spec("cut off", &[("gemini-3.1-flash-image-preview", 1)]), false)).unwrap();
    wait_until(|| e1.runs.get(&run.id).unwrap().targets[0].status == RunStatus::Running, "the request in flight");
    std::thread::sleep(Duration::from_millis(200));
    drop(e1);
    crash_rt.shutdown_background();

    let e2 = main_rt.block_on(engine_on(dir.path(), secrets, &base, "external"));
    let done = main_rt.block_on(e2.runs.wait(&run.id)).unwrap();
    assert_eq!(done.status, RunStatus::Interrupted);
    let err = done.targets[0].error.as_ref().unwrap();
    assert!(err.message.contains("stopped"), "{}", err.message);
    // the request as sent is kept for the inspector and a re-run
    assert!(done.targets[0].request.is_some());
}

#[test]
fn a_cancelled_task_is_still_collected_after_a_crash() {
    let main_rt = tokio::runtime::Runtime::new().unwrap();
    let sim = main_rt.block_on(pixapi_sim::SimServer::start(Default::default())).unwrap();
    let base = sim.base_url();
    // The task takes 2 s on the server.
    main_rt.block_on(inject(&base, serde_json::json!({"kind": "slow", "delay_ms": 2000, "path": "/v1/async"})));
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());

    let crash_rt = tokio::runtime::Runtime::new().unwrap();
    let e1 = crash_rt.block_on(engine_on(dir.path(), secrets.clone(), &base, "external"));
    let mut s = spec("cancel then crash", &[("gemini-3.1-flash-image-preview-2k", 1)]);
    s.mode = SyncMode::Async;
    let run = crash_rt.block_on(e1.runs.start(s, false)).unwrap();
    wait_until(|| e1.runs.get(&run.id).unwrap().targets[0].task_id.is_some(), "the task id");
    e1.runs.cancel(&run.id);
    // Cancelled, but the server has the task: it is waited for.
    wait_until(
        || e1.runs.get(&run.id).unwrap().targets[0].waiting.as_ref().is_some_and(|w| w.after_cancel),
        "the cancel",
    );
    // The app dies before the server finishes the task it can no longer cancel.
    drop(e1);
    crash_rt.shutdown_background();
    assert_eq!(sim.state().charged, 0);

    let e2 = main_rt.block_on(engine_on(dir.path(), secrets, &base, "external"));
    wait_until(|| !e2.runs.get(&run.id).unwrap().targets[0].outputs.is_empty(), "the paid image after the restart");
    let kept = e2.runs.get(&run.id).unwrap();
    let st = sim.state();
    assert_eq!(st.tasks, 1, "never resubmitted");
    assert_eq!(st.charged, 6);
    assert_eq!(kept.cost.credits, st.charged);
    assert_eq!(kept.status, RunStatus::Done);
    let ledger: i64 = e2.store().ledger_for_session(&kept.session_id).unwrap().iter().map(|l| l.cost.credits).sum();
    assert_eq!(ledger, st.charged, "entered in the ledger once");
    main_rt.block_on(sim.shutdown());
}

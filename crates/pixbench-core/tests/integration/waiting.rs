//! A task the server accepted is ours until it delivers or the server says it failed
//! (issue 21, high): whatever stops its polling (transient errors in a row, a 401 after a
//! key change, a 404, the poll deadline, an answer past the size limit, every image link
//! failing, a cancel, a stop of the app), the target waits (status `waiting`, saying why)
//! and the task is checked again until its paid images are kept and ledgered, or the user
//! gives it up. Each case fails without the fix: the old runner marked the target failed
//! with its task id and never looked at it again.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::*;
use pixbench_core::api::*;
use pixbench_core::secrets::MemoryStore;
use pixbench_core::{Engine, EngineConfig};
use serde_json::json;

/// Polls that give up fast, and waits between checks that are short: a test's minutes.
fn quick(cfg: &mut EngineConfig) {
    cfg.client_poll = Some(pixapi::PollPolicy {
        initial_interval: Duration::from_millis(20),
        max_interval: Duration::from_millis(50),
        backoff_factor: 1.5,
        deadline: Duration::from_secs(5),
        max_consecutive_errors: 2,
    });
    cfg.task_recheck_after = Duration::from_millis(150);
}

async fn sim() -> pixapi_sim::SimServer {
    pixapi_sim::SimServer::start(Default::default()).await.unwrap()
}

fn async_spec(prompt: &str, model: &str) -> Request {
    let mut s = spec(prompt, &[(model, 1)]);
    s.mode = SyncMode::Async;
    s
}

/// Waits until the run's first target satisfies `f` (bounded: the condition is the test).
async fn until(e: &Engine, run: &str, what: &str, f: impl Fn(&TargetView) -> bool) -> RunView {
    let t0 = Instant::now();
    loop {
        let r = e.runs.get(run).unwrap();
        if f(&r.targets[0]) {
            return r;
        }
        assert!(t0.elapsed() < Duration::from_secs(20), "timed out waiting for {what}: {:?}", r.targets[0]);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

fn waiting(t: &TargetView) -> bool {
    t.status == RunStatus::Waiting && t.waiting.is_some()
}

/// The run delivered its one image, charged once, and the ledger says what the server did.
async fn delivered_and_ledgered(e: &Engine, sim: &pixapi_sim::SimServer, run: &str, credits: i64) {
    let done = e.runs.wait(run).await.unwrap();
    let t = &done.targets[0];
    assert_eq!(t.status, RunStatus::Done, "{:?}", t.error);
    assert!(t.waiting.is_none());
    assert_eq!(t.outputs.len(), 1);
    assert!(e.blobs().image_path(&t.outputs[0].sha256).exists());
    let st = sim.state();
    assert_eq!(st.tasks, 1, "the task was never resubmitted");
    assert_eq!(st.charged, credits);
    assert_eq!(done.cost.credits, credits);
    let ledger: i64 = e.store().ledger_for_session(&done.session_id).unwrap().iter().map(|l| l.cost.credits).sum();
    assert_eq!(ledger, st.charged, "the ledger equals what the server charged");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn transient_poll_errors_in_a_row_leave_the_task_waited_for_until_it_delivers() {
    let sim = sim().await;
    let base = sim.base_url();
    // More failed polls in a row than the client tolerates (2), then the server is back.
    inject(&base, json!({"kind": "status", "status": 500, "count": 6, "path": "/v1/tasks"})).await;
    let dir = tempfile::tempdir().unwrap();
    let e = engine_on_with(dir.path(), Arc::new(MemoryStore::default()), &base, "live", quick).await;
    let run = e.runs.start(async_spec("transient", "gemini-3.1-flash-image-preview"), false).await.unwrap();
    let w = until(&e, &run.id, "the waiting state", waiting).await;
    let t = &w.targets[0];
    assert_eq!(w.status, RunStatus::Waiting, "the run says so too");
    assert!(t.task_id.is_some());
    let err = t.error.as_ref().unwrap();
    assert_eq!(err.kind, ErrorKind::Waiting);
    assert!(err.message.contains("Do not run it again"), "{}", err.message);
    assert!(t.waiting.as_ref().unwrap().last_problem.is_some());
    delivered_and_ledgered(&e, &sim, &run.id, 4).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_not_found_for_a_while_is_waited_for() {
    let sim = sim().await;
    let base = sim.base_url();
    inject(&base, json!({"kind": "status", "status": 404, "count": 2, "path": "/v1/tasks"})).await;
    let dir = tempfile::tempdir().unwrap();
    let e = engine_on_with(dir.path(), Arc::new(MemoryStore::default()), &base, "live", quick).await;
    let run = e.runs.start(async_spec("not found", "gemini-3.1-flash-image-preview"), false).await.unwrap();
    until(&e, &run.id, "the waiting state", waiting).await;
    delivered_and_ledgered(&e, &sim, &run.id, 4).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_key_rejected_after_the_task_was_accepted_waits_until_a_key_works_again() {
    let sim = sim().await;
    let base = sim.base_url();
    // The server rejects the key on the task's polls (a key revoked meanwhile).
    inject(&base, json!({"kind": "status", "status": 401, "count": 1000, "path": "/v1/tasks"})).await;
    let dir = tempfile::tempdir().unwrap();
    let e = engine_on_with(dir.path(), Arc::new(MemoryStore::default()), &base, "live", quick).await;
    let run = e.runs.start(async_spec("key change", "gemini-3.1-flash-image-preview"), false).await.unwrap();
    let w = until(&e, &run.id, "the waiting state", waiting).await;
    let problem = w.targets[0].waiting.as_ref().unwrap().last_problem.clone().unwrap();
    assert!(problem.contains("401") || problem.to_lowercase().contains("key"), "{problem}");
    // Each check takes the profile's client as it is then: with no key, it says so.
    let profile = e.profiles.current_id();
    e.profiles.remove_key(&profile).unwrap();
    e.runs.recheck(&run.id).unwrap();
    until(&e, &run.id, "the no-key problem", |t| {
        t.waiting.as_ref().and_then(|w| w.last_problem.as_deref()).is_some_and(|p| p.contains("no key stored"))
    })
    .await;
    assert!(e.runs.get(&run.id).unwrap().targets[0].outputs.is_empty());
    // A key again, and the server takes it again: the images come, charged once.
    reqwest::Client::new().delete(format!("{base}/__sim/faults")).send().await.unwrap();
    e.profiles.set_key(&profile, "sk_test_1").unwrap();
    e.runs.recheck(&run.id).unwrap();
    delivered_and_ledgered(&e, &sim, &run.id, 4).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_past_the_poll_deadline_is_still_collected() {
    let sim = sim().await;
    let base = sim.base_url();
    inject(&base, json!({"kind": "slow", "delay_ms": 1200, "path": "/v1/async"})).await;
    let dir = tempfile::tempdir().unwrap();
    let e = engine_on_with(dir.path(), Arc::new(MemoryStore::default()), &base, "live", |cfg| {
        quick(cfg);
        if let Some(p) = cfg.client_poll.as_mut() {
            p.deadline = Duration::from_millis(200);
        }
    })
    .await;
    let run = e.runs.start(async_spec("deadline", "gemini-3.1-flash-image-preview"), false).await.unwrap();
    let w = until(&e, &run.id, "the waiting state", waiting).await;
    assert_eq!(sim.state().charged, 0, "still running on the server when the deadline passed");
    assert!(w.targets[0].task_id.is_some());
    delivered_and_ledgered(&e, &sim, &run.id, 4).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_link_failing_leaves_the_task_waited_for_and_its_images_come_later() {
    let sim = sim().await;
    let base = sim.base_url();
    // The task completes, but its image link answers 500 for a while.
    inject(&base, json!({"kind": "status", "status": 500, "count": 8, "path": "/files"})).await;
    let dir = tempfile::tempdir().unwrap();
    let e = engine_on_with(dir.path(), Arc::new(MemoryStore::default()), &base, "live", quick).await;
    let mut s = async_spec("links", "gemini-3.1-flash-image-preview");
    s.response_format = ResponseFormatChoice::Url;
    let run = e.runs.start(s, false).await.unwrap();
    let w = until(&e, &run.id, "the waiting state", waiting).await;
    // The image's download failed (HTTP 500), not the task: the task is still waited for.
    let problem = w.targets[0].waiting.as_ref().unwrap().last_problem.clone().unwrap();
    assert!(problem.contains("500") || problem.contains("link"), "{problem}");
    delivered_and_ledgered(&e, &sim, &run.id, 4).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_answer_past_the_size_limit_waits_and_can_be_given_up_knowingly() {
    let sim = sim().await;
    let base = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let e = engine_on_with(dir.path(), Arc::new(MemoryStore::default()), &base, "live", |cfg| {
        quick(cfg);
        // A task's status fits; its 1K image in base64 does not.
        cfg.client_max_response_bytes = Some(64 * 1024);
    })
    .await;
    let run = e.runs.start(async_spec("too large", "gemini-3.1-flash-image-preview"), false).await.unwrap();
    let w = until(&e, &run.id, "the waiting state", waiting).await;
    assert!(w.targets[0].outputs.is_empty());
    // Checked again (and again refused): the checks are counted.
    until(&e, &run.id, "a second check", |t| t.waiting.as_ref().is_some_and(|w| w.checks >= 2)).await;
    e.runs.give_up(&run.id, 0).unwrap();
    let done = e.runs.wait(&run.id).await.unwrap();
    let t = &done.targets[0];
    assert_eq!(t.status, RunStatus::Cancelled);
    assert!(t.waiting.is_none());
    let err = t.error.as_ref().unwrap();
    assert_eq!(err.kind, ErrorKind::GivenUp);
    assert!(
        err.message.contains("may still") && err.message.contains(t.task_id.as_deref().unwrap()),
        "{}",
        err.message
    );
    assert_eq!(sim.state().charged, 4, "the server charged it: the message says it may have");
    assert_eq!(done.cost.credits, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_now_does_not_wait_for_the_next_scheduled_check() {
    let sim = sim().await;
    let base = sim.base_url();
    // Every poll fails until the faults are cleared below (a fixed count raced: the client's
    // own retries of a poll consume a varying number of them before the task waits).
    inject(&base, json!({"kind": "status", "status": 503, "count": 1000, "path": "/v1/tasks"})).await;
    let dir = tempfile::tempdir().unwrap();
    let e = engine_on_with(dir.path(), Arc::new(MemoryStore::default()), &base, "live", |cfg| {
        quick(cfg);
        // The next scheduled check would be far away.
        cfg.task_recheck_after = Duration::from_secs(600);
    })
    .await;
    let run = e.runs.start(async_spec("check now", "gemini-3.1-flash-image-preview"), false).await.unwrap();
    let w =
        until(&e, &run.id, "the waiting state", |t| waiting(t) && t.waiting.as_ref().unwrap().next_check_at.is_some())
            .await;
    assert!(w.targets[0].waiting.as_ref().unwrap().next_check_at.is_some(), "the next check is announced");
    // Nothing polls until the scheduled check, ten minutes away: the server answers again,
    // and only "Check now" can collect the task within the timeout below.
    reqwest::Client::new().delete(format!("{base}/__sim/faults")).send().await.unwrap();
    e.runs.recheck(&run.id).unwrap();
    let done = tokio::time::timeout(Duration::from_secs(20), e.runs.wait(&run.id)).await.expect("checked at once");
    assert_eq!(done.unwrap().targets[0].status, RunStatus::Done);
}

#[test]
fn a_task_waited_for_when_the_app_stops_is_waited_for_after_it_starts_again() {
    let main_rt = tokio::runtime::Runtime::new().unwrap();
    let sim = main_rt.block_on(sim());
    let base = sim.base_url();
    main_rt.block_on(inject(&base, json!({"kind": "status", "status": 500, "count": 1000, "path": "/v1/tasks"})));
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let crash_rt = tokio::runtime::Runtime::new().unwrap();
    let e1 = crash_rt.block_on(engine_on_with(dir.path(), secrets.clone(), &base, "live", quick));
    let run = crash_rt.block_on(e1.runs.start(async_spec("restart", "gemini-3.1-flash-image-preview"), false)).unwrap();
    crash_rt.block_on(until(&e1, &run.id, "the waiting state", waiting));
    // The stop: every task of the app's runtime ends where it is.
    drop(e1);
    crash_rt.shutdown_background();
    main_rt.block_on(async {
        reqwest::Client::new().delete(format!("{base}/__sim/faults")).send().await.unwrap();
    });
    let e2 = main_rt.block_on(engine_on_with(dir.path(), secrets, &base, "live", quick));
    main_rt.block_on(delivered_and_ledgered(&e2, &sim, &run.id, 4));
    // The new session says a run of the earlier one was resumed, and what it cost there.
    let resumed = e2.runs.resumed();
    assert_eq!(resumed.len(), 1);
    assert_eq!(resumed[0].run_id, run.id);
    assert_ne!(resumed[0].session_id, e2.sessions.id());
    assert_eq!((resumed[0].status, resumed[0].cost.credits), (RunStatus::Done, 4));
    assert_eq!(e2.sessions.current().unwrap().spent.credits, 0, "counted in its own session");
}

#[test]
fn a_queued_request_never_sent_is_not_said_to_be_charged_after_a_stop() {
    // A stop before a request went out: nothing was sent, so nothing may have been charged.
    let main_rt = tokio::runtime::Runtime::new().unwrap();
    let sim = main_rt.block_on(sim());
    let base = sim.base_url();
    main_rt.block_on(inject(&base, json!({"kind": "hang", "count": 1, "path": "/v1/images"})));
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());
    let crash_rt = tokio::runtime::Runtime::new().unwrap();
    // One request at a time: the second target waits in the queue behind the hanging one.
    let e1 = crash_rt.block_on(engine_on_with(dir.path(), secrets.clone(), &base, "live", |c| c.max_concurrency = 1));
    let two = spec("two", &[("gemini-3.1-flash-image-preview", 1), ("gemini-3.1-flash-image-preview-512", 1)]);
    let run = crash_rt.block_on(e1.runs.start(two, false)).unwrap();
    // Either target may take the one slot first: the other waits in the queue.
    let t0 = Instant::now();
    let (sent, queued) = loop {
        let r = e1.runs.get(&run.id).unwrap();
        match (r.targets[0].status, r.targets[1].status) {
            (RunStatus::Running, RunStatus::Queued) => break (0, 1),
            (RunStatus::Queued, RunStatus::Running) => break (1, 0),
            _ => {}
        }
        assert!(t0.elapsed() < Duration::from_secs(20), "one request never went out");
        std::thread::sleep(Duration::from_millis(10));
    };
    drop(e1);
    crash_rt.shutdown_background();

    let e2 = main_rt.block_on(engine_on_with(dir.path(), secrets, &base, "live", |_| {}));
    let done = main_rt.block_on(e2.runs.wait(&run.id)).unwrap();
    let in_flight = done.targets[sent].error.as_ref().unwrap();
    assert!(in_flight.message.contains("may have charged"), "{}", in_flight.message);
    let never_sent = done.targets[queued].error.as_ref().unwrap();
    assert!(never_sent.message.contains("nothing was charged"), "{}", never_sent.message);
}

//! The ledger matches what the server charged, exactly: a session with full successes,
//! a partial failure (n=4 with 2 outputs failing), retried requests, a cancelled
//! comparison and an async task resumed after a crash, against pixapi-sim's own books.

use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::common::*;
use pixbench_core::api::*;
use pixbench_core::secrets::MemoryStore;
use pixbench_core::Engine;

fn ledger_total(e: &Engine) -> i64 {
    let mut sessions: Vec<String> = e
        .runs
        .history(&HistoryFilter { limit: Some(1000), include_bench_runs: Some(true), ..Default::default() })
        .unwrap()
        .iter()
        .map(|r| e.runs.get(&r.id).unwrap().session_id)
        .collect();
    sessions.sort();
    sessions.dedup();
    sessions
        .iter()
        .map(|s| {
            e.store()
                .ledger_for_session(s)
                .unwrap()
                .iter()
                .filter(|l| !l.simulated)
                .map(|l| l.cost.credits)
                .sum::<i64>()
        })
        .sum()
}

#[test]
fn the_ledger_equals_what_the_server_charged() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sim = rt.block_on(pixapi_sim::SimServer::start(Default::default())).unwrap();
    let base = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let secrets = Arc::new(MemoryStore::default());

    // 1-4 in one engine
    let e = rt.block_on(engine_on(dir.path(), secrets.clone(), &base, "live"));
    rt.block_on(async {
        // 1. plain success
        let r = e.runs.start(spec("plain", &[("gemini-3.1-flash-image-preview", 1)]), false).await.unwrap();
        assert_eq!(e.runs.wait(&r.id).await.unwrap().cost.credits, 4);
        // 2. n=4 where 2 outputs fail
        inject(&base, serde_json::json!({"kind": "partial", "fail_outputs": 2})).await;
        let r = e.runs.start(spec("partial", &[("gemini-3.1-flash-image-preview", 4)]), false).await.unwrap();
        let done = e.runs.wait(&r.id).await.unwrap();
        assert_eq!(done.targets[0].status, RunStatus::Partial);
        assert_eq!(done.cost.credits, 8);
        // 3. retried: two 503s then success, charged once
        inject(&base, serde_json::json!({"kind": "status", "status": 503, "count": 2})).await;
        let r = e.runs.start(spec("retried", &[("gemini-3.1-flash-image-preview-2k", 1)]), false).await.unwrap();
        let done = e.runs.wait(&r.id).await.unwrap();
        assert_eq!(done.status, RunStatus::Done, "{:?}", done.targets[0].error);
        assert_eq!(done.cost.credits, 6);
        // 4. a cancelled comparison (sync): the slow target is cut off, the others delivered
        inject(
            &base,
            serde_json::json!({"kind": "slow", "delay_ms": 30000, "model": "gemini-3.1-flash-image-preview-4k"}),
        )
        .await;
        let mut s = spec("cancelled comparison", &FLASH.iter().map(|m| (*m, 1)).collect::<Vec<_>>());
        s.mode = SyncMode::Sync;
        let r = e.runs.start(s, false).await.unwrap();
        let t = Instant::now();
        while e.runs.get(&r.id).unwrap().targets.iter().filter(|t| t.status == RunStatus::Done).count() < 3 {
            assert!(t.elapsed() < Duration::from_secs(20));
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        e.runs.cancel(&r.id);
        let done = e.runs.wait(&r.id).await.unwrap();
        assert_eq!(done.targets[3].status, RunStatus::Cancelled);
        assert_eq!(done.cost.credits, 4 + 4 + 6);
    });
    drop(e);

    // 5. an async task resumed after a crash
    let crash_rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(sim_slow_tasks(&sim));
    let e1 = crash_rt.block_on(engine_on(dir.path(), secrets.clone(), &base, "live"));
    let mut s = spec("resumed", &[("gemini-3.1-flash-image-preview-4k", 1)]);
    s.mode = SyncMode::Async;
    let r = crash_rt.block_on(e1.runs.start(s, false)).unwrap();
    let t = Instant::now();
    while e1.runs.get(&r.id).unwrap().targets[0].task_id.is_none() {
        assert!(t.elapsed() < Duration::from_secs(20));
        std::thread::sleep(Duration::from_millis(10));
    }
    drop(e1);
    crash_rt.shutdown_background();
    let e = rt.block_on(engine_on(dir.path(), secrets, &base, "live"));
    let done = rt.block_on(e.runs.wait(&r.id)).unwrap();
    assert_eq!(done.status, RunStatus::Done, "{:?}", done.targets[0].error);

    let charged = sim.state().charged;
    assert_eq!(charged, 4 + 8 + 6 + 14 + 8);
    assert_eq!(ledger_total(&e), charged, "the ledger and the server's books differ");
}

/// Makes the next async task take long enough to crash the app in the middle of it.
async fn sim_slow_tasks(sim: &pixapi_sim::SimServer) {
    inject(&sim.base_url(), serde_json::json!({"kind": "slow", "delay_ms": 1500, "path": "/v1/async"})).await;
}

//! Billing as data (issue 20): each output carries its asked tier, its delivered size and
//! its billed tier as fields with its cost; the session's running spend moves (and is
//! pushed to the UI) with each output entered in the ledger, and equals the ledger.

use std::sync::{Arc, Mutex};

use crate::common::*;
use pixbench_core::api::*;
use pixbench_core::secrets::MemoryStore;
use pixbench_core::{Engine, EngineConfig, EngineEvent};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_running_spend_is_pushed_with_each_output_and_equals_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let pushed: Arc<Mutex<Vec<SessionSpend>>> = Arc::default();
    let mut cfg = EngineConfig::new(dir.path(), Arc::new(MemoryStore::default()));
    let sink = pushed.clone();
    cfg.events = Arc::new(move |e| {
        if let EngineEvent::SpendUpdated(s) = e {
            sink.lock().unwrap().push(s);
        }
    });
    let e = Engine::open(cfg).await.unwrap();
    let run = e
        .runs
        .start(
            spec("two by two", &[("gemini-3.1-flash-image-preview-512", 2), ("gemini-3.1-flash-image-preview", 2)]),
            false,
        )
        .await
        .unwrap();
    let done = e.runs.wait(&run.id).await.unwrap();
    assert_eq!(done.cost.credits, 16);
    let pushed = pushed.lock().unwrap().clone();
    // One push per output, each the running sum so far, the last the session's total.
    assert_eq!(pushed.len(), 4, "{pushed:?}");
    let credits: Vec<i64> = pushed.iter().map(|s| s.spent.credits).collect();
    assert_eq!(credits, vec![4, 8, 12, 16]);
    assert!(pushed.iter().all(|s| s.simulated && s.session_id == e.sessions.id()));
    assert_eq!(pushed[3].images, 4);
    assert_eq!(pushed[3].spent.usd, 0.16);
    let ledger: i64 = e.store().ledger_for_session(&e.sessions.id()).unwrap().iter().map(|l| l.cost.credits).sum();
    assert_eq!(ledger, 16);
    assert_eq!(e.sessions.current().unwrap().spent, pushed[3].spent);
    // The estimate reads the running sum: a new run sees what was spent.
    let est = e.runs.estimate(&spec("next", &[("gemini-3.1-flash-image-preview", 1)])).unwrap();
    assert_eq!(est.spent.credits, 16);
    assert_eq!(est.total, Cost { credits: 4, usd: 0.04, unpriced: 0 });
    // Deleting a run keeps what was spent (the ledger outlives runs).
    e.runs.delete(&run.id).unwrap();
    assert_eq!(e.sessions.spent(&e.sessions.id(), true).unwrap().credits, 16);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_output_says_what_was_asked_delivered_and_billed() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let run = e.runs.start(spec("as asked", &[("gemini-3.1-flash-image-preview-2k", 1)]), false).await.unwrap();
    let done = e.runs.wait(&run.id).await.unwrap();
    let o = &done.targets[0].outputs[0];
    assert_eq!((o.width, o.height), (2048, 2048));
    assert_eq!(
        o.billing,
        Billing {
            asked_tier: "2K".into(),
            billed_tier: "2K".into(),
            billed_entry: "gemini-3.1-flash-image-preview-2k".into(),
            cost: Cost { credits: 6, usd: 0.06, unpriced: 0 },
        }
    );
    assert_eq!(done.targets[0].cost, o.billing.cost);
    let h = e.runs.history(&HistoryFilter::default()).unwrap();
    assert_eq!(h[0].cost, o.billing.cost);
}

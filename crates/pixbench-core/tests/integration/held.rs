//! A paid image the disk refuses is held in memory, shown, counted, and written as soon
//! as the disk works again; it is never dropped. The "full disk" is a real filesystem
//! failure: the image folder is replaced by a plain file, so every write into it fails.

use std::sync::Arc;

use crate::common::*;
use pixbench_core::api::*;
use pixbench_core::secrets::MemoryStore;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_image_the_disk_refuses_is_held_shown_and_saved_when_the_disk_works_again() {
    let sim =
        pixapi_sim::SimServer::start(pixapi_sim::SimConfig { credits: 1_000, ..Default::default() }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let e = engine_on(dir.path(), Arc::new(MemoryStore::default()), &sim.base_url(), "live").await;
    let images = e.blobs().root().join("images");
    std::fs::create_dir_all(images.parent().unwrap()).unwrap();
    let _ = std::fs::remove_dir_all(&images);
    std::fs::write(&images, b"not a folder").unwrap();

    let mut s = spec("held in memory", &[("gemini-3.1-flash-image-preview", 1)]);
    s.mode = SyncMode::Sync;
    let run = e.runs.start(s, false).await.unwrap();
    let done = e.runs.wait(&run.id).await.unwrap();
    let t = &done.targets[0];
    assert_eq!(done.status, RunStatus::Done, "{:?}", t.error);
    assert_eq!(t.outputs.len(), 1, "the paid image is kept");
    assert_eq!(t.error.as_ref().map(|e| e.kind), Some(pixbench_core::ErrorKind::Unsaved), "{:?}", t.error);
    assert!(t.error.as_ref().unwrap().message.contains("free some disk space"), "{:?}", t.error);
    let sha = t.outputs[0].sha256.clone();
    assert!(!e.blobs().image_path(&sha).exists());
    // Shown from memory, thumbnail included.
    let bytes = e.blobs().get(&sha).unwrap();
    assert_eq!(pixbench_core::blobs::sha256_hex(&bytes), sha);
    assert!(e.blobs().thumb(&sha).is_ok());
    // Counted once, as the server charged.
    assert_eq!(done.cost.credits, sim.state().charged);
    assert_eq!(done.cost.credits, 4);

    // Still refused: nothing written, still held, the notice stays.
    assert_eq!(e.runs.save_held(), 1);
    assert_eq!(
        e.runs.get(&run.id).unwrap().targets[0].error.as_ref().map(|e| e.kind),
        Some(pixbench_core::ErrorKind::Unsaved)
    );

    // The disk works again.
    std::fs::remove_file(&images).unwrap();
    assert_eq!(e.runs.save_held(), 0);
    assert_eq!(std::fs::read(e.blobs().image_path(&sha)).unwrap(), bytes, "written as delivered");
    assert_eq!(e.blobs().held_count(), 0);
    let after = e.runs.get(&run.id).unwrap();
    assert!(after.targets[0].error.is_none(), "{:?}", after.targets[0].error);
    assert_eq!(after.cost.credits, 4);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_output_the_database_refuses_is_held_with_its_ledger_row_and_recorded_later() {
    // The database is busy behind another process's write past the busy timeout (the CLI,
    // or SQLite on a full disk): the paid image's rows are held, not dropped.
    let sim =
        pixapi_sim::SimServer::start(pixapi_sim::SimConfig { credits: 1_000, ..Default::default() }).await.unwrap();
    inject(&sim.base_url(), serde_json::json!({"kind": "slow", "delay_ms": 1500, "path": "/v1/images/generations"}))
        .await;
    let dir = tempfile::tempdir().unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let e = engine_on_with(dir.path(), Arc::new(MemoryStore::default()), &sim.base_url(), "live", |cfg| {
        cfg.events = Arc::new(move |ev| {
            if let pixbench_core::infra::EngineEvent::RunUpdated(v) = ev {
                let _ = tx.send(v);
            }
        });
    })
    .await;
    let mut s = spec("held rows", &[("gemini-3.1-flash-image-preview", 1)]);
    s.mode = SyncMode::Sync;
    let run = e.runs.start(s, false).await.unwrap();
    // While the request is with the server, another connection takes the write lock.
    let db = rusqlite::Connection::open(dir.path().join("pixbench.sqlite")).unwrap();
    db.execute_batch("BEGIN IMMEDIATE").unwrap();
    let shown = tokio::time::timeout(std::time::Duration::from_secs(60), async {
        loop {
            let v = rx.recv().await.expect("events");
            let t = &v.targets[0];
            // The target settled (its answer handled), while the lock is still held.
            if v.id == run.id && t.status != RunStatus::Running && t.status != RunStatus::Queued {
                break v;
            }
        }
    })
    .await
    .expect("the image is shown while the database refuses it");
    let t = &shown.targets[0];
    assert_eq!((t.status, t.outputs.len()), (RunStatus::Done, 1), "{:?}", t.error);
    assert_eq!(t.error.as_ref().map(|e| e.kind), Some(pixbench_core::ErrorKind::Unsaved), "{:?}", t.error);
    let msg = &t.error.as_ref().unwrap().message;
    assert!(msg.contains("history database") && msg.contains("counts them in this session"), "{msg}");
    assert_eq!(e.sessions.spent(&shown.session_id, false).unwrap().credits, 4, "counted in the session meanwhile");
    let rows: i64 = db.query_row("SELECT COUNT(*) FROM ledger WHERE run_id = ?1", [&run.id], |r| r.get(0)).unwrap();
    assert_eq!(rows, 0, "not in the database yet");
    db.execute_batch("ROLLBACK").unwrap();

    // The database takes writes again: the held rows are recorded, once.
    assert_eq!(e.runs.save_held(), 0);
    let done = e.runs.wait(&run.id).await.unwrap();
    let rows: i64 = db.query_row("SELECT COUNT(*) FROM ledger WHERE run_id = ?1", [&run.id], |r| r.get(0)).unwrap();
    assert_eq!(rows, 1);
    assert_eq!(done.cost.credits, 4);
    assert_eq!(sim.state().charged, 4);
    assert_eq!(e.store().ledger_for_session(&done.session_id).unwrap().len(), 1);
    assert_eq!(e.runs.save_held(), 0, "nothing left held");
    sim.shutdown().await;
}

//! A paid image the disk refuses is held in memory, shown, counted, and written as soon
//! as the disk works again; it is never dropped. The "full disk" is a real filesystem
//! failure: the image folder is replaced by a plain file, so every write into it fails.

mod common;

use std::sync::Arc;

use common::*;
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
    s.sync_mode = SyncMode::Sync;
    let run = e.run_start(s).await.unwrap();
    let done = e.wait_run(&run.id).await.unwrap();
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
    assert_eq!(done.credits, sim.state().charged);
    assert_eq!(done.credits, 4);

    // Still refused: nothing written, still held, the notice stays.
    assert_eq!(e.save_held(), 1);
    assert_eq!(
        e.run_get(&run.id).unwrap().targets[0].error.as_ref().map(|e| e.kind),
        Some(pixbench_core::ErrorKind::Unsaved)
    );

    // The disk works again.
    std::fs::remove_file(&images).unwrap();
    assert_eq!(e.save_held(), 0);
    assert_eq!(std::fs::read(e.blobs().image_path(&sha)).unwrap(), bytes, "written as delivered");
    assert_eq!(e.blobs().held_count(), 0);
    let after = e.run_get(&run.id).unwrap();
    assert!(after.targets[0].error.is_none(), "{:?}", after.targets[0].error);
    assert_eq!(after.credits, 4);
    sim.shutdown().await;
}

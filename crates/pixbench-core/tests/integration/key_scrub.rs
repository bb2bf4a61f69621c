//! A server that echoes the key in words no pattern knows ("Incorrect API key provided:
//! pk-live-…", as OpenAI's answers do): the key must not reach the database, the run's
//! view or the key test's sentence. Real sim, real SQLite.

use crate::common::*;
use pixbench_core::api::*;
use serde_json::json;

/// Not `sk_…` and no `Bearer`: only the exact key can find it.
const KEY: &str = "pk-live-Zq81mN0vXy7RtW4c";

#[tokio::test]
async fn a_key_echoed_by_the_server_is_scrubbed_everywhere_it_would_be_kept() {
    let sim = pixapi_sim::SimServer::start(pixapi_sim::SimConfig {
        keys: vec![KEY.into()],
        credits: 1_000,
        ..Default::default()
    })
    .await
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let e = engine_with(dir.path(), std::sync::Arc::new(pixbench_core::secrets::MemoryStore::default())).await;
    let p = e
        .profiles
        .save(ProfileInput {
            id: None,
            name: "echo".into(),
            base_url: sim.base_url(),
            default_model: String::new(),
            budget_credits: None,
            request_style: None,
            image_parts: None,
            gateway: None,
        })
        .unwrap();
    e.profiles.set_key(&p.id, KEY).unwrap();
    e.select_profile(&p.id).unwrap();
    let echo = format!(
        r#"{{"error":{{"message":"Incorrect API key provided: {KEY}. You can find your key at pixapi.ai.","type":"invalid_request_error","code":"invalid_api_key"}}}}"#
    );
    inject(&sim.base_url(), json!({"kind": "status", "status": 401, "body": echo, "count": 2})).await;

    let mut s = spec("echo my key", &[("gemini-3.1-flash-image-preview", 1)]);
    s.mode = SyncMode::Sync;
    let run = e.runs.start(s, false).await.unwrap();
    let done = e.runs.wait(&run.id).await.unwrap();
    assert_eq!(done.status, RunStatus::Failed);
    let t = &done.targets[0];
    let shown = serde_json::to_string(&done).unwrap();
    assert!(!shown.contains(KEY), "the run view holds the key: {shown}");
    assert!(shown.contains("[key]"), "the server's words are kept, the key masked: {shown}");
    assert!(t.response_raw.as_deref().is_some_and(|r| r.contains("Incorrect API key provided: [key]")), "{t:?}");

    // What the database keeps (read back by a second connection, as after a restart).
    let store = pixbench_core::store::Store::open(&dir.path().join("pixbench.sqlite")).unwrap();
    let stored = serde_json::to_string(&store.targets(&run.id).unwrap()).unwrap();
    assert!(!stored.contains(KEY), "the database holds the key: {stored}");

    // The key test says why, without the key.
    let r = e.profiles.test(&p.id).await.unwrap();
    assert!(!r.ok);
    assert!(!r.message.contains(KEY), "{}", r.message);
    sim.shutdown().await;
}

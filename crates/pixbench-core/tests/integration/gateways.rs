//! Gateway presets (issue 22 #4): a profile that speaks OpenAI's own Images API, against
//! the Sandbox's OpenAI flavour (which refuses any field OpenAI's spec does not define, and
//! `response_format` for the gpt-image models): the composer offers OpenAI's models, the
//! estimate is OpenAI's quality x size table in dollars, and the ledger is what the answers'
//! `usage` token counts charged, to the micro-dollar.

use std::sync::Arc;

use crate::common::*;
use pixapi_sim::{Flavour, SimConfig, SimServer};
use pixbench_core::api::*;
use pixbench_core::secrets::MemoryStore;
use pixbench_core::Engine;

async fn openai_profile(dir: &std::path::Path, base: &str) -> Engine {
    let e = Engine::open(pixbench_core::EngineConfig::new(dir, Arc::new(MemoryStore::default()))).await.unwrap();
    let p = e
        .profiles
        .save(ProfileInput {
            id: None,
            name: "OpenAI (sandbox)".into(),
            base_url: base.into(),
            default_model: String::new(),
            budget_credits: None,
            request_style: None,
            image_parts: None,
            gateway: Some("openai".into()),
        })
        .unwrap();
    assert_eq!(
        (p.gateway.as_str(), p.billing, p.default_model.as_str()),
        ("openai", BillingUnit::Usd, "openai-gpt-image-1.5")
    );
    e.profiles.set_key(&p.id, "sk_test_1").unwrap();
    e.select_profile(&p.id).unwrap();
    e
}

fn ledger_micros(e: &Engine) -> i64 {
    let rows = e.store().ledger_for_session(&e.sessions.id()).unwrap();
    rows.iter().map(|l| (l.cost.usd * 1e6).round() as i64).sum()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_openai_profile_runs_openais_models_billed_in_dollars_by_usage() {
    let sim = SimServer::start(SimConfig { flavour: Flavour::OpenAi, ..SimConfig::default() }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let e = openai_profile(dir.path(), &sim.base_url()).await;

    // The composer offers OpenAI's three models, none of Pixapi's.
    let offered: Vec<String> = e.catalog.current().entries.iter().map(|x| x.id.clone()).collect();
    assert_eq!(offered, ["openai-gpt-image-1.5", "openai-gpt-image-1", "openai-gpt-image-1-mini"]);

    // The estimate: OpenAI's table, by the ratio's size and the quality.
    let mut s = spec("a lighthouse at dusk", &[("openai-gpt-image-1", 2)]);
    s.aspect_ratio = Some("3:2".into());
    s.fields = Some(serde_json::json!({"quality": "low"}).as_object().unwrap().clone());
    let est = e.runs.estimate(&s).unwrap();
    assert!(est.problems.is_empty(), "{:?}", est.problems);
    assert_eq!(est.total, Cost::dollars(0.032), "2 x $0.016 (low, 1536x1024)");

    // Run: sent as OpenAI defines it (the flavour refuses anything else), billed by usage.
    let run = e.runs.start(s, false).await.unwrap();
    let done = e.runs.wait(&run.id).await.unwrap();
    assert_eq!(done.status, RunStatus::Done, "{:?}", done.targets[0].error);
    let t = &done.targets[0];
    assert_eq!(t.outputs.len(), 2);
    assert_eq!((t.outputs[0].width, t.outputs[0].height), (1536, 1024));
    let rec = sim.requests().into_iter().rev().find(|r| r.path == "/v1/images/generations").unwrap();
    let body = rec.body.clone().unwrap();
    assert_eq!(body.get("response_format"), None, "never sent to a gpt-image model: {body}");
    assert_eq!((body["size"].as_str(), body["quality"].as_str()), (Some("1536x1024"), Some("low")));
    // 2 x 400 output tokens x $40/M + ceil(20/4) = 5 text tokens x $5/M = $0.032025
    assert_eq!(sim.charged_usd_micros(), 32_025);
    assert_eq!(ledger_micros(&e), 32_025, "the ledger is what the tokens charged");
    assert_eq!(t.cost.credits, 0);
    assert!((t.cost.usd - 0.032025).abs() < 1e-9, "{:?}", t.cost);

    // An edit with two references: `image[]` parts, image input tokens charged too.
    let refs = [
        e.references.add_bytes("a.png", png_bytes(64, 64, [200, 20, 20])).unwrap(),
        e.references.add_bytes("b.png", png_bytes(64, 64, [20, 20, 200])).unwrap(),
    ];
    let mut s = spec("make it night", &[("openai-gpt-image-1-mini", 1)]);
    s.images = refs.iter().map(|r| r.sha256.clone()).collect();
    s.fields = Some(serde_json::json!({"quality": "high"}).as_object().unwrap().clone());
    let before = sim.charged_usd_micros();
    let run = e.runs.start(s, false).await.unwrap();
    let done = e.runs.wait(&run.id).await.unwrap();
    assert_eq!(done.status, RunStatus::Done, "{:?}", done.targets[0].error);
    let rec = sim.requests().into_iter().rev().find(|r| r.path == "/v1/images/edits").unwrap();
    assert_eq!(rec.fields.iter().filter(|f| *f == "image[]").count(), 2, "{:?}", rec.fields);
    let edit_charge = sim.charged_usd_micros() - before;
    assert!(edit_charge > 0);
    assert_eq!(ledger_micros(&e), sim.charged_usd_micros());

    // The session shows it in dollars; no credits.
    let spent = e.sessions.current().unwrap().spent;
    assert_eq!(spent.credits, 0);
    assert!((spent.usd * 1e6 - sim.charged_usd_micros() as f64).abs() < 1.0, "{spent:?}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_openai_profile_refuses_async_and_a_generic_one_runs_the_servers_models_unpriced() {
    let sim = SimServer::start(SimConfig { flavour: Flavour::OpenAi, ..SimConfig::default() }).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let e = openai_profile(dir.path(), &sim.base_url()).await;
    let mut s = spec("x", &[("openai-gpt-image-1", 1)]);
    s.mode = SyncMode::Async;
    let est = e.runs.estimate(&s).unwrap();
    assert!(est.problems.iter().any(|p| p.contains("OpenAI has no async tasks")), "{:?}", est.problems);

    // The same server as a generic OpenAI-compatible endpoint: its models, prices unknown.
    let p = e.profiles.current().unwrap();
    e.profiles
        .save(ProfileInput {
            id: Some(p.id.clone()),
            name: p.name.clone(),
            base_url: p.base_url.clone(),
            default_model: p.default_model.clone(),
            budget_credits: None,
            request_style: None,
            image_parts: None,
            gateway: Some("openai-compatible".into()),
        })
        .unwrap();
    e.server_models.refresh().await.unwrap();
    let offered = e.catalog.current();
    assert!(offered.entries.iter().all(|x| x.listed_by_server && x.unpriced), "{:?}", offered.entries);
    assert!(offered.get("gpt-image-1").is_some());
    sim.shutdown().await;
}

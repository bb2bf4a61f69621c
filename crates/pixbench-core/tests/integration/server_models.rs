//! A model only the server lists: read from `GET /v1/models`, offered unpriced, run, and
//! ledgered as unpriced rather than guessed; the list kept per profile across switches and
//! a failed read.

use std::sync::Arc;

use crate::common::*;
use pixbench_core::api::*;
use pixbench_core::secrets::MemoryStore;
use pixbench_core::{Engine, EngineConfig};

const NEW_MODEL: &str = "acme-image-9";

async fn engine_with_extra(dir: &std::path::Path) -> Engine {
    let mut cfg = EngineConfig::new(dir, Arc::new(MemoryStore::default()));
    cfg.sandbox_extra_models = vec![NEW_MODEL.into()];
    Engine::open(cfg).await.expect("engine opens")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_only_the_server_lists_runs_and_is_ledgered_unpriced() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine_with_extra(dir.path()).await;
    assert!(e.catalog.get().get(NEW_MODEL).is_none(), "not offered before the server is read");
    assert_eq!(e.server_models.get().unwrap().fetched_at, None);

    let listed = e.server_models.refresh().await.unwrap();
    assert!(listed.fetched_at.is_some() && listed.problem.is_none());
    let new = listed.models.iter().find(|m| m.id == NEW_MODEL).expect("listed");
    assert!(new.entry_ids.is_empty(), "the catalog does not know it");
    let nb2 = listed.models.iter().find(|m| m.id == "gemini-3.1-flash-image-preview").unwrap();
    assert_eq!(nb2.entry_ids.len(), 4, "its four variants");
    let entry = e.catalog.get().get(NEW_MODEL).cloned().expect("offered once read");
    assert!(entry.unpriced && entry.listed_by_server);

    // The estimate cannot bound it, and says so as data.
    let req = spec("a lighthouse", &[(NEW_MODEL, 2), ("gemini-3.1-flash-image-preview", 1)]);
    let est = e.runs.estimate(&req).unwrap();
    assert!(est.problems.is_empty(), "{:?}", est.problems);
    assert_eq!((est.total.credits, est.total.unpriced), (4, 2), "the priced part, and two images unknown");
    assert!(est.targets[0].per_image.unpriced == 1 && est.targets[0].cost.unpriced == 2);
    assert!(!est.over_budget, "no budget, nothing to confirm");

    // Under a budget, an unknown price needs the user's word.
    e.sessions.set_budget(Some(1000)).unwrap();
    let est = e.runs.estimate(&req).unwrap();
    assert!(est.over_budget, "an unknown price could cross any budget");
    let err: UiError = e.runs.start(req.clone(), false).await.unwrap_err().into();
    assert_eq!(err.kind, ErrorKind::OverBudget);
    assert!(err.message.contains("is unknown"), "{}", err.message);
    let run = e.runs.start(req, true).await.unwrap();
    let done = e.runs.wait(&run.id).await.unwrap();
    assert_eq!(done.status, RunStatus::Done, "{:?}", done.targets[0].error);
    let out = &done.targets[0].outputs[0];
    assert_eq!(out.billing.cost, Cost::unpriced(1), "not a guessed number");
    assert_eq!(done.cost.unpriced, 2);
    assert_eq!(done.cost.credits, 4, "the priced target's");
    let sent = done.targets[0].request.as_ref().unwrap().json_body.clone().unwrap();
    assert_eq!(sent["model"], NEW_MODEL);
    assert!(sent.get("size").is_none(), "its sizes are unknown: none is sent");

    let ledger = e.store().ledger_for_session(&e.sessions.id()).unwrap();
    let unpriced: Vec<_> = ledger.iter().filter(|l| l.model_id == NEW_MODEL).collect();
    assert_eq!(unpriced.len(), 2);
    assert!(unpriced.iter().all(|l| l.cost == Cost::unpriced(1)));
    let session = e.sessions.current().unwrap();
    assert_eq!((session.spent.credits, session.spent.unpriced), (4, 2));
    let hist = e.store().history(&HistoryFilter::default()).unwrap();
    assert_eq!(hist[0].cost.unpriced, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_list_is_the_profile_s_kept_across_switches_and_a_failed_read() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine_with_extra(dir.path()).await;
    e.server_models.refresh().await.unwrap();
    assert!(e.catalog.get().get(NEW_MODEL).is_some());

    // Another profile (a server without that model) does not show it...
    let other = pixapi_sim::SimServer::start(Default::default()).await.unwrap();
    use_live_profile(&e, &other.base_url(), "other");
    assert!(e.catalog.get().get(NEW_MODEL).is_none());
    let listed = e.server_models.refresh().await.unwrap();
    assert!(listed.models.iter().all(|m| m.id != NEW_MODEL));
    // ... and a failed read keeps what was read before, saying why.
    inject(&other.base_url(), serde_json::json!({"kind": "status", "status": 503, "path": "/v1/models", "count": 5}))
        .await;
    let failed = e.server_models.refresh().await.unwrap();
    assert!(failed.problem.as_deref().is_some_and(|p| p.contains("could not be read")), "{failed:?}");
    assert_eq!(failed.models.len(), listed.models.len());

    // Back on the Sandbox: its list, kept, without asking again.
    e.select_profile("sandbox").unwrap();
    assert!(e.catalog.get().get(NEW_MODEL).is_some());
    // And after a restart.
    drop(e);
    let e = engine_with_extra(dir.path()).await;
    assert!(e.catalog.get().get(NEW_MODEL).is_some(), "the kept list is shown at start");
    other.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_model_priced_in_the_data_dirs_catalog_file_is_offered_and_billed_at_its_price() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("catalog.toml"),
        format!(
            "[[target]]\nid = \"gemini-2.5-flash-image\"\ncredits = 5\n\n[[target]]\nid = \"{NEW_MODEL}\"\nlabel = \"Acme 9 · 1K\"\nvariant = \"1K\"\nlong_edge = 1024\ncredits = 3\n"
        ),
    )
    .unwrap();
    let e = engine_with_extra(dir.path()).await;
    let info = e.app_info();
    assert!(
        info.catalog_file.as_deref().is_some_and(|f| f.ends_with("catalog.toml")) && info.catalog_problem.is_none()
    );
    assert_eq!(
        (info.catalog_changed, info.catalog_added),
        (vec!["gemini-2.5-flash-image".to_string()], vec![NEW_MODEL.to_string()])
    );
    let entry = e.catalog.get().get(NEW_MODEL).cloned().expect("offered without reading the server");
    assert!(!entry.unpriced && !entry.listed_by_server);
    let run =
        e.runs.start(spec("a lighthouse", &[(NEW_MODEL, 2), ("gemini-2.5-flash-image", 1)]), false).await.unwrap();
    let done = e.runs.wait(&run.id).await.unwrap();
    assert_eq!(done.status, RunStatus::Done, "{:?}", done.targets.iter().map(|t| &t.error).collect::<Vec<_>>());
    assert_eq!(done.cost.credits, 2 * 3 + 5, "the file's prices");
    assert_eq!(done.cost.unpriced, 0);
    drop(e);

    // A mistake: the built-in catalog is in force, and the app says where the mistake is.
    std::fs::write(dir.path().join("catalog.toml"), "[[target]]\nid = \"gemini-2.5-flash-image\"\nlong_edge = 0\n")
        .unwrap();
    let e = engine_with_extra(dir.path()).await;
    let info = e.app_info();
    let problem = info.catalog_problem.expect("the refusal is said");
    assert!(problem.contains("line 3, `long_edge`"), "{problem}");
    assert_eq!(info.catalog_file, None);
    assert_eq!(e.catalog.get().get("gemini-2.5-flash-image").unwrap().credits, 2);
}

//! A sweep run end to end against the strict Sandbox: every request documented, each target
//! sending its own aspect ratio, fields and prompt; the ledger equals what was charged.

use std::sync::Arc;

use crate::common::*;
use pixbench_core::api::*;
use pixbench_core::secrets::MemoryStore;
use pixbench_core::sweep::{SweepAxis, SweepVariable};

fn strs(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

async fn requests_since(base: &str, skip: usize) -> Vec<serde_json::Value> {
    let v: serde_json::Value = reqwest::get(format!("{base}/__sim/requests")).await.unwrap().json().await.unwrap();
    v["requests"].as_array().unwrap().iter().skip(skip).filter(|r| r["method"] == "POST").cloned().collect()
}

async fn request_count(base: &str) -> usize {
    let v: serde_json::Value = reqwest::get(format!("{base}/__sim/requests")).await.unwrap().json().await.unwrap();
    v["requests"].as_array().unwrap().len()
}

#[tokio::test]
async fn a_sweep_sends_each_targets_own_fields_and_prompt_and_ledgers_what_was_charged() {
    let sim =
        pixapi_sim::SimServer::start(pixapi_sim::SimConfig { credits: 10_000, ..Default::default() }).await.unwrap();
    let base = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let e = engine_on(dir.path(), Arc::new(MemoryStore::default()), &base, "strict").await;

    // gpt-image-2 quality low/high × aspect 1:1/16:9 × {{animal}} fox/owl, plus Nano Banana 2,
    // which takes no quality: 8 + 4 requests.
    let spec = Request {
        mode: SyncMode::Sync,
        sweep: vec![
            SweepAxis { axis: "quality".into(), values: strs(&["low", "high"]) },
            SweepAxis { axis: "aspect_ratio".into(), values: strs(&["1:1", "16:9"]) },
        ],
        vars: vec![SweepVariable { name: "animal".into(), values: strs(&["fox", "owl"]) }],
        ..Request::new(
            "a {{animal}} on a hill",
            vec![
                TargetSpec { model_id: "gpt-image-2".into(), n: 1, ..Default::default() },
                TargetSpec { model_id: "gemini-3.1-flash-image-preview".into(), n: 1, ..Default::default() },
            ],
        )
    };
    // One estimate, the sweep counted without being listed.
    let plan = e.runs.estimate(&spec).unwrap();
    assert!(plan.problems.is_empty(), "{:?}", plan.problems);
    assert_eq!(plan.targets.iter().map(|t| t.requests).collect::<Vec<_>>(), vec![8, 4]);
    assert_eq!((plan.count, plan.limit), (12, 64));
    // Four gpt-image-2 images at each quality, four Nano Banana 2 images, at the catalog's prices.
    let c = e.catalog.get();
    let (g, n) = (c.get("gpt-image-2").unwrap(), c.get("gemini-3.1-flash-image-preview").unwrap());
    let expected = 4 * c.price(g, None, Some("low")) + 4 * c.price(g, None, Some("high")) + 4 * n.credits;
    assert_eq!(plan.total.credits, expected);
    assert!(plan.notes.iter().any(|n| n.contains("quality is not sent to Nano Banana 2")), "{:?}", plan.notes);

    let before_charged = sim_state(&base).await["charged"].as_i64().unwrap();
    let skip = request_count(&base).await;
    // One call runs the whole request, its sweep expanded by the engine.
    let started = e.runs.start(spec.clone(), false).await.unwrap();
    let done = e.runs.wait(&started.id).await.unwrap();
    assert_eq!(done.status, RunStatus::Done, "{:?}", done.targets.iter().map(|t| &t.error).collect::<Vec<_>>());
    assert_eq!(done.prompt, "a {{animal}} on a hill", "the run keeps the template");
    assert_eq!(done.targets.len(), 12);

    // The server saw 12 documented requests, each as its target asked.
    let reqs = requests_since(&base, skip).await;
    assert_eq!(reqs.len(), 12, "{reqs:?}");
    for r in &reqs {
        assert_eq!(r["unknown_fields"], serde_json::json!([]), "{r}");
        assert_eq!(r["status"], 200, "{r}");
    }
    let charged = sim_state(&base).await["charged"].as_i64().unwrap() - before_charged;
    let ledger: i64 = e
        .store()
        .ledger_for_session(&e.sessions.id())
        .unwrap()
        .iter()
        .filter(|l| l.run_id == done.id)
        .map(|l| l.cost.credits)
        .sum();
    assert_eq!((ledger, charged), (expected, expected));
    assert_eq!(done.cost.credits, expected);

    // Each target: its axes shown, and what it sent (the client's exact request) and what the
    // server recorded for it agree with those axes. Requests are matched by size and model.
    for t in &done.targets {
        let axis = |name: &str| t.axes.iter().find(|a| a.axis == name).map(|a| a.value.clone()).unwrap();
        let body = t.request.as_ref().unwrap().json_body.as_ref().unwrap();
        let animal = axis("{{animal}}");
        assert_eq!(body["prompt"], format!("a {animal} on a hill"));
        assert_eq!(t.prompt.as_deref(), Some(format!("a {animal} on a hill").as_str()));
        let wide = axis("aspect_ratio") == "16:9";
        let is_gpt = t.model_id == "gpt-image-2";
        let size = match (is_gpt, wide) {
            (true, false) => "1024x1024",
            (true, true) => "1536x864",
            (false, false) => "1024x1024",
            (false, true) => "1376x768",
        };
        assert_eq!(body["size"], size, "{body}");
        let (w, h) = size.split_once('x').unwrap();
        assert_eq!((t.outputs[0].width.to_string(), t.outputs[0].height.to_string()), (w.into(), h.into()));
        if is_gpt {
            let q = axis("quality");
            assert_eq!(body["quality"], q.as_str());
            assert_eq!(t.cost.credits, c.price(g, None, Some(&q)));
        } else {
            assert_eq!(axis("quality"), "not sent");
            assert!(body.get("quality").is_none(), "{body}");
        }
        let seen = reqs
            .iter()
            .filter(|r| r["model"] == t.model_id.as_str() && r["size"] == size && r["credits"] == t.cost.credits)
            .count();
        assert!(seen >= 1, "no server record for {} {size} {} credits", t.model_id, t.cost.credits);
        let has_quality = reqs
            .iter()
            .filter(|r| r["model"] == t.model_id.as_str())
            .all(|r| r["fields"].as_array().unwrap().iter().any(|f| f == "quality"));
        assert_eq!(has_quality, is_gpt, "quality reaches gpt-image-2 only");
    }
    // Different prompts make different pictures (the Sandbox draws from the prompt).
    let fox = done.targets.iter().find(|t| t.prompt.as_deref() == Some("a fox on a hill")).unwrap();
    let owl = done
        .targets
        .iter()
        .find(|t| {
            t.prompt.as_deref() == Some("a owl on a hill")
                && t.model_id == fox.model_id
                && t.axes[1] == fox.axes[1]
                && t.axes[2] == fox.axes[2]
        })
        .unwrap();
    assert_ne!(fox.outputs[0].sha256, owl.outputs[0].sha256);

    // A stored run keeps its axes for the grid.
    let again = e.runs.get(&done.id).unwrap();
    assert_eq!(again.targets[3].axes, done.targets[3].axes);
    sim.shutdown().await;
}

#[tokio::test]
async fn a_sweep_past_the_limit_is_refused_with_its_count_and_estimate_and_sends_nothing() {
    let sim = pixapi_sim::SimServer::start(Default::default()).await.unwrap();
    let base = sim.base_url();
    let dir = tempfile::tempdir().unwrap();
    let e = engine_on(dir.path(), Arc::new(MemoryStore::default()), &base, "strict").await;
    let mut settings = e.settings.get().unwrap();
    settings.max_requests = Some(3);
    e.settings.set(settings).unwrap();
    let spec = Request {
        sweep: vec![SweepAxis { axis: "quality".into(), values: strs(&["low", "medium"]) }],
        vars: vec![SweepVariable { name: "thing".into(), values: strs(&["cup", "pen"]) }],
        ..Request::new("a {{thing}}", vec![TargetSpec { model_id: "gpt-image-2".into(), n: 1, ..Default::default() }])
    };
    let plan = e.runs.estimate(&spec).unwrap();
    assert_eq!((plan.count, plan.limit, plan.total.credits), (4, 3, 2 * (1 + 4)));
    assert!(
        plan.problems.iter().any(|p| p.contains("makes 4 requests, more than your limit of 3")),
        "{:?}",
        plan.problems
    );
    // run_start refuses it all the same, sending nothing.
    let before = request_count(&base).await;
    let err = e.runs.start(spec, false).await.unwrap_err().to_string();
    assert!(err.contains("more than your limit of 3"), "{err}");
    assert_eq!(request_count(&base).await, before, "nothing was sent");
    sim.shutdown().await;
}

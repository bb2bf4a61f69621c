use std::time::Duration;

use pixapi_sim::{Fault, FaultKind};
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;

async fn submit(sim: &Sim, body: Value) -> Value {
    let v = expect_json(sim.post_json("/v1/async/images/generations", &body).await, StatusCode::OK).await;
    assert_eq!(v["status"], "submitted");
    assert_eq!(v["progress"], 0);
    assert_eq!(v["model"], body["model"]);
    assert!(v["created_at"].as_i64().unwrap() > 1_700_000_000);
    let id = v["id"].as_str().unwrap();
    assert!(id.starts_with("task_") && id.len() == 31, "{id}");
    v
}

async fn poll_until_done(sim: &Sim, id: &str) -> (Value, Vec<i64>) {
    let mut progress = Vec::new();
    for _ in 0..1000 {
        let v = expect_json(sim.get(&format!("/v1/tasks/{id}")).await, StatusCode::OK).await;
        assert_eq!(v["id"], id);
        match v["status"].as_str().unwrap() {
            "completed" | "failed" => return (v, progress),
            "submitted" | "processing" => progress.push(v["progress"].as_i64().unwrap()),
            other => panic!("unexpected status {other}"),
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("task {id} never finished");
}

#[tokio::test]
async fn async_task_lifecycle_progress_and_single_charge() {
    let sim = sim().await;
    // Stretch the task so its progress can be watched.
    sim.server.inject(Fault::slow(800).path("/v1/async"));
    let v = submit(&sim, json!({"model": "nano-banana-2", "prompt": "async", "n": 2})).await;
    let id = v["id"].as_str().unwrap().to_string();
    assert_eq!(sim.server.state().charged, 0, "nothing is charged before completion");
    assert_eq!(sim.server.state().in_flight, 1);
    let (done, progress) = poll_until_done(&sim, &id).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(done["progress"], 100);
    assert!(progress.len() >= 5, "{progress:?}");
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "progress must not go back: {progress:?}");
    assert!(progress.iter().any(|p| (1..=99).contains(p)), "{progress:?}");
    let mid = expect_json(sim.get(&format!("/v1/tasks/{id}")).await, StatusCode::OK).await;
    assert_eq!(mid["result"], done["result"]);
    let result = &done["result"];
    assert!(result["created"].is_i64());
    let outs = pngs(result);
    assert_eq!(outs.len(), 2);
    assert_eq!(decode(&outs[0]).dimensions(), (1024, 1024));
    assert_eq!(result["usage"]["credits"], 8);
    // Same pictures as the sync endpoint.
    let sync =
        expect_json(sim.generate(json!({"model": "nano-banana-2", "prompt": "async"})).await, StatusCode::OK).await;
    assert_eq!(pngs(&sync)[0], outs[0]);
    // Charged once, however often it is polled.
    for _ in 0..3 {
        expect_json(sim.get(&format!("/v1/tasks/{id}")).await, StatusCode::OK).await;
    }
    let st = sim.server.state();
    assert_eq!((st.charged, st.tasks, st.in_flight), (8 + 4, 1, 0));
}

#[tokio::test]
async fn async_edit_with_url_output() {
    let sim = sim().await;
    let form = Form::new()
        .text("model", "gemini-3.1-flash-image-preview")
        .text("prompt", "async edit")
        .text("size", "512x512")
        .text("response_format", "url")
        .part("image[]", Part::bytes(solid_png(16, 16, [255, 0, 0])).file_name("r.png").mime_str("image/png").unwrap());
    let v = expect_json(sim.edit_at("/v1/async/images/edits", form).await, StatusCode::OK).await;
    let id = v["id"].as_str().unwrap();
    let (done, _) = poll_until_done(&sim, id).await;
    assert_eq!(done["status"], "completed", "{done}");
    let url = done["result"]["data"][0]["url"].as_str().unwrap();
    let png = sim.http.get(url).send().await.unwrap().bytes().await.unwrap();
    assert_eq!(decode(&png).dimensions(), (512, 512));
    assert_eq!(sim.server.state().charged, 4);
}

#[tokio::test]
async fn task_fail_fault_fails_the_task_and_charges_nothing() {
    let sim = sim().await;
    sim.server.inject(Fault::new(FaultKind::TaskFail));
    // A sync request does not consume it.
    expect_json(sim.generate(gen_body("sync")).await, StatusCode::OK).await;
    assert_eq!(sim.server.faults().len(), 1);
    let v = submit(&sim, json!({"model": "nano-banana-pro", "prompt": "doomed", "n": 3})).await;
    let (done, _) = poll_until_done(&sim, v["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "failed");
    assert_eq!(done["error"]["code"], "generation_failed");
    assert!(done["error"]["message"].as_str().is_some());
    assert!(done.get("result").is_none());
    let st = sim.server.state();
    assert_eq!((st.charged, st.balance, st.in_flight), (4, 996, 0));
    // The next task succeeds.
    let v = submit(&sim, json!({"model": "nano-banana-pro", "prompt": "fine"})).await;
    let (done, _) = poll_until_done(&sim, v["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(sim.server.state().charged, 4 + 8);
}

#[tokio::test]
async fn partial_fault_on_a_task_charges_only_the_outputs() {
    let sim = sim().await;
    sim.server.inject(Fault::partial(1).path("/v1/async"));
    let v = submit(&sim, json!({"model": "nano-banana-2", "prompt": "p", "n": 3, "size": "2K"})).await;
    let (done, _) = poll_until_done(&sim, v["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "completed");
    assert_eq!(pngs(&done["result"]).len(), 2);
    assert_eq!(sim.server.state().charged, 12);
}

#[tokio::test]
async fn async_tasks_hold_concurrency_slots() {
    let sim = sim_with(pixapi_sim::SimConfig { max_concurrency: 1, ..Default::default() }).await;
    sim.server.inject(Fault::slow(500).path("/v1/async"));
    let v = submit(&sim, gen_body("slow task")).await;
    let r = sim.post_json("/v1/async/images/generations", &gen_body("second")).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let r = sim.generate(gen_body("sync")).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    poll_until_done(&sim, v["id"].as_str().unwrap()).await;
    wait_until("slot released", || sim.server.state().in_flight == 0).await;
    expect_json(sim.generate(gen_body("sync")).await, StatusCode::OK).await;
}

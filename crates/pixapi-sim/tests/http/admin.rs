use pixapi_sim::{Fault, SimState};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn state_set_balance_and_reset() {
    let sim = sim().await;
    let s: SimState = serde_json::from_value(sim.admin(Method::GET, "/__sim/state", None).await).unwrap();
    assert_eq!(s, SimState { balance: 1000, charged: 0, requests: 0, in_flight: 0, images_served: 0, tasks: 0 });

    let v = sim.admin(Method::POST, "/__sim/state", Some(json!({"balance": 3}))).await;
    assert_eq!(v["balance"], 3);
    let r = sim.generate(gen_body("p")).await;
    assert_eq!(r.status(), StatusCode::PAYMENT_REQUIRED);
    sim.server.set_balance(100);
    expect_json(sim.generate(json!({"model": "nano-banana-2", "prompt": "p", "n": 2})).await, StatusCode::OK).await;
    let r = sim.post_json("/v1/async/images/generations", &gen_body("t")).await;
    expect_json(r, StatusCode::OK).await;
    sim.server.inject(Fault::status(500));
    wait_until("task done", || sim.server.state().in_flight == 0).await;
    let s = sim.server.state();
    assert_eq!(s.requests, 3);
    assert_eq!(s.tasks, 1);
    assert_eq!(s.charged, 12);
    assert_eq!(s.balance, 88);
    assert_eq!(s.images_served, 3);

    let v = sim.admin(Method::POST, "/__sim/reset", None).await;
    let s: SimState = serde_json::from_value(v).unwrap();
    assert_eq!(s, SimState { balance: 1000, charged: 0, requests: 0, in_flight: 0, images_served: 0, tasks: 0 });
    assert!(sim.server.faults().is_empty());

    // Bad admin bodies are 400.
    let r = sim.http.post(sim.url("/__sim/state")).body("{nope").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = sim.http.post(sim.url("/__sim/state")).json(&json!({"balanse": 1})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Admin requests are not counted.
    assert_eq!(sim.server.state().requests, 0);
}

#[tokio::test]
async fn profile_and_concurrency_can_change_at_run_time() {
    let sim = sim().await;
    sim.admin(Method::POST, "/__sim/state", Some(json!({"max_concurrency": 0}))).await;
    assert_eq!(sim.generate(gen_body("p")).await.status(), StatusCode::TOO_MANY_REQUESTS);
    sim.admin(Method::POST, "/__sim/state", Some(json!({"max_concurrency": 4, "profile": "fast"}))).await;
    assert_eq!(sim.generate(gen_body("p")).await.status(), StatusCode::OK);
}

#[tokio::test]
async fn request_log_is_served() {
    let sim = sim().await;
    let r = sim.generate(json!({"model": "nano-banana-2", "prompt": "p", "size": "2K"})).await;
    let rid = r.headers()["x-request-id"].to_str().unwrap().to_string();
    expect_json(r, StatusCode::OK).await;
    let v = sim.admin(Method::GET, "/__sim/requests", None).await;
    let rec = &v["requests"][0];
    assert_eq!(rec["request_id"], rid.as_str());
    assert_eq!(rec["path"], "/v1/images/generations");
    assert_eq!(rec["status"], 200);
    assert_eq!(rec["model"], "nano-banana-2");
    assert_eq!(rec["resolved_model"], "gemini-3.1-flash-image-preview-2k");
    assert_eq!(rec["latency_ms"], 12);
    assert_eq!(rec["credits"], 6);
    assert_eq!(rec["images"], 1);
    assert_eq!(rec["size"], "2K");
    assert_eq!(rec["delivered"], "2048x2048");
    assert_eq!(rec["fields"], json!(["model", "prompt", "size"]));
    assert_eq!(rec["unknown_fields"], json!([]));
    sim.admin(Method::DELETE, "/__sim/requests", None).await;
    assert!(sim.server.requests().is_empty());
}

#[tokio::test]
async fn a_web_page_cannot_reach_the_admin_api() {
    let sim = sim().await;
    let c = reqwest::Client::new();
    let url = format!("{}/__sim/reset", sim.base);
    // A cross-site fetch from a page carries Origin.
    let r = c.post(&url).header("Origin", "https://evil.example").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // DNS rebinding: the page's own name in Host, resolving to loopback.
    let r = c.get(format!("{}/__sim/requests", sim.base)).header("Host", "evil.example:80").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = c.post(&url).header("Host", "localhost").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = c.post(&url).header("Host", "[::1]:9").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // The image API itself is not affected (it has its key).
    let r = sim.generate(gen_body("p")).await;
    assert_eq!(r.status(), StatusCode::OK);
}

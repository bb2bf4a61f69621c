use std::time::{Duration, Instant};

use pixapi_sim::{Fault, FaultKind, SimConfig};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn status_faults_use_the_documented_shapes() {
    let sim = sim().await;
    let v = sim
        .admin(
            Method::POST,
            "/__sim/faults",
            Some(json!({"kind": "status", "status": 503, "retry_after": 2, "count": 2})),
        )
        .await;
    assert_eq!(v["pending"], 2);
    assert!(v["id"].as_str().unwrap().starts_with("fault_"));
    for _ in 0..2 {
        let r = sim.generate(gen_body("p")).await;
        assert_eq!(r.headers()["retry-after"], "2");
        expect_string_error(r, StatusCode::SERVICE_UNAVAILABLE, "model_unavailable").await;
    }
    expect_json(sim.generate(gen_body("p")).await, StatusCode::OK).await;
    assert_eq!(sim.server.state().charged, 4, "faulted requests charge nothing");

    // 400 and 500 keep the integer shape.
    sim.server.inject(Fault::status(500));
    expect_integer_error(sim.generate(gen_body("p")).await, StatusCode::INTERNAL_SERVER_ERROR, "internal_error").await;
    // The documented codes use the string shape, with the request id.
    for (status, code) in [
        (429, "rate_limited"),
        (401, "unauthorized"),
        (404, "model_not_found"),
        (422, "prompt_rejected"),
        (402, "insufficient_credits"),
    ] {
        sim.server.inject(Fault::status(status));
        expect_string_error(sim.generate(gen_body("p")).await, StatusCode::from_u16(status).unwrap(), code).await;
    }
    // A raw body override.
    sim.server.inject(Fault::status(502).body("<html>bad gateway</html>"));
    let r = sim.generate(gen_body("p")).await;
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    assert_eq!(r.text().await.unwrap(), "<html>bad gateway</html>");
    // Invalid faults are refused.
    let r = sim.http.post(sim.url("/__sim/faults")).json(&json!({"kind": "explode"})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r =
        sim.http.post(sim.url("/__sim/faults")).json(&json!({"kind": "status", "status": 200})).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn faults_match_by_path_and_model_and_can_be_listed_and_cleared() {
    let sim = sim().await;
    sim.server.inject(Fault::status(500).path("/v1/images/edits"));
    sim.server.inject(Fault::status(503).model("gemini-3.1-flash-image-preview-4k"));
    sim.server.inject(Fault::status(500).path("/v1/tasks"));
    let listed = sim.admin(Method::GET, "/__sim/faults", None).await;
    assert_eq!(listed["faults"].as_array().unwrap().len(), 3);
    assert_eq!(listed["faults"][0]["kind"], "status");
    assert_eq!(listed["faults"][0]["path"], "/v1/images/edits");

    // Admin requests, /files, and requests that do not match leave faults pending.
    sim.admin(Method::GET, "/__sim/state", None).await;
    expect_json(sim.generate(gen_body("p")).await, StatusCode::OK).await;
    expect_json(sim.get("/v1/models").await, StatusCode::OK).await;
    // A rejected request (400) does not consume a fault either.
    expect_json(sim.generate(json!({"model": "nano-banana-2"})).await, StatusCode::BAD_REQUEST).await;
    assert_eq!(sim.server.faults().len(), 3);

    // The model filter matches the alias + size resolving to the variant.
    let r = sim.generate(json!({"model": "nano-banana-2", "prompt": "p", "size": "4K"})).await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    let r = sim.get("/v1/tasks/task_unknown").await;
    assert_eq!(r.status(), StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(sim.server.faults().len(), 1);

    let cleared = sim.admin(Method::DELETE, "/__sim/faults", None).await;
    assert_eq!(cleared["cleared"], 1);
    assert!(sim.server.faults().is_empty());
}

#[tokio::test]
async fn hang_holds_a_slot_until_the_client_goes_away_then_429_when_full() {
    let sim = sim_with(SimConfig { max_concurrency: 2, ..SimConfig::default() }).await;
    sim.server.inject(Fault::new(FaultKind::Hang).count(2));
    let url = sim.url("/v1/images/generations");
    let mut hung = Vec::new();
    for i in 0..2 {
        let req = sim.http.post(&url).bearer_auth(KEY).json(&gen_body(&format!("hang {i}")));
        hung.push(tokio::spawn(async move { req.send().await }));
    }
    wait_until("two hanging requests in flight", || sim.server.state().in_flight == 2).await;
    let r = sim.generate(gen_body("one too many")).await;
    assert_eq!(r.headers()["retry-after"], "1");
    expect_string_error(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // Still hanging a while later.
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert!(hung.iter().all(|h| !h.is_finished()));
    // Clients give up: the slots come back.
    for h in hung {
        h.abort();
    }
    wait_until("slots released", || sim.server.state().in_flight == 0).await;
    expect_json(sim.generate(gen_body("now fine")).await, StatusCode::OK).await;
    assert_eq!(sim.server.state().charged, 4);
}

#[tokio::test]
async fn hang_times_out_on_the_client() {
    let sim = sim().await;
    sim.server.inject(Fault::new(FaultKind::Hang).path("/v1/tasks"));
    let r = sim.http.get(sim.url("/v1/tasks/task_x")).bearer_auth(KEY).timeout(Duration::from_millis(300)).send().await;
    assert!(r.unwrap_err().is_timeout());
}

#[tokio::test]
async fn close_mid_body_drops_the_connection_after_the_head() {
    let sim = sim().await;
    sim.server.inject(Fault::new(FaultKind::CloseMidBody));
    let r = sim.generate(gen_body("p")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers().contains_key("x-request-id"));
    let body = r.bytes().await;
    assert!(body.is_err(), "the body must fail mid-way");
    assert_eq!(sim.server.state().charged, 0);
    expect_json(sim.generate(gen_body("p")).await, StatusCode::OK).await;
}

#[tokio::test]
async fn malformed_json_is_a_200_that_does_not_parse() {
    let sim = sim().await;
    sim.server.inject(Fault::new(FaultKind::MalformedJson));
    let r = sim.generate(gen_body("p")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "application/json");
    let text = r.text().await.unwrap();
    assert!(text.starts_with('{'));
    assert!(serde_json::from_str::<serde_json::Value>(&text).is_err(), "{text}");
    assert_eq!(sim.server.state().charged, 0);
}

#[tokio::test]
async fn partial_fault_returns_fewer_images_and_charges_only_those() {
    let sim = sim().await;
    sim.admin(Method::POST, "/__sim/faults", Some(json!({"kind": "partial", "fail_outputs": 2}))).await;
    let v =
        expect_json(sim.generate(json!({"model": "nano-banana-2", "prompt": "p", "n": 3})).await, StatusCode::OK).await;
    assert_eq!(pngs(&v).len(), 1);
    assert_eq!(v["usage"]["images"], 1);
    assert_eq!(v["usage"]["credits"], 4);
    let st = sim.server.state();
    assert_eq!((st.charged, st.balance), (4, 996));
    // All outputs failing is a 500 that charges nothing.
    sim.server.inject(Fault::partial(5));
    let r = sim.generate(json!({"model": "nano-banana-2", "prompt": "p", "n": 2})).await;
    expect_json(r, StatusCode::INTERNAL_SERVER_ERROR).await;
    assert_eq!(sim.server.state().charged, 4);
}

#[tokio::test]
async fn slow_fault_delays_the_answer_and_says_so() {
    let sim = sim().await;
    sim.server.inject(Fault::slow(300));
    let t = Instant::now();
    let r = sim.generate(gen_body("p")).await;
    assert!(t.elapsed() >= Duration::from_millis(300));
    assert_eq!(r.headers()["x-sim-fault-delay-ms"], "300");
    assert_eq!(r.headers()["x-sim-latency-ms"], "8");
    expect_json(r, StatusCode::OK).await;
    let log = sim.server.requests();
    assert_eq!(log[0].fault.as_deref(), Some("slow"));
    assert_eq!(log[0].fault_delay_ms, Some(300));
    assert!(log[0].server_ms >= 300.0);
    // Next one is fast again.
    let t = Instant::now();
    expect_json(sim.generate(gen_body("p")).await, StatusCode::OK).await;
    assert!(t.elapsed() < Duration::from_millis(300));
}

#[tokio::test]
async fn shutdown_ends_hanging_requests() {
    let sim = sim().await;
    sim.server.inject(Fault::new(FaultKind::Hang));
    let req = sim.http.post(sim.url("/v1/images/generations")).bearer_auth(KEY).json(&gen_body("p"));
    let hung = tokio::spawn(async move { req.send().await });
    wait_until("hang in flight", || sim.server.state().in_flight == 1).await;
    let t = Instant::now();
    sim.server.shutdown().await;
    assert!(t.elapsed() < Duration::from_secs(3));
    let _ = hung.await;
}

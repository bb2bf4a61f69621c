use std::time::{Duration, Instant};

use pixapi::{Client, Error, TaskState};
use pixapi_sim::{Fault, FaultKind};

use crate::common::*;

#[tokio::test]
async fn hang_hits_the_read_timeout_and_is_not_retried() {
    let sim = sim().await;
    let mut cfg = config(&sim);
    cfg.read_timeout = Duration::from_millis(300);
    let c = Client::new(cfg).unwrap();
    sim.inject(Fault::new(FaultKind::Hang).count(5));
    let t = Instant::now();
    let e = c.generate(&gen("nano-banana-2", "x"), &never()).await.unwrap_err();
    assert_eq!(e.kind, Error::Timeout, "{e}");
    assert_eq!(e.attempts, 1, "a POST that may have run is not repeated");
    assert!(t.elapsed() >= Duration::from_millis(300) && t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert_eq!(sim.state().requests, 1);
    // A read (GET) that hangs is retried.
    sim.clear_faults();
    sim.inject(Fault::new(FaultKind::Hang).path("/v1/models"));
    let models = c.list_models(&never()).await.unwrap();
    assert!(!models.is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn close_mid_body_is_connection_lost_and_not_retried() {
    let sim = sim().await;
    sim.inject(Fault::new(FaultKind::CloseMidBody));
    let e = client(&sim).generate(&gen("nano-banana-2", "x"), &never()).await.unwrap_err();
    assert_eq!(e.kind, Error::ConnectionLost { mid_body: true }, "{e}");
    assert_eq!(e.attempts, 1);
    assert!(!e.is_retryable());
    assert_eq!(sim.state().requests, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn malformed_json_is_malformed() {
    let sim = sim().await;
    sim.inject(Fault::new(FaultKind::MalformedJson));
    let e = client(&sim).generate(&gen("nano-banana-2", "x"), &never()).await.unwrap_err();
    assert!(matches!(e.kind, Error::Malformed { .. }), "{e:?}");
    assert_eq!(e.attempts, 1);
    assert_eq!(e.http_status(), Some(200));
    assert!(e.raw_body().is_some());
    sim.shutdown().await;
}

#[tokio::test]
async fn task_fail_is_task_failed_and_free() {
    let sim = sim().await;
    sim.inject(Fault::new(FaultKind::TaskFail));
    let c = client(&sim);
    let h = c.submit_generation(&gen("nano-banana-2", "x"), &never()).await.unwrap();
    let mut last = None;
    let e = c.wait_task(&h.id, &never(), |s| last = Some(s.clone())).await.unwrap_err();
    match &e.kind {
        Error::TaskFailed { message } => assert!(!message.is_empty()),
        k => panic!("{k:?}"),
    }
    assert!(e.user_message().starts_with("The generation task failed"));
    let last = last.unwrap();
    assert_eq!(last.state, TaskState::Failed);
    assert!(last.error.is_some());
    assert_eq!(sim.state().charged, 0);
    assert_eq!(submissions(&sim), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn partial_answers_carry_fewer_images() {
    let sim = sim().await;
    let c = client(&sim);
    sim.inject(Fault::partial(2).path("/v1/images/generations"));
    let mut req = gen("nano-banana-2", "three cats");
    req.n = Some(3);
    let out = c.generate(&req, &never()).await.unwrap();
    assert_eq!(out.images.len(), 1);
    assert_eq!(sim.state().charged, 4);
    // The same in a task result.
    sim.inject(Fault::partial(1).path("/v1/async"));
    let out = c.generate_async(&req, &never(), |_| {}, |_| {}).await.unwrap();
    assert_eq!(out.images.len(), 2);
    assert_eq!(sim.state().charged, 4 + 8);
    sim.shutdown().await;
}

#[tokio::test]
async fn slow_answers_show_in_the_timing() {
    let sim = sim().await;
    sim.inject(Fault::slow(300));
    let out = client(&sim).generate(&gen("nano-banana-2", "x"), &never()).await.unwrap();
    let t = sync_timing(&out.timing);
    assert!(t.send_ms >= 300.0, "{t:?}");
    assert!(t.total_ms >= t.send_ms);
    assert_sync_timing_consistent(t);
    sim.shutdown().await;
}

#[tokio::test]
async fn faults_can_be_injected_over_http() {
    let sim = sim().await;
    let http = reqwest::Client::new();
    let r = http
        .post(format!("{}/__sim/faults", sim.base_url()))
        .json(&serde_json::json!({"kind": "status", "status": 503, "count": 1, "path": "/v1/images/generations"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_success());
    let out = client(&sim).generate(&gen("nano-banana-2", "x"), &never()).await.unwrap();
    assert_eq!(out.attempts, 2);
    let state: serde_json::Value =
        http.get(format!("{}/__sim/state", sim.base_url())).send().await.unwrap().json().await.unwrap();
    assert_eq!(state["charged"], 4);
    sim.shutdown().await;
}

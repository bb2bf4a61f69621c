use std::time::{Duration, Instant};

use pixapi::{Client, EditRequest, Error, ImageInput, ImageSource, ResponseFormat, TaskState, TaskStatus};
use pixapi_sim::{Fault, FaultKind};

use crate::common::*;

#[tokio::test]
async fn async_generation_polls_with_progress_and_charges_once() {
    let sim = sim().await;
    let c = client(&sim);
    // Stretch processing so intermediate statuses are seen.
    sim.inject(Fault::slow(400).path("/v1/async/images/generations"));
    let h = c.submit_generation(&gen("nano-banana-2", "a slow snail"), &never()).await.unwrap();
    assert!(!h.id.is_empty());
    assert_eq!(h.attempts, 1);
    let mut seen: Vec<TaskStatus> = Vec::new();
    let out = c.wait_task(&h.id, &never(), |s| seen.push(s.clone())).await.unwrap();
    assert_eq!(out.images.len(), 1);
    assert_eq!(dims(&out.images[0].bytes), (1024, 1024));
    assert!(seen.len() >= 3, "{} updates", seen.len());
    assert!(seen.iter().any(|s| s.status == "processing" && s.progress.is_some_and(|p| p > 0.0 && p < 100.0)));
    assert_eq!(seen.last().unwrap().state, TaskState::Completed);
    assert!(seen.iter().all(|s| s.id == h.id));
    let progress: Vec<f64> = seen.iter().filter_map(|s| s.progress).collect();
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    let t = out.timing.as_async().expect("async timing");
    assert_eq!(t.polls as usize, seen.len());
    assert!(t.wait_ms >= 350.0, "{t:?}");
    assert!(t.total_ms + 0.01 >= t.wait_ms + t.decode_ms + t.download_ms, "{t:?}");
    assert!(out.raw_body_elided.contains("base64 chars elided"));
    let st = sim.state();
    assert_eq!((st.charged, st.tasks), (4, 1));
    assert_eq!(submissions(&sim), 1);
    // A later poll reads the finished task again, without charging.
    let again = c.get_task(&h.id, &never()).await.unwrap();
    assert_eq!(again.state, TaskState::Completed);
    assert!(again.raw.to_string().contains("base64 chars elided"));
    assert_eq!(sim.state().charged, 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn generate_async_and_edit_async_with_url_outputs() {
    let sim = sim().await;
    let c = client(&sim);
    let mut req = gen("nano-banana-2", "async url");
    req.response_format = Some(ResponseFormat::Url);
    req.n = Some(2);
    let mut submitted = None;
    let out = c.generate_async(&req, &never(), |h| submitted = Some(h.id.clone()), |_| {}).await.unwrap();
    assert!(submitted.is_some());
    assert_eq!(out.images.len(), 2);
    assert!(matches!(out.images[0].source, ImageSource::Url(_)));
    let t = out.timing.as_async().unwrap();
    assert!(t.submit_ms > 0.0 && t.polls >= 1 && t.download_ms > 0.0, "{t:?}");
    assert!(t.total_ms + 0.01 >= t.submit_ms + t.wait_ms, "{t:?}");

    let edit = EditRequest::new("nano-banana-2", "async edit", vec![ImageInput::from_bytes("r.png", reference_png(3))]);
    let out = c.edit_async(&edit, &never(), |_| {}, |_| {}).await.unwrap();
    assert_eq!(out.images.len(), 1);
    let h = c.submit_edit(&edit, &never()).await.unwrap();
    assert!(!h.id.is_empty());
    let st = c.wait_task(&h.id, &never(), |_| {}).await.unwrap();
    assert_eq!(st.images.len(), 1);
    assert_eq!(sim.state().tasks, 3);
    assert_eq!(sim.state().charged, 8 + 4 + 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_task_is_task_not_found() {
    let sim = sim().await;
    let e = client(&sim).get_task("task_nope", &never()).await.unwrap_err();
    assert_eq!(e.kind, Error::TaskNotFound, "{e}");
    assert_eq!(e.http_status(), Some(404));
    sim.shutdown().await;
}

#[tokio::test]
async fn polling_survives_server_errors_and_lost_connections() {
    let sim = sim().await;
    let c = client(&sim);
    sim.inject(Fault::slow(150).path("/v1/async"));
    let h = c.submit_generation(&gen("nano-banana-2", "x"), &never()).await.unwrap();
    sim.inject(Fault::status(500).path("/v1/tasks").count(2));
    sim.inject(Fault::new(FaultKind::CloseMidBody).path("/v1/tasks"));
    sim.inject(Fault::status(429).retry_after(1).path("/v1/tasks"));
    let out = c.wait_task(&h.id, &never(), |_| {}).await.unwrap();
    assert_eq!(out.images.len(), 1);
    let t = out.timing.as_async().unwrap();
    assert!(t.polls >= 5, "{t:?}");
    assert_eq!(submissions(&sim), 1);
    assert_eq!(sim.state().tasks, 1);
    assert_eq!(sim.state().charged, 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn polling_gives_up_after_too_many_errors_and_at_the_deadline() {
    let sim = sim().await;
    let mut cfg = config(&sim);
    cfg.poll.max_consecutive_errors = 2;
    let c = Client::new(cfg).unwrap();
    sim.inject(Fault::slow(5_000).path("/v1/async"));
    let h = c.submit_generation(&gen("nano-banana-2", "x"), &never()).await.unwrap();
    sim.inject(Fault::status(500).path("/v1/tasks").count(3));
    let e = c.wait_task(&h.id, &never(), |_| {}).await.unwrap_err();
    assert_eq!(e.kind, Error::Server { status: 500 });
    sim.clear_faults();
    let mut cfg = config(&sim);
    cfg.poll.deadline = Duration::from_millis(200);
    let c = Client::new(cfg).unwrap();
    let t = Instant::now();
    let e = c.wait_task(&h.id, &never(), |_| {}).await.unwrap_err();
    assert_eq!(e.kind, Error::PollDeadline);
    assert!(t.elapsed() < Duration::from_secs(1));
    assert_eq!(submissions(&sim), 1);
    sim.shutdown().await;
}

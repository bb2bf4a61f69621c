use std::time::{Duration, Instant};

use pixapi::{Client, ClientConfig, Error, RetryPolicy};
use pixapi_sim::{Fault, FaultKind, SimConfig};

use crate::common::*;

#[tokio::test]
async fn rate_limited_is_retried_then_succeeds() {
    let sim = sim().await;
    sim.inject(Fault::status(429).retry_after(1).count(2));
    let t = Instant::now();
    let out = client(&sim).generate(&gen("nano-banana-2", "x"), &never()).await.unwrap();
    assert_eq!(out.attempts, 3);
    assert_eq!(sim.state().requests, 3);
    // Retry-After: 1 was honoured but capped at 60 ms by the policy.
    assert!(t.elapsed() < Duration::from_millis(900), "{:?}", t.elapsed());
    assert!(out.timing.total_ms() >= 100.0, "two capped waits: {}", out.timing.total_ms());
    assert_eq!(sim.state().charged, 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn rate_limited_until_attempts_are_exhausted() {
    let sim = sim().await;
    sim.inject(Fault::status(429).retry_after(1).count(10));
    let e = client(&sim).generate(&gen("nano-banana-2", "x"), &never()).await.unwrap_err();
    assert_eq!(e.kind, Error::RateLimited { retry_after: Some(Duration::from_secs(1)) }, "{e}");
    assert!(e.is_retryable());
    assert_eq!(e.attempts, 3);
    assert_eq!(sim.state().requests, 3);
    assert_eq!(sim.state().charged, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn concurrency_limit_429_is_absorbed_by_retries() {
    let sim = start(SimConfig { max_concurrency: 1, ..SimConfig::default() }).await;
    let mut cfg = config(&sim);
    cfg.retry.max_attempts = 20;
    cfg.retry.max_retry_after = Duration::from_millis(50);
    let c = Client::new(cfg).unwrap();
    sim.inject(Fault::slow(300));
    let slow = {
        let c = c.clone();
        tokio::spawn(async move { c.generate(&gen("nano-banana-2", "first"), &never()).await })
    };
    tokio::time::sleep(Duration::from_millis(80)).await;
    let second = c.generate(&gen("nano-banana-2", "second"), &never()).await.unwrap();
    let first = slow.await.unwrap().unwrap();
    assert_eq!(first.attempts, 1);
    assert!(second.attempts > 1, "the second request met the limit: {}", second.attempts);
    assert_eq!(sim.state().charged, 8);
    sim.shutdown().await;
}

#[tokio::test]
async fn server_error_is_retried_a_bounded_number_of_times() {
    let sim = sim().await;
    let c = client(&sim);
    sim.inject(Fault::status(500));
    let out = c.generate(&gen("nano-banana-2", "x"), &never()).await.unwrap();
    assert_eq!(out.attempts, 2);
    sim.inject(Fault::status(500).count(10));
    let before = sim.state().requests;
    let e = c.generate(&gen("nano-banana-2", "x"), &never()).await.unwrap_err();
    assert_eq!(e.kind, Error::Server { status: 500 }, "{e}");
    assert_eq!(e.attempts, 3);
    assert_eq!(sim.state().requests - before, 3);
    assert!(e.user_message().contains("request id"));
    // An async submission answered 500 may have been accepted: not retried.
    sim.clear_faults();
    sim.inject(Fault::status(500).path("/v1/async"));
    let before = sim.state().requests;
    let e = c.submit_generation(&gen("nano-banana-2", "x"), &never()).await.unwrap_err();
    assert_eq!((e.kind.clone(), e.attempts), (Error::Server { status: 500 }, 1));
    assert_eq!(sim.state().requests - before, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn unavailable_is_retried_for_sync_and_submit() {
    let sim = sim().await;
    let c = client(&sim);
    sim.inject(Fault::status(503).count(10));
    let e = c.generate(&gen("nano-banana-2", "x"), &never()).await.unwrap_err();
    assert_eq!((e.kind.clone(), e.attempts), (Error::Unavailable, 3));
    sim.clear_faults();
    sim.inject(Fault::status(503).path("/v1/async"));
    let h = c.submit_generation(&gen("nano-banana-2", "x"), &never()).await.unwrap();
    assert_eq!(h.attempts, 2);
    assert_eq!(sim.state().tasks, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn connect_failure_is_typed_and_retried() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = Client::new(ClientConfig {
        retry: RetryPolicy {
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
            ..Default::default()
        },
        ..ClientConfig::new(format!("http://127.0.0.1:{port}")).with_api_key(KEY)
    })
    .unwrap();
    let e = c.generate(&gen("nano-banana-2", "x"), &never()).await.unwrap_err();
    assert!(matches!(e.kind, Error::Connect { .. }), "{e:?}");
    assert_eq!(e.attempts, 3);
    assert!(e.is_retryable());
    assert!(e.http_status().is_none());
    assert_no_key(&e);
}

#[tokio::test]
async fn retry_on_lost_post_opt_in() {
    let sim = sim().await;
    let mut cfg = config(&sim);
    cfg.read_timeout = Duration::from_millis(200);
    cfg.retry.retry_on_lost_post = true;
    let c = Client::new(cfg).unwrap();
    // The retry must answer within the 200 ms read timeout whatever the machine's load:
    // drawing this image once first puts it in the Sandbox's render cache.
    c.generate(&gen("nano-banana-2", "x"), &never()).await.unwrap();
    sim.inject(Fault::new(FaultKind::Hang));
    let out = c.generate(&gen("nano-banana-2", "x"), &never()).await.unwrap();
    assert_eq!(out.attempts, 2);
    sim.shutdown().await;
}

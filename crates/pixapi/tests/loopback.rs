//! The client against the real simulator over loopback: every endpoint, every error
//! row of the contract, every fault kind, retries, cancellation, async polling, URL
//! outputs and their expiry, the size limit, timing, and the curl export.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use pixapi::{
    to_curl, ApiError, Client, ClientConfig, EditRequest, Error, GenerationRequest,
    ImageFieldStyle, ImageInput, ImageSource, PollPolicy, ResponseFormat, RetryPolicy, SyncTiming,
    TaskState, TaskStatus, Timing,
};
use pixapi_sim::{Fault, FaultKind, SimConfig, SimServer};
use tokio_util::sync::CancellationToken;

const KEY: &str = "sk_test_1";
const BASE_ID: &str = "gemini-3.1-flash-image-preview";

async fn start(cfg: SimConfig) -> SimServer {
    SimServer::start(cfg).await.expect("sim starts")
}

async fn sim() -> SimServer {
    start(SimConfig::default()).await
}

/// Fast retries and polls, so that tests take milliseconds.
fn config(sim: &SimServer) -> ClientConfig {
    ClientConfig {
        retry: RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(40),
            max_retry_after: Duration::from_millis(60),
            ..Default::default()
        },
        poll: PollPolicy {
            initial_interval: Duration::from_millis(10),
            max_interval: Duration::from_millis(40),
            backoff_factor: 1.5,
            deadline: Duration::from_secs(30),
            max_consecutive_errors: 5,
        },
        ..ClientConfig::new(sim.base_url()).with_api_key(KEY)
    }
}

fn client(sim: &SimServer) -> Client {
    Client::new(config(sim)).expect("client")
}

fn gen(model: &str, prompt: &str) -> GenerationRequest {
    GenerationRequest::new(model, prompt)
}

fn never() -> CancellationToken {
    CancellationToken::new()
}

fn dims(png: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(png).expect("a decodable image");
    (img.width(), img.height())
}

fn sync_timing(t: &Timing) -> &SyncTiming {
    t.as_sync().expect("sync timing")
}

fn assert_sync_timing_consistent(t: &SyncTiming) {
    let eps = 0.01;
    assert!(t.send_ms > 0.0, "{t:?}");
    assert!(t.ttfb_ms + eps >= t.send_ms, "{t:?}");
    assert!(t.body_ms >= 0.0 && t.decode_ms > 0.0, "{t:?}");
    assert!(
        t.total_ms + eps >= t.ttfb_ms + t.body_ms + t.decode_ms + t.download_ms,
        "{t:?}"
    );
}

/// A small PNG to send as a reference image.
fn reference_png(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, seed]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

fn submissions(sim: &SimServer) -> usize {
    sim.requests()
        .iter()
        .filter(|r| r.path.starts_with("/v1/async/"))
        .count()
}

fn assert_no_key(e: &ApiError) {
    for s in [
        format!("{e}"),
        format!("{e:?}"),
        e.user_message(),
        e.raw_body().unwrap_or_default().to_string(),
    ] {
        assert!(!s.contains(KEY), "key leaked: {s}");
    }
}

// ----- endpoints ---------------------------------------------------------------------------

#[tokio::test]
async fn generate_b64_1k_with_timing_and_elided_body() {
    let sim = sim().await;
    let c = client(&sim);
    let mut req = gen("nano-banana-2", "a red fox");
    req.response_format = Some(ResponseFormat::B64Json);
    let out = c.generate(&req, &never()).await.unwrap();
    assert_eq!(out.images.len(), 1);
    assert_eq!(out.images[0].source, ImageSource::B64);
    assert_eq!(out.images[0].mime(), Some("image/png"));
    assert_eq!(dims(&out.images[0].bytes), (1024, 1024));
    assert_eq!(out.http_status, 200);
    assert_eq!(out.attempts, 1);
    assert!(out.request_id.as_deref().is_some_and(|id| !id.is_empty()));
    assert!(out.created.is_some());
    assert!(out.usage.is_some());
    assert!(
        out.raw_body_elided.contains("base64 chars elided"),
        "{}",
        out.raw_body_elided
    );
    assert!(out.raw_body_elided.len() < 2000, "{}", out.raw_body_elided);
    let t = sync_timing(&out.timing);
    assert_sync_timing_consistent(t);
    assert_eq!(t.download_ms, 0.0);
    assert_eq!(sim.state().charged, 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn variants_by_size_and_by_suffixed_id() {
    let sim = sim().await;
    let c = client(&sim);
    let mut req = gen(BASE_ID, "a lighthouse");
    req.size = Some("2K".into());
    let out = c.generate(&req, &never()).await.unwrap();
    assert_eq!(dims(&out.images[0].bytes), (2048, 2048));
    assert_eq!(sim.state().charged, 6);
    let mut req = gen(BASE_ID, "a lighthouse");
    req.size = Some("512x512".into());
    let out = c.generate(&req, &never()).await.unwrap();
    assert_eq!(dims(&out.images[0].bytes), (512, 512));
    assert_eq!(sim.state().charged, 10);
    // A shape is a WxH size (Pixapi has no aspect_ratio field).
    let mut req = gen("nano-banana-2", "a lighthouse");
    req.size = Some("1376x768".into());
    let out = c.generate(&req, &never()).await.unwrap();
    assert_eq!(dims(&out.images[0].bytes), (1376, 768));
    sim.shutdown().await;
}

#[tokio::test]
async fn url_outputs_are_downloaded_at_once() {
    let sim = sim().await;
    let c = client(&sim);
    let mut req = gen("nano-banana-2", "two owls");
    req.n = Some(2);
    req.response_format = Some(ResponseFormat::Url);
    let out = c.generate(&req, &never()).await.unwrap();
    assert_eq!(out.images.len(), 2);
    for img in &out.images {
        assert!(
            matches!(&img.source, ImageSource::Url(u) if u.contains("/files/")),
            "{:?}",
            img.source
        );
        assert_eq!(dims(&img.bytes), (1024, 1024));
    }
    assert_ne!(
        out.images[0].bytes, out.images[1].bytes,
        "outputs differ by index"
    );
    let t = sync_timing(&out.timing);
    assert!(t.download_ms > 0.0);
    assert_sync_timing_consistent(t);
    assert_eq!(sim.state().charged, 8);
    sim.shutdown().await;
}

#[tokio::test]
async fn url_expiry_gives_url_expired() {
    let sim = start(SimConfig {
        url_ttl: Duration::from_millis(150),
        ..SimConfig::default()
    })
    .await;
    let c = client(&sim);
    let mut req = gen("nano-banana-2", "a clock");
    req.response_format = Some(ResponseFormat::Url);
    let answer = c.generate_answer(&req, &never()).await.unwrap();
    let url = match &answer.items[0].data {
        pixapi::AnswerData::Url(u) => u.clone(),
        d => panic!("{d:?}"),
    };
    tokio::time::sleep(Duration::from_millis(400)).await;
    let e = c.download(&url, &never()).await.unwrap_err();
    assert_eq!(e.kind, Error::UrlExpired, "{e}");
    assert!(!e.is_retryable());
    let e = c.fetch_images(answer, &never()).await.unwrap_err();
    assert_eq!(e.kind, Error::UrlExpired);
    sim.shutdown().await;
}

#[tokio::test]
async fn edits_with_both_field_styles_and_a_mask() {
    let sim = sim().await;
    let c = client(&sim);
    for style in [ImageFieldStyle::Brackets, ImageFieldStyle::Repeated] {
        let mut req = EditRequest::new(
            "nano-banana-2",
            "make it blue",
            vec![
                ImageInput::from_bytes("a.png", reference_png(1)),
                ImageInput::from_bytes("b.png", reference_png(2)),
            ],
        );
        req.image_field = style;
        req.mask = Some(ImageInput::from_bytes("mask.png", reference_png(0)));
        let out = c
            .edit(&req, &never())
            .await
            .unwrap_or_else(|e| panic!("{style:?}: {e}"));
        assert_eq!(out.images.len(), 1);
        assert_eq!(dims(&out.images[0].bytes), (1024, 1024));
        assert_sync_timing_consistent(sync_timing(&out.timing));
    }
    assert_eq!(sim.state().charged, 8);
    sim.shutdown().await;
}

#[tokio::test]
async fn image_input_from_path() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("photo.png");
    std::fs::write(&p, reference_png(9)).unwrap();
    let img = ImageInput::from_path(&p).await.unwrap();
    assert_eq!(
        (img.file_name.as_str(), img.mime.as_str()),
        ("photo.png", "image/png")
    );
    let e = ImageInput::from_path(dir.path().join("missing.png"))
        .await
        .unwrap_err();
    assert!(matches!(e.kind, Error::InvalidInput { .. }));
}

#[tokio::test]
async fn edit_without_images_is_refused_locally() {
    let sim = sim().await;
    let c = client(&sim);
    let e = c
        .edit(&EditRequest::new("nano-banana-2", "x", vec![]), &never())
        .await
        .unwrap_err();
    assert!(matches!(e.kind, Error::InvalidInput { .. }), "{e}");
    assert_eq!(sim.state().requests, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn list_models_reads_ids() {
    let sim = sim().await;
    let models = client(&sim).list_models(&never()).await.unwrap();
    let ids: Vec<&str> = models.iter().map(|m| m.id.as_str()).collect();
    for want in [
        BASE_ID,
        "gemini-3.1-flash-image-preview-512",
        "gemini-3.1-flash-image-preview-4k",
    ] {
        assert!(ids.contains(&want), "{ids:?}");
    }
    sim.shutdown().await;
}

#[tokio::test]
async fn async_generation_polls_with_progress_and_charges_once() {
    let sim = sim().await;
    let c = client(&sim);
    // Stretch processing so intermediate statuses are seen.
    sim.inject(Fault::slow(400).path("/v1/async/images/generations"));
    let h = c
        .submit_generation(&gen("nano-banana-2", "a slow snail"), &never())
        .await
        .unwrap();
    assert!(!h.id.is_empty());
    assert_eq!(h.attempts, 1);
    let mut seen: Vec<TaskStatus> = Vec::new();
    let out = c
        .wait_task(&h.id, &never(), |s| seen.push(s.clone()))
        .await
        .unwrap();
    assert_eq!(out.images.len(), 1);
    assert_eq!(dims(&out.images[0].bytes), (1024, 1024));
    assert!(seen.len() >= 3, "{} updates", seen.len());
    assert!(seen
        .iter()
        .any(|s| s.status == "processing" && s.progress.is_some_and(|p| p > 0.0 && p < 100.0)));
    assert_eq!(seen.last().unwrap().state, TaskState::Completed);
    assert!(seen.iter().all(|s| s.id == h.id));
    let progress: Vec<f64> = seen.iter().filter_map(|s| s.progress).collect();
    assert!(progress.windows(2).all(|w| w[0] <= w[1]), "{progress:?}");
    let t = out.timing.as_async().expect("async timing");
    assert_eq!(t.polls as usize, seen.len());
    assert!(t.wait_ms >= 350.0, "{t:?}");
    assert!(
        t.total_ms + 0.01 >= t.wait_ms + t.decode_ms + t.download_ms,
        "{t:?}"
    );
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
    let out = c
        .generate_async(&req, &never(), |h| submitted = Some(h.id.clone()), |_| {})
        .await
        .unwrap();
    assert!(submitted.is_some());
    assert_eq!(out.images.len(), 2);
    assert!(matches!(out.images[0].source, ImageSource::Url(_)));
    let t = out.timing.as_async().unwrap();
    assert!(
        t.submit_ms > 0.0 && t.polls >= 1 && t.download_ms > 0.0,
        "{t:?}"
    );
    assert!(t.total_ms + 0.01 >= t.submit_ms + t.wait_ms, "{t:?}");

    let edit = EditRequest::new(
        "nano-banana-2",
        "async edit",
        vec![ImageInput::from_bytes("r.png", reference_png(3))],
    );
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
    let e = client(&sim)
        .get_task("task_nope", &never())
        .await
        .unwrap_err();
    assert_eq!(e.kind, Error::TaskNotFound, "{e}");
    assert_eq!(e.http_status(), Some(404));
    sim.shutdown().await;
}

// ----- the error table ---------------------------------------------------------------------

#[tokio::test]
async fn bad_request_names_the_field_and_is_not_retried() {
    let sim = sim().await;
    let c = client(&sim);
    let mut req = gen("nano-banana-2", "x");
    req.n = Some(0);
    let e = c.generate(&req, &never()).await.unwrap_err();
    match &e.kind {
        Error::BadRequest { field, message } => {
            assert_eq!(field.as_deref(), Some("n"));
            assert!(!message.is_empty());
        }
        k => panic!("{k:?}"),
    }
    assert_eq!(e.http_status(), Some(400));
    assert!(e.request_id().is_some());
    assert!(e
        .raw_body()
        .is_some_and(|b| b.contains("invalid_request_error")));
    assert!(e.user_message().contains("`n`"), "{}", e.user_message());
    assert!(!e.is_retryable());
    assert_eq!(e.attempts, 1);
    let mut req = gen("nano-banana-2", "x");
    req.size = Some("3K".into());
    let e = c.generate(&req, &never()).await.unwrap_err();
    assert!(
        matches!(&e.kind, Error::BadRequest { field: Some(f), .. } if f == "size"),
        "{e:?}"
    );
    assert_eq!(sim.state().requests, 2);
    assert_eq!(sim.state().charged, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn wrong_key_is_unauthorized_and_never_shown() {
    let sim = sim().await;
    let c = client(&sim).with_key("sk_wrong_key_123456789").unwrap();
    let e = c
        .generate(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap_err();
    assert_eq!(e.kind, Error::Unauthorized, "{e}");
    assert_eq!(e.attempts, 1);
    for s in [
        format!("{e}"),
        format!("{e:?}"),
        e.user_message(),
        e.raw_body().unwrap_or_default().to_string(),
    ] {
        assert!(!s.contains("123456789"), "key leaked: {s}");
    }
    let no_key = Client::new(ClientConfig {
        api_key: None,
        ..config(&sim)
    })
    .unwrap();
    let e = no_key.list_models(&never()).await.unwrap_err();
    assert_eq!(e.kind, Error::Unauthorized);
    sim.shutdown().await;
}

#[tokio::test]
async fn insufficient_credits_charges_nothing() {
    let sim = start(SimConfig {
        credits: 5,
        ..SimConfig::default()
    })
    .await;
    let c = client(&sim);
    let mut req = gen("nano-banana-2", "x");
    req.n = Some(2);
    let e = c.generate(&req, &never()).await.unwrap_err();
    assert_eq!(e.kind, Error::InsufficientCredits, "{e}");
    assert_eq!(e.http_status(), Some(402));
    assert!(
        e.request_id().is_some_and(|id| id.starts_with("req")),
        "{e:?}"
    );
    assert!(e.user_message().starts_with("Not enough credits"));
    assert_eq!(e.attempts, 1);
    let st = sim.state();
    assert_eq!((st.balance, st.charged), (5, 0));
    // Async submissions are refused the same way.
    sim.set_balance(0);
    let e = c
        .submit_generation(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap_err();
    assert_eq!(e.kind, Error::InsufficientCredits);
    assert_eq!(sim.state().tasks, 0);
    assert_no_key(&e);
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_model_is_model_not_found() {
    let sim = sim().await;
    let e = client(&sim)
        .generate(&gen("no-such-model", "x"), &never())
        .await
        .unwrap_err();
    assert_eq!(e.kind, Error::ModelNotFound, "{e}");
    assert_eq!(e.attempts, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn prompt_rejected_via_fault() {
    let sim = sim().await;
    sim.inject(Fault::status(422));
    let e = client(&sim)
        .generate(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap_err();
    assert_eq!(e.kind, Error::PromptRejected, "{e}");
    assert_eq!(e.attempts, 1);
    assert!(e.user_message().contains("moderation"));
    assert_eq!(sim.state().charged, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn rate_limited_is_retried_then_succeeds() {
    let sim = sim().await;
    sim.inject(Fault::status(429).retry_after(1).count(2));
    let t = Instant::now();
    let out = client(&sim)
        .generate(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap();
    assert_eq!(out.attempts, 3);
    assert_eq!(sim.state().requests, 3);
    // Retry-After: 1 was honoured but capped at 60 ms by the policy.
    assert!(
        t.elapsed() < Duration::from_millis(900),
        "{:?}",
        t.elapsed()
    );
    assert!(
        out.timing.total_ms() >= 100.0,
        "two capped waits: {}",
        out.timing.total_ms()
    );
    assert_eq!(sim.state().charged, 4);
    sim.shutdown().await;
}

#[tokio::test]
async fn rate_limited_until_attempts_are_exhausted() {
    let sim = sim().await;
    sim.inject(Fault::status(429).retry_after(1).count(10));
    let e = client(&sim)
        .generate(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap_err();
    assert_eq!(
        e.kind,
        Error::RateLimited {
            retry_after: Some(Duration::from_secs(1))
        },
        "{e}"
    );
    assert!(e.is_retryable());
    assert_eq!(e.attempts, 3);
    assert_eq!(sim.state().requests, 3);
    assert_eq!(sim.state().charged, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn concurrency_limit_429_is_absorbed_by_retries() {
    let sim = start(SimConfig {
        max_concurrency: 1,
        ..SimConfig::default()
    })
    .await;
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
    let second = c
        .generate(&gen("nano-banana-2", "second"), &never())
        .await
        .unwrap();
    let first = slow.await.unwrap().unwrap();
    assert_eq!(first.attempts, 1);
    assert!(
        second.attempts > 1,
        "the second request met the limit: {}",
        second.attempts
    );
    assert_eq!(sim.state().charged, 8);
    sim.shutdown().await;
}

#[tokio::test]
async fn server_error_is_retried_a_bounded_number_of_times() {
    let sim = sim().await;
    let c = client(&sim);
    sim.inject(Fault::status(500));
    let out = c
        .generate(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap();
    assert_eq!(out.attempts, 2);
    sim.inject(Fault::status(500).count(10));
    let before = sim.state().requests;
    let e = c
        .generate(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap_err();
    assert_eq!(e.kind, Error::Server { status: 500 }, "{e}");
    assert_eq!(e.attempts, 3);
    assert_eq!(sim.state().requests - before, 3);
    assert!(e.user_message().contains("request id"));
    // An async submission answered 500 may have been accepted: not retried.
    sim.clear_faults();
    sim.inject(Fault::status(500).path("/v1/async"));
    let before = sim.state().requests;
    let e = c
        .submit_generation(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap_err();
    assert_eq!(
        (e.kind.clone(), e.attempts),
        (Error::Server { status: 500 }, 1)
    );
    assert_eq!(sim.state().requests - before, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn unavailable_is_retried_for_sync_and_submit() {
    let sim = sim().await;
    let c = client(&sim);
    sim.inject(Fault::status(503).count(10));
    let e = c
        .generate(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap_err();
    assert_eq!((e.kind.clone(), e.attempts), (Error::Unavailable, 3));
    sim.clear_faults();
    sim.inject(Fault::status(503).path("/v1/async"));
    let h = c
        .submit_generation(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap();
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
    let e = c
        .generate(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap_err();
    assert!(matches!(e.kind, Error::Connect { .. }), "{e:?}");
    assert_eq!(e.attempts, 3);
    assert!(e.is_retryable());
    assert!(e.http_status().is_none());
    assert_no_key(&e);
}

// ----- faults ------------------------------------------------------------------------------

#[tokio::test]
async fn hang_is_cancelled_promptly() {
    let sim = sim().await;
    let c = client(&sim);
    sim.inject(Fault::new(FaultKind::Hang));
    let cancel = CancellationToken::new();
    let task = {
        let (c, cancel) = (c.clone(), cancel.clone());
        tokio::spawn(async move { c.generate(&gen("nano-banana-2", "x"), &cancel).await })
    };
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sim.state().in_flight, 1);
    let t = Instant::now();
    cancel.cancel();
    let e = task.await.unwrap().unwrap_err();
    assert_eq!(e.kind, Error::Cancelled);
    assert!(
        t.elapsed() < Duration::from_millis(100),
        "{:?}",
        t.elapsed()
    );
    // The request was dropped: the sim sees the disconnect and charges nothing.
    let deadline = Instant::now() + Duration::from_secs(3);
    while sim.state().in_flight != 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(sim.state().in_flight, 0);
    assert_eq!((sim.state().requests, sim.state().charged), (1, 0));
    sim.shutdown().await;
}

#[tokio::test]
async fn hang_hits_the_read_timeout_and_is_not_retried() {
    let sim = sim().await;
    let mut cfg = config(&sim);
    cfg.read_timeout = Duration::from_millis(300);
    let c = Client::new(cfg).unwrap();
    sim.inject(Fault::new(FaultKind::Hang).count(5));
    let t = Instant::now();
    let e = c
        .generate(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap_err();
    assert_eq!(e.kind, Error::Timeout, "{e}");
    assert_eq!(e.attempts, 1, "a POST that may have run is not repeated");
    assert!(
        t.elapsed() >= Duration::from_millis(300) && t.elapsed() < Duration::from_secs(2),
        "{:?}",
        t.elapsed()
    );
    assert_eq!(sim.state().requests, 1);
    // A read (GET) that hangs is retried.
    sim.clear_faults();
    sim.inject(Fault::new(FaultKind::Hang).path("/v1/models"));
    let models = c.list_models(&never()).await.unwrap();
    assert!(!models.is_empty());
    sim.shutdown().await;
}

#[tokio::test]
async fn retry_on_lost_post_opt_in() {
    let sim = sim().await;
    let mut cfg = config(&sim);
    cfg.read_timeout = Duration::from_millis(200);
    cfg.retry.retry_on_lost_post = true;
    let c = Client::new(cfg).unwrap();
    sim.inject(Fault::new(FaultKind::Hang));
    let out = c
        .generate(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap();
    assert_eq!(out.attempts, 2);
    sim.shutdown().await;
}

#[tokio::test]
async fn close_mid_body_is_connection_lost_and_not_retried() {
    let sim = sim().await;
    sim.inject(Fault::new(FaultKind::CloseMidBody));
    let e = client(&sim)
        .generate(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap_err();
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
    let e = client(&sim)
        .generate(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap_err();
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
    let h = c
        .submit_generation(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap();
    let mut last = None;
    let e = c
        .wait_task(&h.id, &never(), |s| last = Some(s.clone()))
        .await
        .unwrap_err();
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
    let out = c
        .generate_async(&req, &never(), |_| {}, |_| {})
        .await
        .unwrap();
    assert_eq!(out.images.len(), 2);
    assert_eq!(sim.state().charged, 4 + 8);
    sim.shutdown().await;
}

#[tokio::test]
async fn slow_answers_show_in_the_timing() {
    let sim = sim().await;
    sim.inject(Fault::slow(300));
    let out = client(&sim)
        .generate(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap();
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
    let out = client(&sim)
        .generate(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap();
    assert_eq!(out.attempts, 2);
    let state: serde_json::Value = http
        .get(format!("{}/__sim/state", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(state["charged"], 4);
    sim.shutdown().await;
}

// ----- cancellation and polling ------------------------------------------------------------

#[tokio::test]
async fn cancelled_before_start_sends_nothing() {
    let sim = sim().await;
    let cancel = CancellationToken::new();
    cancel.cancel();
    let e = client(&sim)
        .generate(&gen("nano-banana-2", "x"), &cancel)
        .await
        .unwrap_err();
    assert_eq!(e.kind, Error::Cancelled);
    assert_eq!(sim.state().requests, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn cancelling_an_async_wait_never_resubmits() {
    let sim = sim().await;
    let c = client(&sim);
    sim.inject(Fault::slow(10_000).path("/v1/async"));
    let h = c
        .submit_generation(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap();
    let cancel = CancellationToken::new();
    let waiter = {
        let (c, cancel, id) = (c.clone(), cancel.clone(), h.id.clone());
        tokio::spawn(async move { c.wait_task(&id, &cancel, |_| {}).await })
    };
    tokio::time::sleep(Duration::from_millis(250)).await;
    let t = Instant::now();
    cancel.cancel();
    let e = waiter.await.unwrap().unwrap_err();
    assert_eq!(e.kind, Error::Cancelled);
    assert!(t.elapsed() < Duration::from_millis(100));
    assert_eq!(submissions(&sim), 1);
    assert_eq!(sim.state().tasks, 1);
    // The task lives on: it can be resumed by id.
    let st = c.get_task(&h.id, &never()).await.unwrap();
    assert_eq!(st.state, TaskState::Running);
    assert_eq!(submissions(&sim), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn polling_survives_server_errors_and_lost_connections() {
    let sim = sim().await;
    let c = client(&sim);
    sim.inject(Fault::slow(150).path("/v1/async"));
    let h = c
        .submit_generation(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap();
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
    let h = c
        .submit_generation(&gen("nano-banana-2", "x"), &never())
        .await
        .unwrap();
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

// ----- limits ------------------------------------------------------------------------------

#[tokio::test]
async fn max_response_bytes_refuses_a_4k_answer() {
    let sim = sim().await;
    let c = client(&sim);
    let req = gen("gemini-3.1-flash-image-preview-4k", "a detailed city");
    let big = c.generate(&req, &never()).await.unwrap();
    assert_eq!(dims(&big.images[0].bytes), (4096, 4096));
    let answer_len = big.images[0].bytes.len() as u64 * 4 / 3;
    let charged = sim.state().charged;
    let mut cfg = config(&sim);
    cfg.max_response_bytes = answer_len / 2;
    let small = Client::new(cfg).unwrap();
    let e = small.generate(&req, &never()).await.unwrap_err();
    assert_eq!(
        e.kind,
        Error::TooLarge {
            limit: answer_len / 2
        },
        "{e}"
    );
    assert_eq!(e.attempts, 1);
    assert!(e.user_message().contains("limit"));
    // A 1K answer (far smaller) still fits under the same limit.
    let ok = small
        .generate(&gen("nano-banana-2", "small"), &never())
        .await
        .unwrap();
    assert!((ok.images[0].bytes.len() as u64) < answer_len / 2);
    eprintln!(
        "4K answer ~{answer_len} bytes, 1K image {} bytes",
        ok.images[0].bytes.len()
    );
    let now = sim.state().charged;
    eprintln!("charged before {charged}, after {now}");
    assert!(now == charged + 4 || now == charged + 4 + 8, "{now}");
    sim.shutdown().await;
}

// ----- inspector and curl ------------------------------------------------------------------

fn run_shell(cmd: &str) -> std::process::Output {
    std::process::Command::new("bash")
        .arg("-c")
        .arg(cmd)
        .env("PIXAPI_API_KEY", KEY)
        .output()
        .expect("bash runs")
}

#[tokio::test]
async fn curl_export_works_for_generations_and_edits() {
    if std::process::Command::new("curl")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("curl not installed: skipped");
        return;
    }
    let sim = sim().await;
    let c = client(&sim);
    let mut req = gen("nano-banana-2", "it's a \"quoted\" $HOME prompt");
    req.extra
        .insert("quality".into(), serde_json::json!("high"));
    let desc = c.describe_generation(&req);
    let json = serde_json::to_string(&desc).unwrap();
    assert!(json.contains("$PIXAPI_API_KEY") && !json.contains(KEY));
    let cmd = to_curl(&desc, &[]);
    assert!(!cmd.contains(KEY), "{cmd}");
    let out = tokio::task::spawn_blocking(move || run_shell(&cmd))
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {} / {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(v["data"].as_array().map(|a| a.len()), Some(1), "{v}");

    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = (0..2u8)
        .map(|i| {
            let p = dir.path().join(format!("ref {i};x.png"));
            std::fs::write(&p, reference_png(i)).unwrap();
            p
        })
        .collect();
    let mut edit = EditRequest::new(
        "nano-banana-2",
        "@not-a-file edit",
        vec![
            ImageInput::from_bytes("a.png", reference_png(0)),
            ImageInput::from_bytes("b.png", reference_png(1)),
        ],
    );
    edit.n = Some(2);
    let desc = c.describe_edit(&edit);
    let cmd = to_curl(&desc, &paths);
    assert!(cmd.contains("image[]=@"), "{cmd}");
    let out = tokio::task::spawn_blocking(move || run_shell(&cmd))
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {} / {}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert_eq!(v["data"].as_array().map(|a| a.len()), Some(2), "{v}");
    sim.shutdown().await;
}

use std::time::Duration;

use pixapi::{ApiError, Client, ClientConfig, GenerationRequest, PollPolicy, RetryPolicy, SyncTiming, Timing};
use pixapi_sim::{SimConfig, SimServer};
use tokio_util::sync::CancellationToken;

pub const KEY: &str = "sk_test_1";
pub const BASE_ID: &str = "gemini-3.1-flash-image-preview";

pub async fn start(cfg: SimConfig) -> SimServer {
    SimServer::start(cfg).await.expect("sim starts")
}

pub async fn sim() -> SimServer {
    start(SimConfig::default()).await
}

/// Fast retries and polls, so that tests take milliseconds.
pub fn config(sim: &SimServer) -> ClientConfig {
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

pub fn client(sim: &SimServer) -> Client {
    Client::new(config(sim)).expect("client")
}

pub fn gen(model: &str, prompt: &str) -> GenerationRequest {
    GenerationRequest::new(model, prompt)
}

pub fn never() -> CancellationToken {
    CancellationToken::new()
}

pub fn dims(png: &[u8]) -> (u32, u32) {
    let img = image::load_from_memory(png).expect("a decodable image");
    (img.width(), img.height())
}

pub fn sync_timing(t: &Timing) -> &SyncTiming {
    t.as_sync().expect("sync timing")
}

pub fn assert_sync_timing_consistent(t: &SyncTiming) {
    let eps = 0.01;
    assert!(t.send_ms > 0.0, "{t:?}");
    assert!(t.ttfb_ms + eps >= t.send_ms, "{t:?}");
    assert!(t.body_ms >= 0.0 && t.decode_ms > 0.0, "{t:?}");
    assert!(t.total_ms + eps >= t.ttfb_ms + t.body_ms + t.decode_ms + t.download_ms, "{t:?}");
}

/// A small PNG to send as a reference image.
pub fn reference_png(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8 * 4, y as u8 * 5, seed]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub fn submissions(sim: &SimServer) -> usize {
    sim.requests().iter().filter(|r| r.path.starts_with("/v1/async/")).count()
}

pub fn assert_no_key(e: &ApiError) {
    for s in [format!("{e}"), format!("{e:?}"), e.user_message(), e.raw_body().unwrap_or_default().to_string()] {
        assert!(!s.contains(KEY), "key leaked: {s}");
    }
}

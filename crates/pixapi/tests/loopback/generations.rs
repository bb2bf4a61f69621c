use std::time::Duration;

use pixapi::{Error, ImageSource, ResponseFormat};
use pixapi_sim::SimConfig;

use crate::common::*;

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
    assert!(out.raw_body_elided.contains("base64 chars elided"), "{}", out.raw_body_elided);
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
        assert!(matches!(&img.source, ImageSource::Url(u) if u.contains("/files/")), "{:?}", img.source);
        assert_eq!(dims(&img.bytes), (1024, 1024));
    }
    assert_ne!(out.images[0].bytes, out.images[1].bytes, "outputs differ by index");
    let t = sync_timing(&out.timing);
    assert!(t.download_ms > 0.0);
    assert_sync_timing_consistent(t);
    assert_eq!(sim.state().charged, 8);
    sim.shutdown().await;
}

#[tokio::test]
async fn url_expiry_gives_url_expired() {
    let sim = start(SimConfig { url_ttl: Duration::from_millis(150), ..SimConfig::default() }).await;
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

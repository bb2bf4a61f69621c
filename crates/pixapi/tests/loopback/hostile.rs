//! The client against the sim's `hostile` faults. Every connection stays on loopback:
//! where a test needs a LAN or metadata host, a loopback address stands in for it, and
//! the client's base URL is a name (`sim.test`, resolved by a stub to 127.0.0.1) so that
//! loopback is not the base's own kind of address and the policy must refuse it.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use pixapi::net::StaticResolver;
use pixapi::{Client, ClientConfig, Error, ResponseFormat};
use pixapi_sim::{Fault, HostileVariant, SimServer};

use crate::common::*;

const LOCAL: &str = "127.0.0.1";

/// A client whose base URL is `http://sim.test:PORT` (not loopback by its name), with a
/// stub resolver: `sim.test` and `lan.test` are 127.0.0.1 (loopback standing in for the
/// LAN), nothing else resolves.
fn named_client(sim: &SimServer) -> Client {
    let port = sim.addr().port();
    let ip: IpAddr = LOCAL.parse().unwrap();
    let cfg = ClientConfig {
        base_url: format!("http://sim.test:{port}"),
        resolver: Some(Arc::new(StaticResolver::new([("sim.test", vec![ip]), ("lan.test", vec![ip])]))),
        ..config(sim)
    };
    Client::new(cfg).unwrap()
}

fn url_req() -> pixapi::GenerationRequest {
    let mut req = gen(BASE_ID, "hostile");
    req.response_format = Some(ResponseFormat::Url);
    req
}

fn refused(e: &pixapi::ApiError) -> &str {
    match &e.kind {
        Error::RefusedUrl { detail } => detail,
        other => panic!("expected a refused link, got {other:?}: {e}"),
    }
}

#[tokio::test]
async fn the_base_host_is_trusted_under_its_name() {
    let sim = sim().await;
    let c = named_client(&sim);
    // The sim's links name the host the client used: sim.test, the base's own.
    let r = c.generate(&url_req(), &never()).await.unwrap();
    assert_eq!(dims(&r.images[0].bytes), (1024, 1024));
    sim.shutdown().await;
}

#[tokio::test]
async fn file_urls_and_redirects_to_them_are_refused() {
    let sim = sim().await;
    let c = client(&sim);
    sim.inject(Fault::hostile(HostileVariant::FileUrl));
    let e = c.generate(&url_req(), &never()).await.unwrap_err();
    assert!(refused(&e).contains("file: URL"), "{e}");
    assert!(e.user_message().contains("not followed"), "{}", e.user_message());
    sim.inject(Fault::hostile(HostileVariant::Redirect));
    let e = c.generate(&url_req(), &never()).await.unwrap_err();
    assert!(refused(&e).contains("redirected to a file: URL"), "{e}");
    assert_eq!(e.attempts, 1, "a refusal is not retried");
    // The sim charged both: it believes it delivered them.
    assert_eq!(sim.state().charged, 8);
    sim.shutdown().await;
}

#[tokio::test]
async fn loopback_stands_in_for_the_lan_and_is_refused_for_a_named_base() {
    let sim = sim().await;
    let port = sim.addr().port();
    let c = named_client(&sim);
    // An IP-literal link: refused before any request.
    sim.inject(Fault::hostile(HostileVariant::FileUrl).to(format!("http://{LOCAL}:{port}/files/x.png")));
    let e = c.generate(&url_req(), &never()).await.unwrap_err();
    assert!(refused(&e).contains("127.0.0.1, a loopback address"), "{e}");
    // A redirect to one: refused at the hop.
    sim.inject(Fault::hostile(HostileVariant::Redirect).to(format!("http://{LOCAL}:{port}/v1/models")));
    let e = c.generate(&url_req(), &never()).await.unwrap_err();
    assert!(refused(&e).contains("redirected to a link that points to 127.0.0.1"), "{e}");
    // A name that resolves to it: refused when resolved (the stub answers 127.0.0.1).
    sim.inject(Fault::hostile(HostileVariant::Redirect).to(format!("http://lan.test:{port}/v1/models")));
    let e = c.generate(&url_req(), &never()).await.unwrap_err();
    assert!(refused(&e).contains("lan.test resolves to 127.0.0.1"), "{e}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_loopback_base_follows_a_redirect_to_another_loopback_port() {
    let sim = sim().await;
    let other = self::sim().await;
    let c = client(&sim);
    // A link on the other sim (another port), reached through a redirect of the first.
    let answer = client(&other).generate_answer(&url_req(), &never()).await.unwrap();
    let target = match &answer.items[0].data {
        pixapi::AnswerData::Url(u) => u.clone(),
        d => panic!("{d:?}"),
    };
    sim.inject(Fault::hostile(HostileVariant::Redirect).to(target).hops(2));
    let r = c.generate(&url_req(), &never()).await.unwrap();
    assert_eq!(dims(&r.images[0].bytes), (1024, 1024));
    // A loop is cut at the limit.
    sim.inject(Fault::hostile(HostileVariant::Redirect).to("http://127.0.0.1:1/").hops(50));
    let e = c.generate(&url_req(), &never()).await.unwrap_err();
    assert!(refused(&e).contains("more than 5 times"), "{e}");
    other.shutdown().await;
    sim.shutdown().await;
}

#[tokio::test]
async fn data_urls_are_bounded_before_decoding() {
    let sim = sim().await;
    let mut cfg = config(&sim);
    cfg.max_response_bytes = 1 << 20;
    let c = Client::new(cfg).unwrap();
    let big = format!("data:image/png;base64,{}", "A".repeat(2 << 20));
    let e = c.download(&big, &never()).await.unwrap_err();
    assert_eq!(e.kind, Error::TooLarge { limit: 1 << 20 });
    let small = format!("data:image/png;base64,{}", "A".repeat(1 << 10));
    assert_eq!(c.download(&small, &never()).await.unwrap().len(), 768);
    // A 30 MiB data: URL within the default limit is decoded (a padded PNG).
    sim.inject(Fault::hostile(HostileVariant::DataUrl));
    let r = client(&sim).generate(&url_req(), &never()).await.unwrap();
    assert!(r.images[0].bytes.len() > 20 << 20, "{}", r.images[0].bytes.len());
    assert_eq!(dims(&r.images[0].bytes), (1024, 1024));
    assert!(r.raw_body_elided.len() < 4096, "{}", r.raw_body_elided.len());
    sim.shutdown().await;
}

#[tokio::test]
async fn a_huge_streamed_body_stops_at_the_limit() {
    let sim = sim().await;
    let mut cfg = config(&sim);
    cfg.max_response_bytes = 8 << 20;
    let c = Client::new(cfg).unwrap();
    sim.inject(Fault::hostile(HostileVariant::HugeBody));
    let t = Instant::now();
    let e = c.generate(&gen(BASE_ID, "huge"), &never()).await.unwrap_err();
    assert_eq!(e.kind, Error::TooLarge { limit: 8 << 20 }, "{e}");
    assert!(t.elapsed() < Duration::from_secs(10), "{:?}", t.elapsed());
    assert_eq!(e.attempts, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_html_page_says_so() {
    let sim = sim().await;
    sim.inject(Fault::hostile(HostileVariant::Html));
    let e = client(&sim).generate(&gen(BASE_ID, "portal"), &never()).await.unwrap_err();
    match &e.kind {
        Error::Malformed { detail } => assert!(detail.contains("HTML page"), "{detail}"),
        k => panic!("{k:?}"),
    }
    assert_eq!(e.http_status, Some(200));
    assert_eq!(sim.state().charged, 0, "a page in front of the API charges nothing");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_drip_is_cut_off_by_the_pace_and_a_stall_by_the_idle_timeout() {
    let sim = sim().await;
    let mut cfg = config(&sim);
    cfg.read_timeout = Duration::from_millis(400);
    let c = Client::new(cfg).unwrap();
    // The image is drawn once first (the Sandbox caches it), so that the time before the
    // first byte is not the drawing's, whatever the machine's load.
    c.generate(&gen(BASE_ID, "drip"), &never()).await.unwrap();
    // A byte every 20 ms never trips the idle timeout; the pace does.
    sim.inject(Fault::hostile(HostileVariant::Drip).interval_ms(20).delay_ms(30_000));
    let t = Instant::now();
    let e = c.generate(&gen(BASE_ID, "drip"), &never()).await.unwrap_err();
    assert!(matches!(e.kind, Error::TooSlow { received, .. } if received > 1), "{e}");
    assert!(t.elapsed() < Duration::from_secs(3), "{:?}", t.elapsed());
    assert!(e.user_message().contains("too slowly"), "{}", e.user_message());
    // A byte every 600 ms: the idle timeout.
    sim.inject(Fault::hostile(HostileVariant::Drip).interval_ms(600).delay_ms(30_000));
    let e = c.generate(&gen(BASE_ID, "drip"), &never()).await.unwrap_err();
    assert!(matches!(e.kind, Error::TooSlow { .. } | Error::Timeout), "{e}");
    // A short drip is only slow: the answer arrives whole.
    sim.inject(Fault::hostile(HostileVariant::Drip).interval_ms(5).delay_ms(100));
    let r = c.generate(&gen(BASE_ID, "drip"), &never()).await.unwrap();
    assert_eq!(r.images.len(), 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn extra_items_not_images_and_bombs_reach_the_caller_bounded() {
    let sim = sim().await;
    let c = client(&sim);
    sim.inject(Fault::hostile(HostileVariant::ExtraItems).items(200));
    let mut req = url_req();
    req.n = Some(2);
    let r = c.generate(&req, &never()).await.unwrap();
    assert_eq!((r.images.len(), r.dropped), (2, 200));
    assert_eq!(sim.state().charged, 202 * 4, "the sim bills what it answered");
    // The client does not decode images: the bytes come back, for the caller to judge.
    sim.inject(Fault::hostile(HostileVariant::NotImage));
    let r = c.generate(&gen(BASE_ID, "x"), &never()).await.unwrap();
    assert!(image::load_from_memory(&r.images[0].bytes).is_err());
    sim.inject(Fault::hostile(HostileVariant::Bomb));
    let r = c.generate(&gen(BASE_ID, "x"), &never()).await.unwrap();
    let dims = image::ImageReader::new(std::io::Cursor::new(&r.images[0].bytes))
        .with_guessed_format()
        .unwrap()
        .into_dimensions()
        .unwrap();
    assert_eq!(dims, (60_000, 60_000));
    assert!(r.images[0].bytes.len() < 100);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_links_of_one_answer_share_the_size_limit() {
    let sim = sim().await;
    let mut cfg = config(&sim);
    cfg.max_response_bytes = 8 << 20;
    let c = Client::new(cfg).unwrap();
    // Four links of 3 MiB: each within 8 MiB, together not.
    sim.inject(Fault::hostile(HostileVariant::HugeBody).bytes(3 << 20));
    let mut req = url_req();
    req.n = Some(4);
    let e = c.generate(&req, &never()).await.unwrap_err();
    assert_eq!(e.kind, Error::TooLarge { limit: 8 << 20 }, "{e}");
    // Two of them fit.
    sim.inject(Fault::hostile(HostileVariant::HugeBody).bytes(3 << 20));
    req.n = Some(2);
    let r = c.generate(&req, &never()).await.unwrap();
    assert_eq!(r.images.iter().map(|i| i.bytes.len()).sum::<usize>(), 6 << 20);
    sim.shutdown().await;
}

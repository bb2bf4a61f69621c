//! The `hostile` fault family over HTTP: each variant's answer and what it charges.

use std::time::{Duration, Instant};

use base64::Engine;
use futures::StreamExt;
use pixapi_sim::{Fault, HostileVariant};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;

fn url_body(n: u32) -> Value {
    json!({"model": "gemini-3.1-flash-image-preview", "prompt": "h", "n": n, "response_format": "url"})
}

fn b64_of(v: &Value) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD.decode(v.as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn admin_takes_hostile_faults_and_checks_them() {
    let sim = sim().await;
    let v = sim
        .admin(Method::POST, "/__sim/faults", Some(json!({"kind": "hostile", "variant": "extra_items", "items": 5})))
        .await;
    assert_eq!(v["pending"], 1);
    let listed = sim.admin(Method::GET, "/__sim/faults", None).await;
    assert_eq!(listed["faults"][0]["variant"], "extra_items");
    assert_eq!(listed["faults"][0]["items"], 5);
    for bad in [
        json!({"kind": "hostile"}),
        json!({"kind": "hostile", "variant": "explode"}),
        json!({"kind": "hostile", "variant": "extra_items", "items": 1_000_000}),
    ] {
        let r = sim.http.post(sim.url("/__sim/faults")).json(&bad).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    sim.server.shutdown().await;
}

#[tokio::test]
async fn item_variants_and_their_charges() {
    let sim = sim().await;
    // extra_items: n + items links to the sim's own files, all charged.
    sim.server.inject(Fault::hostile(HostileVariant::ExtraItems).items(7));
    let v = expect_json(sim.generate(url_body(2)).await, StatusCode::OK).await;
    let data = v["data"].as_array().unwrap();
    assert_eq!(data.len(), 9);
    let link = data[8]["url"].as_str().unwrap();
    let png = sim.http.get(link).send().await.unwrap().bytes().await.unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    assert_eq!(v["usage"]["images"], 9);
    assert_eq!(sim.charged().await, 36);
    let rec = sim.last_request().await;
    assert_eq!((rec["fault"].as_str(), rec["credits"].as_i64()), (Some("hostile"), Some(36)));

    // not_image: "string", or the base64 of `body`.
    sim.server.inject(Fault::hostile(HostileVariant::NotImage));
    let v = expect_json(sim.generate(gen_body("p")).await, StatusCode::OK).await;
    assert_eq!(v["data"][0]["b64_json"], "string");
    sim.server.inject(Fault::hostile(HostileVariant::NotImage).body("<html>no</html>"));
    let v = expect_json(sim.generate(gen_body("p")).await, StatusCode::OK).await;
    assert_eq!(b64_of(&v["data"][0]["b64_json"]), b"<html>no</html>");

    // bomb: a tiny PNG declaring 60000x60000.
    sim.server.inject(Fault::hostile(HostileVariant::Bomb));
    let v = expect_json(sim.generate(gen_body("p")).await, StatusCode::OK).await;
    let bomb = b64_of(&v["data"][0]["b64_json"]);
    assert!(bomb.len() < 100);
    assert_eq!(&bomb[16..24], &[0, 0, 0xEA, 0x60, 0, 0, 0xEA, 0x60]);

    // file_url; data_url.
    sim.server.inject(Fault::hostile(HostileVariant::FileUrl));
    let v = expect_json(sim.generate(gen_body("p")).await, StatusCode::OK).await;
    assert_eq!(v["data"][0]["url"], "file:///etc/passwd");
    // (4 MiB: more than a 1K output, about 1 MB, so the padding shows.)
    sim.server.inject(Fault::hostile(HostileVariant::DataUrl).bytes(4 << 20));
    let v = expect_json(sim.generate(gen_body("p")).await, StatusCode::OK).await;
    let u = v["data"][0]["url"].as_str().unwrap();
    assert!(u.starts_with("data:image/png;base64,iVBOR"), "{}", &u[..40]);
    assert!(u.len() <= 4 << 20 && u.len() > (4 << 20) - 8, "{}", u.len());
    // 36 + 4 x 5 (each of the five answers above charged as one delivered image)
    assert_eq!(sim.charged().await, 56);
    sim.server.shutdown().await;
}

#[tokio::test]
async fn redirects_go_where_they_are_told_under_any_host() {
    let sim = sim().await;
    let http = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    sim.server.inject(Fault::hostile(HostileVariant::Redirect).hops(2));
    let v = expect_json(sim.generate(gen_body("p")).await, StatusCode::OK).await;
    let mut link = v["data"][0]["url"].as_str().unwrap().to_string();
    assert!(link.contains("/__sim/redirect?to=file%3A%2F%2F%2Fetc%2Fpasswd&hops=2"), "{link}");
    let mut seen = vec![];
    for _ in 0..3 {
        // Not held to the admin API's loopback-Host rule.
        let r = http.get(&link).header("host", "cdn.example").send().await.unwrap();
        assert_eq!(r.status(), StatusCode::FOUND);
        let loc = r.headers()["location"].to_str().unwrap().to_string();
        seen.push(loc.clone());
        link = if loc.starts_with('/') { sim.url(&loc) } else { loc };
    }
    assert_eq!(seen.last().unwrap(), "file:///etc/passwd");
    assert!(seen[0].ends_with("hops=1"), "{seen:?}");
    // The rest of the admin API still is.
    let r = http.get(sim.url("/__sim/state")).header("host", "cdn.example").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    sim.server.shutdown().await;
}

#[tokio::test]
async fn html_is_a_page_and_charges_nothing() {
    let sim = sim().await;
    sim.server.inject(Fault::hostile(HostileVariant::Html));
    let r = sim.generate(gen_body("p")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    assert!(r.text().await.unwrap().starts_with("<!DOCTYPE html>"));
    assert_eq!(sim.charged().await, 0);
    assert_eq!(sim.server.state().in_flight, 0);
    sim.server.shutdown().await;
}

#[tokio::test]
async fn huge_body_streams_without_a_length_and_stops_when_the_client_goes() {
    let sim = sim().await;
    sim.server.inject(Fault::hostile(HostileVariant::HugeBody));
    let r = sim.generate(gen_body("p")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.content_length().is_none());
    let mut stream = r.bytes_stream();
    let mut got = 0usize;
    let mut head = Vec::new();
    while got < 20 << 20 {
        let c = stream.next().await.unwrap().unwrap();
        if head.len() < 64 {
            head.extend_from_slice(&c[..c.len().min(64)]);
        }
        got += c.len();
    }
    assert!(head.starts_with(b"{\"created\": "), "{:?}", String::from_utf8_lossy(&head));
    drop(stream);
    assert_eq!(sim.charged().await, 4, "billed as the image it believes it sent");
    // A small one ends as JSON of exactly `bytes`.
    sim.server.inject(Fault::hostile(HostileVariant::HugeBody).bytes(3 << 20));
    let body = sim.generate(gen_body("p")).await.bytes().await.unwrap();
    assert_eq!(body.len(), 3 << 20);
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert!(v["data"][0]["b64_json"].as_str().unwrap().starts_with("AAAA"));
    sim.server.shutdown().await;
}

#[tokio::test]
async fn drip_sends_a_byte_at_a_time_then_the_rest() {
    let sim = sim().await;
    sim.server.inject(Fault::hostile(HostileVariant::Drip).interval_ms(50).delay_ms(400));
    let t = Instant::now();
    let r = sim.generate(gen_body("p")).await;
    assert!(t.elapsed() < Duration::from_millis(300), "the head comes at once");
    let mut stream = r.bytes_stream();
    let mut chunks = vec![];
    while let Some(c) = stream.next().await {
        chunks.push(c.unwrap());
    }
    assert!(t.elapsed() >= Duration::from_millis(400), "{:?}", t.elapsed());
    assert!(chunks.len() >= 5 && chunks[..5].iter().all(|c| c.len() == 1), "{}", chunks.len());
    let body: Vec<u8> = chunks.concat();
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert!(b64_of(&v["data"][0]["b64_json"]).starts_with(b"\x89PNG"));
    assert_eq!(sim.charged().await, 4);
    sim.server.shutdown().await;
}

#[tokio::test]
async fn huge_links_stream_under_any_host() {
    let sim = sim().await;
    sim.server.inject(Fault::hostile(HostileVariant::HugeBody).bytes(5 << 20));
    let v = expect_json(sim.generate(url_body(3)).await, StatusCode::OK).await;
    let links: Vec<&str> = v["data"].as_array().unwrap().iter().map(|d| d["url"].as_str().unwrap()).collect();
    assert_eq!(links.len(), 3);
    assert!(links[0].ends_with("/__sim/huge?bytes=5242880"), "{}", links[0]);
    let r = sim.http.get(links[2]).header("host", "cdn.example").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.content_length().is_none());
    let body = r.bytes().await.unwrap();
    assert_eq!(body.len(), 5 << 20);
    assert!(body.starts_with(b"\x89PNG\r\n\x1a\nAAAA"));
    assert_eq!(sim.charged().await, 12);
    sim.server.shutdown().await;
}

use pixapi_sim::SimConfig;
use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn sync_generation_n2_gives_distinct_1k_pngs_and_charges() {
    let sim = sim().await;
    let r = sim.generate(json!({"model": "nano-banana-2", "prompt": "a red fox", "n": 2})).await;
    assert_eq!(r.headers()["x-sim-latency-ms"], "8");
    assert!(r.headers()["x-sim-server-ms"].to_str().unwrap().parse::<f64>().unwrap() >= 8.0);
    assert_eq!(r.headers()["x-sim-resolved-model"], "gemini-3.1-flash-image-preview");
    let v = expect_json(r, StatusCode::OK).await;
    assert!(v["created"].as_i64().unwrap() > 1_700_000_000);
    assert_eq!(v["usage"]["credits"], 8);
    assert_eq!(v["usage"]["images"], 2);
    let p = pngs(&v);
    assert_eq!(p.len(), 2);
    for png in &p {
        assert_eq!(decode(png).dimensions(), (1024, 1024));
    }
    assert_ne!(p[0], p[1], "outputs of one request must differ");

    let other = expect_json(sim.generate(gen_body("a blue whale")).await, StatusCode::OK).await;
    let o = pngs(&other);
    assert_ne!(o[0], p[0]);
    // Visibly different, not just a few bytes.
    let (a, b) = (decode(&p[0]), decode(&o[0]));
    let diff: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| x.abs_diff(*y) as u64).sum();
    assert!(diff / a.as_raw().len() as u64 > 10);

    let st = sim.server.state();
    assert_eq!((st.balance, st.charged, st.images_served), (1000 - 8 - 4, 12, 3));
    assert_eq!(st.requests, 2);
    assert_eq!(st.in_flight, 0);
}

#[tokio::test]
async fn same_prompt_and_index_give_same_bytes() {
    let sim = sim().await;
    let a =
        expect_json(sim.generate(json!({"model": "nano-banana-2", "prompt": "same", "n": 2})).await, StatusCode::OK)
            .await;
    let b = expect_json(sim.generate(json!({"model": "nano-banana-2", "prompt": "same"})).await, StatusCode::OK).await;
    let c =
        expect_json(sim.generate(json!({"model": "nano-banana-2", "prompt": "same", "n": 3})).await, StatusCode::OK)
            .await;
    let (a, b, c) = (pngs(&a), pngs(&b), pngs(&c));
    assert_eq!(a[0], b[0]);
    assert_eq!(a[1], c[1]);
    assert_ne!(c[2], c[1]);
}

/// Lenient tolerance: the price tables' suffixed ids and size keywords (strict refuses both;
/// see strict.rs).
#[tokio::test]
async fn lenient_suffixed_id_and_size_both_give_2k_and_charge_6() {
    let sim = lenient_sim().await;
    for body in [
        json!({"model": "gemini-3.1-flash-image-preview-2k", "prompt": "p"}),
        json!({"model": "gemini-3.1-flash-image-preview", "prompt": "p", "size": "2K"}),
        json!({"model": "nano-banana-2", "prompt": "p", "size": "2k"}),
        // The suffix wins over a size keyword.
        json!({"model": "gemini-3.1-flash-image-preview-2k", "prompt": "p", "size": "4K"}),
    ] {
        let before = sim.server.state().charged;
        let v = expect_json(sim.generate(body.clone()).await, StatusCode::OK).await;
        assert_eq!(decode(&pngs(&v)[0]).dimensions(), (2048, 2048), "{body}");
        assert_eq!(sim.server.state().charged - before, 6, "{body}");
        assert_eq!(v["usage"]["model"], "gemini-3.1-flash-image-preview-2k");
    }
    // An explicit WxH wins over the suffix.
    let v = expect_json(
        sim.generate(json!({"model": "gemini-3.1-flash-image-preview-2k", "prompt": "p", "size": "512x512"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(decode(&pngs(&v)[0]).dimensions(), (512, 512));
    assert_eq!(v["usage"]["credits"], 4);
}

/// Lenient tolerance: `aspect_ratio` shapes the output, and a `WxH` is snapped to a tier's
/// long edge (strict delivers the `WxH` exactly and ignores `aspect_ratio`; see strict.rs).
#[tokio::test]
async fn lenient_aspect_ratio_and_wxh_shape_the_output() {
    let sim = lenient_sim().await;
    let cases = [
        (json!({"model": "nano-banana-2", "prompt": "p", "aspect_ratio": "16:9"}), (1024, 576)),
        (json!({"model": "nano-banana-2", "prompt": "p", "size": "2K", "aspect_ratio": "9:16"}), (1152, 2048)),
        (json!({"model": "nano-banana-2", "prompt": "p", "size": "1536x1024"}), (2048, 1368)),
        (json!({"model": "nano-banana-2", "prompt": "p", "size": "512"}), (512, 512)),
        (json!({"model": "gpt-image-1.5", "prompt": "p", "size": "1536x1024"}), (1536, 1024)),
        (json!({"model": "gpt-image-2", "prompt": "p", "size": "2048x1152", "quality": "medium"}), (2048, 1152)),
    ];
    for (body, dims) in cases {
        let v = expect_json(sim.generate(body.clone()).await, StatusCode::OK).await;
        assert_eq!(decode(&pngs(&v)[0]).dimensions(), dims, "{body}");
    }
}

#[tokio::test]
async fn four_k_is_4096_and_prices_follow_the_catalog() {
    let sim = sim().await;
    let r = sim.generate(json!({"model": "gemini-3-pro-image-preview", "prompt": "big", "size": "4096x4096"})).await;
    assert_eq!(r.headers()["x-sim-latency-ms"], "20");
    let v = expect_json(r, StatusCode::OK).await;
    assert_eq!(decode(&pngs(&v)[0]).dimensions(), (4096, 4096));
    assert_eq!(sim.server.state().charged, 16);
    let prices = [
        (json!({"model": "gemini-3.1-flash-image-preview", "prompt": "p", "size": "512x512"}), 4),
        (json!({"model": "gemini-3.1-flash-image-preview", "prompt": "p", "size": "4096x4096"}), 8),
        (json!({"model": "gemini-3-pro-image-preview", "prompt": "p", "size": "1024x1024"}), 8),
        (json!({"model": "gemini-2.5-flash-image", "prompt": "p", "size": "1024x1024", "n": 3}), 6),
        (json!({"model": "gpt-image-1.5", "prompt": "p", "size": "1024x1024", "n": 2}), 2),
        (json!({"model": "gpt-image-2", "prompt": "p", "size": "1024x1024", "quality": "low", "n": 2}), 2),
        (json!({"model": "gpt-image-2", "prompt": "p", "size": "1024x1024"}), 14),
    ];
    for (body, credits) in prices {
        let before = sim.server.state().charged;
        let v = expect_json(sim.generate(body.clone()).await, StatusCode::OK).await;
        assert_eq!(v["usage"]["credits"], credits, "{body}");
        assert_eq!(sim.server.state().charged - before, credits, "{body}");
    }
    // The request log records the configured latency of each request.
    let log = sim.server.requests();
    assert_eq!(log[0].latency_ms, Some(20));
    assert_eq!(log[1].latency_ms, Some(5));
    assert_eq!(log[0].resolved_model.as_deref(), Some("gemini-3-pro-image-preview-4k"));
    assert_eq!(log[0].credits, 16);
}

#[tokio::test]
async fn url_outputs_download_and_expire() {
    let sim = sim_with(SimConfig { url_ttl: std::time::Duration::from_millis(1500), ..SimConfig::default() }).await;
    let v = expect_json(
        sim.generate(json!({"model": "nano-banana-2", "prompt": "by url", "n": 2, "response_format": "url"})).await,
        StatusCode::OK,
    )
    .await;
    let urls: Vec<String> =
        v["data"].as_array().unwrap().iter().map(|d| d["url"].as_str().unwrap().to_string()).collect();
    assert_eq!(urls.len(), 2);
    assert_ne!(urls[0], urls[1]);
    let mut first = Vec::new();
    for u in &urls {
        assert!(u.starts_with(&format!("{}/files/", sim.base)) && u.ends_with(".png"), "{u}");
        let r = sim.http.get(u).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], "image/png");
        let bytes = r.bytes().await.unwrap();
        assert_eq!(decode(&bytes).dimensions(), (1024, 1024));
        first.push(bytes);
    }
    // Same picture as b64_json.
    let b =
        expect_json(sim.generate(json!({"model": "nano-banana-2", "prompt": "by url"})).await, StatusCode::OK).await;
    assert_eq!(pngs(&b)[0], first[0].to_vec());
    tokio::time::sleep(std::time::Duration::from_millis(1600)).await;
    let r = sim.http.get(&urls[0]).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let r = sim.http.get(sim.url("/files/nope.png")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

/// Strict (the default): only the documented ids, canonical and aliases; the price tables'
/// suffixed names are not models.
#[tokio::test]
async fn models_list_has_the_documented_ids_and_aliases() {
    let sim = sim().await;
    let v = expect_json(sim.get("/v1/models").await, StatusCode::OK).await;
    assert_eq!(v["object"], "list");
    let mut ids: Vec<&str> = v["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    ids.sort_unstable();
    assert_eq!(
        ids,
        [
            "gemini-2.5-flash-image",
            "gemini-3-pro-image-preview",
            "gemini-3.1-flash-image-preview",
            "gemini-3.1-flash-lite-image",
            "gpt-image-1.5",
            "gpt-image-2",
            "nano-banana",
            "nano-banana-2",
            "nano-banana-pro",
        ]
    );
    for m in v["data"].as_array().unwrap() {
        assert_eq!(m["object"], "model");
        assert!(m["created"].is_i64());
        let id = m["id"].as_str().unwrap();
        let owner = if id.starts_with("gpt") { "openai" } else { "google" };
        assert_eq!(m["owned_by"], owner, "{id}");
    }
    let one = expect_json(sim.get("/v1/models/nano-banana").await, StatusCode::OK).await;
    assert_eq!(one["id"], "nano-banana");
    let r = sim.get("/v1/models/gemini-3.1-flash-image-preview-2k").await;
    expect_string_error(r, StatusCode::NOT_FOUND, "model_not_found").await;
}

/// Lenient: the suffixed variant ids are listed too.
#[tokio::test]
async fn lenient_models_list_has_every_id_and_alias() {
    let sim = lenient_sim().await;
    let v = expect_json(sim.get("/v1/models").await, StatusCode::OK).await;
    assert_eq!(v["object"], "list");
    let ids: Vec<&str> = v["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    for id in [
        "gemini-3.1-flash-image-preview-512",
        "gemini-3.1-flash-image-preview",
        "gemini-3.1-flash-image-preview-2k",
        "gemini-3.1-flash-image-preview-4k",
        "nano-banana-2",
        "gemini-3-pro-image-preview",
        "gemini-3-pro-image-preview-2k",
        "gemini-3-pro-image-preview-4k",
        "nano-banana-pro",
        "gemini-2.5-flash-image",
        "nano-banana",
        "gpt-image-1.5",
        "gpt-image-2",
    ] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    for m in v["data"].as_array().unwrap() {
        assert_eq!(m["object"], "model");
        assert!(m["created"].is_i64());
        let owner = m["owned_by"].as_str().unwrap();
        let id = m["id"].as_str().unwrap();
        assert_eq!(owner, if id.starts_with("gpt") { "openai" } else { "google" });
    }
    let one = expect_json(sim.get("/v1/models/nano-banana").await, StatusCode::OK).await;
    assert_eq!(one["id"], "nano-banana");
    let one = expect_json(sim.get("/v1/models/gemini-3.1-flash-image-preview-2k").await, StatusCode::OK).await;
    assert_eq!(one["id"], "gemini-3.1-flash-image-preview-2k");
}

#[tokio::test]
async fn concurrent_requests_cannot_overspend() {
    let sim = sim().await;
    sim.server.set_balance(8);
    sim.server.inject(pixapi_sim::Fault::slow(400));
    let body = |p: &str| json!({"model": "gemini-3.1-flash-image-preview", "prompt": p, "size": "4096x4096"});
    let first = sim.generate(body("a"));
    let second = async {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        sim.generate(body("b")).await
    };
    let (a, b) = tokio::join!(first, second);
    assert_eq!(a.status(), StatusCode::OK);
    assert_eq!(b.status(), StatusCode::PAYMENT_REQUIRED);
    assert_eq!(a.headers()["x-sim-fault-delay-ms"], "400");
    let st = sim.server.state();
    assert_eq!((st.balance, st.charged), (0, 8));
}

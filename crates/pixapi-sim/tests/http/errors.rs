use pixapi_sim::SimConfig;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

#[tokio::test]
async fn missing_or_wrong_key_is_401_in_the_string_shape() {
    let sim = sim_with(SimConfig { keys: vec!["sk_a".into(), "sk_b".into()], ..SimConfig::default() }).await;
    let url = sim.url("/v1/images/generations");
    let body = gen_body("p");
    let no_key = sim.http.post(&url).json(&body).send().await.unwrap();
    let wrong = sim.http.post(&url).bearer_auth("sk_wrong_123").json(&body).send().await.unwrap();
    let basic = sim.http.post(&url).basic_auth("sk_a", Some("")).json(&body).send().await.unwrap();
    for r in [no_key, wrong, basic] {
        let v = expect_string_error(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.starts_with("Invalid API key"), "{msg}");
        assert!(!msg.contains("sk_wrong_123"), "the key must not be echoed");
    }
    // The documented message for a key that is not valid (docs/authentication/).
    let wrong = sim.http.post(&url).bearer_auth("sk_nope").json(&body).send().await.unwrap();
    let v = expect_string_error(wrong, StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_eq!(v["error"]["message"], "Invalid API key.");
    let models = sim.http.get(sim.url("/v1/models")).send().await.unwrap();
    expect_string_error(models, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let tasks = sim.http.get(sim.url("/v1/tasks/task_x")).send().await.unwrap();
    assert_eq!(tasks.status(), StatusCode::UNAUTHORIZED);
    for key in ["sk_a", "sk_b"] {
        let r = sim.http.post(&url).bearer_auth(key).json(&body).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
    }
    assert_eq!(sim.server.state().charged, 8);
}

#[tokio::test]
async fn unknown_model_is_404_model_not_found() {
    let sim = sim().await;
    let v = expect_string_error(
        sim.generate(json!({"model": "dall-e-9", "prompt": "p"})).await,
        StatusCode::NOT_FOUND,
        "model_not_found",
    )
    .await;
    assert!(v["error"]["message"].as_str().unwrap().contains("dall-e-9"));
    let form = Form::new()
        .text("model", "nope")
        .text("prompt", "p")
        .part("image", Part::bytes(solid_png(8, 8, [0, 0, 0])).file_name("a.png").mime_str("image/png").unwrap());
    expect_string_error(sim.edit(form).await, StatusCode::NOT_FOUND, "model_not_found").await;
    expect_string_error(sim.get("/v1/models/nope").await, StatusCode::NOT_FOUND, "model_not_found").await;
    expect_string_error(sim.get("/v1/tasks/task_nope").await, StatusCode::NOT_FOUND, "not_found").await;
    assert_eq!(sim.server.state().charged, 0);
}

#[tokio::test]
async fn validation_errors_name_the_field() {
    let sim = sim().await;
    let cases = [
        (json!({"prompt": "p"}), "model"),
        (json!({"model": "", "prompt": "p"}), "model"),
        (json!({"model": 7, "prompt": "p"}), "model"),
        (json!({"model": "nano-banana-2"}), "prompt"),
        (json!({"model": "nano-banana-2", "prompt": ""}), "prompt"),
        (json!({"model": "nano-banana-2", "prompt": "   "}), "prompt"),
        (json!({"model": "nano-banana-2", "prompt": ["p"]}), "prompt"),
        (json!({"model": "nano-banana-2", "prompt": "p", "n": "2"}), "n"),
        (json!({"model": "nano-banana-2", "prompt": "p", "n": 2.5}), "n"),
        (json!({"model": "nano-banana-2", "prompt": "p", "n": 0}), "n"),
        (json!({"model": "nano-banana-2", "prompt": "p", "n": 11}), "n"),
        (json!({"model": "nano-banana-2", "prompt": "p", "n": -1}), "n"),
        (json!({"model": "nano-banana-2", "prompt": "p", "size": "huge"}), "size"),
        (json!({"model": "nano-banana-2", "prompt": "p", "size": "8K"}), "size"),
        (json!({"model": "gemini-2.5-flash-image", "prompt": "p", "size": "2K"}), "size"),
        (json!({"model": "nano-banana-pro", "prompt": "p", "size": "512"}), "size"),
        (json!({"model": "gpt-image-2", "prompt": "p", "size": "1000x1000"}), "size"),
        (json!({"model": "gpt-image-1.5", "prompt": "p", "size": "2K"}), "size"),
        (json!({"model": "nano-banana-2", "prompt": "p", "response_format": "png"}), "response_format"),
        (json!({"model": "gpt-image-2", "prompt": "p", "quality": "ultra"}), "quality"),
    ];
    for (body, param) in cases {
        let r = sim.generate(body.clone()).await;
        let v = expect_json(r, StatusCode::BAD_REQUEST).await;
        assert_eq!(v["error"]["param"], param, "{body} -> {v}");
        assert_eq!(v["error"]["type"], "invalid_request_error");
        assert_eq!(v["error"]["code"], 400);
    }
    // Bad JSON, and a JSON body that is not an object.
    for raw in ["{\"model\": \"nano-banana-2\", ", "[1, 2]", ""] {
        let r = sim
            .http
            .post(sim.url("/v1/images/generations"))
            .bearer_auth(KEY)
            .header("content-type", "application/json")
            .body(raw)
            .send()
            .await
            .unwrap();
        let v = expect_json(r, StatusCode::BAD_REQUEST).await;
        assert_eq!(v["error"]["type"], "invalid_request_error", "{raw}");
    }
    let st = sim.server.state();
    assert_eq!((st.charged, st.balance, st.in_flight), (0, 1000, 0));
}

/// Lenient tolerance: `aspect_ratio` is read, so a ratio the family lacks is a 400 naming it
/// (strict ignores the field; see strict.rs).
#[tokio::test]
async fn lenient_validation_errors_name_aspect_ratio() {
    let sim = lenient_sim().await;
    for body in [
        json!({"model": "nano-banana-2", "prompt": "p", "aspect_ratio": "7:5"}),
        json!({"model": "nano-banana-pro", "prompt": "p", "aspect_ratio": "8:1"}),
        json!({"model": "nano-banana-2", "prompt": "p", "aspect_ratio": "wide"}),
    ] {
        expect_400(sim.generate(body).await, "aspect_ratio").await;
    }
    assert_eq!(sim.server.state().charged, 0);
}

fn png_part(png: Vec<u8>) -> Part {
    Part::bytes(png).file_name("ref.png").mime_str("image/png").unwrap()
}

#[tokio::test]
async fn edit_validation_errors_name_the_field() {
    let sim = sim_with(SimConfig { max_image_bytes: 20_000, ..SimConfig::default() }).await;
    let small = || png_part(solid_png(16, 16, [10, 200, 10]));
    let base = || Form::new().text("model", "nano-banana-2").text("prompt", "edit me");

    expect_400(sim.edit(base()).await, "image").await;
    let mut four = Form::new().text("model", "nano-banana").text("prompt", "p");
    for _ in 0..4 {
        four = four.part("image[]", small());
    }
    let v = expect_400(sim.edit(four).await, "image").await;
    assert!(v["error"]["message"].as_str().unwrap().contains('3'), "{v}");
    let mut fifteen = base();
    for _ in 0..15 {
        fifteen = fifteen.part("image", small());
    }
    expect_400(sim.edit(fifteen).await, "image").await;
    let garbage = base().part("image", Part::bytes(b"not an image at all".to_vec()).file_name("x.png"));
    expect_400(sim.edit(garbage).await, "image").await;
    let noisy: Vec<u8> = (0..200_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let big = base().part("image", Part::bytes(noisy).file_name("big.png").mime_str("image/png").unwrap());
    let v = expect_400(sim.edit(big).await, "image").await;
    assert!(v["error"]["message"].as_str().unwrap().contains("20000"), "{v}");
    let bad_mask = base().part("image", small()).part("mask", Part::bytes(b"nope".to_vec()).file_name("m.png"));
    expect_400(sim.edit(bad_mask).await, "mask").await;
    let bad_data_url = base().text("image", "data:image/png;base64,@@@");
    expect_400(sim.edit(bad_data_url).await, "image").await;
    let remote = base().text("image", "https://example.com/cat.png");
    expect_400(sim.edit(remote).await, "image").await;
    let bad_n = base().part("image", small()).text("n", "two");
    expect_400(sim.edit(bad_n).await, "n").await;
    let no_prompt = Form::new().text("model", "nano-banana-2").part("image", small());
    expect_400(sim.edit(no_prompt).await, "prompt").await;
    // A JSON body on /edits without images.
    let r = sim.post_json("/v1/images/edits", &json!({"model": "nano-banana-2", "prompt": "p"})).await;
    expect_400(r, "image").await;
    assert_eq!(sim.server.state().charged, 0);
}

#[tokio::test]
async fn insufficient_credits_is_402_and_charges_nothing() {
    let sim = sim_with(SimConfig { credits: 7, ..SimConfig::default() }).await;
    let r = sim.generate(json!({"model": "nano-banana-2", "prompt": "p", "n": 2})).await;
    let rid = r.headers()["x-request-id"].to_str().unwrap().to_string();
    let v = expect_json(r, StatusCode::PAYMENT_REQUIRED).await;
    assert_eq!(v["error"]["code"], "insufficient_credits");
    assert_eq!(v["error"]["message"], "Not enough credits for this request.");
    assert_eq!(v["error"]["request_id"], rid.as_str());
    assert!(v["error"].get("type").is_none(), "{v}");
    assert!(rid.starts_with("req_"));
    let st = sim.server.state();
    assert_eq!((st.balance, st.charged, st.images_served), (7, 0, 0));
    // One image fits.
    expect_json(sim.generate(json!({"model": "nano-banana-2", "prompt": "p"})).await, StatusCode::OK).await;
    assert_eq!(sim.server.state().balance, 3);
    // Async submissions are checked too.
    let r = sim.post_json("/v1/async/images/generations", &json!({"model": "nano-banana-2", "prompt": "p"})).await;
    expect_json(r, StatusCode::PAYMENT_REQUIRED).await;
    assert_eq!(sim.server.state().tasks, 0);
}

#[tokio::test]
async fn unknown_routes_are_404_json_with_request_id() {
    let sim = sim().await;
    let r = sim.get("/v2/nothing").await;
    expect_string_error(r, StatusCode::NOT_FOUND, "not_found").await;
    let r = sim.http.get(sim.url("/v1/images/generations")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert!(r.headers().contains_key("x-request-id"));
}

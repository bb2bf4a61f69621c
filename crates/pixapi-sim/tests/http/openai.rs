//! The OpenAI flavour (`SimConfig::flavour = Flavour::OpenAi`, `--flavour openai`): OpenAI's
//! Images API for gpt-image-1, gpt-image-1-mini and gpt-image-1.5, billed in dollars.

use pixapi_sim::{Fault, Flavour, SimConfig};
use reqwest::multipart::{Form, Part};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

use crate::common::*;

async fn openai_sim() -> Sim {
    openai_sim_with(SimConfig::default()).await
}

async fn openai_sim_with(cfg: SimConfig) -> Sim {
    sim_with(SimConfig { flavour: Flavour::OpenAi, ..cfg }).await
}

/// Asserts OpenAI's `ErrorResponse` exactly: `{"error":{"message","type","param","code"}}`
/// with no other key. Returns the body.
async fn expect_openai_error(
    r: Response,
    status: StatusCode,
    ty: &str,
    param: Option<&str>,
    code: Option<&str>,
) -> Value {
    let v = expect_json(r, status).await;
    let e = v["error"].as_object().unwrap_or_else(|| panic!("no error object: {v}"));
    let mut keys: Vec<&str> = e.keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(keys, ["code", "message", "param", "type"], "{v}");
    assert_eq!(v.as_object().unwrap().len(), 1, "{v}");
    assert_eq!(e["type"], ty, "{v}");
    assert_eq!(e["param"], json!(param), "{v}");
    assert_eq!(e["code"], json!(code), "{v}");
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    v
}

fn png_part(name: &str, rgb: [u8; 3]) -> Part {
    Part::bytes(solid_png(64, 64, rgb)).file_name(name.to_string()).mime_str("image/png").unwrap()
}

/// Micro-dollars per token of text input, image input, image output, x10 (the rates per
/// million tokens, in dollars x 10): gpt-image-1 $5 / $10 / $40.
const GPT1: (i64, i64, i64) = (50, 100, 400);

fn usd_micros(rates: (i64, i64, i64), text: i64, image: i64, output: i64) -> i64 {
    let tenths = text * rates.0 + image * rates.1 + output * rates.2;
    assert_eq!(tenths % 10, 0, "the Sandbox's token rules give whole micro-dollars");
    tenths / 10
}

#[tokio::test]
async fn generation_at_each_size_and_quality_bills_openais_token_table() {
    let sim = openai_sim().await;
    // OpenAI's published output tokens per image: quality x (1024x1024, 1024x1536, 1536x1024).
    let table = [("low", [272, 408, 400]), ("medium", [1056, 1584, 1568]), ("high", [4160, 6240, 6208])];
    let sizes = [("1024x1024", 1024, 1024), ("1024x1536", 1024, 1536), ("1536x1024", 1536, 1024)];
    let prompt = "a red fox in snow"; // 17 characters: 5 text tokens (rounded up)
    let mut expected_total = 0;
    for (quality, row) in table {
        for (i, (size, w, h)) in sizes.into_iter().enumerate() {
            let v = expect_json(
                sim.generate(json!({"model": "gpt-image-1", "prompt": prompt, "size": size, "quality": quality})).await,
                StatusCode::OK,
            )
            .await;
            let out = row[i];
            assert_eq!(
                v["usage"],
                json!({
                    "input_tokens": 5,
                    "input_tokens_details": {"text_tokens": 5, "image_tokens": 0},
                    "output_tokens": out,
                    "total_tokens": 5 + out,
                }),
                "{quality} {size}"
            );
            assert_eq!((v["quality"].as_str(), v["size"].as_str()), (Some(quality), Some(size)));
            assert_eq!((v["background"].as_str(), v["output_format"].as_str()), (Some("opaque"), Some("png")));
            assert!(v["created"].as_i64().is_some_and(|c| c > 1_700_000_000), "{}", v["created"]);
            let img = decode(&pngs(&v)[0]);
            assert_eq!((img.width(), img.height()), (w, h), "the output is exactly the size asked");
            let rec = sim.last_request().await;
            let usd = usd_micros(GPT1, 5, 0, out);
            assert_eq!(rec["usd_micros"], usd, "{quality} {size}");
            assert_eq!(rec["credits"], 0, "no credits in this flavour");
            expected_total += usd;
        }
    }
    // `auto` (and no quality, no size) is served as high at 1024x1024.
    for body in [
        json!({"model": "gpt-image-1", "prompt": prompt, "quality": "auto", "size": "auto"}),
        json!({"model": "gpt-image-1", "prompt": prompt}),
    ] {
        let v = expect_json(sim.generate(body).await, StatusCode::OK).await;
        assert_eq!((v["quality"].as_str(), v["size"].as_str()), (Some("high"), Some("1024x1024")), "{v}");
        assert_eq!(v["usage"]["output_tokens"], 4160);
        expected_total += usd_micros(GPT1, 5, 0, 4160);
    }
    // 11 requests x (5 text tokens x $5) + $40 x (sum of the table + 2 x 4160), per million.
    assert_eq!(expected_total, 11 * 25 + 40 * (1080 + 4208 + 16608 + 2 * 4160));
    assert_eq!(sim.server.charged_usd_micros(), expected_total);
    let st = sim.state_json().await;
    assert_eq!(st["charged_usd_micros"], expected_total);
    assert_eq!((st["charged"].as_i64(), st["balance"].as_i64()), (Some(0), Some(1000)), "credits untouched: {st}");
}

#[tokio::test]
async fn each_model_has_its_own_dollar_rates_and_n_multiplies_the_output() {
    let sim = openai_sim().await;
    // "abcdefgh": 2 text tokens. n = 2 at low 1024x1024: 544 output tokens.
    let cases =
        [("gpt-image-1", 2 * 5 + 544 * 40), ("gpt-image-1-mini", 2 * 2 + 544 * 8), ("gpt-image-1.5", 2 * 5 + 544 * 32)];
    let mut sum = 0;
    for (model, usd) in cases {
        let v = expect_json(
            sim.generate(json!({"model": model, "prompt": "abcdefgh", "n": 2, "quality": "low"})).await,
            StatusCode::OK,
        )
        .await;
        assert_eq!(v["data"].as_array().unwrap().len(), 2);
        assert!(v["data"][0].get("url").is_none(), "always b64_json");
        assert_eq!(v["usage"]["output_tokens"], 544, "{model}");
        assert_eq!(v["usage"]["total_tokens"], 546, "{model}");
        let rec = sim.last_request().await;
        assert_eq!(rec["usd_micros"], usd, "{model}");
        assert_eq!(rec["images"], 2);
        sum += usd;
    }
    // The admin total is the sum of the per-request charges, and a reset forgets it.
    let log_sum: i64 = sim.request_log().await.iter().map(|r| r["usd_micros"].as_i64().unwrap()).sum();
    assert_eq!(log_sum, sum);
    assert_eq!(sim.state_json().await["charged_usd_micros"], sum);
    sim.admin(reqwest::Method::POST, "/__sim/reset", None).await;
    assert_eq!(sim.state_json().await["charged_usd_micros"], 0);
}

#[tokio::test]
async fn output_format_is_honoured() {
    let sim = openai_sim().await;
    let v = expect_json(
        sim.generate(json!({"model": "gpt-image-1-mini", "prompt": "p", "quality": "low", "output_format": "jpeg", "output_compression": 50})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["output_format"], "jpeg");
    assert_eq!(&b64_png(&v["data"][0])[..3], b"\xff\xd8\xff", "a JPEG");
    let r = sim
        .generate(json!({"model": "gpt-image-1", "prompt": "p", "background": "transparent", "output_format": "jpeg"}))
        .await;
    expect_openai_error(r, StatusCode::BAD_REQUEST, "invalid_request_error", Some("background"), Some("invalid_value"))
        .await;
    let v = expect_json(
        sim.generate(json!({"model": "gpt-image-1", "prompt": "p", "quality": "low", "background": "transparent", "output_format": "webp"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!((v["background"].as_str(), v["output_format"].as_str()), (Some("transparent"), Some("webp")));
}

#[tokio::test]
async fn an_edit_with_two_image_parts_counts_258_tokens_an_image() {
    let sim = openai_sim().await;
    let form = Form::new()
        .text("model", "gpt-image-1")
        .text("prompt", "abcd")
        .text("quality", "low")
        .text("input_fidelity", "high")
        .part("image[]", png_part("a.png", [200, 0, 0]))
        .part("image[]", png_part("b.png", [0, 0, 200]));
    let v = expect_json(sim.edit(form).await, StatusCode::OK).await;
    assert_eq!(
        v["usage"],
        json!({
            "input_tokens": 517,
            "input_tokens_details": {"text_tokens": 1, "image_tokens": 516},
            "output_tokens": 272,
            "total_tokens": 789,
        })
    );
    let rec = sim.last_request().await;
    assert_eq!(rec["usd_micros"], usd_micros(GPT1, 1, 516, 272));
    let png_len = solid_png(64, 64, [200, 0, 0]).len();
    let png_len_b = solid_png(64, 64, [0, 0, 200]).len();
    assert_eq!(
        rec["body"],
        json!({
            "model": "gpt-image-1", "prompt": "abcd", "quality": "low", "input_fidelity": "high",
            "image[]": [format!("<file a.png, {png_len} bytes>"), format!("<file b.png, {png_len_b} bytes>")],
        })
    );
    // One `image` part and a mask: the mask counts as an image. No model: gpt-image-1.5
    // (the edit schemas' default), at its rates ($5 / $8 / $32).
    let form = Form::new()
        .text("prompt", "abcd")
        .text("quality", "low")
        .part("image", png_part("a.png", [200, 0, 0]))
        .part("mask", png_part("m.png", [0, 0, 0]));
    let v = expect_json(sim.edit(form).await, StatusCode::OK).await;
    assert_eq!(v["usage"]["input_tokens_details"]["image_tokens"], 516);
    let rec = sim.last_request().await;
    assert_eq!(rec["model"], "gpt-image-1.5");
    assert_eq!(rec["usd_micros"], 5 + 516 * 8 + 272 * 32);
    // `moderation` is not a field of the multipart edit schema; `images` parts are not `image`.
    for (name, part) in [("moderation", None), ("images", Some(png_part("c.png", [1, 2, 3])))] {
        let mut form = Form::new().text("model", "gpt-image-1").text("prompt", "p");
        form = match part {
            Some(p) => form.part("image", png_part("a.png", [1, 1, 1])).part(name, p),
            None => form.part("image", png_part("a.png", [1, 1, 1])).text(name, "low"),
        };
        let r = sim.edit(form).await;
        expect_openai_error(r, StatusCode::BAD_REQUEST, "invalid_request_error", Some(name), Some("unknown_parameter"))
            .await;
    }
}

#[tokio::test]
async fn a_json_edit_takes_image_refs_and_its_body_is_logged_small() {
    let sim = openai_sim().await;
    let data_url = format!(
        "data:image/png;base64,{}",
        base64::Engine::encode(&base64::engine::general_purpose::STANDARD, solid_png(64, 64, [9, 9, 9]))
    );
    let body = json!({"model": "gpt-image-1-mini", "prompt": "abcd", "quality": "low", "moderation": "low",
        "images": [{"image_url": data_url}]});
    let v = expect_json(sim.post_json("/v1/images/edits", &body).await, StatusCode::OK).await;
    assert_eq!(v["usage"]["input_tokens_details"]["image_tokens"], 258);
    let rec = sim.last_request().await;
    let marker = format!("<data URL image/png, {} chars>", data_url.len());
    assert_eq!(
        rec["body"],
        json!({"model": "gpt-image-1-mini", "prompt": "abcd", "quality": "low", "moderation": "low",
            "images": [{"image_url": marker}]})
    );
    let r = sim.post_json("/v1/images/edits", &json!({"prompt": "p", "images": [{"file_id": "file-abc"}]})).await;
    expect_openai_error(r, StatusCode::BAD_REQUEST, "invalid_request_error", Some("images"), Some("invalid_value"))
        .await;
    let r = sim.post_json("/v1/images/edits", &json!({"prompt": "p", "image": data_url})).await;
    expect_openai_error(r, StatusCode::BAD_REQUEST, "invalid_request_error", Some("image"), Some("unknown_parameter"))
        .await;
    // input_fidelity is unsupported for gpt-image-1-mini (the spec's InputFidelity).
    let body = json!({"model": "gpt-image-1-mini", "prompt": "p", "input_fidelity": "high", "images": [{"image_url": data_url}]});
    let r = sim.post_json("/v1/images/edits", &body).await;
    expect_openai_error(
        r,
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        Some("input_fidelity"),
        Some("unsupported_parameter"),
    )
    .await;
}

#[tokio::test]
async fn response_format_style_and_unknown_fields_are_unknown_parameters() {
    let sim = openai_sim().await;
    for (name, value) in
        [("response_format", json!("b64_json")), ("style", json!("vivid")), ("aspect_ratio", json!("16:9"))]
    {
        let mut body = json!({"model": "gpt-image-1", "prompt": "p"});
        body[name] = value;
        let v = expect_json(sim.generate(body.clone()).await, StatusCode::BAD_REQUEST).await;
        assert_eq!(
            v,
            json!({"error": {"message": format!("Unknown parameter: '{name}'."), "type": "invalid_request_error",
                "param": name, "code": "unknown_parameter"}})
        );
        // A refused request's body is logged as sent.
        assert_eq!(sim.last_request().await["body"], body);
    }
    // response_format on a multipart edit too.
    let form = Form::new()
        .text("model", "gpt-image-1")
        .text("prompt", "p")
        .text("response_format", "url")
        .part("image", png_part("a.png", [1, 1, 1]));
    expect_openai_error(
        sim.edit(form).await,
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        Some("response_format"),
        Some("unknown_parameter"),
    )
    .await;
    assert_eq!(sim.server.charged_usd_micros(), 0);
}

#[tokio::test]
async fn values_outside_the_spec_name_their_field() {
    let sim = openai_sim().await;
    let cases = [
        (json!({"size": "512x512"}), "size", "invalid_value", "'1024x1024', '1536x1024', '1024x1536', and 'auto'"),
        (json!({"size": "2048x2048"}), "size", "invalid_value", "'auto'"),
        (json!({"quality": "hd"}), "quality", "invalid_value", "'low', 'medium', 'high', and 'auto'"),
        (json!({"quality": "standard"}), "quality", "invalid_value", "'low'"),
        (json!({"background": "white"}), "background", "invalid_value", "'transparent'"),
        (json!({"output_format": "gif"}), "output_format", "invalid_value", "'webp'"),
        (json!({"output_compression": 101}), "output_compression", "integer_above_max_value", "<= 100"),
        (json!({"moderation": "high"}), "moderation", "invalid_value", "'low'"),
        (json!({"n": 11}), "n", "integer_above_max_value", "<= 10"),
        (json!({"n": 0}), "n", "integer_below_min_value", ">= 1"),
        (json!({"n": "2"}), "n", "invalid_type", "integer"),
        (json!({"stream": true}), "stream", "unsupported_value", "does not stream"),
        (json!({"partial_images": 4}), "partial_images", "integer_above_max_value", "<= 3"),
        (json!({"user": 5}), "user", "invalid_type", "string"),
        (json!({"prompt": ""}), "prompt", "string_below_min_length", "minimum length 1"),
        (json!({"input_fidelity": "high"}), "input_fidelity", "unknown_parameter", "Unknown parameter"),
    ];
    for (patch, param, code, text) in cases {
        let mut body = json!({"model": "gpt-image-1", "prompt": "p"});
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        let v = expect_openai_error(
            sim.generate(body).await,
            StatusCode::BAD_REQUEST,
            "invalid_request_error",
            Some(param),
            Some(code),
        )
        .await;
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(text), "{param}: {msg}");
    }
    // Missing fields; the generation endpoint's default model (dall-e-2) is not served.
    let r = sim.generate(json!({"prompt": "p"})).await;
    let v = expect_openai_error(
        r,
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        Some("model"),
        Some("missing_required_parameter"),
    )
    .await;
    assert!(v["error"]["message"].as_str().unwrap().contains("dall-e-2"), "{v}");
    let r = sim.generate(json!({"model": "gpt-image-1"})).await;
    expect_openai_error(
        r,
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        Some("prompt"),
        Some("missing_required_parameter"),
    )
    .await;
    // What the spec allows passes: stream false, partial_images without streaming, nulls, user.
    let body = json!({"model": "gpt-image-1", "prompt": "p", "quality": "low", "stream": false, "partial_images": 2,
        "n": null, "size": null, "user": "user-1234", "moderation": "auto", "background": "auto"});
    expect_json(sim.generate(body).await, StatusCode::OK).await;
}

#[tokio::test]
async fn other_models_and_pixapis_routes_are_404_in_openais_shape() {
    let sim = openai_sim_with(SimConfig { extra_models: vec!["gpt-image-9".into()], ..SimConfig::default() }).await;
    let v = expect_json(sim.get("/v1/models").await, StatusCode::OK).await;
    let ids: Vec<&str> = v["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["gpt-image-1", "gpt-image-1-mini", "gpt-image-1.5", "gpt-image-9"]);
    assert_eq!(v["object"], "list");
    assert_eq!(v["data"][0]["object"], "model");
    assert_eq!(v["data"][0]["owned_by"], "openai");
    assert!(v["data"][0]["created"].is_i64());
    for model in ["nano-banana-2", "gemini-3.1-flash-image-preview", "gpt-image-2", "dall-e-2"] {
        let v = expect_json(sim.generate(json!({"model": model, "prompt": "p"})).await, StatusCode::NOT_FOUND).await;
        assert_eq!(
            v,
            json!({"error": {"message": format!("The model `{model}` does not exist or you do not have access to it."),
                "type": "invalid_request_error", "param": null, "code": "model_not_found"}})
        );
    }
    expect_openai_error(
        sim.get("/v1/models/gpt-image-2").await,
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        None,
        Some("model_not_found"),
    )
    .await;
    expect_json(sim.get("/v1/models/gpt-image-1-mini").await, StatusCode::OK).await;
    // The extra model is served (as gpt-image-1).
    expect_json(sim.generate(json!({"model": "gpt-image-9", "prompt": "p", "quality": "low"})).await, StatusCode::OK)
        .await;
    // No async endpoints, no tasks.
    let body = json!({"model": "gpt-image-1", "prompt": "p"});
    let v = expect_openai_error(
        sim.post_json("/v1/async/images/generations", &body).await,
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        None,
        None,
    )
    .await;
    assert_eq!(v["error"]["message"], "Invalid URL (POST /v1/async/images/generations)");
    let form = Form::new().text("prompt", "p").part("image", png_part("a.png", [1, 1, 1]));
    expect_openai_error(
        sim.edit_at("/v1/async/images/edits", form).await,
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        None,
        None,
    )
    .await;
    expect_openai_error(sim.get("/v1/tasks/task_1").await, StatusCode::NOT_FOUND, "invalid_request_error", None, None)
        .await;
    assert_eq!(sim.server.state().tasks, 0);
}

#[tokio::test]
async fn auth_rate_limit_and_faults_answer_in_openais_shape() {
    let sim = openai_sim().await;
    let url = sim.url("/v1/images/generations");
    let body = json!({"model": "gpt-image-1", "prompt": "p", "quality": "low"});
    let no_key = sim.http.post(&url).json(&body).send().await.unwrap();
    let wrong = sim.http.post(&url).bearer_auth("sk_wrong").json(&body).send().await.unwrap();
    for r in [no_key, wrong] {
        let v =
            expect_openai_error(r, StatusCode::UNAUTHORIZED, "invalid_request_error", None, Some("invalid_api_key"))
                .await;
        assert!(!v.to_string().contains("sk_wrong"), "the key is not echoed");
    }
    let models = sim.http.get(sim.url("/v1/models")).send().await.unwrap();
    expect_openai_error(models, StatusCode::UNAUTHORIZED, "invalid_request_error", None, Some("invalid_api_key")).await;

    sim.server.inject(Fault::status(500));
    expect_openai_error(
        sim.generate(body.clone()).await,
        StatusCode::INTERNAL_SERVER_ERROR,
        "server_error",
        None,
        None,
    )
    .await;
    sim.server.inject(Fault::status(503).retry_after(2));
    let r = sim.generate(body.clone()).await;
    assert_eq!(r.headers()["retry-after"], "2");
    expect_openai_error(r, StatusCode::SERVICE_UNAVAILABLE, "server_error", None, None).await;
    sim.server.inject(Fault::status(429));
    expect_openai_error(
        sim.generate(body.clone()).await,
        StatusCode::TOO_MANY_REQUESTS,
        "requests",
        None,
        Some("rate_limit_exceeded"),
    )
    .await;
    // A slow fault still works, and the request is billed.
    sim.admin(reqwest::Method::POST, "/__sim/faults", Some(json!({"kind": "slow", "delay_ms": 50}))).await;
    let r = sim.generate(body.clone()).await;
    assert_eq!(r.headers()["x-sim-fault-delay-ms"], "50");
    expect_json(r, StatusCode::OK).await;
    assert_eq!(sim.server.charged_usd_micros(), usd_micros(GPT1, 1, 0, 272), "only the answered request is charged");

    // The concurrency limit: 429 type requests, with Retry-After.
    sim.admin(reqwest::Method::POST, "/__sim/state", Some(json!({"max_concurrency": 0}))).await;
    let r = sim.generate(body).await;
    assert_eq!(r.headers()["retry-after"], "1");
    expect_openai_error(r, StatusCode::TOO_MANY_REQUESTS, "requests", None, Some("rate_limit_exceeded")).await;
}

#[tokio::test]
async fn pixapi_flavour_logs_bodies_too_and_bills_no_dollars() {
    let sim = sim().await;
    let body = json!({"model": "nano-banana-2", "prompt": "p", "size": "1024x1024"});
    expect_json(sim.generate(body.clone()).await, StatusCode::OK).await;
    let rec = sim.last_request().await;
    assert_eq!(rec["body"], body);
    assert_eq!(rec["usd_micros"], 0);
    let form = Form::new()
        .text("model", "gpt-image-1.5")
        .text("prompt", "p")
        .text("n", "2")
        .part("image", png_part("a.png", [1, 1, 1]))
        .part("image", png_part("b.png", [2, 2, 2]));
    expect_json(sim.edit(form).await, StatusCode::OK).await;
    let rec = sim.last_request().await;
    assert_eq!(rec["body"]["n"], "2");
    assert_eq!(rec["body"]["image"].as_array().map(Vec::len), Some(2), "{}", rec["body"]);
    assert!(rec["body"]["image"][1].as_str().unwrap().starts_with("<file b.png, "));
    assert_eq!(sim.state_json().await["charged_usd_micros"], 0);
}

#[tokio::test]
async fn the_binary_takes_a_flavour_flag() {
    let (_child, base) = crate::binary::spawn(&["--port", "0", "--flavour", "openai"]).await;
    let v: Value = reqwest::Client::new()
        .get(format!("{base}/v1/models"))
        .bearer_auth(KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(v["data"].as_array().unwrap().len(), 3, "{v}");
    assert_eq!(v["data"][0]["id"], "gpt-image-1");
}

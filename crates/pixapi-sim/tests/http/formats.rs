//! `output_format` / `output_compression`: honoured where the catalog documents them (the
//! GPT models), in `b64_json` and `url` answers alike; ignored (PNG) elsewhere.

use image::ImageFormat;
use pixapi_sim::SimConfig;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::common::*;

fn outputs(answer: &Value) -> Vec<Vec<u8>> {
    answer["data"].as_array().expect("data").iter().map(b64_png).collect()
}

/// Decodes `bytes`, which must be `format`; answers its size.
fn dims_as(bytes: &[u8], format: ImageFormat) -> (u32, u32) {
    assert_eq!(image::guess_format(bytes).expect("an image"), format);
    let img = image::load_from_memory_with_format(bytes, format).expect("decodes");
    (img.width(), img.height())
}

#[tokio::test]
async fn gpt_models_answer_the_format_asked_in_b64_json() {
    let sim = sim().await;
    for (model, size, dims) in
        [("gpt-image-2", "1536x1024", (1536, 1024)), ("gpt-image-1.5", "1024x1024", (1024, 1024))]
    {
        for (format, expected) in [
            (None, ImageFormat::Png),
            (Some("png"), ImageFormat::Png),
            (Some("jpeg"), ImageFormat::Jpeg),
            (Some("webp"), ImageFormat::WebP),
        ] {
            let mut body = json!({"model": model, "prompt": "a lighthouse", "size": size, "quality": "low"});
            if let Some(f) = format {
                body["output_format"] = json!(f);
            }
            let v = expect_json(sim.generate(body).await, StatusCode::OK).await;
            let out = outputs(&v);
            assert_eq!(dims_as(&out[0], expected), dims, "{model} {format:?}");
        }
    }
}

#[tokio::test]
async fn output_compression_is_the_jpeg_quality() {
    let sim = sim().await;
    let body = |c: Option<i64>| {
        let mut b = json!({"model": "gpt-image-2", "prompt": "a harbour", "output_format": "jpeg", "quality": "low"});
        if let Some(c) = c {
            b["output_compression"] = json!(c);
        }
        b
    };
    let mut sizes = Vec::new();
    for c in [None, Some(100), Some(40)] {
        let v = expect_json(sim.generate(body(c)).await, StatusCode::OK).await;
        let out = outputs(&v);
        assert_eq!(dims_as(&out[0], ImageFormat::Jpeg), (1024, 1024));
        sizes.push(out[0].len());
    }
    // Absent is OpenAI's default, 100; 40 is far smaller.
    assert_eq!(sizes[0], sizes[1]);
    assert!(sizes[2] * 2 < sizes[1], "{sizes:?}");
}

#[tokio::test]
async fn url_downloads_carry_the_format_and_its_content_type() {
    let sim = sim().await;
    for (format, ext, mime, expected) in [
        ("jpeg", "jpeg", "image/jpeg", ImageFormat::Jpeg),
        ("webp", "webp", "image/webp", ImageFormat::WebP),
        ("png", "png", "image/png", ImageFormat::Png),
    ] {
        let body = json!({"model": "gpt-image-2", "prompt": "p", "output_format": format, "response_format": "url", "quality": "low"});
        let v = expect_json(sim.generate(body).await, StatusCode::OK).await;
        let url = v["data"][0]["url"].as_str().unwrap().to_string();
        assert!(url.ends_with(&format!(".{ext}")), "{url}");
        let r = sim.http.get(&url).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        assert_eq!(r.headers()["content-type"], mime);
        let bytes = r.bytes().await.unwrap();
        assert_eq!(dims_as(&bytes, expected), (1024, 1024));
        // The token under another extension is not that file.
        let other = if ext == "png" { url.replace(".png", ".jpeg") } else { url.replace(&format!(".{ext}"), ".png") };
        assert_eq!(sim.http.get(&other).send().await.unwrap().status(), StatusCode::NOT_FOUND, "{other}");
    }
}

#[tokio::test]
async fn an_edit_can_reference_a_jpeg_output_by_its_url() {
    let sim = sim().await;
    let body = json!({"model": "gpt-image-1.5", "prompt": "p", "output_format": "jpeg", "response_format": "url"});
    let v = expect_json(sim.generate(body).await, StatusCode::OK).await;
    let url = v["data"][0]["url"].as_str().unwrap().to_string();
    let f = Form::new().text("model", "gpt-image-1.5").text("prompt", "edit it").text("image", url);
    let v = expect_json(sim.edit(f).await, StatusCode::OK).await;
    assert_eq!(dims_as(&outputs(&v)[0], ImageFormat::Png), (1024, 1024));
}

#[tokio::test]
async fn multipart_edits_and_async_tasks_honour_the_format() {
    let sim = sim().await;
    let f = Form::new()
        .text("model", "gpt-image-2")
        .text("prompt", "p")
        .text("output_format", "webp")
        .part("image", Part::bytes(solid_png(32, 32, [200, 30, 30])).file_name("r.png").mime_str("image/png").unwrap());
    let v = expect_json(sim.edit(f).await, StatusCode::OK).await;
    assert_eq!(dims_as(&outputs(&v)[0], ImageFormat::WebP), (1024, 1024));

    let body = json!({"model": "gpt-image-2", "prompt": "p", "output_format": "jpeg", "output_compression": "70"});
    // (A JSON string is not an integer: strict refuses it, as for every GPT field.)
    expect_400(sim.post_json("/v1/async/images/generations", &body).await, "output_compression").await;
    let body = json!({"model": "gpt-image-2", "prompt": "p", "output_format": "jpeg", "output_compression": 70});
    let task = expect_json(sim.post_json("/v1/async/images/generations", &body).await, StatusCode::OK).await;
    let id = task["id"].as_str().unwrap().to_string();
    let mut done = Value::Null;
    for _ in 0..200 {
        let t = expect_json(sim.get(&format!("/v1/tasks/{id}")).await, StatusCode::OK).await;
        if t["status"] == "completed" {
            done = t;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(dims_as(&outputs(&done["result"])[0], ImageFormat::Jpeg), (1024, 1024));
}

#[tokio::test]
async fn gemini_models_document_no_format_and_answer_png() {
    let sim = sim().await;
    let body = json!({"model": "nano-banana-2", "prompt": "p", "output_format": "jpeg", "output_compression": 20});
    let v = expect_json(sim.generate(body).await, StatusCode::OK).await;
    assert_eq!(dims_as(&outputs(&v)[0], ImageFormat::Png), (1024, 1024));
    assert_eq!(sim.last_request().await["unknown_fields"], json!(["output_compression", "output_format"]));
    // Not validated either: a value no model has is ignored the same way.
    let body = json!({"model": "nano-banana-2", "prompt": "p", "output_format": "gif"});
    let v = expect_json(sim.generate(body).await, StatusCode::OK).await;
    assert_eq!(dims_as(&outputs(&v)[0], ImageFormat::Png), (1024, 1024));
}

#[tokio::test]
async fn strict_refuses_formats_the_gpt_models_do_not_document() {
    let sim = sim().await;
    for (field, value) in [
        ("output_format", json!("gif")),
        ("output_format", json!("JPEG")),
        ("output_format", json!("jpg")),
        ("output_format", json!(3)),
        ("output_compression", json!(-1)),
        ("output_compression", json!(101)),
        ("output_compression", json!(12.5)),
    ] {
        let mut body = json!({"model": "gpt-image-2", "prompt": "p"});
        body[field] = value.clone();
        let v = expect_400(sim.generate(body).await, field).await;
        assert_eq!(v["error"]["code"], 400, "{field}={value}: {v}");
    }
    assert_eq!(sim.server.state().charged, 0);
}

#[tokio::test]
async fn lenient_falls_back_to_png_for_an_unknown_format() {
    let sim = lenient_sim_with(SimConfig::default()).await;
    let body = json!({"model": "gpt-image-2", "prompt": "p", "output_format": "gif", "output_compression": "x"});
    let v = expect_json(sim.generate(body).await, StatusCode::OK).await;
    assert_eq!(dims_as(&outputs(&v)[0], ImageFormat::Png), (1024, 1024));
    let body = json!({"model": "gpt-image-2", "prompt": "p", "output_format": "jpeg", "output_compression": "30"});
    let v = expect_json(sim.generate(body).await, StatusCode::OK).await;
    assert_eq!(dims_as(&outputs(&v)[0], ImageFormat::Jpeg), (1024, 1024));
}

//! Strict mode, the default: the simulator accepts what Pixapi's pages document and nothing
//! more (docs/CONTRACT.md; the module docs of `catalog.rs` and `request.rs`). Every test here
//! fails if strictness regresses: an undocumented id, size, field or part name accepted, a
//! size not delivered exactly, a charge not following what was delivered, an error in the
//! wrong shape.

use std::time::Duration;

use pixapi_sim::{Fault, SimConfig};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::common::*;

const FLASH: &str = "gemini-3.1-flash-image-preview";
const PRO: &str = "gemini-3-pro-image-preview";
const FLASH25: &str = "gemini-2.5-flash-image";

fn png_part(png: Vec<u8>, name: &str) -> Part {
    Part::bytes(png).file_name(name.to_string()).mime_str("image/png").unwrap()
}

fn red() -> Vec<u8> {
    solid_png(32, 32, [255, 0, 0])
}

fn blue() -> Vec<u8> {
    solid_png(32, 32, [0, 0, 255])
}

/// Polls `GET /v1/tasks/{id}` until the task is completed or failed.
async fn poll_until_done(sim: &Sim, id: &str) -> Value {
    for _ in 0..1000 {
        let v = expect_json(sim.get(&format!("/v1/tasks/{id}")).await, StatusCode::OK).await;
        match v["status"].as_str().unwrap() {
            "completed" | "failed" => return v,
            _ => tokio::time::sleep(Duration::from_millis(10)).await,
        }
    }
    panic!("task {id} never finished");
}

/// 1. Every documented size of every model is accepted, delivered exactly, and charged at
///    the price of the delivered tier (docs/CONTRACT.md "Credits", "Size tiers").
#[tokio::test]
async fn documented_sizes_are_delivered_exactly_and_charged_by_the_delivered_tier() {
    let sim = sim().await;
    // (model, size, quality, delivered, credits per image, priced variant)
    type Case = (&'static str, Option<&'static str>, Option<&'static str>, (u32, u32), i64, &'static str);
    let cases: &[Case] = &[
        // 3.1 Flash: "512x512, 1536x1024, 2K, 4K, or another model-supported size";
        // async example 2048x2048. Tiers by pixel count: 512 / 1K 4, 2K 6, 4K 8.
        (FLASH, Some("512x512"), None, (512, 512), 4, "gemini-3.1-flash-image-preview-512"),
        (FLASH, Some("1536x1024"), None, (1536, 1024), 6, "gemini-3.1-flash-image-preview-2k"),
        (FLASH, Some("2048x2048"), None, (2048, 2048), 6, "gemini-3.1-flash-image-preview-2k"),
        (FLASH, Some("2K"), None, (2048, 2048), 6, "gemini-3.1-flash-image-preview-2k"),
        (FLASH, Some("4K"), None, (4096, 4096), 8, "gemini-3.1-flash-image-preview-4k"),
        (FLASH, None, None, (1024, 1024), 4, FLASH),
        ("nano-banana-2", Some("1024x1024"), None, (1024, 1024), 4, FLASH),
        // 3 Pro: "1024x1024, 2048x1152, 3840x2160"; 1K 8, 2K 8, 4K 16.
        (PRO, Some("1024x1024"), None, (1024, 1024), 8, PRO),
        (PRO, Some("2048x1152"), None, (2048, 1152), 8, "gemini-3-pro-image-preview-2k"),
        (PRO, Some("3840x2160"), None, (3840, 2160), 16, "gemini-3-pro-image-preview-4k"),
        ("nano-banana-pro", Some("1024x1024"), None, (1024, 1024), 8, PRO),
        // 2.5 Flash: "1024x1024"; one price, 2.
        (FLASH25, Some("1024x1024"), None, (1024, 1024), 2, FLASH25),
        ("nano-banana", Some("1024x1024"), None, (1024, 1024), 2, FLASH25),
        // gpt-image-1.5: "1024x1024 or auto"; 1.
        ("gpt-image-1.5", Some("1024x1024"), None, (1024, 1024), 1, "gpt-image-1.5"),
        ("gpt-image-1.5", Some("auto"), None, (1024, 1024), 1, "gpt-image-1.5"),
        // gpt-image-2: example 1536x1024; long edge x quality (1K: 1 / 4 / 14).
        ("gpt-image-2", Some("1536x1024"), Some("low"), (1536, 1024), 1, "gpt-image-2"),
        ("gpt-image-2", Some("1536x1024"), Some("high"), (1536, 1024), 14, "gpt-image-2"),
        ("gpt-image-2", Some("2048x1152"), Some("medium"), (2048, 1152), 17, "gpt-image-2"),
        ("gpt-image-2", Some("auto"), None, (1024, 1024), 14, "gpt-image-2"),
    ];
    for &(model, size, quality, (w, h), credits, variant) in cases {
        let mut body = json!({"model": model, "prompt": "documented"});
        if let Some(s) = size {
            body["size"] = json!(s);
        }
        if let Some(q) = quality {
            body["quality"] = json!(q);
        }
        let before = sim.charged().await;
        let r = sim.generate(body.clone()).await;
        assert_eq!(r.headers()["x-sim-resolved-model"], variant, "{body}");
        let v = expect_json(r, StatusCode::OK).await;
        assert_eq!(decode(&pngs(&v)[0]).dimensions(), (w, h), "{body}");
        assert_eq!(v["usage"]["size"], format!("{w}x{h}"), "{body}");
        assert_eq!(v["usage"]["credits"], credits, "{body}");
        assert_eq!(v["usage"]["model"], variant, "{body}");
        assert_eq!(sim.charged().await - before, credits, "{body}");
        let rec = sim.last_request().await;
        assert_eq!(rec["status"], 200);
        assert_eq!(rec["size"], json!(size), "{body}");
        assert_eq!(rec["delivered"], format!("{w}x{h}"), "{body}");
        assert_eq!(rec["credits"], credits, "{body}");
        assert_eq!(rec["unknown_fields"], json!([]), "{body}");
    }
    // Times n.
    let v = expect_json(
        sim.generate(json!({"model": FLASH, "prompt": "n", "size": "1536x1024", "n": 2})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["usage"]["credits"], 12);
    let st = sim.state_json().await;
    let total: i64 = cases.iter().map(|c| c.4).sum::<i64>() + 12;
    assert_eq!(st["charged"], total);
    assert_eq!(st["balance"], 1000 - total);
}

/// 2a. The suffixed ids of the price tables are no model ids: 404 `model_not_found` on every
///     endpoint, and `GET /v1/models/{id}` does not know them.
#[tokio::test]
async fn suffixed_ids_are_404_model_not_found() {
    let sim = sim().await;
    for id in [
        "gemini-3.1-flash-image-preview-512",
        "gemini-3.1-flash-image-preview-2k",
        "gemini-3.1-flash-image-preview-4k",
        "gemini-3-pro-image-preview-2k",
        "gemini-3-pro-image-preview-4k",
    ] {
        for body in [json!({"model": id, "prompt": "p"}), json!({"model": id, "prompt": "p", "size": "1024x1024"})] {
            let v =
                expect_string_error(sim.generate(body.clone()).await, StatusCode::NOT_FOUND, "model_not_found").await;
            assert!(v["error"]["message"].as_str().unwrap().contains(id), "{v}");
            let r = sim.post_json("/v1/async/images/generations", &body).await;
            expect_string_error(r, StatusCode::NOT_FOUND, "model_not_found").await;
        }
        let form = || Form::new().text("model", id).text("prompt", "p").part("image", png_part(red(), "r.png"));
        expect_string_error(sim.edit(form()).await, StatusCode::NOT_FOUND, "model_not_found").await;
        let r = sim.edit_at("/v1/async/images/edits", form()).await;
        expect_string_error(r, StatusCode::NOT_FOUND, "model_not_found").await;
        let r = sim.get(&format!("/v1/models/{id}")).await;
        expect_string_error(r, StatusCode::NOT_FOUND, "model_not_found").await;
    }
    let st = sim.state_json().await;
    assert_eq!((st["charged"].as_i64(), st["tasks"].as_i64()), (Some(0), Some(0)));
}

/// 2b. Sizes no page documents are a 400 naming `size`, on every endpoint.
#[tokio::test]
async fn undocumented_sizes_are_400_naming_size() {
    let sim = sim().await;
    for (model, size) in [
        (FLASH, "512"),
        (FLASH, "1K"),
        (FLASH, "1000x300"),
        (FLASH, "5000x5000"),
        ("nano-banana-2", "1k"),
        ("nano-banana-2", "2k"),
        ("nano-banana-2", "auto"),
        // 2K / 4K are 3.1 Flash keywords only.
        (PRO, "2K"),
        (PRO, "4K"),
        (PRO, "1K"),
        (FLASH25, "2K"),
        (FLASH25, "2048x2048"),
        ("gpt-image-1.5", "2048x2048"),
        ("gpt-image-1.5", "1K"),
        ("gpt-image-2", "1000x1000"),
        ("gpt-image-2", "4K"),
    ] {
        let v = expect_400(sim.generate(json!({"model": model, "prompt": "p", "size": size})).await, "size").await;
        let msg = v["error"]["message"].as_str().unwrap();
        assert!(msg.contains(&format!("'{size}'")), "{model} {size}: {msg}");
    }
    let r = sim.post_json("/v1/async/images/generations", &json!({"model": FLASH, "prompt": "p", "size": "1K"})).await;
    expect_400(r, "size").await;
    let f = Form::new()
        .text("model", FLASH)
        .text("prompt", "p")
        .text("size", "512")
        .part("image", png_part(red(), "r.png"));
    expect_400(sim.edit(f).await, "size").await;
    let st = sim.state_json().await;
    assert_eq!((st["charged"].as_i64(), st["tasks"].as_i64()), (Some(0), Some(0)));
}

/// 2c. `aspect_ratio` is no documented field: ignored (not read, not validated), the output is
///     the size asked (square by default), and the request log names it in `unknown_fields`.
#[tokio::test]
async fn aspect_ratio_is_ignored_and_reported_as_unknown() {
    let sim = sim().await;
    let cases = [
        (json!({"model": FLASH, "prompt": "p", "aspect_ratio": "16:9"}), (1024, 1024), 4),
        (json!({"model": FLASH, "prompt": "p", "size": "2048x2048", "aspect_ratio": "9:16"}), (2048, 2048), 6),
        (json!({"model": "nano-banana-2", "prompt": "p", "size": "2K", "aspect_ratio": "21:9"}), (2048, 2048), 6),
        // Not validated either: a ratio the family lacks is no 400.
        (json!({"model": PRO, "prompt": "p", "aspect_ratio": "7:5"}), (1024, 1024), 8),
    ];
    for (body, dims, credits) in cases {
        let before = sim.charged().await;
        let v = expect_json(sim.generate(body.clone()).await, StatusCode::OK).await;
        assert_eq!(decode(&pngs(&v)[0]).dimensions(), dims, "{body}");
        assert_eq!(sim.charged().await - before, credits, "{body}");
        let rec = sim.last_request().await;
        assert_eq!(rec["unknown_fields"], json!(["aspect_ratio"]), "{body} -> {rec}");
        let fields = rec["fields"].as_array().unwrap();
        assert!(fields.contains(&json!("aspect_ratio")), "{rec}");
        assert!(fields.contains(&json!("model")) && fields.contains(&json!("prompt")), "{rec}");
    }
    // In a multipart edit too.
    let f = Form::new()
        .text("model", FLASH)
        .text("prompt", "p")
        .text("aspect_ratio", "16:9")
        .part("image", png_part(red(), "r.png"));
    let v = expect_json(sim.edit(f).await, StatusCode::OK).await;
    assert_eq!(decode(&pngs(&v)[0]).dimensions(), (1024, 1024));
    let rec = sim.last_request().await;
    assert_eq!(rec["fields"], json!(["model", "prompt", "aspect_ratio", "image"]));
    assert_eq!(rec["unknown_fields"], json!(["aspect_ratio"]));
    // `quality` is a GPT field: on a Gemini model it is unknown as well.
    let v = expect_json(
        sim.generate(json!({"model": FLASH, "prompt": "p", "size": "1024x1024", "quality": "high"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["usage"]["credits"], 4);
    assert_eq!(sim.last_request().await["unknown_fields"], json!(["quality"]));
}

/// The GPT models take OpenAI's output fields (quality, background, output_format,
/// output_compression, moderation; mask on edits), checked against OpenAI's values.
#[tokio::test]
async fn gpt_fields_are_known_and_validated() {
    let sim = sim().await;
    let v = expect_json(
        sim.generate(json!({
            "model": "gpt-image-2", "prompt": "p", "size": "1536x1024", "quality": "low",
            "background": "opaque", "output_format": "webp", "output_compression": 80,
            "moderation": "low", "user": "u1"
        }))
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["usage"]["credits"], 1);
    assert_eq!(sim.last_request().await["unknown_fields"], json!([]));
    for (body, param) in [
        (json!({"output_format": "gif"}), "output_format"),
        (json!({"output_compression": 101}), "output_compression"),
        (json!({"output_compression": "80"}), "output_compression"),
        (json!({"moderation": "high"}), "moderation"),
        (json!({"background": "none"}), "background"),
        (json!({"quality": "ultra"}), "quality"),
    ] {
        let mut b = json!({"model": "gpt-image-1.5", "prompt": "p", "size": "1024x1024"});
        for (k, val) in body.as_object().unwrap() {
            b[k] = val.clone();
        }
        expect_400(sim.generate(b.clone()).await, param).await;
    }
    // A multipart edit: text values, mask known.
    let f = Form::new()
        .text("model", "gpt-image-1.5")
        .text("prompt", "p")
        .text("size", "1024x1024")
        .text("output_compression", "50")
        .part("image", png_part(red(), "r.png"))
        .part("mask", png_part(solid_png(32, 32, [0, 0, 0]), "m.png"));
    expect_json(sim.edit(f).await, StatusCode::OK).await;
    assert_eq!(sim.last_request().await["unknown_fields"], json!([]));
    assert_eq!(sim.charged().await, 1 + 1);
}

/// 3. Multipart part names are recorded in the order received; `image` (once or repeated)
///    and `image[]` are the documented image parts, any other image part name is a 400.
#[tokio::test]
async fn multipart_part_names_are_recorded_and_undocumented_image_parts_refused() {
    let sim = sim().await;
    // `image` once, sent before the text fields: the log keeps the order.
    let f = Form::new()
        .part("image", png_part(red(), "r.png"))
        .text("model", FLASH)
        .text("prompt", "one")
        .text("size", "1024x1024");
    expect_json(sim.edit(f).await, StatusCode::OK).await;
    let rec = sim.last_request().await;
    assert_eq!(rec["fields"], json!(["image", "model", "prompt", "size"]));
    assert_eq!(rec["unknown_fields"], json!([]));
    assert_eq!(rec["delivered"], "1024x1024");

    // `image[]` twice: both references are used (left red, right blue).
    let f = Form::new()
        .text("model", FLASH)
        .text("prompt", "two")
        .part("image[]", png_part(red(), "r.png"))
        .part("image[]", png_part(blue(), "b.png"));
    let v = expect_json(sim.edit(f).await, StatusCode::OK).await;
    let img = decode(&pngs(&v)[0]);
    let left = mean(&image::imageops::crop_imm(&img, 0, 0, 512, 1024).to_image());
    let right = mean(&image::imageops::crop_imm(&img, 512, 0, 512, 1024).to_image());
    assert!(left[0] > left[2] + 60.0, "left {left:?}");
    assert!(right[2] > right[0] + 60.0, "right {right:?}");
    let rec = sim.last_request().await;
    assert_eq!(rec["fields"], json!(["model", "prompt", "image[]", "image[]"]));
    assert_eq!(rec["unknown_fields"], json!([]));

    // `image` repeated.
    let f = Form::new()
        .text("model", FLASH)
        .text("prompt", "three")
        .part("image", png_part(red(), "a.png"))
        .part("image", png_part(blue(), "b.png"))
        .part("image", png_part(red(), "c.png"));
    expect_json(sim.edit(f).await, StatusCode::OK).await;
    let rec = sim.last_request().await;
    assert_eq!(rec["fields"], json!(["model", "prompt", "image", "image", "image"]));
    assert_eq!(rec["unknown_fields"], json!([]));
    assert_eq!(sim.charged().await, 3 * 4);

    // Other image part names: refused, as files or as data URLs, sync and async.
    for name in ["images", "images[]", "image[0]", "image[1]"] {
        let f = Form::new().text("model", FLASH).text("prompt", "p").part(name, png_part(red(), "r.png"));
        let v = expect_400(sim.edit(f).await, "image").await;
        assert!(v["error"]["message"].as_str().unwrap().contains("image[]"), "{v}");
        // Even next to a valid `image` part.
        let f = Form::new()
            .text("model", FLASH)
            .text("prompt", "p")
            .part("image", png_part(red(), "r.png"))
            .part(name, png_part(blue(), "b.png"));
        expect_400(sim.edit(f).await, "image").await;
    }
    let f = Form::new().text("model", FLASH).text("prompt", "p").part("images", png_part(red(), "r.png"));
    expect_400(sim.edit_at("/v1/async/images/edits", f).await, "image").await;
    let r = sim
        .post_json(
            "/v1/images/edits",
            &json!({"model": FLASH, "prompt": "p", "images": ["data:image/png;base64,AAAA"]}),
        )
        .await;
    expect_400(r, "image").await;
    let st = sim.state_json().await;
    assert_eq!(st["charged"], 12);
    assert_eq!(st["tasks"], 0);
}

/// 4. A `deliver_size` fault: the output is the fault's size and is billed by it, not by the
///    size asked (sync).
#[tokio::test]
async fn deliver_size_fault_bills_what_is_delivered_sync() {
    let sim = sim().await;
    let v = sim.admin(Method::POST, "/__sim/faults", Some(json!({"kind": "deliver_size", "size": "2048x2048"}))).await;
    assert_eq!(v["pending"], 1);
    let listed = sim.admin(Method::GET, "/__sim/faults", None).await;
    assert_eq!(listed["faults"][0]["kind"], "deliver_size");
    assert_eq!(listed["faults"][0]["size"], "2048x2048");

    // Asked 4096x4096 (8 credits), delivered 2048x2048 (6).
    let r = sim.generate(json!({"model": FLASH, "prompt": "big", "size": "4096x4096"})).await;
    assert_eq!(r.headers()["x-sim-resolved-model"], "gemini-3.1-flash-image-preview-2k");
    assert_eq!(r.headers()["x-sim-latency-ms"], "12", "the latency of what is delivered");
    let v = expect_json(r, StatusCode::OK).await;
    assert_eq!(decode(&pngs(&v)[0]).dimensions(), (2048, 2048));
    assert_eq!(v["usage"]["credits"], 6);
    assert_eq!(v["usage"]["size"], "2048x2048");
    let st = sim.state_json().await;
    assert_eq!((st["charged"].as_i64(), st["balance"].as_i64()), (Some(6), Some(994)));
    let rec = sim.last_request().await;
    assert_eq!(rec["fault"], "deliver_size");
    assert_eq!(rec["size"], "4096x4096");
    assert_eq!(rec["delivered"], "2048x2048");
    assert_eq!(rec["credits"], 6);
    assert_eq!(rec["resolved_model"], "gemini-3.1-flash-image-preview-2k");
    assert!(sim.server.faults().is_empty());

    // The next request is delivered as asked.
    let v =
        expect_json(sim.generate(json!({"model": FLASH, "prompt": "big", "size": "4096x4096"})).await, StatusCode::OK)
            .await;
    assert_eq!(decode(&pngs(&v)[0]).dimensions(), (4096, 4096));
    assert_eq!(sim.charged().await, 6 + 8);

    // Larger than asked: billed by what is delivered, beyond the reservation.
    sim.server.inject(Fault::deliver_size(4096, 4096));
    let v = expect_json(
        sim.generate(json!({"model": FLASH, "prompt": "p", "size": "1024x1024", "n": 2})).await,
        StatusCode::OK,
    )
    .await;
    let outs = pngs(&v);
    assert_eq!(outs.len(), 2);
    assert!(outs.iter().all(|p| decode(p).dimensions() == (4096, 4096)));
    assert_eq!(sim.charged().await, 6 + 8 + 2 * 8);

    // gpt-image-2 bills by long edge x quality: asked 3840x2160 low (4), delivered 1536x1024 (1).
    sim.server.inject(Fault::deliver_size(1536, 1024).model("gpt-image-2"));
    let v = expect_json(
        sim.generate(json!({"model": "gpt-image-2", "prompt": "p", "size": "3840x2160", "quality": "low"})).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(decode(&pngs(&v)[0]).dimensions(), (1536, 1024));
    assert_eq!(v["usage"]["credits"], 1);
    assert_eq!(sim.charged().await, 6 + 8 + 16 + 1);

    // A deliver_size fault needs a valid WxH.
    for bad in [
        json!({"kind": "deliver_size"}),
        json!({"kind": "deliver_size", "size": "big"}),
        json!({"kind": "deliver_size", "size": "0x1024"}),
        json!({"kind": "deliver_size", "size": "9000x1024"}),
    ] {
        let r = sim.http.post(sim.url("/__sim/faults")).json(&bad).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    assert!(sim.server.faults().is_empty());
}

/// 4. The same through async tasks: generations and edits.
#[tokio::test]
async fn deliver_size_fault_bills_what_is_delivered_async() {
    let sim = sim().await;
    sim.server.inject(Fault::deliver_size(2048, 2048).path("/v1/async/images/generations"));
    // A sync request does not consume a fault limited to the async path.
    expect_json(sim.generate(gen_body("sync")).await, StatusCode::OK).await;
    assert_eq!(sim.server.faults().len(), 1);
    let v = expect_json(
        sim.post_json("/v1/async/images/generations", &json!({"model": FLASH, "prompt": "big", "size": "4096x4096"}))
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(v["status"], "submitted");
    let rec = sim.last_request().await;
    assert_eq!(rec["fault"], "deliver_size");
    assert_eq!(rec["size"], "4096x4096");
    assert_eq!(rec["delivered"], "2048x2048");
    let done = poll_until_done(&sim, v["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(decode(&pngs(&done["result"])[0]).dimensions(), (2048, 2048));
    assert_eq!(done["result"]["usage"]["credits"], 6);
    assert_eq!(done["result"]["usage"]["size"], "2048x2048");
    wait_until("task settled", || sim.server.state().in_flight == 0).await;
    let st = sim.state_json().await;
    assert_eq!((st["charged"].as_i64(), st["balance"].as_i64()), (Some(4 + 6), Some(990)));

    // An async edit on 3 Pro: asked 3840x2160 (16), delivered 2048x1152 (8).
    sim.server.inject(Fault::deliver_size(2048, 1152).path("/v1/async/images/edits"));
    let f = Form::new()
        .text("model", PRO)
        .text("prompt", "edit")
        .text("size", "3840x2160")
        .part("image", png_part(red(), "r.png"));
    let v = expect_json(sim.edit_at("/v1/async/images/edits", f).await, StatusCode::OK).await;
    let done = poll_until_done(&sim, v["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "completed", "{done}");
    assert_eq!(decode(&pngs(&done["result"])[0]).dimensions(), (2048, 1152));
    assert_eq!(done["result"]["usage"]["credits"], 8);
    assert_eq!(done["result"]["usage"]["model"], "gemini-3-pro-image-preview-2k");
    wait_until("task settled", || sim.server.state().in_flight == 0).await;
    assert_eq!(sim.charged().await, 4 + 6 + 8);
}

/// 5. 401, 429 and 503 (and 402, 404, 422) answer the string shape of docs/errors/ with the
///    request id; 400 and 500 keep the integer shape.
#[tokio::test]
async fn documented_error_codes_use_the_string_shape_with_request_id() {
    let sim = sim_with(SimConfig { keys: vec!["sk_good".into()], ..SimConfig::default() }).await;
    let url = sim.url("/v1/images/generations");
    let body = json!({"model": FLASH, "prompt": "p", "size": "1024x1024"});
    let send = |key: &'static str| sim.http.post(&url).bearer_auth(key).json(&body).send();

    // 401: a wrong key, with the documented message, and no key at all.
    let v = expect_string_error(send("sk_wrong").await.unwrap(), StatusCode::UNAUTHORIZED, "unauthorized").await;
    assert_eq!(v["error"]["message"], "Invalid API key.");
    let r = sim.http.post(&url).json(&body).send().await.unwrap();
    expect_string_error(r, StatusCode::UNAUTHORIZED, "unauthorized").await;
    let r = sim.http.get(sim.url("/v1/tasks/task_x")).send().await.unwrap();
    expect_string_error(r, StatusCode::UNAUTHORIZED, "unauthorized").await;

    // 429: the concurrency limit, with Retry-After.
    sim.admin(Method::POST, "/__sim/state", Some(json!({"max_concurrency": 0}))).await;
    let r = send("sk_good").await.unwrap();
    assert_eq!(r.headers()["retry-after"], "1");
    let v = expect_string_error(r, StatusCode::TOO_MANY_REQUESTS, "rate_limited").await;
    // The body's request_id is the one of the request log.
    let rec = sim.last_request().await;
    assert_eq!(rec["status"], 429);
    assert_eq!(rec["request_id"], v["error"]["request_id"]);
    sim.admin(Method::POST, "/__sim/state", Some(json!({"max_concurrency": 8}))).await;

    // 503: the provider is unavailable (injected), on sync, async and the task poll.
    sim.server.inject(Fault::status(503).count(2));
    let r = send("sk_good").await.unwrap();
    expect_string_error(r, StatusCode::SERVICE_UNAVAILABLE, "model_unavailable").await;
    let r =
        sim.http.post(sim.url("/v1/async/images/generations")).bearer_auth("sk_good").json(&body).send().await.unwrap();
    expect_string_error(r, StatusCode::SERVICE_UNAVAILABLE, "model_unavailable").await;
    sim.server.inject(Fault::status(503).path("/v1/tasks"));
    let r = sim.http.get(sim.url("/v1/tasks/task_x")).bearer_auth("sk_good").send().await.unwrap();
    expect_string_error(r, StatusCode::SERVICE_UNAVAILABLE, "model_unavailable").await;

    // 400 and 500: the integer shape.
    let r = sim
        .http
        .post(&url)
        .bearer_auth("sk_good")
        .json(&json!({"model": FLASH, "prompt": "p", "size": "1K"}))
        .send()
        .await
        .unwrap();
    let v = expect_integer_error(r, StatusCode::BAD_REQUEST, "invalid_request_error").await;
    assert_eq!(v["error"]["param"], "size");
    sim.server.inject(Fault::status(500));
    let r = send("sk_good").await.unwrap();
    expect_integer_error(r, StatusCode::INTERNAL_SERVER_ERROR, "internal_error").await;
    assert_eq!(sim.charged().await, 0);
}

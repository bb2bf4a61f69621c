use base64::Engine;
use reqwest::multipart::{Form, Part};
use reqwest::StatusCode;
use serde_json::json;

use crate::common::*;

fn png_part(png: Vec<u8>, name: &str) -> Part {
    Part::bytes(png).file_name(name.to_string()).mime_str("image/png").unwrap()
}

fn form(prompt: &str) -> Form {
    Form::new().text("model", "nano-banana-2").text("prompt", prompt.to_string())
}

const RED: [f64; 3] = [255.0, 0.0, 0.0];

#[tokio::test]
async fn edit_with_image_repeated_is_derived_from_references() {
    let sim = sim().await;
    let red = solid_png(64, 48, [255, 0, 0]);
    let f = form("a calm lake")
        .text("n", "2")
        .text("unknown_field", "ignored")
        .part("image", png_part(red.clone(), "a.png"))
        .part("image", png_part(red.clone(), "b.png"));
    let v = expect_json(sim.edit(f).await, StatusCode::OK).await;
    let outs = pngs(&v);
    assert_eq!(outs.len(), 2);
    assert_ne!(outs[0], outs[1]);
    let edited = decode(&outs[0]);
    assert_eq!(edited.dimensions(), (1024, 1024));
    let plain = expect_json(sim.generate(gen_body("a calm lake")).await, StatusCode::OK).await;
    let plain = decode(&pngs(&plain)[0]);
    let (de, dp) = (dist(mean(&edited), RED), dist(mean(&plain), RED));
    assert!(de < dp / 2.0, "edit mean {:?} is not much closer to red than {:?}", mean(&edited), mean(&plain));
    assert_eq!(sim.server.state().charged, 8 + 4);
}

#[tokio::test]
async fn edit_with_image_array_parts_and_other_fields() {
    let sim = sim().await;
    // `quality` and `mask` are not Gemini fields: accepted, ignored and reported.
    let f = Form::new()
        .text("model", "gemini-3.1-flash-image-preview")
        .text("prompt", "two refs")
        .text("size", "2048x1152")
        .text("response_format", "url")
        .text("quality", "high")
        .part("image[]", png_part(solid_png(32, 32, [255, 0, 0]), "r.png"))
        .part("image[]", png_part(solid_png(32, 32, [0, 0, 255]), "b.png"))
        .part("mask", png_part(solid_png(32, 32, [0, 0, 0]), "mask.png"));
    let v = expect_json(sim.edit(f).await, StatusCode::OK).await;
    let url = v["data"][0]["url"].as_str().unwrap();
    let png = sim.http.get(url).send().await.unwrap().bytes().await.unwrap();
    let img = decode(&png);
    assert_eq!(img.dimensions(), (2048, 1152));
    // Left half from the red reference, right half from the blue one.
    let left = mean(&image::imageops::crop_imm(&img, 0, 0, 1024, 1152).to_image());
    let right = mean(&image::imageops::crop_imm(&img, 1024, 0, 1024, 1152).to_image());
    assert!(left[0] > left[2] + 60.0, "left {left:?}");
    assert!(right[2] > right[0] + 60.0, "right {right:?}");
    assert_eq!(sim.server.state().charged, 6);
    let rec = sim.last_request().await;
    assert_eq!(rec["delivered"], "2048x1152");
    assert_eq!(rec["unknown_fields"], json!(["quality", "mask"]), "{rec}");
}

#[tokio::test]
async fn edit_with_data_url_text_fields() {
    let sim = sim().await;
    let b64 = base64::engine::general_purpose::STANDARD.encode(solid_png(40, 40, [255, 0, 0]));
    let data_url = format!("data:image/png;base64,{b64}");
    for field in ["image", "image[]"] {
        let f = form("data url").text(field, data_url.clone());
        let v = expect_json(sim.edit(f).await, StatusCode::OK).await;
        let img = decode(&pngs(&v)[0]);
        assert!(dist(mean(&img), RED) < 150.0, "{field}: {:?}", mean(&img));
    }
    // `images` is no documented part name: strict refuses it, lenient takes it.
    let f = form("data url").text("images", data_url.clone());
    expect_400(sim.edit(f).await, "image").await;
    let lenient = lenient_sim().await;
    let f = form("data url").text("images", data_url.clone());
    let v = expect_json(lenient.edit(f).await, StatusCode::OK).await;
    let img = decode(&pngs(&v)[0]);
    assert!(dist(mean(&img), RED) < 150.0, "images: {:?}", mean(&img));
    // The same reference as a file part gives the same output (same bytes in, same seed).
    let f = form("data url").part("image", png_part(solid_png(40, 40, [255, 0, 0]), "r.png"));
    let a = pngs(&expect_json(sim.edit(f).await, StatusCode::OK).await);
    let f = form("data url").text("image", data_url.clone());
    let b = pngs(&expect_json(sim.edit(f).await, StatusCode::OK).await);
    assert_eq!(a, b);
    // JSON edits with data URLs are accepted too.
    let r = sim
        .post_json("/v1/images/edits", &json!({"model": "nano-banana-2", "prompt": "json", "image": [data_url]}))
        .await;
    expect_json(r, StatusCode::OK).await;
}

#[tokio::test]
async fn edit_can_reference_a_sim_url_and_jpeg() {
    let sim = sim().await;
    let v = expect_json(
        sim.generate(json!({"model": "gemini-3.1-flash-image-preview", "prompt": "p", "size": "512x512", "response_format": "url"})).await,
        StatusCode::OK,
    )
    .await;
    let url = v["data"][0]["url"].as_str().unwrap().to_string();
    let f = form("from url").text("image", url);
    expect_json(sim.edit(f).await, StatusCode::OK).await;

    let img = image::RgbImage::from_pixel(20, 20, image::Rgb([0, 255, 0]));
    let mut jpeg = std::io::Cursor::new(Vec::new());
    img.write_to(&mut jpeg, image::ImageFormat::Jpeg).unwrap();
    let f =
        form("jpeg").part("image", Part::bytes(jpeg.into_inner()).file_name("g.jpg").mime_str("image/jpeg").unwrap());
    let v = expect_json(sim.edit(f).await, StatusCode::OK).await;
    let m = mean(&decode(&pngs(&v)[0]));
    assert!(m[1] > m[0] && m[1] > m[2], "{m:?}");
}

#[tokio::test]
async fn lite_edits_take_image_as_a_url_string_not_a_file_part() {
    let sim = sim().await;
    let png = solid_png(64, 48, [255, 0, 0]);
    let data_url = format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(&png));
    // As its page documents: JSON, `image` a string (one) or string[] (several).
    for image in [json!(data_url), json!([data_url, data_url])] {
        let body =
            json!({"model": "gemini-3.1-flash-lite-image", "prompt": "a calm lake", "size": "16:9", "image": image});
        let v = expect_json(sim.post_json("/v1/images/edits", &body).await, StatusCode::OK).await;
        assert_eq!(decode(&b64_png(&v["data"][0])).dimensions(), (1376, 768));
    }
    assert_eq!(sim.charged().await, 4, "2 credits an image");
    // A file part is not what its page documents.
    let f = Form::new()
        .text("model", "gemini-3.1-flash-lite-image")
        .text("prompt", "a calm lake")
        .part("image", png_part(png, "a.png"));
    let v = expect_400(sim.edit(f).await, "image").await;
    assert!(v["error"]["message"].as_str().unwrap().contains("input image URL (string or string[])"), "{v}");
}

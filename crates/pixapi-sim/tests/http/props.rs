//! Property tests of the request reader (`request::parse`) over real HTTP: random JSON,
//! random multipart bodies and random bytes POSTed to the image endpoints. Whatever
//! arrives, the simulator answers (no dropped connection), with a 200 or a JSON error,
//! and never a 500. Bounded: 64 requests each, no failure files.

use std::time::Duration;

use base64::Engine;
use pixapi_sim::SimConfig;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use reqwest::multipart::{Form, Part};
use serde_json::{Map, Value};

use crate::common::*;

fn config(cases: u32) -> Config {
    Config {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(cases),
        failure_persistence: None,
        max_shrink_iters: 256,
        ..Config::default()
    }
}

const PATHS: &[&str] =
    &["/v1/images/generations", "/v1/images/edits", "/v1/async/images/generations", "/v1/async/images/edits"];

const FIELDS: &[&str] = &[
    "model",
    "prompt",
    "n",
    "size",
    "response_format",
    "quality",
    "background",
    "output_format",
    "output_compression",
    "moderation",
    "aspect_ratio",
    "image",
    "image[]",
    "images",
    "mask",
    "user",
];

/// Values the reader tells apart, valid ones included (so some requests get through).
fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        3 => proptest::sample::select(&[
            "nano-banana-2", "gemini-3.1-flash-image-preview", "gemini-2.5-flash-image", "gpt-image-1.5",
            "gpt-image-2", "gemini-3.1-flash-image-preview-4k", "dall-e-9", "", " ", "a lighthouse",
            "512x512", "1024x1024", "1K", "2K", "16:9", "0x0", "99999x99999", "b64_json", "url", "png",
            "low", "high", "auto", "transparent", "1", "2", "-1", "11", "abc", "data:image/png;base64,",
            "data:image/png;base64,!!!", "data:,", "http://127.0.0.1:1/x.png", "https://example.invalid/x.png",
        ][..])
        .prop_map(|s| Value::String(s.to_string())),
        1 => proptest::sample::select(&[1i64, 2, 0, -1, 11, 100, i64::MAX][..]).prop_map(Value::from),
        1 => any::<f64>().prop_map(Value::from),
        1 => any::<bool>().prop_map(Value::Bool),
        1 => Just(Value::Null),
        1 => any::<String>().prop_map(Value::String),
        1 => small_image().prop_map(|b| Value::String(format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(b)
        ))),
    ]
}

fn value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(("url|image_url|[a-z]{1,4}", inner), 0..3)
                .prop_map(|kv| Value::Object(kv.into_iter().collect::<Map<String, Value>>())),
        ]
    })
}

const MODELS: &[&str] = &[
    "nano-banana-2",
    "gemini-3.1-flash-image-preview",
    "gemini-2.5-flash-image",
    "gemini-3-pro-image-preview",
    "gpt-image-1.5",
    "gpt-image-2",
    "gemini-3.1-flash-image-preview-512",
];

/// A model and a prompt most of the time (so the reader gets past them), then any fields.
fn base() -> impl Strategy<Value = Vec<(String, Value)>> {
    (
        proptest::option::weighted(0.85, proptest::sample::select(MODELS)),
        proptest::option::weighted(0.85, prop_oneof![Just("a red fox".to_string()), any::<String>()]),
    )
        .prop_map(|(m, p)| {
            let mut v = Vec::new();
            if let Some(m) = m {
                v.push(("model".to_string(), Value::String(m.to_string())));
            }
            if let Some(p) = p {
                v.push(("prompt".to_string(), Value::String(p)));
            }
            v
        })
}

fn data_url() -> impl Strategy<Value = Value> {
    small_image().prop_map(|b| {
        Value::String(format!("data:image/png;base64,{}", base64::engine::general_purpose::STANDARD.encode(b)))
    })
}

fn json_body() -> impl Strategy<Value = Value> {
    let image_value =
        prop_oneof![data_url(), proptest::collection::vec(data_url(), 0..4).prop_map(Value::Array), value(),];
    (
        base(),
        proptest::collection::vec(
            (proptest::sample::select(&["image", "image[]", "images", "mask"][..]), image_value),
            0..3,
        ),
        proptest::collection::vec((proptest::sample::select(FIELDS), value()), 0..5),
    )
        .prop_map(|(base, images, rest)| {
            let mut m = Map::new();
            for (k, v) in base {
                m.insert(k, v);
            }
            for (k, v) in images.into_iter().chain(rest) {
                m.insert(k.to_string(), v);
            }
            Value::Object(m)
        })
}

const MAGIC: &[&[u8]] =
    &[b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF89a", b"RIFF\0\0\0\0WEBPVP8 ", b"BM", b"\0\0\0\x18ftypheic"];

/// A real image, an image cut short, or image magic and garbage.
fn small_image() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        (1u32..24, 1u32..24, any::<[u8; 3]>()).prop_map(|(w, h, rgb)| solid_png(w, h, rgb)),
        (1u32..24, 1u32..24, any::<[u8; 3]>(), any::<proptest::sample::Index>()).prop_map(|(w, h, rgb, i)| {
            let b = solid_png(w, h, rgb);
            b[..i.index(b.len())].to_vec()
        }),
        (proptest::sample::select(MAGIC), proptest::collection::vec(any::<u8>(), 0..128),).prop_map(|(m, rest)| [
            m,
            &rest[..]
        ]
        .concat()),
        proptest::collection::vec(any::<u8>(), 0..128),
    ]
}

#[derive(Clone, Debug)]
enum PartBody {
    Text(String),
    Bytes { bytes: Vec<u8>, file_name: Option<String>, mime: Option<String> },
}

fn text_part() -> impl Strategy<Value = PartBody> {
    scalar().prop_map(|v| {
        PartBody::Text(match v {
            Value::String(s) => s,
            other => other.to_string(),
        })
    })
}

fn file_part() -> impl Strategy<Value = PartBody> {
    (
        small_image(),
        proptest::option::weighted(0.8, "[a-z]{1,6}\\.(png|jpg|webp|heic|txt)"),
        proptest::option::of(
            proptest::sample::select(&["image/png", "image/jpeg", "text/plain", "application/octet-stream", "x/y"][..])
                .prop_map(str::to_string),
        ),
    )
        .prop_map(|(bytes, file_name, mime)| PartBody::Bytes { bytes, file_name, mime })
}

fn part() -> impl Strategy<Value = (String, PartBody)> {
    prop_oneof![
        // Image parts: files, data URLs as text, anything.
        3 => (proptest::sample::select(&["image", "image[]", "images", "mask", "image[0]"][..]).prop_map(str::to_string),
              prop_oneof![3 => file_part(), 1 => data_url().prop_map(|v| PartBody::Text(v.as_str().unwrap().to_string())), 1 => text_part()]),
        // Text fields, rarely with bytes that are not UTF-8.
        3 => (proptest::sample::select(FIELDS).prop_map(str::to_string), prop_oneof![6 => text_part(), 1 => file_part()]),
        1 => ("[a-z\\[\\]0-9]{0,8}", text_part()),
    ]
}

fn parts() -> impl Strategy<Value = Vec<(String, PartBody)>> {
    (base(), proptest::collection::vec(part(), 0..6)).prop_map(|(base, rest)| {
        base.into_iter().map(|(k, v)| (k, PartBody::Text(v.as_str().unwrap().to_string()))).chain(rest).collect()
    })
}

#[derive(Clone, Debug)]
enum Req {
    Json {
        path: &'static str,
        body: Value,
    },
    Multipart {
        path: &'static str,
        parts: Vec<(String, PartBody)>,
    },
    /// Raw bytes under a content type (a broken multipart body among them).
    Raw {
        path: &'static str,
        ctype: String,
        body: Vec<u8>,
    },
}

fn raw_multipart() -> impl Strategy<Value = (String, Vec<u8>)> {
    (proptest::collection::vec(part(), 0..4), any::<proptest::sample::Index>(), any::<u8>(), any::<bool>()).prop_map(
        |(parts, at, x, cut)| {
            let mut b = Vec::new();
            for (name, body) in parts {
                b.extend_from_slice(b"--XyZ\r\nContent-Disposition: form-data; name=\"");
                b.extend_from_slice(name.as_bytes());
                b.extend_from_slice(b"\"");
                let bytes = match body {
                    PartBody::Text(t) => t.into_bytes(),
                    PartBody::Bytes { bytes, .. } => {
                        b.extend_from_slice(b"; filename=\"a.png\"\r\nContent-Type: image/png");
                        bytes
                    }
                };
                b.extend_from_slice(b"\r\n\r\n");
                b.extend_from_slice(&bytes);
                b.extend_from_slice(b"\r\n");
            }
            b.extend_from_slice(b"--XyZ--\r\n");
            let i = at.index(b.len());
            if cut {
                b.truncate(i);
            } else {
                b[i] = x;
            }
            ("multipart/form-data; boundary=XyZ".to_string(), b)
        },
    )
}

fn request() -> impl Strategy<Value = Req> {
    let path = proptest::sample::select(PATHS);
    prop_oneof![
        3 => (path.clone(), json_body()).prop_map(|(path, body)| Req::Json { path, body }),
        3 => (path.clone(), parts()).prop_map(|(path, parts)| Req::Multipart { path, parts }),
        1 => (path.clone(), raw_multipart()).prop_map(|(path, (ctype, body))| Req::Raw { path, ctype, body }),
        1 => (
            path,
            proptest::sample::select(&["application/json", "multipart/form-data", "multipart/form-data; boundary=", "text/plain", ""][..]),
            proptest::collection::vec(any::<u8>(), 0..256),
        )
            .prop_map(|(path, ctype, body)| Req::Raw { path, ctype: ctype.to_string(), body }),
    ]
}

async fn send(sim: &Sim, req: &Req) -> Result<(), TestCaseError> {
    let rb = match req {
        Req::Json { path, body } => sim.http.post(sim.url(path)).json(body),
        Req::Multipart { path, parts } => {
            let mut form = Form::new();
            for (name, body) in parts {
                let p = match body {
                    PartBody::Text(t) => Part::text(t.clone()),
                    PartBody::Bytes { bytes, file_name, mime } => {
                        let mut p = Part::bytes(bytes.clone());
                        if let Some(f) = file_name {
                            p = p.file_name(f.clone());
                        }
                        if let Some(m) = mime {
                            p = p.mime_str(m).unwrap();
                        }
                        p
                    }
                };
                form = form.part(name.clone(), p);
            }
            sim.http.post(sim.url(path)).multipart(form)
        }
        Req::Raw { path, ctype, body } => {
            let rb = sim.http.post(sim.url(path)).body(body.clone());
            if ctype.is_empty() {
                rb
            } else {
                rb.header("content-type", ctype.as_str())
            }
        }
    };
    let r = rb.bearer_auth(KEY).send().await.map_err(|e| TestCaseError::fail(format!("no answer: {e}")))?;
    let status = r.status();
    let text = r.text().await.map_err(|e| TestCaseError::fail(format!("HTTP {status}: the body was cut: {e}")))?;
    prop_assert!(status.as_u16() != 500 && status.as_u16() < 600, "HTTP {}: {}", status, text);
    let v: Value = serde_json::from_str(&text)
        .map_err(|e| TestCaseError::fail(format!("HTTP {status}: not JSON ({e}): {text}")))?;
    if status.is_success() {
        prop_assert!(
            v.get("data").is_some() || v.get("id").is_some() || v.get("task_id").is_some(),
            "HTTP {}: {}",
            status,
            v
        );
    } else {
        let msg = v["error"]["message"].as_str().unwrap_or("");
        prop_assert!(!msg.is_empty(), "HTTP {}: no error message: {}", status, v);
    }
    Ok(())
}

/// Runs `cases` random requests against one simulator.
fn run(strict: bool, cases: u32) {
    let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().unwrap();
    let sim = rt.block_on(sim_with(SimConfig {
        strict,
        credits: 1_000_000_000,
        max_concurrency: 64,
        ..SimConfig::default()
    }));
    let mut runner = TestRunner::new(config(cases));
    let result = runner.run(&request(), |req| {
        rt.block_on(async { tokio::time::timeout(Duration::from_secs(30), send(&sim, &req)).await })
            .map_err(|_| TestCaseError::fail("no answer within 30 s"))?
    });
    // The server must still answer after all of that.
    let state = rt.block_on(sim.state_json());
    drop(sim);
    rt.shutdown_background();
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(state["requests"].as_u64().is_some(), "{state}");
}

#[test]
fn random_requests_get_an_answer_never_a_500() {
    run(true, 64);
}

#[test]
fn random_requests_to_a_lenient_sim_get_an_answer_never_a_500() {
    run(false, 32);
}

use std::time::Duration;

use base64::Engine;
use image::RgbImage;
use pixapi_sim::{SimConfig, SimServer};
use reqwest::{Response, StatusCode};
use serde_json::{json, Value};

pub const KEY: &str = "sk_test_1";

pub struct Sim {
    pub server: SimServer,
    pub base: String,
    pub http: reqwest::Client,
}

pub async fn sim() -> Sim {
    sim_with(SimConfig::default()).await
}

/// A simulator with the lenient rules (`--lenient`): suffixed ids, `512`/`1K` keywords and
/// `aspect_ratio` are accepted, as other gateways do. Strict is the default.
pub async fn lenient_sim() -> Sim {
    lenient_sim_with(SimConfig::default()).await
}

pub async fn lenient_sim_with(cfg: SimConfig) -> Sim {
    sim_with(SimConfig { strict: false, ..cfg }).await
}

pub async fn sim_with(cfg: SimConfig) -> Sim {
    let server = SimServer::start(cfg).await.expect("sim starts");
    let base = server.base_url();
    let http = reqwest::Client::builder().timeout(Duration::from_secs(60)).build().unwrap();
    Sim { server, base, http }
}

impl Sim {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> Response {
        self.http.post(self.url(path)).bearer_auth(KEY).json(body).send().await.expect("sent")
    }

    pub async fn generate(&self, body: Value) -> Response {
        self.post_json("/v1/images/generations", &body).await
    }

    pub async fn get(&self, path: &str) -> Response {
        self.http.get(self.url(path)).bearer_auth(KEY).send().await.expect("sent")
    }

    pub async fn edit(&self, form: reqwest::multipart::Form) -> Response {
        self.edit_at("/v1/images/edits", form).await
    }

    pub async fn edit_at(&self, path: &str, form: reqwest::multipart::Form) -> Response {
        self.http.post(self.url(path)).bearer_auth(KEY).multipart(form).send().await.expect("sent")
    }

    pub async fn admin(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Value {
        let mut rb = self.http.request(method, self.url(path));
        if let Some(b) = body {
            rb = rb.json(&b);
        }
        let r = rb.send().await.expect("sent");
        assert!(r.status().is_success(), "admin {path}: {}", r.status());
        r.json().await.expect("json")
    }

    /// `GET /__sim/state`, over HTTP.
    pub async fn state_json(&self) -> Value {
        self.admin(reqwest::Method::GET, "/__sim/state", None).await
    }

    /// `charged` of `GET /__sim/state`.
    pub async fn charged(&self) -> i64 {
        self.state_json().await["charged"].as_i64().expect("charged")
    }

    /// The records of `GET /__sim/requests`, over HTTP (oldest first).
    pub async fn request_log(&self) -> Vec<Value> {
        let v = self.admin(reqwest::Method::GET, "/__sim/requests", None).await;
        v["requests"].as_array().expect("requests").clone()
    }

    /// The most recent record of `GET /__sim/requests`.
    pub async fn last_request(&self) -> Value {
        self.request_log().await.pop().expect("a recorded request")
    }
}

/// Asserts the string error shape of docs/errors/ (401, 402, 404, 422, 429, 503):
/// `{"error":{"code":"<code>","message":"...","request_id":"req_..."}}`, the id being the
/// answer's `x-request-id`. Returns the body.
pub async fn expect_string_error(r: Response, status: StatusCode, code: &str) -> Value {
    let rid = r.headers().get("x-request-id").expect("x-request-id").to_str().unwrap().to_string();
    let v = expect_json(r, status).await;
    let e = &v["error"];
    assert_eq!(e["code"], code, "{v}");
    assert!(e["code"].is_string(), "code must be a string: {v}");
    assert!(e["message"].as_str().is_some_and(|m| !m.is_empty()), "{v}");
    assert_eq!(e["request_id"], rid.as_str(), "{v}");
    assert!(rid.starts_with("req_"), "{rid}");
    assert!(e.get("type").is_none(), "no `type` in the string shape: {v}");
    v
}

/// Asserts the integer error shape (400, 500):
/// `{"error":{"code":<status>,"message":"...","type":"<type>"}}`. Returns the body.
pub async fn expect_integer_error(r: Response, status: StatusCode, type_name: &str) -> Value {
    let v = expect_json(r, status).await;
    assert_eq!(v["error"]["code"], status.as_u16(), "{v}");
    assert_eq!(v["error"]["type"], type_name, "{v}");
    assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    v
}

/// Asserts the status and returns the JSON body.
pub async fn expect_json(r: Response, status: StatusCode) -> Value {
    let got = r.status();
    assert!(r.headers().contains_key("x-request-id"), "x-request-id missing");
    let text = r.text().await.expect("body");
    assert_eq!(got, status, "body: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// Asserts a 400 invalid_request_error naming `param`.
pub async fn expect_400(r: Response, param: &str) -> Value {
    let v = expect_json(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(v["error"]["code"], 400, "{v}");
    assert_eq!(v["error"]["type"], "invalid_request_error", "{v}");
    assert_eq!(v["error"]["param"], param, "{v}");
    assert!(v["error"]["message"].as_str().is_some_and(|m| !m.is_empty()));
    v
}

pub fn b64_png(item: &Value) -> Vec<u8> {
    let s = item["b64_json"].as_str().expect("b64_json");
    base64::engine::general_purpose::STANDARD.decode(s).expect("base64")
}

pub fn decode(png: &[u8]) -> RgbImage {
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    image::load_from_memory_with_format(png, image::ImageFormat::Png).expect("decodes").to_rgb8()
}

/// The PNGs of a b64_json answer.
pub fn pngs(answer: &Value) -> Vec<Vec<u8>> {
    answer["data"].as_array().expect("data").iter().map(b64_png).collect()
}

pub fn solid_png(w: u32, h: u32, rgb: [u8; 3]) -> Vec<u8> {
    let img = RgbImage::from_pixel(w, h, image::Rgb(rgb));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

pub fn mean(img: &RgbImage) -> [f64; 3] {
    let mut s = [0f64; 3];
    for p in img.pixels() {
        for (acc, v) in s.iter_mut().zip(p.0) {
            *acc += v as f64;
        }
    }
    let n = (img.width() * img.height()) as f64;
    s.map(|v| v / n)
}

pub fn dist(a: [f64; 3], b: [f64; 3]) -> f64 {
    a.iter().zip(b).map(|(x, y)| (x - y).powi(2)).sum::<f64>().sqrt()
}

pub fn gen_body(prompt: &str) -> Value {
    json!({"model": "nano-banana-2", "prompt": prompt})
}

/// Polls until `cond` holds (or panics after 10 s).
pub async fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !cond() {
        assert!(std::time::Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

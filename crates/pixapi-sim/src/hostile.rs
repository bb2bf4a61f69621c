//! The `hostile` fault family: answers a broken or malicious server could send to a
//! sync image request, for testing that a client ends each of them with a clear error,
//! in bounded memory, without counting what it did not get.
//!
//! Every variant but `html` is charged as a real server would: it ran the request and
//! believes it delivered the images (`n x price`, or `(n + items) x price` for
//! `extra_items`). `html` (a proxy or portal page in front of the API) charges nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use bytes::Bytes;
use serde::Deserialize;
use serde_json::{json, Value};

use crate::errors::ApiError;
use crate::faults::Fault;
pub use crate::hostile_variant::*;
use crate::imagegen::Spec;
use crate::request::ImageRequest;
use crate::state::Shared;

const CHUNK: usize = 1 << 20;

/// A hostile answer, and what it charges and counts as delivered.
pub(crate) struct HostileAnswer {
    pub response: Response,
    pub credits: i64,
    pub images: u32,
}

fn json_response(v: &Value) -> Result<Response, ApiError> {
    let body = serde_json::to_vec(v).map_err(|e| ApiError::internal(e.to_string()))?;
    Ok(([(header::CONTENT_TYPE, "application/json")], body).into_response())
}

fn answer(items: Vec<Value>, credits: i64, images: u32, job: &ImageRequest) -> Value {
    json!({
        "created": crate::ids::unix_now(),
        "data": items,
        "usage": {
            "credits": credits,
            "images": images,
            "model": job.resolved.variant_id,
            "size": format!("{}x{}", job.resolved.width, job.resolved.height),
        },
    })
}

/// The request's real outputs, drawn off the runtime.
async fn draw(s: &Arc<Shared>, job: &ImageRequest) -> Result<Vec<Bytes>, ApiError> {
    let mut out = Vec::with_capacity(job.n as usize);
    for index in 0..job.n {
        let spec = Spec {
            prompt: job.prompt.clone(),
            index,
            width: job.resolved.width,
            height: job.resolved.height,
            references: job.references.clone(),
            encoding: job.encoding,
        };
        let s = s.clone();
        let png = tokio::task::spawn_blocking(move || s.cache.image(&spec))
            .await
            .map_err(|e| ApiError::internal(format!("image generation crashed: {e}")))?;
        out.push(png);
    }
    Ok(out)
}

fn b64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// Percent-encodes a query value (everything but the unreserved characters).
pub fn query_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Answers `fault` (a normalized `hostile` fault) to `job`, no earlier than `not_before`.
pub(crate) async fn respond(
    s: &Arc<Shared>,
    job: &ImageRequest,
    fault: &Fault,
    base: &str,
    not_before: Instant,
) -> Result<HostileAnswer, ApiError> {
    let variant = fault.variant.unwrap_or(HostileVariant::NotImage);
    let price = job.resolved.credits_per_image;
    let n = job.n;
    tokio::time::sleep_until(tokio::time::Instant::from_std(not_before)).await;
    let plain = |items: Vec<Value>| -> Result<HostileAnswer, ApiError> {
        let credits = price * n as i64;
        Ok(HostileAnswer { response: json_response(&answer(items, credits, n, job))?, credits, images: n })
    };
    match variant {
        HostileVariant::ExtraItems => {
            let pngs = draw(s, job).await?;
            let total = n + fault.items.unwrap_or(DEFAULT_EXTRA_ITEMS);
            let items: Vec<Value> = (0..total as usize)
                .map(|i| {
                    // The extras are the same bytes under new links (cheap to serve).
                    json!({"url": s.files.url(base, pngs[i % pngs.len()].clone(), job.encoding, s.cfg.url_ttl)})
                })
                .collect();
            let credits = price * total as i64;
            Ok(HostileAnswer { response: json_response(&answer(items, credits, total, job))?, credits, images: total })
        }
        HostileVariant::NotImage => {
            let data = match &fault.body {
                Some(b) => b64(b.as_bytes()),
                None => "string".to_string(),
            };
            plain(vec![json!({"b64_json": data}); n as usize])
        }
        HostileVariant::Bomb => {
            let png = bomb_png(BOMB_EDGE, BOMB_EDGE);
            plain(vec![json!({"b64_json": b64(&png)}); n as usize])
        }
        HostileVariant::FileUrl => {
            let to = fault.to.clone().unwrap_or_else(|| DEFAULT_TARGET.into());
            plain(vec![json!({"url": to}); n as usize])
        }
        HostileVariant::MixedUrls => {
            let pngs = draw(s, job).await?;
            let to = fault.to.clone().unwrap_or_else(|| DEFAULT_TARGET.into());
            let mut items: Vec<Value> = pngs
                .iter()
                .map(|png| json!({"url": s.files.url(base, png.clone(), job.encoding, s.cfg.url_ttl)}))
                .collect();
            if let Some(last) = items.last_mut() {
                *last = json!({"url": to});
            }
            let credits = price * n as i64;
            Ok(HostileAnswer { response: json_response(&answer(items, credits, n, job))?, credits, images: n })
        }
        HostileVariant::Redirect => {
            let to = fault.to.clone().unwrap_or_else(|| DEFAULT_TARGET.into());
            let url = format!("{base}/__sim/redirect?to={}&hops={}", query_encode(&to), fault.hops.unwrap_or(0));
            plain(vec![json!({"url": url}); n as usize])
        }
        HostileVariant::DataUrl => {
            let pngs = draw(s, job).await?;
            let prefix = format!("data:{};base64,", job.encoding.mime());
            let want = fault.bytes.unwrap_or(DEFAULT_DATA_URL) as usize;
            let payload = want.saturating_sub(prefix.len()) / 4 * 3;
            let items: Vec<Value> = pngs
                .iter()
                .map(|png| {
                    let mut raw = png.to_vec();
                    raw.resize(payload.max(png.len()), 0);
                    json!({"url": format!("{prefix}{}", b64(&raw))})
                })
                .collect();
            plain(items)
        }
        HostileVariant::Html => {
            let body = fault.body.clone().unwrap_or_else(|| {
                "<!DOCTYPE html>\n<html><head><title>Sign in</title></head><body><h1>Please sign in to continue</h1><form method=\"post\" action=\"/login\"><input name=\"user\"><input name=\"password\" type=\"password\"></form></body></html>\n".into()
            });
            let mut r = (StatusCode::OK, body).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            Ok(HostileAnswer { response: r, credits: 0, images: 0 })
        }
        HostileVariant::HugeBody if job.response_format == crate::request::ResponseFormat::Url => {
            // A small answer whose links each stream `bytes`.
            let total = fault.bytes.unwrap_or(DEFAULT_HUGE_BODY);
            plain(vec![json!({"url": format!("{base}/__sim/huge?bytes={total}")}); n as usize])
        }
        HostileVariant::HugeBody => {
            let total = fault.bytes.unwrap_or(DEFAULT_HUGE_BODY);
            let head = Bytes::from(format!("{{\"created\": {}, \"data\": [{{\"b64_json\": \"", crate::ids::unix_now()));
            let tail = Bytes::from_static(b"\"}]}");
            let r = endless(s, head, total, tail, "application/json");
            let credits = price * n as i64;
            Ok(HostileAnswer { response: r, credits, images: n })
        }
        HostileVariant::Drip => {
            let pngs = draw(s, job).await?;
            let items: Vec<Value> = pngs
                .iter()
                .map(|png| match job.response_format {
                    crate::request::ResponseFormat::B64Json => json!({"b64_json": b64(png)}),
                    crate::request::ResponseFormat::Url => {
                        json!({"url": s.files.url(base, png.clone(), job.encoding, s.cfg.url_ttl)})
                    }
                })
                .collect();
            let credits = price * n as i64;
            let body = Bytes::from(
                serde_json::to_vec(&answer(items, credits, n, job)).map_err(|e| ApiError::internal(e.to_string()))?,
            );
            let interval = Duration::from_millis(fault.interval_ms.unwrap_or(DEFAULT_DRIP_INTERVAL_MS).max(1));
            let until = Instant::now() + Duration::from_millis(fault.delay_ms.unwrap_or(DEFAULT_DRIP_MS));
            let shutdown = s.shutdown.clone();
            let stream = futures::stream::unfold(0usize, move |at| {
                let body = body.clone();
                let shutdown = shutdown.clone();
                async move {
                    if at >= body.len() {
                        return None;
                    }
                    if Instant::now() >= until {
                        return Some((Ok::<Bytes, std::io::Error>(body.slice(at..)), body.len()));
                    }
                    if at > 0 {
                        tokio::select! {
                            _ = shutdown.cancelled() => return None,
                            _ = tokio::time::sleep(interval) => {}
                        }
                    }
                    Some((Ok(body.slice(at..at + 1)), at + 1))
                }
            });
            let mut r = Response::new(Body::from_stream(stream));
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            Ok(HostileAnswer { response: r, credits, images: n })
        }
    }
}

/// A body of `total` bytes: `head`, then `A`s in 1 MiB chunks (never held whole), then
/// `tail`; it stops early when the sim shuts down.
fn endless(s: &Shared, head: Bytes, total: u64, tail: Bytes, content_type: &'static str) -> Response {
    let fill = Bytes::from(vec![b'A'; CHUNK]);
    let middle = total.saturating_sub((head.len() + tail.len()) as u64);
    let shutdown = s.shutdown.clone();
    let stream = futures::stream::unfold((Some(head), middle, Some(tail)), move |(head, left, tail)| {
        let fill = fill.clone();
        let shutdown = shutdown.clone();
        async move {
            if shutdown.is_cancelled() {
                return None;
            }
            if let Some(h) = head {
                return Some((Ok::<Bytes, std::io::Error>(h), (None, left, tail)));
            }
            if left > 0 {
                let k = left.min(CHUNK as u64) as usize;
                return Some((Ok(fill.slice(..k)), (None, left - k as u64, tail)));
            }
            tail.map(|t| (Ok(t), (None, 0, None)))
        }
    });
    let mut r = Response::new(Body::from_stream(stream));
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

#[derive(Deserialize)]
pub(crate) struct HugeQuery {
    bytes: Option<u64>,
}

/// `GET /__sim/huge?bytes=N`: a "PNG" of N bytes (a signature, then filler), streamed
/// without `Content-Length` (the links of a `huge_body` fault asked with
/// `response_format=url`). Changes nothing; answers any Host.
pub(crate) async fn huge(State(s): State<Arc<Shared>>, Query(q): Query<HugeQuery>) -> Response {
    let total = q.bytes.unwrap_or(DEFAULT_HUGE_BODY);
    endless(&s, Bytes::from_static(b"\x89PNG\r\n\x1a\n"), total, Bytes::new(), "image/png")
}

#[derive(Deserialize)]
pub(crate) struct RedirectQuery {
    to: Option<String>,
    #[serde(default)]
    hops: u32,
}

/// `GET /__sim/redirect?to=URL&hops=N`: 302 to itself `N` times, then to `URL`. It has
/// no effect on the sim's state (so it is not held to the admin API's local-only rule:
/// a client may reach it under any host name).
pub(crate) async fn redirect(State(_s): State<Arc<Shared>>, Query(q): Query<RedirectQuery>) -> Response {
    let Some(to) = q.to.filter(|t| !t.is_empty()) else {
        return ApiError::bad_body("redirect needs ?to=URL").into_response();
    };
    let location =
        if q.hops > 0 { format!("/__sim/redirect?to={}&hops={}", query_encode(&to), q.hops - 1) } else { to };
    match HeaderValue::from_str(&location) {
        Ok(v) => {
            let mut r = StatusCode::FOUND.into_response();
            r.headers_mut().insert(header::LOCATION, v);
            r
        }
        Err(_) => ApiError::bad_body("to is not a valid Location").into_response(),
    }
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 != 0 { (crc >> 1) ^ 0xEDB8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    out.extend_from_slice(&(data.len() as u32).to_be_bytes());
    let start = out.len();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let crc = crc32(&out[start..]);
    out.extend_from_slice(&crc.to_be_bytes());
}

/// A well-formed PNG (signature, IHDR, IDAT, IEND, valid CRCs) declaring `w x h` RGB
/// pixels, whose IDAT holds one zlib-compressed zero byte: a few dozen bytes that claim
/// gigabytes once decoded.
pub fn bomb_png(w: u32, h: u32) -> Vec<u8> {
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = Vec::with_capacity(13);
    ihdr.extend_from_slice(&w.to_be_bytes());
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    // zlib.compress(b"\0")
    chunk(&mut out, b"IDAT", &[0x78, 0x9c, 0x63, 0x00, 0x00, 0x00, 0x01, 0x00, 0x01]);
    chunk(&mut out, b"IEND", &[]);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bomb_is_a_png_header_declaring_the_size() {
        let png = bomb_png(BOMB_EDGE, BOMB_EDGE);
        assert!(png.len() < 100, "{}", png.len());
        let (w, h) = image::ImageReader::new(std::io::Cursor::new(&png))
            .with_guessed_format()
            .unwrap()
            .into_dimensions()
            .unwrap();
        assert_eq!((w, h), (BOMB_EDGE, BOMB_EDGE));
        // The IEND CRC is the well-known constant.
        assert_eq!(&png[png.len() - 4..], &[0xAE, 0x42, 0x60, 0x82]);
    }

    #[test]
    fn normalize_fills_defaults_and_refuses_bad_options() {
        let parse = |s: &str| serde_json::from_str::<Fault>(s).unwrap().normalized();
        let f = parse(r#"{"kind":"hostile","variant":"extra_items"}"#).unwrap();
        assert_eq!(f.items, Some(DEFAULT_EXTRA_ITEMS));
        let f = parse(r#"{"kind":"hostile","variant":"drip"}"#).unwrap();
        assert_eq!((f.delay_ms, f.interval_ms), (Some(DEFAULT_DRIP_MS), Some(DEFAULT_DRIP_INTERVAL_MS)));
        let f = parse(r#"{"kind":"hostile","variant":"redirect"}"#).unwrap();
        assert_eq!(f.to.as_deref(), Some(DEFAULT_TARGET));
        assert!(parse(r#"{"kind":"hostile"}"#).unwrap_err().contains("extra_items"));
        assert!(Fault::hostile(HostileVariant::ExtraItems).items(MAX_EXTRA_ITEMS + 1).normalized().is_err());
        assert!(serde_json::from_str::<Fault>(r#"{"kind":"hostile","variant":"nope"}"#).is_err());
    }

    #[test]
    fn query_encoding() {
        assert_eq!(query_encode("file:///etc/passwd"), "file%3A%2F%2F%2Fetc%2Fpasswd");
        assert_eq!(query_encode("a-b_c.d~"), "a-b_c.d~");
    }
}

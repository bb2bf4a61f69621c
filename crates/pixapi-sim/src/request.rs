//! Reading and validating image requests: JSON generations, multipart (or JSON) edits.
//!
//! Validation order: model present, model known (404), prompt, n, response_format,
//! size (and, lenient only, aspect_ratio) / quality and the GPT models' output fields, then
//! (edits) the reference images and mask. Strict (the default) accepts the fields Pixapi's
//! pages document (and, for the GPT models, those of OpenAI's image API, which Pixapi says it
//! is compatible with); any other field is ignored and reported in the request log.

use std::io::Cursor;
use std::sync::Arc;

use axum::extract::multipart::{Field, MultipartError};
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header;
use base64::Engine;
use bytes::{Bytes, BytesMut};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::catalog::{self, Resolved, VariantQuery};
use crate::errors::ApiError;
use crate::imagegen::{Encoding, Reference};
use crate::state::Shared;

/// Longest prompt accepted, in characters.
pub(crate) const MAX_PROMPT_CHARS: usize = 32_000;
/// Largest text part of a multipart body.
const MAX_TEXT_PART: usize = 1 << 20;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResponseFormat {
    B64Json,
    Url,
}

/// A validated image request.
pub struct ImageRequest {
    /// The model as sent.
    pub model: String,
    pub resolved: Resolved,
    pub prompt: String,
    pub n: u32,
    pub response_format: ResponseFormat,
    pub references: Vec<Reference>,
    /// The `size` as sent.
    pub size: Option<String>,
    /// `quality` as sent (GPT models).
    pub quality: Option<String>,
    /// The file format of the outputs: `output_format` (and `output_compression`) where the
    /// model documents them, else PNG.
    pub encoding: Encoding,
    /// Every field and part name received, in order (multipart) or sorted (JSON).
    pub fields: Vec<String>,
    /// The fields a strict server does not know for this model (ignored).
    pub unknown_fields: Vec<String>,
    /// The OpenAI flavour's reading of the request (usage, answer fields); `None` in Pixapi's.
    pub openai: Option<crate::openai_bill::OpenAiJob>,
}

/// Fields every image endpoint documents (docs/models/*: model, prompt, image, n, size,
/// response_format).
const DOCUMENTED: &[&str] = &["model", "prompt", "n", "size", "response_format"];
/// Image parts of an edit: `image` ("file or file[]"), and `image[]` as the OpenAI SDKs send it.
const IMAGE_PARTS: &[&str] = &["image", "image[]"];
/// Fields of OpenAI's image API that the GPT models take (quality is also on Pixapi's gpt-image page).
const GPT_FIELDS: &[&str] = &["quality", "background", "output_format", "output_compression", "moderation", "user"];

/// An image as it arrived, before decoding.
pub(crate) enum ImageSrc {
    Bytes(Bytes),
    TooLarge,
    Text(String),
}

/// A request body reduced to text fields and image parts.
#[derive(Default)]
pub(crate) struct Raw {
    pub fields: Map<String, Value>,
    pub multipart: bool,
    pub images: Vec<ImageSrc>,
    pub mask: Option<ImageSrc>,
    /// Every field or part name, in the order received.
    pub names: Vec<String>,
    /// The body as the request log keeps it (see `body_log`).
    pub log: Value,
}

fn is_image_field(name: &str) -> bool {
    name == "image" || name == "images" || name.starts_with("image[") || name.starts_with("images[")
}

fn multipart_err(e: MultipartError) -> ApiError {
    if e.status().as_u16() == 413 {
        ApiError::new(e.status(), format!("The request body is too large: {}", e.body_text()))
    } else {
        ApiError::bad_body(format!("Could not read the multipart body: {}", e.body_text()))
    }
}

/// Reads a part and its length; `None` if it exceeds `limit` (the rest is drained, only
/// counted).
async fn read_limited(field: &mut Field<'_>, limit: usize) -> Result<(Option<Bytes>, usize), ApiError> {
    let mut buf = BytesMut::new();
    let mut over = false;
    let mut total = 0usize;
    while let Some(chunk) = field.chunk().await.map_err(multipart_err)? {
        total += chunk.len();
        if over {
            continue;
        }
        if buf.len() + chunk.len() > limit {
            over = true;
            buf = BytesMut::new();
        } else {
            buf.extend_from_slice(&chunk);
        }
    }
    Ok(((!over).then(|| buf.freeze()), total))
}

async fn read_multipart(shared: &Shared, req: Request) -> Result<Raw, ApiError> {
    let mut mp = Multipart::from_request(req, &())
        .await
        .map_err(|e| ApiError::bad_body(format!("Expected a multipart/form-data body: {}", e.body_text())))?;
    let mut raw = Raw { multipart: true, ..Raw::default() };
    let mut log = crate::body_log::Multipart::default();
    // Data URLs are base64: allow for the expansion.
    let image_limit = shared.cfg.max_image_bytes.saturating_mul(4) / 3 + 64;
    while let Some(mut field) = mp.next_field().await.map_err(multipart_err)? {
        let name = field.name().unwrap_or("").to_string();
        raw.names.push(name.clone());
        let is_file = field.file_name().is_some() || field.content_type().is_some_and(|c| !c.starts_with("text/"));
        if is_image_field(&name) || name == "mask" {
            let file_name = field.file_name().map(str::to_string);
            let (bytes, total) = read_limited(&mut field, image_limit).await?;
            let src = match bytes {
                None => ImageSrc::TooLarge,
                Some(b) if is_file => ImageSrc::Bytes(b),
                Some(b) => text_or_bytes(b),
            };
            match &src {
                ImageSrc::Text(t) => log.text(&name, t),
                _ => log.file(&name, file_name.as_deref(), total),
            }
            let src = match src {
                ImageSrc::Bytes(b) if b.len() > shared.cfg.max_image_bytes => ImageSrc::TooLarge,
                other => other,
            };
            if name == "mask" {
                raw.mask = Some(src);
            } else {
                raw.images.push(src);
            }
        } else {
            let (Some(b), _) = read_limited(&mut field, MAX_TEXT_PART).await? else {
                return Err(ApiError::invalid(format!("The field '{name}' is too large."), &name));
            };
            let text = String::from_utf8(b.to_vec())
                .map_err(|_| ApiError::invalid(format!("The field '{name}' is not UTF-8 text."), &name))?;
            log.text(&name, &text);
            raw.fields.insert(name, Value::String(text));
        }
    }
    raw.log = log.into_value();
    Ok(raw)
}

/// A text image part: a data URL or URL, else the raw bytes of an image.
fn text_or_bytes(b: Bytes) -> ImageSrc {
    match std::str::from_utf8(&b) {
        Ok(s) if s.trim_start().starts_with("data:") || s.trim_start().starts_with("http") => {
            ImageSrc::Text(s.trim().to_string())
        }
        _ => ImageSrc::Bytes(b),
    }
}

/// A JSON body's object, its field names and its log form (no image read yet).
pub(crate) fn json_object(body: &[u8]) -> Result<Raw, ApiError> {
    let v: Value =
        serde_json::from_slice(body).map_err(|e| ApiError::bad_body(format!("The body is not valid JSON: {e}.")))?;
    let Value::Object(fields) = v else {
        return Err(ApiError::bad_body("The body must be a JSON object."));
    };
    let log = crate::body_log::json(&Value::Object(fields.clone()));
    Ok(Raw { names: fields.keys().cloned().collect(), fields, log, ..Raw::default() })
}

fn parse_json(body: &[u8], body_out: &mut Option<Value>) -> Result<Raw, ApiError> {
    let mut raw = json_object(body)?;
    *body_out = Some(raw.log.clone());
    for key in ["image", "images", "image[]", "images[]"] {
        match raw.fields.get(key) {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for item in items {
                    raw.images.push(json_image(item, key)?);
                }
            }
            Some(item) => raw.images.push(json_image(item, key)?),
        }
    }
    if let Some(m) = raw.fields.get("mask").filter(|m| !m.is_null()) {
        raw.mask = Some(json_image(m, "mask")?);
    }
    Ok(raw)
}

/// An image in a JSON body: a string, `{"url": ..}` or `{"image_url": .. | {"url": ..}}`.
fn json_image(v: &Value, key: &str) -> Result<ImageSrc, ApiError> {
    let s = match v {
        Value::String(s) => Some(s.as_str()),
        Value::Object(o) => o
            .get("url")
            .or_else(|| o.get("image_url"))
            .and_then(|u| u.as_str().or_else(|| u.get("url").and_then(Value::as_str))),
        _ => None,
    };
    s.map(|s| ImageSrc::Text(s.to_string()))
        .ok_or_else(|| ApiError::invalid(format!("'{key}' must be a data URL or URL string."), "image"))
}

/// The lower-case `Content-Type` of a request.
pub(crate) fn content_type(req: &Request) -> String {
    req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_ascii_lowercase()
}

/// A whole (non-multipart) body, bounded by `body_limit`.
pub(crate) async fn body_bytes(shared: &Shared, req: Request) -> Result<Bytes, ApiError> {
    axum::body::to_bytes(req.into_body(), crate::state::body_limit(&shared.cfg))
        .await
        .map_err(|e| ApiError::new(axum::http::StatusCode::PAYLOAD_TOO_LARGE, format!("Could not read the body: {e}")))
}

/// Reads a multipart body and logs it in `body_out`.
pub(crate) async fn multipart_body(
    shared: &Shared,
    req: Request,
    body_out: &mut Option<Value>,
) -> Result<Raw, ApiError> {
    let raw = read_multipart(shared, req).await?;
    *body_out = Some(raw.log.clone());
    Ok(raw)
}

/// Reads the body of an image request (JSON, or multipart for edits); logs it in `body_out`.
async fn read_body(shared: &Shared, req: Request, edit: bool, body_out: &mut Option<Value>) -> Result<Raw, ApiError> {
    let ctype = content_type(&req);
    if ctype.starts_with("multipart/form-data") {
        return multipart_body(shared, req, body_out).await;
    }
    if edit && !ctype.contains("json") {
        return Err(ApiError::bad_body("Edits take a multipart/form-data body (or JSON with data URLs in 'image')."));
    }
    let body = body_bytes(shared, req).await?;
    parse_json(&body, body_out)
}

/// A string field: absent or null is `None`; another type is a 400.
fn str_field<'a>(raw: &'a Raw, name: &str) -> Result<Option<&'a str>, ApiError> {
    match raw.fields.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid(format!("'{name}' must be a string."), name)),
    }
}

fn n_field(raw: &Raw) -> Result<u32, ApiError> {
    let bad = || ApiError::invalid("'n' must be an integer from 1 to 10.", "n");
    let n: i64 = match raw.fields.get("n") {
        None | Some(Value::Null) => return Ok(1),
        Some(Value::Number(num)) => num.as_i64().ok_or_else(bad)?,
        Some(Value::String(s)) if raw.multipart => s.trim().parse().map_err(|_| bad())?,
        Some(_) => return Err(bad()),
    };
    if (1..=10).contains(&n) {
        Ok(n as u32)
    } else {
        Err(bad())
    }
}

/// Reads, validates and decodes an image request; `body_out` receives the body as the
/// request log keeps it, as soon as it is read (so a refused request's body is logged too).
pub async fn parse(
    shared: &Arc<Shared>,
    req: Request,
    edit: bool,
    body_out: &mut Option<Value>,
) -> Result<ImageRequest, ApiError> {
    let host_base = crate::state::base_url_of(shared, req.headers());
    let raw = read_body(shared, req, edit, body_out).await?;

    let model = str_field(&raw, "model")?
        .map(str::trim)
        .filter(|m| !m.is_empty())
        .ok_or_else(|| ApiError::invalid("Missing required parameter: 'model'.", "model"))?
        .to_string();
    let strict = shared.cfg.strict;
    let entry = *shared.model(&model).ok_or_else(|| ApiError::model_not_found(&model))?;
    let entry = &entry;
    let prompt = str_field(&raw, "prompt")?
        .ok_or_else(|| ApiError::invalid("Missing required parameter: 'prompt'.", "prompt"))?;
    if prompt.trim().is_empty() {
        return Err(ApiError::invalid("'prompt' must not be empty.", "prompt"));
    }
    if prompt.chars().count() > MAX_PROMPT_CHARS {
        return Err(ApiError::invalid(format!("'prompt' is longer than {MAX_PROMPT_CHARS} characters."), "prompt"));
    }
    let prompt = prompt.to_string();
    let n = n_field(&raw)?;
    let response_format = match str_field(&raw, "response_format")?.map(str::trim) {
        None | Some("") | Some("b64_json") => ResponseFormat::B64Json,
        Some("url") => ResponseFormat::Url,
        Some(other) => {
            return Err(ApiError::invalid(
                format!("Invalid response_format '{other}': use 'url' or 'b64_json'."),
                "response_format",
            ))
        }
    };
    let gpt = !entry.family.is_gemini();
    let known = |name: &str| {
        DOCUMENTED.contains(&name)
            || (edit && (IMAGE_PARTS.contains(&name) || (gpt && name == "mask")))
            || (gpt && GPT_FIELDS.contains(&name))
    };
    let mut unknown_fields: Vec<String> = Vec::new();
    for name in &raw.names {
        if !known(name) && !unknown_fields.contains(name) {
            unknown_fields.push(name.clone());
        }
    }
    let query = VariantQuery {
        size: str_field(&raw, "size")?,
        aspect_ratio: if strict { None } else { str_field(&raw, "aspect_ratio")? },
        quality: if gpt || !strict { str_field(&raw, "quality")? } else { None },
    };
    let resolved = catalog::resolve_mode(entry, &query, strict)?;
    if gpt && strict {
        check_gpt_fields(&raw, entry.family)?;
    }
    let encoding = output_encoding(&raw, entry.family)?;
    let size = query.size.map(str::to_string);
    let quality = query.quality.map(str::to_string);

    let mut references = Vec::new();
    if strict && edit && raw.names.iter().any(|n| !IMAGE_PARTS.contains(&n.as_str()) && is_image_field(n)) {
        // `images`, `image[0]` ...: not a documented part name.
        return Err(ApiError::invalid("Send reference images as 'image' (or 'image[]') parts.", "image"));
    }
    if strict && edit && entry.family.image_is_url() && raw.images.iter().any(|i| !matches!(i, ImageSrc::Text(_))) {
        // Its page: `image` is "string or string[]", an "Input image URL".
        return Err(ApiError::invalid(
            format!(
                "{} takes 'image' as an input image URL (string or string[]): send JSON with a URL or a base64 data URL, not a file part.",
                entry.family.base_id()
            ),
            "image",
        ));
    }
    if edit {
        let max = entry.family.max_references().min(shared.cfg.max_images);
        if raw.images.is_empty() {
            return Err(ApiError::invalid(
                "An edit needs at least one reference image: send 'image' (or 'image[]') parts.",
                "image",
            ));
        }
        if raw.images.len() > max {
            return Err(ApiError::invalid(
                format!("Too many images: {} sent, {} accepts at most {max}.", raw.images.len(), entry.id),
                "image",
            ));
        }
        let mut blobs = Vec::new();
        for (i, src) in raw.images.into_iter().enumerate() {
            blobs.push(load_source(shared, &host_base, src, "image", i)?);
        }
        let mask = match raw.mask {
            Some(src) => Some(load_source(shared, &host_base, src, "mask", 0)?),
            None => None,
        };
        references = decode_all(blobs, mask).await?;
    }
    Ok(ImageRequest {
        model,
        resolved,
        prompt,
        n,
        response_format,
        references,
        size,
        quality,
        encoding,
        fields: raw.names,
        unknown_fields,
        openai: None,
    })
}

/// The OpenAI output fields of the GPT models, checked against OpenAI's documented values.
fn check_gpt_fields(raw: &Raw, family: catalog::Family) -> Result<(), ApiError> {
    let one_of = |name: &str, allowed: &[&str]| -> Result<(), ApiError> {
        match str_field(raw, name)? {
            Some(v) if !allowed.contains(&v) => {
                Err(ApiError::invalid(format!("Invalid {name} '{v}': use one of {}.", allowed.join(", ")), name))
            }
            _ => Ok(()),
        }
    };
    one_of("background", &["transparent", "opaque", "auto"])?;
    one_of("output_format", family.output_formats())?;
    one_of("moderation", &["low", "auto"])?;
    let compression = match raw.fields.get("output_compression") {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => Some(n.as_i64()),
        Some(Value::String(t)) if raw.multipart => Some(t.trim().parse::<i64>().ok()),
        Some(_) => Some(None),
    };
    if let Some(c) = compression {
        if !c.is_some_and(|c| (0..=100).contains(&c)) {
            return Err(ApiError::invalid(
                "'output_compression' must be an integer from 0 to 100.",
                "output_compression",
            ));
        }
    }
    Ok(())
}

/// The encoding of the outputs. A model whose catalog entry documents no `output_format`
/// gives PNG whatever is sent (the field is unknown to it). Lenient, an unknown format or a
/// compression that is not an integer falls back to PNG / the default (strict has refused
/// them in [`check_gpt_fields`]).
fn output_encoding(raw: &Raw, family: catalog::Family) -> Result<Encoding, ApiError> {
    if family.output_formats().is_empty() {
        return Ok(Encoding::Png);
    }
    let compression = match raw.fields.get("output_compression") {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(t)) => t.trim().parse().ok(),
        _ => None,
    };
    let format = str_field(raw, "output_format")?.filter(|f| family.output_formats().contains(&f.trim()));
    Ok(Encoding::from_request(format, compression).unwrap_or_default())
}

/// The bytes of one image source, checked against `max_image_bytes`.
pub(crate) fn load_source(
    shared: &Shared,
    host_base: &str,
    src: ImageSrc,
    param: &str,
    i: usize,
) -> Result<Bytes, ApiError> {
    let max = shared.cfg.max_image_bytes;
    let too_large = || ApiError::invalid(format!("{param} {} is larger than {max} bytes.", i + 1), param);
    let bytes = match src {
        ImageSrc::TooLarge => return Err(too_large()),
        ImageSrc::Bytes(b) => b,
        ImageSrc::Text(s) if s.starts_with("data:") => {
            let (_, data) = s
                .split_once(',')
                .ok_or_else(|| ApiError::invalid(format!("{param} {} is not a valid data URL.", i + 1), param))?;
            let data: String = data.chars().filter(|c| !c.is_whitespace()).collect();
            let b = base64::engine::general_purpose::STANDARD.decode(data.as_bytes()).map_err(|_| {
                ApiError::invalid(format!("{param} {}: the data URL is not valid base64.", i + 1), param)
            })?;
            Bytes::from(b)
        }
        ImageSrc::Text(url) => {
            // The simulator is offline: only its own file URLs can be fetched.
            let own = url
                .strip_prefix(host_base)
                .or_else(|| url.strip_prefix(&format!("http://{}", shared.addr)))
                .and_then(|p| p.strip_prefix("/files/"))
                .and_then(|f| shared.files.get(f))
                .map(|(bytes, _)| bytes);
            own.ok_or_else(|| {
                ApiError::invalid(
                    format!(
                        "{param} {}: cannot fetch '{url}' (the simulator is offline; send the file or a data URL).",
                        i + 1
                    ),
                    param,
                )
            })?
        }
    };
    if bytes.len() > max {
        return Err(too_large());
    }
    Ok(bytes)
}

/// Longest edge kept of a decoded reference (they are only tiled into the output).
const REFERENCE_EDGE: u32 = 1024;

/// Decodes references (kept, downscaled) and the mask (only checked), off the runtime.
pub(crate) async fn decode_all(blobs: Vec<Bytes>, mask: Option<Bytes>) -> Result<Vec<Reference>, ApiError> {
    let jobs = blobs.into_iter().enumerate().map(|(i, b)| {
        tokio::task::spawn_blocking(move || {
            let img = decode(&b)
                .map_err(|e| ApiError::invalid(format!("image {} could not be decoded: {e}", i + 1), "image"))?;
            let img = if img.width().max(img.height()) > REFERENCE_EDGE {
                img.thumbnail(REFERENCE_EDGE, REFERENCE_EDGE)
            } else {
                img
            };
            Ok::<_, ApiError>(Reference { digest: Sha256::digest(&b).into(), image: Arc::new(img.to_rgb8()) })
        })
    });
    let mask_job = mask.map(|m| {
        tokio::task::spawn_blocking(move || {
            decode(&m).map(|_| ()).map_err(|e| ApiError::invalid(format!("mask could not be decoded: {e}"), "mask"))
        })
    });
    let mut refs = Vec::new();
    for r in futures::future::join_all(jobs).await {
        refs.push(r.map_err(|e| ApiError::internal(format!("decoder crashed: {e}")))??);
    }
    if let Some(j) = mask_job {
        j.await.map_err(|e| ApiError::internal(format!("decoder crashed: {e}")))??;
    }
    Ok(refs)
}

fn decode(b: &[u8]) -> Result<image::DynamicImage, String> {
    image::ImageReader::new(Cursor::new(b))
        .with_guessed_format()
        .map_err(|e| e.to_string())?
        .decode()
        .map_err(|e| e.to_string())
}

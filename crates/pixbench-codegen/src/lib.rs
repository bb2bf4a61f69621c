//! Pixbench's requests as code, and curl commands back into requests.
//!
//! A [`WireCall`] is one HTTP request exactly as the app sends it to Pixapi (docs/CONTRACT.md):
//! the endpoint, `model`, `prompt`, `n`, `size`, `response_format`, the model's other fields,
//! and for an edit its reference images (files sent as multipart parts, files sent as
//! base64 data URLs in JSON, or URLs). [`render`] writes a list of them as a POSIX shell
//! script of curl commands, as Python with the official `openai` SDK, or as a JavaScript ES
//! module with the official `openai` npm package (JSDoc-typed: `tsc --checkJs` checks it),
//! each for the sync endpoints or the async ones (submit, then poll the task). The key is
//! read from `PIXAPI_KEY`, never written; the server from `PIXAPI_BASE_URL`, else the base URL
//! the code was made for.
//!
//! [`parse_curl`] is the reverse: a pasted curl command (Pixapi's documentation examples, our
//! own export, a colleague's) becomes a [`CurlRequest`], with a warning for every flag it
//! cannot use.
//!
//! No dependency on the core: the core turns its request into `WireCall`s
//! (`pixbench_core::code_calls`).

mod curl;
mod js;
mod parse;
mod python;

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

pub use parse::{parse_curl, CurlError, CurlRequest, MAX_INPUT_BYTES, MAX_PARTS};

/// The environment variable the generated code reads the key from.
pub const KEY_ENV: &str = "PIXAPI_KEY";
/// The environment variable the generated code reads the base URL from (without `/v1`).
pub const BASE_URL_ENV: &str = "PIXAPI_BASE_URL";

/// Which image endpoint a call goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Endpoint {
    /// `POST /v1/images/generations` (JSON).
    #[default]
    Generation,
    /// `POST /v1/images/edits` (multipart, or JSON for models whose images are URLs).
    Edit,
}

impl Endpoint {
    /// The path under the base URL, `/v1/...`, sync or async.
    pub fn path(self, is_async: bool) -> &'static str {
        match (self, is_async) {
            (Endpoint::Generation, false) => "/v1/images/generations",
            (Endpoint::Edit, false) => "/v1/images/edits",
            (Endpoint::Generation, true) => "/v1/async/images/generations",
            (Endpoint::Edit, true) => "/v1/async/images/edits",
        }
    }
}

/// The multipart name of the image parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImagePart {
    /// `image`, once per file (Pixapi's documented `-F image=@input.png`).
    #[default]
    Image,
    /// `image[]`, once per file (what the official OpenAI SDKs send for several).
    ImageArray,
}

impl ImagePart {
    pub fn name(self) -> &'static str {
        match self {
            ImagePart::Image => "image",
            ImagePart::ImageArray => "image[]",
        }
    }
}

/// How an edit's image files travel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageEncoding {
    /// `multipart/form-data`, one file part per image.
    #[default]
    Multipart,
    /// JSON, `image` the file as a base64 data URL (an array for several), for models whose
    /// edits take image URLs (Nano Banana 2 Lite, `gemini-3.1-flash-lite-image`).
    DataUrl,
}

/// One HTTP request as the app sends it to Pixapi.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct WireCall {
    /// A comment naming the target, e.g. "Nano Banana 2 · 1K (gemini-3.1-flash-image-preview)".
    pub label: String,
    pub endpoint: Endpoint,
    pub model: String,
    pub prompt: String,
    pub n: Option<u32>,
    pub size: Option<String>,
    pub response_format: Option<String>,
    /// The model's other fields (`quality`, `background`, ...), sent as they are.
    pub fields: Map<String, Value>,
    /// Reference image files, in order (edits).
    pub images: Vec<PathBuf>,
    /// Reference images as URLs, sent in the JSON `image` field after any files (edits of
    /// models whose `image` is a URL).
    pub image_urls: Vec<String>,
    /// The multipart name of the image parts.
    pub image_part: ImagePart,
    /// How `images` travel.
    pub image_encoding: ImageEncoding,
}

impl WireCall {
    /// Whether the body is JSON (a generation, or an edit whose images are URLs).
    pub fn is_json(&self) -> bool {
        self.endpoint == Endpoint::Generation
            || self.image_encoding == ImageEncoding::DataUrl
            || (self.images.is_empty() && !self.image_urls.is_empty())
    }

    /// The scalar fields in sending order, as JSON: `model`, `prompt`, `n`, `size`,
    /// `response_format`, then the other fields (never one of those five, nor `image`).
    pub fn scalar_fields(&self) -> Vec<(String, Value)> {
        let mut out = vec![("model".to_string(), Value::from(self.model.clone()))];
        out.push(("prompt".into(), Value::from(self.prompt.clone())));
        if let Some(n) = self.n {
            out.push(("n".into(), Value::from(n)));
        }
        if let Some(s) = &self.size {
            out.push(("size".into(), Value::from(s.clone())));
        }
        if let Some(r) = &self.response_format {
            out.push(("response_format".into(), Value::from(r.clone())));
        }
        for (k, v) in &self.fields {
            if !RESERVED.contains(&k.as_str()) {
                out.push((k.clone(), v.clone()));
            }
        }
        out
    }

    /// The file extension of this call's images when written to disk: its `output_format`
    /// field, else `png`.
    fn output_ext(&self) -> &str {
        match self.fields.get("output_format").and_then(Value::as_str) {
            Some("jpeg") => "jpg",
            Some("webp") => "webp",
            _ => "png",
        }
    }
}

/// The keys a call sets from its typed members, never from `fields`.
pub const RESERVED: &[&str] = &["model", "prompt", "n", "size", "response_format", "image", "image[]"];

/// A multipart text part's value: a string as it is, any other value as JSON text (as the
/// app sends it).
pub fn part_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// The languages code is rendered in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    /// A POSIX shell script of curl commands.
    Curl,
    /// Python 3 with the official `openai` SDK.
    Python,
    /// A JavaScript ES module with the official `openai` npm package, JSDoc-typed.
    Js,
}

impl Lang {
    /// `curl`, `python` (`py`), `js` (`javascript`, `ts`, `typescript`).
    pub fn parse(s: &str) -> Option<Lang> {
        match s.trim().to_ascii_lowercase().as_str() {
            "curl" | "sh" | "shell" => Some(Lang::Curl),
            "python" | "py" => Some(Lang::Python),
            "js" | "javascript" | "ts" | "typescript" | "node" => Some(Lang::Js),
            _ => None,
        }
    }
}

/// Code for `calls`, in `lang`, against the sync or the async endpoints. `base_url` is
/// the server when `PIXAPI_BASE_URL` is unset: a profile's base URL, without `/v1`.
pub fn render(calls: &[WireCall], lang: Lang, is_async: bool, base_url: &str) -> String {
    match lang {
        Lang::Curl => render_curl(calls, is_async, base_url),
        Lang::Python => render_python(calls, is_async, base_url),
        Lang::Js => render_js(calls, is_async, base_url),
    }
}

/// A POSIX shell script: one curl command per call, each after a comment naming it. Sync
/// answers are printed; async ones are submitted and polled, and the finished task printed.
pub fn render_curl(calls: &[WireCall], is_async: bool, base_url: &str) -> String {
    curl::render(calls, is_async, &clean_base(base_url))
}

/// Python 3 with the official `openai` SDK (`pip install openai`).
pub fn render_python(calls: &[WireCall], is_async: bool, base_url: &str) -> String {
    python::render(calls, is_async, &clean_base(base_url))
}

/// A JavaScript ES module with the official `openai` npm package (`npm install openai`),
/// for Node 20+; its JSDoc types check with `tsc --checkJs --strict`.
pub fn render_js(calls: &[WireCall], is_async: bool, base_url: &str) -> String {
    js::render(calls, is_async, &clean_base(base_url))
}

/// The base URL without trailing slashes nor a trailing `/v1` (the code adds it).
fn clean_base(base_url: &str) -> String {
    let b = base_url.trim().trim_end_matches('/');
    b.strip_suffix("/v1").unwrap_or(b).trim_end_matches('/').to_string()
}

/// What the header comment says about the calls.
fn summary(calls: &[WireCall], is_async: bool) -> String {
    let n = calls.len();
    let what = if n == 1 { "1 request".to_string() } else { format!("{n} requests") };
    let how = if is_async { "async: submitted, then polled" } else { "sync" };
    format!("{what} to Pixapi's images API ({how})")
}

/// A one-line comment text: control characters shown as spaces.
fn one_line(s: &str) -> String {
    s.chars().map(|c| if c.is_control() { ' ' } else { c }).collect()
}

/// The file name a path's image is sent under.
fn file_name(p: &Path) -> String {
    p.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_else(|| "image.png".into())
}

/// The MIME type of an image file, by its extension.
fn mime_of(p: &Path) -> &'static str {
    match p.extension().and_then(|e| e.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("gif") => "image/gif",
        Some("heic") => "image/heic",
        Some("heif") => "image/heif",
        _ => "image/png",
    }
}

//! Typed requests and answers of the Pixapi image API.

use std::fmt;
use std::path::Path;

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::{ApiError, Error};

/// How the server should return images.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResponseFormat {
    /// A link to download (it may expire: the client downloads it at once).
    Url,
    /// The image inline, base64-encoded.
    B64Json,
}

impl ResponseFormat {
    /// The wire value: `url` or `b64_json`.
    pub fn as_str(self) -> &'static str {
        match self {
            ResponseFormat::Url => "url",
            ResponseFormat::B64Json => "b64_json",
        }
    }
}

/// `POST /v1/images/generations` (and its async twin). Serializes to the wire JSON.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct GenerationRequest {
    /// A model id or alias (`gemini-3.1-flash-image-preview`, `nano-banana-2`, ...).
    pub model: String,
    pub prompt: String,
    /// Number of images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub n: Option<u32>,
    /// `1024x1024`, `2K`, `4K`, ... Pixapi has no `aspect_ratio` field: a shape is a `WxH`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_format: Option<ResponseFormat>,
    /// Any other field (`quality`, `output_format`, `background`, ...), sent as is.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl GenerationRequest {
    pub fn new(model: impl Into<String>, prompt: impl Into<String>) -> Self {
        GenerationRequest { model: model.into(), prompt: prompt.into(), ..Default::default() }
    }
}

/// Name of the multipart part(s) carrying reference images.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageFieldStyle {
    /// One image as `image`, several as `image[]` once per file: what the official OpenAI
    /// SDKs send, and Pixapi's documented `-F image=@...` for one.
    #[default]
    Auto,
    /// `image`, repeated once per file.
    Repeated,
    /// `image[]`, once per file, even for one.
    Brackets,
}

impl ImageFieldStyle {
    /// The part name for `count` images.
    pub fn part_name(self, count: usize) -> &'static str {
        match self {
            ImageFieldStyle::Auto if count <= 1 => "image",
            ImageFieldStyle::Repeated => "image",
            ImageFieldStyle::Auto | ImageFieldStyle::Brackets => "image[]",
        }
    }
}

/// How an edit carries its reference images.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EditEncoding {
    /// `multipart/form-data` with one file part per image (the API reference's "Use
    /// multipart/form-data for image edits with file uploads").
    #[default]
    Multipart,
    /// A JSON body whose `image` is the image as a base64 data URL (several: an array), for
    /// a model whose page documents `image` as "string or string[]", an "Input image URL"
    /// (Nano Banana 2 Lite). A local file has no URL a server can fetch, so it travels as
    /// a data URL.
    JsonDataUrl,
}

/// `POST /v1/images/edits` (and its async twin), sent as `multipart/form-data`, or as JSON
/// with data URLs (see [`EditEncoding`]).
#[derive(Clone, Debug, Default)]
pub struct EditRequest {
    pub model: String,
    pub prompt: String,
    pub n: Option<u32>,
    pub size: Option<String>,
    pub response_format: Option<ResponseFormat>,
    /// Other fields, sent as text parts (strings as is, other values as JSON).
    pub extra: Map<String, Value>,
    /// Reference images, at least one.
    pub images: Vec<ImageInput>,
    pub image_field: ImageFieldStyle,
    pub mask: Option<ImageInput>,
    pub encoding: EditEncoding,
}

impl EditRequest {
    /// The multipart name of each image part.
    pub fn image_part_name(&self) -> &'static str {
        self.image_field.part_name(self.images.len())
    }
}

impl EditRequest {
    pub fn new(model: impl Into<String>, prompt: impl Into<String>, images: Vec<ImageInput>) -> Self {
        EditRequest { model: model.into(), prompt: prompt.into(), images, ..Default::default() }
    }

    /// The JSON body of a [`EditEncoding::JsonDataUrl`] edit: the text fields as a
    /// generation sends them, and `image` as one data URL, or an array of them. With
    /// `elide`, each image is `data:MIME;base64,<N bytes>` (for a description a person reads).
    pub fn json_body(&self, elide: bool) -> Value {
        let mut body = Map::new();
        body.insert("model".into(), Value::String(self.model.clone()));
        body.insert("prompt".into(), Value::String(self.prompt.clone()));
        if let Some(n) = self.n {
            body.insert("n".into(), Value::from(n));
        }
        if let Some(s) = &self.size {
            body.insert("size".into(), Value::String(s.clone()));
        }
        if let Some(f) = self.response_format {
            body.insert("response_format".into(), Value::String(f.as_str().into()));
        }
        for (k, v) in &self.extra {
            body.insert(k.clone(), v.clone());
        }
        let url = |i: &ImageInput| {
            Value::String(if elide {
                format!("data:{};base64,<{} bytes>", i.mime, i.bytes.len())
            } else {
                use base64::Engine as _;
                format!("data:{};base64,{}", i.mime, base64::engine::general_purpose::STANDARD.encode(&i.bytes))
            })
        };
        let image = match self.images.as_slice() {
            [one] => url(one),
            many => Value::Array(many.iter().map(url).collect()),
        };
        body.insert("image".into(), image);
        Value::Object(body)
    }

    /// The text fields, in the order they are sent.
    pub fn text_fields(&self) -> Vec<(String, String)> {
        let mut v = vec![("model".to_string(), self.model.clone()), ("prompt".to_string(), self.prompt.clone())];
        if let Some(n) = self.n {
            v.push(("n".into(), n.to_string()));
        }
        if let Some(s) = &self.size {
            v.push(("size".into(), s.clone()));
        }
        if let Some(f) = self.response_format {
            v.push(("response_format".into(), f.as_str().to_string()));
        }
        for (k, val) in &self.extra {
            let text = match val {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            v.push((k.clone(), text));
        }
        v
    }
}

/// One file sent with an edit.
#[derive(Clone, PartialEq)]
pub struct ImageInput {
    pub file_name: String,
    pub mime: String,
    pub bytes: Bytes,
}

impl fmt::Debug for ImageInput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ImageInput")
            .field("file_name", &self.file_name)
            .field("mime", &self.mime)
            .field("len", &self.bytes.len())
            .finish()
    }
}

impl ImageInput {
    /// The MIME type is sniffed from the magic bytes, else guessed from the name's
    /// extension, else `application/octet-stream`.
    pub fn from_bytes(file_name: impl Into<String>, bytes: impl Into<Bytes>) -> Self {
        let file_name = file_name.into();
        let bytes = bytes.into();
        let mime = sniff_mime(&bytes)
            .map(str::to_string)
            .or_else(|| mime_guess::from_path(&file_name).first().map(|m| m.essence_str().to_string()))
            .unwrap_or_else(|| "application/octet-stream".to_string());
        ImageInput { file_name, mime, bytes }
    }

    /// Reads a file; its name becomes the part's file name.
    pub async fn from_path(path: impl AsRef<Path>) -> Result<Self, ApiError> {
        let path = path.as_ref();
        let bytes = tokio::fs::read(path).await.map_err(|e| {
            ApiError::from(Error::InvalidInput { detail: format!("cannot read {}: {e}", path.display()) })
        })?;
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "image".to_string());
        Ok(ImageInput::from_bytes(name, bytes))
    }
}

/// The MIME type of an image from its first bytes, for the formats the API takes.
pub fn sniff_mime(b: &[u8]) -> Option<&'static str> {
    if b.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if b.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if b.starts_with(b"GIF87a") || b.starts_with(b"GIF89a") {
        Some("image/gif")
    } else if b.len() >= 12 && &b[0..4] == b"RIFF" && &b[8..12] == b"WEBP" {
        Some("image/webp")
    } else if b.starts_with(b"BM") && b.len() >= 14 {
        Some("image/bmp")
    } else if b.len() >= 12 && &b[4..8] == b"ftyp" {
        match &b[8..12] {
            b"heic" | b"heix" | b"hevc" | b"hevx" => Some("image/heic"),
            b"mif1" | b"msf1" | b"heif" => Some("image/heif"),
            b"avif" | b"avis" => Some("image/avif"),
            _ => None,
        }
    } else {
        None
    }
}

/// Where an output image came from.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImageSource {
    /// Downloaded from this link.
    Url(String),
    /// Inline base64 in the answer.
    B64,
}

/// One output image, decoded (or downloaded) to its file bytes.
#[derive(Clone, PartialEq)]
pub struct OutputImage {
    pub bytes: Bytes,
    pub source: ImageSource,
    pub revised_prompt: Option<String>,
}

impl OutputImage {
    /// Sniffed MIME type of the bytes, if it is a known image format.
    pub fn mime(&self) -> Option<&'static str> {
        sniff_mime(&self.bytes)
    }
}

impl fmt::Debug for OutputImage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OutputImage")
            .field("len", &self.bytes.len())
            .field("mime", &self.mime())
            .field("source", &self.source)
            .field("revised_prompt", &self.revised_prompt)
            .finish()
    }
}

/// Phases of a sync call (`generate`, `edit`), in milliseconds.
///
/// All phases but `decode_ms` and `download_ms` are those of the *final* attempt;
/// `total_ms` covers every attempt and the waits between them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SyncTiming {
    /// From the start of the final attempt until the response status line and headers
    /// were received: connection set-up (when no pooled connection was free), upload
    /// of the request and the server's processing time.
    pub send_ms: f64,
    /// From the start of the final attempt until the first byte of the response body
    /// was received (`>= send_ms`; equal to it when head and body arrive together).
    pub ttfb_ms: f64,
    /// From the first to the last byte of the response body.
    pub body_ms: f64,
    /// After the last body byte: the JSON parse of the answer plus the base64 decoding
    /// of inline images not already decoded while the body arrived (strict base64 is
    /// decoded as it comes, inside `body_ms`).
    pub decode_ms: f64,
    /// Wall time to download every `url` output (0 when there is none).
    pub download_ms: f64,
    /// From the call until it returned: request encoding, every attempt, backoff
    /// waits, decoding and downloads.
    pub total_ms: f64,
}

/// Phases of an async call (submit, then poll), in milliseconds.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct AsyncTiming {
    /// The submit `POST`, all its attempts, until the task id was read.
    /// 0 when only [`Client::wait_task`](crate::Client::wait_task) was called.
    pub submit_ms: f64,
    /// From the start of waiting until a poll answer saying `completed` was read
    /// (queue plus processing plus poll granularity).
    pub wait_ms: f64,
    /// JSON parse of the final task answer plus base64 decoding of inline images not
    /// already decoded while its body arrived (see [`SyncTiming::decode_ms`]).
    pub decode_ms: f64,
    /// Wall time to download every `url` output.
    pub download_ms: f64,
    /// Number of `GET /v1/tasks/{id}` requests sent, failed ones included.
    pub polls: u32,
    /// From the call until it returned.
    pub total_ms: f64,
}

/// Timing of one call: sync or async.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum Timing {
    Sync(SyncTiming),
    Async(AsyncTiming),
}

impl Timing {
    pub fn total_ms(&self) -> f64 {
        match self {
            Timing::Sync(t) => t.total_ms,
            Timing::Async(t) => t.total_ms,
        }
    }
    pub fn download_ms(&self) -> f64 {
        match self {
            Timing::Sync(t) => t.download_ms,
            Timing::Async(t) => t.download_ms,
        }
    }
    pub fn decode_ms(&self) -> f64 {
        match self {
            Timing::Sync(t) => t.decode_ms,
            Timing::Async(t) => t.decode_ms,
        }
    }
    pub fn as_sync(&self) -> Option<&SyncTiming> {
        match self {
            Timing::Sync(t) => Some(t),
            Timing::Async(_) => None,
        }
    }
    pub fn as_async(&self) -> Option<&AsyncTiming> {
        match self {
            Timing::Async(t) => Some(t),
            Timing::Sync(_) => None,
        }
    }
}

/// The images of a finished call, decoded, with what the server said about them.
#[derive(Clone, Debug)]
pub struct ImagesResult {
    /// `created` of the answer (Unix seconds), when given.
    pub created: Option<i64>,
    /// In the server's order. May be fewer than asked for (failed outputs are dropped
    /// by the server and not charged).
    pub images: Vec<OutputImage>,
    /// The answer's `usage` object, as sent.
    pub usage: Option<Value>,
    /// `x-request-id` header, else `request_id` (or `id`) in the body. For async
    /// calls, the submission's when known, else the final poll's.
    pub request_id: Option<String>,
    /// Status of the answer that carried the images.
    pub http_status: u16,
    /// The answer JSON as received, each `b64_json` value replaced by
    /// `"<N base64 chars elided>"`.
    pub raw_body_elided: String,
    pub timing: Timing,
    /// Attempts of the (submit) request, 1 when it was not retried.
    pub attempts: u32,
    /// Items the answer carried beyond what was asked (or beyond `max_outputs`): not
    /// downloaded, not returned.
    pub dropped: usize,
    /// Items whose link could not be fetched (refused, expired, too large...) while
    /// others were: the images that came stay, these say why the rest did not.
    pub failed: Vec<FailedOutput>,
}

/// One output of an answer that could not be fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct FailedOutput {
    /// Its position in the answer's `data` (0-based).
    pub index: usize,
    /// Why it could not be fetched.
    pub error: crate::Error,
    /// The sentence for a person.
    pub message: String,
}

/// A parsed sync answer whose `url` outputs are not downloaded yet: what
/// [`Client::generate_answer`](crate::Client::generate_answer) returns. Turn it into an
/// [`ImagesResult`] with [`Client::fetch_images`](crate::Client::fetch_images) (soon:
/// links expire).
#[derive(Clone, Debug)]
pub struct ImagesAnswer {
    pub created: Option<i64>,
    pub items: Vec<AnswerItem>,
    pub usage: Option<Value>,
    pub request_id: Option<String>,
    pub http_status: u16,
    pub raw_body_elided: String,
    pub attempts: u32,
    /// Timing so far (`download_ms` and `total_ms` are filled by `fetch_images`).
    pub timing: SyncTiming,
    pub(crate) started: std::time::Instant,
}

/// One `data[]` item of an answer.
#[derive(Clone, Debug, PartialEq)]
pub struct AnswerItem {
    pub data: AnswerData,
    pub revised_prompt: Option<String>,
}

/// An item's image: decoded already, or a link still to download.
#[derive(Clone, PartialEq)]
pub enum AnswerData {
    Bytes(Bytes),
    Url(String),
}

impl fmt::Debug for AnswerData {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AnswerData::Bytes(b) => write!(f, "Bytes({} bytes)", b.len()),
            AnswerData::Url(u) => write!(f, "Url({u:?})"),
        }
    }
}

/// What the server said when it accepted an async task.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskHandle {
    pub id: String,
    /// As sent (`submitted` if absent).
    pub status: String,
    pub progress: Option<f64>,
    /// The answer JSON.
    pub raw: Value,
    /// `x-request-id` header or body field, when present.
    pub request_id: Option<String>,
    /// Attempts of the submit request.
    pub attempts: u32,
    /// Duration of the submit, all attempts, in milliseconds.
    pub submit_ms: f64,
}

/// Where a task stands, reduced from its status string.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskState {
    /// Any status that is not terminal, known (`submitted`, `pending`, `queued`,
    /// `processing`, `in_progress`) or not.
    Running,
    /// `completed` (also `succeeded`, `success`, `done`).
    Completed,
    /// `failed` (also `failure`, `error`, `cancelled`, `canceled`, `expired`).
    Failed,
}

impl TaskState {
    pub fn from_status(status: &str) -> TaskState {
        match status.trim().to_ascii_lowercase().as_str() {
            "completed" | "complete" | "succeeded" | "success" | "done" => TaskState::Completed,
            "failed" | "failure" | "error" | "cancelled" | "canceled" | "expired" => TaskState::Failed,
            _ => TaskState::Running,
        }
    }
    pub fn is_terminal(self) -> bool {
        self != TaskState::Running
    }
}

/// One poll of `GET /v1/tasks/{id}`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TaskStatus {
    pub id: String,
    /// As sent (empty when absent).
    pub status: String,
    pub state: TaskState,
    /// As sent (0-100 by convention).
    pub progress: Option<f64>,
    /// The failure reason of a failed task, wherever the server put it.
    pub error: Option<String>,
    /// The answer JSON, `b64_json` values elided.
    pub raw: Value,
    pub http_status: u16,
    pub request_id: Option<String>,
}

/// An entry of `GET /v1/models`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModelInfo {
    pub id: String,
    pub owned_by: Option<String>,
    pub created: Option<i64>,
    /// The entry as sent.
    pub raw: Value,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_request_wire_json() {
        let mut r = GenerationRequest::new("nano-banana-2", "a cat");
        r.n = Some(2);
        r.response_format = Some(ResponseFormat::B64Json);
        r.extra.insert("quality".into(), Value::String("high".into()));
        let v = serde_json::to_value(&r).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"model":"nano-banana-2","prompt":"a cat","n":2,"response_format":"b64_json","quality":"high"})
        );
        let back: GenerationRequest = serde_json::from_value(v).unwrap();
        assert_eq!(back, r);
    }

    #[test]
    fn sniffing() {
        let png = b"\x89PNG\r\n\x1a\n0000";
        assert_eq!(ImageInput::from_bytes("x.bin", &png[..]).mime, "image/png");
        assert_eq!(ImageInput::from_bytes("a.jpg", &b"\xFF\xD8\xFF\xE0"[..]).mime, "image/jpeg");
        assert_eq!(ImageInput::from_bytes("a.webp", &b"RIFF\0\0\0\0WEBPVP8 "[..]).mime, "image/webp");
        assert_eq!(ImageInput::from_bytes("photo.jpeg", &b"garbage"[..]).mime, "image/jpeg");
        assert_eq!(ImageInput::from_bytes("noext", &b"garbage"[..]).mime, "application/octet-stream");
        assert_eq!(ImageInput::from_bytes("x", &b"\0\0\0\x18ftypheic"[..]).mime, "image/heic");
    }

    #[test]
    fn task_states() {
        assert_eq!(TaskState::from_status("completed"), TaskState::Completed);
        assert_eq!(TaskState::from_status("FAILED"), TaskState::Failed);
        for s in ["submitted", "pending", "queued", "processing", "in_progress", "warming_up", ""] {
            assert_eq!(TaskState::from_status(s), TaskState::Running, "{s}");
        }
    }

    #[test]
    fn edit_text_fields() {
        let mut e = EditRequest::new("m", "p", vec![]);
        e.n = Some(3);
        e.extra.insert("quality".into(), Value::String("low".into()));
        e.extra.insert("strength".into(), serde_json::json!(0.5));
        let f = e.text_fields();
        assert!(f.contains(&("n".into(), "3".into())));
        assert!(f.contains(&("quality".into(), "low".into())));
        assert!(f.contains(&("strength".into(), "0.5".into())));
    }

    #[test]
    fn timing_serde_is_tagged() {
        let t = Timing::Sync(SyncTiming { total_ms: 3.0, ..Default::default() });
        let v = serde_json::to_value(&t).unwrap();
        assert_eq!(v["mode"], "sync");
        assert_eq!(v["total_ms"], 3.0);
        let back: Timing = serde_json::from_value(v).unwrap();
        assert_eq!(back, t);
    }
}

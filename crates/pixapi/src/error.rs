//! Typed errors, following the contract's error table, and the tolerant reading of
//! error bodies.

use std::fmt;
use std::time::{Duration, SystemTime};

use serde_json::Value;

use crate::describe::redact;

/// What went wrong, by the contract's error table and the transport's failures.
/// Wrapped in [`ApiError`] with the request id, body and status of the answer.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum Error {
    /// 400: the request is invalid; `field` names the culprit when the server said it.
    #[error("bad request{}: {message}", field.as_deref().map(|f| format!(" (field `{f}`)")).unwrap_or_default())]
    BadRequest { message: String, field: Option<String> },
    /// 401 (and 403): the key is wrong, revoked or missing.
    #[error("unauthorized: the API key was refused")]
    Unauthorized,
    /// 402: not enough credits.
    #[error("insufficient credits")]
    InsufficientCredits,
    /// 404 on an images or models endpoint: unknown model.
    #[error("model not found")]
    ModelNotFound,
    /// 422 with a moderation code (`prompt_rejected`, `content_policy`, ...): refused by policy.
    #[error("prompt rejected by moderation")]
    PromptRejected,
    /// 422 without a moderation code: the server could not process the request (often a
    /// validation error of a framework); `message` is the server's own.
    #[error("unprocessable request: {message}")]
    Unprocessable { message: String },
    /// 429: too many requests.
    #[error("rate limited{}", retry_after.map(|d| format!(" (retry after {:.1} s)", d.as_secs_f64())).unwrap_or_default())]
    RateLimited { retry_after: Option<Duration> },
    /// 500 and other 5xx but 503.
    #[error("server error (HTTP {status})")]
    Server { status: u16 },
    /// 503: model unavailable.
    #[error("model unavailable (HTTP 503)")]
    Unavailable,
    /// Any other status.
    #[error("unexpected HTTP status {status}")]
    UnexpectedStatus { status: u16 },
    /// No progress within the read timeout (response head or next body chunk).
    #[error("timed out waiting for the server")]
    Timeout,
    /// An async task did not finish before the poll deadline (it may still finish).
    #[error("task still running at the poll deadline")]
    PollDeadline,
    /// The connection could not be opened (nothing was sent).
    #[error("could not connect: {detail}")]
    Connect { detail: String },
    /// The connection closed before the answer was complete: before any byte of the
    /// answer (`mid_body: false`) or while the body was being read (`mid_body: true`).
    #[error("connection lost {}", if *mid_body { "while reading the answer" } else { "before the answer" })]
    ConnectionLost { mid_body: bool },
    /// The answer could not be read: bad JSON, bad base64, no images, no task id.
    #[error("malformed answer: {detail}")]
    Malformed { detail: String },
    /// The answer (or a downloaded image) is larger than `max_response_bytes`. The limit
    /// protects the client's memory, not the balance: the server may have charged it.
    #[error("answer larger than the {limit}-byte limit")]
    TooLarge { limit: u64 },
    /// An async task ended as failed.
    #[error("task failed: {message}")]
    TaskFailed { message: String },
    /// 404 on `/v1/tasks/{id}`.
    #[error("task not found")]
    TaskNotFound,
    /// The caller's cancellation token fired.
    #[error("cancelled")]
    Cancelled,
    /// The request could not be built from the given input.
    #[error("invalid input: {detail}")]
    InvalidInput { detail: String },
    /// A `url` output answered 404 or 410.
    #[error("image URL expired")]
    UrlExpired,
    /// An output link (or a redirect) the client does not follow: not http(s), or to an
    /// address it may not connect to (see [`crate::net`]). Nothing was requested there.
    #[error("refused link: {detail}")]
    RefusedUrl { detail: String },
    /// The body arrived too slowly: bytes kept trickling in, but slower than the client
    /// accepts (see [`ClientConfig::read_timeout`](crate::ClientConfig::read_timeout)).
    #[error("the answer arrived too slowly ({received} bytes in {secs} s)")]
    TooSlow { received: u64, secs: u64 },
}

impl Error {
    /// A stable machine-readable kind, one per variant.
    pub fn code(&self) -> &'static str {
        match self {
            Error::BadRequest { .. } => "bad_request",
            Error::Unauthorized => "unauthorized",
            Error::InsufficientCredits => "insufficient_credits",
            Error::ModelNotFound => "model_not_found",
            Error::PromptRejected => "prompt_rejected",
            Error::Unprocessable { .. } => "unprocessable",
            Error::RateLimited { .. } => "rate_limited",
            Error::Server { .. } => "server_error",
            Error::Unavailable => "model_unavailable",
            Error::UnexpectedStatus { .. } => "unexpected_status",
            Error::Timeout => "timeout",
            Error::PollDeadline => "poll_deadline",
            Error::Connect { .. } => "connect",
            Error::ConnectionLost { .. } => "connection_lost",
            Error::Malformed { .. } => "malformed",
            Error::TooLarge { .. } => "too_large",
            Error::TaskFailed { .. } => "task_failed",
            Error::TaskNotFound => "task_not_found",
            Error::Cancelled => "cancelled",
            Error::InvalidInput { .. } => "invalid_input",
            Error::UrlExpired => "url_expired",
            Error::RefusedUrl { .. } => "refused_url",
            Error::TooSlow { .. } => "too_slow",
        }
    }

    /// Whether trying the same request again may succeed: 429, 5xx, failures to
    /// connect, timeouts and connections lost before any byte of the answer.
    /// (The client's own retries are stricter for `POST`s; see the crate docs.)
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Error::RateLimited { .. }
                | Error::Server { .. }
                | Error::Unavailable
                | Error::Connect { .. }
                | Error::Timeout
                | Error::TooSlow { .. }
                | Error::ConnectionLost { mid_body: false }
        )
    }

    /// A sentence for a person: what happened and what to do.
    pub fn user_message(&self) -> String {
        match self {
            Error::BadRequest { message, field } => {
                let m = message.trim_end_matches('.');
                match field {
                    Some(f) => format!(
                        "The server rejected the request: {m} (field `{f}`). Correct `{f}` and run it again."
                    ),
                    None => format!("The server rejected the request: {m}. Correct the request and run it again."),
                }
            }
            Error::Unauthorized => "The API key was refused (wrong, revoked or missing). Check the key of this profile, or create a new one in your Pixapi dashboard.".into(),
            Error::InsufficientCredits => "Not enough credits for this request. Top up your Pixapi balance, or choose fewer images or a smaller variant.".into(),
            Error::ModelNotFound => "The server does not know this model. Check the model id, or choose another model from the catalog.".into(),
            Error::PromptRejected => "The prompt or the reference images were refused by content moderation. Rephrase the prompt or change the images; sending it again unchanged will be refused again.".into(),
            Error::Unprocessable { message } => format!("The server could not process the request (HTTP 422): {}. Correct the request and run it again.", message.trim_end_matches('.')),
            Error::RateLimited { retry_after } => match retry_after {
                Some(d) => format!("Too many requests at once: the server asked to wait {:.0} s. Wait a moment and try again, or run fewer requests in parallel.", d.as_secs_f64().ceil()),
                None => "Too many requests at once. Wait a moment and try again, or run fewer requests in parallel.".into(),
            },
            Error::Server { status } => format!("The server failed with an internal error (HTTP {status}). Try again in a moment; if it keeps failing, report the request id."),
            Error::Unavailable => "The model is temporarily unavailable (HTTP 503). Try again in a few minutes, or choose another model.".into(),
            Error::UnexpectedStatus { status } => format!("The server answered with an unexpected HTTP status {status}. Check the base URL of this profile; if it is right, try again later."),
            Error::Timeout => "No answer arrived within the read timeout. The request may still run and be charged: check the history before running it again, raise the timeout, or use async mode for large images.".into(),
            Error::PollDeadline => "The task did not finish before the polling deadline. It may still complete: resume polling it later instead of submitting it again, which would charge again.".into(),
            Error::Connect { detail } => format!("Could not connect to the server ({detail}). Check the base URL and the network connection, then try again."),
            Error::ConnectionLost { mid_body: true } => "The connection dropped while the answer was arriving. The images may have been made and charged: check the history before running the request again.".into(),
            Error::ConnectionLost { mid_body: false } => "The connection closed before the server answered. Try again; if it keeps happening, check the network or proxy.".into(),
            Error::Malformed { detail } => format!("The server's answer could not be read ({detail}). Try again; if it persists, report the request id."),
            Error::TooLarge { limit } => format!("The answer is larger than the {} MiB limit. Raise the answer size limit, or ask for fewer or smaller images.", limit / (1024 * 1024)),
            Error::TaskFailed { message } => format!("The generation task failed: {}. Adjust the request and submit it again; failed outputs are not charged.", message.trim_end_matches('.')),
            Error::TaskNotFound => "The server does not know this task (it may have expired, or belong to another key). Submit the request again if you still need it.".into(),
            Error::Cancelled => "The request was cancelled. A request the server had already accepted may still be charged.".into(),
            Error::InvalidInput { detail } => format!("The request could not be built: {detail}. Correct it and try again."),
            Error::UrlExpired => "The image link expired before it was downloaded. Run the request again, or ask for b64_json output.".into(),
            Error::RefusedUrl { detail } => format!("The server gave a link that is not followed: {detail}. Nothing was requested from it; for images, ask for b64_json output instead, or report it to the server's operator."),
            Error::TooSlow { received, secs } => format!("The answer arrived too slowly ({received} bytes in {secs} s) and was cut off. The images may have been made and charged: check the history before running the request again; on a slow connection, raise the read timeout."),
        }
    }
}

/// An [`Error`] with what the server said about it.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError {
    pub kind: Error,
    /// `x-request-id` header, else `error.request_id` / `request_id` in the body.
    pub request_id: Option<String>,
    /// The server's own message, when it sent one (keys redacted).
    pub message: Option<String>,
    /// The error body, keys redacted, `b64_json` elided, cut to 4 KiB.
    pub raw_body: Option<String>,
    /// Status of the answer, when one arrived.
    pub http_status: Option<u16>,
    /// Attempts made before giving up (1 when not retried).
    pub attempts: u32,
}

impl ApiError {
    pub fn kind(&self) -> &Error {
        &self.kind
    }
    pub fn request_id(&self) -> Option<&str> {
        self.request_id.as_deref()
    }
    pub fn raw_body(&self) -> Option<&str> {
        self.raw_body.as_deref()
    }
    pub fn http_status(&self) -> Option<u16> {
        self.http_status
    }
    pub fn is_retryable(&self) -> bool {
        self.kind.is_retryable()
    }
    /// A sentence for a person: what happened and what to do. A moderation refusal leads
    /// with the server's own words, when it sent some. For a caller that shows the request
    /// id on its own (as data); [`ApiError::user_message`] appends it.
    pub fn sentence(&self) -> String {
        match (&self.kind, &self.message) {
            (Error::PromptRejected, Some(m)) => {
                format!("The server refused the request: {}. {}", m.trim_end_matches('.'), self.kind.user_message())
            }
            _ => self.kind.user_message(),
        }
    }

    /// [`ApiError::sentence`] plus the request id, for a caller that has only a string.
    pub fn user_message(&self) -> String {
        let mut s = self.sentence();
        if let Some(id) = &self.request_id {
            s.push_str(&format!(" (request id {id})"));
        }
        s
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        if let Some(m) = &self.message {
            let shown_already = match &self.kind {
                Error::BadRequest { message, .. }
                | Error::TaskFailed { message }
                | Error::Unprocessable { message } => message == m,
                _ => false,
            };
            if !shown_already {
                write!(f, ": {m}")?;
            }
        }
        if let Some(id) = &self.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        Some(&self.kind)
    }
}

impl From<Error> for ApiError {
    fn from(kind: Error) -> Self {
        ApiError { kind, request_id: None, message: None, raw_body: None, http_status: None, attempts: 1 }
    }
}

/// Result of every client call.
pub type Result<T, E = ApiError> = std::result::Result<T, E>;

/// What an error body said, read tolerantly.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ErrorBody {
    pub message: Option<String>,
    /// `error.code` as a string (numbers stringified).
    pub code: Option<String>,
    pub typ: Option<String>,
    pub param: Option<String>,
    pub request_id: Option<String>,
}

/// A request id a person may copy: 1..=128 visible ASCII characters; anything else a
/// server sends under that name (a megabyte, control characters, a nested object) is
/// dropped rather than shown.
pub(crate) fn plausible_request_id(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty() && s.len() <= 128 && s.bytes().all(|b| b.is_ascii_graphic())).then(|| s.to_string())
}

fn value_to_string(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn message_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) if !s.is_empty() => Some(s.clone()),
        Value::Object(o) => {
            ["message", "msg", "detail", "error", "reason"].iter().find_map(|k| o.get(*k).and_then(message_of))
        }
        // FastAPI-style `detail: [{"msg": ..}]`.
        Value::Array(a) => a.iter().find_map(message_of),
        _ => None,
    }
}

/// Reads both documented shapes, `error` as a string, top-level `message`/`detail`;
/// anything else (HTML, empty) gives an empty [`ErrorBody`]. The message, param and
/// request id come out [`redact`]ed.
pub(crate) fn parse_error_body(body: &[u8]) -> ErrorBody {
    let Ok(v) = serde_json::from_slice::<Value>(body) else {
        return ErrorBody::default();
    };
    let mut out = ErrorBody::default();
    let Value::Object(top) = &v else {
        if let Value::String(s) = &v {
            out.message = Some(s.clone());
        }
        return out;
    };
    match top.get("error") {
        Some(Value::Object(e)) => {
            out.message = ["message", "msg", "detail"].iter().find_map(|k| e.get(*k).and_then(message_of));
            out.code = e.get("code").and_then(value_to_string);
            out.typ = e.get("type").and_then(value_to_string);
            out.param = ["param", "field"].iter().find_map(|k| e.get(*k).and_then(value_to_string));
            out.request_id = e.get("request_id").and_then(value_to_string).and_then(|s| plausible_request_id(&s));
        }
        Some(Value::String(s)) => out.message = Some(s.clone()),
        _ => {}
    }
    if out.message.is_none() {
        out.message = ["message", "detail", "msg"].iter().find_map(|k| top.get(*k).and_then(message_of));
    }
    if out.code.is_none() {
        out.code = top.get("code").and_then(value_to_string);
    }
    if out.param.is_none() {
        out.param = ["param", "field"].iter().find_map(|k| top.get(*k).and_then(value_to_string));
    }
    if out.request_id.is_none() {
        out.request_id = top.get("request_id").and_then(value_to_string).and_then(|s| plausible_request_id(&s));
    }
    // What a person may be shown (the message, the field named, the request id) never
    // carries a key that a server echoed back.
    for s in [&mut out.message, &mut out.param, &mut out.request_id] {
        *s = s.as_deref().map(redact);
    }
    out
}

/// Which endpoint an answer came from: changes what 404 means.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Endpoint {
    Images,
    Models,
    Task,
    Download,
}

const KNOWN_FIELDS_SPECIFIC: &[&str] = &[
    "size",
    "n",
    "aspect_ratio",
    "response_format",
    "image[]",
    "image",
    "mask",
    "quality",
    "output_format",
    "background",
    "style",
    "seed",
    "user",
];
const KNOWN_FIELDS_GENERAL: &[&str] = &["model", "prompt"];

fn is_ident(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '[' || c == ']')
        && s.len() <= 40
}

/// The request field a 400 message talks about, when it can be told.
pub(crate) fn field_from_message(message: &str) -> Option<String> {
    // Words, keeping `image[]` whole; remember whether each was quoted.
    let mut words: Vec<(String, bool)> = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut prev_quote = false;
    for c in message.chars().chain(std::iter::once(' ')) {
        if c.is_ascii_alphanumeric() || c == '_' || c == '[' || c == ']' {
            if cur.is_empty() {
                quoted = prev_quote;
            }
            cur.push(c);
        } else {
            if !cur.is_empty() {
                let closing = matches!(c, '\'' | '"' | '`');
                words.push((std::mem::take(&mut cur), quoted && closing));
            }
            prev_quote = matches!(c, '\'' | '"' | '`');
        }
    }
    let lower: Vec<String> = words.iter().map(|(w, _)| w.to_ascii_lowercase()).collect();
    // "field `x`", "parameter x", "param: x".
    for i in 0..lower.len().saturating_sub(1) {
        if matches!(lower[i].as_str(), "field" | "parameter" | "param" | "argument" | "property")
            && is_ident(&words[i + 1].0)
            && !matches!(lower[i + 1].as_str(), "is" | "must" | "the" | "value" | "required" | "not")
        {
            return Some(words[i + 1].0.clone());
        }
    }
    let known = |w: &str, list: &[&str]| list.iter().any(|k| k.eq_ignore_ascii_case(w));
    // A quoted known field, then any known field (specific ones first).
    for list in [KNOWN_FIELDS_SPECIFIC, KNOWN_FIELDS_GENERAL] {
        if let Some((w, _)) = words.iter().find(|(w, q)| *q && known(w, list)) {
            return Some(w.to_ascii_lowercase());
        }
    }
    for list in [KNOWN_FIELDS_SPECIFIC, KNOWN_FIELDS_GENERAL] {
        if let Some((w, _)) = words.iter().find(|(w, _)| known(w, list) && (w.len() > 1 || w == "n")) {
            return Some(w.to_ascii_lowercase());
        }
    }
    None
}

fn contains_any(hay: &str, needles: &[&str]) -> bool {
    needles.iter().any(|n| hay.contains(n))
}

/// The [`Error`] for a non-2xx answer, from its status, body and endpoint.
pub(crate) fn classify(status: u16, body: &ErrorBody, retry_after: Option<Duration>, endpoint: Endpoint) -> Error {
    let code = format!(
        "{} {}",
        body.code.as_deref().unwrap_or("").to_ascii_lowercase(),
        body.typ.as_deref().unwrap_or("").to_ascii_lowercase()
    );
    let message = body.message.clone().map(|m| redact(&m));
    let bad_request = || Error::BadRequest {
        field: body.param.clone().or_else(|| message.as_deref().and_then(field_from_message)),
        message: message.clone().unwrap_or_else(|| format!("HTTP {status}")),
    };
    if endpoint == Endpoint::Download && matches!(status, 404 | 410) {
        return Error::UrlExpired;
    }
    if endpoint == Endpoint::Task && status == 404 {
        return Error::TaskNotFound;
    }
    // A code that names the case wins over the status, for the contract's codes.
    if contains_any(&code, &["insufficient_credits", "insufficient_quota", "payment_required"]) {
        return Error::InsufficientCredits;
    }
    if contains_any(&code, &["model_not_found"]) {
        return Error::ModelNotFound;
    }
    if contains_any(&code, &["prompt_rejected", "content_policy", "moderation", "safety"]) {
        return Error::PromptRejected;
    }
    match status {
        400 => bad_request(),
        401 | 403 => Error::Unauthorized,
        402 => Error::InsufficientCredits,
        404 => {
            let mentions_model =
                code.contains("model") || message.as_deref().is_some_and(|m| m.to_ascii_lowercase().contains("model"));
            if mentions_model || endpoint == Endpoint::Images && body.message.is_some() {
                Error::ModelNotFound
            } else {
                // A bare 404 (no JSON) is a wrong base URL rather than a wrong model.
                Error::UnexpectedStatus { status }
            }
        }
        // A 422 without a moderation code is the server's own complaint: say it as is.
        422 => {
            if contains_any(&code, &["invalid_request", "validation"]) {
                bad_request()
            } else {
                Error::Unprocessable { message: message.clone().unwrap_or_else(|| "no reason given".into()) }
            }
        }
        429 => Error::RateLimited { retry_after },
        503 => Error::Unavailable,
        500..=599 => Error::Server { status },
        _ => {
            if contains_any(&code, &["rate_limit"]) {
                Error::RateLimited { retry_after }
            } else if contains_any(&code, &["unauthorized", "invalid_api_key"]) {
                Error::Unauthorized
            } else {
                Error::UnexpectedStatus { status }
            }
        }
    }
}

/// `Retry-After`: delta-seconds (decimals tolerated) or an HTTP date.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    if let Ok(s) = v.parse::<u64>() {
        return Some(Duration::from_secs(s));
    }
    if let Ok(f) = v.parse::<f64>() {
        if f.is_finite() && f >= 0.0 {
            return Some(Duration::from_secs_f64(f.min(1e9)));
        }
        return None;
    }
    let at = httpdate::parse_http_date(v).ok()?;
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Cuts `s` to at most `max` bytes on a char boundary, marking the cut.
pub(crate) fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut end = max;
        while !s.is_char_boundary(end) {
            end -= 1;
        }
        s.truncate(end);
        s.push_str("…[truncated]");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn openai_shape_int_code() {
        let b = parse_error_body(
            br#"{"error":{"code":400,"message":"Invalid value for 'size': must be one of 1K, 2K","type":"invalid_request_error"}}"#,
        );
        assert_eq!(b.code.as_deref(), Some("400"));
        assert_eq!(b.typ.as_deref(), Some("invalid_request_error"));
        match classify(400, &b, None, Endpoint::Images) {
            Error::BadRequest { field, message } => {
                assert_eq!(field.as_deref(), Some("size"));
                assert!(message.contains("must be one of"));
            }
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn pixapi_shape_string_code() {
        let b = parse_error_body(
            br#"{"error":{"code":"insufficient_credits","message":"Not enough credits for this request.","request_id":"req_42"},"extra":1}"#,
        );
        assert_eq!(b.request_id.as_deref(), Some("req_42"));
        assert_eq!(classify(402, &b, None, Endpoint::Images), Error::InsufficientCredits);
        // The code wins even under an odd status.
        assert_eq!(classify(403, &b, None, Endpoint::Images), Error::InsufficientCredits);
    }

    #[test]
    fn mixed_and_hostile_shapes_are_read_by_status_and_fields() {
        // A numeric code with the guide's request_id, and a string code with the errors
        // page's type: each field is read where it is, whichever shape it came in.
        let b = parse_error_body(
            br#"{"error":{"code":429,"type":"rate_limited","message":"Slow down.","request_id":"req_9"}}"#,
        );
        assert_eq!((b.code.as_deref(), b.request_id.as_deref()), (Some("429"), Some("req_9")));
        assert!(matches!(classify(429, &b, None, Endpoint::Images), Error::RateLimited { .. }));
        let b = parse_error_body(
            br#"{"error":{"code":"insufficient_credits","type":"invalid_request_error","message":"No credits."}}"#,
        );
        assert_eq!(classify(402, &b, None, Endpoint::Images), Error::InsufficientCredits);
        // A request id that is not one a person could quote is dropped: too long, control
        // characters (a terminal escape), an object.
        let long =
            format!(r#"{{"error":{{"code":"internal_error","message":"x","request_id":"{}"}}}}"#, "r".repeat(5000));
        assert_eq!(parse_error_body(long.as_bytes()).request_id, None);
        let esc = br#"{"error":{"code":"internal_error","message":"x","request_id":"req[31m
next"}}"#;
        assert_eq!(parse_error_body(esc).request_id, None);
        let obj = br#"{"error":{"code":500,"message":"x"},"request_id":{"id":"req_1"}}"#;
        assert_eq!(parse_error_body(obj).request_id, None);
        // The top level's, when the error object has none.
        let top = br#"{"error":{"code":500,"message":"x"},"request_id":"req_top"}"#;
        assert_eq!(parse_error_body(top).request_id.as_deref(), Some("req_top"));
    }

    #[test]
    fn error_as_string_and_non_json() {
        let b = parse_error_body(br#"{"error":"model foo does not exist"}"#);
        assert_eq!(b.message.as_deref(), Some("model foo does not exist"));
        assert_eq!(classify(404, &b, None, Endpoint::Images), Error::ModelNotFound);
        let b = parse_error_body(b"<html>Bad Gateway</html>");
        assert_eq!(b, ErrorBody::default());
        assert_eq!(classify(502, &b, None, Endpoint::Images), Error::Server { status: 502 });
        assert_eq!(classify(503, &b, None, Endpoint::Images), Error::Unavailable);
        assert_eq!(classify(404, &b, None, Endpoint::Models), Error::UnexpectedStatus { status: 404 });
        assert_eq!(classify(418, &b, None, Endpoint::Images), Error::UnexpectedStatus { status: 418 });
        assert_eq!(classify(401, &b, None, Endpoint::Images), Error::Unauthorized);
        // A bare 422 is not a moderation refusal: the server's complaint is kept.
        assert_eq!(
            classify(422, &b, None, Endpoint::Images),
            Error::Unprocessable { message: "no reason given".into() }
        );
        let v = parse_error_body(br#"{"error":{"code":"prompt_rejected","message":"Unsafe content."}}"#);
        assert_eq!(classify(422, &v, None, Endpoint::Images), Error::PromptRejected);
        let v = parse_error_body(br#"{"detail":[{"loc":["body","size"],"msg":"size must be WxH"}]}"#);
        match classify(422, &v, None, Endpoint::Images) {
            Error::Unprocessable { message } => assert!(message.contains("size must be WxH"), "{message}"),
            other => panic!("{other:?}"),
        }
        let ra = Some(Duration::from_secs(2));
        assert_eq!(classify(429, &b, ra, Endpoint::Images), Error::RateLimited { retry_after: ra });
        assert_eq!(classify(404, &b, None, Endpoint::Task), Error::TaskNotFound);
        assert_eq!(classify(410, &b, None, Endpoint::Download), Error::UrlExpired);
    }

    #[test]
    fn fastapi_detail_and_param() {
        let b = parse_error_body(br#"{"detail":[{"loc":["body","n"],"msg":"ensure this value is <= 10"}]}"#);
        assert_eq!(b.message.as_deref(), Some("ensure this value is <= 10"));
        let b = parse_error_body(br#"{"error":{"message":"bad","param":"aspect_ratio","code":null}}"#);
        match classify(400, &b, None, Endpoint::Images) {
            Error::BadRequest { field, .. } => assert_eq!(field.as_deref(), Some("aspect_ratio")),
            e => panic!("{e:?}"),
        }
    }

    #[test]
    fn field_heuristics() {
        assert_eq!(field_from_message("Invalid value for field `n`: must be 1-10").as_deref(), Some("n"));
        assert_eq!(field_from_message("unsupported size 3K for this model").as_deref(), Some("size"));
        assert_eq!(field_from_message("'prompt' is required").as_deref(), Some("prompt"));
        assert_eq!(field_from_message("at least one image[] part is required").as_deref(), Some("image[]"));
        assert_eq!(field_from_message("parameter quality is not supported").as_deref(), Some("quality"));
        assert_eq!(field_from_message("something went wrong").as_deref(), None);
    }

    #[test]
    fn messages_are_redacted() {
        let b = parse_error_body(br#"{"error":{"code":400,"message":"bad key sk_live_abcdef123456 used"}}"#);
        let e = classify(400, &b, None, Endpoint::Images);
        assert!(!format!("{e}").contains("abcdef123456"));
        assert!(!e.user_message().contains("abcdef123456"));
    }

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
        assert_eq!(parse_retry_after(" 0.5 ", now), Some(Duration::from_millis(500)));
        assert_eq!(parse_retry_after("-3", now), None);
        assert_eq!(parse_retry_after("soon", now), None);
        let later = now + Duration::from_secs(30);
        let date = httpdate::fmt_http_date(later);
        assert_eq!(parse_retry_after(&date, now), Some(Duration::from_secs(30)));
        let past = httpdate::fmt_http_date(now - Duration::from_secs(30));
        assert_eq!(parse_retry_after(&past, now), Some(Duration::ZERO));
    }

    #[test]
    fn retryable_table() {
        assert!(Error::RateLimited { retry_after: None }.is_retryable());
        assert!(Error::Server { status: 500 }.is_retryable());
        assert!(Error::Unavailable.is_retryable());
        assert!(Error::Connect { detail: "refused".into() }.is_retryable());
        assert!(Error::ConnectionLost { mid_body: false }.is_retryable());
        assert!(!Error::ConnectionLost { mid_body: true }.is_retryable());
        for e in [
            Error::BadRequest { message: "x".into(), field: None },
            Error::Unauthorized,
            Error::InsufficientCredits,
            Error::ModelNotFound,
            Error::PromptRejected,
            Error::Cancelled,
            Error::TaskFailed { message: "x".into() },
        ] {
            assert!(!e.is_retryable(), "{e:?}");
        }
    }

    #[test]
    fn user_messages_say_what_to_do() {
        assert_eq!(
            Error::InsufficientCredits.user_message(),
            "Not enough credits for this request. Top up your Pixapi balance, or choose fewer images or a smaller variant."
        );
        let e = Error::BadRequest { message: "n must be at most 10".into(), field: Some("n".into()) };
        assert!(e.user_message().contains("Correct `n`"));
        let api = ApiError { request_id: Some("req_1".into()), ..ApiError::from(Error::Unavailable) };
        assert!(api.user_message().ends_with("(request id req_1)"));
    }

    #[test]
    fn truncation_is_char_safe() {
        let s = "é".repeat(3000);
        let t = truncate(s, 4096);
        assert!(t.len() <= 4096 + "…[truncated]".len());
        assert!(t.ends_with("[truncated]"));
    }
}

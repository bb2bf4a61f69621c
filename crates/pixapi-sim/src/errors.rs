//! Error answers in the two documented shapes, request ids, and bearer auth.
//!
//! - Integer shape, as Pixapi's errors page (`/docs/errors/`) shows it:
//!   `{"error":{"code":400,"message":"...","type":"invalid_request_error","param":"n"}}`
//!   (`param` only on 400s that concern one field). Used for 400, 500 and any status
//!   without a documented code.
//! - String shape, as its error-handling guide (`/docs/guides/error-handling/`) shows it:
//!   `{"error":{"code":"unauthorized","message":"Invalid API key.","request_id":"req_..."}}`.
//!   Used for 401, 402, 404, 422, 429 and 503.
//!
//! A `status` fault may ask for either shape (`"shape": "integer" | "string"`), since the
//! pages do not say which status answers which: a client must read both for every status.
//!
//! In the OpenAI flavour every error (fault-injected ones included, unless the fault asks
//! for a shape) uses OpenAI's `ErrorResponse`:
//! `{"error":{"message":"...","type":"invalid_request_error","param":null,"code":null}}`.
//! The flavour is a task-local set by the request middleware, so handlers and the many
//! `ApiError` constructors need not carry it.

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::ids;

tokio::task_local! {
    /// The id of the request being handled (set by the request-id middleware).
    pub static REQUEST_ID: String;
}

tokio::task_local! {
    /// The flavour of the server handling the request (set by the request middleware).
    pub static FLAVOUR: crate::Flavour;
}

/// The current request's id, or a fresh one outside a request.
pub fn current_request_id() -> String {
    REQUEST_ID.try_with(|s| s.clone()).unwrap_or_else(|_| ids::request_id())
}

/// An error answer.
#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    message: String,
    param: Option<String>,
    retry_after: Option<u64>,
    raw_body: Option<String>,
    type_override: Option<&'static str>,
    shape: Option<ErrorShape>,
    /// OpenAI shape: `code` instead of the one derived from the status (an enum, not a
    /// string, to keep `ApiError` small: it is the `Err` of many results).
    oa_code: Option<OpenAiCode>,
}

/// The `code` of an OpenAI error body, as OpenAI's API words them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpenAiCode {
    UnknownParameter,
    MissingRequiredParameter,
    InvalidValue,
    InvalidType,
    IntegerBelowMinValue,
    IntegerAboveMaxValue,
    StringBelowMinLength,
    StringAboveMaxLength,
    EmptyArray,
    UnsupportedParameter,
    UnsupportedValue,
    ModelNotFound,
}

impl OpenAiCode {
    pub fn as_str(self) -> &'static str {
        match self {
            OpenAiCode::UnknownParameter => "unknown_parameter",
            OpenAiCode::MissingRequiredParameter => "missing_required_parameter",
            OpenAiCode::InvalidValue => "invalid_value",
            OpenAiCode::InvalidType => "invalid_type",
            OpenAiCode::IntegerBelowMinValue => "integer_below_min_value",
            OpenAiCode::IntegerAboveMaxValue => "integer_above_max_value",
            OpenAiCode::StringBelowMinLength => "string_below_min_length",
            OpenAiCode::StringAboveMaxLength => "string_above_max_length",
            OpenAiCode::EmptyArray => "empty_array",
            OpenAiCode::UnsupportedParameter => "unsupported_parameter",
            OpenAiCode::UnsupportedValue => "unsupported_value",
            OpenAiCode::ModelNotFound => "model_not_found",
        }
    }
}

/// Which of the two documented error bodies to answer.
#[derive(serde::Serialize, serde::Deserialize, Clone, Copy, Debug, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum ErrorShape {
    /// `code` the HTTP status as a number, with `type` (`/docs/errors/`).
    Integer,
    /// `code` a string, with `request_id` (`/docs/guides/error-handling/`).
    String,
}

impl ApiError {
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        ApiError {
            status,
            message: message.into(),
            param: None,
            retry_after: None,
            raw_body: None,
            type_override: None,
            shape: None,
            oa_code: None,
        }
    }

    /// An error as OpenAI words it: `code` (e.g. `unknown_parameter`) and `param` as given.
    pub fn openai(
        status: StatusCode,
        message: impl Into<String>,
        param: Option<&str>,
        code: Option<OpenAiCode>,
    ) -> Self {
        let mut e = Self::new(status, message);
        e.param = param.map(str::to_string);
        e.oa_code = code;
        e
    }

    /// 400 `invalid_request_error` about one field.
    pub fn invalid(message: impl Into<String>, param: &str) -> Self {
        let mut e = Self::new(StatusCode::BAD_REQUEST, message);
        e.param = Some(param.to_string());
        e
    }

    /// 400 `invalid_request_error` about the whole body.
    pub fn bad_body(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn unauthorized(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNAUTHORIZED, message)
    }

    pub fn model_not_found(model: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            format!("The model '{model}' does not exist. GET /v1/models lists the known ids."),
        )
    }

    pub fn not_found(message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::NOT_FOUND, message);
        e.type_override = Some("not_found");
        e
    }

    pub fn insufficient_credits() -> Self {
        Self::new(StatusCode::PAYMENT_REQUIRED, "Not enough credits for this request.")
    }

    pub fn rate_limited() -> Self {
        let mut e = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "Too many concurrent requests. Retry after the time in Retry-After.",
        );
        e.retry_after = Some(1);
        e
    }

    pub fn internal(message: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, message)
    }

    /// The error an injected `status` fault answers with.
    pub fn injected(
        status: StatusCode,
        retry_after: Option<u64>,
        body: Option<String>,
        shape: Option<ErrorShape>,
    ) -> Self {
        let message = match status.as_u16() {
            401 => "Invalid API key (injected fault).",
            402 => "Not enough credits for this request.",
            404 => "The model does not exist (injected fault).",
            422 => "The prompt was rejected by the safety system (injected fault).",
            429 => "Rate limited (injected fault).",
            500 => "Internal error (injected fault).",
            503 => "The model is temporarily unavailable (injected fault).",
            _ => "Injected fault.",
        };
        let mut e = Self::new(status, message);
        e.retry_after = retry_after;
        e.raw_body = body;
        e.shape = shape;
        e
    }

    pub fn with_retry_after(mut self, secs: u64) -> Self {
        self.retry_after = Some(secs);
        self
    }

    pub fn message(&self) -> &str {
        &self.message
    }

    /// The field a 400 names, if any.
    pub fn param(&self) -> Option<&str> {
        self.param.as_deref()
    }

    /// The `type` (integer shape) or `code` (string shape) of this error.
    pub fn type_name(&self) -> &'static str {
        if let Some(t) = self.type_override {
            return t;
        }
        match self.status.as_u16() {
            400 | 413 => "invalid_request_error",
            401 => "unauthorized",
            402 => "insufficient_credits",
            403 => "forbidden",
            404 => "model_not_found",
            405 => "method_not_allowed",
            408 => "timeout",
            422 => "prompt_rejected",
            429 => "rate_limited",
            500 => "internal_error",
            502 => "bad_gateway",
            503 => "model_unavailable",
            504 => "gateway_timeout",
            _ => "error",
        }
    }

    /// The JSON body of this error: the shape asked for, else the string shape for the
    /// codes the guide names and the integer shape otherwise.
    pub fn body(&self, request_id: &str) -> Value {
        let shape = self.shape.unwrap_or(match self.status.as_u16() {
            401 | 402 | 404 | 422 | 429 | 503 => ErrorShape::String,
            _ => ErrorShape::Integer,
        });
        if shape == ErrorShape::String {
            json!({"error": {"code": self.type_name(), "message": self.message, "request_id": request_id}})
        } else {
            let mut err = json!({
                "code": self.status.as_u16(),
                "message": self.message,
                "type": self.type_name(),
            });
            if let Some(p) = self.param() {
                err["param"] = json!(p);
            }
            json!({ "error": err })
        }
    }
}

impl ApiError {
    /// OpenAI's `ErrorResponse` body: `type` follows the status, `code` too unless set
    /// (401 `invalid_api_key`, 404 of a model `model_not_found`, 429 type `requests` code
    /// `rate_limit_exceeded` as OpenAI's request-rate limits answer, 5xx type `server_error`).
    pub fn openai_body(&self) -> Value {
        let (ty, code) = match self.status.as_u16() {
            401 => ("invalid_request_error", Some("invalid_api_key")),
            // `not_found` (a route or task) sets `type_override`; a model does not.
            404 if self.type_override.is_none() => ("invalid_request_error", Some("model_not_found")),
            429 => ("requests", Some("rate_limit_exceeded")),
            500..=599 => ("server_error", None),
            _ => ("invalid_request_error", None),
        };
        json!({"error": {
            "message": self.message,
            "type": ty,
            "param": self.param,
            "code": self.oa_code.map(OpenAiCode::as_str).or(code),
        }})
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.type_name(), self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let openai = FLAVOUR.try_with(|f| *f == crate::Flavour::OpenAi).unwrap_or(false);
        let body = match &self.raw_body {
            Some(raw) => raw.clone(),
            // A fault that asks for a Pixapi shape gets it, whatever the flavour.
            None if openai && self.shape.is_none() => self.openai_body().to_string(),
            None => self.body(&current_request_id()).to_string(),
        };
        let mut resp = (self.status, body).into_response();
        let h = resp.headers_mut();
        h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(s) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        resp
    }
}

/// Checks `Authorization: Bearer <key>` against the configured keys. Never echoes a key.
pub fn check_auth(headers: &HeaderMap, keys: &[String]) -> Result<(), ApiError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else {
        return Err(ApiError::unauthorized(
            "Invalid API key: no Authorization header. Send `Authorization: Bearer sk_...`.",
        ));
    };
    let value = value.to_str().unwrap_or("");
    let token =
        value.split_once(' ').filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer")).map(|(_, t)| t.trim());
    match token {
        Some(t) if !t.is_empty() && keys.iter().any(|k| k == t) => Ok(()),
        Some(_) => Err(ApiError::unauthorized("Invalid API key.")),
        None => Err(ApiError::unauthorized("Invalid API key: the Authorization header must be `Bearer <key>`.")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        let e = ApiError::invalid("n must be an integer", "n").body("req_1");
        assert_eq!(e["error"]["code"], 400);
        assert_eq!(e["error"]["type"], "invalid_request_error");
        assert_eq!(e["error"]["param"], "n");
        let e = ApiError::insufficient_credits().body("req_1");
        assert_eq!(e["error"]["code"], "insufficient_credits");
        assert_eq!(e["error"]["request_id"], "req_1");
        let e = ApiError::model_not_found("x").body("r");
        assert_eq!(e["error"]["code"], "model_not_found");
        assert_eq!(ApiError::not_found("no such task").body("r")["error"]["code"], "not_found");
        // The documented string codes, with the request id (docs/errors/).
        for (e, code) in [
            (ApiError::unauthorized("Invalid API key."), "unauthorized"),
            (ApiError::rate_limited(), "rate_limited"),
            (ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "down"), "model_unavailable"),
        ] {
            let b = e.body("req_9");
            assert_eq!(b["error"]["code"], code);
            assert_eq!(b["error"]["request_id"], "req_9");
        }
        assert_eq!(ApiError::internal("x").body("r")["error"]["code"], 500);
        assert!(ApiError::not_found("x").param().is_none());
    }

    #[test]
    fn auth() {
        let keys = vec!["sk_test_1".to_string()];
        let mut h = HeaderMap::new();
        assert!(check_auth(&h, &keys).is_err());
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Bearer sk_test_1"));
        assert!(check_auth(&h, &keys).is_ok());
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("bearer sk_test_2"));
        let e = check_auth(&h, &keys).unwrap_err();
        assert!(e.message().starts_with("Invalid API key"));
        assert!(!e.message().contains("sk_test_2"));
    }
}

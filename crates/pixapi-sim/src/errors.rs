//! Error answers in the two documented shapes, request ids, and bearer auth.
//!
//! - Integer shape (400, 500 and any status without a documented code):
//!   `{"error":{"code":400,"message":"...","type":"invalid_request_error","param":"n"}}`
//!   (`param` only on 400s that concern one field).
//! - String shape (401, 402, 404, 422, 429, 503), as docs/errors/ shows them:
//!   `{"error":{"code":"unauthorized","message":"Invalid API key.","request_id":"req_..."}}`

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use crate::ids;

tokio::task_local! {
    /// The id of the request being handled (set by the request-id middleware).
    pub static REQUEST_ID: String;
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
        }
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
    pub fn injected(status: StatusCode, retry_after: Option<u64>, body: Option<String>) -> Self {
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

    /// The JSON body of this error (string shape for the documented codes, integer shape
    /// otherwise).
    pub fn body(&self, request_id: &str) -> Value {
        if matches!(self.status.as_u16(), 401 | 402 | 404 | 422 | 429 | 503) {
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

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}: {}", self.status.as_u16(), self.type_name(), self.message)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let body = match &self.raw_body {
            Some(raw) => raw.clone(),
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

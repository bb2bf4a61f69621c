//! The core's error: every failure becomes a `UiError` — a sentence for a person plus
//! details — at the boundary.

use crate::api::UiError;
use crate::kind::ErrorKind;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("{0}")]
    Ui(UiError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

pub type CoreResult<T> = Result<T, CoreError>;

pub fn ui(kind: ErrorKind, message: impl Into<String>) -> UiError {
    UiError::new(kind, message)
}

impl From<CoreError> for UiError {
    fn from(e: CoreError) -> UiError {
        match e {
            CoreError::Ui(u) => u,
            CoreError::Store(StoreError::NotFound(what)) => {
                UiError::new(ErrorKind::NotFound, format!("{what} was not found; it may have been deleted."))
            }
            CoreError::Store(s) => UiError::new(ErrorKind::Store, s.to_string()),
        }
    }
}

impl From<UiError> for CoreError {
    fn from(u: UiError) -> CoreError {
        CoreError::Ui(u)
    }
}

/// A client error as the UI shows it.
pub fn api_error_view(e: &pixapi::ApiError, profile_name: &str) -> UiError {
    let kind = ErrorKind::from(e.kind());
    let message = match e.kind() {
        pixapi::Error::Unauthorized => format!(
            "The key of profile “{profile_name}” was rejected (401). Check it on your Pixapi dashboard and paste it again in Profiles."
        ),
        _ => e.sentence(),
    };
    let mut detail = String::new();
    if let Some(s) = e.http_status() {
        detail.push_str(&format!("HTTP {s}"));
    }
    if let Some(id) = e.request_id() {
        detail.push_str(&format!(" · request id {id}"));
    }
    if e.attempts > 1 {
        detail.push_str(&format!(" · {} attempts", e.attempts));
    }
    if let Some(b) = e.raw_body() {
        detail.push('\n');
        detail.push_str(b);
    }
    let mut u = UiError::new(kind, message);
    u.request_id = e.request_id().map(String::from);
    if !detail.trim().is_empty() {
        u.detail = Some(detail.trim().to_string());
    }
    u
}

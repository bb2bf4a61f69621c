//! Outputs served by URL: `GET /files/{token}.png`, expiring after `url_ttl`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::errors::ApiError;
use crate::ids;
use crate::state::Shared;

#[derive(Default)]
pub struct FileStore {
    inner: Mutex<HashMap<String, (Bytes, Instant)>>,
}

impl FileStore {
    /// Stores a PNG for `ttl`; returns its token.
    pub fn put(&self, png: Bytes, ttl: Duration) -> String {
        let token = ids::file_token();
        let now = Instant::now();
        let mut g = self.inner.lock().expect("files lock");
        g.retain(|_, (_, exp)| *exp > now);
        g.insert(token.clone(), (png, now + ttl));
        token
    }

    /// The PNG of a token that has not expired.
    pub fn get(&self, token: &str) -> Option<Bytes> {
        let mut g = self.inner.lock().expect("files lock");
        match g.get(token) {
            Some((png, exp)) if *exp > Instant::now() => Some(png.clone()),
            Some(_) => {
                g.remove(token);
                None
            }
            None => None,
        }
    }
}

/// `GET /files/{token}.png`
pub async fn serve(State(s): State<Arc<Shared>>, Path(file): Path<String>) -> Response {
    let token = file.strip_suffix(".png").unwrap_or("");
    match s.files.get(token) {
        Some(png) => {
            let mut r = png.into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("image/png"));
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=60"));
            r
        }
        None => ApiError::not_found("No such file, or its URL has expired.").into_response(),
    }
}

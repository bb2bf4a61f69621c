//! The admin API under `/__sim/` (never consumes faults, never counted). It has no key:
//! it is for the machine the simulator runs on. So that a web page cannot reach it through
//! the user's browser (a cross-site `fetch`, or DNS rebinding to a name that resolves to
//! loopback), a request is refused with 403 when it carries an `Origin` header, or a
//! `Host` that is not a loopback address or `localhost`.

use std::sync::atomic::Ordering;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::errors::ApiError;
use crate::faults::Fault;
use crate::state::Shared;
use crate::LatencyProfile;

/// The body of `POST /__sim/state`: every field optional.
#[derive(Serialize, Deserialize, Clone, Debug, Default)]
#[serde(deny_unknown_fields)]
pub struct StatePatch {
    pub balance: Option<i64>,
    pub charged: Option<i64>,
    pub charged_usd_micros: Option<i64>,
    pub profile: Option<LatencyProfile>,
    pub max_concurrency: Option<usize>,
}

/// Whether the headers of an admin request come from a local tool, not a web page.
pub fn check_admin_headers(headers: &axum::http::HeaderMap) -> Result<(), ApiError> {
    let forbidden = |why: &str| {
        ApiError::new(axum::http::StatusCode::FORBIDDEN, format!("The admin API refuses this request: {why}."))
    };
    if headers.contains_key(axum::http::header::ORIGIN) {
        return Err(forbidden("it comes from a web page (Origin header)"));
    }
    let host = headers.get(axum::http::header::HOST).and_then(|h| h.to_str().ok()).unwrap_or("");
    // `host[:port]`, `[v6]:port`
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or(""),
        None => host.rsplit_once(':').map(|(h, _)| h).unwrap_or(host),
    };
    let loopback =
        name.eq_ignore_ascii_case("localhost") || name.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback());
    if !loopback {
        return Err(forbidden("its Host is not a loopback address"));
    }
    Ok(())
}

fn json_body<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, ApiError> {
    serde_json::from_slice(body).map_err(|e| ApiError::bad_body(format!("Invalid JSON body: {e}.")))
}

pub async fn get_state(State(s): State<Arc<Shared>>) -> Response {
    Json(s.state_json()).into_response()
}

pub async fn post_state(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let patch: StatePatch = match json_body(&body) {
        Ok(p) => p,
        Err(e) => return e.into_response(),
    };
    if let Some(b) = patch.balance {
        s.set_balance(b);
    }
    if let Some(c) = patch.charged {
        s.set_charged(c);
    }
    if let Some(c) = patch.charged_usd_micros {
        s.set_charged_usd_micros(c);
    }
    if let Some(p) = patch.profile {
        *s.profile.lock().expect("profile lock") = p;
    }
    if let Some(m) = patch.max_concurrency {
        s.max_concurrency.store(m, Ordering::SeqCst);
    }
    Json(s.state_json()).into_response()
}

pub async fn reset(State(s): State<Arc<Shared>>) -> Response {
    s.reset();
    Json(s.state_json()).into_response()
}

pub async fn list_faults(State(s): State<Arc<Shared>>) -> Response {
    Json(json!({ "faults": s.faults.list() })).into_response()
}

pub async fn add_fault(State(s): State<Arc<Shared>>, body: Bytes) -> Response {
    let fault = match json_body::<Fault>(&body).and_then(|f| f.normalized().map_err(ApiError::bad_body)) {
        Ok(f) => f,
        Err(e) => return e.into_response(),
    };
    let pending = fault.count;
    let id = s.faults.push(fault);
    Json(json!({ "id": id, "pending": pending })).into_response()
}

pub async fn clear_faults(State(s): State<Arc<Shared>>) -> Response {
    Json(json!({ "cleared": s.faults.clear() })).into_response()
}

pub async fn requests(State(s): State<Arc<Shared>>) -> Response {
    Json(json!({ "requests": s.records() })).into_response()
}

pub async fn clear_requests(State(s): State<Arc<Shared>>) -> Response {
    s.log.lock().expect("log lock").clear();
    Json(json!({ "cleared": true })).into_response()
}

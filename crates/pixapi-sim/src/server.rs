//! The router, the request-context middleware, and starting / stopping the server.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{DefaultBodyLimit, Path, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::errors::{ApiError, FLAVOUR, REQUEST_ID};
use crate::state::{base_url_of, body_limit};
use crate::state::{ReqMeta, RequestRecord, Shared};
use crate::{admin, ids, images, SimConfig};

pub const REQUEST_ID_HEADER: &str = "x-request-id";
pub const SERVER_MS_HEADER: &str = "x-sim-server-ms";

pub fn router(shared: Arc<Shared>) -> Router {
    let limit = body_limit(&shared.cfg);
    Router::new()
        .route("/", get(index))
        .route("/v1/images/generations", post(images::generations))
        .route("/v1/images/edits", post(images::edits))
        .route("/v1/async/images/generations", post(images::async_generations))
        .route("/v1/async/images/edits", post(images::async_edits))
        .route("/v1/tasks/{id}", get(images::get_task))
        .route("/v1/models", get(images::models))
        .route("/v1/models/{id}", get(images::models))
        .route("/files/{file}", get(serve_file))
        .route("/__sim/state", get(admin::get_state).post(admin::post_state))
        .route("/__sim/reset", post(admin::reset))
        .route("/__sim/redirect", get(crate::hostile::redirect))
        .route("/__sim/huge", get(crate::hostile::huge))
        .route("/__sim/faults", get(admin::list_faults).post(admin::add_fault).delete(admin::clear_faults))
        .route("/__sim/requests", get(admin::requests).delete(admin::clear_requests))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(shared.clone(), request_context))
        .with_state(shared)
}

async fn index(State(s): State<Arc<Shared>>, headers: HeaderMap) -> impl IntoResponse {
    let base = base_url_of(&s, &headers);
    format!(
        "pixapi-sim: a local Pixapi-compatible image API (a simulator, not the real service).\n\
         API:   {base}/v1/images/generations, /v1/images/edits, /v1/async/images/*, /v1/tasks/{{id}}, /v1/models\n\
         Admin: {base}/__sim/state, /__sim/reset, /__sim/faults, /__sim/requests\n\
         See `pixapi-sim --help` for the admin and fault API.\n"
    )
}

async fn not_found(req: Request) -> Response {
    ApiError::not_found(format!("No route for {} {}.", req.method(), req.uri().path())).into_response()
}

async fn method_not_allowed(req: Request) -> Response {
    ApiError::new(StatusCode::METHOD_NOT_ALLOWED, format!("{} is not allowed on {}.", req.method(), req.uri().path()))
        .into_response()
}

/// Gives every request an id (`x-request-id` on every answer), counts and times `/v1/*`
/// requests (`x-sim-server-ms`) and records them in the request log.
async fn request_context(State(s): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let id = ids::request_id();
    let start = Instant::now();
    let path = req.uri().path().to_string();
    let method = req.method().to_string();
    let api = path.starts_with("/v1/");
    // The links of hostile faults change nothing: any host name may reach them.
    if path.starts_with("/__sim") && !matches!(path.as_str(), "/__sim/redirect" | "/__sim/huge") {
        if let Err(e) = crate::admin::check_admin_headers(req.headers()) {
            return FLAVOUR.sync_scope(s.cfg.flavour, || e.into_response());
        }
    }
    if api {
        s.requests.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    }
    let mut resp = REQUEST_ID.scope(id.clone(), FLAVOUR.scope(s.cfg.flavour, next.run(req))).await;
    let server_ms = start.elapsed().as_secs_f64() * 1000.0;
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        h.insert(HeaderName::from_static(REQUEST_ID_HEADER), v);
    }
    if api {
        if let Ok(v) = HeaderValue::from_str(&format!("{server_ms:.3}")) {
            h.insert(HeaderName::from_static(SERVER_MS_HEADER), v);
        }
        let meta = resp.extensions().get::<ReqMeta>().cloned().unwrap_or_default();
        s.record(RequestRecord {
            request_id: id,
            method,
            path,
            status: resp.status().as_u16(),
            model: meta.model,
            resolved_model: meta.resolved_model,
            latency_ms: meta.latency_ms,
            fault_delay_ms: meta.fault_delay_ms,
            fault: meta.fault,
            credits: meta.credits,
            images: meta.images,
            server_ms,
            size: meta.size,
            fields: meta.fields,
            unknown_fields: meta.unknown_fields,
            delivered: meta.delivered,
            usd_micros: meta.usd_micros,
            body: meta.body,
        });
    }
    resp
}

/// A running server.
pub struct Running {
    pub shared: Arc<Shared>,
    pub join: JoinHandle<()>,
}

pub async fn start(cfg: SimConfig) -> anyhow::Result<Running> {
    let listener = TcpListener::bind((cfg.host, cfg.port)).await?;
    let addr = listener.local_addr()?;
    let shared = Arc::new(Shared::new(cfg, addr));
    let app = router(shared.clone());
    let token = shared.shutdown.clone();
    let join = tokio::spawn(async move {
        let serve = axum::serve(listener, app).with_graceful_shutdown(token.cancelled_owned());
        if let Err(e) = serve.await {
            tracing::error!("pixapi-sim server error: {e}");
        }
    });
    Ok(Running { shared, join })
}

/// Stops accepting, ends hanging requests, waits up to `grace` for the rest.
pub async fn stop(shared: &Shared, join: JoinHandle<()>, grace: Duration) {
    shared.shutdown.cancel();
    let abort = join.abort_handle();
    if tokio::time::timeout(grace, join).await.is_err() {
        abort.abort();
    }
}

/// `GET /files/{token}.{ext}`
async fn serve_file(State(s): State<Arc<Shared>>, Path(file): Path<String>) -> Response {
    // A download fails as a fault says (`"path": "/files"`): a link that cannot be fetched.
    let fault = s.faults.take(&format!("/files/{file}"), &[], crate::faults::RequestClass::Other);
    if let Some(r) = images::early_response(fault.as_ref(), &s).await {
        return r;
    }
    match s.files.get(&file) {
        Some((bytes, mime)) => {
            let mut r = bytes.into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
            r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("private, max-age=60"));
            r
        }
        None => ApiError::not_found("No such file, or its URL has expired.").into_response(),
    }
}

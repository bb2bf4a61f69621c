//! The image endpoints, sync and async, and the task poll.
//!
//! Pipeline of an image request: auth (401) -> body and validation (400/404) ->
//! concurrency slot (429) -> credit reservation of `n x price` (402) -> one matching fault
//! is consumed -> latency of the variant (the answer is sent no earlier than that after
//! admission; generation runs meanwhile, off the runtime) -> outputs -> charge what was
//! produced, release the rest.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use bytes::Bytes;
use serde_json::{json, Value};

use crate::errors::{check_auth, ApiError};
use crate::faults::{Fault, FaultKind, RequestClass};
use crate::ids;
use crate::imagegen::Spec;
use crate::request::{parse, ImageRequest, ResponseFormat};
use crate::state::{ReqMeta, Reservation, Shared, Slot};
use crate::tasks::{Outcome, Task};
use crate::Flavour;

pub const LATENCY_HEADER: &str = "x-sim-latency-ms";
pub const FAULT_DELAY_HEADER: &str = "x-sim-fault-delay-ms";
pub const RESOLVED_MODEL_HEADER: &str = "x-sim-resolved-model";

#[derive(Clone, Copy)]
struct Endpoint {
    edit: bool,
    asynchronous: bool,
}

pub async fn generations(State(s): State<Arc<Shared>>, req: Request) -> Response {
    image_endpoint(s, req, Endpoint { edit: false, asynchronous: false }).await
}
pub async fn edits(State(s): State<Arc<Shared>>, req: Request) -> Response {
    image_endpoint(s, req, Endpoint { edit: true, asynchronous: false }).await
}
pub async fn async_generations(State(s): State<Arc<Shared>>, req: Request) -> Response {
    image_endpoint(s, req, Endpoint { edit: false, asynchronous: true }).await
}
pub async fn async_edits(State(s): State<Arc<Shared>>, req: Request) -> Response {
    image_endpoint(s, req, Endpoint { edit: true, asynchronous: true }).await
}

async fn image_endpoint(s: Arc<Shared>, req: Request, ep: Endpoint) -> Response {
    let started = Instant::now();
    let path = req.uri().path().to_string();
    let mut meta = ReqMeta::default();
    let mut resp = match admit_and_run(&s, req, ep, &path, started, &mut meta).await {
        Ok(r) => r,
        Err(e) => e.into_response(),
    };
    resp.extensions_mut().insert(meta);
    resp
}

async fn admit_and_run(
    s: &Arc<Shared>,
    req: Request,
    ep: Endpoint,
    path: &str,
    started: Instant,
    meta: &mut ReqMeta,
) -> Result<Response, ApiError> {
    let openai = s.cfg.flavour == Flavour::OpenAi;
    if openai && ep.asynchronous {
        // OpenAI has no async image endpoints: the route does not exist there.
        return Err(crate::openai::no_route("POST", path));
    }
    check_auth(req.headers(), &s.cfg.keys)?;
    let base = crate::state::base_url_of(s, req.headers());
    let mut body = None;
    let job = if openai {
        crate::openai::parse(s, req, ep.edit, &mut body).await
    } else {
        parse(s, req, ep.edit, &mut body).await
    };
    meta.body = body;
    let job = job?;
    meta.model = Some(job.model.clone());
    meta.resolved_model = Some(job.resolved.variant_id.clone());
    meta.size = job.size.clone();
    meta.fields = job.fields.clone();
    meta.unknown_fields = job.unknown_fields.clone();

    let slot = s.try_admit().ok_or_else(ApiError::rate_limited)?;
    let cost = job.resolved.credits_per_image * job.n as i64;
    // The OpenAI flavour bills dollars and has no balance to run out of.
    let reservation =
        if openai { s.reserve_free() } else { s.reserve(cost).ok_or_else(ApiError::insufficient_credits)? };
    let class = if ep.asynchronous { RequestClass::AsyncSubmit } else { RequestClass::Images };
    let fault = s.faults.take(path, &[&job.model, &job.resolved.variant_id], class);
    meta.fault = fault.as_ref().map(|f| f.kind.as_str().to_string());
    if let Some(r) = early_response(fault.as_ref(), s).await {
        return Ok(r);
    }
    // A `deliver_size` fault: the model answers at another size, billed by what it delivers.
    let mut job = job;
    if let Some((w, h)) = fault.as_ref().and_then(Fault::delivered_size) {
        let (tier, credits) = crate::catalog::price_delivered(job.resolved.family, w, h, job.quality.as_deref());
        job.resolved.width = w;
        job.resolved.height = h;
        job.resolved.tier = tier;
        job.resolved.credits_per_image = if openai { 0 } else { credits };
        if job.resolved.family.is_gemini() {
            job.resolved.variant_id = job.resolved.family.variant_id(tier);
        }
        // The log names the variant that is priced, as the answer does.
        meta.resolved_model = Some(job.resolved.variant_id.clone());
    }
    meta.delivered = Some(format!("{}x{}", job.resolved.width, job.resolved.height));
    let latency = s.latency(job.resolved.tier);
    let delay = fault.as_ref().map(Fault::delay).unwrap_or_default();
    meta.latency_ms = Some(latency.as_millis() as u64);
    meta.fault_delay_ms = (!delay.is_zero()).then_some(delay.as_millis() as u64);

    if let Some(f) = fault.as_ref().filter(|f| f.kind == FaultKind::Hostile) {
        // (Sync image requests only: see `FaultKind::applies_to`.)
        let out = crate::hostile::respond(s, &job, f, &base, started + latency + delay).await;
        drop(slot);
        let out = out?;
        let charged = if out.credits > 0 {
            reservation.settle(out.credits)
        } else {
            drop(reservation);
            0
        };
        s.images_served.fetch_add(out.images as u64, Ordering::SeqCst);
        meta.credits = charged;
        meta.images = out.images;
        return Ok(out.response);
    }
    if ep.asynchronous {
        return Ok(submit_task(s, job, slot, reservation, latency + delay, fault, base, meta));
    }
    let fail = fault.as_ref().filter(|f| f.kind == FaultKind::Partial).and_then(|f| f.fail_outputs);
    let out = produce(s, &job, started + latency + delay, fail.unwrap_or(0), &base).await;
    drop(slot);
    let out = out?;
    let (charged, usd) = reservation.settle_with(out.credits, out.usd_micros);
    s.images_served.fetch_add(out.images as u64, Ordering::SeqCst);
    meta.credits = charged;
    meta.usd_micros = usd;
    meta.images = out.images;
    let mut resp = ([(axum::http::header::CONTENT_TYPE, "application/json")], out.answer).into_response();
    let h = resp.headers_mut();
    h.insert(HeaderName::from_static(LATENCY_HEADER), HeaderValue::from(latency.as_millis() as u64));
    if !delay.is_zero() {
        h.insert(HeaderName::from_static(FAULT_DELAY_HEADER), HeaderValue::from(delay.as_millis() as u64));
    }
    if let Ok(v) = HeaderValue::from_str(&job.resolved.variant_id) {
        h.insert(HeaderName::from_static(RESOLVED_MODEL_HEADER), v);
    }
    Ok(resp)
}

/// A finished generation.
struct Produced {
    /// `{"created", "data", "usage"}`, serialized.
    answer: Vec<u8>,
    credits: i64,
    /// Dollars (OpenAI flavour), in micro-dollars.
    usd_micros: i64,
    images: u32,
}

/// Draws the outputs (minus `fail` failed ones), waits until `not_before`, and builds the
/// answer. All outputs failing is a 500 `internal_error`.
async fn produce(
    s: &Arc<Shared>,
    job: &ImageRequest,
    not_before: Instant,
    fail: u32,
    base: &str,
) -> Result<Produced, ApiError> {
    let count = job.n.saturating_sub(fail);
    let draws = (0..count).map(|index| {
        let spec = Spec {
            prompt: job.prompt.clone(),
            index,
            width: job.resolved.width,
            height: job.resolved.height,
            references: job.references.clone(),
            encoding: job.encoding,
        };
        let s = s.clone();
        tokio::task::spawn_blocking(move || s.cache.image(&spec))
    });
    // Encode the answer while the latency floor runs, so the configured latency is what
    // a client sees (plus transfer), not latency + encoding.
    let build = async {
        let pngs = futures::future::join_all(draws).await;
        if count == 0 {
            return Err(ApiError::internal("Every output of this request failed (injected partial fault)."));
        }
        let mut data = Vec::new();
        for image in pngs {
            let image = image.map_err(|e| ApiError::internal(format!("image generation crashed: {e}")))?;
            data.push(match job.response_format {
                ResponseFormat::B64Json => {
                    json!({"b64_json": base64::engine::general_purpose::STANDARD.encode(&image)})
                }
                ResponseFormat::Url => json!({"url": s.files.url(base, image, job.encoding, s.cfg.url_ttl)}),
            });
        }
        let credits = job.resolved.credits_per_image * count as i64;
        if let Some(o) = &job.openai {
            let (answer, usd) = o.answer(&job.resolved, data);
            let body = serde_json::to_vec(&answer).map_err(|e| ApiError::internal(e.to_string()))?;
            return Ok((body, credits, usd));
        }
        let answer = json!({
            "created": ids::unix_now(),
            "data": data,
            "usage": {
                "credits": credits,
                "images": count,
                "model": job.resolved.variant_id,
                "size": format!("{}x{}", job.resolved.width, job.resolved.height),
            },
        });
        let body = serde_json::to_vec(&answer).map_err(|e| ApiError::internal(e.to_string()))?;
        Ok((body, credits, 0))
    };
    let (built, _) = tokio::join!(build, tokio::time::sleep_until(tokio::time::Instant::from_std(not_before)));
    let (answer, credits, usd_micros) = built?;
    Ok(Produced { answer, credits, usd_micros, images: count })
}

#[allow(clippy::too_many_arguments)]
fn submit_task(
    s: &Arc<Shared>,
    job: ImageRequest,
    slot: Slot,
    reservation: Reservation,
    duration: Duration,
    fault: Option<Fault>,
    base: String,
    meta: &mut ReqMeta,
) -> Response {
    let id = ids::task_id();
    let created_at = ids::unix_now();
    let started = Instant::now();
    s.tasks.insert(Task {
        id: id.clone(),
        model: job.model.clone(),
        created_at,
        started,
        duration,
        outcome: Outcome::Running,
    });
    let task_fail = fault.as_ref().is_some_and(|f| f.kind == FaultKind::TaskFail);
    let fail = fault.as_ref().filter(|f| f.kind == FaultKind::Partial).and_then(|f| f.fail_outputs);
    let shared = s.clone();
    let task_id = id.clone();
    let model = job.model.clone();
    tokio::spawn(async move {
        let _slot = slot;
        let work = async {
            if task_fail {
                tokio::time::sleep_until(tokio::time::Instant::from_std(started + duration)).await;
                Err(
                    json!({"code": "generation_failed", "message": "The image generation failed (injected task_fail fault)."}),
                )
            } else {
                produce(&shared, &job, started + duration, fail.unwrap_or(0), &base)
                    .await
                    .map_err(|e| json!({"code": e.type_name(), "message": e.message()}))
            }
        };
        let outcome = tokio::select! {
            _ = shared.shutdown.cancelled() => return,
            r = work => r,
        };
        let completed_at = ids::unix_now();
        match outcome {
            Ok(out) => {
                if shared.tasks.exists(&task_id) {
                    reservation.settle(out.credits);
                    shared.images_served.fetch_add(out.images as u64, Ordering::SeqCst);
                }
                shared.tasks.finish(
                    &task_id,
                    Outcome::Completed {
                        // Tasks keep the answer as a value (it is served inside `result`).
                        result: serde_json::from_slice(&out.answer).unwrap_or(Value::Null),
                        completed_at,
                    },
                );
            }
            Err(error) => {
                drop(reservation);
                shared.tasks.finish(&task_id, Outcome::Failed { error, completed_at });
            }
        }
    });
    let mut resp = Json(json!({
        "status": "submitted",
        "id": id,
        "progress": 0,
        "created_at": created_at,
        "model": model,
    }))
    .into_response();
    resp.headers_mut().insert(HeaderName::from_static(LATENCY_HEADER), HeaderValue::from(meta.latency_ms.unwrap_or(0)));
    resp
}

/// `GET /v1/tasks/{id}`
pub async fn get_task(State(s): State<Arc<Shared>>, Path(id): Path<String>, headers: HeaderMap, uri: Uri) -> Response {
    let mut meta = ReqMeta::default();
    let path = uri.path().to_string();
    let r = async {
        if s.cfg.flavour == Flavour::OpenAi {
            return Err(crate::openai::no_route("GET", &path));
        }
        check_auth(&headers, &s.cfg.keys)?;
        let model = s.tasks.model(&id);
        meta.model = model.clone();
        let models: Vec<&str> = model.as_deref().into_iter().collect();
        let fault = s.faults.take(&path, &models, RequestClass::Other);
        meta.fault = fault.as_ref().map(|f| f.kind.as_str().to_string());
        if let Some(r) = early_response(fault.as_ref(), &s).await {
            return Ok(r);
        }
        if let Some(f) = fault.as_ref().filter(|f| f.kind == FaultKind::Slow) {
            meta.fault_delay_ms = Some(f.delay().as_millis() as u64);
            tokio::time::sleep(f.delay()).await;
        }
        let task = s.tasks.json(&id).ok_or_else(|| ApiError::not_found(format!("No task with id '{id}'.")))?;
        Ok::<_, ApiError>(Json(task).into_response())
    }
    .await;
    let mut resp = r.unwrap_or_else(IntoResponse::into_response);
    resp.extensions_mut().insert(meta);
    resp
}

/// `GET /v1/models` and `GET /v1/models/{id}`
pub async fn models(State(s): State<Arc<Shared>>, headers: HeaderMap, uri: Uri) -> Response {
    let path = uri.path().to_string();
    let r = async {
        check_auth(&headers, &s.cfg.keys)?;
        let fault = s.faults.take(&path, &[], RequestClass::Other);
        if let Some(r) = early_response(fault.as_ref(), &s).await {
            return Ok(r);
        }
        if let Some(f) = fault.as_ref().filter(|f| f.kind == FaultKind::Slow) {
            tokio::time::sleep(f.delay()).await;
        }
        let obj = |e: &crate::catalog::ModelEntry| {
            json!({"id": e.id, "object": "model", "created": e.created, "owned_by": e.owned_by})
        };
        let openai = s.cfg.flavour == Flavour::OpenAi;
        match path.strip_prefix("/v1/models/") {
            Some(id) if openai => {
                let e = crate::openai::lookup(&s, id).ok_or_else(|| crate::openai::model_not_found(id))?;
                Ok(Json(obj(e)).into_response())
            }
            Some(id) => {
                let e = s.model(id).ok_or_else(|| ApiError::model_not_found(id))?;
                Ok(Json(obj(e)).into_response())
            }
            None if openai => {
                let mut data: Vec<Value> = crate::openai::MODELS.iter().map(obj).collect();
                data.extend(s.extras.iter().map(obj));
                Ok(Json(json!({"object": "list", "data": data})).into_response())
            }
            None => {
                let mut data: Vec<Value> = crate::catalog::listed(s.cfg.strict).map(obj).collect();
                data.extend(s.extras.iter().map(obj));
                Ok::<_, ApiError>(Json(json!({"object": "list", "data": data})).into_response())
            }
        }
    }
    .await;
    r.unwrap_or_else(IntoResponse::into_response)
}

/// The early answer of a fault that replaces the whole response (`status`, `hang`,
/// `close_mid_body`, `malformed_json`), or `None` for faults that shape the work.
pub async fn early_response(fault: Option<&Fault>, shared: &Shared) -> Option<Response> {
    let fault = fault?;
    match fault.kind {
        FaultKind::Status => {
            let status = StatusCode::from_u16(fault.status.unwrap_or(500)).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            Some(ApiError::injected(status, fault.retry_after, fault.body.clone(), fault.shape).into_response())
        }
        FaultKind::Hang => {
            shared.shutdown.cancelled().await;
            Some(ApiError::new(StatusCode::SERVICE_UNAVAILABLE, "The simulator is shutting down.").into_response())
        }
        FaultKind::MalformedJson => {
            let body = fault.body.clone().unwrap_or_else(|| {
                format!(
                    "{{\"created\": {}, \"data\": [{{\"b64_json\": \"iVBORw0KGgoAAAANSUhEUgAA",
                    crate::ids::unix_now()
                )
            });
            let mut r = (StatusCode::OK, body).into_response();
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            Some(r)
        }
        FaultKind::CloseMidBody => {
            let head = format!(
                "{{\"created\": {}, \"data\": [{{\"b64_json\": \"iVBORw0KGgoAAAANSUhEUgAABAAAAAQACAIAAADwf7zUAAAA",
                crate::ids::unix_now()
            );
            let stream = futures::stream::unfold(0u8, move |step| {
                let head = head.clone();
                async move {
                    match step {
                        0 => Some((Ok::<Bytes, std::io::Error>(Bytes::from(head)), 1)),
                        1 => {
                            tokio::time::sleep(Duration::from_millis(20)).await;
                            Some((
                                Err(std::io::Error::new(
                                    std::io::ErrorKind::ConnectionAborted,
                                    "injected close_mid_body",
                                )),
                                2,
                            ))
                        }
                        _ => None,
                    }
                }
            });
            let mut r = Response::new(Body::from_stream(stream));
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            Some(r)
        }
        _ => None,
    }
}

//! The HTTP client.

use std::fmt;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, RETRY_AFTER};
use reqwest::multipart::{Form, Part};
use reqwest::{Method, RequestBuilder, Response};
use serde_json::Value;
use tokio_util::sync::CancellationToken;
use tracing::debug;

use crate::config::{mask_key, ClientConfig};
use crate::describe::{redact, PartDescription, RequestBody, RequestDescription};
use crate::error::{
    classify, parse_error_body, parse_retry_after, truncate, ApiError, Endpoint, Error, Result,
};
use crate::types::{
    AnswerData, AnswerItem, AsyncTiming, EditRequest, GenerationRequest, ImageInput, ImageSource,
    ImagesAnswer, ImagesResult, ModelInfo, OutputImage, SyncTiming, TaskHandle, TaskState,
    TaskStatus, Timing,
};
use crate::wire::{self, elide_b64};
use crate::{
    API_KEY_ENV, PATH_ASYNC_EDITS, PATH_ASYNC_GENERATIONS, PATH_EDITS, PATH_GENERATIONS,
    PATH_MODELS, PATH_TASKS,
};

/// Largest error body read (the rest is dropped).
const ERROR_BODY_LIMIT: u64 = 256 * 1024;
/// Largest error body kept in [`ApiError::raw_body`].
const RAW_BODY_KEEP: usize = 4096;

/// What kind of request is being retried: decides which failures are retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    /// A sync generation or edit: runs (and charges) on the server.
    SyncPost,
    /// An async submission: accepted means charged later.
    Submit,
    /// A read: polls, models, downloads.
    Get,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// An answer read in full.
struct Answer {
    status: u16,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    body: Bytes,
    send_ms: f64,
    ttfb_ms: f64,
    body_ms: f64,
}

/// The Pixapi client. Cheap to clone (the connection pool is shared).
#[derive(Clone)]
pub struct Client {
    http: reqwest::Client,
    cfg: Arc<ClientConfig>,
    base: Arc<str>,
    auth: Option<HeaderValue>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.base)
            .field("config", &self.cfg)
            .finish()
    }
}

fn normalize_base(base: &str) -> Result<String> {
    let trimmed = base.trim().trim_end_matches('/');
    let trimmed = trimmed
        .strip_suffix("/v1")
        .unwrap_or(trimmed)
        .trim_end_matches('/');
    let url = url::Url::parse(trimmed).map_err(|e| Error::InvalidInput {
        detail: format!("base URL {:?} is not a URL: {e}", redact(base)),
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(Error::InvalidInput {
            detail: format!("base URL {:?} must be http(s)://host", redact(base)),
        }
        .into());
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::InvalidInput {
            detail: "base URL must not have a query or fragment".into(),
        }
        .into());
    }
    Ok(trimmed.to_string())
}

fn auth_header(key: Option<&str>) -> Result<Option<HeaderValue>> {
    match key {
        None => Ok(None),
        Some(k) => {
            let k = k.trim();
            if k.is_empty() {
                return Ok(None);
            }
            let mut v =
                HeaderValue::from_str(&format!("Bearer {k}")).map_err(|_| Error::InvalidInput {
                    detail: format!(
                        "the API key ({}) contains characters not allowed in a header",
                        mask_key(k)
                    ),
                })?;
            v.set_sensitive(true);
            Ok(Some(v))
        }
    }
}

/// Runs `fut` unless `cancel` fires first or it makes no progress for `limit`.
async fn guarded<F: Future>(
    cancel: &CancellationToken,
    limit: Duration,
    fut: F,
) -> Result<F::Output, Error> {
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(Error::Cancelled),
        r = tokio::time::timeout(limit, fut) => r.map_err(|_| Error::Timeout),
    }
}

async fn sleep_or_cancel(cancel: &CancellationToken, d: Duration) -> Result<(), Error> {
    if d.is_zero() {
        return if cancel.is_cancelled() {
            Err(Error::Cancelled)
        } else {
            Ok(())
        };
    }
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(Error::Cancelled),
        _ = tokio::time::sleep(d) => Ok(()),
    }
}

fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    redact(&cur.to_string())
}

fn map_send_error(e: reqwest::Error) -> Error {
    if e.is_connect() {
        Error::Connect {
            detail: root_cause(&e),
        }
    } else if e.is_timeout() {
        Error::Timeout
    } else if e.is_builder() {
        Error::InvalidInput {
            detail: root_cause(&e),
        }
    } else {
        Error::ConnectionLost { mid_body: false }
    }
}

fn map_body_error(e: reqwest::Error) -> Error {
    if e.is_timeout() {
        Error::Timeout
    } else {
        Error::ConnectionLost { mid_body: true }
    }
}

fn header_str(h: &HeaderMap, name: &str) -> Option<String> {
    h.get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn should_retry(op: Op, e: &Error, retry_on_lost_post: bool) -> bool {
    match e {
        Error::RateLimited { .. } | Error::Unavailable | Error::Connect { .. } => true,
        Error::Server { status } => match op {
            Op::SyncPost => *status == 500,
            Op::Submit => false,
            Op::Get => true,
        },
        Error::ConnectionLost { .. } | Error::Timeout => op == Op::Get || retry_on_lost_post,
        _ => false,
    }
}

fn form_text_part(name: &str, text: String) -> (String, Part) {
    (name.to_string(), Part::text(text))
}

fn file_part(img: &ImageInput) -> Result<Part> {
    Part::stream_with_length(
        reqwest::Body::from(img.bytes.clone()),
        img.bytes.len() as u64,
    )
    .file_name(img.file_name.clone())
    .mime_str(&img.mime)
    .map_err(|_| {
        Error::InvalidInput {
            detail: format!("{:?} is not a MIME type", img.mime),
        }
        .into()
    })
}

fn build_form(req: &EditRequest) -> Result<Form> {
    let mut form = Form::new();
    for (k, v) in req.text_fields() {
        let (k, p) = form_text_part(&k, v);
        form = form.part(k, p);
    }
    let field = req.image_part_name();
    for img in &req.images {
        form = form.part(field, file_part(img)?);
    }
    if let Some(m) = &req.mask {
        form = form.part("mask", file_part(m)?);
    }
    Ok(form)
}

fn validate_edit(req: &EditRequest) -> Result<()> {
    if req.images.is_empty() {
        return Err(Error::InvalidInput {
            detail: "an edit needs at least one reference image".into(),
        }
        .into());
    }
    if let Some(i) = req.images.iter().find(|i| i.bytes.is_empty()) {
        return Err(Error::InvalidInput {
            detail: format!("reference image {:?} is empty", i.file_name),
        }
        .into());
    }
    Ok(())
}

impl Client {
    /// A client for `cfg.base_url`. Fails only on a bad base URL or key, or if the TLS
    /// backend cannot start.
    pub fn new(cfg: ClientConfig) -> Result<Client> {
        let base = normalize_base(&cfg.base_url)?;
        let auth = auth_header(cfg.api_key.as_deref())?;
        let http = reqwest::Client::builder()
            .connect_timeout(cfg.connect_timeout)
            .user_agent(cfg.user_agent.clone())
            .tcp_nodelay(true)
            .pool_idle_timeout(Duration::from_secs(60))
            .build()
            .map_err(|e| Error::InvalidInput {
                detail: format!("cannot build the HTTP client: {}", root_cause(&e)),
            })?;
        Ok(Client {
            http,
            cfg: Arc::new(cfg),
            base: Arc::from(base),
            auth,
        })
    }

    /// The same client (and connection pool) with another key.
    pub fn with_key(&self, key: impl Into<String>) -> Result<Client> {
        let key = key.into();
        let auth = auth_header(Some(&key))?;
        let mut cfg = (*self.cfg).clone();
        cfg.api_key = Some(key);
        Ok(Client {
            http: self.http.clone(),
            cfg: Arc::new(cfg),
            base: self.base.clone(),
            auth,
        })
    }

    /// The normalized base URL (no trailing `/` or `/v1`).
    pub fn base_url(&self) -> &str {
        &self.base
    }

    pub fn config(&self) -> &ClientConfig {
        &self.cfg
    }

    /// `base_url` + `path`.
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    fn request(&self, method: Method, url: &str) -> RequestBuilder {
        let rb = self.http.request(method, url);
        match &self.auth {
            Some(a) => rb.header(AUTHORIZATION, a.clone()),
            None => rb,
        }
    }

    // ----- transport -------------------------------------------------------------------

    /// Reads a body with the size limit, the idle timeout and cancellation.
    async fn read_body(
        &self,
        mut resp: Response,
        limit: u64,
        cancel: &CancellationToken,
        t0: Instant,
    ) -> Result<(Bytes, f64, f64), Error> {
        let read_timeout = self.cfg.read_timeout;
        if let Some(cl) = resp.content_length() {
            if cl > limit {
                return Err(Error::TooLarge { limit });
            }
        }
        let capacity = resp.content_length().unwrap_or(0).min(limit) as usize;
        let mut first: Option<Bytes> = None;
        let mut buf: Option<BytesMut> = None;
        let mut total: u64 = 0;
        let mut t_first: Option<Instant> = None;
        while let Some(chunk) = guarded(cancel, read_timeout, resp.chunk())
            .await?
            .map_err(map_body_error)?
        {
            if t_first.is_none() {
                t_first = Some(Instant::now());
            }
            total += chunk.len() as u64;
            if total > limit {
                return Err(Error::TooLarge { limit });
            }
            match (&mut buf, first.take()) {
                (None, None) => first = Some(chunk),
                (None, Some(f)) => {
                    let mut b = BytesMut::with_capacity(capacity.max(f.len() + chunk.len()));
                    b.extend_from_slice(&f);
                    b.extend_from_slice(&chunk);
                    buf = Some(b);
                }
                (Some(b), _) => b.extend_from_slice(&chunk),
            }
        }
        let end = Instant::now();
        let t_first = t_first.unwrap_or(end);
        let body = match buf {
            Some(b) => b.freeze(),
            None => first.unwrap_or_default(),
        };
        Ok((body, ms(t_first - t0), ms(end - t_first)))
    }

    /// One attempt: send, read the head, read the body (the full one on success, at
    /// most [`ERROR_BODY_LIMIT`] otherwise).
    async fn attempt(
        &self,
        rb: RequestBuilder,
        limit: u64,
        cancel: &CancellationToken,
    ) -> Result<Answer, Error> {
        let t0 = Instant::now();
        let resp = guarded(cancel, self.cfg.read_timeout, rb.send())
            .await?
            .map_err(map_send_error)?;
        let send_ms = ms(t0.elapsed());
        let status = resp.status().as_u16();
        let request_id = header_str(resp.headers(), "x-request-id");
        let retry_after = header_str(resp.headers(), RETRY_AFTER.as_str())
            .and_then(|v| parse_retry_after(&v, SystemTime::now()));
        if resp.status().is_success() {
            let (body, ttfb_ms, body_ms) = self.read_body(resp, limit, cancel, t0).await?;
            return Ok(Answer {
                status,
                request_id,
                retry_after,
                body,
                send_ms,
                ttfb_ms,
                body_ms,
            });
        }
        // Error answer: its body is informative only; a failure to read it is not fatal.
        let body = if resp
            .content_length()
            .is_some_and(|cl| cl > ERROR_BODY_LIMIT)
        {
            Bytes::new()
        } else {
            match self.read_body(resp, ERROR_BODY_LIMIT, cancel, t0).await {
                Ok((b, _, _)) => b,
                Err(Error::Cancelled) => return Err(Error::Cancelled),
                Err(_) => Bytes::new(),
            }
        };
        Ok(Answer {
            status,
            request_id,
            retry_after,
            body,
            send_ms,
            ttfb_ms: send_ms,
            body_ms: 0.0,
        })
    }

    /// The [`ApiError`] for a non-2xx answer.
    fn error_from(&self, a: &Answer, endpoint: Endpoint, attempts: u32) -> ApiError {
        let info = parse_error_body(&a.body);
        let kind = classify(a.status, &info, a.retry_after, endpoint);
        ApiError {
            kind,
            request_id: a.request_id.clone().or(info.request_id),
            message: info.message.map(|m| redact(&m)),
            raw_body: raw_body_of(&a.body),
            http_status: Some(a.status),
            attempts,
        }
    }

    /// An [`ApiError`] about a 2xx answer that could not be used.
    fn answer_error(&self, kind: Error, a: &Answer, attempts: u32) -> ApiError {
        let info = parse_error_body(&a.body);
        ApiError {
            kind,
            request_id: a.request_id.clone().or(info.request_id),
            message: info.message.map(|m| redact(&m)),
            raw_body: raw_body_of(&a.body),
            http_status: Some(a.status),
            attempts,
        }
    }

    /// Sends with retries by `op`'s rules; returns the 2xx answer and the attempts made.
    async fn execute<F>(
        &self,
        op: Op,
        endpoint: Endpoint,
        limit: u64,
        cancel: &CancellationToken,
        build: F,
    ) -> Result<(Answer, u32)>
    where
        F: Fn() -> Result<RequestBuilder>,
    {
        let policy = &self.cfg.retry;
        let max = policy.max_attempts.max(1);
        let mut attempt = 0u32;
        loop {
            attempt += 1;
            if cancel.is_cancelled() {
                return Err(ApiError {
                    attempts: attempt - 1,
                    ..Error::Cancelled.into()
                });
            }
            let rb = build()?;
            let t = Instant::now();
            let (err, retry_after) = match self.attempt(rb, limit, cancel).await {
                Ok(a) if (200..300).contains(&a.status) => {
                    debug!(
                        ?op,
                        attempt,
                        status = a.status,
                        ms = ms(t.elapsed()),
                        bytes = a.body.len(),
                        "pixapi answer"
                    );
                    return Ok((a, attempt));
                }
                Ok(a) => (self.error_from(&a, endpoint, attempt), a.retry_after),
                Err(kind) => (
                    ApiError {
                        attempts: attempt,
                        ..kind.into()
                    },
                    None,
                ),
            };
            let retry = attempt < max && should_retry(op, &err.kind, policy.retry_on_lost_post);
            debug!(?op, attempt, status = ?err.http_status, error = %err.kind, retry, "pixapi request failed");
            if !retry {
                return Err(err);
            }
            let delay = policy.delay(attempt, retry_after);
            sleep_or_cancel(cancel, delay).await.map_err(|k| ApiError {
                attempts: attempt,
                ..k.into()
            })?;
        }
    }

    // ----- sync ------------------------------------------------------------------------

    /// `POST /v1/images/generations`: waits for the images, decodes them and downloads
    /// `url` outputs at once.
    pub async fn generate(
        &self,
        req: &GenerationRequest,
        cancel: &CancellationToken,
    ) -> Result<ImagesResult> {
        let answer = self.generate_answer(req, cancel).await?;
        self.fetch_images(answer, cancel).await
    }

    /// Like [`generate`](Self::generate) but leaves `url` outputs undownloaded: finish
    /// with [`fetch_images`](Self::fetch_images).
    pub async fn generate_answer(
        &self,
        req: &GenerationRequest,
        cancel: &CancellationToken,
    ) -> Result<ImagesAnswer> {
        let started = Instant::now();
        let body = json_body(req)?;
        let url = self.url(PATH_GENERATIONS);
        debug!(url = %url, model = %req.model, "pixapi generate");
        let (a, attempts) = self
            .execute(
                Op::SyncPost,
                Endpoint::Images,
                self.cfg.max_response_bytes,
                cancel,
                || {
                    Ok(self
                        .request(Method::POST, &url)
                        .header(CONTENT_TYPE, "application/json")
                        .body(body.clone()))
                },
            )
            .await?;
        self.images_answer(a, attempts, started)
    }

    /// `POST /v1/images/edits` (multipart): like [`generate`](Self::generate).
    pub async fn edit(
        &self,
        req: &EditRequest,
        cancel: &CancellationToken,
    ) -> Result<ImagesResult> {
        let answer = self.edit_answer(req, cancel).await?;
        self.fetch_images(answer, cancel).await
    }

    /// Like [`edit`](Self::edit) but leaves `url` outputs undownloaded.
    pub async fn edit_answer(
        &self,
        req: &EditRequest,
        cancel: &CancellationToken,
    ) -> Result<ImagesAnswer> {
        let started = Instant::now();
        validate_edit(req)?;
        let url = self.url(PATH_EDITS);
        debug!(url = %url, model = %req.model, images = req.images.len(), "pixapi edit");
        let (a, attempts) = self
            .execute(
                Op::SyncPost,
                Endpoint::Images,
                self.cfg.max_response_bytes,
                cancel,
                || Ok(self.request(Method::POST, &url).multipart(build_form(req)?)),
            )
            .await?;
        self.images_answer(a, attempts, started)
    }

    fn images_answer(&self, a: Answer, attempts: u32, started: Instant) -> Result<ImagesAnswer> {
        let t = Instant::now();
        let parsed = wire::parse_images(&a.body).map_err(|k| self.answer_error(k, &a, attempts))?;
        let decode_ms = ms(t.elapsed());
        Ok(ImagesAnswer {
            created: parsed.created,
            items: parsed.items,
            usage: parsed.usage,
            request_id: a.request_id.clone().or(parsed.request_id),
            http_status: a.status,
            raw_body_elided: elide_b64(&a.body),
            attempts,
            timing: SyncTiming {
                send_ms: a.send_ms,
                ttfb_ms: a.ttfb_ms,
                body_ms: a.body_ms,
                decode_ms,
                download_ms: 0.0,
                total_ms: 0.0,
            },
            started,
        })
    }

    /// Downloads the `url` outputs of an answer (concurrently) and completes its timing.
    pub async fn fetch_images(
        &self,
        answer: ImagesAnswer,
        cancel: &CancellationToken,
    ) -> Result<ImagesResult> {
        let t = Instant::now();
        let has_urls = answer
            .items
            .iter()
            .any(|i| matches!(i.data, AnswerData::Url(_)));
        let images = self.resolve_items(answer.items, cancel).await?;
        let mut timing = answer.timing;
        timing.download_ms = if has_urls { ms(t.elapsed()) } else { 0.0 };
        timing.total_ms = ms(answer.started.elapsed());
        Ok(ImagesResult {
            created: answer.created,
            images,
            usage: answer.usage,
            request_id: answer.request_id,
            http_status: answer.http_status,
            raw_body_elided: answer.raw_body_elided,
            timing: Timing::Sync(timing),
            attempts: answer.attempts,
        })
    }

    async fn resolve_items(
        &self,
        items: Vec<AnswerItem>,
        cancel: &CancellationToken,
    ) -> Result<Vec<OutputImage>> {
        let futs = items.into_iter().map(|it| async move {
            match it.data {
                AnswerData::Bytes(bytes) => Ok(OutputImage {
                    bytes,
                    source: ImageSource::B64,
                    revised_prompt: it.revised_prompt,
                }),
                AnswerData::Url(u) => {
                    let bytes = self.download(&u, cancel).await?;
                    Ok(OutputImage {
                        bytes,
                        source: ImageSource::Url(u),
                        revised_prompt: it.revised_prompt,
                    })
                }
            }
        });
        futures::future::try_join_all(futs).await
    }

    /// Downloads an output link (`data:` URLs are decoded in place; a path is taken
    /// relative to the base URL), within `max_response_bytes`. The key is sent only to
    /// the base URL's own origin. 404 or 410 give [`Error::UrlExpired`].
    pub async fn download(&self, url: &str, cancel: &CancellationToken) -> Result<Bytes> {
        if url.starts_with("data:") {
            let v = wire::decode_b64(url).map_err(|detail| Error::Malformed { detail })?;
            return Ok(Bytes::from(v));
        }
        let full = if url.starts_with('/') {
            self.url(url)
        } else {
            url.to_string()
        };
        let parsed = url::Url::parse(&full).map_err(|e| Error::Malformed {
            detail: format!("output URL {:?} is invalid: {e}", redact(url)),
        })?;
        if !matches!(parsed.scheme(), "http" | "https") {
            return Err(Error::Malformed {
                detail: format!("output URL scheme {:?} is not http(s)", parsed.scheme()),
            }
            .into());
        }
        let same_origin = url::Url::parse(&self.base)
            .map(|b| b.origin() == parsed.origin())
            .unwrap_or(false);
        let (a, _) = self
            .execute(
                Op::Get,
                Endpoint::Download,
                self.cfg.max_response_bytes,
                cancel,
                || {
                    Ok(if same_origin {
                        self.request(Method::GET, &full)
                    } else {
                        self.http.get(&full)
                    })
                },
            )
            .await?;
        if a.body.is_empty() {
            return Err(self.answer_error(
                Error::Malformed {
                    detail: "the image download is empty".into(),
                },
                &a,
                1,
            ));
        }
        Ok(a.body)
    }

    // ----- async -----------------------------------------------------------------------

    /// `POST /v1/async/images/generations`: the task handle. Persist `id` before polling.
    pub async fn submit_generation(
        &self,
        req: &GenerationRequest,
        cancel: &CancellationToken,
    ) -> Result<TaskHandle> {
        let body = json_body(req)?;
        let url = self.url(PATH_ASYNC_GENERATIONS);
        debug!(url = %url, model = %req.model, "pixapi submit generation");
        self.submit(cancel, || {
            Ok(self
                .request(Method::POST, &url)
                .header(CONTENT_TYPE, "application/json")
                .body(body.clone()))
        })
        .await
    }

    /// `POST /v1/async/images/edits` (multipart): the task handle.
    pub async fn submit_edit(
        &self,
        req: &EditRequest,
        cancel: &CancellationToken,
    ) -> Result<TaskHandle> {
        validate_edit(req)?;
        let url = self.url(PATH_ASYNC_EDITS);
        debug!(url = %url, model = %req.model, "pixapi submit edit");
        self.submit(cancel, || {
            Ok(self.request(Method::POST, &url).multipart(build_form(req)?))
        })
        .await
    }

    async fn submit<F>(&self, cancel: &CancellationToken, build: F) -> Result<TaskHandle>
    where
        F: Fn() -> Result<RequestBuilder>,
    {
        let started = Instant::now();
        let (a, attempts) = self
            .execute(
                Op::Submit,
                Endpoint::Images,
                self.cfg.max_response_bytes,
                cancel,
                build,
            )
            .await?;
        let raw: Value = serde_json::from_slice(&a.body).map_err(|e| {
            self.answer_error(
                Error::Malformed {
                    detail: format!("submit answer is not JSON: {e}"),
                },
                &a,
                attempts,
            )
        })?;
        let info = wire::task_info(&raw);
        let Some(id) = info.id else {
            return Err(self.answer_error(
                Error::Malformed {
                    detail: "the submit answer has no task id".into(),
                },
                &a,
                attempts,
            ));
        };
        debug!(task = %id, status = %info.status, attempts, "pixapi task submitted");
        Ok(TaskHandle {
            id,
            status: if info.status.is_empty() {
                "submitted".into()
            } else {
                info.status
            },
            progress: info.progress,
            raw,
            request_id: a.request_id.or(info.request_id),
            attempts,
            submit_ms: ms(started.elapsed()),
        })
    }

    fn task_url(&self, id: &str) -> Result<String> {
        if id.trim().is_empty() {
            return Err(Error::InvalidInput {
                detail: "empty task id".into(),
            }
            .into());
        }
        let mut enc = String::with_capacity(id.len());
        for b in id.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
                enc.push(b as char);
            } else {
                enc.push_str(&format!("%{b:02X}"));
            }
        }
        Ok(format!("{}{}/{}", self.base, PATH_TASKS, enc))
    }

    /// Reads a task answer; returns the status and the elided body text.
    fn task_status_from(&self, a: &Answer, id: &str) -> Result<(TaskStatus, String), Error> {
        let elided = elide_b64(&a.body);
        let raw: Value = serde_json::from_str(&elided).map_err(|e| Error::Malformed {
            detail: format!("task answer is not JSON: {e}"),
        })?;
        let info = wire::task_info(&raw);
        let status = TaskStatus {
            id: info.id.unwrap_or_else(|| id.to_string()),
            status: info.status,
            state: info.state,
            progress: info.progress,
            error: info.error.map(|e| redact(&e)),
            raw,
            http_status: a.status,
            request_id: a.request_id.clone().or(info.request_id),
        };
        Ok((status, elided))
    }

    /// `GET /v1/tasks/{id}` once (retried on transient failures).
    pub async fn get_task(&self, id: &str, cancel: &CancellationToken) -> Result<TaskStatus> {
        let url = self.task_url(id)?;
        let (a, attempts) = self
            .execute(
                Op::Get,
                Endpoint::Task,
                self.cfg.max_response_bytes,
                cancel,
                || Ok(self.request(Method::GET, &url)),
            )
            .await?;
        self.task_status_from(&a, id)
            .map(|(s, _)| s)
            .map_err(|k| self.answer_error(k, &a, attempts))
    }

    /// Polls `GET /v1/tasks/{id}` with backoff until the task is `completed` (then
    /// decodes and downloads its images) or `failed` ([`Error::TaskFailed`]).
    /// `on_update` sees every status read. Unknown statuses count as running. Transient
    /// failures of a poll are answered by polling again (at most
    /// `poll.max_consecutive_errors` in a row); the task is never resubmitted. Past
    /// `poll.deadline`: [`Error::PollDeadline`].
    pub async fn wait_task(
        &self,
        id: &str,
        cancel: &CancellationToken,
        mut on_update: impl FnMut(&TaskStatus) + Send,
    ) -> Result<ImagesResult> {
        self.wait_inner(
            id,
            cancel,
            &mut on_update,
            Instant::now(),
            AsyncTiming::default(),
            1,
            None,
        )
        .await
    }

    /// Submit, then [`wait_task`](Self::wait_task). `on_submitted` is called with the
    /// handle before the first poll: persist the task id there.
    pub async fn generate_async(
        &self,
        req: &GenerationRequest,
        cancel: &CancellationToken,
        on_submitted: impl FnOnce(&TaskHandle) + Send,
        mut on_update: impl FnMut(&TaskStatus) + Send,
    ) -> Result<ImagesResult> {
        let started = Instant::now();
        let h = self.submit_generation(req, cancel).await?;
        self.wait_submitted(h, started, cancel, on_submitted, &mut on_update).await
    }

    /// Submit an edit, then [`wait_task`](Self::wait_task).
    pub async fn edit_async(
        &self,
        req: &EditRequest,
        cancel: &CancellationToken,
        on_submitted: impl FnOnce(&TaskHandle) + Send,
        mut on_update: impl FnMut(&TaskStatus) + Send,
    ) -> Result<ImagesResult> {
        let started = Instant::now();
        let h = self.submit_edit(req, cancel).await?;
        self.wait_submitted(h, started, cancel, on_submitted, &mut on_update).await
    }

    /// The task just submitted: hands its id over, then polls it to the end.
    async fn wait_submitted(
        &self,
        h: TaskHandle,
        started: Instant,
        cancel: &CancellationToken,
        on_submitted: impl FnOnce(&TaskHandle) + Send,
        on_update: &mut (dyn FnMut(&TaskStatus) + Send),
    ) -> Result<ImagesResult> {
        on_submitted(&h);
        let timing = AsyncTiming {
            submit_ms: h.submit_ms,
            ..Default::default()
        };
        self.wait_inner(&h.id, cancel, on_update, started, timing, h.attempts, h.request_id.clone())
            .await
    }

    #[allow(clippy::too_many_arguments)]
    async fn wait_inner(
        &self,
        id: &str,
        cancel: &CancellationToken,
        on_update: &mut (dyn FnMut(&TaskStatus) + Send),
        started: Instant,
        mut timing: AsyncTiming,
        attempts: u32,
        submit_request_id: Option<String>,
    ) -> Result<ImagesResult> {
        let url = self.task_url(id)?;
        let policy = &self.cfg.poll;
        let wait_start = Instant::now();
        let deadline = wait_start + policy.deadline;
        let mut interval = policy.initial_interval;
        let mut errors = 0u32;
        loop {
            if cancel.is_cancelled() {
                return Err(Error::Cancelled.into());
            }
            timing.polls += 1;
            let outcome = match self
                .attempt(
                    self.request(Method::GET, &url),
                    self.cfg.max_response_bytes,
                    cancel,
                )
                .await
            {
                Ok(a) if (200..300).contains(&a.status) => match self.task_status_from(&a, id) {
                    Ok((st, elided)) => Ok((a, st, elided)),
                    Err(k) => Err((self.answer_error(k, &a, 1), None)),
                },
                Ok(a) => Err((self.error_from(&a, Endpoint::Task, 1), a.retry_after)),
                Err(k) => Err((k.into(), None)),
            };
            let pause = match outcome {
                Ok((a, st, elided)) => {
                    errors = 0;
                    debug!(task = %id, status = %st.status, progress = ?st.progress, poll = timing.polls, "pixapi poll");
                    on_update(&st);
                    match st.state {
                        TaskState::Completed => {
                            timing.wait_ms = ms(wait_start.elapsed());
                            let t = Instant::now();
                            let parsed = wire::parse_task_images(&a.body)
                                .map_err(|k| self.answer_error(k, &a, attempts))?;
                            timing.decode_ms = ms(t.elapsed());
                            let t = Instant::now();
                            let has_urls = parsed
                                .items
                                .iter()
                                .any(|i| matches!(i.data, AnswerData::Url(_)));
                            let images = self.resolve_items(parsed.items, cancel).await?;
                            timing.download_ms = if has_urls { ms(t.elapsed()) } else { 0.0 };
                            timing.total_ms = ms(started.elapsed());
                            return Ok(ImagesResult {
                                created: parsed.created,
                                images,
                                usage: parsed.usage,
                                request_id: submit_request_id.or(st.request_id),
                                http_status: a.status,
                                raw_body_elided: elided,
                                timing: Timing::Async(timing),
                                attempts,
                            });
                        }
                        TaskState::Failed => {
                            let message = st
                                .error
                                .clone()
                                .unwrap_or_else(|| "the server gave no reason".into());
                            return Err(ApiError {
                                kind: Error::TaskFailed {
                                    message: message.clone(),
                                },
                                request_id: st.request_id.or(submit_request_id),
                                message: Some(message),
                                raw_body: Some(truncate(redact(&elided), RAW_BODY_KEEP)),
                                http_status: Some(a.status),
                                attempts,
                            });
                        }
                        TaskState::Running => {
                            let p = interval;
                            interval = policy.next_interval(interval);
                            p
                        }
                    }
                }
                Err((e, retry_after)) => {
                    let transient = matches!(
                        e.kind,
                        Error::Connect { .. }
                            | Error::ConnectionLost { .. }
                            | Error::Timeout
                            | Error::Server { .. }
                            | Error::Unavailable
                            | Error::RateLimited { .. }
                            | Error::Malformed { .. }
                    );
                    errors += 1;
                    debug!(task = %id, error = %e.kind, errors, transient, "pixapi poll failed");
                    if !transient || errors > policy.max_consecutive_errors {
                        return Err(ApiError { attempts, ..e });
                    }
                    match retry_after {
                        Some(ra) if self.cfg.retry.honour_retry_after => {
                            ra.min(self.cfg.retry.max_retry_after)
                        }
                        _ => interval,
                    }
                }
            };
            let now = Instant::now();
            if now >= deadline {
                return Err(ApiError {
                    attempts,
                    ..Error::PollDeadline.into()
                });
            }
            sleep_or_cancel(cancel, pause.min(deadline - now)).await?;
        }
    }

    // ----- models ----------------------------------------------------------------------

    /// `GET /v1/models`: every entry with an id, whatever the answer's shape.
    pub async fn list_models(&self, cancel: &CancellationToken) -> Result<Vec<ModelInfo>> {
        let url = self.url(PATH_MODELS);
        let (a, attempts) = self
            .execute(
                Op::Get,
                Endpoint::Models,
                self.cfg.max_response_bytes,
                cancel,
                || Ok(self.request(Method::GET, &url)),
            )
            .await?;
        wire::parse_models(&a.body).map_err(|k| self.answer_error(k, &a, attempts))
    }

    // ----- description -----------------------------------------------------------------

    fn described_headers(&self, content_type: &str) -> Vec<(String, String)> {
        let mut h = Vec::new();
        if self.auth.is_some() {
            h.push((
                "Authorization".to_string(),
                format!("Bearer ${API_KEY_ENV}"),
            ));
        }
        h.push(("Content-Type".to_string(), content_type.to_string()));
        h.push(("User-Agent".to_string(), self.cfg.user_agent.clone()));
        h
    }

    fn describe_json(&self, path: &str, req: &GenerationRequest) -> RequestDescription {
        RequestDescription {
            method: "POST".into(),
            url: self.url(path),
            headers: self.described_headers("application/json"),
            body: RequestBody::Json(serde_json::to_value(req).unwrap_or(Value::Null)),
        }
    }

    fn describe_multipart(&self, path: &str, req: &EditRequest) -> RequestDescription {
        let mut parts: Vec<PartDescription> = req
            .text_fields()
            .into_iter()
            .map(|(name, text)| PartDescription {
                name,
                file_name: None,
                mime: None,
                size: text.len(),
                text: Some(text),
            })
            .collect();
        let file = |name: &str, i: &ImageInput| PartDescription {
            name: name.to_string(),
            file_name: Some(i.file_name.clone()),
            mime: Some(i.mime.clone()),
            size: i.bytes.len(),
            text: None,
        };
        parts.extend(
            req.images
                .iter()
                .map(|i| file(req.image_part_name(), i)),
        );
        parts.extend(req.mask.iter().map(|m| file("mask", m)));
        RequestDescription {
            method: "POST".into(),
            url: self.url(path),
            headers: self.described_headers("multipart/form-data; boundary=<generated>"),
            body: RequestBody::Multipart(parts),
        }
    }

    /// What [`generate`](Self::generate) sends, the key shown as `$PIXAPI_KEY`.
    pub fn describe_generation(&self, req: &GenerationRequest) -> RequestDescription {
        self.describe_json(PATH_GENERATIONS, req)
    }

    /// What [`submit_generation`](Self::submit_generation) sends.
    pub fn describe_async_generation(&self, req: &GenerationRequest) -> RequestDescription {
        self.describe_json(PATH_ASYNC_GENERATIONS, req)
    }

    /// What [`edit`](Self::edit) sends: one part per field and per file, in order.
    pub fn describe_edit(&self, req: &EditRequest) -> RequestDescription {
        self.describe_multipart(PATH_EDITS, req)
    }

    /// What [`submit_edit`](Self::submit_edit) sends.
    pub fn describe_async_edit(&self, req: &EditRequest) -> RequestDescription {
        self.describe_multipart(PATH_ASYNC_EDITS, req)
    }
}

fn json_body(req: &GenerationRequest) -> Result<Bytes> {
    serde_json::to_vec(req).map(Bytes::from).map_err(|e| {
        Error::InvalidInput {
            detail: format!("cannot encode the request: {e}"),
        }
        .into()
    })
}

fn raw_body_of(body: &[u8]) -> Option<String> {
    if body.is_empty() {
        None
    } else {
        Some(truncate(redact(&elide_b64(body)), RAW_BODY_KEEP))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every call's future is `Send`, so callers can `tokio::spawn` it.
    #[allow(dead_code)]
    fn futures_are_send(c: &Client, g: &GenerationRequest, e: &EditRequest, t: &CancellationToken) {
        fn send<T: Send>(_: T) {}
        send(c.generate(g, t));
        send(c.generate_answer(g, t));
        send(c.edit(e, t));
        send(c.submit_generation(g, t));
        send(c.submit_edit(e, t));
        send(c.get_task("x", t));
        send(c.wait_task("x", t, |_| {}));
        send(c.generate_async(g, t, |_| {}, |_| {}));
        send(c.edit_async(e, t, |_| {}, |_| {}));
        send(c.list_models(t));
        send(c.download("x", t));
    }

    #[test]
    fn base_url_normalization() {
        assert_eq!(
            normalize_base("https://api.pixapi.ai/").unwrap(),
            "https://api.pixapi.ai"
        );
        assert_eq!(
            normalize_base("https://api.pixapi.ai/v1/").unwrap(),
            "https://api.pixapi.ai"
        );
        assert_eq!(
            normalize_base("http://127.0.0.1:9/prefix").unwrap(),
            "http://127.0.0.1:9/prefix"
        );
        assert!(normalize_base("ftp://x").is_err());
        assert!(normalize_base("not a url").is_err());
    }

    #[test]
    fn retry_rules_by_request_kind() {
        let lost = Error::ConnectionLost { mid_body: false };
        assert!(should_retry(
            Op::SyncPost,
            &Error::RateLimited { retry_after: None },
            false
        ));
        assert!(should_retry(
            Op::SyncPost,
            &Error::Server { status: 500 },
            false
        ));
        assert!(!should_retry(
            Op::SyncPost,
            &Error::Server { status: 504 },
            false
        ));
        assert!(should_retry(Op::SyncPost, &Error::Unavailable, false));
        assert!(!should_retry(Op::SyncPost, &lost, false));
        assert!(should_retry(Op::SyncPost, &lost, true));
        assert!(!should_retry(Op::SyncPost, &Error::Timeout, false));
        assert!(!should_retry(
            Op::Submit,
            &Error::Server { status: 500 },
            false
        ));
        assert!(should_retry(
            Op::Submit,
            &Error::Connect {
                detail: String::new()
            },
            false
        ));
        assert!(should_retry(Op::Get, &lost, false));
        assert!(should_retry(Op::Get, &Error::Server { status: 502 }, false));
        assert!(!should_retry(Op::Get, &Error::UrlExpired, false));
        assert!(!should_retry(
            Op::SyncPost,
            &Error::InsufficientCredits,
            false
        ));
    }

    #[test]
    fn task_ids_are_escaped() {
        let c = Client::new(ClientConfig::new("http://h:1")).unwrap();
        assert_eq!(
            c.task_url("task_01AB").unwrap(),
            "http://h:1/v1/tasks/task_01AB"
        );
        assert_eq!(
            c.task_url("a/b c").unwrap(),
            "http://h:1/v1/tasks/a%2Fb%20c"
        );
        assert!(c.task_url(" ").is_err());
    }

    #[test]
    fn client_debug_hides_key() {
        let c = Client::new(
            ClientConfig::new("http://h:1").with_api_key("sk_live_0123456789abcdefXYZW"),
        )
        .unwrap();
        let s = format!("{c:?}");
        assert!(!s.contains("0123456789abcdef"), "{s}");
        let c2 = c.with_key("sk_other_key_987654321").unwrap();
        assert!(!format!("{c2:?}").contains("987654321"));
        assert_eq!(c2.base_url(), "http://h:1");
    }

    #[test]
    fn describe_hides_key() {
        let c =
            Client::new(ClientConfig::new("http://h:1").with_api_key("sk_live_0123456789abcdef"))
                .unwrap();
        let mut req = GenerationRequest::new("m", "p");
        req.n = Some(1);
        let d = c.describe_generation(&req);
        assert_eq!(d.url, "http://h:1/v1/images/generations");
        assert_eq!(
            d.headers[0],
            ("Authorization".into(), "Bearer $PIXAPI_KEY".into())
        );
        assert!(!serde_json::to_string(&d).unwrap().contains("0123456789"));
        let e = EditRequest::new(
            "m",
            "p",
            vec![ImageInput::from_bytes("a.png", &b"\x89PNG\r\n\x1a\nxx"[..])],
        );
        let d = c.describe_edit(&e);
        match &d.body {
            RequestBody::Multipart(parts) => {
                let img = parts.iter().find(|p| p.name == "image[]").unwrap();
                assert_eq!(img.size, 10);
                assert_eq!(img.mime.as_deref(), Some("image/png"));
            }
            b => panic!("{b:?}"),
        }
    }
}

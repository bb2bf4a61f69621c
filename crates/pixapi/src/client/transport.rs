use std::future::Future;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime};

use bytes::{Bytes, BytesMut};
use reqwest::header::{HeaderMap, LOCATION, RETRY_AFTER};
use reqwest::{RequestBuilder, Response};
use tokio_util::sync::CancellationToken;
use tracing::debug;

use super::Client;
use crate::describe::redact;
use crate::error::{
    classify, parse_error_body, parse_retry_after, plausible_request_id, truncate, ApiError, Endpoint, Error, Result,
};
use crate::inline::{Inline, InlineScan, Streamed};
use crate::wire::elide_b64;

/// Largest error body read (the rest is dropped).
const ERROR_BODY_LIMIT: u64 = 256 * 1024;
/// Largest error body kept in [`ApiError::raw_body`].
pub(super) const RAW_BODY_KEEP: usize = 4096;

/// What kind of request is being retried: decides which failures are retried.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Op {
    /// A sync generation or edit: runs (and charges) on the server.
    SyncPost,
    /// An async submission: accepted means charged later.
    Submit,
    /// A read: polls, models, downloads.
    Get,
}

pub(super) fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// An answer read in full.
pub(super) struct Answer {
    pub(super) status: u16,
    pub(super) request_id: Option<String>,
    pub(super) retry_after: Option<Duration>,
    pub(super) body: Bytes,
    /// The `Location` of a 3xx answer (one the client did not follow).
    pub(super) location: Option<String>,
    /// The inline images decoded while a 2xx body arrived (when asked for): `body` is
    /// then empty, and [`Answer::restore`] gives it back.
    pub(super) inline: Option<Inline>,
    pub(super) send_ms: f64,
    pub(super) ttfb_ms: f64,
    pub(super) body_ms: f64,
}

impl Answer {
    /// Puts the body as received back in `body` (from the skeleton and the decoded
    /// values), for the readers and error reports that want it whole.
    pub(super) fn restore(&mut self) {
        if let Some(i) = self.inline.take() {
            self.body = Bytes::from(i.original());
        }
    }

    /// `elide_b64` of the body as received.
    pub(super) fn elided(&self) -> String {
        match &self.inline {
            Some(i) => i.elided(),
            None => elide_b64(&self.body),
        }
    }

    /// The body as received (rebuilt when decoded on the way).
    pub(super) fn full_body(&self) -> std::borrow::Cow<'_, [u8]> {
        match &self.inline {
            Some(i) => std::borrow::Cow::Owned(i.original()),
            None => std::borrow::Cow::Borrowed(&self.body),
        }
    }
}

/// Bytes that several bodies read together may still take: the outputs of one answer
/// share one [`max_response_bytes`](crate::ClientConfig::max_response_bytes), so that
/// ten links to endless bodies cannot hold ten times the limit.
pub(super) struct Budget {
    left: AtomicU64,
    pub(super) limit: u64,
}

impl Budget {
    pub(super) fn new(limit: u64) -> Budget {
        Budget { left: AtomicU64::new(limit), limit }
    }

    /// Takes `n` bytes, or `false` (and nothing) if fewer are left.
    pub(super) fn take(&self, n: u64) -> bool {
        self.left.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |l| l.checked_sub(n)).is_ok()
    }

    pub(super) fn give(&self, n: u64) {
        self.left.fetch_add(n, Ordering::SeqCst);
    }

    pub(super) fn left(&self) -> u64 {
        self.left.load(Ordering::SeqCst)
    }
}

/// What one body took from a [`Budget`]; given back unless the body was kept.
struct Taken<'a> {
    budget: Option<&'a Budget>,
    bytes: u64,
    keep: bool,
}

impl Drop for Taken<'_> {
    fn drop(&mut self) {
        if let (Some(b), false) = (self.budget, self.keep) {
            b.give(self.bytes);
        }
    }
}

/// Runs `fut` unless `cancel` fires first or it makes no progress for `limit`.
async fn guarded<F: Future>(cancel: &CancellationToken, limit: Duration, fut: F) -> Result<F::Output, Error> {
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(Error::Cancelled),
        r = tokio::time::timeout(limit, fut) => r.map_err(|_| Error::Timeout),
    }
}

pub(super) async fn sleep_or_cancel(cancel: &CancellationToken, d: Duration) -> Result<(), Error> {
    if d.is_zero() {
        return if cancel.is_cancelled() { Err(Error::Cancelled) } else { Ok(()) };
    }
    tokio::select! {
        biased;
        _ = cancel.cancelled() => Err(Error::Cancelled),
        _ = tokio::time::sleep(d) => Ok(()),
    }
}

pub(super) fn root_cause(e: &(dyn std::error::Error + 'static)) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    redact(&cur.to_string())
}

fn map_send_error(e: reqwest::Error) -> Error {
    // The output-URL policy refused a redirect or every address of a name.
    if let Some(r) = crate::net::refusal_in(&e) {
        return Error::RefusedUrl { detail: r.0 };
    }
    if e.is_connect() {
        Error::Connect { detail: root_cause(&e) }
    } else if e.is_timeout() {
        Error::Timeout
    } else if e.is_builder() {
        Error::InvalidInput { detail: root_cause(&e) }
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
    h.get(name).and_then(|v| v.to_str().ok()).map(str::trim).filter(|s| !s.is_empty()).map(str::to_string)
}

fn should_retry(op: Op, e: &Error, retry_on_lost_post: bool) -> bool {
    match e {
        Error::RateLimited { .. } | Error::Unavailable | Error::Connect { .. } => true,
        Error::Server { status } => match op {
            Op::SyncPost => *status == 500,
            Op::Submit => false,
            Op::Get => true,
        },
        Error::ConnectionLost { .. } | Error::Timeout | Error::TooSlow { .. } => op == Op::Get || retry_on_lost_post,
        _ => false,
    }
}

impl Client {
    // ----- transport -------------------------------------------------------------------

    /// Reads a body with the size limit (and the shared `budget`, if any), the idle
    /// timeout, the pace and cancellation.
    async fn read_body(
        &self,
        mut resp: Response,
        limit: u64,
        budget: Option<&Budget>,
        cancel: &CancellationToken,
        t0: Instant,
        mut scan: Option<&mut InlineScan>,
    ) -> Result<(Bytes, f64, f64), Error> {
        let read_timeout = self.cfg.read_timeout;
        if let Some(cl) = resp.content_length() {
            if cl > limit {
                return Err(Error::TooLarge { limit });
            }
            if let Some(b) = budget.filter(|b| cl > b.left()) {
                return Err(Error::TooLarge { limit: b.limit });
            }
        }
        let mut taken = Taken { budget, bytes: 0, keep: false };
        let capacity = resp.content_length().unwrap_or(0).min(limit) as usize;
        let mut first: Option<Bytes> = None;
        let mut buf: Option<BytesMut> = None;
        let mut total: u64 = 0;
        let mut t_first: Option<Instant> = None;
        let head = Instant::now();
        loop {
            // The pace: the body may take read_timeout, plus a second per MIN_BODY_RATE
            // bytes received; each chunk may take read_timeout.
            let allowed = read_timeout + Duration::from_secs_f64(total as f64 / crate::MIN_BODY_RATE as f64);
            let left = allowed.saturating_sub(head.elapsed());
            let wait = read_timeout.min(left);
            let next = match guarded(cancel, wait, resp.chunk()).await {
                // Bytes came, but too slowly (an idle body is a plain timeout).
                Err(Error::Timeout) if total > 0 && left <= read_timeout => {
                    return Err(Error::TooSlow { received: total, secs: head.elapsed().as_secs() })
                }
                r => r?.map_err(map_body_error)?,
            };
            let Some(chunk) = next else { break };
            if t_first.is_none() {
                t_first = Some(Instant::now());
            }
            total += chunk.len() as u64;
            if total > limit {
                return Err(Error::TooLarge { limit });
            }
            if let Some(b) = budget {
                if !b.take(chunk.len() as u64) {
                    return Err(Error::TooLarge { limit: b.limit });
                }
                taken.bytes += chunk.len() as u64;
            }
            // A scanned body is kept by the scanner (without its decoded base64).
            if let Some(s) = scan.as_deref_mut() {
                s.feed(&chunk);
                continue;
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
        taken.keep = true;
        let end = Instant::now();
        let t_first = t_first.unwrap_or(end);
        let body = match buf {
            Some(b) => b.freeze(),
            None => first.unwrap_or_default(),
        };
        Ok((body, ms(t_first - t0), ms(end - t_first)))
    }

    /// One attempt: send, read the head, read the body (the full one on success, at
    /// most [`ERROR_BODY_LIMIT`] otherwise). With `inline`, the `b64_json` values of a
    /// 2xx body are decoded as it arrives ([`crate::inline`]). With `paid`, a 2xx body is
    /// read to its end even if `cancel` fires meanwhile: the server has done (or accepted)
    /// the work that is charged, so its images or its task id are ours; the read is still
    /// bounded by the size limit and the pace.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn attempt(
        &self,
        rb: RequestBuilder,
        limit: u64,
        budget: Option<&Budget>,
        cancel: &CancellationToken,
        inline: bool,
        paid: bool,
    ) -> Result<Answer, Error> {
        let t0 = Instant::now();
        let resp = guarded(cancel, self.cfg.read_timeout, rb.send()).await?.map_err(map_send_error)?;
        let send_ms = ms(t0.elapsed());
        let status = resp.status().as_u16();
        let request_id = header_str(resp.headers(), "x-request-id").and_then(|s| plausible_request_id(&s));
        let retry_after =
            header_str(resp.headers(), RETRY_AFTER.as_str()).and_then(|v| parse_retry_after(&v, SystemTime::now()));
        let location = resp.status().is_redirection().then(|| header_str(resp.headers(), LOCATION.as_str())).flatten();
        if resp.status().is_success() {
            let inline = inline && self.cfg.decode_while_receiving;
            let mut scan = inline.then(|| InlineScan::new(resp.content_length()));
            let uncancelled = CancellationToken::new();
            let body_cancel = if paid { &uncancelled } else { cancel };
            let (body, ttfb_ms, body_ms) = self.read_body(resp, limit, budget, body_cancel, t0, scan.as_mut()).await?;
            let (body, inline) = match scan.map(InlineScan::finish) {
                Some(Streamed::Decoded(i)) => (Bytes::new(), Some(i)),
                Some(Streamed::Whole(b)) => (b, None),
                None => (body, None),
            };
            return Ok(Answer {
                status,
                request_id,
                retry_after,
                body,
                location: None,
                inline,
                send_ms,
                ttfb_ms,
                body_ms,
            });
        }
        // Error answer: its body is informative only; a failure to read it is not fatal.
        let body = if resp.content_length().is_some_and(|cl| cl > ERROR_BODY_LIMIT) {
            Bytes::new()
        } else {
            match self.read_body(resp, ERROR_BODY_LIMIT, None, cancel, t0, None).await {
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
            location,
            inline: None,
            send_ms,
            ttfb_ms: send_ms,
            body_ms: 0.0,
        })
    }

    /// The [`ApiError`] for a non-2xx answer.
    pub(super) fn error_from(&self, a: &Answer, endpoint: Endpoint, attempts: u32) -> ApiError {
        let info = parse_error_body(&a.body);
        let kind = match &a.location {
            // A redirect that reached here was not followed: its target is not a URL
            // the HTTP stack takes (`file:`, ...). Say where it pointed.
            Some(loc) => redirect_refusal(loc),
            None => classify(a.status, &info, a.retry_after, endpoint),
        };
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
    pub(super) fn answer_error(&self, kind: Error, a: &Answer, attempts: u32) -> ApiError {
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
    pub(super) async fn execute<F>(
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
        self.execute_within(op, endpoint, limit, None, false, cancel, build).await
    }

    /// Like [`execute`](Self::execute), decoding inline images as the body arrives.
    pub(super) async fn execute_inline<F>(
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
        self.execute_within(op, endpoint, limit, None, true, cancel, build).await
    }

    /// Like [`execute`](Self::execute), the body also counted against `budget`, and its
    /// inline images decoded as it arrives with `inline`.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn execute_within<F>(
        &self,
        op: Op,
        endpoint: Endpoint,
        limit: u64,
        budget: Option<&Budget>,
        inline: bool,
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
                return Err(ApiError { attempts: attempt - 1, ..Error::Cancelled.into() });
            }
            let rb = build()?;
            let t = Instant::now();
            let (err, retry_after) = match self.attempt(rb, limit, budget, cancel, inline, op != Op::Get).await {
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
                Err(kind) => (ApiError { attempts: attempt, ..kind.into() }, None),
            };
            let retry = attempt < max && should_retry(op, &err.kind, policy.retry_on_lost_post);
            debug!(?op, attempt, status = ?err.http_status, error = %err.kind, retry, "pixapi request failed");
            if !retry {
                return Err(err);
            }
            let delay = policy.delay(attempt, retry_after);
            sleep_or_cancel(cancel, delay).await.map_err(|k| ApiError { attempts: attempt, ..k.into() })?;
        }
    }
}

fn redirect_refusal(location: &str) -> Error {
    let shown = truncate(redact(location), 200);
    let detail = match url::Url::parse(location) {
        Ok(u) if !matches!(u.scheme(), "http" | "https") => {
            format!("the server redirected to a {}: URL ({shown}), and only http(s) links are followed", u.scheme())
        }
        _ => format!("the server redirected to {shown}, which is not followed"),
    };
    Error::RefusedUrl { detail }
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

    #[test]
    fn retry_rules_by_request_kind() {
        let lost = Error::ConnectionLost { mid_body: false };
        assert!(should_retry(Op::SyncPost, &Error::RateLimited { retry_after: None }, false));
        assert!(should_retry(Op::SyncPost, &Error::Server { status: 500 }, false));
        assert!(!should_retry(Op::SyncPost, &Error::Server { status: 504 }, false));
        assert!(should_retry(Op::SyncPost, &Error::Unavailable, false));
        assert!(!should_retry(Op::SyncPost, &lost, false));
        assert!(should_retry(Op::SyncPost, &lost, true));
        assert!(!should_retry(Op::SyncPost, &Error::Timeout, false));
        assert!(!should_retry(Op::Submit, &Error::Server { status: 500 }, false));
        assert!(should_retry(Op::Submit, &Error::Connect { detail: String::new() }, false));
        assert!(should_retry(Op::Get, &lost, false));
        assert!(should_retry(Op::Get, &Error::Server { status: 502 }, false));
        assert!(!should_retry(Op::Get, &Error::UrlExpired, false));
        assert!(!should_retry(Op::SyncPost, &Error::InsufficientCredits, false));
    }
}

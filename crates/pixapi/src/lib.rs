//! # pixapi: the Pixapi wire contract and its HTTP client
//!
//! Typed requests and answers of Pixapi's OpenAI-compatible image API
//! (`docs/CONTRACT.md`), and a [`Client`] (reqwest + rustls, tokio) that sends them:
//! sync generations and edits, async submit and poll, model listing, downloads of `url`
//! outputs, with typed errors, bounded retries, cancellation and per-phase timing.
//!
//! **For**: anything that talks to Pixapi or a compatible server (the app's core, the
//! CLI, benchmarks, tests against `pixapi-sim`). **Not for**: catalogs and prices,
//! credit ledgers, storage, key storage (the caller passes the key in; this crate never
//! writes it anywhere), image processing. It knows nothing of the app.
//!
//! ```no_run
//! # async fn demo() -> pixapi::Result<()> {
//! use pixapi::{Client, ClientConfig, GenerationRequest, ResponseFormat};
//! use tokio_util::sync::CancellationToken;
//!
//! let client = Client::new(ClientConfig::new("https://api.pixapi.ai").with_api_key("sk_..."))?;
//! let mut req = GenerationRequest::new("nano-banana-2", "a lighthouse at dusk");
//! req.response_format = Some(ResponseFormat::B64Json);
//! let out = client.generate(&req, &CancellationToken::new()).await?;
//! println!("{} images in {:.0} ms", out.images.len(), out.timing.total_ms());
//! # Ok(()) }
//! ```
//!
//! ## Calls
//! Every call takes a [`CancellationToken`](tokio_util::sync::CancellationToken); when
//! it fires, the call returns [`Error::Cancelled`] at once and the in-flight request is
//! dropped (its connection closed). A request the server already accepted may still
//! run and be charged.
//!
//! ## Timing (all `f64` milliseconds, measured with a monotonic clock)
//! Sync ([`SyncTiming`]), for the final attempt unless said otherwise:
//! - `send_ms`: start of the attempt to the response head (status and headers)
//!   received: connection set-up if no pooled connection was free, upload, server time.
//! - `ttfb_ms`: start of the attempt to the first byte of the body (`>= send_ms`).
//! - `body_ms`: first to last byte of the body.
//! - `decode_ms`: JSON parse plus base64 decoding of the inline images.
//! - `download_ms`: wall time to fetch all `url` outputs (concurrently); 0 if none.
//! - `total_ms`: the whole call, every attempt and backoff wait included.
//!
//! Async ([`AsyncTiming`]):
//! - `submit_ms`: the submit `POST` with its retries, until the task id was read.
//! - `wait_ms`: start of polling until a poll answer saying `completed` was read
//!   (queue, processing, and the poll interval's granularity).
//! - `decode_ms`, `download_ms`: as above, for the final task answer.
//! - `polls`: `GET /v1/tasks/{id}` requests sent, failed ones included.
//! - `total_ms`: the whole call.
//!
//! The client adds little: bodies are read once into one buffer (checked against
//! `max_response_bytes` from `Content-Length` and while streaming), parsed from that
//! slice with borrowed strings, and base64 is decoded straight from it.
//!
//! ## Retries ([`RetryPolicy`])
//! Bounded by `max_attempts` (default 3, the first included), with exponential backoff
//! and full jitter (`random(0, min(max_delay, base_delay * 2^k))`); a `Retry-After`
//! header (seconds or HTTP date) is honoured instead, capped by `max_retry_after`.
//! What is retried depends on what a repeat could cost:
//! - sync generations and edits: 429, 500, 503, failure to connect. Not 400-422, not
//!   other 5xx, and not a timeout or a connection lost after the request was sent
//!   (the server may have run and charged it) unless `retry_on_lost_post` is set;
//! - async submissions: only where the server certainly did not accept the task
//!   (429, 503, failure to connect), plus lost/timed-out ones under
//!   `retry_on_lost_post`;
//! - reads (polls, models, downloads): every transient failure (429, 5xx, connect,
//!   timeout, lost connection).
//!
//! [`Client::wait_task`] answers a failed poll by polling again
//! ([`PollPolicy::max_consecutive_errors`] in a row at most) and never resubmits.
//! The attempts made are in [`ImagesResult::attempts`] and [`ApiError::attempts`].
//!
//! ## Tolerance
//! Error bodies of both documented shapes, `code` as number or string, `error` as a
//! string, FastAPI-style `detail`, or no JSON at all (the status decides); unknown
//! fields ignored; unknown task statuses read as running; a failed task's reason read
//! from `error` (object or string), `result.error` or `message`; a task's images from
//! `result.data[]`, `result.images[]`, a `result` list or `data[]`; base64 padded or
//! not, URL-safe, or as a `data:` URL; a base URL given with `/v1`.
//!
//! ## Secrets
//! The key goes only into the `Authorization` header (marked sensitive), and to `url`
//! downloads only when they are on the base URL's origin. `Debug` of the config and
//! client shows `sk_…` and four characters at most; error messages and raw bodies pass
//! through [`redact`]; logs (`tracing`, debug level) carry no headers.
//!
//! ## Untrusted answers
//! An answer is bounded before it is used: a body by `max_response_bytes` (from
//! `Content-Length`, then while streaming) and by a pace (after `read_timeout`, at least
//! [`MIN_BODY_RATE`] bytes a second, [`Error::TooSlow`]); the outputs of one answer keep
//! at most the `n` asked ([`ImagesResult::dropped`]), and together, inline and linked,
//! stay within `max_response_bytes`; a `data:` link is measured before it is decoded.
//! Output links and redirects follow the output-URL policy of [`net`]: `http(s)` only,
//! at most [`net::MAX_REDIRECTS`] redirects, no private, link-local (metadata) or other
//! non-public address unless it is the base URL's own host, loopback only for a loopback
//! base ([`Error::RefusedUrl`]). A 200 that is an HTML page says so.

// `ApiError` carries the server's context (request id, body, status) by value so that
// callers can match on `e.kind`; errors are the cold path, so its size does not matter.
#![allow(clippy::result_large_err)]

mod client;
mod config;
mod describe;
mod elide;
mod error;
mod inline;
pub mod net;
mod types;
mod wire;

#[cfg(test)]
mod props;
#[cfg(test)]
mod props_inline;

pub use client::Client;
pub use config::{mask_key, ClientConfig, PollPolicy, RetryPolicy};
pub use describe::{redact, shell_quote, to_curl, PartDescription, RequestBody, RequestDescription};
pub use error::{parse_retry_after, ApiError, Error, Result};
pub use types::{
    sniff_mime, AnswerData, AnswerItem, AsyncTiming, EditEncoding, EditRequest, FailedOutput, GenerationRequest,
    ImageFieldStyle, ImageInput, ImageSource, ImagesAnswer, ImagesResult, ModelInfo, OutputImage, ResponseFormat,
    SyncTiming, TaskHandle, TaskState, TaskStatus, Timing,
};
pub use wire::{decode_b64, elide_b64};

/// The slowest pace a body may keep once its head arrived, in bytes per second, beyond
/// the [`ClientConfig::read_timeout`] it is granted anyway (16 KiB/s, about 128 kbit/s).
pub const MIN_BODY_RATE: u64 = 16 * 1024;

/// Pixapi's public base URL.
pub const DEFAULT_BASE_URL: &str = "https://api.pixapi.ai";
/// `GET`: the model list.
pub const PATH_MODELS: &str = "/v1/models";
/// `POST` JSON: sync generation.
pub const PATH_GENERATIONS: &str = "/v1/images/generations";
/// `POST` multipart: sync edit.
pub const PATH_EDITS: &str = "/v1/images/edits";
/// `POST` JSON: async generation (same body as sync).
pub const PATH_ASYNC_GENERATIONS: &str = "/v1/async/images/generations";
/// `POST` multipart: async edit (same body as sync).
pub const PATH_ASYNC_EDITS: &str = "/v1/async/images/edits";
/// `GET {PATH_TASKS}/{id}`: task status and result.
pub const PATH_TASKS: &str = "/v1/tasks";
/// The environment variable that request descriptions and curl commands use for the key:
/// the one every example on Pixapi's pages uses (docs/authentication/: `export PIXAPI_KEY=...`).
pub const API_KEY_ENV: &str = "PIXAPI_KEY";
/// An older name for [`API_KEY_ENV`], still read.
pub const API_KEY_ENV_ALIAS: &str = "PIXAPI_API_KEY";

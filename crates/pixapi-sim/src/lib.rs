//! # pixapi-sim
//!
//! A local, offline, Pixapi-compatible image API: a real HTTP server (axum) that speaks the
//! contract of `docs/CONTRACT.md` closely enough for the Pixbench client, the desktop app's
//! *Sandbox* profile and the official OpenAI SDKs to run against it.
//!
//! **What it is**: the five image endpoints (sync and async, generations and edits),
//! `/v1/models`, bearer auth, both documented error shapes, real PNGs of exactly the size
//! asked (deterministic per prompt, output index and size; edits visibly derived from their
//! references), `url` and `b64_json` outputs, a credit balance charged by what is delivered
//! at catalog prices, latency profiles, a concurrency limit, a request log, and fault
//! injection through an admin API, for tests. It is **strict** by default: it accepts what
//! Pixapi's pages document and refuses or ignores the rest, so a client that passes against
//! it sends the documented wire form.
//!
//! **What it is not**: an image model (outputs are seeded gradients and shapes), a faithful
//! copy of Pixapi's undocumented behaviour (where the contract is silent it picks one
//! documented rule, below), secure (admin endpoints have no auth: bind it to loopback), or
//! persistent (state lives in memory).
//!
//! Use it in-process:
//!
//! ```no_run
//! # async fn demo() -> anyhow::Result<()> {
//! use pixapi_sim::{Fault, SimConfig, SimServer};
//! let sim = SimServer::start(SimConfig { credits: 50, ..SimConfig::default() }).await?;
//! let base = sim.base_url(); // "http://127.0.0.1:PORT"; send `Authorization: Bearer sk_test_1`
//! sim.inject(Fault::status(503).retry_after(2).path("/v1/images/generations"));
//! assert_eq!(sim.state().balance, 50);
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! or as a binary: `cargo run -p pixapi-sim -- --port 0 --key sk_test_1 --credits 1000`
//! prints `listening on http://127.0.0.1:PORT` as its first line of stdout.
//!
//! ## Variants and sizes
//!
//! See [`catalog`] for the rules. Strict ([`SimConfig::strict`], the default):
//! - `model` is a canonical id or its alias (`gemini-3.1-flash-image-preview` /
//!   `nano-banana-2`, `gemini-3-pro-image-preview` / `nano-banana-pro`,
//!   `gemini-2.5-flash-image` / `nano-banana`, `gpt-image-1.5`, `gpt-image-2`). The price
//!   tables' suffixed ids (`-512`, `-2k`, `-4k`) answer 404 `model_not_found` and are not in
//!   `GET /v1/models`.
//! - `size` is a `WIDTHxHEIGHT` the model supports (Gemini: edges multiples of 8, the ratio
//!   within 3 % of one of the family's aspect ratios, a pixel count within the family's
//!   range; gpt-image-1.5: `1024x1024`, `1536x1024`, `1024x1536`; gpt-image-2: multiples of
//!   16, 655,360..=8,294,400 pixels, ratio at most 3:1, long edge at most 3840), `auto` for
//!   the GPT models, or `2K` / `4K` for 3.1 Flash (2048x2048, 4096x4096). `512`, `1K` and
//!   the like are a 400 naming `size`. The output is exactly the size asked; no size is
//!   1024x1024.
//! - Fields: `model`, `prompt`, `n`, `size`, `response_format`, and on edits the image parts
//!   `image` (once or repeated) or `image[]` (other image part names, e.g. `images`, are a
//!   400). The GPT models also take `quality`, `background`, `output_format`,
//!   `output_compression`, `moderation`, `user` and `mask`, checked against OpenAI's
//!   values. Any other field, `aspect_ratio` included, is ignored and listed in the request
//!   log's `unknown_fields` ([`RequestRecord`]).
//!
//! Lenient (`strict: false`, the binary's `--lenient`): the suffixed ids select a variant,
//! `size` also takes `512`, `1K`, `2K`, `4K` (any case); a size keyword sent with a suffixed
//! id is ignored (the suffix wins) but an explicit `WxH` always wins; `aspect_ratio`
//! (`16:9`, ...) shapes the output; the long edge of a Gemini output is exactly
//! 512/1024/2048/4096 and the short edge is rounded to a multiple of 8 (16:9 at 1K =
//! 1024x576).
//!
//! Billing, in both modes, follows what is delivered ([`catalog::price_delivered`]): a
//! Gemini output's tier by pixel count (< 0.3 MP 512, < 1.2 MP 1K, < 4.8 MP 2K, else 4K,
//! clamped to the family's tiers), gpt-image-2 by long edge x quality, gpt-image-1.5 one
//! credit. A [`FaultKind::DeliverSize`] fault ([`Fault::deliver_size`]) delivers another
//! size than asked, billed by it.
//!
//! ## Errors
//!
//! 400 and 500 use the integer shape of Pixapi's errors page
//! `{"error":{"code":400,"message":..,"type":"invalid_request_error","param":"size"}}`;
//! 401, 402, 404, 422, 429 and 503 the string shape of its error-handling guide
//! `{"error":{"code":"unauthorized","message":"Invalid API key.","request_id":"req_..."}}`.
//!
//! ## Outputs
//!
//! See [`imagegen`]: a seeded landscape drawn like a photograph (sky, clouds, sun, hills,
//! trees and boulders, texture and grain), deterministic per prompt and index; variants of
//! one prompt show the same scene, each with detail down to its own pixel, so a 4K output
//! resolves what its 1K variant cannot (PNGs of about 1 MB at 1K, 4 MB at 2K, 14 MB at 4K).
//! The GPT models honour `output_format` (png, jpeg with `output_compression` as its
//! quality, lossless webp); the Gemini models answer PNG. Encoded outputs are cached (an
//! LRU bounded by bytes, keyed by prompt, index, references, size and format).
//!
//! ## OpenAI flavour
//!
//! [`SimConfig::flavour`] = [`Flavour::OpenAi`] (binary: `--flavour openai`) speaks OpenAI's
//! Images API as its published OpenAPI spec defines it (`tests/spec/openai-images.yml`), so
//! an OpenAI gateway preset can be tested offline. Pixapi's flavour is unchanged.
//! - Models: `gpt-image-1`, `gpt-image-1-mini`, `gpt-image-1.5` (and `extra_models`, served
//!   and priced as gpt-image-1); `GET /v1/models` lists them (`owned_by: "openai"`). Any
//!   other id (the Gemini ones, `gpt-image-2`, `dall-e-2`) is a 404 `model_not_found`.
//!   No `model`: a generation is a 400 `missing_required_parameter` naming `model` (the
//!   spec's default there is `dall-e-2`, not served); an edit uses `gpt-image-1.5`, the
//!   edit schemas' default.
//! - `POST /v1/images/generations` (JSON, `CreateImageRequest`) and `POST /v1/images/edits`
//!   (multipart `CreateImageEditRequest`: `image` or `image[]` file parts, 1..=16, optional
//!   `mask` file; or JSON `EditImageBodyJsonParam`: `images: [{"image_url": <data URL or
//!   this server's /files/ URL>}]`, `file_id` refused as there is no Files API). Values are
//!   checked against the spec's enums: `size` `1024x1024` | `1536x1024` | `1024x1536` |
//!   `auto` (= 1024x1024; the output is exactly that size), `quality` `low` | `medium` |
//!   `high` | `auto`, `background`, `output_format` (png / jpeg / webp, honoured; transparent
//!   with jpeg is a 400), `output_compression` 0..=100, `moderation` (generations and JSON
//!   edits: the multipart edit schema has none), `user`, `n` 1..=10, `input_fidelity`
//!   (edits; a 400 for gpt-image-1-mini, which the spec says does not support it).
//!   `stream: true` is a 400 naming `stream` (the Sandbox does not stream; `false` is
//!   fine); `partial_images` is checked (0..=3) and ignored. `null` counts as absent.
//! - Strict: a field outside the endpoint's schema is a 400
//!   `{"error":{"message":"Unknown parameter: 'NAME'.","type":"invalid_request_error","param":"NAME","code":"unknown_parameter"}}`;
//!   so are `response_format` and `style` (DALL-E fields: OpenAI refuses them for the GPT
//!   image models this way, "which always return base64-encoded images"). Bad values are a
//!   400 naming the field, with OpenAI's codes (`invalid_value`, `invalid_type`,
//!   `integer_above_max_value`, `missing_required_parameter`, ...).
//! - Answers (an `ImagesResponse`): `{"created","data":[{"b64_json"}],"background","output_format",
//!   "quality","size","usage"}`, `quality` the one served (`auto` is served as `high`),
//!   `background` `transparent` or `opaque` (`auto` is opaque), `size` the size delivered,
//!   `usage` `{"input_tokens","input_tokens_details":{"text_tokens","image_tokens"},
//!   "output_tokens","total_tokens"}`.
//! - Output tokens per image, OpenAI's published table (x n):
//!
//! ```text
//! quality   1024x1024  1024x1536  1536x1024
//! low             272        408        400
//! medium         1056       1584       1568
//! high/auto      4160       6240       6208
//! ```
//!
//!   Input tokens are the Sandbox's own rules: text = ceil(prompt characters / 4); image =
//!   258 per reference image of an edit, the mask counting as one.
//! - Billing in dollars: OpenAI's published prices, taken 2026-12-05, per million tokens
//!   (text input / image input / image output): gpt-image-1 $5 / $10 / $40,
//!   gpt-image-1-mini $2 / $2.50 / $8, gpt-image-1.5 $5 / $8 / $32. Each answer is charged
//!   the sum of tokens x rate, in whole micro-dollars (exact: the token rules give no
//!   fractions), logged as [`RequestRecord::usd_micros`] and added to
//!   `charged_usd_micros` of `GET /__sim/state` ([`SimServer::charged_usd_micros`]). Credits
//!   stay 0; there is no balance in this flavour (so no 402, and no `insufficient_quota`).
//! - No async endpoints: `/v1/async/images/*` and `/v1/tasks/{id}` are 404
//!   `Invalid URL (...)`.
//! - Errors everywhere use OpenAI's shape
//!   `{"error":{"message":"...","type":"invalid_request_error","param":<string|null>,"code":<string|null>}}`:
//!   401 code `invalid_api_key`; 404 of a model `model_not_found`; 429 (concurrency limit or
//!   fault) type `requests`, code `rate_limit_exceeded`, with `Retry-After`; 5xx type
//!   `server_error`. Faults work as in Pixapi's flavour (a `status` fault answers OpenAI's
//!   shape unless it asks for a `shape`; hostile answers keep their Pixapi bodies).
//!
//! In both flavours the request log keeps each image request's body
//! ([`RequestRecord::body`]), so a test can check what a client sent against a spec.
//!
#![doc = include_str!("API.md")]

pub mod catalog;
pub mod errors;
pub mod faults;
pub mod hostile;
mod hostile_variant;
pub mod imagegen;

mod admin;
mod body_log;
mod files;
mod ids;
mod images;
mod openai;
mod openai_bill;
mod request;
mod server;
mod state;
mod tasks;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};

pub use faults::{Fault, FaultKind, PendingFault};
pub use hostile::HostileVariant;
pub use images::{FAULT_DELAY_HEADER, LATENCY_HEADER, RESOLVED_MODEL_HEADER};
pub use server::{REQUEST_ID_HEADER, SERVER_MS_HEADER};
pub use state::RequestRecord;

/// The admin and fault API, as text (the binary's `--help` shows it).
pub const API_HELP: &str = include_str!("API.md");

/// How long requests take.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LatencyProfile {
    /// Deterministic milliseconds: 5 (512), 8 (1K), 12 (2K), 20 (4K).
    #[default]
    Fast,
    /// Seconds growing with resolution: ~2 s, 3 s, 6 s, 10 s, +/- 20 % jitter.
    Realistic,
}

/// Which API the simulator speaks (see the crate doc's "OpenAI flavour").
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Flavour {
    /// Pixapi's image API: everything above.
    #[default]
    Pixapi,
    /// OpenAI's Images API as its published OpenAPI spec defines it: GPT image models only,
    /// token usage, billing in dollars, OpenAI's error shape, no async endpoints.
    #[serde(rename = "openai")]
    #[value(name = "openai")]
    OpenAi,
}

/// How to start a simulator.
#[derive(Clone, Debug)]
pub struct SimConfig {
    pub host: IpAddr,
    /// 0 picks any free port.
    pub port: u16,
    /// Accepted bearer keys.
    pub keys: Vec<String>,
    /// Starting balance in credits.
    pub credits: i64,
    pub profile: LatencyProfile,
    /// Image requests in flight (sync, or async tasks processing) before 429.
    pub max_concurrency: usize,
    /// How long `url` outputs stay downloadable.
    pub url_ttl: Duration,
    /// Largest reference image (or mask) accepted, in bytes (default 7 MiB).
    pub max_image_bytes: usize,
    /// Most reference images per edit (default 14; a model may accept fewer).
    pub max_images: usize,
    /// Accept only what Pixapi's pages document (canonical ids or aliases with a documented
    /// `size`; see [`catalog`]); `false` keeps the lenient rules for other gateways.
    pub strict: bool,
    /// More model ids this server lists and serves, as a gateway that added a model would
    /// (Pixbench's catalog does not know them). Each is served like Nano Banana at 1K: a
    /// square 1024x1024 by default, 2 credits an image.
    pub extra_models: Vec<String>,
    /// Which API to speak (default Pixapi). In [`Flavour::OpenAi`], `strict`, `credits` and
    /// `max_images` do not apply (see the crate doc).
    pub flavour: Flavour,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            keys: vec!["sk_test_1".to_string()],
            credits: 1000,
            profile: LatencyProfile::Fast,
            max_concurrency: 8,
            url_ttl: Duration::from_secs(600),
            max_image_bytes: 7 << 20,
            max_images: 14,
            strict: true,
            extra_models: vec![],
            flavour: Flavour::Pixapi,
        }
    }
}

/// A snapshot of the simulator's counters (`GET /__sim/state`).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq, Eq)]
pub struct SimState {
    /// Credits left (reservations of running requests not deducted).
    pub balance: i64,
    /// Credits charged since start or reset.
    pub charged: i64,
    /// `/v1/*` requests received (rejected ones included).
    pub requests: u64,
    /// Image requests in flight: sync requests being answered and async tasks processing.
    pub in_flight: usize,
    /// Output images delivered (sync answers and completed tasks).
    pub images_served: u64,
    /// Async tasks known (any status).
    pub tasks: usize,
}

/// A running simulator. Dropping it stops the server (without waiting).
pub struct SimServer {
    shared: Arc<state::Shared>,
    join: Option<tokio::task::JoinHandle<()>>,
}

impl SimServer {
    /// Binds `host:port` and starts serving in the background on the current runtime.
    pub async fn start(cfg: SimConfig) -> anyhow::Result<SimServer> {
        let mut cfg = cfg;
        cfg.keys.retain(|k| !k.trim().is_empty());
        if cfg.keys.is_empty() {
            anyhow::bail!("pixapi-sim needs at least one API key");
        }
        let running = server::start(cfg).await?;
        Ok(SimServer { shared: running.shared, join: Some(running.join) })
    }

    pub fn addr(&self) -> SocketAddr {
        self.shared.addr
    }

    /// `http://host:port`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.shared.addr)
    }

    pub fn state(&self) -> SimState {
        self.shared.snapshot()
    }

    /// Dollars charged since start or reset, in micro-dollars (OpenAI flavour; 0 in
    /// Pixapi's). `GET /__sim/state` answers it as `charged_usd_micros`, beside the
    /// [`SimState`] fields (not one of them, so that existing `SimState` literals still build).
    pub fn charged_usd_micros(&self) -> i64 {
        self.shared.ledger.lock().expect("ledger lock").charged_usd_micros
    }

    /// Queues a fault, like `POST /__sim/faults` (invalid options fall back to defaults:
    /// count 0 is 1, a status outside 400..=599 is 500).
    pub fn inject(&self, fault: Fault) {
        let fallback = Fault {
            count: fault.count.max(1),
            status: (fault.kind == FaultKind::Status).then_some(500),
            ..fault.clone()
        };
        let fault = fault.normalized().unwrap_or(fallback);
        self.shared.faults.push(fault);
    }

    /// Queues a fault; returns its id, or why it is invalid.
    pub fn try_inject(&self, fault: Fault) -> Result<String, String> {
        Ok(self.shared.faults.push(fault.normalized()?))
    }

    /// The faults still pending.
    pub fn faults(&self) -> Vec<PendingFault> {
        self.shared.faults.list()
    }

    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    pub fn set_balance(&self, credits: i64) {
        self.shared.set_balance(credits);
    }

    /// Switches the latency profile at run time.
    pub fn set_profile(&self, profile: LatencyProfile) {
        *self.shared.profile.lock().expect("profile lock") = profile;
    }

    /// Like `POST /__sim/reset`.
    pub fn reset(&self) {
        self.shared.reset();
    }

    /// The request log (most recent last, up to 2000 entries).
    pub fn requests(&self) -> Vec<RequestRecord> {
        self.shared.records()
    }

    /// Stops accepting connections, ends hanging requests and waits (up to 5 s) for the
    /// requests in flight.
    pub async fn shutdown(mut self) {
        if let Some(join) = self.join.take() {
            server::stop(&self.shared, join, Duration::from_secs(5)).await;
        }
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.shared.shutdown.cancel();
    }
}

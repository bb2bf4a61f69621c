//! Client configuration: timeouts, size limit, retry and polling policies.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use crate::net::Resolve;

use crate::DEFAULT_BASE_URL;

/// Everything a [`Client`](crate::Client) needs to talk to one Pixapi-compatible server.
///
/// `Debug` is written by hand: the API key is shown as `sk_…` plus its last four
/// characters at most, never in full.
#[derive(Clone)]
pub struct ClientConfig {
    /// Scheme, host and optional port (and path prefix), e.g. `https://api.pixapi.ai`.
    /// A trailing `/` or `/v1` (as OpenAI SDKs expect) is stripped.
    pub base_url: String,
    /// The bearer key. `None` sends no `Authorization` header (the server answers 401).
    pub api_key: Option<String>,
    /// Time allowed to open a TCP (and TLS) connection. Default 10 s.
    pub connect_timeout: Duration,
    /// Time allowed without progress: until the response head arrives once the
    /// request is being sent, and then between two chunks of the body. Default 10 min,
    /// because real 2K/4K answers take minutes. A body must also keep a pace: once the
    /// head is in, the whole body may take `read_timeout` plus one second per
    /// [`MIN_BODY_RATE`](crate::MIN_BODY_RATE) bytes received, so a server that drips a
    /// byte at a time cannot hold a request open for longer than about `read_timeout`
    /// ([`Error::TooSlow`](crate::Error::TooSlow)).
    pub read_timeout: Duration,
    /// Largest answer body (and largest downloaded image) accepted; larger ones fail
    /// with [`Error::TooLarge`](crate::Error::TooLarge). Checked against
    /// `Content-Length` before reading and counted while streaming. Default 256 MiB.
    pub max_response_bytes: u64,
    /// Most output images taken from one answer, whatever it carries: a request takes at
    /// most its own `n`, and never more than this (a hostile answer of 2,000 links is not
    /// downloaded). Default 16.
    pub max_outputs: usize,
    /// When and how often to retry.
    pub retry: RetryPolicy,
    /// How async tasks are polled.
    pub poll: PollPolicy,
    /// `User-Agent` header.
    pub user_agent: String,
    /// How host names are resolved (every connection of the client; the addresses of a
    /// host other than the base URL's then go through the output-URL policy,
    /// [`crate::net`]). `None`: the system's resolver. Tests stub it.
    pub resolver: Option<Arc<dyn Resolve>>,
    /// Decode strict `b64_json` base64 while the answer's body arrives (default), rather
    /// than after its last byte; the result is the same either way. Off only to compare.
    pub decode_while_receiving: bool,
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            base_url: DEFAULT_BASE_URL.to_string(),
            api_key: None,
            connect_timeout: Duration::from_secs(10),
            read_timeout: Duration::from_secs(600),
            max_response_bytes: 256 * 1024 * 1024,
            max_outputs: 16,
            retry: RetryPolicy::default(),
            poll: PollPolicy::default(),
            user_agent: concat!("pixapi-rs/", env!("CARGO_PKG_VERSION")).to_string(),
            resolver: None,
            decode_while_receiving: true,
        }
    }
}

impl ClientConfig {
    /// Defaults with the given base URL and no key.
    pub fn new(base_url: impl Into<String>) -> Self {
        ClientConfig { base_url: base_url.into(), ..Default::default() }
    }

    /// Sets the API key.
    pub fn with_api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(key.into());
        self
    }
}

impl fmt::Debug for ClientConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientConfig")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_deref().map(mask_key))
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .field("max_outputs", &self.max_outputs)
            .field("retry", &self.retry)
            .field("poll", &self.poll)
            .field("user_agent", &self.user_agent)
            .field("resolver", &if self.resolver.is_some() { "custom" } else { "system" })
            .finish()
    }
}

/// A key as it may be shown: `sk_…` and the last four characters when the key is
/// long enough that four characters give nothing away, else `sk_…` alone.
pub fn mask_key(key: &str) -> String {
    let prefix = if key.starts_with("sk_") { "sk_" } else { "" };
    let chars: Vec<char> = key.chars().collect();
    if chars.len() >= 16 {
        let tail: String = chars[chars.len() - 4..].iter().collect();
        format!("{prefix}…{tail}")
    } else {
        format!("{prefix}…")
    }
}

/// Retries of one call.
///
/// What is retried depends on the kind of request (see the crate docs): sync
/// generations and edits on 429, 500, 503 and failures to connect; async submissions
/// only where the server certainly did not accept the task (429, 503, failure to
/// connect); reads (`GET`) on any transient failure. A timeout or a lost connection
/// after a `POST` was sent is not retried unless `retry_on_lost_post` is set, because
/// the server may already have run (and charged for) the request.
#[derive(Clone, Debug, PartialEq)]
pub struct RetryPolicy {
    /// Attempts in all, the first included (1 = never retry). Default 3.
    pub max_attempts: u32,
    /// First backoff ceiling; attempt `k` waits a random time in
    /// `[0, min(max_delay, base_delay * 2^(k-1))]` (full jitter). Default 500 ms.
    pub base_delay: Duration,
    /// Largest backoff ceiling. Default 20 s.
    pub max_delay: Duration,
    /// Wait what a `Retry-After` header says (seconds or HTTP date) instead of the
    /// backoff, capped by `max_retry_after`. Default true.
    pub honour_retry_after: bool,
    /// Cap on a `Retry-After` wait. Default 60 s.
    pub max_retry_after: Duration,
    /// Also retry a `POST` whose connection was lost or timed out after it was sent.
    /// May run (and charge) the request twice. Default false.
    pub retry_on_lost_post: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(500),
            max_delay: Duration::from_secs(20),
            honour_retry_after: true,
            max_retry_after: Duration::from_secs(60),
            retry_on_lost_post: false,
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub fn none() -> Self {
        RetryPolicy { max_attempts: 1, ..Default::default() }
    }

    /// The wait before attempt `failed_attempts + 1`, given the server's `Retry-After`.
    pub(crate) fn delay(&self, failed_attempts: u32, retry_after: Option<Duration>) -> Duration {
        if self.honour_retry_after {
            if let Some(ra) = retry_after {
                return ra.min(self.max_retry_after);
            }
        }
        let exp = failed_attempts.saturating_sub(1).min(30);
        let ceiling = self.base_delay.checked_mul(1u32 << exp).unwrap_or(self.max_delay).min(self.max_delay);
        let ceiling_s = ceiling.as_secs_f64();
        if ceiling_s <= 0.0 {
            return Duration::ZERO;
        }
        use rand::Rng;
        let s = rand::rng().random_range(0.0..=ceiling_s);
        Duration::from_secs_f64(s)
    }
}

/// Polling of async tasks by [`Client::wait_task`](crate::Client::wait_task).
#[derive(Clone, Debug, PartialEq)]
pub struct PollPolicy {
    /// Wait after the first poll that finds the task running. Default 1 s.
    pub initial_interval: Duration,
    /// Largest wait between polls. Default 10 s.
    pub max_interval: Duration,
    /// Each wait is the previous one times this (>= 1). Default 1.5.
    pub backoff_factor: f64,
    /// Give up waiting (the task may still finish) after this long.
    /// Default 30 min.
    pub deadline: Duration,
    /// Transient failures of polls in a row (lost connection, timeout, 429, 5xx)
    /// tolerated before giving up. Default 10.
    pub max_consecutive_errors: u32,
}

impl Default for PollPolicy {
    fn default() -> Self {
        PollPolicy {
            initial_interval: Duration::from_secs(1),
            max_interval: Duration::from_secs(10),
            backoff_factor: 1.5,
            deadline: Duration::from_secs(30 * 60),
            max_consecutive_errors: 10,
        }
    }
}

impl PollPolicy {
    pub(crate) fn next_interval(&self, current: Duration) -> Duration {
        let f = if self.backoff_factor.is_finite() && self.backoff_factor >= 1.0 { self.backoff_factor } else { 1.0 };
        Duration::from_secs_f64((current.as_secs_f64() * f).min(self.max_interval.as_secs_f64()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_prints_the_key() {
        let cfg = ClientConfig::new("http://x").with_api_key("sk_live_abcdefghijklmnop1234");
        let s = format!("{cfg:?}");
        assert!(!s.contains("abcdefghijklmnop"), "{s}");
        assert!(s.contains("sk_…1234"), "{s}");
        let cfg = ClientConfig::new("http://x").with_api_key("sk_short");
        let s = format!("{cfg:?}");
        assert!(!s.contains("short"), "{s}");
    }

    #[test]
    fn backoff_is_bounded_and_honours_retry_after() {
        let p = RetryPolicy {
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_millis(300),
            max_retry_after: Duration::from_secs(5),
            ..Default::default()
        };
        for k in 1..10 {
            assert!(p.delay(k, None) <= Duration::from_millis(300));
        }
        assert_eq!(p.delay(1, Some(Duration::from_secs(2))), Duration::from_secs(2));
        assert_eq!(p.delay(1, Some(Duration::from_secs(3600))), Duration::from_secs(5));
        let p2 = RetryPolicy { honour_retry_after: false, ..p };
        assert!(p2.delay(1, Some(Duration::from_secs(2))) <= Duration::from_millis(100));
    }

    #[test]
    fn poll_interval_grows_to_max() {
        let p = PollPolicy {
            initial_interval: Duration::from_millis(100),
            max_interval: Duration::from_millis(250),
            backoff_factor: 2.0,
            ..Default::default()
        };
        let a = p.next_interval(p.initial_interval);
        assert_eq!(a, Duration::from_millis(200));
        assert_eq!(p.next_interval(a), Duration::from_millis(250));
    }
}

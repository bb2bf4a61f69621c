//! The server's shared state: ledger with reservations, concurrency slots, counters,
//! runtime settings and the request log.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::Rng;
use serde::{Deserialize, Serialize};
use tokio_util::sync::CancellationToken;

use crate::catalog::Tier;
use axum::http::{header, HeaderMap};

use crate::faults::FaultStore;
use crate::files::FileStore;
use crate::imagegen::ImageCache;
use crate::tasks::TaskStore;
use crate::{LatencyProfile, SimConfig, SimState};

/// How many request records the log keeps.
const LOG_CAPACITY: usize = 2000;

/// One handled `/v1/*` request, as recorded for tests and benchmarks
/// (`GET /__sim/requests`, [`crate::SimServer::requests`]).
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
pub struct RequestRecord {
    pub request_id: String,
    pub method: String,
    pub path: String,
    pub status: u16,
    /// The model as sent, when the request named one.
    #[serde(default)]
    pub model: Option<String>,
    /// The priced variant the request resolved to.
    #[serde(default)]
    pub resolved_model: Option<String>,
    /// The configured (profile) latency applied to this request, in ms.
    #[serde(default)]
    pub latency_ms: Option<u64>,
    /// Extra delay added by a `slow` fault, in ms.
    #[serde(default)]
    pub fault_delay_ms: Option<u64>,
    /// The kind of the fault this request consumed, if any.
    #[serde(default)]
    pub fault: Option<String>,
    /// Credits charged by this answer (0 for async submissions: tasks charge on completion).
    pub credits: i64,
    /// Output images in this answer.
    pub images: u32,
    /// Total handling time until the answer's head was ready, in ms.
    pub server_ms: f64,
    /// The `size` as sent.
    #[serde(default)]
    pub size: Option<String>,
    /// Every field (JSON key) or multipart part name received, image parts included.
    #[serde(default)]
    pub fields: Vec<String>,
    /// Fields the strict server does not know for this model: ignored, reported here.
    #[serde(default)]
    pub unknown_fields: Vec<String>,
    /// `WxH` of the outputs delivered (for an async submission: the size its task delivers).
    #[serde(default)]
    pub delivered: Option<String>,
    /// Dollars charged by this answer, in micro-dollars (OpenAI flavour; 0 in Pixapi's).
    #[serde(default)]
    pub usd_micros: i64,
    /// The body as received, so a test can check a client's wire form: a JSON body's object
    /// (base64 and data-URL strings over 64 characters replaced by a marker), or a multipart
    /// body's text fields as strings and file parts as `"<file NAME, N bytes>"` (a repeated
    /// part name gives an array). `None` when the body was not read (e.g. a 401).
    #[serde(default)]
    pub body: Option<serde_json::Value>,
}

/// What a handler tells the request log (attached to its response as an extension).
#[derive(Clone, Debug, Default)]
pub struct ReqMeta {
    pub model: Option<String>,
    pub resolved_model: Option<String>,
    pub latency_ms: Option<u64>,
    pub fault_delay_ms: Option<u64>,
    pub fault: Option<String>,
    pub credits: i64,
    pub images: u32,
    pub size: Option<String>,
    pub fields: Vec<String>,
    pub unknown_fields: Vec<String>,
    pub delivered: Option<String>,
    pub usd_micros: i64,
    pub body: Option<serde_json::Value>,
}

#[derive(Debug)]
pub struct Ledger {
    pub balance: i64,
    pub charged: i64,
    pub reserved: i64,
    /// Dollars charged (OpenAI flavour), in micro-dollars.
    pub charged_usd_micros: i64,
    /// Bumped by a reset: reservations of an older epoch no longer count.
    pub epoch: u64,
}

pub struct Shared {
    pub cfg: SimConfig,
    pub addr: SocketAddr,
    pub ledger: Mutex<Ledger>,
    pub requests: AtomicU64,
    pub images_served: AtomicU64,
    pub in_flight: AtomicUsize,
    pub max_concurrency: AtomicUsize,
    pub profile: Mutex<LatencyProfile>,
    pub faults: FaultStore,
    pub tasks: TaskStore,
    pub files: FileStore,
    pub cache: ImageCache,
    pub log: Mutex<VecDeque<RequestRecord>>,
    pub shutdown: CancellationToken,
    /// The configuration's extra models (see `SimConfig::extra_models`).
    pub extras: Vec<crate::catalog::ModelEntry>,
}

impl Shared {
    pub fn new(cfg: SimConfig, addr: SocketAddr) -> Self {
        Shared {
            extras: cfg.extra_models.iter().map(|id| crate::catalog::extra_model(id)).collect(),
            ledger: Mutex::new(Ledger {
                balance: cfg.credits,
                charged: 0,
                reserved: 0,
                charged_usd_micros: 0,
                epoch: 0,
            }),
            requests: AtomicU64::new(0),
            images_served: AtomicU64::new(0),
            in_flight: AtomicUsize::new(0),
            max_concurrency: AtomicUsize::new(cfg.max_concurrency),
            profile: Mutex::new(cfg.profile),
            faults: FaultStore::default(),
            tasks: TaskStore::default(),
            files: FileStore::default(),
            cache: ImageCache::new(256 << 20),
            log: Mutex::new(VecDeque::new()),
            shutdown: CancellationToken::new(),
            addr,
            cfg,
        }
    }

    /// A model by id as this server knows it: the catalog's (strict or not), or an extra one.
    pub fn model(&self, id: &str) -> Option<&crate::catalog::ModelEntry> {
        crate::catalog::lookup_mode(id, self.cfg.strict).or_else(|| self.extras.iter().find(|e| e.id == id))
    }

    pub fn snapshot(&self) -> SimState {
        let l = self.ledger.lock().expect("ledger lock");
        SimState {
            balance: l.balance,
            charged: l.charged,
            requests: self.requests.load(Ordering::SeqCst),
            in_flight: self.in_flight.load(Ordering::SeqCst),
            images_served: self.images_served.load(Ordering::SeqCst),
            tasks: self.tasks.len(),
        }
    }

    /// The body of `GET /__sim/state`: the [`SimState`] fields and `charged_usd_micros`.
    pub fn state_json(&self) -> serde_json::Value {
        let mut v = serde_json::to_value(self.snapshot()).unwrap_or_default();
        v["charged_usd_micros"] = self.ledger.lock().expect("ledger lock").charged_usd_micros.into();
        v
    }

    pub fn set_balance(&self, credits: i64) {
        self.ledger.lock().expect("ledger lock").balance = credits;
    }

    pub fn set_charged(&self, credits: i64) {
        self.ledger.lock().expect("ledger lock").charged = credits;
    }

    pub fn set_charged_usd_micros(&self, micros: i64) {
        self.ledger.lock().expect("ledger lock").charged_usd_micros = micros;
    }

    /// Back to the start configuration: balance, charged, faults, tasks, counters, log,
    /// profile and concurrency limit. Requests still running are not charged.
    pub fn reset(&self) {
        {
            let mut l = self.ledger.lock().expect("ledger lock");
            l.balance = self.cfg.credits;
            l.charged = 0;
            l.charged_usd_micros = 0;
            l.reserved = 0;
            l.epoch += 1;
        }
        self.faults.clear();
        self.tasks.clear();
        self.requests.store(0, Ordering::SeqCst);
        self.images_served.store(0, Ordering::SeqCst);
        self.log.lock().expect("log lock").clear();
        *self.profile.lock().expect("profile lock") = self.cfg.profile;
        self.max_concurrency.store(self.cfg.max_concurrency, Ordering::SeqCst);
    }

    pub fn profile(&self) -> LatencyProfile {
        *self.profile.lock().expect("profile lock")
    }

    /// The configured latency of one request of a tier under the current profile.
    pub fn latency(&self, tier: Tier) -> Duration {
        match self.profile() {
            LatencyProfile::Fast => Duration::from_millis(match tier {
                Tier::T512 => 5,
                Tier::T1K => 8,
                Tier::T2K => 12,
                Tier::T4K => 20,
            }),
            LatencyProfile::Realistic => {
                let base = match tier {
                    Tier::T512 => 2000.0,
                    Tier::T1K => 3000.0,
                    Tier::T2K => 6000.0,
                    Tier::T4K => 10000.0,
                };
                let jitter: f64 = rand::rng().random_range(0.8..1.2);
                Duration::from_millis((base * jitter) as u64)
            }
        }
    }

    /// Takes a concurrency slot, or `None` when `max_concurrency` are in flight.
    pub fn try_admit(self: &Arc<Self>) -> Option<Slot> {
        let max = self.max_concurrency.load(Ordering::SeqCst);
        self.in_flight
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| (n < max).then_some(n + 1))
            .ok()
            .map(|_| Slot(self.clone()))
    }

    /// Reserves `amount` credits, or `None` if the balance minus what is already reserved
    /// does not cover it.
    pub fn reserve(self: &Arc<Self>, amount: i64) -> Option<Reservation> {
        let mut l = self.ledger.lock().expect("ledger lock");
        if l.balance - l.reserved < amount {
            return None;
        }
        l.reserved += amount;
        Some(Reservation { shared: self.clone(), amount, epoch: l.epoch, done: false })
    }

    /// A reservation of nothing that no balance can refuse: the OpenAI flavour has no
    /// balance, but settles dollars through a reservation so a reset still forgets them.
    pub fn reserve_free(self: &Arc<Self>) -> Reservation {
        let l = self.ledger.lock().expect("ledger lock");
        Reservation { shared: self.clone(), amount: 0, epoch: l.epoch, done: false }
    }

    pub fn record(&self, rec: RequestRecord) {
        let mut log = self.log.lock().expect("log lock");
        if log.len() >= LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(rec);
    }

    pub fn records(&self) -> Vec<RequestRecord> {
        self.log.lock().expect("log lock").iter().cloned().collect()
    }
}

/// A concurrency slot; released on drop.
pub struct Slot(Arc<Shared>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Credits held for a running request. `settle` charges what was produced and releases
/// the rest; dropping it unsettled releases everything.
pub struct Reservation {
    shared: Arc<Shared>,
    amount: i64,
    epoch: u64,
    done: bool,
}

impl Reservation {
    /// Charges `actual` (at most the reserved amount) and releases the reservation.
    /// Returns what was charged (0 if a reset happened meanwhile).
    pub fn settle(self, actual: i64) -> i64 {
        self.settle_with(actual, 0).0
    }

    /// Charges `credits` and `usd_micros` and releases the reservation. Returns what was
    /// charged of each (0, 0 if a reset happened meanwhile).
    pub fn settle_with(mut self, credits: i64, usd_micros: i64) -> (i64, i64) {
        self.done = true;
        let mut l = self.shared.ledger.lock().expect("ledger lock");
        if l.epoch != self.epoch {
            return (0, 0);
        }
        // Billing follows the delivered output, which may cost more than was reserved.
        let actual = credits.max(0);
        let usd = usd_micros.max(0);
        l.reserved -= self.amount;
        l.balance -= actual;
        l.charged += actual;
        l.charged_usd_micros += usd;
        (actual, usd)
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let mut l = self.shared.ledger.lock().expect("ledger lock");
        if l.epoch == self.epoch {
            l.reserved -= self.amount;
        }
    }
}

/// The largest body accepted: every reference at the size limit, as base64, plus slack.
pub fn body_limit(cfg: &SimConfig) -> usize {
    (cfg.max_images + 2).saturating_mul(cfg.max_image_bytes.saturating_mul(4) / 3 + (64 << 10)).saturating_add(1 << 20)
}

/// `http://host:port` as the client addressed the server (its `Host` header), else the
/// bound address.
pub fn base_url_of(s: &Shared, headers: &HeaderMap) -> String {
    headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| !h.is_empty() && h.chars().all(|c| c.is_ascii_graphic()))
        .map(|h| format!("http://{h}"))
        .unwrap_or_else(|| format!("http://{}", s.addr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn latency_profiles() {
        let s = Shared::new(SimConfig::default(), "127.0.0.1:1".parse().unwrap());
        assert_eq!(s.latency(Tier::T512), Duration::from_millis(5));
        assert_eq!(s.latency(Tier::T4K), Duration::from_millis(20));
        *s.profile.lock().unwrap() = LatencyProfile::Realistic;
        for _ in 0..50 {
            let ms = s.latency(Tier::T4K).as_millis();
            assert!((8000..=12000).contains(&ms), "{ms}");
            let ms = s.latency(Tier::T512).as_millis();
            assert!((1600..=2400).contains(&ms), "{ms}");
        }
    }

    #[test]
    fn reservations_settle_release_and_survive_reset() {
        let s =
            Arc::new(Shared::new(SimConfig { credits: 10, ..SimConfig::default() }, "127.0.0.1:1".parse().unwrap()));
        let a = s.reserve(8).unwrap();
        assert!(s.reserve(3).is_none(), "8 of 10 are held");
        assert_eq!(a.settle(4), 4);
        let b = s.reserve(6).unwrap();
        drop(b);
        assert_eq!(s.ledger.lock().unwrap().reserved, 0);
        let c = s.reserve(6).unwrap();
        s.reset();
        assert_eq!(c.settle(6), 0, "a reset forgets older reservations");
        let l = s.ledger.lock().unwrap();
        assert_eq!((l.balance, l.charged, l.reserved), (10, 0, 0));
    }
}

//! The small handles every service is given rather than reaching for: where events go,
//! how image URLs look to the webview, the catalog in force, and the clock. None of them
//! knows a service; services take the ones they use in their constructors.

use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use crate::api::*;
use crate::catalog::Catalog;

/// A poisoned lock still holds valid data here (every writer leaves it consistent), so a
/// panic elsewhere must not take the engine down with it.
pub fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// What the engine reports as things change.
// Events go by value to one callback and are never stored in bulk, so the size difference
// between a RunView and a progress tick costs nothing worth a Box at every emit site.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum EngineEvent {
    RunUpdated(RunView),
    SessionUpdated(SessionView),
    /// The session's running spend, after each output entered in the ledger.
    SpendUpdated(SessionSpend),
    /// A benchmark's progress (at most ten a second while it runs).
    BenchProgress(BenchProgressEvent),
    /// A benchmark started or finished.
    BenchUpdated(BenchSummary),
}

pub type EventSink = Arc<dyn Fn(EngineEvent) + Send + Sync>;

/// Where events go (the shell turns them into Tauri events; the CLI ignores most).
#[derive(Clone)]
pub struct Events {
    sink: EventSink,
}

impl Events {
    pub fn new(sink: EventSink) -> Events {
        Events { sink }
    }

    pub fn emit(&self, e: EngineEvent) {
        // A benchmark's runs are not sent one by one (thousands of updates the UI would
        // drop): the benchmark reports its own progress.
        if matches!(&e, EngineEvent::RunUpdated(v) if v.bench_id.is_some()) {
            return;
        }
        (self.sink)(e)
    }
}

/// How stored images are addressed by the webview: `{base}/image/<sha>` and
/// `{base}/thumb/<sha>` (the shell serves them).
#[derive(Debug, Clone)]
pub struct ImageUrls {
    base: String,
}

impl ImageUrls {
    pub fn new(base: impl Into<String>) -> ImageUrls {
        ImageUrls { base: base.into() }
    }

    pub fn base(&self) -> &str {
        &self.base
    }

    pub fn image(&self, sha: &str) -> String {
        format!("{}/image/{sha}", self.base)
    }

    pub fn thumb(&self, sha: &str) -> String {
        format!("{}/thumb/{sha}", self.base)
    }
}

/// The catalog's entries, the models the current profile's server lists, and its gateway.
type CatalogParts = (Arc<Catalog>, Vec<String>, String);

/// The catalog in force, shared: readers take a cheap snapshot; a reload swaps it whole.
#[derive(Clone)]
pub struct CatalogHandle {
    /// The catalog file's (or the built-in) entries of every gateway, the models the current
    /// profile's server lists that it does not know, and the current profile's gateway;
    /// `current` is the first two together.
    parts: Arc<RwLock<CatalogParts>>,
    current: Arc<RwLock<Arc<Catalog>>>,
    /// Why the catalog file in the data dir was refused, if it was.
    problem: Arc<Option<String>>,
}

impl CatalogHandle {
    pub fn new(catalog: Catalog, problem: Option<String>) -> CatalogHandle {
        let catalog = Arc::new(catalog);
        CatalogHandle {
            parts: Arc::new(RwLock::new((catalog.clone(), vec![], crate::catalog::DEFAULT_GATEWAY.into()))),
            current: Arc::new(RwLock::new(catalog)),
            problem: Arc::new(problem),
        }
    }

    /// The catalog as it is now, every gateway's entries (runs find theirs by id whatever
    /// the current profile); a snapshot: a reload does not change it under the caller.
    pub fn get(&self) -> Arc<Catalog> {
        self.current.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// What the current profile offers: its gateway's entries and its server's models.
    pub fn current(&self) -> Catalog {
        let gateway = self.parts.read().unwrap_or_else(|p| p.into_inner()).2.clone();
        self.get().of_gateway(&gateway)
    }

    /// The catalog without the server's models.
    pub fn base(&self) -> Arc<Catalog> {
        self.parts.read().unwrap_or_else(|p| p.into_inner()).0.clone()
    }

    pub fn replace(&self, catalog: Catalog) {
        let mut parts = self.parts.write().unwrap_or_else(|p| p.into_inner());
        parts.0 = Arc::new(catalog);
        self.rebuild(&parts);
    }

    /// The current profile's gateway and the models its server lists (those its gateway's
    /// entries do not know become unpriced entries).
    pub fn set_profile(&self, gateway: &str, listed: Vec<String>) {
        let mut parts = self.parts.write().unwrap_or_else(|p| p.into_inner());
        parts.1 = listed;
        parts.2 = gateway.to_string();
        self.rebuild(&parts);
    }

    fn rebuild(&self, parts: &CatalogParts) {
        let merged =
            if parts.1.is_empty() { parts.0.clone() } else { Arc::new(parts.0.with_listed(&parts.2, &parts.1)) };
        *self.current.write().unwrap_or_else(|p| p.into_inner()) = merged;
    }

    pub fn problem(&self) -> Option<&str> {
        self.problem.as_deref()
    }
}

/// The time, passed in so that what depends on it (a session that continues today,
/// ledger timestamps) can be tested at any hour.
pub trait Clock: Send + Sync {
    fn now(&self) -> time::OffsetDateTime;

    fn now_rfc3339(&self) -> String {
        self.now().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
    }
}

/// The computer's clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> time::OffsetDateTime {
        time::OffsetDateTime::now_utc()
    }
}

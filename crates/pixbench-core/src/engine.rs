//! The facade the desktop shell and the CLI call: one `Engine` per data dir. It owns the
//! store, the image files, the catalog, the Sandbox server, the secret store and the runs
//! in flight, and reports changes through an event callback.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, RwLock};

use tokio_util::sync::CancellationToken;

use crate::api::*;
use crate::blobs::Blobs;
use crate::catalog::{Catalog, CatalogSource};
use crate::error::{ui, CoreError, CoreResult};
use crate::secrets::{mask_key, normalize_key, SecretStore};
use crate::store::{now_rfc3339, ProfileRow, SessionRow, Store, SANDBOX_ID};

/// The key the in-process Sandbox accepts. Not a secret: the Sandbox charges nothing real.
pub const SANDBOX_KEY: &str = "sk_sandbox_local";
pub const SANDBOX_NAME: &str = "Sandbox";
pub const DEFAULT_BASE_URL: &str = "https://api.pixapi.ai";
pub const DEFAULT_MODEL: &str = "gemini-3.1-flash-image-preview";

/// What the engine reports as things change.
// Events go by value to one callback and are never stored in bulk, so the size difference
// between a RunView and a progress tick costs nothing worth a Box at every emit site.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum EngineEvent {
    RunUpdated(RunView),
    SessionUpdated(SessionView),
    /// A benchmark's progress (at most ten a second while it runs).
    BenchProgress(BenchProgressEvent),
    /// A benchmark started or finished.
    BenchUpdated(BenchSummary),
}

pub type EventSink = Arc<dyn Fn(EngineEvent) + Send + Sync>;

pub struct EngineConfig {
    pub data_dir: PathBuf,
    pub secrets: Arc<dyn SecretStore>,
    /// A key from the environment ([`ENV_KEY_VARS`]): overrides the keychain for the
    /// profiles whose server is Pixapi's, this computer, or one of `env_key_origins`.
    pub env_key: Option<String>,
    /// More origins the environment's key may go to (the CLI's `--base-url`).
    pub env_key_origins: Vec<String>,
    /// Fixed port for the Sandbox server (tests use it to reach its admin API); 0 = any.
    pub sandbox_port: u16,
    pub sandbox_profile: pixapi_sim::LatencyProfile,
    /// Targets of one comparison running at once.
    pub max_concurrency: usize,
    /// How image URLs look to the webview, e.g. `pxb://localhost`.
    pub image_url_base: String,
    pub events: EventSink,
    /// Resume (async) or mark interrupted (sync) the runs left unfinished, at open. The
    /// app does; a second process on the same data dir (the CLI) must not, or it would
    /// take over the runs the open app has in flight.
    pub resume_unfinished: bool,
    /// Overrides the HTTP client's read timeout for every profile (`None`: pixapi's
    /// default, 10 min). Tests of slow servers shorten it.
    pub client_read_timeout: Option<std::time::Duration>,
    /// Overrides the largest answer accepted (`None`: pixapi's default, 256 MiB).
    pub client_max_response_bytes: Option<u64>,
}

impl EngineConfig {
    pub fn new(data_dir: impl Into<PathBuf>, secrets: Arc<dyn SecretStore>) -> EngineConfig {
        EngineConfig {
            data_dir: data_dir.into(),
            secrets,
            env_key: None,
            env_key_origins: vec![],
            sandbox_port: 0,
            sandbox_profile: pixapi_sim::LatencyProfile::Fast,
            max_concurrency: 4,
            image_url_base: "pxb://localhost".into(),
            events: Arc::new(|_| {}),
            resume_unfinished: true,
            client_read_timeout: None,
            client_max_response_bytes: None,
        }
    }

    /// The settings the app and the CLI read from the environment: the key
    /// ([`ENV_KEY_VARS`]), `PIXBENCH_SANDBOX_PORT` and `PIXBENCH_SANDBOX_PROFILE=realistic`.
    pub fn from_env(data_dir: impl Into<PathBuf>, secrets: Arc<dyn SecretStore>) -> EngineConfig {
        let mut cfg = EngineConfig::new(data_dir, secrets);
        cfg.env_key = env_key();
        cfg.sandbox_port = std::env::var("PIXBENCH_SANDBOX_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(0);
        if std::env::var("PIXBENCH_SANDBOX_PROFILE").as_deref() == Ok("realistic") {
            cfg.sandbox_profile = pixapi_sim::LatencyProfile::Realistic;
        }
        cfg
    }
}

/// Largest reference file read, in bytes (it is downscaled to the model's limit after).
pub const MAX_REFERENCE_FILE: u64 = 200 * 1024 * 1024;

/// Reads a regular file of at most `limit` bytes. The read itself is bounded (a file that
/// grows after the size check, `/dev/zero` or a FIFO cannot exhaust memory or block), and
/// the reasons do not tell whether some other path exists.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    use std::io::Read;
    let unreadable = || "it is not a readable image file".to_string();
    // Opening a FIFO for reading blocks until a writer comes: look before opening.
    let meta = std::fs::metadata(path).map_err(|_| unreadable())?;
    if !meta.is_file() {
        return Err(unreadable());
    }
    if meta.len() > limit {
        return Err(format!("it is {} MB; files over {} MB are refused", meta.len() >> 20, limit >> 20));
    }
    let f = std::fs::File::open(path).map_err(|_| unreadable())?;
    let mut buf = Vec::with_capacity(meta.len() as usize);
    f.take(limit + 1).read_to_end(&mut buf).map_err(|_| unreadable())?;
    if buf.len() as u64 > limit {
        return Err(format!("it grew past {} MB while being read", limit >> 20));
    }
    Ok(buf)
}

/// The origin (`scheme://host[:port]`) of a base URL, lowercased; `None` if it is not an
/// http(s) URL.
pub fn origin_of(base_url: &str) -> Option<String> {
    let u = url::Url::parse(base_url.trim()).ok()?;
    if !matches!(u.scheme(), "http" | "https") || u.host_str().is_none() {
        return None;
    }
    Some(u.origin().ascii_serialization())
}

/// Whether an origin is this computer (loopback): the only place `http://` may go.
pub fn is_loopback_origin(origin: &str) -> bool {
    let Ok(u) = url::Url::parse(origin) else { return false };
    match u.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Where a key may come from in the environment: `PIXAPI_KEY`, the variable of every
/// example on Pixapi's pages (docs/authentication/), then the older `PIXAPI_API_KEY`.
pub const ENV_KEY_VARS: [&str; 2] = [pixapi::API_KEY_ENV, pixapi::API_KEY_ENV_ALIAS];

/// The first non-empty key of [`ENV_KEY_VARS`].
pub fn env_key() -> Option<String> {
    ENV_KEY_VARS.iter().find_map(|v| std::env::var(v).ok().filter(|k| !k.trim().is_empty()))
}

pub(crate) struct ActiveRun {
    pub cancel: CancellationToken,
    pub target_cancels: Vec<CancellationToken>,
    pub done: tokio::sync::watch::Receiver<bool>,
}

/// A benchmark running in this process.
pub(crate) struct ActiveBench {
    pub cancel: CancellationToken,
    /// Turns true once its report is saved.
    pub done: tokio::sync::watch::Receiver<bool>,
}

pub(crate) struct Inner {
    pub cfg: EngineConfig,
    pub store: Store,
    pub blobs: Blobs,
    pub catalog: RwLock<Catalog>,
    pub catalog_problem: Option<String>,
    pub sandbox: pixapi_sim::SimServer,
    pub current_profile: Mutex<String>,
    pub session_id: Mutex<String>,
    pub active: Mutex<HashMap<String, ActiveRun>>,
    pub semaphore: Arc<tokio::sync::Semaphore>,
    /// One client per profile (base URL and key as last used), so runs reuse connections.
    pub clients: Mutex<HashMap<String, (String, String, pixapi::Client)>>,
    /// Benchmarks running in this process, by id.
    pub benches: Mutex<HashMap<String, ActiveBench>>,
    /// What runs in flight may still cost, by run id: counted against the budget so two
    /// quick runs cannot both pass it. Checked and taken under `budget_gate`.
    pub reservations: Mutex<HashMap<String, crate::runner::Reservation>>,
    pub budget_gate: Mutex<()>,
    /// Targets whose paid images wait in memory for the disk (see `held`).
    pub held: Mutex<crate::held::HeldTargets>,
    /// Blind A/B pairs handed out and not yet voted on (see `votes`).
    pub blind: Mutex<crate::votes::BlindState>,
}

#[derive(Clone)]
pub struct Engine {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Engine {
    /// Opens (or creates) the data dir, starts the Sandbox, and resumes unfinished runs.
    pub async fn open(cfg: EngineConfig) -> CoreResult<Engine> {
        std::fs::create_dir_all(&cfg.data_dir).map_err(|e| {
            CoreError::Ui(ui(
                ErrorKind::DataDir,
                format!(
                    "Could not create the data folder {}: {e}. Choose a writable folder with PIXBENCH_DATA_DIR.",
                    cfg.data_dir.display()
                ),
            ))
        })?;
        let store = Store::open(&cfg.data_dir.join("pixbench.sqlite"))?;
        // Runs this process starts are its own until it ends (see `owner`).
        if let Err(e) = crate::owner::claim(&cfg.data_dir) {
            tracing::warn!("could not take the owner lock in {}: {e}", cfg.data_dir.display());
        }
        store.set_owner(crate::owner::this_process());
        let blobs = Blobs::new(cfg.data_dir.join("blobs"));
        // Half-written files of a crash (an hour old: no write in progress is).
        blobs.sweep_temp(std::time::Duration::from_secs(3600));
        let (catalog, catalog_problem) = match Catalog::load(&cfg.data_dir) {
            Ok(c) => (c, None),
            Err(e) => (
                Catalog::built_in(),
                Some(format!("The catalog file was refused ({e}); the built-in catalog is in force.")),
            ),
        };
        let sandbox = pixapi_sim::SimServer::start(pixapi_sim::SimConfig {
            port: cfg.sandbox_port,
            keys: vec![SANDBOX_KEY.to_string()],
            credits: 1_000_000_000,
            profile: cfg.sandbox_profile,
            ..Default::default()
        })
        .await
        .map_err(|e| CoreError::Ui(ui(ErrorKind::Sandbox, format!("The Sandbox server could not start: {e}"))))?;

        // The Sandbox profile always exists; its URL is the live server's.
        if store.profile(SANDBOX_ID).is_err() {
            store.upsert_profile(&ProfileRow {
                id: SANDBOX_ID.into(),
                name: SANDBOX_NAME.into(),
                base_url: "sandbox".into(),
                default_model: DEFAULT_MODEL.into(),
                budget_credits: None,
                is_sandbox: true,
                key_mask: None,
                request_style: RequestStyle::Size,
                image_parts: ImageParts::Auto,
                key_origin: None,
            })?;
        }
        let current = store
            .setting("current_profile")?
            .filter(|id| store.profile(id).is_ok())
            .unwrap_or_else(|| SANDBOX_ID.to_string());

        let session = Self::start_or_continue_session(&store)?;
        let max = cfg.max_concurrency.max(1);
        let engine = Engine {
            inner: Arc::new(Inner {
                cfg,
                store,
                blobs,
                catalog: RwLock::new(catalog),
                catalog_problem,
                sandbox,
                current_profile: Mutex::new(current),
                session_id: Mutex::new(session.id),
                active: Mutex::new(HashMap::new()),
                semaphore: Arc::new(tokio::sync::Semaphore::new(max)),
                clients: Mutex::new(HashMap::new()),
                benches: Mutex::new(HashMap::new()),
                reservations: Mutex::new(HashMap::new()),
                budget_gate: Mutex::new(()),
                held: Mutex::new(Default::default()),
                blind: Mutex::new(Default::default()),
            }),
        };
        if engine.inner.cfg.resume_unfinished {
            // A benchmark cannot go on after a stop; its finished requests are in history.
            let dir = engine.data_dir().to_path_buf();
            engine.store().mark_running_benchmarks_interrupted(|o| crate::owner::may_take_over(&dir, o))?;
            engine.recover_unfinished_runs();
        }
        Ok(engine)
    }

    fn start_or_continue_session(store: &Store) -> CoreResult<SessionRow> {
        let continue_today = store
            .setting("session_mode")?
            .is_some_and(|m| crate::api::SessionMode::from_stored(&m) == crate::api::SessionMode::ContinueToday);
        if continue_today {
            if let Some(s) = store.latest_session()? {
                let today = &now_rfc3339()[..10];
                if s.started_at.starts_with(today) {
                    return Ok(s);
                }
            }
        }
        let s = SessionRow {
            id: uuid::Uuid::now_v7().to_string(),
            name: format!("Session {}", now_rfc3339()[..16].replace('T', " ")),
            started_at: now_rfc3339(),
            budget_credits: None,
        };
        store.insert_session(&s)?;
        Ok(s)
    }

    pub fn data_dir(&self) -> &Path {
        &self.inner.cfg.data_dir
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn blobs(&self) -> &Blobs {
        &self.inner.blobs
    }

    pub fn sandbox_url(&self) -> String {
        self.inner.sandbox.base_url()
    }

    pub fn sandbox(&self) -> &pixapi_sim::SimServer {
        &self.inner.sandbox
    }

    pub fn catalog(&self) -> Catalog {
        self.inner.catalog.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    pub(crate) fn emit(&self, e: EngineEvent) {
        // A benchmark's runs are not sent one by one (thousands of updates the UI would
        // drop): the benchmark reports its own progress.
        if matches!(&e, EngineEvent::RunUpdated(v) if v.bench_id.is_some()) {
            return;
        }
        (self.inner.cfg.events)(e)
    }

    pub fn image_url(&self, sha: &str) -> String {
        format!("{}/image/{sha}", self.inner.cfg.image_url_base)
    }

    pub fn thumb_url(&self, sha: &str) -> String {
        format!("{}/thumb/{sha}", self.inner.cfg.image_url_base)
    }

    pub fn app_info(&self) -> AppInfo {
        let catalog = self.catalog();
        AppInfo {
            version: env!("CARGO_PKG_VERSION").into(),
            data_dir: self.data_dir().display().to_string(),
            catalog_source: match (&catalog.source, &self.inner.catalog_problem) {
                (_, Some(p)) => p.clone(),
                (CatalogSource::BuiltIn, None) => "built-in".into(),
                (CatalogSource::File(p), None) => p.display().to_string(),
            },
            keychain_problem: self.inner.cfg.secrets.problem().map(|e| e.to_string()),
            sandbox_url: self.sandbox_url(),
        }
    }

    pub fn catalog_view(&self) -> CatalogView {
        self.catalog().view()
    }

    // ---------------- profiles ----------------

    pub fn current_profile_id(&self) -> String {
        lock(&self.inner.current_profile).clone()
    }

    fn profile_view(&self, p: &ProfileRow) -> ProfileView {
        let current = self.current_profile_id() == p.id;
        let (key_state, key_note, key_mask) = if p.is_sandbox {
            (KeyState::Sandbox, None, None)
        } else if let Some(k) = &self.env_key_for(&p.base_url) {
            (
                KeyState::Env,
                Some(format!("Using the key from {} for this process.", ENV_KEY_VARS.join(" / "))),
                Some(mask_key(k)),
            )
        } else {
            match self.inner.cfg.secrets.get(&p.id) {
                Ok(Some(k)) => (KeyState::Stored, None, Some(mask_key(&k))),
                Ok(None) => {
                    (KeyState::Missing, Some("No key stored. Paste this profile's key to use it.".to_string()), None)
                }
                Err(e) => (KeyState::Unavailable, Some(e.to_string()), p.key_mask.clone()),
            }
        };
        ProfileView {
            id: p.id.clone(),
            name: p.name.clone(),
            base_url: if p.is_sandbox { self.sandbox_url() } else { p.base_url.clone() },
            default_model: p.default_model.clone(),
            budget_credits: p.budget_credits,
            is_sandbox: p.is_sandbox,
            is_current: current,
            key_mask,
            key_state,
            key_note,
            request_style: p.request_style,
            image_parts: p.image_parts,
        }
    }

    pub fn profiles_list(&self) -> CoreResult<Vec<ProfileView>> {
        Ok(self.inner.store.profiles()?.iter().map(|p| self.profile_view(p)).collect())
    }

    pub fn profile_get(&self, id: &str) -> CoreResult<ProfileView> {
        Ok(self.profile_view(&self.inner.store.profile(id)?))
    }

    pub fn profile_select(&self, id: &str) -> CoreResult<ProfileView> {
        let p = self.inner.store.profile(id)?;
        self.inner.store.set_setting("current_profile", &p.id)?;
        *lock(&self.inner.current_profile) = p.id.clone();
        let v = self.profile_view(&p);
        if let Ok(s) = self.session_current() {
            self.emit(EngineEvent::SessionUpdated(s));
        }
        Ok(v)
    }

    /// Makes a profile current for this process only: unlike [`Engine::profile_select`]
    /// the choice is not saved, so a headless run does not change the app's profile.
    pub fn profile_use(&self, id: &str) -> CoreResult<ProfileView> {
        let p = self.inner.store.profile(id)?;
        *lock(&self.inner.current_profile) = p.id.clone();
        Ok(self.profile_view(&p))
    }

    pub fn profile_save(&self, input: ProfileInput) -> CoreResult<ProfileView> {
        let name = input.name.trim().to_string();
        if name.is_empty() {
            return Err(CoreError::Ui(ui(ErrorKind::Invalid, "A profile needs a name.")));
        }
        let base_url = input.base_url.trim().trim_end_matches('/').to_string();
        let base_url = if base_url.is_empty() { DEFAULT_BASE_URL.to_string() } else { base_url };
        let Some(new_origin) = origin_of(&base_url) else {
            return Err(CoreError::Ui(ui(
                ErrorKind::Invalid,
                "The base URL must start with https:// (or http:// for a local server).",
            )));
        };
        // A key (and prompts) must not cross a network in the clear.
        if new_origin.starts_with("http://") && !is_loopback_origin(&new_origin) {
            return Err(CoreError::Ui(ui(
                ErrorKind::Invalid,
                "The base URL must use https:// (http:// is only for a server on this computer: localhost, 127.0.0.1, [::1]).",
            )));
        }
        if input.budget_credits.is_some_and(|b| b < 0) {
            return Err(CoreError::Ui(ui(ErrorKind::Invalid, "A budget cannot be negative.")));
        }
        let (id, is_sandbox, mut key_mask, style, parts, mut key_origin) = match &input.id {
            Some(id) => {
                let old = self.inner.store.profile(id)?;
                (old.id, old.is_sandbox, old.key_mask, old.request_style, old.image_parts, old.key_origin)
            }
            None => (uuid::Uuid::new_v4().to_string(), false, None, RequestStyle::Size, ImageParts::Auto, None),
        };
        // A key belongs to the server it was entered for: a new origin asks for it again,
        // so that editing the URL can never send a stored key elsewhere.
        if !is_sandbox && key_origin.as_deref().and_then(origin_of).is_some_and(|o| o != new_origin) {
            self.inner.cfg.secrets.delete(&id).map_err(|e| CoreError::Ui(ui(ErrorKind::Keychain, e.to_string())))?;
            key_mask = None;
            key_origin = None;
        }
        // The Sandbox speaks Pixapi's documented form only.
        let (style, parts) = if is_sandbox {
            (RequestStyle::Size, ImageParts::Auto)
        } else {
            (input.request_style.unwrap_or(style), input.image_parts.unwrap_or(parts))
        };
        if is_sandbox && name != SANDBOX_NAME {
            return Err(CoreError::Ui(ui(ErrorKind::Invalid, "The Sandbox profile cannot be renamed.")));
        }
        let row = ProfileRow {
            id: id.clone(),
            name,
            base_url: if is_sandbox { "sandbox".into() } else { base_url },
            default_model: if input.default_model.trim().is_empty() {
                DEFAULT_MODEL.into()
            } else {
                input.default_model.trim().into()
            },
            budget_credits: input.budget_credits,
            is_sandbox,
            key_mask,
            request_style: style,
            image_parts: parts,
            key_origin,
        };
        self.inner.store.upsert_profile(&row)?;
        self.profile_get(&id)
    }

    pub fn profile_delete(&self, id: &str) -> CoreResult<()> {
        let p = self.inner.store.profile(id)?;
        if p.is_sandbox {
            return Err(CoreError::Ui(ui(ErrorKind::Invalid, "The Sandbox profile cannot be deleted.")));
        }
        // Remove the key first: a profile row without a key is harmless, a key without a profile is not.
        self.inner.cfg.secrets.delete(id).map_err(|e| CoreError::Ui(ui(ErrorKind::Keychain, e.to_string())))?;
        self.inner.store.delete_profile(id)?;
        if self.current_profile_id() == id {
            self.profile_select(SANDBOX_ID)?;
        }
        Ok(())
    }

    pub fn profile_set_key(&self, id: &str, raw_key: &str) -> CoreResult<ProfileView> {
        let mut p = self.inner.store.profile(id)?;
        if p.is_sandbox {
            return Err(CoreError::Ui(ui(ErrorKind::Invalid, "The Sandbox needs no key and cannot hold one.")));
        }
        let key = normalize_key(raw_key).map_err(|m| CoreError::Ui(ui(ErrorKind::Invalid, m)))?;
        self.inner.cfg.secrets.set(id, &key).map_err(|e| CoreError::Ui(ui(ErrorKind::Keychain, e.to_string())))?;
        p.key_mask = Some(mask_key(&key));
        p.key_origin = Some(p.base_url.clone());
        self.inner.store.upsert_profile(&p)?;
        Ok(self.profile_view(&p))
    }

    pub fn profile_remove_key(&self, id: &str) -> CoreResult<ProfileView> {
        let mut p = self.inner.store.profile(id)?;
        self.inner.cfg.secrets.delete(id).map_err(|e| CoreError::Ui(ui(ErrorKind::Keychain, e.to_string())))?;
        p.key_mask = None;
        p.key_origin = None;
        self.inner.store.upsert_profile(&p)?;
        Ok(self.profile_view(&p))
    }

    /// The environment's key, if it may go to `base_url`: Pixapi's own server, this
    /// computer, or an origin the caller named ([`EngineConfig::env_key_origins`]). A key in
    /// the environment must not reach every host a profile happens to name.
    fn env_key_for(&self, base_url: &str) -> Option<String> {
        let key = self.inner.cfg.env_key.clone()?;
        let origin = origin_of(base_url)?;
        let allowed = origin_of(DEFAULT_BASE_URL).as_deref() == Some(origin.as_str())
            || is_loopback_origin(&origin)
            || self.inner.cfg.env_key_origins.iter().any(|o| origin_of(o).as_deref() == Some(origin.as_str()));
        allowed.then_some(key)
    }

    /// A client for a profile, with its key from the environment or the keychain.
    pub fn client_for(&self, profile_id: &str) -> CoreResult<(pixapi::Client, ProfileRow)> {
        let p = self.inner.store.profile(profile_id)?;
        let (base, key) = if p.is_sandbox {
            (self.sandbox_url(), SANDBOX_KEY.to_string())
        } else if let Some(k) = self.env_key_for(&p.base_url) {
            (p.base_url.clone(), k)
        } else {
            match self.inner.cfg.secrets.get(&p.id) {
                // Defence in depth: a key goes only to the origin it was entered for.
                Ok(Some(_)) if p.key_origin.as_deref().and_then(origin_of) != origin_of(&p.base_url) => {
                    return Err(CoreError::Ui(ui(
                        ErrorKind::NoKey,
                        format!(
                            "The base URL of profile “{}” is not the one its key was entered for. Open Profiles and paste the key again to use it with {}.",
                            p.name, p.base_url
                        ),
                    )))
                }
                Ok(Some(k)) => (p.base_url.clone(), k),
                Ok(None) => {
                    return Err(CoreError::Ui(ui(
                        ErrorKind::NoKey,
                        format!(
                            "Profile “{}” has no key stored. Open Profiles and paste its key (or set PIXAPI_KEY).",
                            p.name
                        ),
                    )))
                }
                Err(e) => return Err(CoreError::Ui(ui(ErrorKind::Keychain, e.to_string()))),
            }
        };
        if let Some((b, k, c)) = lock(&self.inner.clients).get(&p.id) {
            if *b == base && *k == key {
                return Ok((c.clone(), p));
            }
        }
        let mut cfg = pixapi::ClientConfig::new(base.clone()).with_api_key(key.clone());
        cfg.user_agent = concat!("pixbench/", env!("CARGO_PKG_VERSION")).into();
        if let Some(t) = self.inner.cfg.client_read_timeout {
            cfg.read_timeout = t;
        }
        if let Some(b) = self.inner.cfg.client_max_response_bytes {
            cfg.max_response_bytes = b;
        }
        let client = pixapi::Client::new(cfg).map_err(|e| CoreError::Ui(ui(ErrorKind::Client, e.user_message())))?;
        lock(&self.inner.clients).insert(p.id.clone(), (base, key, client.clone()));
        Ok((client, p))
    }

    /// Every key this engine has handed a client (to scrub them from what servers say).
    pub(crate) fn known_keys(&self) -> Vec<String> {
        lock(&self.inner.clients).values().map(|(_, k, _)| k.clone()).collect()
    }

    pub async fn profile_test(&self, id: &str) -> CoreResult<KeyTestResult> {
        let (client, p) = self.client_for(id)?;
        let started = std::time::Instant::now();
        let r = client.list_models(&CancellationToken::new()).await;
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        Ok(match r {
            Ok(models) => KeyTestResult {
                ok: true,
                message: format!("The key works: {} models available at {}.", models.len(), client.base_url()),
                models: models.len() as u32,
                latency_ms,
            },
            Err(e) => KeyTestResult {
                ok: false,
                message: match e.kind() {
                    pixapi::Error::Unauthorized => format!(
                        "The key of profile “{}” was rejected (401). Check it on your Pixapi dashboard and paste it again.",
                        p.name
                    ),
                    _ => {
                        let m = e.user_message();
                        crate::scrub::scrub(&m, &self.known_keys()).unwrap_or(m)
                    }
                },
                models: 0,
                latency_ms,
            },
        })
    }

    // ---------------- sessions ----------------

    pub fn session_id(&self) -> String {
        lock(&self.inner.session_id).clone()
    }

    pub fn session_new(&self, name: &str) -> CoreResult<SessionView> {
        let name = name.trim();
        let s = SessionRow {
            id: uuid::Uuid::now_v7().to_string(),
            name: if name.is_empty() {
                format!("Session {}", now_rfc3339()[..16].replace('T', " "))
            } else {
                name.into()
            },
            started_at: now_rfc3339(),
            budget_credits: None,
        };
        self.inner.store.insert_session(&s)?;
        *lock(&self.inner.session_id) = s.id.clone();
        let v = self.session_current()?;
        self.emit(EngineEvent::SessionUpdated(v.clone()));
        Ok(v)
    }

    pub fn session_set_budget(&self, credits: Option<i64>) -> CoreResult<SessionView> {
        if credits.is_some_and(|c| c < 0) {
            return Err(CoreError::Ui(ui(ErrorKind::Invalid, "A budget cannot be negative.")));
        }
        self.inner.store.set_session_budget(&self.session_id(), credits)?;
        let v = self.session_current()?;
        self.emit(EngineEvent::SessionUpdated(v.clone()));
        Ok(v)
    }

    pub fn session_current(&self) -> CoreResult<SessionView> {
        crate::session::session_view(self, &self.session_id())
    }

    // ---------------- references ----------------

    /// The strictest limits among the catalog's targets that take references: a file
    /// that passes them passes for every model.
    fn reference_limits(&self) -> (Vec<String>, u64) {
        let c = self.catalog();
        let max = c.entries.iter().map(|e| e.max_reference_bytes).min().unwrap_or(7 << 20);
        let formats = c.entries.first().map(|e| e.reference_formats.clone()).unwrap_or_default();
        (formats, max)
    }

    pub fn reference_add_bytes(&self, name: &str, bytes: Vec<u8>) -> CoreResult<ReferenceView> {
        let (formats, max) = self.reference_limits();
        let prepared = crate::references::prepare(name, bytes, &formats, max)
            .map_err(|m| CoreError::Ui(ui(ErrorKind::Invalid, m)))?;
        let sha =
            self.inner.blobs.put(&prepared.bytes).map_err(|e| CoreError::Ui(ui(ErrorKind::Disk, e.to_string())))?;
        let view = ReferenceView {
            sha256: sha.clone(),
            name: prepared.name,
            mime: prepared.mime,
            width: prepared.width,
            height: prepared.height,
            bytes: prepared.bytes.len() as u64,
            thumb_url: self.thumb_url(&sha),
            original_bytes: prepared.original.map(|o| o.0),
            original_width: prepared.original.map(|o| o.1),
            original_height: prepared.original.map(|o| o.2),
            note: prepared.note,
        };
        self.inner.store.upsert_reference(&view)?;
        Ok(view)
    }

    pub fn references_add_paths(&self, paths: &[PathBuf]) -> CoreResult<Vec<ReferenceView>> {
        let mut out = Vec::new();
        for p in paths {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "image".into());
            let bytes = read_bounded(p, MAX_REFERENCE_FILE)
                .map_err(|why| CoreError::Ui(ui(ErrorKind::Invalid, format!("{name} could not be added: {why}."))))?;
            out.push(self.reference_add_bytes(&name, bytes)?);
        }
        Ok(out)
    }

    pub fn reference(&self, sha: &str) -> CoreResult<ReferenceView> {
        let mut r = self.inner.store.reference(sha)?;
        r.thumb_url = self.thumb_url(sha);
        Ok(r)
    }

    // ---------------- history ----------------

    pub fn history_list(&self, filter: &HistoryFilter) -> CoreResult<Vec<RunSummary>> {
        let mut rows = self.inner.store.history(filter)?;
        for r in &mut rows {
            r.thumb_url = r.thumb_url.take().map(|sha| self.thumb_url(&sha));
        }
        Ok(rows)
    }

    pub fn run_get(&self, run_id: &str) -> CoreResult<RunView> {
        crate::runner::load_run_view(self, run_id)
    }

    pub fn run_delete(&self, run_id: &str) -> CoreResult<()> {
        if lock(&self.inner.active).contains_key(run_id) {
            return Err(CoreError::Ui(ui(
                ErrorKind::Busy,
                "This run is still going. Cancel it first, then delete it.",
            )));
        }
        for sha in self.inner.store.delete_run(run_id)? {
            self.inner.blobs.remove(&sha);
        }
        Ok(())
    }

    pub fn output_rate(
        &self,
        run_id: &str,
        target_idx: u32,
        idx: u32,
        rating: Option<u8>,
        note: Option<String>,
    ) -> CoreResult<()> {
        if rating.is_some_and(|r| !(1..=5).contains(&r)) {
            return Err(CoreError::Ui(ui(ErrorKind::Invalid, "A rating goes from 1 to 5.")));
        }
        self.inner.store.rate_output(run_id, target_idx, idx, rating, note.as_deref())?;
        if let Ok(v) = self.run_get(run_id) {
            self.emit(EngineEvent::RunUpdated(v));
        }
        Ok(())
    }
}

//! The facade the desktop shell and the CLI hold: one `Engine` per data dir. It opens the
//! store, the image files, the catalog and the Sandbox server, builds each service with
//! the dependencies it names, and hands the services out as fields. A command goes from
//! the shell to the service that does the work in one hop (`engine.runs.start(...)`).
//!
//! The services, each in its own module: [`Profiles`] (where requests go, with which
//! key), [`Sessions`] (the session and the ledger's figures), [`References`],
//! [`Lineages`], [`SettingsService`], [`Runs`] (estimates, runs, resumes, held images),
//! [`Benchmarks`], [`Votes`], [`Metrics`], [`Recipes`] and [`Exports`].

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::api::*;
use crate::bench::{Benchmarks, BenchmarksDeps};
use crate::blobs::Blobs;
use crate::catalog::{Catalog, CatalogSource};
use crate::error::{ui, CoreError, CoreResult};
use crate::export::{Exports, ExportsDeps};
use crate::infra::{CatalogHandle, Clock, EventSink, Events, ImageUrls, SystemClock};
use crate::lineage::Lineages;
use crate::metrics::Metrics;
use crate::profiles::{env_key, Profiles, ProfilesConfig, SANDBOX_KEY};
use crate::recipe::Recipes;
use crate::references::References;
use crate::runs::{Runs, RunsDeps};
use crate::secrets::SecretStore;
use crate::server_models::ServerModelsService;
use crate::session::Sessions;
use crate::settings::SettingsService;
use crate::store::Store;
use crate::votes::Votes;

pub use crate::infra::EngineEvent;

pub struct EngineConfig {
    pub data_dir: PathBuf,
    pub secrets: Arc<dyn SecretStore>,
    /// A key from the environment ([`crate::profiles::ENV_KEY_VARS`]): overrides the
    /// keychain for the profiles whose server is Pixapi's, this computer, or one of
    /// `env_key_origins`.
    pub env_key: Option<String>,
    /// More origins the environment's key may go to (the CLI's `--base-url`).
    pub env_key_origins: Vec<String>,
    /// Fixed port for the Sandbox server (tests use it to reach its admin API); 0 = any.
    pub sandbox_port: u16,
    pub sandbox_profile: pixapi_sim::LatencyProfile,
    /// Models the Sandbox lists and serves beyond Pixapi's (a model the catalog does not
    /// know, to try "listed by the server"): `PIXBENCH_SANDBOX_EXTRA_MODELS`, comma-separated.
    pub sandbox_extra_models: Vec<String>,
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
    /// Overrides how async tasks are polled (`None`: pixapi's default). Tests shorten it.
    pub client_poll: Option<pixapi::PollPolicy>,
    /// How long after a failed check an accepted task is checked again, at first (it
    /// doubles up to 15 minutes). Tests shorten it.
    pub task_recheck_after: std::time::Duration,
    /// The time (tests set their own).
    pub clock: Arc<dyn Clock>,
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
            sandbox_extra_models: vec![],
            max_concurrency: 4,
            image_url_base: "pxb://localhost".into(),
            events: Arc::new(|_| {}),
            resume_unfinished: true,
            client_read_timeout: None,
            client_max_response_bytes: None,
            client_poll: None,
            task_recheck_after: std::time::Duration::from_secs(30),
            clock: Arc::new(SystemClock),
        }
    }

    /// The settings the app and the CLI read from the environment: the key
    /// ([`crate::profiles::ENV_KEY_VARS`]), `PIXBENCH_SANDBOX_PORT` and
    /// `PIXBENCH_SANDBOX_PROFILE=realistic`, `PIXBENCH_SANDBOX_EXTRA_MODELS`.
    pub fn from_env(data_dir: impl Into<PathBuf>, secrets: Arc<dyn SecretStore>) -> EngineConfig {
        let mut cfg = EngineConfig::new(data_dir, secrets);
        cfg.env_key = env_key();
        cfg.sandbox_port = std::env::var("PIXBENCH_SANDBOX_PORT").ok().and_then(|p| p.parse().ok()).unwrap_or(0);
        if std::env::var("PIXBENCH_SANDBOX_PROFILE").as_deref() == Ok("realistic") {
            cfg.sandbox_profile = pixapi_sim::LatencyProfile::Realistic;
        }
        if let Ok(extra) = std::env::var("PIXBENCH_SANDBOX_EXTRA_MODELS") {
            cfg.sandbox_extra_models =
                extra.split(',').map(str::trim).filter(|s| !s.is_empty()).take(16).map(str::to_string).collect();
        }
        cfg
    }
}

/// The engine: the services of one data dir.
#[derive(Clone)]
pub struct Engine {
    pub profiles: Arc<Profiles>,
    pub sessions: Arc<Sessions>,
    pub references: Arc<References>,
    pub lineages: Arc<Lineages>,
    pub settings: Arc<SettingsService>,
    pub runs: Arc<Runs>,
    pub benchmarks: Arc<Benchmarks>,
    pub votes: Arc<Votes>,
    pub metrics: Arc<Metrics>,
    pub recipes: Arc<Recipes>,
    pub exports: Arc<Exports>,
    pub server_models: Arc<ServerModelsService>,
    pub catalog: CatalogHandle,
    pub urls: ImageUrls,
    store: Arc<Store>,
    blobs: Blobs,
    sandbox: Arc<pixapi_sim::SimServer>,
    data_dir: PathBuf,
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
        let store = Arc::new(Store::open(&cfg.data_dir.join("pixbench.sqlite"))?);
        // Runs this process starts are its own until it ends (see `owner`).
        if let Err(e) = crate::owner::claim(&cfg.data_dir) {
            tracing::warn!("could not take the owner lock in {}: {e}", cfg.data_dir.display());
        }
        store.set_owner(crate::owner::this_process());
        let blobs = Blobs::new(cfg.data_dir.join("blobs"));
        // Half-written files of a crash (an hour old: no write in progress is).
        blobs.sweep_temp(std::time::Duration::from_secs(3600));
        let catalog = match Catalog::load(&cfg.data_dir) {
            Ok(c) => CatalogHandle::new(c, None),
            Err(e) => CatalogHandle::new(
                Catalog::built_in(),
                Some(format!("The catalog file was refused ({e}); the built-in catalog is in force.")),
            ),
        };
        let sandbox = pixapi_sim::SimServer::start(pixapi_sim::SimConfig {
            port: cfg.sandbox_port,
            keys: vec![SANDBOX_KEY.to_string()],
            credits: 1_000_000_000,
            profile: cfg.sandbox_profile,
            extra_models: cfg.sandbox_extra_models.clone(),
            ..Default::default()
        })
        .await
        .map_err(|e| CoreError::Ui(ui(ErrorKind::Sandbox, format!("The Sandbox server could not start: {e}"))))?;

        let events = Events::new(cfg.events.clone());
        let urls = ImageUrls::new(cfg.image_url_base.clone());
        let clock = cfg.clock.clone();
        let data_dir = cfg.data_dir.clone();
        let profiles = Arc::new(Profiles::open(
            store.clone(),
            cfg.secrets.clone(),
            sandbox.base_url(),
            catalog.clone(),
            ProfilesConfig {
                env_key: cfg.env_key.clone(),
                env_key_origins: cfg.env_key_origins.clone(),
                client_read_timeout: cfg.client_read_timeout,
                client_max_response_bytes: cfg.client_max_response_bytes,
                client_poll: cfg.client_poll.clone(),
            },
        )?);
        let sessions = Arc::new(Sessions::open(store.clone(), profiles.clone(), events.clone(), clock.clone())?);
        let references = Arc::new(References::new(store.clone(), blobs.clone(), catalog.clone(), urls.clone()));
        let lineages = Arc::new(Lineages::new(store.clone(), blobs.clone(), references.clone(), urls.clone()));
        let settings = Arc::new(SettingsService::new(store.clone()));
        let runs = Arc::new(Runs::new(RunsDeps {
            store: store.clone(),
            blobs: blobs.clone(),
            catalog: catalog.clone(),
            profiles: profiles.clone(),
            sessions: sessions.clone(),
            references: references.clone(),
            lineages: lineages.clone(),
            settings: settings.clone(),
            events: events.clone(),
            urls: urls.clone(),
            clock: clock.clone(),
            data_dir: data_dir.clone(),
            max_concurrency: cfg.max_concurrency,
            task_recheck_after: cfg.task_recheck_after,
        }));
        let metrics = Arc::new(Metrics::new(store.clone(), blobs.clone(), catalog.clone(), runs.clone()));
        let benchmarks = Arc::new(Benchmarks::new(BenchmarksDeps {
            runs: runs.clone(),
            references: references.clone(),
            profiles: profiles.clone(),
            metrics: metrics.clone(),
            store: store.clone(),
            blobs: blobs.clone(),
            catalog: catalog.clone(),
            events: events.clone(),
            urls: urls.clone(),
            clock: clock.clone(),
            data_dir: data_dir.clone(),
            settings: settings.clone(),
        }));
        let votes = Arc::new(Votes::new(store.clone(), sessions.clone(), urls.clone(), clock.clone()));
        let recipes = Arc::new(Recipes::new(
            store.clone(),
            blobs.clone(),
            catalog.clone(),
            runs.clone(),
            references.clone(),
            data_dir.clone(),
        ));
        let exports = Arc::new(Exports::new(ExportsDeps {
            store: store.clone(),
            blobs: blobs.clone(),
            catalog: catalog.clone(),
            runs: runs.clone(),
            sessions: sessions.clone(),
            votes: votes.clone(),
            recipes: recipes.clone(),
            data_dir: data_dir.clone(),
        }));
        let server_models =
            Arc::new(ServerModelsService::new(store.clone(), profiles.clone(), catalog.clone(), clock.clone()));
        let engine = Engine {
            profiles,
            sessions,
            references,
            lineages,
            settings,
            runs,
            benchmarks,
            votes,
            metrics,
            recipes,
            exports,
            server_models,
            catalog,
            urls,
            store,
            blobs,
            sandbox: Arc::new(sandbox),
            data_dir,
        };
        if cfg.resume_unfinished {
            // A benchmark cannot go on after a stop; its finished requests are in history.
            let dir = engine.data_dir.clone();
            engine.store.mark_running_benchmarks_interrupted(|o| crate::owner::may_take_over(&dir, o))?;
            engine.runs.recover_unfinished();
        }
        Ok(engine)
    }

    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// The history database (tests and the CLI read it directly).
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The image files.
    pub fn blobs(&self) -> &Blobs {
        &self.blobs
    }

    pub fn sandbox_url(&self) -> String {
        self.sandbox.base_url()
    }

    pub fn sandbox(&self) -> &pixapi_sim::SimServer {
        &self.sandbox
    }

    pub fn app_info(&self) -> AppInfo {
        let catalog = self.catalog.get();
        AppInfo {
            version: env!("CARGO_PKG_VERSION").into(),
            data_dir: self.data_dir.display().to_string(),
            catalog_file: match &catalog.source {
                CatalogSource::File(p) => Some(p.display().to_string()),
                CatalogSource::BuiltIn => None,
            },
            catalog_problem: self.catalog.problem().map(String::from),
            catalog_changed: catalog.changed.clone(),
            catalog_added: catalog.added.clone(),
            keychain_problem: self.profiles.keychain_problem(),
            sandbox_url: self.sandbox_url(),
        }
    }

    /// Makes a profile current (and remembers it): the session's figures follow the
    /// profile's kind (real or simulated), so they are sent again.
    pub fn select_profile(&self, id: &str) -> CoreResult<ProfileView> {
        let v = self.profiles.select(id)?;
        self.sessions.publish();
        Ok(v)
    }
}

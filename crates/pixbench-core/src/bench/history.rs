//! Benchmarks as the app runs them: started from a form ([`BenchInput`]) in the background,
//! progress reported as events (at most ten a second), cancelled on request with what
//! finished kept, and kept in history (a row in the database plus the JSON report, the
//! same file the CLI writes). The matrix, the running and the figures are `bench`'s.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use crate::api::*;
use crate::bench::{self, BenchPlan, BenchPrompt, BenchReport, BenchTarget, Matrix, Preflight, RunOptions};
use crate::blobs::Blobs;
use crate::error::{ui, CoreError, CoreResult};
use crate::infra::{lock, CatalogHandle, Clock, EngineEvent, Events, ImageUrls};
use crate::metrics::Metrics;
use crate::profiles::Profiles;
use crate::references::References;
use crate::runs::Runs;
use crate::settings::SettingsService;
use crate::store::Store;

/// Progress events are sent at most this often (the first and the last always).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);
/// Benchmarks listed in history.
const LIST_LIMIT: u32 = 500;

/// A benchmark running in this process.
struct ActiveBench {
    cancel: CancellationToken,
    /// Turns true once its report is saved.
    done: tokio::sync::watch::Receiver<bool>,
}

/// What benchmarks need from the rest of the engine, passed in.
pub struct BenchmarksDeps {
    pub runs: Arc<Runs>,
    pub references: Arc<References>,
    pub profiles: Arc<Profiles>,
    pub metrics: Arc<Metrics>,
    pub store: Arc<Store>,
    pub blobs: Blobs,
    pub catalog: CatalogHandle,
    pub events: Events,
    pub urls: ImageUrls,
    pub clock: Arc<dyn Clock>,
    pub data_dir: PathBuf,
    pub settings: Arc<SettingsService>,
}

/// The benchmarks service: each request of a benchmark is a run of [`Runs`].
pub struct Benchmarks {
    pub(crate) runs: Arc<Runs>,
    pub(crate) references: Arc<References>,
    pub(crate) profiles: Arc<Profiles>,
    pub(crate) metrics: Arc<Metrics>,
    pub(crate) store: Arc<Store>,
    pub(crate) blobs: Blobs,
    pub(crate) catalog: CatalogHandle,
    events: Events,
    urls: ImageUrls,
    clock: Arc<dyn Clock>,
    pub(crate) data_dir: PathBuf,
    pub(crate) settings: Arc<SettingsService>,
    active: Mutex<HashMap<String, ActiveBench>>,
}

impl Benchmarks {
    pub fn new(d: BenchmarksDeps) -> Benchmarks {
        Benchmarks {
            runs: d.runs,
            references: d.references,
            profiles: d.profiles,
            metrics: d.metrics,
            store: d.store,
            blobs: d.blobs,
            catalog: d.catalog,
            events: d.events,
            urls: d.urls,
            clock: d.clock,
            data_dir: d.data_dir,
            settings: d.settings,
            active: Mutex::new(HashMap::new()),
        }
    }

    /// The matrix of a form, checked against the catalog, and each prompt's stored
    /// references (its own files, else the composer's references).
    fn bench_matrix(&self, input: &BenchInput) -> CoreResult<(Matrix, Vec<Vec<String>>)> {
        let invalid = |m: String| CoreError::Ui(ui(ErrorKind::Invalid, m));
        let mut prompts = Vec::new();
        let mut refs_of_prompt = Vec::new();
        for p in input.prompts.iter().filter(|p| !p.text.trim().is_empty()) {
            let (images, refs): (Vec<PathBuf>, Vec<String>) = if p.images.is_empty() {
                let paths = input.references.iter().map(|s| self.blobs.image_path(s)).collect();
                (paths, input.references.clone())
            } else {
                let paths: Vec<PathBuf> = p.images.iter().map(PathBuf::from).collect();
                let stored = self.references.add_paths(&paths)?;
                (paths, stored.into_iter().map(|r| r.sha256).collect())
            };
            prompts.push(BenchPrompt { text: p.text.trim().to_string(), images });
            refs_of_prompt.push(refs);
        }
        let targets = input
            .targets
            .iter()
            .map(|t| BenchTarget { model: t.model_id.clone(), n: t.n, axes: t.axes.clone() })
            .collect();
        let mut m = Matrix::new(prompts, targets);
        m.name = input.name.as_deref().map(str::trim).filter(|n| !n.is_empty()).map(String::from);
        m.repeats = input.repeats;
        m.concurrency = input.concurrency;
        m.warmup = input.warmup;
        m.mode = input.sync_mode;
        m.aspect_ratio = input.aspect_ratio.clone().filter(|a| !a.is_empty());
        m.response_format = input.response_format;
        m.budget = input.budget;
        if m.warmup > bench::MAX_WARMUP {
            return Err(invalid(format!("Warm-up is at most {} requests per target.", bench::MAX_WARMUP)));
        }
        m.validate(&self.catalog.get()).map_err(|e| invalid(sentence(&e)))?;
        Ok((m, refs_of_prompt))
    }

    /// What a benchmark would cost at most, against the budgets, without sending anything.
    pub fn preflight(&self, input: &BenchInput) -> CoreResult<Preflight> {
        let (m, refs) = self.bench_matrix(input)?;
        BenchPlan::with_references(m, refs).preflight(self)
    }

    /// Starts a benchmark in the background and answers at once with its row in history.
    /// Refused (nothing sent) when a request would be invalid, or over a budget unless
    /// `ignore_budget`.
    pub async fn start(self: &Arc<Self>, input: BenchInput) -> CoreResult<BenchSummary> {
        let (m, refs) = self.bench_matrix(&input)?;
        let plan = BenchPlan::with_references(m, refs);
        let pre = plan.preflight(self)?;
        if !pre.problems.is_empty() {
            return Err(CoreError::Ui(ui(ErrorKind::Invalid, pre.problems.join(" "))));
        }
        if !input.ignore_budget {
            if let Some(why) = pre.budget_problem() {
                return Err(CoreError::Ui(ui(
                    ErrorKind::OverBudget,
                    format!("{why} Start anyway, or raise the budget."),
                )));
            }
        }
        let id = bench::new_bench_id();
        let summary = BenchSummary {
            id: id.clone(),
            name: plan.matrix.name.clone(),
            status: "running".into(),
            started_at: self.clock.now_rfc3339(),
            finished_at: None,
            profile: pre.profile.clone(),
            simulated: pre.simulated,
            requests: pre.requests,
            succeeded: 0,
            failed: 0,
            cancelled: 0,
            credits: 0,
            usd: 0.0,
            targets: plan.matrix.targets.iter().map(|t| t.model.clone()).collect(),
            elapsed_ms: None,
            report_path: None,
        };
        self.store.upsert_benchmark(&summary)?;
        let cancel = CancellationToken::new();
        let (done_tx, done) = tokio::sync::watch::channel(false);
        lock(&self.active).insert(id.clone(), ActiveBench { cancel: cancel.clone(), done });
        self.events.emit(EngineEvent::BenchUpdated(summary.clone()));

        let engine = Arc::clone(self);
        let opts = RunOptions { ignore_budget: input.ignore_budget, bench_id: Some(id.clone()) };
        tokio::spawn(async move {
            let bench_id = opts.bench_id.clone().unwrap_or_default();
            let (progress_tx, progress_rx) = tokio::sync::watch::channel(None);
            let emitter = tokio::spawn(emit_progress(engine.events.clone(), bench_id, progress_rx));
            let report = bench::run(&engine, &plan, &opts, Some(pre), &cancel, |p| {
                progress_tx.send_replace(Some(p.clone()));
            })
            .await;
            // The last progress is out before the benchmark's end is.
            drop(progress_tx);
            let _ = emitter.await;
            let id = report.id.clone().unwrap_or_default();
            let summary = match bench::save_report(&engine, &report) {
                Ok(path) => bench::summary_of(&report, &id, Some(&path)),
                Err(e) => {
                    // The runs are in history either way; say the report itself was lost.
                    tracing::warn!("benchmark {id}: {e}");
                    let s = BenchSummary { status: "interrupted".into(), ..bench::summary_of(&report, &id, None) };
                    let _ = engine.store.upsert_benchmark(&s);
                    s
                }
            };
            lock(&engine.active).remove(&id);
            // Tell the UI before waking the waiters: whoever `bench_wait`ed may look for
            // this event at once (the race behind a rare missing "complete" event).
            engine.events.emit(EngineEvent::BenchUpdated(summary));
            let _ = done_tx.send(true);
        });
        Ok(summary)
    }

    /// Cancels a running benchmark: requests in flight are cancelled, the rest not sent;
    /// what finished is kept in its report.
    pub fn cancel(&self, id: &str) {
        if let Some(b) = lock(&self.active).get(id) {
            b.cancel.cancel();
        }
    }

    /// Waits until a benchmark this engine runs has finished (tests and the CLI).
    pub async fn wait(&self, id: &str) -> CoreResult<BenchView> {
        let rx = lock(&self.active).get(id).map(|b| b.done.clone());
        if let Some(mut rx) = rx {
            while !*rx.borrow() {
                if rx.changed().await.is_err() {
                    break;
                }
            }
        }
        self.get(id)
    }

    /// Benchmarks in history, newest first.
    pub fn list(&self) -> CoreResult<Vec<BenchSummary>> {
        Ok(self.store.benchmarks(LIST_LIMIT)?)
    }

    /// A benchmark with its full report (none while it runs, or if its file is gone).
    pub fn get(&self, id: &str) -> CoreResult<BenchView> {
        let summary = self.store.benchmark(id)?;
        let report = summary.report_path.as_deref().and_then(|p| match std::fs::read(p) {
            Ok(bytes) => serde_json::from_slice::<BenchReport>(&bytes)
                .map_err(|e| tracing::warn!("benchmark report {p} is unreadable: {e}"))
                .ok(),
            Err(e) => {
                tracing::warn!("benchmark report {p} cannot be read: {e}");
                None
            }
        });
        Ok(BenchView { summary, report, image_base: self.urls.base().to_string() })
    }

    /// Writes a finished benchmark's report as CSV (every request's raw figures) or JSON
    /// (everything) into the exports folder, or `path`; answers where it went.
    pub fn export(&self, id: &str, format: ExportFormat, path: Option<PathBuf>) -> CoreResult<PathBuf> {
        let view = self.get(id)?;
        let Some(report) = view.report else {
            return Err(CoreError::Ui(ui(
                ErrorKind::NotFound,
                "This benchmark has no report to export (it is still running, or it was interrupted).",
            )));
        };
        let ext = format.ext();
        let path = match path {
            Some(p) => p,
            None => {
                let name = crate::files::slug(report.name.as_deref().unwrap_or("benchmark"), 40);
                let stamp: String = report.started_at.chars().filter(|c| c.is_ascii_digit()).take(14).collect();
                crate::files::exports_dir(&self.data_dir)?.join(format!("bench_{stamp}_{name}.{ext}"))
            }
        };
        bench::write_report_file(&report, &path)
            .map_err(|e| CoreError::Ui(ui(ErrorKind::Disk, format!("Could not write {}: {e}", path.display()))))?;
        Ok(path)
    }

    /// Removes a benchmark from history and its report file; its runs stay in history.
    pub fn delete(&self, id: &str) -> CoreResult<()> {
        if lock(&self.active).contains_key(id) {
            return Err(CoreError::Ui(ui(ErrorKind::Busy, "This benchmark is running: cancel it first.")));
        }
        let s = self.store.benchmark(id)?;
        if let Some(p) = s.report_path {
            let _ = std::fs::remove_file(p);
        }
        self.store.delete_benchmark(id)?;
        Ok(())
    }
}

/// A matrix file (the CLI's) as the benchmark form's input: prompts with their own images
/// keep them; `references` is empty (the matrix names its images per prompt).
pub fn input_of_matrix(m: &Matrix) -> BenchInput {
    BenchInput {
        name: m.name.clone(),
        prompts: m
            .prompts
            .iter()
            .map(|p| BenchPromptInput {
                text: p.text.clone(),
                images: p.images.iter().map(|i| i.display().to_string()).collect(),
            })
            .collect(),
        references: vec![],
        targets: m
            .targets
            .iter()
            // A sweep's targets keep their axis values: they say what each one sends.
            .map(|t| TargetSpec { model_id: t.model.clone(), n: t.n, axes: t.axes.clone(), ..Default::default() })
            .collect(),
        repeats: m.repeats,
        concurrency: m.concurrency,
        warmup: m.warmup,
        sync_mode: m.mode,
        aspect_ratio: m.aspect_ratio.clone(),
        response_format: m.response_format,
        budget: m.budget,
        ignore_budget: false,
    }
}

impl Benchmarks {
    /// Reads a matrix file (TOML, as `pixbench bench` takes) into the form's input; a bad
    /// file is refused with its line and field.
    pub fn input_from_matrix(&self, path: &std::path::Path) -> CoreResult<BenchInput> {
        let m = Matrix::load(path, &self.catalog.get())
            .map_err(|e| CoreError::Ui(ui(ErrorKind::Invalid, e.to_string())))?;
        Ok(input_of_matrix(&m))
    }
}

/// `validate`'s message as a sentence.
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    let mut out: String = match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => return String::new(),
    };
    if !out.ends_with('.') {
        out.push('.');
    }
    out
}

/// Sends a benchmark's progress as events: the first at once, then at most one per
/// [`PROGRESS_EVERY`], and always the latest: a change that comes during the pause is sent
/// after it, so a benchmark whose next request takes minutes never shows stale progress
/// (dropping changes inside the window left "1 / 12 done" on screen while 2 were). Ends
/// once the sender is dropped and its last value is sent.
async fn emit_progress(events: Events, id: String, mut rx: tokio::sync::watch::Receiver<Option<BenchProgress>>) {
    while rx.changed().await.is_ok() {
        let progress = rx.borrow_and_update().clone();
        if let Some(progress) = progress {
            events.emit(EngineEvent::BenchProgress(BenchProgressEvent { id: id.clone(), progress }));
        }
        tokio::time::sleep(PROGRESS_EVERY).await;
    }
}

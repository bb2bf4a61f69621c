//! Runs: one prompt fanned out to one or more targets concurrently (bounded), each target
//! with its own cancel, progress and error. Every run is written to the store before it
//! is sent and updated as it goes; paid outputs are saved and entered in the ledger once.
//! At start-up, async tasks left running are polled to completion (never resubmitted) and
//! sync requests cut off are marked interrupted.
//!
//! Over 800 lines on purpose: a run's life from reservation to the ledger shares one
//! in-memory state (`RunState`) and its lock discipline; request building is already apart
//! (`request.rs`), and the rest would split that state across files.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use crate::api::*;
use crate::blobs::Blobs;
use crate::catalog::wire_model_and_size;
use crate::error::{ui, CoreError, CoreResult};
use crate::infra::{lock, CatalogHandle, Clock, EngineEvent, Events, ImageUrls};
use crate::lineage::Lineages;
use crate::profiles::Profiles;
use crate::references::References;
use crate::session::Sessions;
use crate::settings::SettingsService;
use crate::spec::RunSpec;
use crate::store::{RunRow, Store};

pub mod held;
mod recover;
mod target;
// Re-exported: their callers name them `runner::...`.
use crate::request::{build_request, describe, quality_for, target_aspect};
pub use crate::request::{problems, request_description, request_view};

/// How long a cancelled, already accepted task is still polled for its (paid) images.
const SALVAGE_FOR: std::time::Duration = std::time::Duration::from_secs(30 * 60);

/// How a run is started besides its request.
#[derive(Debug, Clone, Default)]
pub struct StartOptions {
    /// Send even if the budget would be crossed.
    pub allow_over_budget: bool,
    /// The benchmark the run is one request of (bounded by its own concurrency).
    pub bench_id: Option<String>,
}

/// Whether a request to `entry` goes async: as asked, or for `auto` as the catalog advises.
pub(crate) fn is_async(mode: SyncMode, entry: &CatalogEntry) -> bool {
    match mode {
        SyncMode::Auto => entry.default_async,
        SyncMode::Sync => false,
        SyncMode::Async => true,
    }
}

/// A run in flight in this process: how to cancel it, and when it is done.
pub(crate) struct ActiveRun {
    pub cancel: CancellationToken,
    pub target_cancels: Vec<CancellationToken>,
    /// Per target: the user stops waiting for its accepted task (see `target::wait_for_task`).
    pub give_ups: Vec<CancellationToken>,
    /// Wakes the targets waiting for an accepted task to check it now.
    pub recheck: Arc<tokio::sync::Notify>,
    /// The run's status as it settles (see [`Runs::wait_settled`]).
    pub status: tokio::sync::watch::Sender<RunStatus>,
    pub done: tokio::sync::watch::Receiver<bool>,
}

/// What a run needs from the rest of the engine, passed in.
pub struct RunsDeps {
    pub store: Arc<Store>,
    pub blobs: Blobs,
    pub catalog: CatalogHandle,
    pub profiles: Arc<Profiles>,
    pub sessions: Arc<Sessions>,
    pub references: Arc<References>,
    pub lineages: Arc<Lineages>,
    pub settings: Arc<SettingsService>,
    pub events: Events,
    pub urls: ImageUrls,
    pub clock: Arc<dyn Clock>,
    /// The data dir, whose owner lock says which unfinished runs are this process's to take.
    pub data_dir: PathBuf,
    /// Targets of one comparison running at once.
    pub max_concurrency: usize,
    /// The first wait before an accepted task whose check failed is checked again.
    pub task_recheck_after: std::time::Duration,
}

/// The runs service: estimates, starts, cancels, resumes and keeps runs.
pub struct Runs {
    store: Arc<Store>,
    blobs: Blobs,
    catalog: CatalogHandle,
    profiles: Arc<Profiles>,
    sessions: Arc<Sessions>,
    references: Arc<References>,
    lineages: Arc<Lineages>,
    settings: Arc<SettingsService>,
    events: Events,
    urls: ImageUrls,
    clock: Arc<dyn Clock>,
    data_dir: PathBuf,
    active: Mutex<HashMap<String, ActiveRun>>,
    semaphore: Arc<tokio::sync::Semaphore>,
    /// What runs in flight may still cost, by run id: counted against the budget so two
    /// quick runs cannot both pass it. Checked and taken under `budget_gate`.
    reservations: Mutex<HashMap<String, Reservation>>,
    budget_gate: Mutex<()>,
    /// Targets whose paid images wait in memory for the disk (see `held`).
    held: Mutex<held::HeldTargets>,
    task_recheck_after: std::time::Duration,
    /// Runs of earlier sessions this process took over at start (see `recover`).
    resumed: Mutex<Vec<String>>,
}

/// A run in memory while it goes.
struct RunState {
    row: RunRow,
    targets: Vec<TargetView>,
    references: Vec<ReferenceView>,
}

type Shared = Arc<Mutex<RunState>>;

/// What a run in flight may still cost: its estimate less what it has delivered so far.
pub(crate) struct Reservation {
    session_id: String,
    simulated: bool,
    estimate: i64,
    state: Shared,
}

impl Reservation {
    fn outstanding(&self) -> i64 {
        (self.estimate - lock(&self.state).row.cost.credits).max(0)
    }
}

impl Runs {
    pub fn new(d: RunsDeps) -> Runs {
        Runs {
            store: d.store,
            blobs: d.blobs,
            catalog: d.catalog,
            profiles: d.profiles,
            sessions: d.sessions,
            references: d.references,
            lineages: d.lineages,
            settings: d.settings,
            events: d.events,
            urls: d.urls,
            clock: d.clock,
            data_dir: d.data_dir,
            active: Mutex::new(HashMap::new()),
            semaphore: Arc::new(tokio::sync::Semaphore::new(d.max_concurrency.max(1))),
            reservations: Mutex::new(HashMap::new()),
            resumed: Mutex::new(Vec::new()),
            budget_gate: Mutex::new(()),
            held: Mutex::new(Default::default()),
            task_recheck_after: d.task_recheck_after,
        }
    }

    /// The runs going in this process (started, or taken over at open).
    pub fn active_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = lock(&self.active).keys().cloned().collect();
        ids.sort();
        ids
    }

    /// Whether a run is going in this process.
    pub fn is_active(&self, run_id: &str) -> bool {
        lock(&self.active).contains_key(run_id)
    }

    /// A stored run as the UI shows it.
    pub fn get(&self, run_id: &str) -> CoreResult<RunView> {
        let row = self.store.run_row(run_id)?;
        let targets = self.store.targets(run_id)?;
        let references = row.spec.request.images.iter().filter_map(|s| self.references.get(s).ok()).collect();
        let state: Shared = Arc::new(Mutex::new(RunState { row, targets, references }));
        Ok(self.view_of(&state))
    }

    /// Runs in history, newest first, filtered.
    pub fn history(&self, filter: &HistoryFilter) -> CoreResult<Vec<RunSummary>> {
        let mut rows = self.store.history(filter)?;
        for r in &mut rows {
            r.thumb_url = r.thumb_url.take().map(|sha| self.urls.thumb(&sha));
        }
        Ok(rows)
    }

    /// Deletes a finished run and the image files no other run uses.
    pub fn delete(&self, run_id: &str) -> CoreResult<()> {
        if self.is_active(run_id) {
            return Err(CoreError::Ui(ui(
                ErrorKind::Busy,
                "This run is still going. Cancel it first, then delete it.",
            )));
        }
        for sha in self.store.delete_run(run_id)? {
            // Checked again under the removal lock: a save of the same bytes may have
            // recorded its output meanwhile.
            self.blobs.remove_unused(&sha, |sha| !self.store.blob_in_use(sha));
        }
        Ok(())
    }

    /// The runs of earlier sessions this process resumed at start, as they are now: their
    /// cost counts in the session they were started in, which the current session says.
    pub fn resumed(&self) -> Vec<ResumedRun> {
        let ids = lock(&self.resumed).clone();
        ids.iter()
            .filter_map(|id| self.store.run_row(id).ok())
            .map(|r| ResumedRun {
                run_id: r.id.clone(),
                prompt: r.spec.request.prompt.clone(),
                session_id: r.session_id.clone(),
                started_at: r.created_at.clone(),
                status: r.status,
                cost: r.cost.clone(),
            })
            .collect()
    }

    /// Rates an output (1 to 5, or none) with a note.
    pub fn rate(
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
        self.store.rate_output(run_id, target_idx, idx, rating, note.as_deref())?;
        if let Ok(v) = self.get(run_id) {
            self.events.emit(EngineEvent::RunUpdated(v));
        }
        Ok(())
    }

    /// The pre-flight of a request: how many requests it makes (its sweep counted, never
    /// listed), the most they cost, against the budget in force, and what would refuse it.
    pub fn estimate(&self, request: &Request) -> CoreResult<Estimate> {
        let catalog = self.catalog.get();
        let plan = crate::sweep::plan(request, &catalog);
        let limit = self.settings.max_requests()?;
        let refs: Vec<ReferenceView> = request.images.iter().filter_map(|s| self.references.get(s).ok()).collect();
        let mut problems = plan.problems.clone();
        for p in crate::request::problems(request, &request.targets, &catalog, &refs) {
            if !problems.contains(&p) {
                problems.push(p);
            }
        }
        if refs.len() < request.images.len() {
            problems.push("A reference image is missing from the data folder; add it again.".into());
        }
        problems.extend(crate::sweep::limit_problem(plan.count, limit));
        problems.extend(self.lineages.parent_problems(request));
        let preset = crate::presets::get(&self.profiles.current()?.gateway);
        if !preset.async_tasks && request.mode == SyncMode::Async {
            problems.push(format!("{} has no async tasks: choose sync (or auto) for this profile.", preset.name));
        }
        let targets: Vec<TargetEstimate> = request
            .targets
            .iter()
            .zip(&plan.per_target)
            .map(|(t, (requests, credits))| {
                let entry = catalog.get(&t.model_id);
                let per = match entry {
                    Some(e) if !e.unpriced => catalog.price_cost(
                        e,
                        target_aspect(request, t),
                        t.size.as_deref(),
                        quality_for(request, t, e).as_deref(),
                    ),
                    _ => Cost::unpriced(1),
                };
                let size = entry.and_then(|e| {
                    wire_model_and_size(e, target_aspect(request, t), t.size.as_deref(), RequestStyle::Size).1
                });
                TargetEstimate {
                    model_id: t.model_id.clone(),
                    n: t.n,
                    requests: (*requests).min(u32::MAX as u64) as u32,
                    cost: match credits {
                        Some(c) => c.clone(),
                        None => Cost::unpriced(t.n.saturating_mul((*requests).min(u32::MAX as u64) as u32)),
                    },
                    per_image: per,
                    size,
                    price_from: entry.is_some_and(|e| e.price_from),
                }
            })
            .collect();
        let total: Cost = targets.iter().map(|t| t.cost.clone()).sum();
        let profile = self.store.profile(&self.profiles.current_id())?;
        let session = self.store.session(&self.sessions.id())?;
        let budget = session.budget_credits.or(profile.budget_credits);
        // Spent, plus what the runs in flight of this session may still cost.
        let in_flight: i64 = lock(&self.reservations)
            .values()
            .filter(|r| r.session_id == session.id && r.simulated == profile.is_sandbox)
            .map(Reservation::outstanding)
            .sum();
        let spent = self.sessions.spent(&session.id, profile.is_sandbox)? + catalog.cost(in_flight);
        Ok(Estimate {
            count: plan.count.min(u32::MAX as u64) as u32,
            limit,
            // An image whose price is unknown could cross any budget: the user confirms it.
            over_budget: budget.is_some_and(|b| spent.credits + total.credits > b || !total.is_known()),
            targets,
            total,
            simulated: profile.is_sandbox,
            budget_credits: budget,
            spent,
            problems,
            axes: plan.axes,
            notes: plan.notes,
        })
    }

    /// The requests a request would send, one per request it makes, exactly as they will go
    /// on the wire (key redacted), without sending anything. Refused past the limit.
    pub fn preview(&self, request: &Request) -> CoreResult<Vec<RequestView>> {
        let est = self.estimate(request)?;
        if let Some(p) = crate::sweep::limit_problem(est.count as u64, est.limit) {
            return Err(CoreError::Ui(ui(ErrorKind::Invalid, p)));
        }
        let (client, profile) = self.profiles.client_for(&self.profiles.current_id())?;
        let catalog = self.catalog.get();
        let refs: Vec<ReferenceView> =
            request.images.iter().map(|s| self.references.get(s)).collect::<CoreResult<_>>()?;
        let targets = crate::sweep::expand(request, &catalog);
        let mut out = Vec::with_capacity(targets.len());
        for t in &targets {
            let entry = catalog.get(&t.model_id).ok_or_else(|| {
                CoreError::Ui(ui(ErrorKind::Invalid, format!("“{}” is not in the catalog.", t.model_id)))
            })?;
            let is_async = is_async(request.mode, entry);
            let req = build_request(&self.blobs, request, entry, t, &profile, &refs)?;
            out.push(describe(&client, &req, is_async));
        }
        Ok(out)
    }

    /// Validates, stores and starts a run of the whole request (its sweep expanded); answers
    /// at once with its stored view. Refused, with nothing sent, when it cannot be sent, when
    /// it makes more requests than the limit, or when it would cross the budget unless
    /// `allow_over_budget` (the user said "run anyway").
    pub async fn start(self: &Arc<Self>, request: Request, allow_over_budget: bool) -> CoreResult<RunView> {
        self.start_with(request, StartOptions { allow_over_budget, bench_id: None }).await
    }

    /// [`Runs::start`] with a benchmark's options.
    pub async fn start_with(self: &Arc<Self>, request: Request, opts: StartOptions) -> CoreResult<RunView> {
        match self.try_start(request, opts).await? {
            RunStart::Started { run } => Ok(*run),
            RunStart::Refused { estimate: est } if !est.problems.is_empty() => {
                Err(CoreError::Ui(ui(ErrorKind::Invalid, est.problems.join(" "))))
            }
            RunStart::Refused { estimate: est } if !est.total.is_known() => Err(CoreError::Ui(ui(
                ErrorKind::OverBudget,
                format!(
                    "The price of {} image(s) is unknown (a model only the server lists), so this run cannot be held to the session budget of {} credits. Nothing was sent. Run anyway to send it.",
                    est.total.unpriced,
                    est.budget_credits.unwrap_or(0)
                ),
            ))),
            RunStart::Refused { estimate: est } => Err(CoreError::Ui(ui(
                ErrorKind::OverBudget,
                format!(
                    "This run could cost up to {} credits (${:.2}); with {} spent or still running that crosses the budget of {} credits. Nothing was sent. Run anyway, or raise the budget.",
                    est.total.credits,
                    est.total.usd,
                    est.spent.credits,
                    est.budget_credits.unwrap_or(0)
                ),
            ))),
        }
    }

    /// Starts the request, or answers its estimate with nothing sent when the estimate has
    /// problems (a mistake, past the limit) or crosses the budget without
    /// `allow_over_budget`. An error is for what the estimate cannot know (no key, a
    /// reference gone from disk, the store).
    pub async fn try_start(self: &Arc<Self>, request: Request, opts: StartOptions) -> CoreResult<RunStart> {
        // The budget check and the reservation are one step: two runs started at once
        // cannot both pass a budget that only one fits.
        let gate = lock(&self.budget_gate);
        let est = self.estimate(&request)?;
        if !est.problems.is_empty() || (est.over_budget && !opts.allow_over_budget) {
            return Ok(RunStart::Refused { estimate: Box::new(est) });
        }
        let (client, profile) = self.profiles.client_for(&self.profiles.current_id())?;
        let catalog = self.catalog.get();
        let references: Vec<ReferenceView> =
            request.images.iter().map(|s| self.references.get(s)).collect::<CoreResult<_>>()?;
        // Within the limit (checked above), so listing the requests is bounded.
        let spec = RunSpec { targets: crate::sweep::expand(&request, &catalog), request, bench_id: opts.bench_id };
        let row = RunRow {
            id: uuid::Uuid::now_v7().to_string(),
            session_id: self.sessions.id(),
            profile_id: profile.id.clone(),
            profile_name: profile.name.clone(),
            simulated: profile.is_sandbox,
            created_at: self.clock.now_rfc3339(),
            spec: spec.clone(),
            status: RunStatus::Running,
            estimate: est.total.clone(),
            cost: Cost::ZERO,
        };
        let mut targets = Vec::with_capacity(spec.targets.len());
        for (i, t) in spec.targets.iter().enumerate() {
            let entry = catalog.get(&t.model_id).expect("validated above");
            let is_async = is_async(spec.request.mode, entry);
            let req = build_request(&self.blobs, &spec.request, entry, t, &profile, &references)?;
            targets.push(TargetView {
                idx: i as u32,
                model_id: t.model_id.clone(),
                n: t.n,
                status: RunStatus::Queued,
                is_async,
                progress: None,
                task_id: None,
                polls: vec![],
                outputs: vec![],
                cost: Cost::ZERO,
                timing: None,
                error: None,
                request: Some(describe(&client, &req, is_async)),
                http_status: None,
                request_id: None,
                response_raw: None,
                attempts: 0,
                saved_ms: None,
                axes: t.axes.clone(),
                prompt: t.prompt.clone(),
                waiting: None,
                expected_size: crate::catalog::expected_size(
                    entry,
                    t.aspect_ratio.as_deref().or(spec.request.aspect_ratio.as_deref()),
                    t.size.as_deref(),
                ),
            });
        }
        // Written before anything is sent.
        self.store.insert_run(&row, &targets)?;
        let (run_id, session_id, simulated) = (row.id.clone(), row.session_id.clone(), row.simulated);
        let state: Shared = Arc::new(Mutex::new(RunState { row, targets, references }));
        lock(&self.reservations)
            .insert(run_id, Reservation { session_id, simulated, estimate: est.total.credits, state: state.clone() });
        drop(gate);
        let view = self.view_of(&state);
        self.spawn_run(state, Ok(client), None);
        Ok(RunStart::Started { run: Box::new(view) })
    }

    fn view_of(&self, state: &Shared) -> RunView {
        let s = lock(state);
        let mut targets = s.targets.clone();
        let catalog = self.catalog.get();
        for t in &mut targets {
            // Outputs stored before billing was data know only what they were billed.
            let asked = catalog.get(&t.model_id).map(|e| e.variant.clone());
            for o in &mut t.outputs {
                if o.billing.asked_tier.is_empty() {
                    o.billing.asked_tier = asked.clone().unwrap_or_else(|| o.billing.billed_tier.clone());
                }
                if o.billing.billed_tier.is_empty() {
                    o.billing.billed_tier = o.billing.asked_tier.clone();
                }
                o.url = self.urls.image(&o.sha256);
                o.thumb_url = self.urls.thumb(&o.sha256);
            }
        }
        RunView {
            id: s.row.id.clone(),
            created_at: s.row.created_at.clone(),
            session_id: s.row.session_id.clone(),
            profile_id: s.row.profile_id.clone(),
            profile_name: s.row.profile_name.clone(),
            simulated: s.row.simulated,
            kind: s.row.spec.request.kind(),
            request: s.row.spec.request.clone(),
            prompt: s.row.spec.request.prompt.clone(),
            aspect_ratio: s.row.spec.request.aspect_ratio.clone(),
            response_format: s.row.spec.request.response_format,
            mode: s.row.spec.request.mode,
            references: s.references.clone(),
            status: s.row.status,
            estimate: s.row.estimate.clone(),
            cost: s.row.cost.clone(),
            targets,
            bench_id: s.row.spec.bench_id.clone(),
            parent: s.row.spec.request.parent.clone(),
        }
    }

    /// Starts the tasks of a run's unfinished targets. `resume` = at start-up; `client` is an
    /// error when the run's profile cannot make one now (its key is gone): tasks the
    /// server accepted are then waited for until it can.
    fn spawn_run(self: &Arc<Self>, state: Shared, client: Result<pixapi::Client, UiError>, resume: Option<()>) {
        let run_id = lock(&state).row.id.clone();
        let n = lock(&state).targets.len();
        let cancel = CancellationToken::new();
        let target_cancels: Vec<CancellationToken> = (0..n).map(|_| cancel.child_token()).collect();
        let give_ups: Vec<CancellationToken> = (0..n).map(|_| CancellationToken::new()).collect();
        let recheck = Arc::new(tokio::sync::Notify::new());
        let (done_tx, done_rx) = tokio::sync::watch::channel(false);
        lock(&self.active).insert(
            run_id.clone(),
            ActiveRun {
                cancel: cancel.clone(),
                target_cancels: target_cancels.clone(),
                give_ups: give_ups.clone(),
                recheck: recheck.clone(),
                status: tokio::sync::watch::Sender::new(RunStatus::Running),
                done: done_rx,
            },
        );
        let engine = Arc::clone(self);
        tokio::spawn(async move {
            let mut tasks = tokio::task::JoinSet::new();
            for (i, (tc, gu)) in target_cancels.into_iter().zip(give_ups).enumerate() {
                let status = lock(&state).targets[i].status;
                if status.is_terminal() {
                    continue;
                }
                let (e, st, cl) = (engine.clone(), state.clone(), client.clone());
                let waits = target::Waits { give_up: gu, recheck: recheck.clone() };
                tasks.spawn(async move { e.run_target(st, i, cl, tc, waits, resume.is_some()).await });
            }
            while tasks.join_next().await.is_some() {}
            // What it delivered is in the ledger now: its reservation ends.
            lock(&engine.reservations).remove(&run_id);
            engine.settle_run(&state);
            lock(&engine.active).remove(&run_id);
            let _ = done_tx.send(true);
        });
    }

    /// Saves a target's state and tells the UI.
    fn publish(&self, state: &Shared, idx: usize) {
        let keys = self.profiles.known_keys();
        let (run_id, t) = {
            let mut s = lock(state);
            // A server may echo the key in any words: never store or show it.
            crate::scrub::scrub_target(&mut s.targets[idx], &keys);
            (s.row.id.clone(), s.targets[idx].clone())
        };
        if let Err(e) = self.store.update_target(&run_id, &t) {
            tracing::warn!("could not save target state: {e}");
        }
        self.events.emit(EngineEvent::RunUpdated(self.view_of(state)));
    }

    /// A run's status from its targets, saved, and told to the UI with the session's spend.
    fn settle_run(&self, state: &Shared) {
        let (run_id, status) = {
            let mut s = lock(state);
            s.row.status = aggregate(&s.targets);
            (s.row.id.clone(), s.row.status)
        };
        let _ = self.store.set_run_status(&run_id, status);
        if let Some(a) = lock(&self.active).get(&run_id) {
            a.status.send_replace(status);
        }
        self.events.emit(EngineEvent::RunUpdated(self.view_of(state)));
        if let Ok(sv) = self.sessions.current() {
            self.events.emit(EngineEvent::SessionUpdated(sv));
        }
    }

    /// Checks now the tasks of a run that are waited for (instead of at their next check).
    pub fn recheck(&self, run_id: &str) -> CoreResult<()> {
        match lock(&self.active).get(run_id) {
            Some(a) => {
                a.recheck.notify_waiters();
                Ok(())
            }
            None => Err(CoreError::Ui(ui(ErrorKind::NotFound, "No task of this run is being waited for."))),
        }
    }

    /// Stops waiting for a target's accepted task: the user was told that the server may
    /// still finish and charge it.
    pub fn give_up(&self, run_id: &str, idx: u32) -> CoreResult<()> {
        let active = lock(&self.active);
        let Some(token) = active.get(run_id).and_then(|a| a.give_ups.get(idx as usize)) else {
            return Err(CoreError::Ui(ui(ErrorKind::NotFound, "That request is not being waited for.")));
        };
        token.cancel();
        Ok(())
    }

    pub fn cancel(&self, run_id: &str) {
        if let Some(a) = lock(&self.active).get(run_id) {
            a.cancel.cancel();
        }
    }

    pub fn cancel_target(&self, run_id: &str, idx: u32) {
        if let Some(a) = lock(&self.active).get(run_id) {
            if let Some(t) = a.target_cancels.get(idx as usize) {
                t.cancel();
            }
        }
    }

    /// Waits until a run is finished (for the CLI and tests) and answers its final view.
    /// Waits until a run has done all it can now: finished, or left only with tasks the
    /// server accepted and Pixbench waits for in the background (status `waiting`). The
    /// CLI returns then instead of waiting for them (the app takes them over).
    pub async fn wait_settled(&self, run_id: &str) -> CoreResult<RunView> {
        let rx = lock(&self.active).get(run_id).map(|a| (a.status.subscribe(), a.done.clone()));
        if let Some((mut status, mut done)) = rx {
            loop {
                if *done.borrow() || *status.borrow() == RunStatus::Waiting {
                    break;
                }
                tokio::select! {
                    r = status.changed() => if r.is_err() { break },
                    r = done.changed() => if r.is_err() { break },
                }
            }
        }
        self.get(run_id)
    }

    pub async fn wait(&self, run_id: &str) -> CoreResult<RunView> {
        let rx = lock(&self.active).get(run_id).map(|a| a.done.clone());
        if let Some(mut rx) = rx {
            while !*rx.borrow() {
                if rx.changed().await.is_err() {
                    break;
                }
            }
        }
        self.get(run_id)
    }
}

/// A run's status from its targets'.
pub fn aggregate(targets: &[TargetView]) -> RunStatus {
    if targets.iter().any(|t| matches!(t.status, RunStatus::Queued | RunStatus::Running)) {
        return RunStatus::Running;
    }
    if targets.iter().any(|t| t.status == RunStatus::Waiting) {
        return RunStatus::Waiting;
    }
    let all = |s: RunStatus| targets.iter().all(|t| t.status == s);
    if all(RunStatus::Done) {
        RunStatus::Done
    } else if all(RunStatus::Cancelled) {
        RunStatus::Cancelled
    } else if targets.iter().all(|t| t.outputs.is_empty()) {
        if targets.iter().any(|t| t.status == RunStatus::Failed) {
            RunStatus::Failed
        } else if targets.iter().any(|t| t.status == RunStatus::Interrupted) {
            RunStatus::Interrupted
        } else {
            RunStatus::Cancelled
        }
    } else {
        RunStatus::Partial
    }
}

pub fn timings(t: &pixapi::Timing) -> PhaseTimings {
    match t {
        pixapi::Timing::Sync(s) => PhaseTimings {
            send_ms: Some(s.send_ms),
            ttfb_ms: Some(s.ttfb_ms),
            body_ms: Some(s.body_ms),
            decode_ms: Some(s.decode_ms),
            submit_ms: None,
            wait_ms: None,
            download_ms: Some(s.download_ms),
            polls: None,
            total_ms: s.total_ms,
        },
        pixapi::Timing::Async(a) => PhaseTimings {
            send_ms: None,
            ttfb_ms: None,
            body_ms: None,
            decode_ms: Some(a.decode_ms),
            submit_ms: Some(a.submit_ms),
            wait_ms: Some(a.wait_ms),
            download_ms: Some(a.download_ms),
            polls: Some(a.polls),
            total_ms: a.total_ms,
        },
    }
}

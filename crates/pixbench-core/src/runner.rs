//! Runs: one prompt fanned out to one or more targets concurrently (bounded), each target
//! with its own cancel, progress and error. Every run is written to the store before it
//! is sent and updated as it goes; paid outputs are saved and entered in the ledger once.
//! At start-up, async tasks left running are polled to completion (never resubmitted) and
//! sync requests cut off are marked interrupted.
//!
//! Over 800 lines on purpose: a run's life from reservation to the ledger shares one
//! in-memory state (`RunState`) and its lock discipline; request building is already apart
//! (`request.rs`), and the rest would split that state across files.

use std::sync::{Arc, Mutex};

use tokio_util::sync::CancellationToken;

use crate::api::*;
use crate::catalog::wire_model_and_size;
use crate::engine::{ActiveRun, Engine, EngineEvent};
use crate::error::{api_error_view, ui, CoreError, CoreResult};
use crate::store::{now_rfc3339, LedgerRow, OutputRow, RunRow};
// Re-exported: their callers name them `runner::...`.
use crate::request::{build_request, describe, quality_for, target_aspect, WireRequest};
pub use crate::request::{problems, request_description, request_view};

/// How long a cancelled, already accepted task is still polled for its (paid) images.
const SALVAGE_FOR: std::time::Duration = std::time::Duration::from_secs(30 * 60);

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
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
        (self.estimate - lock(&self.state).row.credits).max(0)
    }
}

impl Engine {
    /// The pre-flight: the most this spec can cost, against the budget in force.
    pub fn estimate(&self, spec: &RunSpec) -> CoreResult<Estimate> {
        let catalog = self.catalog();
        let refs: Vec<ReferenceView> = spec.references.iter().filter_map(|s| self.reference(s).ok()).collect();
        let mut problems = problems(spec, &catalog, &refs);
        if refs.len() < spec.references.len() {
            problems.push("A reference image is missing from the data folder; add it again.".into());
        }
        problems.extend(crate::sweep::limit_problem(spec, self.max_sweep_requests()?));
        problems.extend(self.parent_problems(spec));
        let targets: Vec<TargetEstimate> = spec
            .targets
            .iter()
            .map(|t| {
                let entry = catalog.get(&t.model_id);
                let per =
                    entry.map(|e| catalog.price(e, t.size.as_deref(), quality_for(spec, t, e).as_deref())).unwrap_or(0);
                let size = entry.and_then(|e| {
                    wire_model_and_size(e, target_aspect(spec, t), t.size.as_deref(), RequestStyle::Size).1
                });
                TargetEstimate {
                    model_id: t.model_id.clone(),
                    n: t.n,
                    credits_per_image: per,
                    credits: per * t.n as i64,
                    size,
                    price_from: entry.is_some_and(|e| e.price_from),
                }
            })
            .collect();
        let total: i64 = targets.iter().map(|t| t.credits).sum();
        let profile = self.store().profile(&self.current_profile_id())?;
        let session = self.store().session(&self.session_id())?;
        let budget = session.budget_credits.or(profile.budget_credits);
        // Spent, plus what the runs in flight of this session may still cost.
        let in_flight: i64 = lock(&self.inner.reservations)
            .values()
            .filter(|r| r.session_id == session.id && r.simulated == profile.is_sandbox)
            .map(Reservation::outstanding)
            .sum();
        let spent = crate::session::spent(self, &session.id, profile.is_sandbox)? + in_flight;
        Ok(Estimate {
            targets,
            total_credits: total,
            total_usd: catalog.credits_to_usd(total),
            simulated: profile.is_sandbox,
            budget_credits: budget,
            spent_credits: spent,
            over_budget: budget.is_some_and(|b| spent + total > b),
            problems,
        })
    }

    /// The requests a spec would send, one per target, exactly as they will go on the
    /// wire (key redacted), without sending anything.
    pub fn request_preview(&self, spec: &RunSpec) -> CoreResult<Vec<RequestView>> {
        let (client, profile) = self.client_for(&self.current_profile_id())?;
        let catalog = self.catalog();
        let refs: Vec<ReferenceView> = spec.references.iter().map(|s| self.reference(s)).collect::<CoreResult<_>>()?;
        let mut out = Vec::with_capacity(spec.targets.len());
        for t in &spec.targets {
            let entry = catalog.get(&t.model_id).ok_or_else(|| {
                CoreError::Ui(ui(ErrorKind::Invalid, format!("“{}” is not in the catalog.", t.model_id)))
            })?;
            let is_async = match spec.sync_mode {
                SyncMode::Auto => entry.default_async,
                SyncMode::Sync => false,
                SyncMode::Async => true,
            };
            let req = build_request(self, spec, entry, t, &profile, &refs)?;
            out.push(describe(&client, &req, is_async));
        }
        Ok(out)
    }

    /// Validates, stores and starts a run; answers at once with its stored view.
    pub async fn run_start(&self, spec: RunSpec) -> CoreResult<RunView> {
        // The budget check and the reservation are one step: two runs started at once
        // cannot both pass a budget that only one fits.
        let gate = lock(&self.inner.budget_gate);
        let est = self.estimate(&spec)?;
        if !est.problems.is_empty() {
            return Err(CoreError::Ui(ui(ErrorKind::Invalid, est.problems.join(" "))));
        }
        if est.over_budget && !spec.ignore_budget {
            let budget = est.budget_credits.unwrap_or(0);
            return Err(CoreError::Ui(ui(
                ErrorKind::OverBudget,
                format!(
                    "This run could cost up to {} credits (${:.2}); with {} spent or still running that crosses the budget of {} credits. Nothing was sent. Run anyway, or raise the budget.",
                    est.total_credits,
                    est.total_usd,
                    est.spent_credits,
                    budget
                ),
            )));
        }
        let (client, profile) = self.client_for(&self.current_profile_id())?;
        let catalog = self.catalog();
        let references: Vec<ReferenceView> =
            spec.references.iter().map(|s| self.reference(s)).collect::<CoreResult<_>>()?;
        let row = RunRow {
            id: uuid::Uuid::now_v7().to_string(),
            session_id: self.session_id(),
            profile_id: profile.id.clone(),
            profile_name: profile.name.clone(),
            simulated: profile.is_sandbox,
            created_at: now_rfc3339(),
            spec: spec.clone(),
            status: RunStatus::Running,
            estimate_credits: est.total_credits,
            credits: 0,
        };
        let mut targets = Vec::with_capacity(spec.targets.len());
        for (i, t) in spec.targets.iter().enumerate() {
            let entry = catalog.get(&t.model_id).expect("validated above");
            let is_async = match spec.sync_mode {
                SyncMode::Auto => entry.default_async,
                SyncMode::Sync => false,
                SyncMode::Async => true,
            };
            let req = build_request(self, &spec, entry, t, &profile, &references)?;
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
                credits: 0,
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
            });
        }
        // Written before anything is sent.
        self.store().insert_run(&row, &targets)?;
        let (run_id, session_id, simulated) = (row.id.clone(), row.session_id.clone(), row.simulated);
        let state: Shared = Arc::new(Mutex::new(RunState { row, targets, references }));
        lock(&self.inner.reservations)
            .insert(run_id, Reservation { session_id, simulated, estimate: est.total_credits, state: state.clone() });
        drop(gate);
        let view = self.view_of(&state);
        self.spawn_run(state, client, None);
        Ok(view)
    }

    fn view_of(&self, state: &Shared) -> RunView {
        let s = lock(state);
        let mut targets = s.targets.clone();
        for t in &mut targets {
            for o in &mut t.outputs {
                o.url = self.image_url(&o.sha256);
                o.thumb_url = self.thumb_url(&o.sha256);
            }
        }
        RunView {
            id: s.row.id.clone(),
            created_at: s.row.created_at.clone(),
            session_id: s.row.session_id.clone(),
            profile_id: s.row.profile_id.clone(),
            profile_name: s.row.profile_name.clone(),
            simulated: s.row.simulated,
            mode: s.row.spec.mode,
            prompt: s.row.spec.prompt.clone(),
            aspect_ratio: s.row.spec.aspect_ratio.clone(),
            response_format: s.row.spec.response_format,
            sync_mode: s.row.spec.sync_mode,
            references: s.references.clone(),
            status: s.row.status,
            estimate_credits: s.row.estimate_credits,
            credits: s.row.credits,
            targets,
            bench_id: s.row.spec.bench_id.clone(),
            parent: s.row.spec.parent.clone(),
        }
    }

    /// Starts the tasks of a run's unfinished targets. `resume` = at start-up.
    fn spawn_run(&self, state: Shared, client: pixapi::Client, resume: Option<()>) {
        let run_id = lock(&state).row.id.clone();
        let n = lock(&state).targets.len();
        let cancel = CancellationToken::new();
        let target_cancels: Vec<CancellationToken> = (0..n).map(|_| cancel.child_token()).collect();
        let (done_tx, done_rx) = tokio::sync::watch::channel(false);
        lock(&self.inner.active).insert(
            run_id.clone(),
            ActiveRun { cancel: cancel.clone(), target_cancels: target_cancels.clone(), done: done_rx },
        );
        let engine = self.clone();
        tokio::spawn(async move {
            let mut tasks = tokio::task::JoinSet::new();
            for (i, tc) in target_cancels.into_iter().enumerate() {
                let status = lock(&state).targets[i].status;
                if status.is_terminal() {
                    continue;
                }
                let (e, st, cl) = (engine.clone(), state.clone(), client.clone());
                tasks.spawn(async move { e.run_target(st, i, cl, tc, resume.is_some()).await });
            }
            while tasks.join_next().await.is_some() {}
            // What it delivered is in the ledger now: its reservation ends.
            lock(&engine.inner.reservations).remove(&run_id);
            engine.settle_run(&state);
            lock(&engine.inner.active).remove(&run_id);
            let _ = done_tx.send(true);
        });
    }

    /// Saves a target's state and tells the UI.
    fn publish(&self, state: &Shared, idx: usize) {
        let keys = self.known_keys();
        let (run_id, t) = {
            let mut s = lock(state);
            // A server may echo the key in any words: never store or show it.
            crate::scrub::scrub_target(&mut s.targets[idx], &keys);
            (s.row.id.clone(), s.targets[idx].clone())
        };
        if let Err(e) = self.store().update_target(&run_id, &t) {
            tracing::warn!("could not save target state: {e}");
        }
        self.emit(EngineEvent::RunUpdated(self.view_of(state)));
    }

    async fn run_target(
        &self,
        state: Shared,
        idx: usize,
        client: pixapi::Client,
        cancel: CancellationToken,
        resume: bool,
    ) {
        // A benchmark bounds its requests itself (its `concurrency`); other runs share the
        // engine's limit.
        let in_bench = lock(&state).row.spec.bench_id.is_some();
        let permit = if in_bench {
            None
        } else {
            let permit = tokio::select! {
                p = self.inner.semaphore.clone().acquire_owned() => p.ok(),
                _ = cancel.cancelled() => None,
            };
            if permit.is_none() {
                lock(&state).targets[idx].status = RunStatus::Cancelled;
                self.publish(&state, idx);
                return;
            }
            permit
        };
        let (spec, refs, model_id, n, is_async, task_id, profile_name) = {
            let mut s = lock(&state);
            let t = &mut s.targets[idx];
            t.status = RunStatus::Running;
            t.attempts += 1;
            let v = (t.model_id.clone(), t.n, t.is_async, t.task_id.clone());
            (s.row.spec.clone(), s.references.clone(), v.0, v.1, v.2, v.3, s.row.profile_name.clone())
        };
        self.publish(&state, idx);
        let catalog = self.catalog();
        let Some(entry) = catalog.get(&model_id).cloned() else {
            self.fail_target(&state, idx, ui(ErrorKind::Catalog, format!("“{model_id}” is no longer in the catalog.")));
            return;
        };
        let started = std::time::Instant::now();
        let on_update = |st: &pixapi::TaskStatus| {
            {
                let mut s = lock(&state);
                let t = &mut s.targets[idx];
                t.progress = st.progress.map(|p| (p / 100.0).clamp(0.0, 1.0));
                t.polls.push(TaskPoll {
                    at_ms: started.elapsed().as_secs_f64() * 1000.0,
                    status: st.status.clone(),
                    progress: st.progress,
                });
                // Keep the inspector's list bounded on very long waits.
                if t.polls.len() > 200 {
                    t.polls.remove(1);
                }
            }
            self.publish(&state, idx);
        };
        let result = if let (true, Some(task)) = (is_async, task_id.clone()) {
            // Resuming: the task exists; poll it, never resubmit.
            client.wait_task(&task, &cancel, on_update).await
        } else if resume {
            // A sync request cut off by a stop cannot be resumed.
            let mut s = lock(&state);
            let t = &mut s.targets[idx];
            t.status = RunStatus::Interrupted;
            t.error = Some(ui(
                ErrorKind::Interrupted,
                "Pixbench stopped while this request was in flight; its answer is lost and Pixapi may have charged it. Re-run if you need the images.",
            ));
            drop(s);
            self.publish(&state, idx);
            return;
        } else {
            let target = spec.targets.get(idx).cloned().unwrap_or(TargetSpec {
                model_id: model_id.clone(),
                n,
                size: None,
                ..Default::default()
            });
            let profile_id = lock(&state).row.profile_id.clone();
            let built = self
                .store()
                .profile(&profile_id)
                .map_err(CoreError::from)
                .and_then(|profile| build_request(self, &spec, &entry, &target, &profile, &refs));
            let req = match built {
                Ok(r) => r,
                Err(e) => {
                    self.fail_target(&state, idx, e.into());
                    return;
                }
            };
            let on_submitted = |h: &pixapi::TaskHandle| {
                {
                    let mut s = lock(&state);
                    let t = &mut s.targets[idx];
                    t.task_id = Some(h.id.clone());
                    t.request_id = h.request_id.clone();
                    t.polls.push(TaskPoll { at_ms: h.submit_ms, status: h.status.clone(), progress: h.progress });
                }
                // Persisted before the first poll: a task id once received is never lost.
                self.publish(&state, idx);
            };
            match (&req, is_async) {
                (WireRequest::Generate(g), false) => client.generate(g, &cancel).await,
                (WireRequest::Edit(e), false) => client.edit(e, &cancel).await,
                (WireRequest::Generate(g), true) => client.generate_async(g, &cancel, on_submitted, on_update).await,
                (WireRequest::Edit(e), true) => client.edit_async(e, &cancel, on_submitted, on_update).await,
            }
        };
        match result {
            Ok(r) => self.save_outputs(&state, idx, &entry, r).await,
            Err(e) if matches!(e.kind(), pixapi::Error::Cancelled) => {
                let accepted = {
                    let mut s = lock(&state);
                    let t = &mut s.targets[idx];
                    t.status = RunStatus::Cancelled;
                    if t.task_id.is_some() {
                        t.error = Some(ui(
                            ErrorKind::Cancelled,
                            "Cancelled. The server had already accepted the task and may still finish and charge it; if it does, its images will appear here.",
                        ));
                    }
                    t.task_id.clone()
                };
                self.publish(&state, idx);
                if let Some(task) = accepted {
                    // Paid output is never dropped: keep polling quietly, outside the run.
                    let (engine, state, entry) = (self.clone(), state.clone(), entry.clone());
                    tokio::spawn(async move { engine.salvage_cancelled_task(state, idx, client, entry, task).await });
                }
            }
            Err(e) => {
                {
                    let mut s = lock(&state);
                    let t = &mut s.targets[idx];
                    t.http_status = e.http_status();
                    t.request_id = e.request_id().map(String::from).or(t.request_id.take());
                    t.response_raw = e.raw_body().map(String::from);
                    t.attempts = t.attempts.max(e.attempts);
                }
                self.fail_target(&state, idx, api_error_view(&e, &profile_name));
            }
        }
        drop(permit);
    }

    /// A task the user cancelled after the server accepted it: Pixapi has no way to cancel
    /// it, so it may still finish and be charged. Poll it quietly (for at most
    /// [`SALVAGE_FOR`]); if it delivers, keep its images and enter them in the ledger like
    /// any others, so the app's books match the server's.
    async fn salvage_cancelled_task(
        &self,
        state: Shared,
        idx: usize,
        client: pixapi::Client,
        entry: CatalogEntry,
        task: String,
    ) {
        let never = CancellationToken::new();
        let result = tokio::time::timeout(SALVAGE_FOR, client.wait_task(&task, &never, |_| {})).await;
        let Ok(Ok(r)) = result else {
            // Failed, expired or still not done: nothing delivered, nothing charged for it here.
            return;
        };
        if r.images.is_empty() {
            return;
        }
        self.save_outputs(&state, idx, &entry, r).await;
        {
            let mut s = lock(&state);
            let t = &mut s.targets[idx];
            if t.error.is_none() || t.error.as_ref().is_some_and(|e| e.kind == ErrorKind::Cancelled) {
                t.error = Some(ui(
                    ErrorKind::FinishedAfterCancel,
                    "Finished after you cancelled it: the server had already accepted the task and charged it, so its images are kept.",
                ));
            }
        }
        self.publish(&state, idx);
        self.settle_run(&state);
    }

    /// A run's status from its targets, saved, and told to the UI with the session's spend.
    fn settle_run(&self, state: &Shared) {
        let (run_id, status) = {
            let mut s = lock(state);
            s.row.status = aggregate(&s.targets);
            (s.row.id.clone(), s.row.status)
        };
        let _ = self.store().set_run_status(&run_id, status);
        self.emit(EngineEvent::RunUpdated(self.view_of(state)));
        if let Ok(sv) = self.session_current() {
            self.emit(EngineEvent::SessionUpdated(sv));
        }
    }

    fn fail_target(&self, state: &Shared, idx: usize, err: UiError) {
        {
            let mut s = lock(state);
            let t = &mut s.targets[idx];
            t.status = RunStatus::Failed;
            t.progress = None;
            t.error = Some(err);
        }
        self.publish(state, idx);
    }

    async fn save_outputs(&self, state: &Shared, idx: usize, entry: &CatalogEntry, mut r: pixapi::ImagesResult) {
        let answered = std::time::Instant::now();
        let (run_id, session_id, profile_id, simulated, n) = {
            let s = lock(state);
            (s.row.id.clone(), s.row.session_id.clone(), s.row.profile_id.clone(), s.row.simulated, s.targets[idx].n)
        };
        // An answer never makes more outputs than were asked for (a hostile server's 2,000
        // links are neither downloaded by the client nor stored here).
        let extra = r.dropped + r.images.len().saturating_sub(n as usize);
        r.images.truncate(n as usize);
        let mut save_error: Option<String> = None;
        let mut held_images: Vec<(usize, String)> = Vec::new();
        // Images held from an earlier failed write go first, if the disk works again.
        if self.blobs().held_count() > 0 {
            self.save_held();
        }
        let mut not_images: Vec<String> = Vec::new();
        let mut got = 0usize;
        let catalog = self.catalog();
        let quality = {
            let s = lock(state);
            s.row.spec.targets.get(idx).and_then(|t| quality_for(&s.row.spec, t, entry))
        };
        for (i, img) in r.images.into_iter().enumerate() {
            let blobs = self.blobs().clone();
            let bytes = img.bytes;
            // Hashing and writing a 4K PNG is real work: off the async threads.
            let saved = tokio::task::spawn_blocking(move || {
                let mut dims = crate::blobs::probe(&bytes).map(|(w, h, _)| (w, h)).unwrap_or((0, 0));
                // A failed write keeps the paid image in memory (see `held`).
                let put = blobs.put_or_hold(&bytes).map_err(|e| e.to_string());
                let sha = match &put {
                    Ok(crate::blobs::Stored::Saved(s) | crate::blobs::Stored::Held(s, _)) => s.clone(),
                    Err(_) => crate::blobs::sha256_hex(&bytes),
                };
                // Thumbnail once, now, so the grid never decodes the full image. It is also
                // the proof that the bytes are an image: a header alone (or a decode bomb)
                // is not a paid output.
                let decodes = match &put {
                    Ok(_) => blobs.thumb(&sha).is_ok(),
                    Err(_) => crate::blobs::make_thumbnail(&bytes, crate::blobs::THUMB_EDGE).is_ok(),
                };
                if !decodes {
                    dims = (0, 0);
                    // Not an image: nothing of it stays in the image store (the answer
                    // is in the inspector). Bytes that do not decode are no one's output.
                    if put.is_ok() {
                        blobs.remove(&sha);
                    }
                }
                let (err, held) = match put {
                    Ok(crate::blobs::Stored::Held(_, why)) => (None, Some(why)),
                    Ok(_) => (None, None),
                    Err(e) => (Some(e), None),
                };
                (sha, dims, bytes.len() as u64, err, held)
            })
            .await;
            let (sha, (w, h), len, err, held) = match saved {
                Ok(v) => v,
                Err(e) => {
                    save_error = Some(e.to_string());
                    continue;
                }
            };
            if w == 0 || h == 0 {
                // Not an image: a failed output, never a paid one.
                not_images.push(format!("output {} ({len} bytes)", i + 1));
                continue;
            }
            got += 1;
            if let Some(e) = err {
                save_error = Some(e);
            }
            if let Some(why) = held {
                held_images.push((i + 1, why));
            }
            // Billing follows the delivered output: its tier, its model's price.
            let billed = catalog.bill(entry, w, h, quality.as_deref());
            let out = OutputRow {
                run_id: run_id.clone(),
                target_idx: idx as u32,
                idx: i as u32,
                sha256: sha.clone(),
                width: w,
                height: h,
                bytes: len,
                credits: billed.credits,
                billing_note: billed.note.clone(),
            };
            let official_usd = catalog.get(&billed.entry_id).and_then(|e| e.official_usd);
            let ledger = LedgerRow {
                session_id: session_id.clone(),
                profile_id: profile_id.clone(),
                run_id: run_id.clone(),
                target_idx: idx as u32,
                output_idx: i as u32,
                model_id: billed.entry_id.clone(),
                variant: billed.tier.clone(),
                credits: billed.credits,
                official_usd,
                simulated,
                at: now_rfc3339(),
            };
            match self.store().record_output(&out, &ledger) {
                Ok(inserted) => {
                    let mut s = lock(state);
                    if inserted {
                        s.row.credits += billed.credits;
                    }
                    let t = &mut s.targets[idx];
                    if !t.outputs.iter().any(|o| o.idx == i as u32) {
                        t.credits += billed.credits;
                        t.outputs.push(OutputView {
                            idx: i as u32,
                            sha256: sha,
                            width: w,
                            height: h,
                            bytes: len,
                            url: String::new(),
                            thumb_url: String::new(),
                            credits: billed.credits,
                            rating: None,
                            note: None,
                            billing_note: billed.note.clone(),
                        });
                    }
                }
                Err(e) => save_error = Some(e.to_string()),
            }
            // Each image shows as soon as it is saved.
            self.publish(state, idx);
        }
        {
            let mut s = lock(state);
            let t = &mut s.targets[idx];
            t.timing = Some(timings(&r.timing));
            t.http_status = Some(r.http_status);
            t.request_id = r.request_id.clone().or(t.request_id.take());
            t.response_raw = Some(r.raw_body_elided.clone());
            t.attempts = t.attempts.max(r.attempts);
            t.progress = Some(1.0);
            t.saved_ms = Some(answered.elapsed().as_secs_f64() * 1000.0);
            t.status = if save_error.is_some() || got == 0 {
                RunStatus::Failed
            } else if got < n as usize {
                RunStatus::Partial
            } else {
                RunStatus::Done
            };
            if extra > 0 && t.status == RunStatus::Done {
                t.error = Some(ui(
                    ErrorKind::ExtraOutputs,
                    format!("The server answered with {extra} more image(s) than the {n} asked for; Pixbench kept {n} and did not download or count the rest."),
                ));
            }
            if !not_images.is_empty() {
                t.status = if got == 0 { RunStatus::Failed } else { RunStatus::Partial };
                t.error = Some(ui(
                    ErrorKind::NotAnImage,
                    format!(
                        "The server answered with bytes that are not an image ({}). Pixbench's ledger does not count them; the answer is in the inspector. If the server charged for them, ask its support.",
                        not_images.join(", ")
                    ),
                ));
            } else if let Some(e) = save_error {
                t.error = Some(ui(
                    ErrorKind::Disk,
                    format!("The server delivered {got} image(s) but they could not all be saved: {e}. Free disk space; the ledger still counts them."),
                ));
            } else if got == 0 {
                t.error = Some(ui(
                    ErrorKind::Malformed,
                    "The server answered without any image. Nothing was charged for it by Pixbench's ledger.",
                ));
            } else if let Some(f) = r.failed.first() {
                // Some links failed while others came: the images that came are kept.
                if t.status == RunStatus::Done {
                    t.status = RunStatus::Partial;
                }
                t.error = Some(ui(
                    ErrorKind::from(&f.error),
                    format!(
                        "{} of the answer's images could not be fetched ({}); the {got} that came are kept and counted. The server may have charged for the others: their links are in the inspector.",
                        r.failed.len(),
                        f.message.trim_end_matches('.')
                    ),
                ));
            } else if got < n as usize {
                t.error = Some(ui(
                    ErrorKind::Partial,
                    format!("{got} of {n} images came back; the server charges only delivered images."),
                ));
            } else if let Some((_, why)) = held_images.first() {
                t.error = Some(crate::held::held_notice(held_images.len(), why));
            }
        }
        if !held_images.is_empty() {
            self.note_held(&run_id, idx as u32);
        }
        self.publish(state, idx);
    }

    pub fn run_cancel(&self, run_id: &str) {
        if let Some(a) = lock(&self.inner.active).get(run_id) {
            a.cancel.cancel();
        }
    }

    pub fn run_cancel_target(&self, run_id: &str, idx: u32) {
        if let Some(a) = lock(&self.inner.active).get(run_id) {
            if let Some(t) = a.target_cancels.get(idx as usize) {
                t.cancel();
            }
        }
    }

    /// Waits until a run is finished (for the CLI and tests) and answers its final view.
    pub async fn wait_run(&self, run_id: &str) -> CoreResult<RunView> {
        let rx = lock(&self.inner.active).get(run_id).map(|a| a.done.clone());
        if let Some(mut rx) = rx {
            while !*rx.borrow() {
                if rx.changed().await.is_err() {
                    break;
                }
            }
        }
        self.run_get(run_id)
    }

    /// Resumes what a stop left: async tasks are polled again; sync requests interrupted;
    /// tasks cancelled after the server accepted them (recently) are polled quietly again
    /// for their paid images.
    pub(crate) fn recover_unfinished_runs(&self) {
        // Another live process's runs (the CLI's, while the app opens) are left to it.
        let unfinished: Vec<String> = match self.store().unfinished_runs() {
            Ok(ids) => ids
                .into_iter()
                .filter(|(_, owner)| crate::owner::may_take_over(self.data_dir(), owner.as_deref()))
                .map(|(id, _)| id)
                .collect(),
            Err(e) => {
                tracing::warn!("could not list unfinished runs: {e}");
                return;
            }
        };
        let since = (time::OffsetDateTime::now_utc() - SALVAGE_FOR)
            .format(&time::format_description::well_known::Rfc3339)
            .unwrap_or_default();
        let mut salvage: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
        match self.store().cancelled_accepted_targets(&since) {
            Ok(v) => v
                .into_iter()
                .filter(|(run, _)| {
                    let owner = self.store().run_owner(run).ok().flatten();
                    crate::owner::may_take_over(self.data_dir(), owner.as_deref())
                })
                .for_each(|(run, idx)| salvage.entry(run).or_default().push(idx)),
            Err(e) => tracing::warn!("could not list cancelled tasks: {e}"),
        }
        let mut ids = unfinished.clone();
        ids.extend(salvage.keys().filter(|k| !unfinished.contains(k)).cloned());
        for id in ids {
            if let Err(e) = self.store().take_over_run(&id) {
                tracing::warn!("could not take over run {id}: {e}");
            }
            let Ok(row) = self.store().run_row(&id) else { continue };
            let Ok(targets) = self.store().targets(&id) else { continue };
            let references = row.spec.references.iter().filter_map(|s| self.reference(s).ok()).collect();
            let profile_id = row.profile_id.clone();
            let state: Shared = Arc::new(Mutex::new(RunState { row, targets, references }));
            let client = self.client_for(&profile_id);
            if let (Ok((client, _)), Some(idxs)) = (&client, salvage.get(&id)) {
                let catalog = self.catalog();
                for &idx in idxs {
                    let (model, task) = {
                        let s = lock(&state);
                        let t = &s.targets[idx as usize];
                        (t.model_id.clone(), t.task_id.clone())
                    };
                    if let (Some(entry), Some(task)) = (catalog.get(&model).cloned(), task) {
                        let (engine, state, client) = (self.clone(), state.clone(), client.clone());
                        tokio::spawn(async move {
                            engine.salvage_cancelled_task(state, idx as usize, client, entry, task).await
                        });
                    }
                }
            }
            if !unfinished.contains(&id) {
                continue;
            }
            match client {
                Ok((client, _)) => self.spawn_run(state, client, Some(())),
                Err(e) => {
                    // No key any more: keep the task id, say why it cannot be polled.
                    let msg: UiError = e.into();
                    let mut s = lock(&state);
                    for t in s.targets.iter_mut().filter(|t| !t.status.is_terminal()) {
                        t.status = RunStatus::Interrupted;
                        t.error = Some(ui(ErrorKind::Interrupted, format!("Could not resume: {}", msg.message)));
                    }
                    s.row.status = aggregate(&s.targets);
                    let (run_id, status, ts) = (s.row.id.clone(), s.row.status, s.targets.clone());
                    drop(s);
                    for t in &ts {
                        let _ = self.store().update_target(&run_id, t);
                    }
                    let _ = self.store().set_run_status(&run_id, status);
                }
            }
        }
    }
}

/// A run's status from its targets'.
pub fn aggregate(targets: &[TargetView]) -> RunStatus {
    if targets.iter().any(|t| !t.status.is_terminal()) {
        return RunStatus::Running;
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

/// A stored run as the UI shows it.
pub fn load_run_view(engine: &Engine, run_id: &str) -> CoreResult<RunView> {
    let row = engine.store().run_row(run_id)?;
    let targets = engine.store().targets(run_id)?;
    let references = row.spec.references.iter().filter_map(|s| engine.reference(s).ok()).collect();
    let state: Shared = Arc::new(Mutex::new(RunState { row, targets, references }));
    Ok(engine.view_of(&state))
}

//! One target of a run: its request sent (or its task polled), its answer's images saved
//! and entered in the ledger, its failure said.

use std::sync::Arc;
use std::time::Duration;

use tokio_util::sync::CancellationToken;

use super::{Runs, Shared};
use crate::api::*;
use crate::catalog::Catalog;
use crate::error::{api_error_view, ui, CoreError};
use crate::infra::lock;
use crate::request::{build_request, quality_for, WireRequest};
use crate::store::{LedgerRow, OutputRow};

/// The longest wait between two checks of an accepted task.
const MAX_RECHECK: Duration = Duration::from_secs(15 * 60);

/// How a target waiting for an accepted task is told to check now or to stop waiting.
pub(super) struct Waits {
    pub give_up: CancellationToken,
    pub recheck: Arc<tokio::sync::Notify>,
}

/// Why a waited-for task has not delivered yet, or what it came to.
enum Check {
    Delivered(pixapi::ImagesResult),
    /// The server says the task failed: nothing was charged for it.
    Failed(pixapi::ApiError),
    /// The user stopped waiting.
    GivenUp,
    /// Not known yet: why, for a person.
    Unknown(String),
}

/// What one poll of a task came to. A completed task whose every image link failed is
/// not delivered: its images are still the server's to give (and are paid).
fn check_of(result: Result<pixapi::ImagesResult, pixapi::ApiError>) -> Check {
    match result {
        Ok(r) if r.images.is_empty() && !r.failed.is_empty() => Check::Unknown(format!(
            "Pixapi finished the task but none of its {} image link(s) could be fetched ({})",
            r.failed.len(),
            r.failed[0].message.trim_end_matches('.')
        )),
        Ok(r) => Check::Delivered(r),
        Err(e) if matches!(e.kind(), pixapi::Error::TaskFailed { .. }) => Check::Failed(e),
        Err(e) if matches!(e.kind(), pixapi::Error::Cancelled) => Check::GivenUp,
        Err(e) => Check::Unknown(e.user_message().trim_end_matches('.').to_string()),
    }
}

impl Runs {
    pub(super) async fn run_target(
        self: &Arc<Self>,
        state: Shared,
        idx: usize,
        client: Result<pixapi::Client, UiError>,
        cancel: CancellationToken,
        waits: Waits,
        resume: bool,
    ) {
        // A task waited for when the app stopped is waited for again, at once.
        let (waited, task, model_id) = {
            let s = lock(&state);
            let t = &s.targets[idx];
            (t.waiting.clone(), t.task_id.clone(), t.model_id.clone())
        };
        if let (Some(w), Some(task)) = (waited, task) {
            let catalog = self.catalog.get();
            if let Some(entry) = catalog.get(&model_id).cloned() {
                let why = w.last_problem.unwrap_or_else(|| "Pixbench stopped while it waited".into());
                self.wait_for_task(&state, idx, &entry, &task, why, w.after_cancel, waits, Duration::ZERO).await;
                return;
            }
        }
        let client = match client {
            Ok(c) => c,
            Err(why) => return self.without_client(&state, idx, why, waits).await,
        };
        // A benchmark bounds its requests itself (its `concurrency`); other runs share the
        // engine's limit.
        let in_bench = lock(&state).row.spec.bench_id.is_some();
        let permit = if in_bench {
            None
        } else {
            let permit = tokio::select! {
                p = self.semaphore.clone().acquire_owned() => p.ok(),
                _ = cancel.cancelled() => None,
            };
            if permit.is_none() {
                lock(&state).targets[idx].status = RunStatus::Cancelled;
                self.publish(&state, idx);
                return;
            }
            permit
        };
        let sent_before;
        let (spec, refs, model_id, n, is_async, task_id, profile_name) = {
            let mut s = lock(&state);
            let t = &mut s.targets[idx];
            sent_before = t.status != RunStatus::Queued;
            t.status = RunStatus::Running;
            t.attempts += 1;
            let v = (t.model_id.clone(), t.n, t.is_async, t.task_id.clone());
            (s.row.spec.clone(), s.references.clone(), v.0, v.1, v.2, v.3, s.row.profile_name.clone())
        };
        self.publish(&state, idx);
        let catalog = self.catalog.get();
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
            // A sync request cut off by a stop cannot be resumed; one never sent cost nothing.
            let mut s = lock(&state);
            let t = &mut s.targets[idx];
            t.status = RunStatus::Interrupted;
            t.error = Some(ui(
                ErrorKind::Interrupted,
                if sent_before {
                    "Pixbench stopped while this request was in flight; its answer is lost and Pixapi may have charged it. Check your Pixapi dashboard before running it again."
                } else {
                    "Pixbench stopped before this request was sent: nothing was charged for it. Run it again for its images."
                },
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
                .store
                .profile(&profile_id)
                .map_err(CoreError::from)
                .and_then(|profile| build_request(&self.blobs, &spec.request, &entry, &target, &profile, &refs));
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
        // The engine's concurrency is for requests in flight, not for tasks waited for.
        drop(permit);
        let accepted = lock(&state).targets[idx].task_id.clone();
        let Some(task) = accepted else {
            // No task: a sync answer, or a submit that never got its task id back.
            match result {
                Ok(r) => self.save_outputs(&state, idx, &entry, r).await,
                Err(e) if matches!(e.kind(), pixapi::Error::Cancelled) => {
                    let sent = lock(&state).targets[idx].status == RunStatus::Running;
                    {
                        let mut s = lock(&state);
                        let t = &mut s.targets[idx];
                        t.status = RunStatus::Cancelled;
                        if sent {
                            t.error = Some(ui(
                                ErrorKind::Cancelled,
                                "Cancelled while the request was with Pixapi: it may have finished and charged it, and Pixbench cannot know (no task id came back). Check your Pixapi dashboard before running it again.",
                            ));
                        }
                    }
                    self.publish(&state, idx);
                }
                Err(e) => self.fail_with(&state, idx, &e, &profile_name),
            }
            return;
        };
        // A task the server accepted is ours until it delivers or the server says it
        // failed: it may be charged, so it is waited for, across restarts too.
        match check_of(result) {
            Check::Delivered(r) => self.save_outputs(&state, idx, &entry, r).await,
            Check::Failed(e) => self.fail_with(&state, idx, &e, &profile_name),
            Check::Unknown(why) => {
                let first = self.task_recheck_after;
                self.wait_for_task(&state, idx, &entry, &task, why, false, waits, first).await
            }
            Check::GivenUp => {
                // Cancelled after the server accepted it: it may still finish and be paid.
                let why = "you cancelled it after Pixapi had accepted it".to_string();
                self.wait_for_task(&state, idx, &entry, &task, why, true, waits, Duration::ZERO).await
            }
        }
    }

    /// A failed request: its status, request id and answer kept for the inspector.
    fn fail_with(&self, state: &Shared, idx: usize, e: &pixapi::ApiError, profile_name: &str) {
        {
            let mut s = lock(state);
            let t = &mut s.targets[idx];
            t.http_status = e.http_status();
            t.request_id = e.request_id().map(String::from).or(t.request_id.take());
            t.response_raw = e.raw_body().map(String::from);
            t.attempts = t.attempts.max(e.attempts);
        }
        self.fail_target(state, idx, api_error_view(e, profile_name));
    }

    /// Waits for a task the server accepted but whose outcome has not reached Pixbench
    /// (its polls failed, past the poll deadline, its images could not be fetched, or the
    /// user cancelled it): the target says so (status `waiting`, with why and when the
    /// next check is), and the task is polled again after `first`, then at doubling
    /// intervals up to [`MAX_RECHECK`], or at once when the user asks. It ends when the
    /// task delivers (its images are kept and entered in the ledger like any others, so
    /// the app's books match the server's), when the server says it failed, or when the
    /// user gives it up. The run stays active meanwhile, and a stop resumes the waiting.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn wait_for_task(
        self: &Arc<Self>,
        state: &Shared,
        idx: usize,
        entry: &CatalogEntry,
        task: &str,
        mut why: String,
        after_cancel: bool,
        waits: Waits,
        first: Duration,
    ) {
        let since = lock(state).targets[idx].waiting.as_ref().map(|w| w.since.clone());
        let since = since.unwrap_or_else(|| self.clock.now_rfc3339());
        let mut checks = lock(state).targets[idx].waiting.as_ref().map_or(0, |w| w.checks);
        let mut pause = first;
        loop {
            let next = self.clock.now() + pause;
            // Listen for "Check now" before the wait is shown: a press between showing it and
            // listening would otherwise be lost (`notify_waiters` wakes only listeners).
            let check_now = waits.recheck.notified();
            tokio::pin!(check_now);
            check_now.as_mut().enable();
            self.show_waiting(
                state,
                idx,
                TaskWait {
                    since: since.clone(),
                    checks,
                    next_check_at: (!pause.is_zero())
                        .then(|| next.format(&time::format_description::well_known::Rfc3339).unwrap_or_default()),
                    last_problem: Some(why.clone()),
                    after_cancel,
                },
            );
            tokio::select! {
                _ = tokio::time::sleep(pause) => {}
                _ = &mut check_now => {}
                _ = waits.give_up.cancelled() => {}
            }
            if waits.give_up.is_cancelled() {
                return self.given_up(state, idx, task);
            }
            checks += 1;
            self.show_waiting(
                state,
                idx,
                TaskWait {
                    since: since.clone(),
                    checks,
                    next_check_at: None,
                    last_problem: Some(why.clone()),
                    after_cancel,
                },
            );
            // The profile's client now: its key may have been fixed since the last check.
            let profile_id = lock(state).row.profile_id.clone();
            let check = match self.profiles.client_for(&profile_id) {
                Ok((client, _)) => check_of(client.wait_task(task, &waits.give_up, |_| {}).await),
                Err(e) => Check::Unknown(UiError::from(e).message.trim_end_matches('.').to_string()),
            };
            match check {
                Check::Delivered(r) => {
                    {
                        let mut s = lock(state);
                        let t = &mut s.targets[idx];
                        t.waiting = None;
                        t.error = None;
                    }
                    self.save_outputs(state, idx, entry, r).await;
                    if after_cancel {
                        let mut s = lock(state);
                        let t = &mut s.targets[idx];
                        if t.error.is_none() {
                            t.error = Some(ui(
                                ErrorKind::FinishedAfterCancel,
                                "Finished after you cancelled it: Pixapi had already accepted the task and charged it, so its images are kept.",
                            ));
                        }
                    }
                    self.publish(state, idx);
                    return;
                }
                Check::Failed(e) => {
                    {
                        let mut s = lock(state);
                        let t = &mut s.targets[idx];
                        t.waiting = None;
                        if after_cancel {
                            t.status = RunStatus::Cancelled;
                            t.error = Some(ui(
                                ErrorKind::Cancelled,
                                "Cancelled; Pixapi then reported the task as failed, so nothing was charged for it.",
                            ));
                        }
                    }
                    if after_cancel {
                        self.publish(state, idx);
                    } else {
                        let profile_name = lock(state).row.profile_name.clone();
                        self.fail_with(state, idx, &e, &profile_name);
                    }
                    return;
                }
                Check::GivenUp => return self.given_up(state, idx, task),
                Check::Unknown(w) => why = w,
            }
            pause = if pause.is_zero() { self.task_recheck_after } else { (pause * 2).min(MAX_RECHECK) };
        }
    }

    /// A target resumed when its profile cannot make a client (its key is gone): a task
    /// the server accepted is waited for until it can; anything else cannot go on.
    async fn without_client(self: &Arc<Self>, state: &Shared, idx: usize, why: UiError, waits: Waits) {
        let (task, model_id) = {
            let s = lock(state);
            (s.targets[idx].task_id.clone(), s.targets[idx].model_id.clone())
        };
        let entry = self.catalog.get().get(&model_id).cloned();
        if let (Some(task), Some(entry)) = (task, entry) {
            let why = why.message.trim_end_matches('.').to_string();
            let first = self.task_recheck_after;
            return self.wait_for_task(state, idx, &entry, &task, why, false, waits, first).await;
        }
        {
            let mut s = lock(state);
            let t = &mut s.targets[idx];
            t.status = RunStatus::Interrupted;
            t.error = Some(ui(ErrorKind::Interrupted, format!("Could not resume: {}", why.message)));
        }
        self.publish(state, idx);
    }

    /// Shows a target as waiting for its accepted task, saved (a stop resumes it).
    fn show_waiting(&self, state: &Shared, idx: usize, wait: TaskWait) {
        {
            let mut s = lock(state);
            let t = &mut s.targets[idx];
            t.status = RunStatus::Waiting;
            t.progress = None;
            let problem = wait.last_problem.clone().unwrap_or_default();
            let next = if wait.next_check_at.is_some() { "checks it again soon" } else { "is checking it now" };
            t.error = Some(ui(
                ErrorKind::Waiting,
                if wait.after_cancel {
                    format!("Cancelled, but Pixapi had already accepted the task and may still finish and charge it: Pixbench {next} and keeps its images if it does. Give it up to stop checking.")
                } else {
                    format!("Pixapi accepted this task, but its images have not reached Pixbench. Do not run it again: it may still finish and be charged. Pixbench {next}, also after a restart, and adds its images when they come. Last check: {problem}.")
                },
            ));
            t.waiting = Some(wait);
        }
        self.publish(state, idx);
        self.settle_run(state);
    }

    /// The user stopped waiting for an accepted task.
    fn given_up(&self, state: &Shared, idx: usize, task: &str) {
        self.update_target(state, idx, |t| {
            t.waiting = None;
            t.status = RunStatus::Cancelled;
            t.error = Some(ui(
                ErrorKind::GivenUp,
                format!("You stopped waiting for this task. Pixapi may still finish it and charge for it; its task id ({task}) is in the inspector for Pixapi's support."),
            ));
        });
    }

    fn fail_target(&self, state: &Shared, idx: usize, err: UiError) {
        self.update_target(state, idx, |t| {
            t.status = RunStatus::Failed;
            t.progress = None;
            t.error = Some(err);
        });
    }

    /// Changes one target under the run's lock, then publishes it.
    fn update_target(&self, state: &Shared, idx: usize, change: impl FnOnce(&mut TargetView)) {
        change(&mut lock(state).targets[idx]);
        self.publish(state, idx);
    }

    async fn save_outputs(
        self: &Arc<Self>,
        state: &Shared,
        idx: usize,
        entry: &CatalogEntry,
        mut r: pixapi::ImagesResult,
    ) {
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
        if self.blobs.held_count() > 0 {
            self.save_held();
        }
        let mut not_images: Vec<String> = Vec::new();
        let mut got = 0usize;
        let catalog = self.catalog.get();
        let quality = {
            let s = lock(state);
            s.row.spec.targets.get(idx).and_then(|t| quality_for(&s.row.spec.request, t, entry))
        };
        // A gateway that reports the tokens it charged (OpenAI's `usage`) is ledgered by
        // them, the answer's charge shared among its images (the first takes the odd
        // micro-dollars), rather than by the price table.
        let usage_shares: Option<Vec<Cost>> =
            r.usage.as_ref().and_then(|u| Catalog::usage_cost(entry, u)).map(|c| share_micros(&c, r.images.len()));
        for (i, img) in r.images.into_iter().enumerate() {
            let blobs = self.blobs.clone();
            let bytes = img.bytes;
            let kept = bytes.clone();
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
                // The runtime is stopping (the app quits): the target is left as it is, its
                // task id kept, and the next start collects the images again (the ledger
                // counts each once). Marking it failed would lose paid images for good.
                Err(e) if e.is_cancelled() => return,
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
            let mut billed = catalog.bill(entry, w, h, quality.as_deref());
            if let Some(share) = usage_shares.as_ref().and_then(|v| v.get(i)) {
                billed.cost = share.clone();
            }
            let out = OutputRow {
                run_id: run_id.clone(),
                target_idx: idx as u32,
                idx: i as u32,
                sha256: sha.clone(),
                width: w,
                height: h,
                bytes: len,
                billing: billed.clone(),
            };
            let official_usd = catalog.get(&billed.billed_entry).and_then(|e| e.official_usd);
            let ledger = LedgerRow {
                session_id: session_id.clone(),
                profile_id: profile_id.clone(),
                run_id: run_id.clone(),
                target_idx: idx as u32,
                output_idx: i as u32,
                model_id: billed.billed_entry.clone(),
                variant: billed.billed_tier.clone(),
                cost: billed.cost.clone(),
                official_usd,
                simulated,
                at: self.clock.now_rfc3339(),
            };
            let inserted = match self.store.record_output(&out, &ledger) {
                Ok(inserted) => {
                    // A run deleted between the save (which found these bytes stored) and
                    // the record may have removed the file: it is written again.
                    if let Err(e) = self.blobs.ensure(&sha, &kept) {
                        save_error = Some(e.to_string());
                    }
                    inserted
                }
                Err(e) => {
                    // The database refused the rows: they are held with the image and
                    // written later (see `held`); until then the target and the session
                    // count them.
                    held_images.push((i + 1, format!("the history database refused it: {e}")));
                    self.hold_record(out.clone(), ledger.clone());
                    true
                }
            };
            {
                let mut s = lock(state);
                if inserted {
                    s.row.cost += billed.cost.clone();
                }
                let t = &mut s.targets[idx];
                if !t.outputs.iter().any(|o| o.idx == i as u32) {
                    t.cost += billed.cost.clone();
                    t.outputs.push(OutputView {
                        idx: i as u32,
                        sha256: sha,
                        width: w,
                        height: h,
                        bytes: len,
                        url: String::new(),
                        thumb_url: String::new(),
                        billing: billed.clone(),
                        rating: None,
                        note: None,
                    });
                }
            }
            // The session's balance moves with each recorded output.
            if inserted {
                self.sessions.charged(&session_id, simulated, &billed.cost);
            }
            // Each image shows as soon as it is saved.
            self.publish(state, idx);
        }
        {
            let mut s = lock(state);
            let t = &mut s.targets[idx];
            t.timing = Some(super::timings(&r.timing));
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
                t.error = Some(super::held::held_notice(held_images.len(), why));
            }
        }
        if !held_images.is_empty() {
            self.note_held(&run_id, idx as u32);
        }
        self.publish(state, idx);
    }
}

/// A dollar charge in `n` shares that add up to it exactly, in micro-dollars (the first
/// takes the remainder).
fn share_micros(total: &Cost, n: usize) -> Vec<Cost> {
    let n = n.max(1);
    let micros = (total.usd * 1e6).round() as i64;
    let each = micros / n as i64;
    let first = micros - each * (n as i64 - 1);
    (0..n).map(|i| Cost::dollars(if i == 0 { first } else { each } as f64 / 1e6)).collect()
}

#[cfg(test)]
mod share_tests {
    use super::*;

    #[test]
    fn shares_add_up_to_the_charge_to_the_micro_dollar() {
        let total = Cost::dollars(0.333335);
        let shares = share_micros(&total, 3);
        assert_eq!(
            shares.iter().map(|c| (c.usd * 1e6).round() as i64).collect::<Vec<_>>(),
            vec![111113, 111111, 111111]
        );
        assert_eq!(share_micros(&total, 0).len(), 1);
    }
}

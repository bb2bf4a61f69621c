//! What a stop left: async tasks are polled again (never resubmitted), sync requests cut
//! off are marked interrupted, tasks cancelled after the server accepted them are polled
//! quietly again for their paid images.

use std::sync::{Arc, Mutex};

use super::{Reservation, RunState, Runs, Shared, SALVAGE_FOR};
use crate::api::*;
use crate::infra::lock;

impl Runs {
    /// Resumes what a stop left: async tasks are polled again and tasks waited for are
    /// waited for again (never resubmitted); sync requests cut off are marked interrupted.
    /// A task an older version cancelled after the server accepted it (and still salvaged
    /// for half an hour) is waited for like any other. What the resumed runs may still
    /// cost is reserved against the budget again.
    pub(crate) fn recover_unfinished(self: &Arc<Self>) {
        // Another live process's runs (the CLI's, while the app opens) are left to it.
        let mine = |owner: Option<&str>| crate::owner::may_take_over(&self.data_dir, owner);
        let mut ids: Vec<String> = match self.store.unfinished_runs() {
            Ok(ids) => ids.into_iter().filter(|(_, owner)| mine(owner.as_deref())).map(|(id, _)| id).collect(),
            Err(e) => {
                tracing::warn!("could not list unfinished runs: {e}");
                return;
            }
        };
        let since =
            (self.clock.now() - SALVAGE_FOR).format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        let mut cancelled_accepted: std::collections::BTreeMap<String, Vec<u32>> = Default::default();
        match self.store.cancelled_accepted_targets(&since) {
            Ok(v) => v
                .into_iter()
                .filter(|(run, _)| mine(self.store.run_owner(run).ok().flatten().as_deref()))
                .for_each(|(run, idx)| cancelled_accepted.entry(run).or_default().push(idx)),
            Err(e) => tracing::warn!("could not list cancelled tasks: {e}"),
        }
        ids.extend(cancelled_accepted.keys().filter(|k| !ids.contains(k)).cloned().collect::<Vec<_>>());
        for id in ids {
            if let Err(e) = self.store.take_over_run(&id) {
                tracing::warn!("could not take over run {id}: {e}");
            }
            let Ok(row) = self.store.run_row(&id) else { continue };
            let Ok(mut targets) = self.store.targets(&id) else { continue };
            for &idx in cancelled_accepted.get(&id).into_iter().flatten() {
                if let Some(t) = targets.get_mut(idx as usize) {
                    t.status = RunStatus::Waiting;
                    t.waiting = Some(TaskWait {
                        since: self.clock.now_rfc3339(),
                        checks: 0,
                        next_check_at: None,
                        last_problem: Some("you cancelled it after Pixapi had accepted it".into()),
                        after_cancel: true,
                    });
                }
            }
            if row.session_id != self.sessions.id() {
                lock(&self.resumed).push(id.clone());
            }
            let references = row.spec.request.images.iter().filter_map(|s| self.references.get(s).ok()).collect();
            let profile_id = row.profile_id.clone();
            let reservation = (row.session_id.clone(), row.simulated, row.estimate.credits);
            let state: Shared = Arc::new(Mutex::new(RunState { row, targets, references }));
            lock(&self.reservations).insert(
                id.clone(),
                Reservation {
                    session_id: reservation.0,
                    simulated: reservation.1,
                    estimate: reservation.2,
                    state: state.clone(),
                },
            );
            let client = self.profiles.client_for(&profile_id).map(|(c, _)| c).map_err(UiError::from);
            self.spawn_run(state, client, Some(()));
        }
    }
}

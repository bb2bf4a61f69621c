//! Paid images held in memory because the disk refused them (see `blobs`), and their
//! output and ledger rows when the history database refused those (a full disk, or the
//! database busy behind another process's write past the busy timeout): which targets say
//! so, and writing them as soon as the disk works again, after which those targets'
//! notices are cleared. A background task retries every 15 seconds while anything is held;
//! every new answer retries first too.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use super::Runs;
use crate::api::UiError;
use crate::error::ui;
use crate::infra::{lock, EngineEvent};
use crate::kind::ErrorKind;
use crate::store::{LedgerRow, OutputRow};

const RETRY_EVERY: Duration = Duration::from_secs(15);

/// Targets with images held, the output and ledger rows not yet recorded, and whether
/// the retry task runs.
#[derive(Debug, Default)]
pub struct HeldTargets {
    targets: HashSet<(String, u32)>,
    records: Vec<(OutputRow, LedgerRow)>,
    retrying: bool,
}

pub(crate) fn held_notice(count: usize, why: &str) -> UiError {
    ui(
        ErrorKind::Unsaved,
        format!(
            "{count} paid image(s) could not be saved ({why}). Pixbench keeps them in memory, shows them and counts them in this session, and writes them (with their ledger entries) as soon as it can: free some disk space. If Pixbench quits before that, they are lost from its history, though the server charged them."
        ),
    )
}

impl Runs {
    /// Records that a target has images held, and starts the retry task if needed.
    pub(crate) fn note_held(self: &Arc<Self>, run_id: &str, target_idx: u32) {
        let start = {
            let mut h = lock(&self.held);
            h.targets.insert((run_id.to_string(), target_idx));
            !std::mem::replace(&mut h.retrying, true)
        };
        if start {
            let engine = Arc::clone(self);
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(RETRY_EVERY).await;
                    if engine.save_held() == 0 && !lock(&engine.held).retrying {
                        break;
                    }
                }
            });
        }
    }

    /// Holds an output's rows the database refused, to record them later (the session's
    /// running sum already counts them).
    pub(crate) fn hold_record(&self, out: OutputRow, ledger: LedgerRow) {
        lock(&self.held).records.push((out, ledger));
    }

    /// Writes the held images the disk takes now, then the held rows the database takes;
    /// once nothing is held, clears the notice of the targets that had them (of finished
    /// runs: a run still going writes its targets itself, so its notice is cleared on a
    /// later call). Answers how many images and rows are still held.
    pub fn save_held(&self) -> usize {
        self.blobs.flush_held();
        let records = std::mem::take(&mut lock(&self.held).records);
        let mut refused = Vec::new();
        for (out, ledger) in records {
            if let Err(e) = self.store.record_output(&out, &ledger) {
                tracing::warn!("a held output of run {} is still not recorded: {e}", out.run_id);
                refused.push((out, ledger));
            }
        }
        let rows = refused.len();
        lock(&self.held).records.extend(refused);
        let still = self.blobs.held_count() + rows;
        let done: Vec<(String, u32)> = {
            let mut h = lock(&self.held);
            if still > 0 {
                return still;
            }
            let active = lock(&self.active);
            let (going, done): (Vec<_>, Vec<_>) = h.targets.drain().partition(|(run, _)| active.contains_key(run));
            h.targets = going.into_iter().collect();
            h.retrying = !h.targets.is_empty();
            done
        };
        let runs: HashSet<&String> = done.iter().map(|(r, _)| r).collect();
        for (run_id, idx) in &done {
            let Ok(targets) = self.store.targets(run_id) else { continue };
            let Some(mut t) = targets.into_iter().find(|t| t.idx == *idx) else { continue };
            if t.error.as_ref().is_some_and(|e| e.kind == ErrorKind::Unsaved) {
                t.error = None;
                if let Err(e) = self.store.update_target(run_id, &t) {
                    tracing::warn!("could not clear the held-images notice: {e}");
                }
            }
        }
        for run_id in runs {
            if let Ok(v) = self.get(run_id) {
                self.events.emit(EngineEvent::RunUpdated(v));
            }
        }
        0
    }
}

//! Paid images held in memory because the disk refused them (see `blobs`): which
//! targets say so, and writing them as soon as the disk works again, after which those
//! targets' notices are cleared. A background task retries every [`RETRY_EVERY`] while
//! anything is held; every new answer retries first too.

use std::collections::HashSet;
use std::time::Duration;

use crate::api::UiError;
use crate::engine::{lock, Engine, EngineEvent};
use crate::error::ui;
use crate::kind::ErrorKind;

const RETRY_EVERY: Duration = Duration::from_secs(15);

/// Targets with images held, and whether the retry task runs.
#[derive(Debug, Default)]
pub struct HeldTargets {
    targets: HashSet<(String, u32)>,
    retrying: bool,
}

pub(crate) fn held_notice(count: usize, why: &str) -> UiError {
    ui(
        ErrorKind::Unsaved,
        format!(
            "{count} paid image(s) could not be written to the data folder ({why}). Pixbench keeps them in memory and shows them, and saves them as soon as it can: free some disk space. If Pixbench quits before that, they are lost."
        ),
    )
}

impl Engine {
    /// Records that a target has images held, and starts the retry task if needed.
    pub(crate) fn note_held(&self, run_id: &str, target_idx: u32) {
        let start = {
            let mut h = lock(&self.inner.held);
            h.targets.insert((run_id.to_string(), target_idx));
            !std::mem::replace(&mut h.retrying, true)
        };
        if start {
            let engine = self.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(RETRY_EVERY).await;
                    if engine.save_held() == 0 && !lock(&engine.inner.held).retrying {
                        break;
                    }
                }
            });
        }
    }

    /// Writes the held images the disk takes now; once none is held, clears the notice of
    /// the targets that had them (of finished runs: a run still going writes its targets
    /// itself, so its notice is cleared on a later call). Answers how many images are
    /// still held.
    pub fn save_held(&self) -> usize {
        self.blobs().flush_held();
        let still = self.blobs().held_count();
        let done: Vec<(String, u32)> = {
            let mut h = lock(&self.inner.held);
            if still > 0 {
                return still;
            }
            let active = lock(&self.inner.active);
            let (going, done): (Vec<_>, Vec<_>) = h.targets.drain().partition(|(run, _)| active.contains_key(run));
            h.targets = going.into_iter().collect();
            h.retrying = !h.targets.is_empty();
            done
        };
        let runs: HashSet<&String> = done.iter().map(|(r, _)| r).collect();
        for (run_id, idx) in &done {
            let Ok(targets) = self.store().targets(run_id) else { continue };
            let Some(mut t) = targets.into_iter().find(|t| t.idx == *idx) else { continue };
            if t.error.as_ref().is_some_and(|e| e.kind == ErrorKind::Unsaved) {
                t.error = None;
                if let Err(e) = self.store().update_target(run_id, &t) {
                    tracing::warn!("could not clear the held-images notice: {e}");
                }
            }
        }
        for run_id in runs {
            if let Ok(v) = self.run_get(run_id) {
                self.emit(EngineEvent::RunUpdated(v));
            }
        }
        0
    }
}

//! Lineage in the store: which output of which run an edit started from (schema 6's
//! `parent_*` columns of `runs`), and the queries that walk it. A deleted run's children
//! keep their `parent_*` columns: the link names a run that is gone, and the walk stops
//! there (see `Lineages::walk`).

use rusqlite::{params, OptionalExtension, Transaction};

use super::{parse_mode, Result, Store, StoreError};
use crate::api::{OutputRef, RunStatus, RunSummary};

/// A run's place in its lineage, as stored. `summary.thumb_url` holds an image hash.
#[derive(Debug, Clone)]
pub struct LineageRow {
    pub summary: RunSummary,
    pub parent: Option<OutputRef>,
    /// The hash of the output the run started from, recorded when it was created.
    pub parent_sha256: Option<String>,
}

/// Records where a run came from, in the transaction that inserts it. The output must
/// exist now (its run may have been deleted since the composer got the draft).
pub(super) fn record_parent(tx: &Transaction, run_id: &str, p: &OutputRef) -> Result<()> {
    let sha: Option<String> = tx
        .query_row(
            "SELECT sha256 FROM outputs WHERE run_id = ?1 AND target_idx = ?2 AND idx = ?3",
            params![p.run_id, p.target_idx, p.output_idx],
            |r| r.get(0),
        )
        .optional()?;
    let Some(sha) = sha else {
        return Err(StoreError::Invalid(
            "The image this edit starts from is no longer in history (its run was deleted). Start again from another image, or add it as a file.".into(),
        ));
    };
    tx.execute(
        "UPDATE runs SET parent_run_id = ?2, parent_target_idx = ?3, parent_output_idx = ?4, parent_sha256 = ?5 WHERE id = ?1",
        params![run_id, p.run_id, p.target_idx, p.output_idx, sha],
    )?;
    Ok(())
}

const LINEAGE_COLUMNS: &str =
    "r.id, r.created_at, r.prompt, r.mode, r.status, r.models, r.profile_name, r.simulated, r.credits,
    (SELECT COUNT(*) FROM outputs o WHERE o.run_id = r.id),
    (SELECT o.sha256 FROM outputs o WHERE o.run_id = r.id ORDER BY o.target_idx, o.idx LIMIT 1),
    r.parent_run_id, r.parent_target_idx, r.parent_output_idx, r.parent_sha256,
    (SELECT COUNT(*) FROM runs c WHERE c.parent_run_id = r.id), r.usd, r.unpriced";

fn lineage_from_row(r: &rusqlite::Row) -> rusqlite::Result<LineageRow> {
    let models: String = r.get(5)?;
    let parent_run_id: Option<String> = r.get(11)?;
    let parent = match (parent_run_id.clone(), r.get::<_, Option<u32>>(12)?, r.get::<_, Option<u32>>(13)?) {
        (Some(run_id), Some(target_idx), Some(output_idx)) => Some(OutputRef { run_id, target_idx, output_idx }),
        _ => None,
    };
    Ok(LineageRow {
        summary: RunSummary {
            id: r.get(0)?,
            created_at: r.get(1)?,
            prompt: r.get(2)?,
            kind: parse_mode(&r.get::<_, String>(3)?),
            status: RunStatus::parse(&r.get::<_, String>(4)?),
            models: models.split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
            profile_name: r.get(6)?,
            simulated: r.get::<_, i64>(7)? != 0,
            cost: crate::api::Cost { credits: r.get(8)?, usd: r.get(16)?, unpriced: r.get(17)? },
            images: r.get(9)?,
            thumb_url: r.get(10)?,
            parent_run_id,
            children: r.get::<_, Option<u32>>(15)?.filter(|n| *n > 0),
        },
        parent,
        parent_sha256: r.get(14)?,
    })
}

impl Store {
    /// The hash of one output, if that run has it.
    pub fn output_sha(&self, run_id: &str, target_idx: u32, idx: u32) -> Result<Option<String>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT sha256 FROM outputs WHERE run_id = ?1 AND target_idx = ?2 AND idx = ?3",
                params![run_id, target_idx, idx],
                |r| r.get(0),
            )
            .optional()?)
    }

    /// A run's summary and where it came from; `None` when the run is not (or no longer) there.
    pub fn lineage_row(&self, run_id: &str) -> Result<Option<LineageRow>> {
        let conn = self.conn();
        let mut st = conn.prepare_cached(&format!("SELECT {LINEAGE_COLUMNS} FROM runs r WHERE r.id = ?1"))?;
        Ok(st.query_row([run_id], lineage_from_row).optional()?)
    }

    /// The runs started from a run's outputs, oldest first, at most `limit`.
    pub fn lineage_children(&self, run_id: &str, limit: usize) -> Result<Vec<LineageRow>> {
        let conn = self.conn();
        let mut st = conn.prepare_cached(&format!(
            "SELECT {LINEAGE_COLUMNS} FROM runs r WHERE r.parent_run_id = ?1 ORDER BY r.created_at, r.id LIMIT ?2"
        ))?;
        let rows =
            st.query_map(params![run_id, limit as i64], lineage_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }
}

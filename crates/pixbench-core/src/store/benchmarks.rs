//! Benchmarks in the store: the `benchmarks` table's rows (the summary the history list
//! shows; the full report is the JSON file `report_path` names).

use rusqlite::{params, OptionalExtension};

use super::{now_rfc3339, Result, Store, StoreError};
use crate::api::*;

impl Store {
    pub fn upsert_benchmark(&self, b: &BenchSummary) -> Result<()> {
        let targets = serde_json::to_string(&b.targets).map_err(|e| StoreError::Invalid(e.to_string()))?;
        self.conn().execute(
            "INSERT INTO benchmarks(id, name, status, started_at, finished_at, profile, simulated, requests,
                 succeeded, failed, cancelled, credits, usd, targets_json, elapsed_ms, report_path, owner)
             VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, status = excluded.status,
                 finished_at = excluded.finished_at, requests = excluded.requests,
                 succeeded = excluded.succeeded, failed = excluded.failed, cancelled = excluded.cancelled,
                 credits = excluded.credits, usd = excluded.usd, elapsed_ms = excluded.elapsed_ms,
                 report_path = excluded.report_path",
            params![
                b.id,
                b.name,
                b.status,
                b.started_at,
                b.finished_at,
                b.profile,
                b.simulated,
                b.requests,
                b.succeeded,
                b.failed,
                b.cancelled,
                b.credits,
                b.usd,
                targets,
                b.elapsed_ms,
                b.report_path,
                self.owner.get()
            ],
        )?;
        Ok(())
    }

    fn benchmark_from_row(r: &rusqlite::Row) -> rusqlite::Result<BenchSummary> {
        let targets: String = r.get(13)?;
        Ok(BenchSummary {
            id: r.get(0)?,
            name: r.get(1)?,
            status: r.get(2)?,
            started_at: r.get(3)?,
            finished_at: r.get(4)?,
            profile: r.get(5)?,
            simulated: r.get::<_, i64>(6)? != 0,
            requests: r.get(7)?,
            succeeded: r.get(8)?,
            failed: r.get(9)?,
            cancelled: r.get(10)?,
            credits: r.get(11)?,
            usd: r.get(12)?,
            targets: serde_json::from_str(&targets).unwrap_or_default(),
            elapsed_ms: r.get(14)?,
            report_path: r.get(15)?,
        })
    }

    const BENCH_COLUMNS: &'static str = "id, name, status, started_at, finished_at, profile, simulated, requests,
        succeeded, failed, cancelled, credits, usd, targets_json, elapsed_ms, report_path";

    /// Benchmarks, newest first.
    pub fn benchmarks(&self, limit: u32) -> Result<Vec<BenchSummary>> {
        let conn = self.conn();
        let mut st = conn.prepare_cached(&format!(
            "SELECT {} FROM benchmarks ORDER BY started_at DESC LIMIT ?1",
            Self::BENCH_COLUMNS
        ))?;
        let rows = st.query_map([limit], Self::benchmark_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn benchmark(&self, id: &str) -> Result<BenchSummary> {
        self.conn()
            .query_row(
                &format!("SELECT {} FROM benchmarks WHERE id = ?1", Self::BENCH_COLUMNS),
                [id],
                Self::benchmark_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("benchmark {id}")))
    }

    /// Benchmarks still marked running: the process that ran them stopped.
    /// Marks interrupted the benchmarks left running whose owner `may_take_over` says is gone.
    pub fn mark_running_benchmarks_interrupted(&self, may_take_over: impl Fn(Option<&str>) -> bool) -> Result<usize> {
        let conn = self.conn();
        let running: Vec<(String, Option<String>)> = conn
            .prepare("SELECT id, owner FROM benchmarks WHERE status = 'running'")?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut n = 0;
        for (id, _) in running.iter().filter(|(_, o)| may_take_over(o.as_deref())) {
            n += conn.execute(
                "UPDATE benchmarks SET status = 'interrupted', finished_at = COALESCE(finished_at, ?2) WHERE id = ?1",
                params![id, now_rfc3339()],
            )?;
        }
        Ok(n)
    }

    pub fn delete_benchmark(&self, id: &str) -> Result<()> {
        self.conn().execute("DELETE FROM benchmarks WHERE id = ?1", [id])?;
        Ok(())
    }
}

//! The history store: SQLite (bundled, WAL) with embedded migrations. Profiles, sessions,
//! runs and their targets, outputs, reference images, the credit ledger and settings.
//! Keys are never stored here (see `secrets`). Image bytes live in `blobs`.

use std::path::Path;
use std::sync::{Mutex, MutexGuard};

use rusqlite::{params, Connection, OptionalExtension};

use crate::api::*;
use crate::spec::RunSpec;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("The history database could not be used: {0}. If the disk is full, free some space; nothing already saved was lost.")]
    Sql(#[from] rusqlite::Error),
    #[error("Stored data is damaged: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Invalid(String),
    #[error("Not found: {0}")]
    NotFound(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

pub const SANDBOX_ID: &str = "sandbox";

/// How long a statement waits for another process's write (the app and the CLI share the
/// file) before it fails.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(5);

mod benchmarks;
pub mod lineage;
mod migrations;
use migrations::MIGRATIONS;

pub struct Store {
    conn: Mutex<Connection>,
    /// Recorded on the runs and benchmarks this store starts (see `crate::owner`).
    owner: std::sync::OnceLock<String>,
}

pub fn now_rfc3339() -> String {
    time::OffsetDateTime::now_utc().format(&time::format_description::well_known::Rfc3339).unwrap_or_default()
}

/// One output as stored.
#[derive(Debug, Clone)]
pub struct OutputRow {
    pub run_id: String,
    pub target_idx: u32,
    pub idx: u32,
    pub sha256: String,
    pub width: u32,
    pub height: u32,
    pub bytes: u64,
    pub billing: Billing,
}

/// One ledger entry as recorded.
#[derive(Debug, Clone)]
pub struct LedgerRow {
    pub session_id: String,
    pub profile_id: String,
    pub run_id: String,
    pub target_idx: u32,
    pub output_idx: u32,
    /// The catalog entry priced (the delivered tier's).
    pub model_id: String,
    /// The tier billed.
    pub variant: String,
    pub cost: Cost,
    pub official_usd: Option<f64>,
    pub simulated: bool,
    pub at: String,
}

#[derive(Debug, Clone)]
pub struct ProfileRow {
    pub id: String,
    pub name: String,
    pub base_url: String,
    pub default_model: String,
    pub budget_credits: Option<i64>,
    pub is_sandbox: bool,
    pub key_mask: Option<String>,
    pub request_style: RequestStyle,
    pub image_parts: ImageParts,
    /// The base URL the stored key was entered for: the key goes to that origin only.
    pub key_origin: Option<String>,
    /// The gateway preset's id (`pixapi`, `openai`, `openai-compatible`).
    pub gateway: String,
}

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub name: String,
    pub started_at: String,
    pub budget_credits: Option<i64>,
}

/// A run's row: what the composer sent and where it stands.
#[derive(Debug, Clone)]
pub struct RunRow {
    pub id: String,
    pub session_id: String,
    pub profile_id: String,
    pub profile_name: String,
    pub simulated: bool,
    pub created_at: String,
    pub spec: RunSpec,
    pub status: RunStatus,
    /// The most it could cost, as estimated when it started.
    pub estimate: Cost,
    /// What its delivered outputs were billed.
    pub cost: Cost,
}

impl Store {
    pub fn open(path: &Path) -> Result<Store> {
        let conn = Connection::open(path)?;
        Self::init(conn)
    }

    pub fn open_in_memory() -> Result<Store> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(conn: Connection) -> Result<Store> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        Self::use_wal(&conn)?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let store = Store { conn: Mutex::new(conn), owner: Default::default() };
        store.migrate()?;
        Ok(store)
    }

    /// The owner recorded on runs and benchmarks inserted from now on.
    pub fn set_owner(&self, owner: &str) {
        let _ = self.owner.set(owner.to_string());
    }

    fn conn(&self) -> MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Switches the file to WAL. On a new file another process is opening at the same
    /// moment, SQLite answers BUSY at once, without waiting (it would deadlock otherwise),
    /// so the switch is tried again until the busy timeout has passed.
    fn use_wal(conn: &Connection) -> Result<()> {
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        loop {
            match conn.pragma_update(None, "journal_mode", "WAL") {
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy && std::time::Instant::now() < deadline =>
                {
                    std::thread::sleep(std::time::Duration::from_millis(5));
                }
                r => return Ok(r?),
            }
        }
    }

    fn migrate(&self) -> Result<()> {
        let mut conn = self.conn();
        let newer =
            |v: usize| StoreError::Corrupt(format!("the database was written by a newer Pixbench (schema {v})"));
        let version = conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
        if version > MIGRATIONS.len() {
            return Err(newer(version));
        }
        // The app and the CLI may open a new data dir at the same moment: each step reads the
        // version again under the write lock (IMMEDIATE), so the second to arrive waits and
        // then finds the step done instead of running it twice.
        if version == MIGRATIONS.len() {
            return Ok(());
        }
        loop {
            let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
            let now = tx.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0))? as usize;
            if now > MIGRATIONS.len() {
                return Err(newer(now));
            }
            let Some(sql) = MIGRATIONS.get(now) else { return Ok(()) };
            tx.execute_batch(sql)?;
            tx.pragma_update(None, "user_version", (now + 1) as i64)?;
            tx.commit()?;
        }
    }

    // ---- settings ----

    pub fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self.conn().query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0)).optional()?)
    }

    pub fn set_setting(&self, key: &str, value: &str) -> Result<()> {
        self.conn().execute(
            "INSERT INTO settings(key, value) VALUES(?1, ?2) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            params![key, value],
        )?;
        Ok(())
    }

    /// The models a profile's server listed when last read, kept so the app offers them at
    /// start without a request (`entry_ids` are not kept: the catalog decides them).
    pub fn server_models(&self, profile_id: &str) -> Result<Option<crate::api::ServerModels>> {
        Ok(self.setting(&format!("server_models:{profile_id}"))?.and_then(|j| serde_json::from_str(&j).ok()))
    }

    pub fn set_server_models(&self, m: &crate::api::ServerModels) -> Result<()> {
        let json = serde_json::to_string(m).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        self.set_setting(&format!("server_models:{}", m.profile_id), &json)
    }

    // ---- profiles ----

    fn profile_from_row(r: &rusqlite::Row) -> rusqlite::Result<ProfileRow> {
        Ok(ProfileRow {
            id: r.get(0)?,
            name: r.get(1)?,
            base_url: r.get(2)?,
            default_model: r.get(3)?,
            budget_credits: r.get(4)?,
            is_sandbox: r.get::<_, i64>(5)? != 0,
            key_mask: r.get(6)?,
            request_style: match r.get::<_, String>(7)?.as_str() {
                "suffix" => RequestStyle::Suffix,
                _ => RequestStyle::Size,
            },
            image_parts: match r.get::<_, String>(8)?.as_str() {
                "repeated" => ImageParts::Repeated,
                _ => ImageParts::Auto,
            },
            key_origin: r.get(9)?,
            gateway: r.get(10)?,
        })
    }

    pub fn profiles(&self) -> Result<Vec<ProfileRow>> {
        let conn = self.conn();
        let mut st = conn.prepare(
            "SELECT id, name, base_url, default_model, budget_credits, is_sandbox, key_mask, request_style, image_parts, key_origin, gateway FROM profiles ORDER BY is_sandbox DESC, created_at",
        )?;
        let rows = st.query_map([], Self::profile_from_row)?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn profile(&self, id: &str) -> Result<ProfileRow> {
        self.conn()
            .query_row(
                "SELECT id, name, base_url, default_model, budget_credits, is_sandbox, key_mask, request_style, image_parts, key_origin, gateway FROM profiles WHERE id = ?1",
                [id],
                Self::profile_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("profile {id}")))
    }

    pub fn upsert_profile(&self, p: &ProfileRow) -> Result<()> {
        let r = self.conn().execute(
            "INSERT INTO profiles(id, name, base_url, default_model, budget_credits, is_sandbox, key_mask, created_at, request_style, image_parts, key_origin, gateway)
             VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
             ON CONFLICT(id) DO UPDATE SET name = excluded.name, base_url = excluded.base_url,
               default_model = excluded.default_model, budget_credits = excluded.budget_credits,
               key_mask = excluded.key_mask, request_style = excluded.request_style,
               image_parts = excluded.image_parts, key_origin = excluded.key_origin,
               gateway = excluded.gateway",
            params![
                p.id,
                p.name,
                p.base_url,
                p.default_model,
                p.budget_credits,
                p.is_sandbox as i64,
                p.key_mask,
                now_rfc3339(),
                match p.request_style {
                    RequestStyle::Size => "size",
                    RequestStyle::Suffix => "suffix",
                },
                match p.image_parts {
                    ImageParts::Auto => "auto",
                    ImageParts::Repeated => "repeated",
                },
                p.key_origin,
                p.gateway,
            ],
        );
        match r {
            Err(rusqlite::Error::SqliteFailure(e, _)) if e.code == rusqlite::ErrorCode::ConstraintViolation => {
                Err(StoreError::Invalid(format!("A profile named “{}” already exists. Choose another name.", p.name)))
            }
            Err(e) => Err(e.into()),
            Ok(_) => Ok(()),
        }
    }

    pub fn delete_profile(&self, id: &str) -> Result<()> {
        self.conn().execute("DELETE FROM profiles WHERE id = ?1 AND is_sandbox = 0", [id])?;
        Ok(())
    }

    // ---- sessions ----

    fn session_from_row(r: &rusqlite::Row) -> rusqlite::Result<SessionRow> {
        Ok(SessionRow { id: r.get(0)?, name: r.get(1)?, started_at: r.get(2)?, budget_credits: r.get(3)? })
    }

    pub fn insert_session(&self, s: &SessionRow) -> Result<()> {
        self.conn().execute(
            "INSERT INTO sessions(id, name, started_at, budget_credits) VALUES(?1, ?2, ?3, ?4)",
            params![s.id, s.name, s.started_at, s.budget_credits],
        )?;
        Ok(())
    }

    pub fn session(&self, id: &str) -> Result<SessionRow> {
        self.conn()
            .query_row(
                "SELECT id, name, started_at, budget_credits FROM sessions WHERE id = ?1",
                [id],
                Self::session_from_row,
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("session {id}")))
    }

    pub fn latest_session(&self) -> Result<Option<SessionRow>> {
        Ok(self
            .conn()
            .query_row(
                "SELECT id, name, started_at, budget_credits FROM sessions ORDER BY started_at DESC LIMIT 1",
                [],
                Self::session_from_row,
            )
            .optional()?)
    }

    pub fn set_session_budget(&self, id: &str, credits: Option<i64>) -> Result<()> {
        self.conn().execute("UPDATE sessions SET budget_credits = ?2 WHERE id = ?1", params![id, credits])?;
        Ok(())
    }

    // ---- runs ----

    pub fn insert_run(&self, run: &RunRow, targets: &[TargetView]) -> Result<()> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let models: Vec<&str> = run.spec.targets.iter().map(|t| t.model_id.as_str()).collect();
        tx.execute(
            "INSERT INTO runs(id, session_id, profile_id, profile_name, simulated, created_at, mode, prompt, models, spec_json, status, estimate_credits, credits, bench_id, owner, estimate_usd, estimate_unpriced, usd, unpriced)
             VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19)",
            params![
                run.id,
                run.session_id,
                run.profile_id,
                run.profile_name,
                run.simulated as i64,
                run.created_at,
                mode_str(run.spec.request.kind()),
                run.spec.request.prompt,
                format!(",{},", models.join(",")),
                serde_json::to_string(&run.spec).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                run.status.as_str(),
                run.estimate.credits,
                run.cost.credits,
                run.spec.bench_id,
                self.owner.get(),
                run.estimate.usd,
                run.estimate.unpriced,
                run.cost.usd,
                run.cost.unpriced,
            ],
        )?;
        if let Some(parent) = &run.spec.request.parent {
            lineage::record_parent(&tx, &run.id, parent)?;
        }
        for (pos, sha) in run.spec.request.images.iter().enumerate() {
            tx.execute(
                "INSERT INTO run_references(run_id, pos, sha256) VALUES(?1, ?2, ?3)",
                params![run.id, pos as i64, sha],
            )?;
        }
        for t in targets {
            tx.execute(
                "INSERT INTO run_targets(run_id, idx, model_id, status, task_id, state_json) VALUES(?1, ?2, ?3, ?4, ?5, ?6)",
                params![run.id, t.idx, t.model_id, t.status.as_str(), t.task_id, target_json(t)?],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Saves a target's state (without its outputs, which have their own rows).
    pub fn update_target(&self, run_id: &str, t: &TargetView) -> Result<()> {
        self.conn().execute(
            "UPDATE run_targets SET status = ?3, task_id = ?4, state_json = ?5 WHERE run_id = ?1 AND idx = ?2",
            params![run_id, t.idx, t.status.as_str(), t.task_id, target_json(t)?],
        )?;
        Ok(())
    }

    pub fn set_run_status(&self, run_id: &str, status: RunStatus) -> Result<()> {
        self.conn().execute("UPDATE runs SET status = ?2 WHERE id = ?1", params![run_id, status.as_str()])?;
        Ok(())
    }

    /// Records a paid output and its ledger entry in one transaction, once: a second
    /// call for the same (run, target, index) changes nothing (resumes never double-count).
    /// Answers whether it was new.
    pub fn record_output(&self, o: &OutputRow, l: &LedgerRow) -> Result<bool> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        // A run deleted while a task was still finishing: its image has no row to belong
        // to, but the money was spent: the ledger keeps it.
        let run_exists =
            tx.query_row("SELECT 1 FROM runs WHERE id = ?1", [&o.run_id], |_| Ok(())).optional()?.is_some();
        let new = if run_exists {
            let c = &o.billing.cost;
            let inserted = tx.execute(
                "INSERT OR IGNORE INTO outputs(run_id, target_idx, idx, sha256, width, height, bytes, credits, usd, unpriced, asked_tier, billed_tier, billed_entry)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
                params![
                    o.run_id,
                    o.target_idx,
                    o.idx,
                    o.sha256,
                    o.width,
                    o.height,
                    o.bytes as i64,
                    c.credits,
                    c.usd,
                    c.unpriced,
                    o.billing.asked_tier,
                    o.billing.billed_tier,
                    o.billing.billed_entry
                ],
            )? == 1;
            if inserted {
                tx.execute(
                    "UPDATE runs SET credits = credits + ?2, usd = usd + ?3, unpriced = unpriced + ?4 WHERE id = ?1",
                    params![o.run_id, c.credits, c.usd, c.unpriced],
                )?;
            }
            inserted && insert_ledger(&tx, l)?
        } else {
            insert_ledger(&tx, l)?
        };
        tx.commit()?;
        Ok(new)
    }

    pub fn rate_output(
        &self,
        run_id: &str,
        target_idx: u32,
        idx: u32,
        rating: Option<u8>,
        note: Option<&str>,
    ) -> Result<()> {
        let n = self.conn().execute(
            "UPDATE outputs SET rating = ?4, note = ?5 WHERE run_id = ?1 AND target_idx = ?2 AND idx = ?3",
            params![run_id, target_idx, idx, rating, note],
        )?;
        if n == 0 {
            return Err(StoreError::NotFound("that image".into()));
        }
        Ok(())
    }

    pub fn run_row(&self, id: &str) -> Result<RunRow> {
        let conn = self.conn();
        conn.query_row(
            "SELECT id, session_id, profile_id, profile_name, simulated, created_at, spec_json, status, estimate_credits, credits, estimate_usd, estimate_unpriced, usd, unpriced FROM runs WHERE id = ?1",
            [id],
            |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                    r.get::<_, String>(6)?,
                    r.get::<_, String>(7)?,
                    Cost { credits: r.get(8)?, usd: r.get(10)?, unpriced: r.get(11)? },
                    Cost { credits: r.get(9)?, usd: r.get(12)?, unpriced: r.get(13)? },
                ))
            },
        )
        .optional()?
        .ok_or_else(|| StoreError::NotFound(format!("run {id}")))
        .and_then(|(id, session_id, profile_id, profile_name, sim, created_at, spec, status, estimate, cost)| {
            Ok(RunRow {
                id,
                session_id,
                profile_id,
                profile_name,
                simulated: sim != 0,
                created_at,
                spec: serde_json::from_str(&spec).map_err(|e| StoreError::Corrupt(e.to_string()))?,
                status: RunStatus::parse(&status),
                estimate,
                cost,
            })
        })
    }

    pub fn targets(&self, run_id: &str) -> Result<Vec<TargetView>> {
        let conn = self.conn();
        let mut st = conn.prepare("SELECT state_json FROM run_targets WHERE run_id = ?1 ORDER BY idx")?;
        let jsons = st.query_map([run_id], |r| r.get::<_, String>(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        let mut out_st = conn.prepare(
            "SELECT target_idx, idx, sha256, width, height, bytes, credits, rating, note, usd, unpriced, asked_tier, billed_tier, billed_entry
             FROM outputs WHERE run_id = ?1 ORDER BY target_idx, idx",
        )?;
        let outputs = out_st
            .query_map([run_id], |r| {
                Ok((
                    r.get::<_, u32>(0)?,
                    OutputView {
                        idx: r.get(1)?,
                        sha256: r.get(2)?,
                        width: r.get(3)?,
                        height: r.get(4)?,
                        bytes: r.get::<_, i64>(5)? as u64,
                        url: String::new(),
                        thumb_url: String::new(),
                        // Rows older than schema 8 have no asked tier (the engine reads it
                        // from the catalog) and may lack the billed one.
                        billing: Billing {
                            asked_tier: r.get::<_, Option<String>>(11)?.unwrap_or_default(),
                            billed_tier: r.get::<_, Option<String>>(12)?.unwrap_or_default(),
                            billed_entry: r.get::<_, Option<String>>(13)?.unwrap_or_default(),
                            cost: Cost { credits: r.get(6)?, usd: r.get(9)?, unpriced: r.get(10)? },
                        },
                        rating: r.get(7)?,
                        note: r.get(8)?,
                    },
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut targets = Vec::with_capacity(jsons.len());
        for j in jsons {
            let mut t: TargetView = serde_json::from_str(&j).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            t.outputs = outputs.iter().filter(|(ti, _)| *ti == t.idx).map(|(_, o)| o.clone()).collect();
            t.cost = t.outputs.iter().map(|o| o.billing.cost.clone()).sum();
            targets.push(t);
        }
        Ok(targets)
    }

    /// Runs that were still going when the app stopped.
    /// Runs left queued or running, with their owner (see `crate::owner`).
    pub fn unfinished_runs(&self) -> Result<Vec<(String, Option<String>)>> {
        let conn = self.conn();
        let mut st = conn.prepare(
            "SELECT id, owner FROM runs WHERE status IN ('queued', 'running', 'waiting') ORDER BY created_at",
        )?;
        let ids = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    }

    /// The owner of a run (who may drive it), `None` for rows written before owners.
    pub fn run_owner(&self, run_id: &str) -> Result<Option<String>> {
        Ok(self.conn().query_row("SELECT owner FROM runs WHERE id = ?1", [run_id], |r| r.get(0))?)
    }

    /// This store's owner takes over a run (its previous owner is gone).
    pub fn take_over_run(&self, run_id: &str) -> Result<()> {
        self.conn().execute("UPDATE runs SET owner = ?2 WHERE id = ?1", params![run_id, self.owner.get()])?;
        Ok(())
    }

    /// Targets cancelled after the server accepted their task, with nothing delivered yet,
    /// of runs created at or after `since` (RFC 3339): (run id, target index).
    pub fn cancelled_accepted_targets(&self, since: &str) -> Result<Vec<(String, u32)>> {
        let conn = self.conn();
        let mut st = conn.prepare(
            "SELECT t.run_id, t.idx FROM run_targets t JOIN runs r ON r.id = t.run_id
             WHERE t.status = 'cancelled' AND t.task_id IS NOT NULL AND r.created_at >= ?1
               AND NOT EXISTS (SELECT 1 FROM outputs o WHERE o.run_id = t.run_id AND o.target_idx = t.idx)
             ORDER BY r.created_at",
        )?;
        let rows = st.query_map([since], |r| Ok((r.get(0)?, r.get(1)?)))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    pub fn history(&self, f: &HistoryFilter) -> Result<Vec<RunSummary>> {
        let mut sql = String::from(
            "SELECT r.id, r.created_at, r.prompt, r.mode, r.status, r.models, r.profile_name, r.simulated, r.credits,
                    (SELECT COUNT(*) FROM outputs o WHERE o.run_id = r.id),
                    (SELECT o.sha256 FROM outputs o WHERE o.run_id = r.id ORDER BY o.target_idx, o.idx LIMIT 1),
                    r.parent_run_id, (SELECT COUNT(*) FROM runs c WHERE c.parent_run_id = r.id), r.usd, r.unpriced
             FROM runs r WHERE 1=1",
        );
        if !f.include_bench_runs.unwrap_or(false) {
            // A benchmark's requests are browsed in its report, not one by one here.
            sql.push_str(" AND r.bench_id IS NULL");
        }
        let mut args: Vec<String> = vec![];
        if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            args.push(format!("%{}%", t.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
            sql.push_str(&format!(" AND r.prompt LIKE ?{} ESCAPE '\\'", args.len()));
        }
        if let Some(m) = f.model.as_deref().filter(|m| !m.is_empty()) {
            args.push(format!("%,{m},%"));
            sql.push_str(&format!(" AND r.models LIKE ?{}", args.len()));
        }
        if let Some(s) = f.status {
            args.push(s.as_str().to_string());
            sql.push_str(&format!(" AND r.status = ?{}", args.len()));
        }
        if let Some(p) = f.profile_id.as_deref().filter(|p| !p.is_empty()) {
            args.push(p.to_string());
            sql.push_str(&format!(" AND r.profile_id = ?{}", args.len()));
        }
        if let Some(s) = f.since.as_deref().filter(|s| !s.is_empty()) {
            args.push(s.to_string());
            sql.push_str(&format!(" AND r.created_at >= ?{}", args.len()));
        }
        if let Some(u) = f.until.as_deref().filter(|s| !s.is_empty()) {
            args.push(u.to_string());
            sql.push_str(&format!(" AND r.created_at <= ?{}", args.len()));
        }
        sql.push_str(&format!(" ORDER BY r.created_at DESC LIMIT {}", f.limit.unwrap_or(200).min(10_000)));
        let conn = self.conn();
        let mut st = conn.prepare_cached(&sql)?;
        let rows = st
            .query_map(rusqlite::params_from_iter(args.iter()), |r| {
                let models: String = r.get(5)?;
                let thumb: Option<String> = r.get(10)?;
                Ok(RunSummary {
                    id: r.get(0)?,
                    created_at: r.get(1)?,
                    prompt: r.get(2)?,
                    kind: parse_mode(&r.get::<_, String>(3)?),
                    status: RunStatus::parse(&r.get::<_, String>(4)?),
                    models: models.split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
                    profile_name: r.get(6)?,
                    simulated: r.get::<_, i64>(7)? != 0,
                    cost: Cost { credits: r.get(8)?, usd: r.get(13)?, unpriced: r.get(14)? },
                    images: r.get(9)?,
                    thumb_url: thumb,
                    parent_run_id: r.get(11)?,
                    children: r.get::<_, Option<u32>>(12)?.filter(|n| *n > 0),
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Deletes a run; answers the image hashes no longer referenced by anything.
    /// Deletes a run and answers the image hashes it used (its outputs and references), for
    /// the caller to remove those no one uses any more ([`Store::blob_in_use`]). A reference
    /// only this run used leaves the reference list too; one the user still has (a server
    /// may answer with a reference's own bytes) stays.
    pub fn delete_run(&self, run_id: &str) -> Result<Vec<String>> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let of = |sql: &str| -> Result<Vec<String>> {
            let mut st = tx.prepare(sql)?;
            let v = st.query_map([run_id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<String>>>()?;
            Ok(v)
        };
        let outputs = of("SELECT sha256 FROM outputs WHERE run_id = ?1")?;
        let references = of("SELECT sha256 FROM run_references WHERE run_id = ?1")?;
        // Ledger entries stay: money spent is history even when the images are deleted.
        tx.execute("DELETE FROM runs WHERE id = ?1", [run_id])?;
        for sha in &references {
            if !used_by_runs(&tx, sha) {
                tx.execute("DELETE FROM reference_images WHERE sha256 = ?1", [sha])?;
            }
        }
        tx.commit()?;
        let mut shas = outputs;
        shas.extend(references);
        shas.sort();
        shas.dedup();
        Ok(shas)
    }

    /// Whether an image is an output, a run's reference or in the reference list.
    pub fn blob_in_use(&self, sha: &str) -> bool {
        let conn = self.conn();
        used_by_runs(&conn, sha)
            || conn
                .query_row("SELECT 1 FROM reference_images WHERE sha256 = ?1", [sha], |_| Ok(()))
                .optional()
                .map_or(true, |r| r.is_some())
    }

    // ---- reference images ----

    pub fn upsert_reference(&self, r: &ReferenceView) -> Result<()> {
        self.conn().execute(
            "INSERT INTO reference_images(sha256, name, mime, width, height, bytes, original_bytes, original_width, original_height, note)
             VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT(sha256) DO UPDATE SET name = excluded.name",
            params![r.sha256, r.name, r.mime, r.width, r.height, r.bytes as i64, r.original_bytes.map(|b| b as i64), r.original_width, r.original_height, r.note],
        )?;
        Ok(())
    }

    pub fn reference(&self, sha: &str) -> Result<ReferenceView> {
        self.conn()
            .query_row(
                "SELECT sha256, name, mime, width, height, bytes, original_bytes, original_width, original_height, note FROM reference_images WHERE sha256 = ?1",
                [sha],
                |r| {
                    Ok(ReferenceView {
                        sha256: r.get(0)?,
                        name: r.get(1)?,
                        mime: r.get(2)?,
                        width: r.get(3)?,
                        height: r.get(4)?,
                        bytes: r.get::<_, i64>(5)? as u64,
                        thumb_url: String::new(),
                        original_bytes: r.get::<_, Option<i64>>(6)?.map(|b| b as u64),
                        original_width: r.get(7)?,
                        original_height: r.get(8)?,
                        note: r.get(9)?,
                    })
                },
            )
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("reference image {sha}")))
    }

    // ---- ledger ----

    pub fn ledger_for_session(&self, session_id: &str) -> Result<Vec<LedgerRow>> {
        let conn = self.conn();
        let mut st = conn.prepare(
            "SELECT session_id, profile_id, run_id, target_idx, output_idx, model_id, variant, credits, official_usd, simulated, at, usd, unpriced
             FROM ledger WHERE session_id = ?1 ORDER BY at, id",
        )?;
        let rows = st
            .query_map([session_id], |r| {
                Ok(LedgerRow {
                    session_id: r.get(0)?,
                    profile_id: r.get(1)?,
                    run_id: r.get(2)?,
                    target_idx: r.get(3)?,
                    output_idx: r.get(4)?,
                    model_id: r.get(5)?,
                    variant: r.get(6)?,
                    cost: Cost { credits: r.get(7)?, usd: r.get(11)?, unpriced: r.get(12)? },
                    official_usd: r.get(8)?,
                    simulated: r.get::<_, i64>(9)? != 0,
                    at: r.get(10)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(rows)
    }

    /// Images asked for and not delivered in a session's runs, by kind (simulated or real).
    pub fn failed_images(&self, session_id: &str, simulated: bool) -> Result<u32> {
        let conn = self.conn();
        let mut st = conn.prepare(
            "SELECT t.status, t.state_json, (SELECT COUNT(*) FROM outputs o WHERE o.run_id = t.run_id AND o.target_idx = t.idx)
             FROM run_targets t JOIN runs r ON r.id = t.run_id WHERE r.session_id = ?1 AND r.simulated = ?2",
        )?;
        let rows = st
            .query_map(params![session_id, simulated as i64], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, u32>(2)?))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut failed = 0u32;
        for (status, state, got) in rows {
            let st = RunStatus::parse(&status);
            // Running targets have not failed yet; cancelled ones were not failures.
            if !st.is_terminal() || st == RunStatus::Cancelled {
                continue;
            }
            let n = serde_json::from_str::<serde_json::Value>(&state)
                .ok()
                .and_then(|v| v.get("n").and_then(|n| n.as_u64()))
                .unwrap_or(0) as u32;
            failed += n.saturating_sub(got);
        }
        Ok(failed)
    }

    /// Outputs of a session's runs, for exports.
    pub fn session_runs(&self, session_id: &str) -> Result<Vec<String>> {
        let conn = self.conn();
        let mut st = conn.prepare("SELECT id FROM runs WHERE session_id = ?1 ORDER BY created_at")?;
        let ids = st.query_map([session_id], |r| r.get(0))?.collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ids)
    }

    /// Bulk insert for benchmarks and tests.
    pub fn with_transaction<T>(&self, f: impl FnOnce(&rusqlite::Transaction) -> rusqlite::Result<T>) -> Result<T> {
        let mut conn = self.conn();
        let tx = conn.transaction()?;
        let v = f(&tx)?;
        tx.commit()?;
        Ok(v)
    }
}

fn target_json(t: &TargetView) -> Result<String> {
    let mut t = t.clone();
    t.outputs.clear();
    serde_json::to_string(&t).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// The one insert of a ledger entry; answers whether it was new (an entry is kept once per
/// run, target and output, so resumes never double-count).
fn insert_ledger(tx: &rusqlite::Transaction, l: &LedgerRow) -> Result<bool> {
    let n = tx.execute(
        "INSERT OR IGNORE INTO ledger(session_id, profile_id, run_id, target_idx, output_idx, model_id, variant, credits, usd, unpriced, official_usd, simulated, at)
         VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        params![
            l.session_id,
            l.profile_id,
            l.run_id,
            l.target_idx,
            l.output_idx,
            l.model_id,
            l.variant,
            l.cost.credits,
            l.cost.usd,
            l.cost.unpriced,
            l.official_usd,
            l.simulated as i64,
            l.at
        ],
    )?;
    Ok(n == 1)
}

/// Whether any output or run reference uses an image (a failed query answers yes: nothing
/// is removed on a doubt).
fn used_by_runs(conn: &Connection, sha: &str) -> bool {
    conn.query_row(
        "SELECT (SELECT COUNT(*) FROM outputs WHERE sha256 = ?1) + (SELECT COUNT(*) FROM run_references WHERE sha256 = ?1)",
        [sha],
        |r| r.get::<_, i64>(0),
    )
    .map_or(true, |n| n > 0)
}

pub fn mode_str(m: RunKind) -> &'static str {
    match m {
        RunKind::Generate => "generate",
        RunKind::Edit => "edit",
    }
}

fn parse_mode(s: &str) -> RunKind {
    if s == "edit" {
        RunKind::Edit
    } else {
        RunKind::Generate
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn processes_opening_a_new_data_dir_at_once_all_get_the_same_schema() {
        // Each opener has its own connection, as the app and the CLI do.
        for round in 0..20 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("pixbench.sqlite");
            let barrier = std::sync::Arc::new(std::sync::Barrier::new(4));
            let handles: Vec<_> = (0..4)
                .map(|_| {
                    let (path, barrier) = (path.clone(), barrier.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        Store::open(&path).map(|s| s.setting("x").is_ok()).map_err(|e| e.to_string())
                    })
                })
                .collect();
            for h in handles {
                assert_eq!(h.join().unwrap(), Ok(true), "round {round}");
            }
            let conn = Connection::open(&path).unwrap();
            let v: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
            assert_eq!(v as usize, MIGRATIONS.len());
        }
    }

    #[test]
    fn a_database_of_schema_7_keeps_its_costs_and_billing() {
        // Rows as the previous version wrote them: credits only, a billing sentence.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.sqlite");
        {
            let conn = Connection::open(&path).unwrap();
            for sql in &MIGRATIONS[..7] {
                conn.execute_batch(sql).unwrap();
            }
            conn.pragma_update(None, "user_version", 7).unwrap();
            conn.execute_batch(
                r#"INSERT INTO runs(id, session_id, profile_id, profile_name, simulated, created_at, mode, prompt, models, spec_json, status, estimate_credits, credits)
                   VALUES('r', 's', 'sandbox', 'Sandbox', 1, '2026-01-01T00:00:00Z', 'generate', 'a fox', ',m-4k,', '{}', 'done', 8, 6);
                   INSERT INTO outputs(run_id, target_idx, idx, sha256, width, height, bytes, credits, billing_note)
                   VALUES('r', 0, 0, 'aa', 2048, 2048, 10, 6, 'Asked 4K, delivered 2048×2048 (2K): 6 credits.');
                   INSERT INTO ledger(session_id, profile_id, run_id, target_idx, output_idx, model_id, variant, credits, official_usd, simulated, at)
                   VALUES('s', 'sandbox', 'r', 0, 0, 'm-2k', '2K', 6, NULL, 1, '2026-01-01T00:00:01Z');"#,
            )
            .unwrap();
        }
        let s = Store::open(&path).unwrap();
        let l = s.ledger_for_session("s").unwrap();
        assert_eq!(l[0].cost, Cost { credits: 6, usd: 0.06, unpriced: 0 });
        let h = s.history(&HistoryFilter::default()).unwrap();
        assert_eq!(h[0].cost, Cost { credits: 6, usd: 0.06, unpriced: 0 });
        let conn = s.conn();
        let (billed, entry, usd): (String, String, f64) = conn
            .query_row("SELECT billed_tier, billed_entry, usd FROM outputs WHERE run_id = 'r'", [], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?))
            })
            .unwrap();
        assert_eq!((billed.as_str(), entry.as_str(), usd), ("2K", "m-2k", 0.06));
    }

    #[test]
    fn an_output_of_a_deleted_run_still_enters_the_ledger() {
        // A cancelled task the server finished after its run was deleted: paid for, so
        // counted, even though there is no run for its image to belong to.
        let s = Store::open_in_memory().unwrap();
        let out = OutputRow {
            run_id: "gone".into(),
            target_idx: 0,
            idx: 0,
            sha256: "0".repeat(64),
            width: 1024,
            height: 1024,
            bytes: 10,
            billing: Billing {
                asked_tier: "1K".into(),
                billed_tier: "1K".into(),
                billed_entry: "gemini-3.1-flash-image-preview".into(),
                cost: Cost::credits(4, 0.01),
            },
        };
        let led = LedgerRow {
            session_id: "s1".into(),
            profile_id: "p".into(),
            run_id: "gone".into(),
            target_idx: 0,
            output_idx: 0,
            model_id: "gemini-3.1-flash-image-preview".into(),
            variant: "1K".into(),
            cost: Cost::credits(4, 0.01),
            official_usd: None,
            simulated: false,
            at: now_rfc3339(),
        };
        assert!(s.record_output(&out, &led).unwrap());
        assert!(!s.record_output(&out, &led).unwrap(), "once");
        let l = s.ledger_for_session("s1").unwrap();
        assert_eq!(l.iter().map(|r| r.cost.credits).sum::<i64>(), 4);
    }
}

//! Blind A/B ranking: pairs of outputs of one prompt from different targets, shown without
//! labels; the votes (kept in the `votes` table, which survives deleting runs) become a
//! leaderboard of Bradley–Terry scores ([`rank`]) with intervals, records and cost per win.
//!
//! What is ranked is a *label*: a target's catalog id, plus its sweep axis values when it has
//! any ([`target_label`]). A blind view sees only an opaque token, two image URLs and the
//! prompt; labels are revealed by the vote.

pub mod rank;

use crate::kind::ErrorKind;
use std::collections::{HashMap, HashSet, VecDeque};

use rand::Rng;

pub use crate::api::{
    BlindChoice, BlindNext, BlindPair, BlindReveal, LeaderRow, Leaderboard, RevealedSide, VoteRecord,
};
use std::sync::{Arc, Mutex};

use crate::error::{ui, CoreError, CoreResult};
use crate::infra::{lock, Clock, ImageUrls};
use crate::session::Sessions;
use crate::store::Store;

/// Which votes and outputs count: one session's or everything in the database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoteScope {
    Session(String),
    All,
}

pub const METHOD: &str = "Bradley–Terry (ties count half a win each way), fitted by MM with one virtual draw per label; 95% interval from 400 bootstrap resamples of the votes (fixed seed).";

/// Tokens handed out and not yet voted on, at most this many (the oldest is dropped).
const MAX_PENDING: usize = 64;

/// An output that can be shown blind.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct OutputKey {
    run_id: String,
    target_idx: u32,
    output_idx: u32,
}

#[derive(Debug, Clone)]
struct Item {
    key: OutputKey,
    sha256: String,
    prompt: String,
    label: String,
    model_id: String,
    credits: i64,
}

/// How soon a pair is shown, least first: (skipped this process, votes between its two
/// labels, votes on its two outputs, a random tiebreak).
type PairRank = (bool, u32, u32, u64);

#[derive(Debug, Clone)]
pub(crate) struct PendingPair {
    session_id: String,
    left: Item,
    right: Item,
}

/// The blind mode's memory: open tokens, and the pairs skipped this process (skips are not
/// stored; a skipped pair goes to the back of the queue).
#[derive(Default)]
pub(crate) struct BlindState {
    pending: HashMap<String, PendingPair>,
    order: VecDeque<String>,
    skipped: HashSet<(OutputKey, OutputKey)>,
}

fn unordered(a: &OutputKey, b: &OutputKey) -> (OutputKey, OutputKey) {
    if a <= b {
        (a.clone(), b.clone())
    } else {
        (b.clone(), a.clone())
    }
}

/// What a target is ranked as: its catalog id, then its sweep axis values (`axis=value`,
/// in axis order) — or, outside a sweep, its own `size`, `aspect_ratio` and `fields` if it
/// sets any. Prompt variables (`{{animal}}` in the run's prompt) are left out: the pair's
/// prompt already holds them. Read from the stored JSON, so a spec from before or after a
/// field was added gives a label.
pub fn target_label(run_prompt: &str, target: &serde_json::Value) -> String {
    let model = target.get("modelId").and_then(|v| v.as_str()).unwrap_or("?");
    let mut parts: Vec<String> = vec![];
    let axes = target.get("axes").and_then(|a| a.as_array()).filter(|a| !a.is_empty());
    let text = |v: &serde_json::Value| v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string());
    if let Some(axes) = axes {
        for a in axes {
            let (Some(axis), Some(value)) = (a.get("axis").and_then(|x| x.as_str()), a.get("value")) else { continue };
            let name = axis.trim_start_matches("{{").trim_end_matches("}}").trim();
            if axis.starts_with("{{") || run_prompt.contains(&format!("{{{{{name}}}}}")) || name == "model" {
                continue;
            }
            parts.push(format!("{name}={}", text(value)));
        }
    } else {
        for key in ["size", "aspectRatio"] {
            if let Some(v) = target.get(key).filter(|v| !v.is_null()) {
                parts.push(format!("{}={}", if key == "size" { "size" } else { "aspect_ratio" }, text(v)));
            }
        }
        if let Some(fields) = target.get("fields").and_then(|f| f.as_object()) {
            for (k, v) in fields {
                parts.push(format!("{k}={}", text(v)));
            }
        }
    }
    if parts.is_empty() {
        model.to_string()
    } else {
        format!("{model} · {}", parts.join(" · "))
    }
}

/// The label and prompt of target `idx` of a stored spec (`None` if the spec lacks it). The
/// run's prompt is its request's (`request.prompt`), or the flat spec's of an older version.
fn label_of(spec: &serde_json::Value, idx: u32) -> Option<(String, String, String)> {
    let run_prompt = spec
        .get("request")
        .and_then(|r| r.get("prompt"))
        .or_else(|| spec.get("prompt"))
        .and_then(|p| p.as_str())
        .unwrap_or("");
    let t = spec.get("targets")?.as_array()?.get(idx as usize)?;
    let prompt = t.get("prompt").and_then(|p| p.as_str()).filter(|p| !p.trim().is_empty()).unwrap_or(run_prompt);
    let model = t.get("modelId").and_then(|m| m.as_str()).unwrap_or("?");
    Some((target_label(run_prompt, t), prompt.to_string(), model.to_string()))
}

/// The votes service.
pub struct Votes {
    store: Arc<Store>,
    sessions: Arc<Sessions>,
    urls: ImageUrls,
    clock: Arc<dyn Clock>,
    blind: Mutex<BlindState>,
}

impl Votes {
    pub fn new(store: Arc<Store>, sessions: Arc<Sessions>, urls: ImageUrls, clock: Arc<dyn Clock>) -> Votes {
        Votes { store, sessions, urls, clock, blind: Mutex::new(BlindState::default()) }
    }

    fn scope_filter(scope: &VoteScope) -> (&'static str, Option<String>) {
        match scope {
            VoteScope::Session(id) => ("WHERE session_id = ?1", Some(id.clone())),
            VoteScope::All => ("", None),
        }
    }

    /// Every delivered output in scope, with its label and prompt.
    fn items(&self, scope: &VoteScope) -> CoreResult<Vec<Item>> {
        let (filter, arg) = match scope {
            VoteScope::Session(id) => ("WHERE r.session_id = ?1", Some(id.clone())),
            VoteScope::All => ("", None),
        };
        let sql = format!(
            "SELECT o.run_id, o.target_idx, o.idx, o.sha256, o.credits, r.spec_json FROM outputs o
             JOIN runs r ON r.id = o.run_id {filter} ORDER BY r.created_at, o.run_id, o.target_idx, o.idx"
        );
        let rows = self.store.with_transaction(|tx| {
            let mut st = tx.prepare(&sql)?;
            let map = |r: &rusqlite::Row| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, u32>(1)?,
                    r.get::<_, u32>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                    r.get::<_, String>(5)?,
                ))
            };
            let v = match &arg {
                Some(a) => st.query_map([a], map)?.collect::<rusqlite::Result<Vec<_>>>()?,
                None => st.query_map([], map)?.collect::<rusqlite::Result<Vec<_>>>()?,
            };
            Ok(v)
        })?;
        let mut specs: HashMap<String, serde_json::Value> = HashMap::new();
        let mut items = Vec::with_capacity(rows.len());
        for (run_id, target_idx, output_idx, sha256, credits, spec_json) in rows {
            let spec = specs
                .entry(run_id.clone())
                .or_insert_with(|| serde_json::from_str(&spec_json).unwrap_or(serde_json::Value::Null));
            let Some((label, prompt, model_id)) = label_of(spec, target_idx) else { continue };
            items.push(Item {
                key: OutputKey { run_id, target_idx, output_idx },
                sha256,
                prompt,
                label,
                model_id,
                credits,
            });
        }
        Ok(items)
    }

    /// Every stored vote in scope, oldest first.
    pub fn list(&self, scope: &VoteScope) -> CoreResult<Vec<VoteRecord>> {
        let (filter, arg) = Self::scope_filter(scope);
        let sql = format!(
            "SELECT at, session_id, prompt, left_label, right_label, winner, left_run_id, left_target_idx,
             left_output_idx, left_sha256, right_run_id, right_target_idx, right_output_idx, right_sha256
             FROM votes {filter} ORDER BY id"
        );
        Ok(self.store.with_transaction(|tx| {
            let mut st = tx.prepare(&sql)?;
            let map = |r: &rusqlite::Row| {
                Ok(VoteRecord {
                    at: r.get(0)?,
                    session_id: r.get(1)?,
                    prompt: r.get(2)?,
                    left_label: r.get(3)?,
                    right_label: r.get(4)?,
                    winner: r.get(5)?,
                    left_run_id: r.get(6)?,
                    left_target_idx: r.get(7)?,
                    left_output_idx: r.get(8)?,
                    left_sha256: r.get(9)?,
                    right_run_id: r.get(10)?,
                    right_target_idx: r.get(11)?,
                    right_output_idx: r.get(12)?,
                    right_sha256: r.get(13)?,
                })
            };
            let v = match &arg {
                Some(a) => st.query_map([a], map)?.collect::<rusqlite::Result<Vec<_>>>()?,
                None => st.query_map([], map)?.collect::<rusqlite::Result<Vec<_>>>()?,
            };
            Ok(v)
        })?)
    }

    /// The next pair to judge: two outputs of one prompt from different labels, never a pair
    /// that has a vote, the pairs of labels with the fewest votes first (skipped pairs last),
    /// sides at random. Scope: the current session's outputs by default.
    pub fn next(&self, scope: Option<VoteScope>) -> CoreResult<BlindNext> {
        let scope = scope.unwrap_or_else(|| VoteScope::Session(self.sessions.id()));
        let items = self.items(&scope)?;
        // Any vote on a pair closes it, whatever its session.
        let all_votes = self.list(&VoteScope::All)?;
        let key = |run: &str, t: u32, o: u32| OutputKey { run_id: run.into(), target_idx: t, output_idx: o };
        let voted: HashSet<(OutputKey, OutputKey)> = all_votes
            .iter()
            .map(|v| {
                unordered(
                    &key(&v.left_run_id, v.left_target_idx, v.left_output_idx),
                    &key(&v.right_run_id, v.right_target_idx, v.right_output_idx),
                )
            })
            .collect();
        let scoped: Vec<&VoteRecord> = match &scope {
            VoteScope::Session(id) => all_votes.iter().filter(|v| &v.session_id == id).collect(),
            VoteScope::All => all_votes.iter().collect(),
        };
        let mut label_pair_votes: HashMap<(String, String), u32> = HashMap::new();
        let mut output_votes: HashMap<OutputKey, u32> = HashMap::new();
        for v in scoped {
            let lp = if v.left_label <= v.right_label {
                (v.left_label.clone(), v.right_label.clone())
            } else {
                (v.right_label.clone(), v.left_label.clone())
            };
            *label_pair_votes.entry(lp).or_default() += 1;
            *output_votes.entry(key(&v.left_run_id, v.left_target_idx, v.left_output_idx)).or_default() += 1;
            *output_votes.entry(key(&v.right_run_id, v.right_target_idx, v.right_output_idx)).or_default() += 1;
        }

        let mut by_prompt: HashMap<&str, Vec<&Item>> = HashMap::new();
        for it in &items {
            by_prompt.entry(it.prompt.as_str()).or_default().push(it);
        }
        let state = lock(&self.blind);
        let mut rng = rand::rng();
        let (mut comparable, mut voted_n) = (0u32, 0u32);
        let mut best: Option<(PairRank, &Item, &Item)> = None;
        for group in by_prompt.values() {
            for (i, a) in group.iter().enumerate() {
                for b in &group[i + 1..] {
                    if a.label == b.label {
                        continue;
                    }
                    comparable += 1;
                    let pair = unordered(&a.key, &b.key);
                    if voted.contains(&pair) {
                        voted_n += 1;
                        continue;
                    }
                    let lp = if a.label <= b.label {
                        (a.label.clone(), b.label.clone())
                    } else {
                        (b.label.clone(), a.label.clone())
                    };
                    let rank = (
                        state.skipped.contains(&pair),
                        label_pair_votes.get(&lp).copied().unwrap_or(0),
                        output_votes.get(&a.key).copied().unwrap_or(0) + output_votes.get(&b.key).copied().unwrap_or(0),
                        rng.random::<u64>(),
                    );
                    if best.as_ref().is_none_or(|(r, _, _)| rank < *r) {
                        best = Some((rank, a, b));
                    }
                }
            }
        }
        drop(state);
        let pair = best.map(|(_, a, b)| {
            let (left, right) = if rng.random::<bool>() { (a, b) } else { (b, a) };
            let token = uuid::Uuid::new_v4().simple().to_string();
            let view = BlindPair {
                token: token.clone(),
                prompt: left.prompt.clone(),
                left_url: self.urls.image(&left.sha256),
                right_url: self.urls.image(&right.sha256),
            };
            let mut state = lock(&self.blind);
            state.pending.insert(
                token.clone(),
                PendingPair { session_id: self.sessions.id(), left: left.clone(), right: right.clone() },
            );
            state.order.push_back(token);
            while state.order.len() > MAX_PENDING {
                if let Some(old) = state.order.pop_front() {
                    state.pending.remove(&old);
                }
            }
            view
        });
        Ok(BlindNext { pair, comparable, voted: voted_n })
    }

    /// Records a vote on a pair `blind_next` handed out (a skip is not stored) and reveals
    /// its two labels. A token is good once; an unknown one is refused.
    pub fn vote(&self, token: &str, choice: BlindChoice) -> CoreResult<BlindReveal> {
        let taken = {
            let mut state = lock(&self.blind);
            let p = state.pending.remove(token);
            if p.is_some() {
                state.order.retain(|t| t != token);
            }
            p
        };
        let Some(p) = taken else {
            return Err(CoreError::Ui(ui(
                ErrorKind::Invalid,
                "This pair is not open for a vote (it was already voted on, or it is from before the app restarted). Show the next pair.",
            )));
        };
        let reveal = |stored| BlindReveal {
            choice,
            left: Some(RevealedSide {
                label: p.left.label.clone(),
                model_id: p.left.model_id.clone(),
                credits: p.left.credits,
            }),
            right: Some(RevealedSide {
                label: p.right.label.clone(),
                model_id: p.right.model_id.clone(),
                credits: p.right.credits,
            }),
            stored,
        };
        let winner = match choice {
            BlindChoice::Left => "left",
            BlindChoice::Right => "right",
            BlindChoice::Tie => "tie",
            BlindChoice::Skip => {
                lock(&self.blind).skipped.insert(unordered(&p.left.key, &p.right.key));
                // Nothing revealed: a skipped pair comes back later, still blind.
                return Ok(BlindReveal { choice, left: None, right: None, stored: false });
            }
        };
        let (l, r) = (&p.left, &p.right);
        let inserted = self.store.with_transaction(|tx| {
            // Two tokens for one pair (two windows): the first vote counts.
            let exists: i64 = tx.query_row(
                "SELECT COUNT(*) FROM votes WHERE (left_run_id = ?1 AND left_target_idx = ?2 AND left_output_idx = ?3
                   AND right_run_id = ?4 AND right_target_idx = ?5 AND right_output_idx = ?6)
                 OR (left_run_id = ?4 AND left_target_idx = ?5 AND left_output_idx = ?6
                   AND right_run_id = ?1 AND right_target_idx = ?2 AND right_output_idx = ?3)",
                rusqlite::params![
                    l.key.run_id,
                    l.key.target_idx,
                    l.key.output_idx,
                    r.key.run_id,
                    r.key.target_idx,
                    r.key.output_idx
                ],
                |row| row.get(0),
            )?;
            if exists > 0 {
                return Ok(false);
            }
            tx.execute(
                "INSERT INTO votes(session_id, prompt, left_run_id, left_target_idx, left_output_idx, left_label, left_sha256,
                   right_run_id, right_target_idx, right_output_idx, right_label, right_sha256, winner, at)
                 VALUES(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
                rusqlite::params![
                    p.session_id,
                    l.prompt,
                    l.key.run_id,
                    l.key.target_idx,
                    l.key.output_idx,
                    l.label,
                    l.sha256,
                    r.key.run_id,
                    r.key.target_idx,
                    r.key.output_idx,
                    r.label,
                    r.sha256,
                    winner,
                    self.clock.now_rfc3339()
                ],
            )?;
            Ok(true)
        })?;
        if !inserted {
            return Err(CoreError::Ui(ui(
                ErrorKind::Invalid,
                "This pair already has a vote; the first one counts. Show the next pair.",
            )));
        }
        Ok(reveal(true))
    }

    /// Credits spent per label in scope, from the ledger (which outlives deleted runs: a
    /// deleted run's spend counts under its catalog id).
    fn credits_by_label(&self, scope: &VoteScope) -> CoreResult<HashMap<String, i64>> {
        let (filter, arg) = match scope {
            VoteScope::Session(id) => ("WHERE l.session_id = ?1", Some(id.clone())),
            VoteScope::All => ("", None),
        };
        let sql = format!(
            "SELECT l.target_idx, l.model_id, l.credits, r.spec_json FROM ledger l LEFT JOIN runs r ON r.id = l.run_id {filter}"
        );
        let rows = self.store.with_transaction(|tx| {
            let mut st = tx.prepare(&sql)?;
            let map = |r: &rusqlite::Row| {
                Ok((r.get::<_, u32>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?, r.get::<_, Option<String>>(3)?))
            };
            let v = match &arg {
                Some(a) => st.query_map([a], map)?.collect::<rusqlite::Result<Vec<_>>>()?,
                None => st.query_map([], map)?.collect::<rusqlite::Result<Vec<_>>>()?,
            };
            Ok(v)
        })?;
        let mut out: HashMap<String, i64> = HashMap::new();
        for (idx, model_id, credits, spec) in rows {
            let label = spec
                .and_then(|s| serde_json::from_str::<serde_json::Value>(&s).ok())
                .and_then(|s| label_of(&s, idx))
                .map(|(l, _, _)| l)
                .unwrap_or(model_id);
            *out.entry(label).or_default() += credits;
        }
        Ok(out)
    }

    /// The leaderboard of a scope's votes; no rows when there are none.
    pub fn leaderboard(&self, scope: &VoteScope) -> CoreResult<Leaderboard> {
        let votes = self.list(scope)?;
        let credits = self.credits_by_label(scope)?;
        let mut board = board_from_votes(&votes, &credits);
        if let VoteScope::Session(id) = scope {
            board.scope = "session".into();
            board.session_id = Some(id.clone());
        }
        Ok(board)
    }

    /// The most recent session with a vote (the CLI's default board).
    pub fn latest_voted_session(&self) -> CoreResult<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self.store.with_transaction(|tx| {
            tx.query_row("SELECT session_id FROM votes ORDER BY id DESC LIMIT 1", [], |r| r.get(0)).optional()
        })?)
    }

    /// The current session's votes and leaderboard as CSV, next to a session export at
    /// `main` (`<stem>-votes.csv`, `<stem>-leaderboard.csv`); nothing when it has no votes.
    pub(crate) fn write_vote_csvs(&self, main: &std::path::Path) -> CoreResult<Vec<std::path::PathBuf>> {
        let scope = VoteScope::Session(self.sessions.id());
        let votes = self.list(&scope)?;
        if votes.is_empty() {
            return Ok(vec![]);
        }
        let board = self.leaderboard(&scope)?;
        let stem = main.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_else(|| "session".into());
        let dir = main.parent().unwrap_or(std::path::Path::new("."));
        let mut written = vec![];
        let path = dir.join(format!("{stem}-votes.csv"));
        crate::blobs::write_atomic(&path, votes_csv(&votes)?.as_bytes())
            .map_err(|e| CoreError::Ui(ui(ErrorKind::Disk, e.to_string())))?;
        written.push(path);
        let path = dir.join(format!("{stem}-leaderboard.csv"));
        crate::blobs::write_atomic(&path, leaderboard_csv(&board)?.as_bytes())
            .map_err(|e| CoreError::Ui(ui(ErrorKind::Disk, e.to_string())))?;
        written.push(path);
        Ok(written)
    }
}

fn csv_of(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> CoreResult<String> {
    let enc = |e: String| CoreError::Ui(ui(ErrorKind::Encode, e));
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(header).map_err(|e| enc(e.to_string()))?;
    for r in rows {
        w.write_record(&r).map_err(|e| enc(e.to_string()))?;
    }
    let bytes = w.into_inner().map_err(|e| enc(e.to_string()))?;
    Ok(String::from_utf8_lossy(&bytes).into_owned())
}

/// The leaderboard as CSV (snake_case columns, as the session CSV): one row per label, best first.
pub fn leaderboard_csv(board: &Leaderboard) -> CoreResult<String> {
    let header = [
        "rank",
        "label",
        "model_id",
        "score",
        "low",
        "high",
        "wins",
        "losses",
        "ties",
        "votes",
        "credits",
        "cost_per_win",
    ];
    csv_of(
        &header,
        board.rows.iter().map(|r| {
            vec![
                r.rank.to_string(),
                r.label.clone(),
                r.model_id.clone(),
                r.score.to_string(),
                r.low.to_string(),
                r.high.to_string(),
                r.wins.to_string(),
                r.losses.to_string(),
                r.ties.to_string(),
                r.votes.to_string(),
                r.credits.to_string(),
                r.cost_per_win.map(|c| format!("{c:.2}")).unwrap_or_default(),
            ]
        }),
    )
}

/// The votes as CSV: one row per vote, oldest first.
pub fn votes_csv(votes: &[VoteRecord]) -> CoreResult<String> {
    let header = [
        "at",
        "session_id",
        "prompt",
        "left_label",
        "right_label",
        "winner",
        "left_run_id",
        "left_target_idx",
        "left_output_idx",
        "left_sha256",
        "right_run_id",
        "right_target_idx",
        "right_output_idx",
        "right_sha256",
    ];
    csv_of(
        &header,
        votes.iter().map(|v| {
            vec![
                v.at.clone(),
                v.session_id.clone(),
                v.prompt.clone(),
                v.left_label.clone(),
                v.right_label.clone(),
                v.winner.clone(),
                v.left_run_id.clone(),
                v.left_target_idx.to_string(),
                v.left_output_idx.to_string(),
                v.left_sha256.clone(),
                v.right_run_id.clone(),
                v.right_target_idx.to_string(),
                v.right_output_idx.to_string(),
                v.right_sha256.clone(),
            ]
        }),
    )
}

/// Fits a board from votes (pure: the tests' entry point). `credits` by label.
pub fn board_from_votes(votes: &[VoteRecord], credits: &HashMap<String, i64>) -> Leaderboard {
    let mut index: HashMap<&str, usize> = HashMap::new();
    let mut labels: Vec<&str> = vec![];
    let mut models: Vec<String> = vec![];
    let mut outcomes = Vec::with_capacity(votes.len());
    let mut record = vec![];
    let mut ties = 0u32;
    for v in votes {
        for label in [&v.left_label, &v.right_label] {
            if !index.contains_key(label.as_str()) {
                index.insert(label.as_str(), labels.len());
                labels.push(label.as_str());
                // A label starts with its catalog id (which has no " · ").
                models.push(label.split(" · ").next().unwrap_or(label).to_string());
                record.push((0u32, 0u32, 0u32));
            }
        }
        let (a, b) = (index[v.left_label.as_str()], index[v.right_label.as_str()]);
        let score = match v.winner.as_str() {
            "left" => 1.0,
            "right" => 0.0,
            _ => 0.5,
        };
        match v.winner.as_str() {
            "left" => {
                record[a].0 += 1;
                record[b].1 += 1;
            }
            "right" => {
                record[b].0 += 1;
                record[a].1 += 1;
            }
            _ => {
                record[a].2 += 1;
                record[b].2 += 1;
                ties += 1;
            }
        }
        outcomes.push(rank::Outcome { a, b, score });
    }
    let fitted = rank::fit(labels.len(), &outcomes);
    let mut rows: Vec<LeaderRow> = labels
        .iter()
        .enumerate()
        .map(|(i, label)| {
            let (wins, losses, t) = record[i];
            let spent = credits.get(*label).copied().unwrap_or(0);
            LeaderRow {
                rank: 0,
                label: label.to_string(),
                model_id: models[i].clone(),
                score: round1(fitted[i].score),
                low: round1(fitted[i].low),
                high: round1(fitted[i].high),
                wins,
                losses,
                ties: t,
                votes: wins + losses + t,
                credits: spent,
                cost_per_win: (wins > 0).then(|| spent as f64 / wins as f64),
            }
        })
        .collect();
    rows.sort_by(|a, b| b.score.total_cmp(&a.score).then_with(|| a.label.cmp(&b.label)));
    for (i, r) in rows.iter_mut().enumerate() {
        r.rank = i as u32 + 1;
    }
    Leaderboard { scope: "all".into(), session_id: None, votes: votes.len() as u32, ties, method: METHOD.into(), rows }
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

#[cfg(test)]
mod tests;

//! The IPC types of votes.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A vote: `1` left, `2` right, `0` tie, `S` skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "lowercase")]
#[ts(export)]
pub enum BlindChoice {
    Left,
    Right,
    Tie,
    Skip,
}

ipc! {
    /// Two outputs as a blind view may see them: no label, no model id, no run id.
    pub struct BlindPair {
        /// Opaque; good for one vote.
        pub token: String,
        pub prompt: String,
        pub left_url: String,
        pub right_url: String,
    }

    /// What `blind_next` answers: the next pair, if any, and how far the voting is.
    pub struct BlindNext {
        /// `None` when every comparable pair has a vote (or there is none).
        pub pair: Option<BlindPair>,
        /// Pairs of outputs with the same prompt from different labels, in scope.
        pub comparable: u32,
        /// Of those, pairs with a vote.
        pub voted: u32,
    }

    /// One side of a pair, revealed after the vote.
    pub struct RevealedSide {
        pub label: String,
        pub model_id: String,
        /// What this output cost.
        pub credits: i64,
    }

    /// The answer to a vote: what the two sides were. A skip reveals nothing (`None`):
    /// the pair may be shown again, and must still be blind then.
    pub struct BlindReveal {
        pub choice: BlindChoice,
        pub left: Option<RevealedSide>,
        pub right: Option<RevealedSide>,
        /// False for a skip (skips are not stored).
        pub stored: bool,
    }

    /// A label's line on the leaderboard.
    pub struct LeaderRow {
        pub rank: u32,
        pub label: String,
        pub model_id: String,
        /// Bradley–Terry score on an Elo-like scale (mean 1500, 400 points per 10:1 odds).
        pub score: f64,
        /// Bootstrap 95% interval of the score.
        pub low: f64,
        pub high: f64,
        pub wins: u32,
        pub losses: u32,
        pub ties: u32,
        pub votes: u32,
        /// Credits spent on this label's images in scope (real and Sandbox alike).
        pub credits: i64,
        /// `credits / wins`; `None` without a win.
        pub cost_per_win: Option<f64>,
    }

    pub struct Leaderboard {
        /// `session` or `all`.
        pub scope: String,
        pub session_id: Option<String>,
        pub votes: u32,
        pub ties: u32,
        /// How the scores are made, for a person.
        pub method: String,
        /// Best first.
        pub rows: Vec<LeaderRow>,
    }

    /// A stored vote, as exported.
    pub struct VoteRecord {
        pub at: String,
        pub session_id: String,
        pub prompt: String,
        pub left_label: String,
        pub right_label: String,
        /// `left`, `right` or `tie`.
        pub winner: String,
        pub left_run_id: String,
        pub left_target_idx: u32,
        pub left_output_idx: u32,
        pub left_sha256: String,
        pub right_run_id: String,
        pub right_target_idx: u32,
        pub right_output_idx: u32,
        pub right_sha256: String,
    }
}

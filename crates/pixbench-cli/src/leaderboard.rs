//! `pixbench leaderboard`: the blind A/B votes' leaderboard (votes are cast in the app's
//! Blind A/B panel), as a table or JSON.

use std::fmt::Write as _;
use std::process::ExitCode;

use clap::Args;
use pixbench_core::votes::{Leaderboard, VoteScope};

use crate::{open_engine_plain, CliError, Global, Res};

pub const LEADERBOARD_AFTER_HELP: &str = "\
WHICH VOTES
  By default the most recent session that has votes (each pixbench command opens a new,
  empty session, so \"the current session\" would always be empty). --session ID picks one
  session (the id is in the app's session export and in --json), --all counts every vote.

THE SCORES
  Bradley–Terry, ties counting half a win each way, fitted by MM with one virtual draw per
  label so a perfect record stays finite. On an Elo-like scale: the labels average 1500 and
  400 points is 10:1 odds. The 95% interval comes from 400 bootstrap resamples of the votes
  (fixed seed: the same votes always print the same board). A label is a target's catalog
  id, plus its sweep axis values if it had any. credits: what was spent on that label's
  images in scope; cr/win: credits per win.

  --json prints the board with its votes: { leaderboard, votes }.";

#[derive(Args)]
pub struct LeaderboardArgs {
    /// One session's votes (its id).
    #[arg(long, value_name = "ID", conflicts_with = "all")]
    session: Option<String>,
    /// Every vote in the database.
    #[arg(long)]
    all: bool,
}

pub async fn leaderboard_cmd(g: &Global, a: LeaderboardArgs) -> Res<ExitCode> {
    let (engine, _) = open_engine_plain(g).await?;
    let scope = if a.all {
        VoteScope::All
    } else if let Some(id) = a.session {
        if engine.store().session(&id).is_err() {
            return Err(CliError::Config(format!(
                "There is no session with id “{id}”. Leave out --session for the latest session with votes, or use --all."
            )));
        }
        VoteScope::Session(id)
    } else {
        match engine.votes.latest_voted_session()? {
            Some(id) => VoteScope::Session(id),
            None => VoteScope::All,
        }
    };
    let board = engine.votes.leaderboard(&scope)?;
    if g.json {
        let votes = engine.votes.list(&scope)?;
        let doc = serde_json::json!({ "leaderboard": board, "votes": votes });
        println!("{}", serde_json::to_string_pretty(&doc).unwrap_or_default());
        return Ok(ExitCode::SUCCESS);
    }
    let title = match &scope {
        VoteScope::All => "all sessions".to_string(),
        VoteScope::Session(id) => match engine.store().session(id) {
            Ok(s) => format!("session “{}” ({id})", s.name),
            Err(_) => format!("session {id}"),
        },
    };
    print!("{}", table(&board, &title));
    Ok(ExitCode::SUCCESS)
}

/// The board as text for a terminal.
pub fn table(b: &Leaderboard, title: &str) -> String {
    let mut s = String::new();
    if b.rows.is_empty() {
        let _ = writeln!(
            s,
            "No blind votes in {title} yet. Run a comparison with two or more models, then vote in the app's Blind A/B panel."
        );
        return s;
    }
    let ties = if b.ties == 1 { "1 tie".to_string() } else { format!("{} ties", b.ties) };
    let _ = writeln!(s, "Leaderboard of {title}: {} votes ({ties})", b.votes);
    let width = b.rows.iter().map(|r| r.label.chars().count()).max().unwrap_or(5).clamp(5, 60);
    let _ = writeln!(
        s,
        "{:>3}  {:<width$}  {:>5}  {:>13}  {:>3} {:>3} {:>3}  {:>7}  {:>7}",
        "#", "label", "score", "95% interval", "W", "L", "T", "credits", "cr/win"
    );
    for r in &b.rows {
        let label: String = if r.label.chars().count() > width {
            r.label.chars().take(width - 1).chain(std::iter::once('…')).collect()
        } else {
            r.label.clone()
        };
        let _ = writeln!(
            s,
            "{:>3}  {:<width$}  {:>5.0}  {:>13}  {:>3} {:>3} {:>3}  {:>7}  {:>7}",
            r.rank,
            label,
            r.score,
            format!("[{:.0}, {:.0}]", r.low, r.high),
            r.wins,
            r.losses,
            r.ties,
            r.credits,
            r.cost_per_win.map(|c| format!("{c:.1}")).unwrap_or_else(|| "-".into())
        );
    }
    let _ = writeln!(s, "{}", b.method);
    s
}

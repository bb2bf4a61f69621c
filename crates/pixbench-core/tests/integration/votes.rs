//! Blind A/B ranking end to end on the in-process Sandbox: a real comparison, pairs shown
//! without labels, votes on a scripted preference, tokens checked, the leaderboard's order,
//! votes kept after their runs are deleted, and the session export carrying them.

use pixbench_core::api::ExportFormat;
use pixbench_core::ErrorKind;
use std::collections::HashMap;

use crate::common::*;
use pixbench_core::votes::{BlindChoice, VoteScope};

const LADDER: [&str; 3] =
    ["gemini-3.1-flash-image-preview-512", "gemini-3.1-flash-image-preview", "gemini-3.1-flash-image-preview-2k"];

#[tokio::test]
async fn blind_votes_rank_the_targets_and_survive_their_runs() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let targets: Vec<(&str, u32)> = LADDER.iter().map(|m| (*m, 2)).collect();
    let run = e.runs.start(spec("a lighthouse at dawn", &targets), false).await.unwrap();
    let done = e.runs.wait(&run.id).await.unwrap();
    assert_eq!(done.targets.iter().map(|t| t.outputs.len()).sum::<usize>(), 6);
    // Which image URL is which model: the test may know, the blind view may not.
    let mut model_of: HashMap<String, &str> = HashMap::new();
    for t in &done.targets {
        for o in &t.outputs {
            model_of.insert(e.urls.image(&o.sha256), LADDER.iter().find(|m| **m == t.model_id).unwrap());
        }
    }

    let first = e.votes.next(None).unwrap();
    // 6 outputs, 3 of each pair of labels: 15 pairs less the 3 within a label.
    assert_eq!((first.comparable, first.voted), (12, 0));
    let pair = first.pair.unwrap();
    let shown = serde_json::to_string(&pair).unwrap();
    assert!(!shown.contains("gemini") && !shown.contains(&run.id), "the blind view sees a label: {shown}");
    assert_eq!(pair.prompt, "a lighthouse at dawn");
    assert_ne!(pair.left_url, pair.right_url);

    // A skip stores nothing, reveals nothing (the pair comes back, and must still be blind
    // then), and sends that pair to the back.
    let skipped = e.votes.vote(&pair.token, BlindChoice::Skip).unwrap();
    assert!(!skipped.stored);
    assert!(skipped.left.is_none() && skipped.right.is_none(), "a skip named the sides: {skipped:?}");
    assert!(e.votes.list(&VoteScope::All).unwrap().is_empty());
    let again = e.votes.vote(&pair.token, BlindChoice::Left).unwrap_err();
    assert!(pixbench_core::api::UiError::from(again).message.contains("not open for a vote"));
    let bogus = pixbench_core::api::UiError::from(e.votes.vote("0123-not-a-token", BlindChoice::Tie).unwrap_err());
    assert_eq!(bogus.kind, ErrorKind::Invalid);
    let next = e.votes.next(None).unwrap().pair.unwrap();
    let set = |a: &str, b: &str| if a < b { (a.to_string(), b.to_string()) } else { (b.to_string(), a.to_string()) };
    assert_ne!(set(&next.left_url, &next.right_url), set(&pair.left_url, &pair.right_url), "a skipped pair waits");

    // Vote every pair: the larger variant wins, except 1K against 2K once a tie.
    let rank = |url: &str| LADDER.iter().position(|m| *m == model_of[url]).unwrap();
    let (mut votes, mut tied) = (0, false);
    let mut token = Some(next);
    while let Some(p) = token.take() {
        let (l, r) = (rank(&p.left_url), rank(&p.right_url));
        let choice = if !tied && l.min(r) == 1 && l.max(r) == 2 {
            tied = true;
            BlindChoice::Tie
        } else if l > r {
            BlindChoice::Left
        } else {
            BlindChoice::Right
        };
        let reveal = e.votes.vote(&p.token, choice).unwrap();
        assert!(reveal.stored);
        let (left, right) = (reveal.left.unwrap(), reveal.right.unwrap());
        assert_eq!(left.model_id, LADDER[l], "the reveal names the side shown");
        assert!(left.credits > 0 && right.credits > 0);
        votes += 1;
        token = e.votes.next(None).unwrap().pair;
    }
    assert_eq!(votes, 12, "every comparable pair once, and never a pair twice");
    let end = e.votes.next(None).unwrap();
    assert_eq!((end.comparable, end.voted), (12, 12));

    let board = e.votes.leaderboard(&VoteScope::Session(e.sessions.id())).unwrap();
    let order: Vec<&str> = board.rows.iter().map(|r| r.label.as_str()).collect();
    assert_eq!(order, [LADDER[2], LADDER[1], LADDER[0]]);
    assert_eq!((board.votes, board.ties), (12, 1));
    let top = &board.rows[0];
    assert_eq!((top.wins, top.losses, top.ties), (7, 0, 1));
    assert_eq!(top.credits, done.targets[2].cost.credits);
    assert_eq!(top.cost_per_win, Some(top.credits as f64 / 7.0));
    assert!(top.low < top.score && top.score < top.high);
    let bottom = &board.rows[2];
    assert_eq!((bottom.wins, bottom.losses, bottom.cost_per_win), (0, 8, None));

    // The session export carries the votes and the board: JSON in one file, CSV beside it.
    let json = e.exports.session(ExportFormat::Json, None).unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&std::fs::read(json).unwrap()).unwrap();
    assert_eq!(doc["votes"].as_array().unwrap().len(), 12);
    assert_eq!(doc["leaderboard"]["rows"][0]["label"], LADDER[2]);
    let csv = e.exports.session(ExportFormat::Csv, None).unwrap();
    let stem = csv.file_stem().unwrap().to_string_lossy().into_owned();
    let board_csv = std::fs::read_to_string(csv.with_file_name(format!("{stem}-leaderboard.csv"))).unwrap();
    assert!(board_csv.lines().nth(1).unwrap().starts_with(&format!("1,{},", LADDER[2])), "{board_csv}");
    let votes_csv = std::fs::read_to_string(csv.with_file_name(format!("{stem}-votes.csv"))).unwrap();
    assert_eq!(votes_csv.lines().count(), 13);

    // Votes outlive their runs; a new session starts with no pairs and no board.
    e.runs.delete(&run.id).unwrap();
    let after = e.votes.leaderboard(&VoteScope::Session(e.sessions.id())).unwrap();
    assert_eq!(after.rows.iter().map(|r| r.label.as_str()).collect::<Vec<_>>(), order);
    e.sessions.new_session("next").unwrap();
    let fresh = e.votes.next(None).unwrap();
    assert!(fresh.pair.is_none() && fresh.comparable == 0);
    assert!(e.votes.leaderboard(&VoteScope::Session(e.sessions.id())).unwrap().rows.is_empty());
    assert_eq!(e.votes.leaderboard(&VoteScope::All).unwrap().votes, 12);
}

#[tokio::test]
async fn pairs_are_only_of_one_prompt_and_one_label_is_not_comparable() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    // One model, two images: nothing to compare.
    let solo = e.runs.start(spec("a red fox", &[(LADDER[0], 2)]), false).await.unwrap();
    e.runs.wait(&solo.id).await.unwrap();
    assert_eq!(e.votes.next(None).unwrap().comparable, 0);
    // Another model on another prompt: still nothing (pairs share a prompt).
    let other = e.runs.start(spec("a blue car", &[(LADDER[1], 1)]), false).await.unwrap();
    e.runs.wait(&other.id).await.unwrap();
    assert_eq!(e.votes.next(None).unwrap().comparable, 0);
    // The second model on the first prompt, in another run: two pairs.
    let more = e.runs.start(spec("a red fox", &[(LADDER[1], 1)]), false).await.unwrap();
    e.runs.wait(&more.id).await.unwrap();
    let next = e.votes.next(None).unwrap();
    assert_eq!(next.comparable, 2);
    assert_eq!(next.pair.unwrap().prompt, "a red fox");
}

//! `pixbench leaderboard` on a data dir whose votes were cast as the app casts them: a
//! comparison run by the CLI on its Sandbox, votes through an engine on the same data dir.

use std::process::Output;
use std::sync::Arc;

use pixbench_core::secrets::MemoryStore;
use pixbench_core::votes::{BlindChoice, VoteScope};
use pixbench_core::{Engine, EngineConfig};

const BIN: &str = env!("CARGO_BIN_EXE_pixbench");
const SMALL: &str = "gemini-3.1-flash-image-preview-512";
const LARGE: &str = "gemini-3.1-flash-image-preview";

async fn pixbench(dir: &std::path::Path, args: &[&str]) -> Output {
    tokio::process::Command::new(BIN)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("PIXAPI_KEY")
        .env_remove("PIXAPI_API_KEY")
        .env_remove("PIXBENCH_DATA_DIR")
        .env("HOME", dir)
        .stdin(std::process::Stdio::null())
        .output()
        .await
        .expect("pixbench runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_leaderboard_prints_the_votes_ranking() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("data");
    let o = pixbench(&dir, &["leaderboard"]).await;
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("No blind votes"), "{}", stdout(&o));

    let o = pixbench(
        &dir,
        &[
            "--sandbox",
            "compare",
            "--prompt",
            "a red fox in snow",
            "--target",
            &format!("{SMALL}:2"),
            "--target",
            LARGE,
        ],
    )
    .await;
    assert_eq!(o.status.code(), Some(0), "{}", String::from_utf8_lossy(&o.stderr));

    // Vote as the app does: the 1K variant wins every pair (2 pairs), then the board.
    let session = {
        let e = Engine::open(EngineConfig::new(&dir, Arc::new(MemoryStore::default()))).await.unwrap();
        let mut n = 0;
        while let Some(p) = e.votes.next(Some(VoteScope::All)).unwrap().pair {
            // Which side is the 1K image (the test may know; the blind view does not).
            let sha = p.left_url.rsplit('/').next().unwrap().to_string();
            let left_is_large = e.store().with_transaction(|tx| {
                tx.query_row(
                    "SELECT COUNT(*) FROM ledger l JOIN outputs o ON o.run_id = l.run_id AND o.target_idx = l.target_idx
                     AND o.idx = l.output_idx WHERE o.sha256 = ?1 AND l.model_id = ?2",
                    [&sha, LARGE],
                    |r| r.get::<_, i64>(0),
                )
            });
            let choice = if left_is_large.unwrap() > 0 { BlindChoice::Left } else { BlindChoice::Right };
            assert_eq!(
                e.votes.vote(&p.token, choice).unwrap().left.expect("a vote names its sides").model_id == LARGE,
                choice == BlindChoice::Left
            );
            n += 1;
        }
        assert_eq!(n, 2);
        e.sessions.id()
    };

    let o = pixbench(&dir, &["leaderboard"]).await;
    assert_eq!(o.status.code(), Some(0));
    let text = stdout(&o);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].contains(&session) && lines[0].contains("2 votes (0 ties)"), "{text}");
    assert!(lines[2].trim_start().starts_with(&format!("1  {LARGE} ")), "{text}");
    assert!(lines[3].trim_start().starts_with(&format!("2  {SMALL} ")), "{text}");
    assert!(text.contains("Bradley–Terry"), "{text}");

    let o = pixbench(&dir, &["leaderboard", "--all", "--json"]).await;
    let doc: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(doc["leaderboard"]["rows"][0]["label"], LARGE);
    assert_eq!(doc["leaderboard"]["rows"][0]["wins"], 2);
    assert_eq!(doc["votes"].as_array().unwrap().len(), 2);

    let o = pixbench(&dir, &["leaderboard", "--session", "no-such-session"]).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("There is no session with id"));

    let o = pixbench(&dir, &["leaderboard", "--help"]).await;
    let help = stdout(&o);
    for s in ["--session", "--all", "Bradley–Terry", "bootstrap", "cost", "most recent session"] {
        assert!(help.contains(s), "leaderboard --help lacks {s}:\n{help}");
    }
}

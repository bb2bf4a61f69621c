use std::path::PathBuf;

use pixapi::{to_curl, EditRequest, ImageInput};

use crate::common::*;

fn run_shell(cmd: &str) -> std::process::Output {
    std::process::Command::new("bash").arg("-c").arg(cmd).env("PIXAPI_KEY", KEY).output().expect("bash runs")
}

#[tokio::test]
async fn curl_export_works_for_generations_and_edits() {
    if std::process::Command::new("curl").arg("--version").output().is_err() {
        eprintln!("curl not installed: skipped");
        return;
    }
    let sim = sim().await;
    let c = client(&sim);
    let mut req = gen("nano-banana-2", "it's a \"quoted\" $HOME prompt");
    req.extra.insert("quality".into(), serde_json::json!("high"));
    let desc = c.describe_generation(&req);
    let json = serde_json::to_string(&desc).unwrap();
    assert!(json.contains("$PIXAPI_KEY") && !json.contains(KEY));
    let cmd = to_curl(&desc, &[]);
    assert!(!cmd.contains(KEY), "{cmd}");
    let out = tokio::task::spawn_blocking(move || run_shell(&cmd)).await.unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {} / {}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    assert_eq!(v["data"].as_array().map(|a| a.len()), Some(1), "{v}");

    let dir = tempfile::tempdir().unwrap();
    let paths: Vec<PathBuf> = (0..2u8)
        .map(|i| {
            let p = dir.path().join(format!("ref {i};x.png"));
            std::fs::write(&p, reference_png(i)).unwrap();
            p
        })
        .collect();
    let mut edit = EditRequest::new(
        "nano-banana-2",
        "@not-a-file edit",
        vec![ImageInput::from_bytes("a.png", reference_png(0)), ImageInput::from_bytes("b.png", reference_png(1))],
    );
    edit.n = Some(2);
    let desc = c.describe_edit(&edit);
    let cmd = to_curl(&desc, &paths);
    assert!(cmd.contains("image[]=@"), "{cmd}");
    let out = tokio::task::spawn_blocking(move || run_shell(&cmd)).await.unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {} / {}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    assert_eq!(v["data"].as_array().map(|a| a.len()), Some(2), "{v}");
    sim.shutdown().await;
}

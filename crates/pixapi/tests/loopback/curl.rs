use std::path::PathBuf;

use pixapi::{to_curl, EditEncoding, EditRequest, ImageInput};

use crate::common::*;

fn run_shell(cmd: &str) -> std::process::Output {
    std::process::Command::new("bash").arg("-c").arg(cmd).env("PIXAPI_KEY", KEY).output().expect("bash runs")
}

/// The here-document of a curl command (what follows `<<PIXBENCH_JSON`).
fn cmd_body(desc: &pixapi::RequestDescription, paths: &[PathBuf]) -> String {
    let cmd = to_curl(desc, paths);
    cmd.split_once("<<PIXBENCH_JSON").expect("a here-document").1.to_string()
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

    // A model whose `image` is a URL: JSON with data URLs, encoded by the shell from the
    // files (a `$` and a backquote in the prompt stay text).
    let mut lite = EditRequest::new(
        "gemini-3.1-flash-lite-image",
        "a `$HOME` \\ \"edit\"",
        vec![ImageInput::from_bytes("a.png", reference_png(0)), ImageInput::from_bytes("b.png", reference_png(1))],
    );
    lite.encoding = EditEncoding::JsonDataUrl;
    lite.size = Some("16:9".into());
    let desc = c.describe_edit(&lite);
    let cmd = to_curl(&desc, &paths);
    let paths = paths.clone();
    assert!(cmd.contains("--data-binary @-") && cmd.contains("base64 <"), "{cmd}");
    let out = tokio::task::spawn_blocking(move || run_shell(&cmd)).await.unwrap();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!("{e}: {} / {}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
    });
    assert_eq!(v["data"].as_array().map(|a| a.len()), Some(1), "{v}");
    // What the shell wrote is the JSON asked for: the prompt as it was, each image the
    // data URL of its file.
    let body_cmd = format!("cat <<PIXBENCH_JSON{}", cmd_body(&desc, &paths));
    let out = tokio::task::spawn_blocking(move || run_shell(&body_cmd)).await.unwrap();
    let sent: serde_json::Value = serde_json::from_slice(&out.stdout).expect("the here-document is JSON");
    assert_eq!(sent["prompt"], lite.prompt.as_str());
    let want: Vec<String> = paths
        .iter()
        .map(|p| {
            use base64::Engine as _;
            format!(
                "data:image/png;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(std::fs::read(p).unwrap())
            )
        })
        .collect();
    assert_eq!(sent["image"], serde_json::json!(want));
    sim.shutdown().await;
}

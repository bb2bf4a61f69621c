use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use serde_json::json;

/// Kills the child when dropped (also when an assertion fails).
pub(crate) struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the binary; returns it and the base URL of its listening line.
pub(crate) async fn spawn(args: &[&str]) -> (Child, String) {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_pixapi-sim"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("spawn pixapi-sim"),
    );
    let stdout = child.0.stdout.take().unwrap();
    let line = tokio::task::spawn_blocking(move || {
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).map(|_| line)
    })
    .await
    .unwrap()
    .unwrap();
    let base = line.trim().strip_prefix("listening on ").unwrap_or_else(|| panic!("first line: {line:?}"));
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let port: u16 = base.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0);
    (child, base.to_string())
}

async fn model_ids(base: &str, key: &str) -> Vec<String> {
    let v: serde_json::Value = reqwest::Client::new()
        .get(format!("{base}/v1/models"))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["data"].as_array().unwrap().iter().map(|m| m["id"].as_str().unwrap().to_string()).collect()
}

#[tokio::test]
async fn binary_prints_the_listening_line_first_and_serves() {
    let (_child, base) = spawn(&["--port", "0", "--key", "sk_bin_1", "--key", "sk_bin_2", "--credits", "9"]).await;

    let http = reqwest::Client::new();
    let r = http.get(format!("{base}/v1/models")).bearer_auth("sk_bin_2").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = http.get(format!("{base}/v1/models")).bearer_auth("sk_test_1").send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "only the given keys are accepted");
    let r = http
        .post(format!("{base}/v1/images/generations"))
        .bearer_auth("sk_bin_1")
        .json(&json!({"model": "nano-banana-2", "prompt": "p", "n": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PAYMENT_REQUIRED, "--credits 9 < 3 x 4");
    let st: serde_json::Value = http.get(format!("{base}/__sim/state")).send().await.unwrap().json().await.unwrap();
    assert_eq!(st["balance"], 9);
    // Strict by default: the price tables' suffixed ids are no models.
    let ids = model_ids(&base, "sk_bin_1").await;
    assert!(ids.iter().any(|i| i == "gemini-3.1-flash-image-preview"), "{ids:?}");
    assert!(!ids.iter().any(|i| i.ends_with("-2k")), "{ids:?}");
    let r = http
        .post(format!("{base}/v1/images/generations"))
        .bearer_auth("sk_bin_1")
        .json(&json!({"model": "gemini-3.1-flash-image-preview-512", "prompt": "p"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn binary_lenient_flag_accepts_the_old_forms() {
    let (_child, base) = spawn(&["--port", "0", "--lenient"]).await;
    let ids = model_ids(&base, "sk_test_1").await;
    assert!(ids.iter().any(|i| i == "gemini-3.1-flash-image-preview-2k"), "{ids:?}");
    let r = reqwest::Client::new()
        .post(format!("{base}/v1/images/generations"))
        .bearer_auth("sk_test_1")
        .json(&json!({"model": "gemini-3.1-flash-image-preview-512", "prompt": "p", "size": "1K"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["usage"]["size"], "512x512", "the suffix wins over a keyword");
}

#[test]
fn help_documents_the_flags_and_the_fault_api() {
    let out = Command::new(env!("CARGO_BIN_EXE_pixapi-sim")).arg("--help").output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "--port",
        "--host",
        "--key",
        "--credits",
        "--profile",
        "--max-concurrency",
        "--url-ttl-secs",
        "/__sim/faults",
        "close_mid_body",
        "malformed_json",
        "task_fail",
        "partial",
        "hang",
        "slow",
        "curl",
        "/__sim/reset",
        "--lenient",
        "deliver_size",
        "unknown_fields",
        "delivered",
        "model_not_found",
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
}

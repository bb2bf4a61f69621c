use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use reqwest::StatusCode;
use serde_json::json;

/// Kills the child when dropped (also when an assertion fails).
struct Child(std::process::Child);
impl Drop for Child {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test]
async fn binary_prints_the_listening_line_first_and_serves() {
    let mut child = Child(
        Command::new(env!("CARGO_BIN_EXE_pixapi-sim"))
            .args([
                "--port",
                "0",
                "--key",
                "sk_bin_1",
                "--key",
                "sk_bin_2",
                "--credits",
                "9",
            ])
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
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line: {line:?}"));
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    let port: u16 = base.rsplit(':').next().unwrap().parse().unwrap();
    assert_ne!(port, 0);

    let http = reqwest::Client::new();
    let r = http
        .get(format!("{base}/v1/models"))
        .bearer_auth("sk_bin_2")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = http
        .get(format!("{base}/v1/models"))
        .bearer_auth("sk_test_1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::UNAUTHORIZED,
        "only the given keys are accepted"
    );
    let r = http
        .post(format!("{base}/v1/images/generations"))
        .bearer_auth("sk_bin_1")
        .json(&json!({"model": "nano-banana-2", "prompt": "p", "n": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::PAYMENT_REQUIRED,
        "--credits 9 < 3 x 4"
    );
    let st: serde_json::Value = http
        .get(format!("{base}/__sim/state"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(st["balance"], 9);
}

#[test]
fn help_documents_the_flags_and_the_fault_api() {
    let out = Command::new(env!("CARGO_BIN_EXE_pixapi-sim"))
        .arg("--help")
        .output()
        .unwrap();
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
    ] {
        assert!(help.contains(needle), "--help lacks {needle}");
    }
}

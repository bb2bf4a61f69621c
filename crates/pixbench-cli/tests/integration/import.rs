//! `pixbench import curl`: a curl command becomes a request file that runs; what cannot be
//! kept is named on stderr; a command that is not an image request exits 2.

use std::process::{Command, Stdio};

use crate::common::{pixbench, text};

const BIN: &str = env!("CARGO_BIN_EXE_pixbench");

#[test]
fn a_documented_edit_command_becomes_a_request_file_that_runs() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // A reference image outside the workspace folder: copied into refs/ beside the file.
    let png = d.join("input.png");
    image::RgbImage::from_pixel(64, 64, image::Rgb([200, 40, 40])).save(&png).unwrap();
    let cmd = format!(
        "curl https://api.pixapi.example/v1/images/edits \\\n  -H \"Authorization: Bearer $PIXAPI_KEY\" \\\n  -F model=\"gemini-3.1-flash-image-preview\" \\\n  -F prompt=\"make it blue\" \\\n  -F n=2 \\\n  -F image=@{}",
        png.display()
    );
    let out_file = d.join("ws/edits/blue.toml");
    let out = pixbench(&d.join("data"), &["import", "curl", &cmd, "--out", out_file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("api.pixapi.example"), "the server is named, not dropped: {err}");
    let written = std::fs::read_to_string(&out_file).unwrap();
    assert!(written.contains("prompt = \"make it blue\""), "{written}");
    assert!(written.contains("\"gemini-3.1-flash-image-preview:2\""), "{written}");
    assert!(written.contains("images = [\"refs/input.png\"]"), "{written}");
    assert!(!written.to_lowercase().contains("bearer"), "no key: {written}");
    assert!(d.join("ws/edits/refs/input.png").is_file());

    // A file that is not an image is not copied into the workspace.
    let secret = d.join("credentials");
    std::fs::write(&secret, "[default]\naws_secret_access_key = x\n").unwrap();
    let bad = cmd.replace(&png.display().to_string(), &secret.display().to_string());
    let out =
        pixbench(&d.join("data"), &["import", "curl", &bad, "--out", d.join("ws/edits/bad.toml").to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("not a PNG"), "{}", text(&out.stderr));
    assert!(!d.join("ws/edits/refs/credentials").exists() && !d.join("ws/edits/bad.toml").exists());

    // Its code names the same request, the copied reference read from the workspace.
    let code = pixbench(&d.join("data"), &["--sandbox", "code", out_file.to_str().unwrap(), "--lang", "python"]);
    assert_eq!(code.status.code(), Some(0), "{}", text(&code.stderr));
    let py = text(&code.stdout);
    assert!(py.contains("make it blue") && py.contains("refs/input.png") && py.contains("PIXAPI_KEY"), "{py}");

    // It runs as written, an edit with its reference.
    let run = pixbench(&d.join("data"), &["--sandbox", "--json", "run", out_file.to_str().unwrap()]);
    assert_eq!(run.status.code(), Some(0), "{}", text(&run.stderr));
    let r: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    assert_eq!(r["images"], 2, "{r}");
    assert_eq!(r["matrix"]["prompts"][0]["images"].as_array().map(Vec::len), Some(1), "{r}");
}

#[test]
fn a_command_on_stdin_goes_to_stdout_and_a_wrong_one_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let run = |input: &str| {
        let mut child = Command::new(BIN)
            .args(["--data-dir", dir.path().to_str().unwrap(), "import", "curl"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    };
    let out = run(
        "curl -X POST http://localhost:8080/v1/images/generations -H 'Content-Type: application/json' --compressed -d '{\"model\": \"gpt-image-2\", \"prompt\": \"a fox\", \"size\": \"1536x1024\", \"quality\": \"low\"}'",
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let file = text(&out.stdout);
    assert!(file.contains("{ model = \"gpt-image-2\", size = \"1536x1024\" }"), "{file}");
    assert!(file.contains("[fields]\nquality = \"low\""), "{file}");
    assert!(text(&out.stderr).contains("--compressed"), "an unused flag is named: {}", text(&out.stderr));

    let out = run("curl https://example.com/v1/chat/completions -d '{\"model\": \"x\"}'");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
    let out = run("ls -la");
    assert_eq!(out.status.code(), Some(2));
}

//! `pixbench code`: the request as code, without a key, nothing sent.

use crate::common::{pixbench, text};

#[test]
fn code_prints_each_call_reads_the_key_from_the_environment_and_parses_back() {
    let dir = tempfile::tempdir().unwrap();
    let o = pixbench(
        dir.path(),
        &["--sandbox", "code", "--lang", "curl", "--model", "gpt-image-2", "--prompt", "a fox", "--quality", "high"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("$PIXAPI_KEY") && out.contains("http://127.0.0.1:8787"), "{out}");
    let back = pixbench_codegen::parse_curl(&out).unwrap();
    assert_eq!(back.model.as_deref(), Some("gpt-image-2"));
    assert_eq!(back.prompt, "a fox");
    assert_eq!(back.fields.get("quality"), Some(&serde_json::Value::from("high")));
    assert!(back.warnings.is_empty(), "{:?}", back.warnings);

    // Another server, no key in the environment: the code falls back to that server.
    let o = pixbench(
        dir.path(),
        &[
            "--base-url",
            "https://gw.example",
            "code",
            "--lang",
            "python",
            "--async",
            "--model",
            "gpt-image-2",
            "-p",
            "x",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("\"https://gw.example\"") && out.contains("/async/images/generations"), "{out}");
    assert!(out.contains("client.get(f\"/tasks/"), "{out}");
}

#[test]
fn a_request_that_cannot_be_sent_is_exit_2_with_its_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let o = pixbench(dir.path(), &["--sandbox", "code", "--lang", "js", "--model", "gpt-image-2"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("Write a prompt first."), "{}", text(&o.stderr));
    let o = pixbench(dir.path(), &["code", "--help"]);
    assert!(text(&o.stdout).contains("PIXAPI_BASE_URL"));
}

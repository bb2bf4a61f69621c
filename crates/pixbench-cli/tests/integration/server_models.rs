//! A model only the server lists, from the CLI: `models` names it, `run` reads the server's
//! list to find it, runs it, and its JSON says the cost is unknown (`credits: null`, the
//! priced part and the count beside it) instead of a guessed number.

use std::process::Output;

use crate::common::text;

const BIN: &str = env!("CARGO_BIN_EXE_pixbench");
const NEW_MODEL: &str = "acme-image-9";

/// `pixbench` whose in-process Sandbox also lists and serves [`NEW_MODEL`].
fn pixbench(data: &std::path::Path, args: &[&str]) -> Output {
    std::process::Command::new(BIN)
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .env_remove("PIXAPI_KEY")
        .env_remove("PIXAPI_API_KEY")
        .env("PIXBENCH_SANDBOX_EXTRA_MODELS", NEW_MODEL)
        .stdin(std::process::Stdio::null())
        .output()
        .expect("pixbench runs")
}

#[test]
fn a_model_only_the_server_lists_runs_from_the_cli_and_its_cost_is_unknown() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();

    let o = pixbench(d, &["--sandbox", "models"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("Listed by the server"), "{out}");
    let line = out.lines().find(|l| l.contains(NEW_MODEL)).unwrap_or_else(|| panic!("{out}"));
    assert!(line.contains("not in the catalog: price unknown"), "{line}");
    assert!(out.lines().any(|l| l.contains("gpt-image-2") && l.contains("catalog: gpt-image-2")), "{out}");

    let o = pixbench(d, &["--sandbox", "--json", "run", "--model", NEW_MODEL, "--prompt", "a lighthouse", "-n", "2"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains("listed by the server but not in the catalog"), "{}", text(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(r["succeeded"], 1);
    assert_eq!(r["images"], 2);
    assert_eq!(r["credits"], serde_json::Value::Null, "the whole is unknown: {r}");
    assert_eq!((r["priced_credits"].as_i64(), r["unpriced"].as_u64()), (Some(0), Some(2)));
    assert_eq!(r["samples"][0]["credits"], serde_json::Value::Null);
    assert_eq!(r["samples"][0]["unpriced"], 2);

    // A priced model's JSON keeps its number.
    let o = pixbench(d, &["--sandbox", "--json", "run", "--model", "gemini-3.1-flash-image-preview", "--prompt", "x"]);
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!((r["credits"].as_i64(), r.get("priced_credits")), (Some(4), None));

    // A model neither knows is refused, saying where to look.
    let o = pixbench(d, &["--sandbox", "run", "--model", "no-such-model", "--prompt", "x"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o.stderr).contains("nor listed by the server"), "{}", text(&o.stderr));
}

#[test]
fn a_new_model_with_a_known_price_is_a_line_in_the_data_dirs_catalog_file() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("catalog.toml"),
        format!("[[target]]\nid = \"{NEW_MODEL}\"\nlabel = \"Acme 9 · 1K\"\nvariant = \"1K\"\nlong_edge = 1024\ncredits = 3\n"),
    )
    .unwrap();
    let o = pixbench(d, &["--sandbox", "models"]);
    let out = text(&o.stdout);
    let line = out.lines().find(|l| l.contains(NEW_MODEL)).unwrap_or_else(|| panic!("{out}"));
    assert!(!line.contains("price unknown"), "{line}");

    let o = pixbench(d, &["--sandbox", "--json", "run", "--model", NEW_MODEL, "--prompt", "a lighthouse", "-n", "2"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(!text(&o.stderr).contains("not in the catalog"), "{}", text(&o.stderr));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!((r["credits"].as_i64(), r["unpriced"].as_u64()), (Some(6), Some(0)), "{r}");

    // A mistake in the file is said with its line and key, and the built-in catalog runs.
    std::fs::write(d.join("catalog.toml"), "[[target]]\nid = \"gpt-image-2\"\ncredits = -1\n").unwrap();
    let o = pixbench(d, &["--sandbox", "models"]);
    let err = text(&o.stderr);
    assert!(err.contains("catalog.toml: line 3, `credits`") && err.contains("built-in catalog"), "{err}");
}

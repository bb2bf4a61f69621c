//! `pixbench run FILE|DIR` on a workspace of request files, against the in-process Sandbox:
//! an environment fills the prompt, a folder runs as one report, flags override a file, and
//! a broken file is refused (exit 2, file:line and key) before anything is sent.

use std::path::Path;

use serde_json::Value;

use crate::common::{pixbench, text};

fn write(root: &Path, rel: &str, body: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, body).unwrap();
}

fn workspace(root: &Path) {
    write(root, "pixbench.toml", "name = \"Acme\"\n[defaults]\nmode = \"sync\"\n");
    write(
        root,
        "banners/hero.toml",
        "# The hero banner\nprompt = \"a {{style}} lighthouse for {{brand}}\"\ntargets = [\n  \"gemini-3.1-flash-image-preview\",\n  \"gpt-image-2:2\",\n]\n\n[vars]\nstyle = [\"watercolor\", \"photo\"]\n",
    );
    write(
        root,
        "banners/tile.toml",
        "prompt = \"a tile for {{brand}}\"\ntargets = [\"gemini-3.1-flash-lite-image\"]\naspect_ratio = \"1:1\"\n",
    );
    write(root, "environments/acme.toml", "[vars]\nbrand = \"Acme\"\n");
}

fn json(o: &std::process::Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}); stderr:\n{}", text(&o.stderr)))
}

#[test]
fn a_folder_of_requests_runs_as_one_report_with_the_environments_values() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    workspace(&ws);
    let out =
        pixbench(&dir.path().join("data"), &["--sandbox", "--json", "run", ws.to_str().unwrap(), "--env", "acme"]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let r = json(&out);
    // hero: 2 targets x 2 styles = 4 requests (1 + 2 images each); tile: 1 request.
    assert_eq!(r["requests"], 5, "{r}");
    assert_eq!(r["images"], 7, "{r}");
    // 2 x 4 (Nano Banana 2 1K) + 2 x 2 x 14 (gpt-image-2 1K) + 2 (Lite) credits, as charged.
    assert_eq!(r["credits"], 2 * 4 + 2 * 2 * 14 + 2, "{r}");
    let err = text(&out.stderr);
    assert!(err.contains("environment acme: brand=Acme"), "{err}");
    // Every request was sent with the environment's value for {{brand}}.
    let brands: Vec<String> = r["matrix"]["targets"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["axes"].as_array().unwrap().iter().find(|a| a["axis"] == "{{brand}}").unwrap()["value"].to_string())
        .collect();
    assert_eq!(brands, vec!["\"Acme\""; 5], "{r}");
}

#[test]
fn flags_beside_a_file_override_its_values() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    workspace(&ws);
    let file = ws.join("banners/tile.toml");
    let out = pixbench(
        &dir.path().join("data"),
        &["--sandbox", "--json", "run", file.to_str().unwrap(), "--env", "acme", "--model", "gpt-image-2", "-n", "2"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let r = json(&out);
    assert_eq!((r["requests"].as_u64(), r["images"].as_u64()), (Some(1), Some(2)), "{r}");
    assert_eq!(r["credits"], 28, "gpt-image-2 at 1K, two images of 14: {r}");
}

#[test]
fn a_broken_file_is_refused_with_its_place_before_anything_is_sent() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    workspace(&ws);
    write(&ws, "banners/zz-broken.toml", "prompt = \"x\"\ntargets = [\"gpt-image-2\"]\nquallity = \"high\"\n");
    let out =
        pixbench(&dir.path().join("data"), &["--sandbox", "--json", "run", ws.to_str().unwrap(), "--env", "acme"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let err = text(&out.stderr);
    assert!(err.contains("zz-broken.toml:3: `quallity`"), "{err}");
    assert!(out.stdout.is_empty());
    // Nothing was sent: the history is empty, though hero and tile came first.
    let history = pixbench(&dir.path().join("data"), &["--json", "history"]);
    let rows: Value = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(rows.as_array().map(Vec::len), Some(0), "{rows}");

    // A variable nothing fills is named; an unknown environment lists the known ones.
    std::fs::remove_file(ws.join("banners/zz-broken.toml")).unwrap();
    let out = pixbench(&dir.path().join("data"), &["--sandbox", "run", ws.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("{{brand}} has no value"), "{}", text(&out.stderr));
    let out = pixbench(&dir.path().join("data"), &["--sandbox", "run", ws.to_str().unwrap(), "--env", "prod"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("the workspace has acme"), "{}", text(&out.stderr));
}

#[test]
fn a_var_flag_replaces_the_files_values_and_a_request_core_refuses_stops_the_folder_first() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    workspace(&ws);
    let hero = ws.join("banners/hero.toml");
    let out = pixbench(
        &dir.path().join("data"),
        &["--sandbox", "--json", "run", hero.to_str().unwrap(), "--env", "acme", "--var", "style=photo"],
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert_eq!(json(&out)["requests"], 2, "one style x two targets");

    // A value the core refuses, in the last file of the folder: nothing of the folder is sent.
    write(
        &ws,
        "banners/zz-quality.toml",
        "prompt = \"x\"\ntargets = [\"gpt-image-2\"]\n[fields]\nquality = \"ultra\"\n",
    );
    let data = dir.path().join("data2");
    let out = pixbench(&data, &["--sandbox", "--json", "run", ws.to_str().unwrap(), "--env", "acme"]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    assert!(text(&out.stderr).contains("zz-quality.toml"), "{}", text(&out.stderr));
    let history = pixbench(&data, &["--json", "history"]);
    let rows: Value = serde_json::from_slice(&history.stdout).unwrap();
    assert_eq!(rows.as_array().map(Vec::len), Some(0), "{rows}");
}

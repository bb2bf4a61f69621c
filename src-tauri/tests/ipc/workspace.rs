//! A workspace through Tauri's mock runtime with the app's real capabilities: a request
//! file opened for the composer, estimated and run with the active environment's values
//! (recorded with the run), saved back as a one-line change, and a path out of the
//! workspace refused.

use crate::common::{app, invoke};
use pixbench_desktop::AppState;
use serde_json::json;
use tauri::Manager;

#[test]
fn a_saved_request_runs_with_its_environment_and_saves_back() {
    let data = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    let file = "# launch\nprompt = \"a poster for {{brand}}\"\ntargets = [\"gpt-image-2\"]\nmode = \"sync\"\n";
    std::fs::write(ws.path().join("poster.toml"), file).unwrap();
    std::fs::create_dir(ws.path().join("environments")).unwrap();
    std::fs::write(ws.path().join("environments/acme.toml"), "[vars]\nbrand = \"Acme\"\n").unwrap();
    let (app, w) = app(data.path());
    assert_eq!(invoke(&w, "workspace_current", json!({})).unwrap(), json!(null));
    app.state::<AppState>().workspaces.open(ws.path(), None).unwrap();

    let view = invoke(&w, "workspace_current", json!({})).unwrap();
    assert_eq!(view["entries"], json!([{"path": "poster.toml", "folder": false, "depth": 0}]));
    assert_eq!(view["environments"], json!(["acme"]));
    let opened = invoke(&w, "workspace_load", json!({ "path": "poster.toml" })).unwrap();
    assert_eq!(opened["title"], "poster");
    let request = opened["draft"]["request"].clone();
    assert_eq!(request["prompt"], "a poster for {{brand}}");

    let est = invoke(&w, "estimate", json!({ "request": request })).unwrap();
    assert_eq!(est["problems"][0], "The prompt uses {{brand}} but it has no values: give it at least one.");
    invoke(&w, "workspace_environment", json!({ "name": "acme" })).unwrap();
    let est = invoke(&w, "estimate", json!({ "request": request })).unwrap();
    assert_eq!((est["count"].as_u64(), &est["problems"]), (Some(1), &json!([])), "{est}");
    // The UI cannot claim an environment: the shell sets it from the one active.
    let mut forged = request.clone();
    forged["environment"] = json!({ "name": "prod", "values": [] });
    let started = invoke(&w, "run_start", json!({ "request": forged, "allowOverBudget": false })).unwrap();
    let run_id = started["run"]["id"].as_str().unwrap().to_string();
    assert_eq!(started["run"]["targets"][0]["prompt"], "a poster for Acme");
    let stored = invoke(&w, "run_get", json!({ "runId": run_id })).unwrap();
    assert_eq!(
        stored["request"]["environment"],
        json!({ "name": "acme", "values": [{ "name": "brand", "value": "Acme" }] }),
        "the run records the environment and its values"
    );

    let mut changed = request.clone();
    changed["prompt"] = json!("a poster for {{brand}}, night");
    invoke(&w, "workspace_save", json!({ "path": "poster.toml", "request": changed, "create": false })).unwrap();
    let after = std::fs::read_to_string(ws.path().join("poster.toml")).unwrap();
    assert_eq!(after, file.replace("{{brand}}\"", "{{brand}}, night\""), "comments kept, one line changed");

    let refused = invoke(&w, "workspace_load", json!({ "path": "../poster.toml" })).unwrap_err();
    assert_eq!(refused["kind"], "invalid");
    assert!(refused["message"].as_str().unwrap().contains("not a path inside the workspace"), "{refused}");
}

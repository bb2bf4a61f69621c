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

#[test]
fn the_request_as_code_and_a_pasted_curl_as_a_request() {
    let data = tempfile::tempdir().unwrap();
    let (_app, w) = app(data.path());
    let request = json!({ "prompt": "a red fox", "targets": [{ "modelId": "gpt-image-2", "n": 2 }], "mode": "sync" });
    let code =
        invoke(&w, "request_code", json!({ "request": request, "lang": "python", "forceAsync": false })).unwrap();
    let code = code.as_str().unwrap();
    assert!(code.contains("from openai import OpenAI") || code.contains("import openai"), "{code}");
    assert!(code.contains("a red fox") && code.contains("PIXAPI_KEY"), "{code}");
    assert!(code.contains("127.0.0.1:8787"), "made on the Sandbox, it falls back to a local sim: {code}");
    let curl = invoke(&w, "request_code", json!({ "request": request, "lang": "curl", "forceAsync": true })).unwrap();
    assert!(curl.as_str().unwrap().contains("/v1/async/images/generations"), "{curl}");

    let pasted = "curl https://api.pixapi.example/v1/images/edits \\\n  -H \"Authorization: Bearer $PIXAPI_KEY\" \\\n  -F model=gpt-image-2 -F prompt='make it night' -F image=@/etc/shadow.png -F quality=high";
    let imported = invoke(&w, "import_curl", json!({ "command": pasted })).unwrap();
    assert_eq!(imported["request"]["prompt"], "make it night");
    assert_eq!(imported["request"]["targets"][0]["modelId"], "gpt-image-2");
    assert_eq!(imported["request"]["fields"]["quality"], "high");
    assert_eq!(imported["request"]["images"], json!([]), "a pasted command's files are not read");
    let warnings = imported["warnings"].to_string();
    assert!(warnings.contains("/etc/shadow.png") && warnings.contains("not read"), "{warnings}");
    let refused =
        invoke(&w, "import_curl", json!({ "command": "curl https://example.com/v1/chat/completions -d '{}'" }))
            .unwrap_err();
    assert_eq!(refused["kind"], "invalid");
}

#[test]
fn the_last_workspace_and_its_environment_reopen_on_start() {
    let data = tempfile::tempdir().unwrap();
    let ws = tempfile::tempdir().unwrap();
    std::fs::create_dir(ws.path().join("environments")).unwrap();
    std::fs::write(ws.path().join("environments/acme.toml"), "[vars]\nbrand = \"Acme\"\n").unwrap();
    let (app, _w) = app(data.path());
    let state = app.state::<AppState>();
    state.engine.settings.set_last_workspace(Some(ws.path()), Some("acme")).unwrap();
    let reopened = pixbench_desktop::open_workspaces(app.handle(), &state.engine);
    let view = reopened.view().expect("the last workspace reopens");
    assert_eq!(view.root, std::fs::canonicalize(ws.path()).unwrap().to_string_lossy());
    assert_eq!(view.environment.as_deref(), Some("acme"));
    // A folder that is gone leaves the app without a workspace, not failing to start.
    state.engine.settings.set_last_workspace(Some(&ws.path().join("gone")), None).unwrap();
    assert!(pixbench_desktop::open_workspaces(app.handle(), &state.engine).view().is_none());
}

//! The Tauri commands through Tauri's mock runtime, with the app's real configuration
//! and capabilities: the IPC layer (argument names, camelCase, errors as `UiError`,
//! the ACL granting exactly our commands) over a real engine and its Sandbox.

use crate::common::{app, invoke};
use pixbench_desktop::AppState;
use serde_json::json;
use tauri::Manager;

#[test]
fn commands_answer_over_ipc_with_camel_case_and_ui_errors() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());

    let info = invoke(&w, "app_info", json!({})).unwrap();
    assert!(info["sandboxUrl"].as_str().unwrap().starts_with("http://127.0.0.1:"));
    assert_eq!(info["dataDir"], dir.path().display().to_string());

    let catalog = invoke(&w, "catalog", json!({})).unwrap();
    let ids: Vec<&str> = catalog["entries"].as_array().unwrap().iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert!(ids.contains(&"gemini-3.1-flash-image-preview-4k"));

    let profiles = invoke(&w, "profiles_list", json!({})).unwrap();
    assert_eq!(profiles[0]["name"], "Sandbox");
    assert_eq!(profiles[0]["isCurrent"], true);
    assert_eq!(profiles[0]["keyState"], "sandbox");

    let spec = json!({
        "prompt": "ipc", "targets": [{"modelId": "gemini-3.1-flash-image-preview", "n": 2}],
        "aspectRatio": null, "responseFormat": "b64_json", "mode": "auto", "images": [], "fields": null
    });
    let est = invoke(&w, "estimate", json!({ "request": spec })).unwrap();
    assert_eq!(est["total"]["credits"], 8);
    assert_eq!(est["count"], 1);
    assert_eq!(est["simulated"], true);

    let started = invoke(&w, "run_start", json!({ "request": spec, "allowOverBudget": false })).unwrap();
    assert_eq!(started["outcome"], "started", "{started}");
    let run = &started["run"];
    let run_id = run["id"].as_str().unwrap().to_string();
    let engine = w.state::<AppState>().engine.clone();
    let done = tauri::async_runtime::block_on(engine.runs.wait(&run_id)).unwrap();
    assert_eq!(done.targets[0].outputs.len(), 2);
    let got = invoke(&w, "run_get", json!({ "runId": run_id })).unwrap();
    assert_eq!(got["status"], "done");
    assert!(got["targets"][0]["outputs"][0]["thumbUrl"].as_str().unwrap().starts_with("pxb://localhost/thumb/"));
    let hist = invoke(&w, "history_list", json!({ "filter": {"text": "ipc", "model": null, "status": null, "profileId": null, "since": null, "until": null, "limit": null} })).unwrap();
    assert_eq!(hist.as_array().unwrap().len(), 1);
    let curl = invoke(&w, "export_curl", json!({ "runId": run_id, "targetIdx": 0 })).unwrap();
    assert!(curl.as_str().unwrap().contains("$PIXAPI_KEY"));

    // errors arrive as UiError
    let err = invoke(&w, "profile_set_key", json!({ "id": "sandbox", "key": "sk_abcdefgh" })).unwrap_err();
    assert_eq!(err["kind"], "invalid");
    assert!(err["message"].as_str().unwrap().contains("Sandbox"));
    let err =
        invoke(&w, "reference_add_bytes", json!({ "name": "notes.pdf", "bytes": b"%PDF-1.4".to_vec() })).unwrap_err();
    assert!(err["message"].as_str().unwrap().contains("notes.pdf is a PDF"), "{err}");
    let session = invoke(&w, "session_current", json!({})).unwrap();
    assert_eq!(session["spent"]["credits"], 8);
    let session = invoke(&w, "session_set_budget", json!({ "credits": 10 })).unwrap();
    assert_eq!(session["budgetCredits"], 10);
    assert_eq!(session["budgetWarning"], true, "8 of 10 credits is the 80% mark");
    // Over the budget: nothing is sent, and the answer is the estimate that says why.
    let refused = invoke(&w, "run_start", json!({ "request": spec, "allowOverBudget": false })).unwrap();
    assert_eq!(refused["outcome"], "refused");
    assert_eq!(refused["estimate"]["overBudget"], true);
    assert_eq!(refused["estimate"]["total"]["credits"], 8);
    let anyway = invoke(&w, "run_start", json!({ "request": spec, "allowOverBudget": true })).unwrap();
    assert_eq!(anyway["outcome"], "started");
}

#[test]
fn a_command_not_in_the_capabilities_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    // The dialog plugin is registered (the shell opens dialogs from Rust), but the
    // webview is granted none of its commands: the ACL refuses.
    let err = invoke(&w, "plugin:dialog|open", json!({ "options": {} })).unwrap_err();
    assert!(err.to_string().contains("not allowed"), "{err}");
    // while an app command is allowed
    assert!(invoke(&w, "catalog", json!({})).is_ok());
}

#[test]
fn every_declared_command_is_registered_and_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    for c in pixbench_core::ipc_bindings::commands() {
        // Those that open a native dialog are left out: the mock runtime has no window.
        if c.name.ends_with("_pick") || c.name == "export_images" {
            continue;
        }
        // Without its arguments a command may be refused for them, but never by the ACL
        // (not allowed) nor for being unknown (not found).
        if let Err(e) = invoke(&w, c.name, json!({})) {
            let text = e.to_string();
            assert!(!text.contains("not allowed") && !text.contains("not found"), "{}: {text}", c.name);
        }
    }
    let unknown = invoke(&w, "no_such_command", json!({})).unwrap_err().to_string();
    assert!(unknown.contains("not allowed") || unknown.contains("not found"), "{unknown}");
}

#[test]
fn a_benchmark_runs_over_ipc_and_its_report_keeps_snake_case() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    let input = json!({
        "name": "ipc bench", "prompts": [{"text": "a red fox", "images": []}, {"text": "a blue car", "images": []}],
        "references": [], "targets": [{"modelId": "gemini-3.1-flash-image-preview-512", "n": 1}],
        "repeats": 2, "concurrency": 2, "warmup": 0, "syncMode": "auto", "aspectRatio": null,
        "responseFormat": "b64_json", "budget": null, "ignoreBudget": false
    });
    let pre = invoke(&w, "bench_preflight", json!({ "input": input })).unwrap();
    assert_eq!(pre["requests"], 4);
    assert_eq!(pre["credits"], 16);
    let started = invoke(&w, "bench_start", json!({ "input": input })).unwrap();
    assert_eq!(started["status"], "running");
    let id = started["id"].as_str().unwrap().to_string();
    let engine = w.state::<AppState>().engine.clone();
    tauri::async_runtime::block_on(engine.benchmarks.wait(&id)).unwrap();
    let view = invoke(&w, "bench_get", json!({ "id": id })).unwrap();
    assert_eq!(view["summary"]["status"], "complete");
    assert_eq!(view["imageBase"], "pxb://localhost");
    let report = &view["report"];
    assert_eq!(report["succeeded"], 4);
    assert!(report["targets"][0]["p50_ms"].as_f64().unwrap() > 0.0);
    assert_eq!(report["samples"].as_array().unwrap().len(), 4);
    assert_eq!(invoke(&w, "bench_list", json!({})).unwrap().as_array().unwrap().len(), 1);
    let csv = invoke(&w, "bench_export", json!({ "id": id, "format": "csv" })).unwrap();
    assert!(csv.as_str().unwrap().ends_with(".csv"));
    let err = invoke(&w, "bench_start", json!({ "input": {"targets": []} })).unwrap_err();
    assert!(err.to_string().contains("input"), "{err}");
    invoke(&w, "bench_delete", json!({ "id": id })).unwrap();
    assert!(invoke(&w, "bench_list", json!({})).unwrap().as_array().unwrap().is_empty());
}

#[test]
fn the_webview_cannot_name_a_file_the_user_did_not_hand_over() {
    let dir = tempfile::tempdir().unwrap();
    let (app, w) = app(dir.path());
    let img = dir.path().join("chosen.png");
    let mut png = Vec::new();
    image::RgbImage::from_pixel(8, 8, image::Rgb([1, 2, 3]))
        .write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png)
        .unwrap();
    std::fs::write(&img, &png).unwrap();

    for path in ["/etc/passwd", img.to_str().unwrap(), "/no/such/file.png"] {
        let err = invoke(&w, "references_add_paths", json!({ "paths": [path] })).unwrap_err();
        assert_eq!(err["kind"], "not_granted", "{path}: {err}");
        let err = invoke(&w, "recipe_probe_path", json!({ "path": path })).unwrap_err();
        assert_eq!(err["kind"], "not_granted", "{path}: {err}");
    }
    let bench = json!({ "input": {
        "name": null, "references": [], "aspectRatio": null, "budget": null,
        "targets": [{"modelId": "gemini-3.1-flash-image-preview", "n": 1}],
        "prompts": [{"text": "x", "images": ["/etc/hostname"]}],
        "repeats": 1, "warmup": 0, "concurrency": 1, "syncMode": "sync", "responseFormat": "b64_json",
        "ignoreBudget": false,
    }});
    let err = invoke(&w, "bench_preflight", bench.clone()).unwrap_err();
    assert_eq!(err["kind"], "not_granted", "{err}");

    // Once dropped on the window (the shell grants it), the same path is read.
    app.state::<pixbench_desktop::GrantedPaths>().grant([&img]);
    let refs = invoke(&w, "references_add_paths", json!({ "paths": [img.to_str().unwrap()] })).unwrap();
    assert_eq!(refs[0]["width"], 8);
}

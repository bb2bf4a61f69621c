//! The metric commands through Tauri's mock runtime with the app's real capabilities:
//! `metrics_worth` and `metrics_pair` over a real engine and its Sandbox, camelCase on the
//! wire, errors as `UiError`.

use crate::common::{app, invoke};
use pixbench_desktop::AppState;
use serde_json::json;
use tauri::Manager;

#[test]
fn metrics_answer_over_ipc() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    let spec = json!({
        "prompt": "ipc metrics",
        "targets": [{"modelId": "gemini-3.1-flash-image-preview-512", "n": 1}, {"modelId": "gemini-3.1-flash-image-preview", "n": 1}],
        "aspectRatio": null, "responseFormat": "b64_json", "mode": "auto", "images": [], "fields": null
    });
    let started = invoke(&w, "run_start", json!({ "request": spec, "allowOverBudget": false })).unwrap();
    assert_eq!(started["outcome"], "started", "{started}");
    let run = &started["run"];
    let id = run["id"].as_str().unwrap().to_string();
    let engine = w.state::<AppState>().engine.clone();
    tauri::async_runtime::block_on(engine.runs.wait(&id)).unwrap();

    let worth = invoke(&w, "metrics_worth", json!({ "runId": id })).unwrap();
    let steps = worth["tables"][0]["steps"].as_array().unwrap();
    assert_eq!(steps.len(), 1);
    assert_eq!(steps[0]["step"], "512→1K");
    assert!(steps[0]["metrics"]["ssim"].as_f64().is_some());
    assert!(steps[0]["creditDelta"].is_i64());

    let (hi, lo) = (steps[0]["higherSha256"].clone(), steps[0]["lowerSha256"].clone());
    let pair = invoke(&w, "metrics_pair", json!({ "shaA": lo, "shaB": hi })).unwrap();
    assert_eq!(pair["cached"], true, "the worth-it table computed it already");
    assert_eq!((pair["width"].as_u64(), pair["height"].as_u64()), (Some(512), Some(512)));
    assert_eq!(pair["shaA"], lo);

    let err = invoke(&w, "metrics_pair", json!({ "shaA": "nope", "shaB": hi })).unwrap_err();
    assert_eq!(err["kind"], "invalid", "{err}");
}

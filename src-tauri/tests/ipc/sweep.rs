//! A request with a sweep through Tauri's mock runtime with the app's real capabilities:
//! `estimate` counts it (camelCase, without listing it), one `run_start` runs it whole, a
//! mistake is a sentence in `problems`.

use crate::common::{app, invoke};
use serde_json::json;

#[test]
fn a_sweep_is_estimated_and_run_in_one_call() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    let request = json!({
        "prompt": "a {{animal}}", "targets": [{"modelId": "gpt-image-2", "n": 1}],
        "responseFormat": "b64_json", "mode": "sync", "images": [],
        "sweep": [{"axis": "quality", "values": ["low", "high"]}],
        "vars": [{"name": "animal", "values": ["fox", "owl"]}]
    });
    let est = invoke(&w, "estimate", json!({ "request": request })).unwrap();
    assert_eq!(
        (est["count"].as_u64(), est["limit"].as_u64(), est["total"]["credits"].as_i64()),
        (Some(4), Some(64), Some(30))
    );
    assert_eq!(est["problems"], json!([]));
    assert_eq!(est["axes"][0]["axis"], "quality");
    let started = invoke(&w, "run_start", json!({ "request": request, "allowOverBudget": false })).unwrap();
    assert_eq!(started["outcome"], "started", "{started}");
    let run = &started["run"];
    let targets = run["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 4);
    assert_eq!(targets[3]["prompt"], "a owl");
    assert_eq!(
        targets[3]["axes"],
        json!([{"axis": "quality", "value": "high"}, {"axis": "{{animal}}", "value": "owl"}])
    );
    assert_eq!(run["request"]["sweep"][0]["values"], json!(["low", "high"]), "the run keeps its request");

    // A request needs only its prompt and targets; the rest has defaults.
    let bad = invoke(
        &w,
        "estimate",
        json!({ "request": { "prompt": "a {{animal}}", "targets": [{"modelId": "gpt-image-2", "n": 1}] } }),
    )
    .unwrap();
    assert_eq!(bad["problems"][0], "The prompt uses {{animal}} but it has no values: give it at least one.");
    let refused = invoke(
        &w,
        "run_start",
        json!({ "request": { "prompt": "a {{animal}}", "targets": [{"modelId": "gpt-image-2", "n": 1}] }, "allowOverBudget": true }),
    )
    .unwrap();
    assert_eq!(refused["outcome"], "refused", "a mistake is refused even when the budget is waived");
    assert_eq!(refused["estimate"]["problems"], bad["problems"]);
}

//! `sweep_expand` through Tauri's mock runtime with the app's real capabilities (the ACL
//! must grant it): the plan in camelCase, its run startable with `run_start`, a mistake
//! as a sentence in `problems`.

mod common;

use common::{app, invoke};
use serde_json::json;
use serde_json::Value;

#[test]
fn sweep_expand_answers_the_plan_and_its_run_starts() {
    let dir = tempfile::tempdir().unwrap();
    let (_app, w) = app(dir.path());
    let spec = json!({
        "mode": "generate", "prompt": "a {{animal}}", "targets": [{"modelId": "gpt-image-2", "n": 1}],
        "responseFormat": "b64_json", "syncMode": "sync", "references": [], "ignoreBudget": false,
        "axes": [{"axis": "quality", "values": ["low", "high"]}],
        "variables": [{"name": "animal", "values": ["fox", "owl"]}]
    });
    let plan = invoke(&w, "sweep_expand", json!({ "spec": spec })).expect("sweep_expand is granted");
    assert_eq!(
        (plan["count"].as_u64(), plan["limit"].as_u64(), plan["totalCredits"].as_i64()),
        (Some(4), Some(64), Some(30))
    );
    assert_eq!(plan["problems"], json!([]));
    let targets = plan["runSpec"]["targets"].as_array().unwrap();
    assert_eq!(targets[3]["prompt"], "a owl");
    assert_eq!(targets[3]["fields"]["quality"], "high");
    assert_eq!(
        targets[3]["axes"],
        json!([{"axis": "quality", "value": "high"}, {"axis": "{{animal}}", "value": "owl"}])
    );
    let run = invoke(&w, "run_start", json!({ "spec": plan["runSpec"] })).unwrap();
    assert_eq!(run["targets"].as_array().unwrap().len(), 4);
    assert_eq!(run["targets"][0]["axes"][1]["value"], "fox");

    let bad = invoke(
        &w,
        "sweep_expand",
        json!({ "spec": { "prompt": "a {{animal}}", "targets": [{"modelId": "gpt-image-2", "n": 1}] } }),
    )
    .unwrap();
    assert_eq!(bad["runSpec"], Value::Null);
    assert_eq!(bad["problems"][0], "The prompt uses {{animal}} but it has no values: give it at least one.");
}

//! `pixbench run --from-output` and `pixbench lineage`, the built binary on its own
//! Sandbox, in a fresh data dir.

use std::process::Output;

use serde_json::Value;

use crate::common::{pixbench, text};
fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&o.stdout)))
}

#[test]
fn an_edit_from_an_output_records_its_lineage() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let model = "gemini-3.1-flash-image-preview-512";
    let o = pixbench(&data, &["--sandbox", "-q", "run", "--prompt", "a paper boat", "--model", model, "-n", "2"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let first = json(&pixbench(&data, &["--json", "history"]))[0]["id"].as_str().unwrap().to_string();

    // Image 2 of target 1, by the last 8 characters of the id (as printed); the prompt is the run's.
    let from = format!("{}/1/2", &first[first.len() - 8..]);
    let o = pixbench(&data, &["--sandbox", "run", "--from-output", &from]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stderr).contains(&format!("an edit of image 2 of target 1 of run {}", &first[first.len() - 8..])));
    // `last` is the newest run; a new prompt replaces the run's.
    let o = pixbench(&data, &["--sandbox", "-q", "run", "--from-output", "last", "--prompt", "a paper boat, in rain"]);
    assert!(o.status.success(), "{}", text(&o.stderr));

    let l = json(&pixbench(&data, &["--json", "lineage", &first[first.len() - 8..]]));
    let nodes = l["nodes"].as_array().unwrap();
    assert_eq!(nodes.len(), 3, "{l}");
    assert_eq!(nodes.iter().map(|n| n["depth"].as_u64().unwrap()).collect::<Vec<_>>(), vec![0, 1, 2]);
    assert_eq!(nodes[1]["from"]["runId"], first.as_str());
    assert_eq!(nodes[1]["from"]["outputIdx"], 1);
    assert_eq!(nodes[1]["run"]["kind"], "edit");
    assert_eq!(nodes[1]["run"]["prompt"], "a paper boat");
    assert_eq!(nodes[2]["run"]["prompt"], "a paper boat, in rain");
    assert_eq!(nodes[2]["run"]["models"][0], model);

    let o = pixbench(&data, &["lineage", "last"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let t = text(&o.stdout);
    assert!(t.starts_with("Lineage of run "), "{t}");
    let lines: Vec<&str> = t.lines().collect();
    assert_eq!(lines.len(), 4, "{t}");
    assert!(lines[2].starts_with("   └─ ") && lines[3].starts_with("      └─ "), "{t}");
    assert!(lines[3].ends_with("  <") && lines[3].contains("“a paper boat, in rain”"), "{t}");
    assert!(lines[1].contains("first run"), "{t}");
}

#[test]
fn bad_output_references_are_exit_2_with_a_sentence() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let o = pixbench(
        &data,
        &["--sandbox", "-q", "run", "--prompt", "a kite", "--model", "gemini-3.1-flash-image-preview-512"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let id = json(&pixbench(&data, &["--json", "history"]))[0]["id"].as_str().unwrap().to_string();
    for (arg, says) in [
        (format!("{}/1/9", &id[id.len() - 8..]), "has no image 9 in target 1"),
        (format!("{}/0/1", &id[id.len() - 8..]), "1-based"),
        (format!("{}/1", &id[id.len() - 8..]), "RUN/TARGET/IMAGE"),
        ("ffffffff".to_string(), "No run's id starts or ends with"),
        ("ab".to_string(), "too short"),
    ] {
        let o = pixbench(&data, &["--sandbox", "run", "--from-output", &arg]);
        assert_eq!(o.status.code(), Some(2), "{arg}: {}", text(&o.stderr));
        assert!(text(&o.stderr).contains(says), "{arg}: {}", text(&o.stderr));
    }
    let o = pixbench(&data, &["--sandbox", "run", "--from-output", &id, "--model", "gpt-image-2"]);
    assert_eq!(o.status.code(), Some(2), "--from-output takes its model from the run");
    let o = pixbench(&data, &["lineage", "nope-nope"]);
    assert_eq!(o.status.code(), Some(2));
}

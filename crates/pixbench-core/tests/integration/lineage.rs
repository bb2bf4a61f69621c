//! The designer's loop against the real Sandbox (HTTP) and a real SQLite store: an output
//! becomes the reference of a new edit, runs keep where they came from, and the lineage
//! walk answers ancestors and descendants, refuses bad parents and survives deletions.

use crate::common::*;
use pixbench_core::api::*;
use pixbench_core::lineage::{LineageRelation, OutputRef};
use pixbench_core::Engine;

const MODEL: &str = "gemini-3.1-flash-image-preview";

fn out(run: &RunView, target_idx: u32, output_idx: u32) -> OutputRef {
    OutputRef { run_id: run.id.clone(), target_idx, output_idx }
}

/// Starts the draft of "edit from this" with a new prompt and waits for it.
async fn edit_from(e: &Engine, from: OutputRef, prompt: &str) -> RunView {
    let mut draft = e.lineages.iterate_from(&from).unwrap().request;
    draft.prompt = prompt.into();
    let run = e.runs.start(draft, false).await.unwrap();
    e.runs.wait(&run.id).await.unwrap()
}

async fn sim_posts(e: &Engine) -> Vec<serde_json::Value> {
    let v: serde_json::Value =
        reqwest::get(format!("{}/__sim/requests", e.sandbox_url())).await.unwrap().json().await.unwrap();
    v["requests"].as_array().unwrap().iter().filter(|r| r["method"] == "POST").cloned().collect()
}

fn ids(l: &pixbench_core::lineage::Lineage) -> Vec<(String, u32, LineageRelation)> {
    l.nodes.iter().map(|n| (n.run.id.clone(), n.depth, n.relation)).collect()
}

#[tokio::test]
async fn a_chain_of_three_edits_keeps_its_lineage() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let mut first = spec("a lighthouse at dawn", &[(MODEL, 2)]);
    first.aspect_ratio = Some("16:9".into());
    let a = e.runs.start(first, false).await.unwrap();
    let a = e.runs.wait(&a.id).await.unwrap();
    assert_eq!(a.targets[0].outputs.len(), 2);

    // The draft: an edit of the same model, ratio and prompt, the second image its reference.
    let draft = e.lineages.iterate_from(&out(&a, 0, 1)).unwrap();
    assert_eq!(draft.request.kind(), RunKind::Edit);
    assert_eq!(draft.request.prompt, "a lighthouse at dawn");
    assert_eq!(draft.request.targets.len(), 1);
    assert_eq!(draft.request.targets[0].model_id, MODEL);
    assert_eq!(draft.request.aspect_ratio.as_deref(), Some("16:9"));
    assert_eq!(draft.request.parent, Some(out(&a, 0, 1)));
    assert_eq!(draft.references.len(), 1);
    assert_eq!(draft.request.images, vec![draft.references[0].sha256.clone()]);
    let source = &a.targets[0].outputs[1];
    let reference = &draft.references[0];
    if reference.note.is_none() {
        // Under the byte limit the output is its own reference, byte for byte.
        assert_eq!(reference.sha256, source.sha256);
    }
    assert_eq!(reference.original_width.unwrap_or(reference.width), source.width);
    assert!(reference.name.starts_with(&format!("run-{}-1-2.", &a.id[a.id.len() - 8..])), "{}", reference.name);

    let posts_before = sim_posts(&e).await.len();
    let b = edit_from(&e, out(&a, 0, 1), "a lighthouse at dawn, in watercolour").await;
    assert_eq!(b.status, RunStatus::Done);
    assert_eq!(b.kind, RunKind::Edit);
    assert_eq!(b.parent, Some(out(&a, 0, 1)));
    // It went to the edits endpoint with the output as an image part.
    let posts = sim_posts(&e).await;
    let sent = &posts[posts_before];
    assert!(sent["path"].as_str().unwrap().contains("/images/edits"), "{sent}");
    let fields: Vec<&str> = sent["fields"].as_array().unwrap().iter().filter_map(|f| f.as_str()).collect();
    assert!(fields.contains(&"image"), "no image part in {fields:?}");

    let c = edit_from(&e, out(&b, 0, 0), "a lighthouse at dusk, in watercolour").await;
    assert_eq!(c.status, RunStatus::Done);

    // The middle run: its ancestor before it, its descendant after it.
    let l = e.lineages.walk(&b.id).unwrap();
    assert_eq!(
        ids(&l),
        vec![
            (a.id.clone(), 0, LineageRelation::Ancestor),
            (b.id.clone(), 1, LineageRelation::Current),
            (c.id.clone(), 2, LineageRelation::Descendant),
        ]
    );
    assert!(!l.truncated && l.deleted_ancestor.is_none());
    assert_eq!(l.nodes[1].from, Some(out(&a, 0, 1)));
    assert_eq!(l.nodes[1].from_thumb_url.as_deref(), Some(e.urls.thumb(&source.sha256).as_str()));
    assert_eq!(l.nodes[2].run.prompt, "a lighthouse at dusk, in watercolour");
    assert_eq!(l.nodes[0].run.children, Some(1));
    // From either end, the same three runs.
    assert_eq!(ids(&e.lineages.walk(&a.id).unwrap()).iter().map(|n| n.1).collect::<Vec<_>>(), vec![0, 1, 2]);
    assert_eq!(e.lineages.walk(&c.id).unwrap().nodes[2].relation, LineageRelation::Current);

    // The history list knows parents and children.
    let h = e.runs.history(&HistoryFilter::default()).unwrap();
    let row = |id: &str| h.iter().find(|r| r.id == id).unwrap().clone();
    assert_eq!(row(&a.id).parent_run_id, None);
    assert_eq!(row(&a.id).children, Some(1));
    assert_eq!(row(&b.id).parent_run_id.as_deref(), Some(a.id.as_str()));
    assert_eq!(row(&c.id).children, None);
}

#[tokio::test]
async fn branches_come_oldest_first_and_a_loop_ends_the_walk() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let a = e.runs.start(spec("a red fox", &[(MODEL, 2)]), false).await.unwrap();
    let a = e.runs.wait(&a.id).await.unwrap();
    let b1 = edit_from(&e, out(&a, 0, 0), "a red fox in snow").await;
    let b2 = edit_from(&e, out(&a, 0, 1), "a red fox at night").await;
    let c1 = edit_from(&e, out(&b1, 0, 0), "a red fox in snow, close up").await;
    let l = e.lineages.walk(&a.id).unwrap();
    // Depth-first: b1's child right after b1, then b2.
    assert_eq!(
        l.nodes.iter().map(|n| (n.run.id.as_str(), n.depth)).collect::<Vec<_>>(),
        vec![(a.id.as_str(), 0), (b1.id.as_str(), 1), (c1.id.as_str(), 2), (b2.id.as_str(), 1)]
    );
    // A damaged database where the root names its own grandchild: the walk ends, says so.
    e.store()
        .with_transaction(|tx| {
            tx.execute(
                "UPDATE runs SET parent_run_id = ?1, parent_target_idx = 0, parent_output_idx = 0 WHERE id = ?2",
                [&c1.id, &a.id],
            )
        })
        .unwrap();
    let l = e.lineages.walk(&b1.id).unwrap();
    assert!(l.truncated);
    let mut seen: Vec<&str> = l.nodes.iter().map(|n| n.run.id.as_str()).collect();
    let all = seen.len();
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), all, "a run shown twice");
}

#[tokio::test]
async fn a_bad_parent_is_refused_with_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let a = e.runs.start(spec("a teapot", &[(MODEL, 1)]), false).await.unwrap();
    let a = e.runs.wait(&a.id).await.unwrap();
    let draft = e.lineages.iterate_from(&out(&a, 0, 0)).unwrap().request;

    let refused = |spec: Request| {
        let e = e.clone();
        async move { UiError::from(e.runs.start(spec, false).await.unwrap_err()) }
    };
    let mut no_run = draft.clone();
    no_run.parent = Some(OutputRef { run_id: "0000-no-such-run".into(), target_idx: 0, output_idx: 0 });
    let err = refused(no_run).await;
    assert_eq!(err.kind, ErrorKind::Invalid);
    assert!(err.message.contains("not in history"), "{}", err.message);

    let mut no_image = draft.clone();
    no_image.parent = Some(out(&a, 0, 5));
    let err = refused(no_image).await;
    assert!(err.message.contains("has no image 6 in target 1"), "{}", err.message);

    let mut not_edit = draft.clone();
    not_edit.images.clear(); // a generation
    let err = refused(not_edit).await;
    assert!(err.message.contains("Only an edit"), "{}", err.message);

    // "Edit from this" on what is not there.
    for bad in [out(&a, 0, 3), out(&a, 2, 0), OutputRef { run_id: "gone".into(), target_idx: 0, output_idx: 0 }] {
        let err = UiError::from(e.lineages.iterate_from(&bad).unwrap_err());
        assert_eq!(err.kind, ErrorKind::Invalid, "{bad:?}");
    }
    let err = UiError::from(e.lineages.walk("gone").unwrap_err());
    assert_eq!(err.kind, ErrorKind::NotFound);
    // Nothing was stored by the refusals.
    assert_eq!(e.lineages.walk(&a.id).unwrap().nodes.len(), 1);
}

#[tokio::test]
async fn deleting_a_middle_run_breaks_the_lineage_there_only() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let a = e.runs.start(spec("a paper boat", &[(MODEL, 1)]), false).await.unwrap();
    let a = e.runs.wait(&a.id).await.unwrap();
    let b = edit_from(&e, out(&a, 0, 0), "a paper boat on a pond").await;
    let c = edit_from(&e, out(&b, 0, 0), "a paper boat on a pond, rain").await;
    let late = e.lineages.iterate_from(&out(&b, 0, 0)).unwrap().request;

    e.runs.delete(&b.id).unwrap();
    // The root no longer lists the deleted run (nor, through it, its child).
    assert_eq!(ids(&e.lineages.walk(&a.id).unwrap()), vec![(a.id.clone(), 0, LineageRelation::Current)]);
    // The child still says where it came from, and that the run is gone.
    let l = e.lineages.walk(&c.id).unwrap();
    assert_eq!(ids(&l), vec![(c.id.clone(), 0, LineageRelation::Current)]);
    assert_eq!(l.deleted_ancestor.as_deref(), Some(b.id.as_str()));
    assert_eq!(l.nodes[0].from, Some(out(&b, 0, 0)));
    // Its reference image (the deleted run's output) is still on disk: the child uses it.
    let c = e.runs.get(&c.id).unwrap();
    assert_eq!(c.references.len(), 1);
    assert!(e.blobs().get(&c.references[0].sha256).is_ok());
    // A draft made before the deletion can no longer be started as an edit of it.
    let err = UiError::from(e.runs.start(late, false).await.unwrap_err());
    assert!(err.message.contains("not in history"), "{}", err.message);
}

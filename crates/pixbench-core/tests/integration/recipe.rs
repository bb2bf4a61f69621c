//! A recipe in every exported image, through the Engine on the Sandbox: the files written
//! carry it (and still decode to the stored pixels), reading one back gives the request
//! that made it, and a file without one, or with references not in history, says so.

use crate::common::*;
use pixbench_core::api::*;
use pixbench_core::recipe::{container, Recipe, NO_RECIPE};

fn files_in(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    v.sort();
    v
}

fn pixels(bytes: &[u8]) -> Vec<u8> {
    image::load_from_memory(bytes).unwrap().to_rgba8().into_raw()
}

#[tokio::test]
async fn exported_images_carry_their_recipe_and_load_back_as_their_request() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let mut s = spec("a lighthouse at dawn, 雾", &[(FLASH[0], 2), ("gpt-image-2", 1)]);
    s.aspect_ratio = Some("16:9".into());
    s.fields = Some(serde_json::from_value(serde_json::json!({ "quality": "low" })).unwrap());
    let run = e.runs.start(s.clone(), false).await.unwrap();
    let run = e.runs.wait(&run.id).await.unwrap();
    assert_eq!(run.status, RunStatus::Done, "{run:?}");

    let out = tempfile::tempdir().unwrap();
    assert_eq!(e.exports.images(&run.id, out.path()).unwrap(), 3);
    let files = files_in(out.path());
    assert_eq!(files.len(), 3);
    for f in &files {
        let bytes = std::fs::read(f).unwrap();
        let (_, text) = container::extract(&bytes).unwrap();
        let recipe = Recipe::parse(&text.expect("every exported file has a recipe")).unwrap();
        let t = &run.targets[recipe.target_idx as usize];
        let o = t.outputs.iter().find(|o| o.idx == recipe.output_idx).unwrap();
        // The pixels are the delivered ones; the stored blob is still the server's bytes.
        let stored = e.blobs().get(&o.sha256).unwrap();
        assert_eq!(pixels(&bytes), pixels(&stored));
        assert!(container::extract(&stored).unwrap().1.is_none(), "the stored blob is untouched");
        assert_eq!(
            (recipe.prompt.as_str(), recipe.run_id.as_str(), recipe.model_id.as_str(), recipe.n, recipe.credits),
            (s.prompt.as_str(), run.id.as_str(), t.model_id.as_str(), t.n, o.billing.cost.credits)
        );
        assert_eq!(recipe.aspect_ratio.as_deref(), Some("16:9"));
        assert!(recipe.simulated);
        let sent = t.request.as_ref().unwrap().json_body.as_ref().unwrap();
        assert_eq!(recipe.size.as_deref(), sent["size"].as_str());
        assert_eq!(recipe.model, sent["model"].as_str().unwrap());
        if t.model_id == "gpt-image-2" {
            assert_eq!(recipe.fields.get("quality").and_then(|v| v.as_str()), Some("low"));
        } else {
            assert!(recipe.fields.get("quality").is_none(), "Flash is not sent quality: {:?}", recipe.fields);
        }

        // Read back: the request that made it, ready to run as is.
        let load = e.recipes.read(&bytes).unwrap();
        assert!(load.model_known && load.notes.is_empty(), "{:?}", load.notes);
        assert_eq!(load.container, "png");
        assert_eq!(load.request.prompt, s.prompt);
        assert_eq!(load.request.aspect_ratio.as_deref(), Some("16:9"));
        assert_eq!((load.request.targets[0].model_id.as_str(), load.request.targets[0].n), (t.model_id.as_str(), t.n));
        assert!(e.runs.estimate(&load.request).unwrap().problems.is_empty());
        let again = e.runs.start(load.request.clone(), false).await.unwrap();
        let again = e.runs.wait(&again.id).await.unwrap();
        assert_eq!(again.status, RunStatus::Done);
        assert_eq!(again.targets[0].request.as_ref().unwrap().json_body.as_ref().unwrap(), sent, "the same request");
    }
}

#[tokio::test]
async fn an_edit_recipe_names_its_references_and_notes_those_not_in_history() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let reference = e.references.add_bytes("ref.png", png_bytes(64, 48, [200, 30, 30])).unwrap();
    let mut s = spec("make it a watercolour", &[(FLASH[1], 1)]);
    s.images = vec![reference.sha256.clone()];
    let run = e.runs.wait(&e.runs.start(s, false).await.unwrap().id).await.unwrap();
    assert_eq!(run.status, RunStatus::Done);
    let path = e.recipes.export_output(&run.id, 0, 0, None).unwrap();
    assert!(path.starts_with(dir.path().join("exports")), "{}", path.display());
    let bytes = std::fs::read(&path).unwrap();

    let load = e.recipes.read(&bytes).unwrap();
    assert_eq!(load.recipe.mode, RunKind::Edit);
    assert_eq!(load.recipe.references, vec![reference.sha256.clone()]);
    assert_eq!(load.request.images, vec![reference.sha256.clone()]);
    assert_eq!(load.references.len(), 1);
    assert!(load.notes.is_empty(), "{:?}", load.notes);
    // The multipart request's prompt and fields are what the recipe holds.
    assert_eq!(load.recipe.prompt, "make it a watercolour");

    // Another computer's history has no such reference: the recipe says so, the edit waits for one.
    let other_dir = tempfile::tempdir().unwrap();
    let other = engine(other_dir.path()).await;
    let load = other.recipes.read(&bytes).unwrap();
    assert_eq!(load.request.images, vec![reference.sha256.clone()]);
    assert!(load.references.is_empty());
    assert_eq!(load.request.kind(), RunKind::Edit);
    assert_eq!(load.notes, ["1 of the recipe's 1 reference images is not in this history: add it again to edit."]);
    assert!(other
        .runs
        .estimate(&load.request)
        .unwrap()
        .problems
        .iter()
        .any(|p| p.contains("A reference image is missing from the data folder")));
}

#[tokio::test]
async fn a_file_without_a_recipe_is_refused_with_a_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let e = engine(dir.path()).await;
    let err: UiError = e.recipes.read(&png_bytes(8, 8, [1, 2, 3])).unwrap_err().into();
    assert_eq!((err.kind, err.message.as_str()), (ErrorKind::NoRecipe, NO_RECIPE));
    let err: UiError = e.recipes.read(b"%PDF-1.7").unwrap_err().into();
    assert_eq!(err.kind, ErrorKind::NotAnImage);
    let missing: UiError = e.recipes.read_path(&dir.path().join("nope.png")).unwrap_err().into();
    assert_eq!(missing.message, "nope.png could not be read: it is not a readable image file.");
}

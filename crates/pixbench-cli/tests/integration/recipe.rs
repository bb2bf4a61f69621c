//! `pixbench recipe FILE` and `pixbench run --recipe FILE`, the built binary on its own
//! Sandbox, each test in a fresh data dir.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::common::{pixbench, text};
fn only_file(dir: &Path) -> PathBuf {
    let files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

#[test]
fn an_exported_image_prints_its_recipe_and_runs_again() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, save) = (tmp.path().join("data"), tmp.path().join("out"));
    let model = "gemini-3.1-flash-image-preview-512";
    let o = pixbench(
        &data,
        &[
            "--sandbox",
            "-q",
            "run",
            "--prompt",
            "a red fox in snow",
            "--model",
            model,
            "--aspect-ratio",
            "16:9",
            "--save",
            save.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let file = only_file(&save);
    let f = file.to_str().unwrap();

    let o = pixbench(&data, &["recipe", f]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(out.contains("(png recipe, version 1)"), "{out}");
    assert!(out.contains("Prompt        a red fox in snow"), "{out}");
    assert!(out.contains(&format!("Model         {model} (sent as gemini-3.1-flash-image-preview)")), "{out}");
    assert!(out.contains("Aspect ratio  16:9") && out.contains("(Sandbox, not charged)"), "{out}");

    let o = pixbench(&data, &["recipe", f, "--json"]);
    let v: Value = serde_json::from_slice(&o.stdout).expect("JSON on stdout");
    assert_eq!(v["recipe"]["prompt"], "a red fox in snow");
    assert_eq!(v["recipe"]["modelId"], model);
    assert_eq!(v["request"]["aspectRatio"], "16:9");
    assert_eq!(v["modelKnown"], true);
    let first_run = v["recipe"]["runId"].as_str().unwrap().to_string();

    // Again, with the recipe: the same request is sent, as a new run.
    let o = pixbench(&data, &["--sandbox", "--json", "run", "--recipe", f]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = pixbench(&data, &["history", "--json"]);
    let runs: Value = serde_json::from_slice(&o.stdout).unwrap();
    let runs = runs.as_array().unwrap();
    assert_eq!(runs.len(), 2);
    assert_ne!(runs[0]["id"], first_run.as_str());
    assert_eq!(runs[0]["prompt"], "a red fox in snow");
    assert_eq!(runs[0]["models"][0], model);

    // --prompt replaces the recipe's; the model and size stay.
    let o = pixbench(&data, &["--sandbox", "-q", "run", "--recipe", f, "--prompt", "a grey owl"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = pixbench(&data, &["history", "--json", "--limit", "1"]);
    let runs: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!((runs[0]["prompt"].as_str(), runs[0]["models"][0].as_str()), (Some("a grey owl"), Some(model)));
}

#[test]
fn a_file_without_a_recipe_is_exit_2_with_a_sentence() {
    let tmp = tempfile::tempdir().unwrap();
    let data = tmp.path().join("data");
    let plain = tmp.path().join("plain.png");
    image::RgbImage::from_pixel(8, 8, image::Rgb([9, 9, 9])).save(&plain).unwrap();
    let o = pixbench(&data, &["recipe", plain.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(
        text(&o.stderr).trim(),
        format!("pixbench: {} has no Pixbench recipe (only images exported by Pixbench carry one).", plain.display())
    );
    let o = pixbench(&data, &["--sandbox", "run", "--recipe", plain.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    let o = pixbench(&data, &["--sandbox", "run", "--recipe", "x.png", "--model", "gpt-image-2"]);
    assert_eq!(o.status.code(), Some(2), "--recipe and --model conflict");
    let o = pixbench(&data, &["--sandbox", "run"]);
    assert!(text(&o.stderr).contains("Write a prompt first."), "{}", text(&o.stderr));
}

#[test]
fn help_tells_about_recipes() {
    let tmp = tempfile::tempdir().unwrap();
    let o = pixbench(tmp.path(), &["recipe", "--help"]);
    let h = text(&o.stdout);
    assert!(h.contains("pixbench:recipe") && h.contains("APP1 XMP") && h.contains("run --recipe"), "{h}");
    let o = pixbench(tmp.path(), &["run", "--help"]);
    assert!(text(&o.stdout).contains("--recipe <FILE>"));
    let o = pixbench(tmp.path(), &["--help"]);
    assert!(text(&o.stdout).contains("recipe"));
}

#[test]
fn a_recipe_prints_its_prompt_without_terminal_escapes_or_false_fields() {
    let tmp = tempfile::tempdir().unwrap();
    let (data, save) = (tmp.path().join("data"), tmp.path().join("out"));
    // An image from someone else: its prompt sets the terminal's title, then pretends to
    // be another field on a line of its own.
    let prompt = "a fox\u{1b}]0;owned\u{7}\nModel         evil-model";
    let o = pixbench(&data, &["--sandbox", "-q", "run", "--prompt", prompt, "--save", save.to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = pixbench(&data, &["recipe", only_file(&save).to_str().unwrap()]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = text(&o.stdout);
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("a fox\\u{1b}]0;owned\\u{7}"), "{out}");
    let fields: Vec<&str> = out.lines().filter(|l| l.starts_with("  Model")).collect();
    assert_eq!(fields.len(), 1, "one Model field, the real one: {out}");
    assert!(!fields[0].contains("evil-model"), "{out}");
}

//! The app's open workspace against a real engine (its SQLite store and blob store): a
//! request file opened into the composer and saved back as it was, a pasted reference
//! copied in, folder defaults left unbaked, environments recorded with the run's request,
//! names taken in another case refused, and edits from outside reported by the watcher.

use std::path::Path;
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use pixbench_core::api::WorkspaceChange;
use pixbench_core::secrets::MemoryStore;
use pixbench_core::{Engine, EngineConfig};
use pixbench_workspace::Workspaces;

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

fn png(seed: u8) -> Vec<u8> {
    let img = image::RgbImage::from_fn(16, 16, |x, y| image::Rgb([seed, x as u8 * 8, y as u8 * 8]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn engine(dir: &Path) -> Engine {
    Engine::open(EngineConfig::new(dir, Arc::new(MemoryStore::default()))).await.expect("engine opens")
}

fn quiet() -> (Workspaces, mpsc::Receiver<WorkspaceChange>) {
    let (tx, rx) = mpsc::channel();
    let tx = Mutex::new(tx);
    (Workspaces::new(Arc::new(move |c| drop(tx.lock().unwrap().send(c)))), rx)
}

const HERO: &str = r#"# The hero shot.
name = "Hero"
prompt = "a {{style}} lighthouse for {{brand}}"
targets = [
  "gemini-3.1-flash-image-preview",
] # one for now
aspect_ratio = "16:9"
images = ["refs/logo.png"]

[vars]
style = ["watercolor", "photo"]
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_request_opens_and_saves_back_byte_for_byte_and_a_change_is_one_line() {
    let data = tempfile::tempdir().unwrap();
    let e = engine(data.path()).await;
    let ws = tempfile::tempdir().unwrap();
    write(ws.path(), "shots/hero.toml", HERO);
    std::fs::create_dir_all(ws.path().join("shots/refs")).unwrap();
    std::fs::write(ws.path().join("shots/refs/logo.png"), png(1)).unwrap();
    let (w, _rx) = quiet();
    let view = w.open(ws.path(), None).unwrap();
    assert_eq!(view.entries.iter().map(|e| e.path.as_str()).collect::<Vec<_>>(), ["shots", "shots/hero.toml"]);

    let opened = w.load("shots/hero.toml", &e.catalog.get(), &e.references).unwrap();
    assert_eq!(opened.title, "Hero");
    let mut request = opened.draft.request;
    assert_eq!(request.prompt, "a {{style}} lighthouse for {{brand}}", "variables stay unfilled in the composer");
    assert_eq!(request.vars.len(), 1);
    assert_eq!(request.images.len(), 1);
    assert_eq!(opened.draft.references[0].name, "logo.png");

    // The composer lists every variable of the prompt, one with no value yet too: it is not written.
    request.vars.push(pixbench_core::api::SweepVariable { name: "brand".into(), values: vec![] });
    w.save("shots/hero.toml", &request, false, &e.references).unwrap();
    assert_eq!(std::fs::read_to_string(ws.path().join("shots/hero.toml")).unwrap(), HERO);

    request.prompt = "a {{style}} lighthouse at dusk for {{brand}}".into();
    w.save("shots/hero.toml", &request, false, &e.references).unwrap();
    let after = std::fs::read_to_string(ws.path().join("shots/hero.toml")).unwrap();
    let diff: Vec<_> = HERO.lines().zip(after.lines()).filter(|(a, b)| a != b).collect();
    assert_eq!(diff.len(), 1, "{after}");
    assert_eq!(HERO.lines().count(), after.lines().count());
    assert!(!ws.path().join("shots/refs/2-logo.png").exists(), "the file's own image is not copied again");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_pasted_reference_is_copied_in_and_folder_defaults_are_not_baked_in() {
    let data = tempfile::tempdir().unwrap();
    let e = engine(data.path()).await;
    let ws = tempfile::tempdir().unwrap();
    write(
        ws.path(),
        "banners/defaults.toml",
        "targets = [\"gemini-3.1-flash-image-preview-2k\"]\naspect_ratio = \"3:2\"\n",
    );
    write(ws.path(), "banners/sale.toml", "prompt = \"a sale banner\"\n");
    let (w, _rx) = quiet();
    w.open(ws.path(), None).unwrap();
    let opened = w.load("banners/sale.toml", &e.catalog.get(), &e.references).unwrap();
    let mut request = opened.draft.request;
    assert_eq!(
        request.targets[0].model_id, "gemini-3.1-flash-image-preview-2k",
        "the folder's targets fill the composer"
    );

    let pasted = e.references.add_bytes("pasted image.png", png(7)).unwrap();
    request.images = vec![pasted.sha256.clone()];
    w.save("banners/sale.toml", &request, false, &e.references).unwrap();
    let text = std::fs::read_to_string(ws.path().join("banners/sale.toml")).unwrap();
    assert_eq!(text, "prompt = \"a sale banner\"\nimages = [\"refs/pasted image.png\"]\n", "{text}");
    assert_eq!(
        std::fs::read(ws.path().join("banners/refs/pasted image.png")).unwrap(),
        e.references.bytes(&pasted.sha256).unwrap()
    );

    // A new file: refused over an existing one, in any case.
    let err = w.save("banners/SALE.toml", &request, true, &e.references).unwrap_err();
    assert!(err.reason.contains("is taken"), "{err}");
    let err = w.save("banners/defaults.toml", &request, true, &e.references).unwrap_err();
    assert!(err.reason.contains("workspace's own files"), "{err}");
    let err = w.save("../escape.toml", &request, true, &e.references).unwrap_err();
    assert!(err.reason.contains("not a path inside"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_active_environment_fills_variables_first_and_is_recorded() {
    let data = tempfile::tempdir().unwrap();
    let e = engine(data.path()).await;
    let ws = tempfile::tempdir().unwrap();
    write(ws.path(), "hero.toml", "prompt = \"{{brand}} in {{style}}\"\ntargets = [\"gemini-3.1-flash-image-preview-2k\"]\n[vars]\nbrand = [\"Plain\"]\nstyle = [\"ink\", \"oil\"]\n");
    write(ws.path(), "environments/acme.toml", "[vars]\nbrand = \"Acme\"\n");
    let (w, _rx) = quiet();
    let view = w.open(ws.path(), Some("nope".into())).unwrap();
    assert_eq!(view.environments, ["acme"]);
    assert_eq!(view.environment, None, "an environment the workspace does not have is not kept");
    let mut request = w.load("hero.toml", &e.catalog.get(), &e.references).unwrap().draft.request;

    w.fill(&mut request).unwrap();
    assert_eq!(request.environment, None, "no environment, nothing recorded");
    assert!(w.select_environment(Some("prod".into())).is_err());
    w.select_environment(Some("acme".into())).unwrap();
    w.fill(&mut request).unwrap();
    let brand = request.vars.iter().find(|v| v.name == "brand").unwrap();
    assert_eq!(brand.values, ["Acme"], "the environment's value comes before the file's");
    let recorded = request.environment.clone().unwrap();
    assert_eq!((recorded.name.as_str(), recorded.values.len()), ("acme", 1));
    assert_eq!(e.runs.estimate(&request).unwrap().count, 2, "style still multiplies");

    // Broken after it was chosen: the view says so and a run is refused with the place.
    write(ws.path(), "environments/acme.toml", "[vars]\nbrand = 3\n");
    assert!(w.view().unwrap().environment_error.is_some());
    assert!(w.fill(&mut request).unwrap_err().to_string().contains("acme.toml"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rename_duplicate_and_delete_keep_inside_the_workspace() {
    let ws = tempfile::tempdir().unwrap();
    write(ws.path(), "a.toml", "prompt = \"x\"\n");
    write(ws.path(), "b.toml", "prompt = \"y\"\n");
    let (w, _rx) = quiet();
    w.open(ws.path(), None).unwrap();
    assert!(w.rename("a.toml", "B.toml").unwrap_err().reason.contains("is taken"));
    w.rename("a.toml", "A.toml").expect("a change of case alone is a rename");
    w.rename("A.toml", "folder/moved.toml").unwrap();
    assert!(ws.path().join("folder/moved.toml").is_file());
    assert!(w.rename("folder", "folder/inner").unwrap_err().reason.contains("into itself"));
    assert_eq!(w.duplicate("b.toml").unwrap(), "b copy.toml");
    assert_eq!(w.duplicate("b.toml").unwrap(), "b copy 2.toml");
    assert!(w.rename("b.toml", "pixbench.toml").is_err(), "the workspace's own file is not a request");
    let view = w.delete("b copy.toml").unwrap();
    assert!(!ws.path().join("b copy.toml").exists());
    assert!(!view.entries.iter().any(|e| e.path == "b copy.toml"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_outside_the_app_is_reported_and_the_apps_own_save_is_not() {
    let data = tempfile::tempdir().unwrap();
    let e = engine(data.path()).await;
    let ws = tempfile::tempdir().unwrap();
    write(ws.path(), "mine.toml", "prompt = \"mine\"\ntargets = [\"gemini-3.1-flash-image-preview-2k\"]\n");
    let (w, rx) = quiet();
    w.open(ws.path(), None).unwrap();
    let mut request = w.load("mine.toml", &e.catalog.get(), &e.references).unwrap().draft.request;
    request.prompt = "mine, changed".into();
    w.save("mine.toml", &request, false, &e.references).unwrap();
    write(ws.path(), "theirs.toml", "prompt = \"from git\"\n");
    // The first report after both writes names only the outside one.
    let change = rx.recv_timeout(Duration::from_secs(20)).expect("the watcher reports the outside edit");
    let mut seen = change.changed.clone();
    while let Ok(more) = rx.recv_timeout(Duration::from_millis(600)) {
        seen.extend(more.changed);
    }
    assert!(seen.contains(&"theirs.toml".to_string()), "{seen:?}");
    assert!(!seen.contains(&"mine.toml".to_string()), "the app's own save came back: {seen:?}");
    assert!(change.view.entries.iter().any(|e| e.path == "theirs.toml") || seen.len() > 1);
}

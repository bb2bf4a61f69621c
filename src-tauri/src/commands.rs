//! Tauri commands: each one a few lines that call the engine. Errors reach the UI as
//! `UiError` (a sentence plus details). Generic over the runtime so the mock runtime can
//! drive them in tests.

use std::path::PathBuf;

use pixbench_core::api::*;
use pixbench_core::lineage::{Lineage, OutputRef};
use pixbench_core::Engine;
use tauri::{AppHandle, Runtime, State};
use tauri_plugin_dialog::DialogExt;

pub struct AppState {
    pub engine: Engine,
}

type Res<T> = Result<T, UiError>;

fn ok<T>(r: pixbench_core::CoreResult<T>) -> Res<T> {
    r.map_err(UiError::from)
}

#[tauri::command]
fn app_info(s: State<'_, AppState>) -> AppInfo {
    static REPORTED: std::sync::Once = std::sync::Once::new();
    REPORTED.call_once(|| {
        if let (Some(t0), true) = (crate::STARTED.get(), std::env::var_os("PIXBENCH_STARTUP_PROBE").is_some()) {
            eprintln!("pixbench-startup: ui-ready-ms={:.1}", t0.elapsed().as_secs_f64() * 1000.0);
        }
    });
    s.engine.app_info()
}

#[tauri::command]
fn catalog(s: State<'_, AppState>) -> CatalogView {
    s.engine.catalog_view()
}

#[tauri::command]
fn profiles_list(s: State<'_, AppState>) -> Res<Vec<ProfileView>> {
    ok(s.engine.profiles_list())
}

#[tauri::command]
fn profile_select(s: State<'_, AppState>, id: String) -> Res<ProfileView> {
    ok(s.engine.profile_select(&id))
}

#[tauri::command]
fn profile_save(s: State<'_, AppState>, input: ProfileInput) -> Res<ProfileView> {
    ok(s.engine.profile_save(input))
}

#[tauri::command]
fn profile_delete(s: State<'_, AppState>, id: String) -> Res<()> {
    ok(s.engine.profile_delete(&id))
}

#[tauri::command]
fn profile_set_key(s: State<'_, AppState>, id: String, key: String) -> Res<ProfileView> {
    ok(s.engine.profile_set_key(&id, &key))
}

#[tauri::command]
fn profile_remove_key(s: State<'_, AppState>, id: String) -> Res<ProfileView> {
    ok(s.engine.profile_remove_key(&id))
}

#[tauri::command]
async fn profile_test(s: State<'_, AppState>, id: String) -> Res<KeyTestResult> {
    ok(s.engine.profile_test(&id).await)
}

#[tauri::command]
fn estimate(s: State<'_, AppState>, spec: RunSpec) -> Res<Estimate> {
    ok(s.engine.estimate(&spec))
}

#[tauri::command]
fn sweep_expand(s: State<'_, AppState>, spec: pixbench_core::sweep::SweepSpec) -> Res<pixbench_core::sweep::SweepPlan> {
    ok(s.engine.sweep_expand(&spec))
}

#[tauri::command]
async fn run_start(s: State<'_, AppState>, spec: RunSpec) -> Res<RunView> {
    ok(s.engine.run_start(spec).await)
}

#[tauri::command]
fn run_cancel(s: State<'_, AppState>, run_id: String) {
    s.engine.run_cancel(&run_id)
}

#[tauri::command]
fn run_cancel_target(s: State<'_, AppState>, run_id: String, target_idx: u32) {
    s.engine.run_cancel_target(&run_id, target_idx)
}

#[tauri::command]
fn run_get(s: State<'_, AppState>, run_id: String) -> Res<RunView> {
    ok(s.engine.run_get(&run_id))
}

#[tauri::command]
fn run_delete(s: State<'_, AppState>, run_id: String) -> Res<()> {
    ok(s.engine.run_delete(&run_id))
}

/// "Edit from this": the output registered as a reference and the draft for the composer.
#[tauri::command]
async fn run_iterate_from(s: State<'_, AppState>, from: OutputRef) -> Res<RunDraft> {
    let engine = s.engine.clone();
    // Registering the output decodes it (and may downscale it): off the IPC thread.
    tauri::async_runtime::spawn_blocking(move || ok(engine.iterate_from(&from)))
        .await
        .map_err(|e| UiError::new(ErrorKind::Internal, e.to_string()))?
}

#[tauri::command]
fn run_lineage(s: State<'_, AppState>, run_id: String) -> Res<Lineage> {
    ok(s.engine.lineage(&run_id))
}

#[tauri::command]
fn history_list(s: State<'_, AppState>, filter: HistoryFilter) -> Res<Vec<RunSummary>> {
    ok(s.engine.history_list(&filter))
}

#[tauri::command]
async fn references_add_paths(
    s: State<'_, AppState>,
    granted: State<'_, crate::GrantedPaths>,
    paths: Vec<PathBuf>,
) -> Res<Vec<ReferenceView>> {
    granted.check_all(paths.iter().map(|p| p.as_path()))?;
    let engine = s.engine.clone();
    // Decoding and downscaling large files is CPU work: off the IPC thread.
    tauri::async_runtime::spawn_blocking(move || ok(engine.references_add_paths(&paths)))
        .await
        .map_err(|e| UiError::new(ErrorKind::Internal, e.to_string()))?
}

#[tauri::command]
async fn reference_add_bytes(s: State<'_, AppState>, name: String, bytes: Vec<u8>) -> Res<ReferenceView> {
    let engine = s.engine.clone();
    tauri::async_runtime::spawn_blocking(move || ok(engine.reference_add_bytes(&name, bytes)))
        .await
        .map_err(|e| UiError::new(ErrorKind::Internal, e.to_string()))?
}

#[tauri::command]
async fn references_pick<R: Runtime>(app: AppHandle<R>, s: State<'_, AppState>) -> Res<Vec<ReferenceView>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Add reference images")
        .add_filter("Images", &["png", "jpg", "jpeg", "webp", "heic", "heif"])
        .pick_files(move |files| {
            let _ = tx.send(files);
        });
    let files = rx.await.ok().flatten().unwrap_or_default();
    let paths: Vec<PathBuf> = files.into_iter().filter_map(|f| f.into_path().ok()).collect();
    if paths.is_empty() {
        return Ok(vec![]);
    }
    let engine = s.engine.clone();
    tauri::async_runtime::spawn_blocking(move || ok(engine.references_add_paths(&paths)))
        .await
        .map_err(|e| UiError::new(ErrorKind::Internal, e.to_string()))?
}

/// The recipe of pasted image bytes; refused with a sentence when it has none.
#[tauri::command]
async fn recipe_read_bytes(s: State<'_, AppState>, bytes: Vec<u8>) -> Res<pixbench_core::recipe::RecipeLoad> {
    let engine = s.engine.clone();
    tauri::async_runtime::spawn_blocking(move || ok(engine.recipe_read(&bytes)))
        .await
        .map_err(|e| UiError::new(ErrorKind::Internal, e.to_string()))?
}

/// The recipe of a dropped file, if it carries one (none for any other file, which the
/// composer then adds as a reference). Read bounded, as references are.
#[tauri::command]
async fn recipe_probe_path(
    s: State<'_, AppState>,
    granted: State<'_, crate::GrantedPaths>,
    path: PathBuf,
) -> Res<Option<pixbench_core::recipe::RecipeLoad>> {
    granted.check(&path)?;
    let engine = s.engine.clone();
    tauri::async_runtime::spawn_blocking(move || match engine.recipe_read_path(&path) {
        Ok(load) => Ok(Some(load)),
        Err(e) => {
            let u = UiError::from(e);
            // A damaged recipe is worth a sentence; any other file is just not a recipe.
            if u.kind == ErrorKind::Invalid {
                Err(u)
            } else {
                Ok(None)
            }
        }
    })
    .await
    .map_err(|e| UiError::new(ErrorKind::Internal, e.to_string()))?
}

/// Asks for an image (native dialog) and answers its recipe; none if dismissed.
#[tauri::command]
async fn recipe_pick<R: Runtime>(
    app: AppHandle<R>,
    s: State<'_, AppState>,
) -> Res<Option<pixbench_core::recipe::RecipeLoad>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog()
        .file()
        .set_title("Open an image's recipe")
        .add_filter("Images exported by Pixbench", &["png", "jpg", "jpeg", "webp"])
        .pick_file(move |file| {
            let _ = tx.send(file);
        });
    let Some(path) = rx.await.ok().flatten().and_then(|f| f.into_path().ok()) else {
        return Ok(None);
    };
    let engine = s.engine.clone();
    tauri::async_runtime::spawn_blocking(move || ok(engine.recipe_read_path(&path)).map(Some))
        .await
        .map_err(|e| UiError::new(ErrorKind::Internal, e.to_string()))?
}

/// Saves one output, with its recipe, into the data dir's exports folder; answers the path.
#[tauri::command]
async fn export_output(s: State<'_, AppState>, run_id: String, target_idx: u32, output_idx: u32) -> Res<String> {
    let engine = s.engine.clone();
    tauri::async_runtime::spawn_blocking(move || ok(engine.export_output(&run_id, target_idx, output_idx, None)))
        .await
        .map_err(|e| UiError::new(ErrorKind::Internal, e.to_string()))?
        .map(|p| p.display().to_string())
}

#[tauri::command]
fn output_rate(
    s: State<'_, AppState>,
    run_id: String,
    target_idx: u32,
    output_idx: u32,
    rating: Option<u8>,
    note: Option<String>,
) -> Res<()> {
    ok(s.engine.output_rate(&run_id, target_idx, output_idx, rating, note))
}

#[tauri::command]
fn export_curl(s: State<'_, AppState>, run_id: String, target_idx: u32) -> Res<String> {
    ok(s.engine.export_curl(&run_id, target_idx))
}

#[tauri::command]
async fn export_contact_sheet(s: State<'_, AppState>, run_id: String) -> Res<String> {
    let engine = s.engine.clone();
    tauri::async_runtime::spawn_blocking(move || ok(engine.export_contact_sheet(&run_id, None)))
        .await
        .map_err(|e| UiError::new(ErrorKind::Internal, e.to_string()))?
        .map(|p| p.display().to_string())
}

#[tauri::command]
async fn export_images<R: Runtime>(app: AppHandle<R>, s: State<'_, AppState>, run_id: String) -> Res<Option<String>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().set_title("Save all images into…").pick_folder(move |dir| {
        let _ = tx.send(dir);
    });
    let Some(dir) = rx.await.ok().flatten().and_then(|d| d.into_path().ok()) else {
        return Ok(None);
    };
    let engine = s.engine.clone();
    let shown = dir.display().to_string();
    tauri::async_runtime::spawn_blocking(move || ok(engine.export_images(&run_id, &dir)))
        .await
        .map_err(|e| UiError::new(ErrorKind::Internal, e.to_string()))?
        .map(|n| Some(format!("{n} images saved in {shown}")))
}

#[tauri::command]
fn settings_get(s: State<'_, AppState>) -> Res<Settings> {
    ok(s.engine.settings_get())
}

#[tauri::command]
fn settings_set(s: State<'_, AppState>, settings: Settings) -> Res<Settings> {
    ok(s.engine.settings_set(settings))
}

#[tauri::command]
fn session_current(s: State<'_, AppState>) -> Res<SessionView> {
    ok(s.engine.session_current())
}

#[tauri::command]
fn session_new(s: State<'_, AppState>, name: String) -> Res<SessionView> {
    ok(s.engine.session_new(&name))
}

#[tauri::command]
fn session_set_budget(s: State<'_, AppState>, credits: Option<i64>) -> Res<SessionView> {
    ok(s.engine.session_set_budget(credits))
}

#[tauri::command]
fn session_export(s: State<'_, AppState>, format: ExportFormat) -> Res<String> {
    ok(s.engine.session_export(format, None)).map(|p| p.display().to_string())
}

#[tauri::command]
fn bench_preflight(
    s: State<'_, AppState>,
    granted: State<'_, crate::GrantedPaths>,
    input: BenchInput,
) -> Res<pixbench_core::bench::Preflight> {
    check_bench_images(&granted, &input)?;
    ok(s.engine.bench_preflight(&input))
}

#[tauri::command]
async fn bench_start(
    s: State<'_, AppState>,
    granted: State<'_, crate::GrantedPaths>,
    input: BenchInput,
) -> Res<BenchSummary> {
    check_bench_images(&granted, &input)?;
    ok(s.engine.bench_start(input).await)
}

/// A benchmark's input images are files: only those the user handed over natively.
fn check_bench_images(granted: &crate::GrantedPaths, input: &BenchInput) -> Res<()> {
    granted.check_all(input.prompts.iter().flat_map(|p| p.images.iter()).map(std::path::Path::new))
}

#[tauri::command]
fn bench_cancel(s: State<'_, AppState>, id: String) {
    s.engine.bench_cancel(&id)
}

#[tauri::command]
fn bench_list(s: State<'_, AppState>) -> Res<Vec<BenchSummary>> {
    ok(s.engine.bench_list())
}

#[tauri::command]
async fn bench_get(s: State<'_, AppState>, id: String) -> Res<BenchView> {
    // A report of thousands of requests is parsed off the IPC thread.
    let engine = s.engine.clone();
    tauri::async_runtime::spawn_blocking(move || ok(engine.bench_get(&id)))
        .await
        .map_err(|e| UiError::new(ErrorKind::Internal, e.to_string()))?
}

#[tauri::command]
fn bench_export(s: State<'_, AppState>, id: String, format: ExportFormat) -> Res<String> {
    ok(s.engine.bench_export(&id, format, None)).map(|p| p.display().to_string())
}

#[tauri::command]
fn bench_delete(s: State<'_, AppState>, id: String) -> Res<()> {
    ok(s.engine.bench_delete(&id))
}

/// Asks for a prompts file (native dialog): `.txt` one prompt a line, or `.csv` with
/// `prompt,images`. Answers its prompts (empty if dismissed).
#[tauri::command]
async fn bench_prompts_pick<R: Runtime>(
    app: AppHandle<R>,
    granted: State<'_, crate::GrantedPaths>,
) -> Res<Vec<BenchPromptInput>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().set_title("Load prompts").add_filter("Prompts", &["txt", "csv"]).pick_file(move |file| {
        let _ = tx.send(file);
    });
    let Some(path) = rx.await.ok().flatten().and_then(|f| f.into_path().ok()) else {
        return Ok(vec![]);
    };
    pixbench_core::bench::read_prompts_file(&path)
        .map(|ps| {
            // The images a chosen prompts file names are the user's choice too.
            granted.grant(ps.iter().flat_map(|p| p.images.iter()));
            ps.into_iter()
                .map(|p| BenchPromptInput {
                    text: p.text,
                    images: p.images.iter().map(|i| i.display().to_string()).collect(),
                })
                .collect()
        })
        .map_err(|e| UiError::new(ErrorKind::Invalid, format!("The prompts file could not be used: {e}.")))
}

/// Asks for a matrix file (native dialog; the TOML `pixbench bench` takes) and answers it
/// as the benchmark form's input (none if dismissed).
#[tauri::command]
async fn bench_matrix_pick<R: Runtime>(
    app: AppHandle<R>,
    s: State<'_, AppState>,
    s_granted: State<'_, crate::GrantedPaths>,
) -> Res<Option<BenchInput>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    app.dialog().file().set_title("Open a benchmark matrix").add_filter("Matrix (TOML)", &["toml"]).pick_file(
        move |file| {
            let _ = tx.send(file);
        },
    );
    let Some(path) = rx.await.ok().flatten().and_then(|f| f.into_path().ok()) else {
        return Ok(None);
    };
    let input = ok(s.engine.bench_input_from_matrix(&path))?;
    // The images a chosen matrix file names are the user's choice too.
    s_granted.grant(input.prompts.iter().flat_map(|p| p.images.iter()));
    Ok(Some(input))
}

/// The next blind A/B pair: the current session's outputs, or with `all` every output.
#[tauri::command]
fn blind_next(s: State<'_, AppState>, all: Option<bool>) -> Res<pixbench_core::votes::BlindNext> {
    ok(s.engine.blind_next(all.unwrap_or(false).then_some(pixbench_core::votes::VoteScope::All)))
}

#[tauri::command]
fn blind_vote(
    s: State<'_, AppState>,
    token: String,
    choice: pixbench_core::votes::BlindChoice,
) -> Res<pixbench_core::votes::BlindReveal> {
    ok(s.engine.blind_vote(&token, choice))
}

/// The leaderboard of a session's votes (default: the current one), or with `all` of every vote.
#[tauri::command]
fn leaderboard(
    s: State<'_, AppState>,
    session_id: Option<String>,
    all: Option<bool>,
) -> Res<pixbench_core::votes::Leaderboard> {
    use pixbench_core::votes::VoteScope;
    let scope = match (all.unwrap_or(false), session_id) {
        (true, _) => VoteScope::All,
        (false, Some(id)) => VoteScope::Session(id),
        (false, None) => VoteScope::Session(s.engine.session_id()),
    };
    ok(s.engine.leaderboard(&scope))
}

/// Metrics of two stored images (computed off the IPC thread once, then cached).
#[tauri::command]
async fn metrics_pair(
    s: State<'_, AppState>,
    sha_a: String,
    sha_b: String,
) -> Res<pixbench_core::metrics::PairMetricsView> {
    ok(s.engine.metrics_pair(&sha_a, &sha_b).await)
}

/// "Was the resolution worth it" for a run of one model's variants.
#[tauri::command]
async fn metrics_worth(s: State<'_, AppState>, run_id: String) -> Res<pixbench_core::metrics::worth::WorthReport> {
    ok(s.engine.metrics_worth(&run_id).await)
}

pub fn handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
    tauri::generate_handler![
        app_info,
        catalog,
        profiles_list,
        profile_select,
        profile_save,
        profile_delete,
        profile_set_key,
        profile_remove_key,
        profile_test,
        estimate,
        sweep_expand,
        run_start,
        run_cancel,
        run_cancel_target,
        run_get,
        run_delete,
        run_iterate_from,
        run_lineage,
        history_list,
        references_add_paths,
        reference_add_bytes,
        references_pick,
        recipe_read_bytes,
        recipe_probe_path,
        recipe_pick,
        export_output,
        output_rate,
        export_curl,
        export_contact_sheet,
        export_images,
        settings_get,
        settings_set,
        session_current,
        session_new,
        session_set_budget,
        session_export,
        bench_preflight,
        bench_start,
        bench_cancel,
        bench_list,
        bench_get,
        bench_export,
        bench_delete,
        bench_prompts_pick,
        bench_matrix_pick,
        blind_next,
        blind_vote,
        leaderboard,
        metrics_pair,
        metrics_worth,
    ]
}

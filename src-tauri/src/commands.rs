//! The bodies of the Tauri commands: each a few lines that call a service of the engine.
//! The commands themselves (name, arguments, result) are declared once in
//! `pixbench_core::with_commands!`; from that list this module generates the handlers Tauri
//! registers (`generated`), each of which hands the body a [`Ctx`] and the arguments as
//! declared, so a body whose signature drifts from its declaration does not compile.
//! Errors reach the UI as `UiError` (a sentence plus details). Generic over the runtime so
//! the mock runtime can drive them in tests.

use std::path::PathBuf;
use std::sync::Arc;

use pixbench_core::api::*;
use pixbench_core::runs::StartOptions;
use pixbench_core::Engine;
use pixbench_workspace::{FileError, Workspaces};
use tauri::{AppHandle, Manager, Runtime, State};
use tauri_plugin_dialog::DialogExt;

use crate::{GrantedPaths, WrittenFiles};

pub struct AppState {
    pub engine: Engine,
    pub workspaces: Arc<Workspaces>,
}

type Res<T> = Result<T, UiError>;

fn ok<T>(r: pixbench_core::CoreResult<T>) -> Res<T> {
    r.map_err(UiError::from)
}

/// What a command body is given: the app (dialogs, state) and its engine.
pub struct Ctx<R: Runtime> {
    pub app: AppHandle<R>,
    pub engine: Engine,
    pub workspaces: Arc<Workspaces>,
}

impl<R: Runtime> Ctx<R> {
    fn of(app: AppHandle<R>) -> Res<Ctx<R>> {
        let (engine, workspaces) = app
            .try_state::<AppState>()
            .map(|s| (s.engine.clone(), s.workspaces.clone()))
            .ok_or_else(|| UiError::new(ErrorKind::Internal, "Pixbench's engine is not open; restart the app."))?;
        Ok(Ctx { app, engine, workspaces })
    }

    /// Answers a path the app wrote to the UI, and remembers it for "Show in folder".
    fn wrote(&self, path: PathBuf) -> String {
        self.app.state::<WrittenFiles>().wrote(&path);
        path.display().to_string()
    }

    /// The files the user handed over natively (see `granted`).
    fn granted(&self) -> State<'_, GrantedPaths> {
        self.app.state::<GrantedPaths>()
    }
}

/// Runs CPU or disk work (decoding, downscaling, parsing a big report) off the IPC thread.
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> Res<T> + Send + 'static) -> Res<T> {
    tauri::async_runtime::spawn_blocking(f).await.map_err(|e| UiError::new(ErrorKind::Internal, e.to_string()))?
}

/// The handlers Tauri registers, one per declared command: each builds the [`Ctx`] and
/// calls the body of the same name with the declared arguments.
macro_rules! tauri_commands {
    ($( $(#[doc = $doc:literal])* $name:ident ( $($arg:ident : $ty:ty),* $(,)? ) -> $ret:ty ; )*) => {
        pub mod generated {
            use super::*;
            $(
                $(#[doc = $doc])*
                #[tauri::command]
                pub async fn $name<R: Runtime>(app: AppHandle<R>, $($arg: $ty),*) -> Res<$ret> {
                    let cx = Ctx::of(app)?;
                    super::$name(&cx, $($arg),*).await
                }
            )*
        }

        pub fn handler<R: Runtime>() -> impl Fn(tauri::ipc::Invoke<R>) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$(generated::$name),*]
        }
    };
}
pixbench_core::with_commands!(tauri_commands);

// ---------------- app and catalog ----------------

async fn app_info<R: Runtime>(cx: &Ctx<R>) -> Res<AppInfo> {
    static REPORTED: std::sync::Once = std::sync::Once::new();
    REPORTED.call_once(|| {
        if let (Some(t0), true) = (crate::STARTED.get(), std::env::var_os("PIXBENCH_STARTUP_PROBE").is_some()) {
            eprintln!("pixbench-startup: ui-ready-ms={:.1}", t0.elapsed().as_secs_f64() * 1000.0);
        }
    });
    Ok(cx.engine.app_info())
}

async fn catalog<R: Runtime>(cx: &Ctx<R>) -> Res<CatalogView> {
    Ok(cx.engine.catalog.current().view())
}

async fn gateway_presets<R: Runtime>(_cx: &Ctx<R>) -> Res<Vec<GatewayPreset>> {
    Ok(pixbench_core::presets::all())
}

async fn models_list<R: Runtime>(cx: &Ctx<R>) -> Res<ServerModels> {
    ok(cx.engine.server_models.get())
}

async fn models_refresh<R: Runtime>(cx: &Ctx<R>) -> Res<ServerModels> {
    ok(cx.engine.server_models.refresh().await)
}

// ---------------- profiles ----------------

async fn profiles_list<R: Runtime>(cx: &Ctx<R>) -> Res<Vec<ProfileView>> {
    ok(cx.engine.profiles.list())
}

async fn profile_select<R: Runtime>(cx: &Ctx<R>, id: String) -> Res<ProfileView> {
    ok(cx.engine.select_profile(&id))
}

async fn profile_save<R: Runtime>(cx: &Ctx<R>, input: ProfileInput) -> Res<ProfileView> {
    ok(cx.engine.profiles.save(input))
}

async fn profile_delete<R: Runtime>(cx: &Ctx<R>, id: String) -> Res<()> {
    ok(cx.engine.profiles.delete(&id))
}

async fn profile_set_key<R: Runtime>(cx: &Ctx<R>, id: String, key: String) -> Res<ProfileView> {
    ok(cx.engine.profiles.set_key(&id, &key))
}

async fn profile_remove_key<R: Runtime>(cx: &Ctx<R>, id: String) -> Res<ProfileView> {
    ok(cx.engine.profiles.remove_key(&id))
}

async fn profile_test<R: Runtime>(cx: &Ctx<R>, id: String) -> Res<KeyTestResult> {
    ok(cx.engine.profiles.test(&id).await)
}

// ---------------- runs ----------------

async fn estimate<R: Runtime>(cx: &Ctx<R>, mut request: Request) -> Res<Estimate> {
    cx.workspaces.fill(&mut request).map_err(|e| file_error(cx.workspaces.shown(e)))?;
    ok(cx.engine.runs.estimate(&request))
}

async fn run_start<R: Runtime>(cx: &Ctx<R>, mut request: Request, allow_over_budget: bool) -> Res<RunStart> {
    // The active environment's values go in first, and the run records them.
    cx.workspaces.fill(&mut request).map_err(|e| file_error(cx.workspaces.shown(e)))?;
    ok(cx.engine.runs.try_start(request, StartOptions { allow_over_budget, bench_id: None }).await)
}

async fn run_cancel<R: Runtime>(cx: &Ctx<R>, run_id: String) -> Res<()> {
    cx.engine.runs.cancel(&run_id);
    Ok(())
}

async fn run_cancel_target<R: Runtime>(cx: &Ctx<R>, run_id: String, target_idx: u32) -> Res<()> {
    cx.engine.runs.cancel_target(&run_id, target_idx);
    Ok(())
}

async fn run_recheck<R: Runtime>(cx: &Ctx<R>, run_id: String) -> Res<()> {
    ok(cx.engine.runs.recheck(&run_id))
}

async fn run_give_up<R: Runtime>(cx: &Ctx<R>, run_id: String, target_idx: u32) -> Res<()> {
    ok(cx.engine.runs.give_up(&run_id, target_idx))
}

async fn runs_resumed<R: Runtime>(cx: &Ctx<R>) -> Res<Vec<ResumedRun>> {
    Ok(cx.engine.runs.resumed())
}

async fn run_get<R: Runtime>(cx: &Ctx<R>, run_id: String) -> Res<RunView> {
    ok(cx.engine.runs.get(&run_id))
}

async fn run_delete<R: Runtime>(cx: &Ctx<R>, run_id: String) -> Res<()> {
    ok(cx.engine.runs.delete(&run_id))
}

/// "Edit from this": the output registered as a reference and the draft for the composer.
async fn run_iterate_from<R: Runtime>(cx: &Ctx<R>, from: OutputRef) -> Res<RunDraft> {
    let engine = cx.engine.clone();
    // Registering the output decodes it (and may downscale it).
    blocking(move || ok(engine.lineages.iterate_from(&from))).await
}

async fn run_lineage<R: Runtime>(cx: &Ctx<R>, run_id: String) -> Res<Lineage> {
    ok(cx.engine.lineages.walk(&run_id))
}

async fn history_list<R: Runtime>(cx: &Ctx<R>, filter: HistoryFilter) -> Res<Vec<RunSummary>> {
    ok(cx.engine.runs.history(&filter))
}

// ---------------- references and recipes ----------------

async fn references_add_paths<R: Runtime>(cx: &Ctx<R>, paths: Vec<PathBuf>) -> Res<Vec<ReferenceView>> {
    cx.granted().check_all(paths.iter().map(|p| p.as_path()))?;
    let engine = cx.engine.clone();
    blocking(move || ok(engine.references.add_paths(&paths))).await
}

async fn reference_add_bytes<R: Runtime>(cx: &Ctx<R>, name: String, bytes: Vec<u8>) -> Res<ReferenceView> {
    let engine = cx.engine.clone();
    blocking(move || ok(engine.references.add_bytes(&name, bytes))).await
}

async fn references_pick<R: Runtime>(cx: &Ctx<R>) -> Res<Vec<ReferenceView>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    cx.app
        .dialog()
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
    let engine = cx.engine.clone();
    blocking(move || ok(engine.references.add_paths(&paths))).await
}

/// The recipe of pasted image bytes; refused with a sentence when it has none.
async fn recipe_read_bytes<R: Runtime>(cx: &Ctx<R>, bytes: Vec<u8>) -> Res<RecipeLoad> {
    let engine = cx.engine.clone();
    blocking(move || ok(engine.recipes.read(&bytes))).await
}

/// The recipe of a dropped file, if it carries one (none for any other file, which the
/// composer then adds as a reference). Read bounded, as references are.
async fn recipe_probe_path<R: Runtime>(cx: &Ctx<R>, path: PathBuf) -> Res<Option<RecipeLoad>> {
    cx.granted().check(&path)?;
    let engine = cx.engine.clone();
    blocking(move || match engine.recipes.read_path(&path) {
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
}

/// Asks for an image (native dialog) and answers its recipe; none if dismissed.
async fn recipe_pick<R: Runtime>(cx: &Ctx<R>) -> Res<Option<RecipeLoad>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    cx.app
        .dialog()
        .file()
        .set_title("Open an image's recipe")
        .add_filter("Images exported by Pixbench", &["png", "jpg", "jpeg", "webp"])
        .pick_file(move |file| {
            let _ = tx.send(file);
        });
    let Some(path) = rx.await.ok().flatten().and_then(|f| f.into_path().ok()) else {
        return Ok(None);
    };
    let engine = cx.engine.clone();
    blocking(move || ok(engine.recipes.read_path(&path)).map(Some)).await
}

// ---------------- outputs and exports ----------------

/// Saves one output, with its recipe, into the data dir's exports folder; answers the path.
async fn export_output<R: Runtime>(cx: &Ctx<R>, run_id: String, target_idx: u32, output_idx: u32) -> Res<String> {
    let engine = cx.engine.clone();
    blocking(move || ok(engine.recipes.export_output(&run_id, target_idx, output_idx, None))).await.map(|p| cx.wrote(p))
}

async fn output_rate<R: Runtime>(
    cx: &Ctx<R>,
    run_id: String,
    target_idx: u32,
    output_idx: u32,
    rating: Option<u8>,
    note: Option<String>,
) -> Res<()> {
    ok(cx.engine.runs.rate(&run_id, target_idx, output_idx, rating, note))
}

async fn export_curl<R: Runtime>(cx: &Ctx<R>, run_id: String, target_idx: u32) -> Res<String> {
    ok(cx.engine.exports.curl(&run_id, target_idx))
}

async fn export_contact_sheet<R: Runtime>(cx: &Ctx<R>, run_id: String) -> Res<String> {
    let engine = cx.engine.clone();
    blocking(move || ok(engine.exports.contact_sheet(&run_id, None))).await.map(|p| cx.wrote(p))
}

async fn export_images<R: Runtime>(cx: &Ctx<R>, run_id: String) -> Res<Option<ImagesSaved>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    cx.app.dialog().file().set_title("Save all images into…").pick_folder(move |dir| {
        let _ = tx.send(dir);
    });
    let Some(dir) = rx.await.ok().flatten().and_then(|d| d.into_path().ok()) else {
        return Ok(None);
    };
    let engine = cx.engine.clone();
    let shown = cx.wrote(dir.clone());
    blocking(move || ok(engine.exports.images(&run_id, &dir)))
        .await
        .map(|n| Some(ImagesSaved { count: n as u32, dir: shown }))
}

async fn reveal_path<R: Runtime>(cx: &Ctx<R>, path: String) -> Res<()> {
    cx.app.state::<WrittenFiles>().reveal(std::path::Path::new(&path))
}

// ---------------- settings and sessions ----------------

async fn settings_get<R: Runtime>(cx: &Ctx<R>) -> Res<Settings> {
    ok(cx.engine.settings.get())
}

async fn settings_set<R: Runtime>(cx: &Ctx<R>, settings: Settings) -> Res<Settings> {
    ok(cx.engine.settings.set(settings))
}

async fn session_current<R: Runtime>(cx: &Ctx<R>) -> Res<SessionView> {
    ok(cx.engine.sessions.current())
}

async fn session_new<R: Runtime>(cx: &Ctx<R>, name: String) -> Res<SessionView> {
    ok(cx.engine.sessions.new_session(&name))
}

async fn session_set_budget<R: Runtime>(cx: &Ctx<R>, credits: Option<i64>) -> Res<SessionView> {
    ok(cx.engine.sessions.set_budget(credits))
}

async fn session_export<R: Runtime>(cx: &Ctx<R>, format: ExportFormat) -> Res<String> {
    ok(cx.engine.exports.session(format, None)).map(|p| cx.wrote(p))
}

// ---------------- benchmarks ----------------

/// A benchmark's input images are files: only those the user handed over natively.
fn check_bench_images<R: Runtime>(cx: &Ctx<R>, input: &BenchInput) -> Res<()> {
    cx.granted().check_all(input.prompts.iter().flat_map(|p| p.images.iter()).map(std::path::Path::new))
}

async fn bench_preflight<R: Runtime>(cx: &Ctx<R>, input: BenchInput) -> Res<Preflight> {
    check_bench_images(cx, &input)?;
    ok(cx.engine.benchmarks.preflight(&input))
}

async fn bench_start<R: Runtime>(cx: &Ctx<R>, input: BenchInput) -> Res<BenchSummary> {
    check_bench_images(cx, &input)?;
    ok(cx.engine.benchmarks.start(input).await)
}

async fn bench_cancel<R: Runtime>(cx: &Ctx<R>, id: String) -> Res<()> {
    cx.engine.benchmarks.cancel(&id);
    Ok(())
}

async fn bench_list<R: Runtime>(cx: &Ctx<R>) -> Res<Vec<BenchSummary>> {
    ok(cx.engine.benchmarks.list())
}

async fn bench_get<R: Runtime>(cx: &Ctx<R>, id: String) -> Res<BenchView> {
    // A report of thousands of requests is parsed off the IPC thread.
    let engine = cx.engine.clone();
    blocking(move || ok(engine.benchmarks.get(&id))).await
}

async fn bench_export<R: Runtime>(cx: &Ctx<R>, id: String, format: ExportFormat) -> Res<String> {
    ok(cx.engine.benchmarks.export(&id, format, None)).map(|p| cx.wrote(p))
}

async fn bench_delete<R: Runtime>(cx: &Ctx<R>, id: String) -> Res<()> {
    ok(cx.engine.benchmarks.delete(&id))
}

/// Asks for a prompts file (native dialog): `.txt` one prompt a line, or `.csv` with
/// `prompt,images`. Answers its prompts (empty if dismissed).
async fn bench_prompts_pick<R: Runtime>(cx: &Ctx<R>) -> Res<Vec<BenchPromptInput>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    cx.app.dialog().file().set_title("Load prompts").add_filter("Prompts", &["txt", "csv"]).pick_file(move |file| {
        let _ = tx.send(file);
    });
    let Some(path) = rx.await.ok().flatten().and_then(|f| f.into_path().ok()) else {
        return Ok(vec![]);
    };
    pixbench_core::bench::read_prompts_file(&path)
        .map(|ps| {
            // The images a chosen prompts file names are the user's choice too.
            cx.granted().grant(ps.iter().flat_map(|p| p.images.iter()));
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
async fn bench_matrix_pick<R: Runtime>(cx: &Ctx<R>) -> Res<Option<BenchInput>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    cx.app.dialog().file().set_title("Open a benchmark matrix").add_filter("Matrix (TOML)", &["toml"]).pick_file(
        move |file| {
            let _ = tx.send(file);
        },
    );
    let Some(path) = rx.await.ok().flatten().and_then(|f| f.into_path().ok()) else {
        return Ok(None);
    };
    let input = ok(cx.engine.benchmarks.input_from_matrix(&path))?;
    // The images a chosen matrix file names are the user's choice too.
    cx.granted().grant(input.prompts.iter().flat_map(|p| p.images.iter()));
    Ok(Some(input))
}

// ---------------- blind A/B and metrics ----------------

/// The next blind A/B pair: the current session's outputs, or with `all` every output.
async fn blind_next<R: Runtime>(cx: &Ctx<R>, all: Option<bool>) -> Res<BlindNext> {
    ok(cx.engine.votes.next(all.unwrap_or(false).then_some(pixbench_core::votes::VoteScope::All)))
}

async fn blind_vote<R: Runtime>(cx: &Ctx<R>, token: String, choice: BlindChoice) -> Res<BlindReveal> {
    ok(cx.engine.votes.vote(&token, choice))
}

/// The leaderboard of a session's votes (default: the current one), or with `all` of every vote.
async fn leaderboard<R: Runtime>(cx: &Ctx<R>, session_id: Option<String>, all: Option<bool>) -> Res<Leaderboard> {
    use pixbench_core::votes::VoteScope;
    let scope = match (all.unwrap_or(false), session_id) {
        (true, _) => VoteScope::All,
        (false, Some(id)) => VoteScope::Session(id),
        (false, None) => VoteScope::Session(cx.engine.sessions.id()),
    };
    ok(cx.engine.votes.leaderboard(&scope))
}

/// Metrics of two stored images (computed off the IPC thread once, then cached).
async fn metrics_pair<R: Runtime>(cx: &Ctx<R>, sha_a: String, sha_b: String) -> Res<PairMetricsView> {
    ok(cx.engine.metrics.pair(&sha_a, &sha_b).await)
}

/// "Was the resolution worth it" for a run of one model's variants.
async fn metrics_worth<R: Runtime>(cx: &Ctx<R>, run_id: String) -> Res<WorthReport> {
    ok(cx.engine.metrics.worth(&run_id).await)
}

// ---------------- workspaces ----------------

/// A workspace file's problem, naming the file (relative to the workspace), the line and the key.
fn file_error(e: FileError) -> UiError {
    UiError::new(ErrorKind::Invalid, e.to_string())
}

/// Runs workspace file work off the IPC thread; a problem names its file as the tree does.
async fn in_workspace<R: Runtime, T: Send + 'static>(
    cx: &Ctx<R>,
    f: impl FnOnce(&Workspaces, &Engine) -> Result<T, FileError> + Send + 'static,
) -> Res<T> {
    let (workspaces, engine) = (cx.workspaces.clone(), cx.engine.clone());
    blocking(move || f(&workspaces, &engine).map_err(|e| file_error(workspaces.shown(e)))).await
}

/// Remembers the open workspace and its environment, so they reopen on start.
fn remember_workspace<R: Runtime>(cx: &Ctx<R>) {
    let view = cx.workspaces.view();
    let root = view.as_ref().map(|v| PathBuf::from(&v.root));
    let env = view.as_ref().and_then(|v| v.environment.clone());
    if let Err(e) = cx.engine.settings.set_last_workspace(root.as_deref(), env.as_deref()) {
        tracing::warn!("could not remember the workspace: {e}");
    }
}

async fn workspace_current<R: Runtime>(cx: &Ctx<R>) -> Res<Option<WorkspaceView>> {
    Ok(cx.workspaces.view())
}

async fn workspace_pick<R: Runtime>(cx: &Ctx<R>) -> Res<Option<WorkspaceView>> {
    let (tx, rx) = tokio::sync::oneshot::channel();
    cx.app.dialog().file().set_title("Open a folder as the workspace").pick_folder(move |dir| {
        let _ = tx.send(dir);
    });
    let Some(dir) = rx.await.ok().flatten().and_then(|d| d.into_path().ok()) else {
        return Ok(None);
    };
    let workspaces = cx.workspaces.clone();
    let view = blocking(move || workspaces.open(&dir, None).map_err(file_error)).await?;
    remember_workspace(cx);
    Ok(Some(view))
}

async fn workspace_close<R: Runtime>(cx: &Ctx<R>) -> Res<()> {
    cx.workspaces.close();
    remember_workspace(cx);
    Ok(())
}

async fn workspace_environment<R: Runtime>(cx: &Ctx<R>, name: Option<String>) -> Res<WorkspaceView> {
    let view = cx.workspaces.select_environment(name).map_err(|e| file_error(cx.workspaces.shown(e)))?;
    remember_workspace(cx);
    // An environment that names a profile (by id or name) sends there.
    let wanted = cx.workspaces.environment().ok().flatten().and_then(|e| e.profile);
    if let Some(wanted) = wanted {
        let profiles = ok(cx.engine.profiles.list())?;
        match profiles.iter().find(|p| p.id == wanted || p.name == wanted) {
            Some(p) if !p.is_current => {
                ok(cx.engine.select_profile(&p.id))?;
            }
            Some(_) => {}
            None => {
                return Err(UiError::new(
                    ErrorKind::Invalid,
                    format!("The environment names the profile “{wanted}”, which this app does not have: add it under Profiles, or change the environment's file."),
                ))
            }
        }
    }
    Ok(view)
}

async fn workspace_load<R: Runtime>(cx: &Ctx<R>, path: String) -> Res<WorkspaceRequest> {
    // Storing the references decodes them (and may downscale them).
    in_workspace(cx, move |w, e| w.load(&path, &e.catalog.get(), &e.references)).await
}

async fn workspace_save<R: Runtime>(cx: &Ctx<R>, path: String, request: Request, create: bool) -> Res<WorkspaceView> {
    in_workspace(cx, move |w, e| w.save(&path, &request, create, &e.references)).await
}

async fn workspace_rename<R: Runtime>(cx: &Ctx<R>, from: String, to: String) -> Res<WorkspaceView> {
    in_workspace(cx, move |w, _| w.rename(&from, &to)).await
}

async fn workspace_duplicate<R: Runtime>(cx: &Ctx<R>, path: String) -> Res<String> {
    in_workspace(cx, move |w, _| w.duplicate(&path)).await
}

async fn workspace_delete<R: Runtime>(cx: &Ctx<R>, path: String) -> Res<WorkspaceView> {
    in_workspace(cx, move |w, _| w.delete(&path)).await
}

async fn workspace_new_folder<R: Runtime>(cx: &Ctx<R>, path: String) -> Res<WorkspaceView> {
    in_workspace(cx, move |w, _| w.new_folder(&path)).await
}

async fn request_code<R: Runtime>(cx: &Ctx<R>, mut request: Request, lang: CodeLang, force_async: bool) -> Res<String> {
    cx.workspaces.fill(&mut request).map_err(|e| file_error(cx.workspaces.shown(e)))?;
    // A reference opened from a workspace is named by its file there, else by its stored copy.
    let paths: Vec<PathBuf> = request
        .images
        .iter()
        .map(|sha| cx.workspaces.file_of(sha).unwrap_or_else(|| cx.engine.references.file_path(sha)))
        .collect();
    let profile = ok(cx.engine.profiles.current())?;
    ok(pixbench_core::code_calls::code(&request, &cx.engine.catalog.get(), &profile, &paths, lang.into(), force_async))
}

async fn import_curl<R: Runtime>(cx: &Ctx<R>, command: String) -> Res<CurlImport> {
    let (request, warnings) = pixbench_workspace::curl::request_of_pasted(&command, &cx.engine.catalog.get())
        .map_err(|m| UiError::new(ErrorKind::Invalid, m))?;
    Ok(CurlImport { request, warnings })
}

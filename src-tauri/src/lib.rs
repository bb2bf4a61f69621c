//! The desktop shell: a thin Tauri 2 layer over `pixbench-core`. It opens the engine on
//! the data dir, turns engine events into Tauri events, registers the commands (each a
//! few lines calling the core), serves stored images through the `pxb://` scheme, and
//! opens native dialogs. Everything else lives in the crates.

mod commands;
mod granted;
mod images;
mod reveal;
mod webkit_env;

use std::path::PathBuf;
use std::sync::Arc;

use pixbench_core::secrets::KeyringStore;
use pixbench_core::{Engine, EngineConfig, EngineEvent};
use pixbench_workspace::Workspaces;
use tauri::{Emitter, Manager, Runtime};

pub use commands::AppState;
pub use granted::GrantedPaths;
pub use reveal::WrittenFiles;

/// When the process started: `app_info` (the UI's first call once it is up) reports the
/// time to an interactive window when `PIXBENCH_STARTUP_PROBE` is set (benchmarks).
pub(crate) static STARTED: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();

/// The data dir: `PIXBENCH_DATA_DIR` when set, else the platform's app data dir.
pub fn data_dir<R: Runtime>(app: &tauri::AppHandle<R>) -> PathBuf {
    match std::env::var_os("PIXBENCH_DATA_DIR") {
        Some(d) if !d.is_empty() => PathBuf::from(d),
        _ => app.path().app_data_dir().unwrap_or_else(|_| PathBuf::from(".pixbench")),
    }
}

/// How image URLs of the `pxb` scheme look to this platform's webview.
pub fn image_url_base() -> String {
    if cfg!(windows) || cfg!(target_os = "android") {
        "http://pxb.localhost".into()
    } else {
        "pxb://localhost".into()
    }
}

/// The events' names on the wire, as declared in `pixbench_core::with_events!`.
macro_rules! event_names {
    ($( $(#[doc = $doc:literal])* $name:ident = $wire:literal : $payload:ty ; )*) => {
        #[allow(non_upper_case_globals)]
        mod events {
            $( $(#[doc = $doc])* pub const $name: &str = $wire; )*
        }
    };
}
pixbench_core::with_events!(event_names);

/// Engine settings from the environment (tests and power users).
pub fn engine_config<R: Runtime>(app: &tauri::AppHandle<R>, data_dir: PathBuf) -> EngineConfig {
    let mut cfg = EngineConfig::from_env(data_dir, Arc::new(KeyringStore));
    cfg.image_url_base = image_url_base();
    let handle = app.clone();
    cfg.events = Arc::new(move |e| {
        let r = match e {
            EngineEvent::RunUpdated(v) => handle.emit(events::run_updated, v),
            EngineEvent::SessionUpdated(v) => handle.emit(events::session_updated, v),
            EngineEvent::SpendUpdated(v) => handle.emit(events::spend_updated, v),
            EngineEvent::BenchProgress(v) => handle.emit(events::bench_progress, v),
            EngineEvent::BenchUpdated(v) => handle.emit(events::bench_updated, v),
        };
        if let Err(err) = r {
            tracing::warn!("could not emit an event: {err}");
        }
    });
    cfg
}

/// Registers everything the app needs on a builder (shared by the app and the mock-runtime tests).
pub fn setup_builder<R: Runtime>(builder: tauri::Builder<R>) -> tauri::Builder<R> {
    builder
        .manage(GrantedPaths::default())
        .manage(WrittenFiles::default())
        // Files dropped on the window are handed over natively: the webview may name them.
        // This runs in the same event-loop callback that tells the webview of the drop, so
        // the grant is in place before the webview's command about it can be handled.
        .on_webview_event(|webview, event| {
            if let tauri::WebviewEvent::DragDrop(tauri::DragDropEvent::Drop { paths, .. }) = event {
                webview.state::<GrantedPaths>().grant(paths);
            }
        })
        .plugin(tauri_plugin_dialog::init())
        .invoke_handler(commands::handler())
        .register_asynchronous_uri_scheme_protocol("pxb", images::serve)
}

/// The workspace service, its changes sent to the UI, with the workspace to reopen open:
/// `PIXBENCH_WORKSPACE` when set (tests, a launcher), else the one open when the app last
/// closed. A folder that is gone or unreadable is left closed (logged).
pub fn open_workspaces<R: Runtime>(app: &tauri::AppHandle<R>, engine: &Engine) -> Arc<Workspaces> {
    let handle = app.clone();
    let workspaces = Arc::new(Workspaces::new(Arc::new(move |change| {
        if let Err(err) = handle.emit(events::workspace_changed, change) {
            tracing::warn!("could not emit an event: {err}");
        }
    })));
    let remembered = engine.settings.last_workspace().ok().flatten();
    let same = |a: &std::path::Path, b: &std::path::Path| {
        std::fs::canonicalize(a).ok().is_some_and(|a| std::fs::canonicalize(b).ok() == Some(a))
    };
    let last = match std::env::var_os("PIXBENCH_WORKSPACE").filter(|d| !d.is_empty()).map(PathBuf::from) {
        // The folder given keeps the environment it had when it was last open.
        Some(dir) => {
            let env = remembered.filter(|(root, _)| same(root, &dir)).and_then(|(_, env)| env);
            Some((dir, env))
        }
        None => remembered,
    };
    if let Some((root, env)) = last {
        if let Err(e) = workspaces.open(&root, env) {
            tracing::warn!("the workspace {} did not reopen: {e}", root.display());
        }
    }
    workspaces
}

/// Opens the engine for an app (blocking: it is quick, and nothing can run without it).
pub fn open_engine<R: Runtime>(app: &tauri::AppHandle<R>, cfg: EngineConfig) -> anyhow::Result<Engine> {
    let _ = app;
    tauri::async_runtime::block_on(Engine::open(cfg)).map_err(|e| anyhow::anyhow!("{e}"))
}

/// The sentence shown when the engine cannot open, with what to do about it.
pub fn startup_failure_text(dir: &std::path::Path, error: &str) -> String {
    format!(
        "Pixbench could not open its data folder {}:\n\n{error}\n\nNothing in it was changed. To start afresh, move that folder aside (your history and images stay in it) or start Pixbench with PIXBENCH_DATA_DIR set to another folder.",
        dir.display()
    )
}

fn show_startup_failure<R: Runtime>(app: &tauri::AppHandle<R>, dir: &std::path::Path, error: &str) {
    use tauri_plugin_dialog::{DialogExt, MessageDialogKind};
    eprintln!("Pixbench could not start: {error}");
    // The main window has no engine behind it: hide it, show why, and quit on OK.
    if let Some(w) = app.get_webview_window("main") {
        let _ = w.hide();
    }
    let handle = app.clone();
    app.dialog()
        .message(startup_failure_text(dir, error))
        .title("Pixbench could not start")
        .kind(MessageDialogKind::Error)
        .show(move |_| handle.exit(1));
}

pub fn run() {
    STARTED.get_or_init(std::time::Instant::now);
    let webkit_set = webkit_env::apply();
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,pixbench=info")),
        )
        .init();
    if let Some(var) = webkit_set {
        tracing::info!("no GPU render node: {var}=1 (WebKit's DMABuf renderer would hold the window in memory)");
    }
    let app = setup_builder(tauri::Builder::default())
        .setup(|app| {
            let handle = app.handle().clone();
            let dir = data_dir(&handle);
            match open_engine(&handle, engine_config(&handle, dir.clone())) {
                Ok(engine) => {
                    let workspaces = open_workspaces(&handle, &engine);
                    app.manage(AppState { engine, workspaces });
                }
                // Started from a desktop entry, nobody reads stderr: say it in a window.
                Err(e) => show_startup_failure(&handle, &dir, &e.to_string()),
            }
            Ok(())
        })
        .build(tauri::generate_context!());
    match app {
        Ok(app) => app.run(|_, _| {}),
        Err(e) => {
            eprintln!("Pixbench could not start: {e}");
            std::process::exit(1);
        }
    }
}

//! The app under Tauri's mock runtime, for the IPC tests: the real builder, configuration
//! and capabilities over a real engine (and its Sandbox) in a temp data dir.

use std::sync::Arc;

use pixbench_core::secrets::MemoryStore;
use pixbench_core::{Engine, EngineConfig};
use pixbench_desktop::AppState;
use serde_json::Value;
use tauri::ipc::{CallbackFn, InvokeBody};
use tauri::test::{get_ipc_response, mock_builder, MockRuntime, INVOKE_KEY};
use tauri::webview::InvokeRequest;
use tauri::{Manager, WebviewWindow, WebviewWindowBuilder};

pub fn app(dir: &std::path::Path) -> (tauri::App<MockRuntime>, WebviewWindow<MockRuntime>) {
    let app = pixbench_desktop::setup_builder(mock_builder()).build(tauri::generate_context!()).expect("app builds");
    let engine = tauri::async_runtime::block_on(Engine::open(EngineConfig::new(dir, Arc::new(MemoryStore::default()))))
        .expect("engine opens");
    let workspaces = pixbench_desktop::open_workspaces(app.handle(), &engine);
    app.manage(AppState { engine, workspaces });
    let webview = WebviewWindowBuilder::new(&app, "main", Default::default()).build().expect("webview");
    (app, webview)
}

/// Calls a command as the webview would; answers its JSON result or its error.
pub fn invoke(w: &WebviewWindow<MockRuntime>, cmd: &str, args: Value) -> Result<Value, Value> {
    get_ipc_response(
        w,
        InvokeRequest {
            cmd: cmd.into(),
            callback: CallbackFn(0),
            error: CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: InvokeBody::Json(args),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().expect("json answer"))
}

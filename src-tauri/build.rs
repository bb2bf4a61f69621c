// The app's own commands are declared here so capabilities can grant exactly these.
const COMMANDS: &[&str] = &[
    "app_info",
    "catalog",
    "profiles_list",
    "profile_select",
    "profile_save",
    "profile_delete",
    "profile_set_key",
    "profile_remove_key",
    "profile_test",
    "estimate",
    "run_start",
    "run_cancel",
    "run_cancel_target",
    "run_get",
    "run_delete",
    "history_list",
    "references_add_paths",
    "reference_add_bytes",
    "references_pick",
    "output_rate",
    "export_curl",
    "export_contact_sheet",
    "export_images",
    "settings_get",
    "settings_set",
    "session_current",
    "session_new",
    "session_set_budget",
    "session_export",
    "bench_preflight",
    "bench_start",
    "bench_cancel",
    "bench_list",
    "bench_get",
    "bench_export",
    "bench_delete",
    "bench_prompts_pick",
    "bench_matrix_pick",
];

fn main() {
    tauri_build::try_build(
        tauri_build::Attributes::new().app_manifest(tauri_build::AppManifest::new().commands(COMMANDS)),
    )
    .expect("tauri build script");
}

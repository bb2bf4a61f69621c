// The IPC surface, declared once: every command the UI may call (its arguments, as Rust
// names them, and its result) and every event the shell emits (its payload). A command's
// error is always a `UiError`.
//
// `with_commands!(m)` and `with_events!(m)` hand the lists to a macro `m` of the caller's:
// the shell registers its handlers and their permission from them (src-tauri/src/
// commands.rs, src-tauri/build.rs, which includes this file), and pixbench-core writes
// from them the UI's typed command map (ui/src/bindings/commands.ts) and the table of
// docs/IPC.md (`crate::ipc_docs`). Types are named as `pixbench_core::api` exports them;
// the `///` lines are the documentation a person reads in docs/IPC.md.
//
// This file holds nothing but the two macros: build.rs includes it as it is.

/// Calls `$callback!` with every command: `/// doc` lines, then `name(arg: Type, ...) -> Result;`.
#[macro_export]
macro_rules! with_commands {
    ($callback:ident) => {
        $callback! {
            /// The app's version, data dir, catalog source, keychain status and Sandbox URL.
            app_info() -> AppInfo;
            /// The catalog in force for the current profile: every variant of its gateway a run can target (and its server's models), and the model fields.
            catalog() -> CatalogView;
            /// The gateway presets a profile can start from (Pixapi, OpenAI, OpenAI-compatible).
            gateway_presets() -> Vec<GatewayPreset>;
            /// The models the current profile's server listed when last read (cached).
            models_list() -> ServerModels;
            /// Reads the current profile's server's models now (`GET /v1/models`); the
            /// catalog then offers those it does not know, unpriced.
            models_refresh() -> ServerModels;

            /// Every profile, the current one marked.
            profiles_list() -> Vec<ProfileView>;
            /// Makes a profile current (and remembers it); the session's figures follow.
            profile_select(id: String) -> ProfileView;
            /// Creates a profile (`input.id` null) or changes one.
            profile_save(input: ProfileInput) -> ProfileView;
            /// Deletes a profile and its keychain entry.
            profile_delete(id: String) -> ();
            /// Stores a key in the keychain; only its mask comes back.
            profile_set_key(id: String, key: String) -> ProfileView;
            /// Removes a profile's key from the keychain.
            profile_remove_key(id: String) -> ProfileView;
            /// Asks the profile's server for its models with its key.
            profile_test(id: String) -> KeyTestResult;

            /// The pre-flight of a request: how many requests it makes (its sweep counted, not listed) against the limit, the most they cost against the budget, the sweep's axes, and what would refuse it; nothing is sent.
            estimate(request: Request) -> Estimate;
            /// Stores and starts a run of the whole request (its sweep expanded); answers at once with its view. Refused with the estimate's problems, past the limit, or over the budget unless `allowOverBudget`.
            run_start(request: Request, allow_over_budget: bool) -> RunStart;
            /// Cancels every target of a run.
            run_cancel(run_id: String) -> ();
            /// Cancels one target of a run.
            run_cancel_target(run_id: String, target_idx: u32) -> ();
            /// Checks now the tasks of a run that are waited for (status `waiting`), instead of at their next check.
            run_recheck(run_id: String) -> ();
            /// Stops waiting for a target's accepted task (the server may still finish and charge it; the user was told).
            run_give_up(run_id: String, target_idx: u32) -> ();
            /// The runs of earlier sessions this start resumed, as they are now (their cost counts in their own session).
            runs_resumed() -> Vec<ResumedRun>;
            /// A stored run.
            run_get(run_id: String) -> RunView;
            /// Deletes a finished run (its ledger entries stay).
            run_delete(run_id: String) -> ();
            /// "Edit from this": the output stored as a reference, and the edit's draft (not sent).
            run_iterate_from(from: OutputRef) -> RunDraft;
            /// A run's lineage: ancestors, the run, its descendants depth-first; bounded.
            run_lineage(run_id: String) -> Lineage;
            /// Runs in history, newest first, filtered.
            history_list(filter: HistoryFilter) -> Vec<RunSummary>;

            /// Files the user handed over (dropped or picked) as reference images: validated, stored.
            references_add_paths(paths: Vec<PathBuf>) -> Vec<ReferenceView>;
            /// Pasted image bytes as a reference image.
            reference_add_bytes(name: String, bytes: Vec<u8>) -> ReferenceView;
            /// Asks for reference images (native dialog).
            references_pick() -> Vec<ReferenceView>;

            /// The recipe of pasted image bytes (kind `no_recipe` when it has none, `invalid` when damaged).
            recipe_read_bytes(bytes: Vec<u8>) -> RecipeLoad;
            /// The recipe of a dropped file; null for a file without one.
            recipe_probe_path(path: PathBuf) -> Option<RecipeLoad>;
            /// Asks for an image exported by Pixbench (native dialog) and answers its recipe; null if dismissed.
            recipe_pick() -> Option<RecipeLoad>;
            /// Saves one output with its recipe into the data dir's `exports/`; answers the path.
            export_output(run_id: String, target_idx: u32, output_idx: u32) -> String;
            /// Rates an output 1 to 5 (or none), with a note.
            output_rate(run_id: String, target_idx: u32, output_idx: u32, rating: Option<u8>, note: Option<String>) -> ();
            /// One target's request as a curl command (the key read from `$PIXAPI_KEY`).
            export_curl(run_id: String, target_idx: u32) -> String;
            /// A run's contact sheet as a PNG; answers its path.
            export_contact_sheet(run_id: String) -> String;
            /// Asks for a folder (native dialog) and saves every image of the run there; null if dismissed.
            export_images(run_id: String) -> Option<ImagesSaved>;
            /// Opens the system's file manager at a file the app saved in this run (an export, a contact sheet, a saved image); any other path is refused.
            reveal_path(path: String) -> ();

            /// The user's settings.
            settings_get() -> Settings;
            /// Saves the user's settings.
            settings_set(settings: Settings) -> Settings;

            /// The current session's figures.
            session_current() -> SessionView;
            /// Starts a new session.
            session_new(name: String) -> SessionView;
            /// Sets (or clears) the session's budget in credits.
            session_set_budget(credits: Option<i64>) -> SessionView;
            /// Writes the session's outputs as CSV or JSON; answers the path.
            session_export(format: ExportFormat) -> String;

            /// What a benchmark would cost; nothing is sent.
            bench_preflight(input: BenchInput) -> Preflight;
            /// Starts a benchmark (refused with kind `over_budget` or `invalid`).
            bench_start(input: BenchInput) -> BenchSummary;
            /// Cancels a benchmark: in-flight requests cancelled, the rest not sent.
            bench_cancel(id: String) -> ();
            /// Benchmarks in history, newest first (the CLI's too).
            bench_list() -> Vec<BenchSummary>;
            /// A benchmark, with its report once finished.
            bench_get(id: String) -> BenchView;
            /// Writes a benchmark's report as CSV or JSON; answers the path.
            bench_export(id: String, format: ExportFormat) -> String;
            /// Removes a benchmark from history (its runs stay).
            bench_delete(id: String) -> ();
            /// Asks for a prompts file (`.txt` or `.csv`, native dialog); empty if dismissed.
            bench_prompts_pick() -> Vec<BenchPromptInput>;
            /// Asks for a matrix file (native dialog) as the form's input; null if dismissed.
            bench_matrix_pick() -> Option<BenchInput>;

            /// The next blind A/B pair (an opaque one-use token, the prompt, two image URLs, no label): the current session's outputs, or with `all` every output.
            blind_next(all: Option<bool>) -> BlindNext;
            /// Votes on a pair by its token; answers its two labels (a skip is not stored).
            blind_vote(token: String, choice: BlindChoice) -> BlindReveal;
            /// The Bradley–Terry board of a session's votes (default the current one), or with `all` of every vote.
            leaderboard(session_id: Option<String>, all: Option<bool>) -> Leaderboard;

            /// The open workspace (a folder of saved requests), if any: the last one reopens on start.
            workspace_current() -> Option<WorkspaceView>;
            /// Asks for a folder (native dialog) and opens it as the workspace; null if dismissed.
            workspace_pick() -> Option<WorkspaceView>;
            /// Closes the workspace (its files stay as they are).
            workspace_close() -> ();
            /// Makes an environment active (null: none): its values fill `{{variables}}` of what is estimated and run, first; a run records it. An environment that names a profile makes it current.
            workspace_environment(name: Option<String>) -> WorkspaceView;
            /// Opens a request file (relative path) for the composer: its values over its folders' defaults, references stored.
            workspace_load(path: String) -> WorkspaceRequest;
            /// Saves the composer's request to a request file (`create`: a new one, refused if the name is taken in any case); keeps a hand-edited file's comments and order.
            workspace_save(path: String, request: Request, create: bool) -> WorkspaceView;
            /// Renames or moves a request file or folder inside the workspace.
            workspace_rename(from: String, to: String) -> WorkspaceView;
            /// Copies a request file beside itself; answers the copy's path.
            workspace_duplicate(path: String) -> String;
            /// Moves a request file or folder to the system's trash.
            workspace_delete(path: String) -> WorkspaceView;
            /// Creates a folder.
            workspace_new_folder(path: String) -> WorkspaceView;

            /// The request as code that sends it as the app would (one call per request it makes, the key read from `PIXAPI_KEY`, the server from `PIXAPI_BASE_URL` else the profile's); the active environment's values filled. `forceAsync`: the async endpoints.
            request_code(request: Request, lang: CodeLang, force_async: bool) -> String;

            /// A pasted curl command (Pixapi's documentation examples, "Copy as curl", a colleague's) as a request for the composer; what it cannot hold is named in `warnings`. Refused (kind `invalid`) when it is not an image request.
            import_curl(command: String) -> CurlImport;

            /// SSIM, PSNR and pHash distance of two stored images at the smaller one's size (computed once off the UI path, then cached).
            metrics_pair(sha_a: String, sha_b: String) -> PairMetricsView;
            /// "Was the resolution worth it" for a run: per model, each step's metrics, credit and latency deltas, a verdict.
            metrics_worth(run_id: String) -> WorthReport;
        }
    };
}

/// Calls `$callback!` with every event: `/// doc` lines, then `name = "wire-name": Payload;`.
#[macro_export]
macro_rules! with_events {
    ($callback:ident) => {
        $callback! {
            /// Any part of a run changed (status, progress, an output saved, an error): the UI replaces its copy by id.
            run_updated = "run-updated": RunView;
            /// The session's figures, when a run settles or the profile or session changes.
            session_updated = "session-updated": SessionView;
            /// The session's running spend on the current profile's kind, after each output entered in the ledger.
            spend_updated = "spend-updated": SessionSpend;
            /// A benchmark's progress: at most ten a second while it runs, always the first and the last.
            bench_progress = "bench-progress": BenchProgressEvent;
            /// A benchmark started or ended.
            bench_updated = "bench-updated": BenchSummary;
            /// The workspace's files changed outside the app (an editor, `git pull`): the tree now, and the request files changed.
            workspace_changed = "workspace-changed": WorkspaceChange;
        }
    };
}

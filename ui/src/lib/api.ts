// The only module that talks to the Rust side: Tauri commands (`invoke`) and events
// (`listen`), typed with the generated bindings. See docs/IPC.md.
import { invoke } from "@tauri-apps/api/core";
import { listen, type UnlistenFn } from "@tauri-apps/api/event";
import { getCurrentWebview } from "@tauri-apps/api/webview";
import type {
  AppInfo,
  BenchInput,
  BenchProgressEvent,
  BenchPromptInput,
  BenchSummary,
  BenchView,
  Preflight,
  CatalogView,
  Estimate,
  HistoryFilter,
  KeyTestResult,
  Lineage,
  OutputRef,
  ProfileInput,
  ProfileView,
  RecipeLoad,
  ReferenceView,
  RunDraft,
  RunSpec,
  RunSummary,
  RunView,
  SessionView,
  Settings,
  SweepPlan,
  SweepSpec,
  PairMetricsView,
  WorthReport,
} from "./types";
import type { BlindChoice, BlindNext, BlindReveal, ExportFormat, Leaderboard } from "./types";

export const api = {
  appInfo: () => invoke<AppInfo>("app_info"),
  catalog: () => invoke<CatalogView>("catalog"),

  profilesList: () => invoke<ProfileView[]>("profiles_list"),
  profileSelect: (id: string) => invoke<ProfileView>("profile_select", { id }),
  profileSave: (input: ProfileInput) => invoke<ProfileView>("profile_save", { input }),
  profileDelete: (id: string) => invoke<null>("profile_delete", { id }),
  profileSetKey: (id: string, key: string) => invoke<ProfileView>("profile_set_key", { id, key }),
  profileRemoveKey: (id: string) => invoke<ProfileView>("profile_remove_key", { id }),
  profileTest: (id: string) => invoke<KeyTestResult>("profile_test", { id }),

  estimate: (spec: RunSpec) => invoke<Estimate>("estimate", { spec }),
  /** A sweep expanded by the core: its run, request count, estimate, or what to fix. */
  sweepExpand: (spec: SweepSpec) => invoke<SweepPlan>("sweep_expand", { spec }),
  runStart: (spec: RunSpec) => invoke<RunView>("run_start", { spec }),
  runCancel: (runId: string) => invoke<null>("run_cancel", { runId }),
  runCancelTarget: (runId: string, targetIdx: number) => invoke<null>("run_cancel_target", { runId, targetIdx }),
  runGet: (runId: string) => invoke<RunView>("run_get", { runId }),
  runDelete: (runId: string) => invoke<null>("run_delete", { runId }),
  historyList: (filter: HistoryFilter) => invoke<RunSummary[]>("history_list", { filter }),
  /** "Edit from this": the output as the reference of a new edit, as a composer draft. */
  runIterateFrom: (from: OutputRef) => invoke<RunDraft>("run_iterate_from", { from }),
  runLineage: (runId: string) => invoke<Lineage>("run_lineage", { runId }),

  referencesAddPaths: (paths: string[]) => invoke<ReferenceView[]>("references_add_paths", { paths }),
  referenceAddBytes: (name: string, bytes: Uint8Array) =>
    invoke<ReferenceView>("reference_add_bytes", { name, bytes: Array.from(bytes) }),
  referencesPick: () => invoke<ReferenceView[]>("references_pick"),
  /** The recipe of pasted image bytes; refused (kind `no_recipe`) when it has none. */
  recipeReadBytes: (bytes: Uint8Array) => invoke<RecipeLoad>("recipe_read_bytes", { bytes: Array.from(bytes) }),
  /** The recipe of a dropped file, or null when it carries none. */
  recipeProbePath: (path: string) => invoke<RecipeLoad | null>("recipe_probe_path", { path }),
  /** Asks for an image (native dialog) and answers its recipe; null if dismissed. */
  recipePick: () => invoke<RecipeLoad | null>("recipe_pick"),
  /** Saves one output with its recipe into the exports folder; answers the path. */
  exportOutput: (runId: string, targetIdx: number, outputIdx: number) =>
    invoke<string>("export_output", { runId, targetIdx, outputIdx }),

  outputRate: (runId: string, targetIdx: number, outputIdx: number, rating: number | null, note: string | null) =>
    invoke<null>("output_rate", { runId, targetIdx, outputIdx, rating, note }),
  exportCurl: (runId: string, targetIdx: number) => invoke<string>("export_curl", { runId, targetIdx }),
  exportContactSheet: (runId: string) => invoke<string>("export_contact_sheet", { runId }),
  /** Asks for a folder (native dialog) and saves every image of the run there; null if dismissed. */
  exportImages: (runId: string) => invoke<string | null>("export_images", { runId }),

  settingsGet: () => invoke<Settings>("settings_get"),
  settingsSet: (settings: Settings) => invoke<Settings>("settings_set", { settings }),

  sessionCurrent: () => invoke<SessionView>("session_current"),
  sessionNew: (name: string) => invoke<SessionView>("session_new", { name }),
  sessionSetBudget: (credits: number | null) => invoke<SessionView>("session_set_budget", { credits }),
  sessionExport: (format: ExportFormat) => invoke<string>("session_export", { format }),

  benchPreflight: (input: BenchInput) => invoke<Preflight>("bench_preflight", { input }),
  benchStart: (input: BenchInput) => invoke<BenchSummary>("bench_start", { input }),
  benchCancel: (id: string) => invoke<null>("bench_cancel", { id }),
  benchList: () => invoke<BenchSummary[]>("bench_list"),
  benchGet: (id: string) => invoke<BenchView>("bench_get", { id }),
  benchExport: (id: string, format: ExportFormat) => invoke<string>("bench_export", { id, format }),
  benchDelete: (id: string) => invoke<null>("bench_delete", { id }),
  /** Asks for a prompts file (native dialog); [] if dismissed. */
  benchPromptsPick: () => invoke<BenchPromptInput[]>("bench_prompts_pick"),
  /** Asks for a matrix file (native dialog) and answers it as a form input; null if dismissed. */
  benchMatrixPick: () => invoke<BenchInput | null>("bench_matrix_pick"),

  /** The next blind A/B pair (no labels): the current session's outputs, or with `all` every one. */
  blindNext: (all: boolean) => invoke<BlindNext>("blind_next", { all }),
  /** Votes on a pair by its token (good once); answers its two labels. */
  blindVote: (token: string, choice: BlindChoice) => invoke<BlindReveal>("blind_vote", { token, choice }),
  /** The board of a session's votes (null: the current session), or with `all` of every vote. */
  leaderboard: (sessionId: string | null, all: boolean) => invoke<Leaderboard>("leaderboard", { sessionId, all }),

  /** SSIM / PSNR / pHash of two stored images (computed once off the UI path, then cached). */
  metricsPair: (shaA: string, shaB: string) => invoke<PairMetricsView>("metrics_pair", { shaA, shaB }),
  /** "Was the resolution worth it" tables of a run. */
  metricsWorth: (runId: string) => invoke<WorthReport>("metrics_worth", { runId }),
};

export type Api = typeof api;

export function onRunUpdated(cb: (run: RunView) => void): Promise<UnlistenFn> {
  return listen<RunView>("run-updated", (e) => cb(e.payload));
}

export function onSessionUpdated(cb: (s: SessionView) => void): Promise<UnlistenFn> {
  return listen<SessionView>("session-updated", (e) => cb(e.payload));
}

export function onBenchProgress(cb: (e: BenchProgressEvent) => void): Promise<UnlistenFn> {
  return listen<BenchProgressEvent>("bench-progress", (e) => cb(e.payload));
}

export function onBenchUpdated(cb: (s: BenchSummary) => void): Promise<UnlistenFn> {
  return listen<BenchSummary>("bench-updated", (e) => cb(e.payload));
}

export type DropEvent = { type: "enter" | "over" } | { type: "drop"; paths: string[] } | { type: "leave" };

/** Files dragged onto the window (Tauri delivers drops as paths, not as DOM events). */
export async function onFileDrop(cb: (e: DropEvent) => void): Promise<UnlistenFn> {
  return getCurrentWebview().onDragDropEvent((event) => {
    const p = event.payload;
    if (p.type === "drop") cb({ type: "drop", paths: p.paths });
    else if (p.type === "leave") cb({ type: "leave" });
    else cb({ type: p.type });
  });
}

/** True inside the Tauri shell (false in a plain browser, e.g. `vite dev` with the mock). */
export function inTauri(): boolean {
  return typeof window !== "undefined" && "__TAURI_INTERNALS__" in window;
}

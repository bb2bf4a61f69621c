// The app's root state (Svelte 5 runes): what the app loads at start (info, catalog,
// settings), the sub-states by concern, and the wiring of the app's events to them.
// Decisions live in the pure modules (composer, runs, filter, errors ...).
import { call, on } from "../api";
import { initialComposer } from "../logic/composer";
import { toUiError } from "../logic/errors";
import { ComposerStore } from "./composer-state.svelte";
import { NoticesState } from "./notices-state.svelte";
import { ProfilesState } from "./profiles-state.svelte";
import { RunsState } from "./runs-state.svelte";
import { SessionState } from "./session-state.svelte";
import { WorkspaceStore } from "./workspace-state.svelte";
import type { AppInfo, CatalogEntry, FieldSpec, ServerModels, Settings, UiError } from "../types";

const HISTORY_LIMIT = 2000;

export class AppStore {
  info = $state<AppInfo | null>(null);
  catalog = $state<CatalogEntry[]>([]);
  /** The model-specific fields the catalog's entries may list (quality, background, ...). */
  fieldSpecs = $state<FieldSpec[]>([]);
  settings = $state<Settings | null>(null);
  /** The models the current profile's server listed when last read. */
  serverModels = $state<ServerModels | null>(null);
  settingsOpen = $state(false);
  /** The composer is folded to a strip, so the results take the width (kept across starts). */
  composerCollapsed = $state(readCollapsed());
  /** The command palette (Ctrl+K) and the code dialog are open. */
  paletteOpen = $state(false);
  codeOpen = $state(false);
  /** Files are dragged over the window (the drop overlay shows). */
  dragging = $state(false);
  ready = $state(false);
  loadError = $state<UiError | null>(null);

  // The sub-states get this root: they reach each other and the catalog through it.
  readonly notices = new NoticesState();
  readonly profiles = new ProfilesState(this);
  readonly session = new SessionState(this);
  readonly composer = new ComposerStore(this);
  readonly runs = new RunsState(this);
  readonly workspace = new WorkspaceStore(this);

  // ---- start -------------------------------------------------------------------

  async init(): Promise<void> {
    try {
      await on("run-updated", (run) => {
        this.runs.updated(run);
        this.session.runMoved(run);
      });
      await on("session-updated", (s) => (this.session.current = s));
      await on("spend-updated", (s) => this.session.spendMoved(s));
    } catch (e) {
      this.notices.report(e, "Listening to the app's events");
    }
    try {
      const [info, catalog, profiles, presets, session, history] = await Promise.all([
        call("app_info"),
        call("catalog"),
        call("profiles_list"),
        call("gateway_presets"),
        call("session_current"),
        call("history_list", {
          filter: {
            text: null,
            model: null,
            status: null,
            profileId: null,
            since: null,
            until: null,
            limit: HISTORY_LIMIT,
          },
        }),
      ]);
      this.info = info;
      this.catalog = catalog.entries;
      this.fieldSpecs = catalog.fields ?? [];
      this.profiles.list = profiles;
      this.profiles.presets = presets;
      this.session.current = session;
      this.runs.history = history;
      this.composer.form = initialComposer(catalog.entries);
      await this.workspace.init();
      this.ready = true;
      void this.refreshModels();
      void this.session.loadResumed();
    } catch (e) {
      this.loadError = toUiError(e);
      this.notices.report(e, "Starting Pixbench");
    }
    try {
      this.settings = await call("settings_get");
    } catch (e) {
      this.notices.report(e, "Reading the settings");
    }
  }

  // ---- models the server lists ----------------------------------------------------

  /**
   * Reads the current profile's server's models (in the background: the app is usable
   * meanwhile); the catalog then offers those it does not know, unpriced.
   */
  async refreshModels(): Promise<void> {
    try {
      this.serverModels = await call("models_refresh");
      const catalog = await call("catalog");
      this.catalog = catalog.entries;
    } catch (e) {
      // No key yet, or no keychain: the profile's own notice says so; nothing to add here.
      this.serverModels = {
        profileId: this.profiles.current?.id ?? "",
        fetchedAt: null,
        models: [],
        problem: toUiError(e).message,
      };
    }
  }

  // ---- layout --------------------------------------------------------------------

  toggleComposer(): void {
    this.composerCollapsed = !this.composerCollapsed;
    try {
      localStorage.setItem(COLLAPSED_KEY, this.composerCollapsed ? "1" : "0");
    } catch {
      // No storage (a locked-down webview): the choice lasts for this window.
    }
  }

  // ---- settings ------------------------------------------------------------------

  async saveSettings(next: Settings): Promise<void> {
    try {
      this.settings = await call("settings_set", { settings: next });
    } catch (e) {
      this.notices.report(e, "Saving the settings");
    }
  }
}

const COLLAPSED_KEY = "pixbench.composerCollapsed";

function readCollapsed(): boolean {
  try {
    return typeof localStorage !== "undefined" && localStorage.getItem(COLLAPSED_KEY) === "1";
  } catch {
    return false;
  }
}

export const store = new AppStore();

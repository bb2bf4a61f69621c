// The app's root state (Svelte 5 runes): what the app loads at start (info, catalog,
// settings), the sub-states by concern, and the wiring of the app's events to them.
// Decisions live in the pure modules (composer, runs, filter, errors ...).
import { api, onFileDrop, onRunUpdated, onSessionUpdated } from "../api";
import { initialComposer } from "../logic/composer";
import { toUiError } from "../logic/errors";
import { ComposerStore } from "./composer-state.svelte";
import { NoticesState } from "./notices-state.svelte";
import { ProfilesState } from "./profiles-state.svelte";
import { RunsState } from "./runs-state.svelte";
import { SessionState } from "./session-state.svelte";
import type { AppInfo, CatalogEntry, FieldSpec, RunSpec, RunView, Settings, UiError } from "../types";

const HISTORY_LIMIT = 2000;

export class AppStore {
  info = $state<AppInfo | null>(null);
  catalog = $state<CatalogEntry[]>([]);
  /** The model-specific fields the catalog's entries may list (quality, background, ...). */
  fieldSpecs = $state<FieldSpec[]>([]);
  settings = $state<Settings | null>(null);
  settingsOpen = $state(false);
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

  /** Set by the recipe state: dropped files go there first (an image may carry a recipe). */
  onFileDrop: ((paths: string[]) => Promise<void>) | null = null;
  /** Set by the sweep state: turns a spec into the sweep it runs (or the problems to fix). */
  sweepRun: ((spec: RunSpec) => Promise<{ spec: RunSpec } | { problems: string[] }>) | null = null;
  /** Set by the sweep state: loads a past run's sweep axes and variables. */
  sweepLoad: ((run: RunView) => void) | null = null;

  // ---- start -------------------------------------------------------------------

  async init(): Promise<void> {
    try {
      await onRunUpdated((run) => this.runs.updated(run));
      await onSessionUpdated((s) => (this.session.current = s));
    } catch (e) {
      this.notices.report(e, "Listening to the app's events");
    }
    try {
      const [info, catalog, profiles, session, history] = await Promise.all([
        api.appInfo(),
        api.catalog(),
        api.profilesList(),
        api.sessionCurrent(),
        api.historyList({
          text: null,
          model: null,
          status: null,
          profileId: null,
          since: null,
          until: null,
          limit: HISTORY_LIMIT,
        }),
      ]);
      this.info = info;
      this.catalog = catalog.entries;
      this.fieldSpecs = catalog.fields ?? [];
      this.profiles.list = profiles;
      this.session.current = session;
      this.runs.history = history;
      this.composer.form = initialComposer(catalog.entries);
      this.ready = true;
    } catch (e) {
      this.loadError = toUiError(e);
      this.notices.report(e, "Starting Pixbench");
    }
    try {
      this.settings = await api.settingsGet();
    } catch (e) {
      this.notices.report(e, "Reading the settings");
    }
    try {
      await onFileDrop((e) => {
        if (e.type === "enter" || e.type === "over") this.dragging = true;
        else if (e.type === "drop") {
          this.dragging = false;
          void (this.onFileDrop ? this.onFileDrop(e.paths) : this.composer.addReferencePaths(e.paths));
        } else this.dragging = false;
      });
    } catch {
      // Not in a Tauri webview (a plain browser): no file drops.
    }
  }

  // ---- settings ------------------------------------------------------------------

  async saveSettings(next: Settings): Promise<void> {
    try {
      this.settings = await api.settingsSet(next);
    } catch (e) {
      this.notices.report(e, "Saving the settings");
    }
  }
}

export const store = new AppStore();

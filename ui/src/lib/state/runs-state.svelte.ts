// The runs (Svelte 5 runes): the history and its filters, the loaded runs, the current one
// with its inspector and viewer, and what is done to a run (open, re-run, delete, export).
import { call } from "../api";
import { composerFromRun, initialComposer, pruneComposer } from "../logic/composer";
import { applyHistoryFilter, NO_FILTERS, toHistoryFilter, type HistoryControls } from "../logic/historyFilter";
import { applyRunStarted, applyRunUpdated, isActive, removeSummary } from "../logic/runs";
import type { AppStore } from "./state.svelte";
import type { RunSummary, RunView } from "../types";

export interface ViewerState {
  runId: string;
  targetIdx: number;
  outputIdx: number;
}

export class RunsState {
  /** The runs loaded in full, by id. */
  byId = $state<Record<string, RunView>>({});
  history = $state<RunSummary[]>([]);
  /** The sidebar's filters of the history. */
  filters = $state<HistoryControls>({ ...NO_FILTERS });
  currentId = $state<string | null>(null);
  /** The target the inspector shows (index in the current run). */
  selectedTarget = $state(0);
  inspectorOpen = $state(false);
  /** The output shown full-size, if any. */
  viewer = $state<ViewerState | null>(null);

  readonly #app: AppStore;

  /** A run's prompt, when it is loaded or in the history (to name it by its words). */
  promptOf(runId: string): string | null {
    return this.byId[runId]?.prompt ?? this.history.find((r) => r.id === runId)?.prompt ?? null;
  }

  current = $derived(this.currentId ? (this.byId[this.currentId] ?? null) : null);
  running = $derived(this.current !== null && isActive(this.current.status));
  filteredHistory = $derived(
    applyHistoryFilter(
      this.history,
      toHistoryFilter(this.filters),
      (id) => this.#app.profiles.list.find((p) => p.id === id)?.name ?? null,
    ),
  );

  constructor(app: AppStore) {
    this.#app = app;
  }

  clearFilters(): void {
    this.filters = { ...NO_FILTERS };
  }

  /** A run the composer started: it becomes the current one. */
  started(run: RunView): void {
    const next = applyRunStarted({ runs: this.byId, history: this.history }, run);
    this.byId = next.runs;
    this.history = next.history;
    this.currentId = run.id;
    this.selectedTarget = 0;
  }

  /** A run's `run-updated` event. */
  updated(run: RunView): void {
    const next = applyRunUpdated({ runs: this.byId, history: this.history }, run);
    this.byId = next.runs;
    this.history = next.history;
  }

  async open(id: string): Promise<void> {
    this.currentId = id;
    this.selectedTarget = 0;
    try {
      const run = await call("run_get", { runId: id });
      this.byId = { ...this.byId, [id]: run };
    } catch (e) {
      this.#app.notices.report(e, "Opening the run");
    }
  }

  /** Cancels the current run. */
  async cancel(): Promise<void> {
    const run = this.current;
    if (!run) return;
    try {
      await call("run_cancel", { runId: run.id });
    } catch (e) {
      this.#app.notices.report(e, "Cancelling the run");
    }
  }

  async cancelTarget(runId: string, idx: number): Promise<void> {
    try {
      await call("run_cancel_target", { runId, targetIdx: idx });
    } catch (e) {
      this.#app.notices.report(e, "Cancelling the target");
    }
  }

  /** Checks now the accepted tasks of a run that are waited for. */
  async recheck(runId: string): Promise<void> {
    try {
      await call("run_recheck", { runId });
    } catch (e) {
      this.#app.notices.report(e, "Checking the task");
    }
  }

  /** Stops waiting for a target's accepted task, once the user has said they know it may be charged. */
  async giveUp(runId: string, idx: number): Promise<void> {
    try {
      await call("run_give_up", { runId, targetIdx: idx });
    } catch (e) {
      this.#app.notices.report(e, "Giving up the task");
    }
  }

  /** Runs the current run's request again (its sweep too), from the composer. */
  async rerun(): Promise<void> {
    const run = this.current;
    if (!run) return;
    const composer = this.#app.composer;
    const catalog = this.#app.catalog;
    // Not through `update` (which clears the shown problems and block first): `run` sets those.
    composer.form = pruneComposer(composerFromRun(run, catalog, composer.form), catalog);
    composer.sweepOpen = composer.sweeping;
    await composer.run();
  }

  /** Fills the composer from the current run, without running. */
  editAgain(): void {
    const run = this.current;
    if (!run) return;
    this.#app.composer.fillFromRun(run);
  }

  /**
   * Opens a past run and its request (prompt, targets, references, sweep) in a new tab, or
   * in the active tab when that is an untouched scratch tab: the tab being edited is kept.
   */
  async loadIntoComposer(id: string): Promise<void> {
    await this.open(id);
    const run = this.current;
    if (!run || run.id !== id) return;
    const catalog = this.#app.catalog;
    const form = pruneComposer(composerFromRun(run, catalog, initialComposer(catalog)), catalog);
    this.#app.workspace.openForm(form, titleFromPrompt(run.prompt));
  }

  async remove(id: string): Promise<void> {
    try {
      await call("run_delete", { runId: id });
      this.history = removeSummary(this.history, id);
      const { [id]: _gone, ...rest } = this.byId;
      this.byId = rest;
      if (this.currentId === id) this.currentId = null;
    } catch (e) {
      this.#app.notices.report(e, "Deleting the run");
    }
  }

  async copyCurl(runId: string, targetIdx: number): Promise<string | null> {
    const notices = this.#app.notices;
    try {
      const text = await call("export_curl", { runId, targetIdx });
      const ok = await copyText(text);
      if (ok) notices.toast("Copied the request as curl (the key is a placeholder).");
      else notices.note("Copy failed: select the command and copy it.");
      return text;
    } catch (e) {
      notices.report(e, "Copying as curl");
      return null;
    }
  }

  async contactSheet(): Promise<void> {
    const run = this.current;
    if (!run) return;
    try {
      const path = await call("export_contact_sheet", { runId: run.id });
      this.#app.notices.saved("Contact sheet saved", path);
    } catch (e) {
      this.#app.notices.report(e, "Making the contact sheet");
    }
  }

  async saveImages(): Promise<void> {
    const run = this.current;
    if (!run) return;
    try {
      const saved = await call("export_images", { runId: run.id });
      if (saved) this.#app.notices.saved(`${saved.count} image${saved.count === 1 ? "" : "s"} saved`, saved.dir);
    } catch (e) {
      this.#app.notices.report(e, "Saving the images");
    }
  }
}

/** A tab's title for a run's request: its prompt's first words. */
export function titleFromPrompt(prompt: string): string {
  const words = prompt.trim().split(/\s+/).slice(0, 4).join(" ");
  return words.length > 28 ? `${words.slice(0, 27)}…` : words || "Untitled";
}

/** Copies text with the Clipboard API, or the old way where that is not allowed. */
export async function copyText(text: string): Promise<boolean> {
  try {
    if (navigator.clipboard?.writeText) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch {
    // fall through
  }
  const ta = document.createElement("textarea");
  ta.value = text;
  ta.setAttribute("readonly", "");
  ta.style.position = "fixed";
  ta.style.opacity = "0";
  document.body.appendChild(ta);
  ta.select();
  let ok = false;
  try {
    ok = document.execCommand("copy");
  } catch {
    ok = false;
  }
  ta.remove();
  return ok;
}

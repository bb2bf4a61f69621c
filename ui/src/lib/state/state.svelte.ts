// The app's state (Svelte 5 runes) and its actions. Decisions live in the pure modules
// (composer, runs, filter, errors ...); this class wires them to the commands.
import { api, onFileDrop, onRunUpdated, onSessionUpdated } from "../api";
import {
  availableRatios,
  buildSpec,
  composerFromRun,
  initialComposer,
  localProblems,
  priceKey,
  pruneComposer,
  setCount,
  specKey,
  toggleTarget,
  type ComposerState,
} from "../logic/composer";
import { debounce, latestOnly } from "../logic/debounce";
import { composerFromDraft } from "../logic/lineage";
import { BUDGET_KINDS, pushError, toUiError, type ErrorEntry } from "../logic/errors";
import { setOption } from "../logic/options";
import { applyHistoryFilter, toHistoryFilter, type DateRange } from "../logic/historyFilter";
import { defaultSessionName, moveItem } from "../logic/spend";
import { applyRunStarted, applyRunUpdated, isActive, removeSummary } from "../logic/runs";
import type {
  AppInfo,
  CatalogEntry,
  Estimate,
  FieldSpec,
  KeyTestResult,
  ProfileInput,
  ProfileView,
  ReferenceView,
  RunDraft,
  RunSpec,
  RunSummary,
  RunStatus,
  RunView,
  SessionView,
  Settings,
  UiError,
} from "../types";

export interface Toast {
  id: number;
  text: string;
}

export interface Blocked {
  estimate: Estimate;
}

export interface ViewerState {
  runId: string;
  targetIdx: number;
  outputIdx: number;
}

const HISTORY_LIMIT = 2000;

export class AppStore {
  info = $state<AppInfo | null>(null);
  catalog = $state<CatalogEntry[]>([]);
  /** The model-specific fields the catalog's entries may list (quality, background, ...). */
  fieldSpecs = $state<FieldSpec[]>([]);
  profiles = $state<ProfileView[]>([]);
  session = $state<SessionView | null>(null);
  runs = $state<Record<string, RunView>>({});
  history = $state<RunSummary[]>([]);
  historyFilter = $state("");
  historyModel = $state<string | null>(null);
  historyStatus = $state<RunStatus | null>(null);
  historyProfile = $state<string | null>(null);
  historyDate = $state<DateRange>("all");
  settings = $state<Settings | null>(null);
  settingsOpen = $state(false);
  sessionPanelOpen = $state(false);
  /** Where the last session export went ("Saved to …" in the sidebar). */
  lastExport = $state<string | null>(null);
  currentRunId = $state<string | null>(null);
  /** The target the inspector shows (index in the current run). */
  selectedTarget = $state(0);
  composer = $state<ComposerState>(initialComposer([]));
  estimate = $state<Estimate | null>(null);
  /** The price key of the spec `estimate` was made for (see `priceKey`). */
  estimateKey = $state("");
  estimateError = $state<string | null>(null);
  estimating = $state(false);
  /** Problems found on pressing Run, shown under the Run button. */
  runProblems = $state<string[]>([]);
  blocked = $state<Blocked | null>(null);
  starting = $state(false);
  errors = $state<ErrorEntry[]>([]);
  toasts = $state<Toast[]>([]);
  inspectorOpen = $state(false);
  profilesOpen = $state(false);
  viewer = $state<ViewerState | null>(null);
  dragging = $state(false);
  addingRefs = $state(false);
  ready = $state(false);
  /** Set by the recipe state: dropped files go there first (an image may carry a recipe). */
  onFileDrop: ((paths: string[]) => Promise<void>) | null = null;
  /** Set by the sweep state: turns a spec into the sweep it runs (or the problems to fix). */
  sweepRun: ((spec: RunSpec) => Promise<{ spec: RunSpec } | { problems: string[] }>) | null = null;
  /** Set by the sweep state: loads a past run's sweep axes and variables. */
  sweepLoad: ((run: RunView) => void) | null = null;
  loadError = $state<UiError | null>(null);

  #nextId = 1;
  /** The last budget change in flight: a run waits for it, so its estimate sees it. */
  #budgetOp: Promise<void> = Promise.resolve();
  #lastEstimateKey = "";
  #estimateLatest = latestOnly((spec: RunSpec) => api.estimate(spec));
  #estimateDebounced = debounce((spec: RunSpec) => void this.#runEstimate(spec), 150);

  currentProfile = $derived(this.profiles.find((p) => p.isCurrent) ?? null);
  currentRun = $derived(this.currentRunId ? (this.runs[this.currentRunId] ?? null) : null);
  running = $derived(this.currentRun !== null && isActive(this.currentRun.status));
  filteredHistory = $derived(
    applyHistoryFilter(
      this.history,
      toHistoryFilter({
        text: this.historyFilter,
        model: this.historyModel,
        status: this.historyStatus,
        profileId: this.historyProfile,
        date: this.historyDate,
      }),
      (id) => this.profiles.find((p) => p.id === id)?.name ?? null,
    ),
  );
  spec = $derived(buildSpec(this.composer, this.catalog));
  ratios = $derived(availableRatios(this.composer, this.catalog));
  /** Whether `estimate`'s figures are for the targets, ratio and options chosen now. */
  estimateFresh = $derived(this.estimate !== null && this.estimateKey === priceKey(this.spec));

  // ---- start -------------------------------------------------------------------

  async init(): Promise<void> {
    try {
      await onRunUpdated((run) => this.#onRun(run));
      await onSessionUpdated((s) => (this.session = s));
    } catch (e) {
      this.report(e, "Listening to the app's events");
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
      this.profiles = profiles;
      this.session = session;
      this.history = history;
      this.composer = initialComposer(catalog.entries);
      this.ready = true;
    } catch (e) {
      this.loadError = toUiError(e);
      this.report(e, "Starting Pixbench");
    }
    try {
      this.settings = await api.settingsGet();
    } catch (e) {
      this.report(e, "Reading the settings");
    }
    try {
      await onFileDrop((e) => {
        if (e.type === "enter" || e.type === "over") this.dragging = true;
        else if (e.type === "drop") {
          this.dragging = false;
          void (this.onFileDrop ? this.onFileDrop(e.paths) : this.addReferencePaths(e.paths));
        } else this.dragging = false;
      });
    } catch {
      // Not in a Tauri webview (a plain browser): no file drops.
    }
  }

  #onRun(run: RunView): void {
    const next = applyRunUpdated({ runs: this.runs, history: this.history }, run);
    this.runs = next.runs;
    this.history = next.history;
  }

  // ---- messages ----------------------------------------------------------------

  report(e: unknown, context: string | null = null): UiError {
    const err = toUiError(e);
    this.errors = pushError(this.errors, err, context, this.#nextId++);
    return err;
  }

  dismissError(id: number): void {
    this.errors = this.errors.filter((e) => e.id !== id);
  }

  toast(text: string): void {
    const id = this.#nextId++;
    this.toasts = [...this.toasts, { id, text }];
    setTimeout(() => (this.toasts = this.toasts.filter((t) => t.id !== id)), 5000);
  }

  // ---- composer and estimate ------------------------------------------------------

  updateComposer(fn: (s: ComposerState) => ComposerState): void {
    // Options no selected target takes are dropped whenever the selection changes.
    this.composer = pruneComposer(fn(this.composer), this.catalog);
    this.runProblems = [];
    this.blocked = null;
  }

  setPrompt(prompt: string): void {
    this.updateComposer((s) => ({ ...s, prompt }));
  }

  toggleTarget(id: string, on: boolean): void {
    this.updateComposer((s) => toggleTarget(s, id, on));
  }

  setCount(id: string, n: number): void {
    const entry = this.catalog.find((e) => e.id === id);
    this.updateComposer((s) => setCount(s, id, n, entry));
  }

  /** Sets a model option (null or "" clears it: it is then not sent). */
  setOption(name: string, raw: string | number | null): void {
    const spec = this.fieldSpecs.find((f) => f.name === name);
    if (!spec) return;
    this.updateComposer((s) => ({ ...s, options: setOption(s.options, spec, raw) }));
  }

  /** Asks for a new estimate soon (debounced) when the spec or the budget changed. */
  requestEstimate(): void {
    const spec = buildSpec(this.composer, this.catalog);
    const key = `${specKey(spec)}|${this.session?.id}|${this.session?.budgetCredits ?? 0}|${this.session?.credits ?? 0}|${this.currentProfile?.id}`;
    if (key === this.#lastEstimateKey) return;
    this.#lastEstimateKey = key;
    this.#estimateDebounced(spec);
  }

  async #runEstimate(spec: RunSpec): Promise<void> {
    if (spec.targets.length === 0) {
      this.estimate = null;
      this.estimateError = null;
      return;
    }
    this.estimating = true;
    try {
      const r = await this.#estimateLatest(spec);
      if (!r.stale) {
        this.estimate = r.value;
        this.estimateKey = priceKey(spec);
        this.estimateError = null;
      }
    } catch (e) {
      this.estimateError = toUiError(e).message;
    } finally {
      this.estimating = false;
    }
  }

  // ---- runs --------------------------------------------------------------------

  async run(ignoreBudget = false): Promise<void> {
    if (this.starting) return;
    let spec = buildSpec(this.composer, this.catalog, ignoreBudget);
    const problems = localProblems(spec);
    if (problems.length > 0) {
      this.runProblems = problems;
      return;
    }
    this.runProblems = [];
    this.starting = true;
    try {
      await this.#budgetOp;
      if (this.sweepRun) {
        const swept = await this.sweepRun(spec);
        if ("problems" in swept) {
          this.runProblems = swept.problems;
          return;
        }
        spec = swept.spec;
      }
      if (!ignoreBudget) {
        let est: Estimate;
        try {
          est = await api.estimate(spec);
        } catch (e) {
          this.report(e, "Estimating the run");
          return;
        }
        this.estimate = est;
        this.estimateKey = priceKey(spec);
        if (est.problems.length > 0) {
          this.runProblems = est.problems;
          return;
        }
        if (est.overBudget) {
          this.blocked = { estimate: est };
          return;
        }
      }
      this.blocked = null;
      let run: RunView;
      try {
        run = await api.runStart(spec);
      } catch (e) {
        const err = toUiError(e);
        if (BUDGET_KINDS.has(err.kind) && this.estimate) {
          this.blocked = { estimate: { ...this.estimate, overBudget: true } };
        } else {
          this.report(err, "Starting the run");
        }
        return;
      }
      const next = applyRunStarted({ runs: this.runs, history: this.history }, run);
      this.runs = next.runs;
      this.history = next.history;
      this.currentRunId = run.id;
      this.selectedTarget = 0;
    } finally {
      this.starting = false;
    }
  }

  async raiseBudget(): Promise<void> {
    const b = this.blocked;
    if (!b) return;
    const needed = b.estimate.spentCredits + b.estimate.totalCredits;
    await this.setBudget(needed);
    this.blocked = null;
    this.toast(`Budget raised to ${needed} credits. Press Run to start.`);
  }

  async cancel(): Promise<void> {
    const run = this.currentRun;
    if (!run) return;
    try {
      await api.runCancel(run.id);
    } catch (e) {
      this.report(e, "Cancelling the run");
    }
  }

  async cancelTarget(runId: string, idx: number): Promise<void> {
    try {
      await api.runCancelTarget(runId, idx);
    } catch (e) {
      this.report(e, "Cancelling the target");
    }
  }

  async openRun(id: string): Promise<void> {
    this.currentRunId = id;
    this.selectedTarget = 0;
    try {
      const run = await api.runGet(id);
      this.runs = { ...this.runs, [id]: run };
    } catch (e) {
      this.report(e, "Opening the run");
    }
  }

  async rerun(): Promise<void> {
    const run = this.currentRun;
    if (!run) return;
    this.composer = pruneComposer(composerFromRun(run, this.catalog, this.composer), this.catalog);
    this.sweepLoad?.(run);
    await this.run();
  }

  /** Fills the composer from the current run, without running. */
  editAgain(): void {
    const run = this.currentRun;
    if (!run) return;
    this.updateComposer((s) => composerFromRun(run, this.catalog, s));
    this.sweepLoad?.(run);
  }

  async deleteRun(id: string): Promise<void> {
    try {
      await api.runDelete(id);
      this.history = removeSummary(this.history, id);
      const { [id]: _gone, ...rest } = this.runs;
      this.runs = rest;
      if (this.currentRunId === id) this.currentRunId = null;
    } catch (e) {
      this.report(e, "Deleting the run");
    }
  }

  async rate(runId: string, targetIdx: number, outputIdx: number, rating: number | null): Promise<void> {
    const run = this.runs[runId];
    const out = run?.targets[targetIdx]?.outputs[outputIdx];
    const before = out?.rating ?? null;
    if (out) out.rating = rating;
    try {
      await api.outputRate(runId, targetIdx, outputIdx, rating, out?.note ?? null);
    } catch (e) {
      if (out) out.rating = before;
      this.report(e, "Saving the rating");
    }
  }

  async copyCurl(runId: string, targetIdx: number): Promise<string | null> {
    try {
      const text = await api.exportCurl(runId, targetIdx);
      const ok = await copyText(text);
      this.toast(
        ok ? "Copied the request as curl (the key is a placeholder)." : "Copy failed: select the command and copy it.",
      );
      return text;
    } catch (e) {
      this.report(e, "Copying as curl");
      return null;
    }
  }

  async contactSheet(): Promise<void> {
    const run = this.currentRun;
    if (!run) return;
    try {
      const path = await api.exportContactSheet(run.id);
      this.toast(`Contact sheet saved to ${path}`);
    } catch (e) {
      this.report(e, "Making the contact sheet");
    }
  }

  async saveImages(): Promise<void> {
    const run = this.currentRun;
    if (!run) return;
    try {
      const msg = await api.exportImages(run.id);
      if (msg) this.toast(msg);
    } catch (e) {
      this.report(e, "Saving the images");
    }
  }

  // ---- references ----------------------------------------------------------------

  #addRefs(refs: ReferenceView[]): void {
    if (refs.length === 0) return;
    this.updateComposer((s) => {
      const have = new Set(s.references.map((r) => r.sha256));
      const added = refs.filter((r) => !have.has(r.sha256));
      return { ...s, mode: "edit", references: [...s.references, ...added] };
    });
    for (const r of refs) if (r.note) this.toast(`${r.name}: ${r.note}`);
  }

  async pickReferences(): Promise<void> {
    this.addingRefs = true;
    try {
      this.#addRefs(await api.referencesPick());
    } catch (e) {
      this.report(e, "Adding reference images");
    } finally {
      this.addingRefs = false;
    }
  }

  async addReferencePaths(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    this.addingRefs = true;
    try {
      this.#addRefs(await api.referencesAddPaths(paths));
    } catch (e) {
      if (paths.length === 1) this.report(e, "Adding the dropped image");
      else {
        // One refused file refuses the batch: add the others one by one, naming each refusal.
        for (const p of paths) {
          try {
            this.#addRefs(await api.referencesAddPaths([p]));
          } catch (e1) {
            this.report(e1, "Adding a dropped image");
          }
        }
      }
    } finally {
      this.addingRefs = false;
    }
  }

  async addReferenceFiles(files: File[]): Promise<void> {
    if (files.length === 0) return;
    this.addingRefs = true;
    try {
      for (const f of files) {
        try {
          const bytes = new Uint8Array(await f.arrayBuffer());
          this.#addRefs([await api.referenceAddBytes(f.name || "pasted.png", bytes)]);
        } catch (e) {
          this.report(e, "Adding the pasted image");
        }
      }
    } finally {
      this.addingRefs = false;
    }
  }

  removeReference(sha256: string): void {
    this.updateComposer((s) => ({ ...s, references: s.references.filter((r) => r.sha256 !== sha256) }));
  }

  /** Moves a reference image `delta` places (the order is the order sent). */
  moveReference(sha256: string, delta: number): void {
    this.updateComposer((s) => ({
      ...s,
      references: moveItem(
        s.references,
        s.references.findIndex((r) => r.sha256 === sha256),
        delta,
      ),
    }));
  }

  // ---- session -----------------------------------------------------------------

  async setBudget(credits: number | null): Promise<void> {
    const op = (async () => {
      try {
        this.session = await api.sessionSetBudget(credits);
        this.blocked = null; // its figures were about the old budget
      } catch (e) {
        this.report(e, "Setting the budget");
      }
    })();
    this.#budgetOp = op;
    await op;
  }

  async newSession(given?: string): Promise<void> {
    const d = new Date();
    const name = given?.trim() || defaultSessionName(d);
    try {
      this.session = await api.sessionNew(name);
      this.toast(`Started “${name}”. Spend starts again at 0.`);
    } catch (e) {
      this.report(e, "Starting a new session");
    }
  }

  async exportSession(format: "csv" | "json"): Promise<void> {
    try {
      const path = await api.sessionExport(format);
      this.lastExport = path;
      this.toast(`Session exported to ${path}`);
    } catch (e) {
      this.report(e, "Exporting the session");
    }
  }

  async saveSettings(next: Settings): Promise<void> {
    try {
      this.settings = await api.settingsSet(next);
    } catch (e) {
      this.report(e, "Saving the settings");
    }
  }

  /**
   * Loads a draft (a RunSpec and its reference images, e.g. "edit from this") into the
   * composer, without running; the draft's parent stays with its reference.
   */
  loadDraft(draft: RunDraft): void {
    this.updateComposer((s) => composerFromDraft(draft, this.catalog, s));
    for (const r of draft.references) if (r.note) this.toast(`${r.name}: ${r.note}`);
  }

  /** Opens a past run and loads its prompt, targets and references into the composer. */
  async loadRun(id: string): Promise<void> {
    await this.openRun(id);
    this.editAgain();
  }

  // ---- profiles ----------------------------------------------------------------

  async refreshProfiles(): Promise<void> {
    try {
      this.profiles = await api.profilesList();
    } catch (e) {
      this.report(e, "Listing profiles");
    }
  }

  async selectProfile(id: string): Promise<void> {
    if (this.currentProfile?.id === id) return;
    try {
      await api.profileSelect(id);
      const [profiles, session] = await Promise.all([api.profilesList(), api.sessionCurrent()]);
      this.profiles = profiles;
      this.session = session;
    } catch (e) {
      this.report(e, "Switching profile");
      await this.refreshProfiles();
    }
  }

  /** Saves a profile and, when given, its key (which is then forgotten here). */
  async saveProfile(input: ProfileInput, key: string | null): Promise<ProfileView | null> {
    try {
      let p = await api.profileSave(input);
      if (key && key.trim()) p = await api.profileSetKey(p.id, key.trim());
      await this.refreshProfiles();
      this.toast(`Saved profile “${p.name}”.`);
      return p;
    } catch (e) {
      this.report(e, "Saving the profile");
      return null;
    }
  }

  async deleteProfile(id: string): Promise<boolean> {
    try {
      await api.profileDelete(id);
      const [profiles, session] = await Promise.all([api.profilesList(), api.sessionCurrent()]);
      this.profiles = profiles;
      this.session = session;
      return true;
    } catch (e) {
      this.report(e, "Deleting the profile");
      return false;
    }
  }

  async removeKey(id: string): Promise<void> {
    try {
      await api.profileRemoveKey(id);
      await this.refreshProfiles();
    } catch (e) {
      this.report(e, "Removing the key");
    }
  }

  async testKey(id: string): Promise<KeyTestResult> {
    try {
      return await api.profileTest(id);
    } catch (e) {
      const err = toUiError(e);
      return { ok: false, message: err.message, models: 0, latencyMs: 0 };
    }
  }
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

export const store = new AppStore();

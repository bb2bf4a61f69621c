// The composer (Svelte 5 runes): its form, reference images and sweep, the estimate of
// the one request they make, and Run. Decisions live in ../logic/composer; this wires
// them to the commands.
import { call } from "../api";
import {
  availableRatios,
  buildRequest,
  composerFromRun,
  initialComposer,
  isSweeping,
  localProblems,
  priceKey,
  pruneComposer,
  setCount,
  toggleTarget,
  type ComposerState,
} from "../logic/composer";
import { debounce, latestOnly } from "../logic/debounce";
import { sentence, toUiError } from "../logic/errors";
import { composerFromDraft } from "../logic/lineage";
import { setOption } from "../logic/options";
import { moveItem } from "../logic/spend";
import { addAxis, emptySweep, removeAxis, setVariable, toggleAxisValue } from "../logic/sweep";
import type { AppStore } from "./state.svelte";
import type { Estimate, ReferenceView, Request, RunDraft, RunStart, RunView } from "../types";

export interface Blocked {
  estimate: Estimate;
}

export class ComposerStore {
  /** What the composer holds: prompt, targets, ratio, references, options, sweep. */
  form = $state<ComposerState>(initialComposer([]));
  /** The Sweep section is shown (it may be open with nothing swept yet). */
  sweepOpen = $state(false);
  /** The core's estimate of the request: its count (a sweep's too), cost, problems, notes. */
  estimate = $state<Estimate | null>(null);
  /** The price key of the request `estimate` was made for (see `priceKey`). */
  estimateKey = $state("");
  /** The profile the estimate was made for (its prices and its mode). */
  estimateProfile = $state<string | null>(null);
  estimateError = $state<string | null>(null);
  /** Refused reference files, said in the composer where they were dropped or pasted. */
  refErrors = $state<{ id: number; text: string }[]>([]);
  #refErrorId = 0;
  estimating = $state(false);
  /** Problems found on pressing Run, shown under the Run button. */
  runProblems = $state<string[]>([]);
  /** The last Run was over the budget: "Run anyway" / "Raise budget" are offered. */
  blocked = $state<Blocked | null>(null);
  starting = $state(false);
  addingRefs = $state(false);

  readonly #app: AppStore;
  #lastEstimateKey = "";
  #estimateLatest = latestOnly((request: Request) => call("estimate", { request }));
  #estimateDebounced = debounce((request: Request) => void this.#runEstimate(request), 150);

  // `.by`: the root is read when these are first read, after the constructor has set it.
  request = $derived.by(() => buildRequest(this.form, this.#app.catalog));
  ratios = $derived.by(() => availableRatios(this.form, this.#app.catalog));
  /** Whether Run runs a sweep: an axis is set, or the prompt has a {{variable}}. */
  sweeping = $derived(isSweeping(this.form));
  /** Whether `estimate`'s figures are for the targets, ratio, fields and sweep chosen now. */
  estimateFresh = $derived.by(
    () =>
      this.estimate !== null &&
      this.estimateKey === priceKey(this.request) &&
      // Another profile is another price and another mode (live or simulated): the old
      // figures are not shown as this profile's.
      this.estimateProfile === (this.#app.profiles.current?.id ?? null),
  );
  /** Whether runs now spend real credits: the current profile is not the Sandbox. */
  live = $derived.by(() => !!this.#app.profiles.current && !this.#app.profiles.current.isSandbox);

  constructor(app: AppStore) {
    this.#app = app;
  }

  // ---- form ------------------------------------------------------------------------

  update(fn: (s: ComposerState) => ComposerState): void {
    // Options no selected target takes are dropped whenever the selection changes.
    this.form = pruneComposer(fn(this.form), this.#app.catalog);
    this.runProblems = [];
    this.blocked = null;
  }

  setPrompt(prompt: string): void {
    this.update((s) => ({ ...s, prompt }));
  }

  toggleTarget(id: string, on: boolean): void {
    this.update((s) => toggleTarget(s, id, on));
  }

  setCount(id: string, n: number): void {
    const entry = this.#app.catalog.find((e) => e.id === id);
    this.update((s) => setCount(s, id, n, entry));
  }

  /** Sets a model option (null or "" clears it: it is then not sent). */
  setOption(name: string, raw: string | number | null): void {
    const spec = this.#app.fieldSpecs.find((f) => f.name === name);
    if (!spec) return;
    this.update((s) => ({ ...s, options: setOption(s.options, spec, raw) }));
  }

  /** Fills the form from a past run (its prompt, targets, references, sweep), without running. */
  fillFromRun(run: RunView): void {
    this.update((s) => composerFromRun(run, this.#app.catalog, s));
    this.sweepOpen = this.sweeping;
  }

  // ---- sweep -----------------------------------------------------------------------

  addAxis(axis: string, values: string[] = []): void {
    this.update((s) => ({ ...s, sweep: addAxis(s.sweep, axis, values) }));
  }
  removeAxis(axis: string): void {
    this.update((s) => ({ ...s, sweep: removeAxis(s.sweep, axis) }));
  }
  toggleAxisValue(axis: string, value: string): void {
    this.update((s) => ({ ...s, sweep: toggleAxisValue(s.sweep, axis, value) }));
  }
  setAxisValues(axis: string, values: string[]): void {
    this.update((s) => ({
      ...s,
      sweep: { ...s.sweep, axes: s.sweep.axes.map((a) => (a.axis === axis ? { ...a, values } : a)) },
    }));
  }
  setVariable(name: string, values: string[]): void {
    this.update((s) => ({ ...s, sweep: setVariable(s.sweep, name, values) }));
  }
  /** Removes every axis and variable value (the variables stay in the prompt) and closes the section. */
  clearSweep(): void {
    this.update((s) => ({ ...s, sweep: emptySweep() }));
    this.sweepOpen = false;
  }

  /** Puts another tab's form in the composer, as it was (see WorkspaceStore). */
  replaceForm(form: ComposerState): void {
    this.form = pruneComposer(form, this.#app.catalog);
    this.runProblems = [];
    this.blocked = null;
    this.sweepOpen = isSweeping(this.form);
  }

  /**
   * Loads a draft (a request and its reference images, e.g. "edit from this") into the
   * composer, without running; the draft's parent stays with its reference.
   */
  loadDraft(draft: RunDraft): void {
    this.update((s) => composerFromDraft(draft, this.#app.catalog, s));
  }

  // ---- estimate --------------------------------------------------------------------

  /**
   * Asks for a new estimate soon (debounced) when what it depends on changed: the request
   * but its prompt's words, the budget and spend, the profile, the limit on requests.
   */
  requestEstimate(): void {
    const request = buildRequest(this.form, this.#app.catalog);
    const session = this.#app.session.current;
    // The workspace's environment fills variables in the core: a switch changes the count.
    const env = this.#app.workspace.view?.environment;
    // An empty prompt is a problem of the estimate's own: it is asked again once one is written.
    const key = `${priceKey(request)}|${request.prompt.trim() === ""}|${session?.id}|${session?.budgetCredits ?? 0}|${session?.spent.credits ?? 0}|${this.#app.profiles.current?.id}|${this.#app.settings?.maxRequests}|${env}`;
    if (key === this.#lastEstimateKey) return;
    this.#lastEstimateKey = key;
    this.#estimateDebounced(request);
  }

  async #runEstimate(request: Request): Promise<void> {
    if (request.targets.length === 0) {
      this.estimate = null;
      this.estimateError = null;
      return;
    }
    this.estimating = true;
    const profile = this.#app.profiles.current?.id ?? null;
    try {
      const r = await this.#estimateLatest(request);
      if (!r.stale) {
        this.estimate = r.value;
        this.estimateKey = priceKey(request);
        this.estimateProfile = profile;
        this.estimateError = null;
      }
    } catch (e) {
      this.estimateError = toUiError(e).message;
    } finally {
      this.estimating = false;
    }
  }

  // ---- run -------------------------------------------------------------------------

  /**
   * Runs the composer's request (its sweep too) in one call: the core starts it, or
   * answers its estimate with nothing sent (problems to show, or a budget it could cross
   * unless `allowOverBudget`: "Run anyway" / "Raise budget").
   */
  async run(allowOverBudget = false): Promise<void> {
    if (this.starting) return;
    const app = this.#app;
    const request = buildRequest(this.form, app.catalog);
    const problems = localProblems(this.form, request);
    if (problems.length > 0) {
      this.runProblems = problems;
      return;
    }
    this.runProblems = [];
    this.starting = true;
    try {
      await app.session.budgetSettled();
      let answer: RunStart;
      try {
        answer = await call("run_start", { request, allowOverBudget });
      } catch (e) {
        app.notices.report(e, "Starting the run");
        return;
      }
      if (answer.outcome === "refused") {
        const est = answer.estimate;
        this.estimate = est;
        this.estimateKey = priceKey(request);
        if (est.problems.length > 0) this.runProblems = est.problems;
        else this.blocked = { estimate: est };
        return;
      }
      this.blocked = null;
      app.runs.started(answer.run);
    } finally {
      this.starting = false;
    }
  }

  /** Raises the budget to what the blocked run needs; the run is then started by hand. */
  async raiseBudget(): Promise<void> {
    const b = this.blocked;
    if (!b) return;
    const needed = b.estimate.spent.credits + b.estimate.total.credits;
    await this.#app.session.setBudget(needed);
    this.blocked = null;
    this.#app.notices.toast(`Budget raised to ${needed} credits. Press Run to start.`);
  }

  // ---- references --------------------------------------------------------------------

  #refused(e: unknown): void {
    const err = toUiError(e);
    // The newest few, each once: a batch of refused files is said file by file.
    const text = sentence(err.message);
    this.refErrors = [...this.refErrors.filter((x) => x.text !== text), { id: ++this.#refErrorId, text }].slice(-3);
  }

  dismissRefError(id: number): void {
    this.refErrors = this.refErrors.filter((x) => x.id !== id);
  }

  #addRefs(refs: ReferenceView[]): void {
    if (refs.length === 0) return;
    this.update((s) => {
      const have = new Set(s.references.map((r) => r.sha256));
      const added = refs.filter((r) => !have.has(r.sha256));
      return { ...s, mode: "edit", references: [...s.references, ...added] };
    });
  }

  async pickReferences(): Promise<void> {
    this.addingRefs = true;
    try {
      this.#addRefs(await call("references_pick"));
    } catch (e) {
      this.#refused(e);
    } finally {
      this.addingRefs = false;
    }
  }

  async addReferencePaths(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    this.addingRefs = true;
    try {
      this.#addRefs(await call("references_add_paths", { paths }));
    } catch (e) {
      if (paths.length === 1) this.#refused(e);
      else {
        // One refused file refuses the batch: add the others one by one, naming each refusal.
        for (const p of paths) {
          try {
            this.#addRefs(await call("references_add_paths", { paths: [p] }));
          } catch (e1) {
            this.#refused(e1);
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
          this.#addRefs([
            await call("reference_add_bytes", { name: f.name || "pasted.png", bytes: Array.from(bytes) }),
          ]);
        } catch (e) {
          this.#refused(e);
        }
      }
    } finally {
      this.addingRefs = false;
    }
  }

  removeReference(sha256: string): void {
    this.update((s) => ({ ...s, references: s.references.filter((r) => r.sha256 !== sha256) }));
  }

  /** Moves a reference image `delta` places (the order is the order sent). */
  moveReference(sha256: string, delta: number): void {
    this.update((s) => ({
      ...s,
      references: moveItem(
        s.references,
        s.references.findIndex((r) => r.sha256 === sha256),
        delta,
      ),
    }));
  }
}

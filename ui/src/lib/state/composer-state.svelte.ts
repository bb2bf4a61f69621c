// The composer (Svelte 5 runes): its form and reference images, the estimate, and Run.
// Decisions live in ../logic/composer; this wires them to the commands.
import { api } from "../api";
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
import { isBudgetKind, toUiError } from "../logic/errors";
import { composerFromDraft } from "../logic/lineage";
import { setOption } from "../logic/options";
import { moveItem } from "../logic/spend";
import type { AppStore } from "./state.svelte";
import type { Estimate, ReferenceView, RunDraft, RunSpec, RunView } from "../types";

export interface Blocked {
  estimate: Estimate;
}

export class ComposerStore {
  /** What the composer holds: prompt, targets, ratio, references, options. */
  form = $state<ComposerState>(initialComposer([]));
  estimate = $state<Estimate | null>(null);
  /** The price key of the spec `estimate` was made for (see `priceKey`). */
  estimateKey = $state("");
  estimateError = $state<string | null>(null);
  estimating = $state(false);
  /** Problems found on pressing Run, shown under the Run button. */
  runProblems = $state<string[]>([]);
  /** The last Run was over the budget: "Run anyway" / "Raise budget" are offered. */
  blocked = $state<Blocked | null>(null);
  starting = $state(false);
  addingRefs = $state(false);

  readonly #app: AppStore;
  #lastEstimateKey = "";
  #estimateLatest = latestOnly((spec: RunSpec) => api.estimate(spec));
  #estimateDebounced = debounce((spec: RunSpec) => void this.#runEstimate(spec), 150);

  // `.by`: the root is read when these are first read, after the constructor has set it.
  spec = $derived.by(() => buildSpec(this.form, this.#app.catalog));
  ratios = $derived.by(() => availableRatios(this.form, this.#app.catalog));
  /** Whether `estimate`'s figures are for the targets, ratio and options chosen now. */
  estimateFresh = $derived(this.estimate !== null && this.estimateKey === priceKey(this.spec));

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

  /** Fills the form from a past run (its prompt, targets, references), without running. */
  fillFromRun(run: RunView): void {
    this.update((s) => composerFromRun(run, this.#app.catalog, s));
  }

  /**
   * Loads a draft (a RunSpec and its reference images, e.g. "edit from this") into the
   * composer, without running; the draft's parent stays with its reference.
   */
  loadDraft(draft: RunDraft): void {
    this.update((s) => composerFromDraft(draft, this.#app.catalog, s));
    for (const r of draft.references) if (r.note) this.#app.notices.toast(`${r.name}: ${r.note}`);
  }

  // ---- estimate --------------------------------------------------------------------

  /** Asks for a new estimate soon (debounced) when the spec or the budget changed. */
  requestEstimate(): void {
    const spec = buildSpec(this.form, this.#app.catalog);
    const session = this.#app.session.current;
    const key = `${specKey(spec)}|${session?.id}|${session?.budgetCredits ?? 0}|${session?.credits ?? 0}|${this.#app.profiles.current?.id}`;
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

  // ---- run -------------------------------------------------------------------------

  /** Runs the composer's spec (or its sweep); a budget it is over blocks it unless `ignoreBudget`. */
  async run(ignoreBudget = false): Promise<void> {
    if (this.starting) return;
    const app = this.#app;
    let spec = buildSpec(this.form, app.catalog, ignoreBudget);
    const problems = localProblems(spec);
    if (problems.length > 0) {
      this.runProblems = problems;
      return;
    }
    this.runProblems = [];
    this.starting = true;
    try {
      await app.session.budgetSettled();
      if (app.sweepRun) {
        const swept = await app.sweepRun(spec);
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
          app.notices.report(e, "Estimating the run");
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
        if (isBudgetKind(err.kind) && this.estimate) {
          this.blocked = { estimate: { ...this.estimate, overBudget: true } };
        } else {
          app.notices.report(err, "Starting the run");
        }
        return;
      }
      app.runs.started(run);
    } finally {
      this.starting = false;
    }
  }

  /** Raises the budget to what the blocked run needs; the run is then started by hand. */
  async raiseBudget(): Promise<void> {
    const b = this.blocked;
    if (!b) return;
    const needed = b.estimate.spentCredits + b.estimate.totalCredits;
    await this.#app.session.setBudget(needed);
    this.blocked = null;
    this.#app.notices.toast(`Budget raised to ${needed} credits. Press Run to start.`);
  }

  // ---- references --------------------------------------------------------------------

  #addRefs(refs: ReferenceView[]): void {
    if (refs.length === 0) return;
    this.update((s) => {
      const have = new Set(s.references.map((r) => r.sha256));
      const added = refs.filter((r) => !have.has(r.sha256));
      return { ...s, mode: "edit", references: [...s.references, ...added] };
    });
    for (const r of refs) if (r.note) this.#app.notices.toast(`${r.name}: ${r.note}`);
  }

  async pickReferences(): Promise<void> {
    this.addingRefs = true;
    try {
      this.#addRefs(await api.referencesPick());
    } catch (e) {
      this.#app.notices.report(e, "Adding reference images");
    } finally {
      this.addingRefs = false;
    }
  }

  async addReferencePaths(paths: string[]): Promise<void> {
    if (paths.length === 0) return;
    const notices = this.#app.notices;
    this.addingRefs = true;
    try {
      this.#addRefs(await api.referencesAddPaths(paths));
    } catch (e) {
      if (paths.length === 1) notices.report(e, "Adding the dropped image");
      else {
        // One refused file refuses the batch: add the others one by one, naming each refusal.
        for (const p of paths) {
          try {
            this.#addRefs(await api.referencesAddPaths([p]));
          } catch (e1) {
            notices.report(e1, "Adding a dropped image");
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
          this.#app.notices.report(e, "Adding the pasted image");
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

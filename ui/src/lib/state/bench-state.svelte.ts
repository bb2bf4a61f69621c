// The benchmark panel's state and actions (Svelte 5 runes). The form and the figures are
// pure (../logic/bench); this wires them to the commands and the `bench-*` events.
import { call, on } from "../api";
import { benchInput, formFromComposer, formFromInput, formProblems, type BenchForm } from "../logic/bench";
import { debounce, latestOnly } from "../logic/debounce";
import { isBudgetKind, toUiError } from "../logic/errors";
import { store } from "./state.svelte";
import type { BenchProgress, BenchSummary, BenchView, ExportFormat, Preflight } from "../types";

export class BenchStore {
  open = $state(false);
  form = $state<BenchForm | null>(null);
  preflight = $state<Preflight | null>(null);
  preflightError = $state<string | null>(null);
  /** Problems found on pressing Start (local, or the core's refusal). */
  startProblem = $state<string | null>(null);
  /** The last start was refused by a budget: "Start anyway" is offered. */
  overBudget = $state(false);
  starting = $state(false);
  list = $state<BenchSummary[]>([]);
  selectedId = $state<string | null>(null);
  view = $state<BenchView | null>(null);
  loadingView = $state(false);
  progress = $state<Record<string, BenchProgress>>({});
  lastExport = $state<string | null>(null);

  #listening = false;
  #preflightLatest = latestOnly((f: BenchForm) =>
    call("bench_preflight", { input: benchInput(f, this.#references(), false, this.#order()) }),
  );
  #preflightDebounced = debounce((f: BenchForm) => void this.#runPreflight(f), 200);
  // A selection and the end of a run each load the view; the latest load's answer wins,
  // so a running-state answer that arrives last cannot replace the finished report.
  #viewLatest = latestOnly((id: string) => call("bench_get", { id }));

  selected = $derived(this.list.find((b) => b.id === this.selectedId) ?? null);
  running = $derived(this.list.some((b) => b.status === "running"));
  problems = $derived(this.form ? formProblems(this.form) : []);

  #order(): string[] {
    return store.catalog.map((e) => e.id);
  }

  #references(): string[] {
    return store.composer.form.references.map((r) => r.sha256);
  }

  async #listen(): Promise<void> {
    if (this.#listening) return;
    this.#listening = true;
    try {
      await on("bench-progress", (e) => (this.progress = { ...this.progress, [e.id]: e.progress }));
      await on("bench-updated", (s) => this.#onUpdated(s));
    } catch (e) {
      this.#listening = false;
      store.notices.report(e, "Listening to benchmark events");
    }
  }

  #onUpdated(s: BenchSummary): void {
    const i = this.list.findIndex((b) => b.id === s.id);
    this.list = i >= 0 ? this.list.map((b) => (b.id === s.id ? s : b)) : [s, ...this.list];
    if (s.id === this.selectedId && s.status !== "running") void this.#loadView(s.id);
  }

  /** Opens the panel; the form starts from the composer the first time. */
  async show(): Promise<void> {
    this.open = true;
    if (!this.form) this.form = formFromComposer(store.composer.form);
    await this.#listen();
    try {
      this.list = await call("bench_list");
      if (!this.selectedId && this.list.length > 0) await this.select(this.list[0].id);
    } catch (e) {
      store.notices.report(e, "Listing benchmarks");
    }
    this.requestPreflight();
  }

  close(): void {
    this.open = false;
  }

  /** Starts the form over from the composer's current prompt and targets. */
  resetFromComposer(): void {
    this.form = formFromComposer(store.composer.form);
    this.requestPreflight();
  }

  update(fn: (f: BenchForm) => BenchForm): void {
    if (!this.form) return;
    this.form = fn(this.form);
    this.startProblem = null;
    this.overBudget = false;
    this.requestPreflight();
  }

  requestPreflight(): void {
    const f = this.form;
    if (!f || formProblems(f).length > 0) {
      this.#preflightDebounced.cancel();
      this.preflight = null;
      this.preflightError = null;
      return;
    }
    this.#preflightDebounced($state.snapshot(f) as BenchForm);
  }

  async #runPreflight(f: BenchForm): Promise<void> {
    try {
      const r = await this.#preflightLatest(f);
      if (r.stale) return;
      this.preflight = r.value;
      this.preflightError = null;
    } catch (e) {
      this.preflight = null;
      this.preflightError = toUiError(e).message;
    }
  }

  async start(ignoreBudget = false): Promise<void> {
    const f = this.form;
    if (!f || this.starting) return;
    const local = formProblems(f);
    if (local.length > 0) {
      this.startProblem = local.join(" ");
      return;
    }
    this.starting = true;
    this.startProblem = null;
    this.overBudget = false;
    this.lastExport = null;
    try {
      const s = await call("bench_start", {
        input: benchInput($state.snapshot(f) as BenchForm, this.#references(), ignoreBudget, this.#order()),
      });
      // A short benchmark can finish (its `bench-updated` event arrive) before this
      // answer: the list's entry is then newer than `s`, and is kept.
      const known = this.list.find((b) => b.id === s.id);
      if (!known) this.list = [s, ...this.list];
      await this.select(s.id);
    } catch (e) {
      const err = toUiError(e);
      this.startProblem = err.message;
      this.overBudget = isBudgetKind(err.kind);
    } finally {
      this.starting = false;
    }
  }

  async cancel(id: string | null = this.selectedId): Promise<void> {
    if (!id) return;
    try {
      await call("bench_cancel", { id });
    } catch (e) {
      store.notices.report(e, "Cancelling the benchmark");
    }
  }

  async select(id: string): Promise<void> {
    this.selectedId = id;
    this.lastExport = null;
    await this.#loadView(id);
  }

  async #loadView(id: string): Promise<void> {
    this.loadingView = true;
    try {
      const r = await this.#viewLatest(id);
      if (r.stale) return;
      if (this.selectedId === id) this.view = r.value;
      this.loadingView = false;
    } catch (e) {
      this.loadingView = false;
      store.notices.report(e, "Opening the benchmark");
    }
  }

  async exportReport(format: ExportFormat): Promise<void> {
    if (!this.selectedId) return;
    try {
      this.lastExport = await call("bench_export", { id: this.selectedId, format });
      store.notices.saved("Report saved", this.lastExport);
    } catch (e) {
      store.notices.report(e, "Exporting the benchmark");
    }
  }

  async remove(id: string): Promise<void> {
    try {
      await call("bench_delete", { id });
      this.list = this.list.filter((b) => b.id !== id);
      if (this.selectedId === id) {
        this.selectedId = null;
        this.view = null;
      }
    } catch (e) {
      store.notices.report(e, "Deleting the benchmark");
    }
  }

  async loadPromptsFile(): Promise<void> {
    try {
      const prompts = await call("bench_prompts_pick");
      if (prompts.length > 0) this.update((f) => ({ ...f, filePrompts: [...f.filePrompts, ...prompts] }));
    } catch (e) {
      this.startProblem = toUiError(e).message;
    }
  }

  /** Fills the form from a matrix file (the CLI's TOML), picked in the native dialog. */
  async openMatrix(): Promise<void> {
    try {
      const input = await call("bench_matrix_pick");
      if (!input) return;
      this.form = formFromInput(input);
      this.startProblem = null;
      this.overBudget = false;
      this.requestPreflight();
    } catch (e) {
      this.startProblem = toUiError(e).message;
    }
  }

  /** Shows one request's run in the comparison grid. */
  async openRun(runId: string): Promise<void> {
    this.open = false;
    await store.runs.open(runId);
  }
}

export const bench = new BenchStore();

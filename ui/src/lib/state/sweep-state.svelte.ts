// The composer's sweep (Svelte 5 runes): its axes and variable values, and the core's
// expansion of it (`sweep_expand`: count, estimate, problems), refreshed as the composer
// changes. A Run with a sweep runs the expansion's RunSpec (the composer's Run asks `forRun`).
import { api } from "../api";
import { debounce, latestOnly } from "../logic/debounce";
import { toUiError } from "../logic/errors";
import {
  addAxis,
  draftFromRun,
  emptySweep,
  isSweeping,
  removeAxis,
  setVariable,
  sweepSpec,
  toggleAxisValue,
  type SweepDraft,
} from "../logic/sweep";
import { store } from "./state.svelte";
import type { RunSpec, RunView, SweepPlan } from "../types";

export class SweepState {
  draft = $state<SweepDraft>(emptySweep());
  /** The section is shown (it may be open with nothing swept yet). */
  open = $state(false);
  plan = $state<SweepPlan | null>(null);
  error = $state<string | null>(null);
  #lastKey = "";
  #expandLatest = latestOnly((spec: RunSpec, draft: SweepDraft) => api.sweepExpand(sweepSpec(spec, draft)));
  #refreshSoon = debounce((spec: RunSpec, draft: SweepDraft) => void this.#expand(spec, draft), 150);

  /** Whether Run runs a sweep: an axis is set, or the prompt has a {{variable}}. */
  active = $derived(isSweeping(this.draft, store.composer.form.prompt));

  /** Asks for a new expansion soon, when the composer or the sweep changed. */
  refresh(spec: RunSpec): void {
    if (!this.active) {
      this.plan = null;
      this.#lastKey = "";
      return;
    }
    const key = JSON.stringify([
      spec,
      this.draft,
      store.profiles.current?.id,
      store.session.current?.credits,
      store.settings?.maxSweepRequests,
    ]);
    if (key === this.#lastKey) return;
    this.#lastKey = key;
    this.#refreshSoon(spec, $state.snapshot(this.draft) as SweepDraft);
  }

  async #expand(spec: RunSpec, draft: SweepDraft): Promise<void> {
    try {
      const r = await this.#expandLatest(spec, draft);
      if (!r.stale) {
        this.plan = r.value;
        this.error = null;
      }
    } catch (e) {
      this.error = toUiError(e).message;
    }
  }

  /** The run a Run starts: the sweep's expansion, fresh, or the sentences saying what to fix. */
  async forRun(spec: RunSpec): Promise<{ spec: RunSpec } | { problems: string[] }> {
    let plan: SweepPlan;
    try {
      plan = await api.sweepExpand(sweepSpec(spec, $state.snapshot(this.draft) as SweepDraft));
    } catch (e) {
      return { problems: [`The sweep could not be expanded: ${toUiError(e).message}`] };
    }
    this.plan = plan;
    if (plan.problems.length > 0 || !plan.runSpec) return { problems: plan.problems };
    return { spec: plan.runSpec };
  }

  addAxis(axis: string, values: string[] = []): void {
    this.draft = addAxis(this.draft, axis, values);
  }
  removeAxis(axis: string): void {
    this.draft = removeAxis(this.draft, axis);
  }
  toggleValue(axis: string, value: string): void {
    this.draft = toggleAxisValue(this.draft, axis, value);
  }
  setVariable(name: string, values: string[]): void {
    this.draft = setVariable(this.draft, name, values);
  }
  clear(): void {
    this.draft = emptySweep();
    this.open = false;
  }
  /** A past sweep's axes and variables back in the composer (Re-run, load in composer). */
  loadRun(run: RunView): void {
    this.draft = draftFromRun(run);
    this.open = this.draft.axes.length > 0 || Object.keys(this.draft.variables).length > 0;
  }
}

export const sweep = new SweepState();
// The store runs a sweep through this (it does not import this module: no cycle).
store.sweepRun = (spec) => (sweep.active ? sweep.forRun(spec) : Promise.resolve({ spec }));
store.sweepLoad = (run) => sweep.loadRun(run);

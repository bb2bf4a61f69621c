// The designer's loop (Svelte 5 runes): "edit from this" (an output into the composer as
// the reference of a new edit), the lineage panel of a run, and the comparison of two runs
// of one lineage. Decisions are in logic/lineage.ts; the draft comes from `run_iterate_from`.
import { tick } from "svelte";
import { call } from "../api";
import { comparePair, togglePick } from "../logic/lineage";
import { store } from "./state.svelte";
import type { Lineage, OutputRef, RunView } from "../types";

/** A drag of an output toward the composer (pointer-driven: the webview's own file drop owns HTML5 drops). */
export interface OutputDrag {
  ref: OutputRef;
  thumbUrl: string;
  x: number;
  y: number;
  overComposer: boolean;
}

export class LineageState {
  /** An "edit from this" in flight (registering the output as a reference). */
  editing = $state(false);
  drag = $state<OutputDrag | null>(null);
  open = $state(false);
  lineage = $state<Lineage | null>(null);
  loading = $state(false);
  error = $state<string | null>(null);
  /** Runs picked for comparison (at most two). */
  picks = $state<string[]>([]);
  /** The two runs compared, oldest first, once loaded. */
  compared = $state<[RunView, RunView] | null>(null);

  /** Loads the output as the reference of a new edit into the composer and focuses the prompt. */
  async editFrom(ref: OutputRef): Promise<void> {
    if (this.editing) return;
    this.editing = true;
    try {
      const draft = await call("run_iterate_from", { from: ref });
      store.composer.loadDraft(draft);
      store.runs.viewer = null;
      this.open = false;
      await tick();
      const prompt = document.querySelector<HTMLTextAreaElement>('[data-testid="prompt"]');
      prompt?.focus();
      prompt?.setSelectionRange(prompt.value.length, prompt.value.length);
    } catch (e) {
      store.notices.report(e, "Starting an edit from the image");
    } finally {
      this.editing = false;
    }
  }

  /** "Edit from this" on a run as a whole: its first image. */
  async editFromRun(runId: string): Promise<void> {
    try {
      const run = store.runs.byId[runId] ?? (await call("run_get", { runId }));
      const t = run.targets.find((x) => x.outputs.length > 0);
      if (!t) {
        store.notices.note("This run has no image to edit from.");
        return;
      }
      await this.editFrom({ runId, targetIdx: t.idx, outputIdx: t.outputs[0].idx });
    } catch (e) {
      store.notices.report(e, "Starting an edit from the run");
    }
  }

  #dragStart: { x: number; y: number; ref: OutputRef; thumbUrl: string } | null = null;
  /** A drag just ended: the click that follows it is not an "edit from this". */
  #dragged = false;

  /**
   * Pointer down on an output's "edit from this" handle: past a few pixels of movement it
   * becomes a drag, and a drop on the composer loads the edit (as a click does).
   */
  pointerDown(e: PointerEvent, ref: OutputRef, thumbUrl: string): void {
    if (e.button !== 0) return;
    this.#dragStart = { x: e.clientX, y: e.clientY, ref, thumbUrl };
    this.#dragged = false;
    const move = (ev: PointerEvent) => {
      const s = this.#dragStart;
      if (!s) return;
      if (!this.drag && Math.hypot(ev.clientX - s.x, ev.clientY - s.y) < 6) return;
      const over = document.elementFromPoint(ev.clientX, ev.clientY)?.closest("section.composer") != null;
      this.drag = { ref: s.ref, thumbUrl: s.thumbUrl, x: ev.clientX, y: ev.clientY, overComposer: over };
    };
    const up = () => {
      window.removeEventListener("pointermove", move);
      window.removeEventListener("pointerup", up);
      window.removeEventListener("pointercancel", up);
      const d = this.drag;
      this.drag = null;
      this.#dragStart = null;
      if (d) {
        // The click that follows this pointerup (when it ends on the handle) is not an
        // "edit from this"; a click after that is.
        this.#dragged = true;
        setTimeout(() => (this.#dragged = false), 0);
        if (d.overComposer) void this.editFrom(d.ref);
      }
    };
    window.addEventListener("pointermove", move);
    window.addEventListener("pointerup", up);
    window.addEventListener("pointercancel", up);
  }

  /** The handle's click: "edit from this", unless it ended a drag. */
  click(ref: OutputRef): void {
    if (this.#dragged) {
      this.#dragged = false;
      return;
    }
    void this.editFrom(ref);
  }

  /** Opens the lineage panel of a run. */
  async show(runId: string): Promise<void> {
    this.open = true;
    this.picks = [];
    this.compared = null;
    await this.load(runId);
  }

  async load(runId: string): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      const l = await call("run_lineage", { runId });
      this.lineage = l;
      // Picks of runs that are not in this tree are dropped.
      this.picks = this.picks.filter((id) => l.nodes.some((n) => n.run.id === id));
    } catch (e) {
      this.error = store.notices.report(e, "Reading the run's lineage").message;
      this.lineage = null;
    } finally {
      this.loading = false;
    }
  }

  close(): void {
    this.open = false;
    this.compared = null;
  }

  /** Opens a run of the tree in the results (the panel follows it to that run's lineage). */
  async openRun(id: string): Promise<void> {
    await store.runs.open(id);
  }

  pick(id: string): void {
    this.picks = togglePick(this.picks, id);
  }

  /** Compares the two picked runs side by side (their outputs and their prompts' differences). */
  async compare(): Promise<void> {
    const l = this.lineage;
    if (!l || this.picks.length !== 2) return;
    const [a, b] = comparePair(l, this.picks[0], this.picks[1]);
    try {
      const [ra, rb] = await Promise.all([a, b].map((id) => store.runs.byId[id] ?? call("run_get", { runId: id })));
      this.compared = [ra, rb];
    } catch (e) {
      store.notices.report(e, "Opening the runs to compare");
    }
  }
}

export const lineage = new LineageState();

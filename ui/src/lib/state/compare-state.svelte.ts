// State of the results area's comparison tools (Svelte 5 runes): the synced zoom, the
// columns of each run, the two-up picks, notes being edited. Decisions are in zoom.ts and
// compare.ts; ratings and notes are saved through `output_rate`.
import { call } from "../api";
import {
  hideColumn,
  loadColumns,
  saveColumns,
  moveColumn,
  normalizeColumns,
  showAllColumns,
  togglePick,
  visibleColumns,
  winnerChanges,
  type CellKey,
  type Columns,
} from "../logic/compare";
import { store } from "./state.svelte";
import { FIT, STEP, zoomAt, type View, type ZoomMode } from "../logic/zoom";
import type { RunView } from "../types";

export type TwoUpMode = "swipe" | "overlay" | "difference";

export class CompareState {
  /** The shared view of every cell (normalised; see zoom.ts). */
  view = $state<View>({ ...FIT });
  mode = $state<ZoomMode>("fit");
  /** Columns by run id (the recent ones remembered between launches). */
  columns = $state<Record<string, Columns>>(loadColumns(webStorage()));
  /** The two-up picks (A, B) and the run they belong to. */
  picks = $state<CellKey[]>([]);
  picksRun = $state<string | null>(null);
  twoUpOpen = $state(false);
  twoUpMode = $state<TwoUpMode>("swipe");
  /** Swipe position or overlay opacity of B, 0..1. */
  twoUpValue = $state(0.5);
  /** The device pixel ratio, for the 1:1 view. */
  dpr = $state(typeof window !== "undefined" ? window.devicePixelRatio || 1 : 1);

  // ---- zoom ------------------------------------------------------------------------

  reset(): void {
    this.view = { ...FIT };
    this.mode = "fit";
  }

  /** Zooms every cell by `factor` around (px, py) box fractions; `fromZ` is the zoom the user sees there. */
  zoom(factor: number, px = 0.5, py = 0.5, fromZ?: number): void {
    const base = { ...this.view, z: fromZ ?? (this.mode === "fit" ? 1 : this.view.z) };
    const next = zoomAt(this.mode === "fit" ? { ...FIT } : base, factor, px, py);
    if (next.z <= 1.0001) this.reset();
    else {
      this.view = next;
      this.mode = "zoom";
    }
  }

  zoomIn(): void {
    this.zoom(STEP);
  }

  zoomOut(): void {
    this.zoom(1 / STEP);
  }

  /** 1:1 on, around the current centre; again goes back to fit. */
  toggleActual(): void {
    if (this.mode === "actual") this.reset();
    else this.mode = "actual";
  }

  /** Sets the shared centre (pans); the zoom stays. */
  setCenter(cx: number, cy: number): void {
    const c = (n: number) => (Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 0.5);
    this.view = { cx: c(cx), cy: c(cy), z: this.view.z };
  }

  // ---- columns -----------------------------------------------------------------------

  columnsOf(run: RunView): Columns {
    return normalizeColumns(
      this.columns[run.id],
      run.targets.map((t) => t.idx),
    );
  }

  visible(run: RunView): number[] {
    return visibleColumns(this.columnsOf(run));
  }

  #setColumns(run: RunView, c: Columns): void {
    this.columns = saveColumns(webStorage(), { ...this.columns, [run.id]: c }, run.id);
  }

  move(run: RunView, idx: number, dir: -1 | 1): void {
    this.#setColumns(run, moveColumn(this.columnsOf(run), idx, dir));
  }

  hide(run: RunView, idx: number): void {
    this.#setColumns(run, hideColumn(this.columnsOf(run), idx));
    this.picks = this.picks.filter((p) => p.targetIdx !== idx);
  }

  showAll(run: RunView): void {
    this.#setColumns(run, showAllColumns(this.columnsOf(run)));
  }

  // ---- two-up ------------------------------------------------------------------------

  picksFor(run: RunView | null): CellKey[] {
    return run && this.picksRun === run.id ? this.picks : [];
  }

  pick(run: RunView, k: CellKey): void {
    const current = this.picksFor(run);
    this.picks = togglePick(current, k);
    this.picksRun = run.id;
  }

  clearPicks(): void {
    this.picks = [];
    this.twoUpOpen = false;
  }

  // ---- ratings, winners and notes -----------------------------------------------------

  /** Saves a rating and/or a note of one image (optimistic, restored on failure). */
  async save(
    run: RunView,
    targetIdx: number,
    outputIdx: number,
    change: { rating?: number | null; note?: string | null },
  ): Promise<boolean> {
    const live = store.runs.byId[run.id] ?? run;
    const out = live.targets.find((t) => t.idx === targetIdx)?.outputs[outputIdx];
    if (!out) return false;
    const before = { rating: out.rating, note: out.note };
    const rating = change.rating !== undefined ? change.rating : out.rating;
    const note = change.note !== undefined ? (change.note?.trim() ? change.note.trim() : null) : out.note;
    out.rating = rating;
    out.note = note;
    try {
      await call("output_rate", { runId: run.id, targetIdx, outputIdx, rating, note });
      return true;
    } catch (e) {
      out.rating = before.rating;
      out.note = before.note;
      store.notices.report(e, note !== before.note ? "Saving the note" : "Saving the rating");
      return false;
    }
  }

  /** Makes an image its row's winner (rating 5, the previous winner down to 4), or unpicks it. */
  async toggleWinner(run: RunView, targetIdx: number, outputIdx: number): Promise<void> {
    const changes = winnerChanges(run, this.visible(run), targetIdx, outputIdx);
    for (const c of changes) await this.save(run, c.targetIdx, c.outputIdx, { rating: c.rating });
  }
}

function webStorage(): Storage | null {
  try {
    return typeof localStorage !== "undefined" ? localStorage : null;
  } catch {
    return null;
  }
}

export const cmp = new CompareState();

/** Wheel steps to a zoom factor (a notch of a mouse wheel is about 1.2x). */
export function wheelFactor(deltaY: number, deltaMode: number): number {
  const px = deltaMode === 1 ? deltaY * 16 : deltaMode === 2 ? deltaY * 400 : deltaY;
  return Math.exp(-Math.max(-300, Math.min(300, px)) * 0.0018);
}

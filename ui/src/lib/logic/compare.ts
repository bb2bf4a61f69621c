// The comparison grid's own decisions, as pure functions: the order and visibility of its
// columns (one per target), the two cells picked for the two-up view, and the winner of a
// row (one row per output index).
import type { RunView, TargetView } from "../types";

/** Columns of one run: every target index in display order, and those hidden. */
export interface Columns {
  order: number[];
  hidden: number[];
}

/** The columns made to match the run's targets: unknown ones dropped, new ones appended. */
export function normalizeColumns(c: Columns | undefined, targets: number[]): Columns {
  const known = new Set(targets);
  const order = (c?.order ?? []).filter((i) => known.has(i));
  for (const t of targets) if (!order.includes(t)) order.push(t);
  const hidden = (c?.hidden ?? []).filter((i) => known.has(i));
  // Never every column hidden.
  if (hidden.length >= order.length) return { order, hidden: [] };
  return { order, hidden };
}

export function visibleColumns(c: Columns): number[] {
  return c.order.filter((i) => !c.hidden.includes(i));
}

/** Moves a column one step left (-1) or right (+1) among the visible ones. */
export function moveColumn(c: Columns, idx: number, dir: -1 | 1): Columns {
  const vis = visibleColumns(c);
  const p = vis.indexOf(idx);
  const q = p + dir;
  if (p < 0 || q < 0 || q >= vis.length) return c;
  const nextVis = vis.slice();
  [nextVis[p], nextVis[q]] = [nextVis[q], nextVis[p]];
  // Hidden columns keep their places; the visible slots take the new sequence.
  let k = 0;
  const order = c.order.map((i) => (c.hidden.includes(i) ? i : nextVis[k++]));
  return { order, hidden: c.hidden.slice() };
}

/** Hides a column (never the last visible one). */
export function hideColumn(c: Columns, idx: number): Columns {
  if (c.hidden.includes(idx) || !c.order.includes(idx)) return c;
  if (visibleColumns(c).length <= 1) return c;
  return { order: c.order.slice(), hidden: [...c.hidden, idx] };
}

export function showAllColumns(c: Columns): Columns {
  return { order: c.order.slice(), hidden: [] };
}

/** Can this column move left / right? */
export function canMove(c: Columns, idx: number, dir: -1 | 1): boolean {
  const vis = visibleColumns(c);
  const p = vis.indexOf(idx);
  return p >= 0 && p + dir >= 0 && p + dir < vis.length;
}

// ---- two-up picks ------------------------------------------------------------------

export interface CellKey {
  targetIdx: number;
  outputIdx: number;
}

export function sameCell(a: CellKey, b: CellKey): boolean {
  return a.targetIdx === b.targetIdx && a.outputIdx === b.outputIdx;
}

/** Picks a cell for the two-up view (A, then B; a third pick drops the oldest) or unpicks it. */
export function togglePick(picks: CellKey[], k: CellKey): CellKey[] {
  if (picks.some((p) => sameCell(p, k))) return picks.filter((p) => !sameCell(p, k));
  return [...picks, { targetIdx: k.targetIdx, outputIdx: k.outputIdx }].slice(-2);
}

/** "A", "B" or null for a cell. */
export function pickLabel(picks: CellKey[], k: CellKey): "A" | "B" | null {
  const i = picks.findIndex((p) => sameCell(p, k));
  return i === 0 ? "A" : i === 1 ? "B" : null;
}

/** Picks that still name an image of the run. */
export function validPicks(run: RunView | null, picks: CellKey[]): CellKey[] {
  if (!run) return [];
  return picks.filter((p) => !!run.targets.find((t) => t.idx === p.targetIdx)?.outputs[p.outputIdx]);
}

// ---- winners -------------------------------------------------------------------------

/** The winner's rating: a row's winner is its only image rated this. */
export const WINNER_RATING = 5;
/** What a previous winner is lowered to when another image of its row wins. */
export const RUNNER_UP_RATING = 4;

function byIdx(run: RunView, idx: number): TargetView | undefined {
  return run.targets.find((t) => t.idx === idx);
}

/**
 * The target index of a row's winner among `columns` (visible targets): the only image of
 * that output index rated 5, when the row has more than one image. Null otherwise.
 */
export function rowWinner(run: RunView, columns: number[], outputIdx: number): number | null {
  let images = 0;
  const top: number[] = [];
  for (const i of columns) {
    const o = byIdx(run, i)?.outputs[outputIdx];
    if (!o) continue;
    images++;
    if (o.rating === WINNER_RATING) top.push(i);
  }
  return images > 1 && top.length === 1 ? top[0] : null;
}

export interface RatingChange {
  targetIdx: number;
  outputIdx: number;
  rating: number | null;
}

/**
 * The ratings to save to make (or unmake) an image its row's winner: it gets 5 and any
 * other 5 in the row drops to 4; unpicking the current winner clears its rating.
 */
export function winnerChanges(run: RunView, columns: number[], targetIdx: number, outputIdx: number): RatingChange[] {
  const me = byIdx(run, targetIdx)?.outputs[outputIdx];
  if (!me) return [];
  if (rowWinner(run, columns, outputIdx) === targetIdx) return [{ targetIdx, outputIdx, rating: null }];
  const out: RatingChange[] = [];
  for (const t of run.targets) {
    if (t.idx === targetIdx) continue;
    const o = t.outputs[outputIdx];
    if (o && o.rating === WINNER_RATING) out.push({ targetIdx: t.idx, outputIdx, rating: RUNNER_UP_RATING });
  }
  out.push({ targetIdx, outputIdx, rating: WINNER_RATING });
  return out;
}

/** The images of a run in viewing order: visible columns left to right, then output index. */
export function orderedOutputs(run: RunView, columns: number[]): { target: TargetView; outputIdx: number }[] {
  const out: { target: TargetView; outputIdx: number }[] = [];
  for (const i of columns) {
    const t = byIdx(run, i);
    if (t) t.outputs.forEach((_, o) => out.push({ target: t, outputIdx: o }));
  }
  return out;
}

/** The number of output rows the grid needs (the most images, or requested images while running). */
export function rowCount(targets: TargetView[]): number {
  return Math.max(
    1,
    ...targets.map((t) => Math.max(t.outputs.length, t.status === "running" || t.status === "queued" ? t.n : 0)),
  );
}

/** Where the columns of recent runs are kept between launches (webview storage). */
export const COLUMNS_KEY = "pixbench.columns.v1";
/** Runs whose column layout is remembered (the most recently changed ones). */
export const COLUMNS_KEPT = 200;

type KeyValueStore = Pick<Storage, "getItem" | "setItem">;

/** The remembered column layouts; anything unreadable is ignored (layouts are a nicety). */
export function loadColumns(storage: KeyValueStore | null): Record<string, Columns> {
  if (!storage) return {};
  try {
    const raw = JSON.parse(storage.getItem(COLUMNS_KEY) ?? "{}") as unknown;
    if (!raw || typeof raw !== "object" || Array.isArray(raw)) return {};
    const out: Record<string, Columns> = {};
    for (const [id, c] of Object.entries(raw as Record<string, unknown>)) {
      const v = c as Partial<Columns> | null;
      const ints = (a: unknown): a is number[] => Array.isArray(a) && a.every((n) => Number.isInteger(n));
      if (v && ints(v.order) && ints(v.hidden)) out[id] = { order: v.order, hidden: v.hidden };
    }
    return out;
  } catch {
    return {};
  }
}

/**
 * Remembers the layouts, keeping the `max` most recently changed runs (object key order
 * is insertion order: `changed` goes last).
 */
export function saveColumns(
  storage: KeyValueStore | null,
  all: Record<string, Columns>,
  changed: string,
  max = COLUMNS_KEPT,
): Record<string, Columns> {
  const entries = Object.entries(all).filter(([id]) => id !== changed);
  if (all[changed]) entries.push([changed, all[changed]]);
  const kept = Object.fromEntries(entries.slice(Math.max(0, entries.length - max)));
  try {
    storage?.setItem(COLUMNS_KEY, JSON.stringify(kept));
  } catch {
    // Storage full or unavailable: the layout just is not remembered.
  }
  return kept;
}

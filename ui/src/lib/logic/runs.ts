// Runs and history as state: pure reducers over the RunView / RunSummary the Rust side sends.
import type { RunStatus, RunSummary, RunView, TargetView } from "../types";
import { countChild, keepChildren } from "./lineage";

/** What a result cell shows (and what its `data-status` says). */
export type CellStatus = "running" | "waiting" | "done" | "failed" | "cancelled";

/**
 * The status of one target as a cell shows it. `done` only when images are there:
 * a finished target with no image counts as failed; a partial one with images is done.
 * An interrupted target (the app stopped while it ran) is failed. `waiting`: the server
 * accepted the task but its images have not reached Pixbench, which keeps checking.
 */
export function cellStatus(t: Pick<TargetView, "status" | "outputs">): CellStatus {
  switch (t.status) {
    case "queued":
    case "running":
      return "running";
    case "waiting":
      return "waiting";
    case "done":
    case "partial":
      return t.outputs.length > 0 ? "done" : "failed";
    case "cancelled":
      return "cancelled";
    case "failed":
    case "interrupted":
      return "failed";
  }
}

/** The status a history item shows (`data-status`): queued shows as running. */
export function historyStatus(s: RunStatus): RunStatus {
  return s === "queued" ? "running" : s;
}

export function isActive(s: RunStatus): boolean {
  return s === "queued" || s === "running";
}

export const STATUS_LABEL: Record<RunStatus, string> = {
  queued: "Queued",
  running: "Running",
  waiting: "Waiting for Pixapi",
  done: "Done",
  failed: "Failed",
  cancelled: "Cancelled",
  interrupted: "Interrupted",
  partial: "Partly done",
};

/** A history row for a run, as `history_list` would give it. */
export function summaryFromRun(run: RunView): RunSummary {
  let thumbUrl: string | null = null;
  let images = 0;
  for (const t of run.targets) {
    for (const o of t.outputs) {
      images++;
      if (thumbUrl === null) thumbUrl = o.thumbUrl;
    }
  }
  return {
    id: run.id,
    createdAt: run.createdAt,
    prompt: run.prompt,
    kind: run.kind,
    status: run.status,
    models: run.targets.map((t) => t.modelId),
    profileName: run.profileName,
    simulated: run.simulated,
    cost: run.cost,
    images,
    thumbUrl,
    ...(run.parent ? { parentRunId: run.parent.runId } : {}),
  };
}

function newerFirst(a: RunSummary, b: RunSummary): number {
  const ta = Date.parse(a.createdAt);
  const tb = Date.parse(b.createdAt);
  if (ta !== tb && !Number.isNaN(ta) && !Number.isNaN(tb)) return tb - ta;
  return 0;
}

/** The history with this row replaced (by id) or added, newest first. */
export function upsertSummary(list: RunSummary[], row: RunSummary): RunSummary[] {
  const i = list.findIndex((r) => r.id === row.id);
  if (i >= 0) {
    const next = list.slice();
    next[i] = keepChildren(row, list[i]);
    return next;
  }
  return countChild([row, ...list], row).sort(newerFirst);
}

export function removeSummary(list: RunSummary[], id: string): RunSummary[] {
  return list.filter((r) => r.id !== id);
}

export interface RunsState {
  /** Runs the UI has loaded, by id. */
  runs: Record<string, RunView>;
  history: RunSummary[];
}

/**
 * A `run-updated` event: the run replaces the UI's copy (events come in order), and its
 * history row is updated or added.
 */
export function applyRunUpdated(state: RunsState, run: RunView): RunsState {
  return {
    runs: { ...state.runs, [run.id]: run },
    history: upsertSummary(state.history, summaryFromRun(run)),
  };
}

/**
 * The answer of `run_start`: the run as it was when stored. An event about the same run
 * may already have arrived (and is newer): then the copy we have wins.
 */
export function applyRunStarted(state: RunsState, run: RunView): RunsState {
  if (state.runs[run.id]) return state;
  return applyRunUpdated(state, run);
}

/** Counts of cells by display status. */
export function cellCounts(run: RunView): Record<CellStatus, number> {
  const c: Record<CellStatus, number> = { running: 0, waiting: 0, done: 0, failed: 0, cancelled: 0 };
  for (const t of run.targets) c[cellStatus(t)]++;
  return c;
}

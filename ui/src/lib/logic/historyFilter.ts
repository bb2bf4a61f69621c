// The history sidebar's filters (text, model, status, profile, date) as a HistoryFilter,
// and that filter applied to the loaded summaries. Pure functions.
import { filterHistory } from "./filter";
import { historyStatus } from "./runs";
import type { HistoryFilter, RunStatus, RunSummary } from "../types";

export type DateRange = "all" | "today" | "7d" | "30d";

export const DATE_RANGES: { value: DateRange; label: string }[] = [
  { value: "all", label: "Any time" },
  { value: "today", label: "Today" },
  { value: "7d", label: "Last 7 days" },
  { value: "30d", label: "Last 30 days" },
];

/** Statuses offered by the filter (queued runs show as running). */
export const FILTER_STATUSES: RunStatus[] = ["done", "partial", "failed", "cancelled", "interrupted", "running"];

export interface HistoryControls {
  text: string;
  model: string | null;
  status: RunStatus | null;
  profileId: string | null;
  date: DateRange;
}

export const NO_FILTERS: HistoryControls = { text: "", model: null, status: null, profileId: null, date: "all" };

/** The RFC 3339 lower bound of a date range: local midnight for "today", N×24 h back otherwise. */
export function sinceFor(range: DateRange, now: Date = new Date()): string | null {
  switch (range) {
    case "all":
      return null;
    case "today": {
      const d = new Date(now.getFullYear(), now.getMonth(), now.getDate());
      return d.toISOString();
    }
    case "7d":
      return new Date(now.getTime() - 7 * 86_400_000).toISOString();
    case "30d":
      return new Date(now.getTime() - 30 * 86_400_000).toISOString();
  }
}

export function toHistoryFilter(
  c: HistoryControls,
  now: Date = new Date(),
  limit: number | null = null,
): HistoryFilter {
  const text = c.text.trim();
  return {
    text: text === "" ? null : text,
    model: c.model,
    status: c.status,
    profileId: c.profileId,
    since: sinceFor(c.date, now),
    until: null,
    limit,
  };
}

/** True when any filter beyond the text one is set. */
export function hasStructured(c: HistoryControls): boolean {
  return c.model !== null || c.status !== null || c.profileId !== null || c.date !== "all";
}

/**
 * The summaries `f` keeps, newest first. A summary names its profile, not its id, so the
 * profile filter goes through `profileName` (id → name of the known profiles).
 */
export function applyHistoryFilter(
  list: RunSummary[],
  f: HistoryFilter,
  profileName: (id: string) => string | null = () => null,
): RunSummary[] {
  const since = f.since ? Date.parse(f.since) : null;
  const until = f.until ? Date.parse(f.until) : null;
  const pname = f.profileId ? profileName(f.profileId) : null;
  const kept = list.filter((r) => {
    if (f.model && !r.models.includes(f.model)) return false;
    if (f.status && historyStatus(r.status) !== historyStatus(f.status)) return false;
    if (f.profileId && r.profileName !== pname) return false;
    const t = Date.parse(r.createdAt);
    if (since !== null && !(t >= since)) return false;
    if (until !== null && !(t <= until)) return false;
    return true;
  });
  const texted = f.text ? filterHistory(kept, f.text) : kept;
  const sorted = [...texted].sort((a, b) => Date.parse(b.createdAt) - Date.parse(a.createdAt));
  return f.limit !== null && f.limit !== undefined ? sorted.slice(0, f.limit) : sorted;
}

// Session spend for people: budget levels, the cumulative-credits step chart and the
// by-variant bars (inline SVG, no chart library). Pure functions.
import type { Cost, SessionView } from "../types";

export type BudgetLevel = "none" | "ok" | "warn" | "over";

/** "over" at or past the budget, "warn" from 80% (the core's `budgetWarning`), else "ok". */
export function budgetLevel(s: Pick<SessionView, "spent" | "budgetCredits" | "budgetWarning">): BudgetLevel {
  if (s.budgetCredits === null || s.budgetCredits === undefined) return "none";
  const budget = s.budgetCredits;
  const spent = s.spent.credits;
  if (budget <= 0) return spent > 0 ? "over" : "ok";
  if (spent >= budget) return "over";
  if (s.budgetWarning) return "warn";
  return "ok";
}

/**
 * The budget in words, one way everywhere (header, sidebar, session panel, composer), from
 * the session's own figures: `short` for the header ("22 of 25"), `sentence` for panels.
 */
export function budgetWords(
  s: Pick<SessionView, "spent" | "budgetCredits" | "budgetWarning">,
): { level: BudgetLevel; short: string; sentence: string } | null {
  const level = budgetLevel(s);
  if (level === "none" || s.budgetCredits === null || s.budgetCredits === undefined) return null;
  const budget = s.budgetCredits;
  const spent = s.spent.credits;
  const of = `${spent} of ${budget} credit${budget === 1 ? "" : "s"} spent`;
  if (level === "over") return { level, short: `over budget: ${spent} of ${budget}`, sentence: `Over budget: ${of}.` };
  const left = budget - spent;
  const pct = Math.floor((spent / budget) * 100);
  return {
    level,
    short: level === "warn" ? `${spent} of ${budget} (${pct}%)` : `${spent} of ${budget}`,
    sentence: level === "warn" ? `${of} (${pct}%): ${left} left.` : `${of}: ${left} left.`,
  };
}

/** The smallest 1, 2 or 5 × 10^k at or above `v` (at least 1): a tidy axis maximum. */
export function niceMax(v: number): number {
  if (!Number.isFinite(v) || v <= 1) return 1;
  const p = Math.pow(10, Math.floor(Math.log10(v)));
  for (const m of [1, 2, 5, 10]) if (m * p >= v - 1e-9) return m * p;
  return 10 * p;
}

export interface ChartBox {
  width: number;
  height: number;
  /** Room left for the y labels and below for the x labels. */
  padLeft: number;
  padBottom: number;
  padTop: number;
  padRight: number;
}

export interface StepChart {
  /** The step line (an SVG path `d`). */
  line: string;
  /** The same line closed down to the baseline, for a soft fill. */
  area: string;
  yMax: number;
  /** Horizontal grid lines: value and y. */
  ticks: { value: number; y: number }[];
  /** The last point, for a dot. */
  end: { x: number; y: number } | null;
  /** Time span covered, in ms (0 when all points share a time or one point). */
  spanMs: number;
  byIndex: boolean;
}

const r1 = (n: number): number => Math.round(n * 10) / 10;

/**
 * A step chart of cumulative credits. x is time from the first point to the last (or the
 * point index, when they all share one instant); y goes from 0 to a tidy maximum. The line
 * starts on the baseline at the first point and rises at each one.
 */
export function stepChart(points: { at: string; cumulativeCredits: number }[], box: ChartBox): StepChart {
  const x0 = box.padLeft;
  const x1 = box.width - box.padRight;
  const yBase = box.height - box.padBottom;
  const yTop = box.padTop;
  const values = points.map((p) => p.cumulativeCredits);
  const yMax = niceMax(Math.max(0, ...values));
  const sy = (v: number): number => r1(yBase - (v / yMax) * (yBase - yTop));
  const ticks = [0, yMax / 2, yMax].map((value) => ({ value, y: sy(value) }));
  if (points.length === 0) return { line: "", area: "", yMax, ticks, end: null, spanMs: 0, byIndex: false };

  const times = points.map((p) => Date.parse(p.at));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const byIndex = !(t1 > t0) || times.some((t) => Number.isNaN(t));
  const n = points.length;
  const sx = (i: number): number => {
    if (byIndex) return r1(n === 1 ? x1 : x0 + (i / (n - 1)) * (x1 - x0));
    return r1(x0 + ((times[i] - t0) / (t1 - t0)) * (x1 - x0));
  };
  // Points with one value per step: flat from the previous point, then up.
  let d = `M${byIndex && n === 1 ? x0 : sx(0)},${yBase}`;
  let prevY = yBase;
  for (let i = 0; i < n; i++) {
    const x = sx(i);
    const y = sy(values[i]);
    d += ` H${x}`;
    if (y !== prevY) d += ` V${y}`;
    prevY = y;
  }
  const endX = x1;
  if (sx(n - 1) < endX) d += ` H${endX}`;
  const startX = byIndex && n === 1 ? x0 : sx(0);
  const area = `${d} V${yBase} H${startX} Z`;
  return {
    line: d,
    area,
    yMax,
    ticks,
    end: { x: endX, y: prevY },
    spanMs: byIndex ? 0 : t1 - t0,
    byIndex,
  };
}

export interface Bar {
  modelId: string;
  images: number;
  credits: number;
  /** Bar length as a fraction of the longest, 0..1. */
  frac: number;
  /** Dollars at the catalog's rate, and official minus that (null when unknown). */
  usd: number;
  officialUsd: number | null;
  savingsUsd: number | null;
}

/** Rows of the by-variant table, most credits first. */
export function variantBars(
  rows: { modelId: string; images: number; cost: Cost; officialUsd: number | null }[],
): Bar[] {
  const max = Math.max(0, ...rows.map((r) => r.cost.credits));
  return [...rows]
    .sort((a, b) => b.cost.credits - a.cost.credits || a.modelId.localeCompare(b.modelId))
    .map((r) => {
      const credits = r.cost.credits;
      const usd = r.cost.usd;
      return {
        modelId: r.modelId,
        images: r.images,
        credits,
        frac: max > 0 ? credits / max : 0,
        usd,
        officialUsd: r.officialUsd,
        savingsUsd: r.officialUsd === null ? null : Math.round((r.officialUsd - usd) * 100) / 100,
      };
    });
}

/** "83%" of a 0..1 rate, "–" when unknown. */
export function formatRate(r: number | null | undefined): string {
  if (r === null || r === undefined || !Number.isFinite(r)) return "–";
  return `${Math.round(r * 100)}%`;
}

/** "14:05" (or "14:05:09") for today's times, "Mar 3, 14:05" otherwise (local time). */
export function shortTime(iso: string, now: Date = new Date(), seconds = false): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const p = (n: number) => String(n).padStart(2, "0");
  const hm = `${p(d.getHours())}:${p(d.getMinutes())}${seconds ? `:${p(d.getSeconds())}` : ""}`;
  if (d.toDateString() === now.toDateString()) return hm;
  return `${d.toLocaleDateString("en-US", { month: "short", day: "numeric" })}, ${hm}`;
}

/** The default name of a new session: "Session 2026-03-03 14:05" (local time). */
export function defaultSessionName(d: Date): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `Session ${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** `list` with the item at `idx` moved `delta` places (clamped); unchanged for a bad index. */
export function moveItem<T>(list: T[], idx: number, delta: number): T[] {
  if (idx < 0 || idx >= list.length) return list;
  const to = Math.max(0, Math.min(list.length - 1, idx + delta));
  if (to === idx) return list;
  const out = [...list];
  const [it] = out.splice(idx, 1);
  out.splice(to, 0, it);
  return out;
}

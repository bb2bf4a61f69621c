// The benchmark form, the input built from it, and the figures drawn from a report: the
// latency distribution chart (a histogram per target on a shared axis, with p50 / p90 /
// p99 marks) and the outputs grid (prompt x repeat rows, one column per target). Pure.
import { formatMs } from "./format";
import { niceMax } from "./spend";
import type { ComposerState } from "./composer";
import type {
  BenchInput,
  BenchPromptInput,
  BenchReport,
  BenchSummary,
  ResponseFormatChoice,
  Sample,
  SyncMode,
  TargetSpec,
  TargetStats,
} from "../types";

export const MAX_REPEATS = 100_000;
export const MAX_CONCURRENCY = 64;
export const MAX_WARMUP = 100;

export interface BenchForm {
  name: string;
  /** Typed prompts, one a line. */
  promptsText: string;
  /** Prompts loaded from a file (each may bring its own reference images). */
  filePrompts: BenchPromptInput[];
  /** Checked targets: model id -> n. */
  selected: Record<string, number>;
  /**
   * A matrix file's targets as written, when the checkboxes cannot say them: a sweep's
   * targets (several of one model, each with its axis values) or one model listed twice.
   * Sent as they are, beside the checked ones.
   */
  fileTargets: TargetSpec[];
  repeats: number;
  concurrency: number;
  warmup: number;
  syncMode: SyncMode;
  aspectRatio: string | null;
  responseFormat: ResponseFormatChoice;
  /** Credits; null = no limit of its own. */
  budget: number | null;
  /** Send the composer's reference images with every typed prompt (edits). */
  useReferences: boolean;
}

/** A form seeded from the composer: its prompt, targets, ratio and mode. */
export function formFromComposer(c: ComposerState): BenchForm {
  return {
    name: "",
    promptsText: c.prompt.trim(),
    filePrompts: [],
    selected: { ...c.selected },
    fileTargets: [],
    repeats: 3,
    concurrency: 4,
    warmup: 0,
    syncMode: c.syncMode,
    aspectRatio: c.aspectRatio,
    responseFormat: "b64_json",
    budget: null,
    useReferences: c.mode === "edit" && c.references.length > 0,
  };
}

/**
 * A form from an input (a matrix file opened in the app): prompts without images of their
 * own go in the prompts box, the others stay as file prompts with their images.
 */
export function formFromInput(i: BenchInput): BenchForm {
  // The checkboxes say a model and its n once; a sweep, or a model listed twice, needs the
  // targets as written.
  const ids = i.targets.map((t) => t.modelId);
  const asWritten = i.targets.some((t) => (t.axes?.length ?? 0) > 0) || new Set(ids).size !== ids.length;
  const selected: Record<string, number> = {};
  if (!asWritten) for (const t of i.targets) selected[t.modelId] = t.n;
  // A prompt of several lines would be split by the prompts box: it stays as the file has it.
  const typed = (p: BenchPromptInput): boolean => p.images.length === 0 && !/[\r\n]/.test(p.text);
  return {
    name: i.name ?? "",
    promptsText: i.prompts
      .filter(typed)
      .map((p) => p.text)
      .join("\n"),
    filePrompts: i.prompts.filter((p) => !typed(p)),
    selected,
    fileTargets: asWritten ? i.targets : [],
    repeats: i.repeats,
    concurrency: i.concurrency,
    warmup: i.warmup,
    syncMode: i.syncMode,
    aspectRatio: i.aspectRatio,
    responseFormat: i.responseFormat,
    budget: i.budget === null ? null : Number(i.budget),
    useReferences: false,
  };
}

/** "gpt-image-2 quality=low": a matrix target as the form lists it. */
export function fileTargetLabel(t: TargetSpec): string {
  const axes = (t.axes ?? []).map((a) => `${a.axis}=${a.value}`).join(" ");
  return [t.modelId, t.n > 1 ? `×${t.n}` : "", axes].filter((s) => s !== "").join(" ");
}

/** The non-empty lines of the prompts box, trimmed. */
export function promptLines(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
}

export function promptCount(f: BenchForm): number {
  return promptLines(f.promptsText).length + f.filePrompts.length;
}

/** The matrix file's targets as written, then the checked ones in `order` (the catalog's ids). */
export function targetsOf(f: BenchForm, order: string[] = []): TargetSpec[] {
  const rank = (id: string): number => {
    const i = order.indexOf(id);
    return i < 0 ? order.length : i;
  };
  const checked = Object.entries(f.selected)
    .map(([modelId, n]) => ({ modelId, n }))
    .sort((a, b) => rank(a.modelId) - rank(b.modelId));
  return [...f.fileTargets, ...checked];
}

/** Requests the form would send, warm-ups included. */
export function requestCount(f: BenchForm): number {
  const t = Object.keys(f.selected).length + f.fileTargets.length;
  // An empty or broken field counts as 0 (its problem is shown separately).
  const count = (n: number): number => (Number.isInteger(n) && n > 0 ? n : 0);
  return promptCount(f) * t * count(f.repeats) + count(f.warmup) * t;
}

const whole = (n: number, lo: number, hi: number): boolean => Number.isInteger(n) && n >= lo && n <= hi;

/** What to fix before the form can be sent (checked again by the core). */
export function formProblems(f: BenchForm): string[] {
  const p: string[] = [];
  if (promptCount(f) === 0) p.push("Type at least one prompt (one a line), or load a prompts file.");
  if (Object.keys(f.selected).length === 0 && f.fileTargets.length === 0) p.push("Pick at least one target.");
  if (!whole(f.repeats, 1, MAX_REPEATS)) p.push(`Repeats must be a whole number from 1 to ${MAX_REPEATS}.`);
  if (!whole(f.concurrency, 1, MAX_CONCURRENCY))
    p.push(`Concurrency must be a whole number from 1 to ${MAX_CONCURRENCY}.`);
  if (!whole(f.warmup, 0, MAX_WARMUP)) p.push(`Warm-up must be a whole number from 0 to ${MAX_WARMUP}.`);
  if (f.budget !== null && !(Number.isInteger(f.budget) && f.budget >= 0))
    p.push("The budget must be a whole number of credits.");
  return p;
}

/**
 * The IPC input of a form; `references` are the composer's (used only if asked); targets
 * go in catalog `order`.
 */
export function benchInput(f: BenchForm, references: string[], ignoreBudget = false, order: string[] = []): BenchInput {
  return {
    name: f.name.trim() === "" ? null : f.name.trim(),
    prompts: [...promptLines(f.promptsText).map((text) => ({ text, images: [] })), ...f.filePrompts],
    references: f.useReferences ? references : [],
    targets: targetsOf(f, order),
    repeats: f.repeats,
    concurrency: f.concurrency,
    warmup: f.warmup,
    syncMode: f.syncMode,
    aspectRatio: f.aspectRatio,
    responseFormat: f.responseFormat,
    budget: f.budget,
    ignoreBudget,
  };
}

// ---- the latency chart --------------------------------------------------------------

export interface ChartArea {
  width: number;
  /** Left room for the target labels. */
  padLeft: number;
  padRight: number;
  padTop: number;
  /** Below, for the axis labels. */
  padBottom: number;
  rowHeight: number;
  bins: number;
}

export interface HistBar {
  x: number;
  y: number;
  w: number;
  h: number;
  count: number;
  fromMs: number;
  toMs: number;
}

export interface LatencyRow {
  model: string;
  /** Top of the row. */
  y: number;
  bars: HistBar[];
  /** x of p50 / p90 / p99, null without samples. */
  p50: number | null;
  p90: number | null;
  p99: number | null;
  samples: number;
}

export interface LatencyChart {
  width: number;
  height: number;
  xMax: number;
  ticks: { x: number; ms: number }[];
  rows: LatencyRow[];
}

/** Latencies (`total_ms`) of a target's succeeded, measured requests. */
export function latenciesOf(samples: Sample[], targetIdx: number): number[] {
  return samples
    .filter((s) => s.target_idx === targetIdx && !s.warmup && s.ok && s.total_ms !== null)
    .map((s) => s.total_ms as number);
}

/**
 * One histogram row per target on a shared x axis from 0 to a tidy maximum above the
 * slowest request, `area.bins` equal bins; bar heights are relative to the row's fullest
 * bin. The p50 / p90 / p99 marks are the report's own (exact, nearest-rank) figures.
 */
export function latencyChart(targets: TargetStats[], samples: Sample[], area: ChartArea): LatencyChart {
  const all = targets.map((_, i) => latenciesOf(samples, i));
  const slowest = Math.max(0, ...all.map((v) => (v.length ? Math.max(...v) : 0)));
  const xMax = niceMax(slowest * 1.02);
  const plotW = area.width - area.padLeft - area.padRight;
  const xOf = (ms: number): number => area.padLeft + (Math.min(ms, xMax) / xMax) * plotW;
  const binW = xMax / area.bins;
  const rows: LatencyRow[] = targets.map((t, i) => {
    const y = area.padTop + i * area.rowHeight;
    const counts = new Array<number>(area.bins).fill(0);
    // (ms * bins) / xMax, not ms / binW: the latter puts a sample on a bin edge one bin low.
    for (const ms of all[i]) counts[Math.min(area.bins - 1, Math.floor((ms * area.bins) / xMax))] += 1;
    const peak = Math.max(1, ...counts);
    const inner = area.rowHeight - 6;
    const bars: HistBar[] = [];
    counts.forEach((c, b) => {
      if (c === 0) return;
      const h = Math.max(2, (c / peak) * inner);
      bars.push({
        x: xOf(b * binW),
        y: y + 3 + inner - h,
        w: Math.max(1, plotW / area.bins - 1),
        h,
        count: c,
        fromMs: b * binW,
        toMs: (b + 1) * binW,
      });
    });
    const mark = (v: number | null): number | null => (v === null || all[i].length === 0 ? null : xOf(v));
    return {
      model: t.model,
      y,
      bars,
      p50: mark(t.p50_ms),
      p90: mark(t.p90_ms),
      p99: mark(t.p99_ms),
      samples: all[i].length,
    };
  });
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => ({ x: xOf(f * xMax), ms: f * xMax }));
  return {
    width: area.width,
    height: area.padTop + targets.length * area.rowHeight + area.padBottom,
    xMax,
    ticks,
    rows,
  };
}

// ---- the outputs grid ---------------------------------------------------------------

export interface OutputRow {
  key: string;
  promptIdx: number;
  prompt: string;
  repeat: number;
  /** One cell per target, in the report's target order (null: not sent). */
  cells: (Sample | null)[];
}

/** Measured requests as rows of prompt x repeat, a column per target. */
export function outputRows(report: Pick<BenchReport, "samples" | "targets">): OutputRow[] {
  const rows = new Map<string, OutputRow>();
  for (const s of report.samples) {
    if (s.warmup) continue;
    const key = `${s.prompt_idx}:${s.repeat}`;
    let r = rows.get(key);
    if (!r) {
      r = { key, promptIdx: s.prompt_idx, prompt: s.prompt, repeat: s.repeat, cells: report.targets.map(() => null) };
      rows.set(key, r);
    }
    r.cells[s.target_idx] = s;
  }
  return [...rows.values()].sort((a, b) => a.repeat - b.repeat || a.promptIdx - b.promptIdx);
}

/** "12 / 40 done · 1 failed · 28 left". */
export function progressLine(p: {
  done: number;
  total: number;
  failed: number;
  cancelled: number;
  remaining: number;
}): string {
  const parts = [`${p.done} / ${p.total} done`];
  if (p.failed > 0) parts.push(`${p.failed} failed`);
  if (p.cancelled > 0) parts.push(`${p.cancelled} cancelled`);
  parts.push(`${p.remaining} left`);
  return parts.join(" · ");
}

/**
 * The dot of a benchmark in the list (the run dots' classes): "complete" with failures is
 * not shown as plain done.
 */
export function outcomeDot(b: Pick<BenchSummary, "status" | "succeeded" | "failed">): string {
  switch (b.status) {
    case "running":
    case "cancelled":
    case "interrupted":
      return b.status;
    case "stopped":
      return "failed";
    default:
      if (b.failed > 0) return b.succeeded === 0 ? "failed" : "partial";
      return "done";
  }
}

/** Latency with the precision a benchmark needs: "9.8 ms", "840 ms", "2.4 s". */
export function formatLatency(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms < 99.95) return `${ms.toFixed(1)} ms`;
  return formatMs(ms);
}

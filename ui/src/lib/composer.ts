// The composer's state and the RunSpec built from it. Pure.
import { commonAspectRatios } from "./aspect";
import { formatCredits, formatInt, formatUsd, num } from "./format";
import type {
  CatalogEntry,
  Estimate,
  ReferenceView,
  ResponseFormatChoice,
  RunMode,
  RunSpec,
  RunView,
  SyncMode,
} from "./types";

/** The 1K Nano Banana 2: the one target checked on a fresh start. */
export const DEFAULT_TARGET = "gemini-3.1-flash-image-preview";

export interface ComposerState {
  mode: RunMode;
  prompt: string;
  /** Checked targets: model id -> n (images per target). */
  selected: Record<string, number>;
  /** Remembered n of unchecked targets, so re-checking keeps it. */
  counts: Record<string, number>;
  /** null = the model's default (square). */
  aspectRatio: string | null;
  responseFormat: ResponseFormatChoice;
  syncMode: SyncMode;
  references: ReferenceView[];
}

export function initialComposer(entries: CatalogEntry[]): ComposerState {
  const selected: Record<string, number> = {};
  const first = entries.find((e) => e.id === DEFAULT_TARGET) ?? entries[0];
  if (first) selected[first.id] = 1;
  return {
    mode: "generate",
    prompt: "",
    selected,
    counts: {},
    aspectRatio: null,
    responseFormat: "url",
    syncMode: "auto",
    references: [],
  };
}

export interface Family {
  family: string;
  /** "Nano Banana 2" (the label before " · "), or the family id. */
  title: string;
  entries: CatalogEntry[];
}

/** Catalog entries grouped by family, in catalog order; variants by long edge. */
export function groupCatalog(entries: CatalogEntry[]): Family[] {
  const out: Family[] = [];
  const byFamily = new Map<string, Family>();
  for (const e of entries) {
    let f = byFamily.get(e.family);
    if (!f) {
      const title = e.label.includes(" · ") ? e.label.split(" · ")[0] : e.family;
      f = { family: e.family, title, entries: [] };
      byFamily.set(e.family, f);
      out.push(f);
    }
    f.entries.push(e);
  }
  for (const f of out) f.entries.sort((a, b) => a.longEdge - b.longEdge);
  return out;
}

export function clampN(n: number, entry: CatalogEntry | undefined): number {
  const max = Math.max(1, entry?.maxN ?? 1);
  if (!Number.isFinite(n)) return 1;
  return Math.min(max, Math.max(1, Math.round(n)));
}

/** Checks or unchecks a target (keeping its n). */
export function toggleTarget(s: ComposerState, id: string, on: boolean): ComposerState {
  const selected = { ...s.selected };
  const counts = { ...s.counts };
  if (on) {
    selected[id] = counts[id] ?? selected[id] ?? 1;
  } else {
    if (selected[id] !== undefined) counts[id] = selected[id];
    delete selected[id];
  }
  return { ...s, selected, counts };
}

export function setCount(s: ComposerState, id: string, n: number, entry?: CatalogEntry): ComposerState {
  const v = clampN(n, entry);
  if (s.selected[id] === undefined) return { ...s, counts: { ...s.counts, [id]: v } };
  return { ...s, selected: { ...s.selected, [id]: v } };
}

/** Selected catalog entries, in catalog order. */
export function selectedEntries(s: ComposerState, entries: CatalogEntry[]): CatalogEntry[] {
  return entries.filter((e) => s.selected[e.id] !== undefined);
}

/** Ratios the selected targets all accept (all catalog ratios of the first if none). */
export function availableRatios(s: ComposerState, entries: CatalogEntry[]): string[] {
  const sel = selectedEntries(s, entries);
  return commonAspectRatios(sel.length > 0 ? sel : entries.slice(0, 1));
}

export function buildSpec(s: ComposerState, entries: CatalogEntry[], ignoreBudget = false): RunSpec {
  const targets = selectedEntries(s, entries)
    .filter((e) => s.mode === "generate" || e.supportsEdit)
    .map((e) => ({ modelId: e.id, n: clampN(s.selected[e.id], e) }));
  const ratios = availableRatios(s, entries);
  const aspectRatio = s.aspectRatio !== null && ratios.includes(s.aspectRatio) ? s.aspectRatio : null;
  return {
    mode: s.mode,
    prompt: s.prompt.trim(),
    targets,
    aspectRatio,
    responseFormat: s.responseFormat,
    syncMode: s.syncMode,
    references: s.mode === "edit" ? s.references.map((r) => r.sha256) : [],
    options: null,
    ignoreBudget,
  };
}

/** Why the spec cannot be sent, found without asking the Rust side. */
export function localProblems(spec: RunSpec): string[] {
  const p: string[] = [];
  if (spec.prompt.length === 0) p.push("Write a prompt.");
  if (spec.targets.length === 0) p.push("Choose at least one target.");
  if (spec.mode === "edit" && spec.references.length === 0) p.push("Add a reference image to edit.");
  return p;
}

/** The composer filled from a past run (re-run, or "open in composer"). */
export function composerFromRun(run: RunView, entries: CatalogEntry[], prev: ComposerState): ComposerState {
  const selected: Record<string, number> = {};
  for (const t of run.targets) {
    if (entries.some((e) => e.id === t.modelId)) selected[t.modelId] = t.n;
  }
  return {
    ...prev,
    mode: run.mode,
    prompt: run.prompt,
    selected,
    aspectRatio: run.aspectRatio,
    responseFormat: run.responseFormat,
    syncMode: run.syncMode,
    references: run.references,
  };
}

/** "Up to 22 credits ($0.22)". */
export function estimateLine(e: Pick<Estimate, "totalCredits" | "totalUsd">): string {
  return `Up to ${formatCredits(e.totalCredits)} (${formatUsd(e.totalUsd)})`;
}

/** The budget state of a pre-flight, for the blocking notice. */
export function budgetText(e: Estimate): { title: string; body: string; needed: number } | null {
  if (!e.overBudget || e.budgetCredits === null) return null;
  const budget = num(e.budgetCredits);
  const spent = num(e.spentCredits);
  const total = num(e.totalCredits);
  const left = Math.max(0, budget - spent);
  const over = spent + total - budget;
  return {
    title: "This run could go over the session budget",
    body:
      `It may cost up to ${formatCredits(total)} (${formatUsd(e.totalUsd)}). ` +
      `The session has spent ${formatInt(spent)} of its ${formatInt(budget)}-credit budget ` +
      `(${formatInt(left)} left), so it could go ${formatCredits(over)} over.`,
    needed: spent + total,
  };
}

/** A stable key of a spec, to skip estimating the same thing twice. */
export function specKey(spec: RunSpec): string {
  return JSON.stringify(spec);
}

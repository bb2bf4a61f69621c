// The composer's state and the RunSpec built from it. Pure.
import { commonAspectRatios, sizeOption } from "./aspect";
import { formatCredits, formatInt, formatUsd } from "./format";
import { entryCredits, familyTitle, pruneOptions, specOptions, type Options } from "./options";
import type {
  CatalogEntry,
  Estimate,
  TargetEstimate,
  OutputRef,
  ReferenceView,
  ResponseFormatChoice,
  RunMode,
  RunSpec,
  RunView,
  SyncMode,
} from "../types";

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
  /** Model options (quality, background, ...): sent to the targets that take them. */
  options: Options;
  /** The output this edit starts from ("edit from this"), while its reference is kept. */
  parent?: DraftParent | null;
}

/** The output a draft starts from, and the reference image that stands for it. */
export interface DraftParent {
  ref: OutputRef;
  sha256: string;
}

function parentField(s: ComposerState): { parent?: OutputRef } {
  const parent = activeParent(s);
  return parent ? { parent } : {};
}

/** The draft's parent, when the composer still edits from it (Edit mode, its reference kept). */
export function activeParent(s: ComposerState): OutputRef | null {
  const p = s.parent;
  return p && s.mode === "edit" && s.references.some((r) => r.sha256 === p.sha256) ? p.ref : null;
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
    options: {},
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
      f = { family: e.family, title: familyTitle(e), entries: [] };
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

/** The targets a run would be sent to: selected, and able to edit in edit mode. */
export function activeEntries(s: ComposerState, entries: CatalogEntry[]): CatalogEntry[] {
  return selectedEntries(s, entries).filter((e) => s.mode === "generate" || e.supportsEdit);
}

/**
 * The state with the model options no selected target takes dropped (the same object when
 * nothing is dropped). Pruned against the selection, not the mode, so switching to Edit
 * and back keeps them.
 */
export function pruneComposer(s: ComposerState, entries: CatalogEntry[]): ComposerState {
  const options = pruneOptions(s.options, selectedEntries(s, entries));
  return options === s.options ? s : { ...s, options };
}

/** Ratios the selected targets all accept (all catalog ratios of the first if none). */
export function availableRatios(s: ComposerState, entries: CatalogEntry[]): string[] {
  const sel = selectedEntries(s, entries);
  return commonAspectRatios(sel.length > 0 ? sel : entries.slice(0, 1));
}

export function buildSpec(s: ComposerState, entries: CatalogEntry[], ignoreBudget = false): RunSpec {
  const sent = activeEntries(s, entries);
  const targets = sent.map((e) => ({ modelId: e.id, n: clampN(s.selected[e.id], e) }));
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
    options: specOptions(s.options, sent),
    ignoreBudget,
    ...parentField(s),
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
    // A re-run of an edit from an output is still an edit from that output.
    parent: run.parent && run.references[0] ? { ref: run.parent, sha256: run.references[0].sha256 } : null,
  };
}

/**
 * "Up to 22 credits ($0.22)"; "From 1 credit ($0.01)" when every price is a floor; "Up to
 * 8 + from 1 credit ($0.09)" when some are.
 */
export function estimateLine(e: Pick<Estimate, "totalCredits" | "totalUsd"> & { targets?: TargetEstimate[] }): string {
  const usd = formatUsd(e.totalUsd);
  const floors = (e.targets ?? []).filter((t) => t.priceFrom);
  if (floors.length === 0) return `Up to ${formatCredits(e.totalCredits)} (${usd})`;
  const floor = floors.reduce((a, t) => a + t.credits, 0);
  const capped = e.totalCredits - floor;
  if (floors.length === (e.targets ?? []).length || capped <= 0)
    return `From ${formatCredits(e.totalCredits)} (${usd})`;
  return `Up to ${formatInt(capped)} + from ${formatCredits(floor)} (${usd})`;
}

/** One target of the pre-flight, as the composer's footer lists it. */
export interface EstimateRow {
  modelId: string;
  /** "Nano Banana 2 · 4K". */
  label: string;
  n: number;
  /** The `size` sent, e.g. "1376x768" or "2K"; null when none is. */
  size: string | null;
  /** "1376×768", "2K"; "" without a size. */
  sizeText: string;
  /** "size=2K (2048×2048)". */
  sizeTitle: string;
  creditsPerImage: number;
  credits: number;
  priceFrom: boolean;
  /** "8 cr", "2 × 8 cr", "from 1 cr". */
  creditsText: string;
  /** False while the shown figures are the composer's own guess (a new estimate is on its way). */
  fresh: boolean;
}

/** "1376×768" for "1376x768"; a keyword ("2K", "auto") as is. */
export function sizeText(size: string | null | undefined): string {
  if (!size) return "";
  const m = /^\s*(\d+)\s*[xX×]\s*(\d+)\s*$/.exec(size);
  return m ? `${m[1]}×${m[2]}` : size.trim();
}

function sizeTitle(size: string | null, entry: CatalogEntry | undefined): string {
  if (!size) return "No size is sent: the model's default";
  const text = sizeText(size);
  const opt = entry?.sizes.find((o) => o.size === size);
  const dims = opt ? `${opt.width}×${opt.height}` : null;
  return dims && dims !== text ? `size=${size} (${dims})` : `size=${size}`;
}

/**
 * The footer's per-target lines: one per target sent, in order. Figures come from the
 * core's estimate when it is for this spec (`fresh`); until then from the catalog (the
 * size for the ratio, the price at the chosen quality), so the lines never jump.
 */
export function estimateRows(
  spec: RunSpec,
  entries: CatalogEntry[],
  est: Estimate | null,
  fresh: boolean,
  options: Options = {},
): EstimateRow[] {
  return spec.targets.map((t) => {
    const entry = entries.find((e) => e.id === t.modelId);
    const got = fresh ? est?.targets.find((x) => x.modelId === t.modelId && x.n === t.n) : undefined;
    const size = got
      ? (got.size ?? null)
      : (t.size ?? (entry ? (sizeOption(entry, spec.aspectRatio)?.size ?? null) : null));
    const per = got ? got.creditsPerImage : entry ? entryCredits(entry, options) : 0;
    const priceFrom = got ? got.priceFrom : (entry?.priceFrom ?? false);
    const credits = got ? got.credits : per * t.n;
    return {
      modelId: t.modelId,
      label: entry?.label ?? t.modelId,
      n: t.n,
      size,
      sizeText: sizeText(size),
      sizeTitle: sizeTitle(size, entry),
      creditsPerImage: per,
      credits,
      priceFrom,
      creditsText: `${priceFrom ? "from " : ""}${t.n > 1 ? `${t.n} × ` : ""}${per} cr`,
      fresh: got !== undefined,
    };
  });
}

/** The budget state of a pre-flight, for the blocking notice. */
export function budgetText(e: Estimate): { title: string; body: string; needed: number } | null {
  if (!e.overBudget || e.budgetCredits === null) return null;
  const budget = e.budgetCredits;
  const spent = e.spentCredits;
  const total = e.totalCredits;
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

/**
 * A key of what a spec's price depends on (targets, ratio, options, mode), so an estimate
 * stays "fresh" while only the prompt changes.
 */
export function priceKey(spec: RunSpec): string {
  return JSON.stringify([spec.mode, spec.targets, spec.aspectRatio, spec.options]);
}

/** A stable key of a spec, to skip estimating the same thing twice. */
export function specKey(spec: RunSpec): string {
  return JSON.stringify(spec);
}

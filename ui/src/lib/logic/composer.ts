// The composer's state and the one Request built from it (its sweep included). Pure.
import { commonAspectRatios, sizeOption } from "./aspect";
import { formatCredits, formatInt, formatUsd } from "./format";
import { entryCredits, familyTitle, pruneOptions, qualityOf, specOptions, type Options } from "./options";
import { emptySweep, promptVariables, type SweepDraft } from "./sweep";
import type {
  CatalogEntry,
  Estimate,
  TargetEstimate,
  OutputRef,
  ReferenceView,
  Request,
  ResponseFormatChoice,
  RunKind,
  RunView,
  SyncMode,
} from "../types";

/** The 1K Nano Banana 2: the one target checked on a fresh start. */
export const DEFAULT_TARGET = "gemini-3.1-flash-image-preview";

export interface ComposerState {
  /** Generate, or edit the reference images (only then are they sent). */
  mode: RunKind;
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
  /** The sweep's axes and the values of the prompt's variables (the core expands them). */
  sweep: SweepDraft;
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
    sweep: emptySweep(),
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

/**
 * The request Run sends: the targets, ratio and fields chosen, the references in Edit mode,
 * the sweep's axes and the values of the variables the prompt uses (a variable the prompt
 * no longer names is kept in the draft, not sent).
 */
export function buildRequest(s: ComposerState, entries: CatalogEntry[]): Request {
  const sent = activeEntries(s, entries);
  const targets = sent.map((e) => ({ modelId: e.id, n: clampN(s.selected[e.id], e) }));
  const ratios = availableRatios(s, entries);
  const aspectRatio = s.aspectRatio !== null && ratios.includes(s.aspectRatio) ? s.aspectRatio : null;
  return {
    prompt: s.prompt.trim(),
    targets,
    aspectRatio,
    mode: s.syncMode,
    responseFormat: s.responseFormat,
    images: s.mode === "edit" ? s.references.map((r) => r.sha256) : [],
    fields: specOptions(s.options, sent),
    sweep: s.sweep.axes,
    vars: promptVariables(s.prompt).map((name) => ({ name, values: s.sweep.variables[name] ?? [] })),
    ...parentField(s),
  };
}

/** Whether Run runs a sweep: an axis is set, or the prompt has a {{variable}}. */
export function isSweeping(s: Pick<ComposerState, "sweep" | "prompt">): boolean {
  return s.sweep.axes.length > 0 || promptVariables(s.prompt).length > 0;
}

/** Why the request cannot be sent, found without asking the Rust side. */
export function localProblems(s: Pick<ComposerState, "mode">, request: Request): string[] {
  const p: string[] = [];
  if (request.prompt.length === 0) p.push("Write a prompt.");
  if (request.targets.length === 0) p.push("Choose at least one target.");
  if (s.mode === "edit" && request.images.length === 0) p.push("Add a reference image to edit.");
  return p;
}

/**
 * The composer filled from a request and its reference images (a past run, a draft, a
 * recipe): its prompt, targets (those in the catalog; else the previous choice), ratio,
 * format, request mode, fields, references, sweep, and the parent it edits from.
 */
export function composerFromRequest(
  request: Request,
  references: ReferenceView[],
  entries: CatalogEntry[],
  prev: ComposerState,
): ComposerState {
  const selected: Record<string, number> = {};
  for (const t of request.targets) {
    if (entries.some((e) => e.id === t.modelId)) selected[t.modelId] = t.n;
  }
  const options: Options = {};
  for (const [k, v] of Object.entries(request.fields ?? {})) {
    if (typeof v === "string" || typeof v === "number") options[k] = v;
  }
  const variables: Record<string, string[]> = {};
  for (const v of request.vars) variables[v.name] = v.values;
  return {
    ...prev,
    mode: request.images.length > 0 ? "edit" : "generate",
    prompt: request.prompt,
    selected: Object.keys(selected).length > 0 ? selected : prev.selected,
    aspectRatio: request.aspectRatio,
    responseFormat: request.responseFormat,
    syncMode: request.mode,
    references,
    options,
    // An edit from an output is still an edit from that output.
    parent: request.parent && references[0] ? { ref: request.parent, sha256: references[0].sha256 } : null,
    sweep: { axes: request.sweep, variables },
  };
}

/** The composer filled from a past run (re-run, or "open in composer"), its sweep too. */
export function composerFromRun(run: RunView, entries: CatalogEntry[], prev: ComposerState): ComposerState {
  return composerFromRequest(run.request, run.references, entries, prev);
}

/**
 * "Up to 22 credits ($0.22)"; "From 1 credit ($0.01)" when every price is a floor; "Up to
 * 8 + from 1 credit ($0.09)" when some are.
 */
export function estimateLine(e: Pick<Estimate, "total"> & { targets?: TargetEstimate[] }): string {
  const usd = formatUsd(e.total.usd);
  const unknown = e.total.unpriced > 0 ? " + price unknown" : "";
  if (e.total.unpriced > 0 && e.total.credits === 0 && e.total.usd === 0) return "Price unknown";
  const floors = (e.targets ?? []).filter((t) => t.priceFrom);
  // A gateway that bills in dollars (OpenAI): dollars alone.
  if (e.total.credits === 0 && e.total.usd > 0) return `Up to ${usd}${unknown}`;
  if (floors.length === 0) return `Up to ${formatCredits(e.total.credits)} (${usd})${unknown}`;
  const floor = floors.reduce((a, t) => a + t.cost.credits, 0);
  const capped = e.total.credits - floor;
  if (floors.length === (e.targets ?? []).length || capped <= 0)
    return `From ${formatCredits(e.total.credits)} (${usd})${unknown}`;
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
  /** "8 cr", "2 × 8 cr", "from 1 cr", "price unknown". */
  creditsText: string;
  /** The catalog has no price for it (a model only the server lists). */
  unpriced: boolean;
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
  spec: Request,
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
    const per = got ? got.perImage.credits : entry ? entryCredits(entry, options) : 0;
    const priceFrom = got ? got.priceFrom : (entry?.priceFrom ?? false);
    const credits = got ? got.cost.credits : per * t.n;
    const unpriced = got ? got.perImage.unpriced > 0 : (entry?.unpriced ?? false);
    // An entry priced in dollars (OpenAI's table): its price for the size and quality.
    const inUsd = (entry?.usdPrices.length ?? 0) > 0;
    const perUsd = got ? got.perImage.usd : entry && inUsd ? usdPerImage(entry, size, qualityOf(entry, options)) : 0;
    const each = inUsd ? formatUsd(perUsd) : `${per} cr`;
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
      creditsText: unpriced ? "price unknown" : `${priceFrom ? "from " : ""}${t.n > 1 ? `${t.n} × ` : ""}${each}`,
      unpriced,
      fresh: got !== undefined,
    };
  });
}

/** A dollar-priced entry's price per image at `size` and `quality` (none: `auto`), the
 * dearest cell where the table has no such one (as the core prices an estimate). */
export function usdPerImage(entry: CatalogEntry, size: string | null, quality: string | null): number {
  const q = quality ?? "auto";
  const row = entry.usdPrices.filter((p) => p.size === size);
  const cells = row.length > 0 ? row : entry.usdPrices;
  const at = cells.filter((p) => p.quality === q).map((p) => p.usd);
  if (row.length > 0 && at.length > 0) return at[0];
  const pool = at.length > 0 ? at : cells.map((p) => p.usd);
  return pool.reduce((a, b) => Math.max(a, b), 0);
}

/** The budget state of a pre-flight, for the blocking notice. */
export function budgetText(e: Estimate): { title: string; body: string; needed: number } | null {
  if (!e.overBudget || e.budgetCredits === null) return null;
  const budget = e.budgetCredits;
  const spent = e.spent.credits;
  const total = e.total.credits;
  const left = Math.max(0, budget - spent);
  const over = spent + total - budget;
  if (e.total.unpriced > 0 && over <= 0) {
    const n = e.total.unpriced;
    return {
      title: "This run's cost cannot be bounded",
      body:
        `${n} image${n === 1 ? "" : "s"} of a model only the server lists ${n === 1 ? "has" : "have"} no known price, ` +
        `so the session budget (${formatInt(left)} of ${formatInt(budget)} credits left) cannot hold this run. ` +
        `Run anyway if you accept an unknown charge.`,
      needed: spent + total,
    };
  }
  return {
    title: "This run could go over the session budget",
    body:
      `It may cost up to ${formatCredits(total)} (${formatUsd(e.total.usd)}). ` +
      `The session has spent ${formatInt(spent)} of its ${formatInt(budget)}-credit budget ` +
      `(${formatInt(left)} left), so it could go ${formatCredits(over)} over.`,
    needed: spent + total,
  };
}

/**
 * A key of what a request's estimate depends on (whether it edits, the targets, ratio,
 * fields, sweep and variables), so the estimate is not asked again, and stays "fresh",
 * while only the prompt's words change.
 */
export function priceKey(r: Request): string {
  return JSON.stringify([r.images.length > 0, r.targets, r.aspectRatio, r.fields, r.sweep, r.vars]);
}

// Sweeps in the UI: the composer's sweep draft (axes and prompt variables) and its edits,
// and a finished sweep run laid out as an XY grid by its axis values. Pure; counting and
// pricing a sweep is the core's (its `estimate` of the request).
import { formatUsd } from "./format";
import type { AxisValue, CatalogEntry, FieldSpec, RunView, SweepAxis, TargetView } from "../types";

/** The field axes a sweep can vary, where a model's catalog entry lists them. */
export const FIELD_AXES = ["quality", "output_format", "background"] as const;
/** What a target shows on an axis its model does not take (as the core labels it). */
export const NOT_SENT = "not sent";

/** The composer's sweep: axes with their chosen values, and values per prompt variable. */
export interface SweepDraft {
  axes: SweepAxis[];
  /** Variable name -> its values (kept while the prompt no longer names it, for undo). */
  variables: Record<string, string[]>;
}

export function emptySweep(): SweepDraft {
  return { axes: [], variables: {} };
}

/** An axis the composer offers for the chosen targets. */
export interface AxisChoice {
  axis: string;
  label: string;
  /** The values it can take (empty: typed, e.g. a size). */
  values: string[];
  /** "Only GPT Image 2" when not every chosen target takes it. */
  hint: string | null;
}

/** The variable names `{{…}}` marks in a template, in order of first use (malformed ones left out). */
export function promptVariables(template: string): string[] {
  const out: string[] = [];
  for (const m of template.matchAll(/\{\{\s*([\p{L}\p{N}_-]+)\s*\}\}/gu)) {
    if (!out.includes(m[1])) out.push(m[1]);
  }
  return out;
}

/** The axes the chosen targets allow: aspect ratio, size, and the documented field axes. */
export function axisChoices(chosen: CatalogEntry[], specs: FieldSpec[]): AxisChoice[] {
  const ratios: string[] = [];
  for (const e of chosen)
    for (const r of e.aspectRatios)
      if (chosen.every((o) => o.aspectRatios.includes(r)) && !ratios.includes(r)) ratios.push(r);
  const out: AxisChoice[] = [
    { axis: "aspect_ratio", label: "Aspect ratio", values: ratios, hint: null },
    { axis: "size", label: "Size", values: [], hint: null },
  ];
  for (const name of FIELD_AXES) {
    const spec = specs.find((s) => s.name === name);
    const takers = chosen.filter((e) => e.fields.includes(name));
    if (!spec || takers.length === 0) continue;
    const hint =
      takers.length === chosen.length
        ? null
        : `Only ${[...new Set(takers.map((e) => e.label.split(" · ")[0]))].join(", ")}; one request for the others`;
    out.push({ axis: name, label: spec.label, values: spec.values, hint });
  }
  return out;
}

/** "fox, owl ,cat" -> ["fox", "owl", "cat"]: a typed list of values. */
export function parseValues(text: string): string[] {
  const out: string[] = [];
  for (const v of text.split(",").map((s) => s.trim())) if (v && !out.includes(v)) out.push(v);
  return out;
}

/** The draft with `value` added to (or removed from) `axis`'s values. */
export function toggleAxisValue(draft: SweepDraft, axis: string, value: string): SweepDraft {
  const axes = draft.axes.map((a) => {
    if (a.axis !== axis) return a;
    const values = a.values.includes(value) ? a.values.filter((v) => v !== value) : [...a.values, value];
    return { ...a, values };
  });
  return { ...draft, axes };
}

export function addAxis(draft: SweepDraft, axis: string, values: string[] = []): SweepDraft {
  if (draft.axes.some((a) => a.axis === axis)) return draft;
  return { ...draft, axes: [...draft.axes, { axis, values }] };
}

export function removeAxis(draft: SweepDraft, axis: string): SweepDraft {
  return { ...draft, axes: draft.axes.filter((a) => a.axis !== axis) };
}

export function setVariable(draft: SweepDraft, name: string, values: string[]): SweepDraft {
  return { ...draft, variables: { ...draft.variables, [name]: values } };
}

// ---- the grid of a sweep run ---------------------------------------------------------

/** An axis of a run, with its values in the order the targets have them. */
export interface RunAxis {
  axis: string;
  values: string[];
}

/** The axes of a run's targets, in axis order; empty for a run that is not a sweep. */
export function runAxes(run: Pick<RunView, "targets">): RunAxis[] {
  const out: RunAxis[] = [];
  for (const t of run.targets) {
    for (const a of t.axes ?? []) {
      let ax = out.find((x) => x.axis === a.axis);
      if (!ax) {
        ax = { axis: a.axis, values: [] };
        out.push(ax);
      }
      if (!ax.values.includes(a.value)) ax.values.push(a.value);
    }
  }
  return out;
}

export function isSweepRun(run: Pick<RunView, "targets">): boolean {
  return run.targets.some((t) => (t.axes ?? []).length > 0);
}

/** "Quality", "Aspect ratio", "Model", "{{animal}}". */
export function axisTitle(axis: string): string {
  if (axis === "aspect_ratio") return "Aspect ratio";
  if (axis === "output_format") return "Format";
  if (axis.startsWith("{{")) return axis;
  return axis.charAt(0).toUpperCase() + axis.slice(1);
}

/** A value as a cell label: a model id as its catalog label. */
export function valueTitle(axis: string, value: string, catalog: CatalogEntry[]): string {
  if (axis === "model") return catalog.find((e) => e.id === value)?.label ?? value;
  return value;
}

function valueOf(axes: AxisValue[] | undefined, axis: string): string | undefined {
  return axes?.find((a) => a.axis === axis)?.value;
}

/** The grid of one page: rows by `y` (or one row), columns by `x`, each cell a target or none. */
export interface SweepGridPage {
  /** The values of the other axes this page shows, e.g. [{axis: "{{animal}}", value: "fox"}]. */
  fixed: AxisValue[];
  xValues: string[];
  yValues: string[];
  /** cells[row][col]: the target at those values on this page, or null (not swept there). */
  cells: (TargetView | null)[][];
}

/**
 * The run laid out as XY pages: columns by `x`, rows by `y` (null: one row), one page per
 * combination of the other axes' values (in the order they appear).
 */
export function sweepPages(run: Pick<RunView, "targets">, x: string, y: string | null): SweepGridPage[] {
  const axes = runAxes(run);
  const xs = axes.find((a) => a.axis === x)?.values ?? [""];
  const ys = y ? (axes.find((a) => a.axis === y)?.values ?? [""]) : [""];
  const others = axes.filter((a) => a.axis !== x && a.axis !== y);
  const pages: SweepGridPage[] = [];
  const pageOf = (t: TargetView): AxisValue[] =>
    others.map((o) => ({ axis: o.axis, value: valueOf(t.axes, o.axis) ?? "" }));
  const key = (f: AxisValue[]) => f.map((v) => `${v.axis}=${v.value}`).join("\u0000");
  for (const t of run.targets) {
    const fixed = pageOf(t);
    let page = pages.find((p) => key(p.fixed) === key(fixed));
    if (!page) {
      page = { fixed, xValues: xs, yValues: ys, cells: ys.map(() => xs.map(() => null)) };
      pages.push(page);
    }
    const col = xs.indexOf(valueOf(t.axes, x) ?? "");
    const row = y ? ys.indexOf(valueOf(t.axes, y) ?? "") : 0;
    if (col >= 0 && row >= 0 && page.cells[row][col] === null) page.cells[row][col] = t;
  }
  return pages;
}

/** The default X and Y axes: the first two with more than one value (else the first two). */
export function defaultAxes(axes: RunAxis[]): { x: string | null; y: string | null } {
  const varied = axes.filter((a) => a.values.length > 1);
  const pick = varied.length > 0 ? varied : axes;
  return { x: pick[0]?.axis ?? null, y: pick[1]?.axis ?? null };
}

/** The aspect ratio a sweep target was asked at (its axis), else the run's. */
export function targetAspect(run: Pick<RunView, "aspectRatio">, t: TargetView): string | null {
  const v = valueOf(t.axes, "aspect_ratio");
  return v && v !== NOT_SENT ? v : run.aspectRatio;
}

/** "12 requests · ≤ 68 credits" (or "… · free" in the Sandbox). */
export function planLine(count: number, credits: number, simulated: boolean, usd = 0): string {
  const req = `${count} request${count === 1 ? "" : "s"}`;
  // A gateway that bills in dollars (OpenAI) has no credits to show.
  const cost = credits === 0 && usd > 0 ? `≤ ${formatUsd(usd)}` : `≤ ${credits} credit${credits === 1 ? "" : "s"}`;
  return simulated ? `${req} · ${cost} (simulated, free)` : `${req} · ${cost}`;
}

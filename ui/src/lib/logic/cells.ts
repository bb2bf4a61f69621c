// What tells one target of a run from the others, for the cell's header and the
// inspector's tabs: the model's name (when the run has more than one model), the variant,
// and the swept values that differ between targets. Pure.
import type { CatalogEntry, TargetView } from "../types";
import { axisTitle } from "./sweep";

export interface CellLabel {
  /** The model's friendly name ("Nano Banana 2"), or its id when the catalog lacks it. */
  model: string;
  /** The size variant ("4K"), or "" when the catalog does not know the model. */
  variant: string;
  /** Whether other targets of the run use another model (so the name must be shown). */
  modelDiffers: boolean;
  /** The swept values that differ between the run's targets, e.g. "Quality: high". */
  values: { axis: string; title: string; value: string }[];
}

type Target = Pick<TargetView, "idx" | "modelId" | "axes">;

// Every cell of a run asks for the labels of all its targets: computed once per targets
// list (a run update brings a new list), not once per cell, which a large sweep's progress
// events would make quadratic.
const memo = new WeakMap<Target[], { catalog: CatalogEntry[]; labels: Map<number, CellLabel> }>();

/** The label of each target, by its index. */
export function cellLabels(targets: Target[], catalog: CatalogEntry[]): Map<number, CellLabel> {
  const hit = memo.get(targets);
  if (hit && hit.catalog === catalog) return hit.labels;
  const labels = computeLabels(targets, catalog);
  memo.set(targets, { catalog, labels });
  return labels;
}

function computeLabels(targets: Target[], catalog: CatalogEntry[]): Map<number, CellLabel> {
  const entry = (id: string) => catalog.find((c) => c.id === id);
  const models = new Set(targets.map((t) => entry(t.modelId)?.family ?? t.modelId));
  // An axis is worth showing when its value is not the same on every target.
  const differing = new Set<string>();
  const seen = new Map<string, string>();
  for (const t of targets) {
    for (const a of t.axes ?? []) {
      if (a.axis === "model") continue;
      const before = seen.get(a.axis);
      if (before === undefined) seen.set(a.axis, a.value);
      else if (before !== a.value) differing.add(a.axis);
    }
  }
  for (const t of targets) {
    for (const axis of seen.keys()) if (!(t.axes ?? []).some((a) => a.axis === axis)) differing.add(axis);
  }
  const out = new Map<number, CellLabel>();
  for (const t of targets) {
    const e = entry(t.modelId);
    out.set(t.idx, {
      model: e ? e.label.split(" · ")[0] : t.modelId,
      variant: e?.variant ?? "",
      modelDiffers: models.size > 1,
      values: (t.axes ?? [])
        .filter((a) => differing.has(a.axis))
        .map((a) => ({ axis: a.axis, title: axisTitle(a.axis), value: a.value })),
    });
  }
  return out;
}

/** One line for a tab or a tooltip: "Nano Banana Pro 2K · high" (the model only when it differs). */
export function cellLabelText(l: CellLabel): string {
  const head = l.modelDiffers || !l.variant ? [l.model, l.variant] : [l.variant];
  return [...head.filter((s) => s !== ""), ...l.values.map((v) => v.value)].join(" · ");
}

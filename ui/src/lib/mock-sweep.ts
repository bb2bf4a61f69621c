// The browser mock's `sweep_expand` (see mock.ts): the core's expansion in small — the
// product of the axes, an axis a model does not take collapsed to one "not sent" request,
// the limit, and the commonest mistakes as the core words them.
import { promptVariables } from "./logic/sweep";
import type { CatalogEntry, Estimate, RunSpec, SweepPlan, SweepSpec, TargetSpec } from "./types";

const FIELD_AXES = ["quality", "output_format", "background"];

export function mockSweepExpand(
  spec: SweepSpec,
  catalog: CatalogEntry[],
  limit: number,
  estimate: (run: RunSpec) => Estimate,
): SweepPlan {
  const problems: string[] = [];
  const used = promptVariables(spec.prompt);
  for (const name of used) {
    if (!spec.variables.some((v) => v.name === name && v.values.length > 0))
      problems.push(`The prompt uses {{${name}}} but it has no values: give it at least one.`);
  }
  for (const v of spec.variables) {
    if (!used.includes(v.name))
      problems.push(
        `The variable {{${v.name}}} has values but the prompt does not use it: add {{${v.name}}} to the prompt, or remove the variable.`,
      );
  }
  for (const a of spec.axes)
    if (a.values.length === 0)
      problems.push(`The ${a.axis.replace("_", " ")} axis has no values: add at least one, or remove it.`);
  const axes = spec.axes.filter((a) => a.values.length > 0);
  const vars = spec.variables.filter((v) => used.includes(v.name) && v.values.length > 0);
  const targets: TargetSpec[] = [];
  for (const base of spec.targets) {
    const e = catalog.find((c) => c.id === base.modelId);
    const dims: { axis: string; values: [string, string | null][] }[] = [];
    if (spec.targets.length > 1) dims.push({ axis: "model", values: [[base.modelId, null]] });
    for (const a of axes) {
      const sent = !FIELD_AXES.includes(a.axis) || (e?.fields.includes(a.axis) ?? false);
      dims.push({ axis: a.axis, values: sent ? a.values.map((v) => [v, v]) : [["not sent", null]] });
    }
    for (const v of vars) dims.push({ axis: `{{${v.name}}}`, values: v.values.map((x) => [x, x]) });
    let combos: [string, string, string | null][][] = [[]];
    for (const d of dims)
      combos = combos.flatMap((c) =>
        d.values.map(([label, sent]) => [...c, [d.axis, label, sent] as [string, string, string | null]]),
      );
    for (const c of combos) {
      const t: TargetSpec = { modelId: base.modelId, n: base.n, axes: c.map(([axis, value]) => ({ axis, value })) };
      const fields: Record<string, string> = {};
      let prompt = spec.prompt;
      for (const [axis, , sent] of c) {
        if (sent === null) continue;
        if (axis === "aspect_ratio") t.aspectRatio = sent;
        else if (axis === "size") t.size = sent;
        else if (FIELD_AXES.includes(axis)) fields[axis] = sent;
        else if (axis.startsWith("{{"))
          prompt = prompt.replace(new RegExp(`\\{\\{\\s*${axis.slice(2, -2)}\\s*\\}\\}`, "g"), sent);
      }
      if (Object.keys(fields).length > 0) t.fields = fields;
      if (vars.length > 0) t.prompt = prompt;
      targets.push(t);
    }
  }
  const count = targets.length;
  if (count > limit)
    problems.push(
      `This sweep makes ${count} requests, more than your limit of ${limit}: remove some values, or raise the limit in Settings (most requests per sweep).`,
    );
  const run: RunSpec = {
    mode: spec.mode ?? "generate",
    prompt: spec.prompt,
    targets,
    aspectRatio: spec.aspectRatio ?? null,
    responseFormat: spec.responseFormat ?? "url",
    syncMode: spec.syncMode ?? "auto",
    references: spec.references,
    options: spec.options ?? null,
    ignoreBudget: spec.ignoreBudget,
  };
  const est = estimate(run);
  return {
    runSpec: problems.length === 0 ? run : null,
    count,
    limit,
    totalCredits: est.totalCredits,
    totalUsd: est.totalUsd,
    estimate: count <= limit ? est : null,
    axes: [
      ...(spec.targets.length > 1
        ? [{ axis: "model", values: spec.targets.map((t) => t.modelId), notSentTo: [] }]
        : []),
      ...axes.map((a) => ({
        axis: a.axis,
        values: a.values,
        notSentTo: FIELD_AXES.includes(a.axis)
          ? spec.targets
              .filter((t) => !catalog.find((c) => c.id === t.modelId)?.fields.includes(a.axis))
              .map((t) => t.modelId)
          : [],
      })),
      ...vars.map((v) => ({ axis: `{{${v.name}}}`, values: v.values, notSentTo: [] })),
    ],
    problems,
    notes: [],
  };
}

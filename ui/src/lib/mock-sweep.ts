// The browser mock's sweep (see mock.ts): the core's plan in small — the product of the
// axes, an axis a model does not take collapsed to one "not sent" request, the limit, and
// the commonest mistakes as the core words them — and the requests it expands to.
import { promptVariables } from "./logic/sweep";
import type { CatalogEntry, Request, SweepAxisPlan, TargetSpec } from "./types";

const FIELD_AXES = ["quality", "output_format", "background"];

/** A request's plan: the requests it makes (expanded), its axes, and what refuses it. */
export interface MockPlan {
  /** One per request, in order; each with its model's index in the request's targets. */
  targets: (TargetSpec & { base: number })[];
  axes: SweepAxisPlan[];
  problems: string[];
}

export function mockPlan(request: Request, catalog: CatalogEntry[], limit: number): MockPlan {
  const problems: string[] = [];
  const used = promptVariables(request.prompt);
  for (const name of used) {
    if (!request.vars.some((v) => v.name === name && v.values.length > 0))
      problems.push(`The prompt uses {{${name}}} but it has no values: give it at least one.`);
  }
  for (const v of request.vars) {
    if (!used.includes(v.name))
      problems.push(
        `The variable {{${v.name}}} has values but the prompt does not use it: add {{${v.name}}} to the prompt, or remove the variable.`,
      );
  }
  for (const a of request.sweep)
    if (a.values.length === 0)
      problems.push(`The ${a.axis.replace("_", " ")} axis has no values: add at least one, or remove it.`);
  const axes = request.sweep.filter((a) => a.values.length > 0);
  const vars = request.vars.filter((v) => used.includes(v.name) && v.values.length > 0);
  const swept = axes.length > 0 || vars.length > 0;
  const targets: MockPlan["targets"] = [];
  request.targets.forEach((base, bi) => {
    if (!swept) {
      targets.push({ ...base, base: bi });
      return;
    }
    const e = catalog.find((c) => c.id === base.modelId);
    const dims: { axis: string; values: [string, string | null][] }[] = [];
    if (request.targets.length > 1) dims.push({ axis: "model", values: [[base.modelId, null]] });
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
      const t: MockPlan["targets"][number] = {
        modelId: base.modelId,
        n: base.n,
        base: bi,
        axes: c.map(([axis, value]) => ({ axis, value })),
      };
      const fields: Record<string, string> = {};
      let prompt = request.prompt;
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
  });
  const count = targets.length;
  if (count > limit)
    problems.push(
      `This makes ${count} requests, more than your limit of ${limit}: remove some values, targets or repeats, or raise the limit (Settings: Most requests per run; pixbench: --max-requests).`,
    );
  return {
    targets,
    axes: !swept
      ? []
      : [
          ...(request.targets.length > 1
            ? [{ axis: "model", values: request.targets.map((t) => t.modelId), notSentTo: [] }]
            : []),
          ...axes.map((a) => ({
            axis: a.axis,
            values: a.values,
            notSentTo: FIELD_AXES.includes(a.axis)
              ? request.targets
                  .filter((t) => !catalog.find((c) => c.id === t.modelId)?.fields.includes(a.axis))
                  .map((t) => t.modelId)
              : [],
          })),
          ...vars.map((v) => ({ axis: `{{${v.name}}}`, values: v.values, notSentTo: [] })),
        ],
    problems,
  };
}

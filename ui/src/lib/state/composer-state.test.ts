// The composer's store against a recording `call`: one estimate per priced change (not
// per word of the prompt), and Run sends the whole request, its sweep too, in one call
// whose refusal (the estimate) is shown without another.
import { beforeEach, describe, expect, it, vi } from "vitest";
import { CATALOG, estimate, FIELDS, run } from "../logic/fixtures.test-util";
import type { Estimate, Request } from "../types";

const calls: { name: string; args: Record<string, unknown> }[] = [];
let answer: Estimate = estimate();
let refusal: Estimate | null = null;
vi.mock("../api", () => ({
  call: async (name: string, args: Record<string, unknown>) => {
    calls.push({ name, args });
    if (name === "estimate") return answer;
    if (name === "run_start")
      return refusal ? { outcome: "refused", estimate: refusal } : { outcome: "started", run: run("r1") };
    throw new Error(`unexpected command ${name}`);
  },
}));

const { ComposerStore } = await import("./composer-state.svelte");
const { initialComposer } = await import("../logic/composer");

function fakeApp() {
  const started: string[] = [];
  const app = {
    catalog: CATALOG,
    fieldSpecs: FIELDS,
    settings: { sessionMode: "new_each_start", maxRequests: 64 },
    profiles: { current: { id: "sandbox" } },
    session: { current: null, budgetSettled: async () => {} },
    workspace: { view: null },
    notices: { toast: () => {}, report: (e: unknown) => Promise.reject(e) },
    runs: { started: (r: { id: string }) => started.push(r.id) },
  };
  return { app, started };
}

async function settle(): Promise<void> {
  await new Promise((r) => setTimeout(r, 250));
}

describe("the composer's store", () => {
  beforeEach(() => {
    calls.length = 0;
    answer = estimate();
    refusal = null;
  });

  it("asks for an estimate when the price may change, not for a new word of the prompt", async () => {
    const { app } = fakeApp();
    const c = new ComposerStore(app as never);
    c.form = { ...initialComposer(CATALOG), prompt: "a fox" };
    c.requestEstimate();
    await settle();
    c.setPrompt("a red fox");
    c.requestEstimate();
    await settle();
    expect(calls.filter((x) => x.name === "estimate").length).toBe(1);
    c.addAxis("aspect_ratio", ["1:1", "16:9"]);
    c.requestEstimate();
    await settle();
    const asked = calls.filter((x) => x.name === "estimate");
    expect(asked.length).toBe(2);
    expect((asked[1].args.request as Request).sweep).toEqual([{ axis: "aspect_ratio", values: ["1:1", "16:9"] }]);
    expect(c.sweeping).toBe(true);
    expect(c.estimateFresh).toBe(true);
  });

  it("asks again once an empty prompt is written, so its problem does not stay", async () => {
    const { app } = fakeApp();
    const c = new ComposerStore(app as never);
    c.form = { ...initialComposer(CATALOG), prompt: "" };
    c.requestEstimate();
    await settle();
    c.setPrompt("a fox");
    c.requestEstimate();
    await settle();
    const asked = calls.filter((x) => x.name === "estimate");
    expect(asked.map((x) => (x.args.request as Request).prompt)).toEqual(["", "a fox"]);
  });

  it("runs a sweep as one run_start with its axes and variables", async () => {
    const { app, started } = fakeApp();
    const c = new ComposerStore(app as never);
    c.form = { ...initialComposer(CATALOG), prompt: "a {{animal}}" };
    c.setVariable("animal", ["fox", "owl"]);
    await c.run();
    expect(calls.map((x) => x.name)).toEqual(["run_start"]);
    const sent = calls[0].args as { request: Request; allowOverBudget: boolean };
    expect(sent.request.vars).toEqual([{ name: "animal", values: ["fox", "owl"] }]);
    expect(sent.request.prompt).toBe("a {{animal}}");
    expect(sent.allowOverBudget).toBe(false);
    expect(started).toEqual(["r1"]);
  });

  it("shows the problems of a refusal, and nothing started", async () => {
    const { app, started } = fakeApp();
    const c = new ComposerStore(app as never);
    c.form = { ...initialComposer(CATALOG), prompt: "a {{animal}}" };
    refusal = estimate({ problems: ["The prompt uses {{animal}} but it has no values: give it at least one."] });
    await c.run();
    expect(calls.map((x) => x.name)).toEqual(["run_start"]);
    expect(c.runProblems[0]).toContain("{{animal}}");
    expect(c.blocked).toBeNull();
    expect(started).toEqual([]);
  });

  it("offers Run anyway for a refusal over the budget, which says so to the core", async () => {
    const { app, started } = fakeApp();
    const c = new ComposerStore(app as never);
    c.form = { ...initialComposer(CATALOG), prompt: "a fox" };
    refusal = estimate({ overBudget: true, budgetCredits: 10 });
    await c.run();
    expect(c.blocked?.estimate.overBudget).toBe(true);
    expect(c.runProblems).toEqual([]);
    refusal = null;
    await c.run(true);
    expect(calls.map((x) => [x.name, x.args.allowOverBudget])).toEqual([
      ["run_start", false],
      ["run_start", true],
    ]);
    expect(c.blocked).toBeNull();
    expect(started).toEqual(["r1"]);
  });
});

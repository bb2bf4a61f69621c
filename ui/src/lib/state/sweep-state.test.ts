import { describe, expect, it, vi } from "vitest";

const calls: unknown[] = [];
vi.mock("../api", () => ({
  api: {
    sweepExpand: async (spec: unknown) => {
      calls.push(spec);
      return {
        runSpec: null,
        count: 4,
        limit: 64,
        totalCredits: 30,
        totalUsd: 0.3,
        estimate: null,
        axes: [],
        problems: [],
        notes: [],
      };
    },
  },
}));
vi.mock("./state.svelte", () => ({
  store: {
    composer: { form: { prompt: "a fox" } },
    profiles: { current: null },
    session: { current: null },
    settings: null,
  },
}));

describe("sweep state", () => {
  it("asks the core for the plan once an axis is set", async () => {
    const { sweep } = await import("./sweep-state.svelte");
    const spec = {
      mode: "generate",
      prompt: "a fox",
      targets: [{ modelId: "gpt-image-2", n: 1 }],
      aspectRatio: null,
      responseFormat: "url",
      syncMode: "auto",
      references: [],
      options: null,
      ignoreBudget: false,
    };
    sweep.refresh(spec as never);
    expect(sweep.plan).toBeNull();
    sweep.addAxis("quality", ["low", "high"]);
    expect(sweep.active).toBe(true);
    sweep.refresh(spec as never);
    await new Promise((r) => setTimeout(r, 300));
    expect(calls.length).toBe(1);
    expect(sweep.plan?.count).toBe(4);
  });
});

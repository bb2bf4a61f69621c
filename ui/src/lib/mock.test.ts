// The browser mock (`npm run dev`) answers the new shapes: catalog fields, sizes and
// quality prices in the estimate, profile compatibility, part names and billing notes.
import { beforeAll, describe, expect, it, vi } from "vitest";
import type { CatalogView, Estimate, ProfileView, ReferenceView, Request, RunStart, RunView } from "./types";

type Invoke = <T>(cmd: string, args?: Record<string, unknown>) => Promise<T>;
let invoke: Invoke;

beforeAll(async () => {
  // Just enough of a browser for mockIPC and the mock's canvas pictures.
  const g = globalThis as unknown as Record<string, unknown>;
  g.window = globalThis;
  g.document = { createElement: () => ({ getContext: () => null }) };
  const { installMock } = await import("./mock");
  installMock();
  invoke = (await import("@tauri-apps/api/core")).invoke as Invoke;
});

const spec = (over: Partial<Request> = {}): Request => ({
  prompt: "a fox",
  targets: [],
  aspectRatio: null,
  mode: "sync",
  responseFormat: "url",
  images: [],
  fields: null,
  sweep: [],
  vars: [],
  ...over,
});

/** Starts a run through the mock's `run_start`, which must start it. */
async function startRun(args: Record<string, unknown>): Promise<RunView> {
  const a = await invoke<RunStart>("run_start", args);
  if (a.outcome !== "started") throw new Error(`refused: ${a.estimate.problems.join(" ")}`);
  return a.run;
}

describe("browser mock", () => {
  it("mirrors the catalog: model ids, sizes per ratio, gpt-image-2 quality prices and fields", async () => {
    const c = await invoke<CatalogView>("catalog");
    expect(c.entries.map((e) => e.id)).toContain("gpt-image-2-4k");
    const g2 = c.entries.find((e) => e.id === "gpt-image-2")!;
    expect(g2.model).toBe("gpt-image-2");
    expect(g2.fields).toContain("quality");
    expect(g2.qualityCredits.find((q) => q.quality === "low")?.credits).toBe(1);
    expect(g2.sizes.find((s) => s.aspectRatio === "16:9")).toEqual({
      aspectRatio: "16:9",
      size: "1536x864",
      width: 1536,
      height: 864,
    });
    const nb2k = c.entries.find((e) => e.id === "gemini-3.1-flash-image-preview-2k")!;
    expect(nb2k.model).toBe("gemini-3.1-flash-image-preview");
    expect(nb2k.sizes[0]).toEqual({ aspectRatio: "1:1", size: "2K", width: 2048, height: 2048 });
    expect(c.fields.map((f) => f.name)).toEqual([
      "quality",
      "background",
      "output_format",
      "output_compression",
      "moderation",
    ]);
  });
  it("estimates with the size sent, the quality's price and 'from'", async () => {
    const e = await invoke<Estimate>("estimate", {
      request: spec({
        aspectRatio: "3:2",
        fields: { quality: "low" },
        targets: [
          { modelId: "gpt-image-2", n: 2 },
          { modelId: "gpt-image-1.5", n: 1 },
          { modelId: "gemini-3.1-flash-image-preview", n: 1 },
        ],
      }),
    });
    expect(e.targets.map((t) => [t.modelId, t.size, t.perImage.credits, t.cost.credits, t.priceFrom])).toEqual([
      ["gpt-image-2", "1536x1024", 1, 2, false],
      ["gpt-image-1.5", "1536x1024", 1, 1, true],
      ["gemini-3.1-flash-image-preview", "1264x848", 4, 4, false],
    ]);
    expect(e.total.credits).toBe(7);
  });
  it("saves a profile's compatibility, and keeps the Sandbox's documented form", async () => {
    const p = await invoke<ProfileView>("profile_save", {
      input: {
        id: null,
        name: "GW",
        baseUrl: "https://gw.example",
        defaultModel: "gpt-image-2",
        budgetCredits: null,
        requestStyle: "suffix",
        imageParts: "repeated",
      },
    });
    expect([p.requestStyle, p.imageParts]).toEqual(["suffix", "repeated"]);
    const kept = await invoke<ProfileView>("profile_save", {
      input: { id: p.id, name: "GW", baseUrl: "https://gw.example", defaultModel: "gpt-image-2", budgetCredits: null },
    });
    expect([kept.requestStyle, kept.imageParts]).toEqual(["suffix", "repeated"]);
    const sb = await invoke<ProfileView>("profile_save", {
      input: {
        id: "sandbox",
        name: "Sandbox",
        baseUrl: "http://127.0.0.1:38517",
        defaultModel: "gpt-image-2",
        budgetCredits: null,
        requestStyle: "suffix",
        imageParts: "repeated",
      },
    });
    expect([sb.requestStyle, sb.imageParts]).toEqual(["size", "auto"]);
  });
  it("sends the model id plus a size, and names several images image[]", async () => {
    const refs = [
      ...(await invoke<ReferenceView[]>("references_pick")),
      ...(await invoke<ReferenceView[]>("references_pick")),
    ];
    const r = await startRun({
      request: spec({
        images: refs.map((x) => x.sha256),
        fields: { quality: "low" },
        targets: [
          { modelId: "gpt-image-2-2k", n: 1 },
          { modelId: "gemini-3.1-flash-image-preview-4k", n: 1 },
        ],
      }),
      allowOverBudget: false,
    });
    const [gpt, nb] = r.targets.map((t) => t.request!);
    expect(gpt.url).toMatch(/\/v1\/images\/edits$/);
    expect(gpt.parts.filter((p) => p.text === null).map((p) => p.name)).toEqual(["image[]", "image[]"]);
    expect(gpt.parts.find((p) => p.name === "model")?.text).toBe("gpt-image-2");
    expect(gpt.parts.find((p) => p.name === "size")?.text).toBe("2048x2048");
    expect(gpt.parts.find((p) => p.name === "quality")?.text).toBe("low");
    expect(nb.parts.find((p) => p.name === "quality")).toBeUndefined();
    expect(nb.parts.find((p) => p.name === "size")?.text).toBe("4K");
  });
  it("bills a downscaled output at the delivered tier, with the note", async () => {
    vi.useFakeTimers();
    const r = await startRun({
      request: spec({ prompt: "downscale me", targets: [{ modelId: "gemini-3.1-flash-image-preview-4k", n: 1 }] }),
      allowOverBudget: false,
    });
    await vi.advanceTimersByTimeAsync(20_000);
    const done = await invoke<RunView>("run_get", { runId: r.id });
    vi.useRealTimers();
    const out = done.targets[0].outputs[0];
    expect([out.width, out.height, out.billing.cost.credits]).toEqual([2048, 2048, 6]);
    expect([out.billing.askedTier, out.billing.billedTier]).toEqual(["4K", "2K"]);
    expect(done.targets[0].cost.credits).toBe(6);
  });
});

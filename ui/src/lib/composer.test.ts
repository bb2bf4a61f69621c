import { describe, expect, it } from "vitest";
import {
  availableRatios,
  budgetText,
  buildSpec,
  clampN,
  composerFromRun,
  DEFAULT_TARGET,
  estimateLine,
  groupCatalog,
  initialComposer,
  localProblems,
  setCount,
  specKey,
  toggleTarget,
  type ComposerState,
} from "./composer";
import { b, CATALOG, estimate, run, target } from "./fixtures.test-util";

describe("initialComposer", () => {
  it("checks only the 1K Nano Banana 2", () => {
    const s = initialComposer(CATALOG);
    expect(Object.keys(s.selected)).toEqual([DEFAULT_TARGET]);
    expect(DEFAULT_TARGET).toBe("gemini-3.1-flash-image-preview");
    expect(s.mode).toBe("generate");
  });
  it("falls back to the first entry", () => {
    expect(Object.keys(initialComposer([CATALOG[4]]).selected)).toEqual(["gpt-image-1.5"]);
    expect(initialComposer([]).selected).toEqual({});
  });
});

describe("groupCatalog", () => {
  it("groups by family, variants by size, titles from labels", () => {
    const g = groupCatalog([CATALOG[3], CATALOG[0], CATALOG[4], CATALOG[1]]);
    expect(g.map((f) => f.title)).toEqual(["Nano Banana 2", "gpt-image-1.5"]);
    expect(g[0].entries.map((e) => e.variant)).toEqual(["512", "1K", "4K"]);
  });
});

describe("targets and n", () => {
  it("toggles and remembers n", () => {
    let s = initialComposer(CATALOG);
    s = toggleTarget(s, "gemini-3.1-flash-image-preview-4k", true);
    s = setCount(s, "gemini-3.1-flash-image-preview-4k", 3, CATALOG[3]);
    s = toggleTarget(s, "gemini-3.1-flash-image-preview-4k", false);
    expect(s.selected["gemini-3.1-flash-image-preview-4k"]).toBeUndefined();
    s = toggleTarget(s, "gemini-3.1-flash-image-preview-4k", true);
    expect(s.selected["gemini-3.1-flash-image-preview-4k"]).toBe(3);
  });
  it("clamps n to 1..maxN", () => {
    expect(clampN(9, CATALOG[0])).toBe(4);
    expect(clampN(0, CATALOG[0])).toBe(1);
    expect(clampN(NaN, CATALOG[0])).toBe(1);
    expect(clampN(3, CATALOG[4])).toBe(1);
  });
});

describe("buildSpec", () => {
  it("sends targets in catalog order with their n", () => {
    let s = { ...initialComposer(CATALOG), prompt: "  a fox  " };
    s = toggleTarget(s, "gemini-3.1-flash-image-preview-4k", true);
    s = toggleTarget(s, "gemini-3.1-flash-image-preview-512", true);
    const spec = buildSpec(s, CATALOG);
    expect(spec.prompt).toBe("a fox");
    expect(spec.targets).toEqual([
      { modelId: "gemini-3.1-flash-image-preview-512", n: 1 },
      { modelId: "gemini-3.1-flash-image-preview", n: 1 },
      { modelId: "gemini-3.1-flash-image-preview-4k", n: 1 },
    ]);
    expect(spec.ignoreBudget).toBe(false);
    expect(spec.references).toEqual([]);
    expect(buildSpec(s, CATALOG, true).ignoreBudget).toBe(true);
  });
  it("drops an aspect ratio the targets do not all accept", () => {
    let s: ComposerState = { ...initialComposer(CATALOG), aspectRatio: "16:9" };
    expect(buildSpec(s, CATALOG).aspectRatio).toBe("16:9");
    s = toggleTarget(s, "gpt-image-1.5", true);
    expect(availableRatios(s, CATALOG)).toEqual(["1:1"]);
    expect(buildSpec(s, CATALOG).aspectRatio).toBeNull();
  });
  it("sends references and only edit-capable targets in edit mode", () => {
    let s: ComposerState = { ...initialComposer(CATALOG), mode: "edit" };
    s = toggleTarget(s, "gpt-image-1.5", true);
    s = { ...s, references: [{ sha256: "abc", name: "a.png", mime: "image/png", width: 1, height: 1, bytes: b(1), thumbUrl: "", originalBytes: null, originalWidth: null, originalHeight: null, note: null }] };
    const spec = buildSpec(s, CATALOG);
    expect(spec.references).toEqual(["abc"]);
    expect(spec.targets.map((t) => t.modelId)).toEqual(["gemini-3.1-flash-image-preview"]);
    expect(buildSpec({ ...s, mode: "generate" }, CATALOG).references).toEqual([]);
  });
  it("gives a stable key for the same spec", () => {
    const s = initialComposer(CATALOG);
    expect(specKey(buildSpec(s, CATALOG))).toBe(specKey(buildSpec({ ...s }, CATALOG)));
    expect(specKey(buildSpec(s, CATALOG))).not.toBe(specKey(buildSpec({ ...s, prompt: "x" }, CATALOG)));
  });
});

describe("localProblems", () => {
  it("asks for a prompt, a target, and references to edit", () => {
    const s = initialComposer(CATALOG);
    expect(localProblems(buildSpec(s, CATALOG))).toEqual(["Write a prompt."]);
    expect(localProblems(buildSpec({ ...s, prompt: "x", selected: {} }, CATALOG))).toEqual(["Choose at least one target."]);
    expect(localProblems(buildSpec({ ...s, prompt: "x", mode: "edit" }, CATALOG))).toEqual(["Add a reference image to edit."]);
    expect(localProblems(buildSpec({ ...s, prompt: "x" }, CATALOG))).toEqual([]);
  });
});

describe("composerFromRun", () => {
  it("restores prompt, targets and options of a run", () => {
    const r = run("r", {
      prompt: "owl",
      aspectRatio: "16:9",
      syncMode: "async",
      targets: [target(0, { modelId: "gemini-3.1-flash-image-preview-2k", n: 2 }), target(1, { modelId: "gone-model" })],
    });
    const s = composerFromRun(r, CATALOG, initialComposer(CATALOG));
    expect(s.prompt).toBe("owl");
    expect(s.selected).toEqual({ "gemini-3.1-flash-image-preview-2k": 2 });
    expect(s.aspectRatio).toBe("16:9");
    expect(s.syncMode).toBe("async");
  });
});

describe("estimate texts", () => {
  it("says the most it may cost", () => {
    expect(estimateLine({ totalCredits: b(22), totalUsd: 0.22 })).toBe("Up to 22 credits ($0.22)");
    expect(estimateLine({ totalCredits: b(1), totalUsd: 0.01 })).toBe("Up to 1 credit ($0.01)");
  });
  it("explains a blocked run with figures", () => {
    const t = budgetText(estimate({ overBudget: true, budgetCredits: b(10), spentCredits: b(0), totalCredits: b(22), totalUsd: 0.22 }));
    expect(t).not.toBeNull();
    expect(t!.body).toContain("up to 22 credits ($0.22)");
    expect(t!.body).toContain("0 of its 10-credit budget (10 left)");
    expect(t!.body).toContain("12 credits over");
    expect(t!.needed).toBe(22);
  });
  it("has nothing to say within budget", () => {
    expect(budgetText(estimate({ overBudget: false, budgetCredits: b(100) }))).toBeNull();
    expect(budgetText(estimate({ overBudget: true, budgetCredits: null }))).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import {
  availableRatios,
  budgetText,
  buildRequest,
  isSweeping,
  clampN,
  composerFromRun,
  DEFAULT_TARGET,
  estimateLine,
  estimateRows,
  groupCatalog,
  initialComposer,
  localProblems,
  priceKey,
  pruneComposer,
  setCount,
  sizeText,
  toggleTarget,
  usdPerImage,
  type ComposerState,
} from "./composer";
import { CATALOG, credits, entry, estimate, run, target, targetEstimate } from "./fixtures.test-util";

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

describe("buildRequest", () => {
  it("sends targets in catalog order with their n", () => {
    let s = { ...initialComposer(CATALOG), prompt: "  a fox  " };
    s = toggleTarget(s, "gemini-3.1-flash-image-preview-4k", true);
    s = toggleTarget(s, "gemini-3.1-flash-image-preview-512", true);
    const spec = buildRequest(s, CATALOG);
    expect(spec.prompt).toBe("a fox");
    expect(spec.targets).toEqual([
      { modelId: "gemini-3.1-flash-image-preview-512", n: 1 },
      { modelId: "gemini-3.1-flash-image-preview", n: 1 },
      { modelId: "gemini-3.1-flash-image-preview-4k", n: 1 },
    ]);
    expect(spec.images).toEqual([]);
    expect(spec.fields).toBeNull();
  });
  it("drops an aspect ratio the targets do not all accept", () => {
    let s: ComposerState = { ...initialComposer(CATALOG), aspectRatio: "16:9" };
    expect(buildRequest(s, CATALOG).aspectRatio).toBe("16:9");
    s = toggleTarget(s, "gpt-image-1.5", true);
    expect(availableRatios(s, CATALOG)).toEqual(["1:1"]);
    expect(buildRequest(s, CATALOG).aspectRatio).toBeNull();
  });
  it("sends references and only edit-capable targets in edit mode", () => {
    let s: ComposerState = { ...initialComposer(CATALOG), mode: "edit" };
    s = toggleTarget(s, "gpt-image-1.5", true);
    s = {
      ...s,
      references: [
        {
          sha256: "abc",
          name: "a.png",
          mime: "image/png",
          width: 1,
          height: 1,
          bytes: 1,
          thumbUrl: "",
          originalBytes: null,
          originalWidth: null,
          originalHeight: null,
          note: null,
        },
      ],
    };
    const spec = buildRequest(s, CATALOG);
    expect(spec.images).toEqual(["abc"]);
    expect(spec.targets.map((t) => t.modelId)).toEqual(["gemini-3.1-flash-image-preview"]);
    expect(buildRequest({ ...s, mode: "generate" }, CATALOG).images).toEqual([]);
  });
  it("carries the sweep's axes and the values of the variables the prompt uses", () => {
    const s: ComposerState = {
      ...initialComposer(CATALOG),
      prompt: "a {{animal}} in snow",
      sweep: { axes: [{ axis: "aspect_ratio", values: ["1:1", "16:9"] }], variables: { animal: ["fox"], gone: ["x"] } },
    };
    const r = buildRequest(s, CATALOG);
    expect(r.sweep).toEqual([{ axis: "aspect_ratio", values: ["1:1", "16:9"] }]);
    expect(r.vars).toEqual([{ name: "animal", values: ["fox"] }]);
    expect(isSweeping(s)).toBe(true);
    expect(isSweeping({ ...s, prompt: "a fox", sweep: { axes: [], variables: { animal: ["fox"] } } })).toBe(false);
  });
});

describe("localProblems", () => {
  const problems = (s: ComposerState) => localProblems(s, buildRequest(s, CATALOG));
  it("asks for a prompt, a target, and references to edit", () => {
    const s = initialComposer(CATALOG);
    expect(problems(s)).toEqual(["Write a prompt."]);
    expect(problems({ ...s, prompt: "x", selected: {} })).toEqual(["Choose at least one target."]);
    expect(problems({ ...s, prompt: "x", mode: "edit" })).toEqual(["Add a reference image to edit."]);
    expect(problems({ ...s, prompt: "x" })).toEqual([]);
  });
});

describe("composerFromRun", () => {
  it("restores prompt, targets and options of a run", () => {
    const r = run("r", {
      prompt: "owl",
      aspectRatio: "16:9",
      mode: "async",
      targets: [
        target(0, { modelId: "gemini-3.1-flash-image-preview-2k", n: 2 }),
        target(1, { modelId: "gone-model" }),
      ],
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
    expect(estimateLine({ total: credits(22) })).toBe("Up to 22 credits ($0.22)");
    expect(estimateLine({ total: credits(1) })).toBe("Up to 1 credit ($0.01)");
  });
  it("says a dollar gateway's estimate in dollars, per image by size and quality", () => {
    expect(estimateLine({ total: { credits: 0, usd: 0.5, unpriced: 0 } })).toBe("Up to $0.50");
    const gpt = entry("openai-gpt-image-1", "1K", 1536, 0, {
      gateway: "openai",
      usdPrices: [
        { size: "1024x1024", quality: "low", usd: 0.011 },
        { size: "1024x1024", quality: "high", usd: 0.167 },
        { size: "1536x1024", quality: "low", usd: 0.016 },
        { size: "1536x1024", quality: "high", usd: 0.25 },
      ],
    });
    expect(usdPerImage(gpt, "1536x1024", "low")).toBe(0.016);
    expect(usdPerImage(gpt, "1024x1024", "high")).toBe(0.167);
    // No such cell (auto; a size the table lacks): the dearest it may cost.
    expect(usdPerImage(gpt, "1024x1024", null)).toBe(0.167);
    expect(usdPerImage(gpt, "2048x2048", "high")).toBe(0.25);
  });
  it("explains a blocked run with figures", () => {
    const t = budgetText(estimate({ overBudget: true, budgetCredits: 10, spent: credits(0), total: credits(22) }));
    expect(t).not.toBeNull();
    expect(t!.body).toContain("up to 22 credits ($0.22)");
    expect(t!.body).toContain("0 of its 10-credit budget (10 left)");
    expect(t!.body).toContain("12 credits over");
    expect(t!.needed).toBe(22);
  });
  it("has nothing to say within budget", () => {
    expect(budgetText(estimate({ overBudget: false, budgetCredits: 100 }))).toBeNull();
    expect(budgetText(estimate({ overBudget: true, budgetCredits: null }))).toBeNull();
  });
});

describe("model options in the spec", () => {
  const withGpt = (): ComposerState => toggleTarget({ ...initialComposer(CATALOG), prompt: "x" }, "gpt-image-2", true);

  it("sends the options a sent target takes", () => {
    const s = { ...withGpt(), options: { quality: "low", output_compression: 60 } };
    expect(buildRequest(s, CATALOG).fields).toEqual({ output_compression: 60, quality: "low" });
  });
  it("sends none when no sent target takes them (edit mode leaves out targets that cannot edit)", () => {
    let s: ComposerState = { ...initialComposer(CATALOG), options: { quality: "low" } };
    expect(buildRequest(s, CATALOG).fields).toBeNull();
    s = toggleTarget({ ...s, mode: "edit" }, "gpt-image-1.5", true);
    expect(buildRequest(s, CATALOG).targets.map((t) => t.modelId)).toEqual(["gemini-3.1-flash-image-preview"]);
    expect(buildRequest(s, CATALOG).fields).toBeNull();
  });
  it("drops the options of targets unchecked, keeps them while one taker stays", () => {
    let s = toggleTarget({ ...withGpt(), options: { quality: "low", background: "opaque" } }, "gpt-image-2-2k", true);
    s = pruneComposer(toggleTarget(s, "gpt-image-2", false), CATALOG);
    expect(s.options).toEqual({ quality: "low" }); // the 2K fixture takes only quality
    s = pruneComposer(toggleTarget(s, "gpt-image-2-2k", false), CATALOG);
    expect(s.options).toEqual({});
    const same = withGpt();
    expect(pruneComposer(same, CATALOG)).toBe(same);
  });
  it("keeps options across Edit and back (pruned by the selection, not the mode)", () => {
    const s = { ...toggleTarget(withGpt(), "gpt-image-1.5", true), options: { quality: "low" } };
    expect(pruneComposer({ ...s, mode: "edit" }, CATALOG).options).toEqual({ quality: "low" });
  });
  it("asks for a new estimate when an option changes, not when only the prompt does", () => {
    const s = withGpt();
    const a = buildRequest(s, CATALOG);
    const low = buildRequest({ ...s, options: { quality: "low" } }, CATALOG);
    expect(priceKey(low)).not.toBe(priceKey(a));
    expect(priceKey(buildRequest({ ...s, prompt: "other" }, CATALOG))).toBe(priceKey(a));
    // A variable's values change the count; an axis too.
    const v = buildRequest({ ...s, prompt: "a {{x}}", sweep: { axes: [], variables: { x: ["1"] } } }, CATALOG);
    const v2 = buildRequest({ ...s, prompt: "a {{x}}", sweep: { axes: [], variables: { x: ["1", "2"] } } }, CATALOG);
    expect(priceKey(v2)).not.toBe(priceKey(v));
  });
});

describe("per-target estimate lines", () => {
  const spec2 = (ratio: string | null, gpt = true) => {
    let s: ComposerState = { ...initialComposer(CATALOG), prompt: "x", aspectRatio: ratio };
    s = toggleTarget(s, "gemini-3.1-flash-image-preview-4k", true);
    s = setCount(s, "gemini-3.1-flash-image-preview-4k", 2, CATALOG[3]);
    if (gpt) s = toggleTarget(s, "gpt-image-1.5", true);
    return buildRequest(s, CATALOG);
  };

  it("shows the size each target sends and its credits, from a fresh estimate", () => {
    const spec = spec2(null);
    const est = estimate({
      targets: [
        targetEstimate("gemini-3.1-flash-image-preview", 4, { size: "1024x1024" }),
        targetEstimate("gemini-3.1-flash-image-preview-4k", 8, { n: 2, size: "4K" }),
        targetEstimate("gpt-image-1.5", 1, { size: "1024x1024", priceFrom: true }),
      ],
    });
    const rows = estimateRows(spec, CATALOG, est, true);
    expect(rows.map((r) => [r.label, r.sizeText, r.creditsText, r.fresh])).toEqual([
      ["Nano Banana 2 · 1K", "1024×1024", "4 cr", true],
      ["Nano Banana 2 · 4K", "4K", "2 × 8 cr", true],
      ["gpt-image-1.5 · 1K", "1024×1024", "from 1 cr", true],
    ]);
    expect(rows[1].credits).toBe(16);
    expect(rows[1].sizeTitle).toBe("size=4K");
    expect(rows[2].priceFrom).toBe(true);
  });
  it("guesses from the catalog while the estimate is stale or missing", () => {
    const spec = spec2("16:9", false);
    expect(estimateRows(spec, CATALOG, null, false).map((r) => [r.size, r.credits, r.fresh])).toEqual([
      ["1024x576", 4, false],
      ["4096x2304", 16, false],
    ]);
    // gpt-image-1.5 has no 16:9: the spec drops the ratio, and every line shows its 1:1 size.
    const mixed = spec2("16:9");
    expect(mixed.aspectRatio).toBeNull();
    expect(estimateRows(mixed, CATALOG, null, false).map((r) => r.size)).toEqual([
      "1024x1024",
      "4096x4096",
      "1024x1024",
    ]);
    const stale = estimate({ targets: [targetEstimate("gemini-3.1-flash-image-preview", 99, { size: "9x9" })] });
    expect(estimateRows(spec, CATALOG, stale, false)[0].credits).toBe(4);
  });
  it("prices gpt-image-2 at the chosen quality before the core answers", () => {
    const s = toggleTarget(
      { ...initialComposer(CATALOG), prompt: "x", selected: {}, options: { quality: "low" } },
      "gpt-image-2",
      true,
    );
    const rows = estimateRows(buildRequest(s, CATALOG), CATALOG, null, false, s.options);
    expect(rows[0]).toMatchObject({ size: "1024x1024", creditsPerImage: 1, creditsText: "1 cr" });
  });
  it("formats sizes as WxH, keywords as they are", () => {
    expect(sizeText("1376x768")).toBe("1376×768");
    expect(sizeText("2K")).toBe("2K");
    expect(sizeText(null)).toBe("");
  });
  it("says 'from' in the total when prices are floors", () => {
    expect(
      estimateLine({
        total: credits(1),
        targets: [targetEstimate("gpt-image-1.5", 1, { priceFrom: true })],
      }),
    ).toBe("From 1 credit ($0.01)");
    expect(
      estimateLine({
        total: credits(9),
        targets: [
          targetEstimate("gemini-3.1-flash-image-preview-4k", 8),
          targetEstimate("gpt-image-1.5", 1, { priceFrom: true }),
        ],
      }),
    ).toBe("Up to 8 + from 1 credit ($0.09)");
    expect(estimateLine({ total: credits(8), targets: [targetEstimate("x", 8)] })).toBe("Up to 8 credits ($0.08)");
  });
});

describe("a model only the server lists", () => {
  it("says the cost cannot be bounded rather than inventing a figure", () => {
    const e = estimate({
      overBudget: true,
      budgetCredits: 100,
      spent: credits(10),
      total: { credits: 4, usd: 0.04, unpriced: 2 },
    });
    const t = budgetText(e)!;
    expect(t.title).toBe("This run's cost cannot be bounded");
    expect(t.body).toContain("2 images of a model only the server lists have no known price");
    expect(estimateLine(e)).toBe("Up to 4 credits ($0.04) + price unknown");
  });
});

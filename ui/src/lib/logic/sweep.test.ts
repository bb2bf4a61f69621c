import { describe, expect, it } from "vitest";
import { CATALOG, FIELDS, run, target } from "./fixtures.test-util";
import {
  addAxis,
  axisChoices,
  axisTitle,
  defaultAxes,
  emptySweep,
  parseValues,
  planLine,
  promptVariables,
  removeAxis,
  runAxes,
  setVariable,
  sweepPages,
  targetAspect,
  toggleAxisValue,
  valueTitle,
} from "./sweep";
import { buildRequest, initialComposer, isSweeping, toggleTarget } from "./composer";

const byId = (id: string) => CATALOG.find((e) => e.id === id)!;

describe("prompt variables", () => {
  it("finds {{names}} in order of first use, spaces allowed, malformed ones left out", () => {
    expect(promptVariables("a {{animal}} in {{ place }}, {{animal}} again, {{bad name}}, {{}}")).toEqual([
      "animal",
      "place",
    ]);
    expect(promptVariables("no variables")).toEqual([]);
  });
  it("typed values are split on commas, trimmed, deduplicated", () => {
    expect(parseValues(" fox, owl ,, fox,cat ")).toEqual(["fox", "owl", "cat"]);
  });
});

describe("axis choices", () => {
  it("offers aspect ratio (common to the targets), size, and only the fields a chosen model documents", () => {
    const gpt = axisChoices([byId("gpt-image-2")], FIELDS);
    expect(gpt.map((a) => a.axis)).toEqual(["aspect_ratio", "size", "quality", "output_format", "background"]);
    expect(gpt.find((a) => a.axis === "quality")!.values).toEqual(["auto", "low", "medium", "high"]);
    const gemini = axisChoices([byId("gemini-3.1-flash-image-preview")], FIELDS);
    expect(gemini.map((a) => a.axis)).toEqual(["aspect_ratio", "size"]);
    const both = axisChoices([byId("gpt-image-2"), byId("gemini-3.1-flash-image-preview")], FIELDS);
    expect(both.find((a) => a.axis === "aspect_ratio")!.values).toEqual(["1:1", "16:9"]);
    expect(both.find((a) => a.axis === "quality")!.hint).toBe("Only GPT Image 2; one request for the others");
  });
});

describe("the sweep draft", () => {
  it("adds and removes axes and values; the request carries only the variables the prompt uses", () => {
    let d = addAxis(emptySweep(), "quality");
    d = addAxis(d, "quality"); // once only
    d = toggleAxisValue(d, "quality", "low");
    d = toggleAxisValue(d, "quality", "high");
    d = toggleAxisValue(d, "quality", "low");
    d = addAxis(d, "aspect_ratio", ["1:1", "16:9"]);
    d = setVariable(d, "animal", ["fox", "owl"]);
    d = setVariable(d, "gone", ["x"]);
    expect(d.axes).toEqual([
      { axis: "quality", values: ["high"] },
      { axis: "aspect_ratio", values: ["1:1", "16:9"] },
    ]);
    const form = toggleTarget(
      { ...initialComposer(CATALOG), selected: {}, prompt: "a {{animal}} and a {{cat}}", sweep: d },
      "gpt-image-2",
      true,
    );
    const r = buildRequest(form, CATALOG);
    expect(r.sweep).toBe(d.axes);
    // `cat` has no values yet: sent empty, so the core says so; `gone` is not in the prompt.
    expect(r.vars).toEqual([
      { name: "animal", values: ["fox", "owl"] },
      { name: "cat", values: [] },
    ]);
    expect(r.targets).toEqual([{ modelId: "gpt-image-2", n: 1 }]);
    expect(r.aspectRatio).toBeNull();
    const plain = { sweep: removeAxis(removeAxis(d, "quality"), "aspect_ratio"), prompt: "plain" };
    expect(isSweeping(plain)).toBe(false);
    expect(isSweeping({ sweep: emptySweep(), prompt: "a {{x}}" })).toBe(true);
  });
});

describe("the sweep grid", () => {
  const ax = (pairs: [string, string][]) => pairs.map(([axis, value]) => ({ axis, value }));
  const sweepRun = run("r", {
    targets: [
      target(0, {
        axes: ax([
          ["quality", "low"],
          ["aspect_ratio", "1:1"],
          ["{{animal}}", "fox"],
        ]),
      }),
      target(1, {
        axes: ax([
          ["quality", "low"],
          ["aspect_ratio", "16:9"],
          ["{{animal}}", "fox"],
        ]),
      }),
      target(2, {
        axes: ax([
          ["quality", "high"],
          ["aspect_ratio", "1:1"],
          ["{{animal}}", "fox"],
        ]),
      }),
      target(3, {
        axes: ax([
          ["quality", "high"],
          ["aspect_ratio", "16:9"],
          ["{{animal}}", "fox"],
        ]),
      }),
      target(4, {
        axes: ax([
          ["quality", "low"],
          ["aspect_ratio", "1:1"],
          ["{{animal}}", "owl"],
        ]),
      }),
    ],
  });

  it("reads the axes in order with their values", () => {
    expect(runAxes(sweepRun)).toEqual([
      { axis: "quality", values: ["low", "high"] },
      { axis: "aspect_ratio", values: ["1:1", "16:9"] },
      { axis: "{{animal}}", values: ["fox", "owl"] },
    ]);
    expect(defaultAxes(runAxes(sweepRun))).toEqual({ x: "quality", y: "aspect_ratio" });
    expect(runAxes(run("plain"))).toEqual([]);
  });

  it("lays out X by Y, one page per value of the other axes, holes where nothing was swept", () => {
    const pages = sweepPages(sweepRun, "quality", "aspect_ratio");
    expect(pages.map((p) => p.fixed)).toEqual([ax([["{{animal}}", "fox"]]), ax([["{{animal}}", "owl"]])]);
    expect(pages[0].xValues).toEqual(["low", "high"]);
    expect(pages[0].yValues).toEqual(["1:1", "16:9"]);
    expect(pages[0].cells.map((row) => row.map((t) => t?.idx ?? null))).toEqual([
      [0, 2],
      [1, 3],
    ]);
    expect(pages[1].cells.map((row) => row.map((t) => t?.idx ?? null))).toEqual([
      [4, null],
      [null, null],
    ]);
    // Swapped axes transpose; no Y axis is one row per page.
    expect(sweepPages(sweepRun, "aspect_ratio", "quality")[0].cells.map((r) => r.map((t) => t?.idx ?? null))).toEqual([
      [0, 1],
      [2, 3],
    ]);
    const rows = sweepPages(sweepRun, "{{animal}}", null);
    expect(rows.length).toBe(4);
    expect(rows[0].cells).toHaveLength(1);
    expect(rows[0].cells[0].map((t) => t?.idx ?? null)).toEqual([0, 4]);
  });

  it("labels axes and values for people, and knows each target's aspect ratio", () => {
    expect(axisTitle("aspect_ratio")).toBe("Aspect ratio");
    expect(axisTitle("quality")).toBe("Quality");
    expect(axisTitle("{{animal}}")).toBe("{{animal}}");
    expect(valueTitle("model", "gpt-image-2", CATALOG)).toBe("GPT Image 2 · 1K");
    expect(valueTitle("quality", "low", CATALOG)).toBe("low");
    expect(targetAspect(sweepRun, sweepRun.targets[1])).toBe("16:9");
    expect(targetAspect({ aspectRatio: "3:2" }, target(9, { axes: ax([["aspect_ratio", "not sent"]]) }))).toBe("3:2");
    expect(planLine(4, 30, false)).toBe("4 requests · ≤ 30 credits");
    expect(planLine(1, 1, true)).toBe("1 request · ≤ 1 credit (simulated, free)");
  });
});

import { describe, expect, it } from "vitest";
import { cellLabels, cellLabelText } from "./cells";
import { CATALOG, target } from "./fixtures.test-util";

describe("cellLabels", () => {
  it("names the variant alone when every target is the same model", () => {
    const ts = [
      target(0, { modelId: "gemini-3.1-flash-image-preview-512" }),
      target(1, { modelId: "gemini-3.1-flash-image-preview-4k" }),
    ];
    const l = cellLabels(ts, CATALOG);
    expect(l.get(1)).toMatchObject({ model: "Nano Banana 2", variant: "4K", modelDiffers: false, values: [] });
    expect(cellLabelText(l.get(0)!)).toBe("512");
  });

  it("names the model too when the run mixes models", () => {
    const ts = [target(0, { modelId: "gemini-3.1-flash-image-preview" }), target(1, { modelId: "gpt-image-2" })];
    const l = cellLabels(ts, CATALOG);
    expect(cellLabelText(l.get(0)!)).toBe("Nano Banana 2 · 1K");
    expect(cellLabelText(l.get(1)!)).toBe("GPT Image 2 · 1K");
  });

  it("shows the swept values that differ, not the ones every target shares", () => {
    const axes = (quality: string) => [
      { axis: "quality", value: quality },
      { axis: "aspect_ratio", value: "1:1" },
    ];
    const ts = [
      target(0, { modelId: "gpt-image-2", axes: axes("low") }),
      target(1, { modelId: "gpt-image-2", axes: axes("high") }),
    ];
    const l = cellLabels(ts, CATALOG);
    expect(l.get(1)!.values).toEqual([{ axis: "quality", title: "Quality", value: "high" }]);
    expect(cellLabelText(l.get(0)!)).toBe("1K · low");
  });

  it("keeps a model the catalog does not know by its id", () => {
    const l = cellLabels([target(0, { modelId: "someone-else" })], CATALOG);
    expect(cellLabelText(l.get(0)!)).toBe("someone-else");
  });
});

describe("cellLabels memo", () => {
  it("answers the same labels for the same targets list, and new ones for a new catalog", () => {
    const ts = [target(0, { modelId: "gemini-3.1-flash-image-preview" })];
    const a = cellLabels(ts, CATALOG);
    expect(cellLabels(ts, CATALOG)).toBe(a);
    expect(cellLabels(ts, [...CATALOG])).not.toBe(a);
  });
});

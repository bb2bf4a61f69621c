import { describe, expect, it } from "vitest";
import { initialComposer } from "./composer";
import { CATALOG } from "./fixtures.test-util";
import { composerFromRecipe, recipeLines } from "./recipe";
import type { RecipeLoad, ReferenceView } from "../types";

const REF: ReferenceView = {
  sha256: "a".repeat(64),
  name: "ref.png",
  mime: "image/png",
  width: 64,
  height: 48,
  bytes: 900,
  thumbUrl: "pxb://localhost/thumb/aaaa",
  originalBytes: null,
  originalWidth: null,
  originalHeight: null,
  note: null,
};

function load(extra: Partial<RecipeLoad["request"]> = {}, recipe: Partial<RecipeLoad["recipe"]> = {}): RecipeLoad {
  return {
    recipe: {
      format: "pixbench-recipe",
      version: 1,
      prompt: "a lighthouse at dawn",
      mode: "generate",
      modelId: "gpt-image-2",
      model: "gpt-image-2",
      size: "1536x864",
      aspectRatio: "16:9",
      fields: { quality: "low" },
      references: [],
      n: 2,
      runId: "r1",
      targetIdx: 0,
      outputIdx: 1,
      credits: 1,
      simulated: true,
      createdAt: "2026-12-02T00:10:00Z",
      appVersion: "0.1.0",
      ...recipe,
    },
    request: {
      prompt: "a lighthouse at dawn",
      targets: [{ modelId: "gpt-image-2", n: 2 }],
      aspectRatio: "16:9",
      mode: "auto",
      responseFormat: "b64_json",
      images: [],
      fields: { quality: "low" },
      sweep: [],
      vars: [],
      ...extra,
    },
    references: [],
    notes: [],
    modelKnown: true,
    container: "png",
  };
}

describe("composerFromRecipe", () => {
  it("sets the prompt, the one target and its n, the ratio and the fields", () => {
    const prev = { ...initialComposer(CATALOG), responseFormat: "url" as const };
    const s = composerFromRecipe(load(), CATALOG, prev);
    expect(s.prompt).toBe("a lighthouse at dawn");
    expect(s.selected).toEqual({ "gpt-image-2": 2 });
    expect(s.aspectRatio).toBe("16:9");
    expect(s.options).toEqual({ quality: "low" });
    expect(s.mode).toBe("generate");
    // What a recipe does not say stays as it was.
    expect(s.responseFormat).toBe("url");
  });

  it("keeps the targets when the recipe's model is unknown, and takes the references in history", () => {
    const prev = initialComposer(CATALOG);
    const l = {
      ...load({ targets: [], images: [REF.sha256] }),
      references: [REF],
      modelKnown: false,
    };
    const s = composerFromRecipe(l, CATALOG, prev);
    expect(s.selected).toEqual(prev.selected);
    expect(s.mode).toBe("edit");
    expect(s.references).toEqual([REF]);
  });

  it("stays an edit, waiting for its images, when they are not in this history", () => {
    const l = { ...load({ images: [REF.sha256] }), references: [] };
    const s = composerFromRecipe(l, CATALOG, initialComposer(CATALOG));
    expect(s.mode).toBe("edit");
    expect(s.references).toEqual([]);
  });

  it("drops field values that are not strings or numbers", () => {
    const s = composerFromRecipe(
      load({ fields: { quality: "high", odd: { x: 1 }, output_compression: 80 } }),
      CATALOG,
      initialComposer(CATALOG),
    );
    expect(s.options).toEqual({ quality: "high", output_compression: 80 });
  });
});

describe("recipeLines", () => {
  it("names the model by its label and the size as sent", () => {
    const lines = recipeLines(load(), CATALOG);
    expect(lines.find((l) => l.label === "Model")?.value).toBe("GPT Image 2 · 1K");
    expect(lines.find((l) => l.label === "Size")?.value).toBe("1536×864 · 16:9");
    expect(lines.find((l) => l.label === "Fields")?.value).toBe("quality low");
    expect(lines.find((l) => l.label === "Made")?.value).toBe("2026-12-02 00:10 · 1 credit (Sandbox)");
  });

  it("says when the model is not in this catalog and how many references are in history", () => {
    const l = {
      ...load({ targets: [] }, { modelId: "made-up", mode: "edit", references: ["a", "b"] }),
      references: [REF],
    };
    const lines = recipeLines(l, CATALOG);
    expect(lines.find((x) => x.label === "Model")?.value).toBe("made-up (not in this catalog)");
    expect(lines.find((x) => x.label === "References")?.value).toBe("1 of 2 in history");
  });
});

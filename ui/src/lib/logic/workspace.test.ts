import { describe, expect, it } from "vitest";
import { dropTarget, fileNameFor, fuzzyScore, movedPath, pathFromName, titleOf, visibleEntries } from "./workspace";

const entries = [
  { path: "banners", folder: true, depth: 0 },
  { path: "banners/wide", folder: true, depth: 1 },
  { path: "banners/wide/sea.toml", folder: false, depth: 2 },
  { path: "banners/sale.toml", folder: false, depth: 1 },
  { path: "hero.toml", folder: false, depth: 0 },
];

describe("workspace tree", () => {
  it("hides what is under a collapsed folder, at any depth", () => {
    expect(visibleEntries(entries, new Set(["banners/wide"])).map((e) => e.path)).toEqual([
      "banners",
      "banners/wide",
      "banners/sale.toml",
      "hero.toml",
    ]);
    expect(visibleEntries(entries, new Set(["banners"])).map((e) => e.path)).toEqual(["banners", "hero.toml"]);
  });

  it("names a new request after its prompt's words, and a path as typed", () => {
    expect(fileNameFor("A lighthouse at dusk for {{brand}}, watercolor!")).toBe(
      "lighthouse-at-dusk-for-watercolor.toml",
    );
    expect(fileNameFor("   ")).toBe("untitled.toml");
    expect(pathFromName("banners", "sale", true)).toEqual({ path: "banners/sale.toml" });
    expect(pathFromName("banners", "other/sale.toml", true)).toEqual({ path: "other/sale.toml" });
    expect(pathFromName("", "drafts", false)).toEqual({ path: "drafts" });
    expect(pathFromName("banners", "../escape", true)).toHaveProperty("error");
    expect(pathFromName("", ".hidden", true)).toHaveProperty("error");
    expect(pathFromName("", "a:b", true)).toHaveProperty("error");
    expect(titleOf("banners/sale.toml")).toBe("sale");
  });

  it("moves paths under a renamed folder, and only those", () => {
    expect(movedPath("banners/sale.toml", "banners", "ads")).toBe("ads/sale.toml");
    expect(movedPath("banners2/x.toml", "banners", "ads")).toBeNull();
    expect(movedPath("hero.toml", "hero.toml", "h.toml")).toBe("h.toml");
  });
});

describe("fuzzy match", () => {
  it("matches letters in order and prefers consecutive ones and word starts", () => {
    expect(fuzzyScore("sale", "banners/sale.toml")).not.toBeNull();
    expect(fuzzyScore("xyz", "banners/sale.toml")).toBeNull();
    expect(fuzzyScore("bs", "banners/sale.toml")!).toBeGreaterThan(fuzzyScore("bs", "abcs")!);
    expect(fuzzyScore("sale", "sale.toml")!).toBeGreaterThan(fuzzyScore("sale", "s-a-l-e.toml")!);
  });
});

describe("dropTarget", () => {
  it("moves a file or folder under the folder dropped on", () => {
    expect(dropTarget("hero.toml", "banners")).toBe("banners/hero.toml");
    expect(dropTarget("banners/hero.toml", "")).toBe("hero.toml");
    expect(dropTarget("banners/old", "archive")).toBe("archive/old");
  });
  it("moves nothing onto its own folder, and never a folder into itself", () => {
    expect(dropTarget("banners/hero.toml", "banners")).toBeNull();
    expect(dropTarget("hero.toml", "")).toBeNull();
    expect(dropTarget("banners", "banners")).toBeNull();
    expect(dropTarget("banners", "banners/2026")).toBeNull();
    // A sibling whose name starts the same is not inside it.
    expect(dropTarget("banners", "banners-old")).toBe("banners-old/banners");
  });
});

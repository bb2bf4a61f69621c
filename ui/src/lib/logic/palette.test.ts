import { describe, expect, it } from "vitest";
import { rankPalette, type PaletteItem } from "./palette";

const item = (kind: PaletteItem["kind"], label: string): PaletteItem => ({ kind, label, detail: "", id: label });

describe("palette", () => {
  const items = [
    item("command", "New tab"),
    item("request", "banners/sale.toml"),
    item("request", "hero.toml"),
    item("run", "a summer sale banner"),
  ];

  it("ranks fuzzy matches, the closest first", () => {
    expect(rankPalette(items, "sale").map((i) => i.label)).toEqual(["banners/sale.toml", "a summer sale banner"]);
    expect(rankPalette(items, "hero")[0].label).toBe("hero.toml");
    expect(rankPalette(items, "zzz")).toEqual([]);
  });

  it("lists everything, bounded, when nothing is typed", () => {
    expect(rankPalette(items, "  ").length).toBe(4);
    expect(rankPalette(items, "", 2).length).toBe(2);
  });
});

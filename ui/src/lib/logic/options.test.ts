import { describe, expect, it } from "vitest";
import {
  entryCredits,
  familyTitle,
  optionFields,
  priceText,
  priceTitle,
  pruneOptions,
  qualityOf,
  setOption,
  sharedHint,
  specOptions,
  takenFields,
  takersHint,
} from "./options";
import { CATALOG, FIELDS } from "./fixtures.test-util";
import type { CatalogEntry, FieldSpec } from "../types";

const byId = (id: string): CatalogEntry => {
  const e = CATALOG.find((x) => x.id === id);
  if (!e) throw new Error(id);
  return e;
};
const NB2 = byId("gemini-3.1-flash-image-preview");
const NB2_4K = byId("gemini-3.1-flash-image-preview-4k");
const GPT15 = byId("gpt-image-1.5");
const GPT2 = byId("gpt-image-2");
const GPT2_2K = byId("gpt-image-2-2k"); // takes only `quality` in the fixtures
const spec = (name: string): FieldSpec => FIELDS.find((f) => f.name === name)!;

describe("which fields show", () => {
  it("shows none when no chosen target takes a field", () => {
    expect(optionFields([NB2, NB2_4K], FIELDS)).toEqual([]);
    expect(optionFields([], FIELDS)).toEqual([]);
  });
  it("shows the union of the chosen targets' fields, in the catalog's field order", () => {
    const f = optionFields([NB2, GPT2_2K], FIELDS);
    expect(f.map((x) => x.spec.name)).toEqual(["quality"]);
    const g = optionFields([GPT2_2K, GPT2], FIELDS);
    expect(g.map((x) => x.spec.name)).toEqual([
      "quality",
      "background",
      "output_format",
      "output_compression",
      "moderation",
    ]);
  });
  it("names the takers only when not every chosen target takes the field", () => {
    const all = optionFields([GPT2, GPT15], FIELDS);
    expect(all.every((x) => x.all && x.hint === null)).toBe(true);
    const mixed = optionFields([NB2, GPT2, GPT2_2K, GPT15], FIELDS);
    const q = mixed.find((x) => x.spec.name === "quality")!;
    expect(q.all).toBe(false);
    expect(q.takers.map((e) => e.id)).toEqual(["gpt-image-2", "gpt-image-2-2k", "gpt-image-1.5"]);
    expect(q.hint).toBe("Only GPT Image 2 (1K, 2K), gpt-image-1.5 (1K)");
    expect(mixed.find((x) => x.spec.name === "background")!.hint).toBe("Only GPT Image 2 (1K), gpt-image-1.5 (1K)");
  });
  it("leaves out a field an entry lists without a spec", () => {
    const odd = { ...GPT2, fields: ["quality", "style"] };
    expect(optionFields([odd], FIELDS).map((x) => x.spec.name)).toEqual(["quality"]);
    expect(takenFields([odd, NB2])).toEqual(new Set(["quality", "style"]));
  });
  it("shows one hint for the section when every field has the same takers", () => {
    expect(sharedHint(optionFields([NB2, GPT2], FIELDS))).toEqual({ shared: true, hint: "Only GPT Image 2 (1K)" });
    expect(sharedHint(optionFields([GPT2], FIELDS))).toEqual({ shared: true, hint: null });
    expect(sharedHint(optionFields([NB2, GPT2, GPT2_2K], FIELDS))).toEqual({ shared: false, hint: null });
    expect(sharedHint([])).toEqual({ shared: true, hint: null });
  });
  it("groups takers by family title", () => {
    expect(takersHint([GPT2, GPT2_2K])).toBe("Only GPT Image 2 (1K, 2K)");
    expect(familyTitle(NB2_4K)).toBe("Nano Banana 2");
    expect(familyTitle({ label: "plain", family: "fam", listedByServer: false })).toBe("fam");
    expect(familyTitle({ label: "acme-9", family: "acme-9", listedByServer: true })).toBe("Listed by the server");
  });
});

describe("setting and dropping options", () => {
  it("keeps a listed value and clears on empty, null or an unknown value", () => {
    let o = setOption({}, spec("quality"), "low");
    expect(o).toEqual({ quality: "low" });
    o = setOption(o, spec("background"), "transparent");
    expect(o).toEqual({ quality: "low", background: "transparent" });
    expect(setOption(o, spec("quality"), null)).toEqual({ background: "transparent" });
    expect(setOption(o, spec("quality"), "")).toEqual({ background: "transparent" });
    expect(setOption(o, spec("quality"), "ultra")).toEqual({ background: "transparent" });
  });
  it("rounds and clamps an integer field, and clears it when not a number", () => {
    const c = spec("output_compression");
    expect(setOption({}, c, "80")).toEqual({ output_compression: 80 });
    expect(setOption({}, c, "79.6")).toEqual({ output_compression: 80 });
    expect(setOption({}, c, 150)).toEqual({ output_compression: 100 });
    expect(setOption({}, c, "-5")).toEqual({ output_compression: 0 });
    expect(setOption({ output_compression: 50 }, c, "  ")).toEqual({});
    expect(setOption({ output_compression: 50 }, c, "abc")).toEqual({});
  });
  it("drops the options no chosen target takes, and keeps the object when none is dropped", () => {
    const o = { quality: "low", background: "opaque" };
    expect(pruneOptions(o, [NB2])).toEqual({});
    expect(pruneOptions(o, [GPT2_2K])).toEqual({ quality: "low" });
    expect(pruneOptions(o, [GPT2])).toBe(o);
  });
  it("builds the request fields for the targets sent, or null", () => {
    expect(specOptions({}, [GPT2])).toBeNull();
    expect(specOptions({ quality: "low" }, [NB2])).toBeNull();
    expect(specOptions({ quality: "low", output_compression: 70 }, [NB2, GPT2])).toEqual({
      output_compression: 70,
      quality: "low",
    });
    expect(specOptions({ quality: "high", moderation: "low" }, [GPT2_2K])).toEqual({ quality: "high" });
  });
});

describe("prices by quality", () => {
  it("prices gpt-image-2 by the chosen quality; no quality is auto", () => {
    expect(entryCredits(GPT2, {})).toBe(14);
    expect(entryCredits(GPT2, { quality: "low" })).toBe(1);
    expect(entryCredits(GPT2, { quality: "medium" })).toBe(4);
    expect(entryCredits(GPT2_2K, { quality: "low" })).toBe(2);
  });
  it("ignores quality for a model that does not take it, and without a price for it", () => {
    expect(qualityOf(NB2, { quality: "low" })).toBeNull();
    expect(entryCredits(NB2, { quality: "low" })).toBe(4);
    expect(entryCredits(GPT15, { quality: "low" })).toBe(1);
  });
  it("says 'from' for a floor, and lists the quality table in the tooltip", () => {
    expect(priceText(4, false)).toBe("4 cr");
    expect(priceText(1, true)).toBe("from 1 cr");
    expect(priceTitle(NB2, {})).toBe("4 credits per image");
    expect(priceTitle(GPT15, {})).toMatch(/^From 1 credit per image/);
    expect(priceTitle(GPT2, { quality: "low" })).toBe(
      "1 credit per image at quality low (by quality: low 1 · medium 4 · high 14 · auto 14)",
    );
  });
});

import { describe, expect, it } from "vitest";
import { boxAspect, commonAspectRatios, gridColumns, gridLayout, parseRatio, sizeOption } from "./aspect";
import { CATALOG } from "./fixtures.test-util";

describe("parseRatio", () => {
  it("reads w:h", () => {
    expect(parseRatio("16:9")).toEqual([16, 9]);
    expect(parseRatio("21:9")).toEqual([21, 9]);
    expect(parseRatio("3x2")).toEqual([3, 2]);
  });
  it("falls back to square", () => {
    expect(parseRatio(null)).toEqual([1, 1]);
    expect(parseRatio("wide")).toEqual([1, 1]);
    expect(parseRatio("0:9")).toEqual([1, 1]);
  });
});

describe("boxAspect", () => {
  it("reserves the requested ratio before the image is there", () => {
    expect(boxAspect("16:9")).toBe("16 / 9");
    expect(boxAspect(null)).toBe("1 / 1");
  });
  it("uses the true size once known", () => {
    expect(boxAspect("16:9", { width: 1024, height: 572 })).toBe("1024 / 572");
    expect(boxAspect("16:9", { width: 0, height: 0 })).toBe("16 / 9");
  });
});

describe("commonAspectRatios", () => {
  it("keeps the ratios every target accepts, in the first one's order", () => {
    expect(commonAspectRatios([CATALOG[0], CATALOG[4]])).toEqual(["1:1"]);
    expect(commonAspectRatios([CATALOG[0]])).toEqual(["1:1", "16:9", "9:16", "4:3"]);
    expect(commonAspectRatios([])).toEqual([]);
  });
});

describe("sizes per ratio", () => {
  const gpt2 = CATALOG.find((e) => e.id === "gpt-image-2")!;
  it("finds the size an entry sends for a ratio (1:1 without one)", () => {
    expect(sizeOption(gpt2, "16:9")?.size).toBe("1536x864");
    expect(sizeOption(gpt2, null)?.size).toBe("1024x1024");
    expect(sizeOption(gpt2, "21:9")).toBeUndefined();
  });
});

describe("gridColumns", () => {
  it("puts every target side by side when they fit", () => {
    expect(gridColumns(4, 900)).toBe(4);
    expect(gridColumns(2, 500)).toBe(2);
    expect(gridColumns(1, 300)).toBe(1);
  });
  it("balances rows instead of leaving one cell alone", () => {
    expect(gridColumns(4, 700)).toBe(2);
    expect(gridColumns(5, 700)).toBe(3);
    expect(gridColumns(7, 900)).toBe(4);
    expect(gridColumns(6, 500)).toBe(2);
  });
  it("never goes below one column", () => {
    expect(gridColumns(3, 50)).toBe(1);
    expect(gridColumns(0, 1000)).toBe(1);
  });
});

describe("gridLayout", () => {
  it("makes four squares 2 x 2 when that gives bigger images that still fit (1600 x 1000)", () => {
    const l = gridLayout({ n: 4, width: 888, height: 820, aspect: 1 });
    expect(l.cols).toBe(2);
    expect(l.cellWidth).toBeGreaterThan(280);
    // the two rows fit the height
    expect(2 * (l.cellWidth - 18 + 110) + 12).toBeLessThanOrEqual(820);
  });
  it("puts four squares in a row in a wide, short area", () => {
    expect(gridLayout({ n: 4, width: 1400, height: 420, aspect: 1 }).cols).toBe(4);
  });
  it("fits four squares whole beside the open composer at 1440 x 900 rather than cut a row off", () => {
    const l = gridLayout({ n: 4, width: 773, height: 618, aspect: 1, chrome: 116 });
    expect(l.cols).toBe(2);
    expect(l.cellWidth - 18).toBeGreaterThanOrEqual(180);
    expect(2 * (l.cellWidth - 18 + 116) + 12).toBeLessThanOrEqual(618);
  });
  it("scrolls with balanced columns when fitting would make images tiny (1024 x 680)", () => {
    expect(gridLayout({ n: 4, width: 460, height: 500, aspect: 1 })).toEqual({ cols: 2, cellWidth: 224 });
  });
  it("sizes one target to fit the height", () => {
    const l = gridLayout({ n: 1, width: 800, height: 600, aspect: 1 });
    expect(l.cols).toBe(1);
    expect(l.cellWidth).toBe(600 - 110 + 18);
    expect(gridLayout({ n: 1, width: 800, height: 600, aspect: 16 / 9 }).cellWidth).toBe(760);
  });
  it("copes with odd inputs", () => {
    expect(gridLayout({ n: 0, width: 500, height: 500, aspect: 0 }).cols).toBe(1);
    expect(gridLayout({ n: 3, width: 100, height: 100, aspect: 1 }).cols).toBe(1);
  });
});

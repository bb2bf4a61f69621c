import { describe, expect, it } from "vitest";
import {
  budgetLevel,
  budgetWords,
  defaultSessionName,
  formatRate,
  moveItem,
  niceMax,
  shortTime,
  stepChart,
  variantBars,
} from "./spend";

const BOX = { width: 200, height: 100, padLeft: 20, padRight: 10, padTop: 10, padBottom: 20 };

describe("budgetLevel", () => {
  const s = (credits: number, budget: number | null, budgetWarning = false) => ({
    spent: { credits, usd: credits / 100, unpriced: 0 },
    budgetCredits: budget,
    budgetWarning,
  });
  it("is none without a budget", () => expect(budgetLevel(s(50, null))).toBe("none"));
  it("says the budget one way, with no second figure to contradict it", () => {
    expect(budgetWords(s(50, null))).toBeNull();
    expect(budgetWords(s(7, 10))).toEqual({
      level: "ok",
      short: "7 of 10",
      sentence: "7 of 10 credits spent: 3 left.",
    });
    expect(budgetWords(s(22, 25, true))).toEqual({
      level: "warn",
      short: "22 of 25 (88%)",
      sentence: "22 of 25 credits spent (88%): 3 left.",
    });
    expect(budgetWords(s(22, 10, true))).toEqual({
      level: "over",
      short: "over budget: 22 of 10",
      sentence: "Over budget: 22 of 10 credits spent.",
    });
  });
  it("is ok under 80%", () => expect(budgetLevel(s(7, 10))).toBe("ok"));
  it("warns when the core says so (from 80%)", () => {
    expect(budgetLevel(s(8, 10, true))).toBe("warn");
    expect(budgetLevel(s(1, 10, true))).toBe("warn");
    // The rule is the core's: no figure here decides it.
    expect(budgetLevel(s(8, 10, false))).toBe("ok");
  });
  it("is over at or past the budget", () => {
    expect(budgetLevel(s(10, 10, true))).toBe("over");
    expect(budgetLevel(s(22, 10, true))).toBe("over");
    expect(budgetLevel(s(1, 0))).toBe("over");
    expect(budgetLevel(s(0, 0))).toBe("ok");
  });
});

describe("niceMax", () => {
  it("rounds up to 1, 2 or 5 times a power of ten", () => {
    expect([0, 1, 3, 10, 11, 22, 50, 51, 999].map(niceMax)).toEqual([1, 1, 5, 10, 20, 50, 50, 100, 1000]);
  });
  it("copes with nonsense", () => expect(niceMax(Number.NaN)).toBe(1));
});

describe("stepChart", () => {
  it("is empty without points but keeps an axis", () => {
    const c = stepChart([], BOX);
    expect(c.line).toBe("");
    expect(c.end).toBeNull();
    expect(c.ticks.map((t) => t.y)).toEqual([80, 45, 10]);
  });
  it("scales time on x and credits on y, stepping up at each point", () => {
    const c = stepChart(
      [
        { at: "2026-01-01T10:00:00Z", cumulativeCredits: 4 },
        { at: "2026-01-01T10:00:30Z", cumulativeCredits: 10 },
        { at: "2026-01-01T10:01:00Z", cumulativeCredits: 22 },
      ],
      BOX,
    );
    expect(c.yMax).toBe(50);
    expect(c.byIndex).toBe(false);
    expect(c.spanMs).toBe(60_000);
    // x from 20 to 190; y from 80 (0) to 10 (50)
    expect(c.line).toBe("M20,80 H20 V74.4 H105 V66 H190 V49.2");
    expect(c.area.endsWith("V80 H20 Z")).toBe(true);
    expect(c.end).toEqual({ x: 190, y: 49.2 });
  });
  it("spreads points by index when they share one instant", () => {
    const at = "2026-01-01T10:00:00Z";
    const c = stepChart(
      [
        { at, cumulativeCredits: 4 },
        { at, cumulativeCredits: 8 },
      ],
      BOX,
    );
    expect(c.byIndex).toBe(true);
    expect(c.yMax).toBe(10);
    expect(c.line).toBe("M20,80 H20 V52 H190 V24");
  });
  it("draws one point as a step at the right end", () => {
    const c = stepChart([{ at: "2026-01-01T10:00:00Z", cumulativeCredits: 5 }], BOX);
    expect(c.line).toBe("M20,80 H190 V10");
    expect(c.end).toEqual({ x: 190, y: 10 });
  });
});

describe("variantBars", () => {
  it("sorts by credits, scales to the longest and computes savings", () => {
    const bars = variantBars([
      { modelId: "a", images: 1, cost: { credits: 4, usd: 0.04, unpriced: 0 }, officialUsd: 0.067 },
      { modelId: "b", images: 1, cost: { credits: 8, usd: 0.08, unpriced: 0 }, officialUsd: null },
    ]);
    expect(bars.map((x) => x.modelId)).toEqual(["b", "a"]);
    expect(bars.map((x) => x.frac)).toEqual([1, 0.5]);
    expect(bars[1].usd).toBe(0.04);
    expect(bars[1].savingsUsd).toBe(0.03);
    expect(bars[0].savingsUsd).toBeNull();
  });
  it("has zero-length bars with no spend", () => {
    const none = { credits: 0, usd: 0, unpriced: 0 };
    expect(variantBars([{ modelId: "a", images: 0, cost: none, officialUsd: null }])[0].frac).toBe(0);
  });
});

describe("formatRate / shortTime", () => {
  it("formats rates", () => {
    expect(formatRate(0.8333)).toBe("83%");
    expect(formatRate(1)).toBe("100%");
    expect(formatRate(null)).toBe("–");
  });
  it("shows the time alone for today", () => {
    const now = new Date(2026, 2, 3, 15, 0);
    expect(shortTime(new Date(2026, 2, 3, 14, 5).toISOString(), now)).toBe("14:05");
    expect(shortTime(new Date(2026, 2, 1, 9, 7).toISOString(), now)).toBe("Mar 1, 09:07");
    expect(shortTime("nope", now)).toBe("");
  });
});

describe("defaultSessionName / moveItem", () => {
  it("names a session after the local date and time", () => {
    expect(defaultSessionName(new Date(2026, 2, 3, 9, 5))).toBe("Session 2026-03-03 09:05");
  });
  it("moves an item left or right, clamped", () => {
    expect(moveItem(["a", "b", "c"], 0, 1)).toEqual(["b", "a", "c"]);
    expect(moveItem(["a", "b", "c"], 2, -1)).toEqual(["a", "c", "b"]);
    expect(moveItem(["a", "b", "c"], 2, 5)).toEqual(["a", "b", "c"]);
    const l = ["a"];
    expect(moveItem(l, -1, 1)).toBe(l);
  });
});

describe("shortTime with seconds", () => {
  it("adds seconds when asked", () => {
    const now = new Date(2026, 2, 3, 15, 0);
    expect(shortTime(new Date(2026, 2, 3, 14, 5, 9).toISOString(), now, true)).toBe("14:05:09");
  });
});

import { describe, expect, it } from "vitest";
import { choiceForKey, costPerWin, emptyMessage, intervalBars, progressLine, record } from "./blind";
import type { LeaderRow } from "../types";

const row = (label: string, score: number, low: number, high: number, over: Partial<LeaderRow> = {}): LeaderRow => ({
  rank: 1,
  label,
  modelId: label,
  score,
  low,
  high,
  wins: 2,
  losses: 1,
  ties: 0,
  votes: 3,
  credits: 8,
  costPerWin: 4,
  ...over,
});

describe("blind A/B logic", () => {
  it("maps the keys 1 / 2 / 0 / S and nothing else", () => {
    expect(["1", "2", "0", "s", "S", "3", "Enter", " "].map(choiceForKey)).toEqual([
      "left",
      "right",
      "tie",
      "skip",
      "skip",
      null,
      null,
      null,
    ]);
  });

  it("says what to do when there is no pair", () => {
    expect(emptyMessage(null, false)).toBeNull();
    expect(
      emptyMessage({ pair: { token: "t", prompt: "p", leftUrl: "a", rightUrl: "b" }, comparable: 3, voted: 0 }, false),
    ).toBeNull();
    expect(emptyMessage({ pair: null, comparable: 0, voted: 0 }, false)?.title).toBe(
      "Run a comparison with two or more models first",
    );
    expect(emptyMessage({ pair: null, comparable: 12, voted: 12 }, false)?.body).toContain(
      "All 12 pairs in this session have a vote",
    );
    expect(emptyMessage({ pair: null, comparable: 1, voted: 1 }, true)?.body).toContain(
      "All 1 pair in all sessions has a vote",
    );
    expect(progressLine({ pair: null, comparable: 12, voted: 5 })).toBe("5 of 12 pairs voted");
    expect(progressLine({ pair: null, comparable: 0, voted: 0 })).toBe("");
  });

  it("lays interval bars on one shared axis", () => {
    const bars = intervalBars([row("a", 1600, 1550, 1700), row("b", 1400, 1300, 1450)]);
    // The widest span (1300..1700) fills the track but for a 5% margin each side.
    expect(bars[1].left).toBeCloseTo(100 / 22, 5);
    expect(bars[0].left + bars[0].width).toBeCloseTo(100 - 100 / 22, 5);
    expect(bars[0].at).toBeGreaterThan(bars[1].at);
    for (const b of bars) expect(b.at >= b.left && b.at <= b.left + b.width).toBe(true);
    // No spread (no votes): still a visible bar in the middle.
    const flat = intervalBars([row("a", 1500, 1500, 1500)]);
    expect(flat[0].at).toBeCloseTo(50, 5);
    expect(flat[0].width).toBeGreaterThan(0);
    expect(intervalBars([])).toEqual([]);
  });

  it("formats records and cost per win", () => {
    expect(record(row("a", 1, 1, 1, { wins: 7, losses: 0, ties: 1 }))).toBe("7–0–1");
    expect(costPerWin(row("a", 1, 1, 1, { costPerWin: 1.714 }))).toBe("1.7 cr");
    expect(costPerWin(row("a", 1, 1, 1, { costPerWin: 24.4 }))).toBe("24 cr");
    expect(costPerWin(row("a", 1, 1, 1, { costPerWin: null }))).toBe("–");
  });
});

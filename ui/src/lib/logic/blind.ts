// Blind A/B mode: which key is which vote, what the empty state says, and how the
// leaderboard's interval bars are laid out. Pure functions.
import type { BlindChoice, BlindNext, LeaderRow } from "../types";

/** 1 = left, 2 = right, 0 = tie, S = skip (also the numpad's digits); anything else null. */
export function choiceForKey(key: string): BlindChoice | null {
  switch (key) {
    case "1":
      return "left";
    case "2":
      return "right";
    case "0":
      return "tie";
    case "s":
    case "S":
      return "skip";
    default:
      return null;
  }
}

/** The key shown on each vote's button. */
export const CHOICE_KEYS: Record<BlindChoice, string> = { left: "1", right: "2", tie: "0", skip: "S" };

/** What to say when there is no pair to show; null when there is one. */
export function emptyMessage(next: BlindNext | null, all: boolean): { title: string; body: string } | null {
  if (!next || next.pair) return null;
  if (next.comparable === 0) {
    return {
      title: "Run a comparison with two or more models first",
      body: all
        ? "Blind pairs are two outputs of the same prompt from different targets; history has none yet."
        : "Blind pairs are two outputs of the same prompt from different targets, in this session. Check two or more variants in the composer and run, or look at all sessions.",
    };
  }
  return {
    title: "Every pair has a vote",
    // Say whose pairs: a new session's panel may count the pairs of every session.
    body: `All ${next.comparable} ${next.comparable === 1 ? "pair" : "pairs"} ${all ? "in all sessions" : "in this session"} ${next.comparable === 1 ? "has" : "have"} a vote. Run more comparisons (or more images per target) for more pairs.`,
  };
}

/** "3 of 12 pairs voted". */
export function progressLine(next: BlindNext | null): string {
  if (!next || next.comparable === 0) return "";
  return `${next.voted} of ${next.comparable} ${next.comparable === 1 ? "pair" : "pairs"} voted`;
}

export interface IntervalBar {
  /** Left edge and width of the interval, and the score's position, in % of the track. */
  left: number;
  width: number;
  at: number;
}

/** Interval bars on one axis shared by every row (the widest interval plus a margin). */
export function intervalBars(rows: LeaderRow[]): IntervalBar[] {
  if (rows.length === 0) return [];
  let lo = Math.min(...rows.map((r) => r.low));
  let hi = Math.max(...rows.map((r) => r.high));
  if (hi - lo < 1) {
    lo -= 50;
    hi += 50;
  }
  const pad = (hi - lo) * 0.05;
  lo -= pad;
  hi += pad;
  const pos = (x: number) => ((x - lo) / (hi - lo)) * 100;
  return rows.map((r) => ({ left: pos(r.low), width: Math.max(0.5, pos(r.high) - pos(r.low)), at: pos(r.score) }));
}

/** "W–L–T", e.g. "7–0–1". */
export function record(r: LeaderRow): string {
  return `${r.wins}–${r.losses}–${r.ties}`;
}

/** "1.7 cr" per win, or "–" without a win. */
export function costPerWin(r: LeaderRow): string {
  if (r.costPerWin === null) return "–";
  const c = r.costPerWin;
  return `${c >= 10 ? Math.round(c) : c.toFixed(1)} cr`;
}

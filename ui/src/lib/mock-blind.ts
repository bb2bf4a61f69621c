// The browser mock's blind A/B mode: pairs of the mock runs' outputs (one prompt, two
// models), one-use tokens, and a leaderboard by win rate (the real Bradley–Terry fit is
// the core's). Enough to look at the panel in `vite dev`.
import type { BlindChoice, BlindNext, BlindReveal, Leaderboard, LeaderRow, RunView } from "./types";

interface Side {
  key: string;
  url: string;
  label: string;
  credits: number;
  prompt: string;
}

const pending = new Map<string, [Side, Side]>();
const voted = new Set<string>();
const votes: { left: string; right: string; winner: Exclude<BlindChoice, "skip"> }[] = [];
let counter = 0;

function sides(runs: Iterable<RunView>): Side[] {
  const out: Side[] = [];
  for (const r of runs)
    for (const t of r.targets)
      for (const o of t.outputs)
        out.push({
          key: `${r.id}/${t.idx}/${o.idx}`,
          url: o.url,
          label: t.modelId,
          credits: o.billing.cost.credits,
          prompt: r.prompt,
        });
  return out;
}

const pairKey = (a: Side, b: Side) => [a.key, b.key].sort().join("|");

export function mockBlindNext(runs: Iterable<RunView>): BlindNext {
  const all = sides(runs);
  let comparable = 0;
  let done = 0;
  let pick: [Side, Side] | null = null;
  for (let i = 0; i < all.length; i++)
    for (let j = i + 1; j < all.length; j++) {
      const [a, b] = [all[i], all[j]];
      if (a.prompt !== b.prompt || a.label === b.label) continue;
      comparable++;
      if (voted.has(pairKey(a, b))) done++;
      else if (!pick) pick = Math.random() < 0.5 ? [a, b] : [b, a];
    }
  if (!pick) return { pair: null, comparable, voted: done };
  const token = `mock-${++counter}`;
  pending.set(token, pick);
  return {
    pair: { token, prompt: pick[0].prompt, leftUrl: pick[0].url, rightUrl: pick[1].url },
    comparable,
    voted: done,
  };
}

export function mockBlindVote(token: string, choice: BlindChoice): BlindReveal {
  const pair = pending.get(token);
  if (!pair)
    throw {
      kind: "invalid",
      message: "This pair is not open for a vote. Show the next pair.",
      detail: null,
      requestId: null,
    };
  pending.delete(token);
  const [l, r] = pair;
  if (choice !== "skip") {
    voted.add(pairKey(l, r));
    votes.push({ left: l.label, right: r.label, winner: choice });
  }
  const side = (s: Side) => ({ label: s.label, modelId: s.label, credits: s.credits });
  // A skip reveals nothing: the pair comes back later, still blind.
  if (choice === "skip") return { choice, left: null, right: null, stored: false };
  return { choice, left: side(l), right: side(r), stored: true };
}

export function mockLeaderboard(): Leaderboard {
  const rows = new Map<string, LeaderRow>();
  const row = (label: string) => {
    let r = rows.get(label);
    if (!r) {
      r = {
        rank: 0,
        label,
        modelId: label,
        score: 1500,
        low: 1500,
        high: 1500,
        wins: 0,
        losses: 0,
        ties: 0,
        votes: 0,
        credits: 0,
        costPerWin: null,
      };
      rows.set(label, r);
    }
    return r;
  };
  for (const v of votes) {
    const [l, r] = [row(v.left), row(v.right)];
    l.votes++;
    r.votes++;
    if (v.winner === "tie") {
      l.ties++;
      r.ties++;
    } else if (v.winner === "left") {
      l.wins++;
      r.losses++;
    } else {
      r.wins++;
      l.losses++;
    }
  }
  const list = [...rows.values()].map((r) => {
    const rate = (r.wins + r.ties / 2 + 0.5) / (r.votes + 1);
    const score = Math.round(1500 + 400 * Math.log10(rate / (1 - rate)));
    const spread = Math.round(400 / Math.sqrt(r.votes + 1));
    return {
      ...r,
      score,
      low: score - spread,
      high: score + spread,
      credits: r.votes * 4,
      costPerWin: r.wins ? (r.votes * 4) / r.wins : null,
    };
  });
  list.sort((a, b) => b.score - a.score);
  list.forEach((r, i) => (r.rank = i + 1));
  return {
    scope: "session",
    sessionId: null,
    votes: votes.length,
    ties: votes.filter((v) => v.winner === "tie").length,
    method: "mock: win rate on an Elo-like scale",
    rows: list,
  };
}

// Image metrics in the app (Svelte 5 runes): the grid's reference cell and each other
// image's metrics against it, and a cache of pairs already answered. Figures come from the
// core (`metrics_pair`), computed off the UI path; each pair is asked once per session.
import { call } from "../api";
import type { PairMetricsView, RunView } from "../types";

export type PairState =
  { state: "loading" } | { state: "ok"; m: PairMetricsView } | { state: "error"; message: string };

function messageOf(e: unknown): string {
  if (e && typeof e === "object" && "message" in e) return String((e as { message: unknown }).message);
  return String(e);
}

const key = (a: string, b: string) => (a < b ? `${a}:${b}` : `${b}:${a}`);

export class MetricsState {
  /** The reference image of the grid: its run and hash. */
  reference = $state<{ runId: string; sha: string } | null>(null);
  /** Pairs asked, by unordered key. */
  pairs = $state<Record<string, PairState>>({});

  /** The metrics of a pair: from memory, or asked (once) and filled in when they come. */
  pair(a: string, b: string): PairState {
    const k = key(a, b);
    const known = this.pairs[k];
    if (known) return known;
    return { state: "loading" };
  }

  /** Asks for a pair unless it is known or on its way. */
  ensure(a: string, b: string): void {
    const k = key(a, b);
    if (this.pairs[k]) return;
    this.pairs[k] = { state: "loading" };
    call("metrics_pair", { shaA: a, shaB: b }).then(
      (m) => (this.pairs[k] = { state: "ok", m }),
      (e) => (this.pairs[k] = { state: "error", message: messageOf(e) }),
    );
  }

  referenceOf(run: RunView): string | null {
    return this.reference && this.reference.runId === run.id ? this.reference.sha : null;
  }

  /** Makes `sha` the reference of its run's grid (again: clears it) and asks for every other image of the run. */
  toggleReference(run: RunView, sha: string): void {
    if (this.referenceOf(run) === sha) {
      this.reference = null;
      return;
    }
    this.reference = { runId: run.id, sha };
    for (const t of run.targets) for (const o of t.outputs) if (o.sha256 !== sha) this.ensure(sha, o.sha256);
  }
}

export const metrics = new MetricsState();

// The benchmark panel's store against a `call` whose answers are released by hand: two
// loads of the same benchmark's view answered out of order leave the latest on screen.
import { describe, expect, it, vi } from "vitest";
import type { BenchSummary, BenchView } from "../types";

const pending: { name: string; resolve: (v: unknown) => void }[] = [];
vi.mock("../api", () => ({
  call: (name: string) => new Promise((resolve) => pending.push({ name, resolve })),
}));
vi.mock("./state.svelte", () => ({
  store: { notices: { report: () => {} }, catalog: [], composer: { form: { references: [] } } },
}));

const { BenchStore } = await import("./bench-state.svelte");

function view(status: string): BenchView {
  return { summary: { id: "b1", status } as BenchSummary, report: null } as unknown as BenchView;
}

async function flush(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}

describe("BenchStore's view", () => {
  it("keeps the latest load's answer when an earlier one arrives after it", async () => {
    const bench = new BenchStore();
    // Two loads of one view (a selection, then the end of the run loads it again), their
    // answers out of order: the first, taken while it ran, arrives last.
    const first = bench.select("b1");
    const second = bench.select("b1");
    await flush();
    const loads = pending.filter((p) => p.name === "bench_get");
    expect(loads).toHaveLength(2);
    loads[1].resolve(view("complete"));
    await second;
    loads[0].resolve(view("running"));
    await first;
    expect(bench.view?.summary.status).toBe("complete");
    expect(bench.loadingView).toBe(false);
  });
});

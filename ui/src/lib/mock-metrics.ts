// The browser mock's image metrics: deterministic figures from the two hashes (the real
// ones come from the core), and the "was the resolution worth it" tables of a mock run,
// grouped by the model id sent and ordered by delivered pixels as the core does.
import type { CatalogEntry, PairMetricsView, RunView, WorthReport, WorthStep } from "./types";

const ALGO = "mock";

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return (h >>> 0) / 4294967296;
}

export function mockPair(shaA: string, shaB: string, width = 1024, height = 1024): PairMetricsView {
  const same = shaA === shaB;
  const r = hash([shaA, shaB].sort().join(":"));
  return {
    shaA,
    shaB,
    algo: ALGO,
    width,
    height,
    ssim: same ? 1 : 0.9 + r * 0.095,
    psnrDb: same ? null : 30 + r * 12,
    phashDistance: same ? 0 : Math.round(r * 6),
    computedMs: 120,
    cached: false,
  };
}

export function mockWorth(run: RunView | undefined, catalog: CatalogEntry[]): WorthReport {
  const rule =
    "SSIM ≥ 0.98 and pHash ≤ 4 at the lower size: the step adds little; pHash > 12: different pictures; otherwise the step adds detail.";
  const report: WorthReport = { runId: run?.id ?? "", tables: [], rule, method: "mock metrics" };
  if (!run) return report;
  const groups = new Map<string, { label: string; items: { t: RunView["targets"][number]; e: CatalogEntry }[] }>();
  for (const t of run.targets) {
    const e = catalog.find((c) => c.id === t.modelId);
    if (!e || !t.outputs[0]) continue;
    const g = groups.get(e.model) ?? { label: e.label.split(" · ")[0], items: [] };
    if (!g.items.some((x) => x.e.id === e.id)) g.items.push({ t, e });
    groups.set(e.model, g);
  }
  for (const [model, g] of groups) {
    if (g.items.length < 2) continue;
    const px = (x: (typeof g.items)[number]) => x.t.outputs[0].width * x.t.outputs[0].height;
    g.items.sort((a, b) => px(a) - px(b));
    const steps: WorthStep[] = [];
    for (let i = 1; i < g.items.length; i++) {
      const lo = g.items[i - 1],
        hi = g.items[i];
      const [ol, oh] = [lo.t.outputs[0], hi.t.outputs[0]];
      const m = mockPair(oh.sha256, ol.sha256, ol.width, ol.height);
      const creditDelta = oh.billing.cost.credits - ol.billing.cost.credits;
      const latencyDeltaMs = hi.t.timing && lo.t.timing ? hi.t.timing.totalMs - lo.t.timing.totalMs : null;
      const addsLittle = m.ssim >= 0.98 && m.phashDistance <= 4;
      const cost = `${creditDelta >= 0 ? "+" : ""}${creditDelta} credits${latencyDeltaMs === null ? "" : `, ${latencyDeltaMs >= 0 ? "+" : ""}${(latencyDeltaMs / 1000).toFixed(1)} s`}`;
      steps.push({
        step: `${lo.e.variant}→${hi.e.variant}`,
        lowerId: lo.e.id,
        higherId: hi.e.id,
        lowerTarget: lo.t.idx,
        higherTarget: hi.t.idx,
        lowerSha256: ol.sha256,
        higherSha256: oh.sha256,
        lowerWidth: ol.width,
        lowerHeight: ol.height,
        higherWidth: oh.width,
        higherHeight: oh.height,
        metrics: m,
        error: null,
        creditDelta,
        latencyDeltaMs,
        addsLittle,
        verdict: addsLittle
          ? `adds little at the lower size: ${cost}`
          : `adds detail that shows at the lower size (SSIM ${m.ssim.toFixed(3)}): ${cost}`,
      });
    }
    report.tables.push({ model, label: g.label, steps });
  }
  return report;
}

// Image metrics as the UI shows them: short labels for SSIM / PSNR / pHash, a tone per
// figure (how alike the two images are), and whether a run can have a worth-it table.
import type { CatalogEntry, PairMetricsView, RunView } from "../types";

export type Tone = "same" | "close" | "far";

/** "0.982" (SSIM keeps three decimals: the steps that matter are near 1). */
export function formatSsim(ssim: number): string {
  return ssim >= 0.9995 && ssim < 1 ? "0.999+" : ssim.toFixed(3);
}

/** "38.1 dB"; "∞" for identical images (PSNR is infinite). */
export function formatPsnr(db: number | null): string {
  return db === null ? "∞" : `${db.toFixed(1)} dB`;
}

/** "3/64". */
export function formatPhash(d: number): string {
  return `${d}/64`;
}

/** How alike, from the figures (same thresholds as the core's worth-it rule). */
export function tone(m: PairMetricsView): Tone {
  if (m.ssim >= 0.98 && m.phashDistance <= 4) return "same";
  if (m.phashDistance > 12) return "far";
  return "close";
}

/** The figures in a designer's words: what each one says, for headers and tooltips. */
export const METRIC_MEANING = {
  ssim: "SSIM: how alike the shapes and edges are; 1 is identical",
  psnr: "PSNR: how close the pixels are, in decibels; higher is closer",
  phash: "pHash: how far apart the pictures' fingerprints are; 0 is the same picture, 32 unrelated",
} as const;

/** One plain word for the pair ("Looks the same"), shown before the figures. */
export function toneWords(t: Tone): string {
  return t === "same" ? "Looks the same" : t === "close" ? "Slightly different" : "A different picture";
}

export function metricsTitle(m: PairMetricsView): string {
  return [
    `Compared at ${m.width} × ${m.height} (the smaller image's size).`,
    `SSIM ${m.ssim.toFixed(4)}: structural similarity on luma, 1 = identical.`,
    `PSNR ${formatPsnr(m.psnrDb)}: over RGB; higher is closer.`,
    `pHash distance ${m.phashDistance} of 64 bits: 0 = same picture, ~32 = unrelated.`,
    m.cached ? "From the cache." : `Computed in ${Math.round(m.computedMs)} ms.`,
  ].join("\n");
}

/** The run has two variants or more of one model with an image: a worth-it table applies. */
export function hasVariantSteps(run: RunView, catalog: CatalogEntry[]): boolean {
  const byModel = new Map<string, Set<string>>();
  for (const t of run.targets) {
    const e = catalog.find((c) => c.id === t.modelId);
    if (!e || t.outputs.length === 0) continue;
    const s = byModel.get(e.model) ?? new Set<string>();
    s.add(e.id);
    byModel.set(e.model, s);
  }
  return [...byModel.values()].some((s) => s.size >= 2);
}

/** "+4 credits", "−1 credit", "0 credits". */
export function formatCreditDelta(d: number): string {
  const sign = d > 0 ? "+" : d < 0 ? "−" : "";
  return `${sign}${Math.abs(d)} ${Math.abs(d) === 1 ? "credit" : "credits"}`;
}

/** "+1.2 s", "−0.3 s", "–" when unknown. */
export function formatLatencyDelta(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "–";
  const sign = ms > 0 ? "+" : ms < 0 ? "−" : "";
  return `${sign}${(Math.abs(ms) / 1000).toFixed(1)} s`;
}

/** A step's verdict in a few words, for the table (the full sentence, with the cost, is its title). */
export function verdictShort(s: { addsLittle: boolean; metrics: PairMetricsView | null }): string {
  if (!s.metrics) return "not compared";
  if (s.addsLittle) return "adds little at the lower size";
  if (s.metrics.phashDistance > 12) return "a different picture: detail not judged";
  return "adds detail visible at the lower size";
}

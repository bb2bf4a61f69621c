import { describe, expect, it } from "vitest";
import {
  formatCreditDelta,
  formatLatencyDelta,
  formatPhash,
  formatPsnr,
  formatSsim,
  hasVariantSteps,
  tone,
  verdictShort,
} from "./metrics";
import type { CatalogEntry, PairMetricsView, RunView } from "../types";

const m = (ssim: number, phashDistance: number, psnrDb: number | null = 40): PairMetricsView => ({
  shaA: "a",
  shaB: "b",
  algo: "x",
  width: 512,
  height: 512,
  ssim,
  psnrDb,
  phashDistance,
  computedMs: 5,
  cached: false,
});

describe("metric labels", () => {
  it("formats the figures", () => {
    expect(formatSsim(1)).toBe("1.000");
    expect(formatSsim(0.9997)).toBe("0.999+");
    expect(formatSsim(0.91234)).toBe("0.912");
    expect(formatPsnr(null)).toBe("∞");
    expect(formatPsnr(38.06)).toBe("38.1 dB");
    expect(formatPhash(3)).toBe("3/64");
    expect(formatCreditDelta(4)).toBe("+4 credits");
    expect(formatCreditDelta(-1)).toBe("−1 credit");
    expect(formatLatencyDelta(1250)).toBe("+1.3 s");
    expect(formatLatencyDelta(null)).toBe("–");
  });

  it("tones follow the worth-it thresholds", () => {
    expect(tone(m(0.98, 4))).toBe("same");
    expect(tone(m(0.97, 4))).toBe("close");
    expect(tone(m(0.99, 13))).toBe("far");
  });

  it("shortens a verdict by the same rule", () => {
    expect(verdictShort({ addsLittle: true, metrics: m(0.99, 1) })).toBe("adds little at the lower size");
    expect(verdictShort({ addsLittle: false, metrics: m(0.5, 30) })).toBe("a different picture: detail not judged");
    expect(verdictShort({ addsLittle: false, metrics: m(0.9, 3) })).toBe("adds detail visible at the lower size");
    expect(verdictShort({ addsLittle: false, metrics: null })).toBe("not compared");
  });
});

describe("hasVariantSteps", () => {
  const entry = (id: string, model: string) => ({ id, model }) as CatalogEntry;
  const catalog = [entry("f-512", "f"), entry("f-1k", "f"), entry("g", "g")];
  const run = (...ids: [string, boolean][]) =>
    ({
      targets: ids.map(([modelId, out], idx) => ({ idx, modelId, outputs: out ? [{ sha256: `s${idx}` }] : [] })),
    }) as unknown as RunView;

  it("needs two variants of one model with images", () => {
    expect(hasVariantSteps(run(["f-512", true], ["f-1k", true]), catalog)).toBe(true);
    expect(hasVariantSteps(run(["f-512", true], ["f-1k", false]), catalog)).toBe(false);
    expect(hasVariantSteps(run(["f-512", true], ["f-512", true], ["g", true]), catalog)).toBe(false);
  });
});

// The metric pieces rendered on the server (svelte/server): the badges in each state, the
// reference cell's tag, and the browser mock's worth-it table for a run of variants.
import { beforeEach, describe, expect, it } from "vitest";
import { render } from "svelte/server";
import CellMetrics from "./CellMetrics.svelte";
import MetricBadges from "./MetricBadges.svelte";
import { mockPair, mockWorth } from "../mock-metrics";
import { CATALOG, output, run, target } from "../logic/fixtures.test-util";
import { metrics } from "../state/metrics-state.svelte";

const key = (a: string, b: string) => (a < b ? `${a}:${b}` : `${b}:${a}`);

beforeEach(() => {
  metrics.reference = null;
  metrics.pairs = {};
});

describe("MetricBadges", () => {
  it("shows a spinner until the figures come, then three badges", () => {
    expect(render(MetricBadges, { props: { a: "x", b: "y" } }).body).toContain("Measuring…");
    metrics.pairs = {
      [key("x", "y")]: {
        state: "ok",
        m: { ...mockPair("x", "y", 512, 512), ssim: 0.9823, psnrDb: null, phashDistance: 3 },
      },
    };
    const html = render(MetricBadges, { props: { a: "y", b: "x", showSize: true } }).body;
    expect(html).toContain('data-state="ok"');
    expect(html).toMatch(/SSIM<\/b> <span class="num[^"]*">0\.982</);
    expect(html).toContain("∞");
    expect(html).toContain("3/64");
    expect(html).toContain("at 512 × 512");
  });
  it("says why a pair is not compared", () => {
    metrics.pairs = { [key("x", "y")]: { state: "error", message: "These images have different shapes" } };
    const html = render(MetricBadges, { props: { a: "x", b: "y" } }).body;
    expect(html).toContain("Not comparable");
    expect(html).toContain('title="These images have different shapes"');
  });
  it("shows nothing for an image against itself", () => {
    expect(render(MetricBadges, { props: { a: "x", b: "x" } }).body).not.toContain("metric-badges");
  });
});

describe("CellMetrics", () => {
  const r = run("r1", {
    status: "done",
    targets: [target(0, { status: "done", outputs: [output(0)] }), target(1, { status: "done", outputs: [output(1)] })],
  });
  it("is empty without a reference in this run", () => {
    expect(render(CellMetrics, { props: { run: r, sha: "sha0" } }).body).not.toContain("cell-metrics");
    metrics.reference = { runId: "other", sha: "sha0" };
    expect(render(CellMetrics, { props: { run: r, sha: "sha1" } }).body).not.toContain("cell-metrics");
  });
  it("tags the reference and measures the others against it", () => {
    metrics.reference = { runId: "r1", sha: "sha0" };
    expect(render(CellMetrics, { props: { run: r, sha: "sha0" } }).body).toContain("reference-tag");
    const other = render(CellMetrics, { props: { run: r, sha: "sha1" } }).body;
    expect(other).toContain("metric-badges");
    expect(other).not.toContain("reference-tag");
  });
});

describe("the mock's worth-it table", () => {
  it("orders one model's variants by delivered pixels, one step per pair", () => {
    const r = run("r2", {
      status: "done",
      targets: [
        target(0, { modelId: "gemini-3.1-flash-image-preview-2k", status: "done", outputs: [output(0, 2048, 2048)] }),
        target(1, { modelId: "gemini-3.1-flash-image-preview-512", status: "done", outputs: [output(1, 512, 512)] }),
        target(2, { modelId: "gemini-3.1-flash-image-preview", status: "done", outputs: [output(2, 1024, 1024)] }),
        target(3, { modelId: "gpt-image-2", status: "done", outputs: [output(3)] }),
      ],
    });
    const w = mockWorth(r, CATALOG);
    expect(w.tables).toHaveLength(1);
    expect(w.tables[0].steps.map((s) => s.step)).toEqual(["512→1K", "1K→2K"]);
    expect(w.tables[0].steps[0].metrics?.width).toBe(512);
  });
});

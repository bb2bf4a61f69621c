import { describe, expect, it } from "vitest";
import {
  benchInput,
  formatLatency,
  formFromComposer,
  formFromInput,
  outcomeDot,
  fileTargetLabel,
  formProblems,
  latenciesOf,
  latencyChart,
  MAX_CONCURRENCY,
  MAX_REPEATS,
  MAX_WARMUP,
  outputRows,
  progressLine,
  promptCount,
  promptLines,
  requestCount,
  targetsOf,
  type BenchForm,
  type ChartArea,
} from "./bench";
import { initialComposer, type ComposerState } from "./composer";
import { CATALOG } from "./fixtures.test-util";
import type { BenchInput, ReferenceView, Sample, TargetSpec, TargetStats } from "../types";

// ---- fixtures -----------------------------------------------------------------------

const ORDER = CATALOG.map((e) => e.id);
const NB_1K = "gemini-3.1-flash-image-preview";
const NB_4K = "gemini-3.1-flash-image-preview-4k";
const GPT = "gpt-image-1.5";

function form(over: Partial<BenchForm> = {}): BenchForm {
  return {
    name: "",
    promptsText: "a fox",
    filePrompts: [],
    selected: { [NB_1K]: 1 },
    fileTargets: [],
    repeats: 3,
    concurrency: 4,
    warmup: 0,
    syncMode: "auto",
    aspectRatio: null,
    responseFormat: "b64_json",
    budget: null,
    useReferences: false,
    ...over,
  };
}

function reference(sha256: string): ReferenceView {
  return {
    sha256,
    name: `${sha256}.png`,
    mime: "image/png",
    width: 512,
    height: 512,
    bytes: 1000,
    thumbUrl: `pxb://localhost/thumb/${sha256}`,
    originalBytes: null,
    originalWidth: null,
    originalHeight: null,
    note: null,
  };
}

function composer(over: Partial<ComposerState> = {}): ComposerState {
  return { ...initialComposer(CATALOG), ...over };
}

/** A measured, succeeded request of target `targetIdx` that took `totalMs`. */
function sample(targetIdx: number, totalMs: number | null, over: Partial<Sample> = {}): Sample {
  return {
    seq: 0,
    warmup: false,
    prompt_idx: 0,
    prompt: "a fox",
    target_idx: targetIdx,
    model: `model-${targetIdx}`,
    n: 1,
    repeat: 0,
    run_id: "run-1",
    status: "done",
    ok: true,
    is_async: false,
    images: 1,
    credits: 4,
    usd: 0,
    unpriced: 0,
    start_ms: 0,
    end_ms: totalMs ?? 0,
    wall_ms: (totalMs ?? 0) + 5,
    total_ms: totalMs,
    send_ms: 1,
    ttfb_ms: null,
    body_ms: null,
    decode_ms: null,
    download_ms: null,
    submit_ms: null,
    wait_ms: null,
    polls: null,
    http_status: 200,
    attempts: 1,
    request_id: null,
    error_kind: null,
    error: null,
    outputs: [],
    ...over,
  };
}

function failed(targetIdx: number, totalMs: number | null, over: Partial<Sample> = {}): Sample {
  return sample(targetIdx, totalMs, {
    ok: false,
    status: "failed",
    images: 0,
    credits: 0,
    http_status: 500,
    error_kind: "server_error",
    error: "boom",
    ...over,
  });
}

function stats(model: string, over: Partial<TargetStats> = {}): TargetStats {
  return {
    model,
    n: 1,
    count: 0,
    succeeded: 0,
    failed: 0,
    cancelled: 0,
    success_rate: null,
    images: 0,
    credits: 0,
    usd: 0,
    min_ms: null,
    p50_ms: null,
    p90_ms: null,
    p99_ms: null,
    max_ms: null,
    mean_ms: null,
    ttfb_p50_ms: null,
    ttfb_p90_ms: null,
    ttfb_p99_ms: null,
    queue_wait_p50_ms: null,
    queue_wait_p90_ms: null,
    queue_wait_p99_ms: null,
    credits_per_image: null,
    usd_per_image: null,
    images_per_minute: null,
    ...over,
  };
}

// ---- the form -----------------------------------------------------------------------

describe("promptLines", () => {
  it("trims each line and drops blank ones", () => {
    expect(promptLines("  a fox \n\n   \n\ta cat\t\n")).toEqual(["a fox", "a cat"]);
  });
  it("splits CRLF without leaving carriage returns", () => {
    const lines = promptLines("one\r\ntwo\r\n\r\nthree");
    expect(lines).toEqual(["one", "two", "three"]);
    expect(lines.some((l) => l.includes("\r"))).toBe(false);
  });
  it("gives nothing for an empty or blank box", () => {
    expect(promptLines("")).toEqual([]);
    expect(promptLines(" \n \r\n ")).toEqual([]);
  });
  it("keeps inner spaces and repeated prompts", () => {
    expect(promptLines("a  red fox\na  red fox")).toEqual(["a  red fox", "a  red fox"]);
  });
});

describe("promptCount", () => {
  it("adds the file prompts to the typed lines", () => {
    expect(promptCount(form({ promptsText: "a\n\nb", filePrompts: [{ text: "c", images: [] }] }))).toBe(3);
    expect(promptCount(form({ promptsText: "  ", filePrompts: [] }))).toBe(0);
  });
});

describe("formFromComposer", () => {
  it("copies the prompt (trimmed), targets, aspect ratio and sync mode", () => {
    const c = composer({
      prompt: "  a fox in the snow \n",
      selected: { [NB_4K]: 2, [GPT]: 1 },
      aspectRatio: "16:9",
      syncMode: "async",
    });
    const f = formFromComposer(c);
    expect(f.promptsText).toBe("a fox in the snow");
    expect(f.selected).toEqual({ [NB_4K]: 2, [GPT]: 1 });
    expect(f.aspectRatio).toBe("16:9");
    expect(f.syncMode).toBe("async");
    expect(f.name).toBe("");
    expect(f.filePrompts).toEqual([]);
    expect(f.budget).toBeNull();
    expect(formProblems(f)).toEqual([]);
  });
  it("gives a copy of the selection, not the composer's own object", () => {
    const c = composer({ selected: { [NB_1K]: 1 } });
    const f = formFromComposer(c);
    expect(f.selected).not.toBe(c.selected);
    f.selected[GPT] = 1;
    delete f.selected[NB_1K];
    expect(c.selected).toEqual({ [NB_1K]: 1 });
  });
  it("uses the references only for an edit that has some", () => {
    const refs = [reference("r1")];
    expect(formFromComposer(composer({ mode: "edit", references: refs })).useReferences).toBe(true);
    expect(formFromComposer(composer({ mode: "edit", references: [] })).useReferences).toBe(false);
    expect(formFromComposer(composer({ mode: "generate", references: refs })).useReferences).toBe(false);
  });
});

describe("formProblems", () => {
  const only = (f: BenchForm, re: RegExp) => {
    const p = formProblems(f);
    expect(p).toHaveLength(1);
    expect(p[0]).toMatch(re);
  };
  it("is empty for a valid form", () => expect(formProblems(form())).toEqual([]));
  it("accepts the limits themselves", () => {
    expect(formProblems(form({ repeats: 1, concurrency: 1, warmup: 0, budget: 0 }))).toEqual([]);
    expect(
      formProblems(form({ repeats: MAX_REPEATS, concurrency: MAX_CONCURRENCY, warmup: MAX_WARMUP, budget: 500 })),
    ).toEqual([]);
  });
  it("accepts prompts from a file alone", () => {
    expect(formProblems(form({ promptsText: "", filePrompts: [{ text: "x", images: ["/tmp/a.png"] }] }))).toEqual([]);
  });
  it("wants a prompt", () => {
    only(form({ promptsText: "" }), /prompt/i);
    only(form({ promptsText: " \n \r\n" }), /prompt/i);
  });
  it("wants a target", () => only(form({ selected: {} }), /target/i));
  it("wants whole repeats from 1 to the maximum", () => {
    for (const repeats of [0, -1, Number.NaN, 1.5, MAX_REPEATS + 1, Number.POSITIVE_INFINITY])
      only(form({ repeats }), /^Repeats/);
  });
  it("wants whole concurrency from 1 to 64", () => {
    expect(MAX_CONCURRENCY).toBe(64);
    for (const concurrency of [0, 65, 2.5, Number.NaN]) only(form({ concurrency }), /^Concurrency/);
  });
  it("wants whole warm-up from 0 to 100", () => {
    expect(MAX_WARMUP).toBe(100);
    for (const warmup of [-1, 101, 0.5, Number.NaN]) only(form({ warmup }), /^Warm-up/);
  });
  it("wants a whole, non-negative budget", () => {
    for (const budget of [-1, 2.5, Number.NaN]) only(form({ budget }), /budget/i);
  });
  it("lists every problem at once, in order", () => {
    const p = formProblems(form({ promptsText: "", selected: {}, repeats: 0, concurrency: 0, warmup: -1, budget: -5 }));
    expect(p).toHaveLength(6);
    expect(p[0]).toMatch(/prompt/i);
    expect(p[1]).toMatch(/target/i);
    expect(p[2]).toMatch(/^Repeats/);
    expect(p[3]).toMatch(/^Concurrency/);
    expect(p[4]).toMatch(/^Warm-up/);
    expect(p[5]).toMatch(/budget/i);
  });
});

describe("requestCount", () => {
  it("is prompts x targets x repeats plus warm-up x targets", () => {
    const f = form({
      promptsText: "a\n\nb\r\n",
      filePrompts: [{ text: "c", images: [] }],
      selected: { [NB_1K]: 1, [GPT]: 1 },
      repeats: 4,
      warmup: 2,
    });
    // 3 prompts x 2 targets x 4 repeats + 2 warm-ups x 2 targets
    expect(requestCount(f)).toBe(28);
  });
  it("counts warm-ups per target, not per prompt", () => {
    const f = form({ promptsText: "a\nb\nc", selected: { [NB_1K]: 1 }, repeats: 1, warmup: 5 });
    expect(requestCount(f)).toBe(3 + 5);
  });
  it("ignores n: a target with n = 4 is still one request", () => {
    expect(requestCount(form({ selected: { [NB_1K]: 4 }, repeats: 2 }))).toBe(2);
  });
  it("counts an emptied or fractional field as 0, never NaN", () => {
    expect(requestCount(form({ selected: { [NB_1K]: 1 }, repeats: Number.NaN, warmup: 2 }))).toBe(2);
    expect(requestCount(form({ selected: { [NB_1K]: 1 }, repeats: 1.5, warmup: Number.NaN }))).toBe(0);
  });
  it("is zero without targets and never negative", () => {
    expect(requestCount(form({ selected: {}, warmup: 3 }))).toBe(0);
    expect(requestCount(form({ repeats: -3, warmup: -2 }))).toBe(0);
  });
});

describe("targetsOf", () => {
  it("sorts the checked targets in catalog order, unknown ids last, keeping n", () => {
    const f = form({ selected: { "zz-unknown": 1, [GPT]: 1, [NB_4K]: 2, "aa-unknown": 3, [NB_1K]: 1 } });
    expect(targetsOf(f, ORDER)).toEqual([
      { modelId: NB_1K, n: 1 },
      { modelId: NB_4K, n: 2 },
      { modelId: GPT, n: 1 },
      { modelId: "zz-unknown", n: 1 },
      { modelId: "aa-unknown", n: 3 },
    ]);
  });
  it("keeps the selection's order without a catalog order", () => {
    const f = form({ selected: { [GPT]: 1, [NB_1K]: 2 } });
    expect(targetsOf(f).map((t) => t.modelId)).toEqual([GPT, NB_1K]);
  });
});

describe("benchInput", () => {
  it("builds the IPC input: prompts typed then from the file, targets in order", () => {
    const f = form({
      name: "  nightly  ",
      promptsText: " a fox \r\n\r\na cat",
      filePrompts: [{ text: "edit me", images: ["/tmp/x.png", "/tmp/y.png"] }],
      selected: { [GPT]: 1, [NB_1K]: 2 },
      repeats: 5,
      concurrency: 8,
      warmup: 1,
      syncMode: "sync",
      aspectRatio: "1:1",
      responseFormat: "url",
      budget: 120,
      useReferences: false,
    });
    expect(benchInput(f, ["sha-a"], false, ORDER)).toEqual({
      name: "nightly",
      prompts: [
        { text: "a fox", images: [] },
        { text: "a cat", images: [] },
        { text: "edit me", images: ["/tmp/x.png", "/tmp/y.png"] },
      ],
      references: [],
      targets: [
        { modelId: NB_1K, n: 2 },
        { modelId: GPT, n: 1 },
      ],
      repeats: 5,
      concurrency: 8,
      warmup: 1,
      syncMode: "sync",
      aspectRatio: "1:1",
      responseFormat: "url",
      budget: 120,
      ignoreBudget: false,
    });
  });
  it("sends the references only when asked to", () => {
    expect(benchInput(form({ useReferences: true }), ["sha-a", "sha-b"]).references).toEqual(["sha-a", "sha-b"]);
    expect(benchInput(form({ useReferences: false }), ["sha-a", "sha-b"]).references).toEqual([]);
  });
  it("sends a blank name as null", () => {
    expect(benchInput(form({ name: "" }), []).name).toBeNull();
    expect(benchInput(form({ name: "   " }), []).name).toBeNull();
  });
  it("passes ignoreBudget through", () => {
    expect(benchInput(form(), [], true).ignoreBudget).toBe(true);
    expect(benchInput(form(), []).ignoreBudget).toBe(false);
  });
});

// ---- the latency chart --------------------------------------------------------------

describe("latenciesOf", () => {
  it("keeps only the target's succeeded, measured requests with a time", () => {
    const samples = [
      sample(0, 30),
      sample(1, 999),
      sample(0, 700, { warmup: true }),
      failed(0, 800),
      sample(0, null),
      sample(0, 10),
      failed(0, null),
    ];
    expect(latenciesOf(samples, 0)).toEqual([30, 10]);
    expect(latenciesOf(samples, 1)).toEqual([999]);
    expect(latenciesOf(samples, 2)).toEqual([]);
  });
});

describe("latencyChart bins", () => {
  it("puts a sample on a bin edge in the bin that starts there", () => {
    // 30 bins over 0..1000 ms: 500 ms starts bin 15 (500-533 ms), not bin 14.
    const area: ChartArea = { width: 400, padLeft: 100, padRight: 0, padTop: 0, padBottom: 0, rowHeight: 40, bins: 30 };
    const c = latencyChart(
      [stats("a", { p50_ms: 500, p90_ms: 900, p99_ms: 900 })],
      [sample(0, 500), sample(0, 900)],
      area,
    );
    expect(c.xMax).toBe(1000);
    const froms = c.rows[0].bars.map((b) => Math.round(b.fromMs));
    expect(froms).toEqual([500, 900]);
  });
});

describe("latencyChart", () => {
  // plot from x = 100 to x = 380 (280 wide), rows 40 high from y = 10
  const AREA: ChartArea = {
    width: 400,
    padLeft: 100,
    padRight: 20,
    padTop: 10,
    padBottom: 30,
    rowHeight: 40,
    bins: 10,
  };
  const PLOT_W = AREA.width - AREA.padLeft - AREA.padRight;
  const TARGETS = [
    stats("fast", { count: 4, succeeded: 4, min_ms: 10, p50_ms: 10, p90_ms: 40, p99_ms: 40, max_ms: 40 }),
    stats("broken", { count: 2, failed: 2 }),
  ];
  const SAMPLES = [
    sample(0, 10),
    sample(0, 40),
    sample(0, 10),
    sample(0, 12),
    // not measured or not succeeded: must not count nor stretch the axis
    sample(0, 5000, { warmup: true }),
    failed(0, 9000),
    failed(1, 3000),
    failed(1, null),
  ];
  const chart = latencyChart(TARGETS, SAMPLES, AREA);
  const xOf = (ms: number) => AREA.padLeft + (ms / chart.xMax) * PLOT_W;

  it("uses a tidy maximum just above the slowest measured request", () => {
    expect(chart.xMax).toBe(50);
    expect(chart.xMax).toBeGreaterThanOrEqual(40);
    const p = Math.pow(10, Math.floor(Math.log10(chart.xMax)));
    expect([1, 2, 5]).toContain(chart.xMax / p);
  });
  it("stays strictly above a slowest request that is itself a tidy number", () => {
    const c = latencyChart([stats("a", { p50_ms: 1000, p90_ms: 1000, p99_ms: 1000 })], [sample(0, 1000)], AREA);
    expect(c.xMax).toBe(2000);
    expect(c.rows[0].p99).toBeLessThan(AREA.width - AREA.padRight);
  });
  it("is as tall as its rows plus the padding, and as wide as asked", () => {
    expect(chart.width).toBe(400);
    expect(chart.height).toBe(AREA.padTop + 2 * AREA.rowHeight + AREA.padBottom);
    expect(chart.height).toBe(120);
    expect(chart.rows.map((r) => r.y)).toEqual([10, 50]);
    expect(chart.rows.map((r) => r.model)).toEqual(["fast", "broken"]);
  });
  it("puts five ticks from the left to the right of the plot", () => {
    expect(chart.ticks.map((t) => t.ms)).toEqual([0, 12.5, 25, 37.5, 50]);
    expect(chart.ticks.map((t) => t.x)).toEqual([100, 170, 240, 310, 380]);
    expect(chart.ticks[0].x).toBe(AREA.padLeft);
    expect(chart.ticks[chart.ticks.length - 1].x).toBe(AREA.width - AREA.padRight);
  });
  it("bins each measured latency once", () => {
    const row = chart.rows[0];
    expect(row.samples).toBe(4);
    expect(row.bars.reduce((s, b) => s + b.count, 0)).toBe(4);
    // bins of 5 ms: 10, 10, 12 in [10, 15); 40 in [40, 45)
    expect(row.bars.map((b) => [b.fromMs, b.toMs, b.count])).toEqual([
      [10, 15, 3],
      [40, 45, 1],
    ]);
  });
  it("keeps the bars inside the plot", () => {
    for (const b of chart.rows[0].bars) {
      expect(b.x).toBeGreaterThanOrEqual(AREA.padLeft);
      expect(b.x + b.w).toBeLessThanOrEqual(AREA.width - AREA.padRight);
      expect(b.w).toBeGreaterThan(0);
      expect(b.x).toBeCloseTo(xOf(b.fromMs), 9);
    }
  });
  it("scales bar heights to the row's fullest bin, bottoms aligned", () => {
    const row = chart.rows[0];
    const [full, single] = row.bars;
    const inner = AREA.rowHeight - 6;
    expect(full.h).toBe(inner);
    expect(full.y).toBe(row.y + 3);
    expect(single.h).toBeCloseTo(inner / 3, 9);
    expect(single.y + single.h).toBeCloseTo(full.y + full.h, 9);
    expect(full.y + full.h).toBe(row.y + AREA.rowHeight - 3);
  });
  it("places the p50 / p90 / p99 marks on the axis from the report's figures", () => {
    const row = chart.rows[0];
    expect(row.p50).toBeCloseTo(xOf(10), 9);
    expect(row.p50).toBeCloseTo(156, 9);
    expect(row.p90).toBeCloseTo(xOf(40), 9);
    expect(row.p90).toBeCloseTo(324, 9);
    expect(row.p99).toBeCloseTo(324, 9);
  });
  it("draws nothing for a target without succeeded requests", () => {
    const row = chart.rows[1];
    expect(row.samples).toBe(0);
    expect(row.bars).toEqual([]);
    expect(row.p50).toBeNull();
    expect(row.p90).toBeNull();
    expect(row.p99).toBeNull();
  });
  it("drops marks of a row with no samples even if the figures carry some", () => {
    const c = latencyChart([stats("a", { p50_ms: 20, p90_ms: 30, p99_ms: 30 })], [], AREA);
    expect(c.rows[0].p50).toBeNull();
    expect(c.rows[0].p99).toBeNull();
  });
  it("keeps a small bin visible next to a very full one", () => {
    const many = Array.from({ length: 200 }, () => sample(0, 10));
    const c = latencyChart([stats("a", { p50_ms: 10, p90_ms: 10, p99_ms: 40 })], [...many, sample(0, 40)], AREA);
    const [full, tiny] = c.rows[0].bars;
    expect(full.count).toBe(200);
    expect(tiny.count).toBe(1);
    expect(tiny.h).toBe(2);
  });
  it("shares one axis between the rows, set by the slowest of them", () => {
    const c = latencyChart([stats("a"), stats("b")], [sample(0, 100), sample(1, 1900)], AREA);
    expect(c.xMax).toBe(2000);
    // the 100 ms sample falls in the first bin of the shared axis
    expect(c.rows[0].bars.map((b) => b.fromMs)).toEqual([0]);
    expect(c.rows[1].bars.map((b) => b.fromMs)).toEqual([1800]);
    // each row is scaled to its own fullest bin
    expect(c.rows[0].bars[0].h).toBe(AREA.rowHeight - 6);
    expect(c.rows[1].bars[0].h).toBe(AREA.rowHeight - 6);
  });
  it("still has an axis without any sample", () => {
    const c = latencyChart([stats("a")], [], AREA);
    expect(c.xMax).toBeGreaterThan(0);
    expect(Number.isFinite(c.xMax)).toBe(true);
    expect(c.rows[0].bars).toEqual([]);
    expect(c.ticks.map((t) => t.x)).toEqual([100, 170, 240, 310, 380]);
    expect(latencyChart([], [], AREA).height).toBe(AREA.padTop + AREA.padBottom);
  });
});

// ---- the outputs grid ---------------------------------------------------------------

describe("outputRows", () => {
  const targets = [stats("a"), stats("b")];
  const at = (promptIdx: number, repeat: number, targetIdx: number, seq: number, over: Partial<Sample> = {}) =>
    sample(targetIdx, 100 + seq, { seq, prompt_idx: promptIdx, prompt: `prompt ${promptIdx}`, repeat, ...over });
  const samples = [
    at(0, 0, 0, 10, { warmup: true }),
    at(1, 1, 0, 7),
    at(0, 1, 1, 6),
    at(0, 0, 0, 0),
    at(1, 0, 1, 3),
    at(0, 1, 0, 5),
    at(1, 0, 0, 2),
    at(0, 0, 1, 1),
    // a warm-up after the measured request with the same key must not replace it
    at(0, 0, 0, 11, { warmup: true }),
    // a warm-up alone does not make a row
    at(1, 7, 1, 12, { warmup: true }),
  ];
  const rows = outputRows({ targets, samples });

  it("makes a row per prompt x repeat, by repeat then prompt, without warm-ups", () => {
    expect(rows.map((r) => r.key)).toEqual(["0:0", "1:0", "0:1", "1:1"]);
    expect(rows.map((r) => [r.promptIdx, r.repeat, r.prompt])).toEqual([
      [0, 0, "prompt 0"],
      [1, 0, "prompt 1"],
      [0, 1, "prompt 0"],
      [1, 1, "prompt 1"],
    ]);
  });
  it("puts each request in its target's column", () => {
    expect(rows.map((r) => r.cells.map((c) => c?.seq ?? null))).toEqual([
      [0, 1],
      [2, 3],
      [5, 6],
      [7, null],
    ]);
    for (const r of rows) {
      expect(r.cells).toHaveLength(targets.length);
      r.cells.forEach((c, i) => {
        if (c) {
          expect(c.target_idx).toBe(i);
          expect(c.warmup).toBe(false);
        }
      });
    }
  });
  it("leaves a target that was not sent as null", () => {
    expect(rows[3].cells[1]).toBeNull();
  });
  it("is empty without measured requests", () => {
    expect(outputRows({ targets, samples: [at(0, 0, 0, 0, { warmup: true })] })).toEqual([]);
  });
});

// ---- text ---------------------------------------------------------------------------

describe("progressLine", () => {
  it("shows done / total and what is left", () => {
    expect(progressLine({ done: 12, total: 40, failed: 0, cancelled: 0, remaining: 28 })).toBe(
      "12 / 40 done · 28 left",
    );
  });
  it("adds failed and cancelled only when there are some", () => {
    expect(progressLine({ done: 12, total: 40, failed: 1, cancelled: 0, remaining: 28 })).toBe(
      "12 / 40 done · 1 failed · 28 left",
    );
    expect(progressLine({ done: 30, total: 40, failed: 2, cancelled: 3, remaining: 10 })).toBe(
      "30 / 40 done · 2 failed · 3 cancelled · 10 left",
    );
    expect(progressLine({ done: 5, total: 40, failed: 0, cancelled: 35, remaining: 0 })).toBe(
      "5 / 40 done · 35 cancelled · 0 left",
    );
  });
});

describe("formatLatency", () => {
  it("gives a decimal under 100 ms", () => {
    expect(formatLatency(9.84)).toBe("9.8 ms");
    expect(formatLatency(0)).toBe("0.0 ms");
    expect(formatLatency(99.4)).toBe("99.4 ms");
    expect(formatLatency(99.96)).toBe("100 ms");
  });
  it("rounds to whole ms, then seconds", () => {
    expect(formatLatency(100)).toBe("100 ms");
    expect(formatLatency(840)).toBe("840 ms");
    expect(formatLatency(2400)).toBe("2.4 s");
  });
  it("shows a dash for nothing", () => {
    expect(formatLatency(null)).toBe("–");
    expect(formatLatency(undefined)).toBe("–");
    expect(formatLatency(Number.NaN)).toBe("–");
    expect(formatLatency(Number.POSITIVE_INFINITY)).toBe("–");
  });
});

describe("formFromInput", () => {
  it("puts prompts without images in the box and keeps the others with their images", () => {
    const f = formFromInput({
      name: "from a file",
      prompts: [
        { text: "a red fox", images: [] },
        { text: "make it a poster", images: ["/m/ref.png"] },
        { text: "a blue car", images: [] },
      ],
      references: [],
      targets: [
        { modelId: NB_1K, n: 2 },
        { modelId: GPT, n: 1 },
      ],
      repeats: 3,
      concurrency: 5,
      warmup: 1,
      syncMode: "async",
      aspectRatio: "16:9",
      responseFormat: "url",
      budget: 120,
      ignoreBudget: false,
    });
    expect(f.name).toBe("from a file");
    expect(f.promptsText).toBe("a red fox\na blue car");
    expect(f.filePrompts).toEqual([{ text: "make it a poster", images: ["/m/ref.png"] }]);
    expect(f.selected).toEqual({ [NB_1K]: 2, [GPT]: 1 });
    expect([f.repeats, f.concurrency, f.warmup, f.budget]).toEqual([3, 5, 1, 120]);
    expect([f.syncMode, f.aspectRatio, f.responseFormat]).toEqual(["async", "16:9", "url"]);
    expect(f.useReferences).toBe(false);
    // and back: the same input (targets in catalog order)
    const back = benchInput(f, [], false, [NB_1K, GPT]);
    expect(back.prompts.map((p) => p.text)).toEqual(["a red fox", "a blue car", "make it a poster"]);
    expect(requestCount(f)).toBe(3 * 2 * 3 + 1 * 2);
  });
});

describe("outcomeDot", () => {
  it("shows failures of a finished benchmark", () => {
    expect(outcomeDot({ status: "complete", succeeded: 8, failed: 0 })).toBe("done");
    expect(outcomeDot({ status: "complete", succeeded: 6, failed: 2 })).toBe("partial");
    expect(outcomeDot({ status: "complete", succeeded: 0, failed: 8 })).toBe("failed");
    expect(outcomeDot({ status: "stopped", succeeded: 3, failed: 1 })).toBe("failed");
    expect(outcomeDot({ status: "cancelled", succeeded: 3, failed: 0 })).toBe("cancelled");
    expect(outcomeDot({ status: "running", succeeded: 0, failed: 0 })).toBe("running");
  });

  it("keeps a sweep's targets and a prompt of several lines as the matrix file has them", () => {
    const swept = (quality: string): TargetSpec => ({
      modelId: GPT,
      n: 1,
      axes: [{ axis: "quality", value: quality }],
    });
    const input: BenchInput = {
      name: null,
      prompts: [
        { text: "a poster\nwith two lines", images: [] },
        { text: "a fox", images: [] },
      ],
      references: [],
      targets: [swept("low"), swept("high")],
      repeats: 2,
      concurrency: 1,
      warmup: 0,
      syncMode: "auto",
      aspectRatio: null,
      responseFormat: "b64_json",
      budget: null,
      ignoreBudget: false,
    };
    const f = formFromInput(input);
    expect(f.selected).toEqual({});
    expect(f.fileTargets.map(fileTargetLabel)).toEqual(["gpt-image-1.5 quality=low", "gpt-image-1.5 quality=high"]);
    expect(f.promptsText).toBe("a fox");
    expect(formProblems(f)).toEqual([]);
    const back = benchInput(f, []);
    expect(back.targets).toEqual(input.targets);
    expect(back.prompts.map((p) => p.text).sort()).toEqual(["a fox", "a poster\nwith two lines"]);
    expect(requestCount(f)).toBe(2 * 2 * 2);
    // One model listed twice is kept twice too.
    const twice = formFromInput({
      ...input,
      targets: [
        { modelId: NB_1K, n: 1 },
        { modelId: NB_1K, n: 4 },
      ],
    });
    expect(benchInput(twice, []).targets).toEqual([
      { modelId: NB_1K, n: 1 },
      { modelId: NB_1K, n: 4 },
    ]);
  });
});

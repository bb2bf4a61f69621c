import { describe, expect, it } from "vitest";
import {
  applyRunStarted,
  applyRunUpdated,
  cellCounts,
  cellStatus,
  historyStatus,
  removeSummary,
  summaryFromRun,
  upsertSummary,
} from "./runs";
import { credits, output, run, target } from "./fixtures.test-util";

describe("cellStatus", () => {
  it("shows queued and running as running", () => {
    expect(cellStatus(target(0, { status: "queued" }))).toBe("running");
    expect(cellStatus(target(0, { status: "running" }))).toBe("running");
    // An accepted task whose images have not come: neither running nor failed.
    expect(cellStatus(target(0, { status: "waiting" }))).toBe("waiting");
  });
  it("is done only when images are there", () => {
    expect(cellStatus(target(0, { status: "done", outputs: [output(0)] }))).toBe("done");
    expect(cellStatus(target(0, { status: "done", outputs: [] }))).toBe("failed");
    expect(cellStatus(target(0, { status: "partial", outputs: [output(0)] }))).toBe("done");
    expect(cellStatus(target(0, { status: "partial", outputs: [] }))).toBe("failed");
  });
  it("maps the rest", () => {
    expect(cellStatus(target(0, { status: "failed" }))).toBe("failed");
    expect(cellStatus(target(0, { status: "interrupted" }))).toBe("failed");
    expect(cellStatus(target(0, { status: "cancelled" }))).toBe("cancelled");
  });
  it("history shows queued as running", () => {
    expect(historyStatus("queued")).toBe("running");
    expect(historyStatus("partial")).toBe("partial");
  });
});

describe("summaryFromRun", () => {
  it("counts images and takes the first thumbnail", () => {
    const r = run("r1", {
      status: "done",
      cost: credits(8),
      targets: [
        target(0, { status: "failed" }),
        target(1, { modelId: "x-4k", status: "done", outputs: [output(0), output(1)] }),
      ],
    });
    const s = summaryFromRun(r);
    expect(s.images).toBe(2);
    expect(s.thumbUrl).toBe("pxb://localhost/thumb/sha0");
    expect(s.models).toEqual(["gemini-3.1-flash-image-preview", "x-4k"]);
    expect(s.cost.credits).toBe(8);
  });
  it("has no thumbnail before images", () => {
    expect(summaryFromRun(run("r")).thumbUrl).toBeNull();
  });
});

describe("history list", () => {
  const older = summaryFromRun(run("old", { createdAt: "2026-01-01T09:00:00Z" }));
  const newer = summaryFromRun(run("new", { createdAt: "2026-01-01T11:00:00Z" }));
  it("adds new runs newest first", () => {
    expect(upsertSummary([older], newer).map((r) => r.id)).toEqual(["new", "old"]);
    expect(upsertSummary([newer], older).map((r) => r.id)).toEqual(["new", "old"]);
  });
  it("replaces a run in place", () => {
    const done = { ...older, status: "done" as const };
    const l = upsertSummary([newer, older], done);
    expect(l).toHaveLength(2);
    expect(l[1].status).toBe("done");
  });
  it("removes", () => {
    expect(removeSummary([newer, older], "new").map((r) => r.id)).toEqual(["old"]);
  });
});

describe("applyRunUpdated / applyRunStarted", () => {
  it("an event replaces the run and its history row", () => {
    let st = applyRunUpdated({ runs: {}, history: [] }, run("r1"));
    const done = run("r1", { status: "done", targets: [target(0, { status: "done", outputs: [output(0)] })] });
    st = applyRunUpdated(st, done);
    expect(st.runs.r1.status).toBe("done");
    expect(st.history).toHaveLength(1);
    expect(st.history[0].images).toBe(1);
  });
  it("the answer of run_start does not overwrite a newer event", () => {
    const done = run("r1", { status: "done", targets: [target(0, { status: "done", outputs: [output(0)] })] });
    let st = applyRunUpdated({ runs: {}, history: [] }, done);
    st = applyRunStarted(st, run("r1"));
    expect(st.runs.r1.status).toBe("done");
  });
  it("run_start adds a run not seen yet", () => {
    const st = applyRunStarted({ runs: {}, history: [] }, run("r2"));
    expect(st.runs.r2.status).toBe("running");
    expect(st.history[0].id).toBe("r2");
  });
  it("does not mutate the previous state", () => {
    const st0 = { runs: {}, history: [] };
    applyRunUpdated(st0, run("r3"));
    expect(st0.runs).toEqual({});
  });
});

describe("run aggregates", () => {
  const r = run("r", {
    targets: [
      target(0, { status: "done", outputs: [output(0)], cost: credits(4) }),
      target(1, { status: "running", progress: 0.5 }),
      target(2, { status: "failed" }),
      target(3, { status: "queued" }),
    ],
  });
  it("counts cells", () => {
    expect(cellCounts(r)).toEqual({ running: 2, waiting: 0, done: 1, failed: 1, cancelled: 0 });
  });
});

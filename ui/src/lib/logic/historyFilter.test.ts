import { describe, expect, it } from "vitest";
import { applyHistoryFilter, hasStructured, NO_FILTERS, sinceFor, toHistoryFilter } from "./historyFilter";
import { summaryFromRun } from "./runs";
import { run, target } from "./fixtures.test-util";

const now = new Date(2026, 0, 10, 15, 30); // local time

const fox = summaryFromRun(
  run("1", { prompt: "a red fox", status: "done", createdAt: new Date(2026, 0, 10, 9).toISOString() }),
);
const owl = summaryFromRun(
  run("2", {
    prompt: "an owl",
    status: "failed",
    createdAt: new Date(2026, 0, 6, 9).toISOString(),
    targets: [target(0, { modelId: "gemini-3.1-flash-image-preview-4k" })],
  }),
);
const car = summaryFromRun(
  run("3", {
    prompt: "a red car",
    status: "queued",
    profileId: "p2",
    profileName: "Prod",
    createdAt: new Date(2025, 11, 1).toISOString(),
  }),
);
const all = [car, owl, fox]; // not in order on purpose

describe("sinceFor", () => {
  it("maps date ranges to RFC 3339 lower bounds", () => {
    expect(sinceFor("all", now)).toBeNull();
    expect(sinceFor("today", now)).toBe(new Date(2026, 0, 10).toISOString());
    expect(sinceFor("7d", now)).toBe(new Date(now.getTime() - 7 * 86_400_000).toISOString());
    expect(sinceFor("30d", now)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  });
});

describe("toHistoryFilter", () => {
  it("builds the IPC filter, empty text as null", () => {
    expect(toHistoryFilter({ ...NO_FILTERS, text: "  " }, now, 50)).toEqual({
      text: null,
      model: null,
      status: null,
      profileId: null,
      since: null,
      until: null,
      limit: 50,
    });
    const f = toHistoryFilter({ text: " fox ", model: "m", status: "done", profileId: "p", date: "today" }, now);
    expect(f).toMatchObject({ text: "fox", model: "m", status: "done", profileId: "p", limit: null });
    expect(f.since).toBe(new Date(2026, 0, 10).toISOString());
  });
  it("knows when structured filters are set", () => {
    expect(hasStructured(NO_FILTERS)).toBe(false);
    expect(hasStructured({ ...NO_FILTERS, text: "x" })).toBe(false);
    expect(hasStructured({ ...NO_FILTERS, date: "7d" })).toBe(true);
  });
});

describe("applyHistoryFilter", () => {
  const ids = (f: Parameters<typeof toHistoryFilter>[0]) =>
    applyHistoryFilter(all, toHistoryFilter(f, now), (id) =>
      id === "p2" ? "Prod" : id === "sandbox" ? "Sandbox" : null,
    ).map((r) => r.id);
  it("keeps everything newest first without filters", () => expect(ids(NO_FILTERS)).toEqual(["1", "2", "3"]));
  it("filters by model (exact id)", () => {
    expect(ids({ ...NO_FILTERS, model: "gemini-3.1-flash-image-preview-4k" })).toEqual(["2"]);
    expect(ids({ ...NO_FILTERS, model: "gemini-3.1-flash-image-preview" })).toEqual(["1", "3"]);
  });
  it("filters by status, queued counting as running", () => {
    expect(ids({ ...NO_FILTERS, status: "failed" })).toEqual(["2"]);
    expect(ids({ ...NO_FILTERS, status: "running" })).toEqual(["3"]);
  });
  it("filters by profile through its name", () => {
    expect(ids({ ...NO_FILTERS, profileId: "p2" })).toEqual(["3"]);
    expect(ids({ ...NO_FILTERS, profileId: "gone" })).toEqual([]);
  });
  it("filters by date", () => {
    expect(ids({ ...NO_FILTERS, date: "today" })).toEqual(["1"]);
    expect(ids({ ...NO_FILTERS, date: "7d" })).toEqual(["1", "2"]);
  });
  it("combines with the text filter", () => {
    expect(ids({ ...NO_FILTERS, text: "red", date: "30d" })).toEqual(["1"]);
  });
  it("honours the limit", () => {
    expect(applyHistoryFilter(all, toHistoryFilter(NO_FILTERS, now, 1)).map((r) => r.id)).toEqual(["1"]);
  });
});

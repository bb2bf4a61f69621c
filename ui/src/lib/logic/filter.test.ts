import { describe, expect, it } from "vitest";
import { filterHistory, tokenize } from "./filter";
import { summaryFromRun } from "./runs";
import { run, target } from "./fixtures.test-util";

const fox = summaryFromRun(run("1", { prompt: "A red fox in the snow", status: "done" }));
const owl = summaryFromRun(
  run("2", {
    prompt: "an owl at night",
    status: "failed",
    targets: [target(0, { modelId: "gemini-3.1-flash-image-preview-4k" })],
  }),
);
const live = summaryFromRun(run("3", { prompt: "red car", profileName: "Prod", simulated: false, kind: "edit" }));
const all = [fox, owl, live];

describe("tokenize", () => {
  it("splits words and keeps quoted phrases", () => {
    expect(tokenize(' Red  "in the snow" ')).toEqual(["red", "in the snow"]);
    expect(tokenize("")).toEqual([]);
  });
});

describe("filterHistory", () => {
  it("keeps everything for an empty filter", () => {
    expect(filterHistory(all, "  ")).toBe(all);
  });
  it("matches the prompt, case-insensitively, every word", () => {
    expect(filterHistory(all, "RED").map((r) => r.id)).toEqual(["1", "3"]);
    expect(filterHistory(all, "red fox").map((r) => r.id)).toEqual(["1"]);
    expect(filterHistory(all, '"fox in"').map((r) => r.id)).toEqual(["1"]);
  });
  it("matches models, status, profile and mode", () => {
    expect(filterHistory(all, "4k").map((r) => r.id)).toEqual(["2"]);
    expect(filterHistory(all, "status:failed").map((r) => r.id)).toEqual(["2"]);
    expect(filterHistory(all, "model:4k").map((r) => r.id)).toEqual(["2"]);
    expect(filterHistory(all, "prod").map((r) => r.id)).toEqual(["3"]);
    expect(filterHistory(all, "edit").map((r) => r.id)).toEqual(["3"]);
    expect(filterHistory(all, "live").map((r) => r.id)).toEqual(["3"]);
  });
  // Speed is measured by `make bench` (benches/history.rs), not asserted here: a timed
  // test fails under load. This checks the result on 10,000 runs.
  it("filters 10,000 runs exactly", () => {
    const many = Array.from({ length: 10_000 }, (_, i) => ({ ...fox, id: String(i), prompt: `prompt number ${i}` }));
    const out = filterHistory(many, "number 99");
    // Every word must match: the prompts whose number contains "99".
    const expected = many.filter((r) => r.prompt.slice("prompt number ".length).includes("99"));
    expect(out.map((r) => r.id)).toEqual(expected.map((r) => r.id));
    expect(out.length).toBe(280);
  });
});

import { describe, expect, it } from "vitest";
import { activeParent, buildRequest, composerFromRun, initialComposer } from "./composer";
import {
  comparePair,
  composerFromDraft,
  diffSummary,
  lineageRows,
  outputAt,
  parentLabel,
  promptDiff,
  shortId,
  togglePick,
} from "./lineage";
import { CATALOG, credits, output, run, target } from "./fixtures.test-util";
import { upsertSummary, summaryFromRun } from "./runs";
import type { Lineage, LineageNode, ReferenceView, RunDraft, RunSummary } from "../types";

const REF: ReferenceView = {
  sha256: "out-sha",
  name: "run-0193a4f2-1-2.png",
  mime: "image/png",
  width: 1024,
  height: 1024,
  bytes: 900_000,
  thumbUrl: "pxb://localhost/thumb/out-sha",
  originalBytes: null,
  originalWidth: null,
  originalHeight: null,
  note: null,
};
const FROM = { runId: "0193a4f2-7c1d-7000-8000-000000000001", targetIdx: 0, outputIdx: 1 };

function draft(over: Partial<RunDraft["request"]> = {}): RunDraft {
  return {
    request: {
      prompt: "a fox in snow",
      targets: [{ modelId: "gemini-3.1-flash-image-preview-2k", n: 2 }],
      aspectRatio: "16:9",
      mode: "sync",
      responseFormat: "b64_json",
      images: [REF.sha256],
      fields: { quality: "high" },
      sweep: [],
      vars: [],
      parent: FROM,
      ...over,
    },
    references: [REF],
  };
}

describe("composerFromDraft", () => {
  it("loads an edit from an output, and the spec built from it names the parent", () => {
    const s = composerFromDraft(draft(), CATALOG, { ...initialComposer(CATALOG), prompt: "old" });
    expect(s.mode).toBe("edit");
    expect(s.prompt).toBe("a fox in snow");
    expect(s.selected).toEqual({ "gemini-3.1-flash-image-preview-2k": 2 });
    expect(s.references).toEqual([REF]);
    expect(s.parent).toEqual({ ref: FROM, sha256: "out-sha" });
    const spec = buildRequest(s, CATALOG);
    expect(spec.parent).toEqual(FROM);
    expect(spec.images).toEqual(["out-sha"]);
    expect(spec.aspectRatio).toBe("16:9");
    expect(spec.responseFormat).toBe("b64_json");
  });

  it("drops the parent once its reference is removed or the mode is Generate", () => {
    const s = composerFromDraft(draft(), CATALOG, initialComposer(CATALOG));
    expect(activeParent({ ...s, references: [] })).toBeNull();
    expect(buildRequest({ ...s, mode: "generate" }, CATALOG).parent).toBeUndefined();
    expect("parent" in buildRequest({ ...s, references: [{ ...REF, sha256: "other" }] }, CATALOG)).toBe(false);
  });

  it("keeps the selection when no target of the draft is in the catalog", () => {
    const prev = initialComposer(CATALOG);
    const s = composerFromDraft(draft({ targets: [{ modelId: "retired-model", n: 1 }] }), CATALOG, prev);
    expect(s.selected).toEqual(prev.selected);
  });

  it("a plain draft (no parent) carries none, and a past run's parent survives a re-run", () => {
    const s = composerFromDraft(draft({ parent: undefined }), CATALOG, initialComposer(CATALOG));
    expect(s.parent).toBeNull();
    const r = run("r2", { references: [REF], parent: FROM });
    const again = composerFromRun(r, CATALOG, s);
    expect(buildRequest(again, CATALOG).parent).toEqual(FROM);
    expect(composerFromRun(run("r3"), CATALOG, again).parent).toBeNull();
  });
});

describe("promptDiff", () => {
  it("marks words added and removed, keeps the rest, in reading order", () => {
    const parts = promptDiff("a red fox in snow", "a red fox in deep snow at night");
    expect(parts.map((p) => p.kind)).toEqual(["same", "added", "same", "added"]);
    expect(parts.filter((p) => p.kind === "added").map((p) => p.text.trim())).toEqual(["deep", "at night"]);
    expect(parts.map((p) => (p.kind === "removed" ? "" : p.text)).join("")).toBe("a red fox in deep snow at night");
    expect(diffSummary(parts)).toBe("+3 words");
  });

  it("a replaced word is one removal and one insertion", () => {
    const parts = promptDiff("a lighthouse at dawn", "a lighthouse at dusk");
    expect(parts.filter((p) => p.kind === "removed").map((p) => p.text)).toEqual(["dawn"]);
    expect(parts.filter((p) => p.kind === "added").map((p) => p.text)).toEqual(["dusk"]);
    // The old prompt is the kept and removed parts.
    expect(parts.map((p) => (p.kind === "added" ? "" : p.text)).join("")).toBe("a lighthouse at dawn");
    expect(diffSummary(parts)).toBe("+1 word, −1 word");
  });

  it("the same prompt has no change", () => {
    expect(diffSummary(promptDiff("same words", "same words"))).toBe("Same prompt");
    expect(promptDiff("", "")).toEqual([]);
  });
});

function summary(id: string, over: Partial<RunSummary> = {}): RunSummary {
  return {
    id,
    createdAt: "2026-01-01T10:00:00Z",
    prompt: id,
    kind: "edit",
    status: "done",
    models: ["m"],
    profileName: "Sandbox",
    simulated: true,
    cost: credits(4),
    images: 1,
    thumbUrl: null,
    ...over,
  };
}

function node(
  id: string,
  depth: number,
  relation: LineageNode["relation"],
  from: LineageNode["from"] = null,
): LineageNode {
  return { run: summary(id, { kind: from ? "edit" : "generate" }), depth, relation, from, fromThumbUrl: null };
}

describe("lineageRows", () => {
  it("indents by depth and says which image each edit came from", () => {
    const l: Lineage = {
      runId: "b",
      nodes: [
        node("a", 0, "ancestor"),
        node("b", 1, "current", { runId: "a", targetIdx: 0, outputIdx: 1 }),
        node("c", 2, "descendant", { runId: "b", targetIdx: 1, outputIdx: 0 }),
      ],
      deletedAncestor: null,
      truncated: false,
    };
    expect(lineageRows(l).map((r) => [r.indent, r.caption])).toEqual([
      [0, "first run"],
      [1, "edit of image 2"],
      [2, "edit of image 1 (target 2)"],
    ]);
    expect(comparePair(l, "c", "a")).toEqual(["a", "c"]);
  });

  it("a root whose parent was deleted says so", () => {
    const l: Lineage = {
      runId: "c",
      nodes: [{ ...node("c", 0, "current"), from: null }],
      deletedAncestor: "b",
      truncated: false,
    };
    expect(lineageRows(l)[0].caption).toBe("edit of a deleted run");
  });
});

describe("small helpers", () => {
  it("togglePick keeps at most two, a third replacing the older", () => {
    expect(togglePick([], "a")).toEqual(["a"]);
    expect(togglePick(["a", "b"], "c")).toEqual(["b", "c"]);
    expect(togglePick(["a", "b"], "a")).toEqual(["b"]);
  });

  it("labels name the run by its last 8 characters (a v7 id begins with its time)", () => {
    expect(shortId(FROM.runId)).toBe("00000001");
    expect(parentLabel(FROM)).toBe("from run 00000001 · image 2");
    expect(parentLabel({ ...FROM, targetIdx: 2 }, 3)).toBe("from run 00000001 · target 3 · image 2");
    // With its prompt known, the parent is named by it (cut to 40 characters).
    expect(parentLabel(FROM, 1, "a lighthouse at dawn")).toBe("from “a lighthouse at dawn” · image 2");
    expect(parentLabel(FROM, 1, "an isometric cozy bookshop interior, warm light and rain")).toBe(
      "from “an isometric cozy bookshop interior, wa…” · image 2",
    );
  });

  it("outputAt reads the cell and slot of an element", () => {
    // A minimal element tree (the tests run without a DOM): closest() by data-testid.
    type Fake = { attrs: Record<string, string>; parent: Fake | null };
    const el = (attrs: Record<string, string>, parent: Fake | null): Fake => ({ attrs, parent });
    const asElement = (f: Fake): Element =>
      ({
        getAttribute: (k: string) => f.attrs[k] ?? null,
        closest: (sel: string) => {
          const id = /data-testid="([^"]+)"/.exec(sel)?.[1];
          for (let x: Fake | null = f; x; x = x.parent) if (x.attrs["data-testid"] === id) return asElement(x);
          return null;
        },
      }) as unknown as Element;
    const cell = el({ "data-testid": "result-cell", "data-target": "2" }, null);
    const slot = el({ "data-testid": "result-slot", "data-output": "3" }, cell);
    const inner = el({}, slot);
    expect(outputAt(asElement(inner), "r")).toEqual({ runId: "r", targetIdx: 2, outputIdx: 3 });
    expect(outputAt(asElement(cell), "r")).toBeNull();
    expect(outputAt(null, "r")).toBeNull();
  });
});

describe("history rows of a lineage", () => {
  it("a new edit from an output counts as a child of its run, and updates keep the count", () => {
    const first = summary("a", { children: 1 });
    const child = summaryFromRun(
      run("b", { parent: { runId: "a", targetIdx: 0, outputIdx: 0 }, targets: [target(0, { outputs: [output(0)] })] }),
    );
    expect(child.parentRunId).toBe("a");
    let list = upsertSummary([first], child);
    expect(list.find((r) => r.id === "a")?.children).toBe(2);
    // A live update of the first run (no count in a RunView) keeps the count.
    list = upsertSummary(list, summaryFromRun(run("a")));
    expect(list.find((r) => r.id === "a")?.children).toBe(2);
    // The same child again is an update, not a second child.
    list = upsertSummary(list, child);
    expect(list.find((r) => r.id === "a")?.children).toBe(2);
    expect("parentRunId" in summaryFromRun(run("c"))).toBe(false);
  });
});

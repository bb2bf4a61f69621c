import { describe, expect, it } from "vitest";
import {
  canMove,
  COLUMNS_KEY,
  loadColumns,
  saveColumns,
  hideColumn,
  moveColumn,
  normalizeColumns,
  orderedOutputs,
  pickLabel,
  rowCount,
  rowWinner,
  showAllColumns,
  togglePick,
  validPicks,
  visibleColumns,
  winnerChanges,
} from "./compare";
import { output, run, target } from "./fixtures.test-util";

const rated = (idx: number, rating: number | null) => ({ ...output(idx), rating });

describe("columns", () => {
  it("follow the run's targets", () => {
    expect(normalizeColumns(undefined, [0, 1, 2])).toEqual({ order: [0, 1, 2], hidden: [] });
    expect(normalizeColumns({ order: [2, 0, 7], hidden: [7, 0] }, [0, 1, 2])).toEqual({
      order: [2, 0, 1],
      hidden: [0],
    });
  });
  it("never hide every column", () => {
    expect(normalizeColumns({ order: [0], hidden: [0] }, [0])).toEqual({ order: [0], hidden: [] });
    const c = hideColumn(hideColumn({ order: [0, 1], hidden: [] }, 0), 1);
    expect(visibleColumns(c)).toEqual([1]);
  });
  it("move left and right among the visible ones", () => {
    const c = { order: [0, 1, 2, 3], hidden: [1] };
    expect(moveColumn(c, 2, -1).order).toEqual([2, 1, 0, 3]);
    expect(visibleColumns(moveColumn(c, 2, -1))).toEqual([2, 0, 3]);
    expect(moveColumn(c, 0, 1).order).toEqual([2, 1, 0, 3]);
    expect(moveColumn(c, 0, -1)).toBe(c);
    expect(moveColumn(c, 3, 1)).toBe(c);
    expect(canMove(c, 0, -1)).toBe(false);
    expect(canMove(c, 0, 1)).toBe(true);
    expect(canMove(c, 1, 1)).toBe(false);
  });
  it("hide and come back", () => {
    let c = { order: [0, 1, 2], hidden: [] as number[] };
    c = hideColumn(c, 1);
    c = hideColumn(c, 2);
    expect(visibleColumns(c)).toEqual([0]);
    expect(visibleColumns(showAllColumns(c))).toEqual([0, 1, 2]);
  });
});

describe("two-up picks", () => {
  it("pick A then B and drop the oldest on a third", () => {
    let p = togglePick([], { targetIdx: 0, outputIdx: 0 });
    p = togglePick(p, { targetIdx: 2, outputIdx: 0 });
    expect(pickLabel(p, { targetIdx: 0, outputIdx: 0 })).toBe("A");
    expect(pickLabel(p, { targetIdx: 2, outputIdx: 0 })).toBe("B");
    p = togglePick(p, { targetIdx: 3, outputIdx: 0 });
    expect(p).toEqual([
      { targetIdx: 2, outputIdx: 0 },
      { targetIdx: 3, outputIdx: 0 },
    ]);
    p = togglePick(p, { targetIdx: 2, outputIdx: 0 });
    expect(p).toEqual([{ targetIdx: 3, outputIdx: 0 }]);
    expect(pickLabel(p, { targetIdx: 1, outputIdx: 0 })).toBeNull();
  });
  it("only keep picks that are images of the run", () => {
    const r = run("r", { targets: [target(0, { outputs: [output(0)] }), target(1)] });
    expect(
      validPicks(r, [
        { targetIdx: 0, outputIdx: 0 },
        { targetIdx: 1, outputIdx: 0 },
        { targetIdx: 0, outputIdx: 1 },
      ]),
    ).toEqual([{ targetIdx: 0, outputIdx: 0 }]);
    expect(validPicks(null, [{ targetIdx: 0, outputIdx: 0 }])).toEqual([]);
  });
});

describe("winners", () => {
  const r = run("r", {
    targets: [
      target(0, { status: "done", outputs: [rated(0, 5), rated(1, 3)] }),
      target(1, { status: "done", outputs: [rated(0, 4), rated(1, 5)] }),
      target(2, { status: "done", outputs: [rated(0, null)] }),
    ],
  });
  it("is the only 5 of its row", () => {
    expect(rowWinner(r, [0, 1, 2], 0)).toBe(0);
    expect(rowWinner(r, [0, 1, 2], 1)).toBe(1);
    expect(rowWinner(r, [1, 2], 0)).toBeNull();
  });
  it("is nobody with two 5s or a single image", () => {
    const two = run("r", { targets: [target(0, { outputs: [rated(0, 5)] }), target(1, { outputs: [rated(0, 5)] })] });
    expect(rowWinner(two, [0, 1], 0)).toBeNull();
    const one = run("r", { targets: [target(0, { outputs: [rated(0, 5)] })] });
    expect(rowWinner(one, [0], 0)).toBeNull();
  });
  it("picking a winner lowers the previous one", () => {
    expect(winnerChanges(r, [0, 1, 2], 2, 0)).toEqual([
      { targetIdx: 0, outputIdx: 0, rating: 4 },
      { targetIdx: 2, outputIdx: 0, rating: 5 },
    ]);
  });
  it("picking the winner again unpicks it", () => {
    expect(winnerChanges(r, [0, 1, 2], 0, 0)).toEqual([{ targetIdx: 0, outputIdx: 0, rating: null }]);
    expect(winnerChanges(r, [0, 1, 2], 5, 0)).toEqual([]);
  });
});

describe("ordering", () => {
  it("lists images column by column in display order", () => {
    const r = run("r", {
      targets: [target(0, { outputs: [output(0), output(1)] }), target(1, { outputs: [output(0)] })],
    });
    expect(orderedOutputs(r, [1, 0]).map((x) => [x.target.idx, x.outputIdx])).toEqual([
      [1, 0],
      [0, 0],
      [0, 1],
    ]);
  });
  it("counts rows, reserving those still expected", () => {
    expect(
      rowCount([target(0, { status: "running", n: 3 }), target(1, { status: "done", outputs: [output(0)] })]),
    ).toBe(3);
    expect(rowCount([target(0, { status: "failed" })])).toBe(1);
  });
});

describe("remembered columns", () => {
  function memory(initial: Record<string, string> = {}) {
    const m = new Map(Object.entries(initial));
    return { getItem: (k: string) => m.get(k) ?? null, setItem: (k: string, v: string) => void m.set(k, v), m };
  }

  it("round-trips layouts through storage", () => {
    const s = memory();
    saveColumns(s, { r1: { order: [2, 0, 1], hidden: [1] } }, "r1");
    expect(loadColumns(s)).toEqual({ r1: { order: [2, 0, 1], hidden: [1] } });
  });

  it("keeps only the most recently changed runs", () => {
    const s = memory();
    let all: Record<string, { order: number[]; hidden: number[] }> = {};
    for (const id of ["a", "b", "c"]) all = saveColumns(s, { ...all, [id]: { order: [1, 0], hidden: [] } }, id, 2);
    expect(Object.keys(loadColumns(s))).toEqual(["b", "c"]);
    // changing "b" again makes it the newest: "c" is the one dropped next
    all = saveColumns(s, { ...all, b: { order: [0, 1], hidden: [] } }, "b", 2);
    all = saveColumns(s, { ...all, d: { order: [0], hidden: [] } }, "d", 2);
    expect(Object.keys(loadColumns(s))).toEqual(["b", "d"]);
  });

  it("ignores damaged or foreign data", () => {
    expect(loadColumns(memory({ [COLUMNS_KEY]: "not json" }))).toEqual({});
    expect(loadColumns(memory({ [COLUMNS_KEY]: "[1,2]" }))).toEqual({});
    expect(
      loadColumns(memory({ [COLUMNS_KEY]: '{"a":{"order":["x"],"hidden":[]},"b":{"order":[0],"hidden":[]}}' })),
    ).toEqual({ b: { order: [0], hidden: [] } });
    expect(loadColumns(null)).toEqual({});
  });

  it("survives a storage that refuses writes", () => {
    const s = {
      getItem: () => null,
      setItem: () => {
        throw new Error("quota");
      },
    };
    expect(saveColumns(s, { r: { order: [0], hidden: [] } }, "r")).toEqual({ r: { order: [0], hidden: [] } });
  });
});

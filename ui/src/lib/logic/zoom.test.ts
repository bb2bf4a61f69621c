import { describe, expect, it } from "vitest";
import {
  actualZoom,
  cellView,
  clampView,
  FIT,
  MAX_ZOOM,
  needsFull,
  panBy,
  rectKey,
  transformFor,
  viewRect,
  zoomAt,
  zoomLabel,
} from "./zoom";

const close = (a: number, b: number) => expect(a).toBeCloseTo(b, 6);

describe("viewRect", () => {
  it("is the whole picture at fit", () => {
    expect(viewRect(FIT)).toEqual({ x: 0, y: 0, w: 1, h: 1 });
  });
  it("is a quarter of the picture at 2x around the centre", () => {
    expect(viewRect({ cx: 0.5, cy: 0.5, z: 2 })).toEqual({ x: 0.25, y: 0.25, w: 0.5, h: 0.5 });
  });
  it("gives a stable key", () => {
    expect(rectKey(viewRect({ cx: 0.5, cy: 0.5, z: 3 }))).toBe("0.3333,0.3333,0.3333,0.3333");
  });
});

describe("clampView", () => {
  it("keeps the zoom between fit and the maximum", () => {
    expect(clampView({ cx: 0.5, cy: 0.5, z: 0.2 }).z).toBe(1);
    expect(clampView({ cx: 0.5, cy: 0.5, z: 1000 }).z).toBe(MAX_ZOOM);
    expect(clampView({ cx: 0.5, cy: 0.5, z: NaN }).z).toBe(1);
  });
  it("keeps the visible rectangle inside the picture", () => {
    const v = clampView({ cx: 0.95, cy: -1, z: 4 });
    close(v.cx, 1 - 0.125);
    close(v.cy, 0.125);
    const r = viewRect(v);
    expect(r.x + r.w).toBeLessThanOrEqual(1 + 1e-9);
    expect(r.y).toBeGreaterThanOrEqual(-1e-9);
  });
  it("centres a view wider than the picture (1:1 of a small image)", () => {
    const v = clampView({ cx: 0.1, cy: 0.9, z: 0.5 }, 0.5);
    expect(v).toEqual({ cx: 0.5, cy: 0.5, z: 0.5 });
  });
});

describe("zoomAt", () => {
  it("zooms around the centre by default", () => {
    expect(zoomAt(FIT, 2)).toEqual({ cx: 0.5, cy: 0.5, z: 2 });
  });
  it("keeps the point under the pointer in place", () => {
    const v = zoomAt(FIT, 2, 0.75, 0.25);
    const r = viewRect(v);
    // the picture point (0.75, 0.25) is still at 75 % / 25 % of the box
    close(r.x + 0.75 * r.w, 0.75);
    close(r.y + 0.25 * r.h, 0.25);
    expect(v.z).toBe(2);
  });
  it("keeps the pointed point when zooming out, within the picture", () => {
    const a = zoomAt(FIT, 8, 0.9, 0.9);
    const b = zoomAt(a, 0.5, 0.3, 0.3);
    const ra = viewRect(a);
    const rb = viewRect(b);
    close(ra.x + 0.3 * ra.w, rb.x + 0.3 * rb.w);
    expect(b.z).toBe(4);
  });
  it("never zooms out past fit", () => {
    expect(zoomAt({ cx: 0.3, cy: 0.3, z: 2 }, 0.1, 0.1, 0.9)).toEqual(FIT);
  });
});

describe("panBy", () => {
  it("moves the centre against the drag, scaled by the zoom", () => {
    const v = panBy({ cx: 0.5, cy: 0.5, z: 4 }, 0.2, -0.1);
    close(v.cx, 0.45);
    close(v.cy, 0.525);
    expect(v.z).toBe(4);
  });
  it("stops at the edges", () => {
    const v = panBy({ cx: 0.5, cy: 0.5, z: 2 }, 5, 5);
    close(v.cx, 0.25);
    close(v.cy, 0.25);
  });
  it("does nothing at fit", () => {
    expect(panBy(FIT, 0.3, 0.3)).toEqual(FIT);
  });
  it("uses the dragged box's own zoom in the 1:1 view", () => {
    const v = panBy({ cx: 0.5, cy: 0.5, z: 1 }, 0.1, 0, 10);
    close(v.cx, 0.49);
    expect(v.z).toBe(1);
  });
});

describe("1:1", () => {
  it("is the image width over the box width in device pixels", () => {
    expect(actualZoom(4096, 512)).toBe(8);
    expect(actualZoom(4096, 512, 2)).toBe(4);
    expect(actualZoom(512, 512)).toBe(1);
    expect(actualZoom(512, 1024)).toBe(0.5);
    expect(actualZoom(0, 100)).toBe(1);
  });
  it("gives each cell its own zoom around the shared centre", () => {
    const shared = { cx: 0.6, cy: 0.4, z: 3 };
    const big = cellView(shared, "actual", 4096, 400);
    const small = cellView(shared, "actual", 512, 400);
    close(big.z, 10.24);
    close(small.z, 1.28);
    close(big.cx, 0.6);
    // the small image's centre is clamped to its own (larger) visible span
    close(small.cx, 0.6);
    const tiny = cellView(shared, "actual", 512, 1024);
    expect(tiny).toEqual({ cx: 0.5, cy: 0.5, z: 0.5 });
  });
  it("shows the shared view in zoom mode and the whole picture at fit", () => {
    expect(cellView({ cx: 0.3, cy: 0.3, z: 2 }, "zoom", 512, 400)).toEqual({ cx: 0.3, cy: 0.3, z: 2 });
    expect(cellView({ cx: 0.3, cy: 0.3, z: 2 }, "fit", 512, 400)).toEqual(FIT);
  });
});

describe("transformFor", () => {
  it("is the identity at fit", () => {
    expect(transformFor(FIT)).toBe("translate(0%, 0%) scale(1)");
  });
  it("moves the rectangle's corner to the box's corner", () => {
    expect(transformFor({ cx: 0.5, cy: 0.5, z: 2 })).toBe("translate(-50%, -50%) scale(2)");
    expect(transformFor({ cx: 0.75, cy: 0.25, z: 2 })).toBe("translate(-100%, 0%) scale(2)");
  });
  it("centres an image smaller than its box", () => {
    expect(transformFor({ cx: 0.5, cy: 0.5, z: 0.5 })).toBe("translate(25%, 25%) scale(0.5)");
  });
});

describe("needsFull and labels", () => {
  it("loads full size only when zoomed in or at 1:1", () => {
    expect(needsFull("fit", FIT)).toBe(false);
    expect(needsFull("zoom", FIT)).toBe(false);
    expect(needsFull("zoom", { cx: 0.5, cy: 0.5, z: 1.5 })).toBe(true);
    expect(needsFull("actual", FIT)).toBe(true);
  });
  it("labels the zoom", () => {
    expect(zoomLabel("fit", FIT)).toBe("Fit");
    expect(zoomLabel("actual", FIT)).toBe("1:1");
    expect(zoomLabel("zoom", { cx: 0.5, cy: 0.5, z: 2.25 })).toBe("225%");
  });
});

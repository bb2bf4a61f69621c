// Synced zoom and pan of the comparison grid, in normalised image coordinates (0..1 on
// each axis of the picture), so a 512 px and a 4096 px image of the same picture show
// the same region. Pure functions; the grid keeps one shared `View` and each cell turns
// it into a CSS transform of its own image box.

/** The shared view: the normalised point at the box's centre and the zoom (1 = fit). */
export interface View {
  cx: number;
  cy: number;
  z: number;
}

/** A normalised rectangle of the picture (x, y of its top-left corner; w, h its size). */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** "fit": the whole picture; "zoom": the shared zoom; "actual": 1 image px = 1 screen px in every cell. */
export type ZoomMode = "fit" | "zoom" | "actual";

export const FIT: View = Object.freeze({ cx: 0.5, cy: 0.5, z: 1 });
export const MIN_ZOOM = 1;
export const MAX_ZOOM = 64;
/** One step of the +/- buttons and keys. */
export const STEP = 1.5;

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

/** One axis: a centre that keeps the visible span inside 0..1 (or centred when it is wider). */
function clampAxis(c: number, z: number): number {
  if (!Number.isFinite(c)) return 0.5;
  const half = 0.5 / z;
  if (half >= 0.5) return 0.5;
  return clamp(c, half, 1 - half);
}

/**
 * The view made valid: zoom within [minZoom, MAX_ZOOM] and the centre such that the
 * visible rectangle stays inside the picture (a view wider than the picture is centred).
 * `minZoom` is below 1 only for the 1:1 view of an image smaller than its box.
 */
export function clampView(v: View, minZoom = MIN_ZOOM): View {
  const z = clamp(Number.isFinite(v.z) && v.z > 0 ? v.z : 1, Math.min(minZoom, MIN_ZOOM), MAX_ZOOM);
  return { cx: clampAxis(v.cx, z), cy: clampAxis(v.cy, z), z };
}

/** The normalised rectangle of the picture a view shows. */
export function viewRect(v: View): Rect {
  const w = 1 / v.z;
  return { x: v.cx - w / 2, y: v.cy - w / 2, w, h: w };
}

/** "x,y,w,h" with 4 decimals, for a data attribute (equal views give equal strings). */
export function rectKey(r: Rect): string {
  const f = (n: number) => (Math.round(n * 10_000) / 10_000).toString();
  return `${f(r.x)},${f(r.y)},${f(r.w)},${f(r.h)}`;
}

/**
 * Zooms by `factor` keeping the picture point under (px, py) where it is; px, py are
 * fractions of the box (0..1, 0.5 = centre).
 */
export function zoomAt(v: View, factor: number, px = 0.5, py = 0.5): View {
  const r = viewRect(v);
  const ix = r.x + px * r.w;
  const iy = r.y + py * r.h;
  const z = clamp(v.z * factor, MIN_ZOOM, MAX_ZOOM);
  const w = 1 / z;
  return clampView({ cx: ix - px * w + w / 2, cy: iy - py * w + w / 2, z });
}

/**
 * Pans by a drag of (dx, dy) box fractions (dragging right shows more of the left side).
 * `z` is the zoom of the box dragged in (in the 1:1 view each box has its own).
 */
export function panBy(v: View, dx: number, dy: number, z = v.z): View {
  const moved = { cx: v.cx - dx / z, cy: v.cy - dy / z, z };
  const c = clampView(moved, z);
  return { cx: c.cx, cy: c.cy, z: v.z };
}

/**
 * The zoom at which one image pixel is one device pixel, in a box `boxWidth` CSS px wide
 * showing the whole image width at zoom 1 (the box keeps the image's ratio).
 */
export function actualZoom(imageWidth: number, boxWidth: number, dpr = 1): number {
  if (!(imageWidth > 0) || !(boxWidth > 0)) return 1;
  return imageWidth / (boxWidth * (dpr > 0 ? dpr : 1));
}

/** The view a cell shows: the shared one, or in "actual" mode the shared centre at its own 1:1 zoom. */
export function cellView(shared: View, mode: ZoomMode, imageWidth: number, boxWidth: number, dpr = 1): View {
  if (mode === "fit") return { ...FIT };
  if (mode === "actual") {
    const z = Math.min(MAX_ZOOM, actualZoom(imageWidth, boxWidth, dpr));
    return clampView({ cx: shared.cx, cy: shared.cy, z }, z);
  }
  return clampView(shared);
}

/**
 * The CSS transform of an image filling its box (transform-origin 0 0) that shows `v`:
 * the rectangle's top-left at the box's top-left, scaled by the zoom.
 */
export function transformFor(v: View): string {
  const r = viewRect(v);
  const pct = (n: number) => `${Math.round(n * 1e6) / 1e4}%`;
  return `translate(${pct(-r.x * v.z)}, ${pct(-r.y * v.z)}) scale(${Math.round(v.z * 1e4) / 1e4})`;
}

/** True when a cell must show the full-size image (zoomed in, or 1:1): the grid never loads it at fit. */
export function needsFull(mode: ZoomMode, v: View): boolean {
  return mode === "actual" || (mode === "zoom" && v.z > 1.0001);
}

/** What the zoom control says: "Fit", "250%", "1:1". */
export function zoomLabel(mode: ZoomMode, v: View): string {
  if (mode === "fit") return "Fit";
  if (mode === "actual") return "1:1";
  return `${Math.round(v.z * 100)}%`;
}

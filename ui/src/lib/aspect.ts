// Aspect ratios and the boxes result cells reserve before an image loads.
import type { CatalogEntry } from "./types";

/** "16:9" -> [16, 9]; null or malformed -> [1, 1]. */
export function parseRatio(ratio: string | null | undefined): [number, number] {
  if (!ratio) return [1, 1];
  const m = /^\s*(\d+(?:\.\d+)?)\s*[:x×/]\s*(\d+(?:\.\d+)?)\s*$/.exec(ratio);
  if (!m) return [1, 1];
  const w = Number(m[1]);
  const h = Number(m[2]);
  if (!(w > 0 && h > 0)) return [1, 1];
  return [w, h];
}

/** The size an image of this long edge and ratio should have (the long edge is exact). */
export function expectedSize(longEdge: number, ratio: string | null | undefined): { width: number; height: number } {
  const [w, h] = parseRatio(ratio);
  if (w >= h) return { width: longEdge, height: Math.max(1, Math.round((longEdge * h) / w)) };
  return { width: Math.max(1, Math.round((longEdge * w) / h)), height: longEdge };
}

/**
 * The CSS `aspect-ratio` of a cell's image box. Uses the true size once known so the
 * box never jumps; before that the requested ratio.
 */
export function boxAspect(
  ratio: string | null | undefined,
  actual?: { width: number; height: number } | null,
): string {
  if (actual && actual.width > 0 && actual.height > 0) return `${actual.width} / ${actual.height}`;
  const [w, h] = parseRatio(ratio);
  return `${w} / ${h}`;
}

/**
 * The box that fits an image of ratio w:h inside `maxW` x `maxH`, keeping the ratio
 * (for the full-size viewer's "fit" mode).
 */
export function fitBox(w: number, h: number, maxW: number, maxH: number): { width: number; height: number } {
  if (w <= 0 || h <= 0 || maxW <= 0 || maxH <= 0) return { width: 0, height: 0 };
  const scale = Math.min(maxW / w, maxH / h, 1);
  return { width: Math.round(w * scale), height: Math.round(h * scale) };
}

/**
 * The ratios every selected target accepts, in the order of the first one.
 * With no target selected, the ratios of the whole catalog's first entry.
 */
export function commonAspectRatios(entries: CatalogEntry[]): string[] {
  if (entries.length === 0) return [];
  const [first, ...rest] = entries;
  return first.aspectRatios.filter((r) => rest.every((e) => e.aspectRatios.includes(r)));
}

/**
 * Columns of the comparison grid: every target side by side when each gets at least
 * `minCell` px, else balanced rows (4 -> 2 x 2 rather than 3 + 1), never fewer than 1.
 */
export function gridColumns(targets: number, width: number, minCell = 200, gap = 12): number {
  if (targets <= 1) return 1;
  const fit = Math.max(1, Math.floor((width + gap) / (minCell + gap)));
  if (fit >= targets) return targets;
  const rows = Math.ceil(targets / fit);
  return Math.max(1, Math.ceil(targets / rows));
}

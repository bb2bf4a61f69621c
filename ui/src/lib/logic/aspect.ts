// Aspect ratios and the boxes result cells reserve before an image loads.
import type { CatalogEntry, SizeOption } from "../types";

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

/** The `size` an entry sends for a ratio (null: the model's default, 1:1), if it has one. */
export function sizeOption(
  entry: Pick<CatalogEntry, "sizes">,
  ratio: string | null | undefined,
): SizeOption | undefined {
  const r = ratio ?? "1:1";
  return entry.sizes.find((s) => s.aspectRatio === r);
}

/**
 * The CSS `aspect-ratio` of a cell's image box. Uses the true size once known so the
 * box never jumps; before that the requested ratio.
 */
export function boxAspect(ratio: string | null | undefined, actual?: { width: number; height: number } | null): string {
  if (actual && actual.width > 0 && actual.height > 0) return `${actual.width} / ${actual.height}`;
  const [w, h] = parseRatio(ratio);
  return `${w} / ${h}`;
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

export interface GridInput {
  /** Number of cells (targets). */
  n: number;
  /** The area the grid may use, in px. */
  width: number;
  height: number;
  /** Image width / height. */
  aspect: number;
  /** Height of a cell that is not image (header, meta, footer), px. */
  chrome?: number;
  /** Width of a cell that is not image (padding, borders), px. */
  sideChrome?: number;
  gap?: number;
  /** A cell is never narrower than this (then rows wrap, or the grid scrolls). */
  minCell?: number;
  /** Below this image size, fitting the height is given up for scrolling. */
  minImage?: number;
  /** Cells are never wider than this. */
  maxCell?: number;
}

/**
 * The comparison grid's shape: how many columns and how wide a cell, so the images are as
 * large as possible while the whole grid fits the area; when that would make them too
 * small, the widest balanced columns and a vertical scroll.
 */
export function gridLayout(g: GridInput): { cols: number; cellWidth: number } {
  const n = Math.max(1, g.n);
  const chrome = g.chrome ?? 110;
  const side = g.sideChrome ?? 18;
  const gap = g.gap ?? 12;
  const minCell = g.minCell ?? 200;
  const minImage = g.minImage ?? 140;
  const maxCell = g.maxCell ?? 760;
  const aspect = g.aspect > 0 ? g.aspect : 1;
  const shapes: { cols: number; cellWidth: number; image: number }[] = [];
  for (let rows = 1; rows <= n; rows++) {
    const cols = Math.ceil(n / rows);
    if (Math.ceil(n / cols) !== rows) continue; // this row count is not reachable
    const colW = Math.min(maxCell, (g.width - (cols - 1) * gap) / cols);
    if (colW < minCell && cols > 1) continue;
    const byWidth = colW - side;
    const perRow = (g.height - (rows - 1) * gap) / rows - chrome;
    const image = Math.max(0, Math.min(byWidth, perRow * aspect));
    shapes.push({ cols, cellWidth: Math.floor(image + side), image });
  }
  // Variants side by side compare best: the fewest rows whose images are nearly as large
  // (within 10%) as the largest any shape allows.
  const largest = Math.max(0, ...shapes.map((x) => x.image));
  const best = shapes.find((x) => x.image >= largest * 0.9 && x.image > 0) ?? { cols: 1, cellWidth: 0, image: 0 };
  if (best.image >= minImage) return { cols: best.cols, cellWidth: best.cellWidth };
  const cols = gridColumns(n, g.width, minCell, gap);
  return { cols, cellWidth: Math.floor(Math.min(maxCell, (g.width - (cols - 1) * gap) / cols)) };
}

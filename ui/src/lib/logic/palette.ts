// The command palette's list: saved requests, history runs, commands and settings, ranked
// by a fuzzy match of what was typed. Kept pure so it can be measured (palette.bench.ts).
import { fuzzyScore } from "./workspace";

export interface PaletteItem {
  kind: "request" | "run" | "command";
  /** What is matched and shown. */
  label: string;
  /** A second, fainter line (a folder, a date, a shortcut). */
  detail: string;
  /** Shown at the right: the command's keys. */
  keys?: string;
  id: string;
}

/** The keyboard shortcuts, listed once: the palette shows them beside their commands. */
export const SHORTCUTS: { id: string; label: string; keys: string }[] = [
  { id: "palette", label: "Command palette", keys: "Ctrl+K" },
  { id: "run", label: "Run", keys: "Ctrl+Enter" },
  { id: "save", label: "Save request", keys: "Ctrl+S" },
  { id: "new-tab", label: "New tab", keys: "Ctrl+T" },
  { id: "close-tab", label: "Close tab", keys: "Ctrl+W" },
  { id: "composer", label: "Show or hide the composer", keys: "Ctrl+\\" },
];

/** At most this many rows are drawn. */
export const PALETTE_ROWS = 50;

/**
 * The items that match `query`, best first (requests before runs before commands on a
 * tie); with no query, the commands then the requests as listed.
 */
export function rankPalette(items: PaletteItem[], query: string, limit = PALETTE_ROWS): PaletteItem[] {
  const q = query.trim();
  if (!q) return items.slice(0, limit);
  const order = { request: 0, run: 1, command: 2 };
  const scored: { item: PaletteItem; score: number }[] = [];
  for (const item of items) {
    const score = fuzzyScore(q, item.label);
    if (score !== null) scored.push({ item, score });
  }
  scored.sort((a, b) => b.score - a.score || order[a.item.kind] - order[b.item.kind]);
  return scored.slice(0, limit).map((s) => s.item);
}

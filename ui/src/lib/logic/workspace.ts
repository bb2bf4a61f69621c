// Pure rules of the workspace panel and the request tabs: which tree rows show, the file
// name a new request gets, paths as a person reads them, and the palette's fuzzy match.
import type { WorkspaceEntry } from "../types";

/** The rows the tree shows: entries under a collapsed folder are hidden. */
export function visibleEntries(entries: WorkspaceEntry[], collapsed: ReadonlySet<string>): WorkspaceEntry[] {
  if (collapsed.size === 0) return entries;
  return entries.filter((e) => !ancestors(e.path).some((a) => collapsed.has(a)));
}

/** The folders a path is under, outermost first. */
export function ancestors(path: string): string[] {
  const parts = path.split("/");
  return parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join("/"));
}

/** The folder a path is in ("" at the root). */
export function parentOf(path: string): string {
  const i = path.lastIndexOf("/");
  return i < 0 ? "" : path.slice(0, i);
}

/** The last part of a path. */
export function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

/** A request file's name as a tab shows it: without `.toml`. */
export function titleOf(path: string): string {
  return baseName(path).replace(/\.toml$/i, "");
}

/** A file name from a prompt's first words: "a lighthouse at dusk" → "lighthouse-at-dusk.toml". */
export function fileNameFor(prompt: string): string {
  const words = prompt
    .toLowerCase()
    .replace(/\{\{[^}]*\}\}/g, " ")
    .replace(/[^\p{L}\p{N}]+/gu, " ")
    .trim()
    .split(/\s+/)
    .filter((w) => w && !["a", "an", "the", "of"].includes(w))
    .slice(0, 5);
  return `${words.join("-") || "untitled"}.toml`;
}

/**
 * What a person typed as a new name, as a path in `folder`: `.toml` added to a request's
 * name; a name with `/` is taken from the workspace's root. Null with a reason when it
 * cannot be a name.
 */
export function pathFromName(folder: string, typed: string, request: boolean): { path: string } | { error: string } {
  let name = typed.trim().replace(/\\/g, "/");
  if (!name) return { error: "Type a name." };
  if (request && !/\.toml$/i.test(name)) name = `${name}.toml`;
  const path = name.includes("/") ? name.replace(/^\/+/, "") : folder ? `${folder}/${name}` : name;
  const parts = path.split("/");
  if (parts.some((p) => p === "" || p === "." || p === ".." || p.startsWith(".")))
    return { error: "A name cannot be empty, start with a dot, or climb out with “..”." };
  if (/[:*?"<>|]/.test(path)) return { error: 'A name cannot have : * ? " < > | (not every system allows them).' };
  return { path };
}

/** A path with `from` (a file or folder) renamed to `to`, or null when it is not under it. */
export function movedPath(path: string, from: string, to: string): string | null {
  if (path === from) return to;
  if (path.startsWith(`${from}/`)) return `${to}${path.slice(from.length)}`;
  return null;
}

/**
 * Where a dragged file or folder lands when dropped on `folder` ("" is the root): its
 * name under that folder; null when the drop moves nothing (its own folder) or cannot
 * be (a folder into itself or under itself).
 */
export function dropTarget(path: string, folder: string): string | null {
  if (parentOf(path) === folder) return null;
  if (folder === path || folder.startsWith(`${path}/`)) return null;
  return folder ? `${folder}/${baseName(path)}` : baseName(path);
}

/**
 * A fuzzy match of `query` in `text` (letters in order, case-insensitive), scored higher
 * for consecutive letters and letters at word starts; null when it does not match.
 */
export function fuzzyScore(query: string, text: string): number | null {
  const q = query.toLowerCase().replace(/\s+/g, "");
  if (!q) return 0;
  const t = text.toLowerCase();
  // The letters together come first, at a word's start best; then earlier, then shorter.
  const at = t.indexOf(q);
  if (at >= 0) {
    const start = at === 0 || /[\s/_.-]/.test(t[at - 1]);
    return 1000 + (start ? 100 : 0) - at / 10 - t.length / 100;
  }
  let score = 0;
  let ti = 0;
  let prev = -2;
  for (const ch of q) {
    const found = t.indexOf(ch, ti);
    if (found < 0) return null;
    const start = found === 0 || /[\s/_.-]/.test(t[found - 1]);
    score += 1 + (found === prev + 1 ? 3 : 0) + (start ? 2 : 0);
    prev = found;
    ti = found + 1;
  }
  // A shorter text with the same letters is the closer match.
  return score - t.length / 100;
}

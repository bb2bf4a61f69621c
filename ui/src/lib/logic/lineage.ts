// The designer's loop, pure: a draft into the composer, a lineage as rows of a small tree,
// and the word-level differences of two prompts (jsdiff's `diffWordsWithSpace`).
import { diffWordsWithSpace } from "diff";
import { composerFromRequest, type ComposerState } from "./composer";
import type { CatalogEntry, Lineage, LineageNode, OutputRef, RunDraft, RunSummary } from "../types";

/**
 * The last 8 characters of a run id: what the UI calls a run in a sentence (as lineage.rs
 * does). A v7 UUID begins with its time, so runs a minute apart share their first 8.
 */
export function shortId(id: string): string {
  return id.slice(-8);
}

/** "from run 0193a4f2 · image 2" (the target too when the run had several). */
export function parentLabel(p: OutputRef, targets = 1, prompt?: string | null): string {
  const t = targets > 1 ? ` · target ${p.targetIdx + 1}` : "";
  // Words before ids: the parent's prompt when it is known; its id only when it is not.
  const run = prompt ? `“${clip(prompt, 40)}”` : `run ${shortId(p.runId)}`;
  return `from ${run}${t} · image ${p.outputIdx + 1}`;
}

/** A prompt on one line, cut to `max` characters with an ellipsis. */
export function clip(text: string, max: number): string {
  const one = text.replace(/\s+/g, " ").trim();
  return one.length <= max ? one : `${one.slice(0, max - 1).trimEnd()}…`;
}

/**
 * The composer loaded with a draft (a request and its reference images, e.g. "edit from
 * this"): the draft's parent stays attached to the reference that stands for it.
 */
export function composerFromDraft(draft: RunDraft, entries: CatalogEntry[], prev: ComposerState): ComposerState {
  return composerFromRequest(draft.request, draft.references, entries, prev);
}

/** One row of the lineage tree as the panel draws it. */
export interface LineageRow {
  node: LineageNode;
  /** Indentation steps (the node's depth). */
  indent: number;
  /** "Edit of image 2" for a child; "First run" for a root; "Generated" / "Edit" otherwise. */
  caption: string;
}

export function lineageRows(l: Lineage): LineageRow[] {
  return l.nodes.map((node, i) => {
    let caption: string;
    if (node.from)
      caption = `edit of image ${node.from.outputIdx + 1}${node.from.targetIdx > 0 ? ` (target ${node.from.targetIdx + 1})` : ""}`;
    else if (i === 0 && l.deletedAncestor) caption = "edit of a deleted run";
    else caption = node.run.kind === "edit" ? "edit" : "first run";
    return { node, indent: node.depth, caption };
  });
}

/** The run ids two compared runs would be, oldest first (by their place in the lineage). */
export function comparePair(l: Lineage, a: string, b: string): [string, string] {
  const ia = l.nodes.findIndex((n) => n.run.id === a);
  const ib = l.nodes.findIndex((n) => n.run.id === b);
  return ia <= ib ? [a, b] : [b, a];
}

/** Toggles a run in the (at most two) runs picked for comparison: a third replaces the older pick. */
export function togglePick(picks: string[], id: string): string[] {
  if (picks.includes(id)) return picks.filter((p) => p !== id);
  return [...picks, id].slice(-2);
}

export type DiffKind = "same" | "added" | "removed";

export interface DiffPart {
  text: string;
  kind: DiffKind;
}

/**
 * The word-level differences from prompt `a` to prompt `b`: words kept, removed (only in
 * `a`) and added (only in `b`), in reading order; whitespace counts as part of the words.
 */
export function promptDiff(a: string, b: string): DiffPart[] {
  const out: DiffPart[] = [];
  for (const c of diffWordsWithSpace(a, b)) {
    const kind: DiffKind = c.added ? "added" : c.removed ? "removed" : "same";
    const last = out[out.length - 1];
    if (last && last.kind === kind) last.text += c.value;
    else out.push({ text: c.value, kind });
  }
  return out;
}

/** "+3 words, −1 word" for a diff; "Same prompt" when nothing changed. */
export function diffSummary(parts: DiffPart[]): string {
  const words = (k: DiffKind) =>
    parts.filter((p) => p.kind === k).reduce((n, p) => n + p.text.split(/\s+/).filter(Boolean).length, 0);
  const added = words("added");
  const removed = words("removed");
  if (added === 0 && removed === 0) return "Same prompt";
  const w = (n: number) => `${n} word${n === 1 ? "" : "s"}`;
  return [added > 0 ? `+${w(added)}` : "", removed > 0 ? `−${w(removed)}` : ""].filter(Boolean).join(", ");
}

/** The output a key press or a drop means: `data-target` / `data-output` of the element's cell and slot. */
export function outputAt(el: Element | null, runId: string): OutputRef | null {
  const slot = el?.closest?.('[data-testid="result-slot"]');
  const cell = el?.closest?.('[data-testid="result-cell"]');
  if (!slot || !cell) return null;
  const targetIdx = Number(cell.getAttribute("data-target"));
  const outputIdx = Number(slot.getAttribute("data-output"));
  if (!Number.isInteger(targetIdx) || !Number.isInteger(outputIdx)) return null;
  return { runId, targetIdx, outputIdx };
}

/** A history row made from a live run keeps the child count the store gave its old row. */
export function keepChildren(row: RunSummary, old: RunSummary): RunSummary {
  return row.children === undefined && old.children !== undefined ? { ...row, children: old.children } : row;
}

/** A new history row started from another run's output: that run has one child more. */
export function countChild(list: RunSummary[], row: RunSummary): RunSummary[] {
  if (!row.parentRunId) return list;
  return list.map((r) => (r.id === row.parentRunId ? { ...r, children: (r.children ?? 0) + 1 } : r));
}

// What an output was billed, when that is not what was asked ("Billing follows the
// delivered output"): the core's `OutputView.billingNote`, for the result cell, the viewer
// and the inspector. Pure.
import type { OutputView, TargetView } from "../types";

/** The billing notes of a target's outputs, each once, in output order. */
export function billingNotes(t: Pick<TargetView, "outputs">): string[] {
  const out: string[] = [];
  for (const o of t.outputs) {
    const n = o.billingNote?.trim();
    if (n && !out.includes(n)) out.push(n);
  }
  return out;
}

/**
 * A short tag for a note, for a narrow cell: "billed 2K" from "Asked 4K, delivered
 * 2048×2048 (2K): 6 credits."; "billed as delivered" when the note names no tier.
 */
export function billingTag(note: string | null | undefined): string | null {
  const n = note?.trim();
  if (!n) return null;
  const m = /delivered[^()]*\((512|1K|2K|4K)\)/i.exec(n) ?? /\((512|1K|2K|4K)\)/i.exec(n);
  return m ? `billed ${m[1].toUpperCase()}` : "billed as delivered";
}

/** The tooltip of a target's credits: what was charged, and why it differs from the ask. */
export function creditsTitle(t: Pick<TargetView, "outputs">): string {
  const notes = billingNotes(t);
  if (notes.length === 0) return "Credits charged";
  return `Credits charged, by the delivered output:\n${notes.join("\n")}`;
}

/** The note of one output, for the viewer's bar. */
export function outputBilling(
  o: Pick<OutputView, "billingNote"> | null | undefined,
): { tag: string; note: string } | null {
  const note = o?.billingNote?.trim();
  if (!note) return null;
  return { tag: billingTag(note) ?? "billed as delivered", note };
}

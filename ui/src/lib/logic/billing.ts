// What an output was billed, when that is not what was asked ("billing follows the
// delivered output"): written from the core's `OutputView.billing` fields (asked tier,
// billed tier, delivered size, cost) for the result cell, the viewer and the inspector.
// Nothing here parses a sentence. Pure.
import type { Cost, OutputView, TargetView } from "../types";
import { formatCost } from "./format";

type Billed = Pick<OutputView, "billing" | "width" | "height">;

/** The output was billed at another tier than the one asked for. */
export function billedOtherTier(o: Billed): boolean {
  return o.billing.billedTier !== "" && o.billing.billedTier !== o.billing.askedTier;
}

/** "Asked 4K, delivered 2048×2048 (2K): 6 credits." for an output billed at another tier. */
export function billingSentence(o: Billed): string | null {
  if (!billedOtherTier(o)) return null;
  const b = o.billing;
  return `Asked ${b.askedTier}, delivered ${o.width}×${o.height} (${b.billedTier}): ${formatCost(b.cost)}.`;
}

/** The billing sentences of a target's outputs, each once, in output order. */
export function billingNotes(t: Pick<TargetView, "outputs">): string[] {
  const out: string[] = [];
  for (const o of t.outputs) {
    const n = billingSentence(o);
    if (n && !out.includes(n)) out.push(n);
  }
  return out;
}

/** The asked and billed tiers of a target's first output billed otherwise ("4K → 2K"). */
export function tierShift(t: Pick<TargetView, "outputs">): { asked: string; billed: string } | null {
  const o = t.outputs.find(billedOtherTier);
  return o ? { asked: o.billing.askedTier, billed: o.billing.billedTier } : null;
}

/** The tooltip of a target's cost: what was charged, and why it differs from the ask. */
export function creditsTitle(t: Pick<TargetView, "outputs">): string {
  const notes = billingNotes(t);
  if (notes.length === 0) return "Credits charged";
  return `Credits charged, by the delivered output:\n${notes.join("\n")}`;
}

/** One output's billing for the viewer's bar: a short tag and the sentence. */
export function outputBilling(o: Billed | null | undefined): { tag: string; note: string } | null {
  if (!o) return null;
  const note = billingSentence(o);
  return note ? { tag: `billed ${o.billing.billedTier}`, note } : null;
}

/** The sum of costs. */
export function addCosts(costs: Iterable<Cost>): Cost {
  let credits = 0;
  let usd = 0;
  let unpriced = 0;
  for (const c of costs) {
    credits += c.credits;
    usd += c.usd;
    unpriced += c.unpriced;
  }
  return { credits, usd, unpriced };
}

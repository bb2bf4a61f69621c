import { describe, expect, it } from "vitest";
import { addCosts, billingNotes, billingSentence, creditsTitle, outputBilling, tierShift } from "./billing";
import { output } from "./fixtures.test-util";
import { formatCost } from "./format";

/** An output asked at `asked` that the server delivered at `w`×`h`, billed `billed`. */
const shifted = (idx: number, asked: string, billed: string, w: number, credits: number) => ({
  ...output(idx),
  width: w,
  height: w,
  billing: {
    askedTier: asked,
    billedTier: billed,
    billedEntry: `m-${billed}`,
    cost: { credits, usd: credits / 100, unpriced: 0 },
  },
});

describe("billing as data", () => {
  it("writes the sentence from the fields, only when the tier differs", () => {
    expect(billingSentence(shifted(0, "4K", "2K", 2048, 6))).toBe("Asked 4K, delivered 2048×2048 (2K): 6 credits.");
    expect(billingSentence(shifted(0, "4K", "4K", 4096, 8))).toBeNull();
    expect(billingSentence(output(0))).toBeNull();
  });
  it("lists each sentence once, in output order, and says what moved", () => {
    const t = {
      outputs: [
        shifted(0, "4K", "2K", 2048, 6),
        output(1),
        shifted(2, "4K", "2K", 2048, 6),
        shifted(3, "2K", "1K", 1024, 4),
      ],
    };
    expect(billingNotes(t)).toEqual([
      "Asked 4K, delivered 2048×2048 (2K): 6 credits.",
      "Asked 2K, delivered 1024×1024 (1K): 4 credits.",
    ]);
    expect(tierShift(t)).toEqual({ asked: "4K", billed: "2K" });
    expect(tierShift({ outputs: [output(0)] })).toBeNull();
  });
  it("uses the sentences as the credits' tooltip and the viewer's tag", () => {
    expect(creditsTitle({ outputs: [output(0)] })).toBe("Credits charged");
    expect(creditsTitle({ outputs: [shifted(0, "4K", "2K", 2048, 6)] })).toBe(
      "Credits charged, by the delivered output:\nAsked 4K, delivered 2048×2048 (2K): 6 credits.",
    );
    expect(outputBilling(shifted(0, "4K", "2K", 2048, 6))).toEqual({
      tag: "billed 2K",
      note: "Asked 4K, delivered 2048×2048 (2K): 6 credits.",
    });
    expect(outputBilling(output(0))).toBeNull();
    expect(outputBilling(null)).toBeNull();
  });
  it("adds costs and says when part of one is unknown", () => {
    const c = addCosts([
      { credits: 4, usd: 0.04, unpriced: 0 },
      { credits: 0, usd: 0, unpriced: 2 },
    ]);
    expect(c).toEqual({ credits: 4, usd: 0.04, unpriced: 2 });
    expect(formatCost(c)).toBe("4 credits + price unknown");
    expect(formatCost({ credits: 0, usd: 0, unpriced: 1 })).toBe("price unknown");
    expect(formatCost({ credits: 0, usd: 0.04, unpriced: 0 })).toBe("$0.04");
    expect(formatCost({ credits: 0, usd: 0, unpriced: 0 })).toBe("0 credits");
  });
});

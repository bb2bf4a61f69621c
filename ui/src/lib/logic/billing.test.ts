import { describe, expect, it } from "vitest";
import { billingNotes, billingTag, creditsTitle, outputBilling } from "./billing";
import { output } from "./fixtures.test-util";

const NOTE = "Asked 4K, delivered 2048×2048 (2K): 6 credits.";

describe("billing notes", () => {
  it("lists each output's note once, in order", () => {
    const outs = [
      { ...output(0), billingNote: NOTE },
      output(1),
      { ...output(2), billingNote: NOTE },
      { ...output(3), billingNote: " Asked 2K, delivered 1024×1024 (1K): 4 credits. " },
    ];
    expect(billingNotes({ outputs: outs })).toEqual([NOTE, "Asked 2K, delivered 1024×1024 (1K): 4 credits."]);
    expect(billingNotes({ outputs: [output(0), { ...output(1), billingNote: "  " }] })).toEqual([]);
  });
  it("makes a short tag of a note for narrow cells", () => {
    expect(billingTag(NOTE)).toBe("billed 2K");
    expect(billingTag("Asked 1K, delivered 512×512 (512): 4 credits.")).toBe("billed 512");
    expect(billingTag("Billed at another tier.")).toBe("billed as delivered");
    expect(billingTag(undefined)).toBeNull();
    expect(billingTag("")).toBeNull();
  });
  it("uses the notes as the credits' tooltip", () => {
    expect(creditsTitle({ outputs: [output(0)] })).toBe("Credits charged");
    expect(creditsTitle({ outputs: [{ ...output(0), billingNote: NOTE }] })).toBe(
      `Credits charged, by the delivered output:\n${NOTE}`,
    );
  });
  it("gives the viewer one output's note", () => {
    expect(outputBilling({ billingNote: NOTE })).toEqual({ tag: "billed 2K", note: NOTE });
    expect(outputBilling(output(0))).toBeNull();
    expect(outputBilling(null)).toBeNull();
  });
});

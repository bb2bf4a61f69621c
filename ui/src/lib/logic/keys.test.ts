import { describe, expect, it } from "vitest";
import { keyDisplay } from "./keys";

describe("keyDisplay", () => {
  it("shows the mask of a stored key", () => {
    expect(keyDisplay({ keyState: "stored", keyMask: "sk_…9f2c", keyNote: null })).toEqual({
      text: "sk_…9f2c",
      tone: "ok",
      note: null,
    });
  });
  it("asks for a key when there is none", () => {
    const d = keyDisplay({ keyState: "missing", keyMask: null, keyNote: null });
    expect(d.tone).toBe("warn");
    expect(d.note).toMatch(/Add an API key/);
  });
  it("prefers the Rust side's sentence", () => {
    const d = keyDisplay({ keyState: "unavailable", keyMask: null, keyNote: "Secret Service is not running." });
    expect(d.note).toBe("Secret Service is not running.");
    expect(d.text).toBe("Keychain unavailable");
  });
  it("needs no key on the sandbox", () => {
    expect(keyDisplay({ keyState: "sandbox", keyMask: null, keyNote: null }).text).toBe("No key needed");
  });
});

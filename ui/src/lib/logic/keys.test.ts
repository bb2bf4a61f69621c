import { describe, expect, it } from "vitest";
import { keyDisplay, maskKey } from "./keys";

describe("maskKey", () => {
  it("keeps a short prefix and the last 4 characters only", () => {
    expect(maskKey("sk_live_abcdefghijkl9f2c")).toBe("sk_…9f2c");
    expect(maskKey("  pk-1234567890abcd  ")).toBe("pk-…abcd");
    expect(maskKey("abcdefghijklmnop")).toBe("…mnop");
  });
  it("never shows most of a short key", () => {
    expect(maskKey("abc123")).toBe("…23");
    expect(maskKey("")).toBe("");
  });
  it("never contains the middle of the key", () => {
    const key = "sk_SECRETSECRETSECRET_9f2c";
    expect(maskKey(key)).not.toContain("SECRET");
  });
});

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

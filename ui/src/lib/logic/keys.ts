// How API keys and their state are shown. The key itself never comes back from the
// Rust side: only its mask (e.g. `sk_…9f2c`).
import type { KeyState, ProfileView } from "../types";

/**
 * A mask of a key the user typed, in the same form the Rust side uses:
 * the prefix up to the first `_` or `-` (if short), an ellipsis, the last 4 characters.
 * Short keys show only the ellipsis and their last 2 characters.
 */
export function maskKey(raw: string): string {
  const key = raw.trim();
  if (key.length === 0) return "";
  if (key.length < 12) return `…${key.slice(-2)}`;
  const m = /^([A-Za-z]{1,8}[_-])/.exec(key);
  const prefix = m ? m[1] : "";
  return `${prefix}…${key.slice(-4)}`;
}

export type KeyTone = "ok" | "warn" | "muted";

export interface KeyDisplay {
  /** Short text for the profile list and the key field. */
  text: string;
  tone: KeyTone;
  /** A sentence when something needs doing. */
  note: string | null;
}

const LABELS: Record<KeyState, string> = {
  sandbox: "No key needed",
  stored: "Key in keychain",
  missing: "No key",
  env: "Key from environment",
  unavailable: "Keychain unavailable",
};

export function keyDisplay(p: Pick<ProfileView, "keyMask" | "keyState" | "keyNote">): KeyDisplay {
  switch (p.keyState) {
    case "sandbox":
      return { text: LABELS.sandbox, tone: "muted", note: p.keyNote };
    case "stored":
    case "env":
      return {
        text: p.keyMask ? `${p.keyMask}` : LABELS[p.keyState],
        tone: "ok",
        note: p.keyNote,
      };
    case "missing":
      return {
        text: LABELS.missing,
        tone: "warn",
        note: p.keyNote ?? "Add an API key to run requests with this profile.",
      };
    case "unavailable":
      return {
        text: LABELS.unavailable,
        tone: "warn",
        note: p.keyNote ?? "The OS keychain cannot be reached, so the key cannot be stored.",
      };
  }
}

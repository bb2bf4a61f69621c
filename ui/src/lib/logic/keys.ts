// How API keys and their state are shown. The key itself never comes back from the
// Rust side: only its mask (e.g. `sk_…9f2c`).
import type { KeyState, ProfileView } from "../types";

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

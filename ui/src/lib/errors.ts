// Errors from `invoke` and from the app itself, as one shape: UiError.
import type { UiError } from "./types";

function isUiError(e: unknown): e is UiError {
  return (
    typeof e === "object" &&
    e !== null &&
    typeof (e as { kind?: unknown }).kind === "string" &&
    typeof (e as { message?: unknown }).message === "string"
  );
}

/**
 * Whatever an `invoke` rejected with (a UiError from our commands, a plain string from
 * Tauri itself such as "command x not found", an Error from JS) as a UiError.
 */
export function toUiError(e: unknown, fallbackKind = "internal"): UiError {
  if (isUiError(e)) {
    return { kind: e.kind, message: sentence(e.message), detail: e.detail ?? null };
  }
  if (typeof e === "string") {
    return { kind: fallbackKind, message: sentence(e), detail: null };
  }
  if (e instanceof Error) {
    return { kind: fallbackKind, message: sentence(e.message), detail: e.stack ?? null };
  }
  let detail: string | null = null;
  try {
    detail = JSON.stringify(e);
  } catch {
    detail = String(e);
  }
  return { kind: fallbackKind, message: "Something went wrong.", detail };
}

/** A message as a sentence: trimmed, capitalised, ending with a full stop. */
export function sentence(msg: string): string {
  const s = msg.trim();
  if (s.length === 0) return "Something went wrong.";
  const first = s[0].toUpperCase() + s.slice(1);
  return /[.!?…]$/.test(first) ? first : `${first}.`;
}

/** A short title for an error kind ("insufficient_credits" -> "Insufficient credits"). */
export function kindTitle(kind: string): string {
  const words = kind.replace(/[_-]+/g, " ").trim();
  if (!words) return "Error";
  return words[0].toUpperCase() + words.slice(1);
}

export interface ErrorEntry extends UiError {
  id: number;
  /** What the app was doing, e.g. "Starting the run". */
  context: string | null;
}

/**
 * Adds an error to the banner list. The same message twice in a row is not repeated;
 * at most `max` stay (the oldest go).
 */
export function pushError(
  list: ErrorEntry[],
  err: UiError,
  context: string | null,
  id: number,
  max = 4,
): ErrorEntry[] {
  const last = list[list.length - 1];
  if (last && last.message === err.message && last.kind === err.kind && last.context === context) {
    return list;
  }
  const next = [...list, { ...err, context, id }];
  return next.length > max ? next.slice(next.length - max) : next;
}

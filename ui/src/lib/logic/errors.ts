// Errors from `invoke` and from the app itself, as one shape: UiError.
import type { UiError } from "../types";

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

/**
 * The `UiError.kind` a command uses when a run or a benchmark would cross the budget: the UI
 * shows its budget notice for it instead of an error (the core's only budget kind; a
 * server's 402 is `insufficient_credits`, the account's balance, not our budget).
 */
export const BUDGET_KINDS: ReadonlySet<string> = new Set(["over_budget"]);

/**
 * Kinds of a failed request that may succeed when sent again (the client already retried
 * them, bounded): `pixapi::Error::is_retryable`.
 */
export const TRANSIENT_KINDS: ReadonlySet<string> = new Set([
  "rate_limited",
  "server_error",
  "model_unavailable",
  "connect",
  "timeout",
  "connection_lost",
]);

/** Kinds that are a refusal of the content, not a fault: sending it again is refused again. */
export const POLICY_KINDS: ReadonlySet<string> = new Set(["prompt_rejected"]);

/** Titles where the words of the kind say too little. */
const KIND_TITLES: Record<string, string> = {
  bad_request: "Bad request (400)",
  unauthorized: "Key refused (401)",
  insufficient_credits: "Insufficient credits (402)",
  model_not_found: "Model not found (404)",
  prompt_rejected: "Refused by moderation (422)",
  unprocessable: "Unprocessable request (422)",
  rate_limited: "Rate limited (429)",
  server_error: "Server error",
  model_unavailable: "Model unavailable (503)",
  unexpected_status: "Unexpected HTTP status",
  connect: "Could not connect",
  connection_lost: "Connection lost",
  malformed: "Malformed answer",
  too_large: "Answer too large",
  poll_deadline: "Task took too long",
  task_failed: "Task failed",
  task_not_found: "Task not found",
  invalid_input: "Invalid input",
  url_expired: "Image URL expired",
  not_an_image: "Not an image",
  refused_url: "Image address refused",
  too_slow: "Server too slow",
  extra_outputs: "More images than asked",
  unsaved: "Not saved to disk yet",
  not_granted: "File not handed over",
  over_budget: "Over budget",
};

/** "transient" (may work when sent again), "policy" (a content refusal) or "fault". */
export function kindTone(kind: string): "transient" | "policy" | "fault" {
  if (TRANSIENT_KINDS.has(kind)) return "transient";
  if (POLICY_KINDS.has(kind)) return "policy";
  return "fault";
}

/** A short title for an error kind ("insufficient_credits" -> "Insufficient credits (402)"). */
export function kindTitle(kind: string): string {
  if (KIND_TITLES[kind]) return KIND_TITLES[kind];
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
export function pushError(list: ErrorEntry[], err: UiError, context: string | null, id: number, max = 4): ErrorEntry[] {
  const last = list[list.length - 1];
  if (last && last.message === err.message && last.kind === err.kind && last.context === context) {
    return list;
  }
  const next = [...list, { ...err, context, id }];
  return next.length > max ? next.slice(next.length - max) : next;
}

// Errors from `invoke` and from the app itself, as one shape: UiError.
import type { ErrorKind, UiError } from "../types";
import { ALL_KINDS, BUDGET_KINDS, POLICY_KINDS, TRANSIENT_KINDS } from "../../bindings/errorKinds";

/** A kind from the wire as this build knows it (anything else is "unknown"). */
function knownKind(kind: string): ErrorKind {
  return (ALL_KINDS as readonly string[]).includes(kind) ? (kind as ErrorKind) : "unknown";
}

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
export function toUiError(e: unknown, fallbackKind: ErrorKind = "internal"): UiError {
  if (isUiError(e)) {
    const requestId = typeof e.requestId === "string" && e.requestId.length > 0 ? e.requestId : null;
    return { kind: knownKind(e.kind), message: sentence(e.message), detail: e.detail ?? null, requestId };
  }
  if (typeof e === "string") {
    return { kind: fallbackKind, message: sentence(e), detail: null, requestId: null };
  }
  if (e instanceof Error) {
    return { kind: fallbackKind, message: sentence(e.message), detail: e.stack ?? null, requestId: null };
  }
  let detail: string | null = null;
  try {
    detail = JSON.stringify(e);
  } catch {
    detail = String(e);
  }
  return { kind: fallbackKind, message: "Something went wrong.", detail, requestId: null };
}

/**
 * A message as a sentence: trimmed, capitalised, ending with a full stop. One that starts
 * with a file's name (`broken.toml:2: ...`) keeps the name as it is spelled on disk.
 */
export function sentence(msg: string): string {
  const s = msg.trim();
  if (s.length === 0) return "Something went wrong.";
  const startsWithPath = /^[^\s:]+\.[A-Za-z0-9]+[:\s]/.test(s) || s.startsWith("/");
  const first = startsWithPath ? s : s[0].toUpperCase() + s.slice(1);
  return /[.!?…]$/.test(first) ? first : `${first}.`;
}

/** Whether a command refused because a run or a benchmark would cross the budget: the UI
 * shows its budget notice then instead of an error (a server's 402 is
 * `insufficient_credits`, the account's balance, not our budget). */
export function isBudgetKind(kind: ErrorKind): boolean {
  return BUDGET_KINDS.includes(kind);
}

/** A title for every kind: a new Rust kind fails the type check here until it has one. */
const KIND_TITLES: Record<ErrorKind, string> = {
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
  timeout: "Timed out",
  poll_deadline: "Task took too long",
  connect: "Could not connect",
  connection_lost: "Connection lost",
  malformed: "Malformed answer",
  too_large: "Answer too large",
  task_failed: "Task failed",
  task_not_found: "Task not found",
  cancelled: "Cancelled",
  url_expired: "Image URL expired",
  refused_url: "Image address refused",
  too_slow: "Server too slow",
  invalid: "Invalid input",
  not_found: "Not found",
  missing: "File missing from the data folder",
  not_an_image: "Not an image",
  extra_outputs: "More images than asked",
  partial: "Fewer images than asked",
  unsaved: "Not saved to disk yet",
  finished_after_cancel: "Finished after you cancelled",
  waiting: "Waiting for Pixapi",
  given_up: "Stopped waiting",
  interrupted: "Interrupted",
  over_budget: "Over budget",
  no_key: "No key",
  keychain: "Keychain unavailable",
  not_granted: "File not handed over",
  unreadable: "File unreadable",
  disk: "Could not write to disk",
  data_dir: "Data folder unusable",
  store: "Database error",
  busy: "Still running",
  decode: "Image unreadable",
  encode: "Export failed",
  no_recipe: "No recipe in the image",
  metrics: "Metrics unavailable",
  catalog: "Model not in the catalog",
  sandbox: "Sandbox did not start",
  client: "Connection set-up failed",
  internal: "Internal error",
  unknown: "Error",
};

/** "transient" (may work when sent again), "policy" (a content refusal) or "fault". */
export function kindTone(kind: ErrorKind): "transient" | "policy" | "fault" {
  if (TRANSIENT_KINDS.includes(kind)) return "transient";
  if (POLICY_KINDS.includes(kind)) return "policy";
  return "fault";
}

/** A short title for an error kind ("insufficient_credits" -> "Insufficient credits (402)"). */
export function kindTitle(kind: ErrorKind): string {
  return KIND_TITLES[kind] ?? KIND_TITLES.unknown;
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

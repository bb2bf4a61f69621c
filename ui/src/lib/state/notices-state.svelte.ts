// The app's notices (Svelte 5 runes): the error banner's entries and the short-lived toasts.
import { pushError, toUiError, type ErrorEntry } from "../logic/errors";
import type { UiError } from "../types";

export interface Toast {
  id: number;
  text: string;
  /** "done" for an action that succeeded, "note" for something to know (no success tick). */
  kind: "done" | "note";
  /** A file the action wrote: the toast names it and offers "Show in folder". */
  path?: string;
}

/** How long a toast stays on screen. */
const TOAST_MS = 5000;

export class NoticesState {
  errors = $state<ErrorEntry[]>([]);
  toasts = $state<Toast[]>([]);

  /** One counter for both lists: an id names one notice, whichever list it is in. */
  #nextId = 1;

  /** Shows an error in the banner (`context` says what was being done); answers it as a UiError. */
  report(e: unknown, context: string | null = null): UiError {
    const err = toUiError(e);
    this.errors = pushError(this.errors, err, context, this.#nextId++);
    return err;
  }

  dismissError(id: number): void {
    this.errors = this.errors.filter((e) => e.id !== id);
  }

  toast(text: string, opts: { kind?: Toast["kind"]; path?: string } = {}): void {
    const id = this.#nextId++;
    // One at a time, in the header: the newest replaces the last, so toasts never stack
    // over the work.
    this.toasts = [{ id, text, kind: opts.kind ?? "done", path: opts.path }];
    // A toast with a file stays longer: its button is a thing to reach for.
    setTimeout(() => (this.toasts = this.toasts.filter((t) => t.id !== id)), opts.path ? TOAST_MS * 2 : TOAST_MS);
  }

  /** Something to know, not a success ("resized to 2048 px"). */
  note(text: string): void {
    this.toast(text, { kind: "note" });
  }

  /** A file written ("Contact sheet saved"): the toast adds its name and "Show in folder". */
  saved(text: string, path: string): void {
    this.toast(text, { path });
  }

  dismissToast(id: number): void {
    this.toasts = this.toasts.filter((t) => t.id !== id);
  }
}

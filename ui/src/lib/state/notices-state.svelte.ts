// The app's notices (Svelte 5 runes): the error banner's entries and the short-lived toasts.
import { pushError, toUiError, type ErrorEntry } from "../logic/errors";
import type { UiError } from "../types";

export interface Toast {
  id: number;
  text: string;
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

  toast(text: string): void {
    const id = this.#nextId++;
    this.toasts = [...this.toasts, { id, text }];
    setTimeout(() => (this.toasts = this.toasts.filter((t) => t.id !== id)), TOAST_MS);
  }
}

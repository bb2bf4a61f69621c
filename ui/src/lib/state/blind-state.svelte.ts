// The Blind A/B panel's state and actions (Svelte 5 runes): the pair on screen (no labels:
// the core sends none), the reveal after a vote, and the leaderboard.
import { call } from "../api";
import { toUiError } from "../logic/errors";
import { bench } from "./bench-state.svelte";
import { store } from "./state.svelte";
import type { BlindChoice, BlindNext, BlindReveal, Leaderboard } from "../types";

/** How long the labels stay after a vote before the next pair (any key goes on at once). */
export const REVEAL_MS = 2500;

export class BlindStore {
  open = $state(false);
  /** Every session's outputs and votes, instead of the current session's. */
  all = $state(false);
  next = $state<BlindNext | null>(null);
  reveal = $state<BlindReveal | null>(null);
  board = $state<Leaderboard | null>(null);
  busy = $state(false);
  error = $state<string | null>(null);
  loading = $state(false);

  #timer: ReturnType<typeof setTimeout> | null = null;

  pair = $derived(this.next?.pair ?? null);

  async show(): Promise<void> {
    bench.close();
    this.open = true;
    await this.refresh();
  }

  close(): void {
    this.open = false;
    this.#clearTimer();
    this.reveal = null;
  }

  async setAll(all: boolean): Promise<void> {
    this.all = all;
    this.reveal = null;
    await this.refresh();
  }

  /** A fresh pair and board (on opening, after a scope change, after "next"). */
  async refresh(): Promise<void> {
    this.loading = true;
    this.error = null;
    try {
      const [next, board] = await Promise.all([
        call("blind_next", { all: this.all }),
        call("leaderboard", { sessionId: null, all: this.all }),
      ]);
      this.next = next;
      this.board = board;
    } catch (e) {
      this.error = toUiError(e).message;
    } finally {
      this.loading = false;
    }
  }

  /** Votes on the pair on screen; the labels show until the next pair. */
  async vote(choice: BlindChoice): Promise<void> {
    const pair = this.pair;
    if (!pair || this.busy || this.reveal) return;
    this.busy = true;
    this.error = null;
    try {
      this.reveal = await call("blind_vote", { token: pair.token, choice });
      if (this.reveal.stored) this.board = await call("leaderboard", { sessionId: null, all: this.all });
      this.#clearTimer();
      this.#timer = setTimeout(() => void this.advance(), REVEAL_MS);
    } catch (e) {
      // A stale pair (e.g. after a restart): say so and show a fresh one.
      this.error = toUiError(e).message;
      await this.refresh();
    } finally {
      this.busy = false;
    }
  }

  /** From the reveal to the next pair. */
  async advance(): Promise<void> {
    this.#clearTimer();
    if (!this.reveal) return;
    this.reveal = null;
    try {
      this.next = await call("blind_next", { all: this.all });
    } catch (e) {
      this.error = toUiError(e).message;
    }
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /** A friendly name for a label's catalog id ("Nano Banana 2 · 4K"), if the catalog knows it. */
  friendly(modelId: string): string | null {
    return store.catalog.find((e) => e.id === modelId)?.label ?? null;
  }
}

export const blind = new BlindStore();

// The spend session (Svelte 5 runes): the current session and its budget, a new session,
// its export, and the session (spend) panel.
import { api } from "../api";
import { defaultSessionName } from "../logic/spend";
import type { AppStore } from "./state.svelte";
import type { ExportFormat, SessionView } from "../types";

export class SessionState {
  current = $state<SessionView | null>(null);
  /** The session (spend) panel is shown. */
  panelOpen = $state(false);
  /** Where the last session export went ("Saved to …" in the sidebar). */
  lastExport = $state<string | null>(null);

  /** The last budget change in flight: a run waits for it, so its estimate sees it. */
  #budgetOp: Promise<void> = Promise.resolve();

  readonly #app: AppStore;

  constructor(app: AppStore) {
    this.#app = app;
  }

  /** Settles when the last budget change has (see `#budgetOp`). */
  budgetSettled(): Promise<void> {
    return this.#budgetOp;
  }

  async setBudget(credits: number | null): Promise<void> {
    const op = (async () => {
      try {
        this.current = await api.sessionSetBudget(credits);
        this.#app.composer.blocked = null; // its figures were about the old budget
      } catch (e) {
        this.#app.notices.report(e, "Setting the budget");
      }
    })();
    this.#budgetOp = op;
    await op;
  }

  /** Starts a new session (named `given`, or by the date); its spend starts at 0. */
  async startNew(given?: string): Promise<void> {
    const d = new Date();
    const name = given?.trim() || defaultSessionName(d);
    try {
      this.current = await api.sessionNew(name);
      this.#app.notices.toast(`Started “${name}”. Spend starts again at 0.`);
    } catch (e) {
      this.#app.notices.report(e, "Starting a new session");
    }
  }

  async exportAs(format: ExportFormat): Promise<void> {
    try {
      const path = await api.sessionExport(format);
      this.lastExport = path;
      this.#app.notices.toast(`Session exported to ${path}`);
    } catch (e) {
      this.#app.notices.report(e, "Exporting the session");
    }
  }
}

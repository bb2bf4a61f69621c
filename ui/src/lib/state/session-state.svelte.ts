// The spend session (Svelte 5 runes): the current session and its budget, a new session,
// its export, and the session (spend) panel.
import { call } from "../api";
import { defaultSessionName } from "../logic/spend";
import type { AppStore } from "./state.svelte";
import type { ExportFormat, ResumedRun, RunView, SessionSpend, SessionView } from "../types";

export class SessionState {
  current = $state<SessionView | null>(null);
  /** The session (spend) panel is shown. */
  panelOpen = $state(false);
  /** Where the last session export went ("Saved to …" in the sidebar). */
  lastExport = $state<string | null>(null);
  /** Runs of earlier sessions this start resumed: their cost is their own session's. */
  resumed = $state<ResumedRun[]>([]);

  /** The last budget change in flight: a run waits for it, so its estimate sees it. */
  #budgetOp: Promise<void> = Promise.resolve();

  readonly #app: AppStore;

  constructor(app: AppStore) {
    this.#app = app;
  }

  /**
   * The running spend moved (an output was entered in the ledger): the header and panel
   * show it at once; the rest of the figures come when the run settles.
   */
  spendMoved(s: SessionSpend): void {
    const cur = this.current;
    if (!cur || cur.id !== s.sessionId || cur.simulated !== s.simulated) return;
    this.current = {
      ...cur,
      spent: s.spent,
      images: s.images,
      budgetCredits: s.budgetCredits,
      budgetWarning: s.budgetWarning,
    };
  }

  /** Reads the runs of earlier sessions this start resumed. */
  async loadResumed(): Promise<void> {
    try {
      this.resumed = await call("runs_resumed");
    } catch (e) {
      this.#app.notices.report(e, "Reading the resumed runs");
    }
  }

  /**
   * A run of another session moved on (a resumed run's images came, it settled): the list
   * is read again, since such an update may come before the first read answers.
   */
  runMoved(run: RunView): void {
    if (this.current && run.sessionId !== this.current.id) void this.loadResumed();
  }

  /** Settles when the last budget change has (see `#budgetOp`). */
  budgetSettled(): Promise<void> {
    return this.#budgetOp;
  }

  async setBudget(credits: number | null): Promise<void> {
    const op = (async () => {
      try {
        this.current = await call("session_set_budget", { credits });
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
      this.current = await call("session_new", { name });
      this.#app.notices.toast(`Started “${name}”. Spend starts again at 0.`);
    } catch (e) {
      this.#app.notices.report(e, "Starting a new session");
    }
  }

  async exportAs(format: ExportFormat): Promise<void> {
    try {
      const path = await call("session_export", { format });
      this.lastExport = path;
      this.#app.notices.saved("Session exported", path);
    } catch (e) {
      this.#app.notices.report(e, "Exporting the session");
    }
  }
}

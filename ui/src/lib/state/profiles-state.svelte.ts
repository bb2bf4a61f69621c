// The profiles and their keys (Svelte 5 runes): the list, the current one, the profiles dialog.
import { api } from "../api";
import { toUiError } from "../logic/errors";
import type { AppStore } from "./state.svelte";
import type { KeyTestResult, ProfileInput, ProfileView } from "../types";

export class ProfilesState {
  list = $state<ProfileView[]>([]);
  /** The profiles dialog is shown. */
  dialogOpen = $state(false);

  current = $derived(this.list.find((p) => p.isCurrent) ?? null);

  readonly #app: AppStore;

  constructor(app: AppStore) {
    this.#app = app;
  }

  async refresh(): Promise<void> {
    try {
      this.list = await api.profilesList();
    } catch (e) {
      this.#app.notices.report(e, "Listing profiles");
    }
  }

  async select(id: string): Promise<void> {
    if (this.current?.id === id) return;
    try {
      await api.profileSelect(id);
      // The session view follows the current profile, so it is read again too.
      const [profiles, session] = await Promise.all([api.profilesList(), api.sessionCurrent()]);
      this.list = profiles;
      this.#app.session.current = session;
    } catch (e) {
      this.#app.notices.report(e, "Switching profile");
      await this.refresh();
    }
  }

  /** Saves a profile and, when given, its key (which is then forgotten here). */
  async save(input: ProfileInput, key: string | null): Promise<ProfileView | null> {
    try {
      let p = await api.profileSave(input);
      if (key && key.trim()) p = await api.profileSetKey(p.id, key.trim());
      await this.refresh();
      this.#app.notices.toast(`Saved profile “${p.name}”.`);
      return p;
    } catch (e) {
      this.#app.notices.report(e, "Saving the profile");
      return null;
    }
  }

  /** Deletes a profile; answers whether it went. (Deleting the current one changes the session.) */
  async remove(id: string): Promise<boolean> {
    try {
      await api.profileDelete(id);
      const [profiles, session] = await Promise.all([api.profilesList(), api.sessionCurrent()]);
      this.list = profiles;
      this.#app.session.current = session;
      return true;
    } catch (e) {
      this.#app.notices.report(e, "Deleting the profile");
      return false;
    }
  }

  async removeKey(id: string): Promise<void> {
    try {
      await api.profileRemoveKey(id);
      await this.refresh();
    } catch (e) {
      this.#app.notices.report(e, "Removing the key");
    }
  }

  /** Tries the profile's key; a failure is the answer, not an error in the banner. */
  async testKey(id: string): Promise<KeyTestResult> {
    try {
      return await api.profileTest(id);
    } catch (e) {
      const err = toUiError(e);
      return { ok: false, message: err.message, models: 0, latencyMs: 0 };
    }
  }
}

// The profiles and their keys (Svelte 5 runes): the list, the current one, the profiles dialog.
import { call } from "../api";
import { toUiError } from "../logic/errors";
import type { AppStore } from "./state.svelte";
import type { GatewayPreset, KeyTestResult, ProfileInput, ProfileView } from "../types";

export class ProfilesState {
  list = $state<ProfileView[]>([]);
  /** The gateway presets a profile can start from (data files of the core). */
  presets = $state<GatewayPreset[]>([]);
  /** The profiles dialog is shown. */
  dialogOpen = $state(false);

  current = $derived(this.list.find((p) => p.isCurrent) ?? null);

  readonly #app: AppStore;

  constructor(app: AppStore) {
    this.#app = app;
  }

  async refresh(): Promise<void> {
    try {
      this.list = await call("profiles_list");
    } catch (e) {
      this.#app.notices.report(e, "Listing profiles");
    }
  }

  async select(id: string): Promise<void> {
    if (this.current?.id === id) return;
    try {
      await call("profile_select", { id });
      await this.followCurrent();
    } catch (e) {
      this.#app.notices.report(e, "Switching profile");
      await this.refresh();
    }
  }

  /** Reads again what follows the current profile (after it changed, here or by an environment). */
  async followCurrent(): Promise<void> {
    // The session view follows the current profile, so it is read again too.
    const [profiles, session] = await Promise.all([call("profiles_list"), call("session_current")]);
    this.list = profiles;
    this.#app.session.current = session;
    // Its catalog: the models its server lists (kept ones at once, then read again).
    this.#app.catalog = (await call("catalog")).entries;
    void this.#app.refreshModels();
  }

  /** Saves a profile and, when given, its key (which is then forgotten here). */
  async save(input: ProfileInput, key: string | null): Promise<ProfileView | null> {
    try {
      let p = await call("profile_save", { input });
      if (key && key.trim()) p = await call("profile_set_key", { id: p.id, key: key.trim() });
      await this.refresh();
      // The current profile's gateway may have changed, and with it the models offered.
      if (p.isCurrent) this.#app.catalog = (await call("catalog")).entries;
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
      await call("profile_delete", { id });
      const [profiles, session] = await Promise.all([call("profiles_list"), call("session_current")]);
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
      await call("profile_remove_key", { id });
      await this.refresh();
    } catch (e) {
      this.#app.notices.report(e, "Removing the key");
    }
  }

  /** Tries the profile's key; a failure is the answer, not an error in the banner. */
  async testKey(id: string): Promise<KeyTestResult> {
    try {
      return await call("profile_test", { id });
    } catch (e) {
      const err = toUiError(e);
      return { ok: false, message: err.message, models: 0, latencyMs: 0 };
    }
  }
}

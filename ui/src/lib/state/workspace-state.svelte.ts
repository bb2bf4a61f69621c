// The open workspace and the request tabs (Svelte 5 runes). A tab holds a composer form:
// the active tab's form is the composer's own, the others are kept here until switched
// to. A tab with a file knows the request as last saved or loaded (`baseline`): it is
// unsaved when the composer's request differs. Files, defaults, the watcher and the
// environment's values are the core's (crates/pixbench-workspace).
import { call, on } from "../api";
import { buildRequest, initialComposer, pruneComposer, type ComposerState } from "../logic/composer";
import { composerFromDraft } from "../logic/lineage";
import { toUiError } from "../logic/errors";
import { dropTarget, fileNameFor, movedPath, parentOf, pathFromName, titleOf } from "../logic/workspace";
import type { AppStore } from "./state.svelte";
import type { WorkspaceChange, WorkspaceView } from "../types";

export interface Tab {
  id: number;
  /** The request file (relative to the workspace), or null for a scratch tab. */
  path: string | null;
  title: string;
  /** The tab's form while another tab is active. */
  form: ComposerState;
  /** The request as saved or loaded (JSON), to tell unsaved edits. */
  baseline: string;
  /** The file changed on disk while this tab had edits, or went away. */
  conflict: "changed" | "deleted" | null;
}

/** A name being typed: a request's "save as", a rename, or a new folder. */
export interface Naming {
  kind: "save" | "rename" | "folder";
  /** The folder it goes in (save, folder) or the path renamed. */
  at: string;
  value: string;
  error: string | null;
  /** For "save": the tab saved. */
  tabId?: number;
}

export class WorkspaceStore {
  view = $state<WorkspaceView | null>(null);
  /** What the sidebar shows. */
  panel = $state<"requests" | "history">("history");
  collapsed = $state<Set<string>>(new Set());
  /** Files that could not be opened, and why (shown in the tree). */
  problems = $state<Record<string, string>>({});
  tabs = $state<Tab[]>([]);
  activeId = $state(0);
  naming = $state<Naming | null>(null);
  /** A tab with edits asked to close: Save, Discard or Cancel. */
  closing = $state<number | null>(null);
  /** A path whose delete was pressed once: it asks before deleting. */
  confirmDelete = $state<string | null>(null);
  busy = $state(false);

  readonly #app: AppStore;
  #seq = 0;

  constructor(app: AppStore) {
    this.#app = app;
  }

  get active(): Tab | undefined {
    return this.tabs.find((t) => t.id === this.activeId);
  }

  async init(): Promise<void> {
    this.tabs = [this.#scratch(this.#app.composer.form)];
    this.activeId = this.tabs[0].id;
    try {
      await on("workspace-changed", (c) => void this.changed(c));
      this.view = await call("workspace_current");
      if (this.view) this.panel = "requests";
    } catch (e) {
      this.#app.notices.report(e, "Opening the last workspace");
    }
  }

  // ---- tabs --------------------------------------------------------------------------

  #key(form: ComposerState): string {
    return JSON.stringify(buildRequest(form, this.#app.catalog));
  }

  #scratch(form: ComposerState): Tab {
    return { id: ++this.#seq, path: null, title: "Untitled", form, baseline: this.#key(form), conflict: null };
  }

  #formOf(tab: Tab): ComposerState {
    return tab.id === this.activeId ? this.#app.composer.form : tab.form;
  }

  /** Whether a tab has edits not saved (a scratch tab: edits since it opened). */
  dirty(tab: Tab): boolean {
    return this.#key(this.#formOf(tab)) !== tab.baseline;
  }

  activate(id: number): void {
    if (id === this.activeId) return;
    const next = this.tabs.find((t) => t.id === id);
    if (!next) return;
    const current = this.active;
    if (current) current.form = this.#app.composer.form;
    this.activeId = id;
    this.#app.composer.replaceForm(next.form);
  }

  newTab(): void {
    const tab = this.#scratch(initialComposer(this.#app.catalog));
    this.tabs = [...this.tabs, tab];
    this.activate(tab.id);
  }

  /** Opens a form in a new tab (a history row's request), or in the active tab when it is an untouched scratch tab. */
  openForm(form: ComposerState, title: string): void {
    const tab = this.#scratch(form);
    tab.title = title;
    // A history run's request is not a saved file: it is unsaved until saved as one.
    tab.baseline = this.#key(initialComposer(this.#app.catalog));
    this.#show(tab);
  }

  /** Shows a new tab: in place of an untouched scratch tab, else added at the end. */
  #show(tab: Tab): void {
    const reuse = this.active && this.active.path === null && !this.dirty(this.active);
    if (reuse) {
      this.tabs = this.tabs.map((t) => (t.id === this.activeId ? tab : t));
      this.activeId = tab.id;
      this.#app.composer.replaceForm(tab.form);
    } else {
      this.tabs = [...this.tabs, tab];
      this.activate(tab.id);
    }
  }

  /** Closes a tab; one with edits asks first (see `closing`) unless `force`. */
  close(id: number, force = false): void {
    const tab = this.tabs.find((t) => t.id === id);
    if (!tab) return;
    if (!force && this.dirty(tab)) {
      this.closing = id;
      return;
    }
    this.closing = null;
    const i = this.tabs.indexOf(tab);
    const rest = this.tabs.filter((t) => t.id !== id);
    if (rest.length === 0) {
      const fresh = this.#scratch(initialComposer(this.#app.catalog));
      this.tabs = [fresh];
      this.activeId = fresh.id;
      this.#app.composer.replaceForm(fresh.form);
      return;
    }
    this.tabs = rest;
    if (id === this.activeId) {
      const next = rest[Math.min(i, rest.length - 1)];
      this.activeId = next.id;
      this.#app.composer.replaceForm(next.form);
    }
  }

  /** Saves the tab then closes it (the close dialog's Save). */
  async saveAndClose(id: number): Promise<void> {
    this.closing = null;
    if (await this.save(id)) this.close(id, true);
  }

  // ---- files -------------------------------------------------------------------------

  async pick(): Promise<void> {
    try {
      const view = await call("workspace_pick");
      if (view) {
        this.view = view;
        this.panel = "requests";
        this.problems = {};
      }
    } catch (e) {
      this.#app.notices.report(e, "Opening the folder");
    }
  }

  async closeWorkspace(): Promise<void> {
    try {
      await call("workspace_close");
      this.view = null;
      this.panel = "history";
    } catch (e) {
      this.#app.notices.report(e, "Closing the workspace");
    }
  }

  async #load(path: string): Promise<{ form: ComposerState; title: string } | null> {
    try {
      const r = await call("workspace_load", { path });
      const { [path]: _, ...rest } = this.problems;
      this.problems = rest;
      // Pruned as the composer prunes, so the baseline is what the composer will hold.
      const form = composerFromDraft(r.draft, this.#app.catalog, initialComposer(this.#app.catalog));
      return { form: pruneComposer(form, this.#app.catalog), title: r.title };
    } catch (e) {
      const message = toUiError(e).message;
      this.problems = { ...this.problems, [path]: message };
      // The tree shows it under the file; elsewhere (the tree hidden) it is a notice.
      if (this.panel !== "requests") this.#app.notices.report(e, `Opening ${path}`);
      return null;
    }
  }

  /** Opens a request file in a tab (the tab it is already in, if any). */
  async openFile(path: string): Promise<void> {
    const open = this.tabs.find((t) => t.path === path);
    if (open) return this.activate(open.id);
    const loaded = await this.#load(path);
    if (!loaded) return;
    const form = loaded.form;
    this.#show({ id: ++this.#seq, path, title: loaded.title, form, baseline: this.#key(form), conflict: null });
  }

  /** Saves a tab (default the active one): to its file, or asks for a name first. True when saved. */
  async save(id = this.activeId): Promise<boolean> {
    const tab = this.tabs.find((t) => t.id === id);
    if (!tab) return false;
    if (!this.view) {
      await this.pick();
      if (!this.view) return false;
    }
    if (tab.path === null) {
      const folder = this.naming?.kind === "save" ? this.naming.at : "";
      this.naming = { kind: "save", at: folder, value: fileNameFor(this.#formOf(tab).prompt), error: null, tabId: id };
      return false;
    }
    return this.#write(tab, tab.path, false);
  }

  /** A new request in a folder: the active tab's request saved there under a name typed. */
  startSaveIn(folder: string): void {
    if (!this.active) return;
    this.naming = {
      kind: "save",
      at: folder,
      value: fileNameFor(this.#app.composer.form.prompt),
      error: null,
      tabId: this.activeId,
    };
  }

  async #write(tab: Tab, path: string, create: boolean): Promise<boolean> {
    const form = this.#formOf(tab);
    this.busy = true;
    try {
      this.view = await call("workspace_save", { path, request: buildRequest(form, this.#app.catalog), create });
      tab.path = path;
      tab.title = titleOf(path);
      tab.baseline = this.#key(form);
      tab.conflict = null;
      this.tabs = [...this.tabs];
      return true;
    } catch (e) {
      if (create && this.naming) this.naming = { ...this.naming, error: toUiError(e).message };
      else this.#app.notices.report(e, `Saving ${path}`);
      return false;
    } finally {
      this.busy = false;
    }
  }

  startRename(path: string): void {
    this.naming = { kind: "rename", at: path, value: path.slice(path.lastIndexOf("/") + 1), error: null };
  }

  startNewFolder(folder: string): void {
    this.naming = { kind: "folder", at: folder, value: "", error: null };
  }

  /** Applies the name typed (save as, rename, new folder). */
  async confirmName(): Promise<void> {
    const n = this.naming;
    if (!n) return;
    const isRequest = n.kind === "save" || (n.kind === "rename" && n.at.endsWith(".toml"));
    const folder = n.kind === "rename" ? parentOf(n.at) : n.at;
    const typed = pathFromName(folder, n.value, isRequest);
    if ("error" in typed) {
      this.naming = { ...n, error: typed.error };
      return;
    }
    if (n.kind === "save") {
      const tab = this.tabs.find((t) => t.id === n.tabId);
      if (tab && (await this.#write(tab, typed.path, true))) this.naming = null;
      return;
    }
    try {
      if (n.kind === "rename") {
        await this.#rename(n.at, typed.path);
      } else {
        this.view = await call("workspace_new_folder", { path: typed.path });
      }
      this.naming = null;
    } catch (e) {
      this.naming = { ...n, error: toUiError(e).message };
    }
  }

  /** Renames or moves a file or folder, and the open tabs of what moved with it. */
  async #rename(from: string, to: string): Promise<void> {
    this.view = await call("workspace_rename", { from, to });
    for (const t of this.tabs) {
      const moved = t.path === null ? null : movedPath(t.path, from, to);
      if (moved) {
        t.path = moved;
        t.title = titleOf(moved);
      }
    }
    this.tabs = [...this.tabs];
  }

  /** A file or folder dragged onto a folder ("" the root): moved there, its tabs with it. */
  async moveInto(path: string, folder: string): Promise<void> {
    const to = dropTarget(path, folder);
    if (!to) return;
    try {
      await this.#rename(path, to);
      // The folder it went into opens, so the moved row is seen where it landed.
      if (this.collapsed.has(folder)) {
        const next = new Set(this.collapsed);
        next.delete(folder);
        this.collapsed = next;
      }
    } catch (e) {
      this.#app.notices.report(e, `Moving ${titleOf(path)}`);
    }
  }

  async duplicate(path: string): Promise<void> {
    try {
      const copy = await call("workspace_duplicate", { path });
      this.view = await call("workspace_current");
      await this.openFile(copy);
    } catch (e) {
      this.#app.notices.report(e, `Duplicating ${path}`);
    }
  }

  /** Moves a file or folder to the trash; its open tabs without edits close. */
  async remove(path: string): Promise<void> {
    this.confirmDelete = null;
    try {
      this.view = await call("workspace_delete", { path });
      this.#app.notices.toast(`${titleOf(path)} was moved to the trash`);
      for (const t of [...this.tabs]) {
        if (t.path === null || movedPath(t.path, path, "") === null) continue;
        if (this.dirty(t)) t.conflict = "deleted";
        else this.close(t.id, true);
      }
      this.tabs = [...this.tabs];
    } catch (e) {
      this.#app.notices.report(e, `Deleting ${path}`);
    }
  }

  toggleFolder(path: string): void {
    const next = new Set(this.collapsed);
    if (next.has(path)) next.delete(path);
    else next.add(path);
    this.collapsed = next;
  }

  // ---- environments ------------------------------------------------------------------

  async selectEnvironment(name: string | null): Promise<void> {
    try {
      this.view = await call("workspace_environment", { name });
      // An environment may name a profile: the header and the estimate follow it.
      const before = this.#app.profiles.current?.id;
      await this.#app.profiles.refresh();
      if (this.#app.profiles.current?.id !== before) await this.#app.profiles.followCurrent();
    } catch (e) {
      this.#app.notices.report(e, "Choosing the environment");
    }
  }

  // ---- changes on disk ---------------------------------------------------------------

  /** Files changed outside the app: a tab without edits reloads; one with edits asks. */
  async changed(c: WorkspaceChange): Promise<void> {
    this.view = c.view;
    const present = new Set(c.view.entries.map((e) => e.path));
    for (const tab of this.tabs) {
      if (tab.path === null) continue;
      if (!present.has(tab.path)) {
        tab.conflict = "deleted";
        continue;
      }
      if (!c.changed.includes(tab.path)) continue;
      if (this.dirty(tab)) tab.conflict = "changed";
      else await this.reload(tab.id);
    }
    this.tabs = [...this.tabs];
  }

  /** Reads a tab's file again, dropping its edits. */
  async reload(id: number): Promise<void> {
    const tab = this.tabs.find((t) => t.id === id);
    if (!tab?.path) return;
    const loaded = await this.#load(tab.path);
    if (!loaded) return;
    const form = loaded.form;
    tab.form = form;
    tab.baseline = this.#key(form);
    tab.conflict = null;
    if (tab.id === this.activeId) this.#app.composer.replaceForm(form);
    this.tabs = [...this.tabs];
  }

  /** Keeps a tab's edits over a change on disk (the next save writes them). */
  keepMine(id: number): void {
    const tab = this.tabs.find((t) => t.id === id);
    if (tab) tab.conflict = null;
    this.tabs = [...this.tabs];
  }
}

// Recipes read from image files (crates/pixbench-core/src/recipe): a dropped or pasted
// image that carries one asks "Load its recipe" or "Add as reference"; "Open recipe…" loads
// one from a native dialog; the viewer saves an output with its recipe.
import { call, onFileDrop } from "../api";
import { pruneComposer } from "../logic/composer";
import { toUiError } from "../logic/errors";
import { composerFromRecipe } from "../logic/recipe";
import type { RecipeLoad } from "../types";
import { store } from "./state.svelte";

/** Pasted files above this are added as references without looking for a recipe. */
const PROBE_LIMIT = 64 * 1024 * 1024;

export interface RecipeOffer {
  load: RecipeLoad;
  /** The file's name, for the offer's title. */
  name: string;
  /** What "Add as reference" does with the file. */
  addAsReference: () => Promise<void>;
}

class RecipeState {
  offer = $state<RecipeOffer | null>(null);

  /** Fills the composer with the recipe's request (nothing is sent). */
  load(load: RecipeLoad): void {
    this.offer = null;
    store.composer.update((s) => pruneComposer(composerFromRecipe(load, store.catalog, s), store.catalog));
    for (const n of load.notes) store.notices.note(n);
    store.notices.toast("Recipe loaded: check the request, then Run.");
  }

  async addAsReference(): Promise<void> {
    const o = this.offer;
    this.offer = null;
    if (o) await o.addAsReference();
  }

  dismiss(): void {
    this.offer = null;
  }

  async open(): Promise<void> {
    try {
      const load = await call("recipe_pick");
      if (load) this.load(load);
    } catch (e) {
      store.notices.report(e, "Opening a recipe");
    }
  }

  /** Dropped files: one with a recipe asks what to do; any other is a reference. */
  async dropped(paths: string[]): Promise<void> {
    if (paths.length === 1) {
      try {
        const load = await call("recipe_probe_path", { path: paths[0] });
        if (load) {
          const name = paths[0].split(/[\\/]/).pop() ?? "image";
          this.offer = { load, name, addAsReference: () => store.composer.addReferencePaths(paths) };
          return;
        }
      } catch (e) {
        store.notices.report(e, "Reading the dropped image's recipe");
      }
    }
    await store.composer.addReferencePaths(paths);
  }

  /** Pasted image files: the same choice for one that carries a recipe. */
  async pasted(files: File[]): Promise<void> {
    if (files.length === 1 && files[0].size <= PROBE_LIMIT) {
      try {
        const load = await call("recipe_read_bytes", {
          bytes: Array.from(new Uint8Array(await files[0].arrayBuffer())),
        });
        this.offer = {
          load,
          name: files[0].name || "pasted image",
          addAsReference: () => store.composer.addReferenceFiles(files),
        };
        return;
      } catch (e) {
        const err = toUiError(e);
        if (err.kind !== "no_recipe" && err.kind !== "not_an_image")
          store.notices.report(e, "Reading the pasted image's recipe");
      }
    }
    await store.composer.addReferenceFiles(files);
  }

  /** Saves one output, with its recipe, into the exports folder; answers the path. */
  async saveOutput(runId: string, targetIdx: number, outputIdx: number): Promise<string | null> {
    try {
      const path = await call("export_output", { runId, targetIdx, outputIdx });
      store.notices.saved("Image saved with its recipe", path);
      return path;
    } catch (e) {
      store.notices.report(e, "Saving the image");
      return null;
    }
  }
}

export const recipes = new RecipeState();

/**
 * Files dragged over the window set `store.dragging`; dropped ones go to `recipes.dropped`
 * (an image may carry a recipe; any other file is a reference). Answers the unsubscribe.
 */
export async function listenForDrops(): Promise<() => void> {
  try {
    return await onFileDrop((e) => {
      if (e.type === "enter" || e.type === "over") store.dragging = true;
      else {
        store.dragging = false;
        if (e.type === "drop") void recipes.dropped(e.paths);
      }
    });
  } catch {
    // Not in a Tauri webview (a plain browser): no file drops.
    return () => {};
  }
}

// A recipe read from an image file (crates/pixbench-core/src/recipe): how it fills the
// composer, and how the "Load its recipe" offer describes it. Pure.
import type { CatalogEntry, RecipeLoad } from "../types";
import { composerFromRequest, sizeText, type ComposerState } from "./composer";
import { formatCredits } from "./format";

/**
 * The composer with the recipe's request: prompt, the target(s) it names that this catalog
 * has, the aspect ratio, the model fields and its reference images (an edit whose images
 * are not in this history stays an edit, waiting for them). Targets stay as they were when
 * the recipe's model is unknown (the offer says so); so do the response format and the
 * request mode, which are not the recipe's.
 */
export function composerFromRecipe(load: RecipeLoad, entries: CatalogEntry[], prev: ComposerState): ComposerState {
  const next = composerFromRequest(load.request, load.references, entries, prev);
  return { ...next, responseFormat: prev.responseFormat, syncMode: prev.syncMode };
}

/** The offer's lines: what loading the recipe would set. */
export function recipeLines(load: RecipeLoad, entries: CatalogEntry[]): { label: string; value: string }[] {
  const r = load.recipe;
  const entry = entries.find((e) => e.id === load.request.targets[0]?.modelId);
  const lines = [
    { label: "Model", value: entry ? entry.label : `${r.modelId} (not in this catalog)` },
    {
      label: "Size",
      value: [r.size ? sizeText(r.size) : null, r.aspectRatio].filter(Boolean).join(" · ") || "the model's default",
    },
  ];
  const fields = Object.entries(r.fields ?? {}).map(
    ([k, v]) => `${k} ${typeof v === "string" ? v : JSON.stringify(v)}`,
  );
  if (fields.length > 0) lines.push({ label: "Fields", value: fields.join(", ") });
  if (r.mode === "edit")
    lines.push({ label: "References", value: `${load.references.length} of ${r.references.length} in history` });
  lines.push({
    label: "Made",
    value: `${r.createdAt.slice(0, 16).replace("T", " ")} · ${formatCredits(r.credits)}${r.simulated ? " (Sandbox)" : ""}`,
  });
  return lines;
}

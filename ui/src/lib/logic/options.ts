// Model-specific request fields ("Model options": quality, background, ...): which ones the
// composer offers for the chosen targets, and the the request's `fields` built from them. Pure.
import type { CatalogEntry, FieldSpec, JsonValue } from "../types";

export type OptionValue = string | number;
/** The composer's model options: field name -> value. A field not set is not sent. */
export type Options = Record<string, OptionValue>;

/** A field the composer shows for the chosen targets. */
export interface OptionField {
  spec: FieldSpec;
  /** The chosen targets that take it (in catalog order). */
  takers: CatalogEntry[];
  /** Whether every chosen target takes it. */
  all: boolean;
  /** "Only GPT Image 2 (1K, 2K)" when not every chosen target takes it, else null. */
  hint: string | null;
}

/** "Nano Banana 2" from "Nano Banana 2 · 4K"; the family id for a label without " · ". */
export function familyTitle(e: Pick<CatalogEntry, "label" | "family" | "listedByServer">): string {
  if (e.listedByServer) return "Listed by the server";
  return e.label.includes(" · ") ? e.label.split(" · ")[0] : e.family;
}

/** The names of the fields at least one of `chosen` takes. */
export function takenFields(chosen: CatalogEntry[]): Set<string> {
  const out = new Set<string>();
  for (const e of chosen) for (const f of e.fields) out.add(f);
  return out;
}

/** "Only GPT Image 2 (1K, 2K), GPT Image 1.5 (1K)": the takers, grouped by family. */
export function takersHint(takers: CatalogEntry[]): string {
  const groups: { title: string; variants: string[] }[] = [];
  for (const e of takers) {
    const title = familyTitle(e);
    let g = groups.find((x) => x.title === title);
    if (!g) {
      g = { title, variants: [] };
      groups.push(g);
    }
    if (!g.variants.includes(e.variant)) g.variants.push(e.variant);
  }
  return `Only ${groups.map((g) => `${g.title} (${g.variants.join(", ")})`).join(", ")}`;
}

/**
 * The fields the composer shows: those at least one chosen target takes, in the order of
 * the catalog's field specs. A field an entry lists without a spec is left out (its values
 * are unknown).
 */
export function optionFields(chosen: CatalogEntry[], specs: FieldSpec[]): OptionField[] {
  const out: OptionField[] = [];
  for (const spec of specs) {
    const takers = chosen.filter((e) => e.fields.includes(spec.name));
    if (takers.length === 0) continue;
    const all = takers.length === chosen.length;
    out.push({ spec, takers, all, hint: all ? null : takersHint(takers) });
  }
  return out;
}

/**
 * The hint the section shows once for all its fields, when every field is taken by the
 * same targets (the usual case: the GPT image models take all of them); else null and
 * each field shows its own.
 */
export function sharedHint(fields: OptionField[]): { shared: boolean; hint: string | null } {
  if (fields.length === 0) return { shared: true, hint: null };
  const first = fields[0].hint;
  const shared = fields.every((f) => f.hint === first);
  return { shared, hint: shared ? first : null };
}

/** The options kept when `chosen` are the targets: those at least one of them takes. */
export function pruneOptions(options: Options, chosen: CatalogEntry[]): Options {
  const taken = takenFields(chosen);
  const keys = Object.keys(options);
  if (keys.every((k) => taken.has(k))) return options;
  const out: Options = {};
  for (const k of keys) if (taken.has(k)) out[k] = options[k];
  return out;
}

/**
 * Sets one option from what the user chose or typed, normalised by its spec: one of its
 * values, or a whole number clamped to min..max. Empty, null or an unknown value clears
 * the field (it is then not sent).
 */
export function setOption(options: Options, spec: FieldSpec, raw: string | number | null): Options {
  const { [spec.name]: _old, ...rest } = options;
  if (raw === null) return rest;
  if (spec.values.length > 0) {
    const v = String(raw);
    return spec.values.includes(v) ? { ...rest, [spec.name]: v } : rest;
  }
  const text = String(raw).trim();
  if (text === "") return rest;
  const n = Number(text);
  if (!Number.isFinite(n)) return rest;
  let v = Math.round(n);
  if (spec.min !== null) v = Math.max(spec.min, v);
  if (spec.max !== null) v = Math.min(spec.max, v);
  return { ...rest, [spec.name]: v };
}

/** the request's `fields` for the targets sent: the options one of them takes, or null if none. */
export function specOptions(options: Options, sent: CatalogEntry[]): { [key in string]: JsonValue } | null {
  const kept = pruneOptions(options, sent);
  const keys = Object.keys(kept).sort();
  if (keys.length === 0) return null;
  const out: { [key in string]: JsonValue } = {};
  for (const k of keys) out[k] = kept[k];
  return out;
}

/** The quality a target is priced at: the chosen one if its model takes `quality`. */
export function qualityOf(entry: CatalogEntry, options: Options): string | null {
  if (!entry.fields.includes("quality")) return null;
  const q = options.quality;
  return typeof q === "string" ? q : null;
}

/** Credits per image of `entry` with these options (the core's rule: no quality = auto). */
export function entryCredits(entry: CatalogEntry, options: Options): number {
  const q = qualityOf(entry, options) ?? "auto";
  const p = entry.qualityCredits.find((x) => x.quality === q);
  return p ? p.credits : entry.credits;
}

/** "4 cr", "from 1 cr"; "price ?" for an entry whose price is unknown. */
export function priceText(credits: number, priceFrom: boolean, unpriced = false): string {
  if (unpriced) return "price ?";
  return `${priceFrom ? "from " : ""}${credits} cr`;
}

/** The tooltip of a target's price: per quality where the model prices it. */
export function priceTitle(entry: CatalogEntry, options: Options): string {
  if (entry.unpriced)
    return entry.listedByServer
      ? "Listed by the server, not in the catalog: its price is unknown, so a run's cost cannot be bounded, and its images are recorded as unpriced"
      : "The catalog gives no price for it: a run's cost cannot be bounded";
  const per = entryCredits(entry, options);
  const base = entry.priceFrom
    ? `From ${per} ${per === 1 ? "credit" : "credits"} per image: the page gives a floor, the server may charge more`
    : `${per} ${per === 1 ? "credit" : "credits"} per image`;
  if (entry.qualityCredits.length === 0) return base;
  const q = qualityOf(entry, options) ?? "auto";
  const table = entry.qualityCredits.map((p) => `${p.quality} ${p.credits}`).join(" · ");
  return `${base} at quality ${q} (by quality: ${table})`;
}

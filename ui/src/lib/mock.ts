// A fake backend for `vite dev` in a plain browser (never in the production bundle):
// answers the commands of docs/IPC.md with plausible data and emits run events, so the
// UI can be developed and looked at without the Rust side. Prompts containing "fail"
// make targets fail; "slow" makes them slow; "downscale" makes 2K/4K targets deliver one
// tier lower (billed that tier, with a billing note).
// Its `handlers` answer every command, typed by the command map generated from the Rust
// declarations: a command it lacks, or answers with the wrong shape, fails the UI's type
// check. Over 800 lines on purpose: one fake backend (the blind, sweep and metrics parts
// are apart).
import { mockIPC } from "@tauri-apps/api/mocks";
import { emit } from "@tauri-apps/api/event";
import { sizeOption } from "./logic/aspect";
import { entryCredits, type Options } from "./logic/options";
import { mockPlan } from "./mock-sweep";
import { targetAspect } from "./logic/sweep";
import { mockPair, mockWorth } from "./mock-metrics";
import { mockBlindNext, mockBlindVote, mockLeaderboard } from "./mock-blind";
import { workspaceHandlers } from "./mock-workspace";
import type {
  BenchInput,
  CatalogEntry,
  FieldSpec,
  GatewayPreset,
  JsonValue,
  QualityPrice,
  RequestPart,
  SizeOption,
  TargetView,
  Preflight,
  Estimate,
  OutputView,
  ProfileView,
  ReferenceView,
  Request,
  RunDraft,
  RunStart,
  OutputRef,
  Lineage,
  LineageNode,
  RunSummary,
  RunView,
  ServerModels,
  SessionView,
  Settings,
  TargetSpec,
} from "./types";
import type { CommandName, Commands, Cost, ErrorKind, UiError } from "./types";

/** `n` credits at the built-in catalog's rate, as a cost. */
function cr(n: number): Cost {
  return { credits: n, usd: Math.round(n) / 100, unpriced: 0 };
}

/** What the mock holds under a key, or the `not_found` rejection a command gives. */
function found<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw mockError("not_found", `${what} is not in the mock.`);
  return value;
}

/** What a command rejects with, typed as the core's `UiError`. */
function mockError(kind: ErrorKind, message: string): UiError {
  return { kind, message, detail: null, requestId: null };
}

/** "1:1=1024x1024 16:9=1376x768 …" as the catalog's sizes (keywords 2K/4K are squares). */
function sizes(spec: string): SizeOption[] {
  return spec.split(" ").map((pair) => {
    const [aspectRatio, size] = pair.split("=");
    const m = /^(\d+)x(\d+)$/.exec(size);
    const edge = size === "2K" ? 2048 : size === "4K" ? 4096 : 1024;
    return { aspectRatio, size, width: m ? Number(m[1]) : edge, height: m ? Number(m[2]) : edge };
  });
}

const GPT_FIELDS = ["quality", "background", "output_format", "output_compression", "moderation"];

function quality(low: number, medium: number, high: number): QualityPrice[] {
  return [
    ["low", low],
    ["medium", medium],
    ["high", high],
    ["auto", high],
  ].map(([q, c]) => ({ quality: String(q), credits: Number(c) }));
}

interface Row {
  id: string;
  model: string;
  label: string;
  variant: string;
  longEdge: number;
  credits: number;
  sizes: string;
  alias?: string;
  officialUsd?: number;
  async?: boolean;
  maxReferences?: number;
  gpt?: boolean;
  priceFrom?: boolean;
  qualityCredits?: QualityPrice[];
}

function entry(r: Row): CatalogEntry {
  const sz = sizes(r.sizes);
  return {
    id: r.id,
    model: r.model,
    family: r.model,
    label: r.label,
    alias: r.alias ?? null,
    variant: r.variant,
    longEdge: r.longEdge,
    credits: r.credits,
    qualityCredits: r.qualityCredits ?? [],
    priceFrom: r.priceFrom ?? false,
    tierRule: r.qualityCredits ? "long_edge" : "pixel_count",
    officialUsd: r.officialUsd ?? null,
    sizes: sz,
    fields: r.gpt ? GPT_FIELDS : [],
    maxReferences: r.maxReferences ?? 14,
    maxReferenceBytes: 7 << 20,
    referenceFormats: ["png", "jpeg", "webp", "heic", "heif"],
    aspectRatios: sz.map((x) => x.aspectRatio),
    supportsEdit: true,
    defaultAsync: r.async ?? false,
    maxN: 10,
    editImages: "files",
    unpriced: false,
    listedByServer: false,
    gateway: "pixapi",
    usdPrices: [],
    tokenUsd: null,
    b64Only: false,
  };
}

const NB2 = "gemini-3.1-flash-image-preview";
const PRO = "gemini-3-pro-image-preview";
// A mirror of crates/pixbench-core/catalog.toml (ids, models, sizes per ratio, prices).
const catalog: CatalogEntry[] = [
  entry({
    id: `${NB2}-512`,
    model: NB2,
    label: "Nano Banana 2 · 512",
    variant: "512",
    longEdge: 512,
    credits: 4,
    alias: "nano-banana-2",
    officialUsd: 0.05,
    sizes:
      "1:1=512x512 16:9=688x384 9:16=384x688 3:2=632x424 2:3=424x632 4:3=600x448 3:4=448x600 5:4=576x464 4:5=464x576 21:9=792x336 4:1=1024x256 1:4=256x1024 8:1=1536x192 1:8=192x1536",
  }),
  entry({
    id: NB2,
    model: NB2,
    label: "Nano Banana 2 · 1K",
    variant: "1K",
    longEdge: 1024,
    credits: 4,
    alias: "nano-banana-2",
    officialUsd: 0.067,
    sizes:
      "1:1=1024x1024 16:9=1376x768 9:16=768x1376 3:2=1264x848 2:3=848x1264 4:3=1200x896 3:4=896x1200 5:4=1152x928 4:5=928x1152 21:9=1584x672 4:1=2048x512 1:4=512x2048 8:1=3072x384 1:8=384x3072",
  }),
  entry({
    id: `${NB2}-2k`,
    model: NB2,
    label: "Nano Banana 2 · 2K",
    variant: "2K",
    longEdge: 2048,
    credits: 6,
    alias: "nano-banana-2",
    officialUsd: 0.101,
    async: true,
    sizes:
      "1:1=2K 16:9=2752x1536 9:16=1536x2752 3:2=2528x1696 2:3=1696x2528 4:3=2400x1792 3:4=1792x2400 5:4=2304x1856 4:5=1856x2304 21:9=3168x1344 4:1=4096x1024 1:4=1024x4096 8:1=6144x768 1:8=768x6144",
  }),
  entry({
    id: `${NB2}-4k`,
    model: NB2,
    label: "Nano Banana 2 · 4K",
    variant: "4K",
    longEdge: 4096,
    credits: 8,
    alias: "nano-banana-2",
    officialUsd: 0.151,
    async: true,
    sizes:
      "1:1=4K 16:9=5504x3072 9:16=3072x5504 3:2=5056x3392 2:3=3392x5056 4:3=4800x3584 3:4=3584x4800 5:4=4608x3712 4:5=3712x4608 21:9=6336x2688 4:1=8192x2048 1:4=2048x8192 8:1=11584x1448 1:8=1448x11584",
  }),
  entry({
    id: PRO,
    model: PRO,
    label: "Nano Banana Pro · 1K",
    variant: "1K",
    longEdge: 1024,
    credits: 8,
    alias: "nano-banana-pro",
    officialUsd: 0.134,
    sizes:
      "1:1=1024x1024 16:9=1376x768 9:16=768x1376 3:2=1264x848 2:3=848x1264 4:3=1200x896 3:4=896x1200 5:4=1152x928 4:5=928x1152 21:9=1584x672",
  }),
  entry({
    id: `${PRO}-2k`,
    model: PRO,
    label: "Nano Banana Pro · 2K",
    variant: "2K",
    longEdge: 2048,
    credits: 8,
    alias: "nano-banana-pro",
    officialUsd: 0.134,
    async: true,
    sizes:
      "1:1=2048x2048 16:9=2048x1152 9:16=1536x2752 3:2=2528x1696 2:3=1696x2528 4:3=2400x1792 3:4=1792x2400 5:4=2304x1856 4:5=1856x2304 21:9=3168x1344",
  }),
  entry({
    id: `${PRO}-4k`,
    model: PRO,
    label: "Nano Banana Pro · 4K",
    variant: "4K",
    longEdge: 4096,
    credits: 16,
    alias: "nano-banana-pro",
    officialUsd: 0.268,
    async: true,
    sizes:
      "1:1=4096x4096 16:9=3840x2160 9:16=3072x5504 3:2=5056x3392 2:3=3392x5056 4:3=4800x3584 3:4=3584x4800 5:4=4608x3712 4:5=3712x4608 21:9=6336x2688",
  }),
  entry({
    id: "gemini-2.5-flash-image",
    model: "gemini-2.5-flash-image",
    label: "Nano Banana · 1K",
    variant: "1K",
    longEdge: 1024,
    credits: 2,
    alias: "nano-banana",
    officialUsd: 0.039,
    maxReferences: 3,
    sizes:
      "1:1=1024x1024 16:9=1344x768 9:16=768x1344 3:2=1248x832 2:3=832x1248 4:3=1184x864 3:4=864x1184 5:4=1152x896 4:5=896x1152 21:9=1536x672",
  }),
  entry({
    id: "gpt-image-1.5",
    model: "gpt-image-1.5",
    label: "GPT Image 1.5 · 1K",
    variant: "1K",
    longEdge: 1536,
    credits: 1,
    maxReferences: 16,
    gpt: true,
    priceFrom: true,
    sizes: "1:1=1024x1024 3:2=1536x1024 2:3=1024x1536",
  }),
  entry({
    id: "gpt-image-2",
    model: "gpt-image-2",
    label: "GPT Image 2 · 1K",
    variant: "1K",
    longEdge: 1536,
    credits: 14,
    maxReferences: 16,
    gpt: true,
    qualityCredits: quality(1, 4, 14),
    sizes: "1:1=1024x1024 16:9=1536x864 9:16=864x1536 3:2=1536x1024 2:3=1024x1536 4:3=1344x1008 3:4=1008x1344",
  }),
  entry({
    id: "gpt-image-2-2k",
    model: "gpt-image-2",
    label: "GPT Image 2 · 2K",
    variant: "2K",
    longEdge: 2048,
    credits: 67,
    maxReferences: 16,
    gpt: true,
    async: true,
    qualityCredits: quality(2, 17, 67),
    sizes: "1:1=2048x2048 16:9=2048x1152 9:16=1152x2048 3:2=2048x1360 2:3=1360x2048 4:3=2048x1536 3:4=1536x2048",
  }),
  entry({
    id: "gpt-image-2-4k",
    model: "gpt-image-2",
    label: "GPT Image 2 · 4K",
    variant: "4K",
    longEdge: 3840,
    credits: 133,
    maxReferences: 16,
    gpt: true,
    async: true,
    qualityCredits: quality(4, 34, 133),
    sizes: "1:1=2880x2880 16:9=3840x2160 9:16=2160x3840 3:2=3520x2352 2:3=2352x3520 4:3=3312x2480 3:4=2480x3312",
  }),
];

// crates/pixbench-core/src/catalog.rs `field_specs`.
const fields: FieldSpec[] = [
  {
    name: "quality",
    label: "Quality",
    values: ["auto", "low", "medium", "high"],
    min: null,
    max: null,
    source: "pixapi.ai/docs/models/gpt-image/",
  },
  {
    name: "background",
    label: "Background",
    values: ["auto", "opaque", "transparent"],
    min: null,
    max: null,
    source: "OpenAI image API",
  },
  {
    name: "output_format",
    label: "Format",
    values: ["png", "jpeg", "webp"],
    min: null,
    max: null,
    source: "OpenAI image API",
  },
  { name: "output_compression", label: "Compression %", values: [], min: 0, max: 100, source: "OpenAI image API" },
  {
    name: "moderation",
    label: "Moderation",
    values: ["auto", "low"],
    min: null,
    max: null,
    source: "OpenAI image API",
  },
];

/** The fields one target is sent: those its entry lists (the core's rule). */
function optionsFor(spec: Request, e: CatalogEntry | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(spec.fields ?? {})) if (e?.fields.includes(k)) out[k] = v;
  return out;
}

/** What one expanded target sends: the request with the target's prompt, ratio and fields. */
function sentBy(request: Request, t: TargetSpec): Request {
  return {
    ...request,
    prompt: t.prompt ?? request.prompt,
    aspectRatio: t.aspectRatio ?? request.aspectRatio,
    fields: t.fields ? { ...request.fields, ...t.fields } : request.fields,
  };
}

function price(e: CatalogEntry | undefined, spec: Request): number {
  if (!e) return 0;
  return entryCredits(e, optionsFor(spec, e) as Options);
}

let profiles: ProfileView[] = [
  {
    id: "sandbox",
    name: "Sandbox",
    baseUrl: "http://127.0.0.1:38517",
    defaultModel: NB2,
    budgetCredits: null,
    isSandbox: true,
    isCurrent: true,
    keyMask: null,
    keyState: "sandbox",
    keyNote: null,
    requestStyle: "size",
    imageParts: "auto",
    gateway: "pixapi",
    billing: "credits",
  },
  {
    id: "p-prod",
    name: "Pixapi",
    baseUrl: "https://api.pixapi.example",
    defaultModel: NB2,
    budgetCredits: null,
    isSandbox: false,
    isCurrent: false,
    keyMask: "sk_…9f2c",
    keyState: "stored",
    keyNote: null,
    requestStyle: "size",
    imageParts: "auto",
    gateway: "pixapi",
    billing: "credits",
  },
];

// A mirror of crates/pixbench-core/presets/*.toml.
const PRESETS: GatewayPreset[] = [
  {
    id: "pixapi",
    name: "Pixapi",
    description: "Pixapi's image API: Nano Banana and GPT Image models at 512 to 4K, billed in credits.",
    baseUrl: "https://api.pixapi.ai",
    keyEnv: "PIXAPI_KEY",
    catalog: "pixapi",
    defaultModel: NB2,
    billing: "credits",
    requestStyle: "size",
    imageParts: "auto",
    asyncTasks: true,
    sandboxFlavour: "pixapi",
    docsUrl: "https://pixapi.ai/docs/",
  },
  {
    id: "openai",
    name: "OpenAI",
    description: "OpenAI's Images API: gpt-image-1, gpt-image-1-mini and gpt-image-1.5, billed in dollars.",
    baseUrl: "https://api.openai.com",
    keyEnv: "OPENAI_API_KEY",
    catalog: "openai",
    defaultModel: "openai-gpt-image-1.5",
    billing: "usd",
    requestStyle: "size",
    imageParts: "auto",
    asyncTasks: false,
    sandboxFlavour: "openai",
    docsUrl: null,
  },
];

function presetOf(id: string): GatewayPreset {
  return PRESETS.find((p) => p.id === id) ?? PRESETS[0];
}

const references = new Map<string, ReferenceView>();

let session: SessionView = {
  id: "s1",
  name: "Session 1",
  startedAt: new Date().toISOString(),
  budgetCredits: null,
  profileId: "sandbox",
  simulated: true,
  spent: cr(0),
  realSpent: cr(0),
  simulatedSpent: cr(0),
  images: 0,
  failedImages: 0,
  successRate: null,
  avgCreditsPerImage: null,
  savingsUsd: null,
  byVariant: [],
  overTime: [],
  budgetWarning: false,
};

let settings: Settings = { sessionMode: "new_each_start", maxRequests: 64 };

const runs = new Map<string, RunView>();
const timers = new Map<string, ReturnType<typeof setTimeout>[]>();
let seq = 0;

function picture(seed: string, w: number, h: number, label: string): string {
  const scale = Math.min(1, 512 / Math.max(w, h));
  const cw = Math.max(1, Math.round(w * scale));
  const ch = Math.max(1, Math.round(h * scale));
  const c = document.createElement("canvas");
  c.width = cw;
  c.height = ch;
  const g = c.getContext("2d");
  if (!g) return "";
  let hash = 0;
  for (const ch2 of seed) hash = (hash * 31 + ch2.charCodeAt(0)) >>> 0;
  const h1 = hash % 360;
  const grad = g.createLinearGradient(0, 0, cw, ch);
  grad.addColorStop(0, `hsl(${h1} 70% 55%)`);
  grad.addColorStop(1, `hsl(${(h1 + 80) % 360} 70% 30%)`);
  g.fillStyle = grad;
  g.fillRect(0, 0, cw, ch);
  for (let i = 0; i < 7; i++) {
    g.beginPath();
    g.fillStyle = `hsla(${(h1 + i * 40) % 360} 80% 70% / 0.35)`;
    g.arc(((hash >>> i) % cw) + i * 30, ((hash >>> (i + 3)) % ch) + i * 10, 30 + ((hash >>> i) % 90), 0, Math.PI * 2);
    g.fill();
  }
  g.fillStyle = "rgba(255,255,255,0.85)";
  g.font = `bold ${Math.round(cw / 12)}px sans-serif`;
  g.fillText(label, 16, ch - 20);
  return c.toDataURL("image/png");
}

function summary(r: RunView): RunSummary {
  const outs = r.targets.flatMap((t) => t.outputs);
  return {
    id: r.id,
    createdAt: r.createdAt,
    prompt: r.prompt,
    kind: r.kind,
    status: r.status,
    models: r.targets.map((t) => t.modelId),
    profileName: r.profileName,
    simulated: r.simulated,
    cost: r.cost,
    images: outs.length,
    thumbUrl: outs[0]?.thumbUrl ?? null,
  };
}

function estimate(request: Request): Estimate {
  const limit = settings.maxRequests ?? 64;
  const plan = mockPlan(request, catalog, limit);
  const spec = request;
  const targets = request.targets.map((t, bi) => {
    const e = catalog.find((c) => c.id === t.modelId);
    const mine = plan.targets.filter((x) => x.base === bi);
    const costs = mine.map((x) => price(e, sentBy(request, x)) * x.n);
    const per = price(e, request);
    const size = t.size ?? (e ? sizeOption(e, t.aspectRatio ?? request.aspectRatio)?.size : undefined);
    return {
      modelId: t.modelId,
      n: t.n,
      requests: mine.length,
      perImage: cr(per),
      cost: cr(costs.reduce((a, b) => a + b, 0)),
      size,
      priceFrom: e?.priceFrom ?? false,
    };
  });
  const total = targets.reduce((s, t) => s + t.cost.credits, 0);
  const budget = session.budgetCredits === null ? null : Number(session.budgetCredits);
  const spent = Number(session.spent.credits);
  const problems: string[] = [...plan.problems];
  if (!spec.prompt) problems.push("Write a prompt first.");
  for (const key of Object.keys(spec.fields ?? {})) {
    if (
      [
        "model",
        "prompt",
        "n",
        "size",
        "response_format",
        "image",
        "image[]",
        "images",
        "mask",
        "aspect_ratio",
      ].includes(key)
    ) {
      problems.push(
        `The extra field “${key}” cannot be set by hand: the request sets it from the composer (target, n, size, format, images).`,
      );
    }
  }
  return {
    count: plan.targets.length,
    limit,
    targets,
    total: cr(total),
    simulated: current().isSandbox,
    budgetCredits: budget,
    spent: cr(spent),
    overBudget: budget !== null && spent + total > budget,
    problems,
    axes: plan.axes,
    notes: [],
  };
}

function serverModels(): ServerModels {
  const ids = [...new Set(catalog.map((e) => e.model))];
  return {
    profileId: current().id,
    fetchedAt: new Date().toISOString(),
    models: ids.map((id) => ({ id, ownedBy: null, entryIds: catalog.filter((e) => e.model === id).map((e) => e.id) })),
    problem: null,
  };
}

function current(): ProfileView {
  return profiles.find((p) => p.isCurrent) ?? profiles[0];
}

/** The request one target sends, as the core describes it (key redacted). */
function describe(
  spec: Request,
  e: CatalogEntry | undefined,
  modelId: string,
  n: number,
  isAsync: boolean,
): TargetView["request"] {
  const p = current();
  // The Sandbox always uses the documented form.
  const style = p.isSandbox ? "size" : p.requestStyle;
  const imageParts = p.isSandbox ? "auto" : p.imageParts;
  const ratio = spec.aspectRatio ?? "1:1";
  const mapped = e ? sizeOption(e, ratio)?.size : undefined;
  const model = style === "suffix" ? modelId : (e?.model ?? modelId);
  const size = style === "suffix" ? (ratio !== "1:1" ? mapped : undefined) : mapped;
  const extra = optionsFor(spec, e);
  const edit = spec.images.length > 0;
  const path = `${isAsync ? "/v1/async" : "/v1"}/images/${edit ? "edits" : "generations"}`;
  const url = `${p.baseUrl.replace(/\/$/, "")}${path}`;
  const auth: [string, string] = ["authorization", p.isSandbox ? "Bearer sk_…sim" : `Bearer ${p.keyMask ?? "…"}`];
  if (edit) {
    const text = (name: string, v: unknown): RequestPart => ({
      name,
      fileName: null,
      mime: null,
      size: String(v).length,
      text: String(v),
    });
    const parts: RequestPart[] = [text("model", model), text("prompt", spec.prompt), text("n", n)];
    if (size) parts.push(text("size", size));
    parts.push(text("response_format", spec.responseFormat));
    for (const [k, v] of Object.entries(extra)) parts.push(text(k, v));
    const refs = spec.images.map((sha) => references.get(sha)).filter((r): r is ReferenceView => r !== undefined);
    const name = refs.length > 1 && imageParts === "auto" ? "image[]" : "image";
    for (const r of refs) parts.push({ name, fileName: r.name, mime: r.mime, size: Number(r.bytes), text: null });
    return {
      method: "POST",
      url,
      headers: [auth, ["content-type", "multipart/form-data; boundary=…"]],
      jsonBody: null,
      parts,
    };
  }
  const body: Record<string, JsonValue> = { model, prompt: spec.prompt, n };
  if (size) body.size = size;
  body.response_format = spec.responseFormat;
  for (const [k, v] of Object.entries(extra)) body[k] = v as JsonValue;
  return { method: "POST", url, headers: [auth, ["content-type", "application/json"]], jsonBody: body, parts: [] };
}

/**
 * What one image is delivered and billed: as asked; with "downscale" in the prompt, a 2K or
 * 4K target delivers one tier lower and is billed that tier (with the core's note).
 */
function delivered(
  spec: Request,
  e: CatalogEntry | undefined,
): { width: number; height: number; credits: number; asked: string; variant: string; entry: string } {
  const asked = e ? sizeOption(e, spec.aspectRatio) : undefined;
  const base = {
    width: asked?.width ?? 1024,
    height: asked?.height ?? 1024,
    credits: price(e, spec),
    asked: e?.variant ?? "",
    variant: e?.variant ?? "",
    entry: e?.id ?? "",
  };
  if (!e || !/downscale/i.test(spec.prompt) || (e.variant !== "2K" && e.variant !== "4K")) return base;
  const lower = catalog.find((c) => c.model === e.model && c.variant === (e.variant === "4K" ? "2K" : "1K"));
  const got = lower ? sizeOption(lower, spec.aspectRatio) : undefined;
  if (!lower || !got) return base;
  const credits = price(lower, spec);
  return { ...base, width: got.width, height: got.height, credits, variant: lower.variant, entry: lower.id };
}

function recompute(r: RunView): void {
  r.cost = cr(r.targets.reduce((s, t) => s + t.cost.credits, 0));
  const st = r.targets.map((t) => t.status);
  if (st.some((s) => s === "running" || s === "queued")) r.status = "running";
  else if (st.every((s) => s === "done")) r.status = "done";
  else if (st.every((s) => s === "cancelled")) r.status = "cancelled";
  else if (st.some((s) => s === "done")) r.status = "partial";
  else r.status = "failed";
}

function charge(credits: number, images: number): void {
  const c = Number(session.spent.credits) + credits;
  session = {
    ...session,
    spent: cr(c),
    simulatedSpent: cr(c),
    images: session.images + images,
    budgetWarning: session.budgetCredits !== null && c >= 0.8 * Number(session.budgetCredits),
  };
  void emit("session-updated", session);
}

function push(r: RunView): void {
  recompute(r);
  void emit("run-updated", structuredClone(r));
}

/** "Edit from this": the output as a reference, and the draft (lineage.rs's rules). */
function iterateFrom(from: OutputRef): RunDraft {
  const r = runs.get(from.runId);
  const t = r?.targets[from.targetIdx];
  const out = t?.outputs[from.outputIdx];
  if (!r || !t || !out) throw mockError("invalid", "That image is not in history any more.");
  const ref: ReferenceView = {
    sha256: out.sha256,
    name: `run-${r.id.slice(-8)}-${from.targetIdx + 1}-${from.outputIdx + 1}.png`,
    mime: "image/png",
    width: out.width,
    height: out.height,
    bytes: out.bytes,
    thumbUrl: out.thumbUrl,
    originalBytes: null,
    originalWidth: null,
    originalHeight: null,
    note: null,
  };
  references.set(ref.sha256, ref);
  const request: Request = {
    prompt: t.prompt ?? r.prompt,
    targets: [{ modelId: t.modelId, n: t.n }],
    aspectRatio: targetAspect(r, t),
    mode: r.mode,
    responseFormat: r.responseFormat,
    images: [ref.sha256],
    fields: null,
    sweep: [],
    vars: [],
    parent: from,
  };
  return { request, references: [ref] };
}

function lineage(runId: string): Lineage {
  const nodes: LineageNode[] = [];
  const node = (r: RunView, depth: number, relation: LineageNode["relation"]): LineageNode => ({
    run: { ...summary(r), parentRunId: r.parent?.runId },
    depth,
    relation,
    from: r.parent ?? null,
    fromThumbUrl: r.parent
      ? (runs.get(r.parent.runId)?.targets[r.parent.targetIdx]?.outputs[r.parent.outputIdx]?.thumbUrl ?? null)
      : null,
  });
  const up: RunView[] = [];
  let cur = runs.get(runId);
  if (!cur) throw mockError("not_found", "That run is not in history any more.");
  const self = cur;
  let deletedAncestor: string | null = null;
  while (cur?.parent && up.length < 32) {
    const p = runs.get(cur.parent.runId);
    if (!p) {
      deletedAncestor = cur.parent.runId;
      break;
    }
    up.unshift(p);
    cur = p;
  }
  up.forEach((r, i) => nodes.push(node(r, i, "ancestor")));
  nodes.push(node(self, up.length, "current"));
  const down = (id: string, depth: number): void => {
    for (const c of [...runs.values()]
      .filter((r) => r.parent?.runId === id)
      .sort((x, y) => x.createdAt.localeCompare(y.createdAt))) {
      nodes.push(node(c, depth + 1, "descendant"));
      if (depth < 16) down(c.id, depth + 1);
    }
  };
  down(runId, up.length);
  return { runId, nodes, deletedAncestor, truncated: false };
}

function start(request: Request, allowOverBudget: boolean): RunStart {
  const est = estimate(request);
  if (est.problems.length > 0 || (est.overBudget && !allowOverBudget)) return { outcome: "refused", estimate: est };
  const plan = mockPlan(request, catalog, settings.maxRequests ?? 64);
  const spec = request;
  const id = `run-${++seq}-${Date.now().toString(36)}`;
  const slow = /slow/i.test(spec.prompt);
  const fail = /fail/i.test(spec.prompt);
  const r: RunView = {
    id,
    createdAt: new Date().toISOString(),
    sessionId: session.id,
    profileId: current().id,
    profileName: current().name,
    simulated: current().isSandbox,
    kind: spec.images.length > 0 ? "edit" : "generate",
    request: structuredClone(request),
    prompt: spec.prompt,
    aspectRatio: spec.aspectRatio,
    responseFormat: spec.responseFormat,
    mode: spec.mode,
    references: spec.images.map((sha) => references.get(sha)).filter((r): r is ReferenceView => r !== undefined),
    status: "running",
    estimate: est.total,
    cost: cr(0),
    parent: spec.parent,
    targets: plan.targets.map((t, idx) => {
      const sent = sentBy(request, t);
      const e = catalog.find((c) => c.id === t.modelId);
      const isAsync = spec.mode === "async" || (spec.mode === "auto" && (e?.defaultAsync ?? false));
      return {
        idx,
        modelId: t.modelId,
        n: t.n,
        status: "running",
        isAsync,
        progress: isAsync ? 0 : null,
        taskId: isAsync ? `task_${idx}${seq}` : null,
        polls: [],
        outputs: [],
        cost: cr(0),
        timing: null,
        error: null,
        request: describe(sent, e, t.modelId, t.n, isAsync),
        httpStatus: null,
        requestId: null,
        responseRaw: null,
        attempts: 1,
        ...(t.axes ? { axes: t.axes } : {}),
        ...(t.prompt ? { prompt: t.prompt } : {}),
      };
    }),
  };
  runs.set(id, r);
  const ts: ReturnType<typeof setTimeout>[] = [];
  r.targets.forEach((t, i) => {
    const e = catalog.find((c) => c.id === t.modelId);
    const dur = (slow ? 9000 : 700) + (e?.longEdge ?? 1024) * (slow ? 2 : 0.9) + i * 150;
    for (let k = 1; k < 4; k++) {
      ts.push(
        setTimeout(
          () => {
            if (t.status !== "running") return;
            if (t.isAsync) {
              t.progress = k / 4;
              t.polls.push({ atMs: (dur * k) / 4, status: "processing", progress: k / 4 });
            }
            push(r);
          },
          (dur * k) / 4,
        ),
      );
    }
    ts.push(
      setTimeout(() => {
        if (t.status !== "running") return;
        if (fail && i === r.targets.length - 1) {
          t.status = "failed";
          t.httpStatus = 500;
          t.attempts = 3;
          t.error = {
            kind: "server_error",
            message: "The server failed 3 times in a row (HTTP 500). Try again in a minute; nothing was charged.",
            detail: '{"error":{"message":"internal error","type":"server_error"}}',
            requestId: "req_mock5xx",
          };
        } else {
          const sent = sentBy(spec, plan.targets[i]);
          const got = delivered(sent, e);
          t.outputs = Array.from({ length: t.n }, (_, oi): OutputView => {
            const url = picture(`${sent.prompt}${t.modelId}${oi}`, got.width, got.height, got.variant);
            const out: OutputView = {
              idx: oi,
              sha256: `${id}${i}${oi}`,
              width: got.width,
              height: got.height,
              bytes: got.width * got.height * 1.4,
              url,
              thumbUrl: url,
              billing: { askedTier: got.asked, billedTier: got.variant, billedEntry: got.entry, cost: cr(got.credits) },
              rating: null,
              note: null,
            };
            return out;
          });
          t.status = "done";
          t.progress = 1;
          t.httpStatus = 200;
          t.requestId = `req_${Math.random().toString(36).slice(2, 10)}`;
          t.cost = cr(got.credits * t.n);
          t.responseRaw = JSON.stringify({
            created: 1700000000,
            data: t.outputs.map(() => ({ url: "http://127.0.0.1:38517/files/…" })),
          });
          t.timing = t.isAsync
            ? {
                sendMs: null,
                ttfbMs: null,
                bodyMs: null,
                decodeMs: 40,
                submitMs: 35,
                waitMs: dur - 300,
                downloadMs: 180,
                polls: t.polls.length,
                totalMs: dur,
              }
            : {
                sendMs: 3,
                ttfbMs: dur - 120,
                bodyMs: 80,
                decodeMs: 30,
                submitMs: null,
                waitMs: null,
                downloadMs: null,
                polls: null,
                totalMs: dur,
              };
          charge(Number(t.cost.credits), t.n);
        }
        push(r);
      }, dur),
    );
  });
  timers.set(id, ts);
  return { outcome: "started", run: structuredClone(r) };
}

function cancel(runId: string, only?: number): void {
  const r = runs.get(runId);
  if (!r) return;
  for (const t of r.targets)
    if ((only === undefined || t.idx === only) && t.status === "running") t.status = "cancelled";
  push(r);
}

function seed(): void {
  const prompts = [
    "a lighthouse at dawn, volumetric fog, 35 mm",
    "isometric cozy bookshop interior, warm light",
    "macro photo of a dew drop on a fern",
  ];
  prompts.forEach((p, i) => {
    const id = `old-${i}`;
    const e = catalog[1];
    const url = picture(p, 512, 512, "1K");
    const r: RunView = {
      id,
      createdAt: new Date(Date.now() - (i + 1) * 3600_000).toISOString(),
      sessionId: "s0",
      profileId: "sandbox",
      profileName: "Sandbox",
      simulated: true,
      kind: "generate",
      request: {
        prompt: p,
        targets: [{ modelId: e.id, n: 1 }],
        aspectRatio: null,
        mode: "auto",
        responseFormat: "url",
        images: [],
        fields: null,
        sweep: [],
        vars: [],
      },
      prompt: p,
      aspectRatio: null,
      responseFormat: "url",
      mode: "auto",
      references: [],
      status: "done",
      estimate: cr(4),
      cost: cr(4),
      targets: [
        {
          idx: 0,
          modelId: e.id,
          n: 1,
          status: "done",
          isAsync: false,
          progress: 1,
          taskId: null,
          polls: [],
          outputs: [
            {
              idx: 0,
              sha256: id,
              width: 1024,
              height: 1024,
              bytes: 1_400_000,
              url,
              thumbUrl: url,
              billing: {
                askedTier: "1K",
                billedTier: "1K",
                billedEntry: "gemini-3.1-flash-image-preview",
                cost: cr(4),
              },
              rating: null,
              note: null,
            },
          ],
          cost: cr(4),
          timing: {
            sendMs: 2,
            ttfbMs: 1800,
            bodyMs: 90,
            decodeMs: 30,
            submitMs: null,
            waitMs: null,
            downloadMs: null,
            polls: null,
            totalMs: 1930,
          },
          error: null,
          request: null,
          httpStatus: 200,
          requestId: "req_old",
          responseRaw: "{}",
          attempts: 1,
        },
      ],
    };
    if (i === 0) {
      // A 4K ask delivered at 2K: billed 2K, with the core's note.
      const big = picture(`${p}4k`, 512, 512, "2K");
      r.targets.push({
        ...structuredClone(r.targets[0]),
        idx: 1,
        modelId: `${NB2}-4k`,
        isAsync: true,
        taskId: "task_old",
        cost: cr(6),
        outputs: [
          {
            idx: 0,
            sha256: `${id}-4k`,
            width: 2048,
            height: 2048,
            bytes: 5_200_000,
            url: big,
            thumbUrl: big,
            billing: {
              askedTier: "4K",
              billedTier: "2K",
              billedEntry: "gemini-3.1-flash-image-preview-2k",
              cost: cr(6),
            },
            rating: null,
            note: null,
          },
        ],
      });
      r.estimate = cr(12);
      r.cost = cr(10);
    }
    runs.set(id, r);
  });
}

function benchPreflight(input: BenchInput): Preflight {
  const prompts = input.prompts.length;
  const perRound = input.targets.map((t) => (catalog.find((e) => e.id === t.modelId)?.credits ?? 0) * t.n);
  const one = perRound.reduce((x, y) => x + y, 0);
  const credits = one * (prompts * input.repeats + input.warmup);
  return {
    requests: input.targets.length * (prompts * input.repeats + input.warmup),
    warmup_requests: input.targets.length * input.warmup,
    credits,
    usd: credits / 100,
    warmup_credits: one * input.warmup,
    targets: [],
    budget_credits: null,
    spent_credits: 0,
    matrix_budget: input.budget,
    over_budget: input.budget !== null && credits > input.budget,
    problems: [],
    simulated: true,
    profile: "Sandbox",
  };
}

/** A stored reference image as the mock makes one (a picture drawn on a canvas). */
function newReference(name?: string, bytes = 120_000): ReferenceView {
  const k = references.size + 1;
  const ref: ReferenceView = {
    sha256: `ref-${Date.now()}-${k}`,
    name: name ?? `photo-${k}.jpg`,
    mime: name ? "image/png" : "image/jpeg",
    width: 800,
    height: 600,
    bytes,
    thumbUrl: picture(`ref${Date.now()}-${k}`, 800, 600, "ref"),
    originalBytes: null,
    originalWidth: null,
    originalHeight: null,
    note: null,
  };
  references.set(ref.sha256, ref);
  return ref;
}

function noBenchmarks(): never {
  throw mockError("internal", "Benchmarks run in the app, not in the browser mock.");
}

/** The mock's answer to every command, typed by the generated command map. */
type MockHandlers = {
  [K in CommandName]: (args: Commands[K]["args"]) => Commands[K]["result"] | Promise<Commands[K]["result"]>;
};

export function installMock(): void {
  seed();
  const handlers: MockHandlers = {
    app_info: () => ({
      version: "0.1.0-mock",
      dataDir: "/tmp/pixbench-mock",
      catalogFile: null,
      catalogProblem: null,
      catalogChanged: [],
      catalogAdded: [],
      keychainProblem: null,
      sandboxUrl: "http://127.0.0.1:38517",
    }),
    catalog: () => ({ source: "built-in", entries: catalog, fields }),
    // The browser mock's server lists only the catalog's models.
    models_list: () => serverModels(),
    models_refresh: () => serverModels(),
    profiles_list: () => profiles,
    gateway_presets: () => PRESETS,
    profile_select: (a) => {
      profiles = profiles.map((p) => ({ ...p, isCurrent: p.id === a.id }));
      return found(
        profiles.find((p) => p.id === a.id),
        "That profile",
      );
    },
    profile_save: (a) => {
      const input = a.input;
      if (input.id) {
        profiles = profiles.map((p) => {
          if (p.id !== input.id) return p;
          // The Sandbox keeps the documented form whatever is sent (as the core does).
          const requestStyle = p.isSandbox ? "size" : (input.requestStyle ?? p.requestStyle);
          const imageParts = p.isSandbox ? "auto" : (input.imageParts ?? p.imageParts);
          const gateway = p.isSandbox ? "pixapi" : (input.gateway ?? p.gateway);
          return {
            ...p,
            gateway,
            billing: presetOf(gateway).billing,
            name: input.name,
            baseUrl: input.baseUrl,
            defaultModel: input.defaultModel,
            budgetCredits: input.budgetCredits,
            requestStyle,
            imageParts,
          };
        });
        return found(
          profiles.find((p) => p.id === input.id),
          "That profile",
        );
      }
      const p: ProfileView = {
        id: `p-${Date.now()}`,
        name: input.name,
        baseUrl: input.baseUrl,
        defaultModel: input.defaultModel,
        budgetCredits: input.budgetCredits,
        isSandbox: false,
        isCurrent: false,
        keyMask: null,
        keyState: "missing",
        keyNote: null,
        requestStyle: input.requestStyle ?? "size",
        imageParts: input.imageParts ?? "auto",
        gateway: input.gateway ?? "pixapi",
        billing: presetOf(input.gateway ?? "pixapi").billing,
      };
      profiles = [...profiles, p];
      return p;
    },
    profile_set_key: (a) => {
      const key = a.key;
      profiles = profiles.map((p) =>
        p.id === a.id ? { ...p, keyState: "stored", keyMask: `${key.slice(0, 3)}…${key.slice(-4)}` } : p,
      );
      return found(
        profiles.find((p) => p.id === a.id),
        "That profile",
      );
    },
    profile_remove_key: (a) => {
      profiles = profiles.map((p) => (p.id === a.id ? { ...p, keyState: "missing", keyMask: null } : p));
      return found(
        profiles.find((p) => p.id === a.id),
        "That profile",
      );
    },
    profile_delete: (a) => {
      profiles = profiles.filter((p) => p.id !== a.id);
      return null;
    },
    profile_test: () => ({ ok: true, message: "The key works.", models: 9, latencyMs: 143 }),
    estimate: (a) => estimate(a.request),
    run_start: (a) => start(a.request, a.allowOverBudget),
    run_cancel: (a) => {
      cancel(a.runId);
      return null;
    },
    run_cancel_target: (a) => {
      cancel(a.runId, a.targetIdx);
      return null;
    },
    run_recheck: () => null,
    runs_resumed: () => [],
    run_give_up: () => null,
    run_get: (a) => structuredClone(found(runs.get(a.runId), "That run")),
    run_delete: (a) => {
      runs.delete(a.runId);
      return null;
    },
    run_iterate_from: (a) => iterateFrom(a.from),
    run_lineage: (a) => lineage(a.runId),
    metrics_pair: (a) => mockPair(a.shaA, a.shaB),
    metrics_worth: (a) => mockWorth(runs.get(a.runId), catalog),
    history_list: () => [...runs.values()].map(summary).sort((x, y) => y.createdAt.localeCompare(x.createdAt)),
    references_pick: () => [newReference()],
    references_add_paths: () => [newReference()],
    reference_add_bytes: (a) => newReference(a.name || "pasted.png", a.bytes.length),
    recipe_read_bytes: () => {
      throw mockError("no_recipe", "This image has no Pixbench recipe; add it as a reference instead?");
    },
    recipe_probe_path: () => null,
    recipe_pick: () => null,
    export_output: () => "/tmp/pixbench-mock/exports/output.png",
    output_rate: () => null,
    export_curl: () =>
      `curl -X POST http://127.0.0.1:38517/v1/images/generations \\\n  -H "Authorization: Bearer $PIXAPI_KEY" \\\n  -H "Content-Type: application/json" \\\n  -d '{"model":"gemini-3.1-flash-image-preview","prompt":"…"}'`,
    export_contact_sheet: () => "/tmp/pixbench-mock/contact-sheet.png",
    session_current: () => session,
    session_new: (a) => {
      session = {
        ...session,
        id: `s${Date.now()}`,
        name: a.name,
        spent: cr(0),
        images: 0,
        budgetWarning: false,
      };
      return session;
    },
    session_set_budget: (a) => {
      session = { ...session, budgetCredits: a.credits ?? null };
      return session;
    },
    session_export: (a) => `/tmp/pixbench-mock/session.${a.format}`,
    settings_get: () => settings,
    settings_set: (a) => {
      settings = { ...a.settings };
      return settings;
    },
    blind_next: () => mockBlindNext(runs.values()),
    blind_vote: (a) => mockBlindVote(a.token, a.choice),
    leaderboard: () => mockLeaderboard(),
    bench_list: () => [],
    bench_preflight: (a) => benchPreflight(a.input),
    export_images: () => null,
    reveal_path: () => null,
    bench_cancel: () => null,
    // Benchmarks need the engine: the browser mock only shows the form.
    bench_start: noBenchmarks,
    bench_get: noBenchmarks,
    bench_delete: noBenchmarks,
    bench_export: noBenchmarks,
    bench_matrix_pick: noBenchmarks,
    bench_prompts_pick: noBenchmarks,
    ...workspaceHandlers,
  };
  mockIPC(
    (cmd, payload) => {
      const handler = (handlers as Record<string, (args: unknown) => unknown>)[cmd];
      if (!handler) throw mockError("not_found", `The mock has no command ${cmd}.`);
      return handler(payload ?? {});
    },
    { shouldMockEvents: true },
  );
}

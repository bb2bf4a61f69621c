// Test data shaped like the Rust side's answers (i64 fields arrive as JSON numbers).
import { parseRatio } from "./aspect";
import type {
  CatalogEntry,
  Cost,
  Estimate,
  FieldSpec,
  OutputView,
  Request,
  RunView,
  SizeOption,
  TargetEstimate,
  TargetView,
} from "../types";

/** Sizes for ratios: the long edge kept (as the catalog's older files derive them). */
export function sizesFor(longEdge: number, ratios: string[]): SizeOption[] {
  return ratios.map((r) => {
    const [w, h] = parseRatio(r);
    const width = w >= h ? longEdge : Math.round((longEdge * w) / h);
    const height = w >= h ? Math.round((longEdge * h) / w) : longEdge;
    return { aspectRatio: r, size: `${width}x${height}`, width, height };
  });
}

export function entry(
  id: string,
  variant: string,
  longEdge: number,
  credits: number,
  extra: Partial<CatalogEntry> = {},
): CatalogEntry {
  const model = id.replace(/-(512|2k|4k)$/, "");
  const title = model.startsWith("gemini-3.1")
    ? "Nano Banana 2"
    : model.startsWith("gpt-image-2")
      ? "GPT Image 2"
      : model;
  const aspectRatios = extra.aspectRatios ?? ["1:1", "16:9", "9:16", "4:3"];
  return {
    id,
    model,
    family: model,
    label: `${title} · ${variant}`,
    alias: null,
    variant,
    longEdge,
    credits,
    qualityCredits: [],
    priceFrom: false,
    tierRule: "pixel_count",
    officialUsd: null,
    sizes: sizesFor(longEdge, aspectRatios),
    fields: [],
    maxReferences: 14,
    maxReferenceBytes: 7_000_000,
    referenceFormats: ["png"],
    aspectRatios,
    supportsEdit: true,
    defaultAsync: false,
    maxN: 4,
    editImages: "files",
    unpriced: false,
    listedByServer: false,
    gateway: "pixapi",
    usdPrices: [],
    tokenUsd: null,
    b64Only: false,
    ...extra,
  };
}

const GPT_FIELDS = ["quality", "background", "output_format", "output_compression", "moderation"];
const q = (low: number, medium: number, high: number) =>
  [
    ["low", low],
    ["medium", medium],
    ["high", high],
    ["auto", high],
  ].map(([quality, credits]) => ({ quality: quality as string, credits: credits as number }));

export const CATALOG: CatalogEntry[] = [
  entry("gemini-3.1-flash-image-preview-512", "512", 512, 4),
  entry("gemini-3.1-flash-image-preview", "1K", 1024, 4),
  entry("gemini-3.1-flash-image-preview-2k", "2K", 2048, 6, { defaultAsync: true }),
  entry("gemini-3.1-flash-image-preview-4k", "4K", 4096, 8, { defaultAsync: true }),
  entry("gpt-image-1.5", "1K", 1024, 1, {
    aspectRatios: ["1:1", "3:2", "2:3"],
    supportsEdit: false,
    maxN: 1,
    priceFrom: true,
    fields: GPT_FIELDS,
  }),
  entry("gpt-image-2", "1K", 1536, 14, {
    aspectRatios: ["1:1", "16:9", "3:2"],
    tierRule: "long_edge",
    fields: GPT_FIELDS,
    qualityCredits: q(1, 4, 14),
    sizes: [
      { aspectRatio: "1:1", size: "1024x1024", width: 1024, height: 1024 },
      { aspectRatio: "16:9", size: "1536x864", width: 1536, height: 864 },
      { aspectRatio: "3:2", size: "1536x1024", width: 1536, height: 1024 },
    ],
  }),
  entry("gpt-image-2-2k", "2K", 2048, 67, {
    aspectRatios: ["1:1", "16:9", "3:2"],
    tierRule: "long_edge",
    fields: ["quality"],
    qualityCredits: q(2, 17, 67),
    defaultAsync: true,
  }),
];

/** The catalog's field specs (crates/pixbench-core/src/catalog.rs `field_specs`). */
export const FIELDS: FieldSpec[] = [
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

export function targetEstimate(
  modelId: string,
  creditsPerImage: number,
  over: Partial<TargetEstimate> = {},
): TargetEstimate {
  const n = over.n ?? 1;
  return {
    modelId,
    n,
    requests: 1,
    perImage: credits(creditsPerImage),
    cost: credits(creditsPerImage * n),
    priceFrom: false,
    ...over,
  };
}

/** A cost of `n` credits at a cent each. */
export function credits(n: number): Cost {
  return { credits: n, usd: n / 100, unpriced: 0 };
}

export function output(idx: number, w = 1024, h = 1024): OutputView {
  return {
    idx,
    sha256: `sha${idx}`,
    width: w,
    height: h,
    bytes: 1000,
    url: `pxb://localhost/image/sha${idx}`,
    thumbUrl: `pxb://localhost/thumb/sha${idx}`,
    billing: { askedTier: "1K", billedTier: "1K", billedEntry: "gemini-3.1-flash-image-preview", cost: credits(4) },
    rating: null,
    note: null,
  };
}

export function target(idx: number, over: Partial<TargetView> = {}): TargetView {
  return {
    idx,
    modelId: "gemini-3.1-flash-image-preview",
    n: 1,
    status: "running",
    isAsync: false,
    progress: null,
    taskId: null,
    polls: [],
    outputs: [],
    cost: credits(0),
    timing: null,
    error: null,
    request: null,
    httpStatus: null,
    requestId: null,
    responseRaw: null,
    attempts: 1,
    ...over,
  };
}

/** A request of one 1K Nano Banana 2 image of "a fox", nothing swept. */
export function request(over: Partial<Request> = {}): Request {
  return {
    prompt: "a fox",
    targets: [{ modelId: "gemini-3.1-flash-image-preview", n: 1 }],
    aspectRatio: null,
    mode: "auto",
    responseFormat: "url",
    images: [],
    fields: null,
    sweep: [],
    vars: [],
    ...over,
  };
}

/** A run; its request is `over.request`, else one of its prompt, ratio, format and mode. */
export function run(id: string, over: Partial<RunView> = {}): RunView {
  const prompt = over.prompt ?? "a fox";
  const aspectRatio = over.aspectRatio ?? null;
  const responseFormat = over.responseFormat ?? "url";
  const mode = over.mode ?? "auto";
  const references = over.references ?? [];
  const targets = over.targets ?? [target(0)];
  return {
    id,
    createdAt: "2026-01-01T10:00:00Z",
    sessionId: "s",
    profileId: "sandbox",
    profileName: "Sandbox",
    simulated: true,
    kind: references.length > 0 ? "edit" : "generate",
    request: request({
      prompt,
      aspectRatio,
      responseFormat,
      mode,
      images: references.map((r) => r.sha256),
      targets: targets.map((t) => ({ modelId: t.modelId, n: t.n })),
      ...(over.parent ? { parent: over.parent } : {}),
    }),
    prompt,
    aspectRatio,
    responseFormat,
    mode,
    references,
    status: "running",
    estimate: credits(4),
    cost: credits(0),
    targets: [target(0)],
    ...over,
  };
}

export function estimate(over: Partial<Estimate> = {}): Estimate {
  return {
    count: 1,
    limit: 64,
    axes: [],
    notes: [],
    targets: [],
    total: credits(22),
    simulated: true,
    budgetCredits: null,
    spent: credits(0),
    overBudget: false,
    problems: [],
    ...over,
  };
}

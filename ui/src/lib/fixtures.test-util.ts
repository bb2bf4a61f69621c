// Test data shaped like the Rust side's answers (i64 fields arrive as JSON numbers).
import type { Int } from "./format";
import type { CatalogEntry, Estimate, OutputView, RunView, TargetView } from "./types";

export const b = (n: number) => n as unknown as Int;

export function entry(id: string, variant: string, longEdge: number, credits: number, extra: Partial<CatalogEntry> = {}): CatalogEntry {
  const family = id.replace(/-(512|2k|4k)$/, "");
  const title = family.startsWith("gemini-3.1") ? "Nano Banana 2" : family;
  return {
    id, family, label: `${title} · ${variant}`, alias: null, variant, longEdge, credits: b(credits), officialUsd: null,
    requestStyle: "suffix", maxReferences: 14, maxReferenceBytes: b(7_000_000), referenceFormats: ["png"],
    aspectRatios: ["1:1", "16:9", "9:16", "4:3"], supportsEdit: true, defaultAsync: false, maxN: 4, ...extra,
  };
}

export const CATALOG: CatalogEntry[] = [
  entry("gemini-3.1-flash-image-preview-512", "512", 512, 4),
  entry("gemini-3.1-flash-image-preview", "1K", 1024, 4),
  entry("gemini-3.1-flash-image-preview-2k", "2K", 2048, 6, { defaultAsync: true }),
  entry("gemini-3.1-flash-image-preview-4k", "4K", 4096, 8, { defaultAsync: true }),
  entry("gpt-image-1.5", "1K", 1024, 1, { aspectRatios: ["1:1", "3:2", "2:3"], supportsEdit: false, maxN: 1 }),
];

export function output(idx: number, w = 1024, h = 1024): OutputView {
  return { idx, sha256: `sha${idx}`, width: w, height: h, bytes: b(1000), url: `pxb://localhost/image/sha${idx}`, thumbUrl: `pxb://localhost/thumb/sha${idx}`, credits: b(4), rating: null, note: null };
}

export function target(idx: number, over: Partial<TargetView> = {}): TargetView {
  return {
    idx, modelId: "gemini-3.1-flash-image-preview", n: 1, status: "running", isAsync: false, progress: null, taskId: null, polls: [],
    outputs: [], credits: b(0), timing: null, error: null, request: null, httpStatus: null, requestId: null, responseRaw: null, attempts: 1,
    ...over,
  };
}

export function run(id: string, over: Partial<RunView> = {}): RunView {
  return {
    id, createdAt: "2026-01-01T10:00:00Z", sessionId: "s", profileId: "sandbox", profileName: "Sandbox", simulated: true, mode: "generate",
    prompt: "a fox", aspectRatio: null, responseFormat: "url", syncMode: "auto", references: [], status: "running",
    estimateCredits: b(4), credits: b(0), targets: [target(0)], ...over,
  };
}

export function estimate(over: Partial<Estimate> = {}): Estimate {
  return { targets: [], totalCredits: b(22), totalUsd: 0.22, simulated: true, budgetCredits: null, spentCredits: b(0), overBudget: false, problems: [], ...over };
}

// What the inspector shows of a target: phases, request, answer.
import type { JsonValue, PhaseTimings, RequestPart, RequestView } from "../types";

export interface Phase {
  key: string;
  label: string;
  ms: number;
}

/** The phases of a request that are known, in order, for a timeline. */
export function phases(t: PhaseTimings | null): Phase[] {
  if (!t) return [];
  const defs: [keyof PhaseTimings, string][] = [
    ["sendMs", "Send"],
    ["submitMs", "Submit"],
    ["ttfbMs", "Wait for first byte"],
    ["waitMs", "Queue and generation"],
    ["bodyMs", "Receive body"],
    ["downloadMs", "Download image"],
    ["decodeMs", "Decode and store"],
  ];
  const out: Phase[] = [];
  for (const [key, label] of defs) {
    const v = t[key];
    if (typeof v === "number" && Number.isFinite(v)) out.push({ key, label, ms: v });
  }
  return out;
}

/** The headline latency of a target: total, plus TTFB (sync) or queue wait (async). */
export function latencyParts(
  t: PhaseTimings | null,
  isAsync: boolean,
): { total: number; second: { label: string; ms: number } | null } | null {
  if (!t) return null;
  if (isAsync && t.waitMs !== null) return { total: t.totalMs, second: { label: "wait", ms: t.waitMs } };
  if (t.ttfbMs !== null) return { total: t.totalMs, second: { label: "TTFB", ms: t.ttfbMs } };
  return { total: t.totalMs, second: null };
}

/** Pretty JSON of a value, or of a string that holds JSON; other text as is. */
export function pretty(v: JsonValue | string | null | undefined): string {
  if (v === null || v === undefined) return "";
  if (typeof v === "string") {
    const s = v.trim();
    if (s.startsWith("{") || s.startsWith("[")) {
      try {
        return JSON.stringify(JSON.parse(s), null, 2);
      } catch {
        return v;
      }
    }
    return v;
  }
  return JSON.stringify(v, null, 2);
}

/** "POST https://…/v1/images/generations". */
export function requestLine(r: RequestView): string {
  return `${r.method.toUpperCase()} ${r.url}`;
}

/** The file parts of a multipart request (the reference images). */
export function fileParts(parts: RequestPart[]): RequestPart[] {
  return parts.filter((p) => p.fileName !== null || (p.text === null && p.mime !== null));
}

/**
 * How the reference images went: "Images sent as image[] (3 parts)", "Image sent as image
 * (1 part)"; null without file parts. Names in the order they were sent.
 */
export function imagePartsLine(parts: RequestPart[]): string | null {
  const files = fileParts(parts);
  if (files.length === 0) return null;
  const names: string[] = [];
  for (const p of files) if (!names.includes(p.name)) names.push(p.name);
  const what = files.length === 1 ? "Image" : "Images";
  return `${what} sent as ${names.join(" + ")} (${files.length} ${files.length === 1 ? "part" : "parts"})`;
}

// Formatting of numbers, money, time and sizes for people. Pure functions.
import type { Cost } from "../types";
const intFmt = new Intl.NumberFormat("en-US", { maximumFractionDigits: 0 });

export function formatInt(n: number): string {
  return intFmt.format(n);
}

/** "1 credit", "22 credits". */
export function formatCredits(n: number): string {
  return `${formatInt(n)} ${Math.abs(n) === 1 ? "credit" : "credits"}`;
}

/**
 * A cost as a person reads it: "6 credits", "6 credits + price unknown" when part of it
 * could not be priced, "price unknown" when none of it could, "$0.04" for a gateway that
 * bills in dollars only.
 */
export function formatCost(c: Cost): string {
  const parts: string[] = [];
  if (c.credits !== 0 || (c.usd === 0 && c.unpriced === 0)) parts.push(formatCredits(c.credits));
  else if (c.usd !== 0) parts.push(formatUsd(c.usd));
  if (c.unpriced > 0) parts.push("price unknown");
  return parts.join(" + ");
}

/** "$0.22", "$1,234.50", "$0.005" and "$0.167" (amounts under a dollar keep a third
 * decimal when they have one: OpenAI prices images to the tenth of a cent), "$0.00". */
export function formatUsd(usd: number): string {
  const abs = Math.abs(usd);
  const digits = abs > 0 && abs < 1 && Math.round(abs * 1000) % 10 !== 0 ? 3 : 2;
  const s = new Intl.NumberFormat("en-US", {
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  }).format(abs);
  return `${usd < 0 ? "-" : ""}$${s}`;
}

/** "840 ms", "2.4 s", "12 s", "1 min 05 s". */
export function formatMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return "–";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 10) return `${s.toFixed(1)} s`;
  if (s < 60) return `${Math.round(s)} s`;
  const m = Math.floor(s / 60);
  const rest = Math.round(s - m * 60);
  return `${m} min ${String(rest).padStart(2, "0")} s`;
}

/** "1024 × 1024". */
/** When a future moment is, from now: "in 25 s", "in 3 min", "now". */
export function formatUntil(iso: string | null | undefined, now: number = Date.now()): string {
  if (!iso) return "now";
  const ms = Date.parse(iso) - now;
  if (!Number.isFinite(ms) || ms <= 1000) return "now";
  if (ms < 60_000) return `in ${Math.round(ms / 1000)} s`;
  return `in ${Math.round(ms / 60_000)} min`;
}

export function formatPixels(width: number, height: number): string {
  return `${width} × ${height}`;
}

/** "812 B", "1.4 KB", "11.2 MB". */
export function formatBytes(b: number | null | undefined): string {
  const n = b ?? 0;
  if (n < 1024) return `${n} B`;
  const units = ["KB", "MB", "GB"];
  let v = n / 1024;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${v < 10 ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

/** "just now", "5 min ago", "3 h ago", "2 d ago", or the date. */
export function timeAgo(iso: string, now: Date = new Date()): string {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const s = Math.max(0, (now.getTime() - t) / 1000);
  if (s < 45) return "just now";
  if (s < 3600) return `${Math.max(1, Math.round(s / 60))} min ago`;
  if (s < 86400) return `${Math.round(s / 3600)} h ago`;
  if (s < 7 * 86400) return `${Math.round(s / 86400)} d ago`;
  return new Date(t).toISOString().slice(0, 10);
}

/** The percentage 0..100 of a 0..1 progress, clamped; null stays null. */
export function percent(p: number | null | undefined): number | null {
  if (p === null || p === undefined || !Number.isFinite(p)) return null;
  return Math.round(Math.min(1, Math.max(0, p)) * 100);
}

import { describe, expect, it } from "vitest";
import { formatBytes, formatCredits, formatMs, formatPixels, formatUsd, percent, timeAgo } from "./format";

describe("formatCredits", () => {
  it("pluralises and groups", () => {
    expect(formatCredits(1)).toBe("1 credit");
    expect(formatCredits(0)).toBe("0 credits");
    expect(formatCredits(22)).toBe("22 credits");
    expect(formatCredits(12345)).toBe("12,345 credits");
  });
});

describe("formatUsd", () => {
  it("shows cents, and sub-cent amounts with 3 decimals", () => {
    expect(formatUsd(0.22)).toBe("$0.22");
    expect(formatUsd(0)).toBe("$0.00");
    expect(formatUsd(1234.5)).toBe("$1,234.50");
    expect(formatUsd(0.005)).toBe("$0.005");
    expect(formatUsd(-0.5)).toBe("-$0.50");
  });
  it("keeps the tenth of a cent of an amount under a dollar (OpenAI's prices)", () => {
    expect(formatUsd(0.167)).toBe("$0.167");
    expect(formatUsd(0.25)).toBe("$0.25");
    expect(formatUsd(0.032025)).toBe("$0.032");
    expect(formatUsd(12.345)).toBe("$12.35");
  });
});

describe("formatMs", () => {
  it("picks a unit a person reads easily", () => {
    expect(formatMs(840)).toBe("840 ms");
    expect(formatMs(2400)).toBe("2.4 s");
    expect(formatMs(12_300)).toBe("12 s");
    expect(formatMs(65_000)).toBe("1 min 05 s");
    expect(formatMs(null)).toBe("–");
    expect(formatMs(NaN)).toBe("–");
  });
});

describe("sizes", () => {
  it("formats pixels with a times sign", () => {
    expect(formatPixels(1024, 1024)).toBe("1024 × 1024");
  });
  it("formats bytes", () => {
    expect(formatBytes(812)).toBe("812 B");
    expect(formatBytes(1434)).toBe("1.4 KB");
    expect(formatBytes(11.2 * 1024 * 1024)).toBe("11 MB");
    expect(formatBytes(3.2 * 1024 * 1024)).toBe("3.2 MB");
  });
});

describe("timeAgo", () => {
  const now = new Date("2026-01-02T12:00:00Z");
  it("says how long ago", () => {
    expect(timeAgo("2026-01-02T11:59:50Z", now)).toBe("just now");
    expect(timeAgo("2026-01-02T11:55:00Z", now)).toBe("5 min ago");
    expect(timeAgo("2026-01-02T09:00:00Z", now)).toBe("3 h ago");
    expect(timeAgo("2025-12-31T12:00:00Z", now)).toBe("2 d ago");
    expect(timeAgo("2025-10-01T12:00:00Z", now)).toBe("2025-10-01");
    expect(timeAgo("garbage", now)).toBe("");
  });
});

describe("percent", () => {
  it("clamps and rounds", () => {
    expect(percent(0.456)).toBe(46);
    expect(percent(1.4)).toBe(100);
    expect(percent(-1)).toBe(0);
    expect(percent(null)).toBeNull();
  });
});

import { describe, expect, it } from "vitest";
import { latencyParts, phases, pretty, requestLine, fileParts, imagePartsLine } from "./inspector";
import type { PhaseTimings } from "../types";

const sync: PhaseTimings = {
  sendMs: 3,
  ttfbMs: 1900,
  bodyMs: 80,
  decodeMs: 30,
  submitMs: null,
  waitMs: null,
  downloadMs: null,
  polls: null,
  totalMs: 2013,
};
const asyncT: PhaseTimings = {
  sendMs: null,
  ttfbMs: null,
  bodyMs: null,
  decodeMs: 40,
  submitMs: 35,
  waitMs: 9000,
  downloadMs: 180,
  polls: 5,
  totalMs: 9255,
};

describe("phases", () => {
  it("lists the known phases in order", () => {
    expect(phases(sync).map((p) => p.key)).toEqual(["sendMs", "ttfbMs", "bodyMs", "decodeMs"]);
    expect(phases(asyncT).map((p) => p.key)).toEqual(["submitMs", "waitMs", "downloadMs", "decodeMs"]);
    expect(phases(null)).toEqual([]);
  });
});

describe("latencyParts", () => {
  it("shows TTFB for sync and the wait for async", () => {
    expect(latencyParts(sync, false)).toEqual({ total: 2013, second: { label: "TTFB", ms: 1900 } });
    expect(latencyParts(asyncT, true)).toEqual({ total: 9255, second: { label: "wait", ms: 9000 } });
    expect(latencyParts({ ...sync, ttfbMs: null }, false)).toEqual({ total: 2013, second: null });
    expect(latencyParts(null, false)).toBeNull();
  });
});

describe("pretty", () => {
  it("indents JSON values and JSON text, leaves other text", () => {
    expect(pretty({ a: 1 })).toBe('{\n  "a": 1\n}');
    expect(pretty('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(pretty("{broken")).toBe("{broken");
    expect(pretty("plain")).toBe("plain");
    expect(pretty(null)).toBe("");
  });
  it("formats the request line", () => {
    expect(
      requestLine({ method: "post", url: "http://x/v1/images/generations", headers: [], jsonBody: null, parts: [] }),
    ).toBe("POST http://x/v1/images/generations");
  });
});

describe("multipart parts", () => {
  const text = (name: string, v: string) => ({ name, fileName: null, mime: null, size: v.length, text: v });
  const file = (name: string, f: string) => ({ name, fileName: f, mime: "image/png", size: 100, text: null });
  it("names the parts the reference images were sent as", () => {
    const several = [
      text("model", "gpt-image-2"),
      text("prompt", "x"),
      file("image[]", "a.png"),
      file("image[]", "b.png"),
    ];
    expect(fileParts(several).map((p) => p.fileName)).toEqual(["a.png", "b.png"]);
    expect(imagePartsLine(several)).toBe("Images sent as image[] (2 parts)");
    expect(imagePartsLine([text("model", "m"), file("image", "a.png")])).toBe("Image sent as image (1 part)");
    expect(imagePartsLine([file("image", "a.png"), file("image", "b.png"), file("image", "c.png")])).toBe(
      "Images sent as image (3 parts)",
    );
    expect(imagePartsLine([file("image", "a.png"), file("mask", "m.png")])).toBe(
      "Images sent as image + mask (2 parts)",
    );
    expect(imagePartsLine([text("model", "m")])).toBeNull();
  });
});

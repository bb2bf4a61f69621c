import { describe, expect, it } from "vitest";
import { ALL_KINDS } from "../../bindings/errorKinds";
import type { ErrorKind, UiError } from "../types";
import { isBudgetKind, kindTitle, kindTone, pushError, sentence, toUiError } from "./errors";

describe("toUiError", () => {
  it("keeps a UiError from a command", () => {
    expect(
      toUiError({ kind: "unauthorized", message: "The key was refused.", detail: "HTTP 401", requestId: "req_1" }),
    ).toEqual({
      kind: "unauthorized",
      message: "The key was refused.",
      detail: "HTTP 401",
      requestId: "req_1",
    });
  });
  it("keeps the request id only when it is a non-empty string", () => {
    expect(toUiError({ kind: "unauthorized", message: "m", detail: null, requestId: "" }).requestId).toBeNull();
    expect(toUiError({ kind: "unauthorized", message: "m", detail: null, requestId: 42 }).requestId).toBeNull();
    expect(toUiError({ kind: "unauthorized", message: "m", detail: null }).requestId).toBeNull();
  });
  it("turns Tauri's plain strings into sentences", () => {
    expect(toUiError("command run_start not found")).toEqual({
      kind: "internal",
      message: "Command run_start not found.",
      detail: null,
      requestId: null,
    });
  });
  it("takes an Error's message", () => {
    const e = toUiError(new Error("boom"));
    expect(e.message).toBe("Boom.");
    expect(e.kind).toBe("internal");
  });
  it("copes with anything else", () => {
    expect(toUiError({ weird: 1 }).message).toBe("Something went wrong.");
    expect(toUiError(undefined).message).toBe("Something went wrong.");
  });
  it("fills a missing detail with null", () => {
    expect(toUiError({ kind: "internal", message: "y" }).detail).toBeNull();
  });
  it("reads a kind this build does not know as unknown", () => {
    expect(toUiError({ kind: "some_new_kind", message: "y" }).kind).toBe("unknown");
  });
});

describe("sentence", () => {
  it("capitalises and ends with a full stop once", () => {
    expect(sentence("the server failed")).toBe("The server failed.");
    expect(sentence("Done!")).toBe("Done!");
    expect(sentence("  ")).toBe("Something went wrong.");
  });
  it("keeps a file name that starts the message as it is spelled", () => {
    expect(sentence("broken.toml:2: `quallity`: unknown field")).toBe("broken.toml:2: `quallity`: unknown field.");
    expect(sentence("the file. then more")).toBe("The file. then more.");
  });
});

describe("kindTitle", () => {
  it("makes a title of a kind", () => {
    expect(kindTitle("insufficient_credits")).toBe("Insufficient credits (402)");
    expect(kindTitle("unknown")).toBe("Error");
  });
  it("has a title of its own for every kind Rust declares", () => {
    const titles = ALL_KINDS.map(kindTitle);
    expect(titles.every((t) => t.length > 0)).toBe(true);
    expect(new Set(titles).size).toBe(ALL_KINDS.length);
  });
  it("names the hostile-server kinds in words a user reads", () => {
    expect(kindTitle("refused_url")).toBe("Image address refused");
    expect(kindTitle("too_slow")).toBe("Server too slow");
    expect(kindTitle("extra_outputs")).toBe("More images than asked");
  });
});

describe("error kinds", () => {
  it("treats only the core's over_budget as the budget notice", () => {
    expect(ALL_KINDS.filter(isBudgetKind)).toEqual(["over_budget"]);
  });
  it("names the client's new kinds", () => {
    expect(kindTitle("unprocessable")).toBe("Unprocessable request (422)");
    expect(kindTitle("prompt_rejected")).toBe("Refused by moderation (422)");
    expect(kindTitle("unexpected_status")).toBe("Unexpected HTTP status");
    expect(kindTitle("poll_deadline")).toBe("Task took too long");
    expect(kindTitle("task_not_found")).toBe("Task not found");
    expect(kindTitle("invalid")).toBe("Invalid input");
    expect(kindTitle("not_an_image")).toBe("Not an image");
  });
  it("tells transient failures and content refusals from faults", () => {
    expect(
      (
        [
          "rate_limited",
          "server_error",
          "model_unavailable",
          "connect",
          "timeout",
          "connection_lost",
          "too_slow",
        ] as const
      ).map(kindTone),
    ).toEqual(Array(7).fill("transient"));
    expect(kindTone("prompt_rejected")).toBe("policy");
    expect(
      (
        [
          "unprocessable",
          "bad_request",
          "poll_deadline",
          "task_not_found",
          "unexpected_status",
          "not_an_image",
        ] as const
      ).map(kindTone),
    ).toEqual(Array(6).fill("fault"));
  });
});

describe("pushError", () => {
  const e: UiError = { kind: "internal" satisfies ErrorKind, message: "m.", detail: null, requestId: null };
  it("adds, skips an immediate repeat, and keeps the newest few", () => {
    let l = pushError([], e, "ctx", 1);
    l = pushError(l, e, "ctx", 2);
    expect(l.map((x) => x.id)).toEqual([1]);
    for (let i = 0; i < 6; i++) l = pushError(l, { ...e, message: `m${i}.` }, null, 10 + i);
    expect(l).toHaveLength(4);
    expect(l[3].message).toBe("m5.");
  });
});

import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { debounce, latestOnly } from "./debounce";

describe("debounce", () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it("calls once with the last arguments after the pause", () => {
    const f = vi.fn();
    const d = debounce(f, 150);
    d(1);
    d(2);
    vi.advanceTimersByTime(149);
    expect(f).not.toHaveBeenCalled();
    d(3);
    vi.advanceTimersByTime(150);
    expect(f).toHaveBeenCalledTimes(1);
    expect(f).toHaveBeenCalledWith(3);
  });
  it("can be cancelled or flushed", () => {
    const f = vi.fn();
    const d = debounce(f, 100);
    d("a");
    d.cancel();
    vi.advanceTimersByTime(200);
    expect(f).not.toHaveBeenCalled();
    d("b");
    d.flush();
    expect(f).toHaveBeenCalledWith("b");
    vi.advanceTimersByTime(200);
    expect(f).toHaveBeenCalledTimes(1);
  });
});

describe("latestOnly", () => {
  it("marks answers overtaken by a newer call as stale", async () => {
    const resolvers: ((v: number) => void)[] = [];
    const call = latestOnly((_: number) => new Promise<number>((r) => resolvers.push(r)));
    const first = call(1);
    const second = call(2);
    resolvers[1](20);
    resolvers[0](10);
    expect(await second).toEqual({ stale: false, value: 20 });
    expect(await first).toEqual({ stale: true });
  });
});

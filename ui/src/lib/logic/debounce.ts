// Debouncing and "latest answer wins" for calls made on every keystroke (the estimate).

export interface Debounced<A extends unknown[]> {
  (...args: A): void;
  cancel(): void;
  flush(): void;
}

export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: number): Debounced<A> {
  let timer: ReturnType<typeof setTimeout> | null = null;
  let pending: A | null = null;
  const d = ((...args: A) => {
    pending = args;
    if (timer !== null) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = null;
      const a = pending;
      pending = null;
      if (a) fn(...a);
    }, ms);
  }) as Debounced<A>;
  d.cancel = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    pending = null;
  };
  d.flush = () => {
    if (timer !== null) clearTimeout(timer);
    timer = null;
    const a = pending;
    pending = null;
    if (a) fn(...a);
  };
  return d;
}

/**
 * Wraps an async call so only the answer of the latest call is delivered; answers of
 * calls overtaken by a newer one resolve to `{ stale: true }`.
 */
export function latestOnly<A extends unknown[], R>(
  fn: (...args: A) => Promise<R>,
): (...args: A) => Promise<{ stale: false; value: R } | { stale: true }> {
  let seq = 0;
  return async (...args: A) => {
    const mine = ++seq;
    const value = await fn(...args);
    if (mine !== seq) return { stale: true };
    return { stale: false, value };
  };
}

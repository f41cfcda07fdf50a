// Bounded concurrency: run `fn` over items with at most `limit` at once, results in input order.
// Stops starting new items once `signal` is aborted; those get `onSkipped`'s value.

export async function mapPool<T, R>(
  items: T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
  opts: { signal?: AbortSignal; onSkipped: (item: T, index: number) => R },
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = opts.signal?.aborted ? opts.onSkipped(items[i]!, i) : await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

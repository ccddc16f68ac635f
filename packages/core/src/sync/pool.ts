/** Runs `worker` over items with at most `concurrency` in flight; the first error stops new work and is rethrown. */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  worker: (item: T) => Promise<void>,
): Promise<void> {
  let index = 0;
  let failure: { error: unknown } | null = null;
  const lanes = Array.from({ length: Math.min(concurrency, items.length) }, async () => {
    while (failure === null && index < items.length) {
      const item = items[index++] as T;
      try {
        await worker(item);
      } catch (error) {
        failure ??= { error };
      }
    }
  });
  await Promise.all(lanes);
  if (failure !== null) throw (failure as { error: unknown }).error;
}

/**
 * Consumes batches from a producer while the next batch is already being fetched: fetching overlaps processing,
 * and at most one batch waits in memory (backpressure).
 */
export async function pipeBatches<T>(
  batches: AsyncIterable<T[]>,
  handle: (batch: T[]) => Promise<void>,
): Promise<void> {
  const iterator = batches[Symbol.asyncIterator]();
  // The prefetched batch may fail while the current one is being handled; it is awaited (and its error thrown) on
  // the next turn, so it must not count as an unhandled rejection meanwhile.
  const prefetch = () => {
    const promise = iterator.next();
    promise.catch(() => {});
    return promise;
  };
  let next = prefetch();
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = prefetch();
      await handle(result.value);
    }
  } catch (error) {
    iterator.return?.().catch(() => {});
    throw error;
  }
}

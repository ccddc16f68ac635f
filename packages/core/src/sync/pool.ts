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
  let next = iterator.next();
  try {
    for (;;) {
      const result = await next;
      if (result.done) return;
      next = iterator.next();
      await handle(result.value);
    }
  } catch (error) {
    next.catch(() => {});
    iterator.return?.().catch(() => {});
    throw error;
  }
}

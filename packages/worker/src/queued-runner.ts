import {
  ConfluenceSyncError,
  type KnowledgeStore,
  type ProgressReader,
  type ProgressSink,
  type SourceLock,
  type SyncErrorCode,
  type SyncMetrics,
  type SyncMode,
  toSyncProgress,
} from "@archon/confluence-core";
import type { SyncQueue } from "./queue.js";

/** What a router asks for; the same shape as `SyncRunRequest` of `@archon/confluence-express`. */
export interface QueuedSyncRequest {
  readonly source: { readonly sourceId: string };
  readonly mode: SyncMode;
  /** Re-index every page whatever produced its stored chunks; the job carries it to the worker. */
  readonly reindex?: boolean;
  /** Must be a UUID: it becomes the job's id. */
  readonly operationId: string;
  readonly signal: AbortSignal;
  readonly sink: ProgressSink;
}

/** Options of {@link createQueuedSyncRunner}. */
export interface QueuedSyncRunnerOptions {
  /** How often the runner reads the source's status while a worker syncs it. @default 1000 */
  readonly pollIntervalMs?: number;
  /**
   * Where workers record progress (a `PgProgressSink` on the same database, also given to the workers as a sink);
   * when set, the runner relays `progress` events to the router. Without it only the end is reported.
   */
  readonly progress?: ProgressReader;
  /**
   * The store the workers sync into; when it has a cross-process lock (`PgKnowledgeStore`), a sync that another
   * process runs outside the queue (the CLI, a server running syncs itself) is refused with a `409` before anything is
   * enqueued, instead of a job that keeps failing with `SYNC_ALREADY_RUNNING`.
   */
  readonly store?: Pick<KnowledgeStore, "lockSource">;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A runner for the Express router's `runSync` option that enqueues the sync for the workers instead of running it
 * in-process, then follows it until it ends: it resolves with the worker's metrics, rejects with the worker's coded
 * error, and cancels the job when the router aborts. A sync already running or waiting for the source rejects
 * with `SYNC_ALREADY_RUNNING` naming that operation.
 *
 * @example
 * const queue = await createSyncQueue({ connectionString });
 * app.use("/api/confluence", createConfluenceRouter({ ...options, runSync: createQueuedSyncRunner(queue) }));
 */
export function createQueuedSyncRunner(
  queue: Pick<SyncQueue, "enqueueSync" | "getSourceStatus" | "cancelSync">,
  options: QueuedSyncRunnerOptions = {},
) {
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const run = async (request: QueuedSyncRequest): Promise<SyncMetrics> => {
    const { sourceId } = request.source;
    const { operationId, signal, sink } = request;
    const result = await queue.enqueueSync(sourceId, {
      mode: request.mode,
      operationId,
      ...(request.reindex ? { reindex: true } : {}),
    });
    if (!result.enqueued) {
      throw new ConfluenceSyncError(
        "SYNC_ALREADY_RUNNING",
        `A sync of source ${sourceId} is already ${result.state} (operation ${result.operationId})` +
          (result.upgraded ? "; it was turned into a full sync." : "."),
      );
    }
    const onAbort = () => {
      queue.cancelSync(sourceId).catch(() => {});
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    let lastProgress = "";
    try {
      for (;;) {
        await sleep(pollIntervalMs);
        const status = await queue.getSourceStatus(sourceId);
        const progress = await options.progress?.getProgress(operationId);
        if (progress && progress.state === "running" && progress.stage) {
          const snapshot = JSON.stringify([progress.stage, progress.done, progress.total]);
          if (snapshot !== lastProgress) {
            lastProgress = snapshot;
            await sink.handle({ type: "progress", ...toSyncProgress(progress) });
          }
        }
        const ours = status.operationId === operationId;
        if (ours && status.state === "succeeded" && status.lastMetrics) {
          await sink.handle({ type: "sync-end", operationId, sourceId, metrics: status.lastMetrics });
          return status.lastMetrics;
        }
        if (ours && status.state === "failed" && status.lastError) {
          throw new ConfluenceSyncError(status.lastError.code as SyncErrorCode, status.lastError.message);
        }
        if ((ours && status.state === "cancelled") || (signal.aborted && !ours)) {
          throw new ConfluenceSyncError("SYNC_ABORTED", `Sync ${operationId} was cancelled.`);
        }
      }
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  };
  /** Lets the router answer 409 before accepting a sync that a worker already runs or holds in the queue. */
  const runningOperation = async (sourceId: string): Promise<string | undefined> => {
    const status = await queue.getSourceStatus(sourceId);
    const busy = status.state === "running" || status.state === "queued" || status.state === "retrying";
    return busy ? (status.operationId ?? undefined) : undefined;
  };
  const store = options.store;
  /**
   * Checks the store's lock: the sync runs in a worker, so the lock cannot be held for it from here; it is released
   * at once and the worker's engine takes it when the job starts.
   */
  const lockSource = store?.lockSource
    ? async (sourceId: string): Promise<SourceLock> => {
        const lock = await (store.lockSource as NonNullable<KnowledgeStore["lockSource"]>).call(store, sourceId);
        if (!("release" in lock)) return lock;
        await lock.release();
        return { release: async () => {} };
      }
    : undefined;
  return Object.assign(run, { runningOperation, ...(lockSource ? { lockSource } : {}) });
}

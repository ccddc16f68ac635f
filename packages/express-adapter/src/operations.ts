import { randomUUID } from "node:crypto";
import {
  ConfluenceSyncError,
  describeError,
  type Logger,
  type ProgressSink,
  type SourceLock,
  type SourceRecord,
  type SyncEvent,
  type SyncMetrics,
  type SyncMode,
} from "@archon/confluence-core";
import { HttpError } from "./http-error.js";
import type { OperationView, StreamEventName } from "./schemas.js";

/** What the router asks a {@link SyncRunner} to do. */
export interface SyncRunRequest {
  readonly source: SourceRecord;
  readonly mode: SyncMode;
  /** Re-index every page whatever produced its stored chunks (the engine's `reindex` run option). */
  readonly reindex?: boolean;
  /** Chosen by the router and returned to the client before the run starts; the run must use it. */
  readonly operationId: string;
  /** Aborted by `POST /:sourceId/sync/cancel`, by deleting the source, or by `router.close()`. */
  readonly signal: AbortSignal;
  /**
   * The source's lock, taken by {@link SyncRunner.lockSource} before the request was accepted and released by the
   * router when the run ends; give it to the engine as `heldLock`.
   */
  readonly lock?: HeldSourceLock;
  /** Must receive every event of the run, in order: progress, the stream and the final status depend on it. */
  readonly sink: ProgressSink;
}

/**
 * Runs one sync to its end; resolves with its metrics or rejects with a (coded) error. A runner that hands syncs to
 * other processes (a job queue) also says which operation of a source runs there, so a second request gets its 409
 * before it is accepted.
 */
export type SyncRunner = ((request: SyncRunRequest) => Promise<SyncMetrics>) & {
  /** The operation id of a sync of this source that runs or waits outside this process, if any. */
  readonly runningOperation?: (sourceId: string) => Promise<string | undefined>;
  /**
   * Takes the source's cross-process lock (the store's `lockSource`) for a run in this process, so a sync running
   * in another process is refused with a 409 before the request is accepted; the lock is held for the whole run.
   */
  readonly lockSource?: (sourceId: string) => Promise<SourceLock | undefined>;
};

/** A source lock this process holds. */
export interface HeldSourceLock {
  release(): Promise<void>;
}

/** A stream listener: the sequence number of each event (1-based, per operation), its name and payload. */
export type OperationListener = (seq: number, name: StreamEventName | "end", data: unknown) => void;

/** One recorded event of an operation. */
export interface RecordedEvent {
  readonly seq: number;
  readonly name: StreamEventName;
  readonly data: unknown;
}

interface Entry {
  view: Mutable<OperationView>;
  controller: AbortController;
  listeners: Set<OperationListener>;
  finished: Promise<void>;
  seq: number;
  /** The most recent events, for clients that reconnect with `Last-Event-ID`. */
  recent: RecordedEvent[];
}

/** Events kept per operation for replay. */
const REPLAY_LIMIT = 1000;

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Syncs running in the background of this process, independent of the HTTP request that started them, with the
 * latest progress of each and a bounded history of finished ones. One running sync per source.
 */
export class SyncOperations {
  readonly #entries = new Map<string, Entry>();
  readonly #runningBySource = new Map<string, string>();
  readonly #runner: SyncRunner;
  readonly #logger: Logger;
  readonly #maxHistory: number;

  constructor(runner: SyncRunner, options: { logger: Logger; maxHistory?: number }) {
    this.#runner = runner;
    this.#logger = options.logger;
    this.#maxHistory = options.maxHistory ?? 200;
  }

  /** Throws the `409 SYNC_ALREADY_RUNNING` of a sync that runs outside this process, when the runner can tell. */
  async assertNotRunningElsewhere(sourceId: string): Promise<void> {
    const running = await this.#runner.runningOperation?.(sourceId);
    if (running !== undefined) {
      throw new HttpError(
        409,
        "SYNC_ALREADY_RUNNING",
        `A sync of source ${sourceId} is already running (operation ${running}); wait for it or cancel it.`,
        { operationId: running },
      );
    }
  }

  /**
   * Takes the source's lock for a run in this process when the runner can (see {@link SyncRunner.lockSource}); a
   * `409 SYNC_ALREADY_RUNNING` naming the process that holds it otherwise. Pass the lock to {@link start}, which
   * releases it when the run ends.
   */
  async claim(sourceId: string): Promise<HeldSourceLock | undefined> {
    const lock = await this.#runner.lockSource?.(sourceId);
    if (lock === undefined || "release" in lock) return lock;
    throw new HttpError(
      409,
      "SYNC_ALREADY_RUNNING",
      `A sync of source ${sourceId} is already running in ${lock.heldBy}; wait for it or cancel it there.`,
    );
  }

  /**
   * Starts a sync in the background; a `409 SYNC_ALREADY_RUNNING` carrying the running id when one runs. A `lock`
   * from {@link claim} is held for the run and released when it ends (also when starting fails).
   */
  start(
    source: SourceRecord,
    mode: SyncMode,
    options: { readonly reindex?: boolean; readonly lock?: HeldSourceLock } = {},
  ): OperationView {
    const running = this.#runningBySource.get(source.sourceId);
    if (running !== undefined) {
      void options.lock?.release().catch(() => {});
      throw new HttpError(
        409,
        "SYNC_ALREADY_RUNNING",
        `A sync of source ${source.sourceId} is already running (operation ${running}); wait for it or cancel it.`,
        { operationId: running },
      );
    }
    const operationId = randomUUID();
    const controller = new AbortController();
    const view: Mutable<OperationView> = {
      operationId,
      sourceId: source.sourceId,
      mode,
      status: "running",
      startedAt: new Date().toISOString(),
      finishedAt: null,
      progress: null,
      metrics: null,
      error: null,
    };
    const entry: Entry = { view, controller, listeners: new Set(), finished: Promise.resolve(), seq: 0, recent: [] };
    this.#entries.set(operationId, entry);
    this.#runningBySource.set(source.sourceId, operationId);
    const sink: ProgressSink = { handle: (event) => this.#onEvent(entry, event) };
    const request: SyncRunRequest = {
      source,
      mode,
      operationId,
      signal: controller.signal,
      sink,
      ...(options.reindex ? { reindex: true } : {}),
      ...(options.lock ? { lock: options.lock } : {}),
    };
    entry.finished = this.#run(entry, request);
    this.#evict();
    return { ...view };
  }

  /** A snapshot of the operation, or `undefined` when this process does not know it. */
  get(operationId: string): OperationView | undefined {
    const entry = this.#entries.get(operationId);
    return entry ? { ...entry.view } : undefined;
  }

  /** Id of the sync running for the source, if any. */
  runningFor(sourceId: string): string | undefined {
    return this.#runningBySource.get(sourceId);
  }

  /** Aborts the source's running sync; returns its id, or `undefined` when none runs. */
  cancel(sourceId: string): string | undefined {
    const operationId = this.#runningBySource.get(sourceId);
    if (operationId === undefined) return undefined;
    this.#entries.get(operationId)?.controller.abort(new ConfluenceSyncError("SYNC_ABORTED", "Sync cancelled."));
    return operationId;
  }

  /** Resolves once the operation ended (immediately for unknown or finished ones). Never rejects. */
  async waitFor(operationId: string): Promise<void> {
    await this.#entries.get(operationId)?.finished;
  }

  /** Sequence number of the operation's latest event (0 before the first). */
  lastSeq(operationId: string): number {
    return this.#entries.get(operationId)?.seq ?? 0;
  }

  /**
   * Events after `afterSeq` still held for replay, or `null` when some of them were already dropped (the client
   * should then start from a snapshot).
   */
  replay(operationId: string, afterSeq: number): RecordedEvent[] | null {
    const entry = this.#entries.get(operationId);
    if (!entry) return null;
    const first = entry.recent[0]?.seq ?? entry.seq + 1;
    if (afterSeq + 1 < first) return null;
    return entry.recent.filter((event) => event.seq > afterSeq);
  }

  /** Subscribes to an operation's live events; returns the unsubscribe function. The last event is `end`. */
  subscribe(operationId: string, listener: OperationListener): () => void {
    const entry = this.#entries.get(operationId);
    if (!entry) return () => {};
    entry.listeners.add(listener);
    return () => entry.listeners.delete(listener);
  }

  /** Cancels every running sync and waits for all to end. */
  async close(): Promise<void> {
    const running = [...this.#runningBySource.keys()];
    for (const sourceId of running) this.cancel(sourceId);
    await Promise.all([...this.#entries.values()].map((entry) => entry.finished));
  }

  #onEvent(entry: Entry, event: SyncEvent): void {
    const { view } = entry;
    if (event.type === "progress") {
      const { operationId: _op, sourceId: _src, type: _type, ...progress } = event;
      view.progress = progress;
    } else if (event.type === "sync-end" || event.type === "sync-error") {
      view.metrics = event.metrics;
    } else if (event.type === "sync-warning") {
      view.warnings = [...(view.warnings ?? []), { kind: event.kind, message: event.message }];
    }
    this.#emit(entry, event.type, event);
  }

  #emit(entry: Entry, name: StreamEventName | "end", data: unknown): void {
    const seq = name === "end" ? entry.seq : ++entry.seq;
    if (name !== "end") {
      entry.recent.push({ seq, name, data });
      if (entry.recent.length > REPLAY_LIMIT) entry.recent.shift();
    }
    for (const listener of entry.listeners) {
      try {
        listener(seq, name, data);
      } catch (error) {
        this.#logger.warn({ err: describeError(error) }, "sync stream listener failed");
      }
    }
  }

  async #run(entry: Entry, request: SyncRunRequest): Promise<void> {
    const { view } = entry;
    // Let the HTTP handler answer 202 before the run does any work.
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      const metrics = await this.#runner(request);
      view.metrics = metrics;
      view.status = "succeeded";
    } catch (error) {
      const aborted = request.signal.aborted;
      const code = error instanceof ConfluenceSyncError ? error.code : aborted ? "SYNC_ABORTED" : "INTERNAL";
      view.status = aborted || code === "SYNC_ABORTED" ? "cancelled" : "failed";
      view.error = {
        code,
        message:
          error instanceof ConfluenceSyncError
            ? error.message
            : aborted
              ? "Sync cancelled."
              : "Sync failed unexpectedly.",
      };
      if (view.status === "failed") {
        this.#logger.error(
          { operationId: view.operationId, sourceId: view.sourceId, code, err: describeError(error) },
          "sync failed",
        );
      }
    } finally {
      await request.lock?.release().catch((error: unknown) => {
        this.#logger.warn({ sourceId: view.sourceId, err: describeError(error) }, "could not release the source lock");
      });
      view.finishedAt = new Date().toISOString();
      if (this.#runningBySource.get(view.sourceId) === view.operationId) this.#runningBySource.delete(view.sourceId);
      this.#emit(entry, "operation", { ...view });
      this.#emit(entry, "end", null);
      entry.listeners.clear();
    }
  }

  #evict(): void {
    if (this.#entries.size <= this.#maxHistory) return;
    for (const [operationId, entry] of this.#entries) {
      if (this.#entries.size <= this.#maxHistory) break;
      if (entry.view.status !== "running") this.#entries.delete(operationId);
    }
  }
}

import { hostname } from "node:os";
import { describeError, silentLogger } from "@archon/confluence-core";
import { EventEmitter } from "eventemitter3";
import pg from "pg";
import { type JobWithMetadata, PgBoss } from "pg-boss";
import { type JobEndEvent, JobRunner, type JobStartEvent } from "./job-runner.js";
import {
  parseOptions,
  type SyncWorkerOptions,
  type SyncWorkerOptionsInput,
  syncWorkerOptionsSchema,
} from "./options.js";
import { bossConfig, type SyncJobData, SyncQueue } from "./queue.js";
import { PgTokenBucket } from "./rate-limit.js";

/** Listener signatures of a {@link SyncWorker}. */
export interface SyncWorkerEvents {
  /** This worker took a job and holds the source's lock. */
  "job-start": [event: JobStartEvent];
  /** A job ended here: succeeded, failed, retrying (a retry is scheduled), cancelled, interrupted or skipped. */
  "job-end": [event: JobEndEvent];
  /** pg-boss or connection trouble that did not stop the worker. */
  error: [error: Error];
}

/**
 * A process's share of the sync work: it takes sync jobs from the queue, `concurrency` at a time, and runs each
 * with the core engine while holding the source's lock. Started by {@link startSyncWorker}.
 */
export class SyncWorker extends EventEmitter<SyncWorkerEvents> {
  readonly #shutdown = new AbortController();
  readonly #running = new Set<Promise<unknown>>();
  #stopping: Promise<void> | null = null;

  /** @internal */
  constructor(
    /** Enqueue, schedule and inspect syncs through this worker's connections. */
    readonly queue: SyncQueue,
    /** Shown in statuses and run history. */
    readonly workerId: string,
    private readonly boss: PgBoss,
    private readonly pool: pg.Pool,
    private readonly options: SyncWorkerOptions,
  ) {
    super();
  }

  /** Number of syncs running in this worker now. */
  get activeSyncs(): number {
    return this.#running.size;
  }

  /** @internal */
  async begin(runner: (shutdown: AbortSignal) => JobRunner): Promise<void> {
    const jobRunner = runner(this.#shutdown.signal);
    const workOptions = {
      localConcurrency: this.options.concurrency,
      batchSize: 1,
      includeMetadata: true,
      pollingIntervalSeconds: this.options.pollingIntervalSeconds,
    } as const;
    await this.boss.work<SyncJobData, object, typeof workOptions>(
      this.options.queueName,
      workOptions,
      async (jobs: JobWithMetadata<SyncJobData>[]) => {
        const job = jobs[0];
        if (!job) return {};
        const running = jobRunner.run(job);
        this.#running.add(running);
        try {
          return await running;
        } finally {
          this.#running.delete(running);
        }
      },
    );
  }

  /**
   * Graceful shutdown: stop taking jobs, abort the running syncs (each saves its checkpoint and hands its operation
   * back to the queue, so another worker resumes it), wait for them up to `shutdownTimeoutMs`, then close.
   * Safe to call more than once.
   */
  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      const { queueName, shutdownTimeoutMs } = this.options;
      await this.boss.offWork(queueName, { wait: false }).catch(() => {});
      this.#shutdown.abort();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled([...this.#running]),
        new Promise((resolve) => {
          timer = setTimeout(resolve, shutdownTimeoutMs);
        }),
      ]);
      clearTimeout(timer);
      await this.boss.stop({ graceful: true, close: true, timeout: shutdownTimeoutMs }).catch(() => {});
      await this.pool.end().catch(() => {});
    })();
    return this.#stopping;
  }
}

/**
 * Starts a sync worker in this process. Run any number of them, on any number of machines, against one database:
 * each source is synced by at most one worker at a time, a dead worker's job is retried elsewhere after its lease
 * and resumes from the checkpoint, transient failures retry with exponential backoff, and a source that cannot
 * succeed (bad credentials, missing space) is marked failed with its error instead of retrying forever.
 *
 * @example
 * const worker = await startSyncWorker({ connectionString, store, credentials, embedder, concurrency: 2 });
 * await worker.queue.scheduleSource({ sourceId: "eng", everyMinutes: 15 });
 * process.once("SIGTERM", () => worker.stop());
 */
export async function startSyncWorker(input: SyncWorkerOptionsInput): Promise<SyncWorker> {
  const options = parseOptions(syncWorkerOptionsSchema, input, "sync worker options");
  const workerId = options.workerId ?? `${hostname()}:${process.pid}`;
  const logger = options.logger ?? silentLogger;
  const boss = new PgBoss(
    bossConfig(options, {
      supervise: true,
      schedule: true,
      // Expired leases are found by the per-queue monitor pass, which runs on the longer of the two intervals.
      superviseIntervalSeconds: options.superviseIntervalSeconds,
      monitorIntervalSeconds: options.superviseIntervalSeconds,
      instanceName: workerId,
    }),
  );
  // Syncs hold a connection each for their lock, plus status writes and the rate-limit bucket.
  const pool = new pg.Pool({ connectionString: options.connectionString, max: options.concurrency + 3 });
  let worker: SyncWorker | undefined;
  const report = (error: Error) => {
    logger.warn({ err: describeError(error) }, "sync worker: background error");
    worker?.emit("error", error);
  };
  boss.on("error", report);
  pool.on("error", report);
  try {
    await boss.start();
    const queue = new SyncQueue(boss, pool, options, false);
    await queue.prepare(true);
    const bucket = options.rateLimit
      ? new PgTokenBucket(pool, options.schema, options.rateLimit.requestsPerSecond, options.rateLimit.burst)
      : null;
    const created = new SyncWorker(queue, workerId, boss, pool, options);
    worker = created;
    await created.begin(
      (shutdown) =>
        new JobRunner({
          boss,
          pool,
          options,
          workerId,
          bucket,
          logger,
          shutdown,
          onStart: (event) => {
            logger.info(event, "sync job started");
            created.emit("job-start", event);
          },
          onEnd: (event) => {
            logger.info({ ...event, metrics: undefined }, "sync job ended");
            created.emit("job-end", event);
          },
        }),
    );
    return created;
  } catch (error) {
    await boss.stop({ graceful: false, close: true }).catch(() => {});
    await pool.end().catch(() => {});
    throw error;
  }
}

import {
  ConfluenceSync,
  ConfluenceSyncError,
  createConfluenceSource,
  describeError,
  type Logger,
  type SyncMetrics,
} from "@archon/confluence-core";
import type pg from "pg";
import type { JobWithMetadata, PgBoss } from "pg-boss";
import type { SyncWorkerOptions } from "./options.js";
import type { SyncJobData } from "./queue.js";
import { type PgTokenBucket, RateLimitedSource } from "./rate-limit.js";
import type { SyncRun } from "./tables.js";

/** How a job ended, as the worker reports it. */
export type JobOutcome = NonNullable<SyncRun["outcome"]> | "skipped";

export interface JobStartEvent {
  readonly operationId: string;
  readonly sourceId: string;
  readonly mode: SyncJobData["mode"];
  readonly trigger: SyncJobData["trigger"];
  readonly attempt: number;
  readonly workerId: string;
}

export interface JobEndEvent extends JobStartEvent {
  readonly outcome: JobOutcome;
  /** Whether the engine resumed from a checkpoint a previous attempt left. */
  readonly resumed: boolean;
  readonly metrics: SyncMetrics | null;
  readonly error: { readonly code: string; readonly message: string } | null;
}

/** What a {@link JobRunner} needs from its worker. */
export interface JobRunnerContext {
  readonly boss: PgBoss;
  readonly pool: pg.Pool;
  readonly options: SyncWorkerOptions;
  readonly workerId: string;
  readonly bucket: PgTokenBucket | null;
  readonly logger: Logger;
  /** Aborted when the worker shuts down. */
  readonly shutdown: AbortSignal;
  onStart(event: JobStartEvent): void;
  onEnd(event: JobEndEvent): void;
}

const coded = (error: unknown): ConfluenceSyncError =>
  error instanceof ConfluenceSyncError
    ? error
    : new ConfluenceSyncError("SOURCE_UNAVAILABLE", `Sync failed: ${describeError(error)}`, { retryable: true });

/** Runs one sync job: the per-source lock, the status row, the engine, and what a failure means for the job. */
export class JobRunner {
  constructor(private readonly ctx: JobRunnerContext) {}

  async run(job: JobWithMetadata<SyncJobData>): Promise<object> {
    const { ctx } = this;
    const { schema } = ctx.options;
    const data = job.data;
    const operationId = data.operationId ?? job.id;
    const base: JobStartEvent = {
      operationId,
      sourceId: data.sourceId,
      mode: data.mode,
      trigger: data.trigger,
      attempt: job.retryCount + 1,
      workerId: ctx.workerId,
    };
    if (data.trigger === "schedule" && (await this.#pausedByFailure(data.sourceId))) {
      // A source that failed for a reason retrying cannot fix waits for a request (after its credentials or space
      // were fixed) instead of failing on every schedule. One that ran out of retries tries again on schedule.
      ctx.onEnd({ ...base, outcome: "skipped", resumed: false, metrics: null, error: null });
      return { skipped: "source-failed" };
    }
    const lock = await ctx.pool.connect();
    let locked = false;
    try {
      const { rows } = await lock.query<{ ok: boolean }>(
        "SELECT pg_try_advisory_lock(hashtext($1), hashtext($2)) AS ok",
        [`archon-sync:${schema}`, data.sourceId],
      );
      locked = rows[0]?.ok === true;
      if (!locked) {
        // Only a sync whose lease expired while it still runs can hold it; retry once it ended.
        throw new ConfluenceSyncError(
          "SYNC_ALREADY_RUNNING",
          `Source ${data.sourceId} is still being synced by another worker; this job will be retried.`,
          { retryable: true },
        );
      }
      return await this.#locked(job, base, lock);
    } finally {
      if (locked) {
        await lock
          .query("SELECT pg_advisory_unlock(hashtext($1), hashtext($2))", [`archon-sync:${schema}`, data.sourceId])
          .then(() => lock.release())
          .catch((error: Error) => lock.release(error));
      } else {
        lock.release();
      }
    }
  }

  async #locked(job: JobWithMetadata<SyncJobData>, base: JobStartEvent, lock: pg.PoolClient): Promise<object> {
    const { ctx } = this;
    const { options } = ctx;
    const status = `"${options.schema}".source_status`;
    const { sourceId } = base;
    await ctx.pool.query(
      `INSERT INTO ${status} (source_id, state, operation_id, mode, trigger, attempt, worker_id, started_at,
         finished_at, cancel_requested, updated_at)
       VALUES ($1, 'running', $2, $3, $4, $5, $6, NOW(), NULL, FALSE, NOW())
       ON CONFLICT (source_id) DO UPDATE SET state = 'running', operation_id = $2, mode = $3, trigger = $4,
         attempt = $5, worker_id = $6, started_at = NOW(), finished_at = NULL, cancel_requested = FALSE, updated_at = NOW()`,
      [sourceId, base.operationId, base.mode, base.trigger, base.attempt, ctx.workerId],
    );
    const run = await ctx.pool.query<{ id: string }>(
      `INSERT INTO "${options.schema}".sync_runs (source_id, operation_id, worker_id, attempt, mode)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [sourceId, base.operationId, ctx.workerId, base.attempt, base.mode],
    );
    const runId = run.rows[0]?.id;
    ctx.onStart(base);

    const controller = new AbortController();
    let cancelled = false;
    const abort = (reason: string) => {
      if (!controller.signal.aborted) controller.abort(new ConfluenceSyncError("SYNC_ABORTED", reason));
    };
    const onShutdown = () => abort("The worker is shutting down.");
    const onLostClaim = () => abort("The job's lease was lost.");
    const onLockLost = () => abort("The connection holding the source lock was lost.");
    ctx.shutdown.addEventListener("abort", onShutdown);
    job.signal?.addEventListener("abort", onLostClaim);
    lock.on("error", onLockLost);
    if (ctx.shutdown.aborted) onShutdown();
    const watch = setInterval(() => {
      ctx.pool
        .query<{ cancel_requested: boolean }>(`SELECT cancel_requested FROM ${status} WHERE source_id = $1`, [sourceId])
        .then(({ rows }) => {
          if (rows[0]?.cancel_requested) {
            cancelled = true;
            abort("The sync was cancelled.");
          }
        })
        .catch(() => {});
    }, 1000);

    let resumed = false;
    const finish = async (outcome: JobOutcome, patch: string, params: unknown[], error: ConfluenceSyncError | null) => {
      await ctx.pool.query(
        `UPDATE "${options.schema}".sync_runs SET finished_at = clock_timestamp(), outcome = $2, resumed = $3,
           error_code = $4 WHERE id = $1`,
        [runId, outcome === "skipped" ? null : outcome, resumed, error?.code ?? null],
      );
      await ctx.pool.query(
        `UPDATE ${status} SET ${patch}, finished_at = NOW(), updated_at = NOW() WHERE source_id = $1`,
        [sourceId, ...params],
      );
    };

    try {
      const engine = await this.#engine(sourceId);
      engine.on("sync-start", (event) => {
        resumed = event.resumed;
      });
      const metrics = await engine.run({
        sourceId,
        mode: base.mode,
        operationId: base.operationId,
        signal: controller.signal,
        ...(job.data.reindex ? { reindex: true } : {}),
      });
      await finish(
        "succeeded",
        "state = 'succeeded', consecutive_failures = 0, succeeded_at = NOW(), metrics = $2",
        [JSON.stringify(metrics)],
        null,
      );
      ctx.onEnd({ ...base, outcome: "succeeded", resumed, metrics, error: null });
      return { operationId: base.operationId, pagesIndexed: metrics.pagesIndexed, pagesFailed: metrics.pagesFailed };
    } catch (thrown) {
      const error = coded(thrown);
      const message = { code: error.code, message: error.message };
      const failed = (outcome: JobOutcome) => {
        ctx.onEnd({ ...base, outcome, resumed, metrics: null, error: message });
      };
      if (ctx.shutdown.aborted) {
        // Hand the operation to the next worker now instead of after a retry delay; the checkpoint is saved.
        await ctx.boss.send(
          options.queueName,
          { ...job.data, operationId: base.operationId },
          { singletonKey: sourceId },
        );
        await finish("interrupted", "state = 'retrying'", [], null);
        failed("interrupted");
        return { requeued: base.operationId };
      }
      if (cancelled) {
        await finish("cancelled", "state = 'cancelled', cancel_requested = FALSE", [], null);
        failed("cancelled");
        return { cancelled: base.operationId };
      }
      if (job.signal?.aborted) {
        await finish("interrupted", "state = 'retrying'", [], error).catch(() => {});
        failed("interrupted");
        throw error;
      }
      const failFast = options.failFastCodes.includes(error.code);
      const lastAttempt = job.retryCount >= job.retryLimit;
      const errorPatch = "error_code = $2, error_message = $3, error_at = NOW()";
      if (failFast || lastAttempt) {
        await finish(
          "failed",
          `state = 'failed', consecutive_failures = consecutive_failures + 1, ${errorPatch}`,
          [error.code, error.message],
          error,
        );
        failed("failed");
        ctx.logger.error(
          { sourceId, operationId: base.operationId, code: error.code, err: error.message },
          "source failed",
        );
        if (failFast) return { failed: error.code };
        throw error;
      }
      await finish("retrying", `state = 'retrying', ${errorPatch}`, [error.code, error.message], error);
      failed("retrying");
      throw error;
    } finally {
      clearInterval(watch);
      ctx.shutdown.removeEventListener("abort", onShutdown);
      job.signal?.removeEventListener("abort", onLostClaim);
      lock.off("error", onLockLost);
    }
  }

  async #engine(sourceId: string): Promise<ConfluenceSync> {
    const { options, bucket } = this.ctx;
    const record = await options.store.getSource(sourceId);
    if (!record) {
      throw new ConfluenceSyncError(
        "CONFIG_INVALID",
        `No source "${sourceId}" in the store; create it with store.upsertSource() before syncing it.`,
      );
    }
    const credentials = await options.credentials.get(sourceId);
    if (!credentials) {
      throw new ConfluenceSyncError(
        "SOURCE_AUTH",
        `No credentials are stored for source ${sourceId}; store them with the credential store first.`,
      );
    }
    const createSource = options.createSource ?? createConfluenceSource;
    const inner = createSource({ baseUrl: record.baseUrl, deployment: record.deployment, credentials });
    return new ConfluenceSync({
      ...options.sync,
      source: new RateLimitedSource(inner, bucket),
      store: options.store,
      embedder: options.embedder,
      sinks: options.sinks,
      logger: this.ctx.logger,
    });
  }

  async #pausedByFailure(sourceId: string): Promise<boolean> {
    const { rows } = await this.ctx.pool.query<{ state: string; error_code: string | null }>(
      `SELECT state, error_code FROM "${this.ctx.options.schema}".source_status WHERE source_id = $1`,
      [sourceId],
    );
    const row = rows[0];
    return row?.state === "failed" && this.ctx.options.failFastCodes.includes(row.error_code ?? "");
  }
}

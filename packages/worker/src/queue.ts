import { randomUUID } from "node:crypto";
import { ConfluenceSyncError, type SyncMode } from "@archon/confluence-core";
import pg from "pg";
import { PgBoss } from "pg-boss";
import { z } from "zod";
import { parseOptions, type SyncQueueOptions, type SyncQueueOptionsInput, syncQueueOptionsSchema } from "./options.js";
import { intervalToCron, type ScheduleInput, scheduleInputSchema } from "./schedule.js";
import {
  ensureTables,
  readRuns,
  readStatusRows,
  type SourceStatus,
  type SyncRun,
  type SyncTrigger,
  toStatus,
} from "./tables.js";

/** The payload of a sync job. */
export interface SyncJobData {
  readonly sourceId: string;
  readonly mode: SyncMode;
  readonly trigger: SyncTrigger;
  /** Set by requests; scheduled jobs use the job id. */
  readonly operationId?: string;
  /** Re-index every page whatever produced its stored chunks (the engine's `reindex` run option); implies `full`. */
  readonly reindex?: boolean;
}

/** What {@link SyncQueue.enqueueSync} did. */
export interface EnqueueResult {
  /** The new operation, or the one already running or waiting for this source. */
  readonly operationId: string;
  /** `false` when a sync of the source was already running or waiting; `operationId` is that one. */
  readonly enqueued: boolean;
  readonly state: "queued" | "running";
  /** The mode `operationId` runs in. */
  readonly mode: SyncMode;
  /** Whether `operationId` re-indexes every page. */
  readonly reindex?: boolean;
  /** `true` when a full (or re-index) request turned the waiting sync into a full (or re-index) one. */
  readonly upgraded?: boolean;
}

/** A source's schedule, from {@link SyncQueue.listSchedules}. */
export interface SourceSchedule {
  readonly sourceId: string;
  readonly mode: SyncMode;
  readonly cron: string;
  readonly timeZone: string;
}

const SOURCE_ID = /^[A-Za-z0-9_.:-]{1,128}$/;
const enqueueSchema = z.object({
  sourceId: z.string().regex(SOURCE_ID, "sourceId: letters, digits and _.:- only, 1 to 128 characters"),
  mode: z.enum(["full", "incremental"], { error: 'mode must be "full" or "incremental"' }).default("incremental"),
  operationId: z.uuid("operationId must be a UUID").optional(),
  reindex: z.boolean({ error: "reindex must be true or false" }).optional(),
});

/** pg-boss schedule keys allow no `:`, which source ids may contain, but `/`, which they may not. */
const scheduleKey = (sourceId: string, mode: SyncMode) => `${mode}/${sourceId.replaceAll(":", "/")}`;

interface LiveJob {
  id: string;
  state: "created" | "retry" | "active";
  operation_id: string | null;
  mode: SyncMode | null;
  reindex: boolean;
}

/**
 * Producer side of the sync queue: enqueue, schedule, cancel, and read source statuses. Any process can use one;
 * only workers ({@link startSyncWorker}) run syncs. Create it with {@link createSyncQueue}.
 */
export class SyncQueue {
  #table: string | undefined;

  /** @internal Use {@link createSyncQueue}, or `worker.queue`. */
  constructor(
    readonly boss: PgBoss,
    readonly pool: pg.Pool,
    readonly options: SyncQueueOptions,
    private readonly owned: boolean,
  ) {}

  /**
   * Creates the queue and the worker tables when missing. Workers (`applySettings`) also bring an existing queue's
   * lease and retry settings in line with theirs; producers leave them as they are. @internal
   */
  async prepare(applySettings: boolean): Promise<void> {
    const { queueName, leaseSeconds, maxRunSeconds, retry } = this.options;
    const settings = {
      heartbeatSeconds: leaseSeconds,
      expireInSeconds: maxRunSeconds,
      retryLimit: retry.limit,
      retryDelay: retry.delaySeconds,
      retryBackoff: true,
      retryDelayMax: retry.maxDelaySeconds,
    };
    const existing = await this.boss.getQueue(queueName);
    if (!existing) {
      // `stately`: per source (singleton key), at most one job waiting and one running, across all workers.
      await this.boss.createQueue(queueName, { policy: "stately", ...settings }).catch(async (error: unknown) => {
        // Another process created it between the check and here.
        if (!(await this.boss.getQueue(queueName))) throw error;
      });
    } else if (applySettings) {
      await this.boss.updateQueue(queueName, settings);
    }
    await ensureTables(this.pool, this.options.schema);
  }

  /**
   * Asks for a sync of the source. When one is running or waiting already, nothing is added and its operation id
   * is returned, so a second request reports the running operation. A full request is never answered by an
   * incremental sync: it turns a waiting incremental job into a full one (`upgraded: true`), or queues a full sync
   * after a running incremental one. A request also lifts a source out of the `failed` state (scheduled syncs of a
   * failed source are skipped until then). `reindex: true` asks for a full sync that re-indexes every page, and is
   * never answered by a sync that does not.
   */
  async enqueueSync(
    sourceId: string,
    options: { mode?: SyncMode; operationId?: string; reindex?: boolean } = {},
  ): Promise<EnqueueResult> {
    const parsed = parseOptions(enqueueSchema, { sourceId, ...options }, "enqueueSync arguments");
    const reindex = parsed.reindex === true;
    const input = { ...parsed, mode: reindex ? ("full" as const) : parsed.mode };
    const existing = await this.#existing(input.sourceId, input.mode, reindex);
    if (existing) return existing;
    const operationId = input.operationId ?? randomUUID();
    const data: SyncJobData = {
      sourceId: input.sourceId,
      mode: input.mode,
      trigger: "request",
      operationId,
      ...(reindex ? { reindex } : {}),
    };
    const id = await this.boss.send(this.options.queueName, data, { id: operationId, singletonKey: input.sourceId });
    if (id) return { operationId, enqueued: true, state: "queued", mode: input.mode, ...(reindex ? { reindex } : {}) };
    // Lost a race with another producer: report the job that won.
    const winner = await this.#existing(input.sourceId, input.mode, reindex);
    if (winner) return winner;
    throw new ConfluenceSyncError("STORE_FAILED", `Could not enqueue a sync of source ${input.sourceId}; try again.`, {
      retryable: true,
    });
  }

  /**
   * Syncs the source on a schedule: a cron expression or an interval in minutes. One schedule per source and mode,
   * e.g. incremental every 15 minutes plus a nightly full sync; scheduling again replaces it. Needs at least one
   * running worker (workers fire the schedules).
   */
  async scheduleSource(input: ScheduleInput): Promise<SourceSchedule> {
    const parsed = parseOptions(scheduleInputSchema, input, "schedule");
    const cron = parsed.cron ?? intervalToCron(parsed.everyMinutes as number);
    const data: SyncJobData = { sourceId: parsed.sourceId, mode: parsed.mode, trigger: "schedule" };
    try {
      await this.boss.schedule(this.options.queueName, cron, data, {
        key: scheduleKey(parsed.sourceId, parsed.mode),
        tz: parsed.timeZone,
        singletonKey: parsed.sourceId,
      });
    } catch (error) {
      throw new ConfluenceSyncError("CONFIG_INVALID", `Invalid schedule: ${(error as Error).message}`);
    }
    return { sourceId: parsed.sourceId, mode: parsed.mode, cron, timeZone: parsed.timeZone };
  }

  /** Removes the source's schedule for `mode`, or all its schedules. Running and waiting syncs are left alone. */
  async unscheduleSource(sourceId: string, mode?: SyncMode): Promise<void> {
    for (const m of mode ? [mode] : (["incremental", "full"] as const)) {
      await this.boss.unschedule(this.options.queueName, scheduleKey(sourceId, m));
    }
  }

  /** Every schedule, or the source's. */
  async listSchedules(sourceId?: string): Promise<SourceSchedule[]> {
    const schedules = await this.boss.getSchedules(this.options.queueName);
    return schedules
      .map((s) => {
        const data = s.data as SyncJobData;
        return { sourceId: data.sourceId, mode: data.mode, cron: s.cron, timeZone: s.timezone };
      })
      .filter((s) => sourceId === undefined || s.sourceId === sourceId);
  }

  /**
   * Cancels the source's waiting job and asks the worker running its sync to stop (it checkpoints first; the
   * worker notices within half a lease). Returns the running or waiting operation id, or `undefined`.
   */
  async cancelSync(sourceId: string): Promise<string | undefined> {
    const jobs = await this.#liveJobs(sourceId);
    const waiting = jobs.filter((job) => job.state !== "active");
    if (waiting.length > 0)
      await this.boss.cancel(
        this.options.queueName,
        waiting.map((job) => job.id),
      );
    const active = jobs.find((job) => job.state === "active");
    if (active) {
      await this.pool.query(
        `UPDATE "${this.options.schema}".source_status SET cancel_requested = TRUE, updated_at = NOW()
         WHERE source_id = $1 AND operation_id = $2`,
        [sourceId, active.operation_id ?? active.id],
      );
    }
    const first = active ?? waiting[0];
    return first ? (first.operation_id ?? first.id) : undefined;
  }

  /** Where the source stands across all workers: running, waiting, its last error, its latest metrics. */
  async getSourceStatus(sourceId: string): Promise<SourceStatus> {
    const [rows, jobs] = await Promise.all([
      readStatusRows(this.pool, this.options.schema, [sourceId]),
      this.#liveJobs(sourceId),
    ]);
    const queued = jobs.find((job) => job.state !== "active");
    return toStatus(sourceId, rows.get(sourceId), queued ? (queued.operation_id ?? queued.id) : null);
  }

  /** Statuses of every source a worker has run, or of the given ones. */
  async listSourceStatuses(sourceIds?: readonly string[]): Promise<SourceStatus[]> {
    const ids = sourceIds ?? [...(await readStatusRows(this.pool, this.options.schema)).keys()];
    return Promise.all(ids.map((id) => this.getSourceStatus(id)));
  }

  /** Latest attempts, newest first, of one source or of all. @param limit @default 100 */
  listRuns(options: { sourceId?: string; limit?: number } = {}): Promise<SyncRun[]> {
    return readRuns(this.pool, this.options.schema, options.sourceId, Math.min(options.limit ?? 100, 10_000));
  }

  /** Closes the connections this queue opened. */
  async close(): Promise<void> {
    if (!this.owned) return;
    await this.boss.stop({ graceful: false, close: true });
    await this.pool.end();
  }

  /** The live job that answers a request in `mode`, upgrading a waiting one to full when asked for full. */
  async #existing(sourceId: string, mode: SyncMode, reindex: boolean): Promise<EnqueueResult | undefined> {
    const jobs = await this.#liveJobs(sourceId);
    const waiting = jobs.find((job) => job.state !== "active");
    const flag = (job: LiveJob) => (job.reindex ? { reindex: true } : {});
    if (waiting) {
      const operationId = waiting.operation_id ?? waiting.id;
      if ((mode === "full" && waiting.mode !== "full") || (reindex && !waiting.reindex)) {
        const patch = reindex ? { mode: "full", reindex: true } : { mode: "full" };
        const upgraded = await this.pool.query(
          `UPDATE "${this.options.schema}"."${this.#table}" SET data = data || $3::jsonb
           WHERE name = $1 AND id = $2::uuid AND state IN ('created', 'retry')`,
          [this.options.queueName, waiting.id, JSON.stringify(patch)],
        );
        // Started in between: it runs as it was, so the requested sync is queued after it.
        if (upgraded.rowCount === 0) return undefined;
        return {
          operationId,
          enqueued: false,
          state: "queued",
          mode: "full",
          ...(reindex || waiting.reindex ? { reindex: true } : {}),
          upgraded: true,
        };
      }
      return { operationId, enqueued: false, state: "queued", mode: waiting.mode ?? "incremental", ...flag(waiting) };
    }
    const active = jobs.find((job) => job.state === "active");
    if (!active) return undefined;
    // A full (or re-index) request after a running incremental (or plain) sync gets one of its own, queued behind it.
    if (mode === "full" && active.mode !== "full") return undefined;
    if (reindex && !active.reindex) return undefined;
    return {
      operationId: active.operation_id ?? active.id,
      enqueued: false,
      state: "running",
      mode: active.mode ?? "incremental",
      ...flag(active),
    };
  }

  /** Jobs of the source that are waiting or running, oldest first. */
  async #liveJobs(sourceId: string): Promise<LiveJob[]> {
    this.#table ??= (await this.boss.getQueue(this.options.queueName))?.table ?? "job";
    const { rows } = await this.pool.query<LiveJob>(
      `SELECT id::text AS id, state::text AS state, data->>'operationId' AS operation_id, data->>'mode' AS mode,
              COALESCE((data->>'reindex')::boolean, false) AS reindex
       FROM "${this.options.schema}"."${this.#table}"
       WHERE name = $1 AND singleton_key = $2 AND state IN ('created', 'retry', 'active')
       ORDER BY created_on`,
      [this.options.queueName, sourceId],
    );
    return rows;
  }
}

/** pg-boss settings shared by producers and workers. */
export function bossConfig(options: SyncQueueOptions, extra: Record<string, unknown>) {
  return {
    connectionString: options.connectionString,
    schema: options.schema,
    max: options.poolSize,
    application_name: "archon-confluence-worker",
    ...extra,
  };
}

/**
 * Connects to the queue to enqueue, schedule and inspect syncs without running any (for an API server, a CLI or
 * an admin task). Creates pg-boss's schema, the queue and the worker tables when missing.
 *
 * @example
 * const queue = await createSyncQueue({ connectionString: process.env.DATABASE_URL! });
 * await queue.scheduleSource({ sourceId: "eng", mode: "incremental", everyMinutes: 15 });
 * const { operationId } = await queue.enqueueSync("eng");
 */
export async function createSyncQueue(input: SyncQueueOptionsInput): Promise<SyncQueue> {
  const options = parseOptions(syncQueueOptionsSchema, input, "sync queue options");
  const boss = new PgBoss(bossConfig(options, { supervise: false, schedule: false }));
  boss.on("error", () => {});
  const pool = new pg.Pool({ connectionString: options.connectionString, max: 2 });
  pool.on("error", () => {});
  try {
    await boss.start();
    const queue = new SyncQueue(boss, pool, options, true);
    await queue.prepare(false);
    return queue;
  } catch (error) {
    await boss.stop({ graceful: false, close: true }).catch(() => {});
    await pool.end().catch(() => {});
    throw error;
  }
}

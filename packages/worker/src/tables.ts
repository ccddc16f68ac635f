import { readFileSync } from "node:fs";
import type { SyncMetrics, SyncMode } from "@archon/confluence-core";
import type pg from "pg";

/** Where a source stands. `idle`: never synced by a worker; `queued`: a job waits; the rest: its latest sync. */
export type SourceState = "idle" | "queued" | "running" | "retrying" | "succeeded" | "failed" | "cancelled";

/** What brought a job: a schedule, or a request (`enqueueSync`, the router). */
export type SyncTrigger = "schedule" | "request";

/** The status of one source across all workers, from {@link SyncQueue.getSourceStatus}. */
export interface SourceStatus {
  readonly sourceId: string;
  readonly state: SourceState;
  /** The running or latest operation; while `queued`, the waiting one. `null` when idle. */
  readonly operationId: string | null;
  readonly mode: SyncMode | null;
  readonly trigger: SyncTrigger | null;
  /** 1 for the first attempt of the operation, 2 for its first retry, ... */
  readonly attempt: number;
  /** Worker that runs or last ran it. */
  readonly workerId: string | null;
  /** The latest failure, kept after a later success until the next failure replaces it. Never contains a secret. */
  readonly lastError: { readonly code: string; readonly message: string; readonly at: string } | null;
  /** Failed operations in a row; 0 after a success. */
  readonly consecutiveFailures: number;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
  readonly lastSucceededAt: string | null;
  readonly lastMetrics: SyncMetrics | null;
  /** Id of a job waiting behind the running one, if any. */
  readonly queuedOperationId: string | null;
}

/** One attempt of one operation, from {@link SyncQueue.listRuns}. */
export interface SyncRun {
  readonly sourceId: string;
  readonly operationId: string;
  readonly workerId: string;
  readonly attempt: number;
  readonly mode: SyncMode;
  readonly startedAt: string;
  /** `null` while running, or when the worker died. */
  readonly finishedAt: string | null;
  readonly outcome: "succeeded" | "failed" | "retrying" | "cancelled" | "interrupted" | null;
  /** Whether the engine resumed from a checkpoint. */
  readonly resumed: boolean | null;
  readonly errorCode: string | null;
}

const MIGRATION = new URL("../migrations/0001_worker.sql", import.meta.url);

/** Creates the worker tables in `schema` (an identifier validated by the options schema) when missing. */
export async function ensureTables(pool: pg.Pool, schema: string): Promise<void> {
  const sql = readFileSync(MIGRATION, "utf8").replaceAll("__SCHEMA__", `"${schema}"`);
  const client = await pool.connect();
  try {
    // Several workers start at once; serialise the DDL so CREATE ... IF NOT EXISTS never races.
    await client.query("SELECT pg_advisory_lock(hashtext($1))", [`archon-worker-ddl:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(sql);
  } finally {
    await client.query("SELECT pg_advisory_unlock(hashtext($1))", [`archon-worker-ddl:${schema}`]).catch(() => {});
    client.release();
  }
}

const iso = (value: unknown): string | null =>
  value instanceof Date ? value.toISOString() : typeof value === "string" ? value : null;

interface StatusRow {
  source_id: string;
  state: Exclude<SourceState, "idle" | "queued">;
  operation_id: string;
  mode: SyncMode;
  trigger: SyncTrigger;
  attempt: number;
  worker_id: string | null;
  error_code: string | null;
  error_message: string | null;
  error_at: Date | null;
  consecutive_failures: number;
  started_at: Date | null;
  finished_at: Date | null;
  succeeded_at: Date | null;
  metrics: SyncMetrics | null;
}

/** A status from the source's row and the job waiting for it, if any. */
export function toStatus(sourceId: string, row: StatusRow | undefined, queued: string | null): SourceStatus {
  if (!row) {
    return {
      sourceId,
      state: queued ? "queued" : "idle",
      operationId: queued,
      mode: null,
      trigger: null,
      attempt: 0,
      workerId: null,
      lastError: null,
      consecutiveFailures: 0,
      startedAt: null,
      finishedAt: null,
      lastSucceededAt: null,
      lastMetrics: null,
      queuedOperationId: queued,
    };
  }
  const active = row.state === "running" || row.state === "retrying";
  return {
    sourceId,
    state: !active && queued ? "queued" : row.state,
    operationId: !active && queued ? queued : row.operation_id,
    mode: row.mode,
    trigger: row.trigger,
    attempt: row.attempt,
    workerId: row.worker_id,
    lastError:
      row.error_code && row.error_message
        ? { code: row.error_code, message: row.error_message, at: iso(row.error_at) ?? "" }
        : null,
    consecutiveFailures: row.consecutive_failures,
    startedAt: iso(row.started_at),
    finishedAt: iso(row.finished_at),
    lastSucceededAt: iso(row.succeeded_at),
    lastMetrics: row.metrics,
    queuedOperationId: queued,
  };
}

export async function readStatusRows(pool: pg.Pool, schema: string, sourceIds?: readonly string[]) {
  const where = sourceIds ? "WHERE source_id = ANY($1)" : "";
  const { rows } = await pool.query<StatusRow>(
    `SELECT * FROM "${schema}".source_status ${where} ORDER BY source_id`,
    sourceIds ? [sourceIds] : [],
  );
  return new Map(rows.map((row) => [row.source_id, row]));
}

interface RunRow {
  source_id: string;
  operation_id: string;
  worker_id: string;
  attempt: number;
  mode: SyncMode;
  started_at: Date;
  finished_at: Date | null;
  outcome: SyncRun["outcome"];
  resumed: boolean | null;
  error_code: string | null;
}

export async function readRuns(pool: pg.Pool, schema: string, sourceId: string | undefined, limit: number) {
  const { rows } = await pool.query<RunRow>(
    `SELECT * FROM "${schema}".sync_runs WHERE ($1::text IS NULL OR source_id = $1) ORDER BY id DESC LIMIT $2`,
    [sourceId ?? null, limit],
  );
  return rows.map(
    (row): SyncRun => ({
      sourceId: row.source_id,
      operationId: row.operation_id,
      workerId: row.worker_id,
      attempt: row.attempt,
      mode: row.mode,
      startedAt: iso(row.started_at) ?? "",
      finishedAt: iso(row.finished_at),
      outcome: row.outcome,
      resumed: row.resumed,
      errorCode: row.error_code,
    }),
  );
}

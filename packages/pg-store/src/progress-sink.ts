import {
  applySyncEvent,
  type OperationProgress,
  type ProgressReader,
  type ProgressSink,
  type SyncEvent,
} from "@archon/confluence-core";
import type { Db } from "./db.js";
import { ownerGone, PROCESS_OWNER } from "./progress-owner.js";
import { toIso } from "./rows.js";

const COLUMNS =
  "operation_id, source_id, state, mode, stage, total, done, indexed, skipped, failed, deleted, percent, message, " +
  "error_code, started_at, updated_at, finished_at, content_types";

/** Options of {@link PgProgressSink}. */
export interface PgProgressSinkOptions {
  /** Who runs the operations this sink writes. @default `host:pid:random` of this process */
  readonly owner?: string;
  /** How often running operations are marked alive. @default 15000 */
  readonly heartbeatMs?: number;
  /** A running operation silent for longer than this is `interrupted`. @default 60000 */
  readonly staleAfterMs?: number;
}

/** An operation a dead process left `running`, now marked `interrupted`. */
export interface InterruptedOperation {
  readonly operationId: string;
  readonly sourceId: string;
  readonly reason: string;
}

/**
 * A {@link ProgressSink} that keeps one `archon_progress` row per operation up to date, so any process can read
 * a sync's progress with {@link PgProgressSink.getProgress}. Page-level events are folded into the next
 * `progress` event, so a sync writes one row update per progress event, not per page.
 *
 * Each row names its owner (this process) and carries a heartbeat while it runs. A row whose owner died (a crash, a
 * kill) becomes `interrupted` with the reason: when the sink first handles an event, on
 * {@link PgProgressSink.recoverInterrupted}, and whenever such a row is read. The next sync of the source resumes.
 */
export class PgProgressSink implements ProgressSink, ProgressReader {
  readonly #latest = new Map<string, OperationProgress>();
  readonly owner: string;
  readonly #heartbeatMs: number;
  readonly #staleAfterMs: number;
  #heartbeat: NodeJS.Timeout | undefined;
  #recovered: Promise<unknown> | undefined;

  constructor(
    readonly db: Db,
    options: PgProgressSinkOptions = {},
  ) {
    this.owner = options.owner ?? PROCESS_OWNER;
    this.#heartbeatMs = options.heartbeatMs ?? 15_000;
    this.#staleAfterMs = options.staleAfterMs ?? 60_000;
  }

  /** Marks every operation whose owner is gone `interrupted`; call it when a server or worker starts. */
  async recoverInterrupted(): Promise<InterruptedOperation[]> {
    const { rows } = await this.db.query<{ operation_id: string }>(
      "SELECT operation_id FROM archon_progress WHERE state = 'running'",
    );
    const out: InterruptedOperation[] = [];
    for (const row of rows) {
      if (this.#latest.has(row.operation_id)) continue;
      const progress = await this.getProgress(row.operation_id);
      if (progress?.state === "interrupted") {
        out.push({ operationId: progress.operationId, sourceId: progress.sourceId, reason: progress.message ?? "" });
      }
    }
    return out;
  }

  /** Stops the heartbeat; operations still running will read as interrupted once it goes stale. */
  close(): void {
    clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }

  async handle(event: SyncEvent): Promise<void> {
    this.#recovered ??= this.recoverInterrupted().catch(() => undefined);
    await this.#recovered;
    const previous = this.#latest.get(event.operationId) ?? (await this.getProgress(event.operationId));
    const next = applySyncEvent(previous, event);
    if (!next || next === previous) return;
    if (next.state === "running") this.#latest.set(event.operationId, next);
    else this.#latest.delete(event.operationId);
    this.#beat();
    await this.db.query(
      `INSERT INTO archon_progress (${COLUMNS}, owner, heartbeat_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
         $11, $12, $13, $14, $15, $16, $17, $18::jsonb, $19, NOW())
       ON CONFLICT (operation_id) DO UPDATE SET source_id = EXCLUDED.source_id, state = EXCLUDED.state,
         mode = EXCLUDED.mode, stage = EXCLUDED.stage, total = EXCLUDED.total, done = EXCLUDED.done,
         indexed = EXCLUDED.indexed, skipped = EXCLUDED.skipped, failed = EXCLUDED.failed, deleted = EXCLUDED.deleted,
         percent = EXCLUDED.percent, message = EXCLUDED.message, error_code = EXCLUDED.error_code,
         started_at = EXCLUDED.started_at, updated_at = EXCLUDED.updated_at, finished_at = EXCLUDED.finished_at,
         content_types = EXCLUDED.content_types, owner = EXCLUDED.owner, heartbeat_at = EXCLUDED.heartbeat_at`,
      [
        next.operationId,
        next.sourceId,
        next.state,
        next.mode,
        next.stage,
        next.total,
        next.done,
        next.indexed,
        next.skipped,
        next.failed,
        next.deleted,
        next.percent,
        next.message,
        next.errorCode,
        next.startedAt,
        next.updatedAt,
        next.finishedAt,
        next.contentTypes === undefined ? null : JSON.stringify(next.contentTypes),
        this.owner,
      ],
    );
  }

  /** Keeps a heartbeat going while this sink has running operations. */
  #beat(): void {
    if (this.#latest.size === 0) {
      this.close();
      return;
    }
    if (this.#heartbeat) return;
    this.#heartbeat = setInterval(() => {
      if (this.#latest.size === 0) return this.close();
      this.db
        .query("UPDATE archon_progress SET heartbeat_at = NOW() WHERE owner = $1 AND state = 'running'", [this.owner])
        .catch(() => {});
    }, this.#heartbeatMs);
    this.#heartbeat.unref();
  }

  async getProgress(operationId: string): Promise<OperationProgress | null> {
    const { rows } = await this.db.query(
      `SELECT ${COLUMNS}, owner,
         EXTRACT(EPOCH FROM (NOW() - COALESCE(heartbeat_at, updated_at))) * 1000 AS silent_ms
       FROM archon_progress WHERE operation_id = $1`,
      [operationId],
    );
    let row = rows[0];
    if (!row) return null;
    const gone =
      row.state === "running" && !this.#latest.has(operationId)
        ? ownerGone((row.owner as string | null) ?? null, Number(row.silent_ms), this.#staleAfterMs, this.owner)
        : undefined;
    if (gone !== undefined) {
      const marked = await this.db.query(
        `UPDATE archon_progress SET state = 'interrupted', error_code = 'SYNC_INTERRUPTED', message = $2,
           finished_at = NOW(), updated_at = NOW()
         WHERE operation_id = $1 AND state = 'running' AND owner IS NOT DISTINCT FROM $3
         RETURNING ${COLUMNS}`,
        [operationId, `Interrupted: ${gone}. The next sync of this source resumes where it stopped.`, row.owner],
      );
      row = marked.rows[0] ?? row;
    }
    return {
      operationId: row.operation_id as string,
      sourceId: row.source_id as string,
      state: row.state as OperationProgress["state"],
      mode: (row.mode as OperationProgress["mode"]) ?? null,
      stage: (row.stage as OperationProgress["stage"]) ?? null,
      total: row.total as number,
      done: row.done as number,
      indexed: row.indexed as number,
      skipped: row.skipped as number,
      failed: row.failed as number,
      deleted: row.deleted as number,
      percent: Number(row.percent),
      message: (row.message as string | null) ?? null,
      errorCode: (row.error_code as string | null) ?? null,
      startedAt: toIso(row.started_at),
      updatedAt: toIso(row.updated_at) as string,
      finishedAt: toIso(row.finished_at),
      ...(row.content_types === null || row.content_types === undefined
        ? {}
        : { contentTypes: row.content_types as OperationProgress["contentTypes"] & object }),
    };
  }

  /** Operations of a source, newest first. */
  async listProgress(sourceId: string, limit = 20): Promise<OperationProgress[]> {
    const { rows } = await this.db.query<{ operation_id: string }>(
      "SELECT operation_id FROM archon_progress WHERE source_id = $1 ORDER BY updated_at DESC LIMIT $2",
      [sourceId, limit],
    );
    const found = await Promise.all(rows.map((row) => this.getProgress(row.operation_id)));
    return found.filter((p): p is OperationProgress => p !== null);
  }
}

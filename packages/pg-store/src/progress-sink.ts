import {
  applySyncEvent,
  type OperationProgress,
  type ProgressReader,
  type ProgressSink,
  type SyncEvent,
} from "@archon/confluence-core";
import type { Db } from "./db.js";
import { toIso } from "./rows.js";

const COLUMNS =
  "operation_id, source_id, state, mode, stage, total, done, indexed, skipped, failed, deleted, percent, message, " +
  "error_code, started_at, updated_at, finished_at";

/**
 * A {@link ProgressSink} that keeps one `archon_progress` row per operation up to date, so any process can read
 * a sync's progress with {@link PgProgressSink.getProgress}. Page-level events are folded into the next
 * `progress` event, so a sync writes one row update per progress event, not per page.
 */
export class PgProgressSink implements ProgressSink, ProgressReader {
  readonly #latest = new Map<string, OperationProgress>();

  constructor(readonly db: Db) {}

  async handle(event: SyncEvent): Promise<void> {
    const previous = this.#latest.get(event.operationId) ?? (await this.getProgress(event.operationId));
    const next = applySyncEvent(previous, event);
    if (!next || next === previous) return;
    if (next.state === "running") this.#latest.set(event.operationId, next);
    else this.#latest.delete(event.operationId);
    await this.db.query(
      `INSERT INTO archon_progress (${COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,
         $15, $16, $17)
       ON CONFLICT (operation_id) DO UPDATE SET source_id = EXCLUDED.source_id, state = EXCLUDED.state,
         mode = EXCLUDED.mode, stage = EXCLUDED.stage, total = EXCLUDED.total, done = EXCLUDED.done,
         indexed = EXCLUDED.indexed, skipped = EXCLUDED.skipped, failed = EXCLUDED.failed, deleted = EXCLUDED.deleted,
         percent = EXCLUDED.percent, message = EXCLUDED.message, error_code = EXCLUDED.error_code,
         started_at = EXCLUDED.started_at, updated_at = EXCLUDED.updated_at, finished_at = EXCLUDED.finished_at`,
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
      ],
    );
  }

  async getProgress(operationId: string): Promise<OperationProgress | null> {
    const { rows } = await this.db.query(`SELECT ${COLUMNS} FROM archon_progress WHERE operation_id = $1`, [
      operationId,
    ]);
    const row = rows[0];
    if (!row) return null;
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

import type { ContentTypeCounts } from "../ports/knowledge-store.js";
import type { SyncEvent, SyncMode, SyncProgress, SyncStage } from "../ports/progress-sink.js";

/** The latest known state of one sync operation, as a progress sink records it. */
export interface OperationProgress {
  readonly operationId: string;
  readonly sourceId: string;
  /** `interrupted`: the process running it stopped (crash, kill) without finishing; the next sync resumes. */
  readonly state: "running" | "completed" | "failed" | "interrupted";
  readonly mode: SyncMode | null;
  readonly stage: SyncStage | null;
  readonly total: number;
  readonly done: number;
  readonly indexed: number;
  readonly skipped: number;
  readonly failed: number;
  readonly deleted: number;
  /** 0-100. */
  readonly percent: number;
  /** Indexed and deleted items per content type, when the engine reported them. */
  readonly contentTypes?: ContentTypeCounts;
  /** The error message of a failed operation; `null` otherwise. */
  readonly message: string | null;
  readonly errorCode: string | null;
  readonly startedAt: string | null;
  readonly updatedAt: string;
  readonly finishedAt: string | null;
}

/** A sink that can report what it recorded. */
export interface ProgressReader {
  /** Latest progress of the operation, or `null` when the sink never saw it. */
  getProgress(operationId: string): Promise<OperationProgress | null>;
}

/**
 * Folds one event into an operation's progress. Returns `previous` itself (same object) when the event changes
 * nothing a progress record shows, so a persisting sink can skip the write. Page-level events are such events:
 * the engine's `progress` events carry the counts.
 */
export function applySyncEvent(
  previous: OperationProgress | null,
  event: SyncEvent,
  now: string = new Date().toISOString(),
): OperationProgress | null {
  const base: OperationProgress = previous ?? {
    operationId: event.operationId,
    sourceId: event.sourceId,
    state: "running",
    mode: null,
    stage: null,
    total: 0,
    done: 0,
    indexed: 0,
    skipped: 0,
    failed: 0,
    deleted: 0,
    percent: 0,
    message: null,
    errorCode: null,
    startedAt: null,
    updatedAt: now,
    finishedAt: null,
  };
  switch (event.type) {
    case "sync-start":
      return {
        ...base,
        state: "running",
        mode: event.mode,
        stage: "listing",
        startedAt: event.startedAt,
        updatedAt: now,
      };
    case "progress": {
      const { stage, total, done, indexed, skipped, failed, deleted, percent, contentTypes } = event;
      const counts = contentTypes === undefined ? {} : { contentTypes };
      return { ...base, stage, total, done, indexed, skipped, failed, deleted, percent, ...counts, updatedAt: now };
    }
    case "sync-warning":
      // Shown on the operation while it runs and after it ends; an error message replaces it.
      return { ...base, message: event.message, updatedAt: now };
    case "sync-end": {
      const m = event.metrics;
      return {
        ...base,
        state: "completed",
        mode: m.mode,
        stage: "done",
        indexed: m.pagesIndexed,
        skipped: m.pagesSkipped,
        failed: m.pagesFailed,
        deleted: m.pagesDeleted,
        done: m.pagesIndexed + m.pagesSkipped + m.pagesFailed,
        percent: 100,
        ...(m.contentTypes === undefined ? {} : { contentTypes: m.contentTypes }),
        startedAt: base.startedAt ?? m.startedAt,
        updatedAt: now,
        finishedAt: m.finishedAt,
      };
    }
    case "sync-error":
      return {
        ...base,
        state: "failed",
        message: event.error,
        errorCode: event.code,
        startedAt: base.startedAt ?? event.metrics.startedAt,
        updatedAt: now,
        finishedAt: event.metrics.finishedAt,
      };
    default:
      return previous;
  }
}

/**
 * The engine's progress payload rebuilt from a stored record, for readers in other processes. A record keeps no ETA
 * or rate-limit count, so those read `null` and 0.
 */
export function toSyncProgress(progress: OperationProgress): SyncProgress {
  const { operationId, sourceId, total, done, indexed, skipped, failed, deleted, percent } = progress;
  const stage = progress.stage ?? "listing";
  return {
    operationId,
    sourceId,
    stage,
    total,
    done,
    indexed,
    skipped,
    failed,
    deleted,
    percent,
    etaMs: null,
    rateLimitWaits: 0,
    ...(progress.contentTypes === undefined ? {} : { contentTypes: progress.contentTypes }),
  };
}

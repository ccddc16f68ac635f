/**
 * Receives the same stream of events as `ConfluenceSync`'s emitter, as one discriminated union, e.g. to persist
 * progress (`PgProgressSink`) or forward it to a UI. A sink that throws is logged and does not stop the sync.
 */
import type { AttachmentSkipReason } from "./attachments.js";
import type { PageContentType } from "./confluence-source.js";
import type { ContentTypeCounts, SyncMetrics } from "./knowledge-store.js";

export type SyncMode = "full" | "incremental";

/** Where the pipeline currently is. */
export type SyncStage =
  | "listing"
  | "fetching"
  | "converting"
  | "chunking"
  | "embedding"
  | "storing"
  | "deleting"
  | "done";

export interface SyncProgress {
  readonly operationId: string;
  readonly sourceId: string;
  readonly stage: SyncStage;
  /** Pages the sync will look at; grows while listing. */
  readonly total: number;
  /** Pages finished: indexed + skipped + failed. */
  readonly done: number;
  readonly indexed: number;
  readonly skipped: number;
  readonly failed: number;
  readonly deleted: number;
  /** 0-100, monotonic within one sync. */
  readonly percent: number;
  /** Estimated milliseconds left, `null` until enough pages finished to tell. */
  readonly etaMs: number | null;
  readonly rateLimitWaits: number;
  /** Indexed and deleted items per content type so far (`page`, `blogpost`, `comment`), and of attached files. */
  readonly contentTypes?: ContentTypeCounts;
}

/** Every payload carries the `operationId` and the `sourceId`. */
export interface SyncEventMap {
  "sync-start": { operationId: string; sourceId: string; mode: SyncMode; resumed: boolean; startedAt: string };
  "page-indexed": {
    operationId: string;
    sourceId: string;
    pageId: string;
    title: string;
    version: number;
    chunks: number;
    embedded: number;
    /** `blogpost` for a blog post. */
    contentType: PageContentType;
    /** Comments indexed with the page (its discussion). */
    comments: number;
  };
  "page-skipped": {
    operationId: string;
    sourceId: string;
    pageId: string;
    reason: "unchanged" | "moved" | "not-current" | "gave-up";
  };
  "page-deleted": {
    operationId: string;
    sourceId: string;
    pageId: string;
    /** `excluded`: a content type the source's options no longer include. */
    reason: "vanished" | "trashed" | "archived" | "deleted" | "excluded";
    contentType: PageContentType;
  };
  "page-failed": { operationId: string; sourceId: string; pageId: string; title: string; code: string; error: string };
  /** An attached file was (re-)indexed; `pageId` is the page that holds it. */
  "attachment-indexed": {
    operationId: string;
    sourceId: string;
    pageId: string;
    attachmentId: string;
    fileName: string;
    version: number;
    chunks: number;
  };
  /** An attached file was not indexed; it is looked at again when its version changes (or the limits do). */
  "attachment-skipped": {
    operationId: string;
    sourceId: string;
    pageId: string;
    attachmentId: string;
    fileName: string;
    version: number;
    reason: AttachmentSkipReason;
    message: string;
  };
  /** An attached file left the store: deleted or replaced in Confluence, its page removed, or its type excluded. */
  "attachment-deleted": {
    operationId: string;
    sourceId: string;
    pageId: string | null;
    attachmentId: string;
    reason: "vanished" | "page-removed" | "excluded";
  };
  "rate-limited": { operationId: string; sourceId: string; delayMs: number; attempt: number; request: string };
  retry: { operationId: string; sourceId: string; delayMs: number; attempt: number; reason: string; request: string };
  /**
   * The source changed how many requests it keeps in flight: halved after a 429 (`rate-limited`), raised by one once
   * the site answers again (`recovered`).
   */
  "source-concurrency": {
    operationId: string;
    sourceId: string;
    limit: number;
    previous: number;
    reason: "rate-limited" | "recovered";
  };
  /** The source worked around something: see `SourceWarning` for the codes. */
  "source-warning": { operationId: string; sourceId: string; code: string; message: string };
  progress: SyncProgress;
  /** Raised once per kind: a sync past its duration budget, or memory grown past the allowed share since its start. */
  "sync-warning": {
    operationId: string;
    sourceId: string;
    kind: "duration" | "memory";
    message: string;
    elapsedMs: number;
    rssBytes: number;
    heapBytes: number;
  };
  "sync-end": { operationId: string; sourceId: string; metrics: SyncMetrics };
  "sync-error": { operationId: string; sourceId: string; code: string; error: string; metrics: SyncMetrics };
}

export type SyncEventName = keyof SyncEventMap;

/** One event as a discriminated union on `type`. */
export type SyncEvent = { [K in SyncEventName]: { type: K } & SyncEventMap[K] }[SyncEventName];

export interface ProgressSink {
  /** Called for every event in order; the engine awaits it, so a slow sink slows the sync (backpressure). */
  handle(event: SyncEvent): void | Promise<void>;
}

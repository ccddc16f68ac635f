import type {
  AttachmentSyncMetrics,
  ContentType,
  ContentTypeCounts,
  FailedPage,
  SyncMetrics,
  SyncState,
} from "../ports/knowledge-store.js";
import type { SyncMode } from "../ports/progress-sink.js";

/** Mutable counters of one run, turned into {@link SyncMetrics} at the end. */
export class RunCounters {
  pagesListed = 0;
  pagesFetched = 0;
  pagesIndexed = 0;
  pagesSkipped = 0;
  pagesMoved = 0;
  pagesDeleted = 0;
  pagesFailed = 0;
  chunksWritten = 0;
  chunksReused = 0;
  apiRequests = 0;
  retries = 0;
  rateLimitWaits = 0;
  rateLimitWaitMs = 0;
  readonly #content = new Map<ContentType, { indexed: number; deleted: number }>();

  /** Counts indexed or deleted items of one content type. */
  countContent(type: ContentType, what: "indexed" | "deleted", n = 1): void {
    if (n === 0) return;
    const count = this.#content.get(type) ?? { indexed: 0, deleted: 0 };
    count[what] += n;
    this.#content.set(type, count);
  }

  /** Counts per content type so far, and of attached files once the run looks at them; types not seen are absent. */
  get contentTypes(): ContentTypeCounts {
    const counts: ContentTypeCounts = Object.fromEntries(
      [...this.#content].map(([type, count]) => [type, { ...count }]),
    );
    if (!this.attachments) return counts;
    return { ...counts, attachment: { indexed: this.attachments.indexed, deleted: this.attachments.deleted } };
  }
  /** Set when the run includes attached files. */
  attachments: { -readonly [K in keyof AttachmentSyncMetrics]: number } | undefined;

  toMetrics(
    operationId: string,
    mode: SyncMode,
    startedAt: Date,
    finishedAt: Date,
    embedding: { calls: number; tokens: number },
  ): SyncMetrics {
    return {
      operationId,
      mode,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: finishedAt.getTime() - startedAt.getTime(),
      pagesListed: this.pagesListed,
      pagesFetched: this.pagesFetched,
      pagesIndexed: this.pagesIndexed,
      pagesSkipped: this.pagesSkipped,
      pagesMoved: this.pagesMoved,
      pagesDeleted: this.pagesDeleted,
      pagesFailed: this.pagesFailed,
      chunksWritten: this.chunksWritten,
      chunksReused: this.chunksReused,
      embeddingCalls: embedding.calls,
      embeddingTokens: embedding.tokens,
      apiRequests: this.apiRequests,
      retries: this.retries,
      rateLimitWaits: this.rateLimitWaits,
      rateLimitWaitMs: this.rateLimitWaitMs,
      contentTypes: this.contentTypes,
      ...(this.attachments ? { attachments: { ...this.attachments } } : {}),
    };
  }
}

export function emptySyncState(sourceId: string): SyncState {
  return { sourceId, watermark: null, lastMode: null, lastCompletedAt: null, checkpoint: null, failedPages: {} };
}

export type FailedPages = Record<string, FailedPage>;

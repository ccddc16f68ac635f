import type { ContentTypeCounts } from "../ports/knowledge-store.js";
import type { SyncProgress, SyncStage } from "../ports/progress-sink.js";

/** Counts, a monotonic percent and an ETA; decides when a progress event is worth sending. */
/** The run's own counters, which the tracker reads rather than keeping a second copy. */
export interface ProgressCounts {
  readonly pagesIndexed: number;
  readonly pagesSkipped: number;
  readonly pagesFailed: number;
  readonly pagesDeleted: number;
  readonly rateLimitWaits: number;
  readonly contentTypes: ContentTypeCounts;
}

export class ProgressTracker {
  total = 0;
  stage: SyncStage = "listing";
  #percent = 0;
  #lastEmitAt = 0;
  #lastEmitPercent = -1;
  #processingStartedAt: number | null = null;
  #doneAtProcessingStart = 0;
  readonly #now: () => number;

  constructor(
    readonly operationId: string,
    readonly sourceId: string,
    private readonly counts: ProgressCounts,
    now: () => number = Date.now,
  ) {
    this.#now = now;
  }

  get done(): number {
    return this.counts.pagesIndexed + this.counts.pagesSkipped + this.counts.pagesFailed;
  }

  /** Marks the point from which the ETA is measured (after listing). */
  startProcessing(): void {
    if (this.#processingStartedAt === null) {
      this.#processingStartedAt = this.#now();
      this.#doneAtProcessingStart = this.done;
    }
  }

  snapshot(final = false): SyncProgress {
    const raw = final ? 100 : this.total > 0 ? Math.floor((Math.min(this.done, this.total) / this.total) * 100) : 0;
    // Totals can grow while listing, which would make the raw percent go backwards.
    this.#percent = Math.max(this.#percent, final ? 100 : Math.min(raw, 99));
    return {
      operationId: this.operationId,
      sourceId: this.sourceId,
      stage: final ? "done" : this.stage,
      total: this.total,
      done: this.done,
      indexed: this.counts.pagesIndexed,
      skipped: this.counts.pagesSkipped,
      failed: this.counts.pagesFailed,
      deleted: this.counts.pagesDeleted,
      percent: this.#percent,
      etaMs: final ? 0 : this.#eta(),
      rateLimitWaits: this.counts.rateLimitWaits,
      contentTypes: this.counts.contentTypes,
    };
  }

  /** True when a progress event should go out now: percent moved, enough time passed, or forced. */
  shouldEmit(force = false): boolean {
    const now = this.#now();
    const percent = this.total > 0 ? Math.floor((this.done / this.total) * 100) : 0;
    if (!force && percent === this.#lastEmitPercent && now - this.#lastEmitAt < 500) return false;
    this.#lastEmitAt = now;
    this.#lastEmitPercent = percent;
    return true;
  }

  #eta(): number | null {
    if (this.#processingStartedAt === null) return null;
    const finished = this.done - this.#doneAtProcessingStart;
    if (finished < 5 || this.total <= this.done) return this.total <= this.done && finished > 0 ? 0 : null;
    const elapsed = this.#now() - this.#processingStartedAt;
    return Math.round((elapsed / finished) * (this.total - this.done));
  }
}

import type { SyncEventMap } from "../ports/progress-sink.js";

/** What the monitor watches, and how often it looks. */
export interface RunMonitorOptions {
  /** A sync running longer than this gets one `duration` warning. */
  readonly durationBudgetMs: number;
  /** Growth of the process's RSS over its level at sync start that gets one `memory` warning, e.g. 0.2 for 20%. */
  readonly memoryGrowthWarning: number;
  /** @default 1000 */
  readonly intervalMs?: number;
  /** @default process.memoryUsage */
  readonly memoryUsage?: () => { rss: number; heapUsed: number };
  /** @default Date.now */
  readonly now?: () => number;
}

type Warning = Omit<SyncEventMap["sync-warning"], "operationId" | "sourceId">;

/**
 * Samples memory during a sync (peak RSS and heap go into the metrics) and raises each warning once: a sync past its
 * duration budget, or a process whose memory grew past the allowed share over its level at sync start.
 */
export class RunMonitor {
  peakRssBytes = 0;
  peakHeapBytes = 0;
  readonly #startRss: number;
  readonly #startedAt: number;
  readonly #warned = new Set<Warning["kind"]>();
  readonly #timer: NodeJS.Timeout;
  readonly #usage: () => { rss: number; heapUsed: number };
  readonly #now: () => number;

  constructor(
    private readonly options: RunMonitorOptions,
    private readonly warn: (warning: Warning) => void,
  ) {
    this.#usage = options.memoryUsage ?? (() => process.memoryUsage());
    this.#now = options.now ?? Date.now;
    this.#startedAt = this.#now();
    const usage = this.#usage();
    this.#startRss = usage.rss;
    this.#record(usage);
    this.#timer = setInterval(() => this.sample(), options.intervalMs ?? 1000);
    this.#timer.unref();
  }

  /** Takes one sample and raises any warning due; the timer calls it, and so does the end of a sync. */
  sample(): void {
    const usage = this.#usage();
    this.#record(usage);
    const elapsedMs = this.#now() - this.#startedAt;
    if (elapsedMs > this.options.durationBudgetMs) {
      this.#once({
        kind: "duration",
        message: `The sync has run for ${duration(elapsedMs)}, past its ${duration(this.options.durationBudgetMs)} budget.`,
        elapsedMs,
        rssBytes: usage.rss,
        heapBytes: usage.heapUsed,
      });
    }
    const growth = this.#startRss > 0 ? usage.rss / this.#startRss - 1 : 0;
    if (growth > this.options.memoryGrowthWarning) {
      this.#once({
        kind: "memory",
        message: `The process's memory grew ${Math.round(growth * 100)}% since the sync started (${mb(
          this.#startRss,
        )} MB to ${mb(usage.rss)} MB).`,
        elapsedMs,
        rssBytes: usage.rss,
        heapBytes: usage.heapUsed,
      });
    }
  }

  stop(): void {
    clearInterval(this.#timer);
    this.sample();
  }

  #record(usage: { rss: number; heapUsed: number }): void {
    this.peakRssBytes = Math.max(this.peakRssBytes, usage.rss);
    this.peakHeapBytes = Math.max(this.peakHeapBytes, usage.heapUsed);
  }

  #once(warning: Warning): void {
    if (this.#warned.has(warning.kind)) return;
    this.#warned.add(warning.kind);
    this.warn(warning);
  }
}

const mb = (bytes: number) => Math.round(bytes / 1_048_576);

function duration(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  return ms < 60_000 ? `${Math.round(ms / 1000)} s` : `${Math.round(ms / 60_000)} min`;
}

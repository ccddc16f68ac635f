/**
 * OpenTelemetry spans and metrics for syncs, when the application has `@opentelemetry/api` installed (an optional
 * peer dependency). Without it, nothing is loaded and nothing is recorded.
 */
import type { SyncMetrics } from "../ports/knowledge-store.js";

/** The few members of `@opentelemetry/api` used here, so the package's types do not depend on it. */
interface Span {
  setAttributes(attributes: Record<string, string | number>): unknown;
  recordException(exception: Error): unknown;
  setStatus(status: { code: number; message?: string }): unknown;
  end(endTime?: number): void;
}
interface SpanOptions {
  attributes?: Record<string, string | number>;
  startTime?: number;
}
interface OtelApi {
  trace: {
    getTracer(name: string): { startSpan(name: string, options?: SpanOptions, context?: unknown): Span };
    setSpan(context: unknown, span: Span): unknown;
  };
  context: { active(): unknown };
  metrics: {
    getMeter(name: string): {
      createHistogram(
        name: string,
        options?: { unit?: string; description?: string },
      ): {
        record(value: number, attributes?: Record<string, string>): void;
      };
      createCounter(
        name: string,
        options?: { description?: string },
      ): {
        add(value: number, attributes?: Record<string, string>): void;
      };
    };
  };
}

const SCOPE = "@archon/confluence-core";
const ERROR = 2;
let loading: Promise<OtelApi | undefined> | undefined;

function load(): Promise<OtelApi | undefined> {
  const name = "@opentelemetry/api";
  loading ??= import(/* @vite-ignore */ name).then(
    (module: OtelApi & { default?: OtelApi }) => (module.trace ? module : module.default),
    () => undefined,
  );
  return loading;
}

/** The stages a sync records a child span for: `confluence.sync.<stage>`. */
export type SyncStage = "list" | "fetch" | "convert" | "embed" | "write" | "delete";

/**
 * The telemetry of one sync: a `confluence.sync` span with one child span per stage, a duration histogram and page
 * counters. Stages overlap (pages are fetched, converted, embedded and written at once), so each stage's span runs
 * from its first piece of work to the end of its last, with counts as attributes.
 */
export interface SyncTelemetry {
  /** Runs `work` as part of `stage`. Without OpenTelemetry, only `work()`. */
  time<T>(stage: SyncStage, work: () => Promise<T>): Promise<T>;
  /**
   * Starts a piece of the stage's work; the returned function ends it and, when given, adds `n` (default 1) to the
   * `attribute` count. Work never ended counts as cut short.
   */
  begin(stage: SyncStage, attribute?: string, n?: number): () => void;
  /** Adds `n` to a count attribute of the stage's span, e.g. `("convert", "confluence.pages", 1)`. */
  count(stage: SyncStage, attribute: string, n: number): void;
  end(metrics: SyncMetrics, error?: { code: string; message: string }): void;
}

const nothing = () => {};
export const noTelemetry: SyncTelemetry = {
  time: (_stage, work) => work(),
  begin: () => nothing,
  count() {},
  end() {},
};
const none = noTelemetry;

/** What a stage did: when its work began and ended, how often, and its counts. */
interface StageRecord {
  start: number;
  end: number;
  running: number;
  readonly counts: Record<string, number>;
}

class StageClock {
  readonly stages = new Map<SyncStage, StageRecord>();

  record(stage: SyncStage): StageRecord {
    let record = this.stages.get(stage);
    if (!record) {
      const now = Date.now();
      record = { start: now, end: now, running: 0, counts: {} };
      this.stages.set(stage, record);
    }
    return record;
  }

  begin(stage: SyncStage, attribute?: string, n = 1): () => void {
    const record = this.record(stage);
    record.running += 1;
    let ended = false;
    return () => {
      if (ended) return;
      ended = true;
      record.running -= 1;
      record.end = Math.max(record.end, Date.now());
      if (attribute !== undefined) this.count(stage, attribute, n);
    };
  }

  async time<T>(stage: SyncStage, work: () => Promise<T>): Promise<T> {
    const end = this.begin(stage);
    try {
      return await work();
    } finally {
      end();
    }
  }

  count(stage: SyncStage, attribute: string, n: number): void {
    const { counts } = this.record(stage);
    counts[attribute] = (counts[attribute] ?? 0) + n;
  }
}

export async function startSyncTelemetry(sourceId: string, mode: string): Promise<SyncTelemetry> {
  const api = await load();
  if (!api) return none;
  const attributes = { "confluence.source_id": sourceId, "confluence.sync.mode": mode };
  const tracer = api.trace.getTracer(SCOPE);
  const span = tracer.startSpan("confluence.sync", { attributes });
  const meter = api.metrics.getMeter(SCOPE);
  const clock = new StageClock();
  const stageDuration = meter.createHistogram("confluence.sync.stage.duration", {
    unit: "ms",
    description: "Time from a sync stage's first piece of work to the end of its last",
  });
  const endStages = (failed: boolean) => {
    const parent = api.trace.setSpan(api.context.active(), span);
    for (const [stage, record] of clock.stages) {
      const child = tracer.startSpan(
        `confluence.sync.${stage}`,
        { startTime: record.start, attributes: { ...attributes, ...record.counts } },
        parent,
      );
      // A stage still at work when the sync ended was cut short by the failure.
      if (failed && record.running > 0) child.setStatus({ code: ERROR, message: "interrupted" });
      const end = record.running > 0 ? Date.now() : record.end;
      child.end(end);
      stageDuration.record(end - record.start, { ...attributes, "confluence.sync.stage": stage });
    }
  };
  return {
    time: (stage, work) => clock.time(stage, work),
    begin: (stage, attribute, n) => clock.begin(stage, attribute, n),
    count: (stage, attribute, n) => clock.count(stage, attribute, n),
    end(metrics, error) {
      endStages(error !== undefined);
      const outcome = error ? (error.code === "SYNC_ABORTED" ? "cancelled" : "failed") : "succeeded";
      span.setAttributes({
        "confluence.sync.outcome": outcome,
        "confluence.pages.indexed": metrics.pagesIndexed,
        "confluence.pages.failed": metrics.pagesFailed,
        "confluence.pages.deleted": metrics.pagesDeleted,
        "confluence.chunks.written": metrics.chunksWritten,
        ...(metrics.peakRssBytes === undefined ? {} : { "process.memory.peak_rss": metrics.peakRssBytes }),
      });
      if (error) {
        span.recordException(Object.assign(new Error(error.message), { name: error.code }));
        span.setStatus({ code: ERROR, message: error.code });
      }
      span.end();
      const tags = { ...attributes, "confluence.sync.outcome": outcome };
      meter
        .createHistogram("confluence.sync.duration", { unit: "ms", description: "Duration of Confluence syncs" })
        .record(metrics.durationMs, tags);
      const pages = meter.createCounter("confluence.sync.pages", { description: "Pages handled by syncs" });
      pages.add(metrics.pagesIndexed, { ...tags, "confluence.page.outcome": "indexed" });
      pages.add(metrics.pagesFailed, { ...tags, "confluence.page.outcome": "failed" });
    },
  };
}

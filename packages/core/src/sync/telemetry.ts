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
  end(): void;
}
interface OtelApi {
  trace: {
    getTracer(name: string): { startSpan(name: string, options?: { attributes?: Record<string, string> }): Span };
  };
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

/** The telemetry of one sync: a `confluence.sync` span, a duration histogram and page counters. */
export interface SyncTelemetry {
  end(metrics: SyncMetrics, error?: { code: string; message: string }): void;
}

const none: SyncTelemetry = { end() {} };

export async function startSyncTelemetry(sourceId: string, mode: string): Promise<SyncTelemetry> {
  const api = await load();
  if (!api) return none;
  const attributes = { "confluence.source_id": sourceId, "confluence.sync.mode": mode };
  const span = api.trace.getTracer(SCOPE).startSpan("confluence.sync", { attributes });
  const meter = api.metrics.getMeter(SCOPE);
  return {
    end(metrics, error) {
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

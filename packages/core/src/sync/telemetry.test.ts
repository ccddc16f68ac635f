import { metrics, trace } from "@opentelemetry/api";
import { afterAll, describe, expect, it } from "vitest";
import { InMemoryKnowledgeStore } from "../store/index.js";
import { FakeEmbedder } from "../testing/embedder.js";
import { FakeConfluenceSource } from "../testing/source.js";
import { ConfluenceSync } from "./engine.js";

/** A tracer and meter provider that record what they are given, in place of an OpenTelemetry SDK. */
const spans: { name: string; attributes: Record<string, unknown>; status?: unknown; ended: boolean }[] = [];
const recorded: { instrument: string; value: number; attributes: Record<string, unknown> }[] = [];
trace.setGlobalTracerProvider({
  getTracer: () =>
    ({
      startSpan: (name: string, options?: { attributes?: Record<string, unknown> }) => {
        const span = { name, attributes: { ...options?.attributes }, status: undefined as unknown, ended: false };
        spans.push(span);
        return {
          setAttributes: (attributes: Record<string, unknown>) => Object.assign(span.attributes, attributes),
          recordException: () => {},
          setStatus: (status: unknown) => {
            span.status = status;
          },
          end: () => {
            span.ended = true;
          },
        };
      },
    }) as never,
});
metrics.setGlobalMeterProvider({
  getMeter: () =>
    ({
      createHistogram: (instrument: string) => ({
        record: (value: number, attributes: Record<string, unknown>) =>
          recorded.push({ instrument, value, attributes }),
      }),
      createCounter: (instrument: string) => ({
        add: (value: number, attributes: Record<string, unknown>) => recorded.push({ instrument, value, attributes }),
      }),
    }) as never,
});
afterAll(() => {
  trace.disable();
  metrics.disable();
});

describe("OpenTelemetry, when @opentelemetry/api is installed", () => {
  it("records a span and metrics for every sync, with its outcome", async () => {
    const source = new FakeConfluenceSource();
    for (let i = 0; i < 3; i++) source.addPage("ENG", { title: `P${i}`, body: `<p>Page ${i}</p>` });
    const store = new InMemoryKnowledgeStore();
    const now = new Date().toISOString();
    await store.upsertSource({
      sourceId: "otel",
      name: "otel",
      deployment: "cloud",
      baseUrl: source.baseUrl,
      spaceKey: "ENG",
      deletionStrategy: "listing",
      removeArchived: true,
      createdAt: now,
      updatedAt: now,
    });
    const sync = new ConfluenceSync({
      source,
      store,
      embedder: new FakeEmbedder({ dimensions: 8 }),
      convertPool: false,
    });
    const result = await sync.run({ sourceId: "otel", mode: "full" });
    await expect(sync.run({ sourceId: "missing" })).rejects.toMatchObject({ code: "CONFIG_INVALID" });

    expect(spans).toEqual([
      expect.objectContaining({
        name: "confluence.sync",
        ended: true,
        attributes: expect.objectContaining({
          "confluence.source_id": "otel",
          "confluence.sync.mode": "full",
          "confluence.sync.outcome": "succeeded",
          "confluence.pages.indexed": 3,
        }),
      }),
      expect.objectContaining({
        ended: true,
        status: { code: 2, message: "CONFIG_INVALID" },
        attributes: expect.objectContaining({ "confluence.sync.outcome": "failed" }),
      }),
    ]);
    expect(recorded).toContainEqual({
      instrument: "confluence.sync.duration",
      value: result.durationMs,
      attributes: expect.objectContaining({ "confluence.source_id": "otel", "confluence.sync.outcome": "succeeded" }),
    });
    expect(recorded).toContainEqual({
      instrument: "confluence.sync.pages",
      value: 3,
      attributes: expect.objectContaining({ "confluence.page.outcome": "indexed" }),
    });
  });
});

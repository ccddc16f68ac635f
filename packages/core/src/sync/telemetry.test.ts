import { type Context, metrics, trace } from "@opentelemetry/api";
import { afterAll, describe, expect, it } from "vitest";
import { InMemoryKnowledgeStore } from "../store/index.js";
import { FakeEmbedder } from "../testing/embedder.js";
import { FakeConfluenceSource } from "../testing/source.js";
import { ConfluenceSync } from "./engine.js";

/**
 * A tracer provider that keeps every span in memory, as an in-memory exporter would: name, attributes, status, times
 * and parent (read from the context the span was started in).
 */
interface RecordedSpan {
  name: string;
  attributes: Record<string, unknown>;
  status?: unknown;
  ended: boolean;
  startTime?: number;
  endTime?: number;
  parent?: RecordedSpan;
}
const spans: RecordedSpan[] = [];
const recordOf = new WeakMap<object, RecordedSpan>();
const recorded: { instrument: string; value: number; attributes: Record<string, unknown> }[] = [];
trace.setGlobalTracerProvider({
  getTracer: () =>
    ({
      startSpan: (
        name: string,
        options?: { attributes?: Record<string, unknown>; startTime?: number },
        ctx?: Context,
      ) => {
        const parentSpan = ctx ? trace.getSpan(ctx) : undefined;
        const span: RecordedSpan = {
          name,
          attributes: { ...options?.attributes },
          ended: false,
          ...(options?.startTime === undefined ? {} : { startTime: options.startTime }),
          ...(parentSpan && recordOf.has(parentSpan) ? { parent: recordOf.get(parentSpan) } : {}),
        };
        spans.push(span);
        const handle = {
          setAttributes: (attributes: Record<string, unknown>) => Object.assign(span.attributes, attributes),
          recordException: () => {},
          setStatus: (status: unknown) => {
            span.status = status;
          },
          end: (endTime?: number) => {
            span.ended = true;
            if (endTime !== undefined) span.endTime = endTime;
          },
          spanContext: () => ({ traceId: "0".repeat(32), spanId: "0".repeat(16), traceFlags: 1 }),
        };
        recordOf.set(handle, span);
        return handle;
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

    expect(spans.filter((span) => span.name === "confluence.sync")).toEqual([
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

  it("records one child span per stage, with its counts, under the sync's span", async () => {
    spans.length = 0;
    const source = new FakeConfluenceSource();
    const ids = [0, 1, 2, 3].map((i) => source.addPage("ENG", { title: `S${i}`, body: `<p>Stage page ${i}</p>` }).id);
    const store = new InMemoryKnowledgeStore();
    const now = new Date().toISOString();
    await store.upsertSource({
      sourceId: "stages",
      name: "stages",
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
    const first = await sync.run({ sourceId: "stages", mode: "full" });
    const [root, ...children] = spans;
    expect(root?.name).toBe("confluence.sync");
    const stage = (name: string) => children.find((span) => span.name === `confluence.sync.${name}`);
    expect(children.map((span) => span.name).sort()).toEqual(
      ["convert", "delete", "embed", "fetch", "list", "write"].map((name) => `confluence.sync.${name}`),
    );
    for (const child of children) {
      expect(child.parent, child.name).toBe(root);
      expect(child.ended, child.name).toBe(true);
      expect(child.endTime! >= child.startTime!, child.name).toBe(true);
      expect(child.attributes["confluence.source_id"]).toBe("stages");
    }
    expect(stage("list")?.attributes["confluence.pages.listed"]).toBe(4);
    expect(stage("fetch")?.attributes["confluence.pages.fetched"]).toBe(4);
    expect(stage("convert")?.attributes["confluence.pages.converted"]).toBe(4);
    expect(stage("embed")?.attributes["confluence.chunks.embedded"]).toBeGreaterThanOrEqual(4);
    expect(stage("write")?.attributes).toMatchObject({
      "confluence.pages.written": 4,
      "confluence.chunks.written": first.chunksWritten,
    });
    expect(stage("delete")?.attributes["confluence.pages.deleted"]).toBe(0);
    for (const child of children) {
      const name = child.name.replace("confluence.sync.", "");
      expect(recorded).toContainEqual({
        instrument: "confluence.sync.stage.duration",
        value: child.endTime! - child.startTime!,
        attributes: expect.objectContaining({ "confluence.source_id": "stages", "confluence.sync.stage": name }),
      });
    }

    // A page gone from the space: the next sync's delete stage counts it.
    spans.length = 0;
    source.deletePage(ids[0]!);
    await sync.run({ sourceId: "stages", mode: "full" });
    const deleted = spans.find((span) => span.name === "confluence.sync.delete");
    expect(deleted?.attributes).toMatchObject({ "confluence.pages.deleted": 1 });
    // Nothing changed on the other pages: nothing converted, embedded or written.
    expect(spans.map((span) => span.name)).not.toContain("confluence.sync.convert");
  });
});

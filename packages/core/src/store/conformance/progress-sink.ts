import type { ProgressSink, SyncEvent, SyncProgress } from "../../ports/progress-sink.js";
import { expect, it } from "../../testing/test-api.js";
import { makeMetrics } from "../fixtures.js";
import type { ProgressReader } from "../progress.js";

const start = (operationId: string): SyncEvent => ({
  type: "sync-start",
  operationId,
  sourceId: "s",
  mode: "full",
  resumed: false,
  startedAt: "2024-01-01T00:00:00.000Z",
});

const progress = (operationId: string, done: number, total: number): SyncEvent & SyncProgress => ({
  type: "progress",
  operationId,
  sourceId: "s",
  stage: "embedding",
  total,
  done,
  indexed: done - 1,
  skipped: 1,
  failed: 0,
  deleted: 0,
  percent: Math.round((done / total) * 100),
  etaMs: 1000,
  rateLimitWaits: 0,
});

export function progressSinkTests(create: () => Promise<ProgressSink & ProgressReader>): void {
  it("reports the latest progress of each operation separately", async () => {
    const sink = await create();
    expect(await sink.getProgress("op-a")).toBeNull();
    await sink.handle(start("op-a"));
    await sink.handle(start("op-b"));
    await sink.handle(progress("op-a", 3, 10));
    await sink.handle({
      type: "page-indexed",
      operationId: "op-a",
      sourceId: "s",
      pageId: "1",
      title: "t",
      version: 1,
      chunks: 2,
      contentType: "page",
      comments: 0,
      embedded: 2,
    });
    await sink.handle(progress("op-a", 5, 10));
    expect(await sink.getProgress("op-a")).toMatchObject({
      operationId: "op-a",
      sourceId: "s",
      state: "running",
      mode: "full",
      stage: "embedding",
      total: 10,
      done: 5,
      indexed: 4,
      skipped: 1,
      percent: 50,
      startedAt: "2024-01-01T00:00:00.000Z",
      finishedAt: null,
    });
    expect(await sink.getProgress("op-b")).toMatchObject({ state: "running", done: 0, percent: 0 });
  });

  it("marks completed and failed operations", async () => {
    const sink = await create();
    await sink.handle(start("ok"));
    await sink.handle({ type: "sync-end", operationId: "ok", sourceId: "s", metrics: makeMetrics("ok") });
    expect(await sink.getProgress("ok")).toMatchObject({
      state: "completed",
      stage: "done",
      percent: 100,
      indexed: 8,
      finishedAt: "2024-01-01T00:01:00.000Z",
      message: null,
    });
    await sink.handle(start("bad"));
    await sink.handle({
      type: "sync-error",
      operationId: "bad",
      sourceId: "s",
      code: "SOURCE_AUTH",
      error: "Confluence rejected the credentials (401).",
      metrics: makeMetrics("bad"),
    });
    expect(await sink.getProgress("bad")).toMatchObject({
      state: "failed",
      errorCode: "SOURCE_AUTH",
      message: "Confluence rejected the credentials (401).",
    });
  });
}

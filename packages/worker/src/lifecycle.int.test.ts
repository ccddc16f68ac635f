// Graceful shutdown, cancellation and the router's queued runner, with workers in this process, against real
// PostgreSQL and a fake Confluence with per-request latency.
import {
  createConfluenceSource,
  HashingEmbedder,
  isConfluenceSyncError,
  type SyncEvent,
} from "@archon/confluence-core";
import { fromPgPool, PgProgressSink } from "@archon/confluence-pg-store";
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createArea, probeDatabase, seedSources, type TestArea, waitFor } from "../test/support.js";
import { createQueuedSyncRunner } from "./queued-runner.js";
import { type SyncWorker, startSyncWorker } from "./worker.js";

const skip = await probeDatabase();
if (skip) console.warn(`[worker] skipping lifecycle integration tests: ${skip}`);

describe.skipIf(skip !== undefined)(`worker lifecycle${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let area: TestArea;
  let fake: FakeConfluence;
  const workers: SyncWorker[] = [];

  const start = async (workerId: string) => {
    const worker = await startSyncWorker({
      connectionString: area.url,
      schema: area.schema,
      workerId,
      store: area.store,
      credentials: area.credentials,
      embedder: new HashingEmbedder({ dimensions: 384 }),
      sinks: [new PgProgressSink(fromPgPool(area.pool))],
      createSource: (config) => createConfluenceSource({ ...config, pageSize: 5 }),
      sync: { concurrency: 1, fetchBatchSize: 5 },
      leaseSeconds: 10,
      pollingIntervalSeconds: 0.5,
      superviseIntervalSeconds: 1,
      retry: { limit: 2, delaySeconds: 1 },
      rateLimit: { requestsPerSecond: 200, burst: 50 },
    });
    workers.push(worker);
    return worker;
  };

  beforeAll(async () => {
    area = await createArea("life");
    fake = await startFakeConfluence({
      spaces: [
        { key: "STOP", pages: 80 },
        { key: "CANCEL", pages: 150 },
        { key: "ROUTED", pages: 12 },
      ],
      faults: { latencyMs: 30 },
    });
    await seedSources(area, fake, ["STOP", "CANCEL", "ROUTED"]);
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.stop()));
  });
  afterAll(async () => {
    await fake?.close();
    await area?.drop();
  });

  const checkpointed = (sourceId: string) =>
    waitFor(`${sourceId} to checkpoint some pages`, async () => {
      const state = await area.store.getSyncState(sourceId);
      return (state?.checkpoint?.pagesDone ?? 0) >= 10 ? state : undefined;
    });

  it("stops gracefully: the running sync checkpoints, its operation goes back to the queue and resumes elsewhere", async () => {
    const first = await start("graceful-1");
    const { operationId } = await first.queue.enqueueSync("stop", { mode: "full" });
    await checkpointed("stop");
    await first.stop();
    expect(first.activeSyncs).toBe(0);

    const second = await start("graceful-2");
    const done = await waitFor("the second worker to finish", async () => {
      const status = await second.queue.getSourceStatus("stop");
      return status.state === "succeeded" ? status : undefined;
    });
    expect(done).toMatchObject({ operationId, workerId: "graceful-2" });
    const runs = (await second.queue.listRuns({ sourceId: "stop" })).reverse();
    expect(runs.map((r) => [r.workerId, r.outcome, r.resumed, r.operationId])).toEqual([
      ["graceful-1", "interrupted", false, operationId],
      ["graceful-2", "succeeded", true, operationId],
    ]);
    const stored = await area.store.getPageStates("stop");
    expect([...stored.keys()].sort()).toEqual(
      fake
        .space("STOP")
        .pages()
        .map((p) => p.id)
        .sort(),
    );
  });

  it("cancels a running sync on request: it stops at a checkpoint and the source is marked cancelled", async () => {
    const worker = await start("cancel-1");
    const { operationId } = await worker.queue.enqueueSync("cancel", { mode: "full" });
    await checkpointed("cancel");
    await expect(worker.queue.cancelSync("cancel")).resolves.toBe(operationId);
    const status = await waitFor("the sync to be cancelled", async () => {
      const s = await worker.queue.getSourceStatus("cancel");
      return s.state === "cancelled" ? s : undefined;
    });
    expect(status.operationId).toBe(operationId);
    expect((await area.store.getSyncState("cancel"))?.checkpoint?.operationId).toBe(operationId);
    expect((await worker.queue.listRuns({ sourceId: "cancel" })).map((r) => r.outcome)).toEqual(["cancelled"]);
  });

  it("runs the router's syncs on the workers through the queued runner", async () => {
    const worker = await start("routed-1");
    const runner = createQueuedSyncRunner(worker.queue, {
      pollIntervalMs: 200,
      progress: new PgProgressSink(fromPgPool(area.pool)),
    });
    const source = { sourceId: "routed" };
    const events: SyncEvent[] = [];
    const recording = {
      handle: (event: SyncEvent) => {
        events.push(event);
      },
    };
    const operationId = crypto.randomUUID();
    const running = runner({
      source,
      mode: "full",
      operationId,
      signal: new AbortController().signal,
      sink: recording,
    });
    await waitFor("the routed sync to be enqueued", async () =>
      (await worker.queue.getSourceStatus("routed")).operationId === operationId ? true : undefined,
    );
    // What the router asks before accepting a second sync, to answer 409 up front.
    expect(await runner.runningOperation("routed")).toBe(operationId);

    const second = await runner({
      source,
      mode: "full",
      operationId: crypto.randomUUID(),
      signal: new AbortController().signal,
      sink: recording,
    }).catch((error: unknown) => error);
    expect(isConfluenceSyncError(second, "SYNC_ALREADY_RUNNING")).toBe(true);
    expect((second as Error).message).toContain(operationId);

    const metrics = await running;
    expect(metrics.operationId).toBe(operationId);
    expect(await runner.runningOperation("routed")).toBeUndefined();
    expect(metrics.pagesIndexed).toBe(fake.space("ROUTED").pages().length);
    expect(events.at(-1)).toMatchObject({ type: "sync-end", operationId, metrics: { operationId } });

    // The pages are unchanged: a plain full sync indexes none, a re-index request indexes every one on the worker.
    const rerun = (reindex: boolean) =>
      runner({
        source,
        mode: "full",
        ...(reindex ? { reindex } : {}),
        operationId: crypto.randomUUID(),
        signal: new AbortController().signal,
        sink: recording,
      });
    expect(await rerun(false)).toMatchObject({ pagesIndexed: 0 });
    expect(await rerun(true)).toMatchObject({ pagesIndexed: metrics.pagesIndexed, mode: "full" });
  });
});

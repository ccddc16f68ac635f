import type { OperationProgress, SyncEvent, SyncMetrics } from "@archon/confluence-core";
import { describe, expect, it } from "vitest";
import type { EnqueueResult } from "./queue.js";
import { createQueuedSyncRunner } from "./queued-runner.js";
import type { SourceStatus } from "./tables.js";

const operationId = "0b6c4f5e-8f0e-4a59-9a55-0d8d3f4b8e21";
const metrics = { operationId, mode: "full", pagesIndexed: 3 } as SyncMetrics;

const status = (patch: Partial<SourceStatus>): SourceStatus => ({
  sourceId: "eng",
  state: "queued",
  operationId,
  mode: "full",
  trigger: "request",
  attempt: 1,
  workerId: null,
  lastError: null,
  consecutiveFailures: 0,
  startedAt: null,
  finishedAt: null,
  lastSucceededAt: null,
  lastMetrics: null,
  queuedOperationId: null,
  ...patch,
});

/** A queue that answers with the given statuses in turn (the last one repeats) and records what it was asked. */
class ScriptedQueue {
  readonly enqueued: unknown[] = [];
  readonly cancelled: string[] = [];
  constructor(
    private readonly statuses: SourceStatus[],
    private readonly result: EnqueueResult = { operationId, enqueued: true, state: "queued", mode: "incremental" },
  ) {}
  async enqueueSync(sourceId: string, options: unknown) {
    this.enqueued.push({ sourceId, ...(options as object) });
    return this.result;
  }
  async getSourceStatus() {
    return (this.statuses.length > 1 ? this.statuses.shift() : this.statuses[0]) as SourceStatus;
  }
  async cancelSync(sourceId: string) {
    this.cancelled.push(sourceId);
    return operationId;
  }
}

const progress = (done: number): OperationProgress => ({
  operationId,
  sourceId: "eng",
  state: "running",
  mode: "full",
  stage: "storing",
  total: 10,
  done,
  indexed: done,
  skipped: 0,
  failed: 0,
  deleted: 0,
  percent: done * 10,
  message: null,
  errorCode: null,
  startedAt: null,
  updatedAt: "2026-01-01T00:00:00.000Z",
  finishedAt: null,
});

function request(signal = new AbortController().signal) {
  const events: SyncEvent[] = [];
  const sink = {
    handle: (event: SyncEvent) => {
      events.push(event);
    },
  };
  return { events, req: { source: { sourceId: "eng" }, mode: "full" as const, operationId, signal, sink } };
}

describe("createQueuedSyncRunner", () => {
  it("enqueues with the router's operation id, relays progress, and resolves with the worker's metrics", async () => {
    const queue = new ScriptedQueue([
      status({ state: "queued" }),
      status({ state: "running" }),
      status({ state: "running" }),
      status({ state: "succeeded", lastMetrics: metrics }),
    ]);
    const seen = [progress(2), progress(2), progress(6)];
    const reader = { getProgress: async () => seen.shift() ?? null };
    const { events, req } = request();
    const result = await createQueuedSyncRunner(queue, { pollIntervalMs: 1, progress: reader })(req);
    expect(result).toBe(metrics);
    expect(queue.enqueued).toEqual([{ sourceId: "eng", mode: "full", operationId }]);
    expect(events.map((e) => (e.type === "progress" ? `progress ${e.done}` : e.type))).toEqual([
      "progress 2",
      "progress 6",
      "sync-end",
    ]);
  });

  it("rejects with the worker's coded error when the source failed", async () => {
    const queue = new ScriptedQueue([
      status({ state: "failed", lastError: { code: "SOURCE_AUTH", message: "token rejected", at: "" } }),
    ]);
    const { req } = request();
    await expect(createQueuedSyncRunner(queue, { pollIntervalMs: 1 })(req)).rejects.toMatchObject({
      code: "SOURCE_AUTH",
      message: "token rejected",
    });
  });

  it("tells the router which operation a worker runs or holds, so a second request gets its 409 up front", async () => {
    for (const [state, expected] of [
      ["running", operationId],
      ["queued", operationId],
      ["retrying", operationId],
      ["succeeded", undefined],
      ["failed", undefined],
      ["idle", undefined],
    ] as const) {
      const runner = createQueuedSyncRunner(new ScriptedQueue([status({ state })]));
      expect(await runner.runningOperation("eng"), state).toBe(expected);
    }
  });

  it("checks the store's lock up front for a sync another process runs outside the queue, and leaves it free", async () => {
    const held = new Set<string>();
    const released: string[] = [];
    const store = {
      async lockSource(sourceId: string) {
        if (held.has(sourceId)) return { heldBy: "process cli-host:42:abcd (operation op-cli)" };
        held.add(sourceId);
        return {
          release: async () => {
            held.delete(sourceId);
            released.push(sourceId);
          },
        };
      },
    };
    const runner = createQueuedSyncRunner(new ScriptedQueue([status({ state: "idle" })]), { store });
    expect(createQueuedSyncRunner(new ScriptedQueue([status({ state: "idle" })])).lockSource).toBeUndefined();
    // Free: the check takes the lock and gives it back at once, so the worker's engine can take it.
    const free = await runner.lockSource?.("eng");
    expect(free && "release" in free).toBe(true);
    expect(released).toEqual(["eng"]);
    expect(held.has("eng")).toBe(false);
    // Held by another process: the router answers 409 naming it.
    held.add("eng");
    expect(await runner.lockSource?.("eng")).toEqual({ heldBy: "process cli-host:42:abcd (operation op-cli)" });
  });

  it("rejects with SYNC_ALREADY_RUNNING naming the running operation", async () => {
    const other = "5a0c1b1e-3e43-4c0b-8d1e-7a8f9b0c1d2e";
    const queue = new ScriptedQueue([], { operationId: other, enqueued: false, state: "running", mode: "incremental" });
    const { req } = request();
    await expect(createQueuedSyncRunner(queue)(req)).rejects.toMatchObject({
      code: "SYNC_ALREADY_RUNNING",
      message: expect.stringContaining(other),
    });
  });

  it("cancels the job when the router aborts, and rejects once the worker reports it cancelled", async () => {
    const controller = new AbortController();
    const queue = new ScriptedQueue([status({ state: "running" }), status({ state: "cancelled" })]);
    const { req } = request(controller.signal);
    const running = createQueuedSyncRunner(queue, { pollIntervalMs: 5 })(req);
    controller.abort();
    await expect(running).rejects.toMatchObject({ code: "SYNC_ABORTED" });
    expect(queue.cancelled).toEqual(["eng"]);
  });
});

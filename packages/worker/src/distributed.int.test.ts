// Worker processes (real child processes) against real PostgreSQL and a fake Confluence: 20 sources synced by two
// workers with no source ever synced twice at once, and a worker killed mid-sync whose job another worker resumes.
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  type ChildWorker,
  createArea,
  probeDatabase,
  seedSources,
  spawnWorker,
  type TestArea,
  waitFor,
} from "../test/support.js";
import { createSyncQueue, type SyncQueue } from "./queue.js";
import type { SyncRun } from "./tables.js";

const skip = await probeDatabase();
if (skip) console.warn(`[worker] skipping distributed worker tests: ${skip}`);

/** Pairs of attempts of the same source whose [start, end] intervals intersect. */
function overlaps(runs: readonly SyncRun[], now: string): string[] {
  const found: string[] = [];
  const bySource = new Map<string, SyncRun[]>();
  for (const run of runs) bySource.set(run.sourceId, [...(bySource.get(run.sourceId) ?? []), run]);
  for (const [sourceId, list] of bySource) {
    const sorted = [...list].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
    for (let i = 1; i < sorted.length; i += 1) {
      const previous = sorted[i - 1] as SyncRun;
      const current = sorted[i] as SyncRun;
      if ((previous.finishedAt ?? now) > current.startedAt) found.push(`${sourceId}: ${previous.operationId}`);
    }
  }
  return found;
}

/** Stored page ids and versions of a source equal the fake's current pages. */
async function expectConverged(area: TestArea, fake: FakeConfluence, key: string) {
  const stored = await area.store.getPageStates(key.toLowerCase());
  const truth = fake.space(key).pages();
  expect(new Map([...stored.values()].map((p) => [p.pageId, p.version]))).toEqual(
    new Map(truth.map((p) => [p.id, p.version])),
  );
}

describe.skipIf(skip !== undefined)(`distributed workers${skip ? ` (skipped: ${skip})` : ""}`, () => {
  const children: ChildWorker[] = [];
  const cleanups: (() => Promise<unknown>)[] = [];

  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.process.exitCode === null && child.process.signalCode === null) child.process.kill("SIGTERM");
      await child.exited;
    }
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
  });
  afterAll(async () => {
    for (const child of children) child.process.kill("SIGKILL");
  });

  async function setup(label: string, fake: FakeConfluence, keys: string[]) {
    const area = await createArea(label);
    cleanups.push(
      () => area.drop(),
      () => fake.close(),
    );
    await seedSources(area, fake, keys);
    const queue: SyncQueue = await createSyncQueue({ connectionString: area.url, schema: area.schema });
    cleanups.push(() => queue.close());
    return { area, queue };
  }

  it("two workers sync 20 sources to completion, never one source twice at once", { timeout: 180_000 }, async () => {
    const keys = Array.from({ length: 20 }, (_, i) => `S${i + 1}`);
    const fake = await startFakeConfluence({
      spaces: keys.map((key) => ({ key, pages: 6 })),
      faults: { latencyMs: 10 },
    });
    const { area, queue } = await setup("twenty", fake, keys);
    children.push(
      ...(await Promise.all([
        spawnWorker(area, { WORKER_ID: "w1", WORKER_CONCURRENCY: "3" }),
        spawnWorker(area, { WORKER_ID: "w2", WORKER_CONCURRENCY: "3" }),
      ])),
    );

    const first = new Map<string, string>();
    for (const key of keys) {
      const sourceId = key.toLowerCase();
      const result = await queue.enqueueSync(sourceId, { mode: "full" });
      expect(result.enqueued).toBe(true);
      first.set(sourceId, result.operationId);
      // A second request while the first waits or runs reports that operation instead of adding another.
      const again = await queue.enqueueSync(sourceId);
      if (!again.enqueued) expect(again.operationId).toBe(result.operationId);
    }
    // A second round requested while the first runs: each waits for its source's running sync to end.
    const second = await Promise.all(keys.map((key) => queue.enqueueSync(key.toLowerCase())));

    const statuses = await waitFor(
      "all 20 sources to finish both rounds",
      async () => {
        const all = await queue.listSourceStatuses(keys.map((k) => k.toLowerCase()));
        return all.every((s) => s.state === "succeeded" && s.queuedOperationId === null) ? all : undefined;
      },
      150_000,
    );
    expect(statuses).toHaveLength(20);

    const runs = await queue.listRuns({ limit: 1000 });
    expect(runs.every((run) => run.outcome === "succeeded")).toBe(true);
    expect(overlaps(runs, new Date().toISOString())).toEqual([]);
    const operations = new Set(runs.map((run) => run.operationId));
    for (const [sourceId, operationId] of first) expect(operations.has(operationId), sourceId).toBe(true);
    for (const result of second) expect(operations.has(result.operationId)).toBe(true);
    // Both processes took work.
    expect(new Set(runs.map((run) => run.workerId))).toEqual(new Set(["w1", "w2"]));
    for (const key of keys) await expectConverged(area, fake, key);
  });

  it("a worker killed mid-sync: another worker takes the job after the lease and resumes from the checkpoint", {
    timeout: 150_000,
  }, async () => {
    const fake = await startFakeConfluence({ spaces: [{ key: "BIG", pages: 160 }], faults: { latencyMs: 40 } });
    const { area, queue } = await setup("kill", fake, ["BIG"]);
    // Small listing pages and batches, so the engine checkpoints every few pages.
    const env = { WORKER_CONCURRENCY: "1", WORKER_LEASE_SECONDS: "10", WORKER_FETCH_BATCH: "5", WORKER_PAGE_SIZE: "5" };
    const workers = await Promise.all([
      spawnWorker(area, { ...env, WORKER_ID: "k1" }),
      spawnWorker(area, { ...env, WORKER_ID: "k2" }),
    ]);
    children.push(...workers);

    const { operationId } = await queue.enqueueSync("big", { mode: "full" });
    const running = await waitFor("the sync to checkpoint some pages", async () => {
      const [status, state] = await Promise.all([queue.getSourceStatus("big"), area.store.getSyncState("big")]);
      return status.state === "running" && (state?.checkpoint?.pagesDone ?? 0) >= 20 ? status : undefined;
    });
    const victim = workers.find((w) => w.workerId === running.workerId) as ChildWorker;
    const survivor = workers.find((w) => w !== victim) as ChildWorker;
    victim.process.kill("SIGKILL");
    expect(await victim.exited).toBe("SIGKILL");

    // While the dead worker's lease runs out, a second request still reports the same operation.
    expect(await queue.enqueueSync("big")).toMatchObject({ operationId, enqueued: false });

    const done = await waitFor("the survivor to finish the sync", async () => {
      const status = await queue.getSourceStatus("big");
      return status.state === "succeeded" ? status : undefined;
    });
    expect(done).toMatchObject({ operationId, workerId: survivor.workerId, attempt: 2 });
    const runs = (await queue.listRuns({ sourceId: "big" })).reverse();
    expect(runs.map((r) => [r.workerId, r.attempt, r.outcome, r.resumed])).toEqual([
      [victim.workerId, 1, null, null],
      [survivor.workerId, 2, "succeeded", true],
    ]);
    // The resumed run fetched fewer pages than the space has: what the dead worker stored was kept.
    expect(done.lastMetrics?.pagesIndexed ?? 0).toBeLessThan(fake.space("BIG").pages().length);
    await expectConverged(area, fake, "BIG");
  });
});

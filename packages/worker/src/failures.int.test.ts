// A worker in this process against real PostgreSQL and a fake Confluence: sources that cannot sync end in the
// failed state with their error visible, instead of retrying forever.
import { createConfluenceSource, HashingEmbedder } from "@archon/confluence-core";
import { type FakeConfluence, startFakeConfluence } from "@archon/fake-confluence";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createArea, probeDatabase, seedSources, type TestArea, waitFor } from "../test/support.js";
import type { SyncJobData } from "./queue.js";
import { type SyncWorker, startSyncWorker } from "./worker.js";

const skip = await probeDatabase();
if (skip) console.warn(`[worker] skipping failure integration tests: ${skip}`);

describe.skipIf(skip !== undefined)(`failing sources${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let area: TestArea;
  let fake: FakeConfluence;
  let broken: FakeConfluence;
  let worker: SyncWorker;

  beforeAll(async () => {
    area = await createArea("fail");
    fake = await startFakeConfluence({ spaces: [{ key: "AUTH", pages: 5 }] });
    broken = await startFakeConfluence({
      spaces: [{ key: "DOWN", pages: 5 }],
      faults: { serverError: { status: 503 } },
    });
    await seedSources(area, fake, ["AUTH"], {
      type: "basic",
      email: "bot@example.com",
      apiToken: "wrong-secret-token",
    });
    await seedSources(area, broken, ["DOWN"]);
    worker = await startSyncWorker({
      connectionString: area.url,
      schema: area.schema,
      store: area.store,
      credentials: area.credentials,
      embedder: new HashingEmbedder({ dimensions: 384 }),
      createSource: (config) => createConfluenceSource({ ...config, maxAttempts: 1, baseDelayMs: 0 }),
      retry: { limit: 2, delaySeconds: 1, maxDelaySeconds: 2 },
      pollingIntervalSeconds: 0.5,
      superviseIntervalSeconds: 1,
      rateLimit: false,
    });
  });
  afterAll(async () => {
    await worker?.stop();
    await fake?.close();
    await broken?.close();
    await area?.drop();
  });

  it("fails a source with a rejected token at once, with the error visible and no retry", async () => {
    const { operationId } = await worker.queue.enqueueSync("auth");
    const status = await waitFor("the auth source to fail", async () => {
      const s = await worker.queue.getSourceStatus("auth");
      return s.state === "failed" ? s : undefined;
    });
    expect(status).toMatchObject({
      operationId,
      attempt: 1,
      consecutiveFailures: 1,
      lastError: { code: "SOURCE_AUTH" },
    });
    expect(status.lastError?.message).not.toContain("wrong-secret-token");
    const runs = await worker.queue.listRuns({ sourceId: "auth" });
    expect(runs.map((r) => [r.outcome, r.errorCode])).toEqual([["failed", "SOURCE_AUTH"]]);
    // Nothing is left to retry it.
    expect(await worker.queue.enqueueSync("auth").then((r) => r.enqueued)).toBe(true);
    await worker.queue.cancelSync("auth");
  });

  it("skips scheduled syncs of a failed source, and a request syncs it again once fixed", async () => {
    const before = fake.stats().requests;
    const data: SyncJobData = { sourceId: "auth", mode: "incremental", trigger: "schedule" };
    const jobId = (await worker.queue.boss.send(worker.queue.options.queueName, data, {
      singletonKey: "auth",
    })) as string;
    await waitFor("the scheduled job to be handled", async () => {
      const job = await worker.queue.boss.getJobById(worker.queue.options.queueName, jobId);
      return job?.state === "completed" ? job : undefined;
    });
    expect(fake.stats().requests).toBe(before);
    expect(await worker.queue.listRuns({ sourceId: "auth" })).toHaveLength(1);
    expect((await worker.queue.getSourceStatus("auth")).state).toBe("failed");

    const { email, apiToken } = fake.credentials as { email: string; apiToken: string };
    await area.credentials.put("auth", { type: "basic", email, apiToken });
    const { operationId } = await worker.queue.enqueueSync("auth");
    const status = await waitFor("the fixed source to sync", async () => {
      const s = await worker.queue.getSourceStatus("auth");
      return s.operationId === operationId && s.state === "succeeded" ? s : undefined;
    });
    expect(status.consecutiveFailures).toBe(0);
    expect(status.lastMetrics?.pagesIndexed).toBe(fake.space("AUTH").pages().length);
    expect(status.lastError?.code).toBe("SOURCE_AUTH");
  });

  it("retries a transient failure with backoff, then marks the source failed after the retry limit", async () => {
    const { operationId } = await worker.queue.enqueueSync("down");
    const status = await waitFor("the down source to fail", async () => {
      const s = await worker.queue.getSourceStatus("down");
      return s.state === "failed" ? s : undefined;
    });
    expect(status).toMatchObject({ operationId, attempt: 3, lastError: { code: "SOURCE_UNAVAILABLE" } });
    const runs = (await worker.queue.listRuns({ sourceId: "down" })).reverse();
    expect(runs.map((r) => [r.attempt, r.outcome])).toEqual([
      [1, "retrying"],
      [2, "retrying"],
      [3, "failed"],
    ]);
    expect(new Set(runs.map((r) => r.operationId))).toEqual(new Set([operationId]));
    // Each retry waited for the backoff delay (at least the 1 s base) after the previous attempt ended.
    for (let i = 1; i < runs.length; i += 1) {
      const gap = Date.parse(runs[i]?.startedAt ?? "") - Date.parse(runs[i - 1]?.finishedAt ?? "");
      expect(gap).toBeGreaterThanOrEqual(900);
    }
    // pg-boss records the job as failed (not retried again) once the handler's last attempt threw.
    const job = await waitFor("the job to be failed", async () => {
      const found = await worker.queue.boss.getJobById(worker.queue.options.queueName, operationId);
      return found?.state === "failed" || found?.state === "retry" || found?.state === "created" ? found : undefined;
    });
    expect(job.state).toBe("failed");

    // Running out of retries is not a reason to give up on the source: its next scheduled sync runs.
    const data: SyncJobData = { sourceId: "down", mode: "incremental", trigger: "schedule" };
    const scheduled = (await worker.queue.boss.send(worker.queue.options.queueName, data, {
      singletonKey: "down",
    })) as string;
    const next = await waitFor("the scheduled sync to run", async () => {
      const latest = (await worker.queue.listRuns({ sourceId: "down", limit: 1 }))[0];
      return latest?.operationId === scheduled ? latest : undefined;
    });
    expect(next.attempt).toBe(1);
    await worker.queue.cancelSync("down");
  });
});

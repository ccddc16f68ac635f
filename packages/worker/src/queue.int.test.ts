// The queue without workers, against real PostgreSQL (TEST_DATABASE_URL or DATABASE_URL): enqueueing reports the
// waiting operation instead of adding a second, schedules, cancellation, and the shared rate-limit bucket.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createArea, probeDatabase, type TestArea } from "../test/support.js";
import { createSyncQueue, type SyncQueue } from "./queue.js";
import { PgTokenBucket } from "./rate-limit.js";

const skip = await probeDatabase();
if (skip) console.warn(`[worker] skipping queue integration tests: ${skip}`);

describe.skipIf(skip !== undefined)(`SyncQueue on PostgreSQL${skip ? ` (skipped: ${skip})` : ""}`, () => {
  let area: TestArea;
  let queue: SyncQueue;

  beforeAll(async () => {
    area = await createArea("queue");
    queue = await createSyncQueue({ connectionString: area.url, schema: area.schema });
  });
  afterAll(async () => {
    await queue?.close();
    await area?.drop();
  });

  it("enqueues one job per source and reports the waiting operation to a second request", async () => {
    const first = await queue.enqueueSync("eng", { mode: "full" });
    expect(first).toMatchObject({ enqueued: true, state: "queued" });
    const second = await queue.enqueueSync("eng");
    expect(second).toEqual({ operationId: first.operationId, enqueued: false, state: "queued", mode: "full" });
    const other = await queue.enqueueSync("ops");
    expect(other.enqueued).toBe(true);
    expect(other.operationId).not.toBe(first.operationId);

    const status = await queue.getSourceStatus("eng");
    expect(status).toMatchObject({
      state: "queued",
      operationId: first.operationId,
      queuedOperationId: first.operationId,
    });
  });

  it("never answers a full request with an incremental sync", async () => {
    const waiting = await queue.enqueueSync("upgrade");
    expect(waiting).toMatchObject({ enqueued: true, mode: "incremental" });
    // A waiting incremental job becomes a full one, and the answer says so.
    expect(await queue.enqueueSync("upgrade", { mode: "full" })).toEqual({
      operationId: waiting.operationId,
      enqueued: false,
      state: "queued",
      mode: "full",
      upgraded: true,
    });
    const { rows } = await area.pool.query(
      `SELECT data->>'mode' AS mode FROM "${area.schema}".job WHERE id = $1::uuid`,
      [waiting.operationId],
    );
    expect(rows).toEqual([{ mode: "full" }]);
    await queue.cancelSync("upgrade");

    // A running incremental sync (as a worker would have claimed it) gets a full sync queued behind it.
    const running = await queue.enqueueSync("behind");
    await area.pool.query(`UPDATE "${area.schema}".job SET state = 'active' WHERE id = $1::uuid`, [
      running.operationId,
    ]);
    expect(await queue.enqueueSync("behind")).toMatchObject({ operationId: running.operationId, state: "running" });
    const full = await queue.enqueueSync("behind", { mode: "full" });
    expect(full).toMatchObject({ enqueued: true, state: "queued", mode: "full" });
    expect(full.operationId).not.toBe(running.operationId);
    expect(await queue.enqueueSync("behind", { mode: "full" })).toMatchObject({
      operationId: full.operationId,
      enqueued: false,
      state: "queued",
      mode: "full",
    });
    await queue.cancelSync("behind");
  });

  it("never answers a re-index request with a sync that does not re-index", async () => {
    const waiting = await queue.enqueueSync("again", { mode: "full" });
    expect(await queue.enqueueSync("again", { reindex: true })).toEqual({
      operationId: waiting.operationId,
      enqueued: false,
      state: "queued",
      mode: "full",
      reindex: true,
      upgraded: true,
    });
    const { rows } = await area.pool.query(
      `SELECT data->>'mode' AS mode, data->'reindex' AS reindex FROM "${area.schema}".job WHERE id = $1::uuid`,
      [waiting.operationId],
    );
    expect(rows).toEqual([{ mode: "full", reindex: true }]);
    // A later plain request is answered by the waiting re-index, which does more than it asks.
    expect(await queue.enqueueSync("again")).toMatchObject({ operationId: waiting.operationId, reindex: true });
    await area.pool.query(`UPDATE "${area.schema}".job SET state = 'active' WHERE id = $1::uuid`, [
      waiting.operationId,
    ]);
    expect(await queue.enqueueSync("again", { reindex: true })).toMatchObject({ state: "running", reindex: true });

    // A running plain full sync gets a re-index queued behind it.
    const plain = await queue.enqueueSync("plain", { mode: "full" });
    await area.pool.query(`UPDATE "${area.schema}".job SET state = 'active' WHERE id = $1::uuid`, [plain.operationId]);
    const forced = await queue.enqueueSync("plain", { reindex: true });
    expect(forced).toMatchObject({ enqueued: true, state: "queued", mode: "full", reindex: true });
    expect(forced.operationId).not.toBe(plain.operationId);
    await expect(queue.enqueueSync("plain", { reindex: "yes" as unknown as boolean })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
    });
    await queue.cancelSync("again");
    await queue.cancelSync("plain");
  });

  it("keeps the caller's operation id and rejects one that is not a UUID", async () => {
    const operationId = "6f1c1a52-2f54-4f55-9d4c-0f7d7b1b7a10";
    await expect(queue.enqueueSync("hr", { operationId })).resolves.toMatchObject({ operationId, enqueued: true });
    await expect(queue.enqueueSync("hr2", { operationId: "not-a-uuid" })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining("operationId"),
    });
    await expect(queue.enqueueSync("bad id!")).rejects.toMatchObject({ code: "CONFIG_INVALID" });
  });

  it("cancels a waiting job, leaving the source idle", async () => {
    const { operationId } = await queue.enqueueSync("legal");
    await expect(queue.cancelSync("legal")).resolves.toBe(operationId);
    await expect(queue.getSourceStatus("legal")).resolves.toMatchObject({ state: "idle", operationId: null });
    await expect(queue.cancelSync("legal")).resolves.toBeUndefined();
    // Once cancelled, a new request is accepted.
    await expect(queue.enqueueSync("legal")).resolves.toMatchObject({ enqueued: true });
  });

  it("schedules, replaces and removes per-source schedules", async () => {
    await queue.scheduleSource({ sourceId: "eng", mode: "incremental", everyMinutes: 15 });
    await queue.scheduleSource({ sourceId: "eng", mode: "full", cron: "0 2 * * *", timeZone: "Europe/Berlin" });
    await queue.scheduleSource({ sourceId: "team:ops", everyMinutes: 45 });
    expect(await queue.listSchedules("eng")).toEqual(
      expect.arrayContaining([
        { sourceId: "eng", mode: "incremental", cron: "*/15 * * * *", timeZone: "UTC" },
        { sourceId: "eng", mode: "full", cron: "0 2 * * *", timeZone: "Europe/Berlin" },
      ]),
    );
    await queue.scheduleSource({ sourceId: "eng", mode: "incremental", everyMinutes: 5 });
    expect((await queue.listSchedules("eng")).find((s) => s.mode === "incremental")?.cron).toBe("*/5 * * * *");
    await queue.unscheduleSource("eng", "full");
    expect((await queue.listSchedules("eng")).map((s) => s.mode)).toEqual(["incremental"]);
    await queue.unscheduleSource("eng");
    expect(await queue.listSchedules("eng")).toEqual([]);
    expect(await queue.listSchedules("team:ops")).toEqual([
      { sourceId: "team:ops", mode: "incremental", cron: "FREQ=MINUTELY;INTERVAL=45", timeZone: "UTC" },
    ]);
  });

  it("rejects a schedule with neither or both of cron and everyMinutes, or a bad cron", async () => {
    await expect(queue.scheduleSource({ sourceId: "eng" })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
      message: expect.stringContaining("exactly one of cron or everyMinutes"),
    });
    await expect(queue.scheduleSource({ sourceId: "eng", cron: "* * * * *", everyMinutes: 5 })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
    });
    await expect(queue.scheduleSource({ sourceId: "eng", cron: "99 99 * * * *" })).rejects.toMatchObject({
      code: "CONFIG_INVALID",
    });
  });

  it("shares one token bucket per site across bucket instances (as across workers)", async () => {
    // Refill so slow it is negligible: the first `burst` tokens are free, every later one is owed.
    const a = new PgTokenBucket(area.pool, area.schema, 0.001, 3);
    const b = new PgTokenBucket(area.pool, area.schema, 0.001, 3);
    const waits = [await a.reserve("acme.example"), await b.reserve("acme.example"), await a.reserve("acme.example")];
    expect(waits).toEqual([0, 0, 0]);
    const owed = await b.reserve("acme.example");
    expect(owed).toBeGreaterThan(900_000);
    expect(owed).toBeLessThanOrEqual(1_000_000);
    const more = await a.reserve("acme.example");
    expect(more).toBeGreaterThan(owed);
    // Another site has its own bucket.
    expect(await a.reserve("other.example")).toBe(0);
  });
});

import { spawnSync } from "node:child_process";
import { hostname } from "node:os";
import type { SyncEvent } from "@archon/confluence-core";
import { describe, expect, it } from "vitest";
import type { Db } from "./db.js";
import { ownerGone } from "./progress-owner.js";
import { PgProgressSink } from "./progress-sink.js";
import { resetDatabase, sharedPgliteDatabase } from "./test-support.js";

const migrated = sharedPgliteDatabase();
async function database(): Promise<Db> {
  const db = await migrated();
  await resetDatabase(db);
  return db;
}

const start = (operationId: string): SyncEvent => ({
  type: "sync-start",
  operationId,
  sourceId: "s",
  mode: "full",
  resumed: false,
  startedAt: new Date().toISOString(),
});

/** The pid of a process that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", ""]);
  return child.pid as number;
}

async function stateOf(db: Db, operationId: string) {
  const { rows } = await db.query<{ state: string; message: string | null; owner: string | null }>(
    "SELECT state, message, owner FROM archon_progress WHERE operation_id = $1",
    [operationId],
  );
  return rows[0];
}

describe("PgProgressSink: owners and heartbeats", () => {
  it("marks a running operation of a process that died interrupted when it is read, naming the process", async () => {
    const db = await database();
    const dead = `${hostname()}:${deadPid()}:abcd1234`;
    await new PgProgressSink(db, { owner: dead }).handle(start("op-dead"));
    expect((await stateOf(db, "op-dead"))?.state).toBe("running");

    const reader = new PgProgressSink(db);
    const progress = await reader.getProgress("op-dead");
    expect(progress).toMatchObject({ state: "interrupted", errorCode: "SYNC_INTERRUPTED" });
    expect(progress?.message).toContain(`process ${dead} is gone`);
    expect(progress?.finishedAt).not.toBeNull();
    expect(await stateOf(db, "op-dead")).toMatchObject({ state: "interrupted", owner: dead });
  });

  it("on start, marks the rows of this process's previous life (same host and pid) interrupted", async () => {
    const db = await database();
    const previous = `${hostname()}:${process.pid}:0ldl1fe0`;
    await new PgProgressSink(db, { owner: previous }).handle(start("op-before-restart"));
    const interrupted = await new PgProgressSink(db).recoverInterrupted();
    expect(interrupted).toEqual([
      { operationId: "op-before-restart", sourceId: "s", reason: expect.stringContaining("was restarted") },
    ]);
    expect((await stateOf(db, "op-before-restart"))?.state).toBe("interrupted");
  });

  it("leaves a live remote owner running until its heartbeat is stale", async () => {
    const db = await database();
    await new PgProgressSink(db, { owner: "other-host:4242:feedbeef" }).handle(start("op-remote"));
    const reader = new PgProgressSink(db, { staleAfterMs: 60_000 });
    expect((await reader.getProgress("op-remote"))?.state).toBe("running");
    await db.query("UPDATE archon_progress SET heartbeat_at = NOW() - INTERVAL '10 minutes'");
    const progress = await reader.getProgress("op-remote");
    expect(progress?.state).toBe("interrupted");
    expect(progress?.message).toMatch(/no heartbeat from process other-host:4242:feedbeef for \d+ s/);
  });

  it("never interrupts its own running operation, and keeps its heartbeat going", async () => {
    const db = await database();
    const sink = new PgProgressSink(db, { heartbeatMs: 20, staleAfterMs: 60_000 });
    try {
      await sink.handle(start("op-mine"));
      await db.query("UPDATE archon_progress SET heartbeat_at = NOW() - INTERVAL '1 hour'");
      expect((await sink.recoverInterrupted()).length).toBe(0);
      expect((await sink.getProgress("op-mine"))?.state).toBe("running");
      // The heartbeat brings it back to the present.
      for (;;) {
        const { rows } = await db.query<{ fresh: boolean }>(
          "SELECT heartbeat_at > NOW() - INTERVAL '1 minute' AS fresh FROM archon_progress WHERE operation_id = 'op-mine'",
        );
        if (rows[0]?.fresh) break;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect((await new PgProgressSink(db).getProgress("op-mine"))?.state).toBe("running");
    } finally {
      sink.close();
    }
  });

  it("tells gone owners from live ones", () => {
    const self = `${hostname()}:${process.pid}:aaaaaaaa`;
    expect(ownerGone(self, 10 ** 9, 60_000, self)).toBeUndefined();
    expect(ownerGone(`${hostname()}:${process.ppid}:bbbbbbbb`, 0, 60_000, self)).toBeUndefined();
    expect(ownerGone(`${hostname()}:${deadPid()}:bbbbbbbb`, 0, 60_000, self)).toMatch(/is gone/);
    expect(ownerGone(null, 120_000, 60_000, self)).toMatch(/no update for 120 s/);
    expect(ownerGone("elsewhere:1:cccccccc", 1_000, 60_000, self)).toBeUndefined();
  });
});

describe("PgProgressSink: counts per content type", () => {
  it("keeps the counts of pages, blog posts, comments and attached files of the latest progress", async () => {
    const db = await database();
    const sink = new PgProgressSink(db);
    await sink.handle(start("op-types"));
    const contentTypes = {
      page: { indexed: 12, deleted: 1 },
      blogpost: { indexed: 3, deleted: 0 },
      comment: { indexed: 9, deleted: 0 },
      attachment: { indexed: 4, deleted: 2 },
    };
    await sink.handle({
      type: "progress",
      operationId: "op-types",
      sourceId: "s",
      stage: "fetching",
      total: 20,
      done: 15,
      indexed: 15,
      skipped: 0,
      failed: 0,
      deleted: 1,
      percent: 75,
      etaMs: null,
      rateLimitWaits: 0,
      contentTypes,
    });
    expect((await new PgProgressSink(db).getProgress("op-types"))?.contentTypes).toEqual(contentTypes);
    sink.close();
  });
});

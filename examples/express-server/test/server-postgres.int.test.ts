/**
 * The example server with `DATABASE_URL`: PostgreSQL + pgvector instead of PGlite. Runs in its own schema so it
 * never touches other suites' tables, and shows that a second process (the search command) can share the database
 * with a running server.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fromPgPool, PgKnowledgeStore, PgProgressSink, PROCESS_OWNER } from "@archon/confluence-pg-store";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Child, expectExit, start, waitForUrl } from "./helpers.js";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) console.warn("server-postgres.int.test.ts skipped: DATABASE_URL is not set");

describe.skipIf(!databaseUrl)("example server on PostgreSQL (skipped without DATABASE_URL)", () => {
  const schema = `example_${randomBytes(4).toString("hex")}`;
  let dataDir: string;
  let server: Child;
  let url: string;
  let env: Record<string, string>;

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const scoped = new URL(databaseUrl as string);
    scoped.searchParams.set("options", `-c search_path=${schema},public`);
    dataDir = await mkdtemp(join(tmpdir(), "archon-example-pg-"));
    env = { DATABASE_URL: scoped.toString(), DATA_DIR: dataDir, FAKE_CONFLUENCE_PAGES: "60", PORT: "0" };
    server = start("src/start.ts", [], env);
    url = await waitForUrl(server);
  });

  afterAll(async () => {
    server?.process.kill("SIGTERM");
    await server?.exited;
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("says it uses PostgreSQL, without printing the password", () => {
    expect(server.stdout).toMatch(/storage: PostgreSQL at postgres:\/\/[^:]+:\*\*\*@/);
    const password = new URL(databaseUrl as string).password;
    if (password) expect(server.stdout).not.toContain(`:${password}@`);
  });

  it("syncs over HTTP into PostgreSQL, and the search command finds the pages while the server runs", async () => {
    const started = await fetch(`${url}/api/confluence/demo/sync`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"mode":"full"}',
    });
    expect(started.status).toBe(202);
    const { progressUrl } = (await started.json()) as { progressUrl: string };
    let operation: { status: string; metrics: { pagesIndexed: number } | null; error: unknown } | undefined;
    for (let attempt = 0; attempt < 1200; attempt++) {
      operation = (await (await fetch(`${url}${progressUrl}`)).json()) as typeof operation;
      if (operation?.status !== "running") break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect(operation?.error).toBeNull();
    expect(operation?.status).toBe("succeeded");
    expect(operation?.metrics?.pagesIndexed).toBeGreaterThan(40);

    const search = start("bin/archon-confluence.js", ["search", "--mode", "keyword", "--json", "deploy"], env);
    await expectExit(search, 0);
    const hits = JSON.parse(search.stdout) as { sourceId: string }[];
    expect(hits.length).toBeGreaterThan(0);
    expect(hits[0]?.sourceId).toBe("demo");
  }, 300_000);

  it("answers 409 before accepting a sync that another process runs, holds the lock from the 202 on, and the CLI is refused too", async () => {
    // This test process plays the other process (a CLI, a second server): its own pool, its own lock session.
    const scoped = new URL(databaseUrl as string);
    scoped.searchParams.set("options", `-c search_path=${schema},public`);
    const pool = new pg.Pool({ connectionString: scoped.toString(), max: 3 });
    const other = new PgKnowledgeStore(fromPgPool(pool));
    const sink = new PgProgressSink(fromPgPool(pool));
    const post = () =>
      fetch(`${url}/api/confluence/demo/sync`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        // Every page again, so the run lasts long enough to be seen holding the lock.
        body: '{"mode":"full","reindex":true}',
      });
    try {
      await sink.handle({
        type: "sync-start",
        operationId: "op-elsewhere",
        sourceId: "demo",
        mode: "full",
        resumed: false,
        startedAt: new Date().toISOString(),
      });
      const held = await other.lockSource("demo");
      if (!("release" in held)) throw new Error(`the lock was not free: ${held.heldBy}`);
      const refused = await post();
      expect(refused.status).toBe(409);
      const { error } = (await refused.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("SYNC_ALREADY_RUNNING");
      expect(error.message).toContain(`already running in process ${PROCESS_OWNER} (operation op-elsewhere)`);
      const now = new Date().toISOString();
      await sink.handle({
        type: "sync-error",
        operationId: "op-elsewhere",
        sourceId: "demo",
        code: "SYNC_ABORTED",
        error: "Sync cancelled.",
        metrics: { startedAt: now, finishedAt: now } as never,
      });
      await held.release();

      // The unlock runs on the lock's own connection once released; the server gets the source then.
      let accepted = await post();
      for (let attempt = 0; accepted.status === 409 && attempt < 50; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        accepted = await post();
      }
      expect(accepted.status).toBe(202);
      const { progressUrl } = (await accepted.json()) as { progressUrl: string };
      // Taken before the 202: whatever the run has done by now, this process cannot have the source.
      const during = await other.lockSource("demo");
      let status = "running";
      for (let attempt = 0; status === "running" && attempt < 1200; attempt++) {
        status = ((await (await fetch(`${url}${progressUrl}`)).json()) as { status: string }).status;
        if (status === "running") await new Promise((resolve) => setTimeout(resolve, 100));
      }
      expect(status).toBe("succeeded");
      expect(during).toMatchObject({ heldBy: expect.any(String) });
      // Released at the end of the run.
      let after = await other.lockSource("demo");
      for (let attempt = 0; !("release" in after) && attempt < 50; attempt++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        after = await other.lockSource("demo");
      }
      if (!("release" in after)) throw new Error(`the server kept the lock: ${after.heldBy}`);
      // The CLI is refused just as early: its engine asks for the lock before any work, and names the holder.
      try {
        const cli = start("bin/archon-confluence.js", ["sync", "--space", "DEMO"], env);
        await expectExit(cli, 4);
        expect(cli.stderr).toContain("SYNC_ALREADY_RUNNING");
        expect(cli.stderr).toContain("already running in");
        expect(cli.stdout).not.toContain("pagesIndexed");
      } finally {
        await after.release();
      }
    } finally {
      sink.close();
      await pool.end();
    }
  }, 300_000);
});

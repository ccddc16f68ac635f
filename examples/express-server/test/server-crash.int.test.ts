/**
 * Crash of the server itself: the example server (on PostgreSQL) is SIGKILLed mid-sync, restarted on the same
 * database, and must report the killed sync as interrupted (no `running` ghost), then converge with the next sync.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { type Child, start, waitForUrl } from "./helpers.js";

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) console.warn("server-crash.int.test.ts skipped: DATABASE_URL is not set");

const PAGES = 120;

/** The parts of the API's answers this test reads. */
interface Operation {
  operationId: string;
  status: string;
  progress: { indexed: number } | null;
  error: { code: string } | null;
  metrics: { pagesFailed: number; pagesListed: number };
}

async function json(url: string, init?: RequestInit): Promise<Operation> {
  const response = await fetch(url, {
    ...init,
    headers: init?.body ? { "content-type": "application/json" } : {},
  });
  return (await response.json()) as Operation;
}

async function until<T>(read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describe.skipIf(!databaseUrl)("example server killed mid-sync (skipped without DATABASE_URL)", () => {
  const schema = `example_crash_${randomBytes(4).toString("hex")}`;
  const servers: Child[] = [];
  let dataDir: string | undefined;

  afterAll(async () => {
    for (const server of servers) {
      server.process.kill("SIGKILL");
      await server.exited;
    }
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it("leaves no running ghost and converges after a restart", async () => {
    const admin = new pg.Client({ connectionString: databaseUrl });
    await admin.connect();
    await admin.query(`CREATE SCHEMA ${schema}`);
    await admin.end();
    const scoped = new URL(databaseUrl as string);
    scoped.searchParams.set("options", `-c search_path=${schema},public`);
    dataDir = await mkdtemp(join(tmpdir(), "archon-example-crash-"));
    const env = {
      DATABASE_URL: scoped.toString(),
      DATA_DIR: dataDir,
      FAKE_CONFLUENCE_PAGES: String(PAGES),
      PORT: "0",
    };

    const first = start("src/start.ts", [], env);
    servers.push(first);
    const url = await waitForUrl(first);
    const started = await json(`${url}/api/confluence/demo/sync`, { method: "POST", body: '{"mode":"full"}' });
    const operationId = started.operationId;
    expect(operationId).toMatch(/^[\w-]+$/);
    await until(
      () => json(`${url}/api/confluence/progress/${operationId}`),
      (op) => (op.progress?.indexed ?? 0) > 0 || op.status !== "running",
    );
    first.process.kill("SIGKILL");
    await first.exited;
    // The process killed is the server itself: nothing answers on its port any more.
    await expect(fetch(`${url}/api/confluence/sources`)).rejects.toThrow();

    const second = start("src/start.ts", [], env);
    servers.push(second);
    const again = await waitForUrl(second);
    const ghost = await json(`${again}/api/confluence/progress/${operationId}`);
    expect(ghost.status, JSON.stringify(ghost)).not.toBe("running");
    if (ghost.status === "failed") expect(ghost.error?.code).toBe("SYNC_INTERRUPTED");

    const resumed = await json(`${again}/api/confluence/demo/sync`, { method: "POST", body: '{"mode":"full"}' });
    const final = await until(
      () => json(`${again}/api/confluence/progress/${resumed.operationId}`),
      (op) => op.status !== "running",
    );
    expect(final.status, JSON.stringify(final.error)).toBe("succeeded");
    expect(final.metrics.pagesFailed).toBe(0);

    const pool = new pg.Pool({ connectionString: scoped.toString(), max: 1 });
    try {
      const running = await pool.query("SELECT count(*)::int AS n FROM archon_progress WHERE state = 'running'");
      expect(running.rows[0].n).toBe(0);
      const pages = await pool.query("SELECT count(*)::int AS n FROM confluence_pages");
      expect(pages.rows[0].n).toBe(final.metrics.pagesListed);
    } finally {
      await pool.end();
    }
  }, 600_000);
});

/**
 * The example server with `DATABASE_URL`: PostgreSQL + pgvector instead of PGlite. Runs in its own schema so it
 * never touches other suites' tables, and shows that a second process (the search command) can share the database
 * with a running server.
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
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
});

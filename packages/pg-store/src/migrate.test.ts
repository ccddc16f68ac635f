import { execFile } from "node:child_process";
import { appendFileSync, cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { ConfluenceSyncError } from "@archon/confluence-core";
import { axis, makeChunk, makePage, makeSource } from "@archon/confluence-core/testing";
import { afterEach, describe, expect, it } from "vitest";
import { type Db, fromPglite } from "./db.js";
import {
  defaultMigrationsDir,
  loadMigrations,
  migrate,
  migrationDirCandidates,
  migrationStatus,
  rollback,
} from "./migrate.js";
import { PgKnowledgeStore } from "./pg-knowledge-store.js";
import { openPglite } from "./pglite.js";

const open: Db[] = [];
async function fresh(): Promise<Db> {
  const db = fromPglite(await openPglite(), { ownsDb: true });
  open.push(db);
  return db;
}
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
});

const exists = async (db: Db, table: string) =>
  (await db.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [table])).rows[0]?.t !== null;

describe("migrate", () => {
  it("reads the repository's migrations from source, and the package's copy from a build", () => {
    const root = join(tmpdir(), "checkout");
    const pkg = join(root, "packages", "pg-store");
    expect(migrationDirCandidates(join(pkg, "src"))).toEqual([join(root, "migrations"), join(pkg, "migrations")]);
    expect(migrationDirCandidates(join(pkg, "dist"))).toEqual([join(pkg, "migrations"), join(root, "migrations")]);
    expect(defaultMigrationsDir()).toBe(join(__dirname, "..", "..", "..", "migrations"));
  });

  it("applies every migration once, records it, and refuses a changed file", async () => {
    const db = await fresh();
    const dir = mkdtempSync(join(tmpdir(), "archon-migrations-"));
    try {
      cpSync(defaultMigrationsDir(), dir, { recursive: true });
      const names = loadMigrations(dir).map((m) => m.name);
      expect(names.slice(0, 4)).toEqual([
        "0001_archon_knowledge_base",
        "0002_confluence",
        "0003_archon_pages",
        "0004_bulk_load",
      ]);
      expect(await migrate(db, { dir })).toEqual({ applied: names, alreadyApplied: [] });
      expect((await migrate(db, { dir })).applied).toEqual([]);
      const ledger = await db.query("SELECT version, migration_name, checksum FROM archon_migrations ORDER BY 2");
      expect(ledger.rows).toHaveLength(names.length);
      expect(ledger.rows[0]).toMatchObject({ version: "confluence", migration_name: "0001_archon_knowledge_base" });
      expect(await migrationStatus(db, { dir })).toEqual(
        loadMigrations(dir).map((m) => ({ name: m.name, version: m.version, applied: true })),
      );

      appendFileSync(join(dir, "0002_confluence.sql"), "\n-- edited after it was applied\n");
      const error = await migrate(db, { dir }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfluenceSyncError);
      expect((error as ConfluenceSyncError).code).toBe("CONFIG_INVALID");
      expect((error as Error).message).toMatch(/0002_confluence was applied with checksum .* restore the file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("works inside an existing Archon database and rolls back only Confluence data", async () => {
    const db = await fresh();
    // Archon was here first: its tables exist and hold a crawled web page.
    await db.exec(readFileSync(join(defaultMigrationsDir(), "0001_archon_knowledge_base.sql"), "utf8"));
    await db.exec(`INSERT INTO archon_sources (source_id, title, metadata) VALUES ('web', 'Docs site', '{"knowledge_type":"technical"}');
      INSERT INTO archon_crawled_pages (url, chunk_number, content, source_id) VALUES ('https://docs.example/a', 0, 'archon web chunk', 'web');`);
    await migrate(db);
    const store = new PgKnowledgeStore(db);
    expect(await store.listSources()).toEqual([]);
    await expect(store.upsertSource(makeSource("web"))).rejects.toThrow(/non-Confluence Archon source/);
    await store.deleteSource("web");
    await store.upsertSource(makeSource("conf"));
    await store.writePage(makePage("conf", "1"), [makeChunk(0, "confluence chunk", axis(0, 384))]);
    await store.saveSyncMetrics("conf", (await import("@archon/confluence-core/testing")).makeMetrics("op"));
    const metrics = await db.query(
      "SELECT metadata -> 'sync_metrics' ->> 'operationId' AS op FROM archon_sources WHERE source_id = 'conf'",
    );
    expect(metrics.rows).toEqual([{ op: "op" }]);

    const names = loadMigrations().map((m) => m.name);
    expect(await rollback(db, { to: 1 })).toEqual(names.slice(1).reverse());
    for (const table of ["confluence_pages", "confluence_sources", "archon_progress", "confluence_embedding_cache"]) {
      expect(await exists(db, table), table).toBe(false);
    }
    const chunks = await db.query("SELECT source_id, content FROM archon_crawled_pages");
    expect(chunks.rows).toEqual([{ source_id: "web", content: "archon web chunk" }]);
    expect((await db.query("SELECT source_id FROM archon_sources")).rows).toEqual([{ source_id: "web" }]);

    // Archon's tables hold Archon's data: rolling back 0001 succeeds and leaves them, with their rows.
    expect(await rollback(db, { to: 0 })).toEqual(["0001_archon_knowledge_base"]);
    expect((await db.query("SELECT count(*)::int AS n FROM archon_crawled_pages")).rows).toEqual([{ n: 1 }]);
    await db.exec("DELETE FROM archon_crawled_pages; DELETE FROM archon_sources;");
    expect((await migrate(db)).applied).toHaveLength(loadMigrations().length);
    expect(await rollback(db, { to: 0 })).toHaveLength(loadMigrations().length);
    expect(await exists(db, "archon_sources")).toBe(false);
    expect(await exists(db, "archon_page_metadata")).toBe(false);
    expect((await migrate(db)).applied).toHaveLength(loadMigrations().length);
  });
});

describe("archon-confluence-migrate CLI", () => {
  const run = promisify(execFile);
  const cli = join(import.meta.dirname, "cli.ts");
  const tsx = (args: string[]) =>
    run(process.execPath, ["--import", "tsx", cli, ...args], { env: { ...process.env, DATABASE_URL: "" } });

  it("migrates a PGlite directory, reports status, and never prints a password", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), "archon-cli-"));
    try {
      expect((await tsx(["--pglite-dir", dataDir])).stdout).toMatch(/Applied on PGlite .*0001.*0003_archon_pages/);
      expect((await tsx(["--pglite-dir", dataDir, "--status"])).stdout).toMatch(/applied {2}0003_archon_pages/);
      const failed = await tsx(["--database-url", "postgres://u:supersecret@127.0.0.1:1/x"]).catch((e) => e);
      expect(failed.code).toBe(1);
      expect(`${failed.stdout}${failed.stderr}`).toMatch(/Migration failed/);
      expect(`${failed.stdout}${failed.stderr}`).not.toContain("supersecret");
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 180_000);
});

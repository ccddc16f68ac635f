// Shared by this package's tests: whether a PostgreSQL server is there, one migrated PGlite database per test file,
// and resetting a migrated database between conformance tests.
import pg from "pg";
import { afterAll } from "vitest";
import { type Db, fromPglite } from "./db.js";
import { migrate } from "./migrate.js";
import { openPglite } from "./pglite.js";

/** Why a PostgreSQL suite cannot run at `url` (none given, no server, no pgvector), or `undefined` when it can. */
export async function probePostgres(url: string | undefined): Promise<string | undefined> {
  if (!url) return "TEST_DATABASE_URL / DATABASE_URL not set";
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const { rows } = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
    return rows.length === 0 ? "the server has no pgvector extension" : undefined;
  } catch (error) {
    return `no PostgreSQL server reachable (${(error as Error).message.replace(/:\/\/[^@]*@/, "://***@")})`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Empties every table the store writes, except the embedding cache (it is meant to outlive sources). */
export async function resetDatabase(db: Db): Promise<void> {
  await db.exec(
    "TRUNCATE archon_crawled_pages, confluence_pages, confluence_sync_state, confluence_sources, archon_progress, " +
      "confluence_credentials, archon_sources CASCADE",
  );
}

/**
 * One migrated PGlite database for the calling test file: opened on first use, closed after the file's tests. Call at
 * the top level of the file.
 */
export function sharedPgliteDatabase(): () => Promise<Db> {
  let shared: Promise<Db> | null = null;
  afterAll(async () => {
    await (await shared)?.close();
  });
  return () => {
    shared ??= (async () => {
      const db = fromPglite(await openPglite(), { ownsDb: true });
      await migrate(db);
      return db;
    })();
    return shared;
  };
}

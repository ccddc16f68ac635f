/**
 * PostgreSQL helpers shared by the end-to-end suites and the benchmarks: every run works in a schema of its own
 * (pgvector stays in `public`), so concurrent suites on the same server never see each other's rows.
 */
import { createPgStore, fromPgPool, migrate, type PgKnowledgeStore } from "@archon/confluence-pg-store";
import pg from "pg";

/** `TEST_DATABASE_URL` or `DATABASE_URL`, if set. */
export const databaseUrl: string | undefined = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;

/** Hides the password of a connection string in messages. */
export const redactUrl = (text: string): string => text.replace(/:\/\/[^@/]*@/g, "://***@");

/** A fresh schema name, unique per process and call. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${Date.now().toString(36)}_${Math.floor(Math.random() * 1e6).toString(36)}`;
}

/** Why a PostgreSQL suite cannot run (no URL, no server, no pgvector), or `undefined` when it can. */
export async function probePostgres(url = databaseUrl): Promise<string | undefined> {
  if (!url) return "TEST_DATABASE_URL / DATABASE_URL not set";
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const { rows } = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
    return rows.length === 0 ? "the server has no pgvector extension" : undefined;
  } catch (error) {
    return `no PostgreSQL server reachable (${redactUrl((error as Error).message)})`;
  } finally {
    await client.end().catch(() => {});
  }
}

/** A pool whose connections see `schema` first, then `public` (where the vector extension lives). */
export function schemaPool(url: string, schema: string, max = 4): pg.Pool {
  if (!/^[a-z0-9_]+$/.test(schema)) throw new Error(`invalid schema name ${schema}`);
  return new pg.Pool({ connectionString: url, max, options: `-c search_path=${schema},public` });
}

/** Creates the schema and applies the migrations in it. */
export async function createMigratedSchema(url: string, schema: string): Promise<void> {
  const pool = schemaPool(url, schema, 1);
  try {
    await pool.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await migrate(fromPgPool(pool));
  } finally {
    await pool.end();
  }
}

export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await client.end();
  }
}

/** A store on the schema (already migrated) and a `close` that ends it and its pool. */
export async function openSchemaStore(
  url: string,
  schema: string,
  max = 4,
): Promise<{ store: PgKnowledgeStore; pool: pg.Pool; close: () => Promise<void> }> {
  const pool = schemaPool(url, schema, max);
  const store = await createPgStore({ pool, migrate: false });
  return { store, pool, close: () => pool.end() };
}

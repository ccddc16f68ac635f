// Shared by the worker's PostgreSQL tests and its benchmark: a schema per run (pg-boss, the worker tables and the
// store all live in it, through search_path), seeded sources, and worker child processes.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import { type ConfluenceCredentials, createSourceRecord } from "@archon/confluence-core";
import { createPgStore, fromPgPool, PgCredentialStore, type PgKnowledgeStore } from "@archon/confluence-pg-store";
import type { FakeConfluence } from "@archon/fake-confluence";
import pg from "pg";

export const adminUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
/** A fixed test key: 32 bytes, base64. */
export const secretKey = Buffer.alloc(32, 7).toString("base64");

/** Why PostgreSQL tests cannot run here, or `undefined` when they can. */
export async function probeDatabase(): Promise<string | undefined> {
  if (!adminUrl) return "TEST_DATABASE_URL / DATABASE_URL not set";
  const client = new pg.Client({ connectionString: adminUrl, connectionTimeoutMillis: 3000 });
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

/** One isolated database area: a schema, a connection string whose search_path points at it, a migrated store. */
export interface TestArea {
  readonly schema: string;
  readonly url: string;
  readonly pool: pg.Pool;
  readonly store: PgKnowledgeStore;
  readonly credentials: PgCredentialStore;
  drop(): Promise<void>;
}

export async function createArea(label: string): Promise<TestArea> {
  const schema = `archon_wk_${label}_${process.pid}_${randomBytes(3).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = withSearchPath(adminUrl as string, schema);
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  const store = await createPgStore({ pool });
  const credentials = new PgCredentialStore(fromPgPool(pool), [{ id: "test", key: Buffer.from(secretKey, "base64") }]);
  return {
    schema,
    url,
    pool,
    store,
    credentials,
    async drop() {
      await pool.query(`DROP SCHEMA ${schema} CASCADE`).catch(() => {});
      await pool.end();
    },
  };
}

/** The connection string with `search_path` set to `schema, public` (pgvector's types live in public). */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set("options", `-c search_path=${schema},public`);
  return parsed.toString();
}

/** Registers one source per fake space, with the fake's credentials (or `override`). */
export async function seedSources(
  area: TestArea,
  fake: FakeConfluence,
  keys: readonly string[],
  override?: ConfluenceCredentials,
): Promise<void> {
  const { email, apiToken } = fake.credentials as { email: string; apiToken: string };
  for (const key of keys) {
    const sourceId = key.toLowerCase();
    await area.store.upsertSource(
      createSourceRecord({ sourceId, baseUrl: fake.baseUrl, spaceKey: key, deployment: "cloud" }),
    );
    await area.credentials.put(sourceId, override ?? { type: "basic", email, apiToken });
  }
}

/** A worker in its own process (`worker-child.ts`); resolves once it takes jobs. */
export interface ChildWorker {
  readonly process: ChildProcess;
  readonly workerId: string;
  /** Resolves with the exit code or signal. */
  readonly exited: Promise<number | string | null>;
}

export function spawnWorker(area: Pick<TestArea, "url" | "schema">, env: Record<string, string>): Promise<ChildWorker> {
  const script = fileURLToPath(new URL("./worker-child.ts", import.meta.url));
  const tsconfig = fileURLToPath(new URL("../../../tsconfig.json", import.meta.url));
  const workerId = env.WORKER_ID ?? `child-${randomBytes(3).toString("hex")}`;
  // Node itself with tsx as a loader (not the tsx or npx CLIs, which run node as a grandchild), so a signal sent
  // to the child reaches the worker.
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    env: {
      ...process.env,
      TSX_TSCONFIG_PATH: tsconfig,
      WORKER_DB_URL: area.url,
      WORKER_SCHEMA: area.schema,
      ARCHON_CONFLUENCE_SECRET_KEY: secretKey,
      ARCHON_CONFLUENCE_SECRET_KEY_ID: "test",
      ...env,
      WORKER_ID: workerId,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const exited = new Promise<number | string | null>((resolve) =>
    child.once("close", (code, signal) => resolve(code ?? signal)),
  );
  let stderr = "";
  child.stderr?.on("data", (chunk) => {
    stderr = (stderr + String(chunk)).slice(-4000);
  });
  return new Promise((resolve, reject) => {
    let out = "";
    child.stdout?.on("data", (chunk) => {
      out += String(chunk);
      if (out.includes("worker ready")) resolve({ process: child, workerId, exited });
    });
    exited.then((code) => reject(new Error(`worker exited before it was ready (${code}): ${stderr}`)));
  });
}

/** Polls `check` until it returns a value, at most `timeoutMs`; throws saying what it waited for. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

// A sync worker process for the integration tests and the benchmark, configured by environment variables. Its
// attempts land in the worker's `sync_runs` table, stamped by the database clock while the source lock is held.
import { createConfluenceSource, HashingEmbedder } from "@archon/confluence-core";
import {
  createPgStore,
  fromPgPool,
  keyRingFromEnv,
  PgCredentialStore,
  PgProgressSink,
} from "@archon/confluence-pg-store";
import pg from "pg";
import { startSyncWorker } from "../src/index.js";

const env = (name: string, fallback?: string): string => {
  const value = process.env[name] ?? fallback;
  if (value === undefined) throw new Error(`${name} is required`);
  return value;
};

const url = env("WORKER_DB_URL");
const pool = new pg.Pool({ connectionString: url, max: 6 });
const db = fromPgPool(pool);
const store = await createPgStore({ pool, migrate: false });

const worker = await startSyncWorker({
  connectionString: url,
  schema: env("WORKER_SCHEMA"),
  workerId: env("WORKER_ID"),
  concurrency: Number(env("WORKER_CONCURRENCY", "2")),
  leaseSeconds: Number(env("WORKER_LEASE_SECONDS", "10")),
  superviseIntervalSeconds: 1,
  pollingIntervalSeconds: 0.5,
  retry: { limit: 3, delaySeconds: 1, maxDelaySeconds: 2 },
  rateLimit: process.env.WORKER_RATE ? { requestsPerSecond: Number(process.env.WORKER_RATE), burst: 20 } : false,
  store,
  credentials: new PgCredentialStore(db, keyRingFromEnv()),
  embedder: new HashingEmbedder({ dimensions: 384 }),
  sinks: [new PgProgressSink(db)],
  createSource: (config) =>
    createConfluenceSource({
      ...config,
      maxAttempts: 3,
      baseDelayMs: 50,
      pageSize: Number(env("WORKER_PAGE_SIZE", "250")),
    }),
  sync: { concurrency: 2, fetchBatchSize: Number(env("WORKER_FETCH_BATCH", "25")) },
});
process.once("SIGTERM", () => {
  worker
    .stop()
    .then(() => pool.end())
    .finally(() => process.exit(0));
});
console.log("worker ready");

// Runs the conformance suites against a real PostgreSQL server with pgvector (TEST_DATABASE_URL or DATABASE_URL;
// `.ci/setup-postgres.sh` provides one). Without a reachable server the suites are skipped, saying why.
import {
  axis,
  describeKnowledgeStore,
  describeProgressSink,
  makeChunk,
  makePage,
  makeSource,
} from "@archon/confluence-core/testing";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { buildDeferredIndexes } from "./bulk-load.js";
import { type Db, fromPgPool } from "./db.js";
import { migrate } from "./migrate.js";
import { PgKnowledgeStore } from "./pg-knowledge-store.js";
import { PgProgressSink } from "./progress-sink.js";
import { resetDatabase } from "./test-support.js";

const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
// Every run works in its own schema, so parallel runs and other tables in the database are left alone.
const schema = `archon_it_${process.pid}_${Date.now().toString(36)}`;

async function probe(): Promise<string | undefined> {
  if (!url) return "TEST_DATABASE_URL / DATABASE_URL not set";
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    const { rows } = await client.query("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'");
    if (rows.length === 0) return "the server has no pgvector extension";
    await client.query(`CREATE SCHEMA ${schema}`);
    return undefined;
  } catch (error) {
    return `no PostgreSQL server reachable (${(error as Error).message.replace(/:\/\/[^@]*@/, "://***@")})`;
  } finally {
    await client.end().catch(() => {});
  }
}

const skip = await probe();
if (skip) console.warn(`[pg-store] skipping PostgreSQL integration tests: ${skip}`);

let shared: Promise<{ db: Db; pool: pg.Pool }> | null = null;
function database() {
  shared ??= (async () => {
    const pool = new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema},public` });
    const db = fromPgPool(pool);
    await migrate(db);
    return { db, pool };
  })();
  return shared;
}

afterAll(async () => {
  if (!shared) return;
  const { db, pool } = await shared;
  await db.query(`DROP SCHEMA ${schema} CASCADE`);
  await pool.end();
});

describeKnowledgeStore(
  "PgKnowledgeStore on PostgreSQL",
  async () => {
    const { db } = await database();
    await resetDatabase(db);
    return new PgKnowledgeStore(db);
  },
  { dimensions: 384, alternateDimensions: 768, skip },
);

describeProgressSink(
  "PgProgressSink on PostgreSQL",
  async () => {
    const { db } = await database();
    await resetDatabase(db);
    return new PgProgressSink(db);
  },
  { skip },
);

describe.skipIf(skip !== undefined)(
  `PgKnowledgeStore on PostgreSQL: concurrency${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    it("serialises concurrent writes of one page: the last version wins whole, no error", async () => {
      const { db } = await database();
      await resetDatabase(db);
      const store = new PgKnowledgeStore(db);
      await store.upsertSource(makeSource("s"));
      const versions = [1, 2, 3, 4];
      await Promise.all(
        versions.map((version) =>
          store.writePage(
            makePage("s", "1", { version }),
            Array.from({ length: 3 + version }, (_, n) => makeChunk(n, `v${version} chunk ${n}`, axis(n, 384))),
          ),
        ),
      );
      const page = await store.getPage("s", "1");
      const chunks = await store.getChunks("s", "1");
      expect(versions).toContain(page?.version);
      expect(chunks).toHaveLength(3 + (page?.version ?? 0));
      expect(chunks.every((c) => c.content.startsWith(`v${page?.version} `))).toBe(true);
    });
  },
);

describe.skipIf(skip !== undefined)(
  `PgKnowledgeStore on PostgreSQL: one sync per source across processes${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    it("refuses a second lock from another pool, naming the process that runs the sync", async () => {
      const { db } = await database();
      await resetDatabase(db);
      // A second pool is what a second process (server and CLI, two servers) would have.
      const other = new pg.Pool({ connectionString: url, max: 2, options: `-c search_path=${schema},public` });
      try {
        const mine = new PgKnowledgeStore(db);
        const theirs = new PgKnowledgeStore(fromPgPool(other));
        await new PgProgressSink(db, { owner: "cli-host:777:abcdef12" }).handle({
          type: "sync-start",
          operationId: "op-cli",
          sourceId: "s",
          mode: "full",
          resumed: false,
          startedAt: new Date().toISOString(),
        });
        const lock = await mine.lockSource("s");
        expect("release" in lock).toBe(true);
        expect(await theirs.lockSource("s")).toEqual({
          heldBy: "process cli-host:777:abcdef12 (operation op-cli)",
        });
        const elsewhere = await theirs.lockSource("another-source");
        expect("release" in elsewhere).toBe(true);
        if ("release" in elsewhere) await elsewhere.release();
        if ("release" in lock) await lock.release();
        // The unlock runs on the lock's own connection once released; the next taker gets it then.
        let next = await theirs.lockSource("s");
        while (!("release" in next)) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          next = await theirs.lockSource("s");
        }
        await next.release();
      } finally {
        await other.end();
      }
    });
  },
);

describe.skipIf(skip !== undefined)(
  `PgKnowledgeStore on PostgreSQL: a first load's deferred indexes${skip ? ` (skipped: ${skip})` : ""}`,
  () => {
    it("builds each once and forgets it, when two builds run at the same time", async () => {
      const { db } = await database();
      await db.exec("SELECT confluence_build_deferred_indexes(NULL)");
      await resetDatabase(db);
      const store = new PgKnowledgeStore(db);
      await store.upsertSource(makeSource("s"));
      await store.beginBulkLoad({ sourceId: "s", pages: 500, embeddingModel: "conformance:model-a", dimensions: 384 });
      const deferred = await db.query<{ index_name: string }>(
        "SELECT index_name FROM confluence_deferred_indexes ORDER BY index_name",
      );
      const names = deferred.rows.map((row) => row.index_name);
      expect(names).toEqual([
        "confluence_chunk_embedding_384_hnsw",
        "confluence_chunk_search_vector_idx",
        "confluence_crawled_pages_search_idx",
      ]);
      await store.writePages(
        Array.from({ length: 20 }, (_, p) => ({
          page: makePage("s", String(p)),
          chunks: [makeChunk(0, `page ${p} words`, axis(p, 384)), makeChunk(1, `more of ${p}`, axis(p + 20, 384))],
        })),
      );
      // Two builders at once (two syncs ending together): every index built once, none counted twice.
      const counts = await Promise.all([buildDeferredIndexes(db), buildDeferredIndexes(db)]);
      expect(counts[0] + counts[1]).toBe(3);
      expect((await db.query("SELECT 1 FROM confluence_deferred_indexes")).rows).toEqual([]);
      const { rows } = await db.query<{ indexname: string }>(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname = ANY($1) ORDER BY indexname",
        [names],
      );
      expect(rows.map((row) => row.indexname)).toEqual(names);
      const hits = await store.search({ text: "page 7", embedding: axis(7, 384), limit: 1 });
      expect(hits[0]?.pageId).toBe("7");
    });
  },
);

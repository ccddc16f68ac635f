import type { BulkLoad } from "@archon/confluence-core";
import type { Db } from "./db.js";
import { buildPgliteDeferredHnsw } from "./pglite.js";
import { SUPPORTED_DIMENSIONS } from "./rows.js";

/**
 * Fewest pages a sync must expect to write before its vector indexes are built after the load instead of row by
 * row: below it, the rebuild would cost more than it saves.
 */
export const BULK_LOAD_MIN_PAGES = 200;

/** Fewest chunk rows written before the first ANALYZE of a load; later ones each time the rows written double. */
const FIRST_ANALYZE_ROWS = 1000;

/**
 * Whether any Confluence chunk or kept vector of the model and dimension exists. Uses the hash index's leading
 * columns and the cache's primary key, so it costs two index probes.
 */
export async function hasEmbeddings(db: Db, embeddingModel: string, dimensions: number): Promise<boolean> {
  const { rows } = await db.query(
    `SELECT EXISTS (SELECT 1 FROM archon_crawled_pages WHERE (metadata ->> 'confluence_page_id') IS NOT NULL
         AND embedding_model = $1 AND embedding_dimension = $2)
       OR EXISTS (SELECT 1 FROM confluence_embedding_cache WHERE embedding_model = $1 AND dimensions = $2) AS found`,
    [embeddingModel, dimensions],
  );
  return rows[0]?.found === true;
}

/**
 * Starts a bulk load. When the table holds no vector of the load's dimension yet and the load is large, the vector
 * indexes of that column are dropped, their definitions kept in `confluence_deferred_indexes` in the same
 * transaction (see migrations/0004_bulk_load.sql); into an empty table, the full-text index too (0010). Indexes a
 * crashed load left deferred stay deferred for a large load (it is that load resumed, or another first load) and are
 * built at once for a small one.
 * @returns whether vector indexes of the dimension are deferred now
 */
export async function beginBulkLoad(db: Db, load: BulkLoad): Promise<boolean> {
  // Vectors of another dimension cannot be stored at all; writing them fails with a clear error.
  const supported = (SUPPORTED_DIMENSIONS as readonly number[]).includes(load.dimensions);
  // A load whose listing still runs (`more`) is a first full sync already past its first listing batch: large enough.
  if ((load.pages < BULK_LOAD_MIN_PAGES && load.more !== true) || !supported) {
    await buildDeferredIndexes(db);
    return false;
  }
  const { rows } = await db.transaction(async (tx) => {
    // The full-text index first (it checks that the table is empty), then the vector indexes; the count is of both.
    await tx.query("SELECT confluence_defer_search_index($1)", [load.dimensions]);
    return tx.query<{ deferred: number }>("SELECT confluence_defer_indexes($1) AS deferred", [load.dimensions]);
  });
  return (rows[0]?.deferred ?? 0) > 0;
}

/**
 * Builds every deferred vector index in the transaction that forgets their definitions, and refreshes the
 * planner's statistics. A no-op (one query) when nothing is deferred.
 * @returns how many indexes were built
 */
export async function buildDeferredIndexes(db: Db): Promise<number> {
  const pending = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM confluence_deferred_indexes");
  if ((pending.rows[0]?.n ?? 0) === 0) return 0;
  const build = (parallel: boolean) =>
    db.transaction(async (tx) => {
      // An HNSW build is much faster when its graph fits in memory; PGlite's heap is the process's own, so less.
      const memory = tx.kind === "pglite" ? "128MB" : "512MB";
      await tx.query(`SET LOCAL maintenance_work_mem = '${memory}'`);
      if (tx.kind === "pg") {
        // The load is over and the server idle: let the build use parallel workers (as many as the server's
        // max_parallel_maintenance_workers allows) whatever the table's size, or none after a failed attempt.
        await tx.query(
          parallel ? "SET LOCAL min_parallel_table_scan_size = 0" : "SET LOCAL max_parallel_maintenance_workers = 0",
        );
      }
      await buildPgliteDeferredHnsw(tx);
      const { rows } = await tx.query<{ built: number }>("SELECT confluence_build_deferred_indexes(NULL) AS built");
      return rows[0]?.built ?? 0;
    });
  let built: number;
  try {
    built = await build(db.kind === "pg");
  } catch (error) {
    // A parallel build keeps its graph in shared memory, which a container's small /dev/shm may refuse.
    if (db.kind !== "pg" || !isSharedMemoryError(error)) throw error;
    built = await build(false);
  }
  await db.exec("ANALYZE archon_crawled_pages, confluence_chunk_search");
  return built;
}

/** PostgreSQL's "could not resize shared memory segment" (and other out-of-shared-memory errors). */
export function isSharedMemoryError(error: unknown): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (
    code === "53100" ||
    code === "53200" ||
    (typeof message === "string" && /shared memory|dynamic shared memory/i.test(message))
  );
}

/**
 * Keeps the planner's statistics in step while a table grows from nothing: a table never analyzed makes the
 * planner misjudge the hash lookups of `findEmbeddings`. Autovacuum does this on a server only after a delay, and
 * PGlite has no autovacuum at all.
 */
export class AnalyzeSchedule {
  #written = 0;
  #next = FIRST_ANALYZE_ROWS;
  #running: Promise<void> | null = null;

  /** Counts rows written; runs ANALYZE (one at a time) when their number reached the next threshold. */
  async wrote(db: Db, rows: number): Promise<void> {
    this.#written += rows;
    if (this.#written < this.#next || this.#running) return;
    this.#next = this.#written * 2;
    this.#running = db.exec("ANALYZE archon_crawled_pages, confluence_chunk_search, confluence_pages").finally(() => {
      this.#running = null;
    });
    await this.#running;
  }
}

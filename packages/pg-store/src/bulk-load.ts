import type { BulkLoad } from "@archon/confluence-core";
import type { Db } from "./db.js";
import { buildPgliteDeferredHnsw } from "./pglite.js";
import { SUPPORTED_DIMENSIONS } from "./rows.js";

/**
 * Fewest pages a sync must expect to write before its vector indexes are built after the load instead of row by
 * row: below it, the rebuild would cost more than it saves.
 */
export const BULK_LOAD_MIN_PAGES = 200;

/** The tables a load grows, whose planner statistics the store keeps in step. */
const ANALYZED_TABLES = ["archon_crawled_pages", "confluence_chunk_search", "confluence_pages"];

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
 * Index builds a server runs at once after a load. The HNSW build (with its parallel workers) is the longest; the
 * full-text builds run beside it instead of after it, and the cores stay busy to the end.
 */
const SERVER_BUILD_LANES = 2;

/**
 * Builds every deferred index and forgets its definition, then refreshes the planner's statistics. On a server each
 * index is built in a transaction of its own, two at a time (graph indexes first); PGlite, one connection, builds
 * them all in one transaction. Either way a crash leaves each index built or still recorded. A no-op (one query)
 * when nothing is deferred.
 * @returns how many indexes were built
 */
export async function buildDeferredIndexes(db: Db): Promise<number> {
  const { rows: pending } = await db.query<{ index_name: string; definition: string }>(
    "SELECT index_name, definition FROM confluence_deferred_indexes ORDER BY index_name",
  );
  if (pending.length === 0) return 0;
  let built = 0;
  if (db.kind === "pglite") {
    built = await db.transaction(async (tx) => {
      // An HNSW build is much faster when its graph fits in memory; PGlite's heap is the process's own, so less.
      await tx.query("SET LOCAL maintenance_work_mem = '128MB'");
      await buildPgliteDeferredHnsw(tx);
      const { rows } = await tx.query<{ built: number }>("SELECT confluence_build_deferred_indexes(NULL) AS built");
      return rows[0]?.built ?? 0;
    });
  } else {
    const queue = [...pending].sort((a, b) => Number(isGraphIndex(b.definition)) - Number(isGraphIndex(a.definition)));
    let failed = false;
    const lane = async () => {
      for (let next = queue.shift(); next && !failed; next = queue.shift()) {
        try {
          const count = await buildOnServer(db, next);
          built += count;
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    };
    // After a failure no lane takes another index, and the call ends once the other lane's build has ended too.
    const lanes = await Promise.allSettled(Array.from({ length: Math.min(SERVER_BUILD_LANES, queue.length) }, lane));
    for (const outcome of lanes) if (outcome.status === "rejected") throw outcome.reason;
  }
  // One table each, side by side on a server.
  await Promise.all(ANALYZED_TABLES.map((table) => db.exec(`ANALYZE ${table}`)));
  return built;
}

/** The access method of an index definition as `pg_get_indexdef` gives it (`hnsw`, `gin`, ...). */
const indexMethod = (definition: string) => /\sUSING\s+(\w+)\s*\(/i.exec(definition)?.[1]?.toLowerCase();
const isGraphIndex = (definition: string) => ["hnsw", "ivfflat"].includes(indexMethod(definition) ?? "");

/**
 * Builds one deferred index on a server and forgets it, in one transaction. The shared advisory lock lets builds run
 * side by side while keeping out `confluence_defer_indexes` and `confluence_build_deferred_indexes` (which take it
 * exclusively); the record's row lock makes a second builder of the same index wait, then find it gone.
 * @returns 1 when this call built (or found built) and forgot the index, 0 when another build did
 */
async function buildOnServer(db: Db, index: { index_name: string }): Promise<number> {
  const build = (parallel: boolean) =>
    db.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock_shared(4242018)");
      const { rows } = await tx.query<{ definition: string; dimensions: number; present: boolean }>(
        "SELECT definition, dimensions, to_regclass(index_name) IS NOT NULL AS present FROM confluence_deferred_indexes " +
          "WHERE index_name = $1 FOR UPDATE",
        [index.index_name],
      );
      const record = rows[0];
      if (!record) return 0;
      if (!record.present) {
        // The load is over: let the build use parallel workers (as many as the server's
        // max_parallel_maintenance_workers allows) whatever the table's size, or none after a failed attempt.
        const memory =
          indexMethod(record.definition) === "hnsw"
            ? await hnswBuildMemory(tx, record.dimensions)
            : isGraphIndex(record.definition)
              ? "512MB"
              : "128MB";
        await tx.exec(
          `SET LOCAL maintenance_work_mem = '${memory}'; ` +
            (parallel
              ? "SET LOCAL min_parallel_table_scan_size = 0"
              : "SET LOCAL max_parallel_maintenance_workers = 0"),
        );
        await tx.exec(record.definition);
      }
      await tx.query("DELETE FROM confluence_deferred_indexes WHERE index_name = $1", [index.index_name]);
      return 1;
    });
  try {
    return await build(true);
  } catch (error) {
    // A parallel build keeps its graph in shared memory, which a container's small /dev/shm may refuse.
    if (!isSharedMemoryError(error)) throw error;
    return build(false);
  }
}

/**
 * Bytes of an HNSW graph element besides its vector, with room to spare: pgvector's element, its neighbour lists
 * (2m at layer 0) and heap ids. 14,550 vectors of 384 dimensions needed more than 40 MB and less than 64 MB.
 */
const HNSW_ELEMENT_BYTES = 2048;
const MIN_HNSW_BUILD_MB = 64;
const MAX_HNSW_BUILD_MB = 512;

/**
 * `maintenance_work_mem` for an HNSW build over the stored vectors of `dimensions`: room for the whole graph with a
 * margin (pgvector builds much faster when it fits), from 64 MB up to 512 MB, and no more than that: a parallel build
 * first zero-fills all of it in shared memory (a build of 14,550 vectors took 7.1 s with 512 MB, 5.4 s with 80 MB).
 */
export async function hnswBuildMemory(db: Db, dimensions: number): Promise<string> {
  const { rows } = await db.query<{ n: string | number }>(
    "SELECT count(*) AS n FROM archon_crawled_pages WHERE embedding_dimension = $1",
    [dimensions],
  );
  const bytes = Number(rows[0]?.n ?? 0) * (dimensions * 4 + HNSW_ELEMENT_BYTES) * 1.5;
  return `${Math.min(MAX_HNSW_BUILD_MB, Math.max(MIN_HNSW_BUILD_MB, Math.ceil(bytes / 2 ** 20)))}MB`;
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
  /** Sources whose bulk load deferred indexes: its end analyzes every table fully, so the ANALYZEs until then sample less. */
  readonly #loads = new Set<string>();

  /** A bulk load that deferred indexes started for the source. */
  loadStarted(sourceId: string): void {
    this.#loads.add(sourceId);
  }

  /** The source's bulk load ended (its deferred indexes were built and the tables analyzed). */
  loadEnded(sourceId: string): void {
    this.#loads.delete(sourceId);
  }

  /**
   * Counts rows written; runs ANALYZE (one at a time) when their number reached the next threshold. During a bulk
   * load it samples {@link LOAD_STATISTICS_TARGET} per column instead of the server's default (a quarter of the
   * time or less): the writes only need row counts and rough distributions, and the load's end analyzes again.
   */
  async wrote(db: Db, rows: number): Promise<void> {
    this.#written += rows;
    if (this.#written < this.#next || this.#running) return;
    this.#next = this.#written * 2;
    const analyze = `ANALYZE ${ANALYZED_TABLES.join(", ")}`;
    const run =
      this.#loads.size > 0
        ? db.transaction((tx) => tx.exec(`SET LOCAL default_statistics_target = ${LOAD_STATISTICS_TARGET}; ${analyze}`))
        : db.exec(analyze);
    this.#running = run.finally(() => {
      this.#running = null;
    });
    await this.#running;
  }
}

/** Statistics target of the ANALYZEs run while a bulk load writes (PostgreSQL's default is 100). */
export const LOAD_STATISTICS_TARGET = 10;

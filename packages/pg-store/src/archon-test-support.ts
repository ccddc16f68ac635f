// Shared by the Archon integration suites: Archon's own database setup (its complete_setup.sql, kept outside this
// repository) and Archon's read path, called as Archon's Python code calls it through Supabase.
import { existsSync, readFileSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { toSql } from "pgvector";
import { type Db, fromPgPool } from "./db.js";
import { probePostgres } from "./test-support.js";

const REPO_ROOT = fileURLToPath(new URL("../../../", import.meta.url));
/** Archon v1's schema and read path; `ARCHON_FIXTURES_DIR` overrides where they are. */
export const ARCHON_FIXTURES = process.env.ARCHON_FIXTURES_DIR ?? resolve(REPO_ROOT, "../shared/fixtures/archon");
export const SETUP_SQL = resolve(ARCHON_FIXTURES, "complete_setup.sql");
const url = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;

/** Why the suites cannot run here, or `undefined`. */
export async function archonSkipReason(): Promise<string | undefined> {
  if (!existsSync(SETUP_SQL)) return `Archon's complete_setup.sql not found at ${SETUP_SQL} (../shared is absent)`;
  return probePostgres(url);
}

/**
 * Archon's complete_setup.sql without its row-level-security policies, which name Supabase roles and functions
 * (`auth.role()`, `authenticated`) that plain PostgreSQL lacks; everything else runs as written.
 */
export function archonSetupSql(): string {
  return readFileSync(SETUP_SQL, "utf8").replace(/^\s*(CREATE|DROP) POLICY[\s\S]*?;[ \t]*$/gm, "");
}

/** A database of its own: a fresh schema first on the search path, dropped by `drop()`. */
export interface TestDatabase {
  readonly db: Db;
  readonly pool: pg.Pool;
  readonly schema: string;
  /** New connections, which see database settings made since (`ALTER DATABASE ... SET`). */
  reconnect(): Promise<void>;
  drop(): Promise<void>;
}

let counter = 0;
export async function createTestDatabase(label: string): Promise<TestDatabase> {
  const schema = `archon_${label}_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const open = () => new pg.Pool({ connectionString: url, max: 4, options: `-c search_path=${schema},public` });
  let pool = open();
  let db = fromPgPool(pool);
  return {
    get db() {
      return db;
    },
    get pool() {
      return pool;
    },
    schema,
    async reconnect() {
      await pool.end();
      pool = open();
      db = fromPgPool(pool);
    },
    async drop() {
      await db.query(`DROP SCHEMA ${schema} CASCADE`);
      await pool.end();
    },
  };
}

/** One row of Archon's `match_archon_crawled_pages` / `hybrid_search_archon_crawled_pages`. */
export interface ArchonChunk {
  readonly id: string;
  readonly url: string;
  readonly chunk_number: number;
  readonly content: string;
  readonly metadata: Record<string, unknown>;
  readonly source_id: string;
  readonly similarity: number;
  readonly match_type?: string;
}

/**
 * `BaseSearchStrategy.vector_search`: `rpc("match_archon_crawled_pages", {query_embedding, match_count, filter})`,
 * plus `source_filter` (with an empty filter) when a source is given; results under similarity 0.05 are dropped.
 */
export async function archonVectorSearch(
  db: Db,
  embedding: readonly number[],
  matchCount: number,
  source?: string,
): Promise<ArchonChunk[]> {
  const { rows } =
    source === undefined
      ? await db.query<ArchonChunk>(
          "SELECT * FROM match_archon_crawled_pages(query_embedding => $1, match_count => $2, filter => $3)",
          [toSql([...embedding]), matchCount, {}],
        )
      : await db.query<ArchonChunk>(
          "SELECT * FROM match_archon_crawled_pages(query_embedding => $1, match_count => $2, " +
            "source_filter => $3, filter => $4)",
          [toSql([...embedding]), matchCount, source, {}],
        );
  return rows.filter((row) => Number(row.similarity) >= 0.05);
}

/** `HybridSearchStrategy.search_documents_hybrid`: every parameter named, `source_filter` possibly null. */
export async function archonHybridSearch(
  db: Db,
  query: string,
  embedding: readonly number[],
  matchCount: number,
  source: string | null = null,
): Promise<ArchonChunk[]> {
  const { rows } = await db.query<ArchonChunk>(
    "SELECT * FROM hybrid_search_archon_crawled_pages(query_embedding => $1, query_text => $2, " +
      "match_count => $3, filter => $4, source_filter => $5)",
    [toSql([...embedding]), query, matchCount, {}, source],
  );
  return rows;
}

/** `RAGService._group_chunks_by_pages`: the page row behind a chunk's `metadata.page_id` (a uuid column). */
export async function archonPageById(db: Db, pageId: string) {
  const { rows } = await db.query<{ id: string; url: string; section_title: string | null; word_count: number }>(
    "SELECT id, url, section_title, word_count FROM archon_page_metadata WHERE id = $1",
    [pageId],
  );
  return rows[0] ?? null;
}

/** Exact top-k ids on `embedding_1536` (ordered by an expression no index serves): what recall is measured against. */
export async function exactTopIds(db: Db, embedding: readonly number[], k: number, source?: string) {
  const { rows } = await db.query<{ id: string }>(
    `SELECT id FROM archon_crawled_pages WHERE embedding_1536 IS NOT NULL AND ($2::text IS NULL OR source_id = $2)
     ORDER BY (embedding_1536 <=> $1) + 0.0, id LIMIT ${k}`,
    [toSql([...embedding]), source ?? null],
  );
  return rows.map((row) => String(row.id));
}

/** The plan of the statement Archon's `match_archon_crawled_pages_multi` builds for `embedding_1536`. */
export async function archonVectorPlan(db: Db, embedding: readonly number[], matchCount: number): Promise<string> {
  const { rows } = await db.query<{ "QUERY PLAN": string }>(
    `EXPLAIN SELECT id, url, chunk_number, content, metadata, source_id, 1 - (embedding_1536 <=> $1) AS similarity
     FROM archon_crawled_pages WHERE (embedding_1536 IS NOT NULL) AND metadata @> $3 AND ($4::text IS NULL OR source_id = $4)
     ORDER BY embedding_1536 <=> $1 LIMIT $2`,
    [toSql([...embedding]), matchCount, {}, null],
  );
  return rows.map((row) => row["QUERY PLAN"]).join("\n");
}

import {
  ConfluenceSyncError,
  type NormalizedSearch,
  normalizeSearchQuery,
  RRF_K,
  type SearchHit,
  type SearchQuery,
} from "@archon/confluence-core";
import { toSql } from "pgvector";
import type { Db } from "./db.js";
import { listedPageConditions, type PageFilter, pageConditions, resolvePageFilter } from "./page-filter.js";
import { checkSearchPrincipal, principalConditions } from "./readers.js";
import { checkSupportedDimension, vectorDistance } from "./rows.js";
import { CHUNK_CONTENT_TYPE, CHUNKS_WITH_PAGES, filterConditions, IS_CONFLUENCE_CHUNK, Params } from "./sql.js";

const TIE = `s.sid COLLATE "C", s.pid COLLATE "C", s.cn`;

/**
 * Smallest `hnsw.ef_search` of the vector leg (raised to the leg's candidates when more). pgvector's default of 40
 * found 0.93-0.98 of the exact top 10 at 100,000 chunks depending on the graph; 100 keeps recall@10 above 0.95.
 */
export const HNSW_EF_SEARCH = 100;

/** How the keyword leg reads its matches; only benchmarks choose anything but the default. */
export interface KeywordLegOptions {
  /**
   * `narrow`: rank on `confluence_chunk_search` (migration 0013), a copy of each chunk's tsvector beside the few
   * columns ranking and the chunk-level filters read. `wide`: rank on `archon_crawled_pages` itself, as before that
   * table existed; same hits, more pages read. @default "narrow"
   */
  readonly table?: "narrow" | "wide";
  /** Most matches the `wide` leg ranks (the first ones found); exact ranking when absent. */
  readonly rankLimit?: number;
  /**
   * How the `narrow` leg applies page-level conditions (space, labels, subtree, author, update time, principal):
   * `resolve` them to page ids first and check each match by hash lookup, or `join` the page row of every match.
   * Same hits either way. `auto` resolves when the search has a subtree (`pathPrefix`) or a principal, whose
   * per-match join is the costly one, and joins otherwise (space, label, author and update-time conditions read
   * the page row cheaply, and resolving costs a pass over the pages first). @default "auto"
   */
  readonly pages?: "auto" | "resolve" | "join";
}

/**
 * Hybrid search: the vector leg is an `ORDER BY distance LIMIT k` subquery the HNSW index serves, the keyword
 * leg ranks every chunk matching `websearch_to_tsquery` by `ts_rank` on the narrow, GIN-indexed
 * `confluence_chunk_search`, and the legs are fused by Reciprocal Rank Fusion.
 */
export async function searchChunks(
  db: Db,
  query: SearchQuery,
  options: { keyword?: KeywordLegOptions; efSearch?: number } = {},
): Promise<SearchHit[]> {
  const q = normalizeSearchQuery(query);
  await checkSearchPrincipal(db, q.principal, q.filters.sourceIds);
  if (q.embedding) await checkQueryDimension(db, q.embedding.length, q.embeddingModel);
  const vector = q.mode === "keyword" ? null : await vectorFeatures(db);
  const wide = options.keyword?.table === "wide";
  // The narrow leg resolves the page-level conditions first, in the snapshot its search then reads.
  const filtered = q.mode !== "vector" && !wide && pageConditions(q, new Params()).length > 0;
  const pagesMode = options.keyword?.pages ?? "auto";
  const resolve =
    filtered &&
    (pagesMode === "resolve" || (pagesMode === "auto" && (q.filters.pathPrefix !== undefined || q.principal !== null)));
  // One round trip for the settings: a snapshot shared by the page filter and the search when the filter is
  // resolved; ef_search must cover k, and relaxed iterative scans keep filtered vector searches from coming back short.
  const settings: string[] = resolve ? ["SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"] : [];
  if (vector) {
    settings.push(
      `SET LOCAL hnsw.ef_search = ${Math.trunc(Math.max(options.efSearch ?? HNSW_EF_SEARCH, q.candidates))}`,
    );
    if (vector.iterativeScan) settings.push("SET LOCAL hnsw.iterative_scan = relaxed_order");
  }
  const run = async (tx: Db) => {
    if (settings.length > 0) await tx.exec(settings.join("; "));
    const pages: PageFilter | null = resolve ? await resolvePageFilter(tx, q) : filtered ? { kind: "join" } : null;
    const params = new Params();
    const ctes: string[] = [];
    if (vector) ctes.push(`v AS (${vectorLeg(q, params, vector.halfvec)})`);
    if (q.mode !== "vector") {
      const keyword = wide ? wideKeywordLeg(q, params, options.keyword?.rankLimit) : keywordLeg(q, params, pages);
      ctes.push(`k AS (${keyword})`);
    }
    return (await tx.query(fusedSql(q, ctes), params.values)).rows;
  };
  const rows = await db.transaction(run);
  return rows.map((row) => ({
    sourceId: row.source_id as string,
    pageId: row.page_id as string,
    chunkNumber: row.chunk_number as number,
    title: row.title as string,
    url: row.web_url as string,
    breadcrumb: (row.breadcrumb as string[]) ?? [],
    content: row.content as string,
    contentType: row.content_type as SearchHit["contentType"],
    score: Number(row.score),
    matched: { vector: row.vm as boolean, keyword: row.km as boolean },
  }));
}

/** The legs' CTEs fused (Reciprocal Rank Fusion for hybrid), joined to their chunks and pages, best `limit` first. */
function fusedSql(q: NormalizedSearch, ctes: string[]): string {
  let fused: string;
  if (q.mode === "vector") fused = "SELECT id, 1 - distance AS score, TRUE AS vm, FALSE AS km FROM v";
  else if (q.mode === "keyword") fused = "SELECT id, rank_score AS score, FALSE AS vm, TRUE AS km FROM k";
  else {
    fused =
      `SELECT COALESCE(v.id, k.id) AS id, ` +
      `COALESCE(1.0::float8 / (${RRF_K} + v.rank), 0) + COALESCE(1.0::float8 / (${RRF_K} + k.rank), 0) AS score, ` +
      "v.id IS NOT NULL AS vm, k.id IS NOT NULL AS km FROM v FULL OUTER JOIN k ON v.id = k.id";
  }
  return (
    `WITH ${ctes.join(", ")}, f AS (${fused}) ` +
    "SELECT c.source_id, c.metadata ->> 'confluence_page_id' AS page_id, c.chunk_number, p.title, p.web_url, " +
    `c.metadata -> 'breadcrumb' AS breadcrumb, c.content, ${CHUNK_CONTENT_TYPE} AS content_type, f.score, f.vm, f.km ` +
    `FROM f JOIN ${CHUNKS_WITH_PAGES} ON c.id = f.id ` +
    `ORDER BY f.score DESC, c.source_id COLLATE "C", (c.metadata ->> 'confluence_page_id') COLLATE "C", c.chunk_number ` +
    `LIMIT ${q.limit}`
  );
}

interface VectorFeatures {
  /** `halfvec` exists (pgvector 0.7+): the 3,072 column is indexed through it. */
  readonly halfvec: boolean;
  /** `hnsw.iterative_scan` exists (pgvector 0.8+); older versions reject the setting. */
  readonly iterativeScan: boolean;
}

const features = new WeakMap<Db, Promise<VectorFeatures>>();
function vectorFeatures(db: Db): Promise<VectorFeatures> {
  let known = features.get(db);
  if (!known) {
    known = db
      .query<{ version: string | null; halfvec: boolean }>(
        "SELECT (SELECT extversion FROM pg_extension WHERE extname = 'vector') AS version, " +
          "to_regtype('halfvec') IS NOT NULL AS halfvec",
      )
      .then(({ rows }) => {
        const [major = 0, minor = 0] = (rows[0]?.version ?? "0.0").split(".").map(Number);
        return { halfvec: Boolean(rows[0]?.halfvec), iterativeScan: major > 0 || minor >= 8 };
      });
    features.set(db, known);
  }
  return known;
}

function vectorLeg(q: NormalizedSearch, params: Params, halfvec: boolean): string {
  const embedding = q.embedding as readonly number[];
  const distance = vectorDistance(embedding.length, params.add(toSql([...embedding])), halfvec);
  const where = [
    IS_CONFLUENCE_CHUNK,
    `c.embedding_dimension = ${embedding.length}`,
    ...filterConditions(q.filters, params),
    ...principalConditions(q.principal, params),
  ];
  if (q.embeddingModel !== null) where.push(`c.embedding_model = ${params.add(q.embeddingModel)}`);
  const inner =
    `SELECT c.id, c.source_id AS sid, c.metadata ->> 'confluence_page_id' AS pid, c.chunk_number AS cn, ${distance} AS distance ` +
    `FROM ${CHUNKS_WITH_PAGES} WHERE ${where.join(" AND ")} ORDER BY distance LIMIT ${q.candidates}`;
  return `SELECT s.id, s.distance, row_number() OVER (ORDER BY s.distance, ${TIE}) AS rank FROM (${inner}) s`;
}

/**
 * The keyword leg: every match ranked by `ts_rank`, on `confluence_chunk_search` (`c`), whose rows are narrow and
 * hold a copy of each chunk's tsvector (uncompressed unless the row would pass 2 KB), so ranking a query of common
 * words reads a fraction of the pages the chunk table would need and mostly decompresses nothing. Page-level
 * conditions come resolved (`pages`, see {@link resolvePageFilter}) as lists of page ids checked by hash lookup, so no
 * page row is read per match; only a filter too broad to list (`join`) joins the page row of each match. Every
 * stored chunk has its page, written and deleted in the same transaction.
 */
function keywordLeg(q: NormalizedSearch, params: Params, pages: PageFilter | null): string {
  const query = `websearch_to_tsquery('english', ${params.add(q.text)})`;
  const { sourceIds, contentTypes } = q.filters;
  const conditions = filterConditions({ sourceIds, contentTypes }, params, "c.content_type");
  let join = "";
  if (pages?.kind === "join") {
    conditions.push(...pageConditions(q, params));
    join = " JOIN confluence_pages p ON p.source_id = c.source_id AND p.page_id = c.page_id";
  } else if (pages) conditions.push(...listedPageConditions(pages, params));
  const inner =
    `SELECT c.id, c.source_id AS sid, c.page_id AS pid, c.chunk_number AS cn, ts_rank(c.search_vector, ${query})::float8 AS rank_score ` +
    `FROM confluence_chunk_search c${join} WHERE ${[`c.search_vector @@ ${query}`, ...conditions].join(" AND ")} ` +
    `ORDER BY rank_score DESC, c.source_id COLLATE "C", c.page_id COLLATE "C", c.chunk_number LIMIT ${q.candidates}`;
  return `SELECT s.id, s.rank_score, row_number() OVER (ORDER BY s.rank_score DESC, ${TIE}) AS rank FROM (${inner}) s`;
}

/** The keyword leg on `archon_crawled_pages` itself (the reference the benchmark compares with), ranking at most `rankLimit` matches. */
function wideKeywordLeg(q: NormalizedSearch, params: Params, rankLimit = Number.POSITIVE_INFINITY): string {
  const query = `websearch_to_tsquery('english', ${params.add(q.text)})`;
  const where = [
    IS_CONFLUENCE_CHUNK,
    `c.content_search_vector @@ ${query}`,
    ...filterConditions(q.filters, params),
    ...principalConditions(q.principal, params),
  ];
  const matches =
    "SELECT c.id, c.source_id AS sid, c.metadata ->> 'confluence_page_id' AS pid, c.chunk_number AS cn, " +
    `c.content_search_vector AS tsv FROM ${CHUNKS_WITH_PAGES} WHERE ${where.join(" AND ")}` +
    (Number.isFinite(rankLimit) ? ` LIMIT ${rankLimit}` : "");
  const inner =
    `SELECT m.id, m.sid, m.pid, m.cn, ts_rank(m.tsv, ${query})::float8 AS rank_score FROM (${matches}) m ` +
    `ORDER BY rank_score DESC, m.sid COLLATE "C", m.pid COLLATE "C", m.cn LIMIT ${q.candidates}`;
  return `SELECT s.id, s.rank_score, row_number() OVER (ORDER BY s.rank_score DESC, ${TIE}) AS rank FROM (${inner}) s`;
}

/** Throws `EMBED_DIMENSION_MISMATCH` when stored vectors (of the model, when given) have another dimension. */
async function checkQueryDimension(db: Db, dimensions: number, model: string | null): Promise<void> {
  checkSupportedDimension(dimensions, "the query embedding");
  const modelCondition = model === null ? "" : " AND embedding_model = $2";
  const params = model === null ? [dimensions] : [dimensions, model];
  const base = `SELECT embedding_dimension FROM archon_crawled_pages WHERE (metadata ->> 'confluence_page_id') IS NOT NULL${modelCondition}`;
  const same = await db.query(`${base} AND embedding_dimension = $1 LIMIT 1`, params);
  if (same.rows.length > 0) return;
  const other = await db.query<{ embedding_dimension: number }>(
    `(${base} AND embedding_dimension < $1 LIMIT 1) UNION ALL (${base} AND embedding_dimension > $1 LIMIT 1)`,
    params,
  );
  const stored = other.rows[0]?.embedding_dimension;
  if (stored !== undefined) {
    throw new ConfluenceSyncError(
      "EMBED_DIMENSION_MISMATCH",
      `the query embedding has ${dimensions} dimensions, but the store holds ${stored}-dimension vectors` +
        (model ? ` for model ${model}` : "") +
        ". Embed the query with the model that indexed the pages.",
    );
  }
}

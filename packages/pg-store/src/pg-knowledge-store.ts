import {
  type BulkLoad,
  type ChunkRecord,
  ConfluenceSyncError,
  checkLimit,
  decodeListCursor,
  encodeListCursor,
  type KnowledgeStore,
  type PageList,
  type PageListQuery,
  type PagePlacement,
  type PageReaders,
  type PageRecord,
  type PageWrite,
  type SearchHit,
  type SearchQuery,
  type SourceLock,
  type SourceRecord,
  type StoredPageState,
  type SyncMetrics,
  type SyncState,
  stripNulDeep,
} from "@archon/confluence-core";
import { type ArchonSearchCheck, checkArchonSearch } from "./archon-compat.js";
import { deleteArchonPages, refreshArchonSource, updateArchonPlacements } from "./archon-pages.js";
import { AnalyzeSchedule, beginBulkLoad, buildDeferredIndexes, hasEmbeddings } from "./bulk-load.js";
import type { Db } from "./db.js";
import { Hierarchy } from "./hierarchy.js";
import { getPageReaders, setPageReaders } from "./readers.js";
import {
  isoParam,
  PAGE_COLUMNS,
  parseVector,
  toChunkRecord,
  toIso,
  toPageRecord,
  toPageSummary,
  toSourceRecord,
} from "./rows.js";
import { searchChunks } from "./search.js";
import { lockSource } from "./source-lock.js";
import { SOURCE_COLUMNS, upsertSource } from "./sources.js";
import { Params, pathCondition } from "./sql.js";
import { cacheBeforeDelete, writePages } from "./write-page.js";

/**
 * {@link KnowledgeStore} on PostgreSQL + pgvector (node-postgres) or PGlite, on Archon's schema: sources in
 * `archon_sources`, chunks in `archon_crawled_pages`, pages in `confluence_pages`. Run {@link migrate} first
 * (`createPgStore` and `createPgliteStore` do).
 */
export class PgKnowledgeStore extends Hierarchy implements KnowledgeStore {
  readonly #analyze = new AnalyzeSchedule();

  constructor(readonly db: Db) {
    super(db);
  }

  upsertSource(source: SourceRecord): Promise<void> {
    return upsertSource(this.db, source);
  }

  async getSource(sourceId: string): Promise<SourceRecord | null> {
    const { rows } = await this.db.query(`SELECT ${SOURCE_COLUMNS} FROM confluence_sources WHERE source_id = $1`, [
      sourceId,
    ]);
    return rows[0] ? toSourceRecord(rows[0]) : null;
  }

  async listSources(): Promise<SourceRecord[]> {
    const { rows } = await this.db.query(
      `SELECT ${SOURCE_COLUMNS} FROM confluence_sources ORDER BY source_id COLLATE "C"`,
    );
    return rows.map(toSourceRecord);
  }

  /** Removes the Confluence source with its pages, chunks, sync state and progress; other sources stay. */
  async deleteSource(sourceId: string): Promise<void> {
    await this.db.transaction(async (tx) => {
      const owned = await tx.query("SELECT 1 FROM confluence_sources WHERE source_id = $1", [sourceId]);
      if (owned.rows.length === 0) return;
      await cacheBeforeDelete(tx, "source_id = $1", [sourceId]);
      await tx.query("DELETE FROM archon_crawled_pages WHERE source_id = $1", [sourceId]);
      await tx.query("DELETE FROM archon_progress WHERE source_id = $1", [sourceId]);
      // Cascades to confluence_sources, confluence_pages and confluence_sync_state.
      await tx.query("DELETE FROM archon_sources WHERE source_id = $1", [sourceId]);
    });
  }

  async getPageStates(sourceId: string): Promise<Map<string, StoredPageState>> {
    const { rows } = await this.db.query(
      `SELECT page_id, version, content_hash, parent_id, path, title, status, labels, embedding_model,
         embedding_dimension, converter_id, chunker_id, content_type FROM confluence_pages WHERE source_id = $1`,
      [sourceId],
    );
    const states = new Map<string, StoredPageState>();
    for (const row of rows) {
      const pageId = row.page_id as string;
      states.set(pageId, {
        pageId,
        ...(row.content_type === "blogpost" ? { contentType: "blogpost" as const } : {}),
        version: row.version as number,
        contentHash: row.content_hash as string,
        parentId: (row.parent_id as string | null) ?? null,
        path: row.path as string,
        title: row.title as string,
        status: row.status as StoredPageState["status"],
        labels: (row.labels as string[] | null) ?? [],
        indexedWith: {
          embeddingModel: (row.embedding_model as string | null) ?? null,
          dimensions: (row.embedding_dimension as number | null) ?? null,
          converter: (row.converter_id as string | null) ?? null,
          chunker: (row.chunker_id as string | null) ?? null,
        },
      });
    }
    return states;
  }

  writePage(page: PageRecord, chunks: readonly ChunkRecord[]): Promise<void> {
    return this.writePages([{ page, chunks }]);
  }

  /** Writes the pages and their chunks in one transaction (chunks of all pages in one binary COPY). */
  async writePages(writes: readonly PageWrite[]): Promise<void> {
    const rows = await writePages(this.db, writes);
    await this.#analyze.wrote(this.db, rows);
  }

  hasEmbeddings(embeddingModel: string, dimensions: number): Promise<boolean> {
    return hasEmbeddings(this.db, embeddingModel, dimensions);
  }

  /**
   * For a load of at least `BULK_LOAD_MIN_PAGES` pages of vectors of a dimension the table holds none of yet, drops
   * that column's vector indexes (keeping their definitions in `confluence_deferred_indexes`) so rows go in without
   * graph maintenance; {@link PgKnowledgeStore.endBulkLoad} builds them. Searches meanwhile use exact scans.
   */
  async beginBulkLoad(load: BulkLoad): Promise<void> {
    if (await beginBulkLoad(this.db, load)) this.#analyze.loadStarted(load.sourceId);
  }

  /** Builds every deferred vector index and refreshes the planner's statistics. */
  async endBulkLoad(load: BulkLoad): Promise<void> {
    try {
      await buildDeferredIndexes(this.db);
    } finally {
      this.#analyze.loadEnded(load.sourceId);
    }
  }

  async updatePlacements(sourceId: string, placements: readonly PagePlacement[]): Promise<void> {
    if (placements.length === 0) return;
    await this.db.query(
      `UPDATE confluence_pages p SET title = u.title, parent_id = u.parent_id,
         ancestors = ARRAY(SELECT json_array_elements_text(u.ancestors)), path = u.path, depth = u.depth,
         status = u.status,
         labels = CASE WHEN u.labels IS NULL THEN p.labels ELSE ARRAY(SELECT json_array_elements_text(u.labels)) END
       FROM json_to_recordset($2::json) AS u(page_id text, title text, parent_id text, ancestors json, path text,
         depth int, status text, labels json)
       WHERE p.source_id = $1 AND p.page_id = u.page_id`,
      [sourceId, JSON.stringify(stripNulDeep(placements).map(toPlacementRow))],
    );
    await updateArchonPlacements(this.db, sourceId, placements);
  }

  async deletePages(sourceId: string, pageIds: readonly string[]): Promise<void> {
    if (pageIds.length === 0) return;
    await this.db.transaction(async (tx) => {
      const pages = "source_id = $1 AND (metadata ->> 'confluence_page_id') = ANY($2::text[])";
      await cacheBeforeDelete(tx, pages, [sourceId, [...pageIds]]);
      await tx.query(`DELETE FROM archon_crawled_pages WHERE ${pages}`, [sourceId, [...pageIds]]);
      await deleteArchonPages(tx, sourceId, pageIds);
      await tx.query("DELETE FROM confluence_pages WHERE source_id = $1 AND page_id = ANY($2::text[])", [
        sourceId,
        [...pageIds],
      ]);
    });
  }

  async getPage(sourceId: string, pageId: string): Promise<PageRecord | null> {
    const { rows } = await this.db.query(
      `SELECT ${PAGE_COLUMNS}, metadata, markdown FROM confluence_pages WHERE source_id = $1 AND page_id = $2`,
      [sourceId, pageId],
    );
    return rows[0] ? toPageRecord(rows[0]) : null;
  }

  async getChunks(sourceId: string, pageId: string): Promise<ChunkRecord[]> {
    const { rows } = await this.db.query(
      `SELECT chunk_number, content, metadata, embedding_model, COALESCE(embedding_384::text, embedding_768::text,
         embedding_1024::text, embedding_1536::text, embedding_3072::text) AS embedding
       FROM archon_crawled_pages WHERE source_id = $1 AND (metadata ->> 'confluence_page_id') = $2 ORDER BY chunk_number`,
      [sourceId, pageId],
    );
    return rows.map(toChunkRecord);
  }

  async listPages(query: PageListQuery): Promise<PageList> {
    const limit = checkLimit(query.limit, 50, "listPages limit");
    const after = query.cursor ? decodeListCursor(query.cursor) : null;
    const params = new Params();
    const where = [`p.source_id = ${params.add(query.sourceId)}`];
    if (query.parentId === null) where.push("p.parent_id IS NULL");
    else if (query.parentId !== undefined) where.push(`p.parent_id = ${params.add(query.parentId)}`);
    if (query.pathPrefix !== undefined) {
      const condition = pathCondition(query.pathPrefix, params);
      if (condition) where.push(condition);
    }
    const total = await this.db.query<{ total: number }>(
      `SELECT count(*)::int AS total FROM confluence_pages p WHERE ${where.join(" AND ")}`,
      params.values,
    );
    if (after) {
      where.push(
        `(p.path > ${params.add(after.path)} OR (p.path = $${params.values.length} AND p.page_id > ${params.add(after.pageId)}))`,
      );
    }
    const { rows } = await this.db.query(
      `SELECT ${PAGE_COLUMNS.split(", ")
        .map((c) => `p.${c}`)
        .join(", ")},
         (SELECT count(*)::int FROM confluence_pages ch WHERE ch.source_id = p.source_id AND ch.parent_id = p.page_id)
           AS child_count
       FROM confluence_pages p WHERE ${where.join(" AND ")} ORDER BY p.path, p.page_id LIMIT ${limit + 1}`,
      params.values,
    );
    const items = rows.slice(0, limit).map((row) => ({ ...toPageSummary(row), childCount: row.child_count as number }));
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > limit && last ? encodeListCursor(last.path, last.pageId) : null,
      total: total.rows[0]?.total ?? 0,
    };
  }

  async findEmbeddings(
    embeddingModel: string,
    dimensions: number,
    hashes: readonly string[],
  ): Promise<Map<string, number[]>> {
    const found = new Map<string, number[]>();
    for (let i = 0; i < hashes.length; i += 1000) {
      // One index probe per hash, live chunks first, then vectors kept from deleted chunks. Probing per hash keeps
      // the plan on the hash index even before the table was ever analyzed.
      const { rows } = await this.db.query<{ content_hash: string; embedding: string }>(
        `SELECT h.hash AS content_hash, COALESCE(live.embedding, kept.embedding) AS embedding
         FROM unnest($3::text[]) AS h(hash)
         LEFT JOIN LATERAL (
           SELECT COALESCE(embedding_384, embedding_768, embedding_1024, embedding_1536, embedding_3072)::text AS embedding
           FROM archon_crawled_pages
           WHERE (metadata ->> 'confluence_page_id') IS NOT NULL AND embedding_model = $1 AND embedding_dimension = $2
             AND (metadata ->> 'chunk_hash') = h.hash
           LIMIT 1) live ON TRUE
         LEFT JOIN LATERAL (
           SELECT embedding::text AS embedding FROM confluence_embedding_cache
           WHERE live.embedding IS NULL AND embedding_model = $1 AND dimensions = $2 AND content_hash = h.hash) kept ON TRUE
         WHERE live.embedding IS NOT NULL OR kept.embedding IS NOT NULL`,
        [embeddingModel, dimensions, [...new Set(hashes.slice(i, i + 1000))]],
      );
      for (const row of rows) found.set(row.content_hash, parseVector(row.embedding));
    }
    return found;
  }

  async getSyncState(sourceId: string): Promise<SyncState | null> {
    const { rows } = await this.db.query(
      "SELECT watermark, last_mode, last_completed_at, checkpoint, failed_pages FROM confluence_sync_state WHERE source_id = $1",
      [sourceId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      sourceId,
      watermark: toIso(row.watermark),
      lastMode: (row.last_mode as SyncState["lastMode"]) ?? null,
      lastCompletedAt: toIso(row.last_completed_at),
      checkpoint: (row.checkpoint as SyncState["checkpoint"]) ?? null,
      failedPages: (row.failed_pages as SyncState["failedPages"]) ?? {},
    };
  }

  async saveSyncState(input: SyncState): Promise<void> {
    const state = stripNulDeep(input);
    await this.#requireSource(state.sourceId);
    await this.db.query(
      `INSERT INTO confluence_sync_state (source_id, watermark, last_mode, last_completed_at, checkpoint, failed_pages)
       VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb)
       ON CONFLICT (source_id) DO UPDATE SET watermark = EXCLUDED.watermark, last_mode = EXCLUDED.last_mode,
         last_completed_at = EXCLUDED.last_completed_at, checkpoint = EXCLUDED.checkpoint,
         failed_pages = EXCLUDED.failed_pages, updated_at = NOW()`,
      [
        state.sourceId,
        isoParam(state.watermark, "syncState.watermark"),
        state.lastMode,
        isoParam(state.lastCompletedAt, "syncState.lastCompletedAt"),
        state.checkpoint === null ? null : JSON.stringify(state.checkpoint),
        JSON.stringify(state.failedPages),
      ],
    );
  }

  /** Stores the metrics in `archon_sources.metadata.sync_metrics`. */
  async saveSyncMetrics(sourceId: string, metrics: SyncMetrics): Promise<void> {
    const result = await this.db.query(
      `UPDATE archon_sources a SET metadata = jsonb_set(COALESCE(a.metadata, '{}'::jsonb), '{sync_metrics}', $2::jsonb),
         updated_at = NOW()
       WHERE a.source_id = $1 AND EXISTS (SELECT 1 FROM confluence_sources s WHERE s.source_id = a.source_id)`,
      [sourceId, JSON.stringify(metrics)],
    );
    if (result.rowCount === 0) throw unknownSource(sourceId);
    await refreshArchonSource(this.db, sourceId);
  }

  /** A per-source lock all processes on this database respect; the engine takes it for every sync. */
  lockSource(sourceId: string): Promise<SourceLock> {
    return lockSource(this.db, sourceId);
  }

  async getSyncMetrics(sourceId: string): Promise<SyncMetrics | null> {
    const { rows } = await this.db.query<{ metrics: SyncMetrics | null }>(
      `SELECT a.metadata -> 'sync_metrics' AS metrics FROM archon_sources a
       JOIN confluence_sources s ON s.source_id = a.source_id WHERE a.source_id = $1`,
      [sourceId],
    );
    return rows[0]?.metrics ?? null;
  }

  /**
   * Whether an Archon deployment reading this database finds what `embedder` writes; log `message` once at start-up
   * when it does not (see {@link checkArchonSearch}).
   */
  checkArchonSearch(embedder: { readonly modelId: string; readonly dimensions: number }): Promise<ArchonSearchCheck> {
    return checkArchonSearch(this.db, embedder);
  }

  /** Readers of every page of the source that has them. */
  getPageReaders(sourceId: string, pageIds?: readonly string[]): Promise<Map<string, PageReaders>> {
    return getPageReaders(this.db, sourceId, pageIds);
  }

  /** Replaces page readers; also written into the Archon rows' metadata as `confluence_readers`. */
  setPageReaders(sourceId: string, readers: ReadonlyMap<string, PageReaders>): Promise<void> {
    return setPageReaders(this.db, sourceId, readers);
  }

  search(query: SearchQuery): Promise<SearchHit[]> {
    return searchChunks(this.db, query);
  }

  /** Closes the underlying database when the store owns it. */
  async close(): Promise<void> {
    await this.db.close();
  }

  async #requireSource(sourceId: string): Promise<void> {
    const { rows } = await this.db.query("SELECT 1 FROM confluence_sources WHERE source_id = $1", [sourceId]);
    if (rows.length === 0) throw unknownSource(sourceId);
  }
}

function unknownSource(sourceId: string): ConfluenceSyncError {
  return new ConfluenceSyncError("CONFIG_INVALID", `unknown source ${JSON.stringify(sourceId)}: upsert it first.`);
}

function toPlacementRow(placement: PagePlacement) {
  return { ...placement, page_id: placement.pageId, parent_id: placement.parentId };
}

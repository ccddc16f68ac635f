import {
  type ChunkRecord,
  ConfluenceSyncError,
  normalizePageWrite,
  type PageRecord,
  type PageWrite,
} from "@archon/confluence-core";
import { toSql } from "pgvector";
import { type ArchonPageContext, indexSignature, readArchonSources, writeArchonPages } from "./archon-pages.js";
import { BinaryCopy } from "./copy-binary.js";
import type { Db } from "./db.js";
import { checkSupportedDimension, chunkMetadata, isoParam, vectorColumn } from "./rows.js";

/** Most chunk rows per INSERT on the fallback path; each statement binds 4 parameters whatever its size. */
export const CHUNK_BATCH_ROWS = 500;

const UNIQUE_VIOLATION = "23505";

/**
 * Replaces a page row, its `archon_page_metadata` row and all its chunks in one transaction (see
 * {@link insertChunks} for how chunks go in).
 */
export async function writePage(db: Db, page: PageRecord, chunks: readonly ChunkRecord[]): Promise<void> {
  await writePages(db, [{ page, chunks }]);
}

/** A page write checked and cleaned by `normalizePageWrite`, with its timestamps as parameters. */
interface CleanWrite {
  readonly page: PageRecord;
  readonly chunks: readonly ChunkRecord[];
  readonly dimensions: number | null;
  readonly times: readonly [string | null, string | null, string | null];
}

/**
 * Replaces several page rows, their `archon_page_metadata` rows and all their chunks in one transaction: all of them
 * or none. A bulk load writes many pages per transaction this way; each kind of row goes in with one statement for
 * all pages (chunks as one binary COPY). Returns the chunk rows written.
 */
export async function writePages(db: Db, writes: readonly PageWrite[]): Promise<number> {
  const clean = prepareWrites(writes);
  if (clean.length === 0) return 0;
  const lz4 = await supportsLz4(db);
  return db.transaction(async (tx) => {
    // Page Markdown and chunk text are stored compressed; LZ4 costs a fraction of the default pglz's CPU.
    if (lz4) await tx.query("SELECT set_config('default_toast_compression', 'lz4', true)");
    const sourceIds = [...new Set(clean.map((w) => w.page.sourceId))];
    const sources = await readArchonSources(tx, sourceIds);
    const unknown = sourceIds.find((id) => !sources.has(id));
    if (unknown !== undefined) {
      throw new ConfluenceSyncError("CONFIG_INVALID", `unknown source ${JSON.stringify(unknown)}: upsert it first.`);
    }
    // Page rows go first, in a fixed order: their row locks make concurrent writes of the same pages take turns.
    const inserted = await upsertPageRows(tx, clean);
    const contexts = await writeArchonPages(tx, clean, sources);
    const archon = new Map(clean.map((write, n) => [write, contexts[n]]));
    // A page that was just inserted has no chunks yet, so only replaced pages need their old chunks removed.
    const replaced = new Map<string, string[]>();
    for (const { page } of clean) {
      if (inserted.has(pageKey(page))) continue;
      const ids = replaced.get(page.sourceId) ?? [];
      ids.push(page.pageId);
      replaced.set(page.sourceId, ids);
    }
    for (const [sourceId, pageIds] of replaced) {
      const pages = "source_id = $1 AND (metadata ->> 'confluence_page_id') = ANY($2::text[])";
      await cacheBeforeDelete(tx, pages, [sourceId, pageIds]);
      await tx.query(`DELETE FROM archon_crawled_pages WHERE ${pages}`, [sourceId, pageIds]);
    }
    let rows = 0;
    for (const dimensions of new Set(clean.map((w) => w.dimensions))) {
      if (dimensions === null) continue;
      const group = clean.filter((w) => w.dimensions === dimensions);
      await checkModelDimensions(tx, group, dimensions);
      try {
        await insertChunks(
          tx,
          group.map((write) => ({ ...write, archon: archon.get(write) })),
          dimensions,
        );
      } catch (error) {
        if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
          throw new ConfluenceSyncError(
            "STORE_FAILED",
            `${group.length === 1 ? `page ${group[0]?.page.pageId}` : `one of pages ${group.map((w) => w.page.pageId).join(", ")}`}` +
              ` of source ${group[0]?.page.sourceId}: another source already stores chunks for its URL ` +
              "(archon_crawled_pages is unique on url and chunk_number). Sync each space into one source.",
            { cause: error },
          );
        }
        throw error;
      }
      for (const write of group) rows += write.chunks.length;
    }
    return rows;
  });
}

const lz4Support = new WeakMap<Db, Promise<boolean>>();

/** Whether the server was built with LZ4, so `default_toast_compression` accepts it; asked once per database. */
function supportsLz4(db: Db): Promise<boolean> {
  let known = lz4Support.get(db);
  if (!known) {
    known = db
      .query<{ lz4: boolean }>(
        "SELECT 'lz4' = ANY(enumvals) AS lz4 FROM pg_settings WHERE name = 'default_toast_compression'",
      )
      .then(({ rows }) => rows[0]?.lz4 === true)
      .catch(() => false);
    lz4Support.set(db, known);
  }
  return known;
}

/** Validates every write before anything is sent; the last write of a page wins; ordered by source and page. */
function prepareWrites(writes: readonly PageWrite[]): CleanWrite[] {
  const byPage = new Map<string, CleanWrite>();
  for (const { page, chunks } of writes) {
    const clean = normalizePageWrite(page, chunks, { copy: false });
    if (clean.dimensions !== null) {
      checkSupportedDimension(clean.dimensions, `chunk embeddings of page ${page.pageId}`);
    }
    const times = [
      isoParam(clean.page.createdAt, "page.createdAt"),
      isoParam(clean.page.updatedAt, "page.updatedAt"),
      isoParam(clean.page.indexedAt, "page.indexedAt"),
    ] as const;
    byPage.set(pageKey(page), { ...clean, times });
  }
  return [...byPage.values()].sort((a, b) =>
    a.page.sourceId === b.page.sourceId
      ? compareCodePoints(a.page.pageId, b.page.pageId)
      : compareCodePoints(a.page.sourceId, b.page.sourceId),
  );
}

function compareCodePoints(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const pageKey = (page: { sourceId: string; pageId: string }) => JSON.stringify([page.sourceId, page.pageId]);

/**
 * Inserts or updates the page rows in one statement (a round trip per page would leave a bulk load waiting on
 * the network and the event loop). Resolves with the keys ({@link pageKey}) of the pages that are new.
 */
async function upsertPageRows(tx: Db, writes: readonly CleanWrite[]): Promise<Set<string>> {
  const rows = writes.map(({ page: p, chunks, times: [createdAt, updatedAt, indexedAt] }, n) => {
    const signature = indexSignature(p, chunks);
    return {
      n,
      source_id: p.sourceId,
      page_id: p.pageId,
      space_key: p.spaceKey,
      title: p.title,
      version: p.version,
      content_hash: p.contentHash,
      status: p.status,
      parent_id: p.parentId,
      ancestors: p.ancestors,
      path: p.path,
      depth: p.depth,
      web_url: p.webUrl,
      author_id: p.authorId,
      created_at: createdAt,
      updated_at: updatedAt,
      labels: p.labels,
      metadata: p.metadata,
      markdown: p.markdown,
      indexed_at: indexedAt,
      embedding_model: signature.embeddingModel,
      embedding_dimension: signature.dimensions,
      converter_id: signature.converter,
      chunker_id: signature.chunker,
      content_type: p.contentType ?? "page",
    };
  });
  const result = await tx.query<{ source_id: string; page_id: string; inserted: boolean }>(
    `INSERT INTO confluence_pages (source_id, page_id, space_key, title, version, content_hash, status, parent_id,
       ancestors, path, depth, web_url, author_id, created_at, updated_at, labels, metadata, markdown, indexed_at,
       embedding_model, embedding_dimension, converter_id, chunker_id, content_type)
     SELECT r.source_id, r.page_id, r.space_key, r.title, r.version, r.content_hash, r.status, r.parent_id,
       ARRAY(SELECT json_array_elements_text(r.ancestors)), r.path, r.depth, r.web_url, r.author_id,
       r.created_at::timestamptz, r.updated_at::timestamptz, ARRAY(SELECT json_array_elements_text(r.labels)),
       r.metadata, r.markdown, r.indexed_at::timestamptz, r.embedding_model, r.embedding_dimension, r.converter_id,
       r.chunker_id, r.content_type
     FROM json_to_recordset($1::json) AS r(source_id text, page_id text, space_key text, title text,
       version int, content_hash text, status text, parent_id text, ancestors json, path text, depth int,
       web_url text, author_id text, created_at text, updated_at text, labels json, metadata jsonb, markdown text,
       indexed_at text, embedding_model text, embedding_dimension int, converter_id text, chunker_id text,
       content_type text, n int)
     ORDER BY r.n
     ON CONFLICT (source_id, page_id) DO UPDATE SET space_key = EXCLUDED.space_key, title = EXCLUDED.title,
       version = EXCLUDED.version, content_hash = EXCLUDED.content_hash, status = EXCLUDED.status,
       parent_id = EXCLUDED.parent_id, ancestors = EXCLUDED.ancestors, path = EXCLUDED.path, depth = EXCLUDED.depth,
       web_url = EXCLUDED.web_url, author_id = EXCLUDED.author_id, created_at = EXCLUDED.created_at,
       updated_at = EXCLUDED.updated_at, labels = EXCLUDED.labels, metadata = EXCLUDED.metadata,
       markdown = EXCLUDED.markdown, indexed_at = EXCLUDED.indexed_at, embedding_model = EXCLUDED.embedding_model,
       embedding_dimension = EXCLUDED.embedding_dimension, converter_id = EXCLUDED.converter_id,
       chunker_id = EXCLUDED.chunker_id, content_type = EXCLUDED.content_type
     RETURNING source_id, page_id, (xmax = 0) AS inserted`,
    [JSON.stringify(rows)],
  );
  return new Set(
    result.rows.filter((row) => row.inserted).map((row) => pageKey({ sourceId: row.source_id, pageId: row.page_id })),
  );
}

/** How chunk rows reach the server. */
export type ChunkInsertMethod = "copy" | "json";

const CHUNK_COLUMNS = "url, chunk_number, content, metadata, source_id, page_id, embedding_model, embedding_dimension";

/** A page's chunks to insert, with what Archon reads from its page row (no page row: `page_id` stays null). */
export interface ChunkInsert extends PageWrite {
  readonly archon?: ArchonPageContext | undefined;
}

const NO_ARCHON_PAGE: ArchonPageContext = { pageUuid: null, knowledgeType: "technical", tags: [] };

/**
 * Inserts the chunk rows of pages whose vectors have `dimensions` components. With a backend that can COPY, they go
 * in as one binary COPY; otherwise as `json_to_recordset` batches that bind four parameters per statement. Neither
 * approaches the 65,535 bind-parameter limit.
 */
export async function insertChunks(
  tx: Db,
  pages: readonly ChunkInsert[],
  dimensions: number,
  method: ChunkInsertMethod = tx.copyFrom ? "copy" : "json",
): Promise<void> {
  const column = vectorColumn(dimensions);
  if (method === "copy" && tx.copyFrom) {
    let bytes = 0;
    for (const { chunks } of pages)
      for (const chunk of chunks) bytes += 2 * chunk.content.length + 4 * dimensions + 1024;
    const copy = new BinaryCopy(bytes);
    for (const { page, chunks, archon = NO_ARCHON_PAGE } of pages) {
      for (const chunk of chunks) {
        copy.row(9).text(page.webUrl).int4(chunk.chunkNumber).text(chunk.content);
        copy.jsonb(chunkMetadata(page, chunk, archon)).text(page.sourceId);
        if (archon.pageUuid === null) copy.null();
        else copy.uuid(archon.pageUuid);
        copy.text(chunk.embeddingModel).int4(dimensions).vector(chunk.embedding);
      }
    }
    await tx.copyFrom(
      `COPY archon_crawled_pages (${CHUNK_COLUMNS}, ${column}) FROM STDIN WITH (FORMAT binary)`,
      copy.finish(),
    );
    return;
  }
  for (const { page, chunks, archon = NO_ARCHON_PAGE } of pages) {
    for (let i = 0; i < chunks.length; i += CHUNK_BATCH_ROWS) {
      const rows = chunks.slice(i, i + CHUNK_BATCH_ROWS).map((chunk) => ({
        n: chunk.chunkNumber,
        content: chunk.content,
        metadata: chunkMetadata(page, chunk, archon),
        model: chunk.embeddingModel,
        embedding: toSql([...chunk.embedding]),
      }));
      await tx.query(
        `INSERT INTO archon_crawled_pages (${CHUNK_COLUMNS}, ${column})
         SELECT $2, r.n, r.content, r.metadata, $3, $4::uuid, r.model, ${dimensions}, r.embedding::vector(${dimensions})
         FROM json_to_recordset($1::json) AS r(n int, content text, metadata jsonb, model text, embedding text)`,
        [JSON.stringify(rows), page.webUrl, page.sourceId, archon.pageUuid],
      );
    }
  }
}

/**
 * Keeps the vectors of chunks about to be deleted in `confluence_embedding_cache`, so `findEmbeddings` still
 * finds them after the page or source is gone. `where` selects rows of `archon_crawled_pages` (alias-free). Rows go
 * in key order, so two transactions caching the same texts wait for each other instead of deadlocking.
 */
export async function cacheBeforeDelete(tx: Db, where: string, params: readonly unknown[]): Promise<void> {
  await tx.query(
    `INSERT INTO confluence_embedding_cache (embedding_model, dimensions, content_hash, embedding)
     SELECT embedding_model, embedding_dimension, metadata ->> 'chunk_hash',
       COALESCE(embedding_384, embedding_768, embedding_1024, embedding_1536, embedding_3072)
     FROM archon_crawled_pages
     WHERE ${where} AND (metadata ->> 'confluence_page_id') IS NOT NULL AND (metadata ->> 'chunk_hash') IS NOT NULL
       AND embedding_model IS NOT NULL
     ORDER BY 1, 2, 3
     ON CONFLICT DO NOTHING`,
    params,
  );
}

/** One dimension per model: rejects vectors whose model already has other-dimension vectors in the store. */
async function checkModelDimensions(tx: Db, writes: readonly CleanWrite[], dimensions: number): Promise<void> {
  const models = new Map<string, string>();
  for (const { page, chunks } of writes) for (const chunk of chunks) models.set(chunk.embeddingModel, page.pageId);
  for (const [model, pageId] of models) {
    const base =
      "SELECT embedding_dimension FROM archon_crawled_pages " +
      "WHERE (metadata ->> 'confluence_page_id') IS NOT NULL AND embedding_model = $1";
    const { rows } = await tx.query<{ embedding_dimension: number }>(
      `(${base} AND embedding_dimension < $2 LIMIT 1) UNION ALL (${base} AND embedding_dimension > $2 LIMIT 1)`,
      [model, dimensions],
    );
    const stored = rows[0]?.embedding_dimension;
    if (stored !== undefined) {
      throw new ConfluenceSyncError(
        "EMBED_DIMENSION_MISMATCH",
        `page ${pageId} has ${dimensions}-dimension embeddings, but the store holds ${stored}-dimension vectors for ` +
          `model ${model}. Re-index with one embedder.`,
      );
    }
  }
}

import { type ChunkRecord, ConfluenceSyncError, normalizePageWrite, type PageRecord } from "@archon/confluence-core";
import type { Db } from "./db.js";
import { checkSupportedDimension, chunkMetadata, isoParam, vectorColumn } from "./rows.js";

/** Most chunk rows per INSERT; each statement binds 4 parameters whatever its size, far below 65,535. */
export const CHUNK_BATCH_ROWS = 500;

const UNIQUE_VIOLATION = "23505";

/**
 * Replaces a page row and all its chunks in one transaction. Chunk rows go in through `json_to_recordset`, so a
 * statement binds a fixed handful of parameters however many chunks it carries.
 */
export async function writePage(db: Db, page: PageRecord, chunks: readonly ChunkRecord[]): Promise<void> {
  const clean = normalizePageWrite(page, chunks);
  if (clean.dimensions !== null) {
    checkSupportedDimension(clean.dimensions, `chunk embeddings of page ${page.pageId}`);
  }
  const createdAt = isoParam(clean.page.createdAt, "page.createdAt");
  const updatedAt = isoParam(clean.page.updatedAt, "page.updatedAt");
  const indexedAt = isoParam(clean.page.indexedAt, "page.indexedAt");
  await db.transaction(async (tx) => {
    const source = await tx.query("SELECT 1 FROM confluence_sources WHERE source_id = $1", [page.sourceId]);
    if (source.rows.length === 0) {
      throw new ConfluenceSyncError(
        "CONFIG_INVALID",
        `unknown source ${JSON.stringify(page.sourceId)}: upsert it first.`,
      );
    }
    await tx.query("DELETE FROM archon_crawled_pages WHERE source_id = $1 AND (metadata ->> 'page_id') = $2", [
      page.sourceId,
      page.pageId,
    ]);
    if (clean.dimensions !== null) await checkModelDimensions(tx, clean.chunks, clean.dimensions, page.pageId);
    const p = clean.page;
    await tx.query(
      `INSERT INTO confluence_pages (source_id, page_id, space_key, title, version, content_hash, status, parent_id,
         ancestors, path, depth, web_url, author_id, created_at, updated_at, labels, metadata, markdown, indexed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text[], $10, $11, $12, $13, $14, $15, $16::text[], $17::jsonb, $18, $19)
       ON CONFLICT (source_id, page_id) DO UPDATE SET space_key = EXCLUDED.space_key, title = EXCLUDED.title,
         version = EXCLUDED.version, content_hash = EXCLUDED.content_hash, status = EXCLUDED.status,
         parent_id = EXCLUDED.parent_id, ancestors = EXCLUDED.ancestors, path = EXCLUDED.path, depth = EXCLUDED.depth,
         web_url = EXCLUDED.web_url, author_id = EXCLUDED.author_id, created_at = EXCLUDED.created_at,
         updated_at = EXCLUDED.updated_at, labels = EXCLUDED.labels, metadata = EXCLUDED.metadata,
         markdown = EXCLUDED.markdown, indexed_at = EXCLUDED.indexed_at`,
      [
        p.sourceId,
        p.pageId,
        p.spaceKey,
        p.title,
        p.version,
        p.contentHash,
        p.status,
        p.parentId,
        [...p.ancestors],
        p.path,
        p.depth,
        p.webUrl,
        p.authorId,
        createdAt,
        updatedAt,
        [...p.labels],
        JSON.stringify(p.metadata),
        p.markdown,
        indexedAt,
      ],
    );
    if (clean.dimensions === null) return;
    try {
      for (let i = 0; i < clean.chunks.length; i += CHUNK_BATCH_ROWS) {
        await insertChunks(tx, p, clean.chunks.slice(i, i + CHUNK_BATCH_ROWS), clean.dimensions);
      }
    } catch (error) {
      if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
        throw new ConfluenceSyncError(
          "STORE_FAILED",
          `page ${p.pageId} of source ${p.sourceId}: another source already stores chunks for ${p.webUrl} ` +
            "(archon_crawled_pages is unique on url and chunk_number). Sync each space into one source.",
          { cause: error },
        );
      }
      throw error;
    }
  });
}

/** Inserts chunk rows and caches their vectors; two statements, four bind parameters in all. */
export async function insertChunks(
  tx: Db,
  page: PageRecord,
  chunks: readonly ChunkRecord[],
  dimensions: number,
): Promise<void> {
  const column = vectorColumn(dimensions);
  const rows = chunks.map((chunk) => ({
    n: chunk.chunkNumber,
    content: chunk.content,
    metadata: chunkMetadata(page, chunk),
    model: chunk.embeddingModel,
    hash: chunk.hash,
    embedding: JSON.stringify(chunk.embedding),
  }));
  const json = JSON.stringify(rows);
  await tx.query(
    `INSERT INTO archon_crawled_pages (url, chunk_number, content, metadata, source_id, embedding_model,
       embedding_dimension, ${column})
     SELECT $2, r.n, r.content, r.metadata, $3, r.model, ${dimensions}, r.embedding::vector(${dimensions})
     FROM json_to_recordset($1::json) AS r(n int, content text, metadata jsonb, model text, embedding text)`,
    [json, page.webUrl, page.sourceId],
  );
  await tx.query(
    `INSERT INTO confluence_embedding_cache (embedding_model, dimensions, content_hash, embedding)
     SELECT r.model, ${dimensions}, r.hash, r.embedding::vector
     FROM json_to_recordset($1::json) AS r(model text, hash text, embedding text)
     ON CONFLICT DO NOTHING`,
    [json],
  );
}

/** One dimension per model: rejects vectors whose model already has other-dimension vectors in the store. */
async function checkModelDimensions(
  tx: Db,
  chunks: readonly ChunkRecord[],
  dimensions: number,
  pageId: string,
): Promise<void> {
  for (const model of new Set(chunks.map((chunk) => chunk.embeddingModel))) {
    const base =
      "SELECT embedding_dimension FROM archon_crawled_pages " +
      "WHERE (metadata ->> 'page_id') IS NOT NULL AND embedding_model = $1";
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

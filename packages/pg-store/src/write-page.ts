import { type ChunkRecord, ConfluenceSyncError, normalizePageWrite, type PageRecord } from "@archon/confluence-core";
import { toSql } from "pgvector";
import { type ArchonPageContext, readArchonSource, writeArchonPage } from "./archon-pages.js";
import { BinaryCopy, copyInt4, copyJsonb, copyText, copyUuid, copyVector } from "./copy-binary.js";
import type { Db } from "./db.js";
import { checkSupportedDimension, chunkMetadata, isoParam, vectorColumn } from "./rows.js";

/** Most chunk rows per INSERT on the fallback path; each statement binds 3 parameters whatever its size. */
export const CHUNK_BATCH_ROWS = 500;

const UNIQUE_VIOLATION = "23505";

/**
 * Replaces a page row and all its chunks in one transaction (see {@link insertChunks} for how chunks go in).
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
    const source = await readArchonSource(tx, page.sourceId);
    if (!source) {
      throw new ConfluenceSyncError(
        "CONFIG_INVALID",
        `unknown source ${JSON.stringify(page.sourceId)}: upsert it first.`,
      );
    }
    const p = clean.page;
    // The page row goes first: its row lock makes concurrent writes of the same page take turns.
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
    const archon = await writeArchonPage(tx, p, clean.chunks, source);
    const thisPage = "source_id = $1 AND (metadata ->> 'confluence_page_id') = $2";
    await cacheBeforeDelete(tx, thisPage, [page.sourceId, page.pageId]);
    await tx.query(`DELETE FROM archon_crawled_pages WHERE ${thisPage}`, [page.sourceId, page.pageId]);
    if (clean.dimensions === null) return;
    await checkModelDimensions(tx, clean.chunks, clean.dimensions, page.pageId);
    try {
      await insertChunks(tx, p, clean.chunks, clean.dimensions, undefined, archon);
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

/** How chunk rows reach the server. */
export type ChunkInsertMethod = "copy" | "json";

const CHUNK_COLUMNS = "url, chunk_number, content, metadata, source_id, page_id, embedding_model, embedding_dimension";

/**
 * Inserts one page's chunk rows. With a backend that can COPY, they go in as one binary COPY; otherwise as
 * `json_to_recordset` batches that bind three parameters per statement. Neither approaches the 65,535
 * bind-parameter limit.
 */
export async function insertChunks(
  tx: Db,
  page: PageRecord,
  chunks: readonly ChunkRecord[],
  dimensions: number,
  method: ChunkInsertMethod = tx.copyFrom ? "copy" : "json",
  archon: ArchonPageContext = { pageUuid: null, knowledgeType: "technical", tags: [] },
): Promise<void> {
  const column = vectorColumn(dimensions);
  if (method === "copy" && tx.copyFrom) {
    const copy = new BinaryCopy();
    const url = copyText(page.webUrl);
    const sourceId = copyText(page.sourceId);
    const dims = copyInt4(dimensions);
    const pageUuid = archon.pageUuid === null ? null : copyUuid(archon.pageUuid);
    for (const chunk of chunks) {
      copy.row([
        url,
        copyInt4(chunk.chunkNumber),
        copyText(chunk.content),
        copyJsonb(chunkMetadata(page, chunk, archon)),
        sourceId,
        pageUuid,
        copyText(chunk.embeddingModel),
        dims,
        copyVector(chunk.embedding),
      ]);
    }
    await tx.copyFrom(
      `COPY archon_crawled_pages (${CHUNK_COLUMNS}, ${column}) FROM STDIN WITH (FORMAT binary)`,
      copy.finish(),
    );
  } else {
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
 * finds them after the page or source is gone. `where` selects rows of `archon_crawled_pages` (alias-free).
 */
export async function cacheBeforeDelete(tx: Db, where: string, params: readonly unknown[]): Promise<void> {
  await tx.query(
    `INSERT INTO confluence_embedding_cache (embedding_model, dimensions, content_hash, embedding)
     SELECT embedding_model, embedding_dimension, metadata ->> 'chunk_hash',
       COALESCE(embedding_384, embedding_768, embedding_1024, embedding_1536, embedding_3072)
     FROM archon_crawled_pages
     WHERE ${where} AND (metadata ->> 'confluence_page_id') IS NOT NULL AND (metadata ->> 'chunk_hash') IS NOT NULL
       AND embedding_model IS NOT NULL
     ON CONFLICT DO NOTHING`,
    params,
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

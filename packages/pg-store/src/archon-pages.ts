import { createHash } from "node:crypto";
import { type ChunkRecord, ConfluenceSyncError, type PageRecord } from "@archon/confluence-core";
import type { Db } from "./db.js";

/**
 * Archon's view of a Confluence page: its `archon_page_metadata` row (what Archon's "pages" search mode and its
 * read-full-page tool return) and what every chunk of the page repeats from it and from the source.
 */
export interface ArchonPageContext {
  /** `archon_page_metadata.id`, also each chunk's `page_id` column and `metadata.page_id`; `null` without a row. */
  readonly pageUuid: string | null;
  /** From `archon_sources.metadata` (Archon's UI edits them), copied to chunks as Archon's crawler does. */
  readonly knowledgeType: string;
  readonly tags: readonly string[];
}

/** What the write transaction learns about the source: `null` when it is not a Confluence source. */
export interface ArchonSourceInfo {
  readonly knowledgeType: string;
  readonly tags: readonly string[];
}

/**
 * The stable id of a page's `archon_page_metadata` row: a name-based UUID (version 8, SHA-256, RFC 9562) of the
 * source id and the Confluence page id, equal to SQL `confluence_page_uuid(source_id, page_id)` (migration 0003).
 */
export function archonPageId(sourceId: string, pageId: string): string {
  const name = `confluence:${Buffer.byteLength(sourceId, "utf8")}:${sourceId}:${pageId}`;
  const bytes = createHash("sha256").update(name, "utf8").digest().subarray(0, 16);
  bytes[6] = ((bytes[6] as number) & 0x0f) | 0x80;
  bytes[8] = ((bytes[8] as number) & 0x3f) | 0x80;
  const hex = bytes.toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Words as Archon counts them (`len(text.split())`). */
export function wordCount(text: string): number {
  return text.split(/\s+/).filter(Boolean).length;
}

/** Reads the source's Archon fields inside the write transaction; `null` for an unknown source. */
export async function readArchonSource(tx: Db, sourceId: string): Promise<ArchonSourceInfo | null> {
  const { rows } = await tx.query<{ knowledge_type: string | null; tags: unknown }>(
    `SELECT a.metadata ->> 'knowledge_type' AS knowledge_type, a.metadata -> 'tags' AS tags
     FROM confluence_sources s JOIN archon_sources a ON a.source_id = s.source_id WHERE s.source_id = $1`,
    [sourceId],
  );
  const row = rows[0];
  if (!row) return null;
  const tags = Array.isArray(row.tags) ? row.tags.filter((tag): tag is string => typeof tag === "string") : [];
  return { knowledgeType: row.knowledge_type ?? "technical", tags };
}

const UNIQUE_VIOLATION = "23505";

/**
 * Upserts the page's `archon_page_metadata` row (shaped as Archon's crawler writes its own pages) and records on
 * the page row what indexed it. Runs inside the page's write transaction, before its chunks go in.
 */
export async function writeArchonPage(
  tx: Db,
  page: PageRecord,
  chunks: readonly ChunkRecord[],
  source: ArchonSourceInfo,
): Promise<ArchonPageContext> {
  const signature = page.indexedWith;
  const embeddingModel = signature?.embeddingModel ?? chunks[0]?.embeddingModel ?? null;
  const dimensions = signature?.dimensions ?? chunks[0]?.embedding.length ?? null;
  await tx.query(
    `UPDATE confluence_pages SET embedding_model = $3, embedding_dimension = $4, converter_id = $5, chunker_id = $6
     WHERE source_id = $1 AND page_id = $2`,
    [page.sourceId, page.pageId, embeddingModel, dimensions, signature?.converter ?? null, signature?.chunker ?? null],
  );
  const pageUuid = archonPageId(page.sourceId, page.pageId);
  const metadata = {
    source_type: "confluence",
    page_type: "documentation",
    crawl_type: "confluence",
    knowledge_type: source.knowledgeType,
    tags: source.tags,
    title: page.title,
    confluence_page_id: page.pageId,
    space_key: page.spaceKey,
    version: page.version,
    labels: page.labels,
    path: page.path,
    author_id: page.authorId,
    updated_at: page.updatedAt,
  };
  try {
    await tx.query(
      `INSERT INTO archon_page_metadata (id, source_id, url, full_content, section_title, section_order, word_count,
         char_count, chunk_count, metadata)
       VALUES ($1, $2, $3, $4, $5, 0, $6, $7, $8, $9::jsonb)
       ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, full_content = EXCLUDED.full_content,
         section_title = EXCLUDED.section_title, word_count = EXCLUDED.word_count, char_count = EXCLUDED.char_count,
         chunk_count = EXCLUDED.chunk_count,
         metadata = COALESCE(archon_page_metadata.metadata, '{}'::jsonb) || EXCLUDED.metadata, updated_at = NOW()`,
      [
        pageUuid,
        page.sourceId,
        page.webUrl,
        page.markdown,
        page.title,
        wordCount(page.markdown),
        page.markdown.length,
        chunks.length,
        JSON.stringify(metadata),
      ],
    );
  } catch (error) {
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
      throw new ConfluenceSyncError(
        "STORE_FAILED",
        `page ${page.pageId} of source ${page.sourceId}: archon_page_metadata already has a page for ${page.webUrl} ` +
          "(its url is unique), from another source. Sync each space into one source.",
        { cause: error },
      );
    }
    throw error;
  }
  return { pageUuid, knowledgeType: source.knowledgeType, tags: source.tags };
}

/** Removes the `archon_page_metadata` rows of these Confluence pages. */
export async function deleteArchonPages(tx: Db, sourceId: string, pageIds: readonly string[]): Promise<void> {
  await tx.query("DELETE FROM archon_page_metadata WHERE id = ANY($1::uuid[])", [
    pageIds.map((pageId) => archonPageId(sourceId, pageId)),
  ]);
}

/** A moved, renamed or relabelled page: its `archon_page_metadata` row follows (title, path, labels). */
export async function updateArchonPlacements(
  db: Db,
  sourceId: string,
  placements: readonly { readonly pageId: string }[],
): Promise<void> {
  await db.query(
    `UPDATE archon_page_metadata m SET section_title = p.title, updated_at = NOW(),
       metadata = COALESCE(m.metadata, '{}'::jsonb)
         || jsonb_build_object('title', p.title, 'path', p.path, 'labels', to_jsonb(p.labels))
     FROM confluence_pages p
     WHERE p.source_id = $1 AND p.page_id = ANY($2::text[]) AND m.id = confluence_page_uuid(p.source_id, p.page_id)`,
    [sourceId, placements.map((placement) => placement.pageId)],
  );
}

/**
 * After a sync: `archon_sources.total_word_count` (the words of the source's pages, as Archon counts them) and
 * `summary`, which Archon shows as the source's description unless a user wrote one.
 */
export async function refreshArchonSource(db: Db, sourceId: string): Promise<void> {
  await db.query(
    `UPDATE archon_sources a SET total_word_count = t.words,
       summary = format('Confluence space %s (%s): %s pages, %s words.', s.name, s.space_key, t.pages, t.words)
     FROM confluence_sources s,
       (SELECT count(*)::int AS pages, COALESCE(sum(word_count), 0)::int AS words
        FROM archon_page_metadata WHERE source_id = $1) t
     WHERE a.source_id = $1 AND s.source_id = a.source_id`,
    [sourceId],
  );
}

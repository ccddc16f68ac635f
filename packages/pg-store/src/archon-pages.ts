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
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    if (isSpace(text.charCodeAt(i))) inWord = false;
    else if (!inWord) {
      inWord = true;
      words += 1;
    }
  }
  return words;
}

/** The characters of the regular expression `\s`: ASCII and Unicode spaces, line and paragraph separators, BOM. */
function isSpace(code: number): boolean {
  if (code === 32 || (code >= 9 && code <= 13)) return true;
  if (code < 0xa0) return false;
  return (
    code === 0xa0 ||
    code === 0x1680 ||
    (code >= 0x2000 && code <= 0x200a) ||
    code === 0x2028 ||
    code === 0x2029 ||
    code === 0x202f ||
    code === 0x205f ||
    code === 0x3000 ||
    code === 0xfeff
  );
}

/**
 * Reads the sources' Archon fields inside the write transaction. Sources missing from the result are unknown (not
 * Confluence sources).
 */
export async function readArchonSources(tx: Db, sourceIds: readonly string[]): Promise<Map<string, ArchonSourceInfo>> {
  const { rows } = await tx.query<{ source_id: string; knowledge_type: string | null; tags: unknown }>(
    `SELECT s.source_id, a.metadata ->> 'knowledge_type' AS knowledge_type, a.metadata -> 'tags' AS tags
     FROM confluence_sources s JOIN archon_sources a ON a.source_id = s.source_id WHERE s.source_id = ANY($1::text[])`,
    [[...sourceIds]],
  );
  const sources = new Map<string, ArchonSourceInfo>();
  for (const row of rows) {
    const tags = Array.isArray(row.tags) ? row.tags.filter((tag): tag is string => typeof tag === "string") : [];
    sources.set(row.source_id, { knowledgeType: row.knowledge_type ?? "technical", tags });
  }
  return sources;
}

/** What produced a page's chunks, as recorded on its `confluence_pages` row (`null` parts are unknown). */
export function indexSignature(
  page: PageRecord,
  chunks: readonly ChunkRecord[],
): { embeddingModel: string | null; dimensions: number | null; converter: string | null; chunker: string | null } {
  const signature = page.indexedWith;
  return {
    embeddingModel: signature?.embeddingModel ?? chunks[0]?.embeddingModel ?? null,
    dimensions: signature?.dimensions ?? chunks[0]?.embedding.length ?? null,
    converter: signature?.converter ?? null,
    chunker: signature?.chunker ?? null,
  };
}

const UNIQUE_VIOLATION = "23505";

/**
 * Upserts the pages' `archon_page_metadata` rows (shaped as Archon's crawler writes its own pages) in one statement.
 * Runs inside the pages' write transaction, before their chunks go in. Every page's source must be in `sources`.
 * @returns each page's context for its chunks, in the order of `writes`
 */
export async function writeArchonPages(
  tx: Db,
  writes: readonly { readonly page: PageRecord; readonly chunks: readonly ChunkRecord[] }[],
  sources: ReadonlyMap<string, ArchonSourceInfo>,
): Promise<ArchonPageContext[]> {
  const contexts: ArchonPageContext[] = [];
  const rows = writes.map(({ page, chunks }) => {
    const source = sources.get(page.sourceId) ?? { knowledgeType: "technical", tags: [] };
    const pageUuid = archonPageId(page.sourceId, page.pageId);
    contexts.push({ pageUuid, knowledgeType: source.knowledgeType, tags: source.tags });
    return {
      id: pageUuid,
      source_id: page.sourceId,
      url: page.webUrl,
      full_content: page.markdown,
      section_title: page.title,
      word_count: wordCount(page.markdown),
      char_count: page.markdown.length,
      chunk_count: chunks.length,
      metadata: {
        source_type: "confluence",
        page_type: "documentation",
        crawl_type: "confluence",
        knowledge_type: source.knowledgeType,
        tags: source.tags,
        title: page.title,
        confluence_page_id: page.pageId,
        content_type: page.contentType ?? "page",
        space_key: page.spaceKey,
        version: page.version,
        labels: page.labels,
        path: page.path,
        author_id: page.authorId,
        updated_at: page.updatedAt,
      },
    };
  });
  if (rows.length === 0) return contexts;
  try {
    await tx.query(
      `INSERT INTO archon_page_metadata (id, source_id, url, full_content, section_title, section_order, word_count,
         char_count, chunk_count, metadata)
       SELECT r.id, r.source_id, r.url, r.full_content, r.section_title, 0, r.word_count, r.char_count, r.chunk_count,
         r.metadata
       FROM json_to_recordset($1::json) AS r(id uuid, source_id text, url text, full_content text,
         section_title text, word_count int, char_count int, chunk_count int, metadata jsonb)
       ORDER BY r.id
       ON CONFLICT (id) DO UPDATE SET url = EXCLUDED.url, full_content = EXCLUDED.full_content,
         section_title = EXCLUDED.section_title, word_count = EXCLUDED.word_count, char_count = EXCLUDED.char_count,
         chunk_count = EXCLUDED.chunk_count,
         metadata = COALESCE(archon_page_metadata.metadata, '{}'::jsonb) || EXCLUDED.metadata, updated_at = NOW()`,
      [JSON.stringify(rows)],
    );
  } catch (error) {
    if ((error as { code?: string }).code === UNIQUE_VIOLATION) {
      const pages = writes.map(({ page }) => page);
      const which =
        pages.length === 1
          ? `page ${pages[0]?.pageId} of source ${pages[0]?.sourceId}: archon_page_metadata already has a page for ${pages[0]?.webUrl}`
          : `one of pages ${pages.map((page) => page.pageId).join(", ")}: archon_page_metadata already has a page for its URL`;
      throw new ConfluenceSyncError(
        "STORE_FAILED",
        `${which} (its url is unique), from another source. Sync each space into one source.`,
        { cause: error },
      );
    }
    throw error;
  }
  return contexts;
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

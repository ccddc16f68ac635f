import {
  type ChunkRecord,
  ConfluenceSyncError,
  type ContentType,
  type PageRecord,
  type PageSummary,
  type SourceRecord,
} from "@archon/confluence-core";
import { type ArchonPageContext, wordCount } from "./archon-pages.js";

/** Embedding dimensions with a column in `archon_crawled_pages`, as in Archon's schema. */
export const SUPPORTED_DIMENSIONS = [384, 768, 1024, 1536, 3072] as const;

/** Throws `EMBED_DIMENSION_MISMATCH` unless `dimensions` has a column. */
export function checkSupportedDimension(dimensions: number, what: string): void {
  if (!(SUPPORTED_DIMENSIONS as readonly number[]).includes(dimensions)) {
    throw new ConfluenceSyncError(
      "EMBED_DIMENSION_MISMATCH",
      `${what} has ${dimensions} dimensions; archon_crawled_pages stores ${SUPPORTED_DIMENSIONS.join(", ")}-dimension ` +
        "vectors. Use an embedder with one of these dimensions.",
    );
  }
}

/** The column holding vectors of `dimensions` (trusted: checked against {@link SUPPORTED_DIMENSIONS}). */
export function vectorColumn(dimensions: number): string {
  checkSupportedDimension(dimensions, "the embedding");
  return `embedding_${dimensions}`;
}

/**
 * The indexed distance expression and the query parameter cast for `dimensions`. 3,072-dimension vectors go
 * through `halfvec` (their index's expression) when the server has it (pgvector 0.7+).
 */
export function vectorDistance(dimensions: number, param: string, halfvec = true): string {
  const column = `c.${vectorColumn(dimensions)}`;
  return dimensions === 3072 && halfvec
    ? `((${column})::halfvec(3072) <=> ${param}::halfvec(3072))`
    : `(${column} <=> ${param}::vector(${dimensions}))`;
}

export function toIso(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(String(value))).toISOString();
}

/** Parses an ISO timestamp for a timestamptz parameter; throws `CONFIG_INVALID` naming the field. */
export function isoParam(value: string | null | undefined, field: string): string | null {
  if (value === null || value === undefined) return null;
  const time = Date.parse(value);
  if (Number.isNaN(time)) {
    throw new ConfluenceSyncError("CONFIG_INVALID", `${field} must be an ISO timestamp, got ${JSON.stringify(value)}.`);
  }
  return new Date(time).toISOString();
}

export function parseVector(text: string): number[] {
  return JSON.parse(text) as number[];
}

export const PAGE_COLUMNS =
  "source_id, page_id, space_key, title, version, content_hash, status, parent_id, ancestors, path, depth, web_url, " +
  "author_id, created_at, updated_at, labels, indexed_at, content_type";

export type Row = Record<string, unknown>;

export function toPageSummary(row: Row): Omit<PageSummary, "childCount"> {
  return {
    sourceId: row.source_id as string,
    pageId: row.page_id as string,
    // Pages, the default, leave the field out, as the engine writes them.
    ...(row.content_type === "blogpost" ? { contentType: "blogpost" as const } : {}),
    spaceKey: row.space_key as string,
    title: row.title as string,
    version: row.version as number,
    contentHash: row.content_hash as string,
    status: row.status as PageRecord["status"],
    parentId: (row.parent_id as string | null) ?? null,
    ancestors: (row.ancestors as string[]) ?? [],
    path: row.path as string,
    depth: row.depth as number,
    webUrl: row.web_url as string,
    authorId: (row.author_id as string | null) ?? null,
    createdAt: toIso(row.created_at),
    updatedAt: toIso(row.updated_at),
    labels: (row.labels as string[]) ?? [],
    indexedAt: toIso(row.indexed_at) as string,
  };
}

export function toPageRecord(row: Row): PageRecord {
  return {
    ...toPageSummary(row),
    metadata: row.metadata as PageRecord["metadata"],
    markdown: row.markdown as string,
  };
}

export function toSourceRecord(row: Row): SourceRecord {
  const source: SourceRecord = {
    sourceId: row.source_id as string,
    name: row.name as string,
    deployment: row.deployment as SourceRecord["deployment"],
    baseUrl: row.base_url as string,
    spaceKey: row.space_key as string,
    deletionStrategy: row.deletion_strategy as SourceRecord["deletionStrategy"],
    removeArchived: row.remove_archived as boolean,
    createdAt: toIso(row.created_at) as string,
    updatedAt: toIso(row.updated_at) as string,
    ...(row.sync_permissions === true ? { syncPermissions: true } : {}),
    ...(row.enforce_permissions === true ? { enforcePermissions: true } : {}),
  };
  const withContent =
    row.content === null || row.content === undefined
      ? source
      : { ...source, content: row.content as SourceRecord["content"] & object };
  return row.metadata === null || row.metadata === undefined
    ? withContent
    : { ...withContent, metadata: row.metadata as Record<string, unknown> };
}

/**
 * What a chunk row's `metadata` holds: every key Archon's crawler gives its own chunks (`url`, `title`,
 * `description`, `source_id`, `knowledge_type`, `page_id`, `crawl_type`, `word_count`, `char_count`,
 * `chunk_index`, `tags`; Archon's results show them and cite `url`), `headers`, and the Confluence fields.
 */
export interface ChunkMetadata {
  readonly url: string;
  readonly title: string;
  readonly description: string;
  readonly source_id: string;
  readonly knowledge_type: string;
  readonly tags: readonly string[];
  /** UUID of the page's `archon_page_metadata` row, as Archon expects. */
  readonly page_id: string | null;
  readonly crawl_type: "confluence";
  readonly word_count: number;
  readonly char_count: number;
  readonly chunk_index: number;
  readonly headers: string;
  /** The Confluence page id; the store links chunks to `confluence_pages` by it (expression index). */
  readonly confluence_page_id: string;
  readonly source_type: "confluence";
  readonly space_key: string;
  readonly breadcrumb: readonly string[];
  readonly chunk_hash: string;
  readonly tokens: number;
  /** `page`, `blogpost`, or `comment` for a chunk of the page's discussion. */
  readonly content_type: ContentType;
  /** Set on the chunks of an attached file: `confluence_page_id` is then the attachment id, this the page's. */
  readonly attachment?: {
    readonly content_type: "attachment";
    readonly container_page_id: string;
    readonly file_name: string;
    readonly media_type: string;
  };
}

export function chunkMetadata(page: PageRecord, chunk: ChunkRecord, archon: ArchonPageContext): ChunkMetadata {
  return {
    url: page.webUrl,
    title: page.title,
    description: chunk.breadcrumb.join(" > "),
    source_id: page.sourceId,
    knowledge_type: archon.knowledgeType,
    tags: archon.tags,
    page_id: archon.pageUuid,
    crawl_type: "confluence",
    word_count: wordCount(chunk.content),
    char_count: chunk.content.length,
    chunk_index: chunk.chunkNumber,
    headers: chunk.breadcrumb.join(" > "),
    confluence_page_id: page.pageId,
    source_type: "confluence",
    space_key: page.spaceKey,
    breadcrumb: chunk.breadcrumb,
    chunk_hash: chunk.hash,
    tokens: chunk.tokens,
    content_type: chunk.contentType ?? page.contentType ?? "page",
    ...(page.metadata.attachment
      ? {
          attachment: {
            content_type: "attachment",
            container_page_id: page.metadata.attachment.pageId,
            file_name: page.metadata.attachment.fileName,
            media_type: page.metadata.attachment.mediaType,
          },
        }
      : {}),
  };
}

export function toChunkRecord(row: Row): ChunkRecord {
  const meta = row.metadata as ChunkMetadata;
  return {
    chunkNumber: row.chunk_number as number,
    content: row.content as string,
    hash: meta.chunk_hash,
    breadcrumb: meta.breadcrumb,
    tokens: meta.tokens,
    embedding: parseVector(row.embedding as string),
    embeddingModel: row.embedding_model as string,
    // Only a discussion chunk differs from its page; the others inherit the page's type.
    ...(meta.content_type === "comment" ? { contentType: "comment" as const } : {}),
  };
}

/** `LIKE` pattern matching `prefix` literally. */
export function escapeLike(prefix: string): string {
  return prefix.replace(/[\\%_]/g, (c) => `\\${c}`);
}

import { ConfluenceSyncError } from "../errors.js";
import { checkPrincipal } from "../permissions/readers.js";
import type {
  ChunkRecord,
  ContentType,
  PageRecord,
  SearchFilters,
  SearchMode,
  SearchQuery,
} from "../ports/knowledge-store.js";
import type { SearchPrincipal } from "../ports/permissions.js";

/**
 * Removes NUL characters (U+0000). PostgreSQL text and JSONB cannot hold them, so every store strips them on
 * write instead of failing the page; the rest of the string is kept as given.
 */
export function stripNul(text: string): string {
  return text.includes("\u0000") ? text.replaceAll("\u0000", "") : text;
}

/** {@link stripNul} applied to every string (keys included) of a JSON-like value. */
export function stripNulDeep<T>(value: T): T {
  if (typeof value === "string") return stripNul(value) as T;
  if (Array.isArray(value)) return value.map((item) => stripNulDeep(item)) as T;
  if (value !== null && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[stripNul(key)] = stripNulDeep(item);
    return out as T;
  }
  return value;
}

/** Whether any string (keys included) of a JSON-like value holds a NUL character; allocates nothing. */
export function hasNulDeep(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\u0000");
  if (value === null || typeof value !== "object") return false;
  if (Array.isArray(value)) {
    for (const item of value) if (hasNulDeep(item)) return true;
    return false;
  }
  for (const key in value) {
    if (!Object.hasOwn(value, key)) continue;
    if (key.includes("\u0000") || hasNulDeep((value as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/** {@link hasNulDeep} for a chunk, leaving out its vector. */
function chunkHasNul(chunk: ChunkRecord): boolean {
  for (const key in chunk) {
    if (key === "embedding" || !Object.hasOwn(chunk, key)) continue;
    if (key.includes("\u0000") || hasNulDeep((chunk as unknown as Record<string, unknown>)[key])) return true;
  }
  return false;
}

/**
 * Validates a page write and returns the page and chunks as they will be stored (NUL characters removed).
 * Throws `EMBED_DIMENSION_MISMATCH` when the chunks' vectors differ in length, `EMBED_BAD_RESPONSE` for a
 * non-finite component and `CONFIG_INVALID` for duplicate chunk numbers, so nothing is written.
 *
 * The result is a copy the store may keep. With `copy: false` (a store that only encodes the write and drops it),
 * a page or chunk that holds no NUL character is returned as given, and vectors are not copied.
 */
export function normalizePageWrite(
  page: PageRecord,
  chunks: readonly ChunkRecord[],
  options: { readonly copy?: boolean } = {},
): { page: PageRecord; chunks: ChunkRecord[]; dimensions: number | null } {
  let dimensions: number | null = null;
  const seen = new Set<number>();
  for (const chunk of chunks) {
    const where = `chunk ${chunk.chunkNumber} of page ${page.pageId} (source ${page.sourceId})`;
    if (!Number.isInteger(chunk.chunkNumber) || chunk.chunkNumber < 0 || seen.has(chunk.chunkNumber)) {
      throw new ConfluenceSyncError(
        "CONFIG_INVALID",
        `${where}: chunkNumber must be a unique non-negative integer within the page.`,
      );
    }
    seen.add(chunk.chunkNumber);
    if (chunk.embedding.length === 0) {
      throw new ConfluenceSyncError("EMBED_DIMENSION_MISMATCH", `${where} has an empty embedding.`);
    }
    if (dimensions === null) dimensions = chunk.embedding.length;
    else if (chunk.embedding.length !== dimensions) {
      throw new ConfluenceSyncError(
        "EMBED_DIMENSION_MISMATCH",
        `${where} has ${chunk.embedding.length} dimensions, the page's other chunks have ${dimensions}.`,
      );
    }
    assertFiniteVector(chunk.embedding, where);
  }
  if (options.copy === false) {
    return {
      page: hasNulDeep(page) ? stripNulDeep(page) : page,
      chunks: chunks.map((chunk) =>
        chunkHasNul(chunk)
          ? { ...stripNulDeep({ ...chunk, embedding: [] as number[] }), embedding: chunk.embedding as number[] }
          : (chunk as ChunkRecord),
      ),
      dimensions,
    };
  }
  const cleanPage = stripNulDeep(page);
  const cleanChunks = chunks.map((chunk) => ({
    ...stripNulDeep({ ...chunk, embedding: [] as number[] }),
    embedding: [...chunk.embedding],
  }));
  return { page: cleanPage, chunks: cleanChunks, dimensions };
}

/** Throws `EMBED_BAD_RESPONSE` when a component is NaN or infinite. */
export function assertFiniteVector(vector: readonly number[], where: string): void {
  for (const value of vector) {
    if (typeof value !== "number" || !Number.isFinite(value)) {
      throw new ConfluenceSyncError(
        "EMBED_BAD_RESPONSE",
        `${where}: embedding contains a non-finite value (${String(value)}).`,
      );
    }
  }
}

/** A search query with defaults applied and input checked. */
export interface NormalizedSearch {
  readonly text: string;
  readonly embedding: readonly number[] | null;
  readonly embeddingModel: string | null;
  readonly mode: SearchMode;
  readonly limit: number;
  /** Candidates each leg of a hybrid search contributes before fusion. */
  readonly candidates: number;
  readonly filters: SearchFilters;
  /** Only pages this principal may read; `null` searches every page. */
  readonly principal: SearchPrincipal | null;
}

/** Reciprocal Rank Fusion constant: a hit at rank r (1-based) in a leg scores `1 / (RRF_K + r)`. */
export const RRF_K = 60;
/** Largest accepted `limit` for searches and listings. */
export const MAX_LIMIT = 1000;

/** Candidates per leg for a hybrid search of `limit` results: `min(1000, max(40, 4 * limit))`. */
export function hybridCandidates(limit: number): number {
  return Math.min(MAX_LIMIT, Math.max(40, limit * 4));
}

/** Checks a limit: an integer from 1 to {@link MAX_LIMIT}; throws `CONFIG_INVALID` naming `field` otherwise. */
export function checkLimit(limit: number | undefined, fallback: number, field: string): number {
  const value = limit ?? fallback;
  if (!Number.isInteger(value) || value < 1 || value > MAX_LIMIT) {
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      `${field} must be an integer from 1 to ${MAX_LIMIT}, got ${value}.`,
    );
  }
  return value;
}

/** Applies defaults and checks a {@link SearchQuery}; throws `CONFIG_INVALID` or `EMBED_BAD_RESPONSE`. */
export function normalizeSearchQuery(query: SearchQuery): NormalizedSearch {
  const mode = query.mode ?? "hybrid";
  if (mode !== "hybrid" && mode !== "vector" && mode !== "keyword") {
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      `search mode must be hybrid, vector or keyword, got ${String(mode)}.`,
    );
  }
  const limit = checkLimit(query.limit, 10, "search limit");
  const embedding = query.embedding ?? null;
  if (mode !== "keyword") {
    if (!embedding || embedding.length === 0) {
      throw new ConfluenceSyncError("CONFIG_INVALID", `search mode ${mode} needs a query embedding.`);
    }
    assertFiniteVector(embedding, "search query");
  }
  if (typeof query.text !== "string") {
    throw new ConfluenceSyncError("CONFIG_INVALID", "search text must be a string.");
  }
  const filters = stripNulDeep(query.filters ?? {});
  if (filters.updatedAfter !== undefined && Number.isNaN(Date.parse(filters.updatedAfter))) {
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      `filters.updatedAfter must be an ISO timestamp, got ${JSON.stringify(filters.updatedAfter)}.`,
    );
  }
  checkContentTypes(filters.contentTypes);
  return {
    text: stripNul(query.text),
    embedding: mode === "keyword" ? null : embedding,
    embeddingModel: query.embeddingModel ?? null,
    mode,
    limit,
    candidates: mode === "hybrid" ? hybridCandidates(limit) : limit,
    filters,
    principal: query.principal === undefined || query.principal === null ? null : checkPrincipal(query.principal),
  };
}

/** Every content type a store indexes. */
export const CONTENT_TYPES: readonly ContentType[] = ["page", "blogpost", "comment"];

/** Throws `CONFIG_INVALID` unless the filter lists known content types only. */
function checkContentTypes(types: readonly ContentType[] | undefined): void {
  if (types === undefined) return;
  if (!Array.isArray(types)) {
    throw new ConfluenceSyncError("CONFIG_INVALID", "filters.contentTypes must be an array of content types.");
  }
  const unknown = types.find((type) => !CONTENT_TYPES.includes(type));
  if (unknown !== undefined) {
    throw new ConfluenceSyncError(
      "CONFIG_INVALID",
      `filters.contentTypes: unknown content type ${JSON.stringify(unknown)}; use ${CONTENT_TYPES.join(", ")}.`,
    );
  }
}

/** True when `path` is `prefix` or lies below it (`prefix/...`); a prefix ending in `/` matches below it only. */
export function pathInSubtree(path: string, prefix: string): boolean {
  if (prefix === "" || prefix === "/") return true;
  if (prefix.endsWith("/")) return path.startsWith(prefix);
  return path === prefix || path.startsWith(`${prefix}/`);
}

/** Opaque keyset cursor for page listings. */
export function encodeListCursor(path: string, pageId: string): string {
  return Buffer.from(JSON.stringify([path, pageId]), "utf8").toString("base64url");
}

/** Decodes {@link encodeListCursor}; throws `CONFIG_INVALID` for anything else. */
export function decodeListCursor(cursor: string): { path: string; pageId: string } {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(value) && value.length === 2 && typeof value[0] === "string" && typeof value[1] === "string") {
      return { path: value[0], pageId: value[1] };
    }
  } catch {
    // fall through to the coded error
  }
  throw new ConfluenceSyncError("CONFIG_INVALID", "cursor is not a cursor returned by listPages.");
}

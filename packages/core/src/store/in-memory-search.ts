import { ConfluenceSyncError } from "../errors.js";
import type { ChunkRecord, ContentType, PageRecord, SearchFilters, SearchHit } from "../ports/knowledge-store.js";
import { cosineSimilarity, keywordScore, parseKeywordQuery } from "./keyword.js";
import { type NormalizedSearch, pathInSubtree, RRF_K } from "./validate.js";

export interface IndexedChunk {
  readonly page: PageRecord;
  readonly chunk: ChunkRecord;
}

interface Ranked {
  readonly item: IndexedChunk;
  readonly score: number;
}

/** Brute-force hybrid search over every chunk: exact cosine, the keyword matcher, Reciprocal Rank Fusion. */
export function searchChunks(
  all: readonly IndexedChunk[],
  query: NormalizedSearch,
  modelDims: ReadonlyMap<string, ReadonlyMap<number, number>>,
): SearchHit[] {
  if (query.embedding) checkDimensions(query.embedding.length, query.embeddingModel, modelDims);
  const types = query.filters.contentTypes;
  const chunks = all.filter(
    (item) => matchesFilters(item.page, query.filters) && (!types || types.includes(chunkContentType(item))),
  );
  const vector = query.mode === "keyword" ? [] : vectorLeg(chunks, query);
  const keyword = query.mode === "vector" ? [] : keywordLeg(chunks, query);
  if (query.mode === "vector") return vector.slice(0, query.limit).map((r) => toHit(r.item, r.score, true, false));
  if (query.mode === "keyword") return keyword.slice(0, query.limit).map((r) => toHit(r.item, r.score, false, true));

  const fused = new Map<IndexedChunk, { score: number; vector: boolean; keyword: boolean }>();
  vector.forEach(({ item }, rank) => {
    fused.set(item, { score: 1 / (RRF_K + rank + 1), vector: true, keyword: false });
  });
  keyword.forEach(({ item }, rank) => {
    const entry = fused.get(item) ?? { score: 0, vector: false, keyword: false };
    fused.set(item, { ...entry, score: entry.score + 1 / (RRF_K + rank + 1), keyword: true });
  });
  return [...fused]
    .map(([item, entry]) => ({ item, ...entry }))
    .sort((a, b) => b.score - a.score || tieBreak(a.item, b.item))
    .slice(0, query.limit)
    .map((entry) => toHit(entry.item, entry.score, entry.vector, entry.keyword));
}

function checkDimensions(
  length: number,
  model: string | null,
  modelDims: ReadonlyMap<string, ReadonlyMap<number, number>>,
): void {
  const stored = new Set<number>();
  for (const [name, dims] of modelDims) {
    if (model === null || name === model) for (const d of dims.keys()) stored.add(d);
  }
  if (stored.size > 0 && !stored.has(length)) {
    throw new ConfluenceSyncError(
      "EMBED_DIMENSION_MISMATCH",
      `the query embedding has ${length} dimensions, but the store holds ${[...stored].join(", ")}-dimension vectors` +
        (model ? ` for model ${model}` : "") +
        ". Embed the query with the model that indexed the pages.",
    );
  }
}

function vectorLeg(chunks: readonly IndexedChunk[], query: NormalizedSearch): Ranked[] {
  const embedding = query.embedding as readonly number[];
  return chunks
    .filter(({ chunk }) => chunk.embedding.length === embedding.length)
    .filter(({ chunk }) => query.embeddingModel === null || chunk.embeddingModel === query.embeddingModel)
    .map((item) => ({ item, score: cosineSimilarity(embedding, item.chunk.embedding) }))
    .sort((a, b) => b.score - a.score || tieBreak(a.item, b.item))
    .slice(0, query.candidates);
}

function keywordLeg(chunks: readonly IndexedChunk[], query: NormalizedSearch): Ranked[] {
  const parsed = parseKeywordQuery(query.text);
  if (!parsed) return [];
  return chunks
    .map((item) => ({ item, score: keywordScore(parsed, item.chunk.content) }))
    .filter((ranked) => ranked.score > 0)
    .sort((a, b) => b.score - a.score || tieBreak(a.item, b.item))
    .slice(0, query.candidates);
}

/** Whether a page passes every given filter. */
export function matchesFilters(page: PageRecord, filters: SearchFilters): boolean {
  if (filters.sourceIds && !filters.sourceIds.includes(page.sourceId)) return false;
  if (filters.spaceKeys && !filters.spaceKeys.includes(page.spaceKey)) return false;
  if (filters.labels && !filters.labels.every((label) => page.labels.includes(label))) return false;
  if (filters.pathPrefix !== undefined && !pathInSubtree(page.path, filters.pathPrefix)) return false;
  if (filters.authorIds && (page.authorId === null || !filters.authorIds.includes(page.authorId))) return false;
  if (filters.updatedAfter !== undefined) {
    if (page.updatedAt === null || Date.parse(page.updatedAt) < Date.parse(filters.updatedAfter)) return false;
  }
  return true;
}

/** What a chunk comes from: its own content type, else its page's. */
export function chunkContentType({ page, chunk }: IndexedChunk): ContentType {
  return chunk.contentType ?? page.contentType ?? "page";
}

function tieBreak(a: IndexedChunk, b: IndexedChunk): number {
  return (
    cmp(a.page.sourceId, b.page.sourceId) ||
    cmp(a.page.pageId, b.page.pageId) ||
    a.chunk.chunkNumber - b.chunk.chunkNumber
  );
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toHit({ page, chunk }: IndexedChunk, score: number, vector: boolean, keyword: boolean): SearchHit {
  return {
    sourceId: page.sourceId,
    pageId: page.pageId,
    chunkNumber: chunk.chunkNumber,
    title: page.title,
    url: page.webUrl,
    breadcrumb: [...chunk.breadcrumb],
    content: chunk.content,
    contentType: chunkContentType({ page, chunk }),
    score,
    matched: { vector, keyword },
  };
}

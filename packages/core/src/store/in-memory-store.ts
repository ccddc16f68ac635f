import { ConfluenceSyncError } from "../errors.js";
import { assertPrincipalGiven, canRead, checkReaders } from "../permissions/readers.js";
import type {
  BreadcrumbItem,
  ChunkRecord,
  FolderRecord,
  KnowledgeStore,
  PageList,
  PageListQuery,
  PagePlacement,
  PageRecord,
  PageSummary,
  SearchHit,
  SearchQuery,
  SourceRecord,
  StoredPageState,
  SyncMetrics,
  SyncState,
} from "../ports/knowledge-store.js";
import type { PageReaders } from "../ports/permissions.js";
import { type IndexedChunk, searchChunks } from "./in-memory-search.js";
import {
  checkLimit,
  decodeListCursor,
  encodeListCursor,
  normalizePageWrite,
  normalizeSearchQuery,
  pathInSubtree,
  stripNulDeep,
} from "./validate.js";

interface StoredPage {
  page: PageRecord;
  chunks: ChunkRecord[];
}

const clone = <T>(value: T): T => structuredClone(value);

/**
 * The reference {@link KnowledgeStore}: everything in memory, nothing persisted. Semantics match
 * `PgKnowledgeStore`; both pass `describeKnowledgeStore`. Useful for tests, demos and small spaces.
 *
 * @example
 * const store = new InMemoryKnowledgeStore();
 * await store.upsertSource(source);
 */
export class InMemoryKnowledgeStore implements KnowledgeStore {
  readonly #sources = new Map<string, SourceRecord>();
  readonly #pages = new Map<string, Map<string, StoredPage>>();
  readonly #syncStates = new Map<string, SyncState>();
  readonly #metrics = new Map<string, SyncMetrics>();
  readonly #folders = new Map<string, Map<string, FolderRecord>>();
  /** Embedding cache keyed by `model \u0001 dimensions \u0001 hash`; survives source deletion. */
  readonly #embeddings = new Map<string, number[]>();
  /** Stored chunk count per model and dimension, to enforce one dimension per model. */
  readonly #modelDims = new Map<string, Map<number, number>>();
  /** Readers per source and page, kept apart from page rows so a rewrite keeps them. */
  readonly #readers = new Map<string, Map<string, PageReaders>>();
  #closed = false;

  async upsertSource(source: SourceRecord): Promise<void> {
    this.#open();
    this.#sources.set(source.sourceId, clone(stripNulDeep(source)));
    if (!this.#pages.has(source.sourceId)) this.#pages.set(source.sourceId, new Map());
  }

  async getSource(sourceId: string): Promise<SourceRecord | null> {
    this.#open();
    const source = this.#sources.get(sourceId);
    return source ? clone(source) : null;
  }

  async listSources(): Promise<SourceRecord[]> {
    this.#open();
    return [...this.#sources.values()].sort((a, b) => compare(a.sourceId, b.sourceId)).map(clone);
  }

  async deleteSource(sourceId: string): Promise<void> {
    this.#open();
    for (const stored of this.#pages.get(sourceId)?.values() ?? []) this.#countChunks(stored.chunks, -1);
    this.#pages.delete(sourceId);
    this.#readers.delete(sourceId);
    this.#sources.delete(sourceId);
    this.#syncStates.delete(sourceId);
    this.#metrics.delete(sourceId);
    this.#folders.delete(sourceId);
  }

  async getPageStates(sourceId: string): Promise<Map<string, StoredPageState>> {
    this.#open();
    const states = new Map<string, StoredPageState>();
    for (const { page } of this.#pages.get(sourceId)?.values() ?? []) {
      const { pageId, version, contentHash, parentId, path, title, status, labels, indexedWith, contentType } = page;
      const state = {
        pageId,
        ...(contentType === undefined || contentType === "page" ? {} : { contentType }),
        version,
        contentHash,
        parentId,
        path,
        title,
        status,
        labels: [...labels],
      };
      states.set(pageId, indexedWith ? { ...state, indexedWith: { ...indexedWith } } : state);
    }
    return states;
  }

  async writePage(page: PageRecord, chunks: readonly ChunkRecord[]): Promise<void> {
    this.#open();
    const pages = this.#sourcePages(page.sourceId);
    const clean = normalizePageWrite(page, chunks);
    const previous = pages.get(page.pageId);
    // Check against the dimension other pages use for the same model, before touching anything.
    for (const chunk of clean.chunks) {
      const dims = this.#modelDims.get(chunk.embeddingModel);
      const own = previous?.chunks.filter((c) => c.embeddingModel === chunk.embeddingModel) ?? [];
      for (const [stored, count] of dims ?? []) {
        const others = count - own.filter((c) => c.embedding.length === stored).length;
        if (stored !== chunk.embedding.length && others > 0) {
          throw new ConfluenceSyncError(
            "EMBED_DIMENSION_MISMATCH",
            `chunk ${chunk.chunkNumber} of page ${page.pageId} has ${chunk.embedding.length} dimensions, but the store ` +
              `holds ${stored}-dimension vectors for model ${chunk.embeddingModel}. Re-index with one embedder.`,
          );
        }
      }
    }
    if (previous) this.#countChunks(previous.chunks, -1);
    const sorted = [...clean.chunks].sort((a, b) => a.chunkNumber - b.chunkNumber);
    pages.set(page.pageId, { page: clean.page, chunks: sorted });
    this.#countChunks(sorted, 1);
    for (const chunk of sorted) {
      this.#embeddings.set(cacheKey(chunk.embeddingModel, chunk.embedding.length, chunk.hash), [...chunk.embedding]);
    }
  }

  async updatePlacements(sourceId: string, placements: readonly PagePlacement[]): Promise<void> {
    this.#open();
    const pages = this.#pages.get(sourceId);
    if (!pages) return;
    for (const placement of placements) {
      const stored = pages.get(placement.pageId);
      if (!stored) continue;
      const { title, parentId, ancestors, path, depth, status, labels } = stripNulDeep(placement);
      stored.page = { ...stored.page, title, parentId, ancestors: [...ancestors], path, depth, status };
      if (labels) stored.page = { ...stored.page, labels: [...labels] };
    }
  }

  async deletePages(sourceId: string, pageIds: readonly string[]): Promise<void> {
    this.#open();
    const pages = this.#pages.get(sourceId);
    if (!pages) return;
    for (const pageId of pageIds) {
      const stored = pages.get(pageId);
      if (!stored) continue;
      this.#countChunks(stored.chunks, -1);
      pages.delete(pageId);
      this.#readers.get(sourceId)?.delete(pageId);
    }
  }

  async saveFolders(
    sourceId: string,
    folders: readonly FolderRecord[],
    options: { readonly replace?: boolean } = {},
  ): Promise<void> {
    this.#open();
    this.#requireSource(sourceId);
    const stored = options.replace ? new Map<string, FolderRecord>() : (this.#folders.get(sourceId) ?? new Map());
    for (const folder of folders) stored.set(folder.folderId, clone(stripNulDeep(folder)));
    this.#folders.set(sourceId, stored);
  }

  async getBreadcrumb(sourceId: string, pageId: string): Promise<BreadcrumbItem[]> {
    this.#open();
    const pages = this.#pages.get(sourceId);
    const page = pages?.get(pageId)?.page;
    if (!page) return [];
    const folders = this.#folders.get(sourceId);
    return [...page.ancestors, pageId].flatMap((id): BreadcrumbItem[] => {
      const node = pages?.get(id)?.page;
      if (node) return [{ id, kind: "page", title: node.title, webUrl: node.webUrl }];
      const folder = folders?.get(id);
      return folder ? [{ id, kind: "folder", title: folder.title, webUrl: folder.webUrl }] : [];
    });
  }

  async getPage(sourceId: string, pageId: string): Promise<PageRecord | null> {
    this.#open();
    const stored = this.#pages.get(sourceId)?.get(pageId);
    return stored ? clone(stored.page) : null;
  }

  async getChunks(sourceId: string, pageId: string): Promise<ChunkRecord[]> {
    this.#open();
    return clone(this.#pages.get(sourceId)?.get(pageId)?.chunks ?? []);
  }

  async listPages(query: PageListQuery): Promise<PageList> {
    this.#open();
    const limit = checkLimit(query.limit, 50, "listPages limit");
    const after = query.cursor ? decodeListCursor(query.cursor) : null;
    const all = [...(this.#pages.get(query.sourceId)?.values() ?? [])].map((stored) => stored.page);
    const childCounts = new Map<string, number>();
    for (const page of all) {
      if (page.parentId !== null) childCounts.set(page.parentId, (childCounts.get(page.parentId) ?? 0) + 1);
    }
    const matching = all
      .filter((page) => query.parentId === undefined || page.parentId === query.parentId)
      .filter((page) => query.pathPrefix === undefined || pathInSubtree(page.path, query.pathPrefix))
      .sort((a, b) => compare(a.path, b.path) || compare(a.pageId, b.pageId));
    const start = after
      ? matching.filter((p) => compare(p.path, after.path) < 0 || (p.path === after.path && p.pageId <= after.pageId))
          .length
      : 0;
    const slice = matching.slice(start, start + limit);
    const items: PageSummary[] = slice.map(({ markdown: _m, metadata: _meta, ...rest }) => ({
      ...clone(rest),
      childCount: childCounts.get(rest.pageId) ?? 0,
    }));
    const last = slice[slice.length - 1];
    const nextCursor = last && start + limit < matching.length ? encodeListCursor(last.path, last.pageId) : null;
    return { items, nextCursor, total: matching.length };
  }

  async findEmbeddings(
    embeddingModel: string,
    dimensions: number,
    hashes: readonly string[],
  ): Promise<Map<string, number[]>> {
    this.#open();
    const found = new Map<string, number[]>();
    for (const hash of hashes) {
      const vector = this.#embeddings.get(cacheKey(embeddingModel, dimensions, hash));
      if (vector) found.set(hash, [...vector]);
    }
    return found;
  }

  async getSyncState(sourceId: string): Promise<SyncState | null> {
    this.#open();
    const state = this.#syncStates.get(sourceId);
    return state ? clone(state) : null;
  }

  async saveSyncState(state: SyncState): Promise<void> {
    this.#open();
    this.#requireSource(state.sourceId);
    this.#syncStates.set(state.sourceId, clone(stripNulDeep(state)));
  }

  async saveSyncMetrics(sourceId: string, metrics: SyncMetrics): Promise<void> {
    this.#open();
    this.#requireSource(sourceId);
    this.#metrics.set(sourceId, clone(metrics));
  }

  /** Metrics of the source's last finished sync, as given to {@link saveSyncMetrics}. */
  async getSyncMetrics(sourceId: string): Promise<SyncMetrics | null> {
    this.#open();
    const metrics = this.#metrics.get(sourceId);
    return metrics ? clone(metrics) : null;
  }

  async search(query: SearchQuery): Promise<SearchHit[]> {
    this.#open();
    const normalized = normalizeSearchQuery(query);
    const principal = normalized.principal;
    assertPrincipalGiven(principal ?? undefined, normalized.filters.sourceIds, [...this.#sources.values()]);
    const chunks: IndexedChunk[] = [];
    for (const [sourceId, pages] of this.#pages) {
      const readers = this.#readers.get(sourceId);
      for (const { page, chunks: pageChunks } of pages.values()) {
        // Unreadable pages never reach either leg, so `limit` counts readable hits only.
        if (principal && !canRead(readers?.get(page.pageId), principal)) continue;
        for (const chunk of pageChunks) chunks.push({ page, chunk });
      }
    }
    return searchChunks(chunks, normalized, this.#modelDims);
  }

  async getPageReaders(sourceId: string, pageIds?: readonly string[]): Promise<Map<string, PageReaders>> {
    this.#open();
    const all = this.#readers.get(sourceId) ?? new Map<string, PageReaders>();
    if (pageIds === undefined) return clone(all);
    const out = new Map<string, PageReaders>();
    for (const id of pageIds) {
      const readers = all.get(id);
      if (readers) out.set(id, clone(readers));
    }
    return out;
  }

  async setPageReaders(sourceId: string, readers: ReadonlyMap<string, PageReaders>): Promise<void> {
    this.#open();
    for (const [pageId, clauses] of readers) checkReaders(pageId, clauses);
    const pages = this.#pages.get(sourceId);
    if (!pages) return;
    let stored = this.#readers.get(sourceId);
    if (!stored) {
      stored = new Map();
      this.#readers.set(sourceId, stored);
    }
    for (const [pageId, clauses] of readers) {
      if (pages.has(pageId)) stored.set(pageId, clone(stripNulDeep(clauses)));
    }
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #open(): void {
    if (this.#closed) throw new ConfluenceSyncError("STORE_FAILED", "the store was closed.");
  }

  #requireSource(sourceId: string): void {
    if (!this.#sources.has(sourceId)) {
      throw new ConfluenceSyncError("CONFIG_INVALID", `unknown source ${JSON.stringify(sourceId)}: upsert it first.`);
    }
  }

  #sourcePages(sourceId: string): Map<string, StoredPage> {
    this.#requireSource(sourceId);
    let pages = this.#pages.get(sourceId);
    if (!pages) {
      pages = new Map();
      this.#pages.set(sourceId, pages);
    }
    return pages;
  }

  #countChunks(chunks: readonly ChunkRecord[], delta: 1 | -1): void {
    for (const chunk of chunks) {
      let dims = this.#modelDims.get(chunk.embeddingModel);
      if (!dims) {
        dims = new Map();
        this.#modelDims.set(chunk.embeddingModel, dims);
      }
      const next = (dims.get(chunk.embedding.length) ?? 0) + delta;
      if (next > 0) dims.set(chunk.embedding.length, next);
      else dims.delete(chunk.embedding.length);
      if (dims.size === 0) this.#modelDims.delete(chunk.embeddingModel);
    }
  }
}

function cacheKey(model: string, dimensions: number, hash: string): string {
  return `${model}\u0001${dimensions}\u0001${hash}`;
}

/** Code-unit order, like PostgreSQL's `COLLATE "C"` for ASCII ids and paths. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

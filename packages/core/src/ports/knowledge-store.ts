/**
 * Where synced pages, chunks, vectors, sync state and sources live. `InMemoryKnowledgeStore` is the reference;
 * `@archon/confluence-pg-store` is the PostgreSQL + pgvector implementation. Every implementation passes
 * `describeKnowledgeStore` from `@archon/confluence-core/testing`.
 */

import type { PageContentType, PageStatus } from "./confluence-source.js";
import type { PageMetadata } from "./converter.js";
import type { PageReaders, SearchPrincipal } from "./permissions.js";

/** How a sync finds pages that left the space. */
export type DeletionStrategy =
  /** List every page id on every sync (a few cheap requests) and remove what vanished, was trashed or archived. */
  | "listing"
  /** Same check, but only on full syncs; incremental syncs never remove pages. */
  | "full-only"
  /** Never remove pages. */
  | "never";

/** Kinds of indexed content: pages, blog posts, and the comments indexed with them. */
export type ContentType = "page" | "blogpost" | "comment";

/** Which kinds of content a source indexes besides its pages (pages are always indexed). */
export interface ContentOptions {
  /** Blog posts, under a `blog` node of the tree of their own (path `/blog/<id>`). @default false */
  readonly blogPosts?: boolean;
  /**
   * Footer and inline comments, as a "Discussion" section of their page (chunks of content type `comment`);
   * `{ includeResolvedInline: false }` leaves resolved inline comments out. @default false
   */
  readonly comments?: boolean | { readonly includeResolvedInline?: boolean };
  /**
   * The text of files attached to pages and blog posts, as entries under them (`true`, or options; see
   * `attachmentOptionsSchema`). Turned off, or narrowed by `mediaTypes`, files indexed before leave at the next sync.
   * @default false
   */
  readonly attachments?: boolean | AttachmentContentOptions;
}

/** What to do with attached files; `attachmentOptionsSchema` validates it and states the defaults. */
export interface AttachmentContentOptions {
  /** @default true */
  readonly enabled?: boolean;
  /** Media types to index, exact (`application/pdf`) or by family (`image/*`). @default all the extractor reads */
  readonly mediaTypes?: readonly string[];
  /** Largest file downloaded, in bytes. @default 25 MiB */
  readonly maxBytes?: number;
  /** Milliseconds one file may take to extract. @default 60000 */
  readonly timeBudgetMs?: number;
  /** Pages whose attachment listings are read at the same time. @default 8 */
  readonly concurrency?: number;
}

/** A configured Confluence space to keep in sync. Credentials are never part of it. */
export interface SourceRecord {
  /** Stable id; also `archon_sources.source_id`. */
  readonly sourceId: string;
  readonly name: string;
  readonly deployment: "cloud" | "datacenter";
  /** Site base URL, no credentials. */
  readonly baseUrl: string;
  readonly spaceKey: string;
  readonly deletionStrategy: DeletionStrategy;
  /** Also remove archived pages (they are kept otherwise). @default true */
  readonly removeArchived: boolean;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** Free-form, JSON-serialisable; the store keeps it as given. */
  readonly metadata?: Record<string, unknown>;
  /** Content indexed besides pages; overrides the engine's `content` option key by key. */
  readonly content?: ContentOptions;
  /**
   * Sync space permissions and read restrictions, and store each page's readers for searches by principal.
   * @default false (true when `enforcePermissions` is)
   */
  readonly syncPermissions?: boolean;
  /** Refuse (`PERMISSION_REQUIRED`) a search of this source that gives no principal. Implies `syncPermissions`. @default false */
  readonly enforcePermissions?: boolean;
}

/** What the store remembers of a page to decide whether a sync must touch it. */
export interface StoredPageState {
  readonly pageId: string;
  /** @default "page" */
  readonly contentType?: PageContentType;
  readonly version: number;
  /** sha-256 of the storage body the page was indexed from. */
  readonly contentHash: string;
  readonly parentId: string | null;
  readonly path: string;
  readonly title: string;
  readonly status: PageStatus;
  /** Labels stored with the page; a label change does not bump Confluence's version, so syncs compare them. */
  readonly labels: readonly string[];
  /**
   * What produced the stored chunks, as far as the store knows (a part is `null` when it was stored before the store
   * recorded it). A sync re-indexes the page when a known part differs from its own embedder, converter or chunker.
   */
  readonly indexedWith?: StoredIndexSignature;
}

/** The embedding model, converter and chunker that turned a page into its stored chunks. */
export interface IndexSignature {
  /** `Embedder.modelId`. */
  readonly embeddingModel: string;
  /** `Embedder.dimensions`. */
  readonly dimensions: number;
  /** `Converter.id`. */
  readonly converter: string;
  /** `Chunker.id`. */
  readonly chunker: string;
}

/** {@link IndexSignature} as stored; `null` parts are unknown. */
export type StoredIndexSignature = { readonly [K in keyof IndexSignature]: IndexSignature[K] | null };

/** One page (or blog post) as stored, without its chunks. */
export interface PageRecord {
  readonly sourceId: string;
  readonly pageId: string;
  /** @default "page" */
  readonly contentType?: PageContentType;
  readonly spaceKey: string;
  readonly title: string;
  readonly version: number;
  readonly contentHash: string;
  readonly status: PageStatus;
  readonly parentId: string | null;
  /** Ancestor ids, root first. */
  readonly ancestors: readonly string[];
  /** Materialized path `/rootId/.../pageId`. */
  readonly path: string;
  /** 0 for a top-level page. */
  readonly depth: number;
  readonly webUrl: string;
  readonly authorId: string | null;
  readonly createdAt: string | null;
  readonly updatedAt: string | null;
  readonly labels: readonly string[];
  readonly metadata: PageMetadata;
  readonly markdown: string;
  /** When this row was last written. */
  readonly indexedAt: string;
  /** What produced the chunks written with it; the engine always sets it, and stores hand it back in page states. */
  readonly indexedWith?: IndexSignature;
}

/**
 * A Cloud folder of the page tree: a titled node without a body. It is never a page (no chunks, not searched), but it
 * is part of the paths and breadcrumbs of the pages below it.
 */
export interface FolderRecord {
  readonly folderId: string;
  readonly title: string;
  readonly parentId: string | null;
  /** Ancestor ids, root first. */
  readonly ancestors: readonly string[];
  /** Materialized path `/rootId/.../folderId`. */
  readonly path: string;
  readonly depth: number;
  readonly webUrl: string;
}

/** One step of a breadcrumb: a stored page, or a folder. */
export interface BreadcrumbItem {
  readonly id: string;
  readonly kind: "page" | "folder";
  readonly title: string;
  readonly webUrl: string;
}

/** One chunk with its vector. */
export interface ChunkRecord {
  readonly chunkNumber: number;
  readonly content: string;
  /** sha-256 of `content`. */
  readonly hash: string;
  readonly breadcrumb: readonly string[];
  readonly tokens: number;
  readonly embedding: readonly number[];
  /** `Embedder.modelId` that produced `embedding`. */
  readonly embeddingModel: string;
  /** `comment` for a chunk of the page's discussion. @default the page's content type */
  readonly contentType?: ContentType;
}

/** A page whose indexing failed; retried by the next sync. */
export interface FailedPage {
  readonly pageId: string;
  readonly version: number;
  readonly title: string;
  readonly error: string;
  readonly code: string;
  readonly attempts: number;
  readonly failedAt: string;
}

/** Per-source sync bookkeeping. */
export interface SyncState {
  readonly sourceId: string;
  /** Start time (ISO) of the last sync that completed; the next incremental sync asks for changes since then. */
  readonly watermark: string | null;
  readonly lastMode: "full" | "incremental" | null;
  readonly lastCompletedAt: string | null;
  /** Set while a sync runs; a crashed sync leaves it behind so the next one resumes. */
  readonly checkpoint: SyncCheckpoint | null;
  readonly failedPages: Readonly<Record<string, FailedPage>>;
}

/** Written after every batch. */
export interface SyncCheckpoint {
  readonly operationId: string;
  readonly mode: "full" | "incremental";
  readonly startedAt: string;
  /** Pages finished (indexed, skipped or failed) by this operation so far. */
  readonly pagesDone: number;
  readonly updatedAt: string;
}

/** Metrics of one sync; the engine returns them and hands them to the store. */
export interface SyncMetrics {
  readonly operationId: string;
  readonly mode: "full" | "incremental";
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly durationMs: number;
  readonly pagesListed: number;
  readonly pagesFetched: number;
  readonly pagesIndexed: number;
  readonly pagesSkipped: number;
  readonly pagesMoved: number;
  readonly pagesDeleted: number;
  readonly pagesFailed: number;
  readonly chunksWritten: number;
  readonly chunksReused: number;
  readonly embeddingCalls: number;
  readonly embeddingTokens: number;
  readonly apiRequests: number;
  readonly retries: number;
  readonly rateLimitWaits: number;
  readonly rateLimitWaitMs: number;
  /** Indexed and deleted items per content type (comments count as indexed with their page), and attached files. */
  readonly contentTypes?: ContentTypeCounts;
  /** Attached files, when the sync included them. */
  readonly attachments?: AttachmentSyncMetrics;
  /** Highest resident set size of the process seen during the sync, in bytes. */
  readonly peakRssBytes?: number;
  /** Highest V8 heap use seen during the sync, in bytes. */
  readonly peakHeapBytes?: number;
}

/** What one sync did per kind of content. */
export interface ContentTypeCount {
  /** Pages or blog posts written; for comments, comments written with their page. */
  readonly indexed: number;
  /** Pages or blog posts removed (comments leave with their page or its next write). */
  readonly deleted: number;
}

/**
 * Counts per content type, and of attached files (`attachment`: files indexed and removed); a type the sync did not
 * touch may be absent.
 */
export type ContentTypeCounts = { readonly [K in ContentType | "attachment"]?: ContentTypeCount };

/** What a sync did with attached files. */
export interface AttachmentSyncMetrics {
  /** Files the page listings reported (of the allowed media types). */
  readonly listed: number;
  readonly indexed: number;
  /** Same version as stored: neither downloaded nor extracted. */
  readonly unchanged: number;
  /** Not indexed, each with an `attachment-skipped` event saying why. */
  readonly skipped: number;
  readonly deleted: number;
  readonly downloads: number;
  readonly bytesDownloaded: number;
}

/** Moves, renames and label changes touch only these fields; the chunks stay. */
export interface PagePlacement {
  readonly pageId: string;
  readonly title: string;
  readonly parentId: string | null;
  readonly ancestors: readonly string[];
  readonly path: string;
  readonly depth: number;
  readonly status: PageStatus;
  /** When given, replaces the page's labels; when absent, they stay as they are. */
  readonly labels?: readonly string[];
}

export interface SearchFilters {
  readonly sourceIds?: readonly string[];
  readonly spaceKeys?: readonly string[];
  /** Pages carrying all of these labels. */
  readonly labels?: readonly string[];
  /**
   * Materialized path prefix, e.g. `/1/42` for page 42 and its subtree. Matches whole path segments: `/1/4` does
   * not match `/1/42`; a prefix ending in `/` matches only the pages below it.
   */
  readonly pathPrefix?: string;
  readonly authorIds?: readonly string[];
  /** ISO timestamp; pages updated at or after it. */
  readonly updatedAfter?: string;
  /** Only chunks of these content types (a page's discussion chunks are `comment`). */
  readonly contentTypes?: readonly ContentType[];
}

export type SearchMode = "hybrid" | "vector" | "keyword";

export interface SearchQuery {
  readonly text: string;
  /** Required for `hybrid` and `vector`; its length must equal the store's dimension for `embeddingModel`. */
  readonly embedding?: readonly number[];
  readonly embeddingModel?: string;
  /** @default "hybrid" */
  readonly mode?: SearchMode;
  /** @default 10 */
  readonly limit?: number;
  readonly filters?: SearchFilters;
  /**
   * Only chunks of pages this principal may read, filtered inside each leg (so `limit` readable hits still come back).
   * Pages whose readers are unknown (permissions never synced) are readable by nobody. Without a principal, every
   * page is searched, unless a source in scope has `enforcePermissions`, which refuses with `PERMISSION_REQUIRED`.
   */
  readonly principal?: SearchPrincipal;
}

export interface SearchHit {
  readonly sourceId: string;
  readonly pageId: string;
  readonly chunkNumber: number;
  readonly title: string;
  readonly url: string;
  readonly breadcrumb: readonly string[];
  readonly content: string;
  /** What the chunk comes from: a page, a blog post, or a page's discussion. */
  readonly contentType: ContentType;
  /** Higher is better; Reciprocal Rank Fusion score in hybrid mode, similarity or rank score otherwise. */
  readonly score: number;
  /** Which legs found this chunk. */
  readonly matched: { readonly vector: boolean; readonly keyword: boolean };
}

export interface PageListQuery {
  readonly sourceId: string;
  /** Only direct children of this page; `null` for top-level pages. */
  readonly parentId?: string | null;
  /** Only pages whose path starts with this prefix, on whole path segments (as {@link SearchFilters.pathPrefix}). */
  readonly pathPrefix?: string;
  /** @default 50 */
  readonly limit?: number;
  /** Opaque cursor from a previous {@link PageList.nextCursor}. */
  readonly cursor?: string | null;
}

/** A page in a listing: no Markdown, no metadata. */
export type PageSummary = Omit<PageRecord, "markdown" | "metadata"> & { readonly childCount: number };

export interface PageList {
  readonly items: PageSummary[];
  readonly nextCursor: string | null;
  readonly total: number;
}

/** One page with its chunks, as {@link KnowledgeStore.writePages} takes them. */
export interface PageWrite {
  readonly page: PageRecord;
  readonly chunks: readonly ChunkRecord[];
}

/** A sync about to write many pages, told to {@link KnowledgeStore.beginBulkLoad} and {@link KnowledgeStore.endBulkLoad}. */
export interface BulkLoad {
  readonly sourceId: string;
  /** Pages the sync expects to write. */
  readonly pages: number;
  /**
   * The listing was still running when the load began (a full sync streams bodies beside it): `pages` is what it had
   * counted so far, and more are likely to come. @default false
   */
  readonly more?: boolean;
  readonly embeddingModel: string;
  readonly dimensions: number;
}

/** The outcome of {@link KnowledgeStore.lockSource}. */
export type SourceLock = { readonly release: () => Promise<void> } | { readonly heldBy: string };

export interface KnowledgeStore {
  /** Creates or replaces a source's configuration. */
  upsertSource(source: SourceRecord): Promise<void>;
  getSource(sourceId: string): Promise<SourceRecord | null>;
  listSources(): Promise<SourceRecord[]>;
  /** Removes the source with its pages, chunks, sync state and progress; nothing else. */
  deleteSource(sourceId: string): Promise<void>;

  /** State of every stored page of the source: small enough to hold in memory for 100k pages. */
  getPageStates(sourceId: string): Promise<Map<string, StoredPageState>>;

  /**
   * Atomically replaces a page row and all its chunks: a reader never sees half a page, and a crash leaves
   * either the old or the new page.
   */
  writePage(page: PageRecord, chunks: readonly ChunkRecord[]): Promise<void>;

  /**
   * Optional: writes several pages at once, all or none, each exactly as {@link KnowledgeStore.writePage} would.
   * The engine groups pages into one call when the store has it; a store without it gets one `writePage` per page.
   */
  writePages?(writes: readonly PageWrite[]): Promise<void>;

  /**
   * Optional: whether the store may hold any vector of the model and dimension. When it answers `false`, the engine
   * skips {@link KnowledgeStore.findEmbeddings} for texts it has not embedded itself during the run.
   */
  hasEmbeddings?(embeddingModel: string, dimensions: number): Promise<boolean>;

  /**
   * Optional: a sync is about to write `load.pages` pages. The store may put off index maintenance (e.g. build a
   * vector index once at the end instead of row by row); reads must keep working meanwhile.
   */
  beginBulkLoad?(load: BulkLoad): Promise<void>;

  /** Optional: the sync that called {@link KnowledgeStore.beginBulkLoad} ended (or failed); builds what was put off. */
  endBulkLoad?(load: BulkLoad): Promise<void>;

  /** Updates title, parent, path and status of pages whose content did not change. */
  updatePlacements(sourceId: string, placements: readonly PagePlacement[]): Promise<void>;

  /** Removes pages and their chunks. Unknown ids are ignored. */
  deletePages(sourceId: string, pageIds: readonly string[]): Promise<void>;

  /**
   * Creates or updates the source's folders (title, parent, path). With `replace: true` the given folders are all the
   * source has: any other stored folder is removed.
   */
  saveFolders(
    sourceId: string,
    folders: readonly FolderRecord[],
    options?: { readonly replace?: boolean },
  ): Promise<void>;

  /**
   * The page's ancestors, root first, then the page itself, each a stored page or folder; ancestors that are neither
   * are skipped. Empty when the page is unknown.
   */
  getBreadcrumb(sourceId: string, pageId: string): Promise<BreadcrumbItem[]>;

  getPage(sourceId: string, pageId: string): Promise<PageRecord | null>;
  getChunks(sourceId: string, pageId: string): Promise<ChunkRecord[]>;
  listPages(query: PageListQuery): Promise<PageList>;

  /**
   * Stored vectors for chunk texts, keyed by text hash, for one model and dimension, across all sources:
   * an unchanged text is never embedded twice, even after its source was re-created.
   */
  findEmbeddings(embeddingModel: string, dimensions: number, hashes: readonly string[]): Promise<Map<string, number[]>>;

  getSyncState(sourceId: string): Promise<SyncState | null>;
  saveSyncState(state: SyncState): Promise<void>;
  /** Records a finished sync's metrics with the source. */
  saveSyncMetrics(sourceId: string, metrics: SyncMetrics): Promise<void>;
  /** Metrics last given to {@link KnowledgeStore.saveSyncMetrics}, or `null`; gone when the source is deleted. */
  getSyncMetrics?(sourceId: string): Promise<SyncMetrics | null>;
  /**
   * Optional: takes a lock on the source that every process syncing into the same database respects, held until
   * `release()`. Resolves with `heldBy` (who holds it, e.g. `process host:1234:ab12cd34 (operation 9f...)`) when
   * another sync has it. The engine takes it for every run.
   */
  lockSource?(sourceId: string): Promise<SourceLock>;

  search(query: SearchQuery): Promise<SearchHit[]>;

  /**
   * Optional (needed for `syncPermissions`): the stored readers of every page of the source that has them (only of
   * `pageIds` when given). Pages without an entry are readable by nobody when a search gives a principal.
   */
  getPageReaders?(sourceId: string, pageIds?: readonly string[]): Promise<Map<string, PageReaders>>;

  /**
   * Optional (needed for `syncPermissions`): replaces the readers of the given pages (ids not stored are ignored).
   * Readers survive page rewrites and go with the page; stores that keep Archon page rows write them into their
   * metadata too (`confluence_readers`).
   */
  setPageReaders?(sourceId: string, readers: ReadonlyMap<string, PageReaders>): Promise<void>;

  /** Releases connections; the store is unusable afterwards. */
  close?(): Promise<void>;
}

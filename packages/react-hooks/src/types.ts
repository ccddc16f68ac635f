/**
 * The router's wire types, written out here so the React package has no runtime (or type) dependency on Express or
 * zod. They mirror `@archon/confluence-express`'s schemas; `wire-types.test.ts` checks that the two agree.
 * `*Input` types are what a client sends (defaults optional); the others are what the server returns.
 */

export type Deployment = "cloud" | "datacenter";
export type DeletionStrategy = "listing" | "full-only" | "never";
export type SyncMode = "full" | "incremental";
export type SearchMode = "hybrid" | "vector" | "keyword";
export type PageStatus = "current" | "archived" | "trashed" | "deleted" | "draft";
export type SyncStage =
  | "listing"
  | "fetching"
  | "converting"
  | "chunking"
  | "embedding"
  | "storing"
  | "deleting"
  | "done";
export type OperationStatus = "running" | "succeeded" | "failed" | "cancelled";

/** One problem with one field of a request; `path` is dotted, e.g. `body.credentials.apiToken`. */
export interface FieldError {
  path: string;
  message: string;
}

/** The one error shape every route returns. */
export interface ErrorResponse {
  error: {
    /** Machine-readable code, e.g. `VALIDATION_FAILED`, `SYNC_ALREADY_RUNNING`, `SOURCE_AUTH`. */
    code: string;
    message: string;
    fields?: FieldError[] | undefined;
    /** The running operation, for `SYNC_ALREADY_RUNNING`. */
    operationId?: string | undefined;
  };
}

/** Credentials as a client sends them: API token (Cloud) or personal access token (Data Center). */
export type CredentialsInput = { type: "basic"; email: string; apiToken: string } | { type: "bearer"; token: string };

/** What the server shows of stored credentials: never the token. */
export interface CredentialInfoView {
  type: "basic" | "bearer";
  email?: string | undefined;
  keyId?: string | undefined;
  updatedAt: string;
}

export interface CreateSourceInput {
  /** @default the space key, lower-cased */
  sourceId?: string | undefined;
  /** @default the space's name in Confluence */
  name?: string | undefined;
  baseUrl: string;
  /** @default `cloud` for `*.atlassian.net`, `datacenter` otherwise */
  deployment?: Deployment | undefined;
  spaceKey: string;
  credentials: CredentialsInput;
  /** @default "listing" */
  deletionStrategy?: DeletionStrategy | undefined;
  /** @default true */
  removeArchived?: boolean | undefined;
  /** Sync space permissions and read restrictions for permission-aware search. @default false */
  syncPermissions?: boolean | undefined;
  /** Refuse searches of this source without a principal; implies `syncPermissions`. @default false */
  enforcePermissions?: boolean | undefined;
  metadata?: Record<string, unknown> | undefined;
  content?: ContentOptionsInput | undefined;
}

export interface UpdateSourceInput {
  name?: string | undefined;
  deletionStrategy?: DeletionStrategy | undefined;
  removeArchived?: boolean | undefined;
  syncPermissions?: boolean | undefined;
  enforcePermissions?: boolean | undefined;
  metadata?: Record<string, unknown> | undefined;
  content?: ContentOptionsInput | undefined;
  credentials?: CredentialsInput | undefined;
}

export interface SourceView {
  sourceId: string;
  name: string;
  deployment: Deployment;
  baseUrl: string;
  spaceKey: string;
  deletionStrategy: DeletionStrategy;
  removeArchived: boolean;
  /** Page readers are synced for permission-aware search. */
  syncPermissions: boolean;
  /** Searches without a principal are refused. */
  enforcePermissions: boolean;
  createdAt: string;
  updatedAt: string;
  metadata?: Record<string, unknown> | undefined;
  content?: ContentOptionsView | undefined;
  credentials: CredentialInfoView | null;
  sync: {
    /** The sync running now in the server, if any. */
    runningOperationId: string | null;
    lastMode: SyncMode | null;
    lastCompletedAt: string | null;
    /** Pages whose last indexing failed; the next sync retries them. */
    failedPages: number;
  };
}

export interface SourceListResponse {
  sources: SourceView[];
}

export interface StartSyncInput {
  /** @default "incremental" */
  mode?: SyncMode | undefined;
}

export interface CancelSyncInput {
  /** Cancel only if this operation is the one running. */
  operationId?: string | undefined;
}

/** What a chunk comes from: a page, a blog post, or a page's discussion (its comments). */
export type ContentType = "page" | "blogpost" | "comment";

/** Which kinds of content a source indexes besides its pages. */
export interface ContentOptionsInput {
  /** @default false */
  blogPosts?: boolean | undefined;
  /** @default false */
  comments?: boolean | { includeResolvedInline?: boolean | undefined } | undefined;
  /** The text of attached files. @default false */
  attachments?: boolean | AttachmentOptionsInput | undefined;
}

/** A source's content options as the server shows them: attachment options with their defaults filled in. */
export interface ContentOptionsView {
  blogPosts?: boolean | undefined;
  comments?: boolean | { includeResolvedInline?: boolean | undefined } | undefined;
  attachments?:
    | boolean
    | {
        enabled: boolean;
        mediaTypes?: readonly string[] | undefined;
        maxBytes: number;
        timeBudgetMs: number;
        concurrency: number;
      }
    | undefined;
}

/** What to do with attached files; the server fills in the defaults. */
export interface AttachmentOptionsInput {
  /** @default true */
  enabled?: boolean | undefined;
  /** Media types to index, exact (`application/pdf`) or by family (`image/*`). */
  mediaTypes?: readonly string[] | undefined;
  /** Largest file downloaded, in bytes. @default 25 MiB */
  maxBytes?: number | undefined;
  /** Milliseconds one file may take to extract. @default 60000 */
  timeBudgetMs?: number | undefined;
  /** Pages whose attachment listings are read at the same time. @default 8 */
  concurrency?: number | undefined;
}

export interface ContentTypeCountView {
  indexed: number;
  deleted: number;
}

/** Indexed and deleted items per content type, and attached files; types a sync did not touch are absent. */
export interface ContentTypeCountsView {
  page?: ContentTypeCountView | undefined;
  blogpost?: ContentTypeCountView | undefined;
  comment?: ContentTypeCountView | undefined;
  /** Attached files indexed and removed. */
  attachment?: ContentTypeCountView | undefined;
}

export interface SyncProgressView {
  stage: SyncStage;
  total: number;
  done: number;
  indexed: number;
  skipped: number;
  failed: number;
  deleted: number;
  /** 0-100, monotonic within one sync. */
  percent: number;
  /** Estimated milliseconds left; `null` until the server can tell. */
  etaMs: number | null;
  rateLimitWaits: number;
  contentTypes?: ContentTypeCountsView | undefined;
}

export interface SyncMetricsView {
  operationId: string;
  mode: SyncMode;
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  pagesListed: number;
  pagesFetched: number;
  pagesIndexed: number;
  pagesSkipped: number;
  pagesMoved: number;
  pagesDeleted: number;
  pagesFailed: number;
  chunksWritten: number;
  chunksReused: number;
  embeddingCalls: number;
  embeddingTokens: number;
  apiRequests: number;
  retries: number;
  rateLimitWaits: number;
  rateLimitWaitMs: number;
  /** Attached files, when the sync included them. */
  attachments?: {
    listed: number;
    indexed: number;
    unchanged: number;
    skipped: number;
    deleted: number;
    downloads: number;
    bytesDownloaded: number;
  };
  /** Highest RSS and V8 heap of the server process during the sync, in bytes. */
  peakRssBytes?: number;
  peakHeapBytes?: number;
  contentTypes?: ContentTypeCountsView | undefined;
}

/** One sync operation, as `GET /progress/:operationId` returns it. */
export interface OperationView {
  operationId: string;
  sourceId: string;
  mode: SyncMode;
  status: OperationStatus;
  startedAt: string;
  finishedAt: string | null;
  /** Latest progress; `null` until the engine reported any. */
  progress: SyncProgressView | null;
  metrics: SyncMetricsView | null;
  error: { code: string; message: string } | null;
  /** Warnings raised while it ran: past the duration budget, memory growth. */
  warnings?: { kind: "duration" | "memory"; message: string }[];
}

/** The `202` answer to `POST /:sourceId/sync`. */
export interface SyncStartedResponse {
  operationId: string;
  sourceId: string;
  mode: SyncMode;
  status: "running";
  progressUrl: string;
  streamUrl: string;
}

export interface SyncCancelledResponse {
  operationId: string;
  status: "cancelling";
}

export interface ListPagesQueryInput {
  /** Only direct children of this page; `root` for the top-level pages of the space. */
  parentId?: string | undefined;
  /** Only pages in this subtree, e.g. `/1/42`. */
  pathPrefix?: string | undefined;
  /** @default 50 (at most 200) */
  limit?: number | undefined;
  /** Opaque cursor from the previous page's `nextCursor`. */
  cursor?: string | undefined;
}

interface PageBase {
  sourceId: string;
  pageId: string;
  spaceKey: string;
  title: string;
  version: number;
  status: PageStatus;
  parentId: string | null;
  /** Ancestor page ids, root first. */
  ancestors: string[];
  /** Materialized path such as `/1/42`. */
  path: string;
  depth: number;
  webUrl: string;
  authorId: string | null;
  createdAt: string | null;
  updatedAt: string | null;
  labels: string[];
  indexedAt: string;
  /** `blogpost` for a blog post (under the `blog` node); absent for a page. */
  contentType?: "page" | "blogpost" | undefined;
}

export interface PageSummaryView extends PageBase {
  childCount: number;
}

export interface PageListResponse {
  items: PageSummaryView[];
  nextCursor: string | null;
  total: number;
}

export interface PageMetadataView {
  jiraKeys: string[];
  mentions: string[];
  pageLinks: {
    title: string;
    spaceKey?: string | undefined;
    contentId?: string | undefined;
    url?: string | undefined;
  }[];
  attachments: string[];
  externalLinks: string[];
  headings: { level: number; text: string }[];
  codeLanguages: string[];
  macros: Record<string, number>;
  wordCount: number;
}

/** One step of a page's path: a stored page or a Cloud folder. */
export interface BreadcrumbItemView {
  id: string;
  kind: "page" | "folder";
  title: string;
  webUrl: string;
}

export interface PageDetailView extends PageBase {
  metadata: PageMetadataView;
  markdown: string;
  /** The page's ancestors that are stored pages or folders, root first, then the page itself. */
  breadcrumb: BreadcrumbItemView[];
}

export interface SearchFiltersInput {
  sourceIds?: string[] | undefined;
  spaceKeys?: string[] | undefined;
  /** Pages carrying all of these labels. */
  labels?: string[] | undefined;
  pathPrefix?: string | undefined;
  authorIds?: string[] | undefined;
  /** Pages updated at or after this ISO timestamp. */
  updatedAfter?: string | undefined;
  /** Only chunks of these content types. */
  contentTypes?: ContentType[] | undefined;
}

export interface SearchInput {
  query: string;
  /** @default "hybrid" */
  mode?: SearchMode | undefined;
  /** @default 10 (at most 100) */
  limit?: number | undefined;
  filters?: SearchFiltersInput | undefined;
}

export interface SearchHitView {
  sourceId: string;
  pageId: string;
  chunkNumber: number;
  title: string;
  url: string;
  breadcrumb: string[];
  content: string;
  contentType: ContentType;
  score: number;
  matched: { vector: boolean; keyword: boolean };
}

export interface SearchResponse {
  mode: SearchMode;
  /** Model that embedded the query; `null` in keyword mode. */
  embeddingModel: string | null;
  hits: SearchHitView[];
}

/** Names of the Server-Sent Events on `GET /progress/:operationId/stream`. */
export type StreamEventName =
  | "operation"
  | "sync-start"
  | "page-indexed"
  | "page-skipped"
  | "page-deleted"
  | "page-failed"
  | "attachment-indexed"
  | "attachment-skipped"
  | "attachment-deleted"
  | "rate-limited"
  | "retry"
  | "source-concurrency"
  | "source-warning"
  | "progress"
  | "sync-warning"
  | "sync-end"
  | "sync-error";

/**
 * Request and response shapes of the HTTP API, as zod schemas. The router validates every input with them, the
 * OpenAPI document at `GET /openapi.json` is generated from them, and typed clients build on the inferred types.
 * `*Input` types are what a client sends (defaults optional); the other types are what the server returns.
 */
import { contentOptionsSchema, SPACE_KEY_PATTERN, SPACE_KEY_RULE } from "@archon/confluence-core";
import { z } from "zod";

// ---------------------------------------------------------------------------------------------------------------
// Shared pieces
// ---------------------------------------------------------------------------------------------------------------

/** A source id: letters, digits, `_` and `-`, starting with a letter or digit, at most 64 characters. */
export const sourceIdSchema = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
    "must be 1-64 letters, digits, '_' or '-', starting with a letter or digit",
  );

/** A Confluence space key, e.g. `ENG` or `~john.doe` for a personal space; the same rule as the core library's. */
export const spaceKeySchema = z.string().regex(SPACE_KEY_PATTERN, `must be ${SPACE_KEY_RULE}`);

/** A Confluence page id (numeric on Cloud and Data Center). */
export const pageIdSchema = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, "must be a Confluence page id");

/** An operation id as returned by `POST /:sourceId/sync`. */
export const operationIdSchema = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, "must be an operation id");

export const deploymentSchema = z.enum(["cloud", "datacenter"]);
export const deletionStrategySchema = z.enum(["listing", "full-only", "never"]);
export const syncModeSchema = z.enum(["full", "incremental"]);
export const searchModeSchema = z.enum(["hybrid", "vector", "keyword"]);
export const pageStatusSchema = z.enum(["current", "archived", "trashed", "deleted", "draft"]);
export const syncStageSchema = z.enum([
  "listing",
  "fetching",
  "converting",
  "chunking",
  "embedding",
  "storing",
  "deleting",
  "done",
]);

/** A materialized page path such as `/1/42`; a prefix selects a subtree. */
export const pathPrefixSchema = z
  .string()
  .regex(/^(\/[A-Za-z0-9_-]+)+\/?$/, "must be a page path such as /1/42")
  .max(4096);

// ---------------------------------------------------------------------------------------------------------------
// Errors
// ---------------------------------------------------------------------------------------------------------------

/** One problem with one field of the request. `path` is dotted, e.g. `body.credentials.apiToken`. */
export const fieldErrorSchema = z.object({ path: z.string(), message: z.string() });

/** The one error shape every route returns. */
export const errorResponseSchema = z.object({
  error: z.object({
    /** Machine-readable code, e.g. `VALIDATION_FAILED`, `SYNC_ALREADY_RUNNING`, `SOURCE_AUTH`. */
    code: z.string(),
    /** A sentence a person can act on. Never contains a secret or a stack trace. */
    message: z.string(),
    /** Field-level problems, for `VALIDATION_FAILED`. */
    fields: z.array(fieldErrorSchema).optional(),
    /** The running operation, for `SYNC_ALREADY_RUNNING`. */
    operationId: z.string().optional(),
  }),
});

// ---------------------------------------------------------------------------------------------------------------
// Sources
// ---------------------------------------------------------------------------------------------------------------

/** Credentials as a client sends them. They are stored encrypted and never returned. */
export const credentialsInputSchema = z.discriminatedUnion("type", [
  z
    .object({
      type: z.literal("basic"),
      email: z.string().trim().min(3, "must be the Atlassian account email").max(320),
      apiToken: z.string().min(1, "must not be empty").max(4096).meta({ writeOnly: true, format: "password" }),
    })
    .strict(),
  z
    .object({
      type: z.literal("bearer"),
      token: z.string().min(1, "must not be empty").max(4096).meta({ writeOnly: true, format: "password" }),
    })
    .strict(),
]);

/** What may be shown about stored credentials: never the token. */
export const credentialInfoSchema = z.object({
  type: z.enum(["basic", "bearer"]),
  email: z.string().optional(),
  keyId: z.string().optional(),
  updatedAt: z.string(),
});

const metadataSchema = z.record(z.string(), z.unknown());

/** What a chunk comes from: a page, a blog post, or a page's discussion (its comments). */
export const contentTypeSchema = z.enum(["page", "blogpost", "comment"]);

export const createSourceBodySchema = z
  .object({
    /** @default the space key, lower-cased */
    sourceId: sourceIdSchema.optional(),
    /** @default the space's name in Confluence */
    name: z.string().trim().min(1).max(200).optional(),
    /** Site base URL, e.g. `https://acme.atlassian.net` or `https://wiki.acme.com`. */
    baseUrl: z.url({ protocol: /^https?$/, error: "must be an http(s) URL" }).max(2048),
    /** @default `cloud` for `*.atlassian.net`, `datacenter` otherwise */
    deployment: deploymentSchema.optional(),
    spaceKey: spaceKeySchema,
    credentials: credentialsInputSchema,
    deletionStrategy: deletionStrategySchema.default("listing"),
    removeArchived: z.boolean().default(true),
    /** Sync space permissions and read restrictions for permission-aware search. @default false */
    syncPermissions: z.boolean().optional(),
    /** Refuse searches of this source without a principal; implies `syncPermissions`. @default false */
    enforcePermissions: z.boolean().optional(),
    metadata: metadataSchema.optional(),
    /**
     * Content indexed besides pages: `{ blogPosts?: boolean; comments?: boolean | { includeResolvedInline?: boolean };
     * attachments?: boolean | { mediaTypes?, maxBytes?, timeBudgetMs?, ... } }`; every sync of the source applies it.
     */
    content: contentOptionsSchema.optional(),
  })
  .strict();

/** Base URL and space key are fixed for the life of a source: delete and re-create it to change them. */
export const updateSourceBodySchema = z
  .object({
    name: z.string().trim().min(1).max(200).optional(),
    deletionStrategy: deletionStrategySchema.optional(),
    removeArchived: z.boolean().optional(),
    syncPermissions: z.boolean().optional(),
    enforcePermissions: z.boolean().optional(),
    metadata: metadataSchema.optional(),
    /**
     * Replaces the content options; the next sync applies them, and removes the blog posts, comments and files of
     * types turned off.
     */
    content: contentOptionsSchema.optional(),
    /** New credentials; the connection is checked with them before they replace the old ones. */
    credentials: credentialsInputSchema.optional(),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, "must change at least one field");

export const sourceParamsSchema = z.object({ sourceId: sourceIdSchema });

/** A source as the API shows it: configuration, credential summary and sync status. */
export const sourceSchema = z.object({
  sourceId: z.string(),
  name: z.string(),
  deployment: deploymentSchema,
  baseUrl: z.string(),
  spaceKey: z.string(),
  deletionStrategy: deletionStrategySchema,
  removeArchived: z.boolean(),
  /** Page readers are synced for permission-aware search. */
  syncPermissions: z.boolean(),
  /** Searches without a principal are refused. */
  enforcePermissions: z.boolean(),
  createdAt: z.string(),
  updatedAt: z.string(),
  metadata: metadataSchema.optional(),
  content: contentOptionsSchema.optional(),
  credentials: credentialInfoSchema.nullable(),
  sync: z.object({
    /** The sync running now in this server, if any. */
    runningOperationId: z.string().nullable(),
    lastMode: syncModeSchema.nullable(),
    lastCompletedAt: z.string().nullable(),
    /** Pages whose last indexing failed; the next sync retries them. */
    failedPages: z.number().int(),
  }),
});

export const sourceListSchema = z.object({ sources: z.array(sourceSchema) });

// ---------------------------------------------------------------------------------------------------------------
// Syncs and progress
// ---------------------------------------------------------------------------------------------------------------

export const startSyncBodySchema = z
  .object({
    mode: syncModeSchema.default("incremental"),
    /** Re-index every page (re-convert, re-chunk, re-embed what changed); implies a full sync. */
    reindex: z
      .boolean()
      .default(false)
      .describe("Re-index every page of the source, as after a change of embedding model; implies a full sync."),
  })
  .strict();

export const cancelSyncBodySchema = z
  .object({ /** Cancel only if this operation is the one running. */ operationId: operationIdSchema.optional() })
  .strict();

export const operationParamsSchema = z.object({ operationId: operationIdSchema });

const contentTypeCountSchema = z.object({ indexed: z.number().int(), deleted: z.number().int() });

/** Indexed and deleted items per content type, and attached files; types a sync did not touch are absent. */
export const contentTypeCountsSchema = z.object({
  page: contentTypeCountSchema.optional(),
  blogpost: contentTypeCountSchema.optional(),
  comment: contentTypeCountSchema.optional(),
  /** Attached files indexed and removed. */
  attachment: contentTypeCountSchema.optional(),
});

export const syncProgressSchema = z.object({
  stage: syncStageSchema,
  total: z.number().int(),
  done: z.number().int(),
  indexed: z.number().int(),
  skipped: z.number().int(),
  failed: z.number().int(),
  deleted: z.number().int(),
  percent: z.number(),
  etaMs: z.number().nullable(),
  rateLimitWaits: z.number().int(),
  contentTypes: contentTypeCountsSchema.optional(),
});

export const syncMetricsSchema = z.object({
  /** Attached files, when the sync included them. */
  attachments: z
    .object({
      listed: z.number().int(),
      indexed: z.number().int(),
      unchanged: z.number().int(),
      skipped: z.number().int(),
      deleted: z.number().int(),
      downloads: z.number().int(),
      bytesDownloaded: z.number().int(),
    })
    .optional(),
  /** Highest RSS and V8 heap of the process during the sync, in bytes. */
  peakRssBytes: z.number().optional(),
  peakHeapBytes: z.number().optional(),
  operationId: z.string(),
  mode: syncModeSchema,
  startedAt: z.string(),
  finishedAt: z.string(),
  durationMs: z.number(),
  pagesListed: z.number().int(),
  pagesFetched: z.number().int(),
  pagesIndexed: z.number().int(),
  pagesSkipped: z.number().int(),
  pagesMoved: z.number().int(),
  pagesDeleted: z.number().int(),
  pagesFailed: z.number().int(),
  chunksWritten: z.number().int(),
  chunksReused: z.number().int(),
  embeddingCalls: z.number().int(),
  embeddingTokens: z.number().int(),
  apiRequests: z.number().int(),
  retries: z.number().int(),
  rateLimitWaits: z.number().int(),
  rateLimitWaitMs: z.number(),
  contentTypes: contentTypeCountsSchema.optional(),
});

export const operationStatusSchema = z.enum(["running", "succeeded", "failed", "cancelled"]);

/** One sync operation: what `GET /progress/:operationId` returns and the stream's `operation` event carries. */
export const operationSchema = z.object({
  operationId: z.string(),
  sourceId: z.string(),
  mode: syncModeSchema,
  status: operationStatusSchema,
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  /** Latest progress; `null` until the engine reported any. */
  progress: syncProgressSchema.nullable(),
  /** Final metrics once the operation ended (also after a failure or cancellation, as far as it got). */
  metrics: syncMetricsSchema.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
  /** Warnings raised while it ran: past the duration budget, memory growth. */
  warnings: z.array(z.object({ kind: z.enum(["duration", "memory"]), message: z.string() })).optional(),
});

/** `202` answer to `POST /:sourceId/sync`. */
export const syncStartedSchema = z.object({
  operationId: z.string(),
  sourceId: z.string(),
  mode: syncModeSchema,
  status: z.literal("running"),
  /** Relative URL of `GET /progress/:operationId`. */
  progressUrl: z.string(),
  /** Relative URL of the Server-Sent Events stream. */
  streamUrl: z.string(),
});

/** `202` answer to `POST /:sourceId/sync/cancel`. */
export const syncCancelledSchema = z.object({ operationId: z.string(), status: z.literal("cancelling") });

// ---------------------------------------------------------------------------------------------------------------
// Pages
// ---------------------------------------------------------------------------------------------------------------

export const listPagesQuerySchema = z
  .object({
    /** Only direct children of this page; `root` for the top-level pages of the space. */
    parentId: z.union([z.literal("root"), pageIdSchema]).optional(),
    /** Only pages in this subtree, e.g. `/1/42`. */
    pathPrefix: pathPrefixSchema.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
    /** Opaque cursor from the previous page's `nextCursor`. */
    cursor: z.string().min(1).max(1024).optional(),
  })
  .strict();

export const pageParamsSchema = z.object({ pageId: pageIdSchema });

/** Without `sourceId` every source the caller may read is searched for the page. */
export const getPageQuerySchema = z.object({ sourceId: sourceIdSchema.optional() }).strict();

const pageBaseShape = {
  sourceId: z.string(),
  pageId: z.string(),
  spaceKey: z.string(),
  title: z.string(),
  version: z.number().int(),
  status: pageStatusSchema,
  parentId: z.string().nullable(),
  ancestors: z.array(z.string()),
  path: z.string(),
  depth: z.number().int(),
  webUrl: z.string(),
  authorId: z.string().nullable(),
  createdAt: z.string().nullable(),
  updatedAt: z.string().nullable(),
  labels: z.array(z.string()),
  indexedAt: z.string(),
  /** `blogpost` for a blog post (under the `blog` node); absent for a page. */
  contentType: z.enum(["page", "blogpost"]).optional(),
};

export const pageSummarySchema = z.object({ ...pageBaseShape, childCount: z.number().int() });

export const pageListSchema = z.object({
  items: z.array(pageSummarySchema),
  nextCursor: z.string().nullable(),
  total: z.number().int(),
});

export const pageMetadataSchema = z.object({
  jiraKeys: z.array(z.string()),
  mentions: z.array(z.string()),
  pageLinks: z.array(
    z.object({
      title: z.string(),
      spaceKey: z.string().optional(),
      contentId: z.string().optional(),
      url: z.string().optional(),
    }),
  ),
  attachments: z.array(z.string()),
  externalLinks: z.array(z.string()),
  headings: z.array(z.object({ level: z.number().int(), text: z.string() })),
  codeLanguages: z.array(z.string()),
  macros: z.record(z.string(), z.number()),
  wordCount: z.number().int(),
});

/** One step of a page's path: a stored page or a Cloud folder. */
export const breadcrumbItemSchema = z.object({
  id: z.string(),
  kind: z.enum(["page", "folder"]),
  title: z.string(),
  webUrl: z.string(),
});

/** A page with its Markdown, metadata and breadcrumb (its ancestors that are stored pages or folders, then itself). */
export const pageDetailSchema = z.object({
  ...pageBaseShape,
  metadata: pageMetadataSchema,
  markdown: z.string(),
  breadcrumb: z.array(breadcrumbItemSchema),
});

// ---------------------------------------------------------------------------------------------------------------
// Search
// ---------------------------------------------------------------------------------------------------------------

export const searchFiltersSchema = z
  .object({
    sourceIds: z.array(sourceIdSchema).max(100).optional(),
    spaceKeys: z.array(spaceKeySchema).max(100).optional(),
    /** Pages carrying all of these labels. */
    labels: z.array(z.string().min(1).max(255)).max(50).optional(),
    pathPrefix: pathPrefixSchema.optional(),
    authorIds: z.array(z.string().min(1).max(255)).max(100).optional(),
    /** Pages updated at or after this ISO timestamp. */
    updatedAfter: z.iso
      .datetime({ offset: true })
      .refine((value) => {
        const time = Date.parse(value);
        return time >= Date.UTC(1970, 0, 1) && time < Date.UTC(10_000, 0, 1);
      }, "must be between 1970-01-01 and 9999-12-31")
      .optional(),
    /** Only chunks of these content types. */
    contentTypes: z.array(contentTypeSchema).max(10).optional(),
  })
  .strict();

export const searchBodySchema = z
  .object({
    query: z.string().trim().min(1, "must not be empty").max(2000),
    mode: searchModeSchema.default("hybrid"),
    limit: z.number().int().min(1).max(100).default(10),
    filters: searchFiltersSchema.optional(),
  })
  .strict();

export const searchHitSchema = z.object({
  sourceId: z.string(),
  pageId: z.string(),
  chunkNumber: z.number().int(),
  title: z.string(),
  url: z.string(),
  breadcrumb: z.array(z.string()),
  content: z.string(),
  contentType: contentTypeSchema,
  score: z.number(),
  matched: z.object({ vector: z.boolean(), keyword: z.boolean() }),
});

export const searchResponseSchema = z.object({
  mode: searchModeSchema,
  /** Model that embedded the query; `null` in keyword mode. */
  embeddingModel: z.string().nullable(),
  hits: z.array(searchHitSchema),
});

// ---------------------------------------------------------------------------------------------------------------
// Types
// ---------------------------------------------------------------------------------------------------------------

export type ErrorResponse = z.output<typeof errorResponseSchema>;
export type FieldError = z.output<typeof fieldErrorSchema>;
export type CredentialsInput = z.input<typeof credentialsInputSchema>;
export type CredentialInfoView = z.output<typeof credentialInfoSchema>;
export type CreateSourceInput = z.input<typeof createSourceBodySchema>;
export type CreateSourceBody = z.output<typeof createSourceBodySchema>;
export type UpdateSourceInput = z.input<typeof updateSourceBodySchema>;
export type SourceView = z.output<typeof sourceSchema>;
export type SourceListResponse = z.output<typeof sourceListSchema>;
export type StartSyncInput = z.input<typeof startSyncBodySchema>;
export type CancelSyncInput = z.input<typeof cancelSyncBodySchema>;
export type SyncProgressView = z.output<typeof syncProgressSchema>;
export type SyncMetricsView = z.output<typeof syncMetricsSchema>;
export type OperationStatus = z.output<typeof operationStatusSchema>;
export type OperationView = z.output<typeof operationSchema>;
export type SyncStartedResponse = z.output<typeof syncStartedSchema>;
export type SyncCancelledResponse = z.output<typeof syncCancelledSchema>;
export type ListPagesQueryInput = z.input<typeof listPagesQuerySchema>;
export type PageSummaryView = z.output<typeof pageSummarySchema>;
export type PageListResponse = z.output<typeof pageListSchema>;
export type PageDetailView = z.output<typeof pageDetailSchema>;
export type SearchFiltersInput = z.input<typeof searchFiltersSchema>;
export type SearchInput = z.input<typeof searchBodySchema>;
export type SearchHitView = z.output<typeof searchHitSchema>;
export type SearchResponse = z.output<typeof searchResponseSchema>;

/** Names of the Server-Sent Events on `GET /progress/:operationId/stream`. */
export const streamEventNames = [
  /** An {@link OperationView} snapshot: sent first, and last when the operation ends. */
  "operation",
  "sync-start",
  "page-indexed",
  "page-skipped",
  "page-deleted",
  "page-failed",
  "attachment-indexed",
  "attachment-skipped",
  "attachment-deleted",
  "rate-limited",
  "retry",
  "source-concurrency",
  "source-warning",
  "progress",
  "sync-warning",
  "sync-end",
  "sync-error",
] as const;
export type StreamEventName = (typeof streamEventNames)[number];

import { z } from "zod";
import type { Logger } from "../logger.js";
import type { AttachmentExtractor } from "../ports/attachments.js";
import type { Chunker } from "../ports/chunker.js";
import type { ConfluenceSource } from "../ports/confluence-source.js";
import type { Converter } from "../ports/converter.js";
import type { Embedder } from "../ports/embedder.js";
import type { KnowledgeStore } from "../ports/knowledge-store.js";
import type { ProgressSink } from "../ports/progress-sink.js";
import type { ContentOptionsInput } from "./content-options.js";
import type { ConvertPool } from "./convert-pool.js";

/** Tuning knobs of the engine, validated once at construction. */
export const syncTuningSchema = z.object({
  /**
   * Pages in flight (converted, chunked and waiting for their embeddings) at the same time. Enough of them keep
   * a remote embedder's requests full. @default 16
   */
  concurrency: z.number().int().min(1).max(256).default(16),
  /**
   * Most texts per embedding call; texts of concurrent pages are merged into shared calls up to it. Capped by
   * `embedder.maxBatchSize`. @default embedder.maxBatchSize
   */
  embedBatchSize: z.number().int().min(1).max(4096).optional(),
  /**
   * Embedding calls in flight at once. Texts queue while they are all busy, so a slow provider gets fuller
   * calls. @default 4
   */
  embedConcurrency: z.number().int().min(1).max(64).default(4),
  /**
   * With an embedder that names `maxRequestTokens` (a remote provider), the longest a text waits for a call to
   * fill while more pages are being converted; a call also goes out when full or when the pipeline is idle.
   * @default 10000
   */
  embedMaxWaitMs: z.number().int().min(0).max(600_000).default(10_000),
  /**
   * Most pages per store transaction when the store can write several at once (`writePages`); a crash loses at
   * most the uncommitted group, which the next sync writes again. @default 50
   */
  writeBatchPages: z.number().int().min(1).max(1000).default(50),
  /** Most chunk rows per store transaction (a group closes at whichever limit comes first). @default 2000 */
  writeBatchChunks: z.number().int().min(1).max(100_000).default(2000),
  /**
   * Page groups written at the same time, each in its own transaction (a server store then uses as many
   * connections; PGlite runs them one after another). A page is never in two groups at once. @default 2
   */
  writeConcurrency: z.number().int().min(1).max(16).default(2),
  /** Page ids per `getPages` call. @default 100 */
  fetchBatchSize: z.number().int().min(1).max(1000).default(100),
  /**
   * In a full sync, when more than this share of the space must be re-fetched, stream the whole space instead of
   * fetching pages by id (fewer requests). @default 0.2
   */
  streamThreshold: z.number().min(0).max(1).default(0.2),
  /** A page that failed this many syncs in a row is no longer retried until it changes. @default 5 */
  maxPageAttempts: z.number().int().min(1).max(1000).default(5),
  /**
   * Milliseconds one page may spend being converted and chunked on a worker thread; a page over budget fails with
   * `PAGE_TOO_COMPLEX` and is skipped until its version changes. Pages converted on the calling thread (custom
   * converter or chunker) have no budget. @default 60000
   */
  pageTimeBudgetMs: z.number().int().min(10).max(3_600_000).default(60_000),
  /** A sync running longer than this emits one `sync-warning` (`duration`). @default 900000 (15 minutes) */
  syncDurationBudgetMs: z.number().int().min(1).default(900_000),
  /**
   * Share by which the process's RSS may grow over its level at sync start before one `sync-warning` (`memory`) is
   * emitted. @default 0.2
   */
  memoryGrowthWarning: z.number().min(0).max(100).default(0.2),
});

export type SyncTuningInput = z.input<typeof syncTuningSchema>;
export type SyncTuning = z.output<typeof syncTuningSchema>;

/** The collaborators of one `ConfluenceSync`; the engine never builds them itself. */
export interface ConfluenceSyncOptions extends SyncTuningInput {
  readonly source: ConfluenceSource;
  readonly store: KnowledgeStore;
  readonly embedder: Embedder;
  /** @default the storage-format to Markdown converter of this package */
  readonly converter?: Converter;
  /** @default the Markdown chunker of this package */
  readonly chunker?: Chunker;
  /**
   * Worker threads that convert and chunk pages off the event loop; `false` converts on the calling thread. Only this
   * package's default converter and chunker (any options except a custom `countTokens`) run on workers; other
   * instances always run on the calling thread. @default a process-wide pool with one worker per core
   */
  readonly convertPool?: ConvertPool | false;
  /** Receive every event, in order, like listeners do. */
  readonly sinks?: readonly ProgressSink[];
  /** pino-compatible; silent by default. */
  readonly logger?: Logger;
  /** Display names for mention rendering. */
  readonly resolveUser?: (accountId: string) => string | undefined;
  /**
   * Content indexed besides pages, for every source this engine syncs; a source's own `content` overrides it key by
   * key (blog posts and comments). @default pages only
   */
  readonly content?: ContentOptionsInput;
  /**
   * Reads attached files when `content.attachments` is on. @default text, Markdown and CSV only; pass
   * `createAttachmentExtractor()` from `@archon/confluence-attachments` for PDF, Office and HTML files
   */
  readonly attachmentExtractor?: AttachmentExtractor;
}

export const runOptionsSchema = z.object({
  sourceId: z.string().min(1, "sourceId is required"),
  mode: z.enum(["full", "incremental"]).default("incremental"),
  /**
   * Re-index every page of the source (re-convert, re-chunk, re-embed what changed), as a full sync does after a
   * change of embedding model, converter or chunker. Implies a full sync. @default false
   */
  reindex: z.boolean().default(false),
  operationId: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]{1,128}$/, "operationId: letters, digits and _.:- only, at most 128")
    .optional(),
});

/** One run of the engine. */
export interface SyncRunOptions extends z.input<typeof runOptionsSchema> {
  readonly signal?: AbortSignal;
  /**
   * The source's lock, already taken by the caller with `store.lockSource()` (e.g. before answering a request, so a
   * sync running elsewhere is refused up front). The engine then takes none and leaves releasing it to the caller.
   */
  readonly heldLock?: { readonly release: () => Promise<void> };
}

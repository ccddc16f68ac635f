import { randomUUID } from "node:crypto";
import { EventEmitter } from "eventemitter3";
import { createTextAttachmentExtractor } from "../attachments/text-extractor.js";
import { createMarkdownChunker } from "../chunk/markdown-chunker.js";
import { createStorageConverter } from "../convert/storage-converter.js";
import { ConfluenceSyncError, describeError, isConfluenceSyncError } from "../errors.js";
import { silentLogger } from "../logger.js";
import type {
  ConfluencePage,
  ConfluenceSpace,
  FolderRef,
  PageRef,
  SourceCallOptions,
} from "../ports/confluence-source.js";
import type {
  BulkLoad,
  FolderRecord,
  SourceLock,
  SourceRecord,
  StoredPageState,
  SyncMetrics,
  SyncState,
} from "../ports/knowledge-store.js";
import type { SyncEventMap, SyncEventName, SyncMode } from "../ports/progress-sink.js";
import { AttachmentSync, isAttachmentEntry } from "./attachment-sync.js";
import { indexedWithComments, PageComments } from "./comments.js";
import {
  type AttachmentOptions,
  BLOG_NODE_ID,
  contentOptionsSchema,
  listedContentTypes,
  type ResolvedContentOptions,
  resolveAttachmentOptions,
  resolveContentOptions,
} from "./content-options.js";
import { Hierarchy, type TreeNode } from "./hierarchy.js";
import { ListingFeed } from "./listing-feed.js";
import {
  type ConfluenceSyncOptions,
  runOptionsSchema,
  type SyncRunOptions,
  type SyncTuning,
  syncTuningSchema,
} from "./options.js";
import { PageProcessor } from "./page-processor.js";
import { syncPageReaders, syncsPermissions } from "./page-readers.js";
import { pipeBatches } from "./pool.js";
import { ProgressTracker } from "./progress-tracker.js";
import { RunMonitor } from "./run-monitor.js";
import { emptySyncState, RunCounters } from "./run-state.js";
import { noTelemetry, type SyncTelemetry, startSyncTelemetry } from "./telemetry.js";
import { byTitleUrl, parseOrThrow, storeCall } from "./util.js";
import { webBaseOf } from "./web-base.js";

/** Listener signatures: one payload argument per event. */
export type SyncEvents = { [K in SyncEventName]: [event: SyncEventMap[K]] };

/**
 * Keeps one Confluence space in step with a knowledge store: full and incremental syncs, deletion and move
 * detection, resumable checkpoints, typed events. Orchestration only: all I/O goes through the ports.
 *
 * @example
 * const sync = new ConfluenceSync({ source, store, embedder });
 * sync.on("progress", (p) => console.log(p.percent));
 * const metrics = await sync.run({ sourceId: "eng-wiki", mode: "incremental" });
 */
export class ConfluenceSync extends EventEmitter<SyncEvents> {
  readonly #options: ConfluenceSyncOptions;
  readonly #tuning: SyncTuning;
  readonly #attachments: AttachmentOptions | null;
  readonly #running = new Map<string, string>();

  constructor(options: ConfluenceSyncOptions) {
    super();
    for (const field of ["source", "store", "embedder"] as const) {
      if (!options?.[field]) {
        throw new ConfluenceSyncError("CONFIG_INVALID", `ConfluenceSync: option "${field}" is required.`);
      }
    }
    this.#tuning = parseOrThrow(syncTuningSchema, options, "ConfluenceSync options");
    this.#attachments = resolveAttachmentOptions(parseOrThrow(contentOptionsSchema, options.content ?? {}, "content"));
    this.#options = {
      ...options,
      converter: options.converter ?? createStorageConverter(),
      // Chunks are sized in the embedder's own tokens when it says which those are.
      chunker:
        options.chunker ??
        createMarkdownChunker(
          options.embedder.tokenizer === undefined ? {} : { tokenizer: options.embedder.tokenizer },
        ),
    };
  }

  /** Operation id of the sync running for a source in this instance, if any. */
  runningOperation(sourceId: string): string | undefined {
    return this.#running.get(sourceId);
  }

  /**
   * Runs one sync and resolves with its metrics. Rejects with a coded {@link ConfluenceSyncError} after emitting
   * `sync-error`; stored pages stay as they were before the failing page, and the next run resumes.
   */
  async run(options: SyncRunOptions): Promise<SyncMetrics> {
    const parsed = parseOrThrow(runOptionsSchema, options, "sync run options");
    const running = this.#running.get(parsed.sourceId);
    if (running) {
      throw new ConfluenceSyncError(
        "SYNC_ALREADY_RUNNING",
        `A sync of source "${parsed.sourceId}" is already running (operation ${running}).`,
      );
    }
    const operationId = parsed.operationId ?? randomUUID();
    this.#running.set(parsed.sourceId, operationId);
    let lock: SourceLock | undefined;
    try {
      const { store } = this.#options;
      // A lock the caller took stays the caller's to release.
      if (!options.heldLock) lock = await storeCall("lock the source", async () => store.lockSource?.(parsed.sourceId));
      if (lock && "heldBy" in lock) {
        throw new ConfluenceSyncError(
          "SYNC_ALREADY_RUNNING",
          `A sync of source "${parsed.sourceId}" is already running in ${lock.heldBy}.`,
          { retryable: true },
        );
      }
      return await new SyncRun(
        this,
        this.#options,
        this.#tuning,
        parsed.sourceId,
        parsed.mode,
        operationId,
        options.signal,
        parsed.reindex,
        this.#attachments,
      ).run();
    } finally {
      this.#running.delete(parsed.sourceId);
      if (lock && "release" in lock) await lock.release().catch(() => {});
    }
  }
}

/** Runs one sync: a shorthand for `new ConfluenceSync(options).run(run)`. */
export function syncConfluenceSpace(options: ConfluenceSyncOptions & SyncRunOptions): Promise<SyncMetrics> {
  return new ConfluenceSync(options).run(options);
}

/** State of one run; lives only as long as the run. */
class SyncRun {
  readonly counters = new RunCounters();
  readonly tracker: ProgressTracker;
  readonly logger;
  state!: SyncState;
  /** Spans of the run and its stages; a no-op without OpenTelemetry. */
  telemetry: SyncTelemetry = noTelemetry;
  /** What the source indexes besides pages; known once the source record is read. */
  content: ResolvedContentOptions = { blogPosts: false, comments: false, attachments: null };
  /** Pages the source could not read this run (`CONTENT_UNREADABLE`): never removed for not being returned. */
  readonly unreadable = new Set<string>();
  #sinkChain: Promise<void> = Promise.resolve();
  #tree = new Map<string, TreeNode>();
  #hierarchy: Hierarchy | null = null;
  /** Titles of the folders the run saw among page ancestors. */
  readonly #folders = new Map<string, string>();

  constructor(
    private readonly emitter: ConfluenceSync,
    readonly options: ConfluenceSyncOptions,
    readonly tuning: SyncTuning,
    readonly sourceId: string,
    public mode: SyncMode,
    readonly operationId: string,
    readonly signal: AbortSignal | undefined,
    /** Re-index every page whatever produced its stored chunks. */
    readonly reindex = false,
    /** Attached files to sync after the pages, or `null` to keep none; the source's own options replace it. */
    public attachments: AttachmentOptions | null = null,
  ) {
    if (reindex) this.mode = "full";
    this.tracker = new ProgressTracker(operationId, sourceId, this.counters);
    this.logger = options.logger ?? silentLogger;
  }

  /** Options for every source call: cancellation, request counting, and wait events. */
  get call(): SourceCallOptions {
    return {
      signal: this.signal,
      onRequest: () => {
        this.counters.apiRequests += 1;
      },
      onWait: (wait) => {
        const base = {
          operationId: this.operationId,
          sourceId: this.sourceId,
          delayMs: wait.delayMs,
          attempt: wait.attempt,
        };
        if (wait.kind === "rate-limited") {
          this.counters.rateLimitWaits += 1;
          this.counters.rateLimitWaitMs += wait.delayMs;
          this.emit("rate-limited", { ...base, request: wait.request });
        } else {
          this.counters.retries += 1;
          this.emit("retry", { ...base, reason: wait.reason, request: wait.request });
        }
      },
      onConcurrency: (change) => {
        this.emit("source-concurrency", { operationId: this.operationId, sourceId: this.sourceId, ...change });
      },
      onWarning: (warning) => {
        if (warning.pageId !== undefined) this.unreadable.add(warning.pageId);
        this.logger.warn({ code: warning.code }, warning.message);
        const { code, message } = warning;
        this.emit("source-warning", { operationId: this.operationId, sourceId: this.sourceId, code, message });
      },
    };
  }

  emit<K extends SyncEventName>(name: K, payload: SyncEventMap[K]): void {
    try {
      (this.emitter.emit as (n: string, p: unknown) => boolean)(name, payload);
    } catch (error) {
      this.logger.warn({ event: name, err: describeError(error) }, "sync event listener threw");
    }
    const sinks = this.options.sinks ?? [];
    if (sinks.length === 0) return;
    const event = { type: name, ...payload } as never;
    this.#sinkChain = this.#sinkChain.then(async () => {
      for (const sink of sinks) {
        try {
          await sink.handle(event);
        } catch (error) {
          this.logger.warn({ event: name, err: describeError(error) }, "progress sink failed");
        }
      }
    });
  }

  /** Waits for sinks to catch up: a slow sink slows the sync instead of queueing without bound. */
  drainSinks(): Promise<void> {
    return this.#sinkChain;
  }

  progress(force = false): void {
    if (this.tracker.shouldEmit(force)) this.emit("progress", this.tracker.snapshot());
  }

  setStage(stage: ProgressTracker["stage"]): void {
    if (this.tracker.stage !== stage) {
      this.tracker.stage = stage;
      this.progress(true);
    }
  }

  throwIfAborted(): void {
    if (this.signal?.aborted) throw new ConfluenceSyncError("SYNC_ABORTED", `Sync ${this.operationId} was cancelled.`);
  }

  /**
   * A page link becomes Confluence's by-title URL (`/display/SPACE/Title`), which Cloud and Data Center both resolve.
   * It depends on the link alone, not on which pages exist, so a page converts the same whatever else changed.
   */
  pageUrl(title: string, spaceKey: string): string {
    return byTitleUrl(webBaseOf(this.options.source), title, spaceKey);
  }

  /** Page-like content types the run lists and fetches. */
  get contentTypes() {
    return listedContentTypes(this.content);
  }

  /** Where a page or blog post sits: blog posts under the blog node, pages under their parent. */
  placeRef(ref: PageRef): void {
    this.setParent(ref.id, ref.contentType === "blogpost" ? BLOG_NODE_ID : ref.parentId);
  }

  setParent(pageId: string, parentId: string | null): void {
    const known = this.#tree.get(pageId);
    if (known && known.parentId === parentId) return;
    this.#tree.set(pageId, { parentId });
    this.#hierarchy = null;
  }

  /**
   * Links the nodes of an ancestor chain (root first) that the run knows nothing else about: Cloud folders, which are
   * never listed as pages, so a page under a folder keeps everything above the folder in its path.
   */
  learnAncestors(
    ancestors: readonly string[] | undefined,
    folders?: readonly FolderRef[],
    options: { readonly authoritative?: boolean } = {},
  ): void {
    if (ancestors === undefined) return;
    const ids = new Set(ancestors);
    for (const folder of folders ?? []) {
      if (!ids.has(folder.id)) continue;
      this.#folders.set(folder.id, folder.title);
      // The listing names the folder's place: it moves with it.
      const at = ancestors.indexOf(folder.id);
      this.setParent(folder.id, ancestors[at - 1] ?? null);
    }
    // A listing's chains are the space as it is now: they replace what the store knew (an ancestor that moved may be
    // listed after the pages under it).
    ancestors.forEach((id, i) => {
      if (options.authoritative || !this.#tree.has(id)) this.setParent(id, ancestors[i - 1] ?? null);
    });
  }

  /**
   * Stores the folders seen, placed like pages. After a complete listing they are all the space has, so the others
   * go; otherwise only the folders seen are updated.
   */
  async saveFolders(spaceKey: string, complete: boolean): Promise<void> {
    const web = webBaseOf(this.options.source);
    const folders: FolderRecord[] = [...this.#folders].map(([folderId, title]) => {
      const place = this.placement(folderId);
      return {
        folderId,
        title,
        parentId: place.ancestors.at(-1) ?? null,
        ancestors: place.ancestors,
        path: place.path,
        depth: place.depth,
        webUrl: `${web}/spaces/${encodeURIComponent(spaceKey)}/folder/${encodeURIComponent(folderId)}`,
      };
    });
    if (folders.length === 0 && !complete) return;
    await storeCall("save folders", () =>
      this.options.store.saveFolders(this.sourceId, folders, { replace: complete }),
    );
  }

  placement(pageId: string) {
    this.#hierarchy ??= new Hierarchy(this.#tree);
    return this.#hierarchy.placement(pageId);
  }

  async saveState(patch: Partial<SyncState>): Promise<void> {
    this.state = { ...this.state, ...patch };
    await storeCall("save the sync state", () => this.options.store.saveSyncState(this.state));
  }

  async checkpoint(): Promise<void> {
    await this.saveState({
      checkpoint: {
        operationId: this.operationId,
        mode: this.mode,
        startedAt: this.state.checkpoint?.startedAt ?? new Date().toISOString(),
        pagesDone: this.tracker.done,
        updatedAt: new Date().toISOString(),
      },
    });
    await this.drainSinks();
  }

  async run(): Promise<SyncMetrics> {
    const { store } = this.options;
    const startedAt = new Date();
    const embedding = { calls: 0, tokens: 0 };
    let processor: PageProcessor | undefined;
    let attachments: AttachmentSync | null = null;
    const monitor = new RunMonitor(
      { durationBudgetMs: this.tuning.syncDurationBudgetMs, memoryGrowthWarning: this.tuning.memoryGrowthWarning },
      (warning) => {
        this.logger.warn(
          { operationId: this.operationId, sourceId: this.sourceId, kind: warning.kind },
          warning.message,
        );
        this.emit("sync-warning", { operationId: this.operationId, sourceId: this.sourceId, ...warning });
      },
    );
    const telemetry = await startSyncTelemetry(this.sourceId, this.mode);
    this.telemetry = telemetry;
    const withPeaks = (metrics: SyncMetrics): SyncMetrics => {
      monitor.stop();
      return { ...metrics, peakRssBytes: monitor.peakRssBytes, peakHeapBytes: monitor.peakHeapBytes };
    };
    try {
      const record = await storeCall("read the source", () => store.getSource(this.sourceId));
      if (!record) {
        throw new ConfluenceSyncError(
          "CONFIG_INVALID",
          `No source "${this.sourceId}" in the store; create it with store.upsertSource() before syncing.`,
        );
      }
      this.content = resolveContentOptions(this.options.content, record.content);
      this.attachments = this.content.attachments;
      this.state =
        (await storeCall("read the sync state", () => store.getSyncState(this.sourceId))) ??
        emptySyncState(this.sourceId);
      const resumed = this.state.checkpoint !== null;
      if (this.state.checkpoint?.mode === "full") this.mode = "full";
      if (this.mode === "incremental" && !this.state.watermark) this.mode = "full";
      this.emit("sync-start", {
        operationId: this.operationId,
        sourceId: this.sourceId,
        mode: this.mode,
        resumed,
        startedAt: startedAt.toISOString(),
      });
      await this.saveState({ checkpoint: null });
      await this.checkpoint();

      const space = await this.options.source.getSpace(record.spaceKey, this.call);
      const states = await storeCall("read page states", () => store.getPageStates(this.sourceId));
      // Attached files are entries of their own (ids `att…`); the page pass never sees them.
      const stored = new Map([...states].filter(([id]) => !isAttachmentEntry(id)));
      const comments = PageComments.wanted(this, this.content)
        ? new PageComments(this, space, this.content.comments as Exclude<ResolvedContentOptions["comments"], false>)
        : null;
      processor = new PageProcessor(this, record, stored, comments);
      processor.excludeTypes(this.contentTypes);
      await this.#sync(record, space, stored, processor, comments);
      attachments = await this.#syncAttachments(record, space, states.size > stored.size, processor.writtenIds());

      const finishedAt = new Date();
      Object.assign(embedding, usageOf(processor, attachments));
      const metrics = withPeaks(this.counters.toMetrics(this.operationId, this.mode, startedAt, finishedAt, embedding));
      await this.saveState({
        watermark: startedAt.toISOString(),
        lastMode: this.mode,
        lastCompletedAt: finishedAt.toISOString(),
        checkpoint: null,
      });
      await storeCall("save sync metrics", () => store.saveSyncMetrics(this.sourceId, metrics));
      this.emit("progress", this.tracker.snapshot(true));
      this.emit("sync-end", { operationId: this.operationId, sourceId: this.sourceId, metrics });
      telemetry.end(metrics);
      await this.drainSinks();
      return metrics;
    } catch (thrown) {
      const error = this.#coded(thrown);
      if (processor) Object.assign(embedding, usageOf(processor, attachments));
      const metrics = withPeaks(this.counters.toMetrics(this.operationId, this.mode, startedAt, new Date(), embedding));
      if (this.state) {
        // Keep the checkpoint: the next run resumes. Failed pages recorded so far are kept too.
        await this.saveState({}).catch((e) =>
          this.logger.error({ err: describeError(e) }, "could not save sync state"),
        );
      }
      const log = { operationId: this.operationId, code: error.code, err: error.message };
      if (error.code === "SYNC_ABORTED") this.logger.info(log, "sync cancelled");
      else this.logger.error(log, "sync failed");
      telemetry.end(metrics, { code: error.code, message: error.message });
      this.emit("sync-error", {
        operationId: this.operationId,
        sourceId: this.sourceId,
        code: error.code,
        error: error.message,
        metrics,
      });
      await this.drainSinks();
      throw error;
    }
  }

  /** Attached files, after the pages; with attachments off, files indexed earlier are removed. */
  async #syncAttachments(
    record: SourceRecord,
    space: ConfluenceSpace,
    anyStored: boolean,
    written: ReadonlySet<string>,
  ): Promise<AttachmentSync | null> {
    if (this.attachments === null && !anyStored) return null;
    const options = this.attachments ?? {
      enabled: false,
      maxBytes: 0,
      timeBudgetMs: 0,
      concurrency: 1,
      mediaTypes: [],
    };
    const extractor = this.options.attachmentExtractor ?? createTextAttachmentExtractor();
    const sync = new AttachmentSync(this, record, options, extractor, written);
    this.setStage("fetching");
    await sync.sync(space);
    return sync;
  }

  #coded(error: unknown): ConfluenceSyncError {
    if (this.signal?.aborted && !isConfluenceSyncError(error, "SYNC_ABORTED")) {
      return new ConfluenceSyncError("SYNC_ABORTED", `Sync ${this.operationId} was cancelled.`, { cause: error });
    }
    if (error instanceof ConfluenceSyncError) return error;
    return new ConfluenceSyncError("SOURCE_UNAVAILABLE", `Sync failed: ${describeError(error)}`, {
      cause: error,
      retryable: true,
    });
  }

  async #sync(
    record: SourceRecord,
    space: ConfluenceSpace,
    stored: Map<string, StoredPageState>,
    processor: PageProcessor,
    comments: PageComments | null,
  ) {
    for (const [id, page] of stored) this.setParent(id, page.parentId);
    // A full sync always lists: it needs the whole tree. An incremental one lists to find deletions and moves, and to
    // re-check read restrictions, which change no version.
    const listing = this.mode === "full" || record.deletionStrategy === "listing" || syncsPermissions(record);
    const deletions =
      record.deletionStrategy === "listing" || (this.mode === "full" && record.deletionStrategy === "full-only");
    // A full sync wants every page, so bodies need not wait for the whole listing: they stream while it runs, each
    // batch waiting only for its own pages' refs. What the listing decides (deletions, pages the stream missed) comes
    // once it ends. Comments are read per page from a complete listing, so a sync with comments lists first.
    const feed = listing && this.mode === "full" && !comments ? new ListingFeed() : null;
    let refs: Map<string, PageRef> | null = null;
    let listed: Promise<void> = Promise.resolve();
    if (feed) {
      refs = feed.refs;
      processor.listingStarted(feed);
      listed = this.telemetry
        .time("list", () => this.#listRefs(space, record, feed))
        .then(
          async () => {
            this.telemetry.count("list", "confluence.pages.listed", feed.refs.size);
            await processor.reconcileListing(feed.refs, { deletions, verifyAll: true });
            feed.finish();
          },
          (error: unknown) => {
            feed.fail(error);
            throw error;
          },
        );
      // Awaited once the bodies have streamed; a failure meanwhile reaches the stream through the feed.
      listed.catch(() => {});
    } else if (listing) {
      refs = await this.telemetry.time("list", () => this.#listRefs(space, record));
      this.telemetry.count("list", "confluence.pages.listed", refs.size);
      await processor.reconcileListing(refs, { deletions, verifyAll: this.mode === "full" });
    } else {
      processor.retryFailed();
      processor.wantStale();
    }
    if (comments) {
      // A comment bumps no page version: a full sync reads every comment of the space, an incremental one re-checks
      // the pages whose comments differ from those their stored hash was made with.
      if (this.mode === "full" || !this.state.watermark) await comments.loadAll();
      else processor.wantComments(await comments.changedContainers(stored));
    } else {
      // Comments turned off: pages indexed with a discussion are indexed again without it.
      processor.wantComments(new Set([...stored.values()].filter(indexedWithComments).map((state) => state.pageId)));
    }
    this.setStage("fetching");
    this.tracker.startProcessing();
    const { store, embedder } = this.options;
    let load: BulkLoad | null = null;
    /** Tells the store how many pages to expect, once, before the first page is written. */
    const beginBulkLoad = async (pages: number, more = false) => {
      if (load) return;
      const begun: BulkLoad = {
        sourceId: this.sourceId,
        pages,
        ...(more ? { more } : {}),
        embeddingModel: embedder.modelId,
        dimensions: embedder.dimensions,
      };
      load = begun;
      await storeCall("start the bulk load", async () => store.beginBulkLoad?.(begun));
    };
    if (!feed) await beginBulkLoad(processor.pendingIds().size);
    let failed = true;
    try {
      await this.#process(space, refs, processor, feed ? { feed, listed, beginBulkLoad } : null);
      await this.saveFolders(space.key, refs !== null);
      failed = false;
    } finally {
      if (feed && !feed.done) {
        feed.fail(
          new ConfluenceSyncError("SYNC_ABORTED", `Sync ${this.operationId} stopped before its listing ended.`),
        );
      }
      await listed.catch(() => {});
      await processor.settle();
      // Indexes put off for the load are built even when it failed; a crash leaves them to the next sync.
      const begun = load as BulkLoad | null;
      if (begun) {
        await storeCall("finish the bulk load", async () => store.endBulkLoad?.(begun)).catch((error) => {
          if (!failed) throw error;
          this.logger.error({ err: describeError(error) }, "could not finish the bulk load");
        });
      }
    }
    if (syncsPermissions(record)) {
      this.throwIfAborted();
      await syncPageReaders(
        {
          sourceId: this.sourceId,
          source: this.options.source,
          store,
          logger: this.logger,
          call: this.call,
          ancestorsOf: (pageId) => this.placement(pageId).ancestors,
        },
        space,
        refs,
        processor.writtenIds(),
      );
    }
  }

  async #process(
    space: ConfluenceSpace,
    refs: Map<string, PageRef> | null,
    processor: PageProcessor,
    overlap: Overlap | null,
  ) {
    const handle = (batch: ConfluencePage[]) => {
      this.telemetry.count("fetch", "confluence.pages.fetched", batch.length);
      return processor.processBatch(batch);
    };
    await this.telemetry.time("fetch", () => this.#fetchPages(space, refs, processor, handle, overlap));
    // Confirm by id before removing: deleting a page that still exists would cost a re-index.
    await this.telemetry.time("delete", async () => {
      const vanished = processor.vanishedIds();
      this.telemetry.count("delete", "confluence.pages.confirmed", vanished.length);
      for (let i = 0; i < vanished.length; i += this.tuning.fetchBatchSize) {
        const ids = vanished.slice(i, i + this.tuning.fetchBatchSize);
        await pipeBatches(
          this.options.source.getPages(space, ids, { ...this.call, contentTypes: this.contentTypes }),
          handle,
        );
      }
      const before = this.counters.pagesDeleted;
      await processor.finish();
      this.telemetry.count("delete", "confluence.pages.deleted", this.counters.pagesDeleted - before);
    });
  }

  async #fetchPages(
    space: ConfluenceSpace,
    refs: Map<string, PageRef> | null,
    processor: PageProcessor,
    handle: (batch: ConfluencePage[]) => Promise<void>,
    overlap: Overlap | null,
  ) {
    if (overlap) {
      const { feed, listed, beginBulkLoad } = overlap;
      const call = { ...this.call, labels: false, contentTypes: this.contentTypes };
      await pipeBatches(this.options.source.listPages(space, call), async (batch) => {
        await feed.waitFor(batch.map((page) => page.id));
        // Before the listing ends, the store is told what it has counted so far, and that more are coming.
        await (feed.done ? beginBulkLoad(processor.pendingIds().size) : beginBulkLoad(feed.refs.size, true));
        await handle(batch.filter((page) => processor.wants(page.id)));
      });
      await listed;
      await beginBulkLoad(processor.pendingIds().size);
    } else if (this.mode === "incremental" && this.state.watermark) {
      const since = new Date(this.state.watermark);
      const call = { ...this.call, contentTypes: this.contentTypes };
      await pipeBatches(this.options.source.listChangedSince(space, since, call), handle);
    }
    const pending = processor.pendingIds().size;
    if (!overlap && refs && refs.size > 0 && pending / refs.size > this.tuning.streamThreshold) {
      // Many pages to fetch: one streamed listing costs far fewer requests than fetching them by id.
      // Labels came with the listing, so the source need not fetch them again.
      const call = { ...this.call, labels: false, contentTypes: this.contentTypes };
      await pipeBatches(this.options.source.listPages(space, call), (batch) =>
        handle(batch.filter((page) => processor.wants(page.id))),
      );
    }
    // Whatever is still pending (changes the stream missed, failed pages to retry) is fetched by id.
    const remaining = [...processor.pendingIds()];
    for (let i = 0; i < remaining.length; i += this.tuning.fetchBatchSize) {
      const ids = remaining.slice(i, i + this.tuning.fetchBatchSize);
      await pipeBatches(
        this.options.source.getPages(space, ids, { ...this.call, contentTypes: this.contentTypes }),
        handle,
      );
    }
  }

  /** Lists the space's page refs and places them in the tree; with a feed, hands each batch on as it comes. */
  async #listRefs(space: ConfluenceSpace, record: SourceRecord, feed?: ListingFeed): Promise<Map<string, PageRef>> {
    this.setStage("listing");
    const statuses = record.removeArchived ? (["current"] as const) : (["current", "archived"] as const);
    const refs = new Map<string, PageRef>();
    const restrictions = syncsPermissions(record);
    const call = { ...this.call, statuses, contentTypes: this.contentTypes, restrictions };
    for await (const batch of this.options.source.listPageRefs(space, call)) {
      this.throwIfAborted();
      feed?.throwIfFailed();
      for (const ref of batch) {
        refs.set(ref.id, ref);
        this.placeRef(ref);
        this.learnAncestors(ref.ancestors, ref.folders, { authoritative: true });
      }
      this.counters.pagesListed = refs.size;
      feed?.add(batch);
    }
    return refs;
  }
}

export type { SyncRun };

/** A full sync's body stream running beside its listing. */
interface Overlap {
  readonly feed: ListingFeed;
  /** The listing has ended and the processor has reconciled it. */
  readonly listed: Promise<void>;
  readonly beginBulkLoad: (pages: number, more?: boolean) => Promise<void>;
}

/** Embedding calls and tokens of the page pass and of the attached files together. */
function usageOf(processor: PageProcessor, attachments: AttachmentSync | null): { calls: number; tokens: number } {
  const pages = processor.embeddingUsage();
  const files = attachments?.embeddingUsage() ?? { calls: 0, tokens: 0 };
  return { calls: pages.calls + files.calls, tokens: pages.tokens + files.tokens };
}

import { describeError, isConfluenceSyncError } from "../errors.js";
import type { Chunk } from "../ports/chunker.js";
import type {
  ConfluenceComment,
  ConfluencePage,
  PageContentType,
  PageRef,
  PageStatus,
} from "../ports/confluence-source.js";
import type {
  ChunkRecord,
  IndexSignature,
  PagePlacement,
  PageRecord,
  SourceRecord,
  StoredPageState,
} from "../ports/knowledge-store.js";
import type { SyncEventMap } from "../ports/progress-sink.js";
import { type PageComments, pageContentHash, renderDiscussion } from "./comments.js";
import { EmbedBatcher } from "./embed-batcher.js";
import type { SyncRun } from "./engine.js";
import type { ListingFeed } from "./listing-feed.js";
import { PageConvert } from "./page-convert.js";
import { PageWriter } from "./page-writer.js";
import type { FailedPages } from "./run-state.js";
import { mentionedUserIds, UserNames } from "./user-names.js";
import { storeCall, stripNul } from "./util.js";

type DeletionReason = SyncEventMap["page-deleted"]["reason"];

/** Decides what each page needs (nothing, a new place, a re-index, removal) and carries it out. */
export class PageProcessor {
  readonly #pending = new Set<string>();
  readonly #counted = new Set<string>();
  readonly #finished = new Set<string>();
  readonly #written = new Set<string>();
  readonly #processedVersion = new Map<string, number>();
  readonly #deletions = new Map<string, DeletionReason>();
  /** Stored entries of content types the source no longer indexes. */
  readonly #excluded = new Set<string>();
  readonly #latest = new Map<string, { title: string; status: PageStatus }>();
  readonly #failed: FailedPages;
  readonly #batcher: EmbedBatcher;
  readonly #users: UserNames;
  readonly #signature: IndexSignature;
  readonly #writer: PageWriter;
  /** Texts embedded during this run: the only ones a store that held no vector of the model can hold now. */
  readonly #embeddedNow = new Set<string>();
  #storeMayHold: Promise<boolean> | null = null;
  readonly #convert: PageConvert;
  #refs: Map<string, PageRef> | null = null;
  /** A listing still running while bodies stream (a full sync): every page is wanted until it ends. */
  #listing: ListingFeed | null = null;
  #mayDelete: boolean;

  constructor(
    private readonly run: SyncRun,
    private readonly record: SourceRecord,
    private readonly stored: Map<string, StoredPageState>,
    private readonly comments: PageComments | null = null,
  ) {
    this.#failed = { ...run.state.failedPages };
    const { embedder, converter, chunker } = run.options;
    this.#users = new UserNames(run.options.source, run.options.resolveUser);
    this.#signature = {
      embeddingModel: embedder.modelId,
      dimensions: embedder.dimensions,
      converter: converter!.id,
      chunker: chunker!.id,
    };
    const batchSize = Math.min(run.tuning.embedBatchSize ?? embedder.maxBatchSize, embedder.maxBatchSize);
    this.#batcher = new EmbedBatcher(embedder, batchSize, run.tuning.embedConcurrency, run.signal, {
      maxWaitMs: run.tuning.embedMaxWaitMs,
    });
    this.#writer = new PageWriter(run.options.store, {
      pages: run.tuning.writeBatchPages,
      chunks: run.tuning.writeBatchChunks,
      inFlight: run.tuning.writeConcurrency,
    });
    this.#convert = new PageConvert(run);
    this.#mayDelete =
      record.deletionStrategy === "listing" || (run.mode === "full" && record.deletionStrategy === "full-only");
  }

  embeddingUsage(): { calls: number; tokens: number } {
    return { calls: this.#batcher.calls, tokens: this.#batcher.tokens };
  }

  /** Pages this run wrote (their chunks and Archon rows were replaced). */
  writtenIds(): ReadonlySet<string> {
    return this.#written;
  }

  pendingIds(): Set<string> {
    return new Set(this.#pending);
  }

  /** Pages a streamed listing should hand over: those pending, and those the listing did not know yet. */
  wants(pageId: string): boolean {
    if (this.#listing !== null && !this.#listing.done) return true;
    return this.#pending.has(pageId) || (this.#refs !== null && !this.#refs.has(pageId));
  }

  /**
   * A full sync's listing has started and bodies stream beside it: labels come from its refs as they arrive, and
   * {@link reconcileListing} follows when it ends.
   */
  listingStarted(feed: ListingFeed): void {
    this.#listing = feed;
    this.#refs = feed.refs;
  }

  /** Compares a complete listing with the store: what to fetch, and what vanished. */
  async reconcileListing(
    refs: Map<string, PageRef>,
    options: { deletions: boolean; verifyAll: boolean },
  ): Promise<void> {
    this.#refs = refs;
    // From here on the listing decides what the stream hands over.
    this.#listing = null;
    this.#mayDelete = options.deletions;
    for (const ref of refs.values()) {
      // Already handled by a stream that ran beside the listing.
      if ((this.#processedVersion.get(ref.id) ?? -1) >= ref.version) continue;
      this.#latest.set(ref.id, { title: ref.title, status: ref.status });
      if (!this.#keeps(ref.status)) continue;
      const stored = this.stored.get(ref.id);
      const failed = this.#failed[ref.id];
      if (failed && this.#gaveUp(failed, ref.version)) {
        this.#skip(ref.id, "gave-up");
        continue;
      }
      if (!stored || stored.version !== ref.version || failed || options.verifyAll || this.#stale(stored)) {
        this.#want(ref.id);
      }
    }
    if (options.deletions) {
      for (const pageId of this.stored.keys()) {
        if (this.#excluded.has(pageId)) continue;
        // A page the stream already handled is present, whatever a lagging listing says; its own status decided.
        if (this.#processedVersion.has(pageId)) continue;
        const ref = refs.get(pageId);
        if (!ref) this.#deletions.set(pageId, "vanished");
        else if (!this.#keeps(ref.status))
          this.#deletions.set(pageId, ref.status === "archived" ? "archived" : "trashed");
      }
    }
  }

  /** Stored pages whose comments changed are fetched again by id, even when their version did not change. */
  wantComments(containerIds: ReadonlySet<string>): void {
    for (const id of containerIds) {
      const stored = this.stored.get(id);
      if (stored && this.#keeps(stored.status) && !this.#excluded.has(id)) this.#want(id);
    }
  }

  /**
   * Stored entries of content types the run does not list (blog posts turned off for the source) leave the store at
   * this sync, whatever the mode and the deletion strategy.
   */
  excludeTypes(listed: readonly PageContentType[]): void {
    for (const [pageId, state] of this.stored) {
      if (listed.includes(state.contentType ?? "page")) continue;
      this.#excluded.add(pageId);
      this.#deletions.set(pageId, "excluded");
    }
  }

  /** Without a listing, pages that failed last time are fetched again by id. */
  retryFailed(): void {
    for (const failed of Object.values(this.#failed)) {
      // A changed page comes back through the change stream; an unchanged one that gave up is left alone.
      if (!this.#gaveUp(failed, failed.version)) this.#want(failed.pageId);
    }
  }

  /** Without a listing, stored pages indexed by another model, converter or chunker are fetched again by id. */
  wantStale(): void {
    for (const stored of this.stored.values()) {
      if (this.#keeps(stored.status) && this.#stale(stored)) this.#want(stored.pageId);
    }
  }

  /**
   * The stored chunks must be made again: a re-index was asked for, or a known part of what produced them differs
   * from this sync's embedder, converter or chunker (their vectors then go with the old chunks).
   */
  #stale(stored: StoredPageState): boolean {
    if (this.run.reindex) return true;
    const known = stored.indexedWith;
    if (!known) return false;
    const current = this.#signature;
    return (Object.keys(current) as (keyof IndexSignature)[]).some(
      (key) => known[key] !== null && known[key] !== undefined && known[key] !== current[key],
    );
  }

  /** Stored pages the listing did not show and no stream returned; checked by id before they are removed. */
  vanishedIds(): string[] {
    return [...this.#deletions]
      .filter(([id, reason]) => reason === "vanished" && !this.#processedVersion.has(id))
      .map(([id]) => id);
  }

  async processBatch(batch: readonly ConfluencePage[]): Promise<void> {
    this.run.counters.pagesFetched += batch.length;
    // Names are looked up only for pages likely to be indexed, so an unchanged resync asks for none.
    const changed = batch.filter((page) => this.stored.get(page.id)?.version !== page.version || this.#failed[page.id]);
    await this.#users.prefetch(changed, this.run.call);
    const comments = this.comments ? await this.comments.forBatch(batch) : null;
    if (comments) await this.#users.prefetchIds(commentUsers(comments), this.run.call);
    try {
      // Pages waiting for their vectors free their slot; they reach the store later, in order per page.
      await this.#batcher.runPages(
        batch,
        this.run.tuning.concurrency,
        (page) => this.#process(page, comments?.get(page.id) ?? []),
        (page) => page.id,
      );
    } catch (error) {
      // Pages already handed over are still committed; the first error is the one reported.
      await this.#batcher.settle();
      await this.#writer.drain().catch(() => {});
      throw error;
    }
    // The batch's last pages go to the store now (those still waiting for vectors once they have them), but the next
    // batch need not wait for them to commit: a checkpoint records progress and failed pages only, and a resumed
    // sync finds committed pages unchanged. A failed write is reported by the writer's drain.
    await this.#writer.flush();
    this.#batcher
      .running()
      .then(() => this.#writer.flush())
      .catch(() => {});
    this.run.state = { ...this.run.state, failedPages: { ...this.#failed } };
    await this.run.checkpoint();
    this.run.progress();
  }

  /** Waits for every page group handed to the store, whatever the outcome (a failed sync ends this way). */
  async settle(): Promise<void> {
    await this.#batcher.settle();
    await this.#writer.drain().catch(() => {});
  }

  /** Removals and placement updates, once every page has been seen. */
  async finish(): Promise<void> {
    const { store } = this.run.options;
    const sourceId = this.record.sourceId;
    await this.#batcher.drain();
    await this.run.telemetry.time("write", () => this.#writer.drain());
    this.run.throwIfAborted();
    // A page the source could not read was not returned, but that does not make it gone.
    for (const pageId of this.run.unreadable) {
      if (this.#deletions.get(pageId) === "vanished") this.#deletions.delete(pageId);
    }
    if (this.#deletions.size > 0) {
      this.run.setStage("deleting");
      const ids = [...this.#deletions.keys()];
      for (let i = 0; i < ids.length; i += 500) {
        const slice = ids.slice(i, i + 500);
        await storeCall("delete pages", () => store.deletePages(sourceId, slice));
        for (const pageId of slice) {
          delete this.#failed[pageId];
          this.run.counters.pagesDeleted += 1;
          const contentType = this.stored.get(pageId)?.contentType ?? "page";
          this.run.counters.countContent(contentType, "deleted");
          const reason = this.#deletions.get(pageId) ?? "vanished";
          this.run.emit("page-deleted", { operationId: this.run.operationId, sourceId, pageId, reason, contentType });
        }
      }
    }
    const placements = this.#placements();
    for (let i = 0; i < placements.length; i += 500) {
      const slice = placements.slice(i, i + 500);
      await storeCall("update page placements", () => store.updatePlacements(sourceId, slice));
    }
    for (const placement of placements) {
      this.run.counters.pagesMoved += 1;
      if (!this.#finished.has(placement.pageId)) this.#skip(placement.pageId, "moved");
    }
    this.run.state = { ...this.run.state, failedPages: { ...this.#failed } };
  }

  /** A page is retried until it failed too often, or at once when it was too complex: until its version changes. */
  #gaveUp(failed: FailedPages[string], version: number): boolean {
    if (failed.version !== version) return false;
    return failed.code === "PAGE_TOO_COMPLEX" || failed.attempts >= this.run.tuning.maxPageAttempts;
  }

  #keeps(status: PageStatus): boolean {
    return status === "current" || (status === "archived" && !this.record.removeArchived);
  }

  #want(pageId: string): void {
    this.#pending.add(pageId);
    this.#count(pageId);
  }

  #count(pageId: string): void {
    if (!this.#counted.has(pageId)) {
      this.#counted.add(pageId);
      this.run.tracker.total += 1;
    }
  }

  #skip(pageId: string, reason: SyncEventMap["page-skipped"]["reason"]): void {
    this.#count(pageId);
    this.#finished.add(pageId);
    this.run.counters.pagesSkipped += 1;
    this.run.emit("page-skipped", {
      operationId: this.run.operationId,
      sourceId: this.record.sourceId,
      pageId,
      reason,
    });
  }

  /** Stored pages that keep their content but whose title, parent, path or status changed. */
  #placements(): PagePlacement[] {
    const out: PagePlacement[] = [];
    for (const [pageId, stored] of this.stored) {
      if (this.#written.has(pageId) || this.#deletions.has(pageId)) continue;
      const latest = this.#latest.get(pageId);
      const title = latest?.title ?? stored.title;
      const status = latest?.status ?? stored.status;
      const place = this.run.placement(pageId);
      const parentId = place.ancestors.at(-1) ?? null;
      // Only a listing reports labels reliably; a label change bumps no version, so it is caught here.
      const labels = this.#refs?.get(pageId)?.labels;
      const relabelled = labels !== undefined && !sameLabels(labels, stored.labels);
      if (
        title === stored.title &&
        status === stored.status &&
        place.path === stored.path &&
        parentId === stored.parentId &&
        !relabelled
      ) {
        continue;
      }
      const placement = {
        pageId,
        title,
        parentId,
        ancestors: place.ancestors,
        path: place.path,
        depth: place.depth,
        status,
      };
      out.push(relabelled ? { ...placement, labels } : placement);
    }
    return out;
  }

  async #process(page: ConfluencePage, comments: readonly ConfluenceComment[]): Promise<void> {
    this.run.throwIfAborted();
    if (this.#excluded.has(page.id)) return;
    const seen = this.#processedVersion.get(page.id);
    if (seen !== undefined && seen >= page.version) return;
    this.#processedVersion.set(page.id, page.version);
    this.#pending.delete(page.id);
    this.#latest.set(page.id, { title: page.title, status: page.status });
    this.run.placeRef(page);
    this.run.learnAncestors(page.ancestors, page.folders);
    if (!this.#keeps(page.status)) {
      if (this.#mayDelete && this.stored.has(page.id)) {
        const reason = page.status === "archived" ? "archived" : page.status === "deleted" ? "deleted" : "trashed";
        this.#deletions.set(page.id, reason);
      }
      return;
    }
    // Present after all: a listing read from a lagging search index can miss a page.
    this.#deletions.delete(page.id);
    this.#count(page.id);
    const contentHash = pageContentHash(page.body, comments);
    const stored = this.stored.get(page.id);
    const failed = this.#failed[page.id];
    const current = stored && stored.version === page.version && stored.contentHash === contentHash;
    if (current && !failed && !this.#stale(stored)) {
      this.#skip(page.id, "unchanged");
      return;
    }
    if (failed && this.#gaveUp(failed, page.version)) {
      this.#skip(page.id, "gave-up");
      return;
    }
    await this.#index(page, contentHash, comments);
  }

  async #index(page: ConfluencePage, contentHash: string, comments: readonly ConfluenceComment[]): Promise<void> {
    const { embedder, store } = this.run.options;
    const sourceId = this.record.sourceId;
    const title = stripNul(page.title);
    this.run.tracker.stage = "converting";
    let markdown: string;
    let metadata: PageRecord["metadata"];
    let chunks: (Chunk & { readonly contentType?: "comment" })[];
    try {
      const converted = this.run.telemetry.begin("convert", "confluence.pages.converted");
      ({ markdown, metadata, chunks } = await this.#convert.convert(
        page,
        title,
        this.record.spaceKey,
        this.#users.resolve,
      ));
      if (comments.length > 0) {
        const discussion = renderDiscussion(
          this.run,
          page,
          title,
          this.record.spaceKey,
          comments,
          this.#users.resolve,
          chunks.length,
        );
        markdown = markdown.trim() === "" ? discussion.markdown : `${markdown}\n\n${discussion.markdown}`;
        chunks = [...chunks, ...discussion.chunks.map((chunk) => ({ ...chunk, contentType: "comment" as const }))];
      }
      converted();
    } catch (error) {
      if (isConfluenceSyncError(error, "SYNC_ABORTED")) throw error;
      return this.#fail(page, isConfluenceSyncError(error, "PAGE_TOO_COMPLEX") ? error.code : "CONVERT_FAILED", error);
    }
    this.run.tracker.stage = "embedding";
    const hashes = [...new Set(chunks.map((chunk) => chunk.hash))];
    const lookup = (await this.#mayHoldAny()) ? hashes : hashes.filter((hash) => this.#embeddedNow.has(hash));
    const known =
      lookup.length === 0
        ? new Map<string, number[]>()
        : await storeCall("look up stored embeddings", () =>
            store.findEmbeddings(embedder.modelId, embedder.dimensions, lookup),
          );
    const missing = new Map<string, string>();
    // The embedded form leaves out link targets; the stored content keeps them.
    const tokens: number[] = [];
    for (const chunk of chunks) {
      if (known.has(chunk.hash) || missing.has(chunk.hash)) continue;
      missing.set(chunk.hash, chunk.embedText ?? chunk.text);
      tokens.push(chunk.tokens);
    }
    try {
      const embedding = this.run.telemetry.begin("embed", "confluence.chunks.embedded", missing.size);
      const vectors = await this.#batcher.embed([...missing.values()], tokens);
      embedding();
      let i = 0;
      for (const hash of missing.keys()) {
        known.set(hash, vectors[i++]!);
        this.#embeddedNow.add(hash);
      }
    } catch (error) {
      // An outage or a misconfigured model ends the sync; a text the provider rejects fails only its page.
      const fatal =
        this.run.signal?.aborted ||
        (isConfluenceSyncError(error) && (error.retryable || error.code === "EMBED_DIMENSION_MISMATCH"));
      if (fatal) throw error;
      return this.#fail(page, "EMBED_FAILED", error);
    }
    const place = this.run.placement(page.id);
    const contentType = page.contentType ?? "page";
    const record: PageRecord = {
      sourceId,
      pageId: page.id,
      ...(contentType === "page" ? {} : { contentType }),
      spaceKey: page.spaceKey || this.record.spaceKey,
      title,
      version: page.version,
      contentHash,
      status: page.status,
      parentId: place.ancestors.at(-1) ?? null,
      ancestors: place.ancestors,
      path: place.path,
      depth: place.depth,
      webUrl: page.webUrl,
      authorId: page.authorId,
      createdAt: page.createdAt,
      updatedAt: page.updatedAt,
      labels: this.#refs?.get(page.id)?.labels ?? page.labels,
      metadata,
      markdown,
      indexedAt: new Date().toISOString(),
      indexedWith: this.#signature,
    };
    const records: ChunkRecord[] = chunks.map((chunk) => ({
      chunkNumber: chunk.index,
      content: chunk.text,
      hash: chunk.hash,
      breadcrumb: chunk.breadcrumb,
      tokens: chunk.tokens,
      embedding: known.get(chunk.hash)!,
      embeddingModel: embedder.modelId,
      ...(chunk.contentType === undefined ? {} : { contentType: chunk.contentType }),
    }));
    this.run.tracker.stage = "storing";
    const embedded = missing.size;
    const reused = chunks.filter((chunk) => !missing.has(chunk.hash)).length;
    const written = this.run.telemetry.begin("write", "confluence.chunks.written", records.length);
    await this.#writer.add({ page: record, chunks: records }, () => {
      written();
      this.run.telemetry.count("write", "confluence.pages.written", 1);
      this.#written.add(page.id);
      this.#finished.add(page.id);
      delete this.#failed[page.id];
      const counters = this.run.counters;
      counters.pagesIndexed += 1;
      counters.countContent(contentType, "indexed");
      counters.countContent("comment", "indexed", comments.length);
      counters.chunksWritten += records.length;
      counters.chunksReused += reused;
      this.run.emit("page-indexed", {
        operationId: this.run.operationId,
        sourceId,
        pageId: page.id,
        title,
        version: page.version,
        chunks: records.length,
        embedded,
        contentType,
        comments: comments.length,
      });
      this.run.progress();
    });
  }

  /** Whether the store may hold vectors of the embedder's model from before this run; asked once. */
  #mayHoldAny(): Promise<boolean> {
    const { store, embedder } = this.run.options;
    this.#storeMayHold ??= store.hasEmbeddings
      ? storeCall("look up stored embeddings", () => store.hasEmbeddings!(embedder.modelId, embedder.dimensions))
      : Promise.resolve(true);
    return this.#storeMayHold;
  }

  #fail(page: ConfluencePage, code: string, error: unknown): void {
    const message = describeError(error);
    const previous = this.#failed[page.id];
    this.#failed[page.id] = {
      pageId: page.id,
      version: page.version,
      title: page.title,
      error: message,
      code,
      attempts: previous && previous.version === page.version ? previous.attempts + 1 : 1,
      failedAt: new Date().toISOString(),
    };
    this.#finished.add(page.id);
    this.run.counters.pagesFailed += 1;
    this.run.logger.warn({ pageId: page.id, code, err: message }, "page failed");
    const event = {
      operationId: this.run.operationId,
      sourceId: this.record.sourceId,
      pageId: page.id,
      title: page.title,
    };
    this.run.emit("page-failed", { ...event, code, error: message });
  }
}

function sameLabels(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sorted = [...b].sort();
  return [...a].sort().every((label, i) => label === sorted[i]);
}

/** Authors of the comments, and users their bodies mention. */
function commentUsers(comments: ReadonlyMap<string, readonly ConfluenceComment[]>): string[] {
  const ids = new Set<string>();
  for (const list of comments.values()) {
    for (const comment of list) {
      if (comment.authorId !== null) ids.add(comment.authorId);
      for (const id of mentionedUserIds(comment.body)) ids.add(id);
    }
  }
  return [...ids];
}

import { imageMarkdown, imageTextsOnPage } from "../attachments/image.js";
import { describeError, isConfluenceSyncError } from "../errors.js";
import { sha256 } from "../hash.js";
import type {
  AttachmentExtraction,
  AttachmentExtractor,
  AttachmentSkipReason,
  ConfluenceAttachment,
} from "../ports/attachments.js";
import type { ConfluenceSpace } from "../ports/confluence-source.js";
import type { PageMetadata } from "../ports/converter.js";
import type {
  ChunkRecord,
  IndexSignature,
  PagePlacement,
  PageRecord,
  SourceRecord,
  StoredPageState,
} from "../ports/knowledge-store.js";
import type { SyncEventMap } from "../ports/progress-sink.js";
import { limitsKey, listByPage, readAttachment } from "./attachment-fetch.js";
import { type AttachmentOptions, mediaTypeAllowed } from "./content-options.js";
import { EmbedBatcher } from "./embed-batcher.js";
import type { SyncRun } from "./engine.js";
import { PageWriter } from "./page-writer.js";
import { runPool } from "./pool.js";
import { storeCall, stripNul } from "./util.js";

/** Store entries of attached files have Confluence's attachment ids, `att…`; pages have numeric ids. */
export function isAttachmentEntry(id: string): boolean {
  return id.startsWith("att");
}

type Skip = { readonly reason: AttachmentSkipReason; readonly message: string };
type DeleteReason = SyncEventMap["attachment-deleted"]["reason"];

const EMPTY_METADATA: Omit<PageMetadata, "attachment"> = {
  jiraKeys: [],
  mentions: [],
  pageLinks: [],
  attachments: [],
  externalLinks: [],
  headings: [],
  codeLanguages: [],
  macros: {},
  wordCount: 0,
};

/**
 * Keeps the attached files of a source's pages in step, after the pages themselves: one listing per stored page, a
 * download and extraction only for files whose version the store does not hold yet, and removal of files that were
 * deleted, replaced by a file of another name, or whose page left. A file that cannot be read is stored as skipped
 * (no chunks) so it is not downloaded again until its version, the limits or the extractor change.
 */
export class AttachmentSync {
  readonly #batcher: EmbedBatcher;
  readonly #writer: PageWriter;
  readonly #signature: IndexSignature;
  readonly #limits: string;
  readonly #pageTexts = new Map<string, Promise<string>>();

  constructor(
    private readonly run: SyncRun,
    private readonly record: SourceRecord,
    private readonly options: AttachmentOptions,
    private readonly extractor: AttachmentExtractor,
    /** Pages re-indexed by this run: their images' alt texts may have changed. */
    private readonly reindexedPages: ReadonlySet<string>,
  ) {
    const { embedder, chunker } = run.options;
    this.#signature = {
      embeddingModel: embedder.modelId,
      dimensions: embedder.dimensions,
      converter: extractor.id,
      chunker: chunker!.id,
    };
    this.#limits = limitsKey(options);
    const batchSize = Math.min(run.tuning.embedBatchSize ?? embedder.maxBatchSize, embedder.maxBatchSize);
    this.#batcher = new EmbedBatcher(embedder, batchSize, run.tuning.embedConcurrency, run.signal);
    this.#writer = new PageWriter(run.options.store, {
      pages: run.tuning.writeBatchPages,
      chunks: run.tuning.writeBatchChunks,
    });
    run.counters.attachments ??= {
      listed: 0,
      indexed: 0,
      unchanged: 0,
      skipped: 0,
      deleted: 0,
      downloads: 0,
      bytesDownloaded: 0,
    };
  }

  get #counters() {
    return this.run.counters.attachments!;
  }

  embeddingUsage(): { calls: number; tokens: number } {
    return { calls: this.#batcher.calls, tokens: this.#batcher.tokens };
  }

  async sync(space: ConfluenceSpace): Promise<void> {
    const { source, store } = this.run.options;
    const sourceId = this.record.sourceId;
    const states = await storeCall("read page states", () => store.getPageStates(sourceId));
    const pages: StoredPageState[] = [];
    const stored = new Map<string, StoredPageState>();
    const holders = new Set<string>();
    for (const [id, state] of states) {
      if (isAttachmentEntry(id)) stored.set(id, state);
      else {
        holders.add(id);
        if (this.#keeps(state)) pages.push(state);
      }
    }
    const listed = new Set<string>();
    const excluded = new Set<string>();
    const placements: PagePlacement[] = [];
    if (this.options.enabled && source.listAttachments && source.downloadAttachment) {
      const listings = await listByPage(this.run, this.options.concurrency, space, pages, stored);
      const byId = new Map(pages.map((page) => [page.pageId, page]));
      await runPool([...listings], this.options.concurrency, async ([pageId, files]) => {
        const page = byId.get(pageId)!;
        for (const file of files) {
          if (!mediaTypeAllowed(this.options.mediaTypes, file.mediaType)) {
            excluded.add(file.id);
            continue;
          }
          this.#counters.listed += 1;
          listed.add(file.id);
          const kept = await this.#one(page, file, stored.get(file.id), placements);
          if (!kept) listed.delete(file.id);
          this.run.progress();
        }
      });
      await this.#writer.drain();
    }
    // Like pages, files leave the store only under a deletion strategy that allows it in this mode; files excluded by
    // the options (or all of them, with attachments off) always do.
    const strategy = this.record.deletionStrategy;
    const mayDelete = strategy === "listing" || (strategy === "full-only" && this.run.mode === "full");
    // Files of a page or blog post that left the store go with it under any strategy.
    const gone = [...stored.entries()].filter(
      ([id, state]) =>
        !listed.has(id) &&
        (mayDelete ||
          excluded.has(id) ||
          !this.options.enabled ||
          state.parentId === null ||
          !holders.has(state.parentId)),
    );
    const pageIds = new Set(pages.map((page) => page.pageId));
    for (let i = 0; i < gone.length; i += 500) {
      const slice = gone.slice(i, i + 500);
      await storeCall("delete attachments", () =>
        store.deletePages(
          sourceId,
          slice.map(([id]) => id),
        ),
      );
      for (const [attachmentId, state] of slice) {
        this.#counters.deleted += 1;
        const reason: DeleteReason =
          excluded.has(attachmentId) || !this.options.enabled
            ? "excluded"
            : state.parentId !== null && pageIds.has(state.parentId)
              ? "vanished"
              : "page-removed";
        this.run.emit("attachment-deleted", {
          operationId: this.run.operationId,
          sourceId,
          pageId: state.parentId,
          attachmentId,
          reason,
        });
      }
    }
    for (let i = 0; i < placements.length; i += 500) {
      const slice = placements.slice(i, i + 500);
      await storeCall("update attachment placements", () => store.updatePlacements(sourceId, slice));
    }
  }

  #keeps(state: StoredPageState): boolean {
    return state.status === "current" || (state.status === "archived" && !this.record.removeArchived);
  }

  /** Brings one file up to date; `false` when it turned out to be gone (deleted between listing and download). */
  async #one(
    page: StoredPageState,
    file: ConfluenceAttachment,
    stored: StoredPageState | undefined,
    placements: PagePlacement[],
  ): Promise<boolean> {
    this.run.throwIfAborted();
    const path = `${page.path}/${file.id}`;
    const ancestors = path.split("/").filter((part) => part !== "" && part !== file.id);
    const image = file.mediaType.startsWith("image/");
    if (stored && this.#current(stored, file, image, page.pageId)) {
      this.#counters.unchanged += 1;
      if (stored.path !== path || stored.title !== file.fileName || stored.parentId !== page.pageId) {
        placements.push({
          pageId: file.id,
          title: file.fileName,
          parentId: page.pageId,
          ancestors,
          path,
          depth: ancestors.length,
          status: "current",
        });
      }
      return true;
    }
    let outcome: AttachmentExtraction;
    let contentHash: string;
    if (image) {
      const texts = imageTextsOnPage(await this.#pageMarkdown(page.pageId), file.fileName);
      outcome = { kind: "text", markdown: imageMarkdown(file, texts) };
      contentHash = sha256(outcome.markdown);
    } else {
      const read = await readAttachment(this.run, this.options, this.extractor, file, this.#counters);
      if (read === "gone") return false;
      outcome = read.outcome;
      contentHash = read.hash;
    }
    const title = stripNul(file.fileName);
    const base = {
      sourceId: this.record.sourceId,
      pageId: file.id,
      spaceKey: this.record.spaceKey,
      title,
      version: file.version,
      status: "current" as const,
      parentId: page.pageId,
      ancestors,
      path,
      depth: ancestors.length,
      webUrl: file.downloadUrl,
      authorId: null,
      createdAt: null,
      updatedAt: file.updatedAt,
      labels: [],
      indexedAt: new Date().toISOString(),
      indexedWith: this.#signature,
    };
    const attachment = {
      fileName: file.fileName,
      mediaType: file.mediaType,
      fileSize: file.fileSize,
      comment: file.comment,
      pageId: page.pageId,
    };
    if (outcome.kind === "skipped") {
      const skip: Skip = { reason: outcome.reason, message: outcome.message };
      const record: PageRecord = {
        ...base,
        contentHash: `skipped:${skip.reason}:${this.#limits}`,
        metadata: { ...EMPTY_METADATA, attachment: { ...attachment, skipped: skip } },
        markdown: "",
      };
      await this.#writer.add({ page: record, chunks: [] }, () => this.#skipped(file, skip));
      return true;
    }
    const markdown = stripNul(outcome.markdown);
    const chunks = this.run.options.chunker!.chunk(markdown, { title });
    let vectors: Map<string, number[]>;
    try {
      vectors = await this.#embed(chunks.map((chunk) => ({ hash: chunk.hash, text: chunk.embedText ?? chunk.text })));
    } catch (error) {
      const fatal =
        this.run.signal?.aborted ||
        (isConfluenceSyncError(error) && (error.retryable || error.code === "EMBED_DIMENSION_MISMATCH"));
      if (fatal) throw error;
      // Not stored: the next sync tries the file again.
      this.run.logger.warn({ attachmentId: file.id, err: describeError(error) }, "attachment not embedded");
      return true;
    }
    const { embedder } = this.run.options;
    const pageTitle = page.title;
    const records: ChunkRecord[] = chunks.map((chunk) => ({
      chunkNumber: chunk.index,
      content: chunk.text,
      hash: chunk.hash,
      breadcrumb: [pageTitle, ...chunk.breadcrumb],
      tokens: chunk.tokens,
      embedding: vectors.get(chunk.hash)!,
      embeddingModel: embedder.modelId,
    }));
    const record: PageRecord = {
      ...base,
      contentHash,
      metadata: { ...EMPTY_METADATA, wordCount: markdown.split(/\s+/).filter(Boolean).length, attachment },
      markdown,
    };
    await this.#writer.add({ page: record, chunks: records }, () => {
      this.#counters.indexed += 1;
      this.run.counters.chunksWritten += records.length;
      this.run.emit("attachment-indexed", {
        operationId: this.run.operationId,
        sourceId: this.record.sourceId,
        pageId: page.pageId,
        attachmentId: file.id,
        fileName: file.fileName,
        version: file.version,
        chunks: records.length,
      });
    });
    return true;
  }

  /** Whether the stored entry is this version, made by this extractor, chunker and model, under these limits. */
  #current(stored: StoredPageState, file: ConfluenceAttachment, image: boolean, pageId: string): boolean {
    if (stored.version !== file.version) return false;
    if (image && this.reindexedPages.has(pageId)) return false;
    if (stored.contentHash.startsWith("skipped:") && !stored.contentHash.endsWith(`:${this.#limits}`)) return false;
    if (this.run.reindex) return false;
    const known = stored.indexedWith;
    if (!known) return true;
    return (Object.keys(this.#signature) as (keyof IndexSignature)[]).every(
      (key) => known[key] === null || known[key] === undefined || known[key] === this.#signature[key],
    );
  }

  async #embed(texts: readonly { hash: string; text: string }[]): Promise<Map<string, number[]>> {
    const { store, embedder } = this.run.options;
    const hashes = [...new Set(texts.map((t) => t.hash))];
    const known =
      hashes.length === 0
        ? new Map<string, number[]>()
        : await storeCall("look up stored embeddings", () =>
            store.findEmbeddings(embedder.modelId, embedder.dimensions, hashes),
          );
    const missing = new Map<string, string>();
    for (const { hash, text } of texts) if (!known.has(hash)) missing.set(hash, text);
    const vectors = await this.#batcher.embed([...missing.values()]);
    let i = 0;
    for (const hash of missing.keys()) known.set(hash, vectors[i++]!);
    return known;
  }

  #pageMarkdown(pageId: string): Promise<string> {
    let found = this.#pageTexts.get(pageId);
    if (!found) {
      found = storeCall("read a page", () => this.run.options.store.getPage(this.record.sourceId, pageId)).then(
        (page) => page?.markdown ?? "",
      );
      this.#pageTexts.set(pageId, found);
    }
    return found;
  }

  #skipped(file: ConfluenceAttachment, skip: Skip): void {
    this.#counters.skipped += 1;
    this.run.logger.warn({ attachmentId: file.id, reason: skip.reason }, skip.message);
    this.run.emit("attachment-skipped", {
      operationId: this.run.operationId,
      sourceId: this.record.sourceId,
      pageId: file.pageId,
      attachmentId: file.id,
      fileName: file.fileName,
      version: file.version,
      ...skip,
    });
  }
}

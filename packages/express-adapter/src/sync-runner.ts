import {
  type AttachmentExtractor,
  type Chunker,
  ConfluenceSync,
  ConfluenceSyncError,
  type ContentOptionsInput,
  type Converter,
  type ConvertPool,
  type CredentialStore,
  createMarkdownChunker,
  createStorageConverter,
  type Embedder,
  type KnowledgeStore,
  type Logger,
  type ProgressSink,
  type SyncTuningInput,
} from "@archon/confluence-core";
import type { SyncRunner, SyncRunRequest } from "./operations.js";
import type { SourceFactory } from "./options.js";

/** What {@link createSyncRunner} needs besides the engine's tuning knobs. */
export interface SyncRunnerOptions extends SyncTuningInput {
  readonly store: KnowledgeStore;
  readonly credentials: CredentialStore;
  readonly embedder: Embedder;
  readonly createSource: SourceFactory;
  /** @default the engine's default converter */
  readonly converter?: Converter;
  /** @default the engine's default chunker */
  readonly chunker?: Chunker;
  /** Worker threads for converting pages, e.g. `new ConvertPool({ maxHeapMb: 256 })`. @default the process-wide pool */
  readonly convertPool?: ConvertPool | false;
  /** Content indexed besides pages for sources that say nothing of it; a source's own `content` wins key by key. */
  readonly content?: ContentOptionsInput;
  /**
   * Reads attached files for sources with `content.attachments` on, e.g. `createAttachmentExtractor()` from
   * `@archon/confluence-attachments` for PDF and Office files. @default core's text, Markdown and CSV reader
   */
  readonly attachmentExtractor?: AttachmentExtractor;
  /** Extra sinks every sync reports to, e.g. a `PgProgressSink` so progress outlives the process. */
  readonly sinks?: readonly ProgressSink[];
  readonly logger?: Logger;
  /** Display names for mentions (account id or user key to name); mentions keep the id without it. */
  readonly resolveUser?: (accountId: string) => string | undefined;
}

/**
 * The default {@link SyncRunner}: builds the source from the stored configuration and credentials and runs the
 * core `ConfluenceSync` engine with the router's operation id and abort signal.
 */
export function createSyncRunner(options: SyncRunnerOptions): SyncRunner {
  const { store, credentials, embedder, createSource, sinks = [], ...engineOptions } = options;
  const converter = options.converter ?? createStorageConverter();
  const chunker = options.chunker ?? createMarkdownChunker();
  const run = async ({ source, mode, reindex, operationId, signal, sink, lock }: SyncRunRequest) => {
    const stored = await credentials.get(source.sourceId);
    if (!stored) {
      throw new ConfluenceSyncError(
        "SOURCE_AUTH",
        `No credentials are stored for source ${source.sourceId}; update the source with credentials first.`,
      );
    }
    const confluence = createSource({ baseUrl: source.baseUrl, deployment: source.deployment, credentials: stored });
    const engine = new ConfluenceSync({
      ...engineOptions,
      converter,
      chunker,
      source: confluence,
      store,
      embedder,
      sinks: [sink, ...sinks],
    });
    return engine.run({
      sourceId: source.sourceId,
      mode,
      reindex,
      operationId,
      signal,
      ...(lock ? { heldLock: lock } : {}),
    });
  };
  // The store's cross-process lock, taken before a request is accepted and held for the run.
  const lockSource = store.lockSource?.bind(store);
  return lockSource ? Object.assign(run, { lockSource }) : run;
}

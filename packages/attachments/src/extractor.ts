import { type AttachmentExtractor, extractText, textKind } from "@archon/confluence-core";
import { extractBinary } from "./extract.js";
import { fileKind } from "./formats.js";
import { ExtractPool, type ExtractPoolOptions } from "./worker-pool.js";

/** Options of {@link createAttachmentExtractor}. */
export interface CreateAttachmentExtractorOptions extends ExtractPoolOptions {
  /**
   * Read PDF, Office and HTML files on worker threads with the per-file time budget (`true`), or on the calling
   * thread without a budget (`false`, for environments without workers). @default true
   */
  readonly offThread?: boolean;
}

/**
 * The attachment extractor for PDF (unpdf), Word (mammoth, then turndown with GitHub tables), PowerPoint (slide text),
 * Excel (exceljs, a table per sheet), HTML (turndown), and text, Markdown and CSV (core). Password-protected and
 * damaged files come back as `skipped` with the reason; a file over its time budget as `timeout`.
 *
 * @example
 * const sync = new ConfluenceSync({
 *   source, store, embedder,
 *   content: { attachments: { maxBytes: 10 * 1024 * 1024 } },
 *   attachmentExtractor: createAttachmentExtractor(),
 * });
 */
export function createAttachmentExtractor(options: CreateAttachmentExtractorOptions = {}): AttachmentExtractor & {
  close(): Promise<void>;
} {
  const pool = options.offThread === false ? undefined : new ExtractPool(options);
  return {
    id: "attachments@1",
    supports: (mediaType, fileName) => fileKind(mediaType, fileName) !== undefined,
    async extract(file, { signal, timeBudgetMs }) {
      if (textKind(file.mediaType, file.fileName) !== undefined) return extractText(file);
      if (!pool) return extractBinary(file);
      return pool.run(file, timeBudgetMs, signal);
    },
    close: async () => pool?.close(),
  };
}

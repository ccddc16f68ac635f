import { createHash } from "node:crypto";
import { describeError, isConfluenceSyncError } from "../errors.js";
import type {
  AttachmentExtraction,
  AttachmentExtractor,
  AttachmentSkipReason,
  ConfluenceAttachment,
} from "../ports/attachments.js";
import type { ConfluenceSpace } from "../ports/confluence-source.js";
import type { StoredPageState } from "../ports/knowledge-store.js";
import type { AttachmentOptions } from "./content-options.js";
import type { SyncRun } from "./engine.js";
import { runPool } from "./pool.js";

/** The limits a skipped file was judged under; a change of either looks at it again. */
export function limitsKey(options: AttachmentOptions): string {
  return `${options.maxBytes}/${options.timeBudgetMs}`;
}

/**
 * The current files of every kept page: from one space-wide listing when the source has it (files of stored entries
 * it did not return are confirmed with their page's own listing, since it reads a search index that can trail),
 * else one listing per page.
 */
export async function listByPage(
  run: SyncRun,
  concurrency: number,
  space: ConfluenceSpace,
  pages: readonly StoredPageState[],
  stored: ReadonlyMap<string, StoredPageState>,
): Promise<Map<string, ConfluenceAttachment[]>> {
  const { source } = run.options;
  const byPage = new Map<string, ConfluenceAttachment[]>(pages.map((page) => [page.pageId, []]));
  const perPage = async (pageIds: readonly string[]) =>
    runPool(pageIds, concurrency, async (pageId) => {
      run.throwIfAborted();
      byPage.set(pageId, await source.listAttachments!(pageId, run.call));
    });
  if (source.listSpaceAttachments) {
    try {
      const seen = new Set<string>();
      for await (const batch of source.listSpaceAttachments(space, run.call)) {
        run.throwIfAborted();
        for (const file of batch) {
          const files = byPage.get(file.pageId);
          if (!files || seen.has(file.id)) continue;
          seen.add(file.id);
          files.push(file);
        }
      }
      const unconfirmed = new Set<string>();
      for (const [id, state] of stored) {
        if (!seen.has(id) && state.parentId !== null && byPage.has(state.parentId)) unconfirmed.add(state.parentId);
      }
      await perPage([...unconfirmed]);
      return byPage;
    } catch (error) {
      if (run.signal?.aborted || isConfluenceSyncError(error, "SYNC_ABORTED")) throw error;
      run.logger.warn({ err: describeError(error) }, "space attachment listing failed; listing each page");
      for (const files of byPage.values()) files.length = 0;
    }
  }
  await perPage(pages.map((page) => page.pageId));
  return byPage;
}

/** Downloads and extracts a file within the limits; every failure but a vanished file becomes a skip. */
export async function readAttachment(
  run: SyncRun,
  options: AttachmentOptions,
  extractor: AttachmentExtractor,
  file: ConfluenceAttachment,
  counters: { downloads: number; bytesDownloaded: number },
): Promise<{ outcome: AttachmentExtraction; hash: string } | "gone"> {
  const limits = `skipped:${limitsKey(options)}`;
  const skip = (reason: AttachmentSkipReason, message: string) => ({
    outcome: { kind: "skipped" as const, reason, message },
    hash: limits,
  });
  if (!extractor.supports(file.mediaType, file.fileName)) {
    return skip("unsupported", `No extractor reads ${file.mediaType} files (${extractor.id}).`);
  }
  const { maxBytes } = options;
  if (file.fileSize > maxBytes) {
    return skip(
      "too-large",
      `${file.fileName} has ${file.fileSize} bytes; the limit is ${maxBytes} (content.attachments.maxBytes).`,
    );
  }
  let bytes: Uint8Array;
  try {
    bytes = await run.options.source.downloadAttachment!(file, { ...run.call, maxBytes });
  } catch (error) {
    if (isConfluenceSyncError(error, "SOURCE_NOT_FOUND")) return "gone";
    if (isConfluenceSyncError(error, "ATTACHMENT_TOO_LARGE")) {
      return skip("too-large", `${file.fileName} sent more than ${maxBytes} bytes (content.attachments.maxBytes).`);
    }
    if (run.signal?.aborted || isConfluenceSyncError(error, "SOURCE_AUTH")) throw error;
    return skip("download-failed", `${file.fileName} could not be downloaded: ${describeError(error)}`);
  } finally {
    counters.downloads += 1;
  }
  counters.bytesDownloaded += bytes.byteLength;
  const outcome = await extractor.extract(
    { bytes, fileName: file.fileName, mediaType: file.mediaType },
    { timeBudgetMs: options.timeBudgetMs, ...(run.signal ? { signal: run.signal } : {}) },
  );
  return { outcome, hash: outcome.kind === "text" ? createHash("sha256").update(bytes).digest("hex") : limits };
}

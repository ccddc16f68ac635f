/**
 * Files attached to pages: how a source lists and downloads them, and how their text becomes Markdown. The engine
 * indexes an attachment as its own entry under the page that holds it (breadcrumb `page title > file name`, URL the
 * download link), tracks its version so an unchanged file is never downloaded again, and removes it when it is
 * deleted or replaced.
 */

import type { ConfluenceSpace, SourceCallOptions } from "./confluence-source.js";

/** A file attached to a page, as a listing reports it; no bytes. */
export interface ConfluenceAttachment {
  /** Confluence's attachment id, `att` followed by digits. */
  readonly id: string;
  /** The page that holds it. */
  readonly pageId: string;
  readonly fileName: string;
  /** As Confluence reports it, e.g. `application/pdf`. */
  readonly mediaType: string;
  /** Bytes, as Confluence reports them (the download is capped on its own). */
  readonly fileSize: number;
  /** Bumps when someone uploads a new version of the file. */
  readonly version: number;
  /** The caption shown under the file ("comment" in the REST API); `""` when none. */
  readonly comment: string;
  /** ISO timestamp of the current version, when known. */
  readonly updatedAt: string | null;
  /**
   * Absolute download URL on the site's web base, with the version: what people open in a browser. Data Center serves
   * API clients there too; Cloud does not, and its source downloads through the REST API instead.
   */
  readonly downloadUrl: string;
}

/** Options of {@link AttachmentSource.downloadAttachment}. */
export interface DownloadAttachmentOptions extends SourceCallOptions {
  /** Most bytes to read; a longer body fails with `ATTACHMENT_TOO_LARGE` without reading the rest. */
  readonly maxBytes: number;
}

/** What a {@link ConfluenceSource} implements to have attachments synced. */
export interface AttachmentSource {
  /** Current files of one page, every page of the listing. A page that no longer exists has none (not an error). */
  listAttachments(pageId: string, options?: SourceCallOptions): Promise<ConfluenceAttachment[]>;
  /**
   * Optional: every current file of the space in a few requests (CQL search, which can trail uploads by seconds).
   * The engine prefers it to one listing per page, and confirms files it did not return with {@link listAttachments}
   * before it removes them.
   */
  listSpaceAttachments?(space: ConfluenceSpace, options?: SourceCallOptions): AsyncIterable<ConfluenceAttachment[]>;
  /** The file's bytes, at most `maxBytes`. Throws `SOURCE_NOT_FOUND` when it is gone, `ATTACHMENT_TOO_LARGE` past the cap. */
  downloadAttachment(attachment: ConfluenceAttachment, options: DownloadAttachmentOptions): Promise<Uint8Array>;
}

/** Why an attachment was not indexed. */
export type AttachmentSkipReason =
  /** Larger than the configured `maxBytes` (by its reported size or by what the download sent). */
  | "too-large"
  /** Protected with a password. */
  | "encrypted"
  /** Not a readable file of its type (truncated, damaged, or another format under its name). */
  | "corrupt"
  /** Extraction ran past the per-file time budget. */
  | "timeout"
  /** No extractor reads this media type. */
  | "unsupported"
  /** The download failed for a reason other than the size cap. */
  | "download-failed";

/** One file handed to an {@link AttachmentExtractor}. */
export interface AttachmentFile {
  readonly bytes: Uint8Array;
  readonly fileName: string;
  readonly mediaType: string;
}

/** The outcome of an extraction: Markdown, or the reason there is none. */
export type AttachmentExtraction =
  | { readonly kind: "text"; readonly markdown: string }
  | { readonly kind: "skipped"; readonly reason: AttachmentSkipReason; readonly message: string };

/** Options of {@link AttachmentExtractor.extract}. */
export interface ExtractOptions {
  readonly signal?: AbortSignal;
  /** Milliseconds the file may take; past it the extraction answers `timeout`. */
  readonly timeBudgetMs: number;
}

/**
 * Turns an attached file into Markdown. `@archon/confluence-attachments` reads PDF, Word, PowerPoint, Excel, CSV,
 * Markdown, text and HTML off the event loop; core's built-in one reads text, Markdown and CSV only.
 */
export interface AttachmentExtractor {
  /** Stable id including its version, e.g. `attachments@1`; a change re-extracts every attachment. */
  readonly id: string;
  /** Whether it reads files of this media type (or, when the type is generic, this file name). */
  supports(mediaType: string, fileName: string): boolean;
  /** Never throws for a bad file: an unreadable one comes back as `skipped` with the reason. */
  extract(file: AttachmentFile, options: ExtractOptions): Promise<AttachmentExtraction>;
}

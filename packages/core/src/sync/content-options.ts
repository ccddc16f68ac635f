import { z } from "zod";
import type { PageContentType } from "../ports/confluence-source.js";
import type { ContentOptions } from "../ports/knowledge-store.js";
import { parseOrThrow } from "./util.js";

/** Id of the tree node blog posts sit under: their `parentId`, and the first segment of their path (`/blog/<id>`). */
export const BLOG_NODE_ID = "blog";

/** 25 MiB: files larger than this are skipped as `too-large` unless `maxBytes` says otherwise. */
export const DEFAULT_ATTACHMENT_MAX_BYTES = 25 * 1024 * 1024;

const mediaTypePattern = z
  .string()
  .regex(/^[a-z0-9!#$&^_.+-]+\/(\*|[a-z0-9!#$&^_.+-]+)$/i, "a media type such as application/pdf or image/*");

/** What to do with files attached to pages. */
export const attachmentOptionsSchema = z.object({
  /** @default true once an `attachments` object is given */
  enabled: z.boolean().default(true),
  /**
   * Media types to index, exact (`application/pdf`) or by family (`image/*`); files of other types are left out and
   * removed from the store if they were indexed before. @default every type the extractor reads, and images
   */
  mediaTypes: z.array(mediaTypePattern).max(200).readonly().optional(),
  /** Largest file downloaded, in bytes; larger ones are reported as `attachment-skipped` (`too-large`). @default 25 MiB */
  maxBytes: z
    .number()
    .int()
    .min(1)
    .max(2 * 1024 * 1024 * 1024)
    .default(DEFAULT_ATTACHMENT_MAX_BYTES),
  /** Milliseconds one file may take to extract, off the event loop; past it the file is skipped (`timeout`). @default 60000 */
  timeBudgetMs: z.number().int().min(10).max(3_600_000).default(60_000),
  /** Pages whose attachment listings are read at the same time. @default 8 */
  concurrency: z.number().int().min(1).max(64).default(8),
});

/**
 * Which kinds of content a source indexes besides its pages; validated where it enters (source records, engine
 * options, HTTP bodies).
 */
export const contentOptionsSchema = z
  .object({
    /** Blog posts, under a `blog` node of their own. @default false */
    blogPosts: z.boolean().optional(),
    /** Footer and inline comments as a "Discussion" section of their page. @default false */
    comments: z.union([z.boolean(), z.object({ includeResolvedInline: z.boolean().optional() }).strict()]).optional(),
    /** Index the text of attached files (`true`, or options). @default false */
    attachments: z.union([z.boolean(), attachmentOptionsSchema]).optional(),
  })
  .strict();

export type AttachmentOptionsInput = z.input<typeof attachmentOptionsSchema>;
export type AttachmentOptions = z.output<typeof attachmentOptionsSchema>;
export type ContentOptionsInput = z.input<typeof contentOptionsSchema>;

/** The attachment options in force, or `null` when attachments are off. */
export function resolveAttachmentOptions(parsed: {
  readonly attachments?: boolean | AttachmentOptions | undefined;
}): AttachmentOptions | null {
  const value = parsed.attachments ?? false;
  if (value === false) return null;
  const options = value === true ? attachmentOptionsSchema.parse({}) : value;
  return options.enabled ? options : null;
}

/** Content options with every default applied. */
export interface ResolvedContentOptions {
  readonly blogPosts: boolean;
  /** `false`, or which comments to index. */
  readonly comments: false | { readonly includeResolvedInline: boolean };
  /** The attachment options in force, `null` when attached files are off. */
  readonly attachments: AttachmentOptions | null;
}

/**
 * The content options a sync of a source uses: the source's own, key by key over the engine's, over the defaults
 * (pages only). Throws `CONFIG_INVALID` naming a bad field.
 */
export function resolveContentOptions(
  engine: ContentOptions | undefined,
  source: ContentOptions | undefined,
): ResolvedContentOptions {
  const base = engine === undefined ? {} : parseOrThrow(contentOptionsSchema, engine, "content options");
  const own = source === undefined ? {} : parseOrThrow(contentOptionsSchema, source, "source content options");
  const merged = { ...base, ...own };
  const comments = merged.comments ?? false;
  return {
    attachments: resolveAttachmentOptions(merged),
    blogPosts: merged.blogPosts ?? false,
    comments:
      comments === false
        ? false
        : { includeResolvedInline: comments === true ? true : (comments.includeResolvedInline ?? true) },
  };
}

/** The page-like content types a listing must cover. */
export function listedContentTypes(options: ResolvedContentOptions): PageContentType[] {
  return options.blogPosts ? ["page", "blogpost"] : ["page"];
}

/** Whether a media type is allowed by the patterns (`undefined` allows all). */
export function mediaTypeAllowed(patterns: readonly string[] | undefined, mediaType: string): boolean {
  if (patterns === undefined) return true;
  const type = mediaType.toLowerCase();
  return patterns.some((pattern) => {
    const p = pattern.toLowerCase();
    return p.endsWith("/*") ? type.startsWith(p.slice(0, -1)) : p === type;
  });
}

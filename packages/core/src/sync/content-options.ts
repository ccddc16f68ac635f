import { z } from "zod";

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
  mediaTypes: z.array(mediaTypePattern).max(200).optional(),
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

/** Which kinds of content a sync includes besides pages. */
export const contentOptionsSchema = z.object({
  /** Index the text of attached files (`true`, or options). @default false */
  attachments: z.union([z.boolean(), attachmentOptionsSchema]).default(false),
});

export type AttachmentOptionsInput = z.input<typeof attachmentOptionsSchema>;
export type AttachmentOptions = z.output<typeof attachmentOptionsSchema>;
export type ContentOptionsInput = z.input<typeof contentOptionsSchema>;

/** The attachment options in force, or `null` when attachments are off. */
export function resolveAttachmentOptions(parsed: z.output<typeof contentOptionsSchema>): AttachmentOptions | null {
  if (parsed.attachments === false) return null;
  const options = parsed.attachments === true ? attachmentOptionsSchema.parse({}) : parsed.attachments;
  return options.enabled ? options : null;
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

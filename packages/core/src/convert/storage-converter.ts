import { z } from "zod";
import { ConfluenceSyncError } from "../errors.js";
import type { ConvertContext, Converter, ConvertResult } from "../ports/converter.js";
import { MetadataCollector } from "./metadata.js";
import { parseStorage } from "./parse.js";
import { Renderer } from "./render.js";

/** Options of {@link StorageConverter}. */
export const storageConverterOptionsSchema = z
  .object({
    /** Jira site URL; issue keys from jira macros become links to `<jiraBaseUrl>/browse/KEY` when set. */
    jiraBaseUrl: z
      .url({ message: "jiraBaseUrl must be an absolute http(s) URL" })
      .transform((url) => url.replace(/\/+$/, ""))
      .optional(),
    /**
     * Project keys that count as Jira issue keys in plain text (`PROJ` for `PROJ-123`). When unset, any `ABC-123` in
     * text counts, except a few well-known non-project prefixes such as `UTF-8` or `SHA-256`.
     */
    jiraProjectKeys: z
      .array(z.string().regex(/^[A-Z][A-Z0-9_]+$/, "jiraProjectKeys entries must be upper-case project keys"))
      .optional(),
    /**
     * Deepest element nesting rendered as Markdown; anything deeper is kept as plain text, so hostile input cannot
     * exhaust the stack or make indentation quadratic. @default 100
     */
    maxDepth: z
      .number()
      .int()
      .min(8, "maxDepth must be at least 8")
      .max(1000, "maxDepth must be at most 1000")
      .default(100),
  })
  .strict();

/** What callers pass to {@link createStorageConverter}. */
export type StorageConverterOptionsInput = z.input<typeof storageConverterOptionsSchema>;
/** Validated options. */
export type StorageConverterOptions = z.output<typeof storageConverterOptionsSchema>;

/**
 * Converts Confluence storage format (XHTML with `ac:`/`ri:` elements) into Markdown and page metadata in one pass.
 *
 * Pure and deterministic; never throws on malformed input (problems are reported in `warnings`); linear in the size
 * of the input.
 *
 * It renders a parsed tree itself rather than handing the XHTML to turndown. Plain well-formed XHTML, nearly every
 * body, is read by a one-pass reader that builds exactly the tree htmlparser2 builds; anything else (comments, raw
 * text elements, unusual entities or attributes) is read by htmlparser2 itself. Turndown's DOM reads
 * `<![CDATA[...]]>` as a comment (code bodies vanish) and lets `<ri:page/>` swallow its siblings, and on the same
 * input it is several times slower (see `bench/convert.ts`). Output follows turndown + GFM conventions (ATX headings,
 * fenced code, `-` bullets, GFM tables and task lists).
 */
export class StorageConverter implements Converter {
  /** @inheritDoc */
  readonly id = "storage-md@2";
  private readonly options: StorageConverterOptions;
  private readonly projectKeys: ReadonlySet<string> | undefined;

  constructor(options: StorageConverterOptionsInput = {}) {
    const parsed = storageConverterOptionsSchema.safeParse(options);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      const field = issue?.path.join(".") || "options";
      throw new ConfluenceSyncError(
        "CONFIG_INVALID",
        `Invalid converter option ${field}: ${issue?.message ?? "invalid"}`,
      );
    }
    this.options = parsed.data;
    this.projectKeys = parsed.data.jiraProjectKeys === undefined ? undefined : new Set(parsed.data.jiraProjectKeys);
  }

  convert(storage: string, context: ConvertContext = {}): ConvertResult {
    const { document, warnings } = parseStorage(typeof storage === "string" ? storage : "");
    const meta = new MetadataCollector(this.projectKeys);
    const renderer = new Renderer(
      context,
      {
        maxDepth: this.options.maxDepth,
        ...(this.options.jiraBaseUrl === undefined ? {} : { jiraBaseUrl: this.options.jiraBaseUrl }),
      },
      meta,
      warnings,
    );
    let markdown: string;
    try {
      markdown = renderer.blocks(document.children, 0);
    } catch (error) {
      // Defensive: the renderer is written not to throw, but a converter must always produce output.
      warnings.push(`conversion fell back to plain text: ${error instanceof Error ? error.message : "unknown error"}`);
      markdown = renderer
        .text(document.children)
        .replace(/[ \t]+/g, " ")
        .trim();
    }
    return { markdown: markdown === "" ? "" : `${markdown}\n`, metadata: meta.result(), warnings };
  }
}

/** Creates a {@link StorageConverter}; throws `CONFIG_INVALID` naming the bad option. */
export function createStorageConverter(options: StorageConverterOptionsInput = {}): StorageConverter {
  return new StorageConverter(options);
}

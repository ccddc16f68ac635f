import { z } from "zod";
import type { PageContentType } from "../ports/confluence-source.js";
import type { ContentOptions } from "../ports/knowledge-store.js";
import { parseOrThrow } from "./util.js";

/** Id of the tree node blog posts sit under: their `parentId`, and the first segment of their path (`/blog/<id>`). */
export const BLOG_NODE_ID = "blog";

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
  })
  .strict();

/** Content options with every default applied. */
export interface ResolvedContentOptions {
  readonly blogPosts: boolean;
  /** `false`, or which comments to index. */
  readonly comments: false | { readonly includeResolvedInline: boolean };
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

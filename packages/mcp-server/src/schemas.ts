/**
 * Input and output schemas of the MCP tools. Inputs are strict, so a misspelled filter is an error that names it
 * rather than a silently wider search; outputs are what `structuredContent` carries.
 */
import { z } from "zod/v4";

const sourceId = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/, "must be a source id from list_confluence_sources, e.g. eng");
const spaceKey = z.string().regex(/^~?[A-Za-z0-9_-]{1,255}$/, "must be a Confluence space key, e.g. ENG");
const pageRef = z
  .string()
  .trim()
  .min(1, "must be a page id or URL")
  .max(2048)
  .describe("A page id (e.g. 12345) or the page's Confluence URL");

export const searchFiltersSchema = z
  .object({
    sourceIds: z.array(sourceId).min(1).max(50).optional().describe("Only these sources"),
    spaceKeys: z.array(spaceKey).min(1).max(50).optional().describe("Only these Confluence spaces"),
    labels: z.array(z.string().min(1).max(255)).min(1).max(20).optional().describe("Pages carrying all these labels"),
    subtree: pageRef.optional().describe("Only this page and the pages below it (id or URL)"),
    authorIds: z.array(z.string().min(1).max(255)).min(1).max(50).optional().describe("Last editor's account id"),
    updatedAfter: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}(T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/, "must be a date (YYYY-MM-DD) or an ISO timestamp")
      .refine((value) => !Number.isNaN(Date.parse(value)), "must be a real date")
      .optional()
      .describe("Pages updated on or after this date (YYYY-MM-DD or ISO timestamp)"),
    contentTypes: z
      .array(z.enum(["page", "blogpost", "comment"]))
      .min(1)
      .optional()
      .describe("Only passages of these content types: page, blogpost, comment (a page's discussion)"),
  })
  .strict();

export const searchInputShape = {
  query: z.string().trim().min(1, "must not be empty").max(2000).describe("What to look for, in natural language"),
  mode: z
    .enum(["hybrid", "vector", "keyword"])
    .default("hybrid")
    .describe("hybrid (default) fuses meaning and exact words; keyword for exact terms, ids and error codes"),
  filters: searchFiltersSchema.optional(),
  limit: z.number().int().min(1).max(25).default(5).describe("Most pages to return"),
};

export const searchResultSchema = z.object({
  sourceId: z.string(),
  pageId: z.string(),
  title: z.string(),
  /** Titles of the page's ancestors, root first, then the page's own title. */
  breadcrumb: z.array(z.string()),
  /** Headings above the best matching passage, inside the page. */
  section: z.array(z.string()),
  /** The Confluence URL to cite. */
  url: z.string(),
  /** The best matching passage as plain text. */
  snippet: z.string(),
  score: z.number(),
  /** Passages of this page that matched; the page is listed once. */
  matches: z.number().int(),
});

export const searchOutputShape = {
  query: z.string(),
  mode: z.enum(["hybrid", "vector", "keyword"]),
  results: z.array(searchResultSchema),
};

export const readPageInputShape = {
  page: pageRef,
  sourceId: sourceId.optional().describe("The source holding the page, when ids could clash across sources"),
  part: z.number().int().min(1).default(1).describe("Which part of a long page (see parts and outline)"),
};

export const readPageOutputShape = {
  sourceId: z.string(),
  pageId: z.string(),
  title: z.string(),
  url: z.string(),
  spaceKey: z.string(),
  breadcrumb: z.array(z.string()),
  labels: z.array(z.string()),
  /** Account id (Cloud) or user key (Data Center) of the last editor. */
  lastEditor: z.string().nullable(),
  updatedAt: z.string().nullable(),
  version: z.number().int(),
  part: z.number().int(),
  parts: z.number().int(),
  /** Every section heading with the part it starts in; only for pages of more than one part. */
  outline: z.array(z.object({ heading: z.string(), part: z.number().int() })).optional(),
  markdown: z.string(),
};

export const listSourcesOutputShape = {
  sources: z.array(
    z.object({
      sourceId: z.string(),
      name: z.string(),
      spaceKey: z.string(),
      baseUrl: z.string(),
      deployment: z.enum(["cloud", "datacenter"]),
      pages: z.number().int(),
      lastSyncedAt: z.string().nullable(),
    }),
  ),
};

export const pageTreeInputShape = {
  sourceId: sourceId.optional().describe("Required when more than one source is synced"),
  page: pageRef.optional().describe("Root of the tree (id or URL); the space's top-level pages when absent"),
  depth: z.number().int().min(1).max(5).default(2).describe("Levels below the root to include"),
  limit: z.number().int().min(1).max(200).default(50).describe("Most children listed per page"),
};

export const pageTreeOutputShape = {
  sourceId: z.string(),
  root: z.object({ pageId: z.string(), title: z.string(), url: z.string() }).nullable(),
  /** Pages directly below the root (or at the top level) left out by `limit`. */
  omitted: z.number().int(),
  /** Depth-first, so each page follows its parent. `depth` is 1 for the root's children. */
  nodes: z.array(
    z.object({
      pageId: z.string(),
      title: z.string(),
      parentId: z.string().nullable(),
      depth: z.number().int(),
      childCount: z.number().int(),
      /** Children left out by `limit` or `depth`. */
      omittedChildren: z.number().int(),
    }),
  ),
};

export const syncStatusInputShape = { sourceId: sourceId.optional().describe("One source; all when absent") };

export const syncStatusOutputShape = {
  sources: z.array(
    z.object({
      sourceId: z.string(),
      lastMode: z.enum(["full", "incremental"]).nullable(),
      lastCompletedAt: z.string().nullable(),
      failedPages: z.number().int(),
      running: z
        .object({
          operationId: z.string(),
          mode: z.enum(["full", "incremental"]),
          startedAt: z.string(),
          pagesDone: z.number().int(),
          stage: z.string().nullable(),
          percent: z.number().nullable(),
        })
        .nullable(),
      lastRun: z
        .object({
          mode: z.enum(["full", "incremental"]),
          finishedAt: z.string(),
          durationMs: z.number(),
          pagesIndexed: z.number().int(),
          pagesDeleted: z.number().int(),
          pagesFailed: z.number().int(),
        })
        .nullable(),
    }),
  ),
};

export const startSyncInputShape = {
  sourceId,
  mode: z.enum(["full", "incremental"]).default("incremental").describe("incremental fetches only what changed"),
};

export const startSyncOutputShape = {
  operationId: z.string(),
  sourceId: z.string(),
  mode: z.enum(["full", "incremental"]),
  status: z.literal("running"),
};

export type SearchFiltersInput = z.input<typeof searchFiltersSchema>;
export type SearchResult = z.output<typeof searchResultSchema>;

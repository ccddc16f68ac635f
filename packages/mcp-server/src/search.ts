import type { SearchFilters, SearchHit, SearchMode, SourceRecord } from "@archon/confluence-core";
import type { ToolContext } from "./context.js";
import { McpToolError } from "./errors.js";
import { findPage } from "./page-ref.js";
import type { SearchFiltersInput, SearchResult } from "./schemas.js";
import { bestSnippet, markdownToPlainText } from "./text.js";

export interface SearchRequest {
  readonly query: string;
  readonly mode: SearchMode;
  readonly limit: number;
  readonly filters?: SearchFiltersInput | undefined;
}

/** Passages fetched per page asked for: enough that grouping by page still fills the limit. */
const PASSAGES_PER_PAGE = 4;
/** Most passages one search reads. */
const MAX_PASSAGES = 100;
const SNIPPET_CHARS = 320;

/** Passages by page, in rank order of each page's best passage; at most `limit` pages. */
function groupByPage(hits: readonly SearchHit[], limit: number): Map<string, { best: SearchHit; matches: number }> {
  const byPage = new Map<string, { best: SearchHit; matches: number }>();
  for (const hit of hits) {
    const key = `${hit.sourceId}\u0000${hit.pageId}`;
    const group = byPage.get(key);
    if (group) group.matches += 1;
    else if (byPage.size < limit) byPage.set(key, { best: hit, matches: 1 });
  }
  return byPage;
}

/** Rounds a score to four significant digits: more says nothing and costs tokens. */
const round = (score: number) => Number(score.toPrecision(4));

/** Resolves the filters against what the caller may search; throws tool errors that name the bad filter. */
async function storeFilters(ctx: ToolContext, filters: SearchFiltersInput | undefined): Promise<SearchFilters> {
  const allowed = await ctx.sourcesFor("search");
  let sources: SourceRecord[] = allowed;
  if (filters?.sourceIds) {
    const unknown = filters.sourceIds.filter((id) => !allowed.some((s) => s.sourceId === id));
    if (unknown.length > 0) {
      throw new McpToolError(
        `filters.sourceIds: unknown source ${unknown.map((id) => `"${id}"`).join(", ")}. ` +
          `Sources you can search: ${allowed.map((s) => s.sourceId).join(", ") || "none"}.`,
      );
    }
    sources = allowed.filter((s) => filters.sourceIds?.includes(s.sourceId));
  }
  if (filters?.spaceKeys) {
    const known = new Set(sources.map((s) => s.spaceKey.toLowerCase()));
    const unknown = filters.spaceKeys.filter((key) => !known.has(key.toLowerCase()));
    if (unknown.length === filters.spaceKeys.length) {
      throw new McpToolError(
        `filters.spaceKeys: no source you can search holds space ${unknown.join(", ")}. ` +
          `Spaces: ${[...new Set(sources.map((s) => s.spaceKey))].join(", ") || "none"}.`,
      );
    }
  }
  let pathPrefix: string | undefined;
  if (filters?.subtree !== undefined) {
    let page: Awaited<ReturnType<typeof findPage>>;
    try {
      page = await findPage(ctx.store, sources, filters.subtree);
    } catch (error) {
      if (error instanceof McpToolError) throw new McpToolError(`filters.subtree: ${error.message}`);
      throw error;
    }
    pathPrefix = page.path;
    sources = sources.filter((s) => s.sourceId === page.sourceId);
  }
  const updatedAfter = filters?.updatedAfter;
  return {
    sourceIds: sources.map((s) => s.sourceId),
    ...(filters?.spaceKeys ? { spaceKeys: filters.spaceKeys } : {}),
    ...(filters?.labels ? { labels: filters.labels } : {}),
    ...(pathPrefix ? { pathPrefix } : {}),
    ...(filters?.authorIds ? { authorIds: filters.authorIds } : {}),
    ...(filters?.contentTypes ? { contentTypes: filters.contentTypes } : {}),
    ...(updatedAfter
      ? {
          updatedAfter: new Date(updatedAfter.length === 10 ? `${updatedAfter}T00:00:00Z` : updatedAfter).toISOString(),
        }
      : {}),
  };
}

/**
 * Searches and groups the passages by page: each page once, at the rank of its best passage, with that passage as
 * a plain-text snippet and the number of its passages that matched.
 */
export async function searchPages(ctx: ToolContext, request: SearchRequest): Promise<SearchResult[]> {
  const filters = await storeFilters(ctx, request.filters);
  if (filters.sourceIds?.length === 0) return [];
  let embedding: number[] | undefined;
  if (request.mode !== "keyword") {
    const result = await ctx.options.embedder.embed([request.query], { signal: AbortSignal.timeout(30_000) });
    embedding = result.embeddings[0];
    if (!embedding) throw new McpToolError("The embedder returned no vector for the query; try mode keyword.");
  }
  // A page with many matching passages can fill a window on its own: widen it until the limit is met.
  let window = Math.min(MAX_PASSAGES, request.limit * PASSAGES_PER_PAGE);
  let byPage: Map<string, { best: SearchHit; matches: number }>;
  for (;;) {
    const hits = await ctx.store.search({
      text: request.query,
      mode: request.mode,
      limit: window,
      filters,
      ...(embedding ? { embedding, embeddingModel: ctx.options.embedder.modelId } : {}),
    });
    byPage = groupByPage(hits, request.limit);
    if (byPage.size >= request.limit || hits.length < window || window >= MAX_PASSAGES) break;
    window = Math.min(MAX_PASSAGES, window * 3);
  }
  const results: SearchResult[] = [];
  for (const { best, matches } of byPage.values()) {
    const page = await ctx.store.getPage(best.sourceId, best.pageId);
    const breadcrumb = page ? await ctx.breadcrumbOf(page) : [best.title];
    // The chunk breadcrumb is the page title, then the headings above the passage.
    const section = best.breadcrumb[0] === best.title ? best.breadcrumb.slice(1) : [...best.breadcrumb];
    results.push({
      sourceId: best.sourceId,
      pageId: best.pageId,
      title: best.title,
      breadcrumb,
      section,
      url: best.url,
      snippet: bestSnippet(markdownToPlainText(best.content), request.query, SNIPPET_CHARS),
      score: round(best.score),
      matches,
    });
  }
  return results;
}

/** The text an assistant reads: one short block per page, no JSON punctuation. */
export function formatSearchResults(query: string, results: readonly SearchResult[]): string {
  if (results.length === 0) {
    return `No synced page matches "${query}". Try other words, mode keyword for exact terms, or fewer filters.`;
  }
  return results
    .map((r, i) => {
      // The title heads the block, so the path line shows only what is above and inside the page.
      const ancestors = r.breadcrumb.slice(0, -1);
      // Deep trees make long trails: the root and the two nearest ancestors say where a page is.
      const above = (ancestors.length > 4 ? [ancestors[0], "…", ...ancestors.slice(-2)] : ancestors).join(" › ");
      const inside = r.section.length > 0 ? `§ ${r.section.join(" › ")}` : "";
      const where = [above, inside].filter(Boolean).join(" ");
      const head = `[${i + 1}] ${r.title} (page ${r.sourceId}/${r.pageId}, score ${r.score})`;
      return [head, where, r.url, r.snippet].filter(Boolean).join("\n");
    })
    .join("\n\n");
}

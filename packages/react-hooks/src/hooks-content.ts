import { keepPreviousData, useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { useConfluenceClient } from "./context.js";
import type { ConfluenceQueryHookOptions } from "./hooks-sources.js";
import { pageQueryOptions, pagesInfiniteQueryOptions, pagesQueryOptions, searchQueryOptions } from "./query-options.js";
import type { ListPagesQueryInput, SearchInput } from "./types.js";

/**
 * One page of a source's page list (children of `parentId`, a subtree by `pathPrefix`, or all). Pass the
 * previous answer's `nextCursor` as `cursor` to move on; the previous page stays on screen while the next loads.
 */
export function useConfluencePages(
  sourceId: string | undefined,
  params: ListPagesQueryInput = {},
  options: ConfluenceQueryHookOptions = {},
) {
  const client = useConfluenceClient(options.client);
  return useQuery({
    ...pagesQueryOptions(client, sourceId ?? "", params),
    enabled: Boolean(sourceId) && (options.enabled ?? true),
    placeholderData: keepPreviousData,
  });
}

export interface InfinitePagesOptions extends ConfluenceQueryHookOptions {
  /** Most result pages kept in the cache; scrolling further drops the far end. @default 5 */
  maxPages?: number;
}

/** A page list that grows with `fetchNextPage()`, keeping at most `maxPages` result pages at once. */
export function useInfiniteConfluencePages(
  sourceId: string | undefined,
  params: Omit<ListPagesQueryInput, "cursor"> = {},
  options: InfinitePagesOptions = {},
) {
  const client = useConfluenceClient(options.client);
  return useInfiniteQuery({
    ...pagesInfiniteQueryOptions(
      client,
      sourceId ?? "",
      params,
      options.maxPages === undefined ? {} : { maxPages: options.maxPages },
    ),
    enabled: Boolean(sourceId) && (options.enabled ?? true),
  });
}

/** One page with its Markdown and metadata; idle while `pageId` is `undefined`. */
export function useConfluencePage(
  pageId: string | undefined,
  options: ConfluenceQueryHookOptions & { sourceId?: string | undefined } = {},
) {
  const client = useConfluenceClient(options.client);
  return useQuery({
    ...pageQueryOptions(client, pageId ?? "", options.sourceId),
    enabled: Boolean(pageId) && (options.enabled ?? true),
  });
}

/**
 * Searches; idle while `params` is `undefined` or the query is blank. Earlier results stay on screen while a new
 * query runs (`isPlaceholderData` tells).
 */
export function useConfluenceSearch(params: SearchInput | undefined, options: ConfluenceQueryHookOptions = {}) {
  const client = useConfluenceClient(options.client);
  const search = params ?? { query: "" };
  return useQuery({
    ...searchQueryOptions(client, search),
    enabled: search.query.trim() !== "" && (options.enabled ?? true),
    placeholderData: keepPreviousData,
  });
}
